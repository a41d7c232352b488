//! One candidate (*SAP*), field group by field group. [`make_candidate`] calls the
//! functions below in the order the record's random draws were always made: where, birth,
//! profession, DID, education, work history, desired occupations, skills, languages,
//! licences, availability, income support, children, *collocamento mirato*, ranking
//! data, CV text. **Moving a call changes every record after it.**

use std::collections::BTreeMap;

use crate::date::Date;
use crate::model::{
    Availability, Benefit, BenefitScheme, CandidateRecord, CandidateSkill, Cefr, ContractType,
    Experience, Language, RankingData, Support, Targeted, TargetedList, ICF_DIMENSIONS,
};

use super::professions::{Spec, SPECS};
use super::rng::cents;
use super::skills::{choose_skills, write_skill, Form};
use super::tables::{Profession, SkillForm, Tables};
use super::writing::{cv_text, CvFacts};
use super::{candidate_id, GenConfig, Profile, Rng};

fn year_of(d: Date) -> i32 {
    d.ymd().0
}

pub(super) fn make_candidate(
    t: &Tables,
    cfg: &GenConfig,
    index: usize,
    rng: &mut Rng,
    truth: Option<&mut Vec<&'static str>>,
) -> CandidateRecord {
    let as_of = cfg.as_of;
    let this_year = year_of(as_of);

    let home = t.place(cfg.profile, rng);
    let domicile = t.comune_code(home, rng, 0.10);

    // Ranking data first: age shapes the rest.
    let (birth_year, birth_date) = birth(rng);
    let age = this_year - birth_year;

    let pi = rng.cumulative(&t.cum_candidates);
    let prof = &t.professions[pi];
    let spec = prof.spec;

    let (did_date, availability_confirmed) = registration(rng, as_of);
    let education_eqf = education(rng, spec, age);
    let (experiences, exp_profs) = work_history(rng, pi, prof, birth_year, this_year, did_date);
    let desired_isco = desired_occupations(rng, prof);
    let (chosen, skills) = skills(rng, t, prof, truth);
    let languages = languages(rng);
    let licences = licences(rng, spec, age);
    let availability = availability(rng, cfg.profile, age);
    let benefit = benefit(rng);
    let children_under_14 = rng.chance(if (25..=50).contains(&age) { 0.42 } else { 0.05 });
    let targeted = targeted(rng, as_of);
    let ranking = Some(ranking(rng, benefit.as_ref(), birth_date));

    let cv_text = cv_text(
        rng,
        t,
        CvFacts {
            prof: pi,
            exp_profs: &exp_profs,
            experiences: &experiences,
            skills: &chosen,
            home,
            eqf: education_eqf,
            licences: &licences,
            languages: &languages,
            availability: &availability,
        },
    );

    CandidateRecord {
        id: candidate_id(index),
        domicile,
        did_date,
        availability_confirmed,
        education_eqf,
        experiences,
        desired_isco,
        skills,
        languages,
        licences,
        availability,
        benefit,
        children_under_14,
        targeted,
        ranking,
        cv_text,
        occupation_mappings: Vec::new(),
    }
}

/// Year and date of birth: a year in 1960..=2006, a day uniform in it.
fn birth(rng: &mut Rng) -> (i32, Date) {
    let birth_year = rng.range(1960, 2006) as i32;
    let jan1 = Date::from_ymd(birth_year, 1, 1).expect("1 January exists");
    let year_len = Date::from_ymd(birth_year + 1, 1, 1)
        .expect("1 January exists")
        .days_since(jan1);
    let birth_date = jan1.add_days(rng.below(year_len as u64) as i32);
    (birth_year, birth_date)
}

/// DID and confirmation: 3% not available, 10% stale (confirmed > 180 days ago).
fn registration(rng: &mut Rng, as_of: Date) -> (Option<Date>, Option<Date>) {
    if rng.chance(0.03) {
        (None, None)
    } else if rng.chance(0.10) {
        let did_ago = rng.range(200, 1095);
        let conf_ago = rng.range(181, did_ago);
        (
            Some(as_of.add_days(-(did_ago as i32))),
            Some(as_of.add_days(-(conf_ago as i32))),
        )
    } else {
        let did_ago = rng.range(30, 1095);
        let conf_ago = rng.range(0, did_ago.min(180));
        (
            Some(as_of.add_days(-(did_ago as i32))),
            Some(as_of.add_days(-(conf_ago as i32))),
        )
    }
}

/// Education: the profession's range, sometimes over- or under-qualified, capped by age.
fn education(rng: &mut Rng, spec: &Spec, age: i32) -> Option<u8> {
    if rng.chance(0.03) {
        return None;
    }
    let (lo, hi) = spec.eqf;
    let mut e = rng.range(u32::from(lo), u32::from(hi)) as u8;
    match rng.below(100) {
        0..=9 => e += rng.range(1, 2) as u8,
        10..=14 => e = e.saturating_sub(1),
        _ => {}
    }
    let cap = match age {
        ..=21 => 4,
        22..=23 => 6,
        24..=26 => 7,
        _ => 8,
    };
    Some(e.clamp(1, cap))
}

/// Work history: 1–3 experiences, the main profession first, then neighbours, going back
/// from the DID. Also the profession index of each experience (for the CV text).
fn work_history(
    rng: &mut Rng,
    pi: usize,
    prof: &Profession,
    birth_year: i32,
    this_year: i32,
    did_date: Option<Date>,
) -> (Vec<Experience>, Vec<usize>) {
    let n_exp = 1 + rng.weighted(&[45, 35, 20]);
    let mut experiences = Vec::with_capacity(n_exp);
    let earliest_year = (birth_year + 16).min(this_year);
    // The default is drawn even when there is a DID (as it always was).
    let mut end_year = did_date.map_or(this_year - rng.range(0, 2) as i32, |d| {
        year_of(d.add_days(-(rng.range(0, 60) as i32)))
    });
    let mut exp_profs = Vec::with_capacity(n_exp);
    for k in 0..n_exp {
        let p = if k == 0 || prof.related.is_empty() || rng.chance(0.3) {
            pi
        } else {
            *rng.pick(&prof.related)
        };
        let months = 2
            + rng.below(48) as u32
            + rng.below(48) as u32
            + if rng.chance(0.15) {
                rng.range(0, 120)
            } else {
                0
            };
        end_year = end_year.clamp(earliest_year, this_year);
        experiences.push(Experience {
            isco: SPECS[p].isco.to_string(),
            months,
            end_year: Some(end_year),
            certified: rng.chance(0.2),
        });
        exp_profs.push(p);
        end_year -= (months / 12) as i32 + rng.range(0, 2) as i32;
    }
    (experiences, exp_profs)
}

/// The profession, and a related one for 40%.
fn desired_occupations(rng: &mut Rng, prof: &Profession) -> Vec<String> {
    let mut desired_isco = vec![prof.spec.isco.to_string()];
    if !prof.related.is_empty() && rng.chance(0.4) {
        desired_isco.push(SPECS[*rng.pick(&prof.related)].isco.to_string());
    }
    desired_isco
}

/// 3–8 skills, mostly of the profession, some of a related one and generic ones: the
/// chosen skills (for the CV text and the ground truth) and how the record writes them.
fn skills<'t>(
    rng: &mut Rng,
    t: &'t Tables,
    prof: &'t Profession,
    truth: Option<&mut Vec<&'static str>>,
) -> (Vec<(&'t SkillForm, Form)>, Vec<CandidateSkill>) {
    let side = prof.related.first().map(|&j| &t.professions[j].pool);
    let side = if prof.related.len() > 1 {
        Some(&t.professions[*rng.pick(&prof.related)].pool)
    } else {
        side
    };
    let n_skills = rng.range(3, 8) as usize;
    let chosen = choose_skills(rng, n_skills, &prof.pool, side, &t.generic);
    if let Some(truth) = truth {
        truth.extend(chosen.iter().map(|(s, _)| s.uri));
    }
    let skills: Vec<CandidateSkill> = chosen
        .iter()
        .map(|(s, form)| {
            let (esco, label) = write_skill(rng, s, *form);
            CandidateSkill {
                esco,
                label,
                certified: rng.chance(0.2),
            }
        })
        .collect();
    (chosen, skills)
}

/// Languages: 8% born abroad (mother tongue at C2, Italian learned), English for half,
/// a few French, Spanish and German.
fn languages(rng: &mut Rng) -> Vec<Language> {
    let mut languages: Vec<Language> = Vec::new();
    let add_lang = |languages: &mut Vec<Language>, code: &str, cefr: Cefr| {
        if !languages.iter().any(|l| l.code == code) {
            languages.push(Language {
                code: code.to_string(),
                cefr,
            });
        }
    };
    let foreign = rng.chance(0.08);
    if foreign {
        // Born abroad: Italian as a learned language, the mother tongue at C2.
        let native = *rng.pick(&[
            "ro", "sq", "ar", "uk", "es", "fr", "zh", "bn", "ur", "pt", "ru", "pl",
        ]);
        add_lang(&mut languages, native, Cefr::C2);
        add_lang(
            &mut languages,
            "it",
            Cefr::ALL[1 + rng.weighted(&[25, 35, 25, 15])],
        );
    }
    if rng.chance(0.5) {
        add_lang(
            &mut languages,
            "en",
            Cefr::ALL[1 + rng.weighted(&[30, 35, 25, 10])],
        );
    }
    for (code, p) in [("fr", 0.08), ("es", 0.05), ("de", 0.04)] {
        if rng.chance(p) {
            add_lang(
                &mut languages,
                code,
                Cefr::ALL[rng.weighted(&[25, 35, 25, 15])],
            );
        }
    }
    languages
}

/// Licences: B for most (half as often under 19), the profession's own, a forklift
/// licence for 4%.
fn licences(rng: &mut Rng, spec: &Spec, age: i32) -> Vec<String> {
    let mut licences: Vec<String> = Vec::new();
    let b_share = spec
        .licences
        .iter()
        .find(|l| l.code == "B")
        .map_or(0.7, |l| l.have);
    let b_share = if age < 19 { b_share * 0.5 } else { b_share };
    if rng.chance(b_share) {
        licences.push("B".to_string());
    }
    for l in spec.licences.iter().filter(|l| l.code != "B") {
        let needs_b = matches!(l.code, "C" | "CE" | "CQC" | "ADR");
        if (!needs_b || !licences.is_empty()) && rng.chance(l.have) {
            licences.push(l.code.to_string());
        }
    }
    if rng.chance(0.04) && !licences.iter().any(|l| l == "forklift") {
        licences.push("forklift".to_string());
    }
    licences
}

/// Declared availability: reach by profile, contracts (apprenticeship and internship
/// mostly for the young), hours, shifts and nights.
fn availability(rng: &mut Rng, profile: Profile, age: i32) -> Availability {
    let max_km = match profile {
        Profile::Default if rng.chance(0.85) => 10 + 5 * rng.range(0, 10),
        Profile::Default => rng.range(61, 150),
        // Wide: a metropolitan commuter belt.
        Profile::Wide => match rng.below(10) {
            0..=7 => rng.range(50, 80),
            8 => rng.range(20, 45),
            _ => rng.range(81, 150),
        },
    };
    let young = age <= 29;
    let contracts: Vec<ContractType> = if rng.chance(0.35) {
        ContractType::ALL.to_vec()
    } else {
        let p = [
            0.97,
            0.9,
            0.7,
            if young { 0.6 } else { 0.05 },
            if young { 0.4 } else { 0.1 },
        ];
        let mut c: Vec<ContractType> = ContractType::ALL
            .iter()
            .zip(p)
            .filter(|(_, p)| rng.chance(*p))
            .map(|(c, _)| *c)
            .collect();
        if c.is_empty() {
            c.push(ContractType::Permanent);
        }
        c
    };
    let full_time = rng.chance(0.88);
    let part_time = rng.chance(0.6) || !full_time;
    let shifts = rng.chance(0.6);
    let nights = rng.chance(if shifts { 0.38 } else { 0.055 });
    Availability {
        max_km,
        contracts,
        full_time,
        part_time,
        shifts,
        nights,
    }
}

/// Income support: NASpI 18%, DIS-COLL 1%, ADI 5%, SFL 1%.
fn benefit(rng: &mut Rng) -> Option<Benefit> {
    match rng.below(1000) {
        0..=179 => Some(Benefit {
            scheme: BenefitScheme::Naspi,
            monthly_eur: cents(rng, 700, 1550),
            last_contract_hours: Some(match rng.below(100) {
                0..=54 => 40.0,
                55..=64 => 38.0,
                65..=74 => 36.0,
                _ => f64::from(rng.range(20, 35)),
            }),
        }),
        180..=189 => Some(Benefit {
            scheme: BenefitScheme::DisColl,
            monthly_eur: cents(rng, 450, 1300),
            last_contract_hours: None,
        }),
        190..=239 => Some(Benefit {
            scheme: BenefitScheme::Adi,
            monthly_eur: cents(rng, 300, 700),
            last_contract_hours: None,
        }),
        240..=249 => Some(Benefit {
            scheme: BenefitScheme::Sfl,
            monthly_eur: 500.0,
            last_contract_hours: None,
        }),
        _ => None,
    }
}

/// *Collocamento mirato* for 3%: art. 1 (85%, with invalidity, ICF capacities and
/// sometimes supports needed) or art. 18.
fn targeted(rng: &mut Rng, as_of: Date) -> Option<Targeted> {
    if !rng.chance(0.03) {
        return None;
    }
    let art1 = rng.chance(0.85);
    let enrolled = as_of.add_days(-(rng.range(30, 3650) as i32));
    if !art1 {
        return Some(Targeted {
            list: TargetedList::Art18,
            enrolled: Some(enrolled),
            invalidity_pct: None,
            capacities: BTreeMap::new(),
            needs: Vec::new(),
        });
    }
    let invalidity = 46 + rng.range(0, 54).min(rng.range(0, 54));
    let mut capacities = BTreeMap::new();
    let dims = rng.range(2, 5);
    while capacities.len() < dims as usize {
        let (code, _) = rng.pick(ICF_DIMENSIONS);
        let cap = rng.weighted(&[10, 25, 35, 30]) as u8;
        capacities.entry(code.to_string()).or_insert(cap);
    }
    let mut needs = Vec::new();
    if rng.chance(0.2) {
        let all = [
            Support::Tutor,
            Support::TechnicalAids,
            Support::AdaptedWorkstation,
        ];
        needs.push(*rng.pick(&all));
        if rng.chance(0.3) {
            let other = *rng.pick(&all);
            if !needs.contains(&other) {
                needs.push(other);
            }
        }
        needs.sort();
    }
    Some(Targeted {
        list: TargetedList::Art1,
        enrolled: Some(enrolled),
        invalidity_pct: Some(invalidity),
        capacities,
        needs,
    })
}

/// Ranking data for everyone: dependents, ISEE (low with ADI or SFL), income, birth date.
fn ranking(rng: &mut Rng, benefit: Option<&Benefit>, birth_date: Date) -> RankingData {
    let low_isee = matches!(
        benefit.map(|b| b.scheme),
        Some(BenefitScheme::Adi | BenefitScheme::Sfl)
    );
    let isee = if low_isee {
        rng.range(0, 9360)
    } else {
        match rng.below(10) {
            0..=2 => rng.range(0, 6000),
            3..=6 => rng.range(6000, 15000),
            _ => rng.range(15000, 40000),
        }
    };
    let income = if rng.chance(0.4) {
        0
    } else {
        rng.range(1000, 30000)
    };
    RankingData {
        dependents: rng.weighted(&[40, 25, 20, 10, 5]) as u32,
        isee_eur: Some(f64::from(isee)),
        income_eur: Some(f64::from(income)),
        birth_date: Some(birth_date),
    }
}
