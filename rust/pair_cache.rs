//! Which adjacent token pairs stay apart: a shared memo of the check that lets a stream extend
//! the encoding of a growing piece instead of redoing it (see [`crate::open_piece`]).
//!
//! Two tokens `a`, `b` stay apart when the merges of their bytes end as `[a, b]`. That depends
//! on the two tokens only, and a stream asks it after nearly every delta, mostly for pairs it
//! has asked before (the same words, the same characters). The answer costs a merge of both
//! tokens' bytes; here it is one load.
//!
//! The table is direct-mapped and shared by every stream of an encoding, on every thread,
//! without a lock: an entry is one atomic word that holds its own key, so a reader sees a whole
//! entry or none, and a lost race only loses an entry.

use crate::vocab::Rank;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// log2 of the number of entries (8 bytes each: 512 KiB).
const BITS: u32 = 16;
/// Ranks kept: below 2^30 (every built-in vocabulary's); other pairs are checked every time.
const RANK_BITS: u32 = 30;
const KEY_MASK: u64 = (1 << (2 * RANK_BITS)) - 1;
const FILLED: u64 = 1 << 63;
const APART: u64 = 1 << 62;

/// The shared memo of pair checks of one encoding.
pub struct PairCache {
    entries: Box<[AtomicU64]>,
}

impl Default for PairCache {
    fn default() -> Self {
        PairCache { entries: (0..1 << BITS).map(|_| AtomicU64::new(0)).collect() }
    }
}

impl PairCache {
    /// Whether the tokens `a` then `b` stay apart; `check` answers when the memo does not.
    #[inline]
    pub fn apart(&self, a: Rank, b: Rank, check: impl FnOnce() -> bool) -> bool {
        if a >= 1 << RANK_BITS || b >= 1 << RANK_BITS {
            return check();
        }
        let key = u64::from(a) << RANK_BITS | u64::from(b);
        let entry = &self.entries[(key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)) as usize];
        let seen = entry.load(Relaxed);
        if seen & FILLED != 0 && seen & KEY_MASK == key {
            return seen & APART != 0;
        }
        let apart = check();
        entry.store(FILLED | if apart { APART } else { 0 } | key, Relaxed);
        apart
    }

    /// Forgets every answer.
    pub fn clear(&self) {
        self.entries.iter().for_each(|e| e.store(0, Relaxed));
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
            v
        };
        assert!(cache.apart(1, 2, || check(true)));
        assert!(!cache.apart(2, 1, || check(false)));
        assert!(cache.apart(1, 2, || check(false)));
        assert!(!cache.apart(2, 1, || check(true)));
        assert_eq!(checks.get(), 2);
        // Ranks too large for a key are checked every time.
        assert!(cache.apart(1 << 30, 0, || check(true)));
        assert!(!cache.apart(1 << 30, 0, || check(false)));
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
                    let want = (a * 31 + b) % 3 == 0;
                    let got = cache.apart(a, b, || want);
                    assert_eq!(got, want, "round {round}: {a} {b}");
                }
            }
        }
    }
}
