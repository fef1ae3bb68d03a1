//! A project as of a past date (public) and the members' comments on a project.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ozg_domain::access::Aktion;
use serde::Deserialize;

use super::{AppState, PageError};
use crate::members::web::{Formular, erlaubt};
use crate::programme::lists::{self, bad};
use crate::programme::plan_stand::datum_de;
use crate::programme::verlauf::{self, FeldStand};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/projekte/{slug}/stand", get(stand))
        .route("/projekte/{slug}/kommentare", post(kommentieren))
}

#[derive(Deserialize, Default)]
struct StandQuery {
    #[serde(default)]
    datum: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "projekt_stand.html")]
struct StandSeite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    datum: String,
    felder: Vec<FeldStand>,
}

async fn stand(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<StandQuery>,
) -> Result<Response, PageError> {
    let datum = q.datum.trim();
    let ok = datum.len() == 10
        && time::Date::parse(
            datum,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_ok();
    if !ok {
        return Err(bad(
            "datum",
            if datum.is_empty() {
                "Bitte geben Sie ein Datum an (JJJJ-MM-TT).".to_owned()
            } else {
                format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT.")
            },
        )
        .into());
    }
    if datum > lists::today().as_str() {
        return Err(bad("datum", "Das Datum liegt in der Zukunft.").into());
    }
    let Some(felder) = verlauf::stand_am(&st.db, &slug, datum).await? else {
        return Err(PageError::NotFound(format!(
            "Ein Umsetzungsprojekt „{slug}“ gibt es nicht."
        )));
    };
    let name = felder
        .iter()
        .find(|f| f.feld == "Name")
        .map(|f| f.damals.clone())
        .unwrap_or_default();
    Ok(StandSeite {
        title: format!("{name}: Stand vom {}", datum_de(datum)),
        nav: "projekte",
        slug,
        name,
        datum: datum_de(datum),
        felder,
    }
    .into_response())
}

#[derive(Deserialize)]
struct KommentarForm {
    #[serde(default)]
    kommentar: String,
}

async fn kommentieren(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<KommentarForm>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::Kommentieren)?;
    match verlauf::kommentieren(
        &st.db,
        &slug,
        &f.daten.kommentar,
        &s.konto.benutzername,
        &s.konto.name,
    )
    .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/projekte/{slug}#kommentare")).into_response()),
        Err(("projekt", m)) => Err(PageError::NotFound(m)),
        Err(e) => super::pages::projekt_seite(&st, &slug, Some(s), Some(e)).await,
    }
}
