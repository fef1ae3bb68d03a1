//! HTTP stories of the programme database: catalogue, lists and filters, search, exports, the
//! JSON API, import, project editing, partner sourcing, attachments, history.

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

story!(invitation_mail_through_smtp);
async fn invitation_mail_through_smtp(t: &TestApp) {
    let Some(smtpd) = Smtpd::start() else { return };
    let app = t.mit_mail(
        Some(ozg::kern::mail::SmtpConfig {
            url: format!("smtp://127.0.0.1:{}", smtpd.port),
            absender: "OZG-Koordinierungsstelle <ozg@kdn.example>".into(),
        }),
        "https://ozg.example.org/",
    );
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
        t.db.scalar_text(sql!("SELECT dateiname FROM anhang WHERE id = $1", id))
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
    let gestern = tag_utc(-1);
    let damals = t
        .ok(&format!("/projekte/kinderbetreuung/stand?datum={gestern}"))
        .await
        .text();
    assert!(
        damals.contains("<th scope=\"row\">Name</th><td>Kinderbetreuung</td><td>Kita-Navigator <strong>(geändert)</strong>"),
        "{damals}"
    );
    let heute = ozg::kern::Uhr::system().heute_iso();
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
    let gestern = tag_utc(-1);
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
