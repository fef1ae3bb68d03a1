//! The append-only audit log: who changed what, when, which fields, before → after.
//!
//! Entries are only ever inserted, in the same transaction as the change they describe (an
//! entry is a [`Stmt`] next to the change), so a change without its entry, or an entry without
//! its change, cannot happen. Nothing updates or deletes them; the database refuses it too
//! (triggers, see [`crate::kern::db::Db::migrate`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::kern::db::{Db, DbFehler, Stmt};
use crate::kern::uhr::Uhr;
use crate::sql;

/// The kind of a record that entries (and attachments) belong to. Each capability declares
/// its kinds as constants, e.g. `pub const PROJEKT: Art = Art("projekt")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Art(pub &'static str);

/// A record: its kind and its key (slug or number), stored as `art:schluessel`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Objekt {
    art: Art,
    schluessel: String,
}

impl Objekt {
    /// The record `schluessel` of kind `art`.
    pub fn new(art: Art, schluessel: impl fmt::Display) -> Objekt {
        Objekt {
            art,
            schluessel: schluessel.to_string(),
        }
    }

    /// Its kind.
    pub fn art(&self) -> Art {
        self.art
    }

    /// Its key.
    pub fn schluessel(&self) -> &str {
        &self.schluessel
    }

    /// Reads a stored `art:schluessel` back, for one of the kinds in `arten`.
    pub fn lesen(text: &str, arten: &[Art]) -> Option<Objekt> {
        let (a, k) = text.split_once(':')?;
        let art = arten.iter().find(|x| x.0 == a)?;
        Some(Objekt::new(*art, k))
    }
}

impl fmt::Display for Objekt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A record that is one of its kind (the plan) is stored by its kind alone.
        if self.schluessel.is_empty() {
            f.write_str(self.art.0)
        } else {
            write!(f, "{}:{}", self.art.0, self.schluessel)
        }
    }
}

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

/// The statement that records one change at `uhr`'s time. `felder`: (field, before, after);
/// fields that did not change are left out.
pub fn eintrag(
    uhr: &Uhr,
    wer: &str,
    aktion: &str,
    objekt: &Objekt,
    felder: &[(&str, &str, &str)],
) -> Stmt {
    let felder: Vec<Feld> = felder
        .iter()
        .filter(|(_, v, n)| v != n)
        .map(|(f, v, n)| Feld {
            feld: (*f).to_owned(),
            vorher: (*v).to_owned(),
            nachher: (*n).to_owned(),
        })
        .collect();
    // The number comes from the audit sequence, taken in the same transaction: the row lock
    // on the sequence orders concurrent writers, numbers stay gapless and in commit order.
    sql!(
        "INSERT INTO audit (id, zeit, konto, aktion, objekt, aenderungen) \
         SELECT letzte, $1, $2, $3, $4, $5 FROM id_folge WHERE tabelle = 'audit'",
        uhr.jetzt_iso(),
        wer,
        aktion,
        objekt.to_string(),
        serde_json::to_string(&felder).unwrap_or_else(|_| "[]".into()),
    )
    .mit_vorlauf(sql!(
        "UPDATE id_folge SET letzte = letzte + 1 WHERE tabelle = 'audit'"
    ))
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
pub async fn liste(db: &Db, suche: &str, limit: i64) -> Result<Vec<Eintrag>, DbFehler> {
    let s = format!("%{}%", suche.trim().to_lowercase());
    db.query(sql!(
        "SELECT id, zeit, konto, aktion, objekt, aenderungen FROM audit \
         WHERE LOWER(konto) LIKE $1 OR LOWER(aktion) LIKE $1 OR LOWER(objekt) LIKE $1 \
         ORDER BY id DESC LIMIT $2",
        s,
        limit
    ))
    .await
}

/// The entries of exactly one record, newest first (the newest 200).
pub async fn von(db: &Db, objekt: &Objekt) -> Result<Vec<Eintrag>, DbFehler> {
    db.query(sql!(
        "SELECT id, zeit, konto, aktion, objekt, aenderungen FROM audit WHERE objekt = $1 ORDER BY id DESC LIMIT 200",
        objekt.to_string()
    ))
    .await
}

/// One page of a record's entries (newest first) and how many there are in all.
pub async fn seite(
    db: &Db,
    objekt: &Objekt,
    seite: i64,
    pro_seite: i64,
) -> Result<(Vec<Eintrag>, i64), DbFehler> {
    let o = objekt.to_string();
    let gesamt = db
        .scalar(sql!(
            "SELECT COUNT(*) FROM audit WHERE objekt = $1",
            o.as_str()
        ))
        .await?;
    let eintraege = db
        .query(sql!(
            "SELECT id, zeit, konto, aktion, objekt, aenderungen FROM audit WHERE objekt = $1 \
             ORDER BY id DESC LIMIT $2 OFFSET $3",
            o.as_str(),
            pro_seite,
            (seite.max(1) - 1) * pro_seite
        ))
        .await?;
    Ok((eintraege, gesamt))
}

/// The number of the newest entry of a record (0: none), sent with a form so a refused save
/// can show what changed since the form was loaded.
pub async fn stand(db: &Db, objekt: &Objekt) -> Result<i64, DbFehler> {
    db.scalar(sql!(
        "SELECT COALESCE(MAX(id), 0) FROM audit WHERE objekt = $1",
        objekt.to_string()
    ))
    .await
}

/// What a refused save shows: the entries of the record after the form's `protokoll_stand`
/// (newest first), and the current stand for the next attempt.
#[derive(Debug, Clone, Default)]
pub struct Konflikt {
    /// What changed meanwhile.
    pub eintraege: Vec<Eintrag>,
    /// The newest entry now (the form's next `protokoll_stand`).
    pub stand: i64,
}

/// The changes of `objekt` since the form's `protokoll_stand` (text as sent; bad text: all).
pub async fn konflikt(
    db: &Db,
    objekt: &Objekt,
    protokoll_stand: &str,
) -> Result<Konflikt, DbFehler> {
    let seit: i64 = protokoll_stand.trim().parse().unwrap_or(0);
    let alle = von(db, objekt).await?;
    Ok(Konflikt {
        stand: alle.first().map(|e| e.id).unwrap_or(0),
        eintraege: alle.into_iter().filter(|e| e.id > seit).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_kind_and_key() {
        const PROJEKT: Art = Art("projekt");
        let o = Objekt::new(PROJEKT, "kinderbetreuung");
        assert_eq!(o.to_string(), "projekt:kinderbetreuung");
        assert_eq!(
            Objekt::lesen("projekt:kinderbetreuung", &[PROJEKT]),
            Some(o)
        );
        assert_eq!(Objekt::lesen("workshop:3", &[PROJEKT]), None);
        let s = eintrag(
            &Uhr::system(),
            "ks",
            "test",
            &Objekt::new(PROJEKT, 1),
            &[("a", "x", "x")],
        );
        assert_eq!(s.args()[4], crate::kern::db::Arg::Text(Some("[]".into())));
    }
}
