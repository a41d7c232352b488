//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of a file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs the rosa binary.
pub fn rosa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rosa"))
        .args(args)
        .output()
        .expect("rosa runs")
}

/// Runs rosa and expects success; returns stdout.
pub fn rosa_ok(args: &[&str]) -> String {
    let out = rosa(args);
    assert!(
        out.status.success(),
        "rosa {args:?} failed with {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// `rosa audit <verb> --index idx` (verify, replay), expected to succeed, as JSON.
pub fn audit_ok(idx: &Path, verb: &str) -> serde_json::Value {
    let out = rosa_ok(&["audit", verb, "--index", idx.to_str().unwrap()]);
    serde_json::from_str(&out).expect("audit prints JSON")
}

/// The roster of the fixture vacancy under the fixture policy, as JSON, with
/// `extra` flags appended.
pub fn fixture_roster(idx: &Path, extra: &[&str]) -> serde_json::Value {
    let (vacancy, policy) = (fixture("vacancy.json"), fixture("policy.toml"));
    let mut args = vec![
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        vacancy.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&rosa_ok(&args)).expect("roster JSON")
}

/// Builds an index of the fixture candidates in a fresh temp dir.
pub fn fixture_index() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    rosa_ok(&[
        "index",
        "build",
        "--candidates",
        fixture("candidates.jsonl").to_str().unwrap(),
        "--index",
        idx.to_str().unwrap(),
    ]);
    (tmp, idx)
}

/// [`rosa::roster::best`] (the roster's path: the best BM25 found without scoring
/// every row, classes of rows read from bitmaps, BM25 loaded lazily) gives the
/// best BM25 and the top-k of loading every eligible row's BM25 and scoring
/// them all, and loads the BM25 of the rows it returns. Returns 1 when the pool
/// took the wide path.
pub fn check_best(
    index: &rosa::index::Index,
    v: &rosa::model::VacancyRecord,
    policy: &rosa::Policy,
    rows: &[u32],
    max: f32,
) -> usize {
    let words = format!("{} {}", v.title, v.text);
    assert_eq!(
        index.text().max_among(&words, rows).expect("max"),
        max,
        "vacancy {}: best BM25 of {} eligible",
        v.id,
        rows.len()
    );
    let mut full = rosa::query::Query::new(index, v, policy).expect("valid vacancy");
    full.load_text(index, rows).expect("text");
    for k in [v.cap() as usize, 3, 1] {
        let mut q = rosa::query::Query::new(index, v, policy).expect("valid vacancy");
        let (got_max, got) = rosa::roster::best(&mut q, index, rows, k).expect("best");
        assert_eq!(got_max, max, "vacancy {}", v.id);
        assert_eq!(
            got,
            rosa::roster::top_k_exhaustive(&full, index, rows, max, k),
            "vacancy {} ({} eligible), k {k}",
            v.id,
            rows.len()
        );
        for &(_, r) in &got {
            assert_eq!(q.bm25(r), full.bm25(r), "vacancy {} row {r}: BM25", v.id);
        }
    }
    usize::from(rows.len() * 32 >= index.len() && rows.len() > 256)
}
