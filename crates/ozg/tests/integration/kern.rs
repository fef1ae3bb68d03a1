//! HTTP stories of the platform core: the authorisation matrix over every write route, the
//! append-only audit log.

use crate::support::*;
use ozg::kern::schreibrouten::Zugang;

story!(authorisation_matrix);
async fn authorisation_matrix(t: &TestApp) {
    use ozg_domain::access::{Nutzer, Rolle, darf};
    // The table is built from the route declarations (`Routen::schreiben`): there is no other
    // way to declare a POST route, so none can be missing from it.
    let pfade: std::collections::BTreeSet<&str> = t.routen.iter().map(|r| r.pfad).collect();
    assert_eq!(pfade.len(), t.routen.len(), "a write route declared twice");
    assert!(t.routen.len() >= 29, "{} write routes", t.routen.len());
    let tf =
        t.db.scalar(sql!(
            "SELECT id FROM themenfeld WHERE slug = 'familie-kind'"
        ))
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
    let mut routes: Vec<_> = t.routen.iter().map(|r| (r.pfad, r.zugang)).collect();
    routes.sort_by_key(|(p, _)| *p == "/abmelden");
    for (route, zugang) in routes {
        let uri = route
            .replace("{id}", "999999")
            .replace("{token}", "ungueltig")
            .replace("{slug}", "kinderbetreuung")
            .replace("{datei}", "999999")
            .replace("{dienst}", "anfrage")
            .replace("{schritt}", "person");
        for (name, nutzer, cookie, csrf) in &who {
            let before = t.audit_count().await;
            let r = t.post(&uri, cookie, &[("_csrf", csrf)]).await;
            // Routes on a project decide by its Themenfeld (Kinderbetreuung: Familie & Kind).
            // The portal's routes for citizens and staff refuse the members' sessions.
            let allowed = match zugang {
                Zugang::Offen => true,
                Zugang::Mitglied(a) => darf(nutzer.as_ref(), a, Some(tf)),
                Zugang::Buerger | Zugang::Behoerde(_) | Zugang::Extern => false,
            };
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

story!(audit_log_is_append_only_in_the_database);
async fn audit_log_is_append_only_in_the_database(t: &TestApp) {
    login_as(t, "koordination", "koordinierungsstelle", "").await;
    let n = t.audit_count().await;
    assert!(n > 0);
    let mut versuche = vec!["UPDATE audit SET konto = 'jemand'", "DELETE FROM audit"];
    if t.db.backend() == ozg::kern::db::Backend::Postgres {
        versuche.push("TRUNCATE audit");
    }
    for sql in versuche {
        let e =
            t.db.execute_all(&[Stmt::ungeprueft(sql.to_owned())])
                .await
                .expect_err(sql);
        assert!(format!("{e:#}").contains("unveränderlich"), "{sql}: {e:#}");
    }
    assert_eq!(t.audit_count().await, n);
    // Appending still works, and migrating again (a second start) keeps the protection.
    t.db.migrate().await.unwrap();
    assert!(
        t.db.execute_all(&[sql!("DELETE FROM audit")])
            .await
            .is_err()
    );
}

story!(oeffentliche_projektseite_kostet_eine_abfrage);
/// The public project page takes its data from the programme's read model: once the model is
/// built, a visitor costs one query (the model's revision), whatever the page shows.
async fn oeffentliche_projektseite_kostet_eine_abfrage(t: &TestApp) {
    use ozg::kern::db::mit_zaehler;
    // The first request builds the read model.
    t.ok("/projekte/kinderbetreuung").await;
    for slug in [
        "kinderbetreuung",
        "reitkennzeichen-und-plaketten",
        "fundsachen",
        "schulaufnahme-und-wechsel",
    ] {
        let (r, abfragen) = mit_zaehler(t.get(&format!("/projekte/{slug}"))).await;
        assert_eq!(r.status, StatusCode::OK, "{slug}");
        assert!(abfragen <= 2, "/projekte/{slug}: {abfragen} Abfragen");
        assert_eq!(abfragen, 1, "/projekte/{slug}");
    }
    // The API's project detail likewise.
    let (r, abfragen) = mit_zaehler(t.get("/api/v1/umsetzungsprojekte/kinderbetreuung")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(abfragen, 1);
    // The counter counts: a list of OZG-Leistungen takes its own queries.
    let (_, abfragen) = mit_zaehler(t.get("/ozg-leistungen")).await;
    assert!(abfragen >= 2, "{abfragen}");
}

story!(mehrere_instanzen_auf_einer_datenbank);
/// Two instances of the portal on one database (as behind a load balancer): what one writes
/// the other shows at once (no state in process memory another instance would need), and a
/// scheduled task run on both records its result once.
async fn mehrere_instanzen_auf_einer_datenbank(t: &TestApp) {
    let b = t.mit_mail(None, "http://127.0.0.1:8080");
    // Both have built their read model.
    assert!(
        b.ok("/projekte/kinderbetreuung")
            .await
            .text()
            .contains("Kinderbetreuung")
    );
    t.ok("/projekte/kinderbetreuung").await;
    // A coordinator calls for partners on instance A …
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let r = t
        .post(
            "/projekte/kinderbetreuung/partnersuche",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("aktiv", "ja"),
                ("hinweis", "zwei Kreise für die Pilotierung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // … and instance B shows it on the public page and in the lists.
    assert!(
        b.ok("/projekte/kinderbetreuung")
            .await
            .text()
            .contains("zwei Kreise für die Pilotierung")
    );
    // An edit on B is on A's list at once.
    let form = b
        .get_with("/projekte/kinderbetreuung/bearbeiten", &ks)
        .await
        .text();
    let r = b
        .post(
            "/projekte/kinderbetreuung/bearbeiten",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kinderbetreuung (zwei Instanzen)"),
                ("version", &form_value(&form, "version")),
                ("protokoll_stand", &form_value(&form, "protokoll_stand")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        t.ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
            .await
            .json()["name"],
        "Kinderbetreuung (zwei Instanzen)"
    );
    assert!(
        t.ok("/api/v1/suche?q=zwei%20Instanzen")
            .await
            .text()
            .contains("Kinderbetreuung (zwei Instanzen)")
    );
    // A session opened on A is valid on B.
    assert_eq!(b.get_with("/konto", &ks).await.status, StatusCode::OK);
    // An Umlaufverfahren past its deadline: the scheduled tasks of both instances, run at the
    // same time, count it once.
    t.ausfuehren(
        "INSERT INTO vorlage (id, projekt, titel, varianten, empfehlung, eingereicht_von, eingereicht_am) \
         VALUES (900, 'fundsachen', 'Test', '[{\"kennung\":\"A\",\"titel\":\"A\"}]', 'A', 'test', '2026-01-01T00:00:00Z')",
    )
    .await;
    t.ausfuehren(
        "INSERT INTO umlauf (id, vorlage_id, variante, frist, quorum, mehrheit, stimmberechtigt, gestartet_von, gestartet_am) \
         VALUES (900, 900, 'A', 1, 100, 'einfach', 3, 'test', '2026-01-01T00:00:00Z')",
    )
    .await;
    tokio::join!(t.aufgaben_ausfuehren(), b.aufgaben_ausfuehren());
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit WHERE aktion = 'umlauf-ausgezaehlt'")
            .await,
        1
    );
    assert_eq!(
        t.scalar_text("SELECT ergebnis FROM umlauf WHERE id = 900")
            .await
            .as_deref(),
        Some("nicht-beschlussfaehig")
    );
}

/// The OpenAPI document as generated from the route declarations: every change to the API
/// shows up in review as a change of `snapshots/integration__kern__openapi.snap`.
#[tokio::test]
async fn openapi_dokument() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&dir.path().join("t.db").to_string_lossy())
        .await
        .unwrap();
    let portal = ozg::portal(ozg::kern::AppState::new(db));
    let doc: Value = serde_json::from_str(&portal.openapi).unwrap();
    assert_eq!(doc["info"]["title"], "OZG-Plattform NRW API");
    insta::assert_json_snapshot!("openapi", doc);
}

story!(hochladen_prueft_vor_dem_lesen);
/// An upload is checked before its file is read: without a session or the right role the body
/// is not touched at all; a wrong CSRF token (which the form sends before the file) ends the
/// request before the file's bytes are read; a file before the token is refused. Nothing stays
/// in the store's intake.
async fn hochladen_prueft_vor_dem_lesen(t: &TestApp) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (mi, _) = login_as(t, "mitglied", "mitglied", "").await;
    let grenze = "----ozgtestgrenze";
    let teil = |name: &str, wert: &str| {
        format!("--{grenze}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{wert}\r\n")
    };
    let datei_kopf = format!(
        "--{grenze}\r\nContent-Disposition: form-data; name=\"datei\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    );
    // Sends `vorne` as the first piece of the body and the file's bytes as the second; says
    // whether the second was read.
    let senden = |cookie: String, vorne: String| async move {
        let gelesen = Arc::new(AtomicBool::new(false));
        let g = gelesen.clone();
        // As over a network: the file's bytes arrive only 300 ms after the first piece; until
        // then the body is pending. A server that decides on the first piece never sees them.
        let mut erstes = true;
        let mut zeitgeber: Option<Arc<AtomicBool>> = None;
        let mut fertig = false;
        let stuecke = futures_util::stream::poll_fn(move |cx| {
            if erstes {
                erstes = false;
                return std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(
                    axum::body::Bytes::from(vorne.clone()),
                )));
            }
            if fertig {
                return std::task::Poll::Ready(None);
            }
            let da = zeitgeber.get_or_insert_with(|| {
                let da = Arc::new(AtomicBool::new(false));
                let (d, w) = (da.clone(), cx.waker().clone());
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    d.store(true, Ordering::SeqCst);
                    w.wake();
                });
                da
            });
            if !da.load(Ordering::SeqCst) {
                return std::task::Poll::Pending;
            }
            fertig = true;
            g.store(true, Ordering::SeqCst);
            std::task::Poll::Ready(Some(Ok(axum::body::Bytes::from(format!(
                "%PDF-1.7 {}\r\n--{grenze}--\r\n",
                "x".repeat(100_000)
            )))))
        });
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/projekte/kinderbetreuung/anhaenge")
            .header(header::HOST, "ozg.test")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={grenze}"),
            )
            .header(header::COOKIE, cookie)
            .body(axum::body::Body::from_stream(stuecke))
            .unwrap();
        let res = tower::ServiceExt::oneshot(t.app.clone(), req)
            .await
            .unwrap();
        (res.status(), gelesen.load(Ordering::SeqCst))
    };
    let vorne = format!("{}{}", teil("_csrf", &ks_csrf), datei_kopf);
    // No session: "please log in" (403), body untouched.
    let (status, gelesen) = senden(String::new(), vorne.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!gelesen, "read without a session");
    // A member may not upload here: 403, body untouched.
    let (status, gelesen) = senden(mi, vorne).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!gelesen, "read without the right");
    // Wrong token: refused before the file's bytes.
    let (status, gelesen) = senden(
        ks.clone(),
        format!("{}{}", teil("_csrf", "falsch"), datei_kopf),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!gelesen, "file read before the CSRF check");
    // The file before the token: refused.
    let (status, _) = senden(ks.clone(), datei_kopf.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The right token and the file: stored (the piece is read).
    let (status, gelesen) = senden(
        ks,
        format!(
            "{}{}{}",
            teil("_csrf", &ks_csrf),
            teil("titel", "Angebot"),
            datei_kopf
        ),
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    assert!(gelesen);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM anhang WHERE titel = 'Angebot'")
            .await,
        1
    );
    let eingang = t.state.ablage.verzeichnis().join("eingang");
    let rest = std::fs::read_dir(&eingang).map_or(0, Iterator::count);
    assert_eq!(rest, 0, "intake left over");
}

story!(zwischenspeicher_und_hsts);
/// Pages for a logged-in person are never cached (`no-store`); public pages may be. HSTS only
/// when configured.
async fn zwischenspeicher_und_hsts(t: &TestApp) {
    let (ks, _) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let r = t.get_with("/konto", &ks).await;
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store, private");
    let r = t.get_with("/projekte/kinderbetreuung", &ks).await;
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store, private");
    let r = t.get("/projekte/kinderbetreuung").await;
    assert!(r.headers.get(header::CACHE_CONTROL).is_none());
    assert!(r.headers.get("strict-transport-security").is_none());
    // The static CSS keeps its own caching even for a logged-in person.
    let r = t.get_with("/static/style.css", &ks).await;
    assert!(
        r.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let mit = ozg::portal(t.state.clone().with_hsts(true)).router;
    let r = tower::ServiceExt::oneshot(
        mit,
        axum::http::Request::get("/")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

story!(datenbank_einstellungen);
/// Durable commits on SQLite (synchronous=FULL) and a statement time limit on PostgreSQL.
async fn datenbank_einstellungen(t: &TestApp) {
    match t.db.backend() {
        ozg::kern::db::Backend::Sqlite => {
            assert_eq!(t.scalar("PRAGMA synchronous").await, 2, "FULL");
        }
        ozg::kern::db::Backend::Postgres => {
            assert_eq!(
                t.scalar_text("SHOW statement_timeout").await.as_deref(),
                Some("1min")
            );
        }
    }
}

story!(komprimiert_und_stilversion);
/// Text answers are compressed (pages with gzip, the stylesheet with brotli or gzip), files
/// that are compressed already are not; the stylesheet's address carries its content hash, so
/// only that address may be cached for a year, and its ETag answers a revalidation with 304.
async fn komprimiert_und_stilversion(t: &TestApp) {
    let roh = t.ok("/umsetzungsplan").await;
    assert!(roh.headers.get("content-encoding").is_none());
    // Pages are built per request: gzip (brotli per request costs too much, see benchmarks).
    for angebot in ["gzip", "gzip, deflate, br, zstd"] {
        let r = t
            .get_mit("/umsetzungsplan", &[("accept-encoding", angebot)])
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers["content-encoding"], "gzip", "{angebot}");
        assert!(
            r.body.len() * 3 < roh.body.len(),
            "{angebot}: {} of {} bytes",
            r.body.len(),
            roh.body.len()
        );
    }
    let xlsx = t
        .get_mit("/umsetzungsplan.xlsx", &[("accept-encoding", "gzip, br")])
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.headers.get("content-encoding").is_none(),
        "XLSX is a zip already"
    );

    let html = roh.text();
    let href = html
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("stylesheet link");
    assert!(href.starts_with("/static/style.css?v="), "{href}");
    let css = t.ok(href).await;
    assert!(
        css.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let etag = css.headers["etag"].to_str().unwrap().to_owned();
    let wieder = t.get_mit(href, &[("if-none-match", &etag)]).await;
    assert_eq!(wieder.status, StatusCode::NOT_MODIFIED);
    assert!(wieder.body.is_empty());
    let anders = t.get_mit(href, &[("if-none-match", "\"alt\"")]).await;
    assert_eq!(anders.status, StatusCode::OK);
    // An old or missing hash is revalidated soon, never kept for a year.
    let alt = t.ok("/static/style.css?v=1").await;
    assert!(
        !alt.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(alt.body, css.body);
    // The stylesheet never changes while the portal runs: brotli, compressed once.
    let br = t
        .get_mit(href, &[("accept-encoding", "gzip, deflate, br")])
        .await;
    assert_eq!(br.headers["content-encoding"], "br");
    assert!(
        br.body.len() * 3 < css.body.len(),
        "{} of {}",
        br.body.len(),
        css.body.len()
    );
    let br_etag = br.headers["etag"].to_str().unwrap().to_owned();
    assert_ne!(br_etag, etag, "another representation, another ETag");
    let wieder = t
        .get_mit(
            href,
            &[("accept-encoding", "br"), ("if-none-match", &br_etag)],
        )
        .await;
    assert_eq!(wieder.status, StatusCode::NOT_MODIFIED);
    let gz = t.get_mit(href, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.headers["content-encoding"], "gzip");
}
