//! The Steckbrief editor in the portal (Koordinierungsstelle; the coordinators of the project's
//! Themenfelder): save as draft (members only) or publish.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::{AppState, PageError};
use crate::members::accounts::{Feldfehler, Sitzung};
use crate::members::web::{Angemeldet, Formular};
use crate::programme::steckbrief_edit::{self as edit, SteckbriefFormular};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/projekte/{slug}/steckbrief", get(formular).post(speichern))
}

#[derive(Template, WebTemplate)]
#[template(path = "steckbrief_bearbeiten.html")]
struct Seite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    csrf: String,
    f: SteckbriefFormular,
    fehler: Feldfehler,
    entwurf: bool,
    konflikt: Option<Vec<crate::members::audit::Eintrag>>,
}

impl Seite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        crate::members::accounts::fehler_bei(&self.fehler, feld)
    }
}

async fn pruefen_und_laden<'a>(
    st: &AppState,
    slug: &str,
    s: Option<&'a Sitzung>,
) -> Result<(&'a Sitzung, edit::Stand), PageError> {
    super::bearbeiten::laden_und_pruefen(st, slug, s).await?;
    let s = s.expect("checked");
    let stand = edit::laden(&st.db, slug).await?.ok_or_else(|| {
        PageError::NotFound(format!("Ein Umsetzungsprojekt „{slug}“ gibt es nicht."))
    })?;
    Ok((s, stand))
}

async fn formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    if s.is_none() {
        return Ok(
            Redirect::to(&format!("/anmelden?weiter=/projekte/{slug}/steckbrief")).into_response(),
        );
    }
    let (s, stand) = pruefen_und_laden(&st, &slug, s.as_ref()).await?;
    let mut f = SteckbriefFormular::aus_steckbrief(&stand.arbeitsfassung(&slug), stand.version);
    f.protokoll_stand = crate::members::audit::stand(&st.db, &format!("projekt:{slug}"))
        .await?
        .to_string();
    Ok(Seite {
        title: format!("Steckbrief bearbeiten: {}", stand.name),
        nav: "projekte",
        f,
        slug,
        name: stand.name.clone(),
        csrf: s.csrf.clone(),
        fehler: Vec::new(),
        entwurf: stand.entwurf.is_some(),
        konflikt: None,
    }
    .into_response())
}

async fn speichern(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (s, stand) = pruefen_und_laden(&st, &slug, f.sitzung.as_ref()).await?;
    let eingabe = SteckbriefFormular::aus_paaren(&f.daten);
    let antwort = |status, mut eingabe: SteckbriefFormular, fehler, konflikt| {
        if eingabe.varianten.is_empty() {
            eingabe.varianten.push(Default::default());
        }
        let mut r = Seite {
            title: format!("Steckbrief bearbeiten: {}", stand.name),
            nav: "projekte",
            slug: slug.clone(),
            name: stand.name.clone(),
            csrf: s.csrf.clone(),
            f: eingabe,
            fehler,
            entwurf: stand.entwurf.is_some(),
            konflikt,
        }
        .into_response();
        *r.status_mut() = status;
        r
    };
    let (neu, version) = match edit::pruefen(&eingabe, &stand.arbeitsfassung(&slug)) {
        Ok(x) => x,
        Err(fehler) => return Ok(antwort(StatusCode::BAD_REQUEST, eingabe, fehler, None)),
    };
    let veroeffentlichen = eingabe.aktion == "veroeffentlichen";
    if edit::speichern(
        &st.db,
        &slug,
        &stand,
        &neu,
        version,
        veroeffentlichen,
        &s.konto.benutzername,
    )
    .await?
    {
        Ok(Redirect::to(&format!(
            "/projekte/{slug}{}",
            if veroeffentlichen {
                "#steckbrief-titel"
            } else {
                "/steckbrief"
            }
        ))
        .into_response())
    } else {
        // Keep what was typed; the next save is based on the current version.
        let objekt = format!("projekt:{slug}");
        let konflikt =
            crate::members::audit::seit(&st.db, &objekt, &eingabe.protokoll_stand).await?;
        let mut neu_eingabe = eingabe;
        neu_eingabe.version = stand.version.to_string();
        neu_eingabe.protokoll_stand = crate::members::audit::stand(&st.db, &objekt)
            .await?
            .to_string();
        Ok(antwort(
            StatusCode::CONFLICT,
            neu_eingabe,
            Vec::new(),
            Some(konflikt),
        ))
    }
}
