//! What each audience may see, on real output: the employer view of a
//! graduatoria never shows the terms that carry disability or ranking data, and
//! a person hired through an outcome gets no further offers.

use rosa::date::Date;
use rosa::gen::{generate, GenConfig};
use rosa::index::OutcomeKind;
use rosa::model::Mode;
use rosa::roster::View;
use rosa::{Engine, Policy};

fn setup() -> (Engine, Vec<rosa::model::VacancyRecord>, Policy) {
    let as_of = Date::parse("2026-11-01").unwrap();
    let data = generate(&GenConfig {
        candidates: 4000,
        vacancies: 40,
        seed: 11,
        as_of,
        profile: rosa::gen::Profile::Default,
    });
    let engine = Engine::in_memory(data.candidates, data.vacancies.clone()).unwrap();
    let policy = Policy {
        as_of: Some(as_of),
        ..Policy::default()
    };
    (engine, data.vacancies, policy)
}

#[test]
fn employer_view_of_a_graduatoria_hides_its_protected_terms() {
    let (engine, vacancies, policy) = setup();
    // A targeted_numeric roster over the whole generated pool, with no demands,
    // so that the enrolled people with ranking data are in it.
    let mut v = vacancies[0].clone();
    v.mode = Mode::TargetedNumeric;
    v.targeted_list = Some(rosa::model::TargetedList::Art1);
    v.demands = Default::default();
    v.supports = Vec::new();
    v.applicants = None;
    let operator = engine.roster(&v, &policy).unwrap();
    assert!(
        !operator.entries.is_empty(),
        "the generated pool has art1 people compatible with no demands"
    );
    let op_text = serde_json::to_string(&operator).unwrap();
    assert!(
        op_text.contains("dependents") && op_text.contains("months_enrolled"),
        "the operator sees every term: {op_text}"
    );

    let employer = operator.clone().for_view(View::Employer);
    assert_eq!(employer.entries.len(), operator.entries.len());
    let text = serde_json::to_string(&employer).unwrap();
    for word in [
        "invalidity",
        "isee",
        "income",
        "dependents",
        "\"age\"",
        "months_enrolled",
        "benefit",
        "congruity",
    ] {
        assert!(
            !text.contains(word),
            "employer view mentions {word}: {text}"
        );
    }
    for (e, o) in employer.entries.iter().zip(&operator.entries) {
        assert_eq!((e.rank, &e.candidate_id), (o.rank, &o.candidate_id));
        assert!(e.criteria.is_empty() && e.rules.is_none() && e.congruity.is_none());
        // The total (1000 − months − 12 per dependent − invalidity band...) would
        // let the terms be inferred: it is withheld (issue 15).
        assert!(e.score_withheld);
    }
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for e in json["entries"].as_array().unwrap() {
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["candidate_id", "criteria", "rank"], "{e}");
    }
    // No exclusions by rule: with few applicants they name a person's
    // disability ("compatibility") or benefit ("congruity").
    assert!(operator.excluded.total() > 0);
    assert_eq!(json["excluded"], serde_json::json!({}));
    assert_eq!(
        (json["pool"].as_u64(), json["eligible"].as_u64()),
        (Some(operator.pool), Some(operator.eligible))
    );
}

#[test]
fn employer_view_of_a_scored_roster_keeps_the_fit_score() {
    let (engine, vacancies, policy) = setup();
    let v = vacancies
        .iter()
        .find(|v| v.mode == Mode::Preselection)
        .expect("a preselection vacancy");
    let operator = engine.roster(v, &policy).unwrap();
    let employer = operator.clone().for_view(View::Employer);
    for (e, o) in employer.entries.iter().zip(&operator.entries) {
        assert_eq!((e.score, &e.criteria), (o.score, &o.criteria));
        assert!(!e.score_withheld);
    }
    let json = serde_json::to_value(&employer).unwrap();
    assert!(json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["score"].is_number()));
    assert_eq!(json["excluded"], serde_json::json!({}));
}

#[test]
fn a_hired_person_gets_no_offers_and_explain_says_hired() {
    let (mut engine, vacancies, policy) = setup();
    let who = (0..4000)
        .map(rosa::gen::candidate_id)
        .find(|id| engine.offers(&policy, id).unwrap().eligible >= 2)
        .expect("someone with at least two offers");
    let before = engine.offers(&policy, &who).unwrap();
    let first = before.offers[0].vacancy_id.clone();
    engine
        .record_outcome(&first, &who, OutcomeKind::Hired)
        .unwrap();

    let after = engine.offers(&policy, &who).unwrap();
    assert_eq!(after.eligible, 0, "hired: {after:?}");
    assert!(after.offers.is_empty());

    let other = vacancies
        .iter()
        .find(|v| v.id == before.offers[1].vacancy_id)
        .unwrap();
    let e = engine.explain(other, &policy, &who).unwrap();
    assert!(!e.eligible);
    assert_eq!(e.first_failure, Some("hired"));
    assert_eq!(e.rank, None);
}
