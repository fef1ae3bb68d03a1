//! Storage of the portal's accounts: authorities, staff, local citizens' accounts, and the
//! logins of both (throttled, argon2id, a new session each time).

use ozg_domain::access;
use ozg_domain::portal::{BehoerdenRolle, Vertrauensniveau, nummernformat_pruefen};

use crate::kern::audit::{self, Art, Objekt};
use crate::kern::passwort::{self, Pruefstelle, Versuch};
use crate::kern::person::{self, PersonArt};
use crate::kern::token::{token, token_hash};
use crate::kern::{AppState, Fehler, Feldfehler, postausgang};
use crate::sql;

/// The audit log's record of an authority.
pub const BEHOERDE: Art = Art("behoerde");
/// The audit log's record of a citizen's account (by number, never by name).
pub const BUERGER: Art = Art("buerger");

/// Hours a confirmation link is valid (as the Servicekonto.NRW did: 24 hours).
pub const BESTAETIGEN_STUNDEN: i64 = 24;

/// A new authority.
#[derive(Debug, Clone, Default)]
pub struct NeueBehoerde {
    /// Key from the Zuständigkeit ("05566076-allgemein").
    pub schluessel: String,
    /// Name.
    pub name: String,
    /// Address, lines separated by line breaks.
    pub anschrift: String,
    /// Functional mailbox.
    pub email: String,
    /// Antragsnummer format ("" for the standard).
    pub nummernformat: String,
}

/// Creates an authority; returns its id.
pub async fn behoerde_anlegen(st: &AppState, n: &NeueBehoerde, von: &str) -> Result<i64, Fehler> {
    let mut f = Feldfehler::new();
    let schluessel = n.schluessel.trim();
    if schluessel.is_empty() || schluessel.len() > 60 {
        f.push("schluessel", "Bitte den Schlüssel der Behörde aus den Zuständigkeitsdaten angeben, z. B. 05566076-allgemein.");
    }
    if n.name.trim().is_empty() {
        f.push("name", "Bitte den Namen der Behörde angeben.");
    }
    if !crate::kern::mail::adresse_gueltig(n.email.trim()) {
        f.push("email", "Bitte das Funktionspostfach der Behörde angeben.");
    }
    let format = if n.nummernformat.trim().is_empty() {
        ozg_domain::portal::NUMMERNFORMAT_STANDARD.to_owned()
    } else {
        n.nummernformat.trim().to_owned()
    };
    if let Err(m) = nummernformat_pruefen(&format) {
        f.push("nummernformat", m);
    }
    if !f.is_empty() {
        return Err(Fehler::Ungueltig(f));
    }
    let jetzt = st.uhr.sekunden();
    let id = st
        .db
        .mit_neuer_id("behoerde", |id| {
            vec![
                sql!(
                    "INSERT INTO behoerde (id, schluessel, name, anschrift, email, nummernformat, erstellt) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    id,
                    schluessel,
                    n.name.trim(),
                    n.anschrift.trim(),
                    n.email.trim(),
                    format.as_str(),
                    jetzt
                ),
                audit::eintrag(&st.uhr, von, "behoerde-angelegt", &Objekt::new(BEHOERDE, schluessel), &[("name", "", n.name.trim())]),
            ]
        })
        .await
        .map_err(|e| match e {
            crate::kern::db::DbFehler::Eindeutig(_) => Fehler::feld("schluessel", "Eine Behörde mit diesem Schlüssel gibt es schon."),
            e => e.into(),
        })?;
    Ok(id)
}

/// A new staff member.
#[derive(Debug, Clone)]
pub struct NeuerMitarbeiter {
    /// The authority's key.
    pub behoerde: String,
    /// E-mail (login).
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub rolle: BehoerdenRolle,
    /// Password.
    pub passwort: String,
}

/// Creates a staff member with a password (checked like every password); returns the id.
pub async fn mitarbeiter_anlegen(
    st: &AppState,
    n: &NeuerMitarbeiter,
    von: &str,
) -> Result<i64, Fehler> {
    let email = n.email.trim().to_lowercase();
    let behoerde_id = st
        .db
        .scalar_opt(sql!(
            "SELECT id FROM behoerde WHERE schluessel = $1",
            n.behoerde.trim()
        ))
        .await?
        .ok_or_else(|| {
            Fehler::feld(
                "behoerde",
                format!("Eine Behörde „{}“ gibt es nicht.", n.behoerde),
            )
        })?;
    if !crate::kern::mail::adresse_gueltig(&email) {
        return Err(Fehler::feld(
            "email",
            "Bitte eine gültige E-Mail-Adresse angeben.",
        ));
    }
    if n.name.trim().is_empty() {
        return Err(Fehler::feld("name", "Bitte den Namen angeben."));
    }
    access::passwort_pruefen(&n.passwort, &[&email, n.name.trim()])
        .map_err(|m| Fehler::feld("passwort", m))?;
    let hash = st
        .erweiterung::<Pruefstelle>()
        .hash(n.passwort.clone())
        .await?;
    let jetzt = st.uhr.sekunden();
    st.db
        .mit_neuer_id("mitarbeiter", |id| {
            vec![
                sql!(
                    "INSERT INTO mitarbeiter (id, behoerde_id, email, name, rolle, passwort_hash, idp, aktiv, erstellt) VALUES ($1, $2, $3, $4, $5, $6, NULL, 1, $7)",
                    id,
                    behoerde_id,
                    email.as_str(),
                    n.name.trim(),
                    n.rolle.key(),
                    hash.as_str(),
                    jetzt
                ),
                audit::eintrag(&st.uhr, von, "mitarbeiter-angelegt", &Objekt::new(BEHOERDE, n.behoerde.trim()), &[("mitarbeiter", "", &format!("{} ({})", email, n.rolle.label()))]),
            ]
        })
        .await
        .map_err(|e| match e {
            crate::kern::db::DbFehler::Eindeutig(_) => Fehler::feld("email", "Mit dieser E-Mail-Adresse gibt es schon ein Konto."),
            e => e.into(),
        })
}

/// Staff login: the session cookie's value and where the person starts.
pub async fn mitarbeiter_anmelden(
    st: &AppState,
    email: &str,
    pw: &str,
    adresse: &str,
) -> Result<(String, &'static str), Fehler> {
    let email = email.trim().to_lowercase();
    let db = st.db.clone();
    let e2 = email.clone();
    let (id, mut stmts) = passwort::anmelden(
        st,
        Versuch {
            konto_schluessel: format!("mitarbeiter:{email}"),
            konto_anzeige: &format!("mitarbeiter:{email}"),
            adresse,
            pfad: "/behoerde/anmelden",
            passwort: pw,
            falsch: "E-Mail-Adresse oder Passwort ist falsch.",
        },
        async move {
            #[derive(serde::Deserialize)]
            struct R {
                id: i64,
                passwort_hash: Option<String>,
            }
            Ok(db
                .query_opt::<R>(sql!(
                    "SELECT id, passwort_hash FROM mitarbeiter WHERE email = $1 AND aktiv = 1",
                    e2.as_str()
                ))
                .await?
                .map(|r| (r.id, r.passwort_hash)))
        },
    )
    .await?;
    let (cookie, s) =
        person::oeffnen(&st.uhr, PersonArt::Mitarbeiter, id, Vertrauensniveau::Basis)?;
    stmts.push(s);
    st.db.execute_all(&stmts).await?;
    // The administration has no case work: it starts on its staff page.
    let rolle = st
        .db
        .scalar_text(sql!("SELECT rolle FROM mitarbeiter WHERE id = $1", id))
        .await?
        .unwrap_or_default();
    let start = if rolle == BehoerdenRolle::Administration.key() {
        "/behoerde/personal"
    } else {
        "/sachbearbeitung"
    };
    Ok((cookie, start))
}

/// A citizen's registration as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Registrierung {
    /// Given name.
    #[serde(default)]
    pub vorname: String,
    /// Surname.
    #[serde(default)]
    pub nachname: String,
    /// E-mail (login).
    #[serde(default)]
    pub email: String,
    /// Password.
    #[serde(default)]
    pub passwort: String,
    /// Repeated.
    #[serde(default)]
    pub wiederholung: String,
}

/// Registers a local citizen's account and sends the confirmation link (valid 24 hours).
/// When the address has an account already, that person gets a note instead, and the answer
/// is the same (nobody learns who has an account).
pub async fn registrieren(st: &AppState, r: &Registrierung, adresse: &str) -> Result<(), Fehler> {
    let email = r.email.trim().to_lowercase();
    let mut f = Feldfehler::new();
    if r.vorname.trim().is_empty() || r.vorname.chars().count() > 100 {
        f.push("vorname", "Bitte geben Sie Ihren Vornamen an.");
    }
    if r.nachname.trim().is_empty() || r.nachname.chars().count() > 100 {
        f.push("nachname", "Bitte geben Sie Ihren Nachnamen an.");
    }
    if !crate::kern::mail::adresse_gueltig(&email) || email.len() > 254 {
        f.push(
            "email",
            "Bitte geben Sie eine E-Mail-Adresse wie name@beispiel.de an.",
        );
    }
    if let Err(m) =
        access::passwort_pruefen(&r.passwort, &[&email, r.vorname.trim(), r.nachname.trim()])
    {
        f.push("passwort", m);
    } else if r.passwort != r.wiederholung {
        f.push(
            "wiederholung",
            "Die beiden Passwörter stimmen nicht überein.",
        );
    }
    if !f.is_empty() {
        return Err(Fehler::Ungueltig(f));
    }
    passwort::versand_drosseln(st, adresse, &email).await?;
    let kennung = format!("lokal:{email}");
    let vorhanden = st
        .db
        .scalar_opt(sql!(
            "SELECT id FROM buerger WHERE kennung = $1",
            kennung.as_str()
        ))
        .await?;
    let jetzt = st.uhr.sekunden();
    let mut stmts = Vec::new();
    let mail = if vorhanden.is_some() {
        crate::kern::mail::Nachricht {
            name: String::new(),
            email: email.clone(),
            betreff: "Ihr Bürgerkonto".into(),
            text: format!(
                "Guten Tag,\n\njemand hat versucht, mit dieser E-Mail-Adresse ein Bürgerkonto anzulegen. Sie haben schon eines: Melden Sie sich hier an:\n\n{}/buergerkonto/anmelden\n\nWenn Sie das nicht waren, können Sie diese E-Mail ignorieren.",
                st.basis_url
            ),
        }
    } else {
        let hash = st
            .erweiterung::<Pruefstelle>()
            .hash(r.passwort.clone())
            .await?;
        let id = st.db.neue_id("buerger").await?;
        let t = token()?;
        stmts.push(sql!(
            "INSERT INTO buerger (id, herkunft, kennung, email, passwort_hash, bestaetigt, vorname, nachname, strasse, plz, ort, erstellt, zuletzt) \
             VALUES ($1, 'lokal', $2, $3, $4, 0, $5, $6, '', '', '', $7, $7)",
            id,
            kennung.as_str(),
            email.as_str(),
            hash.as_str(),
            r.vorname.trim(),
            r.nachname.trim(),
            jetzt
        ));
        stmts.push(sql!(
            "INSERT INTO portal_token (token_hash, zweck, bezug, ablauf) VALUES ($1, 'bestaetigen', $2, $3)",
            token_hash(&t),
            id,
            jetzt + BESTAETIGEN_STUNDEN * 3600
        ));
        stmts.push(audit::eintrag(
            &st.uhr,
            &format!("buerger:{id}"),
            "buergerkonto-angelegt",
            &Objekt::new(BUERGER, id),
            &[],
        ));
        crate::kern::mail::Nachricht {
            name: String::new(),
            email: email.clone(),
            betreff: "Bitte bestätigen Sie Ihre E-Mail-Adresse".into(),
            text: format!(
                "Guten Tag,\n\nbitte bestätigen Sie Ihre E-Mail-Adresse für Ihr Bürgerkonto mit diesem Link (24 Stunden gültig):\n\n{}/buergerkonto/bestaetigen/{t}\n\nWenn Sie kein Konto angelegt haben, können Sie diese E-Mail ignorieren; das Konto wird dann nicht aktiviert.",
                st.basis_url
            ),
        }
    };
    stmts.extend(postausgang::einreihen(&st.db, &st.uhr, "buergerkonto", &[mail]).await?);
    st.db.execute_all(&stmts).await?;
    Ok(())
}

/// Confirms an address with the link's token; `false` when it is unknown or expired.
pub async fn bestaetigen(st: &AppState, t: &str) -> Result<bool, Fehler> {
    let jetzt = st.uhr.sekunden();
    let Some(id) = st
        .db
        .scalar_opt(sql!(
            "SELECT bezug FROM portal_token WHERE token_hash = $1 AND zweck = 'bestaetigen' AND ablauf >= $2",
            token_hash(t),
            jetzt
        ))
        .await?
    else {
        return Ok(false);
    };
    Ok(st
        .db
        .execute_guarded(
            &[
                sql!(
                    "DELETE FROM portal_token WHERE token_hash = $1",
                    token_hash(t)
                ),
                sql!("UPDATE buerger SET bestaetigt = 1 WHERE id = $1", id),
                audit::eintrag(
                    &st.uhr,
                    &format!("buerger:{id}"),
                    "buergerkonto-bestaetigt",
                    &Objekt::new(BUERGER, id),
                    &[],
                ),
            ],
            0,
        )
        .await?)
}

/// A citizen's login with the local account: the session cookie's value.
pub async fn buerger_anmelden(
    st: &AppState,
    email: &str,
    pw: &str,
    adresse: &str,
) -> Result<String, Fehler> {
    let email = email.trim().to_lowercase();
    let db = st.db.clone();
    let kennung = format!("lokal:{email}");
    let (id, mut stmts) = passwort::anmelden(
        st,
        Versuch {
            konto_schluessel: format!("buerger:{email}"),
            konto_anzeige: "buerger",
            adresse,
            pfad: "/buergerkonto/anmelden",
            passwort: pw,
            falsch: "E-Mail-Adresse oder Passwort ist falsch, oder die E-Mail-Adresse ist noch nicht bestätigt.",
        },
        async move {
            #[derive(serde::Deserialize)]
            struct R {
                id: i64,
                passwort_hash: Option<String>,
            }
            Ok(db
                .query_opt::<R>(sql!("SELECT id, passwort_hash FROM buerger WHERE kennung = $1 AND bestaetigt = 1", kennung.as_str()))
                .await?
                .map(|r| (r.id, r.passwort_hash)))
        },
    )
    .await?;
    let (cookie, s) = person::oeffnen(&st.uhr, PersonArt::Buerger, id, Vertrauensniveau::Basis)?;
    stmts.push(s);
    stmts.push(sql!(
        "UPDATE buerger SET zuletzt = $1 WHERE id = $2",
        st.uhr.sekunden(),
        id
    ));
    st.db.execute_all(&stmts).await?;
    Ok(cookie)
}

/// Removes local accounts whose address was not confirmed in time (scheduled task): the
/// address can be registered again, and nothing is kept about someone who never confirmed.
pub async fn unbestaetigte_loeschen(st: &AppState) -> Result<(), Fehler> {
    let grenze = st.uhr.sekunden() - BESTAETIGEN_STUNDEN * 3600;
    st.db
        .execute_all(&[
            sql!(
                "DELETE FROM portal_token WHERE zweck = 'bestaetigen' AND bezug IN (SELECT id FROM buerger WHERE bestaetigt = 0 AND erstellt < $1)",
                grenze
            ),
            sql!(
                "DELETE FROM buerger WHERE bestaetigt = 0 AND erstellt < $1 \
                 AND NOT EXISTS (SELECT 1 FROM antrag a WHERE a.buerger_id = buerger.id)",
                grenze
            ),
        ])
        .await?;
    Ok(())
}

/// Deletes a citizen's account (Art. 17 DSGVO) unless an Antrag is still being worked on:
/// drafts go with it; ended Anträge stay with the authority until their Löschfrist, no
/// longer linked to the account. Returns the German reason when it cannot.
pub async fn buergerkonto_loeschen(st: &AppState, buerger_id: i64) -> Result<(), Fehler> {
    let offen = st
        .db
        .scalar(sql!(
            "SELECT COUNT(*) FROM antrag WHERE buerger_id = $1 AND zustand IN ('eingereicht', 'in-bearbeitung', 'nachforderung', 'nachgereicht')",
            buerger_id
        ))
        .await?;
    if offen > 0 {
        return Err(Fehler::feld(
            "loeschen",
            format!(
                "Ihr Konto hat noch {offen} Antrag/Anträge in Bearbeitung. Die Behörde braucht sie; ziehen Sie sie zurück oder warten Sie auf den Bescheid, dann können Sie das Konto löschen."
            ),
        ));
    }
    let jetzt = st.uhr.sekunden();
    st.db
        .execute_all(&[
            // Drafts: deleted at the next run of the Löschfristen.
            sql!(
                "UPDATE antrag SET loeschen_ab = $1 WHERE buerger_id = $2 AND zustand = 'entwurf'",
                jetzt,
                buerger_id
            ),
            sql!(
                "UPDATE antrag SET buerger_id = NULL WHERE buerger_id = $1",
                buerger_id
            ),
            person::alle_beenden(PersonArt::Buerger, buerger_id),
            sql!(
                "DELETE FROM portal_token WHERE bezug = $1 AND zweck = 'bestaetigen'",
                buerger_id
            ),
            sql!("DELETE FROM buerger WHERE id = $1", buerger_id),
            audit::eintrag(
                &st.uhr,
                &format!("buerger:{buerger_id}"),
                "buergerkonto-geloescht",
                &Objekt::new(BUERGER, buerger_id),
                &[],
            ),
        ])
        .await?;
    Ok(())
}
