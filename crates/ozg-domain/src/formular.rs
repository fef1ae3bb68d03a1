//! The form of an online service as typed data: steps, fields, conditions and validation.
//! A service declares its form once (as `const` data); the portal renders every step from it
//! (KERN UX, error summary, step indicator), checks the answers with [`Formular::schritt_pruefen`]
//! and, before submission, all steps again with [`Formular::alles_pruefen`].
//!
//! Answers are text as typed (a map field → value); checking cleans them (trims, normalises a
//! date to ISO) and collects every error of a step, in German, not just the first.

use std::collections::BTreeMap;

/// The answers of an Antrag: field name → value as stored.
pub type Antworten = BTreeMap<String, String>;

/// What kind of input a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feldart {
    /// One line of text, at most this many characters.
    Text(usize),
    /// Several lines, at most this many characters.
    Mehrzeilig(usize),
    /// An e-mail address.
    Email,
    /// A telephone number (digits, spaces, `+ / ( ) -`).
    Telefon,
    /// A date (typed as TT.MM.JJJJ or JJJJ-MM-TT; stored as JJJJ-MM-TT).
    Datum,
    /// A whole number within the bounds.
    Zahl(i64, i64),
    /// One of these (key, label) options.
    Auswahl(&'static [(&'static str, &'static str)]),
    /// Yes or no (stored "ja"/"nein").
    JaNein,
    /// A German postcode (five digits).
    Plz,
}

/// Shows a field only when another field of the form has one of these values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bedingung {
    /// The other field.
    pub feld: &'static str,
    /// The values that show it.
    pub werte: &'static [&'static str],
}

/// A field.
#[derive(Debug, Clone, Copy)]
pub struct Feld {
    /// Name (unique in the form; `[a-z0-9_]`).
    pub name: &'static str,
    /// Label, a short question in plain German.
    pub label: &'static str,
    /// Hint below the label ("" for none).
    pub hilfe: &'static str,
    /// Kind of input.
    pub art: Feldart,
    /// Must be answered (when shown).
    pub pflicht: bool,
    /// Shown only under this condition.
    pub wenn: Option<Bedingung>,
    /// The HTML `autocomplete` token ("" for none): WCAG 1.3.5.
    pub autocomplete: &'static str,
}

impl Feld {
    /// A required one-line text field.
    pub const fn text(name: &'static str, label: &'static str, max: usize) -> Feld {
        Feld {
            name,
            label,
            hilfe: "",
            art: Feldart::Text(max),
            pflicht: true,
            wenn: None,
            autocomplete: "",
        }
    }

    /// With a hint.
    pub const fn hilfe(mut self, h: &'static str) -> Feld {
        self.hilfe = h;
        self
    }

    /// Of another kind.
    pub const fn art(mut self, a: Feldart) -> Feld {
        self.art = a;
        self
    }

    /// Optional.
    pub const fn freiwillig(mut self) -> Feld {
        self.pflicht = false;
        self
    }

    /// Shown only when `feld` has one of `werte`.
    pub const fn wenn(mut self, feld: &'static str, werte: &'static [&'static str]) -> Feld {
        self.wenn = Some(Bedingung { feld, werte });
        self
    }

    /// With an autocomplete token.
    pub const fn autocomplete(mut self, a: &'static str) -> Feld {
        self.autocomplete = a;
        self
    }

    /// The value as a person reads it (the label of an option, a German date).
    pub fn anzeige(&self, wert: &str) -> String {
        match self.art {
            Feldart::Auswahl(o) => o
                .iter()
                .find(|(k, _)| *k == wert)
                .map(|(_, l)| (*l).to_owned())
                .unwrap_or_else(|| wert.to_owned()),
            Feldart::JaNein => match wert {
                "ja" => "Ja".into(),
                "nein" => "Nein".into(),
                _ => wert.to_owned(),
            },
            Feldart::Datum => match wert.split('-').collect::<Vec<_>>().as_slice() {
                [j, m, t] if j.len() == 4 => format!("{t}.{m}.{j}"),
                _ => wert.to_owned(),
            },
            _ => wert.to_owned(),
        }
    }

    /// Checks and cleans one value; `Ok("")` for an empty optional field.
    pub fn pruefen(&self, roh: &str) -> Result<String, String> {
        let w = roh.trim();
        if w.is_empty() {
            return if self.pflicht {
                Err(match self.art {
                    Feldart::Auswahl(_) | Feldart::JaNein => {
                        format!("Bitte wählen Sie aus: {}", self.label)
                    }
                    _ => format!("Bitte füllen Sie aus: {}", self.label),
                })
            } else {
                Ok(String::new())
            };
        }
        let lang = |max: usize| {
            let n = w.chars().count();
            if n > max {
                Err(format!(
                    "{}: höchstens {max} Zeichen (Sie haben {n} eingegeben).",
                    self.label
                ))
            } else {
                Ok(())
            }
        };
        match self.art {
            Feldart::Text(max) => {
                lang(max)?;
                if w.contains(['\n', '\r']) {
                    return Err(format!("{}: bitte nur eine Zeile.", self.label));
                }
                Ok(w.to_owned())
            }
            Feldart::Mehrzeilig(max) => {
                lang(max)?;
                Ok(w.replace("\r\n", "\n"))
            }
            Feldart::Email => {
                lang(254)?;
                let gueltig = w.split_once('@').is_some_and(|(l, d)| {
                    !l.is_empty()
                        && d.contains('.')
                        && !d.starts_with('.')
                        && !d.ends_with('.')
                        && !w.contains(char::is_whitespace)
                        && w.matches('@').count() == 1
                });
                if gueltig {
                    Ok(w.to_owned())
                } else {
                    Err(format!(
                        "{}: bitte eine E-Mail-Adresse wie name@beispiel.de angeben.",
                        self.label
                    ))
                }
            }
            Feldart::Telefon => {
                lang(30)?;
                if w.chars().filter(char::is_ascii_digit).count() >= 5
                    && w.chars()
                        .all(|c| c.is_ascii_digit() || " +/()-".contains(c))
                {
                    Ok(w.to_owned())
                } else {
                    Err(format!(
                        "{}: bitte eine Telefonnummer aus Ziffern angeben, z. B. 02171 123456.",
                        self.label
                    ))
                }
            }
            Feldart::Datum => datum(w)
                .ok_or_else(|| format!("{}: bitte ein Datum wie 04.12.2026 angeben.", self.label)),
            Feldart::Zahl(min, max) => {
                let n: i64 = w
                    .replace('.', "")
                    .parse()
                    .map_err(|_| format!("{}: bitte eine ganze Zahl angeben.", self.label))?;
                if n < min || n > max {
                    return Err(format!(
                        "{}: bitte eine Zahl von {min} bis {max} angeben.",
                        self.label
                    ));
                }
                Ok(n.to_string())
            }
            Feldart::Auswahl(o) => {
                if o.iter().any(|(k, _)| *k == w) {
                    Ok(w.to_owned())
                } else {
                    Err(format!(
                        "{}: bitte eine der angebotenen Möglichkeiten wählen.",
                        self.label
                    ))
                }
            }
            Feldart::JaNein => match w {
                "ja" | "nein" => Ok(w.to_owned()),
                _ => Err(format!("{}: bitte Ja oder Nein wählen.", self.label)),
            },
            Feldart::Plz => {
                if w.len() == 5 && w.chars().all(|c| c.is_ascii_digit()) {
                    Ok(w.to_owned())
                } else {
                    Err(format!(
                        "{}: bitte die fünfstellige Postleitzahl angeben.",
                        self.label
                    ))
                }
            }
        }
    }
}

/// A date typed as TT.MM.JJJJ (also T.M.JJJJ) or JJJJ-MM-TT, as ISO text; `None` if it is no
/// real date.
fn datum(w: &str) -> Option<String> {
    let (j, m, t) = if let Some((t, rest)) = w.split_once('.') {
        let (m, j) = rest.split_once('.')?;
        (j, m, t)
    } else {
        let mut it = w.splitn(3, '-');
        (it.next()?, it.next()?, it.next()?)
    };
    let (j, m, t): (i32, u32, u32) = (j.parse().ok()?, m.parse().ok()?, t.parse().ok()?);
    if !(1900..=2200).contains(&j) || !(1..=12).contains(&m) || t == 0 {
        return None;
    }
    let schalt = (j % 4 == 0 && j % 100 != 0) || j % 400 == 0;
    let tage = match m {
        2 if schalt => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (t <= tage).then(|| format!("{j:04}-{m:02}-{t:02}"))
}

/// A step of the form (one page).
#[derive(Debug, Clone, Copy)]
pub struct Schritt {
    /// Name (in the URL).
    pub name: &'static str,
    /// Title (the step indicator's label and the page heading).
    pub titel: &'static str,
    /// Fields.
    pub felder: &'static [Feld],
}

/// A service's form.
#[derive(Debug, Clone, Copy)]
pub struct Formular {
    /// The steps in order.
    pub schritte: &'static [Schritt],
}

/// An error of one field: (field name, message).
pub type Fehlerliste = Vec<(&'static str, String)>;

impl Formular {
    /// Whether `f` is shown given the answers `a` (its condition holds).
    pub fn sichtbar(f: &Feld, a: &Antworten) -> bool {
        f.wenn
            .is_none_or(|b| a.get(b.feld).is_some_and(|v| b.werte.contains(&v.as_str())))
    }

    /// The step named `name` and its index.
    pub fn schritt(&self, name: &str) -> Option<(usize, &'static Schritt)> {
        self.schritte
            .iter()
            .enumerate()
            .find(|(_, s)| s.name == name)
    }

    /// Every field of the form.
    pub fn felder(&self) -> impl Iterator<Item = &'static Feld> {
        self.schritte.iter().flat_map(|s| s.felder.iter())
    }

    /// Checks the input of step `i`: the cleaned answers of its fields merged into `bisher`
    /// (the form's other answers stay; fields hidden by a condition are removed), and every
    /// error of the step. Conditions may refer to fields of the same step.
    pub fn schritt_pruefen(
        &self,
        i: usize,
        bisher: &Antworten,
        eingabe: &dyn Fn(&str) -> String,
    ) -> (Antworten, Fehlerliste) {
        let mut neu = bisher.clone();
        let mut fehler = Vec::new();
        let Some(s) = self.schritte.get(i) else {
            return (neu, fehler);
        };
        // The step's raw values first, so a condition sees its own step's answers.
        for f in s.felder {
            neu.insert(f.name.to_owned(), eingabe(f.name).trim().to_owned());
        }
        for f in s.felder {
            if !Self::sichtbar(f, &neu) {
                neu.remove(f.name);
                continue;
            }
            let roh = neu.get(f.name).cloned().unwrap_or_default();
            match f.pruefen(&roh) {
                Ok(w) if w.is_empty() => {
                    neu.remove(f.name);
                }
                Ok(w) => {
                    neu.insert(f.name.to_owned(), w);
                }
                Err(m) => fehler.push((f.name, m)),
            }
        }
        (neu, fehler)
    }

    /// Checks all answers (before submission): the index of the first step with an error and
    /// its errors, or `None` when everything is complete and valid. Answers to fields the
    /// form does not have are errors too (a tampered draft).
    pub fn alles_pruefen(&self, a: &Antworten) -> Option<(usize, Fehlerliste)> {
        for (i, s) in self.schritte.iter().enumerate() {
            let fehler: Fehlerliste = s
                .felder
                .iter()
                .filter(|f| Self::sichtbar(f, a))
                .filter_map(|f| {
                    let w = a.get(f.name).map(String::as_str).unwrap_or("");
                    f.pruefen(w).err().map(|m| (f.name, m))
                })
                .collect();
            if !fehler.is_empty() {
                return Some((i, fehler));
            }
        }
        if let Some(k) = a
            .keys()
            .find(|k| !self.felder().any(|f| f.name == k.as_str()))
        {
            return Some((0, vec![("", format!("Unbekanntes Feld „{k}“ im Antrag."))]));
        }
        None
    }

    /// The answers as a person reads them, per step: (step title, [(label, value)]), only
    /// the answered fields that are shown.
    pub fn zusammenfassung(
        &self,
        a: &Antworten,
    ) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
        self.schritte
            .iter()
            .map(|s| {
                (
                    s.titel,
                    s.felder
                        .iter()
                        .filter(|f| Self::sichtbar(f, a))
                        .filter_map(|f| a.get(f.name).map(|w| (f.label, f.anzeige(w))))
                        .collect(),
                )
            })
            .filter(|(_, v): &(_, Vec<_>)| !v.is_empty())
            .collect()
    }

    /// Checks the declaration itself (unique field and step names, conditions refer to
    /// fields that come earlier or in the same step): for the services' tests.
    pub fn definition_pruefen(&self) -> Result<(), String> {
        let mut namen = std::collections::BTreeSet::new();
        let mut schritte = std::collections::BTreeSet::new();
        for s in self.schritte {
            if !schritte.insert(s.name) {
                return Err(format!("Schritt „{}“ doppelt", s.name));
            }
            for f in s.felder {
                if !f
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    return Err(format!("Feldname „{}“: nur a-z, 0-9, _", f.name));
                }
                if !namen.insert(f.name) {
                    return Err(format!("Feld „{}“ doppelt", f.name));
                }
            }
            for f in s.felder {
                if let Some(b) = f.wenn
                    && !namen.contains(b.feld)
                {
                    return Err(format!(
                        "Feld „{}“ hängt von „{}“ ab, das nicht vorher kommt",
                        f.name, b.feld
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ARTEN: &[(&str, &str)] = &[("frage", "Frage"), ("beschwerde", "Beschwerde")];
    const FORM: Formular = Formular {
        schritte: &[
            Schritt {
                name: "person",
                titel: "Zu Ihrer Person",
                felder: &[
                    Feld::text("name", "Ihr Name", 100),
                    Feld::text("email", "E-Mail-Adresse", 254).art(Feldart::Email),
                    Feld::text("geboren", "Geburtsdatum", 10)
                        .art(Feldart::Datum)
                        .freiwillig(),
                ],
            },
            Schritt {
                name: "anliegen",
                titel: "Ihr Anliegen",
                felder: &[
                    Feld::text("art", "Art des Anliegens", 20).art(Feldart::Auswahl(ARTEN)),
                    Feld::text("aktenzeichen", "Aktenzeichen", 40).wenn("art", &["beschwerde"]),
                    Feld::text("text", "Ihre Nachricht", 2000).art(Feldart::Mehrzeilig(2000)),
                ],
            },
        ],
    };

    fn eingabe<'a>(w: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> String + 'a {
        move |n| {
            w.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
                .unwrap_or_default()
        }
    }

    #[test]
    fn definition_ist_gueltig() {
        FORM.definition_pruefen().unwrap();
    }

    #[test]
    fn alle_fehler_eines_schritts() {
        let (a, f) = FORM.schritt_pruefen(
            0,
            &Antworten::new(),
            &eingabe(&[("email", "kein-at"), ("geboren", "31.02.2020")]),
        );
        let felder: Vec<_> = f.iter().map(|(n, _)| *n).collect();
        assert_eq!(felder, ["name", "email", "geboren"]);
        assert!(f[0].1.contains("Bitte füllen Sie aus: Ihr Name"));
        // The typed values stay for the form shown again.
        assert_eq!(a.get("email").map(String::as_str), Some("kein-at"));
    }

    #[test]
    fn datum_wird_iso() {
        let (a, f) = FORM.schritt_pruefen(
            0,
            &Antworten::new(),
            &eingabe(&[
                ("name", " Erika Mustermann "),
                ("email", "erika@example.org"),
                ("geboren", "4.12.1990"),
            ]),
        );
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(a["geboren"], "1990-12-04");
        assert_eq!(a["name"], "Erika Mustermann");
        assert_eq!(
            FORM.schritte[0].felder[2].anzeige(&a["geboren"]),
            "04.12.1990"
        );
    }

    #[test]
    fn bedingung_blendet_aus_und_entfernt() {
        let mut a = Antworten::new();
        a.insert("aktenzeichen".into(), "alt".into());
        let (a, f) = FORM.schritt_pruefen(1, &a, &eingabe(&[("art", "frage"), ("text", "Hallo")]));
        assert!(f.is_empty(), "{f:?}");
        assert!(!a.contains_key("aktenzeichen"));
        let (_, f) = FORM.schritt_pruefen(1, &a, &eingabe(&[("art", "beschwerde"), ("text", "x")]));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "aktenzeichen");
    }

    #[test]
    fn alles_pruefen_findet_den_ersten_unfertigen_schritt() {
        let mut a = Antworten::new();
        assert_eq!(FORM.alles_pruefen(&a).unwrap().0, 0);
        a.insert("name".into(), "E".into());
        a.insert("email".into(), "e@x.de".into());
        assert_eq!(FORM.alles_pruefen(&a).unwrap().0, 1);
        a.insert("art".into(), "frage".into());
        a.insert("text".into(), "Hallo".into());
        assert!(FORM.alles_pruefen(&a).is_none());
        a.insert("fremd".into(), "x".into());
        assert!(
            FORM.alles_pruefen(&a).unwrap().1[0]
                .1
                .contains("Unbekanntes Feld")
        );
        a.remove("fremd");
        let z = FORM.zusammenfassung(&a);
        assert_eq!(z[1].1[0], ("Art des Anliegens", "Frage".to_owned()));
    }

    #[test]
    fn falsche_auswahl_und_zu_lang() {
        assert!(FORM.schritte[1].felder[0].pruefen("<script>").is_err());
        let lang = "x".repeat(2001);
        assert!(
            FORM.schritte[1].felder[2]
                .pruefen(&lang)
                .unwrap_err()
                .contains("2000")
        );
        assert!(FORM.schritte[0].felder[0].pruefen("a\nb").is_err());
    }

    proptest! {
        #[test]
        fn pruefen_stuerzt_nie_ab_und_gepruefte_werte_bestehen_erneut(s in "\\PC{0,60}") {
            for f in FORM.felder() {
                if let Ok(w) = f.pruefen(&s) && !w.is_empty() {
                    prop_assert_eq!(f.pruefen(&w), Ok(w.clone()));
                }
            }
        }

        #[test]
        fn daten_sind_echt(j in 1900i32..2200, m in 1u32..13, t in 1u32..32) {
            let ein = format!("{t}.{m}.{j}");
            if let Some(iso) = datum(&ein) {
                prop_assert_eq!(datum(&iso), Some(iso.clone()));
                prop_assert!(t <= 31 && (m != 2 || t <= 29));
            } else {
                prop_assert!(t > 28);
            }
        }
    }
}
