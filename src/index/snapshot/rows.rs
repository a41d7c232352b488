//! What the snapshot keeps per row beside the record: features, graduatoria
//! inputs and the functional profile.

use super::*;

/// Every field is named, so a field added to the features breaks the build
/// here until the snapshot stores it.
pub(super) fn put_features(e: &mut Enc, f: &Features) {
    let Features {
        comune,
        skills,
        max_km,
        education_eqf,
        occupations,
        did_date,
        confirmed,
        languages,
        esco,
    } = f;
    e.u16(*comune);
    e.len(skills.len());
    for s in skills.iter() {
        e.u32(s.key);
        e.f32(s.similarity);
        e.bool(s.certified);
        e.u16(s.source);
    }
    e.u32(*max_km);
    e.opt(education_eqf, |e, v| e.u8(*v));
    e.len(occupations.len());
    for o in occupations.iter() {
        e.u32(o.code);
        e.u32(o.months);
        e.bool(o.desired);
    }
    e.date(*did_date);
    e.date(*confirmed);
    e.len(languages.len());
    for l in languages.iter() {
        e.u8(l.code[0]);
        e.u8(l.code[1]);
        e.u8(l.rank);
    }
    e.len(esco.len());
    for o in esco.iter() {
        e.u16(o.occ);
        e.f32(o.strength);
    }
}

/// Every field is named, so a new input breaks the build here until the
/// snapshot stores it.
pub(super) fn put_inputs(e: &mut Enc, i: &Inputs) {
    let Inputs {
        did_date,
        enrolled,
        invalidity_pct,
        dependents,
        isee_eur,
        income_eur,
        birth_date,
    } = i;
    e.date(*did_date);
    e.date(*enrolled);
    e.opt(invalidity_pct, |e, v| e.u32(*v));
    e.u32(*dependents);
    e.opt(isee_eur, |e, v| e.f64(*v));
    e.opt(income_eur, |e, v| e.f64(*v));
    e.date(*birth_date);
}

pub(super) fn get_inputs(d: &mut Dec) -> std::result::Result<Inputs, Bad> {
    Ok(Inputs {
        did_date: d.date()?,
        enrolled: d.date()?,
        invalidity_pct: d.opt(|d| d.u32())?,
        dependents: d.u32()?,
        isee_eur: d.opt(|d| d.f64())?,
        income_eur: d.opt(|d| d.f64())?,
        birth_date: d.date()?,
    })
}

/// Every field is named, so a new one breaks the build here until the
/// snapshot stores it.
pub(super) fn put_profile(e: &mut Enc, p: &FunctionalProfile) {
    let FunctionalProfile {
        profiled,
        capacities,
        needs,
    } = p;
    e.bool(*profiled);
    e.buf.extend_from_slice(capacities);
    e.u8(*needs);
}

pub(super) fn get_profile(d: &mut Dec) -> std::result::Result<FunctionalProfile, Bad> {
    let profiled = d.bool()?;
    let capacities = d.arr()?;
    if capacities.iter().any(|&c| c > 4) {
        return Err("a capacity above 4".into());
    }
    Ok(FunctionalProfile {
        profiled,
        capacities,
        needs: d.u8()?,
    })
}

pub(super) fn get_features(d: &mut Dec, keys: u32) -> std::result::Result<Features, Bad> {
    let comune = d.u16()?;
    if comune as usize >= Comuni::embedded().len() {
        return Err(format!("comune {comune} out of range"));
    }
    let skills = d.vec(11, |d| {
        let f = SkillFeature {
            key: d.u32()?,
            similarity: d.f32()?,
            certified: d.bool()?,
            source: d.u16()?,
        };
        if f.key >= keys {
            return Err(format!("skill key {} out of range", f.key));
        }
        Ok(f)
    })?;
    let max_km = d.u32()?;
    let education_eqf = d.opt(|d| d.u8())?;
    let occupations = d.vec(9, |d| {
        Ok(Occupation {
            code: d.u32()?,
            months: d.u32()?,
            desired: d.bool()?,
        })
    })?;
    let did_date = d.date()?;
    let confirmed = d.date()?;
    let languages = d.vec(3, |d| {
        let code = [d.u8()?, d.u8()?];
        let rank = d.u8()?;
        if !(1..=6).contains(&rank) {
            return Err(format!("CEFR rank {rank} out of range"));
        }
        Ok(LanguageLevel { code, rank })
    })?;
    let occupations_known = crate::esco::active().occupations.len();
    let esco = d.vec(6, |d| {
        let o = crate::esco::Inferred {
            occ: d.u16()?,
            strength: d.f32()?,
        };
        if o.occ as usize >= occupations_known || !(0.0..=1.0).contains(&o.strength) {
            return Err(format!("inferred occupation {} out of range", o.occ));
        }
        Ok(o)
    })?;
    Ok(Features {
        esco: esco.into(),
        comune,
        skills: skills.into(),
        max_km,
        education_eqf,
        occupations: occupations.into(),
        did_date,
        confirmed,
        languages: languages.into(),
    })
}
