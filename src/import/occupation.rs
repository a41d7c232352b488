//! ISTAT CP2011 occupations → ISCO-08 unit groups and ESCO occupations.
//!
//! ClicLavoro records name occupations by CP2011 code (`6.2.3.1.1`) and Italian title
//! (*Meccanici e montatori di macchinari industriali*). ISTAT aligns CP2011 to ISCO-08
//! but its correspondence table does not ship with rosa, so the mapping goes through
//! the Italian labels of the ESCO occupations, which hang below ISCO unit groups:
//!
//! 1. The title and every ESCO label (masculine/feminine preferred pair, alternative
//!    labels) are normalised (lowercase, accents folded), cut into words, stop words
//!    dropped, and each word reduced to a stem (Italian plural and gender endings cut,
//!    so *meccanici* and *meccanico* meet).
//! 2. Each occupation scores its best label: the larger of the weighted Dice coefficient
//!    of the title's and the label's stems and, for a label inside the title, the share
//!    of the label's words in the title times the square root of the share of the
//!    title's words in the label. Words weigh by rarity (IDF over all labels); stems
//!    that differ only in spelling (*pasticcier* / *pasticcer*: same first four
//!    letters, Jaro-Winkler ≥ 0.92) count 0.85.
//! 3. Only occupations whose ISCO major group parallels the CP major group are
//!    candidates ([`isco_majors`]): CP 1–5 are ISCO 1–5, CP 6 (crafts and agriculture)
//!    is ISCO 7, or 6 for 6.4 (agriculture), CP 7 (plant and machine operators) is ISCO 8,
//!    CP 8 (elementary occupations) is ISCO 9, CP 9 (armed forces) is ISCO 0.
//! 4. The mapping is *confident* when the best score reaches [`CONFIDENT_SCORE`] and no
//!    occupation of another unit group comes within [`CONFIDENT_MARGIN`]. Otherwise, or
//!    without labels, the record keeps only the ISCO major group and says the
//!    occupation is unknown, and the occupation criterion scores it as unknown.

use std::collections::HashMap;

pub use crate::taxonomy::is_cp2011;
use crate::taxonomy::normalise_text;

/// Best label score needed for a confident mapping.
pub const CONFIDENT_SCORE: f64 = 0.5;
/// Lead over the best occupation of another ISCO unit group needed for a confident
/// mapping.
pub const CONFIDENT_MARGIN: f64 = 0.08;

/// One ESCO occupation as the matcher needs it.
#[derive(Debug, Clone)]
pub struct OccupationEntry {
    /// ESCO concept URI.
    pub uri: String,
    /// ISCO-08 unit group (4 digits).
    pub isco: String,
    /// Labels in the matching language: the preferred label first (a `m/f` pair is
    /// split by the matcher), then the alternative labels.
    pub labels: Vec<String>,
}

/// The outcome of mapping one CP2011 occupation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// ISCO-08 code to put in the record: the unit group when confident, else the major
    /// group paralleling the CP major group.
    pub isco: String,
    /// The ESCO occupation matched (confident or not), with its label.
    pub esco: Option<(String, String)>,
    /// The best score, 0..=1 (0 without labels).
    pub confidence: f64,
    /// Whether the unit group is trusted.
    pub confident: bool,
    /// Why, in one sentence.
    pub note: String,
}

/// ISCO-08 major groups that parallel a CP2011 code's major group (the first allowed
/// is the fallback); `None` for a code that is not CP2011.
pub fn isco_majors(cp: &str) -> Option<&'static [u8]> {
    let b = cp.as_bytes();
    let first = *b.first()?;
    let second = if b.len() >= 3 && b[1] == b'.' {
        b[2]
    } else {
        0
    };
    Some(match first {
        b'1' => b"1",
        b'2' => b"2",
        // Some CP 3 health and teaching associate professions are ISCO 2 (nurses, 2221).
        b'3' => b"32",
        b'4' => b"4",
        b'5' => b"5",
        b'6' if second == b'4' => b"6",
        b'6' => b"7",
        b'7' => b"8",
        b'8' => b"9",
        b'9' => b"0",
        _ => return None,
    })
}

const STOP_WORDS: &[&str] = &[
    "a",
    "ad",
    "al",
    "alla",
    "alle",
    "agli",
    "ai",
    "all",
    "con",
    "d",
    "da",
    "dal",
    "dalla",
    "de",
    "dei",
    "degli",
    "del",
    "della",
    "delle",
    "dell",
    "di",
    "e",
    "ed",
    "gli",
    "i",
    "il",
    "in",
    "l",
    "la",
    "le",
    "lo",
    "nei",
    "nel",
    "nella",
    "nelle",
    "nell",
    "o",
    "per",
    "su",
    "sui",
    "sul",
    "sulla",
    "tra",
    "un",
    "una",
    "uno",
    "assimilati",
    "assimilate",
    "professioni",
    "professione",
    "altri",
    "altre",
    "addetti",
    "addetto",
    "addetta",
];

/// Stem of one normalised Italian word: plural and gender endings cut.
fn stem(w: &str) -> String {
    let w = w.trim_end_matches(['\'']);
    let n = w.chars().count();
    if n <= 3 {
        return w.to_string();
    }
    for suf in ["ici", "ico", "ica", "iche", "ichi"] {
        if let Some(s) = w.strip_suffix(suf) {
            return format!("{s}ic");
        }
    }
    for suf in ["tori", "tore", "trice", "trici"] {
        if let Some(s) = w.strip_suffix(suf) {
            return format!("{s}tor");
        }
    }
    for suf in ["ieri", "iere", "iera", "iere"] {
        if let Some(s) = w.strip_suffix(suf) {
            return format!("{s}ier");
        }
    }
    let trimmed = w.trim_end_matches(['a', 'e', 'i', 'o']);
    if trimmed.chars().count() < 3 {
        return w.to_string();
    }
    // cuoco / cuochi, chirurgo / chirurghi: the h only keeps the sound.
    match trimmed
        .strip_suffix("ch")
        .or_else(|| trimmed.strip_suffix("gh"))
    {
        Some(s) => format!("{s}{}", &trimmed[s.len()..s.len() + 1]),
        None => trimmed.to_string(),
    }
}

/// Letters two stems must share at the start to be compared fuzzily.
const PREFIX: usize = 4;

/// Similarity of two stems: 1 when equal, [`FUZZY_WEIGHT`] when they share their first
/// [`PREFIX`] letters and Jaro-Winkler ≥ 0.92 (*pasticcier* / *pasticcer*), else 0.
fn stem_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if a.len() < 5 || b.len() < 5 || a.get(..PREFIX) != b.get(..PREFIX) {
        return 0.0;
    }
    if strsim::jaro_winkler(a, b) >= 0.92 {
        FUZZY_WEIGHT
    } else {
        0.0
    }
}

/// Credit of a fuzzy stem match.
const FUZZY_WEIGHT: f64 = 0.85;

fn prefix(s: &str) -> &str {
    match s.char_indices().nth(PREFIX) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Stems of a text, stop words dropped, deduplicated, in order.
fn stems(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in normalise_text(text).split_whitespace() {
        if STOP_WORDS.contains(&w) {
            continue;
        }
        let s = stem(w);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Labels of an entry, the preferred `m/f` pair split.
fn entry_labels(e: &OccupationEntry) -> Vec<String> {
    let mut out = Vec::new();
    for (i, l) in e.labels.iter().enumerate() {
        if i == 0 {
            out.extend(l.split('/').map(|s| s.trim().to_string()));
        } else {
            out.push(l.trim().to_string());
        }
    }
    out.retain(|l| !l.is_empty());
    out
}

/// The matcher: ESCO occupations with their labels cut into stems, and word weights.
pub struct OccupationMatcher {
    entries: Vec<OccupationEntry>,
    /// Per entry, per label: stem ids.
    labels: Vec<Vec<Vec<u32>>>,
    /// Preferred label (first of the pair) per entry, for explanations.
    display: Vec<String>,
    stem_ids: HashMap<String, u32>,
    /// Stem text by id.
    stem_text: Vec<String>,
    /// Stem ids by their first [`PREFIX`] letters.
    by_prefix: HashMap<String, Vec<u32>>,
    idf: Vec<f64>,
    /// Entries holding a stem, for candidate lookup.
    postings: Vec<Vec<u32>>,
}

impl std::fmt::Debug for OccupationMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OccupationMatcher({} occupations)", self.entries.len())
    }
}

impl OccupationMatcher {
    /// Builds the matcher from ESCO occupations (any order; ties are broken by URI).
    /// Entries whose ISCO group is not four digits are skipped.
    pub fn new(entries: impl IntoIterator<Item = OccupationEntry>) -> OccupationMatcher {
        let mut entries: Vec<OccupationEntry> = entries
            .into_iter()
            .filter(|e| e.isco.len() == 4 && e.isco.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        entries.sort_by(|a, b| a.uri.cmp(&b.uri));
        let mut stem_ids: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut postings: Vec<Vec<u32>> = Vec::new();
        let mut labels = Vec::with_capacity(entries.len());
        let mut display = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let ls = entry_labels(e);
            display.push(ls.first().cloned().unwrap_or_default());
            let mut seen: Vec<u32> = Vec::new();
            let mut per_label = Vec::new();
            for l in &ls {
                let ids: Vec<u32> = stems(l)
                    .into_iter()
                    .map(|s| {
                        let next = stem_ids.len() as u32;
                        let id = *stem_ids.entry(s).or_insert(next);
                        if id as usize == df.len() {
                            df.push(0);
                            postings.push(Vec::new());
                        }
                        id
                    })
                    .collect();
                for &id in &ids {
                    if !seen.contains(&id) {
                        seen.push(id);
                        df[id as usize] += 1;
                        postings[id as usize].push(i as u32);
                    }
                }
                per_label.push(ids);
            }
            labels.push(per_label);
        }
        let n = entries.len().max(1) as f64;
        let idf = df
            .iter()
            .map(|&d| (n / d.max(1) as f64).ln() + 1.0)
            .collect();
        let mut stem_text = vec![String::new(); stem_ids.len()];
        for (s, &id) in &stem_ids {
            stem_text[id as usize] = s.clone();
        }
        let mut by_prefix: HashMap<String, Vec<u32>> = HashMap::new();
        for (id, s) in stem_text.iter().enumerate() {
            by_prefix
                .entry(prefix(s).to_string())
                .or_default()
                .push(id as u32);
        }
        OccupationMatcher {
            entries,
            labels,
            display,
            stem_ids,
            stem_text,
            by_prefix,
            idf,
            postings,
        }
    }

    /// Number of occupations held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no occupation is held (every mapping is then unknown).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Maps a CP2011 code and its Italian title. The code must pass [`is_cp2011`].
    pub fn map(&self, cp: &str, title: &str) -> Mapping {
        let majors = isco_majors(cp).unwrap_or(b"");
        let fallback = majors
            .first()
            .map(|m| (*m as char).to_string())
            .unwrap_or_default();
        let unknown = |note: String, confidence: f64, esco: Option<(String, String)>| Mapping {
            isco: fallback.clone(),
            esco,
            confidence,
            confident: false,
            note,
        };
        if self.entries.is_empty() {
            return unknown(
                format!(
                    "CP2011 {cp}: no occupation labels loaded (--esco), only the major group {fallback} is known"
                ),
                0.0,
                None,
            );
        }
        // Query stems, each with the vocabulary stems it matches (exactly or fuzzily) and
        // a weight: the rarest match's, or the largest weight for a word no label has.
        let q = stems(title);
        let unknown_weight = self.idf.iter().cloned().fold(0.0, f64::max);
        let mut sim: HashMap<u32, f64> = HashMap::new();
        let mut q_weight = 0.0;
        for s in &q {
            let mut best_w: Option<f64> = None;
            if let Some(ids) = self.by_prefix.get(prefix(s)) {
                for &id in ids {
                    let v = stem_similarity(s, &self.stem_text[id as usize]);
                    if v > 0.0 {
                        let e = sim.entry(id).or_insert(0.0);
                        *e = e.max(v);
                        if v == 1.0 || best_w.is_none() {
                            best_w = Some(self.idf[id as usize]);
                        }
                    }
                }
            }
            if let Some(&id) = self.stem_ids.get(s) {
                best_w = Some(self.idf[id as usize]);
            }
            q_weight += best_w.unwrap_or(unknown_weight);
        }
        if q_weight == 0.0 {
            return unknown(format!("CP2011 {cp}: no title to match"), 0.0, None);
        }
        let mut candidates: Vec<u32> = sim
            .keys()
            .flat_map(|&id| self.postings[id as usize].iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        // (score, entry) of the best label per entry: the larger of the weighted Dice
        // coefficient and "the label is in the title" (label words covered, times the
        // square root of the title's words covered).
        let mut scored: Vec<(f64, u32, f64)> = Vec::new();
        for e in candidates {
            let entry = &self.entries[e as usize];
            let major = entry.isco.as_bytes()[0];
            if !majors.contains(&major) {
                continue;
            }
            let (mut best, mut contained) = (0.0f64, 0.0f64);
            for label in &self.labels[e as usize] {
                let l_weight: f64 = label.iter().map(|&i| self.idf[i as usize]).sum();
                let shared: f64 = label
                    .iter()
                    .map(|i| sim.get(i).copied().unwrap_or(0.0) * self.idf[*i as usize])
                    .sum();
                if shared == 0.0 || l_weight == 0.0 {
                    continue;
                }
                let dice = 2.0 * shared / (q_weight + l_weight);
                let inside = (shared / l_weight) * (shared / q_weight).min(1.0).sqrt();
                let score = dice.max(inside);
                if score > best {
                    best = score;
                    contained = shared / l_weight;
                }
            }
            // A secondary major group (ISCO 2 for CP 3) costs a little.
            if major != majors[0] {
                best *= 0.9;
            }
            if best > 0.0 {
                scored.push((best.min(1.0), e, contained));
            }
        }
        // Highest score, then lowest URI (entries are sorted by URI).
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let Some(&(score, top, contained)) = scored.first() else {
            return unknown(
                format!(
                    "CP2011 {cp} {title:?}: no ESCO occupation of ISCO major group {fallback} shares a word with the title"
                ),
                0.0,
                None,
            );
        };
        let top_entry = &self.entries[top as usize];
        let runner = scored
            .iter()
            .find(|(_, e, _)| self.entries[*e as usize].isco != top_entry.isco)
            .map_or(0.0, |(s, _, _)| *s);
        let score = (score * 10_000.0).round() / 10_000.0;
        let esco = Some((top_entry.uri.clone(), self.display[top as usize].clone()));
        if score >= CONFIDENT_SCORE && score - runner >= CONFIDENT_MARGIN {
            Mapping {
                isco: top_entry.isco.clone(),
                esco,
                confidence: score,
                confident: true,
                note: format!(
                    "CP2011 {cp} {title:?} -> ISCO {} via ESCO {:?} (label match {score:.2}, next unit group {runner:.2})",
                    top_entry.isco, self.display[top as usize]
                ),
            }
        } else {
            unknown(
                format!(
                    "CP2011 {cp} {title:?}: not confident (best ESCO {:?}, ISCO {}, label match {score:.2}, label words in the title {contained:.2}, next unit group {runner:.2}); only the major group {fallback} is kept",
                    self.display[top as usize], top_entry.isco
                ),
                score,
                esco,
            )
        }
    }
}

/// Reads the occupations of an ESCO CSV file in the official layout (`conceptUri`,
/// `iscoGroup`, `preferredLabel`, `altLabels` one per line inside a quoted cell).
/// A small CSV reader (quoted cells with `""` escapes and newlines).
pub fn parse_occupations_csv(text: &str) -> Result<Vec<OccupationEntry>, String> {
    let rows = csv_rows(text);
    let mut it = rows.into_iter();
    let header = it.next().ok_or("empty occupations file")?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or(format!("no {name} column"))
    };
    let (uri, isco, pref, alt) = (
        col("conceptUri")?,
        col("iscoGroup")?,
        col("preferredLabel")?,
        col("altLabels")?,
    );
    let mut out = Vec::new();
    for r in it {
        if r.len() <= uri.max(isco).max(pref).max(alt) {
            continue;
        }
        let mut labels = vec![r[pref].clone()];
        labels.extend(
            r[alt]
                .lines()
                .map(str::to_string)
                .filter(|l| !l.trim().is_empty()),
        );
        out.push(OccupationEntry {
            uri: r[uri].clone(),
            isco: r[isco].clone(),
            labels,
        });
    }
    Ok(out)
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cell.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cell.push(c);
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut cell)),
                '\r' => {}
                '\n' => {
                    row.push(std::mem::take(&mut cell));
                    rows.push(std::mem::take(&mut row));
                }
                _ => cell.push(c),
            }
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(uri: &str, isco: &str, labels: &[&str]) -> OccupationEntry {
        OccupationEntry {
            uri: uri.into(),
            isco: isco.into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn cp_codes_have_four_to_six_levels() {
        assert!(is_cp2011("6.2.3.1.1"));
        assert!(is_cp2011("6.2.3.1.1.12"));
        assert!(is_cp2011("6.2.3.1"));
        assert!(!is_cp2011("6.2.3"));
        assert!(!is_cp2011("6.2.33.1.1"));
        assert!(!is_cp2011("6.2.3.1.1.123"));
        assert!(!is_cp2011("a.2.3.1.1"));
    }

    #[test]
    fn cp_major_groups_parallel_isco() {
        assert_eq!(isco_majors("6.2.3.1.1"), Some(&b"7"[..]));
        assert_eq!(isco_majors("6.4.1.1.0"), Some(&b"6"[..]));
        assert_eq!(isco_majors("7.4.2.3.0"), Some(&b"8"[..]));
        assert_eq!(isco_majors("8.1.4.1.0"), Some(&b"9"[..]));
        assert_eq!(isco_majors("9.1.1.0.0"), Some(&b"0"[..]));
    }

    #[test]
    fn title_matches_label_within_the_major_group_only() {
        let m = OccupationMatcher::new(vec![
            entry(
                "u:1",
                "7233",
                &[
                    "meccanico industriale/meccanica industriale",
                    "montatore di macchinari industriali",
                ],
            ),
            entry("u:2", "2144", &["ingegnere meccanico/ingegnera meccanica"]),
            entry(
                "u:3",
                "7231",
                &["meccanico di autoveicoli/meccanica di autoveicoli"],
            ),
        ]);
        let r = m.map(
            "6.2.3.1.1",
            "Meccanici e montatori di macchinari industriali",
        );
        assert!(r.confident, "{r:?}");
        assert_eq!(r.isco, "7233");
        assert_eq!(r.esco.as_ref().unwrap().0, "u:1");
        // The same title under CP major 2 may only land in ISCO 2.
        let r = m.map("2.2.1.1.1", "Meccanici");
        assert_ne!(r.isco, "7233");
    }

    #[test]
    fn no_labels_keeps_the_major_group_and_says_unknown() {
        let m = OccupationMatcher::new(Vec::new());
        let r = m.map("6.2.3.1.1", "Meccanici");
        assert!(!r.confident);
        assert_eq!(r.isco, "7");
        assert!(r.note.contains("--esco"), "{}", r.note);
    }

    #[test]
    fn csv_reader_reads_multiline_cells() {
        let csv = "conceptUri,iscoGroup,preferredLabel,altLabels\nu:1,7233,\"a/b\",\"x\ny\"\nu:2,1111,c,\n";
        let e = parse_occupations_csv(csv).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].labels, vec!["a/b", "x", "y"]);
        assert_eq!(e[1].isco, "1111");
    }
}
