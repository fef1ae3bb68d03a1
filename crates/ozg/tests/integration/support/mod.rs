//! What every HTTP story needs: the real application (router, store, built-in data) on SQLite
//! and on PostgreSQL, requests as a browser sends them, logins, and a real SMTP server.
//!
//! PostgreSQL: `OZG_TEST_DATABASE_URL` names a server where the tests may create databases
//! (`scripts/test.sh` starts a throwaway cluster). Without it the PostgreSQL variants are skipped,
//! unless `OZG_REQUIRE_POSTGRES` is set (as in CI), where they fail.

#![allow(dead_code)]

pub mod browser;
pub mod quelltext;

use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
pub use axum::http::{StatusCode, header};
use http_body_util::BodyExt;
pub use ozg::kern::db::{Db, Stmt};
use ozg::kern::schreibrouten::SchreibRoute;
use ozg::kern::{AppState, Uhr};
pub use ozg::sql;
pub use serde_json::Value;
use tower::ServiceExt;

/// The application under test.
pub struct TestApp {
    pub db: Db,
    /// Where the database is (SQLite file or PostgreSQL URL), for the shell commands.
    pub url: String,
    pub app: Router,
    /// Every write route as the portal declared it.
    pub routen: Vec<SchreibRoute>,
    /// The portal's state (its clock, its scheduled tasks run on it).
    pub state: AppState,
    pub aufgaben: Vec<ozg::kern::hintergrund::Aufgabe>,
    _dir: Option<tempfile::TempDir>,
}

/// A response.
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("no JSON ({e}): {}", self.text()))
    }
}

impl TestApp {
    pub async fn get(&self, uri: &str) -> Resp {
        self.get_mit(uri, &[]).await
    }
    /// A GET with extra request headers.
    pub async fn get_mit(&self, uri: &str, kopf: &[(&str, &str)]) -> Resp {
        let mut req = Request::get(uri);
        for (k, v) in kopf {
            req = req.header(*k, *v);
        }
        antwort(&self.app, req.body(Body::empty()).unwrap()).await
    }
    pub async fn ok(&self, uri: &str) -> Resp {
        let r = self.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "GET {uri}: {}", r.text());
        r
    }
    /// The `total` of an API list (200 expected).
    pub async fn total(&self, uri: &str) -> i64 {
        self.ok(uri).await.json()["total"]
            .as_i64()
            .unwrap_or_else(|| panic!("GET {uri}: kein total"))
    }
    /// Runs the portal's scheduled tasks once, as `ozg serve` does every minute.
    pub async fn aufgaben_ausfuehren(&self) {
        ozg::kern::hintergrund::einmal(&self.state, &self.aufgaben)
            .await
            .unwrap();
    }
    /// A number from SQL written in the test (not application SQL).
    pub async fn scalar(&self, sql: &str) -> i64 {
        self.db
            .scalar(Stmt::ungeprueft(sql.to_owned()))
            .await
            .unwrap()
    }
    /// A text from SQL written in the test.
    pub async fn scalar_text(&self, sql: &str) -> Option<String> {
        self.db
            .scalar_text(Stmt::ungeprueft(sql.to_owned()))
            .await
            .unwrap()
    }
    /// Runs SQL written in the test (e.g. to move a deadline into the past).
    pub async fn ausfuehren(&self, sql: &str) {
        self.db
            .execute_all(&[Stmt::ungeprueft(sql.to_owned())])
            .await
            .unwrap();
    }
    pub async fn audit_count(&self) -> i64 {
        self.scalar("SELECT COUNT(*) FROM audit").await
    }
    /// The same application on the same database, sending e-mail through `mail`.
    pub fn mit_mail(&self, mail: Option<ozg::kern::mail::SmtpConfig>, basis_url: &str) -> TestApp {
        let portal = ozg::portal(
            AppState::new(self.db.clone())
                .with_mail(mail, basis_url)
                .with_ablage(self.state.ablage.verzeichnis().to_path_buf()),
        );
        TestApp {
            db: self.db.clone(),
            url: self.url.clone(),
            routen: portal.state.routen.alle().to_vec(),
            app: portal.router,
            state: portal.state,
            aufgaben: portal.aufgaben,
            _dir: None,
        }
    }
}

pub async fn seeded(db: Db) -> Db {
    db.migrate().await.unwrap();
    assert!(
        ozg::cli::ensure_seeded(&db).await.unwrap(),
        "first start imports"
    );
    db
}

fn app(db: Db, url: String, dir: tempfile::TempDir) -> TestApp {
    let portal = ozg::portal(AppState::new(db.clone()).with_ablage(dir.path().join("anhaenge")));
    TestApp {
        routen: portal.state.routen.alle().to_vec(),
        app: portal.router,
        state: portal.state,
        aufgaben: portal.aufgaben,
        db,
        url,
        _dir: Some(dir),
    }
}

pub async fn sqlite() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("t.db").to_string_lossy().into_owned();
    let db = seeded(Db::connect(&url).await.unwrap()).await;
    app(db, url, dir)
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty PostgreSQL database (None: no server configured and none required).
pub async fn postgres_db() -> Option<Db> {
    Some(postgres_db_url().await?.0)
}

/// [`postgres_db`] with its URL.
pub async fn postgres_db_url() -> Option<(Db, String)> {
    let Ok(url) = std::env::var("OZG_TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("OZG_REQUIRE_POSTGRES").is_none(),
            "OZG_REQUIRE_POSTGRES is set but OZG_TEST_DATABASE_URL is missing"
        );
        eprintln!("PostgreSQL-Test übersprungen: OZG_TEST_DATABASE_URL nicht gesetzt");
        return None;
    };
    // One fresh database per test.
    let name = format!(
        "ozg_t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let admin = Db::connect(&url).await.expect("PostgreSQL erreichbar");
    admin
        .0
        .verwaltung(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .0
        .verwaltung(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.0.close().await;
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url);
    let url = format!("{base}/{name}");
    Some((Db::connect(&url).await.unwrap(), url))
}

pub async fn postgres() -> Option<TestApp> {
    let (db, url) = postgres_db_url().await?;
    let db = seeded(db).await;
    Some(app(db, url, tempfile::tempdir().unwrap()))
}

/// Runs the `ozg` binary against the test's database; exit status, stdout, stderr.
pub fn ozg(t: &TestApp, args: &[&str]) -> (bool, String, String) {
    let daten = t.state.ablage.verzeichnis().parent().unwrap().to_path_buf();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ozg"))
        .args(args)
        .arg("--database")
        .arg(&t.url)
        .arg("--data-dir")
        .arg(&daten)
        .env_remove("OZG_DATABASE_URL")
        .env_remove("OZG_DATA_DIR")
        .output()
        .expect("ozg startet");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every table of the database with all its rows (sorted), to compare two databases.
pub async fn alle_tabellen(db: &Db) -> std::collections::BTreeMap<String, Vec<String>> {
    let namen_sql = match db.0.backend() {
        ozg::kern::db::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        ozg::kern::db::Backend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        }
    };
    #[derive(serde::Deserialize)]
    struct N {
        name: String,
    }
    let namen: Vec<N> = db
        .query(Stmt::ungeprueft(namen_sql.to_owned()))
        .await
        .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for n in namen {
        // The migration bookkeeping has driver-specific column types: its versions suffice.
        let spalten = if n.name == "_sqlx_migrations" {
            "version, description, success"
        } else {
            "*"
        };
        let zeilen: Vec<Value> = db
            .query(Stmt::ungeprueft(format!(
                "SELECT {spalten} FROM {}",
                n.name
            )))
            .await
            .unwrap();
        let mut z: Vec<String> = zeilen.iter().map(Value::to_string).collect();
        z.sort();
        out.insert(n.name, z);
    }
    out
}

/// A clock far in the future (every deadline has passed).
pub fn spaeter() -> Uhr {
    Uhr::fest("2099-01-01T00:00:00Z".parse().unwrap())
}

/// Generates `<name>::sqlite` and `<name>::postgres` for a story `async fn name(t: &TestApp)`.
#[macro_export]
macro_rules! story {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(&$crate::support::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(t) = $crate::support::postgres().await {
                    super::$name(&t).await;
                }
            }
        }
    };
}

impl TestApp {
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        cookies: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "ozg.test")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies);
        }
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        let body = serde_urlencoded::to_string(form).unwrap();
        antwort(&self.app, req.body(Body::from(body)).unwrap()).await
    }
    /// A multipart/form-data POST (file upload) with text fields and one file field "datei".
    pub async fn upload(
        &self,
        uri: &str,
        cookies: &str,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> Resp {
        let boundary = "----ozgtestgrenze7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"datei\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                file.0
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::HOST, "ozg.test")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, cookies)
            .body(Body::from(body))
            .unwrap();
        antwort(&self.app, req).await
    }
    pub async fn post(&self, uri: &str, cookies: &str, form: &[(&str, &str)]) -> Resp {
        self.send("POST", uri, cookies, form, None).await
    }
    pub async fn get_with(&self, uri: &str, cookies: &str) -> Resp {
        self.send("GET", uri, cookies, &[], None).await
    }
}

impl Resp {
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| {
                v[name.len() + 1..]
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
    }
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
    pub fn hidden_csrf(&self) -> String {
        let t = self.text();
        let i = t.find("name=\"_csrf\" value=\"").expect("form with _csrf") + 20;
        t[i..i + 64].to_owned()
    }
}

pub const CSRF: &str = "__Host-ozg_csrf";
pub const SITZUNG: &str = "__Host-ozg_sitzung";
pub const PW: &str = "Rathaus-Kita-2026!";

/// Invites `name` with `rolle`, accepts the invitation and logs in; returns the session cookie
/// header and its CSRF token.
pub async fn login_as(
    t: &TestApp,
    name: &str,
    rolle: &str,
    themenfelder: &str,
) -> (String, String) {
    login_in_org(t, name, rolle, themenfelder, "").await
}

/// The value of the form field `name` in a page (e.g. the version a form was loaded with).
pub fn form_value(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html
        .find(&key)
        .unwrap_or_else(|| panic!("no field {name}: {html}"))
        + key.len();
    html[i..].split('"').next().unwrap().to_owned()
}

/// Invites, sets up and logs in an account of `organisation` (slug; empty: none).
pub async fn login_in_org(
    t: &TestApp,
    name: &str,
    rolle: &str,
    themenfelder: &str,
    organisation: &str,
) -> (String, String) {
    use ozg::konten;
    let uhr = Uhr::system();
    let token = konten::einladen(
        &t.db,
        &uhr,
        &konten::NeuesKonto {
            benutzername: name.into(),
            name: format!("Person {name}"),
            email: format!("{name}@beispiel.de"),
            rolle: rolle.into(),
            organisation: organisation.into(),
            themenfelder: themenfelder.into(),
        },
        "test",
    )
    .await
    .unwrap();
    konten::einladung_annehmen(&t.state, &token, PW, PW)
        .await
        .unwrap();
    let token = konten::anmelden(&t.state, name, PW, "test").await.unwrap();
    let cookie = format!("{SITZUNG}={token}");
    let csrf = ozg::kern::sitzung::laden(&t.db, &uhr, &token)
        .await
        .unwrap()
        .unwrap()
        .csrf;
    (cookie, csrf)
}

/// A real SMTP server (Debian's aiosmtpd) that stores what arrives in a Maildir.
pub struct Smtpd {
    child: std::process::Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Smtpd {
    pub fn start() -> Option<Smtpd> {
        let python = std::env::var("OZG_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let has = std::process::Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        if !has {
            assert!(
                std::env::var_os("OZG_REQUIRE_SMTP").is_none(),
                "OZG_REQUIRE_SMTP is set but aiosmtpd is missing (Debian: python3-aiosmtpd)"
            );
            eprintln!("E-Mail-Test übersprungen: aiosmtpd fehlt (python3-aiosmtpd)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(&python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("maildir"))
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Smtpd { child, port, dir });
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    /// What arrived, parsed by Python's e-mail package: (to, envelope recipient, subject, body).
    pub fn received(&self) -> Vec<(String, String, String, String)> {
        let script = r#"
import email, email.policy, json, pathlib, sys
out = []
for f in sorted(pathlib.Path(sys.argv[1]).glob("new/*")):
    m = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
    out.append([str(m["To"]), str(m["X-RcptTo"]), str(m["Subject"]), m.get_content()])
print(json.dumps(out))
"#;
        let python = std::env::var("OZG_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let o = std::process::Command::new(python)
            .args(["-c", script])
            .arg(self.dir.path().join("maildir"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    }
}

impl Smtpd {
    /// The Message-ID of each message that arrived.
    pub fn message_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = std::fs::read_dir(self.dir.path().join("maildir/new"))
            .map(|d| d.flatten().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter_map(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("Message-ID: ").map(str::to_owned))
            })
            .collect();
        ids.sort();
        ids
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Today's date in UTC shifted by `tage` days, as `YYYY-MM-DD` (what a date field sends).
pub fn tag_utc(tage: i64) -> String {
    let heute = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    heute
        .checked_add(jiff::Span::new().days(tage))
        .expect("Datum im gültigen Bereich")
        .to_string()
}

impl TestApp {
    /// The portal served over TCP on 127.0.0.1 as `ozg serve` serves it (with the peer
    /// address of every connection); its address.
    pub async fn ueber_tcp(&self) -> std::net::SocketAddr {
        router_ueber_tcp(self.app.clone()).await
    }
}

/// The answer of `app` to `req`, read whole.
pub async fn antwort(app: &Router, req: Request<Body>) -> Resp {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

/// `app` served over TCP on 127.0.0.1 with the peer address of every connection; its address.
pub async fn router_ueber_tcp(app: Router) -> std::net::SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            l,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    a
}

/// One HTTP/1.1 request over a connection from the local address `von` (any of 127.0.0.0/8):
/// the status and the body.
pub async fn http_von(
    von: &str,
    ziel: std::net::SocketAddr,
    methode: &str,
    pfad: &str,
    kopfzeilen: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = tokio::net::TcpSocket::new_v4().unwrap();
    s.bind(format!("{von}:0").parse().unwrap()).unwrap();
    let mut c = s.connect(ziel).await.unwrap();
    let mut req = format!(
        "{methode} {pfad} HTTP/1.1\r\nHost: {ziel}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in kopfzeilen {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    c.write_all(req.as_bytes()).await.unwrap();
    let mut antwort = Vec::new();
    c.read_to_end(&mut antwort).await.unwrap();
    let text = String::from_utf8_lossy(&antwort).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_owned();
    (status, body)
}

/// The peak resident memory of this process so far (VmHWM), in KiB.
pub fn spitzen_speicher_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
