//! Storage: one small [`Store`] trait with an SQLite and a PostgreSQL implementation.
//!
//! All SQL of the application is written once, in the portable subset both databases share
//! (`$n` placeholders, `BIGINT`/`INTEGER` as 64-bit integers, booleans as 0/1, no string
//! aggregation). Rows come back as JSON objects and are deserialised into the caller's types, so
//! both backends run literally the same query code; only connecting, migrating and value decoding
//! differ per backend.

/// Implements [`Store`] for an sqlx backend. Everything but decoding a row (`$to_json`) is the
/// same for SQLite and PostgreSQL; `$lock` is SQL run first in every write transaction.
macro_rules! sqlx_store {
    ($store:ty, $args:ty, $to_json:path, $backend:expr, $label:literal, $lock:expr) => {
        fn bind(args: &[$crate::db::Arg]) -> anyhow::Result<$args> {
            use sqlx::Arguments;
            let mut a = <$args>::default();
            for arg in args {
                match arg {
                    $crate::db::Arg::Int(v) => a.add(*v),
                    $crate::db::Arg::Float(v) => a.add(*v),
                    $crate::db::Arg::Text(v) => a.add(v.clone()),
                }
                .map_err(|e| anyhow::anyhow!("Parameter nicht bindbar: {e}"))?;
            }
            Ok(a)
        }

        #[async_trait::async_trait]
        impl $crate::db::Store for $store {
            fn backend(&self) -> $crate::db::Backend {
                $backend
            }

            async fn migrate(&self) -> anyhow::Result<()> {
                use anyhow::Context;
                sqlx::migrate!("./migrations")
                    .run(&self.pool)
                    .await
                    .context(concat!(
                        "Migration der ",
                        $label,
                        "-Datenbank fehlgeschlagen"
                    ))
            }

            async fn rows(
                &self,
                sql: &str,
                args: &[$crate::db::Arg],
            ) -> anyhow::Result<Vec<serde_json::Map<String, serde_json::Value>>> {
                use anyhow::Context;
                let rows = sqlx::query_with(sqlx::AssertSqlSafe(sql.to_owned()), bind(args)?)
                    .fetch_all(&self.pool)
                    .await
                    .with_context(|| format!("Abfrage fehlgeschlagen: {sql}"))?;
                rows.iter().map($to_json).collect()
            }

            async fn execute_guarded(
                &self,
                stmts: &[$crate::db::Stmt],
                guard: Option<usize>,
            ) -> anyhow::Result<bool> {
                use anyhow::Context;
                let mut tx = self.pool.begin().await?;
                let lock: Option<&'static str> = $lock;
                if let Some(lock) = lock {
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                for (i, s) in stmts.iter().enumerate() {
                    let done = sqlx::query_with(sqlx::AssertSqlSafe(s.sql.clone()), bind(&s.args)?)
                        .execute(&mut *tx)
                        .await
                        .with_context(|| format!("Anweisung fehlgeschlagen: {}", s.sql))?;
                    if guard == Some(i) && done.rows_affected() == 0 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}

pub mod import;
mod postgres;
mod sqlite;

use std::sync::Arc;

use anyhow::{Context, Result};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// A bind parameter. Typed even when null, because PostgreSQL needs the type of a null.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A 64-bit integer (also used for booleans: 0/1).
    Int(Option<i64>),
    /// A double.
    Float(Option<f64>),
    /// Text.
    Text(Option<String>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(Some(i64::from(v)))
    }
}
impl From<Option<bool>> for Arg {
    fn from(v: Option<bool>) -> Self {
        Arg::Int(v.map(i64::from))
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Self {
        Arg::Float(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}

/// One SQL statement with its parameters.
#[derive(Debug, Clone)]
pub struct Stmt {
    /// SQL with `$1 … $n`.
    pub sql: String,
    /// Parameters.
    pub args: Vec<Arg>,
}

/// Which database is behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// The storage interface. Small on purpose: everything else is portable SQL on top of it.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is.
    fn backend(&self) -> Backend;
    /// Brings the schema to the newest version.
    async fn migrate(&self) -> Result<()>;
    /// Runs a query and returns each row as a JSON object (column name → value).
    async fn rows(&self, sql: &str, args: &[Arg]) -> Result<Vec<Map<String, Value>>>;
    /// Runs statements in one transaction: all or nothing. When the statement at `guard`
    /// changes no row (an optimistic-concurrency check failed), everything is rolled back and
    /// the answer is `false`.
    async fn execute_guarded(&self, stmts: &[Stmt], guard: Option<usize>) -> Result<bool>;
    /// Closes the pool.
    async fn close(&self);
}

/// Shared handle to the store.
#[derive(Clone)]
pub struct Db(pub Arc<dyn Store>);

impl Db {
    /// Opens the database named by `url`: `postgres://…` selects PostgreSQL, `sqlite://…` or a
    /// file path selects SQLite (created if missing, WAL mode).
    pub async fn connect(url: &str) -> Result<Db> {
        let store: Arc<dyn Store> =
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                Arc::new(PgStore::connect(url).await?)
            } else {
                Arc::new(SqliteStore::connect(url).await?)
            };
        Ok(Db(store))
    }

    /// Backend.
    pub fn backend(&self) -> Backend {
        self.0.backend()
    }

    /// Migrates, then makes the audit log append-only in the database itself: a trigger
    /// refuses every UPDATE and DELETE on `audit`, whoever sends it (the dialects differ, so
    /// this is not a shared migration file).
    pub async fn migrate(&self) -> Result<()> {
        self.0.migrate().await?;
        let stmts: Vec<&str> = match self.backend() {
            Backend::Sqlite => vec![
                "CREATE TRIGGER IF NOT EXISTS audit_nur_anfuegen_u BEFORE UPDATE ON audit \
                 BEGIN SELECT RAISE(ABORT, 'Das Änderungsprotokoll ist unveränderlich (nur Anfügen).'); END",
                "CREATE TRIGGER IF NOT EXISTS audit_nur_anfuegen_d BEFORE DELETE ON audit \
                 BEGIN SELECT RAISE(ABORT, 'Das Änderungsprotokoll ist unveränderlich (nur Anfügen).'); END",
            ],
            Backend::Postgres => vec![
                "CREATE OR REPLACE FUNCTION audit_nur_anfuegen() RETURNS trigger LANGUAGE plpgsql AS \
                 $f$ BEGIN RAISE EXCEPTION 'Das Änderungsprotokoll ist unveränderlich (nur Anfügen).'; END $f$",
                "DROP TRIGGER IF EXISTS audit_nur_anfuegen ON audit",
                "CREATE TRIGGER audit_nur_anfuegen BEFORE UPDATE OR DELETE ON audit \
                 FOR EACH ROW EXECUTE FUNCTION audit_nur_anfuegen()",
            ],
        };
        let stmts: Vec<Stmt> = stmts
            .into_iter()
            .map(|sql| Stmt {
                sql: sql.into(),
                args: vec![],
            })
            .collect();
        self.execute_all(&stmts).await
    }

    /// Rows deserialised into `T`.
    pub async fn query<T: DeserializeOwned>(&self, sql: &str, args: &[Arg]) -> Result<Vec<T>> {
        let rows = self.0.rows(sql, args).await?;
        rows.into_iter()
            .map(|r| {
                serde_json::from_value(Value::Object(r))
                    .with_context(|| format!("Zeile passt nicht zum Typ bei: {sql}"))
            })
            .collect()
    }

    /// The first row, if any.
    pub async fn query_opt<T: DeserializeOwned>(
        &self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Option<T>> {
        Ok(self.query(sql, args).await?.into_iter().next())
    }

    /// A single integer (e.g. `COUNT(*)`); 0 when there is no row.
    pub async fn scalar(&self, sql: &str, args: &[Arg]) -> Result<i64> {
        let rows = self.0.rows(sql, args).await?;
        Ok(rows
            .first()
            .and_then(|r| r.values().next())
            .and_then(Value::as_i64)
            .unwrap_or(0))
    }

    /// A single optional text value.
    pub async fn scalar_text(&self, sql: &str, args: &[Arg]) -> Result<Option<String>> {
        let rows = self.0.rows(sql, args).await?;
        Ok(rows
            .first()
            .and_then(|r| r.values().next())
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    /// Runs statements in one transaction.
    pub async fn execute_all(&self, stmts: &[Stmt]) -> Result<()> {
        self.0.execute_guarded(stmts, None).await.map(|_| ())
    }

    /// Runs statements in one transaction unless the statement at `guard` changes no row; then
    /// nothing is changed and the answer is `false`.
    pub async fn execute_guarded(&self, stmts: &[Stmt], guard: usize) -> Result<bool> {
        self.0.execute_guarded(stmts, Some(guard)).await
    }

    /// Inserts a record under the next free id of `table` (the id goes into the statements,
    /// e.g. into its audit entry). Two writers may pick the same id at once; the loser's
    /// transaction fails on the primary key, changes nothing, and is retried with a new id.
    pub async fn mit_neuer_id(
        &self,
        table: &str,
        statements: impl Fn(i64) -> Vec<Stmt>,
    ) -> Result<i64> {
        let mut versuch = 0;
        loop {
            let id = self
                .scalar(
                    &format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"),
                    &[],
                )
                .await?;
            match self.execute_all(&statements(id)).await {
                Ok(()) => return Ok(id),
                Err(e) if versuch < 5 && schluessel_verletzt(&e) => versuch += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads a value of the `meta` table.
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        self.scalar_text("SELECT value FROM meta WHERE key = $1", &[key.into()])
            .await
    }
}

/// Whether an error is a primary-key or unique violation (SQLite or PostgreSQL wording).
fn schluessel_verletzt(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let t = c.to_string();
        t.contains("UNIQUE constraint failed") || t.contains("duplicate key value")
    })
}

/// Builds `$a, $b, …` placeholders for `n` values starting after `offset` existing ones.
pub fn placeholders(offset: usize, n: usize) -> String {
    (offset + 1..=offset + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An integer column 0/1, or a bool where the row comes back from JSON (a stored snapshot).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum IntOrBool {
    Int(i64),
    Bool(bool),
}

impl IntOrBool {
    fn get(self) -> bool {
        match self {
            IntOrBool::Int(i) => i != 0,
            IntOrBool::Bool(b) => b,
        }
    }
}

/// Deserialises an integer column 0/1 (or a bool) as bool.
pub mod int_bool {
    use serde::{Deserialize, Deserializer};

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(super::IntOrBool::deserialize(d)?.get())
    }
}

/// Deserialises an optional integer column 0/1 (or a bool) as optional bool.
pub mod opt_int_bool {
    use serde::{Deserialize, Deserializer};

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(Option::<super::IntOrBool>::deserialize(d)?.map(super::IntOrBool::get))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_numbering() {
        assert_eq!(placeholders(0, 3), "$1, $2, $3");
        assert_eq!(placeholders(2, 2), "$3, $4");
    }
}
