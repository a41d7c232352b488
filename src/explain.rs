//! Why (not): one person against one vacancy, the answer to an appeal
//! (*istanza di riesame*). Every applied rule with its outcome (not only the
//! first failure), the score with its criteria, the rank among the eligible,
//! the cutoff of the roster and the gap to it, congruity and compatibility.
//!
//! **Invariant.** The explained score and rank are the roster's: both come from
//! the same [`crate::roster`] functions over the same query.

use serde::Serialize;

use crate::congruity::Congruity;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::model::VacancyRecord;
use crate::policy::Policy;
use crate::query::Query;
use crate::roster::{self, entry_order};
use crate::rules::{self, Outcome, RuleResult};
use crate::score::Criterion;

/// One ICF dimension of a compatibility check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dimension {
    /// ICF code.
    pub code: String,
    /// The task's demand (0..4).
    pub demand: u8,
    /// The person's residual capacity (0..4; 4 when not stated).
    pub capacity: u8,
    /// Pass when demand ≤ capacity.
    pub outcome: Outcome,
}

/// A support the person needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedCheck {
    /// The support.
    pub support: &'static str,
    /// Whether the employer provides it.
    pub provided: bool,
}

/// Compatibility of a functional profile with a task analysis (*collocamento
/// mirato*, L. 68/1999). Shown to operators only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compatibility {
    /// Every demand within capacity and every need supported.
    pub compatible: bool,
    /// Every demanded dimension.
    pub dimensions: Vec<Dimension>,
    /// Every need.
    pub needs: Vec<NeedCheck>,
}

/// The explanation of one person for one vacancy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Candidate id.
    pub candidate_id: String,
    /// Vacancy id.
    pub vacancy_id: String,
    /// Passes every applied rule.
    pub eligible: bool,
    /// The first failing rule in the documented order (the one counted in `excluded`).
    pub first_failure: Option<&'static str>,
    /// Every applied rule with its outcome.
    pub rules: Vec<RuleResult>,
    /// The score the person gets (also when excluded: what they would have scored).
    pub score: f64,
    /// The criteria of the score.
    pub criteria: Vec<Criterion>,
    /// Rank among the eligible (null when excluded).
    pub rank: Option<u64>,
    /// Number of eligible people.
    pub eligible_count: u64,
    /// Whether the person is in the roster.
    pub in_roster: bool,
    /// Score of the last roster entry (null when the roster is empty).
    pub cutoff_score: Option<f64>,
    /// `cutoff_score - score` when not in the roster.
    pub gap: Option<f64>,
    /// Congruity of the offer (null without a benefit).
    pub congruity: Option<Congruity>,
    /// Compatibility for targeted modes (null otherwise).
    pub compatibility: Option<Compatibility>,
    /// Fingerprint of the policy used.
    pub policy_fingerprint: String,
    /// Index generation.
    pub index_generation: u64,
    /// The taxonomy the index was built and queried with (version and fingerprint).
    pub taxonomy: crate::esco::TaxonomyId,
}

/// Compatibility of a row's profile with the vacancy's demands and supports,
/// or `None` for a person without a profile.
pub fn compatibility(index: &Index, row: u32, v: &VacancyRecord) -> Option<Compatibility> {
    let t = index.record(row).targeted.as_ref()?;
    let dimensions: Vec<Dimension> = v
        .demands
        .iter()
        .map(|(code, &demand)| {
            let capacity = t.capacities.get(code).copied().unwrap_or(4);
            Dimension {
                code: code.clone(),
                demand,
                capacity,
                outcome: if demand <= capacity {
                    Outcome::Pass
                } else {
                    Outcome::Fail
                },
            }
        })
        .collect();
    let needs: Vec<NeedCheck> = t
        .needs
        .iter()
        .map(|n| NeedCheck {
            support: n.as_str(),
            provided: v.supports.contains(n),
        })
        .collect();
    let compatible =
        dimensions.iter().all(|d| d.outcome == Outcome::Pass) && needs.iter().all(|n| n.provided);
    Some(Compatibility {
        compatible,
        dimensions,
        needs,
    })
}

/// Explains `candidate_id` for `vacancy`.
pub fn explain(
    index: &Index,
    vacancy: &VacancyRecord,
    policy: &Policy,
    candidate_id: &str,
) -> Result<Explanation> {
    explain_with(index, vacancy, policy, candidate_id, None)
}

/// [`explain`] with travel times from `travel` (see [`crate::roster::roster_with`]).
pub fn explain_with(
    index: &Index,
    vacancy: &VacancyRecord,
    policy: &Policy,
    candidate_id: &str,
    travel: Option<&dyn crate::geo::TravelTime>,
) -> Result<Explanation> {
    let row = index.row_of(candidate_id).ok_or_else(|| {
        Error::NotFound(format!("candidate {candidate_id:?} is not in the index"))
    })?;
    let mut q = Query::new(index, vacancy, policy)?.with_travel_time(travel);
    let results = rules::check_all(&q, index, row);
    let first_failure = results
        .iter()
        .find(|r| r.outcome == Outcome::Fail)
        .map(|r| r.name);
    let el = roster::eligibility(&q, index);
    let in_pool = roster::pool(&q, index).contains(row);
    let eligible = first_failure.is_none() && in_pool;
    // BM25 for the eligible and for this person (whose score is shown even
    // when excluded); the text criterion is normalised by the eligible's best.
    let mut text_rows = el.rows.clone();
    if let Err(i) = text_rows.binary_search(&row) {
        text_rows.insert(i, row);
    }
    q.load_text(index, &text_rows)?;
    let max = roster::max_bm25(&q, &el.rows);
    let (score, criteria) = roster::entry_score(&q, index, row, max, true);
    let cap = vacancy.cap() as usize;
    let best = roster::top_k(&q, index, &el.rows, max, cap);
    let rank = if eligible {
        // 1 + the eligible people ordered before this one.
        let ahead = el
            .rows
            .iter()
            .filter(|&&r| {
                r != row
                    && entry_order(
                        &q,
                        index,
                        (roster::entry_score(&q, index, r, max, false).0, r),
                        (score, row),
                    )
                    .is_lt()
            })
            .count();
        Some(ahead as u64 + 1)
    } else {
        None
    };
    let in_roster = best.iter().any(|&(_, r)| r == row);
    let cutoff_score = best.last().map(|&(s, _)| s);
    let compat = if vacancy.mode.is_targeted() {
        compatibility(index, row, vacancy)
    } else {
        None
    };
    let out = Explanation {
        candidate_id: candidate_id.to_string(),
        vacancy_id: vacancy.id.clone(),
        eligible,
        first_failure: if in_pool {
            first_failure
        } else if index.hired().contains(row) {
            Some("hired")
        } else {
            Some("applicants")
        },
        rules: results,
        score,
        criteria,
        rank,
        eligible_count: el.rows.len() as u64,
        in_roster,
        cutoff_score,
        gap: match (in_roster, cutoff_score) {
            (false, Some(c)) => Some(c - score),
            _ => None,
        },
        congruity: q.congruity(index, row),
        compatibility: compat,
        policy_fingerprint: q.policy.fingerprint(),
        taxonomy: crate::esco::active().id().clone(),
        index_generation: index.generation(),
    };
    index.check_records()?;
    Ok(out)
}
