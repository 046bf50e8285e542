//! What the merges do to adjacent token pairs: a shared memo of the check that lets a stream
//! extend the encoding of a growing piece instead of redoing it (see [`crate::open_piece`]), and
//! that the merge of very long pieces makes at every step (see [`crate::backtrack`]).
//!
//! Two tokens `a`, `b` stay apart when the merges of their bytes end as `[a, b]`, and join when
//! they end as one token. That depends on the two tokens only, and a stream asks it after
//! nearly every delta, mostly for pairs it has asked before (the same words, the same
//! characters). The answer costs a merge of both tokens' bytes; here it is one load.
//!
//! The table is direct-mapped and belongs to the vocabulary: every stream and every call of the
//! encodings that share it, on every thread, use it without a lock: an entry is one atomic word
//! that holds its own key, so a reader sees a whole entry or none, and a lost race only loses an
//! entry.

use crate::atomic_table::AtomicTable;
use crate::vocab::Rank;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// log2 of the number of entries (8 bytes each: 2 MiB). With 2^16 a Chinese stream, counted
/// again, still missed often enough to spend 6% of its instructions merging pairs; now under 2%.
const BITS: u32 = 18;
/// Ranks kept: below 2^20 (every built-in vocabulary's); other pairs are checked every time.
const RANK_BITS: u32 = 20;
const RANK_MASK: u64 = (1 << RANK_BITS) - 1;
const KEY_MASK: u64 = (1 << (2 * RANK_BITS)) - 1;
/// Bits 40-59: the joined token; 60, 61: the answer; 63: the entry holds one.
const JOINED_SHIFT: u32 = 2 * RANK_BITS;
const APART: u64 = 1 << 60;
const JOINED: u64 = 1 << 61;
const FILLED: u64 = 1 << 63;

/// What the merges of two adjacent tokens' bytes end as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// The two tokens themselves.
    Apart,
    /// One token.
    One(Rank),
    /// Anything else.
    Other,
}

/// The shared memo of pair checks of one encoding.
#[derive(Default)]
pub struct PairCache {
    /// Entries by the top bits of the key's hash.
    table: AtomicTable<BITS>,
}

impl PairCache {
    /// What the tokens `a` then `b` merge into; `check` answers when the memo does not.
    #[inline]
    pub fn join(&self, a: Rank, b: Rank, check: impl FnOnce() -> Join) -> Join {
        if let Some(join) = self.get(a, b) {
            return join;
        }
        let join = check();
        self.put(a, b, join);
        join
    }

    /// What the memo holds for the tokens `a` then `b`, if anything.
    #[inline]
    pub fn get(&self, a: Rank, b: Rank) -> Option<Join> {
        let (entry, key) = self.entry(a, b)?;
        let seen = entry.load(Relaxed);
        if seen & FILLED == 0 || seen & KEY_MASK != key {
            return None;
        }
        Some(if seen & APART != 0 {
            Join::Apart
        } else if seen & JOINED != 0 {
            Join::One((seen >> JOINED_SHIFT & RANK_MASK) as Rank)
        } else {
            Join::Other
        })
    }

    /// Keeps `join` as what the tokens `a` then `b` merge into (unless a rank is too large).
    #[inline]
    pub fn put(&self, a: Rank, b: Rank, join: Join) {
        let Some((entry, key)) = self.entry(a, b) else { return };
        let answer = match join {
            Join::Apart => APART,
            Join::One(x) if u64::from(x) <= RANK_MASK => JOINED | u64::from(x) << JOINED_SHIFT,
            Join::One(_) => return,
            Join::Other => 0,
        };
        entry.store(FILLED | answer | key, Relaxed);
    }

    /// The slot of the pair `a` then `b`, and its key; `None` when a rank is too large for keys.
    #[inline(always)]
    fn entry(&self, a: Rank, b: Rank) -> Option<(&AtomicU64, u64)> {
        if u64::from(a.max(b)) > RANK_MASK {
            return None;
        }
        let key = u64::from(a) << RANK_BITS | u64::from(b);
        Some((self.table.at(key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)), key))
    }

    /// Whether the tokens `a` then `b` stay apart; `check` answers as for [`PairCache::join`].
    #[inline]
    pub fn apart(&self, a: Rank, b: Rank, check: impl FnOnce() -> Join) -> bool {
        self.join(a, b, check) == Join::Apart
    }

    /// Forgets every answer.
    pub fn clear(&self) {
        self.table.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn answers_are_kept_per_pair_and_checked_once() {
        let cache = PairCache::default();
        let checks = Cell::new(0);
        let check = |v: bool| {
            checks.set(checks.get() + 1);
            if v {
                Join::Apart
            } else {
                Join::Other
            }
        };
        assert!(cache.apart(1, 2, || check(true)));
        assert!(!cache.apart(2, 1, || check(false)));
        assert!(cache.apart(1, 2, || check(false)));
        assert!(!cache.apart(2, 1, || check(true)));
        assert_eq!(checks.get(), 2);
        // Ranks too large for a key are checked every time.
        assert!(cache.apart(1 << 20, 0, || check(true)));
        assert!(!cache.apart(1 << 20, 0, || check(false)));
        assert_eq!(checks.get(), 4);
        cache.clear();
        assert!(!cache.apart(1, 2, || check(false)));
        assert_eq!(checks.get(), 5);
    }

    #[test]
    fn colliding_pairs_replace_each_other_without_mixing() {
        let cache = PairCache::default();
        // Many more pairs than entries: every answer read back is the one stored for that pair.
        for round in 0..2 {
            for a in 0..600u32 {
                for b in (0..600u32).step_by(7) {
                    let want = match (a * 31 + b) % 3 {
                        0 => Join::Apart,
                        1 => Join::One(a * 1000 + b),
                        _ => Join::Other,
                    };
                    let got = cache.join(a, b, || want);
                    assert_eq!(got, want, "round {round}: {a} {b}");
                }
            }
        }
    }
}
