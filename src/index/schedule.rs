//! Snapshot scheduling: when a commit writes a snapshot, writing one in the
//! background and adopting it.

use super::*;

impl Index {
    /// Writes the snapshot of this generation (a cache: a failure is reported
    /// in [`Index::snapshot_note`] and costs only a slower next open).
    pub(super) fn write_snapshot(&mut self) {
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

    pub(super) fn maybe_snapshot(&mut self) {
        if !self.snapshots_deferred && self.snapshot_due() {
            self.write_snapshot();
        }
    }

    /// How the last open or commit used the snapshot, in words (for operators
    /// wondering why an open was slow).
    pub fn snapshot_note(&self) -> &str {
        &self.snapshot_note
    }
}
