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
//!
//! The files: `append` (chained appends under the lock, grouped per process),
//! `verify` (the chain checked, a damaged tail repaired), `read` (commit records and
//! their positions, every record, replays). Everything public is re-exported here:
//! paths are `crate::audit::X`.

use std::io::Write;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::date::Date;
use crate::policy::hex;

mod append;
mod read;
mod verify;

#[cfg(test)]
mod tests;

pub use append::{append, append_all, append_commit, Position};
pub use read::{
    check_position, commit_records, find_commit, read_all, replay, Replay, COMMIT_KINDS,
};
pub use verify::{repair, verify, Repair, Verification};

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

/// `sha256:<hex>` of a value's canonical (compact serde) JSON, its words in
/// English whatever language the caller reads ([`crate::lang`]): an output's
/// hash, and so a replay, does not depend on the language.
pub fn hash_json<T: Serialize + ?Sized>(value: &T) -> String {
    crate::lang::with(crate::lang::Lang::En, || hash_json_as_is(value))
}

fn hash_json_as_is<T: Serialize + ?Sized>(value: &T) -> String {
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
