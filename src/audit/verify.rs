//! Verifying and repairing the chain: the first record that breaks it is named, and
//! `repair` cuts a damaged tail.

use std::io::{BufRead, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::journal::{
    append_commit, hash_json, open_log, walk, AuditRecord, AUDIT_FILE, COMMIT_KINDS,
};

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// Records read.
    pub records: u64,
    /// True when the whole chain holds and the log agrees with the manifests
    /// and `CURRENT`.
    pub ok: bool,
    /// The first broken record: line number and why.
    pub first_broken: Option<(u64, String)>,
    /// Commit records in the log (build, upsert, remove, outcome, recovered).
    pub commits: u64,
    /// The committed generation (`CURRENT`, completed from the log when its
    /// switch did not happen); `None` without an index.
    pub committed_generation: Option<u64>,
    /// Where the log, the manifests and `CURRENT` disagree: a committed
    /// generation without its record, a record without its manifest or with
    /// another commit list, generations logged twice or out of order, a
    /// `CURRENT` behind the log (rewound) or ahead of it (records lost).
    pub problems: Vec<String>,
}

/// Checks the hash chain of the log of `dir`, then that it agrees with the
/// index: every committed generation logged once, in order, with the commit
/// list of its manifest, none missing and none past `CURRENT`.
pub fn verify(dir: &Path) -> Result<Verification> {
    let mut commits: Vec<(u64, u64, String)> = Vec::new(); // (seq, generation, output_hash)
    let (records, _, first_broken) = walk(dir, |r, _| {
        if COMMIT_KINDS.contains(&r.kind.as_str()) {
            commits.push((r.seq, r.index_generation, r.output_hash.clone()));
        }
    })?;
    let mut problems = Vec::new();
    let committed_generation = cross_check(dir, &commits, &mut problems);
    Ok(Verification {
        records,
        ok: first_broken.is_none() && problems.is_empty(),
        first_broken,
        commits: commits.len() as u64,
        committed_generation,
        problems,
    })
}

/// The disagreements between the commit records and the index's manifests.
fn cross_check(
    dir: &Path,
    commits: &[(u64, u64, String)],
    problems: &mut Vec<String>,
) -> Option<u64> {
    use crate::index;
    let has_current = dir.join("CURRENT").exists();
    if !has_current && commits.is_empty() {
        return None;
    }
    let mut last = 0u64;
    let mut logged = std::collections::BTreeMap::new();
    for (seq, g, out) in commits {
        if *g <= last {
            problems.push(format!(
                "seq {seq}: a commit of generation {g} after one of generation {last} (logged twice, or out of order)"
            ));
        }
        last = last.max(*g);
        logged.insert(*g, (*seq, out.clone()));
    }
    let committed = if has_current {
        match index::committed_manifest(dir) {
            Ok((m, _)) => Some(m.generation),
            Err(e) => {
                problems.push(e.to_string());
                index::read_manifest(dir).ok().map(|m| m.generation)
            }
        }
    } else {
        problems.push("the log records commits, but there is no CURRENT".into());
        None
    };
    let newest = index::newest_manifest(dir).ok().flatten().unwrap_or(0);
    for g in 1..=newest.max(last) {
        let path = dir.join("manifests").join(format!("m{g:06}.json"));
        let manifest = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<index::Manifest>(&b).ok());
        match (logged.get(&g), manifest) {
            (Some((seq, out)), Some(m)) if hash_json(&m.commits) != *out => {
                problems.push(format!(
                    "seq {seq}: generation {g} is logged with another commit list than manifests/m{g:06}.json"
                ));
            }
            (Some(_), Some(_)) => {}
            (Some((seq, _)), None) => problems.push(format!(
                "seq {seq}: generation {g} is logged, but manifests/m{g:06}.json is missing or unreadable"
            )),
            (None, Some(_)) if committed.is_some_and(|c| g <= c) => problems.push(format!(
                "generation {g} is committed (manifests/m{g:06}.json) but has no audit record"
            )),
            // A manifest past the committed generation without a record: a
            // commit that never reached its record (it did not land).
            _ => {}
        }
    }
    if let Some(c) = committed {
        if last > c {
            problems.push(format!(
                "CURRENT is at generation {c}, behind the log's last commit (generation {last}): CURRENT was rewound"
            ));
        } else if last < c && !commits.is_empty() {
            problems.push(format!(
                "CURRENT is at generation {c}, but the log's last commit is of generation {last}: records were lost"
            ));
        }
    }
    committed
}

/// What [`repair`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repair {
    /// Records kept (the verified prefix, plus those re-recorded).
    pub kept: u64,
    /// Bytes cut from the end of the log.
    pub dropped_bytes: u64,
    /// The lines cut, in order, each with what could be read of it (at most
    /// 50 listed).
    pub dropped: Vec<String>,
    /// How many lines were cut.
    pub dropped_lines: u64,
    /// Committed generations whose commit record was among the lines cut (or
    /// missing), recorded again from their manifests as `recovered`.
    pub recovered: Vec<u64>,
}

/// Cuts a torn or damaged tail of the log to its last verifiable record,
/// saying what it dropped; then records again, as `recovered` records built
/// from their manifests, the committed generations whose records were cut,
/// and points `CURRENT` at the new record. Holds the index's writer lock and
/// the log's lock throughout.
pub fn repair(dir: &Path) -> Result<Repair> {
    let _writer =
        crate::index::lock::WriterLock::acquire(dir, &crate::index::lock::WriterWait::default())?;
    let path = dir.join(AUDIT_FILE);
    let mut f = open_log(&path)?;
    f.lock().map_err(|e| Error::io(&path, e))?;
    let mut last_commit = 0u64;
    let (kept, good_end, broken) = walk(dir, |r, _| {
        if COMMIT_KINDS.contains(&r.kind.as_str()) {
            last_commit = r.index_generation;
        }
    })?;
    let len = f.seek(SeekFrom::End(0)).map_err(|e| Error::io(&path, e))?;
    let mut dropped = Vec::new();
    let mut dropped_lines = 0u64;
    if good_end < len {
        f.seek(SeekFrom::Start(good_end))
            .map_err(|e| Error::io(&path, e))?;
        let mut r = std::io::BufReader::new(&mut f);
        let mut line = Vec::new();
        let mut line_no = kept + 1;
        loop {
            line.clear();
            let n = r
                .read_until(b'\n', &mut line)
                .map_err(|e| Error::io(&path, e))?;
            if n == 0 {
                break;
            }
            dropped_lines += 1;
            if dropped.len() < 50 {
                let what = match serde_json::from_slice::<AuditRecord>(
                    line.strip_suffix(b"\n").unwrap_or(&line),
                ) {
                    Ok(rec) => format!(
                        "line {line_no}: seq {} {} of generation {} at {}",
                        rec.seq, rec.kind, rec.index_generation, rec.time
                    ),
                    Err(_) if line.last() != Some(&b'\n') => {
                        format!("line {line_no}: {n} bytes of a torn last record")
                    }
                    Err(_) => format!("line {line_no}: {n} unreadable bytes"),
                };
                let why = match (&broken, line_no == kept + 1) {
                    (Some((_, why)), true) => format!(" ({why})"),
                    _ => String::new(),
                };
                dropped.push(format!("{what}{why}"));
            }
            line_no += 1;
        }
        f.set_len(good_end).map_err(|e| Error::io(&path, e))?;
        f.sync_all().map_err(|e| Error::io(&path, e))?;
    }
    f.unlock().map_err(|e| Error::io(&path, e))?;
    drop(f);

    // Committed generations whose records are gone: recorded again.
    let mut recovered = Vec::new();
    if let Ok(mut current) = crate::index::read_manifest(dir) {
        let k = current.generation;
        let mut position = None;
        for g in (last_commit + 1)..=k {
            let mpath = dir.join("manifests").join(format!("m{g:06}.json"));
            let Some(m) = std::fs::read(&mpath)
                .ok()
                .and_then(|b| serde_json::from_slice::<crate::index::Manifest>(&b).ok())
            else {
                continue;
            };
            let input = serde_json::json!({
                "manifest": format!("manifests/m{g:06}.json"),
                "reason": "its commit record was lost from the log; recorded again by `rosa audit repair`",
            });
            let mut rec = AuditRecord::new("recovered", g, &input, hash_json(&m.commits));
            rec.input = Some(input);
            let (_, pos) = append_commit(dir, rec)?;
            recovered.push(g);
            if g == k {
                position = Some(pos);
            }
        }
        if let Some(pos) = position {
            current.audit = Some(pos);
            crate::index::write_current_manifest(dir, &current)?;
        }
    }
    Ok(Repair {
        kept: kept + recovered.len() as u64,
        dropped_bytes: len - good_end,
        dropped,
        dropped_lines,
        recovered,
    })
}
