//! The official ESCO download as rosa's taxonomy (`--esco`): loading it as published,
//! its errors, labels in every language, occupation profiles in the occupation
//! criterion, and the ESCO-profile evaluation against the baselines.
//!
//! Reads `../shared/data/esco/` (tests may; rosa never does at run time). One taxonomy is
//! active per process, so every in-process test here installs the same one and the
//! embedded-taxonomy cases run the binary.

mod common;

use std::path::{Path, PathBuf};

use common::{rosa, rosa_ok};
use rosa::esco::{self, Taxonomy};
use rosa::model::{parse_record, CandidateRecord, VacancyRecord};
use rosa::{Engine, Policy};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/esco")
}

fn paths() -> Vec<PathBuf> {
    let d = shared();
    vec![
        d.join("ESCO dataset - v1.1.1 - classification - en - csv.zip"),
        d.join("ESCO dataset - v1.1.1 - relations - csv.zip"),
        d.join("it-v1.0.8"),
    ]
}

fn args() -> Vec<String> {
    paths()
        .iter()
        .flat_map(|p| ["--esco".to_string(), p.display().to_string()])
        .collect()
}

fn active() -> &'static Taxonomy {
    esco::install_from(&paths()).expect("the shared ESCO download loads")
}

const ICT_SECURITY_STANDARDS: &str =
    "http://data.europa.eu/esco/skill/ef7a8e8b-3e49-4a6c-9ef3-e1f5c12a3e5b";

#[test]
fn the_published_download_loads_whole_with_italian_occupation_labels() {
    let t = active();
    assert_eq!(
        t.skills().len(),
        13_896,
        "every v1.1.1 skill and knowledge concept"
    );
    assert_eq!(t.occupations.len(), 3_007);
    assert!(t.has_profiles());
    assert_eq!(t.id().version, "ESCO v1.1.1 (en) + v1.0.8 (it)");
    assert!(t.id().fingerprint.starts_with("sha256:"));
    // A knowledge concept the embedded subset lacks is there, with its label.
    let id = t
        .skills()
        .normalise_label("ICT security standards", 0.99)
        .expect("the label resolves");
    assert_eq!(t.skills().get(id.id).label, "ICT security standards");
    // Italian occupation titles name ESCO occupations.
    let found = t.profiles().by_title("sviluppatore di software");
    assert!(
        found.iter().any(|&o| t.occupation(o).isco == "2512"),
        "an Italian title maps to a software developer occupation: {found:?}"
    );
    // Related skills come from ESCO's structure, sorted, strengths in (0, 1].
    let java = t
        .skills()
        .normalise_label("Java (computer programming)", 0.99)
        .unwrap()
        .id;
    let related = t.related(java, 0.5);
    assert!(!related.is_empty());
    assert!(related.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(related.iter().all(|&(_, r)| r > 0.0 && r <= 1.0));
    let _ = ICT_SECURITY_STANDARDS;
}

#[test]
fn a_folder_of_the_unzipped_files_is_the_same_taxonomy_as_the_zips() {
    let dir = tempfile::tempdir().unwrap();
    for zip in &paths()[..2] {
        let bytes = std::fs::read(zip).unwrap();
        for (name, data) in esco::download::unzip(&bytes, "zip").unwrap() {
            std::fs::write(dir.path().join(name.rsplit('/').next().unwrap()), data).unwrap();
        }
    }
    let folder = Taxonomy::load(&[dir.path().to_path_buf(), paths()[2].clone()]).unwrap();
    assert_eq!(folder.id().fingerprint, active().id().fingerprint);
    assert_eq!(folder.skills().len(), 13_896);
}

#[test]
fn a_malformed_download_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let skills = dir.path().join("skills_en.csv");
    std::fs::write(
        &skills,
        "conceptUri,preferredLabel,altLabels\nhttp://x/1,a,b\n",
    )
    .unwrap();
    let e = Taxonomy::load(&[skills.clone()]).unwrap_err().to_string();
    assert!(e.contains("skills_en.csv:1: column hiddenLabels"), "{e}");

    std::fs::write(
        &skills,
        "conceptUri,preferredLabel,altLabels,hiddenLabels\nhttp://x/1,a,b,\nhttp://x/2,\"open\n",
    )
    .unwrap();
    let e = Taxonomy::load(&[skills.clone()]).unwrap_err().to_string();
    assert!(
        e.contains("skills_en.csv:3") && e.contains("unclosed"),
        "{e}"
    );

    std::fs::write(
        &skills,
        "conceptUri,preferredLabel,altLabels,hiddenLabels\nnot-a-uri,a,,\n",
    )
    .unwrap();
    let e = Taxonomy::load(&[skills.clone()]).unwrap_err().to_string();
    assert!(e.contains("skills_en.csv:2: column conceptUri"), "{e}");

    let missing = dir.path().join("nothing-here");
    let e = Taxonomy::load(&[missing]).unwrap_err().to_string();
    assert!(
        e.contains("nothing-here") && e.contains("cannot read"),
        "{e}"
    );

    std::fs::write(dir.path().join("broken.zip"), b"PK\x03\x04 not really").unwrap();
    let e = Taxonomy::load(&[dir.path().join("broken.zip")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("broken.zip") && e.contains("zip"), "{e}");

    // The CLI: exit 2, the same words.
    let out = rosa(&["eval", "--esco", skills.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("skills_en.csv:2"));
}

fn candidate(line: &str) -> CandidateRecord {
    parse_record(line, "test", 1).unwrap_or_else(|e| panic!("{e:?}"))
}

fn person(id: &str, isco: &str, skills: &[&str], cv: &str) -> CandidateRecord {
    let skills: Vec<String> = skills
        .iter()
        .map(|s| {
            if s.starts_with("http") {
                format!("{{\"esco\":\"{s}\"}}")
            } else {
                format!("{{\"label\":\"{s}\"}}")
            }
        })
        .collect();
    candidate(&format!(
        "{{\"id\":\"{id}\",\"domicile\":\"015146\",\"did_date\":\"2026-06-01\",\"availability_confirmed\":\"2026-10-01\",\
         \"experiences\":[{{\"isco\":\"{isco}\",\"months\":36}}],\"skills\":[{}],\
         \"availability\":{{\"max_km\":50,\"contracts\":[\"permanent\"],\"full_time\":true}},\"cv_text\":\"{cv}\"}}",
        skills.join(",")
    ))
}

fn skill_uri(label: &str) -> String {
    let t = active().skills();
    t.get(t.normalise_label(label, 0.99).unwrap().id)
        .uri
        .clone()
}

#[test]
fn occupations_are_compared_at_esco_level_and_explained() {
    let t = active();
    // Two ESCO occupations of one ISCO unit group: the criterion tells them apart.
    let group: Vec<_> = t.profiles().in_isco("2512").to_vec();
    assert!(group.len() >= 2);
    let (a, b) = (group[0], group[1]);
    let uris = |o| -> Vec<String> {
        t.profiles()
            .essential(o)
            .iter()
            .map(|&s| t.skills().get(s).uri.clone())
            .collect()
    };
    let (ua, ub) = (uris(a), uris(b));
    let people = vec![
        person("A1", "2512", &refs(&ua), "curriculum"),
        person("B1", "2512", &refs(&ub), "curriculum"),
    ];
    let engine = Engine::in_memory(people, Vec::new()).unwrap();
    let asked: Vec<String> = ua
        .iter()
        .take(6)
        .map(|u| format!("{{\"esco\":\"{u}\"}}"))
        .collect();
    let v: VacancyRecord = parse_record(
        &format!(
            "{{\"id\":\"V1\",\"employer\":\"E\",\"isco\":\"2512\",\"title\":\"{}\",\"text\":\"\",\"workplace\":\"015146\",\
             \"skills\":[{}],\"contract\":{{\"type\":\"permanent\",\"hours_per_week\":40}},\"mode\":\"preselection\"}}",
            t.occupation(a).name(),
            asked.join(",")
        ),
        "v",
        1,
    )
    .unwrap();
    let policy = Policy {
        as_of: Some(rosa::date::Date::parse("2026-11-01").unwrap()),
        ..Policy::default()
    };
    let roster = engine.roster(&v, &policy).unwrap();
    assert_eq!(roster.taxonomy, *t.id());
    let occ = |i: usize| {
        roster.entries[i]
            .criteria
            .iter()
            .find(|c| c.name == "occupation")
            .unwrap()
            .clone()
    };
    assert_eq!(roster.entries[0].candidate_id, "A1");
    let (first, second) = (occ(0), occ(1));
    assert!(first.value > second.value, "{first:?} vs {second:?}");
    assert!(
        first.detail.contains(t.occupation(a).name()),
        "{}",
        first.detail
    );
    assert!(
        second.detail.contains('\u{2194}') && second.detail.contains("essential skills shared"),
        "{}",
        second.detail
    );
}

#[test]
fn a_free_label_of_a_knowledge_concept_meets_the_vacancy_that_requires_it() {
    let uri = skill_uri("ICT security standards");
    let people = vec![
        person(
            "C1",
            "2529",
            &["ICT security standards"],
            "esperto sicurezza",
        ),
        person(
            "C2",
            "2529",
            &["ict security standard"],
            "esperto sicurezza",
        ),
        person("C3", "2529", &["cooking"], "cuoco"),
    ];
    let engine = Engine::in_memory(people, Vec::new()).unwrap();
    let v: VacancyRecord = parse_record(
        &format!(
            "{{\"id\":\"V2\",\"employer\":\"E\",\"isco\":\"2529\",\"title\":\"Security\",\"text\":\"\",\"workplace\":\"015146\",\
             \"skills\":[{{\"esco\":\"{uri}\",\"label\":\"ICT security standards\",\"required\":true}}],\
             \"contract\":{{\"type\":\"permanent\",\"hours_per_week\":40}},\"mode\":\"preselection\"}}"
        ),
        "v",
        1,
    )
    .unwrap();
    let policy = Policy {
        as_of: Some(rosa::date::Date::parse("2026-11-01").unwrap()),
        ..Policy::default()
    };
    let roster = engine.roster(&v, &policy).unwrap();
    let ids: Vec<&str> = roster
        .entries
        .iter()
        .map(|e| e.candidate_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["C1", "C2"],
        "exact and inflected labels pass, cooking does not"
    );
    assert_eq!(roster.excluded.get("skills"), 1);
}

#[test]
fn an_index_built_with_one_taxonomy_refuses_another_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let idx = dir.path().join("idx");
    let (d, i) = (data.to_str().unwrap(), idx.to_str().unwrap());
    rosa_ok(&["gen", "--candidates", "300", "--vacancies", "5", "--out", d]);
    let cands = data.join("candidates.jsonl");
    let mut build = vec![
        "index",
        "build",
        "--candidates",
        cands.to_str().unwrap(),
        "--index",
        i,
    ];
    let esco = args();
    build.extend(esco.iter().map(String::as_str));
    rosa_ok(&build);
    let vac = data.join("vacancies.jsonl");
    let first = std::fs::read_to_string(&vac)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let v = dir.path().join("v.json");
    std::fs::write(&v, first).unwrap();
    // With the same taxonomy: a roster that names it.
    let mut q = vec!["roster", "--index", i, "--vacancy", v.to_str().unwrap()];
    q.extend(esco.iter().map(String::as_str));
    let out: serde_json::Value = serde_json::from_str(&rosa_ok(&q)).unwrap();
    assert_eq!(out["taxonomy"]["version"], "ESCO v1.1.1 (en) + v1.0.8 (it)");
    // Without it: exit 2, both named.
    let out = rosa(&["roster", "--index", i, "--vacancy", v.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ESCO v1.1.1") && err.contains("embedded"),
        "{err}"
    );
}

#[test]
fn without_esco_a_vacancy_label_matches_a_free_label_no_taxonomy_holds() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c.jsonl");
    let line = |id: &str, label: &str| {
        format!(
            "{{\"id\":\"{id}\",\"domicile\":\"015146\",\"did_date\":\"2026-06-01\",\"availability_confirmed\":\"2026-10-01\",\
             \"skills\":[{{\"label\":\"{label}\"}}],\"availability\":{{\"max_km\":50,\"contracts\":[\"permanent\"],\"full_time\":true}}}}\n"
        )
    };
    std::fs::write(
        &c,
        line("K1", "Norme ISO 27001 sulla sicurezza") + &line("K2", "cucina"),
    )
    .unwrap();
    let idx = dir.path().join("idx");
    rosa_ok(&[
        "index",
        "build",
        "--candidates",
        c.to_str().unwrap(),
        "--index",
        idx.to_str().unwrap(),
    ]);
    let v = dir.path().join("v.json");
    std::fs::write(
        &v,
        "{\"id\":\"V3\",\"employer\":\"E\",\"isco\":\"2529\",\"title\":\"x\",\"text\":\"\",\"workplace\":\"015146\",\
         \"skills\":[{\"esco\":\"http://data.europa.eu/esco/skill/not-in-the-embedded-subset\",\"label\":\"norme iso 27001 sulla sicurezza\",\"required\":true}],\
         \"contract\":{\"type\":\"permanent\",\"hours_per_week\":40},\"mode\":\"preselection\"}",
    )
    .unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(&p, "as_of = \"2026-11-01\"\n").unwrap();
    let out: serde_json::Value = serde_json::from_str(&rosa_ok(&[
        "roster",
        "--index",
        idx.to_str().unwrap(),
        "--vacancy",
        v.to_str().unwrap(),
        "--policy",
        p.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(out["eligible"], 1, "{out}");
    assert_eq!(out["entries"][0]["candidate_id"], "K1");
    assert_eq!(out["taxonomy"]["version"], "embedded");
}

#[test]
fn the_profile_evaluation_beats_every_baseline_at_every_noise_level() {
    active();
    let cfg = rosa::eval::profiles::ProfileEvalConfig {
        anchors: 24,
        ..Default::default()
    };
    let r = rosa::eval::profiles::run(&cfg).unwrap();
    eprintln!("{}", rosa::eval::profiles::table(&r));
    for &noise in &rosa::eval::profiles::NOISE_LEVELS {
        let rosa_line = r.line("rosa", noise).unwrap();
        let floor = if noise == 0.0 { 0.95 } else { 0.92 };
        assert!(
            rosa_line.ndcg_at_15 >= floor,
            "noise {noise}: {rosa_line:?}"
        );
        for base in ["bm25", "skill_overlap", "coverage_isco"] {
            let b = r.line(base, noise).unwrap();
            assert!(
                rosa_line.ndcg_at_15 >= b.ndcg_at_15 + 0.05,
                "noise {noise}: rosa {:.4} vs {base} {:.4}",
                rosa_line.ndcg_at_15,
                b.ndcg_at_15
            );
        }
    }
    // Deterministic for a seed.
    assert_eq!(rosa::eval::profiles::run(&cfg).unwrap(), r);
}

fn refs(u: &[String]) -> Vec<&str> {
    u.iter().map(String::as_str).collect()
}

/// With ESCO occupation profiles active, the occupation criterion mixes in the
/// closeness of inferred ESCO occupations, and [`rosa::roster::best`] bounds it
/// by classes of that closeness: on generated wide pools it gives the top-k of
/// scoring every eligible row.
#[test]
fn the_roster_path_with_esco_profiles_is_the_exhaustive_top_k() {
    assert!(active().has_profiles());
    let data = rosa::gen::generate(&rosa::gen::GenConfig {
        candidates: 2500,
        vacancies: 60,
        seed: 5,
        as_of: rosa::date::Date::parse("2026-11-01").unwrap(),
        profile: rosa::gen::Profile::Wide,
    });
    let index = rosa::index::Index::build(None, data.candidates, Vec::new(), None).expect("index");
    let policy = Policy::default();
    let (mut wide, mut esco_mixed) = (0, 0);
    for mut v in data.vacancies {
        for s in &mut v.skills {
            s.required = false;
        }
        let mut q = rosa::query::Query::new(&index, &v, &policy).expect("valid vacancy");
        if q.template.is_some() {
            continue;
        }
        esco_mixed += usize::from(!q.occupation_closeness.is_empty());
        let el = rosa::roster::eligibility(&q, &index);
        q.load_text(&index, &el.rows).expect("text");
        let max = rosa::roster::max_bm25(&q, &el.rows);
        wide += common::check_best(&index, &v, &policy, &el.rows, max);
    }
    assert!(wide >= 20, "{wide} wide pools");
    assert!(
        esco_mixed >= 20,
        "{esco_mixed} vacancies with ESCO closeness"
    );
}
