//! Appending: records are chained under an exclusive lock, a torn tail is dropped
//! first, and appends of concurrent threads of one process are grouped into one
//! synced write.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use super::*;

/// The last line of a file (reads only its tail).
pub(super) fn last_line(f: &mut std::fs::File) -> std::io::Result<Option<String>> {
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(None);
    }
    let mut start = len.saturating_sub(64 * 1024);
    loop {
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        let trimmed = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if let Some(pos) = trimmed.iter().rposition(|&b| b == b'\n') {
            return Ok(Some(
                String::from_utf8_lossy(&trimmed[pos + 1..]).into_owned(),
            ));
        }
        if start == 0 {
            return Ok(Some(String::from_utf8_lossy(trimmed).into_owned()));
        }
        start = start.saturating_sub(1024 * 1024);
    }
}

/// A process killed while appending leaves a last line without its newline: that
/// record was never acknowledged (the call that wrote it did not return), so it is
/// cut off before the next append.
fn drop_torn_tail(f: &mut std::fs::File) -> std::io::Result<()> {
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(());
    }
    let mut last = [0u8; 1];
    f.seek(SeekFrom::Start(len - 1))?;
    f.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(());
    }
    // Find the last newline, reading backwards in blocks.
    let mut end = len;
    let mut keep = 0;
    while end > 0 {
        let start = end.saturating_sub(64 * 1024);
        let mut buf = vec![0u8; (end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf)?;
        if let Some(pos) = buf.iter().rposition(|&b| b == b'\n') {
            keep = start + pos as u64 + 1;
            break;
        }
        end = start;
    }
    f.set_len(keep)?;
    f.sync_data()
}

/// Appends a record to the log of `dir`, chaining it to the last one. Returns it
/// as written.
pub fn append(dir: &Path, record: AuditRecord) -> Result<AuditRecord> {
    let mut written = append_all(dir, vec![record])?;
    Ok(written.pop().expect("one record appended"))
}

/// Where a record is in the log: kept in `CURRENT` for the record of the
/// committed generation, so that opening the index finds a truncated, deleted
/// or replaced log in one read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// The record's seq.
    pub seq: u64,
    /// The record's hash.
    pub hash: String,
    /// Byte offset just past the record's line.
    pub end: u64,
}

/// Appends the record of a commit: the commit's point of no return. Synced
/// under the lock, and on any failure the log is cut back to what it was, so
/// the record is either durable and returned, or absent.
pub fn append_commit(dir: &Path, record: AuditRecord) -> Result<(AuditRecord, Position)> {
    let (mut written, end) = append_locked(dir, vec![record])?;
    let r = written.pop().expect("one record appended");
    let pos = Position {
        seq: r.seq,
        hash: r.hash.clone(),
        end,
    };
    Ok((r, pos))
}

/// Appends records in order, each chained to the one before, and returns once
/// they are durable. Returns them as written.
///
/// **Group commit.** Concurrent calls in this process on the same log share one
/// write and one sync: the first caller writes every batch queued so far (each
/// batch contiguous, in arrival order) under the file lock, hands the writer's
/// role on, syncs, and wakes the group; batches that arrive meanwhile are
/// written by the next caller while this sync runs. A call returns only after a
/// sync, begun after its records were written, succeeded. Other processes append
/// under the same exclusive file lock, and the chain's tail is read back from
/// the file whenever it changed since this process last wrote it.
pub fn append_all(dir: &Path, records: Vec<AuditRecord>) -> Result<Vec<AuditRecord>> {
    let log = GroupLog::of(&dir.join(AUDIT_FILE));
    let mut st = log.state.lock().unwrap_or_else(|e| e.into_inner());
    let id = st.next_batch;
    st.next_batch += 1;
    st.queue.push((id, records));
    loop {
        if let Some(done) = st.done.remove(&id) {
            return done.map_err(|f| f.to_error(&log.path));
        }
        // Lead only when batches wait and no one is writing; a batch already
        // written waits for its group's sync.
        if st.writing || st.queue.is_empty() {
            st = log.cv.wait(st).unwrap_or_else(|e| e.into_inner());
            continue;
        }
        // Lead: write every queued batch, then let the next group be written
        // while this one syncs (writes never wait for a sync; concurrent syncs
        // are merged by the file system's journal).
        st.writing = true;
        let batches = std::mem::take(&mut st.queue);
        let sizes: Vec<(u64, usize)> = batches.iter().map(|(id, r)| (*id, r.len())).collect();
        let tail = st.tail.take();
        drop(st);
        let records = batches.into_iter().flat_map(|(_, r)| r).collect();
        let (outcome, tail) = write_group(&log.path, records, tail);
        st = log.state.lock().unwrap_or_else(|e| e.into_inner());
        st.tail = tail;
        st.writing = false;
        log.cv.notify_all();
        drop(st);
        // Durable before any caller of the group gets its answer.
        let outcome = outcome.and_then(|(written, f)| {
            f.sync_data()
                .map(|()| written)
                .map_err(|e| Failure::of(Error::io(&log.path, e)))
        });
        st = log.state.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Ok(mut written) => {
                for (id, len) in sizes.into_iter().rev() {
                    let rest = written.split_off(written.len() - len);
                    st.done.insert(id, Ok(rest));
                }
            }
            Err(f) => {
                for (id, _) in sizes {
                    st.done.insert(id, Err(f.clone()));
                }
            }
        }
        log.cv.notify_all();
    }
}

/// The appends of this process to one log file (see [`append_all`]).
struct GroupLog {
    pub(super) path: std::path::PathBuf,
    state: std::sync::Mutex<GroupState>,
    cv: std::sync::Condvar,
}

#[derive(Default)]
struct GroupState {
    /// Batches waiting to be written, in arrival order.
    queue: Vec<(u64, Vec<AuditRecord>)>,
    next_batch: u64,
    /// A caller is writing a group.
    writing: bool,
    /// Outcomes of written batches, taken by their callers.
    done: std::collections::HashMap<u64, std::result::Result<Vec<AuditRecord>, Failure>>,
    /// The log's end as this process last wrote it.
    pub(super) tail: Option<Tail>,
}

/// The end of the log after this process's last write: valid while the file is
/// the same (device, inode) and has the same length.
#[derive(Clone)]
struct Tail {
    dev: u64,
    ino: u64,
    pub(super) len: u64,
    pub(super) seq: u64,
    pub(super) hash: String,
}

/// An append failure, shared by every batch of the group.
#[derive(Clone)]
enum Failure {
    Io(std::io::ErrorKind, String),
    Index(String),
}

impl Failure {
    pub(super) fn of(e: Error) -> Failure {
        match e {
            Error::Io { source, .. } => Failure::Io(source.kind(), source.to_string()),
            Error::Index { message, .. } => Failure::Index(message),
            other => Failure::Index(other.to_string()),
        }
    }

    fn to_error(&self, path: &Path) -> Error {
        match self {
            Failure::Io(kind, m) => Error::io(path, std::io::Error::new(*kind, m.clone())),
            Failure::Index(m) => Error::Index {
                path: path.to_path_buf(),
                message: m.clone(),
            },
        }
    }
}

impl GroupLog {
    /// The appender of `path` in this process.
    pub(super) fn of(path: &Path) -> std::sync::Arc<GroupLog> {
        use std::collections::HashMap;
        use std::sync::{Arc, Mutex, OnceLock};
        static LOGS: OnceLock<Mutex<HashMap<std::path::PathBuf, Arc<GroupLog>>>> = OnceLock::new();
        let mut logs = LOGS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        Arc::clone(logs.entry(path.to_path_buf()).or_insert_with(|| {
            Arc::new(GroupLog {
                path: path.to_path_buf(),
                state: Default::default(),
                cv: Default::default(),
            })
        }))
    }
}

/// Writes the records in order under the file lock, without syncing: the
/// records as written and the file to sync, and the log's new end (`None` when
/// unknown).
#[allow(clippy::type_complexity)]
fn write_group(
    path: &Path,
    records: Vec<AuditRecord>,
    tail: Option<Tail>,
) -> (
    std::result::Result<(Vec<AuditRecord>, std::fs::File), Failure>,
    Option<Tail>,
) {
    match write_locked(path, records, tail) {
        Ok((written, tail, f)) => (Ok((written, f)), Some(tail)),
        Err(e) => (Err(Failure::of(e)), None),
    }
}

fn write_locked(
    path: &Path,
    records: Vec<AuditRecord>,
    tail: Option<Tail>,
) -> Result<(Vec<AuditRecord>, Tail, std::fs::File)> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let io = |e| Error::io(path, e);
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    f.lock().map_err(io)?;
    let meta = f.metadata().map_err(io)?;
    let (mut seq, mut prev) = match tail {
        Some(t) if (t.dev, t.ino, t.len) == (meta.dev(), meta.ino(), meta.len()) => {
            (t.seq + 1, t.hash)
        }
        _ => {
            drop_torn_tail(&mut f).map_err(io)?;
            match last_line(&mut f).map_err(io)? {
                None => (1, GENESIS.to_string()),
                Some(line) => {
                    let prev: AuditRecord =
                        serde_json::from_str(&line).map_err(|e| Error::Index {
                            path: path.to_path_buf(),
                            message: format!(
                                "last audit record unreadable ({}): `rosa audit repair` cuts the log to its last verifiable record",
                                crate::error::clip(e.to_string(), 200)
                            ),
                        })?;
                    (prev.seq + 1, prev.hash)
                }
            }
        }
    };
    let mut lines = Vec::new();
    let mut written = Vec::with_capacity(records.len());
    for mut record in records {
        record.seq = seq;
        record.time = now_utc();
        record.prev_hash = prev;
        record.hash = String::new();
        // One serialisation for the hash and the line: `hash` is the last field,
        // so the line is the unsigned JSON with its empty hash filled in.
        let start = lines.len();
        serde_json::to_writer(&mut lines, &record).expect("serialisable");
        record.hash = sha256(&lines[start..]);
        const EMPTY: &[u8] = br#""hash":""}"#;
        debug_assert!(lines.ends_with(EMPTY));
        lines.truncate(lines.len() - 3);
        lines.extend_from_slice(format!("\"{}\"}}\n", record.hash).as_bytes());
        seq += 1;
        prev = record.hash.clone();
        written.push(record);
    }
    f.write_all(&lines).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    f.unlock().map_err(io)?;
    // The caller syncs, outside the lock so that another writer need not wait
    // for it. A sync flushes every record written before it, so a durable record
    // never follows a lost one, and a torn tail is cut by the next append.
    let tail = Tail {
        dev: meta.dev(),
        ino: meta.ino(),
        len,
        seq: seq - 1,
        hash: prev,
    };
    Ok((written, tail, f))
}

pub(crate) fn open_log(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

/// Writes records under the file lock and syncs them before unlocking; on any
/// failure the log is cut back to its length before the write.
fn append_locked(dir: &Path, records: Vec<AuditRecord>) -> Result<(Vec<AuditRecord>, u64)> {
    let path = dir.join(AUDIT_FILE);
    let mut f = open_log(&path)?;
    f.lock().map_err(|e| Error::io(&path, e))?;
    drop_torn_tail(&mut f).map_err(|e| Error::io(&path, e))?;
    let last = last_line(&mut f).map_err(|e| Error::io(&path, e))?;
    let (mut seq, mut prev) = match last {
        None => (1, GENESIS.to_string()),
        Some(line) => {
            let prev: AuditRecord = serde_json::from_str(&line).map_err(|e| Error::Index {
                path: path.clone(),
                message: format!(
                    "last audit record unreadable ({}): `rosa audit repair` cuts the log to its last verifiable record",
                    crate::error::clip(e.to_string(), 200)
                ),
            })?;
            (prev.seq + 1, prev.hash)
        }
    };
    let mut lines = Vec::new();
    let mut written = Vec::with_capacity(records.len());
    for mut record in records {
        record.seq = seq;
        record.time = now_utc();
        record.prev_hash = prev;
        record.hash = record.compute_hash();
        serde_json::to_writer(&mut lines, &record).expect("serialisable");
        lines.push(b'\n');
        seq += 1;
        prev = record.hash.clone();
        written.push(record);
    }
    let before = f.seek(SeekFrom::End(0)).map_err(|e| Error::io(&path, e))?;
    let end = before + lines.len() as u64;
    let wrote = crate::fault::check(&path)
        .and_then(|()| f.write_all(&lines).map_err(|e| Error::io(&path, e)));
    if let Err(e) = wrote {
        // A partial line (disk full) would be cut by the next append anyway;
        // cut it now so that nothing half-written stays.
        let _ = f.set_len(before).and_then(|()| f.sync_data());
        return Err(e);
    }
    let synced =
        crate::fault::check(&path).and_then(|()| f.sync_data().map_err(|e| Error::io(&path, e)));
    if let Err(e) = synced {
        // Not durable, so not written: the caller's commit fails.
        let _ = f.set_len(before).and_then(|()| f.sync_data());
        return Err(e);
    }
    f.unlock().map_err(|e| Error::io(&path, e))?;
    Ok((written, end))
}
