//! Occupation and skill taxonomies: the ISCO-08 group hierarchy, the ESCO skills, and the
//! normaliser that maps free skill labels (Italian or English) to ESCO skills.
//!
//! Answers: "is `7212` an ISCO-08 group, and how close is it to `7214`?" and "which ESCO
//! skill does the label *saldatura tig* on a CV mean, and how sure are we?".
//!
//! The reference files are embedded in the binary (`data/isco08.csv`,
//! `data/esco_skills.csv`, `data/skill_synonyms_it.csv`); nothing here reads files or the
//! network at run time. ESCO ships English labels only, so a curated table of Italian
//! labels (*competenze* as written in CPI vacancies and SAP records) maps the most common
//! Italian terms to ESCO URIs; everything else goes through fuzzy matching on normalised
//! text.
//!
//! **Architecture invariant:** results never depend on hash-map iteration order; every
//! tie is broken by the lowest [`SkillId`] (then the lowest internal label index).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use crate::error::ReferenceError;

const ISCO_FILE: &str = "data/isco08.csv";
const ESCO_FILE: &str = "data/esco_skills.csv";
const SYNONYMS_FILE: &str = "data/skill_synonyms_it.csv";

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

/// Parses one CSV record (RFC 4180 quoting) that starts at byte `start` of `text`.
///
/// Returns the fields, the byte offset just past the record's terminating newline (or the
/// end of `text`) and whether every quoted field was closed. A quote opens a quoted field
/// only at the start of a field; inside one, `""` is a literal quote and newlines and
/// commas are data. A `\r` before the terminating newline is dropped.
pub(crate) fn parse_csv_record(text: &str, start: usize) -> (Vec<String>, usize, bool) {
    let bytes = text.as_bytes();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut field_start = start;
    let mut seg_start = start;
    let mut in_quotes = false;
    let mut i = start;
    // Only ASCII bytes are ever compared, so every slice boundary is a char boundary.
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                field.push_str(&text[seg_start..i]);
                if bytes.get(i + 1) == Some(&b'"') {
                    field.push('"');
                    i += 2;
                } else {
                    in_quotes = false;
                    i += 1;
                }
                seg_start = i;
            } else {
                i += 1;
            }
            continue;
        }
        match b {
            b',' => {
                field.push_str(&text[seg_start..i]);
                fields.push(std::mem::take(&mut field));
                i += 1;
                field_start = i;
                seg_start = i;
            }
            b'\n' => {
                let end = if i > seg_start && bytes[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                field.push_str(&text[seg_start..end]);
                fields.push(field);
                return (fields, i + 1, true);
            }
            b'"' if i == field_start => {
                in_quotes = true;
                i += 1;
                seg_start = i;
            }
            _ => i += 1,
        }
    }
    let tail = &text[seg_start..];
    field.push_str(if in_quotes {
        tail
    } else {
        tail.strip_suffix('\r').unwrap_or(tail)
    });
    fields.push(field);
    (fields, bytes.len(), !in_quotes)
}

/// Splits one CSV record into its fields: commas separate fields, a field that starts with
/// `"` is quoted (it may contain commas, newlines and `""` for a literal quote), and a
/// trailing `\r\n` or `\n` is ignored. Never fails: an unclosed quote runs to the end of
/// the line.
pub(crate) fn split_csv_line(line: &str) -> Vec<String> {
    parse_csv_record(line, 0).0
}

/// The records of a CSV text with the 1-based line each one starts on; quoted fields may
/// span lines. Blank lines are skipped and a leading byte-order mark is ignored.
struct CsvRecords<'a> {
    text: &'a str,
    file: &'static str,
    pos: usize,
    line: usize,
}

impl<'a> CsvRecords<'a> {
    fn new(text: &'a str, file: &'static str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        CsvRecords {
            text,
            file,
            pos: 0,
            line: 1,
        }
    }
}

impl Iterator for CsvRecords<'_> {
    type Item = Result<(usize, Vec<String>), ReferenceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.pos >= self.text.len() {
                return None;
            }
            let line = self.line;
            let (fields, end, closed) = parse_csv_record(self.text, self.pos);
            self.line += self.text[self.pos..end]
                .bytes()
                .filter(|&b| b == b'\n')
                .count();
            self.pos = end;
            if !closed {
                self.pos = self.text.len();
                return Some(Err(ReferenceError {
                    file: self.file,
                    line,
                    message: "unclosed quoted field".into(),
                }));
            }
            if fields.len() == 1 && fields[0].trim().is_empty() {
                continue;
            }
            return Some(Ok((line, fields)));
        }
    }
}

/// Checks that the first record of a reference file is exactly `expected`.
fn check_header(
    header: Option<&[String]>,
    expected: &[&str],
    file: &'static str,
) -> Result<(), ReferenceError> {
    let found: Vec<&str> = header.unwrap_or(&[]).iter().map(|h| h.trim()).collect();
    if found != expected {
        return Err(ReferenceError {
            file,
            line: 1,
            message: format!(
                "header must be `{}`, got `{}`",
                expected.join(","),
                found.join(",")
            ),
        });
    }
    Ok(())
}

fn ref_err(file: &'static str, line: usize, message: impl Into<String>) -> ReferenceError {
    ReferenceError {
        file,
        line,
        message: message.into(),
    }
}

// ---------------------------------------------------------------------------------------
// ISCO-08
// ---------------------------------------------------------------------------------------

/// ISCO-08 occupation groups (ISTAT CP2021 is aligned to them): 1-digit major groups,
/// 2-digit sub-major, 3-digit minor and 4-digit unit groups; a code's prefix is its parent.
#[derive(Debug, Clone)]
pub struct Isco {
    /// Code -> (level 1..=4, English title).
    groups: BTreeMap<String, (u8, String)>,
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
            Isco::parse_csv(include_str!("../data/isco08.csv"))
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

// ---------------------------------------------------------------------------------------
// Text normalisation
// ---------------------------------------------------------------------------------------

/// Folds a lowercase letter with a diacritic to its base letter(s); `None` leaves it as is.
fn fold_diacritic(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => "a",
        'è' | 'é' | 'ê' | 'ë' | 'ē' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
        'ç' => "c",
        'ñ' => "n",
        'ý' | 'ÿ' => "y",
        'š' => "s",
        'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => return None,
    })
}

/// Normalises text for matching: lowercase, strip accents (à→a, è/é→e, ì→i, ò→o, ù→u, ç→c
/// and the other Latin diacritics), turn every non-alphanumeric character (apostrophes,
/// hyphens, slashes, punctuation, non-breaking spaces) into a space, collapse runs of
/// spaces, and trim. `"Saldatura  TIG/MIG, l'elettrodo"` → `"saldatura tig mig l elettrodo"`.
pub fn normalise_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    };
    for c in s.chars() {
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), &mut out);
            continue;
        }
        for lc in c.to_lowercase() {
            match fold_diacritic(lc) {
                Some(folded) => folded.chars().for_each(|f| push(f, &mut out)),
                None => push(lc, &mut out),
            }
        }
    }
    out
}

/// Reduces a normalised text to an inflection-insensitive key, token by token (tokens of
/// at most 3 letters and tokens with digits are kept): English `-ies` → `-y`, a final `s`
/// (not `ss`) is dropped, then a final Italian vowel `a`/`e`/`i`/`o` is dropped, then the
/// `h` of a final `ch`/`gh` (Italian plurals `-che`/`-ghi`). So *carrelli elevatori* and
/// *carrello elevatore* share a key, and so do *forklifts* and *forklift*.
fn inflection_key(normalised: &str) -> String {
    let mut out = String::with_capacity(normalised.len());
    for (i, token) in normalised.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let start = out.len();
        out.push_str(token);
        if token.chars().count() <= 3 || !token.chars().all(char::is_alphabetic) {
            continue;
        }
        if token.len() > 4 && token.ends_with("ies") {
            out.truncate(out.len() - 3);
            out.push('y');
        } else if token.ends_with('s') && !token.ends_with("ss") {
            out.pop();
        }
        if out.len() - start > 3 && out.ends_with(['a', 'e', 'i', 'o']) {
            out.pop();
        }
        if out.len() - start > 3 && (out.ends_with("ch") || out.ends_with("gh")) {
            out.pop();
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Trigram index
// ---------------------------------------------------------------------------------------

/// FxHash-style hasher with a final avalanche: the keys are reference labels and packed
/// trigrams (not attacker-controlled), and SipHash would dominate the load time.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // murmur3 fmix64, so that the low bits used for bucket selection depend on all
        // input bits (a packed trigram's low bits are just its last char).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Words in the per-entry bitmask of frequent trigrams.
const MASK_WORDS: usize = 4;
/// The most frequent trigrams (by number of labels containing them) get a bit in each
/// entry's mask instead of being walked through their long posting lists.
const FREQUENT_GRAMS: usize = MASK_WORDS * 64;
const NO_BIT: u16 = u16::MAX;

/// The distinct character trigrams of a normalised text padded with one space on each
/// side (`"tig"` → `" ti"`, `"tig"`, `"ig "`), packed 21 bits per char, sorted.
fn trigrams(normalised: &str, out: &mut Vec<u64>) {
    out.clear();
    let mut window = [' ', ' ', ' '];
    let mut n = 1;
    for c in normalised.chars().chain(std::iter::once(' ')) {
        window = [window[1], window[2], c];
        n += 1;
        if n >= 3 {
            out.push((window[0] as u64) << 42 | (window[1] as u64) << 21 | window[2] as u64);
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// Character-trigram inverted index over the normalised reference labels (the entries).
struct GramIndex {
    /// Packed trigram -> gram id.
    ids: FastMap<u64, u32>,
    /// Gram id -> its posting list `postings[offsets[id]..offsets[id + 1]]`.
    offsets: Vec<u32>,
    /// Entry indices, ascending within each gram.
    postings: Vec<u32>,
    /// Gram id -> bit in the frequent-gram masks, or [`NO_BIT`].
    bit_of: Vec<u16>,
    /// Per entry: which frequent grams it contains.
    masks: Vec<[u64; MASK_WORDS]>,
    /// Per entry: number of distinct trigrams.
    entry_grams: Vec<u16>,
}

impl GramIndex {
    fn build<'a>(texts: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let n = texts.len();
        let mut ids: FastMap<u64, u32> = FastMap::default();
        let mut keys: Vec<u64> = Vec::new();
        let mut forward: Vec<u32> = Vec::with_capacity(n * 32);
        let mut forward_end: Vec<u32> = Vec::with_capacity(n);
        let mut entry_grams = Vec::with_capacity(n);
        let mut grams = Vec::new();
        for text in texts {
            trigrams(text, &mut grams);
            entry_grams.push(u16::try_from(grams.len()).unwrap_or(u16::MAX));
            for &g in &grams {
                let id = *ids.entry(g).or_insert_with(|| {
                    keys.push(g);
                    keys.len() as u32 - 1
                });
                forward.push(id);
            }
            forward_end.push(forward.len() as u32);
        }
        let mut df = vec![0u32; keys.len()];
        forward.iter().for_each(|&id| df[id as usize] += 1);
        let mut offsets = Vec::with_capacity(keys.len() + 1);
        offsets.push(0u32);
        for &d in &df {
            offsets.push(offsets.last().copied().unwrap_or(0) + d);
        }
        let mut cursor = offsets[..keys.len()].to_vec();
        let mut postings = vec![0u32; forward.len()];
        let mut start = 0;
        for (entry, &end) in forward_end.iter().enumerate() {
            for &id in &forward[start..end as usize] {
                postings[cursor[id as usize] as usize] = entry as u32;
                cursor[id as usize] += 1;
            }
            start = end as usize;
        }
        let mut by_df: Vec<u32> = (0..keys.len() as u32).collect();
        by_df.sort_unstable_by_key(|&id| (std::cmp::Reverse(df[id as usize]), keys[id as usize]));
        let mut bit_of = vec![NO_BIT; keys.len()];
        for (bit, &id) in by_df.iter().take(FREQUENT_GRAMS).enumerate() {
            bit_of[id as usize] = bit as u16;
        }
        let mut masks = vec![[0u64; MASK_WORDS]; n];
        let mut start = 0;
        for (mask, &end) in masks.iter_mut().zip(&forward_end) {
            for &id in &forward[start..end as usize] {
                let bit = bit_of[id as usize];
                if bit != NO_BIT {
                    mask[usize::from(bit) / 64] |= 1 << (bit % 64);
                }
            }
            start = end as usize;
        }
        GramIndex {
            ids,
            offsets,
            postings,
            bit_of,
            masks,
            entry_grams,
        }
    }

    fn posting(&self, id: u32) -> &[u32] {
        &self.postings[self.offsets[id as usize] as usize..self.offsets[id as usize + 1] as usize]
    }

    /// Fills `scratch.ranked` with up to [`CANDIDATES`] entries that share at least
    /// [`MIN_SHARED_PERCENT`] of the query's trigrams, highest Dice coefficient first (ties:
    /// lower entry index), each with its number of shared trigrams.
    ///
    /// Prefix filter: an entry sharing at least `t` of the `nq` query trigrams shares at
    /// least one of any `nq - t + 1` of them, so only the posting lists of the
    /// `nq - t + 1` rarest query trigrams are walked; the other `t - 1` are counted from
    /// the entries' frequent-gram masks (or walked too when they have no bit).
    fn candidates(&self, query: &str, scratch: &mut Scratch) {
        let Scratch {
            counts,
            touched,
            grams,
            query_grams,
            ranked,
        } = scratch;
        trigrams(query, grams);
        ranked.clear();
        let nq = grams.len();
        if nq == 0 {
            return;
        }
        query_grams.clear();
        query_grams.extend(grams.iter().map(|g| match self.ids.get(g) {
            Some(&id) => (
                self.offsets[id as usize + 1] - self.offsets[id as usize],
                *g,
                id,
            ),
            None => (0, *g, u32::MAX),
        }));
        query_grams.sort_unstable();
        let min_shared = ((nq * MIN_SHARED_PERCENT).div_ceil(100)).max(1);
        let probes = nq - min_shared + 1;
        if counts.len() < self.masks.len() {
            counts.resize(self.masks.len(), 0);
        }
        let mut query_mask = [0u64; MASK_WORDS];
        for (i, &(_, _, id)) in query_grams.iter().enumerate() {
            if id == u32::MAX {
                continue;
            }
            let bit = self.bit_of[id as usize];
            if i >= probes && bit != NO_BIT {
                query_mask[usize::from(bit) / 64] |= 1 << (bit % 64);
                continue;
            }
            for &e in self.posting(id) {
                let c = &mut counts[e as usize];
                if *c == 0 {
                    touched.push(e);
                }
                *c = c.saturating_add(1);
            }
        }
        for &e in touched.iter() {
            let walked = u32::from(std::mem::take(&mut counts[e as usize]));
            let mask = &self.masks[e as usize];
            let masked: u32 = (0..MASK_WORDS)
                .map(|w| (mask[w] & query_mask[w]).count_ones())
                .sum();
            let shared = walked + masked;
            if (shared as usize) < min_shared {
                continue;
            }
            let total = nq as u32 + u32::from(self.entry_grams[e as usize]);
            // Dice in 1/2^20 units, inverted so that ascending order is best first.
            let dice = ((shared * 2) << 20) / total;
            ranked.push((u32::MAX - dice, e, shared));
        }
        touched.clear();
        if ranked.len() > CANDIDATES {
            ranked.select_nth_unstable(CANDIDATES - 1);
            ranked.truncate(CANDIDATES);
        }
        ranked.sort_unstable();
    }
}

// ---------------------------------------------------------------------------------------
// ESCO skills
// ---------------------------------------------------------------------------------------

/// Index of a skill in [`SkillTaxonomy`]: its row order in `data/esco_skills.csv`.
pub type SkillId = u32;

/// One ESCO skill or knowledge concept.
#[derive(Debug, Clone)]
pub struct Skill {
    /// ESCO URI, `http://data.europa.eu/esco/skill/…`.
    pub uri: String,
    /// Preferred English label.
    pub label: String,
    /// ESCO alternative English labels, in file order.
    pub aliases: Vec<String>,
}

/// The skill a free label was mapped to, and how close the match is.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillMatch {
    /// The skill.
    pub id: SkillId,
    /// 1.0 for an exact match on normalised text, [`INFLECTION_SIMILARITY`] when only
    /// inflection differs, otherwise the fuzzy similarity (see
    /// [`SkillTaxonomy::normalise_label`]).
    pub similarity: f32,
    /// The label that matched, as written in the reference data: the ESCO preferred label,
    /// an ESCO alias or an Italian synonym.
    pub matched_label: String,
}

/// Default minimum similarity for [`SkillTaxonomy::normalise_label`]: one typo in a
/// 7-letter word still passes, a different word does not.
pub const DEFAULT_LABEL_THRESHOLD: f32 = 0.85;

/// Similarity given to a label that equals a reference label once plurals and Italian
/// gender/number endings are ignored (*saldature tig* for *saldatura TIG*).
pub const INFLECTION_SIMILARITY: f32 = 0.98;

/// How many trigram candidates are scored with the edit-distance measures.
const CANDIDATES: usize = 32;

/// A candidate must share at least this percentage of the query's trigrams. One typo
/// in a 7-letter word (*welidng*) leaves 3 of 7.
const MIN_SHARED_PERCENT: usize = 60;

/// Where a reference label comes from; the order is the priority among exact hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LabelKind {
    /// A row of `data/skill_synonyms_it.csv` (curated, so it wins).
    Italian,
    /// The ESCO preferred label.
    Preferred,
    /// An ESCO alternative label.
    Alias,
}

/// One normalised reference label.
#[derive(Debug)]
struct LabelEntry {
    text: Box<str>,
    /// Length of `text` in chars.
    chars: u32,
    skill: SkillId,
    kind: LabelKind,
    /// Index into the synonym table (Italian) or the skill's aliases (Alias).
    source: u32,
}

/// Per-thread scratch space for candidate retrieval, reused across calls.
#[derive(Default)]
struct Scratch {
    counts: Vec<u16>,
    touched: Vec<u32>,
    grams: Vec<u64>,
    /// (document frequency, packed trigram, gram id or `u32::MAX`).
    query_grams: Vec<(u32, u64, u32)>,
    /// (inverted Dice, entry, shared trigrams).
    ranked: Vec<(u32, u32, u32)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The ESCO skills with their English labels and aliases, the curated Italian synonyms,
/// and the indexes that map free labels to skills.
pub struct SkillTaxonomy {
    skills: Vec<Skill>,
    by_uri: HashMap<String, SkillId>,
    /// The Italian synonym rows in file order (label as written, skill).
    italian: Vec<(String, SkillId)>,
    /// Every distinct (normalised label, skill) pair, sorted by text then skill.
    entries: Vec<LabelEntry>,
    /// Normalised text -> best entry (Italian, then preferred, then alias; lowest skill).
    exact: FastMap<Box<str>, u32>,
    /// Inflection key -> best entry, same priority.
    inflected: FastMap<Box<str>, u32>,
    grams: GramIndex,
    /// Distinctive tokens of each preferred label (see [`SkillTaxonomy::related`]).
    label_tokens: OnceLock<Vec<Box<[u32]>>>,
}

/// A token in more than this share of the preferred labels ("use", "operate",
/// "equipment") says nothing about what a skill is and does not relate skills.
const COMMON_TOKEN_SHARE: f64 = 0.005;

impl std::fmt::Debug for SkillTaxonomy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SkillTaxonomy")
            .field("skills", &self.skills.len())
            .field("italian_labels", &self.italian.len())
            .field("label_entries", &self.entries.len())
            .finish()
    }
}

impl SkillTaxonomy {
    /// Builds the taxonomy from the ESCO table (`uri,label,aliases`, aliases separated by
    /// `|` or newlines) and the Italian synonym table (`label,uri`; every URI must be in
    /// the ESCO table). Errors name `data/esco_skills.csv` or `data/skill_synonyms_it.csv`
    /// and the line.
    pub fn parse(esco_csv: &str, synonyms_csv: &str) -> Result<SkillTaxonomy, ReferenceError> {
        let mut skills = Vec::new();
        let mut by_uri = HashMap::new();
        let mut records = CsvRecords::new(esco_csv, ESCO_FILE);
        let header = records.next().transpose()?;
        check_header(
            header.as_ref().map(|(_, f)| f.as_slice()),
            &["uri", "label", "aliases"],
            ESCO_FILE,
        )?;
        for record in records {
            let (line, fields) = record?;
            let [uri, label, aliases] = <[String; 3]>::try_from(fields).map_err(|f| {
                ref_err(
                    ESCO_FILE,
                    line,
                    format!("expected 3 fields, got {}", f.len()),
                )
            })?;
            let uri = uri.trim().to_string();
            let label = label.trim().to_string();
            if uri.is_empty() {
                return Err(ref_err(ESCO_FILE, line, "uri: empty"));
            }
            if normalise_text(&label).is_empty() {
                return Err(ref_err(ESCO_FILE, line, format!("label: empty for {uri}")));
            }
            let id = SkillId::try_from(skills.len())
                .map_err(|_| ref_err(ESCO_FILE, line, "too many skills"))?;
            if by_uri.insert(uri.clone(), id).is_some() {
                return Err(ref_err(ESCO_FILE, line, format!("uri: duplicate {uri}")));
            }
            let aliases = aliases
                .split(['|', '\n'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect();
            skills.push(Skill {
                uri,
                label,
                aliases,
            });
        }
        if skills.is_empty() {
            return Err(ref_err(ESCO_FILE, 1, "no skills"));
        }

        let mut italian = Vec::new();
        let mut records = CsvRecords::new(synonyms_csv, SYNONYMS_FILE);
        let header = records.next().transpose()?;
        check_header(
            header.as_ref().map(|(_, f)| f.as_slice()),
            &["label", "uri"],
            SYNONYMS_FILE,
        )?;
        for record in records {
            let (line, fields) = record?;
            let [label, uri] = <[String; 2]>::try_from(fields).map_err(|f| {
                ref_err(
                    SYNONYMS_FILE,
                    line,
                    format!("expected 2 fields, got {}", f.len()),
                )
            })?;
            let label = label.trim().to_string();
            if normalise_text(&label).is_empty() {
                return Err(ref_err(SYNONYMS_FILE, line, "label: empty"));
            }
            let Some(&id) = by_uri.get(uri.trim()) else {
                return Err(ref_err(
                    SYNONYMS_FILE,
                    line,
                    format!("uri: {} is not in {ESCO_FILE}", uri.trim()),
                ));
            };
            italian.push((label, id));
        }

        Ok(Self::build(skills, by_uri, italian))
    }

    /// Builds the taxonomy from skills already read (the ESCO download,
    /// [`crate::esco::Taxonomy::load`]) and Italian synonyms tied to their ids.
    pub(crate) fn from_parts(
        skills: Vec<Skill>,
        by_uri: HashMap<String, SkillId>,
        italian: Vec<(String, SkillId)>,
    ) -> Self {
        Self::build(skills, by_uri, italian)
    }

    /// Builds the label indexes.
    fn build(
        skills: Vec<Skill>,
        by_uri: HashMap<String, SkillId>,
        italian: Vec<(String, SkillId)>,
    ) -> Self {
        let entry = |text: String, skill: SkillId, kind: LabelKind, source: usize| LabelEntry {
            chars: text.chars().count() as u32,
            text: text.into_boxed_str(),
            skill,
            kind,
            source: source as u32,
        };
        let mut entries: Vec<LabelEntry> = Vec::with_capacity(skills.len() * 8 + italian.len());
        for (i, (label, id)) in italian.iter().enumerate() {
            entries.push(entry(normalise_text(label), *id, LabelKind::Italian, i));
        }
        for (id, skill) in skills.iter().enumerate() {
            let id = id as SkillId;
            entries.push(entry(
                normalise_text(&skill.label),
                id,
                LabelKind::Preferred,
                0,
            ));
            for (j, alias) in skill.aliases.iter().enumerate() {
                let text = normalise_text(alias);
                if !text.is_empty() {
                    entries.push(entry(text, id, LabelKind::Alias, j));
                }
            }
        }
        entries.sort_unstable_by(|a, b| {
            (&a.text, a.skill, a.kind, a.source).cmp(&(&b.text, b.skill, b.kind, b.source))
        });
        // Same text for the same skill: keep the entry of highest priority (sorted first).
        entries
            .dedup_by(|later, earlier| later.text == earlier.text && later.skill == earlier.skill);

        let better = |entries: &[LabelEntry], new: u32, old: u32| {
            let (n, o) = (&entries[new as usize], &entries[old as usize]);
            (n.kind, n.skill, new) < (o.kind, o.skill, old)
        };
        let mut exact: FastMap<Box<str>, u32> = FastMap::default();
        let mut inflected: FastMap<Box<str>, u32> = FastMap::default();
        exact.reserve(entries.len());
        inflected.reserve(entries.len());
        for (idx, entry) in entries.iter().enumerate() {
            let idx = idx as u32;
            match exact.get_mut(&entry.text) {
                Some(old) if better(&entries, idx, *old) => *old = idx,
                Some(_) => {}
                None => {
                    exact.insert(entry.text.clone(), idx);
                }
            }
            let key = inflection_key(&entry.text).into_boxed_str();
            match inflected.get_mut(&key) {
                Some(old) if better(&entries, idx, *old) => *old = idx,
                Some(_) => {}
                None => {
                    inflected.insert(key, idx);
                }
            }
        }
        let grams = GramIndex::build(entries.iter().map(|e| &*e.text));
        SkillTaxonomy {
            skills,
            by_uri,
            italian,
            entries,
            exact,
            inflected,
            grams,
            label_tokens: OnceLock::new(),
        }
    }

    /// How related two different skills are by the words of their preferred
    /// labels, for partial credit when a vacancy's skill is missing: the Dice
    /// coefficient `2 |A ∩ B| / (|A| + |B|)` of their distinctive tokens
    /// (normalised words of three letters or more, leaving out the words found
    /// in more than 0.5% of the labels). 0 when they share none, 1 for the same
    /// skill. *Perform tungsten inert gas welding* and *perform metal inert gas
    /// welding* share *inert*, *gas* and *welding*.
    pub fn related(&self, a: SkillId, b: SkillId) -> f32 {
        if a == b {
            return 1.0;
        }
        let tokens = self.label_tokens.get_or_init(|| self.build_label_tokens());
        let (Some(x), Some(y)) = (tokens.get(a as usize), tokens.get(b as usize)) else {
            return 0.0;
        };
        if x.is_empty() || y.is_empty() {
            return 0.0;
        }
        let (mut i, mut j, mut shared) = (0, 0, 0usize);
        while i < x.len() && j < y.len() {
            match x[i].cmp(&y[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        (2 * shared) as f32 / (x.len() + y.len()) as f32
    }

    fn build_label_tokens(&self) -> Vec<Box<[u32]>> {
        let words: Vec<Vec<String>> = self
            .skills
            .iter()
            .map(|s| {
                let mut w: Vec<String> = normalise_text(&s.label)
                    .split_whitespace()
                    .filter(|t| t.chars().count() >= 3)
                    .map(str::to_string)
                    .collect();
                w.sort_unstable();
                w.dedup();
                w
            })
            .collect();
        let mut df: HashMap<&str, usize> = HashMap::new();
        for w in &words {
            for t in w {
                *df.entry(t.as_str()).or_default() += 1;
            }
        }
        let limit = (self.skills.len() as f64 * COMMON_TOKEN_SHARE).max(2.0) as usize;
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut sorted_vocab: Vec<&str> = df.keys().copied().collect();
        sorted_vocab.sort_unstable();
        for (i, t) in sorted_vocab.into_iter().enumerate() {
            ids.insert(t, i as u32);
        }
        words
            .iter()
            .map(|w| {
                let mut v: Vec<u32> = w
                    .iter()
                    .filter(|t| df[t.as_str()] <= limit)
                    .map(|t| ids[t.as_str()])
                    .collect();
                v.sort_unstable();
                v.into_boxed_slice()
            })
            .collect()
    }

    /// The ESCO skills embedded from `data/esco_skills.csv` with the Italian synonyms of
    /// `data/skill_synonyms_it.csv`, built once per process (about 100 ms in release).
    ///
    /// # Panics
    /// If the embedded files are broken (a build defect, caught by the unit tests).
    pub fn embedded() -> &'static SkillTaxonomy {
        static SKILLS: OnceLock<SkillTaxonomy> = OnceLock::new();
        SKILLS.get_or_init(|| {
            SkillTaxonomy::parse(
                include_str!("../data/esco_skills.csv"),
                include_str!("../data/skill_synonyms_it.csv"),
            )
            .unwrap_or_else(|e| panic!("embedded reference data is broken: {e}"))
        })
    }

    /// Number of skills.
    pub fn len(&self) -> usize {
        self.skills.len()
    }

    /// True when there are no skills (never for the embedded taxonomy).
    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    /// The skill with this exact ESCO URI.
    pub fn by_uri(&self, uri: &str) -> Option<SkillId> {
        self.by_uri.get(uri).copied()
    }

    /// The skill with this id.
    ///
    /// # Panics
    /// If `id` is not below [`SkillTaxonomy::len`].
    pub fn get(&self, id: SkillId) -> &Skill {
        &self.skills[id as usize]
    }

    /// The curated Italian labels and their skills, in the order of
    /// `data/skill_synonyms_it.csv` (several labels may share a skill).
    pub fn italian_labels(&self) -> impl Iterator<Item = (&str, SkillId)> {
        self.italian.iter().map(|(label, id)| (label.as_str(), *id))
    }

    /// Maps a free label (Italian or English, any case, accents, plural, typos) to the
    /// closest ESCO skill, or `None` when the best similarity is below `threshold`.
    ///
    /// The label goes through [`normalise_text`], then:
    /// 1. if it equals a normalised Italian synonym, ESCO preferred label or alias (in
    ///    that priority, then lowest id), that is the match, similarity 1.0;
    /// 2. otherwise the best of
    ///    - a reference label equal once inflection is ignored (plural `s`, Italian final
    ///      vowel): [`INFLECTION_SIMILARITY`];
    ///    - fuzzy: candidates are the 64 reference labels with the highest character
    ///      trigram Dice coefficient among those sharing at least 40% of the label's
    ///      trigrams; each scores `max(osa, (osa + jaro_winkler) / 2)` where
    ///      `osa = 1 - optimal_string_alignment_distance / longer length` (Levenshtein
    ///      counting a swap of adjacent letters as one edit, so *welidng* is one edit
    ///      from *welding*). Jaro-Winkler alone is too lenient with shared prefixes
    ///      (*cook* would match *cook fish*); averaging it in only credits near-prefix
    ///      typos. Candidates whose upper bound (from lengths and shared trigrams) cannot
    ///      beat the best so far or reach `threshold` are skipped; this does not change
    ///      the result.
    ///
    /// Ties go to the lowest [`SkillId`]. Deterministic. There is no result cache:
    /// callers that see many repeated labels cache per distinct label themselves.
    pub fn normalise_label(&self, label: &str, threshold: f32) -> Option<SkillMatch> {
        let query = normalise_text(label);
        if query.is_empty() {
            return None;
        }
        if let Some(&e) = self.exact.get(query.as_str()) {
            return self.make_match(e, 1.0, threshold);
        }
        // (similarity, skill, entry): larger similarity wins, then smaller skill and entry.
        let mut best: Option<(f32, SkillId, u32)> = None;
        if let Some(&e) = self.inflected.get(inflection_key(&query).as_str()) {
            best = Some((INFLECTION_SIMILARITY, self.entries[e as usize].skill, e));
        }
        let query_chars = query.chars().count();
        SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            self.grams.candidates(&query, scratch);
            let nq = scratch.grams.len();
            for &(_, e, shared) in &scratch.ranked {
                let entry = &self.entries[e as usize];
                let floor = best.map_or(threshold, |(s, _, _)| s.max(threshold));
                let ne = usize::from(self.grams.entry_grams[e as usize]);
                let bound =
                    similarity_bound(query_chars, entry.chars as usize, nq, ne, shared as usize);
                if bound < floor {
                    continue;
                }
                let Some(sim) = similarity(
                    &query,
                    &entry.text,
                    query_chars,
                    entry.chars as usize,
                    floor,
                ) else {
                    continue;
                };
                let wins = match best {
                    None => true,
                    Some((s, k, i)) => sim > s || (sim == s && (entry.skill, e) < (k, i)),
                };
                if wins {
                    best = Some((sim, entry.skill, e));
                }
            }
        });
        let (sim, _, e) = best?;
        self.make_match(e, sim, threshold)
    }

    /// The first two steps of [`SkillTaxonomy::normalise_label`] only: an exact match on
    /// normalised text (similarity 1), else an inflection match
    /// ([`INFLECTION_SIMILARITY`]). Hash lookups, no fuzzy search: for phrases cut from
    /// free text (`rosa import`), where a near miss is more likely a different thing
    /// than a typo, and millions of phrases must be cheap.
    pub fn normalise_label_exact(&self, label: &str) -> Option<SkillMatch> {
        let query = normalise_text(label);
        if query.is_empty() {
            return None;
        }
        if let Some(&e) = self.exact.get(query.as_str()) {
            return self.make_match(e, 1.0, 0.0);
        }
        let &e = self.inflected.get(inflection_key(&query).as_str())?;
        self.make_match(e, INFLECTION_SIMILARITY, 0.0)
    }

    fn make_match(&self, entry: u32, similarity: f32, threshold: f32) -> Option<SkillMatch> {
        if similarity < threshold {
            return None;
        }
        let entry = &self.entries[entry as usize];
        let matched_label = match entry.kind {
            LabelKind::Italian => self.italian[entry.source as usize].0.clone(),
            LabelKind::Preferred => self.skills[entry.skill as usize].label.clone(),
            LabelKind::Alias => {
                self.skills[entry.skill as usize].aliases[entry.source as usize].clone()
            }
        };
        Some(SkillMatch {
            id: entry.skill,
            similarity,
            matched_label,
        })
    }
}

/// Combines the two measures; see [`SkillTaxonomy::normalise_label`].
fn blend(osa: f64, jaro_winkler: f64) -> f32 {
    osa.max((osa + jaro_winkler) / 2.0) as f32
}

/// An upper bound of [`similarity`] from lengths in chars and trigram counts alone.
///
/// OSA distance is at least the length difference, and at least a quarter of the
/// trigrams either string does not share (one edit destroys at most four trigrams: a
/// swap of adjacent letters). Jaro is at most `(2 + shorter / longer) / 3`, and the
/// Winkler prefix bonus adds at most 40% of the remainder.
fn similarity_bound(la: usize, lb: usize, na: usize, nb: usize, shared: usize) -> f32 {
    let longer = la.max(lb).max(1) as f64;
    let unshared = na.max(nb).saturating_sub(shared);
    let min_edits = la.abs_diff(lb).max(unshared.div_ceil(4));
    let osa = 1.0 - min_edits as f64 / longer;
    let jaro = (2.0 + la.min(lb) as f64 / longer) / 3.0;
    blend(osa.max(0.0), jaro + 0.4 * (1.0 - jaro))
}

/// Similarity of two normalised labels in [0, 1], or `None` when it is certainly below
/// `floor` (Jaro-Winkler is then not computed). `la` and `lb` are lengths in chars.
fn similarity(a: &str, b: &str, la: usize, lb: usize, floor: f32) -> Option<f32> {
    let longer = la.max(lb);
    if longer == 0 {
        return Some(1.0);
    }
    let osa = 1.0 - strsim::osa_distance(a, b) as f64 / longer as f64;
    if blend(osa, 1.0) < floor {
        return None;
    }
    Some(blend(osa, strsim::jaro_winkler(a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIG: &str = "http://data.europa.eu/esco/skill/a51adea8-bf02-488a-a0d8-b0961caca5b0";
    const FORKLIFT: &str = "http://data.europa.eu/esco/skill/28cb374e-6261-4133-8371-f9a5470145da";
    const HACCP: &str = "http://data.europa.eu/esco/skill/5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350";
    const CASH_REGISTER: &str =
        "http://data.europa.eu/esco/skill/0cb013af-6dd9-4fb2-b34e-63dda1a5cf82";

    fn skills() -> &'static SkillTaxonomy {
        SkillTaxonomy::embedded()
    }

    #[test]
    fn related_skills_share_distinctive_label_words() {
        let t = skills();
        let id = |uri: &str| {
            t.by_uri(&format!("http://data.europa.eu/esco/skill/{uri}"))
                .unwrap()
        };
        let tig = id("a51adea8-bf02-488a-a0d8-b0961caca5b0"); // perform tungsten inert gas welding
        let mig = id("f015c5d5-6a1c-4f63-9012-a05f4f34105e"); // perform metal inert gas welding
        let forklift = id("28cb374e-6261-4133-8371-f9a5470145da"); // operate forklift
                                                                   // {tungsten, inert, gas, welding} and {inert, gas, welding}: "perform" and
                                                                   // "metal" are too common to count; Dice 2·3 / (4 + 3).
        assert_eq!(t.related(tig, mig), 6.0 / 7.0);
        assert_eq!(t.related(mig, tig), 6.0 / 7.0);
        assert_eq!(t.related(tig, forklift), 0.0);
        assert_eq!(t.related(tig, tig), 1.0);
    }

    fn id(uri: &str) -> SkillId {
        skills()
            .by_uri(uri)
            .unwrap_or_else(|| panic!("{uri} not in the taxonomy"))
    }

    fn best(label: &str) -> Option<SkillMatch> {
        skills().normalise_label(label, DEFAULT_LABEL_THRESHOLD)
    }

    #[test]
    fn split_csv_line_handles_quotes_commas_and_doubled_quotes() {
        assert_eq!(split_csv_line("a,b,,c"), ["a", "b", "", "c"]);
        assert_eq!(
            split_csv_line("001004,A157,Albiano d'Ivrea,TO\r\n"),
            ["001004", "A157", "Albiano d'Ivrea", "TO"]
        );
        assert_eq!(
            split_csv_line(r#"u,"evaluate data, information",x"#),
            ["u", "evaluate data, information", "x"]
        );
        assert_eq!(split_csv_line(r#""say ""hi""",b"#), [r#"say "hi""#, "b"]);
        assert_eq!(split_csv_line(r#"a"b,c"#), [r#"a"b"#, "c"]);
        assert_eq!(split_csv_line(""), [""]);
    }

    #[test]
    fn csv_records_span_quoted_newlines_and_count_lines() {
        let text = "h1,h2\n\"a\nb\",c\n\nd,e\n";
        let recs: Vec<_> = CsvRecords::new(text, "t").map(Result::unwrap).collect();
        assert_eq!(recs[0], (1, vec!["h1".to_string(), "h2".to_string()]));
        assert_eq!(recs[1], (2, vec!["a\nb".to_string(), "c".to_string()]));
        assert_eq!(recs[2], (5, vec!["d".to_string(), "e".to_string()]));
        assert_eq!(recs.len(), 3);
        let err = CsvRecords::new("h\n\"open", "t")
            .nth(1)
            .unwrap()
            .unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn isco_contains_every_level_and_knows_levels() {
        let isco = Isco::embedded();
        for (code, level) in [("7", 1), ("72", 2), ("721", 3), ("7212", 4), ("0110", 4)] {
            assert!(isco.contains(code), "{code}");
            assert_eq!(isco.level(code), Some(level), "{code}");
        }
        assert!(!isco.contains("7299"));
        assert!(!isco.contains("72120"));
        assert!(!isco.contains(""));
        assert_eq!(isco.title("7212"), Some("Welders and flamecutters"));
        assert_eq!(
            isco.title("03"),
            Some("Armed forces occupations, other ranks")
        );
        let units: Vec<&str> = isco.unit_groups().collect();
        assert!(units.windows(2).all(|w| w[0] < w[1]));
        assert!(units.iter().all(|u| u.len() == 4));
        assert!(units.contains(&"7212"));
    }

    #[test]
    fn isco_errors_name_file_and_line() {
        let e = Isco::parse_csv("code,level,title\n1,1,Managers\n123,3,Orphan\n").unwrap_err();
        assert_eq!((e.file, e.line), (ISCO_FILE, 3));
        let e = Isco::parse_csv("code,level,title\n1,2,Managers\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(Isco::parse_csv("code,title\n").is_err());
    }

    #[test]
    fn isco_shared_digits_counts_the_common_prefix() {
        assert_eq!(isco_shared_digits("7212", "7212"), 4);
        assert_eq!(isco_shared_digits("7212", "7213"), 3);
        assert_eq!(isco_shared_digits("7212", "7221"), 2);
        assert_eq!(isco_shared_digits("7212", "7311"), 1);
        assert_eq!(isco_shared_digits("7212", "5120"), 0);
        assert_eq!(isco_shared_digits("7212", "72"), 2);
        assert_eq!(isco_shared_digits("", "7212"), 0);
        assert_eq!(isco_shared_digits("72125", "72125"), 4);
    }

    #[test]
    fn normalise_text_folds_case_accents_and_punctuation() {
        assert_eq!(
            normalise_text("  Saldatura  TIG/MIG, l'elettrodo "),
            "saldatura tig mig l elettrodo"
        );
        assert_eq!(
            normalise_text("Qualità è Più Città Perché"),
            "qualita e piu citta perche"
        );
        assert_eq!(normalise_text("Ò-Ù\u{a0}ç"), "o u c");
        assert_eq!(normalise_text("--"), "");
    }

    #[test]
    fn inflection_key_merges_italian_and_english_plurals() {
        assert_eq!(
            inflection_key("carrelli elevatori"),
            inflection_key("carrello elevatore")
        );
        assert_eq!(
            inflection_key("saldature tig"),
            inflection_key("saldatura tig")
        );
        assert_eq!(
            inflection_key("operate forklifts"),
            inflection_key("operate forklift")
        );
        assert_eq!(inflection_key("batteries"), inflection_key("battery"));
        assert_eq!(inflection_key("elettriche"), inflection_key("elettrici"));
        assert_ne!(inflection_key("tig"), inflection_key("ti"));
    }

    #[test]
    fn embedded_taxonomy_loads_every_skill_and_synonym() {
        assert_eq!(skills().len(), 10_715);
        assert!(!skills().is_empty());
        let italian: Vec<_> = skills().italian_labels().collect();
        assert!(italian.len() >= 120, "{}", italian.len());
        assert_eq!(italian[0].0, "saldatura");
        let tig = id(TIG);
        assert_eq!(
            skills().get(tig).label,
            "perform tungsten inert gas welding"
        );
        assert!(skills()
            .get(tig)
            .aliases
            .iter()
            .any(|a| a == "undertake tungsten inert gas welding"));
        // Aliases split on newlines as well as `|`.
        assert!(skills()
            .get(tig)
            .aliases
            .iter()
            .all(|a| !a.contains('\n') && !a.contains('|')));
    }

    #[test]
    fn saldatura_tig_maps_to_tig_welding_in_any_spelling() {
        for label in [
            "saldatura TIG",
            "Saldatura tig ",
            "SALDATURA  TIG",
            "saldatura a TIG",
        ] {
            let m = best(label).unwrap_or_else(|| panic!("{label}"));
            assert_eq!(m.id, id(TIG), "{label}");
            assert_eq!(m.similarity, 1.0, "{label}");
        }
        let plural = best("saldature TIG").unwrap();
        assert_eq!(
            (plural.id, plural.similarity),
            (id(TIG), INFLECTION_SIMILARITY)
        );
    }

    #[test]
    fn muletto_and_forklift_variants_map_to_operate_forklift() {
        for label in [
            "muletto",
            "Carrello elevatore",
            "carrelli elevatori",
            "carrelli elevatore",
            "operate forklifts",
        ] {
            let m = best(label).unwrap_or_else(|| panic!("{label}"));
            assert_eq!(m.id, id(FORKLIFT), "{label}");
            assert!(
                m.similarity >= INFLECTION_SIMILARITY,
                "{label}: {}",
                m.similarity
            );
        }
        assert_eq!(best("muletto").unwrap().matched_label, "muletto");
    }

    #[test]
    fn haccp_and_cash_register_map_to_their_skills() {
        let m = best("HACCP").unwrap();
        assert_eq!((m.id, m.similarity), (id(HACCP), 1.0));
        assert_eq!(best("Registratore di cassa").unwrap().id, id(CASH_REGISTER));
    }

    #[test]
    fn english_exact_label_or_alias_scores_one() {
        let m = best("Operate Forklift").unwrap();
        assert_eq!((m.id, m.similarity), (id(FORKLIFT), 1.0));
        assert_eq!(m.matched_label, "operate forklift");
        let m = best("drive a forklift").unwrap();
        assert_eq!((m.id, m.similarity), (id(FORKLIFT), 1.0));
        assert_eq!(m.matched_label, "drive a forklift");
    }

    #[test]
    fn misspelled_english_labels_map_with_partial_similarity() {
        for (label, uri) in [
            ("perform tungsten inert gas weldng", TIG),
            ("perform tungsten inert gas wleding", TIG),
            ("operate forklfit", FORKLIFT),
            ("operate frklift", FORKLIFT),
            ("operate cash regster", CASH_REGISTER),
        ] {
            let m = best(label).unwrap_or_else(|| panic!("{label}: no match"));
            assert_eq!(m.id, id(uri), "{label} -> {}", m.matched_label);
            assert!(
                (0.85..1.0).contains(&m.similarity),
                "{label}: {}",
                m.similarity
            );
        }
    }

    #[test]
    fn garbage_and_empty_labels_match_nothing() {
        assert_eq!(best("xqzv kkk"), None);
        assert_eq!(best(""), None);
        assert_eq!(best(" -- "), None);
        assert_eq!(best("zzzzzzzzzz"), None);
    }

    #[test]
    fn threshold_is_applied_to_the_best_similarity() {
        let m = best("operate forklfit").unwrap();
        assert_eq!(
            skills().normalise_label("operate forklfit", m.similarity),
            Some(m.clone())
        );
        assert_eq!(
            skills().normalise_label("operate forklfit", m.similarity + 0.001),
            None
        );
        assert!(skills().normalise_label("muletto", 1.0).is_some());
    }

    #[test]
    fn every_italian_synonym_maps_back_to_its_own_skill() {
        for (label, sid) in skills().italian_labels() {
            let m = best(label).unwrap_or_else(|| panic!("{label}"));
            assert_eq!((m.id, m.similarity), (sid, 1.0), "{label}");
        }
    }

    #[test]
    fn synonym_with_unknown_uri_is_an_error_naming_the_line() {
        let esco = "uri,label,aliases\nu1,weld,\"welding|welds\nweld metal\"\n";
        let ok = SkillTaxonomy::parse(esco, "label,uri\nsaldatura,u1\n").unwrap();
        assert_eq!(ok.get(0).aliases, ["welding", "welds", "weld metal"]);
        let e = SkillTaxonomy::parse(esco, "label,uri\nsaldatura,u1\nx,u2\n")
            .err()
            .unwrap();
        assert_eq!((e.file, e.line), (SYNONYMS_FILE, 3));
        let e = SkillTaxonomy::parse("uri,label,aliases\nu1,a,\nu1,b,\n", "label,uri\n")
            .err()
            .unwrap();
        assert_eq!((e.file, e.line), (ESCO_FILE, 3));
    }

    #[test]
    fn results_are_deterministic_across_threads() {
        let labels = [
            "saldatura",
            "pulizie uffici",
            "cameriera di sala",
            "magazziniera",
            "welidng",
        ];
        let here: Vec<_> = labels.iter().map(|l| best(l)).collect();
        let there = std::thread::spawn(move || labels.iter().map(|l| best(l)).collect::<Vec<_>>())
            .join()
            .unwrap();
        assert_eq!(here, there);
    }

    /// `cargo test --release --lib taxonomy -- --ignored --nocapture`
    #[test]
    #[ignore = "timing report, run in release"]
    fn time_embedded_load_and_normalise_label() {
        let t = std::time::Instant::now();
        let tax = SkillTaxonomy::parse(
            include_str!("../data/esco_skills.csv"),
            include_str!("../data/skill_synonyms_it.csv"),
        )
        .unwrap();
        println!("load: {:?} ({} skills)", t.elapsed(), tax.len());
        let mut labels: Vec<String> = Vec::new();
        for (i, (label, _)) in tax.italian_labels().enumerate() {
            labels.push(label.to_string());
            labels.push(format!("{label}{}", ["i", "e", " base", "zione"][i % 4]));
        }
        for (i, s) in tax.skills.iter().enumerate().step_by(7).take(400) {
            let l: String = s.label.chars().take(40).collect();
            let mut typo: Vec<char> = l.chars().collect();
            if typo.len() > 4 {
                let k = i % (typo.len() - 1);
                typo.swap(k, k + 1);
            }
            labels.push(typo.into_iter().collect());
            labels.push(l.split(' ').rev().collect::<Vec<_>>().join(" "));
        }
        labels.extend(
            [
                "xqzv kkk",
                "esperienza pluriennale",
                "manutenzione",
                "pulizie civili",
            ]
            .map(String::from),
        );
        let n = 10_000;
        let t = std::time::Instant::now();
        let mut hits = 0;
        for i in 0..n {
            hits += tax
                .normalise_label(&labels[i % labels.len()], DEFAULT_LABEL_THRESHOLD)
                .is_some() as usize;
        }
        let per = t.elapsed() / n as u32;
        println!(
            "normalise_label: {per:?} per call over {n} calls, {} distinct labels, {hits} hits",
            labels.len()
        );
    }
    /// Labels with one or two typos, as a CV would have them.
    fn typo_labels(tax: &SkillTaxonomy, n: usize) -> Vec<String> {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |m: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % m as u64) as usize
        };
        let mut out = Vec::new();
        while out.len() < n {
            let s = &tax.skills[next(tax.skills.len())];
            let base = if s.aliases.is_empty() || next(2) == 0 {
                &s.label
            } else {
                &s.aliases[next(s.aliases.len())]
            };
            let mut c: Vec<char> = base.chars().take(40).collect();
            for _ in 0..1 + next(2) {
                if c.len() < 4 {
                    break;
                }
                let i = next(c.len() - 1);
                match next(4) {
                    0 => {
                        c.remove(i);
                    }
                    1 => c.insert(i, (b'a' + next(26) as u8) as char),
                    2 => c[i] = (b'a' + next(26) as u8) as char,
                    _ => c.swap(i, i + 1),
                }
            }
            out.push(c.into_iter().collect());
        }
        out
    }

    /// Labels with typos: the pruned search finds what comparing the label with
    /// every entry finds (the same skill, or a match at least as similar), or
    /// nothing when nothing reaches the threshold, for all but `MAX_MISSES` of
    /// the 300 (fixed seed, so the count is exact).
    ///
    /// The bound, 3 (1%): past the candidate step the pruning is exact
    /// ([`similarity_bound`] is a true upper bound of [`similarity`]), but only
    /// entries sharing [`MIN_SHARED_PERCENT`] of the query's trigrams become
    /// candidates, and two typos close together in a short label destroy up to
    /// eight trigrams: the three misses of the current code are such labels
    /// (*jmll qfruits* for *jell fruits*, *maintkin coers*, *sprya test
    /// pnael*), a deliberate trade of recall for speed. A change to the
    /// candidate step that loses more fails here.
    ///
    /// `cargo test --release --lib taxonomy::tests::recall -- --ignored --nocapture`
    /// (about 4 minutes in a debug build: every label against every entry).
    #[test]
    #[ignore = "slow brute-force comparison, run in release"]
    fn recall_against_brute_force() {
        const MAX_MISSES: usize = 3;
        let tax = skills();
        let labels = typo_labels(tax, 300);
        let (mut same, mut found, mut missed) = (0, 0, 0);
        for label in &labels {
            let q = normalise_text(label);
            let lq = q.chars().count();
            let mut brute: Option<(f32, SkillId, usize)> = None;
            for (i, e) in tax.entries.iter().enumerate() {
                let s = similarity(&q, &e.text, lq, e.chars as usize, 0.0).unwrap();
                if brute.is_none_or(|(bs, bk, bi)| s > bs || (s == bs && (e.skill, i) < (bk, bi))) {
                    brute = Some((s, e.skill, i));
                }
            }
            let (bs, bk, _) = brute.unwrap();
            let got = tax.normalise_label(label, DEFAULT_LABEL_THRESHOLD);
            if bs < DEFAULT_LABEL_THRESHOLD && got.is_none() {
                same += 1;
                continue;
            }
            match got {
                Some(m) if m.id == bk || m.similarity >= bs => found += 1,
                other => {
                    missed += 1;
                    println!(
                        "MISS {label:?}: brute {bs:.3} {:?} got {other:?}",
                        tax.get(bk).label
                    );
                }
            }
        }
        println!("both none {same}, found {found}, missed {missed}");
        assert_eq!(same + found + missed, labels.len());
        assert!(
            found > labels.len() / 2,
            "most typo labels map ({found} of {})",
            labels.len()
        );
        assert!(
            missed <= MAX_MISSES,
            "{missed} labels missed the best entry (at most {MAX_MISSES})"
        );
    }
}
