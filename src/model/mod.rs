//! The data contract: candidates (*SAP*) and vacancies as they arrive in JSON, and
//! their validation.
//!
//! Records are parsed with `deny_unknown_fields` (a typo must not pass silently),
//! then [`CandidateRecord::validate`] / [`VacancyRecord::validate`] check every value
//! against the law's ranges and the reference data, once, at the boundary. Past
//! that point the rest of the engine trusts its inputs.

//!
//! The files: `common` (the enums both records use, occupation mappings), `candidate`
//! and `vacancy` (each record, its parts and its `validate`), `validate` (the shared
//! checks and the [`Record`] trait), `parse` (strict JSON and [`parse_record`]), `read`
//! (files and streams, quarantine). Everything is re-exported here: paths are
//! `crate::model::X`.

mod candidate;
mod common;
mod parse;
mod read;
mod vacancy;
mod validate;

pub use candidate::{
    Availability, Benefit, CandidateRecord, CandidateSkill, Experience, Language, RankingData,
    Targeted,
};
pub use common::{
    BenefitScheme, Cefr, ContractType, Mode, OccupationMapping, Support, TargetedList,
};
pub use parse::parse_record;
pub use read::{
    open_input, parse_jsonl, read_json, read_json_from, read_jsonl, read_jsonl_from,
    read_jsonl_quarantine, Reject, RejectError, BOM, MAX_REJECT_RAW_BYTES,
};
pub use vacancy::{
    CapOverride, Contract, VacancyLanguage, VacancyLicence, VacancyRecord, VacancySkill,
};
pub use validate::{is_valid_id, Record};

/// Largest `availability.max_km` accepted.
pub const MAX_KM_LIMIT: u32 = 500;
/// Largest number of skills in one record.
pub const MAX_SKILLS: usize = 500;
/// Largest number of entries in any other list or map of one record
/// (experiences, desired professions, languages, licences, contracts, needs,
/// supports, ICF capacities and demands); `applicants` has its own limit.
pub const MAX_LIST: usize = 200;
/// Largest number of `applicants` of a vacancy.
pub const MAX_APPLICANTS: usize = 1_000_000;
/// Largest `cv_text` / vacancy `text`, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Largest vacancy `title` or `employer`, in bytes.
pub const MAX_NAME_BYTES: usize = 256;
/// Largest `cap_override.reason`, in bytes.
pub const MAX_NOTE_BYTES: usize = 1024;
/// Largest line of a `.jsonl` file (without its line ending), and largest
/// single-record JSON file, in bytes. Longer lines are rejected while reading,
/// without holding them in memory.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Largest roster an employer can ask for with `cap_override`.
pub const MAX_CAP_OVERRIDE: u32 = 200;
/// Roster cap of the Umbria standard: "la rosa non deve eccedere le 15 persone".
pub const ROSTER_CAP: u32 = 15;

/// The ICF dimensions rosa knows (section 3 of the design): task demands and
/// residual capacities are expressed on these codes only.
pub const ICF_DIMENSIONS: &[(&str, &str)] = &[
    ("d430", "lifting and carrying objects"),
    ("d4154", "maintaining a standing position"),
    ("d4153", "maintaining a sitting position"),
    ("d450", "walking"),
    ("d4551", "climbing"),
    ("d440", "fine hand use"),
    ("d445", "hand and arm use"),
    ("b210", "seeing functions"),
    ("b230", "hearing functions"),
    ("d475", "driving"),
    ("d2401", "handling stress"),
    ("d220", "undertaking multiple tasks"),
    ("d350", "conversation"),
    ("e225", "climate and microclimate exposure"),
    ("e250", "noise exposure"),
    ("night", "night work"),
];

/// Whether `code` is one of [`ICF_DIMENSIONS`].
pub fn is_icf_dimension(code: &str) -> bool {
    ICF_DIMENSIONS.iter().any(|(c, _)| *c == code)
}
