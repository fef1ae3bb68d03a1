//! The pages the law requires: Erklärung zur Barrierefreiheit with its feedback form,
//! Impressum, Datenschutz, Kontakt, Leichte Sprache and Deutsche Gebärdensprache; and the
//! list of feedback for the Koordinierungsstelle.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::Aktion;
use ozg_domain::rueckmeldung::{self as regel, AUFBEWAHREN_TAGE, Eingabe};
use serde::Deserialize;

use crate::hinweise::betreiber::{Betreiber, videotyp};
use crate::hinweise::daten::{self, Zeile};
use crate::hinweise::video;
use crate::kern::sitzung::{erlaubt, vorab_cookie, vorab_csrf, zur_anmeldung};
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Formular, Routen, Verweis};

/// When the Erklärung zur Barrierefreiheit was written, and last reviewed (German dates).
const ERSTELLT: &str = "01.12.2026";
const UEBERPRUEFT: &str = "05.12.2026";

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/barrierefreiheit", barrierefreiheit)
        .schreiben("/barrierefreiheit/rueckmeldung", None, rueckmeldung)
        .lesen("/barrierefreiheit/danke", danke)
        .lesen("/impressum", impressum)
        .lesen("/datenschutz", datenschutz)
        .lesen("/kontakt", kontakt)
        .lesen("/leichte-sprache", leichte_sprache)
        .lesen("/gebaerdensprache", gebaerdensprache)
        .lesen("/gebaerdensprache/video", video::ausliefern)
        .lesen("/verwaltung/rueckmeldungen", rueckmeldungen)
}

// --- Erklärung zur Barrierefreiheit ---------------------------------------------------------

/// What the feedback form holds (as typed, so a refused form shows it again).
#[derive(Deserialize, Default)]
struct RueckmeldungForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    seite: String,
    #[serde(default)]
    beschreibung: String,
    #[serde(default)]
    _csrf: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "hinweise/templates/barrierefreiheit.html")]
struct BarrierefreiheitSeite {
    title: &'static str,
    nav: &'static str,
    b: Arc<Betreiber>,
    basis_url: String,
    erstellt: &'static str,
    ueberprueft: &'static str,
    aufbewahren_tage: i64,
    csrf: String,
    eingabe: RueckmeldungForm,
    fehler: Feldfehler,
}

impl BarrierefreiheitSeite {
    /// The label of a form field, for the error summary.
    /// The error summary: each error with a link to its field (`rm-<name>`).
    fn verweise(&self) -> Vec<Verweis> {
        self.fehler.verweise(
            "rm-",
            &[
                ("beschreibung", "Beschreibung der Barriere"),
                ("seite", "Adresse der Seite"),
                ("name", "Ihr Name"),
                ("email", "Ihre E-Mail-Adresse"),
            ],
        )
    }

    /// The mailto link of the feedback address, with a subject.
    fn mailto(&self) -> String {
        format!(
            "mailto:{}?subject=Barriere%20auf%20der%20OZG-Plattform%20NRW",
            self.b.rueckmeldung_an()
        )
    }
}

/// The page the visitor came from, when it is a page of this site (to prefill "Adresse der
/// Seite"): its path, else "".
fn herkunft(headers: &HeaderMap) -> String {
    let (Some(referer), Some(host)) = (
        headers.get(header::REFERER).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) else {
        return String::new();
    };
    referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))
        .and_then(|r| r.strip_prefix(host))
        .and_then(ozg_domain::access::ruecksprung)
        .filter(|p| !p.starts_with("/barrierefreiheit") && p.len() <= regel::SEITE_MAX)
        .unwrap_or("")
        .to_owned()
}

async fn barrierefreiheit(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    headers: HeaderMap,
) -> Result<Response, Fehler> {
    let (csrf, neu) = match &s {
        Some(s) => (s.csrf.clone(), false),
        None => vorab_csrf(&headers)?,
    };
    let mut res = BarrierefreiheitSeite {
        title: "Erklärung zur Barrierefreiheit",
        nav: "",
        b: st.erweiterung::<Betreiber>(),
        basis_url: st.basis_url.to_string(),
        erstellt: ERSTELLT,
        ueberprueft: UEBERPRUEFT,
        aufbewahren_tage: AUFBEWAHREN_TAGE,
        csrf: csrf.clone(),
        eingabe: RueckmeldungForm {
            seite: herkunft(&headers),
            ..RueckmeldungForm::default()
        },
        fehler: Feldfehler::new(),
    }
    .into_response();
    if neu {
        vorab_cookie(&mut res, &csrf);
    }
    Ok(res)
}

async fn rueckmeldung(
    State(st): State<AppState>,
    f: Formular<RueckmeldungForm>,
) -> Result<Response, Fehler> {
    let d = &f.daten;
    let b = st.erweiterung::<Betreiber>();
    let geprueft = regel::pruefen(&Eingabe {
        name: &d.name,
        email: &d.email,
        seite: &d.seite,
        beschreibung: &d.beschreibung,
    });
    let r = match geprueft {
        Ok(r) => r,
        Err(liste) => {
            let mut fehler = Feldfehler::new();
            for (feld, m) in liste {
                fehler.push(feld, m);
            }
            let csrf = f
                .sitzung
                .as_ref()
                .map_or_else(|| f.daten._csrf.clone(), |s| s.csrf.clone());
            let mut res = BarrierefreiheitSeite {
                title: "Erklärung zur Barrierefreiheit",
                nav: "",
                b,
                basis_url: st.basis_url.to_string(),
                erstellt: ERSTELLT,
                ueberprueft: UEBERPRUEFT,
                aufbewahren_tage: AUFBEWAHREN_TAGE,
                csrf,
                eingabe: f.daten,
                fehler,
            }
            .into_response();
            *res.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(res);
        }
    };
    daten::speichern(&st, &b, &r, &f.adresse).await?;
    Ok(Redirect::to("/barrierefreiheit/danke").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "hinweise/templates/danke.html")]
struct DankeSeite {
    title: &'static str,
    nav: &'static str,
    aufbewahren_tage: i64,
}

async fn danke() -> Response {
    DankeSeite {
        title: "Vielen Dank für Ihre Rückmeldung",
        nav: "",
        aufbewahren_tage: AUFBEWAHREN_TAGE,
    }
    .into_response()
}

// --- Impressum, Datenschutz, Kontakt ----------------------------------------------------------

/// A page that shows the operator's details.
macro_rules! betreiberseite {
    ($typ:ident, $pfad:literal, $fn:ident, $titel:literal) => {
        #[derive(Template, WebTemplate)]
        #[template(path = $pfad)]
        struct $typ {
            title: &'static str,
            nav: &'static str,
            b: Arc<Betreiber>,
        }

        async fn $fn(State(st): State<AppState>) -> Response {
            $typ {
                title: $titel,
                nav: "",
                b: st.erweiterung::<Betreiber>(),
            }
            .into_response()
        }
    };
}

betreiberseite!(
    ImpressumSeite,
    "hinweise/templates/impressum.html",
    impressum,
    "Impressum"
);
betreiberseite!(
    KontaktSeite,
    "hinweise/templates/kontakt.html",
    kontakt,
    "Kontakt"
);
betreiberseite!(
    LeichteSpracheSeite,
    "hinweise/templates/leichte_sprache.html",
    leichte_sprache,
    "Informationen in Leichter Sprache"
);

#[derive(Template, WebTemplate)]
#[template(path = "hinweise/templates/datenschutz.html")]
struct DatenschutzSeite {
    title: &'static str,
    nav: &'static str,
    b: Arc<Betreiber>,
    aufbewahren_tage: i64,
}

async fn datenschutz(State(st): State<AppState>) -> Response {
    DatenschutzSeite {
        title: "Datenschutz",
        nav: "",
        b: st.erweiterung::<Betreiber>(),
        aufbewahren_tage: AUFBEWAHREN_TAGE,
    }
    .into_response()
}

// --- Gebärdensprache --------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "hinweise/templates/gebaerdensprache.html")]
struct GebaerdenspracheSeite {
    title: &'static str,
    nav: &'static str,
    b: Arc<Betreiber>,
    videotyp: &'static str,
}

async fn gebaerdensprache(State(st): State<AppState>) -> Response {
    let b = st.erweiterung::<Betreiber>();
    GebaerdenspracheSeite {
        title: "Informationen in Deutscher Gebärdensprache",
        nav: "",
        videotyp: b
            .gebaerdensprache_video
            .as_deref()
            .and_then(videotyp)
            .unwrap_or(""),
        b,
    }
    .into_response()
}

// --- Feedback for the Koordinierungsstelle ----------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "hinweise/templates/rueckmeldungen.html")]
struct RueckmeldungenSeite {
    title: &'static str,
    nav: &'static str,
    zeilen: Vec<Zeile>,
    aufbewahren_tage: i64,
}

async fn rueckmeldungen(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
) -> Result<Response, Fehler> {
    let Some(s) = s else {
        return Ok(zur_anmeldung("/verwaltung/rueckmeldungen"));
    };
    erlaubt(Some(&s), Aktion::KontenVerwalten)?;
    Ok(RueckmeldungenSeite {
        title: "Rückmeldungen zur Barrierefreiheit",
        nav: "",
        zeilen: daten::liste(&st).await?,
        aufbewahren_tage: AUFBEWAHREN_TAGE,
    }
    .into_response())
}
