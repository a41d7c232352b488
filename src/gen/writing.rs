//! The Italian prose of a record: a CV of 2–5 sentences, a vacancy's ad text.

use std::fmt::Write as _;

use crate::geo::ComuneId;
use crate::model::{Availability, Contract, ContractType, Experience, Language, VacancyLicence};

use super::professions::SPECS;
use super::skills::{capitalise, prose_labels, Form};
use super::tables::{SkillForm, Tables};
use super::Rng;

/// What a CV text talks about: the record's own facts.
pub(super) struct CvFacts<'a> {
    pub(super) prof: usize,
    pub(super) exp_profs: &'a [usize],
    pub(super) experiences: &'a [Experience],
    pub(super) skills: &'a [(&'a SkillForm, Form)],
    pub(super) home: ComuneId,
    pub(super) eqf: Option<u8>,
    pub(super) licences: &'a [String],
    pub(super) languages: &'a [Language],
    pub(super) availability: &'a Availability,
}

fn duration(months: u32) -> String {
    match months {
        0..=11 => format!("{months} mesi"),
        12..=17 => "un anno".to_string(),
        _ => format!("{} anni", (months + 6) / 12),
    }
}

fn education_phrase(eqf: u8) -> &'static str {
    match eqf {
        1 => "la licenza elementare",
        2 => "la licenza media",
        3 => "una qualifica professionale triennale",
        4 => "il diploma di scuola superiore",
        5 => "un diploma di istruzione tecnica superiore (ITS)",
        6 => "la laurea triennale",
        7 => "la laurea magistrale",
        _ => "un dottorato di ricerca",
    }
}

fn language_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "en" => "inglese",
        "fr" => "francese",
        "de" => "tedesca",
        "es" => "spagnola",
        "it" => "italiana",
        _ => return None,
    })
}

/// Joins labels Italian style: "a", "a e b", "a, b e c".
fn join_it(out: &mut String, labels: &[&str]) {
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == labels.len() { " e " } else { ", " });
        }
        out.push_str(l);
    }
}

/// An Italian CV of 2–5 sentences, about 300–600 characters, from templates.
pub(super) fn cv_text(rng: &mut Rng, t: &Tables, f: CvFacts<'_>) -> String {
    let spec = t.professions[f.prof].spec;
    let city = &t.comuni.get(f.home).name;
    let sector = *rng.pick(spec.sectors);
    let labels = prose_labels(rng, f.skills, &t.professions[f.prof].pool, 5);
    let mut text = String::with_capacity(640);
    let dur = duration(f.experiences[0].months);
    let role = spec.role;
    let _ = match rng.below(4) {
        0 => write!(
            text,
            "Ho lavorato come {role} presso {sector} per {dur}, in provincia di {city}."
        ),
        1 => write!(
            text,
            "Esperienza di {dur} come {role} presso {sector} in zona {city}."
        ),
        2 => write!(
            text,
            "Negli ultimi anni ho lavorato per {dur} come {role} presso {sector}."
        ),
        _ => write!(
            text,
            "{} con {dur} di esperienza presso {sector}.",
            capitalise(role)
        ),
    };
    text.push_str(rng.pick::<&str>(&[
        " Tra le mie mansioni: ",
        " Ho una buona conoscenza di ",
        " Competenze principali: ",
        " Mi sono occupato/a in particolare di ",
    ]));
    join_it(&mut text, &labels[..labels.len().min(3)]);
    text.push('.');

    let mut extra: Vec<String> = Vec::with_capacity(8);
    if f.experiences.len() > 1 {
        let d = duration(f.experiences[1].months);
        extra.push(if f.exp_profs[1] == f.prof {
            format!(" In precedenza ho svolto la stessa mansione per {d} presso un'altra azienda.")
        } else {
            let p = SPECS[f.exp_profs[1]].role;
            format!(" In precedenza ho lavorato come {p} per {d}, con buoni risultati.")
        });
    }
    if let Some(e) = f.eqf {
        extra.push(format!(
            " Ho conseguito {} e seguito corsi di aggiornamento.",
            education_phrase(e)
        ));
    }
    if let Some(l) = labels.get(3).or(labels.last()) {
        extra.push(format!(
            " Ho frequentato un corso di formazione su {l} con attestato finale."
        ));
    }
    let a = f.availability;
    extra.push(match (a.shifts, a.nights, a.full_time, a.part_time) {
        (true, true, ..) => {
            " Sono disponibile a lavorare su turni, anche notturni e nei fine settimana."
                .to_string()
        }
        (true, false, ..) => {
            " Sono disponibile a lavorare su turni, anche nei fine settimana.".to_string()
        }
        (false, _, false, true) => format!(" Cerco un impiego part-time nella zona di {city}."),
        _ => format!(
            " Cerco un impiego stabile nella zona di {city}, entro {} km da casa.",
            a.max_km
        ),
    });
    if !f.licences.is_empty() {
        let mut s = String::from(" Sono in possesso di patente ");
        let names: Vec<&str> = f
            .licences
            .iter()
            .map(|l| {
                if l == "forklift" {
                    "per carrelli elevatori"
                } else {
                    l.as_str()
                }
            })
            .collect();
        join_it(&mut s, &names);
        s.push_str(if f.licences.iter().any(|l| l == "B") {
            " e automunito/a."
        } else {
            "."
        });
        extra.push(s);
    }
    if let Some((l, name)) = f
        .languages
        .iter()
        .find_map(|l| language_name(&l.code).map(|n| (l, n)))
    {
        extra.push(format!(
            " Conosco la lingua {name} a livello {}.",
            l.cefr.as_str()
        ));
    }
    extra.push(
        (*rng.pick(&[
            " Sono una persona puntuale, affidabile e abituata a lavorare in squadra.",
            " Sono una persona precisa, con voglia di imparare e di crescere professionalmente.",
            " Cerco un ambiente di lavoro serio dove mettere a frutto la mia esperienza.",
            " Mi adatto facilmente ai cambiamenti e lavoro bene anche sotto pressione.",
        ]))
        .to_string(),
    );

    // Shuffle the optional sentences (Fisher–Yates), then add them while they fit.
    for i in (1..extra.len()).rev() {
        extra.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let target = rng.range(320, 600) as usize;
    let mut sentences = 2;
    for s in extra {
        if sentences >= 5 || text.len() >= target {
            break;
        }
        if text.len() + s.len() <= 600 {
            text.push_str(&s);
            sentences += 1;
        }
    }
    text
}

#[allow(clippy::too_many_arguments)]
pub(super) fn vacancy_text(
    rng: &mut Rng,
    t: &Tables,
    prof: usize,
    title: &str,
    place: ComuneId,
    skills: &[(&SkillForm, Form)],
    contract: &Contract,
    licences: &[VacancyLicence],
    eqf_min: Option<u8>,
) -> String {
    let spec = t.professions[prof].spec;
    let city = &t.comuni.get(place).name;
    let sector = *rng.pick(spec.sectors);
    let title_lc = title.to_lowercase();
    let mut text = String::with_capacity(480);
    let _ = match rng.below(3) {
        0 => write!(
            text,
            "{} di {} ricerca {}.",
            capitalise(sector),
            city,
            title_lc
        ),
        1 => write!(
            text,
            "Per {} della zona di {} cerchiamo {}.",
            sector, city, title_lc
        ),
        _ => write!(
            text,
            "Si ricerca {} per {} con sede a {}.",
            title_lc, sector, city
        ),
    };
    let labels = prose_labels(rng, skills, &t.professions[prof].pool, 4);
    text.push_str(rng.pick::<&str>(&[
        " La risorsa si occuperà di ",
        " Mansioni principali: ",
        " Il lavoro comprende ",
    ]));
    join_it(&mut text, &labels[..labels.len().min(3)]);
    text.push('.');

    let n_more = rng.range(0, 2);
    if n_more >= 1 {
        let req = labels.last().copied().unwrap_or(spec.role);
        let _ = match (licences.iter().find(|l| l.required), eqf_min) {
            (Some(l), _) if l.code != "forklift" => {
                write!(text, " Si richiedono patente {} ed esperienza nella mansione; gradita conoscenza di {}.", l.code, req)
            }
            (Some(_), _) => write!(
                text,
                " Si richiede il patentino per carrelli elevatori; gradita conoscenza di {req}."
            ),
            (None, Some(e)) if e >= 4 => write!(
                text,
                " Si richiede {} e conoscenza di {}.",
                education_phrase(e),
                req
            ),
            _ => write!(
                text,
                " Si richiede esperienza pregressa nella mansione e conoscenza di {req}."
            ),
        };
    }
    if n_more >= 2 {
        let kind = match contract.kind {
            ContractType::Permanent => "a tempo indeterminato".to_string(),
            ContractType::FixedTerm => format!(
                "a tempo determinato di {} mesi",
                contract.months.unwrap_or(6)
            ),
            ContractType::Agency => format!(
                "in somministrazione di {} mesi",
                contract.months.unwrap_or(3)
            ),
            ContractType::Apprenticeship => "di apprendistato".to_string(),
            ContractType::Internship => {
                format!("di tirocinio di {} mesi", contract.months.unwrap_or(6))
            }
        };
        let _ = write!(
            text,
            " Si offre contratto {} di {} ore settimanali",
            kind, contract.hours_per_week
        );
        text.push_str(match (contract.shifts, contract.nights) {
            (_, true) => ", con turni anche notturni.",
            (true, false) => ", su turni.",
            _ => ", orario giornaliero.",
        });
    }
    text
}
