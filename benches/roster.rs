//! Criterion benches on data from `rosa gen`: index build (on disk), one roster,
//! a batch of rosters, explain, offers and upsert, at 10k and 100k candidates;
//! `ROSA_BENCH_1M=1 cargo bench --bench roster` adds 1M. The query benches run on
//! both generator profiles (`default` and `wide`), and the single roster is timed
//! by eligible-pool bucket (`query/wide/100000/roster/eligible 10k-50k`), so that a
//! wide pool's cost is seen apart from the typical one; build and upsert do not
//! depend on the profile and run on the default one.
//!
//! The latency report with percentiles and peak RSS is `rosa bench`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;
use rosa::date::Date;
use rosa::gen::{generate, GenConfig, Generated, Profile};
use rosa::model::VacancyRecord;
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

fn data(candidates: usize, profile: Profile) -> (Generated, Policy) {
    let as_of = Date::parse("2026-11-01").expect("date");
    let data = generate(&GenConfig {
        candidates,
        vacancies: VACANCIES,
        seed: 42,
        as_of,
        profile,
    });
    let policy = Policy {
        as_of: Some(as_of),
        ..Policy::default()
    };
    (data, policy)
}

/// Eligible-pool buckets (the same as `rosa bench`'s): lower bound and label.
const BUCKETS: [(u64, &str); 5] = [
    (0, "eligible <1k"),
    (1_000, "eligible 1k-10k"),
    (10_000, "eligible 10k-50k"),
    (50_000, "eligible 50k-200k"),
    (200_000, "eligible >=200k"),
];

/// The scored vacancies grouped by the bucket of their eligible pool.
fn by_bucket<'v>(
    engine: &Engine,
    vacs: &'v [VacancyRecord],
    policy: &Policy,
) -> Vec<(&'static str, Vec<&'v VacancyRecord>)> {
    let mut out: Vec<(&'static str, Vec<&VacancyRecord>)> =
        BUCKETS.iter().map(|(_, l)| (*l, Vec::new())).collect();
    for v in vacs.iter().filter(|v| !v.mode.is_graduatoria()) {
        let eligible = engine.roster(v, policy).expect("roster").eligible;
        let b = BUCKETS
            .iter()
            .rposition(|(lo, _)| eligible >= *lo)
            .unwrap_or(0);
        out[b].1.push(v);
    }
    out.retain(|(_, v)| !v.is_empty());
    out
}

fn query_benches(c: &mut Criterion, n: usize, profile: Profile) {
    let (data, policy) = data(n, profile);
    // Queries on an in-memory engine (no audit IO), the vacancies indexed for offers.
    let engine =
        Engine::in_memory(data.candidates.clone(), data.vacancies.clone()).expect("engine");
    let vacs = &data.vacancies;
    let mut g = c.benchmark_group(format!("query/{}/{n}", profile.name()));
    g.sample_size(30);
    let mut k = 0;
    g.bench_function("roster", |b| {
        b.iter(|| {
            k = (k + 1) % vacs.len();
            engine.roster(&vacs[k], &policy).expect("roster")
        })
    });
    for (label, group) in by_bucket(&engine, vacs, &policy) {
        let mut k = 0;
        g.bench_function(BenchmarkId::new("roster", label), |b| {
            b.iter(|| {
                k = (k + 1) % group.len();
                engine.roster(group[k], &policy).expect("roster")
            })
        });
    }
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
}

fn benches(c: &mut Criterion) {
    for n in sizes() {
        let (data, _) = data(n, Profile::Default);
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

        for profile in Profile::ALL {
            query_benches(c, n, profile);
        }

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
