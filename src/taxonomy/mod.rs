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

//!
//! The files: `csv` (the reference files' reader), `isco` (ISCO-08 groups), `normalise`
//! (text folding and inflection keys), `grams` (the trigram index), `skills` (ESCO skills
//! and the normaliser). Everything public is re-exported here: paths are
//! `crate::taxonomy::X`.

mod csv;
mod grams;
mod isco;
mod normalise;
mod skills;

#[cfg(test)]
mod tests;

const ISCO_FILE: &str = "data/isco08.csv";
const ESCO_FILE: &str = "data/esco_skills.csv";
const SYNONYMS_FILE: &str = "data/skill_synonyms_it.csv";

pub(crate) use csv::{parse_csv_record, split_csv_line};
pub use isco::{is_cp2011, isco_pack, isco_shared_digits, isco_shared_packed, Isco};
pub use normalise::normalise_text;
pub use skills::{
    Skill, SkillId, SkillMatch, SkillTaxonomy, DEFAULT_LABEL_THRESHOLD, INFLECTION_SIMILARITY,
};
