//! Parser fuzzing over HTTP: every write route gets its own form (as the page offers it) with
//! fields replaced by junk, dropped, doubled or unknown, and every list page and API list gets
//! arbitrary values for each parameter. No answer is a server error, and no rejection speaks
//! the parsers' English. The cases come from a deterministic proptest runner, so a failure
//! repeats.

use axum::http::StatusCode;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use crate::support::*;

/// Phrases of serde, axum and the parsers that must never reach a person.
const ENGLISCH: [&str; 8] = [
    "missing field",
    "unknown field",
    "invalid type",
    "invalid value",
    "unknown variant",
    "duplicate field",
    "Failed to deserialize",
    "Failed to parse",
];

fn junk() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just("-1".to_owned()),
        Just("0".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("1e308".to_owned()),
        Just("2026-02-30".to_owned()),
        Just("31.12.2026".to_owned()),
        Just("Q5 2020".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("=HYPERLINK(\"x\")".to_owned()),
        Just("\u{0}\u{1}\u{7f}".to_owned()),
        Just("ä".repeat(5000)),
        Just("'; DROP TABLE audit; --".to_owned()),
        ".{0,40}",
    ]
}

fn pruefen(was: &str, r: &Resp) {
    assert!(
        r.status.as_u16() < 500,
        "{was}: {} {}",
        r.status,
        r.text().chars().take(400).collect::<String>()
    );
    let text = r.text();
    for e in ENGLISCH {
        assert!(
            !text.contains(e),
            "{was}: „{e}“ in {}",
            text.chars().take(600).collect::<String>()
        );
    }
}

/// Every POST form in `html`: its action and its fields (name, value).
fn formulare(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut aus = Vec::new();
    for teil in html.split("<form").skip(1) {
        let form = teil.split("</form>").next().unwrap_or("");
        let kopf = form.split('>').next().unwrap_or("");
        if !kopf.contains("method=\"post\"") {
            continue;
        }
        let Some(action) = kopf
            .split_once("action=\"")
            .map(|(_, r)| r.split('"').next().unwrap_or("").replace("&amp;", "&"))
        else {
            continue;
        };
        let mut felder = Vec::new();
        for tag in form.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            if !(tag.starts_with("input")
                || tag.starts_with("textarea")
                || tag.starts_with("select"))
            {
                continue;
            }
            let attr = |n: &str| {
                let k = format!(" {n}=\"");
                tag.find(&k).map(|i| {
                    tag[i + k.len()..]
                        .split('"')
                        .next()
                        .unwrap_or("")
                        .to_owned()
                })
            };
            if let Some(name) = attr("name") {
                felder.push((name, attr("value").unwrap_or_default()));
            }
        }
        aus.push((action, felder));
    }
    aus
}

/// The forms of every page reachable from the start pages by same-site links (GETs only).
async fn alle_formulare(t: &TestApp, cookie: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut offen: std::collections::VecDeque<String> = [
        "/",
        "/konto",
        "/projekte/kinderbetreuung",
        "/projekte/kinderbetreuung/beteiligung",
        "/verwaltung/konten",
        "/lenkungsausschuss",
        "/workshops",
        "/prioritaeten",
        "/umsetzungsplan",
    ]
    .map(str::to_owned)
    .into();
    let mut gesehen = std::collections::BTreeSet::new();
    // At most three pages of one shape (`/organisationen/*`): their forms are the same.
    let mut formen = std::collections::BTreeMap::<String, usize>::new();
    let mut aus = Vec::new();
    while let Some(pfad) = offen.pop_front() {
        let form = pfad
            .rsplit_once('/')
            .map_or(pfad.clone(), |(a, _)| format!("{a}/*"));
        let n = formen.entry(form).or_default();
        if gesehen.len() >= 300 || *n >= 3 || !gesehen.insert(pfad.clone()) {
            continue;
        }
        *n += 1;
        let r = t.get_with(&pfad, cookie).await;
        if r.status != StatusCode::OK {
            continue;
        }
        let html = r.text();
        aus.extend(formulare(&html));
        for link in html.split("href=\"/").skip(1) {
            let l = format!("/{}", link.split('"').next().unwrap_or(""));
            let l = l.split('#').next().unwrap_or("").replace("&amp;", "&");
            let uninteressant = [
                "/static",
                "/anhaenge",
                "/abmelden",
                "format=",
                ".pdf",
                ".xlsx",
                ".csv",
                "/api/",
                "seite=",
            ]
            .iter()
            .any(|x| l.contains(x));
            if !uninteressant && !gesehen.contains(&l) {
                offen.push_back(l);
            }
        }
    }
    aus
}

/// Whether `pfad` (concrete) matches the route pattern `muster` (`/projekte/{slug}/…`).
fn passt(muster: &str, pfad: &str) -> bool {
    let pfad = pfad.split('?').next().unwrap_or("");
    let (m, p): (Vec<_>, Vec<_>) = (muster.split('/').collect(), pfad.split('/').collect());
    m.len() == p.len() && m.iter().zip(&p).all(|(a, b)| a.starts_with('{') || a == b)
}

fn konkret(pfad: &str) -> String {
    pfad.replace("{slug}", "kinderbetreuung")
        .replace("{projekt}", "kinderbetreuung")
        .replace("{id}", "1")
        .replace("{nr}", "1")
        .replace("{token}", "abc")
        .split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

story!(formulare_mit_beliebigen_werten);
async fn formulare_mit_beliebigen_werten(t: &TestApp) {
    let (cookie, csrf) = login_as(t, "fuzz", "koordinierungsstelle", "").await;
    let mut runner = TestRunner::deterministic();
    let werte = proptest::collection::vec((any::<u8>(), junk()), 1..6);
    let mut geprueft = 0;
    let mut mit_formular = 0;
    let mut ohne = Vec::new();
    let gefunden = alle_formulare(t, &cookie).await;
    for route in t.routen.clone() {
        // Logging out would end the run's session; the login form is fuzzed without one below.
        if route.pfad.contains("abmelden") {
            continue;
        }
        let (pfad, mut basis) = gefunden
            .iter()
            .find(|(a, _)| passt(route.pfad, a))
            .cloned()
            .unwrap_or_else(|| (konkret(route.pfad), Vec::new()));
        basis.retain(|(k, _)| k != "_csrf");
        mit_formular += usize::from(!basis.is_empty());
        if basis.is_empty() {
            ohne.push(route.pfad);
        }
        for _ in 0..24 {
            let aenderungen = werte.new_tree(&mut runner).unwrap().current();
            let mut felder = basis.clone();
            for (wahl, wert) in aenderungen {
                let n = felder.len();
                match (wahl % 5, n) {
                    (0, 1..) => felder[wahl as usize % n].1 = wert,
                    (1, 1..) => {
                        felder.remove(wahl as usize % n);
                    }
                    (2, 1..) => {
                        let f = felder[wahl as usize % n].clone();
                        felder.push((f.0, wert));
                    }
                    (3, _) => felder.push((format!("feld{wahl}"), wert)),
                    _ => felder.push(("name".into(), wert)),
                }
            }
            let mut paare: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
            paare.extend(felder.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let r = t.post(&pfad, &cookie, &paare).await;
            pruefen(&format!("POST {pfad} {felder:?}"), &r);
            geprueft += 1;
        }
    }
    assert!(geprueft >= 24 * 10, "{geprueft}");
    // The forms as the pages offer them, so the fields reach the real checks.
    // The others need records a fresh database lacks (a Vorlage, an Umlauf, a workshop, an
    // invitation): they get the junk fields alone, which still reach their form parsers.
    assert!(
        mit_formular >= 10,
        "{mit_formular} von {} Schreibrouten mit Formular gefunden; ohne: {ohne:?}",
        t.routen.len()
    );
    // The login form, without a session.
    for _ in 0..40 {
        let v = (junk(), junk()).new_tree(&mut runner).unwrap().current();
        let r = t
            .post(
                "/anmelden",
                &format!("{CSRF}=x"),
                &[("_csrf", "x"), ("benutzername", &v.0), ("passwort", &v.1)],
            )
            .await;
        pruefen("POST /anmelden", &r);
    }
}

story!(listen_mit_beliebigen_parametern);
async fn listen_mit_beliebigen_parametern(t: &TestApp) {
    const PARAMETER: [&str; 19] = [
        "seite",
        "pro_seite",
        "q",
        "themenfeld",
        "lage",
        "ozg_id",
        "typisierung",
        "art",
        "kreis",
        "prioritaet",
        "start_von",
        "start_bis",
        "zielportal",
        "status",
        "fachlichkeit",
        "organisation",
        "partner_gesucht",
        "sortierung",
        "format",
    ];
    let listen = [
        "/projekte",
        "/themenfelder",
        "/ozg-leistungen",
        "/leika-leistungen",
        "/organisationen",
        "/suche",
        "/api/v1/umsetzungsprojekte",
        "/api/v1/lagen",
        "/api/v1/leika-leistungen",
        "/api/v1/organisationen",
        "/api/v1/suche",
    ];
    let mut runner = TestRunner::deterministic();
    let fall = (
        0..listen.len(),
        proptest::collection::vec((0..PARAMETER.len(), junk()), 1..4),
    );
    for _ in 0..250 {
        let (l, paare) = fall.new_tree(&mut runner).unwrap().current();
        let paare: Vec<(&str, String)> =
            paare.into_iter().map(|(p, v)| (PARAMETER[p], v)).collect();
        let uri = format!(
            "{}?{}",
            listen[l],
            serde_urlencoded::to_string(&paare).unwrap()
        );
        let r = t.get(&uri).await;
        pruefen(&uri, &r);
        assert!(
            matches!(r.status, StatusCode::OK | StatusCode::BAD_REQUEST),
            "{uri}: {}",
            r.status
        );
    }
}
