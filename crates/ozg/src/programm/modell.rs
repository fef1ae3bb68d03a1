//! The read model: everything the project list, its filters, the search, the project page and
//! the API's project detail need, loaded from the database in one go and kept per process
//! while the database's revision is unchanged.
//!
//! This is a cache, not state: it is derived from the database and replaced as soon as
//! `meta.datenstand` changes, so several instances on one PostgreSQL database stay consistent.
//! Every write to data it holds must change `meta.datenstand` in the same transaction (plan
//! data with `kern::datenstand::neuer_datenstand`, registrations, attachments and committee
//! states with `neue_revision`). Reading it costs one small query per request.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use ozg_domain::project::{Phasen, Projektstart, Status, slugify};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::kern::anhang::Anhang;
use crate::kern::db::{Db, DbFehler, int_bool};
use crate::kern::{AppState, Fehler};
use crate::programm::beteiligung::Meldung;
use crate::programm::entscheidung::{self, Entscheidungsanzeige};
use crate::programm::projekt::{
    FachlichkeitRef, NamedRef, OzgLinkView, ProjektDetail, ProjektItem, RolleView, ThemenfeldRef,
};
use crate::programm::suche::{Hit, SearchIndex};
use crate::sql;

/// A name with its slug (filter options).
#[derive(Debug, Clone, Deserialize)]
pub struct SlugName {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// What the members' area changes about a project without touching the plan: registrations,
/// the call for partners, the committee's state and the Steckbrief's attachments.
#[derive(Debug, Clone, Default)]
pub struct Mitwirkung {
    /// Registrations, Mitarbeit first (all; the page filters what a visitor may see).
    pub meldungen: Vec<Meldung>,
    /// The coordinators' call for more Mitarbeit.
    pub partnersuche: Option<String>,
    /// The state with the IT-Lenkungsausschuss.
    pub entscheidung: Option<Entscheidungsanzeige>,
    /// Attachments of the Steckbrief (public and internal; the page filters).
    pub anlagen: Vec<Anhang>,
}

/// A project with what its filters and its page need.
#[derive(Debug, Clone)]
pub struct ProjektRecord {
    /// The full record; its `item.status` is empty (it depends on the date, see [`Self::status`]).
    pub detail: ProjektDetail,
    /// Position in the plan.
    pub position: i64,
    /// Quarter ordinal of the Projektstart.
    pub start_ordinal: Option<i64>,
    /// Projektstart kind, for the status rule.
    pub projektstart: Option<Projektstart>,
    /// Phase start dates.
    pub phasen: Phasen,
    /// Ids of its Themenfelder (for permissions).
    pub themenfeld_ids: Vec<i64>,
    /// Slugs of its Themenfelder.
    pub themenfeld_slugs: Vec<String>,
    /// Slugs of its Fachlichkeiten: the canonical terms', then the document texts' (old links).
    pub fachlichkeit_slugs: Vec<String>,
    /// Slugs of the organisations in any role.
    pub org_slugs: Vec<String>,
    /// Lowercased name for the text filter.
    pub name_lower: String,
    /// Registrations, committee state, attachments.
    pub mitwirkung: Mitwirkung,
}

impl ProjektRecord {
    /// The list entry (without its status).
    pub fn item(&self) -> &ProjektItem {
        &self.detail.item
    }
    /// The status as of `today` (domain rule [`Status::derive`]).
    pub fn status(&self, today: &str) -> Status {
        self.phasen.status(today, self.projektstart)
    }
    /// The list item with its status as of `today`.
    pub fn item_at(&self, today: &str) -> ProjektItem {
        let mut i = self.detail.item.clone();
        i.status = self.status(today).key().to_owned();
        i
    }
    /// The full record with its status as of `today`.
    pub fn detail_at(&self, today: &str) -> ProjektDetail {
        let mut d = self.detail.clone();
        d.item.status = self.status(today).key().to_owned();
        d
    }
}

/// Everything cached.
#[derive(Debug)]
pub struct ReadModel {
    /// The database revision this was built from.
    pub revision: String,
    /// All projects in plan order.
    pub projekte: Vec<ProjektRecord>,
    nach_slug: HashMap<String, usize>,
    /// Themenfelder (catalogue order).
    pub themenfelder: Vec<SlugName>,
    /// Canonical Fachlichkeit terms that occur in projects (the filter's options), by name.
    pub fachlichkeiten: Vec<SlugName>,
    /// Fachlichkeiten as the document writes them (still valid filter values for old links).
    fachlichkeiten_roh: Vec<SlugName>,
    /// Every valid value of the Fachlichkeit filter (terms, then document texts).
    fachlichkeit_werte: Vec<SlugName>,
    /// Projects per Fachlichkeit slug (term or document text), for the filter's options.
    fachlichkeit_anzahl: HashMap<String, usize>,
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
    #[serde(deserialize_with = "int_bool::deserialize")]
    partner_gesucht: bool,
    arbeitsstruktur: Option<i64>,
    unsicher: String,
    #[serde(flatten)]
    phasen: Phasen,
    anmerkung: Option<String>,
    prioritaet_veranstaltungen: Option<String>,
    efa: Option<i64>,
    hinweise: String,
    steckbrief: Option<String>,
    quelle: Option<String>,
}

#[derive(Deserialize)]
struct TfRow {
    projekt_id: i64,
    id: i64,
    #[serde(flatten)]
    r: ThemenfeldRef,
}

#[derive(Deserialize)]
struct FachRow {
    projekt_id: i64,
    name: String,
    slug: String,
    begriffe: String,
}

#[derive(Deserialize)]
struct RoleRow {
    projekt_id: i64,
    kurzname: Option<String>,
    #[serde(flatten)]
    r: RolleView,
}

#[derive(Deserialize)]
struct OzgRow {
    projekt_id: i64,
    #[serde(flatten)]
    r: OzgLinkView,
}

#[derive(Deserialize)]
struct KdnRow {
    projekt_id: i64,
    kdn_nr: i64,
    #[serde(deserialize_with = "int_bool::deserialize")]
    admin: bool,
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

#[derive(Deserialize)]
struct SucheRow {
    projekt: String,
    hinweis: Option<String>,
}

/// Collects rows into the record of their project.
struct Zuordnung<'a> {
    projekte: &'a mut [ProjektRecord],
    nach_id: HashMap<i64, usize>,
    nach_slug: &'a HashMap<String, usize>,
}

impl Zuordnung<'_> {
    fn id(&mut self, id: i64) -> Option<&mut ProjektRecord> {
        self.nach_id.get(&id).map(|&i| &mut self.projekte[i])
    }
    fn slug(&mut self, slug: &str) -> Option<&mut ProjektRecord> {
        self.nach_slug.get(slug).map(|&i| &mut self.projekte[i])
    }
}

/// A Fachlichkeit with its canonical terms (stored by the import, joined by "; "); before the
/// first import with the vocabulary the column is empty and the text is its own term.
fn fachlichkeit_ref(r: FachRow) -> FachlichkeitRef {
    let namen: Vec<&str> = if r.begriffe.trim().is_empty() {
        vec![r.name.as_str()]
    } else {
        r.begriffe.split("; ").map(str::trim).collect()
    };
    let begriffe = namen
        .into_iter()
        .filter(|n| !n.is_empty())
        .map(|n| NamedRef {
            name: n.to_owned(),
            slug: slugify(n),
        })
        .collect();
    FachlichkeitRef {
        name: r.name,
        slug: r.slug,
        begriffe,
    }
}

fn record(r: Row) -> ProjektRecord {
    ProjektRecord {
        name_lower: r.name.to_lowercase(),
        position: r.position,
        start_ordinal: r.start_ordinal,
        projektstart: match r.projektstart_art.as_deref() {
            Some("in-umsetzung") => Some(Projektstart::InUmsetzung),
            Some("laeuft") => Some(Projektstart::Laeuft),
            _ => None,
        },
        detail: ProjektDetail {
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
                partner_gesucht: r.partner_gesucht,
                arbeitsstruktur: r.arbeitsstruktur.map(|v| v != 0),
                unsicher: r.unsicher != "{}",
                unsicher_in: serde_json::from_str::<BTreeMap<String, serde_json::Value>>(
                    &r.unsicher,
                )
                .map(|m| m.into_keys().collect())
                .unwrap_or_default(),
                mitarbeit: Vec::new(),
                interesse: Vec::new(),
                kdn_nr: Vec::new(),
            },
            anmerkung: r.anmerkung,
            prioritaet_veranstaltungen: r.prioritaet_veranstaltungen,
            efa: r.efa,
            phasen: r
                .phasen
                .iter()
                .map(|(p, d)| (p.key().to_owned(), d.map(str::to_owned)))
                .collect::<BTreeMap<_, _>>(),
            themenfeld_refs: Vec::new(),
            fachlichkeit_refs: Vec::new(),
            rollen: Vec::new(),
            ozg_leistungen: Vec::new(),
            kdn_admin_nr: Vec::new(),
            hinweise: serde_json::from_str(&r.hinweise).unwrap_or_default(),
            unsicher_felder: serde_json::from_str(&r.unsicher).unwrap_or_default(),
            steckbrief: r.steckbrief.and_then(|s| serde_json::from_str(&s).ok()),
            quelle: r.quelle,
        },
        phasen: r.phasen,
        themenfeld_ids: Vec::new(),
        themenfeld_slugs: Vec::new(),
        fachlichkeit_slugs: Vec::new(),
        org_slugs: Vec::new(),
        mitwirkung: Mitwirkung::default(),
    }
}

impl ReadModel {
    /// Loads everything from the database.
    pub async fn load(db: &Db, revision: String) -> Result<ReadModel, DbFehler> {
        let rows: Vec<Row> = db
            .query(sql!(
                "SELECT id, slug, name, position, themenfelder_text, fachlichkeit_text, projektstart_text, projektstart_art, start_ordinal, \
                 prioritaet_nrw, prioritaet_bund, zielportal, partner_gesucht, arbeitsstruktur, unsicher, phase_vorbereitung, phase_konzeption, \
                 phase_umsetzung, phase_pilotierung_nrw, phase_rollout_nrw, phase_rollout_bund, anmerkung, prioritaet_veranstaltungen, efa, \
                 hinweise, steckbrief, quelle FROM projekt ORDER BY position"
            ))
            .await?;
        let mut projekte: Vec<ProjektRecord> = rows.into_iter().map(record).collect();
        let nach_slug: HashMap<String, usize> = projekte
            .iter()
            .enumerate()
            .map(|(i, p)| (p.item().slug.clone(), i))
            .collect();
        let nach_id = projekte
            .iter()
            .enumerate()
            .map(|(i, p)| (p.item().id, i))
            .collect();
        let mut z = Zuordnung {
            projekte: &mut projekte,
            nach_id,
            nach_slug: &nach_slug,
        };
        z.verknuepfungen(db).await?;
        z.mitwirkung(db).await?;
        let themenfelder = db
            .query(sql!("SELECT slug, name FROM themenfeld ORDER BY id"))
            .await?;
        let fachlichkeiten_roh: Vec<SlugName> = db
            .query(sql!("SELECT DISTINCT f.slug, f.name FROM fachlichkeit f JOIN projekt_fachlichkeit pf ON pf.fachlichkeit_id = f.id ORDER BY f.name"))
            .await?;
        let mut fachlichkeiten: Vec<SlugName> = Vec::new();
        for b in projekte
            .iter()
            .flat_map(|p| &p.detail.fachlichkeit_refs)
            .flat_map(|f| &f.begriffe)
        {
            if !fachlichkeiten.iter().any(|x| x.slug == b.slug) {
                fachlichkeiten.push(SlugName {
                    slug: b.slug.clone(),
                    name: b.name.clone(),
                });
            }
        }
        fachlichkeiten.sort_by_cached_key(|f| ozg_domain::search::fold(&f.name));
        let organisationen = db
            .query(sql!("SELECT DISTINCT o.slug, o.name FROM organisation o JOIN projekt_rolle r ON r.organisation_id = o.id ORDER BY o.name"))
            .await?;
        let docs: Vec<DocRow> = db
            .query(sql!(
                "SELECT kind, title, subtitle, url, terms, title_terms FROM search_doc ORDER BY rank, id"
            ))
            .await?;
        let mut search = SearchIndex::default();
        for d in docs {
            search.add(
                Hit::new(d.kind, d.title, d.subtitle, d.url, d.title_terms),
                &d.terms,
            );
        }
        // What the Fachlichkeit filter offers and accepts, once per revision, not per request.
        let mut fachlichkeit_werte = fachlichkeiten.clone();
        for r in &fachlichkeiten_roh {
            if !fachlichkeit_werte.iter().any(|x| x.slug == r.slug) {
                fachlichkeit_werte.push(r.clone());
            }
        }
        let mut fachlichkeit_anzahl: HashMap<String, usize> = HashMap::new();
        for p in &projekte {
            let eigene: std::collections::BTreeSet<&String> = p.fachlichkeit_slugs.iter().collect();
            for slug in eigene {
                *fachlichkeit_anzahl.entry(slug.clone()).or_default() += 1;
            }
        }
        Ok(ReadModel {
            revision,
            projekte,
            nach_slug,
            themenfelder,
            fachlichkeiten,
            fachlichkeiten_roh,
            fachlichkeit_werte,
            fachlichkeit_anzahl,
            organisationen,
            search,
        })
    }

    /// Every valid value of the Fachlichkeit filter: the canonical terms, then the document's
    /// texts (a link from before the vocabulary keeps finding what it found).
    pub fn fachlichkeit_werte(&self) -> &[SlugName] {
        &self.fachlichkeit_werte
    }

    /// The filter's options: each canonical term with its number of projects, e.g.
    /// („jugendamt“, „Jugendamt (9)“); a selected document text (old link) is added, so the
    /// form shows what the list is filtered by.
    pub fn fachlichkeit_optionen(&self, gewaehlt: Option<&str>) -> Vec<(String, String)> {
        let anzahl = |slug: &str| self.fachlichkeit_anzahl.get(slug).copied().unwrap_or(0);
        let mut v: Vec<(String, String)> = self
            .fachlichkeiten
            .iter()
            .map(|f| (f.slug.clone(), format!("{} ({})", f.name, anzahl(&f.slug))))
            .collect();
        if let Some(r) = self
            .fachlichkeiten_roh
            .iter()
            .find(|r| Some(r.slug.as_str()) == gewaehlt && !v.iter().any(|(s, _)| *s == r.slug))
        {
            v.push((
                r.slug.clone(),
                format!("{} (Schreibweise im Dokument, {})", r.name, anzahl(&r.slug)),
            ));
        }
        v
    }

    /// A project by slug.
    pub fn projekt_nach_slug(&self, slug: &str) -> Option<&ProjektRecord> {
        self.nach_slug.get(slug).map(|&i| &self.projekte[i])
    }
}

impl Zuordnung<'_> {
    /// Themenfelder, Fachlichkeiten, roles, OZG-Leistungen and ozg.kdn.de numbers.
    async fn verknuepfungen(&mut self, db: &Db) -> Result<(), DbFehler> {
        let tf: Vec<TfRow> = db
            .query(sql!(
                "SELECT pt.projekt_id, t.id, t.name, t.slug, pt.teilabschnitt, pt.projektstart_text AS projektstart FROM projekt_themenfeld pt \
                 JOIN themenfeld t ON t.id = pt.themenfeld_id ORDER BY pt.projekt_id, t.id"
            ))
            .await?;
        for r in tf {
            if let Some(p) = self.id(r.projekt_id) {
                p.themenfeld_ids.push(r.id);
                p.themenfeld_slugs.push(r.r.slug.clone());
                p.detail.themenfeld_refs.push(r.r);
            }
        }
        let fach: Vec<FachRow> = db
            .query(sql!(
                "SELECT pf.projekt_id, f.name, f.slug, f.begriffe FROM projekt_fachlichkeit pf \
                 JOIN fachlichkeit f ON f.id = pf.fachlichkeit_id ORDER BY pf.projekt_id, pf.position"
            ))
            .await?;
        for r in fach {
            if let Some(p) = self.id(r.projekt_id) {
                p.detail.fachlichkeit_refs.push(fachlichkeit_ref(r));
            }
        }
        for p in self.projekte.iter_mut() {
            let refs = &p.detail.fachlichkeit_refs;
            let begriffe = refs.iter().flat_map(|f| &f.begriffe).map(|b| &b.slug);
            for s in begriffe.chain(refs.iter().map(|f| &f.slug)) {
                if !p.fachlichkeit_slugs.contains(s) {
                    p.fachlichkeit_slugs.push(s.clone());
                }
            }
        }
        let rollen: Vec<RoleRow> = db
            .query(sql!(
                "SELECT r.projekt_id, r.rolle, r.text, o.name AS organisation, o.slug AS organisation_slug, o.kurzname, \
                 r.hinweis, r.offen, r.unsicher FROM projekt_rolle r LEFT JOIN organisation o ON o.id = r.organisation_id \
                 ORDER BY r.projekt_id, r.position"
            ))
            .await?;
        for r in rollen {
            let Some(p) = self.id(r.projekt_id) else {
                continue;
            };
            if let Some(s) = &r.r.organisation_slug
                && !p.org_slugs.contains(s)
            {
                p.org_slugs.push(s.clone());
            }
            // The list shows the short name where there is one.
            let kurz = r
                .kurzname
                .clone()
                .or_else(|| r.r.organisation.clone())
                .unwrap_or_else(|| r.r.text.clone());
            match r.r.rolle.as_str() {
                "mitarbeit" => p.detail.item.mitarbeit.push(kurz),
                "interesse" => p.detail.item.interesse.push(kurz),
                _ => {}
            }
            p.detail.rollen.push(r.r);
        }
        let ozg: Vec<OzgRow> = db
            .query(sql!(
                "SELECT po.projekt_id, po.ozg_id, o.name, po.quelle, po.hinweis FROM projekt_ozg_leistung po \
                 JOIN ozg_leistung o ON o.ozg_id = po.ozg_id ORDER BY po.projekt_id, po.ozg_id"
            ))
            .await?;
        for r in ozg {
            if let Some(p) = self.id(r.projekt_id) {
                p.detail.ozg_leistungen.push(r.r);
            }
        }
        let kdn: Vec<KdnRow> = db
            .query(sql!(
                "SELECT projekt_id, kdn_nr, admin FROM projekt_kdn_nr ORDER BY kdn_nr"
            ))
            .await?;
        for k in kdn {
            if let Some(p) = self.id(k.projekt_id) {
                if k.admin {
                    p.detail.kdn_admin_nr.push(k.kdn_nr);
                } else {
                    p.detail.item.kdn_nr.push(k.kdn_nr);
                }
            }
        }
        Ok(())
    }

    /// Registrations, calls for partners, committee states and Steckbrief attachments.
    async fn mitwirkung(&mut self, db: &Db) -> Result<(), DbFehler> {
        let meldungen: Vec<Meldung> = db
            .query(crate::programm::beteiligung::alle_meldungen())
            .await?;
        for m in meldungen {
            if let Some(p) = self.slug(&m.projekt.clone()) {
                p.mitwirkung.meldungen.push(m);
            }
        }
        let suche: Vec<SucheRow> = db
            .query(sql!("SELECT projekt, hinweis FROM partnersuche"))
            .await?;
        for s in suche {
            if let Some(p) = self.slug(&s.projekt) {
                p.mitwirkung.partnersuche = s.hinweis;
            }
        }
        let stand: Vec<entscheidung::Zeile> = db.query(entscheidung::alle()).await?;
        for e in stand {
            let slug = e.projekt.clone();
            if let Some(p) = self.slug(&slug) {
                p.mitwirkung.entscheidung = e.anzeige();
            }
        }
        let anlagen: Vec<Anhang> = db
            .query(sql!(
                "SELECT id, objekt, titel, dateiname, art, groesse, sha256, oeffentlich, hochgeladen_von, hochgeladen_am \
                 FROM anhang WHERE objekt LIKE 'steckbrief:%' ORDER BY id"
            ))
            .await?;
        for a in anlagen {
            let slug = a.objekt.trim_start_matches("steckbrief:").to_owned();
            if let Some(p) = self.slug(&slug) {
                p.mitwirkung.anlagen.push(a);
            }
        }
        Ok(())
    }
}

/// The per-process cache of the read model (one per [`AppState`]).
#[derive(Default)]
pub struct ModelCache {
    current: std::sync::RwLock<Option<Arc<ReadModel>>>,
    building: Mutex<()>,
}

impl ModelCache {
    /// The model for the database's current revision, rebuilt when the revision changed.
    pub async fn get(&self, db: &Db) -> Result<Arc<ReadModel>, DbFehler> {
        let revision = db.meta("datenstand").await?.unwrap_or_default();
        if let Some(m) = self.cached(&revision) {
            return Ok(m);
        }
        let _guard = self.building.lock().await;
        if let Some(m) = self.cached(&revision) {
            return Ok(m);
        }
        let m = Arc::new(ReadModel::load(db, revision).await?);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(m.clone());
        Ok(m)
    }

    fn cached(&self, revision: &str) -> Option<Arc<ReadModel>> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .filter(|m| m.revision == revision)
            .cloned()
    }
}

/// The read model of `st`'s database, at its current revision.
pub async fn lesemodell(st: &AppState) -> Result<Arc<ReadModel>, Fehler> {
    Ok(st.erweiterung::<ModelCache>().get(&st.db).await?)
}
