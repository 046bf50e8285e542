//! The rank table of one vocabulary: token bytes to rank and back.

use super::keys::{hash, hash_packed, pack, pack_at, present_bits, Filter, KEY_BITS, SHORT};
use super::Rank;
use crate::zeroed::zeroed;
use std::borrow::Cow;

/// Marks an empty slot of the hash table and a rank with no token.
const NONE: Rank = Rank::MAX;

/// Mergeable tokens by rank, and open-addressing tables from token bytes to rank.
///
/// Most lookups are of short pieces, so tokens of up to [`SHORT`] bytes live packed in their
/// table slot with their rank: a probe is one 16-byte compare and usually one cache miss.
/// Longer tokens' slots hold only the rank; a probe compares bytes through the rank-ordered
/// offsets, so the embedded blob serves as both key store and decoder.
pub struct Vocab {
    bytes: Cow<'static, [u8]>,
    /// `spans[r]..spans[r + 1]` are the bytes of rank `r`; an empty span is a rank with no
    /// token (no token is empty).
    spans: Vec<u32>,
    short: Vec<u128>,
    long: Vec<Rank>,
    /// Ranks of all two-byte keys, indexed directly (`NONE` where there is no token): the BPE
    /// looks up every adjacent byte pair of a piece, so these are the most frequent probes.
    pairs: Box<[Rank; 1 << 16]>,
    /// Bits of the hashes of the short tokens (see [`Vocab::filter`]).
    present: Box<Filter>,
    len: usize,
    /// Length of the longest token: longer keys need no probe.
    max_len: usize,
}

/// Ranks must fit in the 24 bits a short slot has for them.
pub const MAX_RANK: Rank = (1 << 24) - 2;

/// Starts loading the cache line of `at` (for a write soon after).
#[inline(always)]
fn prefetch<T>(at: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching reads nothing and cannot fault; `at` is a valid reference.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((at as *const T).cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// A table of `2^k` slots for `n` keys, at most half full (a lookup of a key that is no token,
/// the common case in the merges, probes about 1.7 slots then; at three quarters, over 6) and at
/// least 16 slots.
fn slots_for(n: usize) -> usize {
    (n * 2).next_power_of_two().max(16)
}

impl Vocab {
    /// Builds the vocabulary from `(bytes, rank)` pairs with distinct ranks and tokens.
    pub fn from_pairs(mut pairs: Vec<(Vec<u8>, Rank)>) -> Vocab {
        pairs.sort_unstable_by_key(|p| p.1);
        let n = pairs.last().map_or(0, |p| p.1 as usize + 1);
        let mut bytes = Vec::with_capacity(pairs.iter().map(|p| p.0.len()).sum());
        let mut spans = Vec::with_capacity(n + 1);
        spans.push(0);
        let mut next = pairs.iter().peekable();
        for r in 0..n {
            if let Some((token, _)) = next.next_if(|p| p.1 as usize == r) {
                bytes.extend_from_slice(token);
            }
            spans.push(bytes.len() as u32);
        }
        Vocab::build(Cow::Owned(bytes), spans)
    }

    /// Reads a blob written by `build.rs`: `n`, `n + 1` offsets, token bytes.
    pub(super) fn from_blob(blob: &'static [u8]) -> Vocab {
        let n = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
        let spans: Vec<u32> =
            blob[4..4 * (n + 2)].chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
        let bytes = &blob[4 * (n + 2)..];
        Vocab::build(Cow::Borrowed(bytes), spans)
    }

    fn build(bytes: Cow<'static, [u8]>, spans: Vec<u32>) -> Vocab {
        let tokens = || spans.windows(2).enumerate().map(|(r, w)| (r as Rank, &bytes[w[0] as usize..w[1] as usize]));
        let (mut n_short, mut n_long, mut max_len) = (0, 0, 0);
        for w in spans.windows(2) {
            let len = (w[1] - w[0]) as usize;
            n_short += usize::from(len > 0 && len <= SHORT);
            n_long += usize::from(len > SHORT);
            max_len = max_len.max(len);
        }
        let mut short = vec![0u128; slots_for(n_short)];
        let mut long = vec![NONE; slots_for(n_long)];
        let mut pairs: Box<[Rank; 1 << 16]> = zeroed();
        pairs.fill(NONE);
        let mut present: Box<Filter> = zeroed();
        let (short_mask, long_mask) = (short.len() - 1, long.len() - 1);
        // The slots that the tokens AHEAD places later go in are prefetched, so that the
        // table's cache misses overlap instead of costing one wait per token.
        const AHEAD: usize = 16;
        let home = |token: &[u8]| hash_packed(pack(token)) as usize & short_mask;
        for (r, token) in tokens() {
            if let Some(later) = spans.get(r as usize + AHEAD..r as usize + AHEAD + 2) {
                let later = &bytes[later[0] as usize..later[1] as usize];
                if !later.is_empty() && later.len() <= SHORT {
                    prefetch(&short[home(later)]);
                }
            }
            if token.len() == 2 {
                pairs[(token[0] as usize) << 8 | token[1] as usize] = r;
            }
            if !token.is_empty() && token.len() <= SHORT {
                let packed = pack(token);
                let hash = hash_packed(packed);
                let (word, bits) = present_bits(hash);
                present[word] |= bits;
                let mut slot = hash as usize & short_mask;
                while short[slot] != 0 {
                    slot = (slot + 1) & short_mask;
                }
                short[slot] = packed | (r as u128) << 104;
            } else if token.len() > SHORT {
                let mut slot = hash(token) as usize & long_mask;
                while long[slot] != NONE {
                    slot = (slot + 1) & long_mask;
                }
                long[slot] = r;
            }
        }
        Vocab { bytes, spans, short, long, pairs, present, len: n_short + n_long, max_len }
    }

    /// Rank of a key of 1 to [`SHORT`] bytes given packed, with its [`hash_packed`].
    #[inline]
    pub(crate) fn rank_packed(&self, packed: u128, hash: u64) -> Option<Rank> {
        let mask = self.short.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            let entry = self.short[slot];
            if entry & KEY_BITS == packed {
                // An empty slot (0) never equals a packed key, whose length is at least 1.
                return Some((entry >> 104) as Rank);
            }
            if entry == 0 {
                return None;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The filter of the short tokens: a short key whose [`hash_packed`] it does not pass (see
    /// [`may_hold`]) is no token, known from one load instead of a probe of the short table.
    #[inline(always)]
    pub(crate) fn filter(&self) -> &Filter {
        &self.present
    }

    /// Length of the longest token.
    pub fn max_token_len(&self) -> usize {
        self.max_len
    }

    /// Number of mergeable tokens.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no mergeable tokens.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// One past the highest rank.
    pub fn rank_end(&self) -> Rank {
        (self.spans.len() - 1) as Rank
    }

    /// Bytes of the token with rank `r` (empty for a hole); `r` must be below `rank_end`.
    #[inline]
    fn token(&self, r: Rank) -> &[u8] {
        let r = r as usize;
        &self.bytes[self.spans[r] as usize..self.spans[r + 1] as usize]
    }

    /// Bytes of the token with rank `r`, if there is one.
    #[inline]
    pub fn bytes_of(&self, r: Rank) -> Option<&[u8]> {
        if (r as usize) + 1 < self.spans.len() && self.spans[r as usize] != self.spans[r as usize + 1] {
            Some(self.token(r))
        } else {
            None
        }
    }

    /// Rank of the two-byte token `a b`, if it is one.
    #[inline(always)]
    pub(crate) fn rank_pair(&self, a: u8, b: u8) -> Option<Rank> {
        let r = self.pairs[(a as usize) << 8 | b as usize];
        if r == NONE {
            None
        } else {
            Some(r)
        }
    }

    /// Rank of the token `bytes[start..end]`, if it is one; short keys are read as by [`pack_at`].
    #[inline(always)]
    pub(crate) fn rank_at(&self, bytes: &[u8], start: usize, end: usize) -> Option<Rank> {
        let len = end - start;
        if len == 2 {
            return self.rank_pair(bytes[start], bytes[start + 1]);
        }
        if len <= SHORT && len > 0 {
            let packed = pack_at(bytes, start, len);
            return self.rank_packed(packed, hash_packed(packed));
        }
        self.rank(&bytes[start..end])
    }

    /// Rank of the token `key`, if it is one.
    #[inline]
    pub fn rank(&self, key: &[u8]) -> Option<Rank> {
        if key.len() <= SHORT {
            if key.len() == 2 {
                let r = self.pairs[(key[0] as usize) << 8 | key[1] as usize];
                return if r == NONE { None } else { Some(r) };
            }
            if key.is_empty() {
                return None;
            }
            let packed = pack(key);
            return self.rank_packed(packed, hash_packed(packed));
        }
        if key.len() > self.max_len {
            return None;
        }
        let mask = self.long.len() - 1;
        let mut slot = hash(key) as usize & mask;
        loop {
            let r = self.long[slot];
            if r == NONE {
                return None;
            }
            if self.token(r) == key {
                return Some(r);
            }
            slot = (slot + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::keys::{hash_packed, may_hold, pack};

    #[test]
    fn table_finds_every_token_and_nothing_else() {
        let v = Vocab::from_pairs(vec![(b"a".to_vec(), 0), (b"bc".to_vec(), 2), (b"abcdefghij".to_vec(), 3)]);
        assert_eq!(v.rank(b"a"), Some(0));
        assert_eq!(v.rank(b"bc"), Some(2));
        assert_eq!(v.rank(b"abcdefghij"), Some(3));
        assert_eq!(v.rank(b"b"), None);
        assert_eq!(v.rank(b""), None);
        assert_eq!(v.rank(b"abcdefghijk"), None);
        assert_eq!(v.bytes_of(1), None);
        assert_eq!(v.bytes_of(4), None);
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn the_filter_passes_every_short_token_and_stops_most_other_keys() {
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15);
        for name in ["cl100k_base", "o200k_base"] {
            let v = &*crate::vocab::builtin(name).unwrap();
            let mut tokens = 0;
            for r in 0..v.rank_end() {
                if let Some(t) = v.bytes_of(r).filter(|t| t.len() <= SHORT) {
                    assert!(may_hold(v.filter(), hash_packed(pack(t))), "{name}: {t:?}");
                    tokens += 1;
                }
            }
            assert!(tokens > 90_000, "{name}: {tokens}");
            // Keys of the kind the merges of random letters ask about: mostly no token.
            let (mut others, mut passed) = (0, 0);
            for _ in 0..100_000 {
                let len = 3 + (next() % 4) as usize;
                let key: Vec<u8> = (0..len).map(|_| b'a' + (next() >> 33) as u8 % 26).collect();
                if v.rank(&key).is_none() {
                    others += 1;
                    passed += usize::from(may_hold(v.filter(), hash_packed(pack(&key))));
                }
            }
            assert!(others > 50_000 && passed * 20 < others, "{name}: {passed} of {others} passed");
        }
    }
}
