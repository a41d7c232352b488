//! Reading the log: commit records and their positions (what an index's `CURRENT`
//! points at), and every record.

use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Result};

use super::append::last_line;
use super::*;

/// Kinds of the records that commits append.
pub const COMMIT_KINDS: [&str; 5] = ["build", "upsert", "remove", "outcome", "recovered"];

/// Is this line (by its first bytes) the record of a commit? Records are
/// serialised `seq`, `time`, `kind` first, so the kind is near the start.
fn looks_like_commit(line: &[u8]) -> bool {
    let head = &line[..line.len().min(160)];
    COMMIT_KINDS.iter().any(|k| {
        let needle = format!("\"kind\":\"{k}\"");
        head.windows(needle.len()).any(|w| w == needle.as_bytes())
    })
}

/// The commit records of the log (build, upsert, remove, outcome, recovered),
/// in log order, each with the offset just past its line. Only lines that look
/// like commits are parsed; an unreadable one is skipped (`verify` reports it).
pub fn commit_records(dir: &Path) -> Result<Vec<(AuditRecord, u64)>> {
    let path = dir.join(AUDIT_FILE);
    let f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut r = std::io::BufReader::with_capacity(1 << 20, f);
    let mut out = Vec::new();
    let mut line = Vec::new();
    let mut offset = 0u64;
    loop {
        line.clear();
        let n = r
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io(&path, e))?;
        if n == 0 || line.last() != Some(&b'\n') {
            break; // the end, or a torn last line
        }
        offset += n as u64;
        if looks_like_commit(&line) {
            if let Ok(rec) = serde_json::from_slice::<AuditRecord>(&line) {
                if COMMIT_KINDS.contains(&rec.kind.as_str()) {
                    out.push((rec, offset));
                }
            }
        }
    }
    Ok(out)
}

/// The commit record of `generation` whose output is `output_hash`, if the log
/// holds one (a commit whose `CURRENT` switch did not happen is recovered from it).
pub fn find_commit(dir: &Path, generation: u64, output_hash: &str) -> Result<Option<Position>> {
    Ok(commit_records(dir)?
        .into_iter()
        .rev()
        .find(|(r, _)| r.index_generation == generation && r.output_hash == output_hash)
        .map(|(r, end)| Position {
            seq: r.seq,
            hash: r.hash,
            end,
        }))
}

/// Checks that the log holds, at `pos`, the record of the committed
/// `generation` (one read): a log truncated, deleted or replaced behind the
/// index is an error that says so. Also returns the generation of the log's
/// last record (a log that knows a later generation than `CURRENT` means
/// `CURRENT` was rewound).
pub fn check_position(dir: &Path, pos: &Position, generation: u64) -> Result<u64> {
    let path = dir.join(AUDIT_FILE);
    let lost = |why: String| Error::Index {
        path: path.clone(),
        message: format!(
            "{why}: the record of the committed generation {generation} (seq {}) is not there, \
             so the log was truncated, deleted or replaced behind the index; restore audit.log \
             from a backup (`rosa audit verify` says where it breaks)",
            pos.seq
        ),
    };
    let mut f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(lost("audit.log is missing".into()))
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    let len = f.seek(SeekFrom::End(0)).map_err(|e| Error::io(&path, e))?;
    if len < pos.end {
        return Err(lost(format!(
            "audit.log has {len} bytes, fewer than {}",
            pos.end
        )));
    }
    // The line that ends at `end`.
    // A commit record is small (its input is a hash, ids or an outcome).
    let start = pos.end.saturating_sub(64 << 10);
    let mut buf = vec![0u8; (pos.end - start) as usize];
    f.seek(SeekFrom::Start(start))
        .and_then(|_| f.read_exact(&mut buf))
        .map_err(|e| Error::io(&path, e))?;
    let body = buf.strip_suffix(b"\n").unwrap_or(&[]);
    let line = match body.iter().rposition(|&b| b == b'\n') {
        Some(p) => &body[p + 1..],
        None if start == 0 => body,
        None => &[][..],
    };
    match serde_json::from_slice::<AuditRecord>(line) {
        Ok(r) if r.seq == pos.seq && r.hash == pos.hash && r.index_generation == generation => {}
        _ => {
            return Err(lost(format!(
                "audit.log at byte {} holds another record",
                pos.end
            )))
        }
    }
    let last = last_line(&mut f)
        .map_err(|e| Error::io(&path, e))?
        .and_then(|l| serde_json::from_str::<AuditRecord>(&l).ok())
        .map_or(generation, |r| r.index_generation);
    Ok(last)
}

/// Reads every record of the log (for replays).
pub fn read_all(dir: &Path) -> Result<Vec<AuditRecord>> {
    let path = dir.join(AUDIT_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&path, e)),
    };
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| Error::Index {
                path: path.clone(),
                message: format!("line {}: {e}", i + 1),
            })
        })
        .collect()
}
