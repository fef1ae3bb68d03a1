//! A project's history for the public and the members: its fields as of a past date ("Stand
//! vom …", reconstructed from the audit log by undoing every later change) and the members'
//! internal comments.

use ozg_domain::project::{Phase, Zielportal};
use serde::{Deserialize, Serialize};

use crate::kern::audit::{self, Eintrag, Objekt};
use crate::kern::db::{Db, DbFehler};
use crate::kern::uhr::datum_de;
use crate::kern::{Fehler, Uhr};
use crate::programm::objekte::PROJEKT;
use crate::programm::projekt_bearbeiten::{self as bearbeiten, nicht_gefunden};
use crate::sql;

/// One field then and now.
#[derive(Debug, Clone, Serialize)]
pub struct FeldStand {
    /// Label.
    pub feld: String,
    /// Value at the date ("" unknown).
    pub damals: String,
    /// Value today.
    pub heute: String,
}

impl FeldStand {
    /// Whether the value changed since.
    pub fn geaendert(&self) -> bool {
        self.damals != self.heute
    }
}

fn anzeige(feld: &str, wert: &str) -> String {
    if feld == "zielportal" {
        return Zielportal::parse(wert)
            .map(|z| z.label().to_owned())
            .unwrap_or_else(|_| wert.to_owned());
    }
    if feld.starts_with("phase_") {
        return datum_de(wert);
    }
    wert.to_owned()
}

/// The project's editable fields as of the end of `datum` (JJJJ-MM-TT, German calendar day):
/// every audited change after it is undone, newest first. None: no project.
pub async fn stand_am(
    db: &Db,
    slug: &str,
    datum: &str,
) -> Result<Option<Vec<FeldStand>>, DbFehler> {
    let Some(p) = bearbeiten::laden(db, slug).await? else {
        return Ok(None);
    };
    let f = p.formular(0);
    let mut felder: Vec<(String, String, String)> = vec![
        ("name".into(), "Name".into(), f.name.clone()),
        (
            "projektstart".into(),
            "Projektstart".into(),
            f.projektstart.clone(),
        ),
        (
            "prioritaet_nrw".into(),
            "Kommunale Priorität NRW".into(),
            f.prioritaet_nrw.clone(),
        ),
        (
            "prioritaet_bund".into(),
            "Bund-Länder-Priorität".into(),
            f.prioritaet_bund.clone(),
        ),
        (
            "zielportal".into(),
            "Zielportal".into(),
            f.zielportal.clone(),
        ),
        ("anmerkung".into(), "Anmerkung".into(), f.anmerkung.clone()),
    ];
    for ph in Phase::ALL {
        felder.push((
            ph.feld().to_owned(),
            format!("Beginn {}", ph.label()),
            f.phasen.get(ph).unwrap_or("").to_owned(),
        ));
    }
    // Organisations and Leistungen, as the audit log names them.
    if let Some(b) = crate::programm::beteiligte::laden(db, slug).await? {
        for (label, wert) in b.als_text() {
            felder.push((label.to_owned(), label.to_owned(), wert));
        }
    }
    let heute: Vec<String> = felder.iter().map(|x| x.2.clone()).collect();
    // The end of the German day: an edit at 00:30 on the next day is stored as 23:30 UTC.
    let grenze = match crate::kern::uhr::datum_lesen(datum) {
        Some(d) => crate::kern::uhr::tagesende(d),
        None => format!("{datum}T23:59:59Z"),
    };
    let objekt = Objekt::new(PROJEKT, slug).to_string();
    let eintraege: Vec<Eintrag> = db
        .query(sql!("SELECT id, zeit, konto, aktion, objekt, aenderungen FROM audit WHERE objekt = $1 AND zeit > $2 ORDER BY id DESC", objekt.as_str(), grenze))
        .await?;
    for e in eintraege {
        for a in e.felder() {
            if let Some(x) = felder.iter_mut().find(|x| x.0 == a.feld) {
                x.2 = a.vorher.clone();
            }
        }
    }
    Ok(Some(
        felder
            .into_iter()
            .zip(heute)
            .map(|((key, label, damals), heute)| FeldStand {
                damals: anzeige(&key, &damals),
                heute: anzeige(&key, &heute),
                feld: label,
            })
            .collect(),
    ))
}

/// A comment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kommentar {
    /// Number.
    pub id: i64,
    /// Login name.
    pub konto: String,
    /// Display name.
    pub name: String,
    /// Text.
    pub text: String,
    /// When (ISO, UTC).
    pub zeit: String,
}

impl Kommentar {
    /// Date (German).
    pub fn datum(&self) -> String {
        datum_de(&self.zeit)
    }
}

/// The comments on a project, oldest first.
pub async fn kommentare(db: &Db, slug: &str) -> Result<Vec<Kommentar>, DbFehler> {
    db.query(sql!(
        "SELECT id, konto, name, text, zeit FROM kommentar WHERE objekt = $1 ORDER BY id",
        Objekt::new(PROJEKT, slug).to_string()
    ))
    .await
}

/// Adds a comment (with its audit entry). The error names the field.
pub async fn kommentieren(
    db: &Db,
    uhr: &Uhr,
    slug: &str,
    text: &str,
    konto: &str,
    name: &str,
) -> Result<(), Fehler> {
    if bearbeiten::laden(db, slug).await?.is_none() {
        return Err(nicht_gefunden(slug));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(Fehler::feld(
            "kommentar",
            "Bitte schreiben Sie einen Kommentar.",
        ));
    }
    if text.chars().count() > 5000 {
        return Err(Fehler::feld(
            "kommentar",
            "Ein Kommentar darf höchstens 5000 Zeichen lang sein.",
        ));
    }
    let objekt = Objekt::new(PROJEKT, slug);
    let id = db.neue_id("kommentar").await?;
    db.execute_all(&[
        sql!(
            "INSERT INTO kommentar (id, objekt, konto, name, text, zeit) VALUES ($1, $2, $3, $4, $5, $6)",
            id,
            objekt.to_string(),
            konto,
            name,
            text,
            uhr.jetzt_iso()
        ),
        audit::eintrag(uhr, konto, "kommentar", &objekt, &[("kommentar", "", text)]),
    ])
    .await?;
    Ok(())
}
