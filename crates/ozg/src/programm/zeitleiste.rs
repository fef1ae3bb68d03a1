//! The timeline of project starts: quarters × Themenfelder, drawn as an accessible SVG.

use std::collections::BTreeMap;
use std::fmt::Write;

use ozg_domain::ids::Quartal;

use crate::programm::details::StartRow;

/// One cell: the projects of a Themenfeld starting in a quarter.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Quarter.
    pub quartal: Quartal,
    /// Project (name, slug).
    pub projekte: Vec<(String, String)>,
}

/// A Themenfeld row of the timeline.
#[derive(Debug, Clone)]
pub struct Row {
    /// Themenfeld name.
    pub themenfeld: String,
    /// Themenfeld slug.
    pub slug: String,
    /// Cells with at least one project.
    pub cells: Vec<Cell>,
}

/// Timeline data.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// All quarters from the first to the last start.
    pub quartale: Vec<Quartal>,
    /// Rows.
    pub rows: Vec<Row>,
}

impl Timeline {
    /// Groups the start rows.
    pub fn build(rows: &[StartRow]) -> Timeline {
        let (Some(min), Some(max)) = (
            rows.iter().map(|r| r.start_ordinal).min(),
            rows.iter().map(|r| r.start_ordinal).max(),
        ) else {
            return Timeline {
                quartale: Vec::new(),
                rows: Vec::new(),
            };
        };
        let quartale: Vec<Quartal> = (min..=max).filter_map(Quartal::from_ordinal).collect();
        let mut by_tf: BTreeMap<i64, Row> = BTreeMap::new();
        for r in rows {
            let row = by_tf.entry(r.themenfeld_id).or_insert_with(|| Row {
                themenfeld: r.themenfeld.clone(),
                slug: r.themenfeld_slug.clone(),
                cells: Vec::new(),
            });
            let Some(q) = Quartal::from_ordinal(r.start_ordinal) else {
                continue;
            };
            match row.cells.iter_mut().find(|c| c.quartal == q) {
                Some(c) => c.projekte.push((r.name.clone(), r.slug.clone())),
                None => row.cells.push(Cell {
                    quartal: q,
                    projekte: vec![(r.name.clone(), r.slug.clone())],
                }),
            }
        }
        Timeline {
            quartale,
            rows: by_tf.into_values().collect(),
        }
    }

    /// The SVG. Each cell is a link to the filtered project list and carries a text label, so the
    /// chart does not rely on colour; the page shows the same data as a table as well.
    pub fn svg(&self) -> String {
        const LEFT: usize = 250;
        const COL: usize = 64;
        const ROW: usize = 40;
        const TOP: usize = 40;
        let width = LEFT + COL * self.quartale.len().max(1) + 10;
        let height = TOP + ROW * self.rows.len().max(1) + 10;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="group" aria-labelledby="zeitleiste-titel" aria-describedby="zeitleiste-beschreibung" class="zeitleiste">"#
        );
        let _ = write!(
            s,
            r#"<title id="zeitleiste-titel">Projektstarts je Quartal und Themenfeld</title><desc id="zeitleiste-beschreibung">Jeder Kreis zeigt die Zahl der Umsetzungsprojekte eines Themenfelds, die in dem Quartal starten. Die Tabelle unter der Grafik enthält dieselben Daten.</desc>"#
        );
        for (i, q) in self.quartale.iter().enumerate() {
            let x = LEFT + i * COL + COL / 2;
            let _ = write!(
                s,
                r#"<text x="{x}" y="24" text-anchor="middle" class="achse">Q{} {}</text>"#,
                q.quarter(),
                q.year()
            );
            let _ = write!(
                s,
                r#"<line x1="{x}" y1="32" x2="{x}" y2="{}" class="raster"/>"#,
                height - 10
            );
        }
        for (j, row) in self.rows.iter().enumerate() {
            let y = TOP + j * ROW + ROW / 2;
            let _ = write!(
                s,
                r#"<text x="8" y="{}" class="achse">{}</text>"#,
                y + 5,
                esc(&row.themenfeld)
            );
            for c in &row.cells {
                let Some(i) = self.quartale.iter().position(|q| *q == c.quartal) else {
                    continue;
                };
                let x = LEFT + i * COL + COL / 2;
                let n = c.projekte.len();
                let r = 10 + (n.min(6) * 2);
                let names = c
                    .projekte
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let href = format!(
                    "/projekte?themenfeld={}&amp;start_von={}&amp;start_bis={}",
                    row.slug,
                    c.quartal.key(),
                    c.quartal.key()
                );
                let _ = write!(
                    s,
                    r#"<a href="{href}"><title>{}, {}: {n} Projekt{} – {}</title><circle cx="{x}" cy="{y}" r="{r}" class="punkt"/><text x="{x}" y="{}" text-anchor="middle" class="zahl">{n}</text></a>"#,
                    esc(&row.themenfeld),
                    c.quartal,
                    if n == 1 { "" } else { "e" },
                    esc(&names),
                    y + 5
                );
            }
        }
        s.push_str("</svg>");
        s
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(o: i64, tf: i64, name: &str) -> StartRow {
        StartRow {
            start_ordinal: o,
            themenfeld_id: tf,
            themenfeld: format!("TF{tf}"),
            themenfeld_slug: format!("tf{tf}"),
            name: name.into(),
            slug: name.to_lowercase(),
        }
    }

    #[test]
    fn groups_by_themenfeld_and_quarter() {
        let q1 = Quartal::new(2020, 1).unwrap().ordinal();
        let t = Timeline::build(&[row(q1, 1, "A"), row(q1, 1, "B"), row(q1 + 2, 2, "C & D")]);
        assert_eq!(t.quartale.len(), 3);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells[0].projekte.len(), 2);
        let svg = t.svg();
        assert!(svg.contains("C &amp; D"));
        assert!(svg.contains("start_von=2020-Q3"));
        assert!(svg.contains("role=\"group\""));
    }

    #[test]
    fn empty_timeline() {
        assert!(Timeline::build(&[]).quartale.is_empty());
    }
}
