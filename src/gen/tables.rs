//! The profession table resolved against the embedded taxonomy and comuni, once per
//! process: skill pools with their written forms, related professions, and the
//! cumulative population tables places are drawn from.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::geo::{ComuneId, Comuni};
use crate::taxonomy::{SkillId, SkillTaxonomy};

use super::professions::{Spec, GENERIC_SKILLS, SPECS};
use super::{Profile, Rng};

/// A skill resolved against the taxonomy, with the labels it can be written with.
#[derive(Debug, Clone)]
pub(super) struct SkillForm {
    pub(super) id: SkillId,
    pub(super) uri: &'static str,
    /// ESCO preferred label.
    pub(super) en: &'static str,
    /// Italian labels (the curated synonyms of this skill), possibly none.
    pub(super) it: Vec<&'static str>,
}

/// A set of skills and the subset that has Italian labels.
#[derive(Debug, Default)]
pub(super) struct SkillPool {
    pub(super) skills: Vec<SkillForm>,
    /// Indexes into `skills` of those with at least one Italian label.
    pub(super) italian: Vec<usize>,
}

impl SkillPool {
    pub(super) fn push(&mut self, form: SkillForm) {
        if self.skills.iter().any(|s| s.id == form.id) {
            return; // two Italian labels of the same skill: keep one entry
        }
        if !form.it.is_empty() {
            self.italian.push(self.skills.len());
        }
        self.skills.push(form);
    }
}

pub(super) struct Profession {
    pub(super) spec: &'static Spec,
    pub(super) pool: SkillPool,
    /// Indexes of related professions in the table.
    pub(super) related: Vec<usize>,
}

pub(super) struct Tables {
    pub(super) comuni: &'static Comuni,
    /// Comuni with residents, and the cumulative population up to each.
    pub(super) comune_ids: Vec<ComuneId>,
    pub(super) comune_cum: Vec<u64>,
    /// The metropolitan areas of [`METROS`], in order: their comuni with residents
    /// and the cumulative population ([`Profile::Wide`]).
    pub(super) metros: Vec<(Vec<ComuneId>, Vec<u64>)>,
    pub(super) professions: Vec<Profession>,
    pub(super) cum_candidates: Vec<u64>,
    pub(super) cum_vacancies: Vec<u64>,
    pub(super) generic: SkillPool,
    /// Skill names of the tables that did not resolve (the tests require none).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) unresolved: Vec<&'static str>,
}

/// A metropolitan area of [`Profile::Wide`]: the comuni within `radius_km` of the
/// centre's centroid hold `per_mille` of the people and of the workplaces.
struct Metro {
    centre: &'static str,
    radius_km: f64,
    per_mille: u32,
}

/// Milan's area (about the provinces of Milano, Monza, Lodi and the nearer parts of
/// Varese, Como, Lecco, Bergamo, Pavia and Novara) takes 70%, as in the regional
/// registers where one area dominates; Rome, Naples and Turin 8%, 6% and 5%; the
/// remaining 11% live anywhere in Italy by population.
const METROS: &[Metro] = &[
    Metro {
        centre: "015146",
        radius_km: 40.0,
        per_mille: 700,
    },
    Metro {
        centre: "058091",
        radius_km: 30.0,
        per_mille: 80,
    },
    Metro {
        centre: "063049",
        radius_km: 25.0,
        per_mille: 60,
    },
    Metro {
        centre: "001272",
        radius_km: 25.0,
        per_mille: 50,
    },
];

pub(super) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

fn build_tables() -> Tables {
    let comuni = Comuni::embedded();
    let taxonomy = SkillTaxonomy::embedded();

    let mut comune_ids = Vec::with_capacity(comuni.len());
    let mut comune_cum = Vec::with_capacity(comuni.len());
    let mut total = 0u64;
    for (id, c) in comuni.iter() {
        if c.population > 0 {
            total += u64::from(c.population);
            comune_ids.push(id);
            comune_cum.push(total);
        }
    }

    let metros = METROS
        .iter()
        .map(|m| {
            let centre = comuni
                .lookup(m.centre)
                .expect("metropolitan centre in comuni.csv");
            let (mut ids, mut cum, mut total) = (Vec::new(), Vec::new(), 0u64);
            for (id, c) in comuni.iter() {
                if c.population > 0 && comuni.distance_km(centre, id) <= m.radius_km {
                    total += u64::from(c.population);
                    ids.push(id);
                    cum.push(total);
                }
            }
            (ids, cum)
        })
        .collect();

    // Italian labels by skill, and exact preferred labels, for resolving the table.
    let mut italian_of: BTreeMap<SkillId, Vec<&'static str>> = BTreeMap::new();
    let mut italian_label: BTreeMap<&'static str, SkillId> = BTreeMap::new();
    for (label, id) in taxonomy.italian_labels() {
        italian_of.entry(id).or_default().push(label);
        italian_label.entry(label).or_insert(id);
    }
    let mut wanted: BTreeMap<&'static str, Option<SkillId>> = SPECS
        .iter()
        .flat_map(|s| s.skills.iter())
        .chain(GENERIC_SKILLS.iter())
        .filter(|k| !italian_label.contains_key(*k))
        .map(|k| (*k, None))
        .collect();
    for id in 0..taxonomy.len() as SkillId {
        if let Some(slot) = wanted.get_mut(taxonomy.get(id).label.as_str()) {
            slot.get_or_insert(id);
        }
    }
    let mut unresolved = Vec::new();
    let mut resolve = |key: &'static str| -> Option<SkillForm> {
        let id = italian_label
            .get(key)
            .copied()
            .or_else(|| wanted.get(key).copied().flatten());
        let Some(id) = id else {
            unresolved.push(key);
            return None;
        };
        let skill = taxonomy.get(id);
        let mut it = italian_of.get(&id).cloned().unwrap_or_default();
        // The label named in the table is the most natural one: put it first.
        if let Some(pos) = it.iter().position(|l| *l == key) {
            it.swap(0, pos);
        }
        Some(SkillForm {
            id,
            uri: skill.uri.as_str(),
            en: skill.label.as_str(),
            it,
        })
    };

    let mut professions: Vec<Profession> = SPECS
        .iter()
        .map(|spec| {
            let mut pool = SkillPool::default();
            for key in spec.skills {
                if let Some(f) = resolve(key) {
                    pool.push(f);
                }
            }
            Profession {
                spec,
                pool,
                related: Vec::new(),
            }
        })
        .collect();
    let mut generic = SkillPool::default();
    for key in GENERIC_SKILLS {
        if let Some(f) = resolve(key) {
            generic.push(f);
        }
    }

    // Related professions: the curated ones, then those sharing the minor group.
    for (i, profession) in professions.iter_mut().enumerate() {
        let spec = profession.spec;
        let mut related = Vec::new();
        let same_minor = SPECS
            .iter()
            .filter(|s| s.isco != spec.isco && s.isco[..3] == spec.isco[..3]);
        for code in spec
            .related
            .iter()
            .copied()
            .chain(same_minor.map(|s| s.isco))
        {
            if let Some(j) = SPECS.iter().position(|s| s.isco == code) {
                if j != i && !related.contains(&j) {
                    related.push(j);
                }
            }
        }
        profession.related = related;
    }

    let cum = |f: fn(&Spec) -> u32| -> Vec<u64> {
        SPECS
            .iter()
            .scan(0u64, |acc, s| {
                *acc += u64::from(f(s));
                Some(*acc)
            })
            .collect()
    };
    Tables {
        comuni,
        comune_ids,
        comune_cum,
        metros,
        professions,
        cum_candidates: cum(|s| s.weight.0),
        cum_vacancies: cum(|s| s.weight.1),
        generic,
        unresolved,
    }
}

impl Tables {
    /// A comune drawn with probability proportional to its population.
    fn comune(&self, rng: &mut Rng) -> ComuneId {
        self.comune_ids[rng.cumulative(&self.comune_cum)]
    }

    /// A comune where people live and work under `profile`: by population over Italy
    /// ([`Profile::Default`]), or first a metropolitan area by its share of [`METROS`]
    /// (the rest of Italy otherwise), then a comune in it by population.
    pub(super) fn place(&self, profile: Profile, rng: &mut Rng) -> ComuneId {
        if profile == Profile::Default {
            return self.comune(rng);
        }
        let mut r = rng.below(1000) as u32;
        for (m, (ids, cum)) in METROS.iter().zip(&self.metros) {
            if r < m.per_mille {
                return ids[rng.cumulative(cum)];
            }
            r -= m.per_mille;
        }
        self.comune(rng)
    }

    /// The code of a comune as a record writes it: Belfiore with probability `belfiore`.
    pub(super) fn comune_code(&self, id: ComuneId, rng: &mut Rng, belfiore: f64) -> String {
        let c = self.comuni.get(id);
        if rng.chance(belfiore) {
            c.belfiore.clone()
        } else {
            c.istat.clone()
        }
    }
}
