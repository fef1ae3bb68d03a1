//! The accounts of the members' area: invitation (by the Koordinierungsstelle or on the
//! shell), login with throttling, the own password, deactivation, and the audit log's page.
//! Sessions and the permission rules are the core's (`kern::sitzung`, `ozg_domain::access`).

mod daten;
mod seiten;

use std::time::Duration;

use crate::kern::hintergrund::Aufgabe;
use crate::kern::{AppState, Baustein, Fehler, Routen};

pub use daten::{
    KONTO, NeuesKonto, Pruefstelle, anmelden, einladen, einladung_annehmen, stimmberechtigte,
};

/// Accounts in the portal.
pub fn baustein() -> Baustein {
    Baustein::new("konten", Routen::new().mit(seiten::routen())).aufgabe(Aufgabe {
        name: "abgelaufene Sitzungen und alte Anmeldeversuche löschen",
        takt: Duration::from_secs(300),
        lauf: aufraeumen,
    })
}

fn aufraeumen(st: AppState) -> crate::kern::zustand::Zukunft<'static, Result<(), Fehler>> {
    Box::pin(async move {
        crate::kern::sitzung::aufraeumen(&st.db, &st.uhr).await?;
        daten::aufraeumen(&st.db, &st.uhr).await
    })
}
