//! Ranking quality: rosa against two baselines on labelled synthetic data
//! (`rosa eval`).
//!
//! # The labelled set
//!
//! Candidates and vacancies come from [`crate::gen`] with a fixed seed and
//! `as_of` (2026-11-01 by default), so the figures are reproducible. The ground
//! truth is built from what the generator *knows*, not from what rosa reads:
//!
//! - the ISCO unit groups of the candidate's **experiences** (the generator gives
//!   every candidate a main profession, always the first experience, and
//!   sometimes experiences in related professions: curated neighbours and those
//!   of the same minor group);
//! - the ESCO URI of every skill the generator chose for the candidate and the
//!   vacancy ([`crate::gen::candidate_skill_uris`]), **whatever form the record
//!   writes it in**: half the skills carry the URI, the rest only an Italian
//!   label, an English label or a misspelled label. The truth therefore does not
//!   go through rosa's label normaliser; recovering it is part of what is judged.
//!
//! **Graded relevance** of a candidate for a vacancy with ISCO unit group `u`.
//! The *key skills* are the vacancy's required skills, or all its skills when
//! none is required.
//!
//! | grade | meaning |
//! |---|---|
//! | 3 | an experience in `u` itself **and** at least one key skill (by URI) |
//! | 2 | an experience in `u` without a key skill, or in the same ISCO minor group (3 digits) |
//! | 1 | an experience in the same sub-major group (2 digits) |
//! | 0 | otherwise |
//!
//! Desired professions (`desired_isco`) do not count: a wish is not evidence.
//! Grade ≥ 2 counts as *relevant* for precision and MRR.
//!
//! # The queries
//!
//! Vacancies are taken in generator order; a vacancy is used when it is in
//! `preselection` mode (the scored mode; graduatoria modes do not rank by fit and
//! targeted modes draw on the small L. 68/1999 lists), when at least
//! [`K`] candidates are eligible for it and at least one of them is relevant,
//! until `queries` vacancies are used (at most 50 × `queries` are tried).
//!
//! Each vacancy is evaluated with its skills' `required` flags cleared, every other
//! rule kept. Otherwise the `skills` rule, which goes through rosa's own normaliser,
//! would decide who is ranked at all, favouring rosa and making the skill part of
//! grade 3 hold for everyone. The three systems then rank **the same eligible set**:
//! the rows [`roster::eligibility`] keeps under the default policy (rules do not
//! depend on the weights).
//!
//! # The systems
//!
//! - **rosa**: the default policy's score, in the roster's order (score, then
//!   earlier DID date, then id), every eligible row ranked by [`roster::top_k`].
//! - **bm25**: the same engine with the weights `text = 1`, every other 0, i.e.
//!   BM25 of the vacancy's title and text against the CV text alone (ties: as rosa).
//! - **skill_overlap**: how many of the vacancy's ESCO URIs, as written in the
//!   vacancy record, the candidate record also carries as a URI; exact matching,
//!   no labels. Ties by candidate id. (rosa's `skills` criterion is not this: it
//!   reads labels through the normaliser and weighs similarity and certification,
//!   so the baseline is computed here from the records.)
//! - **rosa_no_occupation**: rosa with the occupation weight moved to skills. The
//!   grades follow past jobs' ISCO codes, which rosa's occupation criterion reads
//!   directly; this line shows rosa without that head start.
//!
//! # The metrics
//!
//! Means over the queries of: **NDCG@15** with gain `2^grade − 1` and discount
//! `log2(rank + 1)`, against the ideal ordering of all eligible candidates;
//! **P@15**, the share of the first 15 that are relevant; **MRR**, the reciprocal
//! rank of the first relevant candidate in the full ranking (0 when none).

use std::collections::HashMap;

use serde::Serialize;

pub mod profiles;

use crate::date::Date;
use crate::error::Result;
use crate::gen::{self, GenConfig};
use crate::index::Index;
use crate::model::{CandidateRecord, Mode, VacancyRecord};
use crate::policy::{Policy, Weights};
use crate::query::Query;
use crate::roster;
use crate::taxonomy::isco_shared_digits;

/// The cut-off of NDCG and precision: a roster's size.
pub const K: usize = crate::model::ROSTER_CAP as usize;

/// How many vacancies may be tried per query asked for.
const TRIES_PER_QUERY: usize = 50;

/// What to evaluate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalConfig {
    /// Candidates generated (the pool).
    pub candidates: usize,
    /// Vacancies to evaluate (queries).
    pub queries: usize,
    /// Generator seed.
    pub seed: u64,
    /// Reference date of the generator and of every rule.
    pub as_of: Date,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            candidates: 20_000,
            queries: 30,
            seed: 42,
            as_of: Date::parse("2026-11-01").expect("valid date"),
        }
    }
}

/// Mean metrics of one system.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemScores {
    /// `rosa`, `bm25` or `skill_overlap`.
    pub system: &'static str,
    /// Mean NDCG@15.
    pub ndcg_at_15: f64,
    /// Mean precision@15 (relevant: grade ≥ 2).
    pub precision_at_15: f64,
    /// Mean reciprocal rank of the first relevant candidate.
    pub mrr: f64,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Candidates generated.
    pub candidates: usize,
    /// Queries evaluated (fewer than asked when too few vacancies qualified).
    pub queries: usize,
    /// Generator seed.
    pub seed: u64,
    /// Reference date.
    pub as_of: Date,
    /// Vacancies tried to find the queries.
    pub vacancies_tried: usize,
    /// Mean eligible candidates per query.
    pub mean_eligible: f64,
    /// Mean relevant (grade ≥ 2) eligible candidates per query.
    pub mean_relevant: f64,
    /// The best mean P@15 any ranking could reach (queries with fewer than 15
    /// relevant candidates cap it).
    pub max_precision_at_15: f64,
    /// Scores of rosa, then the BM25 baseline, then the skill-overlap baseline.
    pub systems: Vec<SystemScores>,
}

impl Report {
    /// The scores of a system by name.
    pub fn system(&self, name: &str) -> Option<&SystemScores> {
        self.systems.iter().find(|s| s.system == name)
    }
}

/// The graded relevance (0–3) of a candidate for a vacancy, as documented in the
/// module: `candidate_uris` and `key_uris` are the generator's truth.
pub fn relevance(
    vacancy_isco: &str,
    candidate: &CandidateRecord,
    candidate_uris: &[&str],
    key_uris: &[&str],
) -> u8 {
    let shared = candidate
        .experiences
        .iter()
        .map(|e| isco_shared_digits(vacancy_isco, &e.isco))
        .max()
        .unwrap_or(0);
    match shared {
        4 if key_uris.iter().any(|u| candidate_uris.contains(u)) => 3,
        3 | 4 => 2,
        2 => 1,
        _ => 0,
    }
}

/// DCG of the first `k` grades.
fn dcg(grades: impl Iterator<Item = u8>, k: usize) -> f64 {
    grades
        .take(k)
        .enumerate()
        .map(|(i, g)| (2f64.powi(g as i32) - 1.0) / ((i + 2) as f64).log2())
        .sum()
}

/// NDCG@k of a ranking (`ranked` grades, best first) against every grade of the
/// set (`all`); 0 when the set has no graded item.
pub fn ndcg_at(ranked: &[u8], all: &[u8], k: usize) -> f64 {
    let mut ideal = all.to_vec();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg = dcg(ideal.into_iter(), k);
    if idcg == 0.0 {
        0.0
    } else {
        dcg(ranked.iter().copied(), k) / idcg
    }
}

/// Share of the first `k` places holding a relevant item (grade ≥ 2); empty
/// places count as not relevant.
pub fn precision_at(ranked: &[u8], k: usize) -> f64 {
    ranked.iter().take(k).filter(|&&g| g >= 2).count() as f64 / k as f64
}

/// 1 / rank of the first relevant item (grade ≥ 2), 0 when there is none.
pub fn reciprocal_rank(ranked: &[u8]) -> f64 {
    ranked
        .iter()
        .position(|&g| g >= 2)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

/// The policy of the BM25 baseline: the default one with only `text` weighted.
pub fn bm25_policy(as_of: Date) -> Policy {
    Policy {
        as_of: Some(as_of),
        weights: Weights {
            skills: 0.0,
            occupation: 0.0,
            education: 0.0,
            languages: 0.0,
            distance: 0.0,
            text: 1.0,
        },
        ..Policy::default()
    }
}

/// rosa with the occupation criterion off and its weight moved to skills: the
/// grades follow the ISCO codes of past jobs, which the occupation criterion
/// reads directly, so this is rosa judged on what the grades do not give away.
pub fn no_occupation_policy(as_of: Date) -> Policy {
    let d = Weights::default();
    Policy {
        as_of: Some(as_of),
        weights: Weights {
            skills: d.skills + d.occupation,
            occupation: 0.0,
            ..d
        },
        ..Policy::default()
    }
}

/// Every eligible row ranked by a scoring policy, in the roster's order.
fn rank_by_policy(
    index: &Index,
    vacancy: &VacancyRecord,
    policy: &Policy,
    rows: &[u32],
) -> Result<Vec<u32>> {
    let mut q = Query::new(index, vacancy, policy)?;
    q.load_text(index, rows)?;
    let max = roster::max_bm25(&q, rows);
    Ok(roster::top_k(&q, index, rows, max, rows.len())
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

/// Every eligible row ranked by exact overlap of ESCO URIs, ties by id.
fn rank_by_overlap(index: &Index, vacancy: &VacancyRecord, rows: &[u32]) -> Vec<u32> {
    let asked: Vec<&str> = vacancy
        .skills
        .iter()
        .filter_map(|s| s.esco.as_deref())
        .collect();
    let mut scored: Vec<(usize, &str, u32)> = rows
        .iter()
        .map(|&r| {
            let rec = index.record(r);
            let n = asked
                .iter()
                .filter(|u| rec.skills.iter().any(|s| s.esco.as_deref() == Some(**u)))
                .count();
            (n, rec.id.as_str(), r)
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().map(|(_, _, r)| r).collect()
}

/// Names of the systems, in report order.
pub const SYSTEMS: [&str; 4] = ["rosa", "bm25", "skill_overlap", "rosa_no_occupation"];

/// Generates the data, picks the queries and scores the three systems.
pub fn run(cfg: &EvalConfig) -> Result<Report> {
    let gcfg = GenConfig {
        candidates: cfg.candidates,
        vacancies: cfg.queries * TRIES_PER_QUERY,
        seed: cfg.seed,
        as_of: cfg.as_of,
        profile: crate::gen::Profile::Default,
    };
    let (candidates, truth): (Vec<CandidateRecord>, HashMap<String, Vec<&'static str>>) = {
        use rayon::prelude::*;
        let both: Vec<(CandidateRecord, Vec<&'static str>)> = (0..cfg.candidates)
            .into_par_iter()
            .map(|i| {
                (
                    gen::candidate(&gcfg, i),
                    gen::candidate_skill_uris(&gcfg, i),
                )
            })
            .collect();
        let truth = both
            .iter()
            .map(|(c, u)| (c.id.clone(), u.clone()))
            .collect();
        (both.into_iter().map(|(c, _)| c).collect(), truth)
    };
    let index = Index::build(None, candidates, Vec::new(), None)?;
    let rosa_policy = Policy {
        as_of: Some(cfg.as_of),
        ..Policy::default()
    };
    let bm25 = bm25_policy(cfg.as_of);
    let no_occupation = no_occupation_policy(cfg.as_of);

    let mut sums = [[0.0f64; 3]; SYSTEMS.len()];
    let (mut used, mut tried, mut eligible, mut relevant) = (0usize, 0usize, 0usize, 0usize);
    let mut max_precision = 0.0;
    while used < cfg.queries && tried < gcfg.vacancies {
        let vi = tried;
        tried += 1;
        let mut vacancy = gen::vacancy(&gcfg, vi);
        if vacancy.mode != Mode::Preselection {
            continue;
        }
        let uris = gen::vacancy_skill_uris(&gcfg, vi);
        let key: Vec<&str> = if vacancy.skills.iter().any(|s| s.required) {
            vacancy
                .skills
                .iter()
                .zip(&uris)
                .filter(|(s, _)| s.required)
                .map(|(_, u)| *u)
                .collect()
        } else {
            uris.clone()
        };
        for s in &mut vacancy.skills {
            s.required = false;
        }
        let q = Query::new(&index, &vacancy, &rosa_policy)?;
        let rows = roster::eligibility(&q, &index).rows;
        drop(q);
        if rows.len() < K {
            continue;
        }
        let grade = |r: u32| {
            let rec = index.record(r);
            relevance(&vacancy.isco, rec, &truth[&rec.id], &key)
        };
        let grades: HashMap<u32, u8> = rows.iter().map(|&r| (r, grade(r))).collect();
        let all: Vec<u8> = rows.iter().map(|r| grades[r]).collect();
        let n_relevant = all.iter().filter(|&&g| g >= 2).count();
        if n_relevant == 0 {
            continue;
        }
        used += 1;
        eligible += rows.len();
        relevant += n_relevant;
        max_precision += n_relevant.min(K) as f64 / K as f64;
        let rankings = [
            rank_by_policy(&index, &vacancy, &rosa_policy, &rows)?,
            rank_by_policy(&index, &vacancy, &bm25, &rows)?,
            rank_by_overlap(&index, &vacancy, &rows),
            rank_by_policy(&index, &vacancy, &no_occupation, &rows)?,
        ];
        for (sum, ranking) in sums.iter_mut().zip(&rankings) {
            let ranked: Vec<u8> = ranking.iter().map(|r| grades[r]).collect();
            sum[0] += ndcg_at(&ranked, &all, K);
            sum[1] += precision_at(&ranked, K);
            sum[2] += reciprocal_rank(&ranked);
        }
    }
    let n = used.max(1) as f64;
    Ok(Report {
        candidates: cfg.candidates,
        queries: used,
        seed: cfg.seed,
        as_of: cfg.as_of,
        vacancies_tried: tried,
        mean_eligible: eligible as f64 / n,
        mean_relevant: relevant as f64 / n,
        max_precision_at_15: max_precision / n,
        systems: SYSTEMS
            .iter()
            .zip(sums)
            .map(|(name, s)| SystemScores {
                system: name,
                ndcg_at_15: s[0] / n,
                precision_at_15: s[1] / n,
                mrr: s[2] / n,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_on_hand_computed_rankings() {
        let all = [3, 2, 0, 0, 1];
        assert!((ndcg_at(&[3, 2, 1, 0, 0], &all, 15) - 1.0).abs() < 1e-12);
        // Swapping the two best: (3 + 7/log2 3) / (7 + 3/log2 3).
        let swapped = ndcg_at(&[2, 3, 1, 0, 0], &all, 15);
        let want = (3.0 + 7.0 / 3f64.log2() + 1.0 / 2.0) / (7.0 + 3.0 / 3f64.log2() + 1.0 / 2.0);
        assert!((swapped - want).abs() < 1e-12, "{swapped} {want}");
        assert_eq!(ndcg_at(&[0, 0], &[0, 0], 15), 0.0);
        assert_eq!(precision_at(&[3, 2, 1, 0, 0], 15), 2.0 / 15.0);
        assert_eq!(reciprocal_rank(&[0, 1, 0, 2]), 0.25);
        assert_eq!(reciprocal_rank(&[1, 0]), 0.0);
    }

    #[test]
    fn relevance_grades_follow_the_documented_table() {
        let cfg = GenConfig {
            candidates: 1,
            vacancies: 0,
            seed: 7,
            as_of: Date::parse("2026-11-01").unwrap(),
            profile: crate::gen::Profile::Default,
        };
        let mut c = gen::candidate(&cfg, 0);
        c.experiences.truncate(1);
        c.experiences[0].isco = "7212".into();
        assert_eq!(relevance("7212", &c, &["a"], &["a", "b"]), 3);
        assert_eq!(relevance("7212", &c, &["c"], &["a", "b"]), 2);
        assert_eq!(relevance("7213", &c, &["a"], &["a"]), 2);
        assert_eq!(relevance("7223", &c, &["a"], &["a"]), 1);
        assert_eq!(relevance("5120", &c, &["a"], &["a"]), 0);
    }

    #[test]
    fn bm25_policy_is_valid() {
        bm25_policy(Date::parse("2026-11-01").unwrap())
            .validate()
            .unwrap();
    }

    #[test]
    fn generator_truth_matches_the_uris_it_writes() {
        let cfg = GenConfig {
            candidates: 200,
            vacancies: 50,
            seed: 3,
            as_of: Date::parse("2026-11-01").unwrap(),
            profile: crate::gen::Profile::Default,
        };
        for i in 0..cfg.candidates {
            let c = gen::candidate(&cfg, i);
            let uris = gen::candidate_skill_uris(&cfg, i);
            assert_eq!(c.skills.len(), uris.len());
            for (s, u) in c.skills.iter().zip(&uris) {
                if let Some(e) = &s.esco {
                    assert_eq!(e, u);
                }
            }
        }
        for i in 0..cfg.vacancies {
            let v = gen::vacancy(&cfg, i);
            let uris = gen::vacancy_skill_uris(&cfg, i);
            assert_eq!(v.skills.len(), uris.len());
            for (s, u) in v.skills.iter().zip(&uris) {
                if let Some(e) = &s.esco {
                    assert_eq!(e, u);
                }
            }
        }
    }
}
