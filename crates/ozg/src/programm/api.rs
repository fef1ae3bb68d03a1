//! The versioned, read-only JSON API under `/api/v1`: each operation is declared once, with its
//! OpenAPI description (utoipa), and registered from that declaration (utoipa-axum), so the
//! document `/api/openapi.json` and the routes cannot drift apart.
//!
//! Lists answer `{"total": N, "items": [...]}` with the same filters as the portal
//! (`seite`, `pro_seite` default 25) and `format=csv|xlsx` for downloads. Errors answer RFC 9457
//! problem details (`application/problem+json`) that keep the fields `fehler` and `parameter`
//! of API version 1.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use ozg_domain::ids::OzgId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::kern::tabelle::{Format, download};
use crate::kern::{AppState, Fehler, Routen};
use crate::programm::details::{self, LeistungProjekt, OrgProjekt};
use crate::programm::listen::{
    self, LageItem, LeikaItem, ListKind, ListQuery, OrganisationItem, OzgLeistungItem, Page, Paged,
    ThemenfeldItem, format_lesen,
};
use crate::programm::modell::lesemodell;
use crate::programm::projekt::{ProjektDetail, ProjektItem};
use crate::programm::suche::{self, Results};

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

async fn list_or_download<T: Serialize>(
    st: &AppState,
    kind: ListKind,
    q: &ListQuery,
    page: Page,
    data: Paged<T>,
) -> Antwort {
    match format_lesen(q, "json")? {
        Format::Default => Ok(Json(data).into_response()),
        f => download(
            &listen::table(&st.db, &st.uhr, &*lesemodell(st).await?, kind, q, page).await?,
            f,
            kind.key(),
        ),
    }
}

/// Themenfelder.
#[utoipa::path(get, path = "/api/v1/themenfelder", params(ListQuery), responses((status = 200, body = Paged<ThemenfeldItem>), (status = 400, body = ApiFehler)))]
async fn themenfelder(State(st): State<AppState>, Query(q): Query<ListQuery>) -> Antwort {
    let page = Page::parse(&q, 25)?;
    let data = listen::themenfelder(&st.db, &q, page).await?;
    list_or_download(&st, ListKind::Themenfelder, &q, page, data).await
}

/// One Themenfeld (by slug or id).
#[utoipa::path(get, path = "/api/v1/themenfelder/{id}", params(("id" = String, Path, description = "Slug oder ID")), responses((status = 200, body = ThemenfeldItem), (status = 404, body = ApiFehler)))]
async fn themenfeld(State(st): State<AppState>, Path(id): Path<String>) -> Antwort {
    let t = listen::themenfeld(&st.db, &id)
        .await?
        .ok_or_else(|| Fehler::nicht_gefunden(format!("Themenfeld „{id}“ gibt es nicht")))?;
    Ok(Json(t).into_response())
}

/// Lagen.
#[utoipa::path(get, path = "/api/v1/lagen", params(ListQuery), responses((status = 200, body = Paged<LageItem>), (status = 400, body = ApiFehler)))]
async fn lagen(State(st): State<AppState>, Query(q): Query<ListQuery>) -> Antwort {
    let page = Page::parse(&q, 25)?;
    let data = listen::lagen(&st.db, &q, page).await?;
    list_or_download(&st, ListKind::Lagen, &q, page, data).await
}

/// One Lage.
#[utoipa::path(get, path = "/api/v1/lagen/{id}", params(("id" = String, Path, description = "Slug oder ID")), responses((status = 200, body = LageItem), (status = 404, body = ApiFehler)))]
async fn lage(State(st): State<AppState>, Path(id): Path<String>) -> Antwort {
    let l = listen::lage(&st.db, &id)
        .await?
        .ok_or_else(|| Fehler::nicht_gefunden(format!("Lage „{id}“ gibt es nicht")))?;
    Ok(Json(l).into_response())
}

/// OZG-Leistungen.
#[utoipa::path(get, path = "/api/v1/ozg-leistungen", params(ListQuery), responses((status = 200, body = Paged<OzgLeistungItem>), (status = 400, body = ApiFehler)))]
async fn ozg_leistungen(State(st): State<AppState>, Query(q): Query<ListQuery>) -> Antwort {
    let page = Page::parse(&q, 25)?;
    let data = listen::ozg_leistungen(&st.db, &q, page).await?;
    list_or_download(&st, ListKind::OzgLeistungen, &q, page, data).await
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
#[utoipa::path(get, path = "/api/v1/ozg-leistungen/{id}", params(("id" = String, Path, description = "OZG-ID")), responses((status = 200, body = OzgDetail), (status = 400, body = ApiFehler), (status = 404, body = ApiFehler)))]
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
#[utoipa::path(get, path = "/api/v1/leika-leistungen", params(ListQuery), responses((status = 200, body = Paged<LeikaItem>), (status = 400, body = ApiFehler)))]
async fn leika_leistungen(State(st): State<AppState>, Query(q): Query<ListQuery>) -> Antwort {
    let page = Page::parse(&q, 25)?;
    let data = listen::leika_leistungen(&st.db, &q, page).await?;
    list_or_download(&st, ListKind::LeikaLeistungen, &q, page, data).await
}

/// One LeiKa-Leistung.
#[utoipa::path(get, path = "/api/v1/leika-leistungen/{id}", params(("id" = i64, Path, description = "ID")), responses((status = 200, body = LeikaItem), (status = 404, body = ApiFehler)))]
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
#[utoipa::path(get, path = "/api/v1/organisationen", params(ListQuery), responses((status = 200, body = Paged<OrganisationItem>), (status = 400, body = ApiFehler)))]
async fn organisationen(State(st): State<AppState>, Query(q): Query<ListQuery>) -> Antwort {
    let page = Page::parse(&q, 25)?;
    let data = listen::organisationen(&st.db, &q, page).await?;
    list_or_download(&st, ListKind::Organisationen, &q, page, data).await
}

/// An organisation with its projects.
#[derive(Serialize, ToSchema)]
struct OrgDetail {
    #[serde(flatten)]
    organisation: OrganisationItem,
    umsetzungsprojekte: Vec<OrgProjekt>,
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/organisationen/{id}", params(("id" = String, Path, description = "Slug")), responses((status = 200, body = OrgDetail), (status = 404, body = ApiFehler)))]
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
#[utoipa::path(get, path = "/api/v1/umsetzungsprojekte", params(ListQuery), responses((status = 200, body = Paged<ProjektItem>), (status = 400, body = ApiFehler)))]
async fn umsetzungsprojekte(State(st): State<AppState>, Query(q): Query<ListQuery>) -> Antwort {
    let page = Page::parse(&q, 25)?;
    let model = lesemodell(&st).await?;
    let f = listen::projekt_filter(&model, &q)?;
    let data = listen::projekte(&model, &f, page, &st.uhr.heute_iso());
    list_or_download(&st, ListKind::Umsetzungsprojekte, &q, page, data).await
}

/// One Umsetzungsprojekt.
#[utoipa::path(get, path = "/api/v1/umsetzungsprojekte/{id}", params(("id" = String, Path, description = "Slug")), responses((status = 200, body = ProjektDetail), (status = 404, body = ApiFehler)))]
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
    /// Suchbegriff.
    q: Option<String>,
}

/// Full-text search, grouped by kind.
#[utoipa::path(get, path = "/api/v1/suche", params(SuchQuery), responses((status = 200, body = Results), (status = 400, body = ApiFehler)))]
async fn suche(State(st): State<AppState>, Query(sq): Query<SuchQuery>) -> Antwort {
    let q = sq.q.unwrap_or_default();
    if q.trim().is_empty() || q.chars().count() > 200 {
        return Err(Fehler::feld(
            "q",
            "ein Suchbegriff mit 1 bis 200 Zeichen ist nötig",
        ));
    }
    Ok(Json(suche::search(&lesemodell(&st).await?.search, q.trim(), 25)).into_response())
}
