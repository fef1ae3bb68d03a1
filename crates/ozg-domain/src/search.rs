//! German search normalisation shared by indexing and querying, so both databases search alike.
//!
//! A text becomes a list of terms: lowercased, umlauts folded (ä/ae → a, ö/oe → o, ü/ue → u,
//! ß → ss), then reduced by the Snowball German stemmer. "Führerscheine" and "Fuehrerschein" both
//! become `fuhrerschein`. A query term matches a document term that starts with it, so "Hund" finds
//! the compounds "Hundehaltung" and "Hundesteuer".

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

/// Splits a text into search terms (folded and stemmed). Terms shorter than 2 characters are
/// dropped; digits are kept, so OZG-IDs and Leistungsschlüssel are searchable.
pub fn terms(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::German);
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| t.chars().count() >= 2)
        .map(|t| {
            if t.bytes().all(|b| b.is_ascii_digit()) {
                t.to_owned()
            } else {
                stemmer.stem(t).into_owned()
            }
        })
        .collect()
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

    #[test]
    fn numbers_kept() {
        assert!(matches("10019", "OZG-ID 10019 Kindertagesbetreuung"));
        assert_eq!(terms("a b"), Vec::<String>::new());
    }
}
