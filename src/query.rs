//! A vacancy prepared for matching: everything that depends only on the vacancy
//! and the policy is computed once here (distances from the workplace to every
//! comune, resolved skills, applicable rules; BM25 of the text for the eligible rows once they are known), so that the
//! per-candidate work in [`crate::rules`] and [`crate::score`] is lookups.

use roaring::RoaringBitmap;

use crate::congruity::{self, Congruity};
use crate::date::Date;
use crate::error::{Error, FieldError, InputErrors, Result};
use crate::filters::Filters;
use crate::geo::{ComuneId, Comuni, TravelTime};
use crate::graduatoria::Template;
use crate::index::{Index, SkillFeature};
use crate::law::{Rule, FULL_TIME_HOURS};
use crate::model::{TargetedList, VacancyRecord};
use crate::policy::Policy;
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
    /// [`MIN_RELATEDNESS`]), sorted by key: computed once per query
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

/// Least label-word relatedness ([`crate::taxonomy::SkillTaxonomy::related`]) at
/// which a person's skill earns partial credit for a missing one.
pub const MIN_RELATEDNESS: f32 = 0.5;

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
    let v: Related = tax.related(k, MIN_RELATEDNESS).into();
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
    pub demands: crate::law::Demands,
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
            demands: crate::law::Demands::of(vacancy),
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
        self.text = index.text().scores_for(&self.words(), rows)?;
        Ok(())
    }

    /// The best BM25 among `rows` (ascending), [`crate::text::TextIndex::max_among`]:
    /// what [`Query::load_text`] of them all would find, without loading them.
    pub fn best_bm25(&self, index: &Index, rows: &[u32]) -> Result<f32> {
        index.text().max_among(&self.words(), rows)
    }

    /// The text the CVs are scored against: the vacancy's title and text.
    fn words(&self) -> String {
        format!("{} {}", self.vacancy.title, self.vacancy.text)
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

/// A hard rule of a query as a bitmap over the index's [`Filters`]: which
/// bitmaps a rule reads, evaluated here in the search, so that the store only
/// offers its bitmaps by key.
pub trait RuleBitmaps {
    /// Whether [`RuleBitmaps::rule_bitmap`] has a bitmap for `rule`.
    fn has_bitmap(rule: Rule) -> bool;

    /// The bitmap of a rule for a query, and whether it is exact (`false`: a
    /// superset, to be followed by the per-row check). `None` for rules that are
    /// only checked per row (dates, distance, compatibility, education).
    fn rule_bitmap(&self, rule: Rule, q: &Query, index: &Index) -> Option<(RoaringBitmap, bool)>;
}

impl RuleBitmaps for Filters {
    fn has_bitmap(rule: Rule) -> bool {
        !matches!(
            rule,
            Rule::Compatibility | Rule::Education | Rule::Congruity
        )
    }

    fn rule_bitmap(&self, rule: Rule, q: &Query, index: &Index) -> Option<(RoaringBitmap, bool)> {
        let v = q.vacancy;
        match rule {
            Rule::Available => Some((
                index
                    .dates(q.as_of, q.policy.freshness_days)
                    .available
                    .clone(),
                true,
            )),
            Rule::Stale => Some((
                index.dates(q.as_of, q.policy.freshness_days).fresh.clone(),
                true,
            )),
            Rule::Distance => Some((self.within_reach(q.km_table()), true)),
            Rule::Contract => Some((self.contract(v.contract.kind).clone(), true)),
            Rule::WorkingTime => Some((
                if v.contract.hours_per_week >= FULL_TIME_HOURS {
                    self.full_time().clone()
                } else {
                    self.part_time().clone()
                },
                true,
            )),
            Rule::Shifts => Some((
                if v.contract.shifts {
                    self.shifts().clone()
                } else {
                    self.all().clone()
                },
                true,
            )),
            Rule::Nights => Some((
                if v.contract.nights {
                    self.nights().clone()
                } else {
                    self.all().clone()
                },
                true,
            )),
            Rule::Licence => {
                let mut bm = self.all().clone();
                for l in v.licences.iter().filter(|l| l.required) {
                    bm &= self.licence(&l.code);
                }
                Some((bm, true))
            }
            Rule::Language => {
                let mut bm = self.all().clone();
                for l in v.languages.iter().filter(|l| l.required) {
                    bm &= self.language(&l.code, l.cefr.rank());
                }
                Some((bm, true))
            }
            Rule::Skills => {
                let mut bm = self.all().clone();
                for s in q.skills.iter().filter(|s| s.required) {
                    if s.key.is_none() && s.alt_keys.is_empty() {
                        return Some((RoaringBitmap::new(), true));
                    }
                    bm &= self.skill_any(s.keys());
                }
                // Similarity thresholds are the policy's: check per row.
                Some((bm, false))
            }
            Rule::TargetedList => Some((
                match v.targeted_list {
                    Some(TargetedList::Art1) => self.targeted(TargetedList::Art1).clone(),
                    Some(TargetedList::Art18) => self.targeted(TargetedList::Art18).clone(),
                    None => RoaringBitmap::new(),
                },
                true,
            )),
            Rule::Compatibility | Rule::Education | Rule::Congruity => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        read_json_from, read_jsonl_from, Benefit, BenefitScheme, CandidateRecord, Mode,
        TargetedList, VacancySkill,
    };

    const TIG: &str = "http://data.europa.eu/esco/skill/a51adea8-bf02-488a-a0d8-b0961caca5b0";

    /// The fixture people, the first with a NASpI.
    fn index() -> Index {
        let mut people: Vec<CandidateRecord> = read_jsonl_from(
            include_str!("../tests/fixtures/candidates.jsonl").as_bytes(),
            "fixture",
        )
        .unwrap();
        people[0].benefit = Some(Benefit {
            scheme: BenefitScheme::Naspi,
            monthly_eur: 900.0,
            last_contract_hours: Some(40.0),
        });
        people[1].benefit = None;
        Index::build(None, people, Vec::new(), None).unwrap()
    }

    fn vacancy() -> VacancyRecord {
        read_json_from(
            include_str!("../tests/fixtures/vacancy.json").as_bytes(),
            "fixture",
        )
        .unwrap()
    }

    fn policy() -> Policy {
        Policy {
            as_of: Date::parse("2026-11-01"),
            ..Policy::default()
        }
    }

    #[test]
    fn an_invalid_vacancy_is_refused_naming_the_record_and_field() {
        let idx = index();
        let mut v = vacancy();
        v.roster_size = 0;
        let err = Query::new(&idx, &v, &policy()).err().expect("refused");
        let Error::Input(errs) = &err else {
            panic!("not an input error: {err}");
        };
        let text = err.to_string();
        assert!(
            text.contains("V001") && text.contains("roster_size"),
            "{text}"
        );
        assert!(!format!("{errs:?}").is_empty());
        let mut v = vacancy();
        v.mode = Mode::TargetedNumeric; // without its list
        let err = Query::new(&idx, &v, &policy()).err().expect("refused");
        assert!(err.to_string().contains("targeted_list"), "{err}");
    }

    #[test]
    fn an_invalid_policy_or_a_missing_template_is_refused() {
        let idx = index();
        let v = vacancy();
        let mut p = policy();
        p.freshness_days = 0;
        assert!(matches!(Query::new(&idx, &v, &p), Err(Error::Policy(_))));
        let mut p = policy();
        p.graduatoria.public_selection = "nope".into();
        // The policy is checked whole: refused whatever the vacancy's mode.
        for mode in [Mode::Preselection, Mode::PublicSelection] {
            let mut g = vacancy();
            g.mode = mode;
            let err = Query::new(&idx, &g, &p).err().expect("refused");
            assert!(matches!(err, Error::Policy(_)), "{err}");
            assert!(err.to_string().contains("nope"), "{err}");
        }
    }

    #[test]
    fn rules_and_template_follow_the_mode_and_only_congruous() {
        let idx = index();
        let mut p = policy();
        let mut v = vacancy();
        let q = Query::new(&idx, &v, &p).unwrap();
        assert!(q.template.is_none());
        assert!(!q.rules.contains(&Rule::TargetedList) && !q.rules.contains(&Rule::Compatibility));
        assert!(!q.rules.contains(&Rule::Congruity));
        assert_eq!(q.rules[0], Rule::Available);
        p.only_congruous = true;
        let q = Query::new(&idx, &v, &p).unwrap();
        assert_eq!(q.rules.last(), Some(&Rule::Congruity));
        v.mode = Mode::TargetedNominative;
        v.targeted_list = Some(TargetedList::Art1);
        let q = Query::new(&idx, &v, &p).unwrap();
        assert!(q.rules.contains(&Rule::TargetedList) && q.rules.contains(&Rule::Compatibility));
        assert!(q.template.is_none());
        v.mode = Mode::TargetedNumeric;
        let q = Query::new(&idx, &v, &p).unwrap();
        assert_eq!(q.template.as_ref().unwrap().name, "dpr246_l68");
        v.mode = Mode::PublicSelection;
        v.targeted_list = None;
        let q = Query::new(&idx, &v, &p).unwrap();
        assert_eq!(q.template.as_ref().unwrap().name, "er_art16");
        assert_eq!(q.rules, [Rule::Available, Rule::Stale]);
        // Rules keep the documented order.
        let order = |r: &Rule| Rule::ALL.iter().position(|x| x == r).unwrap();
        assert!(q.rules.windows(2).all(|w| order(&w[0]) < order(&w[1])));
    }

    #[test]
    fn distances_are_from_the_workplace_to_every_comune() {
        let idx = index();
        let v = vacancy();
        let p = policy();
        let q = Query::new(&idx, &v, &p).unwrap();
        let comuni = Comuni::embedded();
        assert_eq!(q.km_table().len(), comuni.len());
        assert_eq!(q.workplace, comuni.lookup("015146").unwrap());
        assert_eq!(q.km(q.workplace), 0.0);
        let rome = comuni.lookup("058091").unwrap();
        assert_eq!(q.km(rome), comuni.distance_km(q.workplace, rome));
        assert!((400.0..600.0).contains(&q.km(rome)), "{}", q.km(rome));
        assert_eq!(q.as_of, Date::parse("2026-11-01").unwrap());
    }

    #[test]
    fn skills_resolve_against_the_vocabulary() {
        let idx = index();
        let mut v = vacancy();
        v.skills.push(VacancySkill {
            esco: Some("http://example.org/skill/none".into()),
            label: None,
            required: false,
            weight: 1.0,
        });
        v.skills.push(VacancySkill {
            esco: None,
            label: Some("saldatura TIG".into()),
            required: false,
            weight: 0.5,
        });
        let p = policy();
        let q = Query::new(&idx, &v, &p).unwrap();
        assert_eq!(q.skills.len(), 4);
        let tig = &q.skills[0];
        assert_eq!((tig.similarity, tig.required, tig.weight), (1.0, true, 2.0));
        assert_eq!(tig.name, "saldatura TIG", "the label as written");
        let key = tig.key.expect("an ESCO skill");
        assert_eq!(
            key,
            idx.vocab()
                .lookup(Some(TIG), None, idx.labels())
                .key
                .unwrap()
        );
        let unknown = &q.skills[2];
        assert_eq!(unknown.key, None);
        assert_eq!(unknown.name, "http://example.org/skill/none");
        let by_label = &q.skills[3];
        assert_eq!(
            by_label.key,
            Some(key),
            "the label normalises to the same skill"
        );
        assert!(by_label.similarity >= p.scoring.label_threshold);
        assert_eq!(tig.keys().next(), Some(key));
    }

    #[test]
    fn a_skill_matches_at_the_label_threshold_not_below() {
        let idx = index();
        let v = vacancy();
        let p = policy();
        let q = Query::new(&idx, &v, &p).unwrap();
        let s = &q.skills[0];
        let key = s.key.unwrap();
        let t = p.scoring.label_threshold;
        let feat = |similarity: f32| SkillFeature {
            key,
            similarity,
            certified: false,
            source: 0,
        };
        assert!(q.skill_match(s, &[feat(t)]).is_some());
        assert!(q.skill_match(s, &[feat(t - 0.001)]).is_none());
        assert!(q.skill_match(s, &[]).is_none());
        let other = SkillFeature {
            key: key + 1,
            ..feat(1.0)
        };
        assert!(q.skill_match(s, &[other]).is_none());
    }

    #[test]
    fn bm25_is_zero_until_loaded_and_for_other_texts() {
        let idx = index();
        let v = vacancy();
        let p = policy();
        let mut q = Query::new(&idx, &v, &p).unwrap();
        let welder = idx.row_of("C001").unwrap(); // "Saldatore TIG con esperienza..."
        assert_eq!(q.bm25(welder), 0.0);
        let rows: Vec<u32> = (0..idx.len() as u32).collect();
        q.load_text(&idx, &rows).unwrap();
        assert!(q.bm25(welder) > 0.0);
        let unrelated = rows
            .iter()
            .copied()
            .find(|&r| {
                let t = idx.record(r).cv_text.to_lowercase();
                !t.contains("sald") && !t.contains("tig") && !t.contains("carpent")
            })
            .expect("someone who is not a welder");
        assert_eq!(q.bm25(unrelated), 0.0);
        q.load_text(&idx, &[]).unwrap();
        assert_eq!(q.bm25(welder), 0.0, "only the loaded rows");
    }

    #[test]
    fn congruity_only_for_people_with_a_benefit() {
        let idx = index();
        let v = vacancy();
        let p = policy();
        let q = Query::new(&idx, &v, &p).unwrap();
        let g = q
            .congruity(&idx, idx.row_of("C001").unwrap())
            .expect("a NASpI");
        assert_eq!(g.regime, "dm2018");
        assert_eq!(g.criteria[1].value, Some(0.0), "the same comune: 0 km");
        assert!(q.congruity(&idx, idx.row_of("C002").unwrap()).is_none());
    }
}
