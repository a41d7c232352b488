//! *Candidatura* (ClicLavoro CV) → [`CandidateRecord`].
//!
//! What is read (everything else is listed in the report as not modelled):
//!
//! | rosa | ClicLavoro |
//! |---|---|
//! | `id` | `DatiSistema/codicecandidatura` |
//! | `domicile` | `Lavoratore/Domicilio/idcomune` (Belfiore) |
//! | `did_date`, `availability_confirmed` | `DatiSistema/datainserimento` (publishing a candidatura declares availability) |
//! | `education_eqf` | highest `Istruzione/titolostudio` ([`codes::titolo_eqf`]) |
//! | `experiences` | `EsperienzeLavorative`: `qualificasvolta` + `descrqualificasvolta` → ISCO, `datainizio`..`datafine` (or `datainserimento`) → months, end year |
//! | `desired_isco` | `ProfessioneDesiderataDisponibilita/idprofessione` + `descrprofessione` |
//! | `languages` | `Lingue`: `idlingua`, the lowest of `idlivelloletto/scritto/parlato` |
//! | `licences` | `idpatenteguida`, `idpatentino` (in `AbilitazioniPatenti` and `DatiAggiuntivi/Abilitazioni`) |
//! | `availability.contracts` | `idtipologiacontratto` (none declared: every kind) |
//! | `availability.full_time/part_time` | `idmodalitalavorativa` (none declared: both) |
//! | `availability.shifts/nights` | `Disponibilita/turno` (any shift; a night shift) |
//! | `availability.max_km` | `Disponibilita/Territorio`: farthest declared comune, province or region from the domicile (none: [`super::DEFAULT_REACH_KM`]) |
//! | `skills` | ESCO skills named in the free texts (`competenze`, `tipoconoscenza`, `specifiche`, `principalimansioni`, course titles) |
//! | `cv_text` | the free texts above plus titles of study and courses |

use std::collections::BTreeSet;

use super::codes::{self, WorkingTime};
use super::occupation::is_cp2011;
use super::xml::{El, Problems, NS_CANDIDATURA};
use super::{parse_day, skills_in_text, DocumentReport, Importer};
use crate::date::Date;
use crate::geo::ComuneId;
use crate::model::{
    Availability, CandidateRecord, CandidateSkill, Cefr, ContractType, Experience, Language,
    OccupationMapping, MAX_KM_LIMIT, MAX_LIST, MAX_SKILLS, MAX_TEXT_BYTES,
};

/// Maps the document; `None` when the record cannot be built (problems say why).
pub(super) fn map<'a, 'i>(
    imp: &Importer,
    doc: &'a roxmltree::Document<'i>,
    p: &mut Problems<'a, 'i>,
) -> Option<(CandidateRecord, DocumentReport)> {
    let root = p.root("Candidatura", NS_CANDIDATURA)?;
    p.only(
        &root,
        &[
            "Lavoratore",
            "DatiCurriculari",
            "DatiSistema",
            "DatiAggiuntivi",
        ],
    );
    let mut notes: Vec<String> = Vec::new();
    let mut text: Vec<String> = Vec::new();
    let mut skill_text: Vec<String> = Vec::new();

    // DatiSistema: id and dates.
    let sys = p.required(&root, "DatiSistema");
    let id = sys
        .as_ref()
        .and_then(|s| p.required_value(s, "codicecandidatura"))
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
    let inserted = sys
        .as_ref()
        .and_then(|s| p.required_value(s, "datainserimento"))
        .and_then(|(el, v)| date(p, &el, &v));
    // Income support is said (SI/NO) but not which scheme or how much: congruity needs
    // both, so the record carries no benefit; the report says so.
    if let Some(s) = &sys {
        let says = s
            .node
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == "percettore")
            .and_then(|c| c.text())
            .map(|t| t.trim() == "SI");
        if says == Some(true) {
            notes.push(
                "percettore SI: the scheme and monthly amount are not in ClicLavoro, so no benefit is recorded and congruity is not assessed; add them from the SAP".into(),
            );
        }
    }

    // Lavoratore: only the domicile.
    let worker = p.required(&root, "Lavoratore");
    let domicile = worker
        .as_ref()
        .and_then(|w| p.required(w, "Domicilio"))
        .and_then(|d| p.required_value(&d, "idcomune"))
        .and_then(|(el, v)| comune(imp, p, &el, &v).map(|c| (v, c)));

    let cur = p.required(&root, "DatiCurriculari");
    let mut experiences = Vec::new();
    let mut desired = Vec::new();
    let mut mappings = Vec::new();
    let mut education: Option<u8> = None;
    let mut languages: Vec<Language> = Vec::new();
    let mut licences: BTreeSet<String> = BTreeSet::new();
    let mut contracts: BTreeSet<ContractType> = BTreeSet::new();
    let (mut declared_contracts, mut declared_time) = (false, false);
    let (mut full_time, mut part_time, mut shifts, mut nights) = (false, false, false, false);
    let mut reach: Option<f64> = None;

    if let Some(cur) = &cur {
        p.only(
            cur,
            &[
                "EsperienzeLavorative",
                "Istruzione",
                "Formazione",
                "Lingue",
                "ConoscenzeInformatiche",
                "AbilitazioniPatenti",
                "ProfessioneDesiderataDisponibilita",
            ],
        );
        for ex in p.children(cur, "EsperienzeLavorative") {
            let cp = p.value(&ex, "qualificasvolta");
            let title = p.value(&ex, "descrqualificasvolta").map(|(_, t)| t);
            let start = p
                .value(&ex, "datainizio")
                .and_then(|(el, v)| date(p, &el, &v));
            let end_el = p.value(&ex, "datafine");
            let end = end_el.as_ref().and_then(|(el, v)| date(p, el, v));
            if let Some((_, t)) = p.value(&ex, "principalimansioni") {
                skill_text.push(t.clone());
                text.push(t);
            }
            if let Some(t) = &title {
                text.push(t.clone());
            }
            let Some((cp_el, cp)) = cp else {
                notes.push(format!(
                    "{}: no qualificasvolta (CP2011 code), the experience is not modelled",
                    ex.path()
                ));
                continue;
            };
            if !is_cp2011(&cp) {
                p.error(&cp_el, format!("not a CP2011 code like 6.2.3.1.1: {cp:?}"));
                continue;
            }
            let until = end.or(inserted);
            let months = match (start, until) {
                (Some(s), Some(u)) if u < s => {
                    if let Some((el, _)) = &end_el {
                        p.error(el, format!("{u} is before datainizio {s}"));
                    }
                    continue;
                }
                (Some(s), Some(u)) => u.months_since(s).clamp(0, 600) as u32,
                _ => {
                    notes.push(format!(
                        "{}: no datainizio, months of experience 0",
                        ex.path()
                    ));
                    0
                }
            };
            let m = imp.occupation(&cp, title.as_deref().unwrap_or(""));
            mappings.push(mapping(
                format!("experiences[{}]", experiences.len()),
                &cp,
                title,
                &m,
            ));
            experiences.push(Experience {
                isco: m.isco,
                months,
                end_year: until.map(|d| d.ymd().0),
                certified: false,
            });
        }
        for ist in p.children(cur, "Istruzione") {
            if let Some((el, code)) = p.required_value(&ist, "titolostudio") {
                match codes::titolo_eqf(&code) {
                    None => {}
                    Some(Ok(eqf)) => education = education.max(Some(eqf)),
                    Some(Err(())) => p.error(
                        &el,
                        format!(
                            "not a Ministry titolo di studio code (two digits, 10..=83): {code:?}"
                        ),
                    ),
                }
            }
            for f in ["descrizioneistruzione", "specifica"] {
                if let Some((_, t)) = p.value(&ist, f) {
                    text.push(t);
                }
            }
        }
        for fo in p.children(cur, "Formazione") {
            for f in ["titolocorso", "descrizione", "contenuto", "descrqualifica"] {
                if let Some((_, t)) = p.value(&fo, f) {
                    skill_text.push(t.clone());
                    text.push(t);
                }
            }
        }
        for li in p.children(cur, "Lingue") {
            if let Some(l) = language(p, &li, &mut notes) {
                match languages.iter_mut().find(|x| x.code == l.code) {
                    Some(x) => x.cefr = x.cefr.max(l.cefr),
                    None => languages.push(l),
                }
            }
        }
        if let Some(ci) = p.child(cur, "ConoscenzeInformatiche") {
            for f in ["tipoconoscenza", "specifiche"] {
                if let Some((_, t)) = p.value(&ci, f) {
                    skill_text.push(t.clone());
                    text.push(t);
                }
            }
        }
        if let Some(ab) = p.child(cur, "AbilitazioniPatenti") {
            licence_codes(p, &ab, &mut licences, &mut notes);
        }
        let wishes = p.children(cur, "ProfessioneDesiderataDisponibilita");
        if wishes.is_empty() {
            p.missing(cur, "ProfessioneDesiderataDisponibilita");
        }
        for w in wishes {
            let code = p.required_value(&w, "idprofessione");
            let title = p.required_value(&w, "descrprofessione").map(|(_, t)| t);
            for f in ["descrizioneprofessione", "descrizioneesperienza"] {
                if let Some((_, t)) = p.value(&w, f) {
                    text.push(t);
                }
            }
            if let Some(t) = &title {
                text.push(t.clone());
            }
            if let Some((el, cp)) = code {
                if !is_cp2011(&cp) {
                    p.error(&el, format!("not a CP2011 code like 6.2.3.1.1: {cp:?}"));
                } else {
                    let m = imp.occupation(&cp, title.as_deref().unwrap_or(""));
                    if !desired.contains(&m.isco) {
                        mappings.push(mapping(
                            format!("desired_isco[{}]", desired.len()),
                            &cp,
                            title,
                            &m,
                        ));
                        desired.push(m.isco);
                    }
                }
            }
            for name in ["idmodalitalavorativa"] {
                for (el, v) in p.values(&w, name) {
                    if !is_two_letters(&v) {
                        p.error(
                            &el,
                            format!("not a working mode code (two capital letters): {v:?}"),
                        );
                        continue;
                    }
                    declared_time = true;
                    match codes::working_time(&v) {
                        Some(WorkingTime::Full) => full_time = true,
                        Some(WorkingTime::Part) => part_time = true,
                        None => notes.push(format!(
                            "{}: working mode {v:?} is not a working time rosa models",
                            el.path()
                        )),
                    }
                }
            }
            for (el, v) in p.values(&w, "idtipologiacontratto") {
                if !is_contract_code(&v) {
                    p.error(&el, format!("not a contract type code like A01: {v:?}"));
                    continue;
                }
                declared_contracts = true;
                match codes::contract(&v) {
                    Some(c) => {
                        contracts.insert(c);
                    }
                    None => notes.push(format!(
                        "{}: contract type {v:?} has no rosa equivalent, left out",
                        el.path()
                    )),
                }
            }
            if let Some(d) = p.child(&w, "Disponibilita") {
                for (_, v) in p.values(&d, "turno") {
                    shifts = true;
                    nights |= codes::is_night_shift(&v);
                }
                if let (Some(t), Some((_, home))) = (p.child(&d, "Territorio"), &domicile) {
                    if let Some(km) = territory(imp, p, &t, *home, &mut notes) {
                        reach = Some(reach.map_or(km, |r: f64| r.max(km)));
                    }
                }
            }
        }
    }

    if let Some(extra) = p.child(&root, "DatiAggiuntivi") {
        if let Some(ab) = p.child(&extra, "Abilitazioni") {
            for pa in p.children(&ab, "Patenti") {
                licence_codes(p, &pa, &mut licences, &mut notes);
            }
            for pa in p.children(&ab, "Patentini") {
                licence_codes(p, &pa, &mut licences, &mut notes);
            }
        }
        if let Some(an) = p.child(&extra, "Annotazioni") {
            if let Some((_, t)) = p.value(&an, "competenze") {
                skill_text.push(t.clone());
                text.push(t);
            }
        }
    }

    if !declared_contracts {
        contracts.extend(ContractType::ALL);
        notes.push("no idtipologiacontratto declared: every contract kind accepted".into());
    }
    if !declared_time || (!full_time && !part_time) {
        full_time = true;
        part_time = true;
        notes.push(
            "no working time declared (idmodalitalavorativa FT/PT): full and part time accepted"
                .into(),
        );
    }
    let max_km = match reach {
        Some(km) => {
            let km = km.ceil() as u32;
            if km > MAX_KM_LIMIT {
                notes.push(format!(
                    "territory reaches {km} km from the domicile: capped at {MAX_KM_LIMIT} km"
                ));
            }
            km.min(MAX_KM_LIMIT)
        }
        None => {
            notes.push(format!(
                "no Territorio declared: reach {} km from the domicile",
                super::DEFAULT_REACH_KM
            ));
            super::DEFAULT_REACH_KM
        }
    };
    let mut found = Vec::new();
    for t in &skill_text {
        skills_in_text(imp.skills, t, &mut found);
    }
    found.truncate(MAX_SKILLS);
    let skills = found
        .into_iter()
        .map(|(label, uri)| CandidateSkill {
            esco: Some(uri),
            label: Some(label),
            certified: false,
        })
        .collect();
    if experiences.len() > MAX_LIST {
        p.error(
            &root,
            format!("more than {MAX_LIST} EsperienzeLavorative (MAX_LIST)"),
        );
    }

    let (id, (domicile, _), inserted) = (id?, domicile?, inserted?);
    let not_modelled = super::not_modelled(doc, &p.used);
    let record = CandidateRecord {
        id,
        domicile,
        did_date: Some(inserted),
        availability_confirmed: Some(inserted),
        education_eqf: education,
        experiences,
        desired_isco: desired,
        skills,
        languages,
        licences: licences.into_iter().collect(),
        availability: Availability {
            max_km,
            contracts: contracts.into_iter().collect(),
            full_time,
            part_time,
            shifts,
            nights,
        },
        benefit: None,
        children_under_14: false,
        targeted: None,
        ranking: None,
        cv_text: clip_text(text.join("\n")),
        occupation_mappings: mappings.clone(),
    };
    let report = DocumentReport {
        not_modelled,
        notes,
        occupations: mappings,
        ..Default::default()
    };
    Some((record, report))
}

/// The record's mapping entry.
pub(super) fn mapping(
    field: String,
    cp: &str,
    title: Option<String>,
    m: &super::occupation::Mapping,
) -> OccupationMapping {
    OccupationMapping {
        field,
        cp2011: cp.to_string(),
        title: title
            .map(|t| crate::error::clip(t, crate::model::MAX_NAME_BYTES))
            .unwrap_or_default(),
        esco: m.esco.as_ref().map(|(u, _)| u.clone()),
        confidence: m.confidence,
        confident: m.confident,
    }
}

/// Joins free texts within [`MAX_TEXT_BYTES`].
pub(super) fn clip_text(s: String) -> String {
    crate::error::clip(s, MAX_TEXT_BYTES)
}

pub(super) fn date(p: &mut Problems, el: &El, v: &str) -> Option<Date> {
    let d = parse_day(v);
    if d.is_none() {
        p.error(el, format!("not a date (YYYY-MM-DD): {v:?}"));
    }
    d
}

pub(super) fn comune(imp: &Importer, p: &mut Problems, el: &El, v: &str) -> Option<ComuneId> {
    let c = imp.comuni.lookup(v);
    if c.is_none() {
        p.error(
            el,
            format!("unknown comune {v:?} (expected a Belfiore code like F205)"),
        );
    }
    c
}

fn is_two_letters(v: &str) -> bool {
    v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase())
}

pub(super) fn is_contract_code(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

/// A `Lingue` / `Lingua` element: the language and the lowest level declared.
pub(super) fn language<'a, 'i>(
    p: &mut Problems<'a, 'i>,
    li: &El<'a, 'i>,
    notes: &mut Vec<String>,
) -> Option<Language> {
    let code = p.value(li, "idlingua");
    let mut level: Option<Cefr> = None;
    let mut bad = false;
    for f in ["idlivelloletto", "idlivelloscritto", "idlivelloparlato"] {
        if let Some((el, v)) = p.value(li, f) {
            match codes::cefr(&v) {
                Some(c) => level = Some(level.map_or(c, |l| l.min(c))),
                None => {
                    p.error(
                        &el,
                        format!("not a Ministry language level (A1..C2): {v:?}"),
                    );
                    bad = true;
                }
            }
        }
    }
    let (el, code) = code?;
    let valid = code == "WU"
        || (code.len() == 3
            && (code.bytes().all(|b| b.is_ascii_uppercase())
                || code.bytes().all(|b| b.is_ascii_digit())));
    if !valid {
        p.error(
            &el,
            format!("not a Ministry language code (three letters or digits): {code:?}"),
        );
        return None;
    }
    if bad {
        return None;
    }
    let Some(iso) = codes::language(&code) else {
        notes.push(format!(
            "{}: language {code:?} not in rosa's table, left out",
            el.path()
        ));
        return None;
    };
    let Some(cefr) = level else {
        notes.push(format!(
            "{}: language {code:?} has no level, left out",
            li.path()
        ));
        return None;
    };
    Some(Language {
        code: iso.to_string(),
        cefr,
    })
}

/// `idpatenteguida` and `idpatentino` children of `el`.
pub(super) fn licence_codes<'a, 'i>(
    p: &mut Problems<'a, 'i>,
    el: &El<'a, 'i>,
    out: &mut BTreeSet<String>,
    notes: &mut Vec<String>,
) {
    for (name, table) in [
        (
            "idpatenteguida",
            codes::driving_licence as fn(&str) -> Option<&'static str>,
        ),
        ("idpatentino", codes::patentino),
    ] {
        for (c, v) in p.values(el, name) {
            if !(v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit())) {
                p.error(
                    &c,
                    format!("not a Ministry licence code (two digits): {v:?}"),
                );
                continue;
            }
            match table(&v) {
                Some(l) => {
                    out.insert(l.to_string());
                }
                None => notes.push(format!(
                    "{}: code {v:?} not in rosa's table, left out",
                    c.path()
                )),
            }
        }
    }
}

/// Reach in km of a `Territorio` from the domicile `home`.
fn territory<'a, 'i>(
    imp: &Importer,
    p: &mut Problems<'a, 'i>,
    t: &El<'a, 'i>,
    home: ComuneId,
    notes: &mut Vec<String>,
) -> Option<f64> {
    let comuni = imp.comuni;
    let mut reach: Option<f64> = None;
    let mut widen = |km: f64| reach = Some(reach.map_or(km, |r: f64| r.max(km)));
    for dc in p.children(t, "DispComune") {
        if let Some((el, v)) = p.value(&dc, "codcomdisp") {
            if let Some(c) = comune(imp, p, &el, &v) {
                widen(comuni.distance_km(home, c));
            }
        }
    }
    for (el, v) in p.values(t, "codprovinciadisp") {
        let far = comuni
            .iter()
            .filter(|(_, c)| {
                c.province.eq_ignore_ascii_case(&v) || (v.len() == 3 && c.istat.starts_with(&v))
            })
            .map(|(id, _)| comuni.distance_km(home, id))
            .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))));
        match far {
            Some(km) => widen(km),
            None => notes.push(format!("{}: province {v:?} unknown, left out", el.path())),
        }
    }
    for (el, v) in p.values(t, "codregionedisp") {
        let far = codes::region(&v).and_then(|name| {
            comuni
                .iter()
                .filter(|(_, c)| c.region == name)
                .map(|(id, _)| comuni.distance_km(home, id))
                .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))))
        });
        match far {
            Some(km) => widen(km),
            None => notes.push(format!("{}: region {v:?} unknown, left out", el.path())),
        }
    }
    for (el, v) in p.values(t, "codstatodisp") {
        notes.push(format!(
            "{}: available abroad ({v}); reach set to the limit, {MAX_KM_LIMIT} km",
            el.path()
        ));
        widen(MAX_KM_LIMIT as f64);
    }
    reach
}
