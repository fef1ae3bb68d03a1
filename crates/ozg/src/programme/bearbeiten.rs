//! Editing an Umsetzungsprojekt: validation with German messages per field, and the save with
//! optimistic concurrency, its audit entry and the new data revision in one transaction.

use anyhow::Result;
use ozg_domain::project::{Phase, Projektstart, Zielportal};
use ozg_domain::search::index_string;
use serde::{Deserialize, Serialize};

use crate::db::{Db, Stmt};
use crate::members::accounts::Feldfehler;
use crate::members::audit;

/// The phase columns, in the order of [`Phase::ALL`].
pub const PHASEN_SPALTEN: [&str; 6] = [
    "phase_vorbereitung",
    "phase_konzeption",
    "phase_umsetzung",
    "phase_pilotierung_nrw",
    "phase_rollout_nrw",
    "phase_rollout_bund",
];

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
    /// Start of phase vorbereitung (JJJJ-MM-TT), empty: unknown.
    #[serde(default)]
    pub phase_vorbereitung: String,
    /// Start of phase konzeption (JJJJ-MM-TT), empty: unknown.
    #[serde(default)]
    pub phase_konzeption: String,
    /// Start of phase umsetzung (JJJJ-MM-TT), empty: unknown.
    #[serde(default)]
    pub phase_umsetzung: String,
    /// Start of phase pilotierung_nrw (JJJJ-MM-TT), empty: unknown.
    #[serde(default)]
    pub phase_pilotierung_nrw: String,
    /// Start of phase rollout_nrw (JJJJ-MM-TT), empty: unknown.
    #[serde(default)]
    pub phase_rollout_nrw: String,
    /// Start of phase rollout_bund (JJJJ-MM-TT), empty: unknown.
    #[serde(default)]
    pub phase_rollout_bund: String,
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
    /// Start of phase vorbereitung.
    pub phase_vorbereitung: Option<String>,
    /// Start of phase konzeption.
    pub phase_konzeption: Option<String>,
    /// Start of phase umsetzung.
    pub phase_umsetzung: Option<String>,
    /// Start of phase pilotierung_nrw.
    pub phase_pilotierung_nrw: Option<String>,
    /// Start of phase rollout_nrw.
    pub phase_rollout_nrw: Option<String>,
    /// Start of phase rollout_bund.
    pub phase_rollout_bund: Option<String>,
    /// Version.
    pub version: i64,
}

impl ProjektFormular {
    /// The phase fields in order: (field name, label, value).
    pub fn phasen(&self) -> [(&'static str, &'static str, &str); 6] {
        let l = |p: Phase| p.label();
        [
            (
                "phase_vorbereitung",
                l(Phase::ALL[0]),
                self.phase_vorbereitung.as_str(),
            ),
            (
                "phase_konzeption",
                l(Phase::ALL[1]),
                self.phase_konzeption.as_str(),
            ),
            (
                "phase_umsetzung",
                l(Phase::ALL[2]),
                self.phase_umsetzung.as_str(),
            ),
            (
                "phase_pilotierung_nrw",
                l(Phase::ALL[3]),
                self.phase_pilotierung_nrw.as_str(),
            ),
            (
                "phase_rollout_nrw",
                l(Phase::ALL[4]),
                self.phase_rollout_nrw.as_str(),
            ),
            (
                "phase_rollout_bund",
                l(Phase::ALL[5]),
                self.phase_rollout_bund.as_str(),
            ),
        ]
    }
}

impl ProjektDaten {
    fn phasen(&self) -> [Option<String>; 6] {
        [
            self.phase_vorbereitung.clone(),
            self.phase_konzeption.clone(),
            self.phase_umsetzung.clone(),
            self.phase_pilotierung_nrw.clone(),
            self.phase_rollout_nrw.clone(),
            self.phase_rollout_bund.clone(),
        ]
    }
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
            phase_vorbereitung: self.phase_vorbereitung.clone().unwrap_or_default(),
            phase_konzeption: self.phase_konzeption.clone().unwrap_or_default(),
            phase_umsetzung: self.phase_umsetzung.clone().unwrap_or_default(),
            phase_pilotierung_nrw: self.phase_pilotierung_nrw.clone().unwrap_or_default(),
            phase_rollout_nrw: self.phase_rollout_nrw.clone().unwrap_or_default(),
            phase_rollout_bund: self.phase_rollout_bund.clone().unwrap_or_default(),
            version: self.version.to_string(),
            protokoll_stand: protokoll_stand.to_string(),
        }
    }
}

/// Loads a project by slug with its Themenfeld ids.
pub async fn laden(db: &Db, slug: &str) -> Result<Option<(ProjektDaten, Vec<i64>)>> {
    let p: Option<ProjektDaten> = db
        .query_opt(
            "SELECT id, slug, name, projektstart_text, prioritaet_nrw, prioritaet_bund, zielportal, anmerkung, version, \
             phase_vorbereitung, phase_konzeption, phase_umsetzung, phase_pilotierung_nrw, phase_rollout_nrw, phase_rollout_bund \
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
    phasen: [Option<String>; 6],
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
    // Phase dates: real dates, and each phase starts no earlier than the ones before it.
    let mut phasen: [Option<String>; 6] = Default::default();
    let mut frueher: Option<(&str, String)> = None;
    for (i, (feld, label, wert)) in f.phasen().into_iter().enumerate() {
        let wert = wert.trim();
        if wert.is_empty() {
            continue;
        }
        let ok = wert.len() == 10
            && time::Date::parse(
                wert,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .is_ok();
        if !ok {
            e.push((
                feld,
                format!("„{wert}“ ist kein Datum für den Beginn der Phase {label}; erwartet wird JJJJ-MM-TT."),
            ));
            continue;
        }
        if let Some((vorher, datum)) = &frueher
            && wert < datum.as_str()
        {
            e.push((
                feld,
                format!(
                    "Die Phase {label} kann nicht vor der Phase {vorher} ({}) beginnen.",
                    crate::programme::plan_stand::datum_de(datum)
                ),
            ));
        }
        frueher = Some((label, wert.to_owned()));
        phasen[i] = Some(wert.to_owned());
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
        phasen,
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
    let alte_phasen = alt.phasen();
    let mut felder = vec![
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
    for (i, spalte) in PHASEN_SPALTEN.iter().enumerate() {
        felder.push((
            spalte,
            alte_phasen[i].clone().unwrap_or_default(),
            g.phasen[i].clone().unwrap_or_default(),
        ));
    }
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
    let mut stmts = vec![
        Stmt {
            sql: "UPDATE projekt SET name = $1, projektstart_text = $2, projektstart_art = $3, start_ordinal = $4, \
                  prioritaet_nrw = $5, prioritaet_bund = $6, zielportal = $7, anmerkung = $8, version = version + 1, \
                  phase_vorbereitung = $11, phase_konzeption = $12, phase_umsetzung = $13, phase_pilotierung_nrw = $14, \
                  phase_rollout_nrw = $15, phase_rollout_bund = $16 \
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
                g.phasen[0].clone().into(),
                g.phasen[1].clone().into(),
                g.phasen[2].clone().into(),
                g.phasen[3].clone().into(),
                g.phasen[4].clone().into(),
                g.phasen[5].clone().into(),
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
    ];
    // Every write changes the data revision, so every instance rebuilds its read model.
    stmts.extend(crate::programme::neuer_datenstand("bearbeitet")?);
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
            ..Default::default()
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
