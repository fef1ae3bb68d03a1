//! The citizen's side of an Antrag: start, fill step by step (saved per step, resumable),
//! check and submit, follow it, write in its Postfach, answer a Nachforderung, withdraw.
//!
//! Who may open an Antrag: the citizen whose account it belongs to, or (without account) the
//! browser that holds its resume token (cookie, set by the resume link). Anyone else gets
//! "not found" — the same answer as for a number that does not exist.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::antrag::{Beteiligter, Ereignis, Zustand};
use ozg_domain::formular::{Antworten, Feldart, Formular as Form};
use serde::Deserialize;

use crate::antraege::dateien;
use crate::antraege::daten::{self, Antrag, Uebergang};
use crate::antraege::zugriff::{ENTWURF_COOKIE, Zugriff, oeffnen};
use crate::antraege::zustaendigkeit;
use crate::antraege::{Dienst, dienst};
use crate::kern::mail::Nachricht as Mail;
use crate::kern::person::{PersonArt, Portal, PortalSitzung};
use crate::kern::schreibrouten::Zugang;
use crate::kern::sitzung::{set_cookie_bis_ende, vorab_cookie};
use crate::kern::{AppState, Fehler, Feldfehler, Formular, Hochladen, Leer, Routen, Verweis};
use crate::{kern::postausgang, sql};

pub(super) fn routen() -> Routen {
    Routen::new()
        .schreiben_fuer("/dienste/{dienst}/beginnen", Zugang::Offen, beginnen)
        .lesen("/antraege/fortsetzen/{token}", fortsetzen)
        .lesen("/antraege/{id}/schritt/{schritt}", schritt_seite)
        .schreiben_fuer(
            "/antraege/{id}/schritt/{schritt}",
            Zugang::Offen,
            schritt_speichern,
        )
        .lesen("/antraege/{id}/pruefen", pruefen_seite)
        .schreiben_fuer("/antraege/{id}/einreichen", Zugang::Offen, einreichen)
        .lesen("/antraege/{id}", antrag_seite)
        .hochladen_fuer(
            "/antraege/{id}/nachricht",
            Zugang::Offen,
            ozg_domain::anhang::ANHANG_MAX_BYTES,
            nachricht,
        )
        .schreiben_fuer("/antraege/{id}/gelesen", Zugang::Offen, gelesen)
        .schreiben_fuer("/antraege/{id}/zurueckziehen", Zugang::Offen, zurueckziehen)
        .lesen(
            "/antraege/{id}/eingangsbestaetigung.pdf",
            eingangsbestaetigung,
        )
}

// --- Start -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct Beginnen {
    #[serde(default)]
    email: String,
}

async fn beginnen(
    State(st): State<AppState>,
    Path(schluessel): Path<String>,
    f: Formular<Beginnen>,
) -> Result<Response, Fehler> {
    let d = dienst(&schluessel).ok_or_else(|| {
        Fehler::nicht_gefunden(format!(
            "Einen Online-Dienst „{schluessel}“ gibt es hier nicht."
        ))
    })?;
    let buerger = f.person.as_ref().filter(|s| s.art == PersonArt::Buerger);
    // Without a login, or below the service's level: to the login, asking for the level
    // (a step-up), and back to the service afterwards.
    if let Some(n) = ozg_domain::portal::anmeldung_noetig(d.niveau, buerger.map(|s| s.niveau)) {
        return Ok(Redirect::to(&format!(
            "/buergerkonto/anmelden?weiter=/dienste/{}&niveau={}",
            d.schluessel,
            n.key()
        ))
        .into_response());
    }
    let email = match buerger {
        Some(s) => s.email.clone(),
        None => {
            let e = f.daten.email.trim().to_owned();
            if !crate::kern::mail::adresse_gueltig(&e) {
                return Err(Fehler::feld(
                    "email",
                    "Bitte geben Sie Ihre E-Mail-Adresse an: an sie schicken wir den Link, mit dem Sie den Antrag später fortsetzen können.",
                ));
            }
            crate::kern::passwort::versand_drosseln(&st, &f.adresse, &e).await?;
            e
        }
    };
    let wer = buerger.map_or_else(|| "antragsteller".to_owned(), PortalSitzung::audit_name);
    let (id, token) = daten::anlegen(&st, d, buerger.map(|s| s.person_id), &email, &wer).await?;
    let erster = d.formular.schritte.first().map_or("pruefen", |s| s.name);
    let ziel = format!("/antraege/{id}/schritt/{erster}");
    let mut res = Redirect::to(&ziel).into_response();
    if let Some(t) = token {
        // The resume link: the token is no personal data; the e-mail says only that a draft
        // exists and how to continue it.
        let link = format!("{}/antraege/fortsetzen/{t}", st.basis_url);
        let stmts = postausgang::einreihen(
            &st.db,
            &st.uhr,
            &format!("antrag:{id}:fortsetzen"),
            &[Mail {
                name: String::new(),
                email,
                betreff: format!("Ihr Entwurf: {}", d.name),
                text: format!(
                    "Guten Tag,\n\nSie haben auf dem Portal einen Antrag begonnen ({}). Mit diesem Link können Sie ihn fortsetzen und später seinen Stand sehen:\n\n{link}\n\nDer Link gilt, solange der Antrag gespeichert ist (ein nicht eingereichter Entwurf {} Tage nach der letzten Änderung). Geben Sie ihn nicht weiter.\n\nWenn Sie keinen Antrag begonnen haben, können Sie diese E-Mail ignorieren.",
                    d.name,
                    daten::ENTWURF_TAGE
                ),
            }],
        )
        .await?;
        st.db.execute_all(&stmts).await?;
        let (k, v) = set_cookie_bis_ende(ENTWURF_COOKIE, &t);
        res.headers_mut().append(k, v);
    }
    Ok(res)
}

/// `GET /antraege/fortsetzen/{token}`: the resume link. Sets the token as cookie (so it leaves
/// the address bar and the history) and goes to the Antrag.
async fn fortsetzen(State(st): State<AppState>, Path(t): Path<String>) -> Result<Response, Fehler> {
    let Some(a) = daten::per_token(&st.db, &t).await? else {
        return Err(Fehler::nicht_gefunden(
            "Dieser Link ist nicht (mehr) gültig: Der Antrag wurde gelöscht oder der Link falsch kopiert.",
        ));
    };
    let ziel = if a.zustand() == Zustand::Entwurf {
        let d = dienst(&a.dienst);
        let schritt = d
            .and_then(|d| d.formular.schritte.get(a.schritt as usize))
            .map_or("pruefen".to_owned(), |s| format!("schritt/{}", s.name));
        format!("/antraege/{}/{schritt}", a.id)
    } else {
        format!("/antraege/{}", a.id)
    };
    let mut res = Redirect::to(&ziel).into_response();
    let (k, v) = set_cookie_bis_ende(ENTWURF_COOKIE, &t);
    res.headers_mut().append(k, v);
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

// --- Steps -----------------------------------------------------------------------------------

/// A field as the step template renders it.
pub(super) struct FeldAnsicht {
    pub name: &'static str,
    pub label: &'static str,
    pub hilfe: &'static str,
    /// text, textarea, email, tel, datum, zahl, plz, auswahl, radio
    pub typ: &'static str,
    pub wert: String,
    pub optionen: Vec<(&'static str, &'static str)>,
    pub pflicht: bool,
    pub autocomplete: &'static str,
    pub max: usize,
}

fn ansicht(d: &Dienst, i: usize, a: &Antworten) -> Vec<FeldAnsicht> {
    let Some(s) = d.formular.schritte.get(i) else {
        return Vec::new();
    };
    s.felder
        .iter()
        .filter(|f| {
            f.wenn.is_none()
                || Form::sichtbar(f, a)
                || f.wenn
                    .is_some_and(|b| s.felder.iter().any(|x| x.name == b.feld))
        })
        .map(|f| {
            let (typ, optionen, max) = match f.art {
                Feldart::Text(m) => ("text", vec![], m),
                Feldart::Mehrzeilig(m) => ("textarea", vec![], m),
                Feldart::Email => ("email", vec![], 254),
                Feldart::Telefon => ("tel", vec![], 30),
                Feldart::Datum => ("datum", vec![], 10),
                Feldart::Zahl(_, _) => ("zahl", vec![], 12),
                Feldart::Plz => ("plz", vec![], 5),
                Feldart::Auswahl(o) if o.len() <= 5 => ("radio", o.to_vec(), 0),
                Feldart::Auswahl(o) => ("auswahl", o.to_vec(), 0),
                Feldart::JaNein => ("radio", vec![("ja", "Ja"), ("nein", "Nein")], 0),
            };
            let wert = a.get(f.name).cloned().unwrap_or_default();
            let wert = if f.art == Feldart::Datum {
                f.anzeige(&wert)
            } else {
                wert
            };
            FeldAnsicht {
                name: f.name,
                label: f.label,
                hilfe: f.hilfe,
                typ,
                wert,
                optionen,
                pflicht: f.pflicht,
                autocomplete: f.autocomplete,
                max,
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "antraege/templates/schritt.html")]
struct SchrittSeite {
    title: String,
    nav: &'static str,
    csrf: String,
    dienst: &'static Dienst,
    antrag: Antrag,
    /// (name, title) of every step, and the check page.
    schritte: Vec<(&'static str, &'static str)>,
    aktuell: usize,
    schritt_name: &'static str,
    felder: Vec<FeldAnsicht>,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    dateien: Vec<dateien::Datei>,
    ist_letzter: bool,
    hinweis: Option<String>,
    /// Uploads are scanned for viruses (a scanner is configured).
    viren: bool,
}

fn schritt_index(d: &Dienst, name: &str, id: i64) -> Result<usize, Fehler> {
    d.formular.schritt(name).map(|(i, _)| i).ok_or_else(|| {
        Fehler::nicht_gefunden(format!("Diesen Schritt gibt es im Antrag Nr. {id} nicht."))
    })
}

#[allow(clippy::too_many_arguments)]
async fn schritt_zeigen(
    st: &AppState,
    a: Antrag,
    d: &'static Dienst,
    i: usize,
    antworten: &Antworten,
    fehler: Feldfehler,
    csrf: String,
    hinweis: Option<String>,
) -> Result<Response, Fehler> {
    let s = &d.formular.schritte[i];
    let felder = ansicht(d, i, antworten);
    let namen: Vec<(&str, &str)> = s.felder.iter().map(|f| (f.name, f.label)).collect();
    let verweise = fehler.verweise("f-", &namen);
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        fehler.status()
    };
    let dateien = if i + 1 == d.formular.schritte.len() && d.anlagen {
        dateien::vom_antrag(&st.db, a.id, "antrag").await?
    } else {
        Vec::new()
    };
    let mut res = SchrittSeite {
        title: format!(
            "{}{} – Schritt {} von {}: {}",
            if fehler.is_empty() { "" } else { "Fehler: " },
            d.name,
            i + 1,
            d.formular.schritte.len() + 1,
            s.titel
        ),
        nav: "dienste",
        csrf,
        dienst: d,
        schritte: d
            .formular
            .schritte
            .iter()
            .map(|s| (s.name, s.titel))
            .chain([("pruefen", "Prüfen und absenden")])
            .collect(),
        aktuell: i,
        schritt_name: s.name,
        felder,
        fehler,
        verweise,
        dateien,
        ist_letzter: i + 1 == d.formular.schritte.len(),
        antrag: a,
        hinweis,
        viren: st
            .erweiterung::<crate::kern::virenpruefung::Virenpruefung>()
            .0
            .is_some(),
    }
    .into_response();
    *res.status_mut() = status;
    Ok(res)
}

async fn schritt_seite(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    Path((id, name)): Path<(i64, String)>,
) -> Result<Response, Fehler> {
    let z = Zugriff::aus(&p, &headers);
    let (a, d) = oeffnen(&st, &z, id).await?;
    if a.zustand() != Zustand::Entwurf {
        return Ok(Redirect::to(&format!("/antraege/{id}")).into_response());
    }
    let i = schritt_index(d, &name, id)?;
    let (csrf, neu) = z.csrf(&headers)?;
    let antworten = a.antworten();
    let mut res = schritt_zeigen(
        &st,
        a,
        d,
        i,
        &antworten,
        Feldfehler::new(),
        csrf.clone(),
        None,
    )
    .await?;
    if neu {
        vorab_cookie(&mut res, &csrf);
    }
    Ok(res)
}

async fn schritt_speichern(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((id, name)): Path<(i64, String)>,
    f: Formular<BTreeMap<String, String>>,
) -> Result<Response, Fehler> {
    let z = Zugriff::von_person(f.person.as_ref(), &headers);
    let (a, d) = oeffnen(&st, &z, id).await?;
    if a.zustand() != Zustand::Entwurf {
        return Err(Fehler::feld(
            "ereignis",
            "Der Antrag ist schon eingereicht; ändern können Sie ihn nicht mehr. Schreiben Sie der Behörde über das Postfach.",
        ));
    }
    let i = schritt_index(d, &name, id)?;
    let aktion = f
        .daten
        .get("aktion")
        .map(String::as_str)
        .unwrap_or("weiter");
    let bisher = a.antworten();
    let (neu, liste) = d
        .formular
        .schritt_pruefen(i, &bisher, &|n| f.daten.get(n).cloned().unwrap_or_default());
    let mut fehler = Feldfehler::new();
    for (feld, m) in liste {
        fehler.push(feld, m);
    }
    // The address decides the authority: refused here, with the reason, not at the end.
    let mut behoerde_id = a.behoerde_id;
    let (plz_feld, ort_feld) = d.anschrift;
    if fehler.is_empty()
        && d.formular.schritte[i]
            .felder
            .iter()
            .any(|x| x.name == plz_feld)
    {
        let plz = neu.get(plz_feld).map(String::as_str).unwrap_or("");
        let ort = neu.get(ort_feld).map(String::as_str).unwrap_or("");
        match zustaendigkeit::behoerde_fuer(&st, d, plz, ort).await? {
            Ok(b) => {
                behoerde_id = Some(b.id);
            }
            Err(m) => fehler.push(plz_feld, m),
        }
    }
    // "Zurück" and "Speichern" keep what is valid and go on without complaining: only
    // "Weiter" needs the step complete.
    if !fehler.is_empty() && aktion == "weiter" {
        return schritt_zeigen(
            &st,
            a,
            d,
            i,
            &neu,
            fehler,
            f.daten.get("_csrf").cloned().unwrap_or_default(),
            None,
        )
        .await;
    }
    let gespeichert: Antworten = if fehler.is_empty() {
        neu.clone()
    } else {
        // Keep the old answers of the fields that failed.
        let mut g = neu.clone();
        for (feld, _) in fehler.iter() {
            match bisher.get(feld) {
                Some(v) => g.insert(feld.to_owned(), v.clone()),
                None => g.remove(feld),
            };
        }
        g
    };
    let naechster = match aktion {
        "zurueck" => i.saturating_sub(1),
        "speichern" => i,
        _ => i + 1,
    };
    let name_wert = d
        .name_felder
        .iter()
        .filter_map(|f| gespeichert.get(*f).map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    if !daten::entwurf_speichern(&st, &a, &gespeichert, naechster, behoerde_id, &name_wert).await? {
        return Err(Fehler::feld(
            "ereignis",
            "Der Entwurf wurde inzwischen in einem anderen Fenster geändert. Bitte laden Sie die Seite neu.",
        ));
    }
    let ziel = match aktion {
        "speichern" => format!("/antraege/{id}?gespeichert=1"),
        _ => match d.formular.schritte.get(naechster) {
            Some(s) if naechster < d.formular.schritte.len() => {
                format!("/antraege/{id}/schritt/{}", s.name)
            }
            _ => format!("/antraege/{id}/pruefen"),
        },
    };
    Ok(Redirect::to(&ziel).into_response())
}

// --- Check and submit ------------------------------------------------------------------------

/// A step's answers for the check page: (step name, title, [(label, value)]).
type Abschnitt = (&'static str, &'static str, Vec<(&'static str, String)>);

#[derive(Template, WebTemplate)]
#[template(path = "antraege/templates/pruefen.html")]
struct PruefenSeite {
    title: String,
    nav: &'static str,
    csrf: String,
    dienst: &'static Dienst,
    antrag: Antrag,
    schritte: Vec<(&'static str, &'static str)>,
    zusammenfassung: Vec<Abschnitt>,
    dateien: Vec<dateien::Datei>,
    behoerde: Option<daten::Behoerde>,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
}

async fn pruefen_zeigen(
    st: &AppState,
    a: Antrag,
    d: &'static Dienst,
    csrf: String,
    fehler: Feldfehler,
) -> Result<Response, Fehler> {
    let antworten = a.antworten();
    let zusammenfassung = d
        .formular
        .schritte
        .iter()
        .map(|s| {
            (
                s.name,
                s.titel,
                s.felder
                    .iter()
                    .filter(|f| Form::sichtbar(f, &antworten))
                    .map(|f| {
                        (
                            f.label,
                            antworten
                                .get(f.name)
                                .map(|w| f.anzeige(w))
                                .unwrap_or_else(|| "–".into()),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let behoerde = match a.behoerde_id {
        Some(b) => daten::behoerde(&st.db, b).await?,
        None => None,
    };
    let verweise = fehler.verweise(
        "f-",
        &[("zustimmung", "Bestätigung"), ("ereignis", "Antrag")],
    );
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        fehler.status()
    };
    let mut res = PruefenSeite {
        title: format!(
            "{}{} – Angaben prüfen und absenden",
            if fehler.is_empty() { "" } else { "Fehler: " },
            d.name
        ),
        nav: "dienste",
        csrf,
        dienst: d,
        schritte: d
            .formular
            .schritte
            .iter()
            .map(|s| (s.name, s.titel))
            .chain([("pruefen", "Prüfen und absenden")])
            .collect(),
        zusammenfassung,
        dateien: dateien::vom_antrag(&st.db, a.id, "antrag").await?,
        behoerde,
        antrag: a,
        fehler,
        verweise,
    }
    .into_response();
    *res.status_mut() = status;
    Ok(res)
}

async fn pruefen_seite(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Fehler> {
    let z = Zugriff::aus(&p, &headers);
    let (a, d) = oeffnen(&st, &z, id).await?;
    if a.zustand() != Zustand::Entwurf {
        return Ok(Redirect::to(&format!("/antraege/{id}")).into_response());
    }
    let (csrf, neu) = z.csrf(&headers)?;
    let mut res = pruefen_zeigen(&st, a, d, csrf.clone(), Feldfehler::new()).await?;
    if neu {
        vorab_cookie(&mut res, &csrf);
    }
    Ok(res)
}

#[derive(Deserialize, Default)]
struct Einreichen {
    #[serde(default)]
    zustimmung: String,
    #[serde(default)]
    _csrf: String,
}

async fn einreichen(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    f: Formular<Einreichen>,
) -> Result<Response, Fehler> {
    let z = Zugriff::von_person(f.person.as_ref(), &headers);
    let (a, d) = oeffnen(&st, &z, id).await?;
    // A second click (or tab) after the submission: show the Antrag, do nothing.
    if a.zustand() != Zustand::Entwurf {
        return Ok(Redirect::to(&format!("/antraege/{id}")).into_response());
    }
    let mut fehler = Feldfehler::new();
    if let Some((i, liste)) = d.formular.alles_pruefen(&a.antworten()) {
        let s = &d.formular.schritte[i];
        fehler.push(
            "ereignis",
            format!(
                "Im Schritt „{}“ fehlt noch etwas: {}",
                s.titel,
                liste
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
    }
    // The authority from the answers as they are now (an address saved with "Speichern" while
    // another field failed was not resolved then).
    let (plz_feld, ort_feld) = d.anschrift;
    let antworten = a.antworten();
    let mut behoerde_id = None;
    if fehler.is_empty() {
        match zustaendigkeit::behoerde_fuer(
            &st,
            d,
            antworten.get(plz_feld).map(String::as_str).unwrap_or(""),
            antworten.get(ort_feld).map(String::as_str).unwrap_or(""),
        )
        .await?
        {
            Ok(b) => behoerde_id = Some(b.id),
            Err(m) => fehler.push("ereignis", m),
        }
    }
    if f.daten.zustimmung != "ja" {
        fehler.push(
            "zustimmung",
            "Bitte bestätigen Sie, dass Ihre Angaben richtig und vollständig sind.",
        );
    }
    if !fehler.is_empty() {
        return pruefen_zeigen(&st, a, d, f.daten._csrf.clone(), fehler).await;
    }
    let Some(behoerde_id) = behoerde_id else {
        return Err(anyhow::anyhow!("Behörde fehlt nach der Prüfung").into());
    };
    crate::antraege::einreichen::einreichen(&st, &a, d, &z.wer_name(&a), behoerde_id).await?;
    Ok(Redirect::to(&format!("/antraege/{id}?eingereicht=1")).into_response())
}

// --- The Antrag, its Postfach ----------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "antraege/templates/antrag.html")]
struct AntragSeite {
    title: String,
    nav: &'static str,
    csrf: String,
    dienst: &'static Dienst,
    antrag: Antrag,
    behoerde: Option<daten::Behoerde>,
    verlauf: Vec<daten::Verlauf>,
    nachrichten: Vec<daten::Nachricht>,
    dateien: Vec<dateien::Datei>,
    zusammenfassung: Vec<(&'static str, Vec<(&'static str, String)>)>,
    meldung: Option<&'static str>,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    eingabe: String,
    ungelesen: usize,
    kann_zurueckziehen: bool,
    kann_schreiben: bool,
    nachforderung_offen: bool,
}

impl AntragSeite {
    /// Where the draft continues: the step it was left at, or the check page.
    fn fortsetzen(&self) -> String {
        match self
            .dienst
            .formular
            .schritte
            .get(self.antrag.schritt as usize)
        {
            Some(s) => format!("/antraege/{}/schritt/{}", self.antrag.id, s.name),
            None => format!("/antraege/{}/pruefen", self.antrag.id),
        }
    }
}

#[derive(Deserialize, Default)]
struct AntragAbfrage {
    #[serde(default)]
    eingereicht: Option<String>,
    #[serde(default)]
    gespeichert: Option<String>,
    #[serde(default)]
    gesendet: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn antrag_zeigen(
    st: &AppState,
    a: Antrag,
    d: &'static Dienst,
    csrf: String,
    meldung: Option<&'static str>,
    fehler: Feldfehler,
    eingabe: String,
) -> Result<Response, Fehler> {
    let nachrichten = daten::nachrichten(&st.db, a.id).await?;
    let z = a.zustand();
    let verweise = fehler.verweise(
        "f-",
        &[
            ("text", "Ihre Nachricht"),
            ("datei", "Datei"),
            ("ereignis", "Antrag"),
        ],
    );
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        fehler.status()
    };
    let mut res = AntragSeite {
        title: format!(
            "{}{} {}",
            if fehler.is_empty() { "" } else { "Fehler: " },
            d.name,
            a.nummer_text()
        ),
        nav: "dienste",
        csrf,
        dienst: d,
        behoerde: match a.behoerde_id {
            Some(b) => daten::behoerde(&st.db, b).await?,
            None => None,
        },
        verlauf: daten::verlauf(&st.db, a.id).await?,
        ungelesen: nachrichten
            .iter()
            .filter(|n| n.an_buerger() && n.gelesen.is_none())
            .count(),
        nachrichten,
        dateien: dateien::vom_antrag(&st.db, a.id, "").await?,
        zusammenfassung: d.formular.zusammenfassung(&a.antworten()),
        meldung,
        fehler,
        verweise,
        eingabe,
        kann_zurueckziehen: ozg_domain::antrag::ziel(z, Ereignis::Zurueckziehen).is_some(),
        kann_schreiben: z.eingegangen() && !z.abgeschlossen(),
        nachforderung_offen: z == Zustand::Nachforderung,
        antrag: a,
    }
    .into_response();
    *res.status_mut() = status;
    Ok(res)
}

async fn antrag_seite(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    Path(id): Path<i64>,
    crate::kern::Abfrage(q): crate::kern::Abfrage<AntragAbfrage>,
) -> Result<Response, Fehler> {
    let z = Zugriff::aus(&p, &headers);
    let (a, d) = oeffnen(&st, &z, id).await?;
    let (csrf, neu) = z.csrf(&headers)?;
    let meldung = if q.eingereicht.is_some() {
        Some(
            "Ihr Antrag ist eingegangen. Die Eingangsbestätigung können Sie unten als PDF herunterladen; eine E-Mail ist unterwegs.",
        )
    } else if q.gespeichert.is_some() {
        Some("Ihr Entwurf ist gespeichert. Sie können ihn jederzeit fortsetzen.")
    } else if q.gesendet.is_some() {
        Some("Ihre Nachricht ist gesendet.")
    } else {
        None
    };
    let mut res = antrag_zeigen(
        &st,
        a,
        d,
        csrf.clone(),
        meldung,
        Feldfehler::new(),
        String::new(),
    )
    .await?;
    if neu {
        vorab_cookie(&mut res, &csrf);
    }
    Ok(res)
}

/// Messages a citizen may write about one Antrag.
const MAX_NACHRICHTEN: i64 = 100;

/// `POST /antraege/{id}/nachricht`: a message to the authority, with a file; answering a
/// Nachforderung (box ticked) moves the Antrag to "nachgereicht" in the same transaction.
async fn nachricht(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    f: Hochladen,
) -> Result<Response, Fehler> {
    let z = Zugriff::von_person(f.person.as_ref(), &headers);
    let (a, d) = oeffnen(&st, &z, id).await?;
    let text = f.feld("text").trim().to_owned();
    let csrf = f.feld("_csrf").to_owned();
    let zustand = a.zustand();
    let mut fehler = Feldfehler::new();
    if !zustand.eingegangen() || zustand.abgeschlossen() {
        fehler.push(
            "ereignis",
            "Zu diesem Antrag können Sie keine Nachricht mehr schreiben.",
        );
    }
    let hat_datei = f
        .datei
        .as_ref()
        .is_some_and(|x| x.eingang.groesse() > 0 || !x.dateiname.is_empty());
    if text.is_empty() && !hat_datei {
        fehler.push(
            "text",
            "Bitte schreiben Sie eine Nachricht oder wählen Sie eine Datei.",
        );
    }
    if text.chars().count() > 5000 {
        fehler.push(
            "text",
            "Die Nachricht darf höchstens 5.000 Zeichen lang sein.",
        );
    }
    // A Postfach is for an exchange, not for storage: bounded per Antrag.
    let bisher = st
        .db
        .scalar(sql!(
            "SELECT COUNT(*) FROM nachricht WHERE antrag_id = $1 AND richtung = 'an-behoerde'",
            a.id
        ))
        .await?;
    if bisher >= MAX_NACHRICHTEN {
        fehler.push(
            "text",
            format!("Zu einem Antrag können Sie höchstens {MAX_NACHRICHTEN} Nachrichten schreiben. Bitte wenden Sie sich direkt an die Behörde."),
        );
    }
    let datei = if hat_datei && fehler.is_empty() {
        match dateien::annehmen(&st, f.datei.as_ref()).await {
            Ok(x) => Some(x),
            Err(m) => {
                fehler.push("datei", m);
                None
            }
        }
    } else {
        None
    };
    if !fehler.is_empty() {
        return antrag_zeigen(&st, a, d, csrf, None, fehler, text).await;
    }
    let jetzt = st.uhr.sekunden();
    let nid = st.db.neue_id("nachricht").await?;
    let wer = z.wer_name(&a);
    let mut dazu = vec![daten::nachricht_stmt(
        nid,
        a.id,
        false,
        "nachricht",
        "Antragstellende",
        if zustand == Zustand::Nachforderung {
            "Antwort auf die Nachforderung"
        } else {
            "Nachricht"
        },
        &text,
        None,
        jetzt,
    )];
    if let Some(x) = &datei {
        dazu.push(
            dateien::speichern_stmt(&st, a.id, Some(nid), "nachricht", x, &wer, jetzt).await?,
        );
    }
    let nachreichen = zustand == Zustand::Nachforderung && f.feld("nachgereicht") == "ja";
    let r = if nachreichen {
        match daten::uebergang(
            &st.db,
            &st.uhr,
            &Uebergang {
                antrag: &a,
                ereignis: Ereignis::Nachreichen,
                wer: Beteiligter::Antragsteller,
                wer_name: &wer,
                begruendung: "",
            },
            None,
            dazu,
        )
        .await
        {
            Ok((_, stmts)) => daten::ausfuehren(&st.db, &stmts).await,
            Err(e) => Err(e),
        }
    } else {
        dazu.push(crate::kern::audit::eintrag(
            &st.uhr,
            &wer,
            "nachricht-gesendet",
            &a.objekt(),
            &[("nachricht", "", &nid.to_string())],
        ));
        // Guarded by the state read: no message to an Antrag that ended meanwhile.
        dazu.insert(
            0,
            sql!(
                "UPDATE antrag SET geaendert = geaendert WHERE id = $1 AND zustand = $2",
                a.id,
                a.zustand.as_str()
            ),
        );
        daten::ausfuehren(&st.db, &dazu).await
    };
    dateien::oder_verwerfen(&st, r, &datei.iter().collect::<Vec<_>>()).await?;
    Ok(Redirect::to(&format!("/antraege/{id}?gesendet=1#postfach")).into_response())
}

/// `POST /antraege/{id}/gelesen`: the citizen marks the authority's messages as read.
async fn gelesen(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let z = Zugriff::von_person(f.person.as_ref(), &headers);
    let (a, _) = oeffnen(&st, &z, id).await?;
    st.db
        .execute_all(&[daten::gelesen_stmt(a.id, true, st.uhr.sekunden())])
        .await?;
    Ok(Redirect::to(&format!("/antraege/{id}#postfach")).into_response())
}

/// `POST /antraege/{id}/zurueckziehen`: withdraws a draft or an open Antrag.
async fn zurueckziehen(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let z = Zugriff::von_person(f.person.as_ref(), &headers);
    let (a, d) = oeffnen(&st, &z, id).await?;
    let jetzt = st.uhr.sekunden();
    let wer = z.wer_name(&a);
    let (_, stmts) = daten::uebergang(
        &st.db,
        &st.uhr,
        &Uebergang {
            antrag: &a,
            ereignis: Ereignis::Zurueckziehen,
            wer: Beteiligter::Antragsteller,
            wer_name: &wer,
            begruendung: "",
        },
        Some(sql!(
            "UPDATE antrag SET abgeschlossen = $1, loeschen_ab = $2, frist = NULL WHERE id = $3",
            jetzt,
            // A withdrawn draft goes at once (at the next run); an Antrag after the Frist.
            if a.zustand() == Zustand::Entwurf {
                jetzt
            } else {
                jetzt + d.loeschfrist_tage * 86_400
            },
            a.id
        )),
        Vec::new(),
    )
    .await?;
    daten::ausfuehren(&st.db, &stmts).await?;
    Ok(Redirect::to(&format!("/antraege/{id}")).into_response())
}

/// `GET /antraege/{id}/eingangsbestaetigung.pdf`: the receipt (made at submission, stored).
async fn eingangsbestaetigung(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Fehler> {
    let z = Zugriff::aus(&p, &headers);
    let (a, _) = oeffnen(&st, &z, id).await?;
    let datei = dateien::vom_antrag(&st.db, a.id, "eingangsbestaetigung")
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Fehler::nicht_gefunden("Für einen Entwurf gibt es noch keine Eingangsbestätigung.")
        })?;
    dateien::ausliefern(&st, &datei).await
}
