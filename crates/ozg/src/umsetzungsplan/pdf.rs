//! The plan as a typeset PDF, made in-process with the Typst compiler: no network, no external
//! programs. The template (`umsetzungsplan/templates/umsetzungsplan.typ`) is compiled into the binary and reads
//! the report as `data.json`; the DejaVu fonts are embedded, so every German character renders
//! and the PDF embeds its fonts. The PDF is tagged and checked against PDF/UA-1 by the exporter.

use std::sync::LazyLock;

use anyhow::{Result, anyhow};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use crate::umsetzungsplan::bericht::PlanReport;

const TEMPLATE: &str = include_str!("templates/umsetzungsplan.typ");

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let data: [&'static [u8]; 8] = [
        dejavu::sans::regular(),
        dejavu::sans::bold(),
        dejavu::sans::oblique(),
        dejavu::sans::bold_oblique(),
        dejavu::sans_mono::regular(),
        dejavu::sans_mono::bold(),
        dejavu::serif::regular(),
        dejavu::serif::bold(),
    ];
    let fonts: Vec<Font> = data
        .into_iter()
        .flat_map(|d| Font::iter(Bytes::new(d)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> FileId {
    FileId::new(RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("static path"),
    ))
}

/// The compiler's view of the world: the template, the data and the embedded fonts; nothing
/// else can be read.
struct PlanWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Datetime,
}

impl World for PlanWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
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
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn describe(diags: &[SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let mut s = d.message.to_string();
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

/// A rendered PDF and its page count.
#[derive(Debug, Clone)]
pub struct Pdf {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// Pages.
    pub seiten: usize,
}

/// Typesets the report as a PDF/UA-1 document. CPU-bound (about a second for the whole plan):
/// call it from a blocking thread. `jetzt` is the document's date (UTC).
pub fn render(report: &PlanReport, jetzt: jiff::Timestamp) -> Result<Pdf> {
    let now = jetzt.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let today = Datetime::from_ymd(i32::from(now.year()), now.month() as u8, now.day() as u8)
        .ok_or_else(|| anyhow!("ungültiges Datum"))?;
    let world = PlanWorld {
        main: Source::new(file_id("/umsetzungsplan.typ"), TEMPLATE.to_owned()),
        data_id: file_id("/data.json"),
        data: Bytes::new(report.to_json()?),
        today,
    };
    let warned = typst::compile::<PagedDocument>(&world);
    let document = warned
        .output
        .map_err(|e| anyhow!("Satz des Umsetzungsplans fehlgeschlagen: {}", describe(&e)))?;
    let timestamp = Datetime::from_ymd_hms(
        i32::from(now.year()),
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    )
    .map(typst_pdf::Timestamp::new_utc);
    let options = PdfOptions {
        ident: typst::foundations::Smart::Custom("ozg-plattform-umsetzungsplan".into()),
        creator: typst::foundations::Smart::Custom(Some("OZG-Plattform".into())),
        timestamp,
        standards: PdfStandards::new(&[PdfStandard::Ua_1])
            .map_err(|e| anyhow!("PDF-Standard: {}", e.message()))?,
        ..PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&document, &options)
        .map_err(|e| anyhow!("PDF-Ausgabe fehlgeschlagen: {}", describe(&e)))?;
    // Typst memoises layout work across calls; keep only what recent renders used.
    typst::comemo::evict(4);
    Ok(Pdf {
        bytes,
        seiten: document.pages().len(),
    })
}
