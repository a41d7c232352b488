//! Readers: `.jsonl` files and streams (parallel chunks, bounded lines, a byte-order
//! mark skipped), quarantine of bad lines, single-record JSON files.

use serde::Serialize;

use crate::error::{Error, FieldError, InputErrors};

use super::*;

/// Parses and validates every line of a `.jsonl` text. Blank lines are skipped.
/// Duplicate ids are errors. Either every record is valid and all are returned,
/// or the errors (every bad line, up to [`InputErrors::LIMIT`]) are.
///
/// Lines are split as [`read_jsonl_from`] splits them (`\n` or `\r\n`).
pub fn parse_jsonl<R: Record + Send>(text: &str, file: &str) -> Result<Vec<R>, Error> {
    read_jsonl_from(text.as_bytes(), file)
}

/// Reads a `.jsonl` file and parses it with [`read_jsonl_from`]: the file is
/// streamed, so a huge file or a huge line costs no more memory than its
/// records (a line longer than [`MAX_LINE_BYTES`] is skipped and reported).
pub fn read_jsonl<R: Record + Send>(path: &std::path::Path) -> Result<Vec<R>, Error> {
    let f = open_input(path)?;
    read_jsonl_from(
        std::io::BufReader::with_capacity(1 << 20, f),
        &path.display().to_string(),
    )
}

/// Opens an input file, refusing anything but a regular file: a FIFO would
/// block (or never end), `/dev/zero` never ends, a directory is a mistake. The
/// path is checked before opening (opening a FIFO blocks until a writer comes)
/// and the opened file again. The error is a user error naming the path.
pub fn open_input(path: &std::path::Path) -> Result<std::fs::File, Error> {
    let not_regular = |t: std::fs::FileType| {
        Error::input(
            FieldError::new(
                "-",
                format!(
                    "not a regular file ({}): inputs are read from regular files",
                    file_kind(t)
                ),
            )
            .at(&path.display().to_string(), 0, "-"),
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = f.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    Ok(f)
}

/// What a file that is not regular is, in words.
pub(crate) fn file_kind(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Lines parsed together in parallel: at most this many...
const CHUNK_LINES: usize = 4096;
/// ...or this many bytes.
const CHUNK_BYTES: usize = 16 * 1024 * 1024;

/// One line of a `.jsonl` input, as cut by [`next_line`].
enum Line {
    /// The line's bytes (without `\n` / `\r\n`) are in the buffer.
    Text,
    /// The line has this many bytes, more than [`MAX_LINE_BYTES`]; the buffer
    /// holds its first bytes only, the rest was skipped.
    TooLong(u64),
}

/// Reads the next line into `buf`, keeping at most [`MAX_LINE_BYTES`] + 2 bytes
/// of it in memory; `None` at the end of the input.
fn next_line(
    reader: &mut impl std::io::BufRead,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Line>> {
    use std::io::{BufRead, Read};
    buf.clear();
    let cap = MAX_LINE_BYTES as u64 + 2;
    let n = reader.by_ref().take(cap).read_until(b'\n', buf)? as u64;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if n == cap {
        // The line goes on: skip the rest without keeping it.
        let mut total = n;
        loop {
            let avail = reader.fill_buf()?;
            if avail.is_empty() {
                break;
            }
            match avail.iter().position(|&b| b == b'\n') {
                Some(p) => {
                    total += p as u64;
                    reader.consume(p + 1);
                    break;
                }
                None => {
                    let len = avail.len();
                    total += len as u64;
                    reader.consume(len);
                }
            }
        }
        return Ok(Some(Line::TooLong(total)));
    }
    if buf.len() > MAX_LINE_BYTES {
        return Ok(Some(Line::TooLong(buf.len() as u64)));
    }
    Ok(Some(Line::Text))
}

/// The id of a record from the part of its text that was read, when it holds
/// a top-level-looking `"id": "<valid id>"` (after `{` or `,`): names a record
/// too long or too broken to parse. Best effort; `None` when unsure.
pub(super) fn sniff_id(prefix: &[u8]) -> Option<String> {
    let mut from = 0;
    while let Some(p) = prefix[from..].windows(4).position(|w| w == b"\"id\"") {
        let at = from + p;
        from = at + 1;
        let before = prefix[..at].iter().rev().find(|b| !b.is_ascii_whitespace());
        if !matches!(before, Some(b'{') | Some(b',')) {
            continue;
        }
        if let Some(id) = id_after_key(&prefix[at + 4..]) {
            return Some(id);
        }
    }
    None
}

/// The valid id in `: "<id>"` at the start of `rest` (whitespace allowed).
fn id_after_key(rest: &[u8]) -> Option<String> {
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let rest = rest.strip_prefix(b":")?;
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    let id = std::str::from_utf8(&rest[..end]).ok()?;
    is_valid_id(id).then(|| id.to_string())
}

/// The UTF-8 byte-order mark that office tools and Windows exports put at the
/// start of a file; accepted (and skipped) at the start of any JSON or JSONL input.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Skips a byte-order mark at the start of `reader`, if there is one. (A
/// buffered reader holds at least the first 3 bytes of any input longer than
/// that; one that does not is not JSON with a mark anyway.)
fn skip_bom(reader: &mut impl std::io::BufRead) -> std::io::Result<()> {
    if reader.fill_buf()?.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    Ok(())
}

/// Parses and validates every line of a `.jsonl` stream: the engine's one
/// JSONL reader ([`read_jsonl`] and [`parse_jsonl`] use it).
///
/// Lines end with `\n` or `\r\n`; blank lines are skipped, and so is a UTF-8
/// byte-order mark at the start. A line longer than
/// [`MAX_LINE_BYTES`] is an error naming its line (and its id when the first
/// bytes show it), and is never held whole in memory; so is a line that is not
/// UTF-8. Duplicate ids are errors. Either every record is valid and all are
/// returned, or the errors (every bad line, up to [`InputErrors::LIMIT`]) are.
pub fn read_jsonl_from<R: Record + Send>(
    reader: impl std::io::BufRead,
    file: &str,
) -> Result<Vec<R>, Error> {
    let mut errors = InputErrors::default();
    let mut out = Vec::new();
    read_lines(reader, file, |line| match line {
        Ok(rec) => {
            if errors.is_empty() {
                out.push(rec);
            }
        }
        Err(bad) => {
            errors.extend(bad.errors);
            // The records will not be returned: stop holding them.
            out = Vec::new();
        }
    })?;
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Input(errors))
    }
}

/// Longest part of a bad line kept in a [`Reject`], in bytes.
pub const MAX_REJECT_RAW_BYTES: usize = 4096;

/// A line set aside by [`read_jsonl_quarantine`] (`--rejects`): where it was,
/// its id when readable, every error found, and its text clipped to
/// [`MAX_REJECT_RAW_BYTES`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    /// 1-based line number in the input.
    pub line: usize,
    /// The record's id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Every error of the line: field and message.
    pub errors: Vec<RejectError>,
    /// The line as read (invalid UTF-8 replaced), clipped to
    /// [`MAX_REJECT_RAW_BYTES`] with `...`.
    pub raw: String,
    /// The line's length in bytes.
    pub bytes: u64,
}

/// One error of a rejected line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectError {
    /// Dotted path of the field, `-` for the whole record.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Reject {
    fn new(line: usize, errors: Vec<FieldError>, raw: &[u8], bytes: u64) -> Reject {
        let id = errors
            .iter()
            .map(|e| e.record_id.as_str())
            .find(|id| *id != "-")
            .map(str::to_string)
            .or_else(|| sniff_id(raw));
        Reject {
            line,
            id,
            errors: errors
                .into_iter()
                .map(|e| RejectError {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
            raw: crate::error::clip(
                String::from_utf8_lossy(&raw[..raw.len().min(MAX_REJECT_RAW_BYTES)]).into_owned(),
                MAX_REJECT_RAW_BYTES,
            ),
            bytes,
        }
    }
}

/// Reads a `.jsonl` stream like [`read_jsonl_from`], but sets bad lines aside
/// instead of failing: returns the valid records and, in input order, the
/// rejected lines (a duplicate id rejects the later line). Only a failure to
/// read the input is an error.
pub fn read_jsonl_quarantine<R: Record + Send>(
    reader: impl std::io::BufRead,
    file: &str,
) -> Result<(Vec<R>, Vec<Reject>), Error> {
    let mut out = Vec::new();
    let mut rejects = Vec::new();
    read_lines(reader, file, |line| match line {
        Ok(rec) => out.push(rec),
        Err(bad) => rejects.push(Reject::new(bad.line, bad.errors, &bad.raw, bad.bytes)),
    })?;
    Ok((out, rejects))
}

/// A line that did not give a valid record.
struct BadLine {
    line: usize,
    errors: Vec<FieldError>,
    /// The line's first bytes (all of it unless too long).
    raw: Vec<u8>,
    bytes: u64,
}

/// The one JSONL reader: parses lines in parallel chunks and hands each
/// record, or each bad line, to `each` in input order.
fn read_lines<R: Record + Send>(
    mut reader: impl std::io::BufRead,
    file: &str,
    mut each: impl FnMut(Result<R, BadLine>),
) -> Result<(), Error> {
    use rayon::prelude::*;
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut chunk: Vec<(usize, String)> = Vec::new();
    let mut chunk_bytes = 0usize;
    let mut buf: Vec<u8> = Vec::new();
    let mut line_no = 0usize;
    skip_bom(&mut reader).map_err(|e| Error::io(file, e))?;
    let mut flush = |chunk: &mut Vec<(usize, String)>, each: &mut dyn FnMut(Result<R, BadLine>)| {
        let parsed: Vec<Result<R, Vec<FieldError>>> = chunk
            .par_iter()
            .map(|(n, l)| parse_record::<R>(l, file, *n))
            .collect();
        for ((line, text), r) in chunk.drain(..).zip(parsed) {
            let bad = |errors| BadLine {
                line,
                errors,
                bytes: text.len() as u64,
                raw: text.as_bytes()[..text.len().min(MAX_REJECT_RAW_BYTES + 4)].to_vec(),
            };
            match r {
                Ok(rec) => match seen.insert(rec.id().to_string(), line) {
                    Some(first) => {
                        // The first line with the id keeps it.
                        seen.insert(rec.id().to_string(), first);
                        each(Err(bad(vec![FieldError::new(
                            "id",
                            format!("duplicate id, first seen on line {first}"),
                        )
                        .at(file, line, rec.id())])))
                    }
                    None => each(Ok(rec)),
                },
                Err(es) => each(Err(bad(es))),
            }
        }
    };
    loop {
        let line = next_line(&mut reader, &mut buf).map_err(|e| Error::io(file, e))?;
        let Some(line) = line else { break };
        line_no += 1;
        let bad = |e: FieldError, bytes: u64| BadLine {
            line: line_no,
            errors: vec![e],
            raw: buf[..buf.len().min(MAX_REJECT_RAW_BYTES + 4)].to_vec(),
            bytes,
        };
        match line {
            Line::TooLong(len) => each(Err(bad(
                FieldError::new(
                    "-",
                    format!("line is {len} bytes, at most {MAX_LINE_BYTES} (MAX_LINE_BYTES)"),
                )
                .at(file, line_no, sniff_id(&buf).as_deref().unwrap_or("-")),
                len,
            ))),
            Line::Text => match std::str::from_utf8(&buf) {
                Err(e) => each(Err(bad(
                    FieldError::new(
                        "-",
                        format!("not valid UTF-8 (byte {} of the line)", e.valid_up_to() + 1),
                    )
                    .at(
                        file,
                        line_no,
                        sniff_id(&buf).as_deref().unwrap_or("-"),
                    ),
                    buf.len() as u64,
                ))),
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => {
                    chunk_bytes += text.len();
                    chunk.push((line_no, text.to_string()));
                    if chunk.len() >= CHUNK_LINES || chunk_bytes >= CHUNK_BYTES {
                        flush(&mut chunk, &mut each);
                        chunk_bytes = 0;
                    }
                }
            },
        }
    }
    flush(&mut chunk, &mut each);
    Ok(())
}

/// Reads a single JSON record (a vacancy file, pretty-printed or not) with
/// [`read_json_from`].
pub fn read_json<R: Record>(path: &std::path::Path) -> Result<R, Error> {
    let f = open_input(path)?;
    read_json_from(f, &path.display().to_string())
}

/// Parses and validates a single JSON record from `reader`. At most
/// [`MAX_LINE_BYTES`] are read: a larger input is an error, found without
/// reading it whole.
pub fn read_json_from<R: Record>(reader: impl std::io::Read, file: &str) -> Result<R, Error> {
    use std::io::Read;
    let one = |e: FieldError| {
        let mut all = InputErrors::default();
        all.push(e);
        Error::Input(all)
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(file, e))?;
    if bytes.len() > MAX_LINE_BYTES {
        return Err(one(FieldError::new(
            "-",
            format!("record is more than {MAX_LINE_BYTES} bytes (MAX_LINE_BYTES)"),
        )
        .at(file, 0, sniff_id(&bytes).as_deref().unwrap_or("-"))));
    }
    let bytes = bytes.strip_prefix(BOM).unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        one(FieldError::new("-", "not valid UTF-8").at(file, line, "-"))
    })?;
    parse_record::<R>(text.trim(), file, 0).map_err(|es| {
        let mut all = InputErrors::default();
        all.extend(es);
        Error::Input(all)
    })
}
