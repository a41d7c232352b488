//! The index: candidates as rows (original records plus precomputed features),
//! the tantivy text index, the open vacancies, and their persistence.
//!
//! **Invariants.** The committed state is the manifest in `CURRENT`: a list of
//! commits (upsert segments, removals, outcomes) replayed in order. Segment files
//! are immutable and written before the manifest that names them; `CURRENT` is
//! replaced by one atomic rename, so a process killed at any point leaves the old
//! or the new generation, never a mix. Rows are assigned by replay order (an
//! upsert of a known id keeps its row), so reopening gives the same rows and
//! features. The tantivy text index is a derived cache: it is used only when its
//! commit payload equals the manifest's generation, and rebuilt in memory
//! otherwise (after a crash between the two commits, or to open an old
//! generation for an audit replay). So is the binary snapshot ([`snapshot`]):
//! open reads the newest one that covers a prefix of the commits and replays
//! only the commits after it.
//!
//! Layout of an index directory (no file is world-readable):
//! ```text
//! DIR/CURRENT                  manifest of the committed generation (JSON)
//! DIR/manifests/m000007.json   every generation's manifest, for replays
//! DIR/segments/s000007.seg     validated candidate records of one upsert commit
//!                              (JSON lines in lz4 frames, [`segment`]; `.jsonl` before)
//! DIR/vacancies/v000007.jsonl  open vacancies indexed with --vacancies
//! DIR/text/                    tantivy index of cv_text (payload = generation)
//! DIR/snapshots/g000007.bin    binary checkpoint of a generation (a cache)
//! DIR/audit.log                append-only, hash-chained audit log
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use roaring::RoaringBitmap;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::error::{Error, FieldError, InputErrors, Result};
use crate::filters::Filters;
use crate::geo::{ComuneId, Comuni};
use crate::model::{CandidateRecord, Record, VacancyRecord};
use crate::taxonomy::{Isco, SkillId};
use crate::text::{TextIndex, TextWriter};

pub use crate::features::{Features, LanguageLevel, Occupation, SkillFeature, Small};

pub mod lock;
mod records;
mod segment;
pub(crate) mod snapshot;

use records::{Place, Records};
use segment::Loc;

/// Commits after the newest snapshot beyond which a commit writes a new one.
pub const SNAPSHOT_EVERY_COMMITS: usize = 256;

/// Version of the on-disk format; a different one is refused on open.
pub const FORMAT_VERSION: u32 = 1;
/// Lowest label similarity at which a free label is tied to an ESCO skill in the
/// index; the policy's `scoring.label_threshold` (default 0.85) filters further at query time.
pub const LABEL_FLOOR: f32 = 0.80;

/// Skill keys beyond ESCO: unknown URIs and labels that match no ESCO skill.
#[derive(Debug, Default, Clone)]
pub struct SkillVocab {
    extra: HashMap<String, u32>,
    names: Vec<String>,
}

/// How a skill reference (URI and/or label) was resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSkill {
    /// The key, `None` when the index has never seen this skill.
    pub key: Option<u32>,
    /// Similarity of the tie.
    pub similarity: f32,
}

impl SkillVocab {
    fn esco_len() -> u32 {
        crate::esco::active().skills().len() as u32
    }

    fn intern(&mut self, name: String) -> u32 {
        if let Some(k) = self.extra.get(&name) {
            return *k;
        }
        let k = Self::esco_len() + self.names.len() as u32;
        self.extra.insert(name.clone(), k);
        self.names.push(name);
        k
    }

    /// Human name of a key: the ESCO preferred label, or the label / URI as given.
    pub fn name(&self, key: u32) -> String {
        let n = Self::esco_len();
        if key < n {
            crate::esco::active()
                .skills()
                .get(key as SkillId)
                .label
                .clone()
        } else {
            let raw = &self.names[(key - n) as usize];
            raw.split_once(':')
                .map_or(raw.as_str(), |(_, v)| v)
                .to_string()
        }
    }

    /// The keys of unresolved free labels equal to `label` once normalised.
    pub fn label_keys(&self, label: &str) -> Option<u32> {
        let n = crate::taxonomy::normalise_text(label);
        if n.is_empty() {
            return None;
        }
        self.extra.get(&label_key_name(&n)).copied()
    }

    /// Resolves a reference without adding to the vocabulary.
    pub fn lookup(
        &self,
        esco: Option<&str>,
        label: Option<&str>,
        labels: &LabelCache,
    ) -> ResolvedSkill {
        match resolve(esco, label, labels) {
            Resolution::Esco(id, sim) => ResolvedSkill {
                key: Some(id),
                similarity: sim,
            },
            Resolution::Extra(name) => ResolvedSkill {
                key: self.extra.get(&name).copied(),
                similarity: 1.0,
            },
        }
    }
}

/// The vocabulary name of a free label's own key.
fn label_key_name(label: &str) -> String {
    format!("label:{}", crate::taxonomy::normalise_text(label))
}

enum Resolution {
    Esco(u32, f32),
    Extra(String),
}

fn resolve(esco: Option<&str>, label: Option<&str>, labels: &LabelCache) -> Resolution {
    let tax = crate::esco::active().skills();
    if let Some(uri) = esco {
        return match tax.by_uri(uri) {
            Some(id) => Resolution::Esco(id, 1.0),
            None => Resolution::Extra(format!("uri:{uri}")),
        };
    }
    let label = label.unwrap_or("");
    match labels.get(label) {
        Some((id, sim)) => Resolution::Esco(id, sim),
        None => Resolution::Extra(label_key_name(label)),
    }
}

/// Free labels already tied to ESCO skills (or found to match none).
#[derive(Debug, Default)]
pub struct LabelCache {
    map: HashMap<String, Option<(u32, f32)>>,
    /// Labels met only in queries (vacancy skills), memoised so that repeated
    /// rosters of the same vacancy do not normalise them again; bounded.
    queried: std::sync::Mutex<HashMap<String, Option<(u32, f32)>>>,
}

/// Most labels [`LabelCache`] memoises from queries before it starts afresh.
const MAX_QUERIED_LABELS: usize = 65_536;

impl LabelCache {
    /// Resolves every distinct label in `labels` (in parallel) that is not cached yet.
    pub fn fill<'a>(&mut self, labels: impl Iterator<Item = &'a str>) {
        let mut todo: Vec<&str> = labels.filter(|l| !self.map.contains_key(*l)).collect();
        todo.sort_unstable();
        todo.dedup();
        let tax = crate::esco::active().skills();
        let found: Vec<(String, Option<(u32, f32)>)> = todo
            .par_iter()
            .map(|l| {
                (
                    l.to_string(),
                    tax.normalise_label(l, LABEL_FLOOR)
                        .map(|m| (m.id, m.similarity)),
                )
            })
            .collect();
        self.map.extend(found);
    }

    /// The ESCO skill and similarity of a label, if resolved and matched.
    pub fn get(&self, label: &str) -> Option<(u32, f32)> {
        if let Some(v) = self.map.get(label) {
            return *v;
        }
        let lock = || self.queried.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = lock().get(label) {
            return *v;
        }
        // A pure function of the label: memoising it cannot change a result.
        let found = crate::esco::active()
            .skills()
            .normalise_label(label, LABEL_FLOOR)
            .map(|m| (m.id, m.similarity));
        let mut queried = lock();
        if queried.len() >= MAX_QUERIED_LABELS {
            queried.clear();
        }
        queried.insert(label.to_string(), found);
        found
    }
}

/// Stages reported to a progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Checking records.
    Validate,
    /// Tying skill labels to ESCO.
    Resolve,
    /// Indexing CV texts.
    Text,
    /// Writing files.
    Write,
}

/// A progress callback: stage, done, total.
pub type Progress<'a> = &'a (dyn Fn(Stage, u64, u64) + Sync);

/// What happened with a person proposed for a vacancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// Contacted about the vacancy.
    Contacted,
    /// Interview held.
    Interviewed,
    /// Hired: leaves the available pool until their record is upserted again.
    Hired,
    /// Rejected by the employer.
    Rejected,
    /// Declined the offer.
    Declined,
    /// Did not show up.
    NoShow,
}

impl OutcomeKind {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Contacted => "contacted",
            OutcomeKind::Interviewed => "interviewed",
            OutcomeKind::Hired => "hired",
            OutcomeKind::Rejected => "rejected",
            OutcomeKind::Declined => "declined",
            OutcomeKind::NoShow => "no_show",
        }
    }
}

/// One committed change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Commit {
    /// Records added or replaced, stored in `segments/<file>`.
    Upsert {
        /// Generation that committed it.
        generation: u64,
        /// Segment file name.
        file: String,
        /// Number of records.
        records: u64,
        /// Size of the file in bytes, checked on open.
        bytes: u64,
        /// `sha256:<hex>` of the file, checked on open (absent in indexes
        /// written before it was recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
    },
    /// Candidates removed.
    Remove {
        /// Generation that committed it.
        generation: u64,
        /// Their ids.
        ids: Vec<String>,
    },
    /// An outcome recorded.
    Outcome {
        /// Generation that committed it.
        generation: u64,
        /// Vacancy id.
        vacancy_id: String,
        /// Candidate id.
        candidate_id: String,
        /// What happened.
        result: OutcomeKind,
    },
}

/// The manifest of a committed generation (the content of `CURRENT`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// On-disk format version.
    pub format: u32,
    /// Commit counter, increasing by one per commit.
    pub generation: u64,
    /// Version of the engine that wrote it.
    pub engine_version: String,
    /// Commits since the last full build, replayed in order.
    pub commits: Vec<Commit>,
    /// File of the open vacancies under `vacancies/`, if any.
    pub vacancies: Option<String>,
    /// `sha256:<hex>` of the vacancies file, checked on open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vacancies_sha256: Option<String>,
    /// Where the audit record of this generation's commit is in `audit.log`:
    /// set in `CURRENT` (written after the record), absent in `manifests/`
    /// (written before it) and in indexes of earlier versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<crate::journal::Position>,
    /// `sha256:<hex>` of this manifest's compact JSON without this field, set
    /// when written and checked when read: a damaged manifest is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// The taxonomy the index was built with (skill keys are its ids); absent in
    /// indexes written before it was recorded, which used the embedded one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<crate::esco::TaxonomyId>,
}

impl Manifest {
    /// The checksum of this manifest (its compact JSON without `checksum`).
    pub fn compute_checksum(&self) -> String {
        let mut m = self.clone();
        m.checksum = None;
        crate::digest::hash_json(&m)
    }
}

/// The candidate index.
pub struct Index {
    dir: Option<PathBuf>,
    generation: u64,
    commits: Vec<Commit>,
    vacancies_file: Option<String>,
    vacancies_sha256: Option<String>,
    records: Records,
    /// Candidate id of each row.
    ids: Vec<String>,
    features: Vec<Features>,
    /// Comune and EQF level (0: none) of each row, from its features, packed
    /// for passes over hundreds of thousands of rows (narrowing).
    comune_eqf: Vec<(ComuneId, u8)>,
    /// What graduatorie read of each row (never the fit score).
    ranking: Vec<crate::graduatoria::Inputs>,
    /// What the functional-compatibility rule reads of each row.
    profiles: Vec<crate::law::FunctionalProfile>,
    live: RoaringBitmap,
    hired: RoaringBitmap,
    by_id: HashMap<String, u32>,
    vocab: SkillVocab,
    labels: LabelCache,
    filters: Filters,
    text: TextIndex,
    text_rebuilt: bool,
    vacancies: Vec<VacancyRecord>,
    vacancy_by_id: HashMap<String, usize>,
    dates: std::sync::Mutex<Option<std::sync::Arc<DateBitmaps>>>,
    /// Commits covered by the newest snapshot on disk (0: none).
    snapshot_commits: usize,
    /// How the last open used the snapshot, in words.
    snapshot_note: String,
    /// Commits leave the snapshot to the caller.
    snapshots_deferred: bool,
    /// How a commit waits for another process's commit (`DIR/LOCK`).
    writer_wait: lock::WriterWait,
    /// What the last commit or open had to say beyond success (empty: nothing).
    commit_note: String,
    /// What the text index needs after the last commit.
    text_pending: TextPending,
}

/// A snapshot file written by [`Index::write_snapshot_file`], to be adopted.
pub struct WrittenSnapshot {
    generation: u64,
    commits: usize,
    result: std::result::Result<(std::fs::File, Vec<Place>), String>,
    seconds: f64,
}

/// Who is available and whose availability is fresh, for one reference date and
/// freshness: computed once per (generation, `as_of`, `freshness_days`) and
/// shared by every query with the same values.
#[derive(Debug)]
pub struct DateBitmaps {
    key: (u64, Date, u32),
    /// Rows with a DID not after `as_of`.
    pub available: RoaringBitmap,
    /// Rows whose effective confirmation (the later of the confirmation and
    /// the DID) is not after `as_of` and within `freshness_days` of it.
    pub fresh: RoaringBitmap,
}

fn check_all<R: Record + Sync>(records: &[R], file: &str) -> Result<()> {
    let (comuni, isco) = (Comuni::embedded(), Isco::embedded());
    let bad: Vec<Vec<FieldError>> = records
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            r.check(comuni, isco)
                .into_iter()
                .map(|e| e.at(file, i + 1, r.id()))
                .collect()
        })
        .collect();
    let mut errors = InputErrors::default();
    for es in bad {
        errors.extend(es);
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if let Some(first) = seen.insert(r.id(), i + 1) {
            errors.push(
                FieldError::new("id", format!("duplicate id, first seen in record {first}")).at(
                    file,
                    i + 1,
                    r.id(),
                ),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(errors))
    }
}

/// Validates records read back from the index's own files. They were valid
/// when committed and the engine relies on it (features, filters, geography),
/// so a record that fails now means the file was damaged: an index error.
fn check_stored<R: Record + Sync>(records: &[R], path: &Path) -> Result<()> {
    match check_all(records, "") {
        Ok(()) => Ok(()),
        Err(Error::Input(errs)) => {
            let first = errs.errors.first().map_or_else(String::new, |e| {
                format!(
                    "line {}: {}: {}: {}: ",
                    e.line, e.record_id, e.field, e.message
                )
            });
            Err(index_error(
                path,
                format!("{first}the index is damaged, rebuild it"),
            ))
        }
        Err(other) => Err(other),
    }
}

fn derive_one(r: &CandidateRecord, labels: &LabelCache, vocab: &mut SkillVocab) -> Features {
    let mut skills: Vec<SkillFeature> = Vec::with_capacity(r.skills.len());
    for (i, s) in r.skills.iter().enumerate() {
        let feature = |key, similarity| SkillFeature {
            key,
            similarity,
            certified: s.certified,
            source: i as u16,
        };
        match resolve(s.esco.as_deref(), s.label.as_deref(), labels) {
            Resolution::Esco(id, sim) => {
                skills.push(feature(id, sim));
                // A label tied to ESCO only approximately keeps its own key too, so that
                // a vacancy naming exactly this label finds it (DESIGN section 4).
                if sim < 1.0 && s.esco.is_none() {
                    let name = label_key_name(s.label.as_deref().unwrap_or(""));
                    skills.push(feature(vocab.intern(name), 1.0));
                }
            }
            Resolution::Extra(name) => skills.push(feature(vocab.intern(name), 1.0)),
        }
    }
    // One feature per key: the surest tie, certified winning ties.
    skills.sort_by(|a, b| {
        a.key
            .cmp(&b.key)
            .then(b.similarity.total_cmp(&a.similarity))
            .then(b.certified.cmp(&a.certified))
            .then(a.source.cmp(&b.source))
    });
    skills.dedup_by_key(|s| s.key);
    let comune = Comuni::embedded()
        .lookup(&r.domicile)
        .expect("validated domicile");
    Features::new(comune, skills, r)
}

/// An index's skill keys are the ids of the taxonomy it was built with: opening it under
/// another is a user error naming both.
fn check_taxonomy(dir: &Path, built: Option<&crate::esco::TaxonomyId>) -> Result<()> {
    let active = crate::esco::active().id();
    let same = match built {
        Some(b) => b.fingerprint == active.fingerprint,
        None => active.version == "embedded",
    };
    if same {
        return Ok(());
    }
    let built = built.map_or_else(|| "embedded".to_string(), |b| b.to_string());
    Err(Error::Taxonomy(format!(
        "index {} was built with taxonomy {built}, but this run uses {active}: give the same --esco files (or none) as when it was built",
        dir.display()
    )))
}

fn ids_of<R: Record>(records: &[R]) -> HashMap<String, usize> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id().to_string(), i))
        .collect()
}

fn check_segment_size(path: &Path, bytes: u64) -> Result<()> {
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    if size != bytes {
        return Err(index_error(
            path,
            format!("is {size} bytes, the manifest says {bytes}: the index is damaged, rebuild it"),
        ));
    }
    Ok(())
}

fn index_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// The audit record a commit appends as part of it.
struct CommitLog {
    kind: &'static str,
    input: serde_json::Value,
    vacancy_id: Option<String>,
    candidate_id: Option<String>,
}

impl CommitLog {
    fn new(kind: &'static str, input: serde_json::Value) -> Self {
        CommitLog {
            kind,
            input,
            vacancy_id: None,
            candidate_id: None,
        }
    }

    /// Appends the record of `generation` (whose output is the hash of its
    /// commit list): the commit's point of no return.
    fn append(
        self,
        dir: &Path,
        generation: u64,
        commits: &[Commit],
    ) -> Result<crate::journal::Position> {
        let mut rec = crate::journal::AuditRecord::new(
            self.kind,
            generation,
            &self.input,
            crate::digest::hash_json(commits),
        );
        rec.vacancy_id = self.vacancy_id;
        rec.candidate_id = self.candidate_id;
        rec.input = Some(self.input);
        Ok(crate::journal::append_commit(dir, rec)?.1)
    }
}

/// What the text index still needs once a commit has landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextPending {
    /// Its commit succeeded: reload the searcher.
    Reload,
    /// The disk copy was out of step before the commit: rewrite it whole.
    Rewrite,
    /// Its commit failed: rebuild it in memory.
    Rebuild,
}

/// Row changes of an upsert, computed before anything is applied.
struct Plan {
    /// `(row, replaces an existing row)` per record, in record order.
    rows: Vec<(u32, bool)>,
}

impl Index {
    fn empty(dir: Option<&Path>, text: TextIndex) -> Index {
        Index {
            dir: dir.map(Path::to_path_buf),
            generation: 0,
            commits: Vec::new(),
            vacancies_file: None,
            vacancies_sha256: None,
            records: Records::default(),
            ids: Vec::new(),
            features: Vec::new(),
            comune_eqf: Vec::new(),
            ranking: Vec::new(),
            profiles: Vec::new(),
            live: RoaringBitmap::new(),
            hired: RoaringBitmap::new(),
            by_id: HashMap::new(),
            vocab: SkillVocab::default(),
            labels: LabelCache::default(),
            filters: Filters::default(),
            text,
            text_rebuilt: false,
            vacancies: Vec::new(),
            vacancy_by_id: HashMap::new(),
            dates: std::sync::Mutex::new(None),
            snapshot_commits: 0,
            snapshot_note: String::new(),
            snapshots_deferred: false,
            writer_wait: lock::WriterWait::default(),
            commit_note: String::new(),
            text_pending: TextPending::Reload,
        }
    }

    /// The availability bitmaps for a reference date and freshness (cached).
    pub fn dates(&self, as_of: Date, freshness_days: u32) -> std::sync::Arc<DateBitmaps> {
        let key = (self.generation, as_of, freshness_days);
        let mut slot = self.dates.lock().expect("not poisoned");
        if let Some(d) = slot.as_ref().filter(|d| d.key == key) {
            return d.clone();
        }
        let limit = freshness_days as i32;
        let (mut available, mut fresh) = (Vec::new(), Vec::new());
        for row in self.live.iter() {
            let f = &self.features[row as usize];
            if f.did_date.is_some_and(|d| d <= as_of) {
                available.push(row);
            }
            if crate::law::effective_confirmation(f.confirmed, f.did_date)
                .is_some_and(|(c, _)| c <= as_of && as_of.days_since(c) <= limit)
            {
                fresh.push(row);
            }
        }
        let d = std::sync::Arc::new(DateBitmaps {
            key,
            available: RoaringBitmap::from_sorted_iter(available).expect("sorted"),
            fresh: RoaringBitmap::from_sorted_iter(fresh).expect("sorted"),
        });
        *slot = Some(d.clone());
        d
    }

    fn plan(&self, records: &[CandidateRecord]) -> Plan {
        let mut next = self.ids.len() as u32;
        let rows = records
            .iter()
            .map(|r| match self.by_id.get(&r.id) {
                Some(&row) => (row, true),
                None => {
                    next += 1;
                    (next - 1, false)
                }
            })
            .collect();
        Plan { rows }
    }

    /// Applies upserted records in memory (rows as planned); `stored_at`
    /// names the segment that holds them and where each one lies in it.
    fn apply_upserts(
        &mut self,
        records: Vec<CandidateRecord>,
        stored_at: Option<(String, Vec<Loc>)>,
    ) {
        let seg = match (&stored_at, &self.dir) {
            (Some((file, _)), Some(dir)) => {
                Some(self.records.add_segment(&dir.join("segments"), file))
            }
            _ => None,
        };
        let locs = stored_at.map(|(_, l)| l).unwrap_or_default();
        let place = |i: usize| match (seg, locs.get(i)) {
            (Some(n), Some(&loc)) => Place::Segment(n, loc),
            _ => Place::Held,
        };
        self.labels.fill(records.iter().flat_map(|r| {
            r.skills
                .iter()
                .filter(|s| s.esco.is_none())
                .filter_map(|s| s.label.as_deref())
        }));
        let plan = self.plan(&records);
        for (k, (r, (row, replaces))) in records.into_iter().zip(plan.rows).enumerate() {
            let feat = derive_one(&r, &self.labels, &mut self.vocab);
            let inputs = crate::graduatoria::Inputs::of(&r);
            let profile = crate::law::FunctionalProfile::of(&r);
            if replaces {
                let i = row as usize;
                if self.live.contains(row) {
                    let old = self.records.peek(i, || self.ids[i].clone());
                    self.filters.remove(row, &old, &self.features[i]);
                }
                self.filters.add(row, &r, &feat);
                self.records.set(i, r, place(k));
                self.comune_eqf[i] = feat.comune_eqf();
                self.features[i] = feat;
                self.ranking[i] = inputs;
                self.profiles[i] = profile;
            } else {
                self.filters.add(row, &r, &feat);
                self.by_id.insert(r.id.clone(), row);
                self.ids.push(r.id.clone());
                self.records.push(r, place(k));
                self.comune_eqf.push(feat.comune_eqf());
                self.features.push(feat);
                self.ranking.push(inputs);
                self.profiles.push(profile);
            }
            self.live.insert(row);
            self.hired.remove(row);
        }
        self.filters.finish();
    }

    /// Removes candidates in memory; returns the rows removed.
    fn apply_removes(&mut self, ids: &[String]) -> Vec<u32> {
        let mut rows = Vec::new();
        for id in ids {
            if let Some(&row) = self.by_id.get(id) {
                if self.live.remove(row) {
                    let i = row as usize;
                    let old = self.records.peek(i, || self.ids[i].clone());
                    self.filters.remove(row, &old, &self.features[i]);
                    rows.push(row);
                }
            }
        }
        self.filters.finish();
        rows
    }

    fn apply_outcome(&mut self, candidate_id: &str, result: OutcomeKind) {
        if let (Some(&row), OutcomeKind::Hired) = (self.by_id.get(candidate_id), result) {
            self.hired.insert(row);
        }
    }

    fn set_vacancies(&mut self, vacancies: Vec<VacancyRecord>) {
        self.vacancy_by_id = ids_of(&vacancies);
        self.vacancies = vacancies;
    }

    fn rebuild_text_in_memory(&mut self) -> Result<()> {
        let text = TextIndex::create(None)?;
        let mut w = text.writer()?;
        for row in self.live.iter() {
            w.add(row, &self.record_once(row).cv_text)?;
        }
        w.commit(&self.generation.to_string())?;
        text.reload()?;
        self.text = text;
        Ok(())
    }

    /// Builds an index from records: validates every record (all errors are
    /// reported, nothing is written), derives features, indexes CV texts and, when
    /// `dir` is given, commits a new generation there (replacing what it held).
    pub fn build(
        dir: Option<&Path>,
        candidates: Vec<CandidateRecord>,
        vacancies: Vec<VacancyRecord>,
        progress: Option<Progress>,
    ) -> Result<Index> {
        Self::build_waiting(
            dir,
            candidates,
            vacancies,
            progress,
            &lock::WriterWait::default(),
        )
    }

    /// [`Index::build`], waiting for another process's commit as `waiting` says.
    pub fn build_waiting(
        dir: Option<&Path>,
        candidates: Vec<CandidateRecord>,
        vacancies: Vec<VacancyRecord>,
        progress: Option<Progress>,
        waiting: &lock::WriterWait,
    ) -> Result<Index> {
        let report = |s: Stage, d: u64, t: u64| {
            if let Some(p) = progress {
                p(s, d, t)
            }
        };
        let n = candidates.len() as u64;
        report(Stage::Validate, 0, n);
        check_all(&candidates, "candidates")?;
        check_all(&vacancies, "vacancies")?;
        report(Stage::Validate, n, n);
        match dir {
            None => {
                let mut index = Index::empty(None, TextIndex::create(None)?);
                report(Stage::Resolve, 0, n);
                index.apply_upserts(candidates, None);
                index.set_vacancies(vacancies);
                report(Stage::Resolve, n, n);
                index.generation = 1;
                index.rebuild_text_in_memory()?;
                Ok(index)
            }
            Some(dir) => {
                let created = !dir.join("CURRENT").exists() && !dir.exists();
                let result = Self::build_in_dir(dir, candidates, vacancies, &report, waiting);
                if result.is_err() && created {
                    let _ = std::fs::remove_dir_all(dir);
                }
                result
            }
        }
    }

    fn build_in_dir(
        dir: &Path,
        candidates: Vec<CandidateRecord>,
        vacancies: Vec<VacancyRecord>,
        report: &dyn Fn(Stage, u64, u64),
        waiting: &lock::WriterWait,
    ) -> Result<Index> {
        for sub in ["", "segments", "manifests", "vacancies", "text"] {
            create_private_dir(&dir.join(sub))?;
        }
        // One writer at a time, across processes.
        let _lock = lock::WriterLock::acquire(dir, waiting)?;
        let input_hash = crate::digest::hash_json(&(&candidates, &vacancies));
        // A new commit list starts after every generation the directory has
        // seen, so that no manifest of the history is ever overwritten.
        let previous = read_manifest(dir).ok().map_or(0, |m| m.generation);
        let generation = previous.max(newest_manifest(dir)?.unwrap_or(0)) + 1;
        let n = candidates.len() as u64;

        report(Stage::Write, 0, 2);
        let mut written: Vec<PathBuf> = Vec::new();
        let landed = (|| {
            let file = segment::file_name(generation);
            let seg = dir.join("segments").join(&file);
            written.push(seg.clone());
            let (bytes, sha256, locs) = write_segment_atomic(&seg, &candidates)?;
            let (vac_file, vac_sha256) = if vacancies.is_empty() {
                (None, None)
            } else {
                let f = format!("v{generation:06}.jsonl");
                let path = dir.join("vacancies").join(&f);
                written.push(path.clone());
                let (_, sha) = write_jsonl_atomic(&path, &vacancies)?;
                (Some(f), Some(sha))
            };
            let manifest = Manifest {
                format: FORMAT_VERSION,
                generation,
                engine_version: crate::ENGINE_VERSION.to_string(),
                commits: vec![Commit::Upsert {
                    generation,
                    file: file.clone(),
                    records: n,
                    bytes,
                    sha256: Some(sha256),
                }],
                vacancies: vac_file,
                vacancies_sha256: vac_sha256,
                audit: None,
                checksum: None,
                taxonomy: Some(crate::esco::active().id().clone()),
            };
            let m = manifest_path(dir, generation);
            written.push(m.clone());
            write_manifest_file(&m, &manifest)?;
            let log = CommitLog::new("build", serde_json::json!({"records_hash": input_hash}));
            let position = log.append(dir, generation, &manifest.commits)?;
            Ok::<_, Error>((manifest, position, (file, locs)))
        })();
        let (mut manifest, position, stored_at) = match landed {
            Ok(x) => x,
            Err(e) => {
                for f in written.iter().rev() {
                    let _ = std::fs::remove_file(f);
                }
                return Err(e);
            }
        };
        report(Stage::Write, 1, 2);
        manifest.audit = Some(position);
        let mut note = String::new();
        if let Err(e) = write_current(dir, &manifest) {
            note = format!(
                "generation {generation} is committed and logged, but CURRENT could not be \
                 switched ({e}): the next open completes the switch"
            );
        }
        report(Stage::Write, 2, 2);

        let mut index = Index::empty(Some(dir), TextIndex::create(None)?);
        index.writer_wait = waiting.clone();
        report(Stage::Resolve, 0, n);
        index.apply_upserts(candidates, Some(stored_at));
        index.set_vacancies(vacancies);
        report(Stage::Resolve, n, n);
        index.generation = generation;
        index.commits = manifest.commits;
        index.vacancies_file = manifest.vacancies;
        index.vacancies_sha256 = manifest.vacancies_sha256;

        // The text index (a cache of the records) once the commit has landed.
        let text_dir = dir.join("text");
        let text = (|| {
            let _ = std::fs::remove_dir_all(&text_dir);
            create_private_dir(&text_dir)?;
            let text = TextIndex::create(Some(&text_dir))?;
            let mut writer = text.writer()?;
            for row in 0..index.len() as u32 {
                writer.add(row, &index.record_once(row).cv_text)?;
                if row % 10_000 == 0 {
                    report(Stage::Text, row as u64, n);
                }
            }
            crate::fault::check(&text_dir)?;
            writer.commit(&generation.to_string())?;
            text.reload()?;
            Ok::<_, Error>(text)
        })();
        report(Stage::Text, n, n);
        match text {
            Ok(t) => index.text = t,
            Err(e) => {
                if note.is_empty() {
                    note = format!(
                        "the text index was not written ({e}): it is rebuilt from the records"
                    );
                }
                index.rebuild_text_in_memory()?;
                index.text_rebuilt = true;
            }
        }
        index.commit_note = note;
        index.write_snapshot();
        Ok(index)
    }

    /// Writes the snapshot of this generation (a cache: a failure is reported
    /// in [`Index::snapshot_note`] and costs only a slower next open).
    fn write_snapshot(&mut self) {
        if let Some(written) = self.write_snapshot_file() {
            self.adopt_snapshot(written);
        }
    }

    /// Writes the snapshot file of this generation without changing the index
    /// (so that a server can write it while it keeps answering queries);
    /// [`Index::adopt_snapshot`] then reads records from it. `None` for an
    /// in-memory index.
    pub fn write_snapshot_file(&self) -> Option<WrittenSnapshot> {
        let dir = self.dir.as_deref()?;
        let started = std::time::Instant::now();
        Some(WrittenSnapshot {
            generation: self.generation,
            commits: self.commits.len(),
            result: snapshot::write(dir, self).map_err(|e| e.to_string()),
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Takes a snapshot written by [`Index::write_snapshot_file`]: from now
    /// on records are read from it and those held in memory are let go. One
    /// written for an earlier generation (the index has moved on since) stays
    /// on disk as a cache for the next open but is not adopted.
    pub fn adopt_snapshot(&mut self, written: WrittenSnapshot) {
        let g = written.generation;
        self.snapshot_note = match written.result {
            Err(e) => format!("snapshot not written: {e}"),
            Ok(_) if g != self.generation => {
                format!(
                    "wrote snapshot g{g:06}; the index has moved on to g{:06}",
                    self.generation
                )
            }
            Ok((file, places)) => {
                self.records.restore(file, places);
                self.snapshot_commits = written.commits;
                format!(
                    "wrote snapshot g{g:06} ({} rows) in {:.1} s",
                    self.len(),
                    written.seconds
                )
            }
        };
    }

    /// Commits write the snapshot themselves when it is due (the default), or
    /// leave it to the caller ([`Index::snapshot_due`]) when `deferred`.
    pub fn set_snapshots_deferred(&mut self, deferred: bool) {
        self.snapshots_deferred = deferred;
    }

    /// True when the commits since the last snapshot hold more than a tenth of
    /// the rows or number more than [`SNAPSHOT_EVERY_COMMITS`]: a new snapshot
    /// keeps opening a snapshot read plus a short replay.
    pub fn snapshot_due(&self) -> bool {
        if self.dir.is_none() {
            return false;
        }
        let tail = &self.commits[self.snapshot_commits.min(self.commits.len())..];
        let records: u64 = tail
            .iter()
            .map(|c| match c {
                Commit::Upsert { records, .. } => *records,
                _ => 0,
            })
            .sum();
        records * 10 > self.ids.len() as u64 || tail.len() > SNAPSHOT_EVERY_COMMITS
    }

    fn maybe_snapshot(&mut self) {
        if !self.snapshots_deferred && self.snapshot_due() {
            self.write_snapshot();
        }
    }

    /// How the last open or commit used the snapshot, in words (for operators
    /// wondering why an open was slow).
    pub fn snapshot_note(&self) -> &str {
        &self.snapshot_note
    }

    /// Opens the committed generation of an index directory.
    pub fn open(dir: &Path) -> Result<Index> {
        let (manifest, note) = committed_manifest(dir)?;
        let mut index = Self::open_manifest(dir, manifest, true)?;
        index.commit_note = note;
        Ok(index)
    }

    /// Opens an older generation (for audit replays): rebuilt from its manifest
    /// and immutable segments, with the text index rebuilt in memory.
    pub fn open_generation(dir: &Path, generation: u64) -> Result<Index> {
        let (current, _) = committed_manifest(dir)?;
        if current.generation == generation {
            return Self::open_manifest(dir, current, true);
        }
        let path = dir.join("manifests").join(format!("m{generation:06}.json"));
        let bytes = std::fs::read(&path).map_err(|_| {
            index_error(
                dir,
                format!("generation {generation} is no longer available (no snapshot)"),
            )
        })?;
        let manifest = parse_manifest(&bytes, &path)?;
        Self::open_manifest(dir, manifest, false)
    }

    fn open_manifest(dir: &Path, manifest: Manifest, use_disk_text: bool) -> Result<Index> {
        check_taxonomy(dir, manifest.taxonomy.as_ref())?;
        let text_dir = dir.join("text");
        let disk_text = if use_disk_text {
            TextIndex::open(&text_dir).ok()
        } else {
            None
        };
        let mut index = Index::empty(Some(dir), TextIndex::create(None)?);
        let mut start = 0;
        index.snapshot_note = "no snapshot: replayed the segments".into();
        for (g, path) in snapshot::list(dir) {
            if g > manifest.generation {
                continue;
            }
            match snapshot::read(&path, &manifest.commits) {
                Ok(Some(loaded)) => {
                    start = loaded.commits;
                    index.snapshot_commits = start;
                    index.snapshot_note = format!(
                        "opened from snapshot g{g:06} ({start} of {} commits)",
                        manifest.commits.len()
                    );
                    snapshot::install(&mut index, loaded);
                    break;
                }
                Ok(None) => {}
                Err(why) => {
                    index.snapshot_note = format!(
                        "snapshot {} is damaged ({why}): replayed the segments",
                        path.display()
                    );
                }
            }
        }
        // Segments the snapshot covers are not read, but a missing, truncated or
        // extended one is still damage: the truth must stay replayable. (Their
        // sha256 was checked when the snapshot was written and is checked again
        // by every replay, so damage inside a segment can never reach a query.)
        for c in &manifest.commits[..start] {
            if let Commit::Upsert { file, bytes, .. } = c {
                check_segment_size(&dir.join("segments").join(file), *bytes)?;
            }
        }
        for c in &manifest.commits[start..] {
            match c {
                Commit::Upsert {
                    file,
                    records,
                    bytes,
                    sha256,
                    ..
                } => {
                    let path = dir.join("segments").join(file);
                    check_segment_size(&path, *bytes)?;
                    let (recs, stored_at) = if segment::is_framed(file) {
                        let bytes = read_checked(&path, sha256.as_deref())?;
                        let (locs, recs) = segment::parse(&path, &bytes)?.into_iter().unzip();
                        (recs, Some((file.clone(), locs)))
                    } else {
                        (read_stored(&path, sha256.as_deref())?, None)
                    };
                    if recs.len() as u64 != *records {
                        return Err(index_error(
                            &path,
                            format!("has {} records, the manifest says {records}", recs.len()),
                        ));
                    }
                    check_stored(&recs, &path)?;
                    index.apply_upserts(recs, stored_at);
                }
                Commit::Remove { ids, .. } => {
                    index.apply_removes(ids);
                }
                Commit::Outcome {
                    candidate_id,
                    result,
                    ..
                } => index.apply_outcome(candidate_id, *result),
            }
        }
        if let Some(f) = &manifest.vacancies {
            let path = dir.join("vacancies").join(f);
            let vacs: Vec<VacancyRecord> =
                read_stored(&path, manifest.vacancies_sha256.as_deref())?;
            check_stored(&vacs, &path)?;
            index.set_vacancies(vacs);
        }
        index.generation = manifest.generation;
        index.commits = manifest.commits;
        index.vacancies_file = manifest.vacancies;
        index.vacancies_sha256 = manifest.vacancies_sha256;
        match disk_text {
            Some(t)
                if t.payload().as_deref() == Some(index.generation.to_string().as_str())
                    && t.num_docs() == index.live.len() =>
            {
                t.reload()?;
                index.text = t;
            }
            _ => {
                // The text index is a cache of the records: out of step after a
                // crash between its commit and the manifest's, or for an old
                // generation. Rebuild it in memory; the next commit rewrites it.
                index.rebuild_text_in_memory()?;
                index.text_rebuilt = true;
            }
        }
        Ok(index)
    }

    /// Takes the writer lock of the directory (waiting for another process's
    /// commit up to the writer wait) and brings the index up to the committed
    /// generation, which another process may have moved on: every commit
    /// starts from the last. `None` for an in-memory index.
    fn lock_for_commit(&mut self) -> Result<Option<lock::WriterLock>> {
        let Some(dir) = self.dir.clone() else {
            return Ok(None);
        };
        let held = lock::WriterLock::acquire(&dir, &self.writer_wait)?;
        let (committed, _) = committed_manifest(&dir)?;
        if committed.generation < self.generation {
            return Err(index_error(
                &dir,
                format!(
                    "CURRENT is at generation {}, behind the generation {} this process opened: \
                     the index was rewound; `rosa audit verify` says what the log holds",
                    committed.generation, self.generation
                ),
            ));
        }
        if committed.generation > self.generation {
            // Another process committed since this index was opened: start from it.
            let mut fresh = Self::open_manifest(&dir, committed, true)?;
            fresh.inherit_settings(self);
            *self = fresh;
        }
        Ok(Some(held))
    }

    /// Commits a change; the caller holds the writer lock and the index is at
    /// the committed generation. The protocol: the change's files (segment),
    /// then the generation's manifest, then its audit record, synced (the point
    /// of no return: the commit has landed once its record is durable), then
    /// the `CURRENT` switch, then the text index (a cache). A failure before
    /// the point of no return removes what the commit wrote and changes
    /// nothing; after it, nothing fails (a `CURRENT` not switched is completed
    /// by the next open from the manifest and the log; a text index not
    /// written is rebuilt). Memory is updated only once the commit has landed.
    fn commit(
        &mut self,
        make: impl FnOnce(u64, &Path, &mut Vec<PathBuf>) -> Result<Commit>,
        text_ops: impl FnOnce(&mut TextWriter) -> Result<()>,
        log: CommitLog,
        cancelled: Option<&std::sync::atomic::AtomicBool>,
    ) -> Result<u64> {
        let generation = self.generation + 1;
        self.commit_note.clear();
        let Some(dir) = self.dir.clone() else {
            let commit = make(generation, Path::new(""), &mut Vec::new())?;
            self.commits.push(commit);
            self.generation = generation;
            return Ok(generation);
        };
        let mut written: Vec<PathBuf> = Vec::new();
        let landed = (|| {
            let commit = make(generation, &dir, &mut written)?;
            let mut commits = self.commits.clone();
            commits.push(commit);
            let manifest = Manifest {
                format: FORMAT_VERSION,
                generation,
                engine_version: crate::ENGINE_VERSION.to_string(),
                commits,
                vacancies: self.vacancies_file.clone(),
                vacancies_sha256: self.vacancies_sha256.clone(),
                audit: None,
                checksum: None,
                taxonomy: Some(crate::esco::active().id().clone()),
            };
            let m = manifest_path(&dir, generation);
            written.push(m.clone());
            write_manifest_file(&m, &manifest)?;
            if cancelled.is_some_and(|c| c.load(std::sync::atomic::Ordering::Acquire)) {
                return Err(Error::Cancelled);
            }
            let position = log.append(&dir, generation, &manifest.commits)?;
            Ok((manifest, position))
        })();
        let (mut manifest, position) = match landed {
            Ok(x) => x,
            Err(e) => {
                for f in written.iter().rev() {
                    let _ = std::fs::remove_file(f);
                }
                return Err(e);
            }
        };
        manifest.audit = Some(position);
        if let Err(e) = write_current(&dir, &manifest) {
            self.commit_note = format!(
                "generation {generation} is committed and logged, but CURRENT could not be \
                 switched ({e}): the next open completes the switch"
            );
        }
        self.commits = manifest.commits;
        self.generation = generation;
        let text = (|| {
            if self.text_rebuilt {
                // The disk copy is out of step: rewritten whole once the
                // commit is applied in memory.
                return Ok(None);
            }
            let mut writer = self.text.writer()?;
            text_ops(&mut writer)?;
            crate::fault::check(&dir.join("text"))?;
            writer.commit(&generation.to_string())?;
            Ok::<_, Error>(Some(()))
        })();
        self.text_pending = match text {
            Ok(Some(())) => TextPending::Reload,
            Ok(None) => TextPending::Rewrite,
            Err(e) => {
                let note =
                    format!("the text index was not written ({e}): it is rebuilt from the records");
                if self.commit_note.is_empty() {
                    self.commit_note = note;
                }
                TextPending::Rebuild
            }
        };
        Ok(generation)
    }

    /// Rewrites the text index on disk from the live records, committed with
    /// `generation`.
    fn rewrite_disk_text(&mut self, dir: &Path, generation: u64) -> Result<()> {
        let text_dir = dir.join("text");
        let _ = std::fs::remove_dir_all(&text_dir);
        create_private_dir(&text_dir)?;
        let t = TextIndex::create(Some(&text_dir))?;
        let mut w = t.writer()?;
        for row in self.live.iter() {
            w.add(row, &self.record_once(row).cv_text)?;
        }
        crate::fault::check(&text_dir)?;
        w.commit(&generation.to_string())?;
        self.text = t;
        self.text_rebuilt = false;
        Ok(())
    }

    /// Brings the searchable text index up to the rows in memory after a commit.
    fn finish_text(&mut self) {
        let pending = std::mem::replace(&mut self.text_pending, TextPending::Reload);
        let done = match pending {
            TextPending::Reload => self.text.reload(),
            TextPending::Rewrite => {
                let dir = self.dir.clone().expect("on disk");
                let g = self.generation;
                self.rewrite_disk_text(&dir, g)
                    .and_then(|()| self.text.reload())
            }
            TextPending::Rebuild => Err(Error::Text(String::new())),
        };
        if done.is_err() {
            // Disk text out of step: searches use a copy in memory, and the
            // next commit rewrites the disk copy.
            if self.rebuild_text_in_memory().is_ok() {
                self.text_rebuilt = true;
            }
        }
    }

    /// Adds or replaces candidates (validated first: all errors reported, nothing
    /// changed). Visible to the next query; returns the new generation.
    pub fn upsert(&mut self, records: Vec<CandidateRecord>) -> Result<u64> {
        self.upsert_unless(records, None)
    }

    /// Like [`Index::upsert`], committing nothing if `cancelled` is set before
    /// the commit's point of no return (a gRPC stream whose client went away
    /// while it waited for the writer lock): [`Error::Cancelled`].
    pub fn upsert_unless(
        &mut self,
        records: Vec<CandidateRecord>,
        cancelled: Option<&std::sync::atomic::AtomicBool>,
    ) -> Result<u64> {
        check_all(&records, "candidates")?;
        let _lock = self.lock_for_commit()?;
        let plan = self.plan(&records);
        let n = records.len() as u64;
        let in_memory = self.dir.is_none();
        let log = CommitLog::new(
            "upsert",
            if in_memory {
                serde_json::Value::Null // no log in memory
            } else {
                serde_json::json!({"records_hash": crate::digest::hash_json(&records), "records": records.len()})
            },
        );
        let mut stored_at = None;
        let generation = self.commit(
            |generation, dir, written| {
                let file = segment::file_name(generation);
                let (bytes, sha256) = if in_memory {
                    (0, None)
                } else {
                    let path = dir.join("segments").join(&file);
                    written.push(path.clone());
                    let (bytes, sha, at) = write_segment_atomic(&path, &records)?;
                    stored_at = Some((file.clone(), at));
                    (bytes, Some(sha))
                };
                Ok(Commit::Upsert {
                    generation,
                    file,
                    records: n,
                    bytes,
                    sha256,
                })
            },
            |w| {
                for (r, (row, replaces)) in records.iter().zip(&plan.rows) {
                    if *replaces {
                        w.delete(*row);
                    }
                    w.add(*row, &r.cv_text)?;
                }
                Ok(())
            },
            log,
            cancelled,
        )?;
        self.apply_upserts(records, stored_at);
        if in_memory {
            self.rebuild_text_in_memory()?;
        } else {
            self.finish_text();
        }
        self.maybe_snapshot();
        Ok(generation)
    }

    /// Removes candidates by id; unknown ids are an error naming them, and
    /// nothing is changed. Returns the new generation.
    pub fn remove(&mut self, ids: &[String]) -> Result<u64> {
        let _lock = self.lock_for_commit()?;
        let mut errors = InputErrors::default();
        for (i, id) in ids.iter().enumerate() {
            if !self.by_id.get(id).is_some_and(|r| self.live.contains(*r)) {
                errors.push(FieldError::new("id", "no such candidate in the index").at(
                    "ids",
                    i + 1,
                    id,
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        let rows: Vec<u32> = ids.iter().map(|id| self.by_id[id]).collect();
        let ids_owned = ids.to_vec();
        let in_memory = self.dir.is_none();
        let log = CommitLog::new("remove", serde_json::json!({"ids": ids}));
        let generation = self.commit(
            |generation, _, _| {
                Ok(Commit::Remove {
                    generation,
                    ids: ids_owned,
                })
            },
            |w| {
                for r in &rows {
                    w.delete(*r);
                }
                Ok(())
            },
            log,
            None,
        )?;
        self.apply_removes(ids);
        if in_memory {
            self.rebuild_text_in_memory()?;
        } else {
            self.finish_text();
        }
        self.maybe_snapshot();
        Ok(generation)
    }

    /// Records an outcome; `hired` takes the person out of the available pool.
    pub fn record_outcome(
        &mut self,
        vacancy_id: &str,
        candidate_id: &str,
        result: OutcomeKind,
    ) -> Result<u64> {
        if !crate::model::is_valid_id(vacancy_id) {
            return Err(Error::input(FieldError::new(
                "vacancy",
                format!("not a vacancy id: {vacancy_id:?}"),
            )));
        }
        let _lock = self.lock_for_commit()?;
        if !self
            .by_id
            .get(candidate_id)
            .is_some_and(|r| self.live.contains(*r))
        {
            return Err(Error::NotFound(format!(
                "candidate {candidate_id:?} is not in the index"
            )));
        }
        let (v, c) = (vacancy_id.to_string(), candidate_id.to_string());
        let mut log = CommitLog::new(
            "outcome",
            serde_json::json!({"vacancy_id": vacancy_id, "candidate_id": candidate_id, "result": result}),
        );
        log.vacancy_id = Some(v.clone());
        log.candidate_id = Some(c.clone());
        let generation = self.commit(
            |generation, _, _| {
                Ok(Commit::Outcome {
                    generation,
                    vacancy_id: v,
                    candidate_id: c,
                    result,
                })
            },
            |_| Ok(()),
            log,
            None,
        )?;
        self.apply_outcome(candidate_id, result);
        if self.dir.is_some() {
            self.finish_text();
        }
        self.maybe_snapshot();
        Ok(generation)
    }

    /// How commits wait for another process's commit before failing with
    /// [`Error::Locked`] (default: [`lock::DEFAULT_WAIT`], telling no one).
    pub fn set_writer_wait(&mut self, wait: lock::WriterWait) {
        self.writer_wait = wait;
    }

    /// Takes over the settings of `other` (snapshot deferral, writer wait):
    /// an index opened to replace it behaves as it did.
    pub fn inherit_settings(&mut self, other: &Index) {
        self.snapshots_deferred = other.snapshots_deferred;
        self.writer_wait = other.writer_wait.clone();
    }

    /// What the last open or commit had to say beyond success: a `CURRENT`
    /// completed from the log, or a switch or text index left to the next
    /// open (empty when nothing).
    pub fn commit_note(&self) -> &str {
        &self.commit_note
    }

    /// The directory, for a persisted index.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The committed generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The commits since the last full build.
    pub fn commits(&self) -> &[Commit] {
        &self.commits
    }

    /// Number of rows (including removed ones, which are never in a pool).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Rows of candidates currently indexed (not removed).
    pub fn live(&self) -> &RoaringBitmap {
        &self.live
    }

    /// Rows of people with a `hired` outcome: not available for new rosters.
    pub fn hired(&self) -> &RoaringBitmap {
        &self.hired
    }

    /// Whether the text index was rebuilt in memory on open.
    pub fn text_rebuilt(&self) -> bool {
        self.text_rebuilt
    }

    /// The record of a row. On an index opened from its snapshot, the first
    /// call for a row reads it from disk; it is kept for later calls.
    pub fn record(&self, row: u32) -> &CandidateRecord {
        let i = row as usize;
        self.records.get(i, || self.ids[i].clone())
    }

    /// The record of a row, not kept in memory if it was not (for passes over
    /// every row).
    pub(crate) fn record_once(&self, row: u32) -> std::borrow::Cow<'_, CandidateRecord> {
        let i = row as usize;
        self.records.peek(i, || self.ids[i].clone())
    }

    /// Records of an index opened from its snapshot whose stored bytes did not
    /// decode, so far (0 unless the file was changed behind the engine): such a
    /// row reads as a record with only its id.
    pub fn unreadable_records(&self) -> u64 {
        self.records.unreadable()
    }

    /// An error naming the file once a stored record could not be read back
    /// (its bytes changed behind the engine): an answer built on it would
    /// hold a bare id where a record belongs, so rosters, explanations and
    /// offers end with this check and report the damage instead.
    pub fn check_records(&self) -> Result<()> {
        match self.records.damage() {
            None => Ok(()),
            Some((path, why)) => Err(index_error(
                path,
                format!("{why}: the index is damaged, rebuild it"),
            )),
        }
    }

    /// The candidate id of a row.
    pub fn id(&self, row: u32) -> &str {
        &self.ids[row as usize]
    }

    /// The features of a row.
    pub fn features(&self, row: u32) -> &Features {
        &self.features[row as usize]
    }

    /// [`Features::comune_eqf`] of every row, by row.
    pub fn comune_eqf(&self) -> &[(ComuneId, u8)] {
        &self.comune_eqf
    }

    /// What the graduatoria modes read of a row.
    pub fn ranking_inputs(&self, row: u32) -> &crate::graduatoria::Inputs {
        &self.ranking[row as usize]
    }

    /// What the functional-compatibility rule reads of a row.
    pub fn functional_profile(&self, row: u32) -> &crate::law::FunctionalProfile {
        &self.profiles[row as usize]
    }

    /// The row of a live candidate id.
    pub fn row_of(&self, id: &str) -> Option<u32> {
        self.by_id
            .get(id)
            .copied()
            .filter(|r| self.live.contains(*r))
    }

    /// The skill vocabulary.
    pub fn vocab(&self) -> &SkillVocab {
        &self.vocab
    }

    /// Label resolutions made so far.
    pub fn labels(&self) -> &LabelCache {
        &self.labels
    }

    /// The filter bitmaps (over live rows).
    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    /// The text index.
    pub fn text(&self) -> &TextIndex {
        &self.text
    }

    /// Open vacancies indexed with the candidates.
    pub fn vacancies(&self) -> &[VacancyRecord] {
        &self.vacancies
    }

    /// An indexed vacancy by id.
    pub fn vacancy(&self, id: &str) -> Option<&VacancyRecord> {
        self.vacancy_by_id.get(id).map(|&i| &self.vacancies[i])
    }
}

/// Creates a new file readable by its owner only (0600); an existing one is an error.
pub(crate) fn create_private_file(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

pub(crate) fn create_private_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|e| Error::io(path, e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io(path, e))
}

pub(crate) fn sync_dir(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Writes `path` whole or not at all: `write` fills the private temporary
/// file `tmp`, which is then fsynced and renamed over `path`, and the
/// directory fsynced. Returns what `write` returns.
pub(crate) fn write_atomically<T>(
    path: &Path,
    tmp: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<T>,
) -> Result<T> {
    let _ = std::fs::remove_file(tmp);
    let written = (|| -> Result<T> {
        crate::fault::check(tmp)?;
        let mut file = create_private_file(tmp)?;
        let out = write(&mut file)?;
        crate::fault::check(tmp)?;
        file.sync_all().map_err(|e| Error::io(tmp, e))?;
        drop(file);
        crate::fault::check(path)?;
        std::fs::rename(tmp, path).map_err(|e| Error::io(path, e))?;
        Ok(out)
    })();
    if written.is_err() {
        // A failed write (a full disk) leaves no temporary file behind.
        let _ = std::fs::remove_file(tmp);
    }
    let out = written?;
    if let Some(parent) = path.parent() {
        crate::fault::check(parent)?;
        sync_dir(parent)?;
    }
    Ok(out)
}

/// Counts and hashes what passes through to `inner`.
struct Hashing<W> {
    inner: W,
    bytes: u64,
    hash: sha2::Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `path` with `body` through a temporary file, fsync and rename;
/// returns the file's size, its `sha256:<hex>` and what `body` returned.
fn write_hashed_atomic<T>(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<T>,
) -> Result<(u64, String, T)> {
    use sha2::Digest;
    let tmp = path.with_extension("tmp");
    write_atomically(path, &tmp, |file| {
        let mut w = Hashing {
            inner: std::io::BufWriter::with_capacity(1 << 20, file),
            bytes: 0,
            hash: sha2::Sha256::new(),
        };
        let out = body(&mut w)
            .and_then(|out| w.flush().map(|()| out))
            .map_err(|e| Error::io(&tmp, e))?;
        let sha = format!("sha256:{}", crate::digest::hex(&w.hash.finalize()));
        Ok((w.bytes, sha, out))
    })
}

/// Writes candidate records as a segment ([`segment`]); returns the file's
/// size, its `sha256:<hex>` and where each record lies in it.
fn write_segment_atomic(
    path: &Path,
    records: &[CandidateRecord],
) -> Result<(u64, String, Vec<Loc>)> {
    write_hashed_atomic(path, |w| segment::write(w, records))
}

/// Writes records as JSON lines; returns the file's size and `sha256:<hex>`.
fn write_jsonl_atomic<T: Serialize>(path: &Path, records: &[T]) -> Result<(u64, String)> {
    let (bytes, sha, ()) = write_hashed_atomic(path, |w| {
        let mut line = Vec::with_capacity(4096);
        for r in records {
            line.clear();
            serde_json::to_writer(&mut line, r).expect("records serialise");
            line.push(b'\n');
            w.write_all(&line)?;
        }
        Ok(())
    })?;
    Ok((bytes, sha))
}

/// Reads a file of records the index wrote, checking its `sha256:<hex>` when
/// the manifest recorded one.
fn read_stored<R: serde::de::DeserializeOwned + Send>(
    path: &Path,
    sha256: Option<&str>,
) -> Result<Vec<R>> {
    let bytes = read_checked(path, sha256)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| index_error(path, "not UTF-8: the index is damaged, rebuild it"))?;
    let lines: Vec<&str> = text.lines().collect();
    lines
        .par_iter()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                index_error(
                    path,
                    format!("line {}: {e}: the index is damaged, rebuild it", i + 1),
                )
            })
        })
        .collect()
}

/// Reads a file the index wrote, checking its `sha256:<hex>` when the
/// manifest recorded one.
fn read_checked(path: &Path, sha256: Option<&str>) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if let Some(want) = sha256 {
        let got = crate::digest::sha256(&bytes);
        if got != want {
            return Err(index_error(
                path,
                format!(
                    "checksum is {got}, the manifest says {want}: the index is damaged, rebuild it"
                ),
            ));
        }
    }
    Ok(bytes)
}

fn write_atomic(path: &Path, body: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    write_atomically(path, &tmp, |f| {
        f.write_all(body).map_err(|e| Error::io(&tmp, e))
    })
}

fn manifest_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join("manifests").join(format!("m{generation:06}.json"))
}

fn manifest_body(m: &Manifest) -> Vec<u8> {
    let mut m = m.clone();
    m.checksum = Some(m.compute_checksum());
    serde_json::to_vec_pretty(&m).expect("manifest serialises")
}

/// Writes a generation's manifest to `manifests/` (before its audit record).
fn write_manifest_file(path: &Path, m: &Manifest) -> Result<()> {
    write_atomic(path, &manifest_body(m))
}

/// Switches `CURRENT` to a manifest that carries its audit position.
fn write_current(dir: &Path, m: &Manifest) -> Result<()> {
    write_atomic(&dir.join("CURRENT"), &manifest_body(m))
}

/// Rewrites `CURRENT` with `m` (`rosa audit repair`, after recording the
/// generation again).
pub fn write_current_manifest(dir: &Path, m: &Manifest) -> Result<()> {
    write_current(dir, m)
}

/// The newest generation that has a manifest in `manifests/`, if any.
pub fn newest_manifest(dir: &Path) -> Result<Option<u64>> {
    let mdir = dir.join("manifests");
    let entries = match std::fs::read_dir(&mdir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&mdir, e)),
    };
    let mut newest = None;
    for e in entries.flatten() {
        let name = e.file_name();
        let g = name
            .to_str()
            .and_then(|n| n.strip_prefix('m'))
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(g) = g {
            newest = newest.max(Some(g));
        }
    }
    Ok(newest)
}

/// The committed generation's manifest: `CURRENT`, checked against the audit
/// log and the manifests. A commit is committed once its audit record is
/// durable, so a manifest one generation past `CURRENT` whose record is in the
/// log is the committed one (its `CURRENT` switch did not happen): it is
/// adopted, and `CURRENT` completed when no commit is under way. `CURRENT`
/// behind the log or more than one manifest behind is a rewind: an error that
/// says so. Returns the manifest and a note on what was completed (or empty).
pub fn committed_manifest(dir: &Path) -> Result<(Manifest, String)> {
    let current = read_manifest(dir)?;
    let k = current.generation;
    let newest = newest_manifest(dir)?.unwrap_or(k);
    let rewound = |what: String| {
        index_error(
            dir,
            format!(
                "CURRENT is at generation {k}, but {what}: CURRENT was rewound (replaced by an \
                 older manifest). Nothing was opened; `rosa audit verify` lists what the log holds, \
                 and putting back manifests/m{newest:06}.json as CURRENT undoes the rewind if \
                 that generation is the log's last commit"
            ),
        )
    };
    if newest > k + 1 {
        return Err(rewound(format!(
            "manifests/ holds generations up to {newest}"
        )));
    }
    let mut note = String::new();
    let committed = if newest == k + 1 {
        let path = manifest_path(dir, newest);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let next = parse_manifest(&bytes, &path)?;
        let out = crate::digest::hash_json(&next.commits);
        match crate::journal::find_commit(dir, newest, &out)? {
            None => current, // a commit under way, or one that never reached its record
            Some(pos) => {
                let mut next = next;
                next.audit = Some(pos);
                note = format!(
                    "generation {newest} was committed and logged but CURRENT still named {k}: completed from manifests/m{newest:06}.json"
                );
                // Completed on disk only when no commit is under way.
                if let Ok(held) = lock::WriterLock::acquire(
                    dir,
                    &lock::WriterWait {
                        wait: std::time::Duration::ZERO,
                        on_wait: None,
                    },
                ) {
                    if write_current(dir, &next).is_err() {
                        note.push_str(" (in memory: CURRENT could not be rewritten)");
                    }
                    drop(held);
                }
                next
            }
        }
    } else {
        current
    };
    if let Some(pos) = &committed.audit {
        let last = crate::journal::check_position(dir, pos, committed.generation)?;
        if last > committed.generation {
            return Err(rewound(format!(
                "the audit log's last record is of generation {last}"
            )));
        }
    }
    Ok((committed, note))
}

/// Parses a manifest and checks its checksum (when it has one).
fn parse_manifest(bytes: &[u8], path: &Path) -> Result<Manifest> {
    let m: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| index_error(path, format!("unreadable manifest: {e}")))?;
    if let Some(want) = &m.checksum {
        let got = m.compute_checksum();
        if &got != want {
            return Err(index_error(
                path,
                format!(
                    "manifest checksum is {got}, it says {want}: the index is damaged, rebuild it"
                ),
            ));
        }
    }
    Ok(m)
}

/// Reads `DIR/CURRENT`.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let cur = dir.join("CURRENT");
    let bytes = std::fs::read(&cur).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => index_error(
            dir,
            "no index here (CURRENT is missing): build one with `rosa index build`",
        ),
        _ => Error::io(&cur, e),
    })?;
    let m = parse_manifest(&bytes, &cur)?;
    if m.format != FORMAT_VERSION {
        return Err(index_error(
            &cur,
            format!(
                "format {} is not supported (this engine reads format {FORMAT_VERSION})",
                m.format
            ),
        ));
    }
    let bad_name = |f: &str| f.contains('/') || f.contains("..") || f.is_empty();
    for c in &m.commits {
        if let Commit::Upsert { file, .. } = c {
            if bad_name(file) {
                return Err(index_error(&cur, format!("bad segment name {file:?}")));
            }
        }
    }
    if m.vacancies.as_deref().is_some_and(bad_name) {
        return Err(index_error(&cur, "bad vacancies file name"));
    }
    Ok(m)
}
