//! Queries of the Anträge: drafts, submission with its number, transitions with their
//! history and audit entry in one transaction, the Postfach, notes, and the inbox.
//!
//! Tenancy: every query for staff carries the authority's id (`behoerde_id = $n`); a record of
//! another authority is "not found", never shown.

use std::collections::BTreeMap;

use ozg_domain::antrag::{self, Beteiligter, Ereignis, Zustand};
use ozg_domain::formular::Antworten;
use serde::{Deserialize, Serialize};

use crate::antraege::Dienst;
use crate::kern::audit::{self, Art, Objekt};
use crate::kern::db::{Db, SqlBuilder, Stmt};
use crate::kern::token::{token, token_hash};
use crate::kern::uhr::Uhr;
use crate::kern::{AppState, Fehler};
use crate::sql;

/// The audit log's record of an Antrag (`antrag:<id>`).
pub const ANTRAG: Art = Art("antrag");

/// An Antrag as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Antrag {
    /// Number.
    pub id: i64,
    /// Service key.
    pub dienst: String,
    /// Responsible authority (once known).
    pub behoerde_id: Option<i64>,
    /// The citizen's account (None: without account).
    pub buerger_id: Option<i64>,
    /// E-mail for notifications.
    pub email: String,
    /// Antragsnummer (after submission).
    pub nummer: Option<String>,
    /// State key.
    pub zustand: String,
    /// The draft's current step.
    pub schritt: i64,
    /// Answers (JSON).
    pub daten: String,
    /// Applicant's name (for the inbox).
    pub name: String,
    /// Assigned staff member.
    pub zugewiesen: Option<i64>,
    /// Deadline (seconds).
    pub frist: Option<i64>,
    /// Created.
    pub erstellt: i64,
    /// Submitted.
    pub eingereicht: Option<i64>,
    /// Ended (Bescheid, withdrawn, closed).
    pub abgeschlossen: Option<i64>,
    /// Version (optimistic lock).
    pub version: i64,
}

impl Antrag {
    /// The state.
    pub fn zustand(&self) -> Zustand {
        Zustand::parse(&self.zustand).unwrap_or(Zustand::Entwurf)
    }

    /// The answers.
    pub fn antworten(&self) -> Antworten {
        serde_json::from_str(&self.daten).unwrap_or_default()
    }

    /// The Antragsnummer or, for a draft, "Entwurf".
    pub fn nummer_text(&self) -> String {
        self.nummer.clone().unwrap_or_else(|| "Entwurf".into())
    }

    /// The audit record.
    pub fn objekt(&self) -> Objekt {
        Objekt::new(ANTRAG, self.id)
    }
}

const SPALTEN: &str = "id, dienst, behoerde_id, buerger_id, email, nummer, zustand, schritt, daten, name, zugewiesen, frist, erstellt, eingereicht, abgeschlossen, version";

/// An Antrag by id.
pub async fn laden(db: &Db, id: i64) -> Result<Option<Antrag>, Fehler> {
    let mut q = SqlBuilder::new("SELECT ");
    q.push(SPALTEN).push(" FROM antrag WHERE id = ").bind(id);
    Ok(db.query_opt(q.stmt()).await?)
}

/// An Antrag of this authority (tenancy: another authority's is `None`), only once submitted
/// (a draft, also a withdrawn one, is the citizen's alone).
pub async fn laden_fuer_behoerde(
    db: &Db,
    id: i64,
    behoerde_id: i64,
) -> Result<Option<Antrag>, Fehler> {
    let mut q = SqlBuilder::new("SELECT ");
    q.push(SPALTEN)
        .push(" FROM antrag WHERE eingereicht IS NOT NULL AND id = ")
        .bind(id)
        .push(" AND behoerde_id = ")
        .bind(behoerde_id);
    Ok(db.query_opt(q.stmt()).await?)
}

/// The Anträge of a citizen's account, newest first.
pub async fn vom_buerger(db: &Db, buerger_id: i64) -> Result<Vec<Antrag>, Fehler> {
    let mut q = SqlBuilder::new("SELECT ");
    q.push(SPALTEN)
        .push(" FROM antrag WHERE buerger_id = ")
        .bind(buerger_id)
        .push(" ORDER BY erstellt DESC, id DESC");
    Ok(db.query(q.stmt()).await?)
}

/// The draft or Antrag a resume link's token opens.
pub async fn per_token(db: &Db, t: &str) -> Result<Option<Antrag>, Fehler> {
    let mut q = SqlBuilder::new("SELECT ");
    q.push(SPALTEN)
        .push(" FROM antrag WHERE fortsetzen_hash = ")
        .bind(token_hash(t));
    Ok(db.query_opt(q.stmt()).await?)
}

/// Starts a draft: for an account, or (without) with a new resume token, returned.
pub async fn anlegen(
    st: &AppState,
    dienst: &Dienst,
    buerger_id: Option<i64>,
    email: &str,
    wer: &str,
) -> Result<(i64, Option<String>), Fehler> {
    let fortsetzen = if buerger_id.is_none() {
        Some(token()?)
    } else {
        None
    };
    let jetzt = st.uhr.sekunden();
    let id = st
        .db
        .mit_neuer_id("antrag", |id| {
            vec![
                sql!(
                    "INSERT INTO antrag (id, dienst, behoerde_id, buerger_id, fortsetzen_hash, email, nummer, zustand, schritt, daten, suchtext, name, zugewiesen, frist, erstellt, geaendert, eingereicht, abgeschlossen, loeschen_ab, version) \
                     VALUES ($1, $2, NULL, $3, $4, $5, NULL, 'entwurf', 0, '{}', '', '', NULL, NULL, $6, $6, NULL, NULL, $7, 1)",
                    id,
                    dienst.schluessel,
                    buerger_id,
                    fortsetzen.as_deref().map(token_hash),
                    email,
                    jetzt,
                    // A draft nobody finishes is deleted after 30 days.
                    jetzt + ENTWURF_TAGE * 86_400
                ),
                audit::eintrag(
                    &st.uhr,
                    wer,
                    "antrag-begonnen",
                    &Objekt::new(ANTRAG, id),
                    &[("dienst", "", dienst.schluessel)],
                ),
            ]
        })
        .await?;
    Ok((id, fortsetzen))
}

/// Days an untouched draft is kept.
pub const ENTWURF_TAGE: i64 = 30;

/// Saves a step's answers (and the authority, once the address names it); `schritt`: the
/// step to show next. Guarded by the version: a second tab's older state is refused.
pub async fn entwurf_speichern(
    st: &AppState,
    a: &Antrag,
    antworten: &Antworten,
    schritt: usize,
    behoerde_id: Option<i64>,
    name: &str,
) -> Result<bool, Fehler> {
    let jetzt = st.uhr.sekunden();
    Ok(st
        .db
        .execute_guarded(
            &[sql!(
                "UPDATE antrag SET daten = $1, schritt = $2, behoerde_id = $3, name = $4, geaendert = $5, loeschen_ab = $6, version = version + 1 \
                 WHERE id = $7 AND version = $8 AND zustand = 'entwurf'",
                serde_json::to_string(antworten).map_err(anyhow::Error::from)?,
                schritt as i64,
                behoerde_id,
                name,
                jetzt,
                jetzt + ENTWURF_TAGE * 86_400,
                a.id,
                a.version
            )],
            0,
        )
        .await?)
}

/// The next number of the authority's series for `praefix` in `jahr` (its own transaction:
/// a number is never handed out twice, a gap after a failed submission is harmless).
pub async fn naechste_nummer(
    db: &Db,
    behoerde_id: i64,
    praefix: &str,
    jahr: i16,
) -> Result<i64, Fehler> {
    // Insert the series once; concurrent first submissions both try, one wins.
    let _ = db
        .execute_all(&[sql!(
            "INSERT INTO antrag_nummer (behoerde_id, praefix, jahr, letzte) VALUES ($1, $2, $3, 0) \
             ON CONFLICT (behoerde_id, praefix, jahr) DO NOTHING",
            behoerde_id,
            praefix,
            i64::from(jahr)
        )])
        .await;
    Ok(db
        .scalar_opt(sql!(
            "UPDATE antrag_nummer SET letzte = letzte + 1 WHERE behoerde_id = $1 AND praefix = $2 AND jahr = $3 RETURNING letzte",
            behoerde_id,
            praefix,
            i64::from(jahr)
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("Nummernfolge fehlt"))?)
}

/// The statements of a transition (guarded: the state and version must still be the ones
/// read), its history entry and its audit entry: all in one transaction. `dazu` are further
/// statements of the same change (a message, the Bescheid file). `setzen`: more columns.
pub struct Uebergang<'a> {
    /// The Antrag as read.
    pub antrag: &'a Antrag,
    /// The event.
    pub ereignis: Ereignis,
    /// Who (citizen or staff).
    pub wer: Beteiligter,
    /// The audit name of the person.
    pub wer_name: &'a str,
    /// The reason (required for some events, read by the citizen).
    pub begruendung: &'a str,
}

/// Checks a transition against the lifecycle and returns the new state and the guarded
/// statements (guard at index 0), or the German refusal.
pub async fn uebergang(
    db: &Db,
    uhr: &Uhr,
    u: &Uebergang<'_>,
    setzen: Option<Stmt>,
    dazu: Vec<Stmt>,
) -> Result<(Zustand, Vec<Stmt>), Fehler> {
    let von = u.antrag.zustand();
    let nach = antrag::schritt(von, u.ereignis, u.wer, u.begruendung)
        .map_err(|v| Fehler::feld("ereignis", v.0))?;
    let jetzt = uhr.sekunden();
    let ereignis_id = db.neue_id("antrag_ereignis").await?;
    let mut stmts = vec![sql!(
        "UPDATE antrag SET zustand = $1, geaendert = $2, version = version + 1 WHERE id = $3 AND zustand = $4 AND version = $5",
        nach.key(),
        jetzt,
        u.antrag.id,
        von.key(),
        u.antrag.version
    )];
    if let Some(s) = setzen {
        stmts.push(s);
    }
    stmts.push(sql!(
        "INSERT INTO antrag_ereignis (id, antrag_id, zeit, wer, ereignis, von, nach, begruendung) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ereignis_id,
        u.antrag.id,
        jetzt,
        u.wer.key(),
        u.ereignis.key(),
        von.key(),
        nach.key(),
        u.begruendung.trim()
    ));
    stmts.push(audit::eintrag(
        uhr,
        u.wer_name,
        &format!("antrag-{}", u.ereignis.key()),
        &u.antrag.objekt(),
        &[("zustand", von.key(), nach.key())],
    ));
    stmts.extend(dazu);
    Ok((nach, stmts))
}

/// Runs a transition's statements; a lost race (state or version changed meanwhile) is a
/// conflict with a German message.
pub async fn ausfuehren(db: &Db, stmts: &[Stmt]) -> Result<(), Fehler> {
    if db.execute_guarded(stmts, 0).await? {
        Ok(())
    } else {
        Err(Fehler::feld(
            "ereignis",
            "Der Antrag wurde inzwischen geändert. Bitte laden Sie die Seite neu und versuchen Sie es erneut.",
        ))
    }
}

/// A history entry as shown.
#[derive(Debug, Clone, Deserialize)]
pub struct Verlauf {
    /// When.
    pub zeit: i64,
    /// Who (role key).
    pub wer: String,
    /// Event key.
    pub ereignis: String,
    /// State after.
    pub nach: String,
    /// Reason.
    pub begruendung: String,
}

impl Verlauf {
    /// The event's label.
    pub fn ereignis_label(&self) -> &'static str {
        Ereignis::parse(&self.ereignis)
            .map(Ereignis::label)
            .unwrap_or("–")
    }
    /// The state's label.
    pub fn nach_label(&self) -> &'static str {
        Zustand::parse(&self.nach)
            .map(Zustand::label)
            .unwrap_or("–")
    }
    /// Who, as shown.
    pub fn wer_label(&self) -> &'static str {
        Beteiligter::parse(&self.wer)
            .map(Beteiligter::label)
            .unwrap_or("–")
    }
    /// German time.
    pub fn zeit_de(&self) -> String {
        crate::kern::uhr::zeit_de(self.zeit)
    }
}

/// The history of an Antrag, oldest first.
pub async fn verlauf(db: &Db, antrag_id: i64) -> Result<Vec<Verlauf>, Fehler> {
    Ok(db
        .query(sql!(
            "SELECT zeit, wer, ereignis, nach, begruendung FROM antrag_ereignis WHERE antrag_id = $1 ORDER BY zeit, id",
            antrag_id
        ))
        .await?)
}

/// A Postfach message.
#[derive(Debug, Clone, Deserialize)]
pub struct Nachricht {
    /// Number.
    pub id: i64,
    /// 'an-buerger' | 'an-behoerde'.
    pub richtung: String,
    /// 'nachricht' | 'nachforderung' | 'bescheid'.
    pub art: String,
    /// Sender as shown.
    pub von: String,
    /// Subject.
    pub betreff: String,
    /// Text.
    pub text: String,
    /// Deadline of a Nachforderung.
    pub frist: Option<i64>,
    /// Sent.
    pub zeit: i64,
    /// Read by the recipient.
    pub gelesen: Option<i64>,
}

impl Nachricht {
    /// German time.
    pub fn zeit_de(&self) -> String {
        crate::kern::uhr::zeit_de(self.zeit)
    }
    /// German deadline.
    pub fn frist_de(&self) -> String {
        self.frist
            .map(|f| crate::kern::uhr::datum_de(&crate::kern::uhr::tag_iso(f)))
            .unwrap_or_default()
    }
    /// Sent to the citizen.
    pub fn an_buerger(&self) -> bool {
        self.richtung == "an-buerger"
    }
    /// The kind, as shown.
    pub fn art_label(&self) -> &'static str {
        match self.art.as_str() {
            "nachforderung" => "Nachforderung",
            "bescheid" => "Bescheid",
            _ => "Nachricht",
        }
    }
}

/// The messages of an Antrag, oldest first.
pub async fn nachrichten(db: &Db, antrag_id: i64) -> Result<Vec<Nachricht>, Fehler> {
    Ok(db
        .query(sql!(
            "SELECT id, richtung, art, von, betreff, text, frist, zeit, gelesen FROM nachricht WHERE antrag_id = $1 ORDER BY zeit, id",
            antrag_id
        ))
        .await?)
}

/// The statement that stores a message under `id`.
#[allow(clippy::too_many_arguments)]
pub fn nachricht_stmt(
    id: i64,
    antrag_id: i64,
    an_buerger: bool,
    art: &str,
    von: &str,
    betreff: &str,
    text: &str,
    frist: Option<i64>,
    zeit: i64,
) -> Stmt {
    sql!(
        "INSERT INTO nachricht (id, antrag_id, richtung, art, von, betreff, text, frist, zeit, gelesen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
        id,
        antrag_id,
        if an_buerger {
            "an-buerger"
        } else {
            "an-behoerde"
        },
        art,
        von,
        betreff,
        text,
        frist,
        zeit
    )
}

/// The statement that marks the messages to one side as read (when that side opens the
/// Antrag: a POST, since a GET never writes).
pub fn gelesen_stmt(antrag_id: i64, an_buerger: bool, zeit: i64) -> Stmt {
    sql!(
        "UPDATE nachricht SET gelesen = $1 WHERE antrag_id = $2 AND richtung = $3 AND gelesen IS NULL",
        zeit,
        antrag_id,
        if an_buerger {
            "an-buerger"
        } else {
            "an-behoerde"
        }
    )
}

/// An internal note.
#[derive(Debug, Clone, Deserialize)]
pub struct Notiz {
    /// Who.
    pub von: String,
    /// When.
    pub zeit: i64,
    /// Text.
    pub text: String,
}

impl Notiz {
    /// German time.
    pub fn zeit_de(&self) -> String {
        crate::kern::uhr::zeit_de(self.zeit)
    }
}

/// The notes of an Antrag.
pub async fn notizen(db: &Db, antrag_id: i64) -> Result<Vec<Notiz>, Fehler> {
    Ok(db
        .query(sql!(
            "SELECT von, zeit, text FROM antrag_notiz WHERE antrag_id = $1 ORDER BY zeit, id",
            antrag_id
        ))
        .await?)
}

/// An authority.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Behoerde {
    /// Number.
    pub id: i64,
    /// Key from the Zuständigkeit.
    pub schluessel: String,
    /// Name.
    pub name: String,
    /// Address lines, separated by line breaks.
    pub anschrift: String,
    /// Functional mailbox.
    pub email: String,
    /// Antragsnummer format.
    pub nummernformat: String,
}

impl Behoerde {
    /// Address lines.
    pub fn anschrift_zeilen(&self) -> Vec<String> {
        self.anschrift
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// An authority by id.
pub async fn behoerde(db: &Db, id: i64) -> Result<Option<Behoerde>, Fehler> {
    Ok(db
        .query_opt(sql!(
            "SELECT id, schluessel, name, anschrift, email, nummernformat FROM behoerde WHERE id = $1",
            id
        ))
        .await?)
}

/// An authority by its Zuständigkeit key.
pub async fn behoerde_per_schluessel(db: &Db, s: &str) -> Result<Option<Behoerde>, Fehler> {
    Ok(db
        .query_opt(sql!(
            "SELECT id, schluessel, name, anschrift, email, nummernformat FROM behoerde WHERE schluessel = $1",
            s
        ))
        .await?)
}

/// A staff member as the case pages show them.
#[derive(Debug, Clone, Deserialize)]
pub struct Person {
    /// Number.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// The active case workers of an authority (for assignment).
pub async fn sachbearbeitung(db: &Db, behoerde_id: i64) -> Result<Vec<Person>, Fehler> {
    Ok(db
        .query(sql!(
            "SELECT id, name FROM mitarbeiter WHERE behoerde_id = $1 AND aktiv = 1 AND rolle <> 'administration' ORDER BY name",
            behoerde_id
        ))
        .await?)
}

/// The inbox's filters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filter {
    /// Service key.
    #[serde(default)]
    pub dienst: String,
    /// State key.
    #[serde(default)]
    pub zustand: String,
    /// Submitted on or after (typed date).
    #[serde(default)]
    pub von: String,
    /// Submitted on or before (typed date).
    #[serde(default)]
    pub bis: String,
    /// "ich", "niemand" or a staff id.
    #[serde(default)]
    pub zugewiesen: String,
    /// "ja": only overdue.
    #[serde(default)]
    pub ueberfaellig: String,
    /// Search words.
    #[serde(default)]
    pub q: String,
    /// Page (1-based).
    #[serde(default)]
    pub seite: Option<i64>,
}

/// One row of the inbox.
#[derive(Debug, Clone, Deserialize)]
pub struct Zeile {
    /// Number.
    pub id: i64,
    /// Antragsnummer.
    pub nummer: Option<String>,
    /// Service key.
    pub dienst: String,
    /// State key.
    pub zustand: String,
    /// Applicant.
    pub name: String,
    /// Submitted.
    pub eingereicht: Option<i64>,
    /// Deadline.
    pub frist: Option<i64>,
    /// Assigned to (name).
    pub zugewiesen_name: Option<String>,
    /// Unread messages from the citizen.
    pub ungelesen: i64,
}

/// Rows per inbox page.
pub const SEITE_ZEILEN: i64 = 50;

/// The inbox of an authority: one page of rows and the number of hits. Dates are already
/// parsed (`von`/`bis` as seconds); `ich` is the viewer's staff id.
#[allow(clippy::too_many_arguments)]
pub async fn eingang(
    db: &Db,
    behoerde_id: i64,
    f: &Filter,
    von: Option<i64>,
    bis: Option<i64>,
    ich: i64,
    jetzt: i64,
) -> Result<(Vec<Zeile>, i64), Fehler> {
    let bedingungen = |q: &mut SqlBuilder| {
        q.bind(behoerde_id).push(" AND a.eingereicht IS NOT NULL");
        if !f.dienst.is_empty() {
            q.push(" AND a.dienst = ").bind(f.dienst.clone());
        }
        match f.zustand.as_str() {
            "" => {}
            "offen" => {
                q.push(" AND a.zustand IN ('eingereicht', 'in-bearbeitung', 'nachforderung', 'nachgereicht')");
            }
            z => {
                q.push(" AND a.zustand = ").bind(z.to_owned());
            }
        }
        if let Some(v) = von {
            q.push(" AND a.eingereicht >= ").bind(v);
        }
        if let Some(b) = bis {
            q.push(" AND a.eingereicht < ").bind(b);
        }
        match f.zugewiesen.as_str() {
            "" => {}
            "ich" => {
                q.push(" AND a.zugewiesen = ").bind(ich);
            }
            "niemand" => {
                q.push(" AND a.zugewiesen IS NULL");
            }
            x => {
                q.push(" AND a.zugewiesen = ")
                    .bind(x.parse::<i64>().unwrap_or(-1));
            }
        }
        if f.ueberfaellig == "ja" {
            q.push(" AND a.frist < ")
                .bind(jetzt)
                .push(" AND a.zustand IN ('eingereicht', 'in-bearbeitung', 'nachforderung', 'nachgereicht')");
        }
        for wort in ozg_domain::search::woerter(&f.q).into_iter().take(5) {
            q.push(" AND a.suchtext LIKE ").bind(format!("% {wort}%"));
        }
    };
    let mut zahl = SqlBuilder::new("SELECT COUNT(*) FROM antrag a WHERE a.behoerde_id = ");
    bedingungen(&mut zahl);
    let treffer = db.scalar(zahl.stmt()).await?;
    let seite = f.seite.unwrap_or(1).clamp(1, 1_000_000);
    let mut q = SqlBuilder::new(
        "SELECT a.id, a.nummer, a.dienst, a.zustand, a.name, a.eingereicht, a.frist, m.name AS zugewiesen_name, \
         (SELECT COUNT(*) FROM nachricht n WHERE n.antrag_id = a.id AND n.richtung = 'an-behoerde' AND n.gelesen IS NULL) AS ungelesen \
         FROM antrag a LEFT JOIN mitarbeiter m ON m.id = a.zugewiesen WHERE a.behoerde_id = ",
    );
    bedingungen(&mut q);
    q.push(" ORDER BY a.eingereicht DESC, a.id DESC LIMIT ")
        .bind(SEITE_ZEILEN)
        .push(" OFFSET ")
        .bind((seite - 1) * SEITE_ZEILEN);
    Ok((db.query(q.stmt()).await?, treffer))
}

/// The search text of an Antrag: its number and answers as words the search compares
/// (umlauts folded, lower case), each after a space, so a search word matches word starts.
pub fn suchtext(nummer: &str, antworten: &BTreeMap<String, String>) -> String {
    let mut s = String::from(nummer);
    for w in antworten.values() {
        s.push(' ');
        s.push_str(w);
    }
    let mut t = String::from(" ");
    t.push_str(&ozg_domain::search::woerter(&s).join(" "));
    t
}
