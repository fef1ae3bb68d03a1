//! The one clock of the application, in German time (Europe/Berlin, with summer time from the
//! bundled time-zone database of `jiff`), and the German date formats.
//!
//! Handlers take the time from [`Uhr`] in the application state, so a test can fix it; nothing
//! else asks the system for the time.

use std::sync::{Arc, LazyLock};

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// German time.
static BERLIN: LazyLock<TimeZone> = LazyLock::new(|| {
    // The database is bundled into the binary (feature `tzdb-bundle-always`): no lookup on the
    // machine, so this cannot fail at run time.
    TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::UTC)
});

/// The time zone of the authorities the portal serves.
pub fn berlin() -> TimeZone {
    BERLIN.clone()
}

/// The clock: the system's, or a fixed instant (tests).
#[derive(Clone, Debug, Default)]
pub struct Uhr {
    fest: Option<Arc<std::sync::RwLock<Timestamp>>>,
}

impl Uhr {
    /// The system clock.
    pub fn system() -> Uhr {
        Uhr { fest: None }
    }

    /// A clock standing at `t` until [`Uhr::stellen`] moves it.
    pub fn fest(t: Timestamp) -> Uhr {
        Uhr {
            fest: Some(Arc::new(std::sync::RwLock::new(t))),
        }
    }

    /// Moves a fixed clock (no effect on the system clock).
    pub fn stellen(&self, t: Timestamp) {
        if let Some(f) = &self.fest {
            *f.write().unwrap_or_else(std::sync::PoisonError::into_inner) = t;
        }
    }

    /// Now.
    pub fn jetzt(&self) -> Timestamp {
        match &self.fest {
            Some(f) => *f.read().unwrap_or_else(std::sync::PoisonError::into_inner),
            None => Timestamp::now(),
        }
    }

    /// Now in German time.
    pub fn jetzt_berlin(&self) -> ZonedDateTime {
        self.jetzt().to_zoned_datetime(berlin())
    }

    /// Seconds since the epoch (how deadlines and sessions are stored).
    pub fn sekunden(&self) -> i64 {
        self.jetzt().as_second()
    }

    /// Now as stored in the database: UTC, to the second, `2026-12-01T05:40:00Z`.
    pub fn jetzt_iso(&self) -> String {
        iso_utc(self.jetzt())
    }

    /// Today in German time.
    pub fn heute(&self) -> Date {
        self.jetzt_berlin().date()
    }

    /// Today in German time as `JJJJ-MM-TT` (how dates are stored and compared).
    pub fn heute_iso(&self) -> String {
        self.heute().to_string()
    }
}

/// An instant as stored: UTC, to the second.
pub fn iso_utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The German calendar day (`JJJJ-MM-TT`) of a stored date, or of a stored instant (UTC,
/// `…T…Z`): 00:30 German time on 5 December is stored as 4 December 23:30 UTC, and is the 5th.
pub fn tag(iso: &str) -> String {
    match iso.parse::<Timestamp>() {
        Ok(t) => t.to_zoned_datetime(berlin()).date().to_string(),
        Err(_) => iso.get(0..10).unwrap_or(iso).to_owned(),
    }
}

/// The last second of German calendar day `datum` as a stored instant (UTC): what was
/// stored up to it happened on that day or before.
pub fn tagesende(datum: Date) -> String {
    let naechster = datum
        .tomorrow()
        .ok()
        .and_then(|d| {
            d.to_datetime(Time::midnight())
                .to_zoned_datetime(berlin())
                .ok()
        })
        .map(|z| z.timestamp());
    match naechster {
        Some(t) => iso_utc(Timestamp::from_second(t.as_second() - 1).unwrap_or(t)),
        None => format!("{datum}T23:59:59Z"),
    }
}

/// The last second of German calendar day `datum`, in seconds since the epoch (a deadline
/// "bis zum 18.12.2026" ends with that day).
pub fn tagesende_sekunden(datum: Date) -> i64 {
    datum
        .tomorrow()
        .ok()
        .and_then(|d| {
            d.to_datetime(Time::midnight())
                .to_zoned_datetime(berlin())
                .ok()
        })
        .map_or(0, |z| z.timestamp().as_second() - 1)
}

/// "2026-12-01" → "01.12.2026"; a stored instant by its German day ([`tag`]).
pub fn datum_de(iso: &str) -> String {
    let t = tag(iso);
    match (t.get(0..4), t.get(5..7), t.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}.{m}.{y}"),
        _ => iso.to_owned(),
    }
}

/// A date as `JJJJ-MM-TT`, strictly (ten characters, a real day), else `None`.
pub fn datum_lesen(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    s.parse::<Date>().ok()
}

/// A date as people type it into a filter: `TT.MM.JJJJ` (also `4.12.2026`) or `JJJJ-MM-TT`;
/// `None` unless it is a real day.
pub fn datum_eingabe(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Some(d) = datum_lesen(s) {
        return Some(d);
    }
    let mut teile = s.split('.');
    let (t, m, j) = (teile.next()?, teile.next()?, teile.next()?);
    let zahl = |x: &str, max: usize| {
        (!x.is_empty() && x.len() <= max && x.bytes().all(|b| b.is_ascii_digit()))
            .then(|| x.parse::<i16>().ok())
            .flatten()
    };
    if teile.next().is_some() || j.len() != 4 {
        return None;
    }
    let (t, m, j) = (zahl(t, 2)?, zahl(m, 2)?, zahl(j, 4)?);
    Date::new(j, i8::try_from(m).ok()?, i8::try_from(t).ok()?).ok()
}

/// A time of day as `HH:MM`, strictly, else `None`.
pub fn uhrzeit_lesen(s: &str) -> Option<Time> {
    let s = s.trim();
    if s.len() != 5 {
        return None;
    }
    Time::strptime("%H:%M", s).ok()
}

/// A wall-clock time in German time as `JJJJ-MM-TTTHH:MM` (a `datetime-local` field; a space
/// instead of the `T` is accepted), as seconds since the epoch. In the hour that is passed
/// twice in October the earlier reading wins; a time skipped in March is moved forward.
pub fn frist_lesen(s: &str) -> Option<i64> {
    let s = s.trim().replace(' ', "T");
    if s.len() != 16 {
        return None;
    }
    let dt = DateTime::strptime("%Y-%m-%dT%H:%M", &s).ok()?;
    let z = dt.to_zoned_datetime(berlin()).ok()?;
    Some(z.timestamp().as_second())
}

/// An instant (seconds since the epoch) in German time, "15.03.2027, 12:00 Uhr".
pub fn zeit_de(sekunden: i64) -> String {
    match Timestamp::from_second(sekunden) {
        Ok(t) => t
            .to_zoned_datetime(berlin())
            .strftime("%d.%m.%Y, %H:%M Uhr")
            .to_string(),
        Err(_) => sekunden.to_string(),
    }
}

/// The German calendar day of an instant (seconds since the epoch) as `JJJJ-MM-TT`.
pub fn tag_iso(sekunden: i64) -> String {
    match Timestamp::from_second(sekunden) {
        Ok(t) => t.to_zoned_datetime(berlin()).date().to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gespeicherte_zeitpunkte_am_deutschen_tag() {
        assert_eq!(
            tag("2026-12-04T23:30:00Z"),
            "2026-12-05",
            "00:30 German time"
        );
        assert_eq!(tag("2026-07-04T21:59:59Z"), "2026-07-04", "summer time");
        assert_eq!(tag("2026-07-04T22:00:00Z"), "2026-07-05");
        assert_eq!(tag("2026-12-04"), "2026-12-04");
        assert_eq!(datum_de("2026-12-04T23:30:00Z"), "05.12.2026");
        assert_eq!(datum_de("2026-12-01"), "01.12.2026");
        assert_eq!(datum_de("unbekannt"), "unbekannt");
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(tagesende(d("2026-12-04")), "2026-12-04T22:59:59Z");
        assert_eq!(tagesende(d("2026-07-04")), "2026-07-04T21:59:59Z");
    }

    #[test]
    fn german_time_in_winter_and_summer() {
        // 15 January 12:00 CET = 11:00 UTC; 15 July 12:00 CEST = 10:00 UTC.
        let winter = frist_lesen("2027-01-15T12:00").unwrap();
        assert_eq!(zeit_de(winter), "15.01.2027, 12:00 Uhr");
        assert_eq!(winter % 86400, 11 * 3600);
        let sommer = frist_lesen("2027-07-15 12:00").unwrap();
        assert_eq!(sommer % 86400, 10 * 3600);
        assert_eq!(zeit_de(sommer), "15.07.2027, 12:00 Uhr");
        assert_eq!(tag_iso(sommer), "2027-07-15");
        assert!(frist_lesen("15.07.2027 12:00").is_none());
        assert!(frist_lesen("2027-02-30T12:00").is_none());
    }

    #[test]
    fn switching_days() {
        // 28 March 2027: 02:00 CET becomes 03:00 CEST; 31 October 2027: 03:00 CEST → 02:00 CET.
        let vor = frist_lesen("2027-03-28T01:30").unwrap();
        let nach = frist_lesen("2027-03-28T03:30").unwrap();
        assert_eq!(nach - vor, 3600);
        assert_eq!(zeit_de(nach), "28.03.2027, 03:30 Uhr");
        let herbst = frist_lesen("2027-10-31T02:30").unwrap();
        assert_eq!(zeit_de(herbst), "31.10.2027, 02:30 Uhr");
    }

    #[test]
    fn today_is_german() {
        // 23:30 UTC on 31 December is already New Year in Germany.
        let t: Timestamp = "2026-12-31T23:30:00Z".parse().unwrap();
        let uhr = Uhr::fest(t);
        assert_eq!(uhr.heute_iso(), "2027-01-01");
        assert_eq!(uhr.jetzt_iso(), "2026-12-31T23:30:00Z");
        uhr.stellen("2027-06-01T08:00:00Z".parse().unwrap());
        assert_eq!(uhr.heute_iso(), "2027-06-01");
    }

    #[test]
    fn parsing_is_strict() {
        assert!(datum_lesen("2027-02-28").is_some());
        for (ein, aus) in [
            ("04.12.2026", "2026-12-04"),
            ("4.12.2026", "2026-12-04"),
            (" 2026-12-04 ", "2026-12-04"),
            ("29.02.2028", "2028-02-29"),
        ] {
            assert_eq!(
                datum_eingabe(ein).map(|d| d.to_string()).as_deref(),
                Some(aus),
                "{ein}"
            );
        }
        for falsch in [
            "29.02.2027",
            "04.12.26",
            "04.13.2026",
            "4..2026",
            "04.12.2026.",
            "+4.12.2026",
            "",
            "heute",
        ] {
            assert!(datum_eingabe(falsch).is_none(), "{falsch}");
        }
        assert!(datum_lesen("2027-02-29").is_none());
        assert!(datum_lesen("2027-2-28").is_none());
        assert!(uhrzeit_lesen("10:00").is_some());
        assert!(uhrzeit_lesen("24:00").is_none());
        assert!(uhrzeit_lesen("9:00").is_none());
        assert_eq!(datum_de("2026-12-01T05:40:00Z"), "01.12.2026");
    }
}
