//! The dependency rules of the crate, checked on its source (with `syn`, not by text):
//!
//! 1. the core (`kern`) imports no capability and not the composition root (`lib.rs`, `cli`);
//! 2. a capability uses another only through what that capability's `mod.rs` exports (the
//!    compiler enforces this too: capabilities keep their modules private), and never the
//!    composition root;
//! 3. no import cycle between modules, and none between capabilities;
//! 4. SQL text that is not a literal, and POST routes, exist only where the core builds them;
//! 5. the pure crates (`ozg-domain`, `kita-alloc`) do no IO and have no async.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::quelltext::{self, Modul};

/// The capabilities: folders that own their handlers, queries, templates and tests.
const FAEHIGKEITEN: [&str; 9] = [
    "antraege",
    "portalkonten",
    "anfrage",
    "programm",
    "gremien",
    "umsetzungsplan",
    "konten",
    "hinweise",
    "kita",
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Schicht {
    Kern,
    Faehigkeit(String),
    /// `lib.rs` and `cli`: they assemble the capabilities.
    Wurzel,
}

fn schicht(modul: &str) -> Schicht {
    let teile: Vec<&str> = modul.split("::").collect();
    match teile.get(1) {
        Some(&"kern") => Schicht::Kern,
        Some(f) if FAEHIGKEITEN.contains(f) => Schicht::Faehigkeit((*f).to_owned()),
        _ => Schicht::Wurzel,
    }
}

/// The module a path names: the longest prefix that is a module of the crate. `crate::sql` is
/// the statement macro the core exports at the crate root.
fn ziel(pfad: &[String], module: &BTreeSet<String>) -> Option<String> {
    if pfad.len() == 2 && pfad[1] == "sql" {
        return Some("crate::kern::db".into());
    }
    (1..=pfad.len())
        .rev()
        .map(|n| pfad[..n].join("::"))
        .find(|p| module.contains(p))
}

struct Graph {
    module: Vec<Modul>,
    kanten: BTreeMap<String, BTreeSet<String>>,
}

fn graph() -> Graph {
    let module = quelltext::module();
    let namen: BTreeSet<String> = module.iter().map(Modul::name).collect();
    let mut kanten: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (von, pfade) in quelltext::verweise(&module) {
        let e = kanten.entry(von.clone()).or_default();
        for p in pfade {
            if let Some(z) = ziel(&p, &namen).filter(|z| *z != von && z != "crate") {
                e.insert(z);
            }
        }
    }
    Graph { module, kanten }
}

#[test]
fn kern_importiert_keine_faehigkeit() {
    let g = graph();
    let mut fehler = Vec::new();
    for (von, ziele) in &g.kanten {
        if schicht(von) != Schicht::Kern {
            continue;
        }
        for z in ziele {
            if schicht(z) != Schicht::Kern {
                fehler.push(format!("{von} → {z}"));
            }
        }
    }
    assert!(
        fehler.is_empty(),
        "der Kern darf keine Fähigkeit kennen:\n{}",
        fehler.join("\n")
    );
}

#[test]
fn faehigkeiten_nutzen_einander_nur_ueber_ihre_schnittstelle() {
    let g = graph();
    let mut fehler = Vec::new();
    for (von, ziele) in &g.kanten {
        let Schicht::Faehigkeit(eigene) = schicht(von) else {
            continue;
        };
        for z in ziele {
            match schicht(z) {
                Schicht::Kern => {}
                Schicht::Wurzel => fehler.push(format!("{von} → {z} (Zusammenbau)")),
                Schicht::Faehigkeit(f) if f == eigene => {}
                Schicht::Faehigkeit(f) => {
                    if *z != format!("crate::{f}") {
                        fehler.push(format!("{von} → {z} (Inneres von {f})"));
                    }
                }
            }
        }
    }
    assert!(fehler.is_empty(), "{}", fehler.join("\n"));
}

/// Strongly connected components with more than one module (Tarjan).
fn zyklen(kanten: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        kanten: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        auf_stapel: BTreeSet<&'a str>,
        stapel: Vec<&'a str>,
        n: usize,
        out: Vec<Vec<String>>,
    }
    impl<'a> T<'a> {
        fn besuche(&mut self, v: &'a str) {
            self.index.insert(v, self.n);
            self.low.insert(v, self.n);
            self.n += 1;
            self.stapel.push(v);
            self.auf_stapel.insert(v);
            if let Some(ziele) = self.kanten.get(v) {
                for w in ziele {
                    let w = w.as_str();
                    if !self.index.contains_key(w) {
                        self.besuche(w);
                        let l = self.low[v].min(self.low[w]);
                        self.low.insert(v, l);
                    } else if self.auf_stapel.contains(w) {
                        let l = self.low[v].min(self.index[w]);
                        self.low.insert(v, l);
                    }
                }
            }
            if self.low[v] == self.index[v] {
                let mut k = Vec::new();
                while let Some(w) = self.stapel.pop() {
                    self.auf_stapel.remove(w);
                    k.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if k.len() > 1 {
                    k.sort();
                    self.out.push(k);
                }
            }
        }
    }
    let mut t = T {
        kanten,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        auf_stapel: BTreeSet::new(),
        stapel: Vec::new(),
        n: 0,
        out: Vec::new(),
    };
    for v in kanten.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.besuche(v);
        }
    }
    t.out
}

#[test]
fn keine_importzyklen_zwischen_modulen() {
    let g = graph();
    assert!(g.module.len() > 40, "{} Module gelesen", g.module.len());
    let z = zyklen(&g.kanten);
    assert!(
        z.is_empty(),
        "Importzyklen:\n{}",
        z.iter()
            .map(|k| k.join(" ↔ "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn keine_zyklen_zwischen_faehigkeiten() {
    let g = graph();
    let mut kanten: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (von, ziele) in &g.kanten {
        let Schicht::Faehigkeit(a) = schicht(von) else {
            continue;
        };
        for z in ziele {
            if let Schicht::Faehigkeit(b) = schicht(z)
                && a != b
            {
                kanten.entry(a.clone()).or_default().insert(b);
            }
        }
    }
    // Today: gremien → programm; umsetzungsplan → programm, gremien; nothing back.
    assert!(
        kanten
            .get("programm")
            .is_none_or(|z| !z.contains("gremien") && !z.contains("umsetzungsplan")),
        "{kanten:?}"
    );
    assert!(zyklen(&kanten).is_empty(), "{kanten:?}");
}

#[test]
fn die_pruefung_sieht_verstoesse() {
    // The rules above must be able to fail: a core module that names a capability, a
    // capability that reaches into another's module, and a cycle are all found.
    let namen: BTreeSet<String> = [
        "crate::kern::db",
        "crate::programm",
        "crate::programm::listen",
        "crate::gremien",
    ]
    .map(String::from)
    .into();
    let p = |s: &str| s.split("::").map(String::from).collect::<Vec<_>>();
    assert_eq!(
        ziel(&p("crate::programm::listen::ListQuery"), &namen).as_deref(),
        Some("crate::programm::listen")
    );
    assert_eq!(
        ziel(&p("crate::programm::ProjektItem"), &namen).as_deref(),
        Some("crate::programm")
    );
    assert_eq!(
        ziel(&p("crate::sql"), &namen).as_deref(),
        Some("crate::kern::db")
    );
    assert_eq!(schicht("crate::kern::db"), Schicht::Kern);
    assert_eq!(schicht("crate::cli"), Schicht::Wurzel);
    let mut k: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    k.entry("a".into()).or_default().insert("b".into());
    k.entry("b".into()).or_default().insert("c".into());
    k.entry("c".into()).or_default().insert("a".into());
    k.entry("d".into()).or_default().insert("a".into());
    assert_eq!(zyklen(&k), vec![vec!["a", "b", "c"]]);
}

/// Where a word may appear in the source (outside the listed files it must not).
fn nur_in(wort: &str, erlaubt: &[&str]) -> Vec<String> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    quelltext::module()
        .into_iter()
        .filter(|m| {
            let rel = m
                .datei
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            !erlaubt.iter().any(|e| rel.starts_with(e))
                && std::fs::read_to_string(&m.datei).unwrap().contains(wort)
        })
        .map(|m| m.name())
        .collect()
}

#[test]
fn sql_text_und_post_routen_nur_im_kern() {
    // Application SQL is a literal (`sql!`) or assembled from literals (`SqlBuilder`).
    assert_eq!(nur_in("AssertSqlSafe", &["kern/db/"]), Vec::<String>::new());
    assert_eq!(nur_in("ungeprueft(", &["kern/db/"]), Vec::<String>::new());
    assert_eq!(nur_in("format!(\"SELECT", &[]), Vec::<String>::new());
    // Every POST route is declared with its Aktion (`Routen::schreiben`).
    assert_eq!(
        nur_in("routing::post", &["kern/routen.rs"]),
        Vec::<String>::new()
    );
    assert_eq!(nur_in("post(", &["kern/routen.rs"]).len(), 0);
}

/// The source files of a crate of the workspace, with their text.
fn quellen(krate: &str) -> Vec<(String, String)> {
    fn sammeln(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                sammeln(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src");
    sammeln(&dir, &mut out);
    assert!(!out.is_empty(), "{krate}: keine Quellen");
    out
}

/// What pure code must not use: files, network IO (addresses as values are fine), processes,
/// environment, clocks, async.
const UNREIN: [&str; 13] = [
    "std::fs",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "to_socket_addrs",
    "std::process",
    "std::env",
    "std::io::stdin",
    "SystemTime::now",
    "Timestamp::now",
    "async fn",
    "tokio",
    ".await",
];

fn unreine_stellen(quellen: &[(String, String)]) -> Vec<String> {
    let mut v = Vec::new();
    for (datei, text) in quellen {
        for w in UNREIN {
            if text.contains(w) {
                v.push(format!("{datei}: {w}"));
            }
        }
    }
    v
}

#[test]
fn reine_crates_ohne_io_und_async() {
    for krate in ["ozg-domain", "kita-alloc"] {
        assert_eq!(unreine_stellen(&quellen(krate)), Vec::<String>::new());
        let manifest = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(krate)
                .join("Cargo.toml"),
        )
        .unwrap();
        let abh = manifest
            .split("[dependencies]")
            .nth(1)
            .unwrap_or("")
            .split("\n[")
            .next()
            .unwrap_or("");
        for io in ["tokio", "sqlx", "axum", "reqwest", "lettre", "async-trait"] {
            assert!(!abh.contains(io), "{krate} hängt von {io} ab");
        }
    }
    // The check sees what it forbids.
    let probe = vec![(
        "probe.rs".to_string(),
        "async fn f() { std::fs::read(\"x\").await }".to_string(),
    )];
    assert_eq!(unreine_stellen(&probe).len(), 3);
}
