//! ISCO-08 occupation groups and how many leading digits two codes share.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::error::ReferenceError;

use super::csv::*;
use super::ISCO_FILE;

/// ISCO-08 occupation groups (ISTAT CP2021 is aligned to them): 1-digit major groups,
/// 2-digit sub-major, 3-digit minor and 4-digit unit groups; a code's prefix is its parent.
#[derive(Debug, Clone)]
pub struct Isco {
    /// Code -> (level 1..=4, English title).
    pub(super) groups: BTreeMap<String, (u8, String)>,
}

impl Isco {
    /// Parses `code,level,title` rows. Every code is 1 to 4 digits, its level equals its
    /// length, and every code but a major group has its parent in the file.
    pub fn parse_csv(text: &str) -> Result<Isco, ReferenceError> {
        let mut records = CsvRecords::new(text, ISCO_FILE);
        let header = records.next().transpose()?;
        check_header(
            header.as_ref().map(|(_, f)| f.as_slice()),
            &["code", "level", "title"],
            ISCO_FILE,
        )?;
        let mut groups = BTreeMap::new();
        let mut lines = Vec::new();
        for record in records {
            let (line, fields) = record?;
            let [code, level, title] = <[String; 3]>::try_from(fields).map_err(|f| {
                ref_err(
                    ISCO_FILE,
                    line,
                    format!("expected 3 fields, got {}", f.len()),
                )
            })?;
            let code = code.trim().to_string();
            if code.is_empty() || code.len() > 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ref_err(
                    ISCO_FILE,
                    line,
                    format!("code: must be 1 to 4 digits, got `{code}`"),
                ));
            }
            let level: u8 = level
                .trim()
                .parse()
                .map_err(|_| ref_err(ISCO_FILE, line, format!("level: not a number: `{level}`")))?;
            if usize::from(level) != code.len() {
                return Err(ref_err(
                    ISCO_FILE,
                    line,
                    format!(
                        "level: must equal the code length {} for {code}, got {level}",
                        code.len()
                    ),
                ));
            }
            let title = title.trim().to_string();
            if title.is_empty() {
                return Err(ref_err(ISCO_FILE, line, format!("title: empty for {code}")));
            }
            if groups.insert(code.clone(), (level, title)).is_some() {
                return Err(ref_err(ISCO_FILE, line, format!("code: duplicate {code}")));
            }
            lines.push((code, line));
        }
        for (code, line) in &lines {
            if code.len() > 1 && !groups.contains_key(&code[..code.len() - 1]) {
                return Err(ref_err(
                    ISCO_FILE,
                    *line,
                    format!(
                        "code: parent group {} of {code} is missing",
                        &code[..code.len() - 1]
                    ),
                ));
            }
        }
        if groups.is_empty() {
            return Err(ref_err(ISCO_FILE, 1, "no ISCO groups"));
        }
        Ok(Isco { groups })
    }

    /// The ISCO-08 table embedded from `data/isco08.csv`, parsed once.
    ///
    /// # Panics
    /// If the embedded file is broken (a build defect, caught by the unit tests).
    pub fn embedded() -> &'static Isco {
        static ISCO: OnceLock<Isco> = OnceLock::new();
        ISCO.get_or_init(|| {
            Isco::parse_csv(include_str!("../../data/isco08.csv"))
                .unwrap_or_else(|e| panic!("embedded reference data is broken: {e}"))
        })
    }

    /// True when `code` is a group at any level (`"7"`, `"72"`, `"721"`, `"7212"`, `"0110"`).
    pub fn contains(&self, code: &str) -> bool {
        self.groups.contains_key(code)
    }

    /// The English title of a group at any level.
    pub fn title(&self, code: &str) -> Option<&str> {
        self.groups.get(code).map(|(_, t)| t.as_str())
    }

    /// The level of a group: 1 major, 2 sub-major, 3 minor, 4 unit group.
    pub fn level(&self, code: &str) -> Option<u8> {
        self.groups.get(code).map(|(l, _)| *l)
    }

    /// All 4-digit unit groups, in ascending code order.
    pub fn unit_groups(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .filter(|(_, (level, _))| *level == 4)
            .map(|(c, _)| c.as_str())
    }
}

/// An ISCO code packed for [`isco_shared_packed`]: its first four bytes, the
/// first in the low byte, each byte that is not a digit (and each position past
/// the end) replaced by `pad`. Pack the two sides with different pads so that
/// padding never matches.
pub fn isco_pack(code: &str, pad: u8) -> u32 {
    let mut b = [pad; 4];
    for (slot, c) in b.iter_mut().zip(code.bytes()) {
        if c.is_ascii_digit() {
            *slot = c;
        }
    }
    u32::from_le_bytes(b)
}

/// [`isco_shared_digits`] of two packed codes (packed with different pads).
///
/// ```
/// use rosa::taxonomy::{isco_pack, isco_shared_digits, isco_shared_packed};
/// for (a, b) in [("7223", "7223"), ("7223", "7233"), ("7223", "72"), ("5", "7223"), ("72a3", "72a3")] {
///     let packed = isco_shared_packed(isco_pack(a, 0xFE), isco_pack(b, 0xFF));
///     assert_eq!(packed, isco_shared_digits(a, b), "{a} {b}");
/// }
/// ```
pub fn isco_shared_packed(a: u32, b: u32) -> usize {
    ((a ^ b).trailing_zeros() / 8).min(4) as usize
}

/// Number of leading digits two ISCO codes share (0..=4): 4 same unit group, 3 same minor
/// group, 2 same sub-major group, 1 same major group, 0 unrelated. Comparison stops at the
/// first differing or non-digit character, so `("7212", "72")` gives 2.
pub fn isco_shared_digits(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .take(4)
        .take_while(|(x, y)| x == y && x.is_ascii_digit())
        .count()
}

/// Checks the shape of a CP2011 code as ClicLavoro writes it: four to six dot-separated
/// levels, one digit each except the last level, which may have two
/// (`6.2.3.1.1`, `6.2.3.1.1.12`).
pub fn is_cp2011(code: &str) -> bool {
    let parts: Vec<&str> = code.split('.').collect();
    if !(4..=6).contains(&parts.len()) {
        return false;
    }
    parts.iter().enumerate().all(|(i, p)| {
        let max = if i == 5 { 2 } else { 1 };
        (1..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    })
}
