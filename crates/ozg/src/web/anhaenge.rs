//! Attachments in the portal: uploads to a project's Steckbrief and to a workshop's photo
//! protocol, their removal, the workshop page, and serving the files with headers that keep a
//! browser from executing them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ozg_domain::access::{Aktion, darf, darf_fuer};
use ozg_domain::anhang::{ANHANG_MAX_BYTES, Dateiart};
use serde::Deserialize;

use super::{AppState, PageError};
use crate::members::accounts::Sitzung;
use crate::members::web::{Angemeldet, Formular, Hochladen};
use crate::programme::anhaenge::{self, Anhang, Upload};
use crate::programme::bearbeiten;
use crate::programme::details::{self, NamedRef, WorkshopView};
use crate::programme::workshop_edit::{self, WorkshopFormular};

pub(super) fn routes() -> Router<AppState> {
    // Room for the largest file plus the form fields and multipart framing.
    let grenze = DefaultBodyLimit::max(ANHANG_MAX_BYTES + 256 * 1024);
    Router::new()
        .route(
            "/projekte/{slug}/anhaenge",
            post(projekt_hochladen).layer(grenze),
        )
        .route(
            "/workshops/{id}/fotoprotokoll",
            post(workshop_hochladen).layer(grenze),
        )
        .route("/anhaenge/{id}/entfernen", post(entfernen))
        .route("/anhaenge/{id}/{name}", get(ausliefern))
        .route("/workshops/{id}", get(workshop_seite))
        .route("/workshops", post(workshop_anlegen))
        .route(
            "/workshops/{id}/bearbeiten",
            get(workshop_formular).post(workshop_speichern),
        )
}

/// Refuses early when the role cannot do `aktion` anywhere (before looking anything up).
fn rolle_pruefen(s: Option<&Sitzung>, aktion: Aktion) -> Result<&Sitzung, PageError> {
    let Some(s) = s else {
        return Err(PageError::Forbidden(
            "Bitte melden Sie sich an (Mitgliederbereich).".into(),
        ));
    };
    if !darf_fuer(Some(&s.nutzer), aktion, &s.nutzer.themenfelder) {
        return Err(PageError::Forbidden(
            "Ihre Rolle erlaubt diese Aktion nicht (nur die Koordinierungsstelle und die Koordination des Themenfelds)."
                .into(),
        ));
    }
    Ok(s)
}

fn upload(f: &Hochladen, standard_oeffentlich: bool) -> Upload {
    let (dateiname, bytes) = f.datei.clone().unwrap_or_default();
    Upload {
        dateiname,
        bytes,
        titel: f.feld("titel").to_owned(),
        oeffentlich: match f.feld("sichtbarkeit") {
            "oeffentlich" => true,
            "intern" => false,
            _ => standard_oeffentlich,
        },
    }
}

async fn projekt_hochladen(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Hochladen,
) -> Result<Response, PageError> {
    let s = rolle_pruefen(f.sitzung.as_ref(), Aktion::ProjektBearbeiten)?;
    let Some((_, tfs)) = bearbeiten::laden(&st.db, &slug).await? else {
        return Err(PageError::NotFound(format!(
            "Ein Umsetzungsprojekt „{slug}“ gibt es nicht."
        )));
    };
    if !darf_fuer(Some(&s.nutzer), Aktion::ProjektBearbeiten, &tfs) {
        return Err(PageError::Forbidden(
            "Anlagen eines Steckbriefs laden die Koordinierungsstelle und die Koordination seines Themenfelds hoch."
                .into(),
        ));
    }
    match anhaenge::hochladen(
        &st.db,
        &st.ablage,
        &format!("steckbrief:{slug}"),
        &format!("projekt:{slug}"),
        &upload(&f, true),
        &[Dateiart::Pdf, Dateiart::Png, Dateiart::Jpeg, Dateiart::Webp],
        &s.konto.benutzername,
    )
    .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/projekte/{slug}#anlagen")).into_response()),
        Err((feld, m)) => {
            let feld = if feld == "titel" {
                "anlage-titel"
            } else {
                feld
            };
            super::pages::projekt_seite(&st, &slug, Some(s), Some((feld, m))).await
        }
    }
}

async fn workshop_laden(
    st: &AppState,
    id: i64,
) -> Result<(WorkshopView, Vec<NamedRef>, Vec<i64>), PageError> {
    let ws = details::workshops(&st.db).await?;
    let Some((w, p)) = ws.into_iter().find(|(w, _)| w.id == id) else {
        return Err(PageError::NotFound(format!(
            "Einen Workshop Nr. {id} gibt es nicht."
        )));
    };
    #[derive(Deserialize)]
    struct T {
        themenfeld_id: i64,
    }
    let tfs: Vec<T> = st
        .db
        .query(
            "SELECT themenfeld_id FROM workshop_themenfeld WHERE workshop_id = $1",
            &[id.into()],
        )
        .await?;
    Ok((w, p, tfs.into_iter().map(|t| t.themenfeld_id).collect()))
}

async fn workshop_hochladen(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Hochladen,
) -> Result<Response, PageError> {
    let s = rolle_pruefen(f.sitzung.as_ref(), Aktion::WorkshopBearbeiten)?;
    let (_, _, tfs) = workshop_laden(&st, id).await?;
    if !darf_fuer(Some(&s.nutzer), Aktion::WorkshopBearbeiten, &tfs) {
        return Err(PageError::Forbidden(
            "Das Fotoprotokoll eines Workshops laden die Koordinierungsstelle und die Koordination seiner Themenfelder hoch."
                .into(),
        ));
    }
    // Photos show people: members only unless the uploader publishes them deliberately.
    match anhaenge::hochladen(
        &st.db,
        &st.ablage,
        &format!("workshop:{id}"),
        &format!("workshop:{id}"),
        &upload(&f, false),
        &[Dateiart::Png, Dateiart::Jpeg, Dateiart::Webp, Dateiart::Pdf],
        &s.konto.benutzername,
    )
    .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/workshops/{id}#fotoprotokoll")).into_response()),
        Err(e) => workshop_antwort(&st, id, Some(s), Some(e), StatusCode::BAD_REQUEST).await,
    }
}

#[derive(Deserialize)]
struct Leer {}

async fn entfernen(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<Leer>,
) -> Result<Response, PageError> {
    let s = rolle_pruefen(f.sitzung.as_ref(), Aktion::ProjektBearbeiten)?;
    let Some(a) = anhaenge::laden(&st.db, id).await? else {
        return Err(PageError::NotFound(format!(
            "Eine Anlage Nr. {id} gibt es nicht."
        )));
    };
    let (tfs, audit_objekt, zurueck) = if let Some(slug) = a.objekt.strip_prefix("steckbrief:") {
        let tfs = bearbeiten::laden(&st.db, slug)
            .await?
            .map(|(_, t)| t)
            .unwrap_or_default();
        (
            tfs,
            format!("projekt:{slug}"),
            format!("/projekte/{slug}#anlagen"),
        )
    } else {
        let wid: i64 = a
            .objekt
            .strip_prefix("workshop:")
            .and_then(|w| w.parse().ok())
            .unwrap_or(0);
        let (_, _, tfs) = workshop_laden(&st, wid).await?;
        (
            tfs,
            a.objekt.clone(),
            format!("/workshops/{wid}#fotoprotokoll"),
        )
    };
    if !darf_fuer(Some(&s.nutzer), Aktion::ProjektBearbeiten, &tfs) {
        return Err(PageError::Forbidden(
            "Anlagen entfernen die Koordinierungsstelle und die Koordination des Themenfelds."
                .into(),
        ));
    }
    anhaenge::entfernen(&st.db, &a, &audit_objekt, &s.konto.benutzername).await?;
    Ok(Redirect::to(&zurueck).into_response())
}

async fn ausliefern(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path((id, _name)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let a = anhaenge::laden(&st.db, id).await?;
    let Some(a) = a.filter(|a| a.oeffentlich || s.is_some()) else {
        // Internal attachments do not exist for the public (no hint that they do).
        return Err(PageError::NotFound(format!(
            "Eine Anlage Nr. {id} gibt es nicht."
        )));
    };
    let art = a.dateiart().unwrap_or(Dateiart::Pdf);
    let bytes = st.ablage.lesen(&a.sha256).await?;
    let disposition = if art.ist_bild() {
        "inline"
    } else {
        "attachment"
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(art.mime()));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("{disposition}; filename=\"{}\"", a.dateiname))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    // The file is data, never a page: no scripts, no plugins, its own origin.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if a.oeffentlich {
            "public, max-age=86400"
        } else {
            "private, no-store"
        }),
    );
    Ok(r)
}

#[derive(Template, WebTemplate)]
#[template(path = "workshop.html")]
struct WorkshopSeite {
    title: String,
    nav: &'static str,
    w: WorkshopView,
    projekte: Vec<NamedRef>,
    fotos: Vec<Anhang>,
    teilnehmer: Vec<(String, String)>,
    /// The workshop's change history (members only).
    historie: Option<Vec<crate::members::audit::Eintrag>>,
    intern_verborgen: bool,
    csrf: Option<String>,
    fehler: Option<(&'static str, String)>,
}

impl WorkshopSeite {
    fn fehler_bei(&self, feld: &str) -> Option<&str> {
        self.fehler
            .as_ref()
            .filter(|(f, _)| *f == feld)
            .map(|(_, m)| m.as_str())
    }
}

async fn workshop_antwort(
    st: &AppState,
    id: i64,
    s: Option<&Sitzung>,
    fehler: Option<(&'static str, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (w, projekte, tfs) = workshop_laden(st, id).await?;
    let objekt = format!("workshop:{id}");
    let fotos = anhaenge::liste(&st.db, &objekt, s.is_some()).await?;
    let intern_verborgen = s.is_none()
        && !anhaenge::liste(&st.db, &objekt, true)
            .await?
            .len()
            .eq(&fotos.len());
    let bearbeiten = darf_fuer(s.map(|s| &s.nutzer), Aktion::WorkshopBearbeiten, &tfs);
    let teilnehmer = workshop_edit::laden(&st.db, id)
        .await?
        .map(|w| w.teilnehmer)
        .unwrap_or_default();
    let historie = match s {
        Some(_) => Some(crate::members::audit::von(&st.db, &objekt).await?),
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

async fn workshop_seite(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(PageError::NotFound(format!(
            "Einen Workshop „{id}“ gibt es nicht."
        )));
    };
    workshop_antwort(&st, id, s.as_ref(), None, StatusCode::OK).await
}

#[derive(Template, WebTemplate)]
#[template(path = "workshop_bearbeiten.html")]
struct WorkshopFormSeite {
    title: String,
    nav: &'static str,
    id: i64,
    csrf: String,
    f: WorkshopFormular,
    themenfelder: Vec<(String, String)>,
    fehler: crate::members::accounts::Feldfehler,
    konflikt: Option<Vec<crate::members::audit::Eintrag>>,
}

impl WorkshopFormSeite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        crate::members::accounts::fehler_bei(&self.fehler, feld)
    }
    fn gewaehlt(&self, slug: &str) -> bool {
        self.f.themenfelder.iter().any(|t| t == slug)
    }
}

async fn workshop_formular_laden<'a>(
    st: &AppState,
    id: &str,
    s: Option<&'a Sitzung>,
) -> Result<(&'a Sitzung, workshop_edit::WorkshopDaten), PageError> {
    let s = rolle_pruefen(s, Aktion::WorkshopBearbeiten)?;
    let w = match id.parse::<i64>() {
        Ok(id) => workshop_edit::laden(&st.db, id).await?,
        Err(_) => None,
    };
    let Some(w) = w else {
        return Err(PageError::NotFound(format!(
            "Einen Workshop „{id}“ gibt es nicht."
        )));
    };
    if !darf_fuer(Some(&s.nutzer), Aktion::WorkshopBearbeiten, &w.tf_ids()) {
        return Err(PageError::Forbidden(
            "Workshops bearbeiten die Koordinierungsstelle und die Koordination ihrer Themenfelder."
                .into(),
        ));
    }
    Ok((s, w))
}

async fn themenfeld_optionen(st: &AppState) -> Result<Vec<(String, String)>, PageError> {
    Ok(st
        .model()
        .await?
        .themenfelder
        .iter()
        .map(|t| (t.slug.clone(), t.name.clone()))
        .collect())
}

async fn workshop_formular(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if s.is_none() {
        return Ok(
            Redirect::to(&format!("/anmelden?weiter=/workshops/{id}/bearbeiten")).into_response(),
        );
    }
    let (s, w) = workshop_formular_laden(&st, &id, s.as_ref()).await?;
    let mut f = w.formular();
    f.protokoll_stand = crate::members::audit::stand(&st.db, &format!("workshop:{}", w.id))
        .await?
        .to_string();
    Ok(WorkshopFormSeite {
        title: "Workshop bearbeiten".into(),
        nav: "workshops",
        id: w.id,
        csrf: s.csrf.clone(),
        f,
        themenfelder: themenfeld_optionen(&st).await?,
        fehler: Vec::new(),
        konflikt: None,
    }
    .into_response())
}

async fn workshop_speichern(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: Formular<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (s, w) = workshop_formular_laden(&st, &id, f.sitzung.as_ref()).await?;
    let eingabe = WorkshopFormular::aus_paaren(&f.daten);
    let antwort =
        |status: StatusCode, eingabe: WorkshopFormular, fehler, konflikt, themenfelder| {
            let mut r = WorkshopFormSeite {
                title: "Workshop bearbeiten".into(),
                nav: "workshops",
                id: w.id,
                csrf: s.csrf.clone(),
                f: eingabe,
                themenfelder,
                fehler,
                konflikt,
            }
            .into_response();
            *r.status_mut() = status;
            r
        };
    let mut g = workshop_edit::pruefen(&st.db, &eingabe).await?;
    // A coordinator may only assign Themenfelder they coordinate.
    if let Ok(x) = &g {
        let fremd: Vec<&str> = x
            .themenfelder
            .iter()
            .filter(|(tf, _, _)| !darf(Some(&s.nutzer), Aktion::WorkshopBearbeiten, Some(*tf)))
            .map(|(_, _, name)| name.as_str())
            .collect();
        if !fremd.is_empty() {
            g = Err(vec![(
                "themenfeld",
                format!(
                    "Sie koordinieren diese Themenfelder nicht: {}.",
                    fremd.join(", ")
                ),
            )]);
        }
    }
    let g = match g {
        Ok(g) => g,
        Err(fehler) => {
            return Ok(antwort(
                StatusCode::BAD_REQUEST,
                eingabe,
                fehler,
                None,
                themenfeld_optionen(&st).await?,
            ));
        }
    };
    if workshop_edit::speichern(&st.db, &w, &g, &s.konto.benutzername).await? {
        Ok(Redirect::to(&format!("/workshops/{}", w.id)).into_response())
    } else {
        let objekt = format!("workshop:{}", w.id);
        let konflikt =
            crate::members::audit::seit(&st.db, &objekt, &eingabe.protokoll_stand).await?;
        let mut neu = eingabe;
        neu.version = w.version.to_string();
        neu.protokoll_stand = crate::members::audit::stand(&st.db, &objekt)
            .await?
            .to_string();
        Ok(antwort(
            StatusCode::CONFLICT,
            neu,
            Vec::new(),
            Some(konflikt),
            themenfeld_optionen(&st).await?,
        ))
    }
}

#[derive(Deserialize)]
struct NeuerWorkshop {
    #[serde(default)]
    datum: String,
    #[serde(default)]
    themenfeld: String,
}

async fn workshop_anlegen(
    State(st): State<AppState>,
    f: Formular<NeuerWorkshop>,
) -> Result<Response, PageError> {
    let s = rolle_pruefen(f.sitzung.as_ref(), Aktion::WorkshopBearbeiten)?;
    #[derive(Deserialize)]
    struct T {
        id: i64,
        name: String,
    }
    let tf: Option<T> = st
        .db
        .query_opt(
            "SELECT id, name FROM themenfeld WHERE slug = $1",
            &[f.daten.themenfeld.as_str().into()],
        )
        .await?;
    let Some(tf) = tf else {
        return super::pages::workshops_seite(
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
        return Err(PageError::Forbidden(format!(
            "Sie koordinieren das Themenfeld {} nicht.",
            tf.name
        )));
    }
    match workshop_edit::anlegen(
        &st.db,
        &f.daten.datum,
        (tf.id, &tf.name),
        &s.konto.benutzername,
    )
    .await?
    {
        Ok(id) => Ok(Redirect::to(&format!("/workshops/{id}/bearbeiten")).into_response()),
        Err((_, m)) => {
            super::pages::workshops_seite(&st, Some(s), Some(format!("Feld Datum: {m}"))).await
        }
    }
}
