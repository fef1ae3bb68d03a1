//! The embedded SQLite store (WAL mode, one file in the data directory).

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Arguments, Column, Row, TypeInfo, ValueRef};

use super::{Arg, Backend, Stmt, Store};

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
            .synchronous(SqliteSynchronous::Normal)
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

fn bind(args: &[Arg]) -> Result<SqliteArguments> {
    let mut a = SqliteArguments::default();
    for arg in args {
        match arg {
            Arg::Int(v) => a.add(*v),
            Arg::Float(v) => a.add(*v),
            Arg::Text(v) => a.add(v.clone()),
        }
        .map_err(|e| anyhow::anyhow!("Parameter nicht bindbar: {e}"))?;
    }
    Ok(a)
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

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.pool)
            .await
            .context("Migration der SQLite-Datenbank fehlgeschlagen")
    }

    async fn rows(&self, sql: &str, args: &[Arg]) -> Result<Vec<Map<String, Value>>> {
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(sql.to_owned()), bind(args)?)
            .fetch_all(&self.pool)
            .await
            .with_context(|| format!("Abfrage fehlgeschlagen: {sql}"))?;
        rows.iter().map(to_json).collect()
    }

    async fn execute_all(&self, stmts: &[Stmt]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for s in stmts {
            sqlx::query_with(sqlx::AssertSqlSafe(s.sql.clone()), bind(&s.args)?)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("Anweisung fehlgeschlagen: {}", s.sql))?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
