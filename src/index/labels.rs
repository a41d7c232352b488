//! Skill keys and labels: the vocabulary of keys beyond ESCO (`SkillVocab`) and
//! the cache of free labels tied to ESCO skills (`LabelCache`).

use super::*;

/// Skill keys beyond ESCO: unknown URIs and labels that match no ESCO skill.
#[derive(Debug, Default, Clone)]
pub struct SkillVocab {
    extra: HashMap<String, u32>,
    pub(super) names: Vec<String>,
}

/// How a skill reference (URI and/or label) was resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSkill {
    /// The key, `None` when the index has never seen this skill.
    pub key: Option<u32>,
    /// Similarity of the tie.
    pub similarity: f32,
}

impl SkillVocab {
    pub(super) fn esco_len() -> u32 {
        crate::esco::active().skills().len() as u32
    }

    pub(super) fn intern(&mut self, name: String) -> u32 {
        if let Some(k) = self.extra.get(&name) {
            return *k;
        }
        let k = Self::esco_len() + self.names.len() as u32;
        self.extra.insert(name.clone(), k);
        self.names.push(name);
        k
    }

    /// Human name of a key: the ESCO preferred label, or the label / URI as given.
    pub fn name(&self, key: u32) -> String {
        let n = Self::esco_len();
        if key < n {
            crate::esco::active()
                .skills()
                .get(key as SkillId)
                .label
                .clone()
        } else {
            let raw = &self.names[(key - n) as usize];
            raw.split_once(':')
                .map_or(raw.as_str(), |(_, v)| v)
                .to_string()
        }
    }

    /// The keys of unresolved free labels equal to `label` once normalised.
    pub fn label_keys(&self, label: &str) -> Option<u32> {
        let n = crate::taxonomy::normalise_text(label);
        if n.is_empty() {
            return None;
        }
        self.extra.get(&label_key_name(&n)).copied()
    }

    /// Resolves a reference without adding to the vocabulary.
    pub fn lookup(
        &self,
        esco: Option<&str>,
        label: Option<&str>,
        labels: &LabelCache,
    ) -> ResolvedSkill {
        match resolve(esco, label, labels) {
            Resolution::Esco(id, sim) => ResolvedSkill {
                key: Some(id),
                similarity: sim,
            },
            Resolution::Extra(name) => ResolvedSkill {
                key: self.extra.get(&name).copied(),
                similarity: 1.0,
            },
        }
    }
}

/// The vocabulary name of a free label's own key.
pub(super) fn label_key_name(label: &str) -> String {
    format!("label:{}", crate::taxonomy::normalise_text(label))
}

pub(super) enum Resolution {
    Esco(u32, f32),
    Extra(String),
}

pub(super) fn resolve(esco: Option<&str>, label: Option<&str>, labels: &LabelCache) -> Resolution {
    let tax = crate::esco::active().skills();
    if let Some(uri) = esco {
        return match tax.by_uri(uri) {
            Some(id) => Resolution::Esco(id, 1.0),
            None => Resolution::Extra(format!("uri:{uri}")),
        };
    }
    let label = label.unwrap_or("");
    match labels.get(label) {
        Some((id, sim)) => Resolution::Esco(id, sim),
        None => Resolution::Extra(label_key_name(label)),
    }
}

/// Free labels already tied to ESCO skills (or found to match none).
#[derive(Debug, Default)]
pub struct LabelCache {
    pub(super) map: HashMap<String, Option<(u32, f32)>>,
    /// Labels met only in queries (vacancy skills), memoised so that repeated
    /// rosters of the same vacancy do not normalise them again; bounded.
    queried: std::sync::Mutex<HashMap<String, Option<(u32, f32)>>>,
}

/// Most labels [`LabelCache`] memoises from queries before it starts afresh.
const MAX_QUERIED_LABELS: usize = 65_536;

impl LabelCache {
    /// Resolves every distinct label in `labels` (in parallel) that is not cached yet.
    pub fn fill<'a>(&mut self, labels: impl Iterator<Item = &'a str>) {
        let mut todo: Vec<&str> = labels.filter(|l| !self.map.contains_key(*l)).collect();
        todo.sort_unstable();
        todo.dedup();
        let tax = crate::esco::active().skills();
        let found: Vec<(String, Option<(u32, f32)>)> = todo
            .par_iter()
            .map(|l| {
                (
                    l.to_string(),
                    tax.normalise_label(l, LABEL_FLOOR)
                        .map(|m| (m.id, m.similarity)),
                )
            })
            .collect();
        self.map.extend(found);
    }

    /// The ESCO skill and similarity of a label, if resolved and matched.
    pub fn get(&self, label: &str) -> Option<(u32, f32)> {
        if let Some(v) = self.map.get(label) {
            return *v;
        }
        let lock = || self.queried.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = lock().get(label) {
            return *v;
        }
        // A pure function of the label: memoising it cannot change a result.
        let found = crate::esco::active()
            .skills()
            .normalise_label(label, LABEL_FLOOR)
            .map(|m| (m.id, m.similarity));
        let mut queried = lock();
        if queried.len() >= MAX_QUERIED_LABELS {
            queried.clear();
        }
        queried.insert(label.to_string(), found);
        found
    }
}
