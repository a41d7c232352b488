//! Golden hashes: what rosa answers on a fixed corpus, pinned byte for byte.
//!
//! Refactors (module layers, typed explanations, a pruned top-k) must not change
//! a single byte of what an operator, an employer or an auditor receives. This
//! test computes, on three fixed corpora,
//!
//! - the rosters of every vacancy under several policies (default, `only_congruous`,
//!   the other graduatoria templates), in the operator and the employer view;
//! - the explanations of eligible and excluded people;
//! - the offers of several people;
//! - the commits (an upsert, a removal, an outcome) and the rosters after them;
//! - the audit log those calls wrote;
//! - the snapshot file(s) the build wrote;
//!
//! and compares the sha256 of each with a constant below. Those parts are
//! serialised with their texts in English (`Lang::En`, the CLI's `--lang en`),
//! the language they were pinned in before the Italian default; `it/rosters/operator`,
//! `it/explanations` and `it/offers` pin the same outputs in Italian, and are
//! checked to differ from the English ones in `detail` strings only. sha256 over the whole
//! bytes: any one-byte change in any of them fails the test, naming the part.
//!
//! The corpora: the fixtures (`tests/fixtures`, the fixture vacancy in every mode,
//! with a small cap and a cap override), and a `rosa gen` corpus of each profile
//! (default and wide) made through the library (400 and 2,000 candidates, 30 vacancies picked
//! from the generator's first 800 so that every mode and applicant lists are there).
//! Their own bytes are pinned too (`*/corpus`), so that a change of the generator
//! is told apart from a change of the engine.
//!
//! **Normalised** (and only these): an audit record's `time` is the wall clock,
//! so it is set to a fixed value, and since `prev_hash` and `hash` chain over it,
//! they are recomputed over the normalised records with the log's own rule (the
//! sha256 of the record's compact JSON with `hash` empty); the original log is
//! first checked with `rosa::audit::verify` and every line is checked to read
//! and write back to the same bytes. Nothing else varies: the policy's `as_of` is
//! fixed, the index directories' paths appear in no output.
//!
//! When a change of output is intended, run
//! `ROSA_GOLDEN_PRINT=1 cargo test --test golden -- --nocapture` and paste the
//! printed table; every part's bytes are also written under
//! `target/tmp/golden/<corpus>/<part>` to be compared before and after.

use std::path::Path;

use rosa::audit::{self, AuditRecord};
use rosa::date::Date;
use rosa::gen::{self, GenConfig, Profile};
use rosa::index::OutcomeKind;
use rosa::lang::Lang;
use rosa::model::VacancyRecord;
use rosa::model::{read_json, read_jsonl, CandidateRecord, CapOverride, Mode, TargetedList};
use rosa::roster::View;
use rosa::{Engine, Policy};

/// sha256 of every part, by `corpus/part`.
const EXPECTED: &[(&str, &str)] = &[
    (
        "fixtures/corpus",
        "sha256:f8283749506bcf9b7cad377d950232008f3b4cb49dea2aa836940b8b40b96f1e",
    ),
    (
        "fixtures/snapshot/g000001.bin",
        "sha256:1a124a73c21b42cf0877458c93dc502c64263e657f79beb94b9793c273b43f54",
    ),
    (
        "fixtures/rosters/operator",
        "sha256:540a5e74acfc932d21696feb7f3252ddd74da378de193df5db290c6ee3206191",
    ),
    (
        "fixtures/it/rosters/operator",
        "sha256:49da7cff835d8b68ef5c145056b5fce7deb1ee3cad3d6bb34988ba3266cb2e53",
    ),
    (
        "fixtures/rosters/employer",
        "sha256:02c50c5b149db8d9e489da99bbcfee5a32b3d09997b5cd84599bccd6a83f633b",
    ),
    (
        "fixtures/explanations",
        "sha256:af1ebd87d606342b9a2a7afe9b4cb17ee33ac4ae3092b86addf687d424e95d2c",
    ),
    (
        "fixtures/it/explanations",
        "sha256:da6404b59c9daf9c0d75144ab354f960c85b34b688dadce54ae4fbdc731edbb3",
    ),
    (
        "fixtures/offers",
        "sha256:c95fcb877901b9bbeef98fa221d8430afec175dec85983fae812bcf0d7d7a1f5",
    ),
    (
        "fixtures/it/offers",
        "sha256:c95fcb877901b9bbeef98fa221d8430afec175dec85983fae812bcf0d7d7a1f5",
    ),
    (
        "fixtures/rosters/after_commits",
        "sha256:e4aeb818305209b4a29a194f3162e76ae56328176987838501fac7b61b9786a5",
    ),
    (
        "fixtures/audit",
        "sha256:9799fcd7614cec83e16731b1cd6caff4b577b1088db0fbafe4351da273216f89",
    ),
    (
        "gen_default/corpus",
        "sha256:9e20cb0d76ab0ab3e23de2067875cb54b8532669aa5d35157c961cfdb114c74c",
    ),
    (
        "gen_default/snapshot/g000001.bin",
        "sha256:1898456927442e6851704aa03707f0191332d96162430a55ce5e56cb2cb94d4c",
    ),
    (
        "gen_default/rosters/operator",
        "sha256:2c42953008a868b54f861c12f462bcca8d357d4d6a6ab6ce43074f1b9e316eaa",
    ),
    (
        "gen_default/it/rosters/operator",
        "sha256:6953a209da2a0b36bbc5e5caf203ab74af543a710a4ff890917c38f6a62d0a2a",
    ),
    (
        "gen_default/rosters/employer",
        "sha256:a1b12f18bfc8dea628ad6e30f906ae40bb8a9f0ea0f17ee2cb35f24c98f77949",
    ),
    (
        "gen_default/explanations",
        "sha256:3a5be4d1abaeb691e6ff9fa16caa141a54b7c5fbab405a97e8159ccb12fc64eb",
    ),
    (
        "gen_default/it/explanations",
        "sha256:fbda883218076032b7597c230593852254d11540524a6421b984b0dff0f6da47",
    ),
    (
        "gen_default/offers",
        "sha256:cc40de0225b5a9718dc9d488b2e5c15f241d3818730dea82d4063a3862272545",
    ),
    (
        "gen_default/it/offers",
        "sha256:482f8fd3147faec9254cb051a3e222bbfced1a2f5e0fefd3de6377c901e34211",
    ),
    (
        "gen_default/rosters/after_commits",
        "sha256:08b6900b11bb2e2c0df8a030a8342f4d285a0f97de8c29afc0e4822951981942",
    ),
    (
        "gen_default/audit",
        "sha256:3945d1a64175df9aeff7454c8e716b0bcaf4b2e40168af22e5df1259f40d6aab",
    ),
    (
        "gen_wide/corpus",
        "sha256:059885098c4638b459c15bfc787ea50aec26d7a9b556606976a9b41e335d4319",
    ),
    (
        "gen_wide/snapshot/g000001.bin",
        "sha256:9491e57f61d31ed03343e7adb612079de221f170cce3c2e791c406311ffc1e89",
    ),
    (
        "gen_wide/rosters/operator",
        "sha256:db924c5ef2d2709f4a1de782ca3ae862f6d0aacf334d65af644827f3ff8433a7",
    ),
    (
        "gen_wide/it/rosters/operator",
        "sha256:c34b0cc38eede96e25714bf4f2927026ed669238daa864feead4b2bde804d2c9",
    ),
    (
        "gen_wide/rosters/employer",
        "sha256:19280a48e14636de13adf23b22c4fe7ad7da9e2521ede15d4168ecd694b3f20a",
    ),
    (
        "gen_wide/explanations",
        "sha256:2f8ffb3e4308d7d027d8585a92e607121e147e6658ed10020ddd45f7a4d55657",
    ),
    (
        "gen_wide/it/explanations",
        "sha256:6df50a58b6569cf84809d3a1a9393cc96a0fa22b8d3a65b55fdcd556b92e8b70",
    ),
    (
        "gen_wide/offers",
        "sha256:02af1fffc4c90a746c0b55b6e809aa8b9174212388b3c2550f0087ffd704b244",
    ),
    (
        "gen_wide/it/offers",
        "sha256:2b44f796b92ae71189c405f580c1fbd4a0b9d3bc491d8c462c5662299dca88fd",
    ),
    (
        "gen_wide/rosters/after_commits",
        "sha256:e2796a2510e5a58448dcabb7a7703de54b071b55a76133244d4870afc368665f",
    ),
    (
        "gen_wide/audit",
        "sha256:4d0235759ff8820f4aaebcf0154fd0401b56794a47a551d1107dda71b44d002f",
    ),
];

const AS_OF: &str = "2026-11-01";
/// What the normalised audit records carry as `time`.
const FIXED_TIME: &str = "2000-01-01T00:00:00Z";

/// The parts of one corpus: (name, bytes), in a fixed order.
type Parts = Vec<(String, Vec<u8>)>;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn policy(extra: &str) -> Policy {
    Policy::from_toml(&format!("as_of = \"{AS_OF}\"\n{extra}")).expect("test policy")
}

/// The policies every roster is computed under: the default, congruity as a
/// filter, and the graduatoria templates the default does not choose.
fn policies() -> Vec<(&'static str, Policy)> {
    vec![
        ("default", policy("")),
        ("only_congruous", policy("only_congruous = true\n")),
        (
            "other_templates",
            policy(
                "[graduatoria]\ntargeted_numeric = \"er_l68_notice\"\n\
                 public_selection = \"dpr246_l68\"\n",
            ),
        ),
    ]
}

/// One JSON line per item, its texts in English: the language every part
/// was pinned in before the Italian default (issue 19); the `it/` parts hold
/// the same outputs in Italian.
fn jsonl<T: serde::Serialize>(items: &[T]) -> Vec<u8> {
    jsonl_in(Lang::En, items)
}

/// One JSON line per item, its texts in `lang`.
fn jsonl_in<T: serde::Serialize>(lang: Lang, items: &[T]) -> Vec<u8> {
    rosa::lang::with(lang, || {
        let mut out = Vec::new();
        for i in items {
            serde_json::to_writer(&mut out, i).expect("serialisable");
            out.push(b'\n');
        }
        out
    })
}

/// The fixture vacancy in every mode, with a cap of 3, and with a cap override.
fn fixture_vacancies() -> Vec<VacancyRecord> {
    let base: VacancyRecord = read_json(&fixture("vacancy.json")).expect("fixture vacancy");
    let mut out = Vec::new();
    for mode in [
        Mode::Preselection,
        Mode::TargetedNominative,
        Mode::TargetedNumeric,
        Mode::PublicSelection,
    ] {
        let mut v = base.clone();
        v.id = format!("V-{}", mode.as_str());
        v.mode = mode;
        if mode.is_targeted() {
            v.targeted_list = Some(TargetedList::Art1);
        }
        out.push(v);
    }
    let mut small = base.clone();
    small.id = "V-cap3".into();
    small.roster_size = 3;
    out.push(small);
    let mut over = base.clone();
    over.id = "V-override".into();
    over.cap_override = Some(CapOverride {
        size: 20,
        reason: "two sites hiring at once".into(),
    });
    out.push(over);
    let mut applicants = base;
    applicants.id = "V-applicants".into();
    applicants.mode = Mode::PublicSelection;
    applicants.applicants = Some(vec!["C003".into(), "C001".into(), "C999".into()]);
    out.push(applicants);
    out
}

/// 30 vacancies of a generated corpus: the first 18 preselections and the first
/// 4 of each other mode, public selections with applicant lists first.
fn pick_vacancies(cfg: &GenConfig) -> Vec<VacancyRecord> {
    let all: Vec<VacancyRecord> = (0..800).map(|i| gen::vacancy(cfg, i)).collect();
    let mut picked: Vec<VacancyRecord> = Vec::new();
    let take = |pred: &dyn Fn(&VacancyRecord) -> bool, n: usize, picked: &mut Vec<_>| {
        let before = picked.len();
        for v in &all {
            if picked.len() - before == n {
                break;
            }
            if pred(v) && !picked.iter().any(|p: &VacancyRecord| p.id == v.id) {
                picked.push(v.clone());
            }
        }
        assert_eq!(picked.len() - before, n, "the generator gives too few");
    };
    take(&|v| v.mode == Mode::Preselection, 18, &mut picked);
    take(&|v| v.mode == Mode::TargetedNominative, 4, &mut picked);
    take(&|v| v.mode == Mode::TargetedNumeric, 4, &mut picked);
    take(
        &|v| v.mode == Mode::PublicSelection && v.applicants.is_some(),
        2,
        &mut picked,
    );
    take(&|v| v.mode == Mode::PublicSelection, 2, &mut picked);
    picked.sort_by(|a, b| a.id.cmp(&b.id));
    picked
}

/// The audit log of `dir`, verified, with `time` fixed and the chain recomputed.
fn normalised_audit(dir: &Path) -> Vec<u8> {
    let v = audit::verify(dir).expect("audit verify runs");
    assert!(v.ok, "the audit log verifies: {:?}", v.first_broken);
    let text = std::fs::read_to_string(dir.join(audit::AUDIT_FILE)).expect("audit log");
    let mut prev = audit::GENESIS.to_string();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut r: AuditRecord = serde_json::from_str(line).expect("an audit record");
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            line,
            "an audit line reads and writes back to the same bytes"
        );
        r.time = FIXED_TIME.into();
        r.prev_hash = prev;
        r.hash = String::new();
        r.hash = audit::hash_json(&r);
        prev = r.hash.clone();
        serde_json::to_writer(&mut out, &r).unwrap();
        out.push(b'\n');
    }
    out
}

/// Every file of `dir/snapshots`, by name: (name, bytes).
fn snapshots(dir: &Path) -> Parts {
    let mut names: Vec<_> = std::fs::read_dir(dir.join("snapshots"))
        .expect("a snapshot directory")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "the build wrote a snapshot");
    names
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join("snapshots").join(&n)).unwrap();
            (format!("snapshot/{n}"), bytes)
        })
        .collect()
}

/// Builds an index of the corpus in a fresh directory and computes every part.
fn run(
    candidates: Vec<CandidateRecord>,
    vacancies: Vec<VacancyRecord>,
    upserted: Vec<CandidateRecord>,
) -> Parts {
    let mut parts: Parts = vec![(
        "corpus".into(),
        [jsonl(&candidates), jsonl(&vacancies), jsonl(&upserted)].concat(),
    )];
    let tmp = match Path::new("/dev/shm").is_dir() {
        true => tempfile::tempdir_in("/dev/shm"),
        false => tempfile::tempdir(),
    }
    .unwrap();
    let dir = tmp.path().join("idx");
    let ids: Vec<String> = candidates.iter().map(|c| c.id.clone()).collect();
    let targeted: Vec<(String, TargetedList)> = candidates
        .iter()
        .filter_map(|c| Some((c.id.clone(), c.targeted.as_ref()?.list)))
        .collect();
    let mut engine = Engine::build(&dir, candidates, vacancies.clone()).expect("corpus builds");
    // The snapshot as the build wrote it (a later commit may replace it).
    parts.extend(snapshots(&dir));

    // Rosters under every policy, both views.
    let (mut operator, mut employer) = (Vec::new(), Vec::new());
    let mut rosters_default = Vec::new();
    for (name, p) in policies() {
        let rosters = engine.rosters(&vacancies, &p).expect("rosters");
        for r in &rosters {
            check_roster(&val(r));
        }
        operator.extend(rosters.iter().cloned());
        employer.extend(rosters.iter().map(|r| r.clone().for_view(View::Employer)));
        if name == "default" {
            rosters_default = rosters;
        }
    }
    parts.push(("rosters/operator".into(), jsonl(&operator)));
    parts.push(("it/rosters/operator".into(), jsonl_in(Lang::It, &operator)));
    parts.push(("rosters/employer".into(), jsonl(&employer)));

    // Explanations: for the first 4 preselections and the first 2 vacancies of
    // each other mode, the first and last entry of the roster, the first three
    // people of the register and, in targeted modes, the first three people on
    // the vacancy's list.
    let p = policy("");
    let mut explanations = Vec::new();
    let mut explained: Vec<Mode> = Vec::new();
    for (v, r) in vacancies.iter().zip(&rosters_default) {
        let limit = if v.mode == Mode::Preselection { 4 } else { 2 };
        if explained.iter().filter(|m| **m == v.mode).count() >= limit {
            continue;
        }
        explained.push(v.mode);
        let entries = entry_ids(r);
        let mut who: Vec<String> = Vec::new();
        who.extend(entries.first().cloned());
        who.extend(entries.last().cloned());
        who.extend(ids.iter().take(3).cloned());
        if v.mode.is_targeted() {
            who.extend(
                targeted
                    .iter()
                    .filter(|(_, list)| Some(*list) == v.targeted_list)
                    .take(3)
                    .map(|(id, _)| id.clone()),
            );
        }
        for c in who {
            explanations.push(engine.explain(v, &p, &c).expect("explain"));
        }
    }
    let eligible = |e: &rosa::explain::Explanation| val(e)["eligible"] == true;
    assert!(
        explanations.iter().any(eligible) && !explanations.iter().all(eligible),
        "both eligible and excluded people are explained"
    );
    parts.push(("explanations".into(), jsonl(&explanations)));
    parts.push(("it/explanations".into(), jsonl_in(Lang::It, &explanations)));

    // Offers: the first ten people and the first entry of every roster.
    let mut who: Vec<String> = ids.iter().take(10).cloned().collect();
    for r in &rosters_default {
        if let Some(first) = entry_ids(r).into_iter().next() {
            if !who.contains(&first) {
                who.push(first);
            }
        }
    }
    let offers: Vec<_> = who
        .iter()
        .map(|c| engine.offers(&p, c).expect("offers"))
        .collect();
    assert!(
        offers.iter().any(|o| val(o)["offers"][0].is_object()),
        "some offers are made"
    );
    parts.push(("offers".into(), jsonl(&offers)));
    parts.push(("it/offers".into(), jsonl_in(Lang::It, &offers)));
    assert!(
        same_but_words(&operator) && same_but_words(&explanations),
        "the Italian texts differ from the English ones"
    );
    same_but_words(&offers);

    // Commits, then the rosters again.
    let hired = rosters_default
        .iter()
        .find_map(|r| Some((r.vacancy_id.clone(), entry_ids(r).into_iter().next()?)))
        .expect("a roster with an entry");
    let g1 = engine.upsert(upserted).expect("upsert");
    let g2 = engine.remove(&[ids[1].clone()]).expect("remove");
    let g3 = engine
        .record_outcome(&hired.0, &hired.1, OutcomeKind::Hired)
        .expect("outcome");
    let after = engine
        .rosters(&vacancies, &p)
        .expect("rosters after commits");
    let gens = serde_json::json!({"generations": [g1, g2, g3]});
    let mut bytes = jsonl(&[gens]);
    bytes.extend(jsonl(&after));
    parts.push(("rosters/after_commits".into(), bytes));
    drop(engine);

    parts.push(("audit".into(), normalised_audit(&dir)));
    parts
}

/// Outputs in Italian and in English differ in `detail` strings only (keys,
/// names, codes, numbers unchanged); whether they differ at all.
fn same_but_words<T: serde::Serialize>(items: &[T]) -> bool {
    fn blank(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    if k == "detail" && x.is_string() {
                        *x = serde_json::Value::Null;
                    } else {
                        blank(x);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(blank),
            _ => {}
        }
    }
    let (mut it, mut en): (Vec<_>, Vec<_>) = items
        .iter()
        .map(|i| {
            let it = rosa::lang::with(Lang::It, || val(i));
            let en = rosa::lang::with(Lang::En, || val(i));
            (it, en)
        })
        .unzip();
    let differ = it != en;
    it.iter_mut().for_each(blank);
    en.iter_mut().for_each(blank);
    assert_eq!(it, en, "only the detail strings change with the language");
    differ
}

/// An output as a JSON tree (the checks read the contract's fields, not the
/// library's types, which refactors may move).
fn val<T: serde::Serialize>(t: &T) -> serde_json::Value {
    serde_json::to_value(t).expect("serialisable")
}

/// The candidate ids of a roster's entries, in order.
fn entry_ids(r: &rosa::Roster) -> Vec<String> {
    val(r)["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            e["candidate_id"]
                .as_str()
                .expect("candidate_id")
                .to_string()
        })
        .collect()
}

/// The design's roster invariants (section 6), so that what is pinned is sane.
fn check_roster(r: &serde_json::Value) {
    let id = &r["vacancy_id"];
    let entries = r["entries"].as_array().expect("entries");
    assert!(entries.len() as u64 <= r["cap"].as_u64().unwrap(), "{id}");
    let excluded: u64 = r["excluded"]
        .as_object()
        .expect("excluded")
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(
        r["eligible"].as_u64().unwrap() + excluded,
        r["pool"].as_u64().unwrap(),
        "{id}"
    );
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["rank"].as_u64(), Some(i as u64 + 1), "{id}");
        let sum: f64 = e["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["points"].as_f64().unwrap())
            .sum();
        let score = e["score"].as_f64().unwrap();
        assert!((sum - score).abs() < 1e-9, "{id} {}", e["candidate_id"]);
    }
}

/// A generated corpus of `n` candidates (and 30 vacancies).
fn gen_corpus(profile: Profile, n: usize) -> Parts {
    let cfg = GenConfig {
        candidates: n,
        vacancies: 800,
        seed: 19,
        as_of: Date::parse(AS_OF).unwrap(),
        profile,
    };
    let candidates: Vec<CandidateRecord> = (0..n).map(|i| gen::candidate(&cfg, i)).collect();
    // Two new people and a changed one (the third, with another CV).
    let mut upserted: Vec<CandidateRecord> = (n..n + 2).map(|i| gen::candidate(&cfg, i)).collect();
    let mut changed = candidates[2].clone();
    changed.cv_text.push_str(" Disponibile anche per turni.");
    upserted.push(changed);
    let vacancies = pick_vacancies(&cfg);
    assert_eq!(vacancies.len(), 30);
    run(candidates, vacancies, upserted)
}

fn fixture_corpus() -> Parts {
    let mut candidates: Vec<CandidateRecord> =
        read_jsonl(&fixture("candidates.jsonl")).expect("fixture candidates");
    let last = candidates.pop().expect("fixture candidates");
    let mut changed = candidates[0].clone();
    changed.cv_text.push_str(" carrellista");
    run(candidates, fixture_vacancies(), vec![last, changed])
}

#[test]
fn outputs_are_byte_identical_to_the_pinned_hashes() {
    let corpora: Vec<(&str, Parts)> = vec![
        ("fixtures", fixture_corpus()),
        ("gen_default", gen_corpus(Profile::Default, 400)),
        // More people on the wide profile, so that the targeted vacancies in
        // Milan's area have people on their list within reach.
        ("gen_wide", gen_corpus(Profile::Wide, 2000)),
    ];
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden");
    let mut actual = Vec::new();
    for (corpus, parts) in &corpora {
        for (part, bytes) in parts {
            let name = format!("{corpus}/{part}");
            let path = out_dir.join(&name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            actual.push((name, audit::sha256(bytes)));
        }
    }
    if std::env::var_os("ROSA_GOLDEN_PRINT").is_some() {
        println!("const EXPECTED: &[(&str, &str)] = &[");
        for (name, hash) in &actual {
            println!("    (\"{name}\", \"{hash}\"),");
        }
        println!("];");
    }
    let mut wrong = Vec::new();
    for (name, hash) in &actual {
        match EXPECTED.iter().find(|(n, _)| n == name) {
            Some((_, want)) if want == hash => {}
            Some((_, want)) => wrong.push(format!("{name}: pinned {want}, now {hash}")),
            None => wrong.push(format!("{name}: not pinned (now {hash})")),
        }
    }
    for (name, _) in EXPECTED {
        if !actual.iter().any(|(n, _)| n == name) {
            wrong.push(format!("{name}: pinned but no longer computed"));
        }
    }
    assert!(
        wrong.is_empty(),
        "output changed ({} of {} parts; bytes under {}):\n{}",
        wrong.len(),
        actual.len(),
        out_dir.display(),
        wrong.join("\n")
    );
}
