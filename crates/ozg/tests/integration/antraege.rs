//! HTTP stories of the Anträge (issue #13): a citizen without account fills the demo service
//! „Allgemeine Anfrage“ step by step (with an error, resumed by the link), submits it; the
//! Gemeinde's case worker takes it up, asks for a document, the citizen answers in the
//! Postfach, the case worker decides with a Bescheid; illegal transitions are refused;
//! another authority's staff find nothing; the Löschfrist deletes the personal data.

use crate::support::*;
use ozg::portalkonten::{NeueBehoerde, NeuerMitarbeiter, behoerde_anlegen, mitarbeiter_anlegen};
use ozg_domain::portal::BehoerdenRolle;

const PORTAL: &str = "__Host-ozg_portal";
const ENTWURF: &str = "__Host-ozg_antrag";
const MPW: &str = "Fallakte-Wolkenkratzer-93";

/// Stadt Rheine (Gemeinde of the demo service for 48431 Rheine) and Stadt Düsseldorf, each
/// with a case worker; returns their session cookies.
async fn behoerden(t: &TestApp) -> (String, String) {
    for (s, name, email) in [
        (
            "05566076-allgemein",
            "Stadt Rheine",
            "rathaus@rheine.example",
        ),
        (
            "05111000-allgemein",
            "Landeshauptstadt Düsseldorf",
            "post@duesseldorf.example",
        ),
    ] {
        behoerde_anlegen(
            &t.state,
            &NeueBehoerde {
                schluessel: s.into(),
                name: name.into(),
                anschrift: format!("{name}\nRathausplatz 1"),
                email: email.into(),
                nummernformat: String::new(),
            },
            "test",
        )
        .await
        .unwrap();
    }
    let mut cookies = Vec::new();
    for (b, email) in [
        ("05566076-allgemein", "sb@rheine.example"),
        ("05111000-allgemein", "sb@duesseldorf.example"),
    ] {
        mitarbeiter_anlegen(
            &t.state,
            &NeuerMitarbeiter {
                behoerde: b.into(),
                email: email.into(),
                name: format!("Sachbearbeitung {b}"),
                rolle: BehoerdenRolle::Sachbearbeitung,
                passwort: MPW.into(),
            },
            "test",
        )
        .await
        .unwrap();
        let seite = t.ok("/behoerde/anmelden").await;
        let pc = seite.set_cookie(CSRF).unwrap();
        let r = t
            .post(
                "/behoerde/anmelden",
                &format!("{CSRF}={pc}"),
                &[("_csrf", &pc), ("email", email), ("passwort", MPW)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        cookies.push(format!("{PORTAL}={}", r.set_cookie(PORTAL).unwrap()));
    }
    (cookies[0].clone(), cookies[1].clone())
}

fn csrf_aus(html: &str) -> String {
    let i = html
        .find("name=\"_csrf\" value=\"")
        .expect("form with _csrf")
        + 20;
    html[i..i + 64].to_owned()
}

story!(antrag_lebenszyklus_postfach_und_mandanten);
async fn antrag_lebenszyklus_postfach_und_mandanten(t: &TestApp) {
    let (rheine, duesseldorf) = behoerden(t).await;

    // The public page names the responsible authority for Rheine and is marked up for a
    // Verwaltungssuchmaschine.
    let seite = t.ok("/dienste/anfrage/kommunen/05566076").await.text();
    assert!(seite.contains("itemtype=\"https://schema.org/GovernmentService\""));
    assert!(seite.contains("Stadt Rheine"), "{seite}");
    let pc = t.ok("/dienste/anfrage").await.set_cookie(CSRF).unwrap();
    let vorab = format!("{CSRF}={pc}");

    // Start without account: an e-mail address is needed for the resume link.
    let r = t
        .post(
            "/dienste/anfrage/beginnen",
            &vorab,
            &[("_csrf", &pc), ("email", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post(
            "/dienste/anfrage/beginnen",
            &vorab,
            &[("_csrf", &pc), ("email", "erika@example.org")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let token = r.set_cookie(ENTWURF).unwrap();
    let schritt1 = r.location();
    assert!(schritt1.ends_with("/schritt/person"), "{schritt1}");
    let id: i64 = schritt1.split('/').nth(2).unwrap().parse().unwrap();
    let c = format!("{vorab}; {ENTWURF}={token}");
    // Nobody else opens the draft: not another browser, not a foreign resume token.
    assert_eq!(
        t.get_with(&schritt1, &vorab).await.status,
        StatusCode::NOT_FOUND
    );
    // The resume link was queued, with the link and nothing of the form.
    let mail = t
        .scalar_text("SELECT text FROM postausgang WHERE anlass LIKE 'antrag:%:fortsetzen'")
        .await
        .unwrap();
    assert!(mail.contains(&format!("/antraege/fortsetzen/{token}")));

    // Step 1 with errors: every error listed, linked to its field, the input kept.
    let s = t.get_with(&schritt1, &c).await;
    assert_eq!(s.status, StatusCode::OK);
    assert!(s.text().contains("aria-current=\"step\""));
    let r = t
        .post(
            &schritt1,
            &c,
            &[
                ("_csrf", &pc),
                ("aktion", "weiter"),
                ("vorname", "Erika"),
                ("plz", "4843"),
                ("ort", "Rheine"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let html = r.text();
    for f in ["f-nachname", "f-strasse", "f-plz"] {
        assert!(
            html.contains(&format!("href=\"#{f}\"")),
            "{f} not linked: {html}"
        );
    }
    assert!(html.contains("value=\"Erika\""));
    // A place outside NRW cannot be sent anywhere: refused at the address, with the reason.
    let r = t
        .post(
            &schritt1,
            &c,
            &[
                ("_csrf", &pc),
                ("aktion", "weiter"),
                ("vorname", "Erika"),
                ("nachname", "Mustermann"),
                ("strasse", "Markt 1"),
                ("plz", "80331"),
                ("ort", "München"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Nordrhein-Westfalen"), "{}", r.text());
    let r = t
        .post(
            &schritt1,
            &c,
            &[
                ("_csrf", &pc),
                ("aktion", "weiter"),
                ("vorname", "Erika"),
                ("nachname", "Mustermann"),
                ("strasse", "Markt 1"),
                ("plz", "48431"),
                ("ort", "Rheine"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.location().ends_with("/schritt/anliegen"));
    // The resume link in another browser leads back to where it stopped.
    let r = t.get(&format!("/antraege/fortsetzen/{token}")).await;
    assert_eq!(r.location(), format!("/antraege/{id}/schritt/anliegen"));
    // Submitting too early is refused and names the missing step.
    let r = t
        .post(
            &format!("/antraege/{id}/einreichen"),
            &c,
            &[("_csrf", &pc), ("zustimmung", "ja")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Ihr Anliegen"));
    let r = t
        .post(
            &format!("/antraege/{id}/schritt/anliegen"),
            &c,
            &[
                ("_csrf", &pc),
                ("aktion", "weiter"),
                ("art", "frage"),
                ("betreff", "Laterne defekt"),
                ("text", "Die Laterne vor Markt 1 ist aus. <b>#Typst $x$</b>"),
                ("antwortweg", "postfach"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // A document with the draft (PDF, checked by content).
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let r = t
        .upload(
            &format!("/antraege/{id}/dateien"),
            &c,
            &[("_csrf", &pc)],
            ("Foto der Laterne.pdf", pdf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .upload(
            &format!("/antraege/{id}/dateien"),
            &c,
            &[("_csrf", &pc)],
            ("boese.pdf", b"MZ\x90\x00"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Check page, then submit.
    let p = t
        .get_with(&format!("/antraege/{id}/pruefen"), &c)
        .await
        .text();
    assert!(p.contains("Laterne defekt") && p.contains("Stadt Rheine"));
    let r = t
        .post(&format!("/antraege/{id}/einreichen"), &c, &[("_csrf", &pc)])
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "the confirmation box is required"
    );
    let r = t
        .post(
            &format!("/antraege/{id}/einreichen"),
            &c,
            &[("_csrf", &pc), ("zustimmung", "ja")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let nummer = t
        .scalar_text(&format!("SELECT nummer FROM antrag WHERE id = {id}"))
        .await
        .unwrap();
    assert_eq!(
        nummer,
        format!("ANF-{}-000001", &ozg::kern::Uhr::system().heute_iso()[..4])
    );
    let beleg = t
        .get_with(&format!("/antraege/{id}/eingangsbestaetigung.pdf"), &c)
        .await;
    assert_eq!(beleg.status, StatusCode::OK);
    assert!(beleg.body.starts_with(b"%PDF"));
    // The e-mails say only that something arrived.
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM postausgang WHERE anlass = 'antrag:{id}:eingang' AND (text LIKE '%Laterne%' OR text LIKE '%Mustermann%')")).await,
        0
    );
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM postausgang WHERE anlass = 'antrag:{id}:eingang'"
        ))
        .await,
        2
    );

    // Tenancy: Düsseldorf's staff find nothing of Rheine's, on every staff route.
    let inbox = t.get_with("/sachbearbeitung", &duesseldorf).await.text();
    assert!(!inbox.contains(&nummer));
    for pfad in [
        format!("/sachbearbeitung/antraege/{id}"),
        format!("/sachbearbeitung/antraege/{id}/akte.pdf"),
        format!("/sachbearbeitung/antraege/{id}/dateien/1"),
    ] {
        assert_eq!(
            t.get_with(&pfad, &duesseldorf).await.status,
            StatusCode::NOT_FOUND,
            "{pfad}"
        );
    }
    let dc = csrf_aus(&t.get_with("/sachbearbeitung", &duesseldorf).await.text());
    for (pfad, felder) in [
        ("ereignis", vec![("ereignis", "bearbeiten")]),
        ("uebernehmen", vec![]),
        ("notiz", vec![("text", "fremd")]),
        ("frist", vec![("fallfrist", "01.01.2030")]),
        ("gelesen", vec![]),
    ] {
        let mut f = vec![("_csrf", dc.as_str())];
        f.extend(felder);
        let r = t
            .post(
                &format!("/sachbearbeitung/antraege/{id}/{pfad}"),
                &duesseldorf,
                &f,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{pfad}: {}", r.text());
    }
    // A citizen's portal cookie is no staff session.
    assert_eq!(
        t.get_with("/sachbearbeitung", &c).await.status,
        StatusCode::FORBIDDEN
    );

    // Rheine's inbox shows it; search finds it by a word of the answers.
    let inbox = t
        .get_with("/sachbearbeitung?q=laterne", &rheine)
        .await
        .text();
    assert!(inbox.contains(&nummer), "{inbox}");
    assert!(
        !t.get_with("/sachbearbeitung?q=kanal", &rheine)
            .await
            .text()
            .contains(&nummer)
    );
    let rc = csrf_aus(&inbox);
    let fall = format!("/sachbearbeitung/antraege/{id}");
    // Illegal: a Bescheid straight from the inbox.
    let r = t
        .post(
            &format!("{fall}/ereignis"),
            &rheine,
            &[("_csrf", &rc), ("ereignis", "bewilligen"), ("tenor", "ja")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("nicht möglich"));
    let r = t
        .post(
            &format!("{fall}/ereignis"),
            &rheine,
            &[("_csrf", &rc), ("ereignis", "bearbeiten")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // Nachforderung with a deadline.
    let r = t
        .post(
            &format!("{fall}/nachricht"),
            &rheine,
            &[
                ("_csrf", &rc),
                ("art", "nachforderung"),
                ("text", "Bitte senden Sie ein Foto."),
                ("frist", "31.12.2099"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        t.scalar_text(&format!("SELECT zustand FROM antrag WHERE id = {id}"))
            .await
            .unwrap(),
        "nachforderung"
    );
    // The citizen answers in the Postfach with a file.
    let seite = t.get_with(&format!("/antraege/{id}"), &c).await.text();
    assert!(seite.contains("Bitte senden Sie ein Foto.") && seite.contains("31.12.2099"));
    let r = t
        .upload(
            &format!("/antraege/{id}/nachricht"),
            &c,
            &[
                ("_csrf", &pc),
                ("text", "Anbei das Foto."),
                ("nachgereicht", "ja"),
            ],
            ("foto.pdf", pdf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        t.scalar_text(&format!("SELECT zustand FROM antrag WHERE id = {id}"))
            .await
            .unwrap(),
        "nachgereicht"
    );
    // The case worker takes it up again and decides; the Bescheid arrives in the Postfach.
    let r = t
        .post(
            &format!("{fall}/ereignis"),
            &rheine,
            &[("_csrf", &rc), ("ereignis", "bearbeiten")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post(
            &format!("{fall}/ereignis"),
            &rheine,
            &[
                ("_csrf", &rc),
                ("ereignis", "ablehnen"),
                ("tenor", "Abgelehnt."),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a refusal needs a reason"
    );
    let r = t
        .post(
            &format!("{fall}/ereignis"),
            &rheine,
            &[
                ("_csrf", &rc),
                ("ereignis", "bewilligen"),
                ("tenor", "Die Laterne wird repariert."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let seite = t.get_with(&format!("/antraege/{id}"), &c).await.text();
    assert!(
        seite.contains("Bewilligt") && seite.contains("Bescheid"),
        "{seite}"
    );
    let bescheid_id = t
        .scalar(&format!(
            "SELECT id FROM antrag_datei WHERE antrag_id = {id} AND zweck = 'bescheid'"
        ))
        .await;
    let b = t
        .get_with(&format!("/antraege/{id}/dateien/{bescheid_id}"), &c)
        .await;
    assert!(b.body.starts_with(b"%PDF"));
    // Nothing after the end; every transition is in the history and the audit log.
    let r = t
        .post(
            &format!("{fall}/ereignis"),
            &rheine,
            &[
                ("_csrf", &rc),
                ("ereignis", "erledigen"),
                ("begruendung", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM antrag_ereignis WHERE antrag_id = {id}"
        ))
        .await,
        6
    );
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM audit WHERE objekt = 'antrag:{id}' AND aktion LIKE 'antrag-%'"
        ))
        .await,
        7
    );
    let akte = t.get_with(&format!("{fall}/akte.pdf"), &rheine).await;
    assert!(akte.body.starts_with(b"%PDF"));

    // The Löschfrist: three years after the Bescheid the personal data goes, the count stays.
    let kurz_davor = t.state.clone().with_uhr(ozg::kern::Uhr::fest(
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365 * 3 - 48),
    ));
    assert_eq!(
        ozg::antraege::loeschfristen_anwenden(&kurz_davor)
            .await
            .unwrap(),
        0
    );
    let spaeter = t.state.clone().with_uhr(ozg::kern::Uhr::fest(
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365 * 3 + 48),
    ));
    assert_eq!(
        ozg::antraege::loeschfristen_anwenden(&spaeter)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM antrag WHERE id = {id}"))
            .await,
        0
    );
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM nachricht WHERE antrag_id = {id}"
        ))
        .await,
        0
    );
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM antrag_datei WHERE antrag_id = {id}"
        ))
        .await,
        0
    );
    assert_eq!(t.scalar("SELECT CAST(COALESCE(SUM(anzahl), 0) AS BIGINT) FROM antrag_statistik WHERE dienst = 'anfrage' AND ergebnis = 'bewilligt'").await, 1);
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM audit WHERE objekt = 'antrag:{id}' AND aktion = 'antrag-geloescht'")).await, 1);
    let spur = t.scalar_text("SELECT aktion || ' ' || objekt || ' ' || aenderungen FROM audit WHERE aenderungen LIKE '%Laterne%' OR aenderungen LIKE '%Mustermann%'").await;
    assert_eq!(spur, None);
}

/// A submitted Antrag of the demo service from Rheine (48431), with one attached file;
/// returns its id.
async fn eingereichter_antrag(t: &TestApp) -> i64 {
    eingereicht_in(t, "48431", "Rheine").await
}

/// Like [`eingereichter_antrag`], from an address in `plz`/`ort`.
async fn eingereicht_in(t: &TestApp, plz: &str, ort: &str) -> i64 {
    eingereicht_mit_browser(t, plz, ort).await.0
}

/// A submitted Antrag and the browser that made it: its cookies and CSRF token.
async fn eingereicht_mit_browser(t: &TestApp, plz: &str, ort: &str) -> (i64, String, String) {
    // Each with its own address: resume links are throttled per recipient.
    static NR: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let email = format!(
        "e{}@example.org",
        NR.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let pc = t.ok("/dienste/anfrage").await.set_cookie(CSRF).unwrap();
    let vorab = format!("{CSRF}={pc}");
    let r = t
        .post(
            "/dienste/anfrage/beginnen",
            &vorab,
            &[("_csrf", &pc), ("email", &email)],
        )
        .await;
    let token = r.set_cookie(ENTWURF).unwrap();
    let id: i64 = r.location().split('/').nth(2).unwrap().parse().unwrap();
    let c = format!("{vorab}; {ENTWURF}={token}");
    let schritt = |s: &'static str| format!("/antraege/{id}/schritt/{s}");
    let r = t
        .post(
            &schritt("person"),
            &c,
            &[
                ("_csrf", &pc),
                ("vorname", "Erika"),
                ("nachname", "Muster"),
                ("strasse", "Markt 1"),
                ("plz", plz),
                ("ort", ort),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post(
            &schritt("anliegen"),
            &c,
            &[
                ("_csrf", &pc),
                ("art", "frage"),
                ("betreff", "B"),
                ("text", "T"),
                ("antwortweg", "postfach"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let r = t
        .upload(
            &format!("/antraege/{id}/dateien"),
            &c,
            &[("_csrf", &pc)],
            ("a.pdf", pdf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post(
            &format!("/antraege/{id}/einreichen"),
            &c,
            &[("_csrf", &pc), ("zustimmung", "ja")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    (id, c, pc)
}

story!(mandanten_und_rollen_matrix);
/// Generated from the route table: every route of an authority's staff (read and write) ×
/// another authority's case → 404, never data; × each role of the own authority → allowed
/// exactly when the role may do the route's action (else 403). A route added later is in
/// the matrix by being declared.
async fn mandanten_und_rollen_matrix(t: &TestApp) {
    use ozg::kern::schreibrouten::Zugang;
    use ozg_domain::portal::behoerde_darf;
    let (_, _) = behoerden(t).await;
    let id = eingereichter_antrag(t).await;
    let sb_rheine = t
        .scalar("SELECT id FROM mitarbeiter WHERE email = 'sb@rheine.example'")
        .await;
    let datei = t
        .scalar(&format!(
            "SELECT MIN(id) FROM antrag_datei WHERE antrag_id = {id}"
        ))
        .await;
    let nummer = t
        .scalar_text(&format!("SELECT nummer FROM antrag WHERE id = {id}"))
        .await
        .unwrap();
    // Every role in both authorities.
    let mut wer: Vec<(String, BehoerdenRolle, bool, String)> = Vec::new();
    for (b, eigen) in [("05566076-allgemein", true), ("05111000-allgemein", false)] {
        for rolle in BehoerdenRolle::ALL {
            let email = format!("{}-{}@matrix.example", rolle.key(), &b[..8]);
            mitarbeiter_anlegen(
                &t.state,
                &NeuerMitarbeiter {
                    behoerde: b.into(),
                    email: email.clone(),
                    name: email.clone(),
                    rolle,
                    passwort: MPW.into(),
                },
                "test",
            )
            .await
            .unwrap();
            let pc = t.ok("/behoerde/anmelden").await.set_cookie(CSRF).unwrap();
            let r = t
                .post(
                    "/behoerde/anmelden",
                    &format!("{CSRF}={pc}"),
                    &[("_csrf", &pc), ("email", &email), ("passwort", MPW)],
                )
                .await;
            let cookie = format!("{PORTAL}={}", r.set_cookie(PORTAL).unwrap());
            let csrf = csrf_aus(&t.get_with("/behoerde/anmelden", &cookie).await.text());
            wer.push((cookie, rolle, eigen, csrf));
        }
    }
    let lesend = t.state.routen.lesend().to_vec();
    let routen: Vec<(&str, Zugang, bool)> = lesend
        .iter()
        .map(|r| (r.pfad, r.zugang, true))
        .chain(t.routen.iter().map(|r| (r.pfad, r.zugang, false)))
        .filter(|(_, z, _)| matches!(z, Zugang::Behoerde(_)))
        .collect();
    assert!(routen.len() >= 11, "{} staff routes", routen.len());
    let mut probleme = Vec::new();
    for (pfad, zugang, get) in &routen {
        let Zugang::Behoerde(aktion) = zugang else {
            continue;
        };
        // A staff route's {id} is the case, on the staff pages a person of the case's authority.
        let ziel = if pfad.starts_with("/behoerde/personal/") {
            sb_rheine
        } else {
            id
        };
        let uri = pfad
            .replace("{id}", &ziel.to_string())
            .replace("{datei}", &datei.to_string());
        for (cookie, rolle, eigen, csrf) in &wer {
            let r = if *get {
                t.get_with(&uri, cookie).await
            } else {
                t.post(&uri, cookie, &[("_csrf", csrf)]).await
            };
            let darf = behoerde_darf(*rolle, *aktion);
            if r.status.is_server_error() {
                probleme.push(format!("{} {uri}: {}", rolle.key(), r.status));
            }
            let name = format!(
                "{} ({}) {} {uri}",
                rolle.key(),
                if *eigen { "eigene" } else { "fremde" },
                if *get { "GET" } else { "POST" }
            );
            if !darf {
                if r.status != StatusCode::FORBIDDEN {
                    probleme.push(format!("{name}: {} (expected 403)", r.status));
                }
            } else if !eigen && pfad.contains("{id}") {
                if r.status != StatusCode::NOT_FOUND {
                    probleme.push(format!("{name}: {} (expected 404)", r.status));
                }
            } else if !eigen && r.text().contains(&nummer) {
                probleme.push(format!("{name}: shows the other authority's Antrag"));
            } else if *eigen && *get && r.status != StatusCode::OK {
                probleme.push(format!("{name}: {} (expected 200)", r.status));
            } else if *eigen && r.status == StatusCode::NOT_FOUND {
                probleme.push(format!("{name}: 404 for the own authority's case"));
            }
        }
    }
    assert!(probleme.is_empty(), "{}", probleme.join("\n"));
    // The foreign staff changed nothing.
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM audit WHERE objekt = 'antrag:{id}' AND konto LIKE 'mitarbeiter:%'")).await,
        t.scalar(&format!("SELECT COUNT(*) FROM audit a WHERE objekt = 'antrag:{id}' AND konto IN (SELECT 'mitarbeiter:' || m.id FROM mitarbeiter m JOIN behoerde b ON b.id = m.behoerde_id WHERE b.schluessel = '05566076-allgemein')")).await
    );
}

story!(virenpruefung_mit_clamav);
/// Every upload passes the configured scan (ClamAV from Debian with a signature the test
/// writes, no download): a file it finds is refused with the reason and stored nowhere, a
/// clean one is taken; a scanner that does not work refuses too (fail closed) — for the
/// Anträge and the programme's attachments alike.
async fn virenpruefung_mit_clamav(t: &TestApp) {
    use ozg::kern::virenpruefung::Virenpruefung;
    let Ok(clamscan) = std::env::var("CLAMSCAN") else {
        assert!(
            std::env::var("OZG_E2E").is_err(),
            "OZG_E2E=1 but CLAMSCAN is not set (scripts/test.sh sets it)"
        );
        eprintln!("skipped: CLAMSCAN not set");
        return;
    };
    let boese: &[u8] = b"%PDF-1.4\n% ozg-testfund-schadsoftware\n%%EOF\n";
    let sauber: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let dir = tempfile::tempdir().unwrap();
    let md5 = {
        use std::io::Write;
        let mut c = std::process::Command::new("md5sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(boese).unwrap();
        String::from_utf8_lossy(&c.wait_with_output().unwrap().stdout)[..32].to_owned()
    };
    std::fs::write(
        dir.path().join("t.hdb"),
        format!("{md5}:{}:Ozg-Testfund\n", boese.len()),
    )
    .unwrap();
    t.state.erweiterung_setzen(Virenpruefung(Some(vec![
        clamscan,
        "--no-summary".into(),
        "-d".into(),
        dir.path().to_string_lossy().into_owned(),
        "-".into(),
    ])));
    behoerden(t).await;
    let pc = t.ok("/dienste/anfrage").await.set_cookie(CSRF).unwrap();
    let vorab = format!("{CSRF}={pc}");
    let r = t
        .post(
            "/dienste/anfrage/beginnen",
            &vorab,
            &[("_csrf", &pc), ("email", "e@example.org")],
        )
        .await;
    let c = format!("{vorab}; {ENTWURF}={}", r.set_cookie(ENTWURF).unwrap());
    let id: i64 = r.location().split('/').nth(2).unwrap().parse().unwrap();
    let ziel = format!("/antraege/{id}/dateien");
    let r = t
        .upload(&ziel, &c, &[("_csrf", &pc)], ("rechnung.pdf", boese))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Schadsoftware"), "{}", r.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM antrag_datei").await, 0);
    let r = t
        .upload(&ziel, &c, &[("_csrf", &pc)], ("foto.pdf", sauber))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM antrag_datei").await, 1);
    // The programme's attachments go through the same scan (a project's documents).
    let (mc, mcsrf) = login_as(t, "koordination-viren", "koordinierungsstelle", "").await;
    let r = t
        .upload(
            "/projekte/kinderbetreuung/anhaenge",
            &mc,
            &[("_csrf", &mcsrf), ("titel", "Protokoll")],
            ("p.pdf", boese),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("Schadsoftware"));
    // A scanner that does not run refuses every file.
    t.state.erweiterung_setzen(Virenpruefung(Some(vec![
        "/nicht/vorhanden/clamscan".into(),
    ])));
    let r = t
        .upload(&ziel, &c, &[("_csrf", &pc)], ("foto2.pdf", sauber))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("nicht auf Viren geprüft"), "{}", r.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM antrag_datei").await, 1);
}

story!(jeder_uebergang_ueber_http);
/// Every event of the lifecycle once over HTTP (the ones the long story does not take):
/// withdrawing a draft and a submitted Antrag, closing without a Bescheid, refusing and
/// granting in part — each with its history entry, the reason where one is required, the
/// Bescheid in the Postfach, and the Löschfrist set at the end.
async fn jeder_uebergang_ueber_http(t: &TestApp) {
    let (rheine, _) = behoerden(t).await;
    let rc = csrf_aus(&t.get_with("/sachbearbeitung", &rheine).await.text());
    let zustand = |id: i64| async move {
        t.scalar_text(&format!("SELECT zustand FROM antrag WHERE id = {id}"))
            .await
            .unwrap()
    };
    // A draft withdrawn by its author: gone at the next run of the Löschfristen.
    let pc = t.ok("/dienste/anfrage").await.set_cookie(CSRF).unwrap();
    let vorab = format!("{CSRF}={pc}");
    let r = t
        .post(
            "/dienste/anfrage/beginnen",
            &vorab,
            &[("_csrf", &pc), ("email", "e@example.org")],
        )
        .await;
    let entwurf: i64 = r.location().split('/').nth(2).unwrap().parse().unwrap();
    let c = format!("{vorab}; {ENTWURF}={}", r.set_cookie(ENTWURF).unwrap());
    let r = t
        .post(
            &format!("/antraege/{entwurf}/zurueckziehen"),
            &c,
            &[("_csrf", &pc)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(zustand(entwurf).await, "zurueckgezogen");
    assert_eq!(
        ozg::antraege::loeschfristen_anwenden(&t.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM antrag WHERE id = {entwurf}"))
            .await,
        0
    );

    // Three submitted Anträge, one per ending by the authority (index 0 unused).
    let mut ids = vec![0];
    for _ in 0..3 {
        ids.push(eingereichter_antrag(t).await);
    }
    let fall = |id: i64, pfad: &str| format!("/sachbearbeitung/antraege/{id}/{pfad}");
    // (The withdrawal of a submitted Antrag is shown with a citizen account below.)
    for id in &ids[1..] {
        let r = t
            .post(
                &fall(*id, "ereignis"),
                &rheine,
                &[("_csrf", &rc), ("ereignis", "bearbeiten")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    // Closing needs a reason the citizen reads.
    let r = t
        .post(
            &fall(ids[1], "ereignis"),
            &rheine,
            &[("_csrf", &rc), ("ereignis", "erledigen")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post(
            &fall(ids[1], "ereignis"),
            &rheine,
            &[
                ("_csrf", &rc),
                ("ereignis", "erledigen"),
                ("begruendung", "Doppelt eingereicht."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post(
            &fall(ids[2], "ereignis"),
            &rheine,
            &[
                ("_csrf", &rc),
                ("ereignis", "ablehnen"),
                ("tenor", "Der Antrag wird abgelehnt."),
                ("begruendung", "Nicht zuständig."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post(
            &fall(ids[3], "ereignis"),
            &rheine,
            &[
                ("_csrf", &rc),
                ("ereignis", "teilweise-bewilligen"),
                ("tenor", "Teilweise."),
                ("begruendung", "Nur ein Teil."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(zustand(ids[1]).await, "erledigt");
    assert_eq!(zustand(ids[2]).await, "abgelehnt");
    assert_eq!(zustand(ids[3]).await, "teilweise-bewilligt");
    for id in &ids[1..] {
        // Ended: the Löschfrist runs (three years), the deadline is gone.
        assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM antrag WHERE id = {id} AND loeschen_ab > abgeschlossen AND frist IS NULL")).await, 1);
        assert_eq!(
            t.scalar(&format!(
                "SELECT COUNT(*) FROM antrag_ereignis WHERE antrag_id = {id}"
            ))
            .await,
            3
        );
    }
    // Refusal and partial grant carry a Bescheid; closing a message with the reason.
    for (id, art) in [
        (ids[1], "nachricht"),
        (ids[2], "bescheid"),
        (ids[3], "bescheid"),
    ] {
        assert_eq!(
            t.scalar(&format!(
                "SELECT COUNT(*) FROM nachricht WHERE antrag_id = {id} AND art = '{art}'"
            ))
            .await,
            1,
            "{id}"
        );
    }
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM antrag_datei WHERE antrag_id = {} AND zweck = 'bescheid'",
            ids[2]
        ))
        .await,
        1
    );
    let begruendung = t.scalar_text(&format!("SELECT begruendung FROM antrag_ereignis WHERE antrag_id = {} AND ereignis = 'ablehnen'", ids[2])).await.unwrap();
    assert_eq!(begruendung, "Nicht zuständig.");

    // A submitted Antrag withdrawn by a citizen with an account.
    let pc = t
        .ok("/buergerkonto/registrieren")
        .await
        .set_cookie(CSRF)
        .unwrap();
    let vorab = format!("{CSRF}={pc}");
    let pw = "Heuschrecken-Laterne-71";
    t.post(
        "/buergerkonto/registrieren",
        &vorab,
        &[
            ("_csrf", &pc),
            ("vorname", "Eva"),
            ("nachname", "Beispiel"),
            ("email", "eva@example.org"),
            ("passwort", pw),
            ("wiederholung", pw),
        ],
    )
    .await;
    t.ausfuehren("UPDATE buerger SET bestaetigt = 1").await;
    let r = t
        .post(
            "/buergerkonto/anmelden",
            &vorab,
            &[
                ("_csrf", &pc),
                ("email", "eva@example.org"),
                ("passwort", pw),
            ],
        )
        .await;
    let konto = format!("{PORTAL}={}", r.set_cookie(PORTAL).unwrap());
    let kc = csrf_aus(&t.get_with("/buergerkonto", &konto).await.text());
    let r = t
        .post("/dienste/anfrage/beginnen", &konto, &[("_csrf", &kc)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        r.set_cookie(ENTWURF).is_none(),
        "with an account no resume token"
    );
    let id: i64 = r.location().split('/').nth(2).unwrap().parse().unwrap();
    for (s, f) in [
        (
            "person",
            vec![
                ("vorname", "Eva"),
                ("nachname", "Beispiel"),
                ("strasse", "Markt 2"),
                ("plz", "48431"),
                ("ort", "Rheine"),
            ],
        ),
        (
            "anliegen",
            vec![
                ("art", "anregung"),
                ("betreff", "B"),
                ("text", "T"),
                ("antwortweg", "postfach"),
            ],
        ),
    ] {
        let mut felder = vec![("_csrf", kc.as_str())];
        felder.extend(f);
        assert_eq!(
            t.post(&format!("/antraege/{id}/schritt/{s}"), &konto, &felder)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
    t.post(
        &format!("/antraege/{id}/einreichen"),
        &konto,
        &[("_csrf", &kc), ("zustimmung", "ja")],
    )
    .await;
    assert_eq!(zustand(id).await, "eingereicht");
    // Another citizen cannot open it; its author finds it in the account.
    assert!(
        t.get_with("/buergerkonto", &konto)
            .await
            .text()
            .contains(&format!("/antraege/{id}"))
    );
    assert_eq!(
        t.get_with(&format!("/antraege/{id}"), &vorab).await.status,
        StatusCode::NOT_FOUND
    );
    let r = t
        .post(
            &format!("/antraege/{id}/zurueckziehen"),
            &konto,
            &[("_csrf", &kc)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(zustand(id).await, "zurueckgezogen");
    // Nothing more after the end, for either side.
    let r = t
        .post(
            &format!("/antraege/{id}/zurueckziehen"),
            &konto,
            &[("_csrf", &kc)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post(
            &fall(id, "ereignis"),
            &rheine,
            &[("_csrf", &rc), ("ereignis", "bearbeiten")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

story!(antragsnummern_je_behoerde_und_doppelt_eingereicht);
/// Each authority counts its own series (the same number in two authorities is allowed and
/// does not collide); a second click on "absenden" takes no second number.
async fn antragsnummern_je_behoerde_und_doppelt_eingereicht(t: &TestApp) {
    behoerden(t).await;
    let a = eingereicht_in(t, "48431", "Rheine").await;
    let b = eingereicht_in(t, "40210", "Düsseldorf").await;
    let nummer = |id: i64| async move {
        t.scalar_text(&format!("SELECT nummer FROM antrag WHERE id = {id}"))
            .await
            .unwrap()
    };
    assert_eq!(nummer(a).await, nummer(b).await);
    assert!(nummer(a).await.ends_with("-000001"));
    assert_ne!(
        t.scalar(&format!("SELECT behoerde_id FROM antrag WHERE id = {a}"))
            .await,
        t.scalar(&format!("SELECT behoerde_id FROM antrag WHERE id = {b}"))
            .await
    );
    // Submitting again (a second click, another tab): back to the Antrag, no number taken,
    // no second receipt.
    let (c, cookie, pc) = eingereicht_mit_browser(t, "48431", "Rheine").await;
    assert!(nummer(c).await.ends_with("-000002"));
    let vorher = t
        .scalar("SELECT CAST(COALESCE(SUM(letzte), 0) AS BIGINT) FROM antrag_nummer")
        .await;
    let r = t
        .post(
            &format!("/antraege/{c}/einreichen"),
            &cookie,
            &[("_csrf", &pc), ("zustimmung", "ja")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/antraege/{c}"));
    assert_eq!(
        t.scalar("SELECT CAST(COALESCE(SUM(letzte), 0) AS BIGINT) FROM antrag_nummer")
            .await,
        vorher
    );
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM antrag_datei WHERE antrag_id = {c} AND zweck = 'eingangsbestaetigung'")).await,
        1
    );
}

/// The ids of the rows of an inbox page, in order.
fn zeilen_ids(html: &str) -> Vec<i64> {
    html.split("href=\"/sachbearbeitung/antraege/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

/// The number of hits in the inbox's title ("Eingang: 1.234 Anträge").
fn treffer_zahl(html: &str) -> i64 {
    let t = html.split("<title>").nth(1).unwrap_or("");
    let z = t.split("Eingang: ").nth(1).unwrap_or("");
    z.split(' ')
        .next()
        .unwrap_or("")
        .replace('.', "")
        .parse()
        .unwrap_or(-1)
}

/// One generated Antrag of the inbox story.
struct Fall {
    id: i64,
    zustand: &'static str,
    dienst: &'static str,
    eingereicht: i64,
    zugewiesen: bool,
    frist: Option<i64>,
    suchtext: String,
}

story!(eingang_filter_suche_und_seiten);
/// The inbox over 1,300 Anträge answers every filter, the search (with and without the word
/// index, before and after the words of older Anträge were filled in) and deep pages exactly
/// as a plain reading of the rows does: the number of hits and the rows of a page in their
/// order (submitted, newest first, then the number).
async fn eingang_filter_suche_und_seiten(t: &TestApp) {
    let (rheine, _) = behoerden(t).await;
    let b = t
        .scalar("SELECT id FROM behoerde WHERE schluessel = '05566076-allgemein'")
        .await;
    let fremd = t
        .scalar("SELECT id FROM behoerde WHERE schluessel = '05111000-allgemein'")
        .await;
    let ich = t
        .scalar("SELECT id FROM mitarbeiter WHERE email = 'sb@rheine.example'")
        .await;
    // 1 January 2026, 00:00 UTC; two Anträge per 6-hour step (equal times: the number decides).
    let start = 1_767_225_600_i64;
    let zustaende = [
        "eingereicht",
        "in-bearbeitung",
        "nachforderung",
        "nachgereicht",
        "bewilligt",
        "abgelehnt",
        "erledigt",
        "in-bearbeitung",
    ];
    let faelle: Vec<Fall> = (0..1300_i64)
        .map(|i| {
            let mut s = format!(" anf 2026 {i:06}");
            for (teiler, wort) in [
                (3, "laterne"),
                (5, "strassenbeleuchtungsanlage"),
                (7, "strassenbahn"),
                (11, "yılmaz"),
            ] {
                if i % teiler == 0 {
                    s.push(' ');
                    s.push_str(wort);
                }
            }
            if i % 10 != 0 {
                s.push_str(" rheine");
            }
            let zustand = zustaende[(i % 8) as usize];
            let offen = matches!(
                zustand,
                "eingereicht" | "in-bearbeitung" | "nachforderung" | "nachgereicht"
            );
            Fall {
                id: 5000 + i,
                zustand,
                dienst: if i % 6 == 0 { "sonstiges" } else { "anfrage" },
                eingereicht: start + (i / 2) * 6 * 3600,
                zugewiesen: i % 4 == 0,
                frist: match i % 13 {
                    0 if offen => Some(1),
                    1 => Some(4_102_444_800),
                    _ => None,
                },
                suchtext: s,
            }
        })
        .collect();
    let mut werte: Vec<String> = faelle
        .iter()
        .map(|f| {
            format!(
                "({}, '{}', {b}, 'x@example.org', 'ANF-2026-{:06}', '{}', 2, '{{}}', '{}', 'Name {}', {}, {}, {}, {}, {}, 1)",
                f.id,
                f.dienst,
                f.id - 5000,
                f.zustand,
                f.suchtext,
                f.id,
                if f.zugewiesen { ich.to_string() } else { "NULL".into() },
                f.frist.map_or("NULL".into(), |x| x.to_string()),
                f.eingereicht - 60,
                f.eingereicht,
                f.eingereicht
            )
        })
        .collect();
    // A draft and another authority's Antrag with the same words: never in this inbox.
    werte.push(format!(
        "(9001, 'anfrage', {b}, 'x@example.org', NULL, 'entwurf', 1, '{{}}', ' laterne rheine', 'Entwurf', NULL, NULL, 0, 0, NULL, 1)"
    ));
    werte.push(format!(
        "(9002, 'anfrage', {fremd}, 'x@example.org', 'ANF-2026-999999', 'eingereicht', 2, '{{}}', ' anf 2026 999999 laterne rheine', 'Fremd', NULL, NULL, {start}, {start}, {start}, 1)"
    ));
    t.ausfuehren(&format!(
        "INSERT INTO antrag (id, dienst, behoerde_id, email, nummer, zustand, schritt, daten, suchtext, name, zugewiesen, frist, erstellt, geaendert, eingereicht, version) VALUES {}",
        werte.join(", ")
    ))
    .await;
    // As after migration 0029 on a database with Anträge: the words are still missing.
    t.ausfuehren("INSERT INTO meta (key, value) VALUES ('antrag_suchwort_nachtragen', '1')")
        .await;

    let jetzt = ozg::kern::Uhr::system().sekunden();
    let offen = |z: &str| {
        matches!(
            z,
            "eingereicht" | "in-bearbeitung" | "nachforderung" | "nachgereicht"
        )
    };
    // 11.01.2026 up to the end of 20.01.2026 (all times are 0, 6, 12 or 18 UTC: the same day
    // in Berlin).
    let (von, bis_vor) = (start + 10 * 86_400, start + 20 * 86_400);
    type Pruefung<'a> = (&'a str, Box<dyn Fn(&Fall) -> bool>);
    let suche = |q: &'static str| -> Box<dyn Fn(&Fall) -> bool> {
        Box::new(move |f: &Fall| {
            ozg_domain::search::woerter(q)
                .iter()
                .all(|w| f.suchtext.contains(&format!(" {w}")))
        })
    };
    let pruefungen: Vec<Pruefung<'_>> = vec![
        ("", Box::new(|_| true)),
        ("zustand=offen", Box::new(move |f| offen(f.zustand))),
        ("zustand=bewilligt", Box::new(|f| f.zustand == "bewilligt")),
        (
            "dienst=anfrage&zustand=in-bearbeitung",
            Box::new(|f| f.dienst == "anfrage" && f.zustand == "in-bearbeitung"),
        ),
        (
            "von=11.01.2026&bis=20.01.2026",
            Box::new(move |f| f.eingereicht >= von && f.eingereicht < bis_vor),
        ),
        ("zugewiesen=ich", Box::new(|f| f.zugewiesen)),
        ("zugewiesen=niemand", Box::new(|f| !f.zugewiesen)),
        (
            "ueberfaellig=ja",
            Box::new(move |f| f.frist.is_some_and(|x| x < jetzt) && offen(f.zustand)),
        ),
        ("q=laterne", suche("laterne")),
        ("q=rheine", suche("rheine")),
        ("q=Stra%C3%9Fe", suche("Straße")),
        (
            "q=strassenbeleuchtungsanlage",
            suche("strassenbeleuchtungsanlage"),
        ),
        ("q=strassenbahnen", suche("strassenbahnen")),
        ("q=y%C4%B1lmaz", suche("yılmaz")),
        ("q=la", suche("la")),
        ("q=laterne+rheine", suche("laterne rheine")),
        ("q=ANF-2026-000123", suche("ANF-2026-000123")),
        ("q=kanal", suche("kanal")),
        (
            "q=laterne&zustand=offen",
            Box::new(move |f| offen(f.zustand) && f.suchtext.contains(" laterne")),
        ),
        (
            "q=rheine&zugewiesen=ich",
            Box::new(|f| f.zugewiesen && f.suchtext.contains(" rheine")),
        ),
    ];
    let mut sortiert: Vec<&Fall> = faelle.iter().collect();
    sortiert.sort_by_key(|f| std::cmp::Reverse((f.eingereicht, f.id)));
    let pruefen = |runde: &'static str| {
        let pruefungen = &pruefungen;
        let sortiert = &sortiert;
        let rheine = &rheine;
        async move {
            for (abfrage, passt) in pruefungen {
                let erwartet: Vec<i64> =
                    sortiert.iter().filter(|f| passt(f)).map(|f| f.id).collect();
                let seiten = erwartet.len().div_ceil(50).max(1);
                for seite in [1, 2, seiten] {
                    let html = t
                        .get_with(&format!("/sachbearbeitung?{abfrage}&seite={seite}"), rheine)
                        .await
                        .text();
                    assert_eq!(
                        treffer_zahl(&html),
                        erwartet.len() as i64,
                        "{runde}: hits of {abfrage}"
                    );
                    let seite_ids: Vec<i64> = erwartet
                        .iter()
                        .skip((seite - 1) * 50)
                        .take(50)
                        .copied()
                        .collect();
                    assert_eq!(
                        zeilen_ids(&html),
                        seite_ids,
                        "{runde}: page {seite} of {abfrage}"
                    );
                }
            }
        }
    };
    // Before the words are filled in: every row read, as before the index.
    pruefen("without the word index").await;
    t.aufgaben_ausfuehren().await;
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM meta WHERE key = 'antrag_suchwort_nachtragen'")
            .await,
        0
    );
    assert_eq!(
        t.scalar("SELECT COUNT(DISTINCT antrag_id) FROM antrag_suchwort")
            .await,
        1301,
        "every submitted Antrag of both authorities, no draft"
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM antrag_suchwort WHERE antrag_id = 9001")
            .await,
        0
    );
    pruefen("with the word index").await;
}
