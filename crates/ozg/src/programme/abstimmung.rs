//! Priority reconciliation: projects whose kommunale Priorität NRW differs from the
//! Bund-Länder-Priorität, with the status of the negotiation about each divergence. Where the
//! plan itself explains a divergence (e.g. footnote 5, Kindertagesbetreuung 1 vs 3), that text
//! is the starting point until the Koordinierungsstelle records a status.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::db::{Db, Stmt};
use crate::members::audit;
use crate::programme::details;
use crate::programme::plan_stand::now_iso;

/// The negotiation states, in order.
pub const STATUS: [(&str, &str); 5] = [
    ("offen", "offen"),
    ("in-klaerung", "in Klärung mit der Bund-Länder-Ebene"),
    ("nrw-gilt", "geklärt: NRW-Priorität gilt für die Kommunen"),
    ("angeglichen", "geklärt: Prioritäten angeglichen"),
    ("entfallen", "entfallen (Projekt nicht weiter verfolgt)"),
];

/// Label of a status key.
pub fn status_label(key: &str) -> &'static str {
    STATUS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or("unbekannt")
}

/// One divergent project.
#[derive(Debug, Clone, Serialize)]
pub struct Abweichung {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// NRW priority.
    pub nrw: i64,
    /// Bund-Länder priority.
    pub bund: i64,
    /// Status key.
    pub status: String,
    /// Note on the negotiation.
    pub notiz: String,
    /// Who recorded the status, and when; None while only the plan's text stands.
    pub erfasst: Option<(String, String)>,
}

impl Abweichung {
    /// Status label.
    pub fn status_text(&self) -> &'static str {
        status_label(&self.status)
    }
    /// Steps between the two priorities.
    pub fn abstand(&self) -> i64 {
        (self.nrw - self.bund).abs()
    }
}

#[derive(Deserialize)]
struct Row {
    slug: String,
    name: String,
    prioritaet_nrw: i64,
    prioritaet_bund: i64,
    status: Option<String>,
    notiz: Option<String>,
    geaendert: Option<String>,
    konto: Option<String>,
}

/// All divergent projects, largest divergence first.
pub async fn liste(db: &Db) -> Result<Vec<Abweichung>> {
    let rows: Vec<Row> = db
        .query(
            "SELECT p.slug, p.name, p.prioritaet_nrw, p.prioritaet_bund, a.status, a.notiz, a.geaendert, a.konto \
             FROM projekt p LEFT JOIN prioritaet_abstimmung a ON a.slug = p.slug \
             WHERE p.prioritaet_nrw IS NOT NULL AND p.prioritaet_bund IS NOT NULL AND p.prioritaet_nrw <> p.prioritaet_bund \
             ORDER BY p.position",
            &[],
        )
        .await?;
    let (programm, _) = details::programm(db).await?;
    let texte = programm.map(|p| p.divergenz).unwrap_or_default();
    let mut out: Vec<Abweichung> = rows
        .into_iter()
        .map(|r| {
            let plan = texte
                .iter()
                .find(|d| d.projekt == r.name)
                .map(|d| d.text.clone());
            let erfasst = r.geaendert.zip(r.konto).map(|(g, k)| (k, g));
            Abweichung {
                status: r.status.unwrap_or_else(|| {
                    if plan.is_some() {
                        "in-klaerung"
                    } else {
                        "offen"
                    }
                    .into()
                }),
                notiz: r.notiz.or(plan).unwrap_or_default(),
                erfasst,
                slug: r.slug,
                name: r.name,
                nrw: r.prioritaet_nrw,
                bund: r.prioritaet_bund,
            }
        })
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.abstand()));
    Ok(out)
}

/// Records the negotiation status of a divergent project (with its audit entry). Errors name
/// the field and change nothing.
pub async fn erfassen(
    db: &Db,
    slug: &str,
    status: &str,
    notiz: &str,
    wer: &str,
) -> Result<Result<(), (&'static str, String)>> {
    let Some(alt) = liste(db).await?.into_iter().find(|a| a.slug == slug) else {
        return Ok(Err((
            "projekt",
            format!("„{slug}“ ist kein Projekt mit abweichender Priorität."),
        )));
    };
    if !STATUS.iter().any(|(k, _)| *k == status) {
        return Ok(Err((
            "status",
            format!(
                "„{status}“ ist kein Stand der Abstimmung: erlaubt sind {}",
                STATUS.map(|s| s.0).join(", ")
            ),
        )));
    }
    let notiz = notiz.trim();
    if notiz.chars().count() > 5000 {
        return Ok(Err((
            "notiz",
            "Die Notiz darf höchstens 5000 Zeichen lang sein.".into(),
        )));
    }
    db.execute_all(&[
        Stmt {
            sql: "DELETE FROM prioritaet_abstimmung WHERE slug = $1".into(),
            args: vec![slug.into()],
        },
        Stmt {
            sql: "INSERT INTO prioritaet_abstimmung (slug, status, notiz, geaendert, konto) VALUES ($1, $2, $3, $4, $5)".into(),
            args: vec![slug.into(), status.into(), notiz.into(), now_iso().into(), wer.into()],
        },
        audit::eintrag(
            wer,
            "prioritaet-abstimmung",
            &format!("projekt:{slug}"),
            &[("abstimmung", &alt.status, status), ("notiz", &alt.notiz, notiz)],
        ),
    ])
    .await?;
    Ok(Ok(()))
}
