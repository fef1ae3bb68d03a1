//! HTTP stories of the pages the law requires: the Erklärung zur Barrierefreiheit with its
//! feedback form (stored, mailed to the operator through the outbox, throttled, deleted after
//! half a year), Impressum and Kontakt with the operator's details or a warning while they are
//! missing, Leichte Sprache and Gebärdensprache (with the operator's video).

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use ozg::hinweise::Betreiber;
use ozg::kern::{AppState, Portal, Uhr};

use crate::support::*;

const RUECKMELDUNG: &str = "/barrierefreiheit/rueckmeldung";
/// A pre-login CSRF token (any 64 characters; cookie and field must match).
const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn betreiber() -> Betreiber {
    Betreiber {
        name: "Stadt Musterstadt, Der Bürgermeister".into(),
        anschrift: "Markt 1; 12345 Musterstadt".into(),
        vertretung: "Bürgermeisterin Erika Mustermann".into(),
        email: "ozg@musterstadt.example".into(),
        telefon: "0123 45678-0".into(),
        aufsicht: "Bezirksregierung Düsseldorf".into(),
        barrierefreiheit_email: "barrierefrei@musterstadt.example".into(),
        gebaerdensprache_video: None,
    }
}

/// The portal on the test's database with a clock standing now (moved by the test), with
/// e-mail configured or not, and the operator's details if given.
fn portal(t: &TestApp, mail: bool, b: Option<Betreiber>) -> Portal {
    let smtp = mail.then(|| ozg::kern::mail::SmtpConfig {
        url: "smtp://127.0.0.1:9".into(),
        absender: "OZG-Plattform <ozg@localhost>".into(),
    });
    let state = AppState::new(t.db.clone())
        .with_uhr(Uhr::fest(jiff::Timestamp::now()))
        .with_mail(smtp, "https://ozg.example")
        .with_ablage(t.state.ablage.verzeichnis().to_path_buf());
    if let Some(b) = b {
        state.erweiterung_setzen(b);
    }
    ozg::portal(state)
}

async fn anfrage(app: &Router, req: Request<Body>) -> Resp {
    antwort(app, req).await
}

async fn get(app: &Router, uri: &str) -> Resp {
    anfrage(
        app,
        Request::get(uri)
            .header(header::HOST, "ozg.test")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// The feedback form as a browser sends it before login: cookie and field carry the token.
async fn senden(app: &Router, felder: &[(&str, &str)]) -> Resp {
    let mut form = vec![("_csrf", TOKEN)];
    form.extend_from_slice(felder);
    anfrage(
        app,
        Request::post(RUECKMELDUNG)
            .header(header::HOST, "ozg.test")
            .header(header::ORIGIN, "http://ozg.test")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("{CSRF}={TOKEN}"))
            .body(Body::from(serde_urlencoded::to_string(&form).unwrap()))
            .unwrap(),
    )
    .await
}

async fn anzahl(t: &TestApp) -> i64 {
    t.scalar("SELECT COUNT(*) FROM rueckmeldung").await
}

fn verschieben(p: &Portal, sekunden: i64) {
    let jetzt = p.state.uhr.sekunden();
    p.state
        .uhr
        .stellen(jiff::Timestamp::from_second(jetzt + sekunden).unwrap());
}

story!(pflichtseiten_mit_ihren_teilen);
/// Every required page answers, the start page and the footer link to Leichte Sprache,
/// Gebärdensprache and Kontakt, and the Erklärung has what the EU model and the BITV NRW ask:
/// the state of compliance, the known problems, the date, a feedback form and the
/// Schlichtungsstelle with address and link.
async fn pflichtseiten_mit_ihren_teilen(t: &TestApp) {
    let p = portal(t, false, None);
    let start = get(&p.router, "/").await;
    assert_eq!(start.status, StatusCode::OK);
    let start = start.text();
    for link in [
        "href=\"/leichte-sprache\">Leichte Sprache",
        "href=\"/gebaerdensprache\">Gebärdensprache",
        "href=\"/kontakt\">Kontakt</a>",
    ] {
        assert!(start.contains(link), "start page lacks {link}");
    }
    for (pfad, teile) in [
        (
            "/barrierefreiheit",
            &[
                "teilweise vereinbar",
                "Nicht barrierefreie Inhalte",
                "⚠ unsicher",
                "als Tabelle",
                "PDF/UA-1",
                "Farben sind bei der Übertragung verloren gegangen",
                "Das Video in Deutscher Gebärdensprache ist noch in Vorbereitung",
                "wurde am 01.12.2026 erstellt",
                "action=\"/barrierefreiheit/rueckmeldung\"",
                "<label for=\"rm-beschreibung\">",
                "Ombudsstelle für barrierefreie Informationstechnik",
                "Fürstenwall 25",
                "40219 Düsseldorf",
                "mailto:ombudsstelle-barrierefreie-it@mags.nrw.de",
                "href=\"https://www.lbbp.nrw.de/ombudsstelle\">Website der Ombudsstelle",
            ][..],
        ),
        (
            "/leichte-sprache",
            &[
                "Was ist diese Seite?",
                "Was finden Sie hier?",
                "Wie können Sie die Seite benutzen?",
                "Hilfe und Kontakt",
                "Das bedeutet: Online-Zugangs-Gesetz.",
            ][..],
        ),
        (
            "/gebaerdensprache",
            &[
                "ist in Vorbereitung",
                "als Text",
                "Wie bediene ich die Website?",
            ][..],
        ),
        ("/impressum", &["Impressum", "EUPL-1.2"][..]),
        ("/datenschutz", &["Rückmeldungen zur Barrierefreiheit"][..]),
        ("/kontakt", &["Barrieren melden"][..]),
    ] {
        let r = get(&p.router, pfad).await;
        assert_eq!(r.status, StatusCode::OK, "{pfad}");
        let text = r.text();
        for teil in teile {
            assert!(text.contains(teil), "{pfad} lacks {teil:?}");
        }
    }
    // No video configured: no player, and the video's address is not found.
    assert!(
        !get(&p.router, "/gebaerdensprache")
            .await
            .text()
            .contains("<video")
    );
    assert_eq!(
        get(&p.router, "/gebaerdensprache/video").await.status,
        StatusCode::NOT_FOUND
    );
    // The pre-login CSRF cookie comes with the form.
    assert!(
        get(&p.router, "/barrierefreiheit")
            .await
            .set_cookie(CSRF)
            .is_some()
    );
}

story!(betreiberangaben_oder_warnung);
/// While the operator's details are missing, Impressum and Kontakt say so and name the
/// flags; once they are set, the pages name the operator and the warning is gone.
async fn betreiberangaben_oder_warnung(t: &TestApp) {
    let ohne = portal(t, false, None);
    for pfad in ["/impressum", "/kontakt"] {
        let text = get(&ohne.router, pfad).await.text();
        assert!(
            text.contains("kern-alert--warning") && text.contains("Betreiberangaben fehlen"),
            "{pfad}: no warning"
        );
        for flag in [
            "--betreiber-name",
            "--betreiber-anschrift",
            "--betreiber-email",
        ] {
            assert!(
                text.contains(flag),
                "{pfad}: the warning does not name {flag}"
            );
        }
    }
    // Without any address the Erklärung has no mailto link but says what is missing.
    let text = get(&ohne.router, "/barrierefreiheit").await.text();
    assert!(text.contains("--barrierefreiheit-email"));
    // (The only mailto link left is the Ombudsstelle's.)
    assert_eq!(
        text.matches("href=\"mailto:").count(),
        text.matches("href=\"mailto:ombudsstelle").count(),
        "a feedback mailto link without an address"
    );
    assert!(text.contains("href=\"mailto:ombudsstelle"));

    let mit = portal(t, false, Some(betreiber()));
    for pfad in ["/impressum", "/kontakt"] {
        let text = get(&mit.router, pfad).await.text();
        assert!(!text.contains("Betreiberangaben fehlen"), "{pfad}");
        for teil in [
            "Stadt Musterstadt, Der Bürgermeister",
            "12345 Musterstadt",
            "mailto:ozg@musterstadt.example",
            "0123 45678-0",
        ] {
            assert!(text.contains(teil), "{pfad} lacks {teil}");
        }
    }
    let impressum = get(&mit.router, "/impressum").await.text();
    assert!(impressum.contains("Bürgermeisterin Erika Mustermann"));
    assert!(impressum.contains("Bezirksregierung Düsseldorf"));
    let text = get(&mit.router, "/barrierefreiheit").await.text();
    assert!(text.contains(
        "href=\"mailto:barrierefrei@musterstadt.example?subject=Barriere%20auf%20der%20OZG-Plattform%20NRW\""
    ));
    assert!(
        text.starts_with("<!DOCTYPE html>")
            && text.contains("Stadt Musterstadt, Der Bürgermeister ist bemüht")
    );
}

story!(rueckmeldung_gespeichert_und_gemeldet);
/// A valid submission is stored (with name and e-mail address), redirects to the
/// confirmation, and puts one e-mail to the feedback address into the outbox in the same
/// transaction: with the page and the description, without the sender's name and address.
/// Without e-mail or without an address, it is stored and nothing is queued.
async fn rueckmeldung_gespeichert_und_gemeldet(t: &TestApp) {
    let p = portal(t, true, Some(betreiber()));
    let r = senden(
        &p.router,
        &[
            ("name", "Kim Beispiel"),
            ("email", "kim@beispiel.de"),
            ("seite", "/zeitleiste"),
            (
                "beschreibung",
                "Die Grafik ist mit dem Screenreader nicht lesbar.",
            ),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), "/barrierefreiheit/danke");
    let danke = get(&p.router, "/barrierefreiheit/danke").await;
    assert_eq!(danke.status, StatusCode::OK);
    assert!(danke.text().contains("Vielen Dank für Ihre Rückmeldung"));

    assert_eq!(anzahl(t).await, 1);
    assert_eq!(
        t.scalar_text("SELECT name || '|' || email || '|' || seite FROM rueckmeldung")
            .await
            .unwrap(),
        "Kim Beispiel|kim@beispiel.de|/zeitleiste"
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM postausgang WHERE anlass LIKE 'rueckmeldung:%'")
            .await,
        1
    );
    let an = t
        .scalar_text("SELECT empfaenger FROM postausgang WHERE anlass LIKE 'rueckmeldung:%'")
        .await
        .unwrap();
    assert_eq!(an, "barrierefrei@musterstadt.example");
    let mail = t
        .scalar_text(
            "SELECT betreff || '\n' || text FROM postausgang WHERE anlass LIKE 'rueckmeldung:%'",
        )
        .await
        .unwrap();
    for teil in [
        "Neue Rückmeldung zur Barrierefreiheit",
        "Seite: /zeitleiste",
        "Die Grafik ist mit dem Screenreader nicht lesbar.",
        "https://ozg.example/verwaltung/rueckmeldungen",
    ] {
        assert!(mail.contains(teil), "the e-mail lacks {teil}:\n{mail}");
    }
    for privat in ["Kim", "kim@beispiel.de"] {
        assert!(
            !mail.contains(privat),
            "the e-mail names the sender ({privat}):\n{mail}"
        );
    }

    // E-mail not configured, or no address: stored, nothing queued.
    let ohne_mail = portal(t, false, Some(betreiber()));
    let ohne_adresse = portal(t, true, None);
    for app in [&ohne_mail.router, &ohne_adresse.router] {
        let r = senden(app, &[("beschreibung", "Kontrast zu gering")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(anzahl(t).await, 3);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM postausgang").await, 1);

    // The Koordinierungsstelle reads them, with name and address; others may not.
    let (ks, _) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (mitglied, _) = login_as(t, "mitglied", "mitglied", "").await;
    let mit_cookie = |c: &str| {
        Request::get("/verwaltung/rueckmeldungen")
            .header(header::HOST, "ozg.test")
            .header(header::COOKIE, c)
            .body(Body::empty())
            .unwrap()
    };
    let liste = anfrage(&p.router, mit_cookie(&ks)).await;
    assert_eq!(liste.status, StatusCode::OK);
    let liste = liste.text();
    assert!(liste.contains("kim@beispiel.de") && liste.contains("Kontrast zu gering"));
    assert_eq!(
        anfrage(&p.router, mit_cookie(&mitglied)).await.status,
        StatusCode::FORBIDDEN
    );
    let anonym = get(&p.router, "/verwaltung/rueckmeldungen").await;
    assert!(
        anonym.location().starts_with("/anmelden"),
        "{}",
        anonym.status
    );
}

story!(rueckmeldung_ungueltig_oder_ohne_csrf);
/// Bad input: 400 with German messages at the fields and a summary linking to them, the
/// input kept, nothing stored. Without the CSRF token, with a wrong one, or from a foreign
/// origin: refused, nothing stored.
async fn rueckmeldung_ungueltig_oder_ohne_csrf(t: &TestApp) {
    let p = portal(t, true, Some(betreiber()));
    let r = senden(
        &p.router,
        &[
            ("name", "Kim"),
            ("email", "kim-at-beispiel"),
            ("seite", "zeitleiste"),
            ("beschreibung", "   "),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    for teil in [
        "Ihre Rückmeldung wurde nicht gesendet",
        "href=\"#rm-beschreibung\"",
        "href=\"#rm-email\"",
        "href=\"#rm-seite\"",
        "Bitte beschreiben Sie, welche Barriere Ihnen aufgefallen ist.",
        "Bitte geben Sie eine gültige E-Mail-Adresse an",
        "id=\"rm-beschreibung-fehler\"",
        "aria-invalid=\"true\"",
        "value=\"kim-at-beispiel\"",
        "value=\"Kim\"",
    ] {
        assert!(text.contains(teil), "the refused form lacks {teil}");
    }
    // The form can be sent again with the token it carries.
    assert_eq!(form_value(&text, "_csrf"), TOKEN);
    assert_eq!(anzahl(t).await, 0);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM postausgang").await, 0);

    let form = "beschreibung=Barriere";
    for (was, cookie, body, origin) in [
        ("no token at all", String::new(), form.to_owned(), None),
        ("no field", format!("{CSRF}={TOKEN}"), form.to_owned(), None),
        (
            "a wrong field",
            format!("{CSRF}={TOKEN}"),
            format!("{form}&_csrf=falsch"),
            None,
        ),
        (
            "a foreign origin",
            format!("{CSRF}={TOKEN}"),
            format!("{form}&_csrf={TOKEN}"),
            Some("https://boese.example"),
        ),
    ] {
        let mut req = Request::post(RUECKMELDUNG)
            .header(header::HOST, "ozg.test")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie);
        }
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        let r = anfrage(&p.router, req.body(Body::from(body)).unwrap()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{was}");
        assert!(r.text().contains("Cross-Site-Request-Forgery"), "{was}");
    }
    assert_eq!(anzahl(t).await, 0);
}

story!(rueckmeldung_gedrosselt);
/// One address sends at most five submissions an hour; the sixth gets 429 with a German
/// message and is not stored, and does not count itself. Another address is not affected;
/// an hour later the first may send again.
async fn rueckmeldung_gedrosselt(t: &TestApp) {
    let p = portal(t, false, None);
    for i in 0..5 {
        let r = senden(&p.router, &[("beschreibung", &format!("Barriere {i}"))]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "submission {i}");
    }
    for _ in 0..3 {
        let r = senden(&p.router, &[("beschreibung", "noch eine")]).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            r.text()
                .contains("in der letzten Stunde schon 5 Rückmeldungen")
        );
        assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap(), "3600");
    }
    assert_eq!(anzahl(t).await, 5);
    // Refused attempts are not counted (they would extend the wait).
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM rueckmeldung_versuch").await,
        5
    );
    // The address is not stored as such.
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM rueckmeldung_versuch WHERE schluessel = 'lokal'")
            .await,
        0
    );

    // Another client address (over TCP): accepted.
    let ziel = router_ueber_tcp(p.router.clone()).await;
    let cookie = format!("{CSRF}={TOKEN}");
    let (status, body) = http_von(
        "127.0.0.2",
        ziel,
        "POST",
        RUECKMELDUNG,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie),
        ],
        &format!("_csrf={TOKEN}&beschreibung=andere+Adresse"),
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(anzahl(t).await, 6);

    // An hour later: accepted again.
    verschieben(&p, 3601);
    let r = senden(&p.router, &[("beschreibung", "später")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(anzahl(t).await, 7);

    // Many addresses together (a botnet, a whole IPv6 /48): each stays under its own limit,
    // but all of them together are capped, so table and mailbox cannot be filled.
    let jetzt = p.state.uhr.sekunden();
    let marken: Vec<String> = (0..ozg_domain::rueckmeldung::ALLE_ADRESSEN)
        .map(|i| format!("('fremd-{i}', {jetzt}, 'k-{i}')"))
        .collect();
    t.ausfuehren(&format!(
        "INSERT INTO rueckmeldung_versuch (schluessel, zeit, kennung) VALUES {}",
        marken.join(", ")
    ))
    .await;
    let r = senden(&p.router, &[("beschreibung", "eine von vielen")]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.text().contains("sehr viele Rückmeldungen"),
        "{}",
        r.text()
    );
    assert_eq!(anzahl(t).await, 7);
}

story!(rueckmeldungen_nach_aufbewahrungsfrist_geloescht);
/// The hourly task deletes submissions older than 180 days and keeps the newer ones; it can
/// run any number of times (and on several instances).
async fn rueckmeldungen_nach_aufbewahrungsfrist_geloescht(t: &TestApp) {
    use ozg_domain::rueckmeldung::AUFBEWAHREN_TAGE;
    let p = portal(t, false, None);
    let aufgabe = *p
        .aufgaben
        .iter()
        .find(|a| a.name == "alte Rückmeldungen zur Barrierefreiheit löschen")
        .expect("the task is registered");
    assert_eq!(
        senden(&p.router, &[("beschreibung", "alt")]).await.status,
        StatusCode::SEE_OTHER
    );
    verschieben(&p, 100 * 86_400);
    assert_eq!(
        senden(&p.router, &[("beschreibung", "neu")]).await.status,
        StatusCode::SEE_OTHER
    );
    // Just before the end of the period of the first: both are kept.
    verschieben(&p, (AUFBEWAHREN_TAGE - 100) * 86_400 - 60);
    (aufgabe.lauf)(p.state.clone()).await.unwrap();
    assert_eq!(anzahl(t).await, 2);
    // After it: the old one is gone, the new one stays; again: nothing changes.
    verschieben(&p, 120);
    for _ in 0..2 {
        (aufgabe.lauf)(p.state.clone()).await.unwrap();
        assert_eq!(
            t.scalar_text("SELECT beschreibung FROM rueckmeldung")
                .await
                .as_deref(),
            Some("neu")
        );
        assert_eq!(anzahl(t).await, 1);
    }
    // The throttling marks are kept one day only.
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM rueckmeldung_versuch").await,
        0
    );
}

story!(gebaerdensprache_mit_video);
/// With the operator's video configured, the page shows a player with a text version, and
/// the video is served with its media type and in byte ranges (for seeking).
async fn gebaerdensprache_mit_video(t: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let datei = dir.path().join("dgs.mp4");
    let inhalt: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&datei, &inhalt).unwrap();
    let p = portal(
        t,
        false,
        Some(Betreiber {
            gebaerdensprache_video: Some(datei),
            ..betreiber()
        }),
    );
    let seite = get(&p.router, "/gebaerdensprache").await.text();
    for teil in [
        "<video controls",
        "<source src=\"/gebaerdensprache/video\" type=\"video/mp4\">",
        "Der Inhalt des Videos als Text",
    ] {
        assert!(seite.contains(teil), "the page lacks {teil}");
    }
    assert!(!seite.contains("in Vorbereitung"));
    assert!(
        !get(&p.router, "/barrierefreiheit")
            .await
            .text()
            .contains("Video in Deutscher Gebärdensprache ist noch in Vorbereitung")
    );

    let ganz = get(&p.router, "/gebaerdensprache/video").await;
    assert_eq!(ganz.status, StatusCode::OK);
    assert_eq!(ganz.headers.get(header::CONTENT_TYPE).unwrap(), "video/mp4");
    assert_eq!(ganz.headers.get(header::ACCEPT_RANGES).unwrap(), "bytes");
    assert_eq!(ganz.body, inhalt);
    let teil = anfrage(
        &p.router,
        Request::get("/gebaerdensprache/video")
            .header(header::RANGE, "bytes=10-19")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(teil.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        teil.headers.get(header::CONTENT_RANGE).unwrap(),
        "bytes 10-19/1000"
    );
    assert_eq!(teil.body, &inhalt[10..20]);
    let daneben = anfrage(
        &p.router,
        Request::get("/gebaerdensprache/video")
            .header(header::RANGE, "bytes=5000-")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(daneben.status, StatusCode::RANGE_NOT_SATISFIABLE);
}
