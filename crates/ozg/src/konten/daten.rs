//! Accounts, invitations, login and password changes of the members' area.
//!
//! - Passwords: argon2id (PHC string), hashed and verified on the blocking pool. Unknown or
//!   inactive accounts are verified against a dummy hash, so the answer takes as long.
//! - Invitation tokens are 32 random bytes; only their SHA-256 is stored.
//! - A login always creates a new session (no fixation); sessions themselves are the core's
//!   ([`crate::kern::sitzung`]).

use ozg_domain::access::{self, Rolle};
use serde::Deserialize;

use crate::kern::audit::{self, Art, Objekt};
use crate::kern::db::{Db, DbFehler};
pub use crate::kern::passwort::Pruefstelle;
use crate::kern::passwort::versuch_zaehlen;
use crate::kern::sicherheit::{self, Ereignisart, Meldung};
use crate::kern::sitzung::{self, Konto, Sitzung};
use crate::kern::token::{token, token_hash};
use crate::kern::{AppState, Fehler, Feldfehler, Uhr};
use crate::sql;

/// The audit log's record of an account (`konto:<benutzername>`).
pub const KONTO: Art = Art("konto");

/// Invitations are valid this many days.
pub const EINLADUNG_TAGE: i64 = 7;

fn objekt(benutzername: &str) -> Objekt {
    Objekt::new(KONTO, benutzername)
}

/// All accounts.
pub async fn konten(db: &Db) -> Result<Vec<Konto>, DbFehler> {
    db.query(sql!(
        "SELECT k.id, k.benutzername, k.name, k.email, k.rolle, k.organisation, k.themenfelder, k.aktiv, \
         CASE WHEN k.passwort_hash IS NULL THEN 0 ELSE 1 END AS eingerichtet FROM konto k ORDER BY k.benutzername"
    ))
    .await
}

/// The active committee members who can log in (entitled to vote), by account id.
pub async fn stimmberechtigte(db: &Db) -> Result<Vec<i64>, DbFehler> {
    #[derive(Deserialize)]
    struct Id {
        id: i64,
    }
    Ok(db
        .query::<Id>(sql!(
            "SELECT id FROM konto WHERE rolle = 'lenkungsausschuss' AND aktiv <> 0 AND passwort_hash IS NOT NULL ORDER BY id"
        ))
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
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

/// Creates an account and its invitation; returns the invitation token. Validation errors name
/// the field ([`Fehler::Ungueltig`]) and change nothing.
pub async fn einladen(db: &Db, uhr: &Uhr, n: &NeuesKonto, von: &str) -> Result<String, Fehler> {
    let mut fehler = Feldfehler::new();
    let name_ok = n.benutzername.len() >= 3
        && n.benutzername.len() <= 40
        && n.benutzername
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if !name_ok {
        fehler.push(
            "benutzername",
            "Der Benutzername muss 3 bis 40 Zeichen lang sein und darf nur Kleinbuchstaben a–z, Ziffern, Punkt, Binde- und Unterstrich enthalten.",
        );
    } else if db
        .scalar(sql!(
            "SELECT COUNT(*) FROM konto WHERE benutzername = $1",
            n.benutzername.as_str()
        ))
        .await?
        > 0
    {
        fehler.push(
            "benutzername",
            format!("Den Benutzernamen „{}“ gibt es schon.", n.benutzername),
        );
    }
    if n.name.trim().is_empty() || n.name.chars().count() > 200 {
        fehler.push(
            "name",
            "Bitte geben Sie den Namen der Person an (höchstens 200 Zeichen).",
        );
    }
    let email = n.email.trim();
    let email_ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(a, d)| {
            !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        })
        && !email.contains(char::is_whitespace);
    if !email_ok {
        fehler.push(
            "email",
            "Bitte geben Sie eine gültige E-Mail-Adresse an (name@beispiel.de).",
        );
    }
    let rolle = match Rolle::parse(&n.rolle) {
        Ok(r) => Some(r),
        Err(e) => {
            fehler.push("rolle", e);
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
            .scalar(sql!(
                "SELECT COUNT(*) FROM themenfeld WHERE slug = $1",
                t.as_str()
            ))
            .await?
            == 0
        {
            fehler.push(
                "themenfelder",
                format!("Das Themenfeld „{t}“ gibt es nicht."),
            );
        }
    }
    if rolle == Some(Rolle::ThemenfeldKoordinator) && tfs.is_empty() {
        fehler.push(
            "themenfelder",
            "Eine Themenfeld-Koordinatorin braucht mindestens ein Themenfeld.",
        );
    }
    let org = n.organisation.trim();
    if !org.is_empty()
        && db
            .scalar(sql!(
                "SELECT COUNT(*) FROM organisation WHERE slug = $1",
                org
            ))
            .await?
            == 0
    {
        fehler.push(
            "organisation",
            format!("Die Organisation „{org}“ gibt es nicht."),
        );
    }
    let (Some(rolle), true) = (rolle, fehler.is_empty()) else {
        return Err(fehler.into());
    };
    let t = token()?;
    let tf_text = tfs.join(",");
    db.mit_neuer_id("konto", |id| {
        vec![
            sql!(
                "INSERT INTO konto (id, benutzername, name, email, rolle, organisation, themenfelder, passwort_hash, aktiv, erstellt) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 1, $8)",
                id,
                n.benutzername.as_str(),
                n.name.trim(),
                email,
                rolle.key(),
                Some(org).filter(|o| !o.is_empty()),
                tf_text.as_str(),
                uhr.jetzt_iso()
            ),
            sql!(
                "INSERT INTO einladung (token_hash, konto_id, ablauf, verwendet) VALUES ($1, $2, $3, 0)",
                token_hash(&t),
                id,
                uhr.sekunden() + EINLADUNG_TAGE * 86_400
            ),
            audit::eintrag(
                uhr,
                von,
                "konto-eingeladen",
                &objekt(&n.benutzername),
                &[
                    ("rolle", "", rolle.key()),
                    ("name", "", n.name.trim()),
                    ("email", "", email),
                    ("themenfelder", "", &tf_text),
                    ("organisation", "", org),
                ],
            ),
        ]
    })
    .await
    .map_err(|e| match e {
        // The same name invited at the same moment: the check above passed for both.
        DbFehler::Eindeutig(_) => Fehler::feld(
            "benutzername",
            format!("Den Benutzernamen „{}“ gibt es schon.", n.benutzername),
        ),
        e => e.into(),
    })?;
    Ok(t)
}

#[derive(Deserialize)]
struct EinladungRow {
    konto_id: i64,
    benutzername: String,
    name: String,
    email: String,
    ablauf: i64,
    verwendet: i64,
}

/// The login name an invitation is for; why it cannot be used is [`Fehler::Ungueltig`] on the
/// field `token`.
pub async fn einladung_pruefen(db: &Db, uhr: &Uhr, t: &str) -> Result<String, Fehler> {
    Ok(einladung(db, uhr, t).await?.benutzername)
}

async fn einladung(db: &Db, uhr: &Uhr, t: &str) -> Result<EinladungRow, Fehler> {
    let row: Option<EinladungRow> = db
        .query_opt(sql!(
            "SELECT e.konto_id, k.benutzername, k.name, k.email, e.ablauf, e.verwendet FROM einladung e JOIN konto k ON k.id = e.konto_id \
             WHERE e.token_hash = $1 AND k.aktiv = 1",
            token_hash(t)
        ))
        .await?;
    match row {
        None => Err(Fehler::feld(
            "token",
            "Diesen Einladungslink gibt es nicht (oder das Konto wurde deaktiviert).",
        )),
        Some(r) if r.verwendet != 0 => Err(Fehler::feld(
            "token",
            "Dieser Einladungslink wurde schon verwendet. Melden Sie sich mit Ihrem Passwort an.",
        )),
        Some(r) if r.ablauf < uhr.sekunden() => Err(Fehler::feld(
            "token",
            format!(
                "Dieser Einladungslink ist abgelaufen (gültig {EINLADUNG_TAGE} Tage). Bitten Sie die Koordinierungsstelle um eine neue Einladung."
            ),
        )),
        Some(r) => Ok(r),
    }
}

/// Sets the first password through an invitation.
pub async fn einladung_annehmen(
    st: &AppState,
    t: &str,
    passwort: &str,
    wiederholung: &str,
) -> Result<(), Fehler> {
    let (db, uhr) = (&st.db, &st.uhr);
    let r = einladung(db, uhr, t).await?;
    if passwort != wiederholung {
        return Err(Fehler::feld(
            "wiederholung",
            "Die beiden Passwörter stimmen nicht überein.",
        ));
    }
    access::passwort_pruefen(passwort, &[&r.benutzername, &r.name, &r.email])
        .map_err(|m| Fehler::feld("passwort", m))?;
    let hash = st
        .erweiterung::<Pruefstelle>()
        .hash(passwort.to_owned())
        .await?;
    // The invitation is used up by the first of two simultaneous requests: the guard changes
    // no row for the second, which then writes nothing.
    let ok = db
        .execute_guarded(
            &[
                sql!(
                    "UPDATE einladung SET verwendet = 1 WHERE token_hash = $1 AND verwendet = 0",
                    token_hash(t)
                ),
                sql!(
                    "UPDATE konto SET passwort_hash = $1 WHERE id = $2",
                    hash,
                    r.konto_id
                ),
                audit::eintrag(
                    uhr,
                    &r.benutzername,
                    "einladung-angenommen",
                    &objekt(&r.benutzername),
                    &[("passwort", "", "gesetzt")],
                ),
            ],
            0,
        )
        .await?;
    if !ok {
        return Err(Fehler::feld(
            "token",
            "Dieser Einladungslink wurde schon verwendet. Melden Sie sich mit Ihrem Passwort an.",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct LoginRow {
    id: i64,
    passwort_hash: Option<String>,
}

/// Checks name and password (throttled per account and address) and opens a new session;
/// returns the session cookie's value. A refusal is [`Fehler::Ungueltig`] (field `anmeldung`).
///
/// The attempt is recorded *before* the password is checked, so simultaneous requests cannot
/// all pass the limit with a count taken before any of them failed: at most
/// `FEHLVERSUCHE_KONTO` checks per account and window, however many arrive at once.
pub async fn anmelden(
    st: &AppState,
    benutzername: &str,
    passwort: &str,
    adresse: &str,
) -> Result<String, Fehler> {
    let (db, uhr) = (&st.db, &st.uhr);
    let k_key = format!("konto:{}", benutzername.trim().to_lowercase());
    let a_key = format!("adresse:{}", ozg_domain::netz::drossel_schluessel(adresse));
    let (kennung, fk, fa) = versuch_zaehlen(db, uhr, &k_key, &a_key).await?;
    let eigene_loeschen = sql!(
        "DELETE FROM anmeldeversuch WHERE kennung = $1",
        kennung.as_str()
    );
    let name: String = benutzername.trim().chars().take(100).collect();
    let ereignis = |art: Ereignisart, detail: &'static str| {
        sicherheit::eintrag(
            uhr,
            &Meldung {
                art,
                adresse,
                konto: Some(&name),
                pfad: "/anmelden",
                detail,
            },
        )
    };
    if let Some(m) = access::drosselung(fk, fa) {
        // A refused attempt does not count: the lock ends 15 minutes after the last real try.
        let detail = if fk >= access::FEHLVERSUCHE_KONTO {
            "zu viele Fehlversuche für dieses Konto"
        } else {
            "zu viele Fehlversuche von dieser Adresse"
        };
        db.execute_all(&[eigene_loeschen, ereignis(Ereignisart::Gesperrt, detail)])
            .await?;
        return Err(Fehler::feld("anmeldung", m));
    }
    let row: Option<LoginRow> = db
        .query_opt(sql!(
            "SELECT id, passwort_hash FROM konto WHERE benutzername = $1 AND aktiv = 1",
            benutzername.trim().to_lowercase()
        ))
        .await?;
    let (id, hash) = match row {
        Some(r) => (Some(r.id), r.passwort_hash),
        None => (None, None),
    };
    let ok = match st
        .erweiterung::<Pruefstelle>()
        .pruefen(passwort.to_owned(), hash)
        .await
    {
        Ok(ok) => ok,
        Err(e) => {
            // Not checked (overloaded): not a failed attempt either.
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
            "Benutzername oder Passwort falsch",
        )])
        .await?;
        return Err(Fehler::feld(
            "anmeldung",
            "Benutzername oder Passwort ist falsch.",
        ));
    };
    let (cookie, stmt) = sitzung::oeffnen(uhr, id)?;
    db.execute_all(&[
        stmt,
        sql!("DELETE FROM anmeldeversuch WHERE schluessel = $1", k_key),
        eigene_loeschen,
        ereignis(Ereignisart::Anmeldung, ""),
    ])
    .await?;
    Ok(cookie)
}

/// Removes login attempts older than a day (scheduled task).
pub async fn aufraeumen(db: &Db, uhr: &Uhr) -> Result<(), Fehler> {
    db.execute_all(&[sql!(
        "DELETE FROM anmeldeversuch WHERE zeit < $1",
        uhr.sekunden() - 86_400
    )])
    .await?;
    Ok(())
}

/// Changes the password of the session's account; other sessions of the account end. The
/// check of the old password counts like a login attempt (per account and address): a stolen
/// session cannot guess the password without limit.
pub async fn passwort_aendern(
    st: &AppState,
    s: &Sitzung,
    alt: &str,
    neu: &str,
    wiederholung: &str,
    adresse: &str,
) -> Result<(), Fehler> {
    let (db, uhr) = (&st.db, &st.uhr);
    let pruefstelle = st.erweiterung::<Pruefstelle>();
    let k_key = format!("konto:{}", s.konto.benutzername);
    let a_key = format!("adresse:{}", ozg_domain::netz::drossel_schluessel(adresse));
    let (kennung, fk, fa) = versuch_zaehlen(db, uhr, &k_key, &a_key).await?;
    let eigene_loeschen = || {
        sql!(
            "DELETE FROM anmeldeversuch WHERE kennung = $1",
            kennung.as_str()
        )
    };
    if let Some(m) = access::drosselung(fk, fa) {
        db.execute_all(&[eigene_loeschen()]).await?;
        return Err(Fehler::feld("alt", m));
    }
    let hash: Option<String> = db
        .scalar_text(sql!(
            "SELECT passwort_hash FROM konto WHERE id = $1",
            s.konto.id
        ))
        .await?;
    let richtig = match pruefstelle.pruefen(alt.to_owned(), hash).await {
        Ok(r) => r,
        Err(e) => {
            db.execute_all(&[eigene_loeschen()]).await?;
            return Err(e);
        }
    };
    if !richtig {
        return Err(Fehler::feld("alt", "Das bisherige Passwort ist falsch."));
    }
    // The right old password: this attempt was none.
    db.execute_all(&[eigene_loeschen()]).await?;
    if neu != wiederholung {
        return Err(Fehler::feld(
            "wiederholung",
            "Die beiden neuen Passwörter stimmen nicht überein.",
        ));
    }
    access::passwort_pruefen(neu, &[&s.konto.benutzername, &s.konto.name, &s.konto.email])
        .map_err(|m| Fehler::feld("neu", m))?;
    let h = pruefstelle.hash(neu.to_owned()).await?;
    db.execute_all(&[
        sql!(
            "UPDATE konto SET passwort_hash = $1 WHERE id = $2",
            h,
            s.konto.id
        ),
        sql!(
            "DELETE FROM sitzung WHERE konto_id = $1 AND token_hash <> $2",
            s.konto.id,
            s.token_hash.as_str()
        ),
        audit::eintrag(
            uhr,
            &s.konto.benutzername,
            "passwort-geaendert",
            &objekt(&s.konto.benutzername),
            &[("passwort", "", "geändert")],
        ),
        // In the same transaction: no changed password without its security event.
        sicherheit::eintrag(
            uhr,
            &Meldung {
                art: Ereignisart::PasswortGeaendert,
                adresse,
                konto: Some(&s.konto.benutzername),
                pfad: "/konto/passwort",
                detail: "andere Sitzungen beendet",
            },
        ),
    ])
    .await?;
    Ok(())
}

/// Deactivates an account: it can no longer log in, its sessions end.
pub async fn deaktivieren(db: &Db, uhr: &Uhr, von: &str, id: i64) -> Result<(), Fehler> {
    let name = db
        .scalar_text(sql!(
            "SELECT benutzername FROM konto WHERE id = $1 AND aktiv = 1",
            id
        ))
        .await?;
    let Some(name) = name else {
        return Err(Fehler::feld(
            "Konto",
            format!("Ein aktives Konto {id} gibt es nicht."),
        ));
    };
    if name == von {
        return Err(Fehler::feld(
            "Konto",
            "Das eigene Konto kann nicht deaktiviert werden.",
        ));
    }
    db.execute_all(&[
        sql!("UPDATE konto SET aktiv = 0 WHERE id = $1", id),
        sql!("DELETE FROM sitzung WHERE konto_id = $1", id),
        audit::eintrag(
            uhr,
            von,
            "konto-deaktiviert",
            &objekt(&name),
            &[("aktiv", "ja", "nein")],
        ),
    ])
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2id_round_trip_and_dummy() {
        let p = Pruefstelle::default();
        let h = p.hash("Rathaus-Kita-2026".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            p.pruefen("Rathaus-Kita-2026".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!p.pruefen("falsch".into(), Some(h)).await.unwrap());
        assert!(
            !p.pruefen("kein-konto-dummy-passwort".into(), None)
                .await
                .unwrap()
        );
        assert_eq!(p.pruefungen(), 3);
    }
}
