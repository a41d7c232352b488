//! Unit tests of [`super`] (graduatoria).

use super::*;

fn as_of() -> Date {
    Date::parse("2026-11-01").unwrap()
}

fn vacancy() -> VacancyRecord {
    crate::model::read_json_from(
        include_str!("../../tests/fixtures/vacancy.json").as_bytes(),
        "fixture",
    )
    .unwrap()
}

fn term_rule(t: &Template, name: &str) -> Rule {
    t.terms
        .iter()
        .find(|x| x.name == name)
        .unwrap()
        .rule
        .clone()
}

#[test]
fn dpr246_income_counts_only_above_the_threshold_in_whole_steps() {
    let income = term_rule(&Template::dpr246_l68(), "income");
    assert_eq!(points(&income, 0.0), 0.0);
    assert_eq!(points(&income, 7746.85), 0.0, "at the threshold: nothing");
    assert_eq!(points(&income, 7746.86), 48.0, "just above: the offset");
    assert_eq!(points(&income, 7746.85 + 516.44), 48.0);
    assert_eq!(points(&income, 7746.85 + 516.45), 60.0, "one whole step");
    assert_eq!(
        points(&income, 7746.85 + 1032.90),
        72.0,
        "exact multiples count"
    );
}

#[test]
fn dpr246_invalidity_bands_start_at_34_51_67_and_80() {
    let inv = term_rule(&Template::dpr246_l68(), "invalidity");
    for (pct, want) in [
        (0.0, 0.0),
        (33.0, 0.0),
        (34.0, -7.0),
        (50.0, -7.0),
        (51.0, -14.0),
        (66.0, -14.0),
        (67.0, -21.0),
        (79.0, -21.0),
        (80.0, -28.0),
        (100.0, -28.0),
    ] {
        assert_eq!(points(&inv, pct), want, "{pct}%");
    }
}

#[test]
fn er_notice_caps_enrolment_at_72_and_isee_at_0() {
    let t = Template::er_l68_notice();
    let months = term_rule(&t, "months_enrolled");
    assert_eq!(points(&months, 35.0), 70.0);
    assert_eq!(points(&months, 36.0), 72.0);
    assert_eq!(points(&months, 37.0), 72.0, "capped");
    let isee = term_rule(&t, "isee");
    assert_eq!(points(&isee, 0.0), 25.0);
    assert_eq!(points(&isee, 499.99), 25.0);
    assert_eq!(points(&isee, 500.0), 24.5);
    assert_eq!(points(&isee, 25_000.0), 0.0);
    assert_eq!(points(&isee, 60_000.0), 0.0, "not below 0");
}

#[test]
fn er_art16_isee_floor_age_bands_and_missing_isee() {
    let t = Template::er_art16();
    let isee = term_rule(&t, "isee");
    assert_eq!(points(&isee, 999.0), 0.0);
    assert_eq!(points(&isee, 1000.0), -1.0);
    assert_eq!(points(&isee, 24_999.0), -24.0);
    assert_eq!(points(&isee, 40_000.0), -25.0, "not below -25");
    let age = term_rule(&t, "age");
    for (years, want) in [
        (39.0, 0.0),
        (40.0, 2.0),
        (44.0, 2.0),
        (45.0, 4.0),
        (50.0, 6.0),
        (70.0, 6.0),
    ] {
        assert_eq!(points(&age, years), want, "{years} years");
    }
    // An undeclared ISEE counts as the worst.
    let (total, criteria) = t.score(&Inputs::default(), &vacancy(), as_of(), true);
    let isee = criteria.iter().find(|c| c.name == "isee").unwrap();
    assert_eq!(isee.points, -25.0);
    assert_eq!(total, 100.0 - 25.0);
}

#[test]
fn age_and_months_are_complete_ones_on_the_day() {
    let t = Template::er_art16();
    let v = vacancy();
    let born = |d: &str| Inputs {
        birth_date: Date::parse(d),
        isee_eur: Some(0.0),
        ..Inputs::default()
    };
    let age = |i: &Inputs| {
        let (_, c) = t.score(i, &v, as_of(), true);
        c.iter().find(|c| c.name == "age").unwrap().points
    };
    assert_eq!(age(&born("1986-11-01")), 2.0, "40 on the day");
    assert_eq!(age(&born("1986-11-02")), 0.0, "40 tomorrow");
    let t = Template::dpr246_l68();
    let enrolled = |d: &str| Inputs {
        enrolled: Date::parse(d),
        ..Inputs::default()
    };
    let months = |i: &Inputs| {
        let (_, c) = t.score(i, &v, as_of(), true);
        c.iter()
            .find(|c| c.name == "months_enrolled")
            .unwrap()
            .points
    };
    assert_eq!(months(&enrolled("2026-10-01")), -1.0);
    assert_eq!(months(&enrolled("2026-10-02")), 0.0);
    assert_eq!(
        months(&enrolled("2027-01-01")),
        0.0,
        "a future date counts 0"
    );
}

#[test]
fn did_before_publication_is_strictly_before() {
    let t = Template::er_art16();
    let mut v = vacancy();
    v.published = Date::parse("2026-10-15");
    let did = |d: &str| Inputs {
        did_date: Date::parse(d),
        isee_eur: Some(0.0),
        ..Inputs::default()
    };
    let bonus = |i: &Inputs| {
        let (_, c) = t.score(i, &v, as_of(), true);
        c.iter()
            .find(|c| c.name == "did_before_publication")
            .unwrap()
            .points
    };
    assert_eq!(bonus(&did("2026-10-14")), 5.0);
    assert_eq!(bonus(&did("2026-10-15")), 0.0);
    assert_eq!(bonus(&Inputs::default()), 0.0, "no DID");
}

#[test]
fn criteria_are_base_then_terms_and_sum_to_the_total() {
    let i = Inputs {
        did_date: Date::parse("2025-01-10"),
        enrolled: Date::parse("2023-05-10"),
        invalidity_pct: Some(67),
        dependents: 2,
        isee_eur: Some(8500.0),
        income_eur: Some(9000.0),
        birth_date: Date::parse("1979-04-02"),
    };
    let v = vacancy();
    for t in [
        Template::dpr246_l68(),
        Template::er_l68_notice(),
        Template::er_art16(),
    ] {
        let (total, criteria) = t.score(&i, &v, as_of(), true);
        assert_eq!(criteria[0].name, "base");
        assert_eq!(criteria[0].points, t.base);
        let names: Vec<&str> = criteria[1..].iter().map(|c| c.name.as_str()).collect();
        let terms: Vec<&str> = t.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, terms);
        let sum: f64 = criteria.iter().map(|c| c.points).sum();
        assert!((sum - total).abs() < 1e-9, "{}: {sum} != {total}", t.name);
        assert!(criteria.iter().all(|c| c.weight == 1.0));
        let (bare, none) = t.score(&i, &v, as_of(), false);
        assert_eq!(bare, total, "{}: the total without detail", t.name);
        assert!(none.is_empty());
    }
    // DPR 246 by hand: 1000 − 41 months enrolled − 24 (2 dependents) + 48
    // + 2 × 12 (income 9000: 1253.15 above 7746.85, two whole steps of
    // 516.45) − 21 (67%).
    let (total, _) = Template::dpr246_l68().score(&i, &v, as_of(), true);
    assert_eq!(total, 1000.0 - 41.0 - 24.0 + 48.0 + 24.0 - 21.0);
}

#[test]
fn order_follows_direction_then_tie_breakers_then_id() {
    let v = Inputs::default();
    let old = Inputs {
        birth_date: Date::parse("1970-01-01"),
        isee_eur: Some(5000.0),
        ..v
    };
    let young = Inputs {
        birth_date: Date::parse("1990-01-01"),
        isee_eur: Some(1000.0),
        ..v
    };
    use std::cmp::Ordering::*;
    let lower = Template::dpr246_l68();
    assert_eq!(
        lower.order((900.0, &v, "B"), (950.0, &v, "A")),
        Less,
        "lower wins"
    );
    assert_eq!(
        lower.order((900.0, &young, "A"), (900.0, &old, "B")),
        Greater,
        "older first"
    );
    assert_eq!(
        lower.order((900.0, &v, "A"), (900.0, &old, "B")),
        Greater,
        "declared before missing"
    );
    assert_eq!(
        lower.order((900.0, &v, "A"), (900.0, &v, "B")),
        Less,
        "then id"
    );
    let higher = Template::er_l68_notice();
    assert_eq!(
        higher.order((90.0, &v, "B"), (80.0, &v, "A")),
        Less,
        "higher wins"
    );
    assert_eq!(
        higher.order((80.0, &old, "A"), (80.0, &young, "B")),
        Greater,
        "lower ISEE first"
    );
    let art16 = Template::er_art16();
    assert_eq!(
        art16.order((100.0, &old, "A"), (100.0, &young, "B")),
        Greater,
        "younger first"
    );
    assert_eq!(
        art16.order((100.0, &young, "B"), (100.0, &young, "B")),
        Equal
    );
}

#[test]
fn inputs_come_from_the_record_with_zero_dependents_when_undeclared() {
    let mut c: CandidateRecord = crate::model::read_jsonl_from(
        include_str!("../../tests/fixtures/candidates.jsonl").as_bytes(),
        "fixture",
    )
    .unwrap()
    .remove(0);
    c.ranking = None;
    c.targeted = None;
    let i = Inputs::of(&c);
    assert_eq!(i.did_date, c.did_date);
    assert_eq!(
        (i.dependents, i.isee_eur, i.birth_date, i.invalidity_pct),
        (0, None, None, None)
    );
}

#[test]
fn templates_validate_their_numbers_and_bands() {
    for t in [
        Template::dpr246_l68(),
        Template::er_l68_notice(),
        Template::er_art16(),
    ] {
        assert_eq!(t.validate(), Ok(()), "{}", t.name);
    }
    let mut t = Template::er_l68_notice();
    if let Rule::Linear { min, max, .. } = &mut t.terms[1].rule {
        *min = Some(80.0);
        *max = Some(72.0);
    }
    assert!(t.validate().unwrap_err().contains("is above rule.max"));
    let mut t = Template::dpr246_l68();
    if let Rule::Bands { bands } = &mut t.terms[3].rule {
        bands[1].from = 34.0;
    }
    assert!(t.validate().unwrap_err().contains("bands must ascend"));
    let mut t = Template::dpr246_l68();
    t.base = f64::INFINITY;
    assert!(t.validate().is_err());
    let mut t = Template::dpr246_l68();
    if let Rule::Linear { per, .. } = &mut t.terms[0].rule {
        *per = 0.0;
    }
    assert!(t.validate().unwrap_err().contains("rule.per"));
}
