//! Pages and form handlers of the members' area, the session extractor and CSRF protection.
//!
//! Every state-changing request is a POST whose form passes [`Formular`]: the hidden `_csrf`
//! field must equal the session's token (or, before login, the `__Host-ozg_csrf` cookie), and an
//! `Origin` header, when sent, must name this host. Cookies are `Secure`, `HttpOnly` and
//! `SameSite=Lax` with the `__Host-` prefix.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ozg_domain::access::{Aktion, SITZUNG_HOECHSTENS_MIN, darf};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::members::accounts::{self, Feldfehler, Konto, NeuesKonto, Sitzung};
use crate::members::audit;
use crate::programme::plan_stand;
use crate::web::{AppState, PageError};

/// Session cookie.
pub const SITZUNG_COOKIE: &str = "__Host-ozg_sitzung";
/// CSRF cookie for forms sent before login.
pub const CSRF_COOKIE: &str = "__Host-ozg_csrf";

/// Every POST route with the action it needs (`None`: open to everyone, e.g. the login form).
/// The authorisation test walks this table for every role; a POST route missing here fails it.
pub const SCHREIBENDE_ROUTEN: &[(&str, Option<Aktion>)] = &[
    ("/anmelden", None),
    ("/abmelden", None),
    ("/einladung/{token}", None),
    ("/konto/passwort", Some(Aktion::EigenesPasswortAendern)),
    ("/verwaltung/konten", Some(Aktion::KontenVerwalten)),
    (
        "/verwaltung/konten/{id}/deaktivieren",
        Some(Aktion::KontenVerwalten),
    ),
    ("/umsetzungsplan/staende", Some(Aktion::StandAnlegen)),
    (
        "/projekte/{slug}/bearbeiten",
        Some(Aktion::ProjektBearbeiten),
    ),
    ("/prioritaeten/{slug}", Some(Aktion::PrioritaetAbstimmen)),
    (
        "/projekte/{slug}/beteiligung",
        Some(Aktion::BeteiligungMelden),
    ),
    (
        "/projekte/{slug}/beteiligung/zurueckziehen",
        Some(Aktion::BeteiligungMelden),
    ),
    (
        "/projekte/{slug}/beteiligung/bestaetigen",
        Some(Aktion::ProjektBearbeiten),
    ),
    (
        "/projekte/{slug}/partnersuche",
        Some(Aktion::ProjektBearbeiten),
    ),
    (
        "/projekte/{slug}/vortreffen",
        Some(Aktion::ProjektBearbeiten),
    ),
    ("/projekte/{slug}/vorlage", Some(Aktion::VorlageEinreichen)),
    (
        "/lenkungsausschuss/sitzungen",
        Some(Aktion::BeschlussErfassen),
    ),
    (
        "/lenkungsausschuss/vorlagen/{id}/tagesordnung",
        Some(Aktion::BeschlussErfassen),
    ),
    (
        "/lenkungsausschuss/vorlagen/{id}/beschluss",
        Some(Aktion::BeschlussErfassen),
    ),
    (
        "/lenkungsausschuss/vorlagen/{id}/umlauf",
        Some(Aktion::BeschlussErfassen),
    ),
    (
        "/lenkungsausschuss/umlauf/{id}/stimme",
        Some(Aktion::Abstimmen),
    ),
    ("/projekte/{slug}/anhaenge", Some(Aktion::ProjektBearbeiten)),
    (
        "/workshops/{id}/fotoprotokoll",
        Some(Aktion::WorkshopBearbeiten),
    ),
    ("/anhaenge/{id}/entfernen", Some(Aktion::ProjektBearbeiten)),
    ("/projekte/{slug}/kommentare", Some(Aktion::Kommentieren)),
    (
        "/projekte/{slug}/steckbrief",
        Some(Aktion::ProjektBearbeiten),
    ),
    (
        "/workshops/{id}/bearbeiten",
        Some(Aktion::WorkshopBearbeiten),
    ),
    (
        "/projekte/{slug}/beteiligte",
        Some(Aktion::ProjektBearbeiten),
    ),
    (
        "/organisationen/{slug}/bearbeiten",
        Some(Aktion::OrganisationBearbeiten),
    ),
    ("/workshops", Some(Aktion::WorkshopBearbeiten)),
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/anmelden", get(anmelden_seite).post(anmelden))
        .route("/abmelden", axum::routing::post(abmelden))
        .route(
            "/einladung/{token}",
            get(einladung_seite).post(einladung_annehmen),
        )
        .route("/konto", get(konto_seite))
        .route("/konto/passwort", axum::routing::post(passwort))
        .route("/verwaltung/konten", get(konten_seite).post(einladen))
        .route(
            "/verwaltung/konten/{id}/deaktivieren",
            axum::routing::post(deaktivieren),
        )
        .route("/verwaltung/protokoll", get(protokoll))
        .route(
            "/umsetzungsplan/staende",
            axum::routing::post(stand_anlegen),
        )
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn set_cookie(name: &str, value: &str, max_age: i64) -> (header::HeaderName, HeaderValue) {
    (
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

/// The visitor's pre-login CSRF token (from the cookie, or a new one) and whether it is new.
fn vorab_csrf(headers: &HeaderMap) -> anyhow::Result<(String, bool)> {
    Ok(
        match cookie(headers, CSRF_COOKIE).filter(|c| c.len() == 64) {
            Some(c) => (c, false),
            None => (accounts::token()?, true),
        },
    )
}

/// Sets a new pre-login CSRF token as cookie (valid one hour).
fn vorab_cookie(res: &mut Response, csrf: &str) {
    let (k, v) = set_cookie(CSRF_COOKIE, csrf, 3600);
    res.headers_mut().append(k, v);
}

/// The session of the request, if any.
pub struct Angemeldet(pub Option<Sitzung>);

impl FromRequestParts<AppState> for Angemeldet {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, PageError> {
        Ok(Angemeldet(match cookie(&parts.headers, SITZUNG_COOKIE) {
            Some(t) => accounts::sitzung(&st.db, &t).await?,
            None => None,
        }))
    }
}

/// A form that passed the CSRF check, with the session (if logged in).
pub struct Formular<T> {
    /// Session.
    pub sitzung: Option<Sitzung>,
    /// Form fields.
    pub daten: T,
    /// Client address (for login throttling).
    pub adresse: String,
}

const CSRF_FEHLER: &str = "Das Formular ist abgelaufen oder stammt nicht von dieser Seite (Schutz vor Cross-Site-Request-Forgery). Bitte laden Sie die Seite neu und senden Sie das Formular erneut.";

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Formular<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, PageError> {
        let (parts, body) = req.into_parts();
        let headers = parts.headers.clone();
        if let (Some(origin), Some(host)) = (
            headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            headers.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) && origin.split("://").nth(1) != Some(host)
        {
            return Err(PageError::Forbidden(CSRF_FEHLER.into()));
        }
        let adresse = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "lokal".into());
        let sitzung = match cookie(&headers, SITZUNG_COOKIE) {
            Some(t) => accounts::sitzung(&st.db, &t).await?,
            None => None,
        };
        let bytes = axum::body::to_bytes(body, 1 << 20).await.map_err(|_| {
            PageError::BadRequest(crate::programme::lists::bad(
                "Formular",
                "zu groß oder unvollständig",
            ))
        })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            PageError::BadRequest(crate::programme::lists::bad("Formular", "nicht lesbar"))
        })?;
        let gesendet = pairs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let erwartet = match &sitzung {
            Some(s) => Some(s.csrf.clone()),
            None => cookie(&headers, CSRF_COOKIE),
        };
        if erwartet
            .as_deref()
            .is_none_or(|e| e.is_empty() || !gleich(e, gesendet))
        {
            return Err(PageError::Forbidden(CSRF_FEHLER.into()));
        }
        let daten = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            PageError::BadRequest(crate::programme::lists::bad("Formular", e.to_string()))
        })?;
        Ok(Formular {
            sitzung,
            daten,
            adresse,
        })
    }
}

/// A multipart form (file upload) that passed the same Origin and CSRF checks as
/// [`Formular`]: the text fields and at most one file.
pub struct Hochladen {
    /// Session.
    pub sitzung: Option<Sitzung>,
    /// Text fields.
    pub felder: Vec<(String, String)>,
    /// The file field "datei": (client file name, content).
    pub datei: Option<(String, Vec<u8>)>,
}

impl Hochladen {
    /// A text field's value ("" if missing).
    pub fn feld(&self, name: &str) -> &str {
        self.felder
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

impl FromRequest<AppState> for Hochladen {
    type Rejection = PageError;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, PageError> {
        let headers = req.headers().clone();
        if let (Some(origin), Some(host)) = (
            headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            headers.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) && origin.split("://").nth(1) != Some(host)
        {
            return Err(PageError::Forbidden(CSRF_FEHLER.into()));
        }
        let sitzung = match cookie(&headers, SITZUNG_COOKIE) {
            Some(t) => accounts::sitzung(&st.db, &t).await?,
            None => None,
        };
        let zu_gross = || {
            PageError::BadRequest(crate::programme::lists::bad(
                "datei",
                format!(
                    "Die Datei ist zu groß oder kam unvollständig an: höchstens {} MB.",
                    ozg_domain::anhang::ANHANG_MAX_BYTES / 1024 / 1024
                ),
            ))
        };
        let mut felder = Vec::new();
        let mut datei = None;
        let multipart = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if multipart {
            let mut mp = axum::extract::Multipart::from_request(req, st)
                .await
                .map_err(|_| zu_gross())?;
            while let Some(f) = mp.next_field().await.map_err(|_| zu_gross())? {
                let name = f.name().unwrap_or("").to_owned();
                if name == "datei" {
                    let dateiname = f.file_name().unwrap_or("").to_owned();
                    let bytes = f.bytes().await.map_err(|_| zu_gross())?;
                    datei = Some((dateiname, bytes.to_vec()));
                } else {
                    let text = f.text().await.map_err(|_| zu_gross())?;
                    felder.push((name, text));
                }
            }
        } else {
            // A plain form (no file chosen, or a client without multipart): same checks.
            let bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .map_err(|_| zu_gross())?;
            felder = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
                PageError::BadRequest(crate::programme::lists::bad("Formular", "nicht lesbar"))
            })?;
        }
        let gesendet = felder
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let erwartet = match &sitzung {
            Some(s) => Some(s.csrf.clone()),
            None => cookie(&headers, CSRF_COOKIE),
        };
        if erwartet
            .as_deref()
            .is_none_or(|e| e.is_empty() || !gleich(e, gesendet))
        {
            return Err(PageError::Forbidden(CSRF_FEHLER.into()));
        }
        Ok(Hochladen {
            sitzung,
            felder,
            datei,
        })
    }
}

/// Constant-time comparison, so the token cannot be guessed byte by byte.
fn gleich(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The session if it may do `aktion`, else 403 naming why.
pub(crate) fn erlaubt(s: Option<&Sitzung>, aktion: Aktion) -> Result<&Sitzung, PageError> {
    match s {
        Some(s) if darf(Some(&s.nutzer), aktion, None) => Ok(s),
        Some(_) => Err(PageError::Forbidden(
            "Ihre Rolle erlaubt diese Aktion nicht.".into(),
        )),
        None => Err(PageError::Forbidden(
            "Bitte melden Sie sich an (Mitgliederbereich).".into(),
        )),
    }
}

fn zur_anmeldung(weiter: &str) -> Response {
    Redirect::to(&format!(
        "/anmelden?weiter={}",
        serde_urlencoded::to_string([("w", weiter)])
            .unwrap_or_default()
            .trim_start_matches("w=")
    ))
    .into_response()
}

// --- Login ----------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "anmelden.html")]
struct AnmeldenSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    benutzername: String,
    weiter: String,
    fehler: Option<String>,
}

#[derive(Deserialize, Default)]
struct Weiter {
    #[serde(default)]
    weiter: String,
}

/// Only local paths: no open redirect to another site.
fn lokal(w: &str) -> String {
    if w.starts_with('/') && !w.starts_with("//") && !w.contains('\\') {
        w.to_owned()
    } else {
        "/konto".into()
    }
}

async fn anmelden_seite(
    headers: HeaderMap,
    Query(w): Query<Weiter>,
) -> Result<Response, PageError> {
    let (csrf, neu) = vorab_csrf(&headers)?;
    let seite = AnmeldenSeite {
        title: "Anmelden",
        nav: "",
        csrf: csrf.clone(),
        benutzername: String::new(),
        weiter: lokal(&w.weiter),
        fehler: None,
    };
    let mut res = seite.into_response();
    if neu {
        vorab_cookie(&mut res, &csrf);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct AnmeldenForm {
    #[serde(default)]
    benutzername: String,
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    weiter: String,
    #[serde(default)]
    _csrf: String,
}

async fn anmelden(
    State(st): State<AppState>,
    f: Formular<AnmeldenForm>,
) -> Result<Response, PageError> {
    let d = f.daten;
    match accounts::anmelden(&st.db, &d.benutzername, &d.passwort, &f.adresse).await? {
        Ok(neu) => {
            let mut res = Redirect::to(&lokal(&d.weiter)).into_response();
            let (k, v) = set_cookie(SITZUNG_COOKIE, &neu.token, SITZUNG_HOECHSTENS_MIN * 60);
            res.headers_mut().append(k, v);
            Ok(res)
        }
        Err(m) => {
            let mut res = AnmeldenSeite {
                title: "Anmelden",
                nav: "",
                csrf: d._csrf,
                benutzername: d.benutzername,
                weiter: lokal(&d.weiter),
                fehler: Some(m),
            }
            .into_response();
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(res)
        }
    }
}

#[derive(Deserialize)]
struct Leer {}

async fn abmelden(State(st): State<AppState>, f: Formular<Leer>) -> Result<Response, PageError> {
    if let Some(s) = &f.sitzung {
        accounts::abmelden(&st.db, s).await?;
    }
    let mut res = Redirect::to("/").into_response();
    let (k, v) = set_cookie(SITZUNG_COOKIE, "", 0);
    res.headers_mut().append(k, v);
    Ok(res)
}

// --- Invitation -----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "einladung.html")]
struct EinladungSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    token: String,
    benutzername: Option<String>,
    fehler: Feldfehler,
}

impl EinladungSeite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        accounts::fehler_bei(&self.fehler, feld)
    }
}

async fn einladung_seite(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let (csrf, neu) = vorab_csrf(&headers)?;
    let (benutzername, fehler) = match accounts::einladung_pruefen(&st.db, &token).await? {
        Ok(b) => (Some(b), Vec::new()),
        Err(m) => (None, vec![("token", m)]),
    };
    let gueltig = benutzername.is_some();
    let mut res = EinladungSeite {
        title: "Einladung annehmen",
        nav: "",
        csrf: csrf.clone(),
        token,
        benutzername,
        fehler,
    }
    .into_response();
    if !gueltig {
        *res.status_mut() = StatusCode::NOT_FOUND;
    }
    if neu {
        vorab_cookie(&mut res, &csrf);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct PasswortSetzen {
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    wiederholung: String,
    #[serde(default)]
    _csrf: String,
}

async fn einladung_annehmen(
    State(st): State<AppState>,
    Path(token): Path<String>,
    f: Formular<PasswortSetzen>,
) -> Result<Response, PageError> {
    match accounts::einladung_annehmen(&st.db, &token, &f.daten.passwort, &f.daten.wiederholung)
        .await?
    {
        Ok(()) => Ok(Redirect::to("/anmelden?weiter=/konto").into_response()),
        Err(fehler) => {
            let benutzername = accounts::einladung_pruefen(&st.db, &token).await?.ok();
            let mut res = EinladungSeite {
                title: "Einladung annehmen",
                nav: "",
                csrf: f.daten._csrf,
                token,
                benutzername,
                fehler,
            }
            .into_response();
            *res.status_mut() = StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}

// --- Own account ----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "konto.html")]
struct KontoSeite {
    title: &'static str,
    nav: &'static str,
    konto: Konto,
    csrf: String,
    verwalten: bool,
    meldung: Option<String>,
    fehler: Feldfehler,
}

impl KontoSeite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        accounts::fehler_bei(&self.fehler, feld)
    }
}

fn konto_seite_fuer(s: &Sitzung, meldung: Option<String>, fehler: Feldfehler) -> KontoSeite {
    KontoSeite {
        title: "Mein Konto",
        nav: "",
        konto: s.konto.clone(),
        csrf: s.csrf.clone(),
        verwalten: darf(Some(&s.nutzer), Aktion::KontenVerwalten, None),
        meldung,
        fehler,
    }
}

async fn konto_seite(Angemeldet(s): Angemeldet) -> Result<Response, PageError> {
    let Some(s) = s else {
        return Ok(zur_anmeldung("/konto"));
    };
    Ok(konto_seite_fuer(&s, None, Vec::new()).into_response())
}

#[derive(Deserialize)]
struct PasswortAendern {
    #[serde(default)]
    alt: String,
    #[serde(default)]
    neu: String,
    #[serde(default)]
    wiederholung: String,
}

async fn passwort(
    State(st): State<AppState>,
    f: Formular<PasswortAendern>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::EigenesPasswortAendern)?;
    let d = &f.daten;
    match accounts::passwort_aendern(&st.db, s, &d.alt, &d.neu, &d.wiederholung).await? {
        Ok(()) => Ok(konto_seite_fuer(
            s,
            Some(
                "Ihr Passwort wurde geändert. Andere Sitzungen Ihres Kontos wurden beendet.".into(),
            ),
            Vec::new(),
        )
        .into_response()),
        Err(fehler) => {
            let mut res = konto_seite_fuer(s, None, fehler).into_response();
            *res.status_mut() = StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}

// --- Accounts (Koordinierungsstelle) --------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "konten.html")]
struct KontenSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    konten: Vec<Konto>,
    eingabe: NeuesKonto,
    fehler: Feldfehler,
    einladungslink: Option<String>,
    rollen: Vec<(&'static str, &'static str)>,
}

impl KontenSeite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        accounts::fehler_bei(&self.fehler, feld)
    }
}

async fn konten_liste(
    st: &AppState,
    s: &Sitzung,
    eingabe: NeuesKonto,
    fehler: Feldfehler,
    link: Option<String>,
) -> Result<KontenSeite, PageError> {
    Ok(KontenSeite {
        title: "Konten verwalten",
        nav: "",
        csrf: s.csrf.clone(),
        konten: accounts::konten(&st.db).await?,
        eingabe,
        fehler,
        einladungslink: link,
        rollen: ozg_domain::access::Rolle::ALL
            .iter()
            .map(|r| (r.key(), r.label()))
            .collect(),
    })
}

async fn konten_seite(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
) -> Result<Response, PageError> {
    let Some(s) = s else {
        return Ok(zur_anmeldung("/verwaltung/konten"));
    };
    let s = erlaubt(Some(&s), Aktion::KontenVerwalten)?;
    Ok(
        konten_liste(&st, s, NeuesKonto::default(), Vec::new(), None)
            .await?
            .into_response(),
    )
}

fn basis_url(headers: &HeaderMap) -> String {
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(h) if h.starts_with("localhost") || h.starts_with("127.") => format!("http://{h}"),
        Some(h) => format!("https://{h}"),
        None => String::new(),
    }
}

async fn einladen(
    State(st): State<AppState>,
    headers: HeaderMap,
    f: Formular<NeuesKonto>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::KontenVerwalten)?;
    match accounts::einladen(&st.db, &f.daten, &s.konto.benutzername).await? {
        Ok(token) => {
            let link = format!("{}/einladung/{token}", basis_url(&headers));
            Ok(
                konten_liste(&st, s, NeuesKonto::default(), Vec::new(), Some(link))
                    .await?
                    .into_response(),
            )
        }
        Err(fehler) => {
            let mut res = konten_liste(&st, s, f.daten, fehler, None)
                .await?
                .into_response();
            *res.status_mut() = StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}

async fn deaktivieren(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: Formular<Leer>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::KontenVerwalten)?;
    let Ok(id) = id.parse::<i64>() else {
        return Err(PageError::NotFound(format!(
            "Ein Konto „{id}“ gibt es nicht."
        )));
    };
    match accounts::deaktivieren(&st.db, &s.konto.benutzername, id).await? {
        Ok(()) => Ok(Redirect::to("/verwaltung/konten").into_response()),
        Err(m) => Err(PageError::BadRequest(crate::programme::lists::bad(
            "Konto", m,
        ))),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "protokoll.html")]
struct ProtokollSeite {
    title: &'static str,
    nav: &'static str,
    suche: String,
    eintraege: Vec<audit::Eintrag>,
}

#[derive(Deserialize, Default)]
struct Suche {
    #[serde(default)]
    suche: String,
}

async fn protokoll(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Query(q): Query<Suche>,
) -> Result<Response, PageError> {
    let Some(s) = s else {
        return Ok(zur_anmeldung("/verwaltung/protokoll"));
    };
    erlaubt(Some(&s), Aktion::KontenVerwalten)?;
    Ok(ProtokollSeite {
        title: "Änderungsprotokoll",
        nav: "",
        eintraege: audit::liste(&st.db, &q.suche, 500).await?,
        suche: q.suche,
    }
    .into_response())
}

// --- Plan snapshots -------------------------------------------------------------------------

#[derive(Deserialize)]
struct StandForm {
    #[serde(default)]
    name: String,
}

async fn stand_anlegen(
    State(st): State<AppState>,
    f: Formular<StandForm>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::StandAnlegen)?;
    let name = f.daten.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(PageError::BadRequest(crate::programme::lists::bad(
            "name",
            "Der Name eines Stands muss 1 bis 200 Zeichen lang sein.",
        )));
    }
    let model = st.model().await?;
    plan_stand::anlegen_durch(&st.db, &model, name, &s.konto.benutzername).await?;
    Ok(Redirect::to("/umsetzungsplan/staende").into_response())
}
