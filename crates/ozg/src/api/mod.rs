//! The versioned, read-only JSON API under `/api/v1` and its OpenAPI document.
//!
//! Lists answer `{"total": N, "items": [...]}` with the same filters as the portal
//! (`seite`, `pro_seite` default 25) and `format=csv|xlsx` for downloads. Errors answer
//! `{"fehler": "...", "parameter": "..."}` with 400 or 404.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ozg_domain::ids::OzgId;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::programme::details::{self, LeistungProjekt, OrgProjekt, ProjektDetail};
use crate::programme::lists::{
    self, BadParam, Format, LageItem, LeikaItem, ListError, ListKind, ListQuery, OrganisationItem,
    OzgLeistungItem, Page, Paged, ProjektItem, ThemenfeldItem,
};
use crate::programme::search::{self, Results};
use crate::web::{AppState, download};

/// An API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// German message.
    pub fehler: String,
    /// The parameter at fault, if any.
    pub parameter: Option<String>,
}

enum Error {
    NotFound(String),
    Bad(BadParam),
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Internal(e)
    }
}
impl From<BadParam> for Error {
    fn from(e: BadParam) -> Self {
        Error::Bad(e)
    }
}
impl From<ListError> for Error {
    fn from(e: ListError) -> Self {
        match e {
            ListError::Bad(b) => Error::Bad(b),
            ListError::Internal(e) => Error::Internal(e),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Error::NotFound(m) => (
                StatusCode::NOT_FOUND,
                ApiError {
                    fehler: m,
                    parameter: None,
                },
            ),
            Error::Bad(b) => (
                StatusCode::BAD_REQUEST,
                ApiError {
                    fehler: b.to_string(),
                    parameter: Some(b.param),
                },
            ),
            Error::Internal(e) => {
                tracing::error!("API-Fehler: {e:#}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ApiError {
                        fehler: "interner Fehler".into(),
                        parameter: None,
                    },
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

type ApiResult = Result<Response, Error>;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/themenfelder", get(themenfelder))
        .route("/api/v1/themenfelder/{id}", get(themenfeld))
        .route("/api/v1/lagen", get(lagen))
        .route("/api/v1/lagen/{id}", get(lage))
        .route("/api/v1/ozg-leistungen", get(ozg_leistungen))
        .route("/api/v1/ozg-leistungen/{id}", get(ozg_leistung))
        .route("/api/v1/leika-leistungen", get(leika_leistungen))
        .route("/api/v1/leika-leistungen/{id}", get(leika_leistung))
        .route("/api/v1/organisationen", get(organisationen))
        .route("/api/v1/organisationen/{id}", get(organisation))
        .route("/api/v1/umsetzungsprojekte", get(umsetzungsprojekte))
        .route("/api/v1/umsetzungsprojekte/{id}", get(umsetzungsprojekt))
        .route("/api/v1/suche", get(suche))
        .fallback(|| async {
            Error::NotFound("Diese API-Adresse gibt es nicht; siehe /api/openapi.json".into())
        })
}

async fn list_or_download<T: Serialize>(
    st: &AppState,
    kind: ListKind,
    q: &ListQuery,
    page: Page,
    data: Paged<T>,
) -> ApiResult {
    match Format::parse(q, "json")? {
        Format::Default => Ok(Json(data).into_response()),
        f => Ok(download(
            &lists::table(&st.db, &*st.model().await?, kind, q, page).await?,
            f,
            kind.key(),
        )),
    }
}

/// Themenfelder.
#[utoipa::path(get, path = "/api/v1/themenfelder", params(ListQuery), responses((status = 200, body = Paged<ThemenfeldItem>), (status = 400, body = ApiError)))]
async fn themenfelder(State(st): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult {
    let page = Page::parse(&q, 25)?;
    let data = lists::themenfelder(&st.db, &q, page).await?;
    list_or_download(&st, ListKind::Themenfelder, &q, page, data).await
}

/// One Themenfeld (by slug or id).
#[utoipa::path(get, path = "/api/v1/themenfelder/{id}", params(("id" = String, Path, description = "Slug oder ID")), responses((status = 200, body = ThemenfeldItem), (status = 404, body = ApiError)))]
async fn themenfeld(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let t = lists::themenfeld(&st.db, &id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("Themenfeld „{id}“ gibt es nicht")))?;
    Ok(Json(t).into_response())
}

/// Lagen.
#[utoipa::path(get, path = "/api/v1/lagen", params(ListQuery), responses((status = 200, body = Paged<LageItem>), (status = 400, body = ApiError)))]
async fn lagen(State(st): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult {
    let page = Page::parse(&q, 25)?;
    let data = lists::lagen(&st.db, &q, page).await?;
    list_or_download(&st, ListKind::Lagen, &q, page, data).await
}

/// One Lage.
#[utoipa::path(get, path = "/api/v1/lagen/{id}", params(("id" = String, Path, description = "Slug oder ID")), responses((status = 200, body = LageItem), (status = 404, body = ApiError)))]
async fn lage(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let l = lists::lage(&st.db, &id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("Lage „{id}“ gibt es nicht")))?;
    Ok(Json(l).into_response())
}

/// OZG-Leistungen.
#[utoipa::path(get, path = "/api/v1/ozg-leistungen", params(ListQuery), responses((status = 200, body = Paged<OzgLeistungItem>), (status = 400, body = ApiError)))]
async fn ozg_leistungen(State(st): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult {
    let page = Page::parse(&q, 25)?;
    let data = lists::ozg_leistungen(&st.db, &q, page).await?;
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
#[utoipa::path(get, path = "/api/v1/ozg-leistungen/{id}", params(("id" = String, Path, description = "OZG-ID")), responses((status = 200, body = OzgDetail), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
async fn ozg_leistung(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let oid = OzgId::parse(&id).map_err(|e| {
        Error::Bad(BadParam {
            param: "id".into(),
            message: e.0,
        })
    })?;
    let leistung = lists::ozg_leistung(&st.db, oid)
        .await?
        .ok_or_else(|| Error::NotFound(format!("OZG-Leistung {oid} gibt es nicht")))?;
    let leika = lists::leika_of(&st.db, oid).await?;
    let umsetzungsprojekte = details::leistung_projekte(&st.db, leistung.ozg_id).await?;
    Ok(Json(OzgDetail {
        leistung,
        leika,
        umsetzungsprojekte,
    })
    .into_response())
}

/// LeiKa-Leistungen.
#[utoipa::path(get, path = "/api/v1/leika-leistungen", params(ListQuery), responses((status = 200, body = Paged<LeikaItem>), (status = 400, body = ApiError)))]
async fn leika_leistungen(State(st): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult {
    let page = Page::parse(&q, 25)?;
    let data = lists::leika_leistungen(&st.db, &q, page).await?;
    list_or_download(&st, ListKind::LeikaLeistungen, &q, page, data).await
}

/// One LeiKa-Leistung.
#[utoipa::path(get, path = "/api/v1/leika-leistungen/{id}", params(("id" = i64, Path, description = "ID")), responses((status = 200, body = LeikaItem), (status = 404, body = ApiError)))]
async fn leika_leistung(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let found = match id.parse::<i64>() {
        Ok(n) => lists::leika_leistung(&st.db, n).await?,
        Err(_) => None,
    };
    let k = found.ok_or_else(|| Error::NotFound(format!("LeiKa-Leistung „{id}“ gibt es nicht")))?;
    Ok(Json(k).into_response())
}

/// Organisationen.
#[utoipa::path(get, path = "/api/v1/organisationen", params(ListQuery), responses((status = 200, body = Paged<OrganisationItem>), (status = 400, body = ApiError)))]
async fn organisationen(State(st): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult {
    let page = Page::parse(&q, 25)?;
    let data = lists::organisationen(&st.db, &q, page).await?;
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
#[utoipa::path(get, path = "/api/v1/organisationen/{id}", params(("id" = String, Path, description = "Slug")), responses((status = 200, body = OrgDetail), (status = 404, body = ApiError)))]
async fn organisation(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let organisation = lists::organisation(&st.db, &id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("Organisation „{id}“ gibt es nicht")))?;
    let umsetzungsprojekte = details::org_projekte(&st.db, organisation.id).await?;
    Ok(Json(OrgDetail {
        organisation,
        umsetzungsprojekte,
    })
    .into_response())
}

/// Umsetzungsprojekte.
#[utoipa::path(get, path = "/api/v1/umsetzungsprojekte", params(ListQuery), responses((status = 200, body = Paged<ProjektItem>), (status = 400, body = ApiError)))]
async fn umsetzungsprojekte(State(st): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult {
    let page = Page::parse(&q, 25)?;
    let today = lists::today();
    let model = st.model().await?;
    let f = lists::projekt_filter(&model, &q)?;
    let data = lists::projekte(&model, &f, page, &today);
    list_or_download(&st, ListKind::Umsetzungsprojekte, &q, page, data).await
}

/// One Umsetzungsprojekt.
#[utoipa::path(get, path = "/api/v1/umsetzungsprojekte/{id}", params(("id" = String, Path, description = "Slug")), responses((status = 200, body = ProjektDetail), (status = 404, body = ApiError)))]
async fn umsetzungsprojekt(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let p = details::projekt(&st.db, &*st.model().await?, &id, &lists::today())
        .await?
        .ok_or_else(|| Error::NotFound(format!("Umsetzungsprojekt „{id}“ gibt es nicht")))?;
    Ok(Json(p).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SuchQuery {
    /// Suchbegriff.
    q: Option<String>,
}

/// Full-text search, grouped by kind.
#[utoipa::path(get, path = "/api/v1/suche", params(SuchQuery), responses((status = 200, body = Results), (status = 400, body = ApiError)))]
async fn suche(State(st): State<AppState>, Query(sq): Query<SuchQuery>) -> ApiResult {
    let q = sq.q.unwrap_or_default();
    if q.trim().is_empty() || q.chars().count() > 200 {
        return Err(Error::Bad(BadParam {
            param: "q".into(),
            message: "ein Suchbegriff mit 1 bis 200 Zeichen ist nötig".into(),
        }));
    }
    Ok(Json(search::search(&*st.model().await?, q.trim(), 25)).into_response())
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "OZG-Plattform NRW API",
        version = "1.0.0",
        description = "Lesende API der Programmdatenbank zur kommunalen OZG-Umsetzung in NRW."
    ),
    paths(
        themenfelder,
        themenfeld,
        lagen,
        lage,
        ozg_leistungen,
        ozg_leistung,
        leika_leistungen,
        leika_leistung,
        organisationen,
        organisation,
        umsetzungsprojekte,
        umsetzungsprojekt,
        suche
    )
)]
pub struct ApiDoc;

async fn openapi() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(s) => ([(axum::http::header::CONTENT_TYPE, "application/json")], s).into_response(),
        Err(e) => Error::Internal(e.into()).into_response(),
    }
}
