//! A shared memo keyed by a pair of adjacent tokens: what the merges of the two tokens' bytes end
//! as (the check that lets a stream extend the encoding of a growing piece instead of redoing
//! it, and that the merge of very long pieces makes at every step).
//!
//! The answer depends on the two tokens only, and a stream asks it after nearly every delta,
//! mostly for pairs it has asked before (the same words, the same characters); it costs a merge
//! of both tokens' bytes, here one load. The memo knows nothing of merges: the value type
//! ([`Packed`]) is the merge layer's.

use super::atomic_table::AtomicTable;
use crate::vocab::Rank;

/// log2 of the number of entries (8 bytes each: 2 MiB): room for the many distinct pairs of a
/// stream of Chinese, which a smaller table kept losing to each other.
const BITS: u32 = 18;
/// Ranks keyed: below 2^20 (every built-in vocabulary's); other pairs are checked every time.
const RANK_BITS: u32 = 20;
/// Bits of a value.
pub const VALUE_BITS: u32 = 22;

/// A value that fits [`VALUE_BITS`] bits of an entry.
pub trait Packed: Copy {
    /// The value's bits, or `None` when it does not fit (then it is not kept).
    fn pack(self) -> Option<u64>;
    /// The value whose bits `pack` gave.
    fn unpack(bits: u64) -> Self;
}

/// The shared memo of one encoding, from token pairs to values of type `V`.
pub struct PairMemo<V> {
    table: AtomicTable<BITS, VALUE_BITS>,
    on: bool,
    kind: std::marker::PhantomData<V>,
}

impl<V: Packed> Default for PairMemo<V> {
    fn default() -> Self {
        Self::new(super::on(super::Cache::Pair))
    }
}

impl<V: Packed> PairMemo<V> {
    /// An empty memo; one made off keeps nothing.
    pub fn new(on: bool) -> Self {
        PairMemo { table: AtomicTable::default(), on, kind: std::marker::PhantomData }
    }

    /// The entry index and tag of the pair `a` then `b`; `None` when a rank is too large.
    #[inline(always)]
    fn place(&self, a: Rank, b: Rank) -> Option<(u64, u64)> {
        if a.max(b) >> RANK_BITS != 0 || !self.on {
            return None;
        }
        let key = u64::from(a) << RANK_BITS | u64::from(b);
        // The tag is the whole key (with a bit that makes it non-zero).
        Some((key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS), 1 << (2 * RANK_BITS) | key))
    }

    /// What the memo holds for the tokens `a` then `b`, if anything.
    #[inline]
    pub fn get(&self, a: Rank, b: Rank) -> Option<V> {
        let (index, tag) = self.place(a, b)?;
        self.table.get(index, tag).map(V::unpack)
    }

    /// Keeps `value` for the tokens `a` then `b` (unless it or a rank does not fit).
    #[inline]
    pub fn put(&self, a: Rank, b: Rank, value: V) {
        if let (Some((index, tag)), Some(bits)) = (self.place(a, b), value.pack()) {
            self.table.put(index, tag, bits);
        }
    }

    /// The value for `a` then `b`: kept, or else made by `make` and kept.
    #[inline]
    pub fn get_or(&self, a: Rank, b: Rank, make: impl FnOnce() -> V) -> V {
        if let Some(v) = self.get(a, b) {
            return v;
        }
        let v = make();
        self.put(a, b, v);
        v
    }

    /// Forgets every value.
    pub fn clear(&self) {
        self.table.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    impl Packed for u32 {
        fn pack(self) -> Option<u64> {
            (u64::from(self) < 1 << VALUE_BITS).then_some(u64::from(self))
        }
        fn unpack(bits: u64) -> Self {
            bits as u32
        }
    }

    #[test]
    fn values_are_kept_per_pair_and_made_once() {
        let memo = PairMemo::<u32>::new(true);
        let made = Cell::new(0);
        let make = |v: u32| {
            made.set(made.get() + 1);
            v
        };
        assert_eq!(memo.get_or(1, 2, || make(10)), 10);
        assert_eq!(memo.get_or(2, 1, || make(20)), 20);
        assert_eq!(memo.get_or(1, 2, || make(30)), 10);
        assert_eq!(made.get(), 2);
        // Ranks too large for a key, and values too large to pack, are made every time.
        assert_eq!(memo.get_or(1 << 20, 0, || make(1)), 1);
        assert_eq!(memo.get_or(1 << 20, 0, || make(2)), 2);
        assert_eq!(memo.get_or(5, 5, || make(1 << 22)), 1 << 22);
        assert_eq!(memo.get(5, 5), None);
        // The pair of token 0 with itself is a key like any other.
        assert_eq!(memo.get_or(0, 0, || make(7)), 7);
        assert_eq!(memo.get(0, 0), Some(7));
        memo.clear();
        assert_eq!(memo.get(1, 2), None);
    }

    #[test]
    fn colliding_pairs_replace_each_other_without_mixing() {
        let memo = PairMemo::<u32>::new(true);
        // Many more pairs than entries: every value read back is the one stored for that pair.
        for round in 0..2 {
            for a in 0..600u32 {
                for b in (0..600u32).step_by(7) {
                    let want = (a * 1000 + b) % (1 << VALUE_BITS);
                    assert_eq!(memo.get_or(a, b, || want), want, "round {round}: {a} {b}");
                }
            }
        }
    }
}
