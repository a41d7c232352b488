//! The travel-time estimate behind the `TravelTime` trait: an integrator's
//! journey planner replaces the documented distance model for congruity.

use rosa::geo::{Comune, TravelTime};
use rosa::model::{parse_record, CandidateRecord, VacancyRecord};
use rosa::{Engine, Policy};

/// A planner that knows a fast train: every trip takes 45 minutes.
struct FastTrain;

impl TravelTime for FastTrain {
    fn minutes(&self, _from: &Comune, _to: &Comune, _km: f64) -> f64 {
        45.0
    }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn setup() -> (Engine, VacancyRecord, Policy) {
    // C001 moved to Piacenza (about 60 km from Milan), willing to travel 100 km,
    // on NASpI since 2026-08-01: the dm2018 band of 0-6 months allows 50 km or
    // 80 minutes.
    let mut c: serde_json::Value =
        serde_json::from_str(fixture("candidates.jsonl").lines().next().unwrap()).unwrap();
    c["domicile"] = "033032".into();
    c["did_date"] = "2026-08-01".into();
    c["availability"]["max_km"] = 100.into();
    c["benefit"] =
        serde_json::json!({"scheme": "naspi", "monthly_eur": 1000.0, "last_contract_hours": 40});
    let c: CandidateRecord = parse_record(&c.to_string(), "test", 1).unwrap();
    let v: VacancyRecord = parse_record(&fixture("vacancy.json"), "vacancy.json", 0).unwrap();
    let policy = Policy::from_toml("as_of = \"2026-11-01\"\n").unwrap();
    (Engine::in_memory(vec![c], Vec::new()).unwrap(), v, policy)
}

#[test]
fn the_default_model_finds_piacenza_too_far_and_a_planner_can_say_otherwise() {
    let (mut engine, v, policy) = setup();
    let distance = |e: &rosa::explain::Explanation| {
        let c = e
            .congruity
            .as_ref()
            .expect("a NASpI person has a congruity verdict");
        let d = c.criteria.iter().find(|x| x.name == "distance").unwrap();
        let detail = rosa::render::criterion(&d.detail, rosa::lang::Lang::En);
        (c.congruous, d.outcome, detail)
    };

    let by_model = engine.explain(&v, &policy, "C001").unwrap();
    assert!(by_model.eligible, "within the person's own 100 km");
    let (congruous, outcome, detail) = distance(&by_model);
    assert!(!congruous, "{detail}");
    assert_eq!(outcome, rosa::rules::Outcome::Fail, "{detail}");

    engine.set_travel_time(Box::new(FastTrain));
    let by_planner = engine.explain(&v, &policy, "C001").unwrap();
    let (congruous, outcome, detail) = distance(&by_planner);
    assert_eq!(outcome, rosa::rules::Outcome::Pass, "{detail}");
    assert!(
        detail.contains("45"),
        "the planner's minutes are reported: {detail}"
    );
    assert!(congruous, "{:?}", by_planner.congruity);
    // The roster uses the same planner.
    let r = engine.roster(&v, &policy).unwrap();
    let entry = &r.entries[0];
    let congruity = entry.congruity.as_ref().unwrap().as_ref().unwrap();
    assert!(congruity.congruous, "{congruity:?}");
}
