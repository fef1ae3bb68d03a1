//! The six lists of the programme database (web, API and exports share them): filters parsed
//! with German errors, one portable SQL query per list, pagination, and table exports.

use anyhow::Result;
use ozg_domain::ids::{OzgId, Quartal};
use ozg_domain::orgs::OrgArt;
use ozg_domain::project::{Status, Zielportal};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Arg, Db, int_bool, opt_int_bool};
use crate::programme::export::Table;
use crate::programme::model::{ProjektRecord, ReadModel, SlugName};

/// A bad query parameter: which one, and what is allowed. Becomes HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParam {
    /// Parameter name.
    pub param: String,
    /// German explanation.
    pub message: String,
}

impl std::fmt::Display for BadParam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Parameter „{}“: {}", self.param, self.message)
    }
}

pub(crate) fn bad(param: &str, message: impl Into<String>) -> BadParam {
    BadParam {
        param: param.to_owned(),
        message: message.into(),
    }
}

/// The lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Themenfelder.
    Themenfelder,
    /// Lagen.
    Lagen,
    /// OZG-Leistungen.
    OzgLeistungen,
    /// LeiKa-Leistungen.
    LeikaLeistungen,
    /// Organisationen.
    Organisationen,
    /// Umsetzungsprojekte.
    Umsetzungsprojekte,
}

impl ListKind {
    /// All lists.
    pub const ALL: [ListKind; 6] = [
        ListKind::Themenfelder,
        ListKind::Lagen,
        ListKind::OzgLeistungen,
        ListKind::LeikaLeistungen,
        ListKind::Organisationen,
        ListKind::Umsetzungsprojekte,
    ];
    /// API resource name.
    pub fn key(self) -> &'static str {
        match self {
            ListKind::Themenfelder => "themenfelder",
            ListKind::Lagen => "lagen",
            ListKind::OzgLeistungen => "ozg-leistungen",
            ListKind::LeikaLeistungen => "leika-leistungen",
            ListKind::Organisationen => "organisationen",
            ListKind::Umsetzungsprojekte => "umsetzungsprojekte",
        }
    }
    /// Parses a resource name.
    pub fn parse(s: &str) -> Option<Self> {
        ListKind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// Raw query parameters of every list (all optional strings, validated by the list).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    pub fn parse(q: &ListQuery, default_size: i64) -> Result<Page, BadParam> {
        let seite = match nonempty(&q.seite) {
            None => 1,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|v| (1..=100_000).contains(v))
                .ok_or_else(|| bad("seite", "erlaubt ist eine ganze Zahl ab 1"))?,
        };
        let pro_seite = match nonempty(&q.pro_seite) {
            None => default_size,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|v| (1..=500).contains(v))
                .ok_or_else(|| bad("pro_seite", "erlaubt ist eine ganze Zahl von 1 bis 500"))?,
        };
        Ok(Page { seite, pro_seite })
    }
    fn limit_offset(self, args: &mut Vec<Arg>) -> String {
        args.push(self.pro_seite.into());
        args.push(((self.seite - 1) * self.pro_seite).into());
        format!(" LIMIT ${} OFFSET ${}", args.len() - 1, args.len())
    }
    /// Number of pages for `total` entries.
    pub fn pages(self, total: i64) -> i64 {
        ((total + self.pro_seite - 1) / self.pro_seite).max(1)
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HTML page or JSON.
    Default,
    /// CSV.
    Csv,
    /// XLSX.
    Xlsx,
}

impl Format {
    /// Parses `format`.
    pub fn parse(q: &ListQuery, default_name: &str) -> Result<Format, BadParam> {
        match nonempty(&q.format) {
            None => Ok(Format::Default),
            Some(s) if s == default_name => Ok(Format::Default),
            Some("csv") => Ok(Format::Csv),
            Some("xlsx") => Ok(Format::Xlsx),
            Some(_) => Err(bad(
                "format",
                format!("erlaubt sind {default_name}, csv, xlsx"),
            )),
        }
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

/// A free-text filter turned into SQL over a name column (folded, every term must occur).
fn text_filter(q: &ListQuery, col: &str, where_: &mut Vec<String>, args: &mut Vec<Arg>) {
    if let Some(text) = nonempty(&q.q) {
        for term in text.split_whitespace().take(8) {
            args.push(format!("%{}%", term.to_lowercase().replace(['%', '_'], "")).into());
            where_.push(format!("LOWER({col}) LIKE ${}", args.len()));
        }
    }
}

fn where_sql(w: &[String]) -> String {
    if w.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", w.join(" AND "))
    }
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
pub async fn themenfelder(db: &Db, q: &ListQuery, page: Page) -> Result<Paged<ThemenfeldItem>> {
    let (mut w, mut args) = (Vec::new(), Vec::new());
    text_filter(q, "t.name", &mut w, &mut args);
    let total = db
        .scalar(
            &format!("SELECT COUNT(*) FROM themenfeld t{}", where_sql(&w)),
            &args,
        )
        .await?;
    let sql = format!(
        "{THEMENFELD_SELECT}{} ORDER BY t.id{}",
        where_sql(&w),
        page.limit_offset(&mut args)
    );
    Ok(Paged {
        total,
        items: db.query(&sql, &args).await?,
    })
}

/// One Themenfeld by slug or id.
pub async fn themenfeld(db: &Db, key: &str) -> Result<Option<ThemenfeldItem>> {
    db.query_opt(
        &format!("{THEMENFELD_SELECT} WHERE t.slug = $1 OR CAST(t.id AS TEXT) = $2"),
        &[key.into(), key.into()],
    )
    .await
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
pub async fn lagen(db: &Db, q: &ListQuery, page: Page) -> Result<Paged<LageItem>, ListError> {
    let (mut w, mut args) = (Vec::new(), Vec::new());
    if let Some(t) = nonempty(&q.themenfeld) {
        require_slug(db, "themenfeld", "themenfeld", t).await?;
        args.push(t.into());
        w.push(format!("t.slug = ${}", args.len()));
    }
    text_filter(q, "l.name", &mut w, &mut args);
    let total = db
        .scalar(
            &format!(
                "SELECT COUNT(*) FROM lage l JOIN themenfeld t ON t.id = l.themenfeld_id{}",
                where_sql(&w)
            ),
            &args,
        )
        .await?;
    let sql = format!(
        "{LAGE_SELECT}{} ORDER BY t.id, l.name{}",
        where_sql(&w),
        page.limit_offset(&mut args)
    );
    Ok(Paged {
        total,
        items: db.query(&sql, &args).await?,
    })
}

/// One Lage by slug or id.
pub async fn lage(db: &Db, key: &str) -> Result<Option<LageItem>> {
    db.query_opt(
        &format!("{LAGE_SELECT} WHERE l.slug = $1 OR CAST(l.id AS TEXT) = $2"),
        &[key.into(), key.into()],
    )
    .await
}

/// Errors of list functions: a bad parameter (400) or an internal failure (500).
#[derive(Debug)]
pub enum ListError {
    /// 400.
    Bad(BadParam),
    /// 500.
    Internal(anyhow::Error),
}
impl From<anyhow::Error> for ListError {
    fn from(e: anyhow::Error) -> Self {
        ListError::Internal(e)
    }
}
impl From<BadParam> for ListError {
    fn from(e: BadParam) -> Self {
        ListError::Bad(e)
    }
}

/// Checks that a slug exists in a table, so a typo gets a 400 instead of an empty list.
async fn require_slug(db: &Db, param: &str, table: &str, slug: &str) -> Result<(), ListError> {
    let n = db
        .scalar(
            &format!("SELECT COUNT(*) FROM {table} WHERE slug = $1"),
            &[slug.into()],
        )
        .await?;
    if n == 0 {
        let hint = match table {
            "themenfeld" => {
                let all: Vec<ThemenfeldItem> = db
                    .query(&format!("{THEMENFELD_SELECT} ORDER BY t.id"), &[])
                    .await?;
                format!(
                    "erlaubt sind {}",
                    all.iter()
                        .map(|t| t.slug.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            _ => "erlaubt ist der Kurzname (Slug) eines vorhandenen Eintrags".to_owned(),
        };
        return Err(ListError::Bad(bad(
            param,
            format!("„{slug}“ gibt es nicht; {hint}"),
        )));
    }
    Ok(())
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
const OZG_FROM: &str = "FROM ozg_leistung o JOIN lage l ON l.id = o.lage_id JOIN themenfeld t ON t.id = o.themenfeld_id";

/// OZG-Leistungen, filterable by Themenfeld, Lage and text.
pub async fn ozg_leistungen(
    db: &Db,
    q: &ListQuery,
    page: Page,
) -> Result<Paged<OzgLeistungItem>, ListError> {
    let (mut w, mut args) = (Vec::new(), Vec::new());
    if let Some(t) = nonempty(&q.themenfeld) {
        require_slug(db, "themenfeld", "themenfeld", t).await?;
        args.push(t.into());
        w.push(format!("t.slug = ${}", args.len()));
    }
    if let Some(l) = nonempty(&q.lage) {
        require_slug(db, "lage", "lage", l).await?;
        args.push(l.into());
        w.push(format!("l.slug = ${}", args.len()));
    }
    text_filter(q, "o.name", &mut w, &mut args);
    let total = db
        .scalar(
            &format!("SELECT COUNT(*) {OZG_FROM}{}", where_sql(&w)),
            &args,
        )
        .await?;
    let sql = format!(
        "{OZG_SELECT}{} ORDER BY o.ozg_id{}",
        where_sql(&w),
        page.limit_offset(&mut args)
    );
    Ok(Paged {
        total,
        items: db.query(&sql, &args).await?,
    })
}

/// One OZG-Leistung.
pub async fn ozg_leistung(db: &Db, id: OzgId) -> Result<Option<OzgLeistungItem>> {
    db.query_opt(
        &format!("{OZG_SELECT} WHERE o.ozg_id = $1"),
        &[i64::from(id.get()).into()],
    )
    .await
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
) -> Result<Paged<LeikaItem>, ListError> {
    let (mut w, mut args) = (Vec::new(), Vec::new());
    if let Some(s) = nonempty(&q.ozg_id) {
        let id = OzgId::parse(s).map_err(|e| bad("ozg_id", e.0))?;
        args.push(i64::from(id.get()).into());
        w.push(format!("k.ozg_id = ${}", args.len()));
    }
    if let Some(s) = nonempty(&q.typisierung) {
        let t = s
            .parse::<i64>()
            .ok()
            .filter(|t| (1..=5).contains(t))
            .ok_or_else(|| bad("typisierung", "erlaubt sind 1 bis 5"))?;
        args.push(t.into());
        w.push(format!("k.typisierung = ${}", args.len()));
    }
    text_filter(q, "k.name", &mut w, &mut args);
    let total = db
        .scalar(
            &format!("SELECT COUNT(*) FROM leika_leistung k{}", where_sql(&w)),
            &args,
        )
        .await?;
    let sql = format!(
        "{LEIKA_SELECT}{} ORDER BY k.name, k.id{}",
        where_sql(&w),
        page.limit_offset(&mut args)
    );
    Ok(Paged {
        total,
        items: db.query(&sql, &args).await?,
    })
}

/// One LeiKa-Leistung.
pub async fn leika_leistung(db: &Db, id: i64) -> Result<Option<LeikaItem>> {
    db.query_opt(&format!("{LEIKA_SELECT} WHERE k.id = $1"), &[id.into()])
        .await
}

/// LeiKa-Leistungen of an OZG-Leistung.
pub async fn leika_of(db: &Db, id: OzgId) -> Result<Vec<LeikaItem>> {
    db.query(
        &format!("{LEIKA_SELECT} WHERE k.ozg_id = $1 ORDER BY k.name, k.id"),
        &[i64::from(id.get()).into()],
    )
    .await
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
const ORG_FROM: &str = "FROM organisation o LEFT JOIN organisation k ON k.id = o.kreis_id";

/// Organisations, filterable by kind, Kreis and text.
pub async fn organisationen(
    db: &Db,
    q: &ListQuery,
    page: Page,
) -> Result<Paged<OrganisationItem>, ListError> {
    let (mut w, mut args) = (Vec::new(), Vec::new());
    if let Some(a) = nonempty(&q.art) {
        if a == "it-dienstleister" {
            w.push("o.it_dienstleister = 1".into());
        } else {
            let art = OrgArt::parse(a).ok_or_else(|| {
                bad(
                    "art",
                    format!("erlaubt sind {}", OrgArt::ALL.map(OrgArt::key).join(", ")),
                )
            })?;
            args.push(art.key().into());
            w.push(format!("o.art = ${}", args.len()));
        }
    }
    if let Some(k) = nonempty(&q.kreis) {
        let n = db
            .scalar(
                "SELECT COUNT(*) FROM organisation WHERE slug = $1 AND art = 'kreis'",
                &[k.into()],
            )
            .await?;
        if n == 0 {
            return Err(bad("kreis", format!("„{k}“ ist kein Kreis; erlaubt ist der Kurzname eines Kreises, z. B. kreis-guetersloh")).into());
        }
        args.push(k.into());
        w.push(format!("k.slug = ${}", args.len()));
    }
    if let Some(text) = nonempty(&q.q) {
        for term in text.split_whitespace().take(8) {
            args.push(format!("%{}%", term.to_lowercase().replace(['%', '_'], "")).into());
            args.push(format!("%{}%", term.to_lowercase().replace(['%', '_'], "")).into());
            args.push(term.to_owned().into());
            let n = args.len();
            w.push(format!(
                "(LOWER(o.name) LIKE ${} OR LOWER(o.aliases) LIKE ${} OR o.ags = ${n})",
                n - 2,
                n - 1
            ));
        }
    }
    let total = db
        .scalar(
            &format!("SELECT COUNT(*) {ORG_FROM}{}", where_sql(&w)),
            &args,
        )
        .await?;
    let sql = format!(
        "{ORG_SELECT}{} ORDER BY o.name, o.id{}",
        where_sql(&w),
        page.limit_offset(&mut args)
    );
    Ok(Paged {
        total,
        items: db.query(&sql, &args).await?,
    })
}

/// One organisation by slug.
pub async fn organisation(db: &Db, slug: &str) -> Result<Option<OrganisationItem>> {
    db.query_opt(&format!("{ORG_SELECT} WHERE o.slug = $1"), &[slug.into()])
        .await
}

/// Gemeinden of a Kreis (or Kreise of a Regierungsbezirk).
pub async fn members(db: &Db, parent_id: i64) -> Result<Vec<OrganisationItem>> {
    db.query(&format!("{ORG_SELECT} WHERE o.kreis_id = $1 OR (o.regierungsbezirk_id = $2 AND o.art IN ('kreis', 'kreisfreie-stadt')) ORDER BY o.name"), &[parent_id.into(), parent_id.into()]).await
}

// ---------------------------------------------------------------------------------------------
// Umsetzungsprojekte

/// Today's date in Europe/Berlin-ish terms (UTC date is close enough for phase dates).
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A project in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProjektItem {
    /// ID.
    pub id: i64,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Themenfelder, separated by "; ".
    pub themenfelder: String,
    /// Fachlichkeiten, separated by "; ".
    pub fachlichkeiten: String,
    /// Projektstart as written.
    pub projektstart: Option<String>,
    /// Kommunale Priorität NRW (1–3), null if unknown.
    pub prioritaet_nrw: Option<i64>,
    /// Bund-Länder-Priorität (1–4).
    pub prioritaet_bund: Option<i64>,
    /// Zielportal key.
    pub zielportal: Option<String>,
    /// Status key.
    pub status: String,
    /// Kommunal- or IT-Partner still open.
    #[serde(deserialize_with = "int_bool::deserialize")]
    pub partner_gesucht: bool,
    /// Working structure exists.
    #[serde(default, deserialize_with = "opt_int_bool::deserialize")]
    pub arbeitsstruktur: Option<bool>,
    /// Whether some value is uncertain in the source.
    #[serde(default)]
    pub unsicher: bool,
    /// Organisations with Mitarbeit zugesichert.
    #[serde(default)]
    pub mitarbeit: Vec<String>,
    /// Organisations interested.
    #[serde(default)]
    pub interesse: Vec<String>,
    /// ozg.kdn.de numbers.
    #[serde(default)]
    pub kdn_nr: Vec<i64>,
}

impl ProjektItem {
    /// German status label.
    pub fn status_label(&self) -> &'static str {
        Status::parse(&self.status)
            .map(Status::label)
            .unwrap_or("unbekannt")
    }
    /// Priority label with colour word.
    pub fn prioritaet_label(&self) -> &'static str {
        ozg_domain::project::prioritaet_nrw_label(self.prioritaet_nrw.unwrap_or(0) as u8)
    }
    /// Zielportal label.
    pub fn zielportal_label(&self) -> &'static str {
        self.zielportal
            .as_deref()
            .and_then(|z| Zielportal::parse(z).ok())
            .map(Zielportal::label)
            .unwrap_or("unbekannt")
    }
}

/// How the project list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Sortierung {
    #[default]
    Dokument,
    Name,
    Start,
    Prioritaet,
    Themenfeld,
}

/// Validated project filters (applied to the read model).
#[derive(Debug, Clone, Default)]
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

fn require(param: &str, slug: &str, known: &[SlugName], hint: &str) -> Result<String, BadParam> {
    if known.iter().any(|k| k.slug == slug) {
        Ok(slug.to_owned())
    } else {
        Err(bad(param, format!("„{slug}“ gibt es nicht; {hint}")))
    }
}

/// Parses and checks the project filters against the read model.
pub fn projekt_filter(model: &ReadModel, q: &ListQuery) -> Result<ProjektFilter, BadParam> {
    let mut f = ProjektFilter::default();
    if let Some(t) = nonempty(&q.themenfeld) {
        let all = model
            .themenfelder
            .iter()
            .map(|t| t.slug.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        f.themenfeld = Some(require(
            "themenfeld",
            t,
            &model.themenfelder,
            &format!("erlaubt sind {all}"),
        )?);
    }
    if let Some(p) = nonempty(&q.prioritaet) {
        f.prioritaet = Some(if p == "unbekannt" {
            None
        } else {
            Some(
                p.parse::<i64>()
                    .ok()
                    .filter(|v| (1..=3).contains(v))
                    .ok_or_else(|| bad("prioritaet", "erlaubt sind 1, 2, 3 oder unbekannt"))?,
            )
        });
    }
    let quartal = |name: &str, v: &str| Quartal::parse(v).map_err(|e| bad(name, e.0));
    let von = nonempty(&q.start_von)
        .map(|v| quartal("start_von", v))
        .transpose()?;
    let bis = nonempty(&q.start_bis)
        .map(|v| quartal("start_bis", v))
        .transpose()?;
    if let (Some(a), Some(b)) = (von, bis)
        && a > b
    {
        return Err(bad("start_bis", format!("{b} liegt vor start_von {a}")));
    }
    f.von = von.map(Quartal::ordinal);
    f.bis = bis.map(Quartal::ordinal);
    if let Some(z) = nonempty(&q.zielportal) {
        f.zielportal = Some(if z == "unbekannt" {
            None
        } else {
            Some(
                Zielportal::parse(z)
                    .map_err(|e| bad("zielportal", format!("{}, unbekannt", e.0)))?
                    .key()
                    .to_owned(),
            )
        });
    }
    if let Some(s) = nonempty(&q.status) {
        f.status = Some(Status::parse(s).map_err(|e| bad("status", e.0))?);
    }
    let slug_hint = "erlaubt ist der Kurzname (Slug) eines vorhandenen Eintrags";
    if let Some(s) = nonempty(&q.fachlichkeit) {
        f.fachlichkeit = Some(require(
            "fachlichkeit",
            s,
            &model.fachlichkeiten,
            slug_hint,
        )?);
    }
    if let Some(s) = nonempty(&q.organisation) {
        f.organisation = Some(require(
            "organisation",
            s,
            &model.organisationen,
            slug_hint,
        )?);
    }
    if let Some(s) = nonempty(&q.partner_gesucht) {
        f.partner_gesucht = match s {
            "1" | "true" | "ja" | "on" => true,
            "0" | "false" | "nein" => false,
            _ => return Err(bad("partner_gesucht", "erlaubt sind 1 (ja) oder 0 (nein)")),
        };
    }
    if let Some(text) = nonempty(&q.q) {
        f.text = text
            .split_whitespace()
            .take(8)
            .map(str::to_lowercase)
            .collect();
    }
    f.sortierung = match nonempty(&q.sortierung) {
        None | Some("dokument") => Sortierung::Dokument,
        Some("name") => Sortierung::Name,
        Some("start") => Sortierung::Start,
        Some("prioritaet") => Sortierung::Prioritaet,
        Some("themenfeld") => Sortierung::Themenfeld,
        Some(_) => {
            return Err(bad(
                "sortierung",
                "erlaubt sind dokument, name, start, prioritaet, themenfeld",
            ));
        }
    };
    Ok(f)
}

impl ProjektFilter {
    fn matches(&self, p: &ProjektRecord, today: &str) -> bool {
        let i = &p.item;
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
            a.item
                .name
                .cmp(&b.item.name)
                .then(a.position.cmp(&b.position))
        }),
        Sortierung::Start => hits.sort_by_key(|p| (last(p.start_ordinal), p.position)),
        Sortierung::Prioritaet => hits.sort_by_key(|p| (last(p.item.prioritaet_nrw), p.position)),
        Sortierung::Themenfeld => hits.sort_by(|a, b| {
            a.item
                .themenfelder
                .cmp(&b.item.themenfelder)
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
/// plan workbook. The NRW priority is written as text ("1 – hoch (rot)"), never as colour alone.
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
pub async fn full_table(db: &Db, kind: ListKind) -> Result<Table> {
    let model = ReadModel::load(db, String::new()).await?;
    let q = ListQuery::default();
    let all = Page {
        seite: 1,
        pro_seite: 1_000_000,
    };
    let unwrap = |r: Result<Table, ListError>| match r {
        Ok(t) => Ok(t),
        Err(ListError::Bad(b)) => Err(anyhow::anyhow!("{b}")),
        Err(ListError::Internal(e)) => Err(e),
    };
    unwrap(table(db, &model, kind, &q, all).await)
}

/// A list (filtered, one page) as a table for CSV/XLSX.
pub async fn table(
    db: &Db,
    model: &ReadModel,
    kind: ListKind,
    q: &ListQuery,
    page: Page,
) -> Result<Table, ListError> {
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
            let t = today();
            let f = projekt_filter(model, q)?;
            let p = projekte(model, &f, page, &t);
            projekt_table("Umsetzungsprojekte", &p.items)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_params_are_checked() {
        let q = ListQuery {
            seite: Some("0".into()),
            ..Default::default()
        };
        assert_eq!(Page::parse(&q, 25).unwrap_err().param, "seite");
        let q = ListQuery {
            pro_seite: Some("501".into()),
            ..Default::default()
        };
        assert_eq!(Page::parse(&q, 25).unwrap_err().param, "pro_seite");
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
        assert_eq!(Format::parse(&q, "json").unwrap_err().param, "format");
        let q = ListQuery {
            format: Some("xlsx".into()),
            ..Default::default()
        };
        assert_eq!(Format::parse(&q, "json").unwrap(), Format::Xlsx);
    }
}
