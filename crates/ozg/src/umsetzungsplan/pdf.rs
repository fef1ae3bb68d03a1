//! The plan as a typeset PDF, made in-process by the core's Typst renderer ([`kern::pdf`]): no
//! network, no external programs. The template (`umsetzungsplan/templates/umsetzungsplan.typ`)
//! is compiled into the binary and reads the report as `data.json`; the DejaVu fonts are
//! embedded, so every German character renders. The PDF is tagged and checked against PDF/UA-1
//! by the exporter.

use anyhow::Result;

use crate::kern;
use crate::kern::pdf::Pdf;
use crate::umsetzungsplan::bericht::PlanReport;

const TEMPLATE: &str = include_str!("templates/umsetzungsplan.typ");

/// Typesets the report as a PDF/UA-1 document. CPU-bound (about a second for the whole plan):
/// call it from a blocking thread. `jetzt` is the document's date.
pub fn render(report: &PlanReport, jetzt: jiff::Timestamp) -> Result<Pdf> {
    kern::pdf::setzen(TEMPLATE, &report.to_json()?, "umsetzungsplan", jetzt)
}
