//! Attachments: files of a Steckbrief (PDF, images) and the photo protocols of workshops.
//!
//! The type is checked by content (`ozg_domain::anhang`), never by the name; the size is
//! limited. Files are stored outside any served directory, under the data directory, named by
//! their SHA-256 (so a file name from the client never reaches the file system), and only the
//! application serves them, with headers that stop a browser from running them
//! (`web::anhaenge`). The metadata lives in the database; the file is written before the row,
//! so a row never points to a missing file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ozg_domain::anhang::{self, Dateiart};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{Db, Stmt};
use crate::members::audit;
use crate::programme::plan_stand::{datum_de, now_iso};

/// An attachment's metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Anhang {
    /// Number.
    pub id: i64,
    /// What it belongs to: "steckbrief:<slug>" or "workshop:<id>".
    pub objekt: String,
    /// Title.
    pub titel: String,
    /// Cleaned file name.
    pub dateiname: String,
    /// Dateiart key.
    pub art: String,
    /// Size in bytes.
    pub groesse: i64,
    /// Content hash (file name in the store).
    pub sha256: String,
    /// Visible to the public (else members only).
    #[serde(deserialize_with = "crate::db::int_bool::deserialize")]
    pub oeffentlich: bool,
    /// Who uploaded.
    pub hochgeladen_von: String,
    /// When (ISO).
    pub hochgeladen_am: String,
}

impl Anhang {
    /// The Dateiart.
    pub fn dateiart(&self) -> Option<Dateiart> {
        Dateiart::parse(&self.art).ok()
    }
    /// Label of the type.
    pub fn art_text(&self) -> &'static str {
        self.dateiart().map(Dateiart::label).unwrap_or("Datei")
    }
    /// Whether it is an image.
    pub fn ist_bild(&self) -> bool {
        self.dateiart().is_some_and(Dateiart::ist_bild)
    }
    /// Size for people ("1,4 MB", "320 kB").
    pub fn groesse_text(&self) -> String {
        let b = self.groesse as f64;
        if b >= 1024.0 * 1024.0 {
            format!("{:.1} MB", b / 1024.0 / 1024.0).replace('.', ",")
        } else {
            format!("{} kB", (b / 1024.0).ceil() as i64)
        }
    }
    /// Upload date (German).
    pub fn datum(&self) -> String {
        datum_de(&self.hochgeladen_am)
    }
    /// Address in the portal.
    pub fn url(&self) -> String {
        format!("/anhaenge/{}/{}", self.id, self.dateiname)
    }
}

/// The store directory.
#[derive(Clone, Debug)]
pub struct Ablage(pub PathBuf);

impl Ablage {
    fn pfad(&self, sha256: &str) -> PathBuf {
        self.0.join(&sha256[..2]).join(sha256)
    }

    /// Writes the bytes (atomically: temp file, then rename) unless the same content exists.
    async fn schreiben(&self, sha256: &str, bytes: &[u8]) -> Result<()> {
        let ziel = self.pfad(sha256);
        if tokio::fs::try_exists(&ziel).await.unwrap_or(false) {
            return Ok(());
        }
        let dir = ziel.parent().expect("has a parent");
        tokio::fs::create_dir_all(dir)
            .await
            .with_context(|| format!("Ablage {} lässt sich nicht anlegen", dir.display()))?;
        let tmp = dir.join(format!("{sha256}.{}.tmp", std::process::id()));
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &ziel).await?;
        Ok(())
    }

    /// Reads a stored file.
    pub async fn lesen(&self, sha256: &str) -> Result<Vec<u8>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            anyhow::bail!("ungültiger Verweis auf eine Datei");
        }
        Ok(tokio::fs::read(self.pfad(sha256)).await?)
    }

    /// The directory.
    pub fn verzeichnis(&self) -> &Path {
        &self.0
    }
}

/// Attachments of an object, oldest first; `intern`: include those for members only.
pub async fn liste(db: &Db, objekt: &str, intern: bool) -> Result<Vec<Anhang>> {
    db.query(
        "SELECT id, objekt, titel, dateiname, art, groesse, sha256, oeffentlich, hochgeladen_von, hochgeladen_am \
         FROM anhang WHERE objekt = $1 AND ($2 = 1 OR oeffentlich <> 0) ORDER BY id",
        &[objekt.into(), i64::from(intern).into()],
    )
    .await
}

/// One attachment.
pub async fn laden(db: &Db, id: i64) -> Result<Option<Anhang>> {
    db.query_opt(
        "SELECT id, objekt, titel, dateiname, art, groesse, sha256, oeffentlich, hochgeladen_von, hochgeladen_am \
         FROM anhang WHERE id = $1",
        &[id.into()],
    )
    .await
}

/// An upload as received.
pub struct Upload {
    /// The client's file name.
    pub dateiname: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// Title typed.
    pub titel: String,
    /// Public or members only.
    pub oeffentlich: bool,
}

/// Checks and stores an upload for `objekt`; `erlaubt`: the accepted types. Errors name the
/// field and store nothing.
pub async fn hochladen(
    db: &Db,
    ablage: &Ablage,
    objekt: &str,
    audit_objekt: &str,
    u: &Upload,
    erlaubt: &[Dateiart],
    wer: &str,
) -> Result<Result<i64, (&'static str, String)>> {
    if u.bytes.is_empty() && u.dateiname.is_empty() {
        return Ok(Err(("datei", "Bitte wählen Sie eine Datei aus.".into())));
    }
    let art = match anhang::pruefen(&u.dateiname, &u.bytes, erlaubt) {
        Ok(a) => a,
        Err(m) => return Ok(Err(("datei", m))),
    };
    let titel = u.titel.trim();
    if titel.chars().count() > 200 {
        return Ok(Err((
            "titel",
            "Der Titel darf höchstens 200 Zeichen lang sein.".into(),
        )));
    }
    let name = anhang::dateiname_bereinigen(&u.dateiname, art);
    let titel = if titel.is_empty() {
        name.clone()
    } else {
        titel.to_owned()
    };
    let sha = Sha256::digest(&u.bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    ablage.schreiben(&sha, &u.bytes).await?;
    let id = db
        .mit_neuer_id("anhang", |id| {
            vec![
        Stmt {
            sql: "INSERT INTO anhang (id, objekt, titel, dateiname, art, groesse, sha256, oeffentlich, hochgeladen_von, hochgeladen_am) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                .into(),
            args: vec![
                id.into(),
                objekt.into(),
                titel.as_str().into(),
                name.as_str().into(),
                art.key().into(),
                (u.bytes.len() as i64).into(),
                sha.as_str().into(),
                i64::from(u.oeffentlich).into(),
                wer.into(),
                now_iso().into(),
            ],
        },
        audit::eintrag(
            wer,
            "anhang-hochgeladen",
            audit_objekt,
            &[(
                &format!("anhang {id}"),
                "",
                &format!(
                    "{titel} ({name}, {}, {} Bytes, {})",
                    art.label(),
                    u.bytes.len(),
                    if u.oeffentlich { "öffentlich" } else { "nur Mitglieder" }
                ),
            )],
        ),
            ]
        })
        .await?;
    Ok(Ok(id))
}

/// Removes an attachment from its record (the file stays in the store: another attachment may
/// share its content, and the audit log names it).
pub async fn entfernen(db: &Db, a: &Anhang, audit_objekt: &str, wer: &str) -> Result<bool> {
    db.execute_guarded(
        &[
            Stmt {
                sql: "DELETE FROM anhang WHERE id = $1".into(),
                args: vec![a.id.into()],
            },
            audit::eintrag(
                wer,
                "anhang-entfernt",
                audit_objekt,
                &[(&format!("anhang {}", a.id), &a.titel, "")],
            ),
        ],
        0,
    )
    .await
}
