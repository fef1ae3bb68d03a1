//! Pages and form handlers of the members' area: login and logout, accepting an invitation,
//! the own account (password), the accounts (Koordinierungsstelle) and the audit log.

use crate::kern::Abfrage;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{Aktion, Rolle, SITZUNG_HOECHSTENS_MIN, darf};
use serde::Deserialize;

use crate::kern::audit::{self, Eintrag};
use crate::kern::sicherheit::{self, Ereignisart, Meldung};
use crate::kern::sitzung::{
    self, Konto, SITZUNG_COOKIE, erlaubt, set_cookie, vorab_cookie, vorab_csrf, zur_anmeldung,
};
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Formular, Leer, Routen, Sitzung};
use crate::konten::daten::{self, NeuesKonto};

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/anmelden", anmelden_seite)
        .schreiben("/anmelden", None, anmelden)
        .schreiben("/abmelden", None, abmelden)
        .lesen("/einladung/{token}", einladung_seite)
        .schreiben("/einladung/{token}", None, einladung_annehmen)
        .lesen("/konto", konto_seite)
        .schreiben(
            "/konto/passwort",
            Some(Aktion::EigenesPasswortAendern),
            passwort,
        )
        .lesen("/verwaltung/konten", konten_seite)
        .schreiben(
            "/verwaltung/konten",
            Some(Aktion::KontenVerwalten),
            einladen,
        )
        .schreiben(
            "/verwaltung/konten/{id}/deaktivieren",
            Some(Aktion::KontenVerwalten),
            deaktivieren,
        )
        .lesen("/verwaltung/protokoll", protokoll)
        .lesen("/verwaltung/sicherheit", sicherheitsprotokoll)
}

fn mit_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

// --- Login ----------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "konten/templates/anmelden.html")]
struct AnmeldenSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    benutzername: String,
    weiter: String,
    fehler: Option<String>,
}

#[derive(Deserialize, Default)]
struct Weiter {
    #[serde(default)]
    weiter: String,
}

/// Only local paths: no open redirect to another site.
/// Where to go after the login: a path on this site, else the account page.
fn lokal(w: &str) -> String {
    ozg_domain::access::ruecksprung(w)
        .unwrap_or("/konto")
        .to_owned()
}

async fn anmelden_seite(
    headers: HeaderMap,
    Abfrage(w): Abfrage<Weiter>,
) -> Result<Response, Fehler> {
    let (csrf, neu) = vorab_csrf(&headers)?;
    let mut res = AnmeldenSeite {
        title: "Anmelden",
        nav: "",
        csrf: csrf.clone(),
        benutzername: String::new(),
        weiter: lokal(&w.weiter),
        fehler: None,
    }
    .into_response();
    if neu {
        vorab_cookie(&mut res, &csrf);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct AnmeldenForm {
    #[serde(default)]
    benutzername: String,
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    weiter: String,
    #[serde(default)]
    _csrf: String,
}

async fn anmelden(
    State(st): State<AppState>,
    f: Formular<AnmeldenForm>,
) -> Result<Response, Fehler> {
    let d = f.daten;
    match daten::anmelden(&st, &d.benutzername, &d.passwort, &f.adresse).await {
        Ok(cookie) => {
            let mut res = Redirect::to(&lokal(&d.weiter)).into_response();
            let (k, v) = set_cookie(SITZUNG_COOKIE, &cookie, SITZUNG_HOECHSTENS_MIN * 60);
            res.headers_mut().append(k, v);
            Ok(res)
        }
        Err(Fehler::Ungueltig(e)) => Ok(mit_status(
            AnmeldenSeite {
                title: "Anmelden",
                nav: "",
                csrf: d._csrf,
                benutzername: d.benutzername,
                weiter: lokal(&d.weiter),
                fehler: e.bei("anmeldung"),
            }
            .into_response(),
            StatusCode::UNAUTHORIZED,
        )),
        Err(e) => Err(e),
    }
}

async fn abmelden(State(st): State<AppState>, f: Formular<Leer>) -> Result<Response, Fehler> {
    if let Some(s) = &f.sitzung {
        sitzung::beenden(&st.db, s).await?;
        sicherheit::melden(
            &st.db,
            &st.uhr,
            &Meldung {
                art: Ereignisart::Abmeldung,
                adresse: &f.adresse,
                konto: Some(&s.konto.benutzername),
                pfad: "/abmelden",
                detail: "",
            },
        )
        .await;
    }
    let mut res = Redirect::to("/").into_response();
    let (k, v) = set_cookie(SITZUNG_COOKIE, "", 0);
    res.headers_mut().append(k, v);
    Ok(res)
}

// --- Invitation -----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "konten/templates/einladung.html")]
struct EinladungSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    token: String,
    benutzername: Option<String>,
    fehler: Feldfehler,
}

async fn einladung_seite(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, Fehler> {
    let (csrf, neu) = vorab_csrf(&headers)?;
    let (benutzername, fehler) = match daten::einladung_pruefen(&st.db, &st.uhr, &token).await {
        Ok(b) => (Some(b), Feldfehler::new()),
        Err(e) => (None, e.feldfehler()?),
    };
    let gueltig = benutzername.is_some();
    let mut res = EinladungSeite {
        title: "Einladung annehmen",
        nav: "",
        csrf: csrf.clone(),
        token,
        benutzername,
        fehler,
    }
    .into_response();
    if !gueltig {
        *res.status_mut() = StatusCode::NOT_FOUND;
    }
    if neu {
        vorab_cookie(&mut res, &csrf);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct PasswortSetzen {
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    wiederholung: String,
    #[serde(default)]
    _csrf: String,
}

async fn einladung_annehmen(
    State(st): State<AppState>,
    Path(token): Path<String>,
    f: Formular<PasswortSetzen>,
) -> Result<Response, Fehler> {
    let d = &f.daten;
    match daten::einladung_annehmen(&st, &token, &d.passwort, &d.wiederholung).await {
        Ok(()) => Ok(Redirect::to("/anmelden?weiter=/konto").into_response()),
        Err(e) => {
            let fehler = e.feldfehler()?;
            let benutzername = daten::einladung_pruefen(&st.db, &st.uhr, &token).await.ok();
            Ok(mit_status(
                EinladungSeite {
                    title: "Einladung annehmen",
                    nav: "",
                    csrf: f.daten._csrf.clone(),
                    token,
                    benutzername,
                    fehler,
                }
                .into_response(),
                StatusCode::BAD_REQUEST,
            ))
        }
    }
}

// --- Own account ----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "konten/templates/konto.html")]
struct KontoSeite {
    title: &'static str,
    nav: &'static str,
    konto: Konto,
    csrf: String,
    verwalten: bool,
    meldung: Option<String>,
    fehler: Feldfehler,
}

fn konto_seite_fuer(s: &Sitzung, meldung: Option<String>, fehler: Feldfehler) -> KontoSeite {
    KontoSeite {
        title: "Mein Konto",
        nav: "",
        konto: s.konto.clone(),
        csrf: s.csrf.clone(),
        verwalten: darf(Some(&s.nutzer), Aktion::KontenVerwalten, None),
        meldung,
        fehler,
    }
}

async fn konto_seite(Angemeldet(s): Angemeldet) -> Result<Response, Fehler> {
    let Some(s) = s else {
        return Ok(zur_anmeldung("/konto"));
    };
    Ok(konto_seite_fuer(&s, None, Feldfehler::new()).into_response())
}

#[derive(Deserialize)]
struct PasswortAendern {
    #[serde(default)]
    alt: String,
    #[serde(default)]
    neu: String,
    #[serde(default)]
    wiederholung: String,
}

async fn passwort(
    State(st): State<AppState>,
    f: Formular<PasswortAendern>,
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::EigenesPasswortAendern)?;
    let d = &f.daten;
    match daten::passwort_aendern(&st, s, &d.alt, &d.neu, &d.wiederholung, &f.adresse).await {
        Ok(()) => Ok(konto_seite_fuer(
            s,
            Some(
                "Ihr Passwort wurde geändert. Andere Sitzungen Ihres Kontos wurden beendet.".into(),
            ),
            Feldfehler::new(),
        )
        .into_response()),
        Err(e) => Ok(mit_status(
            konto_seite_fuer(s, None, e.feldfehler()?).into_response(),
            StatusCode::BAD_REQUEST,
        )),
    }
}

// --- Accounts (Koordinierungsstelle) --------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "konten/templates/konten.html")]
struct KontenSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    konten: Vec<Konto>,
    eingabe: NeuesKonto,
    fehler: Feldfehler,
    einladungslink: Option<String>,
    rollen: Vec<(&'static str, &'static str)>,
}

async fn konten_liste(
    st: &AppState,
    s: &Sitzung,
    eingabe: NeuesKonto,
    fehler: Feldfehler,
    link: Option<String>,
) -> Result<KontenSeite, Fehler> {
    Ok(KontenSeite {
        title: "Konten verwalten",
        nav: "",
        csrf: s.csrf.clone(),
        konten: daten::konten(&st.db).await?,
        eingabe,
        fehler,
        einladungslink: link,
        rollen: Rolle::optionen(),
    })
}

async fn konten_seite(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
) -> Result<Response, Fehler> {
    let Some(s) = s else {
        return Ok(zur_anmeldung("/verwaltung/konten"));
    };
    let s = erlaubt(Some(&s), Aktion::KontenVerwalten)?;
    Ok(
        konten_liste(&st, s, NeuesKonto::default(), Feldfehler::new(), None)
            .await?
            .into_response(),
    )
}

async fn einladen(State(st): State<AppState>, f: Formular<NeuesKonto>) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::KontenVerwalten)?;
    match daten::einladen(&st.db, &st.uhr, &f.daten, &s.konto.benutzername).await {
        Ok(token) => {
            // The configured public address, never the request's Host header (which a client
            // chooses).
            let link = format!("{}/einladung/{token}", st.basis_url);
            Ok(
                konten_liste(&st, s, NeuesKonto::default(), Feldfehler::new(), Some(link))
                    .await?
                    .into_response(),
            )
        }
        Err(e) => {
            let fehler = e.feldfehler()?;
            Ok(mit_status(
                konten_liste(&st, s, f.daten, fehler, None)
                    .await?
                    .into_response(),
                StatusCode::BAD_REQUEST,
            ))
        }
    }
}

async fn deaktivieren(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::KontenVerwalten)?;
    let Ok(id) = id.parse::<i64>() else {
        return Err(Fehler::nicht_gefunden(format!(
            "Ein Konto „{id}“ gibt es nicht."
        )));
    };
    daten::deaktivieren(&st.db, &st.uhr, &s.konto.benutzername, id).await?;
    Ok(Redirect::to("/verwaltung/konten").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "konten/templates/protokoll.html")]
struct ProtokollSeite {
    title: &'static str,
    nav: &'static str,
    suche: String,
    eintraege: Vec<Eintrag>,
}

#[derive(Deserialize, Default)]
struct Suche {
    #[serde(default)]
    suche: String,
}

async fn protokoll(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Abfrage(q): Abfrage<Suche>,
) -> Result<Response, Fehler> {
    let Some(s) = s else {
        return Ok(zur_anmeldung("/verwaltung/protokoll"));
    };
    erlaubt(Some(&s), Aktion::KontenVerwalten)?;
    Ok(ProtokollSeite {
        title: "Änderungsprotokoll",
        nav: "",
        eintraege: audit::liste(&st.db, &q.suche, 500).await?,
        suche: q.suche,
    }
    .into_response())
}

// --- Security events (Koordinierungsstelle) -------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "konten/templates/sicherheit.html")]
struct SicherheitSeite {
    title: &'static str,
    nav: &'static str,
    arten: Vec<(&'static str, &'static str)>,
    art: String,
    letzter_tag: Vec<(&'static str, i64)>,
    ereignisse: Vec<sicherheit::Ereignis>,
    tage: i64,
}

#[derive(Deserialize, Default)]
struct ArtFilter {
    #[serde(default)]
    art: String,
}

async fn sicherheitsprotokoll(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Abfrage(q): Abfrage<ArtFilter>,
) -> Result<Response, Fehler> {
    let Some(s) = s else {
        return Ok(zur_anmeldung("/verwaltung/sicherheit"));
    };
    erlaubt(Some(&s), Aktion::KontenVerwalten)?;
    let art = if q.art.is_empty() {
        None
    } else {
        Some(Ereignisart::parse(&q.art).map_err(|m| Fehler::feld("art", m))?)
    };
    let letzter_tag = sicherheit::zaehlen(&st.db, st.uhr.sekunden() - 86_400)
        .await?
        .into_iter()
        .map(|(a, n)| {
            (
                Ereignisart::parse(&a).map_or("unbekannt", Ereignisart::label),
                n,
            )
        })
        .collect();
    Ok(SicherheitSeite {
        title: "Sicherheitsereignisse",
        nav: "",
        arten: Ereignisart::optionen(),
        art: q.art,
        letzter_tag,
        ereignisse: sicherheit::liste(&st.db, art, 500).await?,
        tage: sicherheit::AUFBEWAHREN_TAGE,
    }
    .into_response())
}
