//! Benchmark / comparison helper for `kita-alloc` (used by `scripts/kita-compare.py`).
//!
//! ```text
//! kita_bench generate --children N --kitas M --seed S --out market.json
//! kita_bench hr --input market.json --seed S --out hr.json [--repeat R]
//! kita_bench scale --children 200000 --kitas 10000 --wishes 5 --seed S [--full] [--explain]
//! ```
use kita_alloc::*;
use std::collections::HashMap;
use std::time::Instant;

fn args() -> (String, HashMap<String, String>) {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().unwrap_or_default();
    let mut map = HashMap::new();
    let rest: Vec<String> = it.collect();
    let mut i = 0;
    while i < rest.len() {
        let k = rest[i].trim_start_matches("--").to_string();
        if i + 1 < rest.len() && !rest[i + 1].starts_with("--") {
            map.insert(k, rest[i + 1].clone());
            i += 2;
        } else {
            map.insert(k, "1".into());
            i += 1;
        }
    }
    (cmd, map)
}

fn num(m: &HashMap<String, String>, k: &str, d: u64) -> u64 {
    m.get(k).map_or(d, |v| v.parse().expect("number"))
}

fn min_time<T>(repeat: u64, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.unwrap())
}

fn main() {
    let (cmd, a) = args();
    match cmd.as_str() {
        "generate" => {
            let p = GenerateParams {
                children: num(&a, "children", 1000) as usize,
                kitas: num(&a, "kitas", 50) as usize,
                wishes: num(&a, "wishes", 5) as usize,
                seed: num(&a, "seed", 1),
                ..GenerateParams::default()
            };
            let out = a.get("out").expect("--out");
            let text = market_to_string(&generate(&p), InputFormat::from_path(out));
            std::fs::write(out, text).expect("write");
        }
        "hr" => {
            let input = a.get("input").expect("--input");
            let seed = num(&a, "seed", 1);
            let repeat = num(&a, "repeat", 20);
            let text = std::fs::read_to_string(input).expect("read");
            let market = parse_market(&text, InputFormat::from_path(input)).expect("valid market");
            let opts = Options {
                explanations: false,
                compare_kita_proposing: false,
                max_differences: None,
            };
            let (t_compile, cm) = min_time(repeat, || CompiledMarket::new(&market, seed));
            let (t_da, m) = min_time(repeat, || cm.child_proposing());
            let (t_alloc, outcome) = min_time(repeat, || allocate(&market, seed, &opts));
            let (t_full, _) = min_time(repeat.min(5), || {
                allocate(&market, seed, &Options::default())
            });
            assert_eq!(outcome.stats.justified_envy, 0);
            let assignment: Vec<(String, Option<String>)> = market
                .children
                .iter()
                .enumerate()
                .map(|(c, ch)| {
                    let e = m.entry[c];
                    (
                        ch.id.clone(),
                        (e != NONE).then(|| bucket_name(&market, cm.bucket[e as usize] as usize)),
                    )
                })
                .collect();
            let hr = hr_instance(&market, seed);
            let doc = serde_json::json!({
                "instance": hr,
                "assignment": assignment,
                "timing_s": {
                    "compile": t_compile,
                    "deferred_acceptance": t_da,
                    "allocate_no_explanations": t_alloc,
                    "allocate_full": t_full,
                },
                "entries": cm.entries(),
            });
            std::fs::write(a.get("out").expect("--out"), doc.to_string()).expect("write");
        }
        "scale" => {
            let p = GenerateParams {
                children: num(&a, "children", 200_000) as usize,
                kitas: num(&a, "kitas", 10_000) as usize,
                wishes: num(&a, "wishes", 5) as usize,
                seed: num(&a, "seed", 1),
                ..GenerateParams::default()
            };
            let seed = num(&a, "seed", 1);
            let t = Instant::now();
            let market = generate(&p);
            let t_gen = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let cm = CompiledMarket::new(&market, seed);
            let t_compile = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let floor = cm.read_all_preferences();
            let t_floor = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let m = cm.child_proposing();
            let t_da = t.elapsed().as_secs_f64();
            let assigned = m.entry.iter().filter(|&&e| e != NONE).count();
            println!(
                "children={} kitas={} entries={} generate={:.1}ms compile={:.1}ms floor={:.2}ms da={:.1}ms assigned={} (floor checksum {})",
                p.children,
                p.kitas,
                cm.entries(),
                t_gen * 1e3,
                t_compile * 1e3,
                t_floor * 1e3,
                t_da * 1e3,
                assigned,
                floor
            );
            drop(cm);
            if a.contains_key("full") || a.contains_key("explain") {
                let opts = Options {
                    explanations: a.contains_key("explain"),
                    compare_kita_proposing: a.contains_key("explain"),
                    max_differences: None,
                };
                let t = Instant::now();
                let o = allocate(&market, seed, &opts);
                println!(
                    "allocate(explanations={}, compare={}) = {:.1}ms, envy={}, by_wish={:?}, unassigned={}",
                    opts.explanations,
                    opts.compare_kita_proposing,
                    t.elapsed().as_secs_f64() * 1e3,
                    o.stats.justified_envy,
                    o.stats.by_wish,
                    o.stats.unassigned
                );
            }
        }
        _ => {
            eprintln!("usage: kita_bench generate|hr|scale [--options]");
            std::process::exit(2);
        }
    }
}
