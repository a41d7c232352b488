//! The audit trail: an append-only, hash-chained log in the index directory.
//! Every roster, explanation and offers call and every commit appends a record
//! with the time, the vacancy, the policy fingerprint, the index generation,
//! the hash of the inputs and of the output, and the hash of the previous
//! record. The inputs of rosters are kept in full, so that an old roster can be
//! recomputed on its generation and compared ([`replay`]).
//!
//! **Invariant.** Records are only appended, under an exclusive file lock, and
//! each carries `prev_hash` = the previous record's `hash`; `hash` is the sha256
//! of the record's canonical JSON without `hash`. [`verify`] finds the first
//! record where the chain breaks.

use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::date::Date;
use crate::error::{Error, Result};
use crate::policy::hex;

/// File name of the log inside an index directory.
pub const AUDIT_FILE: &str = "audit.log";
/// `prev_hash` of the first record.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record (one line of `audit.log`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// 1-based position in the log.
    pub seq: u64,
    /// UTC time, `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: String,
    /// `roster`, `explain`, `offers`, `build`, `upsert`, `remove`, `outcome`.
    pub kind: String,
    /// Vacancy concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vacancy_id: Option<String>,
    /// Candidate concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate_id: Option<String>,
    /// Policy fingerprint, for queries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_fingerprint: Option<String>,
    /// Index generation queried or committed.
    pub index_generation: u64,
    /// sha256 of the canonical inputs.
    pub input_hash: String,
    /// sha256 of the canonical output.
    pub output_hash: String,
    /// The inputs, kept for replays (vacancy and resolved policy of a roster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
    /// `hash` of the previous record ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// sha256 of this record's canonical JSON without `hash`.
    #[serde(default)]
    pub hash: String,
}

/// `sha256:<hex>` of bytes.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// `sha256:<hex>` of a value's canonical (compact serde) JSON.
pub fn hash_json<T: Serialize + ?Sized>(value: &T) -> String {
    // Streamed into the hash: the JSON of a national build is gigabytes.
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.update(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(Sha256::new());
    let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut h);
    serde_json::to_writer(&mut w, value).expect("serialisable");
    w.flush().expect("hashing cannot fail");
    drop(w);
    format!("sha256:{}", hex(&h.0.finalize()))
}

impl AuditRecord {
    /// A record to append; `seq`, `time`, `prev_hash` and `hash` are set by [`append`].
    pub fn new(
        kind: &str,
        index_generation: u64,
        input: &serde_json::Value,
        output_hash: String,
    ) -> AuditRecord {
        AuditRecord {
            seq: 0,
            time: String::new(),
            kind: kind.to_string(),
            vacancy_id: None,
            candidate_id: None,
            policy_fingerprint: None,
            index_generation,
            input_hash: hash_json(input),
            output_hash,
            input: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn compute_hash(&self) -> String {
        let mut unsigned = self.clone();
        unsigned.hash = String::new();
        hash_json(&unsigned)
    }
}

pub(crate) fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let day = Date::parse("1970-01-01")
        .expect("epoch")
        .add_days((secs / 86_400) as i32);
    let s = secs % 86_400;
    format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// The last line of a file (reads only its tail).
fn last_line(f: &mut std::fs::File) -> std::io::Result<Option<String>> {
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
    path: std::path::PathBuf,
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
    tail: Option<Tail>,
}

/// The end of the log after this process's last write: valid while the file is
/// the same (device, inode) and has the same length.
#[derive(Clone)]
struct Tail {
    dev: u64,
    ino: u64,
    len: u64,
    seq: u64,
    hash: String,
}

/// An append failure, shared by every batch of the group.
#[derive(Clone)]
enum Failure {
    Io(std::io::ErrorKind, String),
    Index(String),
}

impl Failure {
    fn of(e: Error) -> Failure {
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
    fn of(path: &Path) -> std::sync::Arc<GroupLog> {
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

fn open_log(path: &Path) -> Result<std::fs::File> {
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

/// One line of the log, verified against the chain so far.
enum Checked {
    Good(Box<AuditRecord>),
    Broken(String),
}

fn check_line(line: &[u8], line_no: u64, prev: &str) -> Checked {
    let r: AuditRecord = match serde_json::from_slice(line) {
        Ok(r) => r,
        Err(e) => {
            return Checked::Broken(format!(
                "not an audit record: {}",
                crate::error::clip(e.to_string(), 200)
            ))
        }
    };
    if r.seq != line_no {
        return Checked::Broken(format!("seq {} where {line_no} was expected", r.seq));
    }
    if r.prev_hash != prev {
        return Checked::Broken(format!(
            "prev_hash {} does not match the previous record's hash {prev}",
            r.prev_hash
        ));
    }
    let h = r.compute_hash();
    if h != r.hash {
        return Checked::Broken(format!(
            "hash {} does not match its content ({h}): the record was altered",
            r.hash
        ));
    }
    if let Some(input) = &r.input {
        if hash_json(input) != r.input_hash {
            return Checked::Broken("input does not match input_hash".into());
        }
    }
    Checked::Good(Box::new(r))
}

/// What [`walk`] found: records verified, the offset where they end, and the
/// first broken line (number, why).
type Walked = (u64, u64, Option<(u64, String)>);

/// Walks the log: calls `each(record, end offset)` for every record of the
/// verified prefix; returns the number of records, the offset where the
/// verified prefix ends, and the first broken line (number, why) if any. A
/// last line without its newline is torn: broken as well.
fn walk(dir: &Path, mut each: impl FnMut(&AuditRecord, u64)) -> Result<Walked> {
    let path = dir.join(AUDIT_FILE);
    let f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0, None)),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut r = std::io::BufReader::with_capacity(1 << 20, f);
    let mut prev = GENESIS.to_string();
    let (mut n, mut good_end) = (0u64, 0u64);
    let mut line = Vec::new();
    loop {
        line.clear();
        let len = r
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io(&path, e))?;
        if len == 0 {
            return Ok((n, good_end, None));
        }
        let line_no = n + 1;
        if line.last() != Some(&b'\n') {
            // A torn last line: a record whose append never returned (never
            // acknowledged), cut by the next append or by `repair`.
            return Ok((
                n,
                good_end,
                Some((
                    line_no,
                    format!("torn: {len} bytes without an end of line (cut by the next append)"),
                )),
            ));
        }
        match check_line(&line[..line.len() - 1], line_no, &prev) {
            Checked::Broken(why) => return Ok((n, good_end, Some((line_no, why)))),
            Checked::Good(rec) => {
                good_end += len as u64;
                each(&rec, good_end);
                prev = rec.hash.clone();
                n += 1;
            }
        }
    }
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

/// The result of replaying one roster record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replay {
    /// The record's seq.
    pub seq: u64,
    /// Vacancy id.
    pub vacancy_id: Option<String>,
    /// Generation it was computed on.
    pub index_generation: u64,
    /// `match`, `mismatch`, `unavailable` (generation no longer available) or
    /// `unreplayable` (the logged vacancy or policy no longer reads or is
    /// refused, e.g. a non-finite policy number an older engine logged as null).
    pub status: String,
    /// Detail (the recomputed hash, or why unavailable or unreplayable).
    pub detail: String,
}

/// Recomputes the roster records of the log (all, or the one with `seq`) on
/// their generation with their inputs, and compares the output hashes.
pub fn replay(dir: &Path, seq: Option<u64>) -> Result<Vec<Replay>> {
    let records = read_all(dir)?;
    let mut out = Vec::new();
    let mut cache: Option<(u64, crate::index::Index)> = None;
    for r in records
        .iter()
        .filter(|r| r.kind == "roster" && seq.is_none_or(|s| s == r.seq))
    {
        let Some(input) = &r.input else { continue };
        let unreplayable = |detail: String| Replay {
            seq: r.seq,
            vacancy_id: r.vacancy_id.clone(),
            index_generation: r.index_generation,
            status: "unreplayable".into(),
            detail,
        };
        // A record whose inputs no longer read (written by an older engine, e.g.
        // a policy number that was not finite and was logged as null) is
        // reported as such; the rest of the log is still replayed.
        let vacancy =
            serde_json::from_value::<crate::model::VacancyRecord>(input["vacancy"].clone())
                .map_err(|e| format!("vacancy: {e}"));
        let policy = serde_json::from_value::<crate::Policy>(input["policy"].clone())
            .map_err(|e| format!("policy: {e}"));
        let (vacancy, policy) = match (vacancy, policy) {
            (Ok(v), Ok(p)) => (v, p),
            (Err(e), _) | (_, Err(e)) => {
                out.push(unreplayable(e));
                continue;
            }
        };
        if cache.as_ref().is_none_or(|(g, _)| *g != r.index_generation) {
            match crate::index::Index::open_generation(dir, r.index_generation) {
                Ok(ix) => cache = Some((r.index_generation, ix)),
                Err(e) => {
                    out.push(Replay {
                        seq: r.seq,
                        vacancy_id: r.vacancy_id.clone(),
                        index_generation: r.index_generation,
                        status: "unavailable".into(),
                        detail: e.to_string(),
                    });
                    cache = None;
                    continue;
                }
            }
        }
        let index = &cache.as_ref().expect("opened").1;
        let roster = match crate::roster::roster(index, &vacancy, &policy) {
            Ok(roster) => roster,
            Err(e) if e.is_user_error() => {
                out.push(unreplayable(e.to_string()));
                continue;
            }
            Err(e) => return Err(e),
        };
        let h = hash_json(&roster);
        let status = if h == r.output_hash {
            "match"
        } else {
            "mismatch"
        };
        out.push(Replay {
            seq: r.seq,
            vacancy_id: r.vacancy_id.clone(),
            index_generation: r.index_generation,
            status: status.into(),
            detail: h,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
