//! ESCO skills and the label normaliser: exact, inflection, then trigram candidates
//! scored with OSA and Jaro-Winkler.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::error::ReferenceError;

use super::csv::*;
use super::grams::*;
use super::normalise::*;
use super::{ESCO_FILE, SYNONYMS_FILE};

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
pub(super) struct LabelEntry {
    pub(super) text: Box<str>,
    /// Length of `text` in chars.
    pub(super) chars: u32,
    pub(super) skill: SkillId,
    kind: LabelKind,
    /// Index into the synonym table (Italian) or the skill's aliases (Alias).
    source: u32,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The ESCO skills with their English labels and aliases, the curated Italian synonyms,
/// and the indexes that map free labels to skills.
pub struct SkillTaxonomy {
    pub(super) skills: Vec<Skill>,
    pub(super) by_uri: HashMap<String, SkillId>,
    /// The Italian synonym rows in file order (label as written, skill).
    pub(super) italian: Vec<(String, SkillId)>,
    /// Every distinct (normalised label, skill) pair, sorted by text then skill.
    pub(super) entries: Vec<LabelEntry>,
    /// Normalised text -> best entry (Italian, then preferred, then alias; lowest skill).
    pub(super) exact: FastMap<Box<str>, u32>,
    /// Inflection key -> best entry, same priority.
    inflected: FastMap<Box<str>, u32>,
    pub(super) grams: GramIndex,
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
    pub(super) fn build(
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
                include_str!("../../data/esco_skills.csv"),
                include_str!("../../data/skill_synonyms_it.csv"),
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
pub(super) fn similarity_bound(la: usize, lb: usize, na: usize, nb: usize, shared: usize) -> f32 {
    let longer = la.max(lb).max(1) as f64;
    let unshared = na.max(nb).saturating_sub(shared);
    let min_edits = la.abs_diff(lb).max(unshared.div_ceil(4));
    let osa = 1.0 - min_edits as f64 / longer;
    let jaro = (2.0 + la.min(lb) as f64 / longer) / 3.0;
    blend(osa.max(0.0), jaro + 0.4 * (1.0 - jaro))
}

/// Similarity of two normalised labels in [0, 1], or `None` when it is certainly below
/// `floor` (Jaro-Winkler is then not computed). `la` and `lb` are lengths in chars.
pub(super) fn similarity(a: &str, b: &str, la: usize, lb: usize, floor: f32) -> Option<f32> {
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
