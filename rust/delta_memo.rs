//! What a short delta is on its own, remembered for every stream of an encoding: the shape it
//! gives a tail that it starts (see `Shape` in [`crate::stream`]) and its token when it is one.
//!
//! Most pushes of English or code end the tail with their first character, and the delta becomes
//! the tail on its own: the push then reads the delta's shape and encodes it alone, about 180 of
//! the 420 instructions that the Rust side of such a push ran (callgrind, `python_difflib.py` on
//! o200k_base), for deltas that come back again and again (` self`, `(`, `):\n`, four spaces).
//! Here that is one load. The table is direct-mapped and shared by every stream of the encoding
//! on every thread without a lock, as the pair memo is ([`crate::pair_cache`]): an entry is one
//! atomic word that holds its own key (a delta of up to five bytes), so a reader sees a whole
//! entry or none, and a lost race only loses an entry.

use crate::atomic_table::AtomicTable;
use crate::vocab::Rank;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// log2 of the number of entries (8 bytes each: 128 KiB).
const BITS: u32 = 14;
/// Longest delta kept.
const MAX_BYTES: usize = 5;
/// Bits 0-39: the delta's bytes; 40-42: its length; 43-45: its shape's code; 46-63: its token.
const KEY_BITS: u32 = 43;
const KEY_MASK: u64 = (1 << KEY_BITS) - 1;
const SHAPE_SHIFT: u32 = KEY_BITS;
const RANK_SHIFT: u32 = KEY_BITS + 3;
/// Tokens kept: below 2^18 (every built-in vocabulary's); other deltas are read every time.
const RANK_LIMIT: Rank = 1 << (64 - RANK_SHIFT);

/// The shared memo of short deltas of one encoding.
#[derive(Default)]
pub struct DeltaMemo {
    /// Entries by the top bits of the key's hash (an empty one has length 0, which no key has).
    table: AtomicTable<BITS>,
}

impl DeltaMemo {
    /// The key of `delta`: its bytes and its length, when it is short enough.
    #[inline(always)]
    fn key(delta: &[u8]) -> Option<u64> {
        if delta.is_empty() || delta.len() > MAX_BYTES {
            return None;
        }
        let bytes = delta.iter().rev().fold(0u64, |k, &b| k << 8 | u64::from(b));
        Some(bytes | (delta.len() as u64) << 40)
    }

    #[inline(always)]
    fn entry(&self, key: u64) -> &AtomicU64 {
        self.table.at(key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS))
    }

    /// The shape code and the token kept for `delta` (the token is 0 when it was kept as no
    /// token), if any.
    #[inline]
    pub fn get(&self, delta: &[u8]) -> Option<(u8, Rank)> {
        let key = Self::key(delta)?;
        let seen = self.entry(key).load(Relaxed);
        (seen & KEY_MASK == key).then_some(((seen >> SHAPE_SHIFT & 7) as u8, (seen >> RANK_SHIFT) as Rank))
    }

    /// Keeps `shape` (a code below 8) and `rank` for `delta`, if they fit.
    #[inline]
    pub fn put(&self, delta: &[u8], shape: u8, rank: Rank) {
        let Some(key) = Self::key(delta) else { return };
        if shape < 8 && rank < RANK_LIMIT {
            self.entry(key).store(key | u64::from(shape) << SHAPE_SHIFT | u64::from(rank) << RANK_SHIFT, Relaxed);
        }
    }

    /// Forgets every delta.
    pub fn clear(&self) {
        self.table.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_comes_back_with_its_shape_and_token_and_no_other_does() {
        let memo = DeltaMemo::default();
        assert_eq!(memo.get(b" self"), None);
        memo.put(b" self", 1, 2_625);
        assert_eq!(memo.get(b" self"), Some((1, 2_625)));
        // Other deltas, also one that is a prefix, or the same bytes with a zero byte after.
        for other in [&b" sel"[..], b" selfs", b" self\0", b"self ", b"", b"\0"] {
            assert_eq!(memo.get(other), None, "{other:?}");
        }
        // The largest token and shape that fit; too long a delta or too large a token is not kept.
        memo.put(b"\xff\xff\xff\xff\xff", 7, RANK_LIMIT - 1);
        assert_eq!(memo.get(b"\xff\xff\xff\xff\xff"), Some((7, RANK_LIMIT - 1)));
        memo.put(b"abcdef", 1, 5);
        assert_eq!(memo.get(b"abcdef"), None);
        memo.put(b"(", 1, RANK_LIMIT);
        assert_eq!(memo.get(b"("), None);
        memo.put(b"\0", 0, 0);
        assert_eq!(memo.get(b"\0"), Some((0, 0)));
        memo.clear();
        assert_eq!(memo.get(b" self"), None);
    }

    #[test]
    fn deltas_that_share_an_entry_replace_each_other() {
        let memo = DeltaMemo::default();
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let home = DeltaMemo::key(b"ab").unwrap();
        for i in 0u32.. {
            let d = i.to_le_bytes()[..3].to_vec();
            let key = DeltaMemo::key(&d).unwrap();
            if std::ptr::eq(memo.entry(key), memo.entry(home)) {
                keys.push(d);
                if keys.len() == 2 {
                    break;
                }
            }
        }
        memo.put(&keys[0], 2, 10);
        memo.put(&keys[1], 3, 11);
        assert_eq!(memo.get(&keys[0]), None);
        assert_eq!(memo.get(&keys[1]), Some((3, 11)));
    }
}
