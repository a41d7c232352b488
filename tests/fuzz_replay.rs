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
    replay(
        "cliclavoro_candidatura",
        rosa::fuzzing::cliclavoro_candidatura,
    );
}

#[test]
fn cliclavoro_vacancy_corpus_and_crashes_do_not_panic() {
    replay("cliclavoro_vacancy", rosa::fuzzing::cliclavoro_vacancy);
}

/// A few hundred mutations of the ClicLavoro seeds on stable (byte flips, cuts, repeats
/// and XML fragments spliced in), through the fuzz targets' functions: a short stand-in
/// for a cargo-fuzz run where none is installed. Deterministic (fixed seed).
#[test]
fn cliclavoro_seed_mutations_do_not_panic() {
    let fragments: &[&[u8]] = &[
        b"<!DOCTYPE x [<!ENTITY a \"b\">]>",
        b"&a;",
        b"&#0;",
        b"<![CDATA[</cl:Candidatura>]]>",
        b"<cl:Lingue><cl:idlingua>ENG</cl:idlingua><cl:idlivelloparlato>C2</cl:idlivelloparlato></cl:Lingue>",
        b"<cl:EsperienzeLavorative><cl:qualificasvolta>9.9.9.9.9.99</cl:qualificasvolta><cl:datainizio>2030-01-01</cl:datainizio></cl:EsperienzeLavorative>",
        b"<idtipologiacontratto>Z99</idtipologiacontratto>",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"<a xmlns:cl=\"urn:x\">",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (target, run) in [
        (
            "cliclavoro_candidatura",
            rosa::fuzzing::cliclavoro_candidatura as fn(&[u8]),
        ),
        ("cliclavoro_vacancy", rosa::fuzzing::cliclavoro_vacancy),
    ] {
        let seeds: Vec<Vec<u8>> = inputs(target)
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .filter(|s| !s.is_empty())
            .collect();
        for i in 0..300 {
            let mut data = seeds[i % seeds.len()].clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % (data.len() + 1);
                match next() % 5 {
                    0 if !data.is_empty() => {
                        let j = at.min(data.len() - 1);
                        data[j] ^= 1 << (next() % 8);
                    }
                    1 => data.truncate(at),
                    2 => {
                        let f = fragments[(next() as usize) % fragments.len()];
                        data.splice(at..at, f.iter().copied());
                    }
                    3 => {
                        let end = (at + (next() as usize) % 64).min(data.len());
                        let piece = data[at..end].to_vec();
                        data.splice(at..at, piece);
                    }
                    _ => {
                        let end = (at + (next() as usize) % 32).min(data.len());
                        data.drain(at..end);
                    }
                }
            }
            let r = std::panic::catch_unwind(|| run(&data));
            assert!(
                r.is_ok(),
                "{target} panicked on mutation {i}:\n{}",
                String::from_utf8_lossy(&data)
            );
        }
    }
}
