//! Editing a project in the portal (Koordinierungsstelle; Themenfeld-Koordinatoren for the
//! projects of their Themenfelder) and its change history (members).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ozg_domain::access::{Aktion, darf, darf_fuer};
use ozg_domain::project::Zielportal;

use super::{AppState, PageError};
use crate::members::accounts::{Feldfehler, Sitzung};
use crate::members::audit::{self, Eintrag};
use crate::members::web::{Angemeldet, Formular, erlaubt};
use crate::programme::abstimmung::{self, Abweichung};
use crate::programme::bearbeiten::{self, Gespeichert, ProjektDaten, ProjektFormular};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/projekte/{slug}/bearbeiten", get(formular).post(speichern))
        .route("/projekte/{slug}/historie", get(historie))
        .route(
            "/organisationen/{slug}/bearbeiten",
            get(org_formular).post(org_speichern),
        )
        .route(
            "/projekte/{slug}/beteiligte",
            get(beteiligte_formular).post(beteiligte_speichern),
        )
        .route("/prioritaeten", get(prioritaeten))
        .route(
            "/prioritaeten/{slug}",
            axum::routing::post(abstimmung_erfassen),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "projekt_bearbeiten.html")]
struct BearbeitenSeite {
    title: String,
    nav: &'static str,
    slug: String,
    csrf: String,
    f: ProjektFormular,
    fehler: Feldfehler,
    konflikt: Vec<Eintrag>,
    zielportale: Vec<(&'static str, &'static str)>,
    historie: Vec<Eintrag>,
}

impl BearbeitenSeite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        crate::members::accounts::fehler_bei(&self.fehler, feld)
    }
}

/// The project if the session may edit it (Koordinierungsstelle, coordinators of its
/// Themenfelder), else 403/404 naming why.
pub(super) async fn laden_und_pruefen(
    st: &AppState,
    slug: &str,
    s: Option<&Sitzung>,
) -> Result<ProjektDaten, PageError> {
    let Some(s) = s else {
        return Err(PageError::Forbidden(
            "Bitte melden Sie sich an (Mitgliederbereich).".into(),
        ));
    };
    let Some((p, tfs)) = bearbeiten::laden(&st.db, slug).await? else {
        return Err(PageError::NotFound(format!(
            "Ein Umsetzungsprojekt „{slug}“ gibt es nicht."
        )));
    };
    if !darf_fuer(Some(&s.nutzer), Aktion::ProjektBearbeiten, &tfs) {
        return Err(PageError::Forbidden(
            "Ihre Rolle erlaubt es nicht, dieses Projekt zu bearbeiten (nur die Koordinierungsstelle und die Koordination seines Themenfelds)."
                .into(),
        ));
    }
    Ok(p)
}

async fn protokoll_von(st: &AppState, slug: &str) -> Result<Vec<Eintrag>, PageError> {
    let objekt = format!("projekt:{slug}");
    Ok(audit::liste(&st.db, &objekt, 200)
        .await?
        .into_iter()
        .filter(|e| e.objekt == objekt)
        .collect())
}

fn seite(
    slug: &str,
    s: &Sitzung,
    f: ProjektFormular,
    fehler: Feldfehler,
    konflikt: Vec<Eintrag>,
    historie: Vec<Eintrag>,
) -> BearbeitenSeite {
    BearbeitenSeite {
        title: format!("{} bearbeiten", f.name),
        nav: "projekte",
        slug: slug.to_owned(),
        csrf: s.csrf.clone(),
        f,
        fehler,
        konflikt,
        zielportale: Zielportal::ALL
            .iter()
            .map(|z| (z.key(), z.label()))
            .collect(),
        historie,
    }
}

async fn formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    if s.is_none() {
        return Ok(
            Redirect::to(&format!("/anmelden?weiter=/projekte/{slug}/bearbeiten")).into_response(),
        );
    }
    let p = laden_und_pruefen(&st, &slug, s.as_ref()).await?;
    let historie = protokoll_von(&st, &slug).await?;
    let stand = historie.first().map(|e| e.id).unwrap_or(0);
    let s = s.expect("checked");
    Ok(seite(
        &slug,
        &s,
        p.formular(stand),
        Vec::new(),
        Vec::new(),
        historie,
    )
    .into_response())
}

async fn speichern(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<ProjektFormular>,
) -> Result<Response, PageError> {
    let p = laden_und_pruefen(&st, &slug, f.sitzung.as_ref()).await?;
    let s = f.sitzung.expect("checked");
    let eingabe = f.daten;
    let antwort = |status: StatusCode,
                   eingabe: ProjektFormular,
                   fehler: Feldfehler,
                   konflikt: Vec<Eintrag>,
                   historie: Vec<Eintrag>| {
        let mut r = seite(&slug, &s, eingabe, fehler, konflikt, historie).into_response();
        *r.status_mut() = status;
        r
    };
    let g = match bearbeiten::pruefen(&eingabe) {
        Ok(g) => g,
        Err(fehler) => {
            let historie = protokoll_von(&st, &slug).await?;
            return Ok(antwort(
                StatusCode::BAD_REQUEST,
                eingabe,
                fehler,
                Vec::new(),
                historie,
            ));
        }
    };
    match bearbeiten::speichern(&st.db, &p, &g, &s.konto.benutzername).await? {
        Gespeichert::Ja(_) => {
            Ok(Redirect::to(&format!("/projekte/{slug}/historie")).into_response())
        }
        Gespeichert::Konflikt => {
            // Keep what was typed, show what changed meanwhile, and base the next save on the
            // current version so a deliberate second save wins.
            let historie = protokoll_von(&st, &slug).await?;
            let seit: i64 = eingabe.protokoll_stand.parse().unwrap_or(0);
            let konflikt: Vec<Eintrag> = historie.iter().filter(|e| e.id > seit).cloned().collect();
            let mut neu = eingabe;
            neu.version = p.version.to_string();
            neu.protokoll_stand = historie.first().map(|e| e.id).unwrap_or(0).to_string();
            Ok(antwort(
                StatusCode::CONFLICT,
                neu,
                Vec::new(),
                konflikt,
                historie,
            ))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "projekt_historie.html")]
struct HistorieSeite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    eintraege: Vec<Eintrag>,
    bearbeiten: bool,
}

async fn historie(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let Some(s) = s else {
        return Ok(
            Redirect::to(&format!("/anmelden?weiter=/projekte/{slug}/historie")).into_response(),
        );
    };
    let Some((p, tfs)) = bearbeiten::laden(&st.db, &slug).await? else {
        return Err(PageError::NotFound(format!(
            "Ein Umsetzungsprojekt „{slug}“ gibt es nicht."
        )));
    };
    let bearbeiten = darf_fuer(Some(&s.nutzer), Aktion::ProjektBearbeiten, &tfs);
    Ok(HistorieSeite {
        title: format!("Änderungen: {}", p.name),
        nav: "projekte",
        slug: slug.clone(),
        name: p.name,
        eintraege: protokoll_von(&st, &slug).await?,
        bearbeiten,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "prioritaeten.html")]
struct PrioritaetenSeite {
    title: &'static str,
    nav: &'static str,
    abweichungen: Vec<Abweichung>,
    /// CSRF token when the visitor may record a status.
    csrf: Option<String>,
    status: Vec<(&'static str, &'static str)>,
    fehler: Option<(String, &'static str, String)>,
}

async fn prioritaeten_seite(
    st: &AppState,
    s: Option<&Sitzung>,
    fehler: Option<(String, &'static str, String)>,
) -> Result<PrioritaetenSeite, PageError> {
    Ok(PrioritaetenSeite {
        title: "Abweichende Prioritäten",
        nav: "projekte",
        abweichungen: abstimmung::liste(&st.db).await?,
        csrf: s
            .filter(|s| darf(Some(&s.nutzer), Aktion::PrioritaetAbstimmen, None))
            .map(|s| s.csrf.clone()),
        status: abstimmung::STATUS.to_vec(),
        fehler,
    })
}

async fn prioritaeten(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
) -> Result<Response, PageError> {
    Ok(prioritaeten_seite(&st, s.as_ref(), None)
        .await?
        .into_response())
}

#[derive(serde::Deserialize)]
struct AbstimmungForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    notiz: String,
}

async fn abstimmung_erfassen(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<AbstimmungForm>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::PrioritaetAbstimmen)?;
    match abstimmung::erfassen(
        &st.db,
        &slug,
        &f.daten.status,
        &f.daten.notiz,
        &s.konto.benutzername,
    )
    .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/prioritaeten#p-{slug}")).into_response()),
        Err((feld, m)) => {
            let mut r = prioritaeten_seite(&st, Some(s), Some((slug, feld, m)))
                .await?
                .into_response();
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "projekt_beteiligte.html")]
struct BeteiligteSeite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    csrf: String,
    f: crate::programme::beteiligte_edit::BeteiligteFormular,
    rollen: Vec<(&'static str, &'static str, &'static str)>,
    fehler: Feldfehler,
    konflikt: Option<Vec<Eintrag>>,
}

impl BeteiligteSeite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        crate::members::accounts::fehler_bei(&self.fehler, feld)
    }
}

async fn beteiligte_formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    use crate::programme::beteiligte_edit as be;
    if s.is_none() {
        return Ok(
            Redirect::to(&format!("/anmelden?weiter=/projekte/{slug}/beteiligte")).into_response(),
        );
    }
    laden_und_pruefen(&st, &slug, s.as_ref()).await?;
    let s = s.expect("checked");
    let b = be::laden(&st.db, &slug).await?.ok_or_else(|| {
        PageError::NotFound(format!("Ein Umsetzungsprojekt „{slug}“ gibt es nicht."))
    })?;
    let mut f = b.formular();
    f.protokoll_stand = audit::stand(&st.db, &format!("projekt:{slug}"))
        .await?
        .to_string();
    Ok(BeteiligteSeite {
        title: format!("Beteiligte und Leistungen: {}", b.name),
        nav: "projekte",
        slug,
        name: b.name.clone(),
        csrf: s.csrf.clone(),
        f,
        rollen: be::ROLLEN.to_vec(),
        fehler: Vec::new(),
        konflikt: None,
    }
    .into_response())
}

async fn beteiligte_speichern(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<crate::programme::beteiligte_edit::BeteiligteFormular>,
) -> Result<Response, PageError> {
    use crate::programme::beteiligte_edit as be;
    laden_und_pruefen(&st, &slug, f.sitzung.as_ref()).await?;
    let s = f.sitzung.expect("checked");
    let b = be::laden(&st.db, &slug).await?.ok_or_else(|| {
        PageError::NotFound(format!("Ein Umsetzungsprojekt „{slug}“ gibt es nicht."))
    })?;
    let antwort = |status: StatusCode, eingabe, fehler, konflikt| {
        let mut r = BeteiligteSeite {
            title: format!("Beteiligte und Leistungen: {}", b.name),
            nav: "projekte",
            slug: slug.clone(),
            name: b.name.clone(),
            csrf: s.csrf.clone(),
            f: eingabe,
            rollen: be::ROLLEN.to_vec(),
            fehler,
            konflikt,
        }
        .into_response();
        *r.status_mut() = status;
        r
    };
    let g = match be::pruefen(&st.db, &b, &f.daten).await? {
        Ok(g) => g,
        Err(fehler) => return Ok(antwort(StatusCode::BAD_REQUEST, f.daten, fehler, None)),
    };
    if be::speichern(&st.db, &slug, &b, &g, &s.konto.benutzername).await? {
        Ok(Redirect::to(&format!("/projekte/{slug}")).into_response())
    } else {
        let objekt = format!("projekt:{slug}");
        let konflikt = audit::seit(&st.db, &objekt, &f.daten.protokoll_stand).await?;
        let mut neu = f.daten;
        neu.version = b.version.to_string();
        neu.protokoll_stand = audit::stand(&st.db, &objekt).await?.to_string();
        Ok(antwort(
            StatusCode::CONFLICT,
            neu,
            Vec::new(),
            Some(konflikt),
        ))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "organisation_bearbeiten.html")]
struct OrgSeite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    csrf: String,
    f: crate::programme::organisation_edit::OrganisationFormular,
    fehler: Feldfehler,
    konflikt: Option<Vec<Eintrag>>,
    historie: Vec<Eintrag>,
}

impl OrgSeite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        crate::members::accounts::fehler_bei(&self.fehler, feld)
    }
}

async fn org_laden(
    st: &AppState,
    slug: &str,
) -> Result<crate::programme::organisation_edit::OrganisationDaten, PageError> {
    crate::programme::organisation_edit::laden(&st.db, slug)
        .await?
        .ok_or_else(|| PageError::NotFound(format!("Eine Organisation „{slug}“ gibt es nicht.")))
}

async fn org_formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    if s.is_none() {
        return Ok(Redirect::to(&format!(
            "/anmelden?weiter=/organisationen/{slug}/bearbeiten"
        ))
        .into_response());
    }
    let s = erlaubt(s.as_ref(), Aktion::OrganisationBearbeiten)?;
    let o = org_laden(&st, &slug).await?;
    let objekt = format!("organisation:{slug}");
    let historie = audit::von(&st.db, &objekt).await?;
    let mut f = o.formular();
    f.protokoll_stand = historie.first().map(|e| e.id).unwrap_or(0).to_string();
    Ok(OrgSeite {
        title: format!("{} bearbeiten", o.name),
        nav: "organisationen",
        slug,
        name: o.name.clone(),
        csrf: s.csrf.clone(),
        f,
        fehler: Vec::new(),
        konflikt: None,
        historie,
    }
    .into_response())
}

async fn org_speichern(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<crate::programme::organisation_edit::OrganisationFormular>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::OrganisationBearbeiten)?;
    let o = org_laden(&st, &slug).await?;
    let objekt = format!("organisation:{slug}");
    let historie = audit::von(&st.db, &objekt).await?;
    let seite = |status: StatusCode, eingabe, fehler, konflikt, historie| {
        let mut r = OrgSeite {
            title: format!("{} bearbeiten", o.name),
            nav: "organisationen",
            slug: slug.clone(),
            name: o.name.clone(),
            csrf: s.csrf.clone(),
            f: eingabe,
            fehler,
            konflikt,
            historie,
        }
        .into_response();
        *r.status_mut() = status;
        r
    };
    match crate::programme::organisation_edit::speichern(
        &st.db,
        &slug,
        &o,
        &f.daten,
        &s.konto.benutzername,
    )
    .await?
    {
        Ok(true) => Ok(Redirect::to(&format!("/organisationen/{slug}")).into_response()),
        Ok(false) => {
            let konflikt = audit::seit(&st.db, &objekt, &f.daten.protokoll_stand).await?;
            let mut neu = f.daten;
            neu.version = o.version.to_string();
            neu.protokoll_stand = historie.first().map(|e| e.id).unwrap_or(0).to_string();
            Ok(seite(
                StatusCode::CONFLICT,
                neu,
                Vec::new(),
                Some(konflikt),
                historie,
            ))
        }
        Err(fehler) => Ok(seite(
            StatusCode::BAD_REQUEST,
            f.daten,
            fehler,
            None,
            historie,
        )),
    }
}
