//! Trust levels (Vertrauensniveaus) of a BundID login and their STORK-QAA names.

use std::fmt;

/// The trust level of a login: Basisregistrierung < substanziell (ELSTER) < hoch (eID).
///
/// BundID names the levels in `RequestedAuthnContext`, `AuthnContextClassRef` and the
/// attribute `EID-CITIZEN-QAA-LEVEL` with the STORK QAA scale (STORK "Quality Authentication
/// Assurance" levels 1–4). The mapping, from the domain notes (services-domain-rules.md 5.1:
/// "Benutzername & Passwort" = Basisregistrierung, ELSTER-Zertifikat = substanziell,
/// Online-Ausweis/EU-eID = hoch; BundID_Schnittstellenbeschreibung 10.1.0.0, 10.2):
///
/// | Niveau | sent as | accepted in a response |
/// |---|---|---|
/// | `Basisregistrierung` | `STORK-QAA-Level-1` | `STORK-QAA-Level-1`, `STORK-QAA-Level-2` |
/// | `Substanziell` | `STORK-QAA-Level-3` | `STORK-QAA-Level-3` |
/// | `Hoch` | `STORK-QAA-Level-4` | `STORK-QAA-Level-4` |
///
/// No BundID login method has level 2 ("normal"), so a level 2 counts as Basisregistrierung:
/// it must not satisfy a service that requires substanziell. A response may also name the
/// eIDAS levels (`http://eidas.europa.eu/LoA/low|substantial|high`, Implementing Regulation
/// (EU) 2015/1502); they map to the same three levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Niveau {
    /// Username and password (STORK-QAA-Level-1).
    Basisregistrierung,
    /// ELSTER certificate (STORK-QAA-Level-3).
    Substanziell,
    /// Online-Ausweis (eID) or a notified EU eID (STORK-QAA-Level-4).
    Hoch,
}

impl Niveau {
    /// All levels, lowest first.
    pub const ALLE: [Niveau; 3] = [
        Niveau::Basisregistrierung,
        Niveau::Substanziell,
        Niveau::Hoch,
    ];

    /// The STORK-QAA name sent in `RequestedAuthnContext`.
    pub fn stork_stufe(self) -> &'static str {
        match self {
            Niveau::Basisregistrierung => "STORK-QAA-Level-1",
            Niveau::Substanziell => "STORK-QAA-Level-3",
            Niveau::Hoch => "STORK-QAA-Level-4",
        }
    }

    /// Reads a level from `AuthnContextClassRef` or `EID-CITIZEN-QAA-LEVEL` (see the table
    /// above); `None` for anything else (including `STORK-QAA-Level-0`).
    pub fn aus_stork(wert: &str) -> Option<Niveau> {
        match wert.trim() {
            "STORK-QAA-Level-1" | "STORK-QAA-Level-2" | "http://eidas.europa.eu/LoA/low" => {
                Some(Niveau::Basisregistrierung)
            }
            "STORK-QAA-Level-3" | "http://eidas.europa.eu/LoA/substantial" => {
                Some(Niveau::Substanziell)
            }
            "STORK-QAA-Level-4" | "http://eidas.europa.eu/LoA/high" => Some(Niveau::Hoch),
            _ => None,
        }
    }

    /// The German name as the citizen reads it ("Basisregistrierung", "substanziell", "hoch").
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Niveau::Basisregistrierung => "Basisregistrierung",
            Niveau::Substanziell => "substanziell",
            Niveau::Hoch => "hoch",
        }
    }

    /// How a citizen reaches this level, completing "Bitte melden Sie sich … an."
    pub(crate) fn wie_erreichen(self) -> &'static str {
        match self {
            Niveau::Basisregistrierung => "mit Ihrem BundID-Konto",
            Niveau::Substanziell => "mit einem ELSTER-Zertifikat oder dem Online-Ausweis",
            Niveau::Hoch => "mit dem Online-Ausweis oder einer EU-eID",
        }
    }
}

impl fmt::Display for Niveau {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bezeichnung())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered() {
        assert!(Niveau::Basisregistrierung < Niveau::Substanziell);
        assert!(Niveau::Substanziell < Niveau::Hoch);
        let mut sortiert = vec![
            Niveau::Hoch,
            Niveau::Basisregistrierung,
            Niveau::Substanziell,
        ];
        sortiert.sort();
        assert_eq!(sortiert, Niveau::ALLE);
    }

    #[test]
    fn stork_names_round_trip() {
        for niveau in Niveau::ALLE {
            assert_eq!(Niveau::aus_stork(niveau.stork_stufe()), Some(niveau));
        }
        assert_eq!(
            Niveau::Basisregistrierung.stork_stufe(),
            "STORK-QAA-Level-1"
        );
        assert_eq!(Niveau::Substanziell.stork_stufe(), "STORK-QAA-Level-3");
        assert_eq!(Niveau::Hoch.stork_stufe(), "STORK-QAA-Level-4");
    }

    #[test]
    fn level_two_is_basisregistrierung_and_unknown_values_are_none() {
        assert_eq!(
            Niveau::aus_stork("STORK-QAA-Level-2"),
            Some(Niveau::Basisregistrierung)
        );
        assert_eq!(
            Niveau::aus_stork(" STORK-QAA-Level-4\n"),
            Some(Niveau::Hoch)
        );
        assert_eq!(
            Niveau::aus_stork("http://eidas.europa.eu/LoA/substantial"),
            Some(Niveau::Substanziell)
        );
        for falsch in [
            "",
            "STORK-QAA-Level-0",
            "STORK-QAA-Level-5",
            "stork-qaa-level-4",
            "hoch",
        ] {
            assert_eq!(Niveau::aus_stork(falsch), None, "{falsch}");
        }
    }

    #[test]
    fn display_is_the_german_name() {
        assert_eq!(Niveau::Hoch.to_string(), "hoch");
        assert_eq!(Niveau::Basisregistrierung.to_string(), "Basisregistrierung");
    }
}
