//! # rosa: *incrocio domanda/offerta* for Italian public employment services
//!
//! rosa indexes CVs, competences and disability-compatibility profiles, checks
//! them against a vacancy under the legal eligibility rules, scores them with a
//! transparent weighted formula and returns the *rosa di candidati*: a roster of
//! at most 15 people, each with the criteria and rule outcomes an operator can
//! defend in an appeal.
//!
//! ```no_run
//! use rosa::{Engine, Policy};
//! use rosa::model::{read_jsonl, read_json, CandidateRecord, VacancyRecord};
//!
//! # fn main() -> Result<(), rosa::Error> {
//! let candidates: Vec<CandidateRecord> = read_jsonl("candidates.jsonl".as_ref())?;
//! let engine = Engine::build("idx".as_ref(), candidates, Vec::new())?;
//! let vacancy: VacancyRecord = read_json("vacancy.json".as_ref())?;
//! let roster = engine.roster(&vacancy, &Policy::default())?;
//! println!("{}", serde_json::to_string_pretty(&roster).unwrap());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod audit;
mod codec;
pub mod congruity;
pub mod date;
pub mod digest;
pub mod error;
pub mod esco;
pub mod eval;
pub mod explain;
#[doc(hidden)]
pub mod fault;
pub mod features;
pub mod filters;
#[doc(hidden)]
pub mod fuzzing;
pub mod gen;
pub mod geo;
pub mod graduatoria;
#[cfg(feature = "grpc")]
pub mod grpc;
pub mod import;
pub mod lang;
pub mod law;
pub mod model;
mod number;
pub mod offers;
pub mod taxonomy;

pub use error::{Error, FieldError, InputErrors, Result};
pub mod index;
pub mod journal;
pub mod policy;
pub mod query;
pub mod render;
pub mod roster;
pub mod rules;
pub mod score;
pub mod text;

pub use policy::Policy;
pub use roster::Roster;

use std::path::Path;

use model::{CandidateRecord, VacancyRecord};

/// Version of the engine, recorded in every roster and index.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The engine: an index of candidates and the queries over it.
///
/// For an index in a directory, every query (roster, explain, offers) and every
/// commit appends a record to the directory's hash-chained audit log
/// ([`audit`]); in-memory engines keep no log.
pub struct Engine {
    index: index::Index,
    travel: Option<Box<dyn geo::TravelTime>>,
}

/// What an audit record says besides its input.
struct Logged<'a> {
    kind: &'a str,
    vacancy_id: Option<&'a str>,
    candidate_id: Option<&'a str>,
    /// The policy's fingerprint, for queries.
    policy: Option<String>,
    output_hash: String,
}

impl Engine {
    /// Validates the records (every error is reported, nothing is written) and
    /// builds a persistent index in `dir`, committing a new generation.
    pub fn build(
        dir: &Path,
        candidates: Vec<CandidateRecord>,
        vacancies: Vec<VacancyRecord>,
    ) -> Result<Engine> {
        Self::build_inner(dir, candidates, vacancies, None)
    }

    /// Like [`Engine::build`], reporting progress to `progress(stage, done, total)`.
    pub fn build_with_progress(
        dir: &Path,
        candidates: Vec<CandidateRecord>,
        vacancies: Vec<VacancyRecord>,
        progress: index::Progress,
    ) -> Result<Engine> {
        Self::build_inner(dir, candidates, vacancies, Some(progress))
    }

    fn build_inner(
        dir: &Path,
        candidates: Vec<CandidateRecord>,
        vacancies: Vec<VacancyRecord>,
        progress: Option<index::Progress>,
    ) -> Result<Engine> {
        Self::build_waiting(
            dir,
            candidates,
            vacancies,
            progress,
            &index::lock::WriterWait::default(),
        )
    }

    /// [`Engine::build_with_progress`], waiting for another process's commit
    /// to the directory as `waiting` says (and waiting so in later commits).
    /// The build's audit record is part of its commit.
    pub fn build_waiting(
        dir: &Path,
        candidates: Vec<CandidateRecord>,
        vacancies: Vec<VacancyRecord>,
        progress: Option<index::Progress>,
        waiting: &index::lock::WriterWait,
    ) -> Result<Engine> {
        Ok(Engine {
            index: index::Index::build_waiting(
                Some(dir),
                candidates,
                vacancies,
                progress,
                waiting,
            )?,
            travel: None,
        })
    }

    /// Builds an index in memory only (tests, embedding, one-off queries).
    pub fn in_memory(
        candidates: Vec<CandidateRecord>,
        vacancies: Vec<VacancyRecord>,
    ) -> Result<Engine> {
        Ok(Engine {
            index: index::Index::build(None, candidates, vacancies, None)?,
            travel: None,
        })
    }

    /// Leaves due snapshots to the caller instead of writing them inside the
    /// commit: [`index::Index::snapshot_due`], then
    /// [`index::Index::write_snapshot_file`] (needs only `&self`: a server
    /// writes it while it keeps answering), then [`Engine::adopt_snapshot`].
    pub fn defer_snapshots(&mut self) {
        self.index.set_snapshots_deferred(true);
    }

    /// Reads records from a snapshot written by
    /// [`index::Index::write_snapshot_file`] (if the index has not moved on).
    pub fn adopt_snapshot(&mut self, written: index::WrittenSnapshot) {
        self.index.adopt_snapshot(written);
    }

    /// Opens the committed generation of an index directory.
    pub fn open(dir: &Path) -> Result<Engine> {
        Ok(Engine {
            index: index::Index::open(dir)?,
            travel: None,
        })
    }

    /// The audit record of a query or commit (`None` for an in-memory index).
    fn audit_record(&self, what: Logged, input: serde_json::Value) -> audit::AuditRecord {
        let mut rec =
            audit::AuditRecord::new(what.kind, self.index.generation(), &input, what.output_hash);
        rec.vacancy_id = what.vacancy_id.map(str::to_string);
        rec.candidate_id = what.candidate_id.map(str::to_string);
        rec.policy_fingerprint = what.policy;
        rec.input = Some(input);
        rec
    }

    fn log(&self, what: Logged, input: serde_json::Value) -> Result<()> {
        if let Some(dir) = self.index.dir() {
            audit::append(dir, self.audit_record(what, input))?;
        }
        Ok(())
    }

    /// The roster of a vacancy under a policy (audited for a persistent index).
    pub fn roster(&self, vacancy: &VacancyRecord, policy: &Policy) -> Result<Roster> {
        let mut one = self.rosters(std::slice::from_ref(vacancy), policy)?;
        Ok(one.pop().expect("one roster per vacancy"))
    }

    /// The rosters of many vacancies under one policy, in order, audited with
    /// one append and one sync for the batch (a batch fails whole, logging
    /// nothing, if one vacancy fails).
    pub fn rosters(&self, vacancies: &[VacancyRecord], policy: &Policy) -> Result<Vec<Roster>> {
        let travel = self.travel.as_deref();
        let rosters = vacancies
            .iter()
            .map(|v| roster::roster_with(&self.index, v, policy, travel))
            .collect::<Result<Vec<_>>>()?;
        if let Some(dir) = self.index.dir() {
            let resolved = policy.resolved();
            let records = vacancies
                .iter()
                .zip(&rosters)
                .map(|(v, r)| {
                    let what = Logged {
                        kind: "roster",
                        vacancy_id: Some(&v.id),
                        candidate_id: None,
                        // The roster's own: the policy is not hashed again.
                        policy: Some(r.policy_fingerprint.clone()),
                        output_hash: audit::hash_json(r),
                    };
                    self.audit_record(what, serde_json::json!({"vacancy": v, "policy": resolved}))
                })
                .collect();
            audit::append_all(dir, records)?;
        }
        Ok(rosters)
    }

    /// Why (not) a person for a vacancy: every rule, score, rank and gap.
    pub fn explain(
        &self,
        vacancy: &VacancyRecord,
        policy: &Policy,
        candidate_id: &str,
    ) -> Result<explain::Explanation> {
        let e = explain::explain_with(
            &self.index,
            vacancy,
            policy,
            candidate_id,
            self.travel.as_deref(),
        )?;
        let input = serde_json::json!({"vacancy": vacancy, "policy": policy.resolved(), "candidate_id": candidate_id});
        self.log(
            Logged {
                kind: "explain",
                vacancy_id: Some(&vacancy.id),
                candidate_id: Some(candidate_id),
                policy: Some(policy.fingerprint()),
                output_hash: audit::hash_json(&e),
            },
            input,
        )?;
        Ok(e)
    }

    /// The open vacancies a person is eligible for, ranked, with congruity.
    pub fn offers(&self, policy: &Policy, candidate_id: &str) -> Result<offers::Offers> {
        let o = offers::offers_with(&self.index, policy, candidate_id, self.travel.as_deref())?;
        let input = serde_json::json!({"policy": policy.resolved(), "candidate_id": candidate_id});
        self.log(
            Logged {
                kind: "offers",
                vacancy_id: None,
                candidate_id: Some(candidate_id),
                policy: Some(policy.fingerprint()),
                output_hash: audit::hash_json(&o),
            },
            input,
        )?;
        Ok(o)
    }

    /// Adds or replaces candidates, committing a new generation; visible to the
    /// next query. Invalid records change nothing. Like every commit, it waits
    /// for another process's commit to the directory ([`Engine::set_writer_wait`])
    /// and starts from the last committed generation; its audit record is part
    /// of the commit (no record, no commit).
    pub fn upsert(&mut self, candidates: Vec<CandidateRecord>) -> Result<u64> {
        self.index.upsert(candidates)
    }

    /// [`Engine::upsert`], committing nothing ([`Error::Cancelled`]) if
    /// `cancelled` is set before the commit's point of no return (its audit
    /// record): a gRPC stream whose client went away.
    pub fn upsert_unless(
        &mut self,
        candidates: Vec<CandidateRecord>,
        cancelled: &std::sync::atomic::AtomicBool,
    ) -> Result<u64> {
        self.index.upsert_unless(candidates, Some(cancelled))
    }

    /// Removes candidates by id, committing a new generation.
    pub fn remove(&mut self, ids: &[String]) -> Result<u64> {
        self.index.remove(ids)
    }

    /// Records what happened with a person for a vacancy; `hired` takes them out
    /// of the available pool.
    pub fn record_outcome(
        &mut self,
        vacancy_id: &str,
        candidate_id: &str,
        result: index::OutcomeKind,
    ) -> Result<u64> {
        self.index.record_outcome(vacancy_id, candidate_id, result)
    }

    /// How commits wait for another process's commit to the same directory
    /// (default: up to a minute, telling no one).
    pub fn set_writer_wait(&mut self, waiting: index::lock::WriterWait) {
        self.index.set_writer_wait(waiting);
    }

    /// The committed generation of the engine's directory, when it is newer
    /// than the engine's (another process committed): opened, ready for
    /// [`Engine::adopt`]. Reads the directory only; `None` for an in-memory
    /// engine or when the engine is current.
    pub fn newer_generation(&self) -> Result<Option<index::Index>> {
        let Some(dir) = self.index.dir() else {
            return Ok(None);
        };
        let (m, _) = index::committed_manifest(dir)?;
        if m.generation <= self.index.generation() {
            return Ok(None);
        }
        Ok(Some(index::Index::open(dir)?))
    }

    /// Switches to an index opened by [`Engine::newer_generation`], if it is
    /// still newer than the engine's own (which a commit of this engine may
    /// have moved on meanwhile). Returns whether it did.
    pub fn adopt(&mut self, newer: index::Index) -> bool {
        if newer.generation() <= self.index.generation() {
            return false;
        }
        let mut newer = newer;
        newer.inherit_settings(&self.index);
        self.index = newer;
        true
    }

    /// Uses `travel` (a journey planner with real timetables) for the travel-time
    /// criterion of congruity in every later roster, explanation and offer list,
    /// instead of the policy's documented distance model
    /// ([`geo::DistanceModel`]). Audit replays recompute with the policy's model,
    /// so rosters made with an external planner replay only if it agrees.
    pub fn set_travel_time(&mut self, travel: Box<dyn geo::TravelTime>) {
        self.travel = Some(travel);
    }

    /// The underlying index.
    pub fn index(&self) -> &index::Index {
        &self.index
    }
}
