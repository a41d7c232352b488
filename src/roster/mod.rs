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

mod topk;
pub use topk::{best, top_k, top_k_exhaustive, top_k_pruned, Pruned};

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
                match run.iter().position(|&r| !rules::passes(r, q, index, row)) {
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
