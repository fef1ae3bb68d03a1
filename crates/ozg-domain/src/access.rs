//! Who may do what in the members' area, and the rules for passwords, login throttling and
//! session lifetime. Pure: the application asks these functions and enforces their answers.

crate::schluessel! {
    /// The roles of the members' area. The public has no account and no role.
    pub enum Rolle: "keine Rolle" {
        /// OZG-Koordinierungsstelle: administers everything, manages accounts.
        Koordinierungsstelle = "koordinierungsstelle" / "Koordinierungsstelle",
        /// Themenfeld-Koordinator: edits the projects, Steckbriefe and workshops of their
        /// Themenfelder.
        ThemenfeldKoordinator = "themenfeld-koordinator" / "Themenfeld-Koordinator/in",
        /// A person of a Kommune, IT-Dienstleister or ministry.
        Mitglied = "mitglied" / "Mitglied",
        /// Member of the IT-Lenkungsausschuss: votes and records decisions.
        Lenkungsausschuss = "lenkungsausschuss" / "IT-Lenkungsausschuss",
    }
}

/// A logged-in person as far as permissions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nutzer {
    /// Role.
    pub rolle: Rolle,
    /// Themenfelder (ids) a coordinator is assigned to.
    pub themenfelder: Vec<i64>,
}

/// What someone wants to do. Every state-changing route of the application maps to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aktion {
    /// Create, deactivate and invite accounts.
    KontenVerwalten,
    /// Freeze the plan as a Stand.
    StandAnlegen,
    /// Change one's own password.
    EigenesPasswortAendern,
    /// Download the members' variant of the plan (internal fields).
    InterneFassungLesen,
    /// Edit a project (of a Themenfeld).
    ProjektBearbeiten,
    /// Register one's own organisation's Mitarbeit/Interesse.
    BeteiligungMelden,
    /// Vote in an Umlaufverfahren (committee members only: the vote counts heads).
    Abstimmen,
    /// Edit an organisation's programme data (Koordinierungsstelle).
    OrganisationBearbeiten,
    /// Comment on a project (members' area; comments are internal).
    Kommentieren,
    /// Edit a workshop (of a Themenfeld) and upload its photo protocol.
    WorkshopBearbeiten,
    /// Submit a project's Steckbrief to the IT-Lenkungsausschuss for decision.
    VorlageEinreichen,
    /// Manage committee meetings and agendas, record decisions, start an Umlaufverfahren.
    BeschlussErfassen,
    /// Record the negotiation status of a priority divergence.
    PrioritaetAbstimmen,
}

/// Whether `nutzer` (None: the public) may do `aktion`, for a record of `themenfeld` where the
/// action concerns one.
pub fn darf(nutzer: Option<&Nutzer>, aktion: Aktion, themenfeld: Option<i64>) -> bool {
    let Some(n) = nutzer else {
        return false;
    };
    use Aktion::*;
    use Rolle::*;
    match (n.rolle, aktion) {
        // The committee's vote belongs to its members alone, not to the administration.
        (_, Abstimmen) => n.rolle == Lenkungsausschuss,
        (Koordinierungsstelle, _) => true,
        (_, EigenesPasswortAendern | InterneFassungLesen | Kommentieren) => true,
        (ThemenfeldKoordinator, ProjektBearbeiten | VorlageEinreichen | WorkshopBearbeiten) => {
            themenfeld.is_some_and(|t| n.themenfelder.contains(&t))
        }
        (Mitglied, BeteiligungMelden) => true,
        (Lenkungsausschuss, BeschlussErfassen) => true,
        _ => false,
    }
}

/// Whether `nutzer` may do `aktion` on a record that belongs to several Themenfelder (a project
/// or workshop): allowed everywhere, or for at least one of them.
pub fn darf_fuer(nutzer: Option<&Nutzer>, aktion: Aktion, themenfelder: &[i64]) -> bool {
    darf(nutzer, aktion, None) || themenfelder.iter().any(|t| darf(nutzer, aktion, Some(*t)))
}

/// Whether `nutzer` may do `aktion` at all: anywhere, or for a record of one of its own
/// Themenfelder. The route-level check of every form; the handler then decides for the record.
pub fn darf_irgendwo(nutzer: Option<&Nutzer>, aktion: Aktion) -> bool {
    nutzer.is_some_and(|n| darf_fuer(Some(n), aktion, &n.themenfelder))
}

/// Minimum password length.
pub const PASSWORT_MIN: usize = 12;

/// Words that make a password guessable here, whoever sets it (NIST SP 800-63B: context
/// words such as the service's name).
const KONTEXTWOERTER: [&str; 7] = [
    "ozg",
    "plattform",
    "kdn",
    "nrw",
    "portal",
    "kommune",
    "umsetzungsplan",
];

/// Words German passwords are often built from, which zxcvbn's (English) dictionaries lack:
/// names of months and days, seasons, football clubs, cities, pet names, and the usual ones.
const DEUTSCH_HAEUFIG: [&str; 64] = [
    "passwort",
    "kennwort",
    "hallo",
    "schatz",
    "schatzi",
    "liebe",
    "ichliebedich",
    "liebling",
    "engel",
    "sonne",
    "mond",
    "stern",
    "sternchen",
    "blume",
    "katze",
    "hund",
    "hase",
    "maus",
    "baerchen",
    "schnecke",
    "prinzessin",
    "geheim",
    "zugang",
    "willkommen",
    "anmelden",
    "benutzer",
    "sommer",
    "winter",
    "fruehling",
    "herbst",
    "januar",
    "februar",
    "maerz",
    "april",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonntag",
    "fussball",
    "schalke",
    "bayern",
    "borussia",
    "dortmund",
    "werder",
    "deutschland",
    "berlin",
    "hamburg",
    "koeln",
    "muenchen",
    "duesseldorf",
    "qwertz",
    "asdfgh",
    "yxcvbn",
    "test",
];

/// Checks a new password as NIST SP 800-63B asks: at least [`PASSWORT_MIN`] characters, no
/// composition rules, but not guessable — an estimate of the guesses an attacker needs
/// (zxcvbn: common passwords, dictionary words, names, keyboard patterns, dates, repeats, the
/// person's own name and login, the service's words) must reach "very unguessable" (score
/// 4 of 4: more than 10^10 guesses). `person`: name, login name, e-mail address. The error says in German why.
pub fn passwort_pruefen(passwort: &str, person: &[&str]) -> Result<(), String> {
    let n = passwort.chars().count();
    if n < PASSWORT_MIN {
        return Err(format!(
            "Das Passwort muss mindestens {PASSWORT_MIN} Zeichen lang sein (es hat {n})."
        ));
    }
    if n > 200 {
        return Err("Das Passwort darf höchstens 200 Zeichen lang sein.".into());
    }
    let klein = passwort.to_lowercase();
    // The login name or the e-mail address whole (or its local part) is refused outright;
    // parts of the name count as dictionary words in the estimate below.
    if person
        .iter()
        .flat_map(|p| [*p, p.split('@').next().unwrap_or("")])
        .filter(|t| t.chars().count() >= 3)
        .any(|t| klein.contains(&t.to_lowercase()))
    {
        return Err("Das Passwort darf Ihren Namen, Benutzernamen oder Ihre E-Mail-Adresse nicht enthalten.".into());
    }
    let mut eingaben: Vec<&str> = person
        .iter()
        .flat_map(|p| p.split(['@', ' ', '.', '-', '_']))
        .filter(|t| !t.is_empty())
        .collect();
    eingaben.extend(KONTEXTWOERTER);
    eingaben.extend(DEUTSCH_HAEUFIG);
    let schaetzung = zxcvbn::zxcvbn(passwort, &eingaben);
    if (schaetzung.score() as u8) < 4 {
        return Err("Das Passwort ist zu leicht zu erraten (etwa ein häufig verwendetes Passwort, ein Wort mit angehängten Zahlen, eine Tastaturfolge oder ein Datum). Wählen Sie besser mehrere zufällige Wörter, z. B. „Fahrrad Wolke Tinte Lampe“.".into());
    }
    Ok(())
}

/// Failed logins allowed per account within [`SPERRFENSTER_MIN`] minutes.
pub const FEHLVERSUCHE_KONTO: i64 = 5;
/// Failed logins allowed per client address within the window.
pub const FEHLVERSUCHE_ADRESSE: i64 = 20;
/// The throttling window in minutes.
pub const SPERRFENSTER_MIN: i64 = 15;

/// Whether a login attempt is refused, given the recent failures for the account name and for
/// the address; the message says why and how long to wait.
pub fn drosselung(fehler_konto: i64, fehler_adresse: i64) -> Option<String> {
    if fehler_konto >= FEHLVERSUCHE_KONTO {
        Some(format!(
            "Zu viele fehlgeschlagene Anmeldungen für dieses Konto. Bitte warten Sie {SPERRFENSTER_MIN} Minuten und versuchen Sie es dann erneut."
        ))
    } else if fehler_adresse >= FEHLVERSUCHE_ADRESSE {
        Some(format!(
            "Zu viele fehlgeschlagene Anmeldungen von Ihrem Anschluss. Bitte warten Sie {SPERRFENSTER_MIN} Minuten."
        ))
    } else {
        None
    }
}

/// Where to go after the login: `w` only if it is a path on this site (`/projekte?x=1`), never
/// another site. Refused: anything not starting with one `/`, a second `/` or `\` after it
/// (`//evil.example`, `/\evil.example`), backslashes, whitespace and control characters
/// anywhere (browsers drop tabs and newlines, so `/\t/evil.example` would become
/// `//evil.example`), and overlong values.
pub fn ruecksprung(w: &str) -> Option<&str> {
    let mut z = w.chars();
    let ok = w.len() <= 2000
        && z.next() == Some('/')
        && !matches!(z.next(), Some('/' | '\\'))
        && !w
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    ok.then_some(w)
}

/// A session ends after this many minutes without a request.
pub const SITZUNG_LEERLAUF_MIN: i64 = 30;
/// A session ends this many minutes after login, whatever happens.
pub const SITZUNG_HOECHSTENS_MIN: i64 = 12 * 60;

/// Whether a session is still valid: `erstellt`, `zuletzt` and `jetzt` in seconds since epoch.
pub fn sitzung_gueltig(erstellt: i64, zuletzt: i64, jetzt: i64) -> bool {
    jetzt - zuletzt <= SITZUNG_LEERLAUF_MIN * 60 && jetzt - erstellt <= SITZUNG_HOECHSTENS_MIN * 60
}

#[cfg(test)]
mod tests {
    #[test]
    fn ruecksprung_nur_auf_diese_seite() {
        for ok in [
            "/konto",
            "/projekte?themenfeld=familie-kind&seite=2",
            "/",
            "/a/b#c",
        ] {
            assert_eq!(ruecksprung(ok), Some(ok));
        }
        for boese in [
            "",
            "konto",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "https://evil.example",
            "/x\\y",
            "\\\\evil.example",
            "/\u{a0}/evil.example",
        ] {
            assert_eq!(ruecksprung(boese), None, "{boese:?}");
        }
        assert_eq!(ruecksprung(&format!("/{}", "a".repeat(2000))), None);
    }

    proptest::proptest! {
        /// Whatever is accepted stays on the site when a browser resolves it (the WHATWG URL
        /// parser, as browsers use it, after they drop tabs and newlines).
        #[test]
        fn ruecksprung_bleibt_auf_der_seite(w in "[/\\\\\t\n\r a-z.:%?#@]{0,12}") {
            if let Some(w) = ruecksprung(&w) {
                let basis = url::Url::parse("https://portal.example/anmelden").unwrap();
                let ziel = basis.join(w).unwrap();
                proptest::prop_assert_eq!(ziel.host_str(), Some("portal.example"));
                proptest::prop_assert_eq!(ziel.scheme(), "https");
            }
        }
    }

    use super::*;

    fn n(rolle: Rolle, tf: &[i64]) -> Nutzer {
        Nutzer {
            rolle,
            themenfelder: tf.to_vec(),
        }
    }

    #[test]
    fn public_may_do_nothing() {
        for a in [
            Aktion::KontenVerwalten,
            Aktion::StandAnlegen,
            Aktion::EigenesPasswortAendern,
            Aktion::InterneFassungLesen,
            Aktion::ProjektBearbeiten,
            Aktion::PrioritaetAbstimmen,
        ] {
            assert!(!darf(None, a, Some(1)));
        }
    }

    #[test]
    fn coordinators_edit_their_themenfelder_only() {
        let k = n(Rolle::ThemenfeldKoordinator, &[3]);
        assert!(darf(Some(&k), Aktion::ProjektBearbeiten, Some(3)));
        assert!(!darf(Some(&k), Aktion::ProjektBearbeiten, Some(4)));
        assert!(!darf(Some(&k), Aktion::ProjektBearbeiten, None));
        assert!(!darf(Some(&k), Aktion::KontenVerwalten, None));
        let ks = n(Rolle::Koordinierungsstelle, &[]);
        assert!(darf(Some(&ks), Aktion::ProjektBearbeiten, Some(4)));
        assert!(darf(Some(&ks), Aktion::KontenVerwalten, None));
        let m = n(Rolle::Mitglied, &[]);
        assert!(darf(Some(&m), Aktion::BeteiligungMelden, None));
        assert!(!darf(Some(&m), Aktion::StandAnlegen, None));
        assert!(!darf(Some(&m), Aktion::Abstimmen, None));
        assert!(!darf(Some(&k), Aktion::PrioritaetAbstimmen, Some(3)));
        assert!(darf(Some(&ks), Aktion::PrioritaetAbstimmen, None));
        let la = n(Rolle::Lenkungsausschuss, &[]);
        assert!(darf(Some(&la), Aktion::Abstimmen, None));
        assert!(darf(Some(&la), Aktion::BeschlussErfassen, None));
        assert!(!darf(Some(&la), Aktion::VorlageEinreichen, Some(3)));
        // Only committee members vote; the Koordinierungsstelle records, it does not vote.
        assert!(!darf(Some(&ks), Aktion::Abstimmen, None));
        assert!(darf(Some(&ks), Aktion::BeschlussErfassen, None));
        assert!(darf(Some(&k), Aktion::VorlageEinreichen, Some(3)));
        assert!(!darf(Some(&k), Aktion::VorlageEinreichen, Some(4)));
        assert!(!darf(Some(&k), Aktion::BeschlussErfassen, None));
        assert!(darf(Some(&k), Aktion::WorkshopBearbeiten, Some(3)));
        assert!(!darf(Some(&k), Aktion::WorkshopBearbeiten, Some(4)));
        assert!(!darf(Some(&m), Aktion::WorkshopBearbeiten, Some(3)));
        // A record of several Themenfelder: one of them is enough.
        assert!(darf_fuer(Some(&k), Aktion::ProjektBearbeiten, &[4, 3]));
        assert!(!darf_fuer(Some(&k), Aktion::ProjektBearbeiten, &[4, 5]));
        assert!(!darf_fuer(Some(&k), Aktion::ProjektBearbeiten, &[]));
        assert!(darf_fuer(Some(&ks), Aktion::ProjektBearbeiten, &[]));
        assert!(darf(Some(&m), Aktion::Kommentieren, None));
        assert!(!darf(None, Aktion::Kommentieren, None));
    }

    #[test]
    fn password_rules_name_what_is_missing() {
        let kim = ["Kim Müller", "kmueller", "kim.mueller@kreis-guetersloh.de"];
        assert!(
            passwort_pruefen("kurz", &kim)
                .unwrap_err()
                .contains("12 Zeichen")
        );
        // No composition rules: a long phrase of lowercase words is fine …
        assert!(passwort_pruefen("fahrrad wolke tinte lampe", &kim).is_ok());
        assert!(passwort_pruefen("Rathaus-Kita-2026!", &kim).is_ok());
        // … common passwords, patterns and one's own name are not.
        for schwach in [
            "Passwort12345",
            "password1234",
            "qwertzuiop123",
            "123456789012",
            "Sommer2026!!",
            "aaaaaaaaaaaaaa",
            "Ozg-Plattform1",
        ] {
            assert!(
                passwort_pruefen(schwach, &kim)
                    .unwrap_err()
                    .contains("zu leicht"),
                "{schwach}"
            );
        }
        assert!(
            passwort_pruefen("Kmueller-Rathaus-2026", &kim)
                .unwrap_err()
                .contains("Namen, Benutzernamen")
        );
        assert!(
            passwort_pruefen("Kim.Mueller-Fahrrad-7", &kim)
                .unwrap_err()
                .contains("Namen")
        );
        assert_eq!(Rolle::parse("mitglied"), Ok(Rolle::Mitglied));
        assert!(
            Rolle::parse("chef")
                .unwrap_err()
                .contains("koordinierungsstelle")
        );
    }

    #[test]
    fn throttling_and_session_expiry() {
        assert!(drosselung(4, 19).is_none());
        assert!(drosselung(5, 0).unwrap().contains("dieses Konto"));
        assert!(drosselung(0, 20).unwrap().contains("Anschluss"));
        assert!(sitzung_gueltig(0, 0, 30 * 60));
        assert!(!sitzung_gueltig(0, 0, 30 * 60 + 1));
        assert!(!sitzung_gueltig(0, 12 * 3600 - 10, 12 * 3600 + 1));
    }
}
