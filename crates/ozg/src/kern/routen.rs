//! Route declaration: a capability declares each page it reads and each form it writes in one
//! place, a write route together with the [`Aktion`] it needs. The table of write routes (for
//! the permission check of every form and for the authorisation tests) is built from these
//! declarations; API operations are declared with their OpenAPI description (utoipa-axum), so
//! the document and the routes cannot drift apart.

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{get, post};
use ozg_domain::access::Aktion;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::kern::fehler::problem_json;
use crate::kern::schreibrouten::{RoutenTabelle, SchreibRoute, Zugang};
use crate::kern::zustand::AppState;

/// The routes of a capability (or of the whole portal, merged).
pub struct Routen {
    router: OpenApiRouter<AppState>,
    schreibend: Vec<SchreibRoute>,
    lesend: Vec<SchreibRoute>,
}

impl Default for Routen {
    fn default() -> Self {
        Routen::new()
    }
}

impl Routen {
    /// No routes.
    pub fn new() -> Routen {
        Routen {
            router: OpenApiRouter::new(),
            schreibend: Vec::new(),
            lesend: Vec::new(),
        }
    }

    /// A GET route: a page, a download or a redirect. It never writes.
    pub fn lesen<H, T>(mut self, pfad: &'static str, h: H) -> Routen
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(pfad, get(h));
        self
    }

    /// A GET route only for citizens or staff ([`Zugang::Buerger`], [`Zugang::Behoerde`]):
    /// the portal's extractor refuses everyone else before the handler runs.
    pub fn lesen_fuer<H, T>(mut self, pfad: &'static str, zugang: Zugang, h: H) -> Routen
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.lesend.push(SchreibRoute { pfad, zugang });
        self.router = self.router.route(pfad, get(h));
        self
    }

    /// A POST route (a form) that needs `aktion` (`None`: open to everyone).
    pub fn schreiben<H, T>(self, pfad: &'static str, aktion: Option<Aktion>, h: H) -> Routen
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.schreiben_fuer(pfad, aktion.into(), h)
    }

    /// A POST route (a form) for whom `zugang` admits.
    pub fn schreiben_fuer<H, T>(mut self, pfad: &'static str, zugang: Zugang, h: H) -> Routen
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.schreibend.push(SchreibRoute { pfad, zugang });
        self.router = self.router.route(pfad, post(h));
        self
    }

    /// A POST route that takes a file upload of up to `max_bytes` (plus the form's framing).
    pub fn hochladen<H, T>(
        self,
        pfad: &'static str,
        aktion: Option<Aktion>,
        max_bytes: usize,
        h: H,
    ) -> Routen
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.hochladen_fuer(pfad, aktion.into(), max_bytes, h)
    }

    /// A POST route with a file upload for whom `zugang` admits.
    pub fn hochladen_fuer<H, T>(
        mut self,
        pfad: &'static str,
        zugang: Zugang,
        max_bytes: usize,
        h: H,
    ) -> Routen
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.schreibend.push(SchreibRoute { pfad, zugang });
        self.router = self.router.route(
            pfad,
            post(h).layer(DefaultBodyLimit::max(max_bytes + 256 * 1024)),
        );
        self
    }

    /// API operations (read-only), each documented by its `#[utoipa::path]`:
    /// `.api(routes!(handler))`.
    /// Their errors answer as problem details (RFC 9457), see [`problem_json`].
    pub fn api(mut self, (schemas, pfade, r): UtoipaMethodRouter<AppState>) -> Routen {
        let r = r.layer(axum::middleware::map_response(problem_json));
        self.router = self.router.routes((schemas, pfade, r));
        self
    }

    /// These routes and `andere`.
    pub fn mit(mut self, andere: Routen) -> Routen {
        self.router = self.router.merge(andere.router);
        self.schreibend.extend(andere.schreibend);
        self.lesend.extend(andere.lesend);
        self
    }

    /// The router, the OpenAPI document of its API operations, and the write-route table.
    pub fn zerlegen(
        self,
    ) -> (
        axum::Router<AppState>,
        utoipa::openapi::OpenApi,
        RoutenTabelle,
    ) {
        let (router, api) = self.router.split_for_parts();
        (
            router,
            api,
            RoutenTabelle::new(self.schreibend, self.lesend),
        )
    }
}

/// The OpenAPI document of all declared API routes (JSON), as assembled at start; the
/// capability that serves it adds what depends on the data.
#[derive(Default)]
pub struct ApiDokument(pub std::sync::Arc<String>);
