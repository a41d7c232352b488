//! The policy: every tunable number of the engine in one TOML file with built-in
//! defaults, and its fingerprint (sha256 of the canonical form) recorded in every
//! roster so that a roster can be traced to the exact rules that produced it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::congruity::Regime;
use crate::date::Date;
use crate::digest::hex;
use crate::error::{Error, Result};
use crate::geo::DistanceModel;
use crate::graduatoria::Template;
use crate::model::Mode;
use crate::number::number;

/// Largest policy file, in bytes.
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;
/// Longest policy parse error kept, in bytes (the parser quotes the bad line).
pub const MAX_POLICY_ERROR_BYTES: usize = 1000;

/// Weights of the score criteria. They must sum to 1.
///
/// Defaults, chosen by measurement (`rosa eval --esco ...`, the ESCO-profile evaluation
/// of [`crate::eval::profiles`], tuned on seed 7 and checked on seed 42; README
/// "Ranking quality"): fit decides the order.
/// - `skills` 0.40: the competences asked are what the employer's request is about
///   (Brescia and Como charters match on competences first);
/// - `occupation` 0.40: the person's occupation, inferred from all their skills,
///   experiences and CV titles, against the vacancy's: it separates the vacancy's own
///   occupation from neighbours that share some of the skills asked;
/// - `education`, `languages`, `distance`, `text` 0.05 each: secondary evidence that
///   breaks near-ties. With 0.10 each (the earlier defaults) they held 0.40 of the
///   score and decided much of the top 15; `text` stays low because free text is the
///   least controlled field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Weighted coverage of the vacancy's skills.
    pub skills: f64,
    /// ISCO proximity of experiences and desired professions.
    pub occupation: f64,
    /// Education against the vacancy's minimum EQF.
    pub education: f64,
    /// Languages against the vacancy's levels.
    pub languages: f64,
    /// Distance, decaying to 0 at the person's limit.
    pub distance: f64,
    /// BM25 of the vacancy text against the CV text.
    pub text: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            skills: 0.40,
            occupation: 0.40,
            education: 0.05,
            languages: 0.05,
            distance: 0.05,
            text: 0.05,
        }
    }
}

impl Weights {
    /// The weights as `(criterion name, weight)` in the order criteria are reported.
    pub fn named(&self) -> [(&'static str, f64); 6] {
        [
            ("skills", self.skills),
            ("occupation", self.occupation),
            ("education", self.education),
            ("languages", self.languages),
            ("distance", self.distance),
            ("text", self.text),
        ]
    }
}

/// Finer knobs of the criteria.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scoring {
    /// A self-declared skill counts this fraction of a certified one (Brescia: lists
    /// favour competences certified by the service).
    pub self_declared_factor: f64,
    /// Months of experience at which the experience part of `occupation` is full.
    pub experience_full_months: u32,
    /// Below this similarity a free skill label is not matched to an ESCO skill.
    pub label_threshold: f32,
    /// A missing skill earns this fraction of its weight, times the relatedness,
    /// from the person's most related ESCO skill (label-word overlap ≥
    /// [`crate::score::MIN_RELATEDNESS`]); 0 turns partial credit off.
    pub related_skill_factor: f64,
    /// Share of the `occupation` criterion given to the ESCO occupations inferred for
    /// the person and the vacancy (when the ESCO download's profiles are loaded); the
    /// rest is ISCO proximity with months of experience.
    pub esco_occupation_share: f64,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            self_declared_factor: 0.8,
            experience_full_months: 36,
            label_threshold: 0.85,
            related_skill_factor: 0.5,
            esco_occupation_share: 0.85,
        }
    }
}

/// The engine's policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Reference date of every date rule; `None` = today (resolved when the policy is used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
    /// Availability is stale when last confirmed more than this many days before `as_of`.
    pub freshness_days: u32,
    /// Make congruity a filter instead of information.
    pub only_congruous: bool,
    /// Criterion weights.
    pub weights: Weights,
    /// Criterion knobs.
    pub scoring: Scoring,
    /// Travel-time model for the congruity distance criterion.
    pub travel: DistanceModel,
    /// Congruity regimes (art. 25 D.Lgs 150/2015), first match by benefit scheme.
    pub regimes: Vec<Regime>,
    /// Graduatoria templates available to the graduatoria modes.
    pub templates: Vec<Template>,
    /// Which template each graduatoria mode uses.
    pub graduatoria: GraduatoriaChoice,
    /// The taxonomy to load (`[taxonomy] esco = [...]`), as `--esco` does.
    #[serde(skip_serializing_if = "TaxonomyConfig::is_default")]
    pub taxonomy: TaxonomyConfig,
}

/// `[taxonomy]`: the ESCO download to read instead of the embedded skills.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TaxonomyConfig {
    /// Paths of the ESCO CSV download: zips as published, folders or CSV files.
    pub esco: Vec<std::path::PathBuf>,
}

impl TaxonomyConfig {
    fn is_default(&self) -> bool {
        self.esco.is_empty()
    }
}

/// Which template each graduatoria mode uses (by name, from `templates`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraduatoriaChoice {
    /// Template of `targeted_numeric` (default `dpr246_l68`).
    pub targeted_numeric: String,
    /// Template of `public_selection` (default `er_art16`).
    pub public_selection: String,
}

impl Default for GraduatoriaChoice {
    fn default() -> Self {
        GraduatoriaChoice {
            targeted_numeric: "dpr246_l68".into(),
            public_selection: "er_art16".into(),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            as_of: None,
            freshness_days: 180,
            only_congruous: false,
            weights: Weights::default(),
            scoring: Scoring::default(),
            travel: DistanceModel::default(),
            regimes: vec![Regime::dm2018(), Regime::adi2023()],
            templates: vec![
                Template::dpr246_l68(),
                Template::er_l68_notice(),
                Template::er_art16(),
            ],
            graduatoria: GraduatoriaChoice::default(),
            taxonomy: TaxonomyConfig::default(),
        }
    }
}

impl Policy {
    /// Parses a TOML policy; fields not given keep their defaults; unknown fields are errors.
    ///
    /// ```
    /// let p = rosa::Policy::from_toml("freshness_days = 90\n[weights]\nskills = 0.45\ntext = 0.0\n").unwrap();
    /// assert_eq!(p.freshness_days, 90);
    /// assert!(rosa::Policy::from_toml("freshnes_days = 90").is_err());
    /// ```
    pub fn from_toml(text: &str) -> Result<Policy> {
        // toml quotes the offending line: clip it, so a huge line cannot bury the error.
        let p: Policy = toml::from_str(text).map_err(|e| {
            let m = e.to_string().trim_end().replace('\n', " ");
            Error::Policy(crate::error::clip(m, MAX_POLICY_ERROR_BYTES))
        })?;
        p.validate()?;
        Ok(p)
    }

    /// Reads a TOML policy file of at most [`MAX_POLICY_BYTES`] (a larger one is
    /// an error, found without reading it whole).
    pub fn from_file(path: &std::path::Path) -> Result<Policy> {
        use std::io::Read;
        let f = crate::model::open_input(path).map_err(|e| match e {
            Error::Input(errors) => Error::Policy(errors.to_string()),
            other => other,
        })?;
        let mut bytes = Vec::new();
        f.take(MAX_POLICY_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        if bytes.len() > MAX_POLICY_BYTES {
            return Err(Error::Policy(format!(
                "{}: more than {MAX_POLICY_BYTES} bytes (MAX_POLICY_BYTES)",
                path.display()
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::Policy(format!(
                "{}: not valid UTF-8 (byte {})",
                path.display(),
                e.utf8_error().valid_up_to() + 1
            ))
        })?;
        // A byte-order mark (office tools, Windows) is not part of the TOML.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        Policy::from_toml(text).map_err(|e| match e {
            Error::Policy(m) => Error::Policy(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Checks ranges: weights in [0,1] summing to 1 (±1e-6), sane knobs.
    pub fn validate(&self) -> Result<()> {
        let mut sum = 0.0;
        for (name, w) in self.weights.named() {
            if !w.is_finite() || !(0.0..=1.0).contains(&w) {
                return Err(Error::Policy(format!(
                    "weights.{name}: must be in [0, 1], got {w}"
                )));
            }
            sum += w;
        }
        if (sum - 1.0).abs() > 1e-6 {
            return Err(Error::Policy(format!("weights: must sum to 1, got {sum}")));
        }
        let e = self.scoring.esco_occupation_share;
        if !(0.0..=1.0).contains(&e) {
            return Err(Error::Policy(format!(
                "scoring.esco_occupation_share: must be in [0, 1], got {e}"
            )));
        }
        let r = self.scoring.related_skill_factor;
        if !(0.0..=1.0).contains(&r) {
            return Err(Error::Policy(format!(
                "scoring.related_skill_factor: must be in [0, 1], got {r}"
            )));
        }
        if self.freshness_days == 0 || self.freshness_days > 3650 {
            return Err(Error::Policy(format!(
                "freshness_days: must be 1..=3650, got {}",
                self.freshness_days
            )));
        }
        let f = self.scoring.self_declared_factor;
        if !(0.0..=1.0).contains(&f) {
            return Err(Error::Policy(format!(
                "scoring.self_declared_factor: must be in [0, 1], got {f}"
            )));
        }
        if self.scoring.experience_full_months == 0 {
            return Err(Error::Policy(
                "scoring.experience_full_months: must be at least 1".into(),
            ));
        }
        let t = self.scoring.label_threshold;
        if !(0.5..=1.0).contains(&t) {
            return Err(Error::Policy(format!(
                "scoring.label_threshold: must be in [0.5, 1], got {t}"
            )));
        }
        let m = &self.travel;
        number("travel.road_factor", m.road_factor, 1.0, 10.0).map_err(Error::Policy)?;
        number("travel.speed_kmh", m.speed_kmh, 0.1, 300.0).map_err(Error::Policy)?;
        number("travel.access_min", m.access_min, 0.0, 600.0).map_err(Error::Policy)?;
        for r in &self.regimes {
            r.validate().map_err(Error::Policy)?;
        }
        for t in &self.templates {
            t.validate().map_err(Error::Policy)?;
        }
        for mode in [Mode::TargetedNumeric, Mode::PublicSelection] {
            self.template(mode)?;
        }
        Ok(())
    }

    /// The graduatoria template of a mode (`None` for the scored modes).
    pub fn template(&self, mode: Mode) -> Result<Option<&Template>> {
        let name = match mode {
            Mode::TargetedNumeric => &self.graduatoria.targeted_numeric,
            Mode::PublicSelection => &self.graduatoria.public_selection,
            _ => return Ok(None),
        };
        self.templates
            .iter()
            .find(|t| &t.name == name)
            .map(Some)
            .ok_or_else(|| {
                Error::Policy(format!(
                    "graduatoria.{}: no template named {name:?}",
                    mode.as_str()
                ))
            })
    }

    /// The reference date: `as_of`, or today.
    pub fn as_of(&self) -> Date {
        self.as_of.unwrap_or_else(Date::today)
    }

    /// This policy with `as_of` fixed (today if unset), as used by a query.
    pub fn resolved(&self) -> Policy {
        Policy {
            as_of: Some(self.as_of()),
            ..self.clone()
        }
    }

    /// `sha256:<hex>` of the canonical JSON form of the resolved policy. Two
    /// policies with the same fingerprint give the same rosters on the same index.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::to_vec(&self.resolved()).expect("policy serialises");
        format!("sha256:{}", hex(&Sha256::digest(&canonical)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_weights_sum_to_one() {
        Policy::default().validate().unwrap();
    }

    #[test]
    fn rejects_weights_not_summing_to_one() {
        let err = Policy::from_toml("[weights]\nskills = 0.5\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("must sum to 1"), "{err}");
    }

    #[test]
    fn rejects_unknown_fields() {
        let err = Policy::from_toml("[weights]\nskils = 0.35\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("skils"), "{err}");
    }

    #[test]
    fn fingerprint_depends_on_every_value_and_on_as_of() {
        let a = Policy {
            as_of: Date::parse("2026-11-01"),
            ..Policy::default()
        };
        let b = Policy {
            freshness_days: 179,
            ..a.clone()
        };
        let c = Policy {
            as_of: Date::parse("2026-11-02"),
            ..a.clone()
        };
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert!(a.fingerprint().starts_with("sha256:") && a.fingerprint().len() == 7 + 64);
    }

    /// Every number of a policy, from TOML, set to nan, inf and -inf (and
    /// out-of-range finite values) is refused with its field named (issue 15).
    #[test]
    fn non_finite_and_out_of_range_numbers_are_refused_with_the_field() {
        let regime = |band: &str, extra: &str| {
            format!(
                "[[regimes]]\nname = \"r\"\nschemes = [\"naspi\"]\n{extra}\n\
                 [[regimes.bands]]\nfrom_months = 0\ncoherence = \"any\"\n{band}\n"
            )
        };
        let template = |body: &str| {
            format!(
                "[graduatoria]\ntargeted_numeric = \"t\"\npublic_selection = \"t\"\n\
                 [[templates]]\nname = \"t\"\ndirection = \"higher_wins\"\n{body}"
            )
        };
        let linear = |rule: &str| {
            template(&format!(
                "base = 0\n[[templates.terms]]\nname = \"x\"\ninput = \"isee_eur\"\n\
                 [templates.terms.rule]\nkind = \"linear\"\n{rule}\n"
            ))
        };
        let bands = |from: &str, points: &str| {
            template(&format!(
                "base = 0\n[[templates.terms]]\nname = \"x\"\ninput = \"age_years\"\n\
                 [templates.terms.rule]\nkind = \"bands\"\n\
                 bands = [{{ from = 10, points = 1 }}, {{ from = {from}, points = {points} }}]\n"
            ))
        };
        for bad in ["nan", "inf", "-inf"] {
            let cases: Vec<(String, &str)> = vec![
                (format!("[weights]\nskills = {bad}\n"), "weights.skills"),
                (
                    format!("[scoring]\nself_declared_factor = {bad}\n"),
                    "scoring.self_declared_factor",
                ),
                (
                    format!("[scoring]\nrelated_skill_factor = {bad}\n"),
                    "scoring.related_skill_factor",
                ),
                (
                    format!("[scoring]\nlabel_threshold = {bad}\n"),
                    "scoring.label_threshold",
                ),
                (
                    format!("[travel]\nroad_factor = {bad}\n"),
                    "travel.road_factor",
                ),
                (format!("[travel]\nspeed_kmh = {bad}\n"), "travel.speed_kmh"),
                (
                    format!("[travel]\naccess_min = {bad}\n"),
                    "travel.access_min",
                ),
                (
                    regime(&format!("max_km = {bad}\nmax_minutes = 1"), ""),
                    "bands[0].max_km",
                ),
                (
                    regime(&format!("max_km = 1\nmax_minutes = {bad}"), ""),
                    "bands[0].max_minutes",
                ),
                (
                    regime(
                        "max_km = 1\nmax_minutes = 1",
                        &format!("min_share_of_last_hours = {bad}"),
                    ),
                    "min_share_of_last_hours",
                ),
                (
                    regime(
                        "max_km = 1\nmax_minutes = 1",
                        &format!("min_share_of_full_time = {bad}"),
                    ),
                    "min_share_of_full_time",
                ),
                (
                    regime(
                        "max_km = 1\nmax_minutes = 1",
                        &format!("min_benefit_ratio = {bad}"),
                    ),
                    "min_benefit_ratio",
                ),
                (
                    regime(
                        "max_km = 1\nmax_minutes = 1",
                        &format!("full_time_hours = {bad}"),
                    ),
                    "full_time_hours",
                ),
                (
                    template(&format!("base = {bad}\nterms = []\n")),
                    "template t: base",
                ),
                (
                    linear(&format!("per = {bad}\npoints = 1")),
                    "term x: rule.per",
                ),
                (
                    linear(&format!("per = 1\npoints = {bad}")),
                    "term x: rule.points",
                ),
                (
                    linear(&format!("per = 1\npoints = 1\noffset = {bad}")),
                    "term x: rule.offset",
                ),
                (
                    linear(&format!("per = 1\npoints = 1\nabove = {bad}")),
                    "term x: rule.above",
                ),
                (
                    linear(&format!("per = 1\npoints = 1\nmin = {bad}")),
                    "term x: rule.min",
                ),
                (
                    linear(&format!("per = 1\npoints = 1\nmax = {bad}")),
                    "term x: rule.max",
                ),
                (bands(bad, "2"), "term x: rule.bands[1].from"),
                (bands("20", bad), "term x: rule.bands[1].points"),
            ];
            for (text, field) in cases {
                let err = Policy::from_toml(&text)
                    .expect_err(&format!("{bad} accepted in {field}:\n{text}"))
                    .to_string();
                assert!(err.contains(field), "{bad} in {field}: {err}");
                // The number is named as given (label_threshold is an f32 and the
                // weights say "must be in [0, 1]").
                assert!(
                    err.contains(&format!("got {}", bad.replace("nan", "NaN"))),
                    "{bad} in {field}: {err}"
                );
            }
        }
        // A subnormal step and a step below the documented minimum.
        for per in ["1e-320", "0.0001", "0", "-1", "1e300"] {
            let err = Policy::from_toml(&linear(&format!("per = {per}\npoints = 1")))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("rule.per: must be a finite number in [0.001, 10000000]"),
                "{per}: {err}"
            );
        }
        let err = Policy::from_toml(&linear("per = 1\npoints = 1\nmin = 5\nmax = 1"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("rule.min: 5 is above rule.max 1"), "{err}");
        // The same policies in range are accepted (the cases above fail for their number).
        Policy::from_toml(&linear("per = 0.001\npoints = 1\nmin = -5\nmax = 5")).unwrap();
        Policy::from_toml(&bands("20", "2")).unwrap();
        Policy::from_toml(&regime(
            "max_km = 2000\nmax_minutes = 1440",
            "min_benefit_ratio = 1.2",
        ))
        .unwrap();
    }

    /// A policy's fingerprint is the hash of its exact numbers: every accepted
    /// policy serialises without a `null` number, and changing one number by
    /// the least representable amount changes the fingerprint.
    #[test]
    fn fingerprint_separates_nearby_numbers() {
        let a = Policy {
            as_of: Date::parse("2026-11-01"),
            ..Policy::default()
        };
        let mut b = a.clone();
        b.templates[0].base = f64::from_bits(b.templates[0].base.to_bits() + 1);
        b.validate().unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
        let json = serde_json::to_string(&b.resolved()).unwrap();
        assert!(!json.contains("null"), "{json}");
        let back: Policy = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b.resolved());
    }

    #[test]
    fn a_huge_bad_policy_line_is_clipped_in_the_error() {
        let text = format!("freshness_days = \"{}\"\n", "x".repeat(3 << 20));
        let err = Policy::from_toml(&text).unwrap_err().to_string();
        assert!(
            err.len() <= MAX_POLICY_ERROR_BYTES + 20,
            "{} bytes",
            err.len()
        );
        assert!(
            err.contains("freshness_days"),
            "{}",
            &err[..200.min(err.len())]
        );
    }

    #[test]
    fn duplicate_toml_keys_are_refused() {
        let err = Policy::from_toml("freshness_days = 90\nfreshness_days = 91\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("freshness_days"), "{err}");
    }

    #[test]
    fn toml_round_trip_keeps_the_fingerprint() {
        let a = Policy {
            as_of: Date::parse("2026-11-01"),
            ..Policy::default()
        };
        let text = toml::to_string(&a).unwrap();
        assert_eq!(
            Policy::from_toml(&text).unwrap().fingerprint(),
            a.fingerprint()
        );
    }
}
