//! Workshops: the list with the projects of each (the plan's annex lists them too), and
//! editing a workshop: date, Themenfelder, place, note, participating organisations and the
//! projects that resulted. Version-guarded, audited, and a new data revision (the plan document
//! lists the workshops).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::gremien::objekte::WORKSHOP;
use crate::kern::audit::{self, Objekt};
use crate::kern::datenstand::neuer_datenstand;
use crate::kern::db::{Db, DbFehler};
use crate::kern::uhr::datum_lesen;
use crate::kern::{Fehler, Feldfehler, Uhr};
use crate::programm::{NamedRef, org_aufloesen, org_verzeichnis};
use crate::sql;

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
pub async fn laden(db: &Db, id: i64) -> Result<Option<WorkshopDaten>, DbFehler> {
    #[derive(Deserialize)]
    struct W {
        id: i64,
        datum: String,
        ort: Option<String>,
        anmerkung: Option<String>,
        version: i64,
    }
    let Some(w) = db
        .query_opt::<W>(sql!(
            "SELECT id, datum, ort, anmerkung, version FROM workshop WHERE id = $1",
            id
        ))
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
        .query(sql!("SELECT t.id, t.slug, t.name FROM workshop_themenfeld wt JOIN themenfeld t ON t.id = wt.themenfeld_id WHERE wt.workshop_id = $1 ORDER BY t.id", id))
        .await?;
    #[derive(Deserialize)]
    struct N {
        slug: String,
        name: String,
    }
    let teilnehmer: Vec<N> = db
        .query(sql!("SELECT w.organisation AS slug, COALESCE(o.name, w.organisation) AS name FROM workshop_teilnehmer w \
             LEFT JOIN organisation o ON o.slug = w.organisation WHERE w.workshop_id = $1 ORDER BY name", id))
        .await?;
    let projekte: Vec<N> = db
        .query(sql!("SELECT p.slug, p.name FROM workshop_projekt w JOIN projekt p ON p.slug = w.projekt WHERE w.workshop_id = $1 ORDER BY p.position", id))
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
pub async fn pruefen(db: &Db, f: &WorkshopFormular) -> Result<Geprueft, Fehler> {
    let mut e = Feldfehler::new();
    let datum = f.datum.trim();
    if datum_lesen(datum).is_none() {
        e.push(
            "datum",
            if datum.is_empty() {
                "Bitte geben Sie das Datum des Workshops an.".to_owned()
            } else {
                format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT.")
            },
        );
    }
    if f.ort.chars().count() > 300 {
        e.push("ort", "Höchstens 300 Zeichen.");
    }
    if f.anmerkung.chars().count() > 5000 {
        e.push("anmerkung", "Höchstens 5000 Zeichen.");
    }
    #[derive(Deserialize)]
    struct T {
        id: i64,
        slug: String,
        name: String,
    }
    let alle_tf: Vec<T> = db
        .query(sql!("SELECT id, slug, name FROM themenfeld ORDER BY id"))
        .await?;
    let mut themenfelder = Vec::new();
    for s in &f.themenfelder {
        match alle_tf.iter().find(|t| &t.slug == s) {
            Some(t) => {
                if !themenfelder.iter().any(|(i, _, _)| *i == t.id) {
                    themenfelder.push((t.id, t.slug.clone(), t.name.clone()));
                }
            }
            None => e.push("themenfeld", format!("„{s}“ ist kein Themenfeld.")),
        }
    }
    if themenfelder.is_empty() && !e.iter().any(|x| x.0 == "themenfeld") {
        e.push("themenfeld", "Bitte wählen Sie mindestens ein Themenfeld.");
    }
    let orgs = org_verzeichnis(db).await?;
    let mut teilnehmer: Vec<(String, String)> = Vec::new();
    for (i, z) in zeilen(&f.teilnehmer).into_iter().enumerate() {
        match org_aufloesen(&orgs, i + 1, z) {
            Ok(o) => {
                if !teilnehmer.iter().any(|t| t.0 == o.slug) {
                    teilnehmer.push((o.slug.clone(), o.name.clone()));
                }
            }
            Err(m) => e.push("teilnehmer", m),
        }
    }
    #[derive(Deserialize)]
    struct P {
        slug: String,
        name: String,
    }
    let alle_p: Vec<P> = db.query(sql!("SELECT slug, name FROM projekt")).await?;
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
            None => e.push(
                "projekte",
                format!("Zeile {}: „{z}“ ist kein Umsetzungsprojekt.", i + 1),
            ),
        }
    }
    let version = e.version(&f.version);
    if !e.is_empty() {
        return Err(Fehler::from(e));
    }
    Ok(Geprueft {
        datum: datum.to_owned(),
        ort: Some(f.ort.trim().to_owned()).filter(|s| !s.is_empty()),
        anmerkung: Some(f.anmerkung.trim().to_owned()).filter(|s| !s.is_empty()),
        themenfelder,
        teilnehmer,
        projekte,
        version,
    })
}

/// Saves against the version the form was loaded with; `false`: someone saved in between.
pub async fn speichern(
    db: &Db,
    uhr: &Uhr,
    alt: &WorkshopDaten,
    g: &Geprueft,
    wer: &str,
) -> Result<bool, Fehler> {
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
        sql!(
            "UPDATE workshop SET datum = $1, ort = $2, anmerkung = $3, themenfelder = $4, version = version + 1 \
                  WHERE id = $5 AND version = $6",
            g.datum.as_str(),
            g.ort.clone(),
            g.anmerkung.clone(),
            tf_namen(&g.themenfelder),
            id,
            g.version
        ),
        sql!("DELETE FROM workshop_themenfeld WHERE workshop_id = $1", id),
        sql!("DELETE FROM workshop_teilnehmer WHERE workshop_id = $1", id),
        sql!("DELETE FROM workshop_projekt WHERE workshop_id = $1", id),
    ];
    for (tf, _, _) in &g.themenfelder {
        stmts.push(sql!(
            "INSERT INTO workshop_themenfeld (workshop_id, themenfeld_id) VALUES ($1, $2)",
            id,
            *tf
        ));
    }
    for (slug, _) in &g.teilnehmer {
        stmts.push(sql!(
            "INSERT INTO workshop_teilnehmer (workshop_id, organisation) VALUES ($1, $2)",
            id,
            slug.as_str()
        ));
    }
    for (slug, _) in &g.projekte {
        stmts.push(sql!(
            "INSERT INTO workshop_projekt (workshop_id, projekt) VALUES ($1, $2)",
            id,
            slug.as_str()
        ));
    }
    stmts.push(audit::eintrag(
        uhr,
        wer,
        "workshop-bearbeitet",
        &Objekt::new(WORKSHOP, id),
        &geaendert,
    ));
    stmts.extend(neuer_datenstand(uhr, "workshop")?);
    Ok(db.execute_guarded(&stmts, 0).await?)
}

/// Creates a workshop on `datum` in one Themenfeld (the rest is filled in with the edit form).
/// Errors name the field.
pub async fn anlegen(
    db: &Db,
    uhr: &Uhr,
    datum: &str,
    themenfeld: (i64, &str),
    wer: &str,
) -> Result<i64, Fehler> {
    let datum = datum.trim();
    if datum_lesen(datum).is_none() {
        return Err(Fehler::feld(
            "datum",
            if datum.is_empty() {
                "Bitte geben Sie das Datum des Workshops an.".to_owned()
            } else {
                format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT.")
            },
        ));
    }
    let revision = neuer_datenstand(uhr, "workshop")?;
    let id = db
        .mit_neuer_id("workshop", |id| {
            let mut stmts = vec![
                sql!("INSERT INTO workshop (id, datum, ort, quelle, anmerkung, themenfelder, unsicher, version) \
                          VALUES ($1, $2, NULL, NULL, NULL, $3, '{}', 0)"
                        , id, datum, themenfeld.1),
                sql!("INSERT INTO workshop_themenfeld (workshop_id, themenfeld_id) VALUES ($1, $2)"
                        , id, themenfeld.0),
                audit::eintrag(
uhr,
wer,
"workshop-angelegt",
&Objekt::new(WORKSHOP, id),
&[("workshop", "", &format!("{datum}, {}", themenfeld.1))],
),
            ];
            stmts.extend(revision.iter().cloned());
            stmts
        })
        .await?;
    Ok(id)
}

/// A workshop.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WorkshopView {
    /// ID.
    pub id: i64,
    /// ISO date.
    pub datum: String,
    /// Place.
    pub ort: Option<String>,
    /// Where the document names it.
    pub quelle: Option<String>,
    /// Note.
    pub anmerkung: Option<String>,
    /// Themenfelder as written.
    pub themenfelder: String,
    /// Doubts.
    pub unsicher: String,
}

impl WorkshopView {
    /// German date (26.11.2019).
    pub fn datum_de(&self) -> String {
        crate::kern::uhr::datum_de(&self.datum)
    }
    /// Doubts as pairs.
    pub fn zweifel(&self) -> Vec<(String, String)> {
        serde_json::from_str::<BTreeMap<String, String>>(&self.unsicher)
            .unwrap_or_default()
            .into_iter()
            .collect()
    }
}

/// Workshops with their projects: the recorded results, else the projects of the workshop's
/// Themenfelder. Three queries, however many workshops there are.
pub async fn workshops(db: &Db) -> Result<Vec<(WorkshopView, Vec<NamedRef>)>, DbFehler> {
    let ws: Vec<WorkshopView> = db
        .query(sql!(
            "SELECT id, datum, ort, quelle, anmerkung, themenfelder, unsicher FROM workshop ORDER BY datum, id"
        ))
        .await?;
    #[derive(Deserialize)]
    struct P {
        workshop_id: i64,
        #[serde(flatten)]
        p: NamedRef,
    }
    let erfasst: Vec<P> = db
        .query(sql!(
            "SELECT wp.workshop_id, p.name, p.slug FROM workshop_projekt wp JOIN projekt p ON p.slug = wp.projekt \
             ORDER BY wp.workshop_id, p.position"
        ))
        .await?;
    let abgeleitet: Vec<P> = db
        .query(sql!(
            "SELECT DISTINCT wt.workshop_id, p.name, p.slug, p.position FROM workshop_themenfeld wt \
             JOIN projekt_themenfeld pt ON pt.themenfeld_id = wt.themenfeld_id JOIN projekt p ON p.id = pt.projekt_id \
             ORDER BY wt.workshop_id, p.position"
        ))
        .await?;
    let von = |v: &[P], id: i64| -> Vec<NamedRef> {
        v.iter()
            .filter(|x| x.workshop_id == id)
            .map(|x| x.p.clone())
            .collect()
    };
    Ok(ws
        .into_iter()
        .map(|w| {
            // Recorded results replace the list derived from the workshop's Themenfelder.
            let mut projekte = von(&erfasst, w.id);
            if projekte.is_empty() {
                projekte = von(&abgeleitet, w.id);
            }
            (w, projekte)
        })
        .collect())
}
