//! The Umsetzungsplan on the portal: the HTML document with its options form, the downloads
//! (PDF, XLSX) and the list of stored Stände.
//!
//! The PDF is typeset on the blocking pool, one at a time (a semaphore), so a render occupies at
//! most one of the machine's cores and other requests keep being served; the last PDF is kept
//! per data revision and options, so repeated downloads cost nothing.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{Aktion, darf};
use serde::Deserialize;
use tokio::sync::{Mutex, Semaphore};

use crate::kern::sitzung::erlaubt;
use crate::kern::uhr::datum_de;
use crate::kern::{Angemeldet, AppState, Fehler, Formular, Routen, Sitzung};
use crate::programm::lesemodell;
use crate::umsetzungsplan::bericht::{PlanReport, ReportOptions, Variante};
use crate::umsetzungsplan::stand::{self as plan_stand, StandInfo};

type PageResult = Result<Response, Fehler>;

/// Serialises PDF renders and remembers the last one (one per portal state).
pub struct PdfQueue {
    permits: Semaphore,
    last: Mutex<Option<(String, Arc<Vec<u8>>)>>,
}

impl Default for PdfQueue {
    fn default() -> Self {
        PdfQueue {
            permits: Semaphore::new(1),
            last: Mutex::new(None),
        }
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
}

impl PlanPage<'_> {
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
    }
}

async fn html(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    RawQuery(q): RawQuery,
) -> PageResult {
    let o = options(q.as_deref(), s.as_ref())?;
    let r = report(&st, &o).await?;
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
    Ok(page(&r, &o, themenfelder, staende).into_response())
}

async fn xlsx(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    RawQuery(q): RawQuery,
) -> PageResult {
    let o = options(q.as_deref(), s.as_ref())?;
    let r = report(&st, &o).await?;
    let bytes = tokio::task::spawn_blocking(move || r.doc.to_xlsx())
        .await
        .map_err(anyhow::Error::from)??;
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
        bytes,
    )
        .into_response())
}

async fn pdf(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    RawQuery(q): RawQuery,
) -> PageResult {
    let o = options(q.as_deref(), s.as_ref())?;
    let key = format!(
        "{}|{}|{}",
        st.db.meta("datenstand").await?.unwrap_or_default(),
        st.uhr.heute_iso(),
        o.query()
    );
    let queue = st.erweiterung::<PdfQueue>();
    let cached = queue
        .last
        .lock()
        .await
        .as_ref()
        .filter(|(k, _)| *k == key)
        .map(|(_, b)| b.clone());
    let bytes = match cached {
        Some(b) => b,
        None => {
            let r = report(&st, &o).await?;
            let _permit = queue.permits.acquire().await.map_err(anyhow::Error::from)?;
            let jetzt = st.uhr.jetzt();
            let pdf =
                tokio::task::spawn_blocking(move || crate::umsetzungsplan::pdf::render(&r, jetzt))
                    .await
                    .map_err(anyhow::Error::from)??;
            let b = Arc::new(pdf.bytes);
            *queue.last.lock().await = Some((key, b.clone()));
            b
        }
    };
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
