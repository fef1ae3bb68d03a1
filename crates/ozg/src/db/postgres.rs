//! The PostgreSQL store, for deployments with several app instances.

use anyhow::{Context, Result};
use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions, PgRow};
use sqlx::{Arguments, Column, Row, TypeInfo, ValueRef};

use super::{Arg, Backend, Stmt, Store};

/// PostgreSQL implementation of [`Store`].
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the server.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await
            .context(
                "PostgreSQL-Datenbank nicht erreichbar (Adresse, Benutzer und Passwort prüfen)",
            )?;
        Ok(PgStore { pool })
    }
}

fn bind(args: &[Arg]) -> Result<PgArguments> {
    let mut a = PgArguments::default();
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

fn to_json(row: &PgRow) -> Result<Map<String, Value>> {
    let mut m = Map::with_capacity(row.columns().len());
    for (i, col) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let v = if raw.is_null() {
            Value::Null
        } else {
            match raw.type_info().name() {
                "INT8" => Value::from(row.try_get::<i64, _>(i)?),
                "INT4" => Value::from(row.try_get::<i32, _>(i)?),
                "INT2" => Value::from(row.try_get::<i16, _>(i)?),
                "BOOL" => Value::from(i64::from(row.try_get::<bool, _>(i)?)),
                "FLOAT8" => Value::from(row.try_get::<f64, _>(i)?),
                "FLOAT4" => Value::from(row.try_get::<f32, _>(i)?),
                "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::from(row.try_get::<String, _>(i)?),
                other => anyhow::bail!("Spaltentyp {other} wird nicht unterstützt"),
            }
        };
        m.insert(col.name().to_owned(), v);
    }
    Ok(m)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await
            .context("Migration der PostgreSQL-Datenbank fehlgeschlagen")
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
        // Several instances may start at once: serialise imports and migrations' data phase.
        sqlx::query("SELECT pg_advisory_xact_lock(4711)")
            .execute(&mut *tx)
            .await?;
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
