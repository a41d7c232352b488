//! ESCO occupation profiles: which skills each occupation needs (essential or optional),
//! what a person's or a vacancy's evidence says about their occupation, how close two
//! occupations are, and which skills go together.
//!
//! - **Weights.** An occupation's vector has, for each skill in its profile,
//!   `idf(skill) × (1 essential, 0.5 optional)`, with `idf = ln(1 + N / df)` over the N
//!   occupations (a skill in every occupation says little about which one a person holds).
//! - **Inference** ([`OccupationProfiles::infer`]): the cosine between the evidence's
//!   skills (idf-weighted, times the tie's similarity) and each occupation's vector, plus
//!   [`ISCO_BONUS`] when an experience or desired profession is in the occupation's ISCO
//!   unit group and [`TITLE_BONUS`] when one of its labels (any loaded language) appears
//!   in a title or the CV text. The best [`MAX_INFERRED`] are kept with their score
//!   relative to the best (the best is 1).
//! - **Similarity** of two occupations ([`OccupationProfiles::similarity`]): the cosine of
//!   their vectors; 1 for the same occupation.
//! - **Related skills** ([`OccupationProfiles::related`]): the cosine of two skills'
//!   occupation vectors (they are needed by the same occupations), at least
//!   [`MIN_COOCCURRENCE`]; a `skillSkillRelations` pair counts at least 0.5 (essential) or
//!   0.4 (optional), a skill and its broader skill at least 0.4. The strongest
//!   [`MAX_RELATED`] per skill are kept.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::download::{Role, SourceFile, Table};
use super::{Occupation, TaxonomyError};
use crate::taxonomy::{normalise_text, SkillId, SkillTaxonomy};

/// Index of an occupation in [`super::Taxonomy::occupations`] (URI order).
pub type OccId = u16;

/// Score added to an occupation in the ISCO unit group of an experience.
pub const ISCO_BONUS: f32 = 0.15;
/// Score added to an occupation of a desired profession's ISCO unit group.
pub const DESIRED_ISCO_BONUS: f32 = 0.08;
/// Score added to an occupation whose label appears in a title or the CV text.
pub const TITLE_BONUS: f32 = 0.35;
/// Occupations kept per person or vacancy.
pub const MAX_INFERRED: usize = 3;
/// Least relative score (to the best) of a kept occupation.
pub const MIN_RELATIVE: f32 = 0.5;
/// Least co-occurrence cosine for a related skill.
pub const MIN_COOCCURRENCE: f32 = 0.35;
/// Related skills kept per skill.
pub const MAX_RELATED: usize = 12;
/// Words of the longest occupation title looked up in a text.
const MAX_TITLE_WORDS: usize = 6;
/// Characters of a CV text searched for occupation titles (titles come first in a CV).
const TITLE_SCAN_CHARS: usize = 1_500;

/// One occupation inferred from evidence.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Inferred {
    /// The occupation.
    pub occ: OccId,
    /// Score relative to the best inferred (the best is 1).
    pub strength: f32,
}

/// What is known of a person or a vacancy.
#[derive(Debug, Default)]
pub struct Evidence<'a> {
    /// ESCO skills with the similarity of their tie (1 for a URI).
    pub skills: Vec<(SkillId, f32)>,
    /// ISCO unit groups of experiences (or the vacancy's own).
    pub isco: Vec<&'a str>,
    /// ISCO unit groups of desired professions.
    pub desired_isco: Vec<&'a str>,
    /// Titles and texts to look for occupation labels in.
    pub texts: Vec<&'a str>,
}

/// Occupation profiles and everything derived from them.
#[derive(Debug, Default)]
pub struct OccupationProfiles {
    /// Per occupation: (skill, weight) sorted by skill.
    occ_skills: Vec<Box<[(SkillId, f32)]>>,
    /// Per occupation: essential skills, sorted.
    essential: Vec<Box<[SkillId]>>,
    /// Per occupation: the norm of its vector.
    norms: Vec<f32>,
    /// Per skill: (occupation, weight) sorted by occupation.
    skill_occs: Vec<Box<[(OccId, f32)]>>,
    /// Per skill: idf.
    idf: Vec<f32>,
    /// Per skill: related skills, sorted by id.
    related: Vec<Box<[(SkillId, f32)]>>,
    /// Normalised occupation label -> occupations.
    titles: HashMap<Box<str>, Box<[OccId]>>,
    /// ISCO unit group -> occupations.
    by_isco: BTreeMap<String, Vec<OccId>>,
    relations: bool,
}

impl OccupationProfiles {
    /// True when occupation–skill relations were loaded.
    pub fn has_relations(&self) -> bool {
        self.relations
    }

    /// Related skills of `skill`, sorted by id (empty without relations).
    pub fn related(&self, skill: SkillId) -> &[(SkillId, f32)] {
        self.related.get(skill as usize).map_or(&[], |r| r)
    }

    /// The skills of an occupation's profile with their weights, sorted by skill.
    pub fn skills_of(&self, occ: OccId) -> &[(SkillId, f32)] {
        self.occ_skills.get(occ as usize).map_or(&[], |e| e)
    }

    /// Essential skills of an occupation, sorted.
    pub fn essential(&self, occ: OccId) -> &[SkillId] {
        self.essential.get(occ as usize).map_or(&[], |e| e)
    }

    /// Occupations of an ISCO unit group.
    pub fn in_isco(&self, isco: &str) -> &[OccId] {
        self.by_isco.get(isco).map_or(&[], Vec::as_slice)
    }

    /// Occupations whose label (any loaded language, normalised) is exactly `title`.
    pub fn by_title(&self, title: &str) -> &[OccId] {
        self.titles
            .get(normalise_text(title).as_str())
            .map_or(&[], |o| o)
    }

    /// Cosine of two occupations' skill vectors; 1 for the same occupation.
    pub fn similarity(&self, a: OccId, b: OccId) -> f32 {
        if a == b {
            return 1.0;
        }
        let (Some(x), Some(y)) = (
            self.occ_skills.get(a as usize),
            self.occ_skills.get(b as usize),
        ) else {
            return 0.0;
        };
        let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
        while i < x.len() && j < y.len() {
            match x[i].0.cmp(&y[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += x[i].1 * y[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let n = self.norms[a as usize] * self.norms[b as usize];
        if n > 0.0 {
            (dot / n).min(1.0)
        } else {
            0.0
        }
    }

    /// How many essential skills of `b` are essential skills of `a` too, and how many `b`
    /// has: the evidence an explanation names.
    pub fn shared_essential(&self, a: OccId, b: OccId) -> (usize, usize) {
        let (x, y) = (self.essential(a), self.essential(b));
        let shared = y.iter().filter(|s| x.binary_search(s).is_ok()).count();
        (shared, y.len())
    }

    /// The occupations the evidence points to, best first (at most [`MAX_INFERRED`], each
    /// at least [`MIN_RELATIVE`] of the best), ties to the lower id. Empty without
    /// profiles or without evidence.
    pub fn infer(&self, ev: &Evidence) -> Vec<Inferred> {
        if self.occ_skills.is_empty() {
            return Vec::new();
        }
        let mut score: BTreeMap<OccId, f32> = BTreeMap::new();
        let mut norm2 = 0.0f32;
        for &(s, sim) in &ev.skills {
            let Some(&idf) = self.idf.get(s as usize) else {
                continue;
            };
            let w = idf * sim;
            norm2 += w * w;
            for &(o, ow) in self.skill_occs[s as usize].iter() {
                *score.entry(o).or_default() += w * ow;
            }
        }
        let pnorm = norm2.sqrt();
        for (o, v) in score.iter_mut() {
            let n = pnorm * self.norms[*o as usize];
            *v = if n > 0.0 { *v / n } else { 0.0 };
        }
        for o in self.titles_in(&ev.texts) {
            *score.entry(o).or_default() += TITLE_BONUS;
        }
        for (codes, bonus) in [
            (&ev.isco, ISCO_BONUS),
            (&ev.desired_isco, DESIRED_ISCO_BONUS),
        ] {
            let mut seen: Vec<&str> = codes.to_vec();
            seen.sort_unstable();
            seen.dedup();
            for code in seen {
                let group = self.in_isco(code);
                for &o in group {
                    // An ISCO unit group names an occupation only when it holds one;
                    // otherwise it lifts those the skills or titles point to.
                    match score.get_mut(&o) {
                        Some(v) if *v > 0.0 => *v += bonus,
                        _ if group.len() == 1 => {
                            score.insert(o, bonus);
                        }
                        _ => {}
                    }
                }
            }
        }
        let mut ranked: Vec<(OccId, f32)> = score.into_iter().filter(|&(_, v)| v > 0.0).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let Some(&(_, best)) = ranked.first() else {
            return Vec::new();
        };
        ranked
            .into_iter()
            .take(MAX_INFERRED)
            .map(|(occ, v)| Inferred {
                occ,
                strength: v / best,
            })
            .filter(|i| i.strength >= MIN_RELATIVE)
            .collect()
    }

    /// Occupations whose label appears in the texts, as whole words (longest first at each
    /// position), sorted and deduplicated.
    pub fn titles_in(&self, texts: &[&str]) -> Vec<OccId> {
        let mut found = Vec::new();
        if self.titles.is_empty() {
            return found;
        }
        for text in texts {
            let cut = match text.char_indices().nth(TITLE_SCAN_CHARS) {
                Some((i, _)) => &text[..i],
                None => text,
            };
            let norm = normalise_text(cut);
            let words: Vec<&str> = norm.split_whitespace().collect();
            let mut i = 0;
            while i < words.len() {
                let mut step = 1;
                for n in (1..=MAX_TITLE_WORDS.min(words.len() - i)).rev() {
                    let key = words[i..i + n].join(" ");
                    if let Some(occs) = self.titles.get(key.as_str()) {
                        found.extend_from_slice(occs);
                        step = n;
                        break;
                    }
                }
                i += step;
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Reads occupations (every `occupations_<lang>.csv`) and the relations files, and derives
/// the profiles. Unknown URIs in relations are skipped (a language file may lag behind).
pub(super) fn load_occupations(
    files: &[SourceFile],
    skills: &SkillTaxonomy,
    languages: &mut Vec<String>,
) -> Result<(Vec<Occupation>, OccupationProfiles), TaxonomyError> {
    let mut occupations: Vec<Occupation> = Vec::new();
    let mut by_uri: HashMap<String, usize> = HashMap::new();
    // Hidden labels (misspellings, old titles) are titles to look up, never shown.
    let mut hidden: Vec<Vec<String>> = Vec::new();
    let mut first_lang: Option<String> = None;
    for f in files {
        let Role::Occupations(lang) = &f.role else {
            continue;
        };
        first_lang.get_or_insert_with(|| lang.clone());
        if !languages.contains(lang) {
            languages.push(lang.clone());
        }
        let t = Table::parse(f)?;
        let (uri_c, isco_c, pref_c, alt_c) = (
            t.column("conceptUri")?,
            t.column("iscoGroup")?,
            t.column("preferredLabel")?,
            t.column("altLabels")?,
        );
        let hidden_c = t.column("hiddenLabels").ok();
        let code_c = t.column("code").ok();
        for row in t.rows() {
            let (line, r) = row?;
            let uri = r[uri_c].trim();
            let isco = r[isco_c].trim();
            if !(isco.len() == 4 && isco.bytes().all(|b| b.is_ascii_digit())) {
                return Err(TaxonomyError::at(
                    t.origin(),
                    line,
                    Some("iscoGroup"),
                    format!(
                        "not a 4-digit ISCO unit group: {}",
                        crate::error::clip(isco.to_string(), 40)
                    ),
                ));
            }
            // The first language file defines the occupations; later ones (older
            // versions included) only add labels to those it has.
            if first_lang.as_ref().is_some_and(|f| f != lang) && !by_uri.contains_key(uri) {
                continue;
            }
            let i = *by_uri.entry(uri.to_string()).or_insert_with(|| {
                occupations.push(Occupation {
                    uri: uri.to_string(),
                    isco: isco.to_string(),
                    code: code_c.map(|c| r[c].trim().to_string()).unwrap_or_default(),
                    labels: Vec::new(),
                    alt_labels: Vec::new(),
                });
                hidden.push(Vec::new());
                occupations.len() - 1
            });
            let pref = r[pref_c].trim();
            occupations[i].labels.push((lang.clone(), pref.to_string()));
            // Italian preferred labels are `m/f` pairs: each form is a title.
            for a in pref.split('/').chain(r[alt_c].lines()) {
                let a = a.trim();
                if !a.is_empty() && a != pref {
                    occupations[i]
                        .alt_labels
                        .push((lang.clone(), a.to_string()));
                }
            }
            if let Some(h) = hidden_c {
                hidden[i].extend(r[h].lines().map(str::to_string));
            }
        }
    }
    // URI order, so ids do not depend on file order.
    let mut sorted: Vec<(Occupation, Vec<String>)> = occupations.into_iter().zip(hidden).collect();
    sorted.sort_by(|a, b| a.0.uri.cmp(&b.0.uri));
    let (occupations, hidden): (Vec<Occupation>, Vec<Vec<String>>) = sorted.into_iter().unzip();
    if occupations.len() > OccId::MAX as usize {
        return Err(TaxonomyError::file(
            "occupations",
            "more than 65,535 occupations",
        ));
    }
    let occ_id: HashMap<&str, OccId> = occupations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.uri.as_str(), i as OccId))
        .collect();

    let mut titles: HashMap<Box<str>, Vec<OccId>> = HashMap::new();
    for (i, (o, hidden)) in occupations.iter().zip(&hidden).enumerate() {
        let forms = o.labels.iter().flat_map(|(_, l)| l.split('/'));
        let alts = o.alt_labels.iter().map(|(_, a)| a.as_str());
        for a in forms.chain(alts).chain(hidden.iter().map(String::as_str)) {
            let n = normalise_text(a);
            // One-word generic titles ("manager") would match any text.
            if n.len() < 4 {
                continue;
            }
            let v = titles.entry(n.into_boxed_str()).or_default();
            if v.last() != Some(&(i as OccId)) {
                v.push(i as OccId);
            }
        }
    }
    let titles = titles
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_unstable();
            v.dedup();
            (k, v.into_boxed_slice())
        })
        .collect();
    let mut by_isco: BTreeMap<String, Vec<OccId>> = BTreeMap::new();
    for (i, o) in occupations.iter().enumerate() {
        by_isco.entry(o.isco.clone()).or_default().push(i as OccId);
    }

    let n_skills = skills.len();
    let mut relations = false;
    let mut pairs: Vec<(OccId, SkillId, bool)> = Vec::new();
    let mut skill_pairs: Vec<(SkillId, SkillId, f32)> = Vec::new();
    for f in files {
        match f.role {
            Role::OccupationSkills => {
                relations = true;
                let t = Table::parse(f)?;
                let (o_c, rel_c, s_c) = (
                    t.column("occupationUri")?,
                    t.column("relationType")?,
                    t.column("skillUri")?,
                );
                for row in t.rows() {
                    let (line, r) = row?;
                    let essential = match r[rel_c].trim() {
                        "essential" => true,
                        "optional" => false,
                        other => {
                            return Err(TaxonomyError::at(
                                t.origin(),
                                line,
                                Some("relationType"),
                                format!(
                                    "must be essential or optional, got {}",
                                    crate::error::clip(other.to_string(), 40)
                                ),
                            ))
                        }
                    };
                    if let (Some(&o), Some(s)) =
                        (occ_id.get(r[o_c].trim()), skills.by_uri(r[s_c].trim()))
                    {
                        pairs.push((o, s, essential));
                    }
                }
            }
            Role::SkillSkills => {
                let t = Table::parse(f)?;
                let (a_c, rel_c, b_c) = (
                    t.column("originalSkillUri")?,
                    t.column("relationType")?,
                    t.column("relatedSkillUri")?,
                );
                for row in t.rows() {
                    let (_, r) = row?;
                    let w = if r[rel_c].trim() == "essential" {
                        0.5
                    } else {
                        0.4
                    };
                    if let (Some(a), Some(b)) =
                        (skills.by_uri(r[a_c].trim()), skills.by_uri(r[b_c].trim()))
                    {
                        skill_pairs.push((a, b, w));
                    }
                }
            }
            Role::SkillBroader => {
                let t = Table::parse(f)?;
                let (a_c, b_c) = (t.column("conceptUri")?, t.column("broaderUri")?);
                for row in t.rows() {
                    let (_, r) = row?;
                    if let (Some(a), Some(b)) =
                        (skills.by_uri(r[a_c].trim()), skills.by_uri(r[b_c].trim()))
                    {
                        skill_pairs.push((a, b, 0.4));
                    }
                }
            }
            _ => {}
        }
    }
    pairs.sort_unstable();
    pairs.dedup_by(|later, earlier| later.0 == earlier.0 && later.1 == earlier.1);

    let n_occ = occupations.len();
    let mut df = vec![0u32; n_skills];
    for &(_, s, _) in &pairs {
        df[s as usize] += 1;
    }
    let idf: Vec<f32> = df
        .iter()
        .map(|&d| (1.0 + n_occ.max(1) as f32 / (d as f32).max(1.0)).ln())
        .collect();
    let mut occ_skills: Vec<Vec<(SkillId, f32)>> = vec![Vec::new(); n_occ];
    let mut essential: Vec<Vec<SkillId>> = vec![Vec::new(); n_occ];
    let mut skill_occs: Vec<Vec<(OccId, f32)>> = vec![Vec::new(); n_skills];
    for &(o, s, ess) in &pairs {
        let w = idf[s as usize] * if ess { 1.0 } else { 0.5 };
        occ_skills[o as usize].push((s, w));
        skill_occs[s as usize].push((o, w));
        if ess {
            essential[o as usize].push(s);
        }
    }
    let norms: Vec<f32> = occ_skills
        .iter()
        .map(|v| v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt())
        .collect();

    // Skill relatedness: cosine of occupation vectors (weights without idf: being needed
    // by the same occupations is the signal), then ESCO's own skill relations.
    let mut plain: Vec<Vec<(OccId, f32)>> = vec![Vec::new(); n_skills];
    let mut occ_plain: Vec<Vec<(SkillId, f32)>> = vec![Vec::new(); n_occ];
    for &(o, s, ess) in &pairs {
        let w = if ess { 1.0 } else { 0.5 };
        plain[s as usize].push((o, w));
        occ_plain[o as usize].push((s, w));
    }
    let skill_norm: Vec<f32> = plain
        .iter()
        .map(|v| v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt())
        .collect();
    let mut extra: Vec<Vec<(SkillId, f32)>> = vec![Vec::new(); n_skills];
    for &(a, b, w) in &skill_pairs {
        if a != b {
            extra[a as usize].push((b, w));
            extra[b as usize].push((a, w));
        }
    }
    let related: Vec<Box<[(SkillId, f32)]>> = (0..n_skills)
        .into_par_iter()
        .map(|a| {
            let mut acc: HashMap<SkillId, f32> = HashMap::new();
            for &(o, wa) in &plain[a] {
                for &(b, wb) in &occ_plain[o as usize] {
                    if b as usize != a {
                        *acc.entry(b).or_default() += wa * wb;
                    }
                }
            }
            let mut out: Vec<(SkillId, f32)> = acc
                .into_iter()
                .map(|(b, dot)| {
                    let n = skill_norm[a] * skill_norm[b as usize];
                    (b, if n > 0.0 { (dot / n).min(1.0) } else { 0.0 })
                })
                .filter(|&(_, c)| c >= MIN_COOCCURRENCE)
                .collect();
            for &(b, w) in &extra[a] {
                match out.iter_mut().find(|(x, _)| *x == b) {
                    Some(e) => e.1 = e.1.max(w),
                    None => out.push((b, w)),
                }
            }
            out.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            out.truncate(MAX_RELATED);
            for e in out.iter_mut() {
                e.1 = (e.1 * 1000.0).round() / 1000.0;
            }
            out.sort_by_key(|e| e.0);
            out.into_boxed_slice()
        })
        .collect();

    Ok((
        occupations,
        OccupationProfiles {
            occ_skills: occ_skills.into_iter().map(Vec::into_boxed_slice).collect(),
            essential: essential.into_iter().map(Vec::into_boxed_slice).collect(),
            norms,
            skill_occs: skill_occs.into_iter().map(Vec::into_boxed_slice).collect(),
            idf,
            related,
            titles,
            by_isco,
            relations,
        },
    ))
}
