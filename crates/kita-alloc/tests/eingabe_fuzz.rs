//! Parser fuzzing of the market inputs (JSON, CSV), the parents' responses and an earlier
//! round's result: arbitrary bytes and structure-aware mutations of generated markets never
//! panic, and every rejection is German.

use kita_alloc::{
    GenerateParams, generate, market_to_csv, market_to_json, parse_market_csv, parse_market_json,
    parse_outcome_json, parse_responses_json,
};
use ozg_domain::meldung::klingt_englisch;
use proptest::prelude::*;

fn vorlage(csv: bool) -> String {
    let m = generate(&GenerateParams {
        children: 12,
        kitas: 3,
        wishes: 2,
        seed: 7,
        ..GenerateParams::default()
    });
    if csv {
        market_to_csv(&m)
    } else {
        market_to_json(&m)
    }
}

/// A mutation of `text` at relative position `pos` (0..1).
#[derive(Debug, Clone)]
enum Mutation {
    Abschneiden(f64),
    ZeileLoeschen(f64),
    ZeileDoppeln(f64),
    Einfuegen(f64, String),
    ZeichenErsetzen(f64, char),
    Ersetzen(f64, usize, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let junk = prop_oneof![
        Just(String::new()),
        Just("-1".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("\"".to_owned()),
        Just(",;,".to_owned()),
        Just("null".to_owned()),
        Just("{}".to_owned()),
        Just("[[[[".to_owned()),
        Just("\u{0}\u{7f}".to_owned()),
        Just("äöü€".to_owned()),
        ".{0,12}",
    ];
    prop_oneof![
        (0.0..1.0f64).prop_map(Mutation::Abschneiden),
        (0.0..1.0f64).prop_map(Mutation::ZeileLoeschen),
        (0.0..1.0f64).prop_map(Mutation::ZeileDoppeln),
        (0.0..1.0f64, junk.clone()).prop_map(|(p, j)| Mutation::Einfuegen(p, j)),
        (0.0..1.0f64, any::<char>()).prop_map(|(p, c)| Mutation::ZeichenErsetzen(p, c)),
        (0.0..1.0f64, 1usize..12, junk).prop_map(|(p, n, j)| Mutation::Ersetzen(p, n, j)),
    ]
}

fn stelle(text: &str, p: f64) -> usize {
    let mut i = ((text.len() as f64) * p) as usize;
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn anwenden(text: &str, m: &[Mutation]) -> String {
    let mut t = text.to_owned();
    for m in m {
        t = match m {
            Mutation::Abschneiden(p) => t[..stelle(&t, *p)].to_owned(),
            Mutation::ZeileLoeschen(p) | Mutation::ZeileDoppeln(p) => {
                let mut zeilen: Vec<&str> = t.lines().collect();
                if !zeilen.is_empty() {
                    let i = ((zeilen.len() as f64) * p) as usize % zeilen.len();
                    if matches!(m, Mutation::ZeileLoeschen(_)) {
                        zeilen.remove(i);
                    } else {
                        zeilen.insert(i, zeilen[i]);
                    }
                }
                zeilen.join("\n")
            }
            Mutation::Einfuegen(p, j) => {
                let i = stelle(&t, *p);
                format!("{}{j}{}", &t[..i], &t[i..])
            }
            Mutation::ZeichenErsetzen(p, c) => {
                let i = stelle(&t, *p);
                let rest = t[i..].chars().skip(1).collect::<String>();
                format!("{}{c}{rest}", &t[..i])
            }
            Mutation::Ersetzen(p, n, j) => {
                let i = stelle(&t, *p);
                let ende = t[i..]
                    .char_indices()
                    .nth(*n)
                    .map_or(t.len(), |(k, _)| i + k);
                format!("{}{j}{}", &t[..i], &t[ende..])
            }
        };
    }
    t
}

fn pruefen(ergebnis: Result<(), Vec<String>>) -> Result<(), TestCaseError> {
    if let Err(meldungen) = ergebnis {
        prop_assert!(!meldungen.is_empty());
        for m in meldungen {
            prop_assert!(!m.trim().is_empty());
            prop_assert!(!klingt_englisch(&m), "englisch: {}", m);
        }
    }
    Ok(())
}

fn markt(text: &str, csv: bool) -> Result<(), Vec<String>> {
    let r = if csv {
        parse_market_csv(text)
    } else {
        parse_market_json(text)
    };
    r.map(|_| ())
        .map_err(|e| e.iter().map(|e| e.message.clone()).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn maerkte_mutiert(csv in any::<bool>(), m in proptest::collection::vec(mutation(), 1..4)) {
        let text = anwenden(&vorlage(csv), &m);
        pruefen(markt(&text, csv))?;
    }

    #[test]
    fn beliebige_bytes(roh in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&roh);
        for csv in [false, true] {
            pruefen(markt(&text, csv))?;
        }
        let nachricht = |e: Vec<kita_alloc::MarketError>| e.iter().map(|e| e.message.clone()).collect();
        pruefen(parse_responses_json(&text).map(|_| ()).map_err(nachricht))?;
        pruefen(parse_outcome_json(&text).map(|_| ()).map_err(nachricht))?;
    }
}

/// The mutations reach the parsers' rejections (else the properties above would say little).
#[test]
fn mutationen_werden_abgelehnt() {
    for csv in [false, true] {
        let t = anwenden(&vorlage(csv), &[Mutation::Abschneiden(0.5)]);
        let e = markt(&t, csv).unwrap_err();
        assert!(e.iter().all(|m| !klingt_englisch(m)), "{e:?}");
        let t = anwenden(&vorlage(csv), &[Mutation::Einfuegen(0.3, "\"".into())]);
        assert!(markt(&t, csv).is_err());
    }
    let e = markt("{\"kita_year\": \"x\"}", false).unwrap_err();
    assert!(e[0].contains("Text"), "{e:?}");
}
