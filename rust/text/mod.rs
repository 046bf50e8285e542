//! Text below the patterns: the Unicode classes the pre-tokenizers match, and the UTF-8 carry of
//! byte deltas that split a character.

pub(crate) mod unicode;
pub(crate) mod utf8;
