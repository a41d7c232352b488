use std::io::Write;

use super::*;
use crate::date::Date;

fn record(i: usize) -> AuditRecord {
    let mut r = AuditRecord::new(
        "roster",
        1,
        &serde_json::json!({"i": i}),
        sha256(i.to_string().as_bytes()),
    );
    r.vacancy_id = Some(format!("V{i}"));
    r.input = Some(serde_json::json!({"i": i}));
    r
}

/// Concurrent appends share writes and syncs (group commit), yet every
/// call's records are contiguous, chained, and returned exactly as written.
#[test]
fn concurrent_appends_chain_in_one_log() {
    let dir = tempfile::tempdir().unwrap();
    let threads = 8;
    let per_thread = 25;
    let returned: Vec<Vec<AuditRecord>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let dir = dir.path();
                s.spawn(move || {
                    let mut mine = Vec::new();
                    for k in 0..per_thread {
                        let i = t * 1000 + k;
                        if k % 5 == 0 {
                            // A batch of three: contiguous in the log.
                            let got =
                                append_all(dir, vec![record(i), record(i), record(i)]).unwrap();
                            assert_eq!(got[1].seq, got[0].seq + 1);
                            assert_eq!(got[2].seq, got[1].seq + 1);
                            assert_eq!(got[1].prev_hash, got[0].hash);
                            mine.extend(got);
                        } else {
                            mine.push(append(dir, record(i)).unwrap());
                        }
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let v = verify(dir.path()).unwrap();
    let total = threads * (per_thread + 2 * per_thread.div_ceil(5));
    assert!(v.ok, "{v:?}");
    assert_eq!(v.records, total as u64);
    let on_disk = read_all(dir.path()).unwrap();
    for r in returned.iter().flatten() {
        assert_eq!(&on_disk[r.seq as usize - 1], r);
        assert_eq!(r.compute_hash(), r.hash);
    }
    // Each thread's own records appear in the order it appended them.
    for mine in &returned {
        assert!(mine.windows(2).all(|w| w[0].seq < w[1].seq));
    }
}

/// Another writer (another process, or this one through another path to the
/// same file) appending between two of ours: the chain continues from the
/// file's real last record, not from what this process wrote last; a torn
/// tail left by a killed writer is cut first.
#[test]
fn appends_follow_other_writers_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let link = tempfile::tempdir().unwrap();
    let other = link.path().join("same");
    std::os::unix::fs::symlink(dir.path(), &other).unwrap();
    append(dir.path(), record(1)).unwrap();
    append(&other, record(2)).unwrap();
    append(dir.path(), record(3)).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join(AUDIT_FILE))
        .unwrap();
    f.write_all(b"{\"seq\":4,\"time\":").unwrap();
    drop(f);
    let r = append(dir.path(), record(4)).unwrap();
    assert_eq!(r.seq, 4);
    append(&other, record(5)).unwrap();
    let v = verify(dir.path()).unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.records, 5);
}

/// The line written is the record's compact JSON, hash included, and the
/// hash is that of the record without it (one serialisation for both).
#[test]
fn written_line_is_the_records_json() {
    let dir = tempfile::tempdir().unwrap();
    let r = append(dir.path(), record(7)).unwrap();
    let text = std::fs::read_to_string(dir.path().join(AUDIT_FILE)).unwrap();
    assert_eq!(text, format!("{}\n", serde_json::to_string(&r).unwrap()));
    assert_eq!(r.hash, r.compute_hash());
}

#[test]
fn sha256_is_the_standard_digest_and_hash_json_hashes_compact_json() {
    assert_eq!(
        sha256(b"abc"),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256(b""),
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let v = serde_json::json!({"b": [1, 2.5, "x"], "a": null});
    assert_eq!(hash_json(&v), sha256(&serde_json::to_vec(&v).unwrap()));
    let r = record(3);
    assert_eq!(
        hash_json(&r),
        sha256(serde_json::to_string(&r).unwrap().as_bytes())
    );
    assert_eq!(GENESIS.len(), "sha256:".len() + 64);
}

#[test]
fn appended_records_are_numbered_timed_and_chained_from_genesis() {
    let dir = tempfile::tempdir().unwrap();
    let a = append(dir.path(), record(1)).unwrap();
    let b = append(dir.path(), record(2)).unwrap();
    assert_eq!((a.seq, b.seq), (1, 2));
    assert_eq!(a.prev_hash, GENESIS);
    assert_eq!(b.prev_hash, a.hash);
    assert_eq!(a.input_hash, hash_json(&serde_json::json!({"i": 1})));
    for r in [&a, &b] {
        let t = r.time.as_bytes();
        assert_eq!(t.len(), 20, "{}", r.time);
        assert!(Date::parse(&r.time[..10]).is_some(), "{}", r.time);
        assert_eq!(
            (t[10], t[13], t[16], t[19]),
            (b'T', b':', b':', b'Z'),
            "{}",
            r.time
        );
        assert_eq!(r.hash, r.compute_hash());
    }
    assert_eq!(read_all(dir.path()).unwrap(), vec![a, b]);
    let v = verify(dir.path()).unwrap();
    assert!(v.ok && v.first_broken.is_none(), "{v:?}");
    assert_eq!((v.records, v.commits, v.committed_generation), (2, 0, None));
}

#[test]
fn a_missing_log_verifies_empty_and_reads_as_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let v = verify(dir.path()).unwrap();
    assert!(v.ok);
    assert_eq!(v.records, 0);
    assert!(read_all(dir.path()).unwrap().is_empty());
}

/// A log of five records with `edit` applied to its lines: the first
/// broken line and the records verified before it.
fn tampered(edit: impl FnOnce(&mut Vec<String>)) -> (u64, Option<(u64, String)>) {
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=5 {
        append(dir.path(), record(i)).unwrap();
    }
    let log = dir.path().join(AUDIT_FILE);
    let mut lines: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    edit(&mut lines);
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let v = verify(dir.path()).unwrap();
    assert_eq!(v.ok, v.first_broken.is_none());
    (v.records, v.first_broken)
}

fn rec(line: &str) -> AuditRecord {
    serde_json::from_str(line).unwrap()
}

fn line(r: &AuditRecord) -> String {
    serde_json::to_string(r).unwrap()
}

#[test]
fn verify_names_the_first_altered_deleted_or_reordered_record() {
    assert_eq!(tampered(|_| {}), (5, None));
    // A field changed: its own hash no longer matches.
    let (n, broken) = tampered(|l| l[2] = l[2].replace("\"V3\"", "\"V9\""));
    let (at, why) = broken.unwrap();
    assert_eq!((n, at), (2, 3));
    assert!(why.contains("altered"), "{why}");
    // A field changed and the record's hash recomputed: the next record's
    // prev_hash no longer matches.
    let (n, broken) = tampered(|l| {
        let mut r = rec(&l[1]);
        r.time = "2000-01-01T00:00:00Z".into();
        r.hash = r.compute_hash();
        l[1] = line(&r);
    });
    let (at, why) = broken.unwrap();
    assert_eq!((n, at), (2, 3));
    assert!(why.contains("prev_hash"), "{why}");
    // A record deleted: the next one has the wrong seq.
    let (n, broken) = tampered(|l| {
        l.remove(1);
    });
    let (at, why) = broken.unwrap();
    assert_eq!((n, at), (1, 2));
    assert!(why.contains("seq 3 where 2 was expected"), "{why}");
    // Two records swapped.
    let (n, broken) = tampered(|l| l.swap(3, 4));
    assert_eq!((n, broken.unwrap().0), (3, 4));
    // The kept input changed, hashes recomputed: the input no longer
    // matches its input_hash.
    let (n, broken) = tampered(|l| {
        let mut r = rec(&l[0]);
        r.input = Some(serde_json::json!({"i": 99}));
        r.hash = r.compute_hash();
        l[0] = line(&r);
        let mut next = rec(&l[1]);
        next.prev_hash = r.hash.clone();
        next.hash = next.compute_hash();
        l[1] = line(&next);
    });
    let (at, why) = broken.unwrap();
    assert_eq!((n, at), (0, 1));
    assert!(why.contains("input_hash"), "{why}");
    // Not JSON at all.
    let (n, broken) = tampered(|l| l[4] = "garbage".into());
    let (at, why) = broken.unwrap();
    assert_eq!((n, at), (4, 5));
    assert!(why.contains("not an audit record"), "{why}");
}

#[test]
fn repair_cuts_the_log_to_its_last_verifiable_record_and_appends_go_on() {
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=4 {
        append(dir.path(), record(i)).unwrap();
    }
    let log = dir.path().join(AUDIT_FILE);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let kept_bytes = lines[0].len() + lines[1].len() + 2;
    let damaged = format!(
        "{}\n{}\n{}\n{}\n",
        lines[0],
        lines[1],
        lines[2].replace("roster", "Roster"),
        lines[3]
    );
    std::fs::write(&log, &damaged).unwrap();
    assert!(!verify(dir.path()).unwrap().ok);
    let r = repair(dir.path()).unwrap();
    assert_eq!((r.kept, r.dropped_lines), (2, 2));
    assert_eq!(r.dropped_bytes as usize, damaged.len() - kept_bytes);
    assert_eq!(r.dropped.len(), 2);
    assert!(r.dropped[0].starts_with("line 3"), "{:?}", r.dropped);
    assert!(r.recovered.is_empty(), "no index here");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        damaged[..kept_bytes]
    );
    let next = append(dir.path(), record(5)).unwrap();
    assert_eq!(next.seq, 3);
    let v = verify(dir.path()).unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.records, 3);
    // Nothing to repair: nothing changes.
    let r = repair(dir.path()).unwrap();
    assert_eq!((r.kept, r.dropped_bytes, r.dropped_lines), (3, 0, 0));
}

#[test]
fn read_all_names_the_line_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), record(1)).unwrap();
    let log = dir.path().join(AUDIT_FILE);
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"seq\": 2}\n");
    std::fs::write(&log, text).unwrap();
    let err = read_all(dir.path()).unwrap_err().to_string();
    assert!(err.contains("line 2"), "{err}");
}
