//! Graduatorie: ordering by a points formula instead of by fit, for numeric
//! placement on the L. 68/1999 lists (*avviamento numerico*) and for public
//! hiring under art. 16 L. 56/1987.
//!
//! A [`Template`] is data in the policy: a base, terms (per unit with an
//! optional threshold and caps, bands, flags), a direction (higher or lower
//! wins) and ordered tie-breakers, with `id` ascending always last. Three presets
//! ship: [`Template::dpr246_l68`], [`Template::er_l68_notice`],
//! [`Template::er_art16`]. An entry's `score` is the total and its `criteria` are
//! `base` plus one per term (`weight` 1, `value` the input, `points` the term's
//! points), so Σ points = score as for fit scores.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::law::Criterion;
use crate::model::{CandidateRecord, VacancyRecord};

/// Which end of the points wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Most points first.
    HigherWins,
    /// Fewest points first (DPR 246/1997: "chi ottiene meno punti è primo").
    LowerWins,
}

/// The person's data a term reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// Complete months since enrolment on the targeted list.
    MonthsEnrolled,
    /// Complete months since the DID.
    MonthsUnemployed,
    /// Dependent family members.
    Dependents,
    /// ISEE, euros.
    IseeEur,
    /// Yearly income, euros.
    IncomeEur,
    /// Invalidity percentage.
    InvalidityPct,
    /// Age in complete years.
    AgeYears,
    /// 1 when the DID precedes the vacancy's publication, else 0.
    DidBeforePublication,
}

/// How a term turns its input into points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// `offset + points × units`, units = whole `per` steps of `value − above`
    /// (0 points when `value ≤ above`), clamped to `[min, max]`.
    Linear {
        /// Size of one step of the input (1 month, 500 euros...).
        per: f64,
        /// Points per whole step.
        points: f64,
        /// Constant added when the term applies.
        #[serde(default)]
        offset: f64,
        /// Threshold below or at which the term gives 0.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        above: Option<f64>,
        /// Lowest points.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Highest points.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// The points of the highest band whose `from` is ≤ the value (0 below all).
    Bands {
        /// Bands, ascending `from`.
        bands: Vec<BandPoints>,
    },
}

/// A band of a [`Rule::Bands`] term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandPoints {
    /// Lowest value in the band (inclusive).
    pub from: f64,
    /// Points of the band.
    pub points: f64,
}

/// One term of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// Name reported as the criterion's name.
    pub name: String,
    /// What it reads.
    pub input: Input,
    /// How it scores.
    pub rule: Rule,
    /// Points when the input is not declared.
    #[serde(default)]
    pub missing_points: f64,
}

/// A tie-breaker, applied in order after equal totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreaker {
    /// Earlier birth date first.
    Older,
    /// Later birth date first.
    Younger,
    /// Lower ISEE first.
    LowerIsee,
    /// More dependents first.
    MoreDependents,
    /// Higher invalidity first.
    HigherInvalidity,
    /// Earlier DID first.
    EarlierDid,
    /// Earlier enrolment first.
    EarlierEnrolment,
}

/// A graduatoria points template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Name (`dpr246_l68`...).
    pub name: String,
    /// Points everyone starts from.
    pub base: f64,
    /// Which end wins.
    pub direction: Direction,
    /// Terms, reported in this order.
    pub terms: Vec<Term>,
    /// Tie-breakers after equal totals (then `id` ascending).
    #[serde(default)]
    pub tie_breakers: Vec<TieBreaker>,
}

/// Largest points magnitude of a template number (`base`, `points`, `offset`,
/// `min`, `max`, `missing_points`, band points).
pub const MAX_POINTS: f64 = 1e6;
/// Largest magnitude of a threshold (`above`, band `from`) and of `per`: inputs
/// are months, euros (at most 10,000,000), percentages and years.
pub const MAX_INPUT: f64 = 1e7;
/// Smallest `per` (a step of a thousandth of the input's unit).
pub const MIN_PER: f64 = 1e-3;

fn linear(per: f64, points: f64) -> Rule {
    Rule::Linear {
        per,
        points,
        offset: 0.0,
        above: None,
        min: None,
        max: None,
    }
}

fn term(name: &str, input: Input, rule: Rule) -> Term {
    Term {
        name: name.into(),
        input,
        rule,
        missing_points: 0.0,
    }
}

impl Template {
    /// National L. 68/1999 table of DPR 246/1997 (lower wins): base 1000; −1 per
    /// month of enrolment; −12 per dependent; income up to €7,746.85 counts 0,
    /// above it +48 and +12 per further whole €516.45; invalidity −7 (34–50%),
    /// −14 (51–66%), −21 (67–79%), −28 (80–100%). Ties: older first.
    pub fn dpr246_l68() -> Template {
        Template {
            name: "dpr246_l68".into(),
            base: 1000.0,
            direction: Direction::LowerWins,
            terms: vec![
                term("months_enrolled", Input::MonthsEnrolled, linear(1.0, -1.0)),
                term("dependents", Input::Dependents, linear(1.0, -12.0)),
                term(
                    "income",
                    Input::IncomeEur,
                    Rule::Linear {
                        per: 516.45,
                        points: 12.0,
                        offset: 48.0,
                        above: Some(7746.85),
                        min: None,
                        max: None,
                    },
                ),
                term(
                    "invalidity",
                    Input::InvalidityPct,
                    Rule::Bands {
                        bands: vec![
                            BandPoints {
                                from: 34.0,
                                points: -7.0,
                            },
                            BandPoints {
                                from: 51.0,
                                points: -14.0,
                            },
                            BandPoints {
                                from: 67.0,
                                points: -21.0,
                            },
                            BandPoints {
                                from: 80.0,
                                points: -28.0,
                            },
                        ],
                    },
                ),
            ],
            tie_breakers: vec![TieBreaker::Older],
        }
    }

    /// Emilia-Romagna L. 68 public-notice table (higher wins): invalidity % as
    /// points; 2 per month of enrolment up to 72; ISEE 25 − 0.5 per whole €500,
    /// not below 0 (25 when ISEE is 0; 0 when not declared). Ties: lower ISEE, then older.
    pub fn er_l68_notice() -> Template {
        Template {
            name: "er_l68_notice".into(),
            base: 0.0,
            direction: Direction::HigherWins,
            terms: vec![
                term("invalidity", Input::InvalidityPct, linear(1.0, 1.0)),
                term(
                    "months_enrolled",
                    Input::MonthsEnrolled,
                    Rule::Linear {
                        per: 1.0,
                        points: 2.0,
                        offset: 0.0,
                        above: None,
                        min: None,
                        max: Some(72.0),
                    },
                ),
                term(
                    "isee",
                    Input::IseeEur,
                    Rule::Linear {
                        per: 500.0,
                        points: -0.5,
                        offset: 25.0,
                        above: None,
                        min: Some(0.0),
                        max: None,
                    },
                ),
            ],
            tie_breakers: vec![TieBreaker::LowerIsee, TieBreaker::Older],
        }
    }

    /// Emilia-Romagna art. 16 L. 56/1987 table (higher wins): base 100; −1 per
    /// whole €1,000 of ISEE down to −25 (−25 when not declared); +5 for a DID
    /// before publication; +2 / +4 / +6 from age 40 / 45 / 50. Ties: younger first.
    pub fn er_art16() -> Template {
        Template {
            name: "er_art16".into(),
            base: 100.0,
            direction: Direction::HigherWins,
            terms: vec![
                Term {
                    missing_points: -25.0,
                    ..term(
                        "isee",
                        Input::IseeEur,
                        Rule::Linear {
                            per: 1000.0,
                            points: -1.0,
                            offset: 0.0,
                            above: None,
                            min: Some(-25.0),
                            max: None,
                        },
                    )
                },
                term(
                    "did_before_publication",
                    Input::DidBeforePublication,
                    linear(1.0, 5.0),
                ),
                term(
                    "age",
                    Input::AgeYears,
                    Rule::Bands {
                        bands: vec![
                            BandPoints {
                                from: 40.0,
                                points: 2.0,
                            },
                            BandPoints {
                                from: 45.0,
                                points: 4.0,
                            },
                            BandPoints {
                                from: 50.0,
                                points: 6.0,
                            },
                        ],
                    },
                ),
            ],
            tie_breakers: vec![TieBreaker::Younger],
        }
    }

    /// Checks the template's own consistency and that every number is finite
    /// and in range: points (`base`, `points`, `offset`, `min`, `max`,
    /// `missing_points`, band points) within ±[`MAX_POINTS`], thresholds
    /// (`above`, band `from`) within ±[`MAX_INPUT`], `per` in
    /// [[`MIN_PER`], [`MAX_INPUT`]], `min` ≤ `max`, bands ascending.
    pub fn validate(&self) -> Result<(), String> {
        use crate::number::number;
        let at = |what: &str| format!("template {}: {what}", self.name);
        number(&at("base"), self.base, -MAX_POINTS, MAX_POINTS)?;
        for t in &self.terms {
            let field = |f: &str| format!("template {}: term {}: {f}", self.name, t.name);
            let pts = |f: &str, v: f64| number(&field(f), v, -MAX_POINTS, MAX_POINTS);
            pts("missing_points", t.missing_points)?;
            match &t.rule {
                Rule::Linear {
                    per,
                    points,
                    offset,
                    above,
                    min,
                    max,
                } => {
                    number(&field("rule.per"), *per, MIN_PER, MAX_INPUT)?;
                    pts("rule.points", *points)?;
                    pts("rule.offset", *offset)?;
                    if let Some(a) = above {
                        number(&field("rule.above"), *a, -MAX_INPUT, MAX_INPUT)?;
                    }
                    if let Some(lo) = min {
                        pts("rule.min", *lo)?;
                    }
                    if let Some(hi) = max {
                        pts("rule.max", *hi)?;
                    }
                    if let (Some(lo), Some(hi)) = (min, max) {
                        if lo > hi {
                            return Err(field(&format!("rule.min: {lo} is above rule.max {hi}")));
                        }
                    }
                }
                Rule::Bands { bands } => {
                    for (i, b) in bands.iter().enumerate() {
                        number(
                            &field(&format!("rule.bands[{i}].from")),
                            b.from,
                            -MAX_INPUT,
                            MAX_INPUT,
                        )?;
                        pts(&format!("rule.bands[{i}].points"), b.points)?;
                    }
                    if bands.windows(2).any(|w| w[0].from >= w[1].from) {
                        return Err(field("bands must ascend"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Total and, with `detail`, criteria of a person (base first, then each
    /// term). Without `detail` nothing is allocated.
    pub fn score(
        &self,
        c: &Inputs,
        v: &VacancyRecord,
        as_of: Date,
        detail: bool,
    ) -> (f64, Vec<Criterion>) {
        if !detail {
            // The same additions in the same order as below: the same total.
            let mut total = self.base;
            for t in &self.terms {
                total += match input(t.input, c, v, as_of) {
                    None => t.missing_points,
                    Some(x) => points(&t.rule, x),
                };
            }
            return (total, Vec::new());
        }
        let mut criteria = vec![Criterion {
            name: "base".into(),
            weight: 1.0,
            value: self.base,
            points: self.base,
            detail: format!("base {}", self.base),
        }];
        let mut total = self.base;
        for t in &self.terms {
            let (value, points, detail) = match input(t.input, c, v, as_of) {
                None => (0.0, t.missing_points, "not declared".to_string()),
                Some(x) => {
                    let p = points(&t.rule, x);
                    (x, p, format!("{} → {} points", trim(x), trim(p)))
                }
            };
            total += points;
            criteria.push(Criterion {
                name: t.name.clone(),
                weight: 1.0,
                value,
                points,
                detail,
            });
        }
        (total, criteria)
    }

    /// The order of two people with their totals: direction, then tie-breakers,
    /// then id ascending.
    pub fn order(&self, a: (f64, &Inputs, &str), b: (f64, &Inputs, &str)) -> Ordering {
        let by_total = match self.direction {
            Direction::HigherWins => b.0.total_cmp(&a.0),
            Direction::LowerWins => a.0.total_cmp(&b.0),
        };
        let (ca, cb) = (a.1, b.1);
        let mut o = by_total;
        for tb in &self.tie_breakers {
            if o != Ordering::Equal {
                break;
            }
            o = match tb {
                TieBreaker::Older => some_first(ca.birth_date, cb.birth_date, |x, y| x.cmp(&y)),
                TieBreaker::Younger => some_first(ca.birth_date, cb.birth_date, |x, y| y.cmp(&x)),
                TieBreaker::LowerIsee => {
                    some_first(ca.isee_eur, cb.isee_eur, |x, y| x.total_cmp(&y))
                }
                TieBreaker::MoreDependents => cb.dependents.cmp(&ca.dependents),
                TieBreaker::HigherInvalidity => {
                    some_first(ca.invalidity_pct, cb.invalidity_pct, |x, y| y.cmp(&x))
                }
                TieBreaker::EarlierDid => some_first(ca.did_date, cb.did_date, |x, y| x.cmp(&y)),
                TieBreaker::EarlierEnrolment => {
                    some_first(ca.enrolled, cb.enrolled, |x, y| x.cmp(&y))
                }
            };
        }
        o.then_with(|| a.2.cmp(b.2))
    }
}

/// Compares two optional values, a declared value before a missing one.
fn some_first<T: Copy>(a: Option<T>, b: Option<T>, cmp: impl Fn(T, T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => cmp(x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The points of a rule for a value.
pub fn points(rule: &Rule, x: f64) -> f64 {
    match rule {
        Rule::Linear {
            per,
            points,
            offset,
            above,
            min,
            max,
        } => {
            let base = above.unwrap_or(0.0);
            if above.is_some() && x <= base {
                return 0.0;
            }
            // A tiny tolerance so that exact multiples (e.g. 1032.90 / 516.45) count whole.
            let units = ((x - base) / per + 1e-9).floor().max(0.0);
            let mut p = offset + points * units;
            if let Some(lo) = min {
                p = p.max(*lo);
            }
            if let Some(hi) = max {
                p = p.min(*hi);
            }
            p
        }
        Rule::Bands { bands } => bands
            .iter()
            .rev()
            .find(|b| b.from <= x)
            .map_or(0.0, |b| b.points),
    }
}

/// What the terms and tie-breakers of a graduatoria read of a person, taken
/// from the record by [`Inputs::of`]. The index keeps them per row apart from
/// the [`crate::index::Features`] of the fit score, which never reads them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Inputs {
    /// `did_date`.
    pub did_date: Option<Date>,
    /// `targeted.enrolled`.
    pub enrolled: Option<Date>,
    /// `targeted.invalidity_pct`.
    pub invalidity_pct: Option<u32>,
    /// `ranking.dependents` (0 when not declared).
    pub dependents: u32,
    /// `ranking.isee_eur`.
    pub isee_eur: Option<f64>,
    /// `ranking.income_eur`.
    pub income_eur: Option<f64>,
    /// `ranking.birth_date`.
    pub birth_date: Option<Date>,
}

impl Inputs {
    /// The inputs of a record.
    pub fn of(c: &CandidateRecord) -> Inputs {
        let r = c.ranking.as_ref();
        let t = c.targeted.as_ref();
        Inputs {
            did_date: c.did_date,
            enrolled: t.and_then(|t| t.enrolled),
            invalidity_pct: t.and_then(|t| t.invalidity_pct),
            dependents: r.map_or(0, |r| r.dependents),
            isee_eur: r.and_then(|r| r.isee_eur),
            income_eur: r.and_then(|r| r.income_eur),
            birth_date: r.and_then(|r| r.birth_date),
        }
    }
}

fn input(i: Input, c: &Inputs, v: &VacancyRecord, as_of: Date) -> Option<f64> {
    match i {
        Input::MonthsEnrolled => c.enrolled.map(|d| as_of.months_since(d).max(0) as f64),
        Input::MonthsUnemployed => c.did_date.map(|d| as_of.months_since(d).max(0) as f64),
        Input::Dependents => Some(c.dependents as f64),
        Input::IseeEur => c.isee_eur,
        Input::IncomeEur => c.income_eur,
        Input::InvalidityPct => c.invalidity_pct.map(f64::from),
        Input::AgeYears => c.birth_date.map(|b| (as_of.months_since(b) / 12) as f64),
        Input::DidBeforePublication => {
            let publication = v.published.unwrap_or(as_of);
            Some(c.did_date.is_some_and(|d| d < publication) as u8 as f64)
        }
    }
}

#[cfg(test)]
mod tests;
