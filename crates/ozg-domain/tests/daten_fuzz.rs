//! Parser fuzzing of the data files (`ozg import`, `ozg check-data`, the first start): the
//! real data with one file replaced by arbitrary bytes or mutated along its structure (lines
//! cut, doubled, swapped; values replaced by junk) never panics, and every problem it reports
//! is German and names the file.

use std::path::Path;

use ozg_domain::dataset::{Dataset, SourceFile};
use ozg_domain::meldung::klingt_englisch;
use proptest::prelude::*;

fn daten() -> &'static [SourceFile] {
    static DATEN: std::sync::OnceLock<Vec<SourceFile>> = std::sync::OnceLock::new();
    DATEN.get_or_init(|| {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(root, &p, out);
                    continue;
                }
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let ext_ok = [".csv", ".ndjson", ".toml"]
                    .iter()
                    .any(|e| rel.ends_with(e));
                let ordner_ok = ["kdn/", "gemeindeverzeichnis/", "organisationen/", "plan/"]
                    .iter()
                    .any(|o| rel.starts_with(o))
                    || rel == "nrw-gemeinden.csv";
                if ext_ok && ordner_ok {
                    out.push(SourceFile {
                        path: rel,
                        text: std::fs::read_to_string(&p).unwrap(),
                    });
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let mut out = Vec::new();
        walk(&root, &root, &mut out);
        out.sort_by(|a, b| a.path.cmp(&b.path));
        assert!(out.len() > 20, "data/ not found");
        out
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    /// The whole file replaced by arbitrary bytes (read as UTF-8, lossy).
    Bytes(Vec<u8>),
    /// Cut at a relative position.
    Abschneiden(f64),
    ZeileLoeschen(f64),
    ZeileDoppeln(f64),
    ZeilenTauschen(f64, f64),
    /// The value after the `=` (TOML) or a field (CSV) of a line replaced.
    WertErsetzen(f64, String),
    Einfuegen(f64, String),
}

fn junk() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\"\"".to_owned()),
        Just("\"".to_owned()),
        Just("[".to_owned()),
        Just("]]".to_owned()),
        Just("[[projekt]]".to_owned()),
        Just("-1".to_owned()),
        Just("1e999".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("true".to_owned()),
        Just("\"Q5 2020\"".to_owned()),
        Just("\"2020-13-45\"".to_owned()),
        Just("[\"gibt es nicht\"]".to_owned()),
        Just(",,,".to_owned()),
        Just("\u{0}".to_owned()),
        ".{0,16}",
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Mutation::Bytes),
        (0.0..1.0f64).prop_map(Mutation::Abschneiden),
        (0.0..1.0f64).prop_map(Mutation::ZeileLoeschen),
        (0.0..1.0f64).prop_map(Mutation::ZeileDoppeln),
        (0.0..1.0f64, 0.0..1.0f64).prop_map(|(a, b)| Mutation::ZeilenTauschen(a, b)),
        (0.0..1.0f64, junk()).prop_map(|(p, j)| Mutation::WertErsetzen(p, j)),
        (0.0..1.0f64, junk()).prop_map(|(p, j)| Mutation::Einfuegen(p, j)),
    ]
}

fn anwenden(text: &str, m: &Mutation) -> String {
    let mut zeilen: Vec<String> = text.lines().map(str::to_owned).collect();
    let idx = |p: f64, n: usize| ((n as f64) * p) as usize % n.max(1);
    match m {
        Mutation::Bytes(b) => return String::from_utf8_lossy(b).into_owned(),
        Mutation::Abschneiden(p) => {
            let mut i = ((text.len() as f64) * p) as usize;
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            return text[..i].to_owned();
        }
        _ if zeilen.is_empty() => {}
        Mutation::ZeileLoeschen(p) => {
            zeilen.remove(idx(*p, zeilen.len()));
        }
        Mutation::ZeileDoppeln(p) => {
            let i = idx(*p, zeilen.len());
            zeilen.insert(i, zeilen[i].clone());
        }
        Mutation::ZeilenTauschen(a, b) => {
            let (i, j) = (idx(*a, zeilen.len()), idx(*b, zeilen.len()));
            zeilen.swap(i, j);
        }
        Mutation::WertErsetzen(p, j) => {
            let i = idx(*p, zeilen.len());
            let z = &zeilen[i];
            zeilen[i] = if let Some((k, _)) = z.split_once('=') {
                format!("{k}= {j}")
            } else if let Some((k, _)) = z.rsplit_once(',') {
                format!("{k},{j}")
            } else {
                j.clone()
            };
        }
        Mutation::Einfuegen(p, j) => {
            zeilen.insert(idx(*p, zeilen.len() + 1), j.clone());
        }
    }
    zeilen.join("\n")
}

fn bauen(datei: usize, m: &[Mutation]) -> Result<(), TestCaseError> {
    let mut files = daten().to_vec();
    let f = &mut files[datei % daten().len()];
    for m in m {
        f.text = anwenden(&f.text, m);
    }
    let pfade: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    let problems = match Dataset::build(&files) {
        Ok(ds) => ds.hinweise,
        Err(p) => {
            prop_assert!(!p.is_empty());
            p
        }
    };
    for p in problems {
        prop_assert!(!p.message.trim().is_empty(), "{:?}", p);
        prop_assert!(!klingt_englisch(&p.message), "englisch: {}", p);
        prop_assert!(
            pfade.contains(&p.file) || !p.file.contains('/'),
            "Datei: {}",
            p
        );
    }
    Ok(())
}

proptest! {
    // Each case builds the whole dataset (~0.1 s): few cases by default, more with
    // PROPTEST_CASES in a fuzzing session.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
    ))]

    #[test]
    fn datendateien_mutiert(datei in any::<usize>(), m in proptest::collection::vec(mutation(), 1..3)) {
        bauen(datei, &m)?;
    }
}

/// Each kind of file, broken in the typical ways, is refused with a German message naming it.
#[test]
fn jede_dateiart_abgelehnt() {
    for (i, f) in daten().iter().enumerate() {
        let mut files = daten().to_vec();
        let mut halb = files[i].text.len() / 2;
        while !files[i].text.is_char_boundary(halb) {
            halb -= 1;
        }
        files[i].text = format!("{}\n\u{1}[[{{\"", &files[i].text[..halb]);
        let p = Dataset::build(&files).expect_err(&f.path);
        assert!(p.iter().any(|p| p.file == f.path), "{}: {p:?}", f.path);
        for p in p {
            assert!(!klingt_englisch(&p.message), "{p}");
        }
    }
}
