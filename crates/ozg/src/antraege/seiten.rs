//! The public pages of the services: the list of online services and, per service and
//! Kommune, the Leistungsbeschreibung (what it is, who is responsible, what you need, the
//! online service) with schema.org microdata for a Verwaltungssuchmaschine.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::ids::Ags;
use ozg_domain::zustaendigkeit::{Gemeinde, Zustaendigkeit};
use serde::Deserialize;

use crate::antraege::daten::{self, Behoerde};
use crate::antraege::zustaendigkeit::register;
use crate::antraege::{Dienst, dienst, dienste};
use crate::kern::person::{PersonArt, Portal};
use crate::kern::sitzung::{vorab_cookie, vorab_csrf};
use crate::kern::{Abfrage, AppState, Fehler, Routen};

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/dienste", liste)
        .lesen("/dienste/{dienst}", leistung)
        .lesen("/dienste/{dienst}/kommunen/{ags}", leistung_kommune)
}

#[derive(Template, WebTemplate)]
#[template(path = "antraege/templates/dienste.html")]
struct ListeSeite {
    title: &'static str,
    nav: &'static str,
    dienste: &'static [&'static Dienst],
}

async fn liste() -> Response {
    ListeSeite {
        title: "Online-Dienste",
        nav: "dienste",
        dienste: dienste(),
    }
    .into_response()
}

fn unbekannt(s: &str) -> Fehler {
    Fehler::nicht_gefunden(format!("Einen Online-Dienst „{s}“ gibt es hier nicht."))
}

#[derive(Template, WebTemplate)]
#[template(path = "antraege/templates/leistung.html")]
struct LeistungSeite {
    title: String,
    nav: &'static str,
    csrf: String,
    dienst: &'static Dienst,
    gemeinden: &'static [Gemeinde],
    gemeinde: Option<Gemeinde>,
    zustaendig: Option<Zustaendigkeit>,
    behoerde: Option<Behoerde>,
    angemeldet: bool,
    basis_url: String,
}

#[derive(Deserialize, Default)]
struct Wahl {
    #[serde(default)]
    gemeinde: String,
}

async fn leistung(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    Path(s): Path<String>,
    Abfrage(w): Abfrage<Wahl>,
) -> Result<Response, Fehler> {
    let d = dienst(&s).ok_or_else(|| unbekannt(&s))?;
    // A chosen Kommune has its own page (the address a search engine indexes).
    if !w.gemeinde.is_empty() {
        let ags =
            Ags::parse(w.gemeinde.trim()).map_err(|e| Fehler::feld("gemeinde", e.to_string()))?;
        return Ok(
            Redirect::to(&format!("/dienste/{}/kommunen/{ags}", d.schluessel)).into_response(),
        );
    }
    zeigen(&st, &p, &headers, d, None).await
}

async fn leistung_kommune(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    Path((s, ags)): Path<(String, String)>,
) -> Result<Response, Fehler> {
    let d = dienst(&s).ok_or_else(|| unbekannt(&s))?;
    let ags = Ags::parse(&ags).map_err(|e| Fehler::nicht_gefunden(e.to_string()))?;
    zeigen(&st, &p, &headers, d, Some(ags)).await
}

async fn zeigen(
    st: &AppState,
    p: &Portal,
    headers: &HeaderMap,
    d: &'static Dienst,
    ags: Option<Ags>,
) -> Result<Response, Fehler> {
    let r = register()?;
    let gemeinde = match &ags {
        Some(a) => Some(r.gemeinde(a).cloned().ok_or_else(|| {
            Fehler::nicht_gefunden(format!(
                "Eine Gemeinde mit dem Schlüssel {a} gibt es in NRW nicht."
            ))
        })?),
        None => None,
    };
    let zustaendig = match &gemeinde {
        Some(g) => r.zustaendig(d.schluessel, &g.ags).ok(),
        None => None,
    };
    let behoerde = match &zustaendig {
        Some(z) => daten::behoerde_per_schluessel(&st.db, &z.behoerde_schluessel).await?,
        None => None,
    };
    let buerger = p.sitzung.as_ref().filter(|s| s.art == PersonArt::Buerger);
    let (csrf, neu) = match buerger {
        Some(s) => (s.csrf.clone(), false),
        None => vorab_csrf(headers)?,
    };
    let title = match &gemeinde {
        Some(g) => format!("{} – {}", d.name, g.anzeigename),
        None => d.name.to_owned(),
    };
    let mut res = LeistungSeite {
        title,
        nav: "dienste",
        csrf: csrf.clone(),
        dienst: d,
        gemeinden: r.alle_gemeinden(),
        gemeinde,
        zustaendig,
        behoerde,
        angemeldet: buerger.is_some(),
        basis_url: st.basis_url.to_string(),
    }
    .into_response();
    if neu {
        vorab_cookie(&mut res, &csrf);
    }
    Ok(res)
}
