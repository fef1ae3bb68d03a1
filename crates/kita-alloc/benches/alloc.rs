//! Criterion benchmarks: 200,000 children × 5 wishes over 10,000 Kitas.
//!
//! `CARGO_TARGET_DIR=target-kita cargo bench -p kita-alloc --bench alloc`
use criterion::{Criterion, criterion_group, criterion_main};
use kita_alloc::*;
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let market = generate(&GenerateParams {
        children: 200_000,
        kitas: 10_000,
        wishes: 5,
        seed: 1,
        ..GenerateParams::default()
    });
    let cm = CompiledMarket::new(&market, 1);
    let mut g = c.benchmark_group("kita_200k_x5_10k");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("floor_read_all_preferences", |b| {
        b.iter(|| black_box(cm.read_all_preferences()));
    });
    g.bench_function("deferred_acceptance_child_proposing", |b| {
        b.iter(|| black_box(cm.child_proposing()));
    });
    g.bench_function("compile_lottery_and_keys", |b| {
        b.iter(|| black_box(CompiledMarket::new(&market, 1)));
    });
    g.bench_function("compile_plus_deferred_acceptance", |b| {
        b.iter(|| black_box(CompiledMarket::new(&market, 1).child_proposing()));
    });
    g.bench_function("lottery", |b| b.iter(|| black_box(lottery(&market, 1))));
    g.bench_function("kita_proposing", |b| {
        b.iter(|| black_box(cm.kita_proposing()));
    });
    let lean = Options {
        explanations: false,
        compare_kita_proposing: false,
        max_differences: None,
    };
    g.bench_function("allocate_outcome_without_explanations", |b| {
        b.iter(|| black_box(allocate(&market, 1, &lean)));
    });
    g.sample_size(10);
    g.bench_function("allocate_full_explanations_and_comparison", |b| {
        b.iter(|| black_box(allocate(&market, 1, &Options::default())));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
