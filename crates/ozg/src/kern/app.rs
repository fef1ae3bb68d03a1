//! Building the portal from its capabilities: each capability hands in a [`Baustein`] (its
//! routes, scheduled tasks and attachment owners); the core adds what every page shares
//! (security headers, assets, attachments, the OpenAPI document, the 404 page) and renders errors of API routes as problem details.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use ozg_domain::access::Aktion;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;

use crate::kern::anhang::{self, AnhangBesitzer, Besitzer};
use crate::kern::fehler::{Fehler, problem_json};
use crate::kern::hintergrund::Aufgabe;
use crate::kern::routen::Routen;
use crate::kern::schreibrouten::RoutenTabelle;
use crate::kern::zustand::AppState;

/// What a capability contributes to the portal.
pub struct Baustein {
    /// Name (for the log).
    pub name: &'static str,
    /// Its pages, forms and API operations.
    pub routen: Routen,
    /// Its scheduled tasks.
    pub aufgaben: Vec<Aufgabe>,
    /// The kinds of its records that own attachments.
    pub anhang_besitzer: Vec<Besitzer>,
}

impl Baustein {
    /// A capability with routes only.
    pub fn new(name: &'static str, routen: Routen) -> Baustein {
        Baustein {
            name,
            routen,
            aufgaben: Vec::new(),
            anhang_besitzer: Vec::new(),
        }
    }

    /// With a scheduled task.
    pub fn aufgabe(mut self, a: Aufgabe) -> Baustein {
        self.aufgaben.push(a);
        self
    }

    /// With an owner of attachments.
    pub fn anhaenge(mut self, b: Besitzer) -> Baustein {
        self.anhang_besitzer.push(b);
        self
    }
}

/// The Content-Security-Policy: only our own resources, no inline scripts or styles.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; \
    frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// The OpenAPI document's description of the product.
#[derive(OpenApi)]
#[openapi(info(
    title = "OZG-Plattform NRW API",
    version = "1.0.0",
    description = "Lesende API der Programmdatenbank zur kommunalen OZG-Umsetzung in NRW."
))]
struct ApiInfo;

/// The assembled portal: its router, the state it was built with, and the scheduled tasks of
/// its capabilities.
pub struct Portal {
    /// All routes, with state and layers.
    pub router: Router,
    /// The state (with the route table and attachment owners filled in).
    pub state: AppState,
    /// Scheduled tasks.
    pub aufgaben: Vec<Aufgabe>,
    /// The OpenAPI document (JSON).
    pub openapi: Arc<String>,
}

/// The core's own routes: health, assets and attachments.
fn kern_routen() -> Routen {
    Routen::new()
        .lesen("/health", || async { "ok" })
        .lesen("/static/style.css", css)
        .lesen("/static/favicon.svg", favicon)
        .lesen("/anhaenge/{id}/{name}", anhang::ausliefern)
        .schreiben(
            "/anhaenge/{id}/entfernen",
            Some(Aktion::ProjektBearbeiten),
            anhang::entfernen,
        )
}

/// Builds the portal from the capabilities' contributions.
pub fn portal(mut state: AppState, bausteine: Vec<Baustein>) -> Portal {
    let mut routen = kern_routen();
    // The core's own task: the outbox.
    let mut aufgaben = vec![
        Aufgabe {
            name: "E-Mails zustellen",
            takt: std::time::Duration::from_secs(15),
            lauf: crate::kern::postausgang::aufgabe,
        },
        Aufgabe {
            name: "alte E-Mails löschen",
            takt: std::time::Duration::from_secs(3600),
            lauf: |st| Box::pin(crate::kern::postausgang::aufraeumen(st)),
        },
        Aufgabe {
            name: "alte Sicherheitsereignisse löschen",
            takt: std::time::Duration::from_secs(3600),
            lauf: crate::kern::sicherheit::aufraeumen,
        },
    ];
    let mut besitzer = Vec::new();
    for b in bausteine {
        tracing::debug!("Baustein {}", b.name);
        routen = routen.mit(b.routen);
        aufgaben.extend(b.aufgaben);
        besitzer.extend(b.anhang_besitzer);
    }
    let (router, mut api, tabelle): (Router<AppState>, _, RoutenTabelle) = routen.zerlegen();
    api.info = ApiInfo::openapi().info;
    let openapi = Arc::new(api.to_json().unwrap_or_else(|_| "{}".into()));
    state.routen = Arc::new(tabelle);
    state.erweiterung_setzen(AnhangBesitzer(besitzer));
    state.erweiterung_setzen(crate::kern::routen::ApiDokument(openapi.clone()));
    let h = |name: &'static str, v: &'static str| {
        SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(v),
        )
    };
    let router = router
        .fallback(nicht_gefunden)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn(auf_deutsch))
        .layer(crate::kern::sicherheit::Schicht(state.clone()))
        .layer(h("content-security-policy", CSP))
        .layer(h("x-content-type-options", "nosniff"))
        .layer(h("x-frame-options", "DENY"))
        .layer(h("referrer-policy", "same-origin"))
        .layer(h(
            "permissions-policy",
            "geolocation=(), camera=(), microphone=()",
        ))
        .layer(h("cross-origin-opener-policy", "same-origin"))
        .layer(komprimieren());
    // Only when configured: a browser remembers it for a year, so it must be right.
    let router = if state.hsts {
        router.layer(h(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        router
    };
    Portal {
        router,
        state,
        aufgaben,
        openapi,
    }
}

/// axum's own refusals (a path segment that is no number, a form body it cannot read, a
/// method the route does not take) answer in English plain text: as a German error page.
/// Only plain-text 4xx answers are touched (every answer of ours is HTML or JSON), and not
/// under `/api/`, whose errors are problem JSON.
async fn auf_deutsch(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let r = next.run(req).await;
    if api {
        return r;
    }
    let status = r.status();
    // axum's refusals are plain text, or empty without a type (405).
    let text = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !text {
        return r;
    }
    let meldung = match status.as_u16() {
        405 => "Diese Aktion ist unter dieser Adresse nicht möglich.",
        413 => "Die Anfrage ist zu groß.",
        415 | 422 => {
            "Das Formular konnte nicht gelesen werden. Bitte laden Sie die Seite neu und senden Sie es erneut."
        }
        _ => {
            "Diese Adresse ist ungültig: Ein Teil davon hat nicht die erwartete Form (zum Beispiel eine Nummer)."
        }
    };
    let mut neu = if status.as_u16() == 404 {
        Fehler::nicht_gefunden(meldung).into_response()
    } else {
        Fehler::feld("Anfrage", meldung).into_response()
    };
    *neu.status_mut() = status;
    neu
}

/// gzip (level 4) for text answers built per request (the plan page is about 100 KB of HTML);
/// not for files that are compressed already (PDF, XLSX, images). Not brotli per request: in
/// one run it served 0.31–0.45 of the uncompressed throughput against gzip's 0.66–0.70, for
/// 1–5 % fewer bytes (docs/benchmarks.md); the stylesheet comes brotli-compressed once.
fn komprimieren() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(
            DefaultPredicate::new()
                .and(NotForContentType::const_new("application/pdf"))
                .and(NotForContentType::const_new(
                    "application/vnd.openxmlformats",
                ))
                .and(NotForContentType::const_new("application/zip")),
        )
}

async fn nicht_gefunden(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        problem_json(
            Fehler::nicht_gefunden("Diese API-Adresse gibt es nicht; siehe /api/openapi.json")
                .into_response(),
        )
        .await
    } else {
        Fehler::nicht_gefunden(format!("Unter {} gibt es keine Seite.", uri.path())).into_response()
    }
}

const STIL: &str = include_str!("assets/style.css");

/// A content hash of the stylesheet (FNV-1a), in its address (`/static/style.css?v=…`) and
/// as its ETag: a changed stylesheet has a new address, so browsers may keep it for a year.
pub const STIL_VERSION: u64 = {
    let b = STIL.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < b.len() {
        h ^= b[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
};

/// The stylesheet compressed once, at the best setting (it never changes while the portal
/// runs, so the slow setting pays off; answers built per request use gzip at level 4):
/// (brotli, gzip); an empty one if compressing failed (then the plain stylesheet is served).
fn stil_komprimiert() -> &'static (Vec<u8>, Vec<u8>) {
    use std::io::Write;
    static FERTIG: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    FERTIG.get_or_init(|| {
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            ..Default::default()
        };
        if brotli::BrotliCompress(&mut STIL.as_bytes(), &mut br, &params).is_err() {
            br.clear();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gz = match gz.write_all(STIL.as_bytes()) {
            Ok(()) => gz.finish().unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        (br, gz)
    })
}

async fn css(headers: axum::http::HeaderMap, uri: Uri) -> Response {
    let angeboten = |name: &str| {
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',').any(|t| {
                    let mut teile = t.split(';');
                    teile.next().is_some_and(|k| k.trim() == name)
                        && !teile.any(|q| q.trim().replace(' ', "") == "q=0")
                })
            })
    };
    let (br, gz) = stil_komprimiert();
    let (kodierung, koerper): (Option<&str>, &'static [u8]) = if angeboten("br") && !br.is_empty() {
        (Some("br"), br)
    } else if angeboten("gzip") && !gz.is_empty() {
        (Some("gzip"), gz)
    } else {
        (None, STIL.as_bytes())
    };
    let etag = match kodierung {
        Some(k) => format!("\"{STIL_VERSION:x}-{k}\""),
        None => format!("\"{STIL_VERSION:x}\""),
    };
    let aktuell = uri.query() == Some(format!("v={STIL_VERSION}").as_str());
    // Only the hashed address may be kept for long; the bare one is revalidated.
    let cache = if aktuell {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let gleich = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut kopf = vec![
        (header::CONTENT_TYPE, "text/css; charset=utf-8".to_owned()),
        (header::CACHE_CONTROL, cache.to_owned()),
        (header::ETAG, etag),
        (header::VARY, "accept-encoding".to_owned()),
    ];
    if gleich {
        return (
            axum::http::StatusCode::NOT_MODIFIED,
            axum::response::AppendHeaders(kopf),
        )
            .into_response();
    }
    if let Some(k) = kodierung {
        kopf.push((header::CONTENT_ENCODING, k.to_owned()));
    }
    (axum::response::AppendHeaders(kopf), koerper).into_response()
}

async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("assets/favicon.svg"),
    )
        .into_response()
}
