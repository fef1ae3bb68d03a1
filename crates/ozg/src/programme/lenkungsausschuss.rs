//! The IT-Lenkungsausschuss: a coordinator submits a project's Steckbrief with its Varianten
//! (Vorlage); the committee puts it on a meeting's agenda and records its decision (approved
//! variant, financing, commissioning, date, minutes), or decides by circulation
//! (Umlaufverfahren: each member votes once until the deadline; the result is computed at the
//! deadline with the configured quorum and majority). The project's status follows: an approved
//! variant starts the Umsetzung phase on the decision date.
//!
//! The rules (tally, quorum, majority, deadline, decision states) are pure, in
//! `ozg_domain::governance`; this module stores and loads.

use anyhow::Result;
use ozg_domain::governance::{
    self, Entscheidung, Entscheidungsstand, Ergebnis, Mehrheit, Regel, Stimme,
};
use serde::{Deserialize, Serialize};

use crate::db::{Db, Stmt};
use crate::members::accounts::Feldfehler;
use crate::members::audit;
use crate::programme::plan_stand::{datum_de, now_iso};

/// Seconds since the epoch.
pub fn jetzt() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The offset of German time (CET/CEST) at a UTC instant, in seconds: summer time runs from
/// the last Sunday of March to the last Sunday of October, 01:00 UTC each.
fn berlin_offset(utc: time::OffsetDateTime) -> i64 {
    let jahr = utc.year();
    let letzter_sonntag = |monat: time::Month| {
        let mut d = time::Date::from_calendar_date(jahr, monat, 31).expect("31st exists");
        while d.weekday() != time::Weekday::Sunday {
            d = d.previous_day().expect("in range");
        }
        d.with_hms(1, 0, 0).expect("valid").assume_utc()
    };
    if utc >= letzter_sonntag(time::Month::March) && utc < letzter_sonntag(time::Month::October) {
        7200
    } else {
        3600
    }
}

/// Parses "JJJJ-MM-TTTHH:MM" (as a datetime-local field sends it) as German time.
pub fn frist_lesen(s: &str) -> Option<i64> {
    let s = s.trim().replace(' ', "T");
    let dt = time::PrimitiveDateTime::parse(
        &s,
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    )
    .ok()?;
    let als_utc = dt.assume_utc();
    // The offset at the local wall time is the offset one hour either side, except in the
    // switching hour itself, where either reading is acceptable.
    let offset = berlin_offset(als_utc - time::Duration::seconds(3600));
    Some(als_utc.unix_timestamp() - offset)
}

/// A deadline in German time, "15.03.2027, 12:00 Uhr".
pub fn zeit_de(ts: i64) -> String {
    let Ok(utc) = time::OffsetDateTime::from_unix_timestamp(ts) else {
        return ts.to_string();
    };
    let t = utc + time::Duration::seconds(berlin_offset(utc));
    format!(
        "{:02}.{:02}.{:04}, {:02}:{:02} Uhr",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute()
    )
}

fn iso_datum(ts: i64) -> String {
    let Ok(utc) = time::OffsetDateTime::from_unix_timestamp(ts) else {
        return String::new();
    };
    let t = utc + time::Duration::seconds(berlin_offset(utc));
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

fn datum_pruefen(s: &str) -> bool {
    s.len() == 10
        && time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
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
        if self.verfahren == "umlauf" {
            "im Umlaufverfahren"
        } else {
            "in der Sitzung"
        }
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
}

impl Umlauf {
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
    /// Result label.
    pub fn ergebnis_text(&self) -> &'static str {
        self.ergebnis
            .as_deref()
            .and_then(|e| Ergebnis::parse(e).ok())
            .map(Ergebnis::label)
            .unwrap_or("läuft")
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
        self.ergebnis.is_none() && governance::offen(self.frist, jetzt())
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
        matches!(
            self.stand(),
            Entscheidungsstand::Vorgelegt | Entscheidungsstand::Zurueckgestellt
        )
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
}

/// All meetings (newest first) and Vorlagen (newest first), after counting every Umlauf whose
/// deadline has passed.
pub async fn uebersicht(db: &Db) -> Result<(Vec<Sitzung>, Vec<Vorlage>)> {
    faellige_auswerten(db, jetzt()).await?;
    let sitzungen = db
        .query(
            "SELECT id, datum, ort FROM ausschuss_sitzung ORDER BY datum DESC, id DESC",
            &[],
        )
        .await?;
    Ok((sitzungen, vorlagen(db, None).await?))
}

/// Vorlagen (of one project, or all), newest first.
pub async fn vorlagen(db: &Db, projekt: Option<&str>) -> Result<Vec<Vorlage>> {
    let rows: Vec<VorlageRow> = db
        .query(
            "SELECT v.id, v.projekt, p.name AS projekt_name, v.titel, v.varianten, v.empfehlung, v.eingereicht_von, v.eingereicht_am, v.sitzung_id \
             FROM vorlage v LEFT JOIN projekt p ON p.slug = v.projekt \
             WHERE $1 = '' OR v.projekt = $1 ORDER BY v.id DESC",
            &[projekt.unwrap_or("").into()],
        )
        .await?;
    let beschluesse: Vec<Beschluss> = db
        .query(
            "SELECT id, vorlage_id, entscheidung, variante, finanzierung, beauftragung, datum, protokoll, verfahren, erfasst_von \
             FROM beschluss WHERE $1 = '' OR vorlage_id IN (SELECT id FROM vorlage WHERE projekt = $1) ORDER BY id",
            &[projekt.unwrap_or("").into()],
        )
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
        .query(
            "SELECT id, vorlage_id, variante, frist, quorum, mehrheit, stimmberechtigt, gestartet_von, ergebnis FROM umlauf \
             WHERE $1 = '' OR vorlage_id IN (SELECT id FROM vorlage WHERE projekt = $1) ORDER BY id",
            &[projekt.unwrap_or("").into()],
        )
        .await?;
    #[derive(Deserialize)]
    struct S {
        umlauf_id: i64,
        konto_id: i64,
        name: String,
        stimme: String,
    }
    let stimmen: Vec<S> = db
        .query(
            "SELECT s.umlauf_id, s.konto_id, k.name, s.stimme FROM umlauf_stimme s JOIN konto k ON k.id = s.konto_id \
             WHERE $1 = '' OR s.umlauf_id IN (SELECT u.id FROM umlauf u JOIN vorlage v ON v.id = u.vorlage_id WHERE v.projekt = $1) \
             ORDER BY s.zeit",
            &[projekt.unwrap_or("").into()],
        )
        .await?;
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
                .map(|u| Umlauf {
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
        })
        .collect())
}

/// The decision state of a project and its latest decision.
pub async fn projekt_stand(db: &Db, slug: &str) -> Result<(Entscheidungsstand, Option<Beschluss>)> {
    // Most projects were never submitted: one cheap query answers the project page for them.
    let n = db
        .scalar(
            "SELECT COUNT(*) FROM vorlage WHERE projekt = $1",
            &[slug.into()],
        )
        .await?;
    if n == 0 {
        return Ok((Entscheidungsstand::KeineVorlage, None));
    }
    faellige_auswerten(db, jetzt()).await?;
    let v = vorlagen(db, Some(slug)).await?;
    let Some(neueste) = v.first() else {
        return Ok((Entscheidungsstand::KeineVorlage, None));
    };
    Ok((neueste.stand(), neueste.beschluesse.last().cloned()))
}

/// Why a change was refused.
pub type Abgelehnt = Feldfehler;

fn fehler(feld: &'static str, m: impl Into<String>) -> Abgelehnt {
    vec![(feld, m.into())]
}

/// Submits the project's Steckbrief with its Varianten for decision.
pub async fn vorlage_einreichen(
    db: &Db,
    slug: &str,
    titel: &str,
    wer: &str,
) -> Result<Result<i64, Abgelehnt>> {
    let titel = titel.trim();
    if titel.is_empty() {
        return Ok(Err(fehler(
            "titel",
            "Bitte geben Sie der Vorlage einen Titel.",
        )));
    }
    if titel.chars().count() > 200 {
        return Ok(Err(fehler(
            "titel",
            "Der Titel darf höchstens 200 Zeichen lang sein.",
        )));
    }
    let steckbrief = db
        .scalar_text(
            "SELECT steckbrief FROM projekt WHERE slug = $1",
            &[slug.into()],
        )
        .await?;
    let sb: Option<ozg_domain::plan::SteckbriefFile> =
        steckbrief.and_then(|s| serde_json::from_str(&s).ok());
    let Some(sb) = sb.filter(|s| !s.variante.is_empty()) else {
        return Ok(Err(fehler(
            "steckbrief",
            "Dieses Projekt hat keinen Steckbrief mit Varianten, über die der IT-Lenkungsausschuss entscheiden könnte.",
        )));
    };
    if vorlagen(db, Some(slug)).await?.iter().any(Vorlage::offen) {
        return Ok(Err(fehler(
            "steckbrief",
            "Für dieses Projekt liegt dem IT-Lenkungsausschuss bereits eine Vorlage vor, über die noch nicht entschieden ist.",
        )));
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
    let varianten_json = serde_json::to_string(&varianten)?;
    let id = db
        .mit_neuer_id("vorlage", |id| {
            vec![
        Stmt {
            sql: "INSERT INTO vorlage (id, projekt, titel, varianten, empfehlung, eingereicht_von, eingereicht_am) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7)"
                .into(),
            args: vec![
                id.into(),
                slug.into(),
                titel.into(),
                varianten_json.as_str().into(),
                empfehlung.as_str().into(),
                wer.into(),
                now_iso().into(),
            ],
        },
        audit::eintrag(
            wer,
            "vorlage-eingereicht",
            &format!("projekt:{slug}"),
            &[(
                "vorlage",
                "",
                &format!("Nr. {id}: {titel} (Varianten {kennungen})"),
            )],
        ),
            ]
        })
        .await?;
    Ok(Ok(id))
}

/// Creates a committee meeting.
pub async fn sitzung_anlegen(
    db: &Db,
    datum: &str,
    ort: &str,
    wer: &str,
) -> Result<Result<i64, Abgelehnt>> {
    let mut f: Feldfehler = Vec::new();
    let datum = datum.trim();
    if !datum_pruefen(datum) {
        f.push((
            "datum",
            if datum.is_empty() {
                "Bitte geben Sie das Datum der Sitzung an.".into()
            } else {
                format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT.")
            },
        ));
    }
    let ort = ort.trim();
    if ort.is_empty() || ort.chars().count() > 200 {
        f.push((
            "ort",
            "Bitte geben Sie den Ort an (höchstens 200 Zeichen).".into(),
        ));
    }
    if !f.is_empty() {
        return Ok(Err(f));
    }
    let id = db
        .mit_neuer_id("ausschuss_sitzung", |id| {
            vec![
        Stmt {
            sql: "INSERT INTO ausschuss_sitzung (id, datum, ort, angelegt_von) VALUES ($1, $2, $3, $4)"
                .into(),
            args: vec![id.into(), datum.into(), ort.into(), wer.into()],
        },
        audit::eintrag(
            wer,
            "sitzung-angelegt",
            &format!("sitzung:{id}"),
            &[("sitzung", "", &format!("{} in {ort}", datum_de(datum)))],
        ),
            ]
        })
        .await?;
    Ok(Ok(id))
}

async fn vorlage(db: &Db, id: i64) -> Result<Option<Vorlage>> {
    Ok(vorlagen(db, None).await?.into_iter().find(|v| v.id == id))
}

/// Puts a Vorlage on a meeting's agenda.
pub async fn auf_tagesordnung(
    db: &Db,
    vorlage_id: i64,
    sitzung: &str,
    wer: &str,
) -> Result<Result<(), Abgelehnt>> {
    let Some(v) = vorlage(db, vorlage_id).await? else {
        return Ok(Err(fehler(
            "vorlage",
            format!("Eine Vorlage Nr. {vorlage_id} gibt es nicht."),
        )));
    };
    let Ok(sid) = sitzung.trim().parse::<i64>() else {
        return Ok(Err(fehler("sitzung", "Bitte wählen Sie eine Sitzung.")));
    };
    let Some(datum) = db
        .scalar_text(
            "SELECT datum FROM ausschuss_sitzung WHERE id = $1",
            &[sid.into()],
        )
        .await?
    else {
        return Ok(Err(fehler(
            "sitzung",
            format!("Eine Sitzung Nr. {sid} gibt es nicht."),
        )));
    };
    if v.sitzung_id == Some(sid) {
        return Ok(Err(fehler(
            "sitzung",
            "Die Vorlage steht bereits auf der Tagesordnung dieser Sitzung.",
        )));
    }
    db.execute_all(&[
        Stmt {
            sql: "UPDATE vorlage SET sitzung_id = $1 WHERE id = $2".into(),
            args: vec![sid.into(), vorlage_id.into()],
        },
        audit::eintrag(
            wer,
            "tagesordnung",
            &format!("projekt:{}", v.projekt),
            &[(
                &format!("vorlage {vorlage_id} tagesordnung"),
                "",
                &format!("Sitzung Nr. {sid} am {}", datum_de(&datum)),
            )],
        ),
    ])
    .await?;
    Ok(Ok(()))
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

/// The statements that record a decision and let the project's status follow it.
async fn beschluss_stmts(
    db: &Db,
    v: &Vorlage,
    e: Entscheidung,
    f: &BeschlussForm,
    verfahren: &str,
    wer: &str,
) -> Result<Vec<Stmt>> {
    let mut stmts = vec![Stmt {
        sql: "INSERT INTO beschluss (id, vorlage_id, entscheidung, variante, finanzierung, beauftragung, datum, protokoll, verfahren, erfasst_von) \
              SELECT COALESCE(MAX(id), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM beschluss"
            .into(),
        args: vec![
            v.id.into(),
            e.key().into(),
            f.variante.trim().into(),
            f.finanzierung.trim().into(),
            f.beauftragung.trim().into(),
            f.datum.trim().into(),
            f.protokoll.trim().into(),
            verfahren.into(),
            wer.into(),
        ],
    }];
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
        let alt = db
            .scalar_text(
                "SELECT phase_umsetzung FROM projekt WHERE slug = $1",
                &[v.projekt.as_str().into()],
            )
            .await?;
        if alt.is_none() {
            // The approved variant starts the Umsetzung: the derived status follows the date.
            stmts.push(Stmt {
                sql: "UPDATE projekt SET phase_umsetzung = $1, version = version + 1 WHERE slug = $2 AND phase_umsetzung IS NULL"
                    .into(),
                args: vec![f.datum.trim().into(), v.projekt.as_str().into()],
            });
            stmts.extend(crate::programme::neuer_datenstand("beschluss")?);
            felder.push((
                "phase_umsetzung".into(),
                String::new(),
                f.datum.trim().to_owned(),
            ));
        }
    }
    let felder_ref: Vec<(&str, &str, &str)> = felder
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    stmts.push(audit::eintrag(
        wer,
        "beschluss",
        &format!("projekt:{}", v.projekt),
        &felder_ref,
    ));
    Ok(stmts)
}

/// Records a decision of a meeting. Errors name every wrong field and change nothing.
pub async fn beschluss_erfassen(
    db: &Db,
    vorlage_id: i64,
    f: &BeschlussForm,
    heute: &str,
    wer: &str,
) -> Result<Result<(), Abgelehnt>> {
    let Some(v) = vorlage(db, vorlage_id).await? else {
        return Ok(Err(fehler(
            "vorlage",
            format!("Eine Vorlage Nr. {vorlage_id} gibt es nicht."),
        )));
    };
    let mut fe: Feldfehler = Vec::new();
    let e = match Entscheidung::parse(&f.entscheidung) {
        Ok(e) => Some(e),
        Err(m) => {
            fe.push(("entscheidung", m));
            None
        }
    };
    if !v.offen() {
        fe.push((
            "entscheidung",
            format!(
                "Über diese Vorlage ist bereits entschieden ({}).",
                v.stand().label()
            ),
        ));
    }
    if v.laufender_umlauf().is_some() {
        fe.push((
            "entscheidung",
            "Über diese Vorlage läuft ein Umlaufverfahren; sein Ergebnis wird mit der Frist erfasst.".into(),
        ));
    }
    let variante = f.variante.trim();
    if e == Some(Entscheidung::Freigegeben) {
        if !v.varianten.iter().any(|x| x.kennung == variante) {
            fe.push((
                "variante",
                format!(
                    "Bitte wählen Sie die freigegebene Variante ({}).",
                    v.varianten
                        .iter()
                        .map(|x| x.kennung.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if f.finanzierung.trim().is_empty() {
            fe.push((
                "finanzierung",
                "Bitte geben Sie an, wie die Umsetzung finanziert wird.".into(),
            ));
        }
        if f.beauftragung.trim().is_empty() {
            fe.push((
                "beauftragung",
                "Bitte geben Sie an, wer mit der Umsetzung beauftragt wird.".into(),
            ));
        }
    } else if !variante.is_empty() && !v.varianten.iter().any(|x| x.kennung == variante) {
        fe.push((
            "variante",
            format!("„{variante}“ ist keine Variante dieser Vorlage."),
        ));
    }
    let datum = f.datum.trim();
    if !datum_pruefen(datum) {
        fe.push((
            "datum",
            if datum.is_empty() {
                "Bitte geben Sie das Datum des Beschlusses an.".into()
            } else {
                format!("„{datum}“ ist kein Datum; erwartet wird JJJJ-MM-TT.")
            },
        ));
    } else if datum > heute {
        fe.push((
            "datum",
            "Ein Beschluss kann nicht in der Zukunft gefasst sein.".into(),
        ));
    }
    for (feld, wert, max) in [
        ("finanzierung", &f.finanzierung, 1000),
        ("beauftragung", &f.beauftragung, 1000),
        ("protokoll", &f.protokoll, 20000),
    ] {
        if wert.chars().count() > max {
            fe.push((feld, format!("Höchstens {max} Zeichen.")));
        }
    }
    let Some(e) = e.filter(|_| fe.is_empty()) else {
        return Ok(Err(fe));
    };
    let stmts = beschluss_stmts(db, &v, e, f, "sitzung", wer).await?;
    db.execute_all(&stmts).await?;
    Ok(Ok(()))
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
    vorlage_id: i64,
    f: &UmlaufForm,
    jetzt: i64,
    wer: &str,
) -> Result<Result<i64, Abgelehnt>> {
    let Some(v) = vorlage(db, vorlage_id).await? else {
        return Ok(Err(fehler(
            "vorlage",
            format!("Eine Vorlage Nr. {vorlage_id} gibt es nicht."),
        )));
    };
    let mut fe: Feldfehler = Vec::new();
    if !v.offen() || v.laufender_umlauf().is_some() {
        fe.push((
            "vorlage",
            "Über diese Vorlage ist bereits entschieden, oder es läuft schon ein Umlaufverfahren."
                .into(),
        ));
    }
    if !v.varianten.iter().any(|x| x.kennung == f.variante.trim()) {
        fe.push((
            "variante",
            "Bitte wählen Sie die Variante, über deren Freigabe abgestimmt wird.".into(),
        ));
    }
    let frist = frist_lesen(&f.frist);
    match frist {
        None => fe.push((
            "frist",
            if f.frist.trim().is_empty() {
                "Bitte geben Sie die Frist an.".into()
            } else {
                format!(
                    "„{}“ ist kein Zeitpunkt; erwartet wird JJJJ-MM-TT HH:MM.",
                    f.frist.trim()
                )
            },
        )),
        Some(t) => {
            if let Err(m) = governance::frist_pruefen(t, jetzt) {
                fe.push(("frist", m));
            }
        }
    }
    let regel = match (f.quorum.trim().parse::<i64>(), Mehrheit::parse(&f.mehrheit)) {
        (Ok(q), Ok(m)) => match Regel::new(q, m) {
            Ok(r) => Some(r),
            Err(msg) => {
                fe.push(("quorum", msg));
                None
            }
        },
        (q, m) => {
            if q.is_err() {
                fe.push((
                    "quorum",
                    "Bitte geben Sie das Quorum als ganze Zahl in Prozent an (1–100).".into(),
                ));
            }
            if let Err(msg) = m {
                fe.push(("mehrheit", msg));
            }
            None
        }
    };
    let stimmberechtigt = db
        .scalar(
            "SELECT COUNT(*) FROM konto WHERE rolle = 'lenkungsausschuss' AND aktiv <> 0 AND passwort_hash IS NOT NULL",
            &[],
        )
        .await?;
    if stimmberechtigt == 0 {
        fe.push((
            "vorlage",
            "Der IT-Lenkungsausschuss hat noch keine aktiven Mitglieder mit Konto; ohne sie gibt es kein Umlaufverfahren.".into(),
        ));
    }
    let (Some(frist), Some(regel)) = (frist, regel) else {
        return Ok(Err(fe));
    };
    if !fe.is_empty() {
        return Ok(Err(fe));
    }
    let id = db
        .mit_neuer_id("umlauf", |id| {
            vec![
        Stmt {
            sql: "INSERT INTO umlauf (id, vorlage_id, variante, frist, quorum, mehrheit, stimmberechtigt, gestartet_von, gestartet_am) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                .into(),
            args: vec![
                id.into(),
                vorlage_id.into(),
                f.variante.trim().into(),
                frist.into(),
                i64::from(regel.quorum_prozent).into(),
                regel.mehrheit.key().into(),
                stimmberechtigt.into(),
                wer.into(),
                now_iso().into(),
            ],
        },
        audit::eintrag(
            wer,
            "umlauf-gestartet",
            &format!("projekt:{}", v.projekt),
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
            ]
        })
        .await?;
    Ok(Ok(id))
}

/// A committee member's vote; each member votes once, before the deadline.
pub async fn abstimmen(
    db: &Db,
    umlauf_id: i64,
    konto_id: i64,
    stimme: &str,
    jetzt: i64,
    wer: &str,
) -> Result<Result<(), Abgelehnt>> {
    faellige_auswerten(db, jetzt).await?;
    // The Umlaufverfahren and its Vorlage in one read.
    let gefunden = vorlagen(db, None).await?.into_iter().find_map(|v| {
        let u = v.umlaeufe.iter().find(|u| u.id == umlauf_id).cloned();
        u.map(|u| (v, u))
    });
    let Some((v, u)) = gefunden else {
        return Ok(Err(fehler(
            "umlauf",
            format!("Ein Umlaufverfahren Nr. {umlauf_id} gibt es nicht."),
        )));
    };
    if u.ergebnis.is_some() || !governance::offen(u.frist, jetzt) {
        return Ok(Err(fehler(
            "stimme",
            format!(
                "Die Frist ist am {} abgelaufen; es kann nicht mehr abgestimmt werden.",
                u.frist_text()
            ),
        )));
    }
    let s = match Stimme::parse(stimme) {
        Ok(s) => s,
        Err(m) => return Ok(Err(fehler("stimme", m))),
    };
    if let Some(alt) = u.stimme_von(konto_id) {
        return Ok(Err(fehler(
            "stimme",
            format!("Sie haben bereits abgestimmt ({alt}); jedes Mitglied stimmt einmal ab."),
        )));
    }
    // The primary key (umlauf, konto) refuses a second vote even from two tabs at once.
    let r = db
        .execute_all(&[
            Stmt {
                sql: "INSERT INTO umlauf_stimme (umlauf_id, konto_id, stimme, zeit) VALUES ($1, $2, $3, $4)".into(),
                args: vec![umlauf_id.into(), konto_id.into(), s.key().into(), now_iso().into()],
            },
            audit::eintrag(
                wer,
                "umlauf-stimme",
                &format!("projekt:{}", v.projekt),
                &[(&format!("umlauf {umlauf_id} stimme {wer}"), "", s.key())],
            ),
        ])
        .await;
    if r.is_err() {
        return Ok(Err(fehler(
            "stimme",
            "Sie haben bereits abgestimmt; jedes Mitglied stimmt einmal ab.",
        )));
    }
    Ok(Ok(()))
}

/// Counts every Umlaufverfahren whose deadline has passed and records the result (and, when
/// the committee could decide, the decision). Safe to run from several instances at once: the
/// result is written only where none is yet. Returns how many were counted.
pub async fn faellige_auswerten(db: &Db, jetzt: i64) -> Result<usize> {
    let faellig = db
        .scalar(
            "SELECT COUNT(*) FROM umlauf WHERE ergebnis IS NULL AND frist <= $1",
            &[jetzt.into()],
        )
        .await?;
    if faellig == 0 {
        return Ok(0);
    }
    let mut n = 0;
    for v in vorlagen(db, None).await? {
        for u in &v.umlaeufe {
            if u.ergebnis.is_some() || u.frist > jetzt {
                continue;
            }
            let regel = Regel::new(
                u.quorum,
                Mehrheit::parse(&u.mehrheit).unwrap_or(Mehrheit::Einfach),
            )
            .unwrap_or_default();
            let a = u.auszaehlung();
            let ergebnis = a.ergebnis(&regel);
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
            let mut stmts = vec![Stmt {
                sql: "UPDATE umlauf SET ergebnis = $1 WHERE id = $2 AND ergebnis IS NULL".into(),
                args: vec![ergebnis.key().into(), u.id.into()],
            }];
            let entscheidung = match ergebnis {
                Ergebnis::Angenommen => Some(Entscheidung::Freigegeben),
                Ergebnis::Abgelehnt => Some(Entscheidung::Abgelehnt),
                Ergebnis::NichtBeschlussfaehig => None,
            };
            // One audit entry per change: the decision's entry carries the count in its
            // minutes; without a decision the count is the entry.
            if entscheidung.is_none() {
                stmts.push(audit::eintrag(
                    "system",
                    "umlauf-ausgezaehlt",
                    &format!("projekt:{}", v.projekt),
                    &[(&format!("umlauf {}", u.id), "", &protokoll)],
                ));
            }
            if let Some(e) = entscheidung {
                let f = BeschlussForm {
                    entscheidung: e.key().into(),
                    variante: if e == Entscheidung::Freigegeben {
                        u.variante.clone()
                    } else {
                        String::new()
                    },
                    finanzierung: "wie in der Vorlage (Steckbrief) beschrieben".into(),
                    beauftragung: "wie in der Vorlage (Steckbrief) beschrieben".into(),
                    datum: iso_datum(u.frist),
                    protokoll,
                };
                stmts.extend(beschluss_stmts(db, &v, e, &f, "umlauf", "system").await?);
            }
            if db.execute_guarded(&stmts, 0).await? {
                n += 1;
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_time_in_winter_and_summer() {
        // 15 January 12:00 CET = 11:00 UTC; 15 July 12:00 CEST = 10:00 UTC.
        let winter = frist_lesen("2027-01-15T12:00").unwrap();
        assert_eq!(zeit_de(winter), "15.01.2027, 12:00 Uhr");
        assert_eq!(winter % 86400, 11 * 3600);
        let sommer = frist_lesen("2027-07-15 12:00").unwrap();
        assert_eq!(sommer % 86400, 10 * 3600);
        assert_eq!(zeit_de(sommer), "15.07.2027, 12:00 Uhr");
        assert_eq!(iso_datum(sommer), "2027-07-15");
        assert!(frist_lesen("15.07.2027 12:00").is_none());
        assert!(frist_lesen("2027-02-30T12:00").is_none());
    }
}
