//! One vacancy, field group by field group. [`make_vacancy`] calls the functions below in
//! the order the record's random draws were always made: profession, employer, title,
//! workplace, skills, education, languages, licences, contract, mode and *collocamento
//! mirato* fields, roster size, positions, publication, applicants, ad text. **Moving a
//! call changes every record after it.**

use std::collections::BTreeMap;

use crate::model::{
    Cefr, Contract, ContractType, Mode, Support, TargetedList, VacancyLanguage, VacancyLicence,
    VacancyRecord, VacancySkill, ICF_DIMENSIONS,
};

use super::professions::Spec;
use super::rng::cents;
use super::skills::{choose_skills, write_skill, Form};
use super::tables::{Profession, SkillForm, Tables};
use super::writing::vacancy_text;
use super::{candidate_id, vacancy_id, GenConfig, Profile, Rng};

pub(super) fn make_vacancy(
    t: &Tables,
    cfg: &GenConfig,
    index: usize,
    rng: &mut Rng,
    truth: Option<&mut Vec<&'static str>>,
) -> VacancyRecord {
    let pi = rng.cumulative(&t.cum_vacancies);
    let prof = &t.professions[pi];
    let spec = prof.spec;
    let employers = (cfg.vacancies / 3).clamp(10, 99_999) as u64;
    let employer = format!("E{:05}", 1 + rng.below(employers));
    let title = rng.pick(spec.titles).to_string();
    let place = t.place(cfg.profile, rng);
    let workplace = t.comune_code(place, rng, 0.05);

    let (chosen, skills) = skills(rng, t, prof, cfg.profile, truth);
    let (education_eqf_min, education_required) = education(rng, spec);
    let languages = languages(rng);
    let licences = licences(rng, spec);
    let contract = contract(rng, spec);

    let mode = [
        Mode::Preselection,
        Mode::TargetedNominative,
        Mode::TargetedNumeric,
        Mode::PublicSelection,
    ][rng.weighted(&[88, 5, 4, 3])];
    let Targeting {
        list: targeted_list,
        demands,
        supports,
    } = targeting(rng, mode, spec);

    let roster_size = [15, 10, 5][rng.weighted(&[80, 12, 8])];
    let positions = 1 + rng.weighted(&[70, 20, 10]) as u32;
    let published = Some(cfg.as_of.add_days(-(rng.range(0, 30) as i32)));
    let applicants = if mode == Mode::PublicSelection && cfg.candidates > 0 && rng.chance(0.5) {
        let k = rng.range(20, 200) as usize;
        Some(sample_ids(rng, cfg.candidates, k))
    } else {
        None
    };

    let text = vacancy_text(
        rng,
        t,
        pi,
        &title,
        place,
        &chosen,
        &contract,
        &licences,
        education_eqf_min,
    );

    VacancyRecord {
        id: vacancy_id(index),
        employer,
        isco: spec.isco.to_string(),
        title,
        text,
        workplace,
        skills,
        education_eqf_min,
        education_required,
        languages,
        licences,
        contract,
        mode,
        targeted_list,
        demands,
        supports,
        roster_size,
        cap_override: None,
        positions,
        published,
        applicants,
        expires: None,
        occupation_mappings: Vec::new(),
    }
}

/// Skills: 3–6, 0–2 of them required (taken from the profession's own skills; fewer
/// required under [`Profile::Wide`]). The chosen skills (for the text and the ground
/// truth) and how the record writes them, with weights.
fn skills<'t>(
    rng: &mut Rng,
    t: &'t Tables,
    prof: &'t Profession,
    profile: Profile,
    truth: Option<&mut Vec<&'static str>>,
) -> (Vec<(&'t SkillForm, Form)>, Vec<VacancySkill>) {
    let n_skills = rng.range(3, 6) as usize;
    let chosen = choose_skills(rng, n_skills, &prof.pool, None, &t.generic);
    if let Some(truth) = truth {
        truth.extend(chosen.iter().map(|(s, _)| s.uri));
    }
    let required_weights = match profile {
        Profile::Default => [40, 40, 20],
        Profile::Wide => [55, 30, 15],
    };
    let n_required = rng.weighted(&required_weights).min(chosen.len());
    let mut required = [usize::MAX; 2];
    for k in 0..n_required {
        loop {
            let i = rng.below(chosen.len() as u64) as usize;
            if !required.contains(&i) {
                required[k] = i;
                break;
            }
        }
    }
    let skills: Vec<VacancySkill> = chosen
        .iter()
        .enumerate()
        .map(|(i, (s, form))| {
            let (esco, label) = write_skill(rng, s, *form);
            let is_required = required.contains(&i);
            let weight = if is_required {
                2 + rng.below(2)
            } else {
                1 + rng.weighted(&[50, 30, 20]) as u64
            };
            VacancySkill {
                esco,
                label,
                required: is_required,
                weight: weight as f64,
            }
        })
        .collect();
    (chosen, skills)
}

/// Education: a minimum for 75%, a hard one for 20% of all vacancies.
fn education(rng: &mut Rng, spec: &Spec) -> (Option<u8>, bool) {
    if rng.chance(0.75) {
        let (lo, hi) = spec.eqf;
        let min = if rng.chance(0.3) {
            (lo + 1).min(hi)
        } else {
            lo
        };
        (Some(min), rng.chance(0.2 / 0.75))
    } else {
        (None, false)
    }
}

/// Languages: English for 25%, German and French for a few.
fn languages(rng: &mut Rng) -> Vec<VacancyLanguage> {
    let mut languages = Vec::new();
    if rng.chance(0.25) {
        languages.push(VacancyLanguage {
            code: "en".to_string(),
            cefr: Cefr::ALL[1 + rng.weighted(&[35, 40, 25])],
            required: rng.chance(0.35),
        });
    }
    for (code, p) in [("de", 0.04), ("fr", 0.03)] {
        if rng.chance(p) {
            languages.push(VacancyLanguage {
                code: code.to_string(),
                cefr: Cefr::ALL[1 + rng.weighted(&[40, 40, 20])],
                required: rng.chance(0.3),
            });
        }
    }
    languages
}

/// Licences: B asked by some vacancies of professions that do not list it, then the
/// profession's own, required or welcome.
fn licences(rng: &mut Rng, spec: &Spec) -> Vec<VacancyLicence> {
    let mut licences: Vec<VacancyLicence> = Vec::new();
    if !spec.licences.iter().any(|l| l.code == "B") {
        match rng.below(100) {
            0..=7 => licences.push(VacancyLicence {
                code: "B".to_string(),
                required: true,
            }),
            8..=22 => licences.push(VacancyLicence {
                code: "B".to_string(),
                required: false,
            }),
            _ => {}
        }
    }
    for l in spec.licences {
        if rng.chance(l.require) {
            licences.push(VacancyLicence {
                code: l.code.to_string(),
                required: true,
            });
        } else if rng.chance(l.have * 0.3) {
            licences.push(VacancyLicence {
                code: l.code.to_string(),
                required: false,
            });
        }
    }
    licences
}

/// Contract: kind, length, hours, pay about the CCNL minimum (5% below it; an
/// internship's allowance instead), shifts and nights.
fn contract(rng: &mut Rng, spec: &Spec) -> Contract {
    let kind = [
        ContractType::FixedTerm,
        ContractType::Permanent,
        ContractType::Agency,
        ContractType::Apprenticeship,
        ContractType::Internship,
    ][rng.weighted(&[45, 25, 20, 7, 3])];
    let months = match kind {
        ContractType::Permanent => None,
        ContractType::FixedTerm | ContractType::Agency => Some(if rng.chance(0.6) {
            *rng.pick(&[3, 6, 12, 12, 6, 24])
        } else {
            rng.range(1, 24)
        }),
        ContractType::Apprenticeship => Some(rng.range(12, 24)),
        ContractType::Internship => Some(rng.range(3, 12)),
    };
    let hours = [40.0, 38.0, 30.0, 24.0, 20.0][rng.weighted(&[50, 10, 15, 12, 13])];
    let (gross, ccnl_min) = if kind == ContractType::Internship {
        // A *tirocinio* pays a regional allowance, not a CCNL wage.
        (f64::from(rng.range(500, 900)), None)
    } else {
        let base = cents(rng, spec.ccnl.0, spec.ccnl.1);
        let min = (base * hours / 40.0 * 100.0).round() / 100.0;
        let factor = if rng.chance(0.05) {
            1.0 - rng.range(1, 15) as f64 / 100.0
        } else {
            1.0 + rng.range(0, 15) as f64 / 100.0
        };
        // Whole euros, on the same side of the minimum as the factor.
        let gross = if factor < 1.0 {
            (min * factor).floor()
        } else {
            (min * factor).ceil()
        };
        (gross, Some(min))
    };
    Contract {
        kind,
        months,
        hours_per_week: hours,
        gross_monthly_eur: Some(gross),
        ccnl_min_monthly_eur: ccnl_min,
        shifts: rng.chance(spec.shifts),
        nights: rng.chance(spec.nights),
    }
}

/// The *collocamento mirato* fields of a vacancy.
struct Targeting {
    list: Option<TargetedList>,
    demands: BTreeMap<String, u8>,
    supports: Vec<Support>,
}

/// In a targeted mode: the list (art. 1 for 85%), 2–4 ICF task demands (the
/// profession's typical ones first) and, for 40%, the supports offered. Nothing in
/// other modes (and no draw).
fn targeting(rng: &mut Rng, mode: Mode, spec: &Spec) -> Targeting {
    let mut demands = BTreeMap::new();
    let mut supports = Vec::new();
    if !mode.is_targeted() {
        return Targeting {
            list: None,
            demands,
            supports,
        };
    }
    let list = if rng.chance(0.85) {
        TargetedList::Art1
    } else {
        TargetedList::Art18
    };
    let n = rng.range(2, 4) as usize;
    for code in spec.demands.iter().take(n) {
        demands.insert(code.to_string(), 1 + rng.weighted(&[20, 35, 30, 15]) as u8);
    }
    while demands.len() < n {
        let (code, _) = rng.pick(ICF_DIMENSIONS);
        let d = 1 + rng.weighted(&[20, 35, 30, 15]) as u8;
        demands.entry(code.to_string()).or_insert(d);
    }
    if rng.chance(0.4) {
        let all = [
            Support::Tutor,
            Support::TechnicalAids,
            Support::AdaptedWorkstation,
        ];
        supports.push(*rng.pick(&all));
        if rng.chance(0.4) {
            let other = *rng.pick(&all);
            if !supports.contains(&other) {
                supports.push(other);
            }
        }
        supports.sort();
    }
    Targeting {
        list: Some(list),
        demands,
        supports,
    }
}

/// `k` distinct candidate ids out of `n`, ascending (Floyd's sampling algorithm).
fn sample_ids(rng: &mut Rng, n: usize, k: usize) -> Vec<String> {
    let k = k.min(n);
    let mut picked: Vec<usize> = Vec::with_capacity(k);
    for j in n - k..n {
        let r = rng.below(j as u64 + 1) as usize;
        let v = if picked.contains(&r) { j } else { r };
        picked.push(v);
    }
    picked.sort_unstable();
    picked.into_iter().map(candidate_id).collect()
}
