//! # Kita-Platzvergabe (`kita-alloc`)
//!
//! Pure allocation engine for Kita places (no IO, no async, no database): the CLI reads files
//! and passes their text in; everything returned is plain data (serde) or German text.
//!
//! ## Model
//! * **Children**: id, birth date (→ age group at 1 August of the Kita year: `U2` under 2,
//!   `U3` 2 to under 3, `Ü3` 3 until school age 6), desired start month (inside the Kita year),
//!   weekly hours (25/35/45) and ranked wishes of any length. A wish is a Kita, optionally with
//!   other hours than the child's default.
//! * **Places**: a *bucket* is (Kita, age group, hours) with a capacity. A wish targets the bucket
//!   of its Kita, the child's age group and the wish's hours (default: the child's hours).
//!   A wish for a bucket without places is never granted (and explained as such).
//! * **Priority**: every Kita has an ordered list of criteria (`rules`), each with a direction
//!   (`desc`: higher value first, default; `asc`: lower first). Values are set per child
//!   (`values`) or per child and Kita (`kita_values`, e.g. sibling in *this* Kita); missing = 0.
//!   A child's priority at a Kita is the lexicographic order of these values. Criteria that
//!   depend on where the parents ranked the Kita (`wunschrang`, `erstwunsch`, … see
//!   [`is_rank_dependent`]) are rejected: they make the procedure manipulable.
//! * **Lottery** (single tie-breaking): one number per child, `1..=n`, the rank of
//!   `splitmix64_mix(seed XOR fnv1a64(child id))` (ties: id). It depends only on seed and ids,
//!   so results are reproducible bit for bit on every platform and independent of row order.
//!
//! ## Procedure
//! Child-proposing deferred acceptance (Gale–Shapley) with one capacity per bucket:
//! strategy-proof for parents, stable (no justified envy), child-optimal among stable
//! matchings. Implementation: flat arrays, priority packed into one `u64` (or `u128`) key
//! per wish entry, one bounded max-heap per bucket in a single flat array; O(E log cap).
//! The Kita-proposing variant (as used by KitaMatch) runs on the same compiled market for
//! comparison ([`Outcome::kita_proposing`]).
//!
//! **Rounds** ([`follow_up_round`]): with the parents' [`Response`]s to the offers, the next
//! round re-runs deferred acceptance with the same lottery: children who accepted (no response
//! = accepted) hold a guaranteed place (they outrank everyone without a guarantee there and their
//! list is cut after it), so they can only move *up*; declined places go to the next children in
//! priority; `abgelehnt_warten` declines but keeps the higher wishes. (With an unchanged market,
//! removals and truncated lists alone already make nobody worse off; the guarantee keeps this
//! true by construction.)
//!
//! The desired start month is validated (it must lie in the Kita year) and kept in the market;
//! places are allocated for the whole Kita year. A Kita that wants to prefer early starters can
//! express this as a criterion value.
//!
//! **Memory:** the German texts of explanations and cutoffs are [`Text`] values assembled from
//! shared parts (Kita name, a phrase common to many buckets, the child's criteria, a lottery
//! number) and rendered only when displayed or serialized; Kita ids in explanations and cutoffs
//! are shared [`SharedStr`]s. 200,000 children with ~450,000 explanations stay under 150 MB.
//!
//! ## Input formats
//! **JSON** ([`parse_market_json`], written by [`market_to_json`]):
//! ```json
//! {"kita_year": 2025,
//!  "criteria": [{"id": "geschwister", "label": "Geschwisterkind"}, {"id": "wohnort", "label": "Wohnort"}],
//!  "kitas": [{"id": "K1", "name": "Kita Sonnenschein",
//!             "capacity": [{"age_group": "U3", "hours": 35, "places": 12}],
//!             "rules": [{"criterion": "geschwister"}, {"criterion": "wohnort", "order": "desc"}]}],
//!  "children": [{"id": "C1", "birth_date": "2023-03-14", "start_month": "2025-08", "hours": 35,
//!                "wishes": ["K1", {"kita": "K2", "hours": 25}],
//!                "values": {"wohnort": 1}, "kita_values": {"K1": {"geschwister": 1}}}]}
//! ```
//! **CSV** ([`parse_market_csv`], written by [`market_to_csv`]): one file, one record per line,
//! the first field is the record type; `,` or `;` (detected from the first line), `#` comments,
//! no header needed (a line starting with `typ` is skipped). Rule order = line order; wish
//! order = field order.
//! ```text
//! jahr,2025
//! kriterium,geschwister,Geschwisterkind          # kriterium,ID[,BEZEICHNUNG]
//! kita,K1,Kita Sonnenschein                       # kita,ID[,NAME]
//! platz,K1,U3,35,12                               # platz,KITA,ALTERSGRUPPE,STUNDEN,ANZAHL
//! regel,K1,geschwister,desc                       # regel,KITA,KRITERIUM[,desc|asc]
//! kind,C1,2023-03-14,2025-08,35,K1,K2:25          # kind,ID,GEBURTSDATUM,BEGINN,STUNDEN,WUNSCH…
//! wert,C1,wohnort,1                               # wert,KIND,KRITERIUM,WERT[,KITA]
//! wert,C1,geschwister,1,K1
//! ```
//! Bad input (unknown Kita in a wish list, duplicate ids, negative capacity, a child in no age
//! group, …) yields `Err(Vec<MarketError>)` with one German message per problem and its row
//! (CSV line or JSON array position); nothing is computed from a broken market.
//!
//! ## API
//! * [`parse_market_json`]`(&str)`, [`parse_market_csv`]`(&str)`,
//!   [`parse_market`]`(&str, InputFormat)` → `Result<Market, Vec<MarketError>>`;
//!   [`format_errors`] renders the list.
//! * [`generate`]`(&GenerateParams) -> Market`, [`market_to_json`], [`market_to_csv`].
//! * [`allocate`]`(&Market, seed, &Options) -> Outcome`.
//! * [`follow_up_round`]`(&Market, &previous Outcome, &Responses, &Options)`;
//!   [`parse_responses_json`] reads `{"C1": "angenommen", "C2": "abgelehnt"}`.
//! * [`outcome_to_json`] (pretty JSON as a `String`), [`write_outcome_json`] (the same bytes
//!   streamed into an `io::Write`), [`parse_outcome_json`].
//! * Texts in, outcome out: [`follow_up_from_texts`]; a market as text: [`market_to_string`].
//!   (The shell front end, `ozg kita`, lives in the application.)
//! * Advanced / benchmarks: [`CompiledMarket`] (`new`, `child_proposing`, `kita_proposing`,
//!   `read_all_preferences`), [`hr_instance`] (export as hospital/resident instance).
//!
//! ```
//! let market = kita_alloc::generate(&kita_alloc::GenerateParams {
//!     children: 300, kitas: 20, ..Default::default()
//! });
//! let outcome = kita_alloc::allocate(&market, 42, &kita_alloc::Options::default());
//! assert_eq!(outcome.stats.justified_envy, 0);
//! assert_eq!(outcome, kita_alloc::allocate(&market, 42, &kita_alloc::Options::default()));
//! let json = kita_alloc::parse_market_json(&kita_alloc::market_to_json(&market)).unwrap();
//! assert_eq!(json, market);
//! println!("{}", kita_alloc::summary(&outcome));
//! ```

mod engine;
mod generate;
mod input;
mod model;
mod outcome;

pub use engine::{CompiledMarket, Keys, Matching, NONE, SplitMix64, fnv1a, lottery, mix64};
pub use generate::{GENERATED_CRITERIA, GenerateParams, generate};
pub use input::{
    CapacityInput, ChildInput, CriterionInput, KitaInput, Location, MarketError, MarketInput,
    RuleInput, WishInput, format_errors, is_rank_dependent, market_to_csv, market_to_json,
    parse_market_csv, parse_market_json,
};
pub use model::*;
pub use outcome::{
    Assignment, Comparison, Cutoff, Difference, Explanation, KitaFree, LOTTERY, Options, Outcome,
    PROCEDURE, Placed, Reason, Response, Responses, SharedStr, Stats, Status, Text, allocate,
    follow_up_round, market_fingerprint, summary,
};

use serde::{Deserialize, Serialize};

/// Input file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    Json,
    Csv,
}

impl InputFormat {
    /// From a file name: `.csv` → CSV, everything else → JSON.
    pub fn from_path(path: &str) -> InputFormat {
        if path.to_ascii_lowercase().ends_with(".csv") {
            InputFormat::Csv
        } else {
            InputFormat::Json
        }
    }
}

/// Parses a market in the given format.
pub fn parse_market(text: &str, format: InputFormat) -> Result<Market, Vec<MarketError>> {
    match format {
        InputFormat::Json => parse_market_json(text),
        InputFormat::Csv => parse_market_csv(text),
    }
}

/// Parses parents' responses: `{"C1": "angenommen", "C2": "abgelehnt", "C3": "abgelehnt_warten"}`.
pub fn parse_responses_json(text: &str) -> Result<Responses, Vec<MarketError>> {
    serde_json::from_str(text).map_err(|e| {
        vec![MarketError::new(
            Location::Document,
            None,
            format!(
                "Rückmeldungen nicht lesbar (Zeile {}, Spalte {}): {}. Erwartet: {{\"KIND-ID\": \"angenommen\" | \"abgelehnt\" | \"abgelehnt_warten\"}}",
                e.line(),
                e.column(),
                ozg_domain::meldung::deutsch(&e.to_string())
            ),
        )]
    })
}

/// Parses a previous result (`result.json` of an earlier round).
pub fn parse_outcome_json(text: &str) -> Result<Outcome, Vec<MarketError>> {
    serde_json::from_str(text).map_err(|e| {
        vec![MarketError::new(
            Location::Document,
            None,
            format!(
                "Vorrunden-Ergebnis nicht lesbar (Zeile {}, Spalte {}): {}",
                e.line(),
                e.column(),
                ozg_domain::meldung::deutsch(&e.to_string())
            ),
        )]
    })
}

/// Serializes an outcome as pretty JSON.
pub fn outcome_to_json(outcome: &Outcome) -> String {
    serde_json::to_string_pretty(outcome).expect("outcome serializes")
}

/// Writes the same JSON as [`outcome_to_json`] straight into `writer` (e.g. a `BufWriter<File>`),
/// without holding the whole text in memory (≈ 245 MB for 200,000 children with explanations).
pub fn write_outcome_json<W: std::io::Write>(outcome: &Outcome, writer: W) -> std::io::Result<()> {
    serde_json::to_writer_pretty(writer, outcome).map_err(std::io::Error::from)
}

/// A follow-up round from the three texts it needs: the market (`format`), the previous
/// outcome (JSON) and the parents' responses (JSON). Every input error is reported.
pub fn follow_up_from_texts(
    market_text: &str,
    format: InputFormat,
    previous_json: &str,
    responses_json: &str,
    options: &Options,
) -> Result<Outcome, Vec<MarketError>> {
    let market = parse_market(market_text, format)?;
    let previous = parse_outcome_json(previous_json)?;
    let responses = parse_responses_json(responses_json)?;
    follow_up_round(&market, &previous, &responses, options)
}

/// A market as text in `format` (the inverse of [`parse_market`]).
pub fn market_to_string(market: &Market, format: InputFormat) -> String {
    match format {
        InputFormat::Csv => market_to_csv(market),
        InputFormat::Json => market_to_json(market),
    }
}

/// A market as a hospital/resident instance (every bucket with places is a "hospital" with a
/// strict ranking of its applicants: priority, then lottery). Used to cross-check against other
/// implementations (e.g. the Python package `matching`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HrInstance {
    /// Resident (child) id → ranked hospital (bucket) names; wishes to buckets without places
    /// are left out.
    pub residents: Vec<(String, Vec<String>)>,
    /// Hospital (bucket) name → applicants, best first.
    pub hospitals: Vec<(String, Vec<String>)>,
    pub capacities: Vec<(String, u32)>,
}

/// Name of a bucket: `KITA|AGE|HOURS`.
pub fn bucket_name(market: &Market, b: usize) -> String {
    let (k, a, h) = bucket_parts(b);
    format!("{}|{}|{}", market.kitas[k].id, a.label(), h.value())
}

/// Exports the compiled market (for `seed`) as a hospital/resident instance.
pub fn hr_instance(market: &Market, seed: u64) -> HrInstance {
    let cm = CompiledMarket::new(market, seed);
    let mut apps: Vec<Vec<u32>> = vec![Vec::new(); cm.buckets];
    let mut residents = Vec::with_capacity(market.children.len());
    for (c, ch) in market.children.iter().enumerate() {
        let mut list = Vec::new();
        for e in cm.start[c]..cm.end[c] {
            let b = cm.bucket[e as usize] as usize;
            if cm.capacity[b] > 0 {
                list.push(bucket_name(market, b));
                apps[b].push(e);
            }
        }
        residents.push((ch.id.clone(), list));
    }
    let child_of = |e: u32| cm.start.partition_point(|&s| s <= e) - 1;
    let mut hospitals = Vec::new();
    let mut capacities = Vec::new();
    for (b, list) in apps.iter_mut().enumerate() {
        if list.is_empty() {
            continue;
        }
        list.sort_unstable_by(|&x, &y| {
            if cm.outranks(x, y) {
                std::cmp::Ordering::Less
            } else if cm.outranks(y, x) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        let name = bucket_name(market, b);
        hospitals.push((
            name.clone(),
            list.iter()
                .map(|&e| market.children[child_of(e)].id.clone())
                .collect(),
        ));
        capacities.push((name, cm.capacity[b]));
    }
    HrInstance {
        residents,
        hospitals,
        capacities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\
typ;id;feld1;feld2;feld3;feld4
jahr;2025
kriterium;geschwister;Geschwisterkind
kriterium;wohnort;Wohnort
kita;K1;Kita Sonnenschein
platz;K1;U3;35;1
regel;K1;geschwister;desc
regel;K1;wohnort;desc
kita;K2;Kita Regenbogen
platz;K2;U3;35;1
kind;C1;2023-03-14;2025-08;35;K1;K2
kind;C2;2023-01-02;2025-09;35;K1;K2
wert;C1;wohnort;1
wert;C2;wohnort;1
wert;C2;geschwister;1;K1
";

    #[test]
    fn outcome_json_round_trip_and_writer() {
        let market = generate(&GenerateParams {
            children: 400,
            kitas: 20,
            ..Default::default()
        });
        let outcome = allocate(&market, 3, &Options::default());
        let json = outcome_to_json(&outcome);
        let mut streamed = Vec::new();
        write_outcome_json(&outcome, &mut streamed).unwrap();
        assert_eq!(streamed, json.as_bytes());
        let back = parse_outcome_json(&json).unwrap();
        assert_eq!(back, outcome);
        assert_eq!(outcome_to_json(&back), json);
        let e = outcome
            .assignments
            .iter()
            .flat_map(|a| &a.explanations)
            .find(|e| e.reason == Reason::HigherPriority)
            .unwrap();
        assert_eq!(e.text.render(), e.text.to_string());
        assert!(e.text.render().contains("mit höherer Priorität vergeben"));
        assert_eq!(Text::new(e.text.render()), e.text);
    }

    #[test]
    fn allocation_from_text_explains_in_german() {
        let market = parse_market(CSV, InputFormat::from_path("markt.csv")).unwrap();
        let outcome = allocate(&market, 42, &Options::default());
        let text = summary(&outcome);
        let a = &outcome.assignments;
        assert_eq!(a[1].kita.as_deref(), Some("K1"));
        assert_eq!(a[0].kita.as_deref(), Some("K2"));
        assert_eq!(
            a[0].explanations[0].text,
            "Kita Sonnenschein: der einzige Platz der Altersgruppe U3 (35 Std.) an ein Kind mit höherer Priorität vergeben; letzter Platz: Geschwisterkind, Wohnort; Ihr Kind: Wohnort"
        );
        assert!(text.contains("1. Wunsch: 1 (50,0 %)"), "{text}");
        assert!(text.contains("berechtigtem Neid: 0 (stabil)"));
        // the JSON result is a valid previous round for the follow-up
        let next = follow_up_from_texts(
            CSV,
            InputFormat::Csv,
            &outcome_to_json(&outcome),
            "{\"C1\": \"abgelehnt\"}",
            &Options::default(),
        )
        .unwrap();
        assert_eq!(next.assignments[0].status, Status::Withdrawn);
        assert_eq!(next.assignments[1].status, Status::Kept);
        assert_eq!(next.stats.free_places, 1);
        // generate → CSV → parse
        let text = market_to_string(
            &generate(&GenerateParams {
                children: 50,
                kitas: 5,
                ..Default::default()
            }),
            InputFormat::Csv,
        );
        assert_eq!(
            parse_market(&text, InputFormat::Csv)
                .unwrap()
                .children
                .len(),
            50
        );
        let errs = parse_market("kind;X", InputFormat::Csv).unwrap_err();
        assert!(format_errors(&errs).contains("es wurde nichts berechnet"));
    }

    #[test]
    fn hr_instance_ranks_by_priority() {
        let m = parse_market_csv(CSV).unwrap();
        let hr = hr_instance(&m, 42);
        let k1 = hr.hospitals.iter().find(|h| h.0 == "K1|U3|35").unwrap();
        assert_eq!(k1.1, vec!["C2".to_string(), "C1".to_string()]);
    }
}
