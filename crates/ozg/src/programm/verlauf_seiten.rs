//! A project as of a past date (public) and the members' comments on a project.

use crate::kern::Abfrage;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::Aktion;
use serde::Deserialize;

use crate::kern::sitzung::erlaubt;
use crate::kern::uhr::{datum_de, datum_eingabe};
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Formular, Routen};
use crate::programm::projekt_bearbeiten::nicht_gefunden;
use crate::programm::projekt_seite::projekt_seite_mit_stand;
use crate::programm::verlauf::{self, FeldStand};

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/projekte/{slug}/stand", stand)
        .schreiben(
            "/projekte/{slug}/kommentare",
            Some(Aktion::Kommentieren),
            kommentieren,
        )
}

#[derive(Deserialize, Default)]
struct StandQuery {
    #[serde(default)]
    datum: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/projekt_stand.html")]
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
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
    Abfrage(q): Abfrage<StandQuery>,
) -> Result<Response, Fehler> {
    let eingabe = q.datum.trim();
    let datum = datum_eingabe(eingabe).map(|d| d.to_string());
    let fehler = match &datum {
        None if eingabe.is_empty() => Some("Bitte geben Sie ein Datum an (TT.MM.JJJJ).".to_owned()),
        None => Some(format!(
            "„{eingabe}“ ist kein Datum; erwartet wird TT.MM.JJJJ, z. B. 04.12.2026."
        )),
        Some(d) if d.as_str() > st.uhr.heute_iso().as_str() => {
            Some("Das Datum liegt in der Zukunft.".to_owned())
        }
        Some(_) => None,
    };
    // A refused date shows the project page again, with the date in its field and the error.
    if let Some(m) = fehler {
        return projekt_seite_mit_stand(
            &st,
            &slug,
            s.as_ref(),
            Feldfehler::eins("datum", m),
            eingabe.to_owned(),
        )
        .await;
    }
    let datum = datum.unwrap_or_default();
    let datum = datum.as_str();
    let Some(felder) = verlauf::stand_am(&st.db, &slug, datum).await? else {
        return Err(nicht_gefunden(&slug));
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
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::Kommentieren)?;
    match verlauf::kommentieren(
        &st.db,
        &st.uhr,
        &slug,
        &f.daten.kommentar,
        &s.konto.benutzername,
        &s.konto.name,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/projekte/{slug}#kommentare")).into_response()),
        Err(Fehler::Ungueltig(e)) => {
            super::projekt_seite::projekt_seite(&st, &slug, Some(s), e).await
        }
        Err(e) => Err(e),
    }
}
