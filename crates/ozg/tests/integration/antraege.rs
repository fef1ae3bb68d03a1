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
        ("frist", vec![("frist", "01.01.2030")]),
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
    t.ausfuehren(
        "INSERT INTO meta (key, value) VALUES ('antrag_suchwort_nachtragen', '1')",
    )
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
        ("q=strassenbeleuchtungsanlage", suche("strassenbeleuchtungsanlage")),
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
                let erwartet: Vec<i64> = sortiert
                    .iter()
                    .filter(|f| passt(f))
                    .map(|f| f.id)
                    .collect();
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
