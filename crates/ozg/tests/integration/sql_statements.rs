//! Every fixed SQL statement of the application (`sql!`), prepared on both databases: the
//! database parses it and checks its tables and columns, so a typo in a statement that no
//! story happens to run still fails here. Its placeholders must match the values it binds.

use crate::support::quelltext;
use crate::support::*;

/// Statements that are one backend's on purpose (the audit log's triggers, `Db::migrate`).
fn nur_fuer(sql: &str) -> Option<ozg::kern::db::Backend> {
    use ozg::kern::db::Backend;
    if sql.contains("RAISE(ABORT") {
        Some(Backend::Sqlite)
    } else if sql.contains("plpgsql")
        || sql.contains("FOR EACH ROW EXECUTE FUNCTION")
        || sql.starts_with("DROP TRIGGER")
    {
        Some(Backend::Postgres)
    } else {
        None
    }
}

#[test]
fn platzhalter_passen_zu_den_werten() {
    let alle = quelltext::anweisungen(&quelltext::module());
    assert!(alle.len() > 100, "{} Anweisungen gefunden", alle.len());
    let falsch: Vec<String> = alle
        .iter()
        .filter(|a| nur_fuer(&a.sql).is_none())
        .filter(|a| quelltext::hoechster_platzhalter(&a.sql) != a.argumente)
        .map(|a| {
            format!(
                "{}: ${} im Text, {} Werte",
                a.ort,
                quelltext::hoechster_platzhalter(&a.sql),
                a.argumente
            )
        })
        .collect();
    assert!(falsch.is_empty(), "{}", falsch.join("\n"));
}

async fn vorbereiten(db: &Db) {
    let alle = quelltext::anweisungen(&quelltext::module());
    let mut fehler = Vec::new();
    for a in &alle {
        if nur_fuer(&a.sql).is_some_and(|b| b != db.backend()) {
            continue;
        }
        if let Err(e) = db.0.prepare(&a.sql).await {
            fehler.push(format!("{}: {e:#}", a.ort));
        }
    }
    assert!(
        fehler.is_empty(),
        "{} von {} Anweisungen lassen sich nicht vorbereiten:\n{}",
        fehler.len(),
        alle.len(),
        fehler.join("\n")
    );
}

#[tokio::test]
async fn jede_anweisung_auf_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&dir.path().join("t.db").to_string_lossy())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    vorbereiten(&db).await;
}

#[tokio::test]
async fn jede_anweisung_auf_postgresql() {
    let Some(db) = postgres_db().await else {
        return;
    };
    db.migrate().await.unwrap();
    vorbereiten(&db).await;
}
