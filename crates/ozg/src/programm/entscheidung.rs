//! Where a project stands with the IT-Lenkungsausschuss, as the project page shows it.
//!
//! The committees capability decides; it records the resulting state here, through
//! [`setzen`], in the same transaction as the Vorlage or decision. The project page then needs
//! nothing from the committee's tables (and the programme database nothing from the
//! committees' code).

use ozg_domain::governance::Entscheidungsstand;
use serde::{Deserialize, Serialize};

use crate::kern::datenstand::neue_revision;
use crate::kern::db::Stmt;
use crate::kern::uhr::datum_de;
use crate::sql;

/// The latest decision on a project, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeschlussKurz {
    /// Date (ISO).
    pub datum: String,
    /// "sitzung" or "umlauf".
    pub verfahren: String,
    /// The approved variant ("" if none).
    pub variante: String,
}

impl BeschlussKurz {
    /// German date.
    pub fn datum_text(&self) -> String {
        datum_de(&self.datum)
    }
    /// How it was decided.
    pub fn verfahren_text(&self) -> &'static str {
        verfahren_text(&self.verfahren)
    }
}

/// How a decision was taken, as shown: "im Umlaufverfahren" or "in der Sitzung".
pub fn verfahren_text(verfahren: &str) -> &'static str {
    if verfahren == "umlauf" {
        "im Umlaufverfahren"
    } else {
        "in der Sitzung"
    }
}

/// A project's state with the committee and its latest decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entscheidungsanzeige {
    /// The state.
    pub stand: Entscheidungsstand,
    /// The latest decision, if any.
    pub beschluss: Option<BeschlussKurz>,
}

/// The stored row.
#[derive(Debug, Deserialize)]
pub(crate) struct Zeile {
    pub projekt: String,
    stand: String,
    datum: Option<String>,
    verfahren: Option<String>,
    variante: Option<String>,
}

impl Zeile {
    pub(crate) fn anzeige(self) -> Option<Entscheidungsanzeige> {
        let stand = Entscheidungsstand::parse(&self.stand).ok()?;
        Some(Entscheidungsanzeige {
            stand,
            beschluss: match (self.datum, self.verfahren) {
                (Some(datum), Some(verfahren)) => Some(BeschlussKurz {
                    datum,
                    verfahren,
                    variante: self.variante.unwrap_or_default(),
                }),
                _ => None,
            },
        })
    }
}

/// All recorded states (the read model loads them).
pub(crate) fn alle() -> Stmt {
    sql!("SELECT projekt, stand, datum, verfahren, variante FROM projekt_entscheidung")
}

/// The statements that record a project's state with the committee (and a new revision, so
/// every instance shows it at once).
pub fn setzen(
    projekt: &str,
    stand: Entscheidungsstand,
    beschluss: Option<&BeschlussKurz>,
) -> anyhow::Result<Vec<Stmt>> {
    Ok(vec![
        sql!(
            "DELETE FROM projekt_entscheidung WHERE projekt = $1",
            projekt
        ),
        sql!(
            "INSERT INTO projekt_entscheidung (projekt, stand, datum, verfahren, variante) VALUES ($1, $2, $3, $4, $5)",
            projekt,
            stand.key(),
            beschluss.map(|b| b.datum.clone()),
            beschluss.map(|b| b.verfahren.clone()),
            beschluss.map(|b| b.variante.clone())
        ),
        neue_revision("entscheidung")?,
    ])
}
