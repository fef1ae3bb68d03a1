//! Partner sourcing: registrations, confirmation, Verteiler, the invitation by e-mail through
//! SMTP, and attachments checked by content.

use crate::support::*;

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
    assert_eq!(
        r.location(),
        "/projekte/kinderbetreuung/partner?vorgemerkt=2"
    );
    assert_eq!(app.audit_count().await, n + 1);
    // Queued, not sent inside the request: the outbox task sends them.
    assert!(smtpd.received().is_empty());
    assert!(
        app.get_with("/projekte/kinderbetreuung/partner?vorgemerkt=2", &tk)
            .await
            .text()
            .contains("0 gesendet, 2 warten auf den Versand")
    );
    app.aufgaben_ausfuehren().await;
    let got = smtpd.received();
    assert_eq!(got.len(), 2, "{got:?}");
    // One Message-ID per outbox entry, the same on a retry: a receiver drops a second copy.
    let ids = smtpd.message_ids();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(
        ids.iter().all(|i| i.starts_with("<postausgang-")),
        "{ids:?}"
    );
    assert_ne!(ids[0], ids[1]);
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
    let seite = app
        .get_with("/projekte/kinderbetreuung/partner?vorgemerkt=2", &tk)
        .await
        .text();
    assert!(seite.contains("an 2 Empfänger"), "{seite}");
    assert!(seite.contains("2 gesendet, 0 warten"), "{seite}");
    // Sent once: running the task again sends nothing more.
    app.aufgaben_ausfuehren().await;
    assert_eq!(smtpd.received().len(), 2);
    // With the mail server gone, messages wait and are tried again later (with the reason).
    drop(smtpd);
    let r = app
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2099-04-01"),
                ("uhrzeit", "09:00"),
                ("ort", "Online"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    app.aufgaben_ausfuehren().await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM postausgang WHERE gesendet IS NULL AND versuche = 1 AND fehler IS NOT NULL")
            .await,
        2
    );
    assert!(
        app.get_with("/projekte/kinderbetreuung/partner", &tk)
            .await
            .text()
            .contains("2 gesendet, 2 warten auf den Versand")
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
