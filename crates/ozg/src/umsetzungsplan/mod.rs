//! The Umsetzungsplan as a document generated from the live data (HTML, PDF/UA, XLSX), its
//! Stände (frozen snapshots, e.g. before a meeting of the IT-Lenkungsausschuss) and the change
//! report between two of them. Reads the programme database and the committees' workshops
//! through their interfaces.

mod bericht;
mod dokument;
mod pdf;
mod seiten;
mod stand;

use crate::kern::{Baustein, Routen};

pub use bericht::{PlanReport, ReportOptions};
pub use dokument::PlanDocument;
pub use pdf::render as pdf_setzen;
pub use seiten::{Erzeugung, plan_html};
pub use stand::{
    PLAN, StandInfo, anlegen as stand_anlegen, import_stand_nachholen, liste as staende,
};

/// The plan document in the portal.
pub fn baustein() -> Baustein {
    Baustein::new("umsetzungsplan", Routen::new().mit(seiten::routen()))
}
