//! The data behind the two charts of the Umsetzungsplan: project starts by quarter and
//! Themenfeld, and the priority matrix (kommunale Priorität NRW × Bund-Länder-Priorität).
//! Both documents (PDF and HTML) draw exactly this data, so a golden test of it covers both.

use serde::{Deserialize, Serialize};

use crate::project::Projektstart;

/// What the charts need to know of one project row of a Themenfeld table.
#[derive(Debug, Clone)]
pub struct ChartInput<'a> {
    /// Themenfeld of the table the row stands in.
    pub themenfeld: &'a str,
    /// Project name.
    pub name: &'a str,
    /// Projektstart as written, if any.
    pub projektstart: Option<&'a str>,
    /// Kommunale Priorität NRW (1–3).
    pub prioritaet_nrw: Option<i64>,
    /// Bund-Länder-Priorität (1–4).
    pub prioritaet_bund: Option<i64>,
}

/// Project starts: one row per Themenfeld, one column per start bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zeitleiste {
    /// Column labels: every quarter from the first to the last one named (gaps included),
    /// then "ab <Jahr>" columns, then "läuft / in Umsetzung" and "offen / ohne Angabe".
    pub spalten: Vec<String>,
    /// Rows in the order the Themenfelder were given.
    pub zeilen: Vec<ZeitleistenZeile>,
    /// Column sums.
    pub summen: Vec<u32>,
    /// Largest cell value (for shading).
    pub maximum: u32,
}

/// One Themenfeld row of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZeitleistenZeile {
    /// Themenfeld.
    pub themenfeld: String,
    /// Count per column.
    pub werte: Vec<u32>,
    /// Row sum.
    pub summe: u32,
}

/// The priority matrix: rows NRW 1–3 and "ohne Angabe", columns Bund 1–4 and "ohne Angabe".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrioritaetenMatrix {
    /// Row labels (NRW).
    pub zeilen: Vec<String>,
    /// Column labels (Bund-Länder).
    pub spalten: Vec<String>,
    /// Distinct projects per cell, `werte[zeile][spalte]`.
    pub werte: Vec<Vec<u32>>,
    /// Largest cell value.
    pub maximum: u32,
    /// Projects whose two priorities lie two or more steps apart, highest NRW priority first.
    pub divergent: Vec<Divergent>,
}

/// A project whose NRW and Bund-Länder priorities diverge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergent {
    /// Project name.
    pub name: String,
    /// NRW priority.
    pub nrw: i64,
    /// Bund-Länder priority.
    pub bund: i64,
}

/// Two priorities "diverge" when they lie at least this many steps apart (the plan's example,
/// Kindertagesbetreuung NRW 1 against Bund 3, is two steps).
pub const DIVERGENZ_ABSTAND: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Bucket {
    Quartal(i64),
    Ab(u16),
    Laufend,
    Offen,
}

fn bucket(start: Option<&str>) -> Bucket {
    match start.map(Projektstart::parse) {
        Some(Ok(p)) => match p {
            Projektstart::Quartal(q) => Bucket::Quartal(q.ordinal()),
            Projektstart::Ab(y) => Bucket::Ab(y),
            Projektstart::Laeuft | Projektstart::InUmsetzung => Bucket::Laufend,
            Projektstart::InKlaerung | Projektstart::NochOffen => Bucket::Offen,
        },
        _ => Bucket::Offen,
    }
}

fn bucket_label(b: Bucket) -> String {
    match b {
        Bucket::Quartal(o) => crate::ids::Quartal::from_ordinal(o)
            .map(|q| q.to_string())
            .unwrap_or_default(),
        Bucket::Ab(y) => format!("ab {y}"),
        Bucket::Laufend => "läuft / in Umsetzung".into(),
        Bucket::Offen => "offen / ohne Angabe".into(),
    }
}

/// Counts project starts per Themenfeld (rows, in `themenfelder` order) and start bucket.
/// A project listed under two Themenfelder counts in both rows, as it stands in both tables.
pub fn zeitleiste(themenfelder: &[&str], rows: &[ChartInput<'_>]) -> Zeitleiste {
    let buckets: Vec<Bucket> = rows.iter().map(|r| bucket(r.projektstart)).collect();
    let quarters: Vec<i64> = buckets
        .iter()
        .filter_map(|b| match b {
            Bucket::Quartal(o) => Some(*o),
            _ => None,
        })
        .collect();
    let mut columns: Vec<Bucket> = match (quarters.iter().min(), quarters.iter().max()) {
        (Some(&lo), Some(&hi)) => (lo..=hi).map(Bucket::Quartal).collect(),
        _ => Vec::new(),
    };
    let mut years: Vec<u16> = buckets
        .iter()
        .filter_map(|b| match b {
            Bucket::Ab(y) => Some(*y),
            _ => None,
        })
        .collect();
    years.sort_unstable();
    years.dedup();
    columns.extend(years.into_iter().map(Bucket::Ab));
    columns.push(Bucket::Laufend);
    columns.push(Bucket::Offen);

    let mut zeilen: Vec<ZeitleistenZeile> = themenfelder
        .iter()
        .map(|t| ZeitleistenZeile {
            themenfeld: (*t).to_string(),
            werte: vec![0; columns.len()],
            summe: 0,
        })
        .collect();
    for (r, b) in rows.iter().zip(&buckets) {
        let (Some(z), Some(c)) = (
            zeilen.iter_mut().find(|z| z.themenfeld == r.themenfeld),
            columns.iter().position(|x| x == b),
        ) else {
            continue;
        };
        z.werte[c] += 1;
        z.summe += 1;
    }
    let summen = (0..columns.len())
        .map(|c| zeilen.iter().map(|z| z.werte[c]).sum())
        .collect();
    let maximum = zeilen
        .iter()
        .flat_map(|z| z.werte.iter().copied())
        .max()
        .unwrap_or(0);
    Zeitleiste {
        spalten: columns.into_iter().map(bucket_label).collect(),
        zeilen,
        summen,
        maximum,
    }
}

/// Counts distinct projects (by name) per NRW × Bund-Länder priority and names the divergent ones.
pub fn prioritaeten(rows: &[ChartInput<'_>]) -> PrioritaetenMatrix {
    let mut seen = std::collections::BTreeSet::new();
    let mut werte = vec![vec![0u32; 5]; 4];
    let mut divergent = Vec::new();
    for r in rows {
        if !seen.insert(r.name) {
            continue;
        }
        let zeile = match r.prioritaet_nrw {
            Some(p @ 1..=3) => (p - 1) as usize,
            _ => 3,
        };
        let spalte = match r.prioritaet_bund {
            Some(p @ 1..=4) => (p - 1) as usize,
            _ => 4,
        };
        werte[zeile][spalte] += 1;
        if let (Some(nrw @ 1..=3), Some(bund @ 1..=4)) = (r.prioritaet_nrw, r.prioritaet_bund)
            && (nrw - bund).abs() >= DIVERGENZ_ABSTAND
        {
            divergent.push(Divergent {
                name: r.name.to_string(),
                nrw,
                bund,
            });
        }
    }
    divergent.sort_by(|a, b| (a.nrw, &a.name).cmp(&(b.nrw, &b.name)));
    let maximum = werte.iter().flatten().copied().max().unwrap_or(0);
    PrioritaetenMatrix {
        zeilen: ["1 – hoch", "2 – mittel", "3 – niedrig", "ohne Angabe"]
            .map(String::from)
            .to_vec(),
        spalten: ["1", "2", "3", "4", "ohne Angabe"]
            .map(String::from)
            .to_vec(),
        werte,
        maximum,
        divergent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(
        tf: &'a str,
        name: &'a str,
        start: Option<&'a str>,
        nrw: Option<i64>,
        bund: Option<i64>,
    ) -> ChartInput<'a> {
        ChartInput {
            themenfeld: tf,
            name,
            projektstart: start,
            prioritaet_nrw: nrw,
            prioritaet_bund: bund,
        }
    }

    #[test]
    fn timeline_fills_quarter_gaps_and_keeps_status_words_apart() {
        let rows = [
            row("A", "p1", Some("Q1 2020"), None, None),
            row("A", "p2", Some("Q4 2020"), None, None),
            row("B", "p3", Some("ab 2021"), None, None),
            row("B", "p4", Some("läuft"), None, None),
            row("B", "p5", Some("in Klärung"), None, None),
            row("B", "p6", None, None, None),
            row("C", "p7", Some("Q1 2020"), None, None),
        ];
        let z = zeitleiste(&["A", "B", "C"], &rows);
        assert_eq!(
            z.spalten,
            [
                "Q1 2020",
                "Q2 2020",
                "Q3 2020",
                "Q4 2020",
                "ab 2021",
                "läuft / in Umsetzung",
                "offen / ohne Angabe"
            ]
        );
        assert_eq!(z.zeilen[0].werte, [1, 0, 0, 1, 0, 0, 0]);
        assert_eq!(z.zeilen[1].werte, [0, 0, 0, 0, 1, 1, 2]);
        assert_eq!(z.summen, [2, 0, 0, 1, 1, 1, 2]);
        assert_eq!(z.maximum, 2);
        assert_eq!(z.zeilen.iter().map(|r| r.summe).sum::<u32>(), 7);
    }

    #[test]
    fn timeline_without_quarters_has_only_status_columns() {
        let z = zeitleiste(&["A"], &[row("A", "p", None, None, None)]);
        assert_eq!(z.spalten.len(), 2);
        assert_eq!(z.zeilen[0].werte, [0, 1]);
    }

    #[test]
    fn matrix_counts_projects_once_and_names_divergent_ones() {
        let rows = [
            row("A", "Kita", None, Some(1), Some(3)),
            row("B", "Kita", None, Some(1), Some(3)),
            row("A", "Reiten", None, Some(1), Some(3)),
            row("A", "Wohngeld", None, Some(2), Some(1)),
            row("A", "Hund", None, Some(3), Some(1)),
            row("A", "Offen", None, None, Some(2)),
        ];
        let m = prioritaeten(&rows);
        assert_eq!(m.werte[0][2], 2);
        assert_eq!(m.werte[1][0], 1);
        assert_eq!(m.werte[3][1], 1);
        assert_eq!(m.werte.iter().flatten().sum::<u32>(), 5);
        let names: Vec<&str> = m.divergent.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["Kita", "Reiten", "Hund"]);
        assert_eq!(m.maximum, 2);
    }
}
