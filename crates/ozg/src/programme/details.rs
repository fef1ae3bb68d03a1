//! Detail views: a project with its roles, Leistungen and Steckbrief; what an organisation does;
//! what an OZG-Leistung is linked to; the plan's programme text and workshops.

use std::collections::BTreeMap;

use anyhow::Result;
use ozg_domain::plan::{LeistungRow, ProgrammFile, SteckbriefFile, UebersichtEintrag};
use ozg_domain::project::{Phase, Rolle};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Db, int_bool};
use crate::programme::lists::ProjektItem;
use crate::programme::model::ReadModel;

/// An organisation (or "noch offen") in a role.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RolleView {
    /// Role key.
    pub rolle: String,
    /// Name as the plan writes it.
    pub text: String,
    /// Resolved organisation name.
    pub organisation: Option<String>,
    /// Resolved organisation slug.
    pub organisation_slug: Option<String>,
    /// Annotation.
    pub hinweis: Option<String>,
    /// "noch offen".
    #[serde(deserialize_with = "int_bool::deserialize")]
    pub offen: bool,
    /// Doubt.
    pub unsicher: Option<String>,
}

/// A link to an OZG-Leistung.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OzgLinkView {
    /// OZG-ID.
    pub ozg_id: i64,
    /// Name.
    pub name: String,
    /// Why linked: dokument, steckbrief, namensgleich.
    pub quelle: String,
    /// Note.
    pub hinweis: Option<String>,
}

/// A Themenfeld of a project.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ThemenfeldRef {
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Sub-section.
    pub teilabschnitt: Option<String>,
}

/// A named link target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NamedRef {
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
}

/// The full project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjektDetail {
    /// List fields.
    #[serde(flatten)]
    pub item: ProjektItem,
    /// Notes.
    pub anmerkung: Option<String>,
    /// Priority of the OZG-Informationsveranstaltungen.
    pub prioritaet_veranstaltungen: Option<String>,
    /// EfA classification.
    pub efa: Option<i64>,
    /// Phase dates by phase key.
    pub phasen: BTreeMap<String, Option<String>>,
    /// Themenfelder.
    pub themenfeld_refs: Vec<ThemenfeldRef>,
    /// Fachlichkeiten.
    pub fachlichkeit_refs: Vec<NamedRef>,
    /// Roles in display order.
    pub rollen: Vec<RolleView>,
    /// OZG-Leistungen.
    pub ozg_leistungen: Vec<OzgLinkView>,
    /// ozg.kdn.de admin numbers.
    pub kdn_admin_nr: Vec<i64>,
    /// Cell texts that are not organisations, per field.
    pub hinweise: BTreeMap<String, String>,
    /// Doubts from the OCR, per field.
    pub unsicher_felder: BTreeMap<String, String>,
    /// Steckbrief.
    #[schema(value_type = Option<Object>)]
    pub steckbrief: Option<SteckbriefFile>,
    /// Source file and line.
    pub quelle: Option<String>,
}

impl ProjektDetail {
    /// Roles of one kind.
    pub fn rollen_von(&self, key: &str) -> Vec<&RolleView> {
        self.rollen.iter().filter(|r| r.rolle == key).collect()
    }
    /// Roles grouped for display: (label, key, entries), only non-empty roles.
    pub fn rollen_gruppen(&self) -> Vec<(&'static str, &'static str, Vec<&RolleView>)> {
        Rolle::ALL
            .iter()
            .map(|r| (r.label(), r.key(), self.rollen_von(r.key())))
            .filter(|(_, _, v)| !v.is_empty())
            .collect()
    }
    /// Phases with labels and dates.
    pub fn phasen_liste(&self) -> Vec<(&'static str, String)> {
        Phase::ALL
            .iter()
            .map(|p| {
                (
                    p.label(),
                    self.phasen
                        .get(p.key())
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| "–".into()),
                )
            })
            .collect()
    }
    /// Cell text for a field, if any.
    pub fn hinweis(&self, feld: &str) -> Option<&String> {
        self.hinweise.get(feld)
    }
    /// Doubt for a field, if any.
    pub fn zweifel(&self, feld: &str) -> Option<&String> {
        self.unsicher_felder.get(feld)
    }
}

#[derive(Deserialize)]
struct DetailRow {
    id: i64,
    anmerkung: Option<String>,
    prioritaet_veranstaltungen: Option<String>,
    efa: Option<i64>,
    hinweise: String,
    unsicher: String,
    steckbrief: Option<String>,
    quelle: Option<String>,
}

/// One project by slug.
pub async fn projekt(
    db: &Db,
    model: &ReadModel,
    slug: &str,
    today: &str,
) -> Result<Option<ProjektDetail>> {
    let Some(row): Option<DetailRow> = db
        .query_opt(
            "SELECT id, anmerkung, prioritaet_veranstaltungen, efa, hinweise, unsicher, steckbrief, quelle FROM projekt WHERE slug = $1",
            &[slug.into()],
        )
        .await?
    else {
        return Ok(None);
    };
    let Some(record) = model.projekt(row.id) else {
        return Ok(None);
    };
    let item = record.item_at(today);
    let id = row.id;
    let themenfeld_refs = db
        .query(
            "SELECT t.name, t.slug, pt.teilabschnitt FROM projekt_themenfeld pt JOIN themenfeld t ON t.id = pt.themenfeld_id WHERE pt.projekt_id = $1 ORDER BY t.id",
            &[id.into()],
        )
        .await?;
    let fachlichkeit_refs = db
        .query(
            "SELECT f.name, f.slug FROM projekt_fachlichkeit pf JOIN fachlichkeit f ON f.id = pf.fachlichkeit_id WHERE pf.projekt_id = $1 ORDER BY pf.position",
            &[id.into()],
        )
        .await?;
    let rollen = db
        .query(
            "SELECT r.rolle, r.text, o.name AS organisation, o.slug AS organisation_slug, r.hinweis, r.offen, r.unsicher \
             FROM projekt_rolle r LEFT JOIN organisation o ON o.id = r.organisation_id WHERE r.projekt_id = $1 ORDER BY r.position",
            &[id.into()],
        )
        .await?;
    let ozg_leistungen = db
        .query(
            "SELECT po.ozg_id, o.name, po.quelle, po.hinweis FROM projekt_ozg_leistung po JOIN ozg_leistung o ON o.ozg_id = po.ozg_id \
             WHERE po.projekt_id = $1 ORDER BY po.ozg_id",
            &[id.into()],
        )
        .await?;
    #[derive(Deserialize)]
    struct N {
        kdn_nr: i64,
    }
    let kdn_admin_nr = db
        .query::<N>(
            "SELECT kdn_nr FROM projekt_kdn_nr WHERE projekt_id = $1 AND admin = 1 ORDER BY kdn_nr",
            &[id.into()],
        )
        .await?
        .into_iter()
        .map(|n| n.kdn_nr)
        .collect();
    let phasen = Phase::ALL
        .iter()
        .zip(&record.phasen)
        .map(|(p, d)| (p.key().to_owned(), d.clone()))
        .collect();
    Ok(Some(ProjektDetail {
        item,
        anmerkung: row.anmerkung,
        prioritaet_veranstaltungen: row.prioritaet_veranstaltungen,
        efa: row.efa,
        phasen,
        themenfeld_refs,
        fachlichkeit_refs,
        rollen,
        ozg_leistungen,
        kdn_admin_nr,
        hinweise: serde_json::from_str(&row.hinweise).unwrap_or_default(),
        unsicher_felder: serde_json::from_str(&row.unsicher).unwrap_or_default(),
        steckbrief: row.steckbrief.and_then(|s| serde_json::from_str(&s).ok()),
        quelle: row.quelle,
    }))
}

/// The project slug for an ozg.kdn.de number.
pub async fn slug_for_kdn(db: &Db, nr: i64, admin: bool) -> Result<Option<String>> {
    db.scalar_text(
        "SELECT p.slug FROM projekt_kdn_nr k JOIN projekt p ON p.id = k.projekt_id WHERE k.kdn_nr = $1 AND k.admin = $2",
        &[nr.into(), admin.into()],
    )
    .await
}

/// A project an organisation takes part in, with the role.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrgProjekt {
    /// Role key.
    pub rolle: String,
    /// Project slug.
    pub slug: String,
    /// Project name.
    pub name: String,
    /// Themenfelder.
    pub themenfelder_text: String,
    /// Projektstart.
    pub projektstart_text: Option<String>,
}

/// Projects of an organisation, by role.
pub async fn org_projekte(db: &Db, org_id: i64) -> Result<Vec<OrgProjekt>> {
    db.query(
        "SELECT DISTINCT r.rolle, p.slug, p.name, p.themenfelder_text, p.projektstart_text, p.position FROM projekt_rolle r \
         JOIN projekt p ON p.id = r.projekt_id WHERE r.organisation_id = $1 ORDER BY r.rolle, p.position",
        &[org_id.into()],
    )
    .await
}

/// A project linked to an OZG-Leistung.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LeistungProjekt {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Why linked.
    pub quelle: String,
}

/// Projects of an OZG-Leistung.
pub async fn leistung_projekte(db: &Db, ozg_id: i64) -> Result<Vec<LeistungProjekt>> {
    db.query(
        "SELECT p.slug, p.name, po.quelle FROM projekt_ozg_leistung po JOIN projekt p ON p.id = po.projekt_id WHERE po.ozg_id = $1 ORDER BY p.position",
        &[ozg_id.into()],
    )
    .await
}

/// Section data of a Themenfeld.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ThemenfeldAbschnitt {
    /// Section number.
    pub abschnitt: Option<String>,
    /// Note (e.g. why there are no projects).
    pub hinweis: Option<String>,
    /// Projektleitung line.
    pub projektleitung_text: Option<String>,
    /// Leistungen table.
    #[schema(value_type = Vec<Object>)]
    pub leistungstabelle: Vec<LeistungRow>,
}

/// Section data of a Themenfeld.
pub async fn themenfeld_abschnitt(db: &Db, id: i64) -> Result<Option<ThemenfeldAbschnitt>> {
    #[derive(Deserialize)]
    struct R {
        abschnitt: Option<String>,
        hinweis: Option<String>,
        projektleitung_text: Option<String>,
        leistungstabelle: String,
    }
    let r: Option<R> = db
        .query_opt("SELECT abschnitt, hinweis, projektleitung_text, leistungstabelle FROM themenfeld WHERE id = $1", &[id.into()])
        .await?;
    Ok(r.map(|r| ThemenfeldAbschnitt {
        abschnitt: r.abschnitt,
        hinweis: r.hinweis,
        projektleitung_text: r.projektleitung_text,
        leistungstabelle: serde_json::from_str(&r.leistungstabelle).unwrap_or_default(),
    }))
}

/// A workshop.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WorkshopView {
    /// ID.
    pub id: i64,
    /// ISO date.
    pub datum: String,
    /// Place.
    pub ort: Option<String>,
    /// Where the document names it.
    pub quelle: Option<String>,
    /// Note.
    pub anmerkung: Option<String>,
    /// Themenfelder as written.
    pub themenfelder: String,
    /// Doubts.
    pub unsicher: String,
}

impl WorkshopView {
    /// German date (26.11.2019).
    pub fn datum_de(&self) -> String {
        let p: Vec<&str> = self.datum.split('-').collect();
        match p.as_slice() {
            [y, m, d] => format!("{d}.{m}.{y}"),
            _ => self.datum.clone(),
        }
    }
    /// Doubts as pairs.
    pub fn zweifel(&self) -> Vec<(String, String)> {
        serde_json::from_str::<BTreeMap<String, String>>(&self.unsicher)
            .unwrap_or_default()
            .into_iter()
            .collect()
    }
}

/// Workshops with the projects of their Themenfelder.
pub async fn workshops(db: &Db) -> Result<Vec<(WorkshopView, Vec<NamedRef>)>> {
    let ws: Vec<WorkshopView> = db.query("SELECT id, datum, ort, quelle, anmerkung, themenfelder, unsicher FROM workshop ORDER BY datum, id", &[]).await?;
    let mut out = Vec::new();
    for w in ws {
        // Recorded results replace the list derived from the workshop's Themenfelder.
        let erfasst: Vec<NamedRef> = db
            .query(
                "SELECT p.name, p.slug, p.position FROM workshop_projekt wp JOIN projekt p ON p.slug = wp.projekt \
                 WHERE wp.workshop_id = $1 ORDER BY p.position",
                &[w.id.into()],
            )
            .await?;
        let projekte = if !erfasst.is_empty() {
            erfasst
        } else {
            db.query(
                "SELECT DISTINCT p.name, p.slug, p.position FROM workshop_themenfeld wt JOIN projekt_themenfeld pt ON pt.themenfeld_id = wt.themenfeld_id \
                 JOIN projekt p ON p.id = pt.projekt_id WHERE wt.workshop_id = $1 ORDER BY p.position",
                &[w.id.into()],
            )
            .await?
        };
        out.push((w, projekte));
    }
    Ok(out)
}

/// The programme document and its section-1 entries with the slugs of their projects.
pub async fn programm(
    db: &Db,
) -> Result<(
    Option<ProgrammFile>,
    Vec<(UebersichtEintrag, Option<String>)>,
)> {
    let p = db
        .scalar_text(
            "SELECT body FROM dokument WHERE key = $1",
            &["programm".into()],
        )
        .await?;
    let u = db
        .scalar_text(
            "SELECT body FROM dokument WHERE key = $1",
            &["uebersicht_projekte".into()],
        )
        .await?;
    let programm: Option<ProgrammFile> = p.and_then(|s| serde_json::from_str(&s).ok());
    let slugs: Vec<Option<String>> = u
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let uebersicht = programm
        .as_ref()
        .map(|p| {
            p.uebersicht
                .eintrag
                .iter()
                .cloned()
                .zip(slugs.into_iter().chain(std::iter::repeat(None)))
                .collect()
        })
        .unwrap_or_default();
    Ok((programm, uebersicht))
}

/// Project starts for the timeline: (quarter ordinal, Themenfeld id, Themenfeld name, project name, slug).
#[derive(Debug, Clone, Deserialize)]
pub struct StartRow {
    /// Quarter ordinal.
    pub start_ordinal: i64,
    /// Themenfeld id.
    pub themenfeld_id: i64,
    /// Themenfeld name.
    pub themenfeld: String,
    /// Themenfeld slug.
    pub themenfeld_slug: String,
    /// Project name.
    pub name: String,
    /// Project slug.
    pub slug: String,
}

/// All project starts with a known quarter.
pub async fn starts(db: &Db) -> Result<Vec<StartRow>> {
    db.query(
        "SELECT p.start_ordinal, t.id AS themenfeld_id, t.name AS themenfeld, t.slug AS themenfeld_slug, p.name, p.slug FROM projekt p \
         JOIN projekt_themenfeld pt ON pt.projekt_id = p.id JOIN themenfeld t ON t.id = pt.themenfeld_id \
         WHERE p.start_ordinal IS NOT NULL ORDER BY t.id, p.start_ordinal, p.position",
        &[],
    )
    .await
}

/// Counts for the start page and data tests.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Counts {
    /// Themenfelder.
    pub themenfelder: i64,
    /// Lagen.
    pub lagen: i64,
    /// OZG-Leistungen.
    pub ozg_leistungen: i64,
    /// LeiKa-Leistungen.
    pub leika_leistungen: i64,
    /// Gemeinden (incl. kreisfreie Städte).
    pub gemeinden: i64,
    /// Kreise and kreisfreie Städte.
    pub kreise_und_kreisfreie: i64,
    /// Organisations in total.
    pub organisationen: i64,
    /// Projects.
    pub projekte: i64,
    /// Projects with a Steckbrief.
    pub steckbriefe: i64,
    /// Projects looking for partners.
    pub partner_gesucht: i64,
}

/// Counts.
pub async fn counts(db: &Db) -> Result<Counts> {
    db.query_opt(
        "SELECT (SELECT COUNT(*) FROM themenfeld) AS themenfelder, (SELECT COUNT(*) FROM lage) AS lagen, \
         (SELECT COUNT(*) FROM ozg_leistung) AS ozg_leistungen, (SELECT COUNT(*) FROM leika_leistung) AS leika_leistungen, \
         (SELECT COUNT(*) FROM organisation WHERE art IN ('gemeinde', 'kreisfreie-stadt')) AS gemeinden, \
         (SELECT COUNT(*) FROM organisation WHERE art IN ('kreis', 'kreisfreie-stadt')) AS kreise_und_kreisfreie, \
         (SELECT COUNT(*) FROM organisation) AS organisationen, (SELECT COUNT(*) FROM projekt) AS projekte, \
         (SELECT COUNT(*) FROM projekt WHERE steckbrief IS NOT NULL) AS steckbriefe, \
         (SELECT COUNT(*) FROM projekt WHERE partner_gesucht = 1) AS partner_gesucht",
        &[],
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("keine Zählung"))
}
