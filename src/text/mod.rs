//! Full-text side of the index: tantivy BM25 of a vacancy's text against `cv_text`.
//!
//! Owns the tantivy schema (`row`: u64 fast+indexed, `cv`: Italian-stemmed text)
//! and the analyzer. Answers one question: for this vacancy text, what BM25 score
//! does each candidate row get? Rows with no matching term are absent (score 0).

use std::path::Path;

use rayon::prelude::*;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, Occur, Query, Scorer, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};
use tantivy::{
    DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal,
    SegmentReader, TantivyDocument, Term,
};

use crate::error::Result;

/// Eligible rows from which the terms of a vacancy text are scored in parallel.
const PARALLEL_TARGETS: usize = 4096;
/// A term in at least this many CVs, asked for at least a quarter of them (and
/// asked for before), is scored once for every CV and kept as a column by row
/// ([`Dense`]).
const DENSE_MIN_DOCS: usize = 16_384;
/// Bytes of term columns kept (at 1M people, 32 terms).
const DENSE_BYTES: usize = 128 << 20;

const ANALYZER: &str = "it_stem";
/// A pool is wide from 1 / `WIDE_SHARE` of the rows on: [`TextIndex::max_among`]
/// then bounds common terms instead of scoring the pool (and the roster takes
/// its wide path, `roster::best`).
pub const WIDE_SHARE: usize = 32;
/// At most this many distinct terms of a vacancy text enter the query.
pub const MAX_QUERY_TERMS: usize = 64;
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// The tantivy index of CV texts.
pub struct TextIndex {
    index: Index,
    reader: IndexReader,
    row: Field,
    cv: Field,
    /// Row → document address of every live CV, for the searcher generation it
    /// was built from (rebuilt lazily after a reload).
    addresses: std::sync::Mutex<Option<(u64, std::sync::Arc<Vec<u64>>)>>,
    /// BM25 columns of common terms, for the searcher generation they were
    /// scored in.
    dense: std::sync::Mutex<Dense>,
    /// [`DENSE_MIN_DOCS`], lowered by tests so that small indexes take that path.
    dense_min_docs: std::sync::atomic::AtomicUsize,
    /// The directory of an index on disk.
    dir: Option<std::path::PathBuf>,
}

/// No document for this row.
const NO_DOC: u64 = u64::MAX;

/// A kept column of a term's BM25 by row ([`Dense`]).
type Dense1 = std::sync::Arc<Vec<f32>>;

/// BM25 of common terms for every row (NaN: the row's CV lacks the term),
/// oldest first: a wide vacancy's common words are scored once per index
/// generation instead of once per roster, and read back by row.
#[derive(Default)]
struct Dense {
    generation: u64,
    /// Least recently used first.
    columns: std::collections::VecDeque<(String, std::sync::Arc<Vec<f32>>)>,
    /// Terms asked for once: a column is scored on the second request, so a
    /// word of a single vacancy never pays for every CV.
    seen: std::collections::HashSet<String>,
}

fn schema() -> (Schema, Field, Field) {
    let mut b = Schema::builder();
    let row = b.add_u64_field("row", FAST | INDEXED);
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(ANALYZER)
        .set_index_option(IndexRecordOption::WithFreqs);
    let cv = b.add_text_field("cv", TextOptions::default().set_indexing_options(indexing));
    (b.build(), row, cv)
}

fn analyzer() -> TextAnalyzer {
    let stop = StopWordFilter::new(Language::Italian).expect("tantivy ships Italian stop words");
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(stop)
        .filter(Stemmer::new(Language::Italian))
        .build()
}

impl TextIndex {
    /// Creates an empty text index in `dir` (which must exist), or in memory when `None`.
    pub fn create(dir: Option<&Path>) -> Result<TextIndex> {
        let (schema, _, _) = schema();
        let index = match dir {
            Some(d) => Index::create_in_dir(d, schema)?,
            None => Index::create_in_ram(schema),
        };
        Self::wrap(index, dir)
    }

    /// Opens an existing text index, checking the checksum of every segment
    /// file first: tantivy trusts its files and may panic on damaged ones, so a
    /// damaged file is an error here (the caller rebuilds the index from the
    /// records, of which it is only a cache).
    pub fn open(dir: &Path) -> Result<TextIndex> {
        let index = Index::open_in_dir(dir)?;
        verify_segment_files(&index, dir)?;
        Self::wrap(index, Some(dir))
    }

    fn wrap(index: Index, dir: Option<&Path>) -> Result<TextIndex> {
        index.tokenizers().register(ANALYZER, analyzer());
        let (_, row, cv) = schema();
        let schema = index.schema();
        if schema.get_field("row").ok() != Some(row) || schema.get_field("cv").ok() != Some(cv) {
            return Err(tantivy::TantivyError::SchemaError(
                "text index has an unexpected schema".into(),
            )
            .into());
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(TextIndex {
            index,
            reader,
            row,
            cv,
            addresses: std::sync::Mutex::new(None),
            dense: std::sync::Mutex::new(Dense::default()),
            dense_min_docs: std::sync::atomic::AtomicUsize::new(DENSE_MIN_DOCS),
            dir: dir.map(Path::to_path_buf),
        })
    }

    /// A writer; callers add and delete documents, then commit.
    pub fn writer(&self) -> Result<TextWriter> {
        let writer = self.index.writer_with_num_threads(1, WRITER_MEMORY)?;
        Ok(TextWriter {
            writer,
            row: self.row,
            cv: self.cv,
            dir: self.dir.clone(),
        })
    }

    /// Makes committed changes visible to searches.
    pub fn reload(&self) -> Result<()> {
        self.reader.reload()?;
        Ok(())
    }

    /// Number of live documents.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The analyzed, deduplicated terms of `text` (at most [`MAX_QUERY_TERMS`], first come first kept).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut a = analyzer();
        let mut stream = a.token_stream(text);
        let mut out: Vec<String> = Vec::new();
        while stream.advance() {
            let t = &stream.token().text;
            if t.len() > 1 && !out.iter().any(|o| o == t) {
                out.push(t.clone());
                if out.len() == MAX_QUERY_TERMS {
                    break;
                }
            }
        }
        out
    }

    /// BM25 score of every row whose CV shares a term with `text`, sorted by row.
    pub fn scores(&self, text: &str) -> Result<Vec<(u32, f32)>> {
        let terms = self.terms(text);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let query = self.disjunction(&terms);
        let searcher = self.reader.searcher();
        let mut all = searcher.search(&query, &RowScores)?;
        all.sort_unstable_by_key(|(r, _)| *r);
        Ok(all)
    }

    /// The query that scores a text: its terms, each optional.
    fn disjunction(&self, terms: &[String]) -> BooleanQuery {
        BooleanQuery::new(
            terms
                .iter()
                .map(|t| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(self.cv, t),
                        IndexRecordOption::WithFreqs,
                    ));
                    (Occur::Should, q)
                })
                .collect(),
        )
    }

    /// The best BM25 of `text` among `rows` (ascending): the largest value
    /// [`TextIndex::scores_for`] gives them, to the bit (0 when none of them
    /// shares a term with the text).
    ///
    /// A wide pool ([`WIDE_SHARE`]) is not scored row by row.
    /// The terms are split by how many CVs hold them: the rare ones are walked
    /// in full (their postings are short) and summed by row; the common ones
    /// only bound what they can add, `(1 + k1) × idf` each, which is small since
    /// their idf is. A row holding no rare term scores at most the common
    /// terms' bound; a row holding some at most its rare sum plus that bound.
    /// So once the best exact score found among the highest rare sums exceeds
    /// the common bound, only the rows whose rare sum plus the bound reaches it
    /// can hold the maximum, and `scores_for` scores just those. While it does
    /// not, the rarest of the common terms joins the rare ones. Sums are
    /// compared with a margin of 1 in 10⁴ (they add terms in another order than
    /// `scores_for`).
    pub fn max_among(&self, text: &str, rows: &[u32]) -> Result<f32> {
        let terms = self.terms(text);
        if terms.is_empty() || rows.is_empty() {
            return Ok(0.0);
        }
        let exact_max = |rows: &[u32]| -> Result<f32> {
            Ok(self
                .scores_for(text, rows)?
                .iter()
                .map(|&(_, s)| s)
                .fold(0.0, f32::max))
        };
        let searcher = self.reader.searcher();
        let n = self.addresses(&searcher)?.len();
        if rows.len() * WIDE_SHARE < n {
            return exact_max(rows);
        }
        let docs: u64 = searcher
            .segment_readers()
            .iter()
            .map(|s| s.max_doc() as u64)
            .sum();
        let scoring = tantivy::query::EnableScoring::enabled_from_searcher(&searcher);
        // (document frequency, bound of one document's score, term), rarest first.
        let mut by_rarity: Vec<(u64, f64, &String)> = terms
            .iter()
            .map(|t| {
                let df = searcher.doc_freq(&Term::from_field_text(self.cv, t))?;
                let idf = (1.0 + (docs as f64 - df as f64 + 0.5) / (df as f64 + 0.5)).ln();
                Ok((df, 2.2 * idf.max(0.0) * (1.0 + 1e-3) + 1e-6, t))
            })
            .collect::<Result<_>>()?;
        by_rarity.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(b.2)));
        let mut rare = by_rarity
            .iter()
            .take_while(|(df, _, _)| df * 64 < docs)
            .count()
            .max(1);
        let mut walked = 0;
        // The rare terms' sums by row (rows outside `rows` too: never read).
        let mut sums = vec![0f32; n];
        loop {
            for &(_, _, t) in &by_rarity[walked..rare] {
                let term = Term::from_field_text(self.cv, t);
                let weight = TermQuery::new(term, IndexRecordOption::WithFreqs).weight(scoring)?;
                each_live_row(&searcher, &*weight, |r, x| {
                    if let Some(sum) = sums.get_mut(r) {
                        *sum += x;
                    }
                })?;
            }
            walked = rare;
            let common: f64 = by_rarity[rare..].iter().map(|&(_, m, _)| m).sum();
            let sum_of = |r: u32| sums.get(r as usize).copied().unwrap_or(0.0);
            // A floor of the maximum: the exact best of the 16 highest sums.
            let mut top: Vec<(f32, u32)> = rows
                .iter()
                .map(|&r| (sum_of(r), r))
                .filter(|&(x, _)| x > 0.0)
                .collect();
            let cut = top.len().min(16);
            if cut > 0 {
                top.select_nth_unstable_by(cut - 1, |a, b| b.0.total_cmp(&a.0));
            }
            let mut seeds: Vec<u32> = top[..cut].iter().map(|&(_, r)| r).collect();
            seeds.sort_unstable();
            let floor = exact_max(&seeds)? as f64;
            if floor * (1.0 - 1e-4) > common {
                let near: Vec<u32> = top
                    .iter()
                    .filter(|&&(x, _)| x as f64 * (1.0 + 1e-4) + common >= floor * (1.0 - 1e-4))
                    .map(|&(_, r)| r)
                    .collect::<std::collections::BTreeSet<u32>>()
                    .into_iter()
                    .collect();
                return Ok(exact_max(&near)?.max(floor as f32));
            }
            if rare == by_rarity.len() {
                // Every term walked, and the floor is not above 0: no eligible
                // row holds a term.
                return Ok(floor as f32);
            }
            rare = (rare + rare.div_ceil(2)).min(by_rarity.len());
        }
    }

    /// BM25 of `text` for the given rows only, sorted by row (rows with no
    /// matching term are absent). The same scores as [`TextIndex::scores`], but
    /// the work is proportional to `rows`, not to every CV sharing a term: the
    /// query's scorer skips to each row's document.
    pub fn scores_for(&self, text: &str, rows: &[u32]) -> Result<Vec<(u32, f32)>> {
        let terms = self.terms(text);
        if terms.is_empty() || rows.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let addresses = self.addresses(&searcher)?;
        // (segment, doc, row), in document order per segment.
        let mut targets: Vec<(u32, DocId, u32)> = rows
            .iter()
            .filter_map(|&r| {
                let a = *addresses.get(r as usize)?;
                (a != NO_DOC).then_some(((a >> 32) as u32, a as u32, r))
            })
            .collect();
        targets.sort_unstable();
        // BM25 of a disjunction is the sum of its terms' BM25: one term at a
        // time, each term's postings skip block-wise to the target documents, so
        // common words cost what the targets cost, not what their postings do.
        // Terms are scored in parallel, each into its own column (NaN: no hit),
        // and the columns are added in term order: the same sums, to the bit,
        // as adding term after term.
        // Each term's weight, and its kept column when it has one (scored for
        // every row on its second request), in term order.
        let prepare = |t: &String| -> Result<(Box<dyn tantivy::query::Weight>, Option<Dense1>)> {
            let term = Term::from_field_text(self.cv, t);
            let docs = searcher.doc_freq(&term)? as usize;
            let min = self
                .dense_min_docs
                .load(std::sync::atomic::Ordering::Relaxed);
            let scoring = tantivy::query::EnableScoring::enabled_from_searcher(&searcher);
            let weight = TermQuery::new(term, IndexRecordOption::WithFreqs).weight(scoring)?;
            let dense = if docs >= min && targets.len() * 4 >= docs {
                self.dense_column(&searcher, t, &*weight, addresses.len())?
            } else {
                None
            };
            Ok((weight, dense))
        };
        let parallel = targets.len() >= PARALLEL_TARGETS;
        let weights: Vec<(Box<dyn tantivy::query::Weight>, Option<Dense1>)> = if parallel {
            terms.par_iter().map(prepare).collect::<Result<_>>()?
        } else {
            terms.iter().map(prepare).collect::<Result<_>>()?
        };
        // The targets in consecutive parts, each summed term after term in term
        // order: every row's sum adds the same values in the same order as
        // adding whole columns would, with no column per term allocated.
        let part = |targets: &[(u32, DocId, u32)]| -> Result<(Vec<f32>, Vec<bool>)> {
            let mut sums = vec![0f32; targets.len()];
            let mut hit = vec![false; targets.len()];
            let mut add = |i: usize, x: f32| {
                if !x.is_nan() {
                    sums[i] += x;
                    hit[i] = true;
                }
            };
            for (weight, dense) in &weights {
                if let Some(dense) = dense {
                    for (i, &(_, _, r)) in targets.iter().enumerate() {
                        add(i, dense.get(r as usize).copied().unwrap_or(f32::NAN));
                    }
                    continue;
                }
                let mut start = 0;
                for seg_targets in targets.chunk_by(|a, b| a.0 == b.0) {
                    let reader = searcher.segment_reader(seg_targets[0].0);
                    let mut scorer = weight.scorer(reader, 1.0)?;
                    // A merge of the postings and the targets in which each side
                    // skips ahead to the other: the postings block-wise (seek),
                    // the targets by galloping, so a rare word costs its postings
                    // and a common one the targets, never both.
                    let mut i = 0;
                    loop {
                        let d = scorer.doc();
                        if d == tantivy::TERMINATED {
                            break;
                        }
                        i = gallop(seg_targets, i, d);
                        let Some(&(_, doc, _)) = seg_targets.get(i) else {
                            break;
                        };
                        if doc == d {
                            add(start + i, scorer.score());
                            i += 1;
                            match seg_targets.get(i) {
                                Some(&(_, next, _)) => scorer.seek(next),
                                None => break,
                            };
                        } else {
                            scorer.seek(doc);
                        }
                    }
                    start += seg_targets.len();
                }
            }
            Ok((sums, hit))
        };
        // Small pools are not worth the tasks (a batch is parallel already).
        let size = if parallel {
            targets
                .len()
                .div_ceil(rayon::current_num_threads().max(1))
                .max(PARALLEL_TARGETS / 2)
        } else {
            targets.len()
        };
        let parts: Vec<(Vec<f32>, Vec<bool>)> = targets
            .par_chunks(size.max(1))
            .map(part)
            .collect::<Result<_>>()?;
        let sums: Vec<f32> = parts.iter().flat_map(|(s, _)| s.iter().copied()).collect();
        let hit: Vec<bool> = parts.iter().flat_map(|(_, h)| h.iter().copied()).collect();
        let mut out: Vec<(u32, f32)> = targets
            .iter()
            .zip(sums.iter().zip(&hit))
            .filter(|(_, (_, &h))| h)
            .map(|(&(_, _, row), (&s, _))| (row, s))
            .collect();
        out.sort_unstable_by_key(|(r, _)| *r);
        Ok(out)
    }

    /// The BM25 of a term for every row of this searcher's generation: every
    /// live document of its postings scored by the same scorer as
    /// [`TextIndex::scores_for`]'s, so the values are the same to the bit.
    /// `weight` is the term's, `rows` the length of the row → document map.
    /// `None` the first time the term is asked for.
    fn dense_column(
        &self,
        searcher: &tantivy::Searcher,
        t: &str,
        weight: &dyn tantivy::query::Weight,
        rows: usize,
    ) -> Result<Option<std::sync::Arc<Vec<f32>>>> {
        let generation = searcher.generation().generation_id();
        {
            let mut cache = self.dense.lock().unwrap_or_else(|e| e.into_inner());
            if cache.generation != generation {
                cache.columns.clear();
                cache.seen.clear();
                cache.generation = generation;
            }
            if let Some(i) = cache.columns.iter().position(|(k, _)| k == t) {
                let hit = cache.columns.remove(i).expect("found");
                let column = std::sync::Arc::clone(&hit.1);
                cache.columns.push_back(hit);
                return Ok(Some(column));
            }
            if !cache.seen.contains(t) {
                if cache.seen.len() < 1 << 16 {
                    cache.seen.insert(t.to_string());
                }
                return Ok(None);
            }
        }
        // Scored outside the lock (another query may score it too: same values).
        let mut column = vec![f32::NAN; rows];
        each_live_row(searcher, weight, |r, x| {
            if let Some(slot) = column.get_mut(r) {
                *slot = x;
            }
        })?;
        let column = std::sync::Arc::new(column);
        let mut cache = self.dense.lock().unwrap_or_else(|e| e.into_inner());
        if cache.generation == generation && !cache.columns.iter().any(|(k, _)| k == t) {
            let keep = (DENSE_BYTES / (rows.max(1) * 4)).max(1);
            while cache.columns.len() >= keep {
                cache.columns.pop_front();
            }
            cache
                .columns
                .push_back((t.to_string(), std::sync::Arc::clone(&column)));
        }
        Ok(Some(column))
    }

    /// Lowers the document count from which a term is scored for every row and
    /// kept (tests: so that small indexes take that path too).
    #[doc(hidden)]
    pub fn set_dense_min_docs(&self, docs: usize) {
        self.dense_min_docs
            .store(docs, std::sync::atomic::Ordering::Relaxed);
    }

    /// The row → document map of this searcher's generation.
    fn addresses(&self, searcher: &tantivy::Searcher) -> Result<std::sync::Arc<Vec<u64>>> {
        let generation = searcher.generation().generation_id();
        let mut cache = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, map)) = cache.as_ref() {
            if *g == generation {
                return Ok(std::sync::Arc::clone(map));
            }
        }
        let mut map: Vec<u64> = Vec::new();
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            let rows = seg.fast_fields().u64("row")?;
            let alive = seg.alive_bitset();
            for doc in 0..seg.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                if let Some(row) = rows.first(doc) {
                    let row = row as usize;
                    if map.len() <= row {
                        map.resize(row + 1, NO_DOC);
                    }
                    map[row] = ((ord as u64) << 32) | doc as u64;
                }
            }
        }
        let map = std::sync::Arc::new(map);
        *cache = Some((generation, std::sync::Arc::clone(&map)));
        Ok(map)
    }
}

/// Every live document of a term's postings (`weight` a term's), in every
/// segment, as its row and its BM25: the walk of a whole posting list that a
/// kept column and the rare terms of [`TextIndex::max_among`] both make.
fn each_live_row(
    searcher: &tantivy::Searcher,
    weight: &dyn tantivy::query::Weight,
    mut f: impl FnMut(usize, f32),
) -> Result<()> {
    for seg in searcher.segment_readers() {
        let row_of = seg.fast_fields().u64("row")?;
        let alive = seg.alive_bitset();
        let mut scorer = weight.scorer(seg, 1.0)?;
        let mut d = scorer.doc();
        while d != tantivy::TERMINATED {
            if alive.is_none_or(|a| a.is_alive(d)) {
                if let Some(r) = row_of.first(d) {
                    f(r as usize, scorer.score());
                }
            }
            d = scorer.advance();
        }
    }
    Ok(())
}

/// Checks the footer checksum of every segment file in `dir` (all files but
/// tantivy's `meta.json` and its dot-files, which have no footer).
fn verify_segment_files(index: &Index, dir: &Path) -> Result<()> {
    // Every file a segment needs must be there (a deleted `.pos` file is
    // damage, found here rather than by the first search).
    use tantivy::index::SegmentComponent as C;
    for meta in index.searchable_segment_metas()? {
        let mut needed = vec![
            C::Postings,
            C::Positions,
            C::Terms,
            C::Store,
            C::FastFields,
            C::FieldNorms,
        ];
        if meta.has_deletes() {
            needed.push(C::Delete);
        }
        for c in needed {
            let f = meta.relative_path(c);
            if !dir.join(&f).is_file() {
                return Err(tantivy::TantivyError::DataCorruption(
                    tantivy::error::DataCorruption::new(
                        dir.join(&f),
                        "missing: the text index is damaged".into(),
                    ),
                )
                .into());
            }
        }
    }
    let entries = std::fs::read_dir(dir).map_err(|e| crate::error::Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| crate::error::Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') || name == "meta.json" || !entry.path().is_file() {
            continue;
        }
        // tantivy's footer reader checks for 4 bytes but reads 8: a shorter
        // file would make it panic, and is damaged anyway.
        let long_enough = entry.metadata().is_ok_and(|m| m.len() >= 8);
        let ok = long_enough
            && index
                .directory()
                .validate_checksum(Path::new(name))
                .unwrap_or(false);
        if !ok {
            return Err(tantivy::TantivyError::DataCorruption(
                tantivy::error::DataCorruption::new(
                    dir.join(name),
                    "checksum mismatch: the text index is damaged".into(),
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// Adds and deletes CV documents; nothing is visible until [`TextWriter::commit`].
pub struct TextWriter {
    writer: IndexWriter,
    row: Field,
    cv: Field,
    dir: Option<std::path::PathBuf>,
}

impl TextWriter {
    /// Adds the CV text of `row`.
    pub fn add(&mut self, row: u32, cv_text: &str) -> Result<()> {
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.row, row as u64);
        doc.add_text(self.cv, cv_text);
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// Deletes the document of `row`.
    pub fn delete(&mut self, row: u32) {
        self.writer
            .delete_term(Term::from_field_u64(self.row, row as u64));
    }

    /// Deletes every document.
    pub fn delete_all(&mut self) -> Result<()> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Commits with `payload` (rosa's generation) recorded in tantivy's meta.
    pub fn commit(mut self, payload: &str) -> Result<()> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(payload);
        prepared.commit()?;
        self.writer.wait_merging_threads()?;
        match &self.dir {
            Some(dir) => owner_only(dir),
            None => Ok(()),
        }
    }
}

impl TextIndex {
    /// The payload of the last commit (rosa's generation), if any.
    pub fn payload(&self) -> Option<String> {
        self.index.load_metas().ok().and_then(|m| m.payload)
    }
}

/// Makes tantivy's files in `dir` readable by their owner only (0600), as
/// every other file of an index: tantivy creates them under the process's
/// umask.
fn owner_only(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let io = |e| crate::error::Error::io(dir, e);
    // A file tantivy deletes meanwhile (garbage collection) is no concern.
    let gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        r => r,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        gone(entry.metadata().and_then(|meta| {
            if meta.is_file() && meta.permissions().mode() & 0o777 != 0o600 {
                std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))
            } else {
                Ok(())
            }
        }))
        .map_err(io)?;
    }
    Ok(())
}

/// Collects `(row, bm25)` for every matching document.
struct RowScores;

struct RowScoresSegment {
    rows: Column<u64>,
    out: Vec<(u32, f32)>,
}

impl Collector for RowScores {
    type Fruit = Vec<(u32, f32)>;
    type Child = RowScoresSegment;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<RowScoresSegment> {
        Ok(RowScoresSegment {
            rows: segment.fast_fields().u64("row")?,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u32, f32)>>) -> tantivy::Result<Vec<(u32, f32)>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for RowScoresSegment {
    type Fruit = Vec<(u32, f32)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(row) = self.rows.first(doc) {
            self.out.push((row as u32, score));
        }
    }

    fn harvest(self) -> Vec<(u32, f32)> {
        self.out
    }
}

/// The first index from `i` on whose target document is at least `d` (targets
/// ascending by document): doubling steps, then a binary search in the last one.
fn gallop(targets: &[(u32, DocId, u32)], i: usize, d: DocId) -> usize {
    if targets.get(i).is_none_or(|t| t.1 >= d) {
        return i;
    }
    let (mut lo, mut step) = (i, 1);
    loop {
        let hi = lo + step;
        if hi >= targets.len() || targets[hi].1 >= d {
            let end = hi.min(targets.len());
            return lo + 1 + targets[lo + 1..end].partition_point(|t| t.1 < d);
        }
        lo = hi;
        step *= 2;
    }
}

#[cfg(test)]
mod tests;
