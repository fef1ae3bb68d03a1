//! Input documents (JSON / CSV), validation with per-row German errors, and export.

use crate::model::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// Where an input error was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// The document as a whole (syntax error, missing Kita year, …).
    Document,
    /// CSV line number (1-based).
    Line(usize),
    /// JSON: position (1-based) in the `kitas` array.
    Kita(usize),
    /// JSON: position (1-based) in the `children` array.
    Child(usize),
    /// JSON: position (1-based) in the `criteria` array.
    Criterion(usize),
    /// An entry of a response document (follow-up rounds).
    Response,
}

/// One input error, with row / id and a German message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MarketError {
    pub location: Location,
    /// Id of the Kita / child / criterion concerned, if known.
    pub id: Option<String>,
    pub message: String,
}

impl MarketError {
    pub fn new(location: Location, id: Option<&str>, message: impl Into<String>) -> Self {
        MarketError {
            location,
            id: id.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for MarketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::Document => f.write_str("Datei")?,
            Location::Line(n) => write!(f, "Zeile {n}")?,
            Location::Kita(n) => write!(f, "Kita Nr. {n}")?,
            Location::Child(n) => write!(f, "Kind Nr. {n}")?,
            Location::Criterion(n) => write!(f, "Kriterium Nr. {n}")?,
            Location::Response => f.write_str("Rückmeldung")?,
        }
        if let Some(id) = &self.id {
            write!(f, " ('{id}')")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Formats a list of errors, one per line (for the CLI).
pub fn format_errors(errors: &[MarketError]) -> String {
    let mut s = format!(
        "Der Markt enthält {} Fehler; es wurde nichts berechnet:\n",
        errors.len()
    );
    for e in errors {
        s.push_str("  ");
        s.push_str(&e.to_string());
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------------------
// Raw (unvalidated) input document
// ---------------------------------------------------------------------------

/// Raw JSON input document (see crate docs for the format).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketInput {
    /// The Kita year starts on 1 August of this year.
    pub kita_year: i64,
    #[serde(default)]
    pub criteria: Vec<CriterionInput>,
    #[serde(default)]
    pub kitas: Vec<KitaInput>,
    #[serde(default)]
    pub children: Vec<ChildInput>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionInput {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KitaInput {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub capacity: Vec<CapacityInput>,
    #[serde(default)]
    pub rules: Vec<RuleInput>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityInput {
    pub age_group: String,
    pub hours: i64,
    pub places: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub criterion: String,
    /// "desc" (default; higher value first) or "asc".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildInput {
    pub id: String,
    pub birth_date: String,
    pub start_month: String,
    pub hours: i64,
    #[serde(default)]
    pub wishes: Vec<WishInput>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kita_values: BTreeMap<String, BTreeMap<String, i64>>,
}

/// A wish: either just a Kita id (`"K1"`) or `{"kita": "K1", "hours": 25}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WishInput {
    Kita(String),
    Full {
        kita: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hours: Option<i64>,
    },
}

impl WishInput {
    fn parts(&self) -> (&str, Option<i64>) {
        match self {
            WishInput::Kita(k) => (k, None),
            WishInput::Full { kita, hours } => (kita, *hours),
        }
    }
}

// ---------------------------------------------------------------------------
// Rank-dependent criteria are forbidden
// ---------------------------------------------------------------------------

fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars().flat_map(char::to_lowercase) {
        match ch {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

const RANK_STEMS: &[&str] = &[
    "wunschrang",
    "wunschposition",
    "wunschreihenfolge",
    "wunschprioritaet",
    "wunschnummer",
    "wunschplatz",
    "erstwunsch",
    "zweitwunsch",
    "drittwunsch",
    "rangderkita",
    "elternrang",
    "elternprioritaet",
    "praeferenzrang",
    "prioritaetdereltern",
    "wishrank",
    "wishposition",
    "firstwish",
    "firstchoice",
    "choicerank",
    "preferencerank",
    "rankbyparents",
];

/// `true` if a criterion name refers to where the parents ranked the Kita.
pub fn is_rank_dependent(name: &str) -> bool {
    let n = normalize(name);
    RANK_STEMS.iter().any(|s| n.contains(s))
}

fn rank_message(name: &str) -> String {
    format!(
        "Kriterium '{name}' hängt davon ab, an welcher Stelle die Eltern die Kita gewünscht haben \
         (Wunschrang/Erstwunsch-Bonus). Solche Regeln sind unzulässig: Sie machen das Verfahren \
         manipulierbar, weil Eltern dann taktisch statt ehrlich wählen müssten."
    )
}

// ---------------------------------------------------------------------------
// Validation: MarketInput -> Market
// ---------------------------------------------------------------------------

/// Row locations for each element of a [`MarketInput`] (CSV line numbers or JSON positions).
#[derive(Clone, Debug, Default)]
pub(crate) struct Rows {
    pub criteria: Vec<Location>,
    pub kitas: Vec<Location>,
    pub children: Vec<Location>,
    /// Location of each (child, wish) / (child, value) for CSV; falls back to the child's row.
    pub child_wishes: HashMap<(usize, usize), Location>,
    pub child_values: HashMap<(usize, String), Location>,
    pub kita_caps: HashMap<(usize, usize), Location>,
    pub kita_rules: HashMap<(usize, usize), Location>,
    pub year: Option<Location>,
}

impl Rows {
    fn json(input: &MarketInput) -> Rows {
        Rows {
            criteria: (1..=input.criteria.len())
                .map(Location::Criterion)
                .collect(),
            kitas: (1..=input.kitas.len()).map(Location::Kita).collect(),
            children: (1..=input.children.len()).map(Location::Child).collect(),
            ..Rows::default()
        }
    }
}

impl Market {
    /// Validates a raw input document. Returns every error found (per row), never a partial market.
    pub fn from_input(input: &MarketInput) -> Result<Market, Vec<MarketError>> {
        validate(input, &Rows::json(input))
    }
}

/// Validates a raw input document section by section (Kita year, criteria, Kitas, children), in
/// this order, so the errors come out in document order per section. Returns every error found,
/// never a partial market.
pub(crate) fn validate(input: &MarketInput, rows: &Rows) -> Result<Market, Vec<MarketError>> {
    let mut v = Validator {
        input,
        rows,
        errs: Vec::new(),
        kita_year: 0,
        crit_index: HashMap::new(),
        kita_index: HashMap::new(),
    };
    v.check_kita_year();
    let criteria = v.criteria();
    let kitas = v.kitas();
    let children = v.children();
    if !v.errs.is_empty() {
        return Err(v.errs);
    }
    assemble(v.kita_year, criteria, kitas, children)
}

/// The state of [`validate`]: every error so far, and what the later sections need from the
/// earlier ones (the Kita year, the criterion and Kita indices).
struct Validator<'a> {
    input: &'a MarketInput,
    rows: &'a Rows,
    errs: Vec<MarketError>,
    /// The Kita year, clamped into the valid range so that the children can still be checked
    /// after an invalid year.
    kita_year: i32,
    /// Criterion index by id.
    crit_index: HashMap<&'a str, u16>,
    /// Kita index by id. A Kita with errors is `u32::MAX`: known, so a wish for it is not
    /// reported once more as a wish for an unknown Kita.
    kita_index: HashMap<&'a str, u32>,
}

/// The children's part of a market, filled child by child.
struct ChildTables {
    children: Vec<Child>,
    wishes: Vec<Wish>,
    /// One value per child and criterion (`child * ncrit + criterion`).
    values: Vec<i32>,
    kita_values: Vec<KitaValue>,
}

/// A child being checked: its position in the input, its row, its trimmed id and its input.
struct ChildAt<'a> {
    i: usize,
    loc: Location,
    id: &'a str,
    c: &'a ChildInput,
}

impl<'a> Validator<'a> {
    /// The Kita year must lie in 1990–2200.
    fn check_kita_year(&mut self) {
        let doc = self.rows.year.clone().unwrap_or(Location::Document);
        if !(1990..=2200).contains(&self.input.kita_year) {
            self.errs.push(MarketError::new(
                doc,
                None,
                format!(
                    "Kita-Jahr {} fehlt oder ist ungültig (erwartet z. B. 2025 für das Kita-Jahr ab 1. August 2025)",
                    self.input.kita_year
                ),
            ));
        }
        self.kita_year = self.input.kita_year.clamp(1990, 2200) as i32;
    }

    /// The criteria: an id, unique, not about the rank of the wish (neither id nor label).
    fn criteria(&mut self) -> Vec<Criterion> {
        let input = self.input;
        let mut criteria = Vec::new();
        for (i, c) in input.criteria.iter().enumerate() {
            let loc = self.rows.criteria[i].clone();
            let id = c.id.trim();
            if id.is_empty() {
                self.errs
                    .push(MarketError::new(loc, None, "Kriterium ohne Id"));
                continue;
            }
            let label = c.label.clone().unwrap_or_else(|| id.to_string());
            if is_rank_dependent(id) || is_rank_dependent(&label) {
                self.errs
                    .push(MarketError::new(loc, Some(id), rank_message(id)));
                continue;
            }
            if self.crit_index.contains_key(id) {
                self.errs.push(MarketError::new(
                    loc,
                    Some(id),
                    "Kriterium doppelt definiert",
                ));
                continue;
            }
            if criteria.len() >= u16::MAX as usize {
                self.errs
                    .push(MarketError::new(loc, Some(id), "zu viele Kriterien"));
                continue;
            }
            self.crit_index.insert(id, criteria.len() as u16);
            criteria.push(Criterion {
                id: id.to_string(),
                label,
            });
        }
        criteria
    }

    /// The Kitas: a unique id, their capacities and their rules. Every Kita is kept (so the
    /// indices stay the input positions); one with errors is marked in `kita_index`.
    fn kitas(&mut self) -> Vec<Kita> {
        let input = self.input;
        self.kita_index = HashMap::with_capacity(input.kitas.len());
        let mut kitas = Vec::with_capacity(input.kitas.len());
        for (i, k) in input.kitas.iter().enumerate() {
            let loc = self.rows.kitas[i].clone();
            let id = k.id.trim();
            let mut ok = true;
            if id.is_empty() {
                self.errs
                    .push(MarketError::new(loc.clone(), None, "Kita ohne Id"));
                ok = false;
            } else if self.kita_index.contains_key(id) {
                self.errs.push(MarketError::new(
                    loc.clone(),
                    Some(id),
                    format!("Kita-Id '{id}' ist doppelt vergeben"),
                ));
                ok = false;
            }
            let (capacity, capacity_ok) = self.kita_capacity(i, k, &loc, id);
            let (rules, rules_ok) = self.kita_rules(i, k, &loc, id);
            ok = ok && capacity_ok && rules_ok;
            if ok {
                self.kita_index.insert(id, kitas.len() as u32);
            } else if !id.is_empty() && !self.kita_index.contains_key(id) {
                // keep the id known so wishes to it are not reported twice as unknown
                self.kita_index.insert(id, u32::MAX);
            }
            kitas.push(Kita {
                id: id.to_string(),
                name: k.name.clone().unwrap_or_else(|| id.to_string()),
                capacity,
                rules,
            });
        }
        kitas
    }

    /// The places of Kita `i` per age group and hours (`false` if any entry is wrong): a known
    /// age group and hours, 0 to 100000 places, each combination once.
    fn kita_capacity(
        &mut self,
        i: usize,
        k: &KitaInput,
        loc: &Location,
        id: &str,
    ) -> ([[u32; 3]; 3], bool) {
        let mut ok = true;
        let mut capacity = [[0u32; 3]; 3];
        let mut seen = [[false; 3]; 3];
        for (j, cap) in k.capacity.iter().enumerate() {
            let cloc = self
                .rows
                .kita_caps
                .get(&(i, j))
                .cloned()
                .unwrap_or(loc.clone());
            let ag = AgeGroup::parse(&cap.age_group);
            let h = Hours::from_value(cap.hours);
            if ag.is_none() {
                self.errs.push(MarketError::new(
                    cloc.clone(),
                    Some(id),
                    format!(
                        "unbekannte Altersgruppe '{}' (erlaubt: U2, U3, Ü3)",
                        cap.age_group
                    ),
                ));
                ok = false;
            }
            if h.is_none() {
                self.errs.push(MarketError::new(
                    cloc.clone(),
                    Some(id),
                    format!(
                        "ungültiger Betreuungsumfang {} Wochenstunden (erlaubt: 25, 35, 45)",
                        cap.hours
                    ),
                ));
                ok = false;
            }
            if cap.places < 0 {
                self.errs.push(MarketError::new(
                    cloc.clone(),
                    Some(id),
                    format!("negative Kapazität {} ist unzulässig", cap.places),
                ));
                ok = false;
            } else if cap.places > 100_000 {
                self.errs.push(MarketError::new(
                    cloc.clone(),
                    Some(id),
                    format!("unplausible Kapazität {} (höchstens 100000)", cap.places),
                ));
                ok = false;
            }
            if let (Some(ag), Some(h)) = (ag, h) {
                if seen[ag.index()][h.index()] {
                    self.errs.push(MarketError::new(
                        cloc,
                        Some(id),
                        format!(
                            "Kapazität für Altersgruppe {ag} mit {h} Wochenstunden doppelt angegeben"
                        ),
                    ));
                    ok = false;
                }
                seen[ag.index()][h.index()] = true;
                capacity[ag.index()][h.index()] = cap.places.clamp(0, 100_000) as u32;
            }
        }
        (capacity, ok)
    }

    /// The priority rules of Kita `i` (`false` if any is wrong): a known criterion that is not
    /// about the rank of the wish, a known direction, each criterion once. Wrong rules are left out.
    fn kita_rules(
        &mut self,
        i: usize,
        k: &KitaInput,
        loc: &Location,
        id: &str,
    ) -> (Vec<Rule>, bool) {
        let mut ok = true;
        let mut rules = Vec::with_capacity(k.rules.len());
        let mut rule_seen = HashSet::new();
        for (j, r) in k.rules.iter().enumerate() {
            let rloc = self
                .rows
                .kita_rules
                .get(&(i, j))
                .cloned()
                .unwrap_or(loc.clone());
            let name = r.criterion.trim();
            if is_rank_dependent(name) {
                self.errs
                    .push(MarketError::new(rloc, Some(id), rank_message(name)));
                ok = false;
                continue;
            }
            let Some(&ci) = self.crit_index.get(name) else {
                self.errs.push(MarketError::new(
                    rloc,
                    Some(id),
                    format!("Regel verweist auf unbekanntes Kriterium '{name}'"),
                ));
                ok = false;
                continue;
            };
            let Some(order) = Order::parse(r.order.as_deref().unwrap_or("")) else {
                self.errs.push(MarketError::new(
                    rloc,
                    Some(id),
                    format!(
                        "unbekannte Richtung '{}' (erlaubt: desc/hoch, asc/niedrig)",
                        r.order.as_deref().unwrap_or("")
                    ),
                ));
                ok = false;
                continue;
            };
            if !rule_seen.insert(ci) {
                self.errs.push(MarketError::new(
                    rloc,
                    Some(id),
                    format!("Kriterium '{name}' steht mehrfach in den Regeln"),
                ));
                ok = false;
                continue;
            }
            rules.push(Rule {
                criterion: ci,
                order,
            });
        }
        (rules, ok)
    }

    /// The children, in input order, with their wishes and criterion values.
    fn children(&mut self) -> ChildTables {
        let input = self.input;
        // `crit_index` holds exactly the valid criteria: its length is their number.
        let ncrit = self.crit_index.len();
        let total_wishes: usize = input.children.iter().map(|c| c.wishes.len()).sum();
        let mut t = ChildTables {
            children: Vec::with_capacity(input.children.len()),
            wishes: Vec::with_capacity(total_wishes),
            values: vec![0i32; input.children.len() * ncrit],
            kita_values: Vec::new(),
        };
        let mut child_ids: HashSet<&str> = HashSet::with_capacity(input.children.len());
        for (i, c) in input.children.iter().enumerate() {
            let at = ChildAt {
                i,
                loc: self.rows.children[i].clone(),
                id: c.id.trim(),
                c,
            };
            if at.id.is_empty() {
                self.errs
                    .push(MarketError::new(at.loc.clone(), None, "Kind ohne Id"));
            } else if !child_ids.insert(at.id) {
                self.errs.push(MarketError::new(
                    at.loc.clone(),
                    Some(at.id),
                    format!("Kind-Id '{}' ist doppelt vergeben", at.id),
                ));
            }
            let child = self.child(&at, &mut t);
            t.children.push(child);
        }
        t
    }

    /// One child (its id is checked by the caller): birth date and age group, start month,
    /// hours, wishes and values. Wrong values are reported and replaced by a default, so that
    /// the rest of the child can still be checked.
    fn child(&mut self, at: &ChildAt<'a>, t: &mut ChildTables) -> Child {
        let reference = self.reference_date();
        let (birth, age_group) = self.child_age_group(at);
        let start = self.child_start_month(at);
        let c = at.c;
        let hours = Hours::from_value(c.hours);
        if hours.is_none() {
            self.errs.push(MarketError::new(
                at.loc.clone(),
                Some(at.id),
                format!(
                    "ungültiger Betreuungsumfang {} Wochenstunden (erlaubt: 25, 35, 45)",
                    c.hours
                ),
            ));
        }
        let hours = hours.unwrap_or(Hours::H35);
        let wish_start = t.wishes.len() as u32;
        self.child_wishes(at, hours, &mut t.wishes);
        let wish_len = t.wishes.len() as u32 - wish_start;
        let ncrit = self.crit_index.len();
        self.child_values(at, &mut t.values[at.i * ncrit..(at.i + 1) * ncrit]);
        self.child_kita_values(at, &mut t.kita_values);
        Child {
            id: at.id.to_string(),
            birth_date: birth.unwrap_or(reference),
            start_month: start.unwrap_or(YearMonth {
                year: self.kita_year,
                month: 8,
            }),
            hours,
            age_group,
            wish_start,
            wish_len,
        }
    }

    /// The reference date for the age groups: 1 August of the Kita year.
    fn reference_date(&self) -> Date {
        Date {
            year: self.kita_year,
            month: 8,
            day: 1,
        }
    }

    /// The birth date and the age group it gives on the reference date (`U2` if either is wrong).
    fn child_age_group(&mut self, at: &ChildAt<'_>) -> (Option<Date>, AgeGroup) {
        let reference = self.reference_date();
        let (loc, id, c) = (&at.loc, at.id, at.c);
        let birth = Date::parse(&c.birth_date);
        let mut age_group = AgeGroup::U2;
        match birth {
            None => self.errs.push(MarketError::new(
                loc.clone(),
                Some(id),
                format!(
                    "ungültiges Geburtsdatum '{}' (erwartet JJJJ-MM-TT)",
                    c.birth_date
                ),
            )),
            Some(b) => {
                let age = b.age_on(reference);
                match AgeGroup::from_age(age) {
                    Some(g) => age_group = g,
                    None if age < 0 => self.errs.push(MarketError::new(
                        loc.clone(),
                        Some(id),
                        format!(
                            "Kind ist am Stichtag {reference} noch nicht geboren (Geburtsdatum {b}) und fällt in keine Altersgruppe"
                        ),
                    )),
                    None => self.errs.push(MarketError::new(
                        loc.clone(),
                        Some(id),
                        format!(
                            "Kind ist am Stichtag {reference} bereits {age} Jahre alt (Schulalter) und fällt in keine Altersgruppe (U2, U3, Ü3)"
                        ),
                    )),
                }
            }
        }
        (birth, age_group)
    }

    /// The desired start month, which must lie in the Kita year (August to July).
    fn child_start_month(&mut self, at: &ChildAt<'_>) -> Option<YearMonth> {
        let (loc, id, c) = (&at.loc, at.id, at.c);
        let start = YearMonth::parse(&c.start_month);
        match start {
            None => self.errs.push(MarketError::new(
                loc.clone(),
                Some(id),
                format!(
                    "ungültiger Wunschbeginn '{}' (erwartet JJJJ-MM)",
                    c.start_month
                ),
            )),
            Some(s) => {
                let first = YearMonth {
                    year: self.kita_year,
                    month: 8,
                };
                let last = YearMonth {
                    year: self.kita_year + 1,
                    month: 7,
                };
                if s < first || s > last {
                    self.errs.push(MarketError::new(
                        loc.clone(),
                        Some(id),
                        format!("Wunschbeginn {s} liegt nicht im Kita-Jahr {first} bis {last}"),
                    ));
                }
            }
        }
        start
    }

    /// The wishes of a child, appended to `wishes`: a known Kita, valid hours (default: the
    /// child's `hours`), each (Kita, hours) once. Wishes with an unknown Kita or hours are left out.
    fn child_wishes(&mut self, at: &ChildAt<'_>, hours: Hours, wishes: &mut Vec<Wish>) {
        let (i, loc, id, c) = (at.i, &at.loc, at.id, at.c);
        let mut seen_buckets: Vec<(u32, Hours)> = Vec::with_capacity(c.wishes.len());
        for (j, w) in c.wishes.iter().enumerate() {
            let wloc = self
                .rows
                .child_wishes
                .get(&(i, j))
                .cloned()
                .unwrap_or(loc.clone());
            let (kid, wh) = w.parts();
            let kid = kid.trim();
            let k = match self.kita_index.get(kid) {
                None => {
                    self.errs.push(MarketError::new(
                        wloc.clone(),
                        Some(id),
                        format!("Wunsch {} verweist auf unbekannte Kita '{kid}'", j + 1),
                    ));
                    None
                }
                Some(&k) => Some(k),
            };
            let h = match wh {
                None => Some(hours),
                Some(v) => {
                    let h = Hours::from_value(v);
                    if h.is_none() {
                        self.errs.push(MarketError::new(
                            wloc.clone(),
                            Some(id),
                            format!(
                                "Wunsch {}: ungültiger Betreuungsumfang {v} (erlaubt: 25, 35, 45)",
                                j + 1
                            ),
                        ));
                    }
                    h
                }
            };
            if let (Some(k), Some(h)) = (k, h) {
                if seen_buckets.contains(&(k, h)) {
                    self.errs.push(MarketError::new(
                        wloc,
                        Some(id),
                        format!(
                            "Wunsch {}: Kita '{kid}' mit {h} Wochenstunden steht mehrfach auf der Wunschliste",
                            j + 1
                        ),
                    ));
                }
                seen_buckets.push((k, h));
                wishes.push(Wish {
                    kita: k,
                    hours: wh.and_then(Hours::from_value),
                });
            }
        }
    }

    /// The child's criterion values (`values`: its row, one entry per criterion): a known
    /// criterion that is not about the rank of the wish, a value that fits an `i32`.
    fn child_values(&mut self, at: &ChildAt<'_>, values: &mut [i32]) {
        let (i, loc, id, c) = (at.i, &at.loc, at.id, at.c);
        for (name, &v) in &c.values {
            let vloc = self
                .rows
                .child_values
                .get(&(i, name.clone()))
                .cloned()
                .unwrap_or(loc.clone());
            match self.crit_index.get(name.trim()) {
                None => self.errs.push(MarketError::new(
                    vloc,
                    Some(id),
                    if is_rank_dependent(name) {
                        rank_message(name)
                    } else {
                        format!("Wert für unbekanntes Kriterium '{name}'")
                    },
                )),
                Some(&ci) => match i32::try_from(v) {
                    Ok(v) => values[ci as usize] = v,
                    Err(_) => self.errs.push(MarketError::new(
                        vloc,
                        Some(id),
                        format!("Wert {v} für Kriterium '{name}' ist zu groß"),
                    )),
                },
            }
        }
    }

    /// The child's values that apply at one Kita only, appended to `kita_values`: a known Kita,
    /// and per value the same checks as [`Self::child_values`].
    fn child_kita_values(&mut self, at: &ChildAt<'_>, kita_values: &mut Vec<KitaValue>) {
        let (i, loc, id, c) = (at.i, &at.loc, at.id, at.c);
        for (kname, map) in &c.kita_values {
            let kname = kname.trim();
            let k = self.kita_index.get(kname).copied();
            if k.is_none() {
                self.errs.push(MarketError::new(
                    loc.clone(),
                    Some(id),
                    format!("kitabezogener Wert für unbekannte Kita '{kname}'"),
                ));
            }
            for (name, &v) in map {
                let vloc = self
                    .rows
                    .child_values
                    .get(&(i, format!("{kname}/{name}")))
                    .cloned()
                    .unwrap_or(loc.clone());
                match (self.crit_index.get(name.trim()), i32::try_from(v)) {
                    (None, _) => self.errs.push(MarketError::new(
                        vloc,
                        Some(id),
                        if is_rank_dependent(name) {
                            rank_message(name)
                        } else {
                            format!("Wert für unbekanntes Kriterium '{name}' (Kita '{kname}')")
                        },
                    )),
                    (_, Err(_)) => self.errs.push(MarketError::new(
                        vloc,
                        Some(id),
                        format!("Wert {v} für Kriterium '{name}' ist zu groß"),
                    )),
                    (Some(&ci), Ok(v)) => {
                        if let Some(k) = k {
                            kita_values.push(KitaValue {
                                child: i as u32,
                                kita: k,
                                criterion: ci,
                                value: v,
                            });
                        }
                    }
                }
            }
        }
    }
}

/// The market from the validated parts. The priority keys must fit 128 bits (checked here,
/// since it depends on all rules and values together).
fn assemble(
    kita_year: i32,
    criteria: Vec<Criterion>,
    kitas: Vec<Kita>,
    t: ChildTables,
) -> Result<Market, Vec<MarketError>> {
    let ChildTables {
        children,
        wishes,
        values,
        mut kita_values,
    } = t;
    kita_values.sort_unstable();
    let market = Market {
        kita_year,
        criteria,
        kitas,
        children,
        wishes,
        values,
        kita_values,
    };
    if crate::engine::KeyLayout::new(&market).total_bits() > 128 {
        return Err(vec![MarketError::new(
            Location::Document,
            None,
            "Die Prioritätsregeln sind zu umfangreich (zu viele Kriterien mit zu vielen verschiedenen Werten); bitte Kriterien zusammenfassen",
        )]);
    }
    Ok(market)
}

/// Parses and validates a JSON market document.
pub fn parse_market_json(text: &str) -> Result<Market, Vec<MarketError>> {
    let input: MarketInput = serde_json::from_str(text).map_err(|e| {
        vec![MarketError::new(
            Location::Document,
            None,
            format!(
                "JSON nicht lesbar (Zeile {}, Spalte {}): {}",
                e.line(),
                e.column(),
                ozg_domain::meldung::deutsch(&e.to_string())
            ),
        )]
    })?;
    Market::from_input(&input)
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// Parses and validates a CSV market (one record type per row, see crate docs).
pub fn parse_market_csv(text: &str) -> Result<Market, Vec<MarketError>> {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap_or("");
    let delim = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut input = MarketInput {
        kita_year: 0,
        ..MarketInput::default()
    };
    let mut rows = Rows::default();
    let mut errs = Vec::new();
    let mut kita_pos: HashMap<String, usize> = HashMap::new();
    let mut child_pos: HashMap<String, usize> = HashMap::new();
    let mut pending_values: Vec<(Location, Vec<String>)> = Vec::new();
    let mut pending_caps: Vec<(Location, Vec<String>)> = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                errs.push(MarketError::new(
                    Location::Line(line),
                    None,
                    format!(
                        "CSV nicht lesbar: {}",
                        ozg_domain::meldung::deutsch(&e.to_string())
                    ),
                ));
                continue;
            }
        };
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let loc = Location::Line(line);
        let f: Vec<String> = rec.iter().map(str::to_string).collect();
        let get = |i: usize| f.get(i).map(String::as_str).unwrap_or("");
        let typ = get(0).to_lowercase();
        let need = |n: usize, errs: &mut Vec<MarketError>, what: &str| -> bool {
            if f.len() < n || f[1..n].iter().any(String::is_empty) {
                errs.push(MarketError::new(
                    loc.clone(),
                    f.get(1).map(String::as_str),
                    format!("Zeile vom Typ '{typ}' braucht die Felder: {what}"),
                ));
                false
            } else {
                true
            }
        };
        match typ.as_str() {
            "typ" | "type" | "" => {}
            "jahr" | "kita_jahr" | "year" => {
                if need(2, &mut errs, "jahr") {
                    match get(1).parse::<i64>() {
                        Ok(y) => {
                            input.kita_year = y;
                            rows.year = Some(loc.clone());
                        }
                        Err(_) => errs.push(MarketError::new(
                            loc,
                            None,
                            format!("ungültiges Kita-Jahr '{}'", get(1)),
                        )),
                    }
                }
            }
            "kriterium" | "criterion" => {
                if need(2, &mut errs, "id[, bezeichnung]") {
                    input.criteria.push(CriterionInput {
                        id: get(1).to_string(),
                        label: Some(get(2)).filter(|s| !s.is_empty()).map(str::to_string),
                    });
                    rows.criteria.push(loc);
                }
            }
            "kita" => {
                if need(2, &mut errs, "id[, name]") {
                    if !kita_pos.contains_key(get(1)) {
                        kita_pos.insert(get(1).to_string(), input.kitas.len());
                    }
                    input.kitas.push(KitaInput {
                        id: get(1).to_string(),
                        name: Some(get(2)).filter(|s| !s.is_empty()).map(str::to_string),
                        ..KitaInput::default()
                    });
                    rows.kitas.push(loc);
                }
            }
            "platz" | "plaetze" | "plätze" | "kapazitaet" | "kapazität" | "capacity" => {
                if need(5, &mut errs, "kita, altersgruppe, stunden, anzahl") {
                    pending_caps.push((loc, f.clone()));
                }
            }
            "regel" | "rule" => {
                if need(3, &mut errs, "kita, kriterium[, richtung]") {
                    match kita_pos.get(get(1)) {
                        None => errs.push(MarketError::new(
                            loc,
                            Some(get(1)),
                            format!(
                                "Regel für unbekannte Kita '{}' (Kita-Zeile muss vorher stehen)",
                                get(1)
                            ),
                        )),
                        Some(&k) => {
                            let j = input.kitas[k].rules.len();
                            input.kitas[k].rules.push(RuleInput {
                                criterion: get(2).to_string(),
                                order: Some(get(3)).filter(|s| !s.is_empty()).map(str::to_string),
                            });
                            rows.kita_rules.insert((k, j), loc);
                        }
                    }
                }
            }
            "kind" | "child" => {
                if need(5, &mut errs, "id, geburtsdatum, beginn, stunden, wunsch1, …") {
                    let Ok(hours) = get(4).parse::<i64>() else {
                        errs.push(MarketError::new(
                            loc.clone(),
                            Some(get(1)),
                            format!("ungültiger Betreuungsumfang '{}'", get(4)),
                        ));
                        continue;
                    };
                    let ci = input.children.len();
                    child_pos.entry(get(1).to_string()).or_insert(ci);
                    let mut wishes = Vec::new();
                    for w in f.iter().skip(5).filter(|s| !s.is_empty()) {
                        let (k, h) = match w.split_once(':') {
                            None => (w.as_str(), None),
                            Some((k, h)) => match h.trim().parse::<i64>() {
                                Ok(h) => (k, Some(h)),
                                Err(_) => {
                                    errs.push(MarketError::new(
                                        loc.clone(),
                                        Some(get(1)),
                                        format!("ungültiger Wunsch '{w}' (erwartet KITA oder KITA:STUNDEN)"),
                                    ));
                                    continue;
                                }
                            },
                        };
                        wishes.push(WishInput::Full {
                            kita: k.trim().to_string(),
                            hours: h,
                        });
                    }
                    input.children.push(ChildInput {
                        id: get(1).to_string(),
                        birth_date: get(2).to_string(),
                        start_month: get(3).to_string(),
                        hours,
                        wishes,
                        ..ChildInput::default()
                    });
                    rows.children.push(loc);
                }
            }
            "wert" | "value" => {
                if need(4, &mut errs, "kind, kriterium, wert[, kita]") {
                    pending_values.push((loc, f.clone()));
                }
            }
            other => errs.push(MarketError::new(
                loc,
                None,
                format!(
                    "unbekannter Zeilentyp '{other}' (erlaubt: jahr, kriterium, kita, platz, regel, kind, wert)"
                ),
            )),
        }
    }
    for (loc, f) in pending_caps {
        match kita_pos.get(&f[1]) {
            None => errs.push(MarketError::new(
                loc,
                Some(&f[1]),
                format!("Plätze für unbekannte Kita '{}'", f[1]),
            )),
            Some(&k) => match (f[3].parse::<i64>(), f[4].parse::<i64>()) {
                (Ok(h), Ok(p)) => {
                    let j = input.kitas[k].capacity.len();
                    input.kitas[k].capacity.push(CapacityInput {
                        age_group: f[2].clone(),
                        hours: h,
                        places: p,
                    });
                    rows.kita_caps.insert((k, j), loc);
                }
                _ => errs.push(MarketError::new(
                    loc,
                    Some(&f[1]),
                    format!(
                        "Stunden '{}' und Anzahl '{}' müssen ganze Zahlen sein",
                        f[3], f[4]
                    ),
                )),
            },
        }
    }
    for (loc, f) in pending_values {
        let Some(&c) = child_pos.get(&f[1]) else {
            errs.push(MarketError::new(
                loc,
                Some(&f[1]),
                format!("Wert für unbekanntes Kind '{}'", f[1]),
            ));
            continue;
        };
        let Ok(v) = f[3].parse::<i64>() else {
            errs.push(MarketError::new(
                loc,
                Some(&f[1]),
                format!("Wert '{}' ist keine ganze Zahl", f[3]),
            ));
            continue;
        };
        let crit = f[2].clone();
        match f.get(4).filter(|s| !s.is_empty()) {
            None => {
                rows.child_values.insert((c, crit.clone()), loc);
                input.children[c].values.insert(crit, v);
            }
            Some(k) => {
                rows.child_values.insert((c, format!("{k}/{crit}")), loc);
                input.children[c]
                    .kita_values
                    .entry(k.clone())
                    .or_default()
                    .insert(crit, v);
            }
        }
    }
    if input.kita_year == 0 {
        errs.push(MarketError::new(
            Location::Document,
            None,
            "Zeile 'jahr,JJJJ' (Beginn des Kita-Jahres) fehlt",
        ));
    }
    match validate(&input, &rows) {
        Ok(m) if errs.is_empty() => Ok(m),
        Ok(_) => Err(errs),
        Err(mut e) => {
            errs.append(&mut e);
            Err(errs)
        }
    }
}

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

impl Market {
    /// Converts back to the raw document (ids instead of indices).
    pub fn to_input(&self) -> MarketInput {
        let ncrit = self.criteria.len();
        let mut kv_by_child: Vec<Vec<&KitaValue>> = vec![Vec::new(); self.children.len()];
        for kv in &self.kita_values {
            kv_by_child[kv.child as usize].push(kv);
        }
        MarketInput {
            kita_year: i64::from(self.kita_year),
            criteria: self
                .criteria
                .iter()
                .map(|c| CriterionInput {
                    id: c.id.clone(),
                    label: (c.label != c.id).then(|| c.label.clone()),
                })
                .collect(),
            kitas: self
                .kitas
                .iter()
                .map(|k| KitaInput {
                    id: k.id.clone(),
                    name: (k.name != k.id).then(|| k.name.clone()),
                    capacity: AgeGroup::ALL
                        .iter()
                        .flat_map(|&a| Hours::ALL.iter().map(move |&h| (a, h)))
                        .filter(|&(a, h)| k.capacity[a.index()][h.index()] > 0)
                        .map(|(a, h)| CapacityInput {
                            age_group: a.label().to_string(),
                            hours: i64::from(h.value()),
                            places: i64::from(k.capacity[a.index()][h.index()]),
                        })
                        .collect(),
                    rules: k
                        .rules
                        .iter()
                        .map(|r| RuleInput {
                            criterion: self.criteria[r.criterion as usize].id.clone(),
                            order: Some(r.order.as_str().to_string()),
                        })
                        .collect(),
                })
                .collect(),
            children: self
                .children
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut kita_values: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
                    for kv in &kv_by_child[i] {
                        kita_values
                            .entry(self.kitas[kv.kita as usize].id.clone())
                            .or_default()
                            .insert(
                                self.criteria[kv.criterion as usize].id.clone(),
                                i64::from(kv.value),
                            );
                    }
                    ChildInput {
                        id: c.id.clone(),
                        birth_date: c.birth_date.to_string(),
                        start_month: c.start_month.to_string(),
                        hours: i64::from(c.hours.value()),
                        wishes: self
                            .wishes_of(i)
                            .iter()
                            .map(|w| match w.hours {
                                None => WishInput::Kita(self.kitas[w.kita as usize].id.clone()),
                                Some(h) => WishInput::Full {
                                    kita: self.kitas[w.kita as usize].id.clone(),
                                    hours: Some(i64::from(h.value())),
                                },
                            })
                            .collect(),
                        values: (0..ncrit)
                            .filter(|&j| self.values[i * ncrit + j] != 0)
                            .map(|j| {
                                (
                                    self.criteria[j].id.clone(),
                                    i64::from(self.values[i * ncrit + j]),
                                )
                            })
                            .collect(),
                        kita_values,
                    }
                })
                .collect(),
        }
    }
}

/// Serializes a market as a JSON document (the format [`parse_market_json`] reads).
pub fn market_to_json(market: &Market) -> String {
    serde_json::to_string(&market.to_input()).expect("market serializes")
}

/// Serializes a market as CSV (the format [`parse_market_csv`] reads).
pub fn market_to_csv(market: &Market) -> String {
    use std::fmt::Write;
    let input = market.to_input();
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut rec = |fields: &[&str]| w.write_record(fields).expect("write to Vec");
    let year = input.kita_year.to_string();
    rec(&["jahr", &year]);
    for c in &input.criteria {
        rec(&["kriterium", &c.id, c.label.as_deref().unwrap_or("")]);
    }
    for k in &input.kitas {
        rec(&["kita", &k.id, k.name.as_deref().unwrap_or("")]);
        for c in &k.capacity {
            rec(&[
                "platz",
                &k.id,
                &c.age_group,
                &c.hours.to_string(),
                &c.places.to_string(),
            ]);
        }
        for r in &k.rules {
            rec(&[
                "regel",
                &k.id,
                &r.criterion,
                r.order.as_deref().unwrap_or("desc"),
            ]);
        }
    }
    let mut buf = String::new();
    for c in &input.children {
        let mut f: Vec<String> = vec![
            "kind".into(),
            c.id.clone(),
            c.birth_date.clone(),
            c.start_month.clone(),
            c.hours.to_string(),
        ];
        for w in &c.wishes {
            buf.clear();
            let (k, h) = w.parts();
            buf.push_str(k);
            if let Some(h) = h {
                let _ = write!(buf, ":{h}");
            }
            f.push(buf.clone());
        }
        let refs: Vec<&str> = f.iter().map(String::as_str).collect();
        rec(&refs);
        for (name, v) in &c.values {
            rec(&["wert", &c.id, name, &v.to_string()]);
        }
        for (k, map) in &c.kita_values {
            for (name, v) in map {
                rec(&["wert", &c.id, name, &v.to_string(), k]);
            }
        }
    }
    String::from_utf8(w.into_inner().expect("flush Vec")).expect("utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{
      "kita_year": 2025,
      "criteria": [{"id": "geschwister", "label": "Geschwisterkind"}, {"id": "wohnort", "label": "Wohnort"}],
      "kitas": [
        {"id": "K1", "name": "Kita Sonnenschein",
         "capacity": [{"age_group": "U3", "hours": 35, "places": 1}],
         "rules": [{"criterion": "geschwister"}, {"criterion": "wohnort", "order": "desc"}]},
        {"id": "K2", "capacity": [{"age_group": "Ü3", "hours": 35, "places": 2}]}
      ],
      "children": [
        {"id": "C1", "birth_date": "2023-03-14", "start_month": "2025-08", "hours": 35,
         "wishes": ["K1", {"kita": "K2", "hours": 25}], "values": {"wohnort": 1},
         "kita_values": {"K1": {"geschwister": 1}}}
      ]
    }"#;

    #[test]
    fn parses_json_and_roundtrips_csv() {
        let m = parse_market_json(JSON).unwrap();
        assert_eq!(m.kitas.len(), 2);
        assert_eq!(m.children[0].age_group, AgeGroup::U3);
        assert_eq!(m.wishes_of(0).len(), 2);
        assert_eq!(m.wishes_of(0)[1].hours, Some(Hours::H25));
        assert_eq!(m.values, vec![0, 1]);
        assert_eq!(m.kita_values.len(), 1);
        let csv = market_to_csv(&m);
        let m2 = parse_market_csv(&csv).unwrap();
        assert_eq!(m, m2);
        let m3 = parse_market_json(&market_to_json(&m)).unwrap();
        assert_eq!(m, m3);
        // semicolon-separated CSV (German Excel)
        let m4 = parse_market_csv(&csv.replace(',', ";")).unwrap();
        assert_eq!(m, m4);
    }

    #[test]
    fn reports_errors_per_row() {
        let csv = "\
jahr,2025
kriterium,wohnort,Wohnort
kriterium,erstwunsch,Erstwunsch-Bonus
kita,K1,Kita A
kita,K1,Kita B
platz,K1,U3,35,-3
platz,K1,U4,30,2
regel,K1,wunschrang,desc
kind,C1,2023-03-14,2025-08,35,K1,K9
kind,C1,2018-01-01,2025-08,35,K1
kind,C3,2026-01-01,2025-08,35,K1
kind,C4,2023-01-01,2024-01,20,K1
wert,C1,alter,3
";
        let errs = parse_market_csv(csv).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        let all = text.join("\n");
        for needle in [
            "Zeile 3 ('erstwunsch'): Kriterium 'erstwunsch' hängt davon ab",
            "Zeile 5 ('K1'): Kita-Id 'K1' ist doppelt vergeben",
            "Zeile 6 ('K1'): negative Kapazität -3",
            "Zeile 7 ('K1'): unbekannte Altersgruppe 'U4'",
            "Zeile 7 ('K1'): ungültiger Betreuungsumfang 30",
            "Zeile 8 ('K1'): Kriterium 'wunschrang' hängt davon ab",
            "Zeile 9 ('C1'): Wunsch 2 verweist auf unbekannte Kita 'K9'",
            "Zeile 10 ('C1'): Kind-Id 'C1' ist doppelt vergeben",
            "Zeile 10 ('C1'): Kind ist am Stichtag 2025-08-01 bereits 7 Jahre alt",
            "Zeile 11 ('C3'): Kind ist am Stichtag 2025-08-01 noch nicht geboren",
            "Zeile 12 ('C4'): Wunschbeginn 2024-01 liegt nicht im Kita-Jahr",
            "Zeile 12 ('C4'): ungültiger Betreuungsumfang 20",
            "Zeile 13 ('C1'): Wert für unbekanntes Kriterium 'alter'",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in\n{all}");
        }
        assert_eq!(errs.len(), 13, "{all}");
    }

    #[test]
    fn json_errors_name_position() {
        let bad = JSON.replace("\"K2\", \"hours\": 25", "\"K7\"");
        let errs = parse_market_json(&bad).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "Kind Nr. 1 ('C1'): Wunsch 2 verweist auf unbekannte Kita 'K7'"
        );
        let errs = parse_market_json("{\"kita_year\": 2025, ").unwrap_err();
        assert!(errs[0].message.starts_with("JSON nicht lesbar"));
        // duplicate wish to the same bucket
        let dup = JSON.replace(
            "{\"kita\": \"K2\", \"hours\": 25}",
            "{\"kita\": \"K1\", \"hours\": 35}",
        );
        let errs = parse_market_json(&dup).unwrap_err();
        assert!(errs[0].message.contains("mehrfach"), "{errs:?}");
    }

    #[test]
    fn rank_dependent_names() {
        assert!(is_rank_dependent("Erstwunsch-Bonus"));
        assert!(is_rank_dependent("wunsch_rang"));
        assert!(is_rank_dependent("Wunschpriorität"));
        assert!(is_rank_dependent("first_choice"));
        assert!(!is_rank_dependent("geschwister"));
        assert!(!is_rank_dependent("Wartezeit"));
    }
}
