//! Disk-full injection for tests of the commit protocol (doc-hidden).
//!
//! With `ROSA_FAIL_WRITES_FROM=N` in the environment, the N-th write step of
//! the commit path in this process and every one after it fail with "No space
//! left on device", as a full disk does: a segment or manifest write, a sync,
//! a rename, the audit append, the `CURRENT` switch, the text commit, the
//! snapshot. The tests then check that the exit code says what landed. Unset,
//! [`check`] costs one relaxed atomic load.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::error::{Error, Result};

static FROM: OnceLock<u64> = OnceLock::new();
static STEPS: AtomicU64 = AtomicU64::new(0);

fn from() -> u64 {
    *FROM.get_or_init(|| {
        std::env::var("ROSA_FAIL_WRITES_FROM")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    })
}

/// One write step on `path`: an error once the injected disk is full.
pub fn check(path: &Path) -> Result<()> {
    let from = from();
    if from == 0 {
        return Ok(());
    }
    let step = STEPS.fetch_add(1, Ordering::Relaxed) + 1;
    if step >= from {
        return Err(Error::io(
            path,
            std::io::Error::from_raw_os_error(28), // ENOSPC
        ));
    }
    Ok(())
}

/// [`check`] as an `io::Result`, for code that reports `io::Error`s.
pub fn check_io() -> std::io::Result<()> {
    match check(Path::new("")) {
        Ok(()) => Ok(()),
        Err(_) => Err(std::io::Error::from_raw_os_error(28)),
    }
}
