//! Shared vocabulary of both records: contract types, modes, benefit schemes, targeted
//! lists, supports, CEFR levels, and how an imported occupation was mapped.

use serde::{Deserialize, Serialize};

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
