//! The attachment store: files under their SHA-256 in the data directory, outside anything
//! served directly; the name a client sent never reaches the file system.
//!
//! An upload streams into the intake directory (`eingang/`, a random name per upload, never
//! whole in memory), is synced to disk, and is moved under its SHA-256 once it has been
//! checked; a download streams from the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// The store directory.
#[derive(Clone, Debug)]
pub struct Ablage(pub Arc<PathBuf>);

impl Ablage {
    fn pfad(&self, sha256: &str) -> PathBuf {
        self.0.join(&sha256[..2]).join(sha256)
    }

    fn gueltig(sha256: &str) -> bool {
        sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit())
    }

    /// A new intake file for an upload of at most `max` bytes.
    pub async fn eingang(&self, max: usize) -> anyhow::Result<Eingang> {
        let dir = self.0.join("eingang");
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

    /// Moves a completed intake file under its SHA-256 (unless the same content is already
    /// stored) and syncs the directory, so the file survives a crash once the database says
    /// it exists. Returns the SHA-256.
    pub async fn uebernehmen(&self, e: &Eingang) -> anyhow::Result<String> {
        let sha = e
            .sha256
            .clone()
            .context("Upload nicht abgeschlossen (interner Fehler)")?;
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

    /// Opens a stored file for streaming, with its length.
    pub async fn oeffnen(&self, sha256: &str) -> anyhow::Result<(tokio::fs::File, u64)> {
        if !Self::gueltig(sha256) {
            anyhow::bail!("ungültiger Verweis auf eine Datei");
        }
        let f = tokio::fs::File::open(self.pfad(sha256)).await?;
        let n = f.metadata().await?.len();
        Ok((f, n))
    }

    /// The directory.
    pub fn verzeichnis(&self) -> &Path {
        &self.0
    }
}

/// An upload on its way in: written as it arrives, hashed on the way; removed when dropped
/// unless the store took it over.
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
}

impl Drop for Eingang {
    fn drop(&mut self) {
        // Gone already when the store took the file over; nothing to do then.
        let _ = std::fs::remove_file(&self.pfad);
    }
}
