//! The security event log: logins and their failures, lockouts, overload refusals, refused
//! forms (CSRF) and refused actions (403). Each event goes to the structured log (target
//! `sicherheit`, with its fields) and, for form submissions, into the table
//! `sicherheitsereignis` that the Koordinierungsstelle sees. A refused page view (GET) reaches
//! the structured log only (from [`Fehler`]), never the table: a GET writes nothing. Events are deleted after
//! [`AUFBEWAHREN_TAGE`] days (they hold client addresses).

use serde::Deserialize;

use crate::kern::Fehler;
use crate::kern::db::{Db, DbFehler, Stmt};
use crate::kern::uhr::{Uhr, zeit_de};
use crate::kern::zustand::{AppState, Zukunft};
use crate::sql;

/// Days events are kept.
pub const AUFBEWAHREN_TAGE: i64 = 90;

ozg_domain::schluessel! {
    /// The kinds of security events.
    pub enum Ereignisart: "keine Art von Sicherheitsereignis" {
        /// A successful login.
        Anmeldung = "anmeldung" / "Anmeldung",
        /// Wrong name or password.
        AnmeldungFehlgeschlagen = "anmeldung-fehlgeschlagen" / "Anmeldung fehlgeschlagen",
        /// Refused because of too many failures (account or address).
        Gesperrt = "gesperrt" / "Anmeldung gesperrt (zu viele Fehlversuche)",
        /// Refused because the password checks were busy (429).
        Ueberlastet = "ueberlastet" / "Anmeldung abgewiesen (überlastet)",
        /// A logout.
        Abmeldung = "abmeldung" / "Abmeldung",
        /// A form without a valid CSRF token or from a foreign origin.
        CsrfAbgelehnt = "csrf-abgelehnt" / "Formular abgelehnt (CSRF/Herkunft)",
        /// An action the session's role may not do (403).
        ZugriffVerweigert = "zugriff-verweigert" / "Zugriff verweigert",
        /// A password was changed.
        PasswortGeaendert = "passwort-geaendert" / "Passwort geändert",
    }
}

/// One event as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct Ereignis {
    /// Number.
    pub id: i64,
    /// When (seconds since the epoch).
    pub zeit: i64,
    /// Kind key.
    pub art: String,
    /// Client address.
    pub adresse: String,
    /// Account (login name, as typed for failed logins), if any.
    pub konto: Option<String>,
    /// Path of the request.
    pub pfad: String,
    /// Detail (German).
    pub detail: String,
}

impl Ereignis {
    /// The kind's German label.
    pub fn art_text(&self) -> &'static str {
        Ereignisart::parse(&self.art).map_or("unbekannt", Ereignisart::label)
    }
    /// German date and time.
    pub fn zeit_text(&self) -> String {
        zeit_de(self.zeit)
    }
}

/// What an event says.
pub struct Meldung<'a> {
    /// Kind.
    pub art: Ereignisart,
    /// Client address.
    pub adresse: &'a str,
    /// Account, if known.
    pub konto: Option<&'a str>,
    /// Request path.
    pub pfad: &'a str,
    /// Detail.
    pub detail: &'a str,
}

fn protokollieren(m: &Meldung<'_>) {
    tracing::info!(
        target: "sicherheit",
        art = m.art.key(),
        adresse = m.adresse,
        konto = m.konto.unwrap_or(""),
        pfad = m.pfad,
        detail = m.detail,
        "Sicherheitsereignis: {}",
        m.art.label()
    );
}

/// The statement that records `m` (for a transaction with other changes); logs it too.
pub async fn eintrag(db: &Db, uhr: &Uhr, m: &Meldung<'_>) -> Result<Stmt, DbFehler> {
    protokollieren(m);
    let id = db.neue_id("sicherheitsereignis").await?;
    Ok(sql!(
        "INSERT INTO sicherheitsereignis (id, zeit, art, adresse, konto, pfad, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id,
        uhr.sekunden(),
        m.art.key(),
        m.adresse,
        m.konto,
        m.pfad,
        m.detail
    ))
}

/// Records `m` on its own. A failure to record is logged, never shown to the user: the
/// request it belongs to has its own answer.
pub async fn melden(db: &Db, uhr: &Uhr, m: &Meldung<'_>) {
    let r = async { db.execute_all(&[eintrag(db, uhr, m).await?]).await }.await;
    if let Err(e) = r {
        tracing::error!("Sicherheitsereignis nicht gespeichert: {e}");
    }
}

/// The newest events, optionally of one kind.
pub async fn liste(
    db: &Db,
    art: Option<Ereignisart>,
    limit: i64,
) -> Result<Vec<Ereignis>, DbFehler> {
    db.query(sql!(
        "SELECT id, zeit, art, adresse, konto, pfad, detail FROM sicherheitsereignis \
         WHERE $1 = '' OR art = $1 ORDER BY id DESC LIMIT $2",
        art.map_or("", Ereignisart::key),
        limit
    ))
    .await
}

/// Events per kind since `seit` (seconds since the epoch).
pub async fn zaehlen(db: &Db, seit: i64) -> Result<Vec<(String, i64)>, DbFehler> {
    #[derive(Deserialize)]
    struct Z {
        art: String,
        n: i64,
    }
    Ok(db
        .query::<Z>(sql!(
            "SELECT art, COUNT(*) AS n FROM sicherheitsereignis WHERE zeit >= $1 GROUP BY art ORDER BY art",
            seit
        ))
        .await?
        .into_iter()
        .map(|z| (z.art, z.n))
        .collect())
}

/// The scheduled clean-up: events older than [`AUFBEWAHREN_TAGE`].
pub fn aufraeumen(st: AppState) -> Zukunft<'static, Result<(), Fehler>> {
    Box::pin(async move {
        st.db
            .execute_all(&[sql!(
                "DELETE FROM sicherheitsereignis WHERE zeit < $1",
                st.uhr.sekunden() - AUFBEWAHREN_TAGE * 86_400
            )])
            .await?;
        Ok(())
    })
}

/// The layer that records refused form submissions: a POST answered with 403 becomes a
/// stored event (CSRF or refused action). Pages for a logged-in person get
/// `Cache-Control: no-store`. Other requests pass through without any cost.
#[derive(Clone)]
pub struct Schicht(pub AppState);

impl<S> tower::Layer<S> for Schicht {
    type Service = Dienst<S>;
    fn layer(&self, inner: S) -> Dienst<S> {
        Dienst {
            inner,
            st: self.0.clone(),
        }
    }
}

/// See [`Schicht`].
#[derive(Clone)]
pub struct Dienst<S> {
    inner: S,
    st: AppState,
}

type Antwort = axum::response::Response;

impl<S> tower::Service<axum::extract::Request> for Dienst<S>
where
    S: tower::Service<axum::extract::Request, Response = Antwort, Error = std::convert::Infallible>
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Antwort;
    type Error = std::convert::Infallible;
    type Future = futures_util::future::Either<
        S::Future,
        std::pin::Pin<Box<dyn Future<Output = Result<Antwort, std::convert::Infallible>> + Send>>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: axum::extract::Request) -> Self::Future {
        // Only form submissions are recorded; everything else passes untouched (refused
        // page views reach the structured log from `Fehler` itself).
        if req.method() != axum::http::Method::POST {
            // A page rendered for a logged-in person must not stay in a shared cache or the
            // browser's history cache.
            if crate::kern::sitzung::cookie(req.headers(), crate::kern::sitzung::SITZUNG_COOKIE)
                .is_none()
            {
                return futures_util::future::Either::Left(self.inner.call(req));
            }
            let fut = self.inner.call(req);
            return futures_util::future::Either::Right(Box::pin(async move {
                let mut r = fut.await?;
                r.headers_mut()
                    .entry(axum::http::header::CACHE_CONTROL)
                    .or_insert(axum::http::HeaderValue::from_static("no-store, private"));
                Ok(r)
            }));
        }
        let (parts, body) = req.into_parts();
        let adresse = crate::kern::adresse::client(&parts, &self.st);
        let pfad = parts.uri.path().to_owned();
        let cookie =
            crate::kern::sitzung::cookie(&parts.headers, crate::kern::sitzung::SITZUNG_COOKIE);
        let fut = self
            .inner
            .call(axum::extract::Request::from_parts(parts, body));
        let st = self.st.clone();
        futures_util::future::Either::Right(Box::pin(async move {
            let r = fut.await?;
            if r.status() != axum::http::StatusCode::FORBIDDEN {
                return Ok(r);
            }
            let detail = r
                .extensions()
                .get::<crate::kern::fehler::Problem>()
                .map(|p| p.detail.clone())
                .unwrap_or_default();
            let art = if detail == crate::kern::formular::CSRF_FEHLER {
                Ereignisart::CsrfAbgelehnt
            } else {
                Ereignisart::ZugriffVerweigert
            };
            let konto = match &cookie {
                Some(c) => crate::kern::sitzung::benutzername(&st.db, c)
                    .await
                    .ok()
                    .flatten(),
                None => None,
            };
            melden(
                &st.db,
                &st.uhr,
                &Meldung {
                    art,
                    adresse: &adresse,
                    konto: konto.as_deref(),
                    pfad: &pfad,
                    detail: &detail,
                },
            )
            .await;
            Ok(r)
        }))
    }
}
