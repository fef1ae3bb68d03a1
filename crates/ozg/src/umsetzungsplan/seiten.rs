//! The Umsetzungsplan on the portal: the HTML document with its options form, the downloads
//! (PDF, XLSX) and the list of stored Stände.
//!
//! The downloads are built one at a time ([`Erzeugung`]): a render occupies at most one of the
//! machine's cores, a bounded queue answers 503 when full, and the last few results are kept
//! per data revision, day and options, so repeated downloads cost nothing.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{Aktion, darf};
use serde::Deserialize;
use tokio::sync::OwnedSemaphorePermit;

use crate::kern::sitzung::erlaubt;
use crate::kern::uhr::datum_de;
use crate::kern::warteschlange::Warteschlange;
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Formular, Routen, Sitzung, Verweis};
use crate::programm::lesemodell;
use crate::umsetzungsplan::bericht::{PlanReport, ReportOptions, Variante};
use crate::umsetzungsplan::stand::{self as plan_stand, StandInfo};

type PageResult = Result<Response, Fehler>;

/// Builds the downloads (PDF, XLSX) one at a time — the report is read and typeset inside
/// the lock — with a bounded queue in front (503 with `Retry-After` when it is full, so
/// rotating options cannot pile up work) and the last few results kept per data revision,
/// day and options. Per process: another instance builds its own.
pub struct Erzeugung {
    schlange: Warteschlange,
    ablage: std::sync::Mutex<VecDeque<(String, Arc<Vec<u8>>)>>,
    gebaut: AtomicUsize,
    gleichzeitig: Arc<AtomicUsize>,
    hoechstens_gleichzeitig: AtomicUsize,
}

/// The one place to build, moved into the blocking work; counts the builds running while it
/// lives (the statistics of [`Erzeugung`]).
pub struct Bauplatz {
    _platz: OwnedSemaphorePermit,
    gleichzeitig: Arc<AtomicUsize>,
}

impl Drop for Bauplatz {
    fn drop(&mut self) {
        self.gleichzeitig.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Requests that may wait for the one build at a time.
const WARTESCHLANGE: usize = 4;
/// Results kept (each a few MB at most).
const ZWISCHENSPEICHER: usize = 8;

impl Default for Erzeugung {
    fn default() -> Self {
        Erzeugung {
            schlange: Warteschlange::new(1, WARTESCHLANGE),
            ablage: std::sync::Mutex::new(VecDeque::new()),
            gebaut: AtomicUsize::new(0),
            gleichzeitig: Arc::new(AtomicUsize::new(0)),
            hoechstens_gleichzeitig: AtomicUsize::new(0),
        }
    }
}

impl Erzeugung {
    /// How many documents were built, and the most built at the same time (for tests).
    pub fn statistik(&self) -> (usize, usize) {
        (
            self.gebaut.load(Ordering::SeqCst),
            self.hoechstens_gleichzeitig.load(Ordering::SeqCst),
        )
    }

    fn gespeichert(&self, key: &str) -> Option<Arc<Vec<u8>>> {
        let mut a = self
            .ablage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let i = a.iter().position(|(k, _)| k == key)?;
        let e = a.remove(i)?;
        let b = e.1.clone();
        a.push_front(e);
        Some(b)
    }

    fn speichern(&self, key: String, b: Arc<Vec<u8>>) {
        let mut a = self
            .ablage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        a.retain(|(k, _)| *k != key);
        a.push_front((key, b));
        a.truncate(ZWISCHENSPEICHER);
    }

    /// The document under `key`, from the store or built by `bauen` with the place, which it
    /// keeps until its blocking work is done.
    async fn holen<F, Fut>(&self, key: String, bauen: F) -> Result<Arc<Vec<u8>>, Fehler>
    where
        F: FnOnce(Bauplatz) -> Fut,
        Fut: Future<Output = Result<Vec<u8>, Fehler>>,
    {
        if let Some(b) = self.gespeichert(&key) {
            return Ok(b);
        }
        let besetzt = || {
            Fehler::Ausgelastet(
                "Der Umsetzungsplan wird gerade für andere Anfragen erzeugt. Bitte versuchen Sie es in einigen Sekunden erneut.".into(),
                10,
            )
        };
        let platz = self
            .schlange
            .platz(Duration::from_secs(60))
            .await
            .map_err(|_| besetzt())?;
        // Built meanwhile by the request before us?
        if let Some(b) = self.gespeichert(&key) {
            return Ok(b);
        }
        let n = self.gleichzeitig.fetch_add(1, Ordering::SeqCst) + 1;
        self.hoechstens_gleichzeitig.fetch_max(n, Ordering::SeqCst);
        // The builder moves the place into its blocking work, so a request dropped during
        // the typesetting does not free the place while the work still runs.
        let r = bauen(Bauplatz {
            _platz: platz,
            gleichzeitig: self.gleichzeitig.clone(),
        })
        .await;
        let b = Arc::new(r?);
        self.gebaut.fetch_add(1, Ordering::SeqCst);
        self.speichern(key, b.clone());
        Ok(b)
    }
}

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/umsetzungsplan", html)
        .lesen("/umsetzungsplan.xlsx", xlsx)
        .lesen("/umsetzungsplan.pdf", pdf)
        .lesen("/umsetzungsplan/staende", staende)
        .schreiben(
            "/umsetzungsplan/staende",
            Some(Aktion::StandAnlegen),
            stand_anlegen,
        )
}

fn options(q: Option<&str>, s: Option<&Sitzung>) -> Result<ReportOptions, Fehler> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.unwrap_or(""))
        .map_err(|_| Fehler::feld("Adresse", "die Angaben nach „?“ sind nicht lesbar"))?;
    let o = ReportOptions::from_pairs(&pairs)?;
    if o.variante == Variante::Mitglieder
        && !s.is_some_and(|s| darf(Some(&s.nutzer), Aktion::InterneFassungLesen, None))
    {
        return Err(Fehler::verboten(
            "Die Fassung für Mitglieder enthält interne Angaben und ist nur für angemeldete Mitglieder verfügbar.",
        ));
    }
    Ok(o)
}

async fn report(st: &AppState, o: &ReportOptions) -> Result<PlanReport, Fehler> {
    let model = lesemodell(st).await?;
    PlanReport::build(&st.db, &st.uhr, &model, o).await
}

/// A Themenfeld checkbox of the options form.
pub struct Wahl {
    slug: String,
    name: String,
    gewaehlt: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "umsetzungsplan/templates/umsetzungsplan.html")]
struct PlanPage<'a> {
    title: &'static str,
    nav: &'static str,
    r: &'a PlanReport,
    query: String,
    themenfelder: Vec<Wahl>,
    staende: Vec<StandInfo>,
    stand: String,
    seit: String,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
}

impl PlanPage<'_> {
    /// How many options are set (Themenfelder, Stand, Änderungen seit), for the summary.
    fn gewaehlt(&self) -> usize {
        self.themenfelder.iter().filter(|t| t.gewaehlt).count()
            + usize::from(!self.stand.is_empty())
            + usize::from(!self.seit.is_empty())
    }
    fn datum(&self, iso: &str) -> String {
        datum_de(iso)
    }
    /// Shading step 0–5 of a chart cell.
    fn stufe(&self, n: u32, max: u32) -> u32 {
        if n == 0 || max == 0 {
            0
        } else {
            (1 + 4 * (n - 1) / max.max(1)).min(5)
        }
    }
}

/// The HTML document for `r` (also what `ozg report --format html` writes).
pub fn plan_html(r: &PlanReport, o: &ReportOptions) -> anyhow::Result<String> {
    Ok(page(r, o, Vec::new(), Vec::new()).render()?)
}

fn page<'a>(
    r: &'a PlanReport,
    o: &ReportOptions,
    themenfelder: Vec<Wahl>,
    staende: Vec<StandInfo>,
) -> PlanPage<'a> {
    PlanPage {
        title: "Umsetzungsplan",
        nav: "programm",
        r,
        query: o.query(),
        themenfelder,
        staende,
        stand: o.stand.clone().unwrap_or_default(),
        seit: o.seit.clone().unwrap_or_default(),
        fehler: Feldfehler::new(),
        verweise: Vec::new(),
    }
}

async fn html(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    RawQuery(q): RawQuery,
) -> PageResult {
    let o = options(q.as_deref(), s.as_ref())?;
    // A Stand that cannot be read shows the current plan with the form again: what was typed
    // stays in its field, the error next to it.
    let (r, gezeigt, fehler) = match report(&st, &o).await {
        Ok(r) => (r, o.clone(), Feldfehler::new()),
        Err(Fehler::Ungueltig(e)) => {
            let mut ohne = o.clone();
            ohne.stand = None;
            ohne.seit = None;
            (report(&st, &ohne).await?, ohne, e)
        }
        Err(e) => return Err(e),
    };
    let model = lesemodell(&st).await?;
    let themenfelder = model
        .themenfelder
        .iter()
        .map(|t| Wahl {
            slug: t.slug.clone(),
            name: t.name.clone(),
            gewaehlt: o.themenfelder.contains(&t.slug),
        })
        .collect();
    let staende = plan_stand::liste(&st.db).await?;
    let mut seite = page(&r, &gezeigt, themenfelder, staende);
    seite.stand = o.stand.clone().unwrap_or_default();
    seite.seit = o.seit.clone().unwrap_or_default();
    seite.verweise = fehler.verweise("o-", &[("stand", "Stand"), ("seit", "Änderungen seit")]);
    let status = fehler.status();
    seite.fehler = fehler;
    Ok((status, seite).into_response())
}

async fn xlsx(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    RawQuery(q): RawQuery,
) -> PageResult {
    let o = options(q.as_deref(), s.as_ref())?;
    let key = schluessel(&st, "xlsx", &o).await?;
    let bytes = st
        .erweiterung::<Erzeugung>()
        .holen(key, |platz| async {
            let r = report(&st, &o).await?;
            Ok(tokio::task::spawn_blocking(move || {
                let _platz = platz;
                r.doc.to_xlsx()
            })
            .await
            .map_err(anyhow::Error::from)??)
        })
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"umsetzungsplan.xlsx\"",
            ),
        ],
        bytes.as_ref().clone(),
    )
        .into_response())
}

/// What a download depends on: the data revision, the day (the plan's dates) and the options.
async fn schluessel(st: &AppState, art: &str, o: &ReportOptions) -> Result<String, Fehler> {
    Ok(format!(
        "{art}|{}|{}|{}",
        st.db.meta("datenstand").await?.unwrap_or_default(),
        st.uhr.heute_iso(),
        o.query()
    ))
}

async fn pdf(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    RawQuery(q): RawQuery,
) -> PageResult {
    let o = options(q.as_deref(), s.as_ref())?;
    let key = schluessel(&st, "pdf", &o).await?;
    let bytes = st
        .erweiterung::<Erzeugung>()
        .holen(key, |platz| async {
            let r = report(&st, &o).await?;
            let jetzt = st.uhr.jetzt();
            let pdf = tokio::task::spawn_blocking(move || {
                let _platz = platz;
                crate::umsetzungsplan::pdf::render(&r, jetzt)
            })
            .await
            .map_err(anyhow::Error::from)??;
            Ok(pdf.bytes)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"umsetzungsplan.pdf\"",
            ),
        ],
        bytes.as_ref().clone(),
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "umsetzungsplan/templates/staende.html")]
struct StaendePage {
    title: &'static str,
    nav: &'static str,
    staende: Vec<StandInfo>,
    /// CSRF token when the visitor may freeze a Stand.
    anlegen_csrf: Option<String>,
}

impl StaendePage {
    fn datum(&self, iso: &str) -> String {
        datum_de(iso)
    }
}

async fn staende(State(st): State<AppState>, Angemeldet(s): Angemeldet) -> PageResult {
    Ok(StaendePage {
        title: "Gespeicherte Stände des Umsetzungsplans",
        nav: "programm",
        staende: plan_stand::liste(&st.db).await?,
        anlegen_csrf: s
            .filter(|s| darf(Some(&s.nutzer), Aktion::StandAnlegen, None))
            .map(|s| s.csrf),
    }
    .into_response())
}

#[derive(Deserialize)]
struct StandForm {
    #[serde(default)]
    name: String,
}

/// `POST /umsetzungsplan/staende`: freezes the plan as a Stand (Koordinierungsstelle).
async fn stand_anlegen(
    State(st): State<AppState>,
    f: Formular<StandForm>,
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::StandAnlegen)?;
    let model = lesemodell(&st).await?;
    plan_stand::anlegen_durch(
        &st.db,
        &st.uhr,
        &model,
        &f.daten.name,
        &s.konto.benutzername,
    )
    .await?;
    Ok(Redirect::to("/umsetzungsplan/staende").into_response())
}
