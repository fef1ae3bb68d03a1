//! The versioned, read-only JSON API under `/api/v1`: each operation is declared once, with its
//! OpenAPI description (utoipa), and registered from that declaration (utoipa-axum), so the
//! document `/api/openapi.json` and the routes cannot drift apart.
//!
//! Lists answer `{"total": N, "items": [...]}` with the same filters as the portal
//! (`seite`, `pro_seite` default 25) and `format=csv|xlsx` for downloads. Errors answer RFC 9457
//! problem details (`application/problem+json`) that keep the fields `fehler` and `parameter`
//! of API version 1.

use crate::kern::Abfrage;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use ozg_domain::ids::OzgId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::kern::routen::ApiDokument;
use crate::kern::{AppState, Fehler, Routen};
use crate::programm::details::{self, LeistungProjekt, OrgProjekt};
use crate::programm::listen::{
    self, LageItem, LeikaItem, ListKind, ListQuery, OrganisationItem, OzgLeistungItem, Page, Paged,
    ThemenfeldItem,
};
use crate::programm::modell::{ReadModel, SlugName, lesemodell};
use crate::programm::projekt::{ProjektDetail, ProjektItem};
use crate::programm::suche::{self, Results};
use crate::sql;
use axum::http::header::CONTENT_TYPE;
use ozg_domain::orgs::OrgArt;
use ozg_domain::project::{Status, Zielportal};
use std::sync::Arc;

/// An error: problem details (RFC 9457) with the German message.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiFehler {
    /// Kind of problem (`/api/probleme/ungueltig`, `/api/probleme/nicht-gefunden`, …).
    pub r#type: String,
    /// Title.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// German message.
    pub detail: String,
    /// The same German message (API version 1).
    pub fehler: String,
    /// The parameter at fault, if any.
    pub parameter: Option<String>,
}

type Antwort = Result<Response, Fehler>;

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/api/openapi.json", openapi)
        .api(routes!(themenfelder))
        .api(routes!(themenfeld))
        .api(routes!(lagen))
        .api(routes!(lage))
        .api(routes!(ozg_leistungen))
        .api(routes!(ozg_leistung))
        .api(routes!(leika_leistungen))
        .api(routes!(leika_leistung))
        .api(routes!(organisationen))
        .api(routes!(organisation))
        .api(routes!(umsetzungsprojekte))
        .api(routes!(umsetzungsprojekt))
        .api(routes!(suche))
}

/// Themenfelder.
#[utoipa::path(get, path = "/api/v1/themenfelder", params(Blaettern), responses((status = 200, description = "Eine Seite der Liste (JSON) oder die ganze Liste als CSV oder XLSX (`format`)", content((Paged<ThemenfeldItem> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = ApiFehler, content_type = "application/problem+json")))]
async fn themenfelder(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> Antwort {
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::Themenfelder, &q, "json").await?
    {
        return Ok(r);
    }
    let page = Page::parse(&q, 25)?;
    let data = listen::themenfelder(&st.db, &q, page).await?;
    Ok(Json(data).into_response())
}

/// One Themenfeld (by slug or id).
#[utoipa::path(get, path = "/api/v1/themenfelder/{id}", params(("id" = String, Path, description = "Slug oder ID", example = "familie-kind")), responses((status = 200, body = ThemenfeldItem), (status = 404, body = ApiFehler, content_type = "application/problem+json")))]
async fn themenfeld(State(st): State<AppState>, Path(id): Path<String>) -> Antwort {
    let t = listen::themenfeld(&st.db, &id)
        .await?
        .ok_or_else(|| Fehler::nicht_gefunden(format!("Themenfeld „{id}“ gibt es nicht")))?;
    Ok(Json(t).into_response())
}

/// Lagen.
#[utoipa::path(get, path = "/api/v1/lagen", params(Blaettern, LagenFilter), responses((status = 200, description = "Eine Seite der Liste (JSON) oder die ganze Liste als CSV oder XLSX (`format`)", content((Paged<LageItem> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = ApiFehler, content_type = "application/problem+json")))]
async fn lagen(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> Antwort {
    if let Some(r) = listen::download_falls_verlangt(&st, ListKind::Lagen, &q, "json").await? {
        return Ok(r);
    }
    let page = Page::parse(&q, 25)?;
    let data = listen::lagen(&st.db, &q, page).await?;
    Ok(Json(data).into_response())
}

/// One Lage.
#[utoipa::path(get, path = "/api/v1/lagen/{id}", params(("id" = String, Path, description = "Slug oder ID", example = "geburt")), responses((status = 200, body = LageItem), (status = 404, body = ApiFehler, content_type = "application/problem+json")))]
async fn lage(State(st): State<AppState>, Path(id): Path<String>) -> Antwort {
    let l = listen::lage(&st.db, &id)
        .await?
        .ok_or_else(|| Fehler::nicht_gefunden(format!("Lage „{id}“ gibt es nicht")))?;
    Ok(Json(l).into_response())
}

/// OZG-Leistungen.
#[utoipa::path(get, path = "/api/v1/ozg-leistungen", params(Blaettern, OzgFilter), responses((status = 200, description = "Eine Seite der Liste (JSON) oder die ganze Liste als CSV oder XLSX (`format`)", content((Paged<OzgLeistungItem> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = ApiFehler, content_type = "application/problem+json")))]
async fn ozg_leistungen(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> Antwort {
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::OzgLeistungen, &q, "json").await?
    {
        return Ok(r);
    }
    let page = Page::parse(&q, 25)?;
    let data = listen::ozg_leistungen(&st.db, &q, page).await?;
    Ok(Json(data).into_response())
}

/// An OZG-Leistung with its LeiKa-Leistungen and projects.
#[derive(Serialize, ToSchema)]
struct OzgDetail {
    #[serde(flatten)]
    leistung: OzgLeistungItem,
    leika: Vec<LeikaItem>,
    umsetzungsprojekte: Vec<LeistungProjekt>,
}

/// One OZG-Leistung.
#[utoipa::path(get, path = "/api/v1/ozg-leistungen/{id}", params(("id" = String, Path, description = "OZG-ID (5 Ziffern, 10000–10999)", pattern = "^10[0-9]{3}$", example = "10001")), responses((status = 200, body = OzgDetail), (status = 400, body = ApiFehler, content_type = "application/problem+json"), (status = 404, body = ApiFehler, content_type = "application/problem+json")))]
async fn ozg_leistung(State(st): State<AppState>, Path(id): Path<String>) -> Antwort {
    let oid = OzgId::parse(&id).map_err(|e| Fehler::feld("id", e.0))?;
    let leistung = listen::ozg_leistung(&st.db, oid)
        .await?
        .ok_or_else(|| Fehler::nicht_gefunden(format!("OZG-Leistung {oid} gibt es nicht")))?;
    let leika = listen::leika_of(&st.db, oid).await?;
    let umsetzungsprojekte = details::leistung_projekte(&st.db, leistung.ozg_id).await?;
    Ok(Json(OzgDetail {
        leistung,
        leika,
        umsetzungsprojekte,
    })
    .into_response())
}

/// LeiKa-Leistungen.
#[utoipa::path(get, path = "/api/v1/leika-leistungen", params(Blaettern, LeikaFilter), responses((status = 200, description = "Eine Seite der Liste (JSON) oder die ganze Liste als CSV oder XLSX (`format`)", content((Paged<LeikaItem> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = ApiFehler, content_type = "application/problem+json")))]
async fn leika_leistungen(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> Antwort {
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::LeikaLeistungen, &q, "json").await?
    {
        return Ok(r);
    }
    let page = Page::parse(&q, 25)?;
    let data = listen::leika_leistungen(&st.db, &q, page).await?;
    Ok(Json(data).into_response())
}

/// One LeiKa-Leistung.
#[utoipa::path(get, path = "/api/v1/leika-leistungen/{id}", params(("id" = i64, Path, description = "ID", example = 24815)), responses((status = 200, body = LeikaItem), (status = 404, body = ApiFehler, content_type = "application/problem+json")))]
async fn leika_leistung(State(st): State<AppState>, Path(id): Path<String>) -> Antwort {
    let found = match id.parse::<i64>() {
        Ok(n) => listen::leika_leistung(&st.db, n).await?,
        Err(_) => None,
    };
    let k = found
        .ok_or_else(|| Fehler::nicht_gefunden(format!("LeiKa-Leistung „{id}“ gibt es nicht")))?;
    Ok(Json(k).into_response())
}

/// Organisationen.
#[utoipa::path(get, path = "/api/v1/organisationen", params(Blaettern, OrganisationenFilter), responses((status = 200, description = "Eine Seite der Liste (JSON) oder die ganze Liste als CSV oder XLSX (`format`)", content((Paged<OrganisationItem> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = ApiFehler, content_type = "application/problem+json")))]
async fn organisationen(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> Antwort {
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::Organisationen, &q, "json").await?
    {
        return Ok(r);
    }
    let page = Page::parse(&q, 25)?;
    let data = listen::organisationen(&st.db, &q, page).await?;
    Ok(Json(data).into_response())
}

/// An organisation with its projects.
#[derive(Serialize, ToSchema)]
struct OrgDetail {
    #[serde(flatten)]
    organisation: OrganisationItem,
    umsetzungsprojekte: Vec<OrgProjekt>,
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/organisationen/{id}", params(("id" = String, Path, description = "Slug", example = "kreis-guetersloh")), responses((status = 200, body = OrgDetail), (status = 404, body = ApiFehler, content_type = "application/problem+json")))]
async fn organisation(State(st): State<AppState>, Path(id): Path<String>) -> Antwort {
    let organisation = listen::organisation(&st.db, &id)
        .await?
        .ok_or_else(|| Fehler::nicht_gefunden(format!("Organisation „{id}“ gibt es nicht")))?;
    let umsetzungsprojekte = details::org_projekte(&st.db, organisation.id).await?;
    Ok(Json(OrgDetail {
        organisation,
        umsetzungsprojekte,
    })
    .into_response())
}

/// Umsetzungsprojekte.
#[utoipa::path(get, path = "/api/v1/umsetzungsprojekte", params(Blaettern, ProjekteFilter), responses((status = 200, description = "Eine Seite der Liste (JSON) oder die ganze Liste als CSV oder XLSX (`format`)", content((Paged<ProjektItem> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = ApiFehler, content_type = "application/problem+json")))]
async fn umsetzungsprojekte(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> Antwort {
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::Umsetzungsprojekte, &q, "json").await?
    {
        return Ok(r);
    }
    let page = Page::parse(&q, 25)?;
    let model = lesemodell(&st).await?;
    let f = listen::projekt_filter(&model, &q)?;
    let data = listen::projekte(&model, &f, page, &st.uhr.heute_iso());
    Ok(Json(data).into_response())
}

/// One Umsetzungsprojekt.
#[utoipa::path(get, path = "/api/v1/umsetzungsprojekte/{id}", params(("id" = String, Path, description = "Slug", example = "kinderbetreuung")), responses((status = 200, body = ProjektDetail), (status = 404, body = ApiFehler, content_type = "application/problem+json")))]
async fn umsetzungsprojekt(State(st): State<AppState>, Path(id): Path<String>) -> Antwort {
    let model = lesemodell(&st).await?;
    let p = model
        .projekt_nach_slug(&id)
        .ok_or_else(|| Fehler::nicht_gefunden(format!("Umsetzungsprojekt „{id}“ gibt es nicht")))?;
    Ok(Json(p.detail_at(&st.uhr.heute_iso())).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SuchQuery {
    /// Suchbegriff (1 bis 200 Zeichen, nicht nur Leerzeichen).
    #[param(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    q: Option<String>,
}

/// Full-text search, grouped by kind.
#[utoipa::path(get, path = "/api/v1/suche", params(SuchQuery), responses((status = 200, body = Results), (status = 400, body = ApiFehler, content_type = "application/problem+json")))]
async fn suche(State(st): State<AppState>, Abfrage(sq): Abfrage<SuchQuery>) -> Antwort {
    let q = sq.q.unwrap_or_default();
    if q.trim().is_empty() || q.chars().count() > 200 {
        return Err(Fehler::feld(
            "q",
            "ein Suchbegriff mit 1 bis 200 Zeichen ist nötig",
        ));
    }
    Ok(Json(suche::search(&lesemodell(&st).await?.search, q.trim(), 25)).into_response())
}

// The list parameters as each list reads them, for the OpenAPI document only (the handlers
// take them all as [`ListQuery`] strings and check them there). The values of the enumerated
// parameters are added when the document is served: they come from the code and the data.
#[allow(dead_code)]
mod parameter {
    use utoipa::IntoParams;

    /// Paging, text filter and format: every list.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct Blaettern {
        /// Seite (ab 1).
        #[param(minimum = 1, maximum = 100000)]
        seite: Option<i64>,
        /// Einträge je Seite (1–500, Standard 25).
        #[param(minimum = 1, maximum = 500)]
        pro_seite: Option<i64>,
        /// Volltextfilter: jedes Wort (höchstens 8) muss im Namen vorkommen.
        q: Option<String>,
        /// Ausgabeformat: `json` (Standard), `csv` oder `xlsx` (die ganze Liste).
        format: Option<String>,
    }

    /// Filters of the Lagen.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct LagenFilter {
        /// Themenfeld (Slug, z. B. `familie-kind`).
        themenfeld: Option<String>,
    }

    /// Filters of the OZG-Leistungen.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct OzgFilter {
        /// Themenfeld (Slug).
        themenfeld: Option<String>,
        /// Lage (Slug).
        lage: Option<String>,
    }

    /// Filters of the LeiKa-Leistungen.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct LeikaFilter {
        /// OZG-ID (5 Ziffern, 10000–10999).
        #[param(pattern = "^10[0-9]{3}$")]
        ozg_id: Option<String>,
        /// Typisierung (1–5).
        #[param(minimum = 1, maximum = 5)]
        typisierung: Option<i64>,
    }

    /// Filters of the organisations.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct OrganisationenFilter {
        /// Art der Organisation.
        art: Option<String>,
        /// Kreis (Slug), zu dem eine Gemeinde gehört.
        kreis: Option<String>,
    }

    /// Filters and order of the Umsetzungsprojekte.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct ProjekteFilter {
        /// Themenfeld (Slug).
        themenfeld: Option<String>,
        /// Kommunale Priorität NRW: 1, 2, 3 oder `unbekannt`.
        prioritaet: Option<String>,
        /// Projektstart ab Quartal (z. B. `2020-Q1`); nicht nach `start_bis`.
        #[param(pattern = "^(20[0-9]{2}|2100)-Q[1-4]$")]
        start_von: Option<String>,
        /// Projektstart bis Quartal; nicht vor `start_von`.
        #[param(pattern = "^(20[0-9]{2}|2100)-Q[1-4]$")]
        start_bis: Option<String>,
        /// Zielportal.
        zielportal: Option<String>,
        /// Status (die Phase, die das Projekt erreicht hat).
        status: Option<String>,
        /// Fachlichkeit: Slug eines einheitlichen Begriffs (`begriffe` in `fachlichkeit_refs`);
        /// findet jedes Projekt, dessen Schreibweise im Dokument ihm zugeordnet ist. Der Slug
        /// einer Schreibweise (`fachlichkeit_refs[].slug`) gilt weiter und findet genau diese.
        fachlichkeit: Option<String>,
        /// Beteiligte Organisation (Slug).
        organisation: Option<String>,
        /// Nur Projekte mit offenem Kommunal- oder IT-Partner (`1`) oder alle (`0`).
        partner_gesucht: Option<String>,
        /// Sortierung.
        sortierung: Option<String>,
    }
}
use parameter::{
    Blaettern, LagenFilter, LeikaFilter, OrganisationenFilter, OzgFilter, ProjekteFilter,
};

/// The values each enumerated query parameter allows, by name.
fn parameter_werte(
    m: &ReadModel,
    lagen: Vec<String>,
    kreise: Vec<String>,
) -> Vec<(&'static str, Vec<String>)> {
    let slugs = |v: &[SlugName]| v.iter().map(|s| s.slug.clone()).collect::<Vec<_>>();
    let keys = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        ("format", keys(&["json", "csv", "xlsx"])),
        ("themenfeld", slugs(&m.themenfelder)),
        ("lage", lagen),
        ("kreis", kreise),
        ("fachlichkeit", slugs(m.fachlichkeit_werte())),
        ("organisation", slugs(&m.organisationen)),
        ("art", OrgArt::ALL.map(|a| a.key().to_owned()).to_vec()),
        (
            "prioritaet",
            listen::prioritaet_optionen()
                .into_iter()
                .map(|(k, _)| k)
                .collect(),
        ),
        (
            "zielportal",
            Zielportal::ALL
                .map(|z| z.key().to_owned())
                .into_iter()
                .chain(["unbekannt".to_owned()])
                .collect(),
        ),
        (
            "status",
            Status::all()
                .into_iter()
                .map(|s| s.key().to_owned())
                .collect(),
        ),
        ("partner_gesucht", keys(&["0", "1"])),
        (
            "sortierung",
            listen::Sortierung::ALL.map(|s| s.key().to_owned()).to_vec(),
        ),
    ]
}

/// The OpenAPI document with the allowed values of the enumerated query parameters (of the
/// data as it is now: a new organisation is a valid filter value at once).
async fn openapi(State(st): State<AppState>) -> Antwort {
    let model = lesemodell(&st).await?;
    let cache = st.erweiterung::<DokumentCache>();
    if let Some((rev, doc)) = cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        && *rev == model.revision
    {
        return Ok(([(CONTENT_TYPE, "application/json")], doc.to_string()).into_response());
    }
    let mut doc: serde_json::Value =
        serde_json::from_str(&st.erweiterung::<ApiDokument>().0).unwrap_or_default();
    #[derive(serde::Deserialize)]
    struct Slug {
        slug: String,
    }
    let slugs = |v: Vec<Slug>| v.into_iter().map(|s| s.slug).collect::<Vec<_>>();
    let lagen = slugs(
        st.db
            .query(sql!("SELECT slug FROM lage ORDER BY slug"))
            .await?,
    );
    let kreise = slugs(
        st.db
            .query(sql!(
                "SELECT slug FROM organisation WHERE art = 'kreis' ORDER BY slug"
            ))
            .await?,
    );
    let werte = parameter_werte(&model, lagen, kreise);
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for op in paths.values_mut().filter_map(|p| p.as_object_mut()) {
            for params in op
                .values_mut()
                .filter_map(|o| o.get_mut("parameters"))
                .filter_map(|p| p.as_array_mut())
            {
                for p in params.iter_mut().filter(|p| p["in"] == "query") {
                    let name = p["name"].as_str().unwrap_or_default().to_owned();
                    if let Some((_, w)) = werte.iter().find(|(n, _)| *n == name) {
                        p["schema"] = serde_json::json!({"type": "string", "enum": w});
                    }
                }
            }
        }
    }
    let text: Arc<str> = doc.to_string().into();
    *cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) =
        Some((model.revision.clone(), text.clone()));
    Ok(([(CONTENT_TYPE, "application/json")], text.to_string()).into_response())
}

/// The last served document and the data revision it was made for.
#[derive(Default)]
struct DokumentCache(std::sync::Mutex<Option<(String, Arc<str>)>>);
