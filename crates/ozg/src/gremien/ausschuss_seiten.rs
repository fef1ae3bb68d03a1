//! The IT-Lenkungsausschuss in the portal: meetings with their agendas, Vorlagen with their
//! decisions, and the Umlaufverfahren. The decisions are public; forms appear for the roles
//! that may use them.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{Aktion, darf};
use ozg_domain::governance::{Entscheidung, Mehrheit, Stimme};
use serde::Deserialize;

use crate::gremien::ausschuss::{self as la, BeschlussForm, Sitzung, UmlaufForm, Vorlage};
use crate::kern::sitzung::{Sitzung as Anmeldung, erlaubt};
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Formular, Routen};
use crate::programm::projekt_fuer_vorlage;

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/lenkungsausschuss", seite)
        .schreiben(
            "/lenkungsausschuss/sitzungen",
            Some(Aktion::BeschlussErfassen),
            sitzung_anlegen,
        )
        .schreiben(
            "/lenkungsausschuss/vorlagen/{id}/tagesordnung",
            Some(Aktion::BeschlussErfassen),
            tagesordnung,
        )
        .schreiben(
            "/lenkungsausschuss/vorlagen/{id}/beschluss",
            Some(Aktion::BeschlussErfassen),
            beschluss,
        )
        .schreiben(
            "/lenkungsausschuss/vorlagen/{id}/umlauf",
            Some(Aktion::BeschlussErfassen),
            umlauf,
        )
        .schreiben(
            "/lenkungsausschuss/umlauf/{id}/stimme",
            Some(Aktion::Abstimmen),
            stimme,
        )
        .schreiben(
            "/projekte/{slug}/vorlage",
            Some(Aktion::VorlageEinreichen),
            vorlage_einreichen,
        )
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
#[template(path = "gremien/templates/lenkungsausschuss.html")]
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
        self.e.fehler.bei(feld)
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
) -> Result<Response, Fehler> {
    let (sitzungen, vorlagen) = la::uebersicht(&st.db, &st.uhr).await?;
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
        entscheidungen: Entscheidung::optionen(),
        mehrheiten: Mehrheit::optionen(),
        stimmen: Stimme::optionen(),
        heute: st.uhr.heute_iso(),
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

async fn seite(State(st): State<AppState>, Angemeldet(s): Angemeldet) -> Result<Response, Fehler> {
    antwort(&st, s.as_ref(), StatusCode::OK, Eingabe::default()).await
}

/// The page again with the refused form's input and errors (400); other errors pass.
async fn abgelehnt(
    st: &AppState,
    s: &Anmeldung,
    e: Fehler,
    eingabe: impl FnOnce(Feldfehler) -> Eingabe,
) -> Result<Response, Fehler> {
    let fehler = e.feldfehler()?;
    antwort(st, Some(s), StatusCode::BAD_REQUEST, eingabe(fehler)).await
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
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeschlussErfassen)?;
    match la::sitzung_anlegen(
        &st.db,
        &st.uhr,
        &f.daten.datum,
        &f.daten.ort,
        &s.konto.benutzername,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/lenkungsausschuss#sitzung-{id}")).into_response()),
        Err(e) => {
            abgelehnt(&st, s, e, |fehler| Eingabe {
                form: "sitzung".into(),
                fehler,
                sitzung_datum: f.daten.datum,
                sitzung_ort: f.daten.ort,
                ..Default::default()
            })
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
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeschlussErfassen)?;
    match la::auf_tagesordnung(&st.db, &st.uhr, id, &f.daten.sitzung, &s.konto.benutzername).await {
        Ok(()) => Ok(Redirect::to(&format!("/lenkungsausschuss#vorlage-{id}")).into_response()),
        Err(e) => {
            abgelehnt(&st, s, e, |fehler| Eingabe {
                form: format!("tagesordnung-{id}"),
                fehler,
                ..Default::default()
            })
            .await
        }
    }
}

async fn beschluss(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<BeschlussForm>,
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeschlussErfassen)?;
    match la::beschluss_erfassen(&st.db, &st.uhr, id, &f.daten, &s.konto.benutzername).await {
        Ok(()) => Ok(Redirect::to(&format!("/lenkungsausschuss#vorlage-{id}")).into_response()),
        Err(e) => {
            abgelehnt(&st, s, e, |fehler| Eingabe {
                form: format!("beschluss-{id}"),
                fehler,
                beschluss: f.daten,
                ..Default::default()
            })
            .await
        }
    }
}

async fn umlauf(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<UmlaufForm>,
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeschlussErfassen)?;
    match la::umlauf_starten(&st.db, &st.uhr, id, &f.daten, &s.konto.benutzername).await {
        Ok(_) => Ok(Redirect::to(&format!("/lenkungsausschuss#vorlage-{id}")).into_response()),
        Err(e) => {
            abgelehnt(&st, s, e, |fehler| Eingabe {
                form: format!("umlauf-{id}"),
                fehler,
                umlauf: f.daten,
                ..Default::default()
            })
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
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::Abstimmen)?;
    match la::abstimmen(
        &st.db,
        &st.uhr,
        id,
        s.konto.id,
        &f.daten.stimme,
        &s.konto.benutzername,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/lenkungsausschuss#umlauf-{id}")).into_response()),
        Err(e) => {
            abgelehnt(&st, s, e, |fehler| Eingabe {
                form: format!("stimme-{id}"),
                fehler,
                ..Default::default()
            })
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
) -> Result<Response, Fehler> {
    let s = projekt_fuer_vorlage(&st.db, &slug, f.sitzung.as_ref()).await?;
    match la::vorlage_einreichen(
        &st.db,
        &st.uhr,
        &slug,
        &f.daten.titel,
        &s.konto.benutzername,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/lenkungsausschuss#vorlage-{id}")).into_response()),
        Err(e) => crate::programm::projekt_seite_mit_fehler(&st, &slug, s, e.feldfehler()?).await,
    }
}
