//! The language of the words rosa writes for an operator: the `detail` of rule
//! outcomes and congruity criteria, and the table view.
//!
//! Outcomes stay typed data everywhere ([`crate::rules::RuleDetail`],
//! [`crate::congruity::CriterionDetail`]); they become text only where they
//! leave rosa, in the language of the caller. The texts themselves are in
//! `crate::render`. The language is chosen for a stretch of code with [`with`]
//! (the CLI for a command, gRPC for the serialisation of one response); outside
//! of it the text is Italian, the language CPI operators answer appeals in.
//!
//! **Invariant.** Only words change with the language: JSON keys, rule and
//! criterion names, outcome codes, numbers (with a decimal point) and dates are
//! the same in both. The audit log hashes outputs in [`Lang::En`] whatever the
//! caller reads ([`crate::audit::hash_json`]), so a replay does not depend on
//! the language a roster was read in.

use std::cell::Cell;

/// A language of the operator's texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Italian (the default).
    #[default]
    It,
    /// English.
    En,
}

impl Lang {
    /// `it` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    /// The language of a code: `it` or `en`; the empty string is the default.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "" | "it" => Some(Lang::It),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language texts are written in now, on this thread.
    pub fn current() -> Lang {
        CURRENT.with(Cell::get)
    }
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::It) };
}

/// Runs `f` with texts written in `lang` on this thread (serialisations
/// included), then restores the language there was, even if `f` panics.
pub fn with<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    struct Restore(Lang);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(lang)));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_is_the_default_and_with_restores_the_language() {
        assert_eq!(Lang::current(), Lang::It);
        assert_eq!(Lang::default(), Lang::It);
        let inner = with(Lang::En, || {
            let nested = with(Lang::It, Lang::current);
            (Lang::current(), nested)
        });
        assert_eq!(inner, (Lang::En, Lang::It));
        assert_eq!(Lang::current(), Lang::It);
        let caught = std::panic::catch_unwind(|| with(Lang::En, || panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(Lang::current(), Lang::It, "restored after a panic");
    }

    #[test]
    fn codes_parse() {
        assert_eq!(Lang::parse("it"), Some(Lang::It));
        assert_eq!(Lang::parse(""), Some(Lang::It));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("EN"), None);
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::En.as_str(), "en");
    }
}
