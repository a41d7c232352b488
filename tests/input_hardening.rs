//! Issue 15, the input side: every number finite and in range (JSON and TOML),
//! duplicate keys refused with the field named, ids with control characters
//! escaped in error prefixes, non-regular input files refused, unknown
//! applicants reported, and `audit replay` surviving a record it cannot read.

mod common;

use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

fn good_line() -> String {
    std::fs::read_to_string(fixture("candidates.jsonl"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn build(dir: &Path, text: &str) -> std::process::Output {
    let file = dir.join("in.jsonl");
    std::fs::write(&file, text).unwrap();
    rosa(&[
        "index",
        "build",
        "--candidates",
        file.to_str().unwrap(),
        "--index",
        dir.join("idx").to_str().unwrap(),
    ])
}

fn roster_with_vacancy(idx: &Path, vacancy: &str, extra: &[&str]) -> std::process::Output {
    let file = idx.parent().unwrap().join("v.json");
    std::fs::write(&file, vacancy).unwrap();
    let policy = fixture("policy.toml");
    let mut args = vec![
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        file.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    rosa(&args)
}

#[test]
fn duplicate_json_keys_are_refused_with_the_field_named() {
    let g = good_line();
    let tmp = tempfile::tempdir().unwrap();
    // A top-level key, a nested one, and a key of a map (ICF capacities).
    let cases = [
        (g.replacen("\"domicile\": \"015146\"", "\"domicile\": \"015146\", \"domicile\": \"F205\"", 1), "C001: domicile: duplicate key"),
        (g.replacen("\"max_km\": 40", "\"max_km\": 40, \"max_km\": 400", 1), "C001: availability.max_km: duplicate key"),
        (
            g.replacen(
                "\"cv_text\"",
                "\"targeted\": {\"list\": \"art1\", \"capacities\": {\"d430\": 1, \"d430\": 4}}, \"cv_text\"",
                1,
            ),
            "C001: targeted.capacities.d430: duplicate key",
        ),
    ];
    for (line, want) in cases {
        assert_ne!(line, g, "the fixture changed: {want}");
        let out = build(tmp.path(), &format!("{line}\n"));
        assert_eq!(out.status.code(), Some(2), "{want}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("in.jsonl:1: {want}")),
            "{want}: {}",
            stderr(&out)
        );
        assert!(!tmp.path().join("idx").exists(), "nothing built");
    }
    // A vacancy file too.
    let (_t, idx) = fixture_index();
    let v = std::fs::read_to_string(fixture("vacancy.json")).unwrap();
    let dup = v.replacen(
        "\"roster_size\": 15",
        "\"roster_size\": 15, \"roster_size\": 3",
        1,
    );
    assert_ne!(dup, v);
    let out = roster_with_vacancy(&idx, &dup, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("V001: roster_size: duplicate key"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn numbers_out_of_json_range_are_refused_with_the_field_named() {
    let g = good_line();
    let tmp = tempfile::tempdir().unwrap();
    // JSON has no NaN or infinity; 1e400 overflows an f64.
    let with_benefit = |amount: &str| {
        g.replacen(
            "\"cv_text\"",
            &format!(
                "\"benefit\": {{\"scheme\": \"naspi\", \"monthly_eur\": {amount}}}, \"cv_text\""
            ),
            1,
        )
    };
    let out = build(tmp.path(), &format!("{}\n", with_benefit("1e400")));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("C001: benefit.monthly_eur: malformed JSON"),
        "{}",
        stderr(&out)
    );
    for token in ["NaN", "Infinity", "-Infinity"] {
        let out = build(tmp.path(), &format!("{}\n", with_benefit(token)));
        assert_eq!(out.status.code(), Some(2), "{token}");
        assert!(
            stderr(&out).contains("C001: benefit.monthly_eur: malformed JSON"),
            "{token}: {}",
            stderr(&out)
        );
    }
    // Finite but out of the documented range.
    let out = build(tmp.path(), &format!("{}\n", with_benefit("1e300")));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("benefit.monthly_eur: must be at most 10000000 euros"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_policy_with_a_non_finite_number_is_refused_with_the_field_named() {
    let (tmp, idx) = fixture_index();
    for (text, field) in [
        (
            "as_of = \"2026-11-01\"\n[travel]\nspeed_kmh = nan\n",
            "travel.speed_kmh",
        ),
        (
            "as_of = \"2026-11-01\"\n[travel]\naccess_min = inf\n",
            "travel.access_min",
        ),
        (
            "as_of = \"2026-11-01\"\n[graduatoria]\npublic_selection = \"t\"\n\
             [[templates]]\nname = \"t\"\nbase = 100\ndirection = \"higher_wins\"\n\
             [[templates.terms]]\nname = \"isee\"\ninput = \"isee_eur\"\n\
             [templates.terms.rule]\nkind = \"linear\"\nper = 1e-320\npoints = -1\n",
            "template t: term isee: rule.per",
        ),
    ] {
        let p = tmp.path().join("p.toml");
        std::fs::write(&p, text).unwrap();
        let out = rosa(&[
            "roster",
            "--index",
            idx.to_str().unwrap(),
            "--vacancy",
            fixture("vacancy.json").to_str().unwrap(),
            "--policy",
            p.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{field}");
        assert!(stderr(&out).contains(field), "{field}: {}", stderr(&out));
    }
}

#[test]
fn ids_with_control_characters_are_escaped_in_error_prefixes() {
    let tmp = tempfile::tempdir().unwrap();
    let line = good_line().replacen("\"C001\"", "\"C0\\n01\\u001b[31m\"", 1);
    let out = build(tmp.path(), &format!("{line}\n"));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(!err.contains('\u{1b}'), "raw escape in {err:?}");
    let first = err.lines().find(|l| l.contains("in.jsonl:1:")).expect(&err);
    assert!(
        first.contains("in.jsonl:1: C0\\n01\\u{1b}[31m: id: must match"),
        "{err:?}"
    );
    // A line that does not parse still names its (escaped) id.
    let broken = "{\"id\": \"A\\nB\", \"domicile\": }";
    let out = build(tmp.path(), &format!("{broken}\n"));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.lines().all(|l| !l.starts_with("B")),
        "the id split the line: {err:?}"
    );
}

#[test]
fn non_regular_input_files_are_refused_at_once() {
    let (tmp, idx) = fixture_index();
    let fifo = tmp.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "index",
                "upsert",
                "--index",
                idx.to_str().unwrap(),
                "--candidates",
                "/dev/zero",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "/dev/zero: -: -: not a regular file (a device)",
        ),
        (
            vec![
                "index",
                "upsert",
                "--index",
                idx.to_str().unwrap(),
                "--candidates",
                fifo.to_str().unwrap(),
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "not a regular file (a FIFO)",
        ),
        (
            vec![
                "roster",
                "--index",
                idx.to_str().unwrap(),
                "--vacancy",
                fifo.to_str().unwrap(),
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "not a regular file (a FIFO)",
        ),
        (
            vec![
                "roster",
                "--index",
                idx.to_str().unwrap(),
                "--vacancies",
                "/dev/zero",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "not a regular file (a device)",
        ),
        (
            vec![
                "roster",
                "--index",
                idx.to_str().unwrap(),
                "--vacancy",
                fixture("vacancy.json").to_str().unwrap(),
                "--policy",
                fifo.to_str().unwrap(),
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "not a regular file (a FIFO)",
        ),
        (
            vec![
                "index",
                "build",
                "--index",
                tmp.path().join("new").to_str().unwrap(),
                "--candidates",
                tmp.path().to_str().unwrap(),
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "not a regular file (a directory)",
        ),
    ];
    for (args, want) in cases {
        let started = Instant::now();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rosa"))
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Without the check a FIFO blocks forever and /dev/zero never ends:
        // give it a generous minute, then kill it and fail.
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if started.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                child.wait().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        let status = status.unwrap_or_else(|| panic!("{args:?} did not end"));
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert!(!tmp.path().join("new").exists());
}

#[test]
fn unknown_applicants_are_reported_not_dropped() {
    let (_tmp, idx) = fixture_index();
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("vacancy.json")).unwrap()).unwrap();
    v["applicants"] = serde_json::json!(["C001", "C404", "C003", "C404", "X9"]);
    let out = roster_with_vacancy(&idx, &v.to_string(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["unknown_applicants"], serde_json::json!(["C404", "X9"]));
    assert_eq!(r["pool"], 2);
    assert!(
        stderr(&out)
            .contains("V001: 2 applicants not in the index (left out of the pool): C404, X9"),
        "{}",
        stderr(&out)
    );
    // Without unknown applicants the output has no such field.
    v["applicants"] = serde_json::json!(["C001"]);
    let out = roster_with_vacancy(&idx, &v.to_string(), &[]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r.get("unknown_applicants").is_none(), "{r}");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// A roster record whose policy an older engine logged with `null` numbers
/// (non-finite ones) is reported as unreplayable; the rest of the log is
/// still replayed.
#[test]
fn audit_replay_survives_a_record_it_cannot_read() {
    let (_tmp, idx) = fixture_index();
    fixture_roster(&idx, &[]);
    // Write, through the audit API (so the chain holds), a roster record like
    // the ones engines before issue 15 wrote for a policy with `per = nan`.
    let records = rosa::audit::read_all(&idx).unwrap();
    let logged = records
        .iter()
        .rev()
        .find(|r| r.kind == "roster")
        .unwrap()
        .clone();
    let mut input = logged.input.clone().unwrap();
    input["policy"]["templates"][0]["terms"][0]["rule"]["per"] = serde_json::Value::Null;
    let broken = rosa::audit::AuditRecord {
        input_hash: rosa::audit::hash_json(&input),
        input: Some(input),
        ..logged.clone()
    };
    rosa::audit::append(&idx, broken).unwrap();
    fixture_roster(&idx, &[]);
    assert_eq!(audit_ok(&idx, "verify")["ok"], true);

    let out = rosa_ok(&["audit", "replay", "--index", idx.to_str().unwrap()]);
    let replays: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let statuses: Vec<&str> = replays
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["match", "unreplayable", "match"], "{out}");
    assert!(
        replays[1]["detail"].as_str().unwrap().contains("policy"),
        "{out}"
    );
}
