//! Validated, index-based market model (compact, struct-of-arrays where it matters).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Age group at the start of the Kita year (1 August).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AgeGroup {
    /// unter 2 Jahre
    #[serde(rename = "U2")]
    U2,
    /// 2 bis unter 3 Jahre
    #[serde(rename = "U3")]
    U3,
    /// 3 Jahre bis Schuleintritt (unter 6)
    #[serde(rename = "Ü3", alias = "UE3", alias = "Ue3")]
    Ue3,
}

impl AgeGroup {
    pub const ALL: [AgeGroup; 3] = [AgeGroup::U2, AgeGroup::U3, AgeGroup::Ue3];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> AgeGroup {
        Self::ALL[i]
    }

    /// Short label used in files and messages ("U2", "U3", "Ü3").
    pub fn label(self) -> &'static str {
        match self {
            AgeGroup::U2 => "U2",
            AgeGroup::U3 => "U3",
            AgeGroup::Ue3 => "Ü3",
        }
    }

    /// Parses "U2", "U3", "Ü3" (also "UE3"/"Ue3"/"U6"), case-insensitive.
    pub fn parse(s: &str) -> Option<AgeGroup> {
        match s.trim().to_uppercase().as_str() {
            "U2" => Some(AgeGroup::U2),
            "U3" => Some(AgeGroup::U3),
            "Ü3" | "UE3" | "U6" => Some(AgeGroup::Ue3),
            _ => None,
        }
    }

    /// Age group for an age in completed years at 1 August; `None` outside 0..=5.
    pub fn from_age(years: i32) -> Option<AgeGroup> {
        match years {
            0 | 1 => Some(AgeGroup::U2),
            2 => Some(AgeGroup::U3),
            3..=5 => Some(AgeGroup::Ue3),
            _ => None,
        }
    }
}

impl fmt::Display for AgeGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Weekly care hours (Betreuungsumfang): 25, 35 or 45 hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hours {
    H25,
    H35,
    H45,
}

impl Hours {
    pub const ALL: [Hours; 3] = [Hours::H25, Hours::H35, Hours::H45];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Hours {
        Self::ALL[i]
    }

    pub fn value(self) -> u8 {
        match self {
            Hours::H25 => 25,
            Hours::H35 => 35,
            Hours::H45 => 45,
        }
    }

    pub fn from_value(v: i64) -> Option<Hours> {
        match v {
            25 => Some(Hours::H25),
            35 => Some(Hours::H35),
            45 => Some(Hours::H45),
            _ => None,
        }
    }
}

impl Serialize for Hours {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.value())
    }
}

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        Hours::from_value(v).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "ungültiger Betreuungsumfang {v} (erlaubt: 25, 35, 45)"
            ))
        })
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value())
    }
}

/// Calendar date (proleptic Gregorian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// Parses `YYYY-MM-DD` (also `DD.MM.YYYY`).
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let (y, m, d) = if let Some((d, rest)) = s.split_once('.') {
            let (m, y) = rest.split_once('.')?;
            (y, m, d)
        } else {
            let mut it = s.splitn(3, '-');
            (it.next()?, it.next()?, it.next()?)
        };
        let year: i32 = y.parse().ok()?;
        let month: u8 = m.parse().ok()?;
        let day: u8 = d.parse().ok()?;
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }

    /// Inverse of [`Date::to_days`].
    pub fn from_days(z: i64) -> Date {
        let z = z + 719468;
        let era = z.div_euclid(146097);
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Date {
            year: y as i32,
            month: m as u8,
            day: d as u8,
        }
    }

    /// Completed years of age on `at`; negative if not yet born.
    pub fn age_on(self, at: Date) -> i32 {
        if self > at {
            return -1;
        }
        let mut a = at.year - self.year;
        if (at.month, at.day) < (self.month, self.day) {
            a -= 1;
        }
        a
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Year and month (desired start month).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    /// Parses `YYYY-MM` (also `MM/YYYY` and `MM.YYYY`).
    pub fn parse(s: &str) -> Option<YearMonth> {
        let s = s.trim();
        let (y, m) = if let Some((m, y)) = s.split_once(['/', '.']) {
            (y, m)
        } else {
            s.split_once('-')?
        };
        let year: i32 = y.parse().ok()?;
        let month: u8 = m.parse().ok()?;
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        Some(YearMonth { year, month })
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Direction of a priority criterion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Order {
    /// Higher value = higher priority (e.g. Geschwisterkind 1 vor 0, längere Wartezeit zuerst).
    #[serde(rename = "desc", alias = "hoch", alias = "absteigend")]
    Desc,
    /// Lower value = higher priority.
    #[serde(rename = "asc", alias = "niedrig", alias = "aufsteigend")]
    Asc,
}

impl Order {
    pub fn parse(s: &str) -> Option<Order> {
        match s.trim().to_lowercase().as_str() {
            "" | "desc" | "hoch" | "absteigend" => Some(Order::Desc),
            "asc" | "niedrig" | "aufsteigend" => Some(Order::Asc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Order::Desc => "desc",
            Order::Asc => "asc",
        }
    }
}

/// A named priority criterion (e.g. `geschwister` / "Geschwisterkind").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Criterion {
    pub id: String,
    pub label: String,
}

/// One priority rule of a Kita: a criterion and its direction. Rules are applied lexicographically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// Index into [`Market::criteria`].
    pub criterion: u16,
    pub order: Order,
}

/// A Kita with capacities per (age group × hours) and ordered priority rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kita {
    pub id: String,
    pub name: String,
    /// `capacity[age_group.index()][hours.index()]` = number of places.
    pub capacity: [[u32; 3]; 3],
    pub rules: Vec<Rule>,
}

impl Kita {
    pub fn total_capacity(&self) -> u32 {
        self.capacity.iter().flatten().sum()
    }
}

/// One wish of a child: a Kita, optionally with other weekly hours than the child's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wish {
    /// Index into [`Market::kitas`].
    pub kita: u32,
    pub hours: Option<Hours>,
}

/// A child with its ranked wishes (`Market::wishes[wish_start .. wish_start + wish_len]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub id: String,
    pub birth_date: Date,
    pub start_month: YearMonth,
    pub hours: Hours,
    /// Derived from the birth date relative to 1 August of the Kita year.
    pub age_group: AgeGroup,
    pub wish_start: u32,
    pub wish_len: u32,
}

/// A criterion value that applies to one child at one Kita only (e.g. sibling already in that Kita).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KitaValue {
    pub child: u32,
    pub kita: u32,
    pub criterion: u16,
    pub value: i32,
}

/// A validated market. Build it with [`crate::parse_market_json`], [`crate::parse_market_csv`],
/// [`Market::from_input`] or [`crate::generate`]; all indices are guaranteed in range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Market {
    /// The Kita year starts on 1 August of this year.
    pub kita_year: i32,
    pub criteria: Vec<Criterion>,
    pub kitas: Vec<Kita>,
    pub children: Vec<Child>,
    /// All wishes, child after child (see [`Child::wish_start`]).
    pub wishes: Vec<Wish>,
    /// Global criterion values, `values[child * criteria.len() + criterion]` (default 0).
    pub values: Vec<i32>,
    /// Per-Kita overrides, sorted by (child, kita, criterion), unique.
    pub kita_values: Vec<KitaValue>,
}

impl Market {
    /// Wishes of child `c` in ranked order.
    pub fn wishes_of(&self, c: usize) -> &[Wish] {
        let ch = &self.children[c];
        &self.wishes[ch.wish_start as usize..(ch.wish_start + ch.wish_len) as usize]
    }

    /// Number of (age group × hours) buckets: `kitas.len() * 9`.
    pub fn bucket_count(&self) -> usize {
        self.kitas.len() * 9
    }

    /// Effective weekly hours of a wish of child `c`.
    pub fn wish_hours(&self, c: usize, w: &Wish) -> Hours {
        w.hours.unwrap_or(self.children[c].hours)
    }

    /// Bucket index (Kita, age group, hours) that wish `w` of child `c` targets.
    pub fn wish_bucket(&self, c: usize, w: &Wish) -> usize {
        bucket_index(
            w.kita as usize,
            self.children[c].age_group,
            self.wish_hours(c, w),
        )
    }

    /// 1 August of the Kita year (reference date for age groups).
    pub fn reference_date(&self) -> Date {
        Date {
            year: self.kita_year,
            month: 8,
            day: 1,
        }
    }
}

/// Bucket index of (Kita, age group, hours).
pub fn bucket_index(kita: usize, age: AgeGroup, hours: Hours) -> usize {
    kita * 9 + age.index() * 3 + hours.index()
}

/// Inverse of [`bucket_index`].
pub fn bucket_parts(b: usize) -> (usize, AgeGroup, Hours) {
    (
        b / 9,
        AgeGroup::from_index((b % 9) / 3),
        Hours::from_index(b % 3),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_roundtrip_and_age() {
        let d = Date::parse("2023-03-14").unwrap();
        assert_eq!(Date::from_days(d.to_days()), d);
        assert_eq!(Date::parse("14.03.2023"), Some(d));
        assert_eq!(Date::parse("2023-02-29"), None);
        assert!(Date::parse("2024-02-29").is_some());
        let aug = Date {
            year: 2025,
            month: 8,
            day: 1,
        };
        assert_eq!(d.age_on(aug), 2);
        assert_eq!(Date::parse("2023-08-01").unwrap().age_on(aug), 2);
        assert_eq!(Date::parse("2023-08-02").unwrap().age_on(aug), 1);
        assert_eq!(Date::parse("2025-08-02").unwrap().age_on(aug), -1);
        for z in [-1000i64, 0, 19000, 20000] {
            assert_eq!(Date::from_days(z).to_days(), z);
        }
    }

    #[test]
    fn age_groups() {
        assert_eq!(AgeGroup::from_age(0), Some(AgeGroup::U2));
        assert_eq!(AgeGroup::from_age(1), Some(AgeGroup::U2));
        assert_eq!(AgeGroup::from_age(2), Some(AgeGroup::U3));
        assert_eq!(AgeGroup::from_age(5), Some(AgeGroup::Ue3));
        assert_eq!(AgeGroup::from_age(6), None);
        assert_eq!(AgeGroup::from_age(-1), None);
        assert_eq!(AgeGroup::parse("ü3"), Some(AgeGroup::Ue3));
        for b in 0..27 {
            let (k, a, h) = bucket_parts(b);
            assert_eq!(bucket_index(k, a, h), b);
        }
    }
}
