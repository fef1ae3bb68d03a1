//! `ozg backup` and `ozg restore`: the whole database in one file.
//!
//! SQLite: an online backup (`VACUUM INTO`: a consistent copy while the portal keeps running),
//! restored by putting the copy in place of the database file (the portal stopped). PostgreSQL:
//! `pg_dump` in its custom format, restored with `pg_restore --clean` in one transaction — the
//! standard tools, so a dump can also be restored by hand. Attachments live in the database
//! on PostgreSQL; with SQLite they are files under `<data-dir>/anhaenge` and are copied along
//! with the file system backup of the data directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::kern::db::{Backend, Db};

/// Whether `url` names a PostgreSQL database (else it is a SQLite file).
pub fn ist_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The default file for a backup now: `<dir>/ozg-<JJJJMMTT-hhmmss>.<sqlite|pgdump>`.
pub fn standard_ziel(dir: &Path, url: &str, stempel: &str, anlass: &str) -> PathBuf {
    let endung = if ist_postgres(url) {
        "pgdump"
    } else {
        "sqlite"
    };
    dir.join(format!("{anlass}{stempel}.{endung}"))
}

/// Writes a backup of the database at `url` (open as `db`) to `ziel` (must not exist).
pub async fn sichern(db: &Db, url: &str, ziel: &Path) -> Result<()> {
    if ziel.exists() {
        bail!(
            "{} gibt es schon; eine Sicherung überschreibt nichts",
            ziel.display()
        );
    }
    if let Some(dir) = ziel.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("Verzeichnis {} lässt sich nicht anlegen", dir.display()))?;
    }
    match db.0.backend() {
        Backend::Sqlite => {
            let pfad = ziel.to_str().context("Pfad der Sicherung ist kein UTF-8")?;
            db.0.verwaltung(&format!("VACUUM INTO '{}'", pfad.replace('\'', "''")))
                .await
                .with_context(|| format!("Sicherung nach {} fehlgeschlagen", ziel.display()))?;
        }
        Backend::Postgres => {
            let mut c = Command::new(werkzeug("pg_dump")?);
            let url = ohne_passwort(url, &mut c);
            c.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(ziel)
                .arg(url);
            ausfuehren(c, "pg_dump")?;
        }
    }
    Ok(())
}

/// Restores a backup into the database at `url`: SQLite by replacing the file (the old one is
/// kept next to it as `…vor-wiederherstellung-<stempel>`), PostgreSQL with `pg_restore --clean`
/// in one transaction (all or nothing). The portal must be stopped.
pub async fn wiederherstellen(url: &str, quelle: &Path, stempel: &str) -> Result<()> {
    if !quelle.is_file() {
        bail!("Die Sicherung {} gibt es nicht", quelle.display());
    }
    if ist_postgres(url) {
        let mut c = Command::new(werkzeug("pg_restore")?);
        let url = ohne_passwort(url, &mut c);
        c.args([
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
        ])
        .arg(url)
        .arg(quelle);
        return ausfuehren(c, "pg_restore");
    }
    // Check that it is an OZG-Plattform database before touching anything.
    let probe = Db::connect(&quelle.to_string_lossy())
        .await
        .with_context(|| format!("{} ist keine SQLite-Datenbank", quelle.display()))?;
    let ok = probe.meta("datenstand").await.is_ok();
    probe.0.close().await;
    if !ok {
        bail!(
            "{} ist keine Sicherung der OZG-Plattform (keine Tabelle meta)",
            quelle.display()
        );
    }
    let ziel = Path::new(url);
    if ziel.exists() {
        // The database that is kept must be whole and nothing may still write to it: open it
        // once and close it again. As the last connection, SQLite then writes the log (WAL)
        // into the file and removes log and index; if they are still there, another process
        // (a running portal) has it open.
        let db = Db::connect(url)
            .await
            .with_context(|| format!("{url} lässt sich nicht öffnen"))?;
        db.0.verwaltung("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        db.0.close().await;
        if Path::new(&format!("{url}-shm")).exists() || Path::new(&format!("{url}-wal")).exists() {
            bail!(
                "Die Datenbank {url} ist noch geöffnet – läuft das Portal noch? Beenden Sie es vor der Wiederherstellung; es wurde nichts verändert."
            );
        }
        let alt = PathBuf::from(format!("{url}.vor-wiederherstellung-{stempel}"));
        std::fs::rename(ziel, &alt)
            .with_context(|| format!("{} lässt sich nicht beiseitelegen", ziel.display()))?;
        eprintln!("Bisherige Datenbank aufbewahrt als {}", alt.display());
    }
    let tmp = PathBuf::from(format!("{url}.wiederherstellung"));
    std::fs::copy(quelle, &tmp)
        .with_context(|| format!("{} lässt sich nicht kopieren", quelle.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, ziel)?;
    Ok(())
}

/// The URL without its password, which goes into the program's environment instead (other
/// users of the machine can read a process's arguments, not its environment).
fn ohne_passwort(url: &str, c: &mut Command) -> String {
    let Some((schema, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((zugang, ort)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match zugang.split_once(':') {
        Some((nutzer, pw)) => {
            c.env("PGPASSWORD", pw);
            format!("{schema}://{nutzer}@{ort}")
        }
        None => url.to_owned(),
    }
}

/// A PostgreSQL client program: on the PATH, else the newest under /usr/lib/postgresql.
fn werkzeug(name: &str) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    }) {
        return Ok(p);
    }
    let mut kandidaten: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.is_file())
        .collect();
    kandidaten.sort();
    kandidaten.pop().with_context(|| {
        format!("{name} nicht gefunden: bitte die PostgreSQL-Clientprogramme installieren (Debian: postgresql-client)")
    })
}

fn ausfuehren(mut c: Command, name: &str) -> Result<()> {
    let out = c
        .output()
        .with_context(|| format!("{name} lässt sich nicht starten"))?;
    if !out.status.success() {
        bail!(
            "{name} fehlgeschlagen: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
