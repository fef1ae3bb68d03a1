//! Storage: one small [`Store`] trait with an SQLite and a PostgreSQL implementation.
//!
//! All SQL of the application is written once, in the portable subset both databases share
//! (`$n` placeholders, `BIGINT`/`INTEGER` as 64-bit integers, booleans as 0/1, dates as
//! `JJJJ-MM-TT` text, no string aggregation). A fixed statement is written with [`sql!`]
//! (its text is a literal, so a test can prepare every one on both databases); a statement
//! that depends on filters is assembled by [`SqlBuilder`], which numbers its own placeholders
//! and accepts only `&'static str` fragments, so no value ever becomes SQL text. Rows come
//! back as JSON objects and are deserialised into the caller's types: both backends run
//! literally the same query code; only connecting, migrating and value decoding differ.
//! Errors are typed ([`DbFehler`]) from the driver's error kinds, never from message text.

/// Implements [`Store`] for an sqlx backend. Everything but decoding a row (`$to_json`) is the
/// same for SQLite and PostgreSQL; `$lock` is SQL run first in every write transaction.
macro_rules! sqlx_store {
    ($store:ty, $args:ty, $to_json:path, $backend:expr, $label:literal, $lock:expr) => {
        fn bind(args: &[$crate::kern::db::Arg]) -> Result<$args, $crate::kern::db::DbFehler> {
            use sqlx::Arguments;
            let mut a = <$args>::default();
            for arg in args {
                match arg {
                    $crate::kern::db::Arg::Int(v) => a.add(*v),
                    $crate::kern::db::Arg::Float(v) => a.add(*v),
                    $crate::kern::db::Arg::Text(v) => a.add(v.clone()),
                }
                .map_err(|e| {
                    $crate::kern::db::DbFehler::Sonstig(anyhow::anyhow!(
                        "Parameter nicht bindbar: {e}"
                    ))
                })?;
            }
            Ok(a)
        }

        /// The statement as sqlx takes it. Fixed statements are `&'static str`; owned text
        /// comes only from `SqlBuilder`, which accepts nothing but `&'static str` fragments
        /// and numbered placeholders, so it is as safe as a literal.
        fn text(s: &$crate::kern::db::Stmt) -> sqlx::SqlStr {
            use sqlx::SqlSafeStr;
            match s.quelle() {
                std::borrow::Cow::Borrowed(t) => (*t).into_sql_str(),
                std::borrow::Cow::Owned(t) => sqlx::AssertSqlSafe(t.clone()).into_sql_str(),
            }
        }

        #[async_trait::async_trait]
        impl $crate::kern::db::Store for $store {
            fn backend(&self) -> $crate::kern::db::Backend {
                $backend
            }

            async fn migrate(&self) -> Result<(), $crate::kern::db::DbFehler> {
                sqlx::migrate!("./migrations")
                    .run(&self.pool)
                    .await
                    .map_err(|e| {
                        $crate::kern::db::DbFehler::Sonstig(anyhow::Error::new(e).context(concat!(
                            "Migration der ",
                            $label,
                            "-Datenbank fehlgeschlagen"
                        )))
                    })
            }

            async fn rows(
                &self,
                s: &$crate::kern::db::Stmt,
            ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, $crate::kern::db::DbFehler>
            {
                $crate::kern::db::zaehlen();
                let rows = sqlx::query_with(text(s), bind(s.args())?)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| $crate::kern::db::DbFehler::aus(e, s.sql()))?;
                rows.iter()
                    .map(|r| $to_json(r).map_err($crate::kern::db::DbFehler::Sonstig))
                    .collect()
            }

            async fn execute_guarded(
                &self,
                stmts: &[$crate::kern::db::Stmt],
                guard: Option<usize>,
                exklusiv: bool,
            ) -> Result<bool, $crate::kern::db::DbFehler> {
                use $crate::kern::db::DbFehler;
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(|e| DbFehler::aus(e, "BEGIN"))?;
                let lock: Option<&'static str> = $lock;
                if let Some(lock) = lock.filter(|_| exklusiv) {
                    sqlx::query(lock)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| DbFehler::aus(e, lock))?;
                }
                for (i, s) in stmts.iter().enumerate() {
                    if let Some(v) = s.vorlauf() {
                        $crate::kern::db::zaehlen();
                        sqlx::query_with(text(v), bind(v.args())?)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| DbFehler::aus(e, v.sql()))?;
                    }
                    $crate::kern::db::zaehlen();
                    let done = sqlx::query_with(text(s), bind(s.args())?)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| DbFehler::aus(e, s.sql()))?;
                    if guard == Some(i) && done.rows_affected() == 0 {
                        tx.rollback()
                            .await
                            .map_err(|e| DbFehler::aus(e, "ROLLBACK"))?;
                        return Ok(false);
                    }
                }
                tx.commit().await.map_err(|e| DbFehler::aus(e, "COMMIT"))?;
                Ok(true)
            }

            async fn prepare(&self, sql: &str) -> Result<(), $crate::kern::db::DbFehler> {
                use sqlx::Executor;
                let mut c = self
                    .pool
                    .acquire()
                    .await
                    .map_err(|e| $crate::kern::db::DbFehler::aus(e, "acquire"))?;
                c.prepare(sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(
                    sql.to_owned(),
                )))
                .await
                .map(|_| ())
                .map_err(|e| $crate::kern::db::DbFehler::aus(e, sql))
            }

            async fn verwaltung(&self, sql: &str) -> Result<(), $crate::kern::db::DbFehler> {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&self.pool)
                    .await
                    .map(|_| ())
                    .map_err(|e| $crate::kern::db::DbFehler::aus(e, sql))
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}

mod postgres;
mod sqlite;

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// A database error, classified by the driver's error kind.
#[derive(Debug, thiserror::Error)]
pub enum DbFehler {
    /// A primary key or unique constraint refused the row (e.g. a second vote).
    #[error("Eindeutigkeit verletzt bei: {0}")]
    Eindeutig(String),
    /// A foreign key refused the row.
    #[error("Fremdschlüssel verletzt bei: {0}")]
    Fremdschluessel(String),
    /// The database could not serialise concurrent transactions (retry may help).
    #[error("Serialisierungskonflikt bei: {0}")]
    Serialisierung(String),
    /// Anything else.
    #[error(transparent)]
    Sonstig(#[from] anyhow::Error),
}

impl DbFehler {
    /// Classifies a driver error; `sql` names the statement in the message.
    pub(crate) fn aus(e: sqlx::Error, sql: &str) -> DbFehler {
        use sqlx::error::ErrorKind;
        if let sqlx::Error::Database(d) = &e {
            match d.kind() {
                ErrorKind::UniqueViolation => return DbFehler::Eindeutig(sql.to_owned()),
                ErrorKind::ForeignKeyViolation => return DbFehler::Fremdschluessel(sql.to_owned()),
                _ => {}
            }
            // PostgreSQL: serialization_failure, deadlock_detected; SQLite: BUSY, LOCKED and
            // BUSY_SNAPSHOT (the busy timeout ran out).
            if matches!(
                d.code().as_deref(),
                Some("40001" | "40P01" | "5" | "6" | "517")
            ) {
                return DbFehler::Serialisierung(sql.to_owned());
            }
        }
        DbFehler::Sonstig(anyhow::Error::new(e).context(format!("Datenbankfehler bei: {sql}")))
    }
}

/// A bind parameter. Typed even when null, because PostgreSQL needs the type of a null.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A 64-bit integer (also used for booleans: 0/1).
    Int(Option<i64>),
    /// A double.
    Float(Option<f64>),
    /// Text (also dates as `JJJJ-MM-TT`).
    Text(Option<String>),
}

macro_rules! arg_von {
    ($($t:ty => |$v:ident| $e:expr;)*) => {$(
        impl From<$t> for Arg {
            fn from($v: $t) -> Self {
                $e
            }
        }
    )*};
}

arg_von! {
    i64 => |v| Arg::Int(Some(v));
    Option<i64> => |v| Arg::Int(v);
    bool => |v| Arg::Int(Some(i64::from(v)));
    Option<bool> => |v| Arg::Int(v.map(i64::from));
    Option<f64> => |v| Arg::Float(v);
    &str => |v| Arg::Text(Some(v.to_owned()));
    String => |v| Arg::Text(Some(v));
    &String => |v| Arg::Text(Some(v.clone()));
    Option<String> => |v| Arg::Text(v);
    Option<&str> => |v| Arg::Text(v.map(str::to_owned));
    jiff::civil::Date => |v| Arg::Text(Some(v.to_string()));
    Option<jiff::civil::Date> => |v| Arg::Text(v.map(|d| d.to_string()));
}

/// One SQL statement with its parameters: a fixed text ([`sql!`]) or one assembled by
/// [`SqlBuilder`].
#[derive(Debug, Clone)]
pub struct Stmt {
    sql: Cow<'static, str>,
    args: Vec<Arg>,
    /// A statement run right before this one in the same transaction (e.g. taking the next
    /// number of a sequence that this one inserts).
    vorlauf: Option<Box<Stmt>>,
}

impl Stmt {
    /// This statement, with `v` run right before it in the same transaction.
    pub fn mit_vorlauf(mut self, v: Stmt) -> Stmt {
        self.vorlauf = Some(Box::new(v));
        self
    }

    /// The statement run before this one, if any.
    pub fn vorlauf(&self) -> Option<&Stmt> {
        self.vorlauf.as_deref()
    }

    /// A fixed statement (write it with [`sql!`], so the prepare test finds it).
    pub const fn fest(sql: &'static str) -> Stmt {
        Stmt {
            sql: Cow::Borrowed(sql),
            args: Vec::new(),
            vorlauf: None,
        }
    }

    /// Appends the next parameter (`$1`, `$2`, … in the text, in this order).
    pub fn arg(mut self, a: impl Into<Arg>) -> Stmt {
        self.args.push(a.into());
        self
    }

    /// SQL text that is not a literal: only for tests and administrative tools (creating a
    /// test database); application code uses [`sql!`] or [`SqlBuilder`].
    pub fn ungeprueft(sql: String) -> Stmt {
        Stmt {
            sql: Cow::Owned(sql),
            args: Vec::new(),
            vorlauf: None,
        }
    }

    /// The text as written: a literal, or owned text from [`SqlBuilder`].
    pub(crate) fn quelle(&self) -> &Cow<'static, str> {
        &self.sql
    }

    /// The text.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The parameters.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }
}

/// A fixed SQL statement with its parameters: `sql!("SELECT … WHERE slug = $1", slug)`.
#[macro_export]
macro_rules! sql {
    ($text:literal $(, $arg:expr)* $(,)?) => {
        $crate::kern::db::Stmt::fest($text)$(.arg($arg))*
    };
}

/// Assembles a statement from `&'static str` fragments and bound values; placeholders are
/// numbered as values are bound.
#[derive(Debug, Clone)]
pub struct SqlBuilder {
    sql: String,
    args: Vec<Arg>,
    bedingung: bool,
}

impl SqlBuilder {
    /// Starts with `anfang`.
    pub fn new(anfang: &'static str) -> SqlBuilder {
        SqlBuilder {
            sql: anfang.to_owned(),
            args: Vec::new(),
            bedingung: false,
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, s: &'static str) -> &mut Self {
        self.sql.push_str(s);
        self
    }

    /// Appends the placeholder of a new parameter.
    pub fn bind(&mut self, a: impl Into<Arg>) -> &mut Self {
        self.args.push(a.into());
        self.sql.push('$');
        self.sql.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `$a, $b, …` for the values.
    pub fn bind_liste<A: Into<Arg>>(&mut self, werte: impl IntoIterator<Item = A>) -> &mut Self {
        for (i, w) in werte.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(w);
        }
        self
    }

    /// Starts the next condition: ` WHERE ` the first time, ` AND ` after that.
    pub fn und(&mut self) -> &mut Self {
        self.sql
            .push_str(if self.bedingung { " AND " } else { " WHERE " });
        self.bedingung = true;
        self
    }

    /// The statement.
    pub fn stmt(&self) -> Stmt {
        Stmt {
            sql: Cow::Owned(self.sql.clone()),
            args: self.args.clone(),
            vorlauf: None,
        }
    }
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
    async fn migrate(&self) -> Result<(), DbFehler>;
    /// Runs a query and returns each row as a JSON object (column name → value).
    async fn rows(&self, s: &Stmt) -> Result<Vec<Map<String, Value>>, DbFehler>;
    /// Runs statements in one transaction: all or nothing. When the statement at `guard`
    /// changes no row (an optimistic-concurrency check failed), everything is rolled back and
    /// the answer is `false`. `exklusiv`: no other exclusive transaction runs at the same time
    /// (PostgreSQL: an advisory lock; SQLite has one writer anyway) — for the import only;
    /// everything else relies on row locks, guards and sequences.
    async fn execute_guarded(
        &self,
        stmts: &[Stmt],
        guard: Option<usize>,
        exklusiv: bool,
    ) -> Result<bool, DbFehler>;
    /// Prepares (compiles) a statement without running it: the database checks its syntax,
    /// tables and columns.
    async fn prepare(&self, sql: &str) -> Result<(), DbFehler>;
    /// Runs an administrative statement without parameters (tests: create a database).
    async fn verwaltung(&self, sql: &str) -> Result<(), DbFehler>;
    /// Closes the pool.
    async fn close(&self);
}

tokio::task_local! {
    static ZAEHLER: Cell<u32>;
}

/// Counts a statement sent within [`mit_zaehler`] (tests measure how many queries a page costs).
fn zaehlen() {
    let _ = ZAEHLER.try_with(|z| z.set(z.get() + 1));
}

/// Runs `f` and returns its result with the number of statements it sent to the database.
pub async fn mit_zaehler<F: Future>(f: F) -> (F::Output, u32) {
    ZAEHLER
        .scope(Cell::new(0), async move {
            let r = f.await;
            (r, ZAEHLER.with(Cell::get))
        })
        .await
}

/// Shared handle to the store.
#[derive(Clone)]
pub struct Db(pub Arc<dyn Store>);

impl Db {
    /// Opens the database named by `url`: `postgres://…` selects PostgreSQL, `sqlite://…` or a
    /// file path selects SQLite (created if missing, WAL mode).
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
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

    /// Migrates (sqlx takes its own lock), then makes the audit log append-only in the database itself: a trigger
    /// refuses every UPDATE and DELETE on `audit`, whoever sends it (the dialects differ, so
    /// this is not a shared migration file).
    pub async fn migrate(&self) -> Result<(), DbFehler> {
        self.0.migrate().await?;
        let stmts = match self.backend() {
            Backend::Sqlite => vec![
                sql!(
                    "CREATE TRIGGER IF NOT EXISTS audit_nur_anfuegen_u BEFORE UPDATE ON audit \
                     BEGIN SELECT RAISE(ABORT, 'Das Änderungsprotokoll ist unveränderlich (nur Anfügen).'); END"
                ),
                sql!(
                    "CREATE TRIGGER IF NOT EXISTS audit_nur_anfuegen_d BEFORE DELETE ON audit \
                     BEGIN SELECT RAISE(ABORT, 'Das Änderungsprotokoll ist unveränderlich (nur Anfügen).'); END"
                ),
            ],
            Backend::Postgres => vec![
                sql!(
                    "CREATE OR REPLACE FUNCTION audit_nur_anfuegen() RETURNS trigger LANGUAGE plpgsql AS \
                     $f$ BEGIN RAISE EXCEPTION 'Das Änderungsprotokoll ist unveränderlich (nur Anfügen).'; END $f$"
                ),
                sql!("DROP TRIGGER IF EXISTS audit_nur_anfuegen ON audit"),
                sql!(
                    "CREATE TRIGGER audit_nur_anfuegen BEFORE UPDATE OR DELETE ON audit \
                     FOR EACH ROW EXECUTE FUNCTION audit_nur_anfuegen()"
                ),
                sql!("DROP TRIGGER IF EXISTS audit_nicht_leeren ON audit"),
                sql!(
                    "CREATE TRIGGER audit_nicht_leeren BEFORE TRUNCATE ON audit \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_nur_anfuegen()"
                ),
            ],
        };
        // Exclusive: two instances starting at once would otherwise replace the function at
        // the same moment ("tuple concurrently updated" on PostgreSQL).
        self.execute_exklusiv(&stmts, None).await.map(|_| ())
    }

    /// Rows deserialised into `T`.
    pub async fn query<T: DeserializeOwned>(&self, s: Stmt) -> Result<Vec<T>, DbFehler> {
        let rows = self.0.rows(&s).await?;
        rows.into_iter()
            .map(|r| {
                serde_json::from_value(Value::Object(r)).map_err(|e| {
                    DbFehler::Sonstig(
                        anyhow::Error::new(e)
                            .context(format!("Zeile passt nicht zum Typ bei: {}", s.sql())),
                    )
                })
            })
            .collect()
    }

    /// The first row, if any.
    pub async fn query_opt<T: DeserializeOwned>(&self, s: Stmt) -> Result<Option<T>, DbFehler> {
        Ok(self.query(s).await?.into_iter().next())
    }

    /// A single integer (e.g. `COUNT(*)`); 0 when there is no row.
    pub async fn scalar(&self, s: Stmt) -> Result<i64, DbFehler> {
        let rows = self.0.rows(&s).await?;
        Ok(rows
            .first()
            .and_then(|r| r.values().next())
            .and_then(Value::as_i64)
            .unwrap_or(0))
    }

    /// A single integer value, or `None` when there is no row (or it is NULL).
    pub async fn scalar_opt(&self, s: Stmt) -> Result<Option<i64>, DbFehler> {
        let rows = self.0.rows(&s).await?;
        Ok(rows
            .first()
            .and_then(|r| r.values().next())
            .and_then(Value::as_i64))
    }

    /// A single optional text value.
    pub async fn scalar_text(&self, s: Stmt) -> Result<Option<String>, DbFehler> {
        let rows = self.0.rows(&s).await?;
        Ok(rows
            .first()
            .and_then(|r| r.values().next())
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    /// Runs statements in one transaction.
    pub async fn execute_all(&self, stmts: &[Stmt]) -> Result<(), DbFehler> {
        self.transaktion(stmts, None, false).await.map(|_| ())
    }

    /// Runs statements in one transaction unless the statement at `guard` changes no row; then
    /// nothing is changed and the answer is `false`.
    pub async fn execute_guarded(&self, stmts: &[Stmt], guard: usize) -> Result<bool, DbFehler> {
        self.transaktion(stmts, Some(guard), false).await
    }

    /// One transaction, run again (up to three times, after 10, 40, 160 ms) when the database
    /// aborted it for a conflict with another one: a PostgreSQL deadlock or serialisation
    /// failure, a busy SQLite. The statements are data and the aborted attempt was rolled
    /// back, so running them again is the same transaction, not a second one.
    async fn transaktion(
        &self,
        stmts: &[Stmt],
        guard: Option<usize>,
        exklusiv: bool,
    ) -> Result<bool, DbFehler> {
        let mut warten = 10;
        loop {
            match self.0.execute_guarded(stmts, guard, exklusiv).await {
                Err(DbFehler::Serialisierung(_)) if warten <= 160 => {
                    tokio::time::sleep(std::time::Duration::from_millis(warten)).await;
                    warten *= 4;
                }
                r => return r,
            }
        }
    }

    /// Like [`Db::execute_guarded`] (`guard` optional), exclusive with every other exclusive
    /// transaction of every instance: the import, the first start.
    pub async fn execute_exklusiv(
        &self,
        stmts: &[Stmt],
        guard: Option<usize>,
    ) -> Result<bool, DbFehler> {
        self.transaktion(stmts, guard, true).await
    }

    /// The next number of `table` from its sequence (`id_folge`), taken in a transaction of
    /// its own: it is never handed out twice, not even when the record is deleted later or the
    /// write that uses it fails (a gap is harmless; reuse is not).
    pub async fn neue_id(&self, table: &'static str) -> Result<i64, DbFehler> {
        Ok(self.neue_ids(table, 1).await?.start)
    }

    /// `n` consecutive numbers of `table` (see [`Db::neue_id`]).
    pub async fn neue_ids(
        &self,
        table: &'static str,
        n: usize,
    ) -> Result<std::ops::Range<i64>, DbFehler> {
        let n = n as i64;
        let letzte = self
            .scalar_opt(sql!(
                "UPDATE id_folge SET letzte = letzte + $1 WHERE tabelle = $2 RETURNING letzte",
                n,
                table
            ))
            .await?
            .ok_or_else(|| {
                DbFehler::Sonstig(anyhow::anyhow!(
                    "Tabelle {table} hat keine Nummernfolge (id_folge)"
                ))
            })?;
        Ok(letzte - n + 1..letzte + 1)
    }

    /// Inserts a record under the next number of `table` (the id goes into the statements,
    /// e.g. into its audit entry); returns the id.
    pub async fn mit_neuer_id(
        &self,
        table: &'static str,
        statements: impl Fn(i64) -> Vec<Stmt>,
    ) -> Result<i64, DbFehler> {
        let id = self.neue_id(table).await?;
        self.execute_all(&statements(id)).await?;
        Ok(id)
    }

    /// Reads a value of the `meta` table.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, DbFehler> {
        self.scalar_text(sql!("SELECT value FROM meta WHERE key = $1", key))
            .await
    }
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
    fn builder_numbers_its_placeholders() {
        let mut q = SqlBuilder::new("SELECT id FROM projekt");
        q.und().push("slug = ").bind("kita");
        q.und().push("id IN (").bind_liste([1_i64, 2, 3]).push(")");
        let s = q.stmt();
        assert_eq!(
            s.sql(),
            "SELECT id FROM projekt WHERE slug = $1 AND id IN ($2, $3, $4)"
        );
        assert_eq!(s.args().len(), 4);
        let f = sql!("SELECT 1 WHERE $1 = $2", 1_i64, "a");
        assert_eq!(f.args(), &[Arg::Int(Some(1)), Arg::Text(Some("a".into()))]);
    }

    #[tokio::test]
    async fn sqlite_errors_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&dir.path().join("t.db").to_string_lossy())
            .await
            .unwrap();
        db.execute_all(&[sql!(
            "CREATE TABLE t (id BIGINT PRIMARY KEY, p BIGINT REFERENCES t(id))"
        )])
        .await
        .unwrap();
        db.execute_all(&[sql!("INSERT INTO t (id) VALUES (1)")])
            .await
            .unwrap();
        let e = db
            .execute_all(&[sql!("INSERT INTO t (id) VALUES (1)")])
            .await
            .unwrap_err();
        assert!(matches!(e, DbFehler::Eindeutig(_)), "{e:?}");
        let e = db
            .execute_all(&[sql!("INSERT INTO t (id, p) VALUES (2, 99)")])
            .await
            .unwrap_err();
        assert!(matches!(e, DbFehler::Fremdschluessel(_)), "{e:?}");
        let (n, anfragen) = mit_zaehler(db.scalar(sql!("SELECT COUNT(*) FROM t"))).await;
        assert_eq!((n.unwrap(), anfragen), (1, 1));
        // Numbers come from the table's sequence and are never handed out twice, also
        // after the record with the highest number is deleted.
        db.execute_all(&[
            sql!("CREATE TABLE id_folge (tabelle TEXT PRIMARY KEY, letzte BIGINT NOT NULL)"),
            sql!("INSERT INTO id_folge (tabelle, letzte) VALUES ('t', 1)"),
        ])
        .await
        .unwrap();
        let id = db
            .mit_neuer_id("t", |id| vec![sql!("INSERT INTO t (id) VALUES ($1)", id)])
            .await
            .unwrap();
        assert_eq!(id, 2);
        db.execute_all(&[sql!("DELETE FROM t WHERE id = 2")])
            .await
            .unwrap();
        assert_eq!(db.neue_id("t").await.unwrap(), 3);
        assert_eq!(db.neue_ids("t", 3).await.unwrap(), 4..7);
        let e = db.neue_id("ohne_folge").await.unwrap_err();
        assert!(e.to_string().contains("keine Nummernfolge"), "{e}");
    }
}
