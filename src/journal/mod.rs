//! The audit log as storage: an append-only, hash-chained file in the index
//! directory (`audit.log`), one JSON [`AuditRecord`] per line, with the time, the
//! vacancy, the policy fingerprint, the index generation, the hash of the inputs
//! and of the output, and the hash of the previous record.
//!
//! **Invariant.** Records are only appended, under an exclusive file lock, and
//! each carries `prev_hash` = the previous record's `hash`; `hash` is the sha256
//! of the record's canonical JSON without `hash`. [`walk`] finds the first
//! record where the chain breaks.
//!
//! Below the index: a commit appends its record here as a step of its protocol
//! (and `CURRENT` names the record's position), so this module knows nothing of
//! indexes or rosters. What reads the log against an index (verify with the
//! manifests, repair, replay) is [`crate::audit`], above the search, which
//! re-exports everything public here: paths stay `crate::audit::X`.
//!
//! The files: `append` (chained appends under the lock, grouped per process),
//! `read` (commit records and their positions, every record), `chain` (the
//! chain checked line by line).

use serde::{Deserialize, Serialize};

use crate::date::now_utc;

mod append;
mod chain;
mod read;

pub(crate) use append::open_log;
pub use append::{append, append_all, append_commit, Position};
pub(crate) use chain::walk;
pub use read::{check_position, commit_records, find_commit, read_all, COMMIT_KINDS};

pub use crate::digest::{hash_json, sha256};

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

    pub(crate) fn compute_hash(&self) -> String {
        let mut unsigned = self.clone();
        unsigned.hash = String::new();
        hash_json(&unsigned)
    }
}
