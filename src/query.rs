//! A vacancy prepared for matching: everything that depends only on the vacancy
//! and the policy is computed once here (distances from the workplace to every
//! comune, resolved skills, applicable rules; BM25 of the text for the eligible rows once they are known), so that the
//! per-candidate work in [`crate::rules`] and [`crate::score`] is lookups.

use crate::congruity::{self, Congruity};
use crate::date::Date;
use crate::error::{Error, FieldError, InputErrors, Result};
use crate::geo::{ComuneId, Comuni, TravelTime};
use crate::graduatoria::Template;
use crate::index::{Index, SkillFeature};
use crate::model::VacancyRecord;
use crate::policy::Policy;
use crate::rules::Rule;
use crate::taxonomy::Isco;

/// A skill the vacancy asks for, resolved against the index's vocabulary.
#[derive(Debug, Clone)]
pub struct QuerySkill {
    /// Key in the index, `None` when no candidate can have it.
    pub key: Option<u32>,
    /// Similarity of the vacancy's own label to the key (1 for a URI).
    pub similarity: f32,
    /// Relative weight.
    pub weight: f64,
    /// Hard requirement.
    pub required: bool,
    /// Name for explanations: the label as written, or the ESCO label.
    pub name: String,
    /// ESCO skills related to this one (relatedness ≥
    /// [`crate::score::MIN_RELATEDNESS`]), sorted by key: computed once per query
    /// so that partial credit costs a lookup per candidate skill.
    pub related: Related,
    /// Other keys that stand for this skill: free labels of candidates equal (once
    /// normalised, or once inflection is ignored) to the vacancy's own label or to an
    /// ESCO label of its URI, kept as labels because no loaded taxonomy resolved them.
    pub alt_keys: Vec<u32>,
}

impl QuerySkill {
    /// The primary key, then the alternative keys.
    pub fn keys(&self) -> impl Iterator<Item = u32> + '_ {
        self.key.into_iter().chain(self.alt_keys.iter().copied())
    }
}

/// Related ESCO skills with their relatedness, sorted by key.
pub type Related = std::sync::Arc<[(u32, f32)]>;

/// The ESCO skills related to `key` enough for partial credit, sorted by key
/// ([`crate::esco::Taxonomy::related`]). Memoised per skill (a pure function of the
/// process's taxonomy).
fn related_skills(key: Option<u32>, similarity: f32, policy: &Policy) -> Related {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static MEMO: OnceLock<Mutex<HashMap<u32, Related>>> = OnceLock::new();
    let tax = crate::esco::active();
    let n = tax.skills().len() as u32;
    let k = match key {
        Some(k)
            if k < n
                && similarity >= policy.scoring.label_threshold
                && policy.scoring.related_skill_factor > 0.0 =>
        {
            k
        }
        _ => return Arc::from(Vec::new()),
    };
    let memo = MEMO.get_or_init(Default::default);
    if let Some(v) = memo.lock().unwrap_or_else(|e| e.into_inner()).get(&k) {
        return Arc::clone(v);
    }
    let v: Related = tax.related(k, crate::score::MIN_RELATEDNESS).into();
    memo.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(k, Arc::clone(&v));
    v
}

/// A vacancy prepared against an index and a policy.
pub struct Query<'a> {
    /// The vacancy.
    pub vacancy: &'a VacancyRecord,
    /// The policy, with `as_of` resolved.
    pub policy: Policy,
    /// Reference date.
    pub as_of: Date,
    /// Comune of the workplace.
    pub workplace: ComuneId,
    /// Skills asked, in the vacancy's order.
    pub skills: Vec<QuerySkill>,
    /// Rules applied, in the documented order.
    pub rules: Vec<Rule>,
    /// The vacancy's ISCO code packed by [`crate::taxonomy::isco_pack`] (pad
    /// 0xFE: rows are packed with 0xFF).
    pub isco_target: u32,
    km: Vec<f64>,
    text: Vec<(u32, f32)>,
    travel: Option<&'a dyn TravelTime>,
    /// The graduatoria template, in graduatoria modes.
    pub template: Option<Template>,
    /// Task demands and supports, for the compatibility rule.
    pub demands: crate::rules::Demands,
    /// The ESCO occupations the vacancy's ISCO, title, text and skills point to, best
    /// first (empty without occupation profiles).
    pub esco: Vec<crate::esco::Inferred>,
    /// Per ESCO occupation: how close it is to the vacancy's, `max_j strength_j ×
    /// similarity(o, v_j)`, and the vacancy occupation that gave it (empty without
    /// profiles or when none was inferred).
    pub occupation_closeness: Vec<(f32, crate::esco::OccId)>,
}

impl<'a> Query<'a> {
    /// Validates the vacancy (errors name the field) and prepares it.
    pub fn new(index: &Index, vacancy: &'a VacancyRecord, policy: &Policy) -> Result<Query<'a>> {
        let comuni = Comuni::embedded();
        let errs = vacancy.validate(comuni, Isco::embedded());
        if !errs.is_empty() {
            let mut all = InputErrors::default();
            all.extend(
                errs.into_iter()
                    .map(|e: FieldError| e.at("vacancy", 0, &vacancy.id)),
            );
            return Err(Error::Input(all));
        }
        policy.validate()?;
        let policy = policy.resolved();
        let as_of = policy.as_of();
        let workplace = comuni
            .lookup(&vacancy.workplace)
            .expect("validated workplace");
        let km = (0..comuni.len())
            .map(|c| comuni.distance_km(workplace, c as ComuneId))
            .collect();
        let skills: Vec<QuerySkill> = vacancy
            .skills
            .iter()
            .map(|s| {
                let r = index
                    .vocab()
                    .lookup(s.esco.as_deref(), s.label.as_deref(), index.labels());
                let name = match (&s.label, r.key) {
                    (Some(l), _) => l.clone(),
                    (None, Some(k)) => index.vocab().name(k),
                    (None, None) => s.esco.clone().unwrap_or_default(),
                };
                QuerySkill {
                    alt_keys: alt_keys(
                        index,
                        r.key,
                        s.esco.as_deref(),
                        s.label.as_deref(),
                        policy.scoring.label_threshold,
                    ),
                    key: r.key,
                    similarity: r.similarity,
                    weight: s.weight,
                    required: s.required,
                    name,
                    related: related_skills(r.key, r.similarity, &policy),
                }
            })
            .collect();
        let rules = Rule::for_mode(vacancy.mode, policy.only_congruous);
        let template = policy.template(vacancy.mode)?.cloned();
        let (esco, occupation_closeness) = vacancy_occupations(vacancy, &skills);
        Ok(Query {
            esco,
            occupation_closeness,
            vacancy,
            as_of,
            workplace,
            skills,
            rules,
            isco_target: crate::taxonomy::isco_pack(&vacancy.isco, 0xFE),
            km,
            text: Vec::new(),
            policy,
            travel: None,
            template,
            demands: crate::rules::Demands::of(vacancy),
        })
    }

    /// Uses `travel`, when given, instead of the policy's distance model for
    /// travel times.
    pub fn with_travel_time(mut self, travel: Option<&'a dyn TravelTime>) -> Self {
        self.travel = travel;
        self
    }

    /// Congruity of the vacancy for a row (`None` without a benefit).
    pub fn congruity(&self, index: &Index, row: u32) -> Option<Congruity> {
        let travel: &dyn TravelTime = self.travel.unwrap_or(&self.policy.travel);
        let km = self.km(index.features(row).comune);
        congruity::evaluate(
            &self.policy.regimes,
            index.record(row),
            self.vacancy,
            km,
            travel,
            self.as_of,
        )
    }

    /// Kilometres from the workplace to every comune, by [`ComuneId`].
    pub fn km_table(&self) -> &[f64] {
        &self.km
    }

    /// Kilometres from the workplace to a comune.
    pub fn km(&self, comune: ComuneId) -> f64 {
        self.km[comune as usize]
    }

    /// The candidate's feature matching a vacancy skill, if both ties reach the
    /// policy's label threshold.
    pub fn skill_match<'f>(
        &self,
        s: &QuerySkill,
        feats: &'f [SkillFeature],
    ) -> Option<&'f SkillFeature> {
        let t = self.policy.scoring.label_threshold;
        let found = |key: u32| {
            let i = feats.binary_search_by_key(&key, |f| f.key).ok()?;
            let f = &feats[i];
            (f.similarity >= t).then_some(f)
        };
        let primary = s.key.filter(|_| s.similarity >= t).and_then(found);
        primary.or_else(|| s.alt_keys.iter().find_map(|&k| found(k)))
    }

    /// Computes the BM25 of the vacancy's title and text for `rows` (the
    /// eligible, and whoever is explained): only these rows are scored, so the
    /// cost follows the eligible set, not the number of CVs sharing a word.
    /// Until called, [`Query::bm25`] is 0 for every row.
    pub fn load_text(&mut self, index: &Index, rows: &[u32]) -> Result<()> {
        let text = format!("{} {}", self.vacancy.title, self.vacancy.text);
        self.text = index.text().scores_for(&text, rows)?;
        Ok(())
    }

    /// [`Query::bm25`] of each of `rows`: for ascending rows in one walk of the
    /// loaded scores instead of a search per row.
    pub fn bm25_column(&self, rows: &[u32]) -> Vec<f32> {
        if !rows.is_sorted() {
            return rows.iter().map(|&r| self.bm25(r)).collect();
        }
        let mut text = self.text.iter().peekable();
        rows.iter()
            .map(|&row| {
                while text.next_if(|&&(r, _)| r < row).is_some() {}
                match text.peek() {
                    Some(&&(r, s)) if r == row => s,
                    _ => 0.0,
                }
            })
            .collect()
    }

    /// Raw BM25 of a row's CV against the vacancy text (0 when no term matches
    /// or the row was not loaded by [`Query::load_text`]).
    pub fn bm25(&self, row: u32) -> f32 {
        match self.text.binary_search_by_key(&row, |(r, _)| *r) {
            Ok(i) => self.text[i].1,
            Err(_) => 0.0,
        }
    }
}

/// Keys of candidates' unresolved free labels that name the same concept as a vacancy
/// skill: its own label, or an ESCO label of its URI, after normalisation (exact, then
/// with inflection ignored). Sorted; never the primary key.
fn alt_keys(
    index: &Index,
    key: Option<u32>,
    esco: Option<&str>,
    label: Option<&str>,
    threshold: f32,
) -> Vec<u32> {
    let tax = crate::esco::active().skills();
    let mut names: Vec<&str> = label.into_iter().collect();
    // The vacancy's own label tied to ESCO, when its URI is not the key (unknown URI).
    let by_label = label
        .and_then(|l| index.labels().get(l))
        .filter(|&(_, sim)| sim >= threshold)
        .map(|(id, _)| id);
    if let Some(id) = esco.and_then(|u| tax.by_uri(u)) {
        let skill = tax.get(id);
        names.push(&skill.label);
        names.extend(skill.aliases.iter().map(String::as_str));
    }
    let mut keys: Vec<u32> = names
        .into_iter()
        .flat_map(|n| index.vocab().label_keys(n))
        .chain(by_label)
        .filter(|&k| Some(k) != key)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The vacancy's ESCO occupations and every occupation's closeness to them.
fn vacancy_occupations(
    vacancy: &VacancyRecord,
    skills: &[QuerySkill],
) -> (Vec<crate::esco::Inferred>, Vec<(f32, crate::esco::OccId)>) {
    let tax = crate::esco::active();
    if !tax.has_profiles() {
        return (Vec::new(), Vec::new());
    }
    let n = tax.skills().len() as u32;
    let ev = crate::esco::Evidence {
        skills: skills
            .iter()
            .filter_map(|s| s.key.filter(|&k| k < n).map(|k| (k, s.similarity)))
            .collect(),
        isco: vec![vacancy.isco.as_str()],
        desired_isco: Vec::new(),
        texts: vec![vacancy.title.as_str(), vacancy.text.as_str()],
    };
    let inferred = tax.profiles().infer(&ev);
    if inferred.is_empty() {
        return (inferred, Vec::new());
    }
    let sims: Vec<std::sync::Arc<[f32]>> =
        inferred.iter().map(|v| similarities_to(v.occ)).collect();
    let closeness = (0..tax.occupations.len())
        .map(|o| {
            inferred
                .iter()
                .zip(&sims)
                .map(|(v, sim)| (v.strength * sim[o], v.occ))
                .fold((0.0f32, inferred[0].occ), |best, x| {
                    if x.0 > best.0 {
                        x
                    } else {
                        best
                    }
                })
        })
        .collect();
    (inferred, closeness)
}

/// Every ESCO occupation's similarity to `v` (`Profiles::similarity(o, v)`, by
/// occupation id): 3,007 cosines that every vacancy inferred as `v` would otherwise
/// compute again. Memoised per occupation (a pure function of the process's
/// taxonomy, like [`related_skills`]).
fn similarities_to(v: crate::esco::OccId) -> std::sync::Arc<[f32]> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static MEMO: OnceLock<Mutex<HashMap<crate::esco::OccId, Arc<[f32]>>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    if let Some(s) = memo.lock().unwrap_or_else(|e| e.into_inner()).get(&v) {
        return Arc::clone(s);
    }
    let tax = crate::esco::active();
    let p = tax.profiles();
    let s: Arc<[f32]> = (0..tax.occupations.len())
        .map(|o| p.similarity(o as crate::esco::OccId, v))
        .collect();
    memo.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(v, Arc::clone(&s));
    s
}
