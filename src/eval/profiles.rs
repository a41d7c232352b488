//! Ranking quality on data built from ESCO's own occupation profiles (`rosa eval` with
//! `--esco`): the labelled set does not come from rosa's generator, and the grades do not
//! follow anything rosa's scorer reads.
//!
//! # The labelled set
//!
//! From the loaded taxonomy's occupations with at least [`MIN_SKILLS`] skills:
//! - **anchors**: `anchors` occupations drawn in turn from the ISCO major groups 1–9,
//!   each from an ISCO minor group holding at least two such occupations; with each, up
//!   to [`NEIGHBOURS`] other occupations of its minor group. All of them form one pool.
//! - **people**: [`PEOPLE_PER_OCCUPATION`] per pooled occupation. Each draws 50–95% of the
//!   occupation's essential and optional skills. A skill is written, at noise level η,
//!   as a *hand-typed* label with probability η (misspelt, pluralised or upper-cased, no
//!   URI), otherwise by URI (80%) or as a clean label (20%: the English preferred or an
//!   alternative label, or a curated Italian synonym). 85% have an experience in the
//!   occupation's ISCO unit group, 30% one more in another unit group of the same
//!   sub-major group, 40% name the unit group as desired. The CV text starts with an
//!   Italian title of the occupation when Italian labels are loaded (else the English
//!   one). Domicile, reach, education and languages vary as in any CPI.
//! - **vacancies**: one per anchor: its ISCO unit group, its Italian title, the
//!   occupation's essential skills (at least 5, topped up with optional ones) by URI and
//!   label, none required, EQF 4 wished, not required.
//!
//! The engine never sees the true occupation. **Relevance**: 3 for the vacancy's own
//! occupation; 1 for an occupation whose skill set has a Jaccard overlap ≥ 0.3 with it;
//! 0 otherwise. Precision and MRR count grade 3.
//!
//! # The systems
//!
//! On the same eligible rows (rosa's rules, which here exclude nobody for skills):
//! **rosa** (the default policy), **bm25** (text only), **skill_overlap** (the share of the
//! vacancy's skills the record carries by URI or by exactly the same label),
//! **coverage_isco** (`0.7 × skill_overlap + 0.3 × [an experience in the vacancy's unit
//! group]`). Ties by candidate id.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{ndcg_at, K};
use crate::date::Date;
use crate::error::{Error, Result};
use crate::esco::{OccId, Taxonomy};
use crate::gen::Rng;
use crate::index::Index;
use crate::model::{parse_record, CandidateRecord, VacancyRecord};
use crate::policy::Policy;
use crate::query::Query;
use crate::roster;
use crate::taxonomy::SkillId;

/// Least skills of an occupation taken into the set.
pub const MIN_SKILLS: usize = 10;
/// Neighbours of an anchor from its ISCO minor group.
pub const NEIGHBOURS: usize = 4;
/// People generated per pooled occupation.
pub const PEOPLE_PER_OCCUPATION: usize = 8;
/// Noise levels: the share of skills written as hand-typed labels.
pub const NOISE_LEVELS: [f64; 3] = [0.0, 0.25, 0.5];
/// Names of the systems, in report order.
pub const SYSTEMS: [&str; 4] = ["rosa", "bm25", "skill_overlap", "coverage_isco"];

/// What to evaluate on.
#[derive(Debug, Clone)]
pub struct ProfileEvalConfig {
    /// Vacancies (anchor occupations).
    pub anchors: usize,
    /// Seed of the sampling.
    pub seed: u64,
    /// Reference date.
    pub as_of: Date,
    /// The policy rosa is evaluated with.
    pub policy: Policy,
    /// ISCO prefixes the anchors are drawn from (`25` for ICT professionals); empty for
    /// every major group.
    pub groups: Vec<String>,
}

impl Default for ProfileEvalConfig {
    fn default() -> Self {
        let as_of = Date::parse("2026-11-01").expect("valid date");
        ProfileEvalConfig {
            anchors: 40,
            seed: 42,
            as_of,
            policy: Policy {
                as_of: Some(as_of),
                ..Policy::default()
            },
            groups: Vec::new(),
        }
    }
}

/// Mean metrics of one system at one noise level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// The system.
    pub system: &'static str,
    /// Share of skills written as hand-typed labels.
    pub noise: f64,
    /// Mean NDCG@15.
    pub ndcg_at_15: f64,
    /// Mean precision@15 (grade 3).
    pub precision_at_15: f64,
    /// Mean reciprocal rank of the first grade-3 person.
    pub mrr: f64,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileReport {
    /// The taxonomy the set was drawn from.
    pub taxonomy: String,
    /// Vacancies evaluated.
    pub queries: usize,
    /// People in the pool.
    pub people: usize,
    /// Seed.
    pub seed: u64,
    /// One line per noise level and system.
    pub lines: Vec<Line>,
}

impl ProfileReport {
    /// The line of a system at a noise level.
    pub fn line(&self, system: &str, noise: f64) -> Option<&Line> {
        self.lines
            .iter()
            .find(|l| l.system == system && (l.noise - noise).abs() < 1e-9)
    }
}

/// The true profile of an occupation: its skills (essential first, each sorted).
struct Profile {
    essential: Vec<SkillId>,
    optional: Vec<SkillId>,
}

impl Profile {
    fn all(&self) -> BTreeSet<SkillId> {
        self.essential
            .iter()
            .chain(&self.optional)
            .copied()
            .collect()
    }
}

fn profiles(tax: &Taxonomy) -> Vec<Profile> {
    let p = tax.profiles();
    (0..tax.occupations.len())
        .map(|o| {
            let o = o as OccId;
            let essential = p.essential(o).to_vec();
            let optional = p
                .skills_of(o)
                .iter()
                .map(|&(s, _)| s)
                .filter(|s| essential.binary_search(s).is_err())
                .collect();
            Profile {
                essential,
                optional,
            }
        })
        .collect()
}

/// The anchors and the pooled occupations, deterministic for a seed.
fn sample(
    tax: &Taxonomy,
    profiles: &[Profile],
    anchors: usize,
    groups: &[String],
    rng: &mut Rng,
) -> (Vec<OccId>, Vec<OccId>) {
    let mut minor: BTreeMap<String, Vec<OccId>> = BTreeMap::new();
    for (i, o) in tax.occupations.iter().enumerate() {
        let p = &profiles[i];
        if p.essential.len() + p.optional.len() >= MIN_SKILLS {
            minor
                .entry(o.isco[..3].to_string())
                .or_default()
                .push(i as OccId);
        }
    }
    minor.retain(|k, v| {
        v.len() >= 2 && (groups.is_empty() || groups.iter().any(|g| k.starts_with(g.as_str())))
    });
    let mut by_major: BTreeMap<char, Vec<&String>> = BTreeMap::new();
    for k in minor.keys() {
        let major = k.chars().next().unwrap_or('0');
        if major != '0' || !groups.is_empty() {
            by_major.entry(major).or_default().push(k);
        }
    }
    let majors: Vec<char> = by_major.keys().copied().collect();
    let (mut chosen, mut pool): (Vec<OccId>, BTreeSet<OccId>) = (Vec::new(), BTreeSet::new());
    let mut used_minor: BTreeSet<String> = BTreeSet::new();
    let mut turn = 0;
    let mut guard = 0;
    while chosen.len() < anchors && guard < anchors * 50 && !majors.is_empty() {
        guard += 1;
        let groups = &by_major[&majors[turn % majors.len()]];
        turn += 1;
        let g = groups[rng.below(groups.len() as u64) as usize];
        if !used_minor.insert(g.clone()) && used_minor.len() < minor.len() {
            continue;
        }
        let members = &minor[g];
        let anchor = members[rng.below(members.len() as u64) as usize];
        if chosen.contains(&anchor) {
            continue;
        }
        chosen.push(anchor);
        pool.insert(anchor);
        let mut others: Vec<OccId> = members.iter().copied().filter(|&o| o != anchor).collect();
        for i in 0..others.len().min(NEIGHBOURS) {
            let j = i + rng.below((others.len() - i) as u64) as usize;
            others.swap(i, j);
            pool.insert(others[i]);
        }
    }
    (chosen, pool.into_iter().collect())
}

/// A hand-typed form of a label: misspelt (two letters swapped, one dropped or one
/// doubled), pluralised or upper-cased.
pub fn hand_typed(label: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = label.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    match rng.below(5) {
        0 if letters.len() > 4 => {
            let i = letters[1 + rng.below(letters.len() as u64 - 2) as usize];
            let mut c = chars.clone();
            if i + 1 < c.len() && c[i + 1].is_alphabetic() {
                c.swap(i, i + 1);
            }
            c.into_iter().collect()
        }
        1 if letters.len() > 4 => {
            let i = letters[1 + rng.below(letters.len() as u64 - 2) as usize];
            let mut c = chars.clone();
            c.remove(i);
            c.into_iter().collect()
        }
        2 if letters.len() > 4 => {
            let i = letters[1 + rng.below(letters.len() as u64 - 2) as usize];
            let mut c = chars.clone();
            c.insert(i, chars[i]);
            c.into_iter().collect()
        }
        3 => format!("{label}s"),
        _ => label.to_uppercase(),
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// An Italian title of the occupation (the first form of its `m/f` pair), else its name.
fn italian_title(tax: &Taxonomy, o: OccId) -> String {
    tax.occupation(o).name().to_string()
}

const COMUNI: [&str; 6] = ["015146", "015077", "015242", "108033", "015192", "012133"];

#[allow(clippy::too_many_arguments)]
fn person(
    tax: &Taxonomy,
    profiles: &[Profile],
    occ: OccId,
    id: &str,
    noise: f64,
    rng: &mut Rng,
    italian: &BTreeMap<SkillId, String>,
) -> String {
    let skills = tax.skills();
    let o = tax.occupation(occ);
    let all: Vec<SkillId> = profiles[occ as usize].all().into_iter().collect();
    let share = 0.5 + 0.45 * rng.unit();
    let n = ((all.len() as f64 * share).round() as usize).clamp(1, all.len());
    let mut pick = all.clone();
    for i in 0..n {
        let j = i + rng.below((pick.len() - i) as u64) as usize;
        pick.swap(i, j);
    }
    pick.truncate(n);
    pick.sort_unstable();
    let mut out = Vec::new();
    for s in pick {
        let sk = skills.get(s);
        let entry = if rng.chance(noise) {
            format!("{{\"label\":{}}}", json_str(&hand_typed(&sk.label, rng)))
        } else if rng.chance(0.8) {
            format!("{{\"esco\":{}}}", json_str(&sk.uri))
        } else {
            format!(
                "{{\"label\":{}}}",
                json_str(&clean_label(sk, italian.get(&s), rng))
            )
        };
        out.push(entry);
    }
    let mut exps = Vec::new();
    if rng.chance(0.85) {
        exps.push(format!(
            "{{\"isco\":\"{}\",\"months\":{},\"end_year\":2025}}",
            o.isco,
            rng.range(6, 120)
        ));
    }
    if rng.chance(0.3) {
        let sub = &o.isco[..2];
        let others: Vec<&str> = tax
            .occupations
            .iter()
            .map(|x| x.isco.as_str())
            .filter(|c| c.starts_with(sub) && *c != o.isco)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !others.is_empty() {
            exps.push(format!(
                "{{\"isco\":\"{}\",\"months\":{},\"end_year\":2022}}",
                others[rng.below(others.len() as u64) as usize],
                rng.range(3, 48)
            ));
        }
    }
    let desired = if rng.chance(0.4) {
        format!("[\"{}\"]", o.isco)
    } else {
        "[]".into()
    };
    // The CV's title: another label of the occupation (Italian when loaded), the
    // preferred one, or none; hand-typed at the noise level.
    let lang = if o.labels.iter().any(|(l, _)| l == "it") {
        "it"
    } else {
        "en"
    };
    let alts: Vec<&str> = o
        .alt_labels
        .iter()
        .filter(|(l, _)| l == lang)
        .map(|(_, a)| a.as_str())
        .collect();
    let title = match rng.below(10) {
        0..=4 if !alts.is_empty() => alts[rng.below(alts.len() as u64) as usize].to_string(),
        0..=7 => italian_title(tax, occ),
        _ => String::new(),
    };
    let title = if !title.is_empty() && rng.chance(noise) {
        hand_typed(&title, rng)
    } else {
        title
    };
    let text =
        format!("{title}. Esperienza nel settore, disponibile da subito. Referenze su richiesta.");
    format!(
        "{{\"id\":\"{id}\",\"domicile\":\"{}\",\"did_date\":\"2026-06-01\",\"availability_confirmed\":\"2026-10-01\",\
         \"education_eqf\":{},\"experiences\":[{}],\"desired_isco\":{desired},\"skills\":[{}],\
         \"languages\":[{{\"code\":\"en\",\"cefr\":\"{}\"}}],\
         \"availability\":{{\"max_km\":{},\"contracts\":[\"permanent\",\"fixed_term\",\"agency\"],\"full_time\":true,\"part_time\":true,\"shifts\":true,\"nights\":true}},\
         \"cv_text\":{}}}",
        COMUNI[rng.below(COMUNI.len() as u64) as usize],
        rng.range(3, 7),
        exps.join(","),
        out.join(","),
        ["A2", "B1", "B2"][rng.below(3) as usize],
        rng.range(40, 90),
        json_str(&text)
    )
}

/// A clean free label of a skill: a curated Italian synonym, an alternative label or
/// the preferred one.
fn clean_label(sk: &crate::taxonomy::Skill, italian: Option<&String>, rng: &mut Rng) -> String {
    if let Some(it) = italian {
        if rng.chance(0.5) {
            return it.clone();
        }
    }
    if !sk.aliases.is_empty() && rng.chance(0.3) {
        return sk.aliases[rng.below(sk.aliases.len() as u64) as usize].clone();
    }
    sk.label.clone()
}

fn vacancy(tax: &Taxonomy, profiles: &[Profile], occ: OccId, id: &str, rng: &mut Rng) -> String {
    let skills = tax.skills();
    let p = &profiles[occ as usize];
    // A job ad names a handful of the occupation's skills: 6 to 10 essential ones (topped
    // up with optional ones), drawn at random.
    let want = rng.range(6, 11) as usize;
    let mut asked: Vec<SkillId> = Vec::new();
    for list in [&p.essential, &p.optional] {
        let mut l = list.clone();
        for i in 0..l.len() {
            if asked.len() >= want {
                break;
            }
            let j = i + rng.below((l.len() - i) as u64) as usize;
            l.swap(i, j);
            asked.push(l[i]);
        }
    }
    let list: Vec<String> = asked
        .iter()
        .map(|&s| {
            let sk = skills.get(s);
            format!(
                "{{\"esco\":{},\"label\":{},\"required\":false}}",
                json_str(&sk.uri),
                json_str(&sk.label)
            )
        })
        .collect();
    let title = italian_title(tax, occ);
    format!(
        "{{\"id\":\"{id}\",\"employer\":\"E1\",\"isco\":\"{}\",\"title\":{},\"text\":{},\"workplace\":\"015146\",\
         \"skills\":[{}],\"education_eqf_min\":4,\"languages\":[{{\"code\":\"en\",\"cefr\":\"B1\",\"required\":false}}],\
         \"contract\":{{\"type\":\"permanent\",\"hours_per_week\":40,\"gross_monthly_eur\":1800.0}},\"mode\":\"preselection\"}}",
        tax.occupation(occ).isco,
        json_str(&title),
        json_str(&format!("Cerchiamo {title} per la nostra sede di Milano.")),
        list.join(",")
    )
}

/// Builds the set from the active taxonomy, ranks it with the four systems at every noise
/// level and averages the metrics. Needs occupation profiles (`--esco` with the
/// relations).
pub fn run(cfg: &ProfileEvalConfig) -> Result<ProfileReport> {
    let tax = crate::esco::active();
    if !tax.has_profiles() {
        return Err(Error::Taxonomy(
            "the profile evaluation needs ESCO occupations and their skill relations: give --esco with the classification and relations files".into(),
        ));
    }
    let profiles = profiles(tax);
    let mut rng = Rng::new(cfg.seed);
    let (anchors, pool) = sample(tax, &profiles, cfg.anchors, &cfg.groups, &mut rng);
    let italian: BTreeMap<SkillId, String> = {
        let mut m = BTreeMap::new();
        for (label, id) in tax.skills().italian_labels() {
            m.entry(id).or_insert_with(|| label.to_string());
        }
        m
    };
    let sets: Vec<BTreeSet<SkillId>> = profiles.iter().map(Profile::all).collect();
    let jaccard = |a: OccId, b: OccId| {
        let (x, y) = (&sets[a as usize], &sets[b as usize]);
        let inter = x.intersection(y).count();
        let union = x.len() + y.len() - inter;
        if union == 0 {
            0.0
        } else {
            inter as f64 / union as f64
        }
    };
    let mut lines = Vec::new();
    let mut people = 0;
    for (level, &noise) in NOISE_LEVELS.iter().enumerate() {
        let mut prng = Rng::new(cfg.seed ^ (0x9e37_79b9 * (level as u64 + 1)));
        let mut truth: Vec<OccId> = Vec::new();
        let mut records: Vec<CandidateRecord> = Vec::new();
        for &o in &pool {
            for k in 0..PEOPLE_PER_OCCUPATION {
                let id = format!("P{:05}", truth.len());
                let line = person(tax, &profiles, o, &id, noise, &mut prng, &italian);
                let rec: CandidateRecord = parse_record(&line, "eval", k + 1).map_err(|e| {
                    Error::Taxonomy(format!(
                        "eval person {id}: {}",
                        e.first().map(|e| e.to_string()).unwrap_or_default()
                    ))
                })?;
                records.push(rec);
                truth.push(o);
            }
        }
        people = records.len();
        let index = Index::build(None, records, Vec::new(), None)?;
        let row_truth: Vec<OccId> = (0..index.len() as u32)
            .map(|r| {
                let id = index.id(r);
                truth[id[1..].parse::<usize>().unwrap_or(0)]
            })
            .collect();
        let mut sums = [[0.0f64; 3]; SYSTEMS.len()];
        for (qi, &a) in anchors.iter().enumerate() {
            let mut vrng = Rng::new(cfg.seed ^ (0x51_7cc1 * (qi as u64 + 1)));
            let vline = vacancy(tax, &profiles, a, &format!("V{qi:04}"), &mut vrng);
            let v: VacancyRecord = parse_record(&vline, "eval", qi + 1).map_err(|e| {
                Error::Taxonomy(format!(
                    "eval vacancy: {}",
                    e.first().map(|e| e.to_string()).unwrap_or_default()
                ))
            })?;
            let q = Query::new(&index, &v, &cfg.policy)?;
            let rows = roster::eligibility(&q, &index).rows;
            drop(q);
            let grade = |r: u32| {
                let o = row_truth[r as usize];
                if o == a {
                    3
                } else if jaccard(o, a) >= 0.3 {
                    1
                } else {
                    0
                }
            };
            let all: Vec<u8> = rows.iter().map(|&r| grade(r)).collect();
            let bm25 = super::bm25_policy(cfg.as_of);
            let rankings = [
                super::rank_by_policy(&index, &v, &cfg.policy, &rows)?,
                super::rank_by_policy(&index, &v, &bm25, &rows)?,
                rank_by_coverage(&index, &v, &rows, 0.0),
                rank_by_coverage(&index, &v, &rows, 0.3),
            ];
            for (sum, ranking) in sums.iter_mut().zip(&rankings) {
                let ranked: Vec<u8> = ranking.iter().map(|&r| grade(r)).collect();
                sum[0] += ndcg_at(&ranked, &all, K);
                sum[1] += ranked.iter().take(K).filter(|&&g| g == 3).count() as f64 / K as f64;
                sum[2] += ranked
                    .iter()
                    .position(|&g| g == 3)
                    .map_or(0.0, |i| 1.0 / (i + 1) as f64);
            }
        }
        let n = anchors.len().max(1) as f64;
        for (name, s) in SYSTEMS.iter().zip(sums) {
            lines.push(Line {
                system: name,
                noise,
                ndcg_at_15: s[0] / n,
                precision_at_15: s[1] / n,
                mrr: s[2] / n,
            });
        }
    }
    Ok(ProfileReport {
        taxonomy: tax.id().to_string(),
        queries: anchors.len(),
        people,
        seed: cfg.seed,
        lines,
    })
}

/// Rows ranked by `(1 − isco_share) × coverage + isco_share × [experience in the
/// vacancy's unit group]`, coverage being the share of the vacancy's skills the record
/// carries by the same URI or exactly the same label (case-insensitive); ties by id.
fn rank_by_coverage(index: &Index, v: &VacancyRecord, rows: &[u32], isco_share: f64) -> Vec<u32> {
    let tax = crate::esco::active().skills();
    let asked: Vec<(Option<&str>, BTreeSet<String>)> = v
        .skills
        .iter()
        .map(|s| {
            let mut labels: BTreeSet<String> = s.label.iter().map(|l| l.to_lowercase()).collect();
            if let Some(id) = s.esco.as_deref().and_then(|u| tax.by_uri(u)) {
                labels.insert(tax.get(id).label.to_lowercase());
            }
            (s.esco.as_deref(), labels)
        })
        .collect();
    let mut scored: Vec<(f64, &str, u32)> = rows
        .iter()
        .map(|&r| {
            let rec = index.record(r);
            let have = asked
                .iter()
                .filter(|(uri, labels)| {
                    rec.skills.iter().any(|s| {
                        (uri.is_some() && s.esco.as_deref() == *uri)
                            || s.label
                                .as_ref()
                                .is_some_and(|l| labels.contains(&l.to_lowercase()))
                    })
                })
                .count();
            let coverage = have as f64 / asked.len().max(1) as f64;
            let same = rec.experiences.iter().any(|e| e.isco == v.isco) as u8 as f64;
            (
                (1.0 - isco_share) * coverage + isco_share * same,
                index.id(r),
                r,
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().map(|(_, _, r)| r).collect()
}

/// The report as a table.
pub fn table(report: &ProfileReport) -> String {
    let mut out = format!(
        "ESCO-profile evaluation: {} vacancies, {} people, seed {}, taxonomy {}\n",
        report.queries, report.people, report.seed, report.taxonomy
    );
    out.push_str("noise  system          NDCG@15   P@15    MRR\n");
    for l in &report.lines {
        out.push_str(&format!(
            "{:<6.2} {:<15} {:>7.4} {:>7.4} {:>7.4}\n",
            l.noise, l.system, l.ndcg_at_15, l.precision_at_15, l.mrr
        ));
    }
    out
}
