//! `rosa bench`: a reproducible latency report on generated data. Builds an
//! index in a temporary directory, reopens it, runs rosters and prints build
//! time, peak RSS, reopen time, p50/p95/p99 roster latency, batch rosters/s and
//! the index size on disk.

use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;
use rosa::Policy;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Rosters one after the other (each parallel inside), no audit append: the
/// sorted latencies in ms and the eligible people summed.
fn one_by_one(
    index: &rosa::index::Index,
    vacancies: &[&rosa::model::VacancyRecord],
    policy: &rosa::Policy,
) -> rosa::Result<(Vec<f64>, u64)> {
    let mut lat = Vec::with_capacity(vacancies.len());
    let mut eligible = 0u64;
    for v in vacancies {
        let t = Instant::now();
        let r = rosa::roster::roster(index, v, policy)?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        eligible += r.eligible;
    }
    lat.sort_by(f64::total_cmp);
    Ok((lat, eligible))
}

fn dir_size(p: &std::path::Path) -> u64 {
    let Ok(meta) = std::fs::metadata(p) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(p)
        .map(|rd| rd.flatten().map(|e| dir_size(&e.path())).sum())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Runs the report.
pub fn run(
    candidates: usize,
    vacancies: usize,
    seed: u64,
    keep: Option<&std::path::Path>,
) -> Result<()> {
    let as_of = rosa::date::Date::parse("2026-11-01").expect("date");
    let policy = Policy {
        as_of: Some(as_of),
        ..Policy::default()
    };
    println!(
        "rosa bench: {candidates} candidates, {vacancies} vacancies, seed {seed}, {} threads",
        rayon::current_num_threads()
    );

    let t = Instant::now();
    let data = rosa::gen::generate(&rosa::gen::GenConfig {
        candidates,
        vacancies,
        seed,
        as_of,
    });
    println!(
        "  generate            {:>10.2} s",
        t.elapsed().as_secs_f64()
    );

    let tmp = tempfile::Builder::new().prefix("rosa-bench-").tempdir()?;
    let dir = keep
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|| tmp.path().join("index"));
    let vacs = data.vacancies;
    let t = Instant::now();
    let engine = rosa::Engine::build(&dir, data.candidates, Vec::new())?;
    let build = t.elapsed().as_secs_f64();
    println!(
        "  build               {:>10.2} s   (peak RSS so far {:.0} MiB)",
        build,
        peak_rss_mib()
    );
    drop(engine);

    // Three opens: the first follows the release of the built index's memory
    // and, on a virtual machine, may pay for the host handing pages back.
    let mut opens = Vec::new();
    let mut engine = None;
    for _ in 0..3 {
        drop(engine.take());
        let t = Instant::now();
        engine = Some(rosa::Engine::open(&dir)?);
        opens.push(t.elapsed().as_secs_f64());
    }
    let engine = engine.expect("opened");
    println!(
        "  reopen              {:>10.2} s   (then {:.2} s, {:.2} s; {})",
        opens[0],
        opens[1],
        opens[2],
        engine.index().snapshot_note()
    );
    println!(
        "  index size on disk  {:>10.1} MiB",
        dir_size(&dir) as f64 / 1048576.0
    );

    // Single rosters, one after the other (each parallel inside), no audit append.
    let index = engine.index();
    let scored: Vec<_> = vacs
        .iter()
        .filter(|v| !v.mode.is_graduatoria() || v.applicants.is_some())
        .collect();
    let (lat, eligible) = one_by_one(index, &scored, &policy)?;
    println!(
        "  roster latency      p50 {:.2} ms   p95 {:.2} ms   p99 {:.2} ms   max {:.2} ms   ({} rosters, mean eligible {:.0})",
        percentile(&lat, 0.50),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        lat.len(),
        eligible as f64 / lat.len().max(1) as f64
    );

    // Graduatorie over whole lists (targeted numeric, public selections
    // without applicants): points for every eligible person, reported apart.
    let ranked: Vec<_> = vacs
        .iter()
        .filter(|v| v.mode.is_graduatoria() && v.applicants.is_none())
        .collect();
    if !ranked.is_empty() {
        let (lat, eligible) = one_by_one(index, &ranked, &policy)?;
        println!(
            "  graduatoria rosters p50 {:.2} ms   max {:.2} ms   ({} rosters over whole lists, mean eligible {:.0})",
            percentile(&lat, 0.50),
            lat.last().copied().unwrap_or(f64::NAN),
            lat.len(),
            eligible as f64 / lat.len() as f64
        );
    }

    // Batch: many vacancies at once, in parallel across vacancies.
    let t = Instant::now();
    let done: usize = scored
        .par_iter()
        .map(|v| rosa::roster::roster(index, v, &policy).map(|_| 1))
        .sum::<rosa::Result<usize>>()?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "  batch               {:>10.0} rosters/s ({done} in {secs:.2} s)",
        done as f64 / secs
    );

    // One audited roster (appends to the hash-chained log with fsync).
    let t = Instant::now();
    engine.roster(scored[0], &policy)?;
    println!(
        "  audited roster      {:>10.2} ms (includes the fsync'd audit append)",
        t.elapsed().as_secs_f64() * 1000.0
    );
    println!("  peak RSS            {:>10.0} MiB", peak_rss_mib());
    Ok(())
}
