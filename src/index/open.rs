//! Opening an index: the committed (or a given) generation, from the newest
//! snapshot that covers a prefix of its commits, then the commits after it.

use super::*;

impl Index {
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

    pub(super) fn open_manifest(
        dir: &Path,
        manifest: Manifest,
        use_disk_text: bool,
    ) -> Result<Index> {
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
}
