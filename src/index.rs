//! The index: candidates as rows (original records plus precomputed features),
//! the tantivy text index, the open vacancies, and their persistence.
//!
//! **Invariants.** Row numbers are dense `0..rows`; a row's features are derived
//! only from its record, so reopening gives the same features. A build writes a
//! complete new generation beside the old one and switches to it with one atomic
//! rename of `CURRENT`: a failed or killed build leaves the previous state (or no
//! index directory at all, if there was none).
//!
//! Layout of an index directory:
//! ```text
//! DIR/CURRENT              manifest of the committed generation (JSON)
//! DIR/g000007/candidates.jsonl   validated records, one per row, in row order
//! DIR/g000007/vacancies.jsonl    open vacancies indexed with --vacancies
//! DIR/g000007/text/              tantivy index of cv_text
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::filters::Filters;
use crate::error::{Error, FieldError, InputErrors, Result};
use crate::geo::{ComuneId, Comuni};
use crate::model::{CandidateRecord, Record, VacancyRecord};
use crate::taxonomy::{Isco, SkillId, SkillTaxonomy};
use crate::text::TextIndex;

/// Version of the on-disk format; a different one is refused on open.
pub const FORMAT_VERSION: u32 = 1;
/// Lowest label similarity at which a free label is tied to an ESCO skill in the
/// index; the policy's `scoring.label_threshold` (default 0.85) filters further at query time.
pub const LABEL_FLOOR: f32 = 0.80;

/// One resolved competence of a candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkillFeature {
    /// Skill key: an ESCO [`SkillId`], or an extra key of the index's vocabulary.
    pub key: u32,
    /// How sure the tie to the key is (1 for an ESCO URI or an exact label).
    pub similarity: f32,
    /// Certified by the service.
    pub certified: bool,
    /// Position in the record's `skills`, for explanations.
    pub source: u16,
}

/// What the engine precomputes per candidate row.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// Comune of domicile.
    pub comune: ComuneId,
    /// Competences, sorted by key, one per key (the best tie kept).
    pub skills: Box<[SkillFeature]>,
}

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
        SkillTaxonomy::embedded().len() as u32
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
            SkillTaxonomy::embedded().get(key as SkillId).label.clone()
        } else {
            let raw = &self.names[(key - n) as usize];
            raw.split_once(':').map_or(raw.as_str(), |(_, v)| v).to_string()
        }
    }

    /// Resolves a reference without adding to the vocabulary.
    pub fn lookup(&self, esco: Option<&str>, label: Option<&str>, labels: &LabelCache) -> ResolvedSkill {
        match resolve(esco, label, labels) {
            Resolution::Esco(id, sim) => ResolvedSkill { key: Some(id), similarity: sim },
            Resolution::Extra(name) => ResolvedSkill { key: self.extra.get(&name).copied(), similarity: 1.0 },
        }
    }
}

enum Resolution {
    Esco(u32, f32),
    Extra(String),
}

fn resolve(esco: Option<&str>, label: Option<&str>, labels: &LabelCache) -> Resolution {
    let tax = SkillTaxonomy::embedded();
    if let Some(uri) = esco {
        return match tax.by_uri(uri) {
            Some(id) => Resolution::Esco(id, 1.0),
            None => Resolution::Extra(format!("uri:{uri}")),
        };
    }
    let label = label.unwrap_or("");
    match labels.get(label) {
        Some((id, sim)) => Resolution::Esco(id, sim),
        None => Resolution::Extra(format!("label:{}", crate::taxonomy::normalise_text(label))),
    }
}

/// Free labels already tied to ESCO skills (or found to match none).
#[derive(Debug, Default)]
pub struct LabelCache {
    map: HashMap<String, Option<(u32, f32)>>,
}

impl LabelCache {
    /// Resolves every distinct label in `labels` (in parallel) that is not cached yet.
    pub fn fill<'a>(&mut self, labels: impl Iterator<Item = &'a str>) {
        let mut todo: Vec<&str> = labels.filter(|l| !self.map.contains_key(*l)).collect();
        todo.sort_unstable();
        todo.dedup();
        let tax = SkillTaxonomy::embedded();
        let found: Vec<(String, Option<(u32, f32)>)> = todo
            .par_iter()
            .map(|l| (l.to_string(), tax.normalise_label(l, LABEL_FLOOR).map(|m| (m.id, m.similarity))))
            .collect();
        self.map.extend(found);
    }

    /// The ESCO skill and similarity of a label, if resolved and matched.
    pub fn get(&self, label: &str) -> Option<(u32, f32)> {
        match self.map.get(label) {
            Some(v) => *v,
            None => SkillTaxonomy::embedded().normalise_label(label, LABEL_FLOOR).map(|m| (m.id, m.similarity)),
        }
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
    /// Directory of this generation, relative to the index directory.
    pub dir: String,
    /// Number of candidate rows.
    pub candidates: u64,
    /// Number of open vacancies.
    pub vacancies: u64,
    /// Size in bytes of `candidates.jsonl`, checked on open.
    pub candidates_bytes: u64,
}

/// The candidate index.
pub struct Index {
    dir: Option<PathBuf>,
    generation: u64,
    records: Vec<CandidateRecord>,
    features: Vec<Features>,
    by_id: HashMap<String, u32>,
    vocab: SkillVocab,
    labels: LabelCache,
    filters: Filters,
    text: TextIndex,
    vacancies: Vec<VacancyRecord>,
    vacancy_by_id: HashMap<String, usize>,
}

fn check_all<R: Record + Sync>(records: &[R], file: &str) -> Result<()> {
    let (comuni, isco) = (Comuni::embedded(), Isco::embedded());
    let bad: Vec<Vec<FieldError>> = records
        .par_iter()
        .enumerate()
        .map(|(i, r)| r.check(comuni, isco).into_iter().map(|e| e.at(file, i + 1, r.id())).collect())
        .collect();
    let mut errors = InputErrors::default();
    for es in bad {
        errors.extend(es);
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if let Some(first) = seen.insert(r.id(), i + 1) {
            errors.push(FieldError::new("id", format!("duplicate id, first seen in record {first}")).at(file, i + 1, r.id()));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(errors))
    }
}

fn derive_features(records: &[CandidateRecord], labels: &mut LabelCache, vocab: &mut SkillVocab) -> Vec<Features> {
    labels.fill(records.iter().flat_map(|r| r.skills.iter().filter(|s| s.esco.is_none()).filter_map(|s| s.label.as_deref())));
    let comuni = Comuni::embedded();
    records
        .iter()
        .map(|r| {
            let mut skills: Vec<SkillFeature> = r
                .skills
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let (key, similarity) = match resolve(s.esco.as_deref(), s.label.as_deref(), labels) {
                        Resolution::Esco(id, sim) => (id, sim),
                        Resolution::Extra(name) => (vocab.intern(name), 1.0),
                    };
                    SkillFeature { key, similarity, certified: s.certified, source: i as u16 }
                })
                .collect();
            // One feature per key: the surest tie, certified winning ties.
            skills.sort_by(|a, b| {
                a.key
                    .cmp(&b.key)
                    .then(b.similarity.total_cmp(&a.similarity))
                    .then(b.certified.cmp(&a.certified))
                    .then(a.source.cmp(&b.source))
            });
            skills.dedup_by_key(|s| s.key);
            Features {
                comune: comuni.lookup(&r.domicile).expect("validated domicile"),
                skills: skills.into_boxed_slice(),
            }
        })
        .collect()
}

fn ids_of<R: Record>(records: &[R]) -> HashMap<String, usize> {
    records.iter().enumerate().map(|(i, r)| (r.id().to_string(), i)).collect()
}

impl Index {
    /// Builds an index from records: validates every record (all errors are
    /// reported, nothing is written), derives features, indexes CV texts and, when
    /// `dir` is given, commits a new generation there.
    pub fn build(
        dir: Option<&Path>,
        candidates: Vec<CandidateRecord>,
        vacancies: Vec<VacancyRecord>,
        progress: Option<Progress>,
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

        report(Stage::Resolve, 0, n);
        let mut labels = LabelCache::default();
        let mut vocab = SkillVocab::default();
        let features = derive_features(&candidates, &mut labels, &mut vocab);
        report(Stage::Resolve, n, n);

        let filters = Filters::build(&candidates, &features);
        let by_id = ids_of(&candidates).into_iter().map(|(k, v)| (k, v as u32)).collect();
        let vacancy_by_id = ids_of(&vacancies);
        let mut index = Index {
            filters,
            dir: dir.map(Path::to_path_buf),
            generation: 0,
            records: candidates,
            features,
            by_id,
            vocab,
            labels,
            text: TextIndex::create(None)?,
            vacancies,
            vacancy_by_id,
        };
        match dir {
            None => {
                index.generation = 1;
                index.index_text(&index.text, &report, "1")?;
                index.text.reload()?;
            }
            Some(dir) => index.commit_new_generation(dir, &report)?,
        }
        Ok(index)
    }

    fn index_text(&self, text: &TextIndex, report: &dyn Fn(Stage, u64, u64), payload: &str) -> Result<()> {
        let n = self.records.len() as u64;
        let mut w = text.writer()?;
        for (row, r) in self.records.iter().enumerate() {
            w.add(row as u32, &r.cv_text)?;
            if row % 10_000 == 0 {
                report(Stage::Text, row as u64, n);
            }
        }
        w.commit(payload)?;
        report(Stage::Text, n, n);
        Ok(())
    }

    /// Writes every file of the next generation into a fresh directory, then
    /// switches `CURRENT` to it atomically and removes older generations.
    fn commit_new_generation(&mut self, dir: &Path, report: &dyn Fn(Stage, u64, u64)) -> Result<()> {
        let created = !dir.exists();
        if created {
            create_private_dir(dir)?;
        }
        let result = (|| {
            let previous = read_manifest(dir).ok();
            let generation = previous.as_ref().map_or(1, |m| m.generation + 1);
            let gen_name = format!("g{generation:06}");
            let tmp = dir.join(format!(".tmp-{gen_name}"));
            if tmp.exists() {
                std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
            }
            create_private_dir(&tmp)?;
            report(Stage::Write, 0, 2);
            let candidates_bytes = write_jsonl(&tmp.join("candidates.jsonl"), &self.records)?;
            write_jsonl(&tmp.join("vacancies.jsonl"), &self.vacancies)?;
            report(Stage::Write, 1, 2);
            let text_dir = tmp.join("text");
            create_private_dir(&text_dir)?;
            let text = TextIndex::create(Some(&text_dir))?;
            self.index_text(&text, report, &generation.to_string())?;
            drop(text);
            sync_dir(&text_dir)?;
            sync_dir(&tmp)?;
            let final_dir = dir.join(&gen_name);
            if final_dir.exists() {
                std::fs::remove_dir_all(&final_dir).map_err(|e| Error::io(&final_dir, e))?;
            }
            std::fs::rename(&tmp, &final_dir).map_err(|e| Error::io(&final_dir, e))?;
            let manifest = Manifest {
                format: FORMAT_VERSION,
                generation,
                engine_version: crate::ENGINE_VERSION.to_string(),
                dir: gen_name.clone(),
                candidates: self.records.len() as u64,
                vacancies: self.vacancies.len() as u64,
                candidates_bytes,
            };
            write_manifest(dir, &manifest)?;
            report(Stage::Write, 2, 2);
            // Older generations are no longer reachable: remove them (best effort).
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().to_string();
                    if name.starts_with('g') && name != gen_name && e.path().is_dir() {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
            self.generation = generation;
            self.text = TextIndex::open(&final_dir.join("text"))?;
            self.text.reload()?;
            Ok(())
        })();
        if result.is_err() && created {
            let _ = std::fs::remove_dir_all(dir);
        }
        result
    }

    /// Opens the committed generation of an index directory.
    pub fn open(dir: &Path) -> Result<Index> {
        let manifest = read_manifest(dir)?;
        let gen_dir = dir.join(&manifest.dir);
        let cpath = gen_dir.join("candidates.jsonl");
        let size = std::fs::metadata(&cpath).map_err(|e| Error::io(&cpath, e))?.len();
        if size != manifest.candidates_bytes {
            return Err(Error::Index {
                path: cpath,
                message: format!("is {size} bytes, the manifest says {}: the index is damaged, rebuild it", manifest.candidates_bytes),
            });
        }
        let records: Vec<CandidateRecord> = read_stored(&cpath)?;
        let vacancies: Vec<VacancyRecord> = read_stored(&gen_dir.join("vacancies.jsonl"))?;
        if records.len() as u64 != manifest.candidates {
            return Err(Error::Index {
                path: cpath,
                message: format!("has {} records, the manifest says {}", records.len(), manifest.candidates),
            });
        }
        let mut labels = LabelCache::default();
        let mut vocab = SkillVocab::default();
        let features = derive_features(&records, &mut labels, &mut vocab);
        let text_dir = gen_dir.join("text");
        let text = TextIndex::open(&text_dir).map_err(|e| Error::Index { path: text_dir.clone(), message: e.to_string() })?;
        text.reload()?;
        if text.num_docs() != records.len() as u64 {
            return Err(Error::Index {
                path: text_dir,
                message: format!("holds {} texts for {} candidates: rebuild the index", text.num_docs(), records.len()),
            });
        }
        let filters = Filters::build(&records, &features);
        let by_id = ids_of(&records).into_iter().map(|(k, v)| (k, v as u32)).collect();
        let vacancy_by_id = ids_of(&vacancies);
        Ok(Index {
            filters,
            dir: Some(dir.to_path_buf()),
            generation: manifest.generation,
            records,
            features,
            by_id,
            vocab,
            labels,
            text,
            vacancies,
            vacancy_by_id,
        })
    }

    /// The directory, for a persisted index.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The committed generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Number of candidate rows.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when there is no candidate.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The record of a row.
    pub fn record(&self, row: u32) -> &CandidateRecord {
        &self.records[row as usize]
    }

    /// The features of a row.
    pub fn features(&self, row: u32) -> &Features {
        &self.features[row as usize]
    }

    /// The row of a candidate id.
    pub fn row_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The skill vocabulary.
    pub fn vocab(&self) -> &SkillVocab {
        &self.vocab
    }

    /// Label resolutions made so far.
    pub fn labels(&self) -> &LabelCache {
        &self.labels
    }

    /// The filter bitmaps.
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

fn create_private_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path).map_err(|e| Error::io(path, e))
}

fn sync_dir(path: &Path) -> Result<()> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| Error::io(path, e))
}

fn write_jsonl<T: Serialize>(path: &Path, records: &[T]) -> Result<u64> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut bytes = 0u64;
    let mut line = Vec::with_capacity(4096);
    for r in records {
        line.clear();
        serde_json::to_writer(&mut line, r).expect("records serialise");
        line.push(b'\n');
        w.write_all(&line).map_err(|e| Error::io(path, e))?;
        bytes += line.len() as u64;
    }
    let file = w.into_inner().map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

fn read_stored<R: serde::de::DeserializeOwned + Send>(path: &Path) -> Result<Vec<R>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let lines: Vec<&str> = text.lines().collect();
    lines
        .par_iter()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| Error::Index {
                path: path.to_path_buf(),
                message: format!("line {}: {e}: the index is damaged, rebuild it", i + 1),
            })
        })
        .collect()
}

fn write_manifest(dir: &Path, m: &Manifest) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = dir.join("CURRENT.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Error::io(&tmp, e))?;
    let body = serde_json::to_vec_pretty(m).expect("manifest serialises");
    f.write_all(&body).and_then(|_| f.sync_all()).map_err(|e| Error::io(&tmp, e))?;
    let cur = dir.join("CURRENT");
    std::fs::rename(&tmp, &cur).map_err(|e| Error::io(&cur, e))?;
    sync_dir(dir)
}

/// Reads `DIR/CURRENT`.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let cur = dir.join("CURRENT");
    let bytes = std::fs::read(&cur).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Index {
            path: dir.to_path_buf(),
            message: "no index here (CURRENT is missing): build one with `rosa index build`".into(),
        },
        _ => Error::io(&cur, e),
    })?;
    let m: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Index { path: cur.clone(), message: format!("unreadable manifest: {e}") })?;
    if m.format != FORMAT_VERSION {
        return Err(Error::Index {
            path: cur,
            message: format!("format {} is not supported (this engine reads format {FORMAT_VERSION})", m.format),
        });
    }
    if m.dir.contains('/') || m.dir.contains("..") {
        return Err(Error::Index { path: cur, message: format!("bad generation directory {:?}", m.dir) });
    }
    Ok(m)
}
