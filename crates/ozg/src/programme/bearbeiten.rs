//! Editing an Umsetzungsprojekt: validation with German messages per field, and the save with
//! optimistic concurrency, its audit entry and the new data revision in one transaction.

use anyhow::Result;
use ozg_domain::project::{Projektstart, Zielportal};
use ozg_domain::search::index_string;
use serde::{Deserialize, Serialize};

use crate::db::{Db, Stmt};
use crate::members::accounts::Feldfehler;
use crate::members::audit;
use crate::programme::plan_stand::now_iso;

/// The editable fields as the form sends them (text, so what was typed survives an error).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjektFormular {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Projektstart ("Q2 2021", "läuft", …), empty: unknown.
    #[serde(default)]
    pub projektstart: String,
    /// Kommunale Priorität NRW 1–3, empty: unknown.
    #[serde(default)]
    pub prioritaet_nrw: String,
    /// Bund-Länder-Priorität 1–4, empty: unknown.
    #[serde(default)]
    pub prioritaet_bund: String,
    /// Zielportal key, empty: unknown.
    #[serde(default)]
    pub zielportal: String,
    /// Note.
    #[serde(default)]
    pub anmerkung: String,
    /// The version the form was loaded with.
    #[serde(default)]
    pub version: String,
    /// The newest audit entry when the form was loaded (to show what changed meanwhile).
    #[serde(default)]
    pub protokoll_stand: String,
}

/// A project as stored, with what the form needs.
#[derive(Debug, Clone, Deserialize)]
pub struct ProjektDaten {
    /// ID.
    pub id: i64,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Projektstart text.
    pub projektstart_text: Option<String>,
    /// NRW priority.
    pub prioritaet_nrw: Option<i64>,
    /// Bund priority.
    pub prioritaet_bund: Option<i64>,
    /// Zielportal key.
    pub zielportal: Option<String>,
    /// Note.
    pub anmerkung: Option<String>,
    /// Version.
    pub version: i64,
}

impl ProjektDaten {
    /// The form filled with the stored values.
    pub fn formular(&self, protokoll_stand: i64) -> ProjektFormular {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        ProjektFormular {
            name: self.name.clone(),
            projektstart: self.projektstart_text.clone().unwrap_or_default(),
            prioritaet_nrw: opt(self.prioritaet_nrw),
            prioritaet_bund: opt(self.prioritaet_bund),
            zielportal: self.zielportal.clone().unwrap_or_default(),
            anmerkung: self.anmerkung.clone().unwrap_or_default(),
            version: self.version.to_string(),
            protokoll_stand: protokoll_stand.to_string(),
        }
    }
}

/// Loads a project by slug with its Themenfeld ids.
pub async fn laden(db: &Db, slug: &str) -> Result<Option<(ProjektDaten, Vec<i64>)>> {
    let p: Option<ProjektDaten> = db
        .query_opt(
            "SELECT id, slug, name, projektstart_text, prioritaet_nrw, prioritaet_bund, zielportal, anmerkung, version \
             FROM projekt WHERE slug = $1",
            &[slug.into()],
        )
        .await?;
    let Some(p) = p else { return Ok(None) };
    #[derive(Deserialize)]
    struct T {
        themenfeld_id: i64,
    }
    let tfs: Vec<T> = db
        .query(
            "SELECT themenfeld_id FROM projekt_themenfeld WHERE projekt_id = $1",
            &[p.id.into()],
        )
        .await?;
    Ok(Some((
        p,
        tfs.into_iter().map(|t| t.themenfeld_id).collect(),
    )))
}

/// Checked values.
#[derive(Debug, Clone, PartialEq)]
pub struct Geprueft {
    name: String,
    projektstart: Option<Projektstart>,
    prioritaet_nrw: Option<i64>,
    prioritaet_bund: Option<i64>,
    zielportal: Option<Zielportal>,
    anmerkung: Option<String>,
    version: i64,
}

/// Validates the form; every error names its field.
pub fn pruefen(f: &ProjektFormular) -> Result<Geprueft, Feldfehler> {
    let mut e: Feldfehler = Vec::new();
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        e.push((
            "name",
            "Bitte geben Sie einen Namen an (höchstens 200 Zeichen).".into(),
        ));
    }
    let projektstart = match f.projektstart.trim() {
        "" => None,
        s => match Projektstart::parse(s) {
            Ok(p) => Some(p),
            Err(m) => {
                e.push(("projektstart", m.0));
                None
            }
        },
    };
    let prio = |feld: &'static str, v: &str, max: i64, e: &mut Feldfehler| match v.trim() {
        "" => None,
        s => {
            match s.parse::<i64>() {
                Ok(n) if (1..=max).contains(&n) => Some(n),
                _ => {
                    e.push((feld, format!("„{s}“ ist keine Priorität: erlaubt sind 1 bis {max} oder leer (unbekannt).")));
                    None
                }
            }
        }
    };
    let prioritaet_nrw = prio("prioritaet_nrw", &f.prioritaet_nrw, 3, &mut e);
    let prioritaet_bund = prio("prioritaet_bund", &f.prioritaet_bund, 4, &mut e);
    let zielportal = match f.zielportal.trim() {
        "" => None,
        s => match Zielportal::parse(s) {
            Ok(z) => Some(z),
            Err(m) => {
                e.push(("zielportal", m.0));
                None
            }
        },
    };
    let anmerkung = f.anmerkung.trim();
    if anmerkung.chars().count() > 5000 {
        e.push((
            "anmerkung",
            "Die Anmerkung darf höchstens 5000 Zeichen lang sein.".into(),
        ));
    }
    let version = match f.version.trim().parse::<i64>() {
        Ok(v) => v,
        Err(_) => {
            e.push((
                "version",
                "Das Formular ist unvollständig (Version fehlt). Bitte laden Sie die Seite neu."
                    .into(),
            ));
            0
        }
    };
    if !e.is_empty() {
        return Err(e);
    }
    Ok(Geprueft {
        name: name.to_owned(),
        projektstart,
        prioritaet_nrw,
        prioritaet_bund,
        zielportal,
        anmerkung: Some(anmerkung.to_owned()).filter(|a| !a.is_empty()),
        version,
    })
}

/// The result of a save.
#[derive(Debug, PartialEq, Eq)]
pub enum Gespeichert {
    /// Saved; the number of changed fields.
    Ja(usize),
    /// Someone saved in between: nothing was written.
    Konflikt,
}

/// Saves checked values against the version they were based on: the version check, the
/// update, the audit entry (one, with every changed field) and the new data revision happen in
/// one transaction, or not at all.
pub async fn speichern(
    db: &Db,
    alt: &ProjektDaten,
    g: &Geprueft,
    wer: &str,
) -> Result<Gespeichert> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let neu_start = g.projektstart.map(|p| p.to_string());
    let neu_zp = g.zielportal.map(|z| z.key().to_owned());
    let felder = [
        ("name", alt.name.clone(), g.name.clone()),
        (
            "projektstart",
            alt.projektstart_text.clone().unwrap_or_default(),
            neu_start.clone().unwrap_or_default(),
        ),
        (
            "prioritaet_nrw",
            opt(alt.prioritaet_nrw),
            opt(g.prioritaet_nrw),
        ),
        (
            "prioritaet_bund",
            opt(alt.prioritaet_bund),
            opt(g.prioritaet_bund),
        ),
        (
            "zielportal",
            alt.zielportal.clone().unwrap_or_default(),
            neu_zp.clone().unwrap_or_default(),
        ),
        (
            "anmerkung",
            alt.anmerkung.clone().unwrap_or_default(),
            g.anmerkung.clone().unwrap_or_default(),
        ),
    ];
    let geaendert: Vec<(&str, &str, &str)> = felder
        .iter()
        .filter(|(_, a, n)| a != n)
        .map(|(f, a, n)| (*f, a.as_str(), n.as_str()))
        .collect();
    if geaendert.is_empty() {
        // Nothing to write; still refuse a stale form so nobody believes their old view saved.
        return Ok(if alt.version == g.version {
            Gespeichert::Ja(0)
        } else {
            Gespeichert::Konflikt
        });
    }
    let revision = format!("bearbeitet-{}", crate::members::accounts::token()?);
    let stmts = vec![
        Stmt {
            sql: "UPDATE projekt SET name = $1, projektstart_text = $2, projektstart_art = $3, start_ordinal = $4, \
                  prioritaet_nrw = $5, prioritaet_bund = $6, zielportal = $7, anmerkung = $8, version = version + 1 \
                  WHERE id = $9 AND version = $10"
                .into(),
            args: vec![
                g.name.as_str().into(),
                neu_start.into(),
                g.projektstart.map(|p| p.kind().to_owned()).into(),
                g.projektstart.and_then(|p| p.ordinal()).into(),
                g.prioritaet_nrw.into(),
                g.prioritaet_bund.into(),
                neu_zp.into(),
                g.anmerkung.clone().into(),
                alt.id.into(),
                g.version.into(),
            ],
        },
        Stmt {
            sql: "UPDATE search_doc SET title = $1, title_terms = $2 WHERE kind = 'projekt' AND url = $3".into(),
            args: vec![
                g.name.as_str().into(),
                index_string(&g.name).into(),
                format!("/projekte/{}", alt.slug).into(),
            ],
        },
        audit::eintrag(wer, "projekt-bearbeitet", &format!("projekt:{}", alt.slug), &geaendert),
        // Every write changes the data revision, so every instance rebuilds its read model.
        Stmt {
            sql: "UPDATE meta SET value = $1 WHERE key = 'datenstand'".into(),
            args: vec![revision.into()],
        },
        Stmt {
            sql: "UPDATE meta SET value = $1 WHERE key = 'geaendert'".into(),
            args: vec![now_iso().into()],
        },
    ];
    Ok(if db.execute_guarded(&stmts, 0).await? {
        Gespeichert::Ja(geaendert.len())
    } else {
        Gespeichert::Konflikt
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named() {
        let f = ProjektFormular {
            name: " ".into(),
            projektstart: "Q5 2020".into(),
            prioritaet_nrw: "4".into(),
            prioritaet_bund: "x".into(),
            zielportal: "mond".into(),
            anmerkung: String::new(),
            version: "".into(),
            protokoll_stand: String::new(),
        };
        let e = pruefen(&f).unwrap_err();
        let felder: Vec<&str> = e.iter().map(|x| x.0).collect();
        assert_eq!(
            felder,
            [
                "name",
                "projektstart",
                "prioritaet_nrw",
                "prioritaet_bund",
                "zielportal",
                "version"
            ]
        );
        let ok = ProjektFormular {
            name: "Kita".into(),
            projektstart: "Q2 2021".into(),
            prioritaet_nrw: "1".into(),
            zielportal: "unklar".into(),
            version: "0".into(),
            ..Default::default()
        };
        let g = pruefen(&ok).unwrap();
        assert_eq!(g.prioritaet_bund, None);
        assert_eq!(g.projektstart.unwrap().to_string(), "Q2 2021");
    }
}
