//! Vocabularies: the rank tables of mergeable tokens, the `.tiktoken` format they come in, the
//! ones embedded in the library, and the merges lists of pair-priority BPE. A leaf of the crate: it knows no cache and no pattern.

mod builtin;
mod keys;
mod merges;
mod ranks;
mod table;
pub mod tiktoken_format;
pub mod tokenizer_json;

pub use builtin::builtin;
pub(crate) use keys::{hash, hash_packed};
pub use merges::{ByPairs, Merges};
pub use ranks::{Filtered, Ranks};
pub use table::{Vocab, MAX_RANK};

/// Token id.
pub type Rank = u32;
