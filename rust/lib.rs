//! streamtok: exact tiktoken-compatible token counts over streamed text.

pub mod backtrack;
pub mod bpe;
pub mod encoding;
pub mod error;
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

#[cfg(feature = "python")]
mod py;

pub use encoding::Encoding;
pub use error::{Error, Result};
pub use pretok::Family;
pub use stream::Stream;
pub use vocab::Rank;
