//! The outbox: e-mail leaves the portal from a persistent queue, never inside a request.
//!
//! A handler adds its messages with [`einreihen`] to the transaction of the change that causes
//! them (so a message exists exactly when the change does). The scheduled task
//! [`aufgabe`] sends what is due: it claims each message with a guarded update (so two
//! instances never send the same one), sends it through SMTP, and on failure tries again later
//! (1 min, 5 min, 30 min, 2 h, 12 h, then gives up and keeps the reason). Without an SMTP
//! configuration nothing is sent and messages wait. Sent and given-up messages are deleted
//! after 30 days.

use serde::Deserialize;

use crate::kern::Fehler;
use crate::kern::db::{Db, DbFehler, Stmt};
use crate::kern::mail::{self, Nachricht};
use crate::kern::uhr::Uhr;
use crate::kern::zustand::{AppState, Zukunft};
use crate::sql;

/// Waiting times after the 1st, 2nd, … failed attempt, in seconds; then it gives up.
const WARTEN: [i64; 5] = [60, 300, 1800, 7200, 43_200];
/// How long a claimed message is reserved for the instance that sends it.
const SPERRE: i64 = 300;
/// Days sent and given-up messages are kept.
const AUFBEWAHREN_TAGE: i64 = 30;

/// The statements that put `nachrichten` into the outbox (add them to the change's
/// transaction). `anlass` groups them for the status shown to the sender (e.g.
/// `vortreffen:kinderbetreuung:`).
pub async fn einreihen(
    db: &Db,
    uhr: &Uhr,
    anlass: &str,
    nachrichten: &[Nachricht],
) -> Result<Vec<Stmt>, DbFehler> {
    let ids = db.neue_ids("postausgang", nachrichten.len()).await?;
    let jetzt = uhr.sekunden();
    Ok(nachrichten
        .iter()
        .zip(ids)
        .map(|(m, id)| {
            sql!(
                "INSERT INTO postausgang (id, empfaenger_name, empfaenger, betreff, text, anlass, erstellt, naechster_versuch) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                id,
                m.name.as_str(),
                m.email.as_str(),
                m.betreff.as_str(),
                m.text.as_str(),
                anlass,
                jetzt,
                jetzt
            )
        })
        .collect())
}

/// How the messages of one occasion stand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Stand {
    /// Sent.
    pub gesendet: i64,
    /// Waiting (first try or retry).
    pub wartend: i64,
    /// Given up.
    pub aufgegeben: i64,
}

/// The state of the messages of `anlass` (e.g. `vortreffen:kinderbetreuung:`).
pub async fn stand(db: &Db, anlass: &str) -> Result<Stand, DbFehler> {
    Ok(db
        .query_opt::<Stand>(sql!(
            "SELECT COALESCE(SUM(CASE WHEN gesendet IS NOT NULL THEN 1 ELSE 0 END), 0) AS gesendet, \
             COALESCE(SUM(CASE WHEN gesendet IS NULL AND aufgegeben IS NULL THEN 1 ELSE 0 END), 0) AS wartend, \
             COALESCE(SUM(CASE WHEN aufgegeben IS NOT NULL THEN 1 ELSE 0 END), 0) AS aufgegeben \
             FROM postausgang WHERE anlass = $1",
            anlass
        ))
        .await?
        .unwrap_or_default())
}

#[derive(Deserialize)]
struct Faellig {
    id: i64,
    empfaenger_name: String,
    empfaenger: String,
    betreff: String,
    text: String,
    versuche: i64,
}

/// Deletes messages sent or given up more than [`AUFBEWAHREN_TAGE`] ago (hourly task).
pub async fn aufraeumen(st: AppState) -> Result<(), Fehler> {
    let jetzt = st.uhr.sekunden();
    st.db
        .execute_all(&[sql!(
            "DELETE FROM postausgang WHERE (gesendet IS NOT NULL AND gesendet < $1) OR (aufgegeben IS NOT NULL AND aufgegeben < $1)",
            jetzt - AUFBEWAHREN_TAGE * 86_400
        )])
        .await?;
    Ok(())
}

/// Sends what is due (at most 50 per run). Returns how many were sent.
pub async fn zustellen(st: &AppState) -> Result<usize, Fehler> {
    let (db, uhr) = (&st.db, &st.uhr);
    let Some(cfg) = &st.mail else {
        return Ok(0);
    };
    let faellig: Vec<Faellig> = db
        .query(sql!(
            "SELECT id, empfaenger_name, empfaenger, betreff, text, versuche FROM postausgang \
             WHERE gesendet IS NULL AND aufgegeben IS NULL AND naechster_versuch <= $1 \
             AND (gesperrt_bis IS NULL OR gesperrt_bis < $1) ORDER BY id LIMIT 50",
            uhr.sekunden()
        ))
        .await?;
    if faellig.is_empty() {
        return Ok(0);
    }
    let zusteller = mail::Zusteller::neu(cfg).map_err(Fehler::NichtVerfuegbar)?;
    let mut gesendet = 0;
    for m in faellig {
        // Claim it; another instance that got here first wins. The lease counts from now, not
        // from the start of the run: a run of slow sends outlasts a lease taken back then.
        let nun = uhr.sekunden();
        let mein = db
            .execute_guarded(
                &[sql!(
                    "UPDATE postausgang SET gesperrt_bis = $1 WHERE id = $2 AND gesendet IS NULL \
                     AND aufgegeben IS NULL AND (gesperrt_bis IS NULL OR gesperrt_bis < $3)",
                    nun + SPERRE,
                    m.id,
                    nun
                )],
                0,
            )
            .await?;
        if !mein {
            continue;
        }
        let n = Nachricht {
            name: m.empfaenger_name,
            email: m.empfaenger,
            betreff: m.betreff,
            text: m.text,
        };
        let ergebnis = zusteller.senden(&n, &format!("postausgang-{}", m.id)).await;
        let versuche = m.versuche + 1;
        let jetzt = uhr.sekunden();
        if ergebnis.is_ok() {
            gesendet += 1;
            db.execute_all(&[sql!(
                "UPDATE postausgang SET gesendet = $1, versuche = $2, gesperrt_bis = NULL, fehler = NULL WHERE id = $3",
                jetzt,
                versuche,
                m.id
            )])
            .await?;
        } else {
            let fehler = ergebnis.err().unwrap_or_default();
            tracing::warn!(
                "E-Mail {} nicht zugestellt (Versuch {versuche}): {fehler}",
                m.id
            );
            let stmt = match WARTEN.get(versuche as usize - 1) {
                Some(w) => sql!(
                    "UPDATE postausgang SET versuche = $1, naechster_versuch = $2, gesperrt_bis = NULL, fehler = $3 WHERE id = $4",
                    versuche,
                    jetzt + w,
                    fehler,
                    m.id
                ),
                None => sql!(
                    "UPDATE postausgang SET versuche = $1, aufgegeben = $2, gesperrt_bis = NULL, fehler = $3 WHERE id = $4",
                    versuche,
                    jetzt,
                    fehler,
                    m.id
                ),
            };
            db.execute_all(&[stmt]).await?;
        }
    }
    Ok(gesendet)
}

/// The scheduled task.
pub fn aufgabe(st: AppState) -> Zukunft<'static, Result<(), Fehler>> {
    Box::pin(async move { zustellen(&st).await.map(|_| ()) })
}
