//! Accounts of the citizens' portal: citizens (a local Bürgerkonto with e-mail confirmation,
//! level Basisregistrierung; BundID follows), authorities and their staff (login, roles).
//! Sessions are the core's ([`crate::kern::person`]); passwords and throttling too
//! ([`crate::kern::passwort`]).

mod bundid;
mod daten;
mod personal;
mod seiten;

use crate::kern::hintergrund::Aufgabe;
use crate::kern::{Baustein, Routen};

pub use bundid::BundId;
pub use daten::{NeueBehoerde, NeuerMitarbeiter, behoerde_anlegen, mitarbeiter_anlegen};

/// The capability.
pub fn baustein() -> Baustein {
    Baustein::new(
        "portalkonten",
        Routen::new().mit(seiten::routen()).mit(personal::routen()),
    )
    .aufgabe(Aufgabe {
        name: "unbestätigte Bürgerkonten löschen",
        takt: std::time::Duration::from_secs(3600),
        lauf: |st| Box::pin(async move { daten::unbestaetigte_loeschen(&st).await }),
    })
}
