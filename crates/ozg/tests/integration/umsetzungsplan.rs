//! HTTP stories of the Umsetzungsplan document: content, HTML, XLSX, PDF, Stände, charts.

use crate::support::*;

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
    // Doubtful values: marked at the value, the reasons once, in one block.
    assert!(page.contains("<details class=\"unsicher-details\" id=\"unsicher\">"));
    assert!(page.contains("<a class=\"zweifel\" href=\"#unsicher\">"));
    assert!(!page.contains("unsicher (Quelle: OCR)"));
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
pub fn pdf_text(pdf: &[u8]) -> (String, usize) {
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

pub fn squash(s: &str) -> String {
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
            "/umsetzungsplan?stand=01.01.2019",
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
    // On the page, a Stand that cannot be read keeps the form: the current plan, what was
    // typed in its field, the error there and in the summary at the top.
    let html = t.get("/umsetzungsplan?seit=31.02.2020").await;
    assert_eq!(html.status, StatusCode::BAD_REQUEST);
    let html = html.text();
    assert!(
        html.contains("id=\"o-seit\" name=\"seit\" value=\"31.02.2020\"")
            && html.contains("aria-invalid=\"true\" aria-describedby=\"o-seit-fehler\"")
            && html.contains("<a href=\"#o-seit\">")
            && html.contains("Übersicht der prioritären Umsetzungsprojekte"),
        "{html}"
    );

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
        sql!(
            "UPDATE projekt SET name = $1, prioritaet_bund = $2 WHERE slug = $3",
            "Kinderbetreuung (Testname 4711)",
            2i64,
            "kinderbetreuung"
        ),
        sql!(
            "UPDATE meta SET value = $1 WHERE key = 'datenstand'",
            "test-aenderung"
        ),
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
    let heute = tag_utc(0);
    assert!(
        t.ok(&format!("/umsetzungsplan?stand={heute}"))
            .await
            .text()
            .contains("Testname 4711")
    );
    let heute_de = format!("{}.{}.{}", &heute[8..10], &heute[5..7], &heute[0..4]);
    assert!(
        t.ok(&format!("/umsetzungsplan?stand={heute_de}"))
            .await
            .text()
            .contains("Testname 4711")
    );
}

story!(plan_chart_data_matches_golden);
async fn plan_chart_data_matches_golden(t: &TestApp) {
    use ozg::umsetzungsplan::{PlanReport, ReportOptions};
    let model = ozg::programm::lesemodell(&t.state).await.unwrap();
    let r = PlanReport::build(&t.db, &t.state.uhr, &model, &ReportOptions::default())
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

story!(downloads_begrenzt_und_zwischengespeichert);
/// Rotating options cannot pile up work: one document is built at a time (the report is read
/// inside the lock), at most four requests wait, the rest get 503 with `Retry-After`; a
/// document built once is served from the store.
async fn downloads_begrenzt_und_zwischengespeichert(t: &TestApp) {
    let themen: Vec<String> = t.ok("/api/v1/themenfelder?pro_seite=50").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["slug"].as_str().unwrap().to_owned())
        .collect();
    assert!(themen.len() >= 12);
    let erz = t.state.erweiterung::<ozg::umsetzungsplan::Erzeugung>();
    let antworten = futures_util::future::join_all(
        themen
            .iter()
            .map(|th| async move { t.get(&format!("/umsetzungsplan.pdf?themenfeld={th}")).await }),
    )
    .await;
    let mut besetzt = 0;
    for r in &antworten {
        match r.status {
            StatusCode::OK => assert!(r.body.starts_with(b"%PDF")),
            StatusCode::SERVICE_UNAVAILABLE => {
                besetzt += 1;
                assert!(r.headers.get(header::RETRY_AFTER).is_some());
                assert!(
                    r.text()
                        .contains("Bitte versuchen Sie es in einigen Sekunden erneut")
                );
            }
            s => panic!("{s}: {}", r.text()),
        }
    }
    let (gebaut, gleichzeitig) = erz.statistik();
    assert_eq!(gleichzeitig, 1, "one build at a time");
    assert!(besetzt >= themen.len() - 1 - 4, "{besetzt} refused");
    assert_eq!(gebaut, themen.len() - besetzt);
    // Once built, served from the store: no new build.
    let schon = antworten
        .iter()
        .position(|r| r.status == StatusCode::OK)
        .unwrap();
    let r = t
        .ok(&format!("/umsetzungsplan.pdf?themenfeld={}", themen[schon]))
        .await;
    assert!(r.body.starts_with(b"%PDF"));
    assert_eq!(erz.statistik().0, gebaut);
    // The XLSX goes through the same queue.
    t.ok(&format!("/umsetzungsplan.xlsx?themenfeld={}", themen[0]))
        .await;
    assert_eq!(erz.statistik().0, gebaut + 1);
}

story!(interne_notiz_bleibt_intern);
/// The members' internal note: members see it on the project page and in the members' plan;
/// it reaches no public page, API response, export, public plan (HTML, PDF, XLSX), search,
/// past-state view or frozen Stand. The plan's own Anmerkungen stay public.
async fn interne_notiz_bleibt_intern(t: &TestApp) {
    const NOTIZ: &str = "GEHEIMNOTIZ4711";
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (mi, _) = login_as(t, "mitglied", "mitglied", "").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &ks).await.text();
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", &form_value(&form, "name")),
                ("anmerkung", "Öffentliche Anmerkung 0815"),
                ("interne_notiz", NOTIZ),
                ("version", &form_value(&form, "version")),
                ("protokoll_stand", &form_value(&form, "protokoll_stand")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // Members see it.
    assert!(
        t.get_with("/projekte/kinderbetreuung", &mi)
            .await
            .text()
            .contains(NOTIZ)
    );
    let (text, _) = pdf_text(
        &t.get_with("/umsetzungsplan.pdf?variante=mitglieder", &mi)
            .await
            .body,
    );
    assert!(text.contains(NOTIZ), "members' PDF");
    // A Stand frozen now, and a past-state view of today.
    let r = t
        .post(
            "/umsetzungsplan/staende",
            &ks,
            &[("_csrf", &ks_csrf), ("name", "mit Notiz")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let stand = t.scalar("SELECT MAX(id) FROM plan_stand").await;
    // The public never does.
    let heute = tag_utc(0);
    for pfad in [
        "/projekte/kinderbetreuung".to_owned(),
        "/projekte".to_owned(),
        "/partner-gesucht".to_owned(),
        "/api/v1/umsetzungsprojekte/kinderbetreuung".to_owned(),
        "/api/v1/umsetzungsprojekte?pro_seite=500".to_owned(),
        "/api/v1/umsetzungsprojekte?pro_seite=500&format=csv".to_owned(),
        "/umsetzungsplan".to_owned(),
        format!("/umsetzungsplan?stand={stand}"),
        format!("/projekte/kinderbetreuung/stand?datum={heute}"),
    ] {
        let r = t.ok(&pfad).await;
        assert!(!r.text().contains(NOTIZ), "{pfad} shows the internal note");
    }
    // Search echoes the query, so: no hits.
    assert_eq!(t.total(&format!("/api/v1/suche?q={NOTIZ}")).await, 0);
    assert!(
        t.ok("/projekte/kinderbetreuung")
            .await
            .text()
            .contains("Öffentliche Anmerkung 0815"),
        "the plan's Anmerkung stays public"
    );
    for pfad in [
        "/api/v1/umsetzungsprojekte?pro_seite=500&format=xlsx",
        "/umsetzungsplan.xlsx",
    ] {
        let body = t.ok(pfad).await.body;
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap();
        for i in 0..z.len() {
            let mut xml = String::new();
            let mut f = z.by_index(i).unwrap();
            if f.name().is_ok_and(|n| n.ends_with(".xml")) {
                std::io::Read::read_to_string(&mut f, &mut xml).unwrap();
                assert!(!xml.contains(NOTIZ), "{pfad}");
            }
        }
    }
    for pfad in [
        "/umsetzungsplan.pdf".to_owned(),
        format!("/umsetzungsplan.pdf?stand={stand}"),
    ] {
        let (text, _) = pdf_text(&t.ok(&pfad).await.body);
        assert!(!text.contains(NOTIZ), "{pfad}");
    }
    // The full export the shell writes (`ozg export`).
    let tabelle = ozg::programm::full_table(
        &t.db,
        &t.state.uhr,
        ozg::programm::ListKind::Umsetzungsprojekte,
    )
    .await
    .unwrap();
    assert!(
        !String::from_utf8(tabelle.to_csv().unwrap())
            .unwrap()
            .contains(NOTIZ)
    );
}

story!(projektstart_je_listung);
/// A project in two Themenfelder keeps the start each table prints: Meldewesen starts Q1 2022
/// (2.1, "Lebensbescheinigung") and is listed with Q1 2020 in 2.2.
async fn projektstart_je_listung(t: &TestApp) {
    let api = t.ok("/api/v1/umsetzungsprojekte/meldewesen").await.json();
    assert_eq!(api["projektstart"], "Q1 2022");
    let refs = api["themenfeld_refs"].as_array().unwrap();
    let bauen = refs.iter().find(|r| r["slug"] == "bauen-wohnen").unwrap();
    assert_eq!(bauen["projektstart"], "Q1 2020");
    let seite = t.ok("/projekte/meldewesen").await.text();
    assert!(seite.contains("(Projektstart dort: Q1 2020)"), "{seite}");
    // The plan: each section lists the start its table prints.
    let plan = t
        .ok("/api/v1/umsetzungsprojekte?themenfeld=bauen-wohnen&pro_seite=100")
        .await;
    assert_eq!(plan.status, StatusCode::OK);
    let html = t.ok("/umsetzungsplan?themenfeld=bauen-wohnen").await.text();
    let zeile = html
        .split("<tr")
        .find(|z| z.contains(">Meldewesen<"))
        .expect("Meldewesen in 2.2");
    assert!(zeile.contains("Q1 2020"), "{zeile}");
    let html = t
        .ok("/umsetzungsplan?themenfeld=arbeit-ruhestand")
        .await
        .text();
    let zeile = html
        .split("<tr")
        .find(|z| z.contains(">Meldewesen<"))
        .expect("Meldewesen in 2.1");
    assert!(zeile.contains("Q1 2022"), "{zeile}");
}
