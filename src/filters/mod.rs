//! Roaring bitmaps over candidate rows for the categorical rules: contract types,
//! working time, shifts, nights, licences, languages by level, skills, targeted
//! lists. They cut the pool before any per-row work and count the narrowing
//! suggestions cheaply.
//!
//! The bitmaps are offered by key (a contract kind, a licence, a language level, a
//! skill, a list); which bitmap a rule of a query reads is the search's business
//! ([`crate::query::RuleBitmaps`]).
//!
//! **Invariant.** A bitmap is exact or a superset of the rows that pass its rule:
//! [`crate::query::RuleBitmaps::rule_bitmap`] says which, and an inexact one is always followed by
//! the per-row check, so bitmap and per-row evaluation agree row for row (a
//! property test holds them to it).

use std::collections::BTreeMap;

use roaring::RoaringBitmap;

use crate::codec::{Dec, Enc};
use crate::features::Features;
use crate::model::{CandidateRecord, ContractType, TargetedList};

/// The bitmaps of [`Filters`] that are not keyed, in snapshot order: one list
/// for writing, reading and range-checking them (`&f` or `&mut f`).
macro_rules! plain_bitmaps {
    (&mut $f:ident) => {
        plain_bitmaps!(@[mut] $f)
    };
    (& $f:ident) => {
        plain_bitmaps!(@[] $f)
    };
    (@[$($m:tt)?] $f:ident) => {{
        let [c0, c1, c2, c3, c4] = & $($m)? $f.contract;
        [
            & $($m)? $f.all,
            & $($m)? $f.full_time,
            & $($m)? $f.part_time,
            & $($m)? $f.shifts,
            & $($m)? $f.nights,
            & $($m)? $f.art1,
            & $($m)? $f.art18,
            c0,
            c1,
            c2,
            c3,
            c4,
        ]
    }};
}

/// The bitmaps of an index.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    all: RoaringBitmap,
    contract: [RoaringBitmap; 5],
    full_time: RoaringBitmap,
    part_time: RoaringBitmap,
    shifts: RoaringBitmap,
    nights: RoaringBitmap,
    /// Lowercased licence code -> holders.
    licence: BTreeMap<String, RoaringBitmap>,
    /// (language, CEFR rank) -> people at that level or above.
    language: BTreeMap<(String, u8), RoaringBitmap>,
    /// Skill key -> people with it (any similarity).
    skill: BTreeMap<u32, RoaringBitmap>,
    art1: RoaringBitmap,
    art18: RoaringBitmap,
    /// Comune -> `(max_km, row)` of the people living there, sorted by
    /// `max_km` descending then row (after [`Filters::finish`]).
    by_comune: Vec<Vec<(u16, u32)>>,
    /// ISCO unit group (four digits, packed by [`crate::taxonomy::isco_pack`]) ->
    /// people with an experience of at least 12 months in it (for narrowing).
    experienced: BTreeMap<u32, RoaringBitmap>,
    /// Packed ISCO code -> people with it among their experiences or desired
    /// professions, any months, unknown codes (a bare major group) left out; and
    /// ESCO occupation -> people it is inferred for. Derived from the features
    /// (not stored in a snapshot: [`Filters::derive`] rebuilds them at open);
    /// they bound the occupation criterion for whole sets of rows.
    occupation: BTreeMap<u32, RoaringBitmap>,
    esco: BTreeMap<u32, RoaringBitmap>,
    /// Comuni whose list needs sorting.
    dirty: Vec<u16>,
}

/// Months of experience in the vacancy's unit group that the narrowing
/// suggestion "experience required" asks for.
pub const EXPERIENCED_MONTHS: u32 = 12;

/// The keys of a row's occupation bitmaps: its known ISCO codes (experiences
/// and desired professions; a bare major group, packed with a pad in its second
/// byte, is unknown and scores nothing) and its inferred ESCO occupations.
fn occupation_keys(
    feat: &Features,
) -> (
    impl Iterator<Item = u32> + '_,
    impl Iterator<Item = u32> + '_,
) {
    (
        feat.occupations
            .iter()
            .map(|o| o.code)
            .filter(|c| (c >> 8) & 0xFF != 0xFF),
        feat.esco.iter().map(|i| u32::from(i.occ)),
    )
}

/// Whether a packed ISCO code is a whole unit group (four digits, no pad).
fn is_unit_group(code: u32) -> bool {
    code.to_le_bytes().iter().all(u8::is_ascii_digit)
}

impl Filters {
    /// Builds the bitmaps of rows `0..records.len()`.
    pub fn build(records: &[CandidateRecord], features: &[Features]) -> Filters {
        let mut f = Filters::default();
        for (row, (r, feat)) in records.iter().zip(features).enumerate() {
            f.add(row as u32, r, feat);
        }
        f.finish();
        f
    }

    /// Re-sorts the per-comune lists touched since the last call. Call after a
    /// batch of [`Filters::add`] / [`Filters::remove`], before querying.
    pub fn finish(&mut self) {
        self.dirty.sort_unstable();
        self.dirty.dedup();
        for c in self.dirty.drain(..) {
            self.by_comune[c as usize].sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        }
    }

    /// Rows whose workplace distance is within their own `max_km`: for each
    /// comune at `km[c]`, the people there with `max_km ≥ km[c]` (a prefix of
    /// its sorted list). Exact: the same comparison as the distance rule.
    pub fn within_reach(&self, km: &[f64]) -> RoaringBitmap {
        // A bit per row, then containers straight from the bytes: linear in the
        // rows in reach (a wide vacancy reaches most of a metropolitan area, and
        // sorting them cost more than the rest of its eligibility).
        let mut bits: Vec<u8> = Vec::new();
        for (c, list) in self.by_comune.iter().enumerate() {
            let Some(&(top, _)) = list.first() else {
                continue;
            };
            let d = km[c];
            if d > top as f64 {
                continue;
            }
            for &(max_km, row) in list {
                if d > max_km as f64 {
                    break;
                }
                let byte = row as usize / 8;
                if bits.len() <= byte {
                    bits.resize(byte + 1, 0);
                }
                bits[byte] |= 1 << (row % 8);
            }
        }
        RoaringBitmap::from_lsb0_bytes(0, &bits)
    }

    /// Adds one row.
    pub fn add(&mut self, row: u32, r: &CandidateRecord, feat: &Features) {
        self.set(row, r, feat, true);
    }

    /// Removes one row (with the record and features it was added with).
    pub fn remove(&mut self, row: u32, r: &CandidateRecord, feat: &Features) {
        self.set(row, r, feat, false);
    }

    fn set(&mut self, row: u32, r: &CandidateRecord, feat: &Features, on: bool) {
        let c = feat.comune as usize;
        if self.by_comune.len() <= c {
            self.by_comune.resize_with(c + 1, Vec::new);
        }
        let entry = (r.availability.max_km.min(u16::MAX as u32) as u16, row);
        if on {
            self.by_comune[c].push(entry);
        } else if let Some(i) = self.by_comune[c].iter().position(|e| *e == entry) {
            self.by_comune[c].remove(i);
        }
        self.dirty.push(feat.comune);
        let put = |bm: &mut RoaringBitmap| {
            if on {
                bm.insert(row);
            } else {
                bm.remove(row);
            }
        };
        put(&mut self.all);
        let a = &r.availability;
        for (i, k) in ContractType::ALL.iter().enumerate() {
            if a.contracts.contains(k) {
                put(&mut self.contract[i]);
            }
        }
        for (flag, bm) in [
            (a.full_time, &mut self.full_time),
            (a.part_time, &mut self.part_time),
            (a.shifts, &mut self.shifts),
            (a.nights, &mut self.nights),
        ] {
            if flag {
                put(bm);
            }
        }
        for l in &r.licences {
            put(self.licence.entry(l.to_ascii_lowercase()).or_default());
        }
        for l in &r.languages {
            for rank in 1..=l.cefr.rank() {
                put(self.language.entry((l.code.clone(), rank)).or_default());
            }
        }
        for s in feat.skills.iter() {
            put(self.skill.entry(s.key).or_default());
        }
        for o in feat.occupations.iter() {
            if !o.desired && o.months >= EXPERIENCED_MONTHS && is_unit_group(o.code) {
                put(self.experienced.entry(o.code).or_default());
            }
        }
        self.set_derived(row, feat, on);
        match r.targeted.as_ref().map(|t| t.list) {
            Some(TargetedList::Art1) => put(&mut self.art1),
            Some(TargetedList::Art18) => put(&mut self.art18),
            None => {}
        }
    }

    /// The occupation and ESCO bitmaps of one row (see [`Filters::derive`]).
    fn set_derived(&mut self, row: u32, feat: &Features, on: bool) {
        let put = |bm: &mut RoaringBitmap| {
            if on {
                bm.insert(row);
            } else {
                bm.remove(row);
            }
        };
        let (isco, esco) = occupation_keys(feat);
        for c in isco {
            put(self.occupation.entry(c).or_default());
        }
        for o in esco {
            put(self.esco.entry(o).or_default());
        }
    }

    /// Rebuilds the bitmaps that a snapshot does not store (occupations by ISCO
    /// code and by inferred ESCO occupation) from the features of the rows in
    /// [`Filters::all`]: what [`Filters::add`] would have built.
    pub(crate) fn derive(&mut self, features: &[Features]) {
        use rayon::prelude::*;
        let rows: Vec<u32> = self.all.iter().collect();
        // (key, row) pairs, sorted: each key's rows then come in ascending order.
        let pairs = |esco: bool| -> Vec<(u32, u32)> {
            let mut pairs: Vec<(u32, u32)> = rows
                .par_iter()
                .filter_map(|&r| features.get(r as usize).map(|f| (r, f)))
                .flat_map_iter(|(r, f)| {
                    let (isco, occ) = occupation_keys(f);
                    let keys: Vec<u32> = if esco { occ.collect() } else { isco.collect() };
                    keys.into_iter().map(move |k| (k, r))
                })
                .collect();
            pairs.par_sort_unstable();
            pairs.dedup();
            pairs
        };
        let group = |pairs: Vec<(u32, u32)>| -> BTreeMap<u32, RoaringBitmap> {
            pairs
                .chunk_by(|a, b| a.0 == b.0)
                .map(|run| {
                    let rows = run.iter().map(|&(_, r)| r);
                    let bm = RoaringBitmap::from_sorted_iter(rows).expect("ascending rows");
                    (run[0].0, bm)
                })
                .collect()
        };
        self.occupation = group(pairs(false));
        self.esco = group(pairs(true));
    }

    /// People with a known occupation (packed ISCO code) for which `keep` holds.
    pub fn with_occupation(&self, keep: impl Fn(u32) -> bool) -> RoaringBitmap {
        let mut bm = RoaringBitmap::new();
        for (_, b) in self.occupation.iter().filter(|(&c, _)| keep(c)) {
            bm |= b;
        }
        bm
    }

    /// People for whom one of `occupations` (ESCO occupation ids) is inferred.
    pub fn with_esco(&self, occupations: impl Iterator<Item = u32>) -> RoaringBitmap {
        let mut bm = RoaringBitmap::new();
        for o in occupations {
            if let Some(b) = self.esco.get(&o) {
                bm |= b;
            }
        }
        bm
    }

    /// Writes the bitmaps to a snapshot (after [`Filters::finish`]).
    pub(crate) fn put(&self, e: &mut Enc) {
        debug_assert!(self.dirty.is_empty(), "finish() before a snapshot");
        // Every field named: a new one does not compile until it is stored.
        let Filters {
            all: _,
            contract: _,
            full_time: _,
            part_time: _,
            shifts: _,
            nights: _,
            licence,
            language,
            skill,
            art1: _,
            art18: _,
            by_comune,
            experienced,
            // Derived from the features at open (`derive`), not stored.
            occupation: _,
            esco: _,
            dirty: _,
        } = self;
        for bm in plain_bitmaps!(&self) {
            e.bitmap(bm);
        }
        e.len(licence.len());
        for (k, bm) in licence {
            e.str(k);
            e.bitmap(bm);
        }
        e.len(language.len());
        for ((k, rank), bm) in language {
            e.str(k);
            e.u8(*rank);
            e.bitmap(bm);
        }
        e.len(skill.len());
        for (k, bm) in skill {
            e.u32(*k);
            e.bitmap(bm);
        }
        e.len(by_comune.len());
        for list in by_comune {
            e.len(list.len());
            for (km, row) in list {
                e.u16(*km);
                e.u32(*row);
            }
        }
        e.len(experienced.len());
        for (k, bm) in experienced {
            e.u32(*k);
            e.bitmap(bm);
        }
    }

    /// Whether every row the bitmaps and reach lists name is below `rows`
    /// (checked on a snapshot before the engine indexes records by them).
    pub(crate) fn rows_below(&self, rows: usize) -> bool {
        let below = |bm: &RoaringBitmap| bm.max().is_none_or(|m| (m as usize) < rows);
        plain_bitmaps!(&self)
            .into_iter()
            .chain(self.licence.values())
            .chain(self.language.values())
            .chain(self.skill.values())
            .chain(self.experienced.values())
            .all(below)
            && self
                .by_comune
                .iter()
                .flatten()
                .all(|&(_, row)| (row as usize) < rows)
    }

    /// Reads the bitmaps back from a snapshot.
    pub(crate) fn get(d: &mut Dec) -> Result<Filters, String> {
        let mut f = Filters::default();
        for bm in plain_bitmaps!(&mut f) {
            *bm = d.bitmap()?;
        }
        for _ in 0..d.len(5)? {
            let k = d.str()?;
            f.licence.insert(k, d.bitmap()?);
        }
        for _ in 0..d.len(6)? {
            let k = (d.str()?, d.u8()?);
            f.language.insert(k, d.bitmap()?);
        }
        for _ in 0..d.len(5)? {
            let k = d.u32()?;
            f.skill.insert(k, d.bitmap()?);
        }
        let comuni = d.len(4)?;
        if comuni > crate::geo::Comuni::embedded().len() {
            return Err(format!("{comuni} comuni lists"));
        }
        f.by_comune = (0..comuni)
            .map(|_| {
                let n = d.len(6)?;
                (0..n).map(|_| Ok((d.u16()?, d.u32()?))).collect()
            })
            .collect::<Result<_, String>>()?;
        for _ in 0..d.len(5)? {
            let k = d.u32()?;
            if !is_unit_group(k) {
                return Err("an experience bitmap for no unit group".into());
            }
            f.experienced.insert(k, d.bitmap()?);
        }
        Ok(f)
    }

    /// People with at least 12 months of experience in a unit group (`code`
    /// packed by [`crate::taxonomy::isco_pack`]; for a code that is not
    /// four digits: `None`, as for a unit group nobody has).
    pub fn experienced(&self, code: u32) -> Option<&RoaringBitmap> {
        self.experienced.get(&code)
    }

    /// Every row.
    pub fn all(&self) -> &RoaringBitmap {
        &self.all
    }

    /// Holders of a licence (case-insensitive).
    pub fn licence(&self, code: &str) -> RoaringBitmap {
        self.licence
            .get(&code.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    /// People with a language at `rank` (1 = A1 .. 6 = C2) or above.
    pub fn language(&self, code: &str, rank: u8) -> RoaringBitmap {
        self.language
            .get(&(code.to_string(), rank))
            .cloned()
            .unwrap_or_default()
    }

    /// People with any of these skill keys.
    pub fn skill_any(&self, keys: impl Iterator<Item = u32>) -> RoaringBitmap {
        let mut bm = RoaringBitmap::new();
        for k in keys {
            if let Some(b) = self.skill.get(&k) {
                bm |= b;
            }
        }
        bm
    }

    /// People with a skill key.
    pub fn skill(&self, key: u32) -> RoaringBitmap {
        self.skill.get(&key).cloned().unwrap_or_default()
    }

    /// The people who accept a contract kind.
    pub fn contract(&self, kind: ContractType) -> &RoaringBitmap {
        let i = ContractType::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("every kind listed");
        &self.contract[i]
    }

    /// The people who accept full time (`availability.full_time`).
    pub fn full_time(&self) -> &RoaringBitmap {
        &self.full_time
    }

    /// The people who accept part time (`availability.part_time`).
    pub fn part_time(&self) -> &RoaringBitmap {
        &self.part_time
    }

    /// The people who accept shift work.
    pub fn shifts(&self) -> &RoaringBitmap {
        &self.shifts
    }

    /// The people who accept night work.
    pub fn nights(&self) -> &RoaringBitmap {
        &self.nights
    }

    /// The people enrolled on a targeted-placement list.
    pub fn targeted(&self, list: TargetedList) -> &RoaringBitmap {
        match list {
            TargetedList::Art1 => &self.art1,
            TargetedList::Art18 => &self.art18,
        }
    }
}

#[cfg(test)]
mod tests;
