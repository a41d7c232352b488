//! Reading a snapshot, section by section: header and chunk table, tail,
//! chunks (in parallel, straight into their rows).

use super::*;

/// The rows of one chunk to decode into: ids, features, graduatoria inputs,
/// functional profiles, record places.
type RowSlots<'a> = (
    (
        ((&'a mut [String], &'a mut [Features]), &'a mut [Inputs]),
        &'a mut [FunctionalProfile],
    ),
    &'a mut [Place],
);

/// The snapshot file, read at offsets with every range checked against its size.
struct Reader {
    file: std::fs::File,
    size: u64,
}

impl Reader {
    fn at(&self, offset: u64, len: u64) -> std::result::Result<Vec<u8>, Bad> {
        let size = self.size;
        if offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(format!(
                "{len} bytes at {offset} overrun the file ({size} bytes)"
            ));
        }
        let mut buf = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(|e| e.to_string())?;
        Ok(buf)
    }
}

/// What the header and the chunk table say.
struct Header {
    /// Commits covered.
    covered: usize,
    rows: usize,
    /// `(rows, offset, length, CRC-32)` of every chunk.
    chunks: Vec<(u32, u64, u64, u32)>,
    /// Where the tail starts.
    tail_at: u64,
}

/// The header and the chunk table; `None` for a snapshot of another format or
/// of another commit history.
fn read_header(
    r: &Reader,
    commits: &[crate::index::Commit],
) -> std::result::Result<Option<Header>, Bad> {
    let size = r.size;
    let fixed = r.at(0, (8 + 4 + 8 + 8 + 4).min(size))?;
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
    let rest = r.at(fixed.len() as u64, hash_len + 8 + 4)?;
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
    let table = r.at(after_hash + 12, nchunks as u64 * 24)?;
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
    Ok(Some(Header {
        covered,
        rows,
        chunks,
        tail_at,
    }))
}

/// What the tail holds.
struct Tail {
    live: RoaringBitmap,
    hired: RoaringBitmap,
    vocab_names: Vec<String>,
    labels: Vec<(String, Option<(u32, f32)>)>,
    filters: crate::filters::Filters,
    segments: Vec<String>,
}

/// The tail (read first: the vocabulary bounds the skill keys of the features),
/// with its rows, skill keys and segment names range-checked.
fn read_tail(r: &Reader, tail_at: u64, rows: usize) -> std::result::Result<Tail, Bad> {
    let size = r.size;
    let tail_head = r.at(tail_at, 12)?;
    let mut d = Dec::new(&tail_head);
    let (tail_len, tail_crc) = (d.u64()?, d.u32()?);
    let tail = r.at(tail_at + 12, tail_len)?;
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
    Ok(Tail {
        live,
        hired,
        vocab_names,
        labels,
        filters,
        segments,
    })
}

/// Chunk `i`, checked whole (bounds, CRC), its head decoded straight into its
/// rows (`keys` skill keys exist, `segments` segment files).
fn decode_chunk(
    file: &std::fs::File,
    h: &Header,
    i: usize,
    ((((ids, feats), inputs), profiles), places): RowSlots,
    segments: usize,
    keys: u32,
    buf: &mut Vec<u8>,
) -> std::result::Result<(), Bad> {
    let (n, off, len, crc) = h.chunks[i];
    if n as usize != ids.len() {
        return Err(format!("chunk {i} has {n} rows"));
    }
    if off.checked_add(len).is_none_or(|end| end > h.tail_at) {
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
                if n as usize >= segments {
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
}

/// Ids, features, graduatoria inputs, functional profiles and record places,
/// by row.
type Rows = (
    Vec<String>,
    Vec<Features>,
    Vec<Inputs>,
    Vec<FunctionalProfile>,
    Vec<Place>,
);

/// The rows of every chunk, decoded in parallel: chunks are taken in file
/// order by whichever decoder is free, each checked whole and its head decoded
/// straight into its rows of the final vectors (placeholders until then
/// allocate nothing), so no row is copied again. The records stay in the file.
/// The error is that of the first damaged chunk.
fn read_rows(
    file: &std::fs::File,
    h: &Header,
    segments: usize,
    keys: u32,
) -> std::result::Result<Rows, Bad> {
    let rows = h.rows;
    let tail_at = h.tail_at;
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
    let failed = AtomicBool::new(false);
    let claimed_all = AtomicBool::new(false);
    let errors = std::sync::Mutex::new(Vec::<(usize, Bad)>::new());
    let data_at = h.chunks.first().map_or(tail_at, |c| c.1);
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
                    if let Err(e) = decode_chunk(file, h, i, rows, segments, keys, &mut buf) {
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
    Ok((ids, features, ranking, profiles, places))
}

/// Reads a snapshot if it covers a prefix of `commits` (else `Ok(None)`);
/// damage is an `Err` with the reason. The sections are read in this order:
/// header and chunk table, tail, chunks.
pub(crate) fn read(
    path: &Path,
    commits: &[crate::index::Commit],
) -> std::result::Result<Option<Loaded>, Bad> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    let r = Reader { file, size };
    let Some(h) = read_header(&r, commits)? else {
        return Ok(None);
    };
    let t = read_tail(&r, h.tail_at, h.rows)?;
    let keys = SkillVocab::esco_len() + t.vocab_names.len() as u32;
    let (ids, features, ranking, profiles, places) =
        read_rows(&r.file, &h, t.segments.len(), keys)?;
    Ok(Some(Loaded {
        commits: h.covered,
        ids,
        features,
        ranking,
        profiles,
        file: r.file,
        places,
        segments: t.segments,
        live: t.live,
        hired: t.hired,
        vocab_names: t.vocab_names,
        labels: t.labels,
        filters: t.filters,
    }))
}

/// Whether a name from a snapshot is one a segment file has (`s<digits>.seg`
/// or `.jsonl`): nothing else, no path, is ever opened.
fn segment_name_ok(name: &str) -> bool {
    name.strip_prefix('s')
        .and_then(|n| n.strip_suffix(".seg").or_else(|| n.strip_suffix(".jsonl")))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}
