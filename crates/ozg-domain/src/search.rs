//! German search normalisation shared by indexing and querying, so both databases search alike,
//! and how well a hit matches (for the ranking).
//!
//! A text becomes a list of terms: lowercased, umlauts folded (ä/ae → a, ö/oe → o, ü/ue → u,
//! ß → ss), then reduced by the Snowball German stemmer. "Führerscheine" and "Fuehrerschein" both
//! become `fuhrerschein`. A query term matches a document term that starts with it, so "Hund" finds
//! the compounds "Hundehaltung" and "Hundesteuer" – and also "Hundert". [`Passung`] tells these
//! apart: the same word, the same stem, a compound starting with the word, or only a prefix of
//! another word; the search ranks prefix-only matches below every other.

use rust_stemmers::{Algorithm, Stemmer};

/// Lowercases and folds umlauts and their two-letter spellings.
pub fn fold(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            'ä' | 'à' | 'á' | 'â' => out.push('a'),
            'ö' | 'ò' | 'ó' | 'ô' => out.push('o'),
            'ü' | 'ù' | 'ú' | 'û' => out.push('u'),
            'é' | 'è' | 'ê' => out.push('e'),
            'ß' => out.push_str("ss"),
            'a' | 'o' | 'u' if chars.peek() == Some(&'e') => {
                chars.next();
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The words of a text as the search sees them: folded ([`fold`]), split at everything but
/// letters and digits, shorter than 2 characters dropped.
pub fn woerter(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| t.chars().count() >= 2)
        .map(str::to_owned)
        .collect()
}

/// The term of one folded word: its Snowball stem; numbers stay as they are.
fn stamm(stemmer: &Stemmer, wort: &str) -> String {
    if wort.bytes().all(|b| b.is_ascii_digit()) {
        wort.to_owned()
    } else {
        stemmer.stem(wort).into_owned()
    }
}

/// Splits a text into search terms (folded and stemmed). Terms shorter than 2 characters are
/// dropped; digits are kept, so OZG-IDs and Leistungsschlüssel are searchable.
pub fn terms(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::German);
    woerter(text).iter().map(|w| stamm(&stemmer, w)).collect()
}

/// A word of a query: folded as written, and its term (stem).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suchwort {
    /// Folded word ("hunde").
    pub wort: String,
    /// Its term ("hund").
    pub stamm: String,
}

/// The words of a query with their terms, in order.
pub fn suchwoerter(q: &str) -> Vec<Suchwort> {
    let stemmer = Stemmer::create(Algorithm::German);
    woerter(q)
        .into_iter()
        .map(|wort| Suchwort {
            stamm: stamm(&stemmer, &wort),
            wort,
        })
        .collect()
}

/// How a document word matches a query word, from worst to best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Passung {
    /// The document word only begins with the query's term and goes on as another word
    /// ("Hundert" for "Hund"; also a word typed halfway, "Führersch").
    Wortteil,
    /// A compound that begins with the query's word ("Hundesteuer", "Hundehaltung" for "Hund").
    Wortanfang,
    /// The same term: an inflected form ("Hunden" for "Hund").
    Stamm,
    /// The same word (case and umlaut spelling aside).
    Wort,
}

/// Linking elements (Fugen) of German compounds after the first word: Hund-e-steuer,
/// Kind-er-garten, Amt-s-gericht, Schmerz-ens-geld.
const FUGEN: [&str; 9] = ["", "e", "n", "s", "en", "er", "es", "ns", "ens"];

/// Whether the rest of a document term after the query's term reads as the second word of a
/// compound: after an optional linking element at least four letters remain ("esteu" in
/// "hundesteu" → "steu"), which a derivation like "Hund-ert" (`ert`) does not have.
fn zweites_wort(rest: &str) -> bool {
    FUGEN.iter().any(|f| {
        rest.strip_prefix(f).is_some_and(|w| {
            w.chars().count() >= 4 && w.chars().next().is_some_and(char::is_alphabetic)
        })
    })
}

/// How a document term matches a query term (both terms as [`terms`] makes them): the same
/// term is [`Passung::Stamm`], a compound starting with it [`Passung::Wortanfang`], any other
/// term starting with it [`Passung::Wortteil`]; `None` if it does not start with it.
pub fn passung(query: &str, doc: &str) -> Option<Passung> {
    let rest = doc.strip_prefix(query)?;
    Some(if rest.is_empty() {
        Passung::Stamm
    } else if zweites_wort(rest) {
        Passung::Wortanfang
    } else {
        Passung::Wortteil
    })
}

/// How a title matches a query word: [`Passung::Wort`] if one of its folded words (space
/// separated, as `woerter(titel).join(" ")`) is the query word, else the best [`passung`] of its
/// terms (space separated, as [`index_string`]).
pub fn titelpassung(q: &Suchwort, titel_woerter: &str, titel_terme: &str) -> Option<Passung> {
    if titel_woerter.split(' ').any(|w| w == q.wort) {
        return Some(Passung::Wort);
    }
    titel_terme
        .split(' ')
        .filter_map(|t| passung(&q.stamm, t))
        .max()
}

/// What the ranking knows of a hit: per query word the best match in the whole document and
/// in its title; whether the title is the query; the title's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trefferbild<'a> {
    /// Best match per query word anywhere (title and text).
    pub gesamt: &'a [Passung],
    /// Best match per query word in the title.
    pub titel: &'a [Option<Passung>],
    /// The title's terms are exactly the query's.
    pub titel_gleich: bool,
    /// Length of the title (shorter first).
    pub titel_laenge: usize,
}

/// The sort key of a hit (smaller first). In this order:
/// 1. more query words matched as a word, stem or compound start – a hit that matches some
///    word only inside another word ("Hundert" for "Hund") comes after every real match;
/// 2. more query words matched that way in the title;
/// 3. the title is exactly the query;
/// 4. better matches in the title (word before stem before compound start before prefix);
/// 5. more query words in the title at all; 6. the shorter title.
pub fn rang(t: &Trefferbild<'_>) -> impl Ord + use<> {
    use std::cmp::Reverse;
    let echt = |p: &Passung| *p >= Passung::Wortanfang;
    let gewicht = |p: &Option<Passung>| match p {
        None => 0,
        Some(Passung::Wortteil) => 1,
        Some(Passung::Wortanfang) => 2,
        Some(Passung::Stamm) => 3,
        Some(Passung::Wort) => 4,
    };
    (
        Reverse(t.gesamt.iter().filter(|p| echt(p)).count()),
        Reverse(t.titel.iter().flatten().filter(|p| echt(p)).count()),
        !t.titel_gleich,
        Reverse(t.titel.iter().map(gewicht).sum::<usize>()),
        Reverse(t.titel.iter().flatten().count()),
        t.titel_laenge,
    )
}

/// The string stored with a search document: every term preceded by a space, so that
/// `LIKE '% term%'` finds terms by prefix in both SQLite and PostgreSQL.
pub fn index_string(text: &str) -> String {
    let mut out = String::new();
    for t in terms(text) {
        out.push(' ');
        out.push_str(&t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn matches(query: &str, doc: &str) -> bool {
        let idx = index_string(doc);
        terms(query).iter().all(|q| idx.contains(&format!(" {q}")))
    }

    #[test]
    fn umlauts_and_inflection() {
        assert!(matches("Fuehrerschein", "Führerschein"));
        assert!(matches("Führerscheine", "Führerschein"));
        assert!(matches("fuhrerschein", "Führerscheinprüfung"));
        assert!(matches("Straße", "Strasse"));
    }

    #[test]
    fn compounds_by_prefix() {
        assert!(matches("Hund", "Hundehaltung"));
        assert!(matches("Hund", "Hundesteuer"));
        assert!(matches("Hunde", "Hundesteuer"));
        assert!(!matches("Hund", "Pferd"));
        assert!(!matches("Katze", "Hundesteuer"));
    }

    fn passt(q: &str, doc: &str) -> Option<Passung> {
        let q = &suchwoerter(q)[0];
        titelpassung(q, &woerter(doc).join(" "), &index_string(doc))
    }

    #[test]
    fn wort_stamm_kompositum_wortteil() {
        assert_eq!(passt("Hund", "Hund"), Some(Passung::Wort));
        assert_eq!(passt("hunde", "Hunde"), Some(Passung::Wort));
        assert_eq!(passt("Hund", "Hunden"), Some(Passung::Stamm));
        assert_eq!(passt("Hunde", "Hund"), Some(Passung::Stamm));
        assert_eq!(passt("Hund", "Hundesteuer"), Some(Passung::Wortanfang));
        assert_eq!(passt("Hund", "Hundehaltung"), Some(Passung::Wortanfang));
        assert_eq!(passt("Kind", "Kindergarten"), Some(Passung::Wortanfang));
        assert_eq!(passt("Amt", "Amtsgericht"), Some(Passung::Wortanfang));
        assert_eq!(passt("Hund", "40 vom Hundert"), Some(Passung::Wortteil));
        assert_eq!(passt("Hund", "Hunderte"), Some(Passung::Wortteil));
        assert_eq!(passt("Führersch", "Führerschein"), Some(Passung::Wortteil));
        assert_eq!(passt("Hund", "Kampfhund"), None);
        assert_eq!(passt("10019", "OZG-ID 10019"), Some(Passung::Wort));
        assert_eq!(passt("100", "OZG-ID 10019"), Some(Passung::Wortteil));
    }

    fn rang_von(q: &str, titel: &str, text: &str) -> impl Ord + use<> {
        let idx = index_string(&format!("{titel} {text}"));
        let titel_terme = index_string(titel);
        let qs = suchwoerter(q);
        let gesamt: Vec<Passung> = qs
            .iter()
            .map(|w| {
                idx.split(' ')
                    .filter_map(|t| passung(&w.stamm, t))
                    .max()
                    .unwrap_or(Passung::Wortteil)
            })
            .collect();
        let titel_passung: Vec<Option<Passung>> = qs
            .iter()
            .map(|w| titelpassung(w, &woerter(titel).join(" "), &titel_terme))
            .collect();
        rang(&Trefferbild {
            gesamt: &gesamt,
            titel: &titel_passung,
            titel_gleich: titel_terme == index_string(q),
            titel_laenge: titel.len(),
        })
    }

    /// "Hund": the word, then inflections and compounds, then a text match; "vom Hundert"
    /// (a prefix inside another word only) last, although its title is not longer.
    #[test]
    fn rangfolge_fuer_hund() {
        let titel = [
            ("ab 40 vom Hundert", ""),
            ("Hundesteuer Festsetzung", ""),
            ("Anerkennung als Sachverständiger für Hunde", ""),
            ("Tierhaltung", "Hund und Katze"),
            ("Hund", ""),
            ("Hundehaltung", ""),
        ];
        let mut v: Vec<&str> = titel.iter().map(|(t, _)| *t).collect();
        v.sort_by_cached_key(|t| {
            let x = titel.iter().find(|(a, _)| a == t).unwrap().1;
            rang_von("Hund", t, x)
        });
        assert_eq!(
            v,
            [
                "Hund",
                "Anerkennung als Sachverständiger für Hunde",
                "Hundehaltung",
                "Hundesteuer Festsetzung",
                "Tierhaltung",
                "ab 40 vom Hundert",
            ]
        );
    }

    fn wort() -> impl Strategy<Value = String> {
        "[a-z]{2,8}"
    }

    proptest! {
        /// A query term followed by a linking element and a word of four or more letters is a
        /// compound start; followed by at most three characters it is only part of a word.
        #[test]
        fn kompositum_und_wortteil(
            q in wort(),
            fuge in prop::sample::select(FUGEN.to_vec()),
            zweites in "[a-z]{4,10}",
            kurz in "[a-z0-9]{1,3}",
        ) {
            let doc = format!("{q}{fuge}{zweites}");
            prop_assert!(passung(&q, &doc) >= Some(Passung::Wortanfang));
            prop_assert_eq!(passung(&q, &format!("{q}{kurz}")), Some(Passung::Wortteil));
            prop_assert_eq!(passung(&q, &q), Some(Passung::Stamm));
            prop_assert_eq!(passung(&format!("{q}x"), &q), None);
        }

        /// A word is found as itself, whatever its case or umlaut spelling.
        #[test]
        fn wort_findet_sich_selbst(w in "[A-Za-zÄÖÜäöüß]{2,12}") {
            let q = suchwoerter(&w);
            prop_assume!(q.len() == 1);
            prop_assert_eq!(
                titelpassung(&q[0], &woerter(&w).join(" "), &index_string(&w)),
                Some(Passung::Wort)
            );
        }

        /// Every hit whose query words all match as a word, stem or compound start ranks before
        /// every hit where some query word matches only inside another word – whatever their
        /// titles.
        #[test]
        fn echte_treffer_vor_wortteilen(
            (a, b, wortteil) in (1usize..4).prop_flat_map(|n| (
                proptest::collection::vec((passung_echt(), proptest::option::of(passung_alle())), n),
                proptest::collection::vec((passung_alle(), proptest::option::of(passung_alle())), n),
                0..n,
            )),
            gleich in any::<(bool, bool)>(),
            laenge in any::<(u8, u8)>(),
        ) {
            let mut b = b;
            b[wortteil].0 = Passung::Wortteil;
            let rang_von = |v: &[(Passung, Option<Passung>)], gleich: bool, laenge: u8| {
                let gesamt: Vec<Passung> = v.iter().map(|(g, _)| *g).collect();
                let titel: Vec<Option<Passung>> = v.iter().map(|(g, t)| t.map(|t| t.min(*g))).collect();
                rang(&Trefferbild {
                    gesamt: &gesamt,
                    titel: &titel,
                    titel_gleich: gleich,
                    titel_laenge: usize::from(laenge),
                })
            };
            prop_assert!(rang_von(&a, gleich.0, laenge.0) < rang_von(&b, gleich.1, laenge.1));
        }
    }

    fn passung_alle() -> impl Strategy<Value = Passung> {
        prop::sample::select(vec![
            Passung::Wortteil,
            Passung::Wortanfang,
            Passung::Stamm,
            Passung::Wort,
        ])
    }

    fn passung_echt() -> impl Strategy<Value = Passung> {
        prop::sample::select(vec![Passung::Wortanfang, Passung::Stamm, Passung::Wort])
    }

    #[test]
    fn numbers_kept() {
        assert!(matches("10019", "OZG-ID 10019 Kindertagesbetreuung"));
        assert_eq!(terms("a b"), Vec::<String>::new());
    }
}
