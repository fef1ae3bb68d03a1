//! Editing a project's organisations (Projektleitung, Mitarbeit, Interesse) and its links to
//! OZG-Leistungen. Names resolve to the organisation directory; entries the plan records as
//! text only stay as they are. Version-guarded (the project's version), audited, new revision.

use serde::Deserialize;

use crate::kern::audit;
use crate::kern::db::{Db, DbFehler};
use crate::kern::{Fehler, Feldfehler, Uhr};
use crate::programm::organisation::{org_aufloesen, org_verzeichnis};
use crate::sql;

/// The roles this form edits: (key, label, form field).
pub const ROLLEN: [(&str, &str, &str); 3] = [
    ("projektleitung", "Projektleitung", "projektleitung"),
    ("mitarbeit", "Mitarbeit zugesichert", "mitarbeit"),
    ("interesse", "Interesse an Mitarbeit", "interesse"),
];

/// The form as typed: one organisation per line per role, one OZG-ID per line.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BeteiligteFormular {
    /// Projektleitung.
    #[serde(default)]
    pub projektleitung: String,
    /// Mitarbeit.
    #[serde(default)]
    pub mitarbeit: String,
    /// Interesse.
    #[serde(default)]
    pub interesse: String,
    /// OZG-Leistungen ("10019" or "10019 Kindertagesbetreuung").
    #[serde(default)]
    pub ozg_leistungen: String,
    /// Version of the project.
    #[serde(default)]
    pub version: String,
    /// The newest audit entry when the form was loaded.
    #[serde(default)]
    pub protokoll_stand: String,
}

impl BeteiligteFormular {
    /// The text of a role's field.
    pub fn rolle(&self, key: &str) -> &str {
        match key {
            "projektleitung" => &self.projektleitung,
            "mitarbeit" => &self.mitarbeit,
            _ => &self.interesse,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
struct RolleRow {
    rolle: String,
    organisation_id: Option<i64>,
    org_name: Option<String>,
    text: String,
    hinweis: Option<String>,
    unsicher: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct LeistungRow {
    ozg_id: i64,
    name: String,
    quelle: String,
    hinweis: Option<String>,
}

/// What is stored now.
pub struct Bestand {
    /// Project id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Version.
    pub version: i64,
    rollen: Vec<RolleRow>,
    leistungen: Vec<LeistungRow>,
}

impl Bestand {
    /// The roles and links as the audit log writes them: (label, value).
    pub fn als_text(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = ROLLEN
            .iter()
            .map(|(rolle, label, _)| {
                (
                    *label,
                    self.rollen
                        .iter()
                        .filter(|r| r.rolle == *rolle)
                        .map(|r| r.org_name.clone().unwrap_or_else(|| r.text.clone()))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })
            .collect();
        out.push((
            "OZG-Leistungen",
            self.leistungen
                .iter()
                .map(|l| l.ozg_id.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
        out
    }

    /// The form filled with the stored values.
    pub fn formular(&self) -> BeteiligteFormular {
        let zeilen = |rolle: &str| {
            self.rollen
                .iter()
                .filter(|r| r.rolle == rolle)
                .map(|r| r.org_name.clone().unwrap_or_else(|| r.text.clone()))
                .collect::<Vec<_>>()
                .join("\n")
        };
        BeteiligteFormular {
            projektleitung: zeilen("projektleitung"),
            mitarbeit: zeilen("mitarbeit"),
            interesse: zeilen("interesse"),
            ozg_leistungen: self
                .leistungen
                .iter()
                .map(|l| format!("{} {}", l.ozg_id, l.name))
                .collect::<Vec<_>>()
                .join("\n"),
            version: self.version.to_string(),
            protokoll_stand: String::new(),
        }
    }
}

/// Loads the project's roles and links.
pub async fn laden(db: &Db, slug: &str) -> Result<Option<Bestand>, DbFehler> {
    #[derive(Deserialize)]
    struct P {
        id: i64,
        name: String,
        version: i64,
    }
    let Some(p) = db
        .query_opt::<P>(sql!(
            "SELECT id, name, version FROM projekt WHERE slug = $1",
            slug
        ))
        .await?
    else {
        return Ok(None);
    };
    let rollen = db
        .query(sql!("SELECT r.rolle, r.organisation_id, o.name AS org_name, r.text, r.hinweis, r.unsicher FROM projekt_rolle r \
             LEFT JOIN organisation o ON o.id = r.organisation_id \
             WHERE r.projekt_id = $1 AND r.rolle IN ('projektleitung', 'mitarbeit', 'interesse') ORDER BY r.position", p.id))
        .await?;
    let leistungen = db
        .query(sql!("SELECT po.ozg_id, o.name, po.quelle, po.hinweis FROM projekt_ozg_leistung po JOIN ozg_leistung o ON o.ozg_id = po.ozg_id \
             WHERE po.projekt_id = $1 ORDER BY po.ozg_id", p.id))
        .await?;
    Ok(Some(Bestand {
        id: p.id,
        name: p.name,
        version: p.version,
        rollen,
        leistungen,
    }))
}

/// A checked role entry.
#[derive(Debug, Clone)]
struct Eintrag {
    rolle: &'static str,
    anzeige: String,
    organisation_id: Option<i64>,
    text: String,
    hinweis: Option<String>,
    unsicher: Option<String>,
}

/// Checked values.
pub struct Geprueft {
    eintraege: Vec<Eintrag>,
    leistungen: Vec<(i64, String, String, Option<String>)>,
    version: i64,
}

/// Checks the form; every error names its field and line.
pub async fn pruefen(db: &Db, alt: &Bestand, f: &BeteiligteFormular) -> Result<Geprueft, Fehler> {
    let orgs = org_verzeichnis(db).await?;
    let mut e = Feldfehler::new();
    let mut eintraege = Vec::new();
    for (rolle, _, feld) in ROLLEN {
        for (i, z) in f
            .rolle(rolle)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            // The plan's own entries (also text-only ones) stay with their notes.
            if let Some(r) = alt
                .rollen
                .iter()
                .find(|r| r.rolle == rolle && (r.org_name.as_deref() == Some(z) || r.text == z))
            {
                eintraege.push(Eintrag {
                    rolle,
                    anzeige: r.org_name.clone().unwrap_or_else(|| r.text.clone()),
                    organisation_id: r.organisation_id,
                    text: r.text.clone(),
                    hinweis: r.hinweis.clone(),
                    unsicher: r.unsicher.clone(),
                });
                continue;
            }
            match org_aufloesen(&orgs, i + 1, z) {
                Ok(o) => eintraege.push(Eintrag {
                    rolle,
                    anzeige: o.name.clone(),
                    organisation_id: Some(o.id),
                    text: o.name.clone(),
                    hinweis: None,
                    unsicher: None,
                }),
                Err(m) => e.push(feld, m),
            }
        }
    }
    #[derive(Deserialize)]
    struct L {
        ozg_id: i64,
        name: String,
    }
    let mut leistungen: Vec<(i64, String, String, Option<String>)> = Vec::new();
    for (i, z) in f
        .ozg_leistungen
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let nr = z.split_whitespace().next().unwrap_or("");
        let Ok(id) = nr.parse::<i64>() else {
            e.push(
                "ozg_leistungen",
                format!(
                    "Zeile {}: „{z}“ beginnt nicht mit einer OZG-ID (z. B. 10019).",
                    i + 1
                ),
            );
            continue;
        };
        let l: Option<L> = db
            .query_opt(sql!(
                "SELECT ozg_id, name FROM ozg_leistung WHERE ozg_id = $1",
                id
            ))
            .await?;
        match l {
            Some(l) => {
                if leistungen.iter().any(|x| x.0 == l.ozg_id) {
                    continue;
                }
                let alt_l = alt.leistungen.iter().find(|x| x.ozg_id == l.ozg_id);
                leistungen.push((
                    l.ozg_id,
                    l.name,
                    alt_l
                        .map(|x| x.quelle.clone())
                        .unwrap_or_else(|| "bearbeitet".into()),
                    alt_l.and_then(|x| x.hinweis.clone()),
                ));
            }
            None => e.push(
                "ozg_leistungen",
                format!("Zeile {}: die OZG-ID {id} gibt es im Katalog nicht.", i + 1),
            ),
        }
    }
    let version = e.version(&f.version);
    if !e.is_empty() {
        return Err(Fehler::from(e));
    }
    Ok(Geprueft {
        eintraege,
        leistungen,
        version,
    })
}

/// Saves against the version the form was loaded with; `false`: someone saved in between.
pub async fn speichern(
    db: &Db,
    uhr: &Uhr,
    slug: &str,
    alt: &Bestand,
    g: &Geprueft,
    wer: &str,
) -> Result<bool, Fehler> {
    let mut felder: Vec<(String, String, String)> = Vec::new();
    for (rolle, label, _) in ROLLEN {
        let vorher = alt
            .rollen
            .iter()
            .filter(|r| r.rolle == rolle)
            .map(|r| r.org_name.clone().unwrap_or_else(|| r.text.clone()))
            .collect::<Vec<_>>()
            .join(", ");
        let nachher = g
            .eintraege
            .iter()
            .filter(|r| r.rolle == rolle)
            .map(|r| r.anzeige.clone())
            .collect::<Vec<_>>()
            .join(", ");
        felder.push((label.to_owned(), vorher, nachher));
    }
    felder.push((
        "OZG-Leistungen".into(),
        alt.leistungen
            .iter()
            .map(|l| l.ozg_id.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        g.leistungen
            .iter()
            .map(|l| l.0.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    ));
    let felder_ref: Vec<(&str, &str, &str)> = felder
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let mut stmts = vec![
        sql!(
            "UPDATE projekt SET version = version + 1 WHERE id = $1 AND version = $2",
            alt.id,
            g.version
        ),
        sql!(
            "DELETE FROM projekt_rolle WHERE projekt_id = $1 AND rolle IN ('projektleitung', 'mitarbeit', 'interesse')",
            alt.id
        ),
        sql!(
            "DELETE FROM projekt_ozg_leistung WHERE projekt_id = $1",
            alt.id
        ),
    ];
    let ids = db.neue_ids("projekt_rolle", g.eintraege.len()).await?;
    for ((i, r), id) in g.eintraege.iter().enumerate().zip(ids) {
        stmts.push(sql!("INSERT INTO projekt_rolle (id, projekt_id, rolle, organisation_id, text, hinweis, offen, unsicher, position) \
                  VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)"
                , id, alt.id, r.rolle, r.organisation_id, r.text.as_str(), r.hinweis.clone(), r.unsicher.clone(), i as i64));
    }
    for (ozg_id, _, quelle, hinweis) in &g.leistungen {
        stmts.push(sql!("INSERT INTO projekt_ozg_leistung (projekt_id, ozg_id, quelle, hinweis) VALUES ($1, $2, $3, $4)", alt.id, *ozg_id, quelle.as_str(), hinweis.clone()));
    }
    stmts.push(audit::eintrag(
        uhr,
        wer,
        "beteiligte-bearbeitet",
        &audit::Objekt::new(crate::programm::objekte::PROJEKT, slug),
        &felder_ref,
    ));
    stmts.extend(crate::kern::datenstand::neuer_datenstand(
        uhr,
        "beteiligte",
    )?);
    Ok(db.execute_guarded(&stmts, 0).await?)
}
