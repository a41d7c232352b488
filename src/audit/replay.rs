//! Replays of logged rosters: each recomputed on the generation it was
//! computed on, with its logged inputs, and its output hash compared.

use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::journal::{hash_json, read_all};

/// The result of replaying one roster record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replay {
    /// The record's seq.
    pub seq: u64,
    /// Vacancy id.
    pub vacancy_id: Option<String>,
    /// Generation it was computed on.
    pub index_generation: u64,
    /// `match`, `mismatch`, `unavailable` (generation no longer available) or
    /// `unreplayable` (the logged vacancy or policy no longer reads or is
    /// refused, e.g. a non-finite policy number an older engine logged as null).
    pub status: String,
    /// Detail (the recomputed hash, or why unavailable or unreplayable).
    pub detail: String,
}

/// Recomputes the roster records of the log (all, or the one with `seq`) on
/// their generation with their inputs, and compares the output hashes.
pub fn replay(dir: &Path, seq: Option<u64>) -> Result<Vec<Replay>> {
    let records = read_all(dir)?;
    let mut out = Vec::new();
    let mut cache: Option<(u64, crate::index::Index)> = None;
    for r in records
        .iter()
        .filter(|r| r.kind == "roster" && seq.is_none_or(|s| s == r.seq))
    {
        let Some(input) = &r.input else { continue };
        let unreplayable = |detail: String| Replay {
            seq: r.seq,
            vacancy_id: r.vacancy_id.clone(),
            index_generation: r.index_generation,
            status: "unreplayable".into(),
            detail,
        };
        // A record whose inputs no longer read (written by an older engine, e.g.
        // a policy number that was not finite and was logged as null) is
        // reported as such; the rest of the log is still replayed.
        let vacancy =
            serde_json::from_value::<crate::model::VacancyRecord>(input["vacancy"].clone())
                .map_err(|e| format!("vacancy: {e}"));
        let policy = serde_json::from_value::<crate::Policy>(input["policy"].clone())
            .map_err(|e| format!("policy: {e}"));
        let (vacancy, policy) = match (vacancy, policy) {
            (Ok(v), Ok(p)) => (v, p),
            (Err(e), _) | (_, Err(e)) => {
                out.push(unreplayable(e));
                continue;
            }
        };
        if cache.as_ref().is_none_or(|(g, _)| *g != r.index_generation) {
            match crate::index::Index::open_generation(dir, r.index_generation) {
                Ok(ix) => cache = Some((r.index_generation, ix)),
                Err(e) => {
                    out.push(Replay {
                        seq: r.seq,
                        vacancy_id: r.vacancy_id.clone(),
                        index_generation: r.index_generation,
                        status: "unavailable".into(),
                        detail: e.to_string(),
                    });
                    cache = None;
                    continue;
                }
            }
        }
        let index = &cache.as_ref().expect("opened").1;
        let roster = match crate::roster::roster(index, &vacancy, &policy) {
            Ok(roster) => roster,
            Err(e) if e.is_user_error() => {
                out.push(unreplayable(e.to_string()));
                continue;
            }
            Err(e) => return Err(e),
        };
        let h = hash_json(&roster);
        let status = if h == r.output_hash {
            "match"
        } else {
            "mismatch"
        };
        out.push(Replay {
            seq: r.seq,
            vacancy_id: r.vacancy_id.clone(),
            index_generation: r.index_generation,
            status: status.into(),
            detail: h,
        });
    }
    Ok(out)
}
