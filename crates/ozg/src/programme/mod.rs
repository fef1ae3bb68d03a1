//! The programme database: catalogue, organisations, Umsetzungsprojekte, the plan's text, search
//! and the timeline. Queries live here; `web` renders them as pages and `api` as JSON.

pub mod abstimmung;
pub mod anhaenge;
pub mod bearbeiten;
pub mod beteiligte_edit;
pub mod beteiligung;
pub mod details;
pub mod export;
pub mod lenkungsausschuss;
pub mod lists;
pub mod model;
pub mod organisation_edit;
pub mod plan_document;
pub mod plan_pdf;
pub mod plan_report;
pub mod plan_stand;
pub mod search;
pub mod steckbrief_edit;
pub mod timeline;
pub mod verlauf;
pub mod workshop_edit;

/// The statements every change of programme data ends with: a new data revision (so every
/// instance rebuilds its read model and the PDF cache) and the time of the change.
pub fn neuer_datenstand(art: &str) -> anyhow::Result<Vec<crate::db::Stmt>> {
    Ok(vec![
        crate::db::Stmt {
            sql: "UPDATE meta SET value = $1 WHERE key = 'datenstand'".into(),
            args: vec![format!("{art}-{}", crate::members::accounts::token()?).into()],
        },
        crate::db::Stmt {
            sql: "UPDATE meta SET value = $1 WHERE key = 'geaendert'".into(),
            args: vec![plan_stand::now_iso().into()],
        },
    ])
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
pub async fn org_verzeichnis(db: &crate::db::Db) -> anyhow::Result<Vec<OrgEintrag>> {
    db.query("SELECT id, slug, name, kurzname FROM organisation", &[])
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
