//! streamtok: exact tiktoken-compatible token counts over streamed text.
//!
//! The pipeline, one folder a layer (ARCHITECTURE.md walks through it): `vocab` (rank tables) and
//! `text` (Unicode classes, UTF-8 carry) at the bottom; `pretok` splits text into pieces; `cache`
//! keeps what calls and streams learn; `bpe` merges a piece into tokens; `encoding` is the
//! one-shot API; `stream` the incremental one; `py` the Python bindings.

pub mod bpe;
pub(crate) mod cache;
pub(crate) mod encoding;
pub(crate) mod error;
pub mod pretok;
pub(crate) mod stream;
pub(crate) mod text;
pub(crate) mod vocab;
pub(crate) mod zeroed;

#[cfg(feature = "python")]
mod py;

/// A deterministic xorshift stream for tests, so failures reproduce.
#[cfg(test)]
pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// The corpus files (`tests/data`), in name order, with their bytes.
#[cfg(test)]
pub(crate) fn corpus() -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let mut files: Vec<_> = std::fs::read_dir(data).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.into_iter().map(|f| (f.clone(), std::fs::read(f).unwrap())).collect()
}

// What the Python bindings (inside the crate), the fuzz targets and the benchmarks use; the rest
// is the crate's own.
pub use encoding::{Encoding, Spec};
pub use error::{Error, Result};
pub use pretok::special::SpecialMatcher;
pub use pretok::Family;
pub use stream::{Snapshot, Stream};
pub use vocab::{Filtered, Merges, Rank, Ranks, Vocab};
