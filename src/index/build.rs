//! Building an index from records, in memory or into a directory.

use super::*;

impl Index {
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
}
