//! Numbers in and out: the range check every number of a policy or a law
//! template goes through, and the one-decimal format of values in rule and
//! criterion details.

/// A finite number in `lo..=hi`, or an error naming the field and the range.
///
/// Every number of a policy goes through this (or an equivalent check): a
/// non-finite number has no JSON form, so it would serialise as `null`, two
/// policies would share one fingerprint and a logged roster could not be replayed.
pub(crate) fn number(field: &str, v: f64, lo: f64, hi: f64) -> std::result::Result<(), String> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!(
            "{field}: must be a finite number in [{lo}, {hi}], got {v}"
        ))
    }
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
