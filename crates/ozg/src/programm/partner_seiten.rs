//! Partner sourcing in the portal: the "Partner gesucht" list, members registering their
//! organisation's Mitarbeit or Interesse on the project page, and the coordinators' page with
//! confirmations, the call for more Mitarbeit, the Verteiler (CSV) and the e-mail invitation to
//! a project pre-meeting.

use crate::kern::Abfrage;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::Aktion;
use serde::Deserialize;

use crate::kern::audit::{self, Objekt};
use crate::kern::mail::{self, Nachricht};
use crate::kern::postausgang;
use crate::kern::sitzung::{erlaubt, zur_anmeldung};
use crate::kern::uhr::{datum_de, datum_lesen, uhrzeit_lesen};
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Formular, Leer, Routen, Sitzung};
use crate::programm::beteiligung::{self, Empfaenger, GESUCHT_ARTEN, Gesucht, Meldung};
use crate::programm::modell::lesemodell;
use crate::programm::objekte::PROJEKT;
use crate::programm::projekt_bearbeiten::projekt_fuer;
use crate::sql;

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/partner-gesucht", gesucht_liste)
        .schreiben(
            "/projekte/{slug}/beteiligung",
            Some(Aktion::BeteiligungMelden),
            melden,
        )
        .schreiben(
            "/projekte/{slug}/beteiligung/zurueckziehen",
            Some(Aktion::BeteiligungMelden),
            zurueckziehen,
        )
        .schreiben(
            "/projekte/{slug}/beteiligung/bestaetigen",
            Some(Aktion::ProjektBearbeiten),
            bestaetigen,
        )
        .schreiben(
            "/projekte/{slug}/partnersuche",
            Some(Aktion::ProjektBearbeiten),
            partnersuche,
        )
        .lesen("/projekte/{slug}/partner", partner_seite)
        .lesen("/projekte/{slug}/verteiler.csv", verteiler_csv)
        .schreiben(
            "/projekte/{slug}/vortreffen",
            Some(Aktion::ProjektBearbeiten),
            vortreffen,
        )
}

#[derive(Deserialize)]
struct MeldenForm {
    #[serde(default)]
    art: String,
}

async fn melden(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<MeldenForm>,
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeteiligungMelden)?;
    let r = beteiligung::melden(
        &st.db,
        &st.uhr,
        &slug,
        s.konto.organisation.as_deref(),
        &f.daten.art,
        &s.konto.benutzername,
    )
    .await;
    zurueck_zum_projekt(&st, &slug, s, r).await
}

async fn zurueckziehen(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeteiligungMelden)?;
    let r = beteiligung::zurueckziehen(
        &st.db,
        &st.uhr,
        &slug,
        s.konto.organisation.as_deref(),
        &s.konto.benutzername,
    )
    .await;
    zurueck_zum_projekt(&st, &slug, s, r).await
}

/// After a form of the project page's "Mitwirken" block: back to it, or (refused) the page
/// with the errors next to the fields (404 for a project that does not exist).
async fn zurueck_zum_projekt(
    st: &AppState,
    slug: &str,
    s: &Sitzung,
    r: Result<(), Fehler>,
) -> Result<Response, Fehler> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/projekte/{slug}#mitwirken")).into_response()),
        Err(Fehler::Ungueltig(e)) => {
            super::projekt_seite::projekt_seite(st, slug, Some(s), e).await
        }
        Err(e) => Err(e),
    }
}

// --- The coordinators' page --------------------------------------------------------------------

/// The project's name if the session coordinates it, else 403/404.
async fn koordination<'a>(
    st: &AppState,
    slug: &str,
    s: Option<&'a Sitzung>,
) -> Result<(&'a Sitzung, String), Fehler> {
    let (s, p) = projekt_fuer(
        &st.db,
        slug,
        s,
        Aktion::ProjektBearbeiten,
        "Partner und Verteiler eines Projekts verwalten die Koordinierungsstelle und die Koordination seines Themenfelds.",
    )
    .await?;
    Ok((s, p.name))
}

/// What was typed into the invitation form (kept when validation fails).
#[derive(Deserialize, Default, Clone)]
struct VortreffenForm {
    #[serde(default)]
    datum: String,
    #[serde(default)]
    uhrzeit: String,
    #[serde(default)]
    ort: String,
    #[serde(default)]
    nachricht: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/partner.html")]
struct PartnerSeite {
    title: String,
    nav: &'static str,
    slug: String,
    name: String,
    csrf: String,
    meldungen: Vec<Meldung>,
    partnersuche: Option<String>,
    verteiler: Vec<Empfaenger>,
    adressen: usize,
    mail_bereit: bool,
    fehler: Feldfehler,
    erfolg: Option<String>,
    vt: VortreffenForm,
    hinweis_eingabe: Option<String>,
    /// How the invitations sent so far stand in the outbox.
    versand: postausgang::Stand,
}

impl PartnerSeite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        self.fehler.bei(feld)
    }
}

#[allow(clippy::too_many_arguments)]
async fn partner_antwort(
    st: &AppState,
    slug: &str,
    s: &Sitzung,
    name: String,
    status: StatusCode,
    fehler: Feldfehler,
    erfolg: Option<String>,
    vt: VortreffenForm,
    hinweis_eingabe: Option<String>,
) -> Result<Response, Fehler> {
    let verteiler = beteiligung::verteiler(&st.db, slug).await?;
    let adressen = empfaenger_adressen(&verteiler).len();
    let mut r = PartnerSeite {
        title: format!("Partner und Verteiler: {name}"),
        nav: "projekte",
        slug: slug.to_owned(),
        name,
        csrf: s.csrf.clone(),
        meldungen: beteiligung::meldungen(&st.db, slug).await?,
        partnersuche: st
            .db
            .scalar_text(sql!(
                "SELECT hinweis FROM partnersuche WHERE projekt = $1",
                slug
            ))
            .await?,
        verteiler,
        adressen,
        mail_bereit: st.mail.is_some(),
        fehler,
        erfolg,
        vt,
        hinweis_eingabe,
        versand: postausgang::stand(&st.db, &format!("vortreffen:{slug}:")).await?,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Deserialize)]
struct Gesendet {
    #[serde(default)]
    vorgemerkt: Option<usize>,
    #[serde(default)]
    gespeichert: Option<String>,
}

async fn partner_seite(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
    Abfrage(q): Abfrage<Gesendet>,
) -> Result<Response, Fehler> {
    if s.is_none() {
        return Ok(zur_anmeldung(&format!("/projekte/{slug}/partner")));
    }
    let (s, name) = koordination(&st, &slug, s.as_ref()).await?;
    let erfolg = match (q.vorgemerkt, q.gespeichert) {
        (Some(n), _) => Some(format!(
            "Die Einladung an {n} Empfänger{} ist zum Versand vorgemerkt; sie wird in den nächsten Minuten gesendet.",
            if n == 1 { "" } else { "innen und Empfänger" }
        )),
        (_, Some(_)) => Some("Gespeichert.".to_owned()),
        _ => None,
    };
    partner_antwort(
        &st,
        &slug,
        s,
        name,
        StatusCode::OK,
        Feldfehler::new(),
        erfolg,
        VortreffenForm::default(),
        None,
    )
    .await
}

#[derive(Deserialize)]
struct BestaetigenForm {
    #[serde(default)]
    organisation: String,
}

async fn bestaetigen(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<BestaetigenForm>,
) -> Result<Response, Fehler> {
    let (s, name) = koordination(&st, &slug, f.sitzung.as_ref()).await?;
    match beteiligung::bestaetigen(
        &st.db,
        &st.uhr,
        &slug,
        &f.daten.organisation,
        &s.konto.benutzername,
    )
    .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/projekte/{slug}/partner?gespeichert=bestaetigt"))
                .into_response(),
        ),
        Err(Fehler::Ungueltig(fehler)) => {
            partner_antwort(
                &st,
                &slug,
                s,
                name,
                StatusCode::BAD_REQUEST,
                fehler,
                None,
                VortreffenForm::default(),
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct PartnersucheForm {
    #[serde(default)]
    aktiv: String,
    #[serde(default)]
    hinweis: String,
}

async fn partnersuche(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<PartnersucheForm>,
) -> Result<Response, Fehler> {
    let (s, name) = koordination(&st, &slug, f.sitzung.as_ref()).await?;
    let ergebnis = match f.daten.aktiv.as_str() {
        "ja" | "nein" => {
            beteiligung::partnersuche(
                &st.db,
                &st.uhr,
                &slug,
                f.daten.aktiv == "ja",
                &f.daten.hinweis,
                &s.konto.benutzername,
            )
            .await
        }
        "" => Err(Fehler::feld(
            "aktiv",
            "Bitte wählen Sie, ob weitere Mitarbeit gesucht wird.",
        )),
        x => Err(Fehler::feld(
            "aktiv",
            format!("„{x}“ ist keine Wahl: erlaubt sind ja, nein"),
        )),
    };
    match ergebnis {
        Ok(()) => Ok(Redirect::to(&format!(
            "/projekte/{slug}/partner?gespeichert=partnersuche"
        ))
        .into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            partner_antwort(
                &st,
                &slug,
                s,
                name,
                StatusCode::BAD_REQUEST,
                fehler,
                None,
                VortreffenForm::default(),
                Some(f.daten.hinweis),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The distinct addresses of a Verteiler, with the person and organisation of each.
fn empfaenger_adressen(v: &[Empfaenger]) -> Vec<&Empfaenger> {
    let mut out: Vec<&Empfaenger> = Vec::new();
    for e in v {
        if let Some(m) = &e.email
            && mail::adresse_gueltig(m)
            && !out.iter().any(|x| x.email.as_deref() == Some(m.as_str()))
        {
            out.push(e);
        }
    }
    out
}

async fn verteiler_csv(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> Result<Response, Fehler> {
    koordination(&st, &slug, s.as_ref()).await?;
    let v = beteiligung::verteiler(&st.db, &slug).await?;
    let body = beteiligung::verteiler_csv(&v)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"verteiler-{slug}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// Checks the invitation form; errors name the field.
fn vortreffen_pruefen(f: &VortreffenForm, heute: &str) -> Result<(String, String), Feldfehler> {
    let mut fehler = Feldfehler::new();
    let datum = f.datum.trim();
    let datum_ok = datum_lesen(datum).is_some();
    if datum.is_empty() {
        fehler.push("datum", "Bitte geben Sie das Datum des Vortreffens an.");
    } else if !datum_ok {
        fehler.push(
            "datum",
            format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT, z. B. 2027-03-15."),
        );
    } else if datum < heute {
        fehler.push(
            "datum",
            format!("Das Datum {} liegt in der Vergangenheit.", datum_de(datum)),
        );
    }
    let uhrzeit = f.uhrzeit.trim();
    let uhrzeit_ok = uhrzeit_lesen(uhrzeit).is_some();
    if !uhrzeit_ok {
        fehler.push(
            "uhrzeit",
            if uhrzeit.is_empty() {
                "Bitte geben Sie die Uhrzeit an.".to_owned()
            } else {
                format!("„{uhrzeit}“ ist keine Uhrzeit; erwartet wird HH:MM, z. B. 10:00.")
            },
        );
    }
    let ort = f.ort.trim();
    if ort.is_empty() {
        fehler.push(
            "ort",
            "Bitte geben Sie den Ort an (oder den Link zur Videokonferenz).",
        );
    } else if ort.chars().count() > 300 {
        fehler.push("ort", "Der Ort darf höchstens 300 Zeichen lang sein.");
    }
    if f.nachricht.chars().count() > 5000 {
        fehler.push(
            "nachricht",
            "Die Nachricht darf höchstens 5000 Zeichen lang sein.",
        );
    }
    if fehler.is_empty() {
        Ok((datum_de(datum), uhrzeit.to_owned()))
    } else {
        Err(fehler)
    }
}

async fn vortreffen(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<VortreffenForm>,
) -> Result<Response, Fehler> {
    let (s, name) = koordination(&st, &slug, f.sitzung.as_ref()).await?;
    let vt = f.daten;
    let fehler_antwort = |status, fehler: Feldfehler, vt: VortreffenForm, name: String| {
        partner_antwort(&st, &slug, s, name, status, fehler, None, vt, None)
    };
    let (datum, uhrzeit) = match vortreffen_pruefen(&vt, &st.uhr.heute_iso()) {
        Ok(x) => x,
        Err(fehler) => return fehler_antwort(StatusCode::BAD_REQUEST, fehler, vt, name).await,
    };
    if st.mail.is_none() {
        return fehler_antwort(
            StatusCode::SERVICE_UNAVAILABLE,
            Feldfehler::eins(
                "versand",
                "Der E-Mail-Versand ist auf diesem Server nicht eingerichtet (OZG_SMTP_URL); bitte exportieren Sie den Verteiler als CSV.",
            ),
            vt,
            name,
        )
        .await;
    };
    let verteiler = beteiligung::verteiler(&st.db, &slug).await?;
    let an = empfaenger_adressen(&verteiler);
    if an.is_empty() {
        return fehler_antwort(
            StatusCode::BAD_REQUEST,
            Feldfehler::eins(
                "versand",
                "Im Verteiler steht noch keine E-Mail-Adresse: keine beteiligte Organisation hat ein Konto im Mitgliederbereich.",
            ),
            vt,
            name,
        )
        .await;
    }
    let nachrichten: Vec<Nachricht> = an
        .iter()
        .map(|e| {
            let person = e.person.clone().unwrap_or_default();
            let mut text = format!(
                "Guten Tag {person},\n\n\
                 die Koordination des Umsetzungsprojekts „{name}“ lädt Sie als Ansprechperson von {org} ({art}) zu einem Vortreffen ein.\n\n\
                 Termin: {datum}, {uhrzeit} Uhr\n\
                 Ort: {ort}\n",
                org = e.organisation,
                art = e.art_text(),
                ort = vt.ort.trim(),
            );
            if !vt.nachricht.trim().is_empty() {
                text.push('\n');
                text.push_str(vt.nachricht.trim());
                text.push('\n');
            }
            text.push_str(&format!(
                "\nDas Projekt im OZG-Portal: {}/projekte/{slug}\n\n\
                 Mit freundlichen Grüßen\n{}\n\n\
                 Sie erhalten diese Nachricht, weil Ihre Organisation im Verteiler des Projekts steht (Mitarbeit oder Interesse).\n",
                st.basis_url, s.konto.name
            ));
            Nachricht {
                name: person,
                email: e.email.clone().unwrap_or_default(),
                betreff: format!("Einladung zum Vortreffen: {name} am {datum}"),
                text,
            }
        })
        .collect();
    // Into the outbox with the audit entry, in one transaction; the scheduled task sends them.
    let mut stmts = postausgang::einreihen(
        &st.db,
        &st.uhr,
        &format!("vortreffen:{slug}:"),
        &nachrichten,
    )
    .await?;
    stmts.push(audit::eintrag(
        &st.uhr,
        &s.konto.benutzername,
        "vortreffen-einladung",
        &Objekt::new(PROJEKT, &slug),
        &[(
            "einladung",
            "",
            &format!(
                "Vortreffen {datum} {uhrzeit} Uhr, {}: an {} Empfänger",
                vt.ort.trim(),
                nachrichten.len()
            ),
        )],
    ));
    st.db.execute_all(&stmts).await?;
    Ok(Redirect::to(&format!(
        "/projekte/{slug}/partner?vorgemerkt={}",
        nachrichten.len()
    ))
    .into_response())
}

// --- Partner gesucht -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct GesuchtQuery {
    #[serde(default)]
    themenfeld: String,
    #[serde(default)]
    gesucht: String,
    #[serde(default)]
    prioritaet: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/partner_gesucht.html")]
struct GesuchtSeite {
    title: &'static str,
    nav: &'static str,
    projekte: Vec<Gesucht>,
    themenfelder: Vec<(String, String)>,
    arten: Vec<(&'static str, &'static str)>,
    q: GesuchtQuery,
    angemeldet: bool,
}

async fn gesucht_liste(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Abfrage(q): Abfrage<GesuchtQuery>,
) -> Result<Response, Fehler> {
    let model = lesemodell(&st).await?;
    let themenfelder: Vec<(String, String)> = model
        .themenfelder
        .iter()
        .map(|t| (t.slug.clone(), t.name.clone()))
        .collect();
    if !q.themenfeld.is_empty() && !themenfelder.iter().any(|t| t.0 == q.themenfeld) {
        return Err(Fehler::feld(
            "themenfeld",
            format!(
                "„{}“ gibt es nicht; erlaubt sind die Themenfelder der Liste",
                q.themenfeld
            ),
        ));
    }
    if !q.gesucht.is_empty() && !GESUCHT_ARTEN.iter().any(|(k, _)| *k == q.gesucht) {
        return Err(Fehler::feld(
            "gesucht",
            format!(
                "„{}“ ist nicht erlaubt: kommunalpartner, it-partner oder mitarbeit",
                q.gesucht
            ),
        ));
    }
    let prio: Option<i64> = match q.prioritaet.as_str() {
        "" => None,
        "1" | "2" | "3" => q.prioritaet.parse().ok(),
        x => {
            return Err(Fehler::feld(
                "prioritaet",
                format!("„{x}“ ist nicht erlaubt: 1, 2 oder 3"),
            ));
        }
    };
    let projekte = beteiligung::gesucht(&st.db)
        .await?
        .into_iter()
        .filter(|p| q.themenfeld.is_empty() || p.themenfeld_slugs.contains(&q.themenfeld))
        .filter(|p| q.gesucht.is_empty() || p.sucht(&q.gesucht))
        .filter(|p| prio.is_none() || p.prioritaet_nrw == prio)
        .collect();
    Ok(GesuchtSeite {
        title: "Partner gesucht",
        nav: "partner",
        projekte,
        themenfelder,
        arten: GESUCHT_ARTEN.to_vec(),
        q,
        angemeldet: s.is_some(),
    }
    .into_response())
}
