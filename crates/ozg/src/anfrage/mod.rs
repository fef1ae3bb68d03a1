//! Demo service „Allgemeine Anfrage an die Verwaltung“: a question, suggestion or complaint to
//! the citizen's Gemeinde. It shows the base of the portal end to end (form in steps, files,
//! submission, Postfach, case work, Bescheid) before the real services come; it needs no
//! account.

use ozg_domain::formular::{Feld, Feldart, Formular, Schritt};

use crate::antraege::Dienst;

const ARTEN: &[(&str, &str)] = &[
    ("frage", "Frage"),
    ("anregung", "Anregung"),
    ("beschwerde", "Beschwerde"),
    ("sonstiges", "Sonstiges"),
];

const ANTWORTWEGE: &[(&str, &str)] = &[
    ("postfach", "Im Postfach dieses Portals"),
    ("telefon", "Telefonischer Rückruf"),
];

/// The service.
pub static DIENST: Dienst = Dienst {
    schluessel: "anfrage",
    name: "Allgemeine Anfrage an die Verwaltung",
    kurz: "Eine Frage, Anregung oder Beschwerde an Ihre Gemeinde oder Stadt.",
    beschreibung: "Mit diesem Formular wenden Sie sich schriftlich an die Verwaltung Ihrer Gemeinde oder Stadt: mit einer Frage, einer Anregung oder einer Beschwerde. Die Verwaltung antwortet Ihnen im Postfach dieses Portals. Anregungen und Beschwerden an den Rat (§ 24 GO NRW) leitet die Verwaltung weiter.",
    unterlagen: &["Ihre Anschrift", "eine E-Mail-Adresse", "falls vorhanden: ein Aktenzeichen und Unterlagen als PDF oder Foto"],
    rechtsgrundlage: "§ 24 Gemeindeordnung NRW (Anregungen und Beschwerden); § 3a VwVfG NRW (elektronische Kommunikation)",
    leika: "99000000000000",
    praefix: "ANF",
    niveau: None,
    formular: Formular {
        schritte: &[
            Schritt {
                name: "person",
                titel: "Zu Ihrer Person",
                felder: &[
                    Feld::text("vorname", "Vorname", 100).autocomplete("given-name"),
                    Feld::text("nachname", "Nachname", 100).autocomplete("family-name"),
                    Feld::text("strasse", "Straße und Hausnummer", 120).autocomplete("street-address"),
                    Feld::text("plz", "Postleitzahl", 5)
                        .art(Feldart::Plz)
                        .autocomplete("postal-code"),
                    Feld::text("ort", "Ort", 100)
                        .autocomplete("address-level2")
                        .hilfe("Aus Postleitzahl und Ort ermittelt das Portal Ihre zuständige Verwaltung."),
                    Feld::text("telefon", "Telefon", 30)
                        .art(Feldart::Telefon)
                        .freiwillig()
                        .autocomplete("tel"),
                ],
            },
            Schritt {
                name: "anliegen",
                titel: "Ihr Anliegen",
                felder: &[
                    Feld::text("art", "Worum geht es?", 20).art(Feldart::Auswahl(ARTEN)),
                    Feld::text("aktenzeichen", "Aktenzeichen (falls vorhanden)", 60)
                        .freiwillig()
                        .wenn("art", &["beschwerde", "frage"]),
                    Feld::text("betreff", "Betreff", 150),
                    Feld::text("text", "Ihre Nachricht", 5000)
                        .art(Feldart::Mehrzeilig(5000))
                        .hilfe("Höchstens 5.000 Zeichen."),
                    Feld::text("antwortweg", "Wie möchten Sie die Antwort erhalten?", 20)
                        .art(Feldart::Auswahl(ANTWORTWEGE)),
                ],
            },
        ],
    },
    anschrift: ("plz", "ort"),
    name_felder: &["vorname", "nachname"],
    anlagen: true,
    loeschfrist_tage: 3 * 365,
    datenschutz: "Ihre Angaben nutzt die zuständige Verwaltung nur, um Ihr Anliegen zu bearbeiten (Art. 6 Abs. 1 lit. e DSGVO).",
    bescheid_vorlage: None,
};

#[cfg(test)]
mod tests {
    #[test]
    fn formular_ist_gueltig() {
        super::DIENST.formular.definition_pruefen().unwrap();
    }
}
