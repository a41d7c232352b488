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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::Serialize;

use crate::date::Date;
use crate::error::Error;
use crate::geo::{ComuneId, Comuni};
use crate::model::{
    Availability, Benefit, BenefitScheme, CandidateRecord, CandidateSkill, Cefr, Contract,
    ContractType, Experience, Language, Mode, RankingData, Support, Targeted, TargetedList,
    VacancyLanguage, VacancyLicence, VacancyRecord, VacancySkill, ICF_DIMENSIONS,
};
use crate::taxonomy::{SkillId, SkillTaxonomy};

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

// ---------------------------------------------------------------------------------------
// Pseudo-random numbers
// ---------------------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea and Flood, *Fast splittable pseudorandom number generators*,
/// OOPSLA 2014): a 64-bit counter advanced by the golden-ratio increment, then mixed.
/// Used only to expand a 64-bit seed into the 256-bit state of [`Rng`], as the
/// xoshiro authors recommend.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }
}

/// The SplitMix64 output function (a bijection on `u64`: distinct inputs, distinct outputs).
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Which kind of record a random stream belongs to (part of [`record_seed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A candidate.
    Candidate,
    /// A vacancy.
    Vacancy,
}

/// The seed of the random stream of one record: `mix(mix(mix(seed ^ K) ^ kind) ^ index)`.
/// Each step is a bijection, so for a given `seed` and `kind` distinct indexes get
/// distinct seeds, and a record's data depends on nothing but these three values.
pub fn record_seed(seed: u64, kind: RecordKind, index: u64) -> u64 {
    let kind = match kind {
        RecordKind::Candidate => 0x4341_4E44, // "CAND"
        RecordKind::Vacancy => 0x5641_4341,   // "VACA"
    };
    mix64(mix64(mix64(seed ^ 0x726F_7361_2D67_656E) ^ kind) ^ index)
}

/// xoshiro256** 1.0 (Blackman and Vigna, *Scrambled linear pseudorandom number
/// generators*, 2018): 256 bits of state, period 2^256 − 1, passes BigCrush; fast and
/// small enough to create one per record. Not cryptographic. Seeded through
/// [`SplitMix64`]. Integers in a range use Lemire's multiply-and-reject method, so they
/// are exactly uniform and the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose state is four outputs of [`SplitMix64`] started at `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut sm = SplitMix64::new(seed);
        let s = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        if s == [0; 4] {
            // The all-zero state is the one xoshiro cannot leave; SplitMix64 never gives
            // it in practice, but a generator must not be able to get stuck.
            return Rng { s: [1, 0, 0, 0] };
        }
        Rng { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n`.
    ///
    /// # Panics
    /// If `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0)");
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    ///
    /// # Panics
    /// If `lo > hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        assert!(lo <= hi, "Rng::range({lo}, {hi})");
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    /// Uniform in `[0, 1)`, with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniformly chosen element.
    ///
    /// # Panics
    /// If `items` is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given relative weights (not all zero).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < u64::from(w) {
                return i;
            }
            r -= u64::from(w);
        }
        weights.len() - 1
    }

    /// An index drawn from a cumulative weight table (strictly positive total).
    fn cumulative(&mut self, cum: &[u64]) -> usize {
        let r = self.below(*cum.last().expect("non-empty cumulative table"));
        cum.partition_point(|&c| c <= r)
    }
}

// ---------------------------------------------------------------------------------------
// The profession table
// ---------------------------------------------------------------------------------------

/// A licence typical of a profession.
struct Lic {
    code: &'static str,
    /// Share of candidates in the profession who hold it.
    have: f64,
    /// Share of vacancies for the profession that require it.
    require: f64,
}

/// One profession of the curated table.
struct Spec {
    /// ISCO-08 unit group.
    isco: &'static str,
    /// Italian job titles used in vacancies.
    titles: &'static [&'static str],
    /// How a CV names the job ("addetto alle pulizie").
    role: &'static str,
    /// Where people do it, with the indefinite article ("un'impresa di pulizie").
    sectors: &'static [&'static str],
    /// Related professions beyond those sharing the minor group (computed).
    related: &'static [&'static str],
    /// Skills: Italian labels of `data/skill_synonyms_it.csv` or ESCO preferred labels.
    skills: &'static [&'static str],
    licences: &'static [Lic],
    /// Probability that a vacancy has shifts / night work.
    shifts: f64,
    nights: f64,
    /// Typical EQF range.
    eqf: (u8, u8),
    /// CCNL minimum, gross euros per month full-time, range.
    ccnl: (u32, u32),
    /// Relative frequency among candidates and among vacancies.
    weight: (u32, u32),
    /// Typical ICF task demands.
    demands: &'static [&'static str],
}

const fn lic(code: &'static str, have: f64, require: f64) -> Lic {
    Lic {
        code,
        have,
        require,
    }
}

const B_DRIVER: Lic = lic("B", 1.0, 0.95);

#[rustfmt::skip]
static SPECS: &[Spec] = &[
    Spec { isco: "9112", titles: &["Addetto/a alle pulizie", "Operatore/trice di pulizia", "Addetto/a pulizie uffici"],
        role: "addetto alle pulizie", sectors: &["un'impresa di pulizie", "un hotel", "una cooperativa di servizi", "un centro commerciale"],
        related: &["9111", "9412", "5322"],
        skills: &["pulizie", "pulizia uffici", "pulizia pavimenti", "pulizia superfici", "lavasciuga pavimenti", "handle chemical cleaning agents",
                  "maintain personal hygiene standards when cleaning", "clean public areas", "vacuum surfaces", "clean glass surfaces", "make the beds"],
        licences: &[], shifts: 0.4, nights: 0.08, eqf: (1, 3), ccnl: (1350, 1480), weight: (90, 70), demands: &["d4154", "d450", "d445"] },
    Spec { isco: "9111", titles: &["Collaboratore/trice domestico/a", "Colf"],
        role: "collaboratrice domestica", sectors: &["una famiglia", "un'agenzia per il lavoro domestico"],
        related: &["9112", "5322", "5311"],
        skills: &["pulizie", "lavanderia", "stiratura", "make the beds", "preparazione pasti", "clean household linens", "pulizia superfici"],
        licences: &[], shifts: 0.1, nights: 0.05, eqf: (1, 3), ccnl: (1050, 1300), weight: (30, 15), demands: &["d4154", "d445", "d430"] },
    Spec { isco: "5120", titles: &["Cuoco/a", "Capo partita", "Cuoco/a di mensa"],
        role: "cuoco", sectors: &["un ristorante", "un hotel", "una mensa aziendale", "un agriturismo", "una pizzeria"],
        related: &["9412", "7512", "5131"],
        skills: &["cucina", "preparazione alimenti", "HACCP", "igiene alimentare", "preparazione pasti", "cook meat dishes", "cook fish",
                  "cook vegetable products", "cook sauce products", "plan menus", "cook pastry products", "handle kitchen equipment"],
        licences: &[], shifts: 0.7, nights: 0.2, eqf: (2, 4), ccnl: (1500, 1800), weight: (40, 60), demands: &["d4154", "e225", "d2401", "d220"] },
    Spec { isco: "9412", titles: &["Aiuto cuoco/a", "Lavapiatti", "Addetto/a cucina"],
        role: "aiuto cuoco", sectors: &["un ristorante", "una mensa aziendale", "un hotel", "una pizzeria"],
        related: &["5120", "9112", "5131"],
        skills: &["aiuto cuoco", "lavaggio stoviglie", "HACCP", "igiene alimentare", "clean kitchen equipment", "store kitchen supplies",
                  "receive kitchen supplies", "pulizia superfici", "preparazione pasti"],
        licences: &[], shifts: 0.6, nights: 0.15, eqf: (1, 3), ccnl: (1350, 1450), weight: (45, 45), demands: &["d4154", "e225", "d445"] },
    Spec { isco: "5131", titles: &["Cameriere/a di sala", "Cameriere/a", "Commis di sala"],
        role: "cameriere", sectors: &["un ristorante", "un hotel", "uno stabilimento balneare", "una pizzeria", "un bar ristorante"],
        related: &["5132", "9412", "5120"],
        skills: &["servizio ai tavoli", "presa delle comande", "mise en place", "serve beverages", "serve wines", "present menus",
                  "HACCP", "accoglienza clienti", "POS", "handle glassware"],
        licences: &[], shifts: 0.7, nights: 0.25, eqf: (2, 4), ccnl: (1450, 1650), weight: (55, 80), demands: &["d4154", "d450", "d350", "d220"] },
    Spec { isco: "5132", titles: &["Barista", "Barman", "Addetto/a al bar"],
        role: "barista", sectors: &["un bar", "un hotel", "una caffetteria", "uno stabilimento balneare"],
        related: &["5131", "5230"],
        skills: &["barista", "caffetteria", "preparazione caffè", "preparazione cocktail", "stock the bar", "maintain bar cleanliness",
                  "cassa", "HACCP", "handle glassware", "setup the bar area"],
        licences: &[], shifts: 0.6, nights: 0.3, eqf: (2, 4), ccnl: (1450, 1650), weight: (35, 45), demands: &["d4154", "d440", "d350"] },
    Spec { isco: "5223", titles: &["Addetto/a alle vendite", "Commesso/a", "Sales assistant"],
        role: "commessa", sectors: &["un negozio di abbigliamento", "un supermercato", "un centro commerciale", "una catena di elettronica", "un negozio di arredamento"],
        related: &["5230", "4321", "3322"],
        skills: &["vendita", "assistenza alla vendita", "allestimento vetrine", "rifornimento scaffali", "cassa", "servizio clienti",
                  "put up price tags", "examine merchandise", "gestione reclami", "direct customers to merchandise"],
        licences: &[], shifts: 0.6, nights: 0.02, eqf: (3, 4), ccnl: (1550, 1700), weight: (80, 60), demands: &["d4154", "d350", "d450"] },
    Spec { isco: "5230", titles: &["Cassiere/a", "Addetto/a cassa"],
        role: "cassiera", sectors: &["un supermercato", "un ipermercato", "un discount", "un centro commerciale"],
        related: &["5223", "4321"],
        skills: &["registratore di cassa", "gestione cassa", "POS", "incasso pagamenti", "servizio clienti", "package purchases in bags",
                  "rifornimento scaffali", "use barcode scanning equipment"],
        licences: &[], shifts: 0.7, nights: 0.02, eqf: (2, 4), ccnl: (1550, 1650), weight: (45, 35), demands: &["d4153", "d440", "d350"] },
    Spec { isco: "4321", titles: &["Magazziniere/a", "Addetto/a al magazzino", "Operatore/trice di magazzino"],
        role: "magazziniere", sectors: &["un'azienda di logistica", "un centro di distribuzione", "un'azienda metalmeccanica", "un supermercato"],
        related: &["9333", "8344", "9321", "4323"],
        skills: &["magazzino", "inventario", "ricevimento merci", "picking", "gestionale di magazzino", "carrello elevatore", "spedizioni",
                  "use barcode scanning equipment", "handle paperwork related to warehouse stock", "transpallet", "carico merci"],
        licences: &[lic("forklift", 0.6, 0.35)], shifts: 0.5, nights: 0.15, eqf: (2, 4), ccnl: (1550, 1750), weight: (70, 75), demands: &["d430", "d450", "d4154"] },
    Spec { isco: "9333", titles: &["Addetto/a carico e scarico", "Facchino/a", "Mulettista e facchino/a"],
        role: "addetto al carico e scarico merci", sectors: &["un'azienda di logistica", "un corriere espresso", "un centro di distribuzione", "un interporto"],
        related: &["4321", "8344", "9321"],
        skills: &["carico merci", "scarico merci", "movimentazione merci", "movimentazione manuale dei carichi", "transpallet", "imballaggio",
                  "picking", "load heavy items on pallets", "stack empty pallets", "carrello elevatore"],
        licences: &[lic("forklift", 0.4, 0.15)], shifts: 0.6, nights: 0.3, eqf: (1, 3), ccnl: (1600, 1750), weight: (50, 55), demands: &["d430", "d4154", "d450", "e225"] },
    Spec { isco: "8344", titles: &["Carrellista", "Mulettista", "Conduttore/trice di carrelli elevatori"],
        role: "carrellista", sectors: &["un'azienda di logistica", "un centro di distribuzione", "un'acciaieria", "un interporto"],
        related: &["4321", "9333"],
        skills: &["carrello elevatore", "transpallet", "carroponte", "carico merci", "scarico merci", "conduct forklift inspections",
                  "magazzino", "pallets loading", "movimentazione merci"],
        licences: &[lic("forklift", 0.95, 0.85)], shifts: 0.7, nights: 0.3, eqf: (2, 3), ccnl: (1650, 1800), weight: (25, 35), demands: &["d4153", "d445", "b210", "e250"] },
    Spec { isco: "4323", titles: &["Impiegato/a logistica", "Addetto/a spedizioni", "Impiegato/a traffico"],
        role: "impiegato alle spedizioni", sectors: &["un'azienda di logistica", "uno spedizioniere", "un'azienda di trasporti"],
        related: &["4321", "4110"],
        skills: &["spedizioni", "logistica", "gestionale di magazzino", "Excel", "inserimento dati", "prepare transportation routes",
                  "keep track of shipment payments", "assistenza clienti", "fatturazione"],
        licences: &[], shifts: 0.3, nights: 0.05, eqf: (4, 5), ccnl: (1700, 1900), weight: (15, 15), demands: &["d4153", "d220", "d2401"] },
    Spec { isco: "8332", titles: &["Autista patente CE", "Autista di mezzi pesanti", "Camionista"],
        role: "autista di mezzi pesanti", sectors: &["un'azienda di autotrasporti", "un'azienda di logistica", "una ditta di movimento terra"],
        related: &["8322", "9333"],
        skills: &["guida mezzi pesanti", "guida", "carico merci", "secure cargo in stowage", "accommodate cargo in freight transport vehicle",
                  "operate GPS systems", "maintain records related to vehicle operation", "check vehicle parts on delivery"],
        licences: &[B_DRIVER, lic("C", 0.95, 0.3), lic("CE", 0.9, 0.85), lic("CQC", 0.9, 0.8), lic("ADR", 0.3, 0.1)],
        shifts: 0.4, nights: 0.5, eqf: (2, 3), ccnl: (1850, 2100), weight: (25, 45), demands: &["d475", "d4153", "b210", "night"] },
    Spec { isco: "8322", titles: &["Autista patente B", "Corriere/a", "Autista consegne"],
        role: "autista", sectors: &["un corriere espresso", "un'azienda di distribuzione alimentare", "una cooperativa di trasporti", "un'azienda di noleggio con conducente"],
        related: &["8332", "9333"],
        skills: &["guida", "guida in città", "carico merci", "operate GPS systems", "handle delivered packages", "servizio clienti",
                  "maintain vehicle records", "check vehicle damage"],
        licences: &[B_DRIVER, lic("C", 0.15, 0.05), lic("CQC", 0.1, 0.05)],
        shifts: 0.3, nights: 0.1, eqf: (2, 4), ccnl: (1700, 1900), weight: (35, 45), demands: &["d475", "d430", "b210"] },
    Spec { isco: "7212", titles: &["Saldatore/trice", "Saldatore/trice TIG", "Saldatore/trice a filo MIG/MAG"],
        role: "saldatore", sectors: &["un'azienda metalmeccanica", "una carpenteria metallica", "un cantiere navale", "un'officina"],
        related: &["7223", "8211", "7233"],
        skills: &["saldatura", "saldatura TIG", "saldatura MIG", "saldatura MAG", "saldatura ad elettrodo", "saldatura a punti", "saldatrice",
                  "lettura disegno tecnico", "saldatura ossiacetilenica", "perform welding inspection", "use metalworking tools", "brasatura"],
        licences: &[lic("forklift", 0.2, 0.05)], shifts: 0.5, nights: 0.1, eqf: (3, 4), ccnl: (1750, 2000), weight: (30, 45), demands: &["d445", "d440", "b210", "e250", "e225"] },
    Spec { isco: "7223", titles: &["Operatore/trice macchine CNC", "Tornitore/trice CNC", "Fresatore/trice"],
        role: "operatore CNC", sectors: &["un'azienda metalmeccanica", "un'officina di precisione", "un'azienda di stampi"],
        related: &["7212", "8211", "7233"],
        skills: &["tornio CNC", "fresatura CNC", "programmazione CNC", "macchine utensili", "tornitura", "lettura disegno tecnico", "controllo qualità",
                  "measure parts of manufactured products", "tend CNC grinding machine", "operate precision measuring equipment", "AutoCAD"],
        licences: &[], shifts: 0.7, nights: 0.3, eqf: (3, 5), ccnl: (1800, 2100), weight: (25, 45), demands: &["d4154", "d440", "b210", "e250"] },
    Spec { isco: "7231", titles: &["Meccanico/a auto", "Meccanico/a riparatore/trice", "Autoriparatore/trice"],
        role: "meccanico", sectors: &["un'officina", "una concessionaria", "un centro revisioni", "un'azienda di trasporti"],
        related: &["7233", "7212"],
        skills: &["diagnose problems with vehicles", "use automotive diagnostic equipment", "repair engines", "execute vehicle maintenance",
                  "replace tyres", "repair vehicle electrical systems", "balance tyres", "attrezzi manuali", "utensili elettrici", "diagnose defective engines"],
        licences: &[lic("B", 0.95, 0.5)], shifts: 0.1, nights: 0.0, eqf: (3, 4), ccnl: (1700, 1950), weight: (25, 30), demands: &["d445", "d440", "d4154"] },
    Spec { isco: "7233", titles: &["Manutentore/trice meccanico/a", "Manutentore/trice industriale"],
        role: "manutentore meccanico", sectors: &["un'azienda metalmeccanica", "un'industria alimentare", "un'azienda chimica", "una cartiera"],
        related: &["7231", "7212", "7411"],
        skills: &["manutenzione elettrica", "lettura schemi elettrici", "attrezzi manuali", "utensili elettrici", "disassemble machines",
                  "lettura disegno tecnico", "saldatura", "use computerised maintenance management systems", "PLE"],
        licences: &[lic("PLE", 0.3, 0.1)], shifts: 0.6, nights: 0.3, eqf: (3, 4), ccnl: (1750, 2000), weight: (15, 30), demands: &["d445", "d4551", "d440", "e250"] },
    Spec { isco: "8211", titles: &["Assemblatore/trice meccanico/a", "Montatore/trice meccanico/a"],
        role: "assemblatore meccanico", sectors: &["un'azienda metalmeccanica", "un'azienda di macchine agricole", "un'azienda di elettrodomestici"],
        related: &["9329", "7223", "7212"],
        skills: &["assemblaggio", "apply assembly techniques", "read assembly drawings", "attrezzi manuali", "utensili elettrici", "controllo qualità",
                  "lettura disegno tecnico", "label components"],
        licences: &[], shifts: 0.6, nights: 0.2, eqf: (2, 3), ccnl: (1700, 1850), weight: (30, 40), demands: &["d4154", "d440", "d445"] },
    Spec { isco: "9329", titles: &["Operaio/a generico/a", "Addetto/a alla produzione", "Operaio/a di linea"],
        role: "operaio di produzione", sectors: &["un'azienda metalmeccanica", "un'azienda di materie plastiche", "un'industria alimentare", "un'azienda tessile"],
        related: &["9321", "8211", "8160"],
        skills: &["confezionamento", "imballaggio", "assemblaggio", "controllo qualità", "movimentazione manuale dei carichi", "monitor conveyor belt",
                  "tend packaging machines", "feed raw material into plant machinery", "lavoro di squadra", "transpallet"],
        licences: &[lic("forklift", 0.3, 0.05)], shifts: 0.75, nights: 0.35, eqf: (1, 3), ccnl: (1650, 1750), weight: (90, 90), demands: &["d4154", "d445", "e250", "d430"] },
    Spec { isco: "9321", titles: &["Addetto/a al confezionamento", "Imballatore/trice", "Confezionatore/trice"],
        role: "addetto al confezionamento", sectors: &["un'industria alimentare", "un'azienda cosmetica", "un centro di distribuzione", "un'azienda farmaceutica"],
        related: &["9329", "9333", "4321"],
        skills: &["confezionamento", "imballaggio", "ensure correct goods labelling", "controllo qualità", "picking",
                  "movimentazione manuale dei carichi", "label foodstuffs", "pack vegetables or fruits"],
        licences: &[], shifts: 0.6, nights: 0.2, eqf: (1, 3), ccnl: (1600, 1700), weight: (40, 40), demands: &["d4154", "d440", "d445"] },
    Spec { isco: "7411", titles: &["Elettricista", "Elettricista impiantista", "Elettricista industriale"],
        role: "elettricista", sectors: &["un'impresa di impianti elettrici", "un'impresa edile", "un'azienda di manutenzione", "un'azienda metalmeccanica"],
        related: &["7126", "7233"],
        skills: &["impianti elettrici", "cablaggio", "quadri elettrici", "manutenzione elettrica", "lettura schemi elettrici", "install electricity sockets",
                  "test electrical equipment", "use electrical wire tools", "piattaforma aerea", "strip wire", "sicurezza sul lavoro"],
        licences: &[lic("B", 0.9, 0.3), lic("PLE", 0.35, 0.1)], shifts: 0.1, nights: 0.02, eqf: (3, 4), ccnl: (1750, 2000), weight: (25, 45), demands: &["d4551", "d440", "b210", "d445"] },
    Spec { isco: "7126", titles: &["Idraulico/a", "Installatore/trice termoidraulico/a"],
        role: "idraulico", sectors: &["un'impresa di impianti termoidraulici", "un'impresa edile", "un'azienda di manutenzione"],
        related: &["7411", "7112"],
        skills: &["idraulica", "riparazione impianti idraulici", "installazione caldaie", "installazione condizionatori", "attach PEX pipe",
                  "repair heating equipment", "utensili elettrici", "lettura disegno tecnico"],
        licences: &[lic("B", 0.9, 0.3)], shifts: 0.1, nights: 0.02, eqf: (3, 4), ccnl: (1750, 2000), weight: (15, 30), demands: &["d445", "d4551", "d430"] },
    Spec { isco: "7112", titles: &["Muratore/trice", "Muratore/trice qualificato/a", "Operaio/a edile specializzato/a"],
        role: "muratore", sectors: &["un'impresa edile", "un'impresa di ristrutturazioni", "un cantiere stradale"],
        related: &["9313", "7131", "7115"],
        skills: &["muratura", "intonacatura", "cartongesso", "posa piastrelle", "getto calcestruzzo", "mix concrete", "build scaffolding",
                  "follow health and safety procedures in construction", "check straightness of brick"],
        licences: &[lic("B", 0.8, 0.2)], shifts: 0.05, nights: 0.0, eqf: (1, 3), ccnl: (1700, 1950), weight: (30, 40), demands: &["d430", "d4551", "e225", "d445"] },
    Spec { isco: "9313", titles: &["Manovale edile", "Operaio/a edile comune"],
        role: "manovale edile", sectors: &["un'impresa edile", "un cantiere stradale", "un'impresa di demolizioni"],
        related: &["7112", "7131"],
        skills: &["movimentazione manuale dei carichi", "getto calcestruzzo", "mix concrete", "build scaffolding", "dismantle scaffolding",
                  "transport construction supplies", "follow health and safety procedures in construction", "attrezzi manuali", "work in a construction team"],
        licences: &[], shifts: 0.05, nights: 0.0, eqf: (1, 2), ccnl: (1550, 1700), weight: (35, 30), demands: &["d430", "d4154", "e225", "e250"] },
    Spec { isco: "7131", titles: &["Imbianchino/a", "Pittore/trice edile", "Verniciatore/trice edile"],
        role: "imbianchino", sectors: &["un'impresa edile", "un'impresa di ristrutturazioni", "un'impresa di tinteggiature"],
        related: &["7112", "9313"],
        skills: &["tinteggiatura", "verniciatura a spruzzo", "cartongesso", "prepare surface for painting", "remove paint", "mix paint",
                  "hang wallpaper", "use painting equipment", "intonacatura"],
        licences: &[lic("PLE", 0.2, 0.05)], shifts: 0.05, nights: 0.0, eqf: (1, 3), ccnl: (1650, 1850), weight: (15, 20), demands: &["d4551", "d445", "d4154"] },
    Spec { isco: "7115", titles: &["Falegname", "Carpentiere/a edile", "Carpentiere/a in legno"],
        role: "falegname", sectors: &["una falegnameria", "un'impresa edile", "un mobilificio"],
        related: &["7112", "8211"],
        skills: &["operate circular saw", "join wood elements", "install wood elements in structures", "construct wood roofs", "manipulate wood",
                  "attrezzi manuali", "utensili elettrici", "lettura disegno tecnico", "assemble prefabricated furniture", "operate table saw"],
        licences: &[], shifts: 0.05, nights: 0.0, eqf: (2, 3), ccnl: (1700, 1900), weight: (15, 20), demands: &["d445", "d430", "e250"] },
    Spec { isco: "5322", titles: &["Assistente familiare", "Badante", "Assistente domiciliare"],
        role: "assistente familiare", sectors: &["una famiglia", "una cooperativa sociale", "un servizio di assistenza domiciliare"],
        related: &["5321", "9111", "5311"],
        skills: &["assistenza anziani", "assistenza domiciliare", "assistenza disabili", "preparazione pasti", "pulizie", "primo soccorso",
                  "assist in the administration of medication to elderly", "stiratura", "lavanderia"],
        licences: &[lic("B", 0.5, 0.2)], shifts: 0.4, nights: 0.3, eqf: (1, 3), ccnl: (1100, 1400), weight: (60, 40), demands: &["d430", "d350", "d2401", "night"] },
    Spec { isco: "5321", titles: &["Operatore/trice socio sanitario/a (OSS)", "OSS", "Ausiliario/a socio assistenziale"],
        role: "operatore socio sanitario", sectors: &["una RSA", "una cooperativa sociale", "una clinica privata", "un ospedale"],
        related: &["5322", "2221"],
        skills: &["OSS", "assistenza anziani", "assistenza disabili", "primo soccorso", "apply hygiene standards", "make the beds",
                  "assist patients with rehabilitation", "assistenza domiciliare"],
        licences: &[], shifts: 0.8, nights: 0.6, eqf: (3, 4), ccnl: (1600, 1750), weight: (40, 60), demands: &["d430", "d4154", "d2401", "night"] },
    Spec { isco: "2221", titles: &["Infermiere/a", "Infermiere/a professionale"],
        role: "infermiere", sectors: &["un ospedale", "una RSA", "una clinica privata", "un poliambulatorio"],
        related: &["5321"],
        skills: &["implement nursing care", "plan nursing care", "administer prescribed medication", "carry out wound care", "take blood samples",
                  "use electronic health records in nursing", "primo soccorso", "apply nursing care in long-term care", "assistenza ai pazienti"],
        licences: &[], shifts: 0.9, nights: 0.8, eqf: (6, 7), ccnl: (1900, 2300), weight: (10, 25), demands: &["d4154", "d2401", "d220", "night"] },
    Spec { isco: "5311", titles: &["Baby sitter", "Assistente all'infanzia", "Educatore/trice di nido"],
        role: "baby sitter", sectors: &["una famiglia", "un asilo nido", "una cooperativa sociale"],
        related: &["5322", "9111"],
        skills: &["cura dei bambini", "babysitter", "primo soccorso", "preparazione pasti", "contribute to the safeguarding of children", "pulizie"],
        licences: &[lic("B", 0.6, 0.2)], shifts: 0.2, nights: 0.02, eqf: (3, 6), ccnl: (1100, 1450), weight: (20, 15), demands: &["d430", "d350", "d2401"] },
    Spec { isco: "4110", titles: &["Impiegato/a amministrativo/a", "Addetto/a alla segreteria", "Impiegato/a d'ufficio"],
        role: "impiegata amministrativa", sectors: &["uno studio professionale", "un'azienda commerciale", "un'agenzia immobiliare", "un'azienda metalmeccanica"],
        related: &["4226", "3313", "4222", "4323"],
        skills: &["segreteria", "lavoro d'ufficio", "archiviazione documenti", "inserimento dati", "pacchetto Office", "Excel", "Word",
                  "posta elettronica", "gestione appuntamenti", "fatturazione"],
        licences: &[], shifts: 0.05, nights: 0.0, eqf: (4, 6), ccnl: (1600, 1800), weight: (80, 40), demands: &["d4153", "b210", "d220"] },
    Spec { isco: "3313", titles: &["Contabile", "Impiegato/a contabile", "Addetto/a contabilità"],
        role: "contabile", sectors: &["uno studio commercialista", "un'azienda commerciale", "un centro elaborazione dati", "un'azienda metalmeccanica"],
        related: &["4110"],
        skills: &["contabilità", "software di contabilità", "fatturazione", "paghe e contributi", "Excel", "prepare financial statements",
                  "manage the general ledger", "calculate tax", "check accounting records"],
        licences: &[], shifts: 0.0, nights: 0.0, eqf: (4, 6), ccnl: (1800, 2100), weight: (25, 20), demands: &["d4153", "b210", "d2401"] },
    Spec { isco: "4222", titles: &["Operatore/trice call center", "Addetto/a customer care", "Operatore/trice telefonico/a inbound"],
        role: "operatore di call center", sectors: &["un call center", "una compagnia telefonica", "una società di servizi energetici"],
        related: &["4226", "4110"],
        skills: &["servizio clienti", "gestione reclami", "centralino", "inserimento dati", "answer incoming calls",
                  "use customer relationship management software", "maintain records of phone calls", "posta elettronica"],
        licences: &[], shifts: 0.5, nights: 0.05, eqf: (4, 6), ccnl: (1400, 1650), weight: (35, 25), demands: &["d4153", "b230", "d350", "d2401"] },
    Spec { isco: "4226", titles: &["Receptionist", "Addetto/a al ricevimento", "Portiere/a d'albergo"],
        role: "receptionist", sectors: &["un hotel", "uno studio medico", "un'azienda", "un centro congressi"],
        related: &["4222", "4110", "5414"],
        skills: &["reception", "centralino", "gestione appuntamenti", "pacchetto Office", "process booking", "answer incoming calls",
                  "maintain reception area", "posta elettronica"],
        licences: &[], shifts: 0.7, nights: 0.3, eqf: (4, 6), ccnl: (1500, 1700), weight: (25, 25), demands: &["d4153", "d350", "b230"] },
    Spec { isco: "3512", titles: &["Tecnico/a informatico/a help desk", "Addetto/a assistenza informatica"],
        role: "tecnico informatico", sectors: &["un'azienda informatica", "un system integrator", "un'azienda di servizi"],
        related: &["2512"],
        skills: &["support ICT system users", "solve ICT system problems", "use ICT systems", "assemble hardware components", "informatica di base",
                  "pacchetto Office", "implement ICT network diagnostic tools", "use databases"],
        licences: &[lic("B", 0.85, 0.3)], shifts: 0.3, nights: 0.05, eqf: (4, 6), ccnl: (1800, 2100), weight: (10, 15), demands: &["d4153", "b210", "d350"] },
    Spec { isco: "2512", titles: &["Sviluppatore/trice software", "Programmatore/trice", "Sviluppatore/trice web"],
        role: "sviluppatore software", sectors: &["una software house", "un'azienda informatica", "una startup", "una banca"],
        related: &["3512"],
        skills: &["debug software", "use object-oriented programming", "use software design patterns", "create software design",
                  "develop automated software tests", "conduct ICT code review", "use databases", "operate relational database management system",
                  "use scripting programming", "implement front-end website design", "lavoro di squadra"],
        licences: &[], shifts: 0.0, nights: 0.0, eqf: (5, 7), ccnl: (2100, 2600), weight: (8, 20), demands: &["d4153", "b210", "d220"] },
    Spec { isco: "7512", titles: &["Panettiere/a", "Fornaio/a", "Pasticciere/a"],
        role: "panettiere", sectors: &["un panificio", "una pasticceria", "un supermercato", "un laboratorio artigianale"],
        related: &["8160", "5120"],
        skills: &["bake goods", "prepare bakery products", "tend bakery ovens", "mould doughs", "cook pastry products", "HACCP",
                  "igiene alimentare", "ensure correct use of bakery equipment"],
        licences: &[], shifts: 0.5, nights: 0.7, eqf: (2, 3), ccnl: (1600, 1800), weight: (12, 20), demands: &["d4154", "e225", "night"] },
    Spec { isco: "8160", titles: &["Operatore/trice macchine alimentari", "Addetto/a linea di produzione alimentare"],
        role: "operatore di linea alimentare", sectors: &["un'industria alimentare", "un caseificio", "un salumificio", "un'azienda conserviera"],
        related: &["9329", "7512", "9321"],
        skills: &["follow hygienic procedures during food processing", "work in conveyor belts in food manufacturing", "tend packaging machines",
                  "HACCP", "confezionamento", "monitor filling machines", "label foodstuffs", "controllo qualità", "clean food and beverage machinery"],
        licences: &[], shifts: 0.8, nights: 0.4, eqf: (2, 3), ccnl: (1650, 1850), weight: (25, 35), demands: &["d4154", "e225", "e250", "d445"] },
    Spec { isco: "5141", titles: &["Parrucchiere/a", "Acconciatore/trice", "Lavorante parrucchiere/a"],
        role: "parrucchiera", sectors: &["un salone di acconciatura", "un centro benessere"],
        related: &["5142"],
        skills: &["style hair", "wash hair", "dye hair", "apply hair cutting techniques", "curl hair", "use equipment for hair care",
                  "advise on hair style", "sell hair products", "accoglienza clienti", "cassa"],
        licences: &[], shifts: 0.1, nights: 0.0, eqf: (3, 4), ccnl: (1350, 1550), weight: (15, 12), demands: &["d4154", "d440", "d350"] },
    Spec { isco: "5142", titles: &["Estetista", "Operatore/trice del benessere"],
        role: "estetista", sectors: &["un centro estetico", "un centro benessere", "una spa"],
        related: &["5141"],
        skills: &["apply nail polish", "perform facial treatment", "wax body parts", "give massages", "determine skin type", "decorate nails",
                  "accoglienza clienti", "cassa"],
        licences: &[], shifts: 0.1, nights: 0.0, eqf: (3, 4), ccnl: (1350, 1550), weight: (12, 8), demands: &["d4154", "d440", "d350"] },
    Spec { isco: "9211", titles: &["Bracciante agricolo/a", "Operaio/a agricolo/a", "Addetto/a alla raccolta"],
        role: "bracciante agricolo", sectors: &["un'azienda agricola", "un'azienda vitivinicola", "una cooperativa ortofrutticola"],
        related: &["6113", "9321"],
        skills: &["raccolta prodotti agricoli", "potatura", "pick orders of agricultural products", "prune plants", "operate agricultural machinery",
                  "drive agricultural machines", "irrigate soil", "load picked fruits and vegetables", "pack vegetables or fruits"],
        licences: &[lic("B", 0.6, 0.1)], shifts: 0.2, nights: 0.05, eqf: (1, 2), ccnl: (1300, 1500), weight: (35, 40), demands: &["d430", "e225", "d4154", "d450"] },
    Spec { isco: "6113", titles: &["Giardiniere/a", "Manutentore/trice del verde"],
        role: "giardiniere", sectors: &["un'impresa di manutenzione del verde", "un vivaio", "una cooperativa sociale"],
        related: &["9211"],
        skills: &["giardinaggio", "manutenzione del verde", "potatura", "operate hand pruning equipment", "install irrigation systems", "plant trees",
                  "operate various kinds of grass maintenance equipment", "utensili elettrici"],
        licences: &[lic("B", 0.9, 0.5)], shifts: 0.05, nights: 0.0, eqf: (2, 3), ccnl: (1450, 1650), weight: (15, 15), demands: &["e225", "d430", "e250"] },
    Spec { isco: "5414", titles: &["Guardia giurata", "Addetto/a alla sicurezza", "Portiere/a e addetto/a vigilanza"],
        role: "addetto alla sicurezza", sectors: &["un istituto di vigilanza", "un centro commerciale", "un ospedale", "un'azienda di servizi fiduciari"],
        related: &["4226"],
        skills: &["patrol areas", "monitor surveillance equipment", "respond to burglar alarm systems", "manage alarm system",
                  "follow procedures in the event of an alarm", "primo soccorso", "centralino", "use access control software"],
        licences: &[lic("B", 0.9, 0.4)], shifts: 0.9, nights: 0.7, eqf: (2, 4), ccnl: (1350, 1600), weight: (20, 25), demands: &["d450", "d4154", "b210", "night"] },
    Spec { isco: "3322", titles: &["Agente di commercio", "Venditore/trice", "Commerciale esterno/a"],
        role: "agente di commercio", sectors: &["un'azienda commerciale", "un'azienda di distribuzione", "un'azienda alimentare"],
        related: &["5223"],
        skills: &["tecniche di vendita", "deliver a sales pitch", "achieve sales targets", "negotiate price", "maintain relationship with customers",
                  "produce sales reports", "plan customers' sales visits", "pacchetto Office", "use customer relationship management software", "guida"],
        licences: &[lic("B", 1.0, 0.9)], shifts: 0.0, nights: 0.0, eqf: (4, 6), ccnl: (1800, 2300), weight: (12, 25), demands: &["d475", "d350", "d2401"] },
];

/// Skills any candidate or vacancy may mention besides those of the profession.
static GENERIC_SKILLS: &[&str] = &[
    "lavoro di squadra",
    "sicurezza sul lavoro",
    "informatica di base",
    "posta elettronica",
    "primo soccorso",
    "movimentazione manuale dei carichi",
    "servizio clienti",
    "pacchetto Office",
    "manage time",
];

// ---------------------------------------------------------------------------------------
// Tables built once
// ---------------------------------------------------------------------------------------

/// A skill resolved against the taxonomy, with the labels it can be written with.
#[derive(Debug, Clone)]
struct SkillForm {
    id: SkillId,
    uri: &'static str,
    /// ESCO preferred label.
    en: &'static str,
    /// Italian labels (the curated synonyms of this skill), possibly none.
    it: Vec<&'static str>,
}

/// A set of skills and the subset that has Italian labels.
#[derive(Debug, Default)]
struct SkillPool {
    skills: Vec<SkillForm>,
    /// Indexes into `skills` of those with at least one Italian label.
    italian: Vec<usize>,
}

impl SkillPool {
    fn push(&mut self, form: SkillForm) {
        if self.skills.iter().any(|s| s.id == form.id) {
            return; // two Italian labels of the same skill: keep one entry
        }
        if !form.it.is_empty() {
            self.italian.push(self.skills.len());
        }
        self.skills.push(form);
    }
}

struct Profession {
    spec: &'static Spec,
    pool: SkillPool,
    /// Indexes of related professions in the table.
    related: Vec<usize>,
}

struct Tables {
    comuni: &'static Comuni,
    /// Comuni with residents, and the cumulative population up to each.
    comune_ids: Vec<ComuneId>,
    comune_cum: Vec<u64>,
    /// The metropolitan areas of [`METROS`], in order: their comuni with residents
    /// and the cumulative population ([`Profile::Wide`]).
    metros: Vec<(Vec<ComuneId>, Vec<u64>)>,
    professions: Vec<Profession>,
    cum_candidates: Vec<u64>,
    cum_vacancies: Vec<u64>,
    generic: SkillPool,
    /// Skill names of the tables that did not resolve (the tests require none).
    #[cfg_attr(not(test), allow(dead_code))]
    unresolved: Vec<&'static str>,
}

/// A metropolitan area of [`Profile::Wide`]: the comuni within `radius_km` of the
/// centre's centroid hold `per_mille` of the people and of the workplaces.
struct Metro {
    centre: &'static str,
    radius_km: f64,
    per_mille: u32,
}

/// Milan's area (about the provinces of Milano, Monza, Lodi and the nearer parts of
/// Varese, Como, Lecco, Bergamo, Pavia and Novara) takes 70%, as in the regional
/// registers where one area dominates; Rome, Naples and Turin 8%, 6% and 5%; the
/// remaining 11% live anywhere in Italy by population.
const METROS: &[Metro] = &[
    Metro {
        centre: "015146",
        radius_km: 40.0,
        per_mille: 700,
    },
    Metro {
        centre: "058091",
        radius_km: 30.0,
        per_mille: 80,
    },
    Metro {
        centre: "063049",
        radius_km: 25.0,
        per_mille: 60,
    },
    Metro {
        centre: "001272",
        radius_km: 25.0,
        per_mille: 50,
    },
];

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

fn build_tables() -> Tables {
    let comuni = Comuni::embedded();
    let taxonomy = SkillTaxonomy::embedded();

    let mut comune_ids = Vec::with_capacity(comuni.len());
    let mut comune_cum = Vec::with_capacity(comuni.len());
    let mut total = 0u64;
    for (id, c) in comuni.iter() {
        if c.population > 0 {
            total += u64::from(c.population);
            comune_ids.push(id);
            comune_cum.push(total);
        }
    }

    let metros = METROS
        .iter()
        .map(|m| {
            let centre = comuni
                .lookup(m.centre)
                .expect("metropolitan centre in comuni.csv");
            let (mut ids, mut cum, mut total) = (Vec::new(), Vec::new(), 0u64);
            for (id, c) in comuni.iter() {
                if c.population > 0 && comuni.distance_km(centre, id) <= m.radius_km {
                    total += u64::from(c.population);
                    ids.push(id);
                    cum.push(total);
                }
            }
            (ids, cum)
        })
        .collect();

    // Italian labels by skill, and exact preferred labels, for resolving the table.
    let mut italian_of: BTreeMap<SkillId, Vec<&'static str>> = BTreeMap::new();
    let mut italian_label: BTreeMap<&'static str, SkillId> = BTreeMap::new();
    for (label, id) in taxonomy.italian_labels() {
        italian_of.entry(id).or_default().push(label);
        italian_label.entry(label).or_insert(id);
    }
    let mut wanted: BTreeMap<&'static str, Option<SkillId>> = SPECS
        .iter()
        .flat_map(|s| s.skills.iter())
        .chain(GENERIC_SKILLS.iter())
        .filter(|k| !italian_label.contains_key(*k))
        .map(|k| (*k, None))
        .collect();
    for id in 0..taxonomy.len() as SkillId {
        if let Some(slot) = wanted.get_mut(taxonomy.get(id).label.as_str()) {
            slot.get_or_insert(id);
        }
    }
    let mut unresolved = Vec::new();
    let mut resolve = |key: &'static str| -> Option<SkillForm> {
        let id = italian_label
            .get(key)
            .copied()
            .or_else(|| wanted.get(key).copied().flatten());
        let Some(id) = id else {
            unresolved.push(key);
            return None;
        };
        let skill = taxonomy.get(id);
        let mut it = italian_of.get(&id).cloned().unwrap_or_default();
        // The label named in the table is the most natural one: put it first.
        if let Some(pos) = it.iter().position(|l| *l == key) {
            it.swap(0, pos);
        }
        Some(SkillForm {
            id,
            uri: skill.uri.as_str(),
            en: skill.label.as_str(),
            it,
        })
    };

    let mut professions: Vec<Profession> = SPECS
        .iter()
        .map(|spec| {
            let mut pool = SkillPool::default();
            for key in spec.skills {
                if let Some(f) = resolve(key) {
                    pool.push(f);
                }
            }
            Profession {
                spec,
                pool,
                related: Vec::new(),
            }
        })
        .collect();
    let mut generic = SkillPool::default();
    for key in GENERIC_SKILLS {
        if let Some(f) = resolve(key) {
            generic.push(f);
        }
    }

    // Related professions: the curated ones, then those sharing the minor group.
    for (i, profession) in professions.iter_mut().enumerate() {
        let spec = profession.spec;
        let mut related = Vec::new();
        let same_minor = SPECS
            .iter()
            .filter(|s| s.isco != spec.isco && s.isco[..3] == spec.isco[..3]);
        for code in spec
            .related
            .iter()
            .copied()
            .chain(same_minor.map(|s| s.isco))
        {
            if let Some(j) = SPECS.iter().position(|s| s.isco == code) {
                if j != i && !related.contains(&j) {
                    related.push(j);
                }
            }
        }
        profession.related = related;
    }

    let cum = |f: fn(&Spec) -> u32| -> Vec<u64> {
        SPECS
            .iter()
            .scan(0u64, |acc, s| {
                *acc += u64::from(f(s));
                Some(*acc)
            })
            .collect()
    };
    Tables {
        comuni,
        comune_ids,
        comune_cum,
        metros,
        professions,
        cum_candidates: cum(|s| s.weight.0),
        cum_vacancies: cum(|s| s.weight.1),
        generic,
        unresolved,
    }
}

impl Tables {
    /// A comune drawn with probability proportional to its population.
    fn comune(&self, rng: &mut Rng) -> ComuneId {
        self.comune_ids[rng.cumulative(&self.comune_cum)]
    }

    /// A comune where people live and work under `profile`: by population over Italy
    /// ([`Profile::Default`]), or first a metropolitan area by its share of [`METROS`]
    /// (the rest of Italy otherwise), then a comune in it by population.
    fn place(&self, profile: Profile, rng: &mut Rng) -> ComuneId {
        if profile == Profile::Default {
            return self.comune(rng);
        }
        let mut r = rng.below(1000) as u32;
        for (m, (ids, cum)) in METROS.iter().zip(&self.metros) {
            if r < m.per_mille {
                return ids[rng.cumulative(cum)];
            }
            r -= m.per_mille;
        }
        self.comune(rng)
    }

    /// The code of a comune as a record writes it: Belfiore with probability `belfiore`.
    fn comune_code(&self, id: ComuneId, rng: &mut Rng, belfiore: f64) -> String {
        let c = self.comuni.get(id);
        if rng.chance(belfiore) {
            c.belfiore.clone()
        } else {
            c.istat.clone()
        }
    }
}

// ---------------------------------------------------------------------------------------
// Skills and their written forms
// ---------------------------------------------------------------------------------------

/// How a skill is written in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// ESCO URI and English label (50%).
    UriEnglish,
    /// Italian label only (25%).
    Italian,
    /// English label only (15%).
    English,
    /// Misspelled label only (10%).
    Typo,
}

fn draw_form(rng: &mut Rng) -> Form {
    match rng.below(100) {
        0..=49 => Form::UriEnglish,
        50..=74 => Form::Italian,
        75..=89 => Form::English,
        _ => Form::Typo,
    }
}

/// Writes a skill in the given form: `(esco, label)`.
fn write_skill(rng: &mut Rng, s: &SkillForm, form: Form) -> (Option<String>, Option<String>) {
    match form {
        Form::UriEnglish => (Some(s.uri.to_string()), Some(s.en.to_string())),
        Form::Italian => match s.it.as_slice() {
            [] => (None, Some(s.en.to_string())),
            labels => {
                // Mostly the first (most natural) label, sometimes another synonym.
                let l = if labels.len() > 1 && rng.chance(0.35) {
                    *rng.pick(labels)
                } else {
                    labels[0]
                };
                (None, Some(vary_italian(rng, l)))
            }
        },
        Form::English => (None, Some(s.en.to_string())),
        Form::Typo => {
            let base = if !s.it.is_empty() && rng.chance(0.5) {
                *rng.pick(&s.it)
            } else {
                s.en
            };
            (None, Some(misspell(rng, base)))
        }
    }
}

/// Chooses up to `n` distinct skills: mostly from `main`, some from `side` and `generic`,
/// each with a written form (an Italian form is drawn from skills that have Italian labels).
fn choose_skills<'t>(
    rng: &mut Rng,
    n: usize,
    main: &'t SkillPool,
    side: Option<&'t SkillPool>,
    generic: &'t SkillPool,
) -> Vec<(&'t SkillForm, Form)> {
    let mut out: Vec<(&SkillForm, Form)> = Vec::with_capacity(n);
    let mut attempts = 0;
    while out.len() < n && attempts < n * 6 {
        attempts += 1;
        let form = draw_form(rng);
        let pool = match rng.below(100) {
            0..=79 => main,
            80..=89 => side.unwrap_or(main),
            _ => generic,
        };
        let skill = if form == Form::Italian {
            let pool = if pool.italian.is_empty() {
                generic
            } else {
                pool
            };
            &pool.skills[*rng.pick(&pool.italian)]
        } else {
            rng.pick(&pool.skills)
        };
        if out.iter().all(|(s, _)| s.id != skill.id) {
            out.push((skill, form));
        }
    }
    out
}

/// An Italian label as people type it: mostly as written, sometimes lowercase,
/// capitalised, uppercase, or with accents dropped or written as apostrophes.
fn vary_italian(rng: &mut Rng, label: &str) -> String {
    match rng.below(100) {
        0..=59 => label.to_string(),
        60..=79 => label.to_lowercase(),
        80..=87 => capitalise(label),
        88..=91 => label.to_uppercase(),
        _ => {
            let apostrophe = rng.chance(0.5);
            let mut out = String::with_capacity(label.len() + 2);
            for c in label.chars() {
                let base = match c {
                    'à' | 'á' => Some('a'),
                    'è' | 'é' => Some('e'),
                    'ì' | 'í' => Some('i'),
                    'ò' | 'ó' => Some('o'),
                    'ù' | 'ú' => Some('u'),
                    _ => None,
                };
                match base {
                    Some(b) => {
                        out.push(b);
                        if apostrophe {
                            out.push('\'');
                        }
                    }
                    None => out.extend(c.to_lowercase()),
                }
            }
            out
        }
    }
}

/// A label with one typing error: a letter dropped, two adjacent letters swapped, or a
/// letter doubled. The first letter is kept, so the result stays recognisable.
fn misspell(rng: &mut Rng, label: &str) -> String {
    let chars: Vec<char> = label.chars().collect();
    let letters: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    let mut out = chars.clone();
    if letters.is_empty() {
        out.push(chars.last().copied().unwrap_or('x'));
    } else {
        let i = *rng.pick(&letters);
        let op = if chars.len() < 4 { 2 } else { rng.below(3) };
        match op {
            0 => {
                out.remove(i);
            }
            1 if i + 1 < chars.len()
                && chars[i + 1].is_alphabetic()
                && chars[i + 1] != chars[i] =>
            {
                out.swap(i, i + 1)
            }
            1 if chars[i - 1].is_alphabetic() && chars[i - 1] != chars[i] => out.swap(i - 1, i),
            _ => out.insert(i, chars[i]),
        }
    }
    out.into_iter().collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// How a CV or an ad names a skill in prose: an Italian label when there is one.
fn prose_label(s: &SkillForm) -> &'static str {
    s.it.first().copied().unwrap_or(s.en)
}

/// Up to `n` distinct skill names for Italian prose: the record's own skills that have
/// an Italian label, then other Italian-labelled skills of the profession, and English
/// labels only when nothing else is left.
fn prose_labels(
    rng: &mut Rng,
    chosen: &[(&SkillForm, Form)],
    pool: &SkillPool,
    n: usize,
) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::with_capacity(n);
    let add = |out: &mut Vec<&'static str>, l: &'static str| {
        if out.len() < n && !out.contains(&l) {
            out.push(l);
        }
    };
    let in_pool = |s: &SkillForm| pool.skills.iter().any(|p| p.id == s.id);
    for (s, _) in chosen
        .iter()
        .filter(|(s, _)| !s.it.is_empty() && in_pool(s))
    {
        add(&mut out, prose_label(s));
    }
    if !pool.italian.is_empty() {
        let start = rng.below(pool.italian.len() as u64) as usize;
        for k in 0..pool.italian.len() {
            let s = &pool.skills[pool.italian[(start + k) % pool.italian.len()]];
            add(&mut out, prose_label(s));
        }
    }
    for (s, _) in chosen {
        add(&mut out, prose_label(s));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Candidates
// ---------------------------------------------------------------------------------------

fn year_of(d: Date) -> i32 {
    d.ymd().0
}

fn cents(rng: &mut Rng, lo_eur: u32, hi_eur: u32) -> f64 {
    rng.range(lo_eur * 100, hi_eur * 100) as f64 / 100.0
}

fn make_candidate(
    t: &Tables,
    cfg: &GenConfig,
    index: usize,
    rng: &mut Rng,
    truth: Option<&mut Vec<&'static str>>,
) -> CandidateRecord {
    let as_of = cfg.as_of;
    let this_year = year_of(as_of);

    let home = t.place(cfg.profile, rng);
    let domicile = t.comune_code(home, rng, 0.10);

    // Ranking data first: age shapes the rest.
    let birth_year = rng.range(1960, 2006) as i32;
    let jan1 = Date::from_ymd(birth_year, 1, 1).expect("1 January exists");
    let year_len = Date::from_ymd(birth_year + 1, 1, 1)
        .expect("1 January exists")
        .days_since(jan1);
    let birth_date = jan1.add_days(rng.below(year_len as u64) as i32);
    let age = this_year - birth_year;

    let pi = rng.cumulative(&t.cum_candidates);
    let prof = &t.professions[pi];
    let spec = prof.spec;

    // DID and confirmation: 3% not available, 10% stale (confirmed > 180 days ago).
    let (did_date, availability_confirmed) = if rng.chance(0.03) {
        (None, None)
    } else if rng.chance(0.10) {
        let did_ago = rng.range(200, 1095);
        let conf_ago = rng.range(181, did_ago);
        (
            Some(as_of.add_days(-(did_ago as i32))),
            Some(as_of.add_days(-(conf_ago as i32))),
        )
    } else {
        let did_ago = rng.range(30, 1095);
        let conf_ago = rng.range(0, did_ago.min(180));
        (
            Some(as_of.add_days(-(did_ago as i32))),
            Some(as_of.add_days(-(conf_ago as i32))),
        )
    };

    // Education: the profession's range, sometimes over- or under-qualified.
    let education_eqf = if rng.chance(0.03) {
        None
    } else {
        let (lo, hi) = spec.eqf;
        let mut e = rng.range(u32::from(lo), u32::from(hi)) as u8;
        match rng.below(100) {
            0..=9 => e += rng.range(1, 2) as u8,
            10..=14 => e = e.saturating_sub(1),
            _ => {}
        }
        let cap = match age {
            ..=21 => 4,
            22..=23 => 6,
            24..=26 => 7,
            _ => 8,
        };
        Some(e.clamp(1, cap))
    };

    // Work history: the main profession first, then neighbours.
    let n_exp = 1 + rng.weighted(&[45, 35, 20]);
    let mut experiences = Vec::with_capacity(n_exp);
    let earliest_year = (birth_year + 16).min(this_year);
    let mut end_year = did_date.map_or(this_year - rng.range(0, 2) as i32, |d| {
        year_of(d.add_days(-(rng.range(0, 60) as i32)))
    });
    let mut exp_profs = Vec::with_capacity(n_exp);
    for k in 0..n_exp {
        let p = if k == 0 || prof.related.is_empty() || rng.chance(0.3) {
            pi
        } else {
            *rng.pick(&prof.related)
        };
        let months = 2
            + rng.below(48) as u32
            + rng.below(48) as u32
            + if rng.chance(0.15) {
                rng.range(0, 120)
            } else {
                0
            };
        end_year = end_year.clamp(earliest_year, this_year);
        experiences.push(Experience {
            isco: SPECS[p].isco.to_string(),
            months,
            end_year: Some(end_year),
            certified: rng.chance(0.2),
        });
        exp_profs.push(p);
        end_year -= (months / 12) as i32 + rng.range(0, 2) as i32;
    }

    let mut desired_isco = vec![spec.isco.to_string()];
    if !prof.related.is_empty() && rng.chance(0.4) {
        desired_isco.push(SPECS[*rng.pick(&prof.related)].isco.to_string());
    }

    // Skills.
    let side = prof.related.first().map(|&j| &t.professions[j].pool);
    let side = if prof.related.len() > 1 {
        Some(&t.professions[*rng.pick(&prof.related)].pool)
    } else {
        side
    };
    let n_skills = rng.range(3, 8) as usize;
    let chosen = choose_skills(rng, n_skills, &prof.pool, side, &t.generic);
    if let Some(truth) = truth {
        truth.extend(chosen.iter().map(|(s, _)| s.uri));
    }
    let skills: Vec<CandidateSkill> = chosen
        .iter()
        .map(|(s, form)| {
            let (esco, label) = write_skill(rng, s, *form);
            CandidateSkill {
                esco,
                label,
                certified: rng.chance(0.2),
            }
        })
        .collect();

    // Languages.
    let mut languages: Vec<Language> = Vec::new();
    let add_lang = |languages: &mut Vec<Language>, code: &str, cefr: Cefr| {
        if !languages.iter().any(|l| l.code == code) {
            languages.push(Language {
                code: code.to_string(),
                cefr,
            });
        }
    };
    let foreign = rng.chance(0.08);
    if foreign {
        // Born abroad: Italian as a learned language, the mother tongue at C2.
        let native = *rng.pick(&[
            "ro", "sq", "ar", "uk", "es", "fr", "zh", "bn", "ur", "pt", "ru", "pl",
        ]);
        add_lang(&mut languages, native, Cefr::C2);
        add_lang(
            &mut languages,
            "it",
            Cefr::ALL[1 + rng.weighted(&[25, 35, 25, 15])],
        );
    }
    if rng.chance(0.5) {
        add_lang(
            &mut languages,
            "en",
            Cefr::ALL[1 + rng.weighted(&[30, 35, 25, 10])],
        );
    }
    for (code, p) in [("fr", 0.08), ("es", 0.05), ("de", 0.04)] {
        if rng.chance(p) {
            add_lang(
                &mut languages,
                code,
                Cefr::ALL[rng.weighted(&[25, 35, 25, 15])],
            );
        }
    }

    // Licences: B for most, the profession's own.
    let mut licences: Vec<String> = Vec::new();
    let b_share = spec
        .licences
        .iter()
        .find(|l| l.code == "B")
        .map_or(0.7, |l| l.have);
    let b_share = if age < 19 { b_share * 0.5 } else { b_share };
    if rng.chance(b_share) {
        licences.push("B".to_string());
    }
    for l in spec.licences.iter().filter(|l| l.code != "B") {
        let needs_b = matches!(l.code, "C" | "CE" | "CQC" | "ADR");
        if (!needs_b || !licences.is_empty()) && rng.chance(l.have) {
            licences.push(l.code.to_string());
        }
    }
    if rng.chance(0.04) && !licences.iter().any(|l| l == "forklift") {
        licences.push("forklift".to_string());
    }

    // Declared availability.
    let max_km = match cfg.profile {
        Profile::Default if rng.chance(0.85) => 10 + 5 * rng.range(0, 10),
        Profile::Default => rng.range(61, 150),
        // Wide: a metropolitan commuter belt.
        Profile::Wide => match rng.below(10) {
            0..=7 => rng.range(50, 80),
            8 => rng.range(20, 45),
            _ => rng.range(81, 150),
        },
    };
    let young = age <= 29;
    let contracts: Vec<ContractType> = if rng.chance(0.35) {
        ContractType::ALL.to_vec()
    } else {
        let p = [
            0.97,
            0.9,
            0.7,
            if young { 0.6 } else { 0.05 },
            if young { 0.4 } else { 0.1 },
        ];
        let mut c: Vec<ContractType> = ContractType::ALL
            .iter()
            .zip(p)
            .filter(|(_, p)| rng.chance(*p))
            .map(|(c, _)| *c)
            .collect();
        if c.is_empty() {
            c.push(ContractType::Permanent);
        }
        c
    };
    let full_time = rng.chance(0.88);
    let part_time = rng.chance(0.6) || !full_time;
    let shifts = rng.chance(0.6);
    let nights = rng.chance(if shifts { 0.38 } else { 0.055 });
    let availability = Availability {
        max_km,
        contracts,
        full_time,
        part_time,
        shifts,
        nights,
    };

    // Income support.
    let benefit = match rng.below(1000) {
        0..=179 => Some(Benefit {
            scheme: BenefitScheme::Naspi,
            monthly_eur: cents(rng, 700, 1550),
            last_contract_hours: Some(match rng.below(100) {
                0..=54 => 40.0,
                55..=64 => 38.0,
                65..=74 => 36.0,
                _ => f64::from(rng.range(20, 35)),
            }),
        }),
        180..=189 => Some(Benefit {
            scheme: BenefitScheme::DisColl,
            monthly_eur: cents(rng, 450, 1300),
            last_contract_hours: None,
        }),
        190..=239 => Some(Benefit {
            scheme: BenefitScheme::Adi,
            monthly_eur: cents(rng, 300, 700),
            last_contract_hours: None,
        }),
        240..=249 => Some(Benefit {
            scheme: BenefitScheme::Sfl,
            monthly_eur: 500.0,
            last_contract_hours: None,
        }),
        _ => None,
    };

    let children_under_14 = rng.chance(if (25..=50).contains(&age) { 0.42 } else { 0.05 });

    // Collocamento mirato.
    let targeted = if rng.chance(0.03) {
        let art1 = rng.chance(0.85);
        let enrolled = as_of.add_days(-(rng.range(30, 3650) as i32));
        if art1 {
            let invalidity = 46 + rng.range(0, 54).min(rng.range(0, 54));
            let mut capacities = BTreeMap::new();
            let dims = rng.range(2, 5);
            while capacities.len() < dims as usize {
                let (code, _) = rng.pick(ICF_DIMENSIONS);
                let cap = rng.weighted(&[10, 25, 35, 30]) as u8;
                capacities.entry(code.to_string()).or_insert(cap);
            }
            let mut needs = Vec::new();
            if rng.chance(0.2) {
                let all = [
                    Support::Tutor,
                    Support::TechnicalAids,
                    Support::AdaptedWorkstation,
                ];
                needs.push(*rng.pick(&all));
                if rng.chance(0.3) {
                    let other = *rng.pick(&all);
                    if !needs.contains(&other) {
                        needs.push(other);
                    }
                }
                needs.sort();
            }
            Some(Targeted {
                list: TargetedList::Art1,
                enrolled: Some(enrolled),
                invalidity_pct: Some(invalidity),
                capacities,
                needs,
            })
        } else {
            Some(Targeted {
                list: TargetedList::Art18,
                enrolled: Some(enrolled),
                invalidity_pct: None,
                capacities: BTreeMap::new(),
                needs: Vec::new(),
            })
        }
    } else {
        None
    };

    let low_isee = matches!(
        benefit.as_ref().map(|b| b.scheme),
        Some(BenefitScheme::Adi | BenefitScheme::Sfl)
    );
    let isee = if low_isee {
        rng.range(0, 9360)
    } else {
        match rng.below(10) {
            0..=2 => rng.range(0, 6000),
            3..=6 => rng.range(6000, 15000),
            _ => rng.range(15000, 40000),
        }
    };
    let income = if rng.chance(0.4) {
        0
    } else {
        rng.range(1000, 30000)
    };
    let ranking = Some(RankingData {
        dependents: rng.weighted(&[40, 25, 20, 10, 5]) as u32,
        isee_eur: Some(f64::from(isee)),
        income_eur: Some(f64::from(income)),
        birth_date: Some(birth_date),
    });

    let cv_text = cv_text(
        rng,
        t,
        CvFacts {
            prof: pi,
            exp_profs: &exp_profs,
            experiences: &experiences,
            skills: &chosen,
            home,
            eqf: education_eqf,
            licences: &licences,
            languages: &languages,
            availability: &availability,
        },
    );

    CandidateRecord {
        id: candidate_id(index),
        domicile,
        did_date,
        availability_confirmed,
        education_eqf,
        experiences,
        desired_isco,
        skills,
        languages,
        licences,
        availability,
        benefit,
        children_under_14,
        targeted,
        ranking,
        cv_text,
        occupation_mappings: Vec::new(),
    }
}

struct CvFacts<'a> {
    prof: usize,
    exp_profs: &'a [usize],
    experiences: &'a [Experience],
    skills: &'a [(&'a SkillForm, Form)],
    home: ComuneId,
    eqf: Option<u8>,
    licences: &'a [String],
    languages: &'a [Language],
    availability: &'a Availability,
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
fn cv_text(rng: &mut Rng, t: &Tables, f: CvFacts<'_>) -> String {
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

// ---------------------------------------------------------------------------------------
// Vacancies
// ---------------------------------------------------------------------------------------

fn make_vacancy(
    t: &Tables,
    cfg: &GenConfig,
    index: usize,
    rng: &mut Rng,
    truth: Option<&mut Vec<&'static str>>,
) -> VacancyRecord {
    let pi = rng.cumulative(&t.cum_vacancies);
    let prof = &t.professions[pi];
    let spec = prof.spec;
    let employers = (cfg.vacancies / 3).clamp(10, 99_999) as u64;
    let employer = format!("E{:05}", 1 + rng.below(employers));
    let title = rng.pick(spec.titles).to_string();
    let place = t.place(cfg.profile, rng);
    let workplace = t.comune_code(place, rng, 0.05);

    // Skills: 3–6, 0–2 of them required (taken from the profession's own skills).
    let n_skills = rng.range(3, 6) as usize;
    let chosen = choose_skills(rng, n_skills, &prof.pool, None, &t.generic);
    if let Some(truth) = truth {
        truth.extend(chosen.iter().map(|(s, _)| s.uri));
    }
    let required_weights = match cfg.profile {
        Profile::Default => [40, 40, 20],
        Profile::Wide => [55, 30, 15],
    };
    let n_required = rng.weighted(&required_weights).min(chosen.len());
    let mut required = [usize::MAX; 2];
    for k in 0..n_required {
        loop {
            let i = rng.below(chosen.len() as u64) as usize;
            if !required.contains(&i) {
                required[k] = i;
                break;
            }
        }
    }
    let skills: Vec<VacancySkill> = chosen
        .iter()
        .enumerate()
        .map(|(i, (s, form))| {
            let (esco, label) = write_skill(rng, s, *form);
            let is_required = required.contains(&i);
            let weight = if is_required {
                2 + rng.below(2)
            } else {
                1 + rng.weighted(&[50, 30, 20]) as u64
            };
            VacancySkill {
                esco,
                label,
                required: is_required,
                weight: weight as f64,
            }
        })
        .collect();

    // Education: a minimum for 75%, a hard one for 20% of all vacancies.
    let (education_eqf_min, education_required) = if rng.chance(0.75) {
        let (lo, hi) = spec.eqf;
        let min = if rng.chance(0.3) {
            (lo + 1).min(hi)
        } else {
            lo
        };
        (Some(min), rng.chance(0.2 / 0.75))
    } else {
        (None, false)
    };

    let mut languages = Vec::new();
    if rng.chance(0.25) {
        languages.push(VacancyLanguage {
            code: "en".to_string(),
            cefr: Cefr::ALL[1 + rng.weighted(&[35, 40, 25])],
            required: rng.chance(0.35),
        });
    }
    for (code, p) in [("de", 0.04), ("fr", 0.03)] {
        if rng.chance(p) {
            languages.push(VacancyLanguage {
                code: code.to_string(),
                cefr: Cefr::ALL[1 + rng.weighted(&[40, 40, 20])],
                required: rng.chance(0.3),
            });
        }
    }

    let mut licences: Vec<VacancyLicence> = Vec::new();
    if !spec.licences.iter().any(|l| l.code == "B") {
        match rng.below(100) {
            0..=7 => licences.push(VacancyLicence {
                code: "B".to_string(),
                required: true,
            }),
            8..=22 => licences.push(VacancyLicence {
                code: "B".to_string(),
                required: false,
            }),
            _ => {}
        }
    }
    for l in spec.licences {
        if rng.chance(l.require) {
            licences.push(VacancyLicence {
                code: l.code.to_string(),
                required: true,
            });
        } else if rng.chance(l.have * 0.3) {
            licences.push(VacancyLicence {
                code: l.code.to_string(),
                required: false,
            });
        }
    }

    // Contract.
    let kind = [
        ContractType::FixedTerm,
        ContractType::Permanent,
        ContractType::Agency,
        ContractType::Apprenticeship,
        ContractType::Internship,
    ][rng.weighted(&[45, 25, 20, 7, 3])];
    let months = match kind {
        ContractType::Permanent => None,
        ContractType::FixedTerm | ContractType::Agency => Some(if rng.chance(0.6) {
            *rng.pick(&[3, 6, 12, 12, 6, 24])
        } else {
            rng.range(1, 24)
        }),
        ContractType::Apprenticeship => Some(rng.range(12, 24)),
        ContractType::Internship => Some(rng.range(3, 12)),
    };
    let hours = [40.0, 38.0, 30.0, 24.0, 20.0][rng.weighted(&[50, 10, 15, 12, 13])];
    let (gross, ccnl_min) = if kind == ContractType::Internship {
        // A *tirocinio* pays a regional allowance, not a CCNL wage.
        (f64::from(rng.range(500, 900)), None)
    } else {
        let base = cents(rng, spec.ccnl.0, spec.ccnl.1);
        let min = (base * hours / 40.0 * 100.0).round() / 100.0;
        let factor = if rng.chance(0.05) {
            1.0 - rng.range(1, 15) as f64 / 100.0
        } else {
            1.0 + rng.range(0, 15) as f64 / 100.0
        };
        // Whole euros, on the same side of the minimum as the factor.
        let gross = if factor < 1.0 {
            (min * factor).floor()
        } else {
            (min * factor).ceil()
        };
        (gross, Some(min))
    };
    let contract = Contract {
        kind,
        months,
        hours_per_week: hours,
        gross_monthly_eur: Some(gross),
        ccnl_min_monthly_eur: ccnl_min,
        shifts: rng.chance(spec.shifts),
        nights: rng.chance(spec.nights),
    };

    // Mode and the collocamento mirato fields.
    let mode = [
        Mode::Preselection,
        Mode::TargetedNominative,
        Mode::TargetedNumeric,
        Mode::PublicSelection,
    ][rng.weighted(&[88, 5, 4, 3])];
    let mut demands = BTreeMap::new();
    let mut supports = Vec::new();
    let targeted_list = if mode.is_targeted() {
        let list = if rng.chance(0.85) {
            TargetedList::Art1
        } else {
            TargetedList::Art18
        };
        let n = rng.range(2, 4) as usize;
        for code in spec.demands.iter().take(n) {
            demands.insert(code.to_string(), 1 + rng.weighted(&[20, 35, 30, 15]) as u8);
        }
        while demands.len() < n {
            let (code, _) = rng.pick(ICF_DIMENSIONS);
            let d = 1 + rng.weighted(&[20, 35, 30, 15]) as u8;
            demands.entry(code.to_string()).or_insert(d);
        }
        if rng.chance(0.4) {
            let all = [
                Support::Tutor,
                Support::TechnicalAids,
                Support::AdaptedWorkstation,
            ];
            supports.push(*rng.pick(&all));
            if rng.chance(0.4) {
                let other = *rng.pick(&all);
                if !supports.contains(&other) {
                    supports.push(other);
                }
            }
            supports.sort();
        }
        Some(list)
    } else {
        None
    };

    let roster_size = [15, 10, 5][rng.weighted(&[80, 12, 8])];
    let positions = 1 + rng.weighted(&[70, 20, 10]) as u32;
    let published = Some(cfg.as_of.add_days(-(rng.range(0, 30) as i32)));
    let applicants = if mode == Mode::PublicSelection && cfg.candidates > 0 && rng.chance(0.5) {
        let k = rng.range(20, 200) as usize;
        Some(sample_ids(rng, cfg.candidates, k))
    } else {
        None
    };

    let text = vacancy_text(
        rng,
        t,
        pi,
        &title,
        place,
        &chosen,
        &contract,
        &licences,
        education_eqf_min,
    );

    VacancyRecord {
        id: vacancy_id(index),
        employer,
        isco: spec.isco.to_string(),
        title,
        text,
        workplace,
        skills,
        education_eqf_min,
        education_required,
        languages,
        licences,
        contract,
        mode,
        targeted_list,
        demands,
        supports,
        roster_size,
        cap_override: None,
        positions,
        published,
        applicants,
        expires: None,
        occupation_mappings: Vec::new(),
    }
}

/// `k` distinct candidate ids out of `n`, ascending (Floyd's sampling algorithm).
fn sample_ids(rng: &mut Rng, n: usize, k: usize) -> Vec<String> {
    let k = k.min(n);
    let mut picked: Vec<usize> = Vec::with_capacity(k);
    for j in n - k..n {
        let r = rng.below(j as u64 + 1) as usize;
        let v = if picked.contains(&r) { j } else { r };
        picked.push(v);
    }
    picked.sort_unstable();
    picked.into_iter().map(candidate_id).collect()
}

#[allow(clippy::too_many_arguments)]
fn vacancy_text(
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

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_record;
    use crate::taxonomy::Isco;

    fn cfg(candidates: usize, vacancies: usize, seed: u64) -> GenConfig {
        GenConfig {
            candidates,
            vacancies,
            seed,
            as_of: Date::parse("2026-11-15").unwrap(),
            profile: Profile::Default,
        }
    }

    #[test]
    fn splitmix_and_xoshiro_match_reference_outputs() {
        // SplitMix64 from 0: the reference implementation's first output.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        // xoshiro256** from the state {1, 2, 3, 4}.
        let mut r = Rng { s: [1, 2, 3, 4] };
        let got: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(got, [11520, 0, 1509978240, 1215971899390074240]);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = Rng::new(7);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[r.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| (800..1200).contains(&c)), "{seen:?}");
        assert_eq!(r.below(1), 0);
        assert!((0..1000).all(|_| (3..=5).contains(&r.range(3, 5))));
    }

    #[test]
    fn record_seeds_differ_by_kind_and_index() {
        let a = record_seed(1, RecordKind::Candidate, 0);
        assert_ne!(a, record_seed(1, RecordKind::Candidate, 1));
        assert_ne!(a, record_seed(1, RecordKind::Vacancy, 0));
        assert_ne!(a, record_seed(2, RecordKind::Candidate, 0));
    }

    #[test]
    fn profession_table_resolves_against_reference_data() {
        let t = tables();
        assert!(
            t.unresolved.is_empty(),
            "skills not in ESCO nor in the Italian synonyms: {:?}",
            t.unresolved
        );
        assert!(SPECS.len() >= 40);
        let isco = Isco::embedded();
        for p in &t.professions {
            assert!(
                isco.contains(p.spec.isco) && p.spec.isco.len() == 4,
                "{}",
                p.spec.isco
            );
            for r in p.spec.related {
                assert!(
                    SPECS.iter().any(|s| s.isco == *r),
                    "{} lists unknown related {r}",
                    p.spec.isco
                );
            }
            assert!(
                p.pool.skills.len() >= 6,
                "{} has {} skills",
                p.spec.isco,
                p.pool.skills.len()
            );
            assert!(
                !p.pool.italian.is_empty(),
                "{} has no Italian-labelled skill",
                p.spec.isco
            );
            assert!(
                !p.related.is_empty(),
                "{} has no related profession",
                p.spec.isco
            );
            assert!(p.spec.eqf.0 <= p.spec.eqf.1 && p.spec.eqf.1 <= 8);
            assert!(p.spec.ccnl.0 <= p.spec.ccnl.1);
            for d in p.spec.demands {
                assert!(crate::model::is_icf_dimension(d), "{d}");
            }
        }
        let mut codes: Vec<&str> = SPECS.iter().map(|s| s.isco).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), SPECS.len(), "a profession is listed twice");
    }

    #[test]
    fn same_config_same_data_whatever_the_thread_count() {
        let c = cfg(1500, 150, 42);
        let a = generate(&c);
        let b = generate(&c);
        assert_eq!(a, b);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| generate(&c));
        assert_eq!(a, one);
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| generate(&c));
        assert_eq!(a, three);
        // A record alone is the record in the set, and a prefix is a prefix.
        assert_eq!(candidate(&c, 777), a.candidates[777]);
        assert_eq!(vacancy(&c, 99), a.vacancies[99]);
        let smaller = generate(&cfg(100, 10, 42));
        assert_eq!(smaller.candidates[..], a.candidates[..100]);
        // Another seed gives other data.
        let other = generate(&cfg(50, 5, 43));
        assert_ne!(other.candidates[..], a.candidates[..50]);
    }

    #[test]
    fn written_files_are_identical_for_the_same_config() {
        let c = cfg(300, 30, 9);
        let dir = tempfile::tempdir().unwrap();
        let (d1, d2) = (dir.path().join("a"), dir.path().join("b/c"));
        write_dir(&generate(&c), &d1).unwrap();
        write_dir(&generate(&c), &d2).unwrap();
        for f in ["candidates.jsonl", "vacancies.jsonl"] {
            let x = std::fs::read(d1.join(f)).unwrap();
            assert_eq!(x, std::fs::read(d2.join(f)).unwrap(), "{f}");
        }
        let cands =
            crate::model::read_jsonl::<CandidateRecord>(&d1.join("candidates.jsonl")).unwrap();
        assert_eq!(cands.len(), 300);
        let vacs = crate::model::read_jsonl::<VacancyRecord>(&d1.join("vacancies.jsonl")).unwrap();
        assert_eq!(vacs.len(), 30);
    }

    #[test]
    fn every_generated_record_is_valid_and_round_trips() {
        let data = generate(&cfg(3000, 300, 2026));
        for (i, c) in data.candidates.iter().enumerate() {
            assert_eq!(c.id, candidate_id(i));
            let line = serde_json::to_string(c).unwrap();
            assert!(!line.contains('\n'));
            let back = parse_record::<CandidateRecord>(&line, "gen", i + 1)
                .unwrap_or_else(|e| panic!("{}: {e:?}\n{line}", c.id));
            assert_eq!(&back, c);
        }
        for (i, v) in data.vacancies.iter().enumerate() {
            assert_eq!(v.id, vacancy_id(i));
            let line = serde_json::to_string(v).unwrap();
            let back = parse_record::<VacancyRecord>(&line, "gen", i + 1)
                .unwrap_or_else(|e| panic!("{}: {e:?}\n{line}", v.id));
            assert_eq!(&back, v);
        }
    }

    #[test]
    fn candidates_follow_population() {
        let n = 20_000;
        let data = generate(&cfg(n, 0, 5));
        let comuni = Comuni::embedded();
        let mut counts = vec![0u32; comuni.len()];
        for c in &data.candidates {
            counts[usize::from(comuni.lookup(&c.domicile).expect("known comune"))] += 1;
        }
        let total_pop: u64 = comuni.iter().map(|(_, c)| u64::from(c.population)).sum();
        let rome = comuni.lookup("058091").unwrap();
        let share = f64::from(comuni.get(rome).population) / total_pop as f64;
        let expected = share * n as f64;
        let got = f64::from(counts[usize::from(rome)]);
        assert!(
            (got - expected).abs() < 0.12 * expected,
            "Rome: {got} candidates, expected about {expected:.0}"
        );
        // A small comune gets far fewer (expected well under 1).
        let (small, _) = comuni
            .iter()
            .find(|(_, c)| (300..1000).contains(&c.population))
            .unwrap();
        assert!(counts[usize::from(small)] < counts[usize::from(rome)] / 50);
        // Comuni without residents get nobody.
        for (id, c) in comuni.iter() {
            if c.population == 0 {
                assert_eq!(counts[usize::from(id)], 0, "{}", c.name);
            }
        }
        // Milan too.
        let milan = comuni.lookup("015146").unwrap();
        let expected = f64::from(comuni.get(milan).population) / total_pop as f64 * n as f64;
        let got = f64::from(counts[usize::from(milan)]);
        assert!(
            (got - expected).abs() < 0.15 * expected,
            "Milan: {got}, expected about {expected:.0}"
        );
    }

    #[test]
    fn candidate_shares_are_as_documented() {
        let n = 20_000;
        let c = cfg(n, 0, 11);
        let data = generate(&c);
        let share = |f: &dyn Fn(&CandidateRecord) -> bool| {
            data.candidates.iter().filter(|x| f(x)).count() as f64 / n as f64
        };
        let near = |name: &str, got: f64, want: f64, tol: f64| {
            assert!(
                (got - want).abs() <= tol,
                "{name}: {got:.4}, expected {want} ± {tol}"
            );
        };
        let available = share(&|x| x.did_date.is_some());
        near("not available", 1.0 - available, 0.03, 0.006);
        let stale = share(&|x| {
            x.availability_confirmed
                .is_some_and(|d| c.as_of.days_since(d) > 180)
        });
        near("stale among available", stale / available, 0.10, 0.012);
        let scheme = |s: BenefitScheme| {
            move |x: &CandidateRecord| x.benefit.as_ref().is_some_and(|b| b.scheme == s)
        };
        near("naspi", share(&scheme(BenefitScheme::Naspi)), 0.18, 0.015);
        near("adi", share(&scheme(BenefitScheme::Adi)), 0.05, 0.008);
        near(
            "dis_coll",
            share(&scheme(BenefitScheme::DisColl)),
            0.01,
            0.004,
        );
        near("targeted", share(&|x| x.targeted.is_some()), 0.03, 0.006);
        near(
            "art1 among targeted",
            share(&|x| {
                x.targeted
                    .as_ref()
                    .is_some_and(|t| t.list == TargetedList::Art1)
            }) / share(&|x| x.targeted.is_some()),
            0.85,
            0.06,
        );
        near(
            "children under 14",
            share(&|x| x.children_under_14),
            0.25,
            0.04,
        );
        near(
            "belfiore domicile",
            share(&|x| x.domicile.as_bytes()[0].is_ascii_alphabetic()),
            0.10,
            0.012,
        );
        near(
            "licence B",
            share(&|x| x.licences.iter().any(|l| l == "B")),
            0.72,
            0.05,
        );
        near("shifts", share(&|x| x.availability.shifts), 0.60, 0.015);
        near("nights", share(&|x| x.availability.nights), 0.25, 0.015);
        near(
            "english",
            share(&|x| x.languages.iter().any(|l| l.code == "en")),
            0.50,
            0.015,
        );

        let skills: Vec<&CandidateSkill> = data
            .candidates
            .iter()
            .flat_map(|x| x.skills.iter())
            .collect();
        let s = skills.len() as f64;
        near(
            "skills with URI",
            skills.iter().filter(|k| k.esco.is_some()).count() as f64 / s,
            0.50,
            0.02,
        );
        near(
            "certified skills",
            skills.iter().filter(|k| k.certified).count() as f64 / s,
            0.20,
            0.015,
        );

        for x in &data.candidates {
            assert!(
                (3..=8).contains(&x.skills.len()),
                "{}: {} skills",
                x.id,
                x.skills.len()
            );
            assert!((1..=3).contains(&x.experiences.len()));
            assert!((1..=2).contains(&x.desired_isco.len()));
            assert!(!x.availability.contracts.is_empty());
            assert!(x.availability.full_time || x.availability.part_time);
            assert!(x.ranking.is_some());
            if let Some(d) = x.did_date {
                let ago = c.as_of.days_since(d);
                assert!((30..=1095).contains(&ago), "{}: DID {ago} days ago", x.id);
                assert!(x.availability_confirmed.unwrap() >= d);
                assert!(x.availability_confirmed.unwrap() <= c.as_of);
            }
            if let Some(t) = &x.targeted {
                if t.list == TargetedList::Art1 {
                    assert!((46..=100).contains(&t.invalidity_pct.unwrap()));
                    assert!((2..=5).contains(&t.capacities.len()));
                    assert!(t.capacities.values().all(|&v| v <= 3));
                }
            }
            let len = x.cv_text.len();
            assert!(
                (150..=600).contains(&len),
                "{}: cv_text of {len} bytes: {}",
                x.id,
                x.cv_text
            );
        }
        let mean_cv = data
            .candidates
            .iter()
            .map(|x| x.cv_text.len())
            .sum::<usize>() as f64
            / n as f64;
        assert!(
            (300.0..=600.0).contains(&mean_cv),
            "mean cv_text length {mean_cv}"
        );
    }

    #[test]
    fn vacancy_shares_are_as_documented() {
        let n = 6000;
        let c = cfg(5000, n, 3);
        let data = generate(&c);
        let vs = &data.vacancies;
        let share = |f: &dyn Fn(&VacancyRecord) -> bool| {
            vs.iter().filter(|x| f(x)).count() as f64 / n as f64
        };
        let near = |name: &str, got: f64, want: f64, tol: f64| {
            assert!(
                (got - want).abs() <= tol,
                "{name}: {got:.4}, expected {want} ± {tol}"
            );
        };
        near(
            "preselection",
            share(&|v| v.mode == Mode::Preselection),
            0.88,
            0.015,
        );
        near(
            "public selection",
            share(&|v| v.mode == Mode::PublicSelection),
            0.03,
            0.008,
        );
        near(
            "fixed term",
            share(&|v| v.contract.kind == ContractType::FixedTerm),
            0.45,
            0.02,
        );
        near(
            "permanent",
            share(&|v| v.contract.kind == ContractType::Permanent),
            0.25,
            0.02,
        );
        near(
            "education required",
            share(&|v| v.education_required),
            0.20,
            0.02,
        );
        let below = share(&|v| match (
            v.contract.gross_monthly_eur,
            v.contract.ccnl_min_monthly_eur,
        ) {
            (Some(g), Some(m)) => g < m,
            _ => false,
        });
        near("pay below the CCNL minimum", below, 0.05 * 0.97, 0.01);
        let ids: std::collections::HashSet<String> =
            data.candidates.iter().map(|x| x.id.clone()).collect();
        let mut with_applicants = 0;
        let (mut trucks, mut trucks_with_licence) = (0, 0);
        for v in vs {
            assert!((3..=6).contains(&v.skills.len()));
            assert!(v.skills.iter().filter(|s| s.required).count() <= 2);
            assert!(v.mode.is_targeted() == v.targeted_list.is_some());
            if v.mode.is_targeted() {
                assert!((2..=4).contains(&v.demands.len()));
                assert!(v.demands.values().all(|&d| (1..=4).contains(&d)));
            } else {
                assert!(v.demands.is_empty());
            }
            if let Some(a) = &v.applicants {
                with_applicants += 1;
                assert_eq!(v.mode, Mode::PublicSelection);
                assert!((20..=200).contains(&a.len()));
                assert!(a.iter().all(|id| ids.contains(id)));
                assert!(
                    a.windows(2).all(|w| w[0] < w[1]),
                    "applicants sorted and distinct"
                );
            }
            let p = v.published.unwrap();
            assert!((0..=30).contains(&c.as_of.days_since(p)));
            if v.isco == "8332" {
                trucks += 1;
                if v.licences
                    .iter()
                    .any(|l| l.required && (l.code == "B" || l.code == "CE"))
                {
                    trucks_with_licence += 1;
                }
            }
            assert!(!v.text.is_empty() && v.text.contains(&v.title.to_lowercase()));
        }
        assert!(with_applicants > 0);
        assert!(
            trucks > 50 && trucks_with_licence * 100 >= trucks * 95,
            "{trucks_with_licence}/{trucks} truck vacancies require B or CE"
        );
    }

    #[test]
    fn misspellings_change_the_label_a_little() {
        let mut r = Rng::new(1);
        for label in [
            "saldatura TIG",
            "operate forklift",
            "POS",
            "gru",
            "contabilità",
            "lavoro d'ufficio",
        ] {
            for _ in 0..50 {
                let m = misspell(&mut r, label);
                assert_ne!(m, label);
                assert_eq!(m.chars().next(), label.chars().next());
                let d = strsim::levenshtein(&m, label);
                assert!((1..=2).contains(&d), "{label} -> {m}");
            }
        }
    }

    /// The default profile's files as they were before profiles existed (seed 42,
    /// 2,000 candidates, 200 vacancies, as of 2026-11-15), by sha256: a change of
    /// the default data must be deliberate (benches and recorded figures rest on it).
    #[test]
    fn default_profile_output_is_unchanged() {
        use sha2::{Digest, Sha256};
        let dir = tempfile::tempdir().unwrap();
        write_dir(&generate(&cfg(2000, 200, 42)), dir.path()).unwrap();
        let digest = |f: &str| {
            let bytes = std::fs::read(dir.path().join(f)).unwrap();
            crate::policy::hex(&Sha256::digest(&bytes))
        };
        assert_eq!(digest("candidates.jsonl"), DEFAULT_CANDIDATES_SHA256);
        assert_eq!(digest("vacancies.jsonl"), DEFAULT_VACANCIES_SHA256);
    }

    const DEFAULT_CANDIDATES_SHA256: &str =
        "2618d17e4f6535680794719d3667966ed0fe0e9bcfb1280e06df011a348eb3a0";
    const DEFAULT_VACANCIES_SHA256: &str =
        "1efaee4f12696ad0699fdca16174dc56d852e36c08930aac18b40d70d6b18d96";

    #[test]
    fn wide_profile_concentrates_people_and_widens_reach() {
        let c = GenConfig {
            profile: Profile::Wide,
            ..cfg(6000, 600, 42)
        };
        let data = generate(&c);
        let comuni = Comuni::embedded();
        let milan = comuni.lookup("015146").unwrap();
        let n = data.candidates.len() as f64;
        let near_milan = data
            .candidates
            .iter()
            .filter(|p| comuni.distance_km(milan, comuni.lookup(&p.domicile).unwrap()) <= 40.0)
            .count() as f64
            / n;
        // 70% drawn in the area, plus the few of the rest of Italy who fall in it.
        assert!((0.67..0.78).contains(&near_milan), "{near_milan}");
        let reach = data
            .candidates
            .iter()
            .filter(|p| (50..=80).contains(&p.availability.max_km))
            .count() as f64
            / n;
        assert!((0.77..0.83).contains(&reach), "{reach}");
        let no_required = data
            .vacancies
            .iter()
            .filter(|v| !v.skills.iter().any(|s| s.required))
            .count() as f64
            / data.vacancies.len() as f64;
        assert!(no_required >= 1.0 / 3.0, "{no_required}");
        let work_near_milan = data
            .vacancies
            .iter()
            .filter(|v| comuni.distance_km(milan, comuni.lookup(&v.workplace).unwrap()) <= 40.0)
            .count() as f64
            / data.vacancies.len() as f64;
        assert!((0.62..0.80).contains(&work_near_milan), "{work_near_milan}");
        // Deterministic, valid, and different from the default profile's data.
        assert_eq!(generate(&c), data);
        assert_ne!(
            generate(&cfg(50, 5, 42)).candidates[..],
            data.candidates[..50]
        );
        for (i, p) in data.candidates.iter().take(500).enumerate() {
            let line = serde_json::to_string(p).unwrap();
            parse_record::<CandidateRecord>(&line, "gen", i + 1).unwrap();
        }
        for (i, v) in data.vacancies.iter().enumerate() {
            let line = serde_json::to_string(v).unwrap();
            parse_record::<VacancyRecord>(&line, "gen", i + 1).unwrap();
        }
    }

    /// Timing at full scale: `cargo test --release --lib gen::tests::generate_a_million -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn generate_a_million() {
        tables();
        let c = cfg(1_000_000, 10_000, 1);
        let start = std::time::Instant::now();
        let data = generate(&c);
        let gen = start.elapsed();
        let dir = tempfile::tempdir().unwrap();
        let start = std::time::Instant::now();
        write_dir(&data, dir.path()).unwrap();
        let write = start.elapsed();
        let bytes = std::fs::metadata(dir.path().join("candidates.jsonl"))
            .unwrap()
            .len();
        println!(
            "generated {} candidates and {} vacancies in {:.2?} on {} threads; wrote {} MB in {:.2?}",
            data.candidates.len(),
            data.vacancies.len(),
            gen,
            rayon::current_num_threads(),
            bytes / 1_000_000,
            write
        );
    }
}
