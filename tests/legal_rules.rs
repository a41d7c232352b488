//! The legal rules, case by case (issue 3): congruity under the `dm2018` and
//! `adi2023` regimes at their boundaries (art. 25 D.Lgs 150/2015, DM 10/4/2018,
//! DL 48/2023 art. 9), targeted-placement compatibility (L. 68/1999, ICF), the
//! three graduatoria presets with hand-computed points, explain/roster and
//! offers agreement, narrowing and the `only_congruous` policy flag.
//!
//! Every table row carries a label so that a failure names the case. All
//! engines are in memory and every date rule uses `as_of` = 2026-11-01.

use rosa::congruity::{self, Congruity, CongruityCriterion};
use rosa::date::Date;
use rosa::geo::{Comune, DistanceModel, TravelTime};
use rosa::lang::Lang;
use rosa::model::{CandidateRecord, VacancyRecord};
use rosa::rules::Outcome;
use rosa::{Engine, Policy};
use serde_json::{json, Value};

const AS_OF: &str = "2026-11-01";
const MILANO: &str = "015146";
const ROMA: &str = "058091";
const TIG: &str = "http://data.europa.eu/esco/skill/a51adea8-bf02-488a-a0d8-b0961caca5b0";
const FORKLIFT: &str = "http://data.europa.eu/esco/skill/28cb374e-6261-4133-8371-f9a5470145da";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn as_of() -> Date {
    Date::parse(AS_OF).unwrap()
}

fn policy() -> Policy {
    Policy {
        as_of: Some(as_of()),
        ..Policy::default()
    }
}

/// Deep merge of JSON objects: keys of `patch` replace or recurse into `base`.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// A person in Milan, available (DID 2026-09-01, confirmed 2026-10-15), EQF 4,
/// 36 months as a welder (7212, desired too), English B1, licence B, accepting
/// everything within 40 km; `patch` changes any field.
fn person(id: &str, patch: Value) -> CandidateRecord {
    let mut v = json!({
        "id": id,
        "domicile": MILANO,
        "did_date": "2026-09-01",
        "availability_confirmed": "2026-10-15",
        "education_eqf": 4,
        "experiences": [{"isco": "7212", "months": 36}],
        "desired_isco": ["7212"],
        "languages": [{"code": "en", "cefr": "B1"}],
        "licences": ["B"],
        "availability": {
            "max_km": 40,
            "contracts": ["permanent", "fixed_term", "agency", "apprenticeship", "internship"],
            "full_time": true, "part_time": true, "shifts": true, "nights": true
        }
    });
    merge(&mut v, &patch);
    serde_json::from_value(v).unwrap_or_else(|e| panic!("person {id}: {e}"))
}

/// A welder vacancy in Milan: fixed term 6 months, 40 h, €1,750 against a CCNL
/// minimum of €1,600, published 2026-10-01, preselection; `patch` changes any field.
fn vacancy(id: &str, patch: Value) -> VacancyRecord {
    let mut v = json!({
        "id": id,
        "employer": "E1",
        "isco": "7212",
        "title": "Saldatore TIG",
        "text": "saldatore TIG carpenteria",
        "workplace": MILANO,
        "contract": {
            "type": "fixed_term", "months": 6, "hours_per_week": 40,
            "gross_monthly_eur": 1750.0, "ccnl_min_monthly_eur": 1600.0
        },
        "published": "2026-10-01"
    });
    merge(&mut v, &patch);
    serde_json::from_value(v).unwrap_or_else(|e| panic!("vacancy {id}: {e}"))
}

/// A travel-time model returning a fixed number of minutes.
struct Minutes(f64);

impl TravelTime for Minutes {
    fn minutes(&self, _from: &Comune, _to: &Comune, _km: f64) -> f64 {
        self.0
    }
}

fn criterion<'a>(c: &'a Congruity, name: &str, label: &str) -> &'a CongruityCriterion {
    let found: Vec<&CongruityCriterion> = c.criteria.iter().filter(|x| x.name == name).collect();
    assert_eq!(found.len(), 1, "{label}: one {name} criterion in {c:?}");
    found[0]
}

fn approx(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-6,
        (None, None) => true,
        _ => false,
    }
}

fn pass(ok: bool) -> Outcome {
    if ok {
        Outcome::Pass
    } else {
        Outcome::Fail
    }
}

/// One congruity criterion at a boundary.
struct CritCase {
    label: &'static str,
    cand: Value,
    vac: Value,
    km: f64,
    minutes: f64,
    name: &'static str,
    pass: bool,
    value: Option<f64>,
    threshold: Option<f64>,
    /// A fragment the criterion's detail must contain.
    detail: &'static str,
}

#[allow(clippy::too_many_arguments)]
fn crit(
    label: &'static str,
    cand: Value,
    vac: Value,
    (km, minutes): (f64, f64),
    name: &'static str,
    pass: bool,
    (value, threshold): (Option<f64>, Option<f64>),
    detail: &'static str,
) -> CritCase {
    CritCase {
        label,
        cand,
        vac,
        km,
        minutes,
        name,
        pass,
        value,
        threshold,
        detail,
    }
}

/// Evaluates each case with the default policy's regimes; every case keeps
/// every other criterion passing, so the verdict is the criterion's outcome.
fn run_crit_cases(cases: &[CritCase], regime: &str) {
    let regimes = policy().regimes;
    for k in cases {
        let c = person("C1", k.cand.clone());
        let v = vacancy("V1", k.vac.clone());
        let got = congruity::evaluate(&regimes, &c, &v, k.km, &Minutes(k.minutes), as_of())
            .unwrap_or_else(|| panic!("{}: congruity applies", k.label));
        assert_eq!(got.regime, regime, "{}", k.label);
        let x = criterion(&got, k.name, k.label);
        assert_eq!(x.outcome, pass(k.pass), "{}: {x:?}", k.label);
        assert!(
            approx(x.value, k.value),
            "{}: value {:?}, expected {:?}",
            k.label,
            x.value,
            k.value
        );
        assert!(
            approx(x.threshold, k.threshold),
            "{}: threshold {:?}, expected {:?}",
            k.label,
            x.threshold,
            k.threshold
        );
        let detail = rosa::render::criterion(&x.detail, Lang::En);
        assert!(
            detail.contains(k.detail),
            "{}: detail {:?} lacks {:?}",
            k.label,
            detail,
            k.detail
        );
        assert_eq!(got.congruous, k.pass, "{}: verdict {got:?}", k.label);
    }
}

fn ids(r: &rosa::Roster) -> Vec<&str> {
    r.entries.iter().map(|e| e.candidate_id.as_str()).collect()
}

// ---------------------------------------------------------------------------------------
// 1. dm2018
// ---------------------------------------------------------------------------------------

#[test]
fn dm2018_boundaries_of_months_distance_time_contract_hours_and_pay() {
    let regimes = policy().regimes;
    let naspi =
        json!({"benefit": {"scheme": "naspi", "monthly_eur": 1150.0, "last_contract_hours": 40}});

    // Months since the DID: complete calendar months; a band applies from its
    // from_months inclusive (congruity.rs: exactly 6 months is the second band,
    // exactly 12 the third). The person desires 7214 and worked as 7214: the
    // first band (vacancy ISCO 7212 among the pact's professions) fails
    // coherence, the second (same minor group 721) passes, the third accepts any
    // profession. At 60 km and 200 min the distance fails within 12 months
    // (50 km / 80 min) and passes beyond (80 km / 100 min).
    #[rustfmt::skip]
    let bands = [
        // label, DID, months, coherence passes, km limit, detail fragment
        ("one day short of 6 months", "2026-05-02", 5, false, 50.0, "not among"),
        ("exactly 6 months", "2026-05-01", 6, true, 50.0, "minor group"),
        ("6 months and one day", "2026-04-30", 6, true, 50.0, "minor group"),
        ("one day short of 12 months", "2025-11-02", 11, true, 50.0, "minor group"),
        ("exactly 12 months", "2025-11-01", 12, true, 80.0, "any profession after 12 months"),
        ("12 months and one day", "2025-10-31", 12, true, 80.0, "any profession after 12 months"),
    ];
    for (label, did, months, coherent, km_limit, detail) in bands {
        let mut patch = naspi.clone();
        merge(
            &mut patch,
            &json!({"did_date": did, "desired_isco": ["7214"],
                    "experiences": [{"isco": "7214", "months": 24}]}),
        );
        let c = person("C1", patch);
        let v = vacancy("V1", json!({}));
        let got = congruity::evaluate(&regimes, &c, &v, 60.0, &Minutes(200.0), as_of()).unwrap();
        assert_eq!(got.regime, "dm2018", "{label}");
        assert_eq!(got.months_since_did, months, "{label}");
        let coh = criterion(&got, "coherence", label);
        assert_eq!(coh.outcome, pass(coherent), "{label}: {coh:?}");
        assert!(
            rosa::render::criterion(&coh.detail, Lang::En).contains(detail),
            "{label}: {coh:?}"
        );
        let d = criterion(&got, "distance", label);
        assert_eq!(d.threshold, Some(km_limit), "{label}: {d:?}");
        assert_eq!(d.value, Some(60.0), "{label}");
        assert_eq!(d.outcome, pass(km_limit == 80.0), "{label}: 60 km, {d:?}");
    }

    // Every row starts from the NASpI person (DID 2026-09-01: 2 months, unless
    // the row says otherwise) and the welder vacancy; (km, minutes) are fed to
    // the criterion directly; (value, threshold) are the reported numbers.
    let b12 = json!({"did_date": "2025-06-01"}); // 17 months
    let h38 = json!({"benefit": {"last_contract_hours": 38}});
    let b1234 = json!({"benefit": {"monthly_eur": 1234.5}});
    let e = json!({});
    #[rustfmt::skip]
    let cases = vec![
        // Distance or travel time (either suffices): ≤ 12 months 50 km / 80 min, then 80 km / 100 min.
        crit("≤12 months: exactly 50 km", e.clone(), e.clone(), (50.0, 999.0), "distance", true, (Some(50.0), Some(50.0)), "50 km ≤ 50 km"),
        crit("≤12 months: 50.01 km, 999 min", e.clone(), e.clone(), (50.01, 999.0), "distance", false, (Some(50.01), Some(50.0)), "> 50 km"),
        crit("≤12 months: 200 km but exactly 80 min", e.clone(), e.clone(), (200.0, 80.0), "distance", true, (Some(200.0), Some(50.0)), "80 min ≤ 80 min"),
        crit("≤12 months: 200 km and 80.1 min", e.clone(), e.clone(), (200.0, 80.1), "distance", false, (Some(200.0), Some(50.0)), "80.1 min > 80 min"),
        crit(">12 months: exactly 80 km", b12.clone(), e.clone(), (80.0, 999.0), "distance", true, (Some(80.0), Some(80.0)), "80 km ≤ 80 km"),
        crit(">12 months: 80.01 km, 999 min", b12.clone(), e.clone(), (80.01, 999.0), "distance", false, (Some(80.01), Some(80.0)), "> 80 km"),
        crit(">12 months: 200 km but exactly 100 min", b12.clone(), e.clone(), (200.0, 100.0), "distance", true, (Some(200.0), Some(80.0)), "100 min ≤ 100 min"),
        crit(">12 months: 200 km and 100.1 min", b12.clone(), e.clone(), (200.0, 100.1), "distance", false, (Some(200.0), Some(80.0)), "100.1 min > 100 min"),
        crit("permanent is not exempt from distance under dm2018", e.clone(), json!({"contract": {"type": "permanent", "months": null}}), (50.01, 999.0), "distance", false, (Some(50.01), Some(50.0)), "> 50 km"),
        // Contract: permanent, fixed-term or agency ≥ 3 months.
        crit("fixed term of exactly 3 months", e.clone(), json!({"contract": {"months": 3}}), (0.0, 15.0), "contract", true, (Some(3.0), Some(3.0)), "fixed_term of 3 months ≥ 3"),
        crit("fixed term of 2 months", e.clone(), json!({"contract": {"months": 2}}), (0.0, 15.0), "contract", false, (Some(2.0), Some(3.0)), "fixed_term of 2 months < 3"),
        crit("agency of exactly 3 months", e.clone(), json!({"contract": {"type": "agency", "months": 3}}), (0.0, 15.0), "contract", true, (Some(3.0), Some(3.0)), "agency of 3 months ≥ 3"),
        crit("fixed term of unstated duration", e.clone(), json!({"contract": {"months": null}}), (0.0, 15.0), "contract", false, (None, Some(3.0)), "unstated duration"),
        crit("permanent, no duration needed", e.clone(), json!({"contract": {"type": "permanent", "months": null}}), (0.0, 15.0), "contract", true, (None, Some(3.0)), "permanent accepted"),
        crit("apprenticeship is not a congruous type", e.clone(), json!({"contract": {"type": "apprenticeship", "months": 36}}), (0.0, 15.0), "contract", false, (Some(36.0), Some(3.0)), "not among the congruous types"),
        // Hours: ≥ 80% of the last contract's weekly hours.
        crit("exactly 80% of 40 h", e.clone(), json!({"contract": {"hours_per_week": 32}}), (0.0, 15.0), "hours", true, (Some(32.0), Some(32.0)), "32 h ≥ 80% of 40 h = 32 h"),
        crit("31.9 h, below 80% of 40 h", e.clone(), json!({"contract": {"hours_per_week": 31.9}}), (0.0, 15.0), "hours", false, (Some(31.9), Some(32.0)), "31.9 h <"),
        // 0.8 × 38 = 30.400000000000002 in floating point: 30.4 h must still pass.
        crit("exactly 80% of 38 h (float trap)", h38.clone(), json!({"contract": {"hours_per_week": 30.4}}), (0.0, 15.0), "hours", true, (Some(30.4), Some(30.4)), "30.4 h ≥"),
        crit("30.3 h, below 80% of 38 h", h38.clone(), json!({"contract": {"hours_per_week": 30.3}}), (0.0, 15.0), "hours", false, (Some(30.3), Some(30.4)), "30.3 h <"),
        crit("last contract hours unknown: not checked", json!({"benefit": {"last_contract_hours": null}}), json!({"contract": {"hours_per_week": 10}}), (0.0, 15.0), "hours", true, (Some(10.0), None), "not checked"),
        // Pay: ≥ 120% of the monthly benefit (compared in cents).
        crit("exactly 120% of €1,150", e.clone(), json!({"contract": {"gross_monthly_eur": 1380.0, "ccnl_min_monthly_eur": 1300.0}}), (0.0, 15.0), "pay_benefit", true, (Some(1380.0), Some(1380.0)), "1380 ≥ 120% of benefit 1150 = 1380"),
        crit("one cent below 120% of €1,150", e.clone(), json!({"contract": {"gross_monthly_eur": 1379.99, "ccnl_min_monthly_eur": 1300.0}}), (0.0, 15.0), "pay_benefit", false, (Some(1379.99), Some(1380.0)), "< 120%"),
        // 1.2 × 1234.5 = 1481.3999999999999 in floating point: €1,481.40 must still pass.
        crit("exactly 120% of €1,234.50 (float trap)", b1234.clone(), json!({"contract": {"gross_monthly_eur": 1481.4, "ccnl_min_monthly_eur": 1300.0}}), (0.0, 15.0), "pay_benefit", true, (Some(1481.4), Some(1481.4)), "≥ 120%"),
        crit("one cent below 120% of €1,234.50", b1234.clone(), json!({"contract": {"gross_monthly_eur": 1481.39, "ccnl_min_monthly_eur": 1300.0}}), (0.0, 15.0), "pay_benefit", false, (Some(1481.39), Some(1481.4)), "< 120%"),
        crit("pay not stated", e.clone(), json!({"contract": {"gross_monthly_eur": null}}), (0.0, 15.0), "pay_benefit", false, (None, Some(1380.0)), "pay not stated"),
        // Pay: ≥ the CCNL minimum.
        crit("pay exactly the CCNL minimum", e.clone(), json!({"contract": {"gross_monthly_eur": 1600.0, "ccnl_min_monthly_eur": 1600.0}}), (0.0, 15.0), "pay_ccnl", true, (Some(1600.0), Some(1600.0)), "1600 ≥ CCNL minimum 1600"),
        crit("pay one cent below the CCNL minimum", e.clone(), json!({"contract": {"gross_monthly_eur": 1599.99, "ccnl_min_monthly_eur": 1600.0}}), (0.0, 15.0), "pay_ccnl", false, (Some(1599.99), Some(1600.0)), "< CCNL minimum"),
        crit("CCNL minimum not stated", e.clone(), json!({"contract": {"ccnl_min_monthly_eur": null}}), (0.0, 15.0), "pay_ccnl", false, (Some(1750.0), None), "CCNL minimum not stated"),
    ];
    let cases: Vec<CritCase> = cases
        .into_iter()
        .map(|mut k| {
            let mut cand = naspi.clone();
            merge(&mut cand, &k.cand);
            k.cand = cand;
            k
        })
        .collect();
    run_crit_cases(&cases, "dm2018");

    // DIS-COLL falls under dm2018 too; no benefit, no congruity.
    let v = vacancy("V1", json!({}));
    let dc = person(
        "C2",
        json!({"benefit": {"scheme": "dis_coll", "monthly_eur": 900.0}}),
    );
    let got = congruity::evaluate(&regimes, &dc, &v, 0.0, &Minutes(15.0), as_of()).unwrap();
    assert_eq!((got.regime.as_str(), got.congruous), ("dm2018", true));
    let names: Vec<&str> = got.criteria.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "coherence",
            "distance",
            "contract",
            "hours",
            "pay_ccnl",
            "pay_benefit"
        ]
    );
    let plain = person("C3", json!({}));
    assert!(congruity::evaluate(&regimes, &plain, &v, 0.0, &Minutes(15.0), as_of()).is_none());

    // Through the engine: the roster entry reports every criterion with its value
    // and threshold (JSON), on real comuni and the default travel model.
    let c = person("C1", naspi.clone());
    let engine = Engine::in_memory(vec![c, plain], vec![]).unwrap();
    let r = engine.roster(&v, &policy()).unwrap();
    let doc = rosa::lang::with(Lang::En, || serde_json::to_value(&r)).unwrap();
    let entry = |id: &str| {
        doc["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["candidate_id"] == id)
            .unwrap_or_else(|| panic!("{id} in the roster"))
            .clone()
    };
    let e = entry("C1");
    assert_eq!(e["congruity"]["regime"], "dm2018");
    assert_eq!(e["congruity"]["congruous"], true);
    assert_eq!(e["congruity"]["months_since_did"], 2);
    let by_name = |n: &str| {
        e["congruity"]["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("criterion {n} in {e}"))
            .clone()
    };
    for (name, value, threshold) in [
        ("distance", 0.0, 50.0),
        ("contract", 6.0, 3.0),
        ("hours", 40.0, 32.0),
        ("pay_ccnl", 1750.0, 1600.0),
        ("pay_benefit", 1750.0, 1380.0),
    ] {
        let c = by_name(name);
        assert_eq!(c["outcome"], "pass", "{name}: {c}");
        assert_eq!(c["value"].as_f64(), Some(value), "{name}: {c}");
        assert!(
            (c["threshold"].as_f64().unwrap() - threshold).abs() < 1e-9,
            "{name}: {c}"
        );
        assert!(!c["detail"].as_str().unwrap().is_empty(), "{name}");
    }
    assert_eq!(by_name("coherence")["outcome"], "pass");
    // The default model turns 0 km (same comune) into its access time, 15 min.
    assert_eq!(policy().travel, DistanceModel::default());
    let d = by_name("distance");
    assert!(
        d["detail"]
            .as_str()
            .unwrap()
            .contains("about 15 min ≤ 80 min"),
        "{d}"
    );
    // The person without a benefit gets congruity null.
    assert!(entry("C3")["congruity"].is_null());
}

// ---------------------------------------------------------------------------------------
// 2. adi2023
// ---------------------------------------------------------------------------------------

#[test]
fn adi2023_children_under_14_and_its_other_criteria() {
    let adi = json!({"benefit": {"scheme": "adi", "monthly_eur": 500.0},
                     "desired_isco": ["5120"], "experiences": []});
    let kids = {
        let mut p = adi.clone();
        merge(&mut p, &json!({"children_under_14": true}));
        p
    };
    let perm = json!({"contract": {"type": "permanent", "months": null}});
    let agency = json!({"contract": {"type": "agency", "months": 2}});
    let e = json!({});
    #[rustfmt::skip]
    let cases = vec![
        // A permanent contract is congruous anywhere, unless the person has
        // children under 14: then ≤ 80 km or ≤ 120 min.
        crit("permanent, no children, 450 km", adi.clone(), perm.clone(), (450.0, 999.0), "distance", true, (Some(450.0), None), "permanent contract, any distance"),
        crit("permanent, children, exactly 80 km", kids.clone(), perm.clone(), (80.0, 999.0), "distance", true, (Some(80.0), Some(80.0)), "80 km ≤ 80 km"),
        crit("permanent, children, 80.01 km and 120.1 min", kids.clone(), perm.clone(), (80.01, 120.1), "distance", false, (Some(80.01), Some(80.0)), "120.1 min > 120 min"),
        crit("permanent, children, 450 km but exactly 120 min", kids.clone(), perm.clone(), (450.0, 120.0), "distance", true, (Some(450.0), Some(80.0)), "120 min ≤ 120 min"),
        // Fixed-term or agency: ≤ 80 km or ≤ 120 min, children or not.
        crit("fixed term, no children, exactly 80 km", adi.clone(), e.clone(), (80.0, 999.0), "distance", true, (Some(80.0), Some(80.0)), "80 km ≤ 80 km"),
        crit("fixed term, no children, 80.01 km", adi.clone(), e.clone(), (80.01, 999.0), "distance", false, (Some(80.01), Some(80.0)), "> 80 km"),
        crit("agency, children, 80.01 km", kids.clone(), agency.clone(), (80.01, 999.0), "distance", false, (Some(80.01), Some(80.0)), "> 80 km"),
        crit("agency, no children, 80.01 km", adi.clone(), agency.clone(), (80.01, 999.0), "distance", false, (Some(80.01), Some(80.0)), "> 80 km"),
        // Any contract, any duration; any profession.
        crit("agency of 2 months is congruous", adi.clone(), agency.clone(), (0.0, 15.0), "contract", true, (Some(2.0), None), "agency accepted"),
        crit("apprenticeship is congruous", adi.clone(), json!({"contract": {"type": "apprenticeship", "months": 36}}), (0.0, 15.0), "contract", true, (Some(36.0), None), "apprenticeship accepted"),
        crit("any profession (vacancy 7212, pact 5120)", adi.clone(), e.clone(), (0.0, 15.0), "coherence", true, (None, None), "any profession"),
        // Hours: full time or part time ≥ 60% of 40 h = 24 h.
        crit("exactly 60% of full time", adi.clone(), json!({"contract": {"hours_per_week": 24}}), (0.0, 15.0), "hours", true, (Some(24.0), Some(24.0)), "24 h ≥ 60% of full time 40 h = 24 h"),
        crit("23.9 h, below 60% of full time", adi.clone(), json!({"contract": {"hours_per_week": 23.9}}), (0.0, 15.0), "hours", false, (Some(23.9), Some(24.0)), "23.9 h <"),
        // Pay: the CCNL minimum only (no benefit ratio).
        crit("ADI: pay exactly the CCNL minimum", adi.clone(), json!({"contract": {"gross_monthly_eur": 1600.0}}), (0.0, 15.0), "pay_ccnl", true, (Some(1600.0), Some(1600.0)), "≥ CCNL minimum"),
        crit("ADI: pay one cent below the CCNL minimum", adi.clone(), json!({"contract": {"gross_monthly_eur": 1599.99}}), (0.0, 15.0), "pay_ccnl", false, (Some(1599.99), Some(1600.0)), "< CCNL minimum"),
    ];
    run_crit_cases(&cases, "adi2023");

    let regimes = policy().regimes;
    let v = vacancy("V1", json!({}));
    // No benefit-ratio criterion in adi2023; SFL falls under it too.
    let sfl = person(
        "C2",
        json!({"benefit": {"scheme": "sfl", "monthly_eur": 350.0}}),
    );
    let got = congruity::evaluate(&regimes, &sfl, &v, 0.0, &Minutes(15.0), as_of()).unwrap();
    assert_eq!((got.regime.as_str(), got.congruous), ("adi2023", true));
    let names: Vec<&str> = got.criteria.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        ["coherence", "distance", "contract", "hours", "pay_ccnl"]
    );

    // Through the engine, Milan to Rome (≈ 477 km, default travel model): a
    // permanent job is congruous without children, not with them.
    let far = vacancy(
        "V2",
        json!({"workplace": ROMA, "contract": {"type": "permanent", "months": null}}),
    );
    let mut reach = json!({"availability": {"max_km": 500}});
    merge(&mut reach, &adi);
    let a = person("A1", reach.clone());
    merge(&mut reach, &json!({"children_under_14": true}));
    let b = person("A2", reach);
    let engine = Engine::in_memory(vec![a, b], vec![]).unwrap();
    let r = engine.roster(&far, &policy()).unwrap();
    assert_eq!(r.eligible, 2);
    for (id, congruous) in [("A1", true), ("A2", false)] {
        let e = r.entries.iter().find(|e| e.candidate_id == id).unwrap();
        let c = e.congruity.clone().unwrap().unwrap();
        assert_eq!(
            (c.regime.as_str(), c.congruous),
            ("adi2023", congruous),
            "{id}"
        );
        let d = criterion(&c, "distance", id);
        assert!((d.value.unwrap() - 477.0).abs() < 10.0, "{id}: {d:?}");
        assert_eq!(
            d.threshold,
            if congruous { None } else { Some(80.0) },
            "{id}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 3. Targeted placement compatibility
// ---------------------------------------------------------------------------------------

#[test]
fn targeted_compatibility_demands_capacities_and_supports() {
    struct Case {
        label: &'static str,
        capacities: Value,
        needs: Value,
        demands: Value,
        supports: Value,
        compatible: bool,
        /// Fragments the compatibility rule's detail must contain.
        named: &'static [&'static str],
        /// Fragments it must not contain.
        not_named: &'static [&'static str],
    }
    let cases = [
        Case {
            label: "demand equal to capacity",
            capacities: json!({"d430": 2}),
            needs: json!([]),
            demands: json!({"d430": 2}),
            supports: json!([]),
            compatible: true,
            named: &["1 demands within capacity"],
            not_named: &[],
        },
        Case {
            label: "demand one above capacity",
            capacities: json!({"d430": 2}),
            needs: json!([]),
            demands: json!({"d430": 3}),
            supports: json!([]),
            compatible: false,
            named: &["d430: demand 3 > capacity 2"],
            not_named: &[],
        },
        Case {
            label: "zero demand on zero capacity",
            capacities: json!({"b230": 0}),
            needs: json!([]),
            demands: json!({"b230": 0}),
            supports: json!([]),
            compatible: true,
            named: &["1 demands within capacity"],
            not_named: &[],
        },
        Case {
            label: "absent capacity counts as 4 (demand 4 passes)",
            capacities: json!({"d430": 1}),
            needs: json!([]),
            demands: json!({"d4154": 4, "night": 4}),
            supports: json!([]),
            compatible: true,
            named: &["2 demands within capacity"],
            not_named: &[],
        },
        Case {
            label: "need without the matching support",
            capacities: json!({}),
            needs: json!(["tutor"]),
            demands: json!({"d430": 1}),
            supports: json!(["adapted_workstation"]),
            compatible: false,
            named: &["needs tutor not provided"],
            not_named: &["d430"],
        },
        Case {
            label: "need with the matching support",
            capacities: json!({}),
            needs: json!(["tutor"]),
            demands: json!({"d430": 1}),
            supports: json!(["technical_aids", "tutor"]),
            compatible: true,
            named: &["supports tutor provided"],
            not_named: &[],
        },
        Case {
            label: "several failing dimensions and a missing support, all named",
            capacities: json!({"d430": 1, "b230": 0, "d4154": 3}),
            needs: json!(["technical_aids", "tutor"]),
            demands: json!({"d430": 2, "b230": 1, "d4154": 3}),
            supports: json!(["tutor"]),
            compatible: false,
            named: &[
                "d430: demand 2 > capacity 1",
                "b230: demand 1 > capacity 0",
                "needs technical_aids not provided",
            ],
            not_named: &["d4154", "needs tutor"],
        },
    ];
    let people: Vec<CandidateRecord> = cases
        .iter()
        .enumerate()
        .map(|(i, k)| {
            person(
                &format!("T{i}"),
                json!({"targeted": {"list": "art1", "enrolled": "2024-01-10", "invalidity_pct": 67,
                                    "capacities": k.capacities, "needs": k.needs}}),
            )
        })
        .collect();
    let engine = Engine::in_memory(people, vec![]).unwrap();
    for (i, k) in cases.iter().enumerate() {
        let id = format!("T{i}");
        let v = vacancy(
            &format!("VT{i}"),
            json!({"mode": "targeted_nominative", "targeted_list": "art1",
                   "demands": k.demands, "supports": k.supports, "applicants": [id]}),
        );
        let e = engine.explain(&v, &policy(), &id).unwrap();
        let label = k.label;
        assert_eq!(e.eligible, k.compatible, "{label}: {:?}", e.rules);
        let rule = e.rules.iter().find(|r| r.name == "compatibility").unwrap();
        assert_eq!(rule.outcome, pass(k.compatible), "{label}: {rule:?}");
        let detail = rosa::render::rule(&rule.detail, Lang::En);
        for f in k.named {
            assert!(detail.contains(f), "{label}: {detail:?} lacks {f:?}");
        }
        for f in k.not_named {
            assert!(!detail.contains(f), "{label}: {detail:?} has {f:?}");
        }
        // The structured compatibility agrees, dimension by dimension.
        let comp = e.compatibility.as_ref().expect("targeted mode");
        assert_eq!(comp.compatible, k.compatible, "{label}");
        for d in &comp.dimensions {
            let cap = k
                .capacities
                .get(&d.code)
                .map_or(4, |c| c.as_u64().unwrap() as u8);
            assert_eq!(d.capacity, cap, "{label}: {}", d.code);
            assert_eq!(
                d.demand as u64,
                k.demands[&d.code].as_u64().unwrap(),
                "{label}"
            );
            assert_eq!(d.outcome, pass(d.demand <= d.capacity), "{label}: {d:?}");
        }
        assert_eq!(
            comp.dimensions.len(),
            k.demands.as_object().unwrap().len(),
            "{label}"
        );
        if !k.compatible {
            assert_eq!(e.first_failure, Some("compatibility"), "{label}");
            assert_eq!(e.rank, None, "{label}");
        }
        // The roster counts the exclusion under compatibility.
        let r = engine.roster(&v, &policy()).unwrap();
        assert_eq!(r.pool, 1, "{label}");
        assert_eq!(
            r.excluded.get("compatibility"),
            !k.compatible as u64,
            "{label}"
        );
        assert_eq!(
            ids(&r),
            if k.compatible {
                vec![id.as_str()]
            } else {
                vec![]
            },
            "{label}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 4. Graduatorie
// ---------------------------------------------------------------------------------------

/// Checks a graduatoria roster: order, totals and every entry's (name, value,
/// points) terms, base first; and that explain agrees with each entry.
/// A person's expected total and points: `(id, total, [(term, value, points)])`.
type Expected<'a> = (&'a str, f64, &'a [(&'a str, f64, f64)]);

fn check_graduatoria(engine: &Engine, v: &VacancyRecord, p: &Policy, expected: &[Expected]) {
    let r = engine.roster(v, p).unwrap();
    let want: Vec<&str> = expected.iter().map(|e| e.0).collect();
    assert_eq!(ids(&r), want, "{}: order", v.id);
    for (e, (id, total, terms)) in r.entries.iter().zip(expected) {
        assert!(
            (e.score - total).abs() < 1e-9,
            "{id}: total {} != {total}",
            e.score
        );
        let got: Vec<(&str, f64, f64)> = e
            .criteria
            .iter()
            .map(|c| (c.name.as_str(), c.value, c.points))
            .collect();
        assert_eq!(got.len(), terms.len(), "{id}: {got:?}");
        for (g, w) in got.iter().zip(terms.iter()) {
            assert_eq!(g.0, w.0, "{id}");
            assert!(
                (g.1 - w.1).abs() < 1e-9,
                "{id}.{}: value {} != {}",
                w.0,
                g.1,
                w.1
            );
            assert!(
                (g.2 - w.2).abs() < 1e-9,
                "{id}.{}: points {} != {}",
                w.0,
                g.2,
                w.2
            );
        }
        assert!(e.criteria.iter().all(|c| c.weight == 1.0), "{id}");
        let sum: f64 = e.criteria.iter().map(|c| c.points).sum();
        assert!((sum - e.score).abs() < 1e-9, "{id}: Σ points");
        let x = engine.explain(v, p, id).unwrap();
        assert_eq!(x.rank, Some(e.rank as u64), "{id}: explain rank");
        assert_eq!(x.score, e.score, "{id}: explain score");
    }
}

fn targeted(enrolled: &str, pct: u32) -> Value {
    json!({"list": "art1", "enrolled": enrolled, "invalidity_pct": pct})
}

#[test]
fn graduatoria_dpr246_l68_lower_wins_older_first_on_ties() {
    // as_of 2026-11-01. Base 1000; −1 per month enrolled; −12 per dependent;
    // income ≤ 7746.85 → 0, above → +48 +12 per whole 516.45; invalidity
    // −7 (≥34), −14 (≥51), −21 (≥67), −28 (≥80). Lower wins; ties: older first.
    #[rustfmt::skip]
    let people = vec![
        person("GA", json!({"targeted": targeted("2024-11-01", 67),
            "ranking": {"dependents": 2, "income_eur": 0.0, "isee_eur": 9000.0, "birth_date": "1980-01-01"}})),
        person("GB", json!({"targeted": targeted("2025-11-01", 50),
            "ranking": {"dependents": 0, "income_eur": 8779.75, "birth_date": "1990-05-05"}})),
        person("GC", json!({"targeted": targeted("2023-04-01", 51),
            "ranking": {"dependents": 1, "income_eur": 7746.85, "birth_date": "1975-06-15"}})),
        person("GD", json!({"targeted": targeted("2026-05-01", 34)})),
    ];
    let engine = Engine::in_memory(people, vec![]).unwrap();
    let v = vacancy(
        "VN",
        json!({"mode": "targeted_numeric", "targeted_list": "art1"}),
    );
    #[rustfmt::skip]
    let expected: &[Expected] = &[
        // GC: 1000 − 43 (2023-04-01 → 43 months) − 12 (1 dependent)
        //     + 0 (income 7746.85 is not above the threshold) − 14 (51%) = 931;
        //     ties GA at 931 and is older (1975 vs 1980): first.
        ("GC", 931.0, &[("base", 1000.0, 1000.0), ("months_enrolled", 43.0, -43.0),
            ("dependents", 1.0, -12.0), ("income", 7746.85, 0.0), ("invalidity", 51.0, -14.0)]),
        // GA: 1000 − 24 (24 months) − 24 (2 × 12) + 0 (income 0) − 21 (67%) = 931.
        ("GA", 931.0, &[("base", 1000.0, 1000.0), ("months_enrolled", 24.0, -24.0),
            ("dependents", 2.0, -24.0), ("income", 0.0, 0.0), ("invalidity", 67.0, -21.0)]),
        // GD (no ranking data): 1000 − 6 (2026-05-01 → 6 months) − 0
        //     + 0 (income not declared) − 7 (34%) = 987.
        ("GD", 987.0, &[("base", 1000.0, 1000.0), ("months_enrolled", 6.0, -6.0),
            ("dependents", 0.0, 0.0), ("income", 0.0, 0.0), ("invalidity", 34.0, -7.0)]),
        // GB: 1000 − 12 (12 months) − 0
        //     + (48 + 12 × floor((8779.75 − 7746.85) / 516.45) = 48 + 12 × 2 = 72) − 7 (50%) = 1053.
        ("GB", 1053.0, &[("base", 1000.0, 1000.0), ("months_enrolled", 12.0, -12.0),
            ("dependents", 0.0, 0.0), ("income", 8779.75, 72.0), ("invalidity", 50.0, -7.0)]),
    ];
    check_graduatoria(&engine, &v, &policy(), expected);
}

#[test]
fn graduatoria_er_l68_notice_higher_wins_lower_isee_then_older_on_ties() {
    // Invalidity % as points; 2 per month enrolled, at most 72; ISEE
    // 25 − 0.5 per whole €500, not below 0. Higher wins; ties: lower ISEE, then older.
    let p = Policy {
        graduatoria: rosa::policy::GraduatoriaChoice {
            targeted_numeric: "er_l68_notice".into(),
            ..Default::default()
        },
        ..policy()
    };
    #[rustfmt::skip]
    let people = vec![
        person("EA", json!({"targeted": targeted("2024-11-01", 67),
            "ranking": {"isee_eur": 8500.0, "birth_date": "1970-01-01"}})),
        person("EB", json!({"targeted": targeted("2022-11-01", 46),
            "ranking": {"isee_eur": 0.0, "birth_date": "1985-01-01"}})),
        person("EC", json!({"targeted": targeted("2025-05-01", 72),
            "ranking": {"isee_eur": 1999.99, "birth_date": "1990-01-01"}})),
        person("ED", json!({"targeted": targeted("2024-05-01", 90),
            "ranking": {"isee_eur": 60000.0, "birth_date": "1980-01-01"}})),
    ];
    let engine = Engine::in_memory(people, vec![]).unwrap();
    let v = vacancy(
        "VE",
        json!({"mode": "targeted_numeric", "targeted_list": "art1"}),
    );
    #[rustfmt::skip]
    let expected: &[Expected] = &[
        // ED: 90 + min(2 × 30, 72) = 60 + max(25 − 0.5 × floor(60000 / 500) = −35, 0) = 0 → 150.
        ("ED", 150.0, &[("base", 0.0, 0.0), ("invalidity", 90.0, 90.0),
            ("months_enrolled", 30.0, 60.0), ("isee", 60000.0, 0.0)]),
        // EB: 46 + min(2 × 48, 72) = 72 + (25 − 0.5 × 0) = 25 → 143.
        ("EB", 143.0, &[("base", 0.0, 0.0), ("invalidity", 46.0, 46.0),
            ("months_enrolled", 48.0, 72.0), ("isee", 0.0, 25.0)]),
        // EC: 72 + 2 × 18 = 36 + (25 − 0.5 × floor(1999.99 / 500) = 25 − 1.5) = 23.5 → 131.5;
        //     ties EA and has the lower ISEE (first tie-breaker), though younger.
        ("EC", 131.5, &[("base", 0.0, 0.0), ("invalidity", 72.0, 72.0),
            ("months_enrolled", 18.0, 36.0), ("isee", 1999.99, 23.5)]),
        // EA: 67 + 2 × 24 = 48 + (25 − 0.5 × floor(8500 / 500) = 25 − 8.5) = 16.5 → 131.5.
        ("EA", 131.5, &[("base", 0.0, 0.0), ("invalidity", 67.0, 67.0),
            ("months_enrolled", 24.0, 48.0), ("isee", 8500.0, 16.5)]),
    ];
    check_graduatoria(&engine, &v, &p, expected);
}

#[test]
fn graduatoria_er_art16_higher_wins_younger_first_on_ties() {
    // Base 100; −1 per whole €1,000 ISEE down to −25 (−25 when not declared);
    // +5 DID before publication (2026-10-01); age +2 / +4 / +6 from 40 / 45 / 50.
    // Higher wins; ties: younger first. public_selection applies only the
    // availability rules, so SB's distance and missing licence do not matter.
    #[rustfmt::skip]
    let people = vec![
        person("SA", json!({"did_date": "2026-03-02",
            "ranking": {"isee_eur": 8500.0, "birth_date": "1979-04-02"}})),
        person("SB", json!({"did_date": "2026-10-01", "domicile": ROMA, "licences": [],
            "ranking": {"birth_date": "1976-11-01"}})),
        person("SC", json!({"did_date": "2026-01-10",
            "ranking": {"isee_eur": 30000.0, "birth_date": "1986-11-02"}})),
        person("SD", json!({"did_date": "2026-02-01",
            "ranking": {"isee_eur": 6000.0, "birth_date": "1986-11-01"}})),
    ];
    let engine = Engine::in_memory(people, vec![]).unwrap();
    let v = vacancy(
        "VS",
        json!({"mode": "public_selection", "licences": [{"code": "CE", "required": true}]}),
    );
    #[rustfmt::skip]
    let expected: &[Expected] = &[
        // SD: 100 − 6 (€6,000) + 5 (DID 2026-02-01 < 2026-10-01) + 2 (40 on 2026-11-01) = 101;
        //     ties SA and is younger: first.
        ("SD", 101.0, &[("base", 100.0, 100.0), ("isee", 6000.0, -6.0),
            ("did_before_publication", 1.0, 5.0), ("age", 40.0, 2.0)]),
        // SA: 100 − 8 (floor(8500 / 1000)) + 5 + 4 (47, born 1979-04-02) = 101.
        ("SA", 101.0, &[("base", 100.0, 100.0), ("isee", 8500.0, -8.0),
            ("did_before_publication", 1.0, 5.0), ("age", 47.0, 4.0)]),
        // SB: 100 − 25 (ISEE not declared) + 0 (a DID on the publication day is not before)
        //     + 6 (exactly 50 today) = 81.
        ("SB", 81.0, &[("base", 100.0, 100.0), ("isee", 0.0, -25.0),
            ("did_before_publication", 0.0, 0.0), ("age", 50.0, 6.0)]),
        // SC: 100 − 25 (−30 capped at −25) + 5 + 0 (39, one day short of 40) = 80.
        ("SC", 80.0, &[("base", 100.0, 100.0), ("isee", 30000.0, -25.0),
            ("did_before_publication", 1.0, 5.0), ("age", 39.0, 0.0)]),
    ];
    check_graduatoria(&engine, &v, &policy(), expected);
}

// ---------------------------------------------------------------------------------------
// 5. explain / roster agreement
// ---------------------------------------------------------------------------------------

#[test]
fn explain_agrees_with_the_roster_for_every_entry_and_names_the_first_failure() {
    // Score weights: skills .35, occupation .25, education .10, languages .10,
    // distance .10, text .10 (no CV text: 0). All in Milan (distance 1).
    let people = vec![
        // TIG certified 1; 7212 × 60 months → 1; EQF 4 ≥ 3; en B1 ≥ A2 → 0.9.
        person(
            "P1",
            json!({"experiences": [{"isco": "7212", "months": 60}],
            "skills": [{"esco": TIG, "certified": true}]}),
        ),
        // 7212 × 24 → 0.5 + 0.5 × 24/36 = 0.8333 → 0.208325 + 0.3 = 0.508325.
        person(
            "P2",
            json!({"experiences": [{"isco": "7212", "months": 24}], "education_eqf": 3}),
        ),
        // 7214 × 36 → 0.75 → 0.1875 + 0.3 = 0.4875; P4 ties, later DID.
        person(
            "P3",
            json!({"experiences": [{"isco": "7214", "months": 36}], "did_date": "2026-08-01"}),
        ),
        person(
            "P4",
            json!({"experiences": [{"isco": "7214", "months": 36}], "did_date": "2026-09-01"}),
        ),
        // 8344 → 0, but desired 7212 → 0.5 × 0.25 = 0.125; EQF 2 < 3 → 0.5 → 0.05;
        // no English → 0; distance 0.1: 0.275.
        person(
            "P5",
            json!({"experiences": [{"isco": "8344", "months": 12}], "education_eqf": 2,
            "languages": []}),
        ),
        // desired 7212 only → 0.5 × 0.25 = 0.125; en A1 → 0.5 → 0.125 + .1 + .05 + .1 = 0.375.
        person(
            "P6",
            json!({"experiences": [], "languages": [{"code": "en", "cefr": "A1"}]}),
        ),
        // 7212 × 6 → 0.5833 → 0.145825 + 0.3 = 0.445825.
        person(
            "P7",
            json!({"experiences": [{"isco": "7212", "months": 6}], "education_eqf": 5}),
        ),
        // Excluded: stale (confirmed 304 days ago); Rome and no licence B (distance
        // comes before licence); no DID.
        person(
            "X1",
            json!({"did_date": "2025-12-01", "availability_confirmed": "2026-01-01"}),
        ),
        person("X2", json!({"domicile": ROMA, "licences": []})),
        person(
            "X3",
            json!({"did_date": null, "availability_confirmed": null}),
        ),
    ];
    let engine = Engine::in_memory(people, vec![]).unwrap();
    let v = vacancy(
        "VX",
        json!({"text": "", "roster_size": 4,
               "skills": [{"esco": TIG, "required": false, "weight": 2.0}],
               "licences": [{"code": "B", "required": true}],
               "languages": [{"code": "en", "cefr": "A2", "required": false}],
               "education_eqf_min": 3}),
    );
    // The points above are hand-computed with these weights (the defaults before
    // they were chosen by the ESCO-profile evaluation), pinned so the arithmetic stays
    // checkable.
    let p = Policy {
        weights: rosa::policy::Weights {
            skills: 0.35,
            occupation: 0.25,
            education: 0.10,
            languages: 0.10,
            distance: 0.10,
            text: 0.10,
        },
        ..policy()
    };
    let r = engine.roster(&v, &p).unwrap();
    assert_eq!(ids(&r), ["P1", "P2", "P3", "P4"]);
    assert_eq!((r.pool, r.eligible), (10, 7));
    for (id, s) in [
        ("P1", 0.9),
        ("P2", 0.508325),
        ("P3", 0.4875),
        ("P4", 0.4875),
    ] {
        let e = r.entries.iter().find(|e| e.candidate_id == id).unwrap();
        assert!((e.score - s).abs() < 1e-9, "{id}: {} != {s}", e.score);
    }
    let cutoff = r.entries.last().unwrap().score;
    for e in &r.entries {
        let x = engine.explain(&v, &p, &e.candidate_id).unwrap();
        let id = &e.candidate_id;
        assert!(x.eligible && x.in_roster, "{id}");
        assert_eq!(x.score, e.score, "{id}: score");
        assert_eq!(x.rank, Some(e.rank as u64), "{id}: rank");
        assert_eq!(x.criteria, e.criteria, "{id}: criteria");
        assert_eq!(x.cutoff_score, Some(cutoff), "{id}: cutoff");
        assert_eq!(x.gap, None, "{id}");
        assert_eq!(x.eligible_count, 7, "{id}");
        assert_eq!(x.first_failure, None, "{id}");
    }
    // Eligible but beyond the cap: ranks continue, with the gap to the cutoff.
    for (id, rank, score) in [("P7", 5, 0.445825), ("P6", 6, 0.375), ("P5", 7, 0.275)] {
        let x = engine.explain(&v, &p, id).unwrap();
        assert!(x.eligible && !x.in_roster, "{id}");
        assert_eq!(x.rank, Some(rank), "{id}");
        assert!((x.score - score).abs() < 1e-9, "{id}: {}", x.score);
        assert_eq!(x.cutoff_score, Some(cutoff), "{id}");
        assert!((x.gap.unwrap() - (cutoff - x.score)).abs() < 1e-12, "{id}");
    }
    // Excluded: not eligible, no rank, the first failing rule named and failed.
    for (id, first) in [("X1", "stale"), ("X2", "distance"), ("X3", "available")] {
        let x = engine.explain(&v, &p, id).unwrap();
        assert!(!x.eligible && !x.in_roster, "{id}");
        assert_eq!(x.rank, None, "{id}");
        assert_eq!(x.first_failure, Some(first), "{id}");
        let failed: Vec<&str> = x
            .rules
            .iter()
            .filter(|r| r.outcome == Outcome::Fail)
            .map(|r| r.name)
            .collect();
        assert_eq!(failed.first(), Some(&first), "{id}: {failed:?}");
        assert_eq!(r.excluded.get(first), 1, "{id}");
        assert_eq!(x.cutoff_score, Some(cutoff), "{id}");
    }
    // X2 fails licence as well, reported but not counted.
    let x2 = engine.explain(&v, &p, "X2").unwrap();
    let lic = x2.rules.iter().find(|r| r.name == "licence").unwrap();
    assert_eq!(
        (
            lic.outcome,
            rosa::render::rule(&lic.detail, Lang::En).as_str()
        ),
        (Outcome::Fail, "missing B")
    );
    assert_eq!(r.excluded.get("licence"), 0);
    assert_eq!(r.excluded.total() + r.eligible, r.pool);
}

// ---------------------------------------------------------------------------------------
// 6. offers
// ---------------------------------------------------------------------------------------

#[test]
fn offers_lists_exactly_the_eligible_vacancies_ranked_with_congruity() {
    // NASpI €1,150 (120% = €1,380), DID 2026-09-01 (2 months: the pact's
    // professions, 7212 only), max 40 km.
    let o1 = person(
        "O1",
        json!({"experiences": [{"isco": "7212", "months": 60}],
               "benefit": {"scheme": "naspi", "monthly_eur": 1150.0, "last_contract_hours": 40}}),
    );
    let other = person("O2", json!({}));
    let vacancies = vec![
        // Eligible and congruous: same profession, €1,750.
        vacancy("VA", json!({})),
        // Eligible, not congruous: 7214 is not in the pact (coherence) and
        // €1,300 < €1,380 (pay_benefit).
        vacancy(
            "VB",
            json!({"isco": "7214", "title": "Carpentiere",
            "contract": {"gross_monthly_eur": 1300.0, "ccnl_min_monthly_eur": 1200.0}}),
        ),
        // Not eligible: Rome is beyond 40 km.
        vacancy("VC", json!({"workplace": ROMA})),
        // Not eligible: licence CE required.
        vacancy(
            "VD",
            json!({"licences": [{"code": "CE", "required": true}]}),
        ),
        // Eligible, not congruous: 8344 is another profession; permanent, €1,500 ≥ both.
        vacancy(
            "VE",
            json!({"isco": "8344", "title": "Carrellista",
            "contract": {"type": "permanent", "months": null, "gross_monthly_eur": 1500.0,
                         "ccnl_min_monthly_eur": 1400.0}}),
        ),
        // Not offered: self-applications only, and O1 did not apply.
        vacancy("VF", json!({"applicants": ["O2"]})),
        // Not eligible: targeted list, and O1 is on none.
        vacancy(
            "VG",
            json!({"mode": "targeted_nominative", "targeted_list": "art1"}),
        ),
    ];
    let engine = Engine::in_memory(vec![o1, other], vacancies.clone()).unwrap();
    let p = policy();
    let o = engine.offers(&p, "O1").unwrap();
    let got: Vec<(&str, u32)> = o
        .offers
        .iter()
        .map(|x| (x.vacancy_id.as_str(), x.rank))
        .collect();
    assert_eq!(got, [("VA", 1), ("VB", 2), ("VE", 3)]);
    assert_eq!(o.eligible, 3);
    for w in o.offers.windows(2) {
        assert!(
            w[0].score > w[1].score,
            "{} before {}",
            w[0].vacancy_id,
            w[1].vacancy_id
        );
    }
    for (vid, congruous, failing) in [
        ("VA", true, vec![]),
        ("VB", false, vec!["coherence", "pay_benefit"]),
        ("VE", false, vec!["coherence"]),
    ] {
        let x = o.offers.iter().find(|x| x.vacancy_id == vid).unwrap();
        let c = x.congruity.as_ref().expect("a NASpI person gets a verdict");
        assert_eq!(
            (c.regime.as_str(), c.congruous),
            ("dm2018", congruous),
            "{vid}"
        );
        let f: Vec<&str> = c
            .criteria
            .iter()
            .filter(|k| k.outcome == Outcome::Fail)
            .map(|k| k.name)
            .collect();
        assert_eq!(f, failing, "{vid}");
        // The offer's score is the one the vacancy's roster and explain use.
        let v = vacancies.iter().find(|v| v.id == vid).unwrap();
        let ex = engine.explain(v, &p, "O1").unwrap();
        assert!(ex.eligible, "{vid}");
        assert_eq!(x.score, ex.score, "{vid}");
        assert_eq!(x.criteria, ex.criteria, "{vid}");
        let r = engine.roster(v, &p).unwrap();
        let e = r.entries.iter().find(|e| e.candidate_id == "O1").unwrap();
        assert_eq!(x.score, e.score, "{vid}");
    }
    // Every vacancy left out is one O1 is not eligible for (or did not apply to).
    for vid in ["VC", "VD", "VF", "VG"] {
        let v = vacancies.iter().find(|v| v.id == vid).unwrap();
        let ex = engine.explain(v, &p, "O1").unwrap();
        assert!(!ex.eligible, "{vid}");
    }
    // Without a benefit the verdict is null; O2 is offered VF as well.
    let o2 = engine.offers(&p, "O2").unwrap();
    let got: Vec<&str> = o2.offers.iter().map(|x| x.vacancy_id.as_str()).collect();
    assert!(got.contains(&"VF") && !got.contains(&"VC"), "{got:?}");
    assert!(o2.offers.iter().all(|x| x.congruity.is_none()));
}

// ---------------------------------------------------------------------------------------
// 7. Narrowing
// ---------------------------------------------------------------------------------------

#[test]
fn narrowing_suggests_at_most_three_parameters_with_true_counts() {
    // Eight eligible people in Milan (distance cannot narrow), cap 3.
    // CE: E1–E3 (3); 12+ months as 7212: E1–E4 (4); forklift: E1–E2 (2);
    // en B2: E1–E5 (5); EQF ≥ 4: E1–E7 (7). Closest to the cap first, then by
    // name: CE (|3−3| = 0), experience (1), skills (1); languages (2) and
    // education (4) are cut. S9 has everything but is stale and must not count.
    let mut people = Vec::new();
    for i in 1..=9 {
        let mut patch = json!({
            "licences": if i <= 3 || i == 9 { json!(["B", "CE"]) } else { json!(["B"]) },
            "experiences": [{"isco": "7212", "months": if i <= 4 || i == 9 { 24 } else { 6 }}],
            "skills": if i <= 2 || i == 9 { json!([{"esco": FORKLIFT}]) } else { json!([]) },
            "languages": [{"code": "en", "cefr": if i <= 5 || i == 9 { "B2" } else { "B1" }}],
            "education_eqf": if i <= 7 || i == 9 { 4 } else { 3 },
        });
        if i == 9 {
            merge(
                &mut patch,
                &json!({"did_date": "2025-12-01", "availability_confirmed": "2026-01-01"}),
            );
        }
        let id = if i == 9 {
            "S9".to_string()
        } else {
            format!("E{i}")
        };
        people.push(person(&id, patch));
    }
    let engine = Engine::in_memory(people.clone(), vec![]).unwrap();
    let base = json!({"roster_size": 3,
        "skills": [{"esco": FORKLIFT, "label": "muletto", "required": false}],
        "licences": [{"code": "CE", "required": false}],
        "languages": [{"code": "en", "cefr": "B2", "required": false}],
        "education_eqf_min": 4});
    let v = vacancy("VW", base.clone());
    let p = policy();
    let r = engine.roster(&v, &p).unwrap();
    assert_eq!((r.eligible, r.entries.len()), (8, 3));
    assert_eq!(r.excluded.get("stale"), 1);
    let got: Vec<(&str, u64)> = r
        .narrowing
        .iter()
        .map(|n| (n.parameter.as_str(), n.eligible))
        .collect();
    assert_eq!(
        got,
        [
            ("licences:CE required", 3),
            ("experience:12 months as 7212 required", 4),
            ("skills:muletto required", 2),
        ]
    );

    // Each count is what adding the parameter actually leaves.
    let narrowed = |label: &str, patch: Value| {
        let mut vp = base.clone();
        merge(&mut vp, &patch);
        let rv = engine.roster(&vacancy("VW", vp), &p).unwrap();
        assert_eq!(rv.pool, 9, "{label}");
        (label.to_string(), rv.eligible)
    };
    let checks = [
        narrowed(
            "licences:CE required",
            json!({"licences": [{"code": "CE", "required": true}]}),
        ),
        narrowed(
            "skills:muletto required",
            json!({"skills": [{"esco": FORKLIFT, "label": "muletto", "required": true}]}),
        ),
    ];
    for (label, n) in &checks {
        let s = r.narrowing.iter().find(|x| &x.parameter == label).unwrap();
        assert_eq!(s.eligible, *n, "{label}");
    }
    // Experience maps to no vacancy field: count the eligible people directly.
    let with_exp = people
        .iter()
        .filter(|c| c.id != "S9")
        .filter(|c| {
            c.experiences
                .iter()
                .any(|e| e.isco == "7212" && e.months >= 12)
        })
        .count() as u64;
    assert_eq!(with_exp, 4);
    // The parameters that were cut would have left more (checked for real too).
    let lang = narrowed(
        "languages",
        json!({"languages": [{"code": "en", "cefr": "B2", "required": true}]}),
    );
    let edu = narrowed("education", json!({"education_required": true}));
    assert_eq!((lang.1, edu.1), (5, 7));

    // No suggestion when the eligible fit within the cap.
    for size in [8, 15] {
        let mut vp = base.clone();
        merge(&mut vp, &json!({"roster_size": size}));
        let rv = engine.roster(&vacancy("VW", vp), &p).unwrap();
        assert_eq!(rv.eligible, 8, "cap {size}");
        assert!(rv.narrowing.is_empty(), "cap {size}: {:?}", rv.narrowing);
    }
    // Nor once a suggestion is applied and leaves ≤ cap.
    let mut vp = base.clone();
    merge(
        &mut vp,
        &json!({"licences": [{"code": "CE", "required": true}]}),
    );
    let rv = engine.roster(&vacancy("VW", vp), &p).unwrap();
    assert_eq!((rv.eligible, rv.narrowing.len()), (3, 0));
    assert_eq!(ids(&rv), ["E1", "E2", "E3"]);
}

// ---------------------------------------------------------------------------------------
// 8. only_congruous
// ---------------------------------------------------------------------------------------

#[test]
fn only_congruous_turns_congruity_from_information_into_a_filter() {
    // Fixed term 6 months, €1,350 against a CCNL minimum of €1,300.
    let people = vec![
        // €1,150 × 1.2 = €1,380 > €1,350: not congruous (pay_benefit).
        person(
            "N1",
            json!({"benefit": {"scheme": "naspi", "monthly_eur": 1150.0, "last_contract_hours": 40}}),
        ),
        // €1,000 × 1.2 = €1,200 ≤ €1,350: congruous.
        person(
            "N2",
            json!({"benefit": {"scheme": "naspi", "monthly_eur": 1000.0, "last_contract_hours": 40}}),
        ),
        // No benefit: congruity does not apply.
        person("N3", json!({})),
        // Not congruous and too far: counted under distance, the earlier rule.
        person(
            "N4",
            json!({"domicile": ROMA,
            "benefit": {"scheme": "naspi", "monthly_eur": 1150.0, "last_contract_hours": 40}}),
        ),
    ];
    let engine = Engine::in_memory(people, vec![]).unwrap();
    let v = vacancy(
        "VQ",
        json!({"contract": {"gross_monthly_eur": 1350.0, "ccnl_min_monthly_eur": 1300.0}}),
    );

    let off = policy();
    assert!(!off.only_congruous, "informational by default");
    let r = engine.roster(&v, &off).unwrap();
    let mut got = ids(&r);
    got.sort();
    assert_eq!(got, ["N1", "N2", "N3"]);
    let verdict = |r: &rosa::Roster, id: &str| {
        r.entries
            .iter()
            .find(|e| e.candidate_id == id)
            .unwrap()
            .congruity
            .clone()
            .unwrap()
            .map(|c| c.congruous)
    };
    assert_eq!(verdict(&r, "N1"), Some(false));
    assert_eq!(verdict(&r, "N2"), Some(true));
    assert_eq!(verdict(&r, "N3"), None);
    assert_eq!(r.excluded.get("congruity"), 0);
    assert_eq!((r.excluded.get("distance"), r.eligible, r.pool), (1, 3, 4));
    let x = engine.explain(&v, &off, "N1").unwrap();
    assert!(x.eligible && x.rules.iter().all(|r| r.name != "congruity"));

    let on = Policy {
        only_congruous: true,
        ..policy()
    };
    let r = engine.roster(&v, &on).unwrap();
    let mut got = ids(&r);
    got.sort();
    assert_eq!(got, ["N2", "N3"]);
    assert_eq!(r.excluded.get("congruity"), 1);
    assert_eq!(r.excluded.get("distance"), 1);
    assert_eq!((r.eligible, r.pool), (2, 4));
    assert_eq!(r.excluded.total() + r.eligible, r.pool);
    let doc = serde_json::to_value(&r).unwrap();
    assert_eq!(doc["excluded"]["congruity"], 1);
    for e in &r.entries {
        let rule = e
            .rules
            .as_ref()
            .unwrap()
            .iter()
            .find(|r| r.name == "congruity")
            .unwrap();
        assert_eq!(rule.outcome, Outcome::Pass, "{}", e.candidate_id);
    }
    let x = engine.explain(&v, &on, "N1").unwrap();
    assert!(!x.eligible);
    assert_eq!((x.rank, x.first_failure), (None, Some("congruity")));
    let rule = x.rules.iter().find(|r| r.name == "congruity").unwrap();
    assert_eq!(rule.outcome, Outcome::Fail);
    assert_eq!(
        rosa::render::rule(&rule.detail, Lang::En),
        "not congruous under dm2018: pay_benefit"
    );
    let x = engine.explain(&v, &on, "N4").unwrap();
    assert_eq!(x.first_failure, Some("distance"));
}
