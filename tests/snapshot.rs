//! The binary snapshot that makes reopening fast: an index opened from it is
//! the index replayed from the JSON segments, row for row and roster for
//! roster; a damaged, foreign or stale snapshot is never trusted.

use std::path::Path;

use rosa::date::Date;
use rosa::gen::{generate, GenConfig};
use rosa::index::Index;
use rosa::model::{CandidateRecord, VacancyRecord};
use rosa::{Engine, Policy};

fn data(n: usize, seed: u64) -> (Vec<CandidateRecord>, Vec<VacancyRecord>) {
    let g = generate(&GenConfig {
        candidates: n,
        vacancies: 30,
        seed,
        as_of: Date::parse("2026-11-01").unwrap(),
        profile: rosa::gen::Profile::Default,
    });
    (g.candidates, g.vacancies)
}

fn policy() -> Policy {
    Policy {
        as_of: Date::parse("2026-11-01"),
        ..Policy::default()
    }
}

/// Everything a query reads, as text: records, features, live and hired rows,
/// and the rosters of every vacancy.
fn state(dir: &Path, vacancies: &[VacancyRecord]) -> (String, Vec<String>) {
    let engine = Engine::open(dir).unwrap();
    let idx = engine.index();
    // Rosters first: on an index opened from its snapshot they run before
    // most records have been read from disk.
    let rosters = vacancies
        .iter()
        .map(|v| {
            let r = rosa::roster::roster(idx, v, &policy()).unwrap();
            serde_json::to_string(&r).unwrap()
        })
        .collect();
    let mut rows = String::new();
    for row in 0..idx.len() as u32 {
        rows.push_str(&format!(
            "{}|{}|{:?}|{:?}|{:?}|{}|{}\n",
            serde_json::to_string(idx.record(row)).unwrap(),
            idx.id(row),
            idx.features(row),
            idx.ranking_inputs(row),
            idx.functional_profile(row),
            idx.live().contains(row),
            idx.hired().contains(row),
        ));
    }
    assert_eq!(idx.unreadable_records(), 0);
    (rows, rosters)
}

/// The index opens from the snapshot `note` names, and answers as the
/// replayed segments do (the snapshots are deleted to replay them).
fn assert_opens_from_snapshot_as_replayed(
    dir: &Path,
    vacs: &[VacancyRecord],
    note_start: &str,
) -> Vec<String> {
    assert!(note(dir).starts_with(note_start), "{}", note(dir));
    let from_snapshot = state(dir, vacs);
    std::fs::remove_dir_all(dir.join("snapshots")).unwrap();
    assert!(note(dir).starts_with("no snapshot"), "{}", note(dir));
    let replayed = state(dir, vacs);
    assert_eq!(from_snapshot.0, replayed.0, "rows differ");
    assert_eq!(from_snapshot.1, replayed.1, "rosters differ");
    replayed.1
}

/// Generated people with ids no other generated person has (`prefix` + id).
fn new_people(people: Vec<CandidateRecord>, prefix: &str) -> Vec<CandidateRecord> {
    people
        .into_iter()
        .map(|mut c| {
            c.id = format!("{prefix}{}", c.id);
            c
        })
        .collect()
}

fn note(dir: &Path) -> String {
    Index::open(dir).unwrap().snapshot_note().to_string()
}

/// Builds an index, then upserts (replacements and new people), removes and
/// records a hire: a snapshot plus a replayed tail.
fn index_with_history(dir: &Path) -> Vec<VacancyRecord> {
    let (cands, vacs) = data(3000, 7);
    let mut engine = Engine::build(dir, cands.clone(), Vec::new()).unwrap();
    let (more, _) = data(120, 8);
    let mut changed: Vec<CandidateRecord> = cands[..40].to_vec();
    for c in &mut changed {
        c.availability.max_km += 7;
        c.cv_text.push_str(" Disponibile da subito.");
    }
    let fresh = new_people(more, "N");
    engine.upsert(changed).unwrap();
    engine.upsert(fresh).unwrap();
    engine
        .remove(&["C0000005".to_string(), "C0000006".to_string()])
        .unwrap();
    engine
        .record_outcome("V000001", "C0000010", rosa::index::OutcomeKind::Hired)
        .unwrap();
    vacs
}

#[test]
fn opening_from_the_snapshot_equals_replaying_the_segments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("idx");
    let vacs = index_with_history(&dir);
    let rosters = assert_opens_from_snapshot_as_replayed(
        &dir,
        &vacs,
        "opened from snapshot g000001 (1 of 5 commits)",
    );
    // The rosters are not trivially empty.
    assert!(rosters.iter().any(|r| r.contains("\"rank\":1")));
}

#[test]
fn a_damaged_snapshot_is_ignored_and_the_segments_replayed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("idx");
    let vacs = index_with_history(&dir);
    let snap = dir.join("snapshots").join("g000001.bin");
    let good = std::fs::read(&snap).unwrap();
    let expected = state(&dir, &vacs);

    let mut damages: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10; // inside a chunk
    damages.push(("chunk byte flipped", flipped));
    let mut tail = good.clone();
    let last = tail.len() - 3;
    tail[last] ^= 0x01; // inside the tail (bitmaps, vocabulary, filters)
    damages.push(("tail byte flipped", tail));
    damages.push(("truncated", good[..good.len() - 1000].to_vec()));
    damages.push(("extended", [good.clone(), vec![0; 10]].concat()));
    damages.push(("header only", good[..30].to_vec()));
    // The row count (after magic, format, generation, commits and the hash)
    // made huge: refused before anything is allocated for it.
    let hash_len = u32::from_le_bytes(good[28..32].try_into().unwrap()) as usize;
    let mut rows = good.clone();
    rows[32 + hash_len..40 + hash_len].copy_from_slice(&(1u64 << 40).to_le_bytes());
    damages.push(("row count huge", rows));
    for (what, bytes) in damages {
        std::fs::write(&snap, &bytes).unwrap();
        let n = note(&dir);
        assert!(n.contains("is damaged"), "{what}: {n}");
        assert_eq!(state(&dir, &vacs), expected, "{what}");
    }
}

#[test]
fn a_snapshot_of_another_history_is_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let (cands, vacs) = data(800, 1);
    Engine::build(&a, cands, Vec::new()).unwrap();
    let (other, _) = data(800, 2);
    Engine::build(&b, other, Vec::new()).unwrap();
    let expected = state(&a, &vacs);
    // b's snapshot, same file name, in a's directory.
    std::fs::copy(
        b.join("snapshots").join("g000001.bin"),
        a.join("snapshots").join("g000001.bin"),
    )
    .unwrap();
    assert!(note(&a).starts_with("no snapshot"), "{}", note(&a));
    assert_eq!(state(&a, &vacs), expected);
}

#[test]
fn a_large_tail_of_commits_writes_a_new_snapshot_and_drops_the_old() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("idx");
    let (cands, vacs) = data(1000, 3);
    let mut engine = Engine::build(&dir, cands, Vec::new()).unwrap();
    // 50 new people: 5% of the rows, under the tenth that triggers a snapshot.
    let (more, _) = data(200, 4);
    let more = new_people(more, "M");
    engine.upsert(more[..50].to_vec()).unwrap();
    assert_eq!(snapshot_files(&dir), ["g000001.bin"]);
    // 150 more: the tail now holds 200 of 1200 rows.
    engine.upsert(more[50..].to_vec()).unwrap();
    assert_eq!(snapshot_files(&dir), ["g000003.bin"]);
    let said = engine.index().snapshot_note();
    assert!(
        said.starts_with("wrote snapshot g000003 (1200 rows) in "),
        "{said}"
    );
    drop(engine);
    assert_opens_from_snapshot_as_replayed(
        &dir,
        &vacs,
        "opened from snapshot g000003 (3 of 3 commits)",
    );
}

/// The files in `dir/snapshots`, sorted.
fn snapshot_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn a_deferred_snapshot_is_written_from_a_shared_reference_then_adopted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("idx");
    let (cands, vacs) = data(1000, 3);
    let mut engine = Engine::build(&dir, cands, Vec::new()).unwrap();
    engine.defer_snapshots();
    let (more, _) = data(300, 4);
    let more = new_people(more, "M");
    // 200 new people: due, but the commit leaves it to the caller.
    engine.upsert(more[..200].to_vec()).unwrap();
    assert!(engine.index().snapshot_due());
    assert_eq!(snapshot_files(&dir), ["g000001.bin"]);

    // Written while the index is only read, then adopted.
    let written = engine.index().write_snapshot_file().unwrap();
    assert_eq!(snapshot_files(&dir), ["g000002.bin"]);
    let before: Vec<String> = vacs
        .iter()
        .map(|v| serde_json::to_string(&engine.roster(v, &policy()).unwrap()).unwrap())
        .collect();
    engine.adopt_snapshot(written);
    let said = engine.index().snapshot_note().to_string();
    assert!(
        said.starts_with("wrote snapshot g000002 (1200 rows)"),
        "{said}"
    );
    assert!(!engine.index().snapshot_due());
    let after: Vec<String> = vacs
        .iter()
        .map(|v| serde_json::to_string(&engine.roster(v, &policy()).unwrap()).unwrap())
        .collect();
    assert_eq!(before, after, "adopting changed an answer");

    // Written for generation 3, but a commit came first: not adopted, the
    // records changed in memory stay, and the file still serves the next open.
    let mut changed = more[..10].to_vec();
    for c in &mut changed {
        c.cv_text.push_str(" Patente C.");
    }
    engine.upsert(more[200..].to_vec()).unwrap();
    let written = engine.index().write_snapshot_file().unwrap();
    engine.upsert(changed.clone()).unwrap();
    engine.adopt_snapshot(written);
    let said = engine.index().snapshot_note().to_string();
    assert!(said.contains("moved on to g000004"), "{said}");
    let row = engine.index().row_of(&changed[0].id).unwrap();
    assert_eq!(engine.index().record(row), &changed[0]);
    drop(engine);
    assert_opens_from_snapshot_as_replayed(
        &dir,
        &vacs,
        "opened from snapshot g000003 (3 of 4 commits)",
    );
}
