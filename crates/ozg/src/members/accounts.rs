//! Accounts, invitations, login and sessions.
//!
//! - Passwords: argon2id (PHC string), hashed and verified on the blocking pool. Unknown or
//!   inactive accounts are verified against a dummy hash, so the answer takes as long.
//! - Tokens (session, invitation) are 32 random bytes; only their SHA-256 is stored, so a copy of
//!   the database does not let anyone log in.
//! - A login always creates a new session (no fixation); sessions end after
//!   [`SITZUNG_LEERLAUF_MIN`] idle minutes or [`SITZUNG_HOECHSTENS_MIN`] after login.

use std::sync::LazyLock;

use anyhow::{Context, Result, anyhow};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use ozg_domain::access::{
    self, Nutzer, Rolle, SITZUNG_HOECHSTENS_MIN, SITZUNG_LEERLAUF_MIN, SPERRFENSTER_MIN,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{Db, Stmt};
use crate::members::audit;
use crate::programme::plan_stand::now_iso;

/// Invitations are valid this many days.
pub const EINLADUNG_TAGE: i64 = 7;

/// Seconds since the epoch.
pub fn jetzt() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A new random token (64 hex characters).
pub fn token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| anyhow!("Zufallszahlen nicht verfügbar: {e}"))?;
    Ok(hex(&b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What is stored of a token.
pub fn token_hash(t: &str) -> String {
    hex(&Sha256::digest(t.as_bytes()))
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"kein-konto-dummy-passwort")
        .map(|h| h.to_string())
        .unwrap_or_default()
});

async fn hash_password(pw: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow!("Passwort-Hash fehlgeschlagen: {e}"))
    })
    .await?
}

async fn verify_password(pw: String, hash: Option<String>) -> Result<bool> {
    let real = hash.is_some();
    tokio::task::spawn_blocking(move || {
        let h = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let ok = PasswordHash::new(&h)
            .map(|p| Argon2::default().verify_password(pw.as_bytes(), &p).is_ok())
            .unwrap_or(false);
        ok && real
    })
    .await
    .context("Passwortprüfung abgebrochen")
}

/// An account as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Konto {
    /// ID.
    pub id: i64,
    /// Login name.
    pub benutzername: String,
    /// Display name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Role key.
    pub rolle: String,
    /// Organisation slug.
    pub organisation: Option<String>,
    /// Themenfeld slugs, comma-separated.
    pub themenfelder: String,
    /// Active.
    #[serde(deserialize_with = "crate::db::int_bool::deserialize")]
    pub aktiv: bool,
    /// Whether a password is set (invitation accepted).
    #[serde(default, deserialize_with = "crate::db::int_bool::deserialize")]
    pub eingerichtet: bool,
}

impl Konto {
    /// Role label.
    pub fn rolle_label(&self) -> &'static str {
        Rolle::parse(&self.rolle)
            .map(Rolle::label)
            .unwrap_or("unbekannt")
    }
}

/// A logged-in session.
#[derive(Debug, Clone)]
pub struct Sitzung {
    /// The account.
    pub konto: Konto,
    /// Permissions.
    pub nutzer: Nutzer,
    /// CSRF token of this session.
    pub csrf: String,
    /// Hash of the session token.
    pub token_hash: String,
}

const KONTO_SPALTEN: &str = "k.id, k.benutzername, k.name, k.email, k.rolle, k.organisation, k.themenfelder, k.aktiv, \
     CASE WHEN k.passwort_hash IS NULL THEN 0 ELSE 1 END AS eingerichtet";

/// All accounts.
pub async fn konten(db: &Db) -> Result<Vec<Konto>> {
    db.query(
        &format!("SELECT {KONTO_SPALTEN} FROM konto k ORDER BY k.benutzername"),
        &[],
    )
    .await
}

/// What an invitation needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NeuesKonto {
    /// Login name.
    #[serde(default)]
    pub benutzername: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// Role key.
    #[serde(default)]
    pub rolle: String,
    /// Organisation slug.
    #[serde(default)]
    pub organisation: String,
    /// Themenfeld slugs, comma-separated (coordinators).
    #[serde(default)]
    pub themenfelder: String,
}

/// A field with its German error message.
pub type Feldfehler = Vec<(&'static str, String)>;

/// The messages for `feld` (several joined), for showing next to that field.
pub fn fehler_bei(f: &Feldfehler, feld: &str) -> Option<String> {
    f.iter()
        .filter(|(k, _)| *k == feld)
        .map(|(_, m)| m.clone())
        .reduce(|a, b| format!("{a} {b}"))
}

/// Creates an account and its invitation; returns the invitation token. Validation errors name
/// the field and change nothing.
pub async fn einladen(db: &Db, n: &NeuesKonto, von: &str) -> Result<Result<String, Feldfehler>> {
    let mut fehler: Feldfehler = Vec::new();
    let name_ok = n.benutzername.len() >= 3
        && n.benutzername.len() <= 40
        && n.benutzername
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if !name_ok {
        fehler.push(("benutzername", "Der Benutzername muss 3 bis 40 Zeichen lang sein und darf nur Kleinbuchstaben a–z, Ziffern, Punkt, Binde- und Unterstrich enthalten.".into()));
    } else if db
        .scalar(
            "SELECT COUNT(*) FROM konto WHERE benutzername = $1",
            &[n.benutzername.as_str().into()],
        )
        .await?
        > 0
    {
        fehler.push((
            "benutzername",
            format!("Den Benutzernamen „{}“ gibt es schon.", n.benutzername),
        ));
    }
    if n.name.trim().is_empty() || n.name.chars().count() > 200 {
        fehler.push((
            "name",
            "Bitte geben Sie den Namen der Person an (höchstens 200 Zeichen).".into(),
        ));
    }
    let email = n.email.trim();
    let email_ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(a, d)| {
            !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        })
        && !email.contains(char::is_whitespace);
    if !email_ok {
        fehler.push((
            "email",
            "Bitte geben Sie eine gültige E-Mail-Adresse an (name@beispiel.de).".into(),
        ));
    }
    let rolle = match Rolle::parse(&n.rolle) {
        Ok(r) => Some(r),
        Err(e) => {
            fehler.push(("rolle", e));
            None
        }
    };
    let tfs: Vec<String> = n
        .themenfelder
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    for t in &tfs {
        if db
            .scalar(
                "SELECT COUNT(*) FROM themenfeld WHERE slug = $1",
                &[t.as_str().into()],
            )
            .await?
            == 0
        {
            fehler.push((
                "themenfelder",
                format!("Das Themenfeld „{t}“ gibt es nicht."),
            ));
        }
    }
    if rolle == Some(Rolle::ThemenfeldKoordinator) && tfs.is_empty() {
        fehler.push((
            "themenfelder",
            "Eine Themenfeld-Koordinatorin braucht mindestens ein Themenfeld.".into(),
        ));
    }
    let org = n.organisation.trim();
    if !org.is_empty()
        && db
            .scalar(
                "SELECT COUNT(*) FROM organisation WHERE slug = $1",
                &[org.into()],
            )
            .await?
            == 0
    {
        fehler.push((
            "organisation",
            format!("Die Organisation „{org}“ gibt es nicht."),
        ));
    }
    if !fehler.is_empty() {
        return Ok(Err(fehler));
    }
    let rolle = rolle.expect("checked");
    let t = token()?;
    let id = db
        .scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM konto", &[])
        .await?;
    let tf_text = tfs.join(",");
    db.execute_all(&[
        Stmt {
            sql: "INSERT INTO konto (id, benutzername, name, email, rolle, organisation, themenfelder, passwort_hash, aktiv, erstellt) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 1, $8)"
                .into(),
            args: vec![
                id.into(),
                n.benutzername.as_str().into(),
                n.name.trim().into(),
                email.into(),
                rolle.key().into(),
                Some(org).filter(|o| !o.is_empty()).into(),
                tf_text.as_str().into(),
                now_iso().into(),
            ],
        },
        Stmt {
            sql: "INSERT INTO einladung (token_hash, konto_id, ablauf, verwendet) VALUES ($1, $2, $3, 0)".into(),
            args: vec![
                token_hash(&t).into(),
                id.into(),
                (jetzt() + EINLADUNG_TAGE * 86_400).into(),
            ],
        },
        audit::eintrag(
            von,
            "konto-eingeladen",
            &format!("konto:{}", n.benutzername),
            &[
                ("rolle", "", rolle.key()),
                ("name", "", n.name.trim()),
                ("email", "", email),
                ("themenfelder", "", &tf_text),
                ("organisation", "", org),
            ],
        ),
    ])
    .await?;
    Ok(Ok(t))
}

#[derive(Deserialize)]
struct EinladungRow {
    konto_id: i64,
    benutzername: String,
    ablauf: i64,
    verwendet: i64,
}

/// The login name an invitation is for, or why it cannot be used.
pub async fn einladung_pruefen(db: &Db, t: &str) -> Result<Result<String, String>> {
    Ok(einladung(db, t).await?.map(|r| r.benutzername))
}

async fn einladung(db: &Db, t: &str) -> Result<Result<EinladungRow, String>> {
    let row: Option<EinladungRow> = db
        .query_opt(
            "SELECT e.konto_id, k.benutzername, e.ablauf, e.verwendet FROM einladung e JOIN konto k ON k.id = e.konto_id \
             WHERE e.token_hash = $1 AND k.aktiv = 1",
            &[token_hash(t).into()],
        )
        .await?;
    Ok(match row {
        None => {
            Err("Diesen Einladungslink gibt es nicht (oder das Konto wurde deaktiviert).".into())
        }
        Some(r) if r.verwendet != 0 => Err(
            "Dieser Einladungslink wurde schon verwendet. Melden Sie sich mit Ihrem Passwort an."
                .into(),
        ),
        Some(r) if r.ablauf < jetzt() => Err(format!(
            "Dieser Einladungslink ist abgelaufen (gültig {EINLADUNG_TAGE} Tage). Bitten Sie die Koordinierungsstelle um eine neue Einladung."
        )),
        Some(r) => Ok(r),
    })
}

/// Sets the first password through an invitation.
pub async fn einladung_annehmen(
    db: &Db,
    t: &str,
    passwort: &str,
    wiederholung: &str,
) -> Result<Result<(), Feldfehler>> {
    let r = match einladung(db, t).await? {
        Ok(r) => r,
        Err(m) => return Ok(Err(vec![("token", m)])),
    };
    if passwort != wiederholung {
        return Ok(Err(vec![(
            "wiederholung",
            "Die beiden Passwörter stimmen nicht überein.".into(),
        )]));
    }
    if let Err(m) = access::passwort_pruefen(passwort, &r.benutzername) {
        return Ok(Err(vec![("passwort", m)]));
    }
    let hash = hash_password(passwort.to_owned()).await?;
    db.execute_all(&[
        Stmt {
            sql: "UPDATE konto SET passwort_hash = $1 WHERE id = $2".into(),
            args: vec![hash.into(), r.konto_id.into()],
        },
        Stmt {
            sql: "UPDATE einladung SET verwendet = 1 WHERE token_hash = $1".into(),
            args: vec![token_hash(t).into()],
        },
        audit::eintrag(
            &r.benutzername,
            "einladung-angenommen",
            &format!("konto:{}", r.benutzername),
            &[("passwort", "", "gesetzt")],
        ),
    ])
    .await?;
    Ok(Ok(()))
}

#[derive(Deserialize)]
struct LoginRow {
    id: i64,
    passwort_hash: Option<String>,
}

/// A new session: (token for the cookie, CSRF token).
pub struct NeueSitzung {
    /// Cookie value.
    pub token: String,
}

/// Checks name and password (throttled per account and address) and opens a new session.
pub async fn anmelden(
    db: &Db,
    benutzername: &str,
    passwort: &str,
    adresse: &str,
) -> Result<Result<NeueSitzung, String>> {
    let seit = jetzt() - SPERRFENSTER_MIN * 60;
    let k_key = format!("konto:{}", benutzername.trim().to_lowercase());
    let a_key = format!("adresse:{adresse}");
    let zaehle = |key: String| async move {
        db.scalar(
            "SELECT COUNT(*) FROM anmeldeversuch WHERE schluessel = $1 AND zeit >= $2",
            &[key.into(), seit.into()],
        )
        .await
    };
    let fk = zaehle(k_key.clone()).await?;
    let fa = zaehle(a_key.clone()).await?;
    if let Some(m) = access::drosselung(fk, fa) {
        return Ok(Err(m));
    }
    let row: Option<LoginRow> = db
        .query_opt(
            "SELECT id, passwort_hash FROM konto WHERE benutzername = $1 AND aktiv = 1",
            &[benutzername.trim().to_lowercase().into()],
        )
        .await?;
    let (id, hash) = match row {
        Some(r) => (Some(r.id), r.passwort_hash),
        None => (None, None),
    };
    if !verify_password(passwort.to_owned(), hash).await? {
        let t = jetzt();
        db.execute_all(&[
            Stmt {
                sql: "INSERT INTO anmeldeversuch (schluessel, zeit) VALUES ($1, $2)".into(),
                args: vec![k_key.into(), t.into()],
            },
            Stmt {
                sql: "INSERT INTO anmeldeversuch (schluessel, zeit) VALUES ($1, $2)".into(),
                args: vec![a_key.into(), t.into()],
            },
            Stmt {
                sql: "DELETE FROM anmeldeversuch WHERE zeit < $1".into(),
                args: vec![(t - 86_400).into()],
            },
        ])
        .await?;
        return Ok(Err("Benutzername oder Passwort ist falsch.".into()));
    }
    let id = id.expect("verified accounts exist");
    let csrf = token()?;
    let token = token()?;

    let t = jetzt();
    db.execute_all(&[
        Stmt {
            sql: "INSERT INTO sitzung (token_hash, konto_id, csrf, erstellt, zuletzt) VALUES ($1, $2, $3, $4, $4)".into(),
            args: vec![token_hash(&token).into(), id.into(), csrf.into(), t.into()],
        },
        Stmt {
            sql: "DELETE FROM anmeldeversuch WHERE schluessel = $1".into(),
            args: vec![k_key.into()],
        },
        Stmt {
            sql: "DELETE FROM sitzung WHERE zuletzt < $1 OR erstellt < $2".into(),
            args: vec![
                (t - SITZUNG_LEERLAUF_MIN * 60).into(),
                (t - SITZUNG_HOECHSTENS_MIN * 60).into(),
            ],
        },
    ])
    .await?;
    Ok(Ok(NeueSitzung { token }))
}

#[derive(Deserialize)]
struct SitzungRow {
    #[serde(flatten)]
    konto: Konto,
    csrf: String,
    erstellt: i64,
    zuletzt: i64,
}

/// The session of a cookie value, if valid; renews its idle timer.
pub async fn sitzung(db: &Db, token: &str) -> Result<Option<Sitzung>> {
    let h = token_hash(token);
    let row: Option<SitzungRow> = db
        .query_opt(
            &format!("SELECT {KONTO_SPALTEN}, s.csrf, s.erstellt, s.zuletzt FROM sitzung s JOIN konto k ON k.id = s.konto_id WHERE s.token_hash = $1 AND k.aktiv = 1"),
            &[h.as_str().into()],
        )
        .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let t = jetzt();
    if !access::sitzung_gueltig(r.erstellt, r.zuletzt, t) {
        db.execute_all(&[Stmt {
            sql: "DELETE FROM sitzung WHERE token_hash = $1".into(),
            args: vec![h.into()],
        }])
        .await?;
        return Ok(None);
    }
    // One write a minute at most: the idle timer does not need second precision.
    if t - r.zuletzt >= 60 {
        db.execute_all(&[Stmt {
            sql: "UPDATE sitzung SET zuletzt = $1 WHERE token_hash = $2".into(),
            args: vec![t.into(), h.as_str().into()],
        }])
        .await?;
    }
    let rolle = Rolle::parse(&r.konto.rolle).map_err(|e| anyhow!(e))?;
    let slugs: Vec<crate::db::Arg> = r
        .konto
        .themenfelder
        .split(',')
        .filter(|s| !s.is_empty())
        .map(Into::into)
        .collect();
    let themenfelder = if slugs.is_empty() {
        Vec::new()
    } else {
        #[derive(Deserialize)]
        struct Id {
            id: i64,
        }
        db.query::<Id>(
            &format!(
                "SELECT id FROM themenfeld WHERE slug IN ({})",
                crate::db::placeholders(0, slugs.len())
            ),
            &slugs,
        )
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect()
    };
    Ok(Some(Sitzung {
        konto: r.konto,
        nutzer: Nutzer {
            rolle,
            themenfelder,
        },
        csrf: r.csrf,
        token_hash: h,
    }))
}

/// Ends a session.
pub async fn abmelden(db: &Db, s: &Sitzung) -> Result<()> {
    db.execute_all(&[Stmt {
        sql: "DELETE FROM sitzung WHERE token_hash = $1".into(),
        args: vec![s.token_hash.as_str().into()],
    }])
    .await
}

/// Changes the password of the session's account; other sessions of the account end.
pub async fn passwort_aendern(
    db: &Db,
    s: &Sitzung,
    alt: &str,
    neu: &str,
    wiederholung: &str,
) -> Result<Result<(), Feldfehler>> {
    let hash: Option<String> = db
        .scalar_text(
            "SELECT passwort_hash FROM konto WHERE id = $1",
            &[s.konto.id.into()],
        )
        .await?;
    if !verify_password(alt.to_owned(), hash).await? {
        return Ok(Err(vec![(
            "alt",
            "Das bisherige Passwort ist falsch.".into(),
        )]));
    }
    if neu != wiederholung {
        return Ok(Err(vec![(
            "wiederholung",
            "Die beiden neuen Passwörter stimmen nicht überein.".into(),
        )]));
    }
    if let Err(m) = access::passwort_pruefen(neu, &s.konto.benutzername) {
        return Ok(Err(vec![("neu", m)]));
    }
    let h = hash_password(neu.to_owned()).await?;
    db.execute_all(&[
        Stmt {
            sql: "UPDATE konto SET passwort_hash = $1 WHERE id = $2".into(),
            args: vec![h.into(), s.konto.id.into()],
        },
        Stmt {
            sql: "DELETE FROM sitzung WHERE konto_id = $1 AND token_hash <> $2".into(),
            args: vec![s.konto.id.into(), s.token_hash.as_str().into()],
        },
        audit::eintrag(
            &s.konto.benutzername,
            "passwort-geaendert",
            &format!("konto:{}", s.konto.benutzername),
            &[("passwort", "", "geändert")],
        ),
    ])
    .await?;
    Ok(Ok(()))
}

/// Deactivates an account: it can no longer log in, its sessions end.
pub async fn deaktivieren(db: &Db, von: &str, id: i64) -> Result<Result<(), String>> {
    let name = db
        .scalar_text(
            "SELECT benutzername FROM konto WHERE id = $1 AND aktiv = 1",
            &[id.into()],
        )
        .await?;
    let Some(name) = name else {
        return Ok(Err(format!("Ein aktives Konto {id} gibt es nicht.")));
    };
    if name == von {
        return Ok(Err("Das eigene Konto kann nicht deaktiviert werden.".into()));
    }
    db.execute_all(&[
        Stmt {
            sql: "UPDATE konto SET aktiv = 0 WHERE id = $1".into(),
            args: vec![id.into()],
        },
        Stmt {
            sql: "DELETE FROM sitzung WHERE konto_id = $1".into(),
            args: vec![id.into()],
        },
        audit::eintrag(
            von,
            "konto-deaktiviert",
            &format!("konto:{name}"),
            &[("aktiv", "ja", "nein")],
        ),
    ])
    .await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = token().unwrap();
        let b = token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[tokio::test]
    async fn argon2id_round_trip_and_dummy() {
        let h = hash_password("Rathaus-Kita-2026".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify_password("Rathaus-Kita-2026".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("falsch".into(), Some(h)).await.unwrap());
        assert!(
            !verify_password("kein-konto-dummy-passwort".into(), None)
                .await
                .unwrap()
        );
    }
}
