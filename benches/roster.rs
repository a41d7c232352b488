//! Criterion benches on data from `rosa gen`: index build (on disk), one roster,
//! a batch of rosters, explain, offers and upsert, at 10k and 100k candidates;
//! `ROSA_BENCH_1M=1 cargo bench --bench roster` adds 1M.
//!
//! The latency report with percentiles and peak RSS is `rosa bench`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;
use rosa::date::Date;
use rosa::gen::{generate, GenConfig, Generated};
use rosa::{Engine, Policy};

/// The allocator of the `rosa` binary, so that the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const VACANCIES: usize = 64;

fn sizes() -> Vec<usize> {
    let mut s = vec![10_000, 100_000];
    if std::env::var_os("ROSA_BENCH_1M").is_some() {
        s.push(1_000_000);
    }
    s
}

fn data(candidates: usize) -> (Generated, Policy) {
    let as_of = Date::parse("2026-11-01").expect("date");
    let data = generate(&GenConfig {
        candidates,
        vacancies: VACANCIES,
        seed: 42,
        as_of,
    });
    let policy = Policy {
        as_of: Some(as_of),
        ..Policy::default()
    };
    (data, policy)
}

fn benches(c: &mut Criterion) {
    for n in sizes() {
        let (data, policy) = data(n);
        let tmp = tempfile::tempdir().expect("tempdir");

        let mut g = c.benchmark_group(format!("build/{n}"));
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("index_build_on_disk", |b| {
            let mut i = 0;
            b.iter_batched(
                || {
                    i += 1;
                    (tmp.path().join(format!("b{i}")), data.candidates.clone())
                },
                |(dir, cands)| {
                    let e = Engine::build(&dir, cands, Vec::new()).expect("build");
                    drop(e);
                    std::fs::remove_dir_all(&dir).ok();
                },
                BatchSize::PerIteration,
            )
        });
        g.finish();

        // Queries on an in-memory engine (no audit IO), the vacancies indexed for offers.
        let engine =
            Engine::in_memory(data.candidates.clone(), data.vacancies.clone()).expect("engine");
        let vacs = &data.vacancies;
        let mut g = c.benchmark_group(format!("query/{n}"));
        g.sample_size(30);
        let mut k = 0;
        g.bench_function("roster", |b| {
            b.iter(|| {
                k = (k + 1) % vacs.len();
                engine.roster(&vacs[k], &policy).expect("roster")
            })
        });
        g.throughput(Throughput::Elements(vacs.len() as u64));
        g.bench_function(BenchmarkId::new("batch", vacs.len()), |b| {
            b.iter(|| {
                vacs.par_iter()
                    .map(|v| engine.roster(v, &policy).expect("roster").eligible)
                    .sum::<u64>()
            })
        });
        g.throughput(Throughput::Elements(1));
        // Explain the last entry of a roster with entries (the cutoff person).
        let (v, who) = vacs
            .iter()
            .find_map(|v| {
                let r = engine.roster(v, &policy).ok()?;
                Some((v, r.entries.last()?.candidate_id.clone()))
            })
            .expect("a roster with entries");
        g.bench_function("explain", |b| {
            b.iter(|| engine.explain(v, &policy, &who).expect("explain"))
        });
        g.bench_function("offers", |b| {
            b.iter(|| engine.offers(&policy, &who).expect("offers"))
        });
        g.finish();
        drop(engine);

        // Upsert of 100 changed CVs into a persistent index: one commit each.
        let dir = tmp.path().join("upsert");
        let mut engine = Engine::build(&dir, data.candidates.clone(), Vec::new()).expect("build");
        let mut g = c.benchmark_group(format!("upsert/{n}"));
        g.sample_size(10);
        let mut round = 0u32;
        g.bench_function("upsert_100", |b| {
            b.iter_batched(
                || {
                    round += 1;
                    data.candidates[..100]
                        .iter()
                        .cloned()
                        .map(|mut c| {
                            c.cv_text = format!("aggiornamento {round}");
                            c
                        })
                        .collect::<Vec<_>>()
                },
                |batch| engine.upsert(batch).expect("upsert"),
                BatchSize::PerIteration,
            )
        });
        g.finish();
    }
}

criterion_group!(roster_benches, benches);
criterion_main!(roster_benches);
