//! Who may write the index now? `DIR/LOCK` is held (an exclusive `flock`) by
//! the one process committing to the directory; it holds `pid N since T` so
//! that a writer that finds it taken can say whom it waits for. The kernel
//! releases the lock when its holder dies, so a killed writer never blocks the
//! next one.
//!
//! **Invariant.** Every commit (build, upsert, remove, outcome) holds the lock
//! from the moment it reads `CURRENT` to the moment it has switched it: writers
//! queue instead of failing, and each one commits on top of the last.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// File name of the lock inside an index directory.
pub const LOCK_FILE: &str = "LOCK";

/// How long a writer waits for the lock by default (`--wait`).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// Told whom a writer waits for (`pid N since T`).
pub type OnWait = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// How a writer waits for the lock.
#[derive(Clone)]
pub struct WriterWait {
    /// Longest wait; past it the commit fails with [`Error::Locked`].
    pub wait: Duration,
    /// Called once when the writer starts waiting, with the holder as it
    /// described itself (`pid N since T`; empty if it has not yet).
    pub on_wait: Option<OnWait>,
}

impl Default for WriterWait {
    fn default() -> Self {
        WriterWait {
            wait: DEFAULT_WAIT,
            on_wait: None,
        }
    }
}

impl std::fmt::Debug for WriterWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterWait")
            .field("wait", &self.wait)
            .finish()
    }
}

/// The held writer lock; released when dropped.
#[derive(Debug)]
pub struct WriterLock {
    file: std::fs::File,
    path: PathBuf,
}

fn holder(file: &mut std::fs::File) -> String {
    let mut s = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.take(200).read_to_string(&mut s);
    s.trim().to_string()
}

impl WriterLock {
    /// Takes the lock of `dir`, waiting for its holder up to `waiting.wait`.
    pub fn acquire(dir: &Path, waiting: &WriterWait) -> Result<WriterLock> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = dir.join(LOCK_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let started = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    let who = holder(&mut file);
                    if started.elapsed() >= waiting.wait {
                        return Err(Error::Locked {
                            path: dir.to_path_buf(),
                            holder: if who.is_empty() {
                                "another process".into()
                            } else {
                                who
                            },
                        });
                    }
                    if !told {
                        told = true;
                        if let Some(f) = &waiting.on_wait {
                            f(&who);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
        }
        let me = format!(
            "pid {} since {}\n",
            std::process::id(),
            crate::date::now_utc()
        );
        // Informational only: a failure to say who holds it is not a failure to hold it.
        let _ = file
            .set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(me.as_bytes()));
        Ok(WriterLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}
