//! The candidate records of an index: held in memory when they were built,
//! upserted or replayed from the segments, read from the snapshot file on
//! demand (and then kept) when the index was opened from a snapshot.
//!
//! The eligibility pass and the scoring loop of the scored modes read
//! [`super::Features`] only; records are read for the roster's entries, for
//! explanations, and by the rules and graduatoria modes that need their
//! detail. So an index opened from its snapshot touches its records' bytes
//! once (the chunk checksums) and allocates them only when they are asked for.
//!
//! **Invariants.** Every row is either held in memory or stored: a stored row
//! has the span of its encoding in the snapshot file, whose chunk checksums
//! were checked when it was opened. Snapshot files are written whole and
//! renamed, never changed in place, and the open handle keeps a replaced or
//! deleted file readable, so a stored row reads back the bytes that were
//! checked. A row replaced in memory loses its span. A read that still fails
//! (a file changed in place behind the engine, or bytes forged to match their
//! checksums) never panics: the row reads as a record with only its id, and
//! [`Records::unreadable`] counts it.

use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use super::snapshot::{self, Bad};
use crate::model::CandidateRecord;

/// `(offset, length)` of a record's encoding in a snapshot file.
pub(crate) type Span = (u64, u32);

/// Span length of a stored row that was replaced in memory.
const REPLACED: u32 = u32::MAX;

/// Records by row.
#[derive(Default)]
pub(crate) struct Records {
    /// Records held in memory (built, upserted, replayed, or read and kept).
    slots: Vec<OnceLock<Box<CandidateRecord>>>,
    /// Rows `0..spans.len()` as stored in a snapshot file.
    stored: Option<Stored>,
    unreadable: AtomicU64,
}

/// The records of a snapshot file.
pub(crate) struct Stored {
    file: File,
    /// `(offset, length)` of each stored row's encoding in `file`.
    spans: Vec<Span>,
}

impl Stored {
    pub(crate) fn new(file: File, spans: Vec<Span>) -> Self {
        Stored { file, spans }
    }

    /// The span of a row still as stored.
    pub(crate) fn span(&self, row: usize) -> Option<Span> {
        self.spans.get(row).copied().filter(|s| s.1 != REPLACED)
    }

    /// Reads `len` bytes at `offset` of the file.
    pub(crate) fn bytes(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        self.file.read_exact_at(&mut buf, offset)?;
        Ok(buf)
    }

    fn read(&self, row: usize) -> std::result::Result<CandidateRecord, Bad> {
        let (offset, len) = self.span(row).ok_or("not stored")?;
        let buf = self
            .bytes(offset, len as usize)
            .map_err(|e| e.to_string())?;
        snapshot::decode_record(&buf)
    }
}

impl Records {
    /// Records stored in a snapshot file, none in memory yet.
    pub(crate) fn stored(stored: Stored) -> Self {
        Records {
            slots: (0..stored.spans.len()).map(|_| OnceLock::new()).collect(),
            stored: Some(stored),
            unreadable: AtomicU64::new(0),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The record of a row, read from the snapshot (and kept) the first time.
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
        match self.stored.as_ref().map(|s| s.read(row)) {
            Some(Ok(r)) => r,
            _ => {
                self.unreadable.fetch_add(1, Ordering::Relaxed);
                CandidateRecord {
                    id: id(),
                    ..snapshot::placeholder_record()
                }
            }
        }
    }

    /// Replaces the record of a row.
    pub(crate) fn set(&mut self, row: usize, r: CandidateRecord) {
        self.slots[row] = OnceLock::from(Box::new(r));
        if let Some(s) = self.stored.as_mut().and_then(|s| s.spans.get_mut(row)) {
            s.1 = REPLACED;
        }
    }

    /// Appends the record of a new row.
    pub(crate) fn push(&mut self, r: CandidateRecord) {
        self.slots.push(OnceLock::from(Box::new(r)));
    }

    /// The snapshot file the stored rows are read from.
    pub(crate) fn stored_in(&self) -> Option<&Stored> {
        self.stored.as_ref()
    }

    /// From now on, read every row from `stored` (a snapshot just written of
    /// all rows) and release the records held in memory.
    pub(crate) fn restore(&mut self, stored: Stored) {
        debug_assert_eq!(stored.spans.len(), self.slots.len());
        for s in &mut self.slots {
            *s = OnceLock::new();
        }
        self.stored = Some(stored);
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
}
