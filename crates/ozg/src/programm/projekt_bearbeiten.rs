//! Editing an Umsetzungsprojekt: validation with German messages per field, and the save with
//! optimistic concurrency, its audit entry and the new data revision in one transaction. Also
//! what other capabilities may ask of a project ([`ProjektKopf`]) and the one write they may
//! cause (the Umsetzung phase an approval starts).

use ozg_domain::access::{Aktion, darf_fuer};
use ozg_domain::plan::SteckbriefFile;
use ozg_domain::project::{Phase, Phasen, Projektstart, Zielportal};
use ozg_domain::search::index_string;
use serde::{Deserialize, Serialize};

use crate::kern::audit::{self, Objekt};
use crate::kern::datenstand::neuer_datenstand;
use crate::kern::db::{Db, DbFehler, Stmt};
use crate::kern::sitzung::anmelden_bitte;
use crate::kern::uhr::{datum_de, datum_lesen};
use crate::kern::{Fehler, Feldfehler, Sitzung, Uhr};
use crate::programm::objekte::PROJEKT;
use crate::sql;

/// A project as permissions and other capabilities need it.
#[derive(Debug, Clone, Deserialize)]
pub struct ProjektKopf {
    /// Id.
    pub id: i64,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Edit version.
    pub version: i64,
    /// Its Themenfelder (ids).
    #[serde(default)]
    pub themenfeld_ids: Vec<i64>,
}

/// A project by slug, with its Themenfelder.
pub async fn projekt_kopf(db: &Db, slug: &str) -> Result<Option<ProjektKopf>, DbFehler> {
    let p: Option<ProjektKopf> = db
        .query_opt(sql!(
            "SELECT id, slug, name, version FROM projekt WHERE slug = $1",
            slug
        ))
        .await?;
    let Some(mut p) = p else { return Ok(None) };
    #[derive(Deserialize)]
    struct T {
        themenfeld_id: i64,
    }
    let tfs: Vec<T> = db
        .query(sql!(
            "SELECT themenfeld_id FROM projekt_themenfeld WHERE projekt_id = $1",
            p.id
        ))
        .await?;
    p.themenfeld_ids = tfs.into_iter().map(|t| t.themenfeld_id).collect();
    Ok(Some(p))
}

/// The project of `slug` if the session may do `aktion` on it (anywhere, or in one of its
/// Themenfelder); else 403 (with `verweigert` as the reason) or 404.
pub async fn projekt_fuer<'a>(
    db: &Db,
    slug: &str,
    s: Option<&'a Sitzung>,
    aktion: Aktion,
    verweigert: &str,
) -> Result<(&'a Sitzung, ProjektKopf), Fehler> {
    let s = s.ok_or_else(anmelden_bitte)?;
    let p = projekt_kopf(db, slug)
        .await?
        .ok_or_else(|| nicht_gefunden(slug))?;
    if !darf_fuer(Some(&s.nutzer), aktion, &p.themenfeld_ids) {
        return Err(Fehler::verboten(verweigert));
    }
    Ok((s, p))
}

/// 404 for a project.
pub fn nicht_gefunden(slug: &str) -> Fehler {
    Fehler::nicht_gefunden(format!("Ein Umsetzungsprojekt „{slug}“ gibt es nicht."))
}

/// The published Steckbrief of a project, if any.
pub async fn steckbrief_von(db: &Db, slug: &str) -> Result<Option<SteckbriefFile>, DbFehler> {
    let text = db
        .scalar_text(sql!("SELECT steckbrief FROM projekt WHERE slug = $1", slug))
        .await?;
    Ok(text.and_then(|s| serde_json::from_str(&s).ok()))
}

/// An approved variant starts the Umsetzung phase on the decision date, unless that phase has a
/// date already: the statements (with the new data revision), or none. The derived status
/// follows by itself.
pub async fn umsetzung_beginnen(
    db: &Db,
    uhr: &Uhr,
    slug: &str,
    datum: &str,
) -> Result<Vec<Stmt>, Fehler> {
    let alt = db
        .scalar_text(sql!(
            "SELECT phase_umsetzung FROM projekt WHERE slug = $1",
            slug
        ))
        .await?;
    if alt.is_some() {
        return Ok(Vec::new());
    }
    let mut stmts = vec![sql!(
        "UPDATE projekt SET phase_umsetzung = $1, version = version + 1 WHERE slug = $2 AND phase_umsetzung IS NULL",
        datum,
        slug
    )];
    stmts.extend(neuer_datenstand(uhr, "beschluss")?);
    Ok(stmts)
}

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
    /// Note (public, part of the plan).
    #[serde(default)]
    pub anmerkung: String,
    /// Note for members only.
    #[serde(default)]
    pub interne_notiz: String,
    /// Start dates of the phases (JJJJ-MM-TT), empty: unknown.
    #[serde(flatten)]
    pub phasen: Phasen,
    /// The version the form was loaded with.
    #[serde(default)]
    pub version: String,
    /// The newest audit entry when the form was loaded (to show what changed meanwhile).
    #[serde(default)]
    pub protokoll_stand: String,
}

impl ProjektFormular {
    /// The phase fields in order: (field name, label, value).
    pub fn phasen(&self) -> Vec<(&'static str, &'static str, &str)> {
        self.phasen
            .iter()
            .map(|(p, d)| (p.feld(), p.label(), d.unwrap_or("")))
            .collect()
    }
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
    /// Note (public).
    pub anmerkung: Option<String>,
    /// Note for members only.
    pub interne_notiz: Option<String>,
    /// Start dates of the phases.
    #[serde(flatten)]
    pub phasen: Phasen,
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
            interne_notiz: self.interne_notiz.clone().unwrap_or_default(),
            phasen: self.phasen.clone(),
            version: self.version.to_string(),
            protokoll_stand: protokoll_stand.to_string(),
        }
    }
}

/// Loads a project's editable fields by slug.
pub async fn laden(db: &Db, slug: &str) -> Result<Option<ProjektDaten>, DbFehler> {
    db.query_opt(sql!(
        "SELECT id, slug, name, projektstart_text, prioritaet_nrw, prioritaet_bund, zielportal, anmerkung, interne_notiz, version, \
         phase_vorbereitung, phase_konzeption, phase_umsetzung, phase_pilotierung_nrw, phase_rollout_nrw, phase_rollout_bund \
         FROM projekt WHERE slug = $1",
        slug
    ))
    .await
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
    interne_notiz: Option<String>,
    phasen: Phasen,
    version: i64,
}

/// Validates the form; every error names its field.
pub fn pruefen(f: &ProjektFormular) -> Result<Geprueft, Feldfehler> {
    let mut e = Feldfehler::new();
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        e.push(
            "name",
            "Bitte geben Sie einen Namen an (höchstens 200 Zeichen).",
        );
    }
    let projektstart = match f.projektstart.trim() {
        "" => None,
        s => match Projektstart::parse(s) {
            Ok(p) => Some(p),
            Err(m) => {
                e.push("projektstart", m.0);
                None
            }
        },
    };
    let prio = |feld: &'static str, v: &str, max: i64, e: &mut Feldfehler| match v.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Some(n),
            _ => {
                e.push(
                    feld,
                    format!(
                        "„{s}“ ist keine Priorität: erlaubt sind 1 bis {max} oder leer (unbekannt)."
                    ),
                );
                None
            }
        },
    };
    let prioritaet_nrw = prio("prioritaet_nrw", &f.prioritaet_nrw, 3, &mut e);
    let prioritaet_bund = prio("prioritaet_bund", &f.prioritaet_bund, 4, &mut e);
    let zielportal = match f.zielportal.trim() {
        "" => None,
        s => match Zielportal::parse(s) {
            Ok(z) => Some(z),
            Err(m) => {
                e.push("zielportal", m);
                None
            }
        },
    };
    let anmerkung = f.anmerkung.trim();
    if anmerkung.chars().count() > 5000 {
        e.push(
            "anmerkung",
            "Die Anmerkung darf höchstens 5000 Zeichen lang sein.",
        );
    }
    let interne_notiz = f.interne_notiz.trim();
    if interne_notiz.chars().count() > 5000 {
        e.push(
            "interne_notiz",
            "Die interne Notiz darf höchstens 5000 Zeichen lang sein.",
        );
    }
    // Phase dates: real dates, and each phase starts no earlier than the ones before it.
    let mut phasen = Phasen::default();
    let mut frueher: Option<(Phase, String)> = None;
    for (phase, wert) in f.phasen.iter() {
        let wert = wert.unwrap_or("").trim();
        if wert.is_empty() {
            continue;
        }
        if datum_lesen(wert).is_none() {
            e.push(
                phase.feld(),
                format!(
                    "„{wert}“ ist kein Datum für den Beginn der Phase {}; erwartet wird JJJJ-MM-TT.",
                    phase.label()
                ),
            );
            continue;
        }
        if let Some((vorher, datum)) = &frueher
            && wert < datum.as_str()
        {
            e.push(
                phase.feld(),
                format!(
                    "Die Phase {} kann nicht vor der Phase {} ({}) beginnen.",
                    phase.label(),
                    vorher.label(),
                    datum_de(datum)
                ),
            );
        }
        frueher = Some((phase, wert.to_owned()));
        phasen.setzen(phase, Some(wert.to_owned()));
    }
    let version = e.version(&f.version);
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
        interne_notiz: Some(interne_notiz.to_owned()).filter(|a| !a.is_empty()),
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
    uhr: &Uhr,
    alt: &ProjektDaten,
    g: &Geprueft,
    wer: &str,
) -> Result<Gespeichert, Fehler> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let neu_start = g.projektstart.map(|p| p.to_string());
    let neu_zp = g.zielportal.map(|z| z.key().to_owned());
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
        (
            "interne_notiz",
            alt.interne_notiz.clone().unwrap_or_default(),
            g.interne_notiz.clone().unwrap_or_default(),
        ),
    ];
    for p in Phase::ALL {
        felder.push((
            p.feld(),
            alt.phasen.get(p).unwrap_or("").to_owned(),
            g.phasen.get(p).unwrap_or("").to_owned(),
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
    let [v, k, u, p, rn, rb] = g.phasen.daten();
    let mut stmts = vec![
        sql!(
            "UPDATE projekt SET name = $1, projektstart_text = $2, projektstart_art = $3, start_ordinal = $4, \
             prioritaet_nrw = $5, prioritaet_bund = $6, zielportal = $7, anmerkung = $8, version = version + 1, \
             phase_vorbereitung = $11, phase_konzeption = $12, phase_umsetzung = $13, phase_pilotierung_nrw = $14, \
             phase_rollout_nrw = $15, phase_rollout_bund = $16, interne_notiz = $17 \
             WHERE id = $9 AND version = $10",
            g.name.as_str(),
            neu_start,
            g.projektstart.map(|p| p.kind().to_owned()),
            g.projektstart.and_then(Projektstart::ordinal),
            g.prioritaet_nrw,
            g.prioritaet_bund,
            neu_zp,
            g.anmerkung.clone(),
            alt.id,
            g.version,
            v,
            k,
            u,
            p,
            rn,
            rb,
            g.interne_notiz.clone()
        ),
        sql!(
            // The terms are the title's terms followed by the rest (Themenfelder, roles, …):
            // swap the title's part so the new name is found.
            "UPDATE search_doc SET title = $1, title_terms = $2, \
             terms = $2 || substr(terms, length(title_terms) + 1) \
             WHERE kind = 'projekt' AND url = $3",
            g.name.as_str(),
            index_string(&g.name),
            format!("/projekte/{}", alt.slug)
        ),
        audit::eintrag(
            uhr,
            wer,
            "projekt-bearbeitet",
            &Objekt::new(PROJEKT, &alt.slug),
            &geaendert,
        ),
    ];
    // Every write changes the data revision, so every instance rebuilds its read model.
    stmts.extend(neuer_datenstand(uhr, "bearbeitet")?);
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
