//! The read model: everything the project list, its filters and the search need, loaded from
//! the database in one go and kept per process while the database's revision is unchanged.
//!
//! This is a cache, not state: it is derived from the database and replaced as soon as
//! `meta.datenstand` changes, so several instances on one PostgreSQL database stay consistent.
//! Every write to the programme data must change `meta.datenstand` in the same transaction
//! (the import does). Reading it costs one small query per request instead of eight.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::Result;
use ozg_domain::project::{Projektstart, Status};
use ozg_domain::search::terms;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::db::Db;
use crate::programme::lists::ProjektItem;
use crate::programme::search::Hit;

/// A name with its slug (filter options).
#[derive(Debug, Clone, Deserialize)]
pub struct SlugName {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// A project with what its filters need.
#[derive(Debug, Clone)]
pub struct ProjektRecord {
    /// The list item (its `status` is filled in per request, since it depends on the date).
    pub item: ProjektItem,
    /// Position in the plan.
    pub position: i64,
    /// Quarter ordinal of the Projektstart.
    pub start_ordinal: Option<i64>,
    /// Projektstart kind, for the status rule.
    pub projektstart: Option<Projektstart>,
    /// Phase start dates (ISO), in [`ozg_domain::project::Phase::ALL`] order.
    pub phasen: [Option<String>; 6],
    /// Slugs of its Themenfelder.
    pub themenfeld_slugs: Vec<String>,
    /// Slugs of its Fachlichkeiten.
    pub fachlichkeit_slugs: Vec<String>,
    /// Slugs of the organisations in any role.
    pub org_slugs: Vec<String>,
    /// Lowercased name for the text filter.
    pub name_lower: String,
}

impl ProjektRecord {
    /// The status as of `today` (domain rule [`Status::derive`]).
    pub fn status(&self, today: &str) -> Status {
        Status::derive(&self.phasen, today, self.projektstart)
    }
    /// The list item with its status as of `today`.
    pub fn item_at(&self, today: &str) -> ProjektItem {
        let mut i = self.item.clone();
        i.status = self.status(today).key().to_owned();
        i
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

/// Everything cached.
#[derive(Debug)]
pub struct ReadModel {
    /// The database revision this was built from.
    pub revision: String,
    /// All projects in plan order.
    pub projekte: Vec<ProjektRecord>,
    /// Themenfelder (catalogue order).
    pub themenfelder: Vec<SlugName>,
    /// Fachlichkeiten that occur in projects.
    pub fachlichkeiten: Vec<SlugName>,
    /// Organisations that occur in projects.
    pub organisationen: Vec<SlugName>,
    /// Search index.
    pub search: SearchIndex,
}

#[derive(Deserialize)]
struct Row {
    id: i64,
    slug: String,
    name: String,
    position: i64,
    themenfelder_text: String,
    fachlichkeit_text: String,
    projektstart_text: Option<String>,
    projektstart_art: Option<String>,
    start_ordinal: Option<i64>,
    prioritaet_nrw: Option<i64>,
    prioritaet_bund: Option<i64>,
    zielportal: Option<String>,
    partner_gesucht: i64,
    arbeitsstruktur: Option<i64>,
    unsicher: String,
    phase_vorbereitung: Option<String>,
    phase_konzeption: Option<String>,
    phase_umsetzung: Option<String>,
    phase_pilotierung_nrw: Option<String>,
    phase_rollout_nrw: Option<String>,
    phase_rollout_bund: Option<String>,
}

#[derive(Deserialize)]
struct Link {
    projekt_id: i64,
    slug: String,
}

#[derive(Deserialize)]
struct RoleRow {
    projekt_id: i64,
    rolle: String,
    name: String,
    slug: Option<String>,
}

#[derive(Deserialize)]
struct KdnRow {
    projekt_id: i64,
    kdn_nr: i64,
}

#[derive(Deserialize)]
struct DocRow {
    kind: String,
    title: String,
    subtitle: String,
    url: String,
    terms: String,
    title_terms: String,
}

impl ReadModel {
    /// Loads everything from the database.
    pub async fn load(db: &Db, revision: String) -> Result<ReadModel> {
        let rows: Vec<Row> = db
            .query(
                "SELECT id, slug, name, position, themenfelder_text, fachlichkeit_text, projektstart_text, projektstart_art, start_ordinal, \
                 prioritaet_nrw, prioritaet_bund, zielportal, partner_gesucht, arbeitsstruktur, unsicher, phase_vorbereitung, phase_konzeption, \
                 phase_umsetzung, phase_pilotierung_nrw, phase_rollout_nrw, phase_rollout_bund FROM projekt ORDER BY position",
                &[],
            )
            .await?;
        let tf: Vec<Link> = db
            .query("SELECT pt.projekt_id, t.slug FROM projekt_themenfeld pt JOIN themenfeld t ON t.id = pt.themenfeld_id", &[])
            .await?;
        let fach: Vec<Link> = db
            .query("SELECT pf.projekt_id, f.slug FROM projekt_fachlichkeit pf JOIN fachlichkeit f ON f.id = pf.fachlichkeit_id", &[])
            .await?;
        let roles: Vec<RoleRow> = db
            .query(
                "SELECT r.projekt_id, r.rolle, COALESCE(o.kurzname, o.name, r.text) AS name, o.slug FROM projekt_rolle r \
                 LEFT JOIN organisation o ON o.id = r.organisation_id ORDER BY r.projekt_id, r.position",
                &[],
            )
            .await?;
        let kdn: Vec<KdnRow> = db
            .query(
                "SELECT projekt_id, kdn_nr FROM projekt_kdn_nr WHERE admin = 0 ORDER BY kdn_nr",
                &[],
            )
            .await?;
        let mut projekte: Vec<ProjektRecord> = rows
            .into_iter()
            .map(|r| ProjektRecord {
                name_lower: r.name.to_lowercase(),
                position: r.position,
                start_ordinal: r.start_ordinal,
                projektstart: match r.projektstart_art.as_deref() {
                    Some("in-umsetzung") => Some(Projektstart::InUmsetzung),
                    Some("laeuft") => Some(Projektstart::Laeuft),
                    _ => None,
                },
                phasen: [
                    r.phase_vorbereitung,
                    r.phase_konzeption,
                    r.phase_umsetzung,
                    r.phase_pilotierung_nrw,
                    r.phase_rollout_nrw,
                    r.phase_rollout_bund,
                ],
                themenfeld_slugs: Vec::new(),
                fachlichkeit_slugs: Vec::new(),
                org_slugs: Vec::new(),
                item: ProjektItem {
                    id: r.id,
                    slug: r.slug,
                    name: r.name,
                    themenfelder: r.themenfelder_text,
                    fachlichkeiten: r.fachlichkeit_text,
                    projektstart: r.projektstart_text,
                    prioritaet_nrw: r.prioritaet_nrw,
                    prioritaet_bund: r.prioritaet_bund,
                    zielportal: r.zielportal,
                    status: String::new(),
                    partner_gesucht: r.partner_gesucht != 0,
                    arbeitsstruktur: r.arbeitsstruktur.map(|v| v != 0),
                    unsicher: r.unsicher != "{}",
                    mitarbeit: Vec::new(),
                    interesse: Vec::new(),
                    kdn_nr: Vec::new(),
                },
            })
            .collect();
        let idx: HashMap<i64, usize> = projekte
            .iter()
            .enumerate()
            .map(|(i, p)| (p.item.id, i))
            .collect();
        for l in tf {
            if let Some(&i) = idx.get(&l.projekt_id) {
                projekte[i].themenfeld_slugs.push(l.slug);
            }
        }
        for l in fach {
            if let Some(&i) = idx.get(&l.projekt_id) {
                projekte[i].fachlichkeit_slugs.push(l.slug);
            }
        }
        for r in roles {
            let Some(&i) = idx.get(&r.projekt_id) else {
                continue;
            };
            let p = &mut projekte[i];
            if let Some(s) = r.slug
                && !p.org_slugs.contains(&s)
            {
                p.org_slugs.push(s);
            }
            match r.rolle.as_str() {
                "mitarbeit" => p.item.mitarbeit.push(r.name),
                "interesse" => p.item.interesse.push(r.name),
                _ => {}
            }
        }
        for k in kdn {
            if let Some(&i) = idx.get(&k.projekt_id) {
                projekte[i].item.kdn_nr.push(k.kdn_nr);
            }
        }
        let themenfelder = db
            .query("SELECT slug, name FROM themenfeld ORDER BY id", &[])
            .await?;
        let fachlichkeiten = db
            .query("SELECT DISTINCT f.slug, f.name FROM fachlichkeit f JOIN projekt_fachlichkeit pf ON pf.fachlichkeit_id = f.id ORDER BY f.name", &[])
            .await?;
        let organisationen = db
            .query("SELECT DISTINCT o.slug, o.name FROM organisation o JOIN projekt_rolle r ON r.organisation_id = o.id ORDER BY o.name", &[])
            .await?;
        let docs: Vec<DocRow> = db.query("SELECT kind, title, subtitle, url, terms, title_terms FROM search_doc ORDER BY rank, id", &[]).await?;
        let mut search = SearchIndex::default();
        for (i, d) in docs.into_iter().enumerate() {
            for t in d.terms.split(' ').filter(|t| !t.is_empty()) {
                let v = search.terms.entry(t.to_owned()).or_default();
                if v.last() != Some(&(i as u32)) {
                    v.push(i as u32);
                }
            }
            search
                .docs
                .push(Hit::new(d.kind, d.title, d.subtitle, d.url, d.title_terms));
        }
        Ok(ReadModel {
            revision,
            projekte,
            themenfelder,
            fachlichkeiten,
            organisationen,
            search,
        })
    }

    /// A project by id.
    pub fn projekt(&self, id: i64) -> Option<&ProjektRecord> {
        self.projekte.iter().find(|p| p.item.id == id)
    }

    /// Search terms of a query, as the index stores them.
    pub fn query_terms(q: &str) -> Vec<String> {
        terms(q).into_iter().take(8).collect()
    }
}

/// The per-process cache of the read model.
#[derive(Clone, Default)]
pub struct ModelCache {
    current: Arc<std::sync::RwLock<Option<Arc<ReadModel>>>>,
    building: Arc<Mutex<()>>,
}

impl ModelCache {
    /// The model for the database's current revision, rebuilt when the revision changed.
    pub async fn get(&self, db: &Db) -> Result<Arc<ReadModel>> {
        let revision = db.meta("datenstand").await?.unwrap_or_default();
        if let Some(m) = self.cached(&revision) {
            return Ok(m);
        }
        let _guard = self.building.lock().await;
        if let Some(m) = self.cached(&revision) {
            return Ok(m);
        }
        let m = Arc::new(ReadModel::load(db, revision).await?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(m.clone());
        Ok(m)
    }

    fn cached(&self, revision: &str) -> Option<Arc<ReadModel>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|m| m.revision == revision)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_lookup_intersects_terms() {
        let mut s = SearchIndex::default();
        for (i, text) in ["hundesteur", "hundehalt", "pferd hund"].iter().enumerate() {
            for t in text.split(' ') {
                s.terms.entry(t.to_owned()).or_default().push(i as u32);
            }
        }
        assert_eq!(s.matching(&["hund".into()]), vec![0, 1, 2]);
        assert_eq!(s.matching(&["hund".into(), "pferd".into()]), vec![2]);
        assert!(s.matching(&["katz".into()]).is_empty());
    }
}
