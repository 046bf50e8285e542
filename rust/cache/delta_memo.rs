//! What a short delta is on its own, remembered for every stream of an encoding: the code of the
//! shape it gives a tail that it starts (see `Shape` in [`crate::stream`]) and its token when it
//! is one.
//!
//! Most pushes of English or code end the tail with their first character, and the delta becomes
//! the tail on its own: the push then reads the delta's shape and encodes it alone, for deltas
//! that come back again and again (` self`, `(`, `):\n`, four spaces). Here that is one load,
//! shared by every stream of the encoding on every thread ([`AtomicTable`]); the entry's tag is
//! the whole delta (up to five bytes) and its length.

use super::atomic_table::AtomicTable;
use crate::vocab::Rank;

/// log2 of the number of entries (8 bytes each: 128 KiB).
const BITS: u32 = 14;
/// Longest delta kept.
const MAX_BYTES: usize = 5;
/// A value: the shape's code (3 bits), then the token above it.
const VALUE_BITS: u32 = 21;
/// Tokens kept: below 2^18 (every built-in vocabulary's); other deltas are read every time.
const RANK_LIMIT: Rank = 1 << (VALUE_BITS - 3);

/// The shared memo of short deltas of one encoding.
pub struct DeltaMemo {
    table: AtomicTable<BITS, VALUE_BITS>,
    on: bool,
}

impl Default for DeltaMemo {
    fn default() -> Self {
        Self::new(super::on(super::Cache::Delta))
    }
}

impl DeltaMemo {
    /// An empty memo; one made off keeps nothing.
    pub fn new(on: bool) -> Self {
        DeltaMemo { table: AtomicTable::default(), on }
    }

    /// The entry index and tag of `delta` (its bytes and its length, never zero), when it is
    /// short enough.
    #[inline(always)]
    fn place(&self, delta: &[u8]) -> Option<(u64, u64)> {
        if delta.is_empty() || delta.len() > MAX_BYTES || !self.on {
            return None;
        }
        let bytes = delta.iter().rev().fold(0u64, |k, &b| k << 8 | u64::from(b));
        let tag = bytes | (delta.len() as u64) << 40;
        Some((tag.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS), tag))
    }

    /// The shape code and the token kept for `delta` (the token is 0 when it was kept as no
    /// token), if any.
    #[inline(always)]
    pub fn get(&self, delta: &[u8]) -> Option<(u8, Rank)> {
        let (index, tag) = self.place(delta)?;
        self.table.get(index, tag).map(|v| ((v & 7) as u8, (v >> 3) as Rank))
    }

    /// Keeps `shape` (a code below 8) and `rank` for `delta`, if they fit.
    #[inline]
    pub fn put(&self, delta: &[u8], shape: u8, rank: Rank) {
        if let (Some((index, tag)), true) = (self.place(delta), shape < 8 && rank < RANK_LIMIT) {
            self.table.put(index, tag, u64::from(shape) | u64::from(rank) << 3);
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
        let memo = DeltaMemo::new(true);
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
        // A memo made off keeps nothing.
        let off = DeltaMemo::new(false);
        off.put(b"x", 1, 5);
        assert_eq!(off.get(b"x"), None);
    }

    #[test]
    fn deltas_that_share_an_entry_replace_each_other() {
        let memo = DeltaMemo::new(true);
        let (home, _) = memo.place(b"ab").unwrap();
        let keys: Vec<Vec<u8>> = (0u32..)
            .map(|i| i.to_le_bytes()[..3].to_vec())
            .filter(|d| memo.place(d).unwrap().0 & ((1 << BITS) - 1) == home & ((1 << BITS) - 1))
            .take(2)
            .collect();
        memo.put(&keys[0], 2, 10);
        memo.put(&keys[1], 3, 11);
        assert_eq!(memo.get(&keys[0]), None);
        assert_eq!(memo.get(&keys[1]), Some((3, 11)));
    }
}
