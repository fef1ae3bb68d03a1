//! HTTP integration tests: the real application (router, store, built-in data) against SQLite
//! and PostgreSQL, with one shared test story per behaviour.
//!
//! PostgreSQL: `OZG_TEST_DATABASE_URL` names a server where the tests may create databases
//! (`scripts/test.sh` starts a throwaway cluster). Without it the PostgreSQL variants are skipped,
//! unless `OZG_REQUIRE_POSTGRES` is set (as in CI), where they fail.

use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use ozg::db::{Db, Stmt};
use ozg::web::{AppState, router};
use serde_json::Value;
use tower::ServiceExt;

struct TestApp {
    db: Db,
    app: Router,
    _dir: Option<tempfile::TempDir>,
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("no JSON ({e}): {}", self.text()))
    }
}

impl TestApp {
    async fn get(&self, uri: &str) -> Resp {
        let res = self
            .app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }
    async fn ok(&self, uri: &str) -> Resp {
        let r = self.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "GET {uri}: {}", r.text());
        r
    }
}

async fn seeded(db: Db) -> Db {
    db.migrate().await.unwrap();
    assert!(
        ozg::cli::ensure_seeded(&db).await.unwrap(),
        "first start imports"
    );
    db
}

async fn sqlite() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(
        Db::connect(&dir.path().join("t.db").to_string_lossy())
            .await
            .unwrap(),
    )
    .await;
    TestApp {
        app: router(AppState::new(db.clone()).with_ablage(dir.path().join("anhaenge"))),
        db,
        _dir: Some(dir),
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

async fn postgres() -> Option<TestApp> {
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
        .rows(&format!("DROP DATABASE IF EXISTS {name}"), &[])
        .await
        .unwrap();
    admin
        .0
        .rows(&format!("CREATE DATABASE {name}"), &[])
        .await
        .unwrap();
    admin.0.close().await;
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url);
    let db = seeded(Db::connect(&format!("{base}/{name}")).await.unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    Some(TestApp {
        app: router(AppState::new(db.clone()).with_ablage(dir.path().join("anhaenge"))),
        db,
        _dir: Some(dir),
    })
}

/// Generates `<name>_sqlite` and `<name>_postgres` for a story `async fn name(t: &TestApp)`.
macro_rules! story {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(&super::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(t) = super::postgres().await {
                    super::$name(&t).await;
                }
            }
        }
    };
}

story!(imported_counts);
async fn imported_counts(t: &TestApp) {
    let c = t.ok("/api/v1/themenfelder?pro_seite=100").await.json();
    assert_eq!(c["total"], 14);
    assert_eq!(
        t.ok("/api/v1/ozg-leistungen?pro_seite=1").await.json()["total"],
        557
    );
    assert_eq!(
        t.ok("/api/v1/leika-leistungen?pro_seite=1").await.json()["total"],
        5251
    );
    let gem = t
        .ok("/api/v1/organisationen?art=gemeinde&pro_seite=1")
        .await
        .json()["total"]
        .as_i64()
        .unwrap();
    let kfs = t
        .ok("/api/v1/organisationen?art=kreisfreie-stadt&pro_seite=1")
        .await
        .json()["total"]
        .as_i64()
        .unwrap();
    let kreise = t
        .ok("/api/v1/organisationen?art=kreis&pro_seite=1")
        .await
        .json()["total"]
        .as_i64()
        .unwrap();
    let rb = t
        .ok("/api/v1/organisationen?art=regierungsbezirk&pro_seite=1")
        .await
        .json()["total"]
        .as_i64()
        .unwrap();
    assert_eq!(gem + kfs, 396, "Gemeinden incl. kreisfreie Städte");
    assert_eq!(kfs, 22);
    assert_eq!(kreise, 31);
    assert_eq!(kreise + kfs, 53);
    assert_eq!(rb, 5);
    // A second start imports nothing and duplicates nothing.
    assert!(!ozg::cli::ensure_seeded(&t.db).await.unwrap());
    assert_eq!(
        t.ok("/api/v1/leika-leistungen?pro_seite=1").await.json()["total"],
        5251
    );
}

story!(every_page_type_renders);
async fn every_page_type_renders(t: &TestApp) {
    for (uri, needle) in [
        ("/", "Umsetzungsprojekte"),
        ("/themenfelder", "Familie &#38; Kind"),
        ("/themenfelder/familie-kind", "Kinderbetreuung"),
        (
            "/themenfelder/forschung-foerderung",
            "Leistungen dieses Themenfelds",
        ),
        ("/lagen/kinderbetreuung", "Kindertagesbetreuung"),
        ("/ozg-leistungen", "OZG-Leistungen"),
        ("/ozg-leistungen/10019", "Kindertagesbetreuung"),
        ("/leika-leistungen", "Leistungsschlüssel"),
        ("/organisationen", "Organisationen"),
        ("/organisationen/guetersloh", "05754008"),
        ("/organisationen/kreis-guetersloh", "Gemeinden"),
        (
            "/organisationen/regierungsbezirk-detmold",
            "Kreise und kreisfreie Städte",
        ),
        ("/projekte", "id=\"projekte\""),
        ("/projekte/kinderbetreuung", "Steckbrief"),
        ("/zeitleiste", "<svg"),
        ("/suche?q=Kita", "Treffer"),
        ("/programm", "IT-Lenkungsausschuss"),
        ("/workshops", "Technisches Rathaus Bielefeld"),
        ("/barrierefreiheit", "WCAG 2.1"),
        ("/impressum", "Impressum"),
        ("/datenschutz", "Cookies"),
    ] {
        let r = t.ok(uri).await;
        assert!(r.text().contains(needle), "{uri} should contain {needle}");
        assert!(
            r.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{uri}"
        );
        assert!(
            r.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
    }
}

story!(bad_input_gets_german_messages);
async fn bad_input_gets_german_messages(t: &TestApp) {
    for (uri, param) in [
        ("/projekte?prioritaet=7", "prioritaet"),
        ("/projekte?start_von=Q5+2020", "start_von"),
        ("/projekte?start_von=2021-Q1&start_bis=2020-Q1", "start_bis"),
        ("/projekte?themenfeld=mond", "themenfeld"),
        ("/projekte?sortierung=zufall", "sortierung"),
        ("/projekte?seite=0", "seite"),
        ("/projekte?format=pdf", "format"),
        ("/leika-leistungen?typisierung=9", "typisierung"),
        ("/organisationen?art=firma", "art"),
    ] {
        let r = t.get(uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            r.text().contains(&format!("Parameter „{param}“")),
            "{uri}: {}",
            r.text()
        );
        let api = uri.replace("/projekte", "/api/v1/umsetzungsprojekte");
        if api != uri {
            let r = t.get(&api).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{api}");
            assert_eq!(r.json()["parameter"], param);
        }
    }
    for uri in [
        "/projekte/gibt-es-nicht",
        "/ozg-leistungen/99999",
        "/ozg-leistungen/abc",
        "/leika-leistungen/1",
        "/organisationen/x",
        "/lagen/x",
        "/irgendwo",
        "/umsetzungsprojekte/99999/show",
    ] {
        let r = t.get(uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            r.text().contains("href=\"/\""),
            "404 page offers a way back: {uri}"
        );
    }
    let r = t.get("/api/v1/umsetzungsprojekte/gibt-es-nicht").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.json()["fehler"]
            .as_str()
            .unwrap()
            .contains("gibt es nicht")
    );
}

story!(project_filters_web_and_api);
async fn project_filters_web_and_api(t: &TestApp) {
    let slugs = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["slug"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let all = t
        .ok("/api/v1/umsetzungsprojekte?pro_seite=500")
        .await
        .json();
    let total = all["total"].as_i64().unwrap();
    assert!(total > 90, "{total}");
    let fk = t
        .ok("/api/v1/umsetzungsprojekte?themenfeld=familie-kind&pro_seite=500")
        .await
        .json();
    assert!(slugs(&fk).contains(&"kinderbetreuung".to_owned()));
    assert!(!slugs(&fk).contains(&"wohngeld".to_owned()));
    let web = t.ok("/projekte?themenfeld=familie-kind").await.text();
    assert!(web.contains(&format!("{} Projekte", fk["total"])));

    let pg = t
        .ok("/api/v1/umsetzungsprojekte?partner_gesucht=1&pro_seite=500")
        .await
        .json();
    assert!(
        pg["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["partner_gesucht"] == true)
    );
    assert!(
        slugs(&pg).contains(&"kinderbetreuung".to_owned()),
        "IT-Partner noch offen"
    );
    assert!(!slugs(&pg).contains(&"wohngeld".to_owned()));

    let p1 = t
        .ok("/api/v1/umsetzungsprojekte?prioritaet=1&pro_seite=500")
        .await
        .json();
    assert!(
        p1["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["prioritaet_nrw"] == 1)
    );
    assert!(slugs(&p1).contains(&"kinderbetreuung".to_owned()));

    let q = t
        .ok("/api/v1/umsetzungsprojekte?start_von=2021-Q1&start_bis=Q4+2021&pro_seite=500")
        .await
        .json();
    for i in q["items"].as_array().unwrap() {
        let s = i["projektstart"].as_str().unwrap();
        assert!(s.ends_with("2021"), "{s}");
    }
    assert!(q["total"].as_i64().unwrap() > 0);

    let org = t
        .ok("/api/v1/umsetzungsprojekte?organisation=itk-rheinland&pro_seite=500")
        .await
        .json();
    assert!(slugs(&org).contains(&"wohngeld".to_owned()));
    for p in org["items"].as_array().unwrap() {
        let slug = p["slug"].as_str().unwrap();
        let d = t
            .ok(&format!("/api/v1/umsetzungsprojekte/{slug}"))
            .await
            .json();
        let roles = d["rollen"].as_array().unwrap();
        assert!(
            roles
                .iter()
                .any(|r| r["organisation_slug"] == "itk-rheinland"),
            "{slug}"
        );
    }

    let fach = t
        .ok("/api/v1/umsetzungsprojekte?fachlichkeit=jugendamt&pro_seite=500")
        .await
        .json();
    assert!(
        fach["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["fachlichkeiten"].as_str().unwrap().contains("Jugendamt"))
    );

    let st = t
        .ok("/api/v1/umsetzungsprojekte?status=umsetzung&pro_seite=500")
        .await
        .json();
    assert!(
        st["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "umsetzung")
    );

    let by_name = t
        .ok("/api/v1/umsetzungsprojekte?sortierung=name&pro_seite=500")
        .await
        .json();
    let names: Vec<String> = by_name["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sortierung=name sorts by name");

    // Pagination: two pages of 10 are disjoint and cover the first 20.
    let a = slugs(
        &t.ok("/api/v1/umsetzungsprojekte?pro_seite=10&seite=1")
            .await
            .json(),
    );
    let b = slugs(
        &t.ok("/api/v1/umsetzungsprojekte?pro_seite=10&seite=2")
            .await
            .json(),
    );
    assert_eq!(a.len(), 10);
    assert!(a.iter().all(|s| !b.contains(s)));
    assert_eq!([a, b].concat(), slugs(&all)[..20].to_vec());
}

story!(search_in_german);
async fn search_in_german(t: &TestApp) {
    let r = t.ok("/api/v1/suche?q=Fuehrerschein").await.json();
    let titles = |r: &Value, kind: &str| -> Vec<String> {
        r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["kind"] == kind)
            .flat_map(|g| {
                g["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h["title"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert!(
        titles(&r, "ozg-leistung")
            .iter()
            .any(|t| t.contains("Führerschein")),
        "{r}"
    );
    let r2 = t.ok("/api/v1/suche?q=F%C3%BChrerscheine").await.json();
    assert_eq!(
        r["total"], r2["total"],
        "umlaut and inflection variants find the same"
    );
    let hund = t.ok("/api/v1/suche?q=Hund").await.json();
    let all: Vec<String> = ["projekt", "ozg-leistung", "leika-leistung"]
        .iter()
        .flat_map(|k| titles(&hund, k))
        .collect();
    assert!(all.iter().any(|t| t.contains("Hundehaltung")), "{all:?}");
    assert!(all.iter().any(|t| t.contains("Hundesteuer")), "{all:?}");
    assert!(titles(&hund, "projekt").contains(&"Hundehaltung".to_owned()));
    let org = t.ok("/api/v1/suche?q=Guetersloh").await.json();
    assert!(
        titles(&org, "organisation")
            .iter()
            .any(|t| t == "Gütersloh")
    );
    assert_eq!(
        t.get("/api/v1/suche?q=").await.status,
        StatusCode::BAD_REQUEST
    );
    let page = t.ok("/suche?q=Hund").await.text();
    assert!(
        page.contains("Umsetzungsprojekte")
            && page.contains("OZG-Leistungen")
            && page.contains("LeiKa-Leistungen")
    );
}

story!(exports_of_every_list);
async fn exports_of_every_list(t: &TestApp) {
    for (web, api, header_col) in [
        ("/themenfelder", "/api/v1/themenfelder", "Name"),
        ("/ozg-leistungen", "/api/v1/ozg-leistungen", "OZG-ID"),
        (
            "/leika-leistungen",
            "/api/v1/leika-leistungen",
            "Leistungsschlüssel",
        ),
        ("/organisationen", "/api/v1/organisationen", "AGS"),
        (
            "/projekte?themenfeld=familie-kind",
            "/api/v1/umsetzungsprojekte?themenfeld=familie-kind",
            "Mitarbeit",
        ),
    ] {
        for base in [web, api] {
            let sep = if base.contains('?') { '&' } else { '?' };
            let csv = t.ok(&format!("{base}{sep}format=csv")).await;
            assert!(
                csv.headers[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            let text = csv.text();
            let first = text.lines().next().unwrap();
            assert!(first.contains(header_col), "{base}: {first}");
            assert!(text.lines().count() > 1, "{base}");
            let x = t.ok(&format!("{base}{sep}format=xlsx")).await;
            assert_eq!(&x.body[..2], b"PK", "{base}");
        }
    }
    let csv = t
        .ok("/projekte?themenfeld=familie-kind&format=csv")
        .await
        .text();
    assert!(csv.contains("Kinderbetreuung"));
    assert!(!csv.contains("Wohngeld"));
    let lagen = t.ok("/api/v1/lagen?format=csv&pro_seite=500").await.text();
    assert!(lagen.lines().count() > 50);
}

story!(old_kdn_links_redirect);
async fn old_kdn_links_redirect(t: &TestApp) {
    let r = t.get("/umsetzungsprojekte/18/show").await;
    assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers[header::LOCATION], "/projekte/kinderbetreuung");
    // Every number the plan links redirects to the project that carries it.
    let all = t
        .ok("/api/v1/umsetzungsprojekte?pro_seite=500")
        .await
        .json();
    let mut n = 0;
    for p in all["items"].as_array().unwrap() {
        for k in p["kdn_nr"].as_array().unwrap() {
            let r = t.get(&format!("/umsetzungsprojekte/{k}/show")).await;
            assert_eq!(
                r.headers[header::LOCATION],
                format!("/projekte/{}", p["slug"].as_str().unwrap())
            );
            n += 1;
        }
    }
    assert!(n > 60, "{n} numbers");
}

story!(openapi_matches_responses);
async fn openapi_matches_responses(t: &TestApp) {
    let doc = t.ok("/api/openapi.json").await.json();
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    let samples = [
        ("/api/v1/themenfelder/{id}", "familie-kind"),
        ("/api/v1/lagen/{id}", "kinderbetreuung"),
        ("/api/v1/ozg-leistungen/{id}", "10019"),
        ("/api/v1/organisationen/{id}", "guetersloh"),
        ("/api/v1/umsetzungsprojekte/{id}", "kinderbetreuung"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 13);
    for (path, item) in paths {
        let mut uri = path.clone();
        for (p, v) in samples {
            if p == path {
                uri = path.replace("{id}", v);
            }
        }
        if path == "/api/v1/leika-leistungen/{id}" {
            let first = t.ok("/api/v1/leika-leistungen?pro_seite=1").await.json();
            uri = format!("/api/v1/leika-leistungen/{}", first["items"][0]["id"]);
        }
        if path.ends_with("/suche") {
            uri.push_str("?q=Kita");
        }
        let body = t.ok(&uri).await.json();
        let schema = &item["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        check_schema(&doc, schema, &body, &uri);
    }
}

fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => s,
    }
}

/// Every property of the response is documented, and every required property is present,
/// recursively for objects and arrays.
fn check_schema(doc: &Value, schema: &Value, v: &Value, at: &str) {
    let s = resolve(doc, schema);
    if let Some(all) = s["allOf"].as_array() {
        let mut props = serde_json::Map::new();
        let mut required = Vec::new();
        for part in all {
            let p = resolve(doc, part);
            if let Some(o) = p["properties"].as_object() {
                props.extend(o.clone());
            }
            if let Some(r) = p["required"].as_array() {
                required.extend(r.clone());
            }
        }
        let merged =
            serde_json::json!({"type": "object", "properties": props, "required": required});
        return check_schema(doc, &merged, v, at);
    }
    if let Some(one) = s["oneOf"].as_array() {
        // Option<T>: null or T.
        if v.is_null() {
            return;
        }
        let non_null: Vec<&Value> = one.iter().filter(|x| x["type"] != "null").collect();
        if let [only] = non_null.as_slice() {
            return check_schema(doc, only, v, at);
        }
        return;
    }
    match v {
        Value::Object(o) => {
            if let Some(props) = s["properties"].as_object() {
                for k in o.keys() {
                    assert!(props.contains_key(k), "{at}: property {k} not documented");
                }
                for r in s["required"].as_array().into_iter().flatten() {
                    assert!(
                        o.contains_key(r.as_str().unwrap()),
                        "{at}: required {r} missing"
                    );
                }
                for (k, val) in o {
                    check_schema(doc, &props[k], val, &format!("{at}.{k}"));
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.get("items") {
                for x in a.iter().take(5) {
                    check_schema(doc, items, x, &format!("{at}[]"));
                }
            }
        }
        _ => {}
    }
}

story!(import_is_all_or_nothing);
async fn import_is_all_or_nothing(t: &TestApp) {
    let before =
        t.db.scalar("SELECT COUNT(*) FROM projekt", &[])
            .await
            .unwrap();
    let stmts = vec![
        Stmt {
            sql: "DELETE FROM projekt_kdn_nr".into(),
            args: vec![],
        },
        Stmt {
            sql: "INSERT INTO gibt_es_nicht VALUES (1)".into(),
            args: vec![],
        },
    ];
    assert!(t.db.execute_all(&stmts).await.is_err());
    assert!(
        t.db.scalar("SELECT COUNT(*) FROM projekt_kdn_nr", &[])
            .await
            .unwrap()
            > 0,
        "rolled back"
    );
    assert_eq!(
        t.db.scalar("SELECT COUNT(*) FROM projekt", &[])
            .await
            .unwrap(),
        before
    );
    // A broken data folder imports nothing.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("plan/themenfelder")).unwrap();
    std::fs::write(
        dir.path().join("plan/themenfelder/01-x.toml"),
        "abschnitt = \"2.1\"\nthemenfeld = \"Mond\"\n",
    )
    .unwrap();
    let files = ozg::data_files::from_dir(dir.path()).unwrap();
    let errs = ozg_domain::dataset::Dataset::build(&files).unwrap_err();
    assert!(
        errs.iter()
            .any(|p| p.file == "plan/themenfelder/01-x.toml" && p.line == Some(1))
    );
    assert_eq!(
        t.db.scalar("SELECT COUNT(*) FROM projekt", &[])
            .await
            .unwrap(),
        before
    );
}

story!(plan_content_is_served);
async fn plan_content_is_served(t: &TestApp) {
    // Every project of the plan has a page.
    let all = t
        .ok("/api/v1/umsetzungsprojekte?pro_seite=500")
        .await
        .json();
    for p in all["items"].as_array().unwrap() {
        t.ok(&format!("/projekte/{}", p["slug"].as_str().unwrap()))
            .await;
    }
    let kb = t
        .ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
        .await
        .json();
    assert_eq!(kb["prioritaet_nrw"], 1);
    assert_eq!(kb["prioritaet_bund"], 3);
    assert!(kb["steckbrief"]["variante"].as_array().unwrap().len() >= 2);
    let page = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(page.contains("Variante A") && page.contains("Variante B"));
    assert!(page.contains("noch offen"));
    assert!(page.contains("unsicher (Quelle: OCR)"));
    let sb = t
        .ok("/projekte/schuelerbefoerderung-schulwegticket")
        .await
        .text();
    assert!(sb.contains("10042") && sb.contains("im Dokument: 10024"));
    let ff = t.ok("/themenfelder/forschung-foerderung").await.text();
    assert!(ff.contains("keine Umsetzungsprojekte") || ff.contains("Umsetzungsprojekte (0)"));
}

story!(plan_document_html_and_xlsx);
async fn plan_document_html_and_xlsx(t: &TestApp) {
    let html = t.ok("/umsetzungsplan").await.text();
    let themen = t.ok("/api/v1/themenfelder?pro_seite=100").await.json();
    for tf in themen["items"].as_array().unwrap() {
        let name = tf["name"].as_str().unwrap().replace('&', "&#38;");
        assert!(
            html.contains(&format!("Themenfeld {name}")),
            "heading for {name}"
        );
    }
    let all = t
        .ok("/api/v1/umsetzungsprojekte?pro_seite=500")
        .await
        .json();
    for p in all["items"].as_array().unwrap() {
        assert!(
            html.contains(&format!(
                "href=\"/projekte/{}\"",
                p["slug"].as_str().unwrap()
            )),
            "{}",
            p["slug"]
        );
    }
    for s in [
        "Steckbrief Kinderbetreuung",
        "Variante A",
        "26.11.2019",
        "Technisches Rathaus Bielefeld",
        "4. Nächste Schritte",
    ] {
        assert!(html.contains(s), "{s}");
    }
    // XLSX: one sheet per Themenfeld with one row per project plus the header.
    let x = t.ok("/umsetzungsplan.xlsx").await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(x.body)).unwrap();
    let mut counts = Vec::new();
    for i in 1..=14 {
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name(&format!("xl/worksheets/sheet{i}.xml")).unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(
            xml.contains("<autoFilter") && xml.contains("<pane"),
            "sheet {i}: filter and frozen header"
        );
        counts.push(xml.matches("<row ").count() - 1);
    }
    assert!(zip.by_name("xl/worksheets/sheet15.xml").is_err());
    for (i, tf) in themen["items"].as_array().unwrap().iter().enumerate() {
        let n = t
            .ok(&format!(
                "/api/v1/umsetzungsprojekte?themenfeld={}&pro_seite=1",
                tf["slug"].as_str().unwrap()
            ))
            .await
            .json()["total"]
            .as_u64()
            .unwrap() as usize;
        assert_eq!(counts[i], n, "sheet {} ({})", i + 1, tf["slug"]);
    }
    assert_eq!(counts.iter().sum::<usize>(), 105);
}

/// Text of a PDF by `pdftotext` (poppler-utils, installed by `scripts/test.sh`), whitespace,
/// hyphens and soft hyphens removed so names broken across lines or cells still match.
fn pdf_text(pdf: &[u8]) -> (String, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed: scripts/test.sh installs it");
    assert!(out.status.success(), "pdftotext failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let pages = text.matches('\u{c}').count();
    (squash(&text), pages)
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{ad}' && *c != '-')
        .collect()
}

story!(plan_pdf_has_everything);
async fn plan_pdf_has_everything(t: &TestApp) {
    let r = t.ok("/umsetzungsplan.pdf").await;
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(r.body.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&r.body);
    assert!(raw.contains("/Outlines"), "PDF bookmarks");
    assert!(raw.contains("pdfuaid:part>1<"), "PDF/UA-1 identification");
    assert!(raw.contains("/StructTreeRoot"), "tagged PDF");
    assert!(raw.contains("/FontFile2"), "embedded fonts");
    let (text, pages) = pdf_text(&r.body);
    assert!((18..=60).contains(&pages), "{pages} pages");
    for s in [
        "Inhalt",
        "Einleitung",
        "1. Übersicht der prioritären Umsetzungsprojekte",
        "Projektstarts nach Quartal und Themenfeld",
        "Prioritäten: Kommunen NRW und Bund-Länder-Ebene",
        "4. Nächste Schritte",
        "Seite 2 von",
        "Fußnote 5",
    ] {
        assert!(text.contains(&squash(s)), "{s}");
    }
    let themen = t.ok("/api/v1/themenfelder?pro_seite=100").await.json();
    for tf in themen["items"].as_array().unwrap() {
        let name = tf["name"].as_str().unwrap();
        assert!(
            text.contains(&squash(&format!("Themenfeld {name}"))),
            "heading for {name}"
        );
    }
    let all = t
        .ok("/api/v1/umsetzungsprojekte?pro_seite=500")
        .await
        .json();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 103);
    for p in items {
        let name = p["name"].as_str().unwrap();
        assert!(text.contains(&squash(name)), "project {name}");
    }
    for s in [
        "Schulaufnahme und -wechsel",
        "Schülerbeförderung / Schulwegticket",
        "Reitkennzeichen und -plaketten",
        "Kinderbetreuung",
        "Fundsachen",
    ] {
        assert!(
            text.contains(&squash(&format!("Steckbrief {s}"))),
            "Steckbrief {s}"
        );
    }
    let ws = t.ok("/workshops").await.text();
    let mut dates = 0;
    for d in ws.split("<th scope=\"row\">").skip(1) {
        // The date links to the workshop's page.
        let d = match d.strip_prefix("<a href=\"") {
            Some(x) => &x[x.find("\">").unwrap() + 2..],
            None => d,
        };
        let date = &d[..10];
        assert!(text.contains(&squash(date)), "workshop {date}");
        dates += 1;
    }
    assert_eq!(dates, 11);
}

story!(plan_options_snapshots_and_changes);
async fn plan_options_snapshots_and_changes(t: &TestApp) {
    // Bad options: a clear message, nothing rendered.
    for (uri, status, needle) in [
        (
            "/umsetzungsplan.pdf?themenfeld=gibtsnicht",
            StatusCode::BAD_REQUEST,
            "unbekanntes Themenfeld „gibtsnicht“",
        ),
        (
            "/umsetzungsplan?stand=2019-01-01",
            StatusCode::BAD_REQUEST,
            "für den 01.01.2019 liegt kein Stand vor",
        ),
        (
            "/umsetzungsplan.xlsx?seit=2019-02-30",
            StatusCode::BAD_REQUEST,
            "„2019-02-30“ ist kein Stand",
        ),
        (
            "/umsetzungsplan?seit=99",
            StatusCode::BAD_REQUEST,
            "einen Stand 99 gibt es nicht",
        ),
        (
            "/umsetzungsplan?format=pdf",
            StatusCode::BAD_REQUEST,
            "unbekannter Parameter",
        ),
        (
            "/umsetzungsplan.pdf?variante=mitglieder",
            StatusCode::FORBIDDEN,
            "nur für angemeldete Mitglieder",
        ),
    ] {
        let r = t.get(uri).await;
        assert_eq!(r.status, status, "{uri}");
        assert!(r.text().contains(needle), "{uri}: {}", r.text());
    }

    // Only some Themenfelder.
    let html = t
        .ok("/umsetzungsplan?themenfeld=familie-kind&themenfeld=bildung")
        .await
        .text();
    assert!(html.contains("Themenfeld Familie &#38; Kind"));
    assert!(html.contains("Themenfeld Bildung"));
    assert!(!html.contains("Themenfeld Umwelt"));
    assert!(html.contains("Steckbrief Kinderbetreuung"));
    assert!(!html.contains("Steckbrief Fundsachen"));
    let pdf = t.ok("/umsetzungsplan.pdf?themenfeld=familie-kind").await;
    let (text, _) = pdf_text(&pdf.body);
    assert!(text.contains(&squash("Themenfeld Familie & Kind")));
    assert!(!text.contains(&squash("Themenfeld Umwelt")));

    // The import froze the plan as Stand 1; change the data, then report against it.
    let staende = t.ok("/umsetzungsplan/staende").await.text();
    assert!(staende.contains("Datenimport"), "{staende}");
    t.db.execute_all(&[
        Stmt {
            sql: "UPDATE projekt SET name = $1, prioritaet_bund = $2 WHERE slug = $3".into(),
            args: vec![
                "Kinderbetreuung (Testname 4711)".into(),
                2i64.into(),
                "kinderbetreuung".into(),
            ],
        },
        Stmt {
            sql: "UPDATE meta SET value = $1 WHERE key = 'datenstand'".into(),
            args: vec!["test-aenderung".into()],
        },
    ])
    .await
    .unwrap();
    let html = t.ok("/umsetzungsplan?seit=1").await.text();
    assert!(
        html.contains("Änderungen seit Stand 1 „Datenimport“"),
        "{html}"
    );
    let section =
        &html[html.find("id=\"aenderungen\"").unwrap()..html.find("id=\"einleitung\"").unwrap()];
    assert!(
        section.contains("Geänderte Umsetzungsprojekte (1)"),
        "{section}"
    );
    assert!(
        section.contains(
            "<td>Name</td><td>Kinderbetreuung</td><td>Kinderbetreuung (Testname 4711)</td>"
        ),
        "{section}"
    );
    assert!(
        section.contains("<td>Priorität Bund-Länder</td><td>3</td><td>2</td>"),
        "{section}"
    );
    assert!(!section.contains("Neue Umsetzungsprojekte"));
    // Stand 1 still shows the old name; the live plan the new one.
    let alt = t.ok("/umsetzungsplan?stand=1").await.text();
    assert!(alt.contains("Wiedergabe des gespeicherten Stand 1"));
    assert!(!alt.contains("Testname 4711"));
    assert!(
        t.ok("/umsetzungsplan")
            .await
            .text()
            .contains("Kinderbetreuung (Testname 4711)")
    );
    let pdf = t.ok("/umsetzungsplan.pdf?seit=1").await;
    let (text, _) = pdf_text(&pdf.body);
    assert!(text.contains(&squash("Änderungen seit Stand 1")));
    assert!(text.contains(&squash("Kinderbetreuung (Testname 4711)")));
    // A date today or later is the live data.
    let heute = time::OffsetDateTime::now_utc().date();
    let heute = format!(
        "{:04}-{:02}-{:02}",
        heute.year(),
        u8::from(heute.month()),
        heute.day()
    );
    assert!(
        t.ok(&format!("/umsetzungsplan?stand={heute}"))
            .await
            .text()
            .contains("Testname 4711")
    );
}

story!(plan_chart_data_matches_golden);
async fn plan_chart_data_matches_golden(t: &TestApp) {
    use ozg::programme::plan_report::{PlanReport, ReportOptions};
    let state = AppState::new(t.db.clone());
    let model = state.model().await.unwrap();
    let r = PlanReport::build(&t.db, &model, &ReportOptions::default())
        .await
        .unwrap();
    let got = serde_json::to_string_pretty(&serde_json::json!({
        "zeitleiste": r.zeitleiste,
        "prioritaeten": r.prioritaeten,
    }))
    .unwrap()
        + "\n";
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/plan_charts.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).expect("golden file (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(
        got, want,
        "chart data changed; review and rerun with UPDATE_GOLDEN=1"
    );
}

// --- Members' area -------------------------------------------------------------------------

impl TestApp {
    async fn send(
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
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }
    /// A multipart/form-data POST (file upload) with text fields and one file field "datei".
    async fn upload(
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
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }
    async fn post(&self, uri: &str, cookies: &str, form: &[(&str, &str)]) -> Resp {
        self.send("POST", uri, cookies, form, None).await
    }
    async fn get_with(&self, uri: &str, cookies: &str) -> Resp {
        self.send("GET", uri, cookies, &[], None).await
    }
    async fn scalar(&self, sql: &str) -> i64 {
        self.db.scalar(sql, &[]).await.unwrap()
    }
    async fn audit_count(&self) -> i64 {
        self.db
            .scalar("SELECT COUNT(*) FROM audit", &[])
            .await
            .unwrap()
    }
}

impl Resp {
    fn set_cookie(&self, name: &str) -> Option<String> {
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
    fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
    fn hidden_csrf(&self) -> String {
        let t = self.text();
        let i = t.find("name=\"_csrf\" value=\"").expect("form with _csrf") + 20;
        t[i..i + 64].to_owned()
    }
}

const CSRF: &str = "__Host-ozg_csrf";
const SITZUNG: &str = "__Host-ozg_sitzung";
const PW: &str = "Rathaus-Kita-2026!";

/// Invites `name` with `rolle`, accepts the invitation and logs in; returns the session cookie
/// header and its CSRF token.
async fn login_as(t: &TestApp, name: &str, rolle: &str, themenfelder: &str) -> (String, String) {
    login_in_org(t, name, rolle, themenfelder, "").await
}

/// The value of the form field `name` in a page (e.g. the version a form was loaded with).
fn form_value(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html
        .find(&key)
        .unwrap_or_else(|| panic!("no field {name}: {html}"))
        + key.len();
    html[i..].split('"').next().unwrap().to_owned()
}

/// Invites, sets up and logs in an account of `organisation` (slug; empty: none).
async fn login_in_org(
    t: &TestApp,
    name: &str,
    rolle: &str,
    themenfelder: &str,
    organisation: &str,
) -> (String, String) {
    use ozg::members::accounts;
    let token = accounts::einladen(
        &t.db,
        &accounts::NeuesKonto {
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
    .unwrap()
    .unwrap();
    accounts::einladung_annehmen(&t.db, &token, PW, PW)
        .await
        .unwrap()
        .unwrap();
    let s = accounts::anmelden(&t.db, name, PW, "test")
        .await
        .unwrap()
        .unwrap();
    let cookie = format!("{SITZUNG}={}", s.token);
    let csrf = accounts::sitzung(&t.db, &s.token)
        .await
        .unwrap()
        .unwrap()
        .csrf;
    (cookie, csrf)
}

story!(members_invitation_login_session_csrf);
async fn members_invitation_login_session_csrf(t: &TestApp) {
    use ozg::members::accounts;
    let start = t.audit_count().await;
    // Bad invitation input names every field and creates nothing.
    let bad = accounts::einladen(
        &t.db,
        &accounts::NeuesKonto {
            benutzername: "A b".into(),
            email: "keine-mail".into(),
            rolle: "chef".into(),
            themenfelder: "gibtsnicht".into(),
            ..Default::default()
        },
        "test",
    )
    .await
    .unwrap()
    .unwrap_err();
    let felder: Vec<&str> = bad.iter().map(|f| f.0).collect();
    for f in ["benutzername", "name", "email", "rolle", "themenfelder"] {
        assert!(felder.contains(&f), "{f}: {bad:?}");
    }
    assert_eq!(
        t.db.scalar("SELECT COUNT(*) FROM konto", &[])
            .await
            .unwrap(),
        0
    );
    assert_eq!(t.audit_count().await, start);

    let token = accounts::einladen(
        &t.db,
        &accounts::NeuesKonto {
            benutzername: "koordination".into(),
            name: "Koordinierungsstelle".into(),
            email: "ks@kdn.de".into(),
            rolle: "koordinierungsstelle".into(),
            ..Default::default()
        },
        "shell",
    )
    .await
    .unwrap()
    .unwrap();
    // The invitation page sets the pre-login CSRF cookie.
    let page = t.ok(&format!("/einladung/{token}")).await;
    let csrf = page.set_cookie(CSRF).expect("csrf cookie");
    assert_eq!(page.hidden_csrf(), csrf);
    let cookie = format!("{CSRF}={csrf}");
    let url = format!("/einladung/{token}");
    // Without the token: refused, nothing changes.
    let r = t
        .post(&url, &cookie, &[("passwort", PW), ("wiederholung", PW)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("Cross-Site-Request-Forgery"));
    // Weak password: the message next to the field.
    let r = t
        .post(
            &url,
            &cookie,
            &[
                ("_csrf", &csrf),
                ("passwort", "kurz"),
                ("wiederholung", "kurz"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("mindestens 12 Zeichen"), "{}", r.text());
    assert!(r.text().contains("aria-invalid=\"true\""));
    let r = t
        .post(
            &url,
            &cookie,
            &[("_csrf", &csrf), ("passwort", PW), ("wiederholung", PW)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // Used once only.
    let r = t.get(&url).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("schon verwendet"));
    let hash =
        t.db.scalar_text(
            "SELECT passwort_hash FROM konto WHERE benutzername = 'koordination'",
            &[],
        )
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "argon2id: {hash}");

    // Login: wrong password, then right; the session cookie is secure.
    let r = t
        .post(
            "/anmelden",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("benutzername", "koordination"),
                ("passwort", "falsch-falsch"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("Benutzername oder Passwort ist falsch"));
    let r = t
        .post(
            "/anmelden",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("benutzername", "koordination"),
                ("passwort", PW),
                ("weiter", "https://boese.example/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/konto", "no open redirect");
    let raw = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(SITZUNG))
        .unwrap();
    for attr in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(raw.contains(attr), "{attr} in {raw}");
    }
    let session = format!("{SITZUNG}={}", r.set_cookie(SITZUNG).unwrap());
    let konto = t.get_with("/konto", &session).await;
    assert_eq!(konto.status, StatusCode::OK);
    assert!(konto.text().contains("Koordinierungsstelle"));
    let scsrf = konto.hidden_csrf();
    assert_ne!(scsrf, csrf, "the session has its own CSRF token");
    // The pre-login token does not work for the session.
    let r = t
        .post(
            "/umsetzungsplan/staende",
            &session,
            &[("_csrf", &csrf), ("name", "X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A foreign Origin is refused even with the right token.
    let r = t
        .send(
            "POST",
            "/umsetzungsplan/staende",
            &session,
            &[("_csrf", &scsrf), ("name", "X")],
            Some("https://boese.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.db.scalar("SELECT COUNT(*) FROM plan_stand WHERE name = 'X'", &[])
            .await
            .unwrap(),
        0
    );
    // Freeze a Stand: one audit entry.
    let before = t.audit_count().await;
    let r = t
        .send(
            "POST",
            "/umsetzungsplan/staende",
            &session,
            &[("_csrf", &scsrf), ("name", "Vor der Sitzung")],
            Some("http://ozg.test"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, before + 1);
    assert!(
        t.ok("/umsetzungsplan/staende")
            .await
            .text()
            .contains("Vor der Sitzung")
    );
    let log = t
        .get_with("/verwaltung/protokoll?suche=stand", &session)
        .await;
    assert!(log.text().contains("stand-angelegt") && log.text().contains("Vor der Sitzung"));
    // The members' variant is open to members.
    let pdf = t
        .get_with("/umsetzungsplan.pdf?variante=mitglieder", &session)
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    let (text, _) = pdf_text(&pdf.body);
    assert!(text.contains(&squash("Fassung für Mitglieder")));
    assert!(text.contains(&squash("Interne Angaben")));
    // Password change: field errors, then success; one audit entry.
    let r = t
        .post(
            "/konto/passwort",
            &session,
            &[
                ("_csrf", &scsrf),
                ("alt", "falsch"),
                ("neu", PW),
                ("wiederholung", PW),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("bisherige Passwort ist falsch"));
    let before = t.audit_count().await;
    let neu = "Kreishaus-Portal-2027?";
    let r = t
        .post(
            "/konto/passwort",
            &session,
            &[
                ("_csrf", &scsrf),
                ("alt", PW),
                ("neu", neu),
                ("wiederholung", neu),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(t.audit_count().await, before + 1);
    // Logout ends the session.
    let r = t.post("/abmelden", &session, &[("_csrf", &scsrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t.get_with("/konto", &session).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/anmelden"));

    // Idle expiry: a session unused for longer than 30 minutes is gone.
    let s = accounts::anmelden(&t.db, "koordination", neu, "test")
        .await
        .unwrap()
        .unwrap();
    let c = format!("{SITZUNG}={}", s.token);
    assert_eq!(t.get_with("/konto", &c).await.status, StatusCode::OK);
    t.db.execute_all(&[Stmt {
        sql: "UPDATE sitzung SET zuletzt = zuletzt - 1801, erstellt = erstellt - 1801".into(),
        args: vec![],
    }])
    .await
    .unwrap();
    assert_eq!(t.get_with("/konto", &c).await.status, StatusCode::SEE_OTHER);
    // Absolute expiry after 12 hours even when active.
    let s = accounts::anmelden(&t.db, "koordination", neu, "test")
        .await
        .unwrap()
        .unwrap();
    let c = format!("{SITZUNG}={}", s.token);
    t.db.execute_all(&[Stmt {
        sql: "UPDATE sitzung SET erstellt = erstellt - 43201".into(),
        args: vec![],
    }])
    .await
    .unwrap();
    assert_eq!(t.get_with("/konto", &c).await.status, StatusCode::SEE_OTHER);

    // Throttling: after five failures the right password is refused too, with a clear message.
    for _ in 0..5 {
        let r = t
            .post(
                "/anmelden",
                &cookie,
                &[
                    ("_csrf", &csrf),
                    ("benutzername", "koordination"),
                    ("passwort", "falsch-falsch"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = t
        .post(
            "/anmelden",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("benutzername", "koordination"),
                ("passwort", neu),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.text().contains("Zu viele fehlgeschlagene Anmeldungen"),
        "{}",
        r.text()
    );
    // Unknown names get the same answer as wrong passwords.
    let r = t
        .post(
            "/anmelden",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("benutzername", "niemand"),
                ("passwort", "x"),
            ],
        )
        .await;
    assert!(r.text().contains("Benutzername oder Passwort ist falsch"));
    // Every successful write left exactly one audit entry: invitation, acceptance, Stand,
    // password change.
    assert_eq!(t.audit_count().await, start + 4);
}

/// POST routes registered anywhere in the application source.
fn registered_post_routes() -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let s = std::fs::read_to_string(&p).unwrap();
                for (i, _) in s.match_indices(".route(") {
                    // The call up to its closing parenthesis.
                    let mut depth = 0;
                    let mut end = i;
                    for (j, c) in s[i + 6..].char_indices() {
                        match c {
                            '(' => depth += 1,
                            ')' => {
                                depth -= 1;
                                if depth == 0 {
                                    end = i + 6 + j;
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    let call = &s[i..end];
                    if call.contains("post(") {
                        let path = call.split('"').nth(1).unwrap().to_owned();
                        out.insert(path);
                    }
                }
            }
        }
    }
    out
}

story!(authorisation_matrix);
async fn authorisation_matrix(t: &TestApp) {
    use ozg::members::web::SCHREIBENDE_ROUTEN;
    use ozg_domain::access::{Nutzer, Rolle, darf};
    let table: std::collections::BTreeSet<String> = SCHREIBENDE_ROUTEN
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    assert_eq!(
        registered_post_routes(),
        table,
        "every POST route needs an entry in members::web::SCHREIBENDE_ROUTEN"
    );
    let tf =
        t.db.scalar("SELECT id FROM themenfeld WHERE slug = 'familie-kind'", &[])
            .await
            .unwrap();
    let mut who: Vec<(String, Option<Nutzer>, String, String)> = Vec::new();
    for (i, rolle) in Rolle::ALL.into_iter().enumerate() {
        let tfs = if rolle == Rolle::ThemenfeldKoordinator {
            "familie-kind"
        } else {
            ""
        };
        let (cookie, csrf) = login_as(t, &format!("rolle{i}"), rolle.key(), tfs).await;
        let themenfelder = if tfs.is_empty() { vec![] } else { vec![tf] };
        who.push((
            rolle.key().to_owned(),
            Some(Nutzer {
                rolle,
                themenfelder,
            }),
            cookie,
            csrf,
        ));
    }
    // The public: only the pre-login CSRF cookie.
    let page = t.ok("/anmelden").await;
    let pc = page.set_cookie(CSRF).unwrap();
    who.push(("öffentlich".into(), None, format!("{CSRF}={pc}"), pc));

    let mut problems = Vec::new();
    // Logging out ends the sessions the other rows need: last.
    let mut routes = SCHREIBENDE_ROUTEN.to_vec();
    routes.sort_by_key(|(p, _)| *p == "/abmelden");
    for (route, aktion) in routes {
        let uri = route
            .replace("{id}", "999999")
            .replace("{token}", "ungueltig")
            .replace("{slug}", "kinderbetreuung");
        for (name, nutzer, cookie, csrf) in &who {
            let before = t.audit_count().await;
            let r = t.post(&uri, cookie, &[("_csrf", csrf)]).await;
            // Routes on a project decide by its Themenfeld (Kinderbetreuung: Familie & Kind).
            let allowed = aktion.is_none_or(|a| darf(nutzer.as_ref(), a, Some(tf)));
            let denied = r.status == StatusCode::FORBIDDEN;
            if allowed == denied {
                problems.push(format!(
                    "{name} POST {uri}: {} (expected {})",
                    r.status,
                    if allowed { "allow" } else { "deny" }
                ));
            }
            if t.audit_count().await != before {
                problems.push(format!("{name} POST {uri}: an empty form changed data"));
            }
            // Without the CSRF token every route refuses.
            let r = t.post(&uri, cookie, &[]).await;
            if r.status != StatusCode::FORBIDDEN {
                problems.push(format!("{name} POST {uri} without _csrf: {}", r.status));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

story!(project_editing_history_and_concurrency);
async fn project_editing_history_and_concurrency(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let (bi, bi_csrf) = login_as(t, "bildung", "themenfeld-koordinator", "bildung").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &tk).await;
    assert_eq!(form.status, StatusCode::OK);
    let version = |r: &Resp| form_value(&r.text(), "version");
    let v0 = version(&form);
    // The coordinator of another Themenfeld may not.
    assert_eq!(t.get_with(url, &bi).await.status, StatusCode::FORBIDDEN);
    let r = t
        .post(
            url,
            &bi,
            &[("_csrf", &bi_csrf), ("name", "X"), ("version", &v0)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad input: every field named, what was typed kept, nothing changed.
    let before = t.audit_count().await;
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("name", "Kinderbetreuung"),
                ("projektstart", "Q5 2020"),
                ("prioritaet_nrw", "7"),
                ("version", &v0),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    assert!(
        text.contains("id=\"b-start-fehler\">„Q5 2020“ ist kein Projektstart"),
        "{text}"
    );
    assert!(text.contains("value=\"Q5 2020\""), "typed value kept");
    assert!(text.contains("„7“ ist keine Priorität"));
    assert_eq!(t.audit_count().await, before);
    // Save: one audit entry with before → after, the read model and search see it.
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("name", "Kinderbetreuung online"),
                ("projektstart", "Q2 2021"),
                ("prioritaet_nrw", "1"),
                ("prioritaet_bund", "3"),
                ("zielportal", "kommunales-landesportal"),
                ("anmerkung", "Pilot in Gütersloh"),
                ("version", &v0),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, before + 1);
    let p = t
        .ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
        .await
        .json();
    assert_eq!(p["name"], "Kinderbetreuung online");
    assert_eq!(p["projektstart"], "Q2 2021");
    let hits = t
        .ok("/api/v1/suche?q=Kinderbetreuung%20online")
        .await
        .text();
    assert!(hits.contains("Kinderbetreuung online"), "{hits}");
    let hist = t
        .get_with("/projekte/kinderbetreuung/historie", &ks)
        .await
        .text();
    assert!(
        hist.contains("Kinderbetreuung online")
            && hist.contains("Q1 2020")
            && hist.contains("Q2 2021"),
        "{hist}"
    );
    assert!(hist.contains("familie"), "who changed it");
    // A second editor still holding the old form is refused and sees what changed meanwhile.
    let before = t.audit_count().await;
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kita-Portal"),
                ("projektstart", "Q1 2020"),
                ("version", &v0),
                ("protokoll_stand", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let text = r.text();
    assert!(text.contains("Während Sie bearbeitet haben"));
    assert!(
        text.contains("„Kinderbetreuung“ → „Kinderbetreuung online“"),
        "{text}"
    );
    assert!(
        text.contains("value=\"Kita-Portal\""),
        "what was typed is kept"
    );
    assert_eq!(t.audit_count().await, before);
    assert_eq!(
        t.ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
            .await
            .json()["name"],
        "Kinderbetreuung online"
    );
    // Saving again from the conflict page (now based on the current version) wins deliberately.
    let v1 = version(&r);
    assert_ne!(v1, v0);
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kita-Portal"),
                ("projektstart", "Q2 2021"),
                ("prioritaet_nrw", "1"),
                ("prioritaet_bund", "3"),
                ("zielportal", "kommunales-landesportal"),
                ("anmerkung", "Pilot in Gütersloh"),
                ("version", &v1),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.audit_count().await, before + 1);
    // The change report against the import names the edit.
    let html = t.ok("/umsetzungsplan?seit=1").await.text();
    assert!(
        html.contains("<td>Name</td><td>Kinderbetreuung</td><td>Kita-Portal</td>"),
        "{html}"
    );
}

story!(priority_reconciliation);
async fn priority_reconciliation(t: &TestApp) {
    let page = t.ok("/prioritaeten").await.text();
    for s in [
        "Kinderbetreuung",
        "Reitkennzeichen und -plaketten",
        "Fußnote 5",
        "in Klärung mit der Bund-Länder-Ebene",
        "(laut Umsetzungsplan)",
    ] {
        assert!(page.contains(s), "{s}");
    }
    assert!(
        !page.contains("<form class=\"formular\""),
        "the public sees no form"
    );
    let (ks, csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    assert!(
        t.get_with("/prioritaeten", &ks)
            .await
            .text()
            .contains("Stand der Abstimmung zu Kinderbetreuung erfassen")
    );
    let before = t.audit_count().await;
    for (slug, status, needle) in [
        (
            "kinderbetreuung",
            "erledigt",
            "ist kein Stand der Abstimmung",
        ),
        (
            "wohngeld",
            "offen",
            "kein Projekt mit abweichender Priorität",
        ),
    ] {
        let r = t
            .post(
                &format!("/prioritaeten/{slug}"),
                &ks,
                &[("_csrf", &csrf), ("status", status), ("notiz", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{slug}");
        assert!(r.text().contains(needle), "{}", r.text());
    }
    assert_eq!(t.audit_count().await, before);
    let r = t
        .post(
            "/prioritaeten/kinderbetreuung",
            &ks,
            &[
                ("_csrf", &csrf),
                ("status", "nrw-gilt"),
                ("notiz", "Mit MKFFI und Federführung abgestimmt."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, before + 1);
    let page = t.ok("/prioritaeten").await.text();
    assert!(page.contains("geklärt: NRW-Priorität gilt für die Kommunen"));
    assert!(page.contains("Mit MKFFI und Federführung abgestimmt."));
    assert!(page.contains("erfasst von koordination"));
}

story!(partner_sourcing_and_verteiler);
async fn partner_sourcing_and_verteiler(t: &TestApp) {
    // The public list: projects with an open Kommunal- or IT-Partner, with filters.
    let liste = t.ok("/partner-gesucht").await.text();
    assert!(
        liste.contains("/projekte/kinderbetreuung#mitwirken"),
        "{liste}"
    );
    assert!(liste.contains("/projekte/fundsachen#mitwirken"));
    let familie = t
        .ok("/partner-gesucht?themenfeld=familie-kind")
        .await
        .text();
    assert!(familie.contains("kinderbetreuung") && !familie.contains("/projekte/fundsachen"));
    let r = t.get("/partner-gesucht?gesucht=chef").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("gesucht"), "{}", r.text());
    assert!(
        !t.ok("/partner-gesucht?gesucht=mitarbeit")
            .await
            .text()
            .contains("/projekte/kinderbetreuung#")
    );

    let (bonn, bonn_csrf) = login_in_org(t, "mitglied-bonn", "mitglied", "", "bonn").await;
    let (muenster, muenster_csrf) =
        login_in_org(t, "mitglied-muenster", "mitglied", "", "muenster").await;
    let (ohne, ohne_csrf) = login_as(t, "mitglied-ohne", "mitglied", "").await;
    let (tk, tk_csrf) =
        login_as(t, "familie-koord", "themenfeld-koordinator", "familie-kind").await;
    let url = "/projekte/kinderbetreuung/beteiligung";
    let seite = "/projekte/kinderbetreuung";

    // Bad input names the field and changes nothing.
    let vorher = t.audit_count().await;
    for (cookie, csrf, form, feld, text) in [
        (
            &bonn,
            &bonn_csrf,
            vec![],
            "Feld art",
            "Mitarbeit oder Interesse",
        ),
        (
            &bonn,
            &bonn_csrf,
            vec![("art", "chef")],
            "Feld art",
            "mitarbeit, interesse",
        ),
        (
            &ohne,
            &ohne_csrf,
            vec![("art", "mitarbeit")],
            "Feld organisation",
            "keine Organisation",
        ),
    ] {
        let mut f = vec![("_csrf", csrf.as_str())];
        f.extend(form);
        let r = t.post(url, cookie, &f).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert!(
            r.text().contains(feld) && r.text().contains(text),
            "{}",
            r.text()
        );
    }
    assert_eq!(t.audit_count().await, vorher);

    // Bonn offers Mitarbeit: members see it at once, the public after the confirmation.
    let r = t
        .post(url, &bonn, &[("_csrf", &bonn_csrf), ("art", "mitarbeit")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, vorher + 1);
    let r = t
        .post(url, &bonn, &[("_csrf", &bonn_csrf), ("art", "mitarbeit")])
        .await;
    assert!(
        r.text().contains("bereits"),
        "a second identical registration is refused"
    );
    let mitglied_sicht = t.get_with(seite, &bonn).await.text();
    assert!(mitglied_sicht.contains("Bestätigung durch die Koordination ausstehend"));
    assert!(mitglied_sicht.contains("Meldung zurückziehen"));
    assert!(
        !t.ok(seite)
            .await
            .text()
            .contains("href=\"/organisationen/bonn\"")
    );
    // A Mitglied cannot confirm; the coordinator can, once.
    let bestaetigen = "/projekte/kinderbetreuung/beteiligung/bestaetigen";
    let r = t
        .post(
            bestaetigen,
            &muenster,
            &[("_csrf", &muenster_csrf), ("organisation", "bonn")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post(
            bestaetigen,
            &tk,
            &[("_csrf", &tk_csrf), ("organisation", "bonn")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post(
            bestaetigen,
            &tk,
            &[("_csrf", &tk_csrf), ("organisation", "bonn")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("keine offene Mitarbeit"), "{}", r.text());
    let oeffentlich = t.ok(seite).await.text();
    assert!(
        oeffentlich.contains(
            "href=\"/organisationen/bonn\">Bonn</a></td><td>Mitarbeit</td><td>Mitarbeit bestätigt"
        ),
        "{oeffentlich}"
    );

    // Münster registers Interesse (public at once) and withdraws it.
    let r = t
        .post(
            url,
            &muenster,
            &[("_csrf", &muenster_csrf), ("art", "interesse")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        t.ok(seite)
            .await
            .text()
            .contains("Münster</a></td><td>Interesse an Mitarbeit")
    );
    let zurueck = "/projekte/kinderbetreuung/beteiligung/zurueckziehen";
    assert_eq!(
        t.post(zurueck, &muenster, &[("_csrf", &muenster_csrf)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(!t.ok(seite).await.text().contains("Münster</a></td>"));
    let n = t.audit_count().await;
    let r = t
        .post(zurueck, &muenster, &[("_csrf", &muenster_csrf)])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Feld beteiligung"), "{}", r.text());
    assert_eq!(t.audit_count().await, n);

    // The call for more Mitarbeit.
    let suche = "/projekte/kinderbetreuung/partnersuche";
    let r = t
        .post(
            suche,
            &tk,
            &[("_csrf", &tk_csrf), ("aktiv", "ja"), ("hinweis", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("id=\"ps-hinweis-fehler\""),
        "{}",
        r.text()
    );
    let r = t
        .post(
            suche,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("aktiv", "ja"),
                ("hinweis", "Zwei Kreise für die Pilotierung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let gesucht = t.ok("/partner-gesucht?gesucht=mitarbeit").await.text();
    assert!(
        gesucht.contains("/projekte/kinderbetreuung#mitwirken")
            && gesucht.contains("Zwei Kreise für die Pilotierung"),
        "{gesucht}"
    );
    assert_eq!(n + 1, t.audit_count().await);

    // The Verteiler: plan roles and registrations, contacts from the accounts; coordinators only.
    let r = t
        .get_with("/projekte/kinderbetreuung/verteiler.csv", &tk)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text();
    assert!(
        csv.starts_with("\u{feff}Organisation;Beteiligung;Stand;Ansprechperson;E-Mail"),
        "{csv}"
    );
    assert!(
        csv.contains(
            "Bonn;Mitarbeit;Mitarbeit bestätigt;Person mitglied-bonn;mitglied-bonn@beispiel.de"
        ),
        "{csv}"
    );
    assert!(
        csv.contains("Schalksmühle;Interesse an Mitarbeit;laut Umsetzungsplan;;"),
        "{csv}"
    );
    assert!(!csv.contains("Münster"), "withdrawn: {csv}");
    for (who, cookie) in [("Mitglied", &bonn), ("öffentlich", &String::new())] {
        let r = t
            .get_with("/projekte/kinderbetreuung/verteiler.csv", cookie)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // Without a configured SMTP server the invitation says so and sends nothing.
    let n = t.audit_count().await;
    let r = t
        .post(
            "/projekte/kinderbetreuung/vortreffen",
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2099-03-15"),
                ("uhrzeit", "10:00"),
                ("ort", "Rathaus"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().contains("nicht eingerichtet"));
    assert_eq!(t.audit_count().await, n);
}

/// A real SMTP server (Debian's aiosmtpd) that stores what arrives in a Maildir.
struct Smtpd {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Smtpd {
    fn start() -> Option<Smtpd> {
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
    fn received(&self) -> Vec<(String, String, String, String)> {
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

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

story!(invitation_mail_through_smtp);
async fn invitation_mail_through_smtp(t: &TestApp) {
    let Some(smtpd) = Smtpd::start() else { return };
    let app = TestApp {
        db: t.db.clone(),
        app: router(AppState::new(t.db.clone()).with_mail(
            Some(ozg::mail::SmtpConfig {
                url: format!("smtp://127.0.0.1:{}", smtpd.port),
                absender: "OZG-Koordinierungsstelle <ozg@kdn.example>".into(),
            }),
            "https://ozg.example.org/",
        )),
        _dir: None,
    };
    let (bonn, bonn_csrf) = login_in_org(&app, "m-bonn", "mitglied", "", "bonn").await;
    let (soest, soest_csrf) = login_in_org(&app, "m-soest", "mitglied", "", "soest").await;
    let (tk, tk_csrf) = login_as(&app, "koord", "themenfeld-koordinator", "familie-kind").await;
    let r = app
        .post(
            "/projekte/kinderbetreuung/beteiligung",
            &bonn,
            &[("_csrf", &bonn_csrf), ("art", "interesse")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Soest is in the plan's Mitarbeit; its account makes it reachable.
    let _ = (soest, soest_csrf);
    let url = "/projekte/kinderbetreuung/vortreffen";
    let n = app.audit_count().await;
    let r = app
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "15.03.2099"),
                ("uhrzeit", "25:00"),
                ("ort", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    for id in ["vt-datum-fehler", "vt-uhrzeit-fehler", "vt-ort-fehler"] {
        assert!(text.contains(&format!("id=\"{id}\"")), "{id}: {text}");
    }
    assert!(
        text.contains("value=\"15.03.2099\""),
        "the form keeps what was typed"
    );
    assert!(smtpd.received().is_empty());
    assert_eq!(app.audit_count().await, n);

    let r = app
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2099-03-15"),
                ("uhrzeit", "10:30"),
                ("ort", "Rathaus Düsseldorf, Raum 4"),
                (
                    "nachricht",
                    "Bitte bringen Sie Ihre Prozessbeschreibungen mit.",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), "/projekte/kinderbetreuung/partner?gesendet=2");
    assert_eq!(app.audit_count().await, n + 1);
    let got = smtpd.received();
    assert_eq!(got.len(), 2, "{got:?}");
    let an: Vec<&str> = got.iter().map(|m| m.1.as_str()).collect();
    assert!(
        an.contains(&"m-bonn@beispiel.de") && an.contains(&"m-soest@beispiel.de"),
        "{an:?}"
    );
    for (to, rcpt, subject, body) in &got {
        assert!(
            to.contains(rcpt.as_str()),
            "each message goes to one person: {to}"
        );
        assert_eq!(
            subject,
            "Einladung zum Vortreffen: Kinderbetreuung am 15.03.2099"
        );
        assert!(body.contains("Termin: 15.03.2099, 10:30 Uhr"), "{body}");
        assert!(body.contains("Ort: Rathaus Düsseldorf, Raum 4"));
        assert!(body.contains("Bitte bringen Sie Ihre Prozessbeschreibungen mit."));
        assert!(body.contains("https://ozg.example.org/projekte/kinderbetreuung"));
    }
    let bonn_mail = got.iter().find(|m| m.1 == "m-bonn@beispiel.de").unwrap();
    assert!(
        bonn_mail.3.contains("Guten Tag Person m-bonn,")
            && bonn_mail.3.contains("Bonn (Interesse an Mitarbeit)")
    );
    assert!(
        app.get_with("/projekte/kinderbetreuung/partner?gesendet=2", &tk)
            .await
            .text()
            .contains("an 2 Empfänger")
    );
}

story!(lenkungsausschuss_decisions_and_umlaufverfahren);
async fn lenkungsausschuss_decisions_and_umlaufverfahren(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie-k", "themenfeld-koordinator", "familie-kind").await;
    let (bi, bi_csrf) = login_as(t, "bildung-k", "themenfeld-koordinator", "bildung").await;
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let mut la = Vec::new();
    for i in 0..3 {
        la.push(login_as(t, &format!("la{i}"), "lenkungsausschuss", "").await);
    }

    // The coordinator of the Themenfeld submits the Steckbrief; another Themenfeld's may not.
    let r = t
        .post(
            "/projekte/kinderbetreuung/vorlage",
            &bi,
            &[("_csrf", &bi_csrf), ("titel", "X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let n = t.audit_count().await;
    let r = t
        .post(
            "/projekte/kinderbetreuung/vorlage",
            &tk,
            &[("_csrf", &tk_csrf), ("titel", "  ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("id=\"vl-titel-fehler\""), "{}", r.text());
    let r = t
        .post(
            "/projekte/bauaufsicht/vorlage",
            &ks,
            &[("_csrf", &ks_csrf), ("titel", "Bau")],
        )
        .await;
    // A project without a Steckbrief cannot be submitted; the message says why.
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("keinen Steckbrief mit Varianten"),
        "{}",
        r.text()
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            "/projekte/kinderbetreuung/vorlage",
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("titel", "Steckbrief Kinderbetreuung: Variantenentscheidung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let kita = t
        .scalar("SELECT id FROM vorlage WHERE projekt = 'kinderbetreuung'")
        .await;
    let r = t
        .post(
            "/projekte/kinderbetreuung/vorlage",
            &tk,
            &[("_csrf", &tk_csrf), ("titel", "Noch einmal")],
        )
        .await;
    assert!(
        r.text().contains("bereits eine Vorlage"),
        "one open Vorlage per project"
    );
    assert!(
        t.ok("/projekte/kinderbetreuung")
            .await
            .text()
            .contains("dem IT-Lenkungsausschuss vorgelegt")
    );

    // A meeting, the agenda, and a decision with its field checks.
    let r = t
        .post(
            "/lenkungsausschuss/sitzungen",
            &la[0].0,
            &[("_csrf", &la[0].1), ("datum", "2021-13-01"), ("ort", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("id=\"s-datum-fehler\"") && r.text().contains("id=\"s-ort-fehler\""));
    let r = t
        .post(
            "/lenkungsausschuss/sitzungen",
            &la[0].0,
            &[
                ("_csrf", &la[0].1),
                ("datum", "2021-03-10"),
                ("ort", "Düsseldorf, KDN"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let sitzung = t
        .scalar("SELECT MAX(id) FROM ausschuss_sitzung")
        .await
        .to_string();
    let r = t
        .post(
            &format!("/lenkungsausschuss/vorlagen/{kita}/tagesordnung"),
            &la[0].0,
            &[("_csrf", &la[0].1), ("sitzung", &sitzung)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        t.ok("/lenkungsausschuss")
            .await
            .text()
            .contains("Sitzung am 10.03.2021, Düsseldorf, KDN")
    );
    let url = format!("/lenkungsausschuss/vorlagen/{kita}/beschluss");
    let n = t.audit_count().await;
    let r = t
        .post(
            &url,
            &la[1].0,
            &[
                ("_csrf", &la[1].1),
                ("entscheidung", "freigegeben"),
                ("variante", "C"),
                ("datum", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    for id in ["variante", "finanzierung", "beauftragung", "datum"] {
        assert!(
            text.contains(&format!("id=\"b-{kita}-{id}-fehler\"")),
            "{id}: {text}"
        );
    }
    assert_eq!(t.audit_count().await, n);
    // Zurückgestellt first, then an Umlaufverfahren decides.
    let r = t
        .post(
            &url,
            &la[1].0,
            &[
                ("_csrf", &la[1].1),
                ("entscheidung", "zurueckgestellt"),
                ("datum", "2021-03-10"),
                ("protokoll", "Rückfragen zur Finanzierung."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        t.ok("/projekte/kinderbetreuung")
            .await
            .text()
            .contains("Stand: <strong>zurückgestellt</strong>")
    );

    // Umlaufverfahren: only committee members vote, each once, until the deadline.
    let start = format!("/lenkungsausschuss/vorlagen/{kita}/umlauf");
    let r = t
        .post(
            &start,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("variante", "B"),
                ("frist", "2020-01-01T12:00"),
                ("quorum", "0"),
                ("mehrheit", "einfach"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains(&format!("id=\"u-{kita}-frist-fehler\""))
            && r.text().contains(&format!("id=\"u-{kita}-quorum-fehler\"")),
        "{}",
        r.text()
    );
    let frist = {
        let t = time::OffsetDateTime::now_utc() + time::Duration::days(2);
        format!(
            "{:04}-{:02}-{:02}T12:00",
            t.year(),
            u8::from(t.month()),
            t.day()
        )
    };
    let r = t
        .post(
            &start,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("variante", "B"),
                ("frist", &frist),
                ("quorum", "50"),
                ("mehrheit", "einfach"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let umlauf = t.scalar("SELECT MAX(id) FROM umlauf").await;
    assert_eq!(
        t.scalar(&format!(
            "SELECT stimmberechtigt FROM umlauf WHERE id = {umlauf}"
        ))
        .await,
        3
    );
    let stimme = format!("/lenkungsausschuss/umlauf/{umlauf}/stimme");
    let r = t
        .post(&stimme, &ks, &[("_csrf", &ks_csrf), ("stimme", "ja")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the Koordinierungsstelle does not vote"
    );
    let r = t
        .post(
            &stimme,
            &la[0].0,
            &[("_csrf", &la[0].1), ("stimme", "vielleicht")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains(&format!("id=\"st-{umlauf}-fehler\"")),
        "{}",
        r.text()
    );
    assert_eq!(
        t.post(&stimme, &la[0].0, &[("_csrf", &la[0].1), ("stimme", "ja")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let n = t.audit_count().await;
    let r = t
        .post(
            &stimme,
            &la[0].0,
            &[("_csrf", &la[0].1), ("stimme", "nein")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("bereits abgestimmt"));
    assert_eq!(t.audit_count().await, n);
    assert_eq!(
        t.post(
            &stimme,
            &la[1].0,
            &[("_csrf", &la[1].1), ("stimme", "enthaltung")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    // Before the deadline nothing is decided, and no decision can be recorded beside it.
    let seite = t.ok("/lenkungsausschuss").await.text();
    assert!(
        seite.contains("2 von 3 Mitgliedern haben abgestimmt")
            && seite.contains("Die Abstimmung läuft."),
        "{seite}"
    );
    let r = t
        .post(
            &url,
            &la[1].0,
            &[
                ("_csrf", &la[1].1),
                ("entscheidung", "abgelehnt"),
                ("datum", "2021-03-10"),
            ],
        )
        .await;
    assert!(r.text().contains("läuft ein Umlaufverfahren"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM beschluss").await, 1);

    // The deadline passes: 1 Ja, 0 Nein, 1 Enthaltung of 3 → quorum 50 % met (2 of 3), simple
    // majority met → angenommen; Variante B approved, the Umsetzung phase starts.
    t.db.execute_all(&[Stmt {
        sql: format!("UPDATE umlauf SET frist = frist - 3 * 86400 WHERE id = {umlauf}"),
        args: vec![],
    }])
    .await
    .unwrap();
    let r = t
        .post(
            &stimme,
            &la[2].0,
            &[("_csrf", &la[2].1), ("stimme", "nein")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Frist ist am"), "{}", r.text());
    let seite = t.ok("/lenkungsausschuss").await.text();
    assert!(
        seite.contains("Ergebnis: angenommen</strong> (1 Ja, 0 Nein, 1 Enthaltung)"),
        "{seite}"
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM beschluss WHERE verfahren = 'umlauf' AND entscheidung = 'freigegeben' AND variante = 'B'").await, 1);
    let projekt = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(
        projekt.contains("Stand: <strong>Umsetzung freigegeben</strong>")
            && projekt.contains("im Umlaufverfahren"),
        "{projekt}"
    );
    assert!(
        t.db.scalar_text(
            "SELECT phase_umsetzung FROM projekt WHERE slug = 'kinderbetreuung'",
            &[]
        )
        .await
        .unwrap()
        .is_some()
    );
    // Counted once, however often it is asked.
    assert_eq!(
        ozg::programme::lenkungsausschuss::faellige_auswerten(&t.db, i64::MAX / 2)
            .await
            .unwrap(),
        0
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM beschluss").await, 2);

    // A second Vorlage whose Umlaufverfahren misses the quorum: no decision, the Vorlage stays open.
    let r = t
        .post(
            "/projekte/fundsachen/vorlage",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("titel", "Fundsachen: Variantenentscheidung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let fund = t
        .scalar("SELECT id FROM vorlage WHERE projekt = 'fundsachen'")
        .await;
    let r = t
        .post(
            &format!("/lenkungsausschuss/vorlagen/{fund}/umlauf"),
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("variante", "A"),
                ("frist", &frist),
                ("quorum", "100"),
                ("mehrheit", "zwei-drittel"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let u2 = t.scalar("SELECT MAX(id) FROM umlauf").await;
    let s2 = format!("/lenkungsausschuss/umlauf/{u2}/stimme");
    assert_eq!(
        t.post(&s2, &la[0].0, &[("_csrf", &la[0].1), ("stimme", "ja")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    t.db.execute_all(&[Stmt {
        sql: format!("UPDATE umlauf SET frist = 0 WHERE id = {u2}"),
        args: vec![],
    }])
    .await
    .unwrap();
    let seite = t.ok("/lenkungsausschuss").await.text();
    assert!(seite.contains("Ergebnis: nicht beschlussfähig"), "{seite}");
    assert!(
        t.ok("/projekte/fundsachen")
            .await
            .text()
            .contains("Stand: <strong>dem IT-Lenkungsausschuss vorgelegt</strong>")
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM beschluss").await, 2);
}

story!(attachments_checked_by_content_and_served_safely);
async fn attachments_checked_by_content_and_served_safely(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie-k", "themenfeld-koordinator", "familie-kind").await;
    let (bi, bi_csrf) = login_as(t, "bildung-k", "themenfeld-koordinator", "bildung").await;
    let (mi, _) = login_as(t, "mitglied", "mitglied", "").await;
    let url = "/projekte/kinderbetreuung/anhaenge";
    let pdf: &[u8] = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let png: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    let n = t.audit_count().await;
    // A script named .pdf is refused by its content; the error stands next to the field.
    let r = t
        .upload(
            url,
            &tk,
            &[("_csrf", &tk_csrf), ("titel", "Böse")],
            ("angebot.pdf", b"<script>alert(1)</script>"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(
        r.text().contains("id=\"an-datei-fehler\"") && r.text().contains("Inhalt"),
        "{}",
        r.text()
    );
    let r = t
        .upload(url, &tk, &[("_csrf", &tk_csrf)], ("leer.pdf", b""))
        .await;
    assert!(r.text().contains("ist leer"), "{}", r.text());
    let gross = vec![b'%'; 0]
        .into_iter()
        .chain(b"%PDF-".iter().copied())
        .chain(std::iter::repeat_n(b'x', 10 * 1024 * 1024))
        .collect::<Vec<u8>>();
    let r = t
        .upload(url, &tk, &[("_csrf", &tk_csrf)], ("gross.pdf", &gross))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("10 MB"), "{}", r.text());
    // Other Themenfeld, a Mitglied, no CSRF token: refused.
    assert_eq!(
        t.upload(url, &bi, &[("_csrf", &bi_csrf)], ("a.pdf", pdf))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.upload(url, &mi, &[("_csrf", "falsch")], ("a.pdf", pdf))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.upload(url, &tk, &[], ("a.pdf", pdf)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.audit_count().await, n);

    // A PDF with a hostile name: stored under its hash, the name cleaned.
    let r = t
        .upload(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("titel", "Prozesslandkarte"),
                ("sichtbarkeit", "oeffentlich"),
            ],
            ("../../etc/Prozess Karte;.exe", pdf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let id = t.scalar("SELECT MAX(id) FROM anhang").await;
    let name =
        t.db.scalar_text("SELECT dateiname FROM anhang WHERE id = $1", &[id.into()])
            .await
            .unwrap()
            .unwrap();
    assert_eq!(name, "Prozess_Karte.pdf");
    let seite = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(
        seite.contains(&format!(
            "href=\"/anhaenge/{id}/Prozess_Karte.pdf\">Prozesslandkarte</a>"
        )),
        "{seite}"
    );
    let r = t.get(&format!("/anhaenge/{id}/Prozess_Karte.pdf")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, pdf);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"Prozess_Karte.pdf\""
    );
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(
        r.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );

    // Workshop photo protocol: members only by default.
    let ws = t.scalar("SELECT MIN(w.id) FROM workshop w JOIN workshop_themenfeld wt ON wt.workshop_id = w.id JOIN themenfeld t ON t.id = wt.themenfeld_id WHERE t.slug = 'familie-kind'").await;
    let r = t
        .upload(
            &format!("/workshops/{ws}/fotoprotokoll"),
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("titel", "Pinnwand mit Prozessschritten"),
            ],
            ("IMG_0001.JPG", png),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let foto = t.scalar("SELECT MAX(id) FROM anhang").await;
    let foto_url = format!("/anhaenge/{foto}/IMG_0001.png");
    assert_eq!(
        t.get(&foto_url).await.status,
        StatusCode::NOT_FOUND,
        "internal: hidden from the public"
    );
    let r = t.get_with(&foto_url, &mi).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "image/png");
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(r.headers[header::CACHE_CONTROL], "private, no-store");
    let oeffentlich = t.ok(&format!("/workshops/{ws}")).await.text();
    assert!(
        oeffentlich.contains("nur für Mitglieder sichtbar") && !oeffentlich.contains("IMG_0001"),
        "{oeffentlich}"
    );
    let mitglied = t.get_with(&format!("/workshops/{ws}"), &mi).await.text();
    assert!(
        mitglied.contains("alt=\"Pinnwand mit Prozessschritten\""),
        "{mitglied}"
    );
    // Removing: coordinators of the Themenfeld only.
    let weg = format!("/anhaenge/{foto}/entfernen");
    assert_eq!(
        t.post(&weg, &bi, &[("_csrf", &bi_csrf)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post(&weg, &tk, &[("_csrf", &tk_csrf)]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.get_with(&foto_url, &mi).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.audit_count().await, n + 3);
}

story!(phase_dates_drive_the_status);
async fn phase_dates_drive_the_status(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let url = "/projekte/fundsachen/bearbeiten";
    let form = t.get_with(url, &tk).await;
    assert!(
        form.text().contains("id=\"b-phase_umsetzung\""),
        "the form has the phases"
    );
    let v0 = form_value(&form.text(), "version");
    let base = |v: &str| -> Vec<(String, String)> {
        [
            ("_csrf", tk_csrf.as_str()),
            ("name", "Fundsachen"),
            ("version", v),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    };
    let send = |extra: Vec<(&'static str, &'static str)>, v: String| {
        let mut f = base(&v);
        f.extend(extra.into_iter().map(|(a, b)| (a.to_owned(), b.to_owned())));
        f
    };
    let n = t.audit_count().await;
    let f = send(
        vec![
            ("phase_konzeption", "2021-06-01"),
            ("phase_umsetzung", "2021-01-15"),
            ("phase_rollout_nrw", "2021-02-30"),
        ],
        v0.clone(),
    );
    let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = t.post(url, &tk, &pairs).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    assert!(
        text.contains("id=\"b-phase_umsetzung-fehler\">Die Phase Umsetzung kann nicht vor der Phase Konzeption (01.06.2021) beginnen."),
        "{text}"
    );
    assert!(
        text.contains("id=\"b-phase_rollout_nrw-fehler\">„2021-02-30“ ist kein Datum"),
        "{text}"
    );
    assert!(text.contains("value=\"2021-01-15\""), "typed value kept");
    assert_eq!(t.audit_count().await, n);
    let f = send(
        vec![
            ("phase_konzeption", "2021-01-04"),
            ("phase_umsetzung", "2021-06-01"),
        ],
        v0,
    );
    let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = t.post(url, &tk, &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let p = t.ok("/api/v1/umsetzungsprojekte/fundsachen").await.json();
    assert_eq!(p["status"], "umsetzung", "{p}");
    assert_eq!(p["phasen"]["umsetzung"], "2021-06-01", "{p}");
    let hist = t
        .get_with("/projekte/fundsachen/historie", &tk)
        .await
        .text();
    assert!(
        hist.contains("phase_umsetzung") && hist.contains("2021-06-01"),
        "{hist}"
    );
}

story!(project_as_of_a_past_date_and_comments);
async fn project_as_of_a_past_date_and_comments(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (mi, mi_csrf) = login_as(t, "mitglied", "mitglied", "").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &ks).await.text();
    let v = form_value(&form, "version");
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kita-Navigator"),
                ("projektstart", "Q1 2020"),
                ("prioritaet_nrw", "1"),
                ("prioritaet_bund", "3"),
                ("zielportal", "kommunales-landesportal"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let gestern = {
        let d = time::OffsetDateTime::now_utc()
            .date()
            .previous_day()
            .unwrap();
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    };
    let damals = t
        .ok(&format!("/projekte/kinderbetreuung/stand?datum={gestern}"))
        .await
        .text();
    assert!(
        damals.contains("<th scope=\"row\">Name</th><td>Kinderbetreuung</td><td>Kita-Navigator <strong>(geändert)</strong>"),
        "{damals}"
    );
    let heute = ozg::programme::lists::today();
    let jetzt = t
        .ok(&format!("/projekte/kinderbetreuung/stand?datum={heute}"))
        .await
        .text();
    assert!(
        jetzt.contains("<th scope=\"row\">Name</th><td>Kita-Navigator</td><td>Kita-Navigator</td>"),
        "{jetzt}"
    );
    for (q, text) in [
        ("", "Bitte geben Sie ein Datum an"),
        ("2021-02-30", "kein Datum"),
        ("2999-01-01", "Zukunft"),
    ] {
        let r = t
            .get(&format!("/projekte/kinderbetreuung/stand?datum={q}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(
            r.text().contains("datum") && r.text().contains(text),
            "{q}: {}",
            r.text()
        );
    }
    assert_eq!(
        t.get("/projekte/gibt-es-nicht/stand?datum=2021-01-01")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Comments: members only, never shown to the public.
    let k = "/projekte/kinderbetreuung/kommentare";
    let n = t.audit_count().await;
    let page = t.ok("/anmelden").await;
    let pc = page.set_cookie(CSRF).unwrap();
    let r = t
        .post(
            k,
            &format!("{CSRF}={pc}"),
            &[("_csrf", &pc), ("kommentar", "anonym")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post(k, &mi, &[("_csrf", &mi_csrf), ("kommentar", "   ")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .contains("id=\"ko-text-fehler\">Bitte schreiben Sie einen Kommentar."),
        "{}",
        r.text()
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            k,
            &mi,
            &[
                ("_csrf", &mi_csrf),
                (
                    "kommentar",
                    "Wir haben Erfahrung mit dem Kita-Portal in Bonn.",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.audit_count().await, n + 1);
    assert!(
        t.get_with("/projekte/kinderbetreuung", &ks)
            .await
            .text()
            .contains("Wir haben Erfahrung mit dem Kita-Portal in Bonn.")
    );
    let oeffentlich = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(
        !oeffentlich.contains("Wir haben Erfahrung") && !oeffentlich.contains("id=\"kommentare\"")
    );
}

story!(steckbrief_editor_draft_and_publish);
async fn steckbrief_editor_draft_and_publish(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let (bi, _) = login_as(t, "bildung", "themenfeld-koordinator", "bildung").await;
    let url = "/projekte/kinderbetreuung/steckbrief";
    assert_eq!(t.get_with(url, &bi).await.status, StatusCode::FORBIDDEN);
    let form = t.get_with(url, &tk).await;
    assert_eq!(form.status, StatusCode::OK);
    let text = form.text();
    assert!(
        text.contains("name=\"v0_kennung\" value=\"A\"")
            && text.contains("name=\"v1_kennung\" value=\"B\""),
        "{text}"
    );
    assert!(
        text.contains("name=\"v2_kennung\" value=\"\""),
        "an empty slot for a new variant"
    );
    let v0 = form_value(&text, "version");
    let oeffentlich_vorher = t.ok("/projekte/kinderbetreuung").await.text();

    let n = t.audit_count().await;
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("v0_kennung", "A"),
                ("v0_beschreibung", ""),
                ("empfohlen", "Z"),
                ("zielprozess", "Eltern | Antrag | online | zu viel"),
                ("version", &v0),
                ("aktion", "entwurf"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    for id in [
        "v0-beschreibung-fehler",
        "sb-empfohlen-fehler",
        "sb-prozess-fehler",
    ] {
        assert!(text.contains(&format!("id=\"{id}\"")), "{id}: {text}");
    }
    assert!(
        text.contains("Eltern | Antrag | online | zu viel"),
        "typed value kept"
    );
    assert_eq!(t.audit_count().await, n);

    let felder = |aktion: &'static str, v: &str| -> Vec<(String, String)> {
        [
            ("_csrf", tk_csrf.as_str()),
            ("projektziel", "Eltern finden und beantragen Kita-Plätze online."),
            ("zielprozess", "Eltern | Kitas suchen | Karte und Filter\nEltern | Wünsche in Rangfolge angeben\nJugendamt | Plätze vergeben"),
            ("v0_kennung", "A"),
            ("v0_titel", "Landeslösung"),
            ("v0_beschreibung", "Ein Portal für ganz NRW."),
            ("v1_kennung", "B"),
            ("v1_beschreibung", "Kommunale Lösungen mit Schnittstelle."),
            ("v2_kennung", ""),
            ("empfohlen", "A"),
            ("risiken", "Datenschutz\nAkzeptanz der Träger"),
            ("auftraggeber", "KDN"),
            ("kommunalpartner", "Bonn"),
            ("it_partner", "noch offen"),
            ("version", v),
            ("aktion", aktion),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    };
    async fn post_all(t: &TestApp, url: &str, cookie: &str, f: Vec<(String, String)>) -> Resp {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        t.post(url, cookie, &pairs).await
    }
    // A draft: members see that it exists, the public still sees the published Steckbrief.
    let r = post_all(t, url, &tk, felder("entwurf", &v0)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let oeffentlich = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(!oeffentlich.contains("Eltern finden und beantragen Kita-Plätze online."));
    assert_eq!(
        oeffentlich.contains("Landeslösung"),
        oeffentlich_vorher.contains("Landeslösung")
    );
    assert!(
        t.get_with("/projekte/kinderbetreuung", &tk)
            .await
            .text()
            .contains("(ein Entwurf liegt vor)")
    );
    // A stale form is refused.
    let r = post_all(t, url, &tk, felder("veroeffentlichen", &v0)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("Während Sie bearbeitet haben"));
    assert!(
        r.text().contains("<strong>steckbrief.projektziel</strong>"),
        "what changed meanwhile"
    );
    assert_eq!(t.audit_count().await, n + 1);
    // Publish from the current version: the public sees it, the roles follow.
    let text = t.get_with(url, &tk).await.text();
    assert!(
        text.contains("Eltern finden und beantragen Kita-Plätze online."),
        "the editor starts from the draft"
    );
    let v1 = form_value(&text, "version");
    let r = post_all(t, url, &tk, felder("veroeffentlichen", &v1)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 2);
    let oeffentlich = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(
        oeffentlich.contains("Eltern finden und beantragen Kita-Plätze online."),
        "{oeffentlich}"
    );
    assert!(oeffentlich.contains("Akzeptanz der Träger"));
    assert!(
        !t.get_with("/projekte/kinderbetreuung", &tk)
            .await
            .text()
            .contains("(ein Entwurf liegt vor)")
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM projekt_rolle r JOIN projekt p ON p.id = r.projekt_id JOIN organisation o ON o.id = r.organisation_id WHERE p.slug = 'kinderbetreuung' AND r.rolle = 'kommunalpartner' AND o.slug = 'bonn'").await,
        1
    );
    let kommunal = t
        .ok("/partner-gesucht?gesucht=kommunalpartner")
        .await
        .text();
    assert!(
        !kommunal.contains("/projekte/kinderbetreuung#"),
        "the Kommunalpartner is found"
    );
    assert!(
        t.ok("/partner-gesucht?gesucht=it-partner")
            .await
            .text()
            .contains("/projekte/kinderbetreuung#")
    );
    let hist = t
        .get_with("/projekte/kinderbetreuung/historie", &tk)
        .await
        .text();
    assert!(
        hist.contains("steckbrief.projektziel") && hist.contains("veröffentlicht"),
        "{hist}"
    );
}

story!(audit_log_is_append_only_in_the_database);
async fn audit_log_is_append_only_in_the_database(t: &TestApp) {
    login_as(t, "koordination", "koordinierungsstelle", "").await;
    let n = t.audit_count().await;
    assert!(n > 0);
    for sql in ["UPDATE audit SET konto = 'jemand'", "DELETE FROM audit"] {
        let e =
            t.db.execute_all(&[Stmt {
                sql: sql.into(),
                args: vec![],
            }])
            .await
            .expect_err(sql);
        assert!(format!("{e:#}").contains("unveränderlich"), "{sql}: {e:#}");
    }
    assert_eq!(t.audit_count().await, n);
    // Appending still works, and migrating again (a second start) keeps the protection.
    t.db.migrate().await.unwrap();
    assert!(
        t.db.execute_all(&[Stmt {
            sql: "DELETE FROM audit".into(),
            args: vec![]
        }])
        .await
        .is_err()
    );
}

story!(workshop_editing);
async fn workshop_editing(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let (bi, bi_csrf) = login_as(t, "bildung", "themenfeld-koordinator", "bildung").await;
    let ws = t.scalar("SELECT MIN(w.id) FROM workshop w JOIN workshop_themenfeld wt ON wt.workshop_id = w.id JOIN themenfeld t ON t.id = wt.themenfeld_id WHERE t.slug = 'familie-kind'").await;
    let url = format!("/workshops/{ws}/bearbeiten");
    let form = t.get_with(&url, &tk).await;
    assert_eq!(form.status, StatusCode::OK);
    let text = form.text();
    assert!(
        text.contains(
            "id=\"w-tf-familie-kind\" name=\"themenfeld\" value=\"familie-kind\" checked"
        ),
        "{text}"
    );
    let v = form_value(&text, "version");
    let n = t.audit_count().await;
    // Bad input: every field named, nothing changed.
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2019-13-40"),
                ("teilnehmer", "Bonn\nGibt es nicht GmbH"),
                ("projekte", "Kinderbetreuung\nMondfahrt"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    for id in [
        "w-datum-fehler",
        "w-tf-fehler",
        "w-teilnehmer-fehler",
        "w-projekte-fehler",
    ] {
        assert!(text.contains(&format!("id=\"{id}\"")), "{id}: {text}");
    }
    assert!(
        text.contains("Zeile 2: „Gibt es nicht GmbH“ ist keine bekannte Organisation"),
        "{text}"
    );
    assert!(text.contains("Mondfahrt"), "typed value kept");
    // A coordinator may not move the workshop into a Themenfeld they do not coordinate.
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2019-11-26"),
                ("themenfeld", "familie-kind"),
                ("themenfeld", "bildung"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .contains("Sie koordinieren diese Themenfelder nicht: Bildung"),
        "{}",
        r.text()
    );
    assert_eq!(
        t.post(&url, &bi, &[("_csrf", &bi_csrf)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2019-11-27"),
                ("ort", "Kreishaus Gütersloh"),
                ("themenfeld", "familie-kind"),
                ("teilnehmer", "Bonn\nkrz"),
                ("projekte", "Kinderbetreuung"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let seite = t.ok(&format!("/workshops/{ws}")).await.text();
    assert!(
        seite.contains("Workshop am 27.11.2019") && seite.contains("Kreishaus Gütersloh"),
        "{seite}"
    );
    assert!(
        seite.contains("href=\"/organisationen/bonn\">Bonn</a>"),
        "{seite}"
    );
    let erarbeitet = seite.split("Erarbeitete Projekte").nth(1).unwrap();
    assert!(
        erarbeitet.contains("/projekte/kinderbetreuung")
            && !erarbeitet.contains("/projekte/elterngeld\""),
        "recorded results replace the derived list"
    );
    // The stale form is refused.
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2019-11-28"),
                ("themenfeld", "familie-kind"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let konflikt = r.text();
    let konflikt = konflikt
        .split("role=\"alert\"")
        .nth(1)
        .unwrap()
        .split("</div>")
        .next()
        .unwrap();
    assert!(
        konflikt.contains("„Kreishaus Gütersloh“"),
        "what changed meanwhile: {konflikt}"
    );
    assert_eq!(t.audit_count().await, n + 1);
    // A new workshop: in one's own Themenfeld, with a real date.
    let r = t
        .post(
            "/workshops",
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "morgen"),
                ("themenfeld", "familie-kind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("Feld Datum: „morgen“ ist kein Datum"),
        "{}",
        r.text()
    );
    let r = t
        .post(
            "/workshops",
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2027-02-01"),
                ("themenfeld", "bildung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.audit_count().await, n + 1);
    let r = t
        .post(
            "/workshops",
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2027-02-01"),
                ("themenfeld", "familie-kind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.location().ends_with("/bearbeiten"));
    assert_eq!(t.audit_count().await, n + 2);
    assert!(t.ok("/workshops").await.text().contains("01.02.2027"));
}

story!(project_roles_and_leistungen_editing);
async fn project_roles_and_leistungen_editing(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let url = "/projekte/kinderbetreuung/beteiligte";
    let form = t.get_with(url, &tk).await;
    assert_eq!(form.status, StatusCode::OK);
    let text = form.text();
    assert!(
        text.contains("Wuppertal") && text.contains("Schalksmühle") && text.contains("10019"),
        "{text}"
    );
    let v = form_value(&text, "version");
    let n = t.audit_count().await;
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("mitarbeit", "Wuppertal\nAtlantis"),
                ("ozg_leistungen", "10019\n99999\nKita"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    assert!(
        text.contains(
            "id=\"bt-mitarbeit-fehler\">Zeile 2: „Atlantis“ ist keine bekannte Organisation"
        ),
        "{text}"
    );
    assert!(
        text.contains("Zeile 2: die OZG-ID 99999 gibt es im Katalog nicht.")
            && text.contains("Zeile 3: „Kita“ beginnt nicht mit einer OZG-ID"),
        "{text}"
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("mitarbeit", "ITK Rheinland\nWuppertal\nbonn"),
                ("interesse", "Schalksmühle"),
                ("ozg_leistungen", "10019 Kindertagesbetreuung\n10040\n10013"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let p = t
        .ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
        .await
        .json();
    let mitarbeit: Vec<String> = p["mitarbeit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect();
    assert!(
        mitarbeit.iter().any(|m| m == "Bonn") && !mitarbeit.iter().any(|m| m == "Soest"),
        "{mitarbeit:?}"
    );
    let seite = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(
        seite.contains("10013 Pflegekindervermittlung")
            && seite.contains("von der Koordination zugeordnet"),
        "{seite}"
    );
    assert!(
        t.ok("/ozg-leistungen/10013")
            .await
            .text()
            .contains("/projekte/kinderbetreuung")
    );
    let hist = t
        .get_with("/projekte/kinderbetreuung/historie", &tk)
        .await
        .text();
    assert!(
        hist.contains("Mitarbeit zugesichert") && hist.contains("Soest"),
        "{hist}"
    );
    // "Stand vom" yesterday shows the plan's organisations, today's the edited ones.
    let gestern = {
        let d = time::OffsetDateTime::now_utc()
            .date()
            .previous_day()
            .unwrap();
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    };
    let damals = t
        .ok(&format!("/projekte/kinderbetreuung/stand?datum={gestern}"))
        .await
        .text();
    let zeile = damals
        .split("<th scope=\"row\">Mitarbeit zugesichert</th>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    let (vorher, nachher) = zeile.split_once("</td><td>").unwrap();
    assert!(
        vorher.contains("Soest") && !vorher.contains("Bonn"),
        "{zeile}"
    );
    assert!(
        nachher.contains("Bonn") && !nachher.contains("Soest") && nachher.contains("(geändert)"),
        "{zeile}"
    );
    // The form is stale now.
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("mitarbeit", "Wuppertal"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text().contains("<strong>Mitarbeit zugesichert</strong>"),
        "what changed meanwhile"
    );
}

story!(organisation_editing);
async fn organisation_editing(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let url = "/organisationen/bonn/bearbeiten";
    assert_eq!(t.get_with(url, &tk).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.post(url, &tk, &[("_csrf", &tk_csrf)]).await.status,
        StatusCode::FORBIDDEN
    );
    let text = t.get_with(url, &ks).await.text();
    let v = form_value(&text, "version");
    let n = t.audit_count().await;
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("url", "javascript:alert(1)"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("id=\"o-url-fehler\""), "{}", r.text());
    assert!(
        r.text().contains("value=\"javascript:alert(1)\""),
        "typed value kept"
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("kurzname", "BN"),
                ("url", "https://www.bonn.de"),
                ("beschreibung", "Bundesstadt am Rhein."),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let seite = t.ok("/organisationen/bonn").await.text();
    assert!(
        seite.contains("https://www.bonn.de") && seite.contains("Bundesstadt am Rhein."),
        "{seite}"
    );
    let r = t
        .post(
            url,
            &ks,
            &[("_csrf", &ks_csrf), ("kurzname", "B"), ("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text()
            .contains("<strong>url</strong> – → „https://www.bonn.de“"),
        "{}",
        r.text()
    );
    assert_eq!(t.audit_count().await, n + 1);
}
