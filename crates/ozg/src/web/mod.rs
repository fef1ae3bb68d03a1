//! The public portal: server-rendered HTML that works without JavaScript.

mod anhaenge;
mod bearbeiten;
mod lenkungsausschuss;
mod pages;
mod partner;
mod plan;
mod steckbrief;
mod verlauf;

pub use plan::plan_html;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

use std::sync::Arc;

use crate::db::Db;
use crate::programme::export::Table;
use crate::programme::lists::{BadParam, Format, ListError, ListQuery, Page};
use crate::programme::model::{ModelCache, ReadModel};

/// Shared state of all handlers. Holds nothing but the database handle, so any number of
/// instances can serve the same PostgreSQL database.
#[derive(Clone)]
pub struct AppState {
    /// Database.
    pub db: Db,
    /// Read model cache (derived from the database, see `programme::model`).
    pub models: ModelCache,
    /// PDF renders, one at a time, and the last result.
    pub pdf: Arc<plan::PdfQueue>,
    /// Outgoing mail (None: sending is not configured).
    pub mail: Option<crate::mail::SmtpConfig>,
    /// The portal's public address, for links in e-mails.
    pub basis_url: String,
    /// Where attachments are stored (outside anything served directly).
    pub ablage: crate::programme::anhaenge::Ablage,
}

impl AppState {
    /// New state.
    pub fn new(db: Db) -> Self {
        AppState {
            db,
            models: ModelCache::default(),
            pdf: Arc::new(plan::PdfQueue::new()),
            mail: None,
            basis_url: "http://127.0.0.1:8080".into(),
            ablage: crate::programme::anhaenge::Ablage("./ozg-daten/anhaenge".into()),
        }
    }

    /// The same state with attachments stored in `dir`.
    pub fn with_ablage(mut self, dir: std::path::PathBuf) -> Self {
        self.ablage = crate::programme::anhaenge::Ablage(dir);
        self
    }

    /// The same state with outgoing mail and the public address for links.
    pub fn with_mail(mut self, mail: Option<crate::mail::SmtpConfig>, basis_url: &str) -> Self {
        self.mail = mail;
        self.basis_url = basis_url.trim_end_matches('/').to_owned();
        self
    }

    /// The read model for the database's current revision.
    pub async fn model(&self) -> anyhow::Result<Arc<ReadModel>> {
        self.models.get(&self.db).await
    }
}

/// The Content-Security-Policy: only our own resources, no inline scripts or styles.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; \
    frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// All routes: portal pages, static assets, the JSON API and its OpenAPI document.
pub fn router(state: AppState) -> Router {
    let h = |name: &'static str, v: &'static str| {
        SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(v),
        )
    };
    pages::routes()
        .merge(plan::routes())
        .merge(bearbeiten::routes())
        .merge(partner::routes())
        .merge(lenkungsausschuss::routes())
        .merge(anhaenge::routes())
        .merge(verlauf::routes())
        .merge(steckbrief::routes())
        .merge(crate::members::web::routes())
        .merge(crate::api::routes())
        .route("/health", get(|| async { "ok" }))
        .route("/static/style.css", get(css))
        .route("/static/favicon.svg", get(favicon))
        .fallback(pages::not_found)
        .with_state(state)
        .layer(h("content-security-policy", CSP))
        .layer(h("x-content-type-options", "nosniff"))
        .layer(h("x-frame-options", "DENY"))
        .layer(h("referrer-policy", "same-origin"))
        .layer(h(
            "permissions-policy",
            "geolocation=(), camera=(), microphone=()",
        ))
        .layer(h("cross-origin-opener-policy", "same-origin"))
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/style.css"),
    )
        .into_response()
}

async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../assets/favicon.svg"),
    )
        .into_response()
}

/// A table as a download.
pub fn download(table: &Table, format: Format, basename: &str) -> Response {
    let (bytes, ctype, ext) = match format {
        Format::Csv => (table.to_csv(), "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            table.to_xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Default => (
            serde_json::to_vec(&table.to_json()).map_err(Into::into),
            "application/json",
            "json",
        ),
    };
    match bytes {
        Ok(b) => Response::builder()
            .header(header::CONTENT_TYPE, ctype)
            .header(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{basename}.{ext}\""),
            )
            .body(Body::from(b))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        Err(e) => {
            tracing::error!("Export fehlgeschlagen: {e:#}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
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
            q.pro_seite = Some("500".into());
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

/// Errors of page handlers, rendered as HTML pages with ways back.
#[derive(Debug)]
pub enum PageError {
    /// 404.
    NotFound(String),
    /// 400.
    BadRequest(BadParam),
    /// 403 with the reason.
    Forbidden(String),
    /// 500.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        PageError::Internal(e)
    }
}
impl From<BadParam> for PageError {
    fn from(e: BadParam) -> Self {
        PageError::BadRequest(e)
    }
}
impl From<ListError> for PageError {
    fn from(e: ListError) -> Self {
        match e {
            ListError::Bad(b) => PageError::BadRequest(b),
            ListError::Internal(e) => PageError::Internal(e),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message, art) = match self {
            PageError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "Seite nicht gefunden".to_owned(),
                what,
                "warning",
            ),
            PageError::BadRequest(b) => (
                StatusCode::BAD_REQUEST,
                "Ungültige Angabe".to_owned(),
                b.to_string(),
                "warning",
            ),
            PageError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                "Kein Zugriff".to_owned(),
                why,
                "warning",
            ),
            PageError::Internal(e) => {
                tracing::error!("interner Fehler: {e:#}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Interner Fehler".to_owned(),
                    "Die Seite konnte nicht erstellt werden. Bitte versuchen Sie es später erneut."
                        .to_owned(),
                    "danger",
                )
            }
        };
        (
            status,
            pages::ErrorPage {
                title,
                message,
                art,
                nav: "",
            },
        )
            .into_response()
    }
}
