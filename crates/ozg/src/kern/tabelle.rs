//! Tables for CSV, XLSX and JSON export of every list, and their download responses.

use anyhow::Result;
use axum::body::Body;
use axum::http::header;
use axum::response::Response;
use rust_xlsxwriter::{Format as Zellformat, Workbook};
use serde_json::{Map, Value};

use crate::kern::fehler::Fehler;

/// The format a list is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HTML page or JSON.
    Default,
    /// CSV.
    Csv,
    /// XLSX.
    Xlsx,
}

/// A table as a download (`Default`: JSON).
pub fn download(table: &Table, format: Format, basename: &str) -> Result<Response, Fehler> {
    let (bytes, ctype, ext) = match format {
        Format::Csv => (table.to_csv()?, "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            table.to_xlsx()?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Default => (
            serde_json::to_vec(&table.to_json()).map_err(anyhow::Error::from)?,
            "application/json",
            "json",
        ),
    };
    Response::builder()
        .header(header::CONTENT_TYPE, ctype)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{basename}.{ext}\""),
        )
        .body(Body::from(bytes))
        .map_err(|e| Fehler::Intern(e.into()))
}

/// Whether a spreadsheet program would read the text as a formula (or a command) when the
/// file is opened: it starts with `=`, `+`, `-`, `@`, a tab, a carriage return or a line feed
/// (OWASP: CSV injection).
pub fn formelartig(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r', '\n'])
}

/// A CSV cell that a spreadsheet program shows as text: a formula-like text gets a leading `'`.
pub fn csv_zelle(s: &str) -> std::borrow::Cow<'_, str> {
    if formelartig(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// An XLSX workbook with one sheet per table: bold, frozen header row and an autofilter. Every
/// cell is a text cell; formula-like texts also carry the quote prefix, so they stay text when
/// a person edits the cell.
pub fn workbook(tables: &[Table]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Zellformat::new().set_bold();
    let text = Zellformat::new().set_quote_prefix();
    for t in tables {
        let ws = wb.add_worksheet();
        let name: String = t
            .title
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        ws.set_name(name.trim())?;
        for (c, h) in t.columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if formelartig(v) {
                    ws.write_string_with_format(r as u32 + 1, c as u16, v, &text)?;
                } else {
                    ws.write_string(r as u32 + 1, c as u16, v)?;
                }
            }
        }
        ws.set_freeze_panes(1, 0)?;
        if !t.columns.is_empty() {
            ws.autofilter(0, 0, t.rows.len() as u32, t.columns.len() as u16 - 1)?;
        }
        ws.autofit();
    }
    Ok(wb.save_to_buffer()?)
}

/// A titled table of strings.
#[derive(Debug, Clone)]
pub struct Table {
    /// Title (sheet name).
    pub title: String,
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Builds a table.
    pub fn new(title: &str, columns: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Table {
        Table {
            title: title.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: rows.collect(),
        }
    }

    /// CSV with a header row (UTF-8 with BOM, so spreadsheet programs show umlauts correctly).
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
        w.write_record(self.columns.iter().map(|c| csv_zelle(c).into_owned()))?;
        for r in &self.rows {
            w.write_record(r.iter().map(|c| csv_zelle(c).into_owned()))?;
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("CSV: {e}"))
    }

    /// XLSX with a bold, frozen header row and an autofilter.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        workbook(std::slice::from_ref(self))
    }

    /// JSON array of objects keyed by column header.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    let m: Map<String, Value> = self
                        .columns
                        .iter()
                        .cloned()
                        .zip(r.iter().map(|v| Value::from(v.as_str())))
                        .collect();
                    Value::Object(m)
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Table {
        Table::new(
            "Test",
            &["Name", "Ort"],
            vec![vec!["Köln, Stadt".to_owned(), "Rhein \"Mitte\"".to_owned()]].into_iter(),
        )
    }

    #[test]
    fn csv_quotes_and_bom() {
        let csv = String::from_utf8(t().to_csv().unwrap()).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"Köln, Stadt\",\"Rhein \"\"Mitte\"\"\""));
    }

    #[test]
    fn formeln_bleiben_text() {
        let t = Table::new(
            "T",
            &["a", "b"],
            vec![vec![
                "=HYPERLINK(\"https://evil.example\",\"x\")".to_owned(),
                "@SUM(1)".to_owned(),
            ]]
            .into_iter(),
        );
        let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
        assert!(
            csv.contains("\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\",'@SUM(1)"),
            "{csv}"
        );
        for (s, f) in [
            ("=1", true),
            ("+1", true),
            ("-1", true),
            ("@a", true),
            ("\tx", true),
            ("a=1", false),
            ("", false),
        ] {
            assert_eq!(formelartig(s), f, "{s:?}");
        }
        // XLSX: the formula-like cells carry the quote prefix.
        let x = t.to_xlsx().unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(x)).unwrap();
        let mut styles = String::new();
        std::io::Read::read_to_string(&mut z.by_name("xl/styles.xml").unwrap(), &mut styles)
            .unwrap();
        assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
    }

    #[test]
    fn xlsx_is_a_zip() {
        let x = t().to_xlsx().unwrap();
        assert_eq!(&x[..2], b"PK");
    }

    #[test]
    fn json_objects() {
        assert_eq!(t().to_json()[0]["Name"], "Köln, Stadt");
    }
}
