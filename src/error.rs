//! Errors, one enum per layer.
//!
//! User errors (bad input that the caller can fix) are kept apart from internal
//! and IO errors, so that adapters can map them to exit code 2 or
//! `INVALID_ARGUMENT` without looking at messages.

use std::fmt;
use std::path::PathBuf;

/// One problem found in one input record: where it is and what is wrong.
///
/// Displays as `file:line: id: field: message`, e.g.
/// `candidates.jsonl:1042: C0193: availability.max_km: must be 0..=500, got 900`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// File name (or `<memory>` / `<request>` for records passed in directly).
    pub file: String,
    /// 1-based line number; 0 when the record did not come from a line-based file.
    pub line: usize,
    /// Record id when it could be read, `-` otherwise.
    pub record_id: String,
    /// Dotted path of the offending field (`skills[2].esco`), `-` for the whole record.
    pub field: String,
    /// What is wrong, with the limit that was broken.
    pub message: String,
}

/// Cuts `s` to at most `max` bytes (on a char boundary), marking the cut with `...`.
///
/// Error messages echo what the input held (a bad code, a serde message quoting
/// a value); hostile input must not turn one error into megabytes of text.
pub fn clip(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max.saturating_sub(3);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("...");
    }
    s
}

/// `s` with every control character (newline, carriage return, escape...)
/// written as a Rust escape (`\n`, `\u{1b}`), so that an id or a field taken
/// from the input cannot split an error line or drive a terminal. Other
/// characters are kept as they are.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

impl FieldError {
    /// Longest field path kept, in bytes (longer ones are clipped with `...`).
    pub const MAX_FIELD_BYTES: usize = 200;
    /// Longest message kept, in bytes (longer ones are clipped with `...`).
    pub const MAX_MESSAGE_BYTES: usize = 1000;
    /// Longest record id shown, in bytes (a valid id has at most 64).
    pub const MAX_ID_BYTES: usize = 67;

    /// A field error without a location yet; [`FieldError::at`] fills it in.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            file: String::new(),
            line: 0,
            record_id: "-".into(),
            field: clip(escape(&field.into()).into_owned(), Self::MAX_FIELD_BYTES),
            message: clip(
                escape(&message.into()).into_owned(),
                Self::MAX_MESSAGE_BYTES,
            ),
        }
    }

    /// Sets file, line and record id.
    pub fn at(mut self, file: &str, line: usize, record_id: &str) -> Self {
        self.file = escape(file).into_owned();
        self.line = line;
        self.record_id = if record_id.is_empty() {
            "-".into()
        } else {
            clip(escape(record_id).into_owned(), Self::MAX_ID_BYTES)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = if self.file.is_empty() {
            "<input>"
        } else {
            &self.file
        };
        if self.line > 0 {
            write!(
                f,
                "{}:{}: {}: {}: {}",
                file, self.line, self.record_id, self.field, self.message
            )
        } else {
            write!(
                f,
                "{}: {}: {}: {}",
                file, self.record_id, self.field, self.message
            )
        }
    }
}

/// Every problem found in an input, up to [`InputErrors::LIMIT`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputErrors {
    /// The errors, in input order.
    pub errors: Vec<FieldError>,
    /// How many more were found but not kept.
    pub more: usize,
}

impl InputErrors {
    /// How many errors are kept; the rest are only counted.
    pub const LIMIT: usize = 100;

    /// Adds an error, counting it once the limit is reached.
    pub fn push(&mut self, e: FieldError) {
        if self.errors.len() < Self::LIMIT {
            self.errors.push(e);
        } else {
            self.more += 1;
        }
    }

    /// Adds several errors.
    pub fn extend(&mut self, es: impl IntoIterator<Item = FieldError>) {
        for e in es {
            self.push(e);
        }
    }

    /// True when no error was found.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.more == 0
    }

    /// Total number of errors found.
    pub fn count(&self) -> usize {
        self.errors.len() + self.more
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.more > 0 {
            write!(f, "\n... and {} more errors", self.more)?;
        }
        Ok(())
    }
}

/// A problem in the reference data shipped in `data/` (a bug in the build, not user input).
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ReferenceError {
    /// Which reference file.
    pub file: &'static str,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The library's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input records: every bad line, up to a limit. Nothing was changed.
    #[error("{0}")]
    Input(InputErrors),
    /// A bad policy file or value.
    #[error("policy: {0}")]
    Policy(String),
    /// A request that cannot be answered as asked (unknown candidate, bad argument).
    #[error("{0}")]
    NotFound(String),
    /// The index directory is missing, corrupted or from another version.
    #[error("index {path}: {message}")]
    Index {
        /// The index directory or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A feature asked for that this version does not provide.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The full-text engine failed (said in rosa's words: tantivy's own
    /// messages never reach a user as they are).
    #[error("text index: {0}")]
    Text(String),
    /// The caller went away before the commit's point of no return: nothing
    /// was committed.
    #[error("cancelled before the commit: nothing was committed")]
    Cancelled,
    /// Another process is committing to the index and did not finish within
    /// the wait (`--wait`).
    #[error(
        "index is being written by {holder} ({path}): try again later, or wait longer with --wait"
    )]
    Locked {
        /// The index directory.
        path: PathBuf,
        /// `pid N since T`, as the holder wrote it.
        holder: String,
    },
    /// The ESCO download given is missing or malformed, or an index was built with
    /// another taxonomy than the one in use.
    #[error("taxonomy: {0}")]
    Taxonomy(String),
    /// Reference data is broken.
    #[error("reference data: {0}")]
    Reference(#[from] ReferenceError),
}

impl From<tantivy::TantivyError> for Error {
    /// tantivy's error in rosa's words (its own text names tantivy's internals:
    /// lock files, segment files, `IndexWriter`).
    fn from(e: tantivy::TantivyError) -> Self {
        use tantivy::TantivyError as T;
        let what = match &e {
            T::LockFailure(..) => {
                "another process is writing it (its writer lock is taken)".to_string()
            }
            T::IoError(io) => format!("reading or writing its files failed: {}", io.kind()),
            T::OpenReadError(_) | T::OpenWriteError(_) | T::OpenDirectoryError(_) => {
                "one of its files could not be opened: it is rebuilt from the records on the next open"
                    .to_string()
            }
            T::DataCorruption(_) | T::IncompatibleIndex(_) => {
                "its files are damaged: it is rebuilt from the records on the next open".to_string()
            }
            T::IndexAlreadyExists => "it already exists".to_string(),
            T::Poisoned => "a thread writing it failed".to_string(),
            _ => "the full-text engine failed".to_string(),
        };
        Error::Text(what)
    }
}

impl Error {
    /// True for errors the caller caused and can fix (bad input, bad policy, unknown id).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::Input(_) | Error::Policy(_) | Error::NotFound(_) | Error::Taxonomy(_)
        )
    }

    /// A single input error.
    pub fn input(e: FieldError) -> Self {
        let mut es = InputErrors::default();
        es.push(e);
        Error::Input(es)
    }

    /// Wraps an IO error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
