//! A job vacancy: [`VacancyRecord`], its parts, its roster cap, and its validation.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::error::FieldError;
use crate::geo::Comuni;
use crate::taxonomy::Isco;

use super::validate::*;
use super::*;

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
