//! Index lifecycle: incremental upserts and removals, outcomes, the audit chain,
//! crash safety under SIGKILL, readers during writes, private permissions.

mod common;

use common::*;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn roster(idx: &Path) -> Value {
    fixture_roster(idx, &[])
}

fn ids(r: &Value) -> Vec<String> {
    r["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["candidate_id"].as_str().unwrap().to_string())
        .collect()
}

fn first_candidate() -> Value {
    serde_json::from_str(
        std::fs::read_to_string(fixture("candidates.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn upsert_remove_and_outcome_are_visible_to_the_next_query_with_increasing_generations() {
    let (tmp, idx) = fixture_index();
    let before = roster(&idx);
    assert_eq!(before["index_generation"], 1);

    // A new person better than everyone (certified, long experience) and an
    // update that makes C005 ineligible (moves to Rome).
    let mut new = first_candidate();
    new["id"] = "C100".into();
    new["did_date"] = "2025-11-01".into();
    let mut moved: Value = serde_json::from_str(
        std::fs::read_to_string(fixture("candidates.jsonl"))
            .unwrap()
            .lines()
            .nth(4)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(moved["id"], "C005");
    moved["domicile"] = "058091".into();
    let up = tmp.path().join("up.jsonl");
    std::fs::write(&up, format!("{new}\n{moved}\n")).unwrap();
    rosa_ok(&[
        "index",
        "upsert",
        "--index",
        idx.to_str().unwrap(),
        "--candidates",
        up.to_str().unwrap(),
    ]);
    let after = roster(&idx);
    assert_eq!(after["index_generation"], 2);
    assert_eq!(after["pool"], 14);
    assert_eq!(
        ids(&after),
        ["C100", "C001", "C003", "C004", "C013", "C002"],
        "C100 ties C001 and has the earlier DID"
    );
    assert_eq!(after["excluded"]["distance"], 2);

    rosa_ok(&[
        "outcome",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        "V001",
        "--candidate",
        "C100",
        "--result",
        "hired",
    ]);
    let hired = roster(&idx);
    assert_eq!(hired["index_generation"], 3);
    assert_eq!(
        hired["pool"], 13,
        "a hired person leaves the available pool"
    );
    assert!(!ids(&hired).contains(&"C100".to_string()));

    rosa_ok(&[
        "index",
        "remove",
        "--index",
        idx.to_str().unwrap(),
        "--ids",
        "C001,C002",
    ]);
    let removed = roster(&idx);
    assert_eq!(removed["index_generation"], 4);
    assert_eq!(ids(&removed), ["C003", "C004", "C013"]);

    // Removing an unknown id is bad input and changes nothing.
    let out = rosa(&[
        "index",
        "remove",
        "--index",
        idx.to_str().unwrap(),
        "--ids",
        "C003,NOPE",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOPE"));
    assert_eq!(roster(&idx)["index_generation"], 4);
}

#[test]
fn a_bad_upsert_changes_nothing() {
    let (tmp, idx) = fixture_index();
    let before = roster(&idx);
    let mut bad = first_candidate();
    bad["id"] = "C200".into();
    bad["education_eqf"] = 12.into();
    let mut good = first_candidate();
    good["id"] = "C201".into();
    let up = tmp.path().join("up.jsonl");
    std::fs::write(&up, format!("{good}\n{bad}\n")).unwrap();
    let out = rosa(&[
        "index",
        "upsert",
        "--index",
        idx.to_str().unwrap(),
        "--candidates",
        up.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("up.jsonl:2: C200: education_eqf"));
    let after = roster(&idx);
    assert_eq!(after["index_generation"], before["index_generation"]);
    assert_eq!(after["pool"], before["pool"]);
}

#[test]
fn audit_chain_verifies_replays_and_names_the_first_altered_record() {
    let (tmp, idx) = fixture_index();
    roster(&idx);
    let mut new = first_candidate();
    new["id"] = "C300".into();
    let up = tmp.path().join("up.jsonl");
    std::fs::write(&up, format!("{new}\n")).unwrap();
    rosa_ok(&[
        "index",
        "upsert",
        "--index",
        idx.to_str().unwrap(),
        "--candidates",
        up.to_str().unwrap(),
    ]);
    roster(&idx);
    rosa_ok(&[
        "explain",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        fixture("vacancy.json").to_str().unwrap(),
        "--candidate",
        "C006",
    ]);

    let v: Value = audit_ok(&idx, "verify");
    assert_eq!(v["ok"], true);
    assert_eq!(v["records"], 5, "build, roster, upsert, roster, explain");

    // Both rosters replay on their own generation with the same output hash.
    let r: Value = audit_ok(&idx, "replay");
    let statuses: Vec<(u64, &str)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["index_generation"].as_u64().unwrap(),
                x["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(statuses, [(1, "match"), (2, "match")]);

    // Alter the third record (an upsert) and the chain breaks there.
    let log = idx.join("audit.log");
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = lines[2].replace("\"kind\":\"upsert\"", "\"kind\":\"remove\"");
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let out = rosa(&["audit", "verify", "--index", idx.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["first_broken"][0], 3, "{v}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("record 3"));
}

/// The contract (ARCHITECTURE, index): directories 0700, files 0600, exactly.
/// The mode bits are checked whoever runs the test (root included: what is
/// checked is the bits, not whether another user could open the file).
#[test]
fn index_files_are_0600_and_directories_0700() {
    let (_tmp, idx) = fixture_index();
    roster(&idx);
    let (mut files, mut dirs) = (0, 0);
    let mut stack = vec![idx.clone()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        if meta.is_dir() {
            dirs += 1;
            assert_eq!(
                mode,
                0o700,
                "{} is a directory of mode {mode:o}",
                p.display()
            );
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else {
            files += 1;
            assert!(meta.is_file(), "{} is not a regular file", p.display());
            assert_eq!(mode, 0o600, "{} is a file of mode {mode:o}", p.display());
        }
    }
    // CURRENT, the audit log, a segment, a manifest, a snapshot, tantivy's files...
    assert!(files >= 5 && dirs >= 4, "{files} files, {dirs} directories");
}

fn generated(dir: &Path, n: usize, seed: u64) -> std::path::PathBuf {
    let out = dir.join(format!("gen{seed}"));
    rosa_ok(&[
        "gen",
        "--candidates",
        &n.to_string(),
        "--vacancies",
        "0",
        "--seed",
        &seed.to_string(),
        "--as-of",
        "2026-11-01",
        "--out",
        out.to_str().unwrap(),
    ]);
    out.join("candidates.jsonl")
}

/// Kills `rosa index upsert` / `build` at varied moments and checks the index
/// always reopens at the old or the new generation, whole.
#[test]
fn sigkill_mid_write_leaves_the_old_or_the_new_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let base = generated(tmp.path(), 2000, 1);
    let more = generated(tmp.path(), 3000, 2);
    // Ids of seed 2 overlap seed 1's (same id scheme): the upsert replaces 2000
    // and adds 1000, so the pool goes 2000 -> 3000.
    let idx = tmp.path().join("idx");
    rosa_ok(&[
        "index",
        "build",
        "--candidates",
        base.to_str().unwrap(),
        "--index",
        idx.to_str().unwrap(),
    ]);
    // Time one whole upsert, then kill at fractions of that time (and beyond).
    let t = std::time::Instant::now();
    rosa_ok(&[
        "index",
        "upsert",
        "--candidates",
        more.to_str().unwrap(),
        "--index",
        idx.to_str().unwrap(),
    ]);
    let full = t.elapsed().as_millis() as u64;
    let mut seen_new = false;
    for i in 0..12u64 {
        let before = roster(&idx);
        let g0 = before["index_generation"].as_u64().unwrap();
        let (verb, file) = if i % 3 == 2 {
            ("build", &base)
        } else {
            ("upsert", &more)
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_rosa"))
            .args([
                "index",
                verb,
                "--candidates",
                file.to_str().unwrap(),
                "--index",
                idx.to_str().unwrap(),
            ])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(full * (i + 1) / 10));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let after = roster(&idx);
        let g1 = after["index_generation"].as_u64().unwrap();
        assert!(
            g1 == g0 || g1 == g0 + 1,
            "iteration {i}: generation {g0} -> {g1}"
        );
        let pool = after["pool"].as_u64().unwrap();
        assert!(pool == 2000 || pool == 3000, "iteration {i}: pool {pool}");
        let expected = match (verb, g1 == g0) {
            ("build", false) => 2000,
            ("upsert", false) => 3000,
            _ => before["pool"].as_u64().unwrap(),
        };
        assert_eq!(
            pool, expected,
            "iteration {i}: {verb} killed, generation {g0} -> {g1}"
        );
        if g1 == g0 + 1 {
            seen_new = true;
        }
        if status.success() {
            assert_eq!(g1, g0 + 1, "a finished write is visible");
        }
        let v: Value = audit_ok(&idx, "verify");
        assert_eq!(v["ok"], true, "iteration {i}: {v}");
    }
    assert!(seen_new, "some write finished within the delays tried");
}

/// Readers keep answering, each on one committed generation, while a writer commits.
#[test]
fn readers_during_writes_see_a_consistent_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let base = generated(tmp.path(), 1500, 3);
    let more = generated(tmp.path(), 2500, 4);
    let idx = tmp.path().join("idx");
    rosa_ok(&[
        "index",
        "build",
        "--candidates",
        base.to_str().unwrap(),
        "--index",
        idx.to_str().unwrap(),
    ]);
    // The writer starts each upsert only once a reader has finished a roster
    // that it started after the previous commit: readers are then sure to
    // answer on generations 1, 2 and 3 while the writer is still at work (and
    // on any generation while an upsert is under way).
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let committed = Arc::new(AtomicU64::new(1)); // last generation committed
    let read_on = Arc::new(AtomicU64::new(0)); // `committed` when the last finished read started
    let writer = {
        let (idx, more) = (idx.clone(), more.clone());
        let (committed, read_on) = (committed.clone(), read_on.clone());
        std::thread::spawn(move || {
            for g in 2..=4 {
                while read_on.load(Ordering::SeqCst) < g - 1 {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                rosa_ok(&[
                    "index",
                    "upsert",
                    "--candidates",
                    more.to_str().unwrap(),
                    "--index",
                    idx.to_str().unwrap(),
                ]);
                committed.store(g, Ordering::SeqCst);
            }
        })
    };
    let mut seen = std::collections::BTreeSet::new();
    while !writer.is_finished() {
        let started_after = committed.load(Ordering::SeqCst);
        let r = roster(&idx);
        let g = r["index_generation"].as_u64().unwrap();
        let pool = r["pool"].as_u64().unwrap();
        assert_eq!(
            pool,
            if g == 1 { 1500 } else { 2500 },
            "generation {g} with pool {pool}"
        );
        assert!(
            g >= started_after,
            "a roster started after generation {started_after} was committed answered on {g}"
        );
        seen.insert(g);
        read_on.store(started_after, Ordering::SeqCst);
    }
    writer.join().unwrap();
    assert_eq!(roster(&idx)["index_generation"], 4);
    assert!(
        seen.len() >= 2 && [1, 2, 3].iter().all(|g| seen.contains(g)),
        "readers during the writes saw generations {seen:?}"
    );
}

#[test]
fn a_torn_last_audit_record_is_dropped_by_the_next_append() {
    let (_tmp, idx) = fixture_index();
    roster(&idx);
    let log = idx.join("audit.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"seq\":3,\"time\":\"2026-");
    std::fs::write(&log, &text).unwrap();
    let out = rosa(&["audit", "verify", "--index", idx.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "a torn tail is reported");
    roster(&idx);
    let v: Value = audit_ok(&idx, "verify");
    assert_eq!(v["ok"], true);
    assert_eq!(v["records"], 3);
}
