//! Typed outcomes into words: the one place where rule outcomes
//! ([`RuleDetail`]) and congruity criteria ([`CriterionDetail`]) become the
//! `detail` strings of rosters, explanations and offers, in Italian or English
//! ([`Lang`]).
//!
//! **Architecture invariant.** Nothing below the adapters formats an outcome:
//! the core computes variants with their values and thresholds, and the text is
//! written here when an output is serialised, in [`Lang::current`] (set by the
//! CLI's `--lang` and gRPC's `lang` field with [`crate::lang::with`]). Only
//! words change with the language: numbers keep one decimal at most with a
//! decimal point, dates stay ISO, and codes (contract types, lists, supports,
//! rule and criterion names) stay as they are in the JSON. The English texts
//! are those rosa wrote before issue 19, byte for byte (`tests/golden.rs`).

use serde::{Serialize, Serializer};

use crate::congruity::CriterionDetail;
use crate::lang::Lang;
use crate::rules::RuleDetail;

mod congruity;
mod rules;

pub use congruity::criterion;
pub use rules::rule;

/// `it` or `en` of the language.
fn pick(lang: Lang, it: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::It => it,
        Lang::En => en,
    }
}

/// "≥" when met, "<" when not: the sign of every "value ≥ threshold".
fn at_least(met: bool) -> &'static str {
    if met {
        "≥"
    } else {
        "<"
    }
}

/// "≤" when within, ">" when not: the sign of every "value ≤ limit".
fn at_most(within: bool) -> &'static str {
    if within {
        "≤"
    } else {
        ">"
    }
}

impl Serialize for RuleDetail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rule(self, Lang::current()))
    }
}

impl Serialize for CriterionDetail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&criterion(self, Lang::current()))
    }
}

impl std::fmt::Display for RuleDetail {
    /// The words in [`Lang::current`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&rule(self, Lang::current()))
    }
}

impl std::fmt::Display for CriterionDetail {
    /// The words in [`Lang::current`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&criterion(self, Lang::current()))
    }
}

#[cfg(test)]
mod tests;
