//! Hard rules: who may be proposed at all (section 4 of the design).
//!
//! Each rule answers pass or fail for one candidate row against one prepared
//! [`Query`]. Two entry points: [`passes`], the eligibility pass over whole
//! pools (features first, no allocation), and [`explain`], which returns a
//! [`RuleDetail`]: the rule's variant with the values it compared, turned into
//! words only at the edge (`crate::render`). A unit test holds the two equal on
//! every rule and row of a generated corpus.
//!
//! **Documented order.** Rules run in [`Rule::ALL`] order and an excluded person is
//! counted once, under the first rule they fail: availability first (a person who
//! is not available is not looked at further), then the list and compatibility of
//! targeted placement, then what the person declared in the service pact
//! (distance, contract, working time, shifts, nights), then what the employer
//! requires (licences, languages, skills, education).

use serde::Serialize;

use crate::date::Date;
use crate::index::Index;
pub use crate::law::{
    effective_confirmation, ConfirmedBy, Demands, FunctionalProfile, Outcome, Rule,
    FULL_TIME_HOURS, ICF_COUNT,
};
use crate::model::{Cefr, ContractType, Support, TargetedList};
use crate::query::Query;

/// A rule's outcome for one person, as shown in rosters and explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// Rule name.
    pub name: &'static str,
    /// Pass or fail.
    pub outcome: Outcome,
    /// The values compared; serialised as words in the current
    /// [`crate::lang::Lang`].
    pub detail: RuleDetail,
}

impl RuleResult {
    /// The result of an outcome.
    pub fn new(detail: RuleDetail) -> RuleResult {
        RuleResult {
            name: detail.rule().name(),
            outcome: detail.outcome(),
            detail,
        }
    }
}

/// Why a rule passes or fails for one person: one variant per rule, with the
/// values it compared. Made by [`explain`]; turned into words only where it
/// leaves rosa (`crate::render`, in the caller's [`crate::lang::Lang`]).
#[derive(Debug, Clone, PartialEq)]
pub enum RuleDetail {
    /// [`Rule::Available`]: the DID date, if any, against `as_of`.
    Available {
        /// `did_date`.
        did: Option<Date>,
        /// The query's reference date.
        as_of: Date,
    },
    /// [`Rule::Stale`].
    Stale(Freshness),
    /// [`Rule::TargetedList`]: the person's list against the vacancy's.
    TargetedList {
        /// The list the person is on, if any.
        on: Option<TargetedList>,
        /// The list the vacancy is for, if it names one.
        wanted: Option<TargetedList>,
    },
    /// [`Rule::Compatibility`].
    Compatibility(Compatibility),
    /// [`Rule::Distance`]: kilometres to the workplace against `max_km`.
    Distance {
        /// Distance from the domicile to the workplace.
        km: f64,
        /// The person's `availability.max_km`.
        max_km: u32,
    },
    /// [`Rule::Contract`].
    Contract {
        /// The vacancy's contract type.
        kind: ContractType,
        /// Among the person's `availability.contracts`.
        accepted: bool,
    },
    /// [`Rule::WorkingTime`]: full time from [`FULL_TIME_HOURS`].
    WorkingTime {
        /// The vacancy's weekly hours.
        hours: f64,
        /// The person accepts that working time.
        accepted: bool,
    },
    /// [`Rule::Shifts`].
    Shifts {
        /// The vacancy has shift work.
        asked: bool,
        /// The person accepts shift work.
        accepted: bool,
    },
    /// [`Rule::Nights`].
    Nights {
        /// The vacancy has night work.
        asked: bool,
        /// The person accepts night work.
        accepted: bool,
    },
    /// [`Rule::Licence`].
    Licence {
        /// The required licences, in vacancy order.
        required: Vec<String>,
        /// Those the person does not hold.
        missing: Vec<String>,
    },
    /// [`Rule::Language`]: every required language, in vacancy order.
    Language(Vec<LanguageCheck>),
    /// [`Rule::Skills`].
    Skills {
        /// Number of required skills.
        required: usize,
        /// Names of the required skills the person lacks.
        missing: Vec<String>,
    },
    /// [`Rule::Education`].
    Education {
        /// The EQF level required (`None` when education is not required).
        min: Option<u8>,
        /// The person's EQF level.
        eqf: Option<u8>,
    },
    /// [`Rule::Congruity`].
    Congruity(CongruityCheck),
}

/// What the freshness rule found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Freshness {
    /// Neither a confirmation nor a DID.
    Never,
    /// The effective confirmation is after `as_of`.
    Future {
        /// Which date it is.
        by: ConfirmedBy,
        /// The date.
        date: Date,
        /// The query's reference date.
        as_of: Date,
    },
    /// Counted from the effective confirmation.
    Counted {
        /// Which date it is.
        by: ConfirmedBy,
        /// The date.
        date: Date,
        /// `availability_confirmed` (older than the DID when `by` is the DID).
        confirmed: Option<Date>,
        /// Days from `date` to `as_of`.
        days: i32,
        /// `policy.freshness_days`.
        limit: i32,
    },
}

/// What the functional-compatibility rule found in the record.
#[derive(Debug, Clone, PartialEq)]
pub enum Compatibility {
    /// The person has no functional profile (not on a targeted list).
    NoProfile,
    /// Every demand within capacity, every support needed provided.
    Within {
        /// Number of the vacancy's demands.
        demands: usize,
        /// The supports the person needs (all provided).
        supports: Vec<Support>,
    },
    /// Demands beyond capacity or supports not provided.
    Beyond {
        /// The demands above the person's capacity.
        over: Vec<Overload>,
        /// The supports needed and not provided.
        unmet: Vec<Support>,
    },
}

/// A task demand above the person's residual capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct Overload {
    /// ICF code.
    pub code: String,
    /// The vacancy's demand 0..=4.
    pub demand: u8,
    /// The person's capacity 0..=4.
    pub capacity: u8,
}

/// One required language against the level held.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageCheck {
    /// ISO 639-1 code.
    pub code: String,
    /// Level required.
    pub asked: Cefr,
    /// Best level held, if any.
    pub held: Option<Cefr>,
}

impl LanguageCheck {
    /// Held at or above the level asked.
    pub fn met(&self) -> bool {
        self.held.is_some_and(|h| h >= self.asked)
    }
}

/// What the congruity rule found.
#[derive(Debug, Clone, PartialEq)]
pub enum CongruityCheck {
    /// No benefit (or no regime for it): the rule does not apply.
    NotApplicable,
    /// Congruous under the regime.
    Congruous {
        /// Regime name.
        regime: String,
    },
    /// Not congruous.
    NotCongruous {
        /// Regime name.
        regime: String,
        /// The criteria that fail, in order.
        failed: Vec<&'static str>,
    },
}

impl RuleDetail {
    /// The rule this is the outcome of.
    pub fn rule(&self) -> Rule {
        match self {
            RuleDetail::Available { .. } => Rule::Available,
            RuleDetail::Stale(_) => Rule::Stale,
            RuleDetail::TargetedList { .. } => Rule::TargetedList,
            RuleDetail::Compatibility(_) => Rule::Compatibility,
            RuleDetail::Distance { .. } => Rule::Distance,
            RuleDetail::Contract { .. } => Rule::Contract,
            RuleDetail::WorkingTime { .. } => Rule::WorkingTime,
            RuleDetail::Shifts { .. } => Rule::Shifts,
            RuleDetail::Nights { .. } => Rule::Nights,
            RuleDetail::Licence { .. } => Rule::Licence,
            RuleDetail::Language(_) => Rule::Language,
            RuleDetail::Skills { .. } => Rule::Skills,
            RuleDetail::Education { .. } => Rule::Education,
            RuleDetail::Congruity(_) => Rule::Congruity,
        }
    }

    /// Whether the rule is met.
    pub fn passed(&self) -> bool {
        match self {
            RuleDetail::Available { did, as_of } => did.is_some_and(|d| d <= *as_of),
            RuleDetail::Stale(f) => {
                matches!(f, Freshness::Counted { days, limit, .. } if days <= limit)
            }
            RuleDetail::TargetedList { on, wanted } => wanted.is_some() && on == wanted,
            RuleDetail::Compatibility(c) => matches!(c, Compatibility::Within { .. }),
            RuleDetail::Distance { km, max_km } => *km <= *max_km as f64,
            RuleDetail::Contract { accepted, .. } | RuleDetail::WorkingTime { accepted, .. } => {
                *accepted
            }
            RuleDetail::Shifts { asked, accepted } | RuleDetail::Nights { asked, accepted } => {
                !asked || *accepted
            }
            RuleDetail::Licence { missing, .. } | RuleDetail::Skills { missing, .. } => {
                missing.is_empty()
            }
            RuleDetail::Language(checks) => checks.iter().all(LanguageCheck::met),
            RuleDetail::Education { min, eqf } => match min {
                None => true,
                Some(min) => eqf.is_some_and(|e| e >= *min),
            },
            RuleDetail::Congruity(c) => !matches!(c, CongruityCheck::NotCongruous { .. }),
        }
    }

    /// Pass or fail.
    pub fn outcome(&self) -> Outcome {
        if self.passed() {
            Outcome::Pass
        } else {
            Outcome::Fail
        }
    }
}

/// Whether `row` meets `rule`: the eligibility pass, run over whole pools, so
/// it reads features rather than records where it can and allocates nothing.
/// Always equal to `explain(rule, ..).passed()`.
pub fn passes(rule: Rule, q: &Query, index: &Index, row: u32) -> bool {
    let v = q.vacancy;
    match rule {
        Rule::Available => index.features(row).did_date.is_some_and(|d| d <= q.as_of),
        Rule::Stale => {
            let f = index.features(row);
            effective_confirmation(f.confirmed, f.did_date).is_some_and(|(c, _)| {
                c <= q.as_of && q.as_of.days_since(c) <= q.policy.freshness_days as i32
            })
        }
        Rule::TargetedList => match (&index.record(row).targeted, v.targeted_list) {
            (Some(t), Some(w)) => t.list == w,
            _ => false,
        },
        Rule::Compatibility => index.functional_profile(row).admits(&q.demands),
        Rule::Distance => {
            let f = index.features(row);
            q.km(f.comune) <= f.max_km as f64
        }
        Rule::Contract => index
            .record(row)
            .availability
            .contracts
            .contains(&v.contract.kind),
        Rule::WorkingTime => working_time_accepted(q, index, row),
        Rule::Shifts => !v.contract.shifts || index.record(row).availability.shifts,
        Rule::Nights => !v.contract.nights || index.record(row).availability.nights,
        Rule::Licence => {
            let held = &index.record(row).licences;
            required_licences(q).all(|l| holds(held, l))
        }
        Rule::Language => {
            let f = index.features(row);
            v.languages
                .iter()
                .filter(|l| l.required)
                .all(|l| f.language(&l.code).is_some_and(|c| c >= l.cefr))
        }
        Rule::Skills => {
            let feats = &index.features(row).skills;
            q.skills
                .iter()
                .filter(|s| s.required)
                .all(|s| q.skill_match(s, feats).is_some())
        }
        Rule::Education => match (v.education_required, v.education_eqf_min) {
            (true, Some(min)) => index.features(row).education_eqf.is_some_and(|e| e >= min),
            _ => true,
        },
        Rule::Congruity => q.congruity(index, row).is_none_or(|c| c.congruous),
    }
}

/// Why `row` meets `rule` or not, with the values compared (the explanation;
/// the eligibility pass uses [`passes`]).
pub fn explain(rule: Rule, q: &Query, index: &Index, row: u32) -> RuleDetail {
    match rule {
        Rule::Available => RuleDetail::Available {
            did: index.features(row).did_date,
            as_of: q.as_of,
        },
        Rule::Stale => RuleDetail::Stale(freshness(q, index, row)),
        Rule::TargetedList => RuleDetail::TargetedList {
            on: index.record(row).targeted.as_ref().map(|t| t.list),
            wanted: q.vacancy.targeted_list,
        },
        Rule::Compatibility => RuleDetail::Compatibility(compatibility(q, index, row)),
        Rule::Distance => {
            let f = index.features(row);
            RuleDetail::Distance {
                km: q.km(f.comune),
                max_km: f.max_km,
            }
        }
        Rule::Contract => {
            let kind = q.vacancy.contract.kind;
            RuleDetail::Contract {
                kind,
                accepted: index.record(row).availability.contracts.contains(&kind),
            }
        }
        Rule::WorkingTime => RuleDetail::WorkingTime {
            hours: q.vacancy.contract.hours_per_week,
            accepted: working_time_accepted(q, index, row),
        },
        Rule::Shifts => RuleDetail::Shifts {
            asked: q.vacancy.contract.shifts,
            accepted: index.record(row).availability.shifts,
        },
        Rule::Nights => RuleDetail::Nights {
            asked: q.vacancy.contract.nights,
            accepted: index.record(row).availability.nights,
        },
        Rule::Licence => licences(q, index, row),
        Rule::Language => languages(q, index, row),
        Rule::Skills => skills(q, index, row),
        Rule::Education => RuleDetail::Education {
            min: match (q.vacancy.education_required, q.vacancy.education_eqf_min) {
                (true, Some(min)) => Some(min),
                _ => None,
            },
            eqf: index.features(row).education_eqf,
        },
        Rule::Congruity => RuleDetail::Congruity(match q.congruity(index, row) {
            None => CongruityCheck::NotApplicable,
            Some(c) if c.congruous => CongruityCheck::Congruous { regime: c.regime },
            Some(c) => CongruityCheck::NotCongruous {
                failed: c
                    .criteria
                    .iter()
                    .filter(|x| x.outcome == Outcome::Fail)
                    .map(|x| x.name)
                    .collect(),
                regime: c.regime,
            },
        }),
    }
}

fn working_time_accepted(q: &Query, index: &Index, row: u32) -> bool {
    let a = &index.record(row).availability;
    if q.vacancy.contract.hours_per_week >= FULL_TIME_HOURS {
        a.full_time
    } else {
        a.part_time
    }
}

fn required_licences<'q>(q: &'q Query) -> impl Iterator<Item = &'q str> {
    q.vacancy
        .licences
        .iter()
        .filter(|l| l.required)
        .map(|l| l.code.as_str())
}

fn holds(held: &[String], licence: &str) -> bool {
    held.iter().any(|h| h.eq_ignore_ascii_case(licence))
}

fn freshness(q: &Query, index: &Index, row: u32) -> Freshness {
    let f = index.features(row);
    match effective_confirmation(f.confirmed, f.did_date) {
        None => Freshness::Never,
        Some((date, by)) if date > q.as_of => Freshness::Future {
            by,
            date,
            as_of: q.as_of,
        },
        Some((date, by)) => Freshness::Counted {
            by,
            date,
            confirmed: f.confirmed,
            days: q.as_of.days_since(date),
            limit: q.policy.freshness_days as i32,
        },
    }
}

fn compatibility(q: &Query, index: &Index, row: u32) -> Compatibility {
    let Some(t) = &index.record(row).targeted else {
        return Compatibility::NoProfile;
    };
    let v = q.vacancy;
    let over: Vec<Overload> = v
        .demands
        .iter()
        .filter_map(|(code, &demand)| {
            let capacity = t.capacities.get(code).copied().unwrap_or(4);
            (demand > capacity).then(|| Overload {
                code: code.clone(),
                demand,
                capacity,
            })
        })
        .collect();
    let unmet: Vec<Support> = t
        .needs
        .iter()
        .copied()
        .filter(|n| !v.supports.contains(n))
        .collect();
    if over.is_empty() && unmet.is_empty() {
        Compatibility::Within {
            demands: v.demands.len(),
            supports: t.needs.clone(),
        }
    } else {
        Compatibility::Beyond { over, unmet }
    }
}

fn licences(q: &Query, index: &Index, row: u32) -> RuleDetail {
    let held = &index.record(row).licences;
    RuleDetail::Licence {
        required: required_licences(q).map(str::to_string).collect(),
        missing: required_licences(q)
            .filter(|l| !holds(held, l))
            .map(str::to_string)
            .collect(),
    }
}

fn languages(q: &Query, index: &Index, row: u32) -> RuleDetail {
    let f = index.features(row);
    RuleDetail::Language(
        q.vacancy
            .languages
            .iter()
            .filter(|l| l.required)
            .map(|l| LanguageCheck {
                code: l.code.clone(),
                asked: l.cefr,
                held: f.language(&l.code),
            })
            .collect(),
    )
}

fn skills(q: &Query, index: &Index, row: u32) -> RuleDetail {
    let feats = &index.features(row).skills;
    let required = q.skills.iter().filter(|s| s.required);
    RuleDetail::Skills {
        required: required.clone().count(),
        missing: required
            .filter(|s| q.skill_match(s, feats).is_none())
            .map(|s| s.name.clone())
            .collect(),
    }
}

/// The first rule (of those applied to the query) that `row` fails, if any.
pub fn first_failure(q: &Query, index: &Index, row: u32) -> Option<usize> {
    q.rules.iter().position(|&r| !passes(r, q, index, row))
}

/// Every applied rule with its outcome and why.
pub fn check_all(q: &Query, index: &Index, row: u32) -> Vec<RuleResult> {
    q.rules
        .iter()
        .map(|&r| RuleResult::new(explain(r, q, index, row)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    #[test]
    fn the_functional_profile_admits_exactly_whom_the_record_admits() {
        let g = crate::gen::generate(&crate::gen::GenConfig {
            candidates: 3000,
            vacancies: 80,
            seed: 11,
            as_of: Date::parse("2026-11-01").unwrap(),
            profile: crate::gen::Profile::Default,
        });
        let index = Index::build(None, g.candidates, Vec::new(), None).unwrap();
        let policy = crate::Policy::default();
        let (mut admitted, mut refused) = (0, 0);
        for v in g.vacancies.iter().filter(|v| v.mode.is_targeted()) {
            let q = Query::new(&index, v, &policy).unwrap();
            for row in 0..index.len() as u32 {
                let fast = passes(Rule::Compatibility, &q, &index, row);
                let why = explain(Rule::Compatibility, &q, &index, row);
                let full = why.passed();
                assert_eq!(fast, full, "row {row}, vacancy {}: {why:?}", v.id);
                if full {
                    admitted += 1;
                } else if index.record(row).targeted.is_some() {
                    refused += 1;
                }
            }
        }
        assert!(
            admitted > 0 && refused > 0,
            "{admitted} admitted, {refused} refused"
        );
    }

    /// The eligibility pass and the explanation never disagree, on any rule.
    #[test]
    fn passes_agrees_with_explain_on_every_rule() {
        let g = crate::gen::generate(&crate::gen::GenConfig {
            candidates: 600,
            vacancies: 60,
            seed: 5,
            as_of: Date::parse("2026-11-01").unwrap(),
            profile: crate::gen::Profile::Default,
        });
        let index = Index::build(None, g.candidates, Vec::new(), None).unwrap();
        let policy = crate::Policy::default();
        let mut seen = std::collections::HashMap::new();
        for v in &g.vacancies {
            let q = Query::new(&index, v, &policy).unwrap();
            for rule in Rule::ALL {
                for row in 0..index.len() as u32 {
                    let why = explain(rule, &q, &index, row);
                    assert_eq!(why.rule(), rule);
                    assert_eq!(
                        passes(rule, &q, &index, row),
                        why.passed(),
                        "{rule:?}, row {row}, vacancy {}: {why:?}",
                        v.id
                    );
                    *seen.entry((rule, why.passed())).or_insert(0) += 1;
                }
            }
        }
        for rule in [Rule::Available, Rule::Distance, Rule::Skills, Rule::Licence] {
            assert!(
                seen.contains_key(&(rule, true)) && seen.contains_key(&(rule, false)),
                "{rule:?} both passes and fails somewhere"
            );
        }
    }
}
