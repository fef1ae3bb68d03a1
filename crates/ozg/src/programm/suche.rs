//! Full-text search in German over projects, OZG-Leistungen, LeiKa-Leistungen and organisations.
//!
//! Terms are normalised by `ozg_domain::search` at import and query time and stored in the
//! database (`search_doc`); the read model holds them as an in-memory prefix index, so SQLite and
//! PostgreSQL return the same results. Ranking: more query terms in the title first, then the
//! exact title, then whole-word matches, then shorter titles.

use std::collections::BTreeMap;

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

/// The in-memory search index: documents and a sorted term dictionary for prefix lookups.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Documents in kind rank order.
    pub docs: Vec<Hit>,
    /// Term → documents containing it (sorted, deduplicated).
    pub terms: BTreeMap<String, Vec<u32>>,
}

impl SearchIndex {
    /// Adds a document with its space-separated terms.
    pub fn add(&mut self, hit: Hit, terms: &str) {
        let i = self.docs.len() as u32;
        for t in terms.split(' ').filter(|t| !t.is_empty()) {
            let v = self.terms.entry(t.to_owned()).or_default();
            if v.last() != Some(&i) {
                v.push(i);
            }
        }
        self.docs.push(hit);
    }

    /// Documents that contain, for every query term, a term starting with it.
    pub fn matching(&self, query_terms: &[String]) -> Vec<u32> {
        let mut result: Option<Vec<u32>> = None;
        for q in query_terms {
            let mut hits: Vec<u32> = self
                .terms
                .range(q.clone()..)
                .take_while(|(t, _)| t.starts_with(q.as_str()))
                .flat_map(|(_, docs)| docs.iter().copied())
                .collect();
            hits.sort_unstable();
            hits.dedup();
            result = Some(match result {
                None => hits,
                Some(prev) => prev
                    .into_iter()
                    .filter(|d| hits.binary_search(d).is_ok())
                    .collect(),
            });
        }
        result.unwrap_or_default()
    }
}

/// Search terms of a query, as the index stores them.
pub fn query_terms(q: &str) -> Vec<String> {
    ozg_domain::search::terms(q).into_iter().take(8).collect()
}

/// Searches the index; `limit` caps the hits shown per kind.
pub fn search(index: &SearchIndex, q: &str, limit: usize) -> Results {
    let qterms = query_terms(q);
    if qterms.is_empty() {
        return Results {
            q: q.to_owned(),
            total: 0,
            groups: Vec::new(),
        };
    }
    let hits: Vec<&Hit> = index
        .matching(&qterms)
        .into_iter()
        .map(|i| &index.docs[i as usize])
        .collect();
    let q_key = ozg_domain::search::index_string(q);
    let score = |h: &Hit| {
        let in_title = qterms
            .iter()
            .filter(|t| h.title_terms.contains(&format!(" {t}")))
            .count();
        let exact = h.title_terms == q_key;
        let whole = qterms
            .iter()
            .filter(|t| h.title_terms.split(' ').any(|w| w == t.as_str()))
            .count();
        (
            std::cmp::Reverse(in_title),
            !exact,
            std::cmp::Reverse(whole),
            h.title.len(),
        )
    };
    let mut groups = Vec::new();
    let mut total = 0;
    for (kind, label) in KINDS {
        let mut g: Vec<&Hit> = hits.iter().copied().filter(|h| h.kind == kind).collect();
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
            items: g.into_iter().cloned().collect(),
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

    #[test]
    fn prefix_lookup_intersects_terms() {
        let mut s = SearchIndex::default();
        for text in ["hundesteur", "hundehalt", "pferd hund"] {
            let hit = Hit::new(
                "projekt".into(),
                text.into(),
                String::new(),
                String::new(),
                String::new(),
            );
            s.add(hit, text);
        }
        assert_eq!(s.matching(&["hund".into()]), vec![0, 1, 2]);
        assert_eq!(s.matching(&["hund".into(), "pferd".into()]), vec![2]);
        assert!(s.matching(&["katz".into()]).is_empty());
    }
}
