//! The chain checked line by line: every record parsed, numbered, linked to the
//! previous one's hash and hashed again; the first line that breaks it named.

use std::io::BufRead;
use std::path::Path;

use crate::error::{Error, Result};

use super::*;

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
pub(crate) type Walked = (u64, u64, Option<(u64, String)>);

/// Walks the log: calls `each(record, end offset)` for every record of the
/// verified prefix; returns the number of records, the offset where the
/// verified prefix ends, and the first broken line (number, why) if any. A
/// last line without its newline is torn: broken as well.
pub(crate) fn walk(dir: &Path, mut each: impl FnMut(&AuditRecord, u64)) -> Result<Walked> {
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
