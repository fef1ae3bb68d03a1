//! Harness for the end-to-end tests: the real `ozg` binary on a free port with a fresh data
//! directory, ChromeDriver with headless Chromium (fantoccini), axe-core, and a tiny blocking
//! HTTP client for the checks a browser cannot make (status codes, downloads).
//!
//! Every test starts its own server and browser (nextest runs each test in its own process);
//! both are killed when the [`Browser`] is dropped, also when the test panics.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::key::Key;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// Starts server and browser, or returns `None` (after a note) unless `OZG_E2E` is set.
/// `scripts/test.sh` sets it, so CI always runs these tests; with `OZG_E2E` set, a missing
/// Chromium, ChromeDriver or axe-core fails the test.
pub async fn start(test: &str) -> Option<Browser> {
    start_mit(test, free_port(), &[]).await
}

/// Like [`start`], the server on `port` with more `ozg serve` arguments (e.g. the BundID
/// files, the virus scan).
pub async fn start_mit(test: &str, port: u16, serve_args: &[String]) -> Option<Browser> {
    if std::env::var_os("OZG_E2E").is_none() {
        eprintln!(
            "note: {test} skipped; set OZG_E2E=1 to run the browser tests (scripts/test.sh does)"
        );
        return None;
    }
    let chromedriver = tool("CHROMEDRIVER", "/usr/bin/chromedriver");
    let chromium = tool("CHROMIUM", "/usr/bin/chromium");
    let server = Server::start(port, serve_args);
    let driver = Driver::start(&chromedriver, &chromium).await;
    let client = driver.client.clone();
    Some(Browser {
        client,
        base: server.base.clone(),
        _driver: driver,
        server,
    })
}

/// A browser session against a running `ozg` server.
pub struct Browser {
    pub client: Client,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    // Dropped in this order: browser first, then the server.
    _driver: Driver,
    server: Server,
}

impl Browser {
    /// Opens `path` (e.g. `/projekte?themenfeld=x`) on the server.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Path and query of the current page, e.g. `/suche?q=Hund`.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits (up to 15 s) until the current path and query satisfy `ok`; returns them.
    pub async fn wait_for_path(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let path = self.path().await;
            if ok(&path) {
                return path;
            }
            assert!(
                Instant::now() < deadline,
                "expected to arrive at {what}, but the browser is at {path}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The first element matching `locator`; panics naming the page if there is none.
    pub async fn find(&self, locator: Locator<'_>) -> Element {
        match self.client.find(locator).await {
            Ok(e) => e,
            Err(e) => panic!("{locator:?} not found on {}: {e}", self.path().await),
        }
    }

    /// All elements matching `locator` (possibly none).
    pub async fn find_all(&self, locator: Locator<'_>) -> Vec<Element> {
        self.client.find_all(locator).await.expect("find_all")
    }

    /// Rendered text of the first element matching the CSS selector.
    pub async fn text(&self, css: &str) -> String {
        self.find(Locator::Css(css))
            .await
            .text()
            .await
            .expect("element text")
    }

    /// Waits (up to 15 s) until the page's text contains `needle` (for forms that answer on
    /// the same address, where the path cannot tell that the new page has arrived).
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(body) = self.client.find(Locator::Css("body")).await
                && let Ok(text) = body.text().await
                && text.contains(needle)
            {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "expected {needle:?} on {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The visible text of the whole page.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// The first link whose resolved path matches the JavaScript regular expression `path_re`
    /// (e.g. `^/lagen/`), wherever it points from (relative or absolute `href`).
    pub async fn link_to(&self, path_re: &str) -> Element {
        let script = "const re = new RegExp(arguments[0]);
            return Array.from(document.querySelectorAll('a[href]'))
                .find(a => a.origin === location.origin && re.test(a.pathname)) || null;";
        let found = self
            .client
            .execute(script, vec![json!(path_re)])
            .await
            .expect("link search");
        let id = found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str);
        let Some(id) = id else {
            panic!(
                "no link to a path matching {path_re} on {}",
                self.path().await
            );
        };
        Element::from_element_id(self.client.clone(), ElementRef::from(id.to_string()))
    }

    /// Runs the `ozg` binary on the server's data directory (e.g. `user add …`); returns stdout.
    pub fn ozg(&self, args: &[&str]) -> String {
        let out = Command::new(ozg_bin())
            .args(args)
            .arg("--data-dir")
            .arg(self.server._dir.path().join("data"))
            .env_remove("OZG_DATABASE_URL")
            .output()
            .expect("run the ozg binary");
        assert!(
            out.status.success(),
            "ozg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Like [`Browser::ozg`], with environment variables (e.g. a password).
    pub fn ozg_env(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new(ozg_bin())
            .args(args)
            .arg("--data-dir")
            .arg(self.server._dir.path().join("data"))
            .env_remove("OZG_DATABASE_URL")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .expect("run the ozg binary");
        assert!(
            out.status.success(),
            "ozg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `text` into the form field with the given label.
    pub async fn fill(&self, label: &str, text: &str) {
        let id = self
            .find(Locator::XPath(&format!(
                "//label[normalize-space(.)='{label}']"
            )))
            .await
            .attr("for")
            .await
            .expect("label for")
            .unwrap_or_else(|| panic!("label {label:?} has no for="));
        self.find(Locator::Id(&id))
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {label:?}: {e}"));
    }

    /// Fetches `path` from the server with a plain HTTP GET (no redirects followed).
    pub fn http_get(&self, path: &str) -> Response {
        http_request(&self.server.addr, "GET", path, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the current page; returns the violations,
    /// one readable line each, empty if the page passes.
    pub async fn axe_violations(&self) -> Vec<String> {
        self.axe_violations_with(&["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
            .await
    }

    /// Runs the axe-core rules with any of the given tags (e.g. `wcag2aa`, `best-practice`) on
    /// the current page; returns the violations, one readable line each (starting with the rule
    /// id), empty if the page passes.
    pub async fn axe_violations_with(&self, tags: &[&str]) -> Vec<String> {
        let source = axe_source();
        self.client
            .execute(&source, vec![])
            .await
            .expect("inject axe-core");
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, {
                runOnly: {type: 'tag', values: arguments[0]},
                resultTypes: ['violations'],
            }).then(r => done(r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
                count: v.nodes.length,
            }))), e => done({error: String(e)}));";
        let result = self
            .client
            .execute_async(script, vec![json!(tags)])
            .await
            .expect("run axe-core");
        if let Some(err) = result.get("error") {
            panic!("axe-core failed on {}: {err}", self.path().await);
        }
        let list = result.as_array().expect("axe result is a list");
        list.iter()
            .map(|v| {
                let nodes: Vec<&str> = v["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                format!(
                    "{} ({}): {} — {} element(s), e.g. {}",
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or("?"),
                    v["count"],
                    nodes.join(" | ")
                )
            })
            .collect()
    }

    /// Runs `script` (a function body that may `return` a value; `arguments` are `args`) in the
    /// page and returns its result.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        match self.client.execute(script, args).await {
            Ok(v) => v,
            Err(e) => panic!("script failed on {}: {e}\n{script}", self.path().await),
        }
    }

    /// Presses and releases one key, sent to whatever has the focus (WebDriver actions, as a
    /// keyboard would).
    pub async fn press(&self, key: Key) {
        let key: char = key.into();
        let actions = KeyActions::new("tastatur".to_string())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("press {key:?}: {e}"));
    }

    /// Sends one Chrome DevTools Protocol command through ChromeDriver's `goog/cdp/execute`
    /// endpoint of this session and returns its result.
    ///
    /// This goes around fantoccini (a plain POST to ChromeDriver, same session): its
    /// `issue_cmd` would need a `WebDriverCompatibleCommand`, whose signature names `url::Url`
    /// and `http::Method`, and `url` is no dependency of this crate.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let session = self
            ._driver
            .session
            .as_deref()
            .expect("the WebDriver session is open");
        let body = json!({"cmd": cmd, "params": params}).to_string();
        let response = http_request_with_body(
            &self._driver.addr,
            "POST",
            &format!("/session/{session}/goog/cdp/execute"),
            Some(body.as_bytes()),
            Duration::from_secs(60),
        )
        .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
        let answer: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        assert_eq!(
            response.status,
            200,
            "CDP {cmd} failed: {}",
            String::from_utf8_lossy(&response.body)
        );
        answer.get("value").cloned().unwrap_or(Value::Null)
    }

    /// Makes the layout viewport `width` × `height` CSS pixels (`window.innerWidth` and
    /// `document.documentElement.clientWidth` are `width`, `window.innerHeight` is `height`), as
    /// on a phone of that size, and asserts it.
    ///
    /// What works with headless Chromium (`--headless=new`, checked with Chromium 156): the
    /// window size. The window reports an outer width of at least 500 px, but the page's
    /// viewport follows the requested size down to 320 px and below (and screenshots have that
    /// width). The window's inner height is smaller than its outer height (143 px at the time of
    /// writing), so the size is measured and corrected. Chromium draws classic scrollbars
    /// (15 px) that phones do not have (theirs overlay the page), and they would make the
    /// layout viewport 360 px in a 375-px window; `Emulation.setScrollbarsHidden` (CDP) hides
    /// them for the rest of the session. Should the window size ever not reach the wanted
    /// viewport, `Emulation.setDeviceMetricsOverride` (CDP) sets it directly; it is cleared
    /// first on every call, so that window sizes count again.
    pub async fn set_viewport(&self, width: u32, height: u32) {
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await;
        self.cdp("Emulation.setScrollbarsHidden", json!({"hidden": true}))
            .await;
        let (mut window_w, mut window_h) = (width, height);
        let mut got = (0, 0, 0);
        for _ in 0..3 {
            self.client
                .set_window_size(window_w, window_h)
                .await
                .unwrap_or_else(|e| panic!("set the window size to {window_w}×{window_h}: {e}"));
            got = self.viewport().await;
            if got == (width, height, width) {
                return;
            }
            window_w = (i64::from(window_w) + i64::from(width) - i64::from(got.0)).max(1) as u32;
            window_h = (i64::from(window_h) + i64::from(height) - i64::from(got.1)).max(1) as u32;
        }
        eprintln!(
            "note: a window of {window_w}×{window_h} gives a viewport of {got:?}, not {width}×{height}: \
             using Emulation.setDeviceMetricsOverride"
        );
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 0, "mobile": false}),
        )
        .await;
        let got = self.viewport().await;
        assert_eq!(
            got,
            (width, height, width),
            "the viewport (innerWidth, innerHeight, clientWidth) should be {width}×{height}"
        );
    }

    /// `(window.innerWidth, window.innerHeight, document.documentElement.clientWidth)`.
    async fn viewport(&self) -> (u32, u32, u32) {
        let v = self
            .js(
                "return [window.innerWidth, window.innerHeight, document.documentElement.clientWidth];",
                vec![],
            )
            .await;
        let n = |i: usize| v[i].as_u64().unwrap_or(0) as u32;
        (n(0), n(1), n(2))
    }
}

/// The `ozg` binary the browser tests run: `OZG_BIN` when set, else the one cargo built with
/// the tests. (Worktrees that share one target directory replace each other's builds there,
/// also while tests run; a copy named by `OZG_BIN` stays put.)
fn ozg_bin() -> PathBuf {
    std::env::var_os("OZG_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ozg")), PathBuf::from)
}

fn axe_source() -> String {
    let path = std::env::var("AXE_CORE_JS")
        .expect("AXE_CORE_JS must name axe.min.js (scripts/test.sh installs axe-core and sets it)");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read AXE_CORE_JS={path}: {e}"))
}

// ---------------------------------------------------------------------------------------------

/// The `ozg serve` child process with its own data directory.
struct Server {
    child: Child,
    addr: String,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(port: u16, serve_args: &[String]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data dir");
        let log = dir.path().join("server.log");
        let out = File::create(&log).expect("server log");
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(ozg_bin())
            .arg("serve")
            .args(serve_args)
            .args(["--addr", &addr])
            .args(["--basis-url", &format!("http://{addr}")])
            .arg("--data-dir")
            .arg(&data)
            .env_remove("OZG_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log handle"))
            .stderr(out)
            .spawn()
            .expect("start the ozg binary");
        let mut server = Server {
            child,
            base: format!("http://{addr}"),
            addr,
            log,
            _dir: dir,
        };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("server status") {
                panic!(
                    "ozg serve exited with {status} before it was healthy:\n{}",
                    self.log_text()
                );
            }
            match http_request(&self.addr, "GET", "/health", Duration::from_secs(5)) {
                Ok(r) if r.status == 200 => return,
                _ if Instant::now() > deadline => {
                    panic!(
                        "ozg serve did not answer GET /health with 200 in 60 s:\n{}",
                        self.log_text()
                    )
                }
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    fn log_text(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = text.char_indices().rev().nth(8_000).map_or(0, |(i, _)| i);
        text[start..].to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- ozg serve log (last part) ---\n{}", self.log_text());
        }
    }
}

/// ChromeDriver with one headless Chromium session.
struct Driver {
    child: Child,
    addr: String,
    client: Client,
    session: Option<String>,
    _profile: tempfile::TempDir,
}

impl Driver {
    async fn start(chromedriver: &str, chromium: &str) -> Driver {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromedriver}: {e}"));
        let profile = tempfile::tempdir().expect("browser profile dir");
        // Kill ChromeDriver even if it never answers.
        let mut guard = KillOnDrop(Some(child));

        let deadline = Instant::now() + Duration::from_secs(30);
        while !matches!(http_request(&addr, "GET", "/status", Duration::from_secs(5)), Ok(r) if r.status == 200)
        {
            assert!(
                Instant::now() < deadline,
                "{chromedriver} did not answer on {addr} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-quic",
            "--no-first-run",
            "--disable-sync",
            "--lang=de-DE",
            "--window-size=1280,900",
        ]
        .map(String::from)
        .into_iter()
        .chain([format!("--user-data-dir={}", profile.path().display())]);
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args.collect::<Vec<_>>()},
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://{addr}"))
            .await
            .unwrap_or_else(|e| {
                panic!("cannot start headless Chromium ({chromium}) via {chromedriver}: {e}")
            });
        let timeouts = TimeoutConfiguration::new(
            Some(Duration::from_secs(120)),
            Some(Duration::from_secs(60)),
            Some(Duration::ZERO),
        );
        client
            .update_timeouts(timeouts)
            .await
            .expect("set WebDriver timeouts");
        let session = client.session_id().await.expect("session id");
        let child = guard.0.take().expect("chromedriver child");
        Driver {
            child,
            addr,
            client,
            session,
            _profile: profile,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ending the session makes ChromeDriver close Chromium; killing ChromeDriver alone would
        // leave Chromium running. Blocking is fine here: this also runs while a test panics.
        if let Some(id) = self.session.take() {
            let _ = http_request(
                &self.addr,
                "DELETE",
                &format!("/session/{id}"),
                Duration::from_secs(20),
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct KillOnDrop(Option<Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Path of a required external program: `$var`, else `default`; panics if it does not exist.
fn tool(var: &str, default: &str) -> String {
    let path = std::env::var(var).unwrap_or_else(|_| default.to_string());
    assert!(
        std::path::Path::new(&path).exists(),
        "OZG_E2E is set but {path} does not exist (set {var} or install it; scripts/test.sh does)"
    );
    path
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

// ---------------------------------------------------------------------------------------------

/// A response of [`http_request`].
pub struct Response {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a fresh connection; the response ends by its `Content-Length`,
/// its last chunk, or the connection closing.
fn http_request(addr: &str, method: &str, path: &str, timeout: Duration) -> io::Result<Response> {
    http_request_with_body(addr, method, path, None, timeout)
}

/// [`http_request`] with a JSON body (sent with its `Content-Length`).
fn http_request_with_body(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    timeout: Duration,
) -> io::Result<Response> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n").into_bytes();
    if let Some(body) = body {
        request.extend_from_slice(
            format!(
                "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n",
                body.len()
            )
            .as_bytes(),
        );
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body.unwrap_or_default());
    stream.write_all(&request)?;
    let (mut raw, mut buf) = (Vec::new(), [0; 16 * 1024]);
    loop {
        let n = stream.read(&mut buf)?;
        raw.extend_from_slice(&buf[..n]);
        if let Some(response) = parse_response(&raw, n == 0)? {
            return Ok(response);
        }
    }
}

/// The response in `raw` if it is complete; an error if it cannot become complete.
fn parse_response(raw: &[u8], eof: bool) -> io::Result<Option<Response>> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if eof {
            Err(bad("connection closed before the headers ended"))
        } else {
            Ok(None)
        };
    };
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    let body = &raw[split + 4..];
    let complete = if status == 204 || status == 304 || (100..200).contains(&status) {
        Some(Vec::new())
    } else if response
        .header("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        dechunk(body)
    } else if let Some(len) = response.header("content-length") {
        let len: usize = len.parse().map_err(|_| bad("bad Content-Length"))?;
        (body.len() >= len).then(|| body[..len].to_vec())
    } else {
        eof.then(|| body.to_vec())
    };
    match complete {
        Some(body) => {
            response.body = body;
            Ok(Some(response))
        }
        None if eof => Err(bad("connection closed before the body ended")),
        None => Ok(None),
    }
}

/// Decodes a chunked body; `None` while it is incomplete.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&data[..line_end])
            .ok()?
            .split(';')
            .next()?
            .trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}
