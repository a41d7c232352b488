//! Every variant in both languages, word for word. The English texts are the
//! ones rosa wrote before issue 19 (the golden hashes pin them on real outputs
//! too); the Italian ones are what an operator reads by default.

use super::*;
use crate::congruity::{CoherenceCheck, DistanceLimit, HoursBasis};
use crate::date::Date;
use crate::model::{Cefr, ContractType, Support, TargetedList};
use crate::rules::{
    Compatibility, ConfirmedBy, CongruityCheck, Freshness, LanguageCheck, Overload,
};

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// (outcome, Italian, English) for each case.
fn check_rules(cases: Vec<(RuleDetail, bool, &str, &str)>) {
    for (detail, passed, it, en) in cases {
        assert_eq!(detail.passed(), passed, "{detail:?}");
        assert_eq!(rule(&detail, Lang::It), it, "{detail:?}");
        assert_eq!(rule(&detail, Lang::En), en, "{detail:?}");
    }
}

fn check_criteria(cases: Vec<(CriterionDetail, bool, &str, &str)>) {
    for (detail, passed, it, en) in cases {
        assert_eq!(detail.passed(), passed, "{detail:?}");
        assert_eq!(criterion(&detail, Lang::It), it, "{detail:?}");
        assert_eq!(criterion(&detail, Lang::En), en, "{detail:?}");
    }
}

#[test]
fn availability_and_freshness() {
    let as_of = d("2026-11-01");
    check_rules(vec![
        (
            RuleDetail::Available { did: None, as_of },
            false,
            "nessuna DID: non disponibile",
            "no DID: not available",
        ),
        (
            RuleDetail::Available {
                did: Some(d("2026-12-01")),
                as_of,
            },
            false,
            "DID 2026-12-01 successiva al 2026-11-01",
            "DID 2026-12-01 is after 2026-11-01",
        ),
        (
            RuleDetail::Available {
                did: Some(d("2026-03-02")),
                as_of,
            },
            true,
            "DID 2026-03-02",
            "DID 2026-03-02",
        ),
        (
            RuleDetail::Stale(Freshness::Never),
            false,
            "disponibilità mai confermata",
            "availability never confirmed",
        ),
        (
            RuleDetail::Stale(Freshness::Future {
                by: ConfirmedBy::Confirmation,
                date: d("2026-12-15"),
                as_of,
            }),
            false,
            "conferma del 2026-12-15 successiva al 2026-11-01: non è ancora una conferma",
            "confirmation 2026-12-15 is after 2026-11-01: not a confirmation yet",
        ),
        (
            RuleDetail::Stale(Freshness::Counted {
                by: ConfirmedBy::Did,
                date: d("2026-08-01"),
                confirmed: Some(d("2025-01-19")),
                days: 92,
                limit: 180,
            }),
            true,
            "DID 2026-08-01 (successiva alla conferma del 2025-01-19), 92 giorni fa ≤ 180",
            "DID 2026-08-01 (later than the confirmation 2025-01-19), 92 days ago ≤ 180",
        ),
        (
            RuleDetail::Stale(Freshness::Counted {
                by: ConfirmedBy::Did,
                date: d("2025-03-01"),
                confirmed: None,
                days: 610,
                limit: 180,
            }),
            false,
            "DID 2025-03-01 (nessuna conferma da allora), 610 giorni fa > 180",
            "DID 2025-03-01 (never confirmed since), 610 days ago > 180",
        ),
        (
            RuleDetail::Stale(Freshness::Counted {
                by: ConfirmedBy::Confirmation,
                date: d("2026-10-12"),
                confirmed: Some(d("2026-10-12")),
                days: 20,
                limit: 180,
            }),
            true,
            "confermata il 2026-10-12, 20 giorni fa ≤ 180",
            "confirmed 2026-10-12, 20 days ago ≤ 180",
        ),
    ]);
}

#[test]
fn targeted_list_and_compatibility() {
    let (a1, a18) = (Some(TargetedList::Art1), Some(TargetedList::Art18));
    check_rules(vec![
        (
            RuleDetail::TargetedList { on: a1, wanted: a1 },
            true,
            "iscrizione alla lista art1",
            "on list art1",
        ),
        (
            RuleDetail::TargetedList {
                on: a18,
                wanted: a1,
            },
            false,
            "iscrizione alla lista art18, l'offerta è per la lista art1",
            "on list art18, vacancy is for art1",
        ),
        (
            RuleDetail::TargetedList {
                on: None,
                wanted: a1,
            },
            false,
            "nessuna iscrizione al collocamento mirato (l'offerta è per la lista art1)",
            "not on a collocamento mirato list (vacancy is for art1)",
        ),
        (
            RuleDetail::TargetedList {
                on: a1,
                wanted: None,
            },
            false,
            "l'offerta non indica la lista",
            "vacancy names no list",
        ),
        (
            RuleDetail::Compatibility(Compatibility::NoProfile),
            false,
            "nessun profilo funzionale",
            "no functional profile",
        ),
        (
            RuleDetail::Compatibility(Compatibility::Within {
                demands: 2,
                supports: vec![],
            }),
            true,
            "2 richieste entro le capacità",
            "2 demands within capacity",
        ),
        (
            RuleDetail::Compatibility(Compatibility::Within {
                demands: 3,
                supports: vec![Support::Tutor, Support::TechnicalAids],
            }),
            true,
            "3 richieste entro le capacità; supporti tutor, technical_aids previsti",
            "3 demands within capacity; supports tutor, technical_aids provided",
        ),
        (
            RuleDetail::Compatibility(Compatibility::Beyond {
                over: vec![Overload {
                    code: "d430".into(),
                    demand: 3,
                    capacity: 1,
                }],
                unmet: vec![Support::Tutor],
            }),
            false,
            "d430: richiesta 3 > capacità 1; supporto tutor necessario non previsto",
            "d430: demand 3 > capacity 1; needs tutor not provided",
        ),
    ]);
}

#[test]
fn declared_availability() {
    check_rules(vec![
        (
            RuleDetail::Distance {
                km: 23.44,
                max_km: 40,
            },
            true,
            "23.4 km ≤ 40 km",
            "23.4 km ≤ 40 km",
        ),
        (
            RuleDetail::Distance {
                km: 40.04,
                max_km: 40,
            },
            false,
            "40 km > 40 km",
            "40 km > 40 km",
        ),
        (
            RuleDetail::Contract {
                kind: ContractType::FixedTerm,
                accepted: true,
            },
            true,
            "fixed_term accettato",
            "fixed_term accepted",
        ),
        (
            RuleDetail::Contract {
                kind: ContractType::Agency,
                accepted: false,
            },
            false,
            "agency non accettato",
            "agency not accepted",
        ),
        (
            RuleDetail::WorkingTime {
                hours: 40.0,
                accepted: true,
            },
            true,
            "40 h/settimana: tempo pieno accettato",
            "40 h/week is full time: accepted",
        ),
        (
            RuleDetail::WorkingTime {
                hours: 20.5,
                accepted: false,
            },
            false,
            "20.5 h/settimana: tempo parziale non accettato",
            "20.5 h/week is part time: not accepted",
        ),
        (
            RuleDetail::Shifts {
                asked: false,
                accepted: false,
            },
            true,
            "nessun lavoro a turni",
            "no shift work",
        ),
        (
            RuleDetail::Shifts {
                asked: true,
                accepted: true,
            },
            true,
            "lavoro a turni accettato",
            "shift work accepted",
        ),
        (
            RuleDetail::Shifts {
                asked: true,
                accepted: false,
            },
            false,
            "lavoro a turni non accettato",
            "shift work not accepted",
        ),
        (
            RuleDetail::Nights {
                asked: false,
                accepted: true,
            },
            true,
            "nessun lavoro notturno",
            "no night work",
        ),
        (
            RuleDetail::Nights {
                asked: true,
                accepted: true,
            },
            true,
            "lavoro notturno accettato",
            "night work accepted",
        ),
        (
            RuleDetail::Nights {
                asked: true,
                accepted: false,
            },
            false,
            "lavoro notturno non accettato",
            "night work not accepted",
        ),
    ]);
}

#[test]
fn employer_requirements_and_congruity_as_a_rule() {
    let lang = |held| LanguageCheck {
        code: "en".into(),
        asked: Cefr::B1,
        held,
    };
    check_rules(vec![
        (
            RuleDetail::Licence {
                required: vec![],
                missing: vec![],
            },
            true,
            "nessuna richiesta",
            "none required",
        ),
        (
            RuleDetail::Licence {
                required: vec!["B".into(), "CE".into()],
                missing: vec![],
            },
            true,
            "possiede B, CE",
            "holds B, CE",
        ),
        (
            RuleDetail::Licence {
                required: vec!["B".into(), "CE".into()],
                missing: vec!["CE".into()],
            },
            false,
            "non possiede CE",
            "missing CE",
        ),
        (
            RuleDetail::Language(vec![]),
            true,
            "nessuna richiesta",
            "none required",
        ),
        (
            RuleDetail::Language(vec![lang(Some(Cefr::B2))]),
            true,
            "en B2 ≥ B1",
            "en B2 ≥ B1",
        ),
        (
            RuleDetail::Language(vec![lang(Some(Cefr::B2)), lang(Some(Cefr::A2)), lang(None)]),
            false,
            "en A2 < B1; en non conosciuta (richiesto B1)",
            "en A2 < B1; no en (needs B1)",
        ),
        (
            RuleDetail::Skills {
                required: 0,
                missing: vec![],
            },
            true,
            "nessuna richiesta",
            "none required",
        ),
        (
            RuleDetail::Skills {
                required: 2,
                missing: vec![],
            },
            true,
            "possiede 2/2 competenze richieste",
            "has 2/2 required",
        ),
        (
            RuleDetail::Skills {
                required: 2,
                missing: vec!["saldatura TIG".into(), "carrello elevatore".into()],
            },
            false,
            "non possiede saldatura TIG, carrello elevatore",
            "missing saldatura TIG, carrello elevatore",
        ),
        (
            RuleDetail::Education {
                min: None,
                eqf: None,
            },
            true,
            "non richiesta",
            "not required",
        ),
        (
            RuleDetail::Education {
                min: Some(3),
                eqf: Some(4),
            },
            true,
            "EQF 4 ≥ 3",
            "EQF 4 ≥ 3",
        ),
        (
            RuleDetail::Education {
                min: Some(3),
                eqf: Some(2),
            },
            false,
            "EQF 2 < 3",
            "EQF 2 < 3",
        ),
        (
            RuleDetail::Education {
                min: Some(3),
                eqf: None,
            },
            false,
            "EQF non noto, richiesto 3",
            "EQF unknown, 3 required",
        ),
        (
            RuleDetail::Congruity(CongruityCheck::NotApplicable),
            true,
            "nessun sostegno al reddito: la congruità non si applica",
            "no benefit: congruity does not apply",
        ),
        (
            RuleDetail::Congruity(CongruityCheck::Congruous {
                regime: "dm2018".into(),
            }),
            true,
            "congrua secondo dm2018",
            "congruous under dm2018",
        ),
        (
            RuleDetail::Congruity(CongruityCheck::NotCongruous {
                regime: "dm2018".into(),
                failed: vec!["distance", "pay_benefit"],
            }),
            false,
            "non congrua secondo dm2018: distance, pay_benefit",
            "not congruous under dm2018: distance, pay_benefit",
        ),
    ]);
}

#[test]
fn congruity_criteria() {
    let limit = |minutes| {
        Some(DistanceLimit {
            max_km: 50.0,
            minutes,
            max_minutes: 80.0,
        })
    };
    let contract = |kind, listed, months| CriterionDetail::Contract {
        kind,
        listed,
        months,
        min_months: Some(3),
    };
    check_criteria(vec![
        (
            CriterionDetail::Coherence(CoherenceCheck::Any { from_months: 12 }),
            true,
            "qualsiasi professione dopo 12 mesi",
            "any profession after 12 months",
        ),
        (
            CriterionDetail::Coherence(CoherenceCheck::Desired {
                isco: "7212".into(),
                desired: vec!["7212".into(), "7214".into()],
                coherent: true,
            }),
            true,
            "7212 rientra tra le professioni del patto di servizio [7212, 7214]",
            "7212 among the service pact's professions [7212, 7214]",
        ),
        (
            CriterionDetail::Coherence(CoherenceCheck::Desired {
                isco: "5120".into(),
                desired: vec!["7212".into()],
                coherent: false,
            }),
            false,
            "5120 non rientra tra le professioni del patto di servizio [7212]",
            "5120 not among the service pact's professions [7212]",
        ),
        (
            CriterionDetail::Coherence(CoherenceCheck::MinorGroup {
                isco: "7213".into(),
                coherent: true,
            }),
            true,
            "7213 rientra nel gruppo minore di un'esperienza o di una professione desiderata",
            "7213 in the minor group of an experience or desired profession",
        ),
        (
            CriterionDetail::Coherence(CoherenceCheck::MinorGroup {
                isco: "5120".into(),
                coherent: false,
            }),
            false,
            "5120 non rientra nel gruppo minore di un'esperienza o di una professione desiderata",
            "5120 not in the minor group of an experience or desired profession",
        ),
        (
            CriterionDetail::Distance {
                km: 600.0,
                limit: None,
            },
            true,
            "600 km: contratto a tempo indeterminato, qualsiasi distanza",
            "600 km: permanent contract, any distance",
        ),
        (
            CriterionDetail::Distance {
                km: 70.0,
                limit: limit(80.0),
            },
            true,
            "70 km > 50 km, circa 80 min ≤ 80 min",
            "70 km > 50 km, about 80 min ≤ 80 min",
        ),
        (
            CriterionDetail::Distance {
                km: 50.1,
                limit: limit(f64::INFINITY),
            },
            false,
            "50.1 km > 50 km, circa inf min > 80 min",
            "50.1 km > 50 km, about inf min > 80 min",
        ),
        (
            contract(ContractType::Internship, false, Some(6)),
            false,
            "internship non è tra i tipi di contratto congrui",
            "internship is not among the congruous types",
        ),
        (
            contract(ContractType::FixedTerm, true, Some(6)),
            true,
            "fixed_term di 6 mesi ≥ 3",
            "fixed_term of 6 months ≥ 3",
        ),
        (
            contract(ContractType::FixedTerm, true, Some(1)),
            false,
            "fixed_term di 1 mese < 3",
            "fixed_term of 1 months < 3",
        ),
        (
            contract(ContractType::Agency, true, None),
            false,
            "agency di durata non indicata, servono 3 mesi",
            "agency of unstated duration, 3 months needed",
        ),
        (
            contract(ContractType::Permanent, true, None),
            true,
            "permanent ammesso",
            "permanent accepted",
        ),
        (
            CriterionDetail::Hours {
                hours: 32.0,
                basis: HoursBasis::LastContract {
                    share: 0.8,
                    last: 40.0,
                },
            },
            true,
            "32 h ≥ 80% di 40 h = 32 h",
            "32 h ≥ 80% of 40 h = 32 h",
        ),
        (
            CriterionDetail::Hours {
                hours: 5.0,
                basis: HoursBasis::LastUnknown,
            },
            true,
            "ore dell'ultimo contratto non note: non verificato",
            "last contract hours unknown: not checked",
        ),
        (
            CriterionDetail::Hours {
                hours: 23.9,
                basis: HoursBasis::FullTime {
                    share: 0.6,
                    full_time: 40.0,
                },
            },
            false,
            "23.9 h < 60% del tempo pieno 40 h = 24 h",
            "23.9 h < 60% of full time 40 h = 24 h",
        ),
        (
            CriterionDetail::PayCcnl {
                pay: Some(1750.0),
                min: Some(1600.0),
            },
            true,
            "1750 ≥ minimo CCNL 1600",
            "1750 ≥ CCNL minimum 1600",
        ),
        (
            CriterionDetail::PayCcnl {
                pay: None,
                min: Some(1600.0),
            },
            false,
            "retribuzione non indicata",
            "pay not stated",
        ),
        (
            CriterionDetail::PayCcnl {
                pay: Some(1750.0),
                min: None,
            },
            false,
            "minimo CCNL non indicato",
            "CCNL minimum not stated",
        ),
        (
            CriterionDetail::PayBenefit {
                pay: Some(1200.0),
                ratio: 1.2,
                benefit: 1000.0,
            },
            true,
            "1200 ≥ 120% del sostegno al reddito 1000 = 1200",
            "1200 ≥ 120% of benefit 1000 = 1200",
        ),
        (
            CriterionDetail::PayBenefit {
                pay: Some(1199.99),
                ratio: 1.2,
                benefit: 1000.0,
            },
            false,
            "1200 < 120% del sostegno al reddito 1000 = 1200",
            "1200 < 120% of benefit 1000 = 1200",
        ),
        (
            CriterionDetail::PayBenefit {
                pay: None,
                ratio: 1.2,
                benefit: 1000.0,
            },
            false,
            "retribuzione non indicata",
            "pay not stated",
        ),
    ]);
}

#[test]
fn outcomes_serialise_as_their_words_in_the_current_language() {
    let r = crate::rules::RuleResult::new(RuleDetail::Shifts {
        asked: true,
        accepted: false,
    });
    let json = |lang| crate::lang::with(lang, || serde_json::to_string(&r).unwrap());
    assert_eq!(
        json(Lang::En),
        r#"{"name":"shifts","outcome":"fail","detail":"shift work not accepted"}"#
    );
    assert_eq!(
        json(Lang::It),
        r#"{"name":"shifts","outcome":"fail","detail":"lavoro a turni non accettato"}"#
    );
    // Outside any `with`: Italian, the default.
    assert_eq!(serde_json::to_string(&r).unwrap(), json(Lang::It));
    let c = crate::congruity::CongruityCriterion::new(CriterionDetail::PayCcnl {
        pay: Some(1750.0),
        min: Some(1600.0),
    });
    assert_eq!(
        crate::lang::with(Lang::En, || serde_json::to_string(&c).unwrap()),
        r#"{"name":"pay_ccnl","outcome":"pass","value":1750.0,"threshold":1600.0,"detail":"1750 ≥ CCNL minimum 1600"}"#
    );
    assert_eq!(
        crate::lang::with(Lang::En, || c.detail.to_string()),
        "1750 ≥ CCNL minimum 1600"
    );
}
