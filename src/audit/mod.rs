//! The audit trail read against the index: is the log whole and does it agree
//! with the manifests and `CURRENT` ([`verify`]), cut a damaged tail and record
//! lost commits again ([`repair`]), and recompute a logged roster on its
//! generation ([`replay`]).
//!
//! Every roster, explanation and offers call and every commit appends a record
//! to the hash-chained `audit.log`; the log itself (records, appends, reads, the
//! chain) is [`crate::journal`], below the index, whose commits append to it.
//! This module is above the search (a replay opens an index and runs a roster)
//! and re-exports everything public of the log, so paths are `crate::audit::X`.
//!
//! The files: `verify` (the chain and the cross-check with the manifests, a
//! damaged tail repaired), `replay` (logged rosters recomputed).

mod replay;
mod verify;

#[cfg(test)]
mod tests;

pub use crate::journal::{
    append, append_all, append_commit, check_position, commit_records, find_commit, hash_json,
    read_all, sha256, AuditRecord, Position, AUDIT_FILE, COMMIT_KINDS, GENESIS,
};
pub use replay::{replay, Replay};
pub use verify::{repair, verify, Repair, Verification};
