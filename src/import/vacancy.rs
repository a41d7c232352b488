//! *Ricerca personale* `Vacancy` (ClicLavoro) → [`VacancyRecord`].
//!
//! | rosa | ClicLavoro |
//! |---|---|
//! | `id` | `DatiSistema/codiceofferta` |
//! | `employer` | `DatoreLavoro/DatiAnagrafici/codicefiscale`, else `denominazione` |
//! | `isco`, `title` | `Richiesta/ProfiloRichiesto/idprofessione` + `descrprofessione` |
//! | `text` | `descrizionericerca`, `descrizioneesperienza`, `conoscenzeinformatiche`, `altrecapacita`, `ulteriorirequisiti`, `ulterioricondizioni` |
//! | `workplace` | `CondizioniOfferte/idcomune` (Belfiore) |
//! | `skills` | ESCO skills named in `conoscenzeinformatiche` and `altrecapacita` (not required, weight 1) |
//! | `education_eqf_min`, `education_required` | lowest `IstruzioneFormazione/titolostudio/idtitolostudio` as EQF; not required (ClicLavoro does not say) |
//! | `languages` | `Lingua`: `idlingua`, lowest declared level; not required |
//! | `licences` | `idpatenteguida`, `idpatentino`: required |
//! | `contract.type` | `idtipologiacontratto` (required; a kind rosa does not model is an error) |
//! | `contract.months` | `durata` (`6`, `6 mesi`, `1 anno`...) |
//! | `contract.hours_per_week` | `idmodalitalavoro`: FT 40, PT 20 ([`codes::weekly_hours`]) |
//! | `contract.gross_monthly_eur` | `retribuzioneannualorda` / [`codes::MONTHLY_PAYMENTS`] |
//! | `positions` | `numerolavoratori` |
//! | `published`, `expires` | `DurataRichiesta/datapubblicazione`, `datascadenza` |

use super::candidatura::{
    clip_text, comune, date, is_contract_code, language, licence_codes, mapping,
};
use super::codes;
use super::occupation::is_cp2011;
use super::xml::{Problems, NS_VACANCY};
use super::{skills_in_text, DocumentReport, Importer};
use crate::model::{
    Contract, Mode, VacancyLanguage, VacancyLicence, VacancyRecord, VacancySkill, MAX_NAME_BYTES,
    MAX_SKILLS, ROSTER_CAP,
};

/// Maps the document; `None` when the record cannot be built (problems say why).
pub(super) fn map<'a, 'i>(
    imp: &Importer,
    doc: &'a roxmltree::Document<'i>,
    p: &mut Problems<'a, 'i>,
) -> Option<(VacancyRecord, DocumentReport)> {
    let root = p.root("Vacancy", NS_VACANCY)?;
    p.only(
        &root,
        &[
            "DatoreLavoro",
            "Richiesta",
            "AltreInformazioni",
            "DatiSistema",
        ],
    );
    let mut notes: Vec<String> = Vec::new();
    let mut text: Vec<String> = Vec::new();
    let mut skill_text: Vec<String> = Vec::new();

    let sys = p.required(&root, "DatiSistema");
    let id = sys
        .as_ref()
        .and_then(|s| p.required_value(s, "codiceofferta"))
        .and_then(|(el, v)| {
            if crate::model::is_valid_id(&v) {
                Some(v)
            } else {
                p.error(
                    &el,
                    format!("not usable as a record id ([A-Za-z0-9_-]{{1,64}}): {v:?}"),
                );
                None
            }
        });

    let employer = p
        .required(&root, "DatoreLavoro")
        .and_then(|d| p.required(&d, "DatiAnagrafici"))
        .and_then(|a| {
            let cf = p.value(&a, "codicefiscale").map(|(_, v)| v);
            let name = p.required_value(&a, "denominazione").map(|(_, v)| v);
            cf.or(name)
        })
        .map(|e| crate::error::clip(e, MAX_NAME_BYTES));

    let req = p.required(&root, "Richiesta");
    let mut isco = None;
    let mut title = String::new();
    let mut mappings = Vec::new();
    let mut positions = None;
    let mut eqf_min: Option<u8> = None;
    let mut languages: Vec<VacancyLanguage> = Vec::new();
    let mut licences = std::collections::BTreeSet::new();
    let mut workplace = None;
    let mut kind = None;
    let mut months = None;
    let mut hours = codes::weekly_hours(None);
    let mut pay = None;
    let mut published = None;
    let mut expires = None;
    if let Some(req) = &req {
        p.only(
            req,
            &[
                "ProfiloRichiesto",
                "IstruzioneFormazione",
                "CondizioniOfferte",
                "DurataRichiesta",
            ],
        );
        if let Some(pr) = p.required(req, "ProfiloRichiesto") {
            if let Some((el, v)) = p.required_value(&pr, "numerolavoratori") {
                match v.parse::<u32>() {
                    Ok(n) if (1..=99).contains(&n) => positions = Some(n),
                    _ => p.error(
                        &el,
                        format!("must be a number of workers 1..=99, got {v:?}"),
                    ),
                }
            }
            let cp = p.required_value(&pr, "idprofessione");
            let t = p.required_value(&pr, "descrprofessione").map(|(_, t)| t);
            if let Some((el, cp)) = cp {
                if is_cp2011(&cp) {
                    let m = imp.occupation(&cp, t.as_deref().unwrap_or(""));
                    mappings.push(mapping("isco".into(), &cp, t.clone(), &m));
                    isco = Some(m.isco);
                } else {
                    p.error(&el, format!("not a CP2011 code like 6.2.3.1.1: {cp:?}"));
                }
            }
            title = crate::error::clip(t.unwrap_or_default(), MAX_NAME_BYTES);
            for f in ["descrizionericerca", "descrizioneesperienza"] {
                if let Some((_, t)) = p.value(&pr, f) {
                    text.push(t);
                }
            }
            if f_missing(p, &pr, "descrizionericerca") {
                p.missing(&pr, "descrizionericerca");
            }
        }
        if let Some(ist) = p.required(req, "IstruzioneFormazione") {
            for ts in p.children(&ist, "titolostudio") {
                if let Some((el, code)) = p.required_value(&ts, "idtitolostudio") {
                    match codes::titolo_eqf(&code) {
                        None => {}
                        Some(Ok(e)) => eqf_min = Some(eqf_min.map_or(e, |m| m.min(e))),
                        Some(Err(())) => p.error(
                            &el,
                            format!("not a Ministry titolo di studio code (two digits, 10..=83): {code:?}"),
                        ),
                    }
                }
                if let Some((_, t)) = p.value(&ts, "descrizionestudio") {
                    text.push(t);
                }
            }
            for li in p.children(&ist, "Lingua") {
                if let Some(l) = language(p, &li, &mut notes) {
                    if !languages.iter().any(|x| x.code == l.code) {
                        languages.push(VacancyLanguage {
                            code: l.code,
                            cefr: l.cefr,
                            required: false,
                        });
                    }
                }
            }
            licence_codes(p, &ist, &mut licences, &mut notes);
            for f in ["conoscenzeinformatiche", "altrecapacita"] {
                if let Some((_, t)) = p.value(&ist, f) {
                    skill_text.push(t.clone());
                    text.push(t);
                }
            }
            if let Some((_, t)) = p.value(&ist, "ulteriorirequisiti") {
                text.push(t);
            }
        }
        if let Some(co) = p.required(req, "CondizioniOfferte") {
            workplace = p
                .required_value(&co, "idcomune")
                .and_then(|(el, v)| comune(imp, p, &el, &v).map(|_| v));
            if let Some((el, v)) = p.required_value(&co, "idtipologiacontratto") {
                if !is_contract_code(&v) {
                    p.error(&el, format!("not a contract type code like A01: {v:?}"));
                } else {
                    kind = codes::contract(&v);
                    if kind.is_none() {
                        p.error(
                            &el,
                            format!("contract type {v:?} has no rosa equivalent (permanent, fixed-term, agency, apprenticeship, internship)"),
                        );
                    }
                }
            }
            if let Some((el, v)) = p.value(&co, "durata") {
                months = codes::duration_months(&v);
                if months.is_none() {
                    notes.push(format!(
                        "{}: duration {v:?} not understood, left out",
                        el.path()
                    ));
                }
            }
            if let Some((el, v)) = p.value(&co, "idmodalitalavoro") {
                match codes::working_time(&v) {
                    Some(w) => hours = codes::weekly_hours(Some(w)),
                    None if v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase()) => notes
                        .push(format!(
                            "{}: working mode {v:?} is not a working time, full time assumed",
                            el.path()
                        )),
                    None => p.error(
                        &el,
                        format!("not a working mode code (two capital letters): {v:?}"),
                    ),
                }
            }
            notes.push(format!(
                "hours_per_week {hours}: ClicLavoro carries no hours, set from the working mode"
            ));
            notes.push("shifts and nights false: ClicLavoro vacancies do not say".into());
            if let Some((el, v)) = p.value(&co, "retribuzioneannualorda") {
                match v.parse::<u32>() {
                    Ok(annual) if v.len() <= 9 => {
                        let monthly =
                            (annual as f64 / codes::MONTHLY_PAYMENTS * 100.0).round() / 100.0;
                        pay = Some(monthly);
                        notes.push(format!(
                            "gross_monthly_eur {monthly}: {annual} a year over {} monthly payments",
                            codes::MONTHLY_PAYMENTS
                        ));
                    }
                    _ => p.error(
                        &el,
                        format!("must be whole euros, at most 9 digits, got {v:?}"),
                    ),
                }
            }
            if let Some((_, t)) = p.value(&co, "ulterioricondizioni") {
                text.push(t);
            }
        }
        if let Some(du) = p.required(req, "DurataRichiesta") {
            published = p
                .required_value(&du, "datapubblicazione")
                .and_then(|(el, v)| date(p, &el, &v));
            if let Some((el, v)) = p.value(&du, "datascadenza") {
                expires = date(p, &el, &v);
                if let (Some(pb), Some(x)) = (published, expires) {
                    if x < pb {
                        p.error(&el, format!("{x} is before datapubblicazione {pb}"));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    for t in &skill_text {
        skills_in_text(imp.skills, t, &mut found);
    }
    found.truncate(MAX_SKILLS);
    let skills = found
        .into_iter()
        .map(|(label, uri)| VacancySkill {
            esco: Some(uri),
            label: Some(label),
            required: false,
            weight: 1.0,
        })
        .collect();
    let (id, isco, workplace, kind, positions) = (id?, isco?, workplace?, kind?, positions?);
    let record = VacancyRecord {
        id,
        employer: employer.unwrap_or_default(),
        isco,
        title,
        text: clip_text(text.join("\n")),
        workplace,
        skills,
        education_eqf_min: eqf_min,
        education_required: false,
        languages,
        licences: licences
            .into_iter()
            .map(|code| VacancyLicence {
                code,
                required: true,
            })
            .collect(),
        contract: Contract {
            kind,
            months,
            hours_per_week: hours,
            gross_monthly_eur: pay,
            ccnl_min_monthly_eur: None,
            shifts: false,
            nights: false,
        },
        mode: Mode::Preselection,
        targeted_list: None,
        demands: Default::default(),
        supports: Vec::new(),
        roster_size: ROSTER_CAP,
        cap_override: None,
        positions,
        published,
        applicants: None,
        expires,
        occupation_mappings: mappings.clone(),
    };
    let report = DocumentReport {
        not_modelled: super::not_modelled(doc, &p.used),
        notes,
        occupations: mappings,
        ..Default::default()
    };
    Some((record, report))
}

/// Whether `name` is absent (or empty) under `el`, without marking anything read.
fn f_missing(p: &mut Problems, el: &super::xml::El, name: &str) -> bool {
    p.children(el, name).iter().all(|c| c.text().is_empty())
}
