//! Crash safety: `kill -9` of `ozg import` in the middle of its work and of `ozg serve` in the
//! middle of a burst of concurrent edits, then a restart, on SQLite and on PostgreSQL. The
//! database opens, an import is all or nothing (and owes no Stand after the restart), and
//! every acknowledged edit is there with exactly one audit entry — an edit that was not
//! acknowledged is there with its one entry or not at all.

use std::net::SocketAddr;
use std::time::Duration;

use ozg::kern::db::{Db, Stmt};

use crate::betrieb::{Prozess, bereit, freier_port, konto_ueber_http, roh};
use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_ozg");

/// Where the database of a run is: a data directory, and a PostgreSQL URL or none (SQLite in
/// the data directory).
struct Ort {
    dir: tempfile::TempDir,
    url: Option<String>,
}

impl Ort {
    fn args(&self) -> Vec<String> {
        let mut a = vec![
            "--data-dir".to_owned(),
            self.dir.path().display().to_string(),
        ];
        if let Some(u) = &self.url {
            a.extend(["--database".to_owned(), u.clone()]);
        }
        a
    }
    async fn db(&self) -> Db {
        let url = self.url.clone().unwrap_or_else(|| {
            self.dir
                .path()
                .join("ozg.db")
                .to_string_lossy()
                .into_owned()
        });
        Db::connect(&url)
            .await
            .expect("the database opens after the crash")
    }
    fn befehl(&self, sub: &str) -> std::process::Command {
        let mut c = std::process::Command::new(BIN);
        c.arg(sub)
            .args(self.args())
            .env_remove("OZG_DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    }
}

/// SQLite always; PostgreSQL when there is a server (required in the full run).
async fn orte() -> Vec<Ort> {
    let mut v = vec![Ort {
        dir: tempfile::tempdir().unwrap(),
        url: None,
    }];
    match postgres_db_url().await {
        Some((_, url)) => v.push(Ort {
            dir: tempfile::tempdir().unwrap(),
            url: Some(url),
        }),
        None => assert!(
            std::env::var_os("OZG_E2E").is_none(),
            "PostgreSQL is required in the full run"
        ),
    }
    v
}

fn kill9(p: &mut std::process::Child) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &p.id().to_string()])
        .status();
    let _ = p.wait();
}

/// `ozg serve` on a free port, answering `/health`.
async fn starten(ort: &Ort) -> (Prozess, SocketAddr) {
    let port = freier_port();
    let p = Prozess(
        ort.befehl("serve")
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .spawn()
            .unwrap(),
    );
    let ziel: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    assert!(bereit(ziel).await, "ozg serve did not start");
    (p, ziel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_waehrend_des_imports() {
    for ort in orte().await {
        assert!(ort.befehl("import").status().unwrap().success());
        let db = ort.db().await;
        let namen = || async {
            db.scalar_text(ozg::sql!(
                "SELECT name FROM projekt WHERE slug = $1",
                "kinderbetreuung"
            ))
            .await
            .unwrap()
            .unwrap()
        };
        let richtig = namen().await;
        let zeilen = |db: Db| async move {
            let mut n = Vec::new();
            for t in [
                "projekt",
                "organisation",
                "leika_leistung",
                "ozg_leistung",
                "workshop",
            ] {
                n.push(
                    db.scalar(Stmt::ungeprueft(format!("SELECT COUNT(*) FROM {t}")))
                        .await
                        .unwrap(),
                );
            }
            n
        };
        let voll = zeilen(db.clone()).await;
        let mut abgebrochen = 0;
        let mut durch = 0;
        for ms in [30, 80, 150, 250, 350, 450, 550, 650, 800, 1000] {
            // A change outside the portal (no audit entry): the import overwrites it.
            db.execute_all(&[ozg::sql!(
                "UPDATE projekt SET name = $1 WHERE slug = $2",
                "Vor dem Import",
                "kinderbetreuung"
            )])
            .await
            .unwrap();
            let mut p = ort.befehl("import").spawn().unwrap();
            tokio::time::sleep(Duration::from_millis(ms)).await;
            kill9(&mut p);
            let nach = namen().await;
            assert!(nach == "Vor dem Import" || nach == richtig, "{nach}");
            if nach == richtig {
                durch += 1;
            } else {
                abgebrochen += 1;
            }
            assert_eq!(zeilen(db.clone()).await, voll, "nach {ms} ms");
        }
        eprintln!(
            "{}: Import 10-mal abgebrochen: {abgebrochen} vor, {durch} nach dem Commit",
            if ort.url.is_some() {
                "PostgreSQL"
            } else {
                "SQLite"
            }
        );
        // Killed before and after the commit, both happened.
        assert!(
            abgebrochen > 0 && durch + abgebrochen == 10,
            "{abgebrochen} abgebrochen"
        );
        // The restart makes good a Stand an import owes; then none is owed.
        let (server, _) = starten(&ort).await;
        drop(server);
        let db = ort.db().await;
        assert_eq!(db.meta("stand_offen").await.unwrap(), None);
        let staende = db
            .scalar(ozg::sql!("SELECT COUNT(*) FROM plan_stand"))
            .await
            .unwrap();
        // The first import's Stand and at most one per import that committed (an import
        // that replaced one still owing its Stand owes only its own); the newest describes
        // the data as they are.
        assert!(
            staende > i64::from(durch > 0) && staende <= 1 + durch,
            "{staende} Stände, {durch} Importe durch"
        );
        let neuester = db
            .scalar_text(ozg::sql!(
                "SELECT datenstand FROM plan_stand ORDER BY id DESC LIMIT 1"
            ))
            .await
            .unwrap();
        assert_eq!(neuester, db.meta("datenstand").await.unwrap());
        if ort.url.is_none() {
            let ok = db
                .scalar_text(Stmt::ungeprueft("PRAGMA integrity_check".into()))
                .await
                .unwrap();
            assert_eq!(ok.as_deref(), Some("ok"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_waehrend_gleichzeitiger_aenderungen() {
    for ort in orte().await {
        let (server, mut ziel) = starten(&ort).await;
        let sitzung = konto_ueber_http(ziel, &ort.args()).await;
        let db = ort.db().await;
        #[derive(serde::Deserialize)]
        struct Slug {
            slug: String,
        }
        let slugs: Vec<String> = db
            .query::<Slug>(ozg::sql!("SELECT slug FROM projekt ORDER BY slug"))
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.slug)
            .collect();
        let mut server = Some(server);
        let mut bestaetigt = 0;
        let mut abgeschnitten_insgesamt = 0;
        for (runde, ms) in [(0usize, 10u64), (1, 30), (2, 70)] {
            // The forms, as loaded before the burst.
            let teil: Vec<String> = slugs.iter().skip(runde * 30).take(30).cloned().collect();
            let mut formulare = Vec::new();
            for s in &teil {
                let (_, _, seite) = roh(
                    ziel,
                    "GET",
                    &format!("/projekte/{s}/bearbeiten"),
                    &[("Cookie", &sitzung)],
                    b"",
                )
                .await;
                let seite = String::from_utf8_lossy(&seite).into_owned();
                formulare.push((
                    s.clone(),
                    form_value(&seite, "_csrf"),
                    form_value(&seite, "version"),
                    form_value(&seite, "protokoll_stand"),
                ));
            }
            let sitzung2 = sitzung.clone();
            let burst = tokio::spawn(async move {
                futures_util::future::join_all(formulare.into_iter().map(|(s, csrf, v, stand)| {
                    let sitzung = sitzung2.clone();
                    async move {
                        let body = serde_urlencoded::to_string([
                            ("_csrf", csrf.as_str()),
                            ("name", &format!("Nach dem Absturz {s}")),
                            ("version", &v),
                            ("protokoll_stand", &stand),
                        ])
                        .unwrap();
                        // A connection the kill cuts (roh panics) is no acknowledgement.
                        let r = tokio::spawn(async move {
                            let k = [
                                ("Cookie", sitzung.as_str()),
                                ("Content-Type", "application/x-www-form-urlencoded"),
                            ];
                            roh(
                                ziel,
                                "POST",
                                &format!("/projekte/{s}/bearbeiten"),
                                &k,
                                body.as_bytes(),
                            )
                            .await
                            .0
                        })
                        .await;
                        r.unwrap_or(0)
                    }
                }))
                .await
            });
            tokio::time::sleep(Duration::from_millis(ms)).await;
            kill9(&mut server.take().unwrap().0);
            let antworten = burst.await.unwrap();
            let acks = antworten.iter().filter(|s| **s == 303).count();
            bestaetigt += acks;
            let abgeschnitten = antworten.iter().filter(|s| **s == 0).count();
            abgeschnitten_insgesamt += abgeschnitten;
            eprintln!(
                "{}: kill nach {ms} ms: {acks} bestätigt, {abgeschnitten} abgeschnitten",
                if ort.url.is_some() {
                    "PostgreSQL"
                } else {
                    "SQLite"
                }
            );
            // Restart, then every edit is whole or absent, every acknowledged one whole.
            let (neu, z) = starten(&ort).await;
            server = Some(neu);
            ziel = z;
            for (status, s) in antworten.iter().zip(&teil) {
                let name = db
                    .scalar_text(ozg::sql!(
                        "SELECT name FROM projekt WHERE slug = $1",
                        s.as_str()
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                let eintraege = db
                    .scalar(ozg::sql!(
                        "SELECT COUNT(*) FROM audit WHERE aktion = 'projekt-bearbeitet' AND objekt = $1",
                        format!("projekt:{s}")
                    ))
                    .await
                    .unwrap();
                let geaendert = name == format!("Nach dem Absturz {s}");
                assert_eq!(
                    eintraege,
                    i64::from(geaendert),
                    "{s}: {name}, {eintraege} Einträge"
                );
                if *status == 303 {
                    assert!(geaendert, "{s}: bestätigt, aber nicht gespeichert");
                }
            }
        }
        assert!(bestaetigt > 0, "no edit was acknowledged before the kills");
        assert!(abgeschnitten_insgesamt > 0, "no kill hit the burst");
        drop(server);
    }
}
