//! The checks records share (ids, codes, money, comuni, ISCO, EQF, ICF maps, list
//! lengths, skill references, occupation mappings) and the [`Record`] trait.

use serde::Serialize;

use crate::error::FieldError;
use crate::geo::Comuni;
use crate::taxonomy::Isco;

use super::*;

/// Checks `[A-Za-z0-9_-]{1,64}`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub(super) fn is_language_code(c: &str) -> bool {
    c.len() == 2 && c.bytes().all(|b| b.is_ascii_lowercase())
}

pub(super) fn is_licence_code(c: &str) -> bool {
    (1..=32).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub(super) fn money(errs: &mut Vec<FieldError>, field: &str, v: f64) {
    if !v.is_finite() || v < 0.0 {
        errs.push(FieldError::new(
            field,
            format!("must be a non-negative amount of euros, got {v}"),
        ));
    } else if v > 1.0e7 {
        errs.push(FieldError::new(
            field,
            format!("must be at most 10000000 euros, got {v}"),
        ));
    }
}

pub(super) fn comune(errs: &mut Vec<FieldError>, comuni: &Comuni, field: &str, code: &str) {
    if comuni.lookup(code).is_none() {
        errs.push(FieldError::new(
            field,
            format!("unknown comune {code:?} (expected a 6-digit ISTAT code or a Belfiore code like F205)"),
        ));
    }
}

pub(super) fn isco(errs: &mut Vec<FieldError>, table: &Isco, field: &str, code: &str) {
    if !table.contains(code) {
        errs.push(FieldError::new(
            field,
            format!("unknown ISCO-08 code {code:?}"),
        ));
    }
}

pub(super) fn eqf(errs: &mut Vec<FieldError>, field: &str, v: Option<u8>) {
    if let Some(v) = v {
        if !(1..=8).contains(&v) {
            errs.push(FieldError::new(
                field,
                format!("must be an EQF level 1..=8, got {v}"),
            ));
        }
    }
}

pub(super) fn icf_map(
    errs: &mut Vec<FieldError>,
    field: &str,
    map: &std::collections::BTreeMap<String, u8>,
    what: &str,
) {
    list_len(errs, field, map.len(), MAX_LIST);
    for (code, v) in map.iter().take(MAX_LIST) {
        if !is_icf_dimension(code) {
            errs.push(FieldError::new(
                format!("{field}.{code}"),
                format!("unknown ICF code {code:?}"),
            ));
        } else if *v > 4 {
            errs.push(FieldError::new(
                format!("{field}.{code}"),
                format!("{what} must be 0..=4, got {v}"),
            ));
        }
    }
}

pub(super) fn list_len(errs: &mut Vec<FieldError>, field: &str, len: usize, max: usize) {
    if len > max {
        errs.push(FieldError::new(
            field,
            format!("at most {max} entries, got {len}"),
        ));
    }
}

pub(super) fn skill_ref(
    errs: &mut Vec<FieldError>,
    field: &str,
    esco: &Option<String>,
    label: &Option<String>,
) {
    match (esco, label) {
        (None, None) => errs.push(FieldError::new(
            field,
            "needs an esco URI, a label, or both",
        )),
        _ => {
            if let Some(uri) = esco {
                if !(uri.starts_with("http://") || uri.starts_with("https://")) || uri.len() > 256 {
                    errs.push(FieldError::new(
                        format!("{field}.esco"),
                        format!("not an ESCO URI: {uri:?}"),
                    ));
                }
            }
            if let Some(l) = label {
                if l.trim().is_empty() || l.len() > 200 {
                    errs.push(FieldError::new(
                        format!("{field}.label"),
                        "must be 1..=200 bytes of text",
                    ));
                }
            }
        }
    }
}

/// Checks `occupation_mappings`: each names an ISCO code of the record (`codes` gives
/// the code at a field), a CP2011 code, a confidence 0..=1, and an unconfident one
/// names a bare major group.
pub(super) fn occupation_mappings(
    errs: &mut Vec<FieldError>,
    maps: &[OccupationMapping],
    code_at: impl Fn(&str) -> Option<String>,
) {
    list_len(errs, "occupation_mappings", maps.len(), MAX_LIST);
    for (i, m) in maps.iter().enumerate().take(MAX_LIST) {
        let at = |f: &str| format!("occupation_mappings[{i}].{f}");
        match code_at(&m.field) {
            None => errs.push(FieldError::new(
                at("field"),
                format!("names no ISCO code of this record: {:?}", m.field),
            )),
            Some(code) if !m.confident && code.len() != 1 => errs.push(FieldError::new(
                at("confident"),
                format!(
                    "is false, so {} must be a bare ISCO major group, got {code:?}",
                    m.field
                ),
            )),
            Some(_) => {}
        }
        if !crate::taxonomy::is_cp2011(&m.cp2011) {
            errs.push(FieldError::new(
                at("cp2011"),
                format!("not a CP2011 code like 6.2.3.1.1: {:?}", m.cp2011),
            ));
        }
        if !m.confidence.is_finite() || !(0.0..=1.0).contains(&m.confidence) {
            errs.push(FieldError::new(
                at("confidence"),
                format!("must be 0..=1, got {}", m.confidence),
            ));
        }
        if m.title.len() > MAX_NAME_BYTES {
            errs.push(FieldError::new(
                at("title"),
                format!("at most {MAX_NAME_BYTES} bytes, got {}", m.title.len()),
            ));
        }
        if let Some(uri) = &m.esco {
            if !(uri.starts_with("http://") || uri.starts_with("https://")) || uri.len() > 256 {
                errs.push(FieldError::new(
                    at("esco"),
                    format!("not an ESCO URI: {uri:?}"),
                ));
            }
        }
    }
}

/// The index in `field` = `name[i]`.
pub(super) fn indexed(field: &str, name: &str) -> Option<usize> {
    field
        .strip_prefix(name)?
        .strip_prefix('[')?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// A record type that can be read from JSON and validated.
pub trait Record: serde::de::DeserializeOwned + Serialize + Sized {
    /// The record's id.
    fn id(&self) -> &str;
    /// Every problem in the record.
    fn check(&self, comuni: &Comuni, isco: &Isco) -> Vec<FieldError>;
}

impl Record for CandidateRecord {
    fn id(&self) -> &str {
        &self.id
    }
    fn check(&self, comuni: &Comuni, isco: &Isco) -> Vec<FieldError> {
        self.validate(comuni, isco)
    }
}

impl Record for VacancyRecord {
    fn id(&self) -> &str {
        &self.id
    }
    fn check(&self, comuni: &Comuni, isco: &Isco) -> Vec<FieldError> {
        self.validate(comuni, isco)
    }
}
