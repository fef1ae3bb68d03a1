//! The attachment store: files under their SHA-256 in the data directory, outside anything
//! served directly; the name a client sent never reaches the file system.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

/// The store directory.
#[derive(Clone, Debug)]
pub struct Ablage(pub Arc<PathBuf>);

impl Ablage {
    fn pfad(&self, sha256: &str) -> PathBuf {
        self.0.join(&sha256[..2]).join(sha256)
    }

    /// Writes the bytes (atomically: temp file, then rename) unless the same content exists.
    pub(crate) async fn schreiben(&self, sha256: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let ziel = self.pfad(sha256);
        if tokio::fs::try_exists(&ziel).await.unwrap_or(false) {
            return Ok(());
        }
        let dir = ziel.parent().context("Ablagepfad ohne Verzeichnis")?;
        tokio::fs::create_dir_all(dir)
            .await
            .with_context(|| format!("Ablage {} lässt sich nicht anlegen", dir.display()))?;
        let tmp = dir.join(format!("{sha256}.{}.tmp", std::process::id()));
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &ziel).await?;
        Ok(())
    }

    /// Reads a stored file.
    pub async fn lesen(&self, sha256: &str) -> anyhow::Result<Vec<u8>> {
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
