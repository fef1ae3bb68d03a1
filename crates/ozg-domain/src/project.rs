//! Rules of an Umsetzungsprojekt: Projektstart, priorities, Zielportal, roles and the status that
//! follows from the six phase dates of ozg.kdn.de.

use serde::{Deserialize, Serialize};

use crate::ids::{ParseError, Quartal};

/// When a project starts, as the plan writes it: a quarter or one of the plan's status words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "art", content = "wert", rename_all = "kebab-case")]
pub enum Projektstart {
    /// A quarter ("Q1 2020").
    Quartal(Quartal),
    /// "läuft" – already running.
    Laeuft,
    /// "in Umsetzung".
    InUmsetzung,
    /// "in Klärung".
    InKlaerung,
    /// "ab 2021".
    Ab(u16),
    /// "noch offen".
    NochOffen,
}

impl Projektstart {
    /// Parses a quarter or a status word; German error listing what is allowed.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().trim_end_matches('*').trim();
        let lower = t.to_lowercase();
        match lower.as_str() {
            "läuft" | "laeuft" => return Ok(Projektstart::Laeuft),
            "in umsetzung" => return Ok(Projektstart::InUmsetzung),
            "in klärung" | "in klaerung" => return Ok(Projektstart::InKlaerung),
            "noch offen" | "offen" => return Ok(Projektstart::NochOffen),
            _ => {}
        }
        if let Some(y) = lower.strip_prefix("ab ") {
            let y = y.trim();
            if let Ok(q) = Quartal::parse(y) {
                // "ab Q3 2020" means the quarter itself.
                return Ok(Projektstart::Quartal(q));
            }
            if let Ok(year) = y.parse::<u16>()
                && (2000..=2100).contains(&year)
            {
                return Ok(Projektstart::Ab(year));
            }
        }
        Quartal::parse(t).map(Projektstart::Quartal).map_err(|_| {
            ParseError(format!(
                "„{t}“ ist kein Projektstart: erlaubt sind ein Quartal (z. B. „Q1 2020“) oder „läuft“, „in Umsetzung“, „in Klärung“, „ab <Jahr>“, „noch offen“"
            ))
        })
    }

    /// The quarter ordinal used for sorting and range filters: a quarter is itself, "ab 2021" is
    /// Q1 2021, status words have none.
    pub fn ordinal(self) -> Option<i64> {
        match self {
            Projektstart::Quartal(q) => Some(q.ordinal()),
            Projektstart::Ab(y) => Quartal::new(y, 1).ok().map(Quartal::ordinal),
            _ => None,
        }
    }

    /// Short machine key of the kind ("quartal", "laeuft", …).
    pub fn kind(self) -> &'static str {
        match self {
            Projektstart::Quartal(_) => "quartal",
            Projektstart::Laeuft => "laeuft",
            Projektstart::InUmsetzung => "in-umsetzung",
            Projektstart::InKlaerung => "in-klaerung",
            Projektstart::Ab(_) => "ab",
            Projektstart::NochOffen => "noch-offen",
        }
    }
}

impl std::fmt::Display for Projektstart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Projektstart::Quartal(q) => write!(f, "{q}"),
            Projektstart::Laeuft => f.write_str("läuft"),
            Projektstart::InUmsetzung => f.write_str("in Umsetzung"),
            Projektstart::InKlaerung => f.write_str("in Klärung"),
            Projektstart::Ab(y) => write!(f, "ab {y}"),
            Projektstart::NochOffen => f.write_str("noch offen"),
        }
    }
}

/// Kommunale Priorität NRW: 1 (rot, höchste) to 3 (grün).
pub fn parse_prioritaet_nrw(v: i64) -> Result<u8, ParseError> {
    match v {
        1..=3 => Ok(v as u8),
        _ => Err(ParseError(format!(
            "{v} ist keine kommunale Priorität NRW: erlaubt sind 1 (hoch), 2 (mittel), 3 (niedrig)"
        ))),
    }
}

/// Bund-Länder-Priorität: 1 to 4.
pub fn parse_prioritaet_bund(v: i64) -> Result<u8, ParseError> {
    match v {
        1..=4 => Ok(v as u8),
        _ => Err(ParseError(format!(
            "{v} ist keine Bund-Länder-Priorität: erlaubt sind 1 bis 4"
        ))),
    }
}

/// Label of an NRW priority with its colour word, so colour never carries the meaning alone.
pub fn prioritaet_nrw_label(p: u8) -> &'static str {
    match p {
        1 => "1 – hoch (rot)",
        2 => "2 – mittel (gelb)",
        3 => "3 – niedrig (grün)",
        _ => "unbekannt",
    }
}

/// Where a service will run, per the plan's legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Zielportal {
    /// Orange: kommunales Landesportal.
    KommunalesLandesportal,
    /// Green: Land portal with (co-)development by a KDN member.
    LandKdnMitglied,
    /// Black: portal of the Land, a cross-state cooperation or the Bund.
    LandBund,
    /// Grey: not yet clear.
    Unklar,
}

impl Zielportal {
    /// All values in legend order.
    pub const ALL: [Zielportal; 4] = [
        Zielportal::KommunalesLandesportal,
        Zielportal::LandKdnMitglied,
        Zielportal::LandBund,
        Zielportal::Unklar,
    ];

    /// URL/database key.
    pub fn key(self) -> &'static str {
        match self {
            Zielportal::KommunalesLandesportal => "kommunales-landesportal",
            Zielportal::LandKdnMitglied => "land-kdn-mitglied",
            Zielportal::LandBund => "land-bund",
            Zielportal::Unklar => "unklar",
        }
    }

    /// German label as in the legend.
    pub fn label(self) -> &'static str {
        match self {
            Zielportal::KommunalesLandesportal => "Kommunales Landesportal (orange)",
            Zielportal::LandKdnMitglied => {
                "Portal des Landes mit Entwicklung durch KDN-Mitglied (grün)"
            }
            Zielportal::LandBund => {
                "Portal des Landes, länderübergreifend oder des Bundes (schwarz)"
            }
            Zielportal::Unklar => "noch unklar (grau)",
        }
    }

    /// Parses a key.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Zielportal::ALL
            .into_iter()
            .find(|z| z.key() == s.trim())
            .ok_or_else(|| {
                ParseError(format!(
                    "„{}“ ist kein Zielportal: erlaubt sind {}",
                    s.trim(),
                    Zielportal::ALL.map(Zielportal::key).join(", ")
                ))
            })
    }
}

/// The role an organisation has in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rolle {
    /// Projektleitung (and federal lead where the plan says so).
    Projektleitung,
    /// Mitarbeit zugesichert (core team).
    Mitarbeit,
    /// Interesse an Mitarbeit (extended team).
    Interesse,
    /// Auftraggeber of the Steckbrief.
    Auftraggeber,
    /// Kommunalpartner of the Steckbrief.
    Kommunalpartner,
    /// IT-Partner of the Steckbrief.
    ItPartner,
}

impl Rolle {
    /// All roles in display order.
    pub const ALL: [Rolle; 6] = [
        Rolle::Projektleitung,
        Rolle::Mitarbeit,
        Rolle::Interesse,
        Rolle::Auftraggeber,
        Rolle::Kommunalpartner,
        Rolle::ItPartner,
    ];
    /// Database/URL key.
    pub fn key(self) -> &'static str {
        match self {
            Rolle::Projektleitung => "projektleitung",
            Rolle::Mitarbeit => "mitarbeit",
            Rolle::Interesse => "interesse",
            Rolle::Auftraggeber => "auftraggeber",
            Rolle::Kommunalpartner => "kommunalpartner",
            Rolle::ItPartner => "it-partner",
        }
    }
    /// German label.
    pub fn label(self) -> &'static str {
        match self {
            Rolle::Projektleitung => "Projektleitung",
            Rolle::Mitarbeit => "Mitarbeit zugesichert",
            Rolle::Interesse => "Interesse an Mitarbeit",
            Rolle::Auftraggeber => "Auftraggeber",
            Rolle::Kommunalpartner => "Kommunalpartner",
            Rolle::ItPartner => "IT-Partner",
        }
    }
    /// Parses a key.
    pub fn parse(s: &str) -> Option<Self> {
        Rolle::ALL.into_iter().find(|r| r.key() == s)
    }
}

/// The six phases of ozg.kdn.de, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Vorbereitung.
    Vorbereitung,
    /// Konzeption.
    Konzeption,
    /// Umsetzung.
    Umsetzung,
    /// Pilotierung NRW.
    PilotierungNrw,
    /// Start Roll-out NRW.
    RolloutNrw,
    /// Start bundesweiter Roll-out.
    RolloutBund,
}

impl Phase {
    /// All phases in order.
    pub const ALL: [Phase; 6] = [
        Phase::Vorbereitung,
        Phase::Konzeption,
        Phase::Umsetzung,
        Phase::PilotierungNrw,
        Phase::RolloutNrw,
        Phase::RolloutBund,
    ];
    /// Key.
    pub fn key(self) -> &'static str {
        match self {
            Phase::Vorbereitung => "vorbereitung",
            Phase::Konzeption => "konzeption",
            Phase::Umsetzung => "umsetzung",
            Phase::PilotierungNrw => "pilotierung-nrw",
            Phase::RolloutNrw => "rollout-nrw",
            Phase::RolloutBund => "rollout-bund",
        }
    }
    /// German label.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Vorbereitung => "Vorbereitung",
            Phase::Konzeption => "Konzeption",
            Phase::Umsetzung => "Umsetzung",
            Phase::PilotierungNrw => "Pilotierung NRW",
            Phase::RolloutNrw => "Roll-out NRW",
            Phase::RolloutBund => "Bundesweiter Roll-out",
        }
    }
}

/// Status of a project: the latest phase whose start date has been reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// No phase has started (or no phase dates are known).
    NichtBegonnen,
    /// In the given phase.
    InPhase(Phase),
}

impl Status {
    /// Derives the status from the phase dates (ISO `YYYY-MM-DD`, index = [`Phase::ALL`]) as of
    /// `today` (ISO). Without any reached date, a Projektstart "in Umsetzung"/"läuft" counts as
    /// Umsetzung, since the plan states it explicitly.
    pub fn derive(dates: &[Option<String>; 6], today: &str, start: Option<Projektstart>) -> Self {
        let reached = Phase::ALL
            .iter()
            .zip(dates)
            .filter_map(|(p, d)| d.as_deref().filter(|d| *d <= today).map(|_| *p))
            .max();
        match (reached, start) {
            (Some(p), _) => Status::InPhase(p),
            (None, Some(Projektstart::InUmsetzung | Projektstart::Laeuft)) => {
                Status::InPhase(Phase::Umsetzung)
            }
            _ => Status::NichtBegonnen,
        }
    }
    /// Key.
    pub fn key(self) -> &'static str {
        match self {
            Status::NichtBegonnen => "nicht-begonnen",
            Status::InPhase(p) => p.key(),
        }
    }
    /// German label.
    pub fn label(self) -> &'static str {
        match self {
            Status::NichtBegonnen => "Noch nicht begonnen",
            Status::InPhase(p) => p.label(),
        }
    }
    /// All statuses.
    pub fn all() -> Vec<Status> {
        std::iter::once(Status::NichtBegonnen)
            .chain(Phase::ALL.into_iter().map(Status::InPhase))
            .collect()
    }
    /// Parses a key.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Status::all()
            .into_iter()
            .find(|x| x.key() == s)
            .ok_or_else(|| {
                ParseError(format!(
                    "„{s}“ ist kein Status: erlaubt sind {}",
                    Status::all()
                        .into_iter()
                        .map(Status::key)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }
}

/// EfA classification of the KDN (0–6).
pub fn efa_label(v: u8) -> &'static str {
    match v {
        0 => "keine Angabe",
        1 => "Nachnutzung aus anderem Bundesland in Klärung",
        2 => "Nachnutzung aus anderem Bundesland sicher",
        3 => "Entwicklung Land NRW",
        4 => "Entwicklung KDN",
        5 => "in Klärung",
        6 => "kein EfA",
        _ => "unbekannt",
    }
}

/// Turns a name into a URL slug: lowercase ASCII, umlauts transliterated, other characters '-'.
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'a'..='z' | '0'..='9' => out.push(c),
            _ => {
                if !out.ends_with('-') {
                    out.push('-')
                }
            }
        }
    }
    out.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projektstart_words_and_quarters() {
        assert_eq!(Projektstart::parse("läuft").unwrap(), Projektstart::Laeuft);
        assert_eq!(
            Projektstart::parse("In Klärung").unwrap(),
            Projektstart::InKlaerung
        );
        assert_eq!(
            Projektstart::parse("ab 2021*").unwrap(),
            Projektstart::Ab(2021)
        );
        assert_eq!(
            Projektstart::parse("Q3 2020").unwrap(),
            Projektstart::Quartal(Quartal::new(2020, 3).unwrap())
        );
        assert!(Projektstart::parse("bald").unwrap_err().0.contains("läuft"));
        assert_eq!(
            Projektstart::Ab(2021).ordinal(),
            Some(Quartal::new(2021, 1).unwrap().ordinal())
        );
        assert_eq!(Projektstart::Laeuft.ordinal(), None);
    }

    #[test]
    fn status_follows_latest_reached_date() {
        let mut d: [Option<String>; 6] = Default::default();
        assert_eq!(
            Status::derive(&d, "2026-01-01", None),
            Status::NichtBegonnen
        );
        assert_eq!(
            Status::derive(&d, "2026-01-01", Some(Projektstart::InUmsetzung)),
            Status::InPhase(Phase::Umsetzung)
        );
        d[0] = Some("2020-01-01".into());
        d[1] = Some("2020-06-01".into());
        d[3] = Some("2030-01-01".into());
        assert_eq!(
            Status::derive(&d, "2021-01-01", None),
            Status::InPhase(Phase::Konzeption)
        );
        assert_eq!(
            Status::derive(&d, "2020-03-01", None),
            Status::InPhase(Phase::Vorbereitung)
        );
        assert_eq!(
            Status::derive(&d, "2031-01-01", None),
            Status::InPhase(Phase::PilotierungNrw)
        );
    }

    #[test]
    fn keys_roundtrip() {
        for s in Status::all() {
            assert_eq!(Status::parse(s.key()).unwrap(), s);
        }
        for z in Zielportal::ALL {
            assert_eq!(Zielportal::parse(z.key()).unwrap(), z);
        }
        for r in Rolle::ALL {
            assert_eq!(Rolle::parse(r.key()), Some(r));
        }
        assert!(Zielportal::parse("mond").is_err());
        assert!(parse_prioritaet_nrw(4).is_err());
        assert!(parse_prioritaet_bund(4).is_ok());
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("Hilfe zum Lebensunterhalt, Grundsicherung (HzL/GruSi)"),
            "hilfe-zum-lebensunterhalt-grundsicherung-hzl-grusi"
        );
        assert_eq!(slugify("Schülerbeförderung"), "schuelerbefoerderung");
        assert_eq!(slugify("  Straße & Weg "), "strasse-weg");
    }
}
