//! Congruity of an offer (*offerta congrua*, art. 25 D.Lgs 150/2015) for a person
//! who receives income support: refusing a congruous offer has consequences, so
//! every roster entry and every offer says whether it is congruous and why.
//!
//! Regimes are data in the policy ([`Regime`]), with the two of the design as
//! defaults: `dm2018` (NASpI, DIS-COLL: DM 10/4/2018, ANPAL delib. 2/2018) and
//! `adi2023` (ADI, SFL: DL 48/2023 art. 9, DM 8/8/2023). An integrator adds a
//! regime with a policy file, without code.
//!
//! **Boundaries.** Months since the DID are complete calendar months
//! ([`Date::months_since`]); a band applies from its `from_months` inclusive, so
//! with bands at 0, 6 and 12 months a person exactly 6 months after the DID is in
//! the second band ("dal settimo mese") and exactly 12 months in the third
//! ("oltre il dodicesimo mese"). Distances, hours and pay pass when equal to the
//! threshold.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::geo::TravelTime;
use crate::law::Outcome;
use crate::model::{BenefitScheme, CandidateRecord, ContractType, VacancyRecord};
use crate::taxonomy::isco_shared_digits;

/// What "coherent with the person's profile" means in a band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coherence {
    /// The vacancy's ISCO is one of the professions of the service pact
    /// (`desired_isco`, stand-in for the pact's ADA).
    Desired,
    /// Same ISCO minor group (3 digits) as an experience or a desired profession
    /// (stand-in for the same SEP).
    MinorGroup,
    /// Any profession.
    Any,
}

/// When a permanent contract is congruous at any distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermanentAnywhere {
    /// Never: the distance limit applies to every contract.
    Never,
    /// Always.
    Always,
    /// Unless the person has children under 14 (ADI rule).
    WithoutChildrenUnder14,
}

/// A band of months since the DID with its thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// The band applies from this many complete months since the DID.
    pub from_months: u32,
    /// Profession coherence required.
    pub coherence: Coherence,
    /// Farthest workplace, km (an offer passes within `max_km` or within `max_minutes`).
    pub max_km: f64,
    /// Longest estimated public-transport trip, minutes.
    pub max_minutes: f64,
}

/// A congruity regime: which schemes it covers and its criteria.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    /// Name reported in outputs.
    pub name: String,
    /// Benefit schemes it applies to.
    pub schemes: Vec<BenefitScheme>,
    /// Bands by months since the DID, ascending `from_months`, the first at 0.
    pub bands: Vec<Band>,
    /// When a permanent contract is congruous at any distance.
    #[serde(default = "never")]
    pub permanent_anywhere: PermanentAnywhere,
    /// Contract types that can be congruous (empty: any).
    #[serde(default)]
    pub contracts: Vec<ContractType>,
    /// Minimum duration in months of a non-permanent contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_months: Option<u32>,
    /// Minimum weekly hours as a share of the last contract's (NASpI: 0.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_share_of_last_hours: Option<f64>,
    /// Minimum weekly hours as a share of full time (ADI: 0.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_share_of_full_time: Option<f64>,
    /// Full-time weekly hours for the share above.
    #[serde(default = "forty")]
    pub full_time_hours: f64,
    /// Pay must reach the CCNL minimum.
    #[serde(default = "yes")]
    pub pay_at_least_ccnl: bool,
    /// Pay must reach this multiple of the monthly benefit (NASpI: 1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_benefit_ratio: Option<f64>,
}

fn never() -> PermanentAnywhere {
    PermanentAnywhere::Never
}
fn forty() -> f64 {
    40.0
}
fn yes() -> bool {
    true
}

impl Regime {
    /// `dm2018`: NASpI and DIS-COLL (DM 10/4/2018; L. 92/2012 distance values).
    pub fn dm2018() -> Regime {
        let band = |from_months, coherence, max_km, max_minutes| Band {
            from_months,
            coherence,
            max_km,
            max_minutes,
        };
        Regime {
            name: "dm2018".into(),
            schemes: vec![BenefitScheme::Naspi, BenefitScheme::DisColl],
            bands: vec![
                band(0, Coherence::Desired, 50.0, 80.0),
                band(6, Coherence::MinorGroup, 50.0, 80.0),
                band(12, Coherence::Any, 80.0, 100.0),
            ],
            permanent_anywhere: PermanentAnywhere::Never,
            contracts: vec![
                ContractType::Permanent,
                ContractType::FixedTerm,
                ContractType::Agency,
            ],
            min_months: Some(3),
            min_share_of_last_hours: Some(0.8),
            min_share_of_full_time: None,
            full_time_hours: 40.0,
            pay_at_least_ccnl: true,
            min_benefit_ratio: Some(1.2),
        }
    }

    /// `adi2023`: ADI and SFL (DL 48/2023 art. 9, DM 8/8/2023).
    pub fn adi2023() -> Regime {
        Regime {
            name: "adi2023".into(),
            schemes: vec![BenefitScheme::Adi, BenefitScheme::Sfl],
            bands: vec![Band {
                from_months: 0,
                coherence: Coherence::Any,
                max_km: 80.0,
                max_minutes: 120.0,
            }],
            permanent_anywhere: PermanentAnywhere::WithoutChildrenUnder14,
            contracts: vec![],
            min_months: None,
            min_share_of_last_hours: None,
            min_share_of_full_time: Some(0.6),
            full_time_hours: 40.0,
            pay_at_least_ccnl: true,
            min_benefit_ratio: None,
        }
    }

    /// Checks the regime's own consistency, and that its numbers are finite
    /// and in range: `max_km` 0..=2000, `max_minutes` 0..=1440, the shares
    /// 0..=1, `min_benefit_ratio` 0..=10, `full_time_hours` 1..=60.
    pub fn validate(&self) -> Result<(), String> {
        let n = &self.name;
        if self.bands.is_empty() || self.bands[0].from_months != 0 {
            return Err(format!("regime {n}: bands must start at from_months = 0"));
        }
        if self
            .bands
            .windows(2)
            .any(|w| w[0].from_months >= w[1].from_months)
        {
            return Err(format!(
                "regime {n}: bands must have increasing from_months"
            ));
        }
        use crate::number::number;
        for (i, b) in self.bands.iter().enumerate() {
            number(
                &format!("regime {n}: bands[{i}].max_km"),
                b.max_km,
                0.0,
                2000.0,
            )?;
            number(
                &format!("regime {n}: bands[{i}].max_minutes"),
                b.max_minutes,
                0.0,
                1440.0,
            )?;
        }
        for (field, v, hi) in [
            ("min_share_of_last_hours", self.min_share_of_last_hours, 1.0),
            ("min_share_of_full_time", self.min_share_of_full_time, 1.0),
            ("min_benefit_ratio", self.min_benefit_ratio, 10.0),
        ] {
            if let Some(v) = v {
                number(&format!("regime {n}: {field}"), v, 0.0, hi)?;
            }
        }
        number(
            &format!("regime {n}: full_time_hours"),
            self.full_time_hours,
            1.0,
            60.0,
        )?;
        if self.schemes.is_empty() {
            return Err(format!("regime {n}: schemes is empty"));
        }
        Ok(())
    }
}

/// One congruity criterion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CongruityCriterion {
    /// `coherence`, `distance`, `contract`, `hours`, `pay_ccnl`, `pay_benefit`.
    pub name: &'static str,
    /// Pass or fail.
    pub outcome: Outcome,
    /// The offer's value, when numeric.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The threshold, when numeric.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The values compared; serialised as words in the current
    /// [`crate::lang::Lang`].
    pub detail: CriterionDetail,
}

impl CongruityCriterion {
    /// The criterion of an outcome: its name, outcome, value and threshold all
    /// come from the one variant.
    pub fn new(detail: CriterionDetail) -> CongruityCriterion {
        CongruityCriterion {
            name: detail.name(),
            outcome: if detail.passed() {
                Outcome::Pass
            } else {
                Outcome::Fail
            },
            value: detail.value(),
            threshold: detail.threshold(),
            detail,
        }
    }
}

/// What one congruity criterion compared: one variant per criterion, with its
/// value and threshold. Turned into words only at the edge (`crate::render`).
#[derive(Debug, Clone, PartialEq)]
pub enum CriterionDetail {
    /// `coherence`: the vacancy's ISCO against the profile the band asks for.
    Coherence(CoherenceCheck),
    /// `distance`: km or minutes within the band's limits.
    Distance {
        /// Distance to the workplace.
        km: f64,
        /// The limits, or `None` for a permanent contract congruous anywhere.
        limit: Option<DistanceLimit>,
    },
    /// `contract`: a congruous type, and long enough.
    Contract {
        /// The vacancy's contract type.
        kind: ContractType,
        /// Among the regime's congruous types (or the regime lists none).
        listed: bool,
        /// The contract's duration.
        months: Option<u32>,
        /// The regime's minimum duration of a non-permanent contract.
        min_months: Option<u32>,
    },
    /// `hours`: weekly hours against a share of a reference.
    Hours {
        /// The vacancy's weekly hours.
        hours: f64,
        /// What the hours are compared with.
        basis: HoursBasis,
    },
    /// `pay_ccnl`: pay at least the CCNL minimum.
    PayCcnl {
        /// Gross monthly pay, if stated.
        pay: Option<f64>,
        /// CCNL minimum, if stated.
        min: Option<f64>,
    },
    /// `pay_benefit`: pay at least a multiple of the monthly benefit.
    PayBenefit {
        /// Gross monthly pay, if stated.
        pay: Option<f64>,
        /// The regime's multiple (NASpI: 1.2).
        ratio: f64,
        /// The monthly benefit.
        benefit: f64,
    },
}

/// The coherence the band asks for, and whether the offer has it.
#[derive(Debug, Clone, PartialEq)]
pub enum CoherenceCheck {
    /// Any profession, from this many months since the DID.
    Any {
        /// The band's `from_months`.
        from_months: u32,
    },
    /// One of the service pact's professions.
    Desired {
        /// The vacancy's ISCO.
        isco: String,
        /// The person's `desired_isco`.
        desired: Vec<String>,
        /// Found among them.
        coherent: bool,
    },
    /// The minor group of an experience or desired profession.
    MinorGroup {
        /// The vacancy's ISCO.
        isco: String,
        /// Found in one.
        coherent: bool,
    },
}

/// A band's distance limits and the estimated trip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistanceLimit {
    /// The band's `max_km`.
    pub max_km: f64,
    /// Estimated public-transport minutes (infinite for an unknown comune).
    pub minutes: f64,
    /// The band's `max_minutes`.
    pub max_minutes: f64,
}

/// The reference of the hours criterion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HoursBasis {
    /// A share of the last contract's hours.
    LastContract {
        /// The share (NASpI: 0.8).
        share: f64,
        /// The last contract's weekly hours.
        last: f64,
    },
    /// A share of the last contract's hours, which are unknown: not checked.
    LastUnknown,
    /// A share of full time.
    FullTime {
        /// The share (ADI: 0.6).
        share: f64,
        /// Full-time weekly hours.
        full_time: f64,
    },
}

impl HoursBasis {
    /// The minimum weekly hours, when known.
    pub fn min(self) -> Option<f64> {
        match self {
            HoursBasis::LastContract { share, last } => Some(share * last),
            HoursBasis::LastUnknown => None,
            HoursBasis::FullTime { share, full_time } => Some(share * full_time),
        }
    }
}

impl CriterionDetail {
    /// The criterion's name in outputs.
    pub fn name(&self) -> &'static str {
        match self {
            CriterionDetail::Coherence(_) => "coherence",
            CriterionDetail::Distance { .. } => "distance",
            CriterionDetail::Contract { .. } => "contract",
            CriterionDetail::Hours { .. } => "hours",
            CriterionDetail::PayCcnl { .. } => "pay_ccnl",
            CriterionDetail::PayBenefit { .. } => "pay_benefit",
        }
    }

    /// Whether the criterion is met. Distances, hours and pay pass when equal
    /// to the threshold.
    pub fn passed(&self) -> bool {
        match self {
            CriterionDetail::Coherence(c) => match c {
                CoherenceCheck::Any { .. } => true,
                CoherenceCheck::Desired { coherent, .. }
                | CoherenceCheck::MinorGroup { coherent, .. } => *coherent,
            },
            CriterionDetail::Distance { km, limit } => match limit {
                None => true,
                Some(l) => *km <= l.max_km || l.minutes <= l.max_minutes,
            },
            CriterionDetail::Contract {
                kind,
                listed,
                months,
                min_months,
            } => {
                *listed
                    && match (min_months, kind) {
                        (_, ContractType::Permanent) | (None, _) => true,
                        (Some(min), _) => months.is_some_and(|m| m >= *min),
                    }
            }
            CriterionDetail::Hours { hours, basis } => {
                basis.min().is_none_or(|min| *hours >= min - 1e-9)
            }
            CriterionDetail::PayCcnl { pay, min } => match (pay, min) {
                (Some(p), Some(m)) => p >= m,
                _ => false,
            },
            // Compared in cents so that pay exactly at 120% passes despite float error.
            CriterionDetail::PayBenefit {
                pay,
                ratio,
                benefit,
            } => pay.is_some_and(|p| (p * 100.0).round() >= (ratio * benefit * 100.0).round()),
        }
    }

    /// The offer's value, when numeric.
    pub fn value(&self) -> Option<f64> {
        match self {
            CriterionDetail::Coherence(_) => None,
            CriterionDetail::Distance { km, .. } => Some(*km),
            CriterionDetail::Contract { months, .. } => months.map(f64::from),
            CriterionDetail::Hours { hours, .. } => Some(*hours),
            CriterionDetail::PayCcnl { pay, .. } | CriterionDetail::PayBenefit { pay, .. } => *pay,
        }
    }

    /// The threshold, when numeric.
    pub fn threshold(&self) -> Option<f64> {
        match self {
            CriterionDetail::Coherence(_) => None,
            CriterionDetail::Distance { limit, .. } => limit.map(|l| l.max_km),
            CriterionDetail::Contract { min_months, .. } => min_months.map(f64::from),
            CriterionDetail::Hours { basis, .. } => basis.min(),
            CriterionDetail::PayCcnl { min, .. } => *min,
            CriterionDetail::PayBenefit { ratio, benefit, .. } => Some(ratio * benefit),
        }
    }
}

/// The congruity verdict of an offer for a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Congruity {
    /// Regime applied.
    pub regime: String,
    /// True when every criterion passes.
    pub congruous: bool,
    /// Complete months since the DID.
    pub months_since_did: u32,
    /// Every criterion.
    pub criteria: Vec<CongruityCriterion>,
}

/// The congruity of `v` for `c`, or `None` when the person has no benefit or no
/// regime covers their scheme.
pub fn evaluate(
    regimes: &[Regime],
    c: &CandidateRecord,
    v: &VacancyRecord,
    km: f64,
    travel: &dyn TravelTime,
    as_of: Date,
) -> Option<Congruity> {
    let benefit = c.benefit.as_ref()?;
    let regime = regimes
        .iter()
        .find(|r| r.schemes.contains(&benefit.scheme))?;
    let months = c
        .did_date
        .map_or(0, |d| as_of.months_since(d).max(0) as u32);
    let band = regime
        .bands
        .iter()
        .rev()
        .find(|b| b.from_months <= months)
        .unwrap_or(&regime.bands[0]);
    let mut out = Vec::with_capacity(6);
    out.push(CriterionDetail::Coherence(coherence(band, c, v)));
    out.push(distance(regime, band, c, v, km, travel));
    out.push(CriterionDetail::Contract {
        kind: v.contract.kind,
        listed: regime.contracts.is_empty() || regime.contracts.contains(&v.contract.kind),
        months: v.contract.months,
        min_months: regime.min_months,
    });
    let hours = v.contract.hours_per_week;
    if let Some(share) = regime.min_share_of_last_hours {
        let basis = match benefit.last_contract_hours {
            Some(last) => HoursBasis::LastContract { share, last },
            None => HoursBasis::LastUnknown,
        };
        out.push(CriterionDetail::Hours { hours, basis });
    }
    if let Some(share) = regime.min_share_of_full_time {
        let full_time = regime.full_time_hours;
        let basis = HoursBasis::FullTime { share, full_time };
        out.push(CriterionDetail::Hours { hours, basis });
    }
    let pay = v.contract.gross_monthly_eur;
    if regime.pay_at_least_ccnl {
        let min = v.contract.ccnl_min_monthly_eur;
        out.push(CriterionDetail::PayCcnl { pay, min });
    }
    if let Some(ratio) = regime.min_benefit_ratio {
        let benefit = benefit.monthly_eur;
        out.push(CriterionDetail::PayBenefit {
            pay,
            ratio,
            benefit,
        });
    }
    let criteria: Vec<CongruityCriterion> = out.into_iter().map(CongruityCriterion::new).collect();
    Some(Congruity {
        regime: regime.name.clone(),
        congruous: criteria.iter().all(|c| c.outcome == Outcome::Pass),
        months_since_did: months,
        criteria,
    })
}

/// Coherence of the vacancy's profession with the person's, as the band asks.
fn coherence(band: &Band, c: &CandidateRecord, v: &VacancyRecord) -> CoherenceCheck {
    let target = v.isco.as_str();
    match band.coherence {
        Coherence::Any => CoherenceCheck::Any {
            from_months: band.from_months,
        },
        // A bare major group is an occupation whose mapping was not confident
        // (`rosa import`): unknown, so it never makes an offer coherent.
        Coherence::Desired => CoherenceCheck::Desired {
            coherent: target.len() > 1
                && c.desired_isco.iter().any(|d| {
                    d.len() > 1 && isco_shared_digits(target, d) >= d.len().min(target.len())
                }),
            isco: v.isco.clone(),
            desired: c.desired_isco.clone(),
        },
        Coherence::MinorGroup => CoherenceCheck::MinorGroup {
            coherent: c
                .experiences
                .iter()
                .map(|e| e.isco.as_str())
                .chain(c.desired_isco.iter().map(String::as_str))
                .any(|x| isco_shared_digits(target, x) >= 3),
            isco: v.isco.clone(),
        },
    }
}

/// Distance or travel time, or none for a permanent contract the regime makes
/// congruous anywhere.
fn distance(
    regime: &Regime,
    band: &Band,
    c: &CandidateRecord,
    v: &VacancyRecord,
    km: f64,
    travel: &dyn TravelTime,
) -> CriterionDetail {
    let permanent_free = v.contract.kind == ContractType::Permanent
        && match regime.permanent_anywhere {
            PermanentAnywhere::Never => false,
            PermanentAnywhere::Always => true,
            PermanentAnywhere::WithoutChildrenUnder14 => !c.children_under_14,
        };
    let limit = (!permanent_free).then(|| {
        let comuni = crate::geo::Comuni::embedded();
        let (from, to) = (comuni.lookup(&c.domicile), comuni.lookup(&v.workplace));
        let minutes = match (from, to) {
            (Some(a), Some(b)) => travel.minutes(comuni.get(a), comuni.get(b), km),
            _ => f64::INFINITY,
        };
        DistanceLimit {
            max_km: band.max_km,
            minutes,
            max_minutes: band.max_minutes,
        }
    });
    CriterionDetail::Distance { km, limit }
}

#[cfg(test)]
mod tests;
