//! Rank lookups of one call's merges, cached in front of the vocabulary.
//!
//! Most keys the merges look up are no token, and the vocabulary's filter of short keys
//! ([`Vocab::filter`]) answers most of those in one load. [`RankCache`] keeps the ranks of the
//! keys the filter lets through, tokens and not, in a table small enough for the L2 cache, where
//! the vocabulary's own table would cost a trip to memory. It serves one call at a time (see
//! [`super::scratch`]), so it needs no locking, and compares whole keys: a hit is exact.

use crate::vocab::{hash_packed, may_hold, pack, pack_at, Filter, Rank, Ranks, Vocab, SHORT};
use crate::zeroed::zeroed;

/// Slots of a [`RankCache`]: 16384 of 16 bytes, 256 KiB.
const RANK_SLOTS: usize = 16384;
/// The rank a slot holds above its packed key (bits 104..128) when the key is no token.
const MISS: u128 = 0xff_ffff;
/// The packed key bits of a slot.
const KEY_BITS: u128 = (1 << 104) - 1;

/// Rank lookups cached in front of the vocabulary, in slots that one vocabulary's calls reuse.
pub struct RankCache<'a> {
    vocab: &'a Vocab,
    /// The vocabulary's filter, one load nearer than through `vocab`.
    filter: &'a Filter,
    /// Packed key with its rank (or [`MISS`]) in the top 24 bits; 0 is an empty slot.
    slots: &'a mut RankSlots,
    /// Off ([`crate::cache::on`]), every lookup goes to the vocabulary.
    on: bool,
}

/// The slots of a [`RankCache`].
pub type RankSlots = [u128; RANK_SLOTS];

/// Empty slots for a [`RankCache`].
pub fn rank_slots() -> Box<RankSlots> {
    zeroed()
}

impl<'a> RankCache<'a> {
    /// A cache in front of `vocab` in `slots`, which only caches of `vocab` may have used
    /// (see [`rank_slots`]).
    pub fn new(vocab: &'a Vocab, slots: &'a mut RankSlots) -> Self {
        RankCache { vocab, filter: vocab.filter(), slots, on: super::on(super::Cache::Ranks) }
    }

    #[inline(always)]
    fn rank_packed(&mut self, packed: u128) -> Option<Rank> {
        let hash = hash_packed(packed);
        // Keys the filter stops are not kept: they would push out the ones that cost a probe.
        if !may_hold(self.filter, hash) {
            return None;
        }
        if !self.on {
            return self.vocab.rank_packed(packed, hash);
        }
        let slot = &mut self.slots[(hash >> 40) as usize & (RANK_SLOTS - 1)];
        // An empty slot holds key 0, which no packed key (length at least 1) equals.
        if *slot & KEY_BITS == packed {
            let rank = *slot >> 104;
            return if rank == MISS { None } else { Some(rank as Rank) };
        }
        let rank = self.vocab.rank_packed(packed, hash);
        *slot = packed | rank.map_or(MISS, u128::from) << 104;
        rank
    }
}

impl Ranks for RankCache<'_> {
    #[inline]
    fn rank(&mut self, key: &[u8]) -> Option<Rank> {
        // Two-byte keys have a direct table already; long keys are rare.
        if key.len() == 2 || key.is_empty() || key.len() > SHORT {
            return self.vocab.rank(key);
        }
        self.rank_packed(pack(key))
    }

    #[inline(always)]
    fn rank_at(&mut self, bytes: &[u8], start: usize, end: usize) -> Option<Rank> {
        let len = end - start;
        if len == 2 {
            return self.vocab.rank_pair(bytes[start], bytes[start + 1]);
        }
        if len == 0 || len > SHORT {
            return self.vocab.rank(&bytes[start..end]);
        }
        self.rank_packed(pack_at(bytes, start, len))
    }

    #[inline]
    fn vocab(&self) -> &Vocab {
        self.vocab
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_cache_agrees_with_the_vocabulary() {
        let v = Vocab::from_pairs(vec![(b"a".to_vec(), 0), (b"abc".to_vec(), 1), (b"abcdefghijklm".to_vec(), 2)]);
        let mut slots = rank_slots();
        let mut c = RankCache::new(&v, &mut slots);
        for _ in 0..2 {
            for key in [&b"a"[..], b"abc", b"abd", b"", b"abcdefghijklm", b"ab"] {
                assert_eq!(c.rank(key), v.rank(key), "{key:?}");
            }
        }
    }
}
