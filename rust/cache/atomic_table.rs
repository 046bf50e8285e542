//! The one table type of the memos that every stream and call of an encoding share on every
//! thread without a lock (pair checks, what short deltas add after a token, what short deltas
//! are on their own).
//!
//! An entry is one atomic word: a tag that names its key exactly (the memo's key, or what of it
//! the entry's index does not give back) above a value. A reader sees a whole entry or none, so
//! a hit is the value stored for that key; two threads that race for an entry only lose one of
//! the two answers. An all-zero word is an empty entry (tags are never zero), and the table
//! starts in zeroed memory: pages that no entry is written to never become resident.

use crate::zeroed::zeroed_slice;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// `2^BITS` entries, each a tag above `VALUE_BITS` bits of value.
pub struct AtomicTable<const BITS: u32, const VALUE_BITS: u32> {
    entries: Box<[AtomicU64]>,
}

impl<const BITS: u32, const VALUE_BITS: u32> Default for AtomicTable<BITS, VALUE_BITS> {
    fn default() -> Self {
        AtomicTable { entries: zeroed_slice(1 << BITS) }
    }
}

impl<const BITS: u32, const VALUE_BITS: u32> AtomicTable<BITS, VALUE_BITS> {
    /// Largest tag: tags fill the bits above the value.
    pub const TAG_MAX: u64 = u64::MAX >> VALUE_BITS;
    /// Largest value.
    pub const VALUE_MAX: u64 = (1 << VALUE_BITS) - 1;

    #[inline(always)]
    fn at(&self, index: u64) -> &AtomicU64 {
        &self.entries[(index & ((1 << BITS) - 1)) as usize]
    }

    /// The value stored with `tag` in the entry at `index` (its low `BITS` bits), if that entry
    /// holds `tag`.
    #[inline(always)]
    pub fn get(&self, index: u64, tag: u64) -> Option<u64> {
        debug_assert!(tag != 0 && tag <= Self::TAG_MAX);
        let seen = self.at(index).load(Relaxed);
        (seen >> VALUE_BITS == tag).then_some(seen & Self::VALUE_MAX)
    }

    /// Stores `value` with `tag` in the entry at `index`, in place of what it held.
    #[inline(always)]
    pub fn put(&self, index: u64, tag: u64, value: u64) {
        debug_assert!(tag != 0 && tag <= Self::TAG_MAX && value <= Self::VALUE_MAX);
        self.at(index).store(tag << VALUE_BITS | value, Relaxed);
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
    fn an_entry_answers_its_own_tag_only_and_indexes_wrap() {
        let t = AtomicTable::<4, 8>::default();
        assert!((0..16).all(|i| t.get(i, 1).is_none()));
        t.put(3, 5, 200);
        assert_eq!(t.get(3, 5), Some(200));
        assert_eq!(t.get(16 + 3, 5), Some(200));
        assert_eq!(t.get(3, 6), None);
        // The largest tag and value fit side by side.
        type T = AtomicTable<4, 8>;
        t.put(4, T::TAG_MAX, T::VALUE_MAX);
        assert_eq!(t.get(4, T::TAG_MAX), Some(T::VALUE_MAX));
        t.put(3, 6, 0);
        assert_eq!((t.get(3, 5), t.get(3, 6)), (None, Some(0)));
        t.clear();
        assert_eq!(t.get(3, 6), None);
    }
}
