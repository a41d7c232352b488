//! Reproducible synthetic data: candidates (*SAP*) and vacancies that look like a CPI's,
//! for demos, tests and benchmarks (up to millions of candidates).
//!
//! **Invariant: the same [`GenConfig`] gives byte-identical output**, on any machine and
//! with any number of threads. Every record draws from its own [`Rng`], seeded from
//! `(seed, kind, index)` by [`record_seed`], so records are generated in parallel with
//! rayon and collected in index order; nothing depends on scheduling or on the clock
//! (`as_of` is part of the configuration).
//!
//! What the data looks like (shares are probabilities per record; the tests check them):
//!
//! - **Where**: domiciles and workplaces are drawn from the real comuni weighted by their
//!   2022 population (cumulative table and binary search, built once). 10% of domiciles
//!   and 5% of workplaces are written as Belfiore codes, the rest as ISTAT codes.
//! - **What**: a curated table of 45 professions common in CPI vacancies (ISCO-08 unit
//!   groups from cleaners to software developers), each with Italian job titles, related
//!   professions, ESCO skills (named by Italian synonym or English preferred label and
//!   resolved against the embedded taxonomy once), typical licences, shift and night
//!   likelihood, EQF range, CCNL minimum pay range and typical ICF task demands.
//!   Candidates and vacancies pick professions from the same table with different weights,
//!   so rosters are realistic: plenty of cleaners and shop assistants, fewer nurses.
//! - **How skills are written**: 50% ESCO URI with the English label, 25% an Italian
//!   label only (from `data/skill_synonyms_it.csv`, varying case and accents), 15% the
//!   English label only, 10% a misspelled label only (a letter dropped, swapped or
//!   doubled), so that label normalisation is exercised.
//! - **Candidates**: DID 1–36 months before `as_of` (3% none = not available); 10%
//!   confirmed their availability more than 180 days ago (stale); 1–3 experiences; NASpI
//!   18%, DIS-COLL 1%, ADI 5%, SFL 1%; children under 14 about 25%; *collocamento
//!   mirato* 3% (art. 1 85%, art. 18 15%); ranking data for everyone; an Italian CV text
//!   of 2–5 sentences.
//! - **Vacancies**: contract fixed-term 45%, permanent 25%, agency 20%, apprenticeship 7%,
//!   internship 3%; pay about the CCNL minimum (up to +15%; 5% of vacancies below it);
//!   mode preselection 88%, targeted nominative 5%, targeted numeric 4%, public selection
//!   3% (half of which carry a sample of 20–200 applicants).
//!
//! - **Profiles** ([`Profile`]). All of the above is [`Profile::Default`]. [`Profile::Wide`]
//!   (*bacini ampi*) changes three things and nothing else: domiciles and workplaces are
//!   drawn from a few metropolitan areas (70% within 40 km of Milan, 8% within 30 km of
//!   Rome, 6% within 25 km of Naples, 5% within 25 km of Turin, each by population; the
//!   other 11% over Italy as above); the reach (`max_km`) is 50–80 km for 80% of people,
//!   20–45 km for 10% and 81–150 km for 10%; and 55% of vacancies require no skill (30%
//!   one, 15% two). A vacancy in Milan's area then has most of the register within
//!   reach: at 1M candidates, eligible pools of 50,000–400,000.
//!
//! The generator never fails: every record it makes passes
//! [`crate::model::parse_record`] (tested on thousands of records).
//!
//! The files, in the order a record is made: `rng` (the random streams), `professions`
//! (the curated table), `tables` (the table resolved against the reference data once,
//! and places drawn by population), `skills` (choosing skills and writing them as
//! people do), `candidate` (one function per field group of a candidate), `cv` (the
//! Italian CV text), `vacancy` (one function per field group of a vacancy, and its
//! text). **The order of random draws is part of the output**: splitting or moving code
//! must keep every call on a record's [`Rng`] in the same order.

use std::io::Write as _;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::date::Date;
use crate::error::Error;
use crate::model::{CandidateRecord, VacancyRecord};

mod candidate;
mod professions;
mod rng;
mod skills;
mod tables;
mod vacancy;
mod writing;

#[cfg(test)]
mod tests;

use candidate::make_candidate;
pub use rng::{record_seed, RecordKind, Rng, SplitMix64};
use tables::tables;
use vacancy::make_vacancy;

// ---------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------

/// What to generate. The same configuration always gives the same data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenConfig {
    /// Number of candidates (ids `C0000001`, `C0000002`, ...).
    pub candidates: usize,
    /// Number of vacancies (ids `V000001`, ...).
    pub vacancies: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Reference date: DIDs, confirmations and publications are placed before it.
    pub as_of: Date,
    /// What kind of territory and vacancies: [`Profile::Default`] or [`Profile::Wide`].
    pub profile: Profile,
}

/// The shape of a generated data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Profile {
    /// People and workplaces over all of Italy by population, a reach of 10–55 km for most,
    /// and 0–2 required skills per vacancy: eligible pools of a few thousand at 1M.
    #[default]
    Default,
    /// Wide pools (*bacini ampi*): most people in a few metropolitan areas (Milan's
    /// above all), a reach of 50–80 km for most, half of the vacancies without a
    /// required skill: eligible pools of 50,000–400,000 at 1M.
    Wide,
}

impl Profile {
    /// Every profile, default first.
    pub const ALL: [Profile; 2] = [Profile::Default, Profile::Wide];

    /// The name used on the command line (`default`, `wide`).
    pub fn name(self) -> &'static str {
        match self {
            Profile::Default => "default",
            Profile::Wide => "wide",
        }
    }

    /// The profile of a name, if known.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Generated records, in id order.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The candidates, `candidates[i]` has id [`candidate_id`]`(i)`.
    pub candidates: Vec<CandidateRecord>,
    /// The vacancies, `vacancies[i]` has id [`vacancy_id`]`(i)`.
    pub vacancies: Vec<VacancyRecord>,
}

/// Generates `cfg.candidates` candidates and `cfg.vacancies` vacancies, in parallel.
/// The output is identical for the same `cfg` whatever the number of threads.
pub fn generate(cfg: &GenConfig) -> Generated {
    tables(); // build the shared tables once, outside the parallel section
    let candidates = (0..cfg.candidates)
        .into_par_iter()
        .map(|i| candidate(cfg, i))
        .collect();
    let vacancies = (0..cfg.vacancies)
        .into_par_iter()
        .map(|i| vacancy(cfg, i))
        .collect();
    Generated {
        candidates,
        vacancies,
    }
}

/// Writes `dir/candidates.jsonl` and `dir/vacancies.jsonl` (one JSON object per line, in
/// order), creating `dir` if needed.
pub fn write_dir(data: &Generated, dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    write_jsonl(&dir.join("candidates.jsonl"), &data.candidates)?;
    write_jsonl(&dir.join("vacancies.jsonl"), &data.vacancies)?;
    Ok(())
}

/// The id of the candidate at `index` (0-based): `C0000001` for 0. Seven digits, more
/// past ten million.
pub fn candidate_id(index: usize) -> String {
    format!("C{:07}", index + 1)
}

/// The id of the vacancy at `index` (0-based): `V000001` for 0.
pub fn vacancy_id(index: usize) -> String {
    format!("V{:06}", index + 1)
}

/// The candidate at `index` of the data set `cfg` describes, alone (what [`generate`]
/// puts at `candidates[index]`); useful to make upserts that look like the rest.
pub fn candidate(cfg: &GenConfig, index: usize) -> CandidateRecord {
    let mut rng = Rng::new(record_seed(cfg.seed, RecordKind::Candidate, index as u64));
    make_candidate(tables(), cfg, index, &mut rng, None)
}

/// The vacancy at `index` of the data set `cfg` describes, alone.
pub fn vacancy(cfg: &GenConfig, index: usize) -> VacancyRecord {
    let mut rng = Rng::new(record_seed(cfg.seed, RecordKind::Vacancy, index as u64));
    make_vacancy(tables(), cfg, index, &mut rng, None)
}

/// The generator's own truth about the skills of the candidate at `index`: the ESCO
/// URI of every skill it chose, in the order of `skills` in [`candidate`]`(cfg, index)`,
/// however each is written there (URI, Italian or English label, misspelling). This is
/// what label normalisation should recover; [`crate::eval`] uses it as ground truth.
pub fn candidate_skill_uris(cfg: &GenConfig, index: usize) -> Vec<&'static str> {
    let mut rng = Rng::new(record_seed(cfg.seed, RecordKind::Candidate, index as u64));
    let mut uris = Vec::new();
    make_candidate(tables(), cfg, index, &mut rng, Some(&mut uris));
    uris
}

/// Like [`candidate_skill_uris`], for the skills of the vacancy at `index`.
pub fn vacancy_skill_uris(cfg: &GenConfig, index: usize) -> Vec<&'static str> {
    let mut rng = Rng::new(record_seed(cfg.seed, RecordKind::Vacancy, index as u64));
    let mut uris = Vec::new();
    make_vacancy(tables(), cfg, index, &mut rng, Some(&mut uris));
    uris
}

fn write_jsonl<T: Serialize + Sync>(path: &Path, records: &[T]) -> Result<(), Error> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    // Serialise blocks in parallel, write them in order.
    for block in records.chunks(16_384) {
        let parts: Vec<std::io::Result<Vec<u8>>> = block
            .par_chunks(512)
            .map(|chunk| {
                let mut buf = Vec::with_capacity(chunk.len() * 1024);
                for r in chunk {
                    serde_json::to_writer(&mut buf, r)?;
                    buf.push(b'\n');
                }
                Ok(buf)
            })
            .collect();
        for part in parts {
            let part = part.map_err(|e| Error::io(path, e))?;
            out.write_all(&part).map_err(|e| Error::io(path, e))?;
        }
    }
    out.flush().map_err(|e| Error::io(path, e))
}
