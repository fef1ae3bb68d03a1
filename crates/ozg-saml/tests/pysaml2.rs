//! The SP against a real IdP: pysaml2 7.5.5 through `tests/idp/idp.py`.
//!
//! Needs `OZG_IDP_PYTHON` (a Python with pysaml2; `scripts/test.sh` makes a venv and exports
//! it, with `OZG_IDP_SKRIPT`). Without it the tests print a note and pass, unless
//! `OZG_E2E=1` (set by `scripts/test.sh` and CI): then they fail.
//!
//! Keys and certificates of both sides are made at run time in a temp directory.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use jiff::{SignedDuration, Timestamp};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use ozg_saml::{
    IdpMetadaten, Niveau, PostAnfrage, SamlFehler, SpKonfig, anfrage, antwort_pruefen,
    idp_metadaten_lesen, sp_metadaten,
};

/// The base URL of the IdP for the tests without HTTP (nothing listens there).
const BASIS_OHNE_HTTP: &str = "http://127.0.0.1:9";

struct Aufbau {
    _verzeichnis: tempfile::TempDir,
    python: PathBuf,
    skript: PathBuf,
    idp_schluessel: PathBuf,
    idp_zertifikat: PathBuf,
    sp_metadaten: PathBuf,
    sp: SpKonfig,
    idp: IdpMetadaten,
}

/// A Python with pysaml2 and the IdP script, or `None` (after a note) when the tests skip.
fn umgebung() -> Option<(PathBuf, PathBuf)> {
    let Some(python) = std::env::var_os("OZG_IDP_PYTHON") else {
        assert!(
            std::env::var("OZG_E2E").as_deref() != Ok("1"),
            "OZG_E2E=1 but OZG_IDP_PYTHON is not set: run through scripts/test.sh, which \
             installs pysaml2 into a venv and exports OZG_IDP_PYTHON and OZG_IDP_SKRIPT"
        );
        eprintln!("skipped: OZG_IDP_PYTHON is not set (the pysaml2 test IdP is missing)");
        return None;
    };
    let skript = std::env::var_os("OZG_IDP_SKRIPT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/idp/idp.py"),
        PathBuf::from,
    );
    assert!(
        skript.is_file(),
        "IdP script {} is missing",
        skript.display()
    );
    Some((PathBuf::from(python), skript))
}

/// An RSA key (PKCS#8 PEM) and a self-signed certificate (PEM).
fn schluesselpaar(name: &str) -> (String, String) {
    let schluessel = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut inhaber = X509NameBuilder::new().unwrap();
    inhaber.append_entry_by_text("CN", name).unwrap();
    let inhaber = inhaber.build();
    let mut z = X509::builder().unwrap();
    z.set_version(2).unwrap();
    z.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    z.set_subject_name(&inhaber).unwrap();
    z.set_issuer_name(&inhaber).unwrap();
    z.set_pubkey(&schluessel).unwrap();
    z.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    z.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    z.sign(&schluessel, MessageDigest::sha256()).unwrap();
    (
        String::from_utf8(schluessel.private_key_to_pem_pkcs8().unwrap()).unwrap(),
        String::from_utf8(z.build().to_pem().unwrap()).unwrap(),
    )
}

fn anfrage_id() -> String {
    let mut zufall = [0u8; 16];
    openssl::rand::rand_bytes(&mut zufall).unwrap();
    format!(
        "_{}",
        zufall
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

impl Aufbau {
    fn neu() -> Option<Aufbau> {
        let (python, skript) = umgebung()?;
        let verzeichnis = tempfile::tempdir().unwrap();
        let pfad = |name: &str| verzeichnis.path().join(name);
        let (sp_schluessel, sp_zertifikat) = schluesselpaar("ozg-sp");
        let (idp_schluessel, idp_zertifikat) = schluesselpaar("ozg-test-idp");
        std::fs::write(pfad("idp-key.pem"), idp_schluessel).unwrap();
        std::fs::write(pfad("idp-cert.pem"), idp_zertifikat).unwrap();
        let sp = SpKonfig {
            entity_id: "https://portal.example/saml/metadata".into(),
            acs_url: "https://portal.example/saml/acs".into(),
            schluessel_pem: sp_schluessel,
            zertifikat_pem: sp_zertifikat,
            anzeigename: "Stadt Rheine – Bürgerportal".into(),
            online_service_id: Some("ozg-test".into()),
            zurueck_url: "https://portal.example/".into(),
        };
        std::fs::write(pfad("sp.xml"), sp_metadaten(&sp).unwrap()).unwrap();
        let mut aufbau = Aufbau {
            python,
            skript,
            idp_schluessel: pfad("idp-key.pem"),
            idp_zertifikat: pfad("idp-cert.pem"),
            sp_metadaten: pfad("sp.xml"),
            sp,
            idp: IdpMetadaten {
                entity_id: String::new(),
                sso_post_url: String::new(),
                signaturzertifikate: Vec::new(),
            },
            _verzeichnis: verzeichnis,
        };
        let xml = aufbau
            .idp_py(&["metadaten", "--base", BASIS_OHNE_HTTP])
            .unwrap();
        aufbau.idp = idp_metadaten_lesen(&xml).unwrap();
        assert_eq!(aufbau.idp.entity_id, format!("{BASIS_OHNE_HTTP}/idp.xml"));
        assert_eq!(
            aufbau.idp.sso_post_url,
            format!("{BASIS_OHNE_HTTP}/sso/post")
        );
        Some(aufbau)
    }

    fn schluesselargumente(&self) -> Vec<&std::ffi::OsStr> {
        vec![
            "--schluessel".as_ref(),
            self.idp_schluessel.as_os_str(),
            "--zertifikat".as_ref(),
            self.idp_zertifikat.as_os_str(),
        ]
    }

    /// Runs idp.py; its stdout, or its stderr as the error.
    fn idp_py(&self, argumente: &[&str]) -> Result<String, String> {
        let mut befehl = Command::new(&self.python);
        befehl
            .arg(&self.skript)
            .args(argumente)
            .args(self.schluesselargumente());
        if argumente[0] != "metadaten" {
            befehl.arg("--sp-metadaten").arg(&self.sp_metadaten);
        }
        let ausgabe = befehl.output().unwrap();
        if ausgabe.status.success() {
            Ok(String::from_utf8(ausgabe.stdout).unwrap())
        } else {
            Err(String::from_utf8_lossy(&ausgabe.stderr).into_owned())
        }
    }

    fn anfrage(&self, mindestens: Niveau, id: &str) -> PostAnfrage {
        anfrage(&self.sp, &self.idp, mindestens, id, Timestamp::now()).unwrap()
    }

    /// The IdP's base64 SAMLResponse to a fresh request for `id`.
    fn antwort(&self, id: &str, mindestens: Niveau, argumente: &[&str]) -> String {
        let anfrage = self.anfrage(mindestens, id);
        let mut alle = vec![
            "antwort",
            "--base",
            BASIS_OHNE_HTTP,
            "--request-b64",
            &anfrage.saml_request,
        ];
        alle.extend_from_slice(argumente);
        self.idp_py(&alle)
            .unwrap_or_else(|e| panic!("idp.py {argumente:?} failed:\n{e}"))
            .trim()
            .to_string()
    }

    fn pruefen(&self, b64: &str, id: &str) -> Result<ozg_saml::Identitaet, SamlFehler> {
        antwort_pruefen(&self.sp, &self.idp, b64, id, Timestamp::now())
    }
}

#[test]
fn each_test_account_yields_its_level_and_attributes() {
    let Some(aufbau) = Aufbau::neu() else { return };
    let faelle = [
        (
            "basis",
            Niveau::Basisregistrierung,
            "bpk2-basis-0001",
            "Max",
            "Mustermann",
            "Emsstraße 12",
            "48431",
            "Rheine",
            "1980-05-17",
        ),
        (
            "elster",
            Niveau::Substanziell,
            "bpk2-elster-0002",
            "Erika",
            "Gabler",
            "Königsallee 1",
            "40210",
            "Düsseldorf",
            "1975-02-03",
        ),
        (
            "eid",
            Niveau::Hoch,
            "bpk2-eid-0003",
            "Jürgen",
            "Schmitz",
            "Marktstraße 3",
            "48431",
            "Rheine",
            "1969-11-30",
        ),
    ];
    for (benutzer, niveau, bpk2, vorname, nachname, strasse, plz, ort, geburtsdatum) in faelle {
        let id = anfrage_id();
        let b64 = aufbau.antwort(&id, Niveau::Basisregistrierung, &["--benutzer", benutzer]);
        let identitaet = aufbau
            .pruefen(&b64, &id)
            .unwrap_or_else(|e| panic!("{benutzer}: {e:?}"));
        assert_eq!(identitaet.niveau, niveau, "{benutzer}");
        assert_eq!(identitaet.schluessel, bpk2);
        assert_eq!(identitaet.vorname.as_deref(), Some(vorname));
        assert_eq!(identitaet.nachname.as_deref(), Some(nachname));
        assert_eq!(identitaet.strasse.as_deref(), Some(strasse));
        assert_eq!(identitaet.plz.as_deref(), Some(plz));
        assert_eq!(identitaet.ort.as_deref(), Some(ort));
        assert_eq!(identitaet.geburtsdatum.as_deref(), Some(geburtsdatum));
        assert!(identitaet.clone().mindestens(niveau).is_ok());
        let email = identitaet.email.unwrap();
        assert!(email.ends_with("@example.org"), "{email}");
    }
}

#[test]
fn an_encrypted_assertion_is_decrypted() {
    let Some(aufbau) = Aufbau::neu() else { return };
    let id = anfrage_id();
    let b64 = aufbau.antwort(
        &id,
        Niveau::Hoch,
        &["--benutzer", "eid", "--verschluesseln"],
    );
    let xml = String::from_utf8(base64_dekodieren(&b64)).unwrap();
    assert!(xml.contains("EncryptedAssertion"), "{xml}");
    assert!(!xml.contains("Schmitz"), "the name must not be readable");
    let identitaet = aufbau.pruefen(&b64, &id).unwrap();
    assert_eq!(identitaet.nachname.as_deref(), Some("Schmitz"));
    assert_eq!(identitaet.niveau, Niveau::Hoch);
    assert_eq!(
        identitaet.clone().mindestens(Niveau::Hoch).unwrap(),
        identitaet
    );
}

#[test]
fn a_signed_assertion_in_an_unsigned_response_is_enough_also_encrypted() {
    let Some(aufbau) = Aufbau::neu() else { return };
    for argumente in [
        &["--nur-assertion-signieren"][..],
        &["--nur-assertion-signieren", "--verschluesseln"],
    ] {
        let id = anfrage_id();
        let b64 = aufbau.antwort(&id, Niveau::Hoch, argumente);
        let identitaet = aufbau
            .pruefen(&b64, &id)
            .unwrap_or_else(|e| panic!("{argumente:?}: {e:?}"));
        assert_eq!(identitaet.schluessel, "bpk2-eid-0003");
    }
}

#[test]
fn manipulated_unsigned_and_foreign_responses_are_refused() {
    let Some(aufbau) = Aufbau::neu() else { return };
    let id = anfrage_id();
    let manipuliert = aufbau.antwort(&id, Niveau::Hoch, &["--manipulieren"]);
    let xml = String::from_utf8(base64_dekodieren(&manipuliert)).unwrap();
    assert!(xml.contains(">Manipuliert<"));
    assert!(matches!(
        aufbau.pruefen(&manipuliert, &id),
        Err(SamlFehler::Ungueltig { .. })
    ));

    for argumente in [&["--unsigniert"][..], &["--unsigniert", "--verschluesseln"]] {
        let id = anfrage_id();
        let unsigniert = aufbau.antwort(&id, Niveau::Hoch, argumente);
        let fehler = aufbau.pruefen(&unsigniert, &id).unwrap_err();
        assert!(
            matches!(fehler, SamlFehler::Ungueltig { .. }),
            "{argumente:?}: {fehler:?}"
        );
    }

    let id = anfrage_id();
    let richtig = aufbau.antwort(&id, Niveau::Hoch, &[]);
    let fehler = aufbau.pruefen(&richtig, &anfrage_id()).unwrap_err();
    assert!(
        matches!(fehler, SamlFehler::FremdeAnfrage { .. }),
        "{fehler:?}"
    );

    let morgen = Timestamp::now() + SignedDuration::from_hours(24);
    let fehler = antwort_pruefen(&aufbau.sp, &aufbau.idp, &richtig, &id, morgen).unwrap_err();
    assert!(
        matches!(fehler, SamlFehler::Abgelaufen { .. }),
        "{fehler:?}"
    );

    let mut anderes_portal = aufbau.sp.clone();
    anderes_portal.entity_id = "https://anderes-portal.example/saml/metadata".into();
    let fehler = antwort_pruefen(
        &anderes_portal,
        &aufbau.idp,
        &richtig,
        &id,
        Timestamp::now(),
    )
    .unwrap_err();
    assert!(matches!(fehler, SamlFehler::Ungueltig { .. }), "{fehler:?}");
    assert!(
        fehler.detail().contains("AudienceRestriction"),
        "{}",
        fehler.detail()
    );

    let mut anderer_idp = aufbau.idp.clone();
    anderer_idp.signaturzertifikate = vec![
        X509::from_pem(schluesselpaar("fremd").1.as_bytes())
            .unwrap()
            .to_der()
            .unwrap(),
    ];
    let fehler =
        antwort_pruefen(&aufbau.sp, &anderer_idp, &richtig, &id, Timestamp::now()).unwrap_err();
    assert!(matches!(fehler, SamlFehler::Ungueltig { .. }), "{fehler:?}");

    // The genuine response itself passes.
    assert!(aufbau.pruefen(&richtig, &id).is_ok());
}

#[test]
fn a_cancelled_login_is_reported_as_such() {
    let Some(aufbau) = Aufbau::neu() else { return };
    let id = anfrage_id();
    let b64 = aufbau.antwort(&id, Niveau::Hoch, &["--abbrechen"]);
    let fehler = aufbau.pruefen(&b64, &id).unwrap_err();
    let SamlFehler::Abgebrochen { status } = &fehler else {
        panic!("{fehler:?}");
    };
    assert!(status.contains("AuthnFailed"), "{status}");
    assert_eq!(fehler.to_string(), "Die Anmeldung wurde abgebrochen.");
}

#[test]
fn a_lower_level_than_requested_is_distinguishable() {
    let Some(aufbau) = Aufbau::neu() else { return };
    let id = anfrage_id();
    let b64 = aufbau.antwort(&id, Niveau::Hoch, &["--benutzer", "elster"]);
    let identitaet = aufbau.pruefen(&b64, &id).unwrap();
    let fehler = identitaet.mindestens(Niveau::Hoch).unwrap_err();
    assert!(
        matches!(
            fehler,
            SamlFehler::NiveauZuNiedrig {
                erreicht: Niveau::Substanziell,
                verlangt: Niveau::Hoch
            }
        ),
        "{fehler:?}"
    );
}

#[test]
fn the_idp_checks_the_request_signature() {
    let Some(aufbau) = Aufbau::neu() else { return };
    let anfrage = aufbau.anfrage(Niveau::Hoch, &anfrage_id());
    let xml = String::from_utf8(base64_dekodieren(&anfrage.saml_request)).unwrap();
    let geaendert = xml.replace("STORK-QAA-Level-4", "STORK-QAA-Level-1");
    assert_ne!(xml, geaendert);
    let b64 = base64_kodieren(geaendert.as_bytes());
    let fehler = aufbau
        .idp_py(&["antwort", "--base", BASIS_OHNE_HTTP, "--request-b64", &b64])
        .unwrap_err();
    assert!(fehler.contains("ignature"), "{fehler}");
}

/// The HTTP mode the browser tests use: metadata, login form, wrong password, cancel, and
/// the form that posts the response to the portal.
#[test]
fn serve_mode_shows_the_login_and_posts_the_response_back() {
    let Some(aufbau) = Aufbau::neu() else { return };
    let mut idp = Dienst::starten(&aufbau);
    let metadaten = http(&idp.adresse, "GET", "/idp.xml", "");
    let idp_meta = idp_metadaten_lesen(&metadaten).unwrap();
    assert_eq!(idp_meta.sso_post_url, format!("{}/sso/post", idp.basis));
    let mut mit_http = aufbau.sp.clone();
    mit_http.zurueck_url = "https://portal.example/".into();

    let id = anfrage_id();
    let anfrage = anfrage(
        &mit_http,
        &idp_meta,
        Niveau::Substanziell,
        &id,
        Timestamp::now(),
    )
    .unwrap();
    let feld = |name: &str, wert: &str| format!("{name}={}", url_kodieren(wert));
    let request = feld("SAMLRequest", &anfrage.saml_request);
    let relay = feld("RelayState", "zurueck/zu/mir");

    let formular = http(
        &idp.adresse,
        "POST",
        "/sso/post",
        &format!("{request}&{relay}"),
    );
    for teil in [
        r#"<label for="benutzer">"#,
        r#"id="benutzer" name="benutzer""#,
        r#"<label for="passwort">"#,
        r#"name="passwort" type="password""#,
        r#"name="SAMLRequest""#,
        r#"value="zurueck/zu/mir""#,
    ] {
        assert!(formular.contains(teil), "{teil} missing in\n{formular}");
    }

    let falsch = http(
        &idp.adresse,
        "POST",
        "/sso/post",
        &format!("{request}&{relay}&benutzer=elster&passwort=falsch&aktion=anmelden"),
    );
    assert!(
        falsch.contains("Benutzername oder Passwort ist falsch."),
        "{falsch}"
    );

    let weiter = http(
        &idp.adresse,
        "POST",
        "/sso/post",
        &format!("{request}&{relay}&benutzer=elster&passwort=elster&aktion=anmelden"),
    );
    assert!(
        weiter.contains(r#"action="https://portal.example/saml/acs""#),
        "{weiter}"
    );
    assert!(weiter.contains(">Weiter zum Portal</button>"), "{weiter}");
    assert!(!weiter.contains("<script"), "no inline script (strict CSP)");
    assert!(weiter.contains(r#"name="RelayState" value="zurueck/zu/mir""#));
    let b64 = verstecktes_feld(&weiter, "SAMLResponse");
    let identitaet = antwort_pruefen(&mit_http, &idp_meta, &b64, &id, Timestamp::now()).unwrap();
    assert_eq!(identitaet.niveau, Niveau::Substanziell);
    assert_eq!(identitaet.ort.as_deref(), Some("Düsseldorf"));

    let abbruch = http(
        &idp.adresse,
        "POST",
        "/sso/post",
        &format!("{request}&aktion=abbrechen"),
    );
    let b64 = verstecktes_feld(&abbruch, "SAMLResponse");
    let fehler = antwort_pruefen(&mit_http, &idp_meta, &b64, &id, Timestamp::now()).unwrap_err();
    assert!(
        matches!(fehler, SamlFehler::Abgebrochen { .. }),
        "{fehler:?}"
    );

    let kaputt = http(&idp.adresse, "POST", "/sso/post", "SAMLRequest=AAAA");
    assert!(
        kaputt.contains("Die Anmeldeanfrage des Portals ist ungültig."),
        "{kaputt}"
    );
    idp.beenden();
}

/// `idp.py serve --port 0`, up until it printed its ready line.
struct Dienst {
    prozess: Child,
    basis: String,
    adresse: String,
}

impl Dienst {
    fn starten(aufbau: &Aufbau) -> Dienst {
        let mut prozess = Command::new(&aufbau.python)
            .arg(&aufbau.skript)
            .args(["serve", "--port", "0"])
            .args(aufbau.schluesselargumente())
            .arg("--sp-metadaten")
            .arg(&aufbau.sp_metadaten)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut zeile = String::new();
        BufReader::new(prozess.stdout.take().unwrap())
            .read_line(&mut zeile)
            .unwrap();
        let metadaten = zeile
            .trim()
            .strip_prefix("BEREIT ")
            .unwrap_or_else(|| panic!("unexpected first line {zeile:?}"));
        let basis = metadaten.strip_suffix("/idp.xml").unwrap().to_string();
        let adresse = basis.strip_prefix("http://").unwrap().to_string();
        Dienst {
            prozess,
            basis,
            adresse,
        }
    }

    fn beenden(&mut self) {
        let _ = self.prozess.kill();
        let _ = self.prozess.wait();
    }
}

impl Drop for Dienst {
    fn drop(&mut self) {
        self.beenden();
    }
}

/// A minimal HTTP/1.0 request; the body of a 2xx/4xx answer (panics on anything else).
fn http(adresse: &str, methode: &str, pfad: &str, formular: &str) -> String {
    let mut verbindung = TcpStream::connect(adresse).unwrap();
    write!(
        verbindung,
        "{methode} {pfad} HTTP/1.0\r\nHost: {adresse}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{formular}",
        formular.len()
    )
    .unwrap();
    let mut antwort = String::new();
    verbindung.read_to_string(&mut antwort).unwrap();
    let (kopf, rumpf) = antwort.split_once("\r\n\r\n").unwrap();
    assert!(
        kopf.starts_with("HTTP/1.0 200") || kopf.starts_with("HTTP/1.0 400"),
        "{kopf}"
    );
    rumpf.to_string()
}

fn verstecktes_feld(seite: &str, name: &str) -> String {
    let anfang = format!(r#"name="{name}" value=""#);
    let start = seite
        .find(&anfang)
        .unwrap_or_else(|| panic!("{name} missing in\n{seite}"))
        + anfang.len();
    let laenge = seite[start..].find('"').unwrap();
    seite[start..start + laenge].to_string()
}

fn url_kodieren(wert: &str) -> String {
    wert.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn base64_dekodieren(b64: &str) -> Vec<u8> {
    openssl::base64::decode_block(b64).unwrap()
}

fn base64_kodieren(bytes: &[u8]) -> String {
    openssl::base64::encode_block(bytes)
}
