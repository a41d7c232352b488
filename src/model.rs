//! The data contract: candidates (*SAP*) and vacancies as they arrive in JSON, and
//! their validation.
//!
//! Records are parsed with `deny_unknown_fields` (a typo must not pass silently),
//! then [`CandidateRecord::validate`] / [`VacancyRecord::validate`] check every value
//! against the law's ranges and the reference data, once, at the boundary. Past
//! that point the rest of the engine trusts its inputs.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::error::{Error, FieldError, InputErrors};
use crate::geo::Comuni;
use crate::taxonomy::Isco;

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

/// Kind of contract offered or accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractType {
    /// *Tempo indeterminato*.
    Permanent,
    /// *Tempo determinato*.
    FixedTerm,
    /// *Somministrazione*.
    Agency,
    /// *Apprendistato*.
    Apprenticeship,
    /// *Tirocinio*.
    Internship,
}

impl ContractType {
    /// All kinds, in a fixed order (bit positions of contract masks).
    pub const ALL: [ContractType; 5] = [
        ContractType::Permanent,
        ContractType::FixedTerm,
        ContractType::Agency,
        ContractType::Apprenticeship,
        ContractType::Internship,
    ];

    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractType::Permanent => "permanent",
            ContractType::FixedTerm => "fixed_term",
            ContractType::Agency => "agency",
            ContractType::Apprenticeship => "apprenticeship",
            ContractType::Internship => "internship",
        }
    }

    /// Bit of this kind in a contract mask.
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// How the employer asked the CPI to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// *Preselezione*: a scored roster after checking requirements.
    #[default]
    Preselection,
    /// Nominative placement on the L. 68/1999 lists (*chiamata nominativa*): scored roster among compatible people.
    TargetedNominative,
    /// Numeric placement on the L. 68/1999 lists (*avviamento numerico*): graduatoria order among compatible people.
    TargetedNumeric,
    /// Public-administration hiring under art. 16 L. 56/1987: graduatoria order.
    PublicSelection,
}

impl Mode {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Preselection => "preselection",
            Mode::TargetedNominative => "targeted_nominative",
            Mode::TargetedNumeric => "targeted_numeric",
            Mode::PublicSelection => "public_selection",
        }
    }

    /// Modes on the *collocamento mirato* lists.
    pub fn is_targeted(self) -> bool {
        matches!(self, Mode::TargetedNominative | Mode::TargetedNumeric)
    }

    /// Modes ordered by a graduatoria instead of by score.
    pub fn is_graduatoria(self) -> bool {
        matches!(self, Mode::TargetedNumeric | Mode::PublicSelection)
    }
}

/// Income-support scheme (*ammortizzatore* or *misura di sostegno*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitScheme {
    /// NASpI.
    Naspi,
    /// DIS-COLL.
    DisColl,
    /// Assegno di inclusione.
    Adi,
    /// Supporto per la formazione e il lavoro.
    Sfl,
}

impl BenefitScheme {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            BenefitScheme::Naspi => "naspi",
            BenefitScheme::DisColl => "dis_coll",
            BenefitScheme::Adi => "adi",
            BenefitScheme::Sfl => "sfl",
        }
    }
}

/// The *collocamento mirato* list (L. 68/1999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetedList {
    /// Art. 1: people with disabilities.
    Art1,
    /// Art. 18 c. 2: protected categories.
    Art18,
}

impl TargetedList {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetedList::Art1 => "art1",
            TargetedList::Art18 => "art18",
        }
    }
}

/// A support a person needs and an employer may provide (reasonable accommodation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// A workplace tutor.
    Tutor,
    /// Technical aids.
    TechnicalAids,
    /// An adapted workstation.
    AdaptedWorkstation,
}

impl Support {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Tutor => "tutor",
            Support::TechnicalAids => "technical_aids",
            Support::AdaptedWorkstation => "adapted_workstation",
        }
    }
}

/// CEFR language level, ordered A1 < A2 < ... < C2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Cefr {
    /// Breakthrough.
    A1,
    /// Waystage.
    A2,
    /// Threshold.
    B1,
    /// Vantage.
    B2,
    /// Effective operational proficiency.
    C1,
    /// Mastery.
    C2,
}

impl Cefr {
    /// All levels, ascending.
    pub const ALL: [Cefr; 6] = [Cefr::A1, Cefr::A2, Cefr::B1, Cefr::B2, Cefr::C1, Cefr::C2];

    /// 1 (A1) .. 6 (C2).
    pub fn rank(self) -> u8 {
        self as u8 + 1
    }

    /// The level's name.
    pub fn as_str(self) -> &'static str {
        ["A1", "A2", "B1", "B2", "C1", "C2"][self as usize]
    }
}

/// A work experience.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experience {
    /// ISCO-08 code of the profession.
    pub isco: String,
    /// Months worked.
    pub months: u32,
    /// Year the experience ended (or the current year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_year: Option<i32>,
    /// Certified by the service.
    #[serde(default)]
    pub certified: bool,
}

/// A competence a person declares or the service certified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateSkill {
    /// ESCO skill URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esco: Option<String>,
    /// Free label (Italian or English).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Validated by the service (*certificata dal percorso di servizio*).
    #[serde(default)]
    pub certified: bool,
}

/// A language and its CEFR level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// ISO 639-1 code, lowercase.
    pub code: String,
    /// Level.
    pub cefr: Cefr,
}

/// Availability declared in the service pact (*patto di servizio*); it binds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// Farthest workplace accepted, km from the domicile.
    pub max_km: u32,
    /// Contract kinds accepted.
    pub contracts: Vec<ContractType>,
    /// Accepts full-time work (36 hours a week or more).
    #[serde(default)]
    pub full_time: bool,
    /// Accepts part-time work.
    #[serde(default)]
    pub part_time: bool,
    /// Accepts shift work.
    #[serde(default)]
    pub shifts: bool,
    /// Accepts night work.
    #[serde(default)]
    pub nights: bool,
}

/// Income support received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benefit {
    /// Which scheme.
    pub scheme: BenefitScheme,
    /// Monthly amount, euros.
    pub monthly_eur: f64,
    /// Weekly hours of the last contract (NASpI/DIS-COLL hours criterion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_contract_hours: Option<f64>,
}

/// Enrolment on a *collocamento mirato* list with the functional profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targeted {
    /// Which list.
    pub list: TargetedList,
    /// Date of enrolment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled: Option<Date>,
    /// Invalidity percentage (0..=100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalidity_pct: Option<u32>,
    /// ICF code -> residual capacity 0 (none) .. 4 (full); absent = 4.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub capacities: std::collections::BTreeMap<String, u8>,
    /// Supports the person needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Support>,
}

/// Data used only by graduatorie; never by the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingData {
    /// Dependent family members (*carico familiare*).
    #[serde(default)]
    pub dependents: u32,
    /// ISEE, euros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isee_eur: Option<f64>,
    /// Yearly income, euros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income_eur: Option<f64>,
    /// Birth date (the law's formulas use age).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Date>,
}

/// How an occupation of an imported record was mapped from the ISTAT CP2011 code its
/// source carried (ClicLavoro) to the ISCO-08 code rosa uses (`rosa import`).
///
/// When `confident` is false, the ISCO code it names is only the major group that
/// parallels the CP major group, and the occupation criterion scores that occupation as
/// unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OccupationMapping {
    /// Which ISCO code of the record this explains: `isco` (a vacancy),
    /// `experiences[i]` or `desired_isco[i]` (a candidate).
    pub field: String,
    /// The CP2011 code of the source (`6.2.3.1.1`).
    pub cp2011: String,
    /// The source's Italian title of the occupation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// The ESCO occupation the title matched, if any (also when not confident).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esco: Option<String>,
    /// Label-match score of the mapping, 0..=1.
    pub confidence: f64,
    /// Whether the ISCO unit group is trusted.
    pub confident: bool,
}

/// A person registered with a CPI, as it arrives (one line of `candidates.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateRecord {
    /// Pseudonymous id, `[A-Za-z0-9_-]{1,64}`.
    pub id: String,
    /// ISTAT or Belfiore code of the comune of domicile.
    pub domicile: String,
    /// Start of the current availability (DID); `None` = not available.
    #[serde(default)]
    pub did_date: Option<Date>,
    /// Last confirmation of availability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_confirmed: Option<Date>,
    /// EQF level 1..=8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education_eqf: Option<u8>,
    /// Work history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub experiences: Vec<Experience>,
    /// Professions agreed in the service pact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub desired_isco: Vec<String>,
    /// Competences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<CandidateSkill>,
    /// Languages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    /// Driving licences and certificates (`B`, `CE`, `forklift`...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<String>,
    /// Declared availability.
    pub availability: Availability,
    /// Income support, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefit: Option<Benefit>,
    /// Has children under 14 (ADI congruity).
    #[serde(default)]
    pub children_under_14: bool,
    /// *Collocamento mirato* enrolment, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeted: Option<Targeted>,
    /// Graduatoria data, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<RankingData>,
    /// Free text of the CV.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cv_text: String,
    /// How the ISCO codes were mapped from CP2011, for imported records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occupation_mappings: Vec<OccupationMapping>,
}

/// A competence a vacancy asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VacancySkill {
    /// ESCO skill URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esco: Option<String>,
    /// Free label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A hard requirement (excludes who lacks it).
    #[serde(default)]
    pub required: bool,
    /// Relative weight in the skills criterion (default 1).
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// A language a vacancy asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VacancyLanguage {
    /// ISO 639-1 code.
    pub code: String,
    /// Minimum level.
    pub cefr: Cefr,
    /// A hard requirement.
    #[serde(default)]
    pub required: bool,
}

/// A licence a vacancy asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VacancyLicence {
    /// Licence code.
    pub code: String,
    /// A hard requirement.
    #[serde(default)]
    pub required: bool,
}

/// The contract offered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Kind.
    #[serde(rename = "type")]
    pub kind: ContractType,
    /// Duration in months (fixed-term, agency, apprenticeship, internship).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    /// Weekly hours.
    pub hours_per_week: f64,
    /// Gross monthly pay, euros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_monthly_eur: Option<f64>,
    /// Minimum of the applicable CCNL for the grade, euros per month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccnl_min_monthly_eur: Option<f64>,
    /// Shift work.
    #[serde(default)]
    pub shifts: bool,
    /// Night work.
    #[serde(default)]
    pub nights: bool,
}

/// An employer's explicit wish for a longer roster, audited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapOverride {
    /// Roster size asked for.
    pub size: u32,
    /// Why (recorded in the roster).
    pub reason: String,
}

/// A vacancy (*richiesta di personale*), as it arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VacancyRecord {
    /// Vacancy id, `[A-Za-z0-9_-]{1,64}`.
    pub id: String,
    /// Employer id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub employer: String,
    /// ISCO-08 code of the profession sought.
    pub isco: String,
    /// Job title.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Free text of the job ad.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// ISTAT or Belfiore code of the workplace.
    pub workplace: String,
    /// Competences sought.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<VacancySkill>,
    /// Minimum EQF level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education_eqf_min: Option<u8>,
    /// Whether the minimum education is a hard requirement.
    #[serde(default)]
    pub education_required: bool,
    /// Languages sought.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<VacancyLanguage>,
    /// Licences sought.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<VacancyLicence>,
    /// The contract.
    pub contract: Contract,
    /// How the roster is built.
    #[serde(default)]
    pub mode: Mode,
    /// For targeted modes: which list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeted_list: Option<TargetedList>,
    /// ICF code -> task demand 0..=4.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub demands: std::collections::BTreeMap<String, u8>,
    /// Supports the employer provides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supports: Vec<Support>,
    /// Roster size 1..=15.
    #[serde(default = "default_roster_size")]
    pub roster_size: u32,
    /// A larger roster at the employer's explicit wish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_override: Option<CapOverride>,
    /// Positions open.
    #[serde(default = "default_positions")]
    pub positions: u32,
    /// Publication date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Date>,
    /// When given, the pool is restricted to these people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicants: Option<Vec<String>>,
    /// Last day applications are taken (*data di scadenza*); offers leave the
    /// vacancy out after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    /// How `isco` was mapped from CP2011, for imported vacancies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occupation_mappings: Vec<OccupationMapping>,
}

fn default_roster_size() -> u32 {
    ROSTER_CAP
}

fn default_positions() -> u32 {
    1
}

impl VacancyRecord {
    /// The roster cap: `cap_override.size` if given, else `roster_size`.
    pub fn cap(&self) -> u32 {
        self.cap_override
            .as_ref()
            .map_or(self.roster_size, |o| o.size)
    }
}

/// Checks `[A-Za-z0-9_-]{1,64}`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_language_code(c: &str) -> bool {
    c.len() == 2 && c.bytes().all(|b| b.is_ascii_lowercase())
}

fn is_licence_code(c: &str) -> bool {
    (1..=32).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn money(errs: &mut Vec<FieldError>, field: &str, v: f64) {
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

fn comune(errs: &mut Vec<FieldError>, comuni: &Comuni, field: &str, code: &str) {
    if comuni.lookup(code).is_none() {
        errs.push(FieldError::new(
            field,
            format!("unknown comune {code:?} (expected a 6-digit ISTAT code or a Belfiore code like F205)"),
        ));
    }
}

fn isco(errs: &mut Vec<FieldError>, table: &Isco, field: &str, code: &str) {
    if !table.contains(code) {
        errs.push(FieldError::new(
            field,
            format!("unknown ISCO-08 code {code:?}"),
        ));
    }
}

fn eqf(errs: &mut Vec<FieldError>, field: &str, v: Option<u8>) {
    if let Some(v) = v {
        if !(1..=8).contains(&v) {
            errs.push(FieldError::new(
                field,
                format!("must be an EQF level 1..=8, got {v}"),
            ));
        }
    }
}

fn icf_map(
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

fn list_len(errs: &mut Vec<FieldError>, field: &str, len: usize, max: usize) {
    if len > max {
        errs.push(FieldError::new(
            field,
            format!("at most {max} entries, got {len}"),
        ));
    }
}

fn skill_ref(
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
fn occupation_mappings(
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
        if !crate::import::occupation::is_cp2011(&m.cp2011) {
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
fn indexed(field: &str, name: &str) -> Option<usize> {
    field
        .strip_prefix(name)?
        .strip_prefix('[')?
        .strip_suffix(']')?
        .parse()
        .ok()
}

impl CandidateRecord {
    /// Every problem in this record (empty when valid). Field paths are dotted
    /// (`skills[2].esco`); the caller adds file, line and id.
    pub fn validate(&self, comuni: &Comuni, isco_table: &Isco) -> Vec<FieldError> {
        let mut e = Vec::new();
        if !is_valid_id(&self.id) {
            e.push(FieldError::new(
                "id",
                format!("must match [A-Za-z0-9_-]{{1,64}}, got {:?}", self.id),
            ));
        }
        comune(&mut e, comuni, "domicile", &self.domicile);
        // A confirmation older than the DID is not an error: the DID itself
        // declares availability (`rules::effective_confirmation`).
        eqf(&mut e, "education_eqf", self.education_eqf);
        list_len(&mut e, "experiences", self.experiences.len(), MAX_LIST);
        for (i, x) in self.experiences.iter().enumerate().take(MAX_LIST) {
            isco(
                &mut e,
                isco_table,
                &format!("experiences[{i}].isco"),
                &x.isco,
            );
            if x.months > 600 {
                e.push(FieldError::new(
                    format!("experiences[{i}].months"),
                    format!("must be 0..=600, got {}", x.months),
                ));
            }
            if let Some(y) = x.end_year {
                if !(1940..=2100).contains(&y) {
                    e.push(FieldError::new(
                        format!("experiences[{i}].end_year"),
                        format!("must be 1940..=2100, got {y}"),
                    ));
                }
            }
        }
        list_len(&mut e, "desired_isco", self.desired_isco.len(), MAX_LIST);
        for (i, c) in self.desired_isco.iter().enumerate().take(MAX_LIST) {
            isco(&mut e, isco_table, &format!("desired_isco[{i}]"), c);
        }
        list_len(&mut e, "skills", self.skills.len(), MAX_SKILLS);
        for (i, s) in self.skills.iter().enumerate().take(MAX_SKILLS) {
            skill_ref(&mut e, &format!("skills[{i}]"), &s.esco, &s.label);
        }
        list_len(&mut e, "languages", self.languages.len(), MAX_LIST);
        for (i, l) in self.languages.iter().enumerate().take(MAX_LIST) {
            if !is_language_code(&l.code) {
                e.push(FieldError::new(
                    format!("languages[{i}].code"),
                    format!("must be an ISO 639-1 code like \"en\", got {:?}", l.code),
                ));
            }
        }
        list_len(&mut e, "licences", self.licences.len(), MAX_LIST);
        for (i, l) in self.licences.iter().enumerate().take(MAX_LIST) {
            if !is_licence_code(l) {
                e.push(FieldError::new(
                    format!("licences[{i}]"),
                    format!("must match [A-Za-z0-9_-]{{1,32}}, got {l:?}"),
                ));
            }
        }
        list_len(
            &mut e,
            "availability.contracts",
            self.availability.contracts.len(),
            MAX_LIST,
        );
        if self.availability.max_km > MAX_KM_LIMIT {
            e.push(FieldError::new(
                "availability.max_km",
                format!(
                    "must be 0..={MAX_KM_LIMIT}, got {}",
                    self.availability.max_km
                ),
            ));
        }
        if let Some(b) = &self.benefit {
            money(&mut e, "benefit.monthly_eur", b.monthly_eur);
            if let Some(h) = b.last_contract_hours {
                if !h.is_finite() || !(0.0..=60.0).contains(&h) {
                    e.push(FieldError::new(
                        "benefit.last_contract_hours",
                        format!("must be 0..=60 hours, got {h}"),
                    ));
                }
            }
        }
        if let Some(t) = &self.targeted {
            if let Some(p) = t.invalidity_pct {
                if p > 100 {
                    e.push(FieldError::new(
                        "targeted.invalidity_pct",
                        format!("must be 0..=100, got {p}"),
                    ));
                }
            }
            icf_map(&mut e, "targeted.capacities", &t.capacities, "capacity");
            list_len(&mut e, "targeted.needs", t.needs.len(), MAX_LIST);
        }
        if let Some(r) = &self.ranking {
            if let Some(v) = r.isee_eur {
                money(&mut e, "ranking.isee_eur", v);
            }
            if let Some(v) = r.income_eur {
                money(&mut e, "ranking.income_eur", v);
            }
            if r.dependents > 30 {
                e.push(FieldError::new(
                    "ranking.dependents",
                    format!("must be 0..=30, got {}", r.dependents),
                ));
            }
        }
        if self.cv_text.len() > MAX_TEXT_BYTES {
            e.push(FieldError::new(
                "cv_text",
                format!("at most {MAX_TEXT_BYTES} bytes, got {}", self.cv_text.len()),
            ));
        }
        occupation_mappings(&mut e, &self.occupation_mappings, |f| {
            if let Some(i) = indexed(f, "experiences") {
                self.experiences.get(i).map(|x| x.isco.clone())
            } else {
                indexed(f, "desired_isco").and_then(|i| self.desired_isco.get(i).cloned())
            }
        });
        e
    }
}

impl VacancyRecord {
    /// Every problem in this record (empty when valid).
    pub fn validate(&self, comuni: &Comuni, isco_table: &Isco) -> Vec<FieldError> {
        let mut e = Vec::new();
        if !is_valid_id(&self.id) {
            e.push(FieldError::new(
                "id",
                format!("must match [A-Za-z0-9_-]{{1,64}}, got {:?}", self.id),
            ));
        }
        isco(&mut e, isco_table, "isco", &self.isco);
        comune(&mut e, comuni, "workplace", &self.workplace);
        list_len(&mut e, "skills", self.skills.len(), MAX_SKILLS);
        for (i, s) in self.skills.iter().enumerate().take(MAX_SKILLS) {
            skill_ref(&mut e, &format!("skills[{i}]"), &s.esco, &s.label);
            if !s.weight.is_finite() || s.weight <= 0.0 || s.weight > 100.0 {
                e.push(FieldError::new(
                    format!("skills[{i}].weight"),
                    format!("must be in (0, 100], got {}", s.weight),
                ));
            }
        }
        eqf(&mut e, "education_eqf_min", self.education_eqf_min);
        if self.education_required && self.education_eqf_min.is_none() {
            e.push(FieldError::new(
                "education_required",
                "is true but education_eqf_min is missing",
            ));
        }
        list_len(&mut e, "languages", self.languages.len(), MAX_LIST);
        for (i, l) in self.languages.iter().enumerate().take(MAX_LIST) {
            if !is_language_code(&l.code) {
                e.push(FieldError::new(
                    format!("languages[{i}].code"),
                    format!("must be an ISO 639-1 code like \"en\", got {:?}", l.code),
                ));
            }
        }
        list_len(&mut e, "licences", self.licences.len(), MAX_LIST);
        for (i, l) in self.licences.iter().enumerate().take(MAX_LIST) {
            if !is_licence_code(&l.code) {
                e.push(FieldError::new(
                    format!("licences[{i}].code"),
                    format!("must match [A-Za-z0-9_-]{{1,32}}, got {:?}", l.code),
                ));
            }
        }
        let c = &self.contract;
        if !c.hours_per_week.is_finite() || c.hours_per_week <= 0.0 || c.hours_per_week > 60.0 {
            e.push(FieldError::new(
                "contract.hours_per_week",
                format!("must be in (0, 60], got {}", c.hours_per_week),
            ));
        }
        if let Some(m) = c.months {
            if m == 0 || m > 600 {
                e.push(FieldError::new(
                    "contract.months",
                    format!("must be 1..=600, got {m}"),
                ));
            }
        }
        if let Some(v) = c.gross_monthly_eur {
            money(&mut e, "contract.gross_monthly_eur", v);
        }
        if let Some(v) = c.ccnl_min_monthly_eur {
            money(&mut e, "contract.ccnl_min_monthly_eur", v);
        }
        if self.mode.is_targeted() && self.targeted_list.is_none() {
            e.push(FieldError::new(
                "targeted_list",
                format!("is required in mode {}", self.mode.as_str()),
            ));
        }
        icf_map(&mut e, "demands", &self.demands, "demand");
        list_len(&mut e, "supports", self.supports.len(), MAX_LIST);
        if !(1..=ROSTER_CAP).contains(&self.roster_size) {
            e.push(FieldError::new(
                "roster_size",
                format!("must be 1..={ROSTER_CAP} (use cap_override for a larger roster at the employer's explicit wish), got {}", self.roster_size),
            ));
        }
        if let Some(o) = &self.cap_override {
            if !(1..=MAX_CAP_OVERRIDE).contains(&o.size) {
                e.push(FieldError::new(
                    "cap_override.size",
                    format!("must be 1..={MAX_CAP_OVERRIDE}, got {}", o.size),
                ));
            }
            if o.reason.trim().is_empty() {
                e.push(FieldError::new(
                    "cap_override.reason",
                    "must say why the employer wants a larger roster",
                ));
            } else if o.reason.len() > MAX_NOTE_BYTES {
                e.push(FieldError::new(
                    "cap_override.reason",
                    format!("at most {MAX_NOTE_BYTES} bytes, got {}", o.reason.len()),
                ));
            }
        }
        if self.positions == 0 || self.positions > 10_000 {
            e.push(FieldError::new(
                "positions",
                format!("must be 1..=10000, got {}", self.positions),
            ));
        }
        if let Some(a) = &self.applicants {
            list_len(&mut e, "applicants", a.len(), MAX_APPLICANTS);
            for (i, id) in a.iter().enumerate() {
                if !is_valid_id(id) {
                    e.push(FieldError::new(
                        format!("applicants[{i}]"),
                        format!("not a candidate id: {id:?}"),
                    ));
                    break;
                }
            }
        }
        for (field, v) in [("employer", &self.employer), ("title", &self.title)] {
            if v.len() > MAX_NAME_BYTES {
                e.push(FieldError::new(
                    field,
                    format!("at most {MAX_NAME_BYTES} bytes, got {}", v.len()),
                ));
            }
        }
        if self.text.len() > MAX_TEXT_BYTES {
            e.push(FieldError::new(
                "text",
                format!("at most {MAX_TEXT_BYTES} bytes, got {}", self.text.len()),
            ));
        }
        if let (Some(p), Some(x)) = (self.published, self.expires) {
            if x < p {
                e.push(FieldError::new(
                    "expires",
                    format!("{x} is before published {p}"),
                ));
            }
        }
        occupation_mappings(&mut e, &self.occupation_mappings, |f| {
            (f == "isco").then(|| self.isco.clone())
        });
        e
    }
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

/// Parses JSON text into a value, refusing duplicate keys (which serde_json
/// would resolve silently, last one wins: a record must say one thing). The
/// error is `(field, message)`: the duplicate key's dotted path, or `-` with
/// "malformed JSON: ..." for a syntax error.
fn strict_json(text: &str) -> Result<serde_json::Value, (String, String)> {
    // The common case without path tracking (it allocates per key); a bad
    // record is parsed again to find where it went wrong.
    if let Ok(Strict(v)) = serde_json::from_str(text) {
        return Ok(v);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(Strict(v)) => v,
        Err(err) => {
            let path = err.path().to_string();
            let message = err.into_inner().to_string();
            let Some((key, rest)) = message
                .strip_prefix(DUPLICATE_KEY)
                .and_then(|m| m.split_once(DUPLICATE_KEY_END))
            else {
                // A syntax error inside a field (a number out of range, e.g.
                // 1e400) names the field.
                // (`?`: serde_path_to_error's "not known yet", e.g. inside an
                // unfinished key.)
                let field = if path == "." || path == "?" || path.is_empty() {
                    "-".to_string()
                } else {
                    path
                };
                return Err((field, format!("malformed JSON: {message}")));
            };
            let field = if path == "." || path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            return Err((field, format!("duplicate key{rest}")));
        }
    };
    de.end()
        .map_err(|e| ("-".to_string(), format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// How [`StrictVisitor`] frames a duplicate key in its error, so that
/// [`strict_json`] can put the key in the field path.
const DUPLICATE_KEY: &str = "duplicate key \u{1}";
const DUPLICATE_KEY_END: &str = "\u{1}";

/// A JSON value whose objects have no duplicate keys.
struct Strict(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
        // serde_json never yields a non-finite number, but say so if one comes.
        Ok(Strict(
            serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into),
        ))
    }
    fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(serde_json::Value::Null))
    }
    fn visit_none<E>(self) -> Result<Strict, E> {
        Ok(Strict(serde_json::Value::Null))
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Strict, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Strict(serde_json::Value::Array(items)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        use serde::de::Error as _;
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match out.entry(key) {
                serde_json::map::Entry::Occupied(e) => {
                    let key = crate::error::escape(e.key());
                    return Err(A::Error::custom(format!(
                        "{DUPLICATE_KEY}{key}{DUPLICATE_KEY_END}: given twice, a record must give each field once"
                    )));
                }
                serde_json::map::Entry::Vacant(e) => {
                    let Strict(v) = map.next_value()?;
                    e.insert(v);
                }
            }
        }
        Ok(Strict(serde_json::Value::Object(out)))
    }
}

/// Parses and validates one JSON record; errors carry file, line, id and field.
pub fn parse_record<R: Record>(text: &str, file: &str, line: usize) -> Result<R, Vec<FieldError>> {
    if text.len() > MAX_LINE_BYTES {
        return Err(vec![FieldError::new(
            "-",
            format!("record is {} bytes, at most {MAX_LINE_BYTES}", text.len()),
        )
        .at(file, line, "-")]);
    }
    // Read the id first, so that even a record that fails to parse is named.
    let value = match strict_json(text) {
        Ok(v) => v,
        Err((field, message)) => {
            let id = sniff_id(text.as_bytes());
            return Err(vec![FieldError::new(field, message).at(
                file,
                line,
                id.as_deref().unwrap_or("-"),
            )]);
        }
    };
    let id = value
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("-")
        .to_string();
    let id = if id.len() > 64 {
        format!(
            "{}...",
            &id[..id.char_indices().nth(60).map_or(id.len(), |(i, _)| i)]
        )
    } else {
        id
    };
    let rec: R = match serde_path_to_error::deserialize(value) {
        Ok(r) => r,
        Err(err) => {
            let path = err.path().to_string();
            let field = if path == "." || path.is_empty() {
                "-".to_string()
            } else {
                path
            };
            let msg = err.into_inner().to_string();
            // serde reports "missing field `x`" at the parent: put x in the field path.
            let field = match msg
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next())
            {
                Some(name) if field == "-" => name.to_string(),
                Some(name) => format!("{field}.{name}"),
                None => field,
            };
            return Err(vec![FieldError::new(field, msg).at(file, line, &id)]);
        }
    };
    let errs = rec.check(Comuni::embedded(), Isco::embedded());
    if errs.is_empty() {
        Ok(rec)
    } else {
        Err(errs.into_iter().map(|e| e.at(file, line, &id)).collect())
    }
}

/// Parses and validates every line of a `.jsonl` text. Blank lines are skipped.
/// Duplicate ids are errors. Either every record is valid and all are returned,
/// or the errors (every bad line, up to [`InputErrors::LIMIT`]) are.
///
/// Lines are split as [`read_jsonl_from`] splits them (`\n` or `\r\n`).
pub fn parse_jsonl<R: Record + Send>(text: &str, file: &str) -> Result<Vec<R>, Error> {
    read_jsonl_from(text.as_bytes(), file)
}

/// Reads a `.jsonl` file and parses it with [`read_jsonl_from`]: the file is
/// streamed, so a huge file or a huge line costs no more memory than its
/// records (a line longer than [`MAX_LINE_BYTES`] is skipped and reported).
pub fn read_jsonl<R: Record + Send>(path: &std::path::Path) -> Result<Vec<R>, Error> {
    let f = open_input(path)?;
    read_jsonl_from(
        std::io::BufReader::with_capacity(1 << 20, f),
        &path.display().to_string(),
    )
}

/// Opens an input file, refusing anything but a regular file: a FIFO would
/// block (or never end), `/dev/zero` never ends, a directory is a mistake. The
/// path is checked before opening (opening a FIFO blocks until a writer comes)
/// and the opened file again. The error is a user error naming the path.
pub fn open_input(path: &std::path::Path) -> Result<std::fs::File, Error> {
    let not_regular = |t: std::fs::FileType| {
        Error::input(
            FieldError::new(
                "-",
                format!(
                    "not a regular file ({}): inputs are read from regular files",
                    file_kind(t)
                ),
            )
            .at(&path.display().to_string(), 0, "-"),
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = f.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    Ok(f)
}

/// What a file that is not regular is, in words.
pub(crate) fn file_kind(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Lines parsed together in parallel: at most this many...
const CHUNK_LINES: usize = 4096;
/// ...or this many bytes.
const CHUNK_BYTES: usize = 16 * 1024 * 1024;

/// One line of a `.jsonl` input, as cut by [`next_line`].
enum Line {
    /// The line's bytes (without `\n` / `\r\n`) are in the buffer.
    Text,
    /// The line has this many bytes, more than [`MAX_LINE_BYTES`]; the buffer
    /// holds its first bytes only, the rest was skipped.
    TooLong(u64),
}

/// Reads the next line into `buf`, keeping at most [`MAX_LINE_BYTES`] + 2 bytes
/// of it in memory; `None` at the end of the input.
fn next_line(
    reader: &mut impl std::io::BufRead,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Line>> {
    use std::io::{BufRead, Read};
    buf.clear();
    let cap = MAX_LINE_BYTES as u64 + 2;
    let n = reader.by_ref().take(cap).read_until(b'\n', buf)? as u64;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if n == cap {
        // The line goes on: skip the rest without keeping it.
        let mut total = n;
        loop {
            let avail = reader.fill_buf()?;
            if avail.is_empty() {
                break;
            }
            match avail.iter().position(|&b| b == b'\n') {
                Some(p) => {
                    total += p as u64;
                    reader.consume(p + 1);
                    break;
                }
                None => {
                    let len = avail.len();
                    total += len as u64;
                    reader.consume(len);
                }
            }
        }
        return Ok(Some(Line::TooLong(total)));
    }
    if buf.len() > MAX_LINE_BYTES {
        return Ok(Some(Line::TooLong(buf.len() as u64)));
    }
    Ok(Some(Line::Text))
}

/// The id of a record from the part of its text that was read, when it holds
/// a top-level-looking `"id": "<valid id>"` (after `{` or `,`): names a record
/// too long or too broken to parse. Best effort; `None` when unsure.
fn sniff_id(prefix: &[u8]) -> Option<String> {
    let mut from = 0;
    while let Some(p) = prefix[from..].windows(4).position(|w| w == b"\"id\"") {
        let at = from + p;
        from = at + 1;
        let before = prefix[..at].iter().rev().find(|b| !b.is_ascii_whitespace());
        if !matches!(before, Some(b'{') | Some(b',')) {
            continue;
        }
        if let Some(id) = id_after_key(&prefix[at + 4..]) {
            return Some(id);
        }
    }
    None
}

/// The valid id in `: "<id>"` at the start of `rest` (whitespace allowed).
fn id_after_key(rest: &[u8]) -> Option<String> {
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let rest = rest.strip_prefix(b":")?;
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    let id = std::str::from_utf8(&rest[..end]).ok()?;
    is_valid_id(id).then(|| id.to_string())
}

/// The UTF-8 byte-order mark that office tools and Windows exports put at the
/// start of a file; accepted (and skipped) at the start of any JSON or JSONL input.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Skips a byte-order mark at the start of `reader`, if there is one. (A
/// buffered reader holds at least the first 3 bytes of any input longer than
/// that; one that does not is not JSON with a mark anyway.)
fn skip_bom(reader: &mut impl std::io::BufRead) -> std::io::Result<()> {
    if reader.fill_buf()?.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    Ok(())
}

/// Parses and validates every line of a `.jsonl` stream: the engine's one
/// JSONL reader ([`read_jsonl`] and [`parse_jsonl`] use it).
///
/// Lines end with `\n` or `\r\n`; blank lines are skipped, and so is a UTF-8
/// byte-order mark at the start. A line longer than
/// [`MAX_LINE_BYTES`] is an error naming its line (and its id when the first
/// bytes show it), and is never held whole in memory; so is a line that is not
/// UTF-8. Duplicate ids are errors. Either every record is valid and all are
/// returned, or the errors (every bad line, up to [`InputErrors::LIMIT`]) are.
pub fn read_jsonl_from<R: Record + Send>(
    reader: impl std::io::BufRead,
    file: &str,
) -> Result<Vec<R>, Error> {
    let mut errors = InputErrors::default();
    let mut out = Vec::new();
    read_lines(reader, file, |line| match line {
        Ok(rec) => {
            if errors.is_empty() {
                out.push(rec);
            }
        }
        Err(bad) => {
            errors.extend(bad.errors);
            // The records will not be returned: stop holding them.
            out = Vec::new();
        }
    })?;
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Input(errors))
    }
}

/// Longest part of a bad line kept in a [`Reject`], in bytes.
pub const MAX_REJECT_RAW_BYTES: usize = 4096;

/// A line set aside by [`read_jsonl_quarantine`] (`--rejects`): where it was,
/// its id when readable, every error found, and its text clipped to
/// [`MAX_REJECT_RAW_BYTES`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    /// 1-based line number in the input.
    pub line: usize,
    /// The record's id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Every error of the line: field and message.
    pub errors: Vec<RejectError>,
    /// The line as read (invalid UTF-8 replaced), clipped to
    /// [`MAX_REJECT_RAW_BYTES`] with `...`.
    pub raw: String,
    /// The line's length in bytes.
    pub bytes: u64,
}

/// One error of a rejected line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectError {
    /// Dotted path of the field, `-` for the whole record.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Reject {
    fn new(line: usize, errors: Vec<FieldError>, raw: &[u8], bytes: u64) -> Reject {
        let id = errors
            .iter()
            .map(|e| e.record_id.as_str())
            .find(|id| *id != "-")
            .map(str::to_string)
            .or_else(|| sniff_id(raw));
        Reject {
            line,
            id,
            errors: errors
                .into_iter()
                .map(|e| RejectError {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
            raw: crate::error::clip(
                String::from_utf8_lossy(&raw[..raw.len().min(MAX_REJECT_RAW_BYTES)]).into_owned(),
                MAX_REJECT_RAW_BYTES,
            ),
            bytes,
        }
    }
}

/// Reads a `.jsonl` stream like [`read_jsonl_from`], but sets bad lines aside
/// instead of failing: returns the valid records and, in input order, the
/// rejected lines (a duplicate id rejects the later line). Only a failure to
/// read the input is an error.
pub fn read_jsonl_quarantine<R: Record + Send>(
    reader: impl std::io::BufRead,
    file: &str,
) -> Result<(Vec<R>, Vec<Reject>), Error> {
    let mut out = Vec::new();
    let mut rejects = Vec::new();
    read_lines(reader, file, |line| match line {
        Ok(rec) => out.push(rec),
        Err(bad) => rejects.push(Reject::new(bad.line, bad.errors, &bad.raw, bad.bytes)),
    })?;
    Ok((out, rejects))
}

/// A line that did not give a valid record.
struct BadLine {
    line: usize,
    errors: Vec<FieldError>,
    /// The line's first bytes (all of it unless too long).
    raw: Vec<u8>,
    bytes: u64,
}

/// The one JSONL reader: parses lines in parallel chunks and hands each
/// record, or each bad line, to `each` in input order.
fn read_lines<R: Record + Send>(
    mut reader: impl std::io::BufRead,
    file: &str,
    mut each: impl FnMut(Result<R, BadLine>),
) -> Result<(), Error> {
    use rayon::prelude::*;
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut chunk: Vec<(usize, String)> = Vec::new();
    let mut chunk_bytes = 0usize;
    let mut buf: Vec<u8> = Vec::new();
    let mut line_no = 0usize;
    skip_bom(&mut reader).map_err(|e| Error::io(file, e))?;
    let mut flush = |chunk: &mut Vec<(usize, String)>, each: &mut dyn FnMut(Result<R, BadLine>)| {
        let parsed: Vec<Result<R, Vec<FieldError>>> = chunk
            .par_iter()
            .map(|(n, l)| parse_record::<R>(l, file, *n))
            .collect();
        for ((line, text), r) in chunk.drain(..).zip(parsed) {
            let bad = |errors| BadLine {
                line,
                errors,
                bytes: text.len() as u64,
                raw: text.as_bytes()[..text.len().min(MAX_REJECT_RAW_BYTES + 4)].to_vec(),
            };
            match r {
                Ok(rec) => match seen.insert(rec.id().to_string(), line) {
                    Some(first) => {
                        // The first line with the id keeps it.
                        seen.insert(rec.id().to_string(), first);
                        each(Err(bad(vec![FieldError::new(
                            "id",
                            format!("duplicate id, first seen on line {first}"),
                        )
                        .at(file, line, rec.id())])))
                    }
                    None => each(Ok(rec)),
                },
                Err(es) => each(Err(bad(es))),
            }
        }
    };
    loop {
        let line = next_line(&mut reader, &mut buf).map_err(|e| Error::io(file, e))?;
        let Some(line) = line else { break };
        line_no += 1;
        let bad = |e: FieldError, bytes: u64| BadLine {
            line: line_no,
            errors: vec![e],
            raw: buf[..buf.len().min(MAX_REJECT_RAW_BYTES + 4)].to_vec(),
            bytes,
        };
        match line {
            Line::TooLong(len) => each(Err(bad(
                FieldError::new(
                    "-",
                    format!("line is {len} bytes, at most {MAX_LINE_BYTES} (MAX_LINE_BYTES)"),
                )
                .at(file, line_no, sniff_id(&buf).as_deref().unwrap_or("-")),
                len,
            ))),
            Line::Text => match std::str::from_utf8(&buf) {
                Err(e) => each(Err(bad(
                    FieldError::new(
                        "-",
                        format!("not valid UTF-8 (byte {} of the line)", e.valid_up_to() + 1),
                    )
                    .at(
                        file,
                        line_no,
                        sniff_id(&buf).as_deref().unwrap_or("-"),
                    ),
                    buf.len() as u64,
                ))),
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => {
                    chunk_bytes += text.len();
                    chunk.push((line_no, text.to_string()));
                    if chunk.len() >= CHUNK_LINES || chunk_bytes >= CHUNK_BYTES {
                        flush(&mut chunk, &mut each);
                        chunk_bytes = 0;
                    }
                }
            },
        }
    }
    flush(&mut chunk, &mut each);
    Ok(())
}

/// Reads a single JSON record (a vacancy file, pretty-printed or not) with
/// [`read_json_from`].
pub fn read_json<R: Record>(path: &std::path::Path) -> Result<R, Error> {
    let f = open_input(path)?;
    read_json_from(f, &path.display().to_string())
}

/// Parses and validates a single JSON record from `reader`. At most
/// [`MAX_LINE_BYTES`] are read: a larger input is an error, found without
/// reading it whole.
pub fn read_json_from<R: Record>(reader: impl std::io::Read, file: &str) -> Result<R, Error> {
    use std::io::Read;
    let one = |e: FieldError| {
        let mut all = InputErrors::default();
        all.push(e);
        Error::Input(all)
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(file, e))?;
    if bytes.len() > MAX_LINE_BYTES {
        return Err(one(FieldError::new(
            "-",
            format!("record is more than {MAX_LINE_BYTES} bytes (MAX_LINE_BYTES)"),
        )
        .at(file, 0, sniff_id(&bytes).as_deref().unwrap_or("-"))));
    }
    let bytes = bytes.strip_prefix(BOM).unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        one(FieldError::new("-", "not valid UTF-8").at(file, line, "-"))
    })?;
    parse_record::<R>(text.trim(), file, 0).map_err(|es| {
        let mut all = InputErrors::default();
        all.extend(es);
        Error::Input(all)
    })
}
