//! Forms that change something: every POST goes through [`Formular`] (URL-encoded) or
//! [`Hochladen`] (multipart with one file). Both run the one check in [`pruefen`]:
//!
//! 1. an `Origin` header, when sent, must name this host;
//! 2. the hidden `_csrf` field must equal the session's token (before login: the
//!    `__Host-ozg_csrf` cookie, double submit);
//! 3. a file is scanned for viruses ([`crate::kern::virenpruefung`]) before the handler runs;
//! 4. the person must pass the route's [`Zugang`]: a member whose role can do the `Aktion`
//!    at all ([`crate::kern::routen::Routen::schreiben`]; whether it may for this record, its
//!    Themenfeld, the handler decides), a citizen, or staff whose role allows the action
//!    (which records are their authority's, the handler's queries decide).

use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use crate::kern::fehler::Fehler;
use crate::kern::person::{self, PortalSitzung};
use crate::kern::schreibrouten::Zugang;
use crate::kern::sitzung::{self, Angemeldet, CSRF_COOKIE, Sitzung};
use crate::kern::token::gleich;
use crate::kern::zustand::AppState;

/// The message of a refused form (foreign origin or wrong token).
pub const CSRF_FEHLER: &str = "Das Formular ist abgelaufen oder stammt nicht von dieser Seite (Schutz vor Cross-Site-Request-Forgery). Bitte laden Sie die Seite neu und senden Sie das Formular erneut.";

/// The largest URL-encoded form accepted.
const FORM_MAX_BYTES: usize = 1 << 20;

/// A form that passed the checks, with the session (if logged in).
pub struct Formular<T> {
    /// Session of the members' area.
    pub sitzung: Option<Sitzung>,
    /// Session of the citizens' portal (citizen or staff).
    pub person: Option<PortalSitzung>,
    /// Form fields.
    pub daten: T,
    /// Client address (for login throttling).
    pub adresse: String,
}

/// An empty form (a button).
#[derive(serde::Deserialize, Default)]
pub struct Leer {}

/// A multipart form (file upload) that passed the same checks: the text fields and at most
/// one file, field `datei`.
pub struct Hochladen {
    /// Session of the members' area.
    pub sitzung: Option<Sitzung>,
    /// Session of the citizens' portal (citizen or staff).
    pub person: Option<PortalSitzung>,
    /// Text fields.
    pub felder: Vec<(String, String)>,
    /// The file field "datei", as it arrived.
    pub datei: Option<Datei>,
}

/// The file of an upload form.
pub struct Datei {
    /// The name the client sent (only for messages; never reaches the file system).
    pub dateiname: String,
    /// The content, in the store's intake.
    pub eingang: crate::kern::ablage::Eingang,
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

/// The request's parts every check needs, taken before the body is read.
struct Kopf {
    headers: HeaderMap,
    sitzung: Option<Sitzung>,
    person: Option<PortalSitzung>,
    route: Option<String>,
    adresse: String,
}

async fn kopf(parts: &mut axum::http::request::Parts, st: &AppState) -> Result<Kopf, Fehler> {
    let headers = parts.headers.clone();
    // Origin first: a foreign site's form is refused before anything is looked up.
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) && origin.split("://").nth(1) != Some(host)
    {
        return Err(Fehler::csrf_abgelehnt(CSRF_FEHLER));
    }
    let Angemeldet(sitzung) = Angemeldet::from_request_parts(parts, st).await?;
    let person = person::aus_anfrage(parts, st).await?;
    Ok(Kopf {
        person,
        route: parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned()),
        adresse: crate::kern::adresse::client(parts, st),
        headers,
        sitzung,
    })
}

/// The route's permission (from the session alone, before any of the body is read).
fn recht_pruefen(k: &Kopf, st: &AppState) -> Result<(), Fehler> {
    let zugang = k.route.as_deref().and_then(|r| st.routen.zugang(r));
    match zugang {
        Some(Zugang::Mitglied(aktion)) => match &k.sitzung {
            None => Err(sitzung::anmelden_bitte()),
            Some(s) if !s.darf(aktion) => {
                Err(Fehler::verboten("Ihre Rolle erlaubt diese Aktion nicht."))
            }
            Some(_) => Ok(()),
        },
        Some(z) => person::zugang_pruefen(k.person.as_ref(), z).unwrap_or(Ok(())),
        None => Ok(()),
    }
}

/// The CSRF token: the one of a session the request carries (the members' area's or the
/// portal's) or the double-submit cookie's. A browser may hold a members' session and a
/// portal session at once, and a page of one area renders the token it knows (a page without
/// the matching session the double-submit cookie's): each of them is a secret of this
/// browser that a foreign site can neither read nor set (`__Host-`).
fn csrf_pruefen(k: &Kopf, gesendet: &str) -> Result<(), Fehler> {
    let mut erwartet: Vec<String> = Vec::new();
    if let Some(s) = &k.sitzung {
        erwartet.push(s.csrf.clone());
    }
    if let Some(p) = &k.person {
        erwartet.push(p.csrf.clone());
    }
    if let Some(c) = sitzung::cookie(&k.headers, CSRF_COOKIE) {
        erwartet.push(c);
    }
    if !erwartet
        .iter()
        .any(|e| !e.is_empty() && gleich(e, gesendet))
    {
        return Err(Fehler::csrf_abgelehnt(CSRF_FEHLER));
    }
    Ok(())
}

/// No field may hold a control character other than tab and line breaks: no one types them,
/// PostgreSQL refuses NUL in text, and they would corrupt exports.
fn steuerzeichen_pruefen<'a>(
    felder: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), Fehler> {
    for (name, wert) in felder {
        if wert
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            let feld = if name.len() <= 40
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                name.to_owned()
            } else {
                "Formular".to_owned()
            };
            return Err(Fehler::feld(
                feld,
                "enthält ein Steuerzeichen; bitte nur Text eingeben",
            ));
        }
    }
    Ok(())
}

fn csrf_feld(paare: &[(String, String)]) -> &str {
    paare
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Formular<T> {
    type Rejection = Fehler;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Fehler> {
        let (mut parts, body) = req.into_parts();
        let k = kopf(&mut parts, st).await?;
        recht_pruefen(&k, st)?;
        let bytes = axum::body::to_bytes(body, FORM_MAX_BYTES)
            .await
            .map_err(|_| Fehler::feld("Formular", "zu groß oder unvollständig"))?;
        let paare: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| Fehler::feld("Formular", "nicht lesbar"))?;
        csrf_pruefen(&k, csrf_feld(&paare))?;
        steuerzeichen_pruefen(paare.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        let daten = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| crate::kern::abfrage::serde_fehler("Formular", &e.to_string()))?;
        Ok(Formular {
            sitzung: k.sitzung,
            person: k.person,
            daten,
            adresse: k.adresse,
        })
    }
}

impl FromRequest<AppState> for Hochladen {
    type Rejection = Fehler;

    /// Origin, session and permission are checked before the body is read; the CSRF field
    /// must come before the file (the forms send it first), so a file is only accepted from a
    /// checked form; the file streams into the store's intake, never whole into memory.
    async fn from_request(req: Request, st: &AppState) -> Result<Self, Fehler> {
        let (mut parts, body) = req.into_parts();
        let k = kopf(&mut parts, st).await?;
        recht_pruefen(&k, st)?;
        let zu_gross = || {
            Fehler::feld(
                "datei",
                format!(
                    "Die Datei ist zu groß oder kam unvollständig an: höchstens {} MB.",
                    ozg_domain::anhang::ANHANG_MAX_BYTES / 1024 / 1024
                ),
            )
        };
        let multipart = k
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let req = Request::from_parts(parts, body);
        let mut felder = Vec::new();
        let mut datei = None;
        if multipart {
            let mut mp = axum::extract::Multipart::from_request(req, st)
                .await
                .map_err(|_| zu_gross())?;
            let mut geprueft = false;
            let mut text_bytes = 0;
            while let Some(mut f) = mp.next_field().await.map_err(|_| zu_gross())? {
                let name = f.name().unwrap_or("").to_owned();
                if name == "datei" {
                    if !geprueft {
                        return Err(Fehler::csrf_abgelehnt(CSRF_FEHLER));
                    }
                    let dateiname = f.file_name().unwrap_or("").to_owned();
                    let mut eingang = st
                        .ablage
                        .eingang(ozg_domain::anhang::ANHANG_MAX_BYTES)
                        .await?;
                    while let Some(stueck) = f.chunk().await.map_err(|_| zu_gross())? {
                        eingang
                            .schreiben(&stueck)
                            .await
                            .map_err(|e| anyhow::anyhow!("Upload nicht speicherbar: {e}"))?;
                    }
                    eingang
                        .abschliessen()
                        .await
                        .map_err(|e| anyhow::anyhow!("Upload nicht speicherbar: {e}"))?;
                    // Every upload of the portal is scanned here, once, before any handler
                    // sees it (a file within the size limit; a larger one is refused anyway).
                    if eingang.groesse() > 0
                        && eingang.groesse() <= ozg_domain::anhang::ANHANG_MAX_BYTES
                        && let Err(b) = crate::kern::virenpruefung::pruefen(st, &eingang).await
                    {
                        return Err(match b {
                            crate::kern::virenpruefung::Befund::Ausgelastet => {
                                Fehler::ZuVieleAnfragen(b.meldung().into(), 60)
                            }
                            b => Fehler::feld("datei", b.meldung()),
                        });
                    }
                    datei = Some(Datei { dateiname, eingang });
                } else {
                    let text = f.text().await.map_err(|_| zu_gross())?;
                    text_bytes += text.len();
                    if text_bytes > FORM_MAX_BYTES {
                        return Err(Fehler::feld("Formular", "zu groß oder unvollständig"));
                    }
                    if name == "_csrf" {
                        csrf_pruefen(&k, &text)?;
                        geprueft = true;
                    }
                    felder.push((name, text));
                }
            }
            if !geprueft {
                return Err(Fehler::csrf_abgelehnt(CSRF_FEHLER));
            }
        } else {
            // A plain form (no file chosen, or a client without multipart): same checks.
            let bytes = axum::body::to_bytes(req.into_body(), FORM_MAX_BYTES)
                .await
                .map_err(|_| zu_gross())?;
            felder = serde_urlencoded::from_bytes(&bytes)
                .map_err(|_| Fehler::feld("Formular", "nicht lesbar"))?;
            csrf_pruefen(&k, csrf_feld(&felder))?;
        }
        steuerzeichen_pruefen(felder.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        Ok(Hochladen {
            sitzung: k.sitzung,
            person: k.person,
            felder,
            datei,
        })
    }
}
