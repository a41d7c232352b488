//! Readable tables for a terminal.

use std::fmt::Write;

use rosa::lang::Lang;
use rosa::model::VacancyRecord;
use rosa::Roster;

/// The words of the table in the current language ([`Lang::current`]):
/// Italian or English. Codes (mode, rule and criterion names) stay as in JSON.
struct Words {
    roster: &'static str,
    at: &'static str,
    pool: &'static str,
    eligible: &'static str,
    excluded: &'static str,
    not_shown: &'static str,
    none: &'static str,
    unknown_applicants: &'static str,
    narrow_with: &'static str,
    rank: &'static str,
    candidate: &'static str,
    score: &'static str,
    congruity: &'static str,
    yes: &'static str,
    no: &'static str,
    nobody: &'static str,
    generation: &'static str,
}

const IT: Words = Words {
    roster: "Rosa",
    at: "a",
    pool: "platea",
    eligible: "idonei",
    excluded: "esclusi",
    not_shown: "non mostrati nella vista per l'impresa",
    none: "nessuno",
    unknown_applicants: "candidature non presenti nell'indice",
    narrow_with: "restringi con",
    rank: "pos.",
    candidate: "candidato",
    score: "punti",
    congruity: "congruità",
    yes: "sì",
    no: "no",
    nobody: "(nessun idoneo)",
    generation: "generazione dell'indice",
};

const EN: Words = Words {
    roster: "Roster",
    at: "at",
    pool: "pool",
    eligible: "eligible",
    excluded: "excluded",
    not_shown: "not shown in the employer view",
    none: "none",
    unknown_applicants: "applicants not in the index",
    narrow_with: "narrow with",
    rank: "rank",
    candidate: "candidate",
    score: "score",
    congruity: "congruity",
    yes: "yes",
    no: "no",
    nobody: "(nobody eligible)",
    generation: "index generation",
};

/// A roster as a table: header, counts, one line per entry with the points of
/// each criterion; its words in [`Lang::current`].
pub fn roster(r: &Roster, v: &VacancyRecord) -> String {
    let w = match Lang::current() {
        Lang::It => &IT,
        Lang::En => &EN,
    };
    let comuni = rosa::geo::Comuni::embedded();
    let place = comuni
        .lookup(&v.workplace)
        .map(|c| comuni.get(c).name.clone())
        .unwrap_or_default();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} · {} ({}) {} {} · {} · cap {}",
        w.roster,
        r.vacancy_id,
        if v.title.is_empty() { "-" } else { &v.title },
        v.isco,
        w.at,
        place,
        r.mode.as_str(),
        r.cap
    );
    let excluded: Vec<String> = r
        .excluded
        .0
        .iter()
        .filter(|(_, c)| *c > 0)
        .map(|(k, c)| format!("{k} {c}"))
        .collect();
    let _ = writeln!(
        s,
        "{} {} · {} {} · {}: {}",
        w.pool,
        r.pool,
        w.eligible,
        r.eligible,
        w.excluded,
        if r.view == rosa::roster::View::Employer {
            w.not_shown.into()
        } else if excluded.is_empty() {
            w.none.into()
        } else {
            excluded.join(", ")
        }
    );
    if !r.unknown_applicants.is_empty() {
        let _ = writeln!(
            s,
            "{}: {}",
            w.unknown_applicants,
            r.unknown_applicants.join(", ")
        );
    }
    for n in &r.narrowing {
        let _ = writeln!(
            s,
            "  {} {} → {} {}",
            w.narrow_with, n.parameter, n.eligible, w.eligible
        );
    }
    let names: Vec<&str> = r
        .entries
        .first()
        .map(|e| e.criteria.iter().map(|c| c.name.as_str()).collect())
        .unwrap_or_default();
    let _ = write!(s, "{:>4}  {:<12} {:>7}", w.rank, w.candidate, w.score);
    for n in &names {
        let _ = write!(s, " {:>10}", n);
    }
    let _ = writeln!(s, "  {}", w.congruity);
    for e in &r.entries {
        if e.score_withheld {
            let _ = write!(s, "{:>4}  {:<12} {:>7}", e.rank, e.candidate_id, "-");
        } else {
            let _ = write!(s, "{:>4}  {:<12} {:>7.4}", e.rank, e.candidate_id, e.score);
        }
        for c in &e.criteria {
            let _ = write!(s, " {:>10.4}", c.points);
        }
        let cong = match &e.congruity {
            Some(Some(c)) => format!("{} {}", if c.congruous { w.yes } else { w.no }, c.regime),
            _ => "-".to_string(),
        };
        let _ = writeln!(s, "  {cong}");
    }
    if r.entries.is_empty() {
        let _ = writeln!(s, "  {}", w.nobody);
    }
    let _ = write!(
        s,
        "policy {} · {} {} · rosa {}",
        &r.policy_fingerprint[..19.min(r.policy_fingerprint.len())],
        w.generation,
        r.index_generation,
        r.engine_version
    );
    s
}
