//! Bad input: a clear error naming file, line, record id and field; exit code 2;
//! nothing written, nothing lost.

mod common;

use common::*;
use std::path::Path;

fn good_line() -> String {
    std::fs::read_to_string(fixture("candidates.jsonl"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

fn with(line: &str, f: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
    f(&mut v);
    v.to_string()
}

fn build(dir: &Path, lines: &[String]) -> std::process::Output {
    let file = dir.join("bad.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    rosa(&[
        "index",
        "build",
        "--candidates",
        file.to_str().unwrap(),
        "--index",
        dir.join("idx").to_str().unwrap(),
    ])
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn each_kind_of_bad_record_is_named_with_line_id_and_field() {
    let g = good_line();
    let cases: Vec<(String, &str)> = vec![
        ("{\"id\": \"X1\", ".to_string(), "malformed JSON"),
        (
            with(&g, |v| {
                v.as_object_mut().unwrap().remove("domicile");
            }),
            "domicile",
        ),
        (with(&g, |v| v["domicile"] = "999999".into()), "domicile"),
        (with(&g, |v| v["education_eqf"] = 9.into()), "education_eqf"),
        (
            with(&g, |v| v["languages"][0]["cefr"] = "D1".into()),
            "languages[0].cefr",
        ),
        (
            with(&g, |v| v["experiences"][0]["isco"] = "9999".into()),
            "experiences[0].isco",
        ),
        (
            with(&g, |v| v["did_date"] = "02/03/2026".into()),
            "did_date",
        ),
        (
            with(&g, |v| {
                v["benefit"] = serde_json::json!({"scheme": "naspi", "monthly_eur": -5.0})
            }),
            "benefit.monthly_eur",
        ),
        (
            with(
                &g,
                |v| v["targeted"] = serde_json::json!({"list": "art1", "capacities": {"d999": 2}}),
            ),
            "targeted.capacities.d999",
        ),
        (
            with(&g, |v| v["availabilty"] = serde_json::json!({})),
            "availabilty",
        ),
        (
            with(&g, |v| v["availability"]["max_km"] = 900.into()),
            "availability.max_km",
        ),
    ];
    for (i, (line, field)) in cases.iter().enumerate() {
        let tmp = tempfile::tempdir().unwrap();
        let out = build(tmp.path(), &[g.clone(), line.replace("C001", "CBAD")]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "case {i}: {err}");
        assert!(
            err.contains("bad.jsonl:2:"),
            "case {i} names the line: {err}"
        );
        assert!(err.contains(field), "case {i} names {field}: {err}");
        if i > 0 {
            assert!(err.contains("CBAD"), "case {i} names the record id: {err}");
        }
        assert!(
            !tmp.path().join("idx").exists(),
            "case {i}: no partial index left behind"
        );
    }
}

#[test]
fn every_bad_line_is_reported_not_only_the_first() {
    let g = good_line();
    let tmp = tempfile::tempdir().unwrap();
    let lines = vec![
        g.clone(),
        with(&g, |v| {
            v["id"] = "B2".into();
            v["domicile"] = "nowhere".into();
        }),
        with(&g, |v| v["id"] = "B3".into()),
        with(&g, |v| {
            v["id"] = "B4".into();
            v["education_eqf"] = 0.into();
        }),
        with(&g, |v| v["id"] = "C001".into()),
    ];
    let out = build(tmp.path(), &lines);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("bad.jsonl:2: B2: domicile"), "{err}");
    assert!(err.contains("bad.jsonl:4: B4: education_eqf"), "{err}");
    assert!(
        err.contains("bad.jsonl:5: C001: id: duplicate id, first seen on line 1"),
        "{err}"
    );
    assert!(!err.contains("bad.jsonl:3"), "line 3 is fine: {err}");
}

#[test]
fn a_failed_rebuild_keeps_the_committed_index() {
    let (tmp, idx) = fixture_index();
    let args = |v: &str| {
        vec![
            "roster".to_string(),
            "--index".into(),
            idx.to_str().unwrap().into(),
            "--vacancy".into(),
            v.into(),
            "--policy".into(),
            fixture("policy.toml").to_str().unwrap().into(),
        ]
    };
    let v = fixture("vacancy.json");
    let before = rosa_ok(
        &args(v.to_str().unwrap())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let bad = tmp.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{}\n{{oops\n", good_line())).unwrap();
    let out = rosa(&[
        "index",
        "build",
        "--candidates",
        bad.to_str().unwrap(),
        "--index",
        idx.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let after = rosa_ok(
        &args(v.to_str().unwrap())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(before, after, "the old generation still answers, unchanged");
}

#[test]
fn a_bad_vacancy_is_exit_2_naming_the_field() {
    let (tmp, idx) = fixture_index();
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("vacancy.json")).unwrap()).unwrap();
    v["roster_size"] = 40.into();
    let f = tmp.path().join("v.json");
    std::fs::write(&f, v.to_string()).unwrap();
    let out = rosa(&[
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("V001: roster_size: must be 1..=15"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_index_is_exit_1_with_advice() {
    let tmp = tempfile::tempdir().unwrap();
    let out = rosa(&[
        "roster",
        "--index",
        tmp.path().join("none").to_str().unwrap(),
        "--vacancy",
        fixture("vacancy.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("rosa index build"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bad_policy_is_exit_2() {
    let (tmp, idx) = fixture_index();
    let p = tmp.path().join("p.toml");
    std::fs::write(&p, "[weights]\nskills = 0.9\n").unwrap();
    let out = rosa(&[
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        fixture("vacancy.json").to_str().unwrap(),
        "--policy",
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("must sum to 1"), "{}", stderr(&out));
}
