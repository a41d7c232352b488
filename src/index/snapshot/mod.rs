//! Binary checkpoint of an index generation: the records, their derived
//! features, the filter bitmaps, the skill vocabulary and the label ties, in a
//! form that opens without parsing JSON or deriving anything again.
//!
//! The JSON segments stay the truth (the manifest names them with their
//! sha256). A snapshot is a cache of them, like the text index: written by
//! `index build`, read by [`super::Index::open`] when it covers a prefix of the
//! manifest's commits, and ignored (the segments are replayed instead) when it
//! is missing, for another commit history, or damaged.
//!
//! **Layout** (little endian): the magic `ROSASNP1`; a header (format, the
//! generation and the number of commits covered, the manifest hash of those
//! commits); the row count and the chunk table (rows, offset, length and
//! CRC-32 of every chunk of [`CHUNK_ROWS`] rows); the chunks, each a head
//! (per row: id, features, graduatoria inputs, functional profile, and where
//! the record is: a line of a segment file, or the length of its encoding
//! here) and then the records encoded here (only those replayed from
//! `.jsonl` segments of older indexes: a record is never stored twice); then
//! the tail (live and hired bitmaps, vocabulary, labels, filters, the names of
//! the segment files) with its own length and CRC-32. Chunks are read with `pread` and checked
//! whole, and their heads decoded in parallel as rayon tasks, in file order and
//! straight into their rows, while the calling thread reads ahead. Records are
//! not decoded on open: the index keeps their places and reads one when it is
//! asked for (`super::records`), so opening allocates about what the features
//! and bitmaps need.
//!
//! **Invariants.** A snapshot is written through a temporary file, fsync and
//! rename, so it is whole or absent. Decoding never panics on any bytes: every
//! read is bounds-checked and every CRC is checked before a chunk is decoded.
//! Values the engine uses as indexes (comune ids, skill keys, rows) are checked
//! against their ranges.
//!
//! The files: this one holds the layout's constants, `Loaded`, the file names
//! and `install`; `write` (chunks encoded in parallel, then the tail), `read`
//! (header and chunk table, tail, chunks, each its own function), `record`
//! (one `CandidateRecord`), `rows` (features, graduatoria inputs, functional
//! profile), `tests`. The byte codec is `crate::codec`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use roaring::RoaringBitmap;

use super::records::{Place, Records};
use super::segment::Loc;
use super::{Features, Index, LanguageLevel, Occupation, SkillFeature, SkillVocab};
pub(crate) use crate::codec::{Bad, Dec, Enc};
use crate::error::{Error, Result};
use crate::geo::Comuni;
use crate::graduatoria::Inputs;
use crate::law::FunctionalProfile;
use crate::model::{
    Availability, Benefit, BenefitScheme, CandidateRecord, CandidateSkill, Cefr, ContractType,
    Experience, Language, OccupationMapping, RankingData, Support, Targeted, TargetedList,
};

mod read;
mod record;
mod rows;
mod write;

pub(crate) use read::read;
pub(crate) use record::decode_record;
use record::put_record;
use rows::{get_features, get_inputs, get_profile, put_features, put_inputs, put_profile};
pub(crate) use write::write;

const MAGIC: &[u8; 8] = b"ROSASNP1";
/// Version of the snapshot layout; another one is ignored (the segments are
/// replayed).
const SNAPSHOT_FORMAT: u32 = 6;
/// Rows per chunk: the unit of parallel decoding.
pub(crate) const CHUNK_ROWS: usize = 16_384;

/// What a snapshot holds, decoded.
pub(crate) struct Loaded {
    /// Commits of the manifest it covers (a prefix).
    pub(crate) commits: usize,
    pub(crate) ids: Vec<String>,
    pub(crate) features: Vec<Features>,
    pub(crate) ranking: Vec<Inputs>,
    pub(crate) profiles: Vec<FunctionalProfile>,
    /// The file, which holds the records not in a segment.
    pub(crate) file: std::fs::File,
    /// Where each row's record is.
    pub(crate) places: Vec<Place>,
    /// The segment files [`Place::Segment`] numbers.
    pub(crate) segments: Vec<String>,
    pub(crate) live: RoaringBitmap,
    pub(crate) hired: RoaringBitmap,
    pub(crate) vocab_names: Vec<String>,
    pub(crate) labels: Vec<(String, Option<(u32, f32)>)>,
    pub(crate) filters: crate::filters::Filters,
}

/// The snapshot file of a generation.
pub(crate) fn path(dir: &Path, generation: u64) -> PathBuf {
    dir.join("snapshots").join(format!("g{generation:06}.bin"))
}

/// The snapshots in `dir`, newest generation first.
pub(crate) fn list(dir: &Path) -> Vec<(u64, PathBuf)> {
    let Ok(rd) = std::fs::read_dir(dir.join("snapshots")) else {
        return Vec::new();
    };
    let mut found: Vec<(u64, PathBuf)> = rd
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let g = name.strip_prefix('g')?.strip_suffix(".bin")?.parse().ok()?;
            Some((g, e.path()))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found
}

/// The hash that ties a snapshot to the commits it covers.
pub(crate) fn commits_hash(commits: &[super::Commit]) -> String {
    crate::digest::hash_json(commits)
}

/// A record that allocates nothing, to be overwritten.
pub(crate) fn placeholder_record() -> CandidateRecord {
    CandidateRecord {
        id: String::new(),
        domicile: String::new(),
        did_date: None,
        availability_confirmed: None,
        education_eqf: None,
        experiences: Vec::new(),
        desired_isco: Vec::new(),
        skills: Vec::new(),
        languages: Vec::new(),
        licences: Vec::new(),
        availability: Availability {
            max_km: 0,
            contracts: Vec::new(),
            full_time: false,
            part_time: false,
            shifts: false,
            nights: false,
        },
        benefit: None,
        children_under_14: false,
        targeted: None,
        ranking: None,
        cv_text: String::new(),
        occupation_mappings: Vec::new(),
    }
}

/// Installs a decoded snapshot into an empty index.
pub(crate) fn install(index: &mut Index, s: Loaded) {
    index.by_id = HashMap::with_capacity(s.ids.len());
    for (row, id) in s.ids.iter().enumerate() {
        index.by_id.insert(id.clone(), row as u32);
    }
    index.ids = s.ids;
    let segments = index
        .dir
        .as_deref()
        .unwrap_or(Path::new(""))
        .join("segments");
    index.records = Records::stored(s.file, segments, s.segments, s.places);
    index.comune_eqf = s.features.iter().map(Features::comune_eqf).collect();
    index.features = s.features;
    index.ranking = s.ranking;
    index.profiles = s.profiles;
    index.live = s.live;
    index.hired = s.hired;
    for n in s.vocab_names {
        index.vocab.intern(n);
    }
    index.labels.map = s.labels.into_iter().collect();
    index.filters = s.filters;
    index.filters.derive(&index.features);
}

#[cfg(test)]
mod tests;
