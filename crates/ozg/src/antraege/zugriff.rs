//! Who may open an Antrag on the citizen's side: the citizen whose account it belongs to, or
//! (without account) the browser that holds its resume token (cookie, set by the resume
//! link). Anyone else gets "not found" — the same answer as for a number that does not exist.

use axum::http::HeaderMap;

use crate::antraege::daten::{self, Antrag};
use crate::antraege::{Dienst, dienst};
use crate::kern::person::{PersonArt, Portal, PortalSitzung};
use crate::kern::sitzung::{cookie, vorab_csrf};
use crate::kern::{AppState, Fehler};

pub use crate::kern::person::ENTWURF_COOKIE;

/// The request's way to an Antrag: the citizen's session or the resume token.
pub struct Zugriff {
    pub sitzung: Option<PortalSitzung>,
    pub token: Option<String>,
}

impl Zugriff {
    pub fn aus(p: &Portal, headers: &HeaderMap) -> Zugriff {
        Zugriff {
            sitzung: p.sitzung.clone().filter(|s| s.art == PersonArt::Buerger),
            token: cookie(headers, ENTWURF_COOKIE).filter(|t| t.len() == 64),
        }
    }

    pub fn von_person(person: Option<&PortalSitzung>, headers: &HeaderMap) -> Zugriff {
        Zugriff {
            sitzung: person.filter(|s| s.art == PersonArt::Buerger).cloned(),
            token: cookie(headers, ENTWURF_COOKIE).filter(|t| t.len() == 64),
        }
    }

    /// The audit name.
    pub fn wer_name(&self, a: &Antrag) -> String {
        match &self.sitzung {
            Some(s) => s.audit_name(),
            None => format!("antragsteller:{}", a.id),
        }
    }

    pub fn csrf(&self, headers: &HeaderMap) -> anyhow::Result<(String, bool)> {
        match &self.sitzung {
            Some(s) => Ok((s.csrf.clone(), false)),
            None => vorab_csrf(headers),
        }
    }
}

fn nicht_gefunden(id: i64) -> Fehler {
    Fehler::nicht_gefunden(format!(
        "Einen Antrag Nr. {id} gibt es nicht, oder er gehört nicht zu Ihrer Anmeldung. Melden Sie sich mit dem Konto an, mit dem Sie den Antrag gestellt haben, oder öffnen Sie den Link aus unserer E-Mail erneut."
    ))
}

/// The Antrag if this request may open it, with its service; else 404.
pub async fn oeffnen(
    st: &AppState,
    z: &Zugriff,
    id: i64,
) -> Result<(Antrag, &'static Dienst), Fehler> {
    let a = daten::laden(&st.db, id)
        .await?
        .ok_or_else(|| nicht_gefunden(id))?;
    let erlaubt = match (&z.sitzung, a.buerger_id) {
        (Some(s), Some(b)) => s.person_id == b,
        (_, None) => match &z.token {
            Some(t) => daten::per_token(&st.db, t)
                .await?
                .is_some_and(|x| x.id == a.id),
            None => false,
        },
        _ => false,
    };
    if !erlaubt {
        return Err(nicht_gefunden(id));
    }
    let d = dienst(&a.dienst).ok_or_else(|| anyhow::anyhow!("Dienst {} fehlt", a.dienst))?;
    // The service's level counts at every step, not only at the start (a session can be
    // older than the service's rule).
    if let (Some(noetig), Some(s)) = (d.niveau, &z.sitzung)
        && !s.niveau.reicht_fuer(noetig)
    {
        return Err(niveau_fehlt(d));
    }
    Ok((a, d))
}

pub fn niveau_fehlt(d: &Dienst) -> Fehler {
    Fehler::verboten(format!(
        "Für „{}“ brauchen Sie eine Anmeldung mit dem Vertrauensniveau „{}“. Bitte melden Sie sich erneut an (Servicekonto BundID: {}).",
        d.name,
        d.niveau
            .map(ozg_domain::portal::Vertrauensniveau::label)
            .unwrap_or(""),
        match d.niveau {
            Some(ozg_domain::portal::Vertrauensniveau::Hoch) => "mit dem Online-Ausweis",
            Some(ozg_domain::portal::Vertrauensniveau::Substanziell) => {
                "mit ELSTER-Zertifikat oder Online-Ausweis"
            }
            _ => "mit Benutzername und Passwort",
        }
    ))
}

/// Where a citizen reads an Antrag, for an e-mail: with an account its address (after the
/// login); without one the personal link of the first e-mail, which only the citizen has
/// (the portal keeps only its hash, so it cannot be sent again).
pub fn wo_lesen(basis_url: &str, a: &Antrag) -> String {
    if a.buerger_id.is_some() {
        format!("{basis_url}/antraege/{} (nach der Anmeldung)", a.id)
    } else {
        "mit dem persönlichen Link aus unserer ersten E-Mail („Ihr Entwurf: …“); er öffnet Ihren Antrag auch nach dem Einreichen".to_owned()
    }
}
