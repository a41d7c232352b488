//! Embedding rosa in a CPI system: build an index from records in memory, ask
//! for a roster, read the explanation of each entry.
//!
//! Run: `cargo run --release --example embed`

use rosa::model::{parse_record, CandidateRecord, VacancyRecord};
use rosa::{Engine, Policy};

const CANDIDATES: &str = include_str!("../tests/fixtures/candidates.jsonl");
const VACANCY: &str = include_str!("../tests/fixtures/vacancy.json");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Records from your systems: parse and validate at the boundary.
    //    Errors name the line, the record id and the field.
    let candidates = CANDIDATES
        .lines()
        .enumerate()
        .map(|(i, line)| parse_record::<CandidateRecord>(line, "candidates", i + 1))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|errors| format!("{}", errors[0]))?;
    let vacancy: VacancyRecord =
        parse_record(VACANCY, "vacancy", 0).map_err(|e| format!("{}", e[0]))?;

    // 2. An index: in memory here; `Engine::build(dir, ..)` persists it and
    //    `Engine::open(dir)` reopens it.
    let engine = Engine::in_memory(candidates, Vec::new())?;

    // 3. A policy: built-in defaults, with the reference date fixed so that
    //    the roster is reproducible.
    let policy = Policy {
        as_of: rosa::date::Date::parse("2026-11-01"),
        ..Policy::default()
    };

    // 4. The roster: at most 15 entries, each with its criteria and rules.
    let roster = engine.roster(&vacancy, &policy)?;
    println!(
        "{}: {} eligible of {}, policy {}",
        roster.vacancy_id, roster.eligible, roster.pool, roster.policy_fingerprint
    );
    for (rule, n) in &roster.excluded.0 {
        println!("  excluded by {rule}: {n}");
    }
    for e in &roster.entries {
        println!("{:>2}. {} score {:.4}", e.rank, e.candidate_id, e.score);
        for c in &e.criteria {
            println!(
                "      {:<10} {:.4} × {:.2} = {:.4}  {}",
                c.name, c.value, c.weight, c.points, c.detail
            );
        }
    }
    Ok(())
}
