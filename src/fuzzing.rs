//! Entry points of the fuzz targets under `fuzz/` (cargo-fuzz), shared with
//! the stable test `tests/fuzz_replay.rs` that replays their corpora and every
//! crash found: both call these functions, so what was fuzzed is what is tested.
//!
//! Each function takes arbitrary bytes and must return normally: a bad input is
//! an `Err` from the library, never a panic. Past the error path they also check
//! the properties the engine relies on (a record that passes validation
//! round-trips through the index's JSON form and can be queried; a policy that
//! passes validation can run a roster), and panic when one fails, which the
//! fuzzer reports as a crash.
//!
//! Not part of the API: hidden from the docs, may change at any time.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::model::{
    parse_record, read_json_from, read_jsonl_from, CandidateRecord, Mode, Record, TargetedList,
    VacancyRecord,
};
use crate::{Engine, Policy};

const FIXTURE_CANDIDATES: &str = include_str!("../tests/fixtures/candidates.jsonl");
const FIXTURE_VACANCY: &str = include_str!("../tests/fixtures/vacancy.json");
/// The reference date of every query run here, so that runs are reproducible.
const AS_OF: &str = "as_of = \"2026-11-01\"\n";

fn fixture_candidates() -> Vec<CandidateRecord> {
    read_jsonl_from(FIXTURE_CANDIDATES.as_bytes(), "fixture").expect("fixture candidates are valid")
}

fn fixture_vacancy() -> VacancyRecord {
    read_json_from(FIXTURE_VACANCY.as_bytes(), "fixture").expect("fixture vacancy is valid")
}

fn fixture_policy() -> Policy {
    Policy::from_toml(AS_OF).expect("fixture policy is valid")
}

/// The fixture vacancy in every mode (with the list the targeted modes need).
fn vacancies_in_every_mode() -> Vec<VacancyRecord> {
    let base = fixture_vacancy();
    [
        Mode::Preselection,
        Mode::TargetedNominative,
        Mode::TargetedNumeric,
        Mode::PublicSelection,
    ]
    .into_iter()
    .map(|mode| {
        let mut v = base.clone();
        v.id = format!("V-{}", mode.as_str());
        v.mode = mode;
        if mode.is_targeted() {
            v.targeted_list = Some(TargetedList::Art1);
        }
        v
    })
    .collect()
}

/// An in-memory engine over the fixture candidates, built once.
fn fixture_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::in_memory(fixture_candidates(), Vec::new()).expect("fixture engine builds")
    })
}

/// True when serde_json parses floats exactly (its `float_roundtrip` feature).
/// Without it, a float written in shortest form may read back one ulp off:
/// found by the `vacancy_json` fuzzer (`fuzz/regressions/vacancy_json/`).
fn floats_round_trip() -> bool {
    let text = "1.5555555555551555";
    serde_json::from_str::<f64>(text).ok() == text.parse::<f64>().ok()
}

/// Equal JSON trees, numbers allowed to differ by `ulps` units in the last place.
fn same_json(a: &serde_json::Value, b: &serde_json::Value, ulps: u64) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if x.is_sign_negative() == y.is_sign_negative() => {
                x.to_bits().abs_diff(y.to_bits()) <= ulps
            }
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y, ulps))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w, ulps)))
        }
        _ => a == b,
    }
}

/// A record that passed validation must survive the index's JSON form: written
/// as one line, it parses and validates again to the same record (floats to
/// within one ulp while serde_json's float parsing is inexact).
fn round_trip<R: Record + PartialEq + std::fmt::Debug>(rec: &R) {
    let line = serde_json::to_string(rec).expect("a record serialises");
    match parse_record::<R>(&line, "round-trip", 1) {
        Ok(back) => {
            let same = back == *rec
                || (!floats_round_trip()
                    && same_json(
                        &serde_json::to_value(rec).expect("a record serialises"),
                        &serde_json::to_value(&back).expect("a record serialises"),
                        1,
                    ));
            assert!(
                same,
                "record changes through its JSON form:\n{rec:?}\n{back:?}"
            );
        }
        Err(es) => panic!("a valid record fails once written back: {es:?}\n{line}"),
    }
}

/// Candidate `.jsonl` bytes: read, parse and validate like `rosa index build`;
/// when valid, the records round-trip and an in-memory engine over them answers
/// a roster, an explanation and the offers of the first candidate.
pub fn candidate_jsonl(data: &[u8]) {
    let Ok(records) = read_jsonl_from::<CandidateRecord>(data, "fuzz.jsonl") else {
        return;
    };
    for r in &records {
        round_trip(r);
    }
    let Some(first) = records.first().map(|r| r.id.clone()) else {
        return;
    };
    let engine = Engine::in_memory(records, vacancies_in_every_mode())
        .expect("valid records build an index");
    let policy = fixture_policy();
    for v in vacancies_in_every_mode() {
        answers(&engine, &v, &policy, &first);
    }
    engine
        .offers(&policy, &first)
        .expect("valid records answer the offers of an indexed person");
}

/// The roster of a valid vacancy under a valid policy, and the explanation
/// of an indexed person, must be answers, not errors (an in-memory engine
/// writes no audit log that could fail).
fn answers(engine: &Engine, v: &VacancyRecord, policy: &Policy, candidate: &str) {
    if let Err(e) = engine.roster(v, policy) {
        panic!("a valid vacancy gets no roster: {e}\n{v:?}");
    }
    if let Err(e) = engine.explain(v, policy, candidate) {
        panic!("a valid vacancy gets no explanation of {candidate}: {e}\n{v:?}");
    }
}

/// A vacancy JSON file: read, parse and validate like `rosa roster --vacancy`;
/// when valid, it round-trips and the fixture engine answers its roster and
/// explanations.
pub fn vacancy_json(data: &[u8]) {
    let Ok(vacancy) = read_json_from::<VacancyRecord>(data, "fuzz.json") else {
        return;
    };
    round_trip(&vacancy);
    answers(fixture_engine(), &vacancy, &fixture_policy(), "C001");
}

/// A policy TOML file: parsed and validated like `--policy`; when valid, its
/// TOML form parses back to the same fingerprint and it runs a roster in every
/// mode on the fixture engine.
pub fn policy_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut policy) = Policy::from_toml(text) else {
        return;
    };
    if policy.as_of.is_none() {
        policy.as_of = fixture_policy().as_of;
    }
    let written = toml::to_string(&policy).expect("a policy serialises to TOML");
    match Policy::from_toml(&written) {
        Ok(back) => assert_eq!(
            back.fingerprint(),
            policy.fingerprint(),
            "policy changes through its TOML form:\n{written}"
        ),
        Err(e) => panic!("a valid policy fails once written back: {e}\n{written}"),
    }
    let engine = fixture_engine();
    for v in vacancies_in_every_mode() {
        answers(engine, &v, &policy, "C001");
    }
    if let Err(e) = engine.offers(&policy, "C001") {
        panic!("a valid policy answers no offers: {e}\n{written}");
    }
}

/// A small valid index directory, built once per process: the fixture
/// candidates and vacancies, then an upsert, a removal and an outcome (so that
/// the manifest holds every kind of commit), then one audited roster.
struct BaseIndex {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    /// Files under `dir`, relative, in a stable order (see [`stable_files`]).
    files: Vec<PathBuf>,
}

fn scratch_root() -> Option<&'static Path> {
    // tmpfs, when there is one: the index fsyncs every commit.
    let shm = Path::new("/dev/shm");
    shm.is_dir().then_some(shm)
}

fn tempdir() -> tempfile::TempDir {
    match scratch_root() {
        Some(root) => tempfile::tempdir_in(root),
        None => tempfile::tempdir(),
    }
    .expect("a temporary directory")
}

fn base_index() -> &'static BaseIndex {
    static BASE: OnceLock<BaseIndex> = OnceLock::new();
    BASE.get_or_init(|| {
        let tmp = tempdir();
        let dir = tmp.path().join("idx");
        let mut cands = fixture_candidates();
        let extra = cands.pop().expect("fixture has candidates");
        let mut engine =
            Engine::build(&dir, cands, vacancies_in_every_mode()).expect("fixture index builds");
        let mut changed = extra.clone();
        changed.cv_text.push_str(" carrellista");
        engine.upsert(vec![extra]).expect("upsert");
        engine.upsert(vec![changed]).expect("upsert");
        engine.remove(&["C002".to_string()]).expect("remove");
        engine
            .record_outcome("V-preselection", "C003", crate::index::OutcomeKind::Hired)
            .expect("outcome");
        engine
            .roster(&fixture_vacancy(), &fixture_policy())
            .expect("roster");
        drop(engine);
        let files = stable_files(&dir);
        BaseIndex {
            _tmp: tmp,
            dir,
            files,
        }
    })
}

/// Every file under `dir`, relative, ordered by (directory, extension, size,
/// name): tantivy names its files with random ids, and the order must not
/// depend on them for a fuzz input to pick the same file in every run.
fn stable_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, at: &Path, out: &mut Vec<(PathBuf, u64)>) {
        let Ok(entries) = std::fs::read_dir(at) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if let Ok(m) = e.metadata() {
                out.push((p.strip_prefix(root).unwrap_or(&p).to_path_buf(), m.len()));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort_by(|(a, sa), (b, sb)| {
        (a.parent(), a.extension(), sa, a)
            .partial_cmp(&(b.parent(), b.extension(), sb, b))
            .expect("paths compare")
    });
    files.into_iter().map(|(p, _)| p).collect()
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), &target)?;
        }
    }
    Ok(())
}

/// Damage to one file of an index, decoded from fuzz bytes.
///
/// Byte 0 picks the file, byte 1 the kind of damage, bytes 2..4 an offset
/// (little-endian, modulo the file's length + 1); the rest is the payload.
fn damage(file: &Path, data: &[u8]) -> std::io::Result<()> {
    let kind = data.get(1).copied().unwrap_or(0);
    let mut bytes = std::fs::read(file)?;
    let raw_off = u16::from_le_bytes([
        data.get(2).copied().unwrap_or(0),
        data.get(3).copied().unwrap_or(0),
    ]) as usize;
    let off = raw_off % (bytes.len() + 1);
    let payload = data.get(4..).unwrap_or(&[]);
    match kind % 6 {
        // Truncate.
        0 => bytes.truncate(off),
        // Overwrite with the payload.
        1 => {
            for (i, &b) in payload.iter().enumerate() {
                match bytes.get_mut(off + i) {
                    Some(x) => *x = b,
                    None => bytes.push(b),
                }
            }
        }
        // Flip bits: payload is (offset lo, offset hi, xor mask) triples.
        2 => {
            if payload.is_empty() && !bytes.is_empty() {
                let i = off.min(bytes.len() - 1);
                bytes[i] ^= 0x01;
            }
            for t in payload.chunks(3) {
                if bytes.is_empty() {
                    break;
                }
                let i = u16::from_le_bytes([t[0], t.get(1).copied().unwrap_or(0)]) as usize;
                let i = i % bytes.len();
                bytes[i] ^= t.get(2).copied().unwrap_or(0x80).max(1);
            }
        }
        // Replace the whole file.
        3 => bytes = payload.to_vec(),
        // Insert the payload.
        4 => {
            bytes.splice(off..off, payload.iter().copied());
        }
        // Delete the file.
        _ => return std::fs::remove_file(file),
    }
    std::fs::write(file, bytes)
}

/// Index reopen from damaged files: a copy of a small valid index has one of
/// its files truncated, overwritten, bit-flipped, replaced, extended or deleted
/// as `data` says; reopening it must give an error or an index that answers
/// queries (roster, explain, offers, the audit check) and, when bit 7 of byte 1
/// is set, takes an upsert; never a panic.
pub fn index_reopen(data: &[u8]) {
    let base = base_index();
    let tmp = tempdir();
    let dir = tmp.path().join("idx");
    copy_dir(&base.dir, &dir).expect("copy of the base index");
    if let Some(&pick) = data.first() {
        let file = &base.files[pick as usize % base.files.len()];
        damage(&dir.join(file), data).expect("damage a copied file");
    }
    let Ok(mut engine) = Engine::open(&dir) else {
        return;
    };
    // The index opened, so it answers; only appending the query's audit
    // record may fail, on a damaged log (refused, not repaired silently), or
    // reading a record from a damaged segment.
    let policy = fixture_policy();
    for v in vacancies_in_every_mode() {
        answered_or_log_refused(engine.roster(&v, &policy), &dir);
    }
    answered_or_log_refused(engine.explain(&fixture_vacancy(), &policy, "C001"), &dir);
    answered_or_log_refused(engine.offers(&policy, "C001"), &dir);
    let _ = crate::audit::verify(&dir); // damage is its verdict, Ok or Err
                                        // A commit on the damaged index, for half the inputs (it is the slow part).
    if data.get(1).is_none_or(|k| k & 0x80 == 0) {
        return;
    }
    let one = fixture_candidates().into_iter().take(1).collect();
    if engine.upsert(one).is_ok() {
        // Committed: the index opens again, at that commit, and answers.
        let again = match Engine::open(&dir) {
            Ok(e) => e,
            Err(e) => panic!("an index that took an upsert does not open again: {e}"),
        };
        assert_eq!(again.index().generation(), engine.index().generation());
        answered_or_log_refused(again.roster(&fixture_vacancy(), &policy), &dir);
    }
}

/// A query on an index that opened: an answer, an error about the audit log
/// (a damaged log refuses the query's record), or one naming a damaged
/// segment (a record the query read fails its frame's CRC: segments a
/// snapshot covers are read only then); anything else panics.
fn answered_or_log_refused<T>(r: crate::Result<T>, dir: &Path) {
    use crate::Error;
    let log = dir.join(crate::audit::AUDIT_FILE);
    match r {
        Ok(_) => {}
        Err(Error::Index { path, .. } | Error::Io { path, .. }) if path == log => {}
        Err(Error::Index { path, message }) if path.starts_with(dir.join("segments")) => {
            assert!(message.contains("damaged"), "{message}");
        }
        Err(e) => panic!("an index that opened fails a query: {e}"),
    }
}

/// The importer of the ClicLavoro targets: no occupation labels (as `rosa import`
/// without `--esco`), so runs need no files.
fn importer() -> &'static crate::import::Importer {
    static IMPORTER: OnceLock<crate::import::Importer> = OnceLock::new();
    IMPORTER.get_or_init(crate::import::Importer::default)
}

/// Checks what every ClicLavoro import must hold: every error names the file, a line
/// within the document and an element path from the root; a mapped record is valid,
/// round-trips through its JSON form, and only names comuni and codes rosa knows.
fn check_import<R: Record + PartialEq + std::fmt::Debug>(
    data: &[u8],
    root: &str,
    result: Result<crate::import::Imported<R>, Vec<crate::error::FieldError>>,
) {
    match result {
        Ok(imp) => {
            assert!(
                imp.record
                    .check(
                        crate::geo::Comuni::embedded(),
                        crate::taxonomy::Isco::embedded()
                    )
                    .is_empty(),
                "an imported record is invalid: {:?}",
                imp.record
            );
            round_trip(&imp.record);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a refused document says why");
            let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
            for e in errors {
                assert_eq!(e.file, "fuzz.xml");
                assert!(e.line <= lines, "line {} of {lines}: {e}", e.line);
                assert!(
                    e.field.starts_with('/') || e.record_id != "-",
                    "an XML error names an element path: {e}"
                );
                let _ = root;
            }
        }
    }
}

/// One ClicLavoro *Candidatura* document (`rosa import candidatura`): refused with
/// errors naming file, line and element path, or mapped to a valid record that
/// round-trips and that the fixture engine can index and query.
pub fn cliclavoro_candidatura(data: &[u8]) {
    let result = importer().candidatura(data, "fuzz.xml");
    if let Ok(imp) = &result {
        let engine = Engine::in_memory(vec![imp.record.clone()], Vec::new())
            .expect("an imported candidate indexes");
        answers(
            &engine,
            &fixture_vacancy(),
            &fixture_policy(),
            &imp.record.id,
        );
    }
    check_import(data, "Candidatura", result);
}

/// One ClicLavoro *Ricerca personale* `Vacancy` document (`rosa import vacancy`):
/// refused with errors naming file, line and element path, or mapped to a valid record
/// that round-trips and runs a roster and an explanation on the fixture engine.
pub fn cliclavoro_vacancy(data: &[u8]) {
    let result = importer().vacancy(data, "fuzz.xml");
    if let Ok(imp) = &result {
        answers(fixture_engine(), &imp.record, &fixture_policy(), "C001");
    }
    check_import(data, "Vacancy", result);
}
