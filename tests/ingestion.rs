//! Real-world ingestion (issue 16): exports with a byte-order mark, a DID newer
//! than the last confirmation, broken lines set aside with `--rejects`, writers
//! that queue for the index lock, a server that follows other writers.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture_lines() -> Vec<Value> {
    std::fs::read_to_string(fixture("candidates.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_lines(path: &Path, lines: &[Value]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).unwrap();
}

fn build(idx: &Path, candidates: &Path) -> std::process::Output {
    rosa(&[
        "index",
        "build",
        "--candidates",
        candidates.to_str().unwrap(),
        "--index",
        idx.to_str().unwrap(),
    ])
}

fn explain(idx: &Path, id: &str) -> Value {
    let (vacancy, policy) = (fixture("vacancy.json"), fixture("policy.toml"));
    serde_json::from_str(&rosa_ok(&[
        "explain",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        vacancy.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--candidate",
        id,
    ]))
    .unwrap()
}

fn stale_rule(e: &Value) -> Value {
    e["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "stale")
        .cloned()
        .expect("a stale rule")
}

#[test]
fn a_byte_order_mark_is_accepted_at_the_start_of_jsonl_json_and_toml_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let bom = b"\xEF\xBB\xBF";
    let with_bom = |name: &str, body: &[u8]| -> PathBuf {
        let p = tmp.path().join(name);
        let mut b = bom.to_vec();
        b.extend_from_slice(body);
        // CRLF line ends too, as a Windows export has them.
        let b = String::from_utf8(b).unwrap().replace('\n', "\r\n");
        std::fs::write(&p, b).unwrap();
        p
    };
    let cands = with_bom(
        "c.jsonl",
        &std::fs::read(fixture("candidates.jsonl")).unwrap(),
    );
    let vacancy = with_bom("v.json", &std::fs::read(fixture("vacancy.json")).unwrap());
    let policy = with_bom("p.toml", &std::fs::read(fixture("policy.toml")).unwrap());
    let idx = tmp.path().join("idx");
    let out = build(&idx, &cands);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let with = rosa_ok(&[
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        vacancy.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    let with: Value = serde_json::from_str(&with).unwrap();
    let plain = fixture_roster(&idx, &[]);
    assert_eq!(with["entries"], plain["entries"]);
    assert_eq!(with["policy_fingerprint"], plain["policy_fingerprint"]);
    // The first record (the one after the mark) is indexed under its own id.
    assert!(with["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["candidate_id"] == "C001"));
    // A vacancies batch file with a mark, and an upsert file with one.
    let batch = with_bom(
        "vs.jsonl",
        format!(
            "{}\n",
            serde_json::to_string(
                &serde_json::from_slice::<Value>(&std::fs::read(fixture("vacancy.json")).unwrap())
                    .unwrap()
            )
            .unwrap()
        )
        .as_bytes(),
    );
    rosa_ok(&[
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancies",
        batch.to_str().unwrap(),
    ]);
    let mut first = fixture_lines()[0].clone();
    first["id"] = "C900".into();
    let up = with_bom("u.jsonl", format!("{first}\n").as_bytes());
    rosa_ok(&[
        "index",
        "upsert",
        "--index",
        idx.to_str().unwrap(),
        "--candidates",
        up.to_str().unwrap(),
    ]);
    // A mark anywhere else is still malformed JSON, named by its line.
    let mid = tmp.path().join("mid.jsonl");
    let mut text = std::fs::read_to_string(fixture("candidates.jsonl")).unwrap();
    let second = text.find('\n').unwrap() + 1;
    text.insert(second, '\u{feff}');
    std::fs::write(&mid, text).unwrap();
    let out = build(&tmp.path().join("idx2"), &mid);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mid.jsonl:2:"), "{err}");
}

#[test]
fn a_confirmation_older_than_the_did_counts_from_the_did_and_explain_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = fixture_lines();
    // C001: a new DID after an older confirmation (the export of issue 16).
    lines[0]["did_date"] = "2026-08-01".into();
    lines[0]["availability_confirmed"] = "2025-01-19".into();
    // C003: an old DID, an old confirmation before it: stale from the DID.
    lines[2]["did_date"] = "2025-03-01".into();
    lines[2]["availability_confirmed"] = "2025-01-19".into();
    // C004: a confirmation in the future of as_of (2026-11-01) is no confirmation.
    lines[3]["did_date"] = "2026-03-02".into();
    lines[3]["availability_confirmed"] = "2026-12-15".into();
    let cands = tmp.path().join("c.jsonl");
    write_lines(&cands, &lines);
    let idx = tmp.path().join("idx");
    let out = build(&idx, &cands);
    assert!(
        out.status.success(),
        "a confirmation before the DID must not reject the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let e = explain(&idx, "C001");
    let stale = stale_rule(&e);
    assert_eq!(stale["outcome"], "pass", "{stale}");
    let detail = stale["detail"].as_str().unwrap();
    assert!(
        detail.contains("DID 2026-08-01") && detail.contains("2025-01-19"),
        "{detail}"
    );
    let roster = fixture_roster(&idx, &[]);
    assert!(roster["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["candidate_id"] == "C001"));

    let stale = stale_rule(&explain(&idx, "C003"));
    assert_eq!(stale["outcome"], "fail", "{stale}");
    assert!(
        stale["detail"].as_str().unwrap().contains("DID 2025-03-01"),
        "{stale}"
    );

    let stale = stale_rule(&explain(&idx, "C004"));
    assert_eq!(stale["outcome"], "fail", "{stale}");
    assert!(
        stale["detail"]
            .as_str()
            .unwrap()
            .contains("2026-12-15 successiva al"),
        "the detail is Italian by default: {stale}"
    );
    // Roster and explain agree: the excluded are counted as stale.
    assert!(
        roster["excluded"]["stale"].as_u64().unwrap() >= 2,
        "{roster}"
    );
    for id in ["C003", "C004"] {
        assert!(!roster["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["candidate_id"] == id));
    }
}

#[test]
fn rejects_set_bad_lines_aside_and_commit_the_rest_in_build_and_upsert() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = fixture_lines().iter().map(|l| l.to_string()).collect();
    // Line 2: a bad field; line 4: broken JSON; line 6: a duplicate of line 1's id;
    // line 8: a line too long to keep whole (raw clipped).
    let mut bad = fixture_lines()[1].clone();
    bad["availability"]["max_km"] = 900.into();
    lines[1] = bad.to_string();
    lines[3] = r#"{"id": "C004", "domicile": "015146", "did_date": "#.to_string();
    let mut dup = fixture_lines()[5].clone();
    dup["id"] = "C001".into();
    lines[5] = dup.to_string();
    let mut long = fixture_lines()[7].clone();
    long["cv_text"] = "x".repeat(100_000).into();
    lines[7] = long.to_string();
    let cands = tmp.path().join("c.jsonl");
    std::fs::write(&cands, lines.join("\n") + "\n").unwrap();
    let idx = tmp.path().join("idx");

    // Without --rejects: all or nothing, as before.
    let out = build(&idx, &cands);
    assert_eq!(out.status.code(), Some(2));
    assert!(!idx.join("CURRENT").exists());

    let rejects = tmp.path().join("rejects.jsonl");
    let out = rosa(&[
        "index",
        "build",
        "--candidates",
        cands.to_str().unwrap(),
        "--index",
        idx.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("set aside 4 bad lines"), "{err}");
    let set_aside: Vec<Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(u64, Option<&str>, &str)> = set_aside
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["id"].as_str(),
                r["errors"][0]["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (2, Some("C002"), "availability.max_km"),
            // A line cut inside a value names the field it was cut in.
            (4, Some("C004"), "did_date"),
            (6, Some("C001"), "id"),
            (8, Some("C008"), "cv_text"),
        ]
    );
    assert!(set_aside[1]["raw"]
        .as_str()
        .unwrap()
        .starts_with(r#"{"id": "C004""#));
    assert!(set_aside[3]["raw"].as_str().unwrap().len() <= rosa::model::MAX_REJECT_RAW_BYTES);
    assert!(set_aside[3]["bytes"].as_u64().unwrap() > 100_000);
    assert!(set_aside[1]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));
    let index = rosa::index::Index::open(&idx).unwrap();
    assert_eq!(index.live().len() as usize, lines.len() - 4);
    for id in ["C001", "C003", "C005", "C007"] {
        assert!(index.row_of(id).is_some(), "{id}");
    }
    for id in ["C002", "C004", "C008"] {
        assert!(index.row_of(id).is_none(), "{id}");
    }

    // Upsert: the valid lines land in one commit; exit 0.
    let mut up = fixture_lines()[1].clone();
    up["id"] = "C902".into();
    let mut broken = fixture_lines()[2].clone();
    broken["education_eqf"] = 11.into();
    let upfile = tmp.path().join("u.jsonl");
    std::fs::write(&upfile, format!("{up}\n{broken}\n")).unwrap();
    let out = rosa(&[
        "index",
        "upsert",
        "--index",
        idx.to_str().unwrap(),
        "--candidates",
        upfile.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set_aside = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(set_aside.lines().count(), 1, "{set_aside}");
    assert!(set_aside.contains("\"education_eqf\""), "{set_aside}");
    let index = rosa::index::Index::open(&idx).unwrap();
    assert_eq!(index.generation(), 2);
    assert!(index.row_of("C902").is_some());
    audit_ok(&idx, "verify");

    // Nothing valid: exit 2, nothing committed.
    std::fs::write(&upfile, format!("{broken}\n")).unwrap();
    let out = rosa(&[
        "index",
        "upsert",
        "--index",
        idx.to_str().unwrap(),
        "--candidates",
        upfile.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(rosa::index::Index::open(&idx).unwrap().generation(), 2);
}
