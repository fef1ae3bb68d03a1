//! Editing by the coordination: projects (with concurrency and history), phase dates,
//! "Stand vom" and comments, the Steckbrief editor, roles and Leistungen, organisations.

use crate::support::*;

story!(project_editing_history_and_concurrency);
async fn project_editing_history_and_concurrency(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let (bi, bi_csrf) = login_as(t, "bildung", "themenfeld-koordinator", "bildung").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &tk).await;
    assert_eq!(form.status, StatusCode::OK);
    let version = |r: &Resp| form_value(&r.text(), "version");
    let v0 = version(&form);
    // The coordinator of another Themenfeld may not.
    assert_eq!(t.get_with(url, &bi).await.status, StatusCode::FORBIDDEN);
    let r = t
        .post(
            url,
            &bi,
            &[("_csrf", &bi_csrf), ("name", "X"), ("version", &v0)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad input: every field named, what was typed kept, nothing changed.
    let before = t.audit_count().await;
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("name", "Kinderbetreuung"),
                ("projektstart", "Q5 2020"),
                ("prioritaet_nrw", "7"),
                ("version", &v0),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    assert!(
        text.contains("id=\"b-start-fehler\">„Q5 2020“ ist kein Projektstart"),
        "{text}"
    );
    assert!(text.contains("value=\"Q5 2020\""), "typed value kept");
    assert!(text.contains("„7“ ist keine Priorität"));
    assert_eq!(t.audit_count().await, before);
    // Save: one audit entry with before → after, the read model and search see it.
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("name", "Kinderbetreuung online"),
                ("projektstart", "Q2 2021"),
                ("prioritaet_nrw", "1"),
                ("prioritaet_bund", "3"),
                ("zielportal", "kommunales-landesportal"),
                ("anmerkung", "Pilot in Gütersloh"),
                ("version", &v0),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, before + 1);
    let p = t
        .ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
        .await
        .json();
    assert_eq!(p["name"], "Kinderbetreuung online");
    assert_eq!(p["projektstart"], "Q2 2021");
    let hits = t
        .ok("/api/v1/suche?q=Kinderbetreuung%20online")
        .await
        .text();
    assert!(hits.contains("Kinderbetreuung online"), "{hits}");
    let hist = t
        .get_with("/projekte/kinderbetreuung/historie", &ks)
        .await
        .text();
    assert!(
        hist.contains("Kinderbetreuung online")
            && hist.contains("Q1 2020")
            && hist.contains("Q2 2021"),
        "{hist}"
    );
    assert!(hist.contains("familie"), "who changed it");
    // A second editor still holding the old form is refused and sees what changed meanwhile.
    let before = t.audit_count().await;
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kita-Portal"),
                ("projektstart", "Q1 2020"),
                ("version", &v0),
                ("protokoll_stand", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let text = r.text();
    assert!(text.contains("Während Sie bearbeitet haben"));
    assert!(
        text.contains("„Kinderbetreuung“ → „Kinderbetreuung online“"),
        "{text}"
    );
    assert!(
        text.contains("value=\"Kita-Portal\""),
        "what was typed is kept"
    );
    assert_eq!(t.audit_count().await, before);
    assert_eq!(
        t.ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
            .await
            .json()["name"],
        "Kinderbetreuung online"
    );
    // Saving again from the conflict page (now based on the current version) wins deliberately.
    let v1 = version(&r);
    assert_ne!(v1, v0);
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kita-Portal"),
                ("projektstart", "Q2 2021"),
                ("prioritaet_nrw", "1"),
                ("prioritaet_bund", "3"),
                ("zielportal", "kommunales-landesportal"),
                ("anmerkung", "Pilot in Gütersloh"),
                ("version", &v1),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.audit_count().await, before + 1);
    // The change report against the import names the edit.
    let html = t.ok("/umsetzungsplan?seit=1").await.text();
    assert!(
        html.contains("<td>Name</td><td>Kinderbetreuung</td><td>Kita-Portal</td>"),
        "{html}"
    );
}

story!(phase_dates_drive_the_status);
async fn phase_dates_drive_the_status(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let url = "/projekte/fundsachen/bearbeiten";
    let form = t.get_with(url, &tk).await;
    assert!(
        form.text().contains("id=\"b-phase_umsetzung\""),
        "the form has the phases"
    );
    let v0 = form_value(&form.text(), "version");
    let base = |v: &str| -> Vec<(String, String)> {
        [
            ("_csrf", tk_csrf.as_str()),
            ("name", "Fundsachen"),
            ("version", v),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    };
    let send = |extra: Vec<(&'static str, &'static str)>, v: String| {
        let mut f = base(&v);
        f.extend(extra.into_iter().map(|(a, b)| (a.to_owned(), b.to_owned())));
        f
    };
    let n = t.audit_count().await;
    let f = send(
        vec![
            ("phase_konzeption", "2021-06-01"),
            ("phase_umsetzung", "2021-01-15"),
            ("phase_rollout_nrw", "2021-02-30"),
        ],
        v0.clone(),
    );
    let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = t.post(url, &tk, &pairs).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    assert!(
        text.contains("id=\"b-phase_umsetzung-fehler\">Die Phase Umsetzung kann nicht vor der Phase Konzeption (01.06.2021) beginnen."),
        "{text}"
    );
    assert!(
        text.contains("id=\"b-phase_rollout_nrw-fehler\">„2021-02-30“ ist kein Datum"),
        "{text}"
    );
    assert!(text.contains("value=\"2021-01-15\""), "typed value kept");
    assert_eq!(t.audit_count().await, n);
    let f = send(
        vec![
            ("phase_konzeption", "2021-01-04"),
            ("phase_umsetzung", "2021-06-01"),
        ],
        v0,
    );
    let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = t.post(url, &tk, &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let p = t.ok("/api/v1/umsetzungsprojekte/fundsachen").await.json();
    assert_eq!(p["status"], "umsetzung", "{p}");
    assert_eq!(p["phasen"]["umsetzung"], "2021-06-01", "{p}");
    let hist = t
        .get_with("/projekte/fundsachen/historie", &tk)
        .await
        .text();
    assert!(
        hist.contains("phase_umsetzung") && hist.contains("2021-06-01"),
        "{hist}"
    );
}

story!(project_as_of_a_past_date_and_comments);
async fn project_as_of_a_past_date_and_comments(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (mi, mi_csrf) = login_as(t, "mitglied", "mitglied", "").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &ks).await.text();
    let v = form_value(&form, "version");
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kita-Navigator"),
                ("projektstart", "Q1 2020"),
                ("prioritaet_nrw", "1"),
                ("prioritaet_bund", "3"),
                ("zielportal", "kommunales-landesportal"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let gestern = tag_utc(-1);
    let damals = t
        .ok(&format!("/projekte/kinderbetreuung/stand?datum={gestern}"))
        .await
        .text();
    assert!(
        damals.contains("<th scope=\"row\">Name</th><td>Kinderbetreuung</td><td>Kita-Navigator <strong>(geändert)</strong>"),
        "{damals}"
    );
    let heute = ozg::kern::Uhr::system().heute_iso();
    let jetzt = t
        .ok(&format!("/projekte/kinderbetreuung/stand?datum={heute}"))
        .await
        .text();
    assert!(
        jetzt.contains("<th scope=\"row\">Name</th><td>Kita-Navigator</td><td>Kita-Navigator</td>"),
        "{jetzt}"
    );
    // The German spelling people type is the same day.
    let (j, m, d) = (&heute[0..4], &heute[5..7], &heute[8..10]);
    let deutsch = t
        .ok(&format!(
            "/projekte/kinderbetreuung/stand?datum={d}.{m}.{j}"
        ))
        .await
        .text();
    assert_eq!(deutsch, jetzt);
    // A refused date: the project page with the form again, what was typed in its field and
    // the error next to it.
    for (q, text) in [
        ("", "Bitte geben Sie ein Datum an"),
        ("2021-02-30", "kein Datum"),
        ("31.02.2021", "kein Datum"),
        ("2999-01-01", "Zukunft"),
    ] {
        let r = t
            .get(&format!("/projekte/kinderbetreuung/stand?datum={q}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        let html = r.text();
        assert!(
            html.contains(&format!("id=\"stand-datum\" name=\"datum\" value=\"{q}\""))
                && html.contains("aria-describedby=\"stand-datum-fehler\"")
                && html.contains(text),
            "{q}: {html}"
        );
    }
    assert_eq!(
        t.get("/projekte/gibt-es-nicht/stand?datum=2021-01-01")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Comments: members only, never shown to the public.
    let k = "/projekte/kinderbetreuung/kommentare";
    let n = t.audit_count().await;
    let page = t.ok("/anmelden").await;
    let pc = page.set_cookie(CSRF).unwrap();
    let r = t
        .post(
            k,
            &format!("{CSRF}={pc}"),
            &[("_csrf", &pc), ("kommentar", "anonym")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post(k, &mi, &[("_csrf", &mi_csrf), ("kommentar", "   ")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .contains("id=\"ko-text-fehler\">Bitte schreiben Sie einen Kommentar."),
        "{}",
        r.text()
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            k,
            &mi,
            &[
                ("_csrf", &mi_csrf),
                (
                    "kommentar",
                    "Wir haben Erfahrung mit dem Kita-Portal in Bonn.",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.audit_count().await, n + 1);
    assert!(
        t.get_with("/projekte/kinderbetreuung", &ks)
            .await
            .text()
            .contains("Wir haben Erfahrung mit dem Kita-Portal in Bonn.")
    );
    let oeffentlich = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(
        !oeffentlich.contains("Wir haben Erfahrung") && !oeffentlich.contains("id=\"kommentare\"")
    );
}

story!(steckbrief_editor_draft_and_publish);
async fn steckbrief_editor_draft_and_publish(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let (bi, _) = login_as(t, "bildung", "themenfeld-koordinator", "bildung").await;
    let url = "/projekte/kinderbetreuung/steckbrief";
    assert_eq!(t.get_with(url, &bi).await.status, StatusCode::FORBIDDEN);
    let form = t.get_with(url, &tk).await;
    assert_eq!(form.status, StatusCode::OK);
    let text = form.text();
    assert!(
        text.contains("name=\"v0_kennung\" value=\"A\"")
            && text.contains("name=\"v1_kennung\" value=\"B\""),
        "{text}"
    );
    assert!(
        text.contains("name=\"v2_kennung\" value=\"\""),
        "an empty slot for a new variant"
    );
    let v0 = form_value(&text, "version");
    let oeffentlich_vorher = t.ok("/projekte/kinderbetreuung").await.text();

    let n = t.audit_count().await;
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("v0_kennung", "A"),
                ("v0_beschreibung", ""),
                ("empfohlen", "Z"),
                ("zielprozess", "Eltern | Antrag | online | zu viel"),
                ("version", &v0),
                ("aktion", "entwurf"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    for id in [
        "v0-beschreibung-fehler",
        "sb-empfohlen-fehler",
        "sb-prozess-fehler",
    ] {
        assert!(text.contains(&format!("id=\"{id}\"")), "{id}: {text}");
    }
    assert!(
        text.contains("Eltern | Antrag | online | zu viel"),
        "typed value kept"
    );
    assert_eq!(t.audit_count().await, n);

    let felder = |aktion: &'static str, v: &str| -> Vec<(String, String)> {
        [
            ("_csrf", tk_csrf.as_str()),
            ("projektziel", "Eltern finden und beantragen Kita-Plätze online."),
            ("zielprozess", "Eltern | Kitas suchen | Karte und Filter\nEltern | Wünsche in Rangfolge angeben\nJugendamt | Plätze vergeben"),
            ("v0_kennung", "A"),
            ("v0_titel", "Landeslösung"),
            ("v0_beschreibung", "Ein Portal für ganz NRW."),
            ("v1_kennung", "B"),
            ("v1_beschreibung", "Kommunale Lösungen mit Schnittstelle."),
            ("v2_kennung", ""),
            ("empfohlen", "A"),
            ("risiken", "Datenschutz\nAkzeptanz der Träger"),
            ("auftraggeber", "KDN"),
            ("kommunalpartner", "Bonn"),
            ("it_partner", "noch offen"),
            ("version", v),
            ("aktion", aktion),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    };
    async fn post_all(t: &TestApp, url: &str, cookie: &str, f: Vec<(String, String)>) -> Resp {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        t.post(url, cookie, &pairs).await
    }
    // A draft: members see that it exists, the public still sees the published Steckbrief.
    let r = post_all(t, url, &tk, felder("entwurf", &v0)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let oeffentlich = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(!oeffentlich.contains("Eltern finden und beantragen Kita-Plätze online."));
    assert_eq!(
        oeffentlich.contains("Landeslösung"),
        oeffentlich_vorher.contains("Landeslösung")
    );
    assert!(
        t.get_with("/projekte/kinderbetreuung", &tk)
            .await
            .text()
            .contains("(ein Entwurf liegt vor)")
    );
    // A stale form is refused.
    let r = post_all(t, url, &tk, felder("veroeffentlichen", &v0)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("Während Sie bearbeitet haben"));
    assert!(
        r.text().contains("<strong>steckbrief.projektziel</strong>"),
        "what changed meanwhile"
    );
    assert_eq!(t.audit_count().await, n + 1);
    // Publish from the current version: the public sees it, the roles follow.
    let text = t.get_with(url, &tk).await.text();
    assert!(
        text.contains("Eltern finden und beantragen Kita-Plätze online."),
        "the editor starts from the draft"
    );
    let v1 = form_value(&text, "version");
    let r = post_all(t, url, &tk, felder("veroeffentlichen", &v1)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 2);
    let oeffentlich = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(
        oeffentlich.contains("Eltern finden und beantragen Kita-Plätze online."),
        "{oeffentlich}"
    );
    assert!(oeffentlich.contains("Akzeptanz der Träger"));
    assert!(
        !t.get_with("/projekte/kinderbetreuung", &tk)
            .await
            .text()
            .contains("(ein Entwurf liegt vor)")
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM projekt_rolle r JOIN projekt p ON p.id = r.projekt_id JOIN organisation o ON o.id = r.organisation_id WHERE p.slug = 'kinderbetreuung' AND r.rolle = 'kommunalpartner' AND o.slug = 'bonn'").await,
        1
    );
    let kommunal = t
        .ok("/partner-gesucht?gesucht=kommunalpartner")
        .await
        .text();
    assert!(
        !kommunal.contains("/projekte/kinderbetreuung#"),
        "the Kommunalpartner is found"
    );
    assert!(
        t.ok("/partner-gesucht?gesucht=it-partner")
            .await
            .text()
            .contains("/projekte/kinderbetreuung#")
    );
    let hist = t
        .get_with("/projekte/kinderbetreuung/historie", &tk)
        .await
        .text();
    assert!(
        hist.contains("steckbrief.projektziel") && hist.contains("veröffentlicht"),
        "{hist}"
    );
}

story!(project_roles_and_leistungen_editing);
async fn project_roles_and_leistungen_editing(t: &TestApp) {
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let url = "/projekte/kinderbetreuung/beteiligte";
    let form = t.get_with(url, &tk).await;
    assert_eq!(form.status, StatusCode::OK);
    let text = form.text();
    assert!(
        text.contains("Wuppertal") && text.contains("Schalksmühle") && text.contains("10019"),
        "{text}"
    );
    let v = form_value(&text, "version");
    let n = t.audit_count().await;
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("mitarbeit", "Wuppertal\nAtlantis"),
                ("ozg_leistungen", "10019\n99999\nKita"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.text();
    assert!(
        text.contains(
            "id=\"bt-mitarbeit-fehler\">Zeile 2: „Atlantis“ ist keine bekannte Organisation"
        ),
        "{text}"
    );
    assert!(
        text.contains("Zeile 2: die OZG-ID 99999 gibt es im Katalog nicht.")
            && text.contains("Zeile 3: „Kita“ beginnt nicht mit einer OZG-ID"),
        "{text}"
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("mitarbeit", "ITK Rheinland\nWuppertal\nbonn"),
                ("interesse", "Schalksmühle"),
                ("ozg_leistungen", "10019 Kindertagesbetreuung\n10040\n10013"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let p = t
        .ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
        .await
        .json();
    let mitarbeit: Vec<String> = p["mitarbeit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect();
    assert!(
        mitarbeit.iter().any(|m| m == "Bonn") && !mitarbeit.iter().any(|m| m == "Soest"),
        "{mitarbeit:?}"
    );
    let seite = t.ok("/projekte/kinderbetreuung").await.text();
    assert!(
        seite.contains("10013 Pflegekindervermittlung")
            && seite.contains("von der Koordination zugeordnet"),
        "{seite}"
    );
    assert!(
        t.ok("/ozg-leistungen/10013")
            .await
            .text()
            .contains("/projekte/kinderbetreuung")
    );
    let hist = t
        .get_with("/projekte/kinderbetreuung/historie", &tk)
        .await
        .text();
    assert!(
        hist.contains("Mitarbeit zugesichert") && hist.contains("Soest"),
        "{hist}"
    );
    // "Stand vom" yesterday shows the plan's organisations, today's the edited ones.
    let gestern = tag_utc(-1);
    let damals = t
        .ok(&format!("/projekte/kinderbetreuung/stand?datum={gestern}"))
        .await
        .text();
    let zeile = damals
        .split("<th scope=\"row\">Mitarbeit zugesichert</th>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    let (vorher, nachher) = zeile.split_once("</td><td>").unwrap();
    assert!(
        vorher.contains("Soest") && !vorher.contains("Bonn"),
        "{zeile}"
    );
    assert!(
        nachher.contains("Bonn") && !nachher.contains("Soest") && nachher.contains("(geändert)"),
        "{zeile}"
    );
    // The form is stale now.
    let r = t
        .post(
            url,
            &tk,
            &[
                ("_csrf", &tk_csrf),
                ("mitarbeit", "Wuppertal"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text().contains("<strong>Mitarbeit zugesichert</strong>"),
        "what changed meanwhile"
    );
}

story!(organisation_editing);
async fn organisation_editing(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let (tk, tk_csrf) = login_as(t, "familie", "themenfeld-koordinator", "familie-kind").await;
    let url = "/organisationen/bonn/bearbeiten";
    assert_eq!(t.get_with(url, &tk).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.post(url, &tk, &[("_csrf", &tk_csrf)]).await.status,
        StatusCode::FORBIDDEN
    );
    let text = t.get_with(url, &ks).await.text();
    let v = form_value(&text, "version");
    let n = t.audit_count().await;
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("url", "javascript:alert(1)"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("id=\"o-url-fehler\""), "{}", r.text());
    assert!(
        r.text().contains("value=\"javascript:alert(1)\""),
        "typed value kept"
    );
    assert_eq!(t.audit_count().await, n);
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("kurzname", "BN"),
                ("url", "https://www.bonn.de"),
                ("beschreibung", "Bundesstadt am Rhein."),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.audit_count().await, n + 1);
    let seite = t.ok("/organisationen/bonn").await.text();
    assert!(
        seite.contains("https://www.bonn.de") && seite.contains("Bundesstadt am Rhein."),
        "{seite}"
    );
    let r = t
        .post(
            url,
            &ks,
            &[("_csrf", &ks_csrf), ("kurzname", "B"), ("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text()
            .contains("<strong>url</strong> – → „https://www.bonn.de“"),
        "{}",
        r.text()
    );
    assert_eq!(t.audit_count().await, n + 1);
}

story!(exporte_ohne_formeln);
/// A project name that a spreadsheet would run as a formula is exported as text everywhere:
/// in the CSV lists with a leading `'`, in every XLSX (list and plan) as a quote-prefixed text
/// cell, never as a formula.
async fn exporte_ohne_formeln(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &ks).await.text();
    let boese = "=HYPERLINK(\"https://evil.example\",\"Kita\")";
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", boese),
                ("version", &form_value(&form, "version")),
                ("protokoll_stand", &form_value(&form, "protokoll_stand")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let csv = t
        .ok("/api/v1/umsetzungsprojekte?format=csv&pro_seite=500")
        .await
        .text();
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    assert!(
        !csv.contains(",\"=HYPERLINK(")
            && !csv.starts_with("\u{feff}=")
            && !csv.contains("\n\"=HYPERLINK(")
    );
    let xlsx_zellen = |body: Vec<u8>| {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap();
        let mut alles = String::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            if f.name().is_ok_and(|n| n.ends_with(".xml")) {
                std::io::Read::read_to_string(&mut f, &mut alles).unwrap();
            }
        }
        alles
    };
    for pfad in [
        "/api/v1/umsetzungsprojekte?format=xlsx&pro_seite=500",
        "/umsetzungsplan.xlsx",
    ] {
        let x = xlsx_zellen(t.ok(pfad).await.body);
        assert!(x.contains("HYPERLINK("), "{pfad}: the name is there");
        assert!(!x.contains("<f>"), "{pfad}: no formula cell");
        assert!(x.contains("quotePrefix=\"1\""), "{pfad}: quote prefix");
    }
}

story!(historie_genau_und_geblaettert);
/// A project's history lists exactly its own entries (not those of a project whose key starts
/// the same) and all of them, 50 per page.
async fn historie_genau_und_geblaettert(t: &TestApp) {
    let (ks, _) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    for i in 0..120 {
        t.ausfuehren(&format!(
            "INSERT INTO audit (id, zeit, konto, aktion, objekt, aenderungen) VALUES ({}, '2026-01-01T00:00:00Z', 'test', 'projekt-bearbeitet', 'projekt:kinderbetreuung', '[{{\"feld\":\"name\",\"vorher\":\"\",\"nachher\":\"Eintrag {i}\"}}]')",
            900_000 + i
        ))
        .await;
    }
    t.ausfuehren(
        "INSERT INTO audit (id, zeit, konto, aktion, objekt, aenderungen) VALUES (899999, '2026-01-01T00:00:00Z', 'test', 'projekt-bearbeitet', 'projekt:kinderbetreuung-plus', '[{\"feld\":\"name\",\"vorher\":\"\",\"nachher\":\"Fremder Eintrag\"}]')",
    )
    .await;
    let s1 = t
        .get_with("/projekte/kinderbetreuung/historie", &ks)
        .await
        .text();
    assert!(s1.contains("Seite 1 von 3"), "{s1}");
    assert!(s1.contains("Eintrag 119") && !s1.contains("Eintrag 69<"));
    assert!(!s1.contains("Fremder Eintrag"));
    let s3 = t
        .get_with("/projekte/kinderbetreuung/historie?seite=3", &ks)
        .await
        .text();
    assert!(
        s3.contains("Eintrag 0<") && s3.contains("Seite 3 von 3"),
        "{s3}"
    );
    assert!(!s3.contains("Fremder Eintrag"));
    let r = t
        .get_with("/projekte/kinderbetreuung/historie?seite=null", &ks)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

story!(stand_vom_deutschen_tag);
/// "Stand vom 04.12.2026" ends at midnight German time: an edit at 00:30 on the 5th (stored as
/// 23:30 UTC on the 4th) is after it (before, the UTC date counted and it was shown as the 4th).
async fn stand_vom_deutschen_tag(t: &TestApp) {
    t.ausfuehren("UPDATE projekt SET name = 'Nach Mitternacht' WHERE slug = 'kinderbetreuung'")
        .await;
    t.ausfuehren(
        "INSERT INTO audit (id, zeit, konto, aktion, objekt, aenderungen) VALUES (899000, '2026-12-04T23:30:00Z', 'test', 'projekt-bearbeitet', 'projekt:kinderbetreuung', '[{\"feld\":\"name\",\"vorher\":\"Kinderbetreuung\",\"nachher\":\"Nach Mitternacht\"}]')",
    )
    .await;
    let am_vierten = t
        .ok("/projekte/kinderbetreuung/stand?datum=2026-12-04")
        .await
        .text();
    // The column "then" (the second is today).
    assert!(
        am_vierten.contains("<th scope=\"row\">Name</th><td>Kinderbetreuung</td>"),
        "{am_vierten}"
    );
    let am_fuenften = t
        .ok("/projekte/kinderbetreuung/stand?datum=2026-12-05")
        .await
        .text();
    assert!(
        am_fuenften.contains("<th scope=\"row\">Name</th><td>Nach Mitternacht</td>"),
        "{am_fuenften}"
    );
}
