//! Pages of the portal's accounts: the citizen's Bürgerkonto (register, confirm, log in and
//! out, overview with Anträge and the Art. 15 copy) and the staff login.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{SITZUNG_HOECHSTENS_MIN, ruecksprung};
use serde::Deserialize;

use crate::antraege::{self, Antrag};
use crate::kern::person::{PORTAL_COOKIE, PersonArt, Portal, beenden};
use crate::kern::schreibrouten::Zugang;
use crate::kern::sitzung::{set_cookie, vorab_cookie, vorab_csrf};
use crate::kern::{Abfrage, AppState, Fehler, Feldfehler, Formular, Leer, Routen, Verweis};
use crate::portalkonten::bundid::{self, BundId};
use crate::portalkonten::daten::{self, Registrierung};

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/buergerkonto", uebersicht)
        .lesen("/buergerkonto/anmelden", anmelden_seite)
        .schreiben_fuer("/buergerkonto/anmelden", Zugang::Offen, anmelden)
        .lesen("/buergerkonto/registrieren", registrieren_seite)
        .schreiben_fuer("/buergerkonto/registrieren", Zugang::Offen, registrieren)
        .lesen("/buergerkonto/bestaetigen/{token}", bestaetigen_seite)
        .schreiben_fuer(
            "/buergerkonto/bestaetigen/{token}",
            Zugang::Offen,
            bestaetigen,
        )
        .schreiben_fuer("/buergerkonto/abmelden", Zugang::Buerger, abmelden)
        .schreiben_fuer("/buergerkonto/loeschen", Zugang::Buerger, loeschen)
        .schreiben_fuer("/buergerkonto/bundid", Zugang::Offen, bundid::start)
        .schreiben_fuer(
            "/buergerkonto/bundid/antwort",
            Zugang::Extern,
            bundid::antwort,
        )
        .lesen("/buergerkonto/bundid/metadaten", bundid::metadaten)
        .lesen("/behoerde/anmelden", behoerde_anmelden_seite)
        .schreiben_fuer("/behoerde/anmelden", Zugang::Offen, behoerde_anmelden)
        .schreiben_fuer("/behoerde/abmelden", Zugang::Offen, abmelden)
}

fn sitzungs_cookie(res: &mut Response, wert: &str) {
    let (k, v) = set_cookie(PORTAL_COOKIE, wert, SITZUNG_HOECHSTENS_MIN * 60);
    res.headers_mut().append(k, v);
}

fn csrf_fuer(p: &Portal, headers: &HeaderMap) -> anyhow::Result<(String, bool)> {
    match &p.sitzung {
        Some(s) => Ok((s.csrf.clone(), false)),
        None => vorab_csrf(headers),
    }
}

fn mit_csrf(mut res: Response, csrf: &str, neu: bool) -> Response {
    if neu {
        vorab_cookie(&mut res, csrf);
    }
    res
}

// --- Citizens ---------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "portalkonten/templates/buergerkonto.html")]
struct UebersichtSeite {
    title: &'static str,
    nav: &'static str,
    name: String,
    niveau: &'static str,
    csrf: String,
    antraege: Vec<(Antrag, &'static str)>,
}

async fn uebersicht(State(st): State<AppState>, p: Portal) -> Result<Response, Fehler> {
    let Some(s) = p.sitzung.as_ref().filter(|s| s.art == PersonArt::Buerger) else {
        return Ok(Redirect::to("/buergerkonto/anmelden").into_response());
    };
    let antraege = antraege::vom_buerger(&st.db, s.person_id)
        .await?
        .into_iter()
        .map(|a| {
            let n = antraege::dienst(&a.dienst).map_or("–", |d| d.name);
            (a, n)
        })
        .collect();
    Ok(UebersichtSeite {
        title: "Ihr Bürgerkonto",
        nav: "buergerkonto",
        name: s.name.clone(),
        niveau: s.niveau.label(),
        csrf: s.csrf.clone(),
        antraege,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
struct Weiter {
    #[serde(default)]
    weiter: String,
    #[serde(default)]
    niveau: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portalkonten/templates/anmelden.html")]
struct AnmeldenSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    weiter: String,
    email: String,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    behoerde: bool,
    /// BundID is configured.
    bundid: bool,
    /// The level a service asked for ("" none).
    niveau: String,
}

impl AnmeldenSeite {
    fn niveau_label(&self) -> &'static str {
        ozg_domain::portal::Vertrauensniveau::parse(&self.niveau).map_or("", |n| n.label())
    }
}

fn anmelden_zeigen(
    st: &AppState,
    csrf: String,
    weiter: String,
    email: String,
    fehler: Feldfehler,
    behoerde: bool,
    niveau: String,
) -> Response {
    let verweise = fehler.verweise(
        "f-",
        &[("anmeldung", "Anmeldung"), ("email", "E-Mail-Adresse")],
    );
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        fehler.status()
    };
    let mut r = AnmeldenSeite {
        title: if behoerde {
            "Anmeldung für Behörden"
        } else {
            "Anmelden am Bürgerkonto"
        },
        nav: "buergerkonto",
        csrf,
        weiter,
        email,
        fehler,
        verweise,
        behoerde,
        bundid: st.erweiterung::<BundId>().0.is_some(),
        niveau,
    }
    .into_response();
    *r.status_mut() = status;
    r
}

async fn anmelden_seite(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    Abfrage(w): Abfrage<Weiter>,
) -> Result<Response, Fehler> {
    let (csrf, neu) = csrf_fuer(&p, &headers)?;
    let weiter = ruecksprung(&w.weiter).unwrap_or("").to_owned();
    let niveau = ozg_domain::portal::Vertrauensniveau::parse(&w.niveau)
        .map(|n| n.key().to_owned())
        .unwrap_or_default();
    Ok(mit_csrf(
        anmelden_zeigen(
            &st,
            csrf.clone(),
            weiter,
            String::new(),
            Feldfehler::new(),
            false,
            niveau,
        ),
        &csrf,
        neu,
    ))
}

#[derive(Deserialize, Default)]
struct Anmeldung {
    #[serde(default)]
    email: String,
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    weiter: String,
    #[serde(default)]
    _csrf: String,
}

async fn anmelden(State(st): State<AppState>, f: Formular<Anmeldung>) -> Result<Response, Fehler> {
    let d = &f.daten;
    let weiter = ruecksprung(&d.weiter).unwrap_or("/buergerkonto").to_owned();
    match daten::buerger_anmelden(&st, &d.email, &d.passwort, &f.adresse).await {
        Ok(cookie) => {
            let mut res = Redirect::to(&weiter).into_response();
            sitzungs_cookie(&mut res, &cookie);
            Ok(res)
        }
        Err(Fehler::Ungueltig(fehler)) => Ok(anmelden_zeigen(
            &st,
            d._csrf.clone(),
            d.weiter.clone(),
            d.email.clone(),
            fehler,
            false,
            String::new(),
        )),
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portalkonten/templates/registrieren.html")]
struct RegistrierenSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    eingabe: Registrierung,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    gesendet: bool,
}

fn registrieren_zeigen(
    csrf: String,
    eingabe: Registrierung,
    fehler: Feldfehler,
    gesendet: bool,
) -> Response {
    let verweise = fehler.verweise(
        "f-",
        &[
            ("vorname", "Vorname"),
            ("nachname", "Nachname"),
            ("email", "E-Mail-Adresse"),
            ("passwort", "Passwort"),
            ("wiederholung", "Passwort wiederholen"),
        ],
    );
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        fehler.status()
    };
    let mut r = RegistrierenSeite {
        title: if gesendet {
            "Bitte bestätigen Sie Ihre E-Mail-Adresse"
        } else {
            "Bürgerkonto anlegen"
        },
        nav: "buergerkonto",
        csrf,
        eingabe: Registrierung {
            passwort: String::new(),
            wiederholung: String::new(),
            ..eingabe
        },
        fehler,
        verweise,
        gesendet,
    }
    .into_response();
    *r.status_mut() = status;
    r
}

async fn registrieren_seite(p: Portal, headers: HeaderMap) -> Result<Response, Fehler> {
    let (csrf, neu) = csrf_fuer(&p, &headers)?;
    Ok(mit_csrf(
        registrieren_zeigen(
            csrf.clone(),
            Registrierung::default(),
            Feldfehler::new(),
            false,
        ),
        &csrf,
        neu,
    ))
}

async fn registrieren(
    State(st): State<AppState>,
    headers: HeaderMap,
    f: Formular<Registrierung>,
) -> Result<Response, Fehler> {
    let csrf = crate::kern::sitzung::cookie(&headers, crate::kern::sitzung::CSRF_COOKIE)
        .or_else(|| f.person.as_ref().map(|p| p.csrf.clone()))
        .unwrap_or_default();
    match daten::registrieren(&st, &f.daten, &f.adresse).await {
        Ok(()) => Ok(registrieren_zeigen(
            csrf,
            Registrierung::default(),
            Feldfehler::new(),
            true,
        )),
        Err(Fehler::Ungueltig(fehler)) => Ok(registrieren_zeigen(csrf, f.daten, fehler, false)),
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portalkonten/templates/bestaetigen.html")]
struct BestaetigenSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    token: String,
    ergebnis: Option<bool>,
}

/// The link from the e-mail shows a button: confirming is a POST (a GET never writes, and a
/// mail scanner that follows links must not confirm an address).
async fn bestaetigen_seite(
    p: Portal,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, Fehler> {
    let (csrf, neu) = csrf_fuer(&p, &headers)?;
    Ok(mit_csrf(
        BestaetigenSeite {
            title: "E-Mail-Adresse bestätigen",
            nav: "buergerkonto",
            csrf: csrf.clone(),
            token,
            ergebnis: None,
        }
        .into_response(),
        &csrf,
        neu,
    ))
}

async fn bestaetigen(
    State(st): State<AppState>,
    Path(token): Path<String>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let ok = daten::bestaetigen(&st, &token).await?;
    let mut r = BestaetigenSeite {
        title: if ok {
            "E-Mail-Adresse bestätigt"
        } else {
            "Link nicht gültig"
        },
        nav: "buergerkonto",
        csrf: f.person.map(|p| p.csrf).unwrap_or_default(),
        token,
        ergebnis: Some(ok),
    }
    .into_response();
    if !ok {
        *r.status_mut() = StatusCode::NOT_FOUND;
    }
    Ok(r)
}

async fn abmelden(State(st): State<AppState>, f: Formular<Leer>) -> Result<Response, Fehler> {
    let ziel = match &f.person {
        Some(s) => {
            st.db.execute_all(&[beenden(s)]).await?;
            if s.art == PersonArt::Mitarbeiter {
                "/behoerde/anmelden"
            } else {
                "/dienste"
            }
        }
        None => "/dienste",
    };
    let mut res = Redirect::to(ziel).into_response();
    let (k, v) = set_cookie(PORTAL_COOKIE, "", 0);
    res.headers_mut().append(k, v);
    Ok(res)
}

// --- Staff -------------------------------------------------------------------------------------

async fn behoerde_anmelden_seite(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
) -> Result<Response, Fehler> {
    let (csrf, neu) = csrf_fuer(&p, &headers)?;
    Ok(mit_csrf(
        anmelden_zeigen(
            &st,
            csrf.clone(),
            String::new(),
            String::new(),
            Feldfehler::new(),
            true,
            String::new(),
        ),
        &csrf,
        neu,
    ))
}

async fn behoerde_anmelden(
    State(st): State<AppState>,
    f: Formular<Anmeldung>,
) -> Result<Response, Fehler> {
    let d = &f.daten;
    match daten::mitarbeiter_anmelden(&st, &d.email, &d.passwort, &f.adresse).await {
        Ok((cookie, start)) => {
            let mut res = Redirect::to(start).into_response();
            sitzungs_cookie(&mut res, &cookie);
            Ok(res)
        }
        Err(Fehler::Ungueltig(fehler)) => Ok(anmelden_zeigen(
            &st,
            d._csrf.clone(),
            String::new(),
            d.email.clone(),
            fehler,
            true,
            String::new(),
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
struct Loeschen {
    #[serde(default)]
    bestaetigt: String,
}

/// `POST /buergerkonto/loeschen`: the citizen deletes the account (with a confirmation box).
async fn loeschen(State(st): State<AppState>, f: Formular<Loeschen>) -> Result<Response, Fehler> {
    let Some(s) = f.person.as_ref().filter(|s| s.art == PersonArt::Buerger) else {
        return Err(crate::kern::person::buerger_anmelden_bitte());
    };
    if f.daten.bestaetigt != "ja" {
        return Err(Fehler::feld(
            "bestaetigt",
            "Bitte bestätigen Sie, dass Sie Ihr Konto löschen möchten.",
        ));
    }
    daten::buergerkonto_loeschen(&st, s.person_id).await?;
    let mut res = Redirect::to("/dienste").into_response();
    let (k, v) = set_cookie(PORTAL_COOKIE, "", 0);
    res.headers_mut().append(k, v);
    Ok(res)
}
