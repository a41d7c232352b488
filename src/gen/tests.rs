use super::professions::SPECS;
use super::skills::misspell;
use super::tables::tables;
use super::*;
use crate::geo::Comuni;
use crate::model::{parse_record, BenefitScheme, CandidateSkill, ContractType, Mode, TargetedList};
use crate::taxonomy::Isco;

fn cfg(candidates: usize, vacancies: usize, seed: u64) -> GenConfig {
    GenConfig {
        candidates,
        vacancies,
        seed,
        as_of: Date::parse("2026-11-15").unwrap(),
        profile: Profile::Default,
    }
}

#[test]
fn profession_table_resolves_against_reference_data() {
    let t = tables();
    assert!(
        t.unresolved.is_empty(),
        "skills not in ESCO nor in the Italian synonyms: {:?}",
        t.unresolved
    );
    assert!(SPECS.len() >= 40);
    let isco = Isco::embedded();
    for p in &t.professions {
        assert!(
            isco.contains(p.spec.isco) && p.spec.isco.len() == 4,
            "{}",
            p.spec.isco
        );
        for r in p.spec.related {
            assert!(
                SPECS.iter().any(|s| s.isco == *r),
                "{} lists unknown related {r}",
                p.spec.isco
            );
        }
        assert!(
            p.pool.skills.len() >= 6,
            "{} has {} skills",
            p.spec.isco,
            p.pool.skills.len()
        );
        assert!(
            !p.pool.italian.is_empty(),
            "{} has no Italian-labelled skill",
            p.spec.isco
        );
        assert!(
            !p.related.is_empty(),
            "{} has no related profession",
            p.spec.isco
        );
        assert!(p.spec.eqf.0 <= p.spec.eqf.1 && p.spec.eqf.1 <= 8);
        assert!(p.spec.ccnl.0 <= p.spec.ccnl.1);
        for d in p.spec.demands {
            assert!(crate::model::is_icf_dimension(d), "{d}");
        }
    }
    let mut codes: Vec<&str> = SPECS.iter().map(|s| s.isco).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), SPECS.len(), "a profession is listed twice");
}

#[test]
fn same_config_same_data_whatever_the_thread_count() {
    let c = cfg(1500, 150, 42);
    let a = generate(&c);
    let b = generate(&c);
    assert_eq!(a, b);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| generate(&c));
    assert_eq!(a, one);
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap()
        .install(|| generate(&c));
    assert_eq!(a, three);
    // A record alone is the record in the set, and a prefix is a prefix.
    assert_eq!(candidate(&c, 777), a.candidates[777]);
    assert_eq!(vacancy(&c, 99), a.vacancies[99]);
    let smaller = generate(&cfg(100, 10, 42));
    assert_eq!(smaller.candidates[..], a.candidates[..100]);
    // Another seed gives other data.
    let other = generate(&cfg(50, 5, 43));
    assert_ne!(other.candidates[..], a.candidates[..50]);
}

#[test]
fn written_files_are_identical_for_the_same_config() {
    let c = cfg(300, 30, 9);
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2) = (dir.path().join("a"), dir.path().join("b/c"));
    write_dir(&generate(&c), &d1).unwrap();
    write_dir(&generate(&c), &d2).unwrap();
    for f in ["candidates.jsonl", "vacancies.jsonl"] {
        let x = std::fs::read(d1.join(f)).unwrap();
        assert_eq!(x, std::fs::read(d2.join(f)).unwrap(), "{f}");
    }
    let cands = crate::model::read_jsonl::<CandidateRecord>(&d1.join("candidates.jsonl")).unwrap();
    assert_eq!(cands.len(), 300);
    let vacs = crate::model::read_jsonl::<VacancyRecord>(&d1.join("vacancies.jsonl")).unwrap();
    assert_eq!(vacs.len(), 30);
}

#[test]
fn every_generated_record_is_valid_and_round_trips() {
    let data = generate(&cfg(3000, 300, 2026));
    for (i, c) in data.candidates.iter().enumerate() {
        assert_eq!(c.id, candidate_id(i));
        let line = serde_json::to_string(c).unwrap();
        assert!(!line.contains('\n'));
        let back = parse_record::<CandidateRecord>(&line, "gen", i + 1)
            .unwrap_or_else(|e| panic!("{}: {e:?}\n{line}", c.id));
        assert_eq!(&back, c);
    }
    for (i, v) in data.vacancies.iter().enumerate() {
        assert_eq!(v.id, vacancy_id(i));
        let line = serde_json::to_string(v).unwrap();
        let back = parse_record::<VacancyRecord>(&line, "gen", i + 1)
            .unwrap_or_else(|e| panic!("{}: {e:?}\n{line}", v.id));
        assert_eq!(&back, v);
    }
}

#[test]
fn candidates_follow_population() {
    let n = 20_000;
    let data = generate(&cfg(n, 0, 5));
    let comuni = Comuni::embedded();
    let mut counts = vec![0u32; comuni.len()];
    for c in &data.candidates {
        counts[usize::from(comuni.lookup(&c.domicile).expect("known comune"))] += 1;
    }
    let total_pop: u64 = comuni.iter().map(|(_, c)| u64::from(c.population)).sum();
    let rome = comuni.lookup("058091").unwrap();
    let share = f64::from(comuni.get(rome).population) / total_pop as f64;
    let expected = share * n as f64;
    let got = f64::from(counts[usize::from(rome)]);
    assert!(
        (got - expected).abs() < 0.12 * expected,
        "Rome: {got} candidates, expected about {expected:.0}"
    );
    // A small comune gets far fewer (expected well under 1).
    let (small, _) = comuni
        .iter()
        .find(|(_, c)| (300..1000).contains(&c.population))
        .unwrap();
    assert!(counts[usize::from(small)] < counts[usize::from(rome)] / 50);
    // Comuni without residents get nobody.
    for (id, c) in comuni.iter() {
        if c.population == 0 {
            assert_eq!(counts[usize::from(id)], 0, "{}", c.name);
        }
    }
    // Milan too.
    let milan = comuni.lookup("015146").unwrap();
    let expected = f64::from(comuni.get(milan).population) / total_pop as f64 * n as f64;
    let got = f64::from(counts[usize::from(milan)]);
    assert!(
        (got - expected).abs() < 0.15 * expected,
        "Milan: {got}, expected about {expected:.0}"
    );
}

#[test]
fn candidate_shares_are_as_documented() {
    let n = 20_000;
    let c = cfg(n, 0, 11);
    let data = generate(&c);
    let share = |f: &dyn Fn(&CandidateRecord) -> bool| {
        data.candidates.iter().filter(|x| f(x)).count() as f64 / n as f64
    };
    let near = |name: &str, got: f64, want: f64, tol: f64| {
        assert!(
            (got - want).abs() <= tol,
            "{name}: {got:.4}, expected {want} ± {tol}"
        );
    };
    let available = share(&|x| x.did_date.is_some());
    near("not available", 1.0 - available, 0.03, 0.006);
    let stale = share(&|x| {
        x.availability_confirmed
            .is_some_and(|d| c.as_of.days_since(d) > 180)
    });
    near("stale among available", stale / available, 0.10, 0.012);
    let scheme = |s: BenefitScheme| {
        move |x: &CandidateRecord| x.benefit.as_ref().is_some_and(|b| b.scheme == s)
    };
    near("naspi", share(&scheme(BenefitScheme::Naspi)), 0.18, 0.015);
    near("adi", share(&scheme(BenefitScheme::Adi)), 0.05, 0.008);
    near(
        "dis_coll",
        share(&scheme(BenefitScheme::DisColl)),
        0.01,
        0.004,
    );
    near("targeted", share(&|x| x.targeted.is_some()), 0.03, 0.006);
    near(
        "art1 among targeted",
        share(&|x| {
            x.targeted
                .as_ref()
                .is_some_and(|t| t.list == TargetedList::Art1)
        }) / share(&|x| x.targeted.is_some()),
        0.85,
        0.06,
    );
    near(
        "children under 14",
        share(&|x| x.children_under_14),
        0.25,
        0.04,
    );
    near(
        "belfiore domicile",
        share(&|x| x.domicile.as_bytes()[0].is_ascii_alphabetic()),
        0.10,
        0.012,
    );
    near(
        "licence B",
        share(&|x| x.licences.iter().any(|l| l == "B")),
        0.72,
        0.05,
    );
    near("shifts", share(&|x| x.availability.shifts), 0.60, 0.015);
    near("nights", share(&|x| x.availability.nights), 0.25, 0.015);
    near(
        "english",
        share(&|x| x.languages.iter().any(|l| l.code == "en")),
        0.50,
        0.015,
    );

    let skills: Vec<&CandidateSkill> = data
        .candidates
        .iter()
        .flat_map(|x| x.skills.iter())
        .collect();
    let s = skills.len() as f64;
    near(
        "skills with URI",
        skills.iter().filter(|k| k.esco.is_some()).count() as f64 / s,
        0.50,
        0.02,
    );
    near(
        "certified skills",
        skills.iter().filter(|k| k.certified).count() as f64 / s,
        0.20,
        0.015,
    );

    for x in &data.candidates {
        assert!(
            (3..=8).contains(&x.skills.len()),
            "{}: {} skills",
            x.id,
            x.skills.len()
        );
        assert!((1..=3).contains(&x.experiences.len()));
        assert!((1..=2).contains(&x.desired_isco.len()));
        assert!(!x.availability.contracts.is_empty());
        assert!(x.availability.full_time || x.availability.part_time);
        assert!(x.ranking.is_some());
        if let Some(d) = x.did_date {
            let ago = c.as_of.days_since(d);
            assert!((30..=1095).contains(&ago), "{}: DID {ago} days ago", x.id);
            assert!(x.availability_confirmed.unwrap() >= d);
            assert!(x.availability_confirmed.unwrap() <= c.as_of);
        }
        if let Some(t) = &x.targeted {
            if t.list == TargetedList::Art1 {
                assert!((46..=100).contains(&t.invalidity_pct.unwrap()));
                assert!((2..=5).contains(&t.capacities.len()));
                assert!(t.capacities.values().all(|&v| v <= 3));
            }
        }
        let len = x.cv_text.len();
        assert!(
            (150..=600).contains(&len),
            "{}: cv_text of {len} bytes: {}",
            x.id,
            x.cv_text
        );
    }
    let mean_cv = data
        .candidates
        .iter()
        .map(|x| x.cv_text.len())
        .sum::<usize>() as f64
        / n as f64;
    assert!(
        (300.0..=600.0).contains(&mean_cv),
        "mean cv_text length {mean_cv}"
    );
}

#[test]
fn vacancy_shares_are_as_documented() {
    let n = 6000;
    let c = cfg(5000, n, 3);
    let data = generate(&c);
    let vs = &data.vacancies;
    let share =
        |f: &dyn Fn(&VacancyRecord) -> bool| vs.iter().filter(|x| f(x)).count() as f64 / n as f64;
    let near = |name: &str, got: f64, want: f64, tol: f64| {
        assert!(
            (got - want).abs() <= tol,
            "{name}: {got:.4}, expected {want} ± {tol}"
        );
    };
    near(
        "preselection",
        share(&|v| v.mode == Mode::Preselection),
        0.88,
        0.015,
    );
    near(
        "public selection",
        share(&|v| v.mode == Mode::PublicSelection),
        0.03,
        0.008,
    );
    near(
        "fixed term",
        share(&|v| v.contract.kind == ContractType::FixedTerm),
        0.45,
        0.02,
    );
    near(
        "permanent",
        share(&|v| v.contract.kind == ContractType::Permanent),
        0.25,
        0.02,
    );
    near(
        "education required",
        share(&|v| v.education_required),
        0.20,
        0.02,
    );
    let below = share(&|v| match (
        v.contract.gross_monthly_eur,
        v.contract.ccnl_min_monthly_eur,
    ) {
        (Some(g), Some(m)) => g < m,
        _ => false,
    });
    near("pay below the CCNL minimum", below, 0.05 * 0.97, 0.01);
    let ids: std::collections::HashSet<String> =
        data.candidates.iter().map(|x| x.id.clone()).collect();
    let mut with_applicants = 0;
    let (mut trucks, mut trucks_with_licence) = (0, 0);
    for v in vs {
        assert!((3..=6).contains(&v.skills.len()));
        assert!(v.skills.iter().filter(|s| s.required).count() <= 2);
        assert!(v.mode.is_targeted() == v.targeted_list.is_some());
        if v.mode.is_targeted() {
            assert!((2..=4).contains(&v.demands.len()));
            assert!(v.demands.values().all(|&d| (1..=4).contains(&d)));
        } else {
            assert!(v.demands.is_empty());
        }
        if let Some(a) = &v.applicants {
            with_applicants += 1;
            assert_eq!(v.mode, Mode::PublicSelection);
            assert!((20..=200).contains(&a.len()));
            assert!(a.iter().all(|id| ids.contains(id)));
            assert!(
                a.windows(2).all(|w| w[0] < w[1]),
                "applicants sorted and distinct"
            );
        }
        let p = v.published.unwrap();
        assert!((0..=30).contains(&c.as_of.days_since(p)));
        if v.isco == "8332" {
            trucks += 1;
            if v.licences
                .iter()
                .any(|l| l.required && (l.code == "B" || l.code == "CE"))
            {
                trucks_with_licence += 1;
            }
        }
        assert!(!v.text.is_empty() && v.text.contains(&v.title.to_lowercase()));
    }
    assert!(with_applicants > 0);
    assert!(
        trucks > 50 && trucks_with_licence * 100 >= trucks * 95,
        "{trucks_with_licence}/{trucks} truck vacancies require B or CE"
    );
}

#[test]
fn misspellings_change_the_label_a_little() {
    let mut r = Rng::new(1);
    for label in [
        "saldatura TIG",
        "operate forklift",
        "POS",
        "gru",
        "contabilità",
        "lavoro d'ufficio",
    ] {
        for _ in 0..50 {
            let m = misspell(&mut r, label);
            assert_ne!(m, label);
            assert_eq!(m.chars().next(), label.chars().next());
            let d = strsim::levenshtein(&m, label);
            assert!((1..=2).contains(&d), "{label} -> {m}");
        }
    }
}

/// The default profile's files as they were before profiles existed (seed 42,
/// 2,000 candidates, 200 vacancies, as of 2026-11-15), by sha256: a change of
/// the default data must be deliberate (benches and recorded figures rest on it).
#[test]
fn default_profile_output_is_unchanged() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    write_dir(&generate(&cfg(2000, 200, 42)), dir.path()).unwrap();
    let digest = |f: &str| {
        let bytes = std::fs::read(dir.path().join(f)).unwrap();
        crate::digest::hex(&Sha256::digest(&bytes))
    };
    assert_eq!(digest("candidates.jsonl"), DEFAULT_CANDIDATES_SHA256);
    assert_eq!(digest("vacancies.jsonl"), DEFAULT_VACANCIES_SHA256);
}

const DEFAULT_CANDIDATES_SHA256: &str =
    "2618d17e4f6535680794719d3667966ed0fe0e9bcfb1280e06df011a348eb3a0";
const DEFAULT_VACANCIES_SHA256: &str =
    "1efaee4f12696ad0699fdca16174dc56d852e36c08930aac18b40d70d6b18d96";

#[test]
fn wide_profile_concentrates_people_and_widens_reach() {
    let c = GenConfig {
        profile: Profile::Wide,
        ..cfg(6000, 600, 42)
    };
    let data = generate(&c);
    let comuni = Comuni::embedded();
    let milan = comuni.lookup("015146").unwrap();
    let n = data.candidates.len() as f64;
    let near_milan = data
        .candidates
        .iter()
        .filter(|p| comuni.distance_km(milan, comuni.lookup(&p.domicile).unwrap()) <= 40.0)
        .count() as f64
        / n;
    // 70% drawn in the area, plus the few of the rest of Italy who fall in it.
    assert!((0.67..0.78).contains(&near_milan), "{near_milan}");
    let reach = data
        .candidates
        .iter()
        .filter(|p| (50..=80).contains(&p.availability.max_km))
        .count() as f64
        / n;
    assert!((0.77..0.83).contains(&reach), "{reach}");
    let no_required = data
        .vacancies
        .iter()
        .filter(|v| !v.skills.iter().any(|s| s.required))
        .count() as f64
        / data.vacancies.len() as f64;
    assert!(no_required >= 1.0 / 3.0, "{no_required}");
    let work_near_milan = data
        .vacancies
        .iter()
        .filter(|v| comuni.distance_km(milan, comuni.lookup(&v.workplace).unwrap()) <= 40.0)
        .count() as f64
        / data.vacancies.len() as f64;
    assert!((0.62..0.80).contains(&work_near_milan), "{work_near_milan}");
    // Deterministic, valid, and different from the default profile's data.
    assert_eq!(generate(&c), data);
    assert_ne!(
        generate(&cfg(50, 5, 42)).candidates[..],
        data.candidates[..50]
    );
    for (i, p) in data.candidates.iter().take(500).enumerate() {
        let line = serde_json::to_string(p).unwrap();
        parse_record::<CandidateRecord>(&line, "gen", i + 1).unwrap();
    }
    for (i, v) in data.vacancies.iter().enumerate() {
        let line = serde_json::to_string(v).unwrap();
        parse_record::<VacancyRecord>(&line, "gen", i + 1).unwrap();
    }
}

/// Timing at full scale: `cargo test --release --lib gen::tests::generate_a_million -- --ignored --nocapture`.
#[test]
#[ignore]
fn generate_a_million() {
    tables();
    let c = cfg(1_000_000, 10_000, 1);
    let start = std::time::Instant::now();
    let data = generate(&c);
    let gen = start.elapsed();
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    write_dir(&data, dir.path()).unwrap();
    let write = start.elapsed();
    let bytes = std::fs::metadata(dir.path().join("candidates.jsonl"))
        .unwrap()
        .len();
    println!(
        "generated {} candidates and {} vacancies in {:.2?} on {} threads; wrote {} MB in {:.2?}",
        data.candidates.len(),
        data.vacancies.len(),
        gen,
        rayon::current_num_threads(),
        bytes / 1_000_000,
        write
    );
}
