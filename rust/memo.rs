//! Caches that serve one encode or count call at a time, so they need no locking.
//!
//! Natural text repeats itself. [`PieceMemo`] remembers, within one long text, the BPE result of
//! pieces too long for the [piece caches](crate::piece_cache) (over 111 bytes); [`RankCache`] keeps the
//! ranks the merges look up, hits and misses alike, in a table small enough for the L2 cache,
//! where the vocabulary's own table would cost a trip to memory. Both compare whole keys: a hit
//! is exact.

use crate::bpe::Ranks;
use crate::vocab::{hash, hash_packed, pack, pack_at, Rank, Vocab, SHORT};

/// One remembered piece: where it occurs in the text, and where its result is.
#[derive(Clone, Copy, Default)]
struct Slot {
    start: u32,
    len: u32,
    value: u32,
    value_len: u32,
}

/// A direct-mapped memo over one text; a newer piece replaces an older one in its slot.
pub struct PieceMemo {
    slots: Vec<Slot>,
}

/// Texts shorter than this are not worth a memo.
pub const MEMO_MIN_BYTES: usize = 4096;
const SLOTS: usize = 4096;

#[inline]
fn slot_of(piece: &[u8]) -> usize {
    (hash(piece) >> 40) as usize & (SLOTS - 1)
}

impl Default for PieceMemo {
    fn default() -> Self {
        PieceMemo { slots: vec![Slot::default(); SLOTS] }
    }
}

impl PieceMemo {
    /// The value remembered for the piece `text[start..start + len]`, else `compute()`'s,
    /// remembered. Values are `(offset, len)` pairs whose meaning is the caller's.
    #[inline]
    pub fn get_or_insert(
        &mut self,
        text: &[u8],
        start: usize,
        len: usize,
        compute: impl FnOnce() -> (u32, u32),
    ) -> (u32, u32, bool) {
        let piece = &text[start..start + len];
        let i = slot_of(piece);
        let s = self.slots[i];
        if s.len as usize == len && len > 0 {
            let seen = &text[s.start as usize..s.start as usize + len];
            if seen == piece {
                return (s.value, s.value_len, true);
            }
        }
        let (value, value_len) = compute();
        if let (Ok(start), Ok(len)) = (u32::try_from(start), u32::try_from(len)) {
            self.slots[i] = Slot { start, len, value, value_len };
        }
        (value, value_len, false)
    }
}

/// Slots of a [`RankCache`]: 16384 of 16 bytes, 256 KiB.
const RANK_SLOTS: usize = 16384;
/// The rank a slot holds above its packed key (bits 104..128) when the key is no token.
const MISS: u128 = 0xff_ffff;
/// The packed key bits of a slot.
const KEY_BITS: u128 = (1 << 104) - 1;

/// Rank lookups cached in front of the vocabulary, in slots that one vocabulary's calls reuse.
pub struct RankCache<'a> {
    vocab: &'a Vocab,
    /// Packed key with its rank (or [`MISS`]) in the top 24 bits; 0 is an empty slot.
    slots: &'a mut [u128],
}

/// Empty slots for a [`RankCache`].
pub fn rank_slots() -> Box<[u128]> {
    vec![0; RANK_SLOTS].into_boxed_slice()
}

impl<'a> RankCache<'a> {
    /// A cache in front of `vocab` in `slots`, which only caches of `vocab` may have used
    /// (see [`rank_slots`]).
    pub fn new(vocab: &'a Vocab, slots: &'a mut [u128]) -> Self {
        assert_eq!(slots.len(), RANK_SLOTS);
        RankCache { vocab, slots }
    }

    #[inline(always)]
    fn rank_packed(&mut self, packed: u128) -> Option<Rank> {
        let hash = hash_packed(packed);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_needs_equal_bytes() {
        let text = b"abcXabcYabd";
        let mut m = PieceMemo::default();
        assert_eq!(m.get_or_insert(text, 0, 3, || (7, 1)), (7, 1, false));
        assert_eq!(m.get_or_insert(text, 4, 3, || (9, 9)), (7, 1, true));
        assert!(!m.get_or_insert(text, 8, 3, || (5, 2)).2);
    }

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
