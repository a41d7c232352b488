//! Commits and manifests: `Commit`, `OutcomeKind`, `Manifest`, and reading and
//! writing `manifests/mNNNNNN.json` and `CURRENT` (`committed_manifest` completes
//! a `CURRENT` whose switch did not happen from the log).

use super::*;

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

pub(super) fn manifest_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join("manifests").join(format!("m{generation:06}.json"))
}

fn manifest_body(m: &Manifest) -> Vec<u8> {
    let mut m = m.clone();
    m.checksum = Some(m.compute_checksum());
    serde_json::to_vec_pretty(&m).expect("manifest serialises")
}

/// Writes a generation's manifest to `manifests/` (before its audit record).
pub(super) fn write_manifest_file(path: &Path, m: &Manifest) -> Result<()> {
    write_atomic(path, &manifest_body(m))
}

/// Switches `CURRENT` to a manifest that carries its audit position.
pub(super) fn write_current(dir: &Path, m: &Manifest) -> Result<()> {
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
pub(super) fn parse_manifest(bytes: &[u8], path: &Path) -> Result<Manifest> {
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
