//! A table of atomic words: the storage of the memos that every stream and call of an encoding
//! share on every thread without a lock (the pair memo, [`crate::pair_cache`]; the follow memo,
//! [`crate::follow_memo`]; the memo of short deltas, [`crate::delta_memo`]).
//!
//! Each memo keeps an entry in one word that names its own key, so a reader sees a whole entry
//! or none, and two threads that race for an entry only lose one of the two. An all-zero word is
//! an empty entry, and the table starts in zeroed memory: pages that no entry is written to never
//! become resident.

use crate::vocab::zeroed_slice;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// `2^BITS` atomic words, zero when made.
pub struct AtomicTable<const BITS: u32> {
    entries: Box<[AtomicU64]>,
}

impl<const BITS: u32> Default for AtomicTable<BITS> {
    fn default() -> Self {
        AtomicTable { entries: zeroed_slice(1 << BITS) }
    }
}

impl<const BITS: u32> AtomicTable<BITS> {
    /// The word at `index` (its low `BITS` bits).
    #[inline(always)]
    pub fn at(&self, index: u64) -> &AtomicU64 {
        &self.entries[(index & ((1 << BITS) - 1)) as usize]
    }

    /// Empties every entry.
    pub fn clear(&self) {
        self.entries.iter().for_each(|e| e.store(0, Relaxed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_start_at_zero_and_indexes_wrap() {
        let t = AtomicTable::<4>::default();
        assert!((0..16).all(|i| t.at(i).load(Relaxed) == 0));
        t.at(3).store(7, Relaxed);
        assert_eq!(t.at(16 + 3).load(Relaxed), 7);
        t.clear();
        assert_eq!(t.at(3).load(Relaxed), 0);
    }
}
