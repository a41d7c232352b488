//! The score (section 5 of the design): six criteria, each a value in [0, 1],
//! weighted by the policy; points = weight × value, score = Σ points.
//!
//! Values are rounded to 4 decimals (an operator reads them, and tiny BM25 or
//! distance differences should tie rather than decide); points are the product
//! and the score their sum in criterion order, both rounded to 10 decimals, so
//! Σ points = score within 1e-10 by construction. **Protected attributes** (sex, age, nationality, disability,
//! benefit, family data) are not read here: only competences, professions,
//! education, languages, distance and CV text.

use roaring::RoaringBitmap;

use crate::index::{Index, SkillFeature};
pub use crate::law::Criterion;
use crate::number::fmt1;
use crate::query::Query;
pub use crate::query::MIN_RELATEDNESS;
use crate::taxonomy::{isco_shared_digits, isco_shared_packed, Isco};

mod bound;
pub use bound::{Bound, Reach};

fn round10(x: f64) -> f64 {
    round(x * 1e10) / 1e10
}

fn round4(x: f64) -> f64 {
    round(x * 10_000.0) / 10_000.0
}

/// [`f64::round`] (half away from zero) to the bit, without the libm call it
/// compiles to on baseline x86-64 (no SSE4.1): every row's bound rounds twelve
/// times. Below 2^52 the integer part is exact in an `i64` and the fraction
/// `x - trunc` is exact; elsewhere (and for NaN) `f64::round` itself.
#[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(a < b)` is true for NaN, on purpose
fn round(x: f64) -> f64 {
    const EXACT: f64 = 4_503_599_627_370_496.0; // 2^52
    if !(x.abs() < EXACT) {
        return x.round();
    }
    let t = x as i64 as f64; // truncation toward zero
    let r = if (x - t).abs() >= 0.5 {
        t + x.signum()
    } else {
        t
    };
    // -0.3 rounds to -0.0, as f64::round does.
    r.copysign(x)
}

/// Proximity of two ISCO codes by shared digits: unit group 1, minor group 0.75,
/// sub-major 0.5, major 0.25.
pub fn isco_proximity(a: &str, b: &str) -> f64 {
    isco_shared_digits(a, b) as f64 / 4.0
}

/// The person's ESCO skill most related to a vacancy skill they lack, with its
/// relatedness (at least [`MIN_RELATEDNESS`]); ties to the smaller key.
fn related_feature<'f>(
    q: &Query,
    s: &crate::query::QuerySkill,
    feats: &'f [SkillFeature],
) -> Option<(&'f SkillFeature, f32)> {
    if s.related.is_empty() {
        return None;
    }
    let t = q.policy.scoring.label_threshold;
    let mut best: Option<(&SkillFeature, f32)> = None;
    for f in feats.iter().filter(|f| f.similarity >= t) {
        if let Ok(i) = s.related.binary_search_by_key(&f.key, |&(k, _)| k) {
            let r = s.related[i].1;
            if best.is_none_or(|(_, b)| r > b) {
                best = Some((f, r));
            }
        }
    }
    best
}

/// Scores one row. `max_bm25` is the best BM25 among the eligible (for the text
/// criterion's normalisation). With `detail`, the criteria are returned too.
pub fn score(
    q: &Query,
    index: &Index,
    row: u32,
    max_bm25: f32,
    detail: bool,
) -> (f64, Vec<Criterion>) {
    let values = [
        skills(q, index, &index.features(row).skills, detail, None),
        occupation(q, index, row, detail),
        education(q, index, row, detail),
        languages(q, index, row, detail),
        distance(q, index, row, detail),
        text(q.bm25(row), max_bm25, detail),
    ];
    let named = q.policy.weights.named();
    let (shown, total) = combine(&named, values.each_ref().map(|v| v.0));
    let criteria = if detail {
        named
            .into_iter()
            .zip(shown)
            .zip(values)
            .map(|(((name, weight), (value, points)), (_, why))| Criterion {
                name: name.to_string(),
                weight,
                value,
                points,
                detail: why,
            })
            .collect()
    } else {
        Vec::new()
    };
    (total, criteria)
}

/// Each criterion's value as shown and its points, and the score: the one place
/// the arithmetic of [`score`] lives, so that [`Bound`] computes it identically.
/// Rounding the sum to 10 decimals keeps |score - Σ points| below 1e-10 and prints
/// 0.72628 rather than 0.7262799999999999.
fn combine(named: &[(&str, f64); 6], values: [f64; 6]) -> ([(f64, f64); 6], f64) {
    let mut total = 0.0;
    let mut shown = [(0.0, 0.0); 6];
    for ((slot, &(_, weight)), value) in shown.iter_mut().zip(named).zip(values) {
        *slot = points(weight, value);
        total += slot.1;
    }
    (shown, round10(total))
}

/// A criterion's value as shown (4 decimals) and its points (10 decimals).
fn points(weight: f64, value: f64) -> (f64, f64) {
    let value = round4(value);
    (value, round10(weight * value))
}

/// The skills criterion of a person with these skill features; with `caps`
/// (see [`Bound`]), its upper bound instead.
fn skills(
    q: &Query,
    index: &Index,
    feats: &[SkillFeature],
    detail: bool,
    caps: Option<&[f64]>,
) -> (f64, String) {
    if q.skills.is_empty() {
        return (
            1.0,
            if detail {
                "no skills asked".into()
            } else {
                String::new()
            },
        );
    }
    let factor = q.policy.scoring.self_declared_factor;
    let (mut got, mut total) = (0.0, 0.0);
    let (mut matched, mut certified) = (0, 0);
    let mut missing: Vec<&str> = Vec::new();
    let mut related: Vec<String> = Vec::new();
    for (i, s) in q.skills.iter().enumerate() {
        total += s.weight;
        match q.skill_match(s, feats) {
            Some(f) => {
                let cert = if f.certified { 1.0 } else { factor };
                got += s.weight * (f.similarity as f64) * (s.similarity as f64) * cert;
                matched += 1;
                certified += f.certified as usize;
            }
            // The bound: `score`'s product with the person's similarity and
            // certification at 1 and the relatedness at its cap (factor included).
            None if caps.is_some() => {
                let cap = caps.map_or(0.0, |c| c[i]);
                if cap > 0.0 {
                    got += s.weight
                        * 1.0
                        * (s.similarity as f64)
                        * 1.0
                        * q.policy.scoring.related_skill_factor
                        * cap;
                }
            }
            None => match related_feature(q, s, feats) {
                Some((f, r)) => {
                    let cert = if f.certified { 1.0 } else { factor };
                    got += s.weight
                        * (f.similarity as f64)
                        * (s.similarity as f64)
                        * cert
                        * q.policy.scoring.related_skill_factor
                        * r as f64;
                    if detail {
                        related.push(format!(
                            "{} for {} (related {:.2})",
                            index.vocab().name(f.key),
                            s.name,
                            r
                        ));
                    }
                }
                None => {
                    if detail {
                        missing.push(&s.name);
                    }
                }
            },
        }
    }
    let why = if detail {
        let mut d = format!("{matched}/{} skills", q.skills.len());
        if certified > 0 {
            d.push_str(&format!(" ({certified} certified)"));
        }
        if !related.is_empty() {
            d.push_str(&format!("; partly: {}", related.join(", ")));
        }
        if !missing.is_empty() {
            d.push_str(&format!("; missing: {}", missing.join(", ")));
        }
        d
    } else {
        String::new()
    };
    (got / total, why)
}

fn occupation(q: &Query, index: &Index, row: u32, detail: bool) -> (f64, String) {
    let (isco_value, isco_why) = isco_occupation(q, index, row, detail);
    if q.occupation_closeness.is_empty() {
        return (isco_value, isco_why);
    }
    // The ESCO occupations the person's evidence points to, against the vacancy's.
    let mut best: Option<(f32, crate::esco::Inferred, crate::esco::OccId)> = None;
    for inf in index.features(row).esco.iter() {
        let (closeness, v) = q.occupation_closeness[inf.occ as usize];
        let value = inf.strength * closeness;
        if best.is_none_or(|(b, _, _)| value > b) {
            best = Some((value, *inf, v));
        }
    }
    let share = q.policy.scoring.esco_occupation_share;
    let esco_value = best.map_or(0.0, |(v, _, _)| v as f64);
    let value = share * esco_value + (1.0 - share) * isco_value;
    if !detail {
        return (value, String::new());
    }
    let tax = crate::esco::active();
    let why = match best {
        Some((v, inf, vac)) if v > 0.0 => {
            let (p, o) = (tax.occupation(inf.occ), tax.occupation(vac));
            let (shared, of) = tax.profiles().shared_essential(inf.occ, vac);
            if inf.occ == vac {
                format!(
                    "{} (ESCO {}, as the vacancy; evidence {:.2}); {isco_why}",
                    p.name(),
                    p.code,
                    inf.strength
                )
            } else {
                format!(
                    "{} \u{2194} {}: {shared} of {of} essential skills shared (closeness {:.2}); {isco_why}",
                    p.name(),
                    o.name(),
                    v
                )
            }
        }
        _ => format!(
            "no ESCO occupation near {}; {isco_why}",
            q.esco
                .first()
                .map_or("the vacancy's", |v| tax.occupation(v.occ).name())
        ),
    };
    (value, why)
}

/// ISCO proximity of the best experience or desired profession, with months.
fn isco_occupation(q: &Query, index: &Index, row: u32, detail: bool) -> (f64, String) {
    let occupations = &index.features(row).occupations;
    let target = q.vacancy.isco.as_str();
    if is_unknown_occupation(target) {
        // The vacancy's occupation is unknown (CP2011 not mapped confidently): no one
        // gets occupation points, rather than a guess.
        let why = if detail {
            format!(
                "vacancy occupation unknown (only ISCO major group {target}{})",
                mapping_note(&q.vacancy.occupation_mappings, "isco")
            )
        } else {
            String::new()
        };
        return (0.0, why);
    }
    let full = q.policy.scoring.experience_full_months as f64;
    let mut best = (0.0, None::<usize>);
    let mut unknown = 0usize;
    for (i, o) in occupations.iter().enumerate() {
        // A bare major group (packed: the second byte is padding) is unknown.
        if (o.code >> 8) & 0xFF == 0xFF {
            unknown += 1;
            continue;
        }
        let proximity = isco_shared_packed(q.isco_target, o.code) as f64 / 4.0;
        let v = if o.desired {
            proximity * 0.5
        } else {
            proximity * (0.5 + 0.5 * (o.months as f64 / full).min(1.0))
        };
        if v > best.0 {
            best = (v, Some(i));
        }
    }
    if !detail {
        return (best.0, String::new());
    }
    let rec = index.record(row);
    let level = |code: &str| match isco_shared_digits(target, code) {
        4 => "same unit group",
        3 => "same minor group",
        2 => "same sub-major group",
        _ => "same major group",
    };
    let title = |code: &str| Isco::embedded().title(code).unwrap_or("").to_string();
    // Occupations are the experiences, then the desired professions.
    let maps = &rec.occupation_mappings;
    let mut why = match best.1 {
        None => format!("no experience or desired profession near {target}"),
        Some(i) if i < rec.experiences.len() => {
            let e = &rec.experiences[i];
            format!(
                "{} {}, {} months ({}{})",
                e.isco,
                title(&e.isco),
                e.months,
                level(&e.isco),
                mapping_note(maps, &format!("experiences[{i}]"))
            )
        }
        Some(i) => {
            let j = i - rec.experiences.len();
            // The features name the occupation by its position in the record;
            // a record that could not be read back (a file changed behind the
            // engine) has none.
            match rec.desired_isco.get(j) {
                Some(d) => format!(
                    "desired {} {} ({}{}), no experience",
                    d,
                    title(d),
                    level(d),
                    mapping_note(maps, &format!("desired_isco[{j}]"))
                ),
                None => "the record could not be read back: occupation detail unavailable".into(),
            }
        }
    };
    if unknown > 0 {
        why.push_str(&format!(
            "; {unknown} occupation(s) unknown (CP2011 not mapped confidently), not scored"
        ));
    }
    (best.0, why)
}

/// Whether an ISCO code is only a major group: how an imported occupation whose CP2011
/// mapping was not confident is recorded. The occupation criterion scores it as unknown.
pub fn is_unknown_occupation(code: &str) -> bool {
    code.len() == 1
}

/// `, from CP2011 <code> "<title>" (confidence c)` for the mapping of `field`, if any.
fn mapping_note(maps: &[crate::model::OccupationMapping], field: &str) -> String {
    match maps.iter().find(|m| m.field == field) {
        None => String::new(),
        Some(m) => format!(
            ", from CP2011 {}{} ({}, confidence {:.2})",
            m.cp2011,
            if m.title.is_empty() {
                String::new()
            } else {
                format!(" {:?}", m.title)
            },
            if m.confident {
                "mapped"
            } else {
                "not confident"
            },
            m.confidence
        ),
    }
}

fn education(q: &Query, index: &Index, row: u32, detail: bool) -> (f64, String) {
    let eqf = index.features(row).education_eqf;
    let say = |s: String| if detail { s } else { String::new() };
    match (q.vacancy.education_eqf_min, eqf) {
        (None, _) => (1.0, say("no minimum".into())),
        (Some(min), None) => (0.0, say(format!("EQF unknown, minimum {min}"))),
        (Some(min), Some(e)) if e >= min => (1.0, say(format!("EQF {e} ≥ {min}"))),
        (Some(min), Some(e)) => (
            0.5f64.powi((min - e) as i32),
            say(format!("EQF {e} < {min}")),
        ),
    }
}

fn languages(q: &Query, index: &Index, row: u32, detail: bool) -> (f64, String) {
    let asked = &q.vacancy.languages;
    if asked.is_empty() {
        return (
            1.0,
            if detail {
                "no languages asked".into()
            } else {
                String::new()
            },
        );
    }
    let feats = index.features(row);
    let mut sum = 0.0;
    let mut parts = Vec::new();
    for l in asked {
        let held = feats.language(&l.code);
        let v = match held {
            Some(c) if c >= l.cefr => 1.0,
            Some(c) => 0.5f64.powi((l.cefr.rank() - c.rank()) as i32),
            None => 0.0,
        };
        sum += v;
        if detail {
            parts.push(match held {
                Some(c) => format!("{} {} (asked {})", l.code, c.as_str(), l.cefr.as_str()),
                None => format!("no {} (asked {})", l.code, l.cefr.as_str()),
            });
        }
    }
    (sum / asked.len() as f64, parts.join("; "))
}

fn distance(q: &Query, index: &Index, row: u32, detail: bool) -> (f64, String) {
    let feats = index.features(row);
    let km = q.km(feats.comune);
    let limit = feats.max_km as f64;
    let v = if limit <= 0.0 {
        if km <= 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        (1.0 - km / limit).max(0.0)
    };
    (
        v,
        if detail {
            format!("{} km of {} km", fmt1(km), fmt1(limit))
        } else {
            String::new()
        },
    )
}

fn text(s: f32, max_bm25: f32, detail: bool) -> (f64, String) {
    let v = if max_bm25 > 0.0 {
        (s / max_bm25) as f64
    } else {
        0.0
    };
    let why = if !detail {
        String::new()
    } else if s == 0.0 {
        "no term of the vacancy text in the CV".into()
    } else {
        format!("BM25 {:.2} of best {:.2}", s, max_bm25)
    };
    (v, why)
}

#[cfg(test)]
mod round_tests {
    use super::round;

    #[test]
    fn round_is_f64_round_to_the_bit() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut cases: Vec<f64> = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e-320,
            7262.5,
            7262.499999999999,
        ];
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
            cases.push(unit * 1e4);
            cases.push(unit * 1e10);
            cases.push(-unit * 3.0);
            cases.push(f64::from_bits(x));
        }
        for c in cases {
            let (got, want) = (round(c), c.round());
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "{c:e}: {got:e} != {want:e}"
            );
        }
    }
}
