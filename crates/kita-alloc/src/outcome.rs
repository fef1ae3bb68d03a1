//! Allocation results: assignment, cutoffs, German explanations, statistics, rounds.

use crate::engine::{
    CompiledMarket, Keys, Matching, NONE, fnv1a, kita_value_starts, mix64, value_of,
};
use crate::input::{Location, MarketError};
use crate::model::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write};
use std::sync::Arc;

/// Description of the procedure recorded in every result.
pub const PROCEDURE: &str = "Kindvorschlagendes Deferred Acceptance (Gale-Shapley) mit Kapazitäten je Kita, Altersgruppe und Betreuungsumfang; Gleichstände per Einzellos (single tie-breaking)";

/// Description of the lottery recorded in every result.
pub const LOTTERY: &str = "Losnummer = Rang von SplitMix64-Finalizer(seed XOR FNV-1a-64(Kind-Id)), aufsteigend sortiert (Gleichstand: Kind-Id); Losnummer 1 = bestes Los";

/// Options for [`allocate`] and [`follow_up_round`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Options {
    /// Produce a German explanation for every higher wish that was not granted.
    pub explanations: bool,
    /// Also run the Kita-proposing variant and report the difference.
    pub compare_kita_proposing: bool,
    /// Cap on the number of listed per-child differences (`None` = all).
    pub max_differences: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            explanations: true,
            compare_kita_proposing: true,
            max_differences: None,
        }
    }
}

/// State of a child after a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// New offer in this round (parents still have to accept or decline).
    #[serde(rename = "angebot")]
    Offered,
    /// No place in this round.
    #[serde(rename = "ohne_platz")]
    Unassigned,
    /// Accepted earlier and keeps that place.
    #[serde(rename = "zugesagt")]
    Kept,
    /// Accepted earlier and moved up to a higher wish (counts as accepted).
    #[serde(rename = "verbessert")]
    Upgraded,
    /// Declined an offer and left the procedure.
    #[serde(rename = "zurueckgezogen")]
    Withdrawn,
}

/// Parents' response to an offer (input of a follow-up round).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// Accept the place (may still move up to a higher wish later, never down).
    #[serde(rename = "angenommen", alias = "accepted")]
    Accepted,
    /// Decline and leave the procedure; the place goes to the next child.
    #[serde(rename = "abgelehnt", alias = "declined")]
    Declined,
    /// Decline this place but stay in the procedure for higher wishes only.
    #[serde(rename = "abgelehnt_warten", alias = "declined_keep_waiting")]
    DeclinedKeepWaiting,
}

/// Responses per child id.
pub type Responses = BTreeMap<String, Response>;

/// Why a higher wish was not granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The Kita offers no place for this age group and hours.
    NoPlaces,
    /// All places went to children with higher priority.
    HigherPriority,
    /// All places went to children with equal priority and a better lottery number.
    Lottery,
    /// All places are held by children who accepted in an earlier round.
    Guaranteed,
    /// Should never happen (justified envy); reported, not hidden.
    Envy,
}

/// An immutable string shared by many records (e.g. a Kita id repeated in every explanation
/// that concerns this Kita): one pointer wide, cheap to clone, serialized as a plain string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SharedStr(Arc<String>);

impl SharedStr {
    pub fn new(s: impl Into<String>) -> SharedStr {
        SharedStr(Arc::new(s.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        SharedStr::new(s)
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr::new(s)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SharedStr, D::Error> {
        String::deserialize(d).map(SharedStr::new)
    }
}

/// A German text (explanation or cutoff), stored compactly and rendered on demand (`Display`,
/// [`Text::render`]; serialized as the plain string).
///
/// Text = `a`, `b`, `c`, an optional number and an optional closing `)`. The parts are shared:
/// `a` is e.g. the Kita name, `b` a phrase common to many buckets, `c` a child's criteria
/// ("Geschwisterkind, Wartezeit 2").
/// This keeps ~450,000 explanations of a 200,000-child market at a few dozen bytes each.
#[derive(Clone)]
pub struct Text {
    a: SharedStr,
    b: Option<SharedStr>,
    c: Option<SharedStr>,
    /// Appended number (`u32::MAX` = none).
    num: u32,
    /// `)` after the number.
    close: bool,
}

impl Text {
    /// A text consisting of one string.
    pub fn new(s: impl Into<SharedStr>) -> Text {
        Text::parts(s.into(), None, None, None, false)
    }

    fn parts(
        a: SharedStr,
        b: Option<SharedStr>,
        c: Option<SharedStr>,
        num: Option<u32>,
        close: bool,
    ) -> Text {
        debug_assert!(num != Some(u32::MAX));
        Text {
            a,
            b,
            c,
            num: num.unwrap_or(u32::MAX),
            close,
        }
    }

    /// The full text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.render_into(&mut s);
        s
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = [0u8; 10];
        for part in self.pieces(&mut digits).into_iter().flatten() {
            f.write_str(part)?;
        }
        Ok(())
    }
}

impl Text {
    /// The parts in order (the number rendered into `digits`).
    fn pieces<'a>(&'a self, digits: &'a mut [u8; 10]) -> [Option<&'a str>; 5] {
        let num = (self.num != u32::MAX).then(|| {
            let (mut n, mut i) = (self.num, digits.len());
            loop {
                i -= 1;
                digits[i] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            std::str::from_utf8(&digits[i..]).expect("ASCII digits")
        });
        [
            Some(self.a.as_str()),
            self.b.as_deref(),
            self.c.as_deref(),
            num,
            self.close.then_some(")"),
        ]
    }

    /// Appends the full text to `out`.
    pub fn render_into(&self, out: &mut String) {
        let mut digits = [0u8; 10];
        for part in self.pieces(&mut digits).into_iter().flatten() {
            out.push_str(part);
        }
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.render(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        let ptr = |p: &Option<SharedStr>| p.as_ref().map(|t| Arc::as_ptr(&t.0));
        (Arc::ptr_eq(&self.a.0, &other.a.0)
            && ptr(&self.b) == ptr(&other.b)
            && ptr(&self.c) == ptr(&other.c)
            && self.num == other.num
            && self.close == other.close)
            || self.render() == other.render()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.render() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.render() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.render() == *other
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.b.is_none() && self.c.is_none() && self.num == u32::MAX && !self.close {
            return s.serialize_str(&self.a);
        }
        // render into a reused buffer: one escaped string write instead of one per part
        thread_local!(static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) });
        BUF.with(|buf| match buf.try_borrow_mut() {
            Ok(mut buf) => {
                buf.clear();
                self.render_into(&mut buf);
                s.serialize_str(&buf)
            }
            Err(_) => s.serialize_str(&self.render()),
        })
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        String::deserialize(d).map(Text::new)
    }
}

/// Why one higher wish was not granted (40 bytes; the texts are shared, see [`Text`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// 1-based rank of the wish.
    pub wish: u32,
    pub kita: SharedStr,
    pub reason: Reason,
    pub text: Text,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub child: String,
    pub age_group: AgeGroup,
    /// Lottery number (1 = best).
    pub lottery: u32,
    pub status: Status,
    pub kita: Option<String>,
    pub hours: Option<Hours>,
    /// 1-based rank of the granted wish.
    pub wish: Option<u32>,
    /// How many of the child's wishes (from the top) still take part in later rounds.
    pub eligible_wishes: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanations: Vec<Explanation>,
}

/// Cutoff of one capacity bucket (Kita × age group × hours).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cutoff {
    pub kita: SharedStr,
    pub age_group: AgeGroup,
    pub hours: Hours,
    pub capacity: u32,
    pub admitted: u32,
    /// `true` if every place is taken (then the cutoff is binding).
    pub full: bool,
    /// Child with the lowest priority among the admitted ("letzter Platz").
    pub last_child: Option<String>,
    /// Its criterion values in the Kita's rule order.
    pub last_values: Vec<i64>,
    pub last_lottery: Option<u32>,
    pub text: Text,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KitaFree {
    pub kita: String,
    pub capacity: u32,
    pub free: u32,
    /// Free places per age group [U2, U3, Ü3].
    pub free_by_age_group: [u32; 3],
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub children: u32,
    pub participating: u32,
    pub withdrawn: u32,
    pub places: u64,
    pub assigned: u32,
    pub unassigned: u32,
    /// `by_wish[i]` = children who got their (i+1)-th wish.
    pub by_wish: Vec<u32>,
    pub free_places: u64,
    pub free_places_per_kita: Vec<KitaFree>,
    /// Children with justified envy (a higher wish with a free place or a lower-priority child). Must be 0.
    pub justified_envy: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placed {
    pub kita: String,
    pub wish: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub child: String,
    pub child_proposing: Option<Placed>,
    pub kita_proposing: Option<Placed>,
}

/// The Kita-proposing variant (as used by KitaMatch) on the same input, and the difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub procedure: String,
    pub by_wish: Vec<u32>,
    pub unassigned: u32,
    pub different: u32,
    /// Children better off with the child-proposing procedure.
    pub better_with_child_proposing: u32,
    /// Children better off with the Kita-proposing procedure (always 0: child-optimality).
    pub better_with_kita_proposing: u32,
    pub differences: Vec<Difference>,
}

/// Result of one allocation round (serde-serializable; the seed makes it reproducible).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub seed: u64,
    pub round: u32,
    pub procedure: String,
    pub lottery_algorithm: String,
    /// Hash of the market; follow-up rounds check that the same market is used.
    pub market_fingerprint: String,
    /// One entry per child, in input order.
    pub assignments: Vec<Assignment>,
    pub cutoffs: Vec<Cutoff>,
    pub stats: Stats,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kita_proposing: Option<Comparison>,
}

/// Stable fingerprint of a market (FNV-1a / SplitMix64 mix over all fields).
pub fn market_fingerprint(market: &Market) -> String {
    let mut h: u64 = 0x6b69_7461;
    let mut add = |v: u64| h = mix64(h ^ v).wrapping_add(v);
    add(market.kita_year as u64);
    for c in &market.criteria {
        add(fnv1a(c.id.as_bytes()));
    }
    for k in &market.kitas {
        add(fnv1a(k.id.as_bytes()));
        for a in k.capacity.iter().flatten() {
            add(u64::from(*a));
        }
        for r in &k.rules {
            add(u64::from(r.criterion) * 2 + r.order as u64);
        }
    }
    for c in &market.children {
        add(fnv1a(c.id.as_bytes()));
        add(c.birth_date.to_days() as u64);
        add(u64::from(c.hours.value()) | (u64::from(c.wish_len) << 8));
    }
    for w in &market.wishes {
        add(u64::from(w.kita) | (w.hours.map_or(0, |h| u64::from(h.value())) << 32));
    }
    for v in &market.values {
        add(*v as u64);
    }
    for kv in &market.kita_values {
        add(u64::from(kv.child) ^ (u64::from(kv.kita) << 32));
        add(u64::from(kv.criterion) ^ ((kv.value as u64) << 16));
    }
    format!("{h:016x}")
}

/// Main round: child-proposing deferred acceptance over all children.
pub fn allocate(market: &Market, seed: u64, options: &Options) -> Outcome {
    let cm = CompiledMarket::new(market, seed);
    let excluded = vec![false; market.children.len()];
    let guaranteed = vec![NONE; market.children.len()];
    build_outcome(market, cm, 1, &excluded, &guaranteed, options)
}

/// Follow-up round over the remaining places.
///
/// Uses the lottery of `previous` (same seed). Children who accepted (or whose offer got no
/// response, which counts as acceptance) keep a guaranteed place and may only move up to a
/// higher wish; declined places go to the next children in priority order; children without a
/// place take part with their full remaining list.
pub fn follow_up_round(
    market: &Market,
    previous: &Outcome,
    responses: &Responses,
    options: &Options,
) -> Result<Outcome, Vec<MarketError>> {
    let mut errs = Vec::new();
    let n = market.children.len();
    if previous.market_fingerprint != market_fingerprint(market) || previous.assignments.len() != n
    {
        errs.push(MarketError::new(
            Location::Document,
            None,
            "Das Vorrunden-Ergebnis gehört nicht zu diesem Markt (Prüfsumme oder Kinderzahl weicht ab)",
        ));
        return Err(errs);
    }
    let mut cm = CompiledMarket::new(market, previous.seed);
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
    for (i, c) in market.children.iter().enumerate() {
        index.insert(&c.id, i);
    }
    for id in responses.keys() {
        match index.get(id.as_str()) {
            None => errs.push(MarketError::new(
                Location::Response,
                Some(id),
                format!("Rückmeldung für unbekanntes Kind '{id}'"),
            )),
            Some(&i) => {
                let st = previous.assignments[i].status;
                if matches!(st, Status::Unassigned | Status::Withdrawn) {
                    errs.push(MarketError::new(
                        Location::Response,
                        Some(id),
                        "Rückmeldung für ein Kind ohne Platzangebot".to_string(),
                    ));
                }
            }
        }
    }
    let mut excluded = vec![false; n];
    let mut guaranteed = vec![NONE; n];
    for (i, a) in previous.assignments.iter().enumerate() {
        let ch = &market.children[i];
        if a.child != ch.id || a.eligible_wishes > ch.wish_len {
            errs.push(MarketError::new(
                Location::Child(i + 1),
                Some(&a.child),
                "Vorrunden-Ergebnis passt nicht zur Kinderliste",
            ));
            continue;
        }
        let start = cm.start[i];
        cm.end[i] = start + a.eligible_wishes;
        match a.status {
            Status::Withdrawn => excluded[i] = true,
            Status::Unassigned => {}
            Status::Offered | Status::Kept | Status::Upgraded => {
                let Some(w) = a.wish.filter(|&w| w >= 1 && w <= a.eligible_wishes) else {
                    errs.push(MarketError::new(
                        Location::Child(i + 1),
                        Some(&a.child),
                        "Vorrunden-Ergebnis: Platz ohne gültigen Wunschrang",
                    ));
                    continue;
                };
                let e = start + w - 1;
                let response = if a.status == Status::Offered {
                    responses
                        .get(&a.child)
                        .copied()
                        .unwrap_or(Response::Accepted)
                } else {
                    // accepted earlier; a decline now withdraws the accepted place
                    responses
                        .get(&a.child)
                        .copied()
                        .unwrap_or(Response::Accepted)
                };
                match response {
                    Response::Accepted => {
                        cm.guarantee(i, e);
                        guaranteed[i] = e;
                    }
                    Response::Declined => excluded[i] = true,
                    Response::DeclinedKeepWaiting => cm.end[i] = e,
                }
            }
        }
        if excluded[i] {
            cm.end[i] = start;
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(build_outcome(
        market,
        cm,
        previous.round + 1,
        &excluded,
        &guaranteed,
        options,
    ))
}

struct Ctx<'a> {
    market: &'a Market,
    cm: &'a CompiledMarket,
    kv_start: Vec<u32>,
    is_flag: Vec<bool>,
}

impl Ctx<'_> {
    fn child_of_entry(&self, e: u32) -> usize {
        self.cm.start.partition_point(|&s| s <= e) - 1
    }

    fn values(&self, c: usize, kita: u32) -> Vec<i64> {
        self.market.kitas[kita as usize]
            .rules
            .iter()
            .map(|r| i64::from(value_of(self.market, &self.kv_start, c, kita, r.criterion)))
            .collect()
    }

    fn describe(&self, c: usize, kita: u32) -> String {
        let mut s = String::new();
        self.describe_into(&mut s, c, kita);
        s
    }

    /// Appends the description of child `c`'s criteria at `kita` to `s` (which must be empty).
    fn describe_into(&self, s: &mut String, c: usize, kita: u32) {
        for r in &self.market.kitas[kita as usize].rules {
            let v = value_of(self.market, &self.kv_start, c, kita, r.criterion);
            let crit = &self.market.criteria[r.criterion as usize];
            if self.is_flag[r.criterion as usize] {
                if v == 1 {
                    if !s.is_empty() {
                        s.push_str(", ");
                    }
                    s.push_str(&crit.label);
                }
            } else {
                if !s.is_empty() {
                    s.push_str(", ");
                }
                let _ = write!(s, "{} {}", crit.label, v);
            }
        }
        if s.is_empty() {
            s.push_str("kein Vorrangkriterium");
        }
    }
}

fn places_phrase(cap: u32) -> String {
    if cap == 1 {
        "der einzige Platz".to_string()
    } else {
        format!("alle {cap} Plätze")
    }
}

/// Interns strings: equal text parts are stored once and shared.
#[derive(Default)]
struct Interner {
    map: HashMap<String, SharedStr>,
    buf: String,
}

impl Interner {
    fn get(&mut self, s: &str) -> SharedStr {
        if let Some(t) = self.map.get(s) {
            return t.clone();
        }
        let t = SharedStr::new(s);
        self.map.insert(s.to_string(), t.clone());
        t
    }

    /// Interns the formatted text.
    fn args(&mut self, args: fmt::Arguments<'_>) -> SharedStr {
        self.format(|s| {
            let _ = s.write_fmt(args);
        })
    }

    /// Interns what `f` writes into the (cleared) buffer.
    fn format(&mut self, f: impl FnOnce(&mut String)) -> SharedStr {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        f(&mut buf);
        let t = self.get(&buf);
        self.buf = buf;
        t
    }
}

/// Builds the German texts from shared parts: Kita names, interned phrases (e.g. ": alle 5 Plätze
/// der Altersgruppe Ü3 (35 Std.) an Kinder mit höherer Priorität vergeben; letzter Platz:
/// Geschwisterkind; Ihr Kind: ") and interned criteria descriptions.
struct Texts {
    kita_ids: Vec<Option<SharedStr>>,
    kita_names: Vec<Option<SharedStr>>,
    /// Per bucket and reason: the interned middle part of explanations (see [`Text`]).
    mids: Vec<[Option<SharedStr>; 5]>,
    strings: Interner,
}

impl Texts {
    fn new(kitas: usize, buckets: usize) -> Texts {
        Texts {
            kita_ids: vec![None; kitas],
            kita_names: vec![None; kitas],
            mids: vec![Default::default(); buckets],
            strings: Interner::default(),
        }
    }

    fn kita_id(&mut self, market: &Market, kita: usize) -> SharedStr {
        self.kita_ids[kita]
            .get_or_insert_with(|| SharedStr::new(market.kitas[kita].id.as_str()))
            .clone()
    }

    fn kita_name(&mut self, market: &Market, kita: usize) -> SharedStr {
        self.kita_names[kita]
            .get_or_insert_with(|| SharedStr::new(market.kitas[kita].name.as_str()))
            .clone()
    }

    fn describe(&mut self, ctx: &Ctx<'_>, c: usize, kita: u32) -> SharedStr {
        self.strings.format(|s| ctx.describe_into(s, c, kita))
    }

    /// Explanation for child `c`'s wish for bucket `b` (Kita `kita`), not granted for `reason`;
    /// `last` = the bucket's last admitted entry.
    fn explain(
        &mut self,
        ctx: &Ctx<'_>,
        c: usize,
        b: usize,
        kita: u32,
        reason: Reason,
        last: u32,
    ) -> Text {
        let (market, cm) = (ctx.market, ctx.cm);
        let name = self.kita_name(market, kita as usize);
        let mid = match &self.mids[b][reason as usize] {
            Some(m) => m.clone(),
            None => {
                let cap = cm.capacity[b];
                let (_, ag, h) = bucket_parts(b);
                let mid = self.strings.format(|s| match reason {
                    Reason::NoPlaces => {
                        let _ = write!(
                            s,
                            ": keine Plätze für die Altersgruppe {ag} mit {h} Wochenstunden"
                        );
                    }
                    Reason::Envy => s.push_str(
                        ": Fehler – Ihr Kind hätte hier einen Platz erhalten müssen (bitte melden)",
                    ),
                    Reason::Guaranteed => {
                        let _ = write!(
                            s,
                            ": {} der Altersgruppe {ag} ({h} Std.) in einer früheren Runde zugesagt",
                            places_phrase(cap)
                        );
                    }
                    Reason::Lottery => {
                        // equal criteria part of the key ⇔ equal values at this Kita, so the
                        // child's description equals that of the last admitted child
                        let lc = ctx.child_of_entry(last);
                        let _ = write!(
                            s,
                            ": {} der Altersgruppe {ag} ({h} Std.) vergeben; letzter Platz mit gleicher Priorität wie Ihr Kind ({}), das Los entschied: Losnummer {} vor Ihrer Losnummer ",
                            places_phrase(cap),
                            ctx.describe(lc, kita),
                            cm.lottery[lc] + 1,
                        );
                    }
                    Reason::HigherPriority => {
                        let lc = ctx.child_of_entry(last);
                        let _ = write!(
                            s,
                            ": {} der Altersgruppe {ag} ({h} Std.) an {} mit höherer Priorität vergeben; letzter Platz: {}; Ihr Kind: ",
                            places_phrase(cap),
                            if cap == 1 { "ein Kind" } else { "Kinder" },
                            ctx.describe(lc, kita),
                        );
                    }
                });
                self.mids[b][reason as usize] = Some(mid.clone());
                mid
            }
        };
        match reason {
            Reason::NoPlaces | Reason::Envy | Reason::Guaranteed => {
                Text::parts(name, Some(mid), None, None, false)
            }
            Reason::Lottery => {
                debug_assert_eq!(
                    ctx.describe(c, kita),
                    ctx.describe(ctx.child_of_entry(last), kita)
                );
                Text::parts(name, Some(mid), None, Some(cm.lottery[c] + 1), false)
            }
            Reason::HigherPriority => {
                let own = self.describe(ctx, c, kita);
                Text::parts(name, Some(mid), Some(own), None, false)
            }
        }
    }
}

/// Why each entry before a child's granted wish (all entries for a child without a place) was
/// not granted; other entries: `u8::MAX`. One byte per wish entry.
fn reasons(cm: &CompiledMarket, m: &Matching) -> Vec<u8> {
    let mut out = vec![u8::MAX; cm.entries()];
    for c in 0..cm.children {
        let e = m.entry[c];
        let upto = if e == NONE { cm.end[c] } else { e };
        for f in cm.start[c]..upto {
            let b = cm.bucket[f as usize] as usize;
            let cap = cm.capacity[b];
            let last = m.last[b];
            let reason = if cap == 0 {
                Reason::NoPlaces
            } else if m.admitted[b] < cap || cm.outranks(f, last) {
                Reason::Envy
            } else if cm.is_guaranteed(last) {
                Reason::Guaranteed
            } else if cm.criteria_part(f) == cm.criteria_part(last) {
                Reason::Lottery
            } else {
                Reason::HigherPriority
            };
            out[f as usize] = reason as u8;
        }
    }
    out
}

const REASONS: [Reason; 5] = [
    Reason::NoPlaces,
    Reason::HigherPriority,
    Reason::Lottery,
    Reason::Guaranteed,
    Reason::Envy,
];

/// Builds the outcome of a round. Takes the compiled market by value so that the priority keys
/// (the largest array) can be freed as soon as every comparison that needs them is done.
fn build_outcome(
    market: &Market,
    mut cm: CompiledMarket,
    round: u32,
    excluded: &[bool],
    guaranteed: &[u32],
    options: &Options,
) -> Outcome {
    let m = cm.child_proposing();
    // The comparison variant first: its transient arrays are freed before the outcome grows.
    let kp = options
        .compare_kita_proposing
        .then(|| cm.kita_proposing().entry);
    let reason_of = reasons(&cm, &m);
    // per bucket: is the last admitted entry a guarantee from an earlier round?
    let last_guaranteed: Vec<bool> = m
        .last
        .iter()
        .map(|&l| l != NONE && cm.is_guaranteed(l))
        .collect();
    // every comparison of priority keys is done: free them (the largest array)
    cm.keys = Keys::K64(Vec::new());
    let cm = &cm;

    let n = market.children.len();
    let nc = market.criteria.len();
    let is_flag: Vec<bool> = (0..nc)
        .map(|j| cm.layout.min[j] >= 0 && cm.layout.max[j] <= 1)
        .collect();
    let ctx = Ctx {
        market,
        cm,
        kv_start: kita_value_starts(market),
        is_flag,
    };
    let mut texts = Texts::new(
        market.kitas.len(),
        if options.explanations { cm.buckets } else { 0 },
    );

    // Assignments, envy, explanations
    let mut scratch: Vec<Explanation> = Vec::new();
    let mut assignments = Vec::with_capacity(n);
    let mut by_wish: Vec<u32> = Vec::new();
    let mut envy = 0u32;
    let (mut assigned, mut unassigned, mut withdrawn) = (0u32, 0u32, 0u32);
    for (c, ch) in market.children.iter().enumerate() {
        let e = m.entry[c];
        let start = cm.start[c];
        let status = if excluded[c] {
            withdrawn += 1;
            Status::Withdrawn
        } else if e == NONE {
            unassigned += 1;
            Status::Unassigned
        } else {
            assigned += 1;
            let r = (e - start) as usize;
            if by_wish.len() <= r {
                by_wish.resize(r + 1, 0);
            }
            by_wish[r] += 1;
            if guaranteed[c] == NONE {
                Status::Offered
            } else if guaranteed[c] == e {
                Status::Kept
            } else {
                Status::Upgraded
            }
        };
        let upto = if e == NONE { cm.end[c] } else { e };
        let mut has_envy = false;
        for f in start..upto {
            let reason = REASONS[reason_of[f as usize] as usize];
            if reason == Reason::Envy {
                has_envy = true;
            }
            if options.explanations {
                let b = cm.bucket[f as usize] as usize;
                let kita = market.wishes[f as usize].kita;
                let text = texts.explain(&ctx, c, b, kita, reason, m.last[b]);
                scratch.push(Explanation {
                    wish: f - start + 1,
                    kita: texts.kita_id(market, kita as usize),
                    reason,
                    text,
                });
            }
        }
        // exact capacity: no growth slack per child
        let mut explanations = Vec::with_capacity(scratch.len());
        explanations.append(&mut scratch);
        if has_envy {
            envy += 1;
        }
        let (kita, hours, wish) = if e == NONE {
            (None, None, None)
        } else {
            let (k, _, h) = bucket_parts(cm.bucket[e as usize] as usize);
            (
                Some(market.kitas[k].id.clone()),
                Some(h),
                Some(e - start + 1),
            )
        };
        assignments.push(Assignment {
            child: ch.id.clone(),
            age_group: ch.age_group,
            lottery: cm.lottery[c] + 1,
            status,
            kita,
            hours,
            wish,
            eligible_wishes: cm.end[c] - start,
            explanations,
        });
    }
    texts.mids = Vec::new();
    drop(reason_of);

    // Cutoffs and free places
    let mut cutoffs = Vec::new();
    let mut free_per_kita = Vec::with_capacity(market.kitas.len());
    let (mut places, mut free_total) = (0u64, 0u64);
    for (k, kita) in market.kitas.iter().enumerate() {
        let mut free_by = [0u32; 3];
        for a in AgeGroup::ALL {
            for h in Hours::ALL {
                let b = bucket_index(k, a, h);
                let cap = cm.capacity[b];
                if cap == 0 {
                    continue;
                }
                let adm = m.admitted[b];
                free_by[a.index()] += cap - adm;
                let last = m.last[b];
                let name = texts.kita_name(market, k);
                let (last_child, last_values, last_lottery, text) = if last == NONE {
                    let mid = texts
                        .strings
                        .args(format_args!(": keine Bewerbungen für {a} ({h} Std.)"));
                    (
                        None,
                        Vec::new(),
                        None,
                        Text::parts(name, Some(mid), None, None, false),
                    )
                } else {
                    let lc = ctx.child_of_entry(last);
                    let text = if adm < cap {
                        let mid = texts.strings.args(format_args!(
                            ": {adm} von {cap} Plätzen für {a} ({h} Std.) vergeben, alle Bewerbungen berücksichtigt"
                        ));
                        Text::parts(name, Some(mid), None, None, false)
                    } else if last_guaranteed[b] {
                        let mid = texts.strings.args(format_args!(
                            ": {} für {a} ({h} Std.) durch Zusagen aus früheren Runden belegt",
                            places_phrase(cap)
                        ));
                        Text::parts(name, Some(mid), None, None, false)
                    } else {
                        let mid = texts.strings.args(format_args!(
                            ": {} für {a} ({h} Std.) vergeben; letzter Platz: ",
                            places_phrase(cap)
                        ));
                        let desc = texts.strings.format(|s| {
                            ctx.describe_into(s, lc, k as u32);
                            s.push_str(" (Losnummer ");
                        });
                        Text::parts(name, Some(mid), Some(desc), Some(cm.lottery[lc] + 1), true)
                    };
                    (
                        Some(market.children[lc].id.clone()),
                        ctx.values(lc, k as u32),
                        Some(cm.lottery[lc] + 1),
                        text,
                    )
                };
                cutoffs.push(Cutoff {
                    kita: texts.kita_id(market, k),
                    age_group: a,
                    hours: h,
                    capacity: cap,
                    admitted: adm,
                    full: adm == cap,
                    last_child,
                    last_values,
                    last_lottery,
                    text,
                });
            }
        }
        let cap = kita.total_capacity();
        let free: u32 = free_by.iter().sum();
        places += u64::from(cap);
        free_total += u64::from(free);
        free_per_kita.push(KitaFree {
            kita: kita.id.clone(),
            capacity: cap,
            free,
            free_by_age_group: free_by,
        });
    }
    drop(texts);

    let kita_proposing = kp.map(|kp| compare(market, cm, &m.entry, &kp, options));

    Outcome {
        seed: cm.seed,
        round,
        procedure: PROCEDURE.to_string(),
        lottery_algorithm: LOTTERY.to_string(),
        market_fingerprint: market_fingerprint(market),
        assignments,
        cutoffs,
        stats: Stats {
            children: n as u32,
            participating: n as u32 - withdrawn,
            withdrawn,
            places,
            assigned,
            unassigned,
            by_wish,
            free_places: free_total,
            free_places_per_kita: free_per_kita,
            justified_envy: envy,
        },
        kita_proposing,
    }
}

fn compare(
    market: &Market,
    cm: &CompiledMarket,
    child: &[u32],
    kita: &[u32],
    options: &Options,
) -> Comparison {
    let mut by_wish: Vec<u32> = Vec::new();
    let (mut unassigned, mut different, mut better_c, mut better_k) = (0, 0, 0, 0);
    let mut differences = Vec::new();
    let limit = options.max_differences.unwrap_or(usize::MAX);
    let placed = |c: usize, e: u32| {
        (e != NONE).then(|| Placed {
            kita: market.kitas[market.wishes[e as usize].kita as usize]
                .id
                .clone(),
            wish: e - cm.start[c] + 1,
        })
    };
    for c in 0..market.children.len() {
        let (a, b) = (child[c], kita[c]);
        if b == NONE {
            if cm.end[c] > cm.start[c] {
                unassigned += 1;
            }
        } else {
            let r = (b - cm.start[c]) as usize;
            if by_wish.len() <= r {
                by_wish.resize(r + 1, 0);
            }
            by_wish[r] += 1;
        }
        if a != b {
            different += 1;
            // smaller entry index = better wish; NONE is worst
            if a < b {
                better_c += 1;
            } else {
                better_k += 1;
            }
            if differences.len() < limit {
                differences.push(Difference {
                    child: market.children[c].id.clone(),
                    child_proposing: placed(c, a),
                    kita_proposing: placed(c, b),
                });
            }
        }
    }
    Comparison {
        procedure: "Kitavorschlagendes Deferred Acceptance (wie KitaMatch): Kitas bieten ihre Plätze in Prioritätsreihenfolge an, Kinder behalten das beste Angebot".to_string(),
        by_wish,
        unassigned,
        different,
        better_with_child_proposing: better_c,
        better_with_kita_proposing: better_k,
        differences,
    }
}

/// Short German summary of an outcome for the terminal.
pub fn summary(outcome: &Outcome) -> String {
    let s = &outcome.stats;
    let mut out = String::new();
    let pct = |x: u32| {
        let p = if s.participating == 0 {
            0.0
        } else {
            100.0 * f64::from(x) / f64::from(s.participating)
        };
        format!("{p:.1}").replace('.', ",")
    };
    let _ = writeln!(
        out,
        "Kita-Vergabe, Runde {} (Seed {}): {} Kinder, {} Plätze",
        outcome.round, outcome.seed, s.participating, s.places
    );
    for (i, &x) in s.by_wish.iter().enumerate() {
        let _ = writeln!(out, "  {}. Wunsch: {} ({} %)", i + 1, x, pct(x));
    }
    let _ = writeln!(
        out,
        "  ohne Platz: {} ({} %)",
        s.unassigned,
        pct(s.unassigned)
    );
    if s.withdrawn > 0 {
        let _ = writeln!(out, "  zurückgezogen: {}", s.withdrawn);
    }
    let _ = writeln!(out, "  freie Plätze: {}", s.free_places);
    let _ = writeln!(
        out,
        "  Kinder mit berechtigtem Neid: {}{}",
        s.justified_envy,
        if s.justified_envy == 0 {
            " (stabil)"
        } else {
            " (FEHLER: Ergebnis nicht stabil)"
        }
    );
    if let Some(k) = &outcome.kita_proposing {
        let _ = writeln!(
            out,
            "  Vergleich kitavorschlagend: {} Kinder anders zugeteilt, davon {} im kindvorschlagenden Verfahren besser, {} schlechter",
            k.different, k.better_with_child_proposing, k.better_with_kita_proposing
        );
    }
    out
}
