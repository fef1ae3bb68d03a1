//! The six lists of the programme database (web, API and exports share them): filters parsed
//! with German errors, one portable SQL query per list, pagination, and table exports.

use ozg_domain::ids::{OzgId, Quartal};
use ozg_domain::orgs::OrgArt;
use ozg_domain::project::{Status, Zielportal, prioritaet_nrw_label};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kern::db::{Db, SqlBuilder, int_bool};
use crate::kern::tabelle::{Format, Table};
use crate::kern::{Fehler, Feldfehler, Uhr};
use crate::programm::modell::{ProjektRecord, ReadModel, SlugName};
use crate::programm::projekt::ProjektItem;
use crate::sql;

ozg_domain::schluessel! {
    /// The lists (their API resource names).
    pub enum ListKind: "keine Liste" {
        /// Themenfelder.
        Themenfelder = "themenfelder" / "Themenfelder",
        /// Lagen.
        Lagen = "lagen" / "Lagen",
        /// OZG-Leistungen.
        OzgLeistungen = "ozg-leistungen" / "OZG-Leistungen",
        /// LeiKa-Leistungen.
        LeikaLeistungen = "leika-leistungen" / "LeiKa-Leistungen",
        /// Organisationen.
        Organisationen = "organisationen" / "Organisationen",
        /// Umsetzungsprojekte.
        Umsetzungsprojekte = "umsetzungsprojekte" / "Umsetzungsprojekte",
    }
}

ozg_domain::schluessel! {
    /// How the project list is sorted.
    pub enum Sortierung: "keine Sortierung" {
        /// As in the plan.
        Dokument = "dokument" / "Reihenfolge im Plan",
        /// By name.
        Name = "name" / "Name",
        /// By Projektstart.
        Start = "start" / "Projektstart",
        /// By NRW priority.
        Prioritaet = "prioritaet" / "Priorität",
        /// By Themenfeld.
        Themenfeld = "themenfeld" / "Themenfeld",
    }
}

/// The values of the priority filter with their labels (colour and word, never colour alone).
pub fn prioritaet_optionen() -> Vec<(String, String)> {
    (1..=3u8)
        .map(|p| (p.to_string(), prioritaet_nrw_label(p).to_owned()))
        .chain([(
            "unbekannt".to_owned(),
            ozg_domain::project::PRIORITAET_OHNE_ANGABE.to_owned(),
        )])
        .collect()
}

/// The label of an NRW priority that may be missing (for templates).
pub fn prio_label(p: &Option<i64>) -> &'static str {
    prioritaet_nrw_label(p.unwrap_or(0).clamp(0, 9) as u8)
}

/// A yes/no filter value as people and forms write it (`1`, `ja`, `on` …), `None` if neither.
pub fn ja_nein(s: &str) -> Option<bool> {
    match s.trim() {
        "1" | "true" | "ja" | "on" => Some(true),
        "0" | "false" | "nein" => Some(false),
        _ => None,
    }
}

/// Raw query parameters of every list (all optional strings, validated by the list; the API
/// documents per list what it reads, in `programm::api`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListQuery {
    /// Seite (ab 1).
    pub seite: Option<String>,
    /// Einträge je Seite (1–500; Standard 25 in der API, 50 im Portal).
    pub pro_seite: Option<String>,
    /// Volltextfilter.
    pub q: Option<String>,
    /// Themenfeld (Slug, z. B. `familie-kind`).
    pub themenfeld: Option<String>,
    /// Lage (Slug).
    pub lage: Option<String>,
    /// OZG-ID.
    pub ozg_id: Option<String>,
    /// Typisierung 1–5 (LeiKa).
    pub typisierung: Option<String>,
    /// Art der Organisation.
    pub art: Option<String>,
    /// Kreis (Slug).
    pub kreis: Option<String>,
    /// Kommunale Priorität NRW: 1, 2, 3 oder `unbekannt`.
    pub prioritaet: Option<String>,
    /// Projektstart ab Quartal (z. B. `2020-Q1`).
    pub start_von: Option<String>,
    /// Projektstart bis Quartal.
    pub start_bis: Option<String>,
    /// Zielportal (`kommunales-landesportal`, `land-kdn-mitglied`, `land-bund`, `unklar`, `unbekannt`).
    pub zielportal: Option<String>,
    /// Status (`nicht-begonnen`, `vorbereitung`, …).
    pub status: Option<String>,
    /// Fachlichkeit (Slug).
    pub fachlichkeit: Option<String>,
    /// Beteiligte Organisation (Slug).
    pub organisation: Option<String>,
    /// Nur Projekte mit offenem Kommunal- oder IT-Partner (`1`).
    pub partner_gesucht: Option<String>,
    /// Sortierung: `dokument`, `name`, `start`, `prioritaet`, `themenfeld`.
    pub sortierung: Option<String>,
    /// Ausgabeformat: `html`/`json` (Standard), `csv`, `xlsx`.
    pub format: Option<String>,
}

impl ListQuery {
    /// How many project filters are filled in (for „Filter (2 aktiv)“), also when one of them
    /// is wrong; the sort order is not a filter.
    pub fn aktive_projektfilter(&self) -> usize {
        [
            &self.themenfeld,
            &self.prioritaet,
            &self.start_von,
            &self.start_bis,
            &self.zielportal,
            &self.status,
            &self.fachlichkeit,
            &self.organisation,
            &self.q,
        ]
        .into_iter()
        .filter(|v| nonempty(v).is_some())
        .count()
            + usize::from(nonempty(&self.partner_gesucht).and_then(ja_nein) == Some(true))
    }
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Pagination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page.
    pub seite: i64,
    /// Size.
    pub pro_seite: i64,
}

impl Page {
    /// One page with everything (up to the 500 a list page may show).
    pub const WHOLE: Page = Page {
        seite: 1,
        pro_seite: 500,
    };

    /// Parses `seite`/`pro_seite`.
    pub fn parse(q: &ListQuery, default_size: i64) -> Result<Page, Fehler> {
        let seite = match nonempty(&q.seite) {
            None => 1,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|v| (1..=100_000).contains(v))
                .ok_or_else(|| Fehler::feld("seite", "erlaubt ist eine ganze Zahl ab 1"))?,
        };
        let pro_seite = match nonempty(&q.pro_seite) {
            None => default_size,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|v| (1..=500).contains(v))
                .ok_or_else(|| {
                    Fehler::feld("pro_seite", "erlaubt ist eine ganze Zahl von 1 bis 500")
                })?,
        };
        Ok(Page { seite, pro_seite })
    }
    fn limit_offset(self, q: &mut SqlBuilder) {
        q.push(" LIMIT ")
            .bind(self.pro_seite)
            .push(" OFFSET ")
            .bind((self.seite - 1) * self.pro_seite);
    }
    /// Number of pages for `total` entries.
    pub fn pages(self, total: i64) -> i64 {
        ((total + self.pro_seite - 1) / self.pro_seite).max(1)
    }
}

/// Parses `format`; `default_name` is the page's own format (html or json).
pub fn format_lesen(q: &ListQuery, default_name: &str) -> Result<Format, Fehler> {
    match nonempty(&q.format) {
        None => Ok(Format::Default),
        Some(s) if s == default_name => Ok(Format::Default),
        Some("csv") => Ok(Format::Csv),
        Some("xlsx") => Ok(Format::Xlsx),
        Some(_) => Err(Fehler::feld(
            "format",
            format!("erlaubt sind {default_name}, csv, xlsx"),
        )),
    }
}

/// A page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Paged<T> {
    /// Matching entries in total.
    pub total: i64,
    /// The entries of this page.
    pub items: Vec<T>,
}

/// The words of the free-text filter (at most 8). Control characters separate words too:
/// PostgreSQL refuses NUL in text.
fn suchwoerter(q: &ListQuery) -> Vec<&str> {
    nonempty(&q.q)
        .map(|text| {
            text.split(|c: char| c.is_whitespace() || c.is_control())
                .filter(|t| !t.is_empty())
                .take(8)
                .collect()
        })
        .unwrap_or_default()
}

/// A word as a `LIKE` pattern (lowercased), without the metacharacters `%` and `_` and the
/// backslash (PostgreSQL's default escape character: a pattern ending in it is an error).
fn like_muster(wort: &str) -> String {
    format!("%{}%", wort.to_lowercase().replace(['%', '_', '\\'], ""))
}

/// The terms of the free-text filter as `LIKE` patterns.
fn text_muster(q: &ListQuery) -> Vec<String> {
    suchwoerter(q).into_iter().map(like_muster).collect()
}

/// A free-text filter over a name column (`spalte` = `LOWER(col) LIKE `): every term must occur.
fn text_filter(q: &ListQuery, spalte: &'static str, sql: &mut SqlBuilder) {
    for m in text_muster(q) {
        sql.und().push(spalte).bind(m);
    }
}

/// A list: its total under the filter `filter` and one page, from `count` and `select`.
async fn seite<T: serde::de::DeserializeOwned>(
    db: &Db,
    count: &'static str,
    select: &'static str,
    order: &'static str,
    page: Page,
    filter: impl Fn(&mut SqlBuilder),
) -> Result<Paged<T>, Fehler> {
    let mut c = SqlBuilder::new(count);
    filter(&mut c);
    let total = db.scalar(c.stmt()).await?;
    let mut q = SqlBuilder::new(select);
    filter(&mut q);
    q.push(order);
    page.limit_offset(&mut q);
    Ok(Paged {
        total,
        items: db.query(q.stmt()).await?,
    })
}

// ---------------------------------------------------------------------------------------------
// Themenfelder and Lagen

/// A Themenfeld in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ThemenfeldItem {
    /// ID (1–14).
    pub id: i64,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Section of the 2020 plan.
    pub abschnitt: Option<String>,
    /// Number of Lagen.
    pub lagen: i64,
    /// Number of OZG-Leistungen.
    pub ozg_leistungen: i64,
    /// Number of projects.
    pub projekte: i64,
}

const THEMENFELD_SELECT: &str = "SELECT t.id, t.name, t.slug, t.abschnitt, \
    (SELECT COUNT(*) FROM lage l WHERE l.themenfeld_id = t.id) AS lagen, \
    (SELECT COUNT(*) FROM ozg_leistung o WHERE o.themenfeld_id = t.id) AS ozg_leistungen, \
    (SELECT COUNT(*) FROM projekt_themenfeld pt WHERE pt.themenfeld_id = t.id) AS projekte \
    FROM themenfeld t";

/// Themenfelder.
pub async fn themenfelder(
    db: &Db,
    q: &ListQuery,
    page: Page,
) -> Result<Paged<ThemenfeldItem>, Fehler> {
    seite(
        db,
        "SELECT COUNT(*) FROM themenfeld t",
        THEMENFELD_SELECT,
        " ORDER BY t.id",
        page,
        |s| text_filter(q, "LOWER(t.name) LIKE ", s),
    )
    .await
}

/// One Themenfeld by slug or id.
pub async fn themenfeld(db: &Db, key: &str) -> Result<Option<ThemenfeldItem>, Fehler> {
    let mut q = SqlBuilder::new(THEMENFELD_SELECT);
    q.push(" WHERE t.slug = ")
        .bind(key)
        .push(" OR CAST(t.id AS TEXT) = ")
        .bind(key);
    Ok(db.query_opt(q.stmt()).await?)
}

/// A Lage in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LageItem {
    /// ID.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Themenfeld name.
    pub themenfeld: String,
    /// Themenfeld slug.
    pub themenfeld_slug: String,
    /// Number of OZG-Leistungen.
    pub ozg_leistungen: i64,
}

const LAGE_SELECT: &str = "SELECT l.id, l.name, l.slug, t.name AS themenfeld, t.slug AS themenfeld_slug, \
    (SELECT COUNT(*) FROM ozg_leistung o WHERE o.lage_id = l.id) AS ozg_leistungen \
    FROM lage l JOIN themenfeld t ON t.id = l.themenfeld_id";

/// Lagen, filterable by Themenfeld.
pub async fn lagen(db: &Db, q: &ListQuery, page: Page) -> Result<Paged<LageItem>, Fehler> {
    let themenfeld = match nonempty(&q.themenfeld) {
        Some(t) => Some(themenfeld_pruefen(db, t).await?),
        None => None,
    };
    seite(
        db,
        "SELECT COUNT(*) FROM lage l JOIN themenfeld t ON t.id = l.themenfeld_id",
        LAGE_SELECT,
        " ORDER BY t.id, l.name",
        page,
        |s| {
            if let Some(t) = &themenfeld {
                s.und().push("t.slug = ").bind(t);
            }
            text_filter(q, "LOWER(l.name) LIKE ", s);
        },
    )
    .await
}

/// One Lage by slug or id.
pub async fn lage(db: &Db, key: &str) -> Result<Option<LageItem>, Fehler> {
    let mut q = SqlBuilder::new(LAGE_SELECT);
    q.push(" WHERE l.slug = ")
        .bind(key)
        .push(" OR CAST(l.id AS TEXT) = ")
        .bind(key);
    Ok(db.query_opt(q.stmt()).await?)
}

/// A Themenfeld filter must name one, so a typo gets a 400 instead of an empty list.
async fn themenfeld_pruefen(db: &Db, slug: &str) -> Result<String, Fehler> {
    #[derive(Deserialize)]
    struct S {
        slug: String,
    }
    let alle: Vec<S> = db
        .query(sql!("SELECT slug FROM themenfeld ORDER BY id"))
        .await?;
    if alle.iter().any(|t| t.slug == slug) {
        return Ok(slug.to_owned());
    }
    Err(Fehler::feld(
        "themenfeld",
        format!(
            "„{slug}“ gibt es nicht; erlaubt sind {}",
            alle.iter()
                .map(|t| t.slug.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// A Lage filter must name one.
async fn lage_pruefen(db: &Db, slug: &str) -> Result<String, Fehler> {
    if db
        .scalar(sql!("SELECT COUNT(*) FROM lage WHERE slug = $1", slug))
        .await?
        == 0
    {
        return Err(Fehler::feld(
            "lage",
            format!(
                "„{slug}“ gibt es nicht; erlaubt ist der Kurzname (Slug) eines vorhandenen Eintrags"
            ),
        ));
    }
    Ok(slug.to_owned())
}

// ---------------------------------------------------------------------------------------------
// OZG- and LeiKa-Leistungen

/// An OZG-Leistung in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OzgLeistungItem {
    /// OZG-ID.
    pub ozg_id: i64,
    /// Name.
    pub name: String,
    /// Lage.
    pub lage: String,
    /// Lage slug.
    pub lage_slug: String,
    /// Themenfeld.
    pub themenfeld: String,
    /// Themenfeld slug.
    pub themenfeld_slug: String,
    /// Number of LeiKa-Leistungen.
    pub leika_leistungen: i64,
    /// Number of projects.
    pub projekte: i64,
}

const OZG_SELECT: &str = "SELECT o.ozg_id, o.name, l.name AS lage, l.slug AS lage_slug, t.name AS themenfeld, t.slug AS themenfeld_slug, \
    (SELECT COUNT(*) FROM leika_leistung k WHERE k.ozg_id = o.ozg_id) AS leika_leistungen, \
    (SELECT COUNT(*) FROM projekt_ozg_leistung po WHERE po.ozg_id = o.ozg_id) AS projekte \
    FROM ozg_leistung o JOIN lage l ON l.id = o.lage_id JOIN themenfeld t ON t.id = o.themenfeld_id";
const OZG_COUNT: &str = "SELECT COUNT(*) FROM ozg_leistung o JOIN lage l ON l.id = o.lage_id JOIN themenfeld t ON t.id = o.themenfeld_id";

/// OZG-Leistungen, filterable by Themenfeld, Lage and text.
pub async fn ozg_leistungen(
    db: &Db,
    q: &ListQuery,
    page: Page,
) -> Result<Paged<OzgLeistungItem>, Fehler> {
    let themenfeld = match nonempty(&q.themenfeld) {
        Some(t) => Some(themenfeld_pruefen(db, t).await?),
        None => None,
    };
    let lage = match nonempty(&q.lage) {
        Some(l) => Some(lage_pruefen(db, l).await?),
        None => None,
    };
    seite(db, OZG_COUNT, OZG_SELECT, " ORDER BY o.ozg_id", page, |s| {
        if let Some(t) = &themenfeld {
            s.und().push("t.slug = ").bind(t);
        }
        if let Some(l) = &lage {
            s.und().push("l.slug = ").bind(l);
        }
        text_filter(q, "LOWER(o.name) LIKE ", s);
    })
    .await
}

/// One OZG-Leistung.
pub async fn ozg_leistung(db: &Db, id: OzgId) -> Result<Option<OzgLeistungItem>, Fehler> {
    let mut q = SqlBuilder::new(OZG_SELECT);
    q.push(" WHERE o.ozg_id = ").bind(i64::from(id.get()));
    Ok(db.query_opt(q.stmt()).await?)
}

/// A LeiKa-Leistung in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LeikaItem {
    /// ID.
    pub id: i64,
    /// Valid Leistungsschlüssel, if any.
    pub schluessel: Option<String>,
    /// The key as in the source ("nicht im LeiKa" or an invalid test value).
    pub schluessel_roh: String,
    /// Name.
    pub name: String,
    /// OZG-ID.
    pub ozg_id: Option<i64>,
    /// OZG-Leistung name.
    pub ozg_leistung: Option<String>,
    /// Typisierung 1–5.
    pub typisierung: Option<i64>,
    /// Typisierung as in the source.
    pub typisierung_roh: String,
    /// Legal references.
    pub rechtsgrundlagen: String,
}

const LEIKA_SELECT: &str = "SELECT k.id, k.schluessel, k.schluessel_roh, k.name, k.ozg_id, o.name AS ozg_leistung, k.typisierung, \
    k.typisierung_roh, k.rechtsgrundlagen FROM leika_leistung k LEFT JOIN ozg_leistung o ON o.ozg_id = k.ozg_id";

/// LeiKa-Leistungen, filterable by OZG-ID, Typisierung and text.
pub async fn leika_leistungen(
    db: &Db,
    q: &ListQuery,
    page: Page,
) -> Result<Paged<LeikaItem>, Fehler> {
    let ozg_id = nonempty(&q.ozg_id)
        .map(|s| OzgId::parse(s).map_err(|e| Fehler::feld("ozg_id", e.0)))
        .transpose()?;
    let typisierung = nonempty(&q.typisierung)
        .map(|s| {
            s.parse::<i64>()
                .ok()
                .filter(|t| (1..=5).contains(t))
                .ok_or_else(|| Fehler::feld("typisierung", "erlaubt sind 1 bis 5"))
        })
        .transpose()?;
    seite(
        db,
        "SELECT COUNT(*) FROM leika_leistung k",
        LEIKA_SELECT,
        " ORDER BY k.name, k.id",
        page,
        |s| {
            if let Some(id) = ozg_id {
                s.und().push("k.ozg_id = ").bind(i64::from(id.get()));
            }
            if let Some(t) = typisierung {
                s.und().push("k.typisierung = ").bind(t);
            }
            text_filter(q, "LOWER(k.name) LIKE ", s);
        },
    )
    .await
}

/// One LeiKa-Leistung.
pub async fn leika_leistung(db: &Db, id: i64) -> Result<Option<LeikaItem>, Fehler> {
    let mut q = SqlBuilder::new(LEIKA_SELECT);
    q.push(" WHERE k.id = ").bind(id);
    Ok(db.query_opt(q.stmt()).await?)
}

/// LeiKa-Leistungen of an OZG-Leistung.
pub async fn leika_of(db: &Db, id: OzgId) -> Result<Vec<LeikaItem>, Fehler> {
    let mut q = SqlBuilder::new(LEIKA_SELECT);
    q.push(" WHERE k.ozg_id = ")
        .bind(i64::from(id.get()))
        .push(" ORDER BY k.name, k.id");
    Ok(db.query(q.stmt()).await?)
}

// ---------------------------------------------------------------------------------------------
// Organisationen

/// An organisation in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganisationItem {
    /// ID.
    pub id: i64,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Official name.
    pub amtlicher_name: Option<String>,
    /// Short name.
    pub kurzname: Option<String>,
    /// Kind key.
    pub art: String,
    /// Also an IT service provider.
    #[serde(deserialize_with = "int_bool::deserialize")]
    pub it_dienstleister: bool,
    /// AGS.
    pub ags: Option<String>,
    /// ARS.
    pub ars: Option<String>,
    /// Kreis name.
    pub kreis: Option<String>,
    /// Kreis slug.
    pub kreis_slug: Option<String>,
    /// Regierungsbezirk name.
    pub regierungsbezirk: Option<String>,
    /// Regierungsbezirk slug.
    pub regierungsbezirk_slug: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Seat.
    pub ort: Option<String>,
    /// Website.
    pub url: Option<String>,
    /// Description.
    pub beschreibung: Option<String>,
    /// Aliases.
    pub aliases: String,
    /// Number of projects with this organisation in any role.
    pub projekte: i64,
}

impl OrganisationItem {
    /// German label of the kind.
    pub fn art_label(&self) -> &'static str {
        OrgArt::parse(&self.art)
            .map(OrgArt::label)
            .unwrap_or("unbekannt")
    }
}

const ORG_SELECT: &str = "SELECT o.id, o.slug, o.name, o.amtlicher_name, o.kurzname, o.art, o.it_dienstleister, o.ags, o.ars, \
    k.name AS kreis, k.slug AS kreis_slug, r.name AS regierungsbezirk, r.slug AS regierungsbezirk_slug, o.lat, o.lon, o.ort, o.url, \
    o.beschreibung, o.aliases, \
    (SELECT COUNT(DISTINCT pr.projekt_id) FROM projekt_rolle pr WHERE pr.organisation_id = o.id) AS projekte \
    FROM organisation o LEFT JOIN organisation k ON k.id = o.kreis_id LEFT JOIN organisation r ON r.id = o.regierungsbezirk_id";
const ORG_COUNT: &str =
    "SELECT COUNT(*) FROM organisation o LEFT JOIN organisation k ON k.id = o.kreis_id";

/// Organisations, filterable by kind, Kreis and text.
pub async fn organisationen(
    db: &Db,
    q: &ListQuery,
    page: Page,
) -> Result<Paged<OrganisationItem>, Fehler> {
    // `it-dienstleister` also finds the cities that are their own IT provider.
    let art = nonempty(&q.art)
        .map(|a| {
            OrgArt::parse(a).map_err(|_| {
                Fehler::feld(
                    "art",
                    format!("erlaubt sind {}", OrgArt::ALL.map(OrgArt::key).join(", ")),
                )
            })
        })
        .transpose()?;
    let kreis = match nonempty(&q.kreis) {
        Some(k) => {
            let n = db
                .scalar(sql!(
                    "SELECT COUNT(*) FROM organisation WHERE slug = $1 AND art = 'kreis'",
                    k
                ))
                .await?;
            if n == 0 {
                return Err(Fehler::feld(
                    "kreis",
                    format!(
                        "„{k}“ ist kein Kreis; erlaubt ist der Kurzname eines Kreises, z. B. kreis-guetersloh"
                    ),
                ));
            }
            Some(k.to_owned())
        }
        None => None,
    };
    let woerter = suchwoerter(q);
    seite(
        db,
        ORG_COUNT,
        ORG_SELECT,
        " ORDER BY o.name, o.id",
        page,
        |s| {
            match art {
                Some(OrgArt::ItDienstleister) => {
                    s.und().push("o.it_dienstleister = 1");
                }
                Some(a) => {
                    s.und().push("o.art = ").bind(a.key());
                }
                None => {}
            }
            if let Some(k) = &kreis {
                s.und().push("k.slug = ").bind(k);
            }
            for w in &woerter {
                let muster = like_muster(w);
                s.und()
                    .push("(LOWER(o.name) LIKE ")
                    .bind(muster.as_str())
                    .push(" OR LOWER(o.aliases) LIKE ")
                    .bind(muster.as_str())
                    .push(" OR o.ags = ")
                    .bind(*w)
                    .push(")");
            }
        },
    )
    .await
}

/// One organisation by slug.
pub async fn organisation(db: &Db, slug: &str) -> Result<Option<OrganisationItem>, Fehler> {
    let mut q = SqlBuilder::new(ORG_SELECT);
    q.push(" WHERE o.slug = ").bind(slug);
    Ok(db.query_opt(q.stmt()).await?)
}

/// Gemeinden of a Kreis (or Kreise of a Regierungsbezirk).
pub async fn members(db: &Db, parent_id: i64) -> Result<Vec<OrganisationItem>, Fehler> {
    let mut q = SqlBuilder::new(ORG_SELECT);
    q.push(" WHERE o.kreis_id = ")
        .bind(parent_id)
        .push(" OR (o.regierungsbezirk_id = ")
        .bind(parent_id)
        .push(" AND o.art IN ('kreis', 'kreisfreie-stadt')) ORDER BY o.name");
    Ok(db.query(q.stmt()).await?)
}

// ---------------------------------------------------------------------------------------------
// Umsetzungsprojekte

/// Validated project filters (applied to the read model).
#[derive(Debug, Clone)]
pub struct ProjektFilter {
    themenfeld: Option<String>,
    prioritaet: Option<Option<i64>>,
    von: Option<i64>,
    bis: Option<i64>,
    zielportal: Option<Option<String>>,
    status: Option<Status>,
    fachlichkeit: Option<String>,
    organisation: Option<String>,
    partner_gesucht: bool,
    text: Vec<String>,
    sortierung: Sortierung,
}

fn require(
    param: &'static str,
    slug: &str,
    known: &[SlugName],
    hint: &str,
) -> Result<String, Fehler> {
    if known.iter().any(|k| k.slug == slug) {
        Ok(slug.to_owned())
    } else {
        Err(Fehler::feld(
            param,
            format!("„{slug}“ gibt es nicht; {hint}"),
        ))
    }
}

/// The value of a checked filter, or `None` after noting its error.
fn gut<T>(fehler: &mut Feldfehler, r: Result<T, Fehler>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(Fehler::Ungueltig(e)) => {
            fehler.anhaengen(e);
            None
        }
        Err(e) => {
            fehler.push("filter", e.to_string());
            None
        }
    }
}

/// Parses and checks the project filters against the read model; every wrong filter is
/// reported (not only the first), so a form can mark all of them at once.
pub fn projekt_filter(model: &ReadModel, q: &ListQuery) -> Result<ProjektFilter, Fehler> {
    let mut fehler = Feldfehler::new();
    let mut f = ProjektFilter {
        themenfeld: None,
        prioritaet: None,
        von: None,
        bis: None,
        zielportal: None,
        status: None,
        fachlichkeit: None,
        organisation: None,
        partner_gesucht: false,
        text: Vec::new(),
        sortierung: Sortierung::Dokument,
    };
    if let Some(t) = nonempty(&q.themenfeld) {
        let all = model
            .themenfelder
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        f.themenfeld = gut(
            &mut fehler,
            require(
                "themenfeld",
                t,
                &model.themenfelder,
                &format!("erlaubt sind {all}"),
            ),
        );
    }
    if let Some(p) = nonempty(&q.prioritaet) {
        f.prioritaet = if p == "unbekannt" {
            Some(None)
        } else {
            gut(
                &mut fehler,
                p.parse::<i64>()
                    .ok()
                    .filter(|v| (1..=3).contains(v))
                    .map(Some)
                    .ok_or_else(|| {
                        Fehler::feld("prioritaet", "erlaubt sind 1, 2, 3 oder unbekannt")
                    }),
            )
        };
    }
    let quartal = |name: &'static str, v: &str, obere: bool| {
        Quartal::parse_grenze(v, obere).map_err(|e| Fehler::feld(name, e.0))
    };
    let von = nonempty(&q.start_von).and_then(|v| gut(&mut fehler, quartal("start_von", v, false)));
    let bis = nonempty(&q.start_bis).and_then(|v| gut(&mut fehler, quartal("start_bis", v, true)));
    if let (Some(a), Some(b)) = (von, bis)
        && a > b
    {
        fehler.push(
            "start_bis",
            format!("{b} liegt vor dem Projektstart ab ({a})"),
        );
    }
    f.von = von.map(Quartal::ordinal);
    f.bis = bis.map(Quartal::ordinal);
    if let Some(z) = nonempty(&q.zielportal) {
        f.zielportal = if z == "unbekannt" {
            Some(None)
        } else {
            gut(
                &mut fehler,
                Zielportal::parse(z)
                    .map(|z| Some(z.key().to_owned()))
                    .map_err(|e| Fehler::feld("zielportal", format!("{e}, unbekannt"))),
            )
        };
    }
    if let Some(s) = nonempty(&q.status) {
        f.status = gut(
            &mut fehler,
            Status::parse(s).map_err(|e| Fehler::feld("status", e.0)),
        );
    }
    let slug_hint = "erlaubt ist der Kurzname (Slug) eines vorhandenen Eintrags";
    if let Some(s) = nonempty(&q.fachlichkeit) {
        f.fachlichkeit = gut(
            &mut fehler,
            require("fachlichkeit", s, model.fachlichkeit_werte(), slug_hint),
        );
    }
    if let Some(s) = nonempty(&q.organisation) {
        f.organisation = gut(
            &mut fehler,
            require("organisation", s, &model.organisationen, slug_hint),
        );
    }
    if let Some(s) = nonempty(&q.partner_gesucht) {
        f.partner_gesucht = gut(
            &mut fehler,
            ja_nein(s).ok_or_else(|| {
                Fehler::feld("partner_gesucht", "erlaubt sind 1 (ja) oder 0 (nein)")
            }),
        )
        .unwrap_or(false);
    }
    if let Some(text) = nonempty(&q.q) {
        f.text = text
            .split_whitespace()
            .take(8)
            .map(str::to_lowercase)
            .collect();
    }
    if let Some(s) = nonempty(&q.sortierung) {
        f.sortierung = gut(
            &mut fehler,
            Sortierung::parse(s).map_err(|_| {
                Fehler::feld(
                    "sortierung",
                    format!(
                        "erlaubt sind {}",
                        Sortierung::ALL.map(Sortierung::key).join(", ")
                    ),
                )
            }),
        )
        .unwrap_or(Sortierung::Dokument);
    }
    if fehler.is_empty() {
        Ok(f)
    } else {
        Err(Fehler::Ungueltig(fehler))
    }
}

impl ProjektFilter {
    fn matches(&self, p: &ProjektRecord, today: &str) -> bool {
        let i = p.item();
        self.themenfeld
            .as_ref()
            .is_none_or(|t| p.themenfeld_slugs.contains(t))
            && self.prioritaet.is_none_or(|v| i.prioritaet_nrw == v)
            && self
                .von
                .is_none_or(|v| p.start_ordinal.is_some_and(|s| s >= v))
            && self
                .bis
                .is_none_or(|v| p.start_ordinal.is_some_and(|s| s <= v))
            && self.zielportal.as_ref().is_none_or(|z| i.zielportal == *z)
            && self.status.is_none_or(|s| p.status(today) == s)
            && self
                .fachlichkeit
                .as_ref()
                .is_none_or(|f| p.fachlichkeit_slugs.contains(f))
            && self
                .organisation
                .as_ref()
                .is_none_or(|o| p.org_slugs.contains(o))
            && (!self.partner_gesucht || i.partner_gesucht)
            && self.text.iter().all(|t| p.name_lower.contains(t.as_str()))
    }
}

/// Projects matching the filter, sorted and paginated, with their status as of `today`.
pub fn projekte(
    model: &ReadModel,
    f: &ProjektFilter,
    page: Page,
    today: &str,
) -> Paged<ProjektItem> {
    let mut hits: Vec<&ProjektRecord> = model
        .projekte
        .iter()
        .filter(|p| f.matches(p, today))
        .collect();
    let last = |v: Option<i64>| (v.is_none(), v);
    match f.sortierung {
        Sortierung::Dokument => {}
        Sortierung::Name => hits.sort_by(|a, b| {
            a.item()
                .name
                .cmp(&b.item().name)
                .then(a.position.cmp(&b.position))
        }),
        Sortierung::Start => hits.sort_by_key(|p| (last(p.start_ordinal), p.position)),
        Sortierung::Prioritaet => hits.sort_by_key(|p| (last(p.item().prioritaet_nrw), p.position)),
        Sortierung::Themenfeld => hits.sort_by(|a, b| {
            a.item()
                .themenfelder
                .cmp(&b.item().themenfelder)
                .then(a.position.cmp(&b.position))
        }),
    }
    let total = hits.len() as i64;
    let skip = ((page.seite - 1) * page.pro_seite) as usize;
    let items = hits
        .into_iter()
        .skip(skip)
        .take(page.pro_seite as usize)
        .map(|p| p.item_at(today))
        .collect();
    Paged { total, items }
}

// ---------------------------------------------------------------------------------------------
// Exports

/// Projects as a table: the one tabular form of a project, used by every list export and by the
/// plan workbook. The NRW priority is written as text ("1 – hoch"), never as colour alone.
pub fn projekt_table(title: &str, items: &[ProjektItem]) -> Table {
    Table::new(
        title,
        &[
            "Name",
            "Themenfelder",
            "Fachlichkeit",
            "Mitarbeit",
            "Interesse",
            "Projektstart",
            "Priorität NRW",
            "Priorität Bund",
            "Zielportal",
            "Status",
            "Partner gesucht",
            "ozg.kdn.de",
        ],
        items.iter().map(|p| {
            vec![
                p.name.clone(),
                p.themenfelder.clone(),
                p.fachlichkeiten.clone(),
                p.mitarbeit.join("; "),
                p.interesse.join("; "),
                p.projektstart.clone().unwrap_or_else(|| "unbekannt".into()),
                p.prioritaet_label().to_owned(),
                p.prioritaet_bund.map(|b| b.to_string()).unwrap_or_default(),
                p.zielportal_label().to_owned(),
                p.status_label().to_owned(),
                if p.partner_gesucht { "ja" } else { "nein" }.to_owned(),
                p.kdn_nr
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        }),
    )
}

/// Every entry of a list as a table (for `ozg export`).
pub async fn full_table(db: &Db, uhr: &Uhr, kind: ListKind) -> Result<Table, Fehler> {
    let model = ReadModel::load(db, String::new()).await?;
    table(db, uhr, &model, kind, &ListQuery::default(), ALLES).await
}

/// Everything at once: downloads are the whole list under its filters, whatever page the
/// reader was on.
pub const ALLES: Page = Page {
    seite: 1,
    pro_seite: 1_000_000,
};

/// The download of a list when `format` asks for one (`csv`, `xlsx`; `eigenes` is the page's
/// own format, `html` or `json`): the whole list under its filters. Checked before any list
/// work, so a download does not build the page it replaces.
pub async fn download_falls_verlangt(
    st: &crate::kern::AppState,
    kind: ListKind,
    q: &ListQuery,
    eigenes: &str,
) -> Result<Option<axum::response::Response>, Fehler> {
    let format = format_lesen(q, eigenes)?;
    if format == Format::Default {
        return Ok(None);
    }
    let model = crate::programm::modell::lesemodell(st).await?;
    let tabelle = table(&st.db, &st.uhr, &model, kind, q, ALLES).await?;
    Ok(Some(crate::kern::tabelle::download(
        &tabelle,
        format,
        kind.key(),
    )?))
}

/// A list (filtered, one page) as a table for CSV/XLSX.
pub async fn table(
    db: &Db,
    uhr: &Uhr,
    model: &ReadModel,
    kind: ListKind,
    q: &ListQuery,
    page: Page,
) -> Result<Table, Fehler> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let opt_i = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    Ok(match kind {
        ListKind::Themenfelder => {
            let p = themenfelder(db, q, page).await?;
            Table::new(
                "Themenfelder",
                &[
                    "ID",
                    "Name",
                    "Abschnitt",
                    "Lagen",
                    "OZG-Leistungen",
                    "Projekte",
                ],
                p.items.iter().map(|t| {
                    vec![
                        t.id.to_string(),
                        t.name.clone(),
                        opt(&t.abschnitt),
                        t.lagen.to_string(),
                        t.ozg_leistungen.to_string(),
                        t.projekte.to_string(),
                    ]
                }),
            )
        }
        ListKind::Lagen => {
            let p = lagen(db, q, page).await?;
            Table::new(
                "Lagen",
                &["ID", "Name", "Themenfeld", "OZG-Leistungen"],
                p.items.iter().map(|l| {
                    vec![
                        l.id.to_string(),
                        l.name.clone(),
                        l.themenfeld.clone(),
                        l.ozg_leistungen.to_string(),
                    ]
                }),
            )
        }
        ListKind::OzgLeistungen => {
            let p = ozg_leistungen(db, q, page).await?;
            Table::new(
                "OZG-Leistungen",
                &[
                    "OZG-ID",
                    "Name",
                    "Lage",
                    "Themenfeld",
                    "LeiKa-Leistungen",
                    "Projekte",
                ],
                p.items.iter().map(|o| {
                    vec![
                        o.ozg_id.to_string(),
                        o.name.clone(),
                        o.lage.clone(),
                        o.themenfeld.clone(),
                        o.leika_leistungen.to_string(),
                        o.projekte.to_string(),
                    ]
                }),
            )
        }
        ListKind::LeikaLeistungen => {
            let p = leika_leistungen(db, q, page).await?;
            Table::new(
                "LeiKa-Leistungen",
                &[
                    "Leistungsschlüssel",
                    "Name",
                    "OZG-ID",
                    "OZG-Leistung",
                    "Typisierung",
                    "Rechtsgrundlagen",
                ],
                p.items.iter().map(|k| {
                    vec![
                        k.schluessel_roh.clone(),
                        k.name.clone(),
                        opt_i(k.ozg_id),
                        opt(&k.ozg_leistung),
                        k.typisierung_roh.clone(),
                        k.rechtsgrundlagen.clone(),
                    ]
                }),
            )
        }
        ListKind::Organisationen => {
            let p = organisationen(db, q, page).await?;
            Table::new(
                "Organisationen",
                &[
                    "Name",
                    "Art",
                    "AGS",
                    "ARS",
                    "Kreis",
                    "Regierungsbezirk",
                    "IT-Dienstleister",
                    "Breite",
                    "Länge",
                    "Projekte",
                ],
                p.items.iter().map(|o| {
                    vec![
                        o.name.clone(),
                        o.art_label().to_owned(),
                        opt(&o.ags),
                        opt(&o.ars),
                        opt(&o.kreis),
                        opt(&o.regierungsbezirk),
                        if o.it_dienstleister {
                            "ja".into()
                        } else {
                            "nein".into()
                        },
                        o.lat.map(|v| v.to_string()).unwrap_or_default(),
                        o.lon.map(|v| v.to_string()).unwrap_or_default(),
                        o.projekte.to_string(),
                    ]
                }),
            )
        }
        ListKind::Umsetzungsprojekte => {
            let f = projekt_filter(model, q)?;
            let p = projekte(model, &f, page, &uhr.heute_iso());
            projekt_table("Umsetzungsprojekte", &p.items)
        }
    })
}

/// Links of the pagination and export bar, keeping the current filters.
#[derive(Debug, Clone)]
pub struct PageNav {
    /// Current page.
    pub seite: i64,
    /// Pages.
    pub seiten: i64,
    /// Previous page URL.
    pub zurueck: Option<String>,
    /// Next page URL.
    pub weiter: Option<String>,
    /// CSV export URL.
    pub csv: String,
    /// XLSX export URL.
    pub xlsx: String,
    /// API URL.
    pub api: String,
}

impl PageNav {
    /// Builds the links for `path` with the filters of `q`.
    pub fn new(path: &str, api_path: &str, q: &ListQuery, page: Page, total: i64) -> PageNav {
        let seiten = page.pages(total);
        let with = |seite: Option<i64>, format: Option<&str>| {
            let mut q = q.clone();
            q.seite = seite.filter(|s| *s > 1).map(|s| s.to_string());
            q.format = format.map(str::to_owned);
            let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
            if qs.is_empty() {
                String::new()
            } else {
                format!("?{qs}")
            }
        };
        let export_all = |format: &str| {
            let mut q = q.clone();
            q.seite = None;
            q.pro_seite = None;
            q.format = Some(format.to_owned());
            serde_urlencoded::to_string(&q).unwrap_or_default()
        };
        PageNav {
            seite: page.seite,
            seiten,
            zurueck: (page.seite > 1)
                .then(|| format!("{path}{}", with(Some(page.seite - 1), None))),
            weiter: (page.seite < seiten)
                .then(|| format!("{path}{}", with(Some(page.seite + 1), None))),
            csv: format!("{path}?{}", export_all("csv")),
            xlsx: format!("{path}?{}", export_all("xlsx")),
            api: format!("{api_path}{}", with(Some(page.seite), None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feld(e: Fehler) -> String {
        e.feldfehler()
            .ok()
            .and_then(|f| f.erstes().map(|(k, _)| k.to_owned()))
            .unwrap_or_default()
    }

    #[test]
    fn page_params_are_checked() {
        let q = ListQuery {
            seite: Some("0".into()),
            ..Default::default()
        };
        assert_eq!(feld(Page::parse(&q, 25).unwrap_err()), "seite");
        let q = ListQuery {
            pro_seite: Some("501".into()),
            ..Default::default()
        };
        assert_eq!(feld(Page::parse(&q, 25).unwrap_err()), "pro_seite");
        let p = Page::parse(&ListQuery::default(), 25).unwrap();
        assert_eq!(
            p,
            Page {
                seite: 1,
                pro_seite: 25
            }
        );
        assert_eq!(p.pages(51), 3);
        assert_eq!(p.pages(0), 1);
    }

    #[test]
    fn format_parsing() {
        let q = ListQuery {
            format: Some("pdf".into()),
            ..Default::default()
        };
        assert_eq!(feld(format_lesen(&q, "json").unwrap_err()), "format");
        let q = ListQuery {
            format: Some("xlsx".into()),
            ..Default::default()
        };
        assert_eq!(format_lesen(&q, "json").unwrap(), Format::Xlsx);
    }
}
