//! Builds the complete, validated dataset (catalogue, organisations, plan) from the data files'
//! text. Used by `ozg import` (all-or-nothing), `ozg check-data` and the first start of `ozg serve`.
//!
//! Nothing here does IO: the caller hands in file paths and contents (embedded in the binary or
//! read from a data directory). Every problem names the file, the line where known, and the reason.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::fachlichkeit::Vokabular;
use crate::ids::{Ags, Ars, LeikaKey, OzgId, Typisierung};
use crate::orgs::{OrgArt, OrgDirectory, Resolution, name_key};
use crate::plan::{
    Divergenz, LeistungRow, OrgEntry, ProgrammFile, ProjektRow, SteckbriefFile, SteckbriefLeistung,
    ThemenfeldFile, UebersichtEintrag, WorkshopFile, WorkshopRow,
};
use crate::project::{
    Projektstart, Rolle, Zielportal, parse_prioritaet_bund, parse_prioritaet_nrw, slugify,
};
use crate::search::index_string;

mod plan_laden;

use plan_laden::themenfeld_index;

/// One input file: its path relative to the data folder, and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative path, e.g. `plan/themenfelder/01-arbeit-ruhestand.toml`.
    pub path: String,
    /// Content.
    pub text: String,
}

/// Whether a problem blocks the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Severity {
    /// The data cannot be imported.
    Fehler,
    /// Worth a look; the import goes ahead.
    Hinweis,
}

/// A problem found in a data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Error or note.
    pub severity: Severity,
    /// File path.
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// German reason.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Fehler => "Fehler",
            Severity::Hinweis => "Hinweis",
        };
        match self.line {
            Some(l) => write!(f, "{sev}: {}:{l}: {}", self.file, self.message),
            None => write!(f, "{sev}: {}: {}", self.file, self.message),
        }
    }
}

/// A Themenfeld of the catalogue, with the plan's section data.
#[derive(Debug, Clone, Serialize)]
pub struct Themenfeld {
    /// Position 1–14 (alphabetical catalogue order).
    pub nr: i64,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Section number in the plan ("2.1").
    pub abschnitt: Option<String>,
    /// Section note.
    pub hinweis: Option<String>,
    /// Projektleitung line.
    pub projektleitung_text: Option<String>,
    /// Leistungen table (Forschung & Förderung).
    pub leistungstabelle: Vec<LeistungRow>,
}

/// A Lage.
#[derive(Debug, Clone, Serialize)]
pub struct Lage {
    /// Index of the Themenfeld.
    pub themenfeld: usize,
    /// Name.
    pub name: String,
    /// Slug (unique).
    pub slug: String,
}

/// An OZG-Leistung.
#[derive(Debug, Clone, Serialize)]
pub struct OzgLeistung {
    /// OZG-ID.
    pub ozg_id: OzgId,
    /// Name.
    pub name: String,
    /// Index of the Lage.
    pub lage: usize,
    /// Index of the Themenfeld.
    pub themenfeld: usize,
}

/// A LeiKa-Leistung.
#[derive(Debug, Clone, Serialize)]
pub struct LeikaLeistung {
    /// Valid Leistungsschlüssel, if any.
    pub schluessel: Option<LeikaKey>,
    /// The key as in the source ("nicht im LeiKa", or an invalid test value).
    pub schluessel_roh: String,
    /// Name.
    pub name: String,
    /// OZG-Leistung.
    pub ozg_id: Option<OzgId>,
    /// Typisierung 1–5.
    pub typisierung: Option<u8>,
    /// Typisierung as in the source.
    pub typisierung_roh: String,
    /// Legal references.
    pub rechtsgrundlagen: String,
}

/// An organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    /// Slug (unique).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Official name (Gemeindeverzeichnis).
    pub amtlicher_name: Option<String>,
    /// Short name.
    pub kurzname: Option<String>,
    /// Kind.
    pub art: OrgArt,
    /// Also an IT service provider (e.g. a city with its own IT).
    pub it_dienstleister: bool,
    /// AGS.
    pub ags: Option<Ags>,
    /// ARS.
    pub ars: Option<Ars>,
    /// Index of the Kreis.
    pub kreis: Option<usize>,
    /// Index of the Regierungsbezirk.
    pub regierungsbezirk: Option<usize>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Seat.
    pub ort: Option<String>,
    /// Website.
    pub url: Option<String>,
    /// Description.
    pub beschreibung: Option<String>,
    /// Aliases (names as others write them).
    pub aliases: Vec<String>,
}

/// An organisation in a role of a project.
#[derive(Debug, Clone, Serialize)]
pub struct RoleEntry {
    /// Role.
    pub rolle: Rolle,
    /// Resolved organisation (None for "noch offen").
    pub organisation: Option<usize>,
    /// Name as written.
    pub text: String,
    /// Annotation.
    pub hinweis: Option<String>,
    /// "noch offen".
    pub offen: bool,
    /// Doubt.
    pub unsicher: Option<String>,
}

/// A link of a project to an OZG-Leistung and why it exists.
#[derive(Debug, Clone, Serialize)]
pub struct OzgLink {
    /// OZG-ID.
    pub ozg_id: OzgId,
    /// "dokument", "steckbrief" or "namensgleich".
    pub quelle: &'static str,
    /// Note (e.g. the document's wrong ID).
    pub hinweis: Option<String>,
}

/// An Umsetzungsprojekt.
#[derive(Debug, Clone, Serialize)]
pub struct Projekt {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Position in document order.
    pub position: i64,
    /// Themenfelder (index, sub-section).
    pub themenfelder: Vec<(usize, Option<String>)>,
    /// The Projektstart of a listing in another Themenfeld, where that table prints its own
    /// (Themenfeld index → start as written; the project's own start is the first listing's).
    pub listen_start: BTreeMap<usize, String>,
    /// Fachlichkeiten.
    pub fachlichkeiten: Vec<String>,
    /// Roles.
    pub rollen: Vec<RoleEntry>,
    /// Projektstart.
    pub projektstart: Option<Projektstart>,
    /// Projektstart as written.
    pub projektstart_text: Option<String>,
    /// NRW priority.
    pub prioritaet_nrw: Option<u8>,
    /// Bund-Länder priority.
    pub prioritaet_bund: Option<u8>,
    /// Klebepunkte priority.
    pub prioritaet_veranstaltungen: Option<String>,
    /// Zielportal.
    pub zielportal: Option<Zielportal>,
    /// Working structure exists.
    pub arbeitsstruktur: Option<bool>,
    /// ozg.kdn.de numbers.
    pub kdn_nr: Vec<u32>,
    /// ozg.kdn.de admin numbers.
    pub kdn_admin_nr: Vec<u32>,
    /// OZG links.
    pub ozg: Vec<OzgLink>,
    /// Notes.
    pub anmerkung: Option<String>,
    /// Cell texts per field.
    pub hinweise: BTreeMap<String, String>,
    /// Doubts per field.
    pub unsicher: BTreeMap<String, String>,
    /// Steckbrief.
    pub steckbrief: Option<SteckbriefFile>,
    /// Source file and line.
    pub quelle: String,
}

/// A workshop.
#[derive(Debug, Clone, Serialize)]
pub struct Workshop {
    /// Row.
    pub row: WorkshopRow,
    /// Themenfeld indices.
    pub themenfelder: Vec<usize>,
}

/// The complete dataset, ready to be written to a database.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dataset {
    /// Themenfelder.
    pub themenfelder: Vec<Themenfeld>,
    /// Lagen.
    pub lagen: Vec<Lage>,
    /// OZG-Leistungen.
    pub ozg_leistungen: Vec<OzgLeistung>,
    /// LeiKa-Leistungen.
    pub leika: Vec<LeikaLeistung>,
    /// Organisations.
    pub organisationen: Vec<Organisation>,
    /// Projects.
    pub projekte: Vec<Projekt>,
    /// Workshops.
    pub workshops: Vec<Workshop>,
    /// Programme.
    pub programm: Option<ProgrammFile>,
    /// Section-1 entries resolved to project indices.
    pub uebersicht_projekte: Vec<Option<usize>>,
    /// The reviewed vocabulary of Fachlichkeiten (`plan/fachlichkeiten.toml`).
    pub fachlichkeit_vokabular: Vokabular,
    /// Notes found while building.
    pub hinweise: Vec<Problem>,
}

/// Line number (1-based) of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

struct Ctx {
    problems: Vec<Problem>,
}

impl Ctx {
    fn err(&mut self, file: &str, line: Option<usize>, msg: impl Into<String>) {
        self.problems.push(Problem {
            severity: Severity::Fehler,
            file: file.to_owned(),
            line,
            message: msg.into(),
        });
    }
    fn note(&mut self, file: &str, line: Option<usize>, msg: impl Into<String>) {
        self.problems.push(Problem {
            severity: Severity::Hinweis,
            file: file.to_owned(),
            line,
            message: msg.into(),
        });
    }
}

fn toml_file<T: for<'de> Deserialize<'de>>(f: &SourceFile, cx: &mut Ctx) -> Option<T> {
    match toml::from_str::<T>(&f.text) {
        Ok(v) => Some(v),
        Err(e) => {
            let line = e.span().map(|s| line_of(&f.text, s.start));
            cx.err(
                &f.path,
                line,
                format!(
                    "TOML nicht lesbar: {}",
                    crate::meldung::deutsch(e.message())
                ),
            );
            None
        }
    }
}

#[derive(Deserialize)]
struct OzgCsvRow {
    ozg_id: String,
    ozg_leistung: String,
    lage: String,
    themenfeld: String,
}

#[derive(Deserialize)]
struct LeikaCsvRow {
    leika_key: String,
    name: String,
    ozg_id: String,
    typisierung: String,
    law_shortcuts: String,
}

#[derive(Deserialize)]
struct GemeindeCsvRow {
    ags: String,
    ars: String,
    name: String,
    kreis_typ: String,
    lat: Option<f64>,
    lon: Option<f64>,
}

#[derive(Deserialize)]
struct NdKey {
    nummer: String,
}
#[derive(Deserialize)]
struct NdRow {
    name: String,
    #[serde(rename = "schlüssel")]
    schluessel: NdKey,
    #[serde(default)]
    sitz: Option<String>,
    #[serde(default)]
    typ: Option<NdTyp>,
}
#[derive(Deserialize)]
struct NdTyp {
    name: String,
}

/// `organisationen/*.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgFile {
    #[serde(default)]
    organisation: Vec<toml::Spanned<OrgRow>>,
    #[serde(default)]
    ergaenzung: Vec<toml::Spanned<ErgaenzungRow>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgRow {
    id: String,
    name: String,
    art: String,
    kurzname: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    ort: Option<String>,
    url: Option<String>,
    beschreibung: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErgaenzungRow {
    ziel: String,
    #[serde(default)]
    aliases: Vec<String>,
    it_dienstleister: Option<bool>,
    kurzname: Option<String>,
    url: Option<String>,
    beschreibung: Option<String>,
}

fn csv_rows<T: for<'de> Deserialize<'de>>(f: &SourceFile, cx: &mut Ctx) -> Vec<(usize, T)> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(f.text.as_bytes());
    let kopf = match rdr.headers() {
        Ok(k) => k.clone(),
        Err(e) => {
            let meldung = crate::meldung::deutsch(&e.to_string());
            cx.err(
                &f.path,
                Some(1),
                format!("CSV-Kopfzeile nicht lesbar: {meldung}"),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    // One pass: each row keeps its own line, also after a row that could not be read.
    for rec in rdr.records() {
        let gelesen = rec.and_then(|r| {
            let zeile = r.position().map_or(0, |p| p.line() as usize);
            r.deserialize::<T>(Some(&kopf)).map(|t| (zeile, t))
        });
        match gelesen {
            Ok(r) => out.push(r),
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                cx.err(
                    &f.path,
                    line,
                    format!(
                        "CSV-Zeile nicht lesbar: {}",
                        crate::meldung::deutsch(&e.to_string())
                    ),
                );
            }
        }
    }
    out
}

fn base_name(official: &str) -> &str {
    official.split(',').next().unwrap_or(official).trim()
}

/// The fixed catalogue order of the 14 Themenfelder.
pub const THEMENFELDER: [&str; 14] = [
    "Arbeit & Ruhestand",
    "Bauen & Wohnen",
    "Bildung",
    "Ein- & Auswanderung",
    "Engagement & Hobby",
    "Familie & Kind",
    "Forschung & Förderung",
    "Gesundheit",
    "Mobilität & Reisen",
    "Querschnitt",
    "Recht & Ordnung",
    "Steuern & Zoll",
    "Umwelt",
    "Unternehmensführung & -entwicklung",
];

impl Dataset {
    /// Builds and validates everything. Returns the dataset with its notes, or every error found.
    pub fn build(files: &[SourceFile]) -> Result<Dataset, Vec<Problem>> {
        let mut cx = Ctx {
            problems: Vec::new(),
        };
        let mut ds = Dataset::default();
        let get = |p: &str| files.iter().find(|f| f.path == p);
        let with_prefix = |p: &str| {
            let mut v: Vec<&SourceFile> = files.iter().filter(|f| f.path.starts_with(p)).collect();
            v.sort_by(|a, b| a.path.cmp(&b.path));
            v
        };

        // --- Catalogue -------------------------------------------------------------------
        for (i, n) in THEMENFELDER.iter().enumerate() {
            ds.themenfelder.push(Themenfeld {
                nr: i as i64 + 1,
                name: (*n).to_owned(),
                slug: slugify(n),
                abschnitt: None,
                hinweis: None,
                projektleitung_text: None,
                leistungstabelle: Vec::new(),
            });
        }
        const OZG_CSV: &str = "kdn/ozg_leistungen_kdn2019.csv";
        match get(OZG_CSV) {
            None => cx.err(OZG_CSV, None, "Datei fehlt"),
            Some(f) => {
                let mut lage_idx: HashMap<(usize, String), usize> = HashMap::new();
                let mut seen = HashMap::new();
                for (line, r) in csv_rows::<OzgCsvRow>(f, &mut cx) {
                    let id = match OzgId::parse(&r.ozg_id) {
                        Ok(id) => id,
                        Err(e) => {
                            cx.err(&f.path, Some(line), e.0);
                            continue;
                        }
                    };
                    if let Some(prev) = seen.insert(id, line) {
                        cx.err(
                            &f.path,
                            Some(line),
                            format!("OZG-ID {id} doppelt (schon in Zeile {prev})"),
                        );
                        continue;
                    }
                    let Some(tf) = themenfeld_index(&r.themenfeld) else {
                        cx.err(
                            &f.path,
                            Some(line),
                            format!("unbekanntes Themenfeld „{}“", r.themenfeld),
                        );
                        continue;
                    };
                    let next = ds.lagen.len();
                    let lage = *lage_idx.entry((tf, r.lage.clone())).or_insert_with(|| {
                        let mut slug = slugify(&r.lage);
                        if ds.lagen.iter().any(|l| l.slug == slug) {
                            slug = format!("{slug}-{}", ds.themenfelder[tf].slug);
                        }
                        ds.lagen.push(Lage {
                            themenfeld: tf,
                            name: r.lage.clone(),
                            slug,
                        });
                        next
                    });
                    ds.ozg_leistungen.push(OzgLeistung {
                        ozg_id: id,
                        name: r.ozg_leistung,
                        lage,
                        themenfeld: tf,
                    });
                }
            }
        }
        let ozg_known: HashMap<OzgId, usize> = ds
            .ozg_leistungen
            .iter()
            .enumerate()
            .map(|(i, l)| (l.ozg_id, i))
            .collect();

        const LEIKA_CSV: &str = "kdn/leika_leistungen_kdn2019.csv";
        match get(LEIKA_CSV) {
            None => cx.err(LEIKA_CSV, None, "Datei fehlt"),
            Some(f) => {
                for (line, r) in csv_rows::<LeikaCsvRow>(f, &mut cx) {
                    let schluessel = if r.leika_key.trim() == "nicht im LeiKa" {
                        None
                    } else {
                        match LeikaKey::parse(&r.leika_key) {
                            Ok(k) => Some(k),
                            Err(e) => {
                                cx.note(&f.path, Some(line), format!("{} (Testeintrag der Quelle? übernommen ohne gültigen Schlüssel)", e.0));
                                None
                            }
                        }
                    };
                    let ozg_id = match OzgId::parse(&r.ozg_id) {
                        Ok(id) if ozg_known.contains_key(&id) => Some(id),
                        Ok(id) => {
                            cx.err(
                                &f.path,
                                Some(line),
                                format!("OZG-ID {id} gibt es im Katalog nicht"),
                            );
                            None
                        }
                        Err(_) if r.ozg_id.trim().is_empty() => None,
                        Err(e) => {
                            cx.err(&f.path, Some(line), e.0);
                            None
                        }
                    };
                    let typisierung = match Typisierung::parse(&r.typisierung) {
                        Ok(t) => Some(t.get()),
                        Err(e) if !r.typisierung.trim().is_empty() => {
                            cx.note(&f.path, Some(line), e.0);
                            None
                        }
                        Err(_) => None,
                    };
                    ds.leika.push(LeikaLeistung {
                        schluessel,
                        schluessel_roh: r.leika_key.trim().to_owned(),
                        name: r.name.trim().to_owned(),
                        ozg_id,
                        typisierung,
                        typisierung_roh: r.typisierung.trim().to_owned(),
                        rechtsgrundlagen: r.law_shortcuts.trim().to_owned(),
                    });
                }
            }
        }

        // --- Organisations ----------------------------------------------------------------
        let mut dir = OrgDirectory::default();
        Self::load_gebiete(&mut ds, &mut cx, &get);
        for f in with_prefix("organisationen/") {
            let Some(of) = toml_file::<OrgFile>(f, &mut cx) else {
                continue;
            };
            for o in of.organisation {
                let line = line_of(&f.text, o.span().start);
                let o = o.into_inner();
                let Ok(art) = OrgArt::parse(&o.art) else {
                    cx.err(
                        &f.path,
                        Some(line),
                        format!(
                            "unbekannte Art „{}“: erlaubt sind {}",
                            o.art,
                            OrgArt::ALL.map(OrgArt::key).join(", ")
                        ),
                    );
                    continue;
                };
                if ds.organisationen.iter().any(|x| x.slug == o.id) {
                    cx.err(
                        &f.path,
                        Some(line),
                        format!("Organisation „{}“ doppelt", o.id),
                    );
                    continue;
                }
                ds.organisationen.push(Organisation {
                    slug: o.id,
                    name: o.name,
                    amtlicher_name: None,
                    kurzname: o.kurzname,
                    art,
                    it_dienstleister: art == OrgArt::ItDienstleister,
                    ags: None,
                    ars: None,
                    kreis: None,
                    regierungsbezirk: None,
                    lat: None,
                    lon: None,
                    ort: o.ort,
                    url: o.url,
                    beschreibung: o.beschreibung,
                    aliases: o.aliases,
                });
            }
            for e in of.ergaenzung {
                let line = line_of(&f.text, e.span().start);
                let e = e.into_inner();
                let Some(org) = ds.organisationen.iter_mut().find(|o| {
                    o.slug == e.ziel || o.ags.as_ref().is_some_and(|a| a.as_str() == e.ziel)
                }) else {
                    cx.err(
                        &f.path,
                        Some(line),
                        format!("Ergänzung für unbekannte Organisation „{}“", e.ziel),
                    );
                    continue;
                };
                org.aliases.extend(e.aliases);
                if let Some(b) = e.it_dienstleister {
                    org.it_dienstleister = b;
                }
                if e.kurzname.is_some() {
                    org.kurzname = e.kurzname;
                }
                if e.url.is_some() {
                    org.url = e.url;
                }
                if e.beschreibung.is_some() {
                    org.beschreibung = e.beschreibung;
                }
            }
        }
        for (i, o) in ds.organisationen.iter().enumerate() {
            let mut names: Vec<&str> = vec![o.name.as_str(), o.slug.as_str()];
            if o.art != OrgArt::Kreis {
                // A Kreis's place name is the bare rule's fallback, not an exact name.
                names.extend(o.amtlicher_name.as_deref());
            }
            names.extend(o.kurzname.as_deref());
            names.extend(o.aliases.iter().map(String::as_str));
            let base = match o.art {
                OrgArt::Gemeinde | OrgArt::KreisfreieStadt => Some(o.name.as_str()),
                OrgArt::Kreis => o.amtlicher_name.as_deref(),
                _ => None,
            };
            dir.add(i, o.art, &names, base);
        }

        // --- Plan ------------------------------------------------------------------------
        Self::load_plan(&mut ds, &mut cx, &dir, &ozg_known, &get, &with_prefix);

        let (errors, notes): (Vec<_>, Vec<_>) = cx
            .problems
            .into_iter()
            .partition(|p| p.severity == Severity::Fehler);
        if errors.is_empty() {
            ds.hinweise = notes;
            Ok(ds)
        } else {
            Err(errors.into_iter().chain(notes).collect())
        }
    }

    fn load_gebiete<'a>(
        ds: &mut Dataset,
        cx: &mut Ctx,
        get: &impl Fn(&str) -> Option<&'a SourceFile>,
    ) {
        const RB: &str = "gemeindeverzeichnis/regierungsbezirke.ndjson";
        const KR: &str = "gemeindeverzeichnis/kreise.ndjson";
        const GE: &str = "nrw-gemeinden.csv";
        let nd = |f: &SourceFile, cx: &mut Ctx| -> Vec<(usize, NdRow)> {
            f.text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .filter_map(|(i, l)| match serde_json::from_str::<NdRow>(l) {
                    Ok(r) => Some((i + 1, r)),
                    Err(e) => {
                        cx.err(
                            &f.path,
                            Some(i + 1),
                            format!(
                                "JSON-Zeile nicht lesbar: {}",
                                crate::meldung::deutsch(&e.to_string())
                            ),
                        );
                        None
                    }
                })
                .filter(|(_, r)| r.schluessel.nummer.starts_with("05"))
                .collect()
        };
        let mut rb_idx: HashMap<String, usize> = HashMap::new();
        match get(RB) {
            None => cx.err(RB, None, "Datei fehlt"),
            Some(f) => {
                for (_, r) in nd(f, cx) {
                    let name = r.name.replace("Reg.-Bez. ", "Regierungsbezirk ");
                    rb_idx.insert(r.schluessel.nummer.clone(), ds.organisationen.len());
                    let place = name.trim_start_matches("Regierungsbezirk ").to_owned();
                    ds.organisationen.push(Organisation {
                        slug: slugify(&name),
                        aliases: vec![format!("Bezirksregierung {place}"), r.name.clone()],
                        name,
                        amtlicher_name: Some(r.name),
                        kurzname: None,
                        art: OrgArt::Regierungsbezirk,
                        it_dienstleister: false,
                        ags: None,
                        ars: None,
                        kreis: None,
                        regierungsbezirk: None,
                        lat: None,
                        lon: None,
                        ort: r.sitz,
                        url: None,
                        beschreibung: None,
                    });
                }
            }
        }
        let mut kreis_idx: HashMap<String, usize> = HashMap::new();
        let mut kreisfreie: HashMap<String, (String, Option<String>)> = HashMap::new();
        match get(KR) {
            None => cx.err(KR, None, "Datei fehlt"),
            Some(f) => {
                for (line, r) in nd(f, cx) {
                    let key = r.schluessel.nummer.clone();
                    let typ = r.typ.as_ref().map(|t| t.name.as_str()).unwrap_or("");
                    if typ == "kreisfreie-stadt" {
                        kreisfreie.insert(key, (r.name, r.sitz));
                        continue;
                    }
                    if typ != "kreis" {
                        cx.err(&f.path, Some(line), format!("unbekannter Kreistyp „{typ}“"));
                        continue;
                    }
                    let lower = r.name.to_lowercase();
                    let name = if lower.contains("kreis") || lower.contains("region") {
                        r.name.clone()
                    } else {
                        format!("Kreis {}", r.name)
                    };
                    // The place name for "Kreis X" lookups: "Rhein-Kreis Neuss" → Neuss.
                    let place = r
                        .name
                        .trim_start_matches("Rhein-Kreis ")
                        .trim_start_matches("Städteregion ")
                        .to_owned();
                    let mut aliases = vec![format!("Kreis {place}")];
                    if r.name.starts_with("Städteregion") {
                        aliases.push("StädteRegion Aachen".into());
                    }
                    kreis_idx.insert(key.clone(), ds.organisationen.len());
                    ds.organisationen.push(Organisation {
                        slug: slugify(&name),
                        name,
                        amtlicher_name: Some(place),
                        kurzname: None,
                        art: OrgArt::Kreis,
                        it_dienstleister: false,
                        ags: Ags::parse(&format!("{key}000")).ok(),
                        ars: Ars::parse(&format!("{key}0000000")).ok(),
                        kreis: None,
                        regierungsbezirk: rb_idx.get(&key[..3]).copied(),
                        lat: None,
                        lon: None,
                        ort: r.sitz,
                        url: None,
                        beschreibung: None,
                        aliases,
                    });
                }
            }
        }
        match get(GE) {
            None => cx.err(GE, None, "Datei fehlt"),
            Some(f) => {
                for (line, r) in csv_rows::<GemeindeCsvRow>(f, cx) {
                    let ags = match Ags::parse(&r.ags) {
                        Ok(a) => a,
                        Err(e) => {
                            cx.err(&f.path, Some(line), e.0);
                            continue;
                        }
                    };
                    let ars = match Ars::parse(&r.ars) {
                        Ok(a) if a.matches(&ags) => a,
                        Ok(a) => {
                            cx.err(
                                &f.path,
                                Some(line),
                                format!("ARS {a} passt nicht zum AGS {ags}"),
                            );
                            continue;
                        }
                        Err(e) => {
                            cx.err(&f.path, Some(line), e.0);
                            continue;
                        }
                    };
                    let art = match r.kreis_typ.as_str() {
                        "kreisfreie-stadt" => OrgArt::KreisfreieStadt,
                        "kreis" => OrgArt::Gemeinde,
                        other => {
                            cx.err(
                                &f.path,
                                Some(line),
                                format!("unbekannter Kreistyp „{other}“"),
                            );
                            continue;
                        }
                    };
                    let kreis = kreis_idx.get(ags.kreis_key()).copied();
                    if art == OrgArt::Gemeinde && kreis.is_none() {
                        cx.err(
                            &f.path,
                            Some(line),
                            format!("Kreis {} zu AGS {ags} unbekannt", ags.kreis_key()),
                        );
                        continue;
                    }
                    if art == OrgArt::KreisfreieStadt && !kreisfreie.contains_key(ags.kreis_key()) {
                        cx.err(
                            &f.path,
                            Some(line),
                            format!(
                                "kreisfreie Stadt {} fehlt im Kreisverzeichnis",
                                ags.kreis_key()
                            ),
                        );
                    }
                    let name = base_name(&r.name).to_owned();
                    let mut slug = slugify(&name);
                    if ds.organisationen.iter().any(|o| o.slug == slug) {
                        slug = format!("{slug}-{}", ags.as_str());
                    }
                    ds.organisationen.push(Organisation {
                        slug,
                        name,
                        amtlicher_name: Some(r.name.clone()),
                        kurzname: None,
                        art,
                        it_dienstleister: false,
                        regierungsbezirk: rb_idx.get(ags.regierungsbezirk_key()).copied(),
                        ags: Some(ags),
                        ars: Some(ars),
                        kreis,
                        lat: r.lat,
                        lon: r.lon,
                        ort: None,
                        url: None,
                        beschreibung: None,
                        aliases: Vec::new(),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::plan_laden::is_iso_date;
    use super::*;

    fn base_files() -> Vec<SourceFile> {
        let f = |p: &str, t: &str| SourceFile {
            path: p.into(),
            text: t.into(),
        };
        vec![
            f(
                "kdn/ozg_leistungen_kdn2019.csv",
                "ozg_id,ozg_leistung,lage,themenfeld,kdn_row_id\n10019,Kindertagesbetreuung,Kinderbetreuung,Familie & Kind,1\n10000,Elterngeld,Geburt,Familie & Kind,2\n",
            ),
            f(
                "kdn/leika_leistungen_kdn2019.csv",
                "leika_key,name,ozg_id,typisierung,law_shortcuts\n99001001000000,Kita,10019,4,\n123,Test,10019,44,\nnicht im LeiKa,X,10000,2a,\n",
            ),
            f(
                "gemeindeverzeichnis/regierungsbezirke.ndjson",
                r#"{"name":"Reg.-Bez. Detmold","schlüssel":{"nummer":"057"},"sitz":"Detmold"}"#,
            ),
            f(
                "gemeindeverzeichnis/kreise.ndjson",
                r#"{"name":"Gütersloh","schlüssel":{"nummer":"05754"},"sitz":"Gütersloh","typ":{"name":"kreis"}}"#,
            ),
            f(
                "nrw-gemeinden.csv",
                "ags,ars,name,kreis,kreis_typ,regierungsbezirk,lat,lon\n05754008,057540008008,\"Gütersloh, Stadt\",Gütersloh,kreis,Reg.-Bez. Detmold,51.9,8.38\n",
            ),
            f(
                "organisationen/test.toml",
                "[[organisation]]\nid = \"kdn\"\nname = \"KDN\"\nart = \"einrichtung\"\n",
            ),
        ]
    }

    /// Each row keeps its own line: before, rows after one that did not deserialise were
    /// paired with the line numbers of the rows before them.
    #[test]
    fn csv_zeilen_nach_einer_falschen_zeile() {
        let f = SourceFile {
            path: "nrw-gemeinden.csv".into(),
            text: "ags,ars,name,kreis_typ,lat,lon\n1,1,A,kreis,nord,1\n2,2,B,kreis,1,1\n3,3,C,kreis,1,1\n".into(),
        };
        let mut cx = Ctx {
            problems: Vec::new(),
        };
        let rows = csv_rows::<GemeindeCsvRow>(&f, &mut cx);
        assert_eq!(cx.problems.len(), 1);
        assert_eq!(cx.problems[0].line, Some(2));
        assert!(!crate::meldung::klingt_englisch(&cx.problems[0].message));
        let zeilen: Vec<(usize, String)> = rows.into_iter().map(|(l, r)| (l, r.name)).collect();
        assert_eq!(zeilen, [(3, "B".to_owned()), (4, "C".to_owned())]);
    }

    #[test]
    fn builds_and_resolves() {
        let mut files = base_files();
        files.push(SourceFile {
            path: "plan/themenfelder/06-familie-kind.toml".into(),
            text: "abschnitt = \"2.6\"\nthemenfeld = \"Familie & Kind\"\n\n[[projekt]]\nid = \"elterngeld\"\nname = \"Elterngeld\"\nmitarbeit = [\"Gütersloh\", \"Kreis Gütersloh\"]\nprojektstart = \"Q1 2020\"\nkdn_nr = [5]\n".into(),
        });
        let ds = Dataset::build(&files).unwrap();
        assert_eq!(ds.leika.len(), 3);
        assert!(ds.leika[1].schluessel.is_none());
        assert!(
            ds.hinweise.iter().any(|p| p.line == Some(3)),
            "{:?}",
            ds.hinweise
        );
        let p = &ds.projekte[0];
        assert_eq!(p.rollen.len(), 2);
        assert_ne!(p.rollen[0].organisation, p.rollen[1].organisation);
        assert_eq!(p.ozg[0].ozg_id.get(), 10000);
        assert_eq!(p.ozg[0].quelle, "namensgleich");
    }

    #[test]
    fn reports_file_line_reason_and_imports_nothing() {
        let mut files = base_files();
        files.push(SourceFile {
            path: "plan/themenfelder/06-familie-kind.toml".into(),
            text: "abschnitt = \"2.6\"\nthemenfeld = \"Familie & Kind\"\n\n[[projekt]]\nid = \"a\"\nname = \"A\"\nmitarbeit = [\"Atlantis\"]\n\n[[projekt]]\nid = \"b\"\nname = \"B\"\nprojektstart = \"irgendwann\"\n".into(),
        });
        let errs = Dataset::build(&files).unwrap_err();
        let errs: Vec<_> = errs
            .iter()
            .filter(|p| p.severity == Severity::Fehler)
            .collect();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].line, Some(4));
        assert!(errs[0].message.contains("Atlantis"));
        assert_eq!(errs[1].line, Some(9));
        assert!(errs[1].message.contains("Projektstart"));
    }

    #[test]
    fn kdn_numbers_public_and_admin_are_one_numbering() {
        let mut files = base_files();
        files.push(SourceFile {
            path: "plan/themenfelder/06-familie-kind.toml".into(),
            text: "abschnitt = \"2.6\"\nthemenfeld = \"Familie & Kind\"\n\n[[projekt]]\nid = \"a\"\nname = \"A\"\nkdn_nr = [5]\nkdn_admin_nr = [5]\n\n[[projekt]]\nid = \"b\"\nname = \"B\"\nkdn_admin_nr = [5]\n".into(),
        });
        let errs = Dataset::build(&files).unwrap_err();
        let errs: Vec<_> = errs
            .iter()
            .filter(|p| p.severity == Severity::Fehler)
            .collect();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0]
                .message
                .contains("Nummer 5 gehört schon zu Projekt „A“"),
            "{errs:?}"
        );
    }

    /// Every Fachlichkeit of the tables must be in `plan/fachlichkeiten.toml`: an unknown one is
    /// an error at its row, naming the likely term; spellings nobody uses are notes.
    /// A vocabulary file that cannot be read is one error of its own, not also one error for
    /// every Fachlichkeit of every row.
    #[test]
    fn unlesbares_vokabular_verschuettet_nichts() {
        let mut files = base_files();
        files.push(SourceFile {
            path: "plan/themenfelder/06-familie-kind.toml".into(),
            text: "abschnitt = \"2.6\"\nthemenfeld = \"Familie & Kind\"\n\n[[projekt]]\nid = \"a\"\nname = \"A\"\nfachlichkeit = [\"Meldeamt\", \"Jugendamt\"]\n".into(),
        });
        files.push(SourceFile {
            path: "plan/fachlichkeiten.toml".into(),
            text: "[[begriff]\nname = \"kaputt\"\n".into(),
        });
        let errs = Dataset::build(&files).unwrap_err();
        let errs: Vec<_> = errs
            .iter()
            .filter(|p| p.severity == Severity::Fehler)
            .collect();
        assert!(!errs.is_empty());
        assert!(
            errs.iter().all(|p| p.file == "plan/fachlichkeiten.toml"),
            "{errs:?}"
        );
    }

    #[test]
    fn fachlichkeit_ohne_begriff_ist_fehler() {
        let mut files = base_files();
        files.push(SourceFile {
            path: "plan/themenfelder/06-familie-kind.toml".into(),
            text: "abschnitt = \"2.6\"\nthemenfeld = \"Familie & Kind\"\n\n[[projekt]]\nid = \"a\"\nname = \"A\"\nfachlichkeit = [\"Meldeamt\", \"Einwohner- und Meldeamt\"]\n".into(),
        });
        files.push(SourceFile {
            path: "plan/fachlichkeiten.toml".into(),
            text: "[[begriff]]\nname = \"Einwohnermeldeamt / Bürgerbüro\"\nschreibweisen = [\"Meldeamt\", \"Meldebehörde\"]\n".into(),
        });
        let errs = Dataset::build(&files).unwrap_err();
        let errs: Vec<_> = errs
            .iter()
            .filter(|p| p.severity == Severity::Fehler)
            .collect();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].file, "plan/themenfelder/06-familie-kind.toml");
        assert_eq!(errs[0].line, Some(4));
        assert!(
            errs[0].message.contains("„Einwohner- und Meldeamt“")
                && errs[0]
                    .message
                    .contains("ähnlich: „Einwohnermeldeamt / Bürgerbüro“"),
            "{errs:?}"
        );

        let v = files.last_mut().unwrap();
        v.text = v.text.replace(
            "\"Meldebehörde\"",
            "\"Einwohner- und Meldeamt\", \"Meldebehörde\"",
        );
        let ds = Dataset::build(&files).unwrap();
        assert_eq!(
            ds.fachlichkeit_vokabular
                .zuordnen("Einwohner- und Meldeamt"),
            ["Einwohnermeldeamt / Bürgerbüro"]
        );
        assert!(
            ds.hinweise
                .iter()
                .any(|p| p.file == "plan/fachlichkeiten.toml" && p.message.contains("Meldebehörde")),
            "{:?}",
            ds.hinweise
        );
    }

    #[test]
    fn toml_syntax_error_has_line() {
        let mut files = base_files();
        files.push(SourceFile {
            path: "plan/workshops.toml".into(),
            text: "[[workshop]]\ndatum = \n".into(),
        });
        let errs = Dataset::build(&files).unwrap_err();
        assert_eq!(errs[0].file, "plan/workshops.toml");
        assert_eq!(errs[0].line, Some(2));
    }

    #[test]
    fn iso_dates() {
        assert!(is_iso_date("2019-11-26"));
        assert!(!is_iso_date("26.11.2019"));
        assert!(!is_iso_date("2019-13-01"));
    }
}
