//! streamtok: exact tiktoken-compatible token counts over streamed text.

pub mod atomic_table;
pub mod backtrack;
pub mod bpe;
pub mod delta_memo;
pub mod encoding;
pub mod error;
pub mod follow_memo;
pub mod long_pieces;
pub mod open_piece;
pub mod pair_cache;
pub mod parallel;
pub mod piece_cache;
pub mod pretok;
pub mod rank_cache;
pub mod scratch;
pub mod special;
pub mod stream;
pub mod tiktoken_format;
pub mod token_starts;
pub mod unicode;
pub mod utf8;
pub mod vocab;
pub mod window_memo;

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

pub use encoding::Encoding;
pub use error::{Error, Result};
pub use pretok::Family;
pub use stream::Stream;
pub use vocab::Rank;
