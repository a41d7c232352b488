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

fn now_utc() -> String {
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

/// Appends records in order under one lock, each chained to the one before,
/// with one sync for all (a batch of rosters). Returns them as written.
pub fn append_all(dir: &Path, records: Vec<AuditRecord>) -> Result<Vec<AuditRecord>> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(AUDIT_FILE);
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    f.lock().map_err(|e| Error::io(&path, e))?;
    drop_torn_tail(&mut f).map_err(|e| Error::io(&path, e))?;
    let last = last_line(&mut f).map_err(|e| Error::io(&path, e))?;
    let (mut seq, mut prev) = match last {
        None => (1, GENESIS.to_string()),
        Some(line) => {
            let prev: AuditRecord = serde_json::from_str(&line).map_err(|e| Error::Index {
                path: path.clone(),
                message: format!("last audit record unreadable ({e}): run `rosa audit verify`"),
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
    f.write_all(&lines).map_err(|e| Error::io(&path, e))?;
    f.unlock().map_err(|e| Error::io(&path, e))?;
    // Durable before the caller gets its answer, but synced outside the lock:
    // concurrent appenders overlap their syncs (group commit). A sync flushes
    // every record written before it, so a durable record never follows a lost
    // one, and a torn tail is cut by the next append.
    f.sync_data().map_err(|e| Error::io(&path, e))?;
    Ok(written)
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// Records read.
    pub records: u64,
    /// True when the whole chain holds.
    pub ok: bool,
    /// The first broken record: line number and why.
    pub first_broken: Option<(u64, String)>,
}

/// Checks the hash chain of the log of `dir`.
pub fn verify(dir: &Path) -> Result<Verification> {
    let path = dir.join(AUDIT_FILE);
    let f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Verification {
                records: 0,
                ok: true,
                first_broken: None,
            })
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut prev = GENESIS.to_string();
    let mut n = 0u64;
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line_no = i as u64 + 1;
        let broken = |why: String| {
            Ok(Verification {
                records: n,
                ok: false,
                first_broken: Some((line_no, why)),
            })
        };
        let line = match line {
            Ok(l) => l,
            Err(e) => return broken(format!("unreadable: {e}")),
        };
        let r: AuditRecord = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => return broken(format!("not an audit record: {e}")),
        };
        if r.seq != line_no {
            return broken(format!("seq {} where {line_no} was expected", r.seq));
        }
        if r.prev_hash != prev {
            return broken(format!(
                "prev_hash {} does not match the previous record's hash {prev}",
                r.prev_hash
            ));
        }
        let h = r.compute_hash();
        if h != r.hash {
            return broken(format!(
                "hash {} does not match its content ({h}): the record was altered",
                r.hash
            ));
        }
        if let Some(input) = &r.input {
            if hash_json(input) != r.input_hash {
                return broken("input does not match input_hash".into());
            }
        }
        prev = r.hash;
        n += 1;
    }
    Ok(Verification {
        records: n,
        ok: true,
        first_broken: None,
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
    /// `match`, `mismatch` or `unavailable` (generation no longer available).
    pub status: String,
    /// Detail (the recomputed hash, or why unavailable).
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
        let vacancy: crate::model::VacancyRecord = serde_json::from_value(input["vacancy"].clone())
            .map_err(|e| Error::Index {
                path: dir.join(AUDIT_FILE),
                message: format!("seq {}: vacancy: {e}", r.seq),
            })?;
        let policy: crate::Policy =
            serde_json::from_value(input["policy"].clone()).map_err(|e| Error::Index {
                path: dir.join(AUDIT_FILE),
                message: format!("seq {}: policy: {e}", r.seq),
            })?;
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
        let roster = crate::roster::roster(index, &vacancy, &policy)?;
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
