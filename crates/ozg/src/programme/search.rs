//! Full-text search in German over projects, OZG-Leistungen, LeiKa-Leistungen and organisations.
//!
//! Terms are normalised by `ozg_domain::search` at import and query time and stored in the
//! database (`search_doc`); the read model holds them as an in-memory prefix index, so SQLite and
//! PostgreSQL return the same results. Ranking: more query terms in the title first, then the
//! exact title, then whole-word matches, then shorter titles.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::programme::model::ReadModel;

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

/// Searches the in-memory index; `limit` caps the hits shown per kind.
pub fn search(model: &ReadModel, q: &str, limit: usize) -> Results {
    let qterms = ReadModel::query_terms(q);
    if qterms.is_empty() {
        return Results {
            q: q.to_owned(),
            total: 0,
            groups: Vec::new(),
        };
    }
    let hits: Vec<&Hit> = model
        .search
        .matching(&qterms)
        .into_iter()
        .map(|i| &model.search.docs[i as usize])
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
