//! `rosa demo`: the main job on the embedded data, end to end, in seconds.

use anyhow::Result;
use rosa::model::Mode;
use rosa::Policy;

/// Generates a sample over the real comuni, indexes it in a temporary directory,
/// and prints one roster as a table and another as JSON.
pub fn run(candidates: usize, vacancies: usize, seed: u64) -> Result<()> {
    let started = std::time::Instant::now();
    let as_of = rosa::date::Date::today();
    let data = rosa::gen::generate(&rosa::gen::GenConfig {
        candidates,
        vacancies,
        seed,
        as_of,
        profile: rosa::gen::Profile::Default,
    });
    let tmp = tempfile::Builder::new().prefix("rosa-demo-").tempdir()?;
    let dir = tmp.path().join("index");
    let engine = super::build_index(
        &dir,
        data.candidates,
        data.vacancies.clone(),
        rosa::index::lock::WriterWait::default(),
    )?;
    eprintln!(
        "rosa demo: generated and indexed {} candidates and {} vacancies (seed {seed}, as of {as_of}) in {:.1} s",
        engine.index().len(),
        engine.index().vacancies().len(),
        started.elapsed().as_secs_f64()
    );
    let policy = Policy {
        as_of: Some(as_of),
        ..Policy::default()
    };
    // The two preselection vacancies with the most eligible people, so that the
    // example shows a full roster and the narrowing advice.
    let mut shown = 0;
    for v in data
        .vacancies
        .iter()
        .filter(|v| v.mode == Mode::Preselection)
    {
        let roster = engine.roster(v, &policy)?;
        if roster.entries.len() < 5 {
            continue;
        }
        if shown == 0 {
            println!("{}\n", super::table::roster(&roster, v));
        } else {
            println!("{}", serde_json::to_string_pretty(&roster)?);
            break;
        }
        shown += 1;
    }
    eprintln!(
        "rosa demo: done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
