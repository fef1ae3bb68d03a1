//! Zuständigkeit: which authority is responsible for a service in a Gemeinde, and which
//! Gemeinde a postal code and place name mean.
//!
//! The rules are reviewable data (`data/zustaendigkeit/`, see its README): per service the level
//! ([`Ebene`]), the office ([`Amt`]) and the legal source; per Kommune the exceptions (above all
//! the kreisangehörige Städte with their own Jugendamt) with source and [`Pruefstand`]. The
//! resolver is pure: [`Zustaendigkeiten::laden`] takes the texts of the data files (the
//! application embeds them with `include_str!`), refuses bad data with German messages naming
//! file and line, and [`Zustaendigkeiten::zustaendig`] answers from memory.
//!
//! Levels: `gemeinde` is the Gemeinde itself; `kreis` is the Kreis (a kreisfreie Stadt is its
//! own Kreis level), unless `ausnahmen.csv` names the Gemeinde itself for that office (the city of
//! Aachen for the untere Naturschutzbehörde); `jugendamt` is the örtlicher Träger der öffentlichen
//! Jugendhilfe: the kreisfreie Stadt, a kreisangehörige Stadt listed with its own Jugendamt, else
//! the Kreis; `land` is the Land NRW.
//!
//! Construction in the application (paths relative to the including file):
//!
//! ```ignore
//! let z = Zustaendigkeiten::laden(&Quellen {
//!     gemeinden: include_str!("../../../data/nrw-gemeinden.csv"),
//!     plz: include_str!("../../../data/geonames/nrw-plz.csv"),
//!     dienste: include_str!("../../../data/zustaendigkeit/dienste.toml"),
//!     ausnahmen: include_str!("../../../data/zustaendigkeit/ausnahmen.csv"),
//!     jugendamt_kreise: include_str!("../../../data/zustaendigkeit/jugendamt-kreise.csv"),
//!     orte: include_str!("../../../data/zustaendigkeit/orte.csv"),
//! })?;
//! let g = z.gemeinde_zu("48431", "Rheine")?;
//! let wer = z.zustaendig("kita", &g.ags)?; // Stadt Rheine, "05566076-jugendamt"
//! ```

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::dataset::line_of;
use crate::ids::{Ags, Ars};
use crate::meldung::deutsch;
use crate::search::fold;

/// Paths of the data files, relative to `data/` (for messages and for the embedding).
pub mod dateien {
    /// The 396 Gemeinden.
    pub const GEMEINDEN: &str = "nrw-gemeinden.csv";
    /// Postal codes with place and Kreis (GeoNames).
    pub const PLZ: &str = "geonames/nrw-plz.csv";
    /// The rule per service.
    pub const DIENSTE: &str = "zustaendigkeit/dienste.toml";
    /// The exceptions per Kommune.
    pub const AUSNAHMEN: &str = "zustaendigkeit/ausnahmen.csv";
    /// How far the Jugendamt exceptions of each Kreis are verified.
    pub const JUGENDAMT_KREISE: &str = "zustaendigkeit/jugendamt-kreise.csv";
    /// Reviewed assignments of GeoNames places to Gemeinden.
    pub const ORTE: &str = "zustaendigkeit/orte.csv";
}

crate::schluessel! {
    /// The level at which a service's task lies.
    pub enum Ebene: "keine Ebene" {
        /// The Gemeinde (also a kreisfreie Stadt).
        Gemeinde = "gemeinde" / "Gemeinde",
        /// The Kreis; a kreisfreie Stadt is its own Kreis level.
        Kreis = "kreis" / "Kreis oder kreisfreie Stadt",
        /// The örtlicher Träger der öffentlichen Jugendhilfe.
        Jugendamt = "jugendamt" / "Örtlicher Träger der öffentlichen Jugendhilfe (Jugendamt)",
        /// The Land Nordrhein-Westfalen.
        Land = "land" / "Land Nordrhein-Westfalen",
    }
}

crate::schluessel! {
    /// The office that handles a service.
    pub enum Amt: "kein Amt" {
        /// General administration (Bürgerbüro, Poststelle).
        Allgemein = "allgemein" / "Allgemeine Verwaltung",
        /// Jugendamt.
        Jugendamt = "jugendamt" / "Jugendamt",
        /// Ordnungsamt with the Fundbüro.
        Fundbuero = "fundbuero" / "Ordnungsamt (Fundbüro)",
        /// Untere Naturschutzbehörde.
        UntereNaturschutzbehoerde = "untere-naturschutzbehoerde" / "Untere Naturschutzbehörde",
        /// Schulverwaltungsamt of the Schulträger.
        Schulverwaltung = "schulverwaltung" / "Schulverwaltungsamt (Schulträger)",
    }
}

crate::schluessel! {
    /// How an exception is backed by its source.
    pub enum Pruefstand: "kein Prüfstand" {
        /// The source names this Kommune's own office directly.
        Geprueft = "geprueft" / "geprüft",
        /// It follows from a source without being named there, e.g. the source lists the
        /// Gemeinden the Kreisjugendamt serves and this one is not among them.
        Abgeleitet = "abgeleitet" / "abgeleitet",
    }
}

/// A Gemeinde of NRW.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gemeinde {
    /// Amtlicher Gemeindeschlüssel.
    pub ags: Ags,
    /// Amtlicher Regionalschlüssel.
    pub ars: Ars,
    /// Official name as in the Gemeindeverzeichnis ("Rheine, Stadt").
    pub name: String,
    /// Name without the suffix after the comma ("Rheine").
    pub kurzname: String,
    /// Name for display and letters ("Stadt Rheine", "Gemeinde Saerbeck").
    pub anzeigename: String,
    /// 5-digit key of the Kreis or kreisfreie Stadt ("05566").
    pub kreis_schluessel: String,
    /// Name of the Kreis as in the data ("Steinfurt", "Düsseldorf, Stadt").
    pub kreis_name: String,
    /// Whether the Gemeinde is a kreisfreie Stadt.
    pub kreisfrei: bool,
}

/// The rule of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dienst {
    /// Key ("kita").
    pub schluessel: String,
    /// German name.
    pub bezeichnung: String,
    /// Level of the task.
    pub ebene: Ebene,
    /// Office.
    pub amt: Amt,
    /// Legal source (law and section).
    pub quelle: String,
    /// Note for reviewers and users (simplifications, local competence), may be empty.
    pub hinweis: String,
}

/// The answer: who is responsible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Zustaendigkeit {
    /// AGS (8 digits) of the responsible Körperschaft: the Gemeinde, the Kreis as its 5-digit
    /// key + "000", the kreisangehörige Stadt with its own office, or "05000000" for the Land.
    pub traeger_ags: String,
    /// Its name ("Kreis Steinfurt", "Stadt Rheine").
    pub traeger_name: String,
    /// The office.
    pub amt: Amt,
    /// Stable key of the authority: `traeger_ags` + "-" + the office's key
    /// ("05566076-jugendamt").
    pub behoerde_schluessel: String,
    /// Level of the task (from the service's rule).
    pub ebene: Ebene,
    /// Legal source of the rule, and the source of the exception where one applied.
    pub quelle: String,
    /// Whether the answer rests on verified data. `false` only where the Kreis is returned
    /// as Jugendamt although the Kreis's list of kreisangehörige Jugendämter is not verified
    /// (`jugendamt-kreise.csv`, `vollstaendig = nein`).
    pub geprueft: bool,
}

/// A question the resolver cannot answer, with a German message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ZFehler {
    /// No rule for this service key.
    #[error("„{dienst}“ ist kein bekannter Dienst: erlaubt sind {erlaubt}")]
    UnbekannterDienst {
        /// The key asked for.
        dienst: String,
        /// The known keys, comma-separated.
        erlaubt: String,
    },
    /// No Gemeinde with this AGS in NRW.
    #[error("Zum Gemeindeschlüssel „{0}“ gibt es keine Gemeinde in Nordrhein-Westfalen")]
    UnbekannteGemeinde(String),
    /// Not a postal code (5 digits).
    #[error("„{0}“ ist keine Postleitzahl: erwartet werden 5 Ziffern (z. B. 48431)")]
    PlzUngueltig(String),
    /// A postal code not listed for NRW.
    #[error("Die Postleitzahl {0} liegt nicht in Nordrhein-Westfalen oder ist nicht verzeichnet")]
    PlzNichtInNrw(String),
    /// The place does not fit the postal code.
    #[error("Der Ort „{ort}“ passt zu keiner Gemeinde mit der Postleitzahl {plz}")]
    OrtPasstNicht {
        /// Postal code.
        plz: String,
        /// Place as typed.
        ort: String,
    },
    /// Several Gemeinden fit; the user must choose.
    #[error("Zur Postleitzahl {plz} passen mehrere Gemeinden: {}; bitte eine auswählen", kandidaten.join(", "))]
    Mehrdeutig {
        /// Postal code.
        plz: String,
        /// Place as typed.
        ort: String,
        /// Display names of the candidates.
        kandidaten: Vec<String>,
    },
}

/// A problem in a data file: file, 1-based line where known, German reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{datei}{}: {meldung}", zeile.map(|z| format!(":{z}")).unwrap_or_default())]
pub struct DatenFehler {
    /// Path relative to `data/`.
    pub datei: String,
    /// 1-based line, where known.
    pub zeile: Option<usize>,
    /// German reason.
    pub meldung: String,
}

/// The texts of the data files (see [`dateien`]).
#[derive(Debug, Clone, Copy)]
pub struct Quellen<'a> {
    /// `nrw-gemeinden.csv`.
    pub gemeinden: &'a str,
    /// `geonames/nrw-plz.csv`.
    pub plz: &'a str,
    /// `zustaendigkeit/dienste.toml`.
    pub dienste: &'a str,
    /// `zustaendigkeit/ausnahmen.csv`.
    pub ausnahmen: &'a str,
    /// `zustaendigkeit/jugendamt-kreise.csv`.
    pub jugendamt_kreise: &'a str,
    /// `zustaendigkeit/orte.csv`.
    pub orte: &'a str,
}

/// An exception: for `amt`, the Gemeinde `ags` is served by `traeger` instead of the Kreis.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ausnahme {
    traeger: usize,
    status: Pruefstand,
    quelle: String,
}

/// One GeoNames row, resolved to its Gemeinde.
#[derive(Debug, Clone)]
struct PlzOrt {
    gemeinde: usize,
    /// The folded place name and, for "Bad Berleburg Raumland", the folded Ortsteil.
    namen: Vec<String>,
}

/// The loaded rules and places.
#[derive(Debug, Clone)]
pub struct Zustaendigkeiten {
    gemeinden: Vec<Gemeinde>,
    nach_ags: HashMap<String, usize>,
    /// Folded names a user may type for each Gemeinde (see [`namensschluessel`]).
    schluessel: Vec<Vec<String>>,
    /// The Gemeinden sorted by name (for select boxes).
    sortiert: Vec<Gemeinde>,
    kreis_namen: HashMap<String, String>,
    dienste: Vec<Dienst>,
    ausnahmen: HashMap<(usize, Amt), Ausnahme>,
    jugendamt_vollstaendig: HashMap<String, bool>,
    plz: HashMap<String, Vec<PlzOrt>>,
}

/// AGS of the Land NRW (as Träger of Land tasks).
pub const LAND_AGS: &str = "05000000";

/// Folds a name for comparison: lowercase, umlauts folded ([`fold`]), everything but letters
/// and digits a single space.
pub fn normalisieren(s: &str) -> String {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The names under which a Gemeinde is found: its short name folded, and without a
/// parenthesis or "/…" part ("Langenfeld (Rheinland)" → also "langenfeld",
/// "Fröndenberg/Ruhr" → also "frondenberg").
fn namensschluessel(kurzname: &str) -> Vec<String> {
    let mut out = vec![normalisieren(kurzname)];
    let ohne = kurzname.split(['(', '/']).next().unwrap_or(kurzname).trim();
    let k = normalisieren(ohne);
    if !k.is_empty() && !out.contains(&k) {
        out.push(k);
    }
    out
}

fn anzeigename(name: &str, kurzname: &str) -> String {
    let zusatz = name.split_once(',').map_or("", |(_, z)| z);
    if zusatz.to_lowercase().contains("stadt") {
        format!("Stadt {kurzname}")
    } else {
        format!("Gemeinde {kurzname}")
    }
}

fn kreis_anzeigename(name: &str) -> String {
    if name.to_lowercase().contains("kreis") || name.starts_with("Städteregion") {
        name.to_owned()
    } else {
        format!("Kreis {name}")
    }
}

/// At most 80 characters of a user's input, for messages.
fn kurz(s: &str) -> String {
    let t = s.trim();
    match t.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_owned(),
    }
}

/// The 1-based line where a CSV record starts. `Position::line` of the csv crate is one too
/// low in files with CRLF line ends (the GeoNames file has them); its byte offset points at the
/// line end before the record, so the line is counted from the first byte after line ends.
fn zeile_von(text: &str, p: &csv::Position) -> usize {
    let bytes = text.as_bytes();
    let mut b = usize::try_from(p.byte())
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    while b < bytes.len() && matches!(bytes[b], b'\r' | b'\n') {
        b += 1;
    }
    line_of(text, b)
}

struct Sammler {
    fehler: Vec<DatenFehler>,
}

impl Sammler {
    fn fehler(&mut self, datei: &str, zeile: Option<usize>, meldung: impl Into<String>) {
        self.fehler.push(DatenFehler {
            datei: datei.to_owned(),
            zeile,
            meldung: meldung.into(),
        });
    }

    /// Reads a CSV file into rows with their 1-based line; unreadable rows become errors.
    fn csv<T: for<'de> Deserialize<'de>>(&mut self, datei: &str, text: &str) -> Vec<(usize, T)> {
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let kopf = match rdr.headers() {
            Ok(k) => k.clone(),
            Err(e) => {
                self.fehler(
                    datei,
                    Some(1),
                    format!("CSV-Kopfzeile nicht lesbar: {}", deutsch(&e.to_string())),
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for rec in rdr.records() {
            let gelesen = rec.and_then(|r| {
                let zeile = r.position().map_or(0, |p| zeile_von(text, p));
                r.deserialize::<T>(Some(&kopf)).map(|t| (zeile, t))
            });
            match gelesen {
                Ok(r) => out.push(r),
                Err(e) => {
                    let zeile = e.position().map(|p| zeile_von(text, p));
                    let grund = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => {
                            format!("die Zeile hat {len} Felder, erwartet werden {expected_len}")
                        }
                        csv::ErrorKind::Deserialize { err, .. } => deutsch(&err.to_string()),
                        _ => deutsch(&e.to_string()),
                    };
                    self.fehler(datei, zeile, format!("CSV-Zeile nicht lesbar: {grund}"));
                }
            }
        }
        out
    }
}

#[derive(Deserialize)]
struct GemeindeZeile {
    ags: String,
    ars: String,
    name: String,
    kreis: String,
    kreis_typ: String,
}

#[derive(Deserialize)]
struct PlzZeile {
    plz: String,
    ort: String,
    kreis_schluessel: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiensteDatei {
    #[serde(default)]
    dienst: Vec<toml::Spanned<DienstZeile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DienstZeile {
    schluessel: String,
    bezeichnung: String,
    ebene: String,
    amt: String,
    quelle: String,
    #[serde(default)]
    hinweis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AusnahmeZeile {
    ags: String,
    gemeinde: String,
    amt: String,
    status: String,
    stand: String,
    quelle: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KreisZeile {
    kreis: String,
    name: String,
    vollstaendig: String,
    quelle: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrtZeile {
    plz: String,
    ort: String,
    ags: String,
    gemeinde: String,
    grund: String,
}

impl Zustaendigkeiten {
    /// Builds the registry from the texts of the data files. Every problem is reported, each
    /// with file and line.
    pub fn laden(q: &Quellen<'_>) -> Result<Self, Vec<DatenFehler>> {
        let mut s = Sammler { fehler: Vec::new() };
        let mut z = Zustaendigkeiten {
            gemeinden: Vec::new(),
            nach_ags: HashMap::new(),
            schluessel: Vec::new(),
            sortiert: Vec::new(),
            kreis_namen: HashMap::new(),
            dienste: Vec::new(),
            ausnahmen: HashMap::new(),
            jugendamt_vollstaendig: HashMap::new(),
            plz: HashMap::new(),
        };
        z.gemeinden_laden(&mut s, q.gemeinden);
        z.dienste_laden(&mut s, q.dienste);
        z.ausnahmen_laden(&mut s, q.ausnahmen);
        z.kreise_laden(&mut s, q.jugendamt_kreise);
        z.plz_laden(&mut s, q.plz, q.orte);
        if s.fehler.is_empty() {
            Ok(z)
        } else {
            // File by file, line by line (a file's unreadable rows are found before the rest).
            s.fehler
                .sort_by(|a, b| (&a.datei, a.zeile).cmp(&(&b.datei, b.zeile)));
            Err(s.fehler)
        }
    }

    fn gemeinden_laden(&mut self, s: &mut Sammler, text: &str) {
        let d = dateien::GEMEINDEN;
        for (zeile, r) in s.csv::<GemeindeZeile>(d, text) {
            let ags = match Ags::parse(&r.ags) {
                Ok(a) => a,
                Err(e) => {
                    s.fehler(d, Some(zeile), e.0);
                    continue;
                }
            };
            let ars = match Ars::parse(&r.ars) {
                Ok(a) => a,
                Err(e) => {
                    s.fehler(d, Some(zeile), e.0);
                    continue;
                }
            };
            if !ags.as_str().starts_with("05") {
                s.fehler(
                    d,
                    Some(zeile),
                    format!("{ags} liegt nicht in Nordrhein-Westfalen"),
                );
                continue;
            }
            let kreisfrei = match r.kreis_typ.as_str() {
                "kreisfreie-stadt" => true,
                "kreis" => false,
                t => {
                    s.fehler(
                        d,
                        Some(zeile),
                        format!("unbekannter Kreistyp „{t}“: erlaubt sind kreis, kreisfreie-stadt"),
                    );
                    continue;
                }
            };
            if kreisfrei && !ags.as_str().ends_with("000") {
                s.fehler(
                    d,
                    Some(zeile),
                    format!("kreisfreie Stadt {ags}: der Schlüssel muss auf 000 enden"),
                );
                continue;
            }
            let name = r.name.trim().to_owned();
            let kurzname = name.split(',').next().unwrap_or("").trim().to_owned();
            if kurzname.is_empty() || r.kreis.trim().is_empty() {
                s.fehler(d, Some(zeile), "Name oder Kreis fehlt");
                continue;
            }
            if self.nach_ags.contains_key(ags.as_str()) {
                s.fehler(d, Some(zeile), format!("Gemeindeschlüssel {ags} doppelt"));
                continue;
            }
            let kreis_schluessel = ags.kreis_key().to_owned();
            let kreis_name = r.kreis.trim().to_owned();
            match self.kreis_namen.get(&kreis_schluessel) {
                Some(k) if *k != kreis_name => s.fehler(
                    d,
                    Some(zeile),
                    format!("Kreis {kreis_schluessel} heißt hier „{kreis_name}“, vorher „{k}“"),
                ),
                _ => {
                    self.kreis_namen
                        .insert(kreis_schluessel.clone(), kreis_name.clone());
                }
            }
            self.nach_ags
                .insert(ags.as_str().to_owned(), self.gemeinden.len());
            self.schluessel.push(namensschluessel(&kurzname));
            self.gemeinden.push(Gemeinde {
                anzeigename: anzeigename(&name, &kurzname),
                ags,
                ars,
                name,
                kurzname,
                kreis_schluessel,
                kreis_name,
                kreisfrei,
            });
        }
        let mut sortiert = self.gemeinden.clone();
        sortiert.sort_by(|a, b| {
            (normalisieren(&a.kurzname), &a.ags).cmp(&(normalisieren(&b.kurzname), &b.ags))
        });
        self.sortiert = sortiert;
    }

    fn dienste_laden(&mut self, s: &mut Sammler, text: &str) {
        let d = dateien::DIENSTE;
        let datei: DiensteDatei = match toml::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let zeile = e.span().map(|sp| line_of(text, sp.start));
                s.fehler(
                    d,
                    zeile,
                    format!("TOML nicht lesbar: {}", deutsch(e.message())),
                );
                return;
            }
        };
        let mut gesehen = BTreeSet::new();
        for sp in datei.dienst {
            let zeile = Some(line_of(text, sp.span().start));
            let r = sp.into_inner();
            let key = r.schluessel.trim();
            let key_ok = !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !key_ok {
                s.fehler(
                    d,
                    zeile,
                    format!("Schlüssel „{key}“: erlaubt sind Kleinbuchstaben, Ziffern und -"),
                );
                continue;
            }
            if !gesehen.insert(key.to_owned()) {
                s.fehler(d, zeile, format!("Dienst „{key}“ doppelt"));
                continue;
            }
            let ebene = Ebene::parse(&r.ebene);
            let amt = Amt::parse(&r.amt);
            let (ebene, amt) = match (ebene, amt) {
                (Ok(e), Ok(a)) => (e, a),
                (e, a) => {
                    for m in [e.err(), a.err()].into_iter().flatten() {
                        s.fehler(d, zeile, format!("Dienst „{key}“: {m}"));
                    }
                    continue;
                }
            };
            if (ebene == Ebene::Jugendamt) != (amt == Amt::Jugendamt) {
                s.fehler(
                    d,
                    zeile,
                    format!("Dienst „{key}“: Ebene jugendamt und Amt jugendamt gehören zusammen"),
                );
                continue;
            }
            if r.bezeichnung.trim().is_empty() || r.quelle.trim().is_empty() {
                s.fehler(
                    d,
                    zeile,
                    format!("Dienst „{key}“: Bezeichnung und Quelle dürfen nicht leer sein"),
                );
                continue;
            }
            self.dienste.push(Dienst {
                schluessel: key.to_owned(),
                bezeichnung: r.bezeichnung.trim().to_owned(),
                ebene,
                amt,
                quelle: r.quelle.trim().to_owned(),
                hinweis: r.hinweis.trim().to_owned(),
            });
        }
        if self.dienste.is_empty() && s.fehler.iter().all(|f| f.datei != d) {
            s.fehler(d, None, "keine Dienste angegeben");
        }
    }

    fn ausnahmen_laden(&mut self, s: &mut Sammler, text: &str) {
        let d = dateien::AUSNAHMEN;
        for (zeile, r) in s.csv::<AusnahmeZeile>(d, text) {
            let z = Some(zeile);
            let Some(&g) = Ags::parse(&r.ags)
                .ok()
                .and_then(|a| self.nach_ags.get(a.as_str()))
            else {
                s.fehler(
                    d,
                    z,
                    format!(
                        "Zum Gemeindeschlüssel „{}“ gibt es keine Gemeinde",
                        r.ags.trim()
                    ),
                );
                continue;
            };
            let gem = &self.gemeinden[g];
            if r.gemeinde.trim() != gem.name {
                s.fehler(
                    d,
                    z,
                    format!(
                        "{} ist „{}“, nicht „{}“",
                        gem.ags,
                        gem.name,
                        r.gemeinde.trim()
                    ),
                );
                continue;
            }
            if gem.kreisfrei {
                s.fehler(
                    d,
                    z,
                    format!("{} ist kreisfrei und ohnehin selbst zuständig", gem.name),
                );
                continue;
            }
            let amt = match Amt::parse(&r.amt) {
                Ok(a @ (Amt::Jugendamt | Amt::UntereNaturschutzbehoerde)) => a,
                Ok(a) => {
                    s.fehler(d, z, format!("Amt „{}“ liegt nicht beim Kreis; Ausnahmen gibt es nur für jugendamt, untere-naturschutzbehoerde", a.key()));
                    continue;
                }
                Err(m) => {
                    s.fehler(d, z, m);
                    continue;
                }
            };
            let status = match Pruefstand::parse(&r.status) {
                Ok(p) => p,
                Err(m) => {
                    s.fehler(d, z, m);
                    continue;
                }
            };
            let stand = r.stand.trim();
            let jahr = stand.len() == 4 && stand.bytes().all(|b| b.is_ascii_digit());
            if !stand.is_empty() && !jahr {
                s.fehler(
                    d,
                    z,
                    format!("Stand „{stand}“: erwartet wird ein Jahr (JJJJ) oder nichts"),
                );
                continue;
            }
            if !r.quelle.contains("http") {
                s.fehler(
                    d,
                    z,
                    "Quelle fehlt: erwartet wird mindestens eine Webadresse",
                );
                continue;
            }
            let quelle = if stand.is_empty() {
                r.quelle.trim().to_owned()
            } else {
                format!("{} (Stand {stand})", r.quelle.trim())
            };
            let neu = Ausnahme {
                traeger: g,
                status,
                quelle,
            };
            if self.ausnahmen.insert((g, amt), neu).is_some() {
                s.fehler(d, z, format!("{} mit Amt {} doppelt", gem.name, amt.key()));
            }
        }
    }

    fn kreise_laden(&mut self, s: &mut Sammler, text: &str) {
        let d = dateien::JUGENDAMT_KREISE;
        for (zeile, r) in s.csv::<KreisZeile>(d, text) {
            let z = Some(zeile);
            let k = r.kreis.trim();
            let kreisangehoerig = self
                .gemeinden
                .iter()
                .any(|g| g.kreis_schluessel == k && !g.kreisfrei);
            if !kreisangehoerig {
                s.fehler(
                    d,
                    z,
                    format!("„{k}“ ist kein Kreis mit kreisangehörigen Gemeinden"),
                );
                continue;
            }
            if self.kreis_namen.get(k).map(String::as_str) != Some(r.name.trim()) {
                s.fehler(
                    d,
                    z,
                    format!(
                        "Kreis {k} heißt „{}“, nicht „{}“",
                        self.kreis_namen[k],
                        r.name.trim()
                    ),
                );
                continue;
            }
            let voll = match r.vollstaendig.trim() {
                "ja" => true,
                "nein" => false,
                v => {
                    s.fehler(d, z, format!("vollstaendig „{v}“: erlaubt sind ja, nein"));
                    continue;
                }
            };
            if r.quelle.trim().is_empty() {
                s.fehler(d, z, "Quelle oder Vermerk fehlt");
                continue;
            }
            if self
                .jugendamt_vollstaendig
                .insert(k.to_owned(), voll)
                .is_some()
            {
                s.fehler(d, z, format!("Kreis {k} doppelt"));
            }
        }
        let fehlend: BTreeSet<&str> = self
            .gemeinden
            .iter()
            .filter(|g| {
                !g.kreisfrei
                    && !self
                        .jugendamt_vollstaendig
                        .contains_key(&g.kreis_schluessel)
            })
            .map(|g| g.kreis_schluessel.as_str())
            .collect();
        if !fehlend.is_empty() && s.fehler.iter().all(|f| f.datei != d) {
            let liste: Vec<&str> = fehlend.into_iter().collect();
            s.fehler(d, None, format!("Kreise fehlen: {}", liste.join(", ")));
        }
    }

    fn plz_laden(&mut self, s: &mut Sammler, plz_text: &str, orte_text: &str) {
        // The reviewed assignments first: (plz, folded place) → Gemeinde.
        let d = dateien::ORTE;
        let mut zuordnung: HashMap<(String, String), (usize, usize, bool)> = HashMap::new();
        for (zeile, r) in s.csv::<OrtZeile>(d, orte_text) {
            let z = Some(zeile);
            let Some(&g) = Ags::parse(&r.ags)
                .ok()
                .and_then(|a| self.nach_ags.get(a.as_str()))
            else {
                s.fehler(
                    d,
                    z,
                    format!(
                        "Zum Gemeindeschlüssel „{}“ gibt es keine Gemeinde",
                        r.ags.trim()
                    ),
                );
                continue;
            };
            if r.gemeinde.trim() != self.gemeinden[g].name {
                s.fehler(
                    d,
                    z,
                    format!(
                        "{} ist „{}“, nicht „{}“",
                        r.ags.trim(),
                        self.gemeinden[g].name,
                        r.gemeinde.trim()
                    ),
                );
                continue;
            }
            if r.grund.trim().is_empty() {
                s.fehler(d, z, "Grund der Zuordnung fehlt");
                continue;
            }
            let key = (r.plz.trim().to_owned(), normalisieren(&r.ort));
            if zuordnung.insert(key, (g, zeile, false)).is_some() {
                s.fehler(
                    d,
                    z,
                    format!("PLZ {} und Ort „{}“ doppelt", r.plz.trim(), r.ort.trim()),
                );
            }
        }
        let d = dateien::PLZ;
        for (zeile, r) in s.csv::<PlzZeile>(d, plz_text) {
            let z = Some(zeile);
            let plz = r.plz.trim();
            if plz.len() != 5 || !plz.bytes().all(|b| b.is_ascii_digit()) {
                s.fehler(d, z, ZFehler::PlzUngueltig(kurz(plz)).to_string());
                continue;
            }
            let ort = normalisieren(&r.ort);
            let kreis = r.kreis_schluessel.trim();
            let im_kreis: Vec<usize> = (0..self.gemeinden.len())
                .filter(|&i| self.gemeinden[i].kreis_schluessel == kreis)
                .collect();
            if im_kreis.is_empty() {
                s.fehler(d, z, format!("Kreis „{kreis}“ unbekannt"));
                continue;
            }
            // "Stolberg (Rheinland)" is also found as "Stolberg".
            let mut namen = namensschluessel(&r.ort);
            let gemeinde = if let Some(e) = zuordnung.get_mut(&(plz.to_owned(), ort.clone())) {
                e.2 = true;
                if self.gemeinden[e.0].kreis_schluessel != kreis {
                    s.fehler(
                        d,
                        z,
                        format!(
                            "orte.csv ordnet „{}“ einer Gemeinde außerhalb des Kreises {kreis} zu",
                            r.ort.trim()
                        ),
                    );
                    continue;
                }
                e.0
            } else {
                let gleich: Vec<usize> = im_kreis
                    .iter()
                    .copied()
                    .filter(|&i| namen.iter().any(|n| self.schluessel[i].contains(n)))
                    .collect();
                let teil: Vec<(usize, String)> = im_kreis
                    .iter()
                    .filter_map(|&i| {
                        self.schluessel[i].iter().find_map(|k| {
                            ort.strip_prefix(k.as_str())
                                .and_then(|rest| rest.strip_prefix(' '))
                                .map(|rest| (i, rest.to_owned()))
                        })
                    })
                    .collect();
                match (gleich.as_slice(), teil.as_slice()) {
                    ([g], _) => *g,
                    ([], [(g, ortsteil)]) => {
                        namen.push(ortsteil.clone());
                        *g
                    }
                    _ => {
                        s.fehler(
                            d,
                            z,
                            format!(
                                "Ort „{}“ (PLZ {plz}) passt zu keiner oder mehreren Gemeinden des Kreises {kreis}; bitte in {} zuordnen",
                                r.ort.trim(),
                                dateien::ORTE
                            ),
                        );
                        continue;
                    }
                }
            };
            self.plz
                .entry(plz.to_owned())
                .or_default()
                .push(PlzOrt { gemeinde, namen });
        }
        let mut unbenutzt: Vec<usize> = zuordnung
            .values()
            .filter(|(_, _, benutzt)| !benutzt)
            .map(|(_, zeile, _)| *zeile)
            .collect();
        unbenutzt.sort_unstable();
        for zeile in unbenutzt {
            s.fehler(
                dateien::ORTE,
                Some(zeile),
                "Zuordnung passt zu keiner Zeile der PLZ-Datei",
            );
        }
    }

    /// Who is responsible for `dienst` (a key of `dienste.toml`) in the Gemeinde `gemeinde_ags`
    /// (for most services the Gemeinde of residence; for Fundsachen that of the Fundort; for
    /// the school services that of the school).
    pub fn zustaendig(&self, dienst: &str, gemeinde_ags: &Ags) -> Result<Zustaendigkeit, ZFehler> {
        let regel = self
            .dienst(dienst)
            .ok_or_else(|| ZFehler::UnbekannterDienst {
                dienst: kurz(dienst),
                erlaubt: self
                    .dienste
                    .iter()
                    .map(|d| d.schluessel.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let &g = self
            .nach_ags
            .get(gemeinde_ags.as_str())
            .ok_or_else(|| ZFehler::UnbekannteGemeinde(gemeinde_ags.to_string()))?;
        let gem = &self.gemeinden[g];
        let mut quelle = regel.quelle.clone();
        let mut geprueft = true;
        let (traeger_ags, traeger_name) = match regel.ebene {
            Ebene::Gemeinde => (gem.ags.to_string(), gem.anzeigename.clone()),
            Ebene::Land => (LAND_AGS.to_owned(), "Land Nordrhein-Westfalen".to_owned()),
            Ebene::Kreis | Ebene::Jugendamt if gem.kreisfrei => {
                (gem.ags.to_string(), gem.anzeigename.clone())
            }
            Ebene::Kreis | Ebene::Jugendamt => match self.ausnahmen.get(&(g, regel.amt)) {
                Some(a) => {
                    let t = &self.gemeinden[a.traeger];
                    quelle = format!(
                        "{quelle}; eigene Zuständigkeit ({}): {}",
                        a.status.label(),
                        a.quelle
                    );
                    (t.ags.to_string(), t.anzeigename.clone())
                }
                None => {
                    if regel.amt == Amt::Jugendamt {
                        geprueft = self
                            .jugendamt_vollstaendig
                            .get(&gem.kreis_schluessel)
                            .copied()
                            .unwrap_or(false);
                    }
                    (
                        format!("{}000", gem.kreis_schluessel),
                        kreis_anzeigename(&gem.kreis_name),
                    )
                }
            },
        };
        Ok(Zustaendigkeit {
            behoerde_schluessel: format!("{traeger_ags}-{}", regel.amt.key()),
            traeger_ags,
            traeger_name,
            amt: regel.amt,
            ebene: regel.ebene,
            quelle,
            geprueft,
        })
    }

    /// The rule of a service.
    pub fn dienst(&self, schluessel: &str) -> Option<&Dienst> {
        let k = schluessel.trim();
        self.dienste.iter().find(|d| d.schluessel == k)
    }

    /// All services in file order.
    pub fn dienste(&self) -> &[Dienst] {
        &self.dienste
    }

    /// The Gemeinde with this AGS.
    pub fn gemeinde(&self, ags: &Ags) -> Option<&Gemeinde> {
        self.nach_ags.get(ags.as_str()).map(|&i| &self.gemeinden[i])
    }

    /// All 396 Gemeinden sorted by name (for a select box: value `ags`, text `kurzname` and,
    /// where names repeat, `kreis_name`).
    pub fn alle_gemeinden(&self) -> &[Gemeinde] {
        &self.sortiert
    }

    /// The Gemeinden that fit a postal code and a place name, best first. The place is
    /// compared case- and umlaut-insensitively with the Gemeinde's name (without suffixes like
    /// ", Stadt" and, if the name has one, without its parenthesis: "Langenfeld"), with the
    /// GeoNames place and Ortsteil of that postal code ("Baumberg" for 40789), and as the first
    /// words of the name ("Monheim"). An empty place gives every Gemeinde of the postal code.
    /// If none of the postal code's Gemeinden fits, all Gemeinden of its Kreis whose name fits
    /// are returned (a postal code may reach into a neighbouring Gemeinde); else nothing.
    pub fn gemeinden(&self, plz: &str, ort: &str) -> Vec<Gemeinde> {
        let Some(zeilen) = self.plz.get(plz.trim()) else {
            return Vec::new();
        };
        let mut kandidaten: Vec<usize> = Vec::new();
        for z in zeilen {
            if !kandidaten.contains(&z.gemeinde) {
                kandidaten.push(z.gemeinde);
            }
        }
        let o = normalisieren(ort);
        if o.is_empty() {
            return kandidaten
                .iter()
                .map(|&i| self.gemeinden[i].clone())
                .collect();
        }
        let passt_name = |i: usize| self.schluessel[i].contains(&o);
        let passt = |i: usize| {
            passt_name(i)
                || zeilen
                    .iter()
                    .any(|z| z.gemeinde == i && z.namen.contains(&o))
                || self.schluessel[i].iter().any(|k| {
                    k.strip_prefix(o.as_str())
                        .is_some_and(|r| r.starts_with(' '))
                })
        };
        let treffer: Vec<usize> = kandidaten.iter().copied().filter(|&i| passt(i)).collect();
        if !treffer.is_empty() {
            return treffer.iter().map(|&i| self.gemeinden[i].clone()).collect();
        }
        let kreise: BTreeSet<&str> = kandidaten
            .iter()
            .map(|&i| self.gemeinden[i].kreis_schluessel.as_str())
            .collect();
        (0..self.gemeinden.len())
            .filter(|&i| {
                kreise.contains(self.gemeinden[i].kreis_schluessel.as_str()) && passt_name(i)
            })
            .map(|i| self.gemeinden[i].clone())
            .collect()
    }

    /// The one Gemeinde of a postal code and place, or why there is none or several.
    pub fn gemeinde_zu(&self, plz: &str, ort: &str) -> Result<Gemeinde, ZFehler> {
        let p = plz.trim();
        if p.len() != 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ZFehler::PlzUngueltig(kurz(p)));
        }
        if !self.plz.contains_key(p) {
            return Err(ZFehler::PlzNichtInNrw(p.to_owned()));
        }
        let mut treffer = self.gemeinden(p, ort);
        match treffer.len() {
            0 => Err(ZFehler::OrtPasstNicht {
                plz: p.to_owned(),
                ort: kurz(ort),
            }),
            1 => Ok(treffer.remove(0)),
            _ => Err(ZFehler::Mehrdeutig {
                plz: p.to_owned(),
                ort: kurz(ort),
                kandidaten: treffer.into_iter().map(|g| g.anzeigename).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GEMEINDEN: &str = include_str!("../../../data/nrw-gemeinden.csv");
    const PLZ: &str = include_str!("../../../data/geonames/nrw-plz.csv");
    const DIENSTE: &str = include_str!("../../../data/zustaendigkeit/dienste.toml");
    const AUSNAHMEN: &str = include_str!("../../../data/zustaendigkeit/ausnahmen.csv");
    const KREISE: &str = include_str!("../../../data/zustaendigkeit/jugendamt-kreise.csv");
    const ORTE: &str = include_str!("../../../data/zustaendigkeit/orte.csv");

    fn echte() -> Quellen<'static> {
        Quellen {
            gemeinden: GEMEINDEN,
            plz: PLZ,
            dienste: DIENSTE,
            ausnahmen: AUSNAHMEN,
            jugendamt_kreise: KREISE,
            orte: ORTE,
        }
    }

    fn z() -> Zustaendigkeiten {
        match Zustaendigkeiten::laden(&echte()) {
            Ok(z) => z,
            Err(f) => panic!(
                "Daten fehlerhaft:\n{}",
                f.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }

    fn ags(s: &str) -> Ags {
        Ags::parse(s).unwrap()
    }

    fn wer(z: &Zustaendigkeiten, dienst: &str, gemeinde: &str) -> Zustaendigkeit {
        z.zustaendig(dienst, &ags(gemeinde)).unwrap()
    }

    const DIENSTKEYS: [&str; 7] = [
        "anfrage",
        "kita",
        "elternbeitraege",
        "reitkennzeichen",
        "fundsachen",
        "schuelerbefoerderung",
        "schulaufnahme",
    ];

    #[test]
    fn alle_gemeinden_alle_dienste() {
        let z = z();
        assert_eq!(z.alle_gemeinden().len(), 396);
        let keys: Vec<&str> = z.dienste().iter().map(|d| d.schluessel.as_str()).collect();
        assert_eq!(keys, DIENSTKEYS);
        for g in z.alle_gemeinden() {
            for d in DIENSTKEYS {
                let r = z.zustaendig(d, &g.ags).unwrap();
                let t = ags(&r.traeger_ags);
                // The Träger is the Gemeinde itself or its Kreis, never another Kreis.
                assert_eq!(t.kreis_key(), g.kreis_schluessel, "{d} {}", g.name);
                assert!(t == g.ags || r.traeger_ags == format!("{}000", g.kreis_schluessel));
                assert_eq!(
                    r.behoerde_schluessel,
                    format!("{}-{}", r.traeger_ags, r.amt.key())
                );
                assert!(!r.traeger_name.is_empty() && !r.quelle.is_empty());
                let regel = z.dienst(d).unwrap();
                assert_eq!((r.ebene, r.amt), (regel.ebene, regel.amt));
                if regel.ebene == Ebene::Gemeinde {
                    assert_eq!(t, g.ags);
                }
            }
        }
    }

    #[test]
    fn kreisfreie_staedte_sind_selbst_zustaendig() {
        let z = z();
        let kreisfrei: Vec<&Gemeinde> = z.alle_gemeinden().iter().filter(|g| g.kreisfrei).collect();
        assert_eq!(kreisfrei.len(), 22);
        for g in kreisfrei {
            for d in ["kita", "elternbeitraege", "reitkennzeichen"] {
                let r = z.zustaendig(d, &g.ags).unwrap();
                assert_eq!(r.traeger_ags, g.ags.as_str());
                assert!(r.geprueft);
            }
        }
        let r = wer(&z, "kita", "05111000");
        assert_eq!(r.traeger_name, "Stadt Düsseldorf");
        assert_eq!(r.behoerde_schluessel, "05111000-jugendamt");
        let r = wer(&z, "reitkennzeichen", "05111000");
        assert_eq!(r.behoerde_schluessel, "05111000-untere-naturschutzbehoerde");
    }

    #[test]
    fn kreisjugendamt_ohne_eigenes_jugendamt() {
        let z = z();
        let r = wer(&z, "kita", "05566080"); // Saerbeck, Kreis Steinfurt
        assert_eq!(r.traeger_ags, "05566000");
        assert_eq!(r.traeger_name, "Kreis Steinfurt");
        assert_eq!(r.behoerde_schluessel, "05566000-jugendamt");
        assert_eq!(r.ebene, Ebene::Jugendamt);
        assert!(r.geprueft, "Kreis Steinfurt ist vollständig geprüft");
        assert!(r.quelle.contains("AG-KJHG"));
        // Hochsauerlandkreis: not verified, so the answer says so.
        let r = wer(&z, "elternbeitraege", "05958020");
        assert_eq!(
            (r.traeger_ags.as_str(), r.traeger_name.as_str()),
            ("05958000", "Hochsauerlandkreis")
        );
        assert!(!r.geprueft);
    }

    #[test]
    fn eigenes_jugendamt_aus_der_liste() {
        let z = z();
        let r = wer(&z, "kita", "05566076"); // Rheine
        assert_eq!(r.traeger_ags, "05566076");
        assert_eq!(r.traeger_name, "Stadt Rheine");
        assert_eq!(r.behoerde_schluessel, "05566076-jugendamt");
        assert!(r.geprueft);
        assert!(r.quelle.contains("kreis-steinfurt.de"), "{}", r.quelle);
        // Rheine's Reitkennzeichen stay with the Kreis.
        assert_eq!(
            wer(&z, "reitkennzeichen", "05566076").traeger_ags,
            "05566000"
        );
        // Städteregion Aachen: Alsdorf has its own Jugendamt, Baesweiler does not.
        assert_eq!(wer(&z, "kita", "05334004").traeger_ags, "05334004");
        let r = wer(&z, "kita", "05334008");
        assert_eq!(
            (r.traeger_ags.as_str(), r.traeger_name.as_str()),
            ("05334000", "Städteregion Aachen")
        );
    }

    #[test]
    fn reitkennzeichen_beim_kreis_ausser_aachen() {
        let z = z();
        let r = wer(&z, "reitkennzeichen", "05566084"); // Stadt Steinfurt
        assert_eq!(r.traeger_ags, "05566000");
        assert_eq!(r.ebene, Ebene::Kreis);
        assert_eq!(r.amt, Amt::UntereNaturschutzbehoerde);
        assert_eq!(
            wer(&z, "reitkennzeichen", "05334004").traeger_ags,
            "05334000"
        );
        // The city of Aachen is kreisangehörig but its own untere Naturschutzbehörde.
        let r = wer(&z, "reitkennzeichen", "05334002");
        assert_eq!(r.traeger_ags, "05334002");
        assert_eq!(r.traeger_name, "Stadt Aachen");
        assert!(r.quelle.contains("lebendiges-aachen.de"));
    }

    #[test]
    fn gemeindeebene() {
        let z = z();
        for d in [
            "anfrage",
            "fundsachen",
            "schuelerbefoerderung",
            "schulaufnahme",
        ] {
            let r = wer(&z, d, "05566080");
            assert_eq!(r.traeger_ags, "05566080");
            assert_eq!(r.traeger_name, "Gemeinde Saerbeck");
        }
        assert_eq!(
            wer(&z, "fundsachen", "05566080").behoerde_schluessel,
            "05566080-fundbuero"
        );
        assert_eq!(wer(&z, "anfrage", "05566080").amt, Amt::Allgemein);
        assert_eq!(
            wer(&z, "schulaufnahme", "05566080").amt,
            Amt::Schulverwaltung
        );
    }

    #[test]
    fn fehler_unbekannt() {
        let z = z();
        let e = z.zustaendig("hundesteuer", &ags("05566076")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "„hundesteuer“ ist kein bekannter Dienst: erlaubt sind anfrage, kita, elternbeitraege, reitkennzeichen, fundsachen, schuelerbefoerderung, schulaufnahme"
        );
        let e = z.zustaendig("kita", &ags("09162000")).unwrap_err();
        assert_eq!(e, ZFehler::UnbekannteGemeinde("09162000".into()));
        assert!(
            e.to_string()
                .contains("keine Gemeinde in Nordrhein-Westfalen")
        );
        assert!(z.gemeinde(&ags("05566076")).is_some());
        assert!(z.gemeinde(&ags("05566999")).is_none());
    }

    fn namen(v: &[Gemeinde]) -> Vec<&str> {
        v.iter().map(|g| g.kurzname.as_str()).collect()
    }

    #[test]
    fn plz_und_ort() {
        let z = z();
        assert_eq!(namen(&z.gemeinden("48431", "Rheine")), ["Rheine"]);
        assert_eq!(namen(&z.gemeinden(" 48431 ", "RHEINE")), ["Rheine"]);
        assert_eq!(namen(&z.gemeinden("40210", "Düsseldorf")), ["Düsseldorf"]);
        assert_eq!(namen(&z.gemeinden("40210", "duesseldorf")), ["Düsseldorf"]);
        assert_eq!(namen(&z.gemeinden("40210", "")), ["Düsseldorf"]);
        assert_eq!(
            z.gemeinde_zu("48431", "Rheine").unwrap().ags.as_str(),
            "05566076"
        );
        // Names with a suffix or a parenthesis, Ortsteile of GeoNames, first words.
        assert_eq!(
            namen(&z.gemeinden("40764", "Langenfeld")),
            ["Langenfeld (Rheinland)"]
        );
        assert_eq!(
            namen(&z.gemeinden("40789", "Baumberg")),
            ["Monheim am Rhein"]
        );
        assert_eq!(
            namen(&z.gemeinden("40789", "Monheim")),
            ["Monheim am Rhein"]
        );
        assert_eq!(namen(&z.gemeinden("57319", "Raumland")), ["Bad Berleburg"]);
        assert_eq!(
            namen(&z.gemeinden("52222", "Stolberg (Rheinland)")),
            ["Stolberg (Rhld.)"]
        );
        assert_eq!(
            namen(&z.gemeinden("52222", "stolberg")),
            ["Stolberg (Rhld.)"]
        );
        // A parenthesis is not an Ortsteil.
        assert!(z.gemeinden("52222", "Rheinland").is_empty());
        assert_eq!(
            namen(&z.gemeinden("46446", "Emmerich")),
            ["Emmerich am Rhein"]
        );
        assert_eq!(
            namen(&z.gemeinden("46446", "Emmerich am Rhein")),
            ["Emmerich am Rhein"]
        );
    }

    #[test]
    fn plz_zweier_gemeinden() {
        let z = z();
        // 52525 belongs to Heinsberg and Waldfeucht.
        assert_eq!(
            namen(&z.gemeinden("52525", "")),
            ["Waldfeucht", "Heinsberg"]
        );
        assert_eq!(namen(&z.gemeinden("52525", "Waldfeucht")), ["Waldfeucht"]);
        assert_eq!(namen(&z.gemeinden("52525", "heinsberg")), ["Heinsberg"]);
        let e = z.gemeinde_zu("52525", " ").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Zur Postleitzahl 52525 passen mehrere Gemeinden: Gemeinde Waldfeucht, Stadt Heinsberg; bitte eine auswählen"
        );
        // A neighbouring Gemeinde of the same Kreis is still found by name.
        assert_eq!(namen(&z.gemeinden("52525", "Gangelt")), ["Gangelt"]);
    }

    #[test]
    fn plz_fehler() {
        let z = z();
        assert!(z.gemeinden("80331", "München").is_empty());
        assert_eq!(
            z.gemeinde_zu("80331", "München").unwrap_err(),
            ZFehler::PlzNichtInNrw("80331".into())
        );
        assert_eq!(
            z.gemeinde_zu("4843", "Rheine").unwrap_err().to_string(),
            "„4843“ ist keine Postleitzahl: erwartet werden 5 Ziffern (z. B. 48431)"
        );
        assert!(z.gemeinden("48431", "Köln").is_empty());
        assert_eq!(
            z.gemeinde_zu("48431", "Köln").unwrap_err().to_string(),
            "Der Ort „Köln“ passt zu keiner Gemeinde mit der Postleitzahl 48431"
        );
    }

    #[test]
    fn auswahlliste_sortiert() {
        let z = z();
        let alle = z.alle_gemeinden();
        assert_eq!(alle[0].kurzname, "Aachen");
        let schluessel: Vec<String> = alle.iter().map(|g| normalisieren(&g.kurzname)).collect();
        assert!(schluessel.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(
            z.gemeinde(&ags("05566080")).unwrap().anzeigename,
            "Gemeinde Saerbeck"
        );
        assert_eq!(
            z.gemeinde(&ags("05914000")).unwrap().anzeigename,
            "Stadt Hagen"
        );
    }

    #[test]
    fn ausnahmen_und_kreise_stimmen_ueberein() {
        let z = z();
        // In a Kreis marked complete, every kreisangehörige Gemeinde has an answer that rests on
        // verified data; the listed exceptions are counted for the README.
        let mut geprueft = 0;
        let mut abgeleitet = 0;
        for a in z.ausnahmen.values() {
            match a.status {
                Pruefstand::Geprueft => geprueft += 1,
                Pruefstand::Abgeleitet => abgeleitet += 1,
            }
        }
        assert_eq!((geprueft, abgeleitet), (61, 33));
        let kreise_voll = z.jugendamt_vollstaendig.values().filter(|v| **v).count();
        assert_eq!((kreise_voll, z.jugendamt_vollstaendig.len()), (17, 31));
    }

    fn mit(
        ersetzen: impl Fn(&mut Quellen<'static>, &'static str),
        text: &'static str,
    ) -> Vec<DatenFehler> {
        let mut q = echte();
        ersetzen(&mut q, text);
        Zustaendigkeiten::laden(&q).unwrap_err()
    }

    #[test]
    fn fehlerhafte_daten_mit_datei_und_zeile() {
        let f = mit(
            |q, t| q.ausnahmen = t,
            "ags,gemeinde,amt,status,stand,quelle\n\
             05566076,\"Rheine, Stadt\",jugendamt,geprueft,2020,https://example.org\n\
             05566076,\"Rheine\",jugendamt,geprueft,2020,https://example.org\n\
             05111000,\"Düsseldorf, Stadt\",jugendamt,geprueft,2020,https://example.org\n\
             05566084,\"Steinfurt, Stadt\",fundbuero,geprueft,2020,https://example.org\n\
             05566084,\"Steinfurt, Stadt\",jugendamt,vielleicht,2020,https://example.org\n\
             05566084,\"Steinfurt, Stadt\",jugendamt,geprueft,gestern,https://example.org\n\
             05566084,\"Steinfurt, Stadt\",jugendamt,geprueft,2020,keine Quelle\n\
             0556608,\"Steinfurt, Stadt\",jugendamt,geprueft,2020,https://example.org\n\
             05566076,\"Rheine, Stadt\",jugendamt,geprueft,2020,https://example.org\n\
             05566084,zu wenig\n",
        );
        let text: Vec<String> = f.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 9, "{text:#?}");
        assert!(
            text[0].starts_with("zustaendigkeit/ausnahmen.csv:3: 05566076 ist „Rheine, Stadt“"),
            "{}",
            text[0]
        );
        assert!(
            text[1].starts_with("zustaendigkeit/ausnahmen.csv:4: Düsseldorf, Stadt ist kreisfrei")
        );
        assert!(text[2].contains(":5: Amt „fundbuero“ liegt nicht beim Kreis"));
        assert!(
            text[3]
                .contains(":6: „vielleicht“ ist kein Prüfstand: erlaubt sind geprueft, abgeleitet")
        );
        assert!(text[4].contains(":7: Stand „gestern“"));
        assert!(text[5].contains(":8: Quelle fehlt"));
        assert!(text[6].contains(":9: Zum Gemeindeschlüssel „0556608“"));
        assert!(text[7].contains(":10: Rheine, Stadt mit Amt jugendamt doppelt"));
        assert_eq!(
            text[8],
            "zustaendigkeit/ausnahmen.csv:11: CSV-Zeile nicht lesbar: die Zeile hat 2 Felder, erwartet werden 6"
        );
    }

    #[test]
    fn zeilen_auch_bei_crlf() {
        let f = mit(
            |q, t| q.orte = t,
            "plz,ort,ags,gemeinde,grund\r\n46446,Emmerich,05154008,\"Emmerich am Rhein, Stadt\",x\r\n46446,Emmerich,05154008,Emmerich,x\r\n",
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].zeile, Some(3));
    }

    #[test]
    fn fehlerhafte_dienste() {
        let f = mit(
            |q, t| q.dienste = t,
            "[[dienst]]\nschluessel = \"kita\"\nbezeichnung = \"Kita\"\nebene = \"bund\"\namt = \"jugendamt\"\nquelle = \"x\"\n\n\
             [[dienst]]\nschluessel = \"kita\"\nbezeichnung = \"Kita\"\nebene = \"kreis\"\namt = \"jugendamt\"\nquelle = \"x\"\n",
        );
        let text: Vec<String> = f.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "zustaendigkeit/dienste.toml:1: Dienst „kita“: „bund“ ist keine Ebene: erlaubt sind gemeinde, kreis, jugendamt, land",
                "zustaendigkeit/dienste.toml:8: Dienst „kita“ doppelt",
            ]
        );
        let f = mit(
            |q, t| q.dienste = t,
            "[[dienst]]\nschluessel = \"kita\"\nfarbe = 3\n",
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].to_string().starts_with(
                "zustaendigkeit/dienste.toml:3: TOML nicht lesbar: unbekannte Angabe „farbe“"
            ),
            "{}",
            f[0]
        );
    }

    #[test]
    fn fehlerhafte_orte_und_plz() {
        let f = mit(
            |q, t| q.plz = t,
            "plz,ort,kreis,kreis_schluessel,lat,lon\n48431,Rheine,Steinfurt,05566,0,0\n4843,Rheine,Steinfurt,05566,0,0\n48432,Nirgendwo,Steinfurt,05566,0,0\n48433,Rheine,X,09999,0,0\n",
        );
        let text: Vec<String> = f.iter().map(ToString::to_string).collect();
        assert!(
            text[0].starts_with("geonames/nrw-plz.csv:3: „4843“ ist keine Postleitzahl"),
            "{text:#?}"
        );
        assert!(
            text[1]
                .starts_with("geonames/nrw-plz.csv:4: Ort „Nirgendwo“ (PLZ 48432) passt zu keiner")
        );
        assert!(text[2].starts_with("geonames/nrw-plz.csv:5: Kreis „09999“ unbekannt"));
        // The Emmerich assignment has no PLZ row left.
        assert!(
            text[3].starts_with("zustaendigkeit/orte.csv:2: Zuordnung passt zu keiner Zeile"),
            "{text:#?}"
        );
        assert_eq!(text.len(), 4);
        let f = mit(
            |q, t| q.jugendamt_kreise = t,
            "kreis,name,vollstaendig,quelle\n05566,Steinfurt,vielleicht,x\n",
        );
        let text: Vec<String> = f.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "zustaendigkeit/jugendamt-kreise.csv:2: vollstaendig „vielleicht“: erlaubt sind ja, nein"
            ]
        );
        let f = mit(
            |q, t| q.jugendamt_kreise = t,
            "kreis,name,vollstaendig,quelle\n05566,Steinfurt,ja,x\n05111,\"Düsseldorf, Stadt\",ja,x\n",
        );
        let text: Vec<String> = f.iter().map(ToString::to_string).collect();
        assert_eq!(
            text[0],
            "zustaendigkeit/jugendamt-kreise.csv:3: „05111“ ist kein Kreis mit kreisangehörigen Gemeinden"
        );
        assert_eq!(text.len(), 1);
        let f = mit(
            |q, t| q.jugendamt_kreise = t,
            "kreis,name,vollstaendig,quelle\n05566,Steinfurt,ja,x\n",
        );
        assert!(
            f[0].to_string()
                .starts_with("zustaendigkeit/jugendamt-kreise.csv: Kreise fehlen: 05154, 05158"),
            "{}",
            f[0]
        );
        let f = mit(
            |q, t| q.gemeinden = t,
            "ags,ars,name,kreis,kreis_typ\n05566076,055660076076,\"Rheine, Stadt\",Steinfurt,landkreis\n",
        );
        let g: Vec<String> = f
            .iter()
            .filter(|f| f.datei == dateien::GEMEINDEN)
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            g,
            [
                "nrw-gemeinden.csv:2: unbekannter Kreistyp „landkreis“: erlaubt sind kreis, kreisfreie-stadt"
            ]
        );
    }

    proptest::proptest! {
        /// Whatever is typed or asked: no panic; an answer always names a known Träger.
        #[test]
        fn beliebige_eingaben(dienst in "\\PC{0,20}", a in "\\PC{0,10}", plz in "\\PC{0,8}", ort in "\\PC{0,30}", i in 0usize..396) {
            let z = z_geteilt();
            if let Ok(g) = Ags::parse(&a) {
                let _ = z.zustaendig(&dienst, &g);
            }
            let g = z.alle_gemeinden()[i].ags.clone();
            for d in [dienst.as_str(), "kita", "reitkennzeichen"] {
                if let Ok(r) = z.zustaendig(d, &g) {
                    proptest::prop_assert!(Ags::parse(&r.traeger_ags).is_ok());
                }
            }
            let treffer = z.gemeinden(&plz, &ort);
            match z.gemeinde_zu(&plz, &ort) {
                Ok(g) => proptest::prop_assert_eq!(treffer, vec![g]),
                Err(e) => proptest::prop_assert!(!e.to_string().is_empty()),
            }
            let echte_plz = ["48431", "52525", "40789", "57319"][i % 4];
            let _ = z.gemeinde_zu(echte_plz, &ort);
        }
    }

    fn z_geteilt() -> &'static Zustaendigkeiten {
        static Z: std::sync::OnceLock<Zustaendigkeiten> = std::sync::OnceLock::new();
        Z.get_or_init(z)
    }
}
