//! The security event log: logins and their failures, lockouts, overload refusals, refused
//! forms (CSRF) and refused actions (403). Each event goes to the structured log (target
//! `sicherheit`, with its fields), once, and, for form submissions, into the table
//! `sicherheitsereignis` that the Koordinierungsstelle sees. A refused page view (GET) reaches
//! the structured log only (from [`Schicht`]), never the table: a GET writes nothing.
//!
//! The table counts events instead of keeping one row per request (anyone can send refused
//! forms): one row per kind, address key (an IPv6 client by its /64), route pattern, account
//! and hour, with the number of events and the time and detail of the latest (see
//! `migrations/0025_sicherheitsereignis_zaehlen.sql`). Rows are deleted
//! [`AUFBEWAHREN_TAGE`] days after their latest event (they hold client addresses).

use serde::Deserialize;

use crate::kern::Fehler;
use crate::kern::db::{Db, DbFehler, Stmt};
use crate::kern::fehler::Verweigerung;
use crate::kern::uhr::{Uhr, zeit_de};
use crate::kern::zustand::{AppState, Zukunft};
use crate::sql;

/// Days events are kept.
pub const AUFBEWAHREN_TAGE: i64 = 90;

/// The longest path stored (a path no route matched; matched ones are stored as their pattern).
pub const PFAD_MAX: usize = 200;

/// At most this many accounts get their own row per kind, address, route and hour; events for
/// further accounts (a failed login stores the name as typed) are counted under [`WEITERE`].
pub const KONTEN_JE_STUNDE: i64 = 20;

/// The account of the row that counts the events beyond [`KONTEN_JE_STUNDE`].
pub const WEITERE: &str = "(weitere)";

/// Seconds of the aggregation period (an hour).
const STUNDE: i64 = 3600;

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

/// One row as stored: the events of one kind, address, route, account and hour.
#[derive(Debug, Clone, Deserialize)]
pub struct Ereignis {
    /// Number.
    pub id: i64,
    /// When the latest of them happened (seconds since the epoch).
    pub zeit: i64,
    /// Kind key.
    pub art: String,
    /// Client address (an IPv6 client's /64 network).
    pub adresse: String,
    /// Account (login name, as typed for failed logins), if any.
    pub konto: Option<String>,
    /// Route pattern of the request (or its path, cut short, when no route matched).
    pub pfad: String,
    /// Detail of the latest (German).
    pub detail: String,
    /// How many events the row counts.
    pub anzahl: i64,
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
    /// The count as shown, e.g. "3×".
    pub fn anzahl_text(&self) -> String {
        format!("{}×", self.anzahl)
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

/// `s` cut to at most `n` characters.
fn kurz(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// The statement that counts `m` into its row (for a transaction with other changes); logs it
/// too. One statement, no transaction of its own: the number a new row needs comes from the
/// sequence in the same transaction, like the audit log's (it advances for a counted event
/// too; a gap is harmless). The row is
/// found by its key (kind, address key, route, account, hour): a repeated event adds one to
/// `anzahl` and moves `zeit` and `detail` to the latest. An account beyond the first
/// [`KONTEN_JE_STUNDE`] of that kind, address, route and hour is counted under [`WEITERE`],
/// so names typed into a refused login cannot make rows either.
pub fn eintrag(uhr: &Uhr, m: &Meldung<'_>) -> Stmt {
    protokollieren(m);
    let zeit = uhr.sekunden();
    let adresse = ozg_domain::netz::drossel_schluessel(m.adresse);
    sql!(
        "INSERT INTO sicherheitsereignis (id, zeit, stunde, art, adresse, konto, pfad, detail, anzahl) \
         SELECT letzte, $1, $2, $3, $4, \
         CASE WHEN $5 = '' \
           OR EXISTS (SELECT 1 FROM sicherheitsereignis WHERE art = $3 AND adresse = $4 AND pfad = $6 AND stunde = $2 AND konto = $5) \
           OR (SELECT COUNT(*) FROM sicherheitsereignis WHERE art = $3 AND adresse = $4 AND pfad = $6 AND stunde = $2) < $8 \
         THEN $5 ELSE $9 END, \
         $6, $7, 1 FROM id_folge WHERE tabelle = 'sicherheitsereignis' \
         ON CONFLICT (art, adresse, pfad, stunde, konto) DO UPDATE \
         SET anzahl = sicherheitsereignis.anzahl + 1, zeit = excluded.zeit, detail = excluded.detail",
        zeit,
        zeit - zeit.rem_euclid(STUNDE),
        m.art.key(),
        kurz(&adresse, 100),
        kurz(m.konto.unwrap_or(""), 100),
        kurz(m.pfad, PFAD_MAX),
        kurz(m.detail, 500),
        KONTEN_JE_STUNDE,
        WEITERE
    )
    .mit_vorlauf(sql!(
        "UPDATE id_folge SET letzte = letzte + 1 WHERE tabelle = 'sicherheitsereignis'"
    ))
}

/// Records `m` on its own, in one transaction. A failure to record is logged, never shown to
/// the user: the request it belongs to has its own answer.
pub async fn melden(db: &Db, uhr: &Uhr, m: &Meldung<'_>) {
    if let Err(e) = db.execute_all(&[eintrag(uhr, m)]).await {
        tracing::error!("Sicherheitsereignis nicht gespeichert: {e}");
    }
}

/// The rows with the newest events (latest event first), optionally of one kind.
pub async fn liste(
    db: &Db,
    art: Option<Ereignisart>,
    limit: i64,
) -> Result<Vec<Ereignis>, DbFehler> {
    db.query(sql!(
        "SELECT id, zeit, art, adresse, NULLIF(konto, '') AS konto, pfad, detail, anzahl \
         FROM sicherheitsereignis \
         WHERE $1 = '' OR art = $1 ORDER BY zeit DESC, id DESC LIMIT $2",
        art.map_or("", Ereignisart::key),
        limit
    ))
    .await
}

/// Events per kind since `seit` (seconds since the epoch): the counts of the rows whose
/// latest event is that recent (so up to an hour's events before `seit` may count too).
pub async fn zaehlen(db: &Db, seit: i64) -> Result<Vec<(String, i64)>, DbFehler> {
    #[derive(Deserialize)]
    struct Z {
        art: String,
        n: i64,
    }
    Ok(db
        .query::<Z>(sql!(
            "SELECT art, CAST(SUM(anzahl) AS BIGINT) AS n FROM sicherheitsereignis \
             WHERE zeit >= $1 GROUP BY art ORDER BY art",
            seit
        ))
        .await?
        .into_iter()
        .map(|z| (z.art, z.n))
        .collect())
}

/// The scheduled clean-up: rows whose latest event is older than [`AUFBEWAHREN_TAGE`].
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

/// The kind of event a refusal (403) is, from the kind its response carries.
fn art_der_verweigerung(r: &Antwort) -> Ereignisart {
    match r.extensions().get::<Verweigerung>() {
        Some(Verweigerung::Csrf) => Ereignisart::CsrfAbgelehnt,
        Some(Verweigerung::Zugriff) | None => Ereignisart::ZugriffVerweigert,
    }
}

fn detail_der_verweigerung(r: &Antwort) -> &str {
    r.extensions()
        .get::<crate::kern::fehler::Problem>()
        .map_or("", |p| p.detail.as_str())
}

type Ergebnis = Result<Antwort, std::convert::Infallible>;

/// A refused request that is not a form submission: logged (once, here), never stored.
fn aufruf_pruefen(r: Ergebnis) -> Ergebnis {
    if let Ok(a) = &r
        && a.status() == axum::http::StatusCode::FORBIDDEN
    {
        let art = art_der_verweigerung(a);
        tracing::info!(
            target: "sicherheit",
            art = art.key(),
            detail = detail_der_verweigerung(a),
            "Sicherheitsereignis: {}",
            art.label()
        );
    }
    r
}

/// The layer that records refusals (403), each once: a refused form submission (POST)
/// becomes a counted event in the table and a line in the log, any other refused request a
/// line in the log only. Its kind (CSRF or refused action) is what the response carries
/// ([`Verweigerung`], set where the refusal is made); its path is the route's pattern, not
/// the path sent. Pages for a logged-in person get `Cache-Control: no-store`. Other requests
/// pass through at the cost of a status check.
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
        futures_util::future::Map<S::Future, fn(Ergebnis) -> Ergebnis>,
        std::pin::Pin<Box<dyn Future<Output = Ergebnis> + Send>>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: axum::extract::Request) -> Self::Future {
        use futures_util::FutureExt;
        // Only form submissions are stored; everything else is only looked at for a refusal.
        if req.method() != axum::http::Method::POST {
            // A page rendered for a logged-in person must not stay in a shared cache or the
            // browser's history cache.
            // Also the portal's pages: a citizen's Antrag (by session or draft cookie), a case.
            if [
                crate::kern::sitzung::SITZUNG_COOKIE,
                crate::kern::person::PORTAL_COOKIE,
                crate::kern::person::ENTWURF_COOKIE,
            ]
            .iter()
            .all(|c| crate::kern::sitzung::cookie(req.headers(), c).is_none())
            {
                return futures_util::future::Either::Left(
                    self.inner.call(req).map(aufruf_pruefen as fn(_) -> _),
                );
            }
            let fut = self.inner.call(req);
            return futures_util::future::Either::Right(Box::pin(async move {
                let mut r = aufruf_pruefen(fut.await)?;
                r.headers_mut()
                    .entry(axum::http::header::CACHE_CONTROL)
                    .or_insert(axum::http::HeaderValue::from_static("no-store, private"));
                Ok(r)
            }));
        }
        let (parts, body) = req.into_parts();
        let adresse = crate::kern::adresse::client(&parts, &self.st);
        // The route's pattern (`/einladung/{token}`), not the path sent: that is the client's
        // choice, of any length.
        let pfad = match parts.extensions.get::<axum::extract::MatchedPath>() {
            Some(m) => m.as_str().to_owned(),
            None => kurz(parts.uri.path(), PFAD_MAX).to_owned(),
        };
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
                    art: art_der_verweigerung(&r),
                    adresse: &adresse,
                    konto: konto.as_deref(),
                    pfad: &pfad,
                    detail: detail_der_verweigerung(&r),
                },
            )
            .await;
            Ok(r)
        }))
    }
}
