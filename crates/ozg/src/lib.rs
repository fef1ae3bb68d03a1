//! OZG-Plattform: the programme database of the municipal OZG implementation in NRW, and the
//! portal services built on it.
//!
//! - [`kern`]: the platform core every capability uses (state, errors, storage, sessions,
//!   forms, routes, audit log, clock, attachments, scheduled tasks). It imports no capability.
//! - Capabilities, each a folder with its handlers, queries, templates and tests:
//!   [`programm`] (catalogue, projects, search, partner sourcing, the JSON API),
//!   [`gremien`] (workshops, IT-Lenkungsausschuss, Umlaufverfahren, priorities),
//!   [`umsetzungsplan`] (the plan document, its Stände, PDF and XLSX),
//!   [`konten`] (accounts of the members' area), [`hinweise`] (the pages the law requires:
//!   accessibility statement with feedback, Impressum, contact, Leichte Sprache,
//!   Gebärdensprache), [`kita`] (Kita allocation on the shell).
//! - [`cli`]: the shell commands.
//!
//! A capability uses another only through what that capability's `mod.rs` exports.

pub mod antraege;
pub mod cli;
pub mod gremien;
pub mod hinweise;
pub mod kern;
pub mod kita;
pub mod konten;
pub mod programm;
pub mod umsetzungsplan;

/// The capabilities of the portal: one line each.
pub fn bausteine() -> Vec<kern::Baustein> {
    vec![
        programm::baustein(),
        gremien::baustein(),
        umsetzungsplan::baustein(),
        konten::baustein(),
        hinweise::baustein(),
    ]
}

/// The portal (all routes, the state they share, the scheduled tasks).
pub fn portal(state: kern::AppState) -> kern::Portal {
    kern::app::portal(state, bausteine())
}

/// The portal's router.
pub fn router(state: kern::AppState) -> axum::Router {
    portal(state).router
}
