//! Workshops in the portal: the list (with a form to add one for coordinators), a workshop's
//! page with its photo protocol and, for members, its history, the edit form, and the photo
//! upload. Removing a photo goes through the core with [`fotos_recht`].

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{Aktion, darf, darf_fuer};
use ozg_domain::anhang::Dateiart;
use serde::Deserialize;

use crate::gremien::objekte::WORKSHOP;
use crate::gremien::workshops::{self, WorkshopFormular, WorkshopView};
use crate::kern::anhang::{self, Anhang, BesitzerRecht, Ziel};
use crate::kern::audit::{self, Eintrag, Objekt};
use crate::kern::sitzung::{anmelden_bitte, zur_anmeldung};
use crate::kern::zustand::Zukunft;
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Formular, Hochladen, Routen, Sitzung};
use crate::programm::{NamedRef, lesemodell};
use crate::sql;

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/workshops", liste)
        .schreiben("/workshops", Some(Aktion::WorkshopBearbeiten), anlegen)
        .lesen("/workshops/{id}", seite)
        .lesen("/workshops/{id}/bearbeiten", formular)
        .schreiben(
            "/workshops/{id}/bearbeiten",
            Some(Aktion::WorkshopBearbeiten),
            speichern,
        )
        .hochladen(
            "/workshops/{id}/fotoprotokoll",
            Some(Aktion::WorkshopBearbeiten),
            ozg_domain::anhang::ANHANG_MAX_BYTES,
            fotos_hochladen,
        )
}

fn nicht_gefunden(id: impl std::fmt::Display) -> Fehler {
    Fehler::nicht_gefunden(format!("Einen Workshop „{id}“ gibt es nicht."))
}

/// A workshop with its projects and Themenfelder (ids).
async fn workshop_laden(
    st: &AppState,
    id: i64,
) -> Result<(WorkshopView, Vec<NamedRef>, Vec<i64>), Fehler> {
    let ws = workshops::workshops(&st.db).await?;
    let Some((w, p)) = ws.into_iter().find(|(w, _)| w.id == id) else {
        return Err(Fehler::nicht_gefunden(format!(
            "Einen Workshop Nr. {id} gibt es nicht."
        )));
    };
    #[derive(Deserialize)]
    struct T {
        themenfeld_id: i64,
    }
    let tfs: Vec<T> = st
        .db
        .query(sql!(
            "SELECT themenfeld_id FROM workshop_themenfeld WHERE workshop_id = $1",
            id
        ))
        .await?;
    Ok((w, p, tfs.into_iter().map(|t| t.themenfeld_id).collect()))
}

// --- The list ---------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "gremien/templates/workshops.html")]
struct ListenSeite {
    title: &'static str,
    nav: &'static str,
    items: Vec<(WorkshopView, Vec<NamedRef>)>,
    /// CSRF token and the Themenfelder (slug, name) in which the visitor may add a workshop.
    anlegen: Option<(String, Vec<(String, String)>)>,
    fehler: Option<String>,
}

async fn liste(State(st): State<AppState>, Angemeldet(s): Angemeldet) -> Result<Response, Fehler> {
    listen_seite(&st, s.as_ref(), None).await
}

/// The workshop list; with a form to add one for coordinators, `fehler` after a refused one.
async fn listen_seite(
    st: &AppState,
    s: Option<&Sitzung>,
    fehler: Option<String>,
) -> Result<Response, Fehler> {
    let anlegen = match s {
        Some(s) => {
            #[derive(Deserialize)]
            struct T {
                id: i64,
                slug: String,
                name: String,
            }
            let tfs: Vec<(String, String)> = st
                .db
                .query::<T>(sql!("SELECT id, slug, name FROM themenfeld ORDER BY id"))
                .await?
                .into_iter()
                .filter(|t| darf(Some(&s.nutzer), Aktion::WorkshopBearbeiten, Some(t.id)))
                .map(|t| (t.slug, t.name))
                .collect();
            (!tfs.is_empty()).then(|| (s.csrf.clone(), tfs))
        }
        None => None,
    };
    let status = if fehler.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut r = ListenSeite {
        title: "Workshops",
        nav: "workshops",
        items: workshops::workshops(&st.db).await?,
        anlegen,
        fehler,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Deserialize)]
struct NeuerWorkshop {
    #[serde(default)]
    datum: String,
    #[serde(default)]
    themenfeld: String,
}

async fn anlegen(
    State(st): State<AppState>,
    f: Formular<NeuerWorkshop>,
) -> Result<Response, Fehler> {
    let s = f.sitzung.as_ref().ok_or_else(anmelden_bitte)?;
    #[derive(Deserialize)]
    struct T {
        id: i64,
        name: String,
    }
    let tf: Option<T> = st
        .db
        .query_opt(sql!(
            "SELECT id, name FROM themenfeld WHERE slug = $1",
            f.daten.themenfeld.as_str()
        ))
        .await?;
    let Some(tf) = tf else {
        return listen_seite(
            &st,
            Some(s),
            Some(format!(
                "Feld Themenfeld: „{}“ ist kein Themenfeld.",
                f.daten.themenfeld
            )),
        )
        .await;
    };
    if !darf(Some(&s.nutzer), Aktion::WorkshopBearbeiten, Some(tf.id)) {
        return Err(Fehler::verboten(format!(
            "Sie koordinieren das Themenfeld {} nicht.",
            tf.name
        )));
    }
    match workshops::anlegen(
        &st.db,
        &st.uhr,
        &f.daten.datum,
        (tf.id, &tf.name),
        &s.konto.benutzername,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/workshops/{id}/bearbeiten")).into_response()),
        Err(Fehler::Ungueltig(e)) => {
            let m = e.erstes().map(|(_, m)| m.to_owned()).unwrap_or_default();
            listen_seite(&st, Some(s), Some(format!("Feld Datum: {m}"))).await
        }
        Err(e) => Err(e),
    }
}

// --- A workshop's page --------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "gremien/templates/workshop.html")]
struct WorkshopSeite {
    title: String,
    nav: &'static str,
    w: WorkshopView,
    projekte: Vec<NamedRef>,
    fotos: Vec<Anhang>,
    teilnehmer: Vec<(String, String)>,
    /// The workshop's change history (members only).
    historie: Option<Vec<Eintrag>>,
    intern_verborgen: bool,
    csrf: Option<String>,
    fehler: Feldfehler,
}

async fn antwort(
    st: &AppState,
    id: i64,
    s: Option<&Sitzung>,
    fehler: Feldfehler,
    status: StatusCode,
) -> Result<Response, Fehler> {
    let (w, projekte, tfs) = workshop_laden(st, id).await?;
    let objekt = Objekt::new(WORKSHOP, id);
    let alle = anhang::liste(&st.db, &objekt, true).await?;
    let fotos: Vec<Anhang> = alle
        .iter()
        .filter(|a| s.is_some() || a.oeffentlich)
        .cloned()
        .collect();
    let intern_verborgen = s.is_none() && alle.len() != fotos.len();
    let bearbeiten = darf_fuer(s.map(|s| &s.nutzer), Aktion::WorkshopBearbeiten, &tfs);
    let teilnehmer = workshops::laden(&st.db, id)
        .await?
        .map(|w| w.teilnehmer)
        .unwrap_or_default();
    let historie = match s {
        Some(_) => Some(audit::von(&st.db, &objekt).await?),
        None => None,
    };
    let mut r = WorkshopSeite {
        historie,
        teilnehmer,
        title: format!("Workshop am {}", w.datum_de()),
        nav: "workshops",
        w,
        projekte,
        fotos,
        intern_verborgen,
        csrf: s.filter(|_| bearbeiten).map(|s| s.csrf.clone()),
        fehler,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

async fn seite(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(id): Path<String>,
) -> Result<Response, Fehler> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(nicht_gefunden(id));
    };
    antwort(&st, id, s.as_ref(), Feldfehler::new(), StatusCode::OK).await
}

async fn fotos_hochladen(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Hochladen,
) -> Result<Response, Fehler> {
    let s = f.sitzung.as_ref().ok_or_else(anmelden_bitte)?;
    let (_, _, tfs) = workshop_laden(&st, id).await?;
    if !darf_fuer(Some(&s.nutzer), Aktion::WorkshopBearbeiten, &tfs) {
        return Err(Fehler::verboten(
            "Das Fotoprotokoll eines Workshops laden die Koordinierungsstelle und die Koordination seiner Themenfelder hoch.",
        ));
    }
    let objekt = Objekt::new(WORKSHOP, id);
    let ziel = Ziel {
        objekt: &objekt,
        audit: &objekt,
        erlaubt: &[Dateiart::Png, Dateiart::Jpeg, Dateiart::Webp, Dateiart::Pdf],
        wer: &s.konto.benutzername,
        dazu: Vec::new(),
    };
    // Photos show people: members only unless the uploader publishes them deliberately.
    match anhang::hochladen(
        &st.db,
        &st.uhr,
        &st.ablage,
        &ziel,
        &anhang::upload(&f, false),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/workshops/{id}#fotoprotokoll")).into_response()),
        Err(Fehler::Ungueltig(e)) => antwort(&st, id, Some(s), e, StatusCode::BAD_REQUEST).await,
        Err(e) => Err(e),
    }
}

/// The rights over a workshop's photos: those of its Themenfelder.
pub(super) fn fotos_recht<'a>(
    st: &'a AppState,
    id: &'a str,
) -> Zukunft<'a, Result<BesitzerRecht, Fehler>> {
    Box::pin(async move {
        let nr: i64 = id.parse().unwrap_or(0);
        let (_, _, tfs) = workshop_laden(st, nr).await?;
        Ok(BesitzerRecht {
            themenfelder: tfs,
            audit: Objekt::new(WORKSHOP, nr),
            zurueck: format!("/workshops/{nr}#fotoprotokoll"),
            dazu: Vec::new(),
        })
    })
}

// --- Editing ------------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "gremien/templates/workshop_bearbeiten.html")]
struct FormSeite {
    title: String,
    nav: &'static str,
    id: i64,
    csrf: String,
    f: WorkshopFormular,
    themenfelder: Vec<(String, String)>,
    fehler: Feldfehler,
    konflikt: Option<Vec<Eintrag>>,
}

impl FormSeite {
    fn gewaehlt(&self, slug: &str) -> bool {
        self.f.themenfelder.iter().any(|t| t == slug)
    }
}

async fn formular_laden<'a>(
    st: &AppState,
    id: &str,
    s: Option<&'a Sitzung>,
) -> Result<(&'a Sitzung, workshops::WorkshopDaten), Fehler> {
    let s = s.ok_or_else(anmelden_bitte)?;
    let w = match id.parse::<i64>() {
        Ok(id) => workshops::laden(&st.db, id).await?,
        Err(_) => None,
    };
    let Some(w) = w else {
        return Err(nicht_gefunden(id));
    };
    if !darf_fuer(Some(&s.nutzer), Aktion::WorkshopBearbeiten, &w.tf_ids()) {
        return Err(Fehler::verboten(
            "Workshops bearbeiten die Koordinierungsstelle und die Koordination ihrer Themenfelder.",
        ));
    }
    Ok((s, w))
}

async fn themenfeld_optionen(st: &AppState) -> Result<Vec<(String, String)>, Fehler> {
    Ok(lesemodell(st)
        .await?
        .themenfelder
        .iter()
        .map(|t| (t.slug.clone(), t.name.clone()))
        .collect())
}

async fn formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(id): Path<String>,
) -> Result<Response, Fehler> {
    if s.is_none() {
        return Ok(zur_anmeldung(&format!("/workshops/{id}/bearbeiten")));
    }
    let (s, w) = formular_laden(&st, &id, s.as_ref()).await?;
    let mut f = w.formular();
    f.protokoll_stand = audit::stand(&st.db, &Objekt::new(WORKSHOP, w.id))
        .await?
        .to_string();
    Ok(FormSeite {
        title: "Workshop bearbeiten".into(),
        nav: "workshops",
        id: w.id,
        csrf: s.csrf.clone(),
        f,
        themenfelder: themenfeld_optionen(&st).await?,
        fehler: Feldfehler::new(),
        konflikt: None,
    }
    .into_response())
}

async fn speichern(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: Formular<Vec<(String, String)>>,
) -> Result<Response, Fehler> {
    let (s, w) = formular_laden(&st, &id, f.sitzung.as_ref()).await?;
    let eingabe = WorkshopFormular::aus_paaren(&f.daten);
    let seite = |eingabe: WorkshopFormular, fehler, konflikt, themenfelder| FormSeite {
        title: "Workshop bearbeiten".into(),
        nav: "workshops",
        id: w.id,
        csrf: s.csrf.clone(),
        f: eingabe,
        themenfelder,
        fehler,
        konflikt,
    };
    let mut g = workshops::pruefen(&st.db, &eingabe).await;
    // A coordinator may add or remove only Themenfelder they coordinate; the others of a
    // shared workshop stay as they are (the form cannot take them away).
    if let Ok(x) = &g {
        let vorher = w.tf_ids();
        let nachher: Vec<i64> = x.themenfelder.iter().map(|t| t.0).collect();
        let fremd = |tf: i64| !darf(Some(&s.nutzer), Aktion::WorkshopBearbeiten, Some(tf));
        let hinzu: Vec<&str> = x
            .themenfelder
            .iter()
            .filter(|(tf, _, _)| !vorher.contains(tf) && fremd(*tf))
            .map(|(_, _, name)| name.as_str())
            .collect();
        let weg: Vec<&str> = w
            .themenfelder
            .iter()
            .filter(|(tf, _, _)| !nachher.contains(tf) && fremd(*tf))
            .map(|(_, _, name)| name.as_str())
            .collect();
        let mut e = Feldfehler::new();
        if !hinzu.is_empty() {
            e.push(
                "themenfeld",
                format!(
                    "Sie koordinieren diese Themenfelder nicht und können sie nicht hinzufügen: {}.",
                    hinzu.join(", ")
                ),
            );
        }
        if !weg.is_empty() {
            e.push(
                "themenfeld",
                format!(
                    "Diese Themenfelder koordinieren andere; sie bleiben am Workshop: {}.",
                    weg.join(", ")
                ),
            );
        }
        if !e.is_empty() {
            g = Err(e.into());
        }
    }
    let g = match g {
        Ok(g) => g,
        Err(e) => {
            let mut r = seite(
                eingabe,
                e.feldfehler()?,
                None,
                themenfeld_optionen(&st).await?,
            )
            .into_response();
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    if workshops::speichern(&st.db, &st.uhr, &w, &g, &s.konto.benutzername).await? {
        return Ok(Redirect::to(&format!("/workshops/{}", w.id)).into_response());
    }
    let k = audit::konflikt(
        &st.db,
        &Objekt::new(WORKSHOP, w.id),
        &eingabe.protokoll_stand,
    )
    .await?;
    let mut neu = eingabe;
    neu.version = w.version.to_string();
    neu.protokoll_stand = k.stand.to_string();
    let mut r = seite(
        neu,
        Feldfehler::new(),
        Some(k.eintraege),
        themenfeld_optionen(&st).await?,
    )
    .into_response();
    *r.status_mut() = StatusCode::CONFLICT;
    Ok(r)
}
