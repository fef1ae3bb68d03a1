//! The PDF documents of an Antrag: the receipt on submission (Eingangsbestätigung), the decision
//! (Bescheid, with a service's own template or the default), the whole file for the authority
//! (Akte) and the copy of a person's data (Auskunft, Art. 15 DSGVO). Set by the core's Typst
//! renderer ([`kern::pdf`]) as tagged PDF/UA-1, A4, German.
//!
//! The data types carry text ready for display (dates already German, e.g. "04.12.2026, 14:03
//! Uhr"). The templates read them as JSON and insert every value as plain text: whatever a
//! citizen typed (`#`, `*`, `$`, brackets, backslashes, any script) is printed as typed, never
//! evaluated. Characters the embedded fonts lack are shown as "�", and very long words get break
//! opportunities so no line runs off the page.

use anyhow::Result;
use serde::Serialize;

use crate::kern;

/// One question of the form and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Antwort {
    /// The question (the field's label).
    pub frage: String,
    /// The answer as shown to the citizen.
    pub antwort: String,
}

/// A section of the form.
#[derive(Debug, Clone, Serialize)]
pub struct Abschnitt {
    /// Its heading.
    pub titel: String,
    /// Its answers, in the form's order.
    pub antworten: Vec<Antwort>,
}

/// The receipt on submission.
#[derive(Debug, Clone, Serialize)]
pub struct Eingangsbestaetigung {
    /// The service, e.g. "Bewohnerparkausweis".
    pub dienst: String,
    /// The Antragsnummer.
    pub antragsnummer: String,
    /// The authority responsible.
    pub behoerde: String,
    /// Its address, one line each.
    pub behoerde_anschrift: Vec<String>,
    /// When it arrived, e.g. "04.12.2026, 14:03 Uhr".
    pub eingegangen: String,
    /// Who applied.
    pub antragsteller: String,
    /// Everything the citizen entered.
    pub abschnitte: Vec<Abschnitt>,
    /// Attachments, e.g. "Nachweis.pdf (1,2 MB)".
    pub anlagen: Vec<String>,
    /// What happens next (blank lines separate paragraphs).
    pub hinweis: String,
}

/// A decision on an Antrag.
#[derive(Debug, Clone, Serialize)]
pub struct Bescheid {
    /// The service.
    pub dienst: String,
    /// The Antragsnummer.
    pub antragsnummer: String,
    /// The authority deciding.
    pub behoerde: String,
    /// Its address, one line each.
    pub behoerde_anschrift: Vec<String>,
    /// Date of the decision, e.g. "04.12.2026".
    pub datum: String,
    /// The recipient's address, one line each.
    pub empfaenger: Vec<String>,
    /// "Bewilligung", "Teilweise Bewilligung", "Ablehnung".
    pub entscheidung: String,
    /// What is decided (blank lines separate paragraphs).
    pub tenor: String,
    /// Why.
    pub begruendung: String,
    /// How to object, and where.
    pub rechtsbehelfsbelehrung: String,
    /// Who handled it (name, and contact if wanted).
    pub sachbearbeitung: String,
}

/// One entry of an Antrag's history, or an internal note.
#[derive(Debug, Clone, Serialize)]
pub struct Verlaufseintrag {
    /// When.
    pub zeit: String,
    /// Who.
    pub wer: String,
    /// What happened (or the note).
    pub was: String,
    /// The reason given, if any.
    pub warum: String,
}

/// A message between the citizen and the authority.
#[derive(Debug, Clone, Serialize)]
pub struct Nachricht {
    /// When it was sent.
    pub zeit: String,
    /// Who sent it.
    pub von: String,
    /// Its subject.
    pub betreff: String,
    /// Its text.
    pub text: String,
    /// Its attachments, e.g. "Foto.jpg (800 kB)".
    pub anlagen: Vec<String>,
}

/// The whole file of one Antrag.
#[derive(Debug, Clone, Serialize)]
pub struct Akte {
    /// The service.
    pub dienst: String,
    /// The Antragsnummer.
    pub antragsnummer: String,
    /// The authority responsible.
    pub behoerde: String,
    /// Its state, e.g. "in Bearbeitung".
    pub zustand: String,
    /// When it was created.
    pub erstellt: String,
    /// Everything entered.
    pub abschnitte: Vec<Abschnitt>,
    /// Attachments.
    pub anlagen: Vec<String>,
    /// What happened, oldest first.
    pub verlauf: Vec<Verlaufseintrag>,
    /// Messages, oldest first.
    pub nachrichten: Vec<Nachricht>,
    /// Internal notes of the authority.
    pub notizen: Vec<Verlaufseintrag>,
}

/// The copy of a person's stored data (Art. 15 DSGVO).
#[derive(Debug, Clone, Serialize)]
pub struct Auskunft {
    /// When it was made.
    pub erstellt: String,
    /// The stored personal data, field → value.
    pub person: Vec<Antwort>,
    /// Every Antrag of the person.
    pub antraege: Vec<Akte>,
}

macro_rules! vorlage {
    ($datei:literal) => {
        concat!(
            include_str!("templates/gemeinsam.typ"),
            include_str!(concat!("templates/", $datei))
        )
    };
}

/// The default template of a Bescheid, complete (with the shared page setup and helpers), so a
/// service can start its own from it. It reads a [`Bescheid`] as `data.json`.
pub const BESCHEID_VORLAGE: &str = vorlage!("bescheid.typ");
const EINGANGSBESTAETIGUNG_VORLAGE: &str = vorlage!("eingangsbestaetigung.typ");
const AKTE_VORLAGE: &str = vorlage!("akte.typ");
const AUSKUNFT_VORLAGE: &str = vorlage!("auskunft.typ");

/// Words longer than this get break opportunities (about the width of the narrowest column).
const WORT_MAX: usize = 24;

/// `titel` names the document (its title where a template sets none, and in errors).
fn setzen<T: Serialize>(
    vorlage: &str,
    daten: &T,
    titel: &str,
    jetzt: jiff::Timestamp,
) -> Result<Vec<u8>> {
    let mut wert = serde_json::to_value(daten)?;
    kern::pdf::lange_woerter_umbrechen(&mut wert, WORT_MAX);
    Ok(kern::pdf::setzen(vorlage, &serde_json::to_vec(&wert)?, titel, jetzt)?.bytes)
}

/// The receipt on submission (about 5 ms of CPU for a form of three sections).
pub fn eingangsbestaetigung_pdf(
    e: &Eingangsbestaetigung,
    jetzt: jiff::Timestamp,
) -> Result<Vec<u8>> {
    let titel = format!("Eingangsbestätigung {}", e.antragsnummer);
    setzen(EINGANGSBESTAETIGUNG_VORLAGE, e, &titel, jetzt)
}

/// The Bescheid, with the service's own Typst template (`vorlage`, reading a [`Bescheid`] as
/// `data.json`) or [`BESCHEID_VORLAGE`]. A template that does not compile yields a German error
/// naming the line; one without `document(title: …)` gets "Bescheid <Antragsnummer>".
pub fn bescheid_pdf(
    vorlage: Option<&str>,
    b: &Bescheid,
    jetzt: jiff::Timestamp,
) -> Result<Vec<u8>> {
    let titel = format!("Bescheid {}", b.antragsnummer);
    setzen(vorlage.unwrap_or(BESCHEID_VORLAGE), b, &titel, jetzt)
}

/// The whole file of one Antrag.
pub fn akte_pdf(a: &Akte, jetzt: jiff::Timestamp) -> Result<Vec<u8>> {
    setzen(AKTE_VORLAGE, a, &format!("Akte {}", a.antragsnummer), jetzt)
}

/// The copy of a person's data with all their Anträge (Art. 15 DSGVO).
pub fn auskunft_pdf(a: &Auskunft, jetzt: jiff::Timestamp) -> Result<Vec<u8>> {
    let titel = format!("Auskunft nach Art. 15 DSGVO vom {}", a.erstellt);
    setzen(AUSKUNFT_VORLAGE, a, &titel, jetzt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What users may type: Typst markup, code, maths, labels, escapes, comments.
    const FEINDLICH: [&str; 6] = [
        r#"#set page(width: 1cm) #eval("1+1") #read("/etc/passwd")"#,
        r"*fett* _kursiv_ $x^2$ [Klammer] \ Backslash \\n",
        r#"<marke> @verweis = Überschrift // kein Kommentar /* auch nicht */"#,
        r#"`roh` ~ -- --- ... "Zitat" 'x' {geschweift} #{1+1}"#,
        r"#let x = 1 \#escaped \u{41} 50 % & < > |",
        "ÄÖÜß äöü – „deutsche“ Anführungszeichen € §",
    ];

    fn jetzt() -> jiff::Timestamp {
        "2026-12-04T13:03:00Z".parse().unwrap()
    }

    fn text_von(pdf: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let pfad = dir.path().join("d.pdf");
        std::fs::write(&pfad, pdf).unwrap();
        let aus = std::process::Command::new("pdftotext")
            .arg("-raw")
            .arg("-enc")
            .arg("UTF-8")
            .arg(&pfad)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) must be installed");
        assert!(aus.status.success(), "pdftotext failed");
        String::from_utf8(aus.stdout).unwrap()
    }

    fn info_von(pdf: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let pfad = dir.path().join("d.pdf");
        std::fs::write(&pfad, pdf).unwrap();
        let aus = std::process::Command::new("pdfinfo")
            .arg(&pfad)
            .output()
            .expect("pdfinfo (poppler-utils) must be installed");
        assert!(aus.status.success(), "pdfinfo failed");
        String::from_utf8(aus.stdout).unwrap()
    }

    /// The fonts (by `pdffonts`): each must be embedded.
    fn schriften_von(pdf: &[u8]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let pfad = dir.path().join("d.pdf");
        std::fs::write(&pfad, pdf).unwrap();
        let aus = std::process::Command::new("pdffonts")
            .arg(&pfad)
            .output()
            .unwrap();
        let text = String::from_utf8(aus.stdout).unwrap();
        text.lines()
            .skip(2)
            .map(|z| {
                let spalten: Vec<&str> = z.split_whitespace().collect();
                assert!(
                    spalten.iter().rev().nth(4) == Some(&"yes"),
                    "nicht eingebettet: {z}"
                );
                spalten[0].split('+').next_back().unwrap().to_owned()
            })
            .collect()
    }

    fn seiten(pdf: &[u8]) -> usize {
        info_von(pdf)
            .lines()
            .find_map(|z| z.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap()
    }

    /// Without whitespace (lines wrap where the layout wants, also after a "/") and break
    /// opportunities.
    fn eben(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{200B}')
            .collect()
    }

    fn enthaelt(text: &str, was: &str) {
        assert!(eben(text).contains(&eben(was)), "{was:?} fehlt in:\n{text}");
    }

    /// The PDF's bytes with every compressed stream inflated.
    fn entpackt(pdf: &[u8]) -> String {
        use std::io::Read;
        let mut aus = String::from_utf8_lossy(pdf).into_owned();
        let mut rest = pdf;
        while let Some(i) = rest.windows(7).position(|w| w == b"stream\n") {
            rest = &rest[i + 7..];
            let mut s = String::new();
            if flate2::read::ZlibDecoder::new(rest)
                .read_to_string(&mut s)
                .is_ok()
            {
                aus.push_str(&s);
            }
        }
        aus
    }

    /// A PDF/UA-1 document with a title, in German.
    fn pdf_ua(pdf: &[u8], titel: &str) {
        assert!(pdf.starts_with(b"%PDF"));
        let roh = entpackt(pdf);
        assert!(roh.contains("pdfuaid:part>1<"), "PDF/UA-1 identification");
        assert!(roh.contains("/Lang(de"), "language German");
        let info = info_von(pdf);
        assert!(info.contains("Tagged:          yes"), "{info}");
        assert!(!schriften_von(pdf).is_empty());
        enthaelt(&info, &format!("Title: {titel}"));
    }

    fn abschnitte(n: usize, je: usize) -> Vec<Abschnitt> {
        (1..=n)
            .map(|a| Abschnitt {
                titel: format!("Abschnitt {a}: Angaben zur Person"),
                antworten: (1..=je)
                    .map(|i| Antwort {
                        frage: format!("Frage {a}.{i}: Straße und Hausnummer"),
                        antwort: format!("Antwort {a}.{i} Müllerstraße {i}"),
                    })
                    .collect(),
            })
            .collect()
    }

    fn mit_feindlichen(mut ab: Vec<Abschnitt>) -> Vec<Abschnitt> {
        ab.push(Abschnitt {
            titel: "Freitext #*$[]".into(),
            antworten: FEINDLICH
                .iter()
                .enumerate()
                .map(|(i, s)| Antwort {
                    frage: format!("Feindlich {i} {s}"),
                    antwort: (*s).to_owned(),
                })
                .collect(),
        });
        ab
    }

    fn eingang() -> Eingangsbestaetigung {
        Eingangsbestaetigung {
            dienst: "Bewohnerparkausweis".into(),
            antragsnummer: "BPA-2026-000123".into(),
            behoerde: "Stadt Köln, Amt für Straßen und Verkehr".into(),
            behoerde_anschrift: vec!["Willy-Brandt-Platz 2".into(), "50679 Köln".into()],
            eingegangen: "04.12.2026, 14:03 Uhr".into(),
            antragsteller: "Jürgen Öztürk-Weiß".into(),
            abschnitte: mit_feindlichen(abschnitte(3, 6)),
            anlagen: vec!["Nachweis.pdf (1,2 MB)".into(), "Fahrzeugschein #1 [Kopie].jpg (800 kB)".into()],
            hinweis: "Wir prüfen Ihren Antrag in der Regel innerhalb von zwei Wochen.\n\nSie erhalten den Bescheid per Post und in Ihrem Postfach.".into(),
        }
    }

    fn bescheid() -> Bescheid {
        Bescheid {
            dienst: "Bewohnerparkausweis".into(),
            antragsnummer: "BPA-2026-000123".into(),
            behoerde: "Stadt Köln, Amt für Straßen und Verkehr".into(),
            behoerde_anschrift: vec!["Willy-Brandt-Platz 2".into(), "50679 Köln".into()],
            datum: "07.12.2026".into(),
            empfaenger: vec!["Jürgen Öztürk-Weiß".into(), "Müllerstraße 5".into(), "50667 Köln".into()],
            entscheidung: "Teilweise Bewilligung".into(),
            tenor: format!("Der Bewohnerparkausweis wird für die Zone A erteilt. {}", FEINDLICH[0]),
            begruendung: format!("Die Voraussetzungen liegen vor.\n\n{}\n\n{}", FEINDLICH[1], FEINDLICH[2]),
            rechtsbehelfsbelehrung: "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage beim Verwaltungsgericht Köln erhoben werden.".into(),
            sachbearbeitung: "Frau Schäfer, Telefon 0221 221-0".into(),
        }
    }

    fn akte(nummer: &str, groesse: usize) -> Akte {
        let eintrag = |i: usize, s: &str| Verlaufseintrag {
            zeit: format!("0{}.12.2026, {}:00 Uhr", 4 + i % 5, 8 + i % 10),
            wer: "Frau Schäfer (Sachbearbeitung)".into(),
            was: format!("Schritt {i}: {s}"),
            warum: if i.is_multiple_of(2) {
                String::new()
            } else {
                "Unterlagen unvollständig".into()
            },
        };
        Akte {
            dienst: "Bewohnerparkausweis".into(),
            antragsnummer: nummer.into(),
            behoerde: "Stadt Köln".into(),
            zustand: "in Bearbeitung".into(),
            erstellt: "04.12.2026, 14:03 Uhr".into(),
            abschnitte: mit_feindlichen(abschnitte(3, 2 * groesse)),
            anlagen: vec!["Nachweis.pdf (1,2 MB)".into()],
            verlauf: (0..4 * groesse)
                .map(|i| eintrag(i, "Antrag geprüft"))
                .collect(),
            nachrichten: (0..groesse)
                .map(|i| Nachricht {
                    zeit: format!("05.12.2026, 0{i}:15 Uhr"),
                    von: "Jürgen Öztürk-Weiß".into(),
                    betreff: format!("Rückfrage {i} {}", FEINDLICH[3]),
                    text: format!("Guten Tag,\n\nanbei der Nachweis.\n{}", FEINDLICH[4]),
                    anlagen: vec!["Foto.jpg (800 kB)".into()],
                })
                .collect(),
            notizen: vec![eintrag(1, "Rückruf vereinbart")],
        }
    }

    #[test]
    fn eingangsbestaetigung_enthaelt_alle_angaben_wortgetreu() {
        let e = eingang();
        let pdf = eingangsbestaetigung_pdf(&e, jetzt()).unwrap();
        pdf_ua(
            &pdf,
            "Eingangsbestätigung – Bewohnerparkausweis – Antragsnummer BPA-2026-000123",
        );
        let n = seiten(&pdf);
        assert!((1..=4).contains(&n), "{n} Seiten");
        let text = text_von(&pdf);
        for s in [
            "BPA-2026-000123",
            "04.12.2026, 14:03 Uhr",
            "Jürgen Öztürk-Weiß",
            "ÄÖÜß",
        ] {
            enthaelt(&text, s);
        }
        enthaelt(&text, &format!("Seite 1 von {n}"));
        for a in e.abschnitte.iter() {
            enthaelt(&text, &a.titel);
            for x in &a.antworten {
                enthaelt(&text, &x.frage);
                enthaelt(&text, &x.antwort);
            }
        }
        for s in FEINDLICH {
            enthaelt(&text, s);
        }
        enthaelt(&text, "Fahrzeugschein #1 [Kopie].jpg (800 kB)");
        enthaelt(&text, "Sie erhalten den Bescheid per Post");
    }

    #[test]
    fn bescheid_mit_der_vorlage() {
        let b = bescheid();
        let pdf = bescheid_pdf(None, &b, jetzt()).unwrap();
        pdf_ua(
            &pdf,
            "Bescheid – Bewohnerparkausweis – Antragsnummer BPA-2026-000123",
        );
        assert!((1..=2).contains(&seiten(&pdf)));
        let text = text_von(&pdf);
        for s in [
            "Stadt Köln, Amt für Straßen und Verkehr",
            "Müllerstraße 5",
            "07.12.2026",
            "Antragsnummer BPA-2026-000123",
            "Entscheidung: Teilweise Bewilligung",
            "Begründung",
            "Rechtsbehelfsbelehrung",
            "Klage beim Verwaltungsgericht Köln",
            "Im Auftrag",
            "Frau Schäfer, Telefon 0221 221-0",
            "ohne Unterschrift gültig (§ 37 Abs. 5 VwVfG NRW)",
            FEINDLICH[0],
            FEINDLICH[1],
            FEINDLICH[2],
        ] {
            enthaelt(&text, s);
        }
    }

    #[test]
    fn bescheid_mit_eigener_vorlage_und_fehlerhafter() {
        let eigene = r#"#let d = json("data.json")
#set document(title: "Eigener Bescheid " + d.antragsnummer)
#set text(font: "DejaVu Sans", lang: "de")
= Eigener Bescheid der Fundstelle
#d.tenor
"#;
        let pdf = bescheid_pdf(Some(eigene), &bescheid(), jetzt()).unwrap();
        pdf_ua(&pdf, "Eigener Bescheid BPA-2026-000123");
        let text = text_von(&pdf);
        enthaelt(&text, "Eigener Bescheid der Fundstelle");
        enthaelt(&text, FEINDLICH[0]);

        // Starting from the default works as well.
        let abgewandelt =
            BESCHEID_VORLAGE.replace("Im Auftrag", "Im Auftrag der Oberbürgermeisterin");
        let text = text_von(&bescheid_pdf(Some(&abgewandelt), &bescheid(), jetzt()).unwrap());
        enthaelt(&text, "Im Auftrag der Oberbürgermeisterin");

        let kaputt = format!("{eigene}\n#let x = (");
        let e = bescheid_pdf(Some(&kaputt), &bescheid(), jetzt())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("Satz von „Bescheid BPA-2026-000123“ fehlgeschlagen: Zeile 7"),
            "{e}"
        );
        let kaputt = format!("{eigene}\n#d.gibtsnicht");
        let e = bescheid_pdf(Some(&kaputt), &bescheid(), jetzt())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("Satz von „Bescheid BPA-2026-000123“ fehlgeschlagen: Zeile 7"),
            "{e}"
        );
        // Without title, language or font: the defaults, still PDF/UA-1.
        let pdf = bescheid_pdf(Some("= Ohne Titel\nÄÖÜß"), &bescheid(), jetzt()).unwrap();
        pdf_ua(&pdf, "Bescheid BPA-2026-000123");
        enthaelt(&text_von(&pdf), "Ohne Titel ÄÖÜß");
        let schriften = schriften_von(&pdf);
        assert!(
            schriften.iter().all(|s| s.starts_with("DejaVuSans")),
            "{schriften:?}"
        );
    }

    #[test]
    fn akte_ueber_mehrere_seiten() {
        let a = akte("BPA-2026-000123", 5);
        let pdf = akte_pdf(&a, jetzt()).unwrap();
        pdf_ua(
            &pdf,
            "Akte – Bewohnerparkausweis – Antragsnummer BPA-2026-000123",
        );
        let n = seiten(&pdf);
        assert!((2..=6).contains(&n), "{n} Seiten");
        let text = text_von(&pdf);
        enthaelt(&text, &format!("Seite {n} von {n}"));
        for s in [
            "Antrag BPA-2026-000123: Bewohnerparkausweis",
            "in Bearbeitung",
            "Schritt 19: Antrag geprüft",
            "Unterlagen unvollständig",
            "Rückruf vereinbart",
            "Interne Notizen",
            "anbei der Nachweis.",
            "Foto.jpg (800 kB)",
        ] {
            enthaelt(&text, s);
        }
        for s in FEINDLICH {
            enthaelt(&text, s);
        }
    }

    #[test]
    fn auskunft_mit_allen_antraegen() {
        let a = Auskunft {
            erstellt: "04.12.2026".into(),
            person: vec![
                Antwort {
                    frage: "Name".into(),
                    antwort: "Jürgen Öztürk-Weiß".into(),
                },
                Antwort {
                    frage: "E-Mail".into(),
                    antwort: "j.oeztuerk@example.org".into(),
                },
                Antwort {
                    frage: "Notiz $x$".into(),
                    antwort: FEINDLICH[1].into(),
                },
            ],
            antraege: vec![akte("BPA-2026-000123", 1), akte("WG-2026-000007", 1)],
        };
        let pdf = auskunft_pdf(&a, jetzt()).unwrap();
        pdf_ua(
            &pdf,
            "Auskunft über Ihre gespeicherten Daten (Art. 15 DSGVO) – 04.12.2026",
        );
        let text = text_von(&pdf);
        for s in [
            "Art. 15",
            "j.oeztuerk@example.org",
            "Notiz $x$",
            FEINDLICH[1],
            "Antrag BPA-2026-000123",
            "Antrag WG-2026-000007",
        ] {
            enthaelt(&text, s);
        }
        let leer = Auskunft {
            erstellt: "04.12.2026".into(),
            person: vec![],
            antraege: vec![],
        };
        let text = text_von(&auskunft_pdf(&leer, jetzt()).unwrap());
        enthaelt(&text, "Keine Anträge gespeichert.");
    }

    #[test]
    fn zeichen_ohne_schrift_und_lange_woerter() {
        let mut e = eingang();
        let lang = format!("https://example.org/{}", "x".repeat(150));
        e.abschnitte = vec![Abschnitt {
            titel: "Sonderfälle".into(),
            antworten: vec![
                Antwort {
                    frage: "Emoji".into(),
                    antwort: "Grüße 😀 und 漢字\u{7}!".into(),
                },
                Antwort {
                    frage: "Lang".into(),
                    antwort: lang.clone(),
                },
                Antwort {
                    frage: "Zeilen".into(),
                    antwort: "erste Zeile\nzweite Zeile".into(),
                },
                Antwort {
                    frage: "Leer".into(),
                    antwort: String::new(),
                },
            ],
        }];
        let pdf = eingangsbestaetigung_pdf(&e, jetzt()).unwrap();
        let text = text_von(&pdf);
        enthaelt(&text, "Grüße 😀 und �� !");
        enthaelt(&text, &lang);
        enthaelt(&text, "erste Zeile zweite Zeile");
    }
}
