//! The candidate records of an index: held in memory when they were built,
//! upserted or replayed, and otherwise read on demand (and then kept) from
//! where they are stored: their line in a segment file ([`super::segment`]),
//! or, for records of indexes written before segments were framed, their
//! encoding in the snapshot file.
//!
//! The eligibility pass and the scoring loop of the scored modes read
//! [`super::Features`] only; records are read for the roster's entries, for
//! explanations, and by the rules and graduatoria modes that need their
//! detail. So an index opened from its snapshot allocates a record only when
//! it is asked for, and no record is stored twice on disk.
//!
//! **Invariants.** Every row is held in memory or has a [`Place`] other than
//! [`Place::Held`]. Segment and snapshot files are written whole and renamed,
//! never changed in place; segments are never removed, and the open snapshot
//! handle keeps a replaced one readable, so a place reads back the bytes that
//! were written (a frame's CRC is checked on every read, a snapshot chunk's
//! when it was opened). A row replaced in memory takes the place of its new
//! record. A read that still fails (a file changed behind the engine) never
//! panics: the row reads as a record with only its id, and
//! [`Records::unreadable`] counts it.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use super::segment::{self, Loc};
use super::snapshot::{self, Bad};
use crate::model::CandidateRecord;

/// Where a row's record is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// Only in memory (an index without a directory, or a record replayed
    /// from a `.jsonl` segment until a snapshot stores it).
    Held,
    /// `(offset, length)` of its encoding in the snapshot file.
    Snapshot(u64, u32),
    /// A line of the segment numbered `.0` in [`Records::segment_names`].
    Segment(u32, Loc),
}

/// Records by row.
#[derive(Default)]
pub(crate) struct Records {
    /// Records held in memory (built, upserted, replayed, or read and kept).
    slots: Vec<OnceLock<Box<CandidateRecord>>>,
    places: Vec<Place>,
    /// The snapshot file of the [`Place::Snapshot`] rows.
    snapshot: Option<File>,
    segments: Segments,
    unreadable: AtomicU64,
    /// The first record that could not be read: its file and why.
    damage: OnceLock<(PathBuf, String)>,
}

/// The segment files records are read from, opened when first read.
#[derive(Default)]
struct Segments {
    /// `DIR/segments`.
    dir: PathBuf,
    names: Vec<String>,
    files: Vec<OnceLock<Option<File>>>,
    /// Tells this index's frames from another's in the per-thread frame cache.
    id: u64,
}

impl Segments {
    fn file(&self, n: u32) -> Option<&File> {
        let slot = self.files.get(n as usize)?;
        slot.get_or_init(|| File::open(self.dir.join(&self.names[n as usize])).ok())
            .as_ref()
    }
}

/// A frame read: (segments id, segment number, frame offset) and its raw bytes.
type Frame = ((u64, u32, u64), Arc<Vec<u8>>);

thread_local! {
    /// The frame this thread read last: records next to each other (a pass
    /// over rows, a roster's entries in one frame) cost one decompression.
    static LAST_FRAME: RefCell<Option<Frame>> = const { RefCell::new(None) };
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Records {
    /// Records stored in segments and a snapshot file, none in memory yet.
    pub(crate) fn stored(
        snapshot: File,
        segments_dir: PathBuf,
        names: Vec<String>,
        places: Vec<Place>,
    ) -> Self {
        Records {
            slots: (0..places.len()).map(|_| OnceLock::new()).collect(),
            places,
            snapshot: Some(snapshot),
            segments: Segments {
                dir: segments_dir,
                files: (0..names.len()).map(|_| OnceLock::new()).collect(),
                names,
                id: next_id(),
            },
            unreadable: AtomicU64::new(0),
            damage: OnceLock::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Registers a segment file of `segments_dir` records will be read from;
    /// returns its number for [`Place::Segment`].
    pub(crate) fn add_segment(&mut self, segments_dir: &std::path::Path, name: &str) -> u32 {
        if self.segments.id == 0 {
            self.segments.id = next_id();
        }
        self.segments.dir = segments_dir.to_path_buf();
        if let Some(n) = self.segments.names.iter().position(|s| s == name) {
            // A commit that failed and was written again under the same name.
            self.segments.files[n] = OnceLock::new();
            return n as u32;
        }
        self.segments.names.push(name.to_string());
        self.segments.files.push(OnceLock::new());
        (self.segments.names.len() - 1) as u32
    }

    /// The segment files [`Place::Segment`] numbers.
    pub(crate) fn segment_names(&self) -> &[String] {
        &self.segments.names
    }

    /// Where a row's record is stored.
    pub(crate) fn place(&self, row: usize) -> Place {
        self.places[row]
    }

    /// The record of a row, read (and kept) the first time.
    /// `id` names the row should its bytes not decode.
    pub(crate) fn get(&self, row: usize, id: impl FnOnce() -> String) -> &CandidateRecord {
        self.slots[row].get_or_init(|| Box::new(self.read_or_placeholder(row, id)))
    }

    /// The record of a row without keeping it in memory (for passes over every
    /// row: a snapshot write, a text index rebuild).
    pub(crate) fn peek(&self, row: usize, id: impl FnOnce() -> String) -> Cow<'_, CandidateRecord> {
        match self.slots[row].get() {
            Some(r) => Cow::Borrowed(r),
            None => Cow::Owned(self.read_or_placeholder(row, id)),
        }
    }

    fn read_or_placeholder(&self, row: usize, id: impl FnOnce() -> String) -> CandidateRecord {
        match self.read(row) {
            Ok(r) => r,
            Err(why) => {
                self.unreadable.fetch_add(1, Ordering::Relaxed);
                let id = id();
                let file = match self.places[row] {
                    Place::Segment(n, _) => {
                        self.segments.dir.join(&self.segments.names[n as usize])
                    }
                    _ => PathBuf::from("snapshots"),
                };
                let _ = self.damage.set((file, format!("record of {id}: {why}")));
                CandidateRecord {
                    id,
                    ..snapshot::placeholder_record()
                }
            }
        }
    }

    fn read(&self, row: usize) -> std::result::Result<CandidateRecord, Bad> {
        match self.places[row] {
            Place::Held => Err("not stored".into()),
            Place::Snapshot(offset, len) => {
                snapshot::decode_record(&self.snapshot_bytes(offset, len as usize)?)
            }
            Place::Segment(n, loc) => {
                let raw = self.frame(n, loc)?;
                let (at, end) = (loc.at as usize, loc.at as usize + loc.len as usize);
                let line = raw
                    .get(at..end)
                    .ok_or("the record lies outside its frame")?;
                serde_json::from_slice(line).map_err(|e| e.to_string())
            }
        }
    }

    /// The raw bytes of a segment frame, through the thread's frame cache.
    fn frame(&self, n: u32, loc: Loc) -> std::result::Result<Arc<Vec<u8>>, Bad> {
        let key = (self.segments.id, n, loc.frame);
        if let Some(raw) = LAST_FRAME.with_borrow(|last| {
            last.as_ref()
                .filter(|(k, _)| *k == key)
                .map(|(_, raw)| raw.clone())
        }) {
            return Ok(raw);
        }
        let file = self
            .segments
            .file(n)
            .ok_or_else(|| format!("segment {n} cannot be opened"))?;
        let raw = Arc::new(segment::read_frame(file, loc)?);
        LAST_FRAME.with_borrow_mut(|last| *last = Some((key, raw.clone())));
        Ok(raw)
    }

    /// Reads `len` bytes at `offset` of the snapshot file.
    pub(crate) fn snapshot_bytes(
        &self,
        offset: u64,
        len: usize,
    ) -> std::result::Result<Vec<u8>, Bad> {
        let file = self.snapshot.as_ref().ok_or("no snapshot")?;
        let mut buf = vec![0u8; len];
        file.read_exact_at(&mut buf, offset)
            .map_err(|e| e.to_string())?;
        Ok(buf)
    }

    /// Replaces the record of a row.
    pub(crate) fn set(&mut self, row: usize, r: CandidateRecord, place: Place) {
        self.slots[row] = OnceLock::from(Box::new(r));
        self.places[row] = place;
    }

    /// Appends the record of a new row.
    pub(crate) fn push(&mut self, r: CandidateRecord, place: Place) {
        self.slots.push(OnceLock::from(Box::new(r)));
        self.places.push(place);
    }

    /// From now on, read rows from the snapshot just written of all rows, at
    /// `places`, and let go of the records held in memory.
    pub(crate) fn restore(&mut self, snapshot: File, places: Vec<Place>) {
        debug_assert_eq!(places.len(), self.slots.len());
        for (s, p) in self.slots.iter_mut().zip(&places) {
            if *p != Place::Held {
                *s = OnceLock::new();
            }
        }
        self.places = places;
        self.snapshot = Some(snapshot);
    }

    /// Rows whose record is held in memory.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.slots.iter().filter(|s| s.get().is_some()).count()
    }

    /// Rows whose stored bytes did not decode (and read as a bare id).
    pub(crate) fn unreadable(&self) -> u64 {
        self.unreadable.load(Ordering::Relaxed)
    }

    /// The file and reason of the first record that could not be read.
    pub(crate) fn damage(&self) -> Option<&(PathBuf, String)> {
        self.damage.get()
    }
}
