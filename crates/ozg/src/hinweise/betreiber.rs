//! Who operates this instance: what the Impressum (§ 5 DDG), the contact page and the
//! Erklärung zur Barrierefreiheit name. Configured on the shell (`ozg serve --betreiber-…`),
//! handed to the portal as an extension of its state; unset, the pages say so.

use std::path::PathBuf;

/// The operator's details (all as configured, trimmed; empty: not configured).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Betreiber {
    /// Name of the operating body (e.g. „Stadt Musterstadt, Der Bürgermeister“).
    pub name: String,
    /// Postal address (lines separated by line breaks or „;“).
    pub anschrift: String,
    /// The person authorised to represent it.
    pub vertretung: String,
    /// E-mail address for contact.
    pub email: String,
    /// Telephone number.
    pub telefon: String,
    /// Supervisory authority (optional).
    pub aufsicht: String,
    /// Where feedback on accessibility goes (empty: the contact address).
    pub barrierefreiheit_email: String,
    /// The video in German Sign Language (mp4, webm or ogv) the operator supplies.
    pub gebaerdensprache_video: Option<PathBuf>,
}

/// The flags of the required details, with what they name.
const PFLICHT: [(&str, &str); 5] = [
    ("--betreiber-name", "Name"),
    ("--betreiber-anschrift", "Anschrift"),
    ("--betreiber-vertretung", "vertretungsberechtigte Person"),
    ("--betreiber-email", "E-Mail-Adresse"),
    ("--betreiber-telefon", "Telefonnummer"),
];

impl Betreiber {
    /// The flags of the required details still missing.
    pub fn fehlend(&self) -> Vec<&'static str> {
        let werte = [
            &self.name,
            &self.anschrift,
            &self.vertretung,
            &self.email,
            &self.telefon,
        ];
        PFLICHT
            .iter()
            .zip(werte)
            .filter(|(_, w)| w.trim().is_empty())
            .map(|((flag, _), _)| *flag)
            .collect()
    }

    /// The warning the pages and the log show while details are missing (None: complete).
    pub fn warnung(&self) -> Option<String> {
        let fehlend = self.fehlend();
        if fehlend.is_empty() {
            return None;
        }
        let was: Vec<&str> = PFLICHT
            .iter()
            .filter(|(f, _)| fehlend.contains(f))
            .map(|(_, w)| *w)
            .collect();
        Some(format!(
            "Betreiberangaben fehlen: {}. Die Betreiberin oder der Betreiber dieser Instanz muss sie beim Start angeben ({}; oder die Umgebungsvariablen OZG_BETREIBER_…). Bis dahin sind Impressum und Kontaktangaben unvollständig.",
            was.join(", "),
            fehlend.join(", ")
        ))
    }

    /// The address lines.
    pub fn anschrift_zeilen(&self) -> Vec<&str> {
        self.anschrift
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|z| !z.is_empty())
            .collect()
    }

    /// The telephone number for a `tel:` link: digits and a leading `+` only.
    pub fn telefon_link(&self) -> String {
        self.telefon
            .trim()
            .chars()
            .enumerate()
            .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
            .map(|(_, c)| c)
            .collect()
    }

    /// The address feedback on accessibility goes to ("" when none is configured).
    pub fn rueckmeldung_an(&self) -> &str {
        if self.barrierefreiheit_email.trim().is_empty() {
            self.email.trim()
        } else {
            self.barrierefreiheit_email.trim()
        }
    }

    /// The name shown where the operator is named ("die Betreiberin" while unset).
    pub fn name_oder_platzhalter(&self) -> &str {
        if self.name.trim().is_empty() {
            "die Betreiberin dieser Instanz (Angabe fehlt)"
        } else {
            self.name.trim()
        }
    }

    /// Whether a sign-language video is configured.
    pub fn hat_video(&self) -> bool {
        self.gebaerdensprache_video.is_some()
    }

    /// Checks the configuration at start: e-mail addresses usable, the video a file of a type
    /// browsers play. The error names the flag.
    pub fn pruefen(&self) -> Result<(), String> {
        for (flag, wert) in [
            ("--betreiber-email", &self.email),
            ("--barrierefreiheit-email", &self.barrierefreiheit_email),
        ] {
            if !wert.trim().is_empty() && !crate::kern::mail::adresse_gueltig(wert.trim()) {
                return Err(format!("{flag}: „{wert}“ ist keine gültige E-Mail-Adresse"));
            }
        }
        if let Some(p) = &self.gebaerdensprache_video {
            if videotyp(p).is_none() {
                return Err(format!(
                    "--gebaerdensprache-video: {} ist kein Video im Format MP4, WebM oder Ogg (Dateiendung .mp4, .m4v, .webm, .ogv)",
                    p.display()
                ));
            }
            if !p.is_file() {
                return Err(format!(
                    "--gebaerdensprache-video: die Datei {} gibt es nicht oder sie ist nicht lesbar",
                    p.display()
                ));
            }
        }
        Ok(())
    }
}

/// The media type of a video file by its extension (the operator's own file, not an upload).
pub fn videotyp(p: &std::path::Path) -> Option<&'static str> {
    let ext = p.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "ogv" | "ogg" => "video/ogg",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fehlende_angaben_mit_flag() {
        let b = Betreiber::default();
        assert_eq!(b.fehlend().len(), 5);
        let w = b.warnung().unwrap();
        assert!(
            w.contains("--betreiber-name") && w.contains("Anschrift"),
            "{w}"
        );
        let voll = Betreiber {
            name: "Stadt Musterstadt".into(),
            anschrift: "Markt 1; 12345 Musterstadt".into(),
            vertretung: "Bürgermeisterin Erika Muster".into(),
            email: "ozg@musterstadt.de".into(),
            telefon: "0123 456".into(),
            ..Betreiber::default()
        };
        assert!(voll.warnung().is_none());
        assert_eq!(voll.anschrift_zeilen(), ["Markt 1", "12345 Musterstadt"]);
        assert_eq!(voll.rueckmeldung_an(), "ozg@musterstadt.de");
        assert_eq!(voll.telefon_link(), "0123456");
        assert!(voll.pruefen().is_ok());
        let falsch = Betreiber {
            barrierefreiheit_email: "kaputt".into(),
            ..voll
        };
        assert!(
            falsch
                .pruefen()
                .unwrap_err()
                .contains("--barrierefreiheit-email")
        );
        assert_eq!(
            videotyp(std::path::Path::new("a/dgs.MP4")),
            Some("video/mp4")
        );
        assert_eq!(videotyp(std::path::Path::new("dgs.avi")), None);
    }
}
