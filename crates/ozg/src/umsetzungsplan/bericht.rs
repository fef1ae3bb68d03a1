//! What one generated Umsetzungsplan contains: the document (live or as of a snapshot), the
//! chosen Themenfelder and variant, the two charts, and optionally the changes since an earlier
//! Stand. The HTML page renders it with askama, the PDF with Typst from its JSON form.

use std::collections::{BTreeMap, BTreeSet};

use ozg_domain::charts::{self, ChartInput, PrioritaetenMatrix, Zeitleiste};
use ozg_domain::plan::{LeistungRow, ProgrammFile};
use ozg_domain::project::Zielportal;
use serde::Serialize;

use crate::kern::db::Db;
use crate::kern::uhr::datum_de;
use crate::kern::{Fehler, Uhr};
use crate::programm::{ProjektItem, ReadModel};
use crate::umsetzungsplan::dokument::{PlanDocument, ProjektIntern, SteckbriefEintrag};
use crate::umsetzungsplan::stand as plan_stand;

/// Public document (default) or the members' document with internal fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variante {
    /// Public.
    #[default]
    Oeffentlich,
    /// Members only: adds internal fields.
    Mitglieder,
}

impl Variante {
    /// Parses `oeffentlich` / `mitglieder`.
    pub fn parse(s: &str) -> Result<Self, Fehler> {
        match s.trim().to_lowercase().as_str() {
            "" | "oeffentlich" | "öffentlich" => Ok(Variante::Oeffentlich),
            "mitglieder" => Ok(Variante::Mitglieder),
            other => Err(Fehler::feld(
                "variante",
                format!("„{other}“ ist keine Fassung: erlaubt sind „oeffentlich“ und „mitglieder“"),
            )),
        }
    }
    /// Key.
    pub fn key(self) -> &'static str {
        match self {
            Variante::Oeffentlich => "oeffentlich",
            Variante::Mitglieder => "mitglieder",
        }
    }
}

/// The options of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// Themenfeld slugs; empty means all.
    pub themenfelder: Vec<String>,
    /// Variant.
    pub variante: Variante,
    /// Stand to print ("aktuell", snapshot number or date).
    pub stand: Option<String>,
    /// Earlier Stand for the change report.
    pub seit: Option<String>,
}

impl ReportOptions {
    /// From query pairs: `themenfeld` (repeatable or comma-separated), `variante`, `stand`,
    /// `seit`. Anything else is refused by name.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, Fehler> {
        let mut o = ReportOptions::default();
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                "themenfeld" => o.themenfelder.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                ),
                "variante" => o.variante = Variante::parse(v)?,
                "stand" => o.stand = Some(v.to_owned()).filter(|s| !s.is_empty()),
                "seit" => o.seit = Some(v.to_owned()).filter(|s| !s.is_empty()),
                other => {
                    return Err(Fehler::feld(
                        other.to_owned(),
                        "unbekannter Parameter: erlaubt sind themenfeld, variante, stand und seit",
                    ));
                }
            }
        }
        Ok(o)
    }

    /// The options as a query string (for links to the other formats).
    pub fn query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .themenfelder
            .iter()
            .map(|t| ("themenfeld", t.as_str()))
            .collect();
        if self.variante != Variante::Oeffentlich {
            pairs.push(("variante", self.variante.key()));
        }
        if let Some(s) = &self.stand {
            pairs.push(("stand", s));
        }
        if let Some(s) = &self.seit {
            pairs.push(("seit", s));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!(
                "?{}",
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            )
        }
    }
}

/// A project row of a Themenfeld table with its display texts.
#[derive(Debug, Clone, Serialize)]
pub struct ProjektZeile {
    /// The list item.
    #[serde(flatten)]
    pub item: ProjektItem,
    /// Status in words.
    pub status_text: &'static str,
}

/// A Themenfeld section as printed.
#[derive(Debug, Clone, Serialize)]
pub struct AbschnittAusgabe {
    /// Section number ("2.3").
    pub nr: Option<String>,
    /// Themenfeld.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Projektleitung line.
    pub projektleitung: Option<String>,
    /// Note.
    pub hinweis: Option<String>,
    /// Projects.
    pub projekte: Vec<ProjektZeile>,
    /// Leistungen table.
    pub leistungen: Vec<LeistungRow>,
}

/// An entry of section 1.
#[derive(Debug, Clone, Serialize)]
pub struct UebersichtZeile {
    /// Name as listed.
    pub name: String,
    /// Project slug.
    pub slug: Option<String>,
    /// Zielportal in words.
    pub zielportal: Option<String>,
    /// Working structure exists.
    pub arbeitsstruktur: Option<bool>,
    /// Something is uncertain.
    pub unsicher: bool,
}

/// A workshop of the annex.
#[derive(Debug, Clone, Serialize)]
pub struct WorkshopZeile {
    /// "26.11.2019".
    pub datum: String,
    /// Themenfelder as written.
    pub themenfelder: String,
    /// Place.
    pub ort: Option<String>,
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feldaenderung {
    /// Field.
    pub feld: &'static str,
    /// Old value.
    pub vorher: String,
    /// New value.
    pub nachher: String,
}

/// A changed project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Geaendert {
    /// Project name (new).
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Changed fields.
    pub felder: Vec<Feldaenderung>,
}

/// The change report between two Stände.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aenderungen {
    /// Earlier Stand.
    pub seit: String,
    /// Later Stand.
    pub bis: String,
    /// Projects added.
    pub hinzu: Vec<String>,
    /// Projects removed.
    pub entfernt: Vec<String>,
    /// Projects changed.
    pub geaendert: Vec<Geaendert>,
}

/// Everything one generated plan shows.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    /// Title.
    pub titel: String,
    /// "1. Dezember 2026".
    pub stand_de: String,
    /// Variant key.
    pub variante: &'static str,
    /// Names of the chosen Themenfelder, if not all.
    pub auswahl: Option<Vec<String>>,
    /// Which snapshot is printed, if not the live data.
    pub stand_quelle: Option<String>,
    /// Source line.
    pub grundlage: String,
    /// Date of generation ("01.12.2026").
    pub erzeugt: String,
    /// Distinct projects.
    pub anzahl_projekte: usize,
    /// Programme text.
    pub programm: Option<ProgrammFile>,
    /// Section 1.
    pub uebersicht: Vec<UebersichtZeile>,
    /// Section 2.
    pub abschnitte: Vec<AbschnittAusgabe>,
    /// Section 3.
    pub steckbriefe: Vec<SteckbriefEintrag>,
    /// Annex.
    pub workshops: Vec<WorkshopZeile>,
    /// Chart: starts by quarter and Themenfeld.
    pub zeitleiste: Zeitleiste,
    /// Chart: priority matrix.
    pub prioritaeten: PrioritaetenMatrix,
    /// Changes since an earlier Stand.
    pub aenderungen: Option<Aenderungen>,
    /// Internal fields (members' variant only, else empty).
    pub intern: BTreeMap<String, ProjektIntern>,
    /// The underlying document (for the HTML page and the XLSX workbook).
    #[serde(skip)]
    pub doc: PlanDocument,
}

impl PlanReport {
    /// Builds the report: resolves the Stand, selects Themenfelder, computes the charts and the
    /// change report. Bad options are [`Fehler::Ungueltig`] and change nothing.
    pub async fn build(
        db: &Db,
        uhr: &Uhr,
        model: &ReadModel,
        o: &ReportOptions,
    ) -> Result<PlanReport, Fehler> {
        let stand = plan_stand::aufloesen(db, "stand", o.stand.as_deref().unwrap_or("")).await?;
        let mut doc = plan_stand::laden(db, uhr, model, &stand).await?;
        doc.select_themenfelder(&o.themenfelder)
            .map_err(|m| Fehler::feld("themenfeld", m))?;
        let aenderungen = match &o.seit {
            None => None,
            Some(spec) => {
                let seit = plan_stand::aufloesen(db, "seit", spec).await?;
                let mut alt = plan_stand::laden(db, uhr, model, &seit).await?;
                alt.retain_themenfelder(&o.themenfelder);
                Some(vergleichen(
                    &alt,
                    &doc,
                    seit.bezeichnung,
                    stand.bezeichnung.clone(),
                ))
            }
        };
        let stand_quelle = stand
            .stand
            .as_ref()
            .map(|s| format!("Wiedergabe des gespeicherten {}", s.label()));
        Ok(Self::from_document(
            doc,
            o,
            stand_quelle,
            aenderungen,
            &uhr.heute_iso(),
        ))
    }

    /// The report of a document already loaded.
    pub fn from_document(
        doc: PlanDocument,
        o: &ReportOptions,
        stand_quelle: Option<String>,
        aenderungen: Option<Aenderungen>,
        heute: &str,
    ) -> PlanReport {
        let rows: Vec<ChartInput<'_>> = doc
            .abschnitte
            .iter()
            .flat_map(|a| {
                a.projekte.iter().map(|p| ChartInput {
                    themenfeld: &a.name,
                    name: &p.name,
                    projektstart: p.projektstart.as_deref(),
                    prioritaet_nrw: p.prioritaet_nrw,
                    prioritaet_bund: p.prioritaet_bund,
                })
            })
            .collect();
        let names: Vec<&str> = doc.abschnitte.iter().map(|a| a.name.as_str()).collect();
        let zeitleiste = charts::zeitleiste(&names, &rows);
        let prioritaeten = charts::prioritaeten(&rows);
        let anzahl_projekte = doc
            .abschnitte
            .iter()
            .flat_map(|a| a.projekte.iter().map(|p| p.slug.as_str()))
            .collect::<BTreeSet<_>>()
            .len();
        let programm = doc.programm.clone();
        let titel = programm
            .as_ref()
            .map(|p| p.titel.clone())
            .unwrap_or_else(|| "Umsetzungsplan".into());
        let grundlage = match &programm {
            Some(ProgrammFile {
                stand: Some(s),
                herausgeber: Some(h),
                ..
            }) => format!("Grundlage: Umsetzungsplan, Stand {s} ({h})."),
            _ => "Grundlage: Daten der Programmdatenbank.".into(),
        };
        let uebersicht = doc
            .uebersicht
            .iter()
            .map(|(e, slug)| UebersichtZeile {
                name: e.name.clone(),
                slug: slug.clone(),
                zielportal: e.zielportal.as_deref().map(|z| {
                    Zielportal::parse(z)
                        .map(|z| z.label().to_owned())
                        .unwrap_or_else(|_| z.to_owned())
                }),
                arbeitsstruktur: e.arbeitsstruktur,
                unsicher: !e.unsicher.is_empty(),
            })
            .collect();
        let abschnitte = doc
            .abschnitte
            .iter()
            .map(|a| AbschnittAusgabe {
                nr: a.daten.abschnitt.clone(),
                name: a.name.clone(),
                slug: a.slug.clone(),
                projektleitung: a.daten.projektleitung_text.clone(),
                hinweis: a.daten.hinweis.clone(),
                projekte: a
                    .projekte
                    .iter()
                    .map(|p| ProjektZeile {
                        status_text: p.status_label(),
                        item: p.clone(),
                    })
                    .collect(),
                leistungen: a.daten.leistungstabelle.clone(),
            })
            .collect();
        let workshops = doc
            .workshops
            .iter()
            .map(|(w, _)| WorkshopZeile {
                datum: w.datum_de(),
                themenfelder: w.themenfelder.clone(),
                ort: w.ort.clone(),
            })
            .collect();
        let intern = if o.variante == Variante::Mitglieder {
            doc.intern.clone()
        } else {
            BTreeMap::new()
        };
        PlanReport {
            titel,
            stand_de: doc.stand_de(),
            variante: o.variante.key(),
            auswahl: (!o.themenfelder.is_empty())
                .then(|| names.iter().map(ToString::to_string).collect()),
            stand_quelle,
            grundlage,
            erzeugt: datum_de(heute),
            anzahl_projekte,
            programm,
            uebersicht,
            abschnitte,
            steckbriefe: doc.steckbriefe.clone(),
            workshops,
            zeitleiste,
            prioritaeten,
            aenderungen,
            intern,
            doc,
        }
    }

    /// The JSON the Typst template reads.
    pub fn to_json(&self) -> anyhow::Result<Vec<u8>> {
        Ok(serde_json::to_vec(self)?)
    }
}

/// The fields compared by the change report, in print order.
fn felder(
    p: &ProjektItem,
    themenfelder: &str,
    steckbrief: Option<&String>,
) -> Vec<(&'static str, String)> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    vec![
        ("Name", p.name.clone()),
        ("Themenfelder", themenfelder.to_owned()),
        ("Fachlichkeit", p.fachlichkeiten.clone()),
        ("Mitarbeit", p.mitarbeit.join(", ")),
        ("Interesse", p.interesse.join(", ")),
        ("Projektstart", p.projektstart.clone().unwrap_or_default()),
        ("Priorität NRW", opt(p.prioritaet_nrw)),
        ("Priorität Bund-Länder", opt(p.prioritaet_bund)),
        ("Zielportal", p.zielportal_label().to_owned()),
        ("Status", p.status_label().to_owned()),
        (
            "Arbeitsstruktur",
            match p.arbeitsstruktur {
                Some(true) => "ja".into(),
                Some(false) => "nein".into(),
                None => String::new(),
            },
        ),
        (
            "Partner gesucht",
            if p.partner_gesucht { "ja" } else { "nein" }.into(),
        ),
        (
            "Steckbrief",
            steckbrief
                .map(|s| format!("vorhanden (Fassung {:08x})", fnv(s)))
                .unwrap_or_default(),
        ),
    ]
}

/// A short stable fingerprint so a changed Steckbrief shows as changed without printing it.
fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn projekte(doc: &PlanDocument) -> BTreeMap<String, (ProjektItem, String, Option<String>)> {
    let steckbriefe: BTreeMap<&str, String> = doc
        .steckbriefe
        .iter()
        .map(|e| {
            (
                e.slug.as_str(),
                serde_json::to_string(&e.steckbrief).unwrap_or_default(),
            )
        })
        .collect();
    let mut out: BTreeMap<String, (ProjektItem, String, Option<String>)> = BTreeMap::new();
    for a in &doc.abschnitte {
        for p in &a.projekte {
            out.entry(p.slug.clone())
                .and_modify(|e| {
                    e.1.push_str(", ");
                    e.1.push_str(&a.name);
                })
                .or_insert_with(|| {
                    (
                        p.clone(),
                        a.name.clone(),
                        steckbriefe.get(p.slug.as_str()).cloned(),
                    )
                });
        }
    }
    out
}

/// Compares two documents project by project (by slug).
pub fn vergleichen(
    alt: &PlanDocument,
    neu: &PlanDocument,
    seit: String,
    bis: String,
) -> Aenderungen {
    let a = projekte(alt);
    let n = projekte(neu);
    let hinzu = n
        .iter()
        .filter(|(k, _)| !a.contains_key(*k))
        .map(|(_, v)| v.0.name.clone())
        .collect();
    let entfernt = a
        .iter()
        .filter(|(k, _)| !n.contains_key(*k))
        .map(|(_, v)| v.0.name.clone())
        .collect();
    let mut geaendert = Vec::new();
    for (slug, (np, nt, ns)) in &n {
        let Some((ap, at, as_)) = a.get(slug) else {
            continue;
        };
        let fa = felder(ap, at, as_.as_ref());
        let fnw = felder(np, nt, ns.as_ref());
        let felder: Vec<Feldaenderung> = fa
            .into_iter()
            .zip(fnw)
            .filter(|(x, y)| x.1 != y.1)
            .map(|((feld, vorher), (_, nachher))| Feldaenderung {
                feld,
                vorher,
                nachher,
            })
            .collect();
        if !felder.is_empty() {
            geaendert.push(Geaendert {
                name: np.name.clone(),
                slug: slug.clone(),
                felder,
            });
        }
    }
    Aenderungen {
        seit,
        bis,
        hinzu,
        entfernt,
        geaendert,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(q).unwrap()
    }

    #[test]
    fn options_from_query() {
        let o = ReportOptions::from_pairs(&pairs(
            "themenfeld=familie-kind&themenfeld=bildung,arbeit&variante=mitglieder&stand=3&seit=2026-01-01",
        ))
        .unwrap();
        assert_eq!(o.themenfelder, ["familie-kind", "bildung", "arbeit"]);
        assert_eq!(o.variante, Variante::Mitglieder);
        assert_eq!(o.stand.as_deref(), Some("3"));
        assert_eq!(
            ReportOptions::from_pairs(&pairs(&o.query()[1..])).unwrap(),
            o
        );
        let e = ReportOptions::from_pairs(&pairs("variante=geheim"))
            .unwrap_err()
            .feldfehler()
            .unwrap();
        assert_eq!(e.erstes().unwrap().0, "variante");
        assert!(e.erstes().unwrap().1.contains("mitglieder"));
        let e = ReportOptions::from_pairs(&pairs("format=pdf"))
            .unwrap_err()
            .feldfehler()
            .unwrap();
        assert_eq!(e.erstes().unwrap().0, "format");
        assert_eq!(ReportOptions::default().query(), "");
    }
}
