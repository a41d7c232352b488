//! The roster (*rosa di candidati*, section 6 of the design): eligibility over the
//! pool, scores in parallel, top-k with the documented tie-break, and the output
//! shape.
//!
//! **Invariants.** At most `cap` entries; ranks 1..n; scores non-increasing; ties
//! broken by earlier `did_date`, then `id` ascending (never by thread timing or
//! hash order); Σ points = score; every entry passes every applied rule;
//! Σ excluded + eligible = pool, each excluded person counted once under the first
//! rule they fail.

use std::cmp::Ordering;

use rayon::prelude::*;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use roaring::RoaringBitmap;

use crate::congruity::Congruity;
use crate::error::Result;
use crate::filters::Filters;
use crate::index::Index;
use crate::model::{Mode, VacancyRecord};
use crate::policy::Policy;
use crate::query::{Query, RuleBitmaps};
use crate::rules::{self, Rule, RuleResult};
use crate::score::{self, Criterion};

/// Exclusion counts by rule, serialised as a JSON object in rule order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exclusions(pub Vec<(&'static str, u64)>);

impl Exclusions {
    /// The count for a rule name (0 if the rule was not applied).
    pub fn get(&self, name: &str) -> u64 {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, c)| *c)
    }

    /// Sum of all counts.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, c)| c).sum()
    }
}

impl Serialize for Exclusions {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A suggested extra parameter that would narrow the eligible pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Narrowing {
    /// The parameter, in words (`licences:CE required`).
    pub parameter: String,
    /// How many would remain eligible with it.
    pub eligible: u64,
}

/// One person proposed.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// 1-based rank.
    pub rank: u32,
    /// Pseudonymous id.
    pub candidate_id: String,
    /// Score (Σ of the criteria's points).
    pub score: f64,
    /// The score is left out of the output: the employer view of a graduatoria,
    /// whose total (e.g. 1000 − 115 months − 12 per dependent − 28 for
    /// invalidity) would let protected data be inferred.
    pub score_withheld: bool,
    /// The criteria, in policy order.
    pub criteria: Vec<Criterion>,
    /// Every applied rule, all passed (operator view only).
    pub rules: Option<Vec<RuleResult>>,
    /// Congruity of the offer for a person with a benefit: `null` when they have
    /// none; absent in the employer view.
    pub congruity: Option<Option<Congruity>>,
}

impl Serialize for Entry {
    /// `rank`, `candidate_id`, `score` (unless withheld), `criteria`, then
    /// `rules` and `congruity` when present.
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Entry", 6)?;
        m.serialize_field("rank", &self.rank)?;
        m.serialize_field("candidate_id", &self.candidate_id)?;
        if self.score_withheld {
            m.skip_field("score")?;
        } else {
            m.serialize_field("score", &self.score)?;
        }
        m.serialize_field("criteria", &self.criteria)?;
        match &self.rules {
            Some(rules) => m.serialize_field("rules", rules)?,
            None => m.skip_field("rules")?,
        }
        match &self.congruity {
            Some(c) => m.serialize_field("congruity", c)?,
            None => m.skip_field("congruity")?,
        }
        m.end()
    }
}

/// Who reads a roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// CPI operators and auditors: everything, rules and congruity included.
    Operator,
    /// The employer: pseudonymous id, rank, score and criteria (matched
    /// competences) only; never disability, benefit or ranking data. In
    /// graduatoria modes only id and rank; exclusions are never broken down.
    Employer,
}

/// The roster for one vacancy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Roster {
    /// Vacancy id.
    pub vacancy_id: String,
    /// Mode.
    pub mode: Mode,
    /// Roster cap applied.
    pub cap: u32,
    /// Why the cap exceeds 15, when the employer asked so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap_override_reason: Option<String>,
    /// People considered.
    pub pool: u64,
    /// People passing every rule.
    pub eligible: u64,
    /// People excluded, by first failing rule (empty in the employer view).
    pub excluded: Exclusions,
    /// Extra parameters suggested when more than the cap are eligible.
    pub narrowing: Vec<Narrowing>,
    /// The entries, best first.
    pub entries: Vec<Entry>,
    /// Ids in the vacancy's `applicants` that are not in the index (never
    /// indexed, or removed), in list order without repeats; they are not in
    /// the pool. Absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_applicants: Vec<String>,
    /// Fingerprint of the policy used.
    pub policy_fingerprint: String,
    /// Index generation queried.
    pub index_generation: u64,
    /// Engine version.
    pub engine_version: String,
    /// The taxonomy the index was built and queried with (version and fingerprint).
    pub taxonomy: crate::esco::TaxonomyId,
    /// Who the roster is for.
    pub view: View,
}

impl Roster {
    /// The roster as shown to `view`. The employer view drops every rule outcome
    /// and congruity verdict (they speak of availability, benefits and
    /// disability) and the exclusion counts by rule (with a short `applicants`
    /// list, "1 excluded for compatibility" names a person's disability). In
    /// graduatoria modes it also drops the points terms (invalidity, ISEE,
    /// income, dependents, age) and the total, from which they could be
    /// inferred: the employer sees ids and ranks, and the vacancy-level counts.
    pub fn for_view(mut self, view: View) -> Roster {
        if view == View::Employer {
            let graduatoria = self.mode.is_graduatoria();
            for e in &mut self.entries {
                e.rules = None;
                e.congruity = None;
                if graduatoria {
                    e.criteria.clear();
                    e.score_withheld = true;
                }
            }
            self.excluded = Exclusions::default();
        }
        self.view = view;
        self
    }
}

/// The documented order of entries: in scored modes score descending, then
/// earlier `did_date` (longer unemployment first), then `id` ascending; in
/// graduatoria modes the template's direction and tie-breakers, then `id`.
pub fn entry_order(q: &Query, index: &Index, a: (f64, u32), b: (f64, u32)) -> Ordering {
    match &q.template {
        Some(t) => t.order(
            (a.0, index.ranking_inputs(a.1), index.id(a.1)),
            (b.0, index.ranking_inputs(b.1), index.id(b.1)),
        ),
        None => b.0.total_cmp(&a.0).then_with(|| {
            let (fa, fb) = (index.features(a.1), index.features(b.1));
            fa.did_date
                .cmp(&fb.did_date)
                .then_with(|| index.id(a.1).cmp(index.id(b.1)))
        }),
    }
}

/// The score of a row in the query's mode (fit score, or graduatoria total) and,
/// with `detail`, its criteria.
pub fn entry_score(
    q: &Query,
    index: &Index,
    row: u32,
    max_bm25: f32,
    detail: bool,
) -> (f64, Vec<Criterion>) {
    match &q.template {
        Some(t) => t.score(index.ranking_inputs(row), q.vacancy, q.as_of, detail),
        None => score::score(q, index, row, max_bm25, detail),
    }
}

/// Result of the eligibility pass.
pub struct Eligibility {
    /// People considered.
    pub pool: u64,
    /// Rows passing every rule, ascending.
    pub rows: Vec<u32>,
    /// Exclusions by rule, in rule order.
    pub excluded: Exclusions,
}

const CHUNK: usize = 8192;

/// The pool of a query: every indexed person, or the vacancy's applicants found
/// in the index, less those with a `hired` outcome (no longer available).
pub fn pool(q: &Query, index: &Index) -> RoaringBitmap {
    let mut pool = match &q.vacancy.applicants {
        Some(ids) => ids.iter().filter_map(|id| index.row_of(id)).collect(),
        None => index.live().clone(),
    };
    pool -= index.hired();
    pool
}

/// The vacancy's `applicants` that are not live in the index, in list order
/// without repeats.
pub fn unknown_applicants(vacancy: &VacancyRecord, index: &Index) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    vacancy
        .applicants
        .iter()
        .flatten()
        .filter(|id| index.row_of(id).is_none() && seen.insert(id.as_str()))
        .cloned()
        .collect()
}

/// Runs the applied rules over the pool in the documented order, counting each
/// exclusion once under the first rule failed. Categorical rules intersect
/// bitmaps; runs of per-row rules are checked in parallel chunks.
pub fn eligibility(q: &Query, index: &Index) -> Eligibility {
    let filters = index.filters();
    let mut remaining = pool(q, index);
    let pool_len = remaining.len();
    let mut counts = vec![0u64; q.rules.len()];
    let mut i = 0;
    while i < q.rules.len() {
        let before = remaining.len();
        if Filters::has_bitmap(q.rules[i]) {
            let (bm, exact) = filters
                .rule_bitmap(q.rules[i], q, index)
                .expect("has_bitmap");
            remaining &= bm;
            if !exact {
                let rule = q.rules[i];
                remaining = filter_rows(&remaining, &[rule], &mut [0], q, index);
            }
            counts[i] = before - remaining.len();
            i += 1;
        } else {
            let mut j = i;
            while j < q.rules.len() && !Filters::has_bitmap(q.rules[j]) {
                j += 1;
            }
            remaining = filter_rows(&remaining, &q.rules[i..j], &mut counts[i..j], q, index);
            i = j;
        }
    }
    let excluded = Exclusions(q.rules.iter().map(|r| r.name()).zip(counts).collect());
    Eligibility {
        pool: pool_len,
        rows: remaining.iter().collect(),
        excluded,
    }
}

/// Keeps the rows passing every rule of `run`, adding each failure to `counts`
/// under the first rule of the run it fails.
fn filter_rows(
    rows: &RoaringBitmap,
    run: &[Rule],
    counts: &mut [u64],
    q: &Query,
    index: &Index,
) -> RoaringBitmap {
    let rows: Vec<u32> = rows.iter().collect();
    let parts: Vec<(Vec<u64>, Vec<u32>)> = rows
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut c = vec![0u64; run.len()];
            let mut kept = Vec::with_capacity(chunk.len());
            for &row in chunk {
                match run
                    .iter()
                    .position(|&r| !rules::check(r, q, index, row, false).0)
                {
                    Some(k) => c[k] += 1,
                    None => kept.push(row),
                }
            }
            (c, kept)
        })
        .collect();
    let mut out = RoaringBitmap::new();
    for (c, kept) in parts {
        for (a, b) in counts.iter_mut().zip(c) {
            *a += b;
        }
        out.append(kept).expect("rows ascending");
    }
    out
}

/// The best BM25 among the eligible rows (ascending).
pub fn max_bm25(q: &Query, rows: &[u32]) -> f32 {
    q.bm25_column(rows).into_iter().fold(0.0, f32::max)
}

/// A pool is wide from this fraction of the index on (1 / `WIDE_SHARE`), for
/// [`best`] (the same as [`crate::text::TextIndex::max_among`]'s).
const WIDE_SHARE: usize = 32;

/// Pools up to this size are scored exhaustively: bounding them costs about what
/// scoring does.
const PRUNE_FROM: usize = 256;

/// The best `k` eligible rows (ascending `rows`) as `(score, row)` in entry order.
///
/// In scored modes rows that cannot enter the top `k` are never fully scored
/// (max-score style): every row gets its [`score::Bound`] (exact but for partial
/// credit through related skills, the costly part), the rows with the highest
/// bounds are scored first, and the rest are scored only if their bound reaches
/// the `k`-th score found. A row whose bound is below it scores below `k` rows
/// already found, so the result is [`top_k_exhaustive`]'s, ties included.
pub fn top_k(q: &Query, index: &Index, rows: &[u32], max_bm25: f32, k: usize) -> Vec<(f64, u32)> {
    // Narrower pools: their BM25 costs less than finding its best elsewhere.
    let narrow = rows.len() * WIDE_SHARE < index.len();
    if q.template.is_some() || k == 0 || rows.len() <= PRUNE_FROM.max(4 * k) || narrow {
        return top_k_exhaustive(q, index, rows, max_bm25, k);
    }
    top_k_pruned(q, index, rows, max_bm25, k, (4 * k).max(64)).best
}

/// The best `k` eligible rows (ascending `rows`) as `(score, row)` in entry
/// order, and the best BM25 among them all (the text criterion's
/// normalisation). Loads into `q` the BM25 of the rows it scores, the best
/// among them: what the entries read.
///
/// The same result as loading every row's BM25 and taking [`top_k_exhaustive`],
/// ties included. A wide pool in a scored mode is not read row by row: the best
/// BM25 comes from [`crate::text::TextIndex::max_among`], and only the rows whose
/// class ([`score::Reach`]) can reach the `k`-th score get their BM25 and
/// [`top_k`]. The classes are tried from the highest down until at least `k`
/// eligible rows are in them; the `k`-th score among those is a floor of the
/// final one, and a row outside every class reaching it cannot enter the top.
pub fn best(
    q: &mut Query,
    index: &Index,
    rows: &[u32],
    k: usize,
) -> Result<(f32, Vec<(f64, u32)>)> {
    // Narrower pools: their BM25 costs less than finding its best elsewhere.
    let narrow = rows.len() * WIDE_SHARE < index.len();
    if q.template.is_some() || k == 0 || rows.len() <= PRUNE_FROM.max(4 * k) || narrow {
        q.load_text(index, rows)?;
        let max = max_bm25(q, rows);
        return Ok((max, top_k(q, index, rows, max, k)));
    }
    let eligible = RoaringBitmap::from_sorted_iter(rows.iter().copied()).expect("ascending rows");
    let text = format!("{} {}", q.vacancy.title, q.vacancy.text);
    let max = index.text().max_among(&text, rows)?;
    let bound = score::Bound::new(q, index);
    let reach = score::Reach::new(&bound, q, index);
    let levels = reach.levels(q);
    // The highest classes holding k eligible rows (galloping down the levels).
    let (mut at, mut some) = (0, RoaringBitmap::new());
    while at < levels.len() {
        some = reach.rows(q, levels[at]) & &eligible;
        if some.len() >= k as u64 || at + 1 == levels.len() {
            break;
        }
        at = (2 * at + 1).min(levels.len() - 1);
    }
    let mut best = top_in(q, index, &bound, &some, max, k)?;
    // Rows outside those classes are bounded by the next level: if it reaches
    // the k-th score found, the classes reaching that score are taken whole.
    let floor = best.get(k - 1).map_or(f64::NEG_INFINITY, |b| b.0);
    if levels.get(at + 1).is_some_and(|&next| next >= floor) {
        let more = reach.rows(q, floor) & &eligible;
        if more.len() > some.len() {
            best = top_in(q, index, &bound, &more, max, k)?;
        }
    }
    Ok((max, best))
}

/// [`top_k`] of a set of rows, loading into `q` the BM25 of those it scores.
///
/// A row's text value is at most 1 (its BM25 at most the best, `max`), so every
/// row first gets its loose bound with that value; the highest bounds are
/// scored with their BM25, and only the rows whose bound reaches the `k`-th
/// score found get theirs loaded for [`top_k`].
fn top_in(
    q: &mut Query,
    index: &Index,
    bound: &score::Bound,
    rows: &RoaringBitmap,
    max: f32,
    k: usize,
) -> Result<Vec<(f64, u32)>> {
    let rows: Vec<u32> = rows.iter().collect();
    let seed = (4 * k).max(64);
    if rows.len() <= PRUNE_FROM.max(seed) {
        q.load_text(index, &rows)?;
        return Ok(top_k(q, index, &rows, max, k));
    }
    let mut loose: Vec<(f64, u32)> = rows
        .par_chunks(CHUNK)
        .flat_map_iter(|chunk| {
            let q = &*q;
            chunk
                .iter()
                .map(move |&r| (bound.loose(q, index, r, max, max), r))
                .collect::<Vec<_>>()
        })
        .collect();
    loose.select_nth_unstable_by(seed - 1, |a, b| b.0.total_cmp(&a.0));
    let mut first: Vec<u32> = loose[..seed].iter().map(|&(_, r)| r).collect();
    first.sort_unstable();
    q.load_text(index, &first)?;
    let found = top_k_exhaustive(q, index, &first, max, k);
    let threshold = found[k - 1].0;
    let mut near: Vec<u32> = loose
        .iter()
        .filter(|&&(b, _)| b >= threshold)
        .map(|&(_, r)| r)
        .collect();
    near.sort_unstable();
    q.load_text(index, &near)?;
    Ok(top_k(q, index, &near, max, k))
}

/// What [`top_k_pruned`] found and how much it scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Pruned {
    /// The best `k` as `(score, row)` in entry order.
    pub best: Vec<(f64, u32)>,
    /// Rows fully scored (the others were bounded only).
    pub scored: usize,
}

/// [`top_k`]'s pruned path in a scored mode, the `seed` highest bounds scored
/// first (`seed` ≥ 1). Public for the test that holds it to [`top_k_exhaustive`].
pub fn top_k_pruned(
    q: &Query,
    index: &Index,
    rows: &[u32],
    max_bm25: f32,
    k: usize,
    seed: usize,
) -> Pruned {
    assert!(q.template.is_none(), "graduatoria modes are not pruned");
    if k == 0 || rows.len() <= seed.max(k) {
        let best = top_k_exhaustive(q, index, rows, max_bm25, k);
        return Pruned {
            best,
            scored: rows.len(),
        };
    }
    let bound = score::Bound::new(q, index);
    let bm25 = q.bm25_column(rows);
    // Every row's loose bound (no rounding), by position in `rows`.
    let mut loose: Vec<(f64, u32)> = rows
        .par_chunks(CHUNK)
        .zip(bm25.par_chunks(CHUNK))
        .enumerate()
        .flat_map_iter(|(c, (rows, bm25))| {
            rows.iter()
                .zip(bm25)
                .enumerate()
                .map(|(i, (&r, &b))| {
                    (
                        bound.loose(q, index, r, b, max_bm25),
                        (c * CHUNK + i) as u32,
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // The exact bound of the rows at these positions.
    let bounded = |at: &[(f64, u32)]| -> Vec<(f64, u32, bool)> {
        at.iter()
            .map(|&(_, i)| {
                let (r, b) = (rows[i as usize], bm25[i as usize]);
                let (value, exact) = bound.of(q, index, r, b, max_bm25);
                (value, r, exact)
            })
            .collect()
    };
    // The highest bounds first (which of equal bounds does not matter: the
    // threshold only decides what is scored, the order decides the result).
    let seed = seed.max(k);
    loose.select_nth_unstable_by(seed - 1, |a, b| b.0.total_cmp(&a.0));
    let (first, rest) = loose.split_at(seed);
    let mut scored = 0;
    let mut best = top_of(q, index, &bounded(first), max_bm25, k, &mut scored);
    // `seed` ≥ k rows scored: the k-th score is a floor of the final k-th
    // score. A row can reach it only if its bound does, hence its loose bound.
    let threshold = best[k - 1].0;
    let near: Vec<(f64, u32)> = rest
        .iter()
        .filter(|&&(loose, _)| loose >= threshold)
        .copied()
        .collect();
    let contenders: Vec<(f64, u32, bool)> = bounded(&near)
        .into_iter()
        .filter(|&(bound, _, _)| bound >= threshold)
        .collect();
    best.extend(top_of(q, index, &contenders, max_bm25, k, &mut scored));
    best.sort_by(|a, b| entry_order(q, index, *a, *b));
    best.truncate(k);
    Pruned { best, scored }
}

/// The best `k` of bounded rows: a bound that is the score is taken as it is, the
/// others are scored (counted in `scored`).
fn top_of(
    q: &Query,
    index: &Index,
    bounded: &[(f64, u32, bool)],
    max_bm25: f32,
    k: usize,
    scored: &mut usize,
) -> Vec<(f64, u32)> {
    let mut rows: Vec<u32> = bounded
        .iter()
        .filter(|&&(_, _, exact)| !exact)
        .map(|&(_, r, _)| r)
        .collect();
    rows.sort_unstable();
    *scored += rows.len();
    let mut best = top_k_exhaustive(q, index, &rows, max_bm25, k);
    best.extend(
        bounded
            .iter()
            .filter(|&&(_, _, exact)| exact)
            .map(|&(score, r, _)| (score, r)),
    );
    let order = |a: &(f64, u32), b: &(f64, u32)| entry_order(q, index, *a, *b);
    if best.len() > k {
        best.select_nth_unstable_by(k, order);
        best.truncate(k);
    }
    best.sort_by(order);
    best
}

/// Scores every row and returns the best `k` as `(score, row)` in entry order.
pub fn top_k_exhaustive(
    q: &Query,
    index: &Index,
    rows: &[u32],
    max_bm25: f32,
    k: usize,
) -> Vec<(f64, u32)> {
    let order = |a: &(f64, u32), b: &(f64, u32)| entry_order(q, index, *a, *b);
    let best = rows
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut scored: Vec<(f64, u32)> = chunk
                .iter()
                .map(|&r| (entry_score(q, index, r, max_bm25, false).0, r))
                .collect();
            if scored.len() > k {
                scored.select_nth_unstable_by(k, order);
                scored.truncate(k);
            }
            scored
        })
        .reduce(Vec::new, |mut a, b| {
            a.extend(b);
            if a.len() > k {
                a.select_nth_unstable_by(k, order);
                a.truncate(k);
            }
            a
        });
    let mut best = best;
    best.sort_by(order);
    best.truncate(k);
    best
}

/// Up to 3 extra parameters that would narrow an eligible pool larger than
/// `cap` (Umbria standard: "vengono richiesti ulteriori parametri per
/// restringerlo"), each with the eligible count it would leave. Candidates: a
/// soft skill, licence or language made required, the minimum education made
/// required, experience in the vacancy's unit group, a tighter distance. Those
/// that leave between 1 and `eligible - 1` people are kept, closest to the cap
/// first (then by name).
pub fn narrowing(q: &Query, index: &Index, eligible: &[u32], cap: u32) -> Vec<Narrowing> {
    if eligible.len() as u64 <= cap as u64 {
        return Vec::new();
    }
    // Education and distance from one pass over the rows' packed comune and
    // EQF level (histograms, merged across chunks); experience in the unit
    // group from its bitmap.
    let min_eqf = match (q.vacancy.education_eqf_min, q.vacancy.education_required) {
        (Some(min), false) => Some(min),
        _ => None,
    };
    let unit_group = q.vacancy.isco.len() == 4;
    let packed = index.comune_eqf();
    let comuni = crate::geo::Comuni::embedded().len();
    let (by_eqf, by_comune) = eligible
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut by_eqf = [0u64; 256];
            let mut by_comune = vec![0u32; comuni];
            for &r in chunk {
                let (c, e) = packed[r as usize];
                by_eqf[e as usize] += 1;
                by_comune[c as usize] += 1;
            }
            (by_eqf, by_comune)
        })
        .reduce(
            || ([0u64; 256], vec![0u32; comuni]),
            |(mut e1, mut c1), (e2, c2)| {
                e1.iter_mut().zip(e2).for_each(|(a, b)| *a += b);
                c1.iter_mut().zip(c2).for_each(|(a, b)| *a += b);
                (e1, c1)
            },
        );
    let educated: u64 = min_eqf.map_or(0, |min| by_eqf[min.max(1) as usize..].iter().sum());
    let el: RoaringBitmap = RoaringBitmap::from_sorted_iter(eligible.iter().copied())
        .unwrap_or_else(|_| eligible.iter().copied().collect());
    let experienced = if unit_group {
        index
            .filters()
            .experienced(q.isco_target)
            .map_or(0, |bm| el.intersection_len(bm))
    } else {
        0
    };
    let f = index.filters();
    let v = q.vacancy;
    let mut out: Vec<Narrowing> = Vec::new();
    for s in q.skills.iter().filter(|s| !s.required) {
        if s.key.is_some() || !s.alt_keys.is_empty() {
            let cand: Vec<u32> = (&el & f.skill_any(s.keys())).iter().collect();
            let n = cand
                .iter()
                .filter(|&&r| q.skill_match(s, &index.features(r).skills).is_some())
                .count() as u64;
            out.push(Narrowing {
                parameter: format!("skills:{} required", s.name),
                eligible: n,
            });
        }
    }
    for l in v.licences.iter().filter(|l| !l.required) {
        out.push(Narrowing {
            parameter: format!("licences:{} required", l.code),
            eligible: (&el & f.licence(&l.code)).len(),
        });
    }
    for l in v.languages.iter().filter(|l| !l.required) {
        out.push(Narrowing {
            parameter: format!("languages:{} {} required", l.code, l.cefr.as_str()),
            eligible: (&el & f.language(&l.code, l.cefr.rank())).len(),
        });
    }
    if let Some(min) = min_eqf {
        out.push(Narrowing {
            parameter: format!("education:EQF {min} required"),
            eligible: educated,
        });
    }
    if unit_group {
        out.push(Narrowing {
            parameter: format!("experience:12 months as {} required", v.isco),
            eligible: experienced,
        });
    }
    // The tightest whole-km radius that still keeps `cap` people: the
    // distance of the cap-th nearest, from the people per comune.
    let mut near: Vec<(f64, u32)> = by_comune
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(c, &n)| (q.km(c as crate::geo::ComuneId), n))
        .collect();
    near.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut seen = 0u64;
    let nth = near
        .iter()
        .find(|&&(_, n)| {
            seen += n as u64;
            seen >= cap as u64
        })
        .map_or(0.0, |&(d, _)| d);
    let radius = nth.ceil().max(1.0);
    let n: u64 = near
        .iter()
        .filter(|&&(d, _)| d <= radius)
        .map(|&(_, n)| n as u64)
        .sum();
    out.push(Narrowing {
        parameter: format!("distance:workplace within {radius:.0} km"),
        eligible: n,
    });

    out.retain(|n| n.eligible > 0 && n.eligible < eligible.len() as u64);
    out.sort_by(|a, b| {
        a.eligible
            .abs_diff(cap as u64)
            .cmp(&b.eligible.abs_diff(cap as u64))
            .then_with(|| a.parameter.cmp(&b.parameter))
    });
    out.truncate(3);
    out
}

/// Builds the roster of a vacancy.
pub fn roster(index: &Index, vacancy: &VacancyRecord, policy: &Policy) -> Result<Roster> {
    roster_with(index, vacancy, policy, None)
}

/// [`roster`] with travel times from `travel` (a journey planner) instead of the
/// policy's [`crate::geo::DistanceModel`], for the congruity criterion.
pub fn roster_with(
    index: &Index,
    vacancy: &VacancyRecord,
    policy: &Policy,
    travel: Option<&dyn crate::geo::TravelTime>,
) -> Result<Roster> {
    let mut q = Query::new(index, vacancy, policy)?.with_travel_time(travel);
    let el = eligibility(&q, index);
    let cap = vacancy.cap();
    let (max, best) = best(&mut q, index, &el.rows, cap as usize)?;
    let entries = best
        .iter()
        .enumerate()
        .map(|(i, &(s, row))| {
            let (score, criteria) = entry_score(&q, index, row, max, true);
            debug_assert_eq!(score, s);
            Entry {
                rank: i as u32 + 1,
                candidate_id: index.id(row).to_string(),
                score,
                score_withheld: false,
                criteria,
                rules: Some(rules::check_all(&q, index, row)),
                congruity: Some(q.congruity(index, row)),
            }
        })
        .collect();
    let narrowing = narrowing(&q, index, &el.rows, cap);
    index.check_records()?;
    Ok(Roster {
        vacancy_id: vacancy.id.clone(),
        mode: vacancy.mode,
        cap,
        cap_override_reason: vacancy.cap_override.as_ref().map(|o| o.reason.clone()),
        pool: el.pool,
        eligible: el.rows.len() as u64,
        excluded: el.excluded,
        narrowing,
        entries,
        unknown_applicants: unknown_applicants(vacancy, index),
        policy_fingerprint: q.policy.fingerprint(),
        index_generation: index.generation(),
        engine_version: crate::ENGINE_VERSION.to_string(),
        taxonomy: crate::esco::active().id().clone(),
        view: View::Operator,
    })
}
