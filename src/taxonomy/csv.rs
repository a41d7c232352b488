//! The CSV reader of the embedded reference files (RFC 4180 quoting), and errors that
//! name file and line.

use crate::error::ReferenceError;

/// Parses one CSV record (RFC 4180 quoting) that starts at byte `start` of `text`.
///
/// Returns the fields, the byte offset just past the record's terminating newline (or the
/// end of `text`) and whether every quoted field was closed. A quote opens a quoted field
/// only at the start of a field; inside one, `""` is a literal quote and newlines and
/// commas are data. A `\r` before the terminating newline is dropped.
pub(crate) fn parse_csv_record(text: &str, start: usize) -> (Vec<String>, usize, bool) {
    let bytes = text.as_bytes();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut field_start = start;
    let mut seg_start = start;
    let mut in_quotes = false;
    let mut i = start;
    // Only ASCII bytes are ever compared, so every slice boundary is a char boundary.
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                field.push_str(&text[seg_start..i]);
                if bytes.get(i + 1) == Some(&b'"') {
                    field.push('"');
                    i += 2;
                } else {
                    in_quotes = false;
                    i += 1;
                }
                seg_start = i;
            } else {
                i += 1;
            }
            continue;
        }
        match b {
            b',' => {
                field.push_str(&text[seg_start..i]);
                fields.push(std::mem::take(&mut field));
                i += 1;
                field_start = i;
                seg_start = i;
            }
            b'\n' => {
                let end = if i > seg_start && bytes[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                field.push_str(&text[seg_start..end]);
                fields.push(field);
                return (fields, i + 1, true);
            }
            b'"' if i == field_start => {
                in_quotes = true;
                i += 1;
                seg_start = i;
            }
            _ => i += 1,
        }
    }
    let tail = &text[seg_start..];
    field.push_str(if in_quotes {
        tail
    } else {
        tail.strip_suffix('\r').unwrap_or(tail)
    });
    fields.push(field);
    (fields, bytes.len(), !in_quotes)
}

/// Splits one CSV record into its fields: commas separate fields, a field that starts with
/// `"` is quoted (it may contain commas, newlines and `""` for a literal quote), and a
/// trailing `\r\n` or `\n` is ignored. Never fails: an unclosed quote runs to the end of
/// the line.
pub(crate) fn split_csv_line(line: &str) -> Vec<String> {
    parse_csv_record(line, 0).0
}

/// The records of a CSV text with the 1-based line each one starts on; quoted fields may
/// span lines. Blank lines are skipped and a leading byte-order mark is ignored.
pub(super) struct CsvRecords<'a> {
    pub(super) text: &'a str,
    pub(super) file: &'static str,
    pos: usize,
    pub(super) line: usize,
}

impl<'a> CsvRecords<'a> {
    pub(super) fn new(text: &'a str, file: &'static str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        CsvRecords {
            text,
            file,
            pos: 0,
            line: 1,
        }
    }
}

impl Iterator for CsvRecords<'_> {
    type Item = Result<(usize, Vec<String>), ReferenceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.pos >= self.text.len() {
                return None;
            }
            let line = self.line;
            let (fields, end, closed) = parse_csv_record(self.text, self.pos);
            self.line += self.text[self.pos..end]
                .bytes()
                .filter(|&b| b == b'\n')
                .count();
            self.pos = end;
            if !closed {
                self.pos = self.text.len();
                return Some(Err(ReferenceError {
                    file: self.file,
                    line,
                    message: "unclosed quoted field".into(),
                }));
            }
            if fields.len() == 1 && fields[0].trim().is_empty() {
                continue;
            }
            return Some(Ok((line, fields)));
        }
    }
}

/// Checks that the first record of a reference file is exactly `expected`.
pub(super) fn check_header(
    header: Option<&[String]>,
    expected: &[&str],
    file: &'static str,
) -> Result<(), ReferenceError> {
    let found: Vec<&str> = header.unwrap_or(&[]).iter().map(|h| h.trim()).collect();
    if found != expected {
        return Err(ReferenceError {
            file,
            line: 1,
            message: format!(
                "header must be `{}`, got `{}`",
                expected.join(","),
                found.join(",")
            ),
        });
    }
    Ok(())
}

pub(super) fn ref_err(
    file: &'static str,
    line: usize,
    message: impl Into<String>,
) -> ReferenceError {
    ReferenceError {
        file,
        line,
        message: message.into(),
    }
}
