//! A person registered with a CPI (*SAP*): [`CandidateRecord`], its parts, and its
//! validation.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::error::FieldError;
use crate::geo::Comuni;
use crate::taxonomy::Isco;

use super::validate::*;
use super::*;

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
