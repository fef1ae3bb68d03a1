//! The attachment store: files under their SHA-256, never under a name a client sent.
//!
//! With SQLite the files lie in the data directory (outside anything served directly). With
//! PostgreSQL they lie in the database (`anhang_stueck`, base64 in pieces), so several
//! instances share nothing but the database. Either way an upload streams into the intake
//! directory (`eingang/`, a random name per upload, never whole in memory), is synced to disk,
//! and is taken over under its SHA-256 once it has been checked; a download streams.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::body::Body;
use base64::Engine;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::kern::db::{Backend, Db};
use crate::sql;

/// Bytes of content per database piece.
const STUECK: usize = 512 * 1024;

/// Where attachments are kept.
#[derive(Clone)]
pub struct Ablage {
    /// The directory: the files (SQLite) or only the intake (PostgreSQL).
    dir: Arc<PathBuf>,
    /// The database that holds the contents (PostgreSQL), if it does.
    db: Option<Db>,
}

impl std::fmt::Debug for Ablage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Ablage({}, {})",
            self.dir.display(),
            if self.db.is_some() {
                "Datenbank"
            } else {
                "Dateien"
            }
        )
    }
}

impl Ablage {
    /// The store that fits the database: in PostgreSQL itself, else files in `dir` (which
    /// is the intake directory's parent either way).
    pub fn fuer(db: &Db, dir: PathBuf) -> Ablage {
        Ablage {
            dir: Arc::new(dir),
            db: (db.backend() == Backend::Postgres).then(|| db.clone()),
        }
    }

    /// Whether the contents lie in the database.
    pub fn in_der_datenbank(&self) -> bool {
        self.db.is_some()
    }

    fn pfad(&self, sha256: &str) -> PathBuf {
        self.dir.join(&sha256[..2]).join(sha256)
    }

    fn gueltig(sha256: &str) -> bool {
        sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit())
    }

    /// A new intake file for an upload of at most `max` bytes.
    pub async fn eingang(&self, max: usize) -> anyhow::Result<Eingang> {
        let dir = self.dir.join("eingang");
        tokio::fs::create_dir_all(&dir)
            .await
            .with_context(|| format!("Ablage {} lässt sich nicht anlegen", dir.display()))?;
        let pfad = dir.join(format!("{}.tmp", crate::kern::token::token()?));
        let datei = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&pfad)
            .await
            .with_context(|| format!("{} lässt sich nicht anlegen", pfad.display()))?;
        Ok(Eingang {
            pfad,
            datei: Some(datei),
            hasher: Sha256::new(),
            groesse: 0,
            anfang: Vec::new(),
            max,
            sha256: None,
        })
    }

    /// Takes a completed intake file over under its SHA-256 (unless the same content is
    /// already stored), durably: the file is moved and its directory synced, or the pieces are
    /// written one by one, the first last. Returns the SHA-256.
    pub async fn uebernehmen(&self, e: &Eingang) -> anyhow::Result<String> {
        let sha = e
            .sha256
            .clone()
            .context("Upload nicht abgeschlossen (interner Fehler)")?;
        if let Some(db) = &self.db {
            let da = db
                .scalar(sql!(
                    "SELECT COUNT(*) FROM anhang_stueck WHERE sha256 = $1 AND nr = 0",
                    sha.as_str()
                ))
                .await?;
            if da > 0 {
                return Ok(sha);
            }
            // Piece by piece, each in its own statement (never the whole file in memory),
            // piece 0 last: it marks the content complete (`da` above, and a crash half-way
            // leaves pieces that the next upload of the same content completes).
            let mut datei = tokio::fs::File::open(&e.pfad).await?;
            let stueck = |nr: i64, daten: &[u8]| {
                sql!(
                    "INSERT INTO anhang_stueck (sha256, nr, daten) VALUES ($1, $2, $3) \
                     ON CONFLICT (sha256, nr) DO NOTHING",
                    sha.as_str(),
                    nr,
                    base64::engine::general_purpose::STANDARD.encode(daten)
                )
            };
            let mut erstes = vec![0u8; STUECK];
            let n0 = lesen_voll(&mut datei, &mut erstes).await?;
            erstes.truncate(n0);
            if n0 == STUECK {
                let mut puffer = vec![0u8; STUECK];
                for nr in 1.. {
                    let n = lesen_voll(&mut datei, &mut puffer).await?;
                    if n == 0 {
                        break;
                    }
                    db.execute_all(&[stueck(nr, &puffer[..n])]).await?;
                    if n < STUECK {
                        break;
                    }
                }
            }
            db.execute_all(&[stueck(0, &erstes)]).await?;
            return Ok(sha);
        }
        let ziel = self.pfad(&sha);
        if tokio::fs::try_exists(&ziel).await.unwrap_or(false) {
            return Ok(sha);
        }
        let dir = ziel.parent().context("Ablagepfad ohne Verzeichnis")?;
        tokio::fs::create_dir_all(dir)
            .await
            .with_context(|| format!("Ablage {} lässt sich nicht anlegen", dir.display()))?;
        tokio::fs::rename(&e.pfad, &ziel).await?;
        tokio::fs::File::open(dir).await?.sync_all().await?;
        Ok(sha)
    }

    /// Stores bytes made by the portal itself (a receipt, a Bescheid); returns the SHA-256.
    pub async fn bytes_speichern(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let mut e = self.eingang(bytes.len().max(1)).await?;
        e.schreiben(bytes).await?;
        e.abschliessen().await?;
        self.uebernehmen(&e).await
    }

    /// Removes a stored content (its last reference is gone: the caller checked). Missing
    /// content is no error.
    pub async fn entfernen(&self, sha256: &str) -> anyhow::Result<()> {
        if !Self::gueltig(sha256) {
            anyhow::bail!("ungültiger Verweis auf eine Datei");
        }
        if let Some(db) = &self.db {
            db.execute_all(&[sql!("DELETE FROM anhang_stueck WHERE sha256 = $1", sha256)])
                .await?;
        }
        match tokio::fs::remove_file(self.pfad(sha256)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// A stored content as a streamed body, with its length.
    pub async fn oeffnen(&self, sha256: &str, laenge: u64) -> anyhow::Result<(Body, u64)> {
        if !Self::gueltig(sha256) {
            anyhow::bail!("ungültiger Verweis auf eine Datei");
        }
        if let Some(db) = &self.db {
            let stuecke = db
                .scalar(sql!(
                    "SELECT COUNT(*) FROM anhang_stueck WHERE sha256 = $1",
                    sha256
                ))
                .await?;
            if stuecke > 0 {
                // One piece per poll: at most 512 KiB of content in memory.
                let (db, sha) = (db.clone(), sha256.to_owned());
                let strom = futures_util::stream::unfold(0i64, move |nr| {
                    let (db, sha) = (db.clone(), sha.clone());
                    async move {
                        if nr >= stuecke {
                            return None;
                        }
                        let r = async {
                            let text = db
                                .scalar_text(sql!(
                                    "SELECT daten FROM anhang_stueck WHERE sha256 = $1 AND nr = $2",
                                    sha.as_str(),
                                    nr
                                ))
                                .await?
                                .context("Teil einer Anlage fehlt")?;
                            Ok::<_, anyhow::Error>(axum::body::Bytes::from(
                                base64::engine::general_purpose::STANDARD.decode(text)?,
                            ))
                        }
                        .await
                        .map_err(std::io::Error::other);
                        Some((r, nr + 1))
                    }
                });
                return Ok((Body::from_stream(strom), laenge));
            }
            // Stored as a file before contents moved into the database: still served.
        }
        let f = tokio::fs::File::open(self.pfad(sha256)).await?;
        let n = f.metadata().await?.len();
        Ok((Body::from_stream(tokio_util::io::ReaderStream::new(f)), n))
    }

    /// The directory.
    pub fn verzeichnis(&self) -> &Path {
        &self.dir
    }
}

/// Reads until `puffer` is full or the file ends; returns how many bytes were read.
async fn lesen_voll(f: &mut tokio::fs::File, puffer: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < puffer.len() {
        let k = f.read(&mut puffer[n..]).await?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

/// An upload on its way in: written as it arrives, hashed on the way; removed when dropped
/// (after the store took it over, if it did).
pub struct Eingang {
    pfad: PathBuf,
    datei: Option<tokio::fs::File>,
    hasher: Sha256,
    groesse: usize,
    anfang: Vec<u8>,
    max: usize,
    sha256: Option<String>,
}

/// How many leading bytes are kept to recognise the file type.
const ANFANG: usize = 16;

impl Eingang {
    /// Appends a piece. Beyond the limit nothing more is written, only counted (the size goes
    /// into the message).
    pub async fn schreiben(&mut self, stueck: &[u8]) -> std::io::Result<()> {
        if self.anfang.len() < ANFANG {
            let n = (ANFANG - self.anfang.len()).min(stueck.len());
            self.anfang.extend_from_slice(&stueck[..n]);
        }
        self.groesse += stueck.len();
        if self.groesse <= self.max
            && let Some(d) = self.datei.as_mut()
        {
            self.hasher.update(stueck);
            d.write_all(stueck).await?;
        }
        Ok(())
    }

    /// Ends the upload: flushed and synced to disk, the SHA-256 fixed.
    pub async fn abschliessen(&mut self) -> std::io::Result<()> {
        if let Some(mut d) = self.datei.take() {
            d.flush().await?;
            d.sync_all().await?;
        }
        self.sha256 = Some(crate::kern::token::hex(
            &std::mem::take(&mut self.hasher).finalize(),
        ));
        Ok(())
    }

    /// The size in bytes (also beyond the limit).
    pub fn groesse(&self) -> usize {
        self.groesse
    }

    /// The first bytes (for recognising the type by content).
    pub fn anfang(&self) -> &[u8] {
        &self.anfang
    }

    /// Where the intake file lies (for the virus scan; it stays there until taken over).
    pub fn pfad(&self) -> &Path {
        &self.pfad
    }
}

impl Drop for Eingang {
    fn drop(&mut self) {
        // Gone already when the store moved the file; nothing to do then.
        let _ = std::fs::remove_file(&self.pfad);
    }
}
