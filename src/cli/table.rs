//! Readable tables for a terminal.

use std::fmt::Write;

use rosa::model::VacancyRecord;
use rosa::Roster;

/// A roster as a table: header, counts, one line per entry with the points of
/// each criterion.
pub fn roster(r: &Roster, v: &VacancyRecord) -> String {
    let comuni = rosa::geo::Comuni::embedded();
    let place = comuni
        .lookup(&v.workplace)
        .map(|c| comuni.get(c).name.clone())
        .unwrap_or_default();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Roster {} · {} ({}) at {} · {} · cap {}",
        r.vacancy_id,
        if v.title.is_empty() { "-" } else { &v.title },
        v.isco,
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
        "pool {} · eligible {} · excluded: {}",
        r.pool,
        r.eligible,
        if r.view == rosa::roster::View::Employer {
            "not shown in the employer view".into()
        } else if excluded.is_empty() {
            "none".into()
        } else {
            excluded.join(", ")
        }
    );
    if !r.unknown_applicants.is_empty() {
        let _ = writeln!(
            s,
            "applicants not in the index: {}",
            r.unknown_applicants.join(", ")
        );
    }
    for n in &r.narrowing {
        let _ = writeln!(s, "  narrow with {} → {} eligible", n.parameter, n.eligible);
    }
    let names: Vec<&str> = r
        .entries
        .first()
        .map(|e| e.criteria.iter().map(|c| c.name.as_str()).collect())
        .unwrap_or_default();
    let _ = write!(s, "{:>4}  {:<12} {:>7}", "rank", "candidate", "score");
    for n in &names {
        let _ = write!(s, " {:>10}", n);
    }
    let _ = writeln!(s, "  congruity");
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
            Some(Some(c)) => format!("{} {}", if c.congruous { "yes" } else { "no" }, c.regime),
            _ => "-".to_string(),
        };
        let _ = writeln!(s, "  {cong}");
    }
    if r.entries.is_empty() {
        let _ = writeln!(s, "  (nobody eligible)");
    }
    let _ = write!(
        s,
        "policy {} · index generation {} · rosa {}",
        &r.policy_fingerprint[..19.min(r.policy_fingerprint.len())],
        r.index_generation,
        r.engine_version
    );
    s
}
