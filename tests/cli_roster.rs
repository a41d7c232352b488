//! The binary on small handwritten fixtures: who is in, who is out and why, and
//! the exact order on ties.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn fixture_roster_has_the_expected_people_in_the_expected_order() {
    let (_tmp, idx) = fixture_index();
    let r = fixture_roster(&idx, &[]);
    let ids: Vec<&str> = r["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["candidate_id"].as_str().unwrap())
        .collect();
    // C001 has both skills certified; C005, C003, C004 tie on score and are
    // ordered by earlier DID, then id; C013 lives 9 km away with a 15 km limit
    // (distance weighs 0.05); C002's TIG is a self-declared Italian label, which
    // costs more of the skills criterion (weight 0.40).
    assert_eq!(ids, ["C001", "C005", "C003", "C004", "C013", "C002"]);
    assert_eq!(r["pool"], 13);
    assert_eq!(r["eligible"], 6);
    let ex = &r["excluded"];
    for (rule, n) in [
        ("available", 1),
        ("stale", 1),
        ("distance", 1),
        ("contract", 1),
        ("working_time", 1),
        ("licence", 1),
        ("skills", 1),
        ("education", 0),
    ] {
        assert_eq!(ex[rule], n, "excluded.{rule} in {ex}");
    }
    assert_eq!(r["vacancy_id"], "V001");
    assert_eq!(r["mode"], "preselection");
    assert_eq!(r["cap"], 15);
    assert_eq!(r["index_generation"], 1);
    assert!(r["policy_fingerprint"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
}

#[test]
fn every_entry_shows_its_points_and_passed_rules() {
    let (_tmp, idx) = fixture_index();
    let r = fixture_roster(&idx, &[]);
    for e in r["entries"].as_array().unwrap() {
        let sum: f64 = e["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["points"].as_f64().unwrap())
            .sum();
        assert!((sum - e["score"].as_f64().unwrap()).abs() < 1e-9, "{e}");
        for rule in e["rules"].as_array().unwrap() {
            assert_eq!(rule["outcome"], "pass", "{rule}");
        }
        assert!(
            e.get("congruity").is_some(),
            "operator view carries congruity (null without a benefit)"
        );
    }
    let c013 = r["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["candidate_id"] == "C013")
        .unwrap();
    let dist = c013["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "distance")
        .unwrap();
    assert!(
        dist["detail"].as_str().unwrap().ends_with("≤ 15 km"),
        "{dist}"
    );
    let c002 = &r["entries"][4];
    let skills = c002["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "skills")
        .unwrap();
    assert!(
        skills["detail"]
            .as_str()
            .unwrap()
            .contains("missing: carrello elevatore"),
        "{skills}"
    );
}

#[test]
fn byte_identical_output_across_runs_and_thread_counts() {
    let (_tmp, idx) = fixture_index();
    let args = [
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        fixture("vacancy.json").to_str().unwrap().to_owned().leak(),
        "--policy",
        fixture("policy.toml").to_str().unwrap().to_owned().leak(),
    ];
    let a = rosa_ok(&args);
    let b = rosa_ok(&args);
    let one = std::process::Command::new(env!("CARGO_BIN_EXE_rosa"))
        .args(args)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a.as_bytes(), &one.stdout[..]);
}

#[test]
fn employer_view_hides_rules_and_congruity() {
    let (_tmp, idx) = fixture_index();
    let r = fixture_roster(&idx, &["--view", "employer"]);
    let text = r.to_string();
    for e in r["entries"].as_array().unwrap() {
        assert!(
            e.get("rules").is_none() && e.get("congruity").is_none(),
            "{e}"
        );
        assert!(e.get("candidate_id").is_some() && e.get("criteria").is_some());
    }
    for word in [
        "benefit",
        "invalidity",
        "isee",
        "dependents",
        "targeted",
        "did_date",
    ] {
        assert!(!text.contains(word), "employer view mentions {word}");
    }
}

#[test]
fn table_format_lists_the_entries() {
    let (_tmp, idx) = fixture_index();
    let out = rosa_ok(&[
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        fixture("vacancy.json").to_str().unwrap(),
        "--policy",
        fixture("policy.toml").to_str().unwrap(),
        "--format",
        "table",
        "--lang",
        "en",
    ]);
    assert!(out.contains("Roster V001"), "{out}");
    assert!(out.contains("eligible 6"), "{out}");
    let first = out
        .lines()
        .find(|l| l.trim_start().starts_with("1 "))
        .unwrap();
    assert!(first.contains("C001"), "{out}");
}

#[test]
fn the_table_is_italian_by_default() {
    let (_tmp, idx) = fixture_index();
    let out = rosa_ok(&[
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        fixture("vacancy.json").to_str().unwrap(),
        "--policy",
        fixture("policy.toml").to_str().unwrap(),
        "--format",
        "table",
    ]);
    assert!(out.contains("Rosa V001"), "{out}");
    assert!(out.contains("idonei 6"), "{out}");
    assert!(out.contains("congruità"), "{out}");
    assert!(!out.contains("eligible"), "{out}");
}

/// The rules' `detail` strings are Italian by default and English with
/// `--lang en`; everything else in the JSON is the same.
#[test]
fn details_are_italian_by_default_and_english_on_request() {
    let (_tmp, idx) = fixture_index();
    let roster = |lang: &[&str]| -> Value { fixture_roster(&idx, lang) };
    let rule = |r: &Value, name: &str| -> String {
        r["entries"][0]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (default, it, en) = (
        roster(&[]),
        roster(&["--lang", "it"]),
        roster(&["--lang", "en"]),
    );
    assert_eq!(default, it);
    assert!(rule(&it, "contract").contains("accettato"), "{it}");
    assert!(rule(&it, "stale").contains("giorni fa"), "{it}");
    assert!(rule(&en, "contract").ends_with(" accepted"), "{en}");
    assert!(rule(&en, "stale").contains("days ago"), "{en}");
    // The same numbers, with a decimal point, in both.
    assert_eq!(rule(&it, "distance"), rule(&en, "distance"));
    assert_eq!(
        it["entries"][0]["rules"][0]["name"],
        en["entries"][0]["rules"][0]["name"]
    );
    assert_eq!(it["excluded"], en["excluded"]);

    // `--lang en` prints exactly the library's roster in English, the form the
    // golden hashes pin (tests/golden.rs).
    let engine = rosa::Engine::open(&idx).unwrap();
    let v: rosa::model::VacancyRecord = rosa::model::read_json(&fixture("vacancy.json")).unwrap();
    let p =
        rosa::Policy::from_toml(&std::fs::read_to_string(fixture("policy.toml")).unwrap()).unwrap();
    let lib = engine.roster(&v, &p).unwrap();
    let lib = rosa::lang::with(rosa::lang::Lang::En, || serde_json::to_value(&lib)).unwrap();
    assert_eq!(en, lib);
}

#[test]
fn batch_prints_one_roster_per_line_in_input_order() {
    let (tmp, idx) = fixture_index();
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("vacancy.json")).unwrap()).unwrap();
    let mut lines = String::new();
    for (id, size) in [("VB2", 2), ("VA1", 3), ("VC3", 1)] {
        let mut x = v.clone();
        x["id"] = id.into();
        x["roster_size"] = size.into();
        lines.push_str(&x.to_string());
        lines.push('\n');
    }
    let batch = tmp.path().join("batch.jsonl");
    std::fs::write(&batch, lines).unwrap();
    let out = rosa_ok(&[
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancies",
        batch.to_str().unwrap(),
        "--policy",
        fixture("policy.toml").to_str().unwrap(),
    ]);
    let rosters: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = rosters
        .iter()
        .map(|r| r["vacancy_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["VB2", "VA1", "VC3"]);
    let sizes: Vec<usize> = rosters
        .iter()
        .map(|r| r["entries"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [2, 3, 1]);
    assert_eq!(rosters[1]["entries"][0]["candidate_id"], "C001");

    // The batch is audited with one append: one chained record per roster,
    // in input order, each replaying to the same output.
    let log = std::fs::read_to_string(idx.join("audit.log")).unwrap();
    let logged: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let vacancies: Vec<&str> = logged[1..]
        .iter()
        .map(|r| r["vacancy_id"].as_str().unwrap())
        .collect();
    assert_eq!(vacancies, ["VB2", "VA1", "VC3"]);
    for pair in logged.windows(2) {
        assert_eq!(pair[1]["seq"], pair[0]["seq"].as_u64().unwrap() + 1);
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    let v: Value = audit_ok(&idx, "verify");
    assert_eq!(v["ok"], true);
    let replay: Value = audit_ok(&idx, "replay");
    let statuses: Vec<&str> = replay
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["match", "match", "match"]);
}

/// `rosa bench --index DIR --vacancies FILE` reports on an integrator's own index
/// and writes nothing into it (issue 17).
#[test]
fn bench_on_an_existing_index_reports_and_writes_nothing() {
    let (tmp, idx) = fixture_index();
    let vacancies = tmp.path().join("vacancies.jsonl");
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("vacancy.json")).unwrap()).unwrap();
    let first = v.to_string();
    v["id"] = "V002".into();
    std::fs::write(&vacancies, format!("{first}\n{v}\n")).unwrap();
    let listing = |dir: &std::path::Path| {
        let mut out = Vec::new();
        for e in walk(dir) {
            let meta = std::fs::metadata(&e).unwrap();
            out.push((e, meta.len(), meta.modified().unwrap()));
        }
        out.sort();
        out
    };
    let before = listing(&idx);
    let policy = fixture("policy.toml");
    let out = rosa_ok(&[
        "bench",
        "--index",
        idx.to_str().unwrap(),
        "--vacancies",
        vacancies.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert!(out.contains("roster latency"), "{out}");
    assert!(
        out.contains("(2 rosters, eligible median 6, max 6)"),
        "{out}"
    );
    assert!(out.contains("eligible < 1k"), "{out}");
    assert!(out.contains("batch"), "{out}");
    assert_eq!(listing(&idx), before, "bench changed the index directory");

    // Without an index, --vacancies is a count; a file name there is a usage error.
    let bad = rosa(&["bench", "--vacancies", vacancies.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
