//! Editing an organisation's programme data (short name, website, description) by the
//! Koordinierungsstelle. Official names and keys (AGS, ARS) come from the reference data and are
//! not edited here. Version-guarded, audited, new data revision.

use anyhow::Result;
use serde::Deserialize;

use crate::db::{Db, Stmt};
use crate::members::accounts::Feldfehler;
use crate::members::audit;

/// The form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrganisationFormular {
    /// Short name.
    #[serde(default)]
    pub kurzname: String,
    /// Website (https://…).
    #[serde(default)]
    pub url: String,
    /// Description.
    #[serde(default)]
    pub beschreibung: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// The newest audit entry when the form was loaded.
    #[serde(default)]
    pub protokoll_stand: String,
}

/// As stored.
#[derive(Debug, Clone, Deserialize)]
pub struct OrganisationDaten {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Short name.
    pub kurzname: Option<String>,
    /// Website.
    pub url: Option<String>,
    /// Description.
    pub beschreibung: Option<String>,
    /// Version.
    pub version: i64,
}

impl OrganisationDaten {
    /// The form filled with the stored values.
    pub fn formular(&self) -> OrganisationFormular {
        OrganisationFormular {
            kurzname: self.kurzname.clone().unwrap_or_default(),
            url: self.url.clone().unwrap_or_default(),
            beschreibung: self.beschreibung.clone().unwrap_or_default(),
            version: self.version.to_string(),
            protokoll_stand: String::new(),
        }
    }
}

/// Loads an organisation by slug.
pub async fn laden(db: &Db, slug: &str) -> Result<Option<OrganisationDaten>> {
    db.query_opt(
        "SELECT id, name, kurzname, url, beschreibung, version FROM organisation WHERE slug = $1",
        &[slug.into()],
    )
    .await
}

/// Checks and saves; `Ok(Ok(false))`: someone saved in between.
pub async fn speichern(
    db: &Db,
    slug: &str,
    alt: &OrganisationDaten,
    f: &OrganisationFormular,
    wer: &str,
) -> Result<Result<bool, Feldfehler>> {
    let mut e: Feldfehler = Vec::new();
    let kurzname = f.kurzname.trim();
    if kurzname.chars().count() > 60 {
        e.push(("kurzname", "Höchstens 60 Zeichen.".into()));
    }
    let url = f.url.trim();
    if !url.is_empty()
        && (!(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
            || url.len() > 300)
    {
        e.push((
            "url",
            format!("„{url}“ ist keine Web-Adresse; erwartet wird z. B. https://www.bonn.de"),
        ));
    }
    let beschreibung = f.beschreibung.trim();
    if beschreibung.chars().count() > 5000 {
        e.push(("beschreibung", "Höchstens 5000 Zeichen.".into()));
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
    let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    let felder = [
        (
            "kurzname",
            alt.kurzname.clone().unwrap_or_default(),
            kurzname.to_owned(),
        ),
        ("url", alt.url.clone().unwrap_or_default(), url.to_owned()),
        (
            "beschreibung",
            alt.beschreibung.clone().unwrap_or_default(),
            beschreibung.to_owned(),
        ),
    ];
    let felder_ref: Vec<(&str, &str, &str)> = felder
        .iter()
        .map(|(a, b, c)| (*a, b.as_str(), c.as_str()))
        .collect();
    let mut stmts = vec![
                Stmt {
                    sql: "UPDATE organisation SET kurzname = $1, url = $2, beschreibung = $3, version = version + 1 \
                          WHERE id = $4 AND version = $5"
                        .into(),
                    args: vec![
                        opt(kurzname).into(),
                        opt(url).into(),
                        opt(beschreibung).into(),
                        alt.id.into(),
                        version.into(),
                    ],
                },
                audit::eintrag(
                    wer,
                    "organisation-bearbeitet",
                    &format!("organisation:{slug}"),
                    &felder_ref,
                ),
    ];
    stmts.extend(crate::programme::neuer_datenstand("organisation")?);
    Ok(Ok(db.execute_guarded(&stmts, 0).await?))
}
