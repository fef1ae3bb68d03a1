//! Editing in the portal: a project (Koordinierungsstelle; Themenfeld-Koordinatoren for the
//! projects of their Themenfelder), its roles and Leistungen, an organisation (Koordinierungs-
//! stelle), and a project's change history (members). A refused save keeps what was typed; a
//! save after someone else's shows what changed meanwhile ([`audit::konflikt`]).

use crate::kern::Abfrage;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{Aktion, darf_fuer};
use ozg_domain::project::Zielportal;
use serde::Deserialize;

use crate::kern::audit::{self, Eintrag, Objekt};
use crate::kern::sitzung::{erlaubt, zur_anmeldung};
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Formular, Routen, Sitzung};
use crate::programm::beteiligte::{self as be, BeteiligteFormular};
use crate::programm::objekte::{ORGANISATION, PROJEKT};
use crate::programm::organisation::{self, OrganisationDaten, OrganisationFormular};
use crate::programm::projekt_bearbeiten::{
    self as pb, Gespeichert, ProjektDaten, ProjektFormular, nicht_gefunden, projekt_fuer,
};

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/projekte/{slug}/bearbeiten", formular)
        .schreiben(
            "/projekte/{slug}/bearbeiten",
            Some(Aktion::ProjektBearbeiten),
            speichern,
        )
        .lesen("/projekte/{slug}/historie", historie)
        .lesen("/organisationen/{slug}/bearbeiten", org_formular)
        .schreiben(
            "/organisationen/{slug}/bearbeiten",
            Some(Aktion::OrganisationBearbeiten),
            org_speichern,
        )
        .lesen("/projekte/{slug}/beteiligte", beteiligte_formular)
        .schreiben(
            "/projekte/{slug}/beteiligte",
            Some(Aktion::ProjektBearbeiten),
            beteiligte_speichern,
        )
}

const NICHT_BEARBEITEN: &str = "Ihre Rolle erlaubt es nicht, dieses Projekt zu bearbeiten (nur die Koordinierungsstelle und die Koordination seines Themenfelds).";

/// The project's editable fields if the session may edit it, else 403/404 naming why.
pub(super) async fn laden_und_pruefen(
    st: &AppState,
    slug: &str,
    s: Option<&Sitzung>,
) -> Result<ProjektDaten, Fehler> {
    projekt_fuer(&st.db, slug, s, Aktion::ProjektBearbeiten, NICHT_BEARBEITEN).await?;
    pb::laden(&st.db, slug)
        .await?
        .ok_or_else(|| nicht_gefunden(slug))
}

/// A response with a status other than 200.
fn mit_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/projekt_bearbeiten.html")]
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
        zielportale: Zielportal::optionen(),
        historie,
    }
}

async fn formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, Fehler> {
    let Some(s) = s else {
        return Ok(zur_anmeldung(&format!("/projekte/{slug}/bearbeiten")));
    };
    let p = laden_und_pruefen(&st, &slug, Some(&s)).await?;
    let historie = audit::von(&st.db, &Objekt::new(PROJEKT, &slug)).await?;
    let stand = historie.first().map(|e| e.id).unwrap_or(0);
    Ok(seite(
        &slug,
        &s,
        p.formular(stand),
        Feldfehler::new(),
        Vec::new(),
        historie,
    )
    .into_response())
}

async fn speichern(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<ProjektFormular>,
) -> Result<Response, Fehler> {
    let p = laden_und_pruefen(&st, &slug, f.sitzung.as_ref()).await?;
    let s = f
        .sitzung
        .as_ref()
        .ok_or_else(crate::kern::sitzung::anmelden_bitte)?;
    let eingabe = f.daten;
    let objekt = Objekt::new(PROJEKT, &slug);
    let g = match pb::pruefen(&eingabe) {
        Ok(g) => g,
        Err(fehler) => {
            let historie = audit::von(&st.db, &objekt).await?;
            return Ok(mit_status(
                seite(&slug, s, eingabe, fehler, Vec::new(), historie).into_response(),
                StatusCode::BAD_REQUEST,
            ));
        }
    };
    match pb::speichern(&st.db, &st.uhr, &p, &g, &s.konto.benutzername).await? {
        Gespeichert::Ja(_) => {
            Ok(Redirect::to(&format!("/projekte/{slug}/historie")).into_response())
        }
        Gespeichert::Konflikt => {
            // Keep what was typed, show what changed meanwhile, and base the next save on the
            // current version so a deliberate second save wins.
            let k = audit::konflikt(&st.db, &objekt, &eingabe.protokoll_stand).await?;
            let historie = audit::von(&st.db, &objekt).await?;
            let mut neu = eingabe;
            neu.version = p.version.to_string();
            neu.protokoll_stand = k.stand.to_string();
            Ok(mit_status(
                seite(&slug, s, neu, Feldfehler::new(), k.eintraege, historie).into_response(),
                StatusCode::CONFLICT,
            ))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/projekt_historie.html")]
struct HistorieSeite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    eintraege: Vec<Eintrag>,
    bearbeiten: bool,
    nav_links: Blaettern,
}

/// Page links of a paged list (the fields `kern/templates/pagination.html` shows).
struct Blaettern {
    seite: i64,
    seiten: i64,
    zurueck: Option<String>,
    weiter: Option<String>,
}

/// Entries per page of a project's history.
const PRO_SEITE: i64 = 50;

#[derive(Deserialize, Default)]
struct SeiteQuery {
    #[serde(default)]
    seite: String,
}

async fn historie(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
    Abfrage(q): Abfrage<SeiteQuery>,
) -> Result<Response, Fehler> {
    let Some(s) = s else {
        return Ok(zur_anmeldung(&format!("/projekte/{slug}/historie")));
    };
    let p = pb::projekt_kopf(&st.db, &slug)
        .await?
        .ok_or_else(|| nicht_gefunden(&slug))?;
    let bearbeiten = darf_fuer(
        Some(&s.nutzer),
        Aktion::ProjektBearbeiten,
        &p.themenfeld_ids,
    );
    let seite = if q.seite.is_empty() {
        1
    } else {
        q.seite
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 1)
            .ok_or_else(|| Fehler::feld("seite", "Die Seite muss eine Zahl ab 1 sein."))?
    };
    let (eintraege, gesamt) =
        audit::seite(&st.db, &Objekt::new(PROJEKT, &slug), seite, PRO_SEITE).await?;
    let seiten = ((gesamt + PRO_SEITE - 1) / PRO_SEITE).max(1);
    let link = |n: i64| format!("/projekte/{slug}/historie?seite={n}");
    Ok(HistorieSeite {
        title: format!("Änderungen: {}", p.name),
        nav: "projekte",
        eintraege,
        nav_links: Blaettern {
            seite,
            seiten,
            zurueck: (seite > 1).then(|| link(seite - 1)),
            weiter: (seite < seiten).then(|| link(seite + 1)),
        },
        slug,
        name: p.name,
        bearbeiten,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/projekt_beteiligte.html")]
struct BeteiligteSeite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    csrf: String,
    f: BeteiligteFormular,
    rollen: Vec<(&'static str, &'static str, &'static str)>,
    fehler: Feldfehler,
    konflikt: Option<Vec<Eintrag>>,
}

impl BeteiligteSeite {
    fn neu(slug: &str, b: &be::Bestand, s: &Sitzung, f: BeteiligteFormular) -> BeteiligteSeite {
        BeteiligteSeite {
            title: format!("Beteiligte und Leistungen: {}", b.name),
            nav: "projekte",
            slug: slug.to_owned(),
            name: b.name.clone(),
            csrf: s.csrf.clone(),
            f,
            rollen: be::ROLLEN.to_vec(),
            fehler: Feldfehler::new(),
            konflikt: None,
        }
    }
}

async fn beteiligte_laden(
    st: &AppState,
    slug: &str,
    s: Option<&Sitzung>,
) -> Result<be::Bestand, Fehler> {
    laden_und_pruefen(st, slug, s).await?;
    be::laden(&st.db, slug)
        .await?
        .ok_or_else(|| nicht_gefunden(slug))
}

async fn beteiligte_formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, Fehler> {
    let Some(s) = s else {
        return Ok(zur_anmeldung(&format!("/projekte/{slug}/beteiligte")));
    };
    let b = beteiligte_laden(&st, &slug, Some(&s)).await?;
    let mut f = b.formular();
    f.protokoll_stand = audit::stand(&st.db, &Objekt::new(PROJEKT, &slug))
        .await?
        .to_string();
    Ok(BeteiligteSeite::neu(&slug, &b, &s, f).into_response())
}

async fn beteiligte_speichern(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<BeteiligteFormular>,
) -> Result<Response, Fehler> {
    let b = beteiligte_laden(&st, &slug, f.sitzung.as_ref()).await?;
    let s = f
        .sitzung
        .as_ref()
        .ok_or_else(crate::kern::sitzung::anmelden_bitte)?;
    let g = match be::pruefen(&st.db, &b, &f.daten).await {
        Ok(g) => g,
        Err(e) => {
            let mut seite = BeteiligteSeite::neu(&slug, &b, s, f.daten);
            seite.fehler = e.feldfehler()?;
            return Ok(mit_status(seite.into_response(), StatusCode::BAD_REQUEST));
        }
    };
    if be::speichern(&st.db, &st.uhr, &slug, &b, &g, &s.konto.benutzername).await? {
        return Ok(Redirect::to(&format!("/projekte/{slug}")).into_response());
    }
    let k = audit::konflikt(
        &st.db,
        &Objekt::new(PROJEKT, &slug),
        &f.daten.protokoll_stand,
    )
    .await?;
    let mut neu = f.daten;
    neu.version = b.version.to_string();
    neu.protokoll_stand = k.stand.to_string();
    let mut seite = BeteiligteSeite::neu(&slug, &b, s, neu);
    seite.konflikt = Some(k.eintraege);
    Ok(mit_status(seite.into_response(), StatusCode::CONFLICT))
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/organisation_bearbeiten.html")]
struct OrgSeite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    csrf: String,
    f: OrganisationFormular,
    fehler: Feldfehler,
    konflikt: Option<Vec<Eintrag>>,
    historie: Vec<Eintrag>,
}

impl OrgSeite {
    fn neu(
        slug: &str,
        o: &OrganisationDaten,
        s: &Sitzung,
        f: OrganisationFormular,
        historie: Vec<Eintrag>,
    ) -> OrgSeite {
        OrgSeite {
            title: format!("{} bearbeiten", o.name),
            nav: "organisationen",
            slug: slug.to_owned(),
            name: o.name.clone(),
            csrf: s.csrf.clone(),
            f,
            fehler: Feldfehler::new(),
            konflikt: None,
            historie,
        }
    }
}

async fn org_laden(st: &AppState, slug: &str) -> Result<OrganisationDaten, Fehler> {
    organisation::laden(&st.db, slug)
        .await?
        .ok_or_else(|| Fehler::nicht_gefunden(format!("Eine Organisation „{slug}“ gibt es nicht.")))
}

async fn org_formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, Fehler> {
    let Some(s) = s else {
        return Ok(zur_anmeldung(&format!("/organisationen/{slug}/bearbeiten")));
    };
    let s = erlaubt(Some(&s), Aktion::OrganisationBearbeiten)?;
    let o = org_laden(&st, &slug).await?;
    let historie = audit::von(&st.db, &Objekt::new(ORGANISATION, &slug)).await?;
    let mut f = o.formular();
    f.protokoll_stand = historie.first().map(|e| e.id).unwrap_or(0).to_string();
    Ok(OrgSeite::neu(&slug, &o, s, f, historie).into_response())
}

async fn org_speichern(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<OrganisationFormular>,
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::OrganisationBearbeiten)?;
    let o = org_laden(&st, &slug).await?;
    let objekt = Objekt::new(ORGANISATION, &slug);
    match organisation::speichern(&st.db, &st.uhr, &slug, &o, &f.daten, &s.konto.benutzername).await
    {
        Ok(true) => Ok(Redirect::to(&format!("/organisationen/{slug}")).into_response()),
        Ok(false) => {
            let k = audit::konflikt(&st.db, &objekt, &f.daten.protokoll_stand).await?;
            let historie = audit::von(&st.db, &objekt).await?;
            let mut neu = f.daten;
            neu.version = o.version.to_string();
            neu.protokoll_stand = k.stand.to_string();
            let mut seite = OrgSeite::neu(&slug, &o, s, neu, historie);
            seite.konflikt = Some(k.eintraege);
            Ok(mit_status(seite.into_response(), StatusCode::CONFLICT))
        }
        Err(e) => {
            let historie = audit::von(&st.db, &objekt).await?;
            let mut seite = OrgSeite::neu(&slug, &o, s, f.daten, historie);
            seite.fehler = e.feldfehler()?;
            Ok(mit_status(seite.into_response(), StatusCode::BAD_REQUEST))
        }
    }
}
