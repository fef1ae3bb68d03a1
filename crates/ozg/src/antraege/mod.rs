//! Anträge: the base every online service of the portal stands on (issue #13). A citizen
//! fills a service's form step by step (drafts saved per step, resumable), submits it to the
//! responsible authority (Zuständigkeit from the address), gets an Antragsnummer, a PDF
//! receipt and e-mails without content; the authority works the case in its inbox (filters,
//! search, assignment, notes, deadlines, Nachforderung, a Bescheid as PDF); both sides write
//! in the Antrag's Postfach. Personal data is deleted after the service's Löschfrist; the
//! citizen can download all of it (DSGVO Art. 15).
//!
//! A service is a [`Dienst`] (typed data: form, level, Löschfrist, Bescheid template) in its
//! own folder, registered with one line in `lib.rs` ([`baustein`]'s list).

mod buerger;
mod dateien;
mod daten;
pub mod dokumente;
mod einreichen;
mod loeschen;
mod sachbearbeitung;
mod seiten;
mod zugriff;
mod zustaendigkeit;

use std::sync::OnceLock;

use ozg_domain::formular::Formular;
use ozg_domain::portal::Vertrauensniveau;

use crate::kern::hintergrund::Aufgabe;
use crate::kern::{Baustein, Routen};

pub use daten::{ANTRAG, Antrag, vom_buerger};
pub use loeschen::{auskunft_json, loeschfristen_anwenden};

/// An online service: what the portal needs to know to offer it.
#[derive(Debug)]
pub struct Dienst {
    /// Key (in URLs and the Zuständigkeit data): `anfrage`, `kita`, `reitkennzeichen`.
    pub schluessel: &'static str,
    /// Name as citizens search for it.
    pub name: &'static str,
    /// One sentence: what it is.
    pub kurz: &'static str,
    /// The Leistungsbeschreibung: what it is, who may apply, how it proceeds.
    pub beschreibung: &'static str,
    /// What the citizen needs at hand.
    pub unterlagen: &'static [&'static str],
    /// The legal basis.
    pub rechtsgrundlage: &'static str,
    /// LeiKa key (Leistungsschlüssel) for the Verwaltungssuchmaschine.
    pub leika: &'static str,
    /// The prefix of its Antragsnummern (`{DIENST}`), e.g. `ANF`.
    pub praefix: &'static str,
    /// The login it needs (`None`: it can be used without an account).
    pub niveau: Option<Vertrauensniveau>,
    /// The form.
    pub formular: Formular,
    /// The fields with the citizen's postcode and place (they decide the Zuständigkeit).
    pub anschrift: (&'static str, &'static str),
    /// The fields with the applicant's name, in order (for the inbox and the Bescheid).
    pub name_felder: &'static [&'static str],
    /// Whether the citizen may attach documents.
    pub anlagen: bool,
    /// Days after the end (Bescheid, withdrawal, closing) until personal data is deleted.
    pub loeschfrist_tage: i64,
    /// What the service does with personal data, beyond the portal's privacy notice.
    pub datenschutz: &'static str,
    /// The service's own Bescheid template (Typst), `None`: the standard one.
    pub bescheid_vorlage: Option<&'static str>,
}

static DIENSTE: OnceLock<Vec<&'static Dienst>> = OnceLock::new();

/// The registered services.
pub fn dienste() -> &'static [&'static Dienst] {
    DIENSTE.get().map(Vec::as_slice).unwrap_or(&[])
}

/// The service with this key.
pub fn dienst(schluessel: &str) -> Option<&'static Dienst> {
    dienste()
        .iter()
        .copied()
        .find(|d| d.schluessel == schluessel)
}

/// The Anträge capability with its services (one line each in `lib.rs`).
pub fn baustein(liste: &[&'static Dienst]) -> Baustein {
    // The list is the program's, the same for every portal built in this process.
    let _ = DIENSTE.set(liste.to_vec());
    Baustein::new(
        "antraege",
        Routen::new()
            .mit(seiten::routen())
            .mit(buerger::routen())
            .mit(sachbearbeitung::routen())
            .mit(dateien::routen())
            .mit(loeschen::routen()),
    )
    .aufgabe(Aufgabe {
        name: "Suchwörter der Anträge nachtragen",
        takt: std::time::Duration::from_secs(3600),
        lauf: |st| {
            Box::pin(async move {
                let n = daten::suchwoerter_nachtragen(&st.db).await?;
                if n > 0 {
                    tracing::info!("Suchwörter von {n} Anträgen nachgetragen");
                }
                Ok(())
            })
        },
    })
    .aufgabe(Aufgabe {
        name: "Löschfristen der Anträge anwenden",
        takt: std::time::Duration::from_secs(3600),
        lauf: |st| Box::pin(async move { loeschen::aufgabe(&st).await }),
    })
}
