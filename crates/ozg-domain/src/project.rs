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

/// Label of an NRW priority: number and word, so colour never carries the meaning alone; the
/// one wording on every page, in the PDF and in the downloads ("ohne Angabe" where the plan
/// shows none).
pub fn prioritaet_nrw_label(p: u8) -> &'static str {
    match p {
        1 => "1 – hoch",
        2 => "2 – mittel",
        3 => "3 – niedrig",
        _ => PRIORITAET_OHNE_ANGABE,
    }
}

/// The label of a missing priority.
pub const PRIORITAET_OHNE_ANGABE: &str = "ohne Angabe";

crate::schluessel! {
    /// Where a service will run, per the plan's legend.
    pub enum Zielportal: "kein Zielportal" {
        /// Orange: kommunales Landesportal.
        KommunalesLandesportal = "kommunales-landesportal" / "Kommunales Landesportal (orange)",
        /// Green: Land portal with (co-)development by a KDN member.
        LandKdnMitglied = "land-kdn-mitglied"
            / "Portal des Landes mit Entwicklung durch KDN-Mitglied (grün)",
        /// Black: portal of the Land, a cross-state cooperation or the Bund.
        LandBund = "land-bund" / "Portal des Landes, länderübergreifend oder des Bundes (schwarz)",
        /// Grey: not yet clear.
        Unklar = "unklar" / "noch unklar (grau)",
    }
}

crate::schluessel! {
    /// The role an organisation has in a project.
    pub enum Rolle: "keine Rolle in einem Projekt" {
        /// Projektleitung (and federal lead where the plan says so).
        Projektleitung = "projektleitung" / "Projektleitung",
        /// Mitarbeit zugesichert (core team).
        Mitarbeit = "mitarbeit" / "Mitarbeit zugesichert",
        /// Interesse an Mitarbeit (extended team).
        Interesse = "interesse" / "Interesse an Mitarbeit",
        /// Auftraggeber of the Steckbrief.
        Auftraggeber = "auftraggeber" / "Auftraggeber",
        /// Kommunalpartner of the Steckbrief.
        Kommunalpartner = "kommunalpartner" / "Kommunalpartner",
        /// IT-Partner of the Steckbrief.
        ItPartner = "it-partner" / "IT-Partner",
    }
}

crate::schluessel! {
    /// The six phases of ozg.kdn.de, in order.
    pub enum Phase: "keine Phase" {
        /// Vorbereitung.
        Vorbereitung = "vorbereitung" / "Vorbereitung",
        /// Konzeption.
        Konzeption = "konzeption" / "Konzeption",
        /// Umsetzung.
        Umsetzung = "umsetzung" / "Umsetzung",
        /// Pilotierung NRW.
        PilotierungNrw = "pilotierung-nrw" / "Pilotierung NRW",
        /// Start Roll-out NRW.
        RolloutNrw = "rollout-nrw" / "Roll-out NRW",
        /// Start bundesweiter Roll-out.
        RolloutBund = "rollout-bund" / "Bundesweiter Roll-out",
    }
}

impl Phase {
    /// The name of the phase's start date as a stored column and form field.
    pub fn feld(self) -> &'static str {
        match self {
            Phase::Vorbereitung => "phase_vorbereitung",
            Phase::Konzeption => "phase_konzeption",
            Phase::Umsetzung => "phase_umsetzung",
            Phase::PilotierungNrw => "phase_pilotierung_nrw",
            Phase::RolloutNrw => "phase_rollout_nrw",
            Phase::RolloutBund => "phase_rollout_bund",
        }
    }
}

/// The start dates of a project's six phases (ISO `JJJJ-MM-TT`, `None`: unknown), stored as
/// the columns and sent as the form fields [`Phase::feld`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phasen {
    #[serde(rename = "phase_vorbereitung", default)]
    vorbereitung: Option<String>,
    #[serde(rename = "phase_konzeption", default)]
    konzeption: Option<String>,
    #[serde(rename = "phase_umsetzung", default)]
    umsetzung: Option<String>,
    #[serde(rename = "phase_pilotierung_nrw", default)]
    pilotierung_nrw: Option<String>,
    #[serde(rename = "phase_rollout_nrw", default)]
    rollout_nrw: Option<String>,
    #[serde(rename = "phase_rollout_bund", default)]
    rollout_bund: Option<String>,
}

impl Phasen {
    /// From the dates in [`Phase::ALL`] order.
    pub fn new(daten: [Option<String>; 6]) -> Phasen {
        let [
            vorbereitung,
            konzeption,
            umsetzung,
            pilotierung_nrw,
            rollout_nrw,
            rollout_bund,
        ] = daten;
        Phasen {
            vorbereitung,
            konzeption,
            umsetzung,
            pilotierung_nrw,
            rollout_nrw,
            rollout_bund,
        }
    }

    /// The start date of a phase.
    pub fn get(&self, p: Phase) -> Option<&str> {
        self.feld(p).as_deref()
    }

    /// Sets the start date of a phase.
    pub fn setzen(&mut self, p: Phase, datum: Option<String>) {
        *self.feld_mut(p) = datum;
    }

    fn feld(&self, p: Phase) -> &Option<String> {
        match p {
            Phase::Vorbereitung => &self.vorbereitung,
            Phase::Konzeption => &self.konzeption,
            Phase::Umsetzung => &self.umsetzung,
            Phase::PilotierungNrw => &self.pilotierung_nrw,
            Phase::RolloutNrw => &self.rollout_nrw,
            Phase::RolloutBund => &self.rollout_bund,
        }
    }

    fn feld_mut(&mut self, p: Phase) -> &mut Option<String> {
        match p {
            Phase::Vorbereitung => &mut self.vorbereitung,
            Phase::Konzeption => &mut self.konzeption,
            Phase::Umsetzung => &mut self.umsetzung,
            Phase::PilotierungNrw => &mut self.pilotierung_nrw,
            Phase::RolloutNrw => &mut self.rollout_nrw,
            Phase::RolloutBund => &mut self.rollout_bund,
        }
    }

    /// Every phase with its date, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Phase, Option<&str>)> {
        Phase::ALL.into_iter().map(|p| (p, self.get(p)))
    }

    /// The dates in [`Phase::ALL`] order.
    pub fn daten(&self) -> [Option<String>; 6] {
        Phase::ALL.map(|p| self.feld(p).clone())
    }

    /// The status as of `today` (ISO), see [`Status::derive`].
    pub fn status(&self, today: &str, start: Option<Projektstart>) -> Status {
        Status::derive(&self.daten(), today, start)
    }

    /// The first pair of phases whose dates run backwards (a later phase starting before an
    /// earlier one), if any.
    pub fn ruecklaeufig(&self) -> Option<(Phase, Phase)> {
        let gesetzt: Vec<(Phase, &str)> =
            self.iter().filter_map(|(p, d)| d.map(|d| (p, d))).collect();
        gesetzt
            .windows(2)
            .find(|w| w[1].1 < w[0].1)
            .map(|w| (w[0].0, w[1].0))
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
                    out.push('-');
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
            assert_eq!(Rolle::parse(r.key()), Ok(r));
        }
        assert!(Zielportal::parse("mond").is_err());
        assert!(parse_prioritaet_nrw(4).is_err());
        assert!(parse_prioritaet_bund(4).is_ok());
    }

    #[test]
    fn phases_by_name_and_order() {
        let mut p = Phasen::default();
        p.setzen(Phase::Vorbereitung, Some("2021-01-01".into()));
        p.setzen(Phase::Umsetzung, Some("2020-06-01".into()));
        assert_eq!(p.get(Phase::Umsetzung), Some("2020-06-01"));
        assert_eq!(
            p.ruecklaeufig(),
            Some((Phase::Vorbereitung, Phase::Umsetzung))
        );
        assert_eq!(
            p.status("2021-02-01", None),
            Status::InPhase(Phase::Umsetzung)
        );
        let json = serde_json::json!({"phase_umsetzung": "2022-01-01", "phase_rollout_bund": null});
        let q: Phasen = serde_json::from_value(json).unwrap();
        assert_eq!(q.daten()[2].as_deref(), Some("2022-01-01"));
        assert_eq!(Phasen::new(q.daten()), q);
        assert_eq!(Phase::RolloutNrw.feld(), "phase_rollout_nrw");
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
