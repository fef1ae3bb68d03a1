//! Passwords of every kind of account (members, citizens, staff): Argon2id on a bounded
//! pool ([`Pruefstelle`]) and the count of login attempts per account and per address that
//! the throttling ([`ozg_domain::access::drosselung`]) reads.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::anyhow;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use ozg_domain::access::SPERRFENSTER_MIN;

use crate::kern::db::Db;
use crate::kern::token::token;
use crate::kern::warteschlange::{Abgewiesen, Warteschlange};
use crate::kern::{Fehler, Uhr};
use crate::sql;

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"kein-konto-dummy-passwort")
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Where passwords are hashed and checked: at most about one Argon2id computation per core at
/// a time (each takes ~19 MiB and a core for a moment), a bounded queue in front, and 429 with
/// `Retry-After` when that is full — so a flood of logins costs bounded memory and CPU.
/// Per process; another instance has its own.
pub struct Pruefstelle {
    schlange: Warteschlange,
    pruefungen: AtomicU64,
}

impl Default for Pruefstelle {
    fn default() -> Self {
        let n = std::thread::available_parallelism()
            .map(std::num::NonZeroUsize::get)
            .unwrap_or(2)
            .clamp(1, 8);
        Pruefstelle {
            schlange: Warteschlange::new(n, 8 * n),
            pruefungen: AtomicU64::new(0),
        }
    }
}

const UEBERLASTET: &str =
    "Gerade melden sich sehr viele Personen an. Bitte versuchen Sie es in wenigen Sekunden erneut.";

impl Pruefstelle {
    /// Password verifications run so far (for tests and the security log).
    pub fn pruefungen(&self) -> u64 {
        self.pruefungen.load(Ordering::Relaxed)
    }

    async fn ausfuehren<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Fehler> {
        let platz = match self
            .schlange
            .platz(std::time::Duration::from_secs(10))
            .await
        {
            Ok(p) => p,
            Err(Abgewiesen::Voll) => return Err(Fehler::ZuVieleAnfragen(UEBERLASTET.into(), 2)),
            Err(Abgewiesen::Zeit) => return Err(Fehler::ZuVieleAnfragen(UEBERLASTET.into(), 5)),
        };
        // The place goes with the work: held until Argon2 ends, even if the request is gone.
        Ok(tokio::task::spawn_blocking(move || {
            let _platz = platz;
            f()
        })
        .await
        .map_err(|e| anyhow!("Passwortprüfung abgebrochen: {e}"))?)
    }

    pub async fn hash(&self, pw: String) -> Result<String, Fehler> {
        self.ausfuehren(move || {
            Argon2::default()
                .hash_password(pw.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| anyhow!("Passwort-Hash fehlgeschlagen: {e}"))
        })
        .await?
        .map_err(Fehler::from)
    }

    /// Whether `pw` matches `hash`; without a hash (no such account) the same work is done
    /// against a dummy hash, so the answer takes as long either way.
    pub async fn pruefen(&self, pw: String, hash: Option<String>) -> Result<bool, Fehler> {
        self.pruefungen.fetch_add(1, Ordering::Relaxed);
        let real = hash.is_some();
        self.ausfuehren(move || {
            let h = hash.unwrap_or_else(|| DUMMY_HASH.clone());
            let ok = PasswordHash::new(&h)
                .map(|p| Argon2::default().verify_password(pw.as_bytes(), &p).is_ok())
                .unwrap_or(false);
            ok && real
        })
        .await
    }
}

/// Records a password attempt under both keys *before* the password is checked, so
/// simultaneous requests cannot all pass the limit with a count taken before any of them
/// failed. Returns the attempt's mark (to take it back) and the attempts before it within the
/// window, per account and per address.
pub async fn versuch_zaehlen(
    db: &Db,
    uhr: &Uhr,
    k_key: &str,
    a_key: &str,
) -> Result<(String, i64, i64), Fehler> {
    let jetzt = uhr.sekunden();
    let seit = jetzt - SPERRFENSTER_MIN * 60;
    let kennung = token()?;
    db.execute_all(&[
        sql!(
            "INSERT INTO anmeldeversuch (schluessel, zeit, kennung) VALUES ($1, $2, $3)",
            k_key,
            jetzt,
            kennung.as_str()
        ),
        sql!(
            "INSERT INTO anmeldeversuch (schluessel, zeit, kennung) VALUES ($1, $2, $3)",
            a_key,
            jetzt,
            kennung.as_str()
        ),
    ])
    .await?;
    let zaehle = |key: &str| {
        db.scalar(sql!(
            "SELECT COUNT(*) FROM anmeldeversuch WHERE schluessel = $1 AND zeit >= $2",
            key,
            seit
        ))
    };
    // The counts include this attempt.
    let fk = zaehle(k_key).await? - 1;
    let fa = zaehle(a_key).await? - 1;
    Ok((kennung, fk, fa))
}

/// A login attempt with a password.
pub struct Versuch<'a> {
    /// The account's throttling key ("buerger:name@example.org", "mitarbeiter:…").
    pub konto_schluessel: String,
    /// How the security log names the account.
    pub konto_anzeige: &'a str,
    /// The client's address.
    pub adresse: &'a str,
    /// The login route (for the security log).
    pub pfad: &'static str,
    /// The password typed.
    pub passwort: &'a str,
    /// The message for a wrong name or password.
    pub falsch: &'static str,
}

/// Checks a password login, throttled per account and per address (as the members' login):
/// the attempt is counted before the password is checked; `laden` looks up the account's id
/// and hash only when the attempt is allowed (unknown accounts cost the same Argon2 work).
/// Returns the account's id and the statements to run with the new session (they clear the
/// account's failed attempts and record the login). A refusal is [`Fehler::Ungueltig`],
/// field `anmeldung`.
pub async fn anmelden(
    st: &crate::kern::AppState,
    v: Versuch<'_>,
    laden: impl Future<Output = Result<Option<(i64, Option<String>)>, Fehler>>,
) -> Result<(i64, Vec<crate::kern::db::Stmt>), Fehler> {
    use crate::kern::sicherheit::{self, Ereignisart, Meldung};
    let (db, uhr) = (&st.db, &st.uhr);
    let a_key = format!(
        "adresse:{}",
        ozg_domain::netz::drossel_schluessel(v.adresse)
    );
    let (kennung, fk, fa) = versuch_zaehlen(db, uhr, &v.konto_schluessel, &a_key).await?;
    let eigene_loeschen = sql!(
        "DELETE FROM anmeldeversuch WHERE kennung = $1",
        kennung.as_str()
    );
    let ereignis = |art: Ereignisart, detail: &'static str| {
        sicherheit::eintrag(
            uhr,
            &Meldung {
                art,
                adresse: v.adresse,
                konto: Some(v.konto_anzeige),
                pfad: v.pfad,
                detail,
            },
        )
    };
    if let Some(m) = ozg_domain::access::drosselung(fk, fa) {
        let detail = if fk >= ozg_domain::access::FEHLVERSUCHE_KONTO {
            "zu viele Fehlversuche für dieses Konto"
        } else {
            "zu viele Fehlversuche von dieser Adresse"
        };
        db.execute_all(&[eigene_loeschen, ereignis(Ereignisart::Gesperrt, detail)])
            .await?;
        return Err(Fehler::feld("anmeldung", m));
    }
    let (id, hash) = match laden.await? {
        Some((id, hash)) => (Some(id), hash),
        None => (None, None),
    };
    let ok = match st
        .erweiterung::<Pruefstelle>()
        .pruefen(v.passwort.to_owned(), hash)
        .await
    {
        Ok(ok) => ok,
        Err(e) => {
            db.execute_all(&[
                eigene_loeschen,
                ereignis(Ereignisart::Ueberlastet, "Passwortprüfungen ausgelastet"),
            ])
            .await?;
            return Err(e);
        }
    };
    let (Some(id), true) = (id, ok) else {
        db.execute_all(&[ereignis(
            Ereignisart::AnmeldungFehlgeschlagen,
            "Name oder Passwort falsch",
        )])
        .await?;
        return Err(Fehler::feld("anmeldung", v.falsch));
    };
    Ok((
        id,
        vec![
            sql!(
                "DELETE FROM anmeldeversuch WHERE schluessel = $1",
                v.konto_schluessel.as_str()
            ),
            eigene_loeschen,
            ereignis(Ereignisart::Anmeldung, ""),
        ],
    ))
}

/// E-mails a form may trigger per recipient within the window (registration, resume links).
pub const MAILS_JE_EMPFAENGER: i64 = 3;
/// ... and per client address.
pub const MAILS_JE_ADRESSE: i64 = 10;

/// Throttles forms that send an e-mail to an address someone types (a registration, a resume
/// link): at most [`MAILS_JE_EMPFAENGER`] per recipient and [`MAILS_JE_ADRESSE`] per client
/// address in the window, so nobody can flood a stranger's mailbox or the outbox. Counted
/// before the mail is queued, like login attempts; a refusal is 429 and queues nothing.
pub async fn versand_drosseln(
    st: &crate::kern::AppState,
    adresse: &str,
    empfaenger: &str,
) -> Result<(), Fehler> {
    let e_key = format!("mail:{}", empfaenger.trim().to_lowercase());
    let a_key = format!(
        "mailadresse:{}",
        ozg_domain::netz::drossel_schluessel(adresse)
    );
    let (_, je_empfaenger, je_adresse) = versuch_zaehlen(&st.db, &st.uhr, &e_key, &a_key).await?;
    if je_empfaenger >= MAILS_JE_EMPFAENGER || je_adresse >= MAILS_JE_ADRESSE {
        return Err(Fehler::ZuVieleAnfragen(
            format!(
                "An diese E-Mail-Adresse oder von Ihrem Anschluss wurden gerade zu viele E-Mails angefordert. Bitte warten Sie {SPERRFENSTER_MIN} Minuten."
            ),
            (SPERRFENSTER_MIN * 60) as u64,
        ));
    }
    Ok(())
}
