//! Operations on the shell: the import does not silently undo web edits, numbers are never
//! reused, and a backup restores every table.

use crate::support::*;

story!(import_schuetzt_web_aenderungen);
/// `ozg import` refuses while web edits since the last import exist and names them; with
/// `--force` it first writes a backup, says what is lost, and replaces the data. A workshop made
/// online afterwards never takes the number of one the import removed (no inherited photos or
/// history).
async fn import_schuetzt_web_aenderungen(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &ks).await.text();
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kita-Portal (im Portal geändert)"),
                ("version", &form_value(&form, "version")),
                ("protokoll_stand", &form_value(&form, "protokoll_stand")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post(
            "/workshops",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("datum", "2021-05-05"),
                ("ort", "Online"),
                ("themenfeld", "familie-kind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let web_ws = t.scalar("SELECT MAX(id) FROM workshop").await;
    assert!(
        web_ws > 190_000,
        "web numbers above the import's range: {web_ws}"
    );
    let name = || async {
        t.ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
            .await
            .json()["name"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let (ok, out, err) = ozg(t, &["import"]);
    assert!(!ok, "refused: {out} {err}");
    assert!(err.contains("Nicht importiert"), "{err}");
    assert!(
        err.contains("Projekt bearbeitet (projekt:kinderbetreuung)"),
        "{err}"
    );
    assert!(err.contains("Workshop angelegt"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        name().await,
        "Kita-Portal (im Portal geändert)",
        "nothing changed"
    );

    // Participants recorded on the web for an imported workshop (number = place in the file).
    t.ausfuehren(
        "INSERT INTO workshop_teilnehmer (workshop_id, organisation) VALUES (90000, 'guetersloh')",
    )
    .await;
    t.ausfuehren(
        "INSERT INTO workshop_projekt (workshop_id, projekt) VALUES (90000, 'kinderbetreuung')",
    )
    .await;
    let revision_vorher = t
        .scalar_text("SELECT value FROM meta WHERE key = 'datenstand'")
        .await;
    let (ok, out, err) = ozg(t, &["import", "--force"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Sicherung vor dem Import: "), "{out}");
    // They went with the workshops (before, they stayed and attached to whichever workshop
    // the import numbered 90000).
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM workshop_teilnehmer").await
            + t.scalar("SELECT COUNT(*) FROM workshop_projekt").await,
        0
    );
    let sicherung = out
        .lines()
        .find_map(|l| l.strip_prefix("Sicherung vor dem Import: "))
        .unwrap()
        .to_owned();
    assert!(std::path::Path::new(&sicherung).is_file(), "{sicherung}");
    assert!(out.contains("Projekt bearbeitet"), "{out}");
    t.ok("/projekte").await;
    assert_eq!(name().await, "Kinderbetreuung", "the plan's name again");
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM workshop WHERE id = {web_ws}"
        ))
        .await,
        0
    );
    // Nothing new to lose: a second import runs without --force. Each import sets a new data
    // revision, also for the same files (before, it set the files' fingerprint again, and a
    // cache made before later writes matched it).
    let revision_eins = t
        .scalar_text("SELECT value FROM meta WHERE key = 'datenstand'")
        .await;
    let (ok, _, err) = ozg(t, &["import"]);
    assert!(ok, "{err}");
    let revision_zwei = t
        .scalar_text("SELECT value FROM meta WHERE key = 'datenstand'")
        .await;
    assert_ne!(revision_eins, revision_zwei);
    assert_ne!(revision_vorher, revision_eins);
    // The next workshop made online takes a new number.
    let r = t
        .post(
            "/workshops",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("datum", "2021-06-06"),
                ("ort", "Münster"),
                ("themenfeld", "familie-kind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(t.scalar("SELECT MAX(id) FROM workshop").await > web_ws);
}

story!(sicherung_stellt_jede_tabelle_wieder_her);
/// `ozg backup` and `ozg restore`: after a restore, every table holds exactly what it held when
/// the backup was taken (SQLite: a copy of the file; PostgreSQL: pg_dump/pg_restore).
async fn sicherung_stellt_jede_tabelle_wieder_her(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let r = t
        .post(
            "/projekte/kinderbetreuung/partnersuche",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("aktiv", "ja"),
                ("hinweis", "vor der Sicherung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let vorher = alle_tabellen(&t.db).await;
    assert!(vorher.len() > 30, "{} tables", vorher.len());
    let dir = tempfile::tempdir().unwrap();
    let datei = dir.path().join("sicherung.bin");
    let datei_s = datei.to_string_lossy().into_owned();
    let (ok, out, err) = ozg(t, &["backup", "--to", &datei_s]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Sicherung geschrieben"), "{out}");
    // A backup never overwrites.
    let (ok, _, err) = ozg(t, &["backup", "--to", &datei_s]);
    assert!(!ok && err.contains("überschreibt nichts"), "{err}");
    // Changes after the backup …
    let r = t
        .post(
            "/projekte/kinderbetreuung/partnersuche",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("aktiv", "ja"),
                ("hinweis", "nach der Sicherung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_ne!(alle_tabellen(&t.db).await, vorher);
    // … are gone after the restore: every table as it was.
    let wieder = if t.url.starts_with("postgres") {
        let (ok, out, err) = ozg(t, &["restore", "--from", &datei_s]);
        assert!(ok, "{out}{err}");
        alle_tabellen(&t.db).await
    } else {
        // SQLite: restore into a new data directory (this test's portal keeps its file open).
        let neu = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ozg"))
            .args(["restore", "--from", &datei_s, "--data-dir"])
            .arg(neu.path())
            .env_remove("OZG_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let db = Db::connect(&neu.path().join("ozg.db").to_string_lossy())
            .await
            .unwrap();
        alle_tabellen(&db).await
    };
    assert_eq!(
        wieder.keys().collect::<Vec<_>>(),
        vorher.keys().collect::<Vec<_>>()
    );
    for (tabelle, zeilen) in &vorher {
        assert_eq!(&wieder[tabelle], zeilen, "table {tabelle}");
    }
    // SQLite: a restore over a database that is still open (a running portal) is refused and
    // changes nothing; once it is closed, the kept copy has every committed change (before,
    // its write-ahead log was deleted).
    if !t.url.starts_with("postgres") {
        let neu = tempfile::tempdir().unwrap();
        let pfad = neu.path().join("ozg.db");
        let offen = Db::connect(&pfad.to_string_lossy()).await.unwrap();
        offen.migrate().await.unwrap();
        offen
            .execute_all(&[ozg::sql!(
                "INSERT INTO meta (key, value) VALUES ($1, $2)",
                "probe",
                "im Log"
            )])
            .await
            .unwrap();
        let restore = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_ozg"))
                .args(["restore", "--from", &datei_s, "--data-dir"])
                .arg(neu.path())
                .env_remove("OZG_DATABASE_URL")
                .output()
                .unwrap()
        };
        let out = restore();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("noch geöffnet"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            offen.meta("probe").await.unwrap().as_deref(),
            Some("im Log")
        );
        offen.0.close().await;
        let out = restore();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let kopie = std::fs::read_dir(neu.path())
            .unwrap()
            .flatten()
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .contains("vor-wiederherstellung")
            })
            .expect("the kept database");
        let alt = Db::connect(&kopie.path().to_string_lossy()).await.unwrap();
        assert_eq!(alt.meta("probe").await.unwrap().as_deref(), Some("im Log"));
    }
    // A file that is not a backup is refused.
    let falsch = dir.path().join("falsch.bin");
    std::fs::write(&falsch, b"keine Sicherung").unwrap();
    let (ok, _, err) = ozg(t, &["restore", "--from", &falsch.to_string_lossy()]);
    assert!(!ok, "{err}");
}

/// Starts the server loop of `ozg serve` on the test's portal with the given limits; returns
/// its address and the stop switch.
async fn server_mit(
    t: &TestApp,
    grenzen: ozg::kern::server::Zeitgrenzen,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = t.app.clone();
    let h = tokio::spawn(async move {
        ozg::kern::server::serve(l, app, grenzen, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (a, tx, h)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
/// Slow clients hold nothing: 300 connections that never finish their request head are closed
/// after the head limit, and meanwhile the server answers everyone else; a body that stalls
/// ends the request.
async fn langsame_clients_halten_den_server_nicht_auf() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = sqlite().await;
    let grenzen = ozg::kern::server::Zeitgrenzen {
        kopf: std::time::Duration::from_secs(1),
        koerper: std::time::Duration::from_secs(1),
        ..Default::default()
    };
    let (a, _stopp, _h) = server_mit(&t, grenzen).await;
    let mut langsam = Vec::new();
    for _ in 0..300 {
        let mut c = tokio::net::TcpStream::connect(a).await.unwrap();
        c.write_all(b"GET /projekte HTTP/1.1\r\nHost: x\r\nX-Langsam: ")
            .await
            .unwrap();
        langsam.push(c);
    }
    let (status, _) = http_von("127.0.0.1", a, "GET", "/health", &[], "").await;
    assert_eq!(status, 200, "others are served");
    // After the head limit the server has closed every slow connection.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let mut geschlossen = 0;
    for c in &mut langsam {
        let mut buf = [0u8; 512];
        // An answer, EOF or a reset all mean the server let go; only a timeout means not.
        if tokio::time::timeout(std::time::Duration::from_secs(2), c.read(&mut buf))
            .await
            .is_ok()
        {
            geschlossen += 1;
        }
    }
    assert_eq!(geschlossen, 300, "slow connections closed by the server");
    // A body that stops halfway: the request ends with an error, not a held connection.
    let mut c = tokio::net::TcpStream::connect(a).await.unwrap();
    c.write_all(
        b"POST /anmelden HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nbenutzername=",
    )
    .await
    .unwrap();
    let mut antwort = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        c.read_to_end(&mut antwort),
    )
    .await
    .expect("the server ends the request")
    .unwrap();
    let text = String::from_utf8_lossy(&antwort);
    assert!(text.starts_with("HTTP/1.1 4") || text.is_empty(), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
/// On the stop signal the server accepts no new connection but finishes the requests in flight
/// (here: a PDF being typeset).
async fn beenden_laesst_laufende_anfragen_zu_ende_laufen() {
    let t = sqlite().await;
    let (a, stopp, h) = server_mit(&t, ozg::kern::server::Zeitgrenzen::default()).await;
    let laufend = tokio::spawn(http_von(
        "127.0.0.1",
        a,
        "GET",
        "/umsetzungsplan.pdf?themenfeld=bildung",
        &[],
        "",
    ));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    stopp.send(()).unwrap();
    let (status, body) = laufend.await.unwrap();
    assert_eq!(status, 200, "finished after the stop signal");
    assert!(body.contains("%PDF"));
    h.await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(a).await.is_err(),
        "no new connections after the stop"
    );
}

/// Two instances starting on one empty database at the same moment import once.
async fn erststart_zweimal_gleichzeitig(db: Db) {
    db.migrate().await.unwrap();
    let (a, b) = tokio::join!(ozg::cli::ensure_seeded(&db), ozg::cli::ensure_seeded(&db));
    let importiert = [a.unwrap(), b.unwrap()];
    assert_eq!(
        importiert.iter().filter(|x| **x).count(),
        1,
        "{importiert:?}"
    );
    assert_eq!(
        db.scalar(ozg::sql!("SELECT COUNT(*) FROM plan_stand"))
            .await
            .unwrap(),
        1,
        "one Stand „Datenimport“"
    );
    assert!(
        db.scalar(ozg::sql!("SELECT COUNT(*) FROM projekt"))
            .await
            .unwrap()
            > 100
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erststart_einmal_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&dir.path().join("e.db").to_string_lossy())
        .await
        .unwrap();
    erststart_zweimal_gleichzeitig(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erststart_einmal_postgres() {
    if let Some(db) = postgres_db().await {
        erststart_zweimal_gleichzeitig(db).await;
    }
}

story!(gleichzeitige_schreibende_ohne_globale_sperre);
/// Without a global write lock: 20 simultaneous saves of one project from the same form
/// version — exactly one wins, the others see the conflict, one audit entry; 20 simultaneous
/// comments — all stored, each with its own audit number.
async fn gleichzeitige_schreibende_ohne_globale_sperre(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &ks).await.text();
    let (v, ps) = (
        form_value(&form, "version"),
        form_value(&form, "protokoll_stand"),
    );
    let n = t.audit_count().await;
    let antworten = futures_util::future::join_all((0..20).map(|i| {
        let (ks, ks_csrf, v, ps) = (&ks, &ks_csrf, &v, &ps);
        async move {
            t.post(
                url,
                ks,
                &[
                    ("_csrf", ks_csrf),
                    ("name", &format!("Kita-Portal {i}")),
                    ("version", v),
                    ("protokoll_stand", ps),
                ],
            )
            .await
            .status
        }
    }))
    .await;
    let gewonnen = antworten
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(gewonnen, 1, "{antworten:?}");
    assert!(
        antworten
            .iter()
            .all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::CONFLICT),
        "{antworten:?}"
    );
    assert_eq!(t.audit_count().await, n + 1);
    let antworten = futures_util::future::join_all((0..20).map(|i| {
        let (ks, ks_csrf) = (&ks, &ks_csrf);
        async move {
            t.post(
                "/projekte/kinderbetreuung/kommentare",
                ks,
                &[("_csrf", ks_csrf), ("kommentar", &format!("Kommentar {i}"))],
            )
            .await
            .status
        }
    }))
    .await;
    assert!(
        antworten.iter().all(StatusCode::is_redirection),
        "{antworten:?}"
    );
    assert_eq!(t.audit_count().await, n + 21);
    assert_eq!(
        t.scalar("SELECT COUNT(DISTINCT id) FROM audit").await,
        t.scalar("SELECT COUNT(*) FROM audit").await
    );
}

story!(anlagen_fuer_alle_instanzen);
/// With PostgreSQL the contents of attachments lie in the database: an instance with its own
/// (empty) directory serves a file another instance took in, byte for byte, also one of
/// several pieces. With SQLite (one instance) they are files.
async fn anlagen_fuer_alle_instanzen(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    // 1.5 MB: three pieces in the database.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..1_500_000u32).map(|i| (i % 251) as u8));
    let r = t
        .upload(
            "/projekte/kinderbetreuung/anhaenge",
            &ks,
            &[("_csrf", &ks_csrf), ("titel", "Großes Angebot")],
            ("angebot.pdf", &pdf),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text());
    let id = t.scalar("SELECT MAX(id) FROM anhang").await;
    if t.state.ablage.in_der_datenbank() {
        assert_eq!(
            t.scalar("SELECT COUNT(*) FROM anhang_stueck").await,
            3,
            "512 KiB pieces"
        );
        // Another instance, its own directory: the file comes from the database.
        let dir = tempfile::tempdir().unwrap();
        let b = ozg::portal(
            ozg::kern::AppState::new(t.db.clone()).with_ablage(dir.path().join("anhaenge")),
        )
        .router;
        let r = tower::ServiceExt::oneshot(
            b,
            axum::http::Request::get(format!("/anhaenge/{id}/angebot.pdf"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        use http_body_util::BodyExt;
        let body = r.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body.len(), pdf.len());
        assert!(body.as_ref() == pdf.as_slice(), "byte for byte");
    } else {
        assert_eq!(t.scalar("SELECT COUNT(*) FROM anhang_stueck").await, 0);
        let r = t.ok(&format!("/anhaenge/{id}/angebot.pdf")).await;
        assert!(r.body == pdf);
    }
}

/// A child process killed when dropped.
pub(crate) struct Prozess(pub(crate) std::process::Child);

impl Drop for Prozess {
    fn drop(&mut self) {
        // SIGTERM first: nginx's master then takes its workers down, ozg drains.
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn freier_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request: status, headers (lower-case names), body.
pub(crate) async fn roh(
    ziel: std::net::SocketAddr,
    methode: &str,
    pfad: &str,
    kopf: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut c = tokio::net::TcpStream::connect(ziel).await.unwrap();
    let mut req = format!(
        "{methode} {pfad} HTTP/1.1\r\nHost: portal.test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in kopf {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    c.write_all(req.as_bytes()).await.unwrap();
    c.write_all(body).await.unwrap();
    let mut a = Vec::new();
    c.read_to_end(&mut a).await.unwrap();
    let ende = a.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let kopf_text = String::from_utf8_lossy(&a[..ende]).into_owned();
    let mut zeilen = kopf_text.split("\r\n");
    let status = zeilen
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap();
    let kopf: Vec<(String, String)> = zeilen
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = a[ende + 4..].to_vec();
    if kopf
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        // De-chunk.
        let mut aus = Vec::new();
        let mut rest = &body[..];
        while let Some(z) = rest.windows(2).position(|w| w == b"\r\n") {
            let n =
                usize::from_str_radix(std::str::from_utf8(&rest[..z]).unwrap().trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            aus.extend_from_slice(&rest[z + 2..z + 2 + n]);
            rest = &rest[z + 2 + n + 2..];
        }
        body = aus;
    }
    (status, kopf, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
/// Two `ozg serve` on one PostgreSQL behind nginx (round-robin): log in through one, work
/// through the other; sessions are shared, concurrent edits of one project never lose an
/// update, an attachment taken in by one is served by both.
async fn zwei_instanzen_hinter_nginx() {
    let pflicht = std::env::var_os("OZG_E2E").is_some();
    let Some((db, url)) = postgres_db_url().await else {
        assert!(!pflicht, "PostgreSQL is required in the full run");
        return;
    };
    let nginx = std::env::var("NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
    if !std::path::Path::new(&nginx).exists() {
        assert!(!pflicht, "nginx is required in the full run ({nginx})");
        return;
    }
    db.migrate().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_ozg");
    // Two instances, each with its own data directory: they share only the database.
    let mut instanzen = Vec::new();
    let mut ports = Vec::new();
    for i in 0..2 {
        let port = freier_port();
        let log = std::fs::File::create(dir.path().join(format!("ozg{i}.log"))).unwrap();
        let child = std::process::Command::new(bin)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--database", &url, "--trusted-proxy", "127.0.0.1"])
            .arg("--data-dir")
            .arg(dir.path().join(format!("daten{i}")))
            .env_remove("OZG_DATABASE_URL")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        instanzen.push(Prozess(child));
        ports.push(port);
    }
    for (i, p) in ports.iter().enumerate() {
        let ziel: std::net::SocketAddr = format!("127.0.0.1:{p}").parse().unwrap();
        let ok = bereit(ziel).await;
        assert!(
            ok,
            "instance on {p} did not start:\n{}",
            std::fs::read_to_string(dir.path().join(format!("ozg{i}.log"))).unwrap_or_default()
        );
    }
    // nginx, round-robin over both.
    let nport = freier_port();
    let ndir = dir.path().join("nginx");
    std::fs::create_dir_all(ndir.join("logs")).unwrap();
    let root = if unsafe_is_root() { "user root;" } else { "" };
    std::fs::write(
        ndir.join("nginx.conf"),
        format!(
            "{root}\nworker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log warn;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n access_log off;\n client_max_body_size 20m;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
             upstream ozg {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; }}\n\
             server {{ listen 127.0.0.1:{nport}; location / {{ proxy_pass http://ozg; proxy_set_header Host $host;\n\
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_http_version 1.1; }} }}\n}}\n",
            d = ndir.display(),
            a = ports[0],
            b = ports[1],
        ),
    )
    .unwrap();
    let _nginx = Prozess(
        std::process::Command::new(&nginx)
            .arg("-p")
            .arg(&ndir)
            .arg("-c")
            .arg(ndir.join("nginx.conf"))
            .arg("-e")
            .arg(ndir.join("logs/error.log"))
            .spawn()
            .unwrap(),
    );
    let ziel: std::net::SocketAddr = format!("127.0.0.1:{nport}").parse().unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(ziel).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // An account (on the shell), its invitation accepted through the proxy.
    let sitzung = konto_ueber_http(ziel, &["--database".into(), url.clone()]).await;
    // The session is valid on both instances (round-robin: consecutive requests alternate).
    for _ in 0..4 {
        let (s, _, _) = roh(ziel, "GET", "/konto", &[("Cookie", &sitzung)], b"").await;
        assert_eq!(s, 200);
    }
    // The CSRF token of the session, from a form page.
    let (_, _, seite) = roh(
        ziel,
        "GET",
        "/projekte/kinderbetreuung/bearbeiten",
        &[("Cookie", &sitzung)],
        b"",
    )
    .await;
    let seite = String::from_utf8_lossy(&seite).into_owned();
    let csrf = form_value(&seite, "_csrf");
    let version = form_value(&seite, "version");
    let stand = form_value(&seite, "protokoll_stand");
    let mit_sitzung = [
        ("Cookie", sitzung.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    // 10 simultaneous saves from the same form version, spread over both instances: one wins.
    let antworten = futures_util::future::join_all((0..10).map(|i| {
        let body = serde_urlencoded::to_string([
            ("_csrf", &csrf),
            ("name", &format!("Kita-Portal {i}")),
            ("version", &version),
            ("protokoll_stand", &stand),
        ])
        .unwrap();
        let k = mit_sitzung;
        async move {
            roh(
                ziel,
                "POST",
                "/projekte/kinderbetreuung/bearbeiten",
                &k,
                body.as_bytes(),
            )
            .await
            .0
        }
    }))
    .await;
    assert_eq!(
        antworten.iter().filter(|s| **s == 303).count(),
        1,
        "{antworten:?}"
    );
    assert!(
        antworten.iter().all(|s| *s == 303 || *s == 409),
        "{antworten:?}"
    );
    assert_eq!(
        db.scalar(ozg::sql!(
            "SELECT COUNT(*) FROM audit WHERE aktion = 'projekt-bearbeitet'"
        ))
        .await
        .unwrap(),
        1
    );
    // An attachment through one instance, served by both.
    let grenze = "----grenze";
    let mut body = format!(
        "--{grenze}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n--{grenze}\r\nContent-Disposition: form-data; name=\"titel\"\r\n\r\nAngebot\r\n--{grenze}\r\nContent-Disposition: form-data; name=\"datei\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    body.extend_from_slice(pdf);
    body.extend_from_slice(format!("\r\n--{grenze}--\r\n").as_bytes());
    let typ = format!("multipart/form-data; boundary={grenze}");
    let (s, _, b) = roh(
        ziel,
        "POST",
        "/projekte/kinderbetreuung/anhaenge",
        &[("Cookie", &sitzung), ("Content-Type", &typ)],
        &body,
    )
    .await;
    assert_eq!(s, 303, "{}", String::from_utf8_lossy(&b));
    let id = db
        .scalar(ozg::sql!("SELECT MAX(id) FROM anhang"))
        .await
        .unwrap();
    for _ in 0..4 {
        let (s, _, b) = roh(ziel, "GET", &format!("/anhaenge/{id}/a.pdf"), &[], b"").await;
        assert_eq!(s, 200);
        assert_eq!(b, pdf);
    }
    drop(instanzen);
}

/// Adds the coordinator `kim` on the shell (`db_args`: where the database is), accepts the
/// invitation and logs in over HTTP at `ziel`: the session cookie (`name=value`).
pub(crate) async fn konto_ueber_http(ziel: std::net::SocketAddr, db_args: &[String]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ozg"))
        .args([
            "user",
            "add",
            "kim",
            "--name",
            "Kim Koordination",
            "--email",
            "kim@kdn.de",
        ])
        .args(["--rolle", "koordinierungsstelle"])
        .args(db_args)
        .env_remove("OZG_DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let link = text
        .lines()
        .find_map(|l| l.split("/einladung/").nth(1))
        .expect("invitation link")
        .trim()
        .to_owned();
    let form = |paare: &[(&str, &str)]| serde_urlencoded::to_string(paare).unwrap();
    let vorab = [
        ("Cookie", "__Host-ozg_csrf=vorab"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let pw = "Wolke Tinte Lampe Fahrrad";
    let body = form(&[("_csrf", "vorab"), ("passwort", pw), ("wiederholung", pw)]);
    let (s, _, b) = roh(
        ziel,
        "POST",
        &format!("/einladung/{link}"),
        &vorab,
        body.as_bytes(),
    )
    .await;
    assert_eq!(s, 303, "{}", String::from_utf8_lossy(&b));
    let body = form(&[
        ("_csrf", "vorab"),
        ("benutzername", "kim"),
        ("passwort", pw),
    ]);
    let (s, kopf, _) = roh(ziel, "POST", "/anmelden", &vorab, body.as_bytes()).await;
    assert_eq!(s, 303);
    kopf.iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("__Host-ozg_sitzung="))
        .map(|(_, v)| v.split(';').next().unwrap().to_owned())
        .unwrap()
}

/// Waits up to a minute until `ziel` answers `GET /health` with 200.
pub(crate) async fn bereit(ziel: std::net::SocketAddr) -> bool {
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(ziel).await.is_ok()
            && roh(ziel, "GET", "/health", &[], b"").await.0 == 200
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

pub(crate) fn unsafe_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
/// Two kinds of write take the audit number and the data revision in opposite orders (an
/// edit writes its audit entry first, a Beteiligung its revision first): on PostgreSQL two
/// such transactions at once deadlock, and the database aborts one. `Db` runs an aborted
/// transaction again, so both succeed (before: a 500 for one of them).
async fn verklemmung_wird_wiederholt() {
    let Some(db) = postgres_db().await else {
        assert!(
            std::env::var_os("OZG_REQUIRE_POSTGRES").is_none(),
            "PostgreSQL is required in the full run"
        );
        return;
    };
    let db = seeded(db).await;
    let schritt = |tabelle: &str| match tabelle {
        "audit" => ozg::sql!("UPDATE id_folge SET letzte = letzte + 1 WHERE tabelle = 'audit'"),
        _ => ozg::sql!("UPDATE meta SET value = value WHERE key = 'datenstand'"),
    };
    // A pause between the two rows, so the orders cross.
    let pause = || Stmt::ungeprueft("SELECT pg_sleep(0.05)".into());
    for _ in 0..5 {
        let a = [schritt("audit"), pause(), schritt("meta")];
        let b = [schritt("meta"), pause(), schritt("audit")];
        let (x, y) = tokio::join!(db.execute_all(&a), db.execute_all(&b));
        x.unwrap();
        y.unwrap();
    }
}

story!(import_prueft_in_seiner_transaktion);
/// A web edit saved after `ozg import` checked for web edits (and before it wrote) is not
/// overwritten unseen: the check is the import transaction's first statement, so the import
/// changes nothing (before, the check ran outside and the edit was lost even without --force).
async fn import_prueft_in_seiner_transaktion(t: &TestApp) {
    let ds = ozg_domain::dataset::Dataset::build(&ozg::programm::builtin()).unwrap();
    let uhr = ozg::kern::Uhr::system();
    let geprueft_bis = ozg::programm::audit_stand(&t.db).await.unwrap();
    assert!(
        ozg::programm::web_aenderungen(&t.db)
            .await
            .unwrap()
            .is_empty()
    );
    // Meanwhile, in the portal:
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &ks).await.text();
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kita-Portal (während des Imports)"),
                ("version", &form_value(&form, "version")),
                ("protokoll_stand", &form_value(&form, "protokoll_stand")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let ok = ozg::programm::import_dataset(&t.db, &uhr, &ds, "test", geprueft_bis)
        .await
        .unwrap();
    assert!(!ok, "the import refuses");
    let name = t
        .scalar_text("SELECT name FROM projekt WHERE slug = 'kinderbetreuung'")
        .await;
    assert_eq!(name.as_deref(), Some("Kita-Portal (während des Imports)"));
    // Checked again, with the edit seen: it goes through.
    let bis = ozg::programm::audit_stand(&t.db).await.unwrap();
    assert!(
        ozg::programm::import_dataset(&t.db, &uhr, &ds, "test", bis)
            .await
            .unwrap()
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM meta WHERE key = 'import_pruefung'")
            .await,
        0
    );
}
