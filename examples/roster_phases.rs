//! Where a roster's time goes, phase by phase, on an existing index: the query's
//! preparation, eligibility, BM25 of the eligible, the top-k, the entries'
//! explanations, the narrowing suggestions. Read-only (no audit record).
//!
//! Run: `cargo run --release --example roster_phases -- INDEX VACANCIES.jsonl [ROUNDS]`
//! Prints, per eligible-pool bucket, the mean milliseconds of each phase (`best`:
//! the best BM25 and the top-k, [`roster::best`]); apart, the time of the same
//! with every eligible row's BM25 loaded (the path before `roster::best`), whose
//! result it checks `best` against.

use std::time::Instant;

use rosa::model::VacancyRecord;
use rosa::query::Query;
use rosa::roster;
use rosa::Policy;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PHASES: [&str; 5] = ["query", "eligible", "best", "entries", "narrow"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: roster_phases INDEX VACANCIES.jsonl [ROUNDS]".into());
    }
    let index = rosa::index::Index::open(std::path::Path::new(&args[1]))?;
    let rounds: usize = args.get(3).map_or(Ok(3), |r| r.parse())?;
    let text = std::fs::read_to_string(&args[2])?;
    let vacancies: Vec<VacancyRecord> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let policy = Policy::default();
    // bucket -> (rosters, per-phase ms)
    let buckets = ["< 1k", "1k-10k", "10k-50k", ">= 50k"];
    let mut sums = vec![(0usize, [0f64; 5]); buckets.len()];
    let mut extra = vec![0f64; buckets.len()];
    for round in 0..rounds {
        for v in &vacancies {
            let mut t = Instant::now();
            let mut lap = |ms: &mut [f64; 5], i: usize| {
                ms[i] += t.elapsed().as_secs_f64() * 1e3;
                t = Instant::now();
            };
            let mut ms = [0f64; 5];
            let mut q = Query::new(&index, v, &policy)?;
            lap(&mut ms, 0);
            let el = roster::eligibility(&q, &index);
            lap(&mut ms, 1);
            let (max, best) = roster::best(&mut q, &index, &el.rows, v.cap() as usize)?;
            lap(&mut ms, 2);
            for &(_, row) in &best {
                std::hint::black_box(roster::entry_score(&q, &index, row, max, true));
                std::hint::black_box(rosa::rules::check_all(&q, &index, row));
                std::hint::black_box(q.congruity(&index, row));
            }
            lap(&mut ms, 3);
            std::hint::black_box(roster::narrowing(&q, &index, &el.rows, v.cap()));
            lap(&mut ms, 4);
            // Apart (not in the total): every eligible row's BM25 and the top-k
            // over them all, the path before `roster::best`, which must agree.
            let t0 = Instant::now();
            let mut all = Query::new(&index, v, &policy)?;
            all.load_text(&index, &el.rows)?;
            let all_max = roster::max_bm25(&all, &el.rows);
            let all_best = roster::top_k(&all, &index, &el.rows, all_max, v.cap() as usize);
            let all_ms = t0.elapsed().as_secs_f64() * 1e3;
            if (all_max, &all_best) != (max, &best) {
                return Err(format!("{}: roster::best differs from the full path", v.id).into());
            }
            if round == 0 {
                continue; // warm-up
            }
            let b = match el.rows.len() {
                0..1_000 => 0,
                1_000..10_000 => 1,
                10_000..50_000 => 2,
                _ => 3,
            };
            sums[b].0 += 1;
            extra[b] += all_ms;
            for (s, m) in sums[b].1.iter_mut().zip(ms) {
                *s += m;
            }
        }
    }
    print!("{:<10}{:>6}", "eligible", "n");
    for p in PHASES {
        print!("{p:>10}");
    }
    println!("{:>10}{:>16}", "total", "best, all rows");
    for (b, (name, (n, ms))) in buckets.iter().zip(&sums).enumerate() {
        if *n == 0 {
            continue;
        }
        print!("{name:<10}{n:>6}");
        for m in ms {
            print!("{:>10.2}", m / *n as f64);
        }
        println!(
            "{:>10.2}{:>16.2}",
            ms.iter().sum::<f64>() / *n as f64,
            extra[b] / *n as f64
        );
    }
    Ok(())
}
