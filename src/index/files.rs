//! Private, atomic files: created 0600 / 0700, written through `*.tmp`, fsync
//! and rename, hashed while written; stored files read back and checked.

use super::*;

/// Creates a new file readable by its owner only (0600); an existing one is an error.
pub(crate) fn create_private_file(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

pub(crate) fn create_private_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|e| Error::io(path, e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io(path, e))
}

pub(crate) fn sync_dir(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Writes `path` whole or not at all: `write` fills the private temporary
/// file `tmp`, which is then fsynced and renamed over `path`, and the
/// directory fsynced. Returns what `write` returns.
pub(crate) fn write_atomically<T>(
    path: &Path,
    tmp: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<T>,
) -> Result<T> {
    let _ = std::fs::remove_file(tmp);
    let written = (|| -> Result<T> {
        crate::fault::check(tmp)?;
        let mut file = create_private_file(tmp)?;
        let out = write(&mut file)?;
        crate::fault::check(tmp)?;
        file.sync_all().map_err(|e| Error::io(tmp, e))?;
        drop(file);
        crate::fault::check(path)?;
        std::fs::rename(tmp, path).map_err(|e| Error::io(path, e))?;
        Ok(out)
    })();
    if written.is_err() {
        // A failed write (a full disk) leaves no temporary file behind.
        let _ = std::fs::remove_file(tmp);
    }
    let out = written?;
    if let Some(parent) = path.parent() {
        crate::fault::check(parent)?;
        sync_dir(parent)?;
    }
    Ok(out)
}

/// Counts and hashes what passes through to `inner`.
struct Hashing<W> {
    inner: W,
    bytes: u64,
    hash: sha2::Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `path` with `body` through a temporary file, fsync and rename;
/// returns the file's size, its `sha256:<hex>` and what `body` returned.
fn write_hashed_atomic<T>(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<T>,
) -> Result<(u64, String, T)> {
    use sha2::Digest;
    let tmp = path.with_extension("tmp");
    write_atomically(path, &tmp, |file| {
        let mut w = Hashing {
            inner: std::io::BufWriter::with_capacity(1 << 20, file),
            bytes: 0,
            hash: sha2::Sha256::new(),
        };
        let out = body(&mut w)
            .and_then(|out| w.flush().map(|()| out))
            .map_err(|e| Error::io(&tmp, e))?;
        let sha = format!("sha256:{}", crate::digest::hex(&w.hash.finalize()));
        Ok((w.bytes, sha, out))
    })
}

/// Writes candidate records as a segment ([`segment`]); returns the file's
/// size, its `sha256:<hex>` and where each record lies in it.
pub(super) fn write_segment_atomic(
    path: &Path,
    records: &[CandidateRecord],
) -> Result<(u64, String, Vec<Loc>)> {
    write_hashed_atomic(path, |w| segment::write(w, records))
}

/// Writes records as JSON lines; returns the file's size and `sha256:<hex>`.
pub(super) fn write_jsonl_atomic<T: Serialize>(
    path: &Path,
    records: &[T],
) -> Result<(u64, String)> {
    let (bytes, sha, ()) = write_hashed_atomic(path, |w| {
        let mut line = Vec::with_capacity(4096);
        for r in records {
            line.clear();
            serde_json::to_writer(&mut line, r).expect("records serialise");
            line.push(b'\n');
            w.write_all(&line)?;
        }
        Ok(())
    })?;
    Ok((bytes, sha))
}

/// Reads a file of records the index wrote, checking its `sha256:<hex>` when
/// the manifest recorded one.
pub(super) fn read_stored<R: serde::de::DeserializeOwned + Send>(
    path: &Path,
    sha256: Option<&str>,
) -> Result<Vec<R>> {
    let bytes = read_checked(path, sha256)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| index_error(path, "not UTF-8: the index is damaged, rebuild it"))?;
    let lines: Vec<&str> = text.lines().collect();
    lines
        .par_iter()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                index_error(
                    path,
                    format!("line {}: {e}: the index is damaged, rebuild it", i + 1),
                )
            })
        })
        .collect()
}

/// Reads a file the index wrote, checking its `sha256:<hex>` when the
/// manifest recorded one.
pub(super) fn read_checked(path: &Path, sha256: Option<&str>) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if let Some(want) = sha256 {
        let got = crate::digest::sha256(&bytes);
        if got != want {
            return Err(index_error(
                path,
                format!(
                    "checksum is {got}, the manifest says {want}: the index is damaged, rebuild it"
                ),
            ));
        }
    }
    Ok(bytes)
}

pub(super) fn write_atomic(path: &Path, body: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    write_atomically(path, &tmp, |f| {
        f.write_all(body).map_err(|e| Error::io(&tmp, e))
    })
}
