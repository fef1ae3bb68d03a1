//! End-to-end tests: the real `ozg` binary, used through headless Chromium the way a person
//! would (links, forms, the search field), and every page type checked with axe-core against
//! WCAG 2.1 A/AA.
//!
//! They run only with `OZG_E2E=1`, which `scripts/test.sh` sets after installing Chromium,
//! ChromeDriver and axe-core (`AXE_CORE_JS`); without it each test prints a note and passes.
//! Run just these: `scripts/test.sh --run cargo nextest run -p ozg --test integration e2e::`.

use crate::support::browser::{self, Browser};
use crate::support::tag_utc;
use fantoccini::Locator;
use fantoccini::key::Key;

/// Starts server and browser for one test, or returns from it when `OZG_E2E` is not set.
macro_rules! browser {
    ($name:literal) => {
        match browser::start($name).await {
            Some(b) => b,
            None => return,
        }
    };
}

/// One page type of the public site: an address that shows it, and the HTTP status it answers.
pub struct PageType {
    pub path: String,
    pub status: u16,
}

/// The page types of the public site: THE one table that every page-wide check walks (axe in
/// [`axe_every_page_type`], reflow, header, anchors and axe best practice in `e2e_ux`). A new
/// page type belongs here. Pages behind a login are checked in the journeys that reach them.
///
/// Some addresses are found by following links, as a visitor would reach them (the browser
/// ends on one of those list pages).
pub async fn page_types(b: &Browser) -> Vec<PageType> {
    b.goto("/themenfelder/familie-kind").await;
    let lage = link_path(b, "^/lagen/").await;
    b.goto("/leika-leistungen").await;
    let leika = link_path(b, "^/leika-leistungen/[0-9]+$").await;
    b.goto("/workshops").await;
    let workshop = link_path(b, "^/workshops/[0-9]+$").await;

    let ok = [
        "/",
        "/themenfelder",
        "/themenfelder/familie-kind",
        lage.as_str(),
        "/ozg-leistungen",
        "/ozg-leistungen/10019",
        "/leika-leistungen",
        leika.as_str(),
        "/organisationen",
        "/organisationen/guetersloh",
        "/organisationen/kreis-guetersloh",
        "/projekte",
        "/projekte/kinderbetreuung",
        "/zeitleiste",
        "/suche?q=Hund",
        "/programm",
        "/workshops",
        "/umsetzungsplan",
        "/umsetzungsplan?seit=1",
        "/umsetzungsplan/staende",
        "/prioritaeten",
        "/partner-gesucht",
        "/partner-gesucht?gesucht=it-partner",
        "/lenkungsausschuss",
        "/projekte/kinderbetreuung/stand?datum=2021-01-01",
        workshop.as_str(),
        "/barrierefreiheit",
        "/barrierefreiheit/danke",
        "/impressum",
        "/datenschutz",
        "/kontakt",
        "/leichte-sprache",
        "/gebaerdensprache",
        "/dienste",
        "/dienste/anfrage",
        "/dienste/anfrage/kommunen/05566076",
        "/buergerkonto/anmelden",
        "/buergerkonto/registrieren",
        "/behoerde/anmelden",
    ];
    let mut pages: Vec<PageType> = ok
        .into_iter()
        .map(|path| PageType {
            path: path.to_string(),
            status: 200,
        })
        .collect();
    // The error page.
    pages.push(PageType {
        path: "/projekte/gibt-es-nicht".to_string(),
        status: 404,
    });
    pages
}

#[tokio::test]
async fn axe_every_page_type() {
    let b = browser!("axe_every_page_type");
    let mut problems = Vec::new();
    for PageType { path: page, status } in page_types(&b).await {
        let page = page.as_str();
        let got = b.http_get(page).status;
        if got != status {
            problems.push(format!("{page}: HTTP status {got}, expected {status}"));
        }
        b.goto(page).await;
        if status == 404
            && !b
                .page_text()
                .await
                .to_lowercase()
                .contains("nicht gefunden")
        {
            problems.push(format!(
                "{page}: the error page does not say \"nicht gefunden\""
            ));
        }
        problems.extend(
            b.axe_violations()
                .await
                .into_iter()
                .map(|v| format!("{page}: {v}")),
        );
    }

    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[tokio::test]
async fn browse_catalogue() {
    let b = browser!("browse_catalogue");
    b.goto("/").await;

    click(
        &b,
        "//nav[contains(@class,'hauptnavigation')]//a[normalize-space(.)='Themenfelder']",
    )
    .await;
    b.wait_for_path("/themenfelder", |p| p == "/themenfelder")
        .await;

    click(
        &b,
        "//main//a[contains(normalize-space(.), 'Familie & Kind')]",
    )
    .await;
    b.wait_for_path("/themenfelder/familie-kind", |p| {
        p == "/themenfelder/familie-kind"
    })
    .await;

    b.link_to("^/lagen/")
        .await
        .click()
        .await
        .expect("click the Lage link");
    b.wait_for_path("a Lage page", |p| p.starts_with("/lagen/"))
        .await;

    let leistung = b.link_to("^/ozg-leistungen/[0-9]+$").await;
    let name = normalize(&leistung.text().await.expect("link text"));
    leistung.click().await.expect("click the OZG-Leistung link");
    b.wait_for_path("an OZG-Leistung page", |p| {
        p.starts_with("/ozg-leistungen/")
    })
    .await;

    let h1 = normalize(&b.text("h1").await);
    assert!(
        !name.is_empty() && (h1.contains(&name) || name.contains(&h1)),
        "the h1 {h1:?} does not name the Leistung whose link was clicked ({name:?})"
    );
    let table = b
        .find(Locator::XPath("//table[caption[contains(., 'LeiKa')]]"))
        .await;
    let rows = table
        .find_all(Locator::Css("tbody tr"))
        .await
        .expect("table rows");
    assert!(!rows.is_empty(), "the LeiKa-Leistungen table has no rows");
    let headers = table
        .find_all(Locator::Css("th"))
        .await
        .expect("table headers");
    assert!(
        !headers.is_empty(),
        "the LeiKa-Leistungen table has no header cells"
    );
}

#[tokio::test]
async fn plan_document_for_one_themenfeld() {
    let b = browser!("plan_document_for_one_themenfeld");
    b.goto("/umsetzungsplan").await;
    open_filter(&b).await;
    click(&b, "//label[normalize-space(.)='Familie & Kind']").await;
    click(&b, "//button[normalize-space(.)='Anzeigen']").await;
    b.wait_for_path("the plan for one Themenfeld", |p| {
        p.contains("themenfeld=familie-kind")
    })
    .await;
    let text = b.page_text().await;
    assert!(
        text.contains("Themenfeld Familie & Kind") && !text.contains("Themenfeld Umwelt"),
        "the plan should show Familie & Kind only"
    );
    let href = b
        .find(Locator::XPath(
            "//a[contains(normalize-space(.), 'PDF-Datei')]",
        ))
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("the PDF link has an address");
    assert!(
        href.contains("themenfeld=familie-kind"),
        "the PDF link keeps the choice: {href}"
    );
    assert!(href.starts_with("/umsetzungsplan.pdf?"), "{href}");
    let pdf = b.http_get(&href);
    assert_eq!(pdf.status, 200, "GET {href}");
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    // The link states the size ("bis etwa 0,6 MB"): the whole plan must keep to it.
    let link_text = b
        .find(Locator::XPath(
            "//a[contains(normalize-space(.), 'PDF-Datei')]",
        ))
        .await
        .text()
        .await
        .expect("link text");
    assert!(link_text.contains("bis etwa 0,6 MB"), "{link_text}");
    let ganz = b.http_get("/umsetzungsplan.pdf");
    assert_eq!(ganz.status, 200);
    assert!(
        ganz.body.len() <= 660_000 && ganz.body.len() >= 300_000,
        "the whole plan PDF has {} bytes; the link says about 0.6 MB",
        ganz.body.len()
    );
}

#[tokio::test]
async fn member_invited_logs_in_edits_a_project_and_logs_out() {
    let b = browser!("member_invited_logs_in_edits_a_project_and_logs_out");
    let out = b.ozg(&[
        "user",
        "add",
        "koordination",
        "--name",
        "Kim Koordination",
        "--email",
        "kim@kdn.de",
        "--rolle",
        "koordinierungsstelle",
        "--basis-url",
        &b.base,
    ]);
    let link = out
        .lines()
        .find(|l| l.contains("/einladung/"))
        .expect("the invitation link is printed")
        .trim()
        .to_owned();
    let path = link.trim_start_matches(&b.base).to_owned();
    let mut problems = Vec::new();
    let mut axe = |page: &str, v: Vec<String>| {
        problems.extend(v.into_iter().map(|v| format!("{page}: {v}")));
    };

    b.goto(&path).await;
    axe("/einladung/…", b.axe_violations().await);
    let pw = "Rathaus-Kita-2026!";
    b.fill("Neues Passwort", pw).await;
    b.fill("Passwort wiederholen", pw).await;
    click(&b, "//button[normalize-space(.)='Passwort festlegen']").await;
    b.wait_for_path("the login page", |p| p.starts_with("/anmelden"))
        .await;
    axe("/anmelden", b.axe_violations().await);
    b.fill("Benutzername", "koordination").await;
    b.fill("Passwort", pw).await;
    click(&b, "//button[normalize-space(.)='Anmelden']").await;
    b.wait_for_path("the account page", |p| p == "/konto").await;
    assert!(b.page_text().await.contains("Kim Koordination"));
    axe("/konto", b.axe_violations().await);

    // Edit a project and find the change in its history.
    b.goto("/projekte/kinderbetreuung").await;
    click(&b, "//a[normalize-space(.)='Projekt bearbeiten']").await;
    b.wait_for_path("the edit form", |p| {
        p == "/projekte/kinderbetreuung/bearbeiten"
    })
    .await;
    axe("/projekte/…/bearbeiten", b.axe_violations().await);
    b.fill(
        "Anmerkung (öffentlich, Teil des Umsetzungsplans)",
        " Pilotbetrieb ab Sommer.",
    )
    .await;
    click(&b, "//button[normalize-space(.)='Speichern']").await;
    b.wait_for_path("the history", |p| p == "/projekte/kinderbetreuung/historie")
        .await;
    let hist = b.page_text().await;
    assert!(
        hist.contains("Pilotbetrieb ab Sommer.") && hist.contains("koordination"),
        "the edit is in the history:\n{hist}"
    );
    axe("/projekte/…/historie", b.axe_violations().await);

    b.goto("/organisationen/bonn/bearbeiten").await;
    axe("/organisationen/…/bearbeiten", b.axe_violations().await);
    b.goto("/projekte/kinderbetreuung/beteiligte").await;
    axe("/projekte/…/beteiligte", b.axe_violations().await);
    b.goto("/projekte/kinderbetreuung/steckbrief").await;
    axe("/projekte/…/steckbrief", b.axe_violations().await);
    b.goto("/projekte/kinderbetreuung/stand?datum=2021-01-01")
        .await;
    axe("/projekte/…/stand", b.axe_violations().await);

    // Partner sourcing: call for more Mitarbeit, then find the project in "Partner gesucht".
    b.goto("/projekte/kinderbetreuung").await;
    click(
        &b,
        "//a[normalize-space(.)='Partner und Verteiler verwalten']",
    )
    .await;
    b.wait_for_path("the partner page", |p| {
        p == "/projekte/kinderbetreuung/partner"
    })
    .await;
    axe("/projekte/…/partner", b.axe_violations().await);
    click(&b, "//label[@for='ps-ja']").await;
    b.fill(
        "Welche Mitarbeit wird gesucht?",
        "Zwei Kreise für die Pilotierung",
    )
    .await;
    click(&b, "//button[normalize-space(.)='Partnersuche speichern']").await;
    b.wait_for_path("the partner page again", |p| {
        p.starts_with("/projekte/kinderbetreuung/partner?")
    })
    .await;
    assert!(b.page_text().await.contains("Gespeichert."));
    b.goto("/partner-gesucht?gesucht=mitarbeit").await;
    assert!(
        b.page_text()
            .await
            .contains("Zwei Kreise für die Pilotierung"),
        "the call is listed"
    );

    // Submit the Steckbrief to the IT-Lenkungsausschuss.
    b.goto("/projekte/kinderbetreuung").await;
    click(
        &b,
        "//button[normalize-space(.)='Steckbrief dem IT-Lenkungsausschuss vorlegen']",
    )
    .await;
    b.wait_for_path("the committee page", |p| p == "/lenkungsausschuss")
        .await;
    assert!(
        b.page_text()
            .await
            .contains("Steckbrief Kinderbetreuung: Entscheidung über die Variante"),
        "the Vorlage is listed"
    );
    axe("/lenkungsausschuss (angemeldet)", b.axe_violations().await);

    // Upload a photo protocol to a workshop; members see it with its description as alt text.
    let foto = std::env::temp_dir().join(format!("ozg-e2e-foto-{}.png", std::process::id()));
    std::fs::write(
        &foto,
        [
            137u8, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1,
            8, 4, 0, 0, 0, 181, 28, 12, 2, 0, 0, 0, 11, 73, 68, 65, 84, 120, 218, 99, 100, 96, 0,
            0, 0, 6, 0, 2, 48, 129, 208, 47, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
        ],
    )
    .unwrap();
    b.goto("/workshops").await;
    let workshop = link_path(&b, "^/workshops/[0-9]+$").await;
    b.goto(&workshop).await;
    axe("/workshops/… (angemeldet)", b.axe_violations().await);
    b.fill(
        "Beschreibung des Fotos (wird als Alternativtext verwendet)",
        "Moderationswand mit Projektideen",
    )
    .await;
    b.fill(
        "Foto oder PDF (PNG, JPEG, WebP oder PDF, höchstens 10 MB)",
        &foto.to_string_lossy(),
    )
    .await;
    click(&b, "//button[normalize-space(.)='Hochladen']").await;
    b.wait_for_text("Moderationswand mit Projektideen").await;
    let img = b
        .find(Locator::Css("img[alt='Moderationswand mit Projektideen']"))
        .await;
    assert!(
        img.attr("src")
            .await
            .unwrap()
            .unwrap()
            .starts_with("/anhaenge/")
    );
    axe("/workshops/… (mit Foto)", b.axe_violations().await);
    let _ = std::fs::remove_file(&foto);
    b.goto(&format!("{workshop}/bearbeiten")).await;
    axe("/workshops/…/bearbeiten", b.axe_violations().await);

    b.goto("/umsetzungsplan/staende").await;
    axe(
        "/umsetzungsplan/staende (angemeldet)",
        b.axe_violations().await,
    );
    b.fill("Name des Stands", "Vor der Sitzung im Dezember")
        .await;
    click(&b, "//button[normalize-space(.)='Stand anlegen']").await;
    // The form answers on the same address: wait for the new Stand, not for the path.
    b.wait_for_text("Vor der Sitzung im Dezember").await;

    b.goto("/verwaltung/protokoll").await;
    let log = b.page_text().await;
    assert!(
        log.contains("stand-angelegt") && log.contains("koordination"),
        "the freeze is in the audit log:\n{log}"
    );
    axe("/verwaltung/protokoll", b.axe_violations().await);
    b.goto("/verwaltung/konten").await;
    axe("/verwaltung/konten", b.axe_violations().await);
    // The security events: the login of this journey is there.
    b.goto("/konto").await;
    click(&b, "//a[normalize-space(.)='Sicherheitsereignisse']").await;
    b.wait_for_path("the security events", |p| p == "/verwaltung/sicherheit")
        .await;
    assert!(b.page_text().await.contains("Anmeldung"));
    axe("/verwaltung/sicherheit", b.axe_violations().await);

    b.goto("/konto").await;
    click(&b, "//button[normalize-space(.)='Abmelden']").await;
    b.wait_for_path("the home page", |p| p == "/").await;
    b.goto("/konto").await;
    b.wait_for_path("the login page after logout", |p| {
        p.starts_with("/anmelden")
    })
    .await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn member_registers_interest_for_own_organisation() {
    let b = browser!("member_registers_interest_for_own_organisation");
    neues_konto_anmelden(
        &b,
        "bonn-mitglied",
        "mitglied",
        "Bonn-Rathaus-2026!",
        &["--organisation", "bonn"],
    )
    .await;

    // From "Partner gesucht" to the project, then register Interesse for Bonn.
    b.goto("/partner-gesucht?themenfeld=familie-kind").await;
    click(&b, "//a[normalize-space(.)='Kinderbetreuung']").await;
    b.wait_for_path("the project", |p| p == "/projekte/kinderbetreuung")
        .await;
    let mut problems: Vec<String> = b
        .axe_violations()
        .await
        .into_iter()
        .map(|v| format!("/projekte/… (Mitglied): {v}"))
        .collect();
    // Without a choice the form names the missing field.
    click(&b, "//button[normalize-space(.)='Melden']").await;
    b.wait_for_text("Bitte wählen Sie Mitarbeit oder Interesse.")
        .await;
    problems.extend(
        b.axe_violations()
            .await
            .into_iter()
            .map(|v| format!("/projekte/… (Fehler): {v}")),
    );
    click(&b, "//label[@for='mw-interesse']").await;
    click(&b, "//button[normalize-space(.)='Melden']").await;
    b.wait_for_text("Ihre Organisation Bonn ist gemeldet: Interesse an Mitarbeit")
        .await;
    click(&b, "//button[normalize-space(.)='Meldung zurückziehen']").await;
    b.wait_for_text("Beteiligung melden für Bonn").await;
    assert!(
        !b.page_text()
            .await
            .contains("Ihre Organisation Bonn ist gemeldet"),
        "withdrawn"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Invites an account on the shell, sets its password through the invitation link and logs in.
async fn neues_konto_anmelden(b: &Browser, name: &str, rolle: &str, pw: &str, extra: &[&str]) {
    let person = format!("Person {name}");
    let email = format!("{name}@kdn.de");
    let mut args = vec![
        "user",
        "add",
        name,
        "--name",
        &person,
        "--email",
        &email,
        "--rolle",
        rolle,
        "--basis-url",
        &b.base,
    ];
    args.extend_from_slice(extra);
    let out = b.ozg(&args);
    let link = out
        .lines()
        .find(|l| l.contains("/einladung/"))
        .expect("the invitation link is printed")
        .trim()
        .to_owned();
    b.goto(link.trim_start_matches(&b.base)).await;
    b.fill("Neues Passwort", pw).await;
    b.fill("Passwort wiederholen", pw).await;
    click(b, "//button[normalize-space(.)='Passwort festlegen']").await;
    b.wait_for_path("the login page", |p| p.starts_with("/anmelden"))
        .await;
    b.fill("Benutzername", name).await;
    b.fill("Passwort", pw).await;
    click(b, "//button[normalize-space(.)='Anmelden']").await;
    b.wait_for_path("the account page", |p| p == "/konto").await;
}

async fn anmelden(b: &Browser, name: &str, pw: &str) {
    b.goto("/anmelden").await;
    b.fill("Benutzername", name).await;
    b.fill("Passwort", pw).await;
    click(b, "//button[normalize-space(.)='Anmelden']").await;
    b.wait_for_path("the account page", |p| p == "/konto").await;
}

async fn abmelden(b: &Browser) {
    b.goto("/konto").await;
    click(b, "//button[normalize-space(.)='Abmelden']").await;
    b.wait_for_path("the home page", |p| p == "/").await;
}

#[tokio::test]
async fn committee_member_votes_in_an_umlaufverfahren() {
    let b = browser!("committee_member_votes_in_an_umlaufverfahren");
    let mut problems: Vec<String> = Vec::new();
    // The committee member sets up the account first: the entitled voters are counted when the
    // Umlaufverfahren starts.
    let la_pw = "Gremium-Sitzung-2026!";
    neues_konto_anmelden(&b, "ausschuss", "lenkungsausschuss", la_pw, &[]).await;
    abmelden(&b).await;
    // The Koordinierungsstelle submits the Steckbrief and starts an Umlaufverfahren.
    neues_konto_anmelden(
        &b,
        "koordination",
        "koordinierungsstelle",
        "Rathaus-Kita-2026!",
        &[],
    )
    .await;
    b.goto("/projekte/fundsachen").await;
    click(
        &b,
        "//button[normalize-space(.)='Steckbrief dem IT-Lenkungsausschuss vorlegen']",
    )
    .await;
    b.wait_for_path("the committee page", |p| p == "/lenkungsausschuss")
        .await;
    click(
        &b,
        "//summary[normalize-space(.)='Umlaufverfahren starten']",
    )
    .await;
    // The date-time picker is a browser widget; set its value as the picker would.
    let frist = format!("{}T12:00", tag_utc(3));
    b.client
        .execute(
            "document.querySelector('input[name=frist]').value = arguments[0];",
            vec![serde_json::json!(frist)],
        )
        .await
        .expect("set the deadline");
    click(&b, "//button[normalize-space(.)='Umlaufverfahren starten']").await;
    b.wait_for_text("Die Abstimmung läuft.").await;
    abmelden(&b).await;

    // The committee member votes once; the form is gone afterwards.
    anmelden(&b, "ausschuss", la_pw).await;
    b.goto("/lenkungsausschuss").await;
    problems.extend(
        b.axe_violations()
            .await
            .into_iter()
            .map(|v| format!("/lenkungsausschuss (Ausschuss): {v}")),
    );
    let text = b.page_text().await;
    assert!(
        text.contains("0 von 1 Mitgliedern haben abgestimmt"),
        "{text}"
    );
    click(&b, "//label[normalize-space(.)='Ja']").await;
    click(&b, "//button[normalize-space(.)='Stimme abgeben']").await;
    b.wait_for_text("Ihre Stimme: Ja").await;
    assert!(
        b.find_all(Locator::XPath(
            "//button[normalize-space(.)='Stimme abgeben']"
        ))
        .await
        .is_empty()
    );
    problems.extend(
        b.axe_violations()
            .await
            .into_iter()
            .map(|v| format!("/lenkungsausschuss (abgestimmt): {v}")),
    );
    abmelden(&b).await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn filter_projects() {
    let b = browser!("filter_projects");
    b.goto("/projekte").await;

    open_filter(&b).await;
    let select = b.find(Locator::Css("select[name=themenfeld]")).await;
    let option = select
        .find(Locator::XPath(
            ".//option[contains(normalize-space(.), 'Familie & Kind')]",
        ))
        .await
        .expect("option Familie & Kind");
    option.click().await.expect("choose Familie & Kind");
    submit_filter(&b).await;
    b.wait_for_path("the filtered list", |p| {
        p.contains("themenfeld=familie-kind")
    })
    .await;
    let fragment = b
        .client
        .current_url()
        .await
        .expect("current URL")
        .fragment()
        .map(str::to_owned);
    assert_eq!(
        fragment.as_deref(),
        Some("treffer"),
        "filtering should return to the results"
    );
    let title = b.client.title().await.expect("title");
    assert!(
        title.contains("Familie & Kind") && title.contains("Treffer"),
        "the page title names neither filter nor hit count: {title:?}"
    );

    let results = b.text("table#projekte").await;
    assert!(
        results.contains("Kinderbetreuung"),
        "Kinderbetreuung missing from the results:\n{results}"
    );
    assert!(
        !results.contains("Wohngeld"),
        "Wohngeld is not Familie & Kind, but listed:\n{results}"
    );
    let before = b.text("#treffer").await;
    assert!(
        before.contains("Projekt"),
        "#treffer should read like \"N Projekte\", not {before:?}"
    );

    open_filter(&b).await;
    let checkbox = b.find(Locator::Css("input[name=partner_gesucht]")).await;
    if checkbox.click().await.is_err() {
        // A styled checkbox may hide the input itself behind its label.
        let id = checkbox
            .attr("id")
            .await
            .expect("checkbox id")
            .expect("the checkbox has an id");
        b.find(Locator::Css(&format!("label[for='{id}']")))
            .await
            .click()
            .await
            .expect("click label");
    }
    assert!(
        checkbox.is_selected().await.expect("checkbox state"),
        "Partner gesucht is not ticked"
    );
    submit_filter(&b).await;
    let path = b
        .wait_for_path("the list with Partner gesucht", |p| {
            p.contains("partner_gesucht")
        })
        .await;
    assert!(
        path.contains("themenfeld=familie-kind"),
        "the Themenfeld filter was lost: {path}"
    );

    let after = b.text("#treffer").await;
    assert_ne!(
        before, after,
        "ticking Partner gesucht did not change the number of hits"
    );

    // A mistyped quarter: the form comes back with what was typed, the error at the field and
    // a summary whose link leads to the field.
    open_filter(&b).await;
    b.fill("Projektstart ab", "2020").await;
    b.fill("Projektstart bis", "Q5/2021").await;
    submit_filter(&b).await;
    b.wait_for_text("Bitte prüfen Sie Ihre Angaben").await;
    let field = b.find(Locator::Css("#f-start_bis")).await;
    assert_eq!(
        field.prop("value").await.expect("value").as_deref(),
        Some("Q5/2021"),
        "what was typed is gone"
    );
    assert_eq!(
        field
            .attr("aria-invalid")
            .await
            .expect("aria-invalid")
            .as_deref(),
        Some("true")
    );
    let described = field
        .attr("aria-describedby")
        .await
        .expect("aria-describedby")
        .unwrap_or_default();
    let message = b
        .text(&format!(
            "#{}",
            described
                .split_whitespace()
                .find(|id| id.ends_with("-fehler"))
                .unwrap_or_else(|| panic!("no error message described: {described:?}"))
        ))
        .await;
    assert!(message.contains("Quartal"), "{message}");
    assert!(
        !b.find_all(Locator::Css("#f-start_von[aria-invalid]"))
            .await
            .iter()
            .any(|_| true),
        "the valid year 2020 is marked wrong"
    );
    click(
        &b,
        "//div[contains(@class,'fehlerzusammenfassung')]//a[@href='#f-start_bis']",
    )
    .await;
    let active = b
        .client
        .active_element()
        .await
        .expect("focused element")
        .attr("id")
        .await
        .expect("id");
    assert_eq!(
        active.as_deref(),
        Some("f-start_bis"),
        "the error summary's link should lead to the field"
    );
}

/// Opens the collapsible filter block of a list page, as a person would (a click on it).
async fn open_filter(b: &Browser) {
    let details = b.find(Locator::Css("details.filter-block")).await;
    if details.attr("open").await.expect("open").is_none() {
        click(b, "//details[contains(@class,'filter-block')]/summary").await;
    }
}

#[tokio::test]
async fn export_links() {
    let b = browser!("export_links");
    b.goto("/projekte?themenfeld=familie-kind").await;

    let csv = download(&b, "csv", "CSV").await;
    assert!(
        csv.header("content-type")
            .unwrap_or("")
            .starts_with("text/csv"),
        "CSV content type"
    );
    let text = String::from_utf8(csv.body).expect("CSV is UTF-8");
    let text = text.trim_start_matches('\u{feff}');
    let header = text.lines().next().unwrap_or("");
    assert!(
        header.contains("Name"),
        "the CSV header row has no Name column: {header:?}"
    );
    assert!(
        text.contains("Kinderbetreuung"),
        "Kinderbetreuung missing from the CSV:\n{text}"
    );
    assert!(
        !text.contains("Wohngeld"),
        "the CSV ignores the Themenfeld filter:\n{text}"
    );

    let xlsx = download(&b, "xlsx", "XLSX").await;
    assert!(
        xlsx.body.starts_with(b"PK"),
        "the XLSX download is not a zip file"
    );
    assert!(
        xlsx.header("content-type")
            .unwrap_or("")
            .contains("spreadsheetml"),
        "XLSX content type: {:?}",
        xlsx.header("content-type")
    );
}

#[tokio::test]
async fn search_as_a_person() {
    let b = browser!("search_as_a_person");
    b.goto("/").await;

    search(&b, "Fuehrerschein").await;
    b.wait_for_path("the search results", |p| {
        p.starts_with("/suche") && p.contains("Fuehrerschein")
    })
    .await;
    b.find(Locator::XPath(
        "//*[self::h2 or self::h3][contains(normalize-space(.), 'OZG-Leistungen')]",
    ))
    .await;
    let text = b.page_text().await;
    assert!(
        text.contains("Führerschein"),
        "searching Fuehrerschein found no Führerschein:\n{text}"
    );

    search(&b, "Hund").await;
    b.wait_for_path("the search results for Hund", |p| {
        p.starts_with("/suche") && p.contains("q=Hund")
    })
    .await;
    let text = b.page_text().await;
    for expected in ["Hundehaltung", "Hundesteuer"] {
        assert!(
            text.contains(expected),
            "searching Hund did not find {expected}:\n{text}"
        );
    }
}

#[tokio::test]
async fn old_kdn_link_redirects() {
    let b = browser!("old_kdn_link_redirects");
    let old = "/umsetzungsprojekte/18/show";

    let response = b.http_get(old);
    assert!(
        (300..400).contains(&response.status),
        "{old} answers {}, not a redirect",
        response.status
    );
    let location = response.header("location").unwrap_or("");
    assert!(
        location.ends_with("/projekte/kinderbetreuung"),
        "{old} redirects to {location:?}"
    );

    b.goto(old).await;
    assert_eq!(b.path().await, "/projekte/kinderbetreuung");
}

#[tokio::test]
async fn steckbrief_page() {
    let b = browser!("steckbrief_page");
    b.goto("/projekte/kinderbetreuung").await;

    b.find(Locator::XPath(
        "//*[self::h2 or self::h3][contains(normalize-space(.), 'Steckbrief')]",
    ))
    .await;
    let text = b.page_text().await;
    for expected in ["Variante A", "Variante B"] {
        assert!(
            text.contains(expected),
            "the Steckbrief lacks {expected}:\n{text}"
        );
    }
    let it_partner_open = text.match_indices("IT-Partner").any(|(i, label)| {
        text[i + label.len()..]
            .chars()
            .take(60)
            .collect::<String>()
            .contains("noch offen")
    });
    assert!(
        it_partner_open,
        "the IT-Partner should read \"noch offen\":\n{text}"
    );
}

#[tokio::test]
async fn report_a_barrier() {
    let b = browser!("report_a_barrier");
    let mut problems: Vec<String> = Vec::new();
    // From the start page, through the footer, as a visitor finds it.
    b.goto("/zeitleiste").await;
    click(
        &b,
        "//footer//a[normalize-space(.)='Erklärung zur Barrierefreiheit']",
    )
    .await;
    b.wait_for_path("the accessibility statement", |p| p == "/barrierefreiheit")
        .await;
    // Sent without a description: the error summary links to the field, the input stays.
    b.fill("Ihr Name (freiwillig)", "Kim Beispiel").await;
    click(&b, "//button[normalize-space(.)='Rückmeldung senden']").await;
    let text = b
        .wait_for_text("Ihre Rückmeldung wurde nicht gesendet")
        .await;
    if !text.contains("Bitte beschreiben Sie, welche Barriere Ihnen aufgefallen ist.") {
        problems.push(format!("no field error for the description:\n{text}"));
    }
    problems.extend(
        b.axe_violations()
            .await
            .into_iter()
            .map(|v| format!("the refused form: {v}")),
    );
    click(
        &b,
        "//*[@role='alert']//a[contains(normalize-space(.), 'Beschreibung der Barriere')]",
    )
    .await;
    let fokus = b
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .expect("active element");
    if fokus.as_str() != Some("rm-beschreibung") {
        problems.push(format!(
            "the summary link does not lead to the field (focus on {fokus})"
        ));
    }
    b.fill(
        "Beschreibung der Barriere (Pflichtfeld)",
        "Die Zeitleiste ist mit dem Screenreader nicht zu verstehen.",
    )
    .await;
    b.fill(
        "Ihre E-Mail-Adresse (freiwillig, für eine Antwort)",
        "kim@beispiel.de",
    )
    .await;
    click(&b, "//button[normalize-space(.)='Rückmeldung senden']").await;
    b.wait_for_path("the confirmation", |p| p == "/barrierefreiheit/danke")
        .await;
    let text = b.wait_for_text("Vielen Dank für Ihre Rückmeldung").await;
    if !text.contains("Ihre Rückmeldung zur Barrierefreiheit ist angekommen.") {
        problems.push(format!("the confirmation does not say so:\n{text}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------

/// Path of the first link on the current page whose path matches `path_re`.
async fn link_path(b: &Browser, path_re: &str) -> String {
    let href = b
        .link_to(path_re)
        .await
        .prop("pathname")
        .await
        .expect("link path");
    href.unwrap_or_else(|| panic!("link to {path_re} has no path"))
}

async fn click(b: &Browser, xpath: &str) {
    b.find(Locator::XPath(xpath))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {xpath}: {e}"));
}

/// Clicks "Filtern" in the form that holds the Themenfeld filter.
async fn submit_filter(b: &Browser) {
    click(
        b,
        "//form[.//select[@name='themenfeld']]\
         //*[(self::button and normalize-space(.)='Filtern') or (self::input and @type='submit' and @value='Filtern')]",
    )
    .await;
}

/// Types `query` into the search field of the page header and presses Enter.
async fn search(b: &Browser, query: &str) {
    let fields = b
        .find_all(Locator::Css(
            "header [role=search] input[name=q], header search input[name=q]",
        ))
        .await;
    let field = match fields.into_iter().next() {
        Some(f) => f,
        None => b.find(Locator::Css("[role=search] input[name=q]")).await,
    };
    field.clear().await.expect("clear the search field");
    field
        .send_keys(&format!("{query}{}", Key::Enter))
        .await
        .expect("type into the search field");
}

/// Follows the export link (`format=<format>` in its href, `label` in its text) of the current
/// page with a plain HTTP GET, checks that it keeps the page's filter, and returns the response.
async fn download(b: &Browser, format: &str, label: &str) -> browser::Response {
    let link = b
        .find(Locator::Css(&format!("a[href*='format={format}']")))
        .await;
    let text = link.text().await.expect("link text");
    assert!(
        text.contains(label),
        "the {format} export link reads {text:?}, expected {label:?}"
    );
    let href = link
        .prop("href")
        .await
        .expect("href")
        .expect("export link has an href");
    assert!(
        href.contains("themenfeld=familie-kind"),
        "the export link drops the filter: {href}"
    );
    let path = href
        .strip_prefix(&b.base)
        .unwrap_or_else(|| panic!("export link leaves the site: {href}"));
    let response = b.http_get(path);
    assert_eq!(response.status, 200, "GET {path}");
    response
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
