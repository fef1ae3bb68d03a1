//! The catalogue: imported counts, every page type, lists and filters, search, exports, the
//! JSON API and its OpenAPI document, old links, the all-or-nothing import.

use crate::support::*;

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
        .total("/api/v1/organisationen?art=gemeinde&pro_seite=1")
        .await;
    let kfs = t
        .total("/api/v1/organisationen?art=kreisfreie-stadt&pro_seite=1")
        .await;
    let kreise = t
        .total("/api/v1/organisationen?art=kreis&pro_seite=1")
        .await;
    let rb = t
        .total("/api/v1/organisationen?art=regierungsbezirk&pro_seite=1")
        .await;
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
        // A parameter twice: axum's own answer was English plain text.
        ("/projekte?seite=1&seite=2", "seite"),
        ("/organisationen?q=a&q=b", "q"),
    ] {
        let r = t.get(uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        // List pages show their filter form again with the error at the field (not for
        // paging, format, or a parameter given twice: those are refused before the page).
        let filterfeld = [
            "/projekte?",
            "/leika-leistungen?",
            "/organisationen?",
            "/ozg-leistungen?",
        ]
        .iter()
        .any(|l| uri.starts_with(l))
            && !["seite", "format"].contains(&param)
            && uri.matches(&format!("{param}=")).count() == 1;
        if filterfeld {
            // The filter form again: the summary links to the field, which is marked.
            let html = r.text();
            assert!(
                html.contains(&format!("<a href=\"#f-{param}\">"))
                    && html.contains(&format!("id=\"f-{param}-fehler\"")),
                "{uri}: no error summary linking to #f-{param}: {html}"
            );
            let feld = html
                .split(&format!("id=\"f-{param}\""))
                .nth(1)
                .and_then(|rest| rest.split('>').next())
                .unwrap_or_default();
            assert!(feld.contains("aria-invalid=\"true\""), "{uri}: {feld}");
        } else {
            assert!(
                r.text().contains(&format!("Parameter „{param}“")),
                "{uri}: {}",
                r.text()
            );
        }
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
    // A download is the whole list, whatever page was asked for (before: the API gave one
    // page of 25, the portal's link at most 500 of the 5,251 LeiKa-Leistungen).
    for uri in [
        "/leika-leistungen?format=csv&seite=3",
        "/api/v1/leika-leistungen?format=csv",
        "/api/v1/leika-leistungen?format=csv&pro_seite=10",
    ] {
        let zeilen = t.ok(uri).await.text().lines().count();
        assert!(zeilen > 5_000, "{uri}: {zeilen}");
    }
    let seite = t.ok("/leika-leistungen").await.text();
    assert!(seite.contains("format=csv") && !seite.contains("pro_seite=500"));
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
    // The admin form's numbers of section 2.2 are the same numbering: the public link, the
    // admin link and its edit form all reach the project.
    for nr in [2, 3, 4, 5, 6, 8, 9, 14, 29] {
        let ziel = t
            .get(&format!("/admin/app/implementationproject/{nr}/show"))
            .await;
        assert_eq!(ziel.status, StatusCode::MOVED_PERMANENTLY, "admin {nr}");
        let ziel = ziel.headers[header::LOCATION].to_str().unwrap().to_owned();
        for pfad in [
            format!("/umsetzungsprojekte/{nr}/show"),
            format!("/admin/app/implementationproject/{nr}/edit"),
        ] {
            let r = t.get(&pfad).await;
            assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY, "{pfad}");
            assert_eq!(r.headers[header::LOCATION], ziel.as_str(), "{pfad}");
        }
    }
    assert_eq!(
        t.get("/admin/app/implementationproject/14/show")
            .await
            .headers[header::LOCATION],
        "/projekte/meldewesen"
    );
    assert_eq!(
        t.get("/umsetzungsprojekte/99999/show").await.status,
        StatusCode::NOT_FOUND
    );
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
        t.db.scalar(sql!("SELECT COUNT(*) FROM projekt"))
            .await
            .unwrap();
    let stmts = vec![
        sql!("DELETE FROM projekt_kdn_nr"),
        sql!("INSERT INTO gibt_es_nicht VALUES (1)"),
    ];
    assert!(t.db.execute_all(&stmts).await.is_err());
    assert!(
        t.db.scalar(sql!("SELECT COUNT(*) FROM projekt_kdn_nr"))
            .await
            .unwrap()
            > 0,
        "rolled back"
    );
    assert_eq!(
        t.db.scalar(sql!("SELECT COUNT(*) FROM projekt"))
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
    let files = ozg::programm::from_dir(dir.path()).unwrap();
    let errs = ozg_domain::dataset::Dataset::build(&files).unwrap_err();
    assert!(
        errs.iter()
            .any(|p| p.file == "plan/themenfelder/01-x.toml" && p.line == Some(1))
    );
    assert_eq!(
        t.db.scalar(sql!("SELECT COUNT(*) FROM projekt"))
            .await
            .unwrap(),
        before
    );
}

story!(suchtext_mit_steuer_und_sonderzeichen);
/// Search words with NUL, control characters, `%`, `_` and a trailing backslash: PostgreSQL
/// refused NUL in text and a LIKE pattern ending in its escape character (500 before).
async fn suchtext_mit_steuer_und_sonderzeichen(t: &TestApp) {
    for liste in [
        "themenfelder",
        "lagen",
        "ozg-leistungen",
        "leika-leistungen",
        "organisationen",
        "umsetzungsprojekte",
    ] {
        for q in [
            "%00",
            "Kind%00",
            "a%5C",
            "%5C",
            "%25_%5C%5C",
            "%01%1F%7F",
            "Kita%09Portal",
        ] {
            let uri = format!("/api/v1/{liste}?q={q}");
            let r = t.get(&uri).await;
            assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
        }
    }
    let r = t.get("/api/v1/organisationen?q=G%C3%BCtersloh%00").await;
    assert!(r.json()["total"].as_i64().unwrap() >= 1, "{}", r.text());
}

story!(openapi_nennt_die_erlaubten_werte);
/// The served document lists the values each enumerated filter allows, from the code and from
/// the data as it is now; each list documents only the parameters it reads.
async fn openapi_nennt_die_erlaubten_werte(t: &TestApp) {
    let doc = t.ok("/api/openapi.json").await.json();
    let werte = |pfad: &str, name: &str| -> Option<Vec<String>> {
        doc["paths"][pfad]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| {
                p["schema"]["enum"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{pfad} {name}: keine Werte"))
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect()
            })
    };
    let projekte = "/api/v1/umsetzungsprojekte";
    assert!(
        werte(projekte, "themenfeld")
            .unwrap()
            .contains(&"familie-kind".into())
    );
    assert!(
        werte(projekte, "organisation")
            .unwrap()
            .contains(&"guetersloh".into())
    );
    assert!(
        werte(projekte, "status")
            .unwrap()
            .contains(&"nicht-begonnen".into())
    );
    assert_eq!(
        werte(projekte, "prioritaet").unwrap(),
        ["1", "2", "3", "unbekannt"]
    );
    assert!(
        werte("/api/v1/organisationen", "kreis")
            .unwrap()
            .contains(&"kreis-guetersloh".into())
    );
    assert!(
        werte("/api/v1/ozg-leistungen", "lage")
            .unwrap()
            .contains(&"kinderbetreuung".into())
    );
    // Only what a list reads.
    assert!(werte("/api/v1/lagen", "organisation").is_none());
    assert!(werte("/api/v1/organisationen", "themenfeld").is_none());
    // Every enumerated value is accepted by the list that documents it.
    for wert in werte(projekte, "status").unwrap() {
        t.ok(&format!("{projekte}?status={wert}")).await;
    }
    for wert in werte("/api/v1/organisationen", "art").unwrap() {
        t.ok(&format!("/api/v1/organisationen?art={wert}")).await;
    }
    // Problem documents are declared with their own content type.
    assert!(
        doc["paths"][projekte]["get"]["responses"]["400"]["content"]["application/problem+json"]
            .is_object()
    );
}

story!(fachlichkeit_einheitliche_begriffe);
/// The Fachlichkeit filter offers the reviewed terms of `data/plan/fachlichkeiten.toml`:
/// „Einwohnermeldeamt / Bürgerbüro“ finds the projects of every way the document writes the
/// office; the project page and the API keep the document's text (with the term).
async fn fachlichkeit_einheitliche_begriffe(t: &TestApp) {
    let slugs = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let begriff = t
        .ok("/api/v1/umsetzungsprojekte?fachlichkeit=einwohnermeldeamt-buergerbuero&pro_seite=500")
        .await
        .json();
    let begriff = slugs(&begriff);
    let mut vereinigt: Vec<String> = Vec::new();
    // The document's spellings; their own slugs still filter (links from before the terms).
    for (text, slug) in [
        ("Einwohner- und Meldeamt", "einwohner-und-meldeamt"),
        ("Einwohner- & Meldeamt", "einwohner-meldeamt"),
        ("Einwohnermeldeamt", "einwohnermeldeamt"),
        ("Meldeamt", "meldeamt"),
        ("Meldebehörde", "meldebehoerde"),
        ("Bürgeramt", "buergeramt"),
    ] {
        let r = t
            .ok(&format!(
                "/api/v1/umsetzungsprojekte?fachlichkeit={slug}&pro_seite=500"
            ))
            .await
            .json();
        let items = r["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{text}");
        for i in items {
            let f = i["fachlichkeiten"].as_str().unwrap();
            assert!(f.split("; ").any(|x| x == text), "{text}: {f}");
            let s = i["slug"].as_str().unwrap().to_owned();
            assert!(begriff.contains(&s), "{text}: {s} fehlt in {begriff:?}");
            if !vereinigt.contains(&s) {
                vereinigt.push(s);
            }
        }
    }
    vereinigt.sort();
    let mut b = begriff.clone();
    b.sort();
    assert_eq!(vereinigt, b);
    assert!(b.len() >= 5, "{b:?}");

    // The form offers terms only, with their number of projects.
    let seite = t.ok("/projekte").await.text();
    let start = seite.find("id=\"f-fachlichkeit\"").unwrap();
    let auswahl = &seite[start..start + seite[start..].find("</select>").unwrap()];
    assert!(
        auswahl.contains(&format!(
            "<option value=\"einwohnermeldeamt-buergerbuero\">Einwohnermeldeamt / Bürgerbüro ({})</option>",
            b.len()
        )),
        "{auswahl}"
    );
    for alt in ["einwohner-und-meldeamt", "meldebehoerde", "wahlamt-o-ae"] {
        assert!(!auswahl.contains(&format!("\"{alt}\"")), "{alt}");
    }
    let optionen = auswahl.matches("<option").count() - 1;
    assert!((30..50).contains(&optionen), "{optionen} Begriffe");
    // The list filtered by the term shows the same projects.
    let liste = t
        .ok("/projekte?fachlichkeit=einwohnermeldeamt-buergerbuero")
        .await
        .text();
    assert!(liste.contains(&format!("{} Projekte", b.len())), "{liste}");
    assert!(liste.contains("selected>Einwohnermeldeamt / Bürgerbüro"));

    // Project page and API: the document's text, with the term.
    let p = t
        .ok("/api/v1/umsetzungsprojekte?fachlichkeit=einwohner-meldeamt&pro_seite=1")
        .await
        .json();
    let slug = p["items"][0]["slug"].as_str().unwrap().to_owned();
    let detail = t
        .ok(&format!("/api/v1/umsetzungsprojekte/{slug}"))
        .await
        .json();
    let f = detail["fachlichkeit_refs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Einwohner- & Meldeamt")
        .unwrap();
    assert_eq!(f["slug"], "einwohner-meldeamt");
    assert_eq!(f["begriffe"][0]["name"], "Einwohnermeldeamt / Bürgerbüro");
    assert_eq!(f["begriffe"][0]["slug"], "einwohnermeldeamt-buergerbuero");
    let html = t.ok(&format!("/projekte/{slug}")).await.text();
    assert!(
        html.contains("Einwohner- &#38; Meldeamt (einheitlicher Begriff: <a href=\"/projekte?fachlichkeit=einwohnermeldeamt-buergerbuero\">Einwohnermeldeamt / Bürgerbüro</a>)"),
        "{html}"
    );
    // An unknown value is still a German 400.
    assert_eq!(
        t.get("/projekte?fachlichkeit=gibt-es-nicht").await.status,
        StatusCode::BAD_REQUEST
    );
}

story!(suche_rangfolge_titel_und_landmarken);
/// "Hund": every hit that has the word, an inflection ("Hunde") or a compound starting with it
/// ("Hundesteuer", "Hundehaltung") comes before "… 40 vom Hundert", which only starts with the
/// letters. Title and heading name the term and the number of hits (German format); the
/// header's search and the page's own search are two landmarks with different names.
async fn suche_rangfolge_titel_und_landmarken(t: &TestApp) {
    let r = t.ok("/api/v1/suche?q=Hund").await.json();
    let total = r["total"].as_u64().unwrap();
    let leika: Vec<String> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "leika-leistung")
        .unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_owned())
        .collect();
    let erster_wortteil = leika
        .iter()
        .position(|t| t.ends_with("vom Hundert"))
        .unwrap();
    assert!(
        leika[erster_wortteil..]
            .iter()
            .all(|t| t.ends_with("vom Hundert")),
        "nach „Hundert“ kommt kein echter Treffer mehr: {leika:?}"
    );
    for echt in [
        "Hundesteuer",
        "Hundehaltung",
        "Implantieren von Identifikationschips bei Hunden",
    ] {
        let i = leika.iter().position(|t| t == echt).unwrap();
        assert!(i < erster_wortteil, "{echt} vor „Hundert“: {leika:?}");
    }
    // The page lists them in the same order; the project Hundehaltung is listed too.
    let seite = t.ok("/suche?q=Hund").await.text();
    let pos = |s: &str| seite.find(s).unwrap_or_else(|| panic!("{s} fehlt"));
    assert!(pos(">Hundehaltung</a> <span class=\"anzahl\">Engagement") < pos("vom Hundert</a>"));
    assert!(pos(">Hundesteuer</a>") < pos("vom Hundert</a>"));
    assert!(
        seite.contains(&format!(
            "<title>Suche nach „Hund“: {total} Treffer – OZG-Plattform NRW</title>"
        )),
        "{seite}"
    );
    assert!(seite.contains(&format!("<h1>Suche nach „Hund“: {total} Treffer</h1>")));
    // Two search landmarks, two names.
    assert_eq!(seite.matches("role=\"search\"").count(), 2);
    assert!(seite.contains("role=\"search\" aria-label=\"Website durchsuchen\""));
    assert!(seite.contains("role=\"search\" aria-label=\"Suche verfeinern\""));
    // German number format, and no count without a query.
    let viele = t.ok("/api/v1/suche?q=Be").await.json()["total"]
        .as_u64()
        .unwrap();
    assert!(viele >= 1000, "{viele}");
    let tausend = format!("{}.{:03}", viele / 1000, viele % 1000);
    assert!(
        t.ok("/suche?q=Be")
            .await
            .text()
            .contains(&format!("<h1>Suche nach „Be“: {tausend} Treffer</h1>"))
    );
    let leer = t.ok("/suche").await.text();
    assert!(
        leer.contains("<title>Suche – OZG-Plattform NRW</title>")
            && leer.contains("<h1>Suche</h1>")
    );
    assert!(
        t.ok("/suche?q=Zzyzxq")
            .await
            .text()
            .contains("<h1>Suche nach „Zzyzxq“: keine Treffer</h1>")
    );
}
