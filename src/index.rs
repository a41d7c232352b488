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
//!
//! The files, one job each: this one holds `Index`, its settings and its
//! accessors; `build` (build in memory or into a directory), `open` (a
//! generation, from a snapshot and the commits after it), `commit` (the commit
//! protocol: `upsert`, `remove`, `record_outcome`), `rows` (records validated,
//! features derived, upserts planned and applied, vacancies), `labels` (skill
//! vocabulary and label cache), `dates` (the per-date availability cache),
//! `schedule` (when snapshots are written and adopted), `manifest` (commits,
//! manifests, `CURRENT`), `files` (private atomic files), and `lock`,
//! `segment`, `records`, `snapshot`. The store imports no query, rule, roster
//! or audit verification (ARCHITECTURE.md, Layers).

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

mod build;
mod commit;
mod dates;
mod files;
mod labels;
pub mod lock;
mod manifest;
mod open;
mod records;
mod rows;
mod schedule;
mod segment;
pub(crate) mod snapshot;

use commit::{CommitLog, TextPending};
pub use dates::DateBitmaps;
pub(crate) use files::{create_private_dir, write_atomically};
use files::{read_checked, read_stored, write_atomic, write_jsonl_atomic, write_segment_atomic};
use labels::{label_key_name, resolve, Resolution};
pub use labels::{LabelCache, ResolvedSkill, SkillVocab};
pub use manifest::{
    committed_manifest, newest_manifest, read_manifest, write_current_manifest, Commit, Manifest,
    OutcomeKind,
};
use manifest::{manifest_path, parse_manifest, write_current, write_manifest_file};
use rows::{check_all, check_segment_size, check_stored, check_taxonomy, index_error};

use records::{Place, Records};
use segment::Loc;

/// Commits after the newest snapshot beyond which a commit writes a new one.
pub const SNAPSHOT_EVERY_COMMITS: usize = 256;

/// Version of the on-disk format; a different one is refused on open.
pub const FORMAT_VERSION: u32 = 1;
/// Lowest label similarity at which a free label is tied to an ESCO skill in the
/// index; the policy's `scoring.label_threshold` (default 0.85) filters further at query time.
pub const LABEL_FLOOR: f32 = 0.80;

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
