//! Reading the official ESCO CSV download: the zip files the ESCO portal publishes
//! (`ESCO dataset - v1.1.1 - classification - en - csv.zip`, `... - relations - csv.zip`),
//! their unzipped folders, or single CSV files, for one or more languages at once.
//!
//! Only the files rosa uses are read: `skills_<lang>.csv`, `occupations_<lang>.csv`,
//! `ISCOGroups_<lang>.csv`, `occupationSkillRelations.csv`, `skillSkillRelations.csv` and
//! `broaderRelationsSkillPillar.csv`. Everything else in a download is ignored.
//!
//! The zip reader is rosa's own (central directory, stored or deflated entries, inflated
//! with `miniz_oxide` under a size limit): a download is untrusted input, so every offset
//! is bounds-checked and an entry larger than [`MAX_ENTRY_BYTES`] is refused.

use std::path::{Path, PathBuf};

use super::TaxonomyError;

/// Largest CSV file rosa inflates or reads (the largest ESCO file, the English
/// `occupationSkillRelations.csv`, is 21 MB).
pub const MAX_ENTRY_BYTES: usize = 256 << 20;

/// What a file of the download holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// `skills_<lang>.csv`.
    Skills(String),
    /// `occupations_<lang>.csv`.
    Occupations(String),
    /// `ISCOGroups_<lang>.csv`.
    IscoGroups(String),
    /// `occupationSkillRelations.csv`.
    OccupationSkills,
    /// `skillSkillRelations.csv`.
    SkillSkills,
    /// `broaderRelationsSkillPillar.csv`.
    SkillBroader,
}

impl Role {
    /// The role of a file by its base name, `None` for files rosa does not read.
    pub fn of(name: &str) -> Option<Role> {
        let lang = |prefix: &str| {
            let rest = name.strip_prefix(prefix)?.strip_suffix(".csv")?;
            (rest.len() >= 2
                && rest.len() <= 8
                && rest.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
            .then(|| rest.to_ascii_lowercase())
        };
        match name {
            "occupationSkillRelations.csv" => Some(Role::OccupationSkills),
            "skillSkillRelations.csv" => Some(Role::SkillSkills),
            "broaderRelationsSkillPillar.csv" => Some(Role::SkillBroader),
            _ => lang("skills_")
                .map(Role::Skills)
                .or_else(|| lang("occupations_").map(Role::Occupations))
                .or_else(|| lang("ISCOGroups_").map(Role::IscoGroups)),
        }
    }
}

/// One CSV file of the download, read whole.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// What it holds.
    pub role: Role,
    /// Where it came from, for errors: `path` or `archive.zip!name`.
    pub origin: String,
    /// The ESCO version named by the path (`v1.1.1`), if any.
    pub version: Option<String>,
    /// Its text (UTF-8, byte-order mark removed).
    pub text: String,
}

/// Reads every file rosa uses from `paths` (zips, folders or CSV files). Errors name the
/// path; a path that holds no ESCO file at all is an error too.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<SourceFile>, TaxonomyError> {
    let mut out = Vec::new();
    for path in paths {
        let before = out.len();
        let version = version_in(&path.to_string_lossy());
        let meta = std::fs::metadata(path)
            .map_err(|e| TaxonomyError::file(path.display(), format!("cannot read: {e}")))?;
        if meta.is_dir() {
            let mut names: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| TaxonomyError::file(path.display(), format!("cannot list: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            names.sort();
            for file in names {
                let Some(role) = file.file_name().and_then(|n| n.to_str()).and_then(Role::of)
                else {
                    continue;
                };
                let version = version_in(&file.to_string_lossy()).or(version.clone());
                out.push(read_plain(&file, role, version)?);
            }
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        {
            let bytes = read_bounded(path)?;
            for (name, data) in unzip(&bytes, &path.display().to_string())? {
                let base = name.rsplit('/').next().unwrap_or(&name);
                let Some(role) = Role::of(base) else { continue };
                let origin = format!("{}!{name}", path.display());
                out.push(SourceFile {
                    role,
                    text: to_text(data, &origin)?,
                    origin,
                    version: version.clone(),
                });
            }
        } else {
            let base = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let role = Role::of(base).ok_or_else(|| {
                TaxonomyError::file(
                    path.display(),
                    "not an ESCO file rosa reads (skills_<lang>.csv, occupations_<lang>.csv, \
                     ISCOGroups_<lang>.csv, occupationSkillRelations.csv, skillSkillRelations.csv, \
                     broaderRelationsSkillPillar.csv), a folder or a zip of them",
                )
            })?;
            out.push(read_plain(path, role, version)?);
        }
        if out.len() == before {
            return Err(TaxonomyError::file(
                path.display(),
                "holds no ESCO CSV file rosa reads (skills_<lang>.csv, occupations_<lang>.csv, ...)",
            ));
        }
    }
    Ok(out)
}

/// `v1.1.1` in `ESCO dataset - v1.1.1 - classification - en - csv.zip` or `it-v1.0.8/`.
fn version_in(path: &str) -> Option<String> {
    let b = path.as_bytes();
    let mut best = None;
    for i in 0..b.len() {
        let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if !(boundary && (b[i] == b'v' || b[i] == b'V')) {
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
            j += 1;
        }
        let v = path[i + 1..j].trim_end_matches('.');
        if v.contains('.') && v.bytes().next().is_some_and(|c| c.is_ascii_digit()) {
            best = Some(format!("v{v}"));
        }
    }
    best
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, TaxonomyError> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| TaxonomyError::file(path.display(), format!("cannot read: {e}")))?;
    if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(TaxonomyError::file(path.display(), "not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_ENTRY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| TaxonomyError::file(path.display(), format!("cannot read: {e}")))?;
    if bytes.len() > MAX_ENTRY_BYTES {
        return Err(TaxonomyError::file(
            path.display(),
            format!("larger than {} MiB", MAX_ENTRY_BYTES >> 20),
        ));
    }
    Ok(bytes)
}

fn read_plain(
    path: &Path,
    role: Role,
    version: Option<String>,
) -> Result<SourceFile, TaxonomyError> {
    let origin = path.display().to_string();
    let bytes = read_bounded(path)?;
    Ok(SourceFile {
        role,
        text: to_text(bytes, &origin)?,
        origin,
        version,
    })
}

fn to_text(bytes: Vec<u8>, origin: &str) -> Result<String, TaxonomyError> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        TaxonomyError::at(origin, line, None, "not valid UTF-8")
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}

fn le16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn le32(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// The CSV entries of a zip archive: (name, bytes) in central-directory order. Only
/// entries whose base name rosa reads are inflated.
pub fn unzip(bytes: &[u8], origin: &str) -> Result<Vec<(String, Vec<u8>)>, TaxonomyError> {
    let bad = |m: &str| TaxonomyError::file(origin, format!("not a readable zip archive: {m}"));
    // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
    let low = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (low..=bytes.len().saturating_sub(22))
        .rev()
        .find(|&i| bytes[i..].starts_with(&[0x50, 0x4b, 0x05, 0x06]))
        .ok_or_else(|| bad("no end of central directory"))?;
    let count = le16(bytes, eocd + 10).ok_or_else(|| bad("truncated"))?;
    let mut at = le32(bytes, eocd + 16).ok_or_else(|| bad("truncated"))?;
    let mut out = Vec::new();
    for _ in 0..count {
        if !bytes
            .get(at..)
            .is_some_and(|b| b.starts_with(&[0x50, 0x4b, 0x01, 0x02]))
        {
            return Err(bad("damaged central directory"));
        }
        let field = |off: usize, four: bool| {
            if four {
                le32(bytes, at + off)
            } else {
                le16(bytes, at + off)
            }
            .ok_or_else(|| bad("truncated central directory"))
        };
        let method = field(10, false)?;
        let compressed = field(20, true)?;
        let size = field(24, true)?;
        let (name_len, extra_len, comment_len) =
            (field(28, false)?, field(30, false)?, field(32, false)?);
        let local = field(42, true)?;
        let name = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| bad("truncated entry name"))?;
        let name = String::from_utf8_lossy(name).into_owned();
        at += 46 + name_len + extra_len + comment_len;
        let base = name.rsplit('/').next().unwrap_or(&name);
        if Role::of(base).is_none() {
            continue;
        }
        if size > MAX_ENTRY_BYTES || compressed > MAX_ENTRY_BYTES {
            return Err(TaxonomyError::file(
                format!("{origin}!{name}"),
                format!("larger than {} MiB", MAX_ENTRY_BYTES >> 20),
            ));
        }
        if !bytes
            .get(local..)
            .is_some_and(|b| b.starts_with(&[0x50, 0x4b, 0x03, 0x04]))
        {
            return Err(bad("damaged local header"));
        }
        let data_at = local
            + 30
            + le16(bytes, local + 26).ok_or_else(|| bad("truncated local header"))?
            + le16(bytes, local + 28).ok_or_else(|| bad("truncated local header"))?;
        let data = data_at
            .checked_add(compressed)
            .and_then(|end| bytes.get(data_at..end))
            .ok_or_else(|| bad("truncated entry"))?;
        let inflated = match method {
            0 => data.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(data, MAX_ENTRY_BYTES)
                .map_err(|_| bad(&format!("{name}: damaged deflate stream")))?,
            m => {
                return Err(bad(&format!(
                    "{name}: compression method {m} is not supported"
                )))
            }
        };
        if inflated.len() != size {
            return Err(bad(&format!("{name}: size differs from the directory")));
        }
        out.push((name, inflated));
    }
    Ok(out)
}

/// One CSV file's records with named columns.
pub struct Table<'a> {
    origin: &'a str,
    header: Vec<String>,
    records: Vec<(usize, Vec<String>)>,
}

impl<'a> Table<'a> {
    /// Parses a whole file (RFC 4180; quoted cells may span lines). Errors name the file
    /// and the line.
    pub fn parse(file: &'a SourceFile) -> Result<Table<'a>, TaxonomyError> {
        let text = file.text.as_str();
        let mut pos = 0;
        let mut line = 1;
        let mut header = None;
        let mut records = Vec::new();
        while pos < text.len() {
            let (fields, end, closed) = crate::taxonomy::parse_csv_record(text, pos);
            let start_line = line;
            line += text.as_bytes()[pos..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            pos = end;
            if !closed {
                return Err(TaxonomyError::at(
                    &file.origin,
                    start_line,
                    None,
                    "unclosed quoted cell",
                ));
            }
            if fields.len() == 1 && fields[0].trim().is_empty() {
                continue;
            }
            if header.is_none() {
                header = Some(fields.into_iter().map(|f| f.trim().to_string()).collect());
            } else {
                records.push((start_line, fields));
            }
        }
        Ok(Table {
            origin: &file.origin,
            header: header.ok_or_else(|| TaxonomyError::at(&file.origin, 1, None, "empty file"))?,
            records,
        })
    }

    /// The index of a column, or an error naming the file and the missing column.
    pub fn column(&self, name: &str) -> Result<usize, TaxonomyError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            TaxonomyError::at(
                self.origin,
                1,
                Some(name),
                format!("missing column (header: {})", self.header.join(",")),
            )
        })
    }

    /// Every record as (line, fields); a record with fewer fields than the header is an
    /// error naming the line and the first missing column.
    pub fn rows(&self) -> impl Iterator<Item = Result<(usize, &[String]), TaxonomyError>> + '_ {
        self.records.iter().map(move |(line, fields)| {
            if fields.len() < self.header.len() {
                return Err(TaxonomyError::at(
                    self.origin,
                    *line,
                    Some(&self.header[fields.len()]),
                    format!(
                        "{} fields, the header has {}",
                        fields.len(),
                        self.header.len()
                    ),
                ));
            }
            Ok((*line, fields.as_slice()))
        })
    }

    /// Where the table came from.
    pub fn origin(&self) -> &str {
        self.origin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_the_published_file_names() {
        assert_eq!(Role::of("skills_en.csv"), Some(Role::Skills("en".into())));
        assert_eq!(
            Role::of("occupations_it.csv"),
            Some(Role::Occupations("it".into()))
        );
        assert_eq!(
            Role::of("ISCOGroups_pt-PT.csv"),
            Some(Role::IscoGroups("pt-pt".into()))
        );
        assert_eq!(
            Role::of("occupationSkillRelations.csv"),
            Some(Role::OccupationSkills)
        );
        assert_eq!(Role::of("skillGroups_en.csv"), None);
        assert_eq!(Role::of("skills_.csv"), None);
    }

    #[test]
    fn versions_are_read_from_the_path() {
        assert_eq!(
            version_in("/x/ESCO dataset - v1.1.1 - classification - en - csv.zip").as_deref(),
            Some("v1.1.1")
        );
        assert_eq!(
            version_in("/d/esco/it-v1.0.8/occupations_it.csv").as_deref(),
            Some("v1.0.8")
        );
        assert_eq!(version_in("/tmp/dev/esco"), None);
    }

    #[test]
    fn a_damaged_zip_is_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"PK\x05\x06",
            &[
                0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 9, 0, 9, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0,
            ][..],
        ] {
            assert!(unzip(bytes, "x.zip").is_err());
        }
    }
}
