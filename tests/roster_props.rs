//! Property tests of the roster invariants (design section 6): cap, ranks,
//! non-increasing scores, Σ points = score, every entry passes every rule,
//! eligible + excluded = pool, bitmap and per-row eligibility agree, and
//! determinism across runs and thread counts.
//!
//! `roster_invariants_hold` varies the people and a preselection vacancy;
//! `roster_invariants_hold_in_every_mode` adds what the law's modes read:
//! benefits (NASpI, DIS-COLL, ADI, SFL) with `only_congruous` on or off,
//! targeted placement (L. 68 list, invalidity, ICF capacities and needs
//! against demands and supports), ranking data, the four modes with each
//! graduatoria template, and applicant lists; and it checks the roster against
//! an explanation of every person.

use proptest::prelude::*;
use rosa::date::Date;
use rosa::model::*;
use rosa::{Engine, Policy};

const COMUNI: [&str; 6] = ["015146", "F205", "015209", "108033", "058091", "017029"];
const SKILLS: [(&str, &str); 4] = [
    (
        "http://data.europa.eu/esco/skill/a51adea8-bf02-488a-a0d8-b0961caca5b0",
        "saldatura TIG",
    ),
    (
        "http://data.europa.eu/esco/skill/28cb374e-6261-4133-8371-f9a5470145da",
        "muletto",
    ),
    (
        "http://data.europa.eu/esco/skill/5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350",
        "HACCP",
    ),
    ("http://example.org/skill/unknown", "cucire a mano"),
];
const ISCO: [&str; 4] = ["7212", "7214", "8344", "5120"];

#[derive(Debug, Clone)]
struct Knobs {
    comune: usize,
    did: Option<i32>,
    confirmed_after: i32,
    eqf: Option<u8>,
    skills: Vec<(usize, bool, bool)>,
    isco: usize,
    months: u32,
    licence_b: bool,
    en: Option<usize>,
    max_km: u32,
    contracts: u8,
    flags: u8,
    text: usize,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        (
            0..COMUNI.len(),
            prop::option::weighted(0.9, 0..700i32),
            0..300i32,
            prop::option::of(1u8..=8),
        ),
        (
            prop::collection::vec((0..SKILLS.len(), any::<bool>(), any::<bool>()), 0..4),
            0..ISCO.len(),
            0..80u32,
        ),
        (
            any::<bool>(),
            prop::option::of(0..6usize),
            prop::sample::select(vec![0u32, 5, 20, 50, 500]),
            1..32u8,
            0..16u8,
            0..3usize,
        ),
    )
        .prop_map(
            |(
                (comune, did, confirmed_after, eqf),
                (skills, isco, months),
                (licence_b, en, max_km, contracts, flags, text),
            )| Knobs {
                comune,
                did,
                confirmed_after,
                eqf,
                skills,
                isco,
                months,
                licence_b,
                en,
                max_km,
                contracts,
                flags,
                text,
            },
        )
}

fn candidate(i: usize, k: &Knobs) -> CandidateRecord {
    let base = Date::parse("2025-06-01").unwrap();
    let did = k.did.map(|d| base.add_days(d));
    let texts = ["saldatore TIG esperto", "magazziniere carrellista", ""];
    CandidateRecord {
        id: format!("P{i:03}"),
        domicile: COMUNI[k.comune].into(),
        did_date: did,
        availability_confirmed: did.map(|d| d.add_days(k.confirmed_after)),
        education_eqf: k.eqf,
        experiences: vec![Experience {
            isco: ISCO[k.isco].into(),
            months: k.months,
            end_year: Some(2025),
            certified: false,
        }],
        desired_isco: vec![],
        skills: k
            .skills
            .iter()
            .map(|&(s, by_uri, cert)| CandidateSkill {
                esco: by_uri.then(|| SKILLS[s].0.to_string()),
                label: (!by_uri).then(|| SKILLS[s].1.to_string()),
                certified: cert,
            })
            .collect(),
        languages: k
            .en
            .map(|l| {
                vec![Language {
                    code: "en".into(),
                    cefr: Cefr::ALL[l],
                }]
            })
            .unwrap_or_default(),
        licences: if k.licence_b {
            vec!["B".into()]
        } else {
            vec![]
        },
        availability: Availability {
            max_km: k.max_km,
            contracts: ContractType::ALL
                .iter()
                .enumerate()
                .filter(|(b, _)| k.contracts & (1 << b) != 0)
                .map(|(_, c)| *c)
                .collect(),
            full_time: k.flags & 1 != 0,
            part_time: k.flags & 2 != 0,
            shifts: k.flags & 4 != 0,
            nights: k.flags & 8 != 0,
        },
        benefit: None,
        children_under_14: false,
        targeted: None,
        ranking: None,
        cv_text: texts[k.text].into(),
        occupation_mappings: Vec::new(),
    }
}

/// What the law's modes read: benefit, children, targeted placement, ranking
/// data and a desired profession.
#[derive(Debug, Clone)]
struct Extra {
    /// (scheme, monthly euros, hours of the last contract).
    benefit: Option<(usize, u32, Option<u8>)>,
    children: bool,
    /// (art18, invalidity %, capacities (dimension, 0..4), needs as bits).
    targeted: Option<(bool, Option<u8>, Vec<(usize, u8)>, u8)>,
    /// (dependents, ISEE, income, days from 1960-01-01 to the birth date).
    ranking: Option<(u32, Option<u32>, Option<u32>, Option<i32>)>,
    desired: Option<usize>,
}

const SCHEMES: [BenefitScheme; 4] = [
    BenefitScheme::Naspi,
    BenefitScheme::DisColl,
    BenefitScheme::Adi,
    BenefitScheme::Sfl,
];
const SUPPORTS: [Support; 3] = [
    Support::Tutor,
    Support::TechnicalAids,
    Support::AdaptedWorkstation,
];
/// The ICF dimensions the generated demands and capacities use.
const DIMS: [&str; 4] = ["d430", "d4154", "night", "b230"];

fn extra() -> impl Strategy<Value = Extra> {
    (
        prop::option::weighted(
            0.5,
            (
                0..SCHEMES.len(),
                prop::sample::select(vec![0u32, 400, 900, 1400, 2500]),
                prop::option::of(prop::sample::select(vec![0u8, 20, 30, 38, 40])),
            ),
        ),
        any::<bool>(),
        prop::option::weighted(
            0.5,
            (
                any::<bool>(),
                prop::option::of(prop::sample::select(vec![0u8, 33, 34, 45, 46, 67, 100])),
                prop::collection::vec((0..DIMS.len(), 0..=4u8), 0..3),
                0..8u8,
            ),
        ),
        prop::option::weighted(
            0.8,
            (
                0..5u32,
                prop::option::of(prop::sample::select(vec![0u32, 500, 8500, 30000])),
                prop::option::of(prop::sample::select(vec![0u32, 9000, 20000])),
                prop::option::of(0..20_000i32),
            ),
        ),
        prop::option::of(0..ISCO.len()),
    )
        .prop_map(|(benefit, children, targeted, ranking, desired)| Extra {
            benefit,
            children,
            targeted,
            ranking,
            desired,
        })
}

/// [`candidate`] with the extras.
fn candidate_with(i: usize, k: &Knobs, x: &Extra) -> CandidateRecord {
    let mut c = candidate(i, k);
    c.benefit = x.benefit.map(|(s, eur, hours)| Benefit {
        scheme: SCHEMES[s],
        monthly_eur: eur as f64,
        last_contract_hours: hours.map(f64::from),
    });
    c.children_under_14 = x.children;
    c.targeted = x
        .targeted
        .as_ref()
        .map(|(art18, pct, caps, needs)| Targeted {
            list: if *art18 {
                TargetedList::Art18
            } else {
                TargetedList::Art1
            },
            enrolled: Date::parse("2023-05-10"),
            invalidity_pct: pct.map(u32::from),
            capacities: caps
                .iter()
                .map(|&(d, v)| (DIMS[d].to_string(), v))
                .collect(),
            needs: SUPPORTS
                .iter()
                .enumerate()
                .filter(|(b, _)| needs & (1 << b) != 0)
                .map(|(_, s)| *s)
                .collect(),
        });
    c.ranking = x
        .ranking
        .map(|(dependents, isee, income, birth)| RankingData {
            dependents,
            isee_eur: isee.map(f64::from),
            income_eur: income.map(f64::from),
            birth_date: birth.map(|d| Date::parse("1960-01-01").unwrap().add_days(d)),
        });
    c.desired_isco = x
        .desired
        .map(|d| vec![ISCO[d].to_string()])
        .unwrap_or_default();
    c
}

/// The vacancy knobs of the mode-aware test.
#[derive(Debug, Clone)]
struct VacancyKnobs {
    mode: usize,
    art18: bool,
    demands: Vec<(usize, u8)>,
    supports: u8,
    contract: usize,
    /// (gross, CCNL minimum) in euros.
    pay: Option<(u32, u32)>,
    nights: bool,
    /// Every n-th person applies (with an unknown id too), when set.
    applicants: Option<usize>,
    only_congruous: bool,
    /// Which template each graduatoria mode uses: default or swapped.
    other_templates: bool,
}

const MODES: [Mode; 4] = [
    Mode::Preselection,
    Mode::TargetedNominative,
    Mode::TargetedNumeric,
    Mode::PublicSelection,
];

fn vacancy_knobs() -> impl Strategy<Value = VacancyKnobs> {
    (
        (
            0..MODES.len(),
            any::<bool>(),
            prop::collection::vec((0..DIMS.len(), 0..=4u8), 0..3),
            0..8u8,
        ),
        (
            0..ContractType::ALL.len(),
            prop::option::of((
                prop::sample::select(vec![900u32, 1500, 1750, 2400]),
                prop::sample::select(vec![1200u32, 1600]),
            )),
            any::<bool>(),
        ),
        (
            prop::option::weighted(0.3, 1..4usize),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (mode, art18, demands, supports),
                (contract, pay, nights),
                (applicants, only_congruous, other_templates),
            )| VacancyKnobs {
                mode,
                art18,
                demands,
                supports,
                contract,
                pay,
                nights,
                applicants,
                only_congruous,
                other_templates,
            },
        )
}

fn vacancy(
    size: u32,
    required: Vec<usize>,
    hours: f64,
    shifts: bool,
    lang: Option<usize>,
) -> VacancyRecord {
    let mut v: VacancyRecord = serde_json::from_str(
        r#"{"id":"VP","isco":"7212","workplace":"015146","title":"Saldatore TIG","text":"saldatore TIG carrellista",
            "contract":{"type":"fixed_term","months":6,"hours_per_week":40}}"#,
    )
    .unwrap();
    v.roster_size = size;
    v.contract.hours_per_week = hours;
    v.contract.shifts = shifts;
    v.skills = (0..SKILLS.len())
        .map(|s| VacancySkill {
            esco: Some(SKILLS[s].0.into()),
            label: None,
            required: required.contains(&s),
            weight: 1.0 + s as f64,
        })
        .collect();
    v.licences = vec![VacancyLicence {
        code: "b".into(),
        required: true,
    }];
    v.languages = lang
        .map(|l| {
            vec![VacancyLanguage {
                code: "en".into(),
                cefr: Cefr::ALL[l],
                required: true,
            }]
        })
        .unwrap_or_default();
    v
}

fn policy() -> Policy {
    Policy {
        as_of: Date::parse("2026-11-01"),
        ..Policy::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn roster_invariants_hold(
        people in prop::collection::vec(knobs(), 0..40),
        size in 1u32..=15,
        required in prop::collection::vec(0..SKILLS.len(), 0..2),
        hours in prop::sample::select(vec![20.0, 36.0, 40.0]),
        shifts in any::<bool>(),
        lang in prop::option::of(0..3usize),
    ) {
        let records: Vec<CandidateRecord> = people.iter().enumerate().map(|(i, k)| candidate(i, k)).collect();
        let engine = Engine::in_memory(records.clone(), vec![]).unwrap();
        let v = vacancy(size, required, hours, shifts, lang);
        let r = engine.roster(&v, &policy()).unwrap();

        prop_assert!(r.entries.len() as u32 <= r.cap);
        prop_assert_eq!(r.cap, size);
        prop_assert_eq!(r.pool, records.len() as u64);
        prop_assert_eq!(r.excluded.total() + r.eligible, r.pool);
        prop_assert_eq!(r.entries.len() as u64, r.eligible.min(r.cap as u64));
        for (i, e) in r.entries.iter().enumerate() {
            prop_assert_eq!(e.rank as usize, i + 1);
            let sum: f64 = e.criteria.iter().map(|c| c.points).sum();
            prop_assert!((sum - e.score).abs() <= 1e-9, "Σ points {} != score {}", sum, e.score);
            prop_assert!((0.0..=1.0 + 1e-9).contains(&e.score));
            for c in &e.criteria {
                prop_assert!((0.0..=1.0).contains(&c.value), "{} = {}", c.name, c.value);
            }
            for rule in e.rules.as_ref().unwrap() {
                prop_assert_eq!(rule.outcome, rosa::rules::Outcome::Pass, "{:?}", rule);
            }
        }
        for w in r.entries.windows(2) {
            prop_assert!(w[0].score >= w[1].score);
            if w[0].score == w[1].score {
                let (a, b) = (engine.index().row_of(&w[0].candidate_id).unwrap(), engine.index().row_of(&w[1].candidate_id).unwrap());
                let (a, b) = (engine.index().record(a), engine.index().record(b));
                prop_assert!((a.did_date, &a.id) < (b.did_date, &b.id), "tie order {} before {}", a.id, b.id);
            }
        }

        // Bitmap evaluation agrees with a plain per-row pass, rule by rule.
        let mut q = rosa::query::Query::new(engine.index(), &v, &policy()).unwrap();
        let el = rosa::roster::eligibility(&q, engine.index());
        q.load_text(engine.index(), &el.rows).unwrap();
        let mut counts = vec![0u64; q.rules.len()];
        let mut rows = Vec::new();
        for row in 0..records.len() as u32 {
            match rosa::rules::first_failure(&q, engine.index(), row) {
                Some(i) => counts[i] += 1,
                None => rows.push(row),
            }
        }
        prop_assert_eq!(&el.rows, &rows);
        let got: Vec<u64> = el.excluded.0.iter().map(|(_, c)| *c).collect();
        prop_assert_eq!(got, counts);

        // Everyone not proposed but eligible scores no better than the last entry.
        if let Some(last) = r.entries.last() {
            let max = rosa::roster::max_bm25(&q, &el.rows);
            for &row in &el.rows {
                let id = &engine.index().record(row).id;
                if !r.entries.iter().any(|e| &e.candidate_id == id) {
                    let (s, _) = rosa::score::score(&q, engine.index(), row, max, false);
                    prop_assert!(s <= last.score);
                }
            }
        }

        // Determinism: same output on a rebuilt engine and on one thread.
        let again = Engine::in_memory(records.clone(), vec![]).unwrap().roster(&v, &policy()).unwrap();
        prop_assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&again).unwrap());
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let single = pool.install(|| engine.roster(&v, &policy()).unwrap());
        prop_assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&single).unwrap());
    }
}

/// The mode-aware vacancy: the preselection one of [`vacancy`], set to `k`'s
/// mode, list, task analysis, contract and applicants.
fn vacancy_in_mode(
    size: u32,
    required: Vec<usize>,
    k: &VacancyKnobs,
    people: usize,
) -> VacancyRecord {
    let mut v = vacancy(size, required, 40.0, false, None);
    v.mode = MODES[k.mode];
    v.targeted_list = v.mode.is_targeted().then_some(if k.art18 {
        TargetedList::Art18
    } else {
        TargetedList::Art1
    });
    v.demands = k
        .demands
        .iter()
        .map(|&(d, x)| (DIMS[d].to_string(), x))
        .collect();
    v.supports = SUPPORTS
        .iter()
        .enumerate()
        .filter(|(b, _)| k.supports & (1 << b) != 0)
        .map(|(_, s)| *s)
        .collect();
    v.contract.kind = ContractType::ALL[k.contract];
    v.contract.gross_monthly_eur = k.pay.map(|p| p.0 as f64);
    v.contract.ccnl_min_monthly_eur = k.pay.map(|p| p.1 as f64);
    v.contract.nights = k.nights;
    v.applicants = k.applicants.map(|n| {
        let mut ids: Vec<String> = (0..people).step_by(n).map(|i| format!("P{i:03}")).collect();
        ids.push("P999".into());
        ids
    });
    v
}

fn mode_policy(k: &VacancyKnobs) -> Policy {
    let mut p = policy();
    p.only_congruous = k.only_congruous;
    if k.other_templates {
        p.graduatoria.targeted_numeric = "er_l68_notice".into();
        p.graduatoria.public_selection = "dpr246_l68".into();
    }
    p
}

/// The roster's entries as (id, score, criteria JSON): what protected data must
/// not move.
fn scored(r: &rosa::Roster) -> Vec<(String, f64, String)> {
    r.entries
        .iter()
        .map(|e| {
            let c = serde_json::to_string(&e.criteria).unwrap();
            (e.candidate_id.clone(), e.score, c)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn roster_invariants_hold_in_every_mode(
        people in prop::collection::vec((knobs(), extra()), 0..30),
        size in 1u32..=15,
        required in prop::collection::vec(0..SKILLS.len(), 0..2),
        k in vacancy_knobs(),
    ) {
        let records: Vec<CandidateRecord> = people
            .iter()
            .enumerate()
            .map(|(i, (kn, x))| candidate_with(i, kn, x))
            .collect();
        let engine = Engine::in_memory(records.clone(), vec![]).unwrap();
        let v = vacancy_in_mode(size, required, &k, records.len());
        let policy = mode_policy(&k);
        let r = engine.roster(&v, &policy).unwrap();
        let ids: Vec<&str> = r.entries.iter().map(|e| e.candidate_id.as_str()).collect();

        // The pool: everyone, or the indexed applicants.
        let in_pool = |id: &str| v.applicants.as_ref().is_none_or(|a| a.iter().any(|x| x == id));
        let pool = records.iter().filter(|c| in_pool(&c.id)).count() as u64;
        prop_assert_eq!(r.pool, pool);
        prop_assert_eq!(r.unknown_applicants.len(), v.applicants.is_some() as usize);

        // Cap, ranks, accounting.
        prop_assert_eq!(r.cap, size);
        prop_assert!(r.entries.len() as u32 <= r.cap);
        prop_assert_eq!(r.excluded.total() + r.eligible, r.pool);
        prop_assert_eq!(r.entries.len() as u64, r.eligible.min(r.cap as u64));
        for (i, e) in r.entries.iter().enumerate() {
            prop_assert_eq!(e.rank as usize, i + 1);
            let sum: f64 = e.criteria.iter().map(|c| c.points).sum();
            prop_assert!((sum - e.score).abs() <= 1e-9, "Σ points {} != score {}", sum, e.score);
            for rule in e.rules.as_ref().unwrap() {
                prop_assert_eq!(rule.outcome, rosa::rules::Outcome::Pass, "{:?}", rule);
            }
            let person = records.iter().find(|c| c.id == e.candidate_id).unwrap();
            // Congruity is reported for exactly the people with a benefit, and
            // filters when the policy says so (except in public selections,
            // which check availability only: design section 4).
            let congruity = e.congruity.as_ref().unwrap();
            prop_assert_eq!(congruity.is_some(), person.benefit.is_some());
            if policy.only_congruous && v.mode != Mode::PublicSelection {
                if let Some(c) = congruity {
                    prop_assert!(c.congruous, "{} is not congruous", e.candidate_id);
                }
            }
            // Targeted modes propose only people on the vacancy's list.
            if v.mode.is_targeted() {
                prop_assert_eq!(person.targeted.as_ref().map(|t| t.list), v.targeted_list);
            }
        }

        // Order: scored modes by score, then earlier DID, then id; graduatorie
        // in the template's direction.
        let template = v.mode.is_graduatoria().then(|| {
            let name = match v.mode {
                Mode::TargetedNumeric => &policy.graduatoria.targeted_numeric,
                _ => &policy.graduatoria.public_selection,
            };
            policy.templates.iter().find(|t| &t.name == name).unwrap().clone()
        });
        for w in r.entries.windows(2) {
            match &template {
                None => {
                    prop_assert!(w[0].score >= w[1].score);
                    if w[0].score == w[1].score {
                        let a = records.iter().find(|c| c.id == w[0].candidate_id).unwrap();
                        let b = records.iter().find(|c| c.id == w[1].candidate_id).unwrap();
                        prop_assert!((a.did_date, &a.id) < (b.did_date, &b.id), "tie order {} before {}", a.id, b.id);
                    }
                }
                Some(t) => match t.direction {
                    rosa::graduatoria::Direction::HigherWins => prop_assert!(w[0].score >= w[1].score),
                    rosa::graduatoria::Direction::LowerWins => prop_assert!(w[0].score <= w[1].score),
                },
            }
        }

        // Every person of the pool explained: eligibility, the first failing
        // rule counted in `excluded`, rank and membership agree with the roster.
        let mut failures: std::collections::BTreeMap<String, u64> = Default::default();
        let mut eligible = 0u64;
        for c in records.iter().filter(|c| in_pool(&c.id)) {
            let x = engine.explain(&v, &policy, &c.id).unwrap();
            prop_assert_eq!(x.in_roster, ids.contains(&c.id.as_str()), "{}", c.id);
            if x.eligible {
                eligible += 1;
                prop_assert!(x.first_failure.is_none());
                prop_assert!(x.rules.iter().all(|r| r.outcome == rosa::rules::Outcome::Pass));
                if let Some(pos) = ids.iter().position(|i| *i == c.id) {
                    prop_assert_eq!(x.rank, Some(pos as u64 + 1), "{}", c.id);
                    prop_assert!((x.score - r.entries[pos].score).abs() <= 1e-9);
                }
            } else {
                prop_assert!(!x.in_roster && x.rank.is_none());
                *failures.entry(x.first_failure.unwrap().to_string()).or_default() += 1;
            }
        }
        prop_assert_eq!(eligible, r.eligible);
        for (name, n) in &r.excluded.0 {
            prop_assert_eq!(failures.get(*name).copied().unwrap_or(0), *n, "excluded by {}", name);
        }
        prop_assert_eq!(failures.values().sum::<u64>(), r.excluded.total());

        // Protected data never enters a score: without ranking data, children
        // and invalidity percentages, a scored roster (congruity informational)
        // proposes the same people with the same points.
        if template.is_none() && !policy.only_congruous {
            let stripped: Vec<CandidateRecord> = records
                .iter()
                .cloned()
                .map(|mut c| {
                    c.ranking = None;
                    c.children_under_14 = false;
                    if let Some(t) = &mut c.targeted {
                        t.invalidity_pct = None;
                    }
                    c
                })
                .collect();
            let other = Engine::in_memory(stripped, vec![]).unwrap().roster(&v, &policy).unwrap();
            prop_assert_eq!(scored(&r), scored(&other));
        }

        // Determinism: a rebuilt engine and one thread give the same bytes.
        let again = Engine::in_memory(records.clone(), vec![]).unwrap().roster(&v, &policy).unwrap();
        prop_assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&again).unwrap());
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let single = one.install(|| engine.roster(&v, &policy).unwrap());
        prop_assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&single).unwrap());
    }
}
