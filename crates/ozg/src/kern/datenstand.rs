//! The data revision: every write of data that a cache is derived from ends with
//! [`neuer_datenstand`] in the same transaction, so every instance sees the change at its next
//! request (each cache checks `meta.datenstand`, one small query).

use crate::kern::db::Stmt;
use crate::kern::token::token;
use crate::kern::uhr::Uhr;
use crate::sql;

/// The statements every change of cached data ends with: a new data revision and the time of
/// the change (`meta.geaendert`, which the plan's "Stand" dates compare with).
pub fn neuer_datenstand(uhr: &Uhr, art: &str) -> anyhow::Result<Vec<Stmt>> {
    Ok(vec![
        neue_revision(art)?,
        sql!(
            "UPDATE meta SET value = $1 WHERE key = 'geaendert'",
            uhr.jetzt_iso()
        ),
    ])
}

/// The statement for a change that caches show but that is not plan data (registrations,
/// committee decisions, attachments): a new revision only, `meta.geaendert` stays, so the
/// plan's "Stand" dates keep their meaning.
pub fn neue_revision(art: &str) -> anyhow::Result<Stmt> {
    Ok(sql!(
        "UPDATE meta SET value = $1 WHERE key = 'datenstand'",
        format!("{art}-{}", token()?)
    ))
}
