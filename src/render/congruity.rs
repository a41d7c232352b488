//! The words of congruity criteria.

use super::{at_least, at_most, pick};
use crate::congruity::{CoherenceCheck, CriterionDetail, HoursBasis};
use crate::lang::Lang;
use crate::model::ContractType;
use crate::number::fmt1;

/// The `detail` of a congruity criterion in `lang`.
pub fn criterion(d: &CriterionDetail, lang: Lang) -> String {
    let en = lang == Lang::En;
    let met = d.passed();
    match d {
        CriterionDetail::Coherence(c) => coherence(c, lang),
        CriterionDetail::Distance { km, limit: None } => format!(
            "{} km: {}",
            fmt1(*km),
            pick(
                lang,
                "contratto a tempo indeterminato, qualsiasi distanza",
                "permanent contract, any distance"
            )
        ),
        CriterionDetail::Distance { km, limit: Some(l) } => format!(
            "{} km {} {} km, {} {} min {} {} min",
            fmt1(*km),
            at_most(*km <= l.max_km),
            fmt1(l.max_km),
            pick(lang, "circa", "about"),
            fmt1(l.minutes),
            at_most(l.minutes <= l.max_minutes),
            fmt1(l.max_minutes)
        ),
        CriterionDetail::Contract {
            kind,
            listed,
            months,
            min_months,
        } => {
            let k = kind.as_str();
            match (listed, min_months, months) {
                (false, _, _) if en => format!("{k} is not among the congruous types"),
                (false, _, _) => format!("{k} non è tra i tipi di contratto congrui"),
                (true, Some(min), Some(m)) if *kind != ContractType::Permanent => format!(
                    "{k} {} {m} {} {} {min}",
                    pick(lang, "di", "of"),
                    if en { "months" } else { mesi(*m) },
                    at_least(m >= min)
                ),
                (true, Some(min), None) if *kind != ContractType::Permanent && en => {
                    format!("{k} of unstated duration, {min} months needed")
                }
                (true, Some(min), None) if *kind != ContractType::Permanent => {
                    format!("{k} di durata non indicata, servono {min} mesi")
                }
                _ => format!("{k} {}", pick(lang, "ammesso", "accepted")),
            }
        }
        CriterionDetail::Hours { hours, basis } => match *basis {
            HoursBasis::LastUnknown => pick(
                lang,
                "ore dell'ultimo contratto non note: non verificato",
                "last contract hours unknown: not checked",
            )
            .into(),
            HoursBasis::LastContract { share, last } => format!(
                "{} h {} {}% {} {} h = {} h",
                fmt1(*hours),
                at_least(met),
                fmt1(share * 100.0),
                pick(lang, "di", "of"),
                fmt1(last),
                fmt1(share * last)
            ),
            HoursBasis::FullTime { share, full_time } => format!(
                "{} h {} {}% {} {} h = {} h",
                fmt1(*hours),
                at_least(met),
                fmt1(share * 100.0),
                pick(lang, "del tempo pieno", "of full time"),
                fmt1(full_time),
                fmt1(share * full_time)
            ),
        },
        CriterionDetail::PayCcnl { pay, min } => match (pay, min) {
            (Some(p), Some(m)) => format!(
                "{} {} {} {}",
                fmt1(*p),
                at_least(met),
                pick(lang, "minimo CCNL", "CCNL minimum"),
                fmt1(*m)
            ),
            (None, _) => pay_not_stated(lang).into(),
            (Some(_), None) => {
                pick(lang, "minimo CCNL non indicato", "CCNL minimum not stated").into()
            }
        },
        CriterionDetail::PayBenefit {
            pay,
            ratio,
            benefit,
        } => match pay {
            Some(p) => format!(
                "{} {} {}% {} {} = {}",
                fmt1(*p),
                at_least(met),
                fmt1(ratio * 100.0),
                pick(lang, "del sostegno al reddito", "of benefit"),
                fmt1(*benefit),
                fmt1(ratio * benefit)
            ),
            None => pay_not_stated(lang).into(),
        },
    }
}

/// "mese" or "mesi".
fn mesi(n: u32) -> &'static str {
    if n == 1 {
        "mese"
    } else {
        "mesi"
    }
}

fn pay_not_stated(lang: Lang) -> &'static str {
    pick(lang, "retribuzione non indicata", "pay not stated")
}

fn coherence(c: &CoherenceCheck, lang: Lang) -> String {
    let en = lang == Lang::En;
    match c {
        CoherenceCheck::Any { from_months } if en => {
            format!("any profession after {from_months} months")
        }
        CoherenceCheck::Any { from_months } => {
            format!(
                "qualsiasi professione dopo {from_months} {}",
                mesi(*from_months)
            )
        }
        CoherenceCheck::Desired {
            isco,
            desired,
            coherent,
        } => format!(
            "{isco} {} [{}]",
            match (coherent, en) {
                (true, true) => "among the service pact's professions",
                (false, true) => "not among the service pact's professions",
                (true, false) => "rientra tra le professioni del patto di servizio",
                (false, false) => "non rientra tra le professioni del patto di servizio",
            },
            desired.join(", ")
        ),
        CoherenceCheck::MinorGroup { isco, coherent } => format!(
            "{isco} {}",
            match (coherent, en) {
                (true, true) => "in the minor group of an experience or desired profession",
                (false, true) => "not in the minor group of an experience or desired profession",
                (true, false) => {
                    "rientra nel gruppo minore di un'esperienza o di una professione desiderata"
                }
                (false, false) => {
                    "non rientra nel gruppo minore di un'esperienza o di una professione \
                     desiderata"
                }
            }
        ),
    }
}
