//! Unit tests of [`super`] (congruity).

use super::*;
use crate::model::{read_json_from, read_jsonl_from, Benefit, Experience};

/// Fixed travel minutes, whatever the distance.
struct Minutes(f64);
impl TravelTime for Minutes {
    fn minutes(&self, _: &crate::geo::Comune, _: &crate::geo::Comune, _: f64) -> f64 {
        self.0
    }
}

fn as_of() -> Date {
    Date::parse("2026-11-01").unwrap()
}

/// The first day of the month `months` before `as_of` (2026-11-01): exactly
/// `months` complete months ago.
fn months_ago(months: i32) -> Date {
    let m = 2026 * 12 + 10 - months;
    Date::parse(&format!("{:04}-{:02}-01", m / 12, m % 12 + 1)).unwrap()
}

/// The fixture welder (ISCO 7212 desired and practised) on a benefit,
/// with a DID `months` ago.
fn person(scheme: BenefitScheme, months: i32) -> CandidateRecord {
    let all: Vec<CandidateRecord> = read_jsonl_from(
        include_str!("../../tests/fixtures/candidates.jsonl").as_bytes(),
        "fixture",
    )
    .unwrap();
    let mut c = all.into_iter().next().unwrap();
    c.did_date = Some(months_ago(months));
    c.desired_isco = vec!["7212".into()];
    c.experiences = vec![Experience {
        isco: "7212".into(),
        months: 60,
        end_year: Some(2026),
        certified: false,
    }];
    c.benefit = Some(Benefit {
        scheme,
        monthly_eur: 1000.0,
        last_contract_hours: Some(40.0),
    });
    c.children_under_14 = false;
    c
}

/// The fixture vacancy: welder (7212), fixed term 6 months, 40 h, pay 1750,
/// CCNL minimum 1600.
fn vacancy() -> VacancyRecord {
    read_json_from(
        include_str!("../../tests/fixtures/vacancy.json").as_bytes(),
        "fixture",
    )
    .unwrap()
}

fn regimes() -> Vec<Regime> {
    vec![Regime::dm2018(), Regime::adi2023()]
}

fn eval(c: &CandidateRecord, v: &VacancyRecord, km: f64, minutes: f64) -> Congruity {
    evaluate(&regimes(), c, v, km, &Minutes(minutes), as_of()).expect("a benefit")
}

/// The outcome of the criterion `name` (the first of that name).
fn passes(g: &Congruity, name: &str) -> bool {
    let c = g
        .criteria
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no criterion {name} in {g:?}"));
    c.outcome == Outcome::Pass
}

fn criterion<'a>(g: &'a Congruity, name: &str) -> &'a CongruityCriterion {
    g.criteria.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn no_benefit_or_no_regime_for_the_scheme_gives_no_verdict() {
    let mut c = person(BenefitScheme::Naspi, 3);
    c.benefit = None;
    assert!(evaluate(&regimes(), &c, &vacancy(), 1.0, &Minutes(10.0), as_of()).is_none());
    let c = person(BenefitScheme::Adi, 3);
    assert!(evaluate(
        &[Regime::dm2018()],
        &c,
        &vacancy(),
        1.0,
        &Minutes(10.0),
        as_of()
    )
    .is_none());
}

#[test]
fn the_regime_follows_the_scheme_and_every_criterion_is_listed() {
    for (scheme, regime) in [
        (BenefitScheme::Naspi, "dm2018"),
        (BenefitScheme::DisColl, "dm2018"),
        (BenefitScheme::Adi, "adi2023"),
        (BenefitScheme::Sfl, "adi2023"),
    ] {
        let g = eval(&person(scheme, 3), &vacancy(), 10.0, 20.0);
        assert_eq!(g.regime, regime, "{scheme:?}");
        assert!(g.congruous, "{g:?}");
        assert_eq!(g.months_since_did, 3);
        let names: Vec<&str> = g.criteria.iter().map(|c| c.name).collect();
        let want: &[&str] = if regime == "dm2018" {
            &[
                "coherence",
                "distance",
                "contract",
                "hours",
                "pay_ccnl",
                "pay_benefit",
            ]
        } else {
            &["coherence", "distance", "contract", "hours", "pay_ccnl"]
        };
        assert_eq!(names, want);
    }
}

#[test]
fn dm2018_coherence_bands_switch_at_6_and_12_months() {
    let mut v = vacancy();
    // 7213: same minor group (721) as the person's 7212, not a desired profession.
    v.isco = "7213".into();
    for (months, coherent) in [(0, false), (5, false), (6, true), (11, true), (12, true)] {
        let g = eval(&person(BenefitScheme::Naspi, months), &v, 10.0, 20.0);
        assert_eq!(passes(&g, "coherence"), coherent, "{months} months: {g:?}");
        assert_eq!(g.months_since_did, months as u32);
    }
    // 5120 (cooks): another minor group; coherent only from 12 months.
    v.isco = "5120".into();
    for (months, coherent) in [(6, false), (11, false), (12, true), (30, true)] {
        let g = eval(&person(BenefitScheme::Naspi, months), &v, 10.0, 20.0);
        assert_eq!(passes(&g, "coherence"), coherent, "{months} months");
    }
    // In the first band only the pact's professions count.
    v.isco = "7212".into();
    assert!(passes(
        &eval(&person(BenefitScheme::Naspi, 0), &v, 10.0, 20.0),
        "coherence"
    ));
    // A bare major group (an unconfident import) is never coherent.
    let mut c = person(BenefitScheme::Naspi, 0);
    c.desired_isco = vec!["7".into()];
    assert!(!passes(&eval(&c, &v, 10.0, 20.0), "coherence"));
}

#[test]
fn a_day_short_of_six_months_is_still_the_first_band() {
    let mut v = vacancy();
    v.isco = "7213".into();
    let mut c = person(BenefitScheme::Naspi, 6);
    c.did_date = Some(months_ago(6).add_days(1));
    let g = eval(&c, &v, 10.0, 20.0);
    assert_eq!(g.months_since_did, 5);
    assert!(!passes(&g, "coherence"));
}

#[test]
fn dm2018_distance_is_km_or_minutes_at_the_band_limits() {
    let v = vacancy();
    let early = person(BenefitScheme::Naspi, 3);
    // ≤ 50 km or ≤ 80 min in the first year.
    assert!(passes(&eval(&early, &v, 50.0, 500.0), "distance"));
    assert!(!passes(&eval(&early, &v, 50.1, 80.1), "distance"));
    assert!(passes(&eval(&early, &v, 70.0, 80.0), "distance"));
    let d = criterion(&eval(&early, &v, 50.1, 90.0), "distance").clone();
    assert_eq!((d.value, d.threshold), (Some(50.1), Some(50.0)));
    // ≤ 80 km or ≤ 100 min after 12 months.
    let late = person(BenefitScheme::Naspi, 12);
    assert!(passes(&eval(&late, &v, 80.0, 500.0), "distance"));
    assert!(passes(&eval(&late, &v, 120.0, 100.0), "distance"));
    assert!(!passes(&eval(&late, &v, 80.1, 100.1), "distance"));
}

#[test]
fn adi_permanent_contracts_are_congruous_anywhere_unless_children_under_14() {
    let mut v = vacancy();
    v.contract.kind = ContractType::Permanent;
    let mut c = person(BenefitScheme::Adi, 3);
    assert!(passes(&eval(&c, &v, 600.0, 600.0), "distance"));
    c.children_under_14 = true;
    assert!(!passes(&eval(&c, &v, 80.1, 120.1), "distance"));
    assert!(passes(&eval(&c, &v, 80.0, 500.0), "distance"));
    assert!(passes(&eval(&c, &v, 300.0, 120.0), "distance"));
    // A fixed-term contract has the limit even without children.
    c.children_under_14 = false;
    v.contract.kind = ContractType::FixedTerm;
    assert!(!passes(&eval(&c, &v, 80.1, 120.1), "distance"));
    // dm2018 has no "anywhere" for permanent contracts.
    v.contract.kind = ContractType::Permanent;
    assert!(!passes(
        &eval(&person(BenefitScheme::Naspi, 3), &v, 80.1, 200.0),
        "distance"
    ));
}

#[test]
fn dm2018_contracts_need_a_listed_type_and_three_months() {
    let c = person(BenefitScheme::Naspi, 3);
    let mut v = vacancy();
    for (kind, months, ok) in [
        (ContractType::FixedTerm, Some(3), true),
        (ContractType::FixedTerm, Some(2), false),
        (ContractType::FixedTerm, None, false),
        (ContractType::Agency, Some(3), true),
        (ContractType::Permanent, None, true),
        (ContractType::Apprenticeship, Some(36), false),
        (ContractType::Internship, Some(6), false),
    ] {
        v.contract.kind = kind;
        v.contract.months = months;
        let g = eval(&c, &v, 10.0, 20.0);
        assert_eq!(passes(&g, "contract"), ok, "{kind:?} {months:?}");
        assert_eq!(criterion(&g, "contract").threshold, Some(3.0));
    }
    // adi2023 takes any contract of any length.
    v.contract.kind = ContractType::Internship;
    v.contract.months = Some(1);
    assert!(passes(
        &eval(&person(BenefitScheme::Sfl, 3), &v, 10.0, 20.0),
        "contract"
    ));
}

#[test]
fn hours_thresholds_are_80_percent_of_the_last_contract_or_60_percent_of_full_time() {
    let mut v = vacancy();
    let naspi = person(BenefitScheme::Naspi, 3);
    for (h, ok) in [(32.0, true), (31.9, false), (40.0, true)] {
        v.contract.hours_per_week = h;
        let g = eval(&naspi, &v, 10.0, 20.0);
        assert_eq!(passes(&g, "hours"), ok, "{h} h");
        let t = criterion(&g, "hours").threshold.unwrap();
        assert!((t - 32.0).abs() < 1e-9, "{t}");
    }
    // Unknown last hours: not checked, passes.
    let mut unknown = naspi.clone();
    unknown.benefit.as_mut().unwrap().last_contract_hours = None;
    v.contract.hours_per_week = 5.0;
    assert!(passes(&eval(&unknown, &v, 10.0, 20.0), "hours"));
    let adi = person(BenefitScheme::Adi, 3);
    for (h, ok) in [(24.0, true), (23.9, false)] {
        v.contract.hours_per_week = h;
        let g = eval(&adi, &v, 10.0, 20.0);
        assert_eq!(passes(&g, "hours"), ok, "{h} h");
        let t = criterion(&g, "hours").threshold.unwrap();
        assert!((t - 24.0).abs() < 1e-9, "{t}");
    }
}

#[test]
fn pay_reaches_the_ccnl_minimum_and_120_percent_of_the_benefit_exactly() {
    let c = person(BenefitScheme::Naspi, 3); // benefit 1000 a month
    let mut v = vacancy();
    v.contract.ccnl_min_monthly_eur = Some(1200.0);
    v.contract.gross_monthly_eur = Some(1200.0);
    let g = eval(&c, &v, 10.0, 20.0);
    assert!(passes(&g, "pay_ccnl") && passes(&g, "pay_benefit"), "{g:?}");
    assert!(g.congruous);
    v.contract.gross_monthly_eur = Some(1199.99);
    let g = eval(&c, &v, 10.0, 20.0);
    assert!(!passes(&g, "pay_ccnl") && !passes(&g, "pay_benefit"));
    assert!(!g.congruous, "one failing criterion makes it not congruous");
    // 120% of a benefit in cents that floats cannot hold exactly.
    let mut odd = c.clone();
    odd.benefit.as_mut().unwrap().monthly_eur = 1234.45;
    v.contract.ccnl_min_monthly_eur = Some(1000.0);
    v.contract.gross_monthly_eur = Some(1481.34);
    assert!(passes(&eval(&odd, &v, 10.0, 20.0), "pay_benefit"));
    v.contract.gross_monthly_eur = Some(1481.33);
    assert!(!passes(&eval(&odd, &v, 10.0, 20.0), "pay_benefit"));
    // Pay or minimum not stated: not shown to be congruous.
    v.contract.gross_monthly_eur = None;
    let g = eval(&c, &v, 10.0, 20.0);
    assert!(!passes(&g, "pay_ccnl") && !passes(&g, "pay_benefit"));
    v.contract.gross_monthly_eur = Some(2000.0);
    v.contract.ccnl_min_monthly_eur = None;
    assert!(!passes(&eval(&c, &v, 10.0, 20.0), "pay_ccnl"));
}

#[test]
fn regimes_validate_their_bands_and_numbers() {
    assert_eq!(Regime::dm2018().validate(), Ok(()));
    assert_eq!(Regime::adi2023().validate(), Ok(()));
    let mut r = Regime::dm2018();
    r.bands[0].from_months = 1;
    assert!(r.validate().unwrap_err().contains("from_months = 0"));
    let mut r = Regime::dm2018();
    r.bands[2].from_months = 6;
    assert!(r.validate().unwrap_err().contains("increasing"));
    let mut r = Regime::dm2018();
    r.bands[1].max_km = f64::NAN;
    assert!(r.validate().unwrap_err().contains("bands[1].max_km"));
    let mut r = Regime::dm2018();
    r.min_benefit_ratio = Some(10.5);
    assert!(r.validate().unwrap_err().contains("min_benefit_ratio"));
    let mut r = Regime::adi2023();
    r.schemes.clear();
    assert!(r.validate().unwrap_err().contains("schemes"));
}
