//! HTTP stories of the committees: priorities, IT-Lenkungsausschuss with Umlaufverfahren, workshops.

use crate::support::*;

story!(priority_reconciliation);
async fn priority_reconciliation(t: &TestApp) {
    let page = t.ok("/prioritaeten").await.text();
    for s in [
        "Kinderbetreuung",
        "Reitkennzeichen und -plaketten",
        "Fußnote 5",
        "in Klärung mit der Bund-Länder-Ebene",
        "(laut Umsetzungsplan)",
    ] {
        assert!(page.contains(s), "{s}");
    }
    assert!(
        !page.contains("<form class=\"formular\""),
        "the public sees no form"
    );
    let (ks, csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    assert!(
        t.get_with("/prioritaeten", &ks)
            .await
            .text()
            .contains("Stand der Abstimmung zu Kinderbetreuung erfassen")
    );
    let before = t.audit_count().await;
    for (slug, status, needle) in [
        (
            "kinderbetreuung",
            "erledigt",
            "ist kein Stand der Abstimmung",
        ),
        (
            "wohngeld",
            "offen",
            "kein Projekt mit abweichender Priorität",
        ),
    ] {
        let r = t
            .post(
                &format!("/prioritaeten/{slug}"),
                &ks,
                &[("_csrf", &csrf), ("status", status), ("notiz", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{slug}");
        assert!(r.text().contains(needle), "{}", r.text());
    }
    assert_eq!(t.audit_count().await, before);
    let r = t
        .post(
            "/prioritaeten/kinderbetreuung",
            &ks,
            &[
                ("_csrf", &csrf),
                ("status", "nrw-gilt"),
                ("notiz", "Mit MKFFI und Federführung abgestimmt."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, before + 1);
    let page = t.ok("/prioritaeten").await.text();
    assert!(page.contains("geklärt: NRW-Priorität gilt für die Kommunen"));
    assert!(page.contains("Mit MKFFI und Federführung abgestimmt."));
    // The public sees the display name, never the login name.
    assert!(page.contains("erfasst von Person koordination"), "{page}");
    assert!(!page.contains("erfasst von koordination"));
}

story!(lenkungsausschuss_decisions_and_umlaufverfahren);
async fn lenkungsausschuss_decisions_and_umlaufverfahren(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie-k", "themenfeld-koordinator", "familie-kind").await;
    let (bi, bi_csrf) = login_as(t, "bildung-k", "themenfeld-koordinator", "bildung").await;
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let mut la = Vec::new();
    for i in 0..3 {
        la.push(login_as(t, &format!("la{i}"), "lenkungsausschuss", "").await);
    }

    // The coordinator of the Themenfeld submits the Steckbrief; another Themenfeld's may not.
    let r = t
        .post(
            "/projekte/kinderbetreuung/vorlage",
            &bi,
            &[("_csrf", &bi_csrf), ("titel", "X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let n = t.audit_count().await;
    let r = t
        .post(
            "/projekte/kinderbetreuung/vorlage",
            &tk,
            &[("_csrf", &tk_csrf), ("titel", "  ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("id=\"vl-titel-fehler\""), "{}", r.text());
    let r = t
        .post(
            "/projekte/bauaufsicht/vorlage",
            &ks,
            &[("_csrf", &ks_csrf), ("titel", "Bau")],
        )
        .await;
    // A project without a Steckbrief cannot be submitted; the message says why.
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("keinen Steckbrief mit Varianten"),
        "{}",
        r.text()
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            "/projekte/kinderbetreuung/vorlage",
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("titel", "Steckbrief Kinderbetreuung: Variantenentscheidung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let kita = t
        .scalar("SELECT id FROM vorlage WHERE projekt = 'kinderbetreuung'")
        .await;
    let r = t
        .post(
            "/projekte/kinderbetreuung/vorlage",
            &tk,
            &[("_csrf", &tk_csrf), ("titel", "Noch einmal")],
        )
        .await;
    assert!(
        r.text().contains("bereits eine Vorlage"),
        "one open Vorlage per project"
    );
    assert!(
        t.ok("/projekte/kinderbetreuung")
            .await
            .text()
            .contains("dem IT-Lenkungsausschuss vorgelegt")
    );

    // A meeting, the agenda, and a decision with its field checks.
    let r = t
        .post(
            "/lenkungsausschuss/sitzungen",
            &la[0].0,
            &[("_csrf", &la[0].1), ("datum", "2021-13-01"), ("ort", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("id=\"s-datum-fehler\"") && r.text().contains("id=\"s-ort-fehler\""));
    let r = t
        .post(
            "/lenkungsausschuss/sitzungen",
            &la[0].0,
            &[
                ("_csrf", &la[0].1),
                ("datum", "2021-03-10"),
                ("ort", "Düsseldorf, KDN"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let sitzung = t
        .scalar("SELECT MAX(id) FROM ausschuss_sitzung")
        .await
        .to_string();
    let r = t
        .post(
            &format!("/lenkungsausschuss/vorlagen/{kita}/tagesordnung"),
            &la[0].0,
            &[("_csrf", &la[0].1), ("sitzung", &sitzung)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let oeffentlich = t.ok("/lenkungsausschuss").await.text();
    assert!(oeffentlich.contains("Sitzung am 10.03.2021, Düsseldorf, KDN"));
    // Submitted by the display name, never the login name.
    assert!(
        oeffentlich.contains("von Person familie-k"),
        "{oeffentlich}"
    );
    assert!(!oeffentlich.contains("von familie-k<"));
    let url = format!("/lenkungsausschuss/vorlagen/{kita}/beschluss");
    let n = t.audit_count().await;
    let r = t
        .post(
            &url,
            &la[1].0,
            &[
                ("_csrf", &la[1].1),
                ("entscheidung", "freigegeben"),
                ("variante", "C"),
                ("datum", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    for id in ["variante", "finanzierung", "beauftragung", "datum"] {
        assert!(
            text.contains(&format!("id=\"b-{kita}-{id}-fehler\"")),
            "{id}: {text}"
        );
    }
    assert_eq!(t.audit_count().await, n);
    // Zurückgestellt first, then an Umlaufverfahren decides.
    let r = t
        .post(
            &url,
            &la[1].0,
            &[
                ("_csrf", &la[1].1),
                ("entscheidung", "zurueckgestellt"),
                ("datum", "2021-03-10"),
                ("protokoll", "Rückfragen zur Finanzierung."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        t.ok("/projekte/kinderbetreuung")
            .await
            .text()
            .contains("Stand: <strong>zurückgestellt</strong>")
    );

    // Umlaufverfahren: only committee members vote, each once, until the deadline.
    let start = format!("/lenkungsausschuss/vorlagen/{kita}/umlauf");
    let r = t
        .post(
            &start,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("variante", "B"),
                ("frist", "2020-01-01T12:00"),
                ("quorum", "0"),
                ("mehrheit", "einfach"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains(&format!("id=\"u-{kita}-frist-fehler\""))
            && r.text().contains(&format!("id=\"u-{kita}-quorum-fehler\"")),
        "{}",
        r.text()
    );
    let frist = format!("{}T12:00", tag_utc(2));
    let r = t
        .post(
            &start,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("variante", "B"),
                ("frist", &frist),
                ("quorum", "50"),
                ("mehrheit", "einfach"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let umlauf = t.scalar("SELECT MAX(id) FROM umlauf").await;
    assert_eq!(
        t.scalar(&format!(
            "SELECT stimmberechtigt FROM umlauf WHERE id = {umlauf}"
        ))
        .await,
        3
    );
    let stimme = format!("/lenkungsausschuss/umlauf/{umlauf}/stimme");
    let r = t
        .post(&stimme, &ks, &[("_csrf", &ks_csrf), ("stimme", "ja")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the Koordinierungsstelle does not vote"
    );
    let r = t
        .post(
            &stimme,
            &la[0].0,
            &[("_csrf", &la[0].1), ("stimme", "vielleicht")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains(&format!("id=\"st-{umlauf}-fehler\"")),
        "{}",
        r.text()
    );
    assert_eq!(
        t.post(&stimme, &la[0].0, &[("_csrf", &la[0].1), ("stimme", "ja")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let n = t.audit_count().await;
    let r = t
        .post(
            &stimme,
            &la[0].0,
            &[("_csrf", &la[0].1), ("stimme", "nein")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("bereits abgestimmt"));
    assert_eq!(t.audit_count().await, n);
    assert_eq!(
        t.post(
            &stimme,
            &la[1].0,
            &[("_csrf", &la[1].1), ("stimme", "enthaltung")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    // Before the deadline nothing is decided, and no decision can be recorded beside it.
    let seite = t.ok("/lenkungsausschuss").await.text();
    assert!(
        seite.contains("2 von 3 Mitgliedern haben abgestimmt")
            && seite.contains("Die Abstimmung läuft."),
        "{seite}"
    );
    let r = t
        .post(
            &url,
            &la[1].0,
            &[
                ("_csrf", &la[1].1),
                ("entscheidung", "abgelehnt"),
                ("datum", "2021-03-10"),
            ],
        )
        .await;
    assert!(r.text().contains("läuft ein Umlaufverfahren"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM beschluss").await, 1);

    // The deadline passes: 1 Ja, 0 Nein, 1 Enthaltung of 3 → quorum 50 % met (2 of 3), simple
    // majority met → angenommen; Variante B approved, the Umsetzung phase starts.
    t.ausfuehren(&format!(
        "UPDATE umlauf SET frist = frist - 3 * 86400 WHERE id = {umlauf}"
    ))
    .await;
    let r = t
        .post(
            &stimme,
            &la[2].0,
            &[("_csrf", &la[2].1), ("stimme", "nein")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Frist ist am"), "{}", r.text());
    // Before the scheduled task counts, the page shows the result the count will record, and
    // reading it writes nothing.
    let seite = t.ok("/lenkungsausschuss").await.text();
    assert!(
        seite.contains("Ergebnis: angenommen</strong> (1 Ja, 0 Nein, 1 Enthaltung)"),
        "{seite}"
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM beschluss WHERE verfahren = 'umlauf'")
            .await,
        0
    );
    t.aufgaben_ausfuehren().await;
    let seite = t.ok("/lenkungsausschuss").await.text();
    assert!(
        seite.contains("Ergebnis: angenommen</strong> (1 Ja, 0 Nein, 1 Enthaltung)"),
        "{seite}"
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM beschluss WHERE verfahren = 'umlauf' AND entscheidung = 'freigegeben' AND variante = 'B'").await, 1);
    let projekt = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(
        projekt.contains("Stand: <strong>Umsetzung freigegeben</strong>")
            && projekt.contains("im Umlaufverfahren"),
        "{projekt}"
    );
    assert!(
        t.db.scalar_text(sql!(
            "SELECT phase_umsetzung FROM projekt WHERE slug = 'kinderbetreuung'"
        ))
        .await
        .unwrap()
        .is_some()
    );
    // Counted once, however often it is asked.
    assert_eq!(
        ozg::gremien::faellige_auswerten(&t.db, &spaeter())
            .await
            .unwrap(),
        0
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM beschluss").await, 2);

    // A second Vorlage whose Umlaufverfahren misses the quorum: no decision, the Vorlage stays open.
    let r = t
        .post(
            "/projekte/fundsachen/vorlage",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("titel", "Fundsachen: Variantenentscheidung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let fund = t
        .scalar("SELECT id FROM vorlage WHERE projekt = 'fundsachen'")
        .await;
    let r = t
        .post(
            &format!("/lenkungsausschuss/vorlagen/{fund}/umlauf"),
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("variante", "A"),
                ("frist", &frist),
                ("quorum", "100"),
                ("mehrheit", "zwei-drittel"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let u2 = t.scalar("SELECT MAX(id) FROM umlauf").await;
    let s2 = format!("/lenkungsausschuss/umlauf/{u2}/stimme");
    assert_eq!(
        t.post(&s2, &la[0].0, &[("_csrf", &la[0].1), ("stimme", "ja")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    t.ausfuehren(&format!("UPDATE umlauf SET frist = 0 WHERE id = {u2}"))
        .await;
    let seite = t.ok("/lenkungsausschuss").await.text();
    assert!(seite.contains("Ergebnis: nicht beschlussfähig"), "{seite}");
    assert!(
        t.ok("/projekte/fundsachen")
            .await
            .text()
            .contains("Stand: <strong>dem IT-Lenkungsausschuss vorgelegt</strong>")
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM beschluss").await, 2);
}

story!(workshop_editing);
async fn workshop_editing(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let (bi, bi_csrf) = login_as(t, "bildung", "themenfeld-koordinator", "bildung").await;
    let ws = t.scalar("SELECT MIN(w.id) FROM workshop w JOIN workshop_themenfeld wt ON wt.workshop_id = w.id JOIN themenfeld t ON t.id = wt.themenfeld_id WHERE t.slug = 'familie-kind'").await;
    let url = format!("/workshops/{ws}/bearbeiten");
    let form = t.get_with(&url, &tk).await;
    assert_eq!(form.status, StatusCode::OK);
    let text = form.text();
    assert!(
        text.contains(
            "id=\"w-tf-familie-kind\" name=\"themenfeld\" value=\"familie-kind\" checked"
        ),
        "{text}"
    );
    let v = form_value(&text, "version");
    let n = t.audit_count().await;
    // Bad input: every field named, nothing changed.
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2019-13-40"),
                ("teilnehmer", "Bonn\nGibt es nicht GmbH"),
                ("projekte", "Kinderbetreuung\nMondfahrt"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    for id in [
        "w-datum-fehler",
        "w-tf-fehler",
        "w-teilnehmer-fehler",
        "w-projekte-fehler",
    ] {
        assert!(text.contains(&format!("id=\"{id}\"")), "{id}: {text}");
    }
    assert!(
        text.contains("Zeile 2: „Gibt es nicht GmbH“ ist keine bekannte Organisation"),
        "{text}"
    );
    assert!(text.contains("Mondfahrt"), "typed value kept");
    // A coordinator may not move the workshop into a Themenfeld they do not coordinate.
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2019-11-26"),
                ("themenfeld", "familie-kind"),
                ("themenfeld", "bildung"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains(
            "Sie koordinieren diese Themenfelder nicht und können sie nicht hinzufügen: Bildung"
        ),
        "{}",
        r.text()
    );
    assert_eq!(
        t.post(&url, &bi, &[("_csrf", &bi_csrf)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2019-11-27"),
                ("ort", "Kreishaus Gütersloh"),
                ("themenfeld", "familie-kind"),
                // The other Themenfeld of the workshop stays (another coordinates it).
                ("themenfeld", "querschnitt"),
                ("teilnehmer", "Bonn\nkrz"),
                ("projekte", "Kinderbetreuung"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let seite = t.ok(&format!("/workshops/{ws}")).await.text();
    assert!(
        seite.contains("Workshop am 27.11.2019") && seite.contains("Kreishaus Gütersloh"),
        "{seite}"
    );
    assert!(
        seite.contains("href=\"/organisationen/bonn\">Bonn</a>"),
        "{seite}"
    );
    let erarbeitet = seite.split("Erarbeitete Projekte").nth(1).unwrap();
    assert!(
        erarbeitet.contains("/projekte/kinderbetreuung")
            && !erarbeitet.contains("/projekte/elterngeld\""),
        "recorded results replace the derived list"
    );
    // The stale form is refused.
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2019-11-28"),
                ("themenfeld", "familie-kind"),
                ("themenfeld", "querschnitt"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let konflikt = r.text();
    let konflikt = konflikt
        .split("role=\"alert\"")
        .nth(1)
        .unwrap()
        .split("</div>")
        .next()
        .unwrap();
    assert!(
        konflikt.contains("„Kreishaus Gütersloh“"),
        "what changed meanwhile: {konflikt}"
    );
    assert_eq!(t.audit_count().await, n + 1);
    // A new workshop: in one's own Themenfeld, with a real date.
    let r = t
        .post(
            "/workshops",
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "morgen"),
                ("themenfeld", "familie-kind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("Feld Datum: „morgen“ ist kein Datum"),
        "{}",
        r.text()
    );
    let r = t
        .post(
            "/workshops",
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2027-02-01"),
                ("themenfeld", "bildung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.audit_count().await, n + 1);
    let r = t
        .post(
            "/workshops",
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2027-02-01"),
                ("themenfeld", "familie-kind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.location().ends_with("/bearbeiten"));
    assert_eq!(t.audit_count().await, n + 2);
    assert!(t.ok("/workshops").await.text().contains("01.02.2027"));
}

story!(umlauf_nur_fuer_die_stimmberechtigten_beim_start);
/// Who may vote is fixed when an Umlaufverfahren starts: a committee account created later
/// (e.g. by the Koordinierungsstelle, which sees invitation links) cannot vote, the votes never
/// exceed the entitled members, and a vote that arrives after the count is not stored.
async fn umlauf_nur_fuer_die_stimmberechtigten_beim_start(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie-k", "themenfeld-koordinator", "familie-kind").await;
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let la0 = login_as(t, "la0", "lenkungsausschuss", "").await;
    let la1 = login_as(t, "la1", "lenkungsausschuss", "").await;
    let r = t
        .post(
            "/projekte/kinderbetreuung/vorlage",
            &tk,
            &[("_csrf", &tk_csrf), ("titel", "Kita-Portal: Variante")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let vorlage = t.scalar("SELECT MAX(id) FROM vorlage").await;
    let frist = format!("{}T12:00", tag_utc(2));
    let r = t
        .post(
            &format!("/lenkungsausschuss/vorlagen/{vorlage}/umlauf"),
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("variante", "B"),
                ("frist", &frist),
                ("quorum", "50"),
                ("mehrheit", "einfach"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let umlauf = t.scalar("SELECT MAX(id) FROM umlauf").await;
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM umlauf_berechtigt WHERE umlauf_id = {umlauf}"
        ))
        .await,
        2
    );
    // A committee account created after the start.
    let spaet = login_as(t, "la-spaet", "lenkungsausschuss", "").await;
    let stimme = format!("/lenkungsausschuss/umlauf/{umlauf}/stimme");
    let seite = t.get_with("/lenkungsausschuss", &spaet.0).await.text();
    assert!(
        seite.contains("nicht zu den Stimmberechtigten"),
        "the page says why there is no ballot"
    );
    let n = t.audit_count().await;
    let r = t
        .post(&stimme, &spaet.0, &[("_csrf", &spaet.1), ("stimme", "ja")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(r.text().contains("nicht zu den Stimmberechtigten"));
    assert_eq!(t.audit_count().await, n);
    for (s, c) in [&la0, &la1] {
        let r = t.post(&stimme, s, &[("_csrf", c), ("stimme", "ja")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM umlauf_stimme WHERE umlauf_id = {umlauf}"
        ))
        .await,
        2,
        "never more votes than entitled members"
    );
    // Counted at the deadline; a vote that comes in afterwards is not stored.
    let la2 = login_as(t, "la2", "lenkungsausschuss", "").await;
    t.ausfuehren(&format!(
        "INSERT INTO umlauf_berechtigt (umlauf_id, konto_id) SELECT {umlauf}, id FROM konto WHERE benutzername = 'la2'"
    ))
    .await;
    t.ausfuehren(&format!("UPDATE umlauf SET frist = 1 WHERE id = {umlauf}"))
        .await;
    t.aufgaben_ausfuehren().await;
    let r = t
        .post(&stimme, &la2.0, &[("_csrf", &la2.1), ("stimme", "nein")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM umlauf_stimme WHERE umlauf_id = {umlauf}"
        ))
        .await,
        2
    );
}

story!(gemeinsamer_workshop_behaelt_fremde_themenfelder);
/// A workshop of two Themenfelder: the coordinator of one edits it and keeps the other's
/// Themenfeld; taking it away is refused and changes nothing.
async fn gemeinsamer_workshop_behaelt_fremde_themenfelder(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (tk, tk_csrf) = login_as(t, "familie-k", "themenfeld-koordinator", "familie-kind").await;
    let r = t
        .post(
            "/workshops",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("datum", "2021-05-05"),
                ("ort", "Online"),
                ("themenfeld", "familie-kind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let ws = t.scalar("SELECT MAX(id) FROM workshop").await;
    let url = format!("/workshops/{ws}/bearbeiten");
    // The Koordinierungsstelle makes it a workshop of two Themenfelder.
    let v = form_value(&t.get_with(&url, &ks).await.text(), "version");
    let r = t
        .post(
            &url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("datum", "2021-05-05"),
                ("themenfeld", "familie-kind"),
                ("themenfeld", "bildung"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let version = || async { form_value(&t.get_with(&url, &tk).await.text(), "version") };
    let tfs = || async {
        t.scalar(&format!(
            "SELECT COUNT(*) FROM workshop_themenfeld WHERE workshop_id = {ws}"
        ))
        .await
    };
    // Taking Bildung away: refused, nothing changed.
    let n = t.audit_count().await;
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2021-05-05"),
                ("themenfeld", "familie-kind"),
                ("version", &version().await),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("sie bleiben am Workshop: Bildung"),
        "{}",
        r.text()
    );
    assert_eq!(t.audit_count().await, n);
    assert_eq!(tfs().await, 2);
    // Keeping it and changing the place: saved, both Themenfelder stay.
    let r = t
        .post(
            &url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("datum", "2021-05-05"),
                ("ort", "Gütersloh"),
                ("themenfeld", "familie-kind"),
                ("themenfeld", "bildung"),
                ("version", &version().await),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(tfs().await, 2);
}

/// The Koordinierungsstelle submits the Steckbrief of `projekt`; its Vorlage's number.
async fn vorlage_von(t: &TestApp, ks: &(String, String), projekt: &str) -> i64 {
    let r = t
        .post(
            &format!("/projekte/{projekt}/vorlage"),
            &ks.0,
            &[("_csrf", &ks.1), ("titel", "Variantenentscheidung")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    t.scalar(&format!(
        "SELECT MAX(id) FROM vorlage WHERE projekt = '{projekt}'"
    ))
    .await
}

/// A transaction of the test's own that holds the writing of new records (PostgreSQL: the
/// number sequences, `id_folge`; SQLite: the one writer) until [`Sperre::loslassen`]: requests
/// sent meanwhile read and check, then wait at their first write. So both have checked before
/// either writes — the moment a race needs, every time.
enum Sperre {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Sperre {
    async fn nehmen(t: &TestApp) -> Sperre {
        use sqlx::{ConnectOptions, Connection, Executor};
        if t.url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(&t.url).await.unwrap();
            c.execute(sqlx::raw_sql("BEGIN")).await.unwrap();
            c.execute(sqlx::raw_sql("LOCK TABLE id_folge IN EXCLUSIVE MODE"))
                .await
                .unwrap();
            Sperre::Postgres(c)
        } else {
            let mut c = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&t.url)
                .connect()
                .await
                .unwrap();
            c.execute(sqlx::raw_sql("BEGIN IMMEDIATE")).await.unwrap();
            Sperre::Sqlite(c)
        }
    }

    /// Waits until `n` requests wait for the lock (PostgreSQL shows it; SQLite: a second),
    /// then lets them go on.
    async fn loslassen(self, t: &TestApp, n: i64) {
        use sqlx::Executor;
        let pause = std::time::Duration::from_millis(20);
        match self {
            Sperre::Postgres(mut c) => {
                for _ in 0..500 {
                    let wartend = t
                        .scalar(
                            "SELECT COUNT(*) FROM pg_stat_activity \
                             WHERE datname = current_database() AND wait_event_type = 'Lock'",
                        )
                        .await;
                    if wartend >= n {
                        break;
                    }
                    tokio::time::sleep(pause).await;
                }
                c.execute(sqlx::raw_sql("COMMIT")).await.unwrap();
            }
            Sperre::Sqlite(mut c) => {
                tokio::time::sleep(pause * 50).await;
                c.execute(sqlx::raw_sql("COMMIT")).await.unwrap();
            }
        }
    }
}

/// The two statuses of answers sent at the same moment, in order (303 before 400 before 409).
fn statusse(a: &Resp, b: &Resp) -> [u16; 2] {
    let mut s = [a.status.as_u16(), b.status.as_u16()];
    s.sort_unstable();
    s
}

/// The text of whichever answer has `status`.
fn text_mit(status: StatusCode, a: &Resp, b: &Resp) -> String {
    if a.status == status { a } else { b }.text()
}

story!(lenkungsausschuss_gleichzeitige_beschluesse);
/// Two members record a decision on one Vorlage at the same moment (both read it undecided):
/// one decision is stored, the other is refused with a conflict and changes nothing.
async fn lenkungsausschuss_gleichzeitige_beschluesse(t: &TestApp) {
    let ks = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let la0 = login_as(t, "la0", "lenkungsausschuss", "").await;
    let la1 = login_as(t, "la1", "lenkungsausschuss", "").await;
    let vorlage = vorlage_von(t, &ks, "kinderbetreuung").await;
    let url = format!("/lenkungsausschuss/vorlagen/{vorlage}/beschluss");
    let n = t.audit_count().await;
    let form0 = [
        ("_csrf", la0.1.as_str()),
        ("entscheidung", "abgelehnt"),
        ("datum", "2021-03-10"),
        ("protokoll", "Erfasst von la0."),
    ];
    let form1 = [
        ("_csrf", la1.1.as_str()),
        ("entscheidung", "abgelehnt"),
        ("datum", "2021-03-10"),
        ("protokoll", "Erfasst von la1."),
    ];
    let sperre = Sperre::nehmen(t).await;
    let (a, b, ()) = tokio::join!(
        t.post(&url, &la0.0, &form0),
        t.post(&url, &la1.0, &form1),
        sperre.loslassen(t, 2)
    );
    assert_eq!(statusse(&a, &b), [303, 409], "{}\n{}", a.text(), b.text());
    assert!(
        text_mit(StatusCode::CONFLICT, &a, &b).contains("inzwischen geändert"),
        "the refused one says why"
    );
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM beschluss WHERE vorlage_id = {vorlage}"
        ))
        .await,
        1
    );
    assert_eq!(t.audit_count().await, n + 1);
    // Decided: the project may be submitted again.
    vorlage_von(t, &ks, "kinderbetreuung").await;
}

story!(lenkungsausschuss_umlauf_gleichzeitig);
/// "Umlauf starten" clicked twice at once starts one Umlaufverfahren; a decision recorded at
/// the same moment as an Umlaufverfahren starts is refused, or the start is: never both.
async fn lenkungsausschuss_umlauf_gleichzeitig(t: &TestApp) {
    let ks = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let la0 = login_as(t, "la0", "lenkungsausschuss", "").await;
    let la1 = login_as(t, "la1", "lenkungsausschuss", "").await;
    let frist = format!("{}T12:00", tag_utc(2));
    let vorlage = vorlage_von(t, &ks, "kinderbetreuung").await;
    let url = format!("/lenkungsausschuss/vorlagen/{vorlage}/umlauf");
    let form = [
        ("_csrf", la0.1.as_str()),
        ("variante", "B"),
        ("frist", frist.as_str()),
        ("quorum", "50"),
        ("mehrheit", "einfach"),
    ];
    let n = t.audit_count().await;
    let sperre = Sperre::nehmen(t).await;
    let (a, b, ()) = tokio::join!(
        t.post(&url, &la0.0, &form),
        t.post(&url, &la0.0, &form),
        sperre.loslassen(t, 2)
    );
    assert_eq!(statusse(&a, &b), [303, 409], "{}\n{}", a.text(), b.text());
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM umlauf WHERE vorlage_id = {vorlage}"
        ))
        .await,
        1,
        "one running Umlaufverfahren"
    );
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM umlauf_berechtigt WHERE umlauf_id IN (SELECT id FROM umlauf WHERE vorlage_id = {vorlage})"
        ))
        .await,
        2,
        "the entitled members of that one"
    );
    assert_eq!(t.audit_count().await, n + 1);

    // A decision and the start of an Umlaufverfahren at the same moment: one of them.
    let fund = vorlage_von(t, &ks, "fundsachen").await;
    let form = [
        ("_csrf", la0.1.as_str()),
        ("variante", "A"),
        ("frist", frist.as_str()),
        ("quorum", "50"),
        ("mehrheit", "einfach"),
    ];
    let umlauf = format!("/lenkungsausschuss/vorlagen/{fund}/umlauf");
    let beschluss = format!("/lenkungsausschuss/vorlagen/{fund}/beschluss");
    let ablehnung = [
        ("_csrf", la1.1.as_str()),
        ("entscheidung", "abgelehnt"),
        ("datum", "2021-03-10"),
    ];
    let sperre = Sperre::nehmen(t).await;
    let (a, b, ()) = tokio::join!(
        t.post(&umlauf, &la0.0, &form),
        t.post(&beschluss, &la1.0, &ablehnung),
        sperre.loslassen(t, 2)
    );
    assert_eq!(statusse(&a, &b), [303, 409], "{}\n{}", a.text(), b.text());
    let umlaeufe = t
        .scalar(&format!(
            "SELECT COUNT(*) FROM umlauf WHERE vorlage_id = {fund}"
        ))
        .await;
    let beschluesse = t
        .scalar(&format!(
            "SELECT COUNT(*) FROM beschluss WHERE vorlage_id = {fund}"
        ))
        .await;
    assert_eq!(umlaeufe + beschluesse, 1, "{umlaeufe} {beschluesse}");
}

story!(vorlage_gleichzeitig_eingereicht);
/// "Einreichen" clicked twice at once (both read no open Vorlage): the project gets one open
/// Vorlage; the other submission is refused with the message of the check.
async fn vorlage_gleichzeitig_eingereicht(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie-k", "themenfeld-koordinator", "familie-kind").await;
    let url = "/projekte/kinderbetreuung/vorlage";
    let form = [
        ("_csrf", tk_csrf.as_str()),
        ("titel", "Kita-Portal: Varianten"),
    ];
    let n = t.audit_count().await;
    let sperre = Sperre::nehmen(t).await;
    let (a, b, ()) = tokio::join!(
        t.post(url, &tk, &form),
        t.post(url, &tk, &form),
        sperre.loslassen(t, 2)
    );
    assert_eq!(statusse(&a, &b), [303, 400], "{}\n{}", a.text(), b.text());
    assert!(
        text_mit(StatusCode::BAD_REQUEST, &a, &b).contains("bereits eine Vorlage"),
        "{}",
        text_mit(StatusCode::BAD_REQUEST, &a, &b)
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM vorlage WHERE projekt = 'kinderbetreuung'")
            .await,
        1,
        "one open Vorlage per project"
    );
    assert_eq!(t.audit_count().await, n + 1);
}
