//! The commit protocol: under the writer lock, segment, manifest, audit record
//! (the point of no return), `CURRENT`, text index; `upsert`, `remove`,
//! `record_outcome`.

use super::*;

/// The audit record a commit appends as part of it.
pub(super) struct CommitLog {
    kind: &'static str,
    input: serde_json::Value,
    vacancy_id: Option<String>,
    candidate_id: Option<String>,
}

impl CommitLog {
    pub(super) fn new(kind: &'static str, input: serde_json::Value) -> Self {
        CommitLog {
            kind,
            input,
            vacancy_id: None,
            candidate_id: None,
        }
    }

    /// Appends the record of `generation` (whose output is the hash of its
    /// commit list): the commit's point of no return.
    pub(super) fn append(
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
pub(super) enum TextPending {
    /// Its commit succeeded: reload the searcher.
    Reload,
    /// The disk copy was out of step before the commit: rewrite it whole.
    Rewrite,
    /// Its commit failed: rebuild it in memory.
    Rebuild,
}

impl Index {
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
    pub(super) fn commit(
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
}
