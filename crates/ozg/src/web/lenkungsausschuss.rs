//! The IT-Lenkungsausschuss in the portal: meetings with their agendas, Vorlagen with their
//! decisions, and the Umlaufverfahren. The decisions are public; forms appear for the roles
//! that may use them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ozg_domain::access::{Aktion, darf, darf_fuer};
use ozg_domain::governance::{Entscheidung, Mehrheit, Stimme};
use serde::Deserialize;

use super::{AppState, PageError};
use crate::members::accounts::{Feldfehler, Sitzung as Anmeldung};
use crate::members::web::{Angemeldet, Formular, erlaubt};
use crate::programme::bearbeiten;
use crate::programme::lenkungsausschuss::{
    self as la, BeschlussForm, Sitzung, UmlaufForm, Vorlage,
};
use crate::programme::lists;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/lenkungsausschuss", get(seite))
        .route("/lenkungsausschuss/sitzungen", post(sitzung_anlegen))
        .route(
            "/lenkungsausschuss/vorlagen/{id}/tagesordnung",
            post(tagesordnung),
        )
        .route(
            "/lenkungsausschuss/vorlagen/{id}/beschluss",
            post(beschluss),
        )
        .route("/lenkungsausschuss/vorlagen/{id}/umlauf", post(umlauf))
        .route("/lenkungsausschuss/umlauf/{id}/stimme", post(stimme))
        .route("/projekte/{slug}/vorlage", post(vorlage_einreichen))
}

/// What a refused form typed, to show it again beside the errors.
#[derive(Default)]
struct Eingabe {
    /// Which form: "sitzung", "tagesordnung-3", "beschluss-3", "umlauf-3", "stimme-2".
    form: String,
    fehler: Feldfehler,
    sitzung_datum: String,
    sitzung_ort: String,
    beschluss: BeschlussForm,
    umlauf: UmlaufForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "lenkungsausschuss.html")]
struct Seite {
    title: &'static str,
    nav: &'static str,
    sitzungen: Vec<Sitzung>,
    vorlagen: Vec<Vorlage>,
    csrf: Option<String>,
    erfassen: bool,
    abstimmen: bool,
    konto_id: i64,
    e: Eingabe,
    entscheidungen: Vec<(&'static str, &'static str)>,
    mehrheiten: Vec<(&'static str, &'static str)>,
    stimmen: Vec<(&'static str, &'static str)>,
    heute: String,
}

impl Seite {
    /// The error of `feld` in form `form`.
    fn fehler_bei(&self, form: &str, feld: &str) -> Option<String> {
        if self.e.form != form {
            return None;
        }
        self.e
            .fehler
            .iter()
            .find(|(k, _)| *k == feld)
            .map(|(_, m)| m.clone())
    }
    fn ist(&self, form: &str) -> bool {
        self.e.form == form
    }
    fn tagesordnung(&self, sitzung: i64) -> Vec<&Vorlage> {
        self.vorlagen
            .iter()
            .filter(|v| v.sitzung_id == Some(sitzung))
            .collect()
    }
}

async fn antwort(
    st: &AppState,
    s: Option<&Anmeldung>,
    status: StatusCode,
    e: Eingabe,
) -> Result<Response, PageError> {
    let (sitzungen, vorlagen) = la::uebersicht(&st.db).await?;
    let nutzer = s.map(|s| &s.nutzer);
    let mut r = Seite {
        title: "IT-Lenkungsausschuss",
        nav: "projekte",
        sitzungen,
        vorlagen,
        csrf: s.map(|s| s.csrf.clone()),
        erfassen: darf(nutzer, Aktion::BeschlussErfassen, None),
        abstimmen: darf(nutzer, Aktion::Abstimmen, None),
        konto_id: s.map(|s| s.konto.id).unwrap_or(0),
        e,
        entscheidungen: Entscheidung::ALL
            .iter()
            .map(|x| (x.key(), x.label()))
            .collect(),
        mehrheiten: Mehrheit::ALL.iter().map(|x| (x.key(), x.label())).collect(),
        stimmen: Stimme::ALL.iter().map(|x| (x.key(), x.label())).collect(),
        heute: lists::today(),
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

async fn seite(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
) -> Result<Response, PageError> {
    antwort(&st, s.as_ref(), StatusCode::OK, Eingabe::default()).await
}

fn nicht_gefunden(fe: &Feldfehler) -> Option<PageError> {
    fe.iter()
        .find(|(k, _)| *k == "vorlage" || *k == "umlauf")
        .filter(|(_, m)| m.contains("gibt es nicht"))
        .map(|(_, m)| PageError::NotFound(m.clone()))
}

#[derive(Deserialize)]
struct SitzungForm {
    #[serde(default)]
    datum: String,
    #[serde(default)]
    ort: String,
}

async fn sitzung_anlegen(
    State(st): State<AppState>,
    f: Formular<SitzungForm>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeschlussErfassen)?;
    match la::sitzung_anlegen(&st.db, &f.daten.datum, &f.daten.ort, &s.konto.benutzername).await? {
        Ok(id) => Ok(Redirect::to(&format!("/lenkungsausschuss#sitzung-{id}")).into_response()),
        Err(fehler) => {
            antwort(
                &st,
                Some(s),
                StatusCode::BAD_REQUEST,
                Eingabe {
                    form: "sitzung".into(),
                    fehler,
                    sitzung_datum: f.daten.datum,
                    sitzung_ort: f.daten.ort,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct TagesordnungForm {
    #[serde(default)]
    sitzung: String,
}

async fn tagesordnung(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<TagesordnungForm>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeschlussErfassen)?;
    match la::auf_tagesordnung(&st.db, id, &f.daten.sitzung, &s.konto.benutzername).await? {
        Ok(()) => Ok(Redirect::to(&format!("/lenkungsausschuss#vorlage-{id}")).into_response()),
        Err(fehler) => {
            if let Some(e) = nicht_gefunden(&fehler) {
                return Err(e);
            }
            antwort(
                &st,
                Some(s),
                StatusCode::BAD_REQUEST,
                Eingabe {
                    form: format!("tagesordnung-{id}"),
                    fehler,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

async fn beschluss(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<BeschlussForm>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeschlussErfassen)?;
    match la::beschluss_erfassen(&st.db, id, &f.daten, &lists::today(), &s.konto.benutzername)
        .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/lenkungsausschuss#vorlage-{id}")).into_response()),
        Err(fehler) => {
            if let Some(e) = nicht_gefunden(&fehler) {
                return Err(e);
            }
            antwort(
                &st,
                Some(s),
                StatusCode::BAD_REQUEST,
                Eingabe {
                    form: format!("beschluss-{id}"),
                    fehler,
                    beschluss: f.daten,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

async fn umlauf(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<UmlaufForm>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeschlussErfassen)?;
    match la::umlauf_starten(&st.db, id, &f.daten, la::jetzt(), &s.konto.benutzername).await? {
        Ok(_) => Ok(Redirect::to(&format!("/lenkungsausschuss#vorlage-{id}")).into_response()),
        Err(fehler) => {
            if let Some(e) = nicht_gefunden(&fehler) {
                return Err(e);
            }
            antwort(
                &st,
                Some(s),
                StatusCode::BAD_REQUEST,
                Eingabe {
                    form: format!("umlauf-{id}"),
                    fehler,
                    umlauf: f.daten,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct StimmeForm {
    #[serde(default)]
    stimme: String,
}

async fn stimme(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<StimmeForm>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::Abstimmen)?;
    match la::abstimmen(
        &st.db,
        id,
        s.konto.id,
        &f.daten.stimme,
        la::jetzt(),
        &s.konto.benutzername,
    )
    .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/lenkungsausschuss#umlauf-{id}")).into_response()),
        Err(fehler) => {
            if let Some(e) = nicht_gefunden(&fehler) {
                return Err(e);
            }
            antwort(
                &st,
                Some(s),
                StatusCode::BAD_REQUEST,
                Eingabe {
                    form: format!("stimme-{id}"),
                    fehler,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct VorlageForm {
    #[serde(default)]
    titel: String,
}

async fn vorlage_einreichen(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<VorlageForm>,
) -> Result<Response, PageError> {
    let Some(s) = f.sitzung.as_ref() else {
        return Err(PageError::Forbidden(
            "Bitte melden Sie sich an (Mitgliederbereich).".into(),
        ));
    };
    let Some((_, tfs)) = bearbeiten::laden(&st.db, &slug).await? else {
        return Err(PageError::NotFound(format!(
            "Ein Umsetzungsprojekt „{slug}“ gibt es nicht."
        )));
    };
    if !darf_fuer(Some(&s.nutzer), Aktion::VorlageEinreichen, &tfs) {
        return Err(PageError::Forbidden(
            "Vorlagen für den IT-Lenkungsausschuss reichen die Koordinierungsstelle und die Koordination des Themenfelds ein."
                .into(),
        ));
    }
    match la::vorlage_einreichen(&st.db, &slug, &f.daten.titel, &s.konto.benutzername).await? {
        Ok(id) => Ok(Redirect::to(&format!("/lenkungsausschuss#vorlage-{id}")).into_response()),
        Err(fehler) => {
            let (feld, m) = fehler
                .into_iter()
                .next()
                .unwrap_or(("titel", String::new()));
            super::pages::projekt_seite(&st, &slug, Some(s), Some((feld, m))).await
        }
    }
}
