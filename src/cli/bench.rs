//! `rosa bench`: a reproducible latency report. On generated data (both profiles
//! of `rosa gen` unless `--profile` picks one) it builds an index in a temporary
//! directory, reopens it, runs rosters and prints build time, peak RSS, reopen
//! time, the index size on disk, p50/p95/p99 roster latency overall and by
//! eligible-pool bucket, and batch rosters/s. On an integrator's own index and
//! vacancies (`--index DIR --vacancies FILE`) it generates and writes nothing:
//! it opens the index, then runs the same roster report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use rosa::gen::Profile;
use rosa::index::Index;
use rosa::model::VacancyRecord;
use rosa::Policy;

/// What `rosa bench` was asked to do.
pub struct Args {
    /// Candidates to generate.
    pub candidates: usize,
    /// Vacancies to generate, or (with `index`) the vacancies file to run.
    pub vacancies: Option<String>,
    /// Generator seed.
    pub seed: u64,
    /// Keep the generated index here (with one profile).
    pub keep: Option<PathBuf>,
    /// The profiles to generate (both by default).
    pub profiles: Vec<Profile>,
    /// An existing index: run the report on it and generate nothing.
    pub index: Option<PathBuf>,
    /// Policy of the rosters on an existing index (default: the built-in one).
    pub policy: Option<PathBuf>,
}

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

/// One roster's latency and eligible count.
struct Timed {
    ms: f64,
    eligible: u64,
}

/// Rosters one after the other (each parallel inside), no audit append.
fn one_by_one(
    index: &Index,
    vacancies: &[&VacancyRecord],
    policy: &Policy,
) -> rosa::Result<Vec<Timed>> {
    let mut out = Vec::with_capacity(vacancies.len());
    for v in vacancies {
        let t = Instant::now();
        let r = rosa::roster::roster(index, v, policy)?;
        out.push(Timed {
            ms: t.elapsed().as_secs_f64() * 1000.0,
            eligible: r.eligible,
        });
    }
    Ok(out)
}

fn dir_size(p: &Path) -> u64 {
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

/// Eligible-pool buckets of the latency report: lower bound and label.
const BUCKETS: [(u64, &str); 5] = [
    (0, "< 1k"),
    (1_000, "1k-10k"),
    (10_000, "10k-50k"),
    (50_000, "50k-200k"),
    (200_000, ">= 200k"),
];

/// The bucket of an eligible count.
fn bucket(eligible: u64) -> usize {
    BUCKETS
        .iter()
        .rposition(|(lo, _)| eligible >= *lo)
        .unwrap_or(0)
}

fn latency_line(label: &str, timed: &[Timed]) {
    let mut ms: Vec<f64> = timed.iter().map(|t| t.ms).collect();
    ms.sort_by(f64::total_cmp);
    let mut el: Vec<u64> = timed.iter().map(|t| t.eligible).collect();
    el.sort_unstable();
    println!(
        "  {label:<19} p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  ({} rosters, eligible median {}, max {})",
        percentile(&ms, 0.50),
        percentile(&ms, 0.95),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN),
        ms.len(),
        el.get(el.len() / 2).copied().unwrap_or(0),
        el.last().copied().unwrap_or(0),
    );
}

/// The roster part of the report, the same on generated and on given data:
/// single rosters (overall and by eligible bucket), graduatorie over whole
/// lists, and a parallel batch.
fn roster_report(index: &Index, vacancies: &[VacancyRecord], policy: &Policy) -> Result<()> {
    let scored: Vec<&VacancyRecord> = vacancies
        .iter()
        .filter(|v| !v.mode.is_graduatoria() || v.applicants.is_some())
        .collect();
    if !scored.is_empty() {
        // Warm the caches (date bitmaps, labels, page cache) with one roster.
        rosa::roster::roster(index, scored[0], policy)?;
        let timed = one_by_one(index, &scored, policy)?;
        latency_line("roster latency", &timed);
        let mut by_bucket: Vec<Vec<Timed>> = BUCKETS.iter().map(|_| Vec::new()).collect();
        for t in timed {
            by_bucket[bucket(t.eligible)].push(t);
        }
        for ((_, label), timed) in BUCKETS.iter().zip(&by_bucket) {
            if !timed.is_empty() {
                latency_line(&format!("  eligible {label}"), timed);
            }
        }
    }

    // Graduatorie over whole lists (targeted numeric, public selections
    // without applicants): points for every eligible person, reported apart.
    let ranked: Vec<&VacancyRecord> = vacancies
        .iter()
        .filter(|v| v.mode.is_graduatoria() && v.applicants.is_none())
        .collect();
    if !ranked.is_empty() {
        let timed = one_by_one(index, &ranked, policy)?;
        latency_line("graduatoria rosters", &timed);
    }

    // Batch: many vacancies at once, in parallel across vacancies.
    if !scored.is_empty() {
        let t = Instant::now();
        let done: usize = scored
            .par_iter()
            .map(|v| rosa::roster::roster(index, v, policy).map(|_| 1))
            .sum::<rosa::Result<usize>>()?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "  batch               {:>10.0} rosters/s ({done} in {secs:.2} s)",
            done as f64 / secs
        );
    }
    Ok(())
}

/// Opens `dir` three times (the first open follows the release of a built
/// index's memory and, on a virtual machine, may pay for the host handing pages
/// back) and prints the times and the size on disk.
fn reopen_report(dir: &Path) -> Result<rosa::Engine> {
    let mut opens = Vec::new();
    let mut engine = None;
    for _ in 0..3 {
        drop(engine.take());
        let t = Instant::now();
        engine = Some(
            rosa::Engine::open(dir).with_context(|| format!("opening index {}", dir.display()))?,
        );
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
    let mib = |p: &Path| dir_size(p) as f64 / 1048576.0;
    println!(
        "  index size on disk  {:>10.1} MiB (segments {:.1}, snapshots {:.1}, text {:.1}, audit {:.1})",
        mib(dir),
        mib(&dir.join("segments")),
        mib(&dir.join("snapshots")),
        mib(&dir.join("text")),
        mib(&dir.join(rosa::audit::AUDIT_FILE)),
    );
    Ok(engine)
}

/// Runs the report.
pub fn run(a: Args) -> Result<()> {
    match &a.index {
        Some(dir) => run_on_index(dir, &a),
        None => {
            let count = match &a.vacancies {
                None => 200,
                Some(s) => s.parse().map_err(|_| {
                    super::UsageError(format!(
                        "--vacancies: a number of vacancies to generate (a file only with --index), got {s:?}"
                    ))
                })?,
            };
            if a.keep.is_some() && a.profiles.len() != 1 {
                return Err(super::UsageError(
                    "--keep needs one --profile (default or wide)".into(),
                )
                .into());
            }
            for (i, &profile) in a.profiles.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                run_generated(a.candidates, count, a.seed, profile, a.keep.as_deref())?;
            }
            Ok(())
        }
    }
}

fn run_on_index(dir: &Path, a: &Args) -> Result<()> {
    let file = a.vacancies.as_deref().ok_or_else(|| {
        super::UsageError("--index needs --vacancies FILE (one vacancy JSON per line)".into())
    })?;
    let policy = super::load_policy(a.policy.as_deref())?;
    let vacancies: Vec<VacancyRecord> = rosa::model::read_jsonl(Path::new(file))?;
    println!(
        "rosa bench: index {}, {} vacancies from {file}, {} threads",
        dir.display(),
        vacancies.len(),
        rayon::current_num_threads()
    );
    let engine = reopen_report(dir)?;
    println!("  candidates          {:>10}", engine.index().live().len());
    roster_report(engine.index(), &vacancies, &policy)?;
    println!("  peak RSS            {:>10.0} MiB", peak_rss_mib());
    Ok(())
}

fn run_generated(
    candidates: usize,
    vacancies: usize,
    seed: u64,
    profile: Profile,
    keep: Option<&Path>,
) -> Result<()> {
    let as_of = rosa::date::Date::parse("2026-11-01").expect("date");
    let policy = Policy {
        as_of: Some(as_of),
        ..Policy::default()
    };
    println!(
        "rosa bench: profile {}, {candidates} candidates, {vacancies} vacancies, seed {seed}, {} threads",
        profile.name(),
        rayon::current_num_threads()
    );

    let t = Instant::now();
    let data = rosa::gen::generate(&rosa::gen::GenConfig {
        candidates,
        vacancies,
        seed,
        as_of,
        profile,
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

    let engine = reopen_report(&dir)?;
    roster_report(engine.index(), &vacs, &policy)?;

    // One audited roster (appends to the hash-chained log with fsync).
    if let Some(v) = vacs.iter().find(|v| !v.mode.is_graduatoria()) {
        let t = Instant::now();
        engine.roster(v, &policy)?;
        println!(
            "  audited roster      {:>10.2} ms (includes the fsync'd audit append)",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    println!("  peak RSS            {:>10.0} MiB", peak_rss_mib());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_count_once() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(999), 0);
        assert_eq!(bucket(1_000), 1);
        assert_eq!(bucket(49_999), 2);
        assert_eq!(bucket(50_000), 3);
        assert_eq!(bucket(400_000), 4);
    }
}
