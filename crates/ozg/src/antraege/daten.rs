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

/// The columns of an inbox row, from the Antrag `z` (the page's ids come from a subquery).
const ZEILE: &str = "SELECT z.id, z.nummer, z.dienst, z.zustand, z.name, z.eingereicht, z.frist, m.name AS zugewiesen_name, \
     (SELECT COUNT(*) FROM nachricht n WHERE n.antrag_id = z.id AND n.richtung = 'an-behoerde' AND n.gelesen IS NULL) AS ungelesen \
     FROM antrag z LEFT JOIN mitarbeiter m ON m.id = z.zugewiesen WHERE z.id IN (SELECT a.id FROM antrag a WHERE ";

/// The inbox of an authority: one page of rows and the number of hits. Dates are already
/// parsed (`von`/`bis` as seconds); `ich` is the viewer's staff id.
///
/// How it stays fast over 100,000 Anträge (docs/benchmarks.md): the hits are counted and the
/// page's 50 ids found in the list indexes alone (they hold the order and the state); only
/// those 50 rows are read, joined and get their unread messages counted. A search takes its
/// candidates from the word index (for its longest word) and checks the other words on the
/// search text as before.
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
    let woerter: Vec<String> = ozg_domain::search::woerter(&f.q)
        .into_iter()
        .take(5)
        .collect();
    // The word index, once it holds every submitted Antrag (see `suchwoerter_nachtragen`).
    let index_wort = match woerter.iter().rev().max_by_key(|w| w.len()) {
        Some(w) if db.meta(SUCHWORT_NACHTRAGEN).await?.is_none() => Some(w.as_str()),
        _ => None,
    };
    // Up to 7 bytes the index decides a word exactly (its LIKE would change nothing).
    let exakt = index_wort.is_some_and(|w| w.len() <= ANFANG_BYTES);
    // `probe`: the word index is asked per row (a lookup in the Antrag's own words) instead of
    // handing out its candidates — for walking the list in its order.
    let bedingungen = |q: &mut SqlBuilder, probe: bool| {
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
        if let Some(w) = index_wort {
            let (unten, oben) = suchwort_bereich(w);
            if probe {
                q.push(" AND EXISTS (SELECT 1 FROM antrag_suchwort w WHERE w.antrag_id = a.id AND w.anfang BETWEEN ");
            } else {
                q.push(" AND a.id IN (SELECT w.antrag_id FROM antrag_suchwort w WHERE w.behoerde_id = ")
                    .bind(behoerde_id)
                    .push(" AND w.anfang BETWEEN ");
            }
            q.bind(unten).push(" AND ").bind(oben).push(")");
        }
        for wort in &woerter {
            if !(exakt && Some(wort.as_str()) == index_wort) {
                q.push(" AND a.suchtext LIKE ").bind(format!("% {wort}%"));
            }
        }
    };
    let nur_suche = f.dienst.is_empty()
        && f.zustand.is_empty()
        && von.is_none()
        && bis.is_none()
        && f.zugewiesen.is_empty()
        && f.ueberfaellig != "ja";
    let treffer = match index_wort {
        // One word the index decides, nothing else: the index alone counts (it holds the
        // submitted Anträge of this authority only, each word once per Antrag).
        Some(w) if exakt && nur_suche && woerter.len() == 1 => {
            let (unten, oben) = suchwort_bereich(w);
            db.scalar(sql!(
                "SELECT COUNT(DISTINCT antrag_id) FROM antrag_suchwort WHERE behoerde_id = $1 AND anfang BETWEEN $2 AND $3",
                behoerde_id,
                unten,
                oben
            ))
            .await?
        }
        // The authority checked on each candidate (`+a.behoerde_id` is no index column), so
        // the database walks the word index's candidates, not the authority's whole list
        // (SQLite has no statistics that would tell it the authority is not selective).
        Some(_) => {
            let mut zahl = SqlBuilder::new("SELECT COUNT(*) FROM antrag a WHERE +a.behoerde_id = ");
            bedingungen(&mut zahl, false);
            db.scalar(zahl.stmt()).await?
        }
        None => {
            let mut zahl = SqlBuilder::new("SELECT COUNT(*) FROM antrag a WHERE a.behoerde_id = ");
            bedingungen(&mut zahl, false);
            db.scalar(zahl.stmt()).await?
        }
    };
    let seite = f.seite.unwrap_or(1).clamp(1, 1_000_000);
    let mut q = SqlBuilder::new(ZEILE);
    // A search with few hits sorts its candidates; with many (1,000 or more) the list is
    // walked in its order, each row looked up in its own words, until the page is full.
    let wenige = index_wort.is_some() && treffer < 20 * SEITE_ZEILEN;
    q.push(if wenige {
        "+a.behoerde_id = "
    } else {
        "a.behoerde_id = "
    });
    bedingungen(&mut q, !wenige);
    q.push(" ORDER BY a.eingereicht DESC, a.id DESC LIMIT ")
        .bind(SEITE_ZEILEN)
        .push(" OFFSET ")
        .bind((seite - 1) * SEITE_ZEILEN)
        .push(") ORDER BY z.eingereicht DESC, z.id DESC");
    Ok((db.query(q.stmt()).await?, treffer))
}

/// Set (in `meta`) while Anträge submitted before the word index still lack their words.
const SUCHWORT_NACHTRAGEN: &str = "antrag_suchwort_nachtragen";

/// Bytes of a word that make its number in the word index.
const ANFANG_BYTES: usize = 7;

/// The number of a word's first [`ANFANG_BYTES`] bytes (big-endian, the rest filled with
/// `fuellung`): byte order is number order, in every database.
fn anfang(wort: &[u8], fuellung: u8) -> i64 {
    let mut b = [fuellung; 8];
    b[0] = 0;
    let n = wort.len().min(ANFANG_BYTES);
    b[1..=n].copy_from_slice(&wort[..n]);
    i64::from_be_bytes(b)
}

/// The range of numbers of the words that start with `wort`: exact up to 7 bytes, beyond
/// that the words sharing its first 7 bytes (the LIKE on the search text decides).
pub fn suchwort_bereich(wort: &str) -> (i64, i64) {
    (anfang(wort.as_bytes(), 0), anfang(wort.as_bytes(), 0xFF))
}

/// The numbers of the words of a search text (see [`suchtext`]), each once.
pub fn suchwort_anfaenge(suchtext: &str) -> std::collections::BTreeSet<i64> {
    suchtext
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| anfang(w.as_bytes(), 0))
        .collect()
}

/// The statements that put an Antrag's words into the word index (idempotent).
pub fn suchwoerter_stmts(antrag_id: i64, behoerde_id: i64, suchtext: &str) -> Vec<Stmt> {
    let anfaenge: Vec<i64> = suchwort_anfaenge(suchtext).into_iter().collect();
    anfaenge
        .chunks(200)
        .map(|teil| {
            let mut q = SqlBuilder::new(
                "INSERT INTO antrag_suchwort (antrag_id, behoerde_id, anfang) VALUES ",
            );
            for (i, a) in teil.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(antrag_id)
                    .push(", ")
                    .bind(behoerde_id)
                    .push(", ")
                    .bind(*a)
                    .push(")");
            }
            q.push(" ON CONFLICT (antrag_id, anfang) DO NOTHING");
            q.stmt()
        })
        .collect()
}

#[derive(Deserialize)]
struct OhneWoerter {
    id: i64,
    behoerde_id: i64,
    suchtext: String,
}

/// Puts the words of Anträge submitted before the word index into it, 200 per transaction,
/// then clears the mark; until then the inbox searches without the index. Returns how many
/// Anträge it read (0 when there was nothing to do). Idempotent, safe on several instances.
pub async fn suchwoerter_nachtragen(db: &Db) -> Result<usize, Fehler> {
    if db.meta(SUCHWORT_NACHTRAGEN).await?.is_none() {
        return Ok(0);
    }
    let (mut nach, mut n) = (0_i64, 0);
    loop {
        let teil: Vec<OhneWoerter> = db
            .query(sql!(
                "SELECT id, behoerde_id, suchtext FROM antrag \
                 WHERE id > $1 AND zustand <> 'entwurf' AND behoerde_id IS NOT NULL ORDER BY id LIMIT 200",
                nach
            ))
            .await?;
        let Some(letzte) = teil.last() else {
            break;
        };
        nach = letzte.id;
        n += teil.len();
        let stmts: Vec<Stmt> = teil
            .iter()
            .flat_map(|a| suchwoerter_stmts(a.id, a.behoerde_id, &a.suchtext))
            .collect();
        db.execute_all(&stmts).await?;
    }
    db.execute_all(&[sql!(
        "DELETE FROM meta WHERE key = 'antrag_suchwort_nachtragen'"
    )])
    .await?;
    Ok(n)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suchwort_zahlen() {
        // The same numbers as scripts/bench/eingang_daten.py writes (first 7 UTF-8 bytes,
        // big-endian, padded with zero bytes).
        let a = suchwort_anfaenge(" anf 2025 014229 laterne strassenbeleuchtung yılmaz laterne");
        assert_eq!(a.len(), 6, "each word once");
        assert!(a.contains(&30_506_450_030_849_637), "laterne");
        assert_eq!(
            suchwort_bereich("014229"),
            (13_564_899_132_324_096, 13_564_899_132_324_351)
        );
        assert_eq!(
            suchwort_bereich("anf"),
            (27_424_457_106_653_184, 27_424_461_401_620_479)
        );
        // A word finds exactly the words that start with it (up to 7 bytes) ...
        let woerter = [
            "la", "lat", "laterne", "laternen", "lateral", "lb", "l", "yılmaz", "yil", "z",
        ];
        for w in ["la", "lat", "later", "yı", "yıl"] {
            let (unten, oben) = suchwort_bereich(w);
            for u in woerter {
                let x = anfang(u.as_bytes(), 0);
                assert_eq!((unten..=oben).contains(&x), u.starts_with(w), "{w} / {u}");
            }
        }
        // ... and beyond 7 bytes the words sharing the first 7 (the LIKE decides).
        let (unten, oben) = suchwort_bereich("strassenbeleuchtung");
        assert_eq!(unten, oben);
        assert_eq!(unten, anfang(b"strasse", 0));
    }
}
