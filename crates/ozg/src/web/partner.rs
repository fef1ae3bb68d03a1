//! Partner sourcing in the portal: the "Partner gesucht" list, members registering their
//! organisation's Mitarbeit or Interesse on the project page, and the coordinators' page with
//! confirmations, the call for more Mitarbeit, the Verteiler (CSV) and the e-mail invitation to
//! a project pre-meeting.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ozg_domain::access::{Aktion, darf, darf_fuer};
use serde::Deserialize;

use super::{AppState, PageError};
use crate::mail::{self, Nachricht};
use crate::members::accounts::{Feldfehler, Sitzung};
use crate::members::audit;
use crate::members::web::{Angemeldet, Formular, erlaubt};
use crate::programme::bearbeiten;
use crate::programme::beteiligung::{self, Empfaenger, GESUCHT_ARTEN, Gesucht, Meldung};
use crate::programme::lists::{self, bad};
use crate::programme::plan_stand::datum_de;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/partner-gesucht", get(gesucht_liste))
        .route("/projekte/{slug}/beteiligung", post(melden))
        .route(
            "/projekte/{slug}/beteiligung/zurueckziehen",
            post(zurueckziehen),
        )
        .route(
            "/projekte/{slug}/beteiligung/bestaetigen",
            post(bestaetigen),
        )
        .route("/projekte/{slug}/partnersuche", post(partnersuche))
        .route("/projekte/{slug}/partner", get(partner_seite))
        .route("/projekte/{slug}/verteiler.csv", get(verteiler_csv))
        .route("/projekte/{slug}/vortreffen", post(vortreffen))
}

// --- On the project page ---------------------------------------------------------------------

/// The "Mitwirken" block of the project page, as far as the visitor may see and do.
pub(super) struct Mitwirken {
    /// Registrations the visitor may see (the public: not the unconfirmed Mitarbeit).
    pub meldungen: Vec<Meldung>,
    /// The coordinators' call for more Mitarbeit.
    pub partnersuche: Option<String>,
    /// CSRF token when logged in.
    pub csrf: Option<String>,
    /// The member's organisation (slug, name) when they may register it.
    pub eigene_org: Option<(String, String)>,
    /// Their organisation's registration.
    pub eigene: Option<Meldung>,
    /// Whether the visitor coordinates this project.
    pub koordination: bool,
    /// A refused registration or submission: (field, message).
    pub fehler: Option<(&'static str, String)>,
    /// The committee's decision state (label) and latest decision, if submitted.
    pub entscheidung: Option<(
        &'static str,
        Option<crate::programme::lenkungsausschuss::Beschluss>,
    )>,
    /// Whether the visitor may submit the Steckbrief to the committee.
    pub vorlage_moeglich: bool,
    /// Uploaded attachments of the Steckbrief the visitor may see.
    pub anlagen: Vec<crate::programme::anhaenge::Anhang>,
    /// Members' comments (empty for the public, who never see them).
    pub kommentare: Vec<crate::programme::verlauf::Kommentar>,
    /// Whether a Steckbrief draft exists (shown to members only).
    pub steckbrief_entwurf: bool,
}

impl Mitwirken {
    pub(super) async fn laden(
        st: &AppState,
        slug: &str,
        s: Option<&Sitzung>,
        fehler: Option<(&'static str, String)>,
    ) -> Result<Mitwirken, PageError> {
        let alle = beteiligung::meldungen(&st.db, slug).await?;
        // The public cannot coordinate: no need to look up the project's Themenfelder.
        let tfs = match s {
            Some(_) => bearbeiten::laden(&st.db, slug)
                .await?
                .map(|(_, t)| t)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let nutzer = s.map(|s| &s.nutzer);
        let koordination = darf_fuer(nutzer, Aktion::ProjektBearbeiten, &tfs);
        let mut eigene_org = None;
        if let Some(s) = s
            && darf(Some(&s.nutzer), Aktion::BeteiligungMelden, None)
            && let Some(org) = s.konto.organisation.as_deref().filter(|o| !o.is_empty())
        {
            let name = st
                .db
                .scalar_text(
                    "SELECT name FROM organisation WHERE slug = $1",
                    &[org.into()],
                )
                .await?
                .unwrap_or_else(|| org.to_owned());
            eigene_org = Some((org.to_owned(), name));
        }
        let eigene = eigene_org
            .as_ref()
            .and_then(|(o, _)| alle.iter().find(|m| &m.organisation == o).cloned());
        let partnersuche = st
            .db
            .scalar_text(
                "SELECT hinweis FROM partnersuche WHERE projekt = $1",
                &[slug.into()],
            )
            .await?;
        let (stand, beschluss) =
            crate::programme::lenkungsausschuss::projekt_stand(&st.db, slug).await?;
        let entscheidung = (stand != ozg_domain::governance::Entscheidungsstand::KeineVorlage)
            .then(|| (stand.label(), beschluss));
        let vorlage_moeglich = darf_fuer(nutzer, Aktion::VorlageEinreichen, &tfs);
        let anlagen =
            crate::programme::anhaenge::liste(&st.db, &format!("steckbrief:{slug}"), s.is_some())
                .await?;
        let kommentare = if s.is_some() {
            crate::programme::verlauf::kommentare(&st.db, slug).await?
        } else {
            Vec::new()
        };
        let steckbrief_entwurf = s.is_some()
            && st
                .db
                .scalar(
                    "SELECT COUNT(*) FROM projekt WHERE slug = $1 AND steckbrief_entwurf IS NOT NULL",
                    &[slug.into()],
                )
                .await?
                > 0;
        Ok(Mitwirken {
            steckbrief_entwurf,
            kommentare,
            anlagen,
            entscheidung,
            vorlage_moeglich,
            meldungen: alle
                .into_iter()
                .filter(|m| s.is_some() || m.oeffentlich())
                .collect(),
            partnersuche,
            csrf: s.map(|s| s.csrf.clone()),
            eigene_org,
            eigene,
            koordination,
            fehler,
        })
    }

    /// The error of the Mitwirken forms, if any.
    pub fn mitwirken_fehler(&self) -> Option<&(&'static str, String)> {
        self.fehler.as_ref().filter(|(f, _)| {
            !matches!(
                *f,
                "titel" | "steckbrief" | "datei" | "anlage-titel" | "kommentar"
            )
        })
    }

    /// The error for `feld`, if any.
    pub fn fehler_bei(&self, feld: &str) -> Option<&str> {
        self.fehler
            .as_ref()
            .filter(|(f, _)| *f == feld)
            .map(|(_, m)| m.as_str())
    }
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
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeteiligungMelden)?;
    match beteiligung::melden(
        &st.db,
        &slug,
        s.konto.organisation.as_deref(),
        &f.daten.art,
        &s.konto.benutzername,
    )
    .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/projekte/{slug}#mitwirken")).into_response()),
        Err(("projekt", m)) => Err(PageError::NotFound(m)),
        Err(e) => super::pages::projekt_seite(&st, &slug, Some(s), Some(e)).await,
    }
}

#[derive(Deserialize)]
struct Leer {}

async fn zurueckziehen(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<Leer>,
) -> Result<Response, PageError> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::BeteiligungMelden)?;
    match beteiligung::zurueckziehen(
        &st.db,
        &slug,
        s.konto.organisation.as_deref(),
        &s.konto.benutzername,
    )
    .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/projekte/{slug}#mitwirken")).into_response()),
        Err(e) => {
            if bearbeiten::laden(&st.db, &slug).await?.is_none() {
                return Err(PageError::NotFound(format!(
                    "Ein Umsetzungsprojekt „{slug}“ gibt es nicht."
                )));
            }
            super::pages::projekt_seite(&st, &slug, Some(s), Some(e)).await
        }
    }
}

// --- The coordinators' page --------------------------------------------------------------------

/// The project (name, Themenfeld ids) if the session coordinates it, else 403/404.
async fn koordination<'a>(
    st: &AppState,
    slug: &str,
    s: Option<&'a Sitzung>,
) -> Result<(&'a Sitzung, String), PageError> {
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
            "Partner und Verteiler eines Projekts verwalten die Koordinierungsstelle und die Koordination seines Themenfelds."
                .into(),
        ));
    }
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
#[template(path = "partner.html")]
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
}

impl PartnerSeite {
    fn fehler_bei(&self, feld: &str) -> Option<String> {
        crate::members::accounts::fehler_bei(&self.fehler, feld)
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
) -> Result<Response, PageError> {
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
            .scalar_text(
                "SELECT hinweis FROM partnersuche WHERE projekt = $1",
                &[slug.into()],
            )
            .await?,
        verteiler,
        adressen,
        mail_bereit: st.mail.is_some(),
        fehler,
        erfolg,
        vt,
        hinweis_eingabe,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Deserialize)]
struct Gesendet {
    #[serde(default)]
    gesendet: Option<usize>,
    #[serde(default)]
    gespeichert: Option<String>,
}

async fn partner_seite(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
    Query(q): Query<Gesendet>,
) -> Result<Response, PageError> {
    if s.is_none() {
        return Ok(
            Redirect::to(&format!("/anmelden?weiter=/projekte/{slug}/partner")).into_response(),
        );
    }
    let (s, name) = koordination(&st, &slug, s.as_ref()).await?;
    let erfolg = match (q.gesendet, q.gespeichert) {
        (Some(n), _) => Some(format!(
            "Die Einladung wurde an {n} Empfänger{} gesendet.",
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
        Vec::new(),
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
) -> Result<Response, PageError> {
    let (s, name) = koordination(&st, &slug, f.sitzung.as_ref()).await?;
    match beteiligung::bestaetigen(&st.db, &slug, &f.daten.organisation, &s.konto.benutzername)
        .await?
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/projekte/{slug}/partner?gespeichert=bestaetigt"))
                .into_response(),
        ),
        Err((feld, m)) => {
            partner_antwort(
                &st,
                &slug,
                s,
                name,
                StatusCode::BAD_REQUEST,
                vec![(feld, m)],
                None,
                VortreffenForm::default(),
                None,
            )
            .await
        }
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
) -> Result<Response, PageError> {
    let (s, name) = koordination(&st, &slug, f.sitzung.as_ref()).await?;
    let aktiv = match f.daten.aktiv.as_str() {
        "ja" => Ok(true),
        "nein" => Ok(false),
        x => Err((
            "aktiv",
            if x.is_empty() {
                "Bitte wählen Sie, ob weitere Mitarbeit gesucht wird.".to_owned()
            } else {
                format!("„{x}“ ist keine Wahl: erlaubt sind ja, nein")
            },
        )),
    };
    let ergebnis = match aktiv {
        Ok(a) => {
            beteiligung::partnersuche(&st.db, &slug, a, &f.daten.hinweis, &s.konto.benutzername)
                .await?
        }
        Err(e) => Err(e),
    };
    match ergebnis {
        Ok(()) => Ok(Redirect::to(&format!(
            "/projekte/{slug}/partner?gespeichert=partnersuche"
        ))
        .into_response()),
        Err((feld, m)) => {
            partner_antwort(
                &st,
                &slug,
                s,
                name,
                StatusCode::BAD_REQUEST,
                vec![(feld, m)],
                None,
                VortreffenForm::default(),
                Some(f.daten.hinweis),
            )
            .await
        }
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
) -> Result<Response, PageError> {
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
    let mut fehler: Feldfehler = Vec::new();
    let datum = f.datum.trim();
    let datum_ok = datum.len() == 10
        && time::Date::parse(
            datum,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_ok();
    if datum.is_empty() {
        fehler.push((
            "datum",
            "Bitte geben Sie das Datum des Vortreffens an.".into(),
        ));
    } else if !datum_ok {
        fehler.push((
            "datum",
            format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT, z. B. 2027-03-15."),
        ));
    } else if datum < heute {
        fehler.push((
            "datum",
            format!("Das Datum {} liegt in der Vergangenheit.", datum_de(datum)),
        ));
    }
    let uhrzeit = f.uhrzeit.trim();
    let uhrzeit_ok = uhrzeit.len() == 5
        && time::Time::parse(
            uhrzeit,
            time::macros::format_description!("[hour]:[minute]"),
        )
        .is_ok();
    if !uhrzeit_ok {
        fehler.push((
            "uhrzeit",
            if uhrzeit.is_empty() {
                "Bitte geben Sie die Uhrzeit an.".into()
            } else {
                format!("„{uhrzeit}“ ist keine Uhrzeit; erwartet wird HH:MM, z. B. 10:00.")
            },
        ));
    }
    let ort = f.ort.trim();
    if ort.is_empty() {
        fehler.push((
            "ort",
            "Bitte geben Sie den Ort an (oder den Link zur Videokonferenz).".into(),
        ));
    } else if ort.chars().count() > 300 {
        fehler.push((
            "ort",
            "Der Ort darf höchstens 300 Zeichen lang sein.".into(),
        ));
    }
    if f.nachricht.chars().count() > 5000 {
        fehler.push((
            "nachricht",
            "Die Nachricht darf höchstens 5000 Zeichen lang sein.".into(),
        ));
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
) -> Result<Response, PageError> {
    let (s, name) = koordination(&st, &slug, f.sitzung.as_ref()).await?;
    let vt = f.daten;
    let fehler_antwort = |status, fehler: Feldfehler, vt: VortreffenForm, name: String| {
        partner_antwort(&st, &slug, s, name, status, fehler, None, vt, None)
    };
    let (datum, uhrzeit) = match vortreffen_pruefen(&vt, &lists::today()) {
        Ok(x) => x,
        Err(fehler) => return fehler_antwort(StatusCode::BAD_REQUEST, fehler, vt, name).await,
    };
    let Some(cfg) = &st.mail else {
        return fehler_antwort(
            StatusCode::SERVICE_UNAVAILABLE,
            vec![(
                "versand",
                "Der E-Mail-Versand ist auf diesem Server nicht eingerichtet (OZG_SMTP_URL); bitte exportieren Sie den Verteiler als CSV."
                    .into(),
            )],
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
            vec![(
                "versand",
                "Im Verteiler steht noch keine E-Mail-Adresse: keine beteiligte Organisation hat ein Konto im Mitgliederbereich."
                    .into(),
            )],
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
    let (gesendet, fehler) = mail::senden(cfg, &nachrichten).await;
    if gesendet > 0 {
        st.db
            .execute_all(&[audit::eintrag(
                &s.konto.benutzername,
                "vortreffen-einladung",
                &format!("projekt:{slug}"),
                &[(
                    "einladung",
                    "",
                    &format!(
                        "Vortreffen {datum} {uhrzeit} Uhr, {}: an {gesendet} von {} Empfänger",
                        vt.ort.trim(),
                        nachrichten.len()
                    ),
                )],
            )])
            .await?;
    }
    match fehler {
        None => Ok(
            Redirect::to(&format!("/projekte/{slug}/partner?gesendet={gesendet}")).into_response(),
        ),
        Some(m) => fehler_antwort(StatusCode::BAD_GATEWAY, vec![("versand", m)], vt, name).await,
    }
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
#[template(path = "partner_gesucht.html")]
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
    Query(q): Query<GesuchtQuery>,
) -> Result<Response, PageError> {
    let model = st.model().await?;
    let themenfelder: Vec<(String, String)> = model
        .themenfelder
        .iter()
        .map(|t| (t.slug.clone(), t.name.clone()))
        .collect();
    if !q.themenfeld.is_empty() && !themenfelder.iter().any(|t| t.0 == q.themenfeld) {
        return Err(bad(
            "themenfeld",
            format!(
                "„{}“ gibt es nicht; erlaubt sind die Themenfelder der Liste",
                q.themenfeld
            ),
        )
        .into());
    }
    if !q.gesucht.is_empty() && !GESUCHT_ARTEN.iter().any(|(k, _)| *k == q.gesucht) {
        return Err(bad(
            "gesucht",
            format!(
                "„{}“ ist nicht erlaubt: kommunalpartner, it-partner oder mitarbeit",
                q.gesucht
            ),
        )
        .into());
    }
    let prio: Option<i64> = match q.prioritaet.as_str() {
        "" => None,
        "1" | "2" | "3" => q.prioritaet.parse().ok(),
        x => {
            return Err(bad(
                "prioritaet",
                format!("„{x}“ ist nicht erlaubt: 1, 2 oder 3"),
            )
            .into());
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
        nav: "projekte",
        projekte,
        themenfelder,
        arten: GESUCHT_ARTEN.to_vec(),
        q,
        angemeldet: s.is_some(),
    }
    .into_response())
}
