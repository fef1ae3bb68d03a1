//! Full-text search in German over projects, OZG-Leistungen, LeiKa-Leistungen and organisations.
//!
//! Terms are normalised by `ozg_domain::search` at import and query time and stored in the
//! database (`search_doc`); the read model holds them as an in-memory prefix index, so SQLite and
//! PostgreSQL return the same results. Ranking ([`ozg_domain::search::rang`]): hits where every
//! query word matches as a word, an inflection or the start of a compound come first; a hit that
//! matches a word only as the prefix of another word ("Hundert" for "Hund") is kept (a word typed
//! halfway still finds), but after all of those. Then: query words in the title, the exact title,
//! word before stem before compound start, shorter titles.

use std::collections::{BTreeMap, HashMap};

use ozg_domain::search::{Passung, Suchwort, Trefferbild, passung, rang};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kinds of results, in display order, with their German group headings.
pub const KINDS: [(&str, &str); 4] = [
    ("projekt", "Umsetzungsprojekte"),
    ("ozg-leistung", "OZG-Leistungen"),
    ("leika-leistung", "LeiKa-Leistungen"),
    ("organisation", "Organisationen"),
];

/// One hit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Hit {
    /// Kind key.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: String,
    /// Portal URL.
    pub url: String,
    #[serde(skip_serializing)]
    #[schema(ignore)]
    title_terms: String,
}

/// The hits of one kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Group {
    /// Kind key.
    pub kind: String,
    /// Heading.
    pub label: String,
    /// Number of hits in total.
    pub total: usize,
    /// The best hits (at most `limit`).
    pub items: Vec<Hit>,
}

/// Search result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Results {
    /// The query.
    pub q: String,
    /// Hits over all kinds.
    pub total: usize,
    /// Groups in display order (empty groups omitted).
    pub groups: Vec<Group>,
}

impl Group {
    /// Number of hits, German format.
    pub fn anzahl(&self) -> String {
        zahl(self.total)
    }
    /// Number of hits not shown, German format.
    pub fn weitere(&self) -> String {
        zahl(self.total.saturating_sub(self.items.len()))
    }
}

impl Results {
    /// Title and heading of the search page: „Suche nach „Hund“: 12 Treffer“, without a
    /// query „Suche“.
    pub fn ueberschrift(&self) -> String {
        if self.q.is_empty() {
            "Suche".to_owned()
        } else {
            format!("Suche nach „{}“: {}", self.q, self.treffer_text())
        }
    }

    /// The number of hits in words: „keine Treffer“, „1 Treffer“, „5.251 Treffer“.
    pub fn treffer_text(&self) -> String {
        match self.total {
            0 => "keine Treffer".to_owned(),
            n => format!("{} Treffer", zahl(n)),
        }
    }
}

/// A count with German thousands separators (5.251), by the one formatter of the core.
fn zahl(n: usize) -> String {
    crate::kern::zahl::zahl_de(i64::try_from(n).unwrap_or(i64::MAX))
}

impl Hit {
    /// A document of the index.
    pub fn new(
        kind: String,
        title: String,
        subtitle: String,
        url: String,
        title_terms: String,
    ) -> Hit {
        Hit {
            kind,
            title,
            subtitle,
            url,
            title_terms,
        }
    }
}

/// The in-memory search index: documents and sorted term dictionaries for prefix lookups, one
/// over each whole document and one over the titles, and the titles' words for whole-word
/// matches. Everything the ranking needs comes from postings: no text is read per hit.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Documents in kind rank order.
    pub docs: Vec<Hit>,
    /// Term → documents containing it (sorted, deduplicated).
    pub terms: BTreeMap<String, Vec<u32>>,
    /// Title term → documents with it in the title.
    title_terms: BTreeMap<String, Vec<u32>>,
    /// Folded title word (unstemmed) → documents with it in the title.
    title_words: HashMap<String, Vec<u32>>,
}

/// At most this many words of a query count.
pub const HOECHSTENS_WOERTER: usize = 8;

/// The best match of a document per query word; only the first as many as the query has words
/// mean something (a fixed array: no allocation per hit).
pub type Passungen = [Passung; HOECHSTENS_WOERTER];

/// The best match of a document's title per query word (`None`: not in the title).
pub type Titelpassungen = [Option<Passung>; HOECHSTENS_WOERTER];

/// A matching document: its number, its best match per query word anywhere and in the title.
pub type Fund = (u32, Passungen, Titelpassungen);

fn eintragen(v: &mut Vec<u32>, i: u32) {
    if v.last() != Some(&i) {
        v.push(i);
    }
}

/// Per document its best match, from (document, match) pairs: sorted by document, best first,
/// then deduplicated.
fn beste(mut v: Vec<(u32, Passung)>) -> Vec<(u32, Passung)> {
    v.sort_unstable_by_key(|(d, p)| (*d, std::cmp::Reverse(*p)));
    v.dedup_by_key(|(d, _)| *d);
    v
}

/// The documents with a term starting with `q` in `map`, each with the [`passung`] of that term.
fn praefix(map: &BTreeMap<String, Vec<u32>>, q: &str) -> Vec<(u32, Passung)> {
    map.range(q.to_owned()..)
        .take_while(|(t, _)| t.starts_with(q))
        .flat_map(|(t, docs)| {
            let p = passung(q, t).unwrap_or(Passung::Wortteil);
            docs.iter().map(move |d| (*d, p))
        })
        .collect()
}

impl SearchIndex {
    /// Adds a document with its space-separated terms.
    pub fn add(&mut self, hit: Hit, terms: &str) {
        let i = self.docs.len() as u32;
        for t in terms.split(' ').filter(|t| !t.is_empty()) {
            eintragen(self.terms.entry(t.to_owned()).or_default(), i);
        }
        for t in hit.title_terms.split(' ').filter(|t| !t.is_empty()) {
            eintragen(self.title_terms.entry(t.to_owned()).or_default(), i);
        }
        for w in ozg_domain::search::woerter(&hit.title) {
            eintragen(self.title_words.entry(w).or_default(), i);
        }
        self.docs.push(hit);
    }

    /// Documents that contain, for every query word (at most [`HOECHSTENS_WOERTER`]), a term
    /// starting with its term, in document order, each with its best [`Passung`] per query word
    /// in the whole document and in the title (as [`ozg_domain::search::titelpassung`] rates
    /// a title).
    pub fn matching(&self, words: &[Suchwort]) -> Vec<Fund> {
        let mut result: Option<Vec<Fund>> = None;
        for (k, w) in words.iter().take(HOECHSTENS_WOERTER).enumerate() {
            // Every word must match: once nothing is left, the other words need no lookup
            // (eight short, common prefixes would otherwise walk most of the index).
            if result.as_ref().is_some_and(Vec::is_empty) {
                break;
            }
            let hits = beste(praefix(&self.terms, &w.stamm));
            let mut im_titel = praefix(&self.title_terms, &w.stamm);
            if let Some(docs) = self.title_words.get(&w.wort) {
                im_titel.extend(docs.iter().map(|d| (*d, Passung::Wort)));
            }
            let im_titel = beste(im_titel);
            let titel = |d: u32| {
                im_titel
                    .binary_search_by_key(&d, |(x, _)| *x)
                    .ok()
                    .map(|i| im_titel[i].1)
            };
            result = Some(match result {
                None => hits
                    .into_iter()
                    .map(|(d, p)| {
                        let mut ps = [Passung::Wortteil; HOECHSTENS_WOERTER];
                        let mut ts = [None; HOECHSTENS_WOERTER];
                        ps[k] = p;
                        ts[k] = titel(d);
                        (d, ps, ts)
                    })
                    .collect(),
                Some(prev) => prev
                    .into_iter()
                    .filter_map(|(d, mut ps, mut ts)| {
                        let i = hits.binary_search_by_key(&d, |(x, _)| *x).ok()?;
                        ps[k] = hits[i].1;
                        ts[k] = titel(d);
                        Some((d, ps, ts))
                    })
                    .collect(),
            });
        }
        result.unwrap_or_default()
    }
}

/// The words of a query with their terms, as the index stores them (at most
/// [`HOECHSTENS_WOERTER`]).
pub fn query_words(q: &str) -> Vec<Suchwort> {
    ozg_domain::search::suchwoerter(q)
        .into_iter()
        .take(HOECHSTENS_WOERTER)
        .collect()
}

/// Searches the index; `limit` caps the hits shown per kind.
pub fn search(index: &SearchIndex, q: &str, limit: usize) -> Results {
    let qwords = query_words(q);
    if qwords.is_empty() {
        return Results {
            q: q.to_owned(),
            total: 0,
            groups: Vec::new(),
        };
    }
    let n = qwords.len();
    let hits: Vec<(&Hit, Passungen, Titelpassungen)> = index
        .matching(&qwords)
        .into_iter()
        .map(|(i, p, t)| (&index.docs[i as usize], p, t))
        .collect();
    let q_key = ozg_domain::search::index_string(q);
    let score = |(h, gesamt, titel): &(&Hit, Passungen, Titelpassungen)| {
        rang(&Trefferbild {
            gesamt: &gesamt[..n],
            titel: &titel[..n],
            titel_gleich: h.title_terms == q_key,
            titel_laenge: h.title.len(),
        })
    };
    let mut groups = Vec::new();
    let mut total = 0;
    for (kind, label) in KINDS {
        let mut g: Vec<&(&Hit, Passungen, Titelpassungen)> =
            hits.iter().filter(|(h, _, _)| h.kind == kind).collect();
        if g.is_empty() {
            continue;
        }
        g.sort_by_cached_key(|h| score(h));
        total += g.len();
        let n = g.len();
        g.truncate(limit);
        groups.push(Group {
            kind: kind.to_owned(),
            label: label.to_owned(),
            total: n,
            items: g.into_iter().map(|(h, _, _)| (*h).clone()).collect(),
        });
    }
    Results {
        q: q.to_owned(),
        total,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(titel: &[(&str, &str)]) -> SearchIndex {
        let mut s = SearchIndex::default();
        for (t, text) in titel {
            let idx = ozg_domain::search::index_string(&format!("{t} {text}"));
            let hit = Hit::new(
                "projekt".into(),
                (*t).into(),
                String::new(),
                String::new(),
                ozg_domain::search::index_string(t),
            );
            s.add(hit, &idx);
        }
        s
    }

    #[test]
    fn prefix_lookup_intersects_terms() {
        let s = index(&[("Hundesteuer", ""), ("Hundehaltung", ""), ("Pferd", "Hund")]);
        let q = |q: &str| query_words(q);
        let docs = |v: Vec<Fund>| v.into_iter().map(|(d, _, _)| d).collect::<Vec<_>>();
        assert_eq!(docs(s.matching(&q("Hund"))), vec![0, 1, 2]);
        assert_eq!(docs(s.matching(&q("Hund Pferd"))), vec![2]);
        assert!(s.matching(&q("Katze")).is_empty());
        // Each document with its best match per word, anywhere and in the title.
        let erste: Vec<(u32, Passung, Option<Passung>)> = s
            .matching(&q("Hund"))
            .into_iter()
            .map(|(d, p, t)| (d, p[0], t[0]))
            .collect();
        assert_eq!(
            erste,
            [
                (0, Passung::Wortanfang, Some(Passung::Wortanfang)),
                (1, Passung::Wortanfang, Some(Passung::Wortanfang)),
                (2, Passung::Stamm, None),
            ]
        );
    }

    /// The title matches read from the index are what `titelpassung` says of the title text.
    #[test]
    fn titel_aus_dem_index_wie_titelpassung() {
        let titel = [
            "Hund",
            "Sachverständiger für Hunde",
            "Hundesteuer Festsetzung",
            "ab 40 vom Hundert",
            "Pferd",
            "Führerschein",
            "OZG-ID 10019",
        ];
        let s = index(&titel.map(|t| (t, "")));
        for q in [
            "Hund",
            "hunde",
            "Führersch",
            "Fuehrerschein",
            "100",
            "10019",
            "Pferd",
        ] {
            let w = &query_words(q)[0];
            let funde = s.matching(std::slice::from_ref(w));
            for (i, t) in titel.iter().enumerate() {
                let erwartet = ozg_domain::search::titelpassung(
                    w,
                    &ozg_domain::search::woerter(t).join(" "),
                    &ozg_domain::search::index_string(t),
                );
                let gefunden = funde
                    .iter()
                    .find(|(d, _, _)| *d == i as u32)
                    .and_then(|(_, _, ts)| ts[0]);
                assert_eq!(gefunden, erwartet, "{q} / {t}");
            }
        }
    }
}
