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
    let s = konten::anmelden(&t.db, &uhr, "koordination", neu, "test")
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
    let s = konten::anmelden(&t.db, &uhr, "koordination", neu, "test")
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
