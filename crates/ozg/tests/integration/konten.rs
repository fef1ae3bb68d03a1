//! HTTP stories of the accounts: invitation, login, sessions, CSRF, throttling.

use crate::support::*;
use crate::umsetzungsplan::{pdf_text, squash};

story!(members_invitation_login_session_csrf);
async fn members_invitation_login_session_csrf(t: &TestApp) {
    use ozg::konten;
    let uhr = ozg::kern::Uhr::system();
    let start = t.audit_count().await;
    // Bad invitation input names every field and creates nothing.
    let bad = konten::einladen(
        &t.db,
        &uhr,
        &konten::NeuesKonto {
            benutzername: "A b".into(),
            email: "keine-mail".into(),
            rolle: "chef".into(),
            themenfelder: "gibtsnicht".into(),
            ..Default::default()
        },
        "test",
    )
    .await
    .unwrap_err()
    .feldfehler()
    .unwrap();
    let felder: Vec<&str> = bad.iter().map(|f| f.0).collect();
    for f in ["benutzername", "name", "email", "rolle", "themenfelder"] {
        assert!(felder.contains(&f), "{f}: {bad:?}");
    }
    assert_eq!(
        t.db.scalar(sql!("SELECT COUNT(*) FROM konto"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(t.audit_count().await, start);

    let token = konten::einladen(
        &t.db,
        &uhr,
        &konten::NeuesKonto {
            benutzername: "koordination".into(),
            name: "Koordinierungsstelle".into(),
            email: "ks@kdn.de".into(),
            rolle: "koordinierungsstelle".into(),
            ..Default::default()
        },
        "shell",
    )
    .await
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
        t.db.scalar_text(sql!(
            "SELECT passwort_hash FROM konto WHERE benutzername = 'koordination'"
        ))
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
        t.db.scalar(sql!("SELECT COUNT(*) FROM plan_stand WHERE name = 'X'"))
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
    assert!(text.contains(&squash("Interne Notiz (nicht öffentlich)")));
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
    let s = konten::anmelden(&t.state, "koordination", neu, "test")
        .await
        .unwrap();
    let c = format!("{SITZUNG}={s}");
    assert_eq!(t.get_with("/konto", &c).await.status, StatusCode::OK);
    t.db.execute_all(&[sql!(
        "UPDATE sitzung SET zuletzt = zuletzt - 1801, erstellt = erstellt - 1801"
    )])
    .await
    .unwrap();
    assert_eq!(t.get_with("/konto", &c).await.status, StatusCode::SEE_OTHER);
    // Absolute expiry after 12 hours even when active.
    let s = konten::anmelden(&t.state, "koordination", neu, "test")
        .await
        .unwrap();
    let c = format!("{SITZUNG}={s}");
    t.db.execute_all(&[sql!("UPDATE sitzung SET erstellt = erstellt - 43201")])
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

story!(drosselung_je_adresse_ueber_tcp);
/// The per-address login limit counts the real client address: 20 failures from 127.0.0.1
/// block 127.0.0.1, not a person logging in from 127.0.0.2 (before the fix, every request was
/// one address, so anyone could lock everyone out).
async fn drosselung_je_adresse_ueber_tcp(t: &TestApp) {
    login_as(t, "kim", "mitglied", "").await;
    let ziel = t.ueber_tcp().await;
    let anmelden = |von: &'static str, name: String, pw: &'static str| async move {
        let form = format!("benutzername={name}&passwort={pw}&_csrf=vorab&weiter=/konto");
        http_von(
            von,
            ziel,
            "POST",
            "/anmelden",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &format!("{CSRF}=vorab")),
            ],
            &form,
        )
        .await
    };
    // 20 failures from one address, each for another name (the account limit is per name).
    for i in 0..20 {
        let (status, body) = anmelden("127.0.0.1", format!("niemand{i}"), "falsch").await;
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("Benutzername oder Passwort ist falsch"));
    }
    let (status, body) = anmelden("127.0.0.1", "kim".into(), "falsch").await;
    assert_eq!(status, 401);
    assert!(
        body.contains("Zu viele fehlgeschlagene Anmeldungen von Ihrem Anschluss"),
        "{body}"
    );
    // Another address is not affected: Kim logs in.
    let (status, body) = anmelden("127.0.0.2", "kim".into(), PW).await;
    assert_eq!(status, 303, "{body}");
    // And 127.0.0.1 stays blocked, even with the right password.
    let (status, _) = anmelden("127.0.0.1", "kim".into(), PW).await;
    assert_eq!(status, 401);
}

story!(drosselung_je_ipv6_netz);
/// An attacker with an IPv6 connection has a whole /64: 20 failures from 20 addresses of one
/// /64 block the 21st address of it (before, each address counted alone), not another /64.
async fn drosselung_je_ipv6_netz(t: &TestApp) {
    login_as(t, "kim", "mitglied", "").await;
    for i in 1..=20 {
        let r = ozg::konten::anmelden(
            &t.state,
            &format!("niemand{i}"),
            "falsch",
            &format!("2001:db8:0:1::{i:x}"),
        )
        .await;
        assert!(r.is_err());
    }
    let e = ozg::konten::anmelden(&t.state, "kim", PW, "2001:db8:0:1:ffff::9")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("von Ihrem Anschluss"), "{e}");
    ozg::konten::anmelden(&t.state, "kim", PW, "2001:db8:0:2::1")
        .await
        .expect("another /64 logs in");
}

story!(passwort_aendern_gedrosselt);
/// The old password on `/konto/passwort` counts like a login attempt: a stolen session cannot
/// guess it without limit (before, every request ran an unthrottled Argon2 check).
async fn passwort_aendern_gedrosselt(t: &TestApp) {
    let (session, csrf) = login_as(t, "kim", "mitglied", "").await;
    let neu = "Kreishaus-Portal-2027?";
    let versuch = |alt: &'static str| {
        let (session, csrf) = (session.clone(), csrf.clone());
        async move {
            t.post(
                "/konto/passwort",
                &session,
                &[
                    ("_csrf", &csrf),
                    ("alt", alt),
                    ("neu", neu),
                    ("wiederholung", neu),
                ],
            )
            .await
        }
    };
    for _ in 0..5 {
        let r = versuch("falsch").await;
        assert!(
            r.text().contains("bisherige Passwort ist falsch"),
            "{}",
            r.text()
        );
    }
    let r = versuch(PW).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Zu viele"), "{}", r.text());
    // The login is throttled as well: the same account key.
    assert!(
        ozg::konten::anmelden(&t.state, "kim", PW, "192.0.2.1")
            .await
            .is_err()
    );
}

story!(parallele_anmeldungen_gebremst);
/// 300 simultaneous wrong logins for one account: the attempt is recorded before the password
/// is checked, so at most five checks run (the account limit), every answer is a refusal
/// (401, or 429 when the checking queue is full), and memory stays bounded.
async fn parallele_anmeldungen_gebremst(t: &TestApp) {
    login_as(t, "kim", "mitglied", "").await;
    let stelle = t.state.erweiterung::<ozg::konten::Pruefstelle>();
    let vorher = stelle.pruefungen();
    let speicher_vorher = spitzen_speicher_kib();
    let anfragen = (0..300).map(|i| async move {
        t.post(
            "/anmelden",
            &format!("{CSRF}=vorab"),
            &[
                ("_csrf", "vorab"),
                ("benutzername", "kim"),
                ("passwort", &format!("falsch-{i}")),
            ],
        )
        .await
        .status
    });
    let antworten = futures_util::future::join_all(anfragen).await;
    for s in &antworten {
        assert!(
            *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS,
            "{s}"
        );
    }
    let geprueft = stelle.pruefungen() - vorher;
    assert!(geprueft <= 5, "{geprueft} Passwortprüfungen");
    let zuwachs = spitzen_speicher_kib().saturating_sub(speicher_vorher);
    eprintln!(
        "300 parallele Fehlanmeldungen: {geprueft} Prüfungen, Spitzenspeicher {} MiB (+{} MiB)",
        spitzen_speicher_kib() / 1024,
        zuwachs / 1024
    );
    assert!(zuwachs < 256 * 1024, "Speicher +{zuwachs} KiB");
    // Every check left one failure on record, the refused ones none; after the rest of the
    // five, the account is locked for 15 minutes, also with the right password.
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM anmeldeversuch WHERE schluessel = 'konto:kim'")
            .await,
        geprueft as i64
    );
    let anmelden = |pw: &'static str| async move {
        t.post(
            "/anmelden",
            &format!("{CSRF}=vorab"),
            &[
                ("_csrf", "vorab"),
                ("benutzername", "kim"),
                ("passwort", pw),
            ],
        )
        .await
    };
    for _ in geprueft..5 {
        assert_eq!(anmelden("falsch").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(stelle.pruefungen() - vorher, 5);
    let r = anmelden(PW).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.text()
            .contains("Zu viele fehlgeschlagene Anmeldungen für dieses Konto")
    );
    assert_eq!(stelle.pruefungen() - vorher, 5, "refused without a check");
}

story!(kein_offener_ruecksprung_nach_der_anmeldung);
/// After the login the browser goes only to a path of this site: `weiter` values that a
/// browser would turn into another site (tab or newline dropped, backslash as slash) lead to
/// the account page instead; the login form does not carry them either.
async fn kein_offener_ruecksprung_nach_der_anmeldung(t: &TestApp) {
    login_as(t, "kim", "mitglied", "").await;
    for (weiter, ziel) in [
        ("/\t/evil.example", "/konto"),
        ("/\n/evil.example", "/konto"),
        ("//evil.example", "/konto"),
        ("/\\evil.example", "/konto"),
        ("https://evil.example/", "/konto"),
        (
            "/projekte?themenfeld=familie-kind",
            "/projekte?themenfeld=familie-kind",
        ),
    ] {
        let r = t
            .post(
                "/anmelden",
                &format!("{CSRF}=vorab"),
                &[
                    ("_csrf", "vorab"),
                    ("benutzername", "kim"),
                    ("passwort", PW),
                    ("weiter", weiter),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{weiter:?}");
        assert_eq!(r.location(), ziel, "{weiter:?}");
    }
    let seite = t.ok("/anmelden?weiter=/%09/evil.example").await.text();
    assert!(
        seite.contains("name=\"weiter\" value=\"/konto\""),
        "{seite}"
    );
}

story!(einladungslink_aus_der_eingestellten_adresse);
/// The invitation link the Koordinierungsstelle passes on is built from the configured public
/// address, never from the request's `Host` header (which the client chooses).
async fn einladungslink_aus_der_eingestellten_adresse(t: &TestApp) {
    let app = t.mit_mail(None, "https://ozg.kdn.example/");
    let (ks, ks_csrf) = login_as(&app, "koordination", "koordinierungsstelle", "").await;
    let r = app
        .post(
            "/verwaltung/konten",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("benutzername", "neu"),
                ("name", "Neue Person"),
                ("email", "neu@beispiel.de"),
                ("rolle", "mitglied"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let text = r.text();
    assert!(
        text.contains("https://ozg.kdn.example/einladung/"),
        "{text}"
    );
    assert!(
        !text.contains("ozg.test/einladung"),
        "not from the Host header"
    );
}

story!(sicherheitsereignisse_fuer_die_koordinierungsstelle);
/// Logins, failures, lockouts, refused forms and refused actions are recorded with address and
/// account and shown to the Koordinierungsstelle (filterable); a refused page view writes
/// nothing; events older than 90 days are deleted by the scheduled task.
async fn sicherheitsereignisse_fuer_die_koordinierungsstelle(t: &TestApp) {
    let (ks, _) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (mi, mi_csrf) = login_as(t, "mitglied", "mitglied", "").await;
    let anmelden = |name: &'static str, pw: &'static str| async move {
        t.post(
            "/anmelden",
            &format!("{CSRF}=vorab"),
            &[("_csrf", "vorab"), ("benutzername", name), ("passwort", pw)],
        )
        .await
        .status
    };
    for _ in 0..5 {
        assert_eq!(
            anmelden("mitglied", "falsch").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        anmelden("mitglied", PW).await,
        StatusCode::UNAUTHORIZED,
        "locked"
    );
    // A form with a wrong token, and an action the member's role may not do.
    let r = t
        .post("/konto/passwort", &mi, &[("_csrf", "falsch"), ("alt", PW)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post(
            "/umsetzungsplan/staende",
            &mi,
            &[("_csrf", &mi_csrf), ("name", "X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.post("/abmelden", &mi, &[("_csrf", &mi_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let seite = t.get_with("/verwaltung/sicherheit", &ks).await;
    assert_eq!(seite.status, StatusCode::OK);
    let text = seite.text();
    for s in [
        "Anmeldung fehlgeschlagen",
        "Anmeldung gesperrt (zu viele Fehlversuche)",
        "Formular abgelehnt (CSRF/Herkunft)",
        "Zugriff verweigert",
        "Abmeldung",
        "/umsetzungsplan/staende",
        "mitglied",
    ] {
        assert!(text.contains(s), "{s}: {text}");
    }
    assert!(
        text.contains("Anmeldung fehlgeschlagen: 5"),
        "counts of the last day"
    );
    let nur_csrf = t
        .get_with("/verwaltung/sicherheit?art=csrf-abgelehnt", &ks)
        .await
        .text();
    assert!(nur_csrf.contains("1 Ereignisse") && !nur_csrf.contains("<th scope=\"row\">Abmeldung"));
    let r = t.get_with("/verwaltung/sicherheit?art=unsinn", &ks).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Only the Koordinierungsstelle; a refused page view is not written.
    let n = t.scalar("SELECT COUNT(*) FROM sicherheitsereignis").await;
    let (mi2, _) = login_as(t, "mitglied2", "mitglied", "").await;
    let n = n + 1; // that login
    assert_eq!(
        t.get_with("/verwaltung/sicherheit", &mi2).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM sicherheitsereignis").await,
        n
    );
    // Deleted after 90 days.
    t.ausfuehren(
        "INSERT INTO sicherheitsereignis (id, zeit, art, adresse, konto, pfad, detail) VALUES (999999, 0, 'anmeldung', '192.0.2.1', 'alt', '/anmelden', '')",
    )
    .await;
    t.aufgaben_ausfuehren().await;
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM sicherheitsereignis WHERE id = 999999")
            .await,
        0
    );
}

/// The portal on the test's database with a clock standing a quarter past the current hour
/// (so that no hour ends during the test).
fn mit_fester_uhr(t: &TestApp) -> ozg::kern::Portal {
    let jetzt = jiff::Timestamp::now().as_second();
    let zeit = jiff::Timestamp::from_second(jetzt - jetzt % 3600 + 900).unwrap();
    ozg::portal(
        ozg::kern::AppState::new(t.db.clone())
            .with_uhr(ozg::kern::Uhr::fest(zeit))
            .with_ablage(t.state.ablage.verzeichnis().to_path_buf()),
    )
}

/// A login form without `_csrf` (and without the pre-login cookie) to `uri`.
async fn ohne_csrf(app: &axum::Router, uri: &str) -> StatusCode {
    use tower::ServiceExt;
    let req = axum::http::Request::post(uri)
        .header(header::HOST, "ozg.test")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("benutzername=x&passwort=y"))
        .unwrap();
    app.clone().oneshot(req).await.unwrap().status()
}

story!(sicherheitsereignisse_je_stunde_gezaehlt);
/// Anyone can send refused forms: 200 logins without a CSRF token from one address are one
/// row counting 200 (before: 200 rows, each its own two write transactions); the next hour
/// starts a row of its own. Names typed into failed and refused logins (each new name was a
/// new row) make at most `KONTEN_JE_STUNDE` rows per kind, address and hour, the rest is
/// counted under "(weitere)"; an IPv6 client counts by its /64. The page shows the counts.
async fn sicherheitsereignisse_je_stunde_gezaehlt(t: &TestApp) {
    use ozg::kern::sicherheit::{KONTEN_JE_STUNDE, WEITERE};
    let p = mit_fester_uhr(t);
    for _ in 0..200 {
        assert_eq!(
            ohne_csrf(&p.router, "/anmelden").await,
            StatusCode::FORBIDDEN
        );
    }
    let csrf = "SELECT COUNT(*) FROM sicherheitsereignis WHERE art = 'csrf-abgelehnt'";
    assert_eq!(t.scalar(csrf).await, 1);
    let stunde = p.state.uhr.sekunden() / 3600 * 3600;
    assert_eq!(
        t.scalar(&format!(
            "SELECT anzahl FROM sicherheitsereignis WHERE art = 'csrf-abgelehnt' \
             AND adresse = 'lokal' AND pfad = '/anmelden' AND konto = '' AND stunde = {stunde}"
        ))
        .await,
        200
    );
    // The next hour: a row of its own.
    p.state
        .uhr
        .stellen(jiff::Timestamp::from_second(stunde + 3600 + 300).unwrap());
    assert_eq!(
        ohne_csrf(&p.router, "/anmelden").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.scalar(csrf).await, 2);
    assert_eq!(
        t.scalar(&format!(
            "SELECT anzahl FROM sicherheitsereignis WHERE art = 'csrf-abgelehnt' AND stunde = {}",
            stunde + 3600
        ))
        .await,
        1
    );

    // 20 failures for 20 names from 20 addresses of one /64 (then it is locked), and 40
    // refused logins for 40 further names.
    for i in 1..=60 {
        let r = ozg::konten::anmelden(
            &p.state,
            &format!("niemand{i}"),
            "falsch",
            &format!("2001:db8:0:1::{i:x}"),
        )
        .await;
        assert!(r.is_err());
    }
    let zeilen = |art: &str| {
        format!(
            "SELECT COUNT(*) FROM sicherheitsereignis WHERE art = '{art}' \
             AND adresse = '2001:db8:0:1::/64'"
        )
    };
    let summe = |art: &str| {
        format!("SELECT CAST(SUM(anzahl) AS BIGINT) FROM sicherheitsereignis WHERE art = '{art}'")
    };
    assert_eq!(t.scalar(&zeilen("anmeldung-fehlgeschlagen")).await, 20);
    assert_eq!(t.scalar(&summe("anmeldung-fehlgeschlagen")).await, 20);
    assert_eq!(t.scalar(&zeilen("gesperrt")).await, KONTEN_JE_STUNDE + 1);
    assert_eq!(t.scalar(&summe("gesperrt")).await, 40);
    assert_eq!(
        t.scalar(&format!(
            "SELECT anzahl FROM sicherheitsereignis WHERE art = 'gesperrt' AND konto = '{WEITERE}'"
        ))
        .await,
        40 - KONTEN_JE_STUNDE
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM sicherheitsereignis WHERE adresse LIKE '2001:db8:0:1::_%' AND adresse <> '2001:db8:0:1::/64'")
            .await,
        0,
        "by /64, not by address"
    );

    let (ks, _) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let text = t.get_with("/verwaltung/sicherheit", &ks).await.text();
    assert!(text.contains("<td>200×</td>"), "{text}");
    assert!(
        text.contains("Anmeldung gesperrt (zu viele Fehlversuche): 40"),
        "{text}"
    );
    assert!(text.contains(WEITERE), "{text}");
}

story!(sicherheitsereignis_mit_routenmuster);
/// A refused form is stored under its route's pattern, not the path sent: a 5000-character
/// invitation token made a 5 KB row per request; now every such request counts into the row
/// of `/einladung/{token}`.
async fn sicherheitsereignis_mit_routenmuster(t: &TestApp) {
    let p = mit_fester_uhr(t);
    let lang = format!("/einladung/{}", "a".repeat(5000));
    assert_eq!(ohne_csrf(&p.router, &lang).await, StatusCode::FORBIDDEN);
    assert_eq!(
        ohne_csrf(&p.router, "/einladung/anderes").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM sicherheitsereignis WHERE LENGTH(pfad) > 200")
            .await,
        0
    );
    assert_eq!(
        t.scalar_text("SELECT pfad FROM sicherheitsereignis WHERE art = 'csrf-abgelehnt'")
            .await
            .as_deref(),
        Some("/einladung/{token}")
    );
    assert_eq!(
        t.scalar("SELECT anzahl FROM sicherheitsereignis WHERE art = 'csrf-abgelehnt'")
            .await,
        2
    );
}

/// Collects the `art` of every event logged to the target `sicherheit`.
#[derive(Clone, Default)]
struct Sicherheitslog(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Sicherheitslog {
    fn nehmen(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Sicherheitslog {
    fn on_event(&self, e: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Art(String);
        impl tracing::field::Visit for Art {
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                if f.name() == "art" {
                    self.0 = v.to_owned();
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        if e.metadata().target() == "sicherheit" {
            let mut a = Art(String::new());
            e.record(&mut a);
            self.0.lock().unwrap().push(a.0);
        }
    }
}

story!(eine_verweigerung_ein_ereignis);
/// Each refusal is logged once, under its kind: a CSRF refusal was logged twice (as
/// "zugriff-verweigert" by the error page and as "csrf-abgelehnt" by the security layer), a
/// refused action twice too. The kind comes from the response, not from its message text.
async fn eine_verweigerung_ein_ereignis(t: &TestApp) {
    use tracing_subscriber::layer::SubscriberExt;
    let log = Sicherheitslog::default();
    // The story runs on this thread (requests are not spawned), so a thread's default sees them.
    let _g = tracing::subscriber::set_default(tracing_subscriber::registry().with(log.clone()));
    assert_eq!(ohne_csrf(&t.app, "/anmelden").await, StatusCode::FORBIDDEN);
    assert_eq!(log.nehmen(), ["csrf-abgelehnt"]);
    assert_eq!(
        t.scalar(
            "SELECT COUNT(*) FROM sicherheitsereignis WHERE art = 'csrf-abgelehnt' AND anzahl = 1"
        )
        .await,
        1
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM sicherheitsereignis").await,
        1
    );
    // A foreign origin is a CSRF refusal too.
    let r = t
        .send(
            "POST",
            "/anmelden",
            &format!("{CSRF}=vorab"),
            &[("_csrf", "vorab"), ("benutzername", "x"), ("passwort", "y")],
            Some("https://boese.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(log.nehmen(), ["csrf-abgelehnt"]);

    let (mi, mi_csrf) = login_as(t, "mitglied", "mitglied", "").await;
    log.nehmen();
    let r = t
        .post(
            "/umsetzungsplan/staende",
            &mi,
            &[("_csrf", &mi_csrf), ("name", "X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(log.nehmen(), ["zugriff-verweigert"]);
    let n = t.scalar("SELECT COUNT(*) FROM sicherheitsereignis").await;
    // A refused page view: logged once, not stored.
    assert_eq!(
        t.get_with("/verwaltung/sicherheit", &mi).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(log.nehmen(), ["zugriff-verweigert"]);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM sicherheitsereignis").await,
        n
    );
}

story!(einladungen_gleichzeitig);
/// Two invitations at the same moment both get their account (numbers from the sequence, no
/// collision); one invitation link used twice at the same moment sets the password once.
async fn einladungen_gleichzeitig(t: &TestApp) {
    use ozg::konten;
    let uhr = ozg::kern::Uhr::system();
    let neu = |name: &'static str| konten::NeuesKonto {
        benutzername: name.into(),
        name: format!("Person {name}"),
        email: format!("{name}@beispiel.de"),
        rolle: "mitglied".into(),
        ..Default::default()
    };
    let (a, b) = (neu("anna"), neu("bert"));
    let (ta, tb) = tokio::join!(
        konten::einladen(&t.db, &uhr, &a, "test"),
        konten::einladen(&t.db, &uhr, &b, "test"),
    );
    let (ta, _tb) = (ta.unwrap(), tb.unwrap());
    let (x, y) = tokio::join!(
        konten::einladung_annehmen(&t.state, &ta, PW, PW),
        konten::einladung_annehmen(
            &t.state,
            &ta,
            "Wolke Tinte Lampe Fahrrad",
            "Wolke Tinte Lampe Fahrrad"
        ),
    );
    assert_eq!(
        [x.is_ok(), y.is_ok()].iter().filter(|o| **o).count(),
        1,
        "{x:?} {y:?}"
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit WHERE aktion = 'einladung-angenommen'")
            .await,
        1
    );
    // One name invited twice at the same moment: one account, the other a German field error
    // (before: a 500 from the unique constraint).
    for _ in 0..5 {
        let c = neu("carla");
        let (x, y) = tokio::join!(
            konten::einladen(&t.db, &uhr, &c, "test"),
            konten::einladen(&t.db, &uhr, &c, "test"),
        );
        for e in [x, y].into_iter().filter_map(Result::err) {
            assert!(e.to_string().contains("gibt es schon"), "{e}");
        }
        assert_eq!(
            t.scalar("SELECT COUNT(*) FROM konto WHERE benutzername = 'carla'")
                .await,
            1
        );
    }
}
