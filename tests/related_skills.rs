//! Partial credit for a related skill: a welder with MIG but not TIG earns part
//! of the TIG skill's weight, and the explanation names the skill that earned it.

use rosa::model::{parse_record, CandidateRecord, VacancyRecord};
use rosa::{Engine, Policy};

const TIG: &str = "http://data.europa.eu/esco/skill/a51adea8-bf02-488a-a0d8-b0961caca5b0";
const MIG: &str = "http://data.europa.eu/esco/skill/f015c5d5-6a1c-4f63-9012-a05f4f34105e";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn person(id: &str, skills: serde_json::Value) -> CandidateRecord {
    let mut c: serde_json::Value =
        serde_json::from_str(fixture("candidates.jsonl").lines().next().unwrap()).unwrap();
    c["id"] = id.into();
    c["skills"] = skills;
    parse_record(&c.to_string(), "test", 1).unwrap()
}

fn skills_of(e: &rosa::explain::Explanation) -> (f64, String) {
    let c = e.criteria.iter().find(|c| c.name == "skills").unwrap();
    (c.value, c.detail.clone())
}

#[test]
fn a_related_skill_earns_part_of_a_missing_one_and_is_named() {
    let people = vec![
        person("MIG", serde_json::json!([{"esco": MIG, "certified": true}])),
        person("NONE", serde_json::json!([])),
        person("TIG", serde_json::json!([{"esco": TIG, "certified": true}])),
    ];
    let mut v: serde_json::Value = serde_json::from_str(&fixture("vacancy.json")).unwrap();
    v["skills"] = serde_json::json!([{"esco": TIG, "label": "saldatura TIG", "required": false}]);
    let v: VacancyRecord = parse_record(&v.to_string(), "vacancy.json", 0).unwrap();
    let engine = Engine::in_memory(people, Vec::new()).unwrap();
    let policy = Policy::from_toml("as_of = \"2026-11-01\"\n").unwrap();

    let (tig, _) = skills_of(&engine.explain(&v, &policy, "TIG").unwrap());
    let (mig, why) = skills_of(&engine.explain(&v, &policy, "MIG").unwrap());
    let (none, _) = skills_of(&engine.explain(&v, &policy, "NONE").unwrap());
    assert_eq!(tig, 1.0);
    // related_skill_factor 0.5 × Dice 6/7, rounded to 4 decimals.
    assert_eq!(mig, 0.4286, "{why}");
    assert_eq!(none, 0.0);
    assert!(
        why.contains("perform metal inert gas welding for saldatura TIG (related 0.86)"),
        "{why}"
    );
    let r = engine.roster(&v, &policy).unwrap();
    let order: Vec<&str> = r.entries.iter().map(|e| e.candidate_id.as_str()).collect();
    assert_eq!(order, ["TIG", "MIG", "NONE"]);

    // The factor at 0 turns partial credit off.
    let off = Policy::from_toml("as_of = \"2026-11-01\"\n[scoring]\nrelated_skill_factor = 0.0\n")
        .unwrap();
    let (mig_off, why_off) = skills_of(&engine.explain(&v, &off, "MIG").unwrap());
    assert_eq!(mig_off, 0.0, "{why_off}");
    assert!(why_off.contains("missing: saldatura TIG"), "{why_off}");
}
