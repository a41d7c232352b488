//! Property tests of the roster invariants (design section 6): cap, ranks,
//! non-increasing scores, Σ points = score, every entry passes every rule,
//! eligible + excluded = pool, bitmap and per-row eligibility agree, and
//! determinism across runs and thread counts.

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
