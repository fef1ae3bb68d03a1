//! The project page: everything the public sees comes from the read model (one query, the
//! model's revision); members see a few things more (their organisation, the comments, a
//! draft). The forms of other capabilities on the page come back here with their errors.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use ozg_domain::access::{Aktion, darf, darf_fuer};
use ozg_domain::governance::Entscheidungsstand;

use crate::kern::anhang::Anhang;
use crate::kern::{Angemeldet, AppState, Fehler, Feldfehler, Sitzung};
use crate::programm::beteiligung::Meldung;
use crate::programm::entscheidung::BeschlussKurz;
use crate::programm::modell::{ProjektRecord, lesemodell};
use crate::programm::projekt::ProjektDetail;
use crate::programm::projekt_bearbeiten::nicht_gefunden;
use crate::programm::verlauf::{self, Kommentar};
use crate::sql;

type PageResult = Result<Response, Fehler>;

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/projekt.html")]
struct ProjektPage<'a> {
    title: &'a str,
    nav: &'static str,
    p: &'a ProjektDetail,
    status: &'static str,
    m: Mitwirken,
    /// What was typed into the "Früherer Stand" form, when it was refused.
    stand_eingabe: String,
}

pub(super) async fn projekt(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> PageResult {
    projekt_seite(&st, &slug, s.as_ref(), Feldfehler::new()).await
}

/// The project page, from the read model: for the public one query (the model's revision);
/// `fehler` is shown next to the form whose input was refused (status 400).
pub(super) async fn projekt_seite(
    st: &AppState,
    slug: &str,
    s: Option<&Sitzung>,
    fehler: Feldfehler,
) -> PageResult {
    projekt_seite_mit_stand(st, slug, s, fehler, String::new()).await
}

/// The project page with a refused "Früherer Stand" date (`stand_eingabe`) in its field.
pub(super) async fn projekt_seite_mit_stand(
    st: &AppState,
    slug: &str,
    s: Option<&Sitzung>,
    fehler: Feldfehler,
    stand_eingabe: String,
) -> PageResult {
    let model = lesemodell(st).await?;
    let Some(p) = model.projekt_nach_slug(slug) else {
        return Err(nicht_gefunden(slug));
    };
    let status = fehler.status();
    let m = Mitwirken::laden(st, p, s, fehler).await?;
    let mut r = ProjektPage {
        title: &p.item().name,
        nav: "projekte",
        p: &p.detail,
        status: p.status(&st.uhr.heute_iso()).label(),
        m,
        stand_eingabe,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

/// The "Mitwirken" block of the project page, as far as the visitor may see and do. For the
/// public it comes from the read model alone; members cost a few more queries.
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
    /// A refused registration, upload or submission.
    pub fehler: Feldfehler,
    /// The committee's decision state (label) and latest decision, if submitted.
    pub entscheidung: Option<(&'static str, Option<BeschlussKurz>)>,
    /// Whether the visitor may submit the Steckbrief to the committee.
    pub vorlage_moeglich: bool,
    /// Attachments of the Steckbrief the visitor may see.
    pub anlagen: Vec<Anhang>,
    /// Members' comments (empty for the public, who never see them).
    pub kommentare: Vec<Kommentar>,
    /// Whether a Steckbrief draft exists (shown to members only).
    pub steckbrief_entwurf: bool,
    /// The members' internal note (never loaded for the public).
    pub interne_notiz: Option<String>,
}

impl Mitwirken {
    pub(super) async fn laden(
        st: &AppState,
        p: &ProjektRecord,
        s: Option<&Sitzung>,
        fehler: Feldfehler,
    ) -> Result<Mitwirken, Fehler> {
        let w = &p.mitwirkung;
        let slug = &p.item().slug;
        let nutzer = s.map(|s| &s.nutzer);
        let mut m = Mitwirken {
            meldungen: w
                .meldungen
                .iter()
                .filter(|m| s.is_some() || m.oeffentlich())
                .cloned()
                .collect(),
            partnersuche: w.partnersuche.clone(),
            csrf: s.map(|s| s.csrf.clone()),
            eigene_org: None,
            eigene: None,
            koordination: darf_fuer(nutzer, Aktion::ProjektBearbeiten, &p.themenfeld_ids),
            fehler,
            entscheidung: w
                .entscheidung
                .as_ref()
                .filter(|e| e.stand != Entscheidungsstand::KeineVorlage)
                .map(|e| (e.stand.label(), e.beschluss.clone())),
            vorlage_moeglich: darf_fuer(nutzer, Aktion::VorlageEinreichen, &p.themenfeld_ids),
            anlagen: w
                .anlagen
                .iter()
                .filter(|a| s.is_some() || a.oeffentlich)
                .cloned()
                .collect(),
            kommentare: Vec::new(),
            steckbrief_entwurf: false,
            interne_notiz: None,
        };
        // What only members see: their organisation, the comments, a draft.
        let Some(s) = s else {
            return Ok(m);
        };
        if darf(Some(&s.nutzer), Aktion::BeteiligungMelden, None)
            && let Some(org) = s.konto.organisation.as_deref().filter(|o| !o.is_empty())
        {
            let name = st
                .db
                .scalar_text(sql!("SELECT name FROM organisation WHERE slug = $1", org))
                .await?
                .unwrap_or_else(|| org.to_owned());
            m.eigene = w.meldungen.iter().find(|x| x.organisation == org).cloned();
            m.eigene_org = Some((org.to_owned(), name));
        }
        m.kommentare = verlauf::kommentare(&st.db, slug).await?;
        #[derive(serde::Deserialize)]
        struct Intern {
            entwurf: i64,
            interne_notiz: Option<String>,
        }
        if let Some(i) = st
            .db
            .query_opt::<Intern>(sql!(
                "SELECT CASE WHEN steckbrief_entwurf IS NULL THEN 0 ELSE 1 END AS entwurf, interne_notiz \
                 FROM projekt WHERE slug = $1",
                slug.as_str()
            ))
            .await?
        {
            m.steckbrief_entwurf = i.entwurf > 0;
            m.interne_notiz = i.interne_notiz;
        }
        Ok(m)
    }

    /// The error of the Mitwirken forms, if any (not those of the other forms on the page).
    pub fn mitwirken_fehler(&self) -> Option<(&str, &str)> {
        self.fehler.iter().find(|(f, _)| {
            !matches!(
                *f,
                "titel" | "steckbrief" | "datei" | "anlage-titel" | "kommentar"
            )
        })
    }

    /// The error for `feld`, if any.
    pub fn fehler_bei(&self, feld: &str) -> Option<String> {
        self.fehler.bei(feld)
    }
}
