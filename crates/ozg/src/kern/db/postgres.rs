//! The PostgreSQL store, for deployments with several app instances.

use anyhow::{Context, Result};
use serde_json::{Map, Value};
use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions, PgRow};
use sqlx::{Column, Row, TypeInfo, ValueRef};

use super::Backend;

/// PostgreSQL implementation of [`Store`].
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the server.
    pub async fn connect(url: &str) -> Result<Self> {
        // No statement runs longer than 60 s: a runaway query cannot hold a connection.
        let opts = url
            .parse::<sqlx::postgres::PgConnectOptions>()
            .context("PostgreSQL-Adresse ungültig")?
            .options([("statement_timeout", "60s")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(opts)
            .await
            .context(
                "PostgreSQL-Datenbank nicht erreichbar (Adresse, Benutzer und Passwort prüfen)",
            )?;
        Ok(PgStore { pool })
    }
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

// Exclusive transactions (the import, the first start) of all instances take this lock.
sqlx_store!(
    PgStore,
    PgArguments,
    to_json,
    Backend::Postgres,
    "PostgreSQL",
    Some("SELECT pg_advisory_xact_lock(4711)")
);
