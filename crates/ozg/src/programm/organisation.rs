//! Editing an organisation's programme data (short name, website, description) by the
//! Koordinierungsstelle. Official names and keys (AGS, ARS) come from the reference data and are
//! not edited here. Version-guarded, audited, new data revision.

use serde::Deserialize;

use crate::kern::audit;
use crate::kern::db::{Db, DbFehler};
use crate::kern::{Fehler, Feldfehler, Uhr};
use crate::sql;

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
pub async fn laden(db: &Db, slug: &str) -> Result<Option<OrganisationDaten>, DbFehler> {
    db.query_opt(sql!(
        "SELECT id, name, kurzname, url, beschreibung, version FROM organisation WHERE slug = $1",
        slug
    ))
    .await
}

/// Checks and saves; `Ok(false)`: someone saved in between. Wrong fields: [`Fehler::Ungueltig`].
pub async fn speichern(
    db: &Db,
    uhr: &Uhr,
    slug: &str,
    alt: &OrganisationDaten,
    f: &OrganisationFormular,
    wer: &str,
) -> Result<bool, Fehler> {
    let mut e = Feldfehler::new();
    let kurzname = f.kurzname.trim();
    if kurzname.chars().count() > 60 {
        e.push("kurzname", "Höchstens 60 Zeichen.");
    }
    let url = f.url.trim();
    if !url.is_empty()
        && (!(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
            || url.len() > 300)
    {
        e.push(
            "url",
            format!("„{url}“ ist keine Web-Adresse; erwartet wird z. B. https://www.bonn.de"),
        );
    }
    let beschreibung = f.beschreibung.trim();
    if beschreibung.chars().count() > 5000 {
        e.push("beschreibung", "Höchstens 5000 Zeichen.");
    }
    let version = e.version(&f.version);
    if !e.is_empty() {
        return Err(Fehler::from(e));
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
        sql!(
            "UPDATE organisation SET kurzname = $1, url = $2, beschreibung = $3, version = version + 1 \
                          WHERE id = $4 AND version = $5",
            opt(kurzname),
            opt(url),
            opt(beschreibung),
            alt.id,
            version
        ),
        audit::eintrag(
            uhr,
            wer,
            "organisation-bearbeitet",
            &audit::Objekt::new(crate::programm::objekte::ORGANISATION, slug),
            &felder_ref,
        ),
    ];
    stmts.extend(crate::kern::datenstand::neuer_datenstand(
        uhr,
        "organisation",
    )?);
    Ok(db.execute_guarded(&stmts, 0).await?)
}

/// An organisation as the edit forms resolve names against it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct OrgEintrag {
    /// Id.
    pub id: i64,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Short name.
    pub kurzname: Option<String>,
}

/// All organisations, for [`org_aufloesen`].
pub async fn org_verzeichnis(db: &Db) -> Result<Vec<OrgEintrag>, DbFehler> {
    db.query(sql!("SELECT id, slug, name, kurzname FROM organisation"))
        .await
}

/// Resolves one line of an edit form (name, short name or slug, case-insensitive) to one
/// organisation; the error names the line and, when ambiguous, the slugs to choose from.
pub fn org_aufloesen<'a>(
    orgs: &'a [OrgEintrag],
    zeile_nr: usize,
    z: &str,
) -> Result<&'a OrgEintrag, String> {
    let treffer: Vec<&OrgEintrag> = orgs
        .iter()
        .filter(|o| {
            o.slug == z
                || o.name.eq_ignore_ascii_case(z)
                || o.kurzname
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case(z))
        })
        .collect();
    match treffer.as_slice() {
        [o] => Ok(o),
        [] => Err(format!(
            "Zeile {zeile_nr}: „{z}“ ist keine bekannte Organisation (Name, Kurzname oder Kennung wie in /organisationen)."
        )),
        _ => Err(format!(
            "Zeile {zeile_nr}: „{z}“ ist mehrdeutig; bitte die Kennung angeben ({}).",
            treffer
                .iter()
                .map(|o| o.slug.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
