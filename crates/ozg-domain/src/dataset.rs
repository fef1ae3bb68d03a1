//! Builds the complete, validated dataset (catalogue, organisations, plan) from the data files'
//! text. Used by `ozg import` (all-or-nothing), `ozg check-data` and the first start of `ozg serve`.
//!
//! Nothing here does IO: the caller hands in file paths and contents (embedded in the binary or
//! read from a data directory). Every problem names the file, the line where known, and the reason.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

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
            cx.err(&f.path, line, format!("TOML nicht lesbar: {}", e.message()));
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
    let mut out = Vec::new();
    for rec in rdr.deserialize::<T>() {
        match rec {
            Ok(r) => out.push(r),
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                cx.err(&f.path, line, format!("CSV-Zeile nicht lesbar: {e}"));
                continue;
            }
        }
    }
    // csv positions are reported per record; recompute lines for good rows by re-reading.
    let mut rdr = csv::ReaderBuilder::new().from_reader(f.text.as_bytes());
    let lines: Vec<usize> = rdr
        .records()
        .filter_map(|r| r.ok().and_then(|r| r.position().map(|p| p.line() as usize)))
        .collect();
    out.into_iter()
        .enumerate()
        .map(|(i, r)| (lines.get(i).copied().unwrap_or(0), r))
        .collect()
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
                            format!("JSON-Zeile nicht lesbar: {e}"),
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

    /// Reads the plan files in a fixed order: the Themenfeld tables, then the reference rows
    /// (`verweis`, which may point to a project of a later table), the Steckbriefe (which need
    /// every project), the name matches to the catalogue for projects still without a link,
    /// the workshops and the programme. The problems are reported in this order.
    fn load_plan<'a>(
        ds: &mut Dataset,
        cx: &mut Ctx,
        dir: &OrgDirectory,
        ozg_known: &HashMap<OzgId, usize>,
        get: &impl Fn(&str) -> Option<&'a SourceFile>,
        with_prefix: &impl Fn(&str) -> Vec<&'a SourceFile>,
    ) {
        const WS: &str = "plan/workshops.toml";
        const PR: &str = "plan/programm.toml";
        let toml_only = |prefix: &str| {
            with_prefix(prefix)
                .into_iter()
                .filter(|f| f.path.ends_with(".toml"))
        };
        let mut plan = PlanLoader {
            ds,
            cx,
            dir,
            ozg_known,
            by_slug: HashMap::new(),
            kdn_owner: HashMap::new(),
            position: 0,
        };
        let mut refs = Vec::new();
        for f in toml_only("plan/themenfelder/") {
            plan.themenfeld_file(f, &mut refs);
        }
        for r in refs {
            plan.merge_reference(r);
        }
        for f in toml_only("plan/steckbriefe/") {
            plan.steckbrief_file(f);
        }
        plan.link_by_name();
        if let Some(f) = get(WS) {
            plan.workshops(f);
        }
        if let Some(f) = get(PR) {
            plan.programm(f);
        }
    }
}

/// Index of a Themenfeld in [`THEMENFELDER`], the name compared as [`name_key`] does.
fn themenfeld_index(name: &str) -> Option<usize> {
    THEMENFELDER
        .iter()
        .position(|t| name_key(t) == name_key(name))
}

/// A reference row (`verweis`) of a Themenfeld table: a project of another table that is also
/// listed in this one. Kept until every table is read, since the target may come later.
struct PendingRef {
    file: String,
    line: usize,
    themenfeld: usize,
    row: ProjektRow,
}

/// What the steps of [`Dataset::load_plan`] share.
struct PlanLoader<'d> {
    ds: &'d mut Dataset,
    cx: &'d mut Ctx,
    dir: &'d OrgDirectory,
    ozg_known: &'d HashMap<OzgId, usize>,
    /// Project index by id.
    by_slug: HashMap<String, usize>,
    /// The project each ozg.kdn.de number belongs to.
    kdn_owner: HashMap<u32, usize>,
    /// Document order of the last table row read (reference rows count too).
    position: i64,
}

impl PlanLoader<'_> {
    /// A file `plan/themenfelder/*.toml`: the section data of its Themenfeld and its project
    /// rows. Reference rows go to `refs`; a second file for the same Themenfeld is rejected whole.
    fn themenfeld_file(&mut self, f: &SourceFile, refs: &mut Vec<PendingRef>) {
        let Some(tfile) = toml_file::<ThemenfeldFile>(f, self.cx) else {
            return;
        };
        let Some(tf) = themenfeld_index(&tfile.themenfeld) else {
            self.cx.err(
                &f.path,
                Some(1),
                format!("unbekanntes Themenfeld „{}“", tfile.themenfeld),
            );
            return;
        };
        if !self.set_section(&f.path, tf, &tfile) {
            return;
        }
        self.check_leistung_ids(f, &tfile.leistung);
        for row in tfile.projekt {
            let line = line_of(&f.text, row.span().start);
            let row = row.into_inner();
            self.position += 1;
            if row.verweis.is_some() {
                refs.push(PendingRef {
                    file: f.path.clone(),
                    line,
                    themenfeld: tf,
                    row,
                });
                continue;
            }
            self.project_row(f, line, tf, &tfile.projektleitung, &row);
        }
    }

    /// Stores the section data of the file on its Themenfeld; `false` (with an error) if an
    /// earlier file already did.
    fn set_section(&mut self, path: &str, tf: usize, tfile: &ThemenfeldFile) -> bool {
        let t = &mut self.ds.themenfelder[tf];
        if t.abschnitt.is_some() {
            self.cx.err(
                path,
                Some(1),
                format!("Themenfeld „{}“ hat schon eine Datei", t.name),
            );
            return false;
        }
        t.abschnitt = Some(tfile.abschnitt.clone());
        t.hinweis = tfile.hinweis.clone();
        t.projektleitung_text = tfile.projektleitung_text.clone();
        t.leistungstabelle = tfile.leistung.iter().map(|l| l.get_ref().clone()).collect();
        true
    }

    /// The Leistungen table is kept as written; only its OZG-IDs must exist in the catalogue.
    fn check_leistung_ids(&mut self, f: &SourceFile, leistung: &[toml::Spanned<LeistungRow>]) {
        for l in leistung {
            if let Some(id) = l.get_ref().ozg_id {
                let ok = OzgId::try_from(id)
                    .ok()
                    .filter(|i| self.ozg_known.contains_key(i));
                if ok.is_none() {
                    self.cx.err(
                        &f.path,
                        Some(line_of(&f.text, l.span().start)),
                        format!("OZG-ID {id} gibt es im Katalog nicht"),
                    );
                }
            }
        }
    }

    /// A project row (not a reference) at `line` of a Themenfeld table: creates the project.
    /// `tf_leitung` is the table's own Projektleitung, which leads every project in it.
    fn project_row(
        &mut self,
        f: &SourceFile,
        line: usize,
        tf: usize,
        tf_leitung: &[OrgEntry],
        row: &ProjektRow,
    ) {
        let Some((name, slug)) = self.project_key(&f.path, line, row) else {
            return;
        };
        let quelle = format!("{}:{line}", f.path);
        let mut p = new_projekt(slug.clone(), &name, self.position, tf, row, quelle);
        self.row_values(&f.path, line, &name, row, &mut p);
        resolve_roles(
            self.dir,
            self.cx,
            &f.path,
            line,
            Rolle::Projektleitung,
            tf_leitung,
            &mut p.rollen,
        );
        for r in p.rollen.iter_mut() {
            r.hinweis
                .get_or_insert_with(|| "für das ganze Themenfeld".into());
        }
        row_roles(self.dir, self.cx, &f.path, line, row, &mut p.rollen);
        let idx = self.ds.projekte.len();
        self.claim_kdn_numbers(&f.path, line, idx, &row.kdn_nr, &mut p.kdn_nr);
        self.by_slug.insert(slug, idx);
        self.ds.projekte.push(p);
    }

    /// The name and id of a new project (the id defaults to the slug of the name), or `None`
    /// with an error: no name, an id that is not a valid slug, or an id already taken.
    fn project_key(
        &mut self,
        path: &str,
        line: usize,
        row: &ProjektRow,
    ) -> Option<(String, String)> {
        let Some(name) = row.name.clone().filter(|n| !n.trim().is_empty()) else {
            self.cx
                .err(path, Some(line), "Projekt ohne Namen (Feld „name“ fehlt)");
            return None;
        };
        let slug = row.id.clone().unwrap_or_else(|| slugify(&name));
        if slug != slugify(&slug) {
            self.cx.err(
                path,
                Some(line),
                format!("id „{slug}“ ist kein gültiger Schlüssel (erlaubt: a–z, 0–9, Bindestrich)"),
            );
            return None;
        }
        if self.by_slug.contains_key(&slug) {
            self.cx
                .err(path, Some(line), format!("Projekt-id „{slug}“ doppelt"));
            return None;
        }
        Some((name, slug))
    }

    /// The checked values of a table row: Projektstart, the two priorities, the Zielportal and
    /// the OZG-IDs named in the document. A bad value is reported and left empty.
    fn row_values(
        &mut self,
        path: &str,
        line: usize,
        name: &str,
        row: &ProjektRow,
        p: &mut Projekt,
    ) {
        let cx = &mut *self.cx;
        if let Some(ps) = &row.projektstart {
            match Projektstart::parse(ps) {
                Ok(v) => p.projektstart = Some(v),
                Err(e) => cx.err(path, Some(line), format!("Projekt „{name}“: {}", e.0)),
            }
        }
        if let Some(v) = row.prioritaet_nrw {
            match parse_prioritaet_nrw(v) {
                Ok(v) => p.prioritaet_nrw = Some(v),
                Err(e) => cx.err(path, Some(line), e.0),
            }
        }
        if let Some(v) = row.prioritaet_bund {
            match parse_prioritaet_bund(v) {
                Ok(v) => p.prioritaet_bund = Some(v),
                Err(e) => cx.err(path, Some(line), e.0),
            }
        }
        if let Some(z) = &row.zielportal {
            match Zielportal::parse(z) {
                Ok(v) => p.zielportal = Some(v),
                Err(e) => cx.err(path, Some(line), e),
            }
        }
        for id in &row.ozg_ids {
            match OzgId::try_from(*id) {
                Ok(i) if self.ozg_known.contains_key(&i) => p.ozg.push(OzgLink {
                    ozg_id: i,
                    quelle: "dokument",
                    hinweis: None,
                }),
                _ => cx.err(
                    path,
                    Some(line),
                    format!("OZG-ID {id} gibt es im Katalog nicht"),
                ),
            }
        }
    }

    /// Gives the ozg.kdn.de numbers of the new project `idx` (not yet in the dataset) to it.
    /// A number belongs to one project only: a project listed in two Themenfelder is entered
    /// once and referred to with `verweis` in the other table.
    fn claim_kdn_numbers(
        &mut self,
        path: &str,
        line: usize,
        idx: usize,
        numbers: &[u32],
        kdn_nr: &mut Vec<u32>,
    ) {
        for n in numbers {
            if let Some(prev) = self.kdn_owner.insert(*n, idx) {
                if prev != idx {
                    let prev = &self.ds.projekte[prev];
                    self.cx.err(
                        path,
                        Some(line),
                        format!(
                            "ozg.kdn.de-Nummer {n} gehört schon zu Projekt „{}“ ({}); ein Projekt in zwei Themenfeldern wird mit „verweis“ eingetragen",
                            prev.name, prev.quelle
                        ),
                    );
                }
            } else {
                kdn_nr.push(*n);
            }
        }
    }

    /// Adds a reference row to the project it refers to: the Themenfeld, and the cells the row
    /// repeats as printed in this section (Fachlichkeiten, roles, notes, ozg.kdn.de numbers).
    fn merge_reference(&mut self, r: PendingRef) {
        let PendingRef {
            file,
            line,
            themenfeld: tf,
            row,
        } = r;
        let target = row.verweis.clone().unwrap_or_default();
        let Some(&idx) = self.by_slug.get(&target) else {
            self.cx.err(
                &file,
                Some(line),
                format!("verweis auf unbekanntes Projekt „{target}“"),
            );
            return;
        };
        let p = &mut self.ds.projekte[idx];
        if p.themenfelder.iter().any(|(t, _)| *t == tf) {
            self.cx.err(
                &file,
                Some(line),
                format!("Projekt „{}“ steht schon in diesem Themenfeld", p.name),
            );
            return;
        }
        p.themenfelder.push((tf, row.teilabschnitt.clone()));
        for f in &row.fachlichkeit {
            if !p.fachlichkeiten.contains(f) {
                p.fachlichkeiten.push(f.clone());
            }
        }
        let mut extra = Vec::new();
        row_roles(self.dir, self.cx, &file, line, &row, &mut extra);
        for r in extra {
            if !p
                .rollen
                .iter()
                .any(|x| x.rolle == r.rolle && x.organisation == r.organisation && x.text == r.text)
            {
                p.rollen.push(r);
            }
        }
        merge_reference_notes(p, THEMENFELDER[tf], &row);
        self.reference_kdn_numbers(&file, line, idx, &row.kdn_nr);
    }

    /// The ozg.kdn.de numbers of a reference row: new ones go to the project referred to (`idx`);
    /// one that belongs to another project is an error.
    fn reference_kdn_numbers(&mut self, path: &str, line: usize, idx: usize, numbers: &[u32]) {
        for n in numbers {
            match self.kdn_owner.get(n) {
                Some(o) if *o == idx => {}
                Some(o) => self.cx.err(
                    path,
                    Some(line),
                    format!(
                        "ozg.kdn.de-Nummer {n} gehört zu einem anderen Projekt („{}“)",
                        self.ds.projekte[*o].name
                    ),
                ),
                None => {
                    self.kdn_owner.insert(*n, idx);
                    self.ds.projekte[idx].kdn_nr.push(*n);
                }
            }
        }
    }

    /// A file `plan/steckbriefe/*.toml`: attaches the Steckbrief to its project with its roles,
    /// OZG-Leistungen, priority and start. One Steckbrief per project.
    fn steckbrief_file(&mut self, f: &SourceFile) {
        let Some(sb) = toml_file::<SteckbriefFile>(f, self.cx) else {
            return;
        };
        let Some(&idx) = self.by_slug.get(&sb.projekt) else {
            self.cx.err(
                &f.path,
                Some(1),
                format!("Steckbrief für unbekanntes Projekt „{}“", sb.projekt),
            );
            return;
        };
        let mut rollen = Vec::new();
        for (rolle, entries) in [
            (Rolle::Auftraggeber, &sb.auftraggeber),
            (Rolle::Kommunalpartner, &sb.kommunalpartner),
            (Rolle::ItPartner, &sb.it_partner),
        ] {
            resolve_roles(self.dir, self.cx, &f.path, 1, rolle, entries, &mut rollen);
        }
        self.check_steckbrief_themenfelder(&f.path, idx, &sb.themenfelder);
        let p = &mut self.ds.projekte[idx];
        if p.steckbrief.is_some() {
            self.cx.err(
                &f.path,
                Some(1),
                format!("Projekt „{}“ hat schon einen Steckbrief", p.name),
            );
            return;
        }
        steckbrief_ozg_links(self.cx, self.ozg_known, &f.path, p, &sb.ozg_leistungen);
        steckbrief_prioritaet_und_start(self.cx, &f.path, p, &sb);
        p.rollen.extend(rollen);
        p.steckbrief = Some(sb);
    }

    /// The Themenfelder a Steckbrief names must exist; one whose table does not list the
    /// project is worth a note.
    fn check_steckbrief_themenfelder(&mut self, path: &str, idx: usize, themenfelder: &[String]) {
        let listed = &self.ds.projekte[idx].themenfelder;
        for t in themenfelder {
            match themenfeld_index(t) {
                Some(tf) if !listed.iter().any(|(x, _)| *x == tf) => self.cx.note(
                    path,
                    Some(1),
                    format!(
                        "Steckbrief nennt Themenfeld „{t}“, in dessen Tabelle das Projekt nicht steht"
                    ),
                ),
                Some(_) => {}
                None => self.cx.err(path, Some(1), format!("unbekanntes Themenfeld „{t}“")),
            }
        }
    }

    /// Links projects without any OZG link to the catalogue entry of the same name (compared as
    /// the search index does). Several entries of that name, or only similar names in the
    /// project's Themenfelder, give a note instead, so the link can be added by hand.
    fn link_by_name(&mut self) {
        let by_name: HashMap<String, Vec<OzgId>> =
            self.ds
                .ozg_leistungen
                .iter()
                .fold(HashMap::new(), |mut m, l| {
                    m.entry(index_string(&l.name)).or_default().push(l.ozg_id);
                    m
                });
        for p in self.ds.projekte.iter_mut() {
            if !p.ozg.is_empty() {
                continue;
            }
            match by_name.get(&index_string(&p.name)).map(Vec::as_slice) {
                Some([one]) => p.ozg.push(OzgLink {
                    ozg_id: *one,
                    quelle: "namensgleich",
                    hinweis: None,
                }),
                Some(many) if many.len() > 1 => {
                    let ids: Vec<String> = many.iter().map(ToString::to_string).collect();
                    self.cx.note(
                        &p.quelle,
                        None,
                        format!(
                            "Projekt „{}“: mehrere OZG-Leistungen gleichen Namens ({}), nicht verknüpft",
                            p.name,
                            ids.join(", ")
                        ),
                    );
                }
                _ => {
                    let cands = similar_leistungen(&self.ds.ozg_leistungen, p);
                    if !cands.is_empty() {
                        self.cx.note(
                            &p.quelle,
                            None,
                            format!(
                                "Projekt „{}“: kein eindeutiger Katalogtreffer, nicht verknüpft; Kandidaten: {}",
                                p.name,
                                cands.join("; ")
                            ),
                        );
                    }
                }
            }
        }
    }

    /// `plan/workshops.toml`: every workshop with a valid date; unknown Themenfelder are
    /// reported and left out of the workshop.
    fn workshops(&mut self, f: &SourceFile) {
        let Some(wf) = toml_file::<WorkshopFile>(f, self.cx) else {
            return;
        };
        for w in wf.workshop {
            let line = line_of(&f.text, w.span().start);
            let w = w.into_inner();
            if !is_iso_date(&w.datum) {
                self.cx.err(
                    &f.path,
                    Some(line),
                    format!("Datum „{}“ ist kein Datum im Format JJJJ-MM-TT", w.datum),
                );
                continue;
            }
            let mut tfs = Vec::new();
            for t in &w.themenfelder {
                match themenfeld_index(t) {
                    Some(i) => tfs.push(i),
                    None => {
                        self.cx
                            .err(&f.path, Some(line), format!("unbekanntes Themenfeld „{t}“"));
                    }
                }
            }
            self.ds.workshops.push(Workshop {
                row: w,
                themenfelder: tfs,
            });
        }
    }

    /// `plan/programm.toml`: its divergences and section-1 entries add to the projects; the
    /// file itself is kept for display.
    fn programm(&mut self, f: &SourceFile) {
        let Some(pf) = toml_file::<ProgrammFile>(f, self.cx) else {
            return;
        };
        for d in &pf.divergenz {
            self.divergenz(&f.path, d);
        }
        for e in &pf.uebersicht.eintrag {
            self.uebersicht_eintrag(&f.path, e);
        }
        self.ds.programm = Some(pf);
    }

    /// A divergence between the NRW and the Bund-Länder lists: the Bund-Länder priority comes
    /// from it, the NRW one only where the table has none. An unknown project is only a note.
    fn divergenz(&mut self, path: &str, d: &Divergenz) {
        let Some(i) = find_project(&self.ds.projekte, &d.projekt) else {
            self.cx.note(
                path,
                None,
                format!("Divergenz: Projekt „{}“ nicht gefunden", d.projekt),
            );
            return;
        };
        let p = &mut self.ds.projekte[i];
        if let Some(b) = d.prioritaet_bund {
            match parse_prioritaet_bund(b) {
                Ok(b) => p.prioritaet_bund = Some(b),
                Err(e) => self.cx.err(path, None, e.0),
            }
        }
        if let Some(n) = d.prioritaet_nrw
            && p.prioritaet_nrw.is_none()
        {
            match parse_prioritaet_nrw(n) {
                Ok(n) => p.prioritaet_nrw = Some(n),
                Err(e) => self.cx.err(path, None, e.0),
            }
        }
    }

    /// An entry of section 1 (the overview list). Its project, if found, takes the entry's
    /// Zielportal and working structure where it has none, and its doubts. The match (or
    /// `None`, with a note) is kept in `uebersicht_projekte`, one per entry in order.
    fn uebersicht_eintrag(&mut self, path: &str, e: &UebersichtEintrag) {
        let target = e.projekt.as_deref().unwrap_or(&e.name);
        let found = find_project(&self.ds.projekte, target);
        if found.is_none() {
            self.cx.note(
                path,
                None,
                format!("Abschnitt 1: „{}“ keinem Projekt zugeordnet", e.name),
            );
        }
        if let Some(i) = found {
            let p = &mut self.ds.projekte[i];
            if let Some(z) = &e.zielportal {
                match Zielportal::parse(z) {
                    Ok(z) => p.zielportal = p.zielportal.or(Some(z)),
                    Err(err) => self.cx.err(path, None, err),
                }
            }
            for (k, v) in &e.unsicher {
                if k != "projekt" {
                    p.unsicher
                        .entry(k.clone())
                        .or_insert_with(|| format!("Abschnitt 1: {v}"));
                }
            }
            if e.arbeitsstruktur.is_some() && p.arbeitsstruktur.is_none() {
                p.arbeitsstruktur = e.arbeitsstruktur;
            }
        }
        self.ds.uebersicht_projekte.push(found);
    }
}

/// A new project from its table row, with the cells taken as written; the checked values
/// (start, priorities, Zielportal, OZG links, roles, ozg.kdn.de numbers) are added afterwards.
fn new_projekt(
    slug: String,
    name: &str,
    position: i64,
    tf: usize,
    row: &ProjektRow,
    quelle: String,
) -> Projekt {
    Projekt {
        slug,
        name: name.trim().to_owned(),
        position,
        themenfelder: vec![(tf, row.teilabschnitt.clone())],
        fachlichkeiten: row
            .fachlichkeit
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        rollen: Vec::new(),
        projektstart: None,
        projektstart_text: row.projektstart.clone(),
        prioritaet_nrw: None,
        prioritaet_bund: None,
        prioritaet_veranstaltungen: row.prioritaet_veranstaltungen.clone(),
        zielportal: None,
        arbeitsstruktur: row.arbeitsstruktur,
        kdn_nr: Vec::new(),
        kdn_admin_nr: row.kdn_admin_nr.clone(),
        ozg: Vec::new(),
        anmerkung: row.anmerkung.clone(),
        hinweise: row.hinweise.clone(),
        unsicher: row.unsicher.clone(),
        steckbrief: None,
        quelle,
    }
}

/// Resolves the organisations of one role cell and appends them to `out`. "noch offen" stays
/// without an organisation; an organisation already in `out` in the same role is skipped; an
/// unknown or ambiguous name is an error (the entry is left out).
fn resolve_roles(
    dir: &OrgDirectory,
    cx: &mut Ctx,
    file: &str,
    line: usize,
    rolle: Rolle,
    entries: &[OrgEntry],
    out: &mut Vec<RoleEntry>,
) {
    for e in entries {
        let offen = e.is_offen();
        let organisation = if offen {
            None
        } else {
            match dir.resolve(e.name()) {
                Resolution::Found(i) => Some(i),
                Resolution::Ambiguous(v) => {
                    cx.err(
                        file,
                        Some(line),
                        format!(
                            "{}: „{}“ ist mehrdeutig ({} Organisationen passen); bitte genauer schreiben oder Alias ergänzen",
                            rolle.label(),
                            e.name(),
                            v.len()
                        ),
                    );
                    continue;
                }
                Resolution::Unknown => {
                    cx.err(
                        file,
                        Some(line),
                        format!(
                            "{}: Organisation „{}“ unbekannt (in data/organisationen ergänzen oder Alias anlegen)",
                            rolle.label(),
                            e.name()
                        ),
                    );
                    continue;
                }
            }
        };
        if let Some(o) = organisation
            && out
                .iter()
                .any(|r| r.rolle == rolle && r.organisation == Some(o))
        {
            continue;
        }
        out.push(RoleEntry {
            rolle,
            organisation,
            text: e.name().to_owned(),
            hinweis: e.hinweis().map(str::to_owned),
            offen,
            unsicher: e.unsicher().map(str::to_owned),
        });
    }
}

/// The three role columns of a table row, in this order: Projektleitung, Mitarbeit, Interesse.
fn row_roles(
    dir: &OrgDirectory,
    cx: &mut Ctx,
    file: &str,
    line: usize,
    row: &ProjektRow,
    out: &mut Vec<RoleEntry>,
) {
    resolve_roles(
        dir,
        cx,
        file,
        line,
        Rolle::Projektleitung,
        &row.projektleitung,
        out,
    );
    resolve_roles(dir, cx, file, line, Rolle::Mitarbeit, &row.mitarbeit, out);
    resolve_roles(dir, cx, file, line, Rolle::Interesse, &row.interesse, out);
}

/// The note cells of a reference row, added to its project with the name of the Themenfeld
/// they come from: doubts and cell texts per field, the remark as a further line, and a
/// Projektstart that differs from the project's as a cell text (the project's own start stays).
fn merge_reference_notes(p: &mut Projekt, tf_name: &str, row: &ProjektRow) {
    for (k, v) in &row.unsicher {
        p.unsicher
            .entry(k.clone())
            .and_modify(|e| e.push_str(&format!(" | {tf_name}: {v}")))
            .or_insert_with(|| format!("{tf_name}: {v}"));
    }
    for (k, v) in &row.hinweise {
        p.hinweise
            .entry(k.clone())
            .and_modify(|e| e.push_str(&format!(" | {tf_name}: {v}")))
            .or_insert_with(|| format!("{tf_name}: {v}"));
    }
    if let Some(a) = &row.anmerkung {
        p.anmerkung = Some(match p.anmerkung.take() {
            Some(prev) => format!("{prev}\n{tf_name}: {a}"),
            None => format!("{tf_name}: {a}"),
        });
    }
    if let Some(ps) = &row.projektstart
        && p.projektstart_text.as_deref() != Some(ps.as_str())
    {
        p.hinweise
            .entry("projektstart".into())
            .or_insert_with(|| format!("{tf_name}: {ps}"));
    }
}

/// The OZG-Leistungen of a Steckbrief replace the table's links to the same Leistung; when
/// the document printed another OZG-ID, the link says so.
fn steckbrief_ozg_links(
    cx: &mut Ctx,
    ozg_known: &HashMap<OzgId, usize>,
    path: &str,
    p: &mut Projekt,
    leistungen: &[SteckbriefLeistung],
) {
    for l in leistungen {
        match OzgId::try_from(l.ozg_id) {
            Ok(i) if ozg_known.contains_key(&i) => {
                p.ozg.retain(|x| x.ozg_id != i);
                let hinweis = l.dokument_ozg_id.filter(|d| *d != l.ozg_id).map(|d| {
                    l.hinweis
                        .clone()
                        .unwrap_or_else(|| format!("Das Dokument nennt die OZG-ID {d}."))
                });
                p.ozg.push(OzgLink {
                    ozg_id: i,
                    quelle: "steckbrief",
                    hinweis,
                });
            }
            _ => cx.err(
                path,
                Some(1),
                format!("OZG-ID {} gibt es im Katalog nicht", l.ozg_id),
            ),
        }
    }
}

/// The NRW priority of a Steckbrief must agree with the table's; its Projektstart is used only
/// where the table has none (kept as a cell text if it does not parse).
fn steckbrief_prioritaet_und_start(cx: &mut Ctx, path: &str, p: &mut Projekt, sb: &SteckbriefFile) {
    if let Some(v) = sb.prioritaet_nrw {
        match parse_prioritaet_nrw(v) {
            Ok(v) if p.prioritaet_nrw.is_some_and(|x| x != v) => cx.err(
                path,
                Some(1),
                format!(
                    "Priorität {v} widerspricht der Tabelle ({})",
                    p.prioritaet_nrw.unwrap_or_default()
                ),
            ),
            Ok(v) => p.prioritaet_nrw = Some(v),
            Err(e) => cx.err(path, Some(1), e.0),
        }
    }
    if p.projektstart.is_none()
        && let Some(ps) = &sb.projektstart
    {
        match Projektstart::parse(ps) {
            Ok(v) => {
                p.projektstart = Some(v);
                p.projektstart_text = Some(ps.clone());
            }
            Err(_) => {
                p.hinweise
                    .entry("projektstart".into())
                    .or_insert_with(|| ps.clone());
            }
        }
    }
}

/// Catalogue entries in the project's Themenfelder whose name contains the project's name or
/// is contained in it (names of at least 4 characters), as "OZG-ID name".
fn similar_leistungen(leistungen: &[OzgLeistung], p: &Projekt) -> Vec<String> {
    let key = name_key(&p.name);
    leistungen
        .iter()
        .filter(|l| p.themenfelder.iter().any(|(t, _)| *t == l.themenfeld))
        .filter(|l| {
            let lk = name_key(&l.name);
            key.len() >= 4 && (lk.contains(&key) || key.contains(&lk))
        })
        .map(|l| format!("{} {}", l.ozg_id, l.name))
        .collect()
}

/// The project a name in the programme refers to: same name (as [`name_key`]) or same slug.
fn find_project(projekte: &[Projekt], name: &str) -> Option<usize> {
    let k = name_key(name);
    projekte
        .iter()
        .position(|p| name_key(&p.name) == k || p.slug == slugify(name))
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s[..4].parse::<u16>().is_ok()
        && s[5..7].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        && s[8..].parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
}

#[cfg(test)]
mod tests {
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
