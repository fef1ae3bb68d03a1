//! Full-text search in German over projects, OZG-Leistungen, LeiKa-Leistungen and organisations.
//!
//! Terms are normalised by `ozg_domain::search` at import and query time; the database only does
//! prefix matching on the stored term strings, so SQLite and PostgreSQL return the same results.
//! Ranking happens here: more query terms in the title first, then exact title, then shorter titles.

use anyhow::Result;
use ozg_domain::search::terms;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Arg, Db};

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

/// Searches; `limit` caps the hits shown per kind.
pub async fn search(db: &Db, q: &str, limit: usize) -> Result<Results> {
    let qterms: Vec<String> = terms(q).into_iter().take(8).collect();
    if qterms.is_empty() {
        return Ok(Results {
            q: q.to_owned(),
            total: 0,
            groups: Vec::new(),
        });
    }
    let mut sql =
        String::from("SELECT kind, title, subtitle, url, title_terms FROM search_doc WHERE ");
    let mut args: Vec<Arg> = Vec::new();
    for (i, t) in qterms.iter().enumerate() {
        if i > 0 {
            sql.push_str(" AND ");
        }
        args.push(format!("% {t}%").into());
        sql.push_str(&format!("terms LIKE ${}", args.len()));
    }
    sql.push_str(" ORDER BY rank, id");
    let hits: Vec<Hit> = db.query(&sql, &args).await?;
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
        let mut g: Vec<Hit> = hits.iter().filter(|h| h.kind == kind).cloned().collect();
        if g.is_empty() {
            continue;
        }
        g.sort_by_key(|h| score(h));
        total += g.len();
        let n = g.len();
        g.truncate(limit);
        groups.push(Group {
            kind: kind.to_owned(),
            label: label.to_owned(),
            total: n,
            items: g,
        });
    }
    Ok(Results {
        q: q.to_owned(),
        total,
        groups,
    })
}
