//! PDF documents set in-process with the Typst compiler: no network, no external programs, no
//! files. A capability passes a Typst template (compiled into the binary, or a service's own)
//! and its data as JSON; the template reads the data as `data.json` and inserts it as strings,
//! so nothing in the data is ever evaluated as markup. The DejaVu Sans faces are embedded (and
//! the default font), the language is German unless the template says otherwise, the document
//! has a title (the template's `document(title: …)`, else the one passed), and the output is a
//! tagged PDF checked against PDF/UA-1 by the exporter.
//!
//! Characters no embedded face can show would make a PDF/UA document invalid (the `.notdef`
//! glyph is forbidden): [`setzen`] replaces them in the data by U+FFFD, drops invisible
//! formatting characters the faces lack and turns control characters (except line breaks)
//! into spaces, so data typed by anyone always yields a document.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{LazyLock, Mutex, PoisonError};

use anyhow::{Result, anyhow};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontFamily, FontList, Lang, Locale, Region, TextElem};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

/// A rendered PDF and its page count.
#[derive(Debug, Clone)]
pub struct Pdf {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// Pages.
    pub seiten: usize,
}

struct Schriften {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// DejaVu Sans in its four faces: what the templates use (regular, bold, oblique).
static SCHRIFTEN: LazyLock<Schriften> = LazyLock::new(|| {
    let data: [&'static [u8]; 4] = [
        dejavu::sans::regular(),
        dejavu::sans::bold(),
        dejavu::sans::oblique(),
        dejavu::sans::bold_oblique(),
    ];
    let fonts: Vec<Font> = data
        .into_iter()
        .flat_map(|d| Font::iter(Bytes::new(d)))
        .collect();
    Schriften {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// The standard library, with German and DejaVu Sans as the defaults: a template that sets
/// neither still yields a German document in the embedded font.
static BIBLIOTHEK: LazyLock<LazyHash<Library>> = LazyLock::new(|| {
    let mut bibliothek = Library::default();
    bibliothek.styles.set(TextElem::lang, Lang::GERMAN);
    bibliothek.styles.set(TextElem::region, Some(deutschland()));
    bibliothek.styles.set(
        TextElem::font,
        FontList(vec![FontFamily::new("DejaVu Sans")]),
    );
    LazyHash::new(bibliothek)
});

fn deutschland() -> Region {
    Region::from_str("DE").expect("a region code")
}

fn file_id(path: &str) -> FileId {
    FileId::new(RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("static path"),
    ))
}

static VORLAGE_ID: LazyLock<FileId> = LazyLock::new(|| file_id("/vorlage.typ"));
static DATEN_ID: LazyLock<FileId> = LazyLock::new(|| file_id("/data.json"));

/// Parsed templates, by their text: a template is parsed once, not per document. Bounded, since
/// services may bring their own templates.
static VORLAGEN: LazyLock<Mutex<HashMap<String, Source>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));
const VORLAGEN_MAX: usize = 32;

fn vorlage(text: &str) -> Source {
    let mut v = VORLAGEN.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(s) = v.get(text) {
        return s.clone();
    }
    if v.len() >= VORLAGEN_MAX {
        v.clear();
    }
    let s = Source::new(*VORLAGE_ID, text.to_owned());
    v.insert(text.to_owned(), s.clone());
    s
}

/// The compiler's view of the world: the template, the data and the embedded fonts; nothing
/// else can be read.
struct Welt {
    main: Source,
    data: Bytes,
    today: Datetime,
}

impl World for Welt {
    fn library(&self) -> &LazyHash<Library> {
        &BIBLIOTHEK
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &SCHRIFTEN.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == *DATEN_ID {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        SCHRIFTEN.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// The compiler's messages, with the line of the template where the span is known.
fn beschreiben(diags: &[SourceDiagnostic], welt: &Welt) -> String {
    diags
        .iter()
        .map(|d| {
            let mut s = String::new();
            if let Some(zeile) = (d.span.id() == Some(welt.main.id()))
                .then(|| WorldExt::range(welt, d.span))
                .flatten()
                .and_then(|r| welt.main.lines().byte_to_line(r.start))
            {
                s.push_str(&format!("Zeile {}: ", zeile + 1));
            }
            s.push_str(&d.message);
            for h in &d.hints {
                s.push_str(" (Hinweis: ");
                s.push_str(&h.v);
                s.push(')');
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Typesets `vorlage` (Typst source) with `daten` (JSON, read by the template as `data.json`)
/// as a tagged PDF/UA-1 document. `titel_ident` names the document, stably: it is the title
/// where the template sets none, the PDF's document ID is derived from it, and errors name it
/// (e.g. `"Bescheid – Bewohnerparkausweis – Antragsnummer BPA-2026-000123"`). `jetzt` is the
/// creation time (the template's `datetime.today()` is its day in German time).
/// CPU-bound: a one-page document costs a few milliseconds, a long one up to seconds, so call
/// it from a blocking thread.
///
/// Errors are German and name the line of the template: a template that does not compile, data
/// that is not JSON, a document the PDF/UA check rejects.
pub fn setzen(
    vorlage_text: &str,
    daten: &[u8],
    titel_ident: &str,
    jetzt: jiff::Timestamp,
) -> Result<Pdf> {
    let daten = setzbare_daten(daten)
        .map_err(|e| anyhow!("Die Daten für „{titel_ident}“ sind kein gültiges JSON: {e}"))?;
    let pdf = setzen_roh(vorlage_text, daten, titel_ident, jetzt);
    raeumen();
    pdf
}

fn setzen_roh(
    vorlage_text: &str,
    daten: Vec<u8>,
    titel_ident: &str,
    jetzt: jiff::Timestamp,
) -> Result<Pdf> {
    let hier = jetzt.to_zoned_datetime(crate::kern::uhr::berlin());
    let today = Datetime::from_ymd(i32::from(hier.year()), hier.month() as u8, hier.day() as u8)
        .ok_or_else(|| anyhow!("ungültiges Datum"))?;
    let welt = Welt {
        main: vorlage(vorlage_text),
        data: Bytes::new(daten),
        today,
    };
    let mut dokument = typst::compile::<PagedDocument>(&welt).output.map_err(|e| {
        anyhow!(
            "Satz von „{titel_ident}“ fehlgeschlagen: {}",
            beschreiben(&e, &welt)
        )
    })?;
    let info = dokument.info_mut();
    if info.title.is_none() {
        info.title = Some(titel_ident.into());
    }
    if info.locale.is_auto() {
        info.locale = Smart::Custom(Locale {
            lang: Lang::GERMAN,
            region: Some(deutschland()),
        });
    }
    let utc = jetzt.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let timestamp = Datetime::from_ymd_hms(
        i32::from(utc.year()),
        utc.month() as u8,
        utc.day() as u8,
        utc.hour() as u8,
        utc.minute() as u8,
        utc.second() as u8,
    )
    .map(typst_pdf::Timestamp::new_utc);
    let options = PdfOptions {
        ident: Smart::Custom(format!("ozg-plattform-{titel_ident}")),
        creator: Smart::Custom(Some("OZG-Plattform".into())),
        timestamp,
        standards: PdfStandards::new(&[PdfStandard::Ua_1])
            .map_err(|e| anyhow!("PDF-Standard: {}", e.message()))?,
        ..PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&dokument, &options).map_err(|e| {
        anyhow!(
            "PDF-Ausgabe von „{titel_ident}“ fehlgeschlagen: {}",
            beschreiben(&e, &welt)
        )
    })?;
    Ok(Pdf {
        bytes,
        seiten: dokument.pages().len(),
    })
}

/// Typst memoises layout work across calls. After each document, what the last four documents
/// did not use is dropped: what documents of one template share (template, fonts, fixed text,
/// repeated questions) stays warm, a large document's work does not stay in memory. Measured
/// with receipts: evicting after every document is both the fastest and the leanest choice
/// (evicting every 8th or 32nd document cost 15 % more time and 2 to 7 times the memory, as each
/// eviction then walks larger caches).
fn raeumen() {
    typst::comemo::evict(4);
}

/// Whether an embedded face has a glyph for `c`.
fn darstellbar(c: char) -> bool {
    SCHRIFTEN
        .fonts
        .iter()
        .any(|f| f.info().coverage.contains(u32::from(c)))
}

/// What stands for a character no face can show: U+FFFD (�), if the faces have it.
static ERSATZ: LazyLock<char> = LazyLock::new(|| {
    if darstellbar('\u{FFFD}') {
        '\u{FFFD}'
    } else {
        '?'
    }
});

/// Invisible formatting characters (Unicode "default ignorable"): dropped when no face has them.
fn unsichtbar(c: char) -> bool {
    matches!(u32::from(c),
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// `s` with every character an embedded face can show; `None` if it already is.
fn setzbar(s: &str) -> Option<String> {
    let ok = |c: char| c == '\n' || (!c.is_control() && (c.is_ascii() || darstellbar(c)));
    if s.chars().all(ok) {
        return None;
    }
    let mut aus = String::with_capacity(s.len());
    let mut zeichen = s.chars().peekable();
    while let Some(c) = zeichen.next() {
        if ok(c) {
            aus.push(c);
        } else if c == '\r' {
            // CR LF and a lone CR are line breaks.
            if zeichen.peek() != Some(&'\n') {
                aus.push('\n');
            }
        } else if c.is_control() {
            aus.push(' ');
        } else if !unsichtbar(c) {
            aus.push(*ERSATZ);
        }
    }
    Some(aus)
}

fn setzbar_machen(wert: &mut serde_json::Value) -> bool {
    match wert {
        serde_json::Value::String(s) => match setzbar(s) {
            Some(neu) => {
                *s = neu;
                true
            }
            None => false,
        },
        serde_json::Value::Array(a) => a.iter_mut().fold(false, |g, w| setzbar_machen(w) | g),
        serde_json::Value::Object(o) => o.values_mut().fold(false, |g, w| setzbar_machen(w) | g),
        _ => false,
    }
}

/// The data with every string settable (see the module documentation); unchanged bytes when
/// nothing needed replacing.
fn setzbare_daten(daten: &[u8]) -> serde_json::Result<Vec<u8>> {
    let mut wert: serde_json::Value = serde_json::from_slice(daten)?;
    if setzbar_machen(&mut wert) {
        serde_json::to_vec(&wert)
    } else {
        Ok(daten.to_vec())
    }
}

/// Gives words longer than `max` characters (URLs, file names, hostile input) break
/// opportunities (U+200B) every `max` characters, so a line never runs off the page; Typst does
/// not break inside a word by itself. For data shown as text only, not for URLs.
pub fn lange_woerter_umbrechen(wert: &mut serde_json::Value, max: usize) {
    match wert {
        serde_json::Value::String(s) => {
            let trenner = |c: char| c.is_whitespace() || c == '\u{200B}';
            let mut lauf = 0;
            let mut lang = false;
            for c in s.chars() {
                lauf = if trenner(c) { 0 } else { lauf + 1 };
                lang |= lauf > max;
            }
            if lang {
                let mut aus = String::with_capacity(s.len() + s.len() / max.max(1) * 3);
                let mut lauf = 0;
                for c in s.chars() {
                    if trenner(c) {
                        lauf = 0;
                    } else {
                        if lauf == max {
                            aus.push('\u{200B}');
                            lauf = 0;
                        }
                        lauf += 1;
                    }
                    aus.push(c);
                }
                *s = aus;
            }
        }
        serde_json::Value::Array(a) => {
            for w in a {
                lange_woerter_umbrechen(w, max);
            }
        }
        serde_json::Value::Object(o) => {
            for w in o.values_mut() {
                lange_woerter_umbrechen(w, max);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jetzt() -> jiff::Timestamp {
        "2026-12-04T13:03:00Z".parse().unwrap()
    }

    const VORLAGE: &str = r#"#let d = json("data.json")
#set document(title: d.titel)
#set text(font: "DejaVu Sans", lang: "de")
= #d.titel
#d.text
"#;

    #[test]
    fn setzt_ein_pdf_ua_dokument() {
        let daten = serde_json::json!({"titel": "Prüfung", "text": "Grüße aus Köln"});
        let pdf = setzen(
            VORLAGE,
            &serde_json::to_vec(&daten).unwrap(),
            "test",
            jetzt(),
        )
        .unwrap();
        assert!(pdf.bytes.starts_with(b"%PDF"));
        assert_eq!(pdf.seiten, 1);
        let roh = String::from_utf8_lossy(&pdf.bytes);
        assert!(roh.contains("pdfuaid:part>1<"), "PDF/UA-1 identification");
    }

    #[test]
    fn zeichen_ohne_glyphe_und_steuerzeichen_machen_das_dokument_nicht_ungueltig() {
        let daten = serde_json::json!({"titel": "T", "text": "漢字 😀\u{7}\u{FE0F}a\r\nb ÄÖÜß"});
        let pdf = setzen(
            VORLAGE,
            &serde_json::to_vec(&daten).unwrap(),
            "test",
            jetzt(),
        )
        .unwrap();
        assert!(pdf.bytes.starts_with(b"%PDF"));
        assert_eq!(setzbar("ÄÖÜß ok"), None);
        assert_eq!(
            setzbar("漢字😀\u{7}\u{E0001}a\r\nb\rc").as_deref(),
            Some("\u{FFFD}\u{FFFD}😀 a\nb\nc")
        );
        assert_eq!(*ERSATZ, '\u{FFFD}');
    }

    #[test]
    fn fehler_sind_deutsch_und_nennen_die_zeile() {
        let e = setzen(
            "#let d = json(\"data.json\")\n#d.gibtsnicht(",
            b"{}",
            "test",
            jetzt(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("Satz von „test“ fehlgeschlagen: Zeile 2"),
            "{e}"
        );
        let e = setzen(VORLAGE, b"kein json", "test", jetzt())
            .unwrap_err()
            .to_string();
        assert!(e.contains("kein gültiges JSON"), "{e}");
        // A file other than the data cannot be read.
        let e = setzen("#read(\"/etc/passwd\")", b"{}", "test", jetzt())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("Satz von „test“ fehlgeschlagen"), "{e}");
    }

    #[test]
    fn lange_woerter_bekommen_umbruchstellen() {
        let mut w = serde_json::json!({"a": ["x".repeat(25), "kurz und gut"]});
        lange_woerter_umbrechen(&mut w, 10);
        let s = w["a"][0].as_str().unwrap();
        assert_eq!(s.replace('\u{200B}', ""), "x".repeat(25));
        assert!(
            s.split('\u{200B}').all(|t| t.chars().count() <= 10),
            "{s:?}"
        );
        assert_eq!(w["a"][1], "kurz und gut");
    }
}
