//! Who is logged in: database sessions of the members' accounts, their cookies, and the
//! extractor [`Angemeldet`].
//!
//! Tokens are 32 random bytes; only their SHA-256 is stored. A session ends after
//! [`SITZUNG_LEERLAUF_MIN`] idle minutes or [`SITZUNG_HOECHSTENS_MIN`] after login; expired
//! rows are removed by the scheduled task ([`aufraeumen`]), never by a page.

use anyhow::anyhow;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{
    self, Aktion, Nutzer, Rolle, SITZUNG_HOECHSTENS_MIN, SITZUNG_LEERLAUF_MIN, darf,
};
use serde::{Deserialize, Serialize};

use crate::kern::db::{Db, SqlBuilder, Stmt, int_bool};
use crate::kern::fehler::Fehler;
use crate::kern::token::{token, token_hash};
use crate::kern::uhr::Uhr;
use crate::kern::zustand::AppState;
use crate::sql;

/// Session cookie.
pub const SITZUNG_COOKIE: &str = "__Host-ozg_sitzung";
/// CSRF cookie for forms sent before login.
pub const CSRF_COOKIE: &str = "__Host-ozg_csrf";

/// An account of the members' area as a session and the account pages see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Konto {
    /// ID.
    pub id: i64,
    /// Login name.
    pub benutzername: String,
    /// Display name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Role key.
    pub rolle: String,
    /// Organisation slug.
    pub organisation: Option<String>,
    /// Themenfeld slugs, comma-separated.
    pub themenfelder: String,
    /// Active.
    #[serde(deserialize_with = "int_bool::deserialize")]
    pub aktiv: bool,
    /// Whether a password is set (invitation accepted).
    #[serde(default, deserialize_with = "int_bool::deserialize")]
    pub eingerichtet: bool,
}

impl Konto {
    /// Role label.
    pub fn rolle_label(&self) -> &'static str {
        Rolle::parse(&self.rolle)
            .map(Rolle::label)
            .unwrap_or("unbekannt")
    }
}

/// A logged-in session.
#[derive(Debug, Clone)]
pub struct Sitzung {
    /// The account.
    pub konto: Konto,
    /// Permissions.
    pub nutzer: Nutzer,
    /// CSRF token of this session.
    pub csrf: String,
    /// Hash of the session token.
    pub token_hash: String,
}

impl Sitzung {
    /// Whether the session may do `aktion` (for records of any Themenfeld it holds).
    pub fn darf(&self, aktion: Aktion) -> bool {
        access::darf_irgendwo(Some(&self.nutzer), aktion)
    }
}

#[derive(Deserialize)]
struct SitzungRow {
    #[serde(flatten)]
    konto: Konto,
    csrf: String,
    erstellt: i64,
    zuletzt: i64,
}

/// The session of a cookie value, if valid; renews its idle timer at most once a minute (the
/// one write a GET may cause: it is the session's, not the data's).
pub async fn laden(db: &Db, uhr: &Uhr, token: &str) -> Result<Option<Sitzung>, Fehler> {
    let h = token_hash(token);
    let row: Option<SitzungRow> = db
        .query_opt(sql!(
            "SELECT k.id, k.benutzername, k.name, k.email, k.rolle, k.organisation, k.themenfelder, k.aktiv, \
             CASE WHEN k.passwort_hash IS NULL THEN 0 ELSE 1 END AS eingerichtet, s.csrf, s.erstellt, s.zuletzt \
             FROM sitzung s JOIN konto k ON k.id = s.konto_id WHERE s.token_hash = $1 AND k.aktiv = 1",
            h.as_str()
        ))
        .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let t = uhr.sekunden();
    if !access::sitzung_gueltig(r.erstellt, r.zuletzt, t) {
        return Ok(None);
    }
    if t - r.zuletzt >= 60 {
        db.execute_all(&[sql!(
            "UPDATE sitzung SET zuletzt = $1 WHERE token_hash = $2",
            t,
            h.as_str()
        )])
        .await?;
    }
    let rolle = Rolle::parse(&r.konto.rolle).map_err(|e| anyhow!(e))?;
    let slugs: Vec<&str> = r
        .konto
        .themenfelder
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    let themenfelder = if slugs.is_empty() {
        Vec::new()
    } else {
        #[derive(Deserialize)]
        struct Id {
            id: i64,
        }
        let mut q = SqlBuilder::new("SELECT id FROM themenfeld WHERE slug IN (");
        q.bind_liste(slugs).push(")");
        db.query::<Id>(q.stmt())
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect()
    };
    Ok(Some(Sitzung {
        nutzer: Nutzer {
            rolle,
            themenfelder,
        },
        konto: r.konto,
        csrf: r.csrf,
        token_hash: h,
    }))
}

/// A new session for `konto_id`: the cookie value and the statement that stores it.
pub fn oeffnen(uhr: &Uhr, konto_id: i64) -> anyhow::Result<(String, Stmt)> {
    let csrf = token()?;
    let t = token()?;
    let jetzt = uhr.sekunden();
    let stmt = sql!(
        "INSERT INTO sitzung (token_hash, konto_id, csrf, erstellt, zuletzt) VALUES ($1, $2, $3, $4, $4)",
        token_hash(&t),
        konto_id,
        csrf,
        jetzt
    );
    Ok((t, stmt))
}

/// Ends a session.
pub async fn beenden(db: &Db, s: &Sitzung) -> Result<(), Fehler> {
    db.execute_all(&[sql!(
        "DELETE FROM sitzung WHERE token_hash = $1",
        s.token_hash.as_str()
    )])
    .await?;
    Ok(())
}

/// Removes expired sessions (scheduled task).
pub async fn aufraeumen(db: &Db, uhr: &Uhr) -> Result<(), Fehler> {
    let t = uhr.sekunden();
    db.execute_all(&[sql!(
        "DELETE FROM sitzung WHERE zuletzt < $1 OR erstellt < $2",
        t - SITZUNG_LEERLAUF_MIN * 60,
        t - SITZUNG_HOECHSTENS_MIN * 60
    )])
    .await?;
    Ok(())
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

/// A `Set-Cookie` header: `__Host-` cookies are `Secure`, `HttpOnly`, `SameSite=Lax`, path `/`.
pub fn set_cookie(name: &str, value: &str, max_age: i64) -> (header::HeaderName, HeaderValue) {
    (
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

/// A `Set-Cookie` header for a cookie that ends with the browser session (no `Max-Age`),
/// otherwise like [`set_cookie`].
pub fn set_cookie_bis_ende(name: &str, value: &str) -> (header::HeaderName, HeaderValue) {
    (
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

/// The visitor's pre-login CSRF token (from the cookie, or a new one) and whether it is new.
pub fn vorab_csrf(headers: &HeaderMap) -> anyhow::Result<(String, bool)> {
    Ok(
        match cookie(headers, CSRF_COOKIE).filter(|c| c.len() == 64) {
            Some(c) => (c, false),
            None => (token()?, true),
        },
    )
}

/// Sets a new pre-login CSRF token as cookie (valid one hour).
pub fn vorab_cookie(res: &mut Response, csrf: &str) {
    let (k, v) = set_cookie(CSRF_COOKIE, csrf, 3600);
    res.headers_mut().append(k, v);
}

/// The session of the request, if any (looked up once per request).
#[derive(Clone)]
pub struct Angemeldet(pub Option<Sitzung>);

impl FromRequestParts<AppState> for Angemeldet {
    type Rejection = Fehler;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Fehler> {
        if let Some(a) = parts.extensions.get::<Angemeldet>() {
            return Ok(a.clone());
        }
        let a = Angemeldet(match cookie(&parts.headers, SITZUNG_COOKIE) {
            Some(t) => laden(&st.db, &st.uhr, &t).await?,
            None => None,
        });
        parts.extensions.insert(a.clone());
        Ok(a)
    }
}

/// The session if it may do `aktion` (anywhere), else 403 naming why.
pub fn erlaubt(s: Option<&Sitzung>, aktion: Aktion) -> Result<&Sitzung, Fehler> {
    match s {
        Some(s) if darf(Some(&s.nutzer), aktion, None) => Ok(s),
        Some(_) => Err(Fehler::verboten("Ihre Rolle erlaubt diese Aktion nicht.")),
        None => Err(anmelden_bitte()),
    }
}

/// The session, or 403 asking to log in.
pub fn angemeldet(s: Option<&Sitzung>) -> Result<&Sitzung, Fehler> {
    s.ok_or_else(anmelden_bitte)
}

/// 403: please log in.
pub fn anmelden_bitte() -> Fehler {
    Fehler::verboten("Bitte melden Sie sich an (Mitgliederbereich).")
}

/// The login name of a session cookie's account (read only: for the security log).
pub async fn benutzername(db: &Db, token: &str) -> Result<Option<String>, Fehler> {
    Ok(db
        .scalar_text(sql!(
            "SELECT k.benutzername FROM sitzung s JOIN konto k ON k.id = s.konto_id WHERE s.token_hash = $1",
            token_hash(token)
        ))
        .await?)
}

/// A redirect to the login page that comes back to `weiter`.
pub fn zur_anmeldung(weiter: &str) -> Response {
    Redirect::to(&format!(
        "/anmelden?weiter={}",
        serde_urlencoded::to_string([("w", weiter)])
            .unwrap_or_default()
            .trim_start_matches("w=")
    ))
    .into_response()
}
