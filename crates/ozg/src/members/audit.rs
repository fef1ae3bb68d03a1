//! The append-only audit log: who changed what, when, which fields, before → after.
//!
//! Entries are only ever inserted, in the same transaction as the change they describe (so a
//! change without its entry, or an entry without its change, cannot happen). Nothing in the
//! application updates or deletes them.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::db::{Db, Stmt};
use crate::programme::plan_stand::now_iso;

/// One changed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feld {
    /// Field name.
    pub feld: String,
    /// Before.
    pub vorher: String,
    /// After.
    pub nachher: String,
}

/// The statement that records one change. `felder`: (field, before, after).
pub fn eintrag(wer: &str, aktion: &str, objekt: &str, felder: &[(&str, &str, &str)]) -> Stmt {
    let felder: Vec<Feld> = felder
        .iter()
        .filter(|(_, v, n)| v != n)
        .map(|(f, v, n)| Feld {
            feld: (*f).to_owned(),
            vorher: (*v).to_owned(),
            nachher: (*n).to_owned(),
        })
        .collect();
    Stmt {
        sql: "INSERT INTO audit (id, zeit, konto, aktion, objekt, aenderungen) \
              SELECT COALESCE(MAX(id), 0) + 1, $1, $2, $3, $4, $5 FROM audit"
            .into(),
        args: vec![
            now_iso().into(),
            wer.into(),
            aktion.into(),
            objekt.into(),
            serde_json::to_string(&felder)
                .unwrap_or_else(|_| "[]".into())
                .into(),
        ],
    }
}

/// An entry as shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Eintrag {
    /// Number.
    pub id: i64,
    /// When (UTC, ISO).
    pub zeit: String,
    /// Who (login name, or "system"/"shell").
    pub konto: String,
    /// What kind of change.
    pub aktion: String,
    /// Which record ("konto:name", "stand:3", "projekt:slug").
    pub objekt: String,
    /// Changed fields as JSON.
    pub aenderungen: String,
}

impl Eintrag {
    /// The changed fields.
    pub fn felder(&self) -> Vec<Feld> {
        serde_json::from_str(&self.aenderungen).unwrap_or_default()
    }
}

/// Entries, newest first; `suche` filters by account, action or record (substring).
pub async fn liste(db: &Db, suche: &str, limit: i64) -> Result<Vec<Eintrag>> {
    let s = format!("%{}%", suche.trim().to_lowercase());
    db.query(
        "SELECT id, zeit, konto, aktion, objekt, aenderungen FROM audit \
         WHERE LOWER(konto) LIKE $1 OR LOWER(aktion) LIKE $1 OR LOWER(objekt) LIKE $1 \
         ORDER BY id DESC LIMIT $2",
        &[s.into(), limit.into()],
    )
    .await
}

/// The entries of exactly one record, newest first.
pub async fn von(db: &Db, objekt: &str) -> Result<Vec<Eintrag>> {
    db.query(
        "SELECT id, zeit, konto, aktion, objekt, aenderungen FROM audit WHERE objekt = $1 ORDER BY id DESC LIMIT 200",
        &[objekt.into()],
    )
    .await
}

/// The number of the newest entry of a record (0: none), sent with a form so a refused save
/// can show what changed since the form was loaded.
pub async fn stand(db: &Db, objekt: &str) -> Result<i64> {
    db.scalar(
        "SELECT COALESCE(MAX(id), 0) FROM audit WHERE objekt = $1",
        &[objekt.into()],
    )
    .await
}

/// The entries of a record after `seit` (what changed since a form was loaded), newest first.
pub async fn seit(db: &Db, objekt: &str, seit: &str) -> Result<Vec<Eintrag>> {
    let seit: i64 = seit.trim().parse().unwrap_or(0);
    Ok(von(db, objekt)
        .await?
        .into_iter()
        .filter(|e| e.id > seit)
        .collect())
}
