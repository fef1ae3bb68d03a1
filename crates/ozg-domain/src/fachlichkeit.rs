//! The reviewed vocabulary of Fachlichkeiten (`data/plan/fachlichkeiten.toml`): each canonical
//! term ([`Begriff`]) with the document's spellings that mean it.
//!
//! The plan writes one office in many ways ("Meldeamt", "Einwohner- & Meldeamt",
//! "Meldebehörde"); filtering by the document's text misses projects. The filter offers the
//! canonical terms, and a term finds every project whose spelling maps to it. A spelling may map
//! to several terms ("Umwelt & Grünflächenamt"); a term maps to itself; a text the vocabulary
//! does not know maps to itself, trimmed, so nothing is lost (the data check refuses such texts
//! in the plan, see [`crate::dataset`]).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::project::slugify;
use crate::search;

/// A canonical term with the spellings of the document that mean it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Begriff {
    /// The term as the filter shows it.
    pub name: String,
    /// Its slug (the filter value).
    pub slug: String,
    /// The document's spellings, as in the tables.
    pub schreibweisen: Vec<String>,
    /// 1-based line of the term in its file, where known.
    #[serde(skip)]
    pub zeile: Option<usize>,
}

/// The vocabulary: canonical terms in file order and an index from text to terms.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Vokabular {
    begriffe: Vec<Begriff>,
    #[serde(skip)]
    nach_text: HashMap<String, Vec<usize>>,
}

/// A problem of the vocabulary file: 1-based line (where known) and German reason.
pub type Mangel = (Option<usize>, String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Datei {
    #[serde(default)]
    begriff: Vec<toml::Spanned<Zeile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Zeile {
    name: String,
    #[serde(default)]
    schreibweisen: Vec<String>,
}

/// Words that do not tell offices apart: "o.ä.", "etc.", conjunctions, articles.
const FUELLWOERTER: [&str; 12] = [
    "o", "a", "etc", "und", "oder", "u", "fur", "der", "die", "das", "des", "referat",
];
/// Levels of authority that are one term ("Untere", "Obere" Baubehörde).
const EBENEN: [&str; 4] = ["untere", "obere", "hohere", "oberste"];
/// Endings that name the kind of unit, not the office's subject (longest first).
const DIENSTSTELLEN: [&str; 8] = [
    "behorden",
    "behorde",
    "abteilung",
    "stellen",
    "stelle",
    "amter",
    "amt",
    "verwaltung",
];

/// The comparison key of an office name: folded as the search folds it (case, umlauts), without
/// filler words ("o.ä.", "und"), levels ("Untere") and the kind of unit ("-amt", "-behörde",
/// "-stelle"), the words joined and stemmed as one German word. "Einwohner- & Meldeamt",
/// "Einwohnermeldeamt" and "Einwohner- und Meldebehörde" share one key; so do "Volkshochschule"
/// and "Volkshochschulen".
pub fn vergleichsschluessel(name: &str) -> String {
    let gefaltet = search::fold(name);
    let mut kern = String::new();
    for wort in gefaltet.split(|c: char| !c.is_alphanumeric()) {
        if wort.is_empty() || FUELLWOERTER.contains(&wort) || EBENEN.contains(&wort) {
            continue;
        }
        let mut w = wort;
        for e in DIENSTSTELLEN {
            if w.len() > e.len()
                && let Some(rest) = w.strip_suffix(e)
            {
                w = rest;
                break;
            }
        }
        kern.push_str(w);
    }
    search::terms(&kern).concat()
}

impl Vokabular {
    /// Reads and checks `fachlichkeiten.toml`. Every problem comes with its line: TOML errors,
    /// empty or doubled terms, terms with a ";" (the database joins terms with "; "), two terms
    /// that are near-duplicates ([`vergleichsschluessel`]) or share a slug, a term that is also a
    /// spelling of another term (mapping a term must give the term itself), and a spelling whose
    /// slug is another term's slug (an old filter link by that spelling would change meaning).
    pub fn lesen(text: &str) -> Result<Vokabular, Vec<Mangel>> {
        let zeile_von = |offset: usize| {
            text[..offset.min(text.len())]
                .bytes()
                .filter(|b| *b == b'\n')
                .count()
                + 1
        };
        let datei: Datei = toml::from_str(text).map_err(|e| {
            vec![(
                e.span().map(|s| zeile_von(s.start)),
                format!(
                    "TOML nicht lesbar: {}",
                    crate::meldung::deutsch(e.message())
                ),
            )]
        })?;
        let mut maengel = Vec::new();
        let mut begriffe: Vec<Begriff> = Vec::new();
        for z in datei.begriff {
            let zeile = Some(zeile_von(z.span().start));
            let z = z.into_inner();
            let name = z.name.trim().to_owned();
            if name.is_empty() || slugify(&name).is_empty() {
                maengel.push((zeile, "Begriff ohne Namen".to_owned()));
                continue;
            }
            if name.contains(';') {
                maengel.push((zeile, format!("Begriff „{name}“ enthält ein Semikolon")));
                continue;
            }
            let schluessel = vergleichsschluessel(&name);
            if let Some(b) = begriffe.iter().find(|b| {
                b.slug == slugify(&name)
                    || (!schluessel.is_empty() && vergleichsschluessel(&b.name) == schluessel)
            }) {
                maengel.push((
                    zeile,
                    format!(
                        "Begriff „{name}“ ist fast gleich „{}“ (Zeile {}); bitte zusammenführen",
                        b.name,
                        b.zeile.unwrap_or_default()
                    ),
                ));
                continue;
            }
            let mut schreibweisen: Vec<String> = Vec::new();
            for s in z.schreibweisen {
                let s = s.trim().to_owned();
                if s.is_empty() {
                    maengel.push((zeile, format!("leere Schreibweise bei „{name}“")));
                } else if s != name && !schreibweisen.contains(&s) {
                    schreibweisen.push(s);
                }
            }
            begriffe.push(Begriff {
                slug: slugify(&name),
                name,
                schreibweisen,
                zeile,
            });
        }
        for b in &begriffe {
            for s in &b.schreibweisen {
                if let Some(a) = begriffe.iter().find(|a| a.name == *s) {
                    maengel.push((
                        b.zeile,
                        format!(
                            "„{s}“ ist selbst ein Begriff (Zeile {}) und kann nicht zugleich „{}“ bedeuten",
                            a.zeile.unwrap_or_default(),
                            b.name
                        ),
                    ));
                } else if let Some(a) = begriffe
                    .iter()
                    .find(|a| a.slug == slugify(s) && !a.schreibweisen.contains(s))
                {
                    maengel.push((
                        b.zeile,
                        format!(
                            "Schreibweise „{s}“ hat denselben Kurznamen wie der Begriff „{}“; bitte dort eintragen",
                            a.name
                        ),
                    ));
                }
            }
        }
        if maengel.is_empty() {
            Ok(Vokabular::aus(begriffe))
        } else {
            Err(maengel)
        }
    }

    fn aus(begriffe: Vec<Begriff>) -> Vokabular {
        let mut nach_text: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, b) in begriffe.iter().enumerate() {
            nach_text.entry(b.name.clone()).or_default().push(i);
        }
        for (i, b) in begriffe.iter().enumerate() {
            for s in &b.schreibweisen {
                let v = nach_text.entry(s.clone()).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        Vokabular {
            begriffe,
            nach_text,
        }
    }

    /// The canonical terms, in file order.
    pub fn begriffe(&self) -> &[Begriff] {
        &self.begriffe
    }

    /// Whether the vocabulary knows a text (as a term or a spelling), compared trimmed.
    pub fn kennt(&self, text: &str) -> bool {
        self.nach_text.contains_key(text.trim())
    }

    /// The canonical terms of a document's text: a term itself, the terms a spelling is listed
    /// under, or the text itself (trimmed) when the vocabulary does not know it.
    pub fn zuordnen<'a>(&'a self, text: &'a str) -> Vec<&'a str> {
        let t = text.trim();
        match self.nach_text.get(t) {
            Some(v) => v.iter().map(|&i| self.begriffe[i].name.as_str()).collect(),
            None => vec![t],
        }
    }

    /// The likely term for an unknown text (for the data check's message): a term whose name
    /// or spelling has the same comparison key, else the one whose key is the longest part of
    /// the text's key or contains it ("Einwohner- und Meldeamt" → the term listing "Meldeamt").
    pub fn aehnlich(&self, text: &str) -> Option<&str> {
        let k = vergleichsschluessel(text);
        if k.chars().count() < 4 {
            return None;
        }
        let mut best: Option<(usize, &str)> = None;
        for b in &self.begriffe {
            for s in std::iter::once(&b.name).chain(&b.schreibweisen) {
                let sk = vergleichsschluessel(s);
                let wert = if sk == k {
                    usize::MAX
                } else if sk.chars().count() >= 4 && (k.contains(&sk) || sk.contains(&k)) {
                    sk.len().min(k.len())
                } else {
                    continue;
                };
                if best.is_none_or(|(w, _)| wert > w) {
                    best = Some((wert, &b.name));
                }
            }
        }
        best.map(|(_, n)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ECHT: &str = include_str!("../../../data/plan/fachlichkeiten.toml");

    fn echt() -> &'static Vokabular {
        static V: std::sync::OnceLock<Vokabular> = std::sync::OnceLock::new();
        V.get_or_init(|| Vokabular::lesen(ECHT).unwrap())
    }

    #[test]
    fn meldeamt_varianten_sind_ein_begriff() {
        let v = echt();
        for s in [
            "Meldeamt",
            "Einwohnermeldeamt",
            "Einwohner- und Meldeamt",
            "Einwohner- & Meldeamt",
            "Meldebehörde",
            " Bürgeramt ",
        ] {
            assert_eq!(v.zuordnen(s), ["Einwohnermeldeamt / Bürgerbüro"], "{s}");
        }
        assert_eq!(
            v.zuordnen("Umwelt & Grünflächenamt"),
            ["Grünflächenamt", "Umweltamt"]
        );
        assert_eq!(v.zuordnen("Wahlamt o.ä."), ["Wahlamt"]);
        assert_eq!(v.zuordnen("  Amt für Neues "), ["Amt für Neues"]);
        assert!(!v.kennt("Amt für Neues"));
    }

    #[test]
    fn schluessel_erkennt_fast_gleiche() {
        let k = vergleichsschluessel;
        assert_eq!(k("Einwohner- & Meldeamt"), k("Einwohnermeldeamt"));
        assert_eq!(k("Einwohner- und Meldeamt"), k("Einwohnermeldeamt"));
        assert_eq!(k("Meldebehörde"), k("Meldeamt"));
        assert_eq!(k("Untere Naturschutzbehörde"), k("Naturschutzbehörde"));
        assert_eq!(k("Volkshochschulen"), k("Volkshochschule"));
        assert_eq!(k("Wahlamt o.ä."), k("Wahlamt"));
        assert_eq!(k("Steueramt/Kämmerei o. ä."), k("Steueramt / Kämmerei"));
        assert_ne!(k("Jugendamt"), k("Sozialamt"));
        assert_ne!(k("Stadtplanungsamt"), k("Städtebauförderung"));
    }

    #[test]
    fn datei_fehler_mit_zeile() {
        let fast_gleich =
            "[[begriff]]\nname = \"Meldeamt\"\n\n[[begriff]]\nname = \"Meldebehörde\"\n";
        let e = Vokabular::lesen(fast_gleich).unwrap_err();
        assert_eq!(e[0].0, Some(4));
        assert!(e[0].1.contains("fast gleich „Meldeamt“"), "{e:?}");

        let doppelt =
            "[[begriff]]\nname = \"A\"\n[[begriff]]\nname = \"B\"\nschreibweisen = [\"A\"]\n";
        let e = Vokabular::lesen(doppelt).unwrap_err();
        assert!(e[0].1.contains("selbst ein Begriff"), "{e:?}");

        let kurzname = "[[begriff]]\nname = \"Bau amt\"\n[[begriff]]\nname = \"C\"\nschreibweisen = [\"Bau-Amt\"]\n";
        let e = Vokabular::lesen(kurzname).unwrap_err();
        assert!(e[0].1.contains("denselben Kurznamen"), "{e:?}");

        let e = Vokabular::lesen("[[begriff]]\nnam = \"A\"\n").unwrap_err();
        assert_eq!(e[0].0, Some(2));
        assert!(!crate::meldung::klingt_englisch(&e[0].1), "{e:?}");
    }

    /// No two canonical terms of the real file are near-duplicates, and none is listed as a
    /// spelling of another.
    #[test]
    fn echte_begriffe_sind_verschieden() {
        let v = echt();
        let b = v.begriffe();
        assert!(b.len() >= 30, "{}", b.len());
        for (i, x) in b.iter().enumerate() {
            for y in &b[i + 1..] {
                assert_ne!(
                    vergleichsschluessel(&x.name),
                    vergleichsschluessel(&y.name),
                    "{} / {}",
                    x.name,
                    y.name
                );
                assert_ne!(x.slug, y.slug);
            }
        }
    }

    proptest! {
        /// Mapping is idempotent: a term maps to itself, and mapping the terms of any text
        /// again gives them back.
        #[test]
        fn zuordnen_idempotent(i in any::<prop::sample::Index>(), roh in "\\PC{0,30}") {
            let v = echt();
            let b = &v.begriffe()[i.index(v.begriffe().len())];
            prop_assert_eq!(v.zuordnen(&b.name), vec![b.name.as_str()]);
            let s = b.schreibweisen.first().cloned().unwrap_or_else(|| roh.clone());
            for t in [s.as_str(), roh.as_str()] {
                let einmal = v.zuordnen(t);
                let zweimal: Vec<&str> = einmal.iter().flat_map(|x| v.zuordnen(x)).collect();
                prop_assert_eq!(&einmal, &zweimal);
            }
        }

        /// Every spelling maps to canonical terms only; an unknown text maps to itself, trimmed.
        #[test]
        fn nichts_geht_verloren(roh in "\\PC{0,30}") {
            let v = echt();
            let z = v.zuordnen(&roh);
            prop_assert!(!z.is_empty());
            if v.kennt(&roh) {
                prop_assert!(z.iter().all(|t| v.begriffe().iter().any(|b| b.name == *t)));
            } else {
                prop_assert_eq!(z, vec![roh.trim()]);
            }
        }
    }
}
