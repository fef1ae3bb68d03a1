//! Parse-don't-validate newtypes for the keys of the OZG world.
//!
//! Each type can only be built through `parse`, so a value in hand is always valid. Error messages
//! are German because they reach users (form fields, `ozg check-data`, API 400 responses).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// A rejected value, with a German explanation of what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct ParseError(pub String);

fn err(msg: impl Into<String>) -> ParseError {
    ParseError(msg.into())
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! serde_via_str {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$ty>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// OZG-ID of an OZG-Leistung in the catalogue: 5 digits, 10000–10999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct OzgId(u32);

impl OzgId {
    /// Parses "10019". Leading/trailing spaces are ignored.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.len() != 5 || !all_digits(t) {
            return Err(err(format!(
                "„{t}“ ist keine OZG-ID: erwartet werden 5 Ziffern zwischen 10000 und 10999"
            )));
        }
        Self::try_from(t.parse::<u32>().expect("5 digits fit u32"))
    }
    /// The numeric value.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for OzgId {
    type Error = ParseError;
    fn try_from(v: u32) -> Result<Self, ParseError> {
        if (10000..=10999).contains(&v) {
            Ok(OzgId(v))
        } else {
            Err(err(format!(
                "{v} ist keine OZG-ID: erlaubt sind Zahlen von 10000 bis 10999"
            )))
        }
    }
}
impl From<OzgId> for u32 {
    fn from(v: OzgId) -> u32 {
        v.0
    }
}
impl fmt::Display for OzgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Leistungsschlüssel of the federal Leistungskatalog (LeiKa): 14 digits starting with 99.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LeikaKey(String);

impl LeikaKey {
    /// Parses "99001001000000".
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.len() == 14 && all_digits(t) && t.starts_with("99") {
            Ok(LeikaKey(t.to_owned()))
        } else {
            Err(err(format!(
                "„{t}“ ist kein Leistungsschlüssel: erwartet werden 14 Ziffern, beginnend mit 99"
            )))
        }
    }
    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl fmt::Display for LeikaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
serde_via_str!(LeikaKey);

/// Typisierung of a LeiKa-Leistung (1–5: which federal level regulates and executes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Typisierung(u8);

impl Typisierung {
    /// Parses "1" … "5", sub-types like "2a", and the combined values of the LeiKa such as "2/3"
    /// or "1, 2/3". A combined value counts as its lowest (most federal) level.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let mut levels = t
            .split(['/', ','])
            .map(str::trim)
            .map(|p| match p.as_bytes() {
                [d @ b'1'..=b'5'] | [d @ b'1'..=b'5', b'a'..=b'c'] => Some(d - b'0'),
                _ => None,
            });
        let first = levels.next().flatten();
        let rest: Option<Vec<u8>> = levels.collect();
        match (first, rest) {
            (Some(f), Some(r)) => Ok(Typisierung(r.into_iter().fold(f, u8::min))),
            _ => Err(err(format!(
                "„{t}“ ist keine Typisierung: erlaubt sind 1 bis 5, auch kombiniert wie „2/3“"
            ))),
        }
    }
    /// The level 1–5.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// Amtlicher Gemeindeschlüssel: 8 digits (Land 2, Regierungsbezirk 1, Kreis 2, Gemeinde 3).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ags(String);

impl Ags {
    /// Parses "05315000".
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.len() == 8 && all_digits(t) && t != "00000000" {
            Ok(Ags(t.to_owned()))
        } else {
            Err(err(format!(
                "„{t}“ ist kein Amtlicher Gemeindeschlüssel: erwartet werden 8 Ziffern (z. B. 05315000)"
            )))
        }
    }
    /// The 8 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The 5-digit key of the Kreis (or kreisfreie Stadt) the Gemeinde belongs to.
    pub fn kreis_key(&self) -> &str {
        &self.0[..5]
    }
    /// The 3-digit key of the Regierungsbezirk.
    pub fn regierungsbezirk_key(&self) -> &str {
        &self.0[..3]
    }
}
impl fmt::Display for Ags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
serde_via_str!(Ags);

/// Amtlicher Regionalschlüssel: 12 digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ars(String);

impl Ars {
    /// Parses "053150000000".
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.len() == 12 && all_digits(t) {
            Ok(Ars(t.to_owned()))
        } else {
            Err(err(format!(
                "„{t}“ ist kein Amtlicher Regionalschlüssel: erwartet werden 12 Ziffern (z. B. 053150000000)"
            )))
        }
    }
    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether this ARS belongs to the given AGS (same Land, Bezirk, Kreis and Gemeinde digits).
    pub fn matches(&self, ags: &Ags) -> bool {
        self.0[..5] == ags.0[..5] && self.0[9..] == ags.0[5..]
    }
}
impl fmt::Display for Ars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
serde_via_str!(Ars);

/// A calendar quarter, e.g. Q1 2020.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quartal {
    year: u16,
    quarter: u8,
}

impl Quartal {
    /// Builds a quarter from year and quarter number 1–4.
    pub fn new(year: u16, quarter: u8) -> Result<Self, ParseError> {
        if !(1..=4).contains(&quarter) {
            return Err(err(format!(
                "Quartal {quarter} gibt es nicht: erlaubt sind 1 bis 4"
            )));
        }
        if !(2000..=2100).contains(&year) {
            return Err(err(format!(
                "Jahr {year} liegt außerhalb des erlaubten Bereichs 2000–2100"
            )));
        }
        Ok(Quartal { year, quarter })
    }

    /// Parses the spellings the plan and users write: "Q1 2020", "Q1/2020", "Q12020", "2020-Q1",
    /// "1/2020", "2020 Q1".
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t: String = s
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let bad = || {
            err(format!(
                "„{}“ ist kein Quartal: erwartet wird z. B. „1. Quartal 2020“, „Q1/2020“ oder „2020-Q1“",
                s.trim()
            ))
        };
        let (q, y) = if let Some((q, y)) = t.split_once("QUARTAL") {
            // 1. Quartal 2020
            (q.trim_end_matches('.').to_owned(), y.to_owned())
        } else if let Some(rest) = t.strip_prefix('Q') {
            // Q1 2020 / Q1/2020 / Q12020
            let mut chars = rest.chars();
            let q = chars.next().ok_or_else(bad)?;
            let y = chars.as_str().trim_start_matches(['/', '-', '.']);
            (q.to_string(), y.to_owned())
        } else if let Some((y, q)) = t.split_once("-Q").or_else(|| t.split_once('Q')) {
            (q.to_owned(), y.trim_end_matches(['-', '/']).to_owned())
        } else if let Some((q, y)) = t.split_once('/') {
            (q.to_owned(), y.to_owned())
        } else {
            return Err(bad());
        };
        if q.len() != 1 || !all_digits(&q) || y.len() != 4 || !all_digits(&y) {
            return Err(bad());
        }
        Quartal::new(y.parse().map_err(|_| bad())?, q.parse().map_err(|_| bad())?)
    }

    /// A bound of a range as people type it: a quarter (see [`Quartal::parse`]) or a bare year,
    /// which means its first quarter as a lower bound and its last as an upper bound.
    pub fn parse_grenze(s: &str, obere: bool) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.len() == 4 && all_digits(t) {
            let jahr = t.parse().map_err(|_| err(format!("„{t}“ ist kein Jahr")))?;
            return Quartal::new(jahr, if obere { 4 } else { 1 });
        }
        Quartal::parse(s)
    }

    /// Year.
    pub fn year(self) -> u16 {
        self.year
    }
    /// Quarter 1–4.
    pub fn quarter(self) -> u8 {
        self.quarter
    }
    /// A dense ordinal (year × 4 + quarter − 1) used for range filters in the database.
    pub fn ordinal(self) -> i64 {
        i64::from(self.year) * 4 + i64::from(self.quarter) - 1
    }
    /// Inverse of [`Quartal::ordinal`].
    pub fn from_ordinal(o: i64) -> Option<Self> {
        let year = u16::try_from(o.div_euclid(4)).ok()?;
        Quartal::new(year, (o.rem_euclid(4) + 1) as u8).ok()
    }
    /// URL form "2020-Q1".
    pub fn key(self) -> String {
        format!("{}-Q{}", self.year, self.quarter)
    }
}
impl fmt::Display for Quartal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Q{} {}", self.quarter, self.year)
    }
}
serde_via_str!(Quartal);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ozg_id_bounds() {
        assert_eq!(OzgId::parse("10019").unwrap().get(), 10019);
        assert!(OzgId::parse("9999").is_err());
        assert!(OzgId::parse("11000").is_err());
        assert!(OzgId::parse("1001a").is_err());
        assert!(OzgId::parse("").unwrap_err().0.contains("OZG-ID"));
    }

    #[test]
    fn leika_key() {
        assert!(LeikaKey::parse("99001001000000").is_ok());
        assert!(LeikaKey::parse("25323525").is_err());
        assert!(LeikaKey::parse("98001001000000").is_err());
    }

    #[test]
    fn typisierung() {
        assert_eq!(Typisierung::parse("2").unwrap().get(), 2);
        assert_eq!(Typisierung::parse("2a").unwrap().get(), 2);
        assert_eq!(Typisierung::parse("2/3").unwrap().get(), 2);
        assert_eq!(Typisierung::parse("1, 2/3").unwrap().get(), 1);
        assert!(Typisierung::parse("44").is_err());
        assert!(Typisierung::parse("2/").is_err());
        assert!(Typisierung::parse("0").is_err());
    }

    #[test]
    fn ags_ars() {
        let ags = Ags::parse("05315000").unwrap();
        assert_eq!(ags.kreis_key(), "05315");
        assert_eq!(ags.regierungsbezirk_key(), "053");
        let ars = Ars::parse("053150000000").unwrap();
        assert!(ars.matches(&ags));
        assert!(!Ars::parse("051110000000").unwrap().matches(&ags));
        assert!(Ags::parse("5315000").is_err());
        assert!(Ars::parse("0531500000").is_err());
    }

    #[test]
    fn quartal_spellings() {
        for s in [
            "Q1 2020",
            "Q1/2020",
            "Q12020",
            "2020-Q1",
            "1/2020",
            "q1 2020",
            "2020 Q1",
            "1. Quartal 2020",
            "1.Quartal 2020",
            "1 Quartal 2020",
        ] {
            assert_eq!(
                Quartal::parse(s).unwrap(),
                Quartal::new(2020, 1).unwrap(),
                "{s}"
            );
        }
        for s in [
            "Q5 2020",
            "Q1 20",
            "2020",
            "läuft",
            "",
            "Q 2020",
            "5. Quartal 2020",
            "Quartal 2020",
        ] {
            assert!(Quartal::parse(s).is_err(), "{s}");
        }
        assert_eq!(
            Quartal::parse_grenze(" 2020", false).unwrap(),
            Quartal::new(2020, 1).unwrap()
        );
        assert_eq!(
            Quartal::parse_grenze("2020", true).unwrap(),
            Quartal::new(2020, 4).unwrap()
        );
        assert_eq!(
            Quartal::parse_grenze("Q2/2021", true).unwrap(),
            Quartal::new(2021, 2).unwrap()
        );
        assert!(Quartal::parse_grenze("1999", false).is_err());
    }

    proptest! {
        #[test]
        fn quartal_roundtrip(y in 2000u16..=2100, q in 1u8..=4) {
            let v = Quartal::new(y, q).unwrap();
            prop_assert_eq!(Quartal::parse(&v.to_string()).unwrap(), v);
            prop_assert_eq!(Quartal::parse(&v.key()).unwrap(), v);
            prop_assert_eq!(Quartal::from_ordinal(v.ordinal()).unwrap(), v);
        }

        #[test]
        fn quartal_order_matches_ordinal(a in (2000u16..2100, 1u8..=4), b in (2000u16..2100, 1u8..=4)) {
            let x = Quartal::new(a.0, a.1).unwrap();
            let y = Quartal::new(b.0, b.1).unwrap();
            prop_assert_eq!(x.cmp(&y), x.ordinal().cmp(&y.ordinal()));
        }

        #[test]
        fn parsers_never_panic(s in ".{0,20}") {
            let _ = Quartal::parse(&s);
            let _ = OzgId::parse(&s);
            let _ = Ags::parse(&s);
            let _ = Ars::parse(&s);
            let _ = LeikaKey::parse(&s);
            let _ = Typisierung::parse(&s);
        }
    }
}
