//! Priority reconciliation: projects whose kommunale Priorität NRW differs from the
//! Bund-Länder-Priorität, with the status of the negotiation about each divergence. Where the
//! plan itself explains a divergence (e.g. footnote 5, Kindertagesbetreuung 1 vs 3), that text
//! is the starting point until the Koordinierungsstelle records a status.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{Aktion, darf};
use serde::{Deserialize, Serialize};

use crate::kern::audit::{self, Objekt};
use crate::kern::db::{Db, DbFehler};
use crate::kern::sitzung::erlaubt;
use crate::kern::{Angemeldet, AppState, Fehler, Formular, Routen, Sitzung, Uhr};
use crate::programm::PROJEKT;
use crate::sql;

pub(super) fn routen() -> Routen {
    Routen::new().lesen("/prioritaeten", seite).schreiben(
        "/prioritaeten/{slug}",
        Some(Aktion::PrioritaetAbstimmen),
        abstimmung_erfassen,
    )
}

ozg_domain::schluessel! {
    /// The states of the negotiation about a divergence, in order.
    pub enum Stand: "kein Stand der Abstimmung" {
        /// Open.
        Offen = "offen" / "offen",
        /// Being clarified with the Bund-Länder level.
        InKlaerung = "in-klaerung" / "in Klärung mit der Bund-Länder-Ebene",
        /// The NRW priority applies to the municipalities.
        NrwGilt = "nrw-gilt" / "geklärt: NRW-Priorität gilt für die Kommunen",
        /// The priorities were aligned.
        Angeglichen = "angeglichen" / "geklärt: Prioritäten angeglichen",
        /// The project is not pursued any more.
        Entfallen = "entfallen" / "entfallen (Projekt nicht weiter verfolgt)",
    }
}

/// Label of a status key.
pub fn status_label(key: &str) -> &'static str {
    Stand::parse(key).map(Stand::label).unwrap_or("unbekannt")
}

/// One divergent project.
#[derive(Debug, Clone, Serialize)]
pub struct Abweichung {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// NRW priority.
    pub nrw: i64,
    /// Bund-Länder priority.
    pub bund: i64,
    /// Status key.
    pub status: String,
    /// Note on the negotiation.
    pub notiz: String,
    /// Who recorded the status, and when; None while only the plan's text stands.
    pub erfasst: Option<(String, String)>,
}

impl Abweichung {
    /// Status label.
    pub fn status_text(&self) -> &'static str {
        status_label(&self.status)
    }
    /// Steps between the two priorities.
    pub fn abstand(&self) -> i64 {
        (self.nrw - self.bund).abs()
    }
}

#[derive(Deserialize)]
struct Row {
    slug: String,
    name: String,
    prioritaet_nrw: i64,
    prioritaet_bund: i64,
    status: Option<String>,
    notiz: Option<String>,
    geaendert: Option<String>,
    konto: Option<String>,
}

/// All divergent projects, largest divergence first.
pub async fn liste(db: &Db) -> Result<Vec<Abweichung>, DbFehler> {
    let rows: Vec<Row> = db
        // Display names on the public page, never login names.
        .query(sql!("SELECT p.slug, p.name, p.prioritaet_nrw, p.prioritaet_bund, a.status, a.notiz, a.geaendert, \
             CASE WHEN a.konto IS NULL THEN NULL ELSE COALESCE(k.name, 'einem Mitglied') END AS konto \
             FROM projekt p LEFT JOIN prioritaet_abstimmung a ON a.slug = p.slug LEFT JOIN konto k ON k.benutzername = a.konto \
             WHERE p.prioritaet_nrw IS NOT NULL AND p.prioritaet_bund IS NOT NULL AND p.prioritaet_nrw <> p.prioritaet_bund \
             ORDER BY p.position"))
        .await?;
    let (programm, _) = crate::programm::programm(db).await?;
    let texte = programm.map(|p| p.divergenz).unwrap_or_default();
    let mut out: Vec<Abweichung> = rows
        .into_iter()
        .map(|r| {
            let plan = texte
                .iter()
                .find(|d| d.projekt == r.name)
                .map(|d| d.text.clone());
            let erfasst = r.geaendert.zip(r.konto).map(|(g, k)| (k, g));
            Abweichung {
                status: r.status.unwrap_or_else(|| {
                    if plan.is_some() {
                        "in-klaerung"
                    } else {
                        "offen"
                    }
                    .into()
                }),
                notiz: r.notiz.or(plan).unwrap_or_default(),
                erfasst,
                slug: r.slug,
                name: r.name,
                nrw: r.prioritaet_nrw,
                bund: r.prioritaet_bund,
            }
        })
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.abstand()));
    Ok(out)
}

/// Records the negotiation status of a divergent project (with its audit entry). Errors name
/// the field and change nothing.
pub async fn erfassen(
    db: &Db,
    uhr: &Uhr,
    slug: &str,
    status: &str,
    notiz: &str,
    wer: &str,
) -> Result<(), Fehler> {
    let Some(alt) = liste(db).await?.into_iter().find(|a| a.slug == slug) else {
        return Err(Fehler::feld(
            "projekt",
            format!("„{slug}“ ist kein Projekt mit abweichender Priorität."),
        ));
    };
    Stand::parse(status).map_err(|m| Fehler::feld("status", m))?;
    let notiz = notiz.trim();
    if notiz.chars().count() > 5000 {
        return Err(Fehler::feld(
            "notiz",
            "Die Notiz darf höchstens 5000 Zeichen lang sein.",
        ));
    }
    db.execute_all(&[
        sql!("DELETE FROM prioritaet_abstimmung WHERE slug = $1", slug),
        sql!("INSERT INTO prioritaet_abstimmung (slug, status, notiz, geaendert, konto) VALUES ($1, $2, $3, $4, $5)", slug, status, notiz, uhr.jetzt_iso(), wer),
        audit::eintrag(
uhr,
wer,
"prioritaet-abstimmung",
&Objekt::new(PROJEKT, slug),
&[("abstimmung", &alt.status, status), ("notiz", &alt.notiz, notiz)],
),
    ])
    .await?;
    Ok(())
}

#[derive(Template, WebTemplate)]
#[template(path = "gremien/templates/prioritaeten.html")]
struct PrioritaetenSeite {
    title: &'static str,
    nav: &'static str,
    abweichungen: Vec<Abweichung>,
    /// CSRF token when the visitor may record a status.
    csrf: Option<String>,
    status: Vec<(&'static str, &'static str)>,
    /// A refused form: (project slug, field, message).
    fehler: Option<(String, String, String)>,
}

async fn prioritaeten_seite(
    st: &AppState,
    s: Option<&Sitzung>,
    fehler: Option<(String, String, String)>,
) -> Result<PrioritaetenSeite, Fehler> {
    Ok(PrioritaetenSeite {
        title: "Abweichende Prioritäten",
        nav: "projekte",
        abweichungen: liste(&st.db).await?,
        csrf: s
            .filter(|s| darf(Some(&s.nutzer), Aktion::PrioritaetAbstimmen, None))
            .map(|s| s.csrf.clone()),
        status: Stand::optionen(),
        fehler,
    })
}

async fn seite(State(st): State<AppState>, Angemeldet(s): Angemeldet) -> Result<Response, Fehler> {
    Ok(prioritaeten_seite(&st, s.as_ref(), None)
        .await?
        .into_response())
}

#[derive(Deserialize)]
struct AbstimmungForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    notiz: String,
}

async fn abstimmung_erfassen(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    f: Formular<AbstimmungForm>,
) -> Result<Response, Fehler> {
    let s = erlaubt(f.sitzung.as_ref(), Aktion::PrioritaetAbstimmen)?;
    match erfassen(
        &st.db,
        &st.uhr,
        &slug,
        &f.daten.status,
        &f.daten.notiz,
        &s.konto.benutzername,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/prioritaeten#p-{slug}")).into_response()),
        Err(e) => {
            let fehler = e.feldfehler()?;
            let (feld, m) = fehler.erstes().unwrap_or(("status", ""));
            let mut r = prioritaeten_seite(
                &st,
                Some(s),
                Some((slug.clone(), feld.to_owned(), m.to_owned())),
            )
            .await?
            .into_response();
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
    }
}
