//! The one error type of the application, and the field errors of a refused input.
//!
//! A handler returns `Result<_, Fehler>`. Pages render it as a German HTML page with ways back;
//! the JSON API renders the same value as RFC 9457 problem details
//! ([`problem_json`], a layer on the API routes), so a capability never decides how.

use std::borrow::Cow;
use std::fmt;

use askama::Template;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::kern::db::DbFehler;

/// What went wrong, as the user (or client) needs to know it.
#[derive(Debug)]
pub enum Fehler {
    /// 404: the thing asked for does not exist (the message names it).
    NichtGefunden(String),
    /// 400: the input is wrong; every wrong field with its German message.
    Ungueltig(Feldfehler),
    /// 403: not allowed (the message says why and what to do).
    Verboten(String),
    /// 403: a refused form, without a valid CSRF token or sent from a foreign origin (the
    /// message says what to do). Its own kind of security event ([`Verweigerung::Csrf`]).
    CsrfAbgelehnt(String),
    /// 409: the record changed meanwhile, or the action collides with its state.
    Konflikt(String),
    /// 503: a service the action needs is not available (e.g. no SMTP server configured).
    NichtVerfuegbar(String),
    /// 503 with `Retry-After`: busy right now (a bounded queue is full); try again after
    /// the given seconds.
    Ausgelastet(String, u64),
    /// 429 with `Retry-After`: this client or account asks too often right now.
    ZuVieleAnfragen(String, u64),
    /// 500: a fault of the system; logged, never shown in detail.
    Intern(anyhow::Error),
}

impl Fehler {
    /// A not-found error.
    pub fn nicht_gefunden(m: impl Into<String>) -> Fehler {
        Fehler::NichtGefunden(m.into())
    }

    /// A wrong field (or query parameter).
    pub fn feld(feld: impl Into<Cow<'static, str>>, meldung: impl Into<String>) -> Fehler {
        Fehler::Ungueltig(Feldfehler::eins(feld, meldung))
    }

    /// A refusal.
    pub fn verboten(m: impl Into<String>) -> Fehler {
        Fehler::Verboten(m.into())
    }

    /// A refused form (CSRF token or origin); see [`Fehler::CsrfAbgelehnt`].
    pub fn csrf_abgelehnt(m: impl Into<String>) -> Fehler {
        Fehler::CsrfAbgelehnt(m.into())
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Fehler::NichtGefunden(_) => StatusCode::NOT_FOUND,
            Fehler::Ungueltig(_) => StatusCode::BAD_REQUEST,
            Fehler::Verboten(_) | Fehler::CsrfAbgelehnt(_) => StatusCode::FORBIDDEN,
            Fehler::Konflikt(_) => StatusCode::CONFLICT,
            Fehler::NichtVerfuegbar(_) | Fehler::Ausgelastet(..) => StatusCode::SERVICE_UNAVAILABLE,
            Fehler::ZuVieleAnfragen(..) => StatusCode::TOO_MANY_REQUESTS,
            Fehler::Intern(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The field errors, when the input was wrong.
    pub fn feldfehler(self) -> Result<Feldfehler, Fehler> {
        match self {
            Fehler::Ungueltig(f) => Ok(f),
            e => Err(e),
        }
    }

    fn titel(&self) -> &'static str {
        match self {
            Fehler::NichtGefunden(_) => "Seite nicht gefunden",
            Fehler::Ungueltig(_) => "Ungültige Angabe",
            Fehler::Verboten(_) | Fehler::CsrfAbgelehnt(_) => "Kein Zugriff",
            Fehler::Konflikt(_) => "Konflikt",
            Fehler::NichtVerfuegbar(_) => "Nicht verfügbar",
            Fehler::Ausgelastet(..) => "Ausgelastet",
            Fehler::ZuVieleAnfragen(..) => "Zu viele Anfragen",
            Fehler::Intern(_) => "Interner Fehler",
        }
    }

    fn art(&self) -> &'static str {
        match self {
            Fehler::NichtGefunden(_) => "nicht-gefunden",
            Fehler::Ungueltig(_) => "ungueltig",
            Fehler::Verboten(_) | Fehler::CsrfAbgelehnt(_) => "verboten",
            Fehler::Konflikt(_) => "konflikt",
            Fehler::NichtVerfuegbar(_) => "nicht-verfuegbar",
            Fehler::Ausgelastet(..) => "ausgelastet",
            Fehler::ZuVieleAnfragen(..) => "zu-viele-anfragen",
            Fehler::Intern(_) => "intern",
        }
    }

    /// The messages shown to the user (one per wrong field).
    fn meldungen(&self) -> Vec<String> {
        match self {
            Fehler::NichtGefunden(m)
            | Fehler::Verboten(m)
            | Fehler::CsrfAbgelehnt(m)
            | Fehler::Konflikt(m)
            | Fehler::NichtVerfuegbar(m)
            | Fehler::Ausgelastet(m, _)
            | Fehler::ZuVieleAnfragen(m, _) => vec![m.clone()],
            Fehler::Ungueltig(f) => f
                .iter()
                .map(|(k, m)| format!("Parameter „{k}“: {m}"))
                .collect(),
            Fehler::Intern(_) => vec![
                "Die Seite konnte nicht erstellt werden. Bitte versuchen Sie es später erneut."
                    .into(),
            ],
        }
    }
}

impl fmt::Display for Fehler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fehler::Intern(e) => write!(f, "{e:#}"),
            _ => write!(f, "{}", self.meldungen().join(" ")),
        }
    }
}

impl std::error::Error for Fehler {}

impl From<anyhow::Error> for Fehler {
    fn from(e: anyhow::Error) -> Self {
        Fehler::Intern(e)
    }
}

impl From<DbFehler> for Fehler {
    fn from(e: DbFehler) -> Self {
        match e {
            // Still in conflict after the retries of `Db`: busy, not broken.
            DbFehler::Serialisierung(_) => Fehler::Ausgelastet(
                "Die Datenbank ist gerade ausgelastet. Bitte versuchen Sie es gleich noch einmal; Ihre Eingaben wurden nicht gespeichert.".into(),
                2,
            ),
            e => Fehler::Intern(e.into()),
        }
    }
}

impl From<Feldfehler> for Fehler {
    fn from(f: Feldfehler) -> Self {
        Fehler::Ungueltig(f)
    }
}

/// The wrong fields of an input, each with its German message, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feldfehler(Vec<(Cow<'static, str>, String)>);

impl Feldfehler {
    /// No errors yet.
    pub fn new() -> Feldfehler {
        Feldfehler(Vec::new())
    }

    /// One wrong field.
    pub fn eins(feld: impl Into<Cow<'static, str>>, meldung: impl Into<String>) -> Feldfehler {
        Feldfehler(vec![(feld.into(), meldung.into())])
    }

    /// Adds a wrong field.
    pub fn push(&mut self, feld: impl Into<Cow<'static, str>>, meldung: impl Into<String>) {
        self.0.push((feld.into(), meldung.into()));
    }

    /// The edit state a form sent back (`version`, hidden; see the `bearbeitungsstand` form
    /// macro) for the optimistic lock; when it is missing or garbled, an error and 0.
    pub fn version(&mut self, wert: &str) -> i64 {
        wert.trim().parse::<i64>().unwrap_or_else(|_| {
            self.push(
                "version",
                "Das Formular ist unvollständig (Version fehlt). Bitte laden Sie die Seite neu.",
            );
            0
        })
    }

    /// Adds all of `andere`.
    pub fn anhaengen(&mut self, andere: Feldfehler) {
        self.0.extend(andere.0);
    }

    /// The status of a page that shows these errors at its form: 400 if any, else 200.
    pub fn status(&self) -> StatusCode {
        if self.0.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        }
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(wert)` when nothing is wrong, else these errors.
    pub fn oder<T>(self, wert: T) -> Result<T, Fehler> {
        if self.0.is_empty() {
            Ok(wert)
        } else {
            Err(Fehler::Ungueltig(self))
        }
    }

    /// The message(s) for `feld`, joined, for showing next to that field.
    pub fn bei(&self, feld: &str) -> Option<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == feld)
            .map(|(_, m)| m.clone())
            .reduce(|a, b| format!("{a} {b}"))
    }

    /// Whether `feld` is wrong.
    pub fn hat(&self, feld: &str) -> bool {
        self.0.iter().any(|(k, _)| k == feld)
    }

    /// The fields with their messages.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, m)| (k.as_ref(), m.as_str()))
    }

    /// The errors for an error summary at the top of a form: each as „Bezeichnung: Meldung“
    /// with the address of its field (`#` + `praefix` + name) when the form has that field
    /// (`felder`: name and label), else without a link.
    pub fn verweise(&self, praefix: &str, felder: &[(&str, &str)]) -> Vec<Verweis> {
        self.iter()
            .map(
                |(name, meldung)| match felder.iter().find(|(n, _)| *n == name) {
                    Some((_, label)) => Verweis {
                        ziel: Some(format!("#{praefix}{name}")),
                        text: format!("{label}: {meldung}"),
                    },
                    None => Verweis {
                        ziel: None,
                        text: meldung.to_owned(),
                    },
                },
            )
            .collect()
    }

    /// The first wrong field, if any.
    pub fn erstes(&self) -> Option<(&str, &str)> {
        self.iter().next()
    }

    /// The same errors under other field names (`(alt, neu)` pairs), for a form that shows
    /// a shared check under its own field ids.
    pub fn umbenannt(mut self, namen: &[(&str, &'static str)]) -> Feldfehler {
        for (k, _) in &mut self.0 {
            if let Some((_, neu)) = namen.iter().find(|(alt, _)| k == alt) {
                *k = Cow::Borrowed(neu);
            }
        }
        self
    }
}

/// One entry of an error summary (see [`Feldfehler::verweise`]).
#[derive(Debug, Clone)]
pub struct Verweis {
    /// `#field-id`, when the field is on the page.
    pub ziel: Option<String>,
    /// What is wrong, with the field's label.
    pub text: String,
}

impl<'a> IntoIterator for &'a Feldfehler {
    type Item = (&'a str, &'a str);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[derive(Template)]
#[template(path = "kern/templates/fehler.html")]
struct FehlerSeite<'a> {
    title: &'a str,
    nav: &'static str,
    meldungen: &'a [String],
    art: &'static str,
}

/// Which refusal a 403 answer is: attached to the response (an extension) where the refusal
/// is made, so the security layer ([`crate::kern::sicherheit::Schicht`]) records and logs it,
/// once, under its kind without reading its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verweigerung {
    /// An action (or page) the session may not use ([`Fehler::Verboten`]).
    Zugriff,
    /// A form without a valid CSRF token or from a foreign origin ([`Fehler::CsrfAbgelehnt`]).
    Csrf,
}

/// What the API layer needs to turn an error page into problem details.
#[derive(Clone, Debug)]
pub struct Problem {
    art: &'static str,
    titel: &'static str,
    status: u16,
    /// The German message.
    pub detail: String,
    parameter: Option<String>,
    felder: Vec<(String, String)>,
}

impl IntoResponse for Fehler {
    fn into_response(self) -> Response {
        let status = self.status();
        // A refusal is logged by the security layer, which knows the address and path.
        if let Fehler::Intern(e) = &self {
            tracing::error!("interner Fehler: {e:#}");
        }
        let verweigerung = match &self {
            Fehler::Verboten(_) => Some(Verweigerung::Zugriff),
            Fehler::CsrfAbgelehnt(_) => Some(Verweigerung::Csrf),
            _ => None,
        };
        let meldungen = self.meldungen();
        let problem = Problem {
            art: self.art(),
            titel: self.titel(),
            status: status.as_u16(),
            detail: meldungen.join(" "),
            parameter: match &self {
                Fehler::Ungueltig(f) => f.erstes().map(|(k, _)| k.to_owned()),
                _ => None,
            },
            felder: match &self {
                Fehler::Ungueltig(f) => f
                    .iter()
                    .map(|(k, m)| (k.to_owned(), m.to_owned()))
                    .collect(),
                _ => Vec::new(),
            },
        };
        let seite = FehlerSeite {
            title: self.titel(),
            nav: "",
            meldungen: &meldungen,
            art: if matches!(self, Fehler::Intern(_)) {
                "danger"
            } else {
                "warning"
            },
        };
        let mut r = match seite.render() {
            Ok(html) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(_) => (status, problem.detail.clone()).into_response(),
        };
        if let Fehler::Ausgelastet(_, s) | Fehler::ZuVieleAnfragen(_, s) = &self {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*s));
        }
        r.extensions_mut().insert(problem);
        if let Some(v) = verweigerung {
            r.extensions_mut().insert(v);
        }
        r
    }
}

#[derive(Serialize)]
struct ProblemJson<'a> {
    r#type: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    /// The German message (kept for clients of API version 1).
    fehler: &'a str,
    /// The parameter at fault, if any (kept for clients of API version 1).
    parameter: Option<&'a str>,
    /// Every wrong parameter with its message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    felder: Vec<FeldJson<'a>>,
}

#[derive(Serialize)]
struct FeldJson<'a> {
    feld: &'a str,
    meldung: &'a str,
}

/// Layer function for the API: an error response becomes `application/problem+json`
/// (RFC 9457) with the same status and message.
pub async fn problem_json(r: Response) -> Response {
    let Some(p) = r.extensions().get::<Problem>().cloned() else {
        return r;
    };
    let titel = match p.art {
        "nicht-gefunden" => "Nicht gefunden",
        _ => p.titel,
    };
    let body = ProblemJson {
        r#type: format!("/api/probleme/{}", p.art),
        title: titel,
        status: p.status,
        detail: &p.detail,
        fehler: &p.detail,
        parameter: p.parameter.as_deref(),
        felder: p
            .felder
            .iter()
            .map(|(feld, meldung)| FeldJson { feld, meldung })
            .collect(),
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let (mut parts, _) = r.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_join_per_field() {
        let mut f = Feldfehler::new();
        assert!(f.is_empty());
        f.push("name", "Bitte einen Namen.");
        f.push("email", "Ungültig.");
        f.push("name", "Zu lang.");
        assert_eq!(
            f.bei("name").as_deref(),
            Some("Bitte einen Namen. Zu lang.")
        );
        assert_eq!(f.erstes(), Some(("name", "Bitte einen Namen.")));
        assert!(f.hat("email") && !f.hat("ort"));
        let f = f.umbenannt(&[("name", "anlage-name")]);
        assert!(f.hat("anlage-name") && !f.hat("name"));
        assert!(matches!(f.oder(()), Err(Fehler::Ungueltig(_))));
        assert!(Feldfehler::new().oder(1).is_ok());
    }

    #[tokio::test]
    async fn pages_and_problem_details() {
        let r = Fehler::feld("seite", "erlaubt ist eine ganze Zahl ab 1").into_response();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let p = problem_json(r).await;
        assert_eq!(
            p.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let b = axum::body::to_bytes(p.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["status"], 400);
        assert_eq!(v["parameter"], "seite");
        assert_eq!(v["type"], "/api/probleme/ungueltig");
        assert_eq!(
            v["detail"],
            "Parameter „seite“: erlaubt ist eine ganze Zahl ab 1"
        );
        assert_eq!(v["fehler"], v["detail"]);
        // A page keeps its HTML.
        let r = Fehler::nicht_gefunden("Ein Projekt „x“ gibt es nicht.").into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8_lossy(&b);
        assert!(html.contains("Ein Projekt „x“ gibt es nicht.") && html.contains("href=\"/\""));
    }

    #[test]
    fn refusals_carry_their_kind() {
        let art = |f: Fehler| {
            f.into_response()
                .extensions()
                .get::<Verweigerung>()
                .copied()
        };
        let r = Fehler::csrf_abgelehnt("abgelaufen").into_response();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(art(Fehler::csrf_abgelehnt("x")), Some(Verweigerung::Csrf));
        assert_eq!(art(Fehler::verboten("x")), Some(Verweigerung::Zugriff));
        assert_eq!(art(Fehler::nicht_gefunden("x")), None);
    }
}
