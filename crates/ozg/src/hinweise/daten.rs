//! Feedback on accessibility: stored with its notice to the operator in one transaction,
//! throttled per client address and for all addresses together, deleted after [`AUFBEWAHREN_TAGE`] days.

use ozg_domain::rueckmeldung::{self as regel, AUFBEWAHREN_TAGE, FENSTER_MIN, Rueckmeldung};
use serde::Deserialize;

use crate::hinweise::betreiber::Betreiber;
use crate::kern::mail::Nachricht;
use crate::kern::token::{token, token_hash};
use crate::kern::{AppState, Fehler, postausgang};
use crate::sql;

/// How long a throttling mark is kept (the window is one hour; a day is plenty).
const VERSUCH_AUFBEWAHREN_S: i64 = 86_400;

/// Stores `r`, sent from `adresse`; when e-mail and a feedback address are configured, a
/// notice to the operator goes into the outbox in the same transaction (with the page and
/// the description only: name and e-mail address stay in the database). The submission is
/// counted *before* it is stored, so simultaneous requests cannot all pass the limit; a
/// refused one does not count. Returns the number of the submission.
pub async fn speichern(
    st: &AppState,
    betreiber: &Betreiber,
    r: &Rueckmeldung,
    adresse: &str,
) -> Result<i64, Fehler> {
    let (db, uhr) = (&st.db, &st.uhr);
    let jetzt = uhr.sekunden();
    let schluessel = token_hash(&ozg_domain::netz::drossel_schluessel(adresse));
    let kennung = token()?;
    db.execute_all(&[sql!(
        "INSERT INTO rueckmeldung_versuch (schluessel, zeit, kennung) VALUES ($1, $2, $3)",
        schluessel.as_str(),
        jetzt,
        kennung.as_str()
    )])
    .await?;
    let eigenen_loeschen = || {
        sql!(
            "DELETE FROM rueckmeldung_versuch WHERE kennung = $1",
            kennung.as_str()
        )
    };
    // This address's marks and everyone's, in one query (the own mark is not counted).
    #[derive(Deserialize)]
    struct Zahl {
        eigene: i64,
        alle: i64,
    }
    let z: Zahl = db
        .query_opt(sql!(
            "SELECT COALESCE(SUM(CASE WHEN schluessel = $1 THEN 1 ELSE 0 END), 0) AS eigene, COUNT(*) AS alle \
             FROM rueckmeldung_versuch WHERE zeit >= $2",
            schluessel.as_str(),
            jetzt - FENSTER_MIN * 60
        ))
        .await?
        .unwrap_or(Zahl { eigene: 1, alle: 1 });
    if let Some(m) = regel::drosselung(z.eigene - 1, z.alle - 1) {
        db.execute_all(&[eigenen_loeschen()]).await?;
        return Err(Fehler::ZuVieleAnfragen(m, (FENSTER_MIN * 60) as u64));
    }
    let ergebnis = async {
        let id = db.neue_id("rueckmeldung").await?;
        let mut stmts = vec![sql!(
            "INSERT INTO rueckmeldung (id, erstellt, seite, beschreibung, name, email) VALUES ($1, $2, $3, $4, $5, $6)",
            id,
            jetzt,
            r.seite.as_str(),
            r.beschreibung.as_str(),
            r.name.as_str(),
            r.email.as_str()
        )];
        let an = betreiber.rueckmeldung_an();
        if st.mail.is_some() && !an.is_empty() {
            let n = nachricht(st, betreiber, id, jetzt, r);
            stmts.extend(
                postausgang::einreihen(db, uhr, &format!("rueckmeldung:{id}"), &[n]).await?,
            );
        }
        db.execute_all(&stmts).await?;
        Ok::<i64, Fehler>(id)
    }
    .await;
    if ergebnis.is_err() {
        db.execute_all(&[eigenen_loeschen()]).await?;
    }
    ergebnis
}

/// The notice to the operator: that feedback arrived, the page and the description, and where
/// to read the rest (name and e-mail address are not in it).
fn nachricht(
    st: &AppState,
    betreiber: &Betreiber,
    id: i64,
    zeit: i64,
    r: &Rueckmeldung,
) -> Nachricht {
    let seite = if r.seite.is_empty() {
        "nicht angegeben"
    } else {
        r.seite.as_str()
    };
    let text = format!(
        "Guten Tag,\n\n\
         über das Formular der Erklärung zur Barrierefreiheit ist am {zeit} eine Rückmeldung eingegangen (Nr. {id}).\n\n\
         Seite: {seite}\n\n\
         Beschreibung:\n{beschreibung}\n\n\
         Ob die Person einen Namen oder eine E-Mail-Adresse für eine Antwort angegeben hat, steht nicht in dieser E-Mail. \
         Sie sehen es nach der Anmeldung als Koordinierungsstelle unter {basis}/verwaltung/rueckmeldungen.\n\
         Bitte antworten Sie innerhalb von sechs Wochen. Die Rückmeldung wird nach {AUFBEWAHREN_TAGE} Tagen gelöscht.\n",
        zeit = crate::kern::uhr::zeit_de(zeit),
        beschreibung = r.beschreibung,
        basis = st.basis_url,
    );
    Nachricht {
        name: if betreiber.name.trim().is_empty() {
            "Barrierefreiheit".into()
        } else {
            betreiber.name.trim().to_owned()
        },
        email: betreiber.rueckmeldung_an().to_owned(),
        betreff: format!("Neue Rückmeldung zur Barrierefreiheit (Nr. {id})"),
        text,
    }
}

/// A stored submission, for the Koordinierungsstelle.
#[derive(Deserialize)]
pub struct Zeile {
    /// Number.
    pub id: i64,
    /// When it arrived (seconds since the epoch).
    pub erstellt: i64,
    /// Page address.
    pub seite: String,
    /// Description.
    pub beschreibung: String,
    /// Name ("" when not given).
    pub name: String,
    /// E-mail address ("" when not given).
    pub email: String,
}

impl Zeile {
    /// When it arrived, in German time.
    pub fn zeit(&self) -> String {
        crate::kern::uhr::zeit_de(self.erstellt)
    }

    /// When it will be deleted (German date).
    pub fn loeschung(&self) -> String {
        crate::kern::uhr::datum_de(&crate::kern::uhr::tag_iso(
            self.erstellt + AUFBEWAHREN_TAGE * 86_400,
        ))
    }
}

/// The stored submissions, newest first (at most 500).
pub async fn liste(st: &AppState) -> Result<Vec<Zeile>, Fehler> {
    Ok(st
        .db
        .query(sql!(
            "SELECT id, erstellt, seite, beschreibung, name, email FROM rueckmeldung ORDER BY erstellt DESC, id DESC LIMIT 500"
        ))
        .await?)
}

/// Deletes submissions older than [`AUFBEWAHREN_TAGE`] days and throttling marks older than a
/// day (hourly task; idempotent, safe on several instances).
pub async fn aufraeumen(st: &AppState) -> Result<(), Fehler> {
    let jetzt = st.uhr.sekunden();
    st.db
        .execute_all(&[
            sql!(
                "DELETE FROM rueckmeldung WHERE erstellt < $1",
                jetzt - AUFBEWAHREN_TAGE * 86_400
            ),
            sql!(
                "DELETE FROM rueckmeldung_versuch WHERE zeit < $1",
                jetzt - VERSUCH_AUFBEWAHREN_S
            ),
        ])
        .await?;
    Ok(())
}
