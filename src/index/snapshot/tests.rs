use super::record::get_record;
use super::write::abandoned_tmp;
use super::*;
use crate::date::Date;

fn full_record() -> CandidateRecord {
    serde_json::from_value(serde_json::json!({
        "id": "C1", "domicile": "058091", "did_date": "2025-01-02",
        "availability_confirmed": "2026-10-01", "education_eqf": 4,
        "experiences": [{"isco": "7223", "months": 50, "end_year": 2024, "certified": true},
                        {"isco": "5223", "months": 3, "certified": false}],
        "desired_isco": ["7223", "8211"],
        "skills": [{"esco": "http://data.europa.eu/esco/skill/x", "label": "saldatura", "certified": true},
                   {"label": "lavoro di squadra", "certified": false}],
        "languages": [{"code": "en", "cefr": "B2"}, {"code": "fr", "cefr": "A1"}],
        "licences": ["B", "forklift"],
        "availability": {"max_km": 40, "contracts": ["permanent", "internship"],
                         "full_time": true, "part_time": false, "shifts": true, "nights": false},
        "benefit": {"scheme": "dis_coll", "monthly_eur": 812.5, "last_contract_hours": 20.0},
        "children_under_14": true,
        "targeted": {"list": "art18", "enrolled": "2020-02-29", "invalidity_pct": 67,
                     "capacities": {"d415": 2, "d430": 3}, "needs": ["tutor", "adapted_workstation"]},
        "ranking": {"dependents": 2, "isee_eur": 9000.0, "income_eur": 0.0, "birth_date": "1980-05-06"},
        "cv_text": "Saldatore \"TIG\" con 4 anni, perito.\nDisponibile.",
        "occupation_mappings": [
            {"field": "experiences[0]", "cp2011": "6.2.1.2.0", "title": "Saldatori",
             "esco": "http://data.europa.eu/esco/occupation/x", "confidence": 0.75, "confident": true},
            {"field": "desired_isco[1]", "cp2011": "7.2.7.9.0", "confidence": 0.0, "confident": false}]
    }))
    .expect("a valid record")
}

/// An index of generated people built in `dir`, and the vacancies.
fn built(dir: &Path) -> Vec<crate::model::VacancyRecord> {
    let g = crate::gen::generate(&crate::gen::GenConfig {
        candidates: 400,
        vacancies: 30,
        seed: 7,
        as_of: Date::parse("2026-11-01").unwrap(),
        profile: crate::gen::Profile::Default,
    });
    Index::build(Some(dir), g.candidates, Vec::new(), None).unwrap();
    g.vacancies
}

#[test]
fn a_reopened_index_reads_only_the_records_of_the_roster_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    let vacancies = built(&dir);
    let idx = Index::open(&dir).unwrap();
    assert!(idx.snapshot_note().starts_with("opened from snapshot"));
    assert_eq!(idx.records.held(), 0);
    let policy = crate::Policy {
        as_of: Date::parse("2026-11-01"),
        ..crate::Policy::default()
    };
    let mut entries = 0;
    use crate::model::Mode;
    let modes = [
        Mode::Preselection,
        Mode::PublicSelection,
        Mode::TargetedNominative,
        Mode::TargetedNumeric,
    ];
    for v in vacancies.iter().filter(|v| modes.contains(&v.mode)) {
        let r = crate::roster::roster(&idx, v, &policy).unwrap();
        entries += r.entries.len();
        // Eligibility, scoring and ordering read features (graduatorie
        // their inputs, compatibility the functional profiles); only the
        // entries' explanations read records.
        assert!(
            idx.records.held() <= entries,
            "{} records read for {entries} entries",
            idx.records.held()
        );
    }
    assert!(entries > 15, "only {entries} entries");
}

#[test]
fn a_record_changed_behind_the_engine_reads_as_its_id_never_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    built(&dir);
    let idx = Index::open(&dir).unwrap();
    let Place::Segment(n, loc) = idx.records.place(3) else {
        panic!("row 3 is not in a segment: {:?}", idx.records.place(3));
    };
    let seg = dir
        .join("segments")
        .join(&idx.records.segment_names()[n as usize]);
    // The last byte of the frame's compressed bytes: its CRC no longer matches.
    let file = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    file.write_all_at(&[0xFF], loc.frame + 12 + loc.clen as u64 - 1)
        .unwrap();
    let r = idx.record(3);
    assert_eq!(r.id, idx.id(3));
    assert!(r.cv_text.is_empty() && r.skills.is_empty());
    assert_eq!(idx.unreadable_records(), 1);
    // A row in another frame reads whole.
    let other = (0..idx.len() as u32)
        .find(|&r| matches!(idx.records.place(r as usize), Place::Segment(_, l) if l.frame != loc.frame))
        .unwrap();
    assert!(!idx.record(other).cv_text.is_empty());
    assert_eq!(idx.unreadable_records(), 1);
    // Answers built after it report the damage, naming the segment.
    let e = idx.check_records().unwrap_err().to_string();
    assert!(
        e.contains(&seg.display().to_string()) && e.contains("damaged"),
        "{e}"
    );
    // Replayed without the snapshot, the segment's sha256 fails: an error
    // that names the file, never a different record.
    std::fs::remove_dir_all(dir.join("snapshots")).unwrap();
    let err = Index::open(&dir).err().expect("a damaged segment");
    assert!(
        err.to_string()
            .contains(seg.file_name().unwrap().to_str().unwrap()),
        "{err}"
    );
}

#[test]
fn an_index_with_jsonl_segments_keeps_its_records_in_the_snapshot() {
    // An index written before segments were framed: its `.jsonl` segment
    // is replayed, and the next snapshot stores those records itself.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    built(&dir);
    let framed = Index::open(&dir).unwrap();
    let want: Vec<CandidateRecord> = (0..framed.len() as u32)
        .map(|r| framed.record(r).clone())
        .collect();
    drop(framed);
    let current = std::fs::read_to_string(dir.join("CURRENT")).unwrap();
    let m: super::super::Manifest = serde_json::from_str(&current).unwrap();
    let super::super::Commit::Upsert { file, .. } = &m.commits[0] else {
        panic!("the build is an upsert");
    };
    let mut jsonl = Vec::new();
    for r in &want {
        serde_json::to_writer(&mut jsonl, r).unwrap();
        jsonl.push(b'\n');
    }
    let old = file.replace(".seg", ".jsonl");
    std::fs::write(dir.join("segments").join(&old), &jsonl).unwrap();
    let sha = crate::digest::sha256(&jsonl);
    let mut m = m.clone();
    if let super::super::Commit::Upsert {
        file,
        bytes,
        sha256,
        ..
    } = &mut m.commits[0]
    {
        *file = old.clone();
        *bytes = jsonl.len() as u64;
        *sha256 = Some(sha);
    }
    super::super::write_current_manifest(&dir, &m).unwrap();
    std::fs::remove_dir_all(dir.join("snapshots")).unwrap();
    let mut idx = Index::open(&dir).unwrap();
    assert_eq!(idx.records.place(0), Place::Held);
    idx.write_snapshot();
    assert!(matches!(idx.records.place(0), Place::Snapshot(..)));
    assert_eq!(idx.records.held(), 0);
    let again = Index::open(&dir).unwrap();
    assert!(
        again.snapshot_note().starts_with("opened from snapshot"),
        "{}",
        again.snapshot_note()
    );
    let got: Vec<CandidateRecord> = (0..again.len() as u32)
        .map(|r| again.record(r).clone())
        .collect();
    assert_eq!(got, want);
    assert_eq!(again.unreadable_records(), 0);
}

#[test]
fn only_temporary_files_of_gone_writers_are_abandoned() {
    let me = std::process::id();
    assert!(abandoned_tmp(&format!("g000004.{me}.tmp")));
    assert!(
        abandoned_tmp("g000004.tmp"),
        "the unnamed kind of an older rosa"
    );
    // PIDs never reach u32::MAX - 1 on Linux (pid_max ≤ 2^22).
    assert!(abandoned_tmp(&format!("g000004.{}.tmp", u32::MAX - 1)));
    // PID 1 is always alive.
    assert!(!abandoned_tmp("g000004.1.tmp"));
    assert!(!abandoned_tmp("g000004.bin"));
}

#[test]
fn a_record_with_every_field_set_round_trips() {
    let r = full_record();
    let mut e = Enc::default();
    put_record(&mut e, &r);
    let mut d = Dec::new(&e.buf);
    assert_eq!(get_record(&mut d).unwrap(), r);
    assert!(d.done());
    let bare = CandidateRecord {
        did_date: None,
        availability_confirmed: None,
        education_eqf: None,
        experiences: Vec::new(),
        skills: Vec::new(),
        benefit: None,
        targeted: None,
        ranking: None,
        cv_text: String::new(),
        occupation_mappings: Vec::new(),
        ..r
    };
    let mut e = Enc::default();
    put_record(&mut e, &bare);
    assert_eq!(get_record(&mut Dec::new(&e.buf)).unwrap(), bare);
}

#[test]
fn every_truncation_of_a_record_is_an_error_and_no_flip_panics() {
    let mut e = Enc::default();
    put_record(&mut e, &full_record());
    for cut in 0..e.buf.len() {
        assert!(
            get_record(&mut Dec::new(&e.buf[..cut])).is_err(),
            "cut {cut}"
        );
    }
    // A record's bytes alone carry no checksum: a flipped count or amount
    // decodes to another record (that is what the chunk's CRC-32 is for,
    // checked below on whole files). Here: no flip panics, and a flip
    // that decodes to the same record left the record's value as it was.
    let original = full_record();
    let (mut errors, mut same, mut other) = (0, 0, 0);
    for i in 0..e.buf.len() {
        let mut b = e.buf.clone();
        b[i] ^= 0xff;
        match get_record(&mut Dec::new(&b)) {
            Err(_) => errors += 1,
            Ok(r) if r == original => same += 1,
            Ok(_) => other += 1,
        }
    }
    assert_eq!(errors + same + other, e.buf.len());
    assert!(
        errors > 0 && other > 0,
        "{errors} errors, {other} other records"
    );
}

/// Everything a snapshot gives the index when it is used.
fn loaded_parts(l: &Loaded, dir: &Path) -> impl PartialEq + std::fmt::Debug {
    let records: Vec<CandidateRecord> = (0..l.ids.len())
        .map(|row| {
            let records = Records::stored(
                l.file.try_clone().unwrap(),
                dir.join("segments"),
                l.segments.clone(),
                l.places.clone(),
            );
            let r = records.get(row, String::new).clone();
            assert_eq!(records.unreadable(), 0, "row {row} unreadable");
            r
        })
        .collect();
    (
        l.commits,
        l.ids.clone(),
        l.features.clone(),
        l.ranking.clone(),
        l.profiles.clone(),
        records,
        (l.live.clone(), l.hired.clone()),
        l.vocab_names.clone(),
        format!("{:?}", l.labels),
    )
}

/// Every byte of a snapshot file flipped in turn (two ways): the read
/// either reports the damage (`Err`), declines the file (`Ok(None)`: the
/// index replays its segments instead), or gives exactly what the
/// undamaged file gives (a flip in a field the reader does not use, such
/// as the generation in the header). Never a different record.
#[test]
fn every_byte_flip_of_a_snapshot_file_is_detected_or_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    let g = crate::gen::generate(&crate::gen::GenConfig {
        candidates: 4,
        vacancies: 0,
        seed: 11,
        as_of: Date::parse("2026-11-01").unwrap(),
        profile: crate::gen::Profile::Default,
    });
    let idx = Index::build(Some(&dir), g.candidates, Vec::new(), None).unwrap();
    let file = path(&dir, idx.generation);
    let commits = idx.commits.clone();
    drop(idx);
    let good = std::fs::read(&file).unwrap();
    let want = loaded_parts(
        &read(&file, &commits)
            .unwrap()
            .expect("the snapshot is used"),
        &dir,
    );
    // Written once per flip: on tmpfs when there is one.
    let scratch = match Path::new("/dev/shm").is_dir() {
        true => tempfile::tempdir_in("/dev/shm"),
        false => tempfile::tempdir(),
    }
    .unwrap();
    let flipped = scratch.path().join("flipped.bin");
    let (mut detected, mut unchanged) = (0, 0);
    for i in 0..good.len() {
        for flip in [|b: u8| b ^ 0x01, |b: u8| b ^ 0xff] {
            let mut b = good.clone();
            b[i] = flip(b[i]);
            std::fs::write(&flipped, &b).unwrap();
            match read(&flipped, &commits) {
                Err(_) | Ok(None) => detected += 1,
                Ok(Some(l)) => {
                    assert_eq!(
                        loaded_parts(&l, &dir),
                        want,
                        "byte {i} flipped: read as another index"
                    );
                    unchanged += 1;
                }
            }
        }
    }
    assert_eq!(detected + unchanged, 2 * good.len());
    // Only the header's unused generation may change without detection.
    assert!(unchanged <= 2 * 8, "{unchanged} flips went unnoticed");
}
