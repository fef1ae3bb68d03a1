//! Checks of the transcribed Umsetzungsplan 2020 (`data/plan/`) against facts read in the OCR
//! text of the document (`umsetzungsplan-nrw-kommunal-2020.ocr.txt`).
//!
//! One test per section of the document: the project counts, section 1 (overview), the tables
//! 2.1–2.14 (incl. the Leistungen table of Forschung & Förderung), the five Steckbriefe of
//! section 3, section 4, the annex (workshops) and the programme text. Every fact below was
//! checked by hand in the OCR; many pin a value to its row (the right ozg.kdn.de number, an
//! organisation in the right column) so that a shifted row or column shows up.

use std::sync::OnceLock;

use ozg_domain::dataset::{Dataset, Projekt, THEMENFELDER, Themenfeld};
use ozg_domain::plan::{ProgrammFile, SteckbriefFile};
use ozg_domain::project::Rolle;

// --- helpers --------------------------------------------------------------------------------

fn ds() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| {
        Dataset::build(&crate::programm::daten::builtin())
            .expect("die eingebauten Plandaten müssen fehlerfrei laden")
    })
}

fn p(slug: &str) -> &'static Projekt {
    ds().projekte
        .iter()
        .find(|p| p.slug == slug)
        .unwrap_or_else(|| panic!("Projekt „{slug}“ fehlt"))
}

fn tf(name: &str) -> &'static Themenfeld {
    ds().themenfelder
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("Themenfeld „{name}“ fehlt"))
}

fn tf_index(name: &str) -> usize {
    THEMENFELDER
        .iter()
        .position(|t| *t == name)
        .unwrap_or_else(|| panic!("Themenfeld „{name}“ unbekannt"))
}

/// Slugs of the projects of a Themenfeld, in document order.
fn projects_in(name: &str) -> Vec<&'static str> {
    let i = tf_index(name);
    ds().projekte
        .iter()
        .filter(|p| p.themenfelder.iter().any(|(t, _)| *t == i))
        .map(|p| p.slug.as_str())
        .collect()
}

/// Projektstart as displayed ("Q1 2020", "läuft", "ab 2021"); "" when unknown.
fn start(slug: &str) -> String {
    p(slug)
        .projektstart
        .map(|s| s.to_string())
        .unwrap_or_default()
}

fn kdn(slug: &str) -> Vec<u32> {
    p(slug).kdn_nr.clone()
}

fn admin(slug: &str) -> Vec<u32> {
    p(slug).kdn_admin_nr.clone()
}

fn fach(slug: &str) -> Vec<&'static str> {
    p(slug).fachlichkeiten.iter().map(String::as_str).collect()
}

/// Organisation slugs of a role ("noch offen" for an open entry).
fn orgs(slug: &str, rolle: Rolle) -> Vec<&'static str> {
    p(slug)
        .rollen
        .iter()
        .filter(|r| r.rolle == rolle)
        .map(|r| match r.organisation {
            Some(i) => ds().organisationen[i].slug.as_str(),
            None => "noch offen",
        })
        .collect()
}

fn mit(slug: &str) -> Vec<&'static str> {
    orgs(slug, Rolle::Mitarbeit)
}

fn int(slug: &str) -> Vec<&'static str> {
    orgs(slug, Rolle::Interesse)
}

/// The cell annotation of a role entry, by organisation slug.
fn role_hinweis(slug: &str, rolle: Rolle, org: &str) -> Option<&'static str> {
    p(slug)
        .rollen
        .iter()
        .find(|r| {
            r.rolle == rolle
                && r.organisation.map(|i| ds().organisationen[i].slug.as_str()) == Some(org)
        })
        .and_then(|r| r.hinweis.as_deref())
}

fn has_all(have: &[&str], want: &[&str]) -> bool {
    want.iter().all(|w| have.contains(w))
}

fn hinweis(slug: &str, field: &str) -> &'static str {
    p(slug)
        .hinweise
        .get(field)
        .map(String::as_str)
        .unwrap_or("")
}

fn unsicher(slug: &str, field: &str) -> bool {
    p(slug).unsicher.contains_key(field)
}

fn ozg(slug: &str) -> Vec<u32> {
    p(slug).ozg.iter().map(|l| l.ozg_id.get()).collect()
}

fn sb(slug: &str) -> &'static SteckbriefFile {
    p(slug)
        .steckbrief
        .as_ref()
        .unwrap_or_else(|| panic!("Projekt „{slug}“ hat keinen Steckbrief"))
}

fn programm() -> &'static ProgrammFile {
    ds().programm.as_ref().expect("programm.toml geladen")
}

/// The project slug an entry of section 1 resolves to.
fn uebersicht(name: &str) -> Option<&'static str> {
    let pf = programm();
    let i = pf
        .uebersicht
        .eintrag
        .iter()
        .position(|e| e.name == name)
        .unwrap_or_else(|| panic!("Abschnitt 1: „{name}“ fehlt"));
    ds().uebersicht_projekte[i].map(|j| ds().projekte[j].slug.as_str())
}

// --- counts ---------------------------------------------------------------------------------

#[test]
fn projektzahlen_je_themenfeld_und_gesamt() {
    let expected = [
        ("Arbeit & Ruhestand", 8),
        ("Bauen & Wohnen", 11),
        ("Bildung", 4),
        ("Ein- & Auswanderung", 12),
        ("Engagement & Hobby", 19),
        ("Familie & Kind", 9),
        ("Forschung & Förderung", 0),
        ("Gesundheit", 7),
        ("Mobilität & Reisen", 5),
        ("Querschnitt", 4),
        ("Recht & Ordnung", 5),
        ("Steuern & Zoll", 2),
        ("Umwelt", 7),
        ("Unternehmensführung & -entwicklung", 12),
    ];
    for (i, (name, n)) in expected.iter().enumerate() {
        assert_eq!(THEMENFELDER[i], *name, "Reihenfolge der Themenfelder");
        assert_eq!(projects_in(name).len(), *n, "Projekte in {name}");
    }
    let memberships: usize = ds().projekte.iter().map(|p| p.themenfelder.len()).sum();
    assert_eq!(memberships, 105);
    assert_eq!(ds().projekte.len(), 103);
    let mut in_two: Vec<&str> = ds()
        .projekte
        .iter()
        .filter(|p| p.themenfelder.len() > 1)
        .map(|p| p.slug.as_str())
        .collect();
    in_two.sort_unstable();
    assert_eq!(in_two, ["meldewesen", "urkunden-und-bescheinigungen"]);
    assert_eq!(ds().workshops.len(), 11);
    assert_eq!(
        ds().projekte
            .iter()
            .filter(|p| p.steckbrief.is_some())
            .count(),
        5
    );
}

/// The colours (priority, Zielportal) and underlinings were lost in the OCR: values exist only
/// where the text of a Steckbrief or footnote states them.
#[test]
fn nichts_erfunden_prioritaeten_und_farben() {
    let mut nrw: Vec<(&str, u8)> = ds()
        .projekte
        .iter()
        .filter_map(|p| p.prioritaet_nrw.map(|v| (p.slug.as_str(), v)))
        .collect();
    nrw.sort_unstable();
    assert_eq!(
        nrw,
        [
            ("fundsachen", 2),
            ("kinderbetreuung", 1),
            ("reitkennzeichen-und-plaketten", 1)
        ]
    );
    let mut bund: Vec<(&str, u8)> = ds()
        .projekte
        .iter()
        .filter_map(|p| p.prioritaet_bund.map(|v| (p.slug.as_str(), v)))
        .collect();
    bund.sort_unstable();
    assert_eq!(
        bund,
        [("kinderbetreuung", 3), ("reitkennzeichen-und-plaketten", 3)]
    );
    assert!(ds().projekte.iter().all(|p| p.arbeitsstruktur.is_none()));
    assert!(
        programm()
            .uebersicht
            .eintrag
            .iter()
            .filter(|e| e.zielportal.is_some())
            .all(|e| e.unsicher.contains_key("zielportal")),
        "ein Zielportal ohne Begründung in unsicher"
    );
    // The Steckbriefe Schülerbeförderung and Schulaufnahme leave „Kommunale Priorität“ empty.
    assert_eq!(
        sb("schuelerbefoerderung-schulwegticket").prioritaet_nrw,
        None
    );
    assert_eq!(sb("schulaufnahme-und-wechsel").prioritaet_nrw, None);
}

// --- section 1 ------------------------------------------------------------------------------

#[test]
fn abschnitt_1_uebersicht() {
    let pf = programm();
    assert_eq!(pf.uebersicht.eintrag.len(), 39);
    assert!(ds().uebersicht_projekte.iter().all(Option::is_some));
    assert_eq!(pf.uebersicht.eintrag[0].name, "Hygienebelehrung");
    assert_eq!(
        pf.uebersicht.eintrag[38].name,
        "Unterhalt & Elternschaftsanerkennung"
    );
    assert_eq!(pf.uebersicht.eintrag[14].name, "Wohngeld");
    assert_eq!(uebersicht("Hygienebelehrung"), Some("hygienebelehrung"));
    assert_eq!(
        uebersicht("Gesundheitsleistungen für Empfänger nach § 4 AsylbLG"),
        Some("gesundheitsleistungen-asylblg")
    );
    assert_eq!(
        uebersicht("Schülerbeförderung"),
        Some("schuelerbefoerderung-schulwegticket")
    );
    assert_eq!(
        uebersicht("Reitkennzeichen"),
        Some("reitkennzeichen-und-plaketten")
    );
    assert_eq!(uebersicht("Umwelt: Wasser & Erde"), Some("wasser-erde"));
    assert_eq!(
        pf.uebersicht.hinweis.as_deref(),
        Some("Der aktuelle Stand aller Umsetzungsprojekte ist einsehbar unter: ozg.kdn.de")
    );
    let legende: Vec<(&str, &str)> = pf
        .legende
        .iter()
        .map(|l| (l.kennung.as_str(), l.farbe.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        legende,
        [
            ("arbeitsstruktur", "unterstrichen"),
            ("kommunales-landesportal", "orange"),
            ("land-kdn-mitglied", "grün"),
            ("land-bund", "schwarz"),
            ("unklar", "grau"),
        ]
    );
}

// --- section 2 ------------------------------------------------------------------------------

#[test]
fn abschnitt_2_01_arbeit_ruhestand() {
    let t = tf("Arbeit & Ruhestand");
    assert_eq!(t.abschnitt.as_deref(), Some("2.1"));
    assert_eq!(
        t.projektleitung_text.as_deref(),
        Some("Projektleitung und bundesweite Federführung: MAGS NRW")
    );
    assert_eq!(
        projects_in("Arbeit & Ruhestand"),
        [
            "wohngeld",
            "arbeitslosengeld-ii",
            "hilfe-zum-lebensunterhalt-grundsicherung",
            "bildung-und-teilhabe",
            "geringverdiener",
            "hilfe-in-sonstigen-lebenslagen",
            "berufliche-anerkennungen",
            "meldewesen",
        ]
    );
    // Wohngeld: Q1 2020, ozg.kdn.de 102, Mitarbeit Dortmund, Düsseldorf, ITK Rheinland, Gütersloh.
    assert_eq!(start("wohngeld"), "Q1 2020");
    assert_eq!(kdn("wohngeld"), [102]);
    assert_eq!(
        mit("wohngeld"),
        ["dortmund", "duesseldorf", "itk-rheinland", "guetersloh"]
    );
    assert_eq!(int("wohngeld"), ["aachen"]);
    assert_eq!(orgs("wohngeld", Rolle::Projektleitung), ["mags-nrw"]);
    assert_eq!(fach("wohngeld"), ["Sozialamt (Wohngeldstellen)"]);
    // Row without a name in the OCR: Jobcenter, link 22, Düren.
    assert_eq!(kdn("arbeitslosengeld-ii"), [22]);
    assert_eq!(mit("arbeitslosengeld-ii"), ["dueren"]);
    assert!(unsicher("arbeitslosengeld-ii", "name"));
    // HzL/GruSi: link 23 (three times), Mitarbeit Paderborn, Interesse Soest (Stadt & Kreis).
    assert_eq!(kdn("hilfe-zum-lebensunterhalt-grundsicherung"), [23]);
    assert_eq!(
        mit("hilfe-zum-lebensunterhalt-grundsicherung"),
        ["paderborn"]
    );
    assert!(has_all(
        &int("hilfe-zum-lebensunterhalt-grundsicherung"),
        &["soest", "kreis-soest", "lvr", "lwl"]
    ));
    // Page 2: starts Q1 2020, Q3 2020, Q4 2020, Q1 2021, Lebensbescheinigung: Q1 2022.
    assert_eq!(kdn("bildung-und-teilhabe"), [24]);
    assert_eq!(start("bildung-und-teilhabe"), "Q1 2020");
    assert!(hinweis("bildung-und-teilhabe", "mitarbeit").contains("siehe ALG II, HzL"));
    assert_eq!(mit("bildung-und-teilhabe"), ["rhein-kreis-neuss"]);
    assert_eq!(
        (start("geringverdiener"), kdn("geringverdiener")),
        ("Q3 2020".into(), vec![25])
    );
    assert_eq!(
        (
            start("hilfe-in-sonstigen-lebenslagen"),
            kdn("hilfe-in-sonstigen-lebenslagen")
        ),
        ("Q4 2020".into(), vec![27])
    );
    assert_eq!(mit("hilfe-in-sonstigen-lebenslagen"), ["lvr", "lwl"]);
    assert_eq!(
        (
            start("berufliche-anerkennungen"),
            kdn("berufliche-anerkennungen")
        ),
        ("Q1 2021".into(), vec![21])
    );
    assert_eq!(fach("berufliche-anerkennungen"), ["Ordnungsamt"]);
    assert_eq!(kdn("meldewesen"), [14]);
    assert_eq!(
        hinweis("meldewesen", "projektstart"),
        "Lebensbescheinigung: Q1 2022"
    );
}

#[test]
fn abschnitt_2_02_bauen_wohnen() {
    assert_eq!(tf("Bauen & Wohnen").abschnitt.as_deref(), Some("2.2"));
    // Page 1: Bauaufsicht (in Umsetzung, admin 2), Denkmal (Q1/2020, admin 3).
    assert_eq!(start("bauaufsicht"), "in Umsetzung");
    assert_eq!(admin("bauaufsicht"), [2]);
    assert!(kdn("bauaufsicht").is_empty());
    assert_eq!(
        mit("bauaufsicht"),
        [
            "mhkbg-nrw",
            "d-nrw",
            "kreis-guetersloh",
            "kreis-warendorf",
            "dortmund",
            "koeln",
            "ennepetal",
            "xanten"
        ]
    );
    assert_eq!(
        (start("denkmal"), admin("denkmal")),
        ("Q1 2020".into(), vec![3])
    );
    assert_eq!(fach("denkmal"), ["Untere Baubehörde"]);
    // Page 2: admin links 4, 5, 6, 14, 8, 9, 29; Abfallplanung and Steuer without a link.
    assert_eq!(admin("bauleitplanung"), [4]);
    assert_eq!(admin("vermessung"), [5]);
    assert!(fach("vermessung").contains(&"Gutachterausschuss"));
    assert_eq!(admin("querschnitt-auskunft"), [6]);
    assert_eq!(admin("umwelt"), [8]);
    assert_eq!(admin("wohnungsaufsicht"), [9]);
    assert_eq!(admin("foerderung-von-wohnraum"), [29]);
    assert!(fach("foerderung-von-wohnraum").contains(&"Wohnungsbauförderung"));
    assert!(admin("abfallplanung").is_empty() && kdn("abfallplanung").is_empty());
    assert_eq!(start("steuer"), "Q3 2020");
    assert_eq!(start("abfallplanung"), "Q2 2020");
    // Meldewesen is the same project as in 2.1 (number 14), listed once; this table prints its
    // own start (Q1/2020), which belongs to the listing in 2.2, not to the project.
    assert!(projects_in("Bauen & Wohnen").contains(&"meldewesen"));
    assert!(unsicher("meldewesen", "kdn_nr"));
    assert_eq!(start("meldewesen"), "Q1 2022");
    assert_eq!(
        p("meldewesen")
            .listen_start
            .get(&tf_index("Bauen & Wohnen"))
            .map(String::as_str),
        Some("Q1 2020")
    );
}

#[test]
fn abschnitt_2_03_bildung() {
    assert_eq!(
        projects_in("Bildung"),
        [
            "schulaufnahme-und-wechsel",
            "schuelerbefoerderung-schulwegticket",
            "untersuchungsberechtigungsschein",
            "schueler-bafoeg",
        ]
    );
    // Links 37×3, 38×4, 40×4, 39×2: the third row is 40, the fourth 39.
    assert_eq!(kdn("schulaufnahme-und-wechsel"), [37]);
    assert_eq!(kdn("schuelerbefoerderung-schulwegticket"), [38]);
    assert_eq!(kdn("untersuchungsberechtigungsschein"), [40]);
    assert_eq!(kdn("schueler-bafoeg"), [39]);
    assert_eq!(mit("schulaufnahme-und-wechsel"), ["krz"]);
    assert_eq!(
        role_hinweis("schulaufnahme-und-wechsel", Rolle::Mitarbeit, "krz"),
        Some("Projektleitung")
    );
    assert_eq!(int("schulaufnahme-und-wechsel"), ["essen", "dortmund"]);
    // Table says Q1/2020, the Steckbrief Q2 2020: the table value is kept, the doubt recorded.
    assert_eq!(start("schulaufnahme-und-wechsel"), "Q1 2020");
    assert!(unsicher("schulaufnahme-und-wechsel", "projektstart"));
    assert_eq!(start("schuelerbefoerderung-schulwegticket"), "Q2 2020");
    assert!(has_all(
        &mit("schuelerbefoerderung-schulwegticket"),
        &["guetersloh", "bielefeld", "staedteregion-aachen", "herford"]
    ));
    assert_eq!(
        int("schuelerbefoerderung-schulwegticket"),
        ["wuppertal", "rhein-kreis-neuss"]
    );
    assert_eq!(
        fach("untersuchungsberechtigungsschein"),
        ["Einwohnermeldeamt", "Bürgeramt"]
    );
    assert_eq!(fach("schueler-bafoeg"), ["Schulamt"]);
    assert_eq!(start("schueler-bafoeg"), "Q3 2020");
}

#[test]
fn abschnitt_2_04_ein_auswanderung() {
    assert_eq!(tf("Ein- & Auswanderung").abschnitt.as_deref(), Some("2.4"));
    // Page 1: one link (95), one start (Q1 2020), MKFFI/Köln and Solingen/Remscheid.
    assert_eq!(kdn("einbuergerung"), [95]);
    assert_eq!(start("einbuergerung"), "Q1 2020");
    assert_eq!(mit("einbuergerung"), ["mkffi-nrw", "koeln"]);
    assert_eq!(int("einbuergerung"), ["solingen", "remscheid"]);
    assert_eq!(
        fach("einbuergerung"),
        ["Ausländerbehörde", "Einbürgerungsstelle"]
    );
    assert_eq!(start("laengerfristiger-aufenthalt"), "");
    // Only four rows of the section have a link: 95, 96, 97, 98.
    let mut links: Vec<u32> = projects_in("Ein- & Auswanderung")
        .iter()
        .flat_map(|s| kdn(s))
        .collect();
    links.sort_unstable();
    assert_eq!(links, [95, 96, 97, 98]);
    // Page 2: starts Q2 2020, Q1 2021, Q2 2020, Q4 2020, Q2 2021, Q3 2021, Q1 2020, Q3 2020.
    assert_eq!(start("aufenthaltstitel"), "Q2 2020");
    assert_eq!(
        start("feststellen-des-bestehens-oder-nichtbestehen-der-deutschen-staatsbuergerschaft"),
        "Q1 2021"
    );
    assert_eq!(start("grenzgaengerkarte"), "Q3 2020");
    assert_eq!(start("verpflichtungserklaerung"), "");
    assert!(fach("reiseausweis-fuer-fluechtlinge-staatenlose").contains(&"Meldebehörde"));
    assert!(fach("integrationskurs").contains(&"Optionskommunen"));
    assert!(fach("leistungen-nach-dem-asylbewerberleistungsgesetz").contains(&"Sozialamt"));
}

#[test]
fn abschnitt_2_05_engagement_hobby() {
    // Page 1: links 51×2, 52, 53, 54, 55, 56, 57, 58×2, 59×2.
    assert_eq!(kdn("reitkennzeichen-und-plaketten"), [51]);
    assert_eq!(start("reitkennzeichen-und-plaketten"), "Q1 2020");
    assert!(mit("reitkennzeichen-und-plaketten").is_empty());
    assert_eq!(
        hinweis("reitkennzeichen-und-plaketten", "mitarbeit"),
        "(Lösung SIT vorhanden)"
    );
    assert_eq!(
        int("reitkennzeichen-und-plaketten"),
        ["kreis-coesfeld", "kreis-paderborn"]
    );
    assert_eq!(kdn("hundehaltung"), [52]);
    assert_eq!(
        mit("hundehaltung"),
        ["regio-it", "suedwestfalen-it", "lindlar"]
    );
    assert_eq!(
        role_hinweis("hundehaltung", Rolle::Mitarbeit, "regio-it"),
        Some("civitec")
    );
    assert_eq!(fach("hundehaltung"), ["Steueramt/Kämmerei"]);
    assert_eq!(kdn("wahlen"), [54]);
    assert_eq!(
        role_hinweis("wahlen", Rolle::Mitarbeit, "regio-it"),
        Some("VoteIT")
    );
    assert_eq!(kdn("ehrenamt"), [55]);
    assert!(has_all(
        &mit("ehrenamt"),
        &["staatskanzlei-nrw", "ehrenamtsagentur-gelsenkirchen"]
    ));
    assert_eq!(
        (start("waffen"), kdn("waffen")),
        ("Q2 2020".into(), vec![56])
    );
    assert_eq!(fach("waffen"), ["Kreispolizeibehörde"]);
    assert_eq!(kdn("wildursprungsscheine-und-marken"), [59]);
    // Page 2: links 60 … 69; starts 3× Q3/2020, Q4/2020, 6× „ab 2021*“.
    assert_eq!((start("jagd"), kdn("jagd")), ("Q3 2020".into(), vec![60]));
    assert_eq!(mit("jagd"), ["suedwestfalen-it"]);
    assert_eq!(
        hinweis("einwohnerbeteiligung", "mitarbeit"),
        "(Labor Schleswig-Holstein)"
    );
    assert_eq!(
        (start("osterfeuer"), kdn("osterfeuer")),
        ("Q4 2020".into(), vec![63])
    );
    assert_eq!(
        kdn("zulassung-aenderung-zuruecknahme-von-wahlvorschlaegen"),
        [66]
    );
    assert_eq!(
        start("verwendungsgenehmigung-fuer-hoheitszeichen"),
        "ab 2021"
    );
    assert_eq!(kdn("verwendungsgenehmigung-fuer-hoheitszeichen"), [69]);
    assert_eq!(
        hinweis("verwendungsgenehmigung-fuer-hoheitszeichen", "projektstart"),
        "ab 2021*"
    );
    assert!(fach("dienst-und-fachaufsichtsbeschwerde").is_empty());
}

#[test]
fn abschnitt_2_06_familie_kind() {
    assert_eq!(
        projects_in("Familie & Kind"),
        [
            "kinderbetreuung",
            "elterngeld",
            "urkunden-und-bescheinigungen",
            "unterhalt-und-elternschaftsanerkennung",
            "pflegekindervermittlung-und-pflegekindergeld",
            "freizeitangebote",
            "fruehe-hilfen",
            "gewaehrung-von-hilfen-zur-erziehung",
            "adoption",
        ]
    );
    // Links 18, 30, 13×2, 12×3, 19×3, 17 | 16, 20×2, 31.
    let links: Vec<u32> = projects_in("Familie & Kind")
        .iter()
        .flat_map(|s| kdn(s))
        .collect();
    assert_eq!(links, [18, 30, 13, 12, 19, 17, 16, 20, 31]);
    assert_eq!(start("kinderbetreuung"), "Q1 2020");
    assert!(has_all(
        &mit("kinderbetreuung"),
        &["itk-rheinland", "krz", "wuppertal", "krzn", "soest"]
    ));
    assert_eq!(int("kinderbetreuung"), ["schalksmuehle"]);
    assert_eq!(fach("elterngeld"), ["Jugendamt (Elterngeldstellen)"]);
    assert!(mit("elterngeld").contains(&"mkffi-nrw"));
    assert!(mit("urkunden-und-bescheinigungen").contains(&"hamm"));
    // „Remscheid (Modellprojekt)“ is Urkunden und Bescheinigungen's, as 2.10.1 lists it
    // (SIT, KRZN, KDVZ, Remscheid), not Elterngeld's.
    assert!(int("urkunden-und-bescheinigungen").contains(&"remscheid"));
    assert!(!int("elterngeld").contains(&"remscheid"));
    assert_eq!(
        role_hinweis(
            "unterhalt-und-elternschaftsanerkennung",
            Rolle::Mitarbeit,
            "mkffi-nrw"
        ),
        Some("UVG (+ Beistandschaft)")
    );
    assert_eq!(
        start("pflegekindervermittlung-und-pflegekindergeld"),
        "Q3 2020"
    );
    assert_eq!(start("freizeitangebote"), "Q1 2021");
    assert!(fach("freizeitangebote").contains(&"Musikschule"));
    for s in [
        "fruehe-hilfen",
        "gewaehrung-von-hilfen-zur-erziehung",
        "adoption",
    ] {
        assert_eq!(start(s), "Q2 2021", "{s}");
    }
    assert_eq!(int("fruehe-hilfen"), ["kreis-heinsberg"]);
}

#[test]
fn abschnitt_2_07_forschung_foerderung() {
    let t = tf("Forschung & Förderung");
    assert_eq!(t.abschnitt.as_deref(), Some("2.7"));
    assert!(projects_in("Forschung & Förderung").is_empty());
    assert_eq!(
        t.hinweis.as_deref(),
        Some(
            "Noch keine Umsetzungsplanung mangels aussagekräftiger Beschreibung auf Bund-Länder-Ebene sowie fehlender kommunaler Ansprechpersonen."
        )
    );
    let rows: Vec<(&str, Option<u32>, &str)> = t
        .leistungstabelle
        .iter()
        .map(|l| {
            (
                l.ozg_leistung.as_str(),
                l.ozg_id,
                l.prioritaet_veranstaltungen.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Agrarförderung", Some(10399), "3"),
            (
                "Antrag auf Verlängerung der Pfandverwertungsfrist",
                Some(10400),
                "4"
            ),
            (
                "Kulturförderung (freiwillige kommunale Leistung)",
                Some(10408),
                "4"
            ),
            ("Tierseuchenhilfe", Some(10411), "3"),
            ("Trägervereinbarung nach § 75 SGB XII", Some(10412), "3"),
            ("Wildschädenersatz", Some(10414), "3"),
            ("Forschungsvorhabengenehmigung", Some(10393), "4"),
        ]
    );
    for l in &t.leistungstabelle {
        assert_eq!(l.prioritaet_workshop.as_deref(), Some("noch offen"));
        assert_eq!(l.prioritaet_bund.as_deref(), Some("noch offen"));
        assert!(l.umsetzungsbuendel.is_none());
    }
    assert_eq!(
        t.leistungstabelle[6].lage.as_deref(),
        Some("Forschung & Entwicklung")
    );
    assert!(
        t.leistungstabelle[0]
            .link
            .as_deref()
            .unwrap_or("")
            .contains("id=103793")
    );
    assert!(
        t.leistungstabelle[6]
            .link
            .as_deref()
            .unwrap_or("")
            .contains("id=103788")
    );
}

#[test]
fn unsichere_zuordnungen_sind_markiert() {
    // Where a link or an Interesse entry could belong to either of two rows, "none" is not
    // certain and says why.
    for (slug, feld) in [
        ("todesbescheinigung", "kdn_nr"),
        ("gesundheitsleistungen-der-landschaftsverbaende", "kdn_nr"),
        ("integrationskurs", "kdn_nr"),
        ("grenzgaengerkarte", "kdn_nr"),
        ("wahlen", "interesse"),
        ("ehrenamt", "interesse"),
        ("dienst-und-fachaufsichtsbeschwerde", "interesse"),
    ] {
        assert!(unsicher(slug, feld), "{slug}: {feld}");
    }
}

#[test]
fn abschnitt_2_08_gesundheit() {
    // Links 71×2, 72×3, 73×3, 77×2 | 74×4; the rows Landschaftsverbände and
    // restliche Leistungen have none.
    assert_eq!(start("schwerbehindertenausweis"), "läuft");
    assert_eq!(kdn("schwerbehindertenausweis"), [71]);
    // „IT.NRW / Bezirksregierung Münster (Digitalisierungslabor Niedersachsen)“ is one cell of
    // the wide Mitarbeit column; the row has no Interesse.
    assert!(int("schwerbehindertenausweis").is_empty());
    assert_eq!(
        mit("schwerbehindertenausweis"),
        ["it-nrw", "regierungsbezirk-muenster"]
    );
    assert_eq!(kdn("hygienebelehrung"), [72]);
    assert_eq!(
        mit("hygienebelehrung"),
        ["rhein-kreis-neuss", "digitalisierungslabor-niedersachsen"]
    );
    assert_eq!(int("hygienebelehrung"), ["gesundheitsaemter-nrw"]);
    assert_eq!((kdn("demis"), mit("demis")), (vec![73], vec!["rki"]));
    assert_eq!(kdn("todesbescheinigung"), [77]);
    assert_eq!(int("todesbescheinigung"), ["bielefeld"]);
    assert_eq!(
        fach("todesbescheinigung"),
        ["Gesundheitsamt", "Standesamt", "Meldeamt"]
    );
    assert!(kdn("gesundheitsleistungen-der-landschaftsverbaende").is_empty());
    assert_eq!(
        mit("gesundheitsleistungen-der-landschaftsverbaende"),
        ["lvr", "lwl"]
    );
    assert_eq!(kdn("gesundheitsleistungen-asylblg"), [74]);
    assert_eq!(start("gesundheitsleistungen-asylblg"), "Q1 2020");
    assert!(kdn("gesundheit-restliche-leistungen").is_empty());
}

#[test]
fn abschnitt_2_09_mobilitaet_reisen() {
    assert_eq!(
        projects_in("Mobilität & Reisen"),
        [
            "fahrerlaubnis",
            "parkausweise",
            "umweltplakette",
            "ausnahmegenehmigungen-fuer-den-verkehr",
            "personenbefoerderungsgenehmigung",
        ]
    );
    let links: Vec<u32> = projects_in("Mobilität & Reisen")
        .iter()
        .flat_map(|s| kdn(s))
        .collect();
    assert_eq!(links, [32, 33, 34, 35, 36]);
    assert_eq!(start("fahrerlaubnis"), "Q1 2020");
    assert!(has_all(
        &mit("fahrerlaubnis"),
        &["kreis-herford", "rhein-erft-kreis"]
    ));
    assert!(int("fahrerlaubnis").contains(&"muelheim-an-der-ruhr"));
    assert!(mit("parkausweise").contains(&"hamm"));
    // „(regio iT)“ is an aside to Stadt Gütersloh, not a participant of its own.
    assert!(!mit("parkausweise").contains(&"regio-it"));
    assert_eq!(start("umweltplakette"), "Q2 2020");
    assert_eq!(start("ausnahmegenehmigungen-fuer-den-verkehr"), "Q3 2020");
    assert_eq!(
        mit("ausnahmegenehmigungen-fuer-den-verkehr"),
        ["kreis-paderborn"]
    );
    assert_eq!(start("personenbefoerderungsgenehmigung"), "Q2 2021");
    assert_eq!(
        fach("personenbefoerderungsgenehmigung"),
        ["Verkehrsbehörde"]
    );
}

#[test]
fn abschnitt_2_10_querschnitt() {
    assert_eq!(tf("Querschnitt").abschnitt.as_deref(), Some("2.10"));
    let q = tf_index("Querschnitt");
    let sub = |s: &str| {
        p(s).themenfelder
            .iter()
            .find(|(t, _)| *t == q)
            .and_then(|(_, sub)| sub.as_deref())
    };
    assert_eq!(sub("urkunden-und-bescheinigungen"), Some("Bürger"));
    assert_eq!(
        sub("meldebescheinigungen-registerauskuenfte"),
        Some("Bürger")
    );
    assert_eq!(sub("beglaubigungen"), Some("Unternehmen"));
    // Links 13×2, 15: Meldebescheinigungen & Registerauskünfte has none.
    assert!(kdn("meldebescheinigungen-registerauskuenfte").is_empty());
    assert_eq!(start("meldebescheinigungen-registerauskuenfte"), "Q1 2020");
    assert_eq!(
        mit("meldebescheinigungen-registerauskuenfte"),
        ["remscheid", "krzn"]
    );
    assert_eq!(
        (start("personalausweis"), kdn("personalausweis")),
        ("Q1 2021".into(), vec![15])
    );
    assert!(mit("personalausweis").contains(&"soest"));
    // The Querschnitt row of Urkunden adds Remscheid as Interesse.
    assert!(int("urkunden-und-bescheinigungen").contains(&"remscheid"));
    assert_eq!(kdn("urkunden-und-bescheinigungen"), [13]);
    assert_eq!(
        (start("beglaubigungen"), kdn("beglaubigungen")),
        ("Q1 2020".into(), vec![48])
    );
}

#[test]
fn abschnitt_2_11_recht_ordnung() {
    assert_eq!(kdn("bussgeldverfahren-ordnungswidrigkeiten"), [46]);
    assert_eq!(start("bussgeldverfahren-ordnungswidrigkeiten"), "");
    assert!(
        p("bussgeldverfahren-ordnungswidrigkeiten")
            .anmerkung
            .as_deref()
            .unwrap_or("")
            .contains("nicht länger als Verwaltungsleistung")
    );
    assert_eq!(
        (start("fundsachen"), kdn("fundsachen")),
        ("Q2 2020".into(), vec![47])
    );
    assert_eq!(fach("fundsachen"), ["Ordnungsamt"]);
    assert_eq!(
        fach("hilfe-fuer-opfer-von-gewalttaten"),
        ["Landschaftsverbände"]
    );
    assert!(kdn("hilfe-fuer-opfer-von-gewalttaten").is_empty());
    assert_eq!(kdn("notfallrettung"), [101]);
    assert!(unsicher("notfallrettung", "kdn_nr"));
    assert!(hinweis("naturkatastrophen", "fachlichkeit").contains("BezReg"));
}

#[test]
fn abschnitt_2_12_steuern_zoll() {
    assert_eq!(
        projects_in("Steuern & Zoll"),
        ["kommunale-steuern", "tourismusfoerderbeitrag"]
    );
    assert_eq!(
        (start("kommunale-steuern"), kdn("kommunale-steuern")),
        ("Q1 2020".into(), vec![99])
    );
    assert_eq!(int("kommunale-steuern"), ["krzn"]);
    assert_eq!(start("tourismusfoerderbeitrag"), "in Klärung");
    assert!(kdn("tourismusfoerderbeitrag").is_empty());
}

#[test]
fn abschnitt_2_13_umwelt() {
    // Page 1: links 41, 42, 44, 45; starts Q1/2020, Q1/2020, Q2/2020, Q2/2020.
    assert_eq!(
        (start("wasser-erde"), kdn("wasser-erde")),
        ("Q1 2020".into(), vec![41])
    );
    assert_eq!((start("natur"), kdn("natur")), ("Q1 2020".into(), vec![42]));
    assert_eq!(mit("natur"), ["bruehl"]);
    assert_eq!(
        (start("anlagen"), kdn("anlagen")),
        ("Q2 2020".into(), vec![44])
    );
    assert_eq!(mit("anlagen"), ["essen"]);
    assert_eq!(
        (
            start("altlasten-bodenschutzkataster"),
            kdn("altlasten-bodenschutzkataster")
        ),
        ("Q2 2020".into(), vec![45])
    );
    assert!(fach("altlasten-bodenschutzkataster").contains(&"Untere Bodenschutzbehörde"));
    // Page 2: Q3/2021, Q3/2020, Q3/2021; Kreis Lippe next to Q3/2020.
    assert_eq!(start("abfall"), "Q3 2021");
    assert_eq!(start("solarkataster"), "Q3 2020");
    assert_eq!(int("solarkataster"), ["kreis-lippe"]);
    let k = "kostenerstattungsbetrag-fuer-ausgleichsmassnahmen-fuer-den-naturschutz";
    assert_eq!(start(k), "Q3 2021");
    assert_eq!(int(k), ["oberbergischer-kreis"]);
    assert!(kdn(k).is_empty());
}

#[test]
fn abschnitt_2_14_unternehmensfuehrung() {
    let links: Vec<u32> = projects_in("Unternehmensführung & -entwicklung")
        .iter()
        .flat_map(|s| kdn(s))
        .collect();
    assert_eq!(links, [83, 84, 85, 86, 87, 88, 89, 100, 91, 92, 93, 94]);
    assert_eq!(start("unternehmensstart"), "Q1 2020");
    assert_eq!(
        mit("unternehmensstart"),
        ["mwide-nrw", "d-nrw", "projektgemeinschaft-emscher-lippe"]
    );
    assert_eq!(int("unternehmensstart"), ["muelheim-an-der-ruhr"]);
    assert_eq!(int("gewerberegisterauszug"), ["muelheim-an-der-ruhr"]);
    let s = "sondernutzung-von-strassen-und-verkehrsraumeinschraenkungen";
    assert_eq!(start(s), "Q2 2020");
    assert_eq!(int(s), ["koeln", "muelheim-an-der-ruhr"]);
    assert_eq!(start("wochen-und-spezialmaerkte"), "Q3 2020");
    assert_eq!(
        start("ausnahmegenehmigung-von-sperrzeiten-und-nachtruhe"),
        "Q4 2020"
    );
    assert_eq!(
        kdn("lager-und-abbrenngenehmigungen-fuer-pyrotechnische-gegenstaende"),
        [100]
    );
    assert_eq!(start("besondere-meldepflicht"), "Q3 2021");
    assert_eq!(
        (
            start("anzeigepflichtige-personalveraenderungen"),
            kdn("anzeigepflichtige-personalveraenderungen")
        ),
        ("Q4 2021".into(), vec![94])
    );
}

// --- section 3 ------------------------------------------------------------------------------

#[test]
fn abschnitt_3_einleitung() {
    let a = programm()
        .absatz
        .iter()
        .find(|a| a.ueberschrift.as_deref() == Some("3. Steckbriefe"))
        .expect("Einleitung zu Abschnitt 3");
    assert!(a.text.contains("iterative, agile Arbeitsweise"));
    assert!(a.text.contains("Lenkungsgruppe OZG NRW kommunal"));
    assert!(a.text.contains("kommunalen Fach- und IT-Partner"));
}

#[test]
fn steckbrief_kinderbetreuung() {
    let s = sb("kinderbetreuung");
    assert_eq!(s.projektstart.as_deref(), Some("Q1 2020"));
    assert_eq!(s.themenfelder, ["Familie & Kind", "Bildung"]);
    assert_eq!(s.prioritaet_nrw, Some(1));
    assert_eq!(ozg("kinderbetreuung"), [10019, 10040]);
    assert!(
        p("kinderbetreuung")
            .ozg
            .iter()
            .all(|l| l.quelle == "steckbrief")
    );
    let e = s.einleitung.as_deref().unwrap_or("");
    assert!(e.contains("28.11.2019") && e.contains("06.02.2020"));
    assert_eq!(s.zielprozess.len(), 10);
    assert_eq!(
        s.zielprozess[5].rolle.as_deref(),
        Some("Jugendamt oder Träger")
    );
    assert_eq!(s.zielprozess[0].schritt, "Suche Betreuungsangebot");
    // Step 7 (Einkommens-Selbsteinschätzung) has no role in the document.
    assert_eq!(s.zielprozess[6].nr, 7);
    assert_eq!(s.zielprozess[6].rolle, None);
    let v: Vec<&str> = s.variante.iter().map(|v| v.kennung.as_str()).collect();
    assert_eq!(v, ["A", "B"]);
    assert_eq!(orgs("kinderbetreuung", Rolle::Auftraggeber), ["kdn"]);
    assert_eq!(
        orgs("kinderbetreuung", Rolle::Kommunalpartner),
        ["noch offen"]
    );
    assert_eq!(orgs("kinderbetreuung", Rolle::ItPartner), ["noch offen"]);
}

#[test]
fn steckbrief_schuelerbefoerderung() {
    let slug = "schuelerbefoerderung-schulwegticket";
    let s = sb(slug);
    assert_eq!(s.projektstart.as_deref(), Some("Q2 2020"));
    assert_eq!(s.themenfelder, ["Bildung"]);
    // Known error of the document: it gives 10024; Schülerbeförderung is 10042.
    assert_eq!(s.ozg_leistungen[0].ozg_id, 10042);
    assert_eq!(s.ozg_leistungen[0].dokument_ozg_id, Some(10024));
    assert_eq!(ozg(slug), [10042]);
    assert!(
        p(slug).ozg[0]
            .hinweis
            .as_deref()
            .unwrap_or("")
            .contains("10024")
    );
    assert_eq!(orgs(slug, Rolle::Kommunalpartner), ["guetersloh"]);
    assert_eq!(orgs(slug, Rolle::ItPartner), ["regio-it"]);
    assert_eq!(orgs(slug, Rolle::Auftraggeber), ["kdn"]);
    assert!(
        s.variante[0]
            .titel
            .as_deref()
            .unwrap_or("")
            .contains("Digitales Schulwegticket")
    );
    assert!(s.variante[0].empfohlen && !s.variante[1].empfohlen);
}

#[test]
fn steckbrief_schulaufnahme() {
    let slug = "schulaufnahme-und-wechsel";
    let s = sb(slug);
    assert_eq!(s.projektstart.as_deref(), Some("Q2 2020"));
    assert_eq!(ozg(slug), [10037, 10041, 10051]);
    assert_eq!(orgs(slug, Rolle::ItPartner), ["krz"]);
    assert_eq!(orgs(slug, Rolle::Kommunalpartner), ["noch offen"]);
    assert!(
        s.variante[0]
            .titel
            .as_deref()
            .unwrap_or("")
            .contains("Schüler Online")
    );
    assert!(s.variante[0].beschreibung.contains("3.12.19"));
    assert!(s.projektziel.as_deref().unwrap_or("").contains("41 von 53"));
    assert_eq!(s.risiken.len(), 2);
}

#[test]
fn steckbrief_reitkennzeichen() {
    let slug = "reitkennzeichen-und-plaketten";
    let s = sb(slug);
    assert_eq!(s.projektstart.as_deref(), Some("Q1 2020"));
    assert_eq!(s.themenfelder, ["Engagement & Hobby"]);
    assert_eq!(s.prioritaet_nrw, Some(1));
    assert_eq!(ozg(slug), [10162]);
    // NRW priority 1 (Steckbrief), Bund 3 (text of the Steckbrief, as Divergenz).
    assert_eq!(
        (p(slug).prioritaet_nrw, p(slug).prioritaet_bund),
        (Some(1), Some(3))
    );
    assert_eq!(
        orgs(slug, Rolle::Kommunalpartner),
        ["digitale-modellregion-soest"]
    );
    assert_eq!(orgs(slug, Rolle::ItPartner), ["suedwestfalen-it"]);
    assert!(
        s.anmerkung
            .as_deref()
            .unwrap_or("")
            .contains("citkoOutdoor")
    );
}

#[test]
fn steckbrief_fundsachen() {
    let s = sb("fundsachen");
    assert_eq!(s.projektstart.as_deref(), Some("Q2 2020"));
    assert_eq!(s.themenfelder, ["Recht & Ordnung"]);
    assert_eq!(s.prioritaet_nrw, Some(2));
    assert_eq!(ozg("fundsachen"), [10244]);
    let a = &s.variante[0];
    assert_eq!(a.kennung, "A");
    assert!(a.empfohlen);
    assert_eq!(a.empfehlung.as_deref(), Some("Empfehlung: Variante A"));
    assert!(!s.variante[1].empfohlen);
    assert_eq!(orgs("fundsachen", Rolle::Kommunalpartner), ["noch offen"]);
    assert_eq!(orgs("fundsachen", Rolle::ItPartner), ["noch offen"]);
    assert_eq!(orgs("fundsachen", Rolle::Auftraggeber), ["kdn"]);
}

// --- section 4, annex, programme ------------------------------------------------------------

#[test]
fn abschnitt_4_naechste_schritte() {
    let n: Vec<&str> = programm()
        .naechster_schritt
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(n.len(), 2);
    assert!(n[0].starts_with("Nach Beschluss IT-Lenkungsausschuss"));
    assert!(
        n[0].contains(
            "Vorlage d-NRW und Beauftragung der in den Steckbriefen vorgestellten Projekte"
        )
    );
    assert!(n[1].contains("methodische Workshops mit den Umsetzungspartnern"));
}

#[test]
fn anhang_workshops() {
    let w = &ds().workshops;
    let dates: Vec<&str> = w.iter().map(|w| w.row.datum.as_str()).collect();
    assert_eq!(
        dates,
        [
            "2019-11-20",
            "2019-11-25",
            "2019-11-26",
            "2019-11-28",
            "2019-12-03",
            "2019-12-05",
            "2019-12-06",
            "2019-12-12",
            "2019-12-16",
            "2019-12-17",
            "2019-12-18",
        ]
    );
    let names =
        |i: usize| -> Vec<&str> { w[i].themenfelder.iter().map(|t| THEMENFELDER[*t]).collect() };
    assert_eq!(names(0), ["Bauen & Wohnen"]);
    assert_eq!(names(2), ["Ein- & Auswanderung"]);
    assert_eq!(
        w[2].row.ort.as_deref(),
        Some("Technisches Rathaus Bielefeld")
    );
    assert_eq!(names(3), ["Familie & Kind", "Querschnitt"]);
    assert_eq!(
        names(6),
        ["Forschung & Förderung", "Recht & Ordnung", "Steuern & Zoll"]
    );
    assert_eq!(names(7), ["Bildung"]);
    assert_eq!(w[7].row.ort.as_deref(), Some("Stadttor Düsseldorf"));
    assert_eq!(
        names(9),
        ["Unternehmensführung & -entwicklung", "Querschnitt"]
    );
    assert_eq!(names(10), ["Umwelt"]);
    // No place is invented: only the three named in figure captions.
    assert_eq!(w.iter().filter(|w| w.row.ort.is_some()).count(), 3);
}

#[test]
fn programm_und_gremien() {
    let pf = programm();
    assert_eq!(
        pf.titel,
        "Umsetzungsplan der Kommunen in NRW für das Onlinezugangsgesetz"
    );
    let gremien: Vec<&str> = pf.gremium.iter().map(|g| g.name.as_str()).collect();
    assert!(has_all(
        &gremien,
        &[
            "IT-Kooperationsrat",
            "IT-Lenkungsausschuss",
            "Lenkungsgruppe OZG NRW kommunal"
        ]
    ));
    let kr = pf
        .gremium
        .iter()
        .find(|g| g.name == "IT-Kooperationsrat")
        .unwrap();
    assert!(kr.beschreibung.contains("03.05.2019"));
    let nrs: Vec<u32> = pf.fussnote.iter().map(|f| f.nr).collect();
    assert_eq!(nrs, [1, 2, 3, 4, 5, 6]);
    assert!(pf.fussnote[4].text.contains("MKFFI NRW"));
    assert!(pf.fussnote[2].text.contains("Anhang"));
    let kita = pf
        .divergenz
        .iter()
        .find(|d| d.projekt == "Kinderbetreuung")
        .expect("Divergenz Kinderbetreuung");
    assert_eq!(
        (kita.ozg_id, kita.prioritaet_bund, kita.prioritaet_nrw),
        (Some(10019), Some(3), Some(1))
    );
    assert!(
        pf.absatz
            .iter()
            .any(|a| a.text.contains("ccdigitalisierung@kdn.de"))
    );
    assert!(
        pf.absatz
            .iter()
            .any(|a| a.text.contains("OZG-Koordinierungsstelle bei d-NRW"))
    );
}
