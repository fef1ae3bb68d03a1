//! The embedded SQLite store (WAL mode, one file in the data directory).

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{Map, Value};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Column, Row, TypeInfo, ValueRef};

use super::Backend;

/// SQLite implementation of [`Store`].
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (and creates) the database file.
    pub async fn connect(url: &str) -> Result<Self> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let opts = SqliteConnectOptions::from_str(&url)
            .with_context(|| format!("SQLite-Adresse ungültig: {url}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit the portal has acknowledged survives a power loss (NORMAL in WAL
            // mode may lose the last ones); writes are few, the cost is one fsync each.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(opts)
            .await
            .with_context(|| format!("SQLite-Datenbank {url} lässt sich nicht öffnen"))?;
        Ok(SqliteStore { pool })
    }
}

fn to_json(row: &SqliteRow) -> Result<Map<String, Value>> {
    let mut m = Map::with_capacity(row.columns().len());
    for (i, col) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let v = if raw.is_null() {
            Value::Null
        } else {
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => Value::from(row.try_get::<i64, _>(i)?),
                "REAL" => Value::from(row.try_get::<f64, _>(i)?),
                "TEXT" => Value::from(row.try_get::<String, _>(i)?),
                other => anyhow::bail!("Spaltentyp {other} wird nicht unterstützt"),
            }
        };
        m.insert(col.name().to_owned(), v);
    }
    Ok(m)
}

sqlx_store!(
    SqliteStore,
    SqliteArguments,
    to_json,
    Backend::Sqlite,
    "SQLite",
    None
);
