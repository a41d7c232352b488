//! The words of rule outcomes.

use super::{at_least, at_most, pick};
use crate::lang::Lang;
use crate::number::fmt1;
use crate::rules::{
    Compatibility, ConfirmedBy, CongruityCheck, Freshness, RuleDetail, FULL_TIME_HOURS,
};

/// The `detail` of a rule outcome in `lang`.
pub fn rule(d: &RuleDetail, lang: Lang) -> String {
    let en = lang == Lang::En;
    match d {
        RuleDetail::Available { did, as_of } => match did {
            None => pick(
                lang,
                "nessuna DID: non disponibile",
                "no DID: not available",
            )
            .into(),
            Some(d) if d > as_of && en => format!("DID {d} is after {as_of}"),
            Some(d) if d > as_of => format!("DID {d} successiva al {as_of}"),
            Some(d) => format!("DID {d}"),
        },
        RuleDetail::Stale(f) => freshness(f, lang),
        RuleDetail::TargetedList { on, wanted } => match (on, wanted) {
            (Some(t), Some(w)) if t == w && en => format!("on list {}", w.as_str()),
            (Some(t), Some(w)) if t == w => format!("iscrizione alla lista {}", w.as_str()),
            (Some(t), Some(w)) if en => {
                format!("on list {}, vacancy is for {}", t.as_str(), w.as_str())
            }
            (Some(t), Some(w)) => format!(
                "iscrizione alla lista {}, l'offerta è per la lista {}",
                t.as_str(),
                w.as_str()
            ),
            (None, Some(w)) if en => format!(
                "not on a collocamento mirato list (vacancy is for {})",
                w.as_str()
            ),
            (None, Some(w)) => format!(
                "nessuna iscrizione al collocamento mirato (l'offerta è per la lista {})",
                w.as_str()
            ),
            (_, None) => pick(
                lang,
                "l'offerta non indica la lista",
                "vacancy names no list",
            )
            .into(),
        },
        RuleDetail::Compatibility(c) => compatibility(c, lang),
        RuleDetail::Distance { km, max_km } => {
            format!(
                "{} km {} {max_km} km",
                fmt1(*km),
                at_most(*km <= *max_km as f64)
            )
        }
        RuleDetail::Contract { kind, accepted } => format!(
            "{} {}",
            kind.as_str(),
            accepted_or_not(*accepted, lang, "accettato")
        ),
        RuleDetail::WorkingTime { hours, accepted } => {
            let full = *hours >= FULL_TIME_HOURS;
            let accepted = accepted_or_not(*accepted, lang, "accettato");
            match (en, full) {
                (true, true) => format!("{} h/week is full time: {accepted}", fmt1(*hours)),
                (true, false) => format!("{} h/week is part time: {accepted}", fmt1(*hours)),
                (false, true) => format!("{} h/settimana: tempo pieno {accepted}", fmt1(*hours)),
                (false, false) => {
                    format!("{} h/settimana: tempo parziale {accepted}", fmt1(*hours))
                }
            }
        }
        RuleDetail::Shifts { asked, accepted } => match (asked, accepted, en) {
            (false, _, true) => "no shift work".into(),
            (false, _, false) => "nessun lavoro a turni".into(),
            (true, a, true) => format!("shift work {}", accepted_or_not(*a, lang, "")),
            (true, a, false) => {
                format!("lavoro a turni {}", accepted_or_not(*a, lang, "accettato"))
            }
        },
        RuleDetail::Nights { asked, accepted } => match (asked, accepted, en) {
            (false, _, true) => "no night work".into(),
            (false, _, false) => "nessun lavoro notturno".into(),
            (true, a, true) => format!("night work {}", accepted_or_not(*a, lang, "")),
            (true, a, false) => {
                format!("lavoro notturno {}", accepted_or_not(*a, lang, "accettato"))
            }
        },
        RuleDetail::Licence { required, missing } => {
            if !missing.is_empty() {
                format!(
                    "{} {}",
                    pick(lang, "non possiede", "missing"),
                    missing.join(", ")
                )
            } else if required.is_empty() {
                none_required(lang).into()
            } else {
                format!(
                    "{} {}",
                    pick(lang, "possiede", "holds"),
                    required.join(", ")
                )
            }
        }
        RuleDetail::Language(checks) => {
            let bad: Vec<String> = checks
                .iter()
                .filter(|c| !c.met())
                .map(|c| match (c.held, en) {
                    (Some(h), _) => format!("{} {} < {}", c.code, h.as_str(), c.asked.as_str()),
                    (None, true) => format!("no {} (needs {})", c.code, c.asked.as_str()),
                    (None, false) => {
                        format!("{} non conosciuta (richiesto {})", c.code, c.asked.as_str())
                    }
                })
                .collect();
            if !bad.is_empty() {
                bad.join("; ")
            } else if checks.is_empty() {
                none_required(lang).into()
            } else {
                let good: Vec<String> = checks
                    .iter()
                    .filter_map(|c| {
                        let h = c.held?;
                        Some(format!("{} {} ≥ {}", c.code, h.as_str(), c.asked.as_str()))
                    })
                    .collect();
                good.join("; ")
            }
        }
        RuleDetail::Skills { required, missing } => {
            if !missing.is_empty() {
                format!(
                    "{} {}",
                    pick(lang, "non possiede", "missing"),
                    missing.join(", ")
                )
            } else if *required == 0 {
                none_required(lang).into()
            } else if en {
                format!("has {required}/{required} required")
            } else {
                format!("possiede {required}/{required} competenze richieste")
            }
        }
        RuleDetail::Education { min, eqf } => match (min, eqf) {
            (None, _) => pick(lang, "non richiesta", "not required").into(),
            (Some(min), Some(e)) => format!("EQF {e} {} {min}", at_least(e >= min)),
            (Some(min), None) if en => format!("EQF unknown, {min} required"),
            (Some(min), None) => format!("EQF non noto, richiesto {min}"),
        },
        RuleDetail::Congruity(c) => match (c, en) {
            (CongruityCheck::NotApplicable, true) => "no benefit: congruity does not apply".into(),
            (CongruityCheck::NotApplicable, false) => {
                "nessun sostegno al reddito: la congruità non si applica".into()
            }
            (CongruityCheck::Congruous { regime }, true) => format!("congruous under {regime}"),
            (CongruityCheck::Congruous { regime }, false) => format!("congrua secondo {regime}"),
            (CongruityCheck::NotCongruous { regime, failed }, true) => {
                format!("not congruous under {regime}: {}", failed.join(", "))
            }
            (CongruityCheck::NotCongruous { regime, failed }, false) => {
                format!("non congrua secondo {regime}: {}", failed.join(", "))
            }
        },
    }
}

/// "none required" / "nessuna richiesta".
fn none_required(lang: Lang) -> &'static str {
    pick(lang, "nessuna richiesta", "none required")
}

/// "accepted" / "not accepted", or in Italian `accettato` (its gender given) with "non".
fn accepted_or_not(accepted: bool, lang: Lang, it: &'static str) -> String {
    match (lang, accepted) {
        (Lang::En, true) => "accepted".into(),
        (Lang::En, false) => "not accepted".into(),
        (Lang::It, true) => it.into(),
        (Lang::It, false) => format!("non {it}"),
    }
}

fn freshness(f: &Freshness, lang: Lang) -> String {
    let en = lang == Lang::En;
    match *f {
        Freshness::Never => pick(
            lang,
            "disponibilità mai confermata",
            "availability never confirmed",
        )
        .into(),
        Freshness::Future { by, date, as_of } if en => format!(
            "{} {date} is after {as_of}: not a confirmation yet",
            by.as_str()
        ),
        Freshness::Future { by, date, as_of } => format!(
            "{} del {date} successiva al {as_of}: non è ancora una conferma",
            confirmed_by(by, lang)
        ),
        Freshness::Counted {
            by,
            date,
            confirmed,
            days,
            limit,
        } => {
            let counted = match (by, confirmed, en) {
                (ConfirmedBy::Did, Some(older), true) => {
                    format!("DID {date} (later than the confirmation {older})")
                }
                (ConfirmedBy::Did, Some(older), false) => {
                    format!("DID {date} (successiva alla conferma del {older})")
                }
                (ConfirmedBy::Did, None, true) => format!("DID {date} (never confirmed since)"),
                (ConfirmedBy::Did, None, false) => {
                    format!("DID {date} (nessuna conferma da allora)")
                }
                (ConfirmedBy::Confirmation, _, true) => format!("confirmed {date}"),
                (ConfirmedBy::Confirmation, _, false) => format!("confermata il {date}"),
            };
            let ago = pick(lang, "giorni fa", "days ago");
            format!("{counted}, {days} {ago} {} {limit}", at_most(days <= limit))
        }
    }
}

/// The date that made availability current, in words.
fn confirmed_by(by: ConfirmedBy, lang: Lang) -> &'static str {
    match by {
        ConfirmedBy::Confirmation => pick(lang, "conferma", "confirmation"),
        ConfirmedBy::Did => "DID",
    }
}

fn compatibility(c: &Compatibility, lang: Lang) -> String {
    let en = lang == Lang::En;
    match c {
        Compatibility::NoProfile => {
            pick(lang, "nessun profilo funzionale", "no functional profile").into()
        }
        Compatibility::Within { demands, supports } => {
            let mut d = if en {
                format!("{demands} demands within capacity")
            } else {
                format!("{demands} richieste entro le capacità")
            };
            if !supports.is_empty() {
                let names: Vec<&str> = supports.iter().map(|s| s.as_str()).collect();
                if en {
                    d.push_str(&format!("; supports {} provided", names.join(", ")));
                } else {
                    d.push_str(&format!("; supporti {} previsti", names.join(", ")));
                }
            }
            d
        }
        Compatibility::Beyond { over, unmet } => {
            let mut parts: Vec<String> = over
                .iter()
                .map(|o| {
                    let (demand, capacity) =
                        pick2(lang, ("richiesta", "capacità"), ("demand", "capacity"));
                    format!(
                        "{}: {demand} {} > {capacity} {}",
                        o.code, o.demand, o.capacity
                    )
                })
                .collect();
            parts.extend(unmet.iter().map(|n| {
                if en {
                    format!("needs {} not provided", n.as_str())
                } else {
                    format!("supporto {} necessario non previsto", n.as_str())
                }
            }));
            parts.join("; ")
        }
    }
}

fn pick2(
    lang: Lang,
    it: (&'static str, &'static str),
    en: (&'static str, &'static str),
) -> (&'static str, &'static str) {
    match lang {
        Lang::It => it,
        Lang::En => en,
    }
}
