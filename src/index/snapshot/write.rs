//! Writing a snapshot: chunks of rows encoded in parallel, the tail, through a
//! temporary file, fsync and rename.

use super::*;

/// Writes the snapshot of `index` (all its commits) to
/// `DIR/snapshots/g<generation>.bin`, then removes older snapshots. Returns
/// a handle on the new file and where each row's record is with it.
pub(crate) fn write(dir: &Path, index: &Index) -> Result<(std::fs::File, Vec<Place>)> {
    let snaps = dir.join("snapshots");
    crate::index::create_private_dir(&snaps)?;
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
    let places = crate::index::write_atomically(&path, &tmp, |file| {
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
pub(super) fn abandoned_tmp(name: &str) -> bool {
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
