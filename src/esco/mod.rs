//! The taxonomy an index is built with: ESCO skills with their labels, and, when the
//! official ESCO download is loaded, its occupations with their skill profiles, the
//! occupations' labels in every loaded language, and skill relatedness learnt from
//! ESCO's own structure.
//!
//! Answers: "which ESCO occupations does this person's evidence point to?", "how close
//! are two occupations?", "which skills are related to *ICT security standards*, and how
//! strongly?".
//!
//! Two sources:
//! - **embedded** (the default): the ESCO skill subset of `data/esco_skills.csv` with the
//!   curated Italian synonyms; no occupations, so the occupation criterion compares ISCO
//!   codes and related skills come from label words ([`SkillTaxonomy::related`]);
//! - **the ESCO download** ([`Taxonomy::load`]): the zips the ESCO portal publishes, their
//!   folders or single CSV files, for one or more languages (`--esco PATH`, repeatable, or
//!   `[taxonomy] esco = [...]` in the policy).
//!
//! One taxonomy is active per process ([`install`], [`active`]): the skill keys stored in
//! an index are its skill ids, so an index records the [`TaxonomyId`] it was built with
//! and refuses to open under another.
//!
//! **Architecture invariant:** everything derived here (profiles, relatedness, title
//! lookups) is computed once when the taxonomy loads, never per row, and never depends on
//! hash-map order: lists are sorted, ties go to the lowest id.

pub mod download;
pub mod profiles;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::taxonomy::{normalise_text, Skill, SkillId, SkillTaxonomy};
use download::{Role, SourceFile, Table};
pub use profiles::{Evidence, Inferred, OccId, OccupationProfiles};

/// A broken or unusable ESCO download: the file, the line and column when known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default(), column.as_ref().map(|c| format!(": column {c}")).unwrap_or_default())]
pub struct TaxonomyError {
    /// The file (`archive.zip!name` inside a zip).
    pub file: String,
    /// 1-based line, when the problem is inside the file.
    pub line: Option<usize>,
    /// The column (header name), when one is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl From<TaxonomyError> for crate::error::Error {
    fn from(e: TaxonomyError) -> Self {
        crate::error::Error::Taxonomy(e.to_string())
    }
}

impl TaxonomyError {
    fn file(file: impl std::fmt::Display, message: impl Into<String>) -> Self {
        TaxonomyError {
            file: file.to_string(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    fn at(file: &str, line: usize, column: Option<&str>, message: impl Into<String>) -> Self {
        TaxonomyError {
            file: file.to_string(),
            line: Some(line),
            column: column.map(str::to_string),
            message: message.into(),
        }
    }
}

/// Which taxonomy: recorded in an index's manifest and in every roster and explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonomyId {
    /// `embedded` or `ESCO v1.1.1 (en) + v1.0.8 (it)`.
    pub version: String,
    /// `sha256:` of the files read, in a fixed order.
    pub fingerprint: String,
}

impl std::fmt::Display for TaxonomyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.version, &self.fingerprint)
    }
}

/// One ESCO occupation.
#[derive(Debug, Clone)]
pub struct Occupation {
    /// ESCO URI.
    pub uri: String,
    /// ISCO-08 unit group (4 digits).
    pub isco: String,
    /// ESCO code (`7223.10`).
    pub code: String,
    /// Preferred labels by language, in load order (`en` first when loaded).
    pub labels: Vec<(String, String)>,
    /// Alternative labels by language (each form of an Italian `m/f` pair included).
    pub alt_labels: Vec<(String, String)>,
}

impl Occupation {
    /// The preferred label to show: Italian when loaded (CPI operators read it), else the
    /// first language's; an Italian `m/f` pair shows its first form.
    pub fn name(&self) -> &str {
        let it = self.labels.iter().find(|(l, _)| l == "it");
        match it.or(self.labels.first()) {
            Some((lang, label)) if lang == "it" => label.split('/').next().unwrap_or(label).trim(),
            Some((_, label)) => label,
            None => &self.uri,
        }
    }
}

/// The active taxonomy: skills and their label index, and, from the ESCO download,
/// occupations, profiles and relatedness.
pub struct Taxonomy {
    skills: &'static SkillTaxonomy,
    /// Occupations in URI order (empty for the embedded taxonomy).
    pub occupations: Vec<Occupation>,
    profiles: OccupationProfiles,
    id: TaxonomyId,
    languages: Vec<String>,
}

impl std::fmt::Debug for Taxonomy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Taxonomy")
            .field("id", &self.id)
            .field("skills", &self.skills.len())
            .field("occupations", &self.occupations.len())
            .finish()
    }
}

static ACTIVE: OnceLock<&'static Taxonomy> = OnceLock::new();

/// The process's taxonomy: the one [`install`]ed, or the embedded one.
pub fn active() -> &'static Taxonomy {
    ACTIVE.get_or_init(|| Box::leak(Box::new(Taxonomy::embedded())))
}

/// Makes `taxonomy` the process's taxonomy. Allowed once, before the first [`active`]
/// call; installing the same taxonomy again (same fingerprint) is a no-op.
pub fn install(taxonomy: Taxonomy) -> Result<&'static Taxonomy, crate::Error> {
    let fingerprint = taxonomy.id.fingerprint.clone();
    let mut fresh = Some(taxonomy);
    let t = *ACTIVE.get_or_init(|| Box::leak(Box::new(fresh.take().expect("first install"))));
    if fresh.is_some() && t.id.fingerprint != fingerprint {
        return Err(crate::Error::Taxonomy(format!(
            "this process already uses taxonomy {}; cannot switch to another",
            t.id
        )));
    }
    Ok(t)
}

/// Loads the ESCO download at `paths` and installs it, unless `paths` is empty (the
/// embedded taxonomy stays). What the CLI and the server call at start.
pub fn install_from(paths: &[PathBuf]) -> Result<&'static Taxonomy, crate::Error> {
    if paths.is_empty() {
        return Ok(active());
    }
    install(Taxonomy::load(paths)?)
}

/// `v1.1.1 (en)` for every language file read, in read order, once each.
fn versions_of(files: &[SourceFile]) -> Vec<String> {
    let mut versions: Vec<String> = Vec::new();
    for f in files {
        let lang = match &f.role {
            Role::Skills(l) | Role::Occupations(l) | Role::IscoGroups(l) => l.as_str(),
            _ => continue,
        };
        let v = format!("{} ({lang})", f.version.as_deref().unwrap_or("unversioned"));
        if !versions.contains(&v) {
            versions.push(v);
        }
    }
    versions
}

fn sha256_hex(h: Sha256) -> String {
    format!("sha256:{}", crate::digest::hex(&h.finalize()))
}

impl Taxonomy {
    /// The embedded skills, without occupations.
    pub fn embedded() -> Taxonomy {
        let mut h = Sha256::new();
        h.update(include_bytes!("../../data/esco_skills.csv"));
        h.update(include_bytes!("../../data/skill_synonyms_it.csv"));
        Taxonomy {
            skills: SkillTaxonomy::embedded(),
            occupations: Vec::new(),
            profiles: OccupationProfiles::default(),
            id: TaxonomyId {
                version: "embedded".into(),
                fingerprint: sha256_hex(h),
            },
            languages: vec!["en".into(), "it".into()],
        }
    }

    /// Reads the ESCO CSV download at `paths` (zips as published, unzipped folders or
    /// single files; several languages at once). At least one `skills_<lang>.csv` is
    /// needed; occupations and relations are used when present. The first language read
    /// (`en` when loaded) gives each concept its main label and each occupation its ISCO
    /// group; the others add labels. The curated Italian skill synonyms of
    /// `data/skill_synonyms_it.csv` are added where their URI is known.
    pub fn load(paths: &[PathBuf]) -> Result<Taxonomy, TaxonomyError> {
        let mut files = download::read_sources(paths)?;
        // A fixed order: English first, then by role and origin.
        files.sort_by(|a, b| {
            let en = |f: &SourceFile| match &f.role {
                Role::Skills(l) | Role::Occupations(l) | Role::IscoGroups(l) => l != "en",
                _ => true,
            };
            (en(a), &a.role, &a.origin).cmp(&(en(b), &b.role, &b.origin))
        });
        let mut h = Sha256::new();
        for f in &files {
            h.update(format!("{:?}\n{}\n", f.role, f.text.len()).as_bytes());
            h.update(f.text.as_bytes());
        }
        h.update(include_bytes!("../../data/skill_synonyms_it.csv"));

        let skill_files: Vec<&SourceFile> = files
            .iter()
            .filter(|f| matches!(f.role, Role::Skills(_)))
            .collect();
        let has_occupations = files.iter().any(|f| matches!(f.role, Role::Occupations(_)));
        if skill_files.is_empty() && !has_occupations {
            let given: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            return Err(TaxonomyError::file(
                given.join(", "),
                "no skills_<lang>.csv or occupations_<lang>.csv among the ESCO files given",
            ));
        }
        if skill_files.is_empty() {
            // Occupation labels only (an Italian labels folder, say): the embedded skills
            // stay, the occupations add their titles.
            h.update(include_bytes!("../../data/esco_skills.csv"));
            let skills = SkillTaxonomy::embedded();
            let mut languages = Vec::new();
            let (occupations, profiles) =
                profiles::load_occupations(&files, skills, &mut languages)?;
            return Ok(Taxonomy {
                skills,
                occupations,
                profiles,
                id: TaxonomyId {
                    version: format!(
                        "embedded skills + ESCO occupations {}",
                        versions_of(&files).join(" + ")
                    ),
                    fingerprint: sha256_hex(h),
                },
                languages,
            });
        }
        let mut languages = Vec::new();
        let mut skills: Vec<Skill> = Vec::new();
        let mut by_uri: HashMap<String, SkillId> = HashMap::new();
        let mut kinds: Vec<bool> = Vec::new();
        for f in &skill_files {
            let Role::Skills(lang) = &f.role else {
                continue;
            };
            if !languages.contains(lang) {
                languages.push(lang.clone());
            }
            let t = Table::parse(f)?;
            let (uri_c, pref_c, alt_c, hidden_c) = (
                t.column("conceptUri")?,
                t.column("preferredLabel")?,
                t.column("altLabels")?,
                t.column("hiddenLabels")?,
            );
            let type_c = t.column("skillType").ok();
            for row in t.rows() {
                let (line, r) = row?;
                let uri = r[uri_c].trim();
                if !uri.starts_with("http") {
                    return Err(TaxonomyError::at(
                        t.origin(),
                        line,
                        Some("conceptUri"),
                        format!("not a URI: {}", crate::error::clip(uri.to_string(), 80)),
                    ));
                }
                let pref = r[pref_c].trim();
                let labels = r[alt_c].lines().chain(r[hidden_c].lines());
                let id = match by_uri.get(uri) {
                    Some(&id) => id,
                    // Later languages only add labels to the first one's concepts.
                    None if languages.first() != Some(lang) => continue,
                    None => {
                        if normalise_text(pref).is_empty() {
                            return Err(TaxonomyError::at(
                                t.origin(),
                                line,
                                Some("preferredLabel"),
                                "empty",
                            ));
                        }
                        let id = skills.len() as SkillId;
                        by_uri.insert(uri.to_string(), id);
                        skills.push(Skill {
                            uri: uri.to_string(),
                            label: pref.to_string(),
                            aliases: Vec::new(),
                        });
                        kinds.push(type_c.is_some_and(|c| r[c].trim() == "knowledge"));
                        id
                    }
                };
                let s = &mut skills[id as usize];
                let extra = (s.label != pref).then_some(pref);
                for l in extra.into_iter().chain(labels).map(str::trim) {
                    if !l.is_empty() && l != s.label && !s.aliases.iter().any(|a| a == l) {
                        s.aliases.push(l.to_string());
                    }
                }
            }
        }
        // The curated Italian synonyms, where their skill is in the download.
        let mut italian = Vec::new();
        for line in include_str!("../../data/skill_synonyms_it.csv")
            .lines()
            .skip(1)
        {
            let f = crate::taxonomy::split_csv_line(line);
            if let [label, uri] = f.as_slice() {
                if let Some(&id) = by_uri.get(uri.trim()) {
                    italian.push((label.trim().to_string(), id));
                }
            }
        }
        let skills_index: &'static SkillTaxonomy =
            Box::leak(Box::new(SkillTaxonomy::from_parts(skills, by_uri, italian)));

        let (occupations, profiles) =
            profiles::load_occupations(&files, skills_index, &mut languages)?;
        let versions = versions_of(&files);
        Ok(Taxonomy {
            skills: skills_index,
            occupations,
            profiles,
            id: TaxonomyId {
                version: format!("ESCO {}", versions.join(" + ")),
                fingerprint: sha256_hex(h),
            },
            languages,
        })
    }

    /// The skills and their label index.
    pub fn skills(&self) -> &'static SkillTaxonomy {
        self.skills
    }

    /// Which taxonomy this is.
    pub fn id(&self) -> &TaxonomyId {
        &self.id
    }

    /// The languages whose labels are loaded.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// Occupation profiles, relatedness and title lookups (empty for the embedded one).
    pub fn profiles(&self) -> &OccupationProfiles {
        &self.profiles
    }

    /// True when occupations with skill profiles are loaded.
    pub fn has_profiles(&self) -> bool {
        !self.occupations.is_empty() && self.profiles.has_relations()
    }

    /// The occupation with this id.
    pub fn occupation(&self, id: OccId) -> &Occupation {
        &self.occupations[id as usize]
    }

    /// Skills related to `skill` for partial credit, with their strength, sorted by id:
    /// from ESCO's structure when the download's relations are loaded (co-occurrence in
    /// occupation profiles, `skillSkillRelations`, the skill hierarchy), otherwise from
    /// label words ([`SkillTaxonomy::related`], at least `min_words`).
    pub fn related(&self, skill: SkillId, min_words: f32) -> Vec<(SkillId, f32)> {
        if self.profiles.has_relations() {
            return self.profiles.related(skill).to_vec();
        }
        let tax = self.skills;
        (0..tax.len() as SkillId)
            .filter(|&o| o != skill)
            .filter_map(|o| {
                let r = tax.related(skill, o);
                (r >= min_words).then_some((o, r))
            })
            .collect()
    }
}
