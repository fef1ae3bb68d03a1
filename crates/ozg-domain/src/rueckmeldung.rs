//! Feedback on accessibility (the feedback channel the Erklärung zur Barrierefreiheit must
//! offer, § 7 BITV 2.0 / BITV NRW): what a submission must contain, how often one address may
//! send one, and how long it is kept. Pure: the application asks and enforces.

/// Submissions one client address may send within [`FENSTER_MIN`] minutes.
pub const JE_ADRESSE: i64 = 5;
/// Submissions from all addresses together per window: a botnet or a whole IPv6 /48 cannot
/// fill the table and the operator's mailbox (each address alone stays under [`JE_ADRESSE`]).
pub const ALLE_ADRESSEN: i64 = 200;
/// The throttling window in minutes.
pub const FENSTER_MIN: i64 = 60;
/// Days a submission is kept; then it is deleted (data minimisation). The operator answers
/// within six weeks, so half a year leaves time for questions back and forth.
pub const AUFBEWAHREN_TAGE: i64 = 180;

/// Longest name.
pub const NAME_MAX: usize = 200;
/// Longest e-mail address (RFC 5321).
pub const EMAIL_MAX: usize = 254;
/// Longest page address.
pub const SEITE_MAX: usize = 500;
/// Longest description.
pub const BESCHREIBUNG_MAX: usize = 5000;

/// A submission as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Eingabe<'a> {
    /// Name (optional).
    pub name: &'a str,
    /// E-mail address for an answer (optional).
    pub email: &'a str,
    /// Where the barrier is: a path on this site or a web address (optional).
    pub seite: &'a str,
    /// What the barrier is (required).
    pub beschreibung: &'a str,
}

/// A checked submission, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rueckmeldung {
    /// Name ("" when not given).
    pub name: String,
    /// E-mail address ("" when not given).
    pub email: String,
    /// Page address ("" when not given).
    pub seite: String,
    /// Description.
    pub beschreibung: String,
}

fn zu_lang(wert: &str, max: usize) -> Option<String> {
    let n = wert.chars().count();
    (n > max).then(|| format!("Bitte höchstens {max} Zeichen (es sind {n})."))
}

/// Whether `email` looks like an address one can answer to: one `@`, something before it, a
/// domain with a dot after it, no spaces, nothing that would change a `mailto:` link (`?`, `&`,
/// `#`, `%`) or needs quoting.
fn email_gueltig(email: &str) -> bool {
    let mut teile = email.split('@');
    let (Some(lokal), Some(domain), None) = (teile.next(), teile.next(), teile.next()) else {
        return false;
    };
    !lokal.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;:\"'()[]\\?&#%/".contains(c))
}

/// Whether `seite` names a page: a path on this site (`/projekte/kinderbetreuung`, not
/// `//host`) or a web address (`https://…`), without spaces or control characters.
fn seite_gueltig(seite: &str) -> bool {
    let ohne_schema = seite
        .strip_prefix("https://")
        .or_else(|| seite.strip_prefix("http://"));
    let form_ok = match ohne_schema {
        Some(rest) => !rest.is_empty() && !rest.starts_with('/'),
        None => crate::access::ruecksprung(seite).is_some(),
    };
    form_ok && !seite.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Checks a submission: the description is required, the rest optional but well-formed.
/// Errors per field (`name`, `email`, `seite`, `beschreibung`) with a German message.
pub fn pruefen(e: &Eingabe<'_>) -> Result<Rueckmeldung, Vec<(&'static str, String)>> {
    let (name, email, seite, beschreibung) = (
        e.name.trim(),
        e.email.trim(),
        e.seite.trim(),
        e.beschreibung.trim(),
    );
    let mut fehler = Vec::new();
    if let Some(m) = zu_lang(name, NAME_MAX) {
        fehler.push(("name", m));
    }
    if let Some(m) = zu_lang(email, EMAIL_MAX) {
        fehler.push(("email", m));
    } else if !email.is_empty() && !email_gueltig(email) {
        fehler.push((
            "email",
            "Bitte geben Sie eine gültige E-Mail-Adresse an (z. B. name@beispiel.de) oder lassen Sie das Feld leer.".into(),
        ));
    }
    if let Some(m) = zu_lang(seite, SEITE_MAX) {
        fehler.push(("seite", m));
    } else if !seite.is_empty() && !seite_gueltig(seite) {
        fehler.push((
            "seite",
            "Bitte geben Sie die Adresse der Seite an, z. B. /projekte/kinderbetreuung oder https://…, oder lassen Sie das Feld leer.".into(),
        ));
    }
    if beschreibung.is_empty() {
        fehler.push((
            "beschreibung",
            "Bitte beschreiben Sie, welche Barriere Ihnen aufgefallen ist.".into(),
        ));
    } else if let Some(m) = zu_lang(beschreibung, BESCHREIBUNG_MAX) {
        fehler.push(("beschreibung", m));
    }
    if fehler.is_empty() {
        Ok(Rueckmeldung {
            name: name.to_owned(),
            email: email.to_owned(),
            seite: seite.to_owned(),
            beschreibung: beschreibung.to_owned(),
        })
    } else {
        Err(fehler)
    }
}

/// Whether a submission is refused, given how many the address sent within the window before
/// it; the message says why and what else to do.
pub fn drosselung(vorher: i64, alle_vorher: i64) -> Option<String> {
    if vorher >= JE_ADRESSE {
        return Some(format!(
            "Von Ihrem Anschluss kamen in der letzten Stunde schon {JE_ADRESSE} Rückmeldungen. Bitte warten Sie {FENSTER_MIN} Minuten, oder schreiben Sie uns eine E-Mail."
        ));
    }
    (alle_vorher >= ALLE_ADRESSEN).then(|| {
        format!(
            "Zurzeit kommen sehr viele Rückmeldungen an. Bitte versuchen Sie es in {FENSTER_MIN} Minuten erneut, oder schreiben Sie uns eine E-Mail."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e<'a>(name: &'a str, email: &'a str, seite: &'a str, b: &'a str) -> Eingabe<'a> {
        Eingabe {
            name,
            email,
            seite,
            beschreibung: b,
        }
    }

    fn felder(r: Result<Rueckmeldung, Vec<(&'static str, String)>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.0)
            .collect()
    }

    #[test]
    fn nur_die_beschreibung_ist_pflicht() {
        let r = pruefen(&e("", "", "", "  Kontrast zu gering  ")).unwrap();
        assert_eq!(r.beschreibung, "Kontrast zu gering");
        assert_eq!((r.name.as_str(), r.email.as_str()), ("", ""));
        assert_eq!(felder(pruefen(&e("Kim", "", "", " \n "))), ["beschreibung"]);
    }

    #[test]
    fn felder_muessen_passen() {
        let ok = pruefen(&e(
            "Kim Muster",
            "kim@beispiel.de",
            "/projekte/kinderbetreuung",
            "x",
        ))
        .unwrap();
        assert_eq!(ok.seite, "/projekte/kinderbetreuung");
        assert!(pruefen(&e("", "", "https://ozg.example/zeitleiste", "x")).is_ok());
        for schlecht in [
            "kim",
            "kim@",
            "@beispiel.de",
            "kim@beispiel",
            "a b@c.de",
            "a@b@c.de",
            "a?bcc=x@c.de",
            "a&b@c.de",
        ] {
            assert_eq!(
                felder(pruefen(&e("", schlecht, "", "x"))),
                ["email"],
                "{schlecht}"
            );
        }
        for schlecht in [
            "projekte",
            "//evil",
            "https://",
            "/a b",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                felder(pruefen(&e("", "", schlecht, "x"))),
                ["seite"],
                "{schlecht}"
            );
        }
        let lang = "a".repeat(BESCHREIBUNG_MAX + 1);
        assert_eq!(
            felder(pruefen(&e(&"n".repeat(NAME_MAX + 1), "x", "y", &lang))),
            ["name", "email", "seite", "beschreibung"]
        );
    }

    #[test]
    fn drosselung_nach_fuenf() {
        assert!(drosselung(JE_ADRESSE - 1, 0).is_none());
        assert!(
            drosselung(JE_ADRESSE, 0)
                .unwrap()
                .contains("letzten Stunde")
        );
        assert!(drosselung(0, ALLE_ADRESSEN - 1).is_none());
        assert!(drosselung(0, ALLE_ADRESSEN).unwrap().contains("sehr viele"));
    }

    proptest::proptest! {
        /// Whatever is typed: no panic, and what passes is trimmed, within its limits, and
        /// has a description.
        #[test]
        fn beliebige_eingaben(name in "\\PC{0,30}", email in "\\PC{0,30}", seite in "\\PC{0,30}", b in "\\PC{0,30}") {
            if let Ok(r) = pruefen(&e(&name, &email, &seite, &b)) {
                proptest::prop_assert!(!r.beschreibung.is_empty());
                proptest::prop_assert_eq!(r.beschreibung.trim(), r.beschreibung.as_str());
                proptest::prop_assert!(r.seite.is_empty() || r.seite.starts_with('/') || r.seite.starts_with("http"));
                proptest::prop_assert!(!r.email.contains(' '));
            }
        }
    }
}
