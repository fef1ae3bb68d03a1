//! Decisions of the IT-Lenkungsausschuss: the Umlaufverfahren (decision by circulation) with
//! its votes, quorum and majority rules, its deadline, and the project status that the
//! committee's decisions imply. Pure: the application stores votes and asks these functions.

use serde::{Deserialize, Serialize};

crate::schluessel! {
    /// A vote cast in an Umlaufverfahren.
    pub enum Stimme: "keine Stimme" {
        /// In favour.
        Ja = "ja" / "Ja",
        /// Against.
        Nein = "nein" / "Nein",
        /// Abstention: counts for the quorum, not for the majority.
        Enthaltung = "enthaltung" / "Enthaltung",
    }
}

crate::schluessel! {
    /// The majority a proposal needs. Abstentions do not count (German Geschäftsordnung
    /// practice): only Ja and Nein are compared.
    pub enum Mehrheit: "keine Mehrheitsregel" {
        /// More Ja than Nein; a tie rejects.
        Einfach = "einfach" / "einfache Mehrheit",
        /// At least two thirds of the Ja and Nein votes are Ja, and at least one Ja.
        ZweiDrittel = "zwei-drittel" / "Zwei-Drittel-Mehrheit",
    }
}

impl Mehrheit {
    /// Whether `ja` votes against `nein` votes reach this majority (abstentions left out).
    pub fn erreicht(self, ja: usize, nein: usize) -> bool {
        let (ja, nein) = (ja as u128, nein as u128);
        match self {
            Mehrheit::Einfach => ja > nein,
            Mehrheit::ZweiDrittel => ja > 0 && ja * 3 >= (ja + nein) * 2,
        }
    }
}

/// The rules of a vote: quorum and majority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Regel {
    /// Share of the entitled members, in percent (1..=100), that must have cast a vote
    /// (abstentions included) for the committee to be beschlussfähig.
    pub quorum_prozent: u8,
    /// The majority a proposal needs.
    pub mehrheit: Mehrheit,
}

impl Regel {
    /// A rule with a quorum in percent; the error says the allowed range.
    pub fn new(quorum_prozent: i64, mehrheit: Mehrheit) -> Result<Regel, String> {
        if !(1..=100).contains(&quorum_prozent) {
            return Err(format!(
                "Das Quorum muss zwischen 1 und 100 Prozent liegen (angegeben: {quorum_prozent})."
            ));
        }
        Ok(Regel {
            quorum_prozent: quorum_prozent as u8,
            mehrheit,
        })
    }
}

impl Default for Regel {
    /// Half of the members must take part; simple majority.
    fn default() -> Self {
        Regel {
            quorum_prozent: 50,
            mehrheit: Mehrheit::Einfach,
        }
    }
}

crate::schluessel! {
    /// The outcome of a vote.
    pub enum Ergebnis: "kein Abstimmungsergebnis" {
        /// Quorum and majority reached.
        Angenommen = "angenommen" / "angenommen",
        /// Quorum reached, majority not.
        Abgelehnt = "abgelehnt" / "abgelehnt",
        /// Too few members took part.
        NichtBeschlussfaehig = "nicht-beschlussfaehig" / "nicht beschlussfähig",
    }
}

impl Ergebnis {
    /// The decision an Umlaufverfahren records with this outcome: approval or rejection of
    /// the variant put to the vote; none when the committee could not decide (the Vorlage
    /// stays open).
    pub fn entscheidung(self) -> Option<Entscheidung> {
        match self {
            Ergebnis::Angenommen => Some(Entscheidung::Freigegeben),
            Ergebnis::Abgelehnt => Some(Entscheidung::Abgelehnt),
            Ergebnis::NichtBeschlussfaehig => None,
        }
    }
}

/// The counted votes of an Umlaufverfahren.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Auszaehlung {
    /// Ja votes.
    pub ja: usize,
    /// Nein votes.
    pub nein: usize,
    /// Abstentions.
    pub enthaltung: usize,
    /// Members entitled to vote.
    pub stimmberechtigt: usize,
}

impl Auszaehlung {
    /// Votes cast, abstentions included.
    pub fn abgegeben(&self) -> usize {
        self.ja
            .saturating_add(self.nein)
            .saturating_add(self.enthaltung)
    }

    /// Whether enough members took part: at least `quorum_prozent` percent of the entitled
    /// members cast a vote. Never with no entitled members.
    pub fn beschlussfaehig(&self, regel: &Regel) -> bool {
        self.stimmberechtigt > 0
            && self.abgegeben() as u128 * 100
                >= regel.quorum_prozent as u128 * self.stimmberechtigt as u128
    }

    /// The outcome under `regel`.
    pub fn ergebnis(&self, regel: &Regel) -> Ergebnis {
        if !self.beschlussfaehig(regel) {
            Ergebnis::NichtBeschlussfaehig
        } else if regel.mehrheit.erreicht(self.ja, self.nein) {
            Ergebnis::Angenommen
        } else {
            Ergebnis::Abgelehnt
        }
    }
}

/// Counts `stimmen` among `stimmberechtigt` entitled members (the caller makes sure only
/// entitled members voted, once each).
pub fn auszaehlen(stimmen: &[Stimme], stimmberechtigt: usize) -> Auszaehlung {
    let mut a = Auszaehlung {
        stimmberechtigt,
        ..Auszaehlung::default()
    };
    for s in stimmen {
        match s {
            Stimme::Ja => a.ja += 1,
            Stimme::Nein => a.nein += 1,
            Stimme::Enthaltung => a.enthaltung += 1,
        }
    }
    a
}

/// The deadline of an Umlaufverfahren must lie at least this many seconds ahead.
pub const FRIST_MIN_SEK: i64 = 60 * 60;
/// The deadline of an Umlaufverfahren may lie at most this many days ahead.
pub const FRIST_MAX_TAGE: i64 = 90;

/// Checks the deadline of a new Umlaufverfahren: `frist` and `jetzt` in seconds since epoch;
/// at least one hour and at most [`FRIST_MAX_TAGE`] days ahead.
pub fn frist_pruefen(frist: i64, jetzt: i64) -> Result<(), String> {
    let abstand = frist.saturating_sub(jetzt);
    if abstand < FRIST_MIN_SEK {
        return Err("Die Frist muss mindestens eine Stunde in der Zukunft liegen.".into());
    }
    if abstand > FRIST_MAX_TAGE * 24 * 60 * 60 {
        return Err(format!(
            "Die Frist darf höchstens {FRIST_MAX_TAGE} Tage in der Zukunft liegen."
        ));
    }
    Ok(())
}

/// Whether voting is still open: until (excluding) the deadline.
pub fn offen(frist: i64, jetzt: i64) -> bool {
    jetzt < frist
}

crate::schluessel! {
    /// A decision the IT-Lenkungsausschuss records about a project.
    pub enum Entscheidung: "keine Entscheidung" {
        /// Implementation approved.
        Freigegeben = "freigegeben" / "freigegeben",
        /// Rejected.
        Abgelehnt = "abgelehnt" / "abgelehnt",
        /// Postponed.
        Zurueckgestellt = "zurueckgestellt" / "zurückgestellt",
    }
}

crate::schluessel! {
    /// Where a project stands with the IT-Lenkungsausschuss.
    pub enum Entscheidungsstand: "kein Entscheidungsstand" {
        /// Not submitted to the committee.
        KeineVorlage = "keine-vorlage" / "keine Vorlage",
        /// Submitted, no decision yet.
        Vorgelegt = "vorgelegt" / "dem IT-Lenkungsausschuss vorgelegt",
        /// Implementation approved.
        Freigegeben = "freigegeben" / "Umsetzung freigegeben",
        /// Rejected.
        Abgelehnt = "abgelehnt" / "abgelehnt",
        /// Postponed.
        Zurueckgestellt = "zurueckgestellt" / "zurückgestellt",
    }
}

impl From<Entscheidung> for Entscheidungsstand {
    fn from(e: Entscheidung) -> Self {
        match e {
            Entscheidung::Freigegeben => Entscheidungsstand::Freigegeben,
            Entscheidung::Abgelehnt => Entscheidungsstand::Abgelehnt,
            Entscheidung::Zurueckgestellt => Entscheidungsstand::Zurueckgestellt,
        }
    }
}

/// The state of a project from whether it was submitted and the committee's decisions in
/// chronological order: the latest decision (last in the slice) wins, even over a missing
/// submission flag; submitted without a decision is [`Entscheidungsstand::Vorgelegt`].
pub fn entscheidungsstand(vorgelegt: bool, entscheidungen: &[Entscheidung]) -> Entscheidungsstand {
    match entscheidungen.last() {
        Some(e) => (*e).into(),
        None if vorgelegt => Entscheidungsstand::Vorgelegt,
        None => Entscheidungsstand::KeineVorlage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn z(ja: usize, nein: usize, enthaltung: usize, stimmberechtigt: usize) -> Auszaehlung {
        Auszaehlung {
            ja,
            nein,
            enthaltung,
            stimmberechtigt,
        }
    }

    fn zwei_drittel() -> Regel {
        Regel::new(50, Mehrheit::ZweiDrittel).unwrap()
    }

    #[test]
    fn keys_roundtrip_and_errors_name_allowed_keys() {
        for s in Stimme::ALL {
            assert_eq!(Stimme::parse(s.key()), Ok(s));
        }
        for m in Mehrheit::ALL {
            assert_eq!(Mehrheit::parse(m.key()), Ok(m));
        }
        for e in Ergebnis::ALL {
            assert_eq!(Ergebnis::parse(e.key()), Ok(e));
        }
        for e in Entscheidung::ALL {
            assert_eq!(Entscheidung::parse(e.key()), Ok(e));
        }
        for e in Entscheidungsstand::ALL {
            assert_eq!(Entscheidungsstand::parse(e.key()), Ok(e));
        }
        assert_eq!(Stimme::parse(" ja "), Ok(Stimme::Ja));
        let err = Stimme::parse("vielleicht").unwrap_err();
        assert!(err.contains("ja, nein, enthaltung"), "{err}");
        assert!(
            Mehrheit::parse("absolut")
                .unwrap_err()
                .contains("zwei-drittel")
        );
        assert!(
            Entscheidung::parse("vertagt")
                .unwrap_err()
                .contains("zurueckgestellt")
        );
        assert_eq!(
            Ergebnis::NichtBeschlussfaehig.label(),
            "nicht beschlussfähig"
        );
        assert_eq!(
            serde_json::to_string(&Mehrheit::ZweiDrittel).unwrap(),
            "\"zwei-drittel\""
        );
        assert_eq!(
            serde_json::from_str::<Stimme>("\"enthaltung\"").unwrap(),
            Stimme::Enthaltung
        );
    }

    #[test]
    fn regel_validates_quorum() {
        assert_eq!(Regel::default(), Regel::new(50, Mehrheit::Einfach).unwrap());
        assert!(Regel::new(1, Mehrheit::Einfach).is_ok());
        assert!(Regel::new(100, Mehrheit::Einfach).is_ok());
        for q in [0, 101, -5, 256, i64::MAX] {
            let err = Regel::new(q, Mehrheit::Einfach).unwrap_err();
            assert!(err.contains("zwischen 1 und 100"), "{err}");
        }
    }

    #[test]
    fn simple_majority_tie_rejects_and_abstentions_do_not_count() {
        let r = Regel::default();
        assert_eq!(z(3, 2, 0, 5).ergebnis(&r), Ergebnis::Angenommen);
        assert_eq!(z(2, 2, 0, 4).ergebnis(&r), Ergebnis::Abgelehnt);
        // Abstentions neither help nor hurt the majority.
        assert_eq!(z(1, 0, 5, 6).ergebnis(&r), Ergebnis::Angenommen);
        assert_eq!(z(2, 2, 5, 9).ergebnis(&r), Ergebnis::Abgelehnt);
        // Only abstentions: beschlussfähig, but no majority.
        assert_eq!(z(0, 0, 4, 4).ergebnis(&r), Ergebnis::Abgelehnt);
    }

    #[test]
    fn quorum_boundary_and_zero_members() {
        let r = Regel::default();
        // Exactly 50 %: beschlussfähig.
        assert!(z(2, 0, 0, 4).beschlussfaehig(&r));
        assert_eq!(z(2, 0, 0, 4).ergebnis(&r), Ergebnis::Angenommen);
        assert!(z(1, 0, 1, 4).beschlussfaehig(&r));
        // Just below: 2 of 5 = 40 %; 4 of 9 = 44 %.
        assert_eq!(z(2, 0, 0, 5).ergebnis(&r), Ergebnis::NichtBeschlussfaehig);
        assert_eq!(z(4, 0, 0, 9).ergebnis(&r), Ergebnis::NichtBeschlussfaehig);
        assert_eq!(z(5, 0, 0, 9).ergebnis(&r), Ergebnis::Angenommen);
        // No entitled members: never beschlussfähig.
        assert!(!z(0, 0, 0, 0).beschlussfaehig(&r));
        assert!(!z(3, 0, 0, 0).beschlussfaehig(&r));
        assert_eq!(z(0, 0, 0, 0).ergebnis(&r), Ergebnis::NichtBeschlussfaehig);
        // 100 % needs everyone.
        let alle = Regel::new(100, Mehrheit::Einfach).unwrap();
        assert!(!z(4, 0, 0, 5).beschlussfaehig(&alle));
        assert!(z(4, 0, 1, 5).beschlussfaehig(&alle));
    }

    #[test]
    fn two_thirds_boundary() {
        let r = zwei_drittel();
        assert_eq!(z(2, 1, 0, 3).ergebnis(&r), Ergebnis::Angenommen);
        assert_eq!(z(1, 1, 0, 2).ergebnis(&r), Ergebnis::Abgelehnt);
        assert_eq!(z(3, 2, 0, 5).ergebnis(&r), Ergebnis::Abgelehnt);
        assert_eq!(z(4, 2, 0, 6).ergebnis(&r), Ergebnis::Angenommen);
        assert_eq!(z(2, 1, 7, 10).ergebnis(&r), Ergebnis::Angenommen);
        // Only abstentions: no Ja, so no majority.
        assert_eq!(z(0, 0, 3, 3).ergebnis(&r), Ergebnis::Abgelehnt);
        assert!(!Mehrheit::ZweiDrittel.erreicht(0, 0));
        assert!(!Mehrheit::Einfach.erreicht(0, 0));
    }

    #[test]
    fn counting() {
        use Stimme::*;
        let a = auszaehlen(&[Ja, Nein, Ja, Enthaltung, Ja], 7);
        assert_eq!(a, z(3, 1, 1, 7));
        assert_eq!(a.abgegeben(), 5);
        assert_eq!(auszaehlen(&[], 3), z(0, 0, 0, 3));
    }

    #[test]
    fn deadline_rules() {
        let jetzt = 1_700_000_000;
        assert!(frist_pruefen(jetzt + 3600, jetzt).is_ok());
        assert!(frist_pruefen(jetzt + 90 * 86400, jetzt).is_ok());
        assert!(
            frist_pruefen(jetzt + 3599, jetzt)
                .unwrap_err()
                .contains("mindestens eine Stunde")
        );
        assert!(frist_pruefen(jetzt - 10, jetzt).is_err());
        assert!(
            frist_pruefen(jetzt + 90 * 86400 + 1, jetzt)
                .unwrap_err()
                .contains("90 Tage")
        );
        assert!(frist_pruefen(i64::MAX, i64::MIN).is_err());
        assert!(frist_pruefen(i64::MIN, i64::MAX).is_err());
        assert!(offen(jetzt + 1, jetzt));
        assert!(!offen(jetzt, jetzt));
        assert!(!offen(jetzt - 1, jetzt));
    }

    #[test]
    fn latest_decision_wins() {
        use Entscheidung::*;
        assert_eq!(
            entscheidungsstand(false, &[]),
            Entscheidungsstand::KeineVorlage
        );
        assert_eq!(entscheidungsstand(true, &[]), Entscheidungsstand::Vorgelegt);
        assert_eq!(
            entscheidungsstand(true, &[Zurueckgestellt, Freigegeben]),
            Entscheidungsstand::Freigegeben
        );
        assert_eq!(
            entscheidungsstand(true, &[Freigegeben, Abgelehnt]),
            Entscheidungsstand::Abgelehnt
        );
        assert_eq!(
            entscheidungsstand(false, &[Zurueckgestellt]),
            Entscheidungsstand::Zurueckgestellt
        );
        assert_eq!(
            Entscheidungsstand::Freigegeben.label(),
            "Umsetzung freigegeben"
        );
        assert_eq!(Zurueckgestellt.label(), "zurückgestellt");
    }

    fn stimme() -> impl Strategy<Value = Stimme> {
        prop::sample::select(Stimme::ALL.to_vec())
    }

    fn regel() -> impl Strategy<Value = Regel> {
        (1i64..=100, prop::sample::select(Mehrheit::ALL.to_vec()))
            .prop_map(|(q, m)| Regel::new(q, m).unwrap())
    }

    fn auszaehlung() -> impl Strategy<Value = Auszaehlung> {
        (0usize..30, 0usize..30, 0usize..30, 0usize..100).prop_map(|(j, n, e, s)| z(j, n, e, s))
    }

    proptest! {
        #[test]
        fn angenommen_implies_quorum_and_more_ja(a in auszaehlung(), r in regel()) {
            if a.ergebnis(&r) == Ergebnis::Angenommen {
                prop_assert!(a.beschlussfaehig(&r));
                prop_assert!(a.ja > a.nein);
            }
        }

        #[test]
        fn nein_to_ja_keeps_angenommen(a in auszaehlung(), r in regel()) {
            prop_assume!(a.nein > 0);
            let b = Auszaehlung { ja: a.ja + 1, nein: a.nein - 1, ..a };
            if a.ergebnis(&r) == Ergebnis::Angenommen {
                prop_assert_eq!(b.ergebnis(&r), Ergebnis::Angenommen);
            }
        }

        #[test]
        fn abstention_never_flips_the_decision(a in auszaehlung(), r in regel()) {
            let b = Auszaehlung { enthaltung: a.enthaltung + 1, ..a };
            let (vorher, nachher) = (a.ergebnis(&r), b.ergebnis(&r));
            if vorher != Ergebnis::NichtBeschlussfaehig {
                prop_assert_eq!(vorher, nachher);
            }
            if a.beschlussfaehig(&r) {
                prop_assert!(b.beschlussfaehig(&r));
            }
        }

        #[test]
        fn counts_sum_to_input(stimmen in prop::collection::vec(stimme(), 0..60), s in 0usize..100) {
            let a = auszaehlen(&stimmen, s);
            prop_assert_eq!(a.abgegeben(), stimmen.len());
            prop_assert_eq!(a.ja, stimmen.iter().filter(|v| **v == Stimme::Ja).count());
            prop_assert_eq!(a.stimmberechtigt, s);
        }

        #[test]
        fn deadline_never_panics(frist in any::<i64>(), jetzt in any::<i64>()) {
            let _ = frist_pruefen(frist, jetzt);
            let _ = offen(frist, jetzt);
        }
    }

    #[test]
    fn a_count_decides_only_when_the_committee_could() {
        assert_eq!(
            Ergebnis::Angenommen.entscheidung(),
            Some(Entscheidung::Freigegeben)
        );
        assert_eq!(
            Ergebnis::Abgelehnt.entscheidung(),
            Some(Entscheidung::Abgelehnt)
        );
        assert_eq!(Ergebnis::NichtBeschlussfaehig.entscheidung(), None);
        // The state a project shows follows the recorded decision.
        for e in Ergebnis::ALL {
            let stand = entscheidungsstand(true, e.entscheidung().as_slice());
            assert_eq!(
                stand == Entscheidungsstand::Vorgelegt,
                e == Ergebnis::NichtBeschlussfaehig
            );
        }
    }
}
