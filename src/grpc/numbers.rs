//! Every `double` of a request message, by field path, so that a non-finite
//! one is refused with its field named. The adapter turns a message into JSON,
//! where NaN and ±infinity have no form (serde writes `null`): unchecked, a NaN
//! `hours_per_week` would read as a missing field and a NaN skill `weight` as
//! the default weight, silently.
//!
//! **Invariant:** every `double` field of `Candidate` and `Vacancy` in
//! `proto/rosa.proto` is listed here (`tests/grpc.rs` sets each to NaN and
//! ±infinity and expects `INVALID_ARGUMENT` naming it).

use super::pb;
use crate::error::FieldError;

/// The `double` fields of a message that are set, as `(dotted path, value)`.
pub(super) trait Doubles {
    /// The record id the message carries.
    fn id(&self) -> &str;
    /// The `double` fields that are set.
    fn doubles(&self) -> Vec<(String, f64)>;
}

impl Doubles for pb::Vacancy {
    fn id(&self) -> &str {
        &self.id
    }
    fn doubles(&self) -> Vec<(String, f64)> {
        let mut out = Vec::new();
        for (i, s) in self.skills.iter().enumerate() {
            if let Some(w) = s.weight {
                out.push((format!("skills[{i}].weight"), w));
            }
        }
        if let Some(c) = &self.contract {
            out.push(("contract.hours_per_week".into(), c.hours_per_week));
            if let Some(v) = c.gross_monthly_eur {
                out.push(("contract.gross_monthly_eur".into(), v));
            }
            if let Some(v) = c.ccnl_min_monthly_eur {
                out.push(("contract.ccnl_min_monthly_eur".into(), v));
            }
        }
        out
    }
}

impl Doubles for pb::Candidate {
    fn id(&self) -> &str {
        &self.id
    }
    fn doubles(&self) -> Vec<(String, f64)> {
        let mut out = Vec::new();
        if let Some(b) = &self.benefit {
            out.push(("benefit.monthly_eur".into(), b.monthly_eur));
            if let Some(h) = b.last_contract_hours {
                out.push(("benefit.last_contract_hours".into(), h));
            }
        }
        if let Some(r) = &self.ranking {
            if let Some(v) = r.isee_eur {
                out.push(("ranking.isee_eur".into(), v));
            }
            if let Some(v) = r.income_eur {
                out.push(("ranking.income_eur".into(), v));
            }
        }
        out
    }
}

/// Every non-finite `double` of `msg`, as field errors located like a line
/// of a file (`what:n: id: field: message`).
pub(super) fn non_finite(msg: &impl Doubles, what: &str, n: usize) -> Vec<FieldError> {
    msg.doubles()
        .into_iter()
        .filter(|(_, v)| !v.is_finite())
        .map(|(field, v)| {
            FieldError::new(field, format!("must be a finite number, got {v}")).at(
                what,
                n,
                msg.id(),
            )
        })
        .collect()
}
