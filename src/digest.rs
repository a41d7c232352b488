//! Digests: lowercase hex and `sha256:<hex>` of bytes or of a value's canonical
//! JSON. The audit chain, the manifests, the segments, the snapshots and the
//! taxonomy identity all hash through these, so one definition fixes the format
//! of every hash rosa writes.

use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `sha256:<hex>` of bytes.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// `sha256:<hex>` of a value's canonical (compact serde) JSON, its words in
/// English whatever language the caller reads ([`crate::lang`]): an output's
/// hash, and so a replay, does not depend on the language.
pub fn hash_json<T: Serialize + ?Sized>(value: &T) -> String {
    crate::lang::with(crate::lang::Lang::En, || hash_json_as_is(value))
}

fn hash_json_as_is<T: Serialize + ?Sized>(value: &T) -> String {
    // Streamed into the hash: the JSON of a national build is gigabytes.
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.update(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(Sha256::new());
    let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut h);
    serde_json::to_writer(&mut w, value).expect("serialisable");
    w.flush().expect("hashing cannot fail");
    drop(w);
    format!("sha256:{}", hex(&h.0.finalize()))
}
