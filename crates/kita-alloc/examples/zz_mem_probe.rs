use kita_alloc::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
struct A;
static CUR: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for A {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let c = CUR.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(c, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        CUR.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}
#[global_allocator]
static G: A = A;
fn mb(x: usize) -> f64 {
    x as f64 / 1e6
}
fn rep(s: &str) {
    println!(
        "{s}: cur {:.1} MB peak {:.1} MB",
        mb(CUR.load(Relaxed)),
        mb(PEAK.load(Relaxed))
    );
    PEAK.store(CUR.load(Relaxed), Relaxed);
}
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(200_000, |s| s.parse().unwrap());
    let market = generate(&GenerateParams {
        children: n,
        kitas: n / 20,
        wishes: 5,
        seed: 1,
        ..Default::default()
    });
    rep("generate");
    let cm = CompiledMarket::new(&market, 1);
    rep("compile");
    let m = cm.child_proposing();
    rep("da");
    drop(m);
    let k = cm.kita_proposing();
    rep("kp");
    drop(k);
    drop(cm);
    rep("drop");
    let o = allocate(
        &market,
        1,
        &Options {
            explanations: false,
            compare_kita_proposing: false,
            max_differences: None,
        },
    );
    rep("allocate noexpl");
    drop(o);
    rep("drop");
    let o = allocate(&market, 1, &Options::default());
    rep("allocate full");
    let j = outcome_to_json(&o);
    rep("json");
    println!(
        "json len {:.1} MB, expl {}",
        mb(j.len()),
        o.assignments
            .iter()
            .map(|a| a.explanations.len())
            .sum::<usize>()
    );
    if let Some(p) = std::env::args().nth(2) {
        std::fs::write(p, &j).unwrap();
    }
}
