//! The law's shared vocabulary: what congruity, the graduatorie, the hard rules
//! and the index all speak of, one layer below them. The hard rules by name and in
//! their documented order ([`Rule`]), pass or fail ([`Outcome`]), a criterion with
//! its points ([`Criterion`]), the effective confirmation date of the freshness
//! rule, and the functional-compatibility profile of a person (art. 8 L. 68/1999)
//! with the demands of a vacancy in its shape. The index keeps a profile per row;
//! the rules themselves (`crate::rules`) evaluate a row against a query.
//!
//! Everything here is re-exported where it was first defined (`crate::rules::X`,
//! `crate::score::Criterion`), so those paths stay.

use serde::Serialize;

use crate::date::Date;
use crate::model::{Mode, Support};

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

/// One criterion of a score, as shown in rosters and explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    /// Criterion name.
    pub name: String,
    /// Weight from the policy.
    pub weight: f64,
    /// Value in [0, 1] (for graduatorie: the input, such as months or euros).
    pub value: f64,
    /// Points it contributes.
    pub points: f64,
    /// How the value was obtained.
    pub detail: String,
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
