//! HTTP stories of the portal's accounts: a citizen registers, confirms the address (POST,
//! 24 hours), logs in, sees the Anträge and downloads everything stored (Art. 15); an
//! authority's administration invites a case worker, who sets a password and logs in, and
//! is deactivated again; BundID's answer endpoint refuses what it cannot verify.

use crate::support::*;
use ozg::portalkonten::{NeueBehoerde, NeuerMitarbeiter, behoerde_anlegen, mitarbeiter_anlegen};
use ozg_domain::portal::BehoerdenRolle;

const PORTAL: &str = "__Host-ozg_portal";
const BPW: &str = "Heuschrecken-Laterne-71";

fn csrf_aus(html: &str) -> String {
    let i = html
        .find("name=\"_csrf\" value=\"")
        .expect("form with _csrf")
        + 20;
    html[i..i + 64].to_owned()
}

story!(buergerkonto_registrieren_bestaetigen_auskunft);
async fn buergerkonto_registrieren_bestaetigen_auskunft(t: &TestApp) {
    let pc = t
        .ok("/buergerkonto/registrieren")
        .await
        .set_cookie(CSRF)
        .unwrap();
    let c = format!("{CSRF}={pc}");
    let felder = |pw: &'static str| {
        vec![
            ("_csrf", pc.clone()),
            ("vorname", "Erika".into()),
            ("nachname", "Mustermann".into()),
            ("email", "Erika@Example.org".into()),
            ("passwort", pw.into()),
            ("wiederholung", pw.into()),
        ]
    };
    let form = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, w)| (*k, w.clone())).collect::<Vec<_>>()
    };
    // A guessable password is refused and nothing is stored.
    let f = form(&felder("passwort1234"));
    let r = t
        .post(
            "/buergerkonto/registrieren",
            &c,
            &f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("href=\"#f-passwort\""));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM buerger").await, 0);
    let f = form(&felder(BPW));
    let r = t
        .post(
            "/buergerkonto/registrieren",
            &c,
            &f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Not confirmed: no login.
    let anmelden = |pw: &'static str| {
        let c = c.clone();
        let pc = pc.clone();
        async move {
            t.post(
                "/buergerkonto/anmelden",
                &c,
                &[
                    ("_csrf", &pc),
                    ("email", "erika@example.org"),
                    ("passwort", pw),
                ],
            )
            .await
        }
    };
    assert_eq!(anmelden(BPW).await.status, StatusCode::BAD_REQUEST);
    // The link from the e-mail: the GET shows a button and changes nothing.
    let mail = t
        .scalar_text("SELECT text FROM postausgang WHERE anlass = 'buergerkonto'")
        .await
        .unwrap();
    let i = mail.find("/buergerkonto/bestaetigen/").unwrap();
    let pfad = mail[i..i + 26 + 64].to_owned();
    assert_eq!(t.get_with(&pfad, &c).await.status, StatusCode::OK);
    assert_eq!(t.scalar("SELECT bestaetigt FROM buerger").await, 0);
    assert_eq!(
        t.post(&pfad, &c, &[("_csrf", &pc)]).await.status,
        StatusCode::OK
    );
    assert_eq!(t.scalar("SELECT bestaetigt FROM buerger").await, 1);
    assert_eq!(
        t.post(&pfad, &c, &[("_csrf", &pc)]).await.status,
        StatusCode::NOT_FOUND,
        "used once"
    );
    // Registering the same address again reveals nothing and stores nothing new.
    let f = form(&felder(BPW));
    let r = t
        .post(
            "/buergerkonto/registrieren",
            &c,
            &f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM buerger").await, 1);
    // A third request for the same address passes, a fourth is throttled and queues nothing.
    let f = form(&felder(BPW));
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        t.post("/buergerkonto/registrieren", &c, &f).await.status,
        StatusCode::OK
    );
    let mails = t.scalar("SELECT COUNT(*) FROM postausgang").await;
    assert_eq!(
        t.post("/buergerkonto/registrieren", &c, &f).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM postausgang").await, mails);
    // Wrong password, then the right one.
    assert_eq!(
        anmelden("falsch-falsch-falsch").await.status,
        StatusCode::BAD_REQUEST
    );
    let r = anmelden(BPW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let konto = format!("{PORTAL}={}", r.set_cookie(PORTAL).unwrap());
    let seite = t.get_with("/buergerkonto", &konto).await.text();
    assert!(seite.contains("Erika Mustermann") && seite.contains("Basisregistrierung"));
    // The Art. 15 copy: JSON with the account, and a PDF; nobody else's.
    let j = t
        .get_with("/meine-daten/auskunft.json", &konto)
        .await
        .json();
    assert_eq!(j["konto"]["email"], "erika@example.org");
    assert_eq!(j["konto"]["nachname"], "Mustermann");
    assert_eq!(j["konto"]["kennung"], "lokal:erika@example.org");
    assert_eq!(j["angemeldete_sitzungen"], 1);
    assert!(
        j["protokoll"]
            .as_array()
            .unwrap()
            .iter()
            .any(|z| z["aktion"] == "buergerkonto-bestaetigt"),
        "{j}"
    );
    let pdf = t.get_with("/meine-daten/auskunft.pdf", &konto).await;
    assert!(pdf.body.starts_with(b"%PDF"));
    assert_eq!(
        t.get("/meine-daten/auskunft.json").await.status,
        StatusCode::FORBIDDEN
    );
    // Deleting the account needs the box ticked; then the login is gone.
    let kc = csrf_aus(&t.get_with("/buergerkonto", &konto).await.text());
    let r = t
        .post("/buergerkonto/loeschen", &konto, &[("_csrf", &kc)])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post(
            "/buergerkonto/loeschen",
            &konto,
            &[("_csrf", &kc), ("bestaetigt", "ja")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM buerger").await, 0);
    assert_eq!(
        t.get_with("/meine-daten/auskunft.json", &konto)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(anmelden(BPW).await.status, StatusCode::BAD_REQUEST);
    // An address never confirmed: the account goes after 24 hours, and the address is free.
    let f2: Vec<(&str, String)> = vec![
        ("_csrf", pc.clone()),
        ("vorname", "Ole".into()),
        ("nachname", "Unbestaetigt".into()),
        ("email", "ole@example.org".into()),
        ("passwort", BPW.into()),
        ("wiederholung", BPW.into()),
    ];
    let f2: Vec<(&str, &str)> = f2.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        t.post("/buergerkonto/registrieren", &c, &f2).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM buerger WHERE bestaetigt = 0")
            .await,
        1
    );
    let morgen = t.state.clone().with_uhr(ozg::kern::Uhr::fest(
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(25),
    ));
    ozg::kern::hintergrund::einmal(&morgen, &t.aufgaben)
        .await
        .unwrap();
    assert_eq!(t.scalar("SELECT COUNT(*) FROM buerger").await, 0);
    // BundID is not configured here: its answer is refused, never a login.
    let r = t
        .post(
            "/buergerkonto/bundid/antwort",
            "",
            &[("SAMLResponse", "PHhtbC8+"), ("RelayState", "_x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

story!(personal_einladen_anmelden_deaktivieren);
async fn personal_einladen_anmelden_deaktivieren(t: &TestApp) {
    behoerde_anlegen(
        &t.state,
        &NeueBehoerde {
            schluessel: "05566076-allgemein".into(),
            name: "Stadt Rheine".into(),
            anschrift: "Rathaus".into(),
            email: "post@rheine.example".into(),
            nummernformat: String::new(),
        },
        "test",
    )
    .await
    .unwrap();
    mitarbeiter_anlegen(
        &t.state,
        &NeuerMitarbeiter {
            behoerde: "05566076-allgemein".into(),
            email: "admin@rheine.example".into(),
            name: "Ada Admin".into(),
            rolle: BehoerdenRolle::Administration,
            passwort: BPW.into(),
        },
        "test",
    )
    .await
    .unwrap();
    let pc = t.ok("/behoerde/anmelden").await.set_cookie(CSRF).unwrap();
    let vorab = format!("{CSRF}={pc}");
    let r = t
        .post(
            "/behoerde/anmelden",
            &vorab,
            &[
                ("_csrf", &pc),
                ("email", "admin@rheine.example"),
                ("passwort", BPW),
            ],
        )
        .await;
    assert_eq!(
        r.location(),
        "/behoerde/personal",
        "the administration starts on its staff page"
    );
    let admin = format!("{PORTAL}={}", r.set_cookie(PORTAL).unwrap());
    let ac = csrf_aus(&t.get_with("/behoerde/personal", &admin).await.text());
    // The administration does no case work.
    assert_eq!(
        t.get_with("/sachbearbeitung", &admin).await.status,
        StatusCode::FORBIDDEN
    );
    let r = t
        .post(
            "/behoerde/personal",
            &admin,
            &[
                ("_csrf", &ac),
                ("name", "Sam"),
                ("email", "kein-at"),
                ("rolle", "sachbearbeitung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post(
            "/behoerde/personal",
            &admin,
            &[
                ("_csrf", &ac),
                ("name", "Sam Sachbearbeitung"),
                ("email", "sam@rheine.example"),
                ("rolle", "sachbearbeitung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mail = t
        .scalar_text("SELECT text FROM postausgang WHERE anlass LIKE 'mitarbeiter:%:einladung'")
        .await
        .unwrap();
    let i = mail.find("/behoerde/einladung/").unwrap();
    let pfad = mail[i..i + 20 + 64].to_owned();
    let r = t
        .post(
            &pfad,
            &vorab,
            &[
                ("_csrf", &pc),
                ("passwort", "kurz"),
                ("wiederholung", "kurz"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post(
            &pfad,
            &vorab,
            &[("_csrf", &pc), ("passwort", BPW), ("wiederholung", BPW)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post(
            "/behoerde/anmelden",
            &vorab,
            &[
                ("_csrf", &pc),
                ("email", "sam@rheine.example"),
                ("passwort", BPW),
            ],
        )
        .await;
    assert_eq!(r.location(), "/sachbearbeitung");
    let sam = format!("{PORTAL}={}", r.set_cookie(PORTAL).unwrap());
    assert_eq!(
        t.get_with("/sachbearbeitung", &sam).await.status,
        StatusCode::OK
    );
    // A second instance on the same database knows the session (nothing in process memory).
    let zweite = t.mit_mail(None, "http://127.0.0.1:8080");
    assert_eq!(
        zweite.get_with("/sachbearbeitung", &sam).await.status,
        StatusCode::OK
    );
    // Settings: a bad number format is refused, a good one stored.
    let r = t
        .post(
            "/behoerde/einstellungen",
            &admin,
            &[
                ("_csrf", &ac),
                ("b_name", "Stadt Rheine"),
                ("b_anschrift", "Rathaus"),
                ("b_email", "post@rheine.example"),
                ("nummernformat", "RH-{JAHR}"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The error is shown at the settings' own field, not at the invitation's.
    let html = r.text();
    assert!(html.contains("href=\"#f-nummernformat\""), "{html}");
    assert!(html.contains("id=\"f-nummernformat-fehler\""));
    let r = t
        .post(
            "/behoerde/einstellungen",
            &admin,
            &[
                ("_csrf", &ac),
                ("b_name", "Stadt Rheine"),
                ("b_anschrift", "Rathaus"),
                ("b_email", "post@rheine.example"),
                ("nummernformat", "RH/{DIENST}/{JAHR}/{NR}"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        t.scalar_text("SELECT nummernformat FROM behoerde")
            .await
            .unwrap(),
        "RH/{DIENST}/{JAHR}/{NR}"
    );
    // Deactivated: the session ends and the login is refused.
    let sam_id = t
        .scalar("SELECT id FROM mitarbeiter WHERE email = 'sam@rheine.example'")
        .await;
    let r = t
        .post(
            &format!("/behoerde/personal/{sam_id}/deaktivieren"),
            &admin,
            &[("_csrf", &ac)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.get_with("/sachbearbeitung", &sam).await.status,
        StatusCode::FORBIDDEN
    );
    let r = t
        .post(
            "/behoerde/anmelden",
            &vorab,
            &[
                ("_csrf", &pc),
                ("email", "sam@rheine.example"),
                ("passwort", BPW),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

story!(axums_ablehnungen_auf_deutsch);
/// A path segment that is no number, a body that is no form: German pages, not axum's
/// English plain text.
async fn axums_ablehnungen_auf_deutsch(t: &TestApp) {
    for uri in [
        "/antraege/abc",
        "/sachbearbeitung/antraege/abc",
        "/workshops/abc",
    ] {
        let r = t.get(uri).await;
        assert!(r.status.is_client_error(), "{uri}: {}", r.status);
        let text = r.text();
        assert!(text.contains("<html lang=\"de\""), "{uri}: {text}");
        assert!(!text.contains("Invalid URL"), "{uri}: {text}");
    }
    let r = t.send("PUT", "/dienste", "", &[], None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.text().contains("nicht möglich"));
}
