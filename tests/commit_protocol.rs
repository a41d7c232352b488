//! Every commit recorded (issue 15): a commit is visible if and only if its
//! audit record is durable, whatever write fails; rewinds of `CURRENT` or of
//! the log are detected; a damaged log tail is repaired; a damaged text index
//! is rebuilt; writers queue for the index lock.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn first_candidate(id: &str) -> Value {
    let mut v: Value = serde_json::from_str(
        std::fs::read_to_string(fixture("candidates.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    v["id"] = id.into();
    v
}

fn upsert_file(dir: &Path, ids: &[&str]) -> PathBuf {
    let p = dir.join(format!("up-{}.jsonl", ids.join("-")));
    let text: String = ids
        .iter()
        .map(|id| format!("{}\n", first_candidate(id)))
        .collect();
    std::fs::write(&p, text).unwrap();
    p
}

fn upsert(
    idx: &Path,
    file: &Path,
    extra: &[&str],
    env: Option<(&str, &str)>,
) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rosa"));
    c.args([
        "index",
        "upsert",
        "--index",
        idx.to_str().unwrap(),
        "--candidates",
        file.to_str().unwrap(),
    ])
    .args(extra);
    if let Some((k, v)) = env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// `rosa audit verify`: (exit code, committed generation, commit records, JSON).
fn verify(idx: &Path) -> (i32, Option<u64>, u64, Value) {
    let out = rosa(&["audit", "verify", "--index", idx.to_str().unwrap()]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap(),
        v["committed_generation"].as_u64(),
        v["commits"].as_u64().unwrap_or(0),
        v,
    )
}

fn tmp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(tmp_files(&p));
        } else if p.extension().is_some_and(|x| x == "tmp") {
            out.push(p);
        }
    }
    out
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_full_disk_at_any_write_of_a_commit_leaves_exit_code_current_and_log_in_agreement() {
    let (tmp, idx) = fixture_index();
    let (code, g0, c0, _) = verify(&idx);
    assert_eq!((code, g0, c0), (0, Some(1), 1));
    let (mut generation, mut commits) = (1u64, 1u64);
    let mut outcomes = Vec::new();
    // The disk fills at the n-th write step of the commit, and stays full.
    for n in 1..=24u32 {
        let id = format!("D{n:03}");
        let file = upsert_file(tmp.path(), &[&id]);
        let out = upsert(
            &idx,
            &file,
            &[],
            Some(("ROSA_FAIL_WRITES_FROM", &n.to_string())),
        );
        let code = out.status.code().unwrap();
        outcomes.push(code);
        // Space is back: what landed must be what the exit code said.
        let (vcode, g, c, v) = verify(&idx);
        assert_eq!(
            vcode,
            0,
            "step {n}: verify after exit {code}: {v}\n{}",
            stderr(&out)
        );
        match code {
            0 => {
                generation += 1;
                commits += 1;
            }
            1 => assert!(
                stderr(&out).contains("No space left on device"),
                "step {n}: {}",
                stderr(&out)
            ),
            other => panic!("step {n}: exit {other}: {}", stderr(&out)),
        }
        assert_eq!(
            (g, c),
            (Some(generation), commits),
            "step {n}, exit {code}: {v}"
        );
        let index = rosa::index::Index::open(&idx).unwrap();
        assert_eq!(index.generation(), generation, "step {n}");
        assert_eq!(index.row_of(&id).is_some(), code == 0, "step {n}: {id}");
        assert_eq!(
            tmp_files(&idx),
            Vec::<PathBuf>::new(),
            "step {n}: temporary files left"
        );
    }
    // Early steps fail (nothing landed), later ones land (the record was durable).
    assert_eq!(outcomes[0], 1);
    assert_eq!(*outcomes.last().unwrap(), 0, "{outcomes:?}");
    let first_ok = outcomes.iter().position(|&c| c == 0).unwrap();
    assert!(outcomes[first_ok..].iter().all(|&c| c == 0), "{outcomes:?}");
    // And the next commit, with space back, proceeds on top of all that.
    let out = upsert(&idx, &upsert_file(tmp.path(), &["D999"]), &[], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, g, _, v) = verify(&idx);
    assert_eq!((code, g), (0, Some(generation + 1)), "{v}");
    let roster = fixture_roster(&idx, &[]);
    assert_eq!(roster["index_generation"], generation + 1);
    audit_ok(&idx, "replay");
}

#[test]
fn a_rewound_current_or_log_is_an_error_that_says_so() {
    let (tmp, idx) = fixture_index();
    let dir = |p: &str| idx.join(p);
    let saved_current_g1 = std::fs::read(dir("CURRENT")).unwrap();
    for id in ["R001", "R002"] {
        assert!(upsert(&idx, &upsert_file(tmp.path(), &[id]), &[], None)
            .status
            .success());
    }
    let saved_current_g3 = std::fs::read(dir("CURRENT")).unwrap();
    let saved_log = std::fs::read(dir("audit.log")).unwrap();
    let restore = || {
        std::fs::write(dir("CURRENT"), &saved_current_g3).unwrap();
        std::fs::write(dir("audit.log"), &saved_log).unwrap();
    };
    let roster_fails_saying = |what: &str| {
        let out = rosa(&[
            "roster",
            "--index",
            idx.to_str().unwrap(),
            "--vacancy",
            fixture("vacancy.json").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains(what), "{}", stderr(&out));
        let (code, _, _, v) = verify(&idx);
        assert_eq!(code, 1, "verify must fail: {v}");
    };

    // An older manifest copied over CURRENT.
    std::fs::copy(dir("manifests/m000001.json"), dir("CURRENT")).unwrap();
    roster_fails_saying("rewound");
    // ... and an upsert does not reuse the later generations either.
    let out = upsert(&idx, &upsert_file(tmp.path(), &["R009"]), &[], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("rewound"), "{}", stderr(&out));
    restore();

    // The saved CURRENT of generation 1 (with its own log position), and the
    // later manifests deleted: the log still knows generation 3.
    std::fs::write(dir("CURRENT"), &saved_current_g1).unwrap();
    let m2 = std::fs::read(dir("manifests/m000002.json")).unwrap();
    let m3 = std::fs::read(dir("manifests/m000003.json")).unwrap();
    std::fs::remove_file(dir("manifests/m000002.json")).unwrap();
    std::fs::remove_file(dir("manifests/m000003.json")).unwrap();
    roster_fails_saying("rewound");
    std::fs::write(dir("manifests/m000002.json"), m2).unwrap();
    std::fs::write(dir("manifests/m000003.json"), m3).unwrap();
    restore();

    // The log truncated before the committed generation's record, or deleted.
    std::fs::write(dir("audit.log"), &saved_log[..saved_log.len() / 2]).unwrap();
    roster_fails_saying("truncated, deleted or replaced");
    std::fs::remove_file(dir("audit.log")).unwrap();
    roster_fails_saying("audit.log is missing");
    restore();

    let roster = fixture_roster(&idx, &[]);
    assert_eq!(roster["index_generation"], 3);
    assert_eq!(verify(&idx).0, 0);
}

#[test]
fn a_commit_whose_current_switch_did_not_happen_is_completed_from_its_manifest_and_record() {
    let (tmp, idx) = fixture_index();
    let g1 = std::fs::read(idx.join("CURRENT")).unwrap();
    assert!(upsert(&idx, &upsert_file(tmp.path(), &["S001"]), &[], None)
        .status
        .success());
    // As if the switch had failed after the record was written.
    std::fs::write(idx.join("CURRENT"), g1).unwrap();
    let out = rosa(&[
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        fixture("vacancy.json").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("completed from manifests/m000002.json"),
        "{}",
        stderr(&out)
    );
    let roster: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(roster["index_generation"], 2);
    let current: Value =
        serde_json::from_slice(&std::fs::read(idx.join("CURRENT")).unwrap()).unwrap();
    assert_eq!(current["generation"], 2, "CURRENT was rewritten");
    assert_eq!(verify(&idx).0, 0);
}

#[test]
fn a_damaged_log_tail_stops_commands_until_audit_repair_cuts_it() {
    let (tmp, idx) = fixture_index();
    fixture_roster(&idx, &[]); // seq 2: a roster
    let log = idx.join("audit.log");
    let damage_last_line = || {
        let text = std::fs::read_to_string(&log).unwrap();
        let body = text.strip_suffix('\n').unwrap();
        let cut = body.rfind('\n').map_or(0, |p| p + 1);
        let mut damaged = text[..cut].to_string();
        damaged.push_str(&body[cut..].replace("\"seq\":", "\"sq\":")[..40]);
        damaged.push('\n');
        std::fs::write(&log, damaged).unwrap();
    };
    damage_last_line();
    let out = upsert(&idx, &upsert_file(tmp.path(), &["T001"]), &[], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("rosa audit repair"),
        "{}",
        stderr(&out)
    );
    assert_eq!(verify(&idx).0, 1);

    let out = rosa(&["audit", "repair", "--index", idx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["dropped_lines"], 1, "{r}");
    assert!(
        r["dropped"][0].as_str().unwrap().starts_with("line 2: "),
        "{r}"
    );
    assert_eq!(r["recovered"], serde_json::json!([]));
    assert!(stderr(&out).contains("dropped line 2"), "{}", stderr(&out));
    assert_eq!(verify(&idx).0, 0);
    assert!(upsert(&idx, &upsert_file(tmp.path(), &["T001"]), &[], None)
        .status
        .success());

    // The damaged line is the record of the committed generation: cut, and
    // recorded again from the manifest.
    damage_last_line();
    assert_eq!(
        rosa(&[
            "roster",
            "--index",
            idx.to_str().unwrap(),
            "--vacancy",
            fixture("vacancy.json").to_str().unwrap()
        ])
        .status
        .code(),
        Some(1)
    );
    let out = rosa(&["audit", "repair", "--index", idx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["recovered"], serde_json::json!([2]), "{r}");
    let (code, g, _, v) = verify(&idx);
    assert_eq!((code, g), (0, Some(2)), "{v}");
    let roster = fixture_roster(&idx, &[]);
    assert_eq!(roster["index_generation"], 2);
    // A repaired log needs no second repair.
    let out = rosa(&["audit", "repair", "--index", idx.to_str().unwrap()]);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["dropped_lines"].as_u64(), r["recovered"].clone()),
        (Some(0), serde_json::json!([]))
    );
}

#[test]
fn a_missing_or_damaged_text_index_file_is_rebuilt_from_the_records() {
    let (tmp, idx) = fixture_index();
    let before = fixture_roster(&idx, &[]);
    let text = idx.join("text");
    let victims: Vec<PathBuf> = std::fs::read_dir(&text)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pos" || x == "idx"))
        .collect();
    assert!(!victims.is_empty());
    std::fs::remove_file(&victims[0]).unwrap();
    let after = fixture_roster(&idx, &[]);
    assert_eq!(before["entries"], after["entries"]);
    // A commit rewrites the disk copy; the next open uses it again.
    assert!(upsert(&idx, &upsert_file(tmp.path(), &["U001"]), &[], None)
        .status
        .success());
    let index = rosa::index::Index::open(&idx).unwrap();
    assert!(
        !index.text_rebuilt(),
        "the disk text index was not rewritten"
    );
    // A damaged one (bytes flipped) too.
    let victim = std::fs::read_dir(&text)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pos"))
        .unwrap();
    let mut bytes = std::fs::read(&victim).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xFF;
    std::fs::write(&victim, bytes).unwrap();
    let index = rosa::index::Index::open(&idx).unwrap();
    assert!(index.text_rebuilt());
    let again = fixture_roster(&idx, &[]);
    assert_eq!(again["index_generation"], 2);
}

#[test]
fn verify_cross_checks_the_log_against_the_manifests() {
    let (tmp, idx) = fixture_index();
    assert!(upsert(&idx, &upsert_file(tmp.path(), &["V001"]), &[], None)
        .status
        .success());
    let (code, g, commits, _) = verify(&idx);
    assert_eq!((code, g, commits), (0, Some(2), 2));
    let m = idx.join("manifests/m000002.json");
    let saved = std::fs::read(&m).unwrap();
    std::fs::remove_file(&m).unwrap();
    let (code, _, _, v) = verify(&idx);
    assert_eq!(code, 1);
    assert!(
        v["problems"][0]
            .as_str()
            .unwrap()
            .contains("m000002.json is missing"),
        "{v}"
    );
    std::fs::write(&m, saved).unwrap();
    assert_eq!(verify(&idx).0, 0);
}

#[test]
fn a_writer_waits_for_the_lock_saying_for_whom_and_gives_up_past_its_wait() {
    use std::io::Write;
    let (tmp, idx) = fixture_index();
    let mut lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(idx.join("LOCK"))
        .unwrap();
    lock.lock().unwrap();
    lock.set_len(0).unwrap();
    lock.write_all(b"pid 4242 since 2026-12-01T10:00:00Z\n")
        .unwrap();
    let file = upsert_file(tmp.path(), &["W001"]);
    let out = upsert(&idx, &file, &["--wait", "1"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("waiting"), "{err}");
    assert!(
        err.contains("index is being written by pid 4242 since 2026-12-01T10:00:00Z"),
        "{err}"
    );
    assert!(
        !err.to_lowercase().contains("tantivy") && !err.contains("LockBusy"),
        "{err}"
    );
    // A writer with the default wait goes on once the lock is released.
    let mut child = Command::new(env!("CARGO_BIN_EXE_rosa"))
        .args([
            "index",
            "upsert",
            "--index",
            idx.to_str().unwrap(),
            "--candidates",
            file.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Released once the writer says it is waiting (not after a fixed sleep: on a
    // loaded machine the process may take longer than any sleep to get there).
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("pid 4242") {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut err, &mut line).unwrap() == 0 {
            break;
        }
        said.push_str(&line);
    }
    lock.unlock().unwrap();
    std::io::Read::read_to_string(&mut err, &mut said).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{said}");
    assert!(
        said.contains("waiting") && said.contains("pid 4242"),
        "{said}"
    );
    assert_eq!(verify(&idx).1, Some(2));
}

#[test]
fn two_writers_started_together_both_commit_one_after_the_other() {
    let (tmp, idx) = fixture_index();
    let files: Vec<PathBuf> = (0..3)
        .map(|i| {
            let ids: Vec<String> = (0..20).map(|j| format!("P{i}{j:02}")).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            upsert_file(tmp.path(), &ids)
        })
        .collect();
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            Command::new(env!("CARGO_BIN_EXE_rosa"))
                .args([
                    "index",
                    "upsert",
                    "--index",
                    idx.to_str().unwrap(),
                    "--candidates",
                    f.to_str().unwrap(),
                ])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let (code, g, commits, v) = verify(&idx);
    assert_eq!((code, g, commits), (0, Some(4), 4), "{v}");
    let index = rosa::index::Index::open(&idx).unwrap();
    for i in 0..3 {
        for j in 0..20 {
            assert!(index.row_of(&format!("P{i}{j:02}")).is_some());
        }
    }
}
