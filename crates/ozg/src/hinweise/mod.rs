//! The pages the law requires of a public body's website: the Erklärung zur Barrierefreiheit
//! (EU model, with a feedback form whose submissions reach the operator through the outbox and
//! are deleted after half a year, and the Ombudsstelle as Schlichtungsstelle), the Impressum
//! and the contact page with the operator's details ([`Betreiber`], configured on the shell),
//! the privacy notice, and information in Leichte Sprache and in Deutscher Gebärdensprache
//! (BITV 2.0 § 4; the video is the operator's file), linked from the start page.

mod betreiber;
mod daten;
mod seiten;
mod video;

use std::time::Duration;

use crate::kern::hintergrund::Aufgabe;
use crate::kern::{AppState, Baustein, Fehler, Routen};

pub use betreiber::Betreiber;

/// The required pages.
pub fn baustein() -> Baustein {
    Baustein::new("hinweise", Routen::new().mit(seiten::routen())).aufgabe(Aufgabe {
        name: "alte Rückmeldungen zur Barrierefreiheit löschen",
        takt: Duration::from_secs(3600),
        lauf: aufraeumen,
    })
}

fn aufraeumen(st: AppState) -> crate::kern::zustand::Zukunft<'static, Result<(), Fehler>> {
    Box::pin(async move { daten::aufraeumen(&st).await })
}
