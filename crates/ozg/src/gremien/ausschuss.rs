//! The IT-Lenkungsausschuss: a coordinator submits a project's Steckbrief with its Varianten
//! (Vorlage); the committee puts it on a meeting's agenda and records its decision (approved
//! variant, financing, commissioning, date, minutes), or decides by circulation
//! (Umlaufverfahren: each member votes once until the deadline; the scheduled task
//! [`faellige_auswerten`] counts at the deadline with the configured quorum and majority). The
//! project follows: an approved variant starts its Umsetzung phase on the decision date, and
//! its state with the committee is recorded for the project page
//! (`programm::entscheidung_setzen`), each in the same transaction as the decision.
//!
//! The rules (tally, quorum, majority, deadline, the decision a result implies, decision
//! states) are pure, in `ozg_domain::governance`; this module stores and loads.

use ozg_domain::governance::{
    self, Entscheidung, Entscheidungsstand, Ergebnis, Mehrheit, Regel, Stimme,
};
use serde::{Deserialize, Serialize};

use crate::kern::audit::{self, Objekt};
use crate::kern::db::{Db, DbFehler, SqlBuilder, Stmt};
use crate::kern::uhr::{datum_de, datum_lesen, frist_lesen, tag_iso, zeit_de};
use crate::kern::{Fehler, Feldfehler, Uhr};
use crate::programm::{
    BeschlussKurz, PROJEKT, entscheidung_setzen, steckbrief_von, umsetzung_beginnen, verfahren_text,
};
use crate::sql;

fn objekt(projekt: &str) -> Objekt {
    Objekt::new(PROJEKT, projekt)
}

/// A variant of a Vorlage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VarianteKurz {
    /// "A", "B", ….
    pub kennung: String,
    /// Title or first words of the description.
    pub titel: String,
}

/// A decision as shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Beschluss {
    /// Number.
    pub id: i64,
    /// Vorlage.
    pub vorlage_id: i64,
    /// Entscheidung key.
    pub entscheidung: String,
    /// Approved variant.
    pub variante: String,
    /// Financing.
    pub finanzierung: String,
    /// Commissioning.
    pub beauftragung: String,
    /// Date (ISO).
    pub datum: String,
    /// Minutes.
    pub protokoll: String,
    /// "sitzung" or "umlauf".
    pub verfahren: String,
    /// Who recorded it.
    pub erfasst_von: String,
}

impl Beschluss {
    /// Entscheidung label.
    pub fn entscheidung_text(&self) -> &'static str {
        Entscheidung::parse(&self.entscheidung)
            .map(Entscheidung::label)
            .unwrap_or("unbekannt")
    }
    /// German date.
    pub fn datum_text(&self) -> String {
        datum_de(&self.datum)
    }
    /// Procedure label.
    pub fn verfahren_text(&self) -> &'static str {
        verfahren_text(&self.verfahren)
    }
}

/// An Umlaufverfahren as shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Umlauf {
    /// Number.
    pub id: i64,
    /// Vorlage.
    pub vorlage_id: i64,
    /// The variant put to the vote.
    pub variante: String,
    /// Deadline (seconds since epoch).
    pub frist: i64,
    /// Quorum in percent.
    pub quorum: i64,
    /// Mehrheit key.
    pub mehrheit: String,
    /// Members entitled to vote when it started.
    pub stimmberechtigt: i64,
    /// Who started it.
    pub gestartet_von: String,
    /// Result key once counted.
    pub ergebnis: Option<String>,
    /// Votes cast so far: (account id, name, vote key).
    #[serde(default)]
    pub stimmen: Vec<(i64, String, String)>,
    /// The accounts entitled to vote (fixed at the start).
    #[serde(default)]
    pub berechtigt: Vec<i64>,
    /// Whether voting is still open (at the time the page was built).
    #[serde(default)]
    pub laeuft: bool,
    /// The result at the deadline, computed where the scheduled task has not recorded it yet.
    #[serde(default)]
    pub berechnet: Option<Ergebnis>,
}

impl Umlauf {
    /// Whether the account may vote in it (entitled at the start).
    pub fn darf_stimmen(&self, konto_id: i64) -> bool {
        self.berechtigt.contains(&konto_id)
    }

    /// Deadline in German time.
    pub fn frist_text(&self) -> String {
        zeit_de(self.frist)
    }
    /// Mehrheit label.
    pub fn mehrheit_text(&self) -> &'static str {
        Mehrheit::parse(&self.mehrheit)
            .map(Mehrheit::label)
            .unwrap_or("unbekannt")
    }
    /// The result: recorded, or computed at the deadline until the scheduled task records it.
    pub fn ergebnis_stand(&self) -> Option<Ergebnis> {
        self.ergebnis
            .as_deref()
            .and_then(|e| Ergebnis::parse(e).ok())
            .or(self.berechnet)
    }
    /// Result label.
    pub fn ergebnis_text(&self) -> &'static str {
        self.ergebnis_stand()
            .map(Ergebnis::label)
            .unwrap_or("läuft")
    }
    /// The rule of the vote.
    pub fn regel(&self) -> Regel {
        Regel::new(
            self.quorum,
            Mehrheit::parse(&self.mehrheit).unwrap_or(Mehrheit::Einfach),
        )
        .unwrap_or_default()
    }
    /// The count.
    pub fn auszaehlung(&self) -> governance::Auszaehlung {
        let stimmen: Vec<Stimme> = self
            .stimmen
            .iter()
            .filter_map(|(_, _, s)| Stimme::parse(s).ok())
            .collect();
        governance::auszaehlen(&stimmen, self.stimmberechtigt.max(0) as usize)
    }
    /// The vote of an account, if cast.
    pub fn stimme_von(&self, konto: i64) -> Option<&'static str> {
        self.stimmen
            .iter()
            .find(|(k, _, _)| *k == konto)
            .and_then(|(_, _, s)| Stimme::parse(s).ok())
            .map(Stimme::label)
    }
    /// Whether voting is still open.
    pub fn laeuft(&self) -> bool {
        self.laeuft
    }
}

/// A Vorlage with its decisions and Umlaufverfahren.
#[derive(Debug, Clone, Serialize)]
pub struct Vorlage {
    /// Number.
    pub id: i64,
    /// Project slug.
    pub projekt: String,
    /// Project name.
    pub projekt_name: String,
    /// Title.
    pub titel: String,
    /// Variants from the Steckbrief.
    pub varianten: Vec<VarianteKurz>,
    /// The recommended variant ("" if none).
    pub empfehlung: String,
    /// Submitted by, and when.
    pub eingereicht_von: String,
    /// When (ISO).
    pub eingereicht_am: String,
    /// Meeting on whose agenda it stands.
    pub sitzung_id: Option<i64>,
    /// Decisions, oldest first.
    pub beschluesse: Vec<Beschluss>,
    /// Umlaufverfahren, oldest first.
    pub umlaeufe: Vec<Umlauf>,
    /// Version as read: every change of its state must find it unchanged.
    pub version: i64,
}

impl Vorlage {
    /// The decision state.
    pub fn stand(&self) -> Entscheidungsstand {
        let e: Vec<Entscheidung> = self
            .beschluesse
            .iter()
            .filter_map(|b| Entscheidung::parse(&b.entscheidung).ok())
            .collect();
        governance::entscheidungsstand(true, &e)
    }
    /// Whether the committee still has to decide (no final decision yet).
    pub fn offen(&self) -> bool {
        offen(self.stand())
    }
    /// A running Umlaufverfahren.
    pub fn laufender_umlauf(&self) -> Option<&Umlauf> {
        self.umlaeufe.iter().find(|u| u.ergebnis.is_none())
    }
    /// Submission date (German).
    pub fn eingereicht_text(&self) -> String {
        datum_de(&self.eingereicht_am)
    }
}

/// Whether a Vorlage in this state still awaits the committee's decision (stored as
/// `vorlage.offen`, on which the database allows one open Vorlage per project).
fn offen(stand: Entscheidungsstand) -> bool {
    matches!(
        stand,
        Entscheidungsstand::Vorgelegt | Entscheidungsstand::Zurueckgestellt
    )
}

/// The first statement of every change of a Vorlage's state: it changes a row only while the
/// Vorlage is still as it was read when the change was checked (a decision, an
/// Umlaufverfahren, the agenda or the count came in between otherwise).
fn waechter(v: &Vorlage) -> Stmt {
    sql!(
        "UPDATE vorlage SET version = version + 1 WHERE id = $1 AND version = $2",
        v.id,
        v.version
    )
}

/// The answer when [`waechter`] found the Vorlage changed: nothing was changed.
fn geaendert() -> Fehler {
    Fehler::Konflikt(
        "Diese Vorlage wurde inzwischen geändert (ein Beschluss, ein Umlaufverfahren oder die \
         Tagesordnung wurde gerade erfasst). Ihre Eingabe wurde nicht gespeichert. Bitte laden \
         Sie die Seite neu."
            .into(),
    )
}

/// A committee meeting.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sitzung {
    /// Number.
    pub id: i64,
    /// Date (ISO).
    pub datum: String,
    /// Place.
    pub ort: String,
}

impl Sitzung {
    /// German date.
    pub fn datum_text(&self) -> String {
        datum_de(&self.datum)
    }
}

#[derive(Deserialize)]
struct VorlageRow {
    id: i64,
    projekt: String,
    projekt_name: Option<String>,
    titel: String,
    varianten: String,
    empfehlung: String,
    eingereicht_von: String,
    eingereicht_am: String,
    sitzung_id: Option<i64>,
    version: i64,
}

/// All meetings (newest first) and Vorlagen (newest first); an Umlaufverfahren past its
/// deadline shows the result it has (computed, if the scheduled task has not recorded it yet).
pub async fn uebersicht(db: &Db, uhr: &Uhr) -> Result<(Vec<Sitzung>, Vec<Vorlage>), DbFehler> {
    let sitzungen = db
        .query(sql!(
            "SELECT id, datum, ort FROM ausschuss_sitzung ORDER BY datum DESC, id DESC"
        ))
        .await?;
    Ok((sitzungen, vorlagen(db, uhr, None).await?))
}

/// Vorlagen (of one project, or all), newest first, as of `uhr`.
pub async fn vorlagen(db: &Db, uhr: &Uhr, projekt: Option<&str>) -> Result<Vec<Vorlage>, DbFehler> {
    let p = projekt.unwrap_or("");
    let rows: Vec<VorlageRow> = db
        .query(sql!(
            // The public page shows the submitter's display name, never the login name.
            "SELECT v.id, v.projekt, p.name AS projekt_name, v.titel, v.varianten, v.empfehlung, \
             COALESCE(k.name, 'einem Mitglied') AS eingereicht_von, v.eingereicht_am, v.sitzung_id, v.version \
             FROM vorlage v LEFT JOIN projekt p ON p.slug = v.projekt LEFT JOIN konto k ON k.benutzername = v.eingereicht_von \
             WHERE $1 = '' OR v.projekt = $1 ORDER BY v.id DESC",
            p
        ))
        .await?;
    let beschluesse: Vec<Beschluss> = db
        .query(sql!(
            "SELECT id, vorlage_id, entscheidung, variante, finanzierung, beauftragung, datum, protokoll, verfahren, erfasst_von \
             FROM beschluss WHERE $1 = '' OR vorlage_id IN (SELECT id FROM vorlage WHERE projekt = $1) ORDER BY id",
            p
        ))
        .await?;
    #[derive(Deserialize)]
    struct U {
        id: i64,
        vorlage_id: i64,
        variante: String,
        frist: i64,
        quorum: i64,
        mehrheit: String,
        stimmberechtigt: i64,
        gestartet_von: String,
        ergebnis: Option<String>,
    }
    let umlaeufe: Vec<U> = db
        .query(sql!(
            "SELECT id, vorlage_id, variante, frist, quorum, mehrheit, stimmberechtigt, gestartet_von, ergebnis FROM umlauf \
             WHERE $1 = '' OR vorlage_id IN (SELECT id FROM vorlage WHERE projekt = $1) ORDER BY id",
            p
        ))
        .await?;
    #[derive(Deserialize)]
    struct S {
        umlauf_id: i64,
        konto_id: i64,
        name: String,
        stimme: String,
    }
    let stimmen: Vec<S> = db
        .query(sql!(
            "SELECT s.umlauf_id, s.konto_id, k.name, s.stimme FROM umlauf_stimme s JOIN konto k ON k.id = s.konto_id \
             WHERE $1 = '' OR s.umlauf_id IN (SELECT u.id FROM umlauf u JOIN vorlage v ON v.id = u.vorlage_id WHERE v.projekt = $1) \
             ORDER BY s.zeit",
            p
        ))
        .await?;
    #[derive(Deserialize)]
    struct B {
        umlauf_id: i64,
        konto_id: i64,
    }
    let berechtigt: Vec<B> = db
        .query(sql!(
            "SELECT b.umlauf_id, b.konto_id FROM umlauf_berechtigt b \
             WHERE $1 = '' OR b.umlauf_id IN (SELECT u.id FROM umlauf u JOIN vorlage v ON v.id = u.vorlage_id WHERE v.projekt = $1) \
             ORDER BY b.umlauf_id, b.konto_id",
            p
        ))
        .await?;
    let jetzt = uhr.sekunden();
    Ok(rows
        .into_iter()
        .map(|r| Vorlage {
            beschluesse: beschluesse
                .iter()
                .filter(|b| b.vorlage_id == r.id)
                .cloned()
                .collect(),
            umlaeufe: umlaeufe
                .iter()
                .filter(|u| u.vorlage_id == r.id)
                .map(|u| {
                    let mut x = Umlauf {
                        id: u.id,
                        vorlage_id: u.vorlage_id,
                        variante: u.variante.clone(),
                        frist: u.frist,
                        quorum: u.quorum,
                        mehrheit: u.mehrheit.clone(),
                        stimmberechtigt: u.stimmberechtigt,
                        gestartet_von: u.gestartet_von.clone(),
                        ergebnis: u.ergebnis.clone(),
                        stimmen: stimmen
                            .iter()
                            .filter(|s| s.umlauf_id == u.id)
                            .map(|s| (s.konto_id, s.name.clone(), s.stimme.clone()))
                            .collect(),
                        berechtigt: berechtigt
                            .iter()
                            .filter(|b| b.umlauf_id == u.id)
                            .map(|b| b.konto_id)
                            .collect(),
                        laeuft: false,
                        berechnet: None,
                    };
                    x.laeuft = x.ergebnis.is_none() && governance::offen(x.frist, jetzt);
                    if x.ergebnis.is_none() && !x.laeuft {
                        x.berechnet = Some(x.auszaehlung().ergebnis(&x.regel()));
                    }
                    x
                })
                .collect(),
            varianten: serde_json::from_str(&r.varianten).unwrap_or_default(),
            projekt_name: r.projekt_name.unwrap_or_else(|| r.projekt.clone()),
            id: r.id,
            projekt: r.projekt,
            titel: r.titel,
            empfehlung: r.empfehlung,
            eingereicht_von: r.eingereicht_von,
            eingereicht_am: r.eingereicht_am,
            sitzung_id: r.sitzung_id,
            version: r.version,
        })
        .collect())
}

async fn vorlage(db: &Db, uhr: &Uhr, id: i64) -> Result<Vorlage, Fehler> {
    vorlagen(db, uhr, None)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or_else(|| Fehler::nicht_gefunden(format!("Eine Vorlage Nr. {id} gibt es nicht.")))
}

/// Submits the project's Steckbrief with its Varianten for decision.
pub async fn vorlage_einreichen(
    db: &Db,
    uhr: &Uhr,
    slug: &str,
    titel: &str,
    wer: &str,
) -> Result<i64, Fehler> {
    let titel = titel.trim();
    if titel.is_empty() {
        return Err(Fehler::feld(
            "titel",
            "Bitte geben Sie der Vorlage einen Titel.",
        ));
    }
    if titel.chars().count() > 200 {
        return Err(Fehler::feld(
            "titel",
            "Der Titel darf höchstens 200 Zeichen lang sein.",
        ));
    }
    let Some(sb) = steckbrief_von(db, slug)
        .await?
        .filter(|s| !s.variante.is_empty())
    else {
        return Err(Fehler::feld(
            "steckbrief",
            "Dieses Projekt hat keinen Steckbrief mit Varianten, über die der IT-Lenkungsausschuss entscheiden könnte.",
        ));
    };
    if vorlagen(db, uhr, Some(slug))
        .await?
        .iter()
        .any(Vorlage::offen)
    {
        return Err(Fehler::feld(
            "steckbrief",
            "Für dieses Projekt liegt dem IT-Lenkungsausschuss bereits eine Vorlage vor, über die noch nicht entschieden ist.",
        ));
    }
    let varianten: Vec<VarianteKurz> = sb
        .variante
        .iter()
        .map(|v| VarianteKurz {
            kennung: v.kennung.clone(),
            titel: v.titel.clone().unwrap_or_else(|| {
                let mut t: String = v.beschreibung.chars().take(80).collect();
                if v.beschreibung.chars().count() > 80 {
                    t.push('…');
                }
                t
            }),
        })
        .collect();
    let empfehlung = sb
        .variante
        .iter()
        .find(|v| v.empfohlen)
        .map(|v| v.kennung.clone())
        .unwrap_or_default();
    let kennungen = varianten
        .iter()
        .map(|v| v.kennung.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let varianten_json = serde_json::to_string(&varianten).map_err(anyhow::Error::from)?;
    let stand = entscheidung_setzen(slug, Entscheidungsstand::Vorgelegt, None)?;
    // The unique index on the open Vorlage of a project refuses a second one submitted at the
    // same moment (read before the first was stored).
    let r = db
        .mit_neuer_id("vorlage", |id| {
            let mut stmts = vec![
                sql!(
                    "INSERT INTO vorlage (id, projekt, titel, varianten, empfehlung, eingereicht_von, eingereicht_am) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    id,
                    slug,
                    titel,
                    varianten_json.as_str(),
                    empfehlung.as_str(),
                    wer,
                    uhr.jetzt_iso()
                ),
                audit::eintrag(
                    uhr,
                    wer,
                    "vorlage-eingereicht",
                    &objekt(slug),
                    &[(
                        "vorlage",
                        "",
                        &format!("Nr. {id}: {titel} (Varianten {kennungen})"),
                    )],
                ),
            ];
            stmts.extend(stand.iter().cloned());
            stmts
        })
        .await;
    match r {
        Ok(id) => Ok(id),
        Err(DbFehler::Eindeutig(_)) => Err(Fehler::feld(
            "steckbrief",
            "Für dieses Projekt liegt dem IT-Lenkungsausschuss bereits eine Vorlage vor, über die noch nicht entschieden ist.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Creates a committee meeting.
pub async fn sitzung_anlegen(
    db: &Db,
    uhr: &Uhr,
    datum: &str,
    ort: &str,
    wer: &str,
) -> Result<i64, Fehler> {
    let mut f = Feldfehler::new();
    let datum = datum.trim();
    if datum_lesen(datum).is_none() {
        f.push(
            "datum",
            if datum.is_empty() {
                "Bitte geben Sie das Datum der Sitzung an.".to_owned()
            } else {
                format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT.")
            },
        );
    }
    let ort = ort.trim();
    if ort.is_empty() || ort.chars().count() > 200 {
        f.push("ort", "Bitte geben Sie den Ort an (höchstens 200 Zeichen).");
    }
    f.oder(())?;
    Ok(db
        .mit_neuer_id("ausschuss_sitzung", |id| {
            vec![
                sql!(
                    "INSERT INTO ausschuss_sitzung (id, datum, ort, angelegt_von) VALUES ($1, $2, $3, $4)",
                    id,
                    datum,
                    ort,
                    wer
                ),
                audit::eintrag(
                    uhr,
                    wer,
                    "sitzung-angelegt",
                    &Objekt::new(crate::gremien::objekte::SITZUNG, id),
                    &[("sitzung", "", &format!("{} in {ort}", datum_de(datum)))],
                ),
            ]
        })
        .await?)
}

/// Puts a Vorlage on a meeting's agenda.
pub async fn auf_tagesordnung(
    db: &Db,
    uhr: &Uhr,
    vorlage_id: i64,
    sitzung: &str,
    wer: &str,
) -> Result<(), Fehler> {
    let v = vorlage(db, uhr, vorlage_id).await?;
    let Ok(sid) = sitzung.trim().parse::<i64>() else {
        return Err(Fehler::feld("sitzung", "Bitte wählen Sie eine Sitzung."));
    };
    let Some(datum) = db
        .scalar_text(sql!(
            "SELECT datum FROM ausschuss_sitzung WHERE id = $1",
            sid
        ))
        .await?
    else {
        return Err(Fehler::feld(
            "sitzung",
            format!("Eine Sitzung Nr. {sid} gibt es nicht."),
        ));
    };
    if v.sitzung_id == Some(sid) {
        return Err(Fehler::feld(
            "sitzung",
            "Die Vorlage steht bereits auf der Tagesordnung dieser Sitzung.",
        ));
    }
    let gespeichert = db
        .execute_guarded(
            &[
                waechter(&v),
                sql!(
                    "UPDATE vorlage SET sitzung_id = $1 WHERE id = $2",
                    sid,
                    vorlage_id
                ),
                audit::eintrag(
                    uhr,
                    wer,
                    "tagesordnung",
                    &objekt(&v.projekt),
                    &[(
                        &format!("vorlage {vorlage_id} tagesordnung"),
                        "",
                        &format!("Sitzung Nr. {sid} am {}", datum_de(&datum)),
                    )],
                ),
            ],
            0,
        )
        .await?;
    if !gespeichert {
        return Err(geaendert());
    }
    Ok(())
}

/// The fields of a decision as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BeschlussForm {
    /// Entscheidung key.
    #[serde(default)]
    pub entscheidung: String,
    /// Approved variant.
    #[serde(default)]
    pub variante: String,
    /// Financing.
    #[serde(default)]
    pub finanzierung: String,
    /// Commissioning.
    #[serde(default)]
    pub beauftragung: String,
    /// Date (ISO).
    #[serde(default)]
    pub datum: String,
    /// Minutes.
    #[serde(default)]
    pub protokoll: String,
}

/// The statements that record a decision and let the project follow it: its state with the
/// committee and, for an approval, the start of its Umsetzung phase. The caller puts
/// [`waechter`] before them.
async fn beschluss_stmts(
    db: &Db,
    uhr: &Uhr,
    v: &Vorlage,
    e: Entscheidung,
    f: &BeschlussForm,
    verfahren: &str,
    wer: &str,
) -> Result<Vec<Stmt>, Fehler> {
    let id = db.neue_id("beschluss").await?;
    let mut stmts = vec![sql!(
        "INSERT INTO beschluss (id, vorlage_id, entscheidung, variante, finanzierung, beauftragung, datum, protokoll, verfahren, erfasst_von) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        v.id,
        e.key(),
        f.variante.trim(),
        f.finanzierung.trim(),
        f.beauftragung.trim(),
        f.datum.trim(),
        f.protokoll.trim(),
        verfahren,
        wer
    )];
    if !offen(e.into()) {
        // Decided: the project may get a new Vorlage.
        stmts.push(sql!("UPDATE vorlage SET offen = 0 WHERE id = $1", v.id));
    }
    let mut felder: Vec<(String, String, String)> = vec![(
        format!("vorlage {} beschluss", v.id),
        String::new(),
        format!(
            "{}{} am {} ({})",
            e.label(),
            if f.variante.trim().is_empty() {
                String::new()
            } else {
                format!(": Variante {}", f.variante.trim())
            },
            datum_de(f.datum.trim()),
            if verfahren == "umlauf" {
                "Umlaufverfahren"
            } else {
                "Sitzung"
            }
        ),
    )];
    if e == Entscheidung::Freigegeben {
        let beginn = umsetzung_beginnen(db, uhr, &v.projekt, f.datum.trim()).await?;
        if !beginn.is_empty() {
            // The approved variant starts the Umsetzung: the derived status follows the date.
            stmts.extend(beginn);
            felder.push((
                "phase_umsetzung".into(),
                String::new(),
                f.datum.trim().to_owned(),
            ));
        }
    }
    stmts.extend(entscheidung_setzen(
        &v.projekt,
        e.into(),
        Some(&BeschlussKurz {
            datum: f.datum.trim().to_owned(),
            verfahren: verfahren.to_owned(),
            variante: f.variante.trim().to_owned(),
        }),
    )?);
    let felder_ref: Vec<(&str, &str, &str)> = felder
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    stmts.push(audit::eintrag(
        uhr,
        wer,
        "beschluss",
        &objekt(&v.projekt),
        &felder_ref,
    ));
    Ok(stmts)
}

/// Records a decision of a meeting. Errors name every wrong field and change nothing.
pub async fn beschluss_erfassen(
    db: &Db,
    uhr: &Uhr,
    vorlage_id: i64,
    f: &BeschlussForm,
    wer: &str,
) -> Result<(), Fehler> {
    let v = vorlage(db, uhr, vorlage_id).await?;
    let mut fe = Feldfehler::new();
    let e = match Entscheidung::parse(&f.entscheidung) {
        Ok(e) => Some(e),
        Err(m) => {
            fe.push("entscheidung", m);
            None
        }
    };
    if !v.offen() {
        fe.push(
            "entscheidung",
            format!(
                "Über diese Vorlage ist bereits entschieden ({}).",
                v.stand().label()
            ),
        );
    }
    if v.laufender_umlauf().is_some() {
        fe.push(
            "entscheidung",
            "Über diese Vorlage läuft ein Umlaufverfahren; sein Ergebnis wird mit der Frist erfasst.",
        );
    }
    let variante = f.variante.trim();
    let kennungen = || {
        v.varianten
            .iter()
            .map(|x| x.kennung.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if e == Some(Entscheidung::Freigegeben) {
        if !v.varianten.iter().any(|x| x.kennung == variante) {
            fe.push(
                "variante",
                format!(
                    "Bitte wählen Sie die freigegebene Variante ({}).",
                    kennungen()
                ),
            );
        }
        if f.finanzierung.trim().is_empty() {
            fe.push(
                "finanzierung",
                "Bitte geben Sie an, wie die Umsetzung finanziert wird.",
            );
        }
        if f.beauftragung.trim().is_empty() {
            fe.push(
                "beauftragung",
                "Bitte geben Sie an, wer mit der Umsetzung beauftragt wird.",
            );
        }
    } else if !variante.is_empty() && !v.varianten.iter().any(|x| x.kennung == variante) {
        fe.push(
            "variante",
            format!("„{variante}“ ist keine Variante dieser Vorlage."),
        );
    }
    let datum = f.datum.trim();
    if datum_lesen(datum).is_none() {
        fe.push(
            "datum",
            if datum.is_empty() {
                "Bitte geben Sie das Datum des Beschlusses an.".to_owned()
            } else {
                format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT.")
            },
        );
    } else if datum > uhr.heute_iso().as_str() {
        fe.push(
            "datum",
            "Ein Beschluss kann nicht in der Zukunft gefasst sein.",
        );
    }
    for (feld, wert, max) in [
        ("finanzierung", &f.finanzierung, 1000),
        ("beauftragung", &f.beauftragung, 1000),
        ("protokoll", &f.protokoll, 20000),
    ] {
        if wert.chars().count() > max {
            fe.push(feld, format!("Höchstens {max} Zeichen."));
        }
    }
    let Some(e) = e.filter(|_| fe.is_empty()) else {
        return Err(fe.into());
    };
    let mut stmts = vec![waechter(&v)];
    stmts.extend(beschluss_stmts(db, uhr, &v, e, f, "sitzung", wer).await?);
    if !db.execute_guarded(&stmts, 0).await? {
        return Err(geaendert());
    }
    Ok(())
}

/// The fields of a new Umlaufverfahren as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UmlaufForm {
    /// The variant put to the vote.
    #[serde(default)]
    pub variante: String,
    /// Deadline "JJJJ-MM-TTTHH:MM" (German time).
    #[serde(default)]
    pub frist: String,
    /// Quorum in percent.
    #[serde(default)]
    pub quorum: String,
    /// Mehrheit key.
    #[serde(default)]
    pub mehrheit: String,
}

/// Starts an Umlaufverfahren on a Vorlage; the entitled members are the active accounts of the
/// committee at this moment.
pub async fn umlauf_starten(
    db: &Db,
    uhr: &Uhr,
    vorlage_id: i64,
    f: &UmlaufForm,
    wer: &str,
) -> Result<i64, Fehler> {
    let v = vorlage(db, uhr, vorlage_id).await?;
    let mut fe = Feldfehler::new();
    if !v.offen() || v.laufender_umlauf().is_some() {
        fe.push(
            "vorlage",
            "Über diese Vorlage ist bereits entschieden, oder es läuft schon ein Umlaufverfahren.",
        );
    }
    if !v.varianten.iter().any(|x| x.kennung == f.variante.trim()) {
        fe.push(
            "variante",
            "Bitte wählen Sie die Variante, über deren Freigabe abgestimmt wird.",
        );
    }
    let frist = frist_lesen(&f.frist);
    match frist {
        None => fe.push(
            "frist",
            if f.frist.trim().is_empty() {
                "Bitte geben Sie die Frist an.".to_owned()
            } else {
                format!(
                    "„{}“ ist kein Zeitpunkt; erwartet wird JJJJ-MM-TT HH:MM.",
                    f.frist.trim()
                )
            },
        ),
        Some(t) => {
            if let Err(m) = governance::frist_pruefen(t, uhr.sekunden()) {
                fe.push("frist", m);
            }
        }
    }
    let regel = match (f.quorum.trim().parse::<i64>(), Mehrheit::parse(&f.mehrheit)) {
        (Ok(q), Ok(m)) => match Regel::new(q, m) {
            Ok(r) => Some(r),
            Err(msg) => {
                fe.push("quorum", msg);
                None
            }
        },
        (q, m) => {
            if q.is_err() {
                fe.push(
                    "quorum",
                    "Bitte geben Sie das Quorum als ganze Zahl in Prozent an (1–100).",
                );
            }
            if let Err(msg) = m {
                fe.push("mehrheit", msg);
            }
            None
        }
    };
    let berechtigte = crate::konten::stimmberechtigte(db).await?;
    let stimmberechtigt = berechtigte.len() as i64;
    if stimmberechtigt == 0 {
        fe.push(
            "vorlage",
            "Der IT-Lenkungsausschuss hat noch keine aktiven Mitglieder mit Konto; ohne sie gibt es kein Umlaufverfahren.",
        );
    }
    let (Some(frist), Some(regel)) = (frist, regel) else {
        return Err(fe.into());
    };
    fe.oder(())?;
    let id = db.neue_id("umlauf").await?;
    let stmts = vec![
        waechter(&v),
        sql!(
            "INSERT INTO umlauf (id, vorlage_id, variante, frist, quorum, mehrheit, stimmberechtigt, gestartet_von, gestartet_am) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            id,
            vorlage_id,
            f.variante.trim(),
            frist,
            i64::from(regel.quorum_prozent),
            regel.mehrheit.key(),
            stimmberechtigt,
            wer,
            uhr.jetzt_iso()
        ),
        // Who may vote is fixed at the start.
        {
            let mut q =
                SqlBuilder::new("INSERT INTO umlauf_berechtigt (umlauf_id, konto_id) VALUES ");
            for (i, k) in berechtigte.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(").bind_liste([id, *k]).push(")");
            }
            q.stmt()
        },
        audit::eintrag(
            uhr,
            wer,
            "umlauf-gestartet",
            &objekt(&v.projekt),
            &[(
                &format!("umlauf {id}"),
                "",
                &format!(
                    "Freigabe Variante {} bis {}, Quorum {} %, {}, {stimmberechtigt} Stimmberechtigte",
                    f.variante.trim(),
                    zeit_de(frist),
                    regel.quorum_prozent,
                    regel.mehrheit.label()
                ),
            )],
        ),
    ];
    if !db.execute_guarded(&stmts, 0).await? {
        return Err(geaendert());
    }
    Ok(id)
}

/// A committee member's vote; each member votes once, before the deadline.
pub async fn abstimmen(
    db: &Db,
    uhr: &Uhr,
    umlauf_id: i64,
    konto_id: i64,
    stimme: &str,
    wer: &str,
) -> Result<(), Fehler> {
    // The Umlaufverfahren and its Vorlage in one read.
    let gefunden = vorlagen(db, uhr, None).await?.into_iter().find_map(|v| {
        let u = v.umlaeufe.iter().find(|u| u.id == umlauf_id).cloned();
        u.map(|u| (v, u))
    });
    let Some((v, u)) = gefunden else {
        return Err(Fehler::nicht_gefunden(format!(
            "Ein Umlaufverfahren Nr. {umlauf_id} gibt es nicht."
        )));
    };
    if !u.laeuft() {
        return Err(Fehler::feld(
            "stimme",
            format!(
                "Die Frist ist am {} abgelaufen; es kann nicht mehr abgestimmt werden.",
                u.frist_text()
            ),
        ));
    }
    let s = Stimme::parse(stimme).map_err(|m| Fehler::feld("stimme", m))?;
    if let Some(alt) = u.stimme_von(konto_id) {
        return Err(Fehler::feld(
            "stimme",
            format!("Sie haben bereits abgestimmt ({alt}); jedes Mitglied stimmt einmal ab."),
        ));
    }
    if !u.berechtigt.contains(&konto_id) {
        return Err(Fehler::verboten(
            "Sie gehörten beim Start dieses Umlaufverfahrens nicht zu den Stimmberechtigten; \
             abstimmen können nur die Mitglieder, die es damals waren.",
        ));
    }
    // The primary key (umlauf, konto) refuses a second vote even from two tabs at once; the
    // guard refuses a vote of someone not entitled, or one that arrives after the deadline or
    // the count (the page was read a moment earlier).
    let r = db
        .execute_guarded(&[
            sql!(
                "INSERT INTO umlauf_stimme (umlauf_id, konto_id, stimme, zeit) \
                 SELECT $1, $2, $3, $4 WHERE EXISTS \
                 (SELECT 1 FROM umlauf_berechtigt b WHERE b.umlauf_id = $1 AND b.konto_id = $2) \
                 AND EXISTS (SELECT 1 FROM umlauf u WHERE u.id = $1 AND u.ergebnis IS NULL AND u.frist > $5)",
                umlauf_id,
                konto_id,
                s.key(),
                uhr.jetzt_iso(),
                uhr.sekunden()
            ),
            audit::eintrag(
                uhr,
                wer,
                "umlauf-stimme",
                &objekt(&v.projekt),
                &[(&format!("umlauf {umlauf_id} stimme {wer}"), "", s.key())],
            ),
        ], 0)
        .await;
    match r {
        Ok(true) => Ok(()),
        Ok(false) => Err(Fehler::feld(
            "stimme",
            "Die Stimme wurde nicht gezählt: die Frist ist abgelaufen oder das Umlaufverfahren ist ausgezählt.",
        )),
        Err(DbFehler::Eindeutig(_)) => Err(Fehler::feld(
            "stimme",
            "Sie haben bereits abgestimmt; jedes Mitglied stimmt einmal ab.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Counts every Umlaufverfahren whose deadline has passed and records the result and, when the
/// committee could decide, the decision ([`Ergebnis::entscheidung`]). The scheduled task runs
/// it; safe on several instances at once: the result is written only while the Vorlage is as
/// read ([`waechter`] guards the transaction; another instance's count or a decision recorded
/// meanwhile won, and this one is skipped). Returns how many were counted.
pub async fn faellige_auswerten(db: &Db, uhr: &Uhr) -> Result<usize, Fehler> {
    let jetzt = uhr.sekunden();
    let faellig = db
        .scalar(sql!(
            "SELECT COUNT(*) FROM umlauf WHERE ergebnis IS NULL AND frist <= $1",
            jetzt
        ))
        .await?;
    if faellig == 0 {
        return Ok(0);
    }
    let mut n = 0;
    for v in vorlagen(db, uhr, None).await? {
        for u in &v.umlaeufe {
            let Some(ergebnis) = u.berechnet else {
                continue;
            };
            let regel = u.regel();
            let a = u.auszaehlung();
            let protokoll = format!(
                "Umlaufverfahren Nr. {} über die Freigabe der Variante {}, Frist {}: {} Ja, {} Nein, {} Enthaltung bei {} Stimmberechtigten (Quorum {} %, {}). Ergebnis: {}.",
                u.id,
                u.variante,
                u.frist_text(),
                a.ja,
                a.nein,
                a.enthaltung,
                a.stimmberechtigt,
                regel.quorum_prozent,
                regel.mehrheit.label(),
                ergebnis.label()
            );
            let mut stmts = vec![
                waechter(&v),
                sql!(
                    "UPDATE umlauf SET ergebnis = $1 WHERE id = $2 AND ergebnis IS NULL",
                    ergebnis.key(),
                    u.id
                ),
            ];
            match ergebnis.entscheidung() {
                // One audit entry per change: the decision's entry carries the count in its
                // minutes; without a decision the count is the entry.
                None => stmts.push(audit::eintrag(
                    uhr,
                    "system",
                    "umlauf-ausgezaehlt",
                    &objekt(&v.projekt),
                    &[(&format!("umlauf {}", u.id), "", &protokoll)],
                )),
                Some(e) => {
                    let f = BeschlussForm {
                        entscheidung: e.key().into(),
                        variante: if e == Entscheidung::Freigegeben {
                            u.variante.clone()
                        } else {
                            String::new()
                        },
                        finanzierung: "wie in der Vorlage (Steckbrief) beschrieben".into(),
                        beauftragung: "wie in der Vorlage (Steckbrief) beschrieben".into(),
                        datum: tag_iso(u.frist),
                        protokoll,
                    };
                    stmts.extend(beschluss_stmts(db, uhr, &v, e, &f, "umlauf", "system").await?);
                }
            }
            if db.execute_guarded(&stmts, 0).await? {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The scheduled task: count what is due.
pub(super) fn aufgabe(
    st: crate::kern::AppState,
) -> crate::kern::zustand::Zukunft<'static, Result<(), Fehler>> {
    Box::pin(async move {
        let n = faellige_auswerten(&st.db, &st.uhr).await?;
        if n > 0 {
            tracing::info!("{n} Umlaufverfahren ausgezählt");
        }
        Ok(())
    })
}
