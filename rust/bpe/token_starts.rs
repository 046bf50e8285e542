//! Which lengths of token can start a text: the index that the merge of very long pieces
//! (see [`super::backtrack`]) walks instead of a trie.
//!
//! For a position of a text, the search needs the tokens that start there, longest first. A
//! trie of the vocabulary gives them exactly but costs hundreds of milliseconds to build
//! (o200k_base: 421,660 nodes in an 8 MiB table, a cache miss per byte of every token). This
//! index is built in a few milliseconds and gives a small superset: the lengths of the tokens
//! whose first four bytes hash like the text's (a 128-bit mask of lengths per slot, 2^16
//! slots: 1 MiB), and those of two and three bytes that begin with the text's first two (a
//! direct table). Each candidate length is then one lookup in the vocabulary.

use crate::vocab::Vocab;
use std::sync::OnceLock;

/// log2 of the slots for tokens of four bytes or more.
const SLOT_BITS: u32 = 16;

/// Longest token the index has room for (one bit per length in a `u128`).
pub const MAX_LEN: usize = 128;

/// The lengths of the tokens that each short prefix starts.
pub struct TokenStarts {
    /// Bit `len - 1` (`len` 4 to [`MAX_LEN`]) is set when some token of that length starts
    /// with four bytes that hash to the slot.
    long: Box<[u128]>,
    /// Bits 1 and 2 (lengths 2 and 3) for each first two bytes.
    short: Box<[u8]>,
}

#[inline(always)]
fn slot(first4: [u8; 4]) -> usize {
    (u64::from(u32::from_le_bytes(first4)).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOT_BITS)) as usize
}

impl TokenStarts {
    /// The index of `vocab`'s tokens, unless some token is longer than [`MAX_LEN`] bytes.
    pub fn new(vocab: &Vocab) -> Option<TokenStarts> {
        let mut long = vec![0u128; 1 << SLOT_BITS].into_boxed_slice();
        let mut short = vec![0u8; 1 << 16].into_boxed_slice();
        for r in 0..vocab.rank_end() {
            let Some(t) = vocab.bytes_of(r) else { continue };
            match t.len() {
                0 | 1 => {}
                2 | 3 => short[usize::from(t[0]) << 8 | usize::from(t[1])] |= 1 << (t.len() - 1),
                n if n <= MAX_LEN => long[slot([t[0], t[1], t[2], t[3]])] |= 1 << (n - 1),
                _ => return None,
            }
        }
        Some(TokenStarts { long, short })
    }

    /// A mask with bit `len - 1` set for every length `len` of a token that `text` may start
    /// with (every one it does start with, and a few more); bit 0 (one byte) is always set.
    #[inline]
    pub fn lengths(&self, text: &[u8]) -> u128 {
        let mut mask = 1;
        if text.len() >= 2 {
            mask |= u128::from(self.short[usize::from(text[0]) << 8 | usize::from(text[1])]);
        }
        if text.len() >= 4 {
            mask |= self.long[slot([text[0], text[1], text[2], text[3]])];
        }
        // Only lengths that fit in the text.
        if text.len() < MAX_LEN {
            mask &= (1u128 << text.len()) - 1;
        }
        mask
    }
}

/// The index of an encoding's vocabulary, made on first use: a text with no piece long enough
/// to need it never pays for it.
#[derive(Default)]
pub struct LazyStarts(OnceLock<Option<TokenStarts>>);

impl LazyStarts {
    /// The index of `vocab` (the same vocabulary every time), unless a token is too long for it.
    pub fn get(&self, vocab: &Vocab) -> Option<&TokenStarts> {
        self.0.get_or_init(|| TokenStarts::new(vocab)).as_ref()
    }
}

/// The lengths in `mask` (as [`TokenStarts::lengths`] gives them) below `below`, longest first.
#[inline]
pub fn below(mask: u128, below: usize) -> u128 {
    if below > MAX_LEN {
        mask
    } else {
        mask & ((1u128 << (below - 1)) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every token of a real vocabulary starting a text is among the lengths the index gives.
    #[test]
    fn every_token_of_o200k_base_is_a_candidate() {
        let spec = crate::vocab::builtin("o200k_base").unwrap();
        let v = &*spec;
        let starts = TokenStarts::new(v).unwrap();
        let mut candidates = 0u64;
        for r in 0..v.rank_end() {
            let Some(t) = v.bytes_of(r) else { continue };
            let mut text = t.to_vec();
            text.extend_from_slice(b"xyz");
            let mask = starts.lengths(&text);
            assert_ne!(mask >> (t.len() - 1) & 1, 0, "{t:?}");
            // Each token that starts the text is a candidate.
            for n in 1..=text.len().min(MAX_LEN) {
                if v.rank(&text[..n]).is_some() {
                    assert_ne!(mask >> (n - 1) & 1, 0, "{t:?} at {n}");
                }
            }
            candidates += u64::from(mask.count_ones());
        }
        // A superset, but a small one.
        assert!(candidates < 12 * u64::from(v.rank_end()), "{candidates}");
    }
}
