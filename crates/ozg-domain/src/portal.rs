//! Citizens and authorities of the portal: trust levels of a login, the roles of an
//! authority's staff and what each may do, and the format of an Antragsnummer.
//!
//! Citizen and staff identities are separate from the members' accounts of the programme
//! database ([`crate::access`]): different people, different rules.

use crate::schluessel;

schluessel! {
    /// How sure the portal is who a citizen is (BundID's levels, Domänennotizen §5.1):
    /// Basisregistrierung (user name and password) < substanziell (ELSTER) < hoch (eID).
    pub enum Vertrauensniveau: "kein Vertrauensniveau" {
        /// User name and password (BundID Basisregistrierung, or a local account).
        Basis = "basis" / "Basisregistrierung (Benutzername und Passwort)",
        /// ELSTER certificate.
        Substanziell = "substanziell" / "substanziell (ELSTER-Zertifikat)",
        /// Online-Ausweis (eID) or EU-eID.
        Hoch = "hoch" / "hoch (Online-Ausweis)",
    }
}

impl Vertrauensniveau {
    /// As stored (1, 2, 3).
    pub fn zahl(self) -> i64 {
        match self {
            Vertrauensniveau::Basis => 1,
            Vertrauensniveau::Substanziell => 2,
            Vertrauensniveau::Hoch => 3,
        }
    }

    /// From the stored number (anything unknown counts as the lowest level).
    pub fn aus_zahl(n: i64) -> Vertrauensniveau {
        match n {
            3 => Vertrauensniveau::Hoch,
            2 => Vertrauensniveau::Substanziell,
            _ => Vertrauensniveau::Basis,
        }
    }

    /// Whether a login at this level suffices for a service that needs `noetig`.
    pub fn reicht_fuer(self, noetig: Vertrauensniveau) -> bool {
        self >= noetig
    }
}

/// Whether a citizen must (again) log in for a service that needs `noetig` (None: no account
/// needed), having logged in at `hat` (None: not logged in): the level to ask for (a step-up
/// when logged in lower), or `None` when the session suffices.
pub fn anmeldung_noetig(
    noetig: Option<Vertrauensniveau>,
    hat: Option<Vertrauensniveau>,
) -> Option<Vertrauensniveau> {
    let n = noetig?;
    match hat {
        Some(h) if h.reicht_fuer(n) => None,
        _ => Some(n),
    }
}

schluessel! {
    /// The role of a person on an authority's staff.
    pub enum BehoerdenRolle: "keine Rolle in einer Behörde" {
        /// Works the cases.
        Sachbearbeitung = "sachbearbeitung" / "Sachbearbeitung",
        /// Works the cases and distributes them.
        Leitung = "leitung" / "Leitung",
        /// Manages the staff and the authority's settings (no case work).
        Administration = "administration" / "Administration",
    }
}

/// What the staff of an authority do. Every staff route maps to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BehoerdenAktion {
    /// Read the inbox and the authority's cases, take one up, write notes and messages, ask
    /// for documents, decide.
    FallBearbeiten,
    /// Assign a case to someone else on the staff.
    Zuweisen,
    /// Add and deactivate staff, change the authority's settings.
    PersonalVerwalten,
}

impl BehoerdenAktion {
    /// All actions.
    pub const ALL: [BehoerdenAktion; 3] = [
        BehoerdenAktion::FallBearbeiten,
        BehoerdenAktion::Zuweisen,
        BehoerdenAktion::PersonalVerwalten,
    ];
}

/// Whether `rolle` may do `aktion` (always within its own authority: tenancy is the
/// queries' job, see the Anträge capability).
pub fn behoerde_darf(rolle: BehoerdenRolle, aktion: BehoerdenAktion) -> bool {
    use BehoerdenAktion as A;
    use BehoerdenRolle as R;
    matches!(
        (rolle, aktion),
        (R::Sachbearbeitung | R::Leitung, A::FallBearbeiten)
            | (R::Leitung, A::Zuweisen)
            | (R::Administration, A::PersonalVerwalten)
    )
}

/// Checks the format of an authority's Antragsnummern: text with the placeholders `{DIENST}`
/// (the service's prefix, e.g. `KITA`), `{JAHR}` and `{NR}` (the running number of the year,
/// six digits) — all three required, because the authority counts one series per service and
/// year, and a format without one of them would give two Anträge the same number; at most 40
/// characters; letters, digits and `-/._` only, so the number reads aloud and fits every file
/// name.
pub fn nummernformat_pruefen(format: &str) -> Result<(), String> {
    let f = format.trim();
    for (p, was) in [
        ("{DIENST}", "Kürzel des Dienstes"),
        ("{JAHR}", "Jahr"),
        ("{NR}", "laufende Nummer"),
    ] {
        if !f.contains(p) {
            return Err(format!(
                "Das Format braucht den Platzhalter {p} ({was}), z. B. {{DIENST}}-{{JAHR}}-{{NR}}."
            ));
        }
    }
    if f.chars().count() > 40 {
        return Err("Das Format darf höchstens 40 Zeichen lang sein.".into());
    }
    let rest = f
        .replace("{DIENST}", "")
        .replace("{JAHR}", "")
        .replace("{NR}", "");
    if let Some(c) = rest
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-/._".contains(*c)))
    {
        return Err(format!(
            "Das Zeichen „{c}“ ist im Format nicht erlaubt (nur Buchstaben, Ziffern, - / . _ und die Platzhalter {{DIENST}}, {{JAHR}}, {{NR}})."
        ));
    }
    Ok(())
}

/// The Antragsnummer in `format` (see [`nummernformat_pruefen`]).
pub fn antragsnummer(format: &str, dienst: &str, jahr: i16, nr: i64) -> String {
    format
        .trim()
        .replace("{DIENST}", dienst)
        .replace("{JAHR}", &jahr.to_string())
        .replace("{NR}", &format!("{nr:06}"))
}

/// The standard format: `KITA-2026-000123`.
pub const NUMMERNFORMAT_STANDARD: &str = "{DIENST}-{JAHR}-{NR}";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn niveaus_sind_geordnet() {
        use Vertrauensniveau::*;
        assert!(Basis < Substanziell && Substanziell < Hoch);
        assert!(Hoch.reicht_fuer(Substanziell));
        assert!(!Basis.reicht_fuer(Substanziell));
        for n in Vertrauensniveau::ALL {
            assert_eq!(Vertrauensniveau::aus_zahl(n.zahl()), n);
        }
        assert_eq!(Vertrauensniveau::aus_zahl(0), Basis);
    }

    #[test]
    fn hochstufung() {
        use Vertrauensniveau::*;
        assert_eq!(anmeldung_noetig(None, None), None);
        assert_eq!(anmeldung_noetig(Some(Basis), None), Some(Basis));
        assert_eq!(anmeldung_noetig(Some(Hoch), Some(Substanziell)), Some(Hoch));
        assert_eq!(anmeldung_noetig(Some(Substanziell), Some(Hoch)), None);
        for n in Vertrauensniveau::ALL {
            for h in Vertrauensniveau::ALL {
                // Asked for exactly when lower, and then for the service's level.
                assert_eq!(anmeldung_noetig(Some(n), Some(h)).is_some(), h < n);
            }
        }
    }

    #[test]
    fn rollen() {
        use BehoerdenAktion as A;
        use BehoerdenRolle as R;
        assert!(behoerde_darf(R::Sachbearbeitung, A::FallBearbeiten));
        assert!(!behoerde_darf(R::Sachbearbeitung, A::Zuweisen));
        assert!(behoerde_darf(R::Leitung, A::Zuweisen));
        assert!(!behoerde_darf(R::Administration, A::FallBearbeiten));
        assert!(!behoerde_darf(R::Leitung, A::PersonalVerwalten));
    }

    #[test]
    fn nummern() {
        assert_eq!(
            antragsnummer(NUMMERNFORMAT_STANDARD, "KITA", 2026, 123),
            "KITA-2026-000123"
        );
        assert_eq!(
            antragsnummer("RH/{DIENST}/{JAHR}/{NR}", "REIT", 2026, 7),
            "RH/REIT/2026/000007"
        );
        assert!(nummernformat_pruefen(NUMMERNFORMAT_STANDARD).is_ok());
        assert!(nummernformat_pruefen("{DIENST}-{JAHR}").is_err());
        assert!(
            nummernformat_pruefen("RH/{NR}")
                .unwrap_err()
                .contains("{DIENST}")
        );
        assert!(
            nummernformat_pruefen("{DIENST}{JAHR}{NR} <b>")
                .unwrap_err()
                .contains("„ “")
        );
    }

    proptest! {
        #[test]
        fn jedes_gepruefte_format_gibt_eine_lesbare_nummer(f in "[A-Z{}NRJAHDIEST/._-]{0,30}", nr in 0i64..1_000_000) {
            if nummernformat_pruefen(&f).is_ok() {
                let n = antragsnummer(&f, "ANF", 2026, nr);
                prop_assert!(n.chars().all(|c| c.is_ascii_alphanumeric() || "-/._".contains(c)));
                let nr_text = format!("{nr:06}");
                prop_assert!(n.contains(&nr_text));
            }
        }
    }
}
