//! The programme database: catalogue, organisations, Umsetzungsprojekte, the plan's text, search
//! and the timeline. Queries live here; `web` renders them as pages and `api` as JSON.

pub mod abstimmung;
pub mod anhaenge;
pub mod bearbeiten;
pub mod beteiligte_edit;
pub mod beteiligung;
pub mod details;
pub mod export;
pub mod lenkungsausschuss;
pub mod lists;
pub mod model;
pub mod organisation_edit;
pub mod plan_document;
pub mod plan_pdf;
pub mod plan_report;
pub mod plan_stand;
pub mod search;
pub mod steckbrief_edit;
pub mod timeline;
pub mod verlauf;
pub mod workshop_edit;

/// The statements every change of programme data ends with: a new data revision (so every
/// instance rebuilds its read model and the PDF cache) and the time of the change.
pub fn neuer_datenstand(art: &str) -> anyhow::Result<Vec<crate::db::Stmt>> {
    Ok(vec![
        crate::db::Stmt {
            sql: "UPDATE meta SET value = $1 WHERE key = 'datenstand'".into(),
            args: vec![format!("{art}-{}", crate::members::accounts::token()?).into()],
        },
        crate::db::Stmt {
            sql: "UPDATE meta SET value = $1 WHERE key = 'geaendert'".into(),
            args: vec![plan_stand::now_iso().into()],
        },
    ])
}
