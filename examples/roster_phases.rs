//! Where a roster's time goes, phase by phase, on an existing index: the query's
//! preparation, eligibility, BM25 of the eligible, the top-k, the entries'
//! explanations, the narrowing suggestions. Read-only (no audit record).
//!
//! Run: `cargo run --release --example roster_phases -- INDEX VACANCIES.jsonl [ROUNDS]`
//! Prints, per eligible-pool bucket, the mean milliseconds of each phase; apart, the
//! time of the top-k's bounds alone (one thread) and the share of rows it scores in full.

use std::time::Instant;

use rosa::model::VacancyRecord;
use rosa::query::Query;
use rosa::roster;
use rosa::Policy;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PHASES: [&str; 7] = [
    "query", "eligible", "bm25", "max", "top_k", "entries", "narrow",
];

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
    let mut sums = vec![(0usize, [0f64; 7]); buckets.len()];
    let mut extra = vec![(0f64, 0f64); buckets.len()];
    for round in 0..rounds {
        for v in &vacancies {
            let mut t = Instant::now();
            let mut lap = |ms: &mut [f64; 7], i: usize| {
                ms[i] += t.elapsed().as_secs_f64() * 1e3;
                t = Instant::now();
            };
            let mut ms = [0f64; 7];
            let mut q = Query::new(&index, v, &policy)?;
            lap(&mut ms, 0);
            let el = roster::eligibility(&q, &index);
            lap(&mut ms, 1);
            q.load_text(&index, &el.rows)?;
            lap(&mut ms, 2);
            let max = roster::max_bm25(&q, &el.rows);
            lap(&mut ms, 3);
            let best = roster::top_k(&q, &index, &el.rows, max, v.cap() as usize);
            lap(&mut ms, 4);
            // Apart (not in the total): the bounds alone, and how many rows the pruned
            // path scores in full.
            let (bounds_ms, scored) = if q.template.is_none() && el.rows.len() > 256 {
                let t0 = Instant::now();
                let b = rosa::score::Bound::new(&q, &index);
                let bm25 = q.bm25_column(&el.rows);
                let s: f64 = el
                    .rows
                    .iter()
                    .zip(&bm25)
                    .map(|(&r, &x)| b.of(&q, &index, r, x, max).0)
                    .sum();
                std::hint::black_box(s);
                let ms = t0.elapsed().as_secs_f64() * 1e3;
                let p = roster::top_k_pruned(
                    &q,
                    &index,
                    &el.rows,
                    max,
                    v.cap() as usize,
                    (4 * v.cap() as usize).max(64),
                );
                (ms, p.scored)
            } else {
                (0.0, el.rows.len())
            };
            lap(&mut [0f64; 7], 0); // restart the clock
            for &(_, row) in &best {
                std::hint::black_box(roster::entry_score(&q, &index, row, max, true));
                std::hint::black_box(rosa::rules::check_all(&q, &index, row));
                std::hint::black_box(q.congruity(&index, row));
            }
            lap(&mut ms, 5);
            std::hint::black_box(roster::narrowing(&q, &index, &el.rows, v.cap()));
            lap(&mut ms, 6);
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
            extra[b].0 += bounds_ms;
            extra[b].1 += scored as f64 / el.rows.len().max(1) as f64;
            for (s, m) in sums[b].1.iter_mut().zip(ms) {
                *s += m;
            }
        }
    }
    print!("{:<10}{:>6}", "eligible", "n");
    for p in PHASES {
        print!("{p:>10}");
    }
    println!("{:>10}{:>14}{:>10}", "total", "bounds alone", "scored");
    for (name, (n, ms)) in buckets.iter().zip(&sums) {
        if *n == 0 {
            continue;
        }
        print!("{name:<10}{n:>6}");
        for m in ms {
            print!("{:>10.2}", m / *n as f64);
        }
        let (b, sc) = extra[buckets.iter().position(|x| x == name).unwrap()];
        println!(
            "{:>10.2}{:>14.2}{:>9.1}%",
            ms.iter().sum::<f64>() / *n as f64,
            b / *n as f64,
            100.0 * sc / *n as f64
        );
    }
    Ok(())
}
