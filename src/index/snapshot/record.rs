//! Records in the snapshot: `put_record` names every field of a
//! `CandidateRecord`, so a field added to the model does not compile until the
//! snapshot stores it; `get_record` and `decode_record` read one back.

use super::*;

const BENEFITS: [BenefitScheme; 4] = [
    BenefitScheme::Naspi,
    BenefitScheme::DisColl,
    BenefitScheme::Adi,
    BenefitScheme::Sfl,
];
const LISTS: [TargetedList; 2] = [TargetedList::Art1, TargetedList::Art18];
const SUPPORTS: [Support; 3] = [
    Support::Tutor,
    Support::TechnicalAids,
    Support::AdaptedWorkstation,
];

fn index_of<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter().position(|x| x == v).expect("listed variant") as u8
}

/// Every field is named, so a field added to the model breaks the build here
/// until the snapshot stores it.
pub(super) fn put_record(e: &mut Enc, r: &CandidateRecord) {
    let CandidateRecord {
        id,
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
        occupation_mappings,
    } = r;
    e.str(id);
    e.str(domicile);
    e.date(*did_date);
    e.date(*availability_confirmed);
    e.opt(education_eqf, |e, v| e.u8(*v));
    e.len(experiences.len());
    for x in experiences {
        let Experience {
            isco,
            months,
            end_year,
            certified,
        } = x;
        e.str(isco);
        e.u32(*months);
        e.opt(end_year, |e, v| e.i32(*v));
        e.bool(*certified);
    }
    e.len(desired_isco.len());
    for d in desired_isco {
        e.str(d);
    }
    e.len(skills.len());
    for s in skills {
        let CandidateSkill {
            esco,
            label,
            certified,
        } = s;
        e.opt(esco, |e, v| e.str(v));
        e.opt(label, |e, v| e.str(v));
        e.bool(*certified);
    }
    e.len(languages.len());
    for l in languages {
        let Language { code, cefr } = l;
        e.str(code);
        e.u8(*cefr as u8);
    }
    e.len(licences.len());
    for l in licences {
        e.str(l);
    }
    let Availability {
        max_km,
        contracts,
        full_time,
        part_time,
        shifts,
        nights,
    } = availability;
    e.u32(*max_km);
    e.len(contracts.len());
    for c in contracts {
        e.u8(*c as u8);
    }
    for f in [full_time, part_time, shifts, nights] {
        e.bool(*f);
    }
    e.opt(benefit, |e, b| {
        let Benefit {
            scheme,
            monthly_eur,
            last_contract_hours,
        } = b;
        e.u8(index_of(&BENEFITS, scheme));
        e.f64(*monthly_eur);
        e.opt(last_contract_hours, |e, v| e.f64(*v));
    });
    e.bool(*children_under_14);
    e.opt(targeted, |e, t| {
        let Targeted {
            list,
            enrolled,
            invalidity_pct,
            capacities,
            needs,
        } = t;
        e.u8(index_of(&LISTS, list));
        e.date(*enrolled);
        e.opt(invalidity_pct, |e, v| e.u32(*v));
        e.len(capacities.len());
        for (k, v) in capacities {
            e.str(k);
            e.u8(*v);
        }
        e.len(needs.len());
        for n in needs {
            e.u8(index_of(&SUPPORTS, n));
        }
    });
    e.opt(ranking, |e, r| {
        let RankingData {
            dependents,
            isee_eur,
            income_eur,
            birth_date,
        } = r;
        e.u32(*dependents);
        e.opt(isee_eur, |e, v| e.f64(*v));
        e.opt(income_eur, |e, v| e.f64(*v));
        e.date(*birth_date);
    });
    e.str(cv_text);
    e.len(occupation_mappings.len());
    for m in occupation_mappings {
        let OccupationMapping {
            field,
            cp2011,
            title,
            esco,
            confidence,
            confident,
        } = m;
        e.str(field);
        e.str(cp2011);
        e.str(title);
        e.opt(esco, |e, v| e.str(v));
        e.f64(*confidence);
        e.bool(*confident);
    }
}

pub(super) fn get_record(d: &mut Dec) -> std::result::Result<CandidateRecord, Bad> {
    Ok(CandidateRecord {
        id: d.str()?,
        domicile: d.str()?,
        did_date: d.date()?,
        availability_confirmed: d.date()?,
        education_eqf: d.opt(|d| d.u8())?,
        experiences: d.vec(10, |d| {
            Ok(Experience {
                isco: d.str()?,
                months: d.u32()?,
                end_year: d.opt(|d| d.i32())?,
                certified: d.bool()?,
            })
        })?,
        desired_isco: d.vec(4, |d| d.str())?,
        skills: d.vec(3, |d| {
            Ok(CandidateSkill {
                esco: d.opt(|d| d.str())?,
                label: d.opt(|d| d.str())?,
                certified: d.bool()?,
            })
        })?,
        languages: d.vec(5, |d| {
            Ok(Language {
                code: d.str()?,
                cefr: d.pick(&Cefr::ALL, "CEFR level")?,
            })
        })?,
        licences: d.vec(4, |d| d.str())?,
        availability: Availability {
            max_km: d.u32()?,
            contracts: d.vec(1, |d| d.pick(&ContractType::ALL, "contract type"))?,
            full_time: d.bool()?,
            part_time: d.bool()?,
            shifts: d.bool()?,
            nights: d.bool()?,
        },
        benefit: d.opt(|d| {
            Ok(Benefit {
                scheme: d.pick(&BENEFITS, "benefit scheme")?,
                monthly_eur: d.f64()?,
                last_contract_hours: d.opt(|d| d.f64())?,
            })
        })?,
        children_under_14: d.bool()?,
        targeted: d.opt(|d| {
            Ok(Targeted {
                list: d.pick(&LISTS, "targeted list")?,
                enrolled: d.date()?,
                invalidity_pct: d.opt(|d| d.u32())?,
                capacities: {
                    let pairs = d.vec(5, |d| Ok((d.str()?, d.u8()?)))?;
                    pairs.into_iter().collect::<BTreeMap<_, _>>()
                },
                needs: d.vec(1, |d| d.pick(&SUPPORTS, "support"))?,
            })
        })?,
        ranking: d.opt(|d| {
            Ok(RankingData {
                dependents: d.u32()?,
                isee_eur: d.opt(|d| d.f64())?,
                income_eur: d.opt(|d| d.f64())?,
                birth_date: d.date()?,
            })
        })?,
        cv_text: d.str()?,
        occupation_mappings: d.vec(12, |d| {
            Ok(OccupationMapping {
                field: d.str()?,
                cp2011: d.str()?,
                title: d.str()?,
                esco: d.opt(|d| d.str())?,
                confidence: d.f64()?,
                confident: d.bool()?,
            })
        })?,
    })
}

/// Decodes one record's whole encoding.
pub(crate) fn decode_record(bytes: &[u8]) -> std::result::Result<CandidateRecord, Bad> {
    let mut d = Dec::new(bytes);
    let r = get_record(&mut d)?;
    if !d.done() {
        return Err("trailing bytes after a record".into());
    }
    Ok(r)
}
