//! The programme database: the OZG catalogue (Themenfelder, Lagen, OZG- and LeiKa-Leistungen),
//! the organisations, the Umsetzungsprojekte with their Steckbriefe, search, timeline, partner
//! sourcing, project editing with its history, the built-in data and its import, and the
//! read-only JSON API.
//!
//! What other capabilities may use is re-exported here; everything else is internal.

mod api;
mod bearbeiten_seiten;
mod beteiligte;
mod beteiligung;
mod daten;
mod details;
mod entscheidung;
mod import;
mod listen;
mod modell;
mod objekte;
mod organisation;
mod partner_seiten;
#[cfg(test)]
mod plan_checks;
mod projekt;
mod projekt_bearbeiten;
mod projekt_seite;
mod seiten;
mod steckbrief;
mod steckbrief_seiten;
mod suche;
mod verlauf;
mod verlauf_seiten;
mod zeitleiste;

use ozg_domain::access::Aktion;

use crate::kern::{Baustein, Routen};

pub use daten::{builtin, fingerprint, from_dir};

/// Said once at the top of every page that lists plan values: the plan was read by OCR and
/// doubtful values are marked (also used by the plan document of `umsetzungsplan`).
pub const OCR_HINWEIS: &str = "Der Umsetzungsplan 2020 wurde maschinell gelesen (Texterkennung, OCR). Werte, deren Lesart unsicher ist, sind mit <span class=\"zweifel\">unsicher</span> gekennzeichnet; die Gründe stehen auf der Seite des Projekts.";
pub use details::{
    Counts, StartRow, ThemenfeldAbschnitt, counts, programm, starts, themenfeld_abschnitt,
};
pub use entscheidung::{BeschlussKurz, setzen as entscheidung_setzen, verfahren_text};
pub use import::{WebAenderung, audit_stand, erstimport, import_dataset, web_aenderungen};
pub use listen::{ListKind, ListQuery, Page, full_table, projekt_filter, projekt_table, projekte};
pub use modell::{ProjektRecord, ReadModel, SlugName, lesemodell};
pub use objekte::{ORGANISATION, PROJEKT, STECKBRIEF};
pub use organisation::{OrgEintrag, org_aufloesen, org_verzeichnis};
pub use projekt::{NamedRef, ProjektDetail, ProjektItem};
pub use projekt_bearbeiten::{ProjektKopf, projekt_kopf, steckbrief_von, umsetzung_beginnen};

/// The programme database in the portal.
pub fn baustein() -> Baustein {
    Baustein::new(
        "programm",
        Routen::new()
            .mit(seiten::routen())
            .lesen("/projekte/{slug}", projekt_seite::projekt)
            .mit(bearbeiten_seiten::routen())
            .mit(partner_seiten::routen())
            .mit(steckbrief_seiten::routen())
            .mit(verlauf_seiten::routen())
            .mit(api::routen()),
    )
    .anhaenge(crate::kern::anhang::Besitzer {
        art: STECKBRIEF,
        aktion: Aktion::ProjektBearbeiten,
        recht: steckbrief_seiten::anlagen_recht,
    })
}

/// The project page with the errors of a refused form (status 400), for the forms other
/// capabilities put on it (the Vorlage for the IT-Lenkungsausschuss).
pub async fn projekt_seite_mit_fehler(
    st: &crate::kern::AppState,
    slug: &str,
    s: &crate::kern::Sitzung,
    fehler: crate::kern::Feldfehler,
) -> Result<axum::response::Response, crate::kern::Fehler> {
    projekt_seite::projekt_seite(st, slug, Some(s), fehler).await
}

/// The session if it may submit `slug`'s Steckbrief to the IT-Lenkungsausschuss (the
/// Koordinierungsstelle and the coordination of its Themenfeld), else 403/404.
pub async fn projekt_fuer_vorlage<'a>(
    db: &crate::kern::db::Db,
    slug: &str,
    s: Option<&'a crate::kern::Sitzung>,
) -> Result<&'a crate::kern::Sitzung, crate::kern::Fehler> {
    projekt_bearbeiten::projekt_fuer(
        db,
        slug,
        s,
        Aktion::VorlageEinreichen,
        "Vorlagen für den IT-Lenkungsausschuss reichen die Koordinierungsstelle und die Koordination des Themenfelds ein.",
    )
    .await
    .map(|(s, _)| s)
}
