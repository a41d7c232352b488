//! Hard rules: who may be proposed at all (section 4 of the design).
//!
//! Each rule answers pass or fail for one candidate row against one prepared
//! [`Query`], with a detail an operator can read. The same function serves the
//! fast path (no detail, no allocation) and the explanation, so the two can never
//! disagree.
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
use crate::model::{Mode, Support};
use crate::query::Query;

/// A hard rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// `did_date` set and not after `as_of`.
    Available,
    /// Availability confirmed within `policy.freshness_days` (fails when stale).
    Stale,
    /// Targeted modes: enrolled on the vacancy's list.
    TargetedList,
    /// Targeted modes: every ICF demand within residual capacity, every need supported.
    Compatibility,
    /// Workplace within the person's `max_km`.
    Distance,
    /// Contract type among those the person accepts.
    Contract,
    /// Full time (≥ 36 h/week) or part time accepted.
    WorkingTime,
    /// Shift work accepted when the vacancy has it.
    Shifts,
    /// Night work accepted when the vacancy has it.
    Nights,
    /// Every required licence held.
    Licence,
    /// Every required language at or above the level.
    Language,
    /// Every required skill present.
    Skills,
    /// Minimum education met when required.
    Education,
    /// With `policy.only_congruous`: the offer is congruous for a person with a benefit.
    Congruity,
}

/// Weekly hours from which a job is full time for the working-time rule.
pub const FULL_TIME_HOURS: f64 = 36.0;

impl Rule {
    /// Every rule, in the documented order.
    pub const ALL: [Rule; 14] = [
        Rule::Available,
        Rule::Stale,
        Rule::TargetedList,
        Rule::Compatibility,
        Rule::Distance,
        Rule::Contract,
        Rule::WorkingTime,
        Rule::Shifts,
        Rule::Nights,
        Rule::Licence,
        Rule::Language,
        Rule::Skills,
        Rule::Education,
        Rule::Congruity,
    ];

    /// The rule's name in outputs and in `excluded`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Available => "available",
            Rule::Stale => "stale",
            Rule::TargetedList => "targeted_list",
            Rule::Compatibility => "compatibility",
            Rule::Distance => "distance",
            Rule::Contract => "contract",
            Rule::WorkingTime => "working_time",
            Rule::Shifts => "shifts",
            Rule::Nights => "nights",
            Rule::Licence => "licence",
            Rule::Language => "language",
            Rule::Skills => "skills",
            Rule::Education => "education",
            Rule::Congruity => "congruity",
        }
    }

    /// The rules applied in a mode, in order. `public_selection` needs nothing
    /// beyond availability; the others apply the availability the person declared
    /// and the employer's requirements; targeted modes add list and compatibility.
    /// `congruity` is applied only when the policy makes it a filter.
    pub fn for_mode(mode: Mode, only_congruous: bool) -> Vec<Rule> {
        Rule::ALL
            .into_iter()
            .filter(|r| *r != Rule::Congruity || only_congruous)
            .filter(|r| match mode {
                Mode::PublicSelection => matches!(r, Rule::Available | Rule::Stale),
                Mode::Preselection => !matches!(r, Rule::TargetedList | Rule::Compatibility),
                Mode::TargetedNominative | Mode::TargetedNumeric => true,
            })
            .collect()
    }
}

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The rule is met.
    Pass,
    /// The rule excludes the person.
    Fail,
}

/// A rule's outcome for one person, as shown in rosters and explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// Rule name.
    pub name: &'static str,
    /// Pass or fail.
    pub outcome: Outcome,
    /// Value against threshold, in words.
    pub detail: String,
}

/// Formats a number with at most one decimal (no trailing `.0`).
pub(crate) fn fmt1(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Which date made a person's availability current: the DID itself declares
/// availability, so a confirmation older than the DID does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmedBy {
    /// `availability_confirmed`.
    Confirmation,
    /// `did_date` (no confirmation, or one older than the DID).
    Did,
}

impl ConfirmedBy {
    /// The field's name in words.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmedBy::Confirmation => "confirmation",
            ConfirmedBy::Did => "DID",
        }
    }
}

/// The effective confirmation date: the later of `availability_confirmed` and
/// `did_date` (the confirmation wins a tie), and which of the two it is. The
/// freshness rule counts from it.
pub fn effective_confirmation(
    confirmed: Option<Date>,
    did: Option<Date>,
) -> Option<(Date, ConfirmedBy)> {
    match (confirmed, did) {
        (Some(c), Some(d)) if d > c => Some((d, ConfirmedBy::Did)),
        (Some(c), _) => Some((c, ConfirmedBy::Confirmation)),
        (None, Some(d)) => Some((d, ConfirmedBy::Did)),
        (None, None) => None,
    }
}

/// Checks one rule. With `detail` false the returned string is empty and nothing is allocated.
pub fn check(rule: Rule, q: &Query, index: &Index, row: u32, detail: bool) -> (bool, String) {
    // The record is read only by the rules that need it (the others read
    // features): on an index opened from its snapshot it comes from disk.
    let rec = || index.record(row);
    let feats = index.features(row);
    let v = q.vacancy;
    macro_rules! say {
        ($($t:tt)*) => { if detail { format!($($t)*) } else { String::new() } };
    }
    match rule {
        Rule::Available => match feats.did_date {
            None => (false, say!("no DID: not available")),
            Some(d) if d > q.as_of => (false, say!("DID {d} is after {}", q.as_of)),
            Some(d) => (true, say!("DID {d}")),
        },
        Rule::Stale => {
            let limit = q.policy.freshness_days as i32;
            match effective_confirmation(feats.confirmed, feats.did_date) {
                None => (false, say!("availability never confirmed")),
                Some((c, source)) if c > q.as_of => (
                    false,
                    say!(
                        "{} {c} is after {}: not a confirmation yet",
                        source.as_str(),
                        q.as_of
                    ),
                ),
                Some((c, source)) => {
                    let days = q.as_of.days_since(c);
                    let counted = match (source, feats.confirmed) {
                        (ConfirmedBy::Did, Some(older)) => {
                            format!("DID {c} (later than the confirmation {older})")
                        }
                        (ConfirmedBy::Did, None) => format!("DID {c} (never confirmed since)"),
                        (ConfirmedBy::Confirmation, _) => format!("confirmed {c}"),
                    };
                    if days <= limit {
                        (true, say!("{counted}, {days} days ago ≤ {limit}"))
                    } else {
                        (false, say!("{counted}, {days} days ago > {limit}"))
                    }
                }
            }
        }
        Rule::TargetedList => {
            let want = v.targeted_list;
            match (&rec().targeted, want) {
                (Some(t), Some(w)) if t.list == w => (true, say!("on list {}", w.as_str())),
                (Some(t), Some(w)) => (
                    false,
                    say!("on list {}, vacancy is for {}", t.list.as_str(), w.as_str()),
                ),
                (None, Some(w)) => (
                    false,
                    say!(
                        "not on a collocamento mirato list (vacancy is for {})",
                        w.as_str()
                    ),
                ),
                (_, None) => (false, say!("vacancy names no list")),
            }
        }
        Rule::Compatibility if !detail => (
            index.functional_profile(row).admits(&q.demands),
            String::new(),
        ),
        Rule::Compatibility => {
            let Some(t) = &rec().targeted else {
                return (false, say!("no functional profile"));
            };
            let mut ok = true;
            let mut parts: Vec<String> = Vec::new();
            for (code, &demand) in &v.demands {
                let cap = t.capacities.get(code).copied().unwrap_or(4);
                if demand > cap {
                    ok = false;
                    if !detail {
                        return (false, String::new());
                    }
                    parts.push(format!("{code}: demand {demand} > capacity {cap}"));
                }
            }
            for need in &t.needs {
                if !v.supports.contains(need) {
                    ok = false;
                    if !detail {
                        return (false, String::new());
                    }
                    parts.push(format!("needs {} not provided", need.as_str()));
                }
            }
            if !detail {
                return (ok, String::new());
            }
            if ok {
                let needs: Vec<&str> = t.needs.iter().map(|n: &Support| n.as_str()).collect();
                let mut d = format!("{} demands within capacity", v.demands.len());
                if !needs.is_empty() {
                    d.push_str(&format!("; supports {} provided", needs.join(", ")));
                }
                (true, d)
            } else {
                (false, parts.join("; "))
            }
        }
        Rule::Distance => {
            let (km, max) = (q.km(feats.comune), feats.max_km);
            if km <= max as f64 {
                (true, say!("{} km ≤ {max} km", fmt1(km)))
            } else {
                (false, say!("{} km > {max} km", fmt1(km)))
            }
        }
        Rule::Contract => {
            let k = v.contract.kind;
            if rec().availability.contracts.contains(&k) {
                (true, say!("{} accepted", k.as_str()))
            } else {
                (false, say!("{} not accepted", k.as_str()))
            }
        }
        Rule::WorkingTime => {
            let h = v.contract.hours_per_week;
            if h >= FULL_TIME_HOURS {
                (
                    rec().availability.full_time,
                    say!(
                        "{} h/week is full time: {}",
                        fmt1(h),
                        if rec().availability.full_time {
                            "accepted"
                        } else {
                            "not accepted"
                        }
                    ),
                )
            } else {
                (
                    rec().availability.part_time,
                    say!(
                        "{} h/week is part time: {}",
                        fmt1(h),
                        if rec().availability.part_time {
                            "accepted"
                        } else {
                            "not accepted"
                        }
                    ),
                )
            }
        }
        Rule::Shifts => match (v.contract.shifts, rec().availability.shifts) {
            (false, _) => (true, say!("no shift work")),
            (true, true) => (true, say!("shift work accepted")),
            (true, false) => (false, say!("shift work not accepted")),
        },
        Rule::Nights => match (v.contract.nights, rec().availability.nights) {
            (false, _) => (true, say!("no night work")),
            (true, true) => (true, say!("night work accepted")),
            (true, false) => (false, say!("night work not accepted")),
        },
        Rule::Licence => {
            let mut missing: Vec<&str> = Vec::new();
            for l in v.licences.iter().filter(|l| l.required) {
                if !rec()
                    .licences
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(&l.code))
                {
                    if !detail {
                        return (false, String::new());
                    }
                    missing.push(&l.code);
                }
            }
            if missing.is_empty() {
                let req: Vec<&str> = v
                    .licences
                    .iter()
                    .filter(|l| l.required)
                    .map(|l| l.code.as_str())
                    .collect();
                (
                    true,
                    say!(
                        "{}",
                        if req.is_empty() {
                            "none required".to_string()
                        } else {
                            format!("holds {}", req.join(", "))
                        }
                    ),
                )
            } else {
                (false, format!("missing {}", missing.join(", ")))
            }
        }
        Rule::Language => {
            let mut bad: Vec<String> = Vec::new();
            let mut good: Vec<String> = Vec::new();
            for l in v.languages.iter().filter(|l| l.required) {
                let held = feats.language(&l.code);
                match held {
                    Some(c) if c >= l.cefr => {
                        if detail {
                            good.push(format!("{} {} ≥ {}", l.code, c.as_str(), l.cefr.as_str()));
                        }
                    }
                    Some(c) => {
                        if !detail {
                            return (false, String::new());
                        }
                        bad.push(format!("{} {} < {}", l.code, c.as_str(), l.cefr.as_str()));
                    }
                    None => {
                        if !detail {
                            return (false, String::new());
                        }
                        bad.push(format!("no {} (needs {})", l.code, l.cefr.as_str()));
                    }
                }
            }
            if !bad.is_empty() {
                (false, bad.join("; "))
            } else if good.is_empty() {
                (true, say!("none required"))
            } else {
                (true, good.join("; "))
            }
        }
        Rule::Skills => {
            let feats = &index.features(row).skills;
            let mut missing: Vec<&str> = Vec::new();
            let mut n = 0;
            for s in q.skills.iter().filter(|s| s.required) {
                n += 1;
                if q.skill_match(s, feats).is_none() {
                    if !detail {
                        return (false, String::new());
                    }
                    missing.push(&s.name);
                }
            }
            if !missing.is_empty() {
                (false, format!("missing {}", missing.join(", ")))
            } else if n == 0 {
                (true, say!("none required"))
            } else {
                (true, say!("has {n}/{n} required"))
            }
        }
        Rule::Education => match (v.education_required, v.education_eqf_min) {
            (true, Some(min)) => match index.features(row).education_eqf {
                Some(e) if e >= min => (true, say!("EQF {e} ≥ {min}")),
                Some(e) => (false, say!("EQF {e} < {min}")),
                None => (false, say!("EQF unknown, {min} required")),
            },
            _ => (true, say!("not required")),
        },
        Rule::Congruity => match q.congruity(index, row) {
            None => (true, say!("no benefit: congruity does not apply")),
            Some(c) if c.congruous => (true, say!("congruous under {}", c.regime)),
            Some(c) => {
                let failed: Vec<&str> = c
                    .criteria
                    .iter()
                    .filter(|x| x.outcome == Outcome::Fail)
                    .map(|x| x.name)
                    .collect();
                (
                    false,
                    say!("not congruous under {}: {}", c.regime, failed.join(", ")),
                )
            }
        },
    }
}

/// The first rule (of those applied to the query) that `row` fails, if any.
pub fn first_failure(q: &Query, index: &Index, row: u32) -> Option<usize> {
    q.rules
        .iter()
        .position(|&r| !check(r, q, index, row, false).0)
}

/// Every applied rule with its outcome and detail.
pub fn check_all(q: &Query, index: &Index, row: u32) -> Vec<RuleResult> {
    q.rules
        .iter()
        .map(|&r| {
            let (pass, detail) = check(r, q, index, row, true);
            RuleResult {
                name: r.name(),
                outcome: if pass { Outcome::Pass } else { Outcome::Fail },
                detail,
            }
        })
        .collect()
}

/// What the functional-compatibility rule reads of a person (art. 8 L. 68/1999
/// placement by residual capacities), kept per row by the index so that the
/// rule's pass over a targeted pool reads no record. Only the outcome is
/// taken from here; explanations read the record's own profile.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FunctionalProfile {
    /// On a targeted list with a profile.
    pub profiled: bool,
    /// Residual capacity 0..=4 per [`crate::model::ICF_DIMENSIONS`] entry (4 when absent).
    pub capacities: [u8; ICF_COUNT],
    /// Supports needed, one bit per [`crate::model::Support`] (in declaration order).
    pub needs: u8,
}

/// Number of ICF dimensions rosa knows.
pub const ICF_COUNT: usize = 16;
const _: () = assert!(crate::model::ICF_DIMENSIONS.len() == ICF_COUNT);

fn support_bit(s: Support) -> u8 {
    1 << (s as u8)
}

impl FunctionalProfile {
    /// The profile of a record.
    pub fn of(c: &crate::model::CandidateRecord) -> FunctionalProfile {
        let Some(t) = &c.targeted else {
            return FunctionalProfile::default();
        };
        let mut capacities = [4u8; ICF_COUNT];
        for (i, (code, _)) in crate::model::ICF_DIMENSIONS.iter().enumerate() {
            if let Some(&cap) = t.capacities.get(*code) {
                capacities[i] = cap;
            }
        }
        FunctionalProfile {
            profiled: true,
            capacities,
            needs: t.needs.iter().fold(0, |m, &n| m | support_bit(n)),
        }
    }

    /// Whether every demand of the vacancy is within capacity and every
    /// support needed is provided (the outcome of [`Rule::Compatibility`]).
    pub fn admits(&self, d: &Demands) -> bool {
        self.profiled
            && !d.beyond_any
            && d.levels.iter().zip(&self.capacities).all(|(d, c)| d <= c)
            && self.needs & !d.supports == 0
    }
}

/// A vacancy's task demands and supports in the shape of a
/// [`FunctionalProfile`], computed once per query.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Demands {
    /// Demand 0..=4 per [`crate::model::ICF_DIMENSIONS`] entry (0 when absent).
    pub levels: [u8; ICF_COUNT],
    /// Supports provided, one bit per [`crate::model::Support`].
    pub supports: u8,
    /// A demand on a code rosa does not know above the full capacity 4 (only
    /// an unvalidated vacancy can have one): no one is within it.
    pub beyond_any: bool,
}

impl Demands {
    /// The demands of a vacancy.
    pub fn of(v: &crate::model::VacancyRecord) -> Demands {
        let mut d = Demands {
            supports: v.supports.iter().fold(0, |m, &s| m | support_bit(s)),
            ..Demands::default()
        };
        for (code, &demand) in &v.demands {
            match crate::model::ICF_DIMENSIONS
                .iter()
                .position(|(c, _)| c == code)
            {
                Some(i) => d.levels[i] = demand,
                None => d.beyond_any |= demand > 4,
            }
        }
        d
    }
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
                let fast = check(Rule::Compatibility, &q, &index, row, false).0;
                let (full, why) = check(Rule::Compatibility, &q, &index, row, true);
                assert_eq!(fast, full, "row {row}, vacancy {}: {why}", v.id);
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
}
