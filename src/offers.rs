//! The person's side: which open vacancies a job seeker is eligible for, ranked
//! by the same score, each with its congruity verdict. It is the
//! self-consultation a job seeker expects and the list an operator checks
//! before proposing an offer whose refusal has consequences.

use rayon::prelude::*;
use serde::Serialize;

use crate::congruity::Congruity;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::policy::Policy;
use crate::query::Query;
use crate::roster;
use crate::rules;
use crate::score::{self, Criterion};

/// One open vacancy the person is eligible for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    /// 1-based rank.
    pub rank: u32,
    /// Vacancy id.
    pub vacancy_id: String,
    /// The person's score for it (the score the vacancy's roster uses).
    pub score: f64,
    /// The criteria.
    pub criteria: Vec<Criterion>,
    /// Congruity verdict (null without a benefit).
    pub congruity: Option<Congruity>,
}

/// The offers for one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offers {
    /// Candidate id.
    pub candidate_id: String,
    /// Number of open vacancies the person is eligible for.
    pub eligible: usize,
    /// Those vacancies, best score first, then vacancy id.
    pub offers: Vec<Offer>,
    /// Fingerprint of the policy used.
    pub policy_fingerprint: String,
    /// Index generation.
    pub index_generation: u64,
}

/// The open vacancies of the index that `candidate_id` is eligible for, ranked.
/// A vacancy with an `applicants` list is offered only to those on it; a vacancy whose
/// `expires` is before the policy's `as_of` is offered to no one.
pub fn offers(index: &Index, policy: &Policy, candidate_id: &str) -> Result<Offers> {
    offers_with(index, policy, candidate_id, None)
}

/// [`offers`] with travel times from `travel` (see [`crate::roster::roster_with`]).
pub fn offers_with(
    index: &Index,
    policy: &Policy,
    candidate_id: &str,
    travel: Option<&dyn crate::geo::TravelTime>,
) -> Result<Offers> {
    let row = index.row_of(candidate_id).ok_or_else(|| {
        Error::NotFound(format!("candidate {candidate_id:?} is not in the index"))
    })?;
    // A person hired through an outcome is no longer available: no offers.
    let hired = index.hired().contains(row);
    let as_of = policy.as_of();
    let found: Vec<Result<Option<Offer>>> = index
        .vacancies()
        .par_iter()
        .map(|v| {
            // Hired people get nothing; a vacancy past its expiry takes no one.
            if hired || v.expires.is_some_and(|x| x < as_of) {
                return Ok(None);
            }
            if let Some(a) = &v.applicants {
                if !a.iter().any(|id| id == candidate_id) {
                    return Ok(None);
                }
            }
            let mut q = Query::new(index, v, policy)?.with_travel_time(travel);
            if rules::first_failure(&q, index, row).is_some() {
                return Ok(None);
            }
            // The text criterion is normalised by the best BM25 among the
            // vacancy's eligible, exactly as in its roster.
            let el = roster::eligibility(&q, index);
            q.load_text(index, &el.rows)?;
            let max = roster::max_bm25(&q, &el.rows);
            // The fit score of section 5 in every mode, so that offers compare
            // (a graduatoria's points are on another scale).
            let (score, criteria) = score::score(&q, index, row, max, true);
            Ok(Some(Offer {
                rank: 0,
                vacancy_id: v.id.clone(),
                score,
                criteria,
                congruity: q.congruity(index, row),
            }))
        })
        .collect();
    let mut offers = Vec::new();
    for f in found {
        if let Some(o) = f? {
            offers.push(o);
        }
    }
    offers.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.vacancy_id.cmp(&b.vacancy_id))
    });
    for (i, o) in offers.iter_mut().enumerate() {
        o.rank = i as u32 + 1;
    }
    index.check_records()?;
    Ok(Offers {
        candidate_id: candidate_id.to_string(),
        eligible: offers.len(),
        offers,
        policy_fingerprint: policy.fingerprint(),
        index_generation: index.generation(),
    })
}
