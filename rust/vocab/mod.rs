//! Vocabularies: the rank tables of mergeable tokens, the `.tiktoken` format they come in, and
//! the ones embedded in the library. A leaf of the crate: it knows no cache and no pattern.

mod builtin;
mod keys;
mod ranks;
mod table;
pub mod tiktoken_format;

pub use builtin::builtin;
pub(crate) use keys::{hash, hash_packed};
pub use ranks::{Filtered, Ranks};
pub use table::{Vocab, MAX_RANK};

/// Token id.
pub type Rank = u32;
