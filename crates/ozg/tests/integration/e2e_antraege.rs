//! The citizens' portal end to end in headless Chromium, as people use it: a citizen logs in
//! through a real SAML IdP (pysaml2, `tests/idp/idp.py`, encrypted assertions) with the
//! Online-Ausweis level, fills the demo service's form with an error and fixes it, uploads a
//! file that the virus scan (ClamAV, own signature) refuses and then a clean one, submits and
//! gets the receipt; a case worker asks for a document; the citizen answers in the Postfach;
//! the case worker decides; the citizen reads the Bescheid. axe-core checks every page type
//! on the way.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::support::browser::{self, Browser, free_port};
use fantoccini::Locator;

const MPW: &str = "Fallakte-Wolkenkratzer-93";

/// The pysaml2 IdP as a child process (killed when dropped).
struct Idp(Child);

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn openssl_paar(dir: &Path, name: &str) {
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
        ])
        .arg(format!("/CN={name}"))
        .arg("-keyout")
        .arg(dir.join(format!("{name}-key.pem")))
        .arg("-out")
        .arg(dir.join(format!("{name}-cert.pem")))
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(ok.success(), "openssl req for {name}");
}

/// A PDF that the test's ClamAV signature calls infected, and a clean one.
const BOESE: &[u8] = b"%PDF-1.4\n% ozg-testfund-schadsoftware\n%%EOF\n";
const SAUBER: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn md5_hex(b: &[u8]) -> String {
    let out = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b)?;
            c.wait_with_output()
        })
        .expect("md5sum");
    String::from_utf8_lossy(&out.stdout)[..32].to_owned()
}

async fn klick(b: &Browser, xpath: &str) {
    b.find(Locator::XPath(xpath))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {xpath}: {e}"));
}

async fn knopf(b: &Browser, text: &str) {
    klick(b, &format!("//button[normalize-space(.)='{text}']")).await;
}

async fn tippen(b: &Browser, css: &str, text: &str) {
    let e = b.find(Locator::Css(css)).await;
    e.clear().await.ok();
    e.send_keys(text)
        .await
        .unwrap_or_else(|x| panic!("type into {css}: {x}"));
}

/// A screenshot of the visible page into `OZG_SCREENSHOTS_DIR` (relative to the workspace
/// root) when set, for the README; otherwise nothing.
async fn bild(b: &Browser, name: &str) {
    let Some(d) = std::env::var_os("OZG_SCREENSHOTS_DIR") else {
        return;
    };
    let d = std::path::PathBuf::from(d);
    let d = if d.is_absolute() {
        d
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(d)
    };
    std::fs::create_dir_all(&d).unwrap();
    let png = b.client.screenshot().await.expect("screenshot");
    std::fs::write(d.join(format!("{name}.png")), png).unwrap();
}

/// Waits until the case page shows `erwartet` as its state (the first value of the facts).
async fn stand(b: &Browser, erwartet: &str) {
    for _ in 0..100 {
        if let Ok(e) = b.client.find(Locator::Css("dl.angaben dd strong")).await
            && e.text().await.is_ok_and(|t| t == erwartet)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the case never showed the state {erwartet:?}: {}",
        b.page_text().await
    );
}

async fn axe(b: &Browser, was: &str, probleme: &mut Vec<String>) {
    for v in b.axe_violations().await {
        probleme.push(format!("{was} ({}): {v}", b.path().await));
    }
}

/// BundID login through the IdP at the Online-Ausweis level; ends on `ziel`.
async fn bundid_anmelden(b: &Browser, weiter: &str, probleme: &mut Vec<String>) {
    b.goto(&format!("/buergerkonto/anmelden?weiter={weiter}"))
        .await;
    axe(b, "Anmeldung", probleme).await;
    klick(b, "//input[@id='f-niveau-hoch']").await;
    knopf(b, "Mit BundID anmelden").await;
    b.wait_for_text("Weiter zur BundID").await;
    axe(b, "Weiter zur BundID", probleme).await;
    knopf(b, "Weiter zur BundID").await;
    // The IdP's login form (pysaml2).
    b.wait_for_path("the IdP", |p| p == "/sso/post").await;
    let t = b.page_text().await;
    assert!(t.contains("Passwort"), "IdP page: {t}");
    tippen(b, "input[name=benutzer]", "eid").await;
    tippen(b, "input[name=passwort]", "eid").await;
    knopf(b, "Anmelden").await;
    b.wait_for_text("Weiter zum Portal").await;
    knopf(b, "Weiter zum Portal").await;
    b.wait_for_path("back in the portal", |p| p == weiter).await;
}

async fn abmelden_buerger(b: &Browser) {
    b.goto("/buergerkonto").await;
    knopf(b, "Abmelden").await;
    b.wait_for_path("logged out", |p| p == "/dienste").await;
}

async fn personal_anmelden(b: &Browser) {
    b.goto("/behoerde/anmelden").await;
    b.fill("E-Mail-Adresse", "sb@rheine.example").await;
    b.fill("Passwort", MPW).await;
    knopf(b, "Anmelden").await;
    b.wait_for_path("the inbox", |p| p == "/sachbearbeitung")
        .await;
}

async fn personal_abmelden(b: &Browser) {
    b.goto("/sachbearbeitung").await;
    knopf(b, "Abmelden").await;
    b.wait_for_path("the staff login", |p| p == "/behoerde/anmelden")
        .await;
}

#[tokio::test]
async fn buergerin_beantragt_sachbearbeitung_entscheidet() {
    if std::env::var_os("OZG_E2E").is_none() {
        eprintln!("note: skipped; set OZG_E2E=1 (scripts/test.sh does)");
        return;
    }
    let python = std::env::var("OZG_IDP_PYTHON").expect("OZG_IDP_PYTHON (scripts/test.sh sets it)");
    let skript = std::env::var("OZG_IDP_SKRIPT").expect("OZG_IDP_SKRIPT");
    let clamscan = std::env::var("CLAMSCAN").expect("CLAMSCAN (scripts/test.sh sets it)");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl_paar(d, "sp");
    openssl_paar(d, "idp");
    // ClamAV with a signature of our own (no download): the "infected" PDF by its MD5.
    let sig = d.join("sig");
    std::fs::create_dir(&sig).unwrap();
    std::fs::write(
        sig.join("test.hdb"),
        format!("{}:{}:Ozg-Testfund\n", md5_hex(BOESE), BOESE.len()),
    )
    .unwrap();
    let (portal_port, idp_port) = (free_port(), free_port());
    let idp_basis = format!("http://127.0.0.1:{idp_port}");
    let meta = Command::new(&python)
        .arg(&skript)
        .args(["metadaten", "--base", &idp_basis, "--schluessel"])
        .arg(d.join("idp-key.pem"))
        .arg("--zertifikat")
        .arg(d.join("idp-cert.pem"))
        .output()
        .expect("idp.py metadaten");
    assert!(
        meta.status.success(),
        "{}",
        String::from_utf8_lossy(&meta.stderr)
    );
    std::fs::write(d.join("idp.xml"), &meta.stdout).unwrap();
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let args = vec![
        "--bundid-idp-metadaten".to_owned(),
        s(&d.join("idp.xml")),
        "--bundid-sp-schluessel".to_owned(),
        s(&d.join("sp-key.pem")),
        "--bundid-sp-zertifikat".to_owned(),
        s(&d.join("sp-cert.pem")),
        "--virenpruefung".to_owned(),
        format!("{clamscan} --no-summary -d {} -", s(&sig)),
    ];
    let b = browser::start_mit(
        "buergerin_beantragt_sachbearbeitung_entscheidet",
        portal_port,
        &args,
    )
    .await
    .expect("browser");
    // The SP metadata from the portal, for the IdP.
    let sp_meta = b.http_get("/buergerkonto/bundid/metadaten");
    assert_eq!(sp_meta.status, 200);
    std::fs::write(d.join("sp.xml"), &sp_meta.body).unwrap();
    let mut idp = Command::new(&python)
        .arg(&skript)
        .args([
            "serve",
            "--port",
            &idp_port.to_string(),
            "--base",
            &idp_basis,
            "--verschluesseln",
            "--schluessel",
        ])
        .arg(d.join("idp-key.pem"))
        .arg("--zertifikat")
        .arg(d.join("idp-cert.pem"))
        .arg("--sp-metadaten")
        .arg(d.join("sp.xml"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("idp.py serve");
    let mut zeile = String::new();
    BufReader::new(idp.stdout.take().unwrap())
        .read_line(&mut zeile)
        .unwrap();
    assert!(zeile.starts_with("BEREIT"), "IdP: {zeile}");
    let _idp = Idp(idp);
    // The Gemeinde Rheine takes Anträge here, with one case worker.
    b.ozg(&[
        "behoerde",
        "add",
        "05566076-allgemein",
        "--name",
        "Stadt Rheine",
        "--anschrift",
        "Stadt Rheine;Klosterstraße 14;48431 Rheine",
        "--email",
        "rathaus@rheine.example",
    ]);
    b.ozg_env(
        &[
            "behoerde",
            "personal",
            "05566076-allgemein",
            "--email",
            "sb@rheine.example",
            "--name",
            "Sam Sachbearbeitung",
            "--rolle",
            "sachbearbeitung",
        ],
        &[("OZG_PASSWORT", MPW)],
    );
    let mut probleme = Vec::new();

    // --- The citizen ---------------------------------------------------------------------
    bundid_anmelden(&b, "/dienste/anfrage", &mut probleme).await;
    b.wait_for_text("Allgemeine Anfrage an die Verwaltung")
        .await;
    bild(&b, "dienst").await;
    knopf(&b, "Antrag beginnen").await;
    b.wait_for_path("step 1", |p| p.ends_with("/schritt/person"))
        .await;
    axe(&b, "Schritt 1", &mut probleme).await;
    let antrag = b.path().await.split('/').nth(2).unwrap().to_owned();
    b.fill("Vorname (Pflicht)", "Erika").await;
    b.fill("Straße und Hausnummer (Pflicht)", "Markt 1").await;
    b.fill("Postleitzahl (Pflicht)", "48431").await;
    b.fill("Ort (Pflicht)", "Rheine").await;
    knopf(&b, "Weiter").await;
    // The error summary names the missing surname and leads to the field.
    b.wait_for_text("Bitte prüfen Sie Ihre Angaben").await;
    axe(&b, "Schritt 1 mit Fehler", &mut probleme).await;
    bild(&b, "antrag-schritt-fehler").await;
    klick(
        &b,
        "//div[@class='fehlerzusammenfassung']//a[@href='#f-nachname']",
    )
    .await;
    let ziel = b.js("return location.hash", vec![]).await;
    assert_eq!(ziel, "#f-nachname", "the error links to its field");
    assert_eq!(
        b.find(Locator::Css("#f-vorname"))
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Erika"),
        "the answers stay"
    );
    b.fill("Nachname (Pflicht)", "Mustermann").await;
    knopf(&b, "Weiter").await;
    b.wait_for_path("step 2", |p| p.ends_with("/schritt/anliegen"))
        .await;
    axe(&b, "Schritt 2", &mut probleme).await;
    // The virus scan refuses the "infected" file, the clean one is taken.
    for (name, inhalt) in [("boese.pdf", BOESE), ("Foto.pdf", SAUBER)] {
        let pfad = d.join(name);
        std::fs::write(&pfad, inhalt).unwrap();
        b.find(Locator::Css("#f-datei"))
            .await
            .send_keys(&s(&pfad))
            .await
            .unwrap();
        knopf(&b, "Datei hochladen").await;
        if name == "boese.pdf" {
            b.wait_for_text("Schadsoftware").await;
            b.goto(&format!("/antraege/{antrag}/schritt/anliegen"))
                .await;
        } else {
            b.wait_for_text("Foto.pdf").await;
        }
    }
    // The upload is a form of its own; then the answers of the step.
    klick(&b, "//input[@id='f-art-frage']").await;
    b.fill("Betreff (Pflicht)", "Laterne defekt").await;
    b.fill(
        "Ihre Nachricht (Pflicht)",
        "Die Laterne vor Markt 1 ist seit einer Woche aus.",
    )
    .await;
    klick(&b, "//input[@id='f-antwortweg-postfach']").await;
    knopf(&b, "Weiter zur Prüfung").await;
    b.wait_for_path("the check page", |p| p.ends_with("/pruefen"))
        .await;
    b.wait_for_text("Stadt Rheine").await;
    axe(&b, "Prüfen", &mut probleme).await;
    klick(&b, "//input[@id='f-zustimmung']").await;
    knopf(&b, "Antrag verbindlich absenden").await;
    b.wait_for_text("Ihr Antrag ist eingegangen").await;
    axe(&b, "Antrag (Bürgerin)", &mut probleme).await;
    bild(&b, "antrag-eingegangen").await;
    let beleg = b
        .find(Locator::XPath(
            "//a[contains(., 'Eingangsbestätigung herunterladen')]",
        ))
        .await;
    assert!(
        beleg
            .attr("href")
            .await
            .unwrap()
            .unwrap()
            .ends_with("eingangsbestaetigung.pdf")
    );
    b.goto("/buergerkonto").await;
    axe(&b, "Bürgerkonto", &mut probleme).await;
    abmelden_buerger(&b).await;

    // --- The case worker asks for a document ---------------------------------------------
    personal_anmelden(&b).await;
    axe(&b, "Eingang", &mut probleme).await;
    bild(&b, "eingang").await;
    klick(&b, "//table//a[starts-with(normalize-space(.), 'ANF-')]").await;
    b.wait_for_path("the case", |p| {
        p == format!("/sachbearbeitung/antraege/{antrag}")
    })
    .await;
    axe(&b, "Fall", &mut probleme).await;
    klick(&b, "//input[@id='f-ereignis-bearbeiten']").await;
    knopf(&b, "Ausführen").await;
    stand(&b, "In Bearbeitung").await;
    klick(&b, "//input[@id='f-art-nachforderung']").await;
    b.fill("Text", "Bitte senden Sie ein Foto der Laterne.")
        .await;
    b.fill("Frist der Nachforderung (TT.MM.JJJJ)", "31.12.2099")
        .await;
    knopf(&b, "Senden").await;
    b.wait_for_text("Bitte reichen Sie Unterlagen nach").await;
    b.goto(&format!("/sachbearbeitung/antraege/{antrag}")).await;
    bild(&b, "fall").await;
    personal_abmelden(&b).await;

    // --- The citizen answers in the Postfach ---------------------------------------------
    bundid_anmelden(&b, "/buergerkonto", &mut probleme).await;
    klick(&b, &format!("//a[@href='/antraege/{antrag}']")).await;
    b.wait_for_text("Bitte senden Sie ein Foto der Laterne.")
        .await;
    b.fill("Ihre Nachricht", "Anbei das Foto.").await;
    b.find(Locator::Css("#f-datei"))
        .await
        .send_keys(&s(&d.join("Foto.pdf")))
        .await
        .unwrap();
    knopf(&b, "Senden").await;
    b.wait_for_text("Ihre Nachricht ist gesendet").await;
    abmelden_buerger(&b).await;

    // --- The case worker decides ---------------------------------------------------------
    personal_anmelden(&b).await;
    b.goto(&format!("/sachbearbeitung/antraege/{antrag}")).await;
    b.wait_for_text("Anbei das Foto.").await;
    klick(&b, "//input[@id='f-ereignis-bearbeiten']").await;
    knopf(&b, "Ausführen").await;
    stand(&b, "In Bearbeitung").await;
    klick(&b, "//input[@id='f-ereignis-bewilligen']").await;
    b.fill(
        "Tenor des Bescheids (bei Bewilligung oder Ablehnung)",
        "Die Laterne wird bis zum 18.12.2026 repariert.",
    )
    .await;
    knopf(&b, "Ausführen").await;
    stand(&b, "Bewilligt").await;
    personal_abmelden(&b).await;

    // --- The citizen reads the Bescheid --------------------------------------------------
    bundid_anmelden(&b, "/buergerkonto", &mut probleme).await;
    b.goto(&format!("/antraege/{antrag}")).await;
    b.wait_for_text("Ihr Bescheid").await;
    let link = b
        .find(Locator::XPath(
            "//a[contains(., 'Bescheid-') and contains(., 'herunterladen')]",
        ))
        .await;
    let href = link.attr("href").await.unwrap().unwrap();
    assert!(
        href.starts_with(&format!("/antraege/{antrag}/dateien/")),
        "{href}"
    );
    // The download goes to the signed-in browser only: fetch it in the page.
    let kopf = b
        .js(
            "return fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => String.fromCharCode(...new Uint8Array(b.slice(0, 5))))",
            vec![serde_json::json!(href)],
        )
        .await;
    assert_eq!(kopf, "%PDF-");
    assert!(
        probleme.is_empty(),
        "{} axe problem(s):\n  {}",
        probleme.len(),
        probleme.join("\n  ")
    );
}
