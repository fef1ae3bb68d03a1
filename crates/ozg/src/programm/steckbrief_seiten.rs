//! The Steckbrief in the portal: the editor (Koordinierungsstelle; the coordinators of the
//! project's Themenfelder) with save as draft (members only) or publish, and the Steckbrief's
//! attachments (upload; removal goes through the core with [`anlagen_recht`]).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::Aktion;
use ozg_domain::anhang::Dateiart;

use crate::kern::anhang::{self, BesitzerRecht, Ziel};
use crate::kern::audit::{self, Eintrag, Objekt};
use crate::kern::sitzung::zur_anmeldung;
use crate::kern::zustand::Zukunft;
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Formular, Hochladen, Routen, Sitzung};
use crate::programm::objekte::{PROJEKT, STECKBRIEF};
use crate::programm::projekt_bearbeiten::{nicht_gefunden, projekt_fuer, projekt_kopf};
use crate::programm::steckbrief::{self as edit, SteckbriefFormular};

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/projekte/{slug}/steckbrief", formular)
        .schreiben(
            "/projekte/{slug}/steckbrief",
            Some(Aktion::ProjektBearbeiten),
            speichern,
        )
        .hochladen(
            "/projekte/{slug}/anhaenge",
            Some(Aktion::ProjektBearbeiten),
            ozg_domain::anhang::ANHANG_MAX_BYTES,
            hochladen,
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/steckbrief_bearbeiten.html")]
struct Seite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    csrf: String,
    f: SteckbriefFormular,
    fehler: Feldfehler,
    entwurf: bool,
    konflikt: Option<Vec<Eintrag>>,
}

impl Seite {
    fn neu(slug: &str, stand: &edit::Stand, s: &Sitzung, mut f: SteckbriefFormular) -> Seite {
        if f.varianten.is_empty() {
            f.varianten.push(Default::default());
        }
        Seite {
            title: format!("Steckbrief bearbeiten: {}", stand.name),
            nav: "projekte",
            slug: slug.to_owned(),
            name: stand.name.clone(),
            csrf: s.csrf.clone(),
            f,
            fehler: Feldfehler::new(),
            entwurf: stand.entwurf.is_some(),
            konflikt: None,
        }
    }
}

async fn pruefen_und_laden<'a>(
    st: &AppState,
    slug: &str,
    s: Option<&'a Sitzung>,
) -> Result<(&'a Sitzung, edit::Stand), Fehler> {
    let (s, _) = projekt_fuer(
        &st.db,
        slug,
        s,
        Aktion::ProjektBearbeiten,
        "Ihre Rolle erlaubt es nicht, dieses Projekt zu bearbeiten (nur die Koordinierungsstelle und die Koordination seines Themenfelds).",
    )
    .await?;
    let stand = edit::laden(&st.db, slug)
        .await?
        .ok_or_else(|| nicht_gefunden(slug))?;
    Ok((s, stand))
}

async fn formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, Fehler> {
    if s.is_none() {
        return Ok(zur_anmeldung(&format!("/projekte/{slug}/steckbrief")));
    }
    let (s, stand) = pruefen_und_laden(&st, &slug, s.as_ref()).await?;
    let mut f = SteckbriefFormular::aus_steckbrief(&stand.arbeitsfassung(&slug), stand.version);
    f.protokoll_stand = audit::stand(&st.db, &Objekt::new(PROJEKT, &slug))
        .await?
        .to_string();
    Ok(Seite::neu(&slug, &stand, s, f).into_response())
}

async fn speichern(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<Vec<(String, String)>>,
) -> Result<Response, Fehler> {
    let (s, stand) = pruefen_und_laden(&st, &slug, f.sitzung.as_ref()).await?;
    let eingabe = SteckbriefFormular::aus_paaren(&f.daten);
    let (neu, version) = match edit::pruefen(&eingabe, &stand.arbeitsfassung(&slug)) {
        Ok(x) => x,
        Err(fehler) => {
            let mut seite = Seite::neu(&slug, &stand, s, eingabe);
            seite.fehler = fehler;
            let mut r = seite.into_response();
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let veroeffentlichen = eingabe.aktion == "veroeffentlichen";
    if edit::speichern(
        &st.db,
        &st.uhr,
        &slug,
        &stand,
        (&neu, version),
        veroeffentlichen,
        &s.konto.benutzername,
    )
    .await?
    {
        return Ok(Redirect::to(&format!(
            "/projekte/{slug}{}",
            if veroeffentlichen {
                "#steckbrief-titel"
            } else {
                "/steckbrief"
            }
        ))
        .into_response());
    }
    // Keep what was typed; the next save is based on the current version.
    let k = audit::konflikt(
        &st.db,
        &Objekt::new(PROJEKT, &slug),
        &eingabe.protokoll_stand,
    )
    .await?;
    let mut neu_eingabe = eingabe;
    neu_eingabe.version = stand.version.to_string();
    neu_eingabe.protokoll_stand = k.stand.to_string();
    let mut seite = Seite::neu(&slug, &stand, s, neu_eingabe);
    seite.konflikt = Some(k.eintraege);
    let mut r = seite.into_response();
    *r.status_mut() = StatusCode::CONFLICT;
    Ok(r)
}

/// `POST /projekte/{slug}/anhaenge`: a file for the Steckbrief.
async fn hochladen(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Hochladen,
) -> Result<Response, Fehler> {
    let (s, _) = projekt_fuer(
        &st.db,
        &slug,
        f.sitzung.as_ref(),
        Aktion::ProjektBearbeiten,
        "Anlagen eines Steckbriefs laden die Koordinierungsstelle und die Koordination seines Themenfelds hoch.",
    )
    .await?;
    let ziel = Ziel {
        objekt: &Objekt::new(STECKBRIEF, &slug),
        audit: &Objekt::new(PROJEKT, &slug),
        erlaubt: &[Dateiart::Pdf, Dateiart::Png, Dateiart::Jpeg, Dateiart::Webp],
        wer: &s.konto.benutzername,
        // The project page shows its attachments from the read model.
        dazu: vec![crate::kern::datenstand::neue_revision("anlage")?],
    };
    match anhang::hochladen(
        &st.db,
        &st.uhr,
        &st.ablage,
        &ziel,
        &anhang::upload(&f, true),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/projekte/{slug}#anlagen")).into_response()),
        Err(e) => {
            let fehler = e.feldfehler()?.umbenannt(&[("titel", "anlage-titel")]);
            super::projekt_seite::projekt_seite(&st, &slug, Some(s), fehler).await
        }
    }
}

/// The rights over a Steckbrief's attachments: those of its project.
pub(super) fn anlagen_recht<'a>(
    st: &'a AppState,
    slug: &'a str,
) -> Zukunft<'a, Result<BesitzerRecht, Fehler>> {
    Box::pin(async move {
        let tfs = projekt_kopf(&st.db, slug)
            .await?
            .map(|p| p.themenfeld_ids)
            .unwrap_or_default();
        Ok(BesitzerRecht {
            themenfelder: tfs,
            audit: Objekt::new(PROJEKT, slug),
            zurueck: format!("/projekte/{slug}#anlagen"),
            dazu: vec![crate::kern::datenstand::neue_revision("anlage")?],
        })
    })
}
