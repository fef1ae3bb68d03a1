//! The committees of the programme: the workshops where projects were found, the
//! IT-Lenkungsausschuss with its Vorlagen, meetings, decisions and Umlaufverfahren, and the
//! reconciliation of divergent priorities. Uses the programme database through its interface.

mod ausschuss;
mod ausschuss_seiten;
mod objekte;
mod prioritaeten;
mod workshop_seiten;
mod workshops;

use std::time::Duration;

use ozg_domain::access::Aktion;

use crate::kern::anhang::Besitzer;
use crate::kern::hintergrund::Aufgabe;
use crate::kern::{Baustein, Routen};

pub use ausschuss::faellige_auswerten;
pub use objekte::{SITZUNG, WORKSHOP};
pub use workshops::{WorkshopView, workshops as workshop_liste};

/// The committees in the portal.
pub fn baustein() -> Baustein {
    Baustein::new(
        "gremien",
        Routen::new()
            .mit(ausschuss_seiten::routen())
            .mit(workshop_seiten::routen())
            .mit(prioritaeten::routen()),
    )
    .aufgabe(Aufgabe {
        name: "Umlaufverfahren auszählen",
        takt: Duration::from_secs(60),
        lauf: ausschuss::aufgabe,
    })
    .anhaenge(Besitzer {
        art: WORKSHOP,
        aktion: Aktion::WorkshopBearbeiten,
        recht: workshop_seiten::fotos_recht,
    })
}
