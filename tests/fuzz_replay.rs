//! Replays the fuzz corpora and every crash the fuzzers found, on stable, as
//! ordinary tests: each file under `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/` goes through the same `rosa::fuzzing` function
//! the cargo-fuzz target calls, and must not panic.

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for kind in ["corpus", "regressions"] {
        let dir = fuzz.join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file() {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no corpus for fuzz target {target} under fuzz/corpus/{target}"
    );
    let mut failed = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            failed.push(f.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "fuzz target {target} panicked on {} of {} inputs:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

#[test]
fn candidate_jsonl_corpus_and_crashes_do_not_panic() {
    replay("candidate_jsonl", rosa::fuzzing::candidate_jsonl);
}

#[test]
fn vacancy_json_corpus_and_crashes_do_not_panic() {
    replay("vacancy_json", rosa::fuzzing::vacancy_json);
}

#[test]
fn policy_toml_corpus_and_crashes_do_not_panic() {
    replay("policy_toml", rosa::fuzzing::policy_toml);
}

#[test]
fn index_reopen_corpus_and_crashes_do_not_panic() {
    replay("index_reopen", rosa::fuzzing::index_reopen);
}

#[test]
fn cliclavoro_candidatura_corpus_and_crashes_do_not_panic() {
    replay("cliclavoro_candidatura", rosa::fuzzing::cliclavoro_candidatura);
}

#[test]
fn cliclavoro_vacancy_corpus_and_crashes_do_not_panic() {
    replay("cliclavoro_vacancy", rosa::fuzzing::cliclavoro_vacancy);
}
