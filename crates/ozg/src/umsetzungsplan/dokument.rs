//! The Umsetzungsplan as a document, generated from the live data: the structure of the 2020
//! plan (introduction, section 1, one table per Themenfeld, Steckbriefe, next steps, workshop
//! annex), rendered as an accessible, printable HTML page and as XLSX with one sheet per
//! Themenfeld.

use std::collections::BTreeMap;

use ozg_domain::plan::{ProgrammFile, SteckbriefFile, UebersichtEintrag, Unsicher};
use serde::{Deserialize, Serialize};

use crate::gremien::{WorkshopView, workshop_liste};
use crate::kern::db::Db;
use crate::kern::tabelle::{Table, workbook};
use crate::kern::{Fehler, Uhr};
use crate::programm::{
    ListQuery, NamedRef, Page, ProjektItem, ReadModel, ThemenfeldAbschnitt, programm,
    projekt_filter, projekt_table, projekte, themenfeld_abschnitt,
};
use crate::sql;

type Result<T, E = Fehler> = std::result::Result<T, E>;

/// One Themenfeld section of the document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Abschnitt {
    /// Themenfeld name.
    pub name: String,
    /// Themenfeld slug.
    pub slug: String,
    /// Section data (number, note, Projektleitung, Leistungen table).
    pub daten: ThemenfeldAbschnitt,
    /// Projects in plan order.
    pub projekte: Vec<ProjektItem>,
}

/// A Steckbrief with its project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SteckbriefEintrag {
    /// Project slug.
    pub slug: String,
    /// Steckbrief.
    pub steckbrief: SteckbriefFile,
}

/// Fields of a project that only the members' variant shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProjektIntern {
    /// The plan's note (public; repeated here next to the internal note).
    pub anmerkung: Option<String>,
    /// Uncertain values with the reason (public).
    #[serde(default)]
    pub unsicher: Unsicher,
    /// The members' internal note (never in the public document).
    #[serde(default)]
    pub notiz: Option<String>,
}

/// The whole document. It is also what a plan snapshot ("Stand") stores, so a document can be
/// printed as of any snapshot and two snapshots can be compared.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanDocument {
    /// "Stand" date (ISO) of the generated document.
    pub stand: String,
    /// Programme text.
    pub programm: Option<ProgrammFile>,
    /// Section 1 entries with their project slugs.
    pub uebersicht: Vec<(UebersichtEintrag, Option<String>)>,
    /// Sections 2.1–2.14.
    pub abschnitte: Vec<Abschnitt>,
    /// Section 3.
    pub steckbriefe: Vec<SteckbriefEintrag>,
    /// Annex.
    pub workshops: Vec<(WorkshopView, Vec<NamedRef>)>,
    /// Internal fields per project slug (members' variant only).
    #[serde(default)]
    pub intern: BTreeMap<String, ProjektIntern>,
}

#[derive(Deserialize)]
struct TfRow {
    id: i64,
    name: String,
    slug: String,
}

#[derive(Deserialize)]
struct InternRow {
    slug: String,
    anmerkung: Option<String>,
    unsicher: String,
    interne_notiz: Option<String>,
}

#[derive(Deserialize)]
struct SbRow {
    slug: String,
    steckbrief: String,
}

impl PlanDocument {
    /// Collects the document from the database and the read model.
    pub async fn load(db: &Db, uhr: &Uhr, model: &ReadModel) -> Result<PlanDocument> {
        let stand = uhr.heute_iso();
        let (programm, uebersicht) = programm(db).await?;
        let tfs: Vec<TfRow> = db
            .query(sql!("SELECT id, name, slug FROM themenfeld ORDER BY id"))
            .await?;
        let mut abschnitte = Vec::new();
        for t in tfs {
            let Some(daten) = themenfeld_abschnitt(db, t.id).await? else {
                continue;
            };
            let q = ListQuery {
                themenfeld: Some(t.slug.clone()),
                ..Default::default()
            };
            let f = projekt_filter(model, &q)?;
            let mut projekte = projekte(model, &f, Page::WHOLE, &stand).items;
            // A table that prints its own start for a project listed elsewhere too: that one.
            for p in &mut projekte {
                if let Some(ps) = model
                    .projekt_nach_slug(&p.slug)
                    .and_then(|r| r.detail.themenfeld_refs.iter().find(|x| x.slug == t.slug))
                    .and_then(|x| x.projektstart.clone())
                {
                    p.projektstart = Some(ps);
                }
            }
            abschnitte.push(Abschnitt {
                name: t.name,
                slug: t.slug,
                daten,
                projekte,
            });
        }
        abschnitte.sort_by_key(|a| {
            a.daten
                .abschnitt
                .as_deref()
                .map(section_key)
                .unwrap_or(u32::MAX)
        });
        let rows: Vec<SbRow> = db.query(sql!("SELECT slug, steckbrief FROM projekt WHERE steckbrief IS NOT NULL ORDER BY position")).await?;
        let steckbriefe = rows
            .into_iter()
            .filter_map(|r| {
                serde_json::from_str(&r.steckbrief)
                    .ok()
                    .map(|steckbrief| SteckbriefEintrag {
                        slug: r.slug,
                        steckbrief,
                    })
            })
            .collect();
        let workshops = workshop_liste(db).await?;
        let intern = db
            .query::<InternRow>(sql!(
                "SELECT slug, anmerkung, unsicher, interne_notiz FROM projekt"
            ))
            .await?
            .into_iter()
            .map(|r| {
                let unsicher = serde_json::from_str(&r.unsicher).unwrap_or_default();
                (
                    r.slug,
                    ProjektIntern {
                        anmerkung: r.anmerkung,
                        unsicher,
                        notiz: r.interne_notiz,
                    },
                )
            })
            .collect();
        Ok(PlanDocument {
            stand,
            programm,
            uebersicht,
            abschnitte,
            steckbriefe,
            workshops,
            intern,
        })
    }

    /// Keeps only the sections of the given Themenfelder (slugs) and the Steckbriefe of their
    /// projects. Unknown slugs are an error naming the allowed ones.
    pub fn select_themenfelder(&mut self, slugs: &[String]) -> Result<(), String> {
        if slugs.is_empty() {
            return Ok(());
        }
        for s in slugs {
            if !self.abschnitte.iter().any(|a| &a.slug == s) {
                return Err(format!(
                    "unbekanntes Themenfeld „{s}“: erlaubt sind {}",
                    self.abschnitte
                        .iter()
                        .map(|a| a.slug.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        self.retain_themenfelder(slugs);
        Ok(())
    }

    /// Keeps the sections of the given Themenfelder (those present; all when `slugs` is empty),
    /// the Steckbriefe and section-1 entries of their projects and their workshops.
    pub fn retain_themenfelder(&mut self, slugs: &[String]) {
        if slugs.is_empty() {
            return;
        }
        self.abschnitte.retain(|a| slugs.contains(&a.slug));
        let keep: std::collections::BTreeSet<&str> = self
            .abschnitte
            .iter()
            .flat_map(|a| a.projekte.iter().map(|p| p.slug.as_str()))
            .collect();
        self.steckbriefe.retain(|e| keep.contains(e.slug.as_str()));
        let names: Vec<&str> = self.abschnitte.iter().map(|a| a.name.as_str()).collect();
        self.workshops
            .retain(|(w, _)| names.iter().any(|n| w.themenfelder.contains(n)));
        self.uebersicht
            .retain(|(_, slug)| slug.as_deref().is_some_and(|s| keep.contains(s)));
    }

    /// "1. Dezember 2026".
    pub fn stand_de(&self) -> String {
        const MONATE: [&str; 12] = [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ];
        let p: Vec<u32> = self
            .stand
            .split('-')
            .filter_map(|x| x.parse().ok())
            .collect();
        match p.as_slice() {
            [y, m, d] if (1..=12).contains(m) => format!("{d}. {} {y}", MONATE[*m as usize - 1]),
            _ => self.stand.clone(),
        }
    }

    /// The project tables as XLSX: one sheet per Themenfeld, bold frozen header, autofilter.
    pub fn to_xlsx(&self) -> anyhow::Result<Vec<u8>> {
        let tables: Vec<Table> = self
            .abschnitte
            .iter()
            .map(|a| {
                let title = format!("{} {}", a.daten.abschnitt.as_deref().unwrap_or(""), a.name);
                projekt_table(title.trim(), &a.projekte)
            })
            .collect();
        workbook(&tables)
    }
}

/// "2.10" → 2010, for ordering sections numerically.
fn section_key(s: &str) -> u32 {
    let mut parts = s.split('.').map(|p| p.trim().parse::<u32>().unwrap_or(0));
    parts.next().unwrap_or(0) * 1000 + parts.next().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_sort_numerically() {
        let mut v = vec!["2.10", "2.2", "2.1"];
        v.sort_by_key(|s| section_key(s));
        assert_eq!(v, ["2.1", "2.2", "2.10"]);
    }
}
