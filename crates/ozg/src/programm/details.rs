//! Detail views: what an organisation does, what an OZG-Leistung is linked to, a Themenfeld's
//! section, the plan's programme text, the timeline's starts and the counts. (A project's full
//! record comes from the read model.)

use ozg_domain::plan::{LeistungRow, ProgrammFile, UebersichtEintrag};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kern::db::{Db, DbFehler};
use crate::sql;

type Result<T> = std::result::Result<T, DbFehler>;

/// The project slug for an ozg.kdn.de number. The public links (`/umsetzungsprojekte/N/show`)
/// and the admin form's links (`/admin/app/implementationproject/N/show` or `/edit`) count
/// alike: the plan uses both for the same numbering (14 appears in both forms for one project).
pub async fn slug_for_kdn(db: &Db, nr: i64) -> Result<Option<String>> {
    db.scalar_text(sql!("SELECT p.slug FROM projekt_kdn_nr k JOIN projekt p ON p.id = k.projekt_id WHERE k.kdn_nr = $1 ORDER BY k.admin LIMIT 1", nr))
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
    db.query(sql!("SELECT DISTINCT r.rolle, p.slug, p.name, p.themenfelder_text, p.projektstart_text, p.position FROM projekt_rolle r \
         JOIN projekt p ON p.id = r.projekt_id WHERE r.organisation_id = $1 ORDER BY r.rolle, p.position", org_id))
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
    db.query(sql!("SELECT p.slug, p.name, po.quelle FROM projekt_ozg_leistung po JOIN projekt p ON p.id = po.projekt_id WHERE po.ozg_id = $1 ORDER BY p.position", ozg_id))
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
        .query_opt(sql!("SELECT abschnitt, hinweis, projektleitung_text, leistungstabelle FROM themenfeld WHERE id = $1", id))
        .await?;
    Ok(r.map(|r| ThemenfeldAbschnitt {
        abschnitt: r.abschnitt,
        hinweis: r.hinweis,
        projektleitung_text: r.projektleitung_text,
        leistungstabelle: serde_json::from_str(&r.leistungstabelle).unwrap_or_default(),
    }))
}

/// The programme document and its section-1 entries with the slugs of their projects.
pub async fn programm(
    db: &Db,
) -> Result<(
    Option<ProgrammFile>,
    Vec<(UebersichtEintrag, Option<String>)>,
)> {
    let p = db
        .scalar_text(sql!("SELECT body FROM dokument WHERE key = $1", "programm"))
        .await?;
    let u = db
        .scalar_text(sql!(
            "SELECT body FROM dokument WHERE key = $1",
            "uebersicht_projekte"
        ))
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
    // A listing that prints its own start counts with that one.
    db.query(sql!("SELECT s.start_ordinal, s.themenfeld_id, s.themenfeld, s.themenfeld_slug, s.name, s.slug FROM ( \
         SELECT CASE WHEN pt.projektstart_text IS NULL THEN p.start_ordinal ELSE pt.start_ordinal END AS start_ordinal, \
         t.id AS themenfeld_id, t.name AS themenfeld, t.slug AS themenfeld_slug, p.name, p.slug, p.position FROM projekt p \
         JOIN projekt_themenfeld pt ON pt.projekt_id = p.id JOIN themenfeld t ON t.id = pt.themenfeld_id) s \
         WHERE s.start_ordinal IS NOT NULL ORDER BY s.themenfeld_id, s.start_ordinal, s.position"))
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
    /// kreisangehörige Gemeinden (what `/organisationen?art=gemeinde` lists).
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub kreisangehoerige: i64,
    /// kreisfreie Städte.
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub kreisfreie: i64,
    /// Kreise.
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub kreise: i64,
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
    db.query_opt(sql!("SELECT (SELECT COUNT(*) FROM themenfeld) AS themenfelder, (SELECT COUNT(*) FROM lage) AS lagen, \
         (SELECT COUNT(*) FROM ozg_leistung) AS ozg_leistungen, (SELECT COUNT(*) FROM leika_leistung) AS leika_leistungen, \
         (SELECT COUNT(*) FROM organisation WHERE art IN ('gemeinde', 'kreisfreie-stadt')) AS gemeinden, \
         (SELECT COUNT(*) FROM organisation WHERE art IN ('kreis', 'kreisfreie-stadt')) AS kreise_und_kreisfreie, \
         (SELECT COUNT(*) FROM organisation WHERE art = 'gemeinde') AS kreisangehoerige, \
         (SELECT COUNT(*) FROM organisation WHERE art = 'kreisfreie-stadt') AS kreisfreie, \
         (SELECT COUNT(*) FROM organisation WHERE art = 'kreis') AS kreise, \
         (SELECT COUNT(*) FROM organisation) AS organisationen, (SELECT COUNT(*) FROM projekt) AS projekte, \
         (SELECT COUNT(*) FROM projekt WHERE steckbrief IS NOT NULL) AS steckbriefe, \
         (SELECT COUNT(*) FROM projekt WHERE partner_gesucht = 1) AS partner_gesucht"))
    .await?
    .ok_or_else(|| DbFehler::Sonstig(anyhow::anyhow!("keine Zählung")))
}
