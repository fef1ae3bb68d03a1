//! The lifecycle of an Antrag, the same for every service (issue #13): a pure state machine.
//!
//! ```text
//! Entwurf ─einreichen→ eingereicht ─bearbeiten→ in Bearbeitung ⇄ Nachforderung → nachgereicht
//!                                                   │ bewilligen / teilweise bewilligen / ablehnen
//!                                                   ↓
//!                                     beschieden (bewilligt | teilweise bewilligt | abgelehnt)
//! zurückziehen (Antragsteller, bis zum Bescheid) → zurückgezogen
//! erledigen (Sachbearbeitung, ohne Bescheid, z. B. doppelt gestellt) → erledigt
//! ```
//!
//! Who may do what is part of the transition (the citizen submits, withdraws and answers a
//! Nachforderung; the case worker does the rest). Steps that a citizen must understand later
//! (Nachforderung, Ablehnung, teilweise Bewilligung, Erledigung) need a reason. The caller
//! records who, when and why in the audit log in the same transaction.

use crate::schluessel;

schluessel! {
    /// Where an Antrag stands.
    pub enum Zustand: "kein Zustand eines Antrags" {
        /// Being filled in; only its author sees it.
        Entwurf = "entwurf" / "Entwurf",
        /// Submitted, not yet taken up.
        Eingereicht = "eingereicht" / "Eingereicht",
        /// A case worker works on it.
        InBearbeitung = "in-bearbeitung" / "In Bearbeitung",
        /// Documents or answers were requested from the citizen.
        Nachforderung = "nachforderung" / "Nachforderung",
        /// The citizen answered the Nachforderung.
        Nachgereicht = "nachgereicht" / "Nachgereicht",
        /// Granted.
        Bewilligt = "bewilligt" / "Bewilligt",
        /// Granted in part.
        TeilweiseBewilligt = "teilweise-bewilligt" / "Teilweise bewilligt",
        /// Refused.
        Abgelehnt = "abgelehnt" / "Abgelehnt",
        /// Withdrawn by the citizen.
        Zurueckgezogen = "zurueckgezogen" / "Zurückgezogen",
        /// Closed without a Bescheid (e.g. submitted twice, not the authority's matter).
        Erledigt = "erledigt" / "Erledigt",
    }
}

schluessel! {
    /// What someone does with an Antrag.
    pub enum Ereignis: "keine Aktion an einem Antrag" {
        /// The citizen submits the draft.
        Einreichen = "einreichen" / "Einreichen",
        /// A case worker takes it up (also after a Nachforderung was answered).
        Bearbeiten = "bearbeiten" / "In Bearbeitung nehmen",
        /// A case worker asks for documents or answers.
        Nachfordern = "nachfordern" / "Nachfordern",
        /// The citizen answers a Nachforderung.
        Nachreichen = "nachreichen" / "Nachreichen",
        /// A case worker grants it.
        Bewilligen = "bewilligen" / "Bewilligen",
        /// A case worker grants it in part.
        TeilweiseBewilligen = "teilweise-bewilligen" / "Teilweise bewilligen",
        /// A case worker refuses it.
        Ablehnen = "ablehnen" / "Ablehnen",
        /// The citizen withdraws it (a draft too).
        Zurueckziehen = "zurueckziehen" / "Zurückziehen",
        /// A case worker closes it without a Bescheid.
        Erledigen = "erledigen" / "Erledigen",
    }
}

schluessel! {
    /// Who acts on an Antrag.
    pub enum Beteiligter: "keine Rolle an einem Antrag" {
        /// The citizen or business that applies.
        Antragsteller = "antragsteller" / "Antragstellende",
        /// A case worker of the responsible authority.
        Sachbearbeitung = "sachbearbeitung" / "Sachbearbeitung",
    }
}

impl Zustand {
    /// Whether nothing can happen any more (a Bescheid, withdrawn or closed).
    pub fn abgeschlossen(self) -> bool {
        matches!(
            self,
            Zustand::Bewilligt
                | Zustand::TeilweiseBewilligt
                | Zustand::Abgelehnt
                | Zustand::Zurueckgezogen
                | Zustand::Erledigt
        )
    }

    /// Whether a Bescheid was issued.
    pub fn beschieden(self) -> bool {
        matches!(
            self,
            Zustand::Bewilligt | Zustand::TeilweiseBewilligt | Zustand::Abgelehnt
        )
    }

    /// Whether the authority sees it (everything but a draft).
    pub fn eingegangen(self) -> bool {
        self != Zustand::Entwurf
    }
}

impl Ereignis {
    /// Who may do it.
    pub fn durch(self) -> Beteiligter {
        match self {
            Ereignis::Einreichen | Ereignis::Nachreichen | Ereignis::Zurueckziehen => {
                Beteiligter::Antragsteller
            }
            _ => Beteiligter::Sachbearbeitung,
        }
    }

    /// Whether it needs a reason the citizen can read.
    pub fn braucht_begruendung(self) -> bool {
        matches!(
            self,
            Ereignis::Nachfordern
                | Ereignis::TeilweiseBewilligen
                | Ereignis::Ablehnen
                | Ereignis::Erledigen
        )
    }
}

/// The state an event leads to from `von`, if it is allowed there at all (the table of the
/// lifecycle; who may do it is [`Ereignis::durch`]).
pub fn ziel(von: Zustand, e: Ereignis) -> Option<Zustand> {
    use Ereignis as E;
    use Zustand as Z;
    let offen = matches!(
        von,
        Z::Eingereicht | Z::InBearbeitung | Z::Nachforderung | Z::Nachgereicht
    );
    // A Bescheid needs the case to have been worked on (not straight from the inbox).
    let bescheidbar = matches!(von, Z::InBearbeitung | Z::Nachforderung | Z::Nachgereicht);
    match e {
        E::Einreichen => (von == Z::Entwurf).then_some(Z::Eingereicht),
        E::Bearbeiten => {
            matches!(von, Z::Eingereicht | Z::Nachgereicht).then_some(Z::InBearbeitung)
        }
        E::Nachfordern => {
            matches!(von, Z::InBearbeitung | Z::Nachgereicht).then_some(Z::Nachforderung)
        }
        E::Nachreichen => (von == Z::Nachforderung).then_some(Z::Nachgereicht),
        E::Bewilligen => bescheidbar.then_some(Z::Bewilligt),
        E::TeilweiseBewilligen => bescheidbar.then_some(Z::TeilweiseBewilligt),
        E::Ablehnen => bescheidbar.then_some(Z::Abgelehnt),
        E::Zurueckziehen => (von == Z::Entwurf || offen).then_some(Z::Zurueckgezogen),
        E::Erledigen => offen.then_some(Z::Erledigt),
    }
}

/// Why a step was refused, in German for the person who tried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verweigert(pub String);

impl std::fmt::Display for Verweigert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One step of the lifecycle: the new state, or why `wer` may not do `e` now.
pub fn schritt(
    von: Zustand,
    e: Ereignis,
    wer: Beteiligter,
    begruendung: &str,
) -> Result<Zustand, Verweigert> {
    if wer != e.durch() {
        return Err(Verweigert(format!(
            "„{}“ ist Sache der {}, nicht der {}.",
            e.label(),
            e.durch().label(),
            wer.label()
        )));
    }
    let Some(nach) = ziel(von, e) else {
        return Err(Verweigert(if von.abgeschlossen() {
            format!(
                "Der Antrag ist abgeschlossen ({}); „{}“ ist nicht mehr möglich.",
                von.label(),
                e.label()
            )
        } else {
            format!(
                "„{}“ ist im Zustand „{}“ nicht möglich.",
                e.label(),
                von.label()
            )
        }));
    };
    if e.braucht_begruendung() && begruendung.trim().is_empty() {
        return Err(Verweigert(format!(
            "Für „{}“ ist eine Begründung nötig; die Antragstellenden lesen sie.",
            e.label()
        )));
    }
    Ok(nach)
}

/// The events `wer` may take now (for the buttons a page offers).
pub fn moeglich(von: Zustand, wer: Beteiligter) -> Vec<Ereignis> {
    Ereignis::ALL
        .into_iter()
        .filter(|e| e.durch() == wer && ziel(von, *e).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn begruendet(e: Ereignis) -> &'static str {
        if e.braucht_begruendung() { "weil" } else { "" }
    }

    #[test]
    fn der_uebliche_weg() {
        use Beteiligter::{Antragsteller as A, Sachbearbeitung as S};
        let mut z = Zustand::Entwurf;
        for (e, wer, nach) in [
            (Ereignis::Einreichen, A, Zustand::Eingereicht),
            (Ereignis::Bearbeiten, S, Zustand::InBearbeitung),
            (Ereignis::Nachfordern, S, Zustand::Nachforderung),
            (Ereignis::Nachreichen, A, Zustand::Nachgereicht),
            (Ereignis::Nachfordern, S, Zustand::Nachforderung),
            (Ereignis::Nachreichen, A, Zustand::Nachgereicht),
            (Ereignis::Bearbeiten, S, Zustand::InBearbeitung),
            (
                Ereignis::TeilweiseBewilligen,
                S,
                Zustand::TeilweiseBewilligt,
            ),
        ] {
            z = schritt(z, e, wer, begruendet(e)).unwrap();
            assert_eq!(z, nach, "{e:?}");
        }
        assert!(z.beschieden() && z.abgeschlossen());
        assert!(moeglich(z, A).is_empty() && moeglich(z, S).is_empty());
    }

    #[test]
    fn verweigerungen_sagen_warum() {
        let e = schritt(
            Zustand::Eingereicht,
            Ereignis::Bewilligen,
            Beteiligter::Sachbearbeitung,
            "",
        )
        .unwrap_err();
        assert!(
            e.0.contains("„Bewilligen“ ist im Zustand „Eingereicht“ nicht möglich"),
            "{e}"
        );
        let e = schritt(
            Zustand::Eingereicht,
            Ereignis::Bearbeiten,
            Beteiligter::Antragsteller,
            "",
        )
        .unwrap_err();
        assert!(e.0.contains("Sache der Sachbearbeitung"), "{e}");
        let e = schritt(
            Zustand::InBearbeitung,
            Ereignis::Ablehnen,
            Beteiligter::Sachbearbeitung,
            "  ",
        )
        .unwrap_err();
        assert!(e.0.contains("Begründung"), "{e}");
        let e = schritt(
            Zustand::Abgelehnt,
            Ereignis::Zurueckziehen,
            Beteiligter::Antragsteller,
            "",
        )
        .unwrap_err();
        assert!(e.0.contains("abgeschlossen (Abgelehnt)"), "{e}");
    }

    /// Every state is reachable from a draft, and from every state that is not closed a
    /// closed one is reachable (no Antrag can get stuck).
    #[test]
    fn alles_erreichbar_und_nichts_bleibt_haengen() {
        let mut erreicht = BTreeSet::from([Zustand::Entwurf]);
        let mut neu = vec![Zustand::Entwurf];
        while let Some(z) = neu.pop() {
            for e in Ereignis::ALL {
                if let Some(n) = ziel(z, e)
                    && erreicht.insert(n)
                {
                    neu.push(n);
                }
            }
        }
        assert_eq!(erreicht.len(), Zustand::ALL.len());
        for z in Zustand::ALL {
            let endet = Ereignis::ALL
                .into_iter()
                .filter_map(|e| ziel(z, e))
                .any(|n| n.abgeschlossen() || ziel(n, Ereignis::Erledigen).is_some());
            assert!(z.abgeschlossen() || endet, "{z:?} kann nicht enden");
            assert_eq!(
                z.abgeschlossen(),
                Ereignis::ALL.into_iter().all(|e| ziel(z, e).is_none()),
                "{z:?}"
            );
        }
    }

    #[test]
    fn schluessel_hin_und_zurueck() {
        for z in Zustand::ALL {
            assert_eq!(Zustand::parse(z.key()).unwrap(), z);
        }
        for e in Ereignis::ALL {
            assert_eq!(Ereignis::parse(e.key()).unwrap(), e);
        }
        assert!(Zustand::parse("verloren").is_err());
    }

    fn ereignis() -> impl Strategy<Value = Ereignis> {
        prop::sample::select(Ereignis::ALL.to_vec())
    }
    fn beteiligter() -> impl Strategy<Value = Beteiligter> {
        prop::sample::select(Beteiligter::ALL.to_vec())
    }

    proptest! {
        /// Any sequence of attempts, by anyone, with or without a reason: the state only ever
        /// moves along the table, by the right person, with a reason where one is needed; a
        /// Bescheid only after the case was taken up; nothing after the end.
        #[test]
        fn beliebige_folgen(schritte in prop::collection::vec((ereignis(), beteiligter(), any::<bool>()), 0..40)) {
            let mut z = Zustand::Entwurf;
            let mut bearbeitet = false;
            for (e, wer, mit_grund) in schritte {
                let grund = if mit_grund { "Grund" } else { "" };
                match schritt(z, e, wer, grund) {
                    Ok(n) => {
                        prop_assert_eq!(Some(n), ziel(z, e));
                        prop_assert_eq!(wer, e.durch());
                        prop_assert!(mit_grund || !e.braucht_begruendung());
                        prop_assert!(!z.abgeschlossen());
                        if n.beschieden() {
                            prop_assert!(bearbeitet, "Bescheid ohne Bearbeitung");
                        }
                        bearbeitet |= n == Zustand::InBearbeitung;
                        z = n;
                    }
                    Err(v) => {
                        prop_assert!(!v.0.is_empty());
                        prop_assert!(
                            ziel(z, e).is_none()
                                || wer != e.durch()
                                || (e.braucht_begruendung() && !mit_grund)
                        );
                    }
                }
            }
        }

        /// What a page offers is exactly what would be accepted.
        #[test]
        fn angebot_passt_zur_pruefung(z in prop::sample::select(Zustand::ALL.to_vec()), wer in beteiligter()) {
            for e in Ereignis::ALL {
                let angeboten = moeglich(z, wer).contains(&e);
                let geht = schritt(z, e, wer, "Grund").is_ok();
                prop_assert_eq!(angeboten, geht, "{:?} {:?} {:?}", z, e, wer);
            }
        }
    }
}
