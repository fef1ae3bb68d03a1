//! Editing a workshop: date, Themenfelder, place, note, participating organisations and the
//! projects that resulted. Version-guarded, audited, and a new data revision (the plan document
//! lists the workshops).

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::db::{Db, Stmt};
use crate::members::accounts::Feldfehler;
use crate::members::audit;

/// The form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WorkshopFormular {
    /// Date (JJJJ-MM-TT).
    pub datum: String,
    /// Place.
    pub ort: String,
    /// Note.
    pub anmerkung: String,
    /// Themenfeld slugs (checkboxes).
    pub themenfelder: Vec<String>,
    /// Participating organisations, one per line (name, short name or slug).
    pub teilnehmer: String,
    /// Resulting projects, one per line (name or slug); empty: derived from the Themenfelder.
    pub projekte: String,
    /// Version.
    pub version: String,
    /// The newest audit entry when the form was loaded.
    pub protokoll_stand: String,
}

impl WorkshopFormular {
    /// From the submitted pairs (`themenfeld` repeats).
    pub fn aus_paaren(p: &[(String, String)]) -> WorkshopFormular {
        let feld = |k: &str| {
            p.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        WorkshopFormular {
            datum: feld("datum"),
            ort: feld("ort"),
            anmerkung: feld("anmerkung"),
            themenfelder: p
                .iter()
                .filter(|(n, _)| n == "themenfeld")
                .map(|(_, v)| v.clone())
                .collect(),
            teilnehmer: feld("teilnehmer"),
            projekte: feld("projekte"),
            version: feld("version"),
            protokoll_stand: feld("protokoll_stand"),
        }
    }
}

/// A workshop as stored, for the form.
#[derive(Debug, Clone)]
pub struct WorkshopDaten {
    /// Id.
    pub id: i64,
    /// Date.
    pub datum: String,
    /// Place.
    pub ort: Option<String>,
    /// Note.
    pub anmerkung: Option<String>,
    /// Themenfelder (id, slug, name).
    pub themenfelder: Vec<(i64, String, String)>,
    /// Participants (slug, name).
    pub teilnehmer: Vec<(String, String)>,
    /// Recorded resulting projects (slug, name).
    pub projekte: Vec<(String, String)>,
    /// Version.
    pub version: i64,
}

impl WorkshopDaten {
    /// The form filled with the stored values.
    pub fn formular(&self) -> WorkshopFormular {
        WorkshopFormular {
            datum: self.datum.clone(),
            ort: self.ort.clone().unwrap_or_default(),
            anmerkung: self.anmerkung.clone().unwrap_or_default(),
            themenfelder: self.themenfelder.iter().map(|t| t.1.clone()).collect(),
            teilnehmer: self
                .teilnehmer
                .iter()
                .map(|t| t.1.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            projekte: self
                .projekte
                .iter()
                .map(|t| t.1.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            version: self.version.to_string(),
            protokoll_stand: String::new(),
        }
    }
    /// Themenfeld ids.
    pub fn tf_ids(&self) -> Vec<i64> {
        self.themenfelder.iter().map(|t| t.0).collect()
    }
}

/// Loads a workshop.
pub async fn laden(db: &Db, id: i64) -> Result<Option<WorkshopDaten>> {
    #[derive(Deserialize)]
    struct W {
        id: i64,
        datum: String,
        ort: Option<String>,
        anmerkung: Option<String>,
        version: i64,
    }
    let Some(w) = db
        .query_opt::<W>(
            "SELECT id, datum, ort, anmerkung, version FROM workshop WHERE id = $1",
            &[id.into()],
        )
        .await?
    else {
        return Ok(None);
    };
    #[derive(Deserialize)]
    struct T {
        id: i64,
        slug: String,
        name: String,
    }
    let tfs: Vec<T> = db
        .query(
            "SELECT t.id, t.slug, t.name FROM workshop_themenfeld wt JOIN themenfeld t ON t.id = wt.themenfeld_id WHERE wt.workshop_id = $1 ORDER BY t.id",
            &[id.into()],
        )
        .await?;
    #[derive(Deserialize)]
    struct N {
        slug: String,
        name: String,
    }
    let teilnehmer: Vec<N> = db
        .query(
            "SELECT w.organisation AS slug, COALESCE(o.name, w.organisation) AS name FROM workshop_teilnehmer w \
             LEFT JOIN organisation o ON o.slug = w.organisation WHERE w.workshop_id = $1 ORDER BY name",
            &[id.into()],
        )
        .await?;
    let projekte: Vec<N> = db
        .query(
            "SELECT p.slug, p.name FROM workshop_projekt w JOIN projekt p ON p.slug = w.projekt WHERE w.workshop_id = $1 ORDER BY p.position",
            &[id.into()],
        )
        .await?;
    Ok(Some(WorkshopDaten {
        id: w.id,
        datum: w.datum,
        ort: w.ort,
        anmerkung: w.anmerkung,
        themenfelder: tfs.into_iter().map(|t| (t.id, t.slug, t.name)).collect(),
        teilnehmer: teilnehmer.into_iter().map(|n| (n.slug, n.name)).collect(),
        projekte: projekte.into_iter().map(|n| (n.slug, n.name)).collect(),
        version: w.version,
    }))
}

/// Checked values.
#[derive(Debug, Clone)]
pub struct Geprueft {
    datum: String,
    ort: Option<String>,
    anmerkung: Option<String>,
    /// Themenfelder (id, slug, name).
    pub themenfelder: Vec<(i64, String, String)>,
    teilnehmer: Vec<(String, String)>,
    projekte: Vec<(String, String)>,
    version: i64,
}

fn zeilen(s: &str) -> Vec<&str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// Checks the form against the catalogue; every error names its field (and line).
pub async fn pruefen(db: &Db, f: &WorkshopFormular) -> Result<Result<Geprueft, Feldfehler>> {
    let mut e: Feldfehler = Vec::new();
    let datum = f.datum.trim();
    if datum.len() != 10
        || time::Date::parse(
            datum,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_err()
    {
        e.push((
            "datum",
            if datum.is_empty() {
                "Bitte geben Sie das Datum des Workshops an.".into()
            } else {
                format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT.")
            },
        ));
    }
    if f.ort.chars().count() > 300 {
        e.push(("ort", "Höchstens 300 Zeichen.".into()));
    }
    if f.anmerkung.chars().count() > 5000 {
        e.push(("anmerkung", "Höchstens 5000 Zeichen.".into()));
    }
    #[derive(Deserialize)]
    struct T {
        id: i64,
        slug: String,
        name: String,
    }
    let alle_tf: Vec<T> = db
        .query("SELECT id, slug, name FROM themenfeld ORDER BY id", &[])
        .await?;
    let mut themenfelder = Vec::new();
    for s in &f.themenfelder {
        match alle_tf.iter().find(|t| &t.slug == s) {
            Some(t) => {
                if !themenfelder.iter().any(|(i, _, _)| *i == t.id) {
                    themenfelder.push((t.id, t.slug.clone(), t.name.clone()));
                }
            }
            None => e.push(("themenfeld", format!("„{s}“ ist kein Themenfeld."))),
        }
    }
    if themenfelder.is_empty() && !e.iter().any(|x| x.0 == "themenfeld") {
        e.push((
            "themenfeld",
            "Bitte wählen Sie mindestens ein Themenfeld.".into(),
        ));
    }
    let orgs = crate::programme::org_verzeichnis(db).await?;
    let mut teilnehmer: Vec<(String, String)> = Vec::new();
    for (i, z) in zeilen(&f.teilnehmer).into_iter().enumerate() {
        match crate::programme::org_aufloesen(&orgs, i + 1, z) {
            Ok(o) => {
                if !teilnehmer.iter().any(|t| t.0 == o.slug) {
                    teilnehmer.push((o.slug.clone(), o.name.clone()));
                }
            }
            Err(m) => e.push(("teilnehmer", m)),
        }
    }
    #[derive(Deserialize)]
    struct P {
        slug: String,
        name: String,
    }
    let alle_p: Vec<P> = db.query("SELECT slug, name FROM projekt", &[]).await?;
    let mut projekte: Vec<(String, String)> = Vec::new();
    for (i, z) in zeilen(&f.projekte).into_iter().enumerate() {
        match alle_p
            .iter()
            .find(|p| p.slug == z || p.name.eq_ignore_ascii_case(z))
        {
            Some(p) => {
                if !projekte.iter().any(|x| x.0 == p.slug) {
                    projekte.push((p.slug.clone(), p.name.clone()));
                }
            }
            None => e.push((
                "projekte",
                format!("Zeile {}: „{z}“ ist kein Umsetzungsprojekt.", i + 1),
            )),
        }
    }
    let version = f.version.trim().parse::<i64>().unwrap_or_else(|_| {
        e.push((
            "version",
            "Das Formular ist unvollständig (Version fehlt). Bitte laden Sie die Seite neu.".into(),
        ));
        0
    });
    if !e.is_empty() {
        return Ok(Err(e));
    }
    Ok(Ok(Geprueft {
        datum: datum.to_owned(),
        ort: Some(f.ort.trim().to_owned()).filter(|s| !s.is_empty()),
        anmerkung: Some(f.anmerkung.trim().to_owned()).filter(|s| !s.is_empty()),
        themenfelder,
        teilnehmer,
        projekte,
        version,
    }))
}

/// Saves against the version the form was loaded with; `false`: someone saved in between.
pub async fn speichern(db: &Db, alt: &WorkshopDaten, g: &Geprueft, wer: &str) -> Result<bool> {
    let namen =
        |v: &[(String, String)]| v.iter().map(|x| x.1.clone()).collect::<Vec<_>>().join(", ");
    let tf_namen =
        |v: &[(i64, String, String)]| v.iter().map(|x| x.2.clone()).collect::<Vec<_>>().join(", ");
    let felder = [
        ("datum", alt.datum.clone(), g.datum.clone()),
        (
            "ort",
            alt.ort.clone().unwrap_or_default(),
            g.ort.clone().unwrap_or_default(),
        ),
        (
            "anmerkung",
            alt.anmerkung.clone().unwrap_or_default(),
            g.anmerkung.clone().unwrap_or_default(),
        ),
        (
            "themenfelder",
            tf_namen(&alt.themenfelder),
            tf_namen(&g.themenfelder),
        ),
        ("teilnehmer", namen(&alt.teilnehmer), namen(&g.teilnehmer)),
        ("projekte", namen(&alt.projekte), namen(&g.projekte)),
    ];
    let geaendert: Vec<(&str, &str, &str)> = felder
        .iter()
        .map(|(f, a, n)| (*f, a.as_str(), n.as_str()))
        .collect();
    let id = alt.id;
    let mut stmts = vec![
        Stmt {
            sql: "UPDATE workshop SET datum = $1, ort = $2, anmerkung = $3, themenfelder = $4, version = version + 1 \
                  WHERE id = $5 AND version = $6"
                .into(),
            args: vec![
                g.datum.as_str().into(),
                g.ort.clone().into(),
                g.anmerkung.clone().into(),
                tf_namen(&g.themenfelder).into(),
                id.into(),
                g.version.into(),
            ],
        },
        Stmt {
            sql: "DELETE FROM workshop_themenfeld WHERE workshop_id = $1".into(),
            args: vec![id.into()],
        },
        Stmt {
            sql: "DELETE FROM workshop_teilnehmer WHERE workshop_id = $1".into(),
            args: vec![id.into()],
        },
        Stmt {
            sql: "DELETE FROM workshop_projekt WHERE workshop_id = $1".into(),
            args: vec![id.into()],
        },
    ];
    for (tf, _, _) in &g.themenfelder {
        stmts.push(Stmt {
            sql: "INSERT INTO workshop_themenfeld (workshop_id, themenfeld_id) VALUES ($1, $2)"
                .into(),
            args: vec![id.into(), (*tf).into()],
        });
    }
    for (slug, _) in &g.teilnehmer {
        stmts.push(Stmt {
            sql: "INSERT INTO workshop_teilnehmer (workshop_id, organisation) VALUES ($1, $2)"
                .into(),
            args: vec![id.into(), slug.as_str().into()],
        });
    }
    for (slug, _) in &g.projekte {
        stmts.push(Stmt {
            sql: "INSERT INTO workshop_projekt (workshop_id, projekt) VALUES ($1, $2)".into(),
            args: vec![id.into(), slug.as_str().into()],
        });
    }
    stmts.push(audit::eintrag(
        wer,
        "workshop-bearbeitet",
        &format!("workshop:{id}"),
        &geaendert,
    ));
    stmts.extend(crate::programme::neuer_datenstand("workshop")?);
    db.execute_guarded(&stmts, 0).await
}

/// Creates a workshop on `datum` in one Themenfeld (the rest is filled in with the edit form).
/// Errors name the field.
pub async fn anlegen(
    db: &Db,
    datum: &str,
    themenfeld: (i64, &str),
    wer: &str,
) -> Result<Result<i64, (&'static str, String)>> {
    let datum = datum.trim();
    if datum.len() != 10
        || time::Date::parse(
            datum,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_err()
    {
        return Ok(Err((
            "datum",
            if datum.is_empty() {
                "Bitte geben Sie das Datum des Workshops an.".into()
            } else {
                format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT.")
            },
        )));
    }
    let revision = crate::programme::neuer_datenstand("workshop")?;
    let id = db
        .mit_neuer_id("workshop", |id| {
            let mut stmts = vec![
                Stmt {
                    sql: "INSERT INTO workshop (id, datum, ort, quelle, anmerkung, themenfelder, unsicher, version) \
                          VALUES ($1, $2, NULL, NULL, NULL, $3, '{}', 0)"
                        .into(),
                    args: vec![id.into(), datum.into(), themenfeld.1.into()],
                },
                Stmt {
                    sql: "INSERT INTO workshop_themenfeld (workshop_id, themenfeld_id) VALUES ($1, $2)"
                        .into(),
                    args: vec![id.into(), themenfeld.0.into()],
                },
                audit::eintrag(
                    wer,
                    "workshop-angelegt",
                    &format!("workshop:{id}"),
                    &[("workshop", "", &format!("{datum}, {}", themenfeld.1))],
                ),
            ];
            stmts.extend(revision.iter().cloned());
            stmts
        })
        .await?;
    Ok(Ok(id))
}
