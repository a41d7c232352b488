//! Segment files: the candidate records of one upsert commit, the truth the
//! index replays, and the place a record is read from when a query needs it.
//!
//! **Layout.** The magic `ROSASEG1`, then frames, each `[u32 raw length][u32
//! compressed length][u32 CRC-32 of the compressed bytes]` followed by an lz4
//! block. A frame's raw bytes are whole JSON lines (one record each, as in a
//! `.jsonl` file) up to [`FRAME_BYTES`]; a longer record has a frame to itself.
//! JSON compresses about fivefold in frames of this size, and one record is
//! read by decompressing its frame only (a few microseconds), so the snapshot
//! keeps a [`Loc`] per row instead of a second copy of the record.
//!
//! Indexes written before this layout have `.jsonl` segments: they are still
//! replayed, and their records kept in the snapshot (see `super::snapshot`).
//!
//! **Invariants.** A segment is written whole through a temporary file, fsync
//! and rename, and never changed afterwards (the manifest holds its size and
//! sha256). Decoding never panics on any bytes: lengths are bounds-checked and
//! a frame's CRC is checked before it is decompressed, on replay and on every
//! single read.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// The first bytes of a segment file.
pub(crate) const MAGIC: &[u8; 8] = b"ROSASEG1";
/// Raw bytes per frame, about: small enough that reading one record costs
/// little, large enough that lz4 finds the repeats of JSON keys and values.
pub(crate) const FRAME_BYTES: usize = 32 * 1024;
/// Frame header: raw length, compressed length, CRC-32.
const HEAD: usize = 12;
/// Largest raw frame accepted on reading (a record is at most a few hundred KiB).
const MAX_RAW: usize = 64 << 20;

/// Where a record lies in a segment: its frame and its line in the frame's raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loc {
    /// Offset of the frame's header in the file.
    pub(crate) frame: u64,
    /// Length of the frame's compressed bytes.
    pub(crate) clen: u32,
    /// Offset of the record's line in the raw bytes.
    pub(crate) at: u32,
    /// Length of the line (without its newline).
    pub(crate) len: u32,
}

/// A segment file name for a generation.
pub(crate) fn file_name(generation: u64) -> String {
    format!("s{generation:06}.seg")
}

/// Whether a segment file has this layout (and not the older `.jsonl` one).
pub(crate) fn is_framed(file: &str) -> bool {
    file.ends_with(".seg")
}

/// Encodes records (one JSON line each) into a segment's bytes, written to
/// `w`. Returns where each record lies, in input order.
pub(crate) fn write<T: serde::Serialize>(
    w: &mut dyn Write,
    records: &[T],
) -> std::io::Result<Vec<Loc>> {
    w.write_all(MAGIC)?;
    let mut offset = MAGIC.len() as u64;
    let mut locs = Vec::with_capacity(records.len());
    let mut raw: Vec<u8> = Vec::with_capacity(FRAME_BYTES * 2);
    // Lines of the frame being filled: (offset in raw, length).
    let mut lines: Vec<(u32, u32)> = Vec::new();
    let mut flush = |raw: &mut Vec<u8>,
                     lines: &mut Vec<(u32, u32)>,
                     locs: &mut Vec<Loc>,
                     w: &mut dyn Write|
     -> std::io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let packed = lz4_flex::block::compress(raw);
        w.write_all(&(raw.len() as u32).to_le_bytes())?;
        w.write_all(&(packed.len() as u32).to_le_bytes())?;
        w.write_all(&crc32fast::hash(&packed).to_le_bytes())?;
        w.write_all(&packed)?;
        for &(at, len) in lines.iter() {
            locs.push(Loc {
                frame: offset,
                clen: packed.len() as u32,
                at,
                len,
            });
        }
        offset += (HEAD + packed.len()) as u64;
        raw.clear();
        lines.clear();
        Ok(())
    };
    for r in records {
        let at = raw.len();
        serde_json::to_writer(&mut raw, r).expect("records serialise");
        let len = raw.len() - at;
        raw.push(b'\n');
        lines.push((at as u32, len as u32));
        if raw.len() >= FRAME_BYTES {
            flush(&mut raw, &mut lines, &mut locs, w)?;
        }
    }
    flush(&mut raw, &mut lines, &mut locs, w)?;
    Ok(locs)
}

/// Why bytes are not a segment.
pub(crate) type Bad = String;

/// Decodes one frame starting at `bytes[0]` (its header): returns the raw
/// bytes and the frame's total length.
fn frame(bytes: &[u8]) -> std::result::Result<(Vec<u8>, usize), Bad> {
    let head = bytes
        .get(..HEAD)
        .ok_or_else(|| format!("a frame header is cut short ({} bytes)", bytes.len()))?;
    let word = |i: usize| u32::from_le_bytes(head[i..i + 4].try_into().expect("4 bytes"));
    let (raw_len, clen, crc) = (word(0) as usize, word(4) as usize, word(8));
    if raw_len > MAX_RAW {
        return Err(format!("a frame claims {raw_len} raw bytes"));
    }
    let packed = bytes
        .get(HEAD..HEAD + clen)
        .ok_or_else(|| format!("a frame of {clen} bytes is cut short"))?;
    inflate(packed, raw_len, crc).map(|raw| (raw, HEAD + clen))
}

/// Checks a frame's CRC and decompresses it.
fn inflate(packed: &[u8], raw_len: usize, crc: u32) -> std::result::Result<Vec<u8>, Bad> {
    if crc32fast::hash(packed) != crc {
        return Err("a frame's checksum does not match".into());
    }
    let mut raw = vec![0u8; raw_len];
    match lz4_flex::block::decompress_into(packed, &mut raw) {
        Ok(n) if n == raw_len => Ok(raw),
        Ok(n) => Err(format!("a frame inflates to {n} bytes, not {raw_len}")),
        Err(e) => Err(format!("a frame does not inflate: {e}")),
    }
}

/// A frame's raw bytes and where each of its lines lies.
pub(crate) type Frame = (Vec<u8>, Vec<Loc>);

/// Decompresses a whole segment: each frame's raw bytes with the [`Loc`] of
/// each of its lines. The caller parses the lines (in parallel) where they lie.
pub(crate) fn frames(bytes: &[u8]) -> std::result::Result<Vec<Frame>, Bad> {
    if !bytes.starts_with(MAGIC) {
        return Err("does not start with the segment magic".into());
    }
    let mut out = Vec::new();
    let mut offset = MAGIC.len();
    while offset < bytes.len() {
        let (raw, used) = frame(&bytes[offset..])?;
        let clen = (used - HEAD) as u32;
        let mut locs = Vec::new();
        let mut at = 0usize;
        while at < raw.len() {
            let end = raw[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|p| at + p)
                .ok_or("a frame's last line has no newline")?;
            locs.push(Loc {
                frame: offset as u64,
                clen,
                at: at as u32,
                len: (end - at) as u32,
            });
            at = end + 1;
        }
        out.push((raw, locs));
        offset += used;
    }
    Ok(out)
}

/// Reads and decompresses the frame that holds a record (checking its CRC).
pub(crate) fn read_frame(file: &std::fs::File, loc: Loc) -> std::result::Result<Vec<u8>, Bad> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; HEAD + loc.clen as usize];
    file.read_exact_at(&mut buf, loc.frame)
        .map_err(|e| e.to_string())?;
    frame(&buf).map(|(raw, _)| raw)
}

/// Parses the records of a segment file's bytes, naming the file and the
/// record's line (counted from 1 across the file) in errors.
pub(crate) fn parse<R: serde::de::DeserializeOwned + Send>(
    path: &Path,
    bytes: &[u8],
) -> Result<Vec<(Loc, R)>> {
    use rayon::prelude::*;
    let damaged = |what: String| Error::Index {
        path: path.to_path_buf(),
        message: format!("{what}: the index is damaged, rebuild it"),
    };
    let frames = frames(bytes).map_err(damaged)?;
    let lines: Vec<(&[u8], Loc)> = frames
        .iter()
        .flat_map(|(raw, locs)| {
            locs.iter()
                .map(move |l| (&raw[l.at as usize..(l.at + l.len) as usize], *l))
        })
        .collect();
    lines
        .into_par_iter()
        .enumerate()
        .map(|(i, (line, loc))| {
            serde_json::from_slice(line)
                .map(|r| (loc, r))
                .map_err(|e| damaged(format!("record {}: {e}", i + 1)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| serde_json::json!({"id": format!("C{i:05}"), "cv_text": "saldatore a filo ".repeat(i % 40)}))
            .collect()
    }

    #[test]
    fn records_read_back_whole_and_one_by_one() {
        let recs = sample(3000);
        let mut bytes = Vec::new();
        let locs = write(&mut bytes, &recs).unwrap();
        assert_eq!(locs.len(), recs.len());
        // Several frames, and smaller than the JSON.
        let frames: std::collections::BTreeSet<u64> = locs.iter().map(|l| l.frame).collect();
        assert!(frames.len() > 10, "{} frames", frames.len());
        let json: usize = recs.iter().map(|r| r.to_string().len() + 1).sum();
        assert!(
            bytes.len() * 3 < json,
            "{} bytes for {json} of JSON",
            bytes.len()
        );
        let back: Vec<(Loc, serde_json::Value)> = parse(Path::new("s.seg"), &bytes).unwrap();
        assert_eq!(
            back.iter().map(|b| &b.1).collect::<Vec<_>>(),
            recs.iter().collect::<Vec<_>>()
        );
        assert_eq!(back.iter().map(|b| b.0).collect::<Vec<_>>(), locs);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.seg");
        std::fs::write(&path, &bytes).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        for i in [0, 1, 777, 2999] {
            let (l, raw) = (locs[i], read_frame(&file, locs[i]).unwrap());
            let line = &raw[l.at as usize..(l.at + l.len) as usize];
            let r: serde_json::Value = serde_json::from_slice(line).unwrap();
            assert_eq!(r, recs[i]);
        }
    }

    #[test]
    fn every_flipped_byte_is_an_error_or_the_same_records() {
        let recs = sample(40);
        let mut bytes = Vec::new();
        write(&mut bytes, &recs).unwrap();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x41;
            match frames(&bad) {
                Err(_) => {}
                // A flip the CRC cannot see does not exist in the header's
                // lengths or the packed bytes: any success is a bug.
                Ok(_) => panic!("byte {i} flipped and the segment still decodes"),
            }
        }
        // A cut at a frame boundary loses whole records; anywhere else it is an error.
        for cut in 0..bytes.len() {
            let records = |f: Vec<Frame>| f.iter().map(|x| x.1.len()).sum::<usize>();
            assert!(frames(&bytes[..cut]).map_or(true, |f| records(f) < recs.len()));
        }
    }
}
