//! Binary checkpoint of an index generation: the records, their derived
//! features, the filter bitmaps, the skill vocabulary and the label ties, in a
//! form that opens without parsing JSON or deriving anything again.
//!
//! The JSON segments stay the truth (the manifest names them with their
//! sha256). A snapshot is a cache of them, like the text index: written by
//! `index build`, read by [`super::Index::open`] when it covers a prefix of the
//! manifest's commits, and ignored (the segments are replayed instead) when it
//! is missing, for another commit history, or damaged.
//!
//! **Layout** (little endian): the magic `ROSASNP1`; a header (format, the
//! generation and the number of commits covered, the manifest hash of those
//! commits); the row count and the chunk table (rows, offset, length and
//! CRC-32 of every chunk of [`CHUNK_ROWS`] rows); the chunks, each a head
//! (per row: id, features, graduatoria inputs, functional profile, and where
//! the record is: a line of a segment file, or the length of its encoding
//! here) and then the records encoded here (only those replayed from
//! `.jsonl` segments of older indexes: a record is never stored twice); then
//! the tail (live and hired bitmaps, vocabulary, labels, filters, the names of
//! the segment files) with its own length and CRC-32. Chunks are read with `pread` and checked
//! whole, and their heads decoded in parallel as rayon tasks, in file order and
//! straight into their rows, while the calling thread reads ahead. Records are
//! not decoded on open: the index keeps their places and reads one when it is
//! asked for (`super::records`), so opening allocates about what the features
//! and bitmaps need.
//!
//! **Invariants.** A snapshot is written through a temporary file, fsync and
//! rename, so it is whole or absent. Decoding never panics on any bytes: every
//! read is bounds-checked and every CRC is checked before a chunk is decoded.
//! Values the engine uses as indexes (comune ids, skill keys, rows) are checked
//! against their ranges.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use roaring::RoaringBitmap;

use super::records::{Place, Records};
use super::segment::Loc;
use super::{Features, Index, LanguageLevel, Occupation, SkillFeature, SkillVocab};
pub(crate) use crate::codec::{Bad, Dec, Enc};
use crate::error::{Error, Result};
use crate::geo::Comuni;
use crate::graduatoria::Inputs;
use crate::law::FunctionalProfile;
use crate::model::{
    Availability, Benefit, BenefitScheme, CandidateRecord, CandidateSkill, Cefr, ContractType,
    Experience, Language, OccupationMapping, RankingData, Support, Targeted, TargetedList,
};

const MAGIC: &[u8; 8] = b"ROSASNP1";
/// Version of the snapshot layout; another one is ignored (the segments are
/// replayed).
const SNAPSHOT_FORMAT: u32 = 6;
/// Rows per chunk: the unit of parallel decoding.
pub(crate) const CHUNK_ROWS: usize = 16_384;

const BENEFITS: [BenefitScheme; 4] = [
    BenefitScheme::Naspi,
    BenefitScheme::DisColl,
    BenefitScheme::Adi,
    BenefitScheme::Sfl,
];
const LISTS: [TargetedList; 2] = [TargetedList::Art1, TargetedList::Art18];
const SUPPORTS: [Support; 3] = [
    Support::Tutor,
    Support::TechnicalAids,
    Support::AdaptedWorkstation,
];

fn index_of<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter().position(|x| x == v).expect("listed variant") as u8
}

/// Every field is named, so a field added to the model breaks the build here
/// until the snapshot stores it.
fn put_record(e: &mut Enc, r: &CandidateRecord) {
    let CandidateRecord {
        id,
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
        occupation_mappings,
    } = r;
    e.str(id);
    e.str(domicile);
    e.date(*did_date);
    e.date(*availability_confirmed);
    e.opt(education_eqf, |e, v| e.u8(*v));
    e.len(experiences.len());
    for x in experiences {
        let Experience {
            isco,
            months,
            end_year,
            certified,
        } = x;
        e.str(isco);
        e.u32(*months);
        e.opt(end_year, |e, v| e.i32(*v));
        e.bool(*certified);
    }
    e.len(desired_isco.len());
    for d in desired_isco {
        e.str(d);
    }
    e.len(skills.len());
    for s in skills {
        let CandidateSkill {
            esco,
            label,
            certified,
        } = s;
        e.opt(esco, |e, v| e.str(v));
        e.opt(label, |e, v| e.str(v));
        e.bool(*certified);
    }
    e.len(languages.len());
    for l in languages {
        let Language { code, cefr } = l;
        e.str(code);
        e.u8(*cefr as u8);
    }
    e.len(licences.len());
    for l in licences {
        e.str(l);
    }
    let Availability {
        max_km,
        contracts,
        full_time,
        part_time,
        shifts,
        nights,
    } = availability;
    e.u32(*max_km);
    e.len(contracts.len());
    for c in contracts {
        e.u8(*c as u8);
    }
    for f in [full_time, part_time, shifts, nights] {
        e.bool(*f);
    }
    e.opt(benefit, |e, b| {
        let Benefit {
            scheme,
            monthly_eur,
            last_contract_hours,
        } = b;
        e.u8(index_of(&BENEFITS, scheme));
        e.f64(*monthly_eur);
        e.opt(last_contract_hours, |e, v| e.f64(*v));
    });
    e.bool(*children_under_14);
    e.opt(targeted, |e, t| {
        let Targeted {
            list,
            enrolled,
            invalidity_pct,
            capacities,
            needs,
        } = t;
        e.u8(index_of(&LISTS, list));
        e.date(*enrolled);
        e.opt(invalidity_pct, |e, v| e.u32(*v));
        e.len(capacities.len());
        for (k, v) in capacities {
            e.str(k);
            e.u8(*v);
        }
        e.len(needs.len());
        for n in needs {
            e.u8(index_of(&SUPPORTS, n));
        }
    });
    e.opt(ranking, |e, r| {
        let RankingData {
            dependents,
            isee_eur,
            income_eur,
            birth_date,
        } = r;
        e.u32(*dependents);
        e.opt(isee_eur, |e, v| e.f64(*v));
        e.opt(income_eur, |e, v| e.f64(*v));
        e.date(*birth_date);
    });
    e.str(cv_text);
    e.len(occupation_mappings.len());
    for m in occupation_mappings {
        let OccupationMapping {
            field,
            cp2011,
            title,
            esco,
            confidence,
            confident,
        } = m;
        e.str(field);
        e.str(cp2011);
        e.str(title);
        e.opt(esco, |e, v| e.str(v));
        e.f64(*confidence);
        e.bool(*confident);
    }
}

fn get_record(d: &mut Dec) -> std::result::Result<CandidateRecord, Bad> {
    Ok(CandidateRecord {
        id: d.str()?,
        domicile: d.str()?,
        did_date: d.date()?,
        availability_confirmed: d.date()?,
        education_eqf: d.opt(|d| d.u8())?,
        experiences: d.vec(10, |d| {
            Ok(Experience {
                isco: d.str()?,
                months: d.u32()?,
                end_year: d.opt(|d| d.i32())?,
                certified: d.bool()?,
            })
        })?,
        desired_isco: d.vec(4, |d| d.str())?,
        skills: d.vec(3, |d| {
            Ok(CandidateSkill {
                esco: d.opt(|d| d.str())?,
                label: d.opt(|d| d.str())?,
                certified: d.bool()?,
            })
        })?,
        languages: d.vec(5, |d| {
            Ok(Language {
                code: d.str()?,
                cefr: d.pick(&Cefr::ALL, "CEFR level")?,
            })
        })?,
        licences: d.vec(4, |d| d.str())?,
        availability: Availability {
            max_km: d.u32()?,
            contracts: d.vec(1, |d| d.pick(&ContractType::ALL, "contract type"))?,
            full_time: d.bool()?,
            part_time: d.bool()?,
            shifts: d.bool()?,
            nights: d.bool()?,
        },
        benefit: d.opt(|d| {
            Ok(Benefit {
                scheme: d.pick(&BENEFITS, "benefit scheme")?,
                monthly_eur: d.f64()?,
                last_contract_hours: d.opt(|d| d.f64())?,
            })
        })?,
        children_under_14: d.bool()?,
        targeted: d.opt(|d| {
            Ok(Targeted {
                list: d.pick(&LISTS, "targeted list")?,
                enrolled: d.date()?,
                invalidity_pct: d.opt(|d| d.u32())?,
                capacities: {
                    let pairs = d.vec(5, |d| Ok((d.str()?, d.u8()?)))?;
                    pairs.into_iter().collect::<BTreeMap<_, _>>()
                },
                needs: d.vec(1, |d| d.pick(&SUPPORTS, "support"))?,
            })
        })?,
        ranking: d.opt(|d| {
            Ok(RankingData {
                dependents: d.u32()?,
                isee_eur: d.opt(|d| d.f64())?,
                income_eur: d.opt(|d| d.f64())?,
                birth_date: d.date()?,
            })
        })?,
        cv_text: d.str()?,
        occupation_mappings: d.vec(12, |d| {
            Ok(OccupationMapping {
                field: d.str()?,
                cp2011: d.str()?,
                title: d.str()?,
                esco: d.opt(|d| d.str())?,
                confidence: d.f64()?,
                confident: d.bool()?,
            })
        })?,
    })
}

/// Decodes one record's whole encoding.
pub(crate) fn decode_record(bytes: &[u8]) -> std::result::Result<CandidateRecord, Bad> {
    let mut d = Dec::new(bytes);
    let r = get_record(&mut d)?;
    if !d.done() {
        return Err("trailing bytes after a record".into());
    }
    Ok(r)
}

/// Every field is named, so a field added to the features breaks the build
/// here until the snapshot stores it.
fn put_features(e: &mut Enc, f: &Features) {
    let Features {
        comune,
        skills,
        max_km,
        education_eqf,
        occupations,
        did_date,
        confirmed,
        languages,
        esco,
    } = f;
    e.u16(*comune);
    e.len(skills.len());
    for s in skills.iter() {
        e.u32(s.key);
        e.f32(s.similarity);
        e.bool(s.certified);
        e.u16(s.source);
    }
    e.u32(*max_km);
    e.opt(education_eqf, |e, v| e.u8(*v));
    e.len(occupations.len());
    for o in occupations.iter() {
        e.u32(o.code);
        e.u32(o.months);
        e.bool(o.desired);
    }
    e.date(*did_date);
    e.date(*confirmed);
    e.len(languages.len());
    for l in languages.iter() {
        e.u8(l.code[0]);
        e.u8(l.code[1]);
        e.u8(l.rank);
    }
    e.len(esco.len());
    for o in esco.iter() {
        e.u16(o.occ);
        e.f32(o.strength);
    }
}

/// Every field is named, so a new input breaks the build here until the
/// snapshot stores it.
fn put_inputs(e: &mut Enc, i: &Inputs) {
    let Inputs {
        did_date,
        enrolled,
        invalidity_pct,
        dependents,
        isee_eur,
        income_eur,
        birth_date,
    } = i;
    e.date(*did_date);
    e.date(*enrolled);
    e.opt(invalidity_pct, |e, v| e.u32(*v));
    e.u32(*dependents);
    e.opt(isee_eur, |e, v| e.f64(*v));
    e.opt(income_eur, |e, v| e.f64(*v));
    e.date(*birth_date);
}

fn get_inputs(d: &mut Dec) -> std::result::Result<Inputs, Bad> {
    Ok(Inputs {
        did_date: d.date()?,
        enrolled: d.date()?,
        invalidity_pct: d.opt(|d| d.u32())?,
        dependents: d.u32()?,
        isee_eur: d.opt(|d| d.f64())?,
        income_eur: d.opt(|d| d.f64())?,
        birth_date: d.date()?,
    })
}

/// Every field is named, so a new one breaks the build here until the
/// snapshot stores it.
fn put_profile(e: &mut Enc, p: &FunctionalProfile) {
    let FunctionalProfile {
        profiled,
        capacities,
        needs,
    } = p;
    e.bool(*profiled);
    e.buf.extend_from_slice(capacities);
    e.u8(*needs);
}

fn get_profile(d: &mut Dec) -> std::result::Result<FunctionalProfile, Bad> {
    let profiled = d.bool()?;
    let capacities = d.arr()?;
    if capacities.iter().any(|&c| c > 4) {
        return Err("a capacity above 4".into());
    }
    Ok(FunctionalProfile {
        profiled,
        capacities,
        needs: d.u8()?,
    })
}

fn get_features(d: &mut Dec, keys: u32) -> std::result::Result<Features, Bad> {
    let comune = d.u16()?;
    if comune as usize >= Comuni::embedded().len() {
        return Err(format!("comune {comune} out of range"));
    }
    let skills = d.vec(11, |d| {
        let f = SkillFeature {
            key: d.u32()?,
            similarity: d.f32()?,
            certified: d.bool()?,
            source: d.u16()?,
        };
        if f.key >= keys {
            return Err(format!("skill key {} out of range", f.key));
        }
        Ok(f)
    })?;
    let max_km = d.u32()?;
    let education_eqf = d.opt(|d| d.u8())?;
    let occupations = d.vec(9, |d| {
        Ok(Occupation {
            code: d.u32()?,
            months: d.u32()?,
            desired: d.bool()?,
        })
    })?;
    let did_date = d.date()?;
    let confirmed = d.date()?;
    let languages = d.vec(3, |d| {
        let code = [d.u8()?, d.u8()?];
        let rank = d.u8()?;
        if !(1..=6).contains(&rank) {
            return Err(format!("CEFR rank {rank} out of range"));
        }
        Ok(LanguageLevel { code, rank })
    })?;
    let occupations_known = crate::esco::active().occupations.len();
    let esco = d.vec(6, |d| {
        let o = crate::esco::Inferred {
            occ: d.u16()?,
            strength: d.f32()?,
        };
        if o.occ as usize >= occupations_known || !(0.0..=1.0).contains(&o.strength) {
            return Err(format!("inferred occupation {} out of range", o.occ));
        }
        Ok(o)
    })?;
    Ok(Features {
        esco: esco.into(),
        comune,
        skills: skills.into(),
        max_km,
        education_eqf,
        occupations: occupations.into(),
        did_date,
        confirmed,
        languages: languages.into(),
    })
}

/// The rows of one chunk to decode into: ids, features, graduatoria inputs,
/// functional profiles, record places.
type RowSlots<'a> = (
    (
        ((&'a mut [String], &'a mut [Features]), &'a mut [Inputs]),
        &'a mut [FunctionalProfile],
    ),
    &'a mut [Place],
);

/// What a snapshot holds, decoded.
pub(crate) struct Loaded {
    /// Commits of the manifest it covers (a prefix).
    pub(crate) commits: usize,
    pub(crate) ids: Vec<String>,
    pub(crate) features: Vec<Features>,
    pub(crate) ranking: Vec<Inputs>,
    pub(crate) profiles: Vec<FunctionalProfile>,
    /// The file, which holds the records not in a segment.
    pub(crate) file: std::fs::File,
    /// Where each row's record is.
    pub(crate) places: Vec<Place>,
    /// The segment files [`Place::Segment`] numbers.
    pub(crate) segments: Vec<String>,
    pub(crate) live: RoaringBitmap,
    pub(crate) hired: RoaringBitmap,
    pub(crate) vocab_names: Vec<String>,
    pub(crate) labels: Vec<(String, Option<(u32, f32)>)>,
    pub(crate) filters: crate::filters::Filters,
}

/// The snapshot file of a generation.
pub(crate) fn path(dir: &Path, generation: u64) -> PathBuf {
    dir.join("snapshots").join(format!("g{generation:06}.bin"))
}

/// The snapshots in `dir`, newest generation first.
pub(crate) fn list(dir: &Path) -> Vec<(u64, PathBuf)> {
    let Ok(rd) = std::fs::read_dir(dir.join("snapshots")) else {
        return Vec::new();
    };
    let mut found: Vec<(u64, PathBuf)> = rd
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let g = name.strip_prefix('g')?.strip_suffix(".bin")?.parse().ok()?;
            Some((g, e.path()))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found
}

/// The hash that ties a snapshot to the commits it covers.
pub(crate) fn commits_hash(commits: &[super::Commit]) -> String {
    crate::digest::hash_json(commits)
}

/// Writes the snapshot of `index` (all its commits) to
/// `DIR/snapshots/g<generation>.bin`, then removes older snapshots. Returns
/// a handle on the new file and where each row's record is with it.
pub(crate) fn write(dir: &Path, index: &Index) -> Result<(std::fs::File, Vec<Place>)> {
    let snaps = dir.join("snapshots");
    super::create_private_dir(&snaps)?;
    let path = path(dir, index.generation);
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    // Leftovers of writes cut short (by a crash) are of no use; a write still
    // under way in another live process is left alone.
    for e in std::fs::read_dir(&snaps).into_iter().flatten().flatten() {
        if e.file_name().to_str().is_some_and(abandoned_tmp) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let rows = index.records.len();
    let nchunks = rows.div_ceil(CHUNK_ROWS);
    let mut head = Enc::default();
    head.buf.extend_from_slice(MAGIC);
    head.u32(SNAPSHOT_FORMAT);
    head.u64(index.generation);
    head.u64(index.commits.len() as u64);
    head.str(&commits_hash(&index.commits));
    head.u64(rows as u64);
    head.len(nchunks);
    let table_at = head.buf.len() as u64;

    let io = |e| Error::io(&tmp, e);
    let places = super::write_atomically(&path, &tmp, |file| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        w.write_all(&head.buf).map_err(io)?;
        // The chunk table is written last, in place of these zeros.
        w.write_all(&vec![0u8; nchunks * 24]).map_err(io)?;
        let mut offset = table_at + nchunks as u64 * 24;
        let mut table = Enc::default();
        // Chunks are encoded in parallel a few at a time and written in order, so
        // that only a few of them are in memory at once.
        let batch = 4 * rayon::current_num_threads();
        let mut places: Vec<Place> = Vec::with_capacity(rows);
        for first in (0..nchunks).step_by(batch) {
            let encoded = (first..(first + batch).min(nchunks))
                .into_par_iter()
                .map(|c| encode_chunk(index, c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(rows)))
                .collect::<Result<Vec<_>>>()?;
            for (n, bytes, rel) in encoded {
                w.write_all(&bytes).map_err(io)?;
                table.u32(n);
                table.u64(offset);
                table.u64(bytes.len() as u64);
                table.u32(crc32fast::hash(&bytes));
                places.extend(rel.into_iter().map(|p| match p {
                    Place::Snapshot(at, len) => Place::Snapshot(offset + at, len),
                    other => other,
                }));
                offset += bytes.len() as u64;
            }
        }

        let mut tail = Enc::default();
        tail.bitmap(&index.live);
        tail.bitmap(&index.hired);
        tail.len(index.vocab.names.len());
        for n in &index.vocab.names {
            tail.str(n);
        }
        let mut labels: Vec<(&String, &Option<(u32, f32)>)> = index.labels.map.iter().collect();
        labels.sort_by(|a, b| a.0.cmp(b.0));
        tail.len(labels.len());
        for (l, v) in labels {
            tail.str(l);
            tail.opt(v, |e, (k, s)| {
                e.u32(*k);
                e.f32(*s);
            });
        }
        index.filters.put(&mut tail);
        let names = index.records.segment_names();
        tail.len(names.len());
        for n in names {
            tail.str(n);
        }
        w.write_all(&(tail.buf.len() as u64).to_le_bytes())
            .map_err(io)?;
        w.write_all(&crc32fast::hash(&tail.buf).to_le_bytes())
            .map_err(io)?;
        w.write_all(&tail.buf).map_err(io)?;
        let file = w.into_inner().map_err(|e| io(e.into_error()))?;
        file.write_all_at(&table.buf, table_at).map_err(io)?;
        // Read back through a handle on this very file, not by name: another
        // process writing the same generation may rename its file over ours.
        let reader = std::fs::File::open(&tmp).map_err(io)?;
        Ok((places, reader))
    })?;
    for (g, old) in list(dir) {
        if g < index.generation {
            let _ = std::fs::remove_file(old);
        }
    }
    let (places, file) = places;
    Ok((file, places))
}

/// Whether a file of `snapshots/` is a temporary file no live writer owns:
/// `g<generation>.<pid>.tmp` of a process that is gone (or of this one, which
/// writes one snapshot at a time), or an unnamed one.
fn abandoned_tmp(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".tmp") else {
        return false;
    };
    match stem
        .rsplit_once('.')
        .and_then(|(_, pid)| pid.parse::<u32>().ok())
    {
        Some(pid) => pid == std::process::id() || !Path::new(&format!("/proc/{pid}")).exists(),
        None => true,
    }
}

/// Encodes the rows of one chunk: `[u64 head length][head][records]`, the
/// head holding each row's id, features and where its record is. Returns the
/// row count, the bytes and each row's [`Place`] (a snapshot offset relative
/// to the chunk). A record in a segment stays there; one encoded in the
/// snapshot being replaced is copied from it (the encoding is deterministic),
/// one held only in memory is encoded.
fn encode_chunk(
    index: &Index,
    range: std::ops::Range<usize>,
) -> Result<(u32, Vec<u8>, Vec<Place>)> {
    let records = &index.records;
    // One read for the records of these rows kept in the previous snapshot.
    let (lo, hi) = range
        .clone()
        .filter_map(|row| match records.place(row) {
            Place::Snapshot(at, len) => Some((at, at + len as u64)),
            _ => None,
        })
        .fold((u64::MAX, 0u64), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
    let old = if lo < hi {
        records
            .snapshot_bytes(lo, (hi - lo) as usize)
            .map_err(|e| Error::Index {
                path: index.dir.clone().unwrap_or_default(),
                message: format!("reading the previous snapshot: {e}"),
            })?
    } else {
        Vec::new()
    };
    let mut head = Enc::default();
    let mut recs = Enc::default();
    let mut places = Vec::with_capacity(range.len());
    for row in range.clone() {
        head.str(index.id(row as u32));
        put_features(&mut head, &index.features[row]);
        put_inputs(&mut head, &index.ranking[row]);
        put_profile(&mut head, &index.profiles[row]);
        match records.place(row) {
            Place::Segment(n, loc) => {
                head.u8(1);
                head.u32(n);
                head.u64(loc.frame);
                head.u32(loc.clen);
                head.u32(loc.at);
                head.u32(loc.len);
                places.push(Place::Segment(n, loc));
                continue;
            }
            Place::Snapshot(at, len) => {
                let from = (at - lo) as usize;
                head.u8(0);
                head.u32(len);
                places.push(Place::Snapshot(recs.buf.len() as u64, len));
                recs.buf.extend_from_slice(&old[from..from + len as usize]);
            }
            Place::Held => {
                let before = recs.buf.len();
                put_record(
                    &mut recs,
                    &records.peek(row, || index.id(row as u32).to_string()),
                );
                let len = (recs.buf.len() - before) as u32;
                head.u8(0);
                head.u32(len);
                places.push(Place::Snapshot(before as u64, len));
            }
        }
    }
    let mut bytes = Vec::with_capacity(8 + head.buf.len() + recs.buf.len());
    bytes.extend_from_slice(&(head.buf.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&head.buf);
    let at = bytes.len() as u64;
    bytes.extend_from_slice(&recs.buf);
    for p in &mut places {
        if let Place::Snapshot(off, _) = p {
            *off += at;
        }
    }
    Ok((range.len() as u32, bytes, places))
}

/// Reads a snapshot if it covers a prefix of `commits` (else `Ok(None)`);
/// damage is an `Err` with the reason.
pub(crate) fn read(
    path: &Path,
    commits: &[super::Commit],
) -> std::result::Result<Option<Loaded>, Bad> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    let read_at = |offset: u64, len: u64| -> std::result::Result<Vec<u8>, Bad> {
        if offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(format!(
                "{len} bytes at {offset} overrun the file ({size} bytes)"
            ));
        }
        let mut buf = vec![0u8; len as usize];
        file.read_exact_at(&mut buf, offset)
            .map_err(|e| e.to_string())?;
        Ok(buf)
    };

    // Header and chunk table.
    let fixed = read_at(0, (8 + 4 + 8 + 8 + 4).min(size))?;
    let mut d = Dec::new(&fixed);
    if d.take(8)? != MAGIC || d.u32()? != SNAPSHOT_FORMAT {
        return Ok(None);
    }
    let _generation = d.u64()?;
    let covered = d.u64()? as usize;
    let hash_len = d.u32()? as u64;
    if covered > commits.len() || hash_len > 128 {
        return Ok(None);
    }
    let after_hash = fixed.len() as u64 + hash_len;
    let rest = read_at(fixed.len() as u64, hash_len + 8 + 4)?;
    let mut d = Dec::new(&rest);
    let hash = std::str::from_utf8(d.take(hash_len as usize)?).map_err(|e| e.to_string())?;
    if hash != commits_hash(&commits[..covered]) {
        return Ok(None);
    }
    let rows = d.u64()? as usize;
    // An encoded row (record and features) takes at least 57 bytes: a damaged
    // count must not ask for a huge allocation.
    if rows as u64 > size / 48 {
        return Err(format!("{rows} rows cannot fit in {size} bytes"));
    }
    let nchunks = d.u32()? as usize;
    if nchunks != rows.div_ceil(CHUNK_ROWS) {
        return Err(format!("{nchunks} chunks for {rows} rows"));
    }
    let table = read_at(after_hash + 12, nchunks as u64 * 24)?;
    let mut d = Dec::new(&table);
    let mut chunks = Vec::with_capacity(nchunks);
    for _ in 0..nchunks {
        chunks.push((d.u32()?, d.u64()?, d.u64()?, d.u32()?));
    }
    let tail_at = match chunks.last() {
        None => after_hash + 12,
        Some(&(_, off, len, _)) => off
            .checked_add(len)
            .filter(|&end| end <= size)
            .ok_or("the last chunk overruns the file")?,
    };

    // The tail first: the vocabulary bounds the skill keys of the features.
    let tail_head = read_at(tail_at, 12)?;
    let mut d = Dec::new(&tail_head);
    let (tail_len, tail_crc) = (d.u64()?, d.u32()?);
    let tail = read_at(tail_at + 12, tail_len)?;
    if tail_at + 12 + tail_len != size {
        return Err("trailing bytes after the tail".into());
    }
    if crc32fast::hash(&tail) != tail_crc {
        return Err("tail checksum mismatch".into());
    }
    let mut d = Dec::new(&tail);
    let live = d.bitmap()?;
    let hired = d.bitmap()?;
    let vocab_names = d.vec(4, |d| d.str())?;
    let labels = d.vec(5, |d| Ok((d.str()?, d.opt(|d| Ok((d.u32()?, d.f32()?)))?)))?;
    let filters = crate::filters::Filters::get(&mut d)?;
    let segments = d.vec(4, |d| {
        let name = d.str()?;
        segment_name_ok(&name)
            .then_some(name)
            .ok_or_else(|| Bad::from("a segment name that is not one"))
    })?;
    if !d.done() {
        return Err("trailing bytes in the tail".into());
    }
    let keys = SkillVocab::esco_len() + vocab_names.len() as u32;
    let below = |bm: &RoaringBitmap| bm.max().is_none_or(|m| (m as usize) < rows);
    if !below(&live) || !below(&hired) || !filters.rows_below(rows) {
        return Err("a row out of range in the bitmaps".into());
    }
    if labels
        .iter()
        .any(|(_, v)| v.is_some_and(|(k, _)| k >= SkillVocab::esco_len()))
    {
        return Err("a label tied to a skill out of range".into());
    }

    // Chunks, in parallel, taken in file order by whichever decoder is free,
    // each checked whole and its head decoded straight into its rows of the
    // final vectors (placeholders until then allocate nothing), so no row is
    // copied again. The records stay in the file.
    let mut ids = vec![String::new(); rows];
    let mut features = vec![Features::new(0, Vec::new(), &placeholder_record()); rows];
    let mut ranking = vec![Inputs::default(); rows];
    let mut profiles = vec![FunctionalProfile::default(); rows];
    let mut places = vec![Place::Held; rows];
    let slots = std::sync::Mutex::new(
        ids.chunks_mut(CHUNK_ROWS)
            .zip(features.chunks_mut(CHUNK_ROWS))
            .zip(ranking.chunks_mut(CHUNK_ROWS))
            .zip(profiles.chunks_mut(CHUNK_ROWS))
            .zip(places.chunks_mut(CHUNK_ROWS))
            .enumerate(),
    );
    let next_slot = || slots.lock().unwrap_or_else(|e| e.into_inner()).next();
    let decode = |i: usize,
                  ((((ids, feats), inputs), profiles), places): RowSlots,
                  buf: &mut Vec<u8>|
     -> std::result::Result<(), Bad> {
        let (n, off, len, crc) = chunks[i];
        if n as usize != ids.len() {
            return Err(format!("chunk {i} has {n} rows"));
        }
        if off.checked_add(len).is_none_or(|end| end > tail_at) {
            return Err(format!("chunk {i} overruns the file"));
        }
        buf.resize(len as usize, 0);
        file.read_exact_at(buf, off).map_err(|e| e.to_string())?;
        if crc32fast::hash(buf) != crc {
            return Err(format!("chunk {i} checksum mismatch"));
        }
        let mut d = Dec::new(buf);
        let head_len = d.u64()?;
        let head = d.take(usize::try_from(head_len).map_err(|e| e.to_string())?)?;
        let mut at = off + 8 + head_len;
        let mut d = Dec::new(head);
        let rows = ids.iter_mut().zip(feats.iter_mut()).zip(inputs.iter_mut());
        let rows = rows.zip(profiles.iter_mut());
        for ((((id, f), inp), profile), place) in rows.zip(places.iter_mut()) {
            *id = d.str()?;
            *f = get_features(&mut d, keys)?;
            *inp = get_inputs(&mut d)?;
            *profile = get_profile(&mut d)?;
            *place = match d.u8()? {
                0 => {
                    let len = d.u32()?;
                    at += len as u64;
                    Place::Snapshot(at - len as u64, len)
                }
                1 => {
                    let n = d.u32()?;
                    if n as usize >= segments.len() {
                        return Err(format!("chunk {i}: segment {n} out of range"));
                    }
                    Place::Segment(
                        n,
                        Loc {
                            frame: d.u64()?,
                            clen: d.u32()?,
                            at: d.u32()?,
                            len: d.u32()?,
                        },
                    )
                }
                t => return Err(format!("chunk {i}: record place {t}")),
            };
        }
        if !d.done() || at != off + len {
            return Err(format!("chunk {i}: its records do not fill it"));
        }
        Ok(())
    };
    let failed = AtomicBool::new(false);
    let claimed_all = AtomicBool::new(false);
    let errors = std::sync::Mutex::new(Vec::<(usize, Bad)>::new());
    let data_at = chunks.first().map_or(tail_at, |c| c.1);
    // Decoders are tasks of the rayon pool (no thread is started per open);
    // meanwhile this thread reads ahead in file order, so that with a cold page
    // cache the disk keeps reading while they decode instead of each decoder
    // waiting for it in turn.
    rayon::in_place_scope(|s| {
        for _ in 0..rayon::current_num_threads().max(1) {
            s.spawn(|_| {
                let mut buf = Vec::new();
                loop {
                    let Some((i, rows)) = next_slot() else {
                        claimed_all.store(true, Ordering::Relaxed);
                        break;
                    };
                    if failed.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Err(e) = decode(i, rows, &mut buf) {
                        failed.store(true, Ordering::Relaxed);
                        errors
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, e));
                        break;
                    }
                }
            });
        }
        let mut buf = vec![0u8; 4 << 20];
        let mut off = data_at;
        while off < tail_at && !claimed_all.load(Ordering::Relaxed) {
            let n = buf.len().min((tail_at - off) as usize);
            if file.read_exact_at(&mut buf[..n], off).is_err() {
                break;
            }
            off += n as u64;
        }
    });
    let errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some((_, e)) = errors.into_iter().min_by_key(|(i, _)| *i) {
        return Err(e);
    }
    Ok(Some(Loaded {
        commits: covered,
        ids,
        features,
        ranking,
        profiles,
        file,
        places,
        segments,
        live,
        hired,
        vocab_names,
        labels,
        filters,
    }))
}

/// Whether a name from a snapshot is one a segment file has (`s<digits>.seg`
/// or `.jsonl`): nothing else, no path, is ever opened.
fn segment_name_ok(name: &str) -> bool {
    name.strip_prefix('s')
        .and_then(|n| n.strip_suffix(".seg").or_else(|| n.strip_suffix(".jsonl")))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// A record that allocates nothing, to be overwritten.
pub(crate) fn placeholder_record() -> CandidateRecord {
    CandidateRecord {
        id: String::new(),
        domicile: String::new(),
        did_date: None,
        availability_confirmed: None,
        education_eqf: None,
        experiences: Vec::new(),
        desired_isco: Vec::new(),
        skills: Vec::new(),
        languages: Vec::new(),
        licences: Vec::new(),
        availability: Availability {
            max_km: 0,
            contracts: Vec::new(),
            full_time: false,
            part_time: false,
            shifts: false,
            nights: false,
        },
        benefit: None,
        children_under_14: false,
        targeted: None,
        ranking: None,
        cv_text: String::new(),
        occupation_mappings: Vec::new(),
    }
}

/// Installs a decoded snapshot into an empty index.
pub(crate) fn install(index: &mut Index, s: Loaded) {
    index.by_id = HashMap::with_capacity(s.ids.len());
    for (row, id) in s.ids.iter().enumerate() {
        index.by_id.insert(id.clone(), row as u32);
    }
    index.ids = s.ids;
    let segments = index
        .dir
        .as_deref()
        .unwrap_or(Path::new(""))
        .join("segments");
    index.records = Records::stored(s.file, segments, s.segments, s.places);
    index.comune_eqf = s.features.iter().map(Features::comune_eqf).collect();
    index.features = s.features;
    index.ranking = s.ranking;
    index.profiles = s.profiles;
    index.live = s.live;
    index.hired = s.hired;
    for n in s.vocab_names {
        index.vocab.intern(n);
    }
    index.labels.map = s.labels.into_iter().collect();
    index.filters = s.filters;
    index.filters.derive(&index.features);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    fn full_record() -> CandidateRecord {
        serde_json::from_value(serde_json::json!({
            "id": "C1", "domicile": "058091", "did_date": "2025-01-02",
            "availability_confirmed": "2026-10-01", "education_eqf": 4,
            "experiences": [{"isco": "7223", "months": 50, "end_year": 2024, "certified": true},
                            {"isco": "5223", "months": 3, "certified": false}],
            "desired_isco": ["7223", "8211"],
            "skills": [{"esco": "http://data.europa.eu/esco/skill/x", "label": "saldatura", "certified": true},
                       {"label": "lavoro di squadra", "certified": false}],
            "languages": [{"code": "en", "cefr": "B2"}, {"code": "fr", "cefr": "A1"}],
            "licences": ["B", "forklift"],
            "availability": {"max_km": 40, "contracts": ["permanent", "internship"],
                             "full_time": true, "part_time": false, "shifts": true, "nights": false},
            "benefit": {"scheme": "dis_coll", "monthly_eur": 812.5, "last_contract_hours": 20.0},
            "children_under_14": true,
            "targeted": {"list": "art18", "enrolled": "2020-02-29", "invalidity_pct": 67,
                         "capacities": {"d415": 2, "d430": 3}, "needs": ["tutor", "adapted_workstation"]},
            "ranking": {"dependents": 2, "isee_eur": 9000.0, "income_eur": 0.0, "birth_date": "1980-05-06"},
            "cv_text": "Saldatore \"TIG\" con 4 anni, perito.\nDisponibile.",
            "occupation_mappings": [
                {"field": "experiences[0]", "cp2011": "6.2.1.2.0", "title": "Saldatori",
                 "esco": "http://data.europa.eu/esco/occupation/x", "confidence": 0.75, "confident": true},
                {"field": "desired_isco[1]", "cp2011": "7.2.7.9.0", "confidence": 0.0, "confident": false}]
        }))
        .expect("a valid record")
    }

    /// An index of generated people built in `dir`, and the vacancies.
    fn built(dir: &Path) -> Vec<crate::model::VacancyRecord> {
        let g = crate::gen::generate(&crate::gen::GenConfig {
            candidates: 400,
            vacancies: 30,
            seed: 7,
            as_of: Date::parse("2026-11-01").unwrap(),
            profile: crate::gen::Profile::Default,
        });
        Index::build(Some(dir), g.candidates, Vec::new(), None).unwrap();
        g.vacancies
    }

    #[test]
    fn a_reopened_index_reads_only_the_records_of_the_roster_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        let vacancies = built(&dir);
        let idx = Index::open(&dir).unwrap();
        assert!(idx.snapshot_note().starts_with("opened from snapshot"));
        assert_eq!(idx.records.held(), 0);
        let policy = crate::Policy {
            as_of: Date::parse("2026-11-01"),
            ..crate::Policy::default()
        };
        let mut entries = 0;
        use crate::model::Mode;
        let modes = [
            Mode::Preselection,
            Mode::PublicSelection,
            Mode::TargetedNominative,
            Mode::TargetedNumeric,
        ];
        for v in vacancies.iter().filter(|v| modes.contains(&v.mode)) {
            let r = crate::roster::roster(&idx, v, &policy).unwrap();
            entries += r.entries.len();
            // Eligibility, scoring and ordering read features (graduatorie
            // their inputs, compatibility the functional profiles); only the
            // entries' explanations read records.
            assert!(
                idx.records.held() <= entries,
                "{} records read for {entries} entries",
                idx.records.held()
            );
        }
        assert!(entries > 15, "only {entries} entries");
    }

    #[test]
    fn a_record_changed_behind_the_engine_reads_as_its_id_never_a_panic() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        built(&dir);
        let idx = Index::open(&dir).unwrap();
        let Place::Segment(n, loc) = idx.records.place(3) else {
            panic!("row 3 is not in a segment: {:?}", idx.records.place(3));
        };
        let seg = dir
            .join("segments")
            .join(&idx.records.segment_names()[n as usize]);
        // The last byte of the frame's compressed bytes: its CRC no longer matches.
        let file = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
        file.write_all_at(&[0xFF], loc.frame + 12 + loc.clen as u64 - 1)
            .unwrap();
        let r = idx.record(3);
        assert_eq!(r.id, idx.id(3));
        assert!(r.cv_text.is_empty() && r.skills.is_empty());
        assert_eq!(idx.unreadable_records(), 1);
        // A row in another frame reads whole.
        let other = (0..idx.len() as u32)
            .find(|&r| matches!(idx.records.place(r as usize), Place::Segment(_, l) if l.frame != loc.frame))
            .unwrap();
        assert!(!idx.record(other).cv_text.is_empty());
        assert_eq!(idx.unreadable_records(), 1);
        // Answers built after it report the damage, naming the segment.
        let e = idx.check_records().unwrap_err().to_string();
        assert!(
            e.contains(&seg.display().to_string()) && e.contains("damaged"),
            "{e}"
        );
        // Replayed without the snapshot, the segment's sha256 fails: an error
        // that names the file, never a different record.
        std::fs::remove_dir_all(dir.join("snapshots")).unwrap();
        let err = Index::open(&dir).err().expect("a damaged segment");
        assert!(
            err.to_string()
                .contains(seg.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
    }

    #[test]
    fn an_index_with_jsonl_segments_keeps_its_records_in_the_snapshot() {
        // An index written before segments were framed: its `.jsonl` segment
        // is replayed, and the next snapshot stores those records itself.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        built(&dir);
        let framed = Index::open(&dir).unwrap();
        let want: Vec<CandidateRecord> = (0..framed.len() as u32)
            .map(|r| framed.record(r).clone())
            .collect();
        drop(framed);
        let current = std::fs::read_to_string(dir.join("CURRENT")).unwrap();
        let m: super::super::Manifest = serde_json::from_str(&current).unwrap();
        let super::super::Commit::Upsert { file, .. } = &m.commits[0] else {
            panic!("the build is an upsert");
        };
        let mut jsonl = Vec::new();
        for r in &want {
            serde_json::to_writer(&mut jsonl, r).unwrap();
            jsonl.push(b'\n');
        }
        let old = file.replace(".seg", ".jsonl");
        std::fs::write(dir.join("segments").join(&old), &jsonl).unwrap();
        let sha = crate::digest::sha256(&jsonl);
        let mut m = m.clone();
        if let super::super::Commit::Upsert {
            file,
            bytes,
            sha256,
            ..
        } = &mut m.commits[0]
        {
            *file = old.clone();
            *bytes = jsonl.len() as u64;
            *sha256 = Some(sha);
        }
        super::super::write_current_manifest(&dir, &m).unwrap();
        std::fs::remove_dir_all(dir.join("snapshots")).unwrap();
        let mut idx = Index::open(&dir).unwrap();
        assert_eq!(idx.records.place(0), Place::Held);
        idx.write_snapshot();
        assert!(matches!(idx.records.place(0), Place::Snapshot(..)));
        assert_eq!(idx.records.held(), 0);
        let again = Index::open(&dir).unwrap();
        assert!(
            again.snapshot_note().starts_with("opened from snapshot"),
            "{}",
            again.snapshot_note()
        );
        let got: Vec<CandidateRecord> = (0..again.len() as u32)
            .map(|r| again.record(r).clone())
            .collect();
        assert_eq!(got, want);
        assert_eq!(again.unreadable_records(), 0);
    }

    #[test]
    fn only_temporary_files_of_gone_writers_are_abandoned() {
        let me = std::process::id();
        assert!(abandoned_tmp(&format!("g000004.{me}.tmp")));
        assert!(
            abandoned_tmp("g000004.tmp"),
            "the unnamed kind of an older rosa"
        );
        // PIDs never reach u32::MAX - 1 on Linux (pid_max ≤ 2^22).
        assert!(abandoned_tmp(&format!("g000004.{}.tmp", u32::MAX - 1)));
        // PID 1 is always alive.
        assert!(!abandoned_tmp("g000004.1.tmp"));
        assert!(!abandoned_tmp("g000004.bin"));
    }

    #[test]
    fn a_record_with_every_field_set_round_trips() {
        let r = full_record();
        let mut e = Enc::default();
        put_record(&mut e, &r);
        let mut d = Dec::new(&e.buf);
        assert_eq!(get_record(&mut d).unwrap(), r);
        assert!(d.done());
        let bare = CandidateRecord {
            did_date: None,
            availability_confirmed: None,
            education_eqf: None,
            experiences: Vec::new(),
            skills: Vec::new(),
            benefit: None,
            targeted: None,
            ranking: None,
            cv_text: String::new(),
            occupation_mappings: Vec::new(),
            ..r
        };
        let mut e = Enc::default();
        put_record(&mut e, &bare);
        assert_eq!(get_record(&mut Dec::new(&e.buf)).unwrap(), bare);
    }

    #[test]
    fn every_truncation_of_a_record_is_an_error_and_no_flip_panics() {
        let mut e = Enc::default();
        put_record(&mut e, &full_record());
        for cut in 0..e.buf.len() {
            assert!(
                get_record(&mut Dec::new(&e.buf[..cut])).is_err(),
                "cut {cut}"
            );
        }
        // A record's bytes alone carry no checksum: a flipped count or amount
        // decodes to another record (that is what the chunk's CRC-32 is for,
        // checked below on whole files). Here: no flip panics, and a flip
        // that decodes to the same record left the record's value as it was.
        let original = full_record();
        let (mut errors, mut same, mut other) = (0, 0, 0);
        for i in 0..e.buf.len() {
            let mut b = e.buf.clone();
            b[i] ^= 0xff;
            match get_record(&mut Dec::new(&b)) {
                Err(_) => errors += 1,
                Ok(r) if r == original => same += 1,
                Ok(_) => other += 1,
            }
        }
        assert_eq!(errors + same + other, e.buf.len());
        assert!(
            errors > 0 && other > 0,
            "{errors} errors, {other} other records"
        );
    }

    /// Everything a snapshot gives the index when it is used.
    fn loaded_parts(l: &Loaded, dir: &Path) -> impl PartialEq + std::fmt::Debug {
        let records: Vec<CandidateRecord> = (0..l.ids.len())
            .map(|row| {
                let records = Records::stored(
                    l.file.try_clone().unwrap(),
                    dir.join("segments"),
                    l.segments.clone(),
                    l.places.clone(),
                );
                let r = records.get(row, String::new).clone();
                assert_eq!(records.unreadable(), 0, "row {row} unreadable");
                r
            })
            .collect();
        (
            l.commits,
            l.ids.clone(),
            l.features.clone(),
            l.ranking.clone(),
            l.profiles.clone(),
            records,
            (l.live.clone(), l.hired.clone()),
            l.vocab_names.clone(),
            format!("{:?}", l.labels),
        )
    }

    /// Every byte of a snapshot file flipped in turn (two ways): the read
    /// either reports the damage (`Err`), declines the file (`Ok(None)`: the
    /// index replays its segments instead), or gives exactly what the
    /// undamaged file gives (a flip in a field the reader does not use, such
    /// as the generation in the header). Never a different record.
    #[test]
    fn every_byte_flip_of_a_snapshot_file_is_detected_or_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        let g = crate::gen::generate(&crate::gen::GenConfig {
            candidates: 4,
            vacancies: 0,
            seed: 11,
            as_of: Date::parse("2026-11-01").unwrap(),
            profile: crate::gen::Profile::Default,
        });
        let idx = Index::build(Some(&dir), g.candidates, Vec::new(), None).unwrap();
        let file = path(&dir, idx.generation);
        let commits = idx.commits.clone();
        drop(idx);
        let good = std::fs::read(&file).unwrap();
        let want = loaded_parts(
            &read(&file, &commits)
                .unwrap()
                .expect("the snapshot is used"),
            &dir,
        );
        // Written once per flip: on tmpfs when there is one.
        let scratch = match Path::new("/dev/shm").is_dir() {
            true => tempfile::tempdir_in("/dev/shm"),
            false => tempfile::tempdir(),
        }
        .unwrap();
        let flipped = scratch.path().join("flipped.bin");
        let (mut detected, mut unchanged) = (0, 0);
        for i in 0..good.len() {
            for flip in [|b: u8| b ^ 0x01, |b: u8| b ^ 0xff] {
                let mut b = good.clone();
                b[i] = flip(b[i]);
                std::fs::write(&flipped, &b).unwrap();
                match read(&flipped, &commits) {
                    Err(_) | Ok(None) => detected += 1,
                    Ok(Some(l)) => {
                        assert_eq!(
                            loaded_parts(&l, &dir),
                            want,
                            "byte {i} flipped: read as another index"
                        );
                        unchanged += 1;
                    }
                }
            }
        }
        assert_eq!(detected + unchanged, 2 * good.len());
        // Only the header's unused generation may change without detection.
        assert!(unchanged <= 2 * 8, "{unchanged} flips went unnoticed");
    }
}
