//! Plan snapshots ("Stand"): the plan document frozen at a moment, e.g. before a meeting of the
//! IT-Lenkungsausschuss. A snapshot stores the whole [`PlanDocument`] as JSON, so the document
//! can be printed as of that snapshot and two snapshots can be compared field by field.
//!
//! A "Stand" is named by the word `aktuell`, by a snapshot number, or by a date: a date on or
//! after the last change of the data means the live data, an earlier one the latest snapshot
//! taken on or before that day.

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::kern::audit::{self, Art, Objekt};
use crate::kern::db::Db;
#[cfg(test)]
use crate::kern::uhr::datum_lesen;
use crate::kern::uhr::{datum_de, datum_eingabe};
use crate::kern::{Fehler, Uhr};
use crate::programm::ReadModel;
use crate::sql;
use crate::umsetzungsplan::dokument::PlanDocument;

type Result<T, E = Fehler> = std::result::Result<T, E>;

/// The audit log's record of the plan itself, for its Stände (`plan`).
pub const PLAN: Art = Art("plan");

/// A stored snapshot without its document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StandInfo {
    /// Number.
    pub id: i64,
    /// Name given when it was taken.
    pub name: String,
    /// When it was taken (UTC, ISO 8601).
    pub erstellt: String,
    /// Data revision it was taken from.
    pub datenstand: String,
}

impl StandInfo {
    /// "Stand 2 „Vor der Sitzung“ vom 01.12.2026".
    pub fn label(&self) -> String {
        format!(
            "Stand {} „{}“ vom {}",
            self.id,
            self.name,
            datum_de(&self.erstellt)
        )
    }
}

/// Freezes the current plan as a snapshot and returns it (on the shell: audit entry "shell").
pub async fn anlegen(db: &Db, uhr: &Uhr, model: &ReadModel, name: &str) -> Result<StandInfo> {
    anlegen_durch(db, uhr, model, name, "shell").await
}

/// Freezes the current plan as a snapshot on behalf of `wer`, with its audit entry.
pub async fn anlegen_durch(
    db: &Db,
    uhr: &Uhr,
    model: &ReadModel,
    name: &str,
    wer: &str,
) -> Result<StandInfo> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Fehler::feld(
            "name",
            "Der Name eines Stands muss 1 bis 200 Zeichen lang sein.",
        ));
    }
    let doc = PlanDocument::load(db, uhr, model).await?;
    let json = serde_json::to_string(&doc).map_err(anyhow::Error::from)?;
    let erstellt = uhr.jetzt_iso();
    let datenstand = db.meta("datenstand").await?.unwrap_or_default();
    let id = db.neue_id("plan_stand").await?;
    db.execute_all(&[
        sql!(
            "INSERT INTO plan_stand (id, name, erstellt, datenstand, dokument) VALUES ($1, $2, $3, $4, $5)",
            id,
            name,
            erstellt.clone(),
            datenstand,
            json
        ),
        audit::eintrag(
            uhr,
            wer,
            "stand-angelegt",
            &Objekt::new(PLAN, ""),
            &[("stand", "", name)],
        ),
    ])
    .await?;
    Ok(liste(db)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .context("Stand nach dem Anlegen nicht gefunden")?)
}

/// Makes the Stand an import owes (meta `stand_offen`, written in the import's transaction):
/// right after the import, or at the next start when the process died in between. Once, even
/// when instances start together: the mark is taken in the Stand's own transaction. Returns
/// whether it made one.
pub async fn import_stand_nachholen(db: &Db, uhr: &Uhr, model: &ReadModel) -> Result<bool> {
    let Some(name) = db.meta("stand_offen").await? else {
        return Ok(false);
    };
    let doc = PlanDocument::load(db, uhr, model).await?;
    let json = serde_json::to_string(&doc).map_err(anyhow::Error::from)?;
    let datenstand = db.meta("datenstand").await?.unwrap_or_default();
    let id = db.neue_id("plan_stand").await?;
    Ok(db
        .execute_guarded(
            &[
                sql!("DELETE FROM meta WHERE key = $1", "stand_offen"),
                sql!(
                    "INSERT INTO plan_stand (id, name, erstellt, datenstand, dokument) VALUES ($1, $2, $3, $4, $5)",
                    id,
                    name.as_str(),
                    uhr.jetzt_iso(),
                    datenstand,
                    json
                ),
                audit::eintrag(
                    uhr,
                    "shell",
                    "stand-angelegt",
                    &Objekt::new(PLAN, ""),
                    &[("stand", "", &name)],
                ),
            ],
            0,
        )
        .await?)
}

/// All snapshots, oldest first.
pub async fn liste(db: &Db) -> Result<Vec<StandInfo>> {
    Ok(db
        .query(sql!(
            "SELECT id, name, erstellt, datenstand FROM plan_stand ORDER BY id"
        ))
        .await?)
}

#[derive(Deserialize)]
struct DokRow {
    dokument: String,
}

async fn dokument(db: &Db, id: i64) -> Result<PlanDocument> {
    let row: DokRow = db
        .query_opt(sql!("SELECT dokument FROM plan_stand WHERE id = $1", id))
        .await?
        .context("Stand nicht gefunden")?;
    Ok(serde_json::from_str(&row.dokument).context("gespeicherter Stand nicht lesbar")?)
}

/// A resolved "Stand": the document and how to name it.
#[derive(Debug, Clone)]
pub struct Aufgeloest {
    /// "aktueller Stand" or the snapshot label.
    pub bezeichnung: String,
    /// The snapshot, if not the live data.
    pub stand: Option<StandInfo>,
}

/// Resolves `spec` (the value of parameter `param`) to the live data or a snapshot; a German
/// message naming what is allowed when it does not.
pub async fn aufloesen(db: &Db, param: &'static str, spec: &str) -> Result<Aufgeloest> {
    let spec = spec.trim();
    if spec.is_empty() || spec.eq_ignore_ascii_case("aktuell") {
        return Ok(live());
    }
    let staende = liste(db).await?;
    if let Ok(id) = spec.parse::<i64>() {
        return match staende.into_iter().find(|s| s.id == id) {
            Some(s) => Ok(Aufgeloest {
                bezeichnung: s.label(),
                stand: Some(s),
            }),
            None => Err(Fehler::feld(
                param,
                format!(
                    "einen Stand {id} gibt es nicht (gespeicherte Stände: siehe „ozg stand liste“ oder /umsetzungsplan/staende)"
                ),
            )),
        };
    }
    let Some(tag) = datum_eingabe(spec).map(|d| d.to_string()) else {
        return Err(Fehler::feld(
            param,
            format!(
                "„{spec}“ ist kein Stand: erlaubt sind ein Datum (TT.MM.JJJJ), die Nummer eines gespeicherten Stands oder „aktuell“"
            ),
        ));
    };
    let geaendert = db.meta("geaendert").await?;
    if geaendert
        .as_deref()
        .is_some_and(|g| crate::kern::uhr::tag(g) <= tag)
    {
        return Ok(live());
    }
    let frueher = staende
        .iter()
        .filter(|s| crate::kern::uhr::tag(&s.erstellt) <= tag)
        .max_by_key(|s| (&s.erstellt, s.id))
        .cloned();
    match frueher {
        Some(s) => Ok(Aufgeloest {
            bezeichnung: s.label(),
            stand: Some(s),
        }),
        None => {
            let fruehester = staende
                .iter()
                .map(|s| s.erstellt.as_str())
                .chain(geaendert.as_deref())
                .min()
                .map(datum_de);
            Err(Fehler::feld(
                param,
                match fruehester {
                    Some(f) => format!(
                        "für den {} liegt kein Stand vor: die Daten reichen bis zum {f} zurück",
                        datum_de(&tag)
                    ),
                    None => format!("für den {} liegt kein Stand vor", datum_de(&tag)),
                },
            ))
        }
    }
}

fn live() -> Aufgeloest {
    Aufgeloest {
        bezeichnung: "aktueller Stand".into(),
        stand: None,
    }
}

/// Loads the document of a resolved Stand.
pub async fn laden(db: &Db, uhr: &Uhr, model: &ReadModel, a: &Aufgeloest) -> Result<PlanDocument> {
    match &a.stand {
        Some(s) => dokument(db, s.id).await,
        None => PlanDocument::load(db, uhr, model).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_real_days() {
        assert!(datum_lesen("2026-02-28").is_some());
        assert!(datum_lesen("2026-02-30").is_none());
        assert!(datum_lesen("1.12.2026").is_none());
        assert_eq!(datum_de("2026-12-01T05:40:00Z"), "01.12.2026");
    }
}
