//! Unit tests of [`super`] (filters).

use super::*;
use crate::index::Index;
use crate::law::{Rule, FULL_TIME_HOURS};
use crate::model::{read_json_from, read_jsonl_from, Cefr, Language, Targeted, VacancyRecord};
use crate::query::{Query, RuleBitmaps};

#[test]
fn derived_occupation_bitmaps_are_those_of_adding_and_removing_rows() {
    // The fixture's people, again and again, with unit groups by position.
    let fixture = read_jsonl_from::<CandidateRecord>(
        include_str!("../../tests/fixtures/candidates.jsonl").as_bytes(),
        "fixture",
    )
    .unwrap();
    let codes = [
        "7212", "7223", "5120", "9329", "4110", "2511", "8322", "5223",
    ];
    let template = fixture
        .iter()
        .find_map(|c| c.experiences.first())
        .unwrap()
        .clone();
    let people: Vec<CandidateRecord> = (0..60)
        .map(|i| {
            let mut c = fixture[i % fixture.len()].clone();
            c.id = format!("{}-{i}", c.id);
            let mut e = template.clone();
            e.isco = codes[i % codes.len()].to_string();
            c.experiences.push(e);
            c.desired_isco
                .push(codes[(i / 3) % codes.len()].to_string());
            c
        })
        .collect();
    let index = Index::build(None, people.clone(), Vec::new(), None).unwrap();
    let feats: Vec<Features> = (0..people.len() as u32)
        .map(|r| index.features(r).clone())
        .collect();
    let mut f = Filters::default();
    for (r, (c, ft)) in people.iter().zip(&feats).enumerate() {
        f.add(r as u32, c, ft);
    }
    // Every 5th row removed, every 3rd (not 5th) replaced by the next one.
    let mut now = feats.clone();
    for r in (0..people.len()).step_by(5) {
        f.remove(r as u32, &people[r], &feats[r]);
    }
    for r in (3..people.len() - 1).step_by(3).filter(|r| r % 5 != 0) {
        f.remove(r as u32, &people[r], &feats[r]);
        f.add(r as u32, &people[r + 1], &feats[r + 1]);
        now[r] = feats[r + 1].clone();
    }
    f.finish();
    let mut g = f.clone();
    g.occupation.clear();
    g.esco.clear();
    g.derive(&now);
    let kept = |m: &BTreeMap<u32, RoaringBitmap>| -> Vec<(u32, RoaringBitmap)> {
        m.iter()
            .filter(|(_, b)| !b.is_empty())
            .map(|(k, b)| (*k, b.clone()))
            .collect()
    };
    assert!(f.occupation.len() > 5, "{} codes", f.occupation.len());
    assert_eq!(kept(&g.occupation), kept(&f.occupation));
    assert_eq!(kept(&g.esco), kept(&f.esco));
    // A bare major group is unknown: no bitmap of its own.
    assert!(f.occupation.keys().all(|c| (c >> 8) & 0xFF != 0xFF));
}

/// Three people: A (Milan, 40 km, CE and B, English B2, permanent full
/// time with shifts, art. 1), B (Rome, 10 km, licence `b`, English A2,
/// fixed term or agency part time with nights), C (Milan, 0 km, nothing
/// declared, every contract and time, art. 18).
fn people() -> Vec<CandidateRecord> {
    let base = read_jsonl_from::<CandidateRecord>(
        include_str!("../../tests/fixtures/candidates.jsonl").as_bytes(),
        "fixture",
    )
    .unwrap()
    .remove(0);
    let targeted = |list| {
        Some(Targeted {
            list,
            enrolled: None,
            invalidity_pct: Some(60),
            capacities: Default::default(),
            needs: Vec::new(),
        })
    };
    let mut a = base.clone();
    a.id = "A".into();
    a.domicile = "015146".into();
    a.licences = vec!["CE".into(), "B".into()];
    a.languages = vec![Language {
        code: "en".into(),
        cefr: Cefr::B2,
    }];
    a.availability.max_km = 40;
    a.availability.contracts = vec![ContractType::Permanent];
    (a.availability.full_time, a.availability.part_time) = (true, false);
    (a.availability.shifts, a.availability.nights) = (true, false);
    a.targeted = targeted(TargetedList::Art1);
    let mut b = base.clone();
    b.id = "B".into();
    b.domicile = "058091".into();
    b.licences = vec!["b".into()];
    b.languages = vec![Language {
        code: "en".into(),
        cefr: Cefr::A2,
    }];
    b.availability.max_km = 10;
    b.availability.contracts = vec![ContractType::FixedTerm, ContractType::Agency];
    (b.availability.full_time, b.availability.part_time) = (false, true);
    (b.availability.shifts, b.availability.nights) = (false, true);
    let mut c = base;
    c.id = "C".into();
    c.domicile = "F205".into(); // Milan by its Belfiore code
    c.licences = Vec::new();
    c.languages = Vec::new();
    c.availability.max_km = 0;
    c.availability.contracts = ContractType::ALL.to_vec();
    (c.availability.full_time, c.availability.part_time) = (true, true);
    (c.availability.shifts, c.availability.nights) = (true, true);
    c.targeted = targeted(TargetedList::Art18);
    vec![a, b, c]
}

fn index() -> Index {
    Index::build(None, people(), Vec::new(), None).unwrap()
}

fn vacancy() -> VacancyRecord {
    read_json_from(
        include_str!("../../tests/fixtures/vacancy.json").as_bytes(),
        "fixture",
    )
    .unwrap()
}

fn policy() -> crate::Policy {
    crate::Policy {
        as_of: crate::date::Date::parse("2026-11-01"),
        ..crate::Policy::default()
    }
}

/// The ids of a bitmap's rows.
fn ids(index: &Index, bm: &RoaringBitmap) -> Vec<String> {
    let mut v: Vec<String> = bm.iter().map(|r| index.id(r).to_string()).collect();
    v.sort();
    v
}

#[test]
fn licences_are_case_insensitive_and_languages_count_higher_levels() {
    let idx = index();
    let f = idx.filters();
    assert_eq!(ids(&idx, &f.licence("ce")), ["A"]);
    assert_eq!(ids(&idx, &f.licence("B")), ["A", "B"]);
    assert!(f.licence("forklift").is_empty());
    assert_eq!(ids(&idx, &f.language("en", Cefr::A2.rank())), ["A", "B"]);
    assert_eq!(ids(&idx, &f.language("en", Cefr::B1.rank())), ["A"]);
    assert_eq!(ids(&idx, &f.language("en", Cefr::B2.rank())), ["A"]);
    assert!(f.language("en", Cefr::C1.rank()).is_empty());
    assert!(f.language("fr", 1).is_empty());
    assert_eq!(f.all().len(), 3);
}

#[test]
fn within_reach_includes_exactly_the_limit() {
    let idx = index();
    let f = idx.filters();
    let n = crate::geo::Comuni::embedded().len();
    let milan = idx.features(idx.row_of("A").unwrap()).comune as usize;
    let mut km = vec![f64::INFINITY; n];
    km[milan] = 40.0;
    assert_eq!(ids(&idx, &f.within_reach(&km)), ["A"], "40 km ≤ 40 km");
    km[milan] = 40.000001;
    assert!(f.within_reach(&km).is_empty());
    km[milan] = 0.0;
    assert_eq!(ids(&idx, &f.within_reach(&km)), ["A", "C"], "0 km ≤ 0 km");
}

#[test]
fn categorical_bitmaps_follow_the_vacancy() {
    let idx = index();
    let f = idx.filters();
    let p = policy();
    let mut v = vacancy();
    let bitmap = |v: &VacancyRecord, rule: Rule| {
        let q = Query::new(&idx, v, &p).unwrap();
        let (bm, exact) = f.rule_bitmap(rule, &q, &idx).unwrap();
        (ids(&idx, &bm), exact)
    };
    v.contract.kind = ContractType::FixedTerm;
    assert_eq!(
        bitmap(&v, Rule::Contract),
        (vec!["B".into(), "C".into()], true)
    );
    v.contract.kind = ContractType::Permanent;
    assert_eq!(bitmap(&v, Rule::Contract).0, ["A", "C"]);
    v.contract.hours_per_week = FULL_TIME_HOURS;
    assert_eq!(
        bitmap(&v, Rule::WorkingTime).0,
        ["A", "C"],
        "36 h is full time"
    );
    v.contract.hours_per_week = FULL_TIME_HOURS - 0.5;
    assert_eq!(bitmap(&v, Rule::WorkingTime).0, ["B", "C"]);
    (v.contract.shifts, v.contract.nights) = (false, false);
    assert_eq!(bitmap(&v, Rule::Shifts).0, ["A", "B", "C"]);
    assert_eq!(bitmap(&v, Rule::Nights).0, ["A", "B", "C"]);
    (v.contract.shifts, v.contract.nights) = (true, true);
    assert_eq!(bitmap(&v, Rule::Shifts).0, ["A", "C"]);
    assert_eq!(bitmap(&v, Rule::Nights).0, ["B", "C"]);
    // Licences: required ones only, all of them.
    v.licences[0].code = "CE".into();
    assert_eq!(bitmap(&v, Rule::Licence).0, ["A"]);
    v.licences[0].required = false;
    assert_eq!(bitmap(&v, Rule::Licence).0, ["A", "B", "C"]);
    v.languages[0].required = true;
    v.languages[0].cefr = Cefr::A2;
    assert_eq!(bitmap(&v, Rule::Language).0, ["A", "B"]);
    v.mode = crate::model::Mode::TargetedNominative;
    v.targeted_list = Some(TargetedList::Art18);
    assert_eq!(bitmap(&v, Rule::TargetedList).0, ["C"]);
    v.targeted_list = Some(TargetedList::Art1);
    assert_eq!(bitmap(&v, Rule::TargetedList).0, ["A"]);
    // Skill similarity is the policy's: the bitmap is a superset.
    assert!(!bitmap(&v, Rule::Skills).1);
}

#[test]
fn per_row_rules_have_no_bitmap() {
    let idx = index();
    let p = policy();
    let v = vacancy();
    let q = Query::new(&idx, &v, &p).unwrap();
    for rule in Rule::ALL {
        let has = Filters::has_bitmap(rule);
        assert_eq!(
            idx.filters().rule_bitmap(rule, &q, &idx).is_some(),
            has,
            "{rule:?}"
        );
        assert_eq!(
            has,
            !matches!(
                rule,
                Rule::Compatibility | Rule::Education | Rule::Congruity
            )
        );
    }
}

/// An exact bitmap holds exactly the rows the per-row rule passes; an
/// inexact one at least those.
#[test]
fn bitmaps_agree_with_the_per_row_rules() {
    let idx = index();
    let p = policy();
    let mut v = vacancy();
    v.mode = crate::model::Mode::TargetedNominative;
    v.targeted_list = Some(TargetedList::Art1);
    v.languages[0].required = true;
    v.contract.nights = true;
    let q = Query::new(&idx, &v, &p).unwrap();
    for rule in Rule::ALL {
        let Some((bm, exact)) = idx.filters().rule_bitmap(rule, &q, &idx) else {
            continue;
        };
        for row in 0..3 {
            let pass = crate::rules::passes(rule, &q, &idx, row);
            if exact {
                assert_eq!(bm.contains(row), pass, "{rule:?} row {row}");
            } else if pass {
                assert!(bm.contains(row), "{rule:?} row {row}");
            }
        }
    }
}

#[test]
fn removing_and_adding_a_row_updates_every_bitmap() {
    let idx = index();
    let mut f = idx.filters().clone();
    let row = idx.row_of("A").unwrap();
    let (rec, feat) = (idx.record(row).clone(), idx.features(row).clone());
    let n = crate::geo::Comuni::embedded().len();
    let mut km = vec![f64::INFINITY; n];
    km[feat.comune as usize] = 0.0;
    f.remove(row, &rec, &feat);
    f.finish();
    assert!(!f.all().contains(row));
    assert!(f.licence("ce").is_empty());
    assert!(!f.language("en", 1).contains(row));
    assert!(!f.within_reach(&km).contains(row));
    f.add(row, &rec, &feat);
    f.finish();
    assert!(f.all().contains(row) && f.licence("ce").contains(row));
    assert!(f.within_reach(&km).contains(row));
    assert_eq!(f.within_reach(&km), idx.filters().within_reach(&km));
}

#[test]
fn bitmaps_round_trip_through_a_snapshot() {
    let idx = index();
    let f = idx.filters();
    let mut e = Enc::default();
    f.put(&mut e);
    let g = Filters::get(&mut Dec::new(&e.buf)).unwrap();
    assert!(g.rows_below(3) && !g.rows_below(2));
    assert_eq!(g.all(), f.all());
    assert_eq!(g.licence("ce"), f.licence("ce"));
    assert_eq!(g.language("en", 2), f.language("en", 2));
    let n = crate::geo::Comuni::embedded().len();
    let km = vec![0.0; n];
    assert_eq!(g.within_reach(&km), f.within_reach(&km));
    let (v, p) = (vacancy(), policy());
    let q = Query::new(&idx, &v, &p).unwrap();
    for rule in Rule::ALL {
        assert_eq!(
            g.rule_bitmap(rule, &q, &idx).map(|x| x.0),
            f.rule_bitmap(rule, &q, &idx).map(|x| x.0),
            "{rule:?}"
        );
    }
    // Cut short, it is an error.
    assert!(Filters::get(&mut Dec::new(&e.buf[..e.buf.len() - 1])).is_err());
}
