//! Rank tables: the embedded encodings, `.tiktoken` files, and their special tokens.

use crate::error::{Error, Result};
use crate::follow_memo::FollowMemo;
use crate::pair_cache::PairCache;
use crate::pretok::Family;
use crate::tiktoken_format;
use crate::token_starts::TokenStarts;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// Token id.
pub type Rank = u32;

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
    /// Which lengths of token start where, for the merge of very long pieces; made on first use.
    starts: OnceLock<Option<TokenStarts>>,
    /// What adjacent token pairs merge into, as streams and long pieces found it; made on first use.
    joins: OnceLock<PairCache>,
    /// What short deltas add after a token, as streams found it; made on first use.
    follows: OnceLock<FollowMemo>,
}

/// Longest token kept packed in the short table.
pub(crate) const SHORT: usize = 12;
/// The key and length bits of a short slot; the rank sits above them.
const KEY_BITS: u128 = (1 << 104) - 1;
/// log2 of the words of the short keys' filter: 2^15 words of 64 bits, 256 KiB, small enough
/// for the L2 cache beside a call's rank cache, where the short table (8 MiB for o200k_base) is
/// not. Each short token sets two bits of one word; about 1 in 30 keys that are no token of
/// o200k_base still pass (one bit a token let 1 in 11 through).
const PRESENT_WORDS: u32 = 15;
/// Where a short key's filter word sits in its [`hash_packed`]: above the bits that pick its slot
/// in the short table (19 for o200k_base, 18 for cl100k_base) and the 6 that pick one of its two
/// bits in the word, and below the ones that pick a rank cache's slot (from bit 40), so that keys
/// that share a slot or a filter word spread over the others. (Any bits would answer exactly.)
const PRESENT_SHIFT: u32 = 25;

/// Ranks must fit in the 24 bits a short slot has for them.
pub const MAX_RANK: Rank = (1 << 24) - 2;

/// `key` (at most [`SHORT`] bytes) packed little-endian, with its length in bits 96..104.
#[inline]
pub(crate) fn pack(key: &[u8]) -> u128 {
    let n = key.len();
    // Two overlapping loads put every byte at its own position; where they overlap they agree.
    let bytes = if n >= 8 {
        let lo = u64::from_le_bytes(key[..8].try_into().unwrap_or([0; 8]));
        let hi = u64::from_le_bytes(key[n - 8..n].try_into().unwrap_or([0; 8]));
        u128::from(lo) | u128::from(hi) << (8 * (n - 8))
    } else if n >= 4 {
        let lo = u32::from_le_bytes(key[..4].try_into().unwrap_or([0; 4]));
        let hi = u32::from_le_bytes(key[n - 4..n].try_into().unwrap_or([0; 4]));
        u128::from(u64::from(lo) | u64::from(hi) << (8 * (n - 4)))
    } else if n > 0 {
        u128::from(key[0]) | u128::from(key[n / 2]) << (n / 2 * 8) | u128::from(key[n - 1]) << ((n - 1) * 8)
    } else {
        0
    };
    bytes | (n as u128) << 96
}

/// `bytes[start..start + len]` (1 to [`SHORT`] bytes) packed as [`pack`] packs it, with one load
/// when `bytes` has 16 bytes from `start`, or 16 bytes in all to load its end from.
#[inline(always)]
pub(crate) fn pack_at(bytes: &[u8], start: usize, len: usize) -> u128 {
    let load = |at: usize| u128::from_le_bytes(bytes[at..at + 16].try_into().unwrap_or([0; 16]));
    let w = if start + 16 <= bytes.len() {
        load(start)
    } else if bytes.len() >= 16 {
        let at = bytes.len() - 16;
        load(at) >> (8 * (start - at))
    } else {
        return pack(&bytes[start..start + len]);
    };
    w & KEEP[len & 15] | (len as u128) << 96
}

/// An array of zeros on the heap, made there (`Box::new` of an array may build it on the stack).
pub(crate) fn zeroed<T: Copy + Default, const N: usize>() -> Box<[T; N]> {
    match vec![T::default(); N].into_boxed_slice().try_into() {
        Ok(array) => array,
        Err(_) => unreachable!("a vector of N elements makes an array of N"),
    }
}

/// A type whose value may be all zero bytes (plain integers, arrays and atomics of them).
///
/// # Safety
/// Every bit pattern of all zeros must be a valid value of the type.
pub(crate) unsafe trait Zeroable {}

// SAFETY: an atomic integer of zero bytes is the integer 0.
unsafe impl Zeroable for std::sync::atomic::AtomicU64 {}

/// `n` values of all zero bytes, in zeroed memory from the allocator: for a table of megabytes,
/// fresh pages that become resident only where something is written (`vec![value; n]` of a type
/// that is not a primitive writes every value, making the whole table resident at once).
pub(crate) fn zeroed_slice<T: Zeroable>(n: usize) -> Box<[T]> {
    let layout = std::alloc::Layout::array::<T>(n).unwrap_or_else(|_| panic!("a table of {n} values is too large"));
    let ptr = if layout.size() == 0 {
        // Nothing to allocate (no values, or values of no size): a box of it frees nothing.
        std::ptr::NonNull::<T>::dangling().as_ptr()
    } else {
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<T>();
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        ptr
    };
    // SAFETY: `ptr` holds `n` values of all zero bytes, valid values of `T` (`Zeroable`), in an
    // allocation made with the layout a box of them frees it with (`Layout::array::<T>(n)`).
    unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, n)) }
}

/// `KEEP[n]`: the low `n` bytes of a `u128` (a load from a table where the shift of a `u128` by
/// a variable amount takes a dozen instructions).
const KEEP: [u128; 16] = {
    let mut keep = [0; 16];
    let mut n = 0;
    while n < 16 {
        keep[n] = (1u128 << (8 * n)) - 1;
        n += 1;
    }
    keep
};

/// Hash of any byte string (the long tokens' table uses it).
#[inline]
pub(crate) fn hash(key: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (key.len() as u64).wrapping_mul(K);
    for c in key.chunks(8) {
        let mut w = [0u8; 8];
        w[..c.len()].copy_from_slice(c);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// Hash of a packed short key: a folded 64×64→128-bit multiply, so that every key bit reaches
/// the low bits that pick a slot (keys that share their first bytes must not cluster).
#[inline]
pub(crate) fn hash_packed(p: u128) -> u64 {
    let a = (p as u64) ^ 0x243f_6a88_85a3_08d3;
    let b = ((p >> 64) as u64) ^ 0x1319_8a2e_0370_7344;
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ (m >> 64) as u64
}

/// The filter of a vocabulary's short tokens (see [`Vocab::filter`]).
pub(crate) type Filter = [u64; 1 << PRESENT_WORDS];

/// Whether a short key whose [`hash_packed`] is `hash` may be a token of the vocabulary whose
/// `filter` this is.
#[inline(always)]
pub(crate) fn may_hold(filter: &Filter, hash: u64) -> bool {
    let (word, bits) = present_bits(hash);
    filter[word] & bits == bits
}

/// The filter word of a short key with [`hash_packed`] `hash`, and the two bits of it that the
/// key sets (or one, when both fall on the same).
#[inline(always)]
fn present_bits(hash: u64) -> (usize, u64) {
    let word = (hash >> PRESENT_SHIFT) as usize & ((1 << PRESENT_WORDS) - 1);
    (word, 1 << (hash >> 19 & 63) | 1 << (hash >> 58))
}

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
    fn from_blob(blob: &'static [u8]) -> Vocab {
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
        Vocab {
            bytes,
            spans,
            short,
            long,
            pairs,
            present,
            len: n_short + n_long,
            max_len,
            starts: OnceLock::new(),
            joins: OnceLock::new(),
            follows: OnceLock::new(),
        }
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

    /// Which lengths of token start where (made on the first call), unless a token is too long
    /// for the index.
    pub fn token_starts(&self) -> Option<&TokenStarts> {
        self.starts.get_or_init(|| TokenStarts::new(self)).as_ref()
    }

    /// What adjacent token pairs merge into, remembered for every caller of this vocabulary (see
    /// [`crate::pair_cache`]).
    pub fn pairs(&self) -> &PairCache {
        self.joins.get_or_init(PairCache::default)
    }

    /// What short deltas add after a token, as streams found it (see [`crate::follow_memo`]);
    /// shared by every encoding of this vocabulary.
    pub fn follows(&self) -> &FollowMemo {
        self.follows.get_or_init(FollowMemo::default)
    }

    /// Forgets the pairs remembered, and what deltas add after a token, if any.
    pub fn clear_pairs(&self) {
        if let Some(pairs) = self.joins.get() {
            pairs.clear();
        }
        if let Some(follows) = self.follows.get() {
            follows.clear();
        }
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

/// The embedded vocabularies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Embedded {
    R50k,
    P50k,
    Cl100k,
    O200k,
}

impl Embedded {
    fn vocab(self) -> Arc<Vocab> {
        static CELLS: [OnceLock<Arc<Vocab>>; 4] = [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let (cell, blob): (_, &'static [u8]) = match self {
            Embedded::R50k => (&CELLS[0], include_bytes!(concat!(env!("OUT_DIR"), "/r50k_base.bin"))),
            Embedded::P50k => (&CELLS[1], include_bytes!(concat!(env!("OUT_DIR"), "/p50k_base.bin"))),
            Embedded::Cl100k => (&CELLS[2], include_bytes!(concat!(env!("OUT_DIR"), "/cl100k_base.bin"))),
            Embedded::O200k => (&CELLS[3], include_bytes!(concat!(env!("OUT_DIR"), "/o200k_base.bin"))),
        };
        cell.get_or_init(|| Arc::new(Vocab::from_blob(blob))).clone()
    }
}

/// Everything an encoding is made of: pattern family, mergeable ranks, special tokens.
pub struct Spec {
    /// The encoding's name.
    pub name: String,
    /// The pre-tokenizer pattern family.
    pub family: Family,
    /// The mergeable tokens.
    pub vocab: Arc<Vocab>,
    /// Special tokens and their ids, in the order of the dict that named them (where one is a
    /// prefix of another, the order decides which tiktoken matches).
    pub specials: Vec<(String, Rank)>,
}

/// Names of the built-in encodings, in tiktoken's order.
pub const BUILTIN_NAMES: [&str; 7] =
    ["gpt2", "r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base", "o200k_harmony"];

const ENDOFTEXT: &str = "<|endoftext|>";
const FIM_PREFIX: &str = "<|fim_prefix|>";
const FIM_MIDDLE: &str = "<|fim_middle|>";
const FIM_SUFFIX: &str = "<|fim_suffix|>";
const ENDOFPROMPT: &str = "<|endofprompt|>";

impl Spec {
    /// The built-in encoding `name`, with exactly the special tokens tiktoken 0.14 defines.
    pub fn builtin(name: &str) -> Result<Spec> {
        let s = |pairs: &[(&str, Rank)]| pairs.iter().map(|(t, r)| (t.to_string(), *r)).collect::<Vec<_>>();
        let (family, vocab, specials) = match name {
            "gpt2" | "r50k_base" => (Family::Gpt2, Embedded::R50k, s(&[(ENDOFTEXT, 50256)])),
            "p50k_base" => (Family::Gpt2, Embedded::P50k, s(&[(ENDOFTEXT, 50256)])),
            "p50k_edit" => (
                Family::Gpt2,
                Embedded::P50k,
                s(&[(ENDOFTEXT, 50256), (FIM_PREFIX, 50281), (FIM_MIDDLE, 50282), (FIM_SUFFIX, 50283)]),
            ),
            "cl100k_base" => (
                Family::Cl100k,
                Embedded::Cl100k,
                s(&[
                    (ENDOFTEXT, 100257),
                    (FIM_PREFIX, 100258),
                    (FIM_MIDDLE, 100259),
                    (FIM_SUFFIX, 100260),
                    (ENDOFPROMPT, 100276),
                ]),
            ),
            "o200k_base" => (Family::O200k, Embedded::O200k, s(&[(ENDOFTEXT, 199999), (ENDOFPROMPT, 200018)])),
            "o200k_harmony" => (Family::O200k, Embedded::O200k, harmony_specials()),
            other => return Err(Error::UnknownEncoding(other.to_string())),
        };
        Ok(Spec { name: name.to_string(), family, vocab: vocab.vocab(), specials })
    }

    /// An encoding from `.tiktoken` data of a known pattern family, checked for consistency.
    pub fn from_tiktoken(name: &str, family: Family, data: &[u8], specials: Vec<(String, Rank)>) -> Result<Spec> {
        let pairs = tiktoken_format::parse(data)?;
        if let Some((_, rank)) = pairs.iter().find(|p| p.1 > MAX_RANK) {
            return Err(Error::MalformedVocab { line: 0, reason: format!("rank {rank} is above {MAX_RANK}") });
        }
        let vocab = Vocab::from_pairs(pairs);
        // Two texts may share an id (o200k_harmony's do); decoding gives the first one's text.
        for (text, id) in &specials {
            if text.is_empty() {
                return Err(Error::InvalidSpecial(text.clone(), "empty text".to_string()));
            }
            if vocab.bytes_of(*id).is_some() {
                return Err(Error::InvalidSpecial(text.clone(), format!("id {id} is a mergeable token")));
            }
            if *id == NONE {
                return Err(Error::InvalidSpecial(text.clone(), format!("id {id} is out of range")));
            }
        }
        let mut texts: Vec<&str> = specials.iter().map(|s| s.0.as_str()).collect();
        texts.sort_unstable();
        if let Some(w) = texts.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidSpecial(w[0].to_string(), "text is used twice".to_string()));
        }
        Ok(Spec { name: name.to_string(), family, vocab: Arc::new(vocab), specials })
    }
}

/// o200k_harmony's special tokens, reserved range included.
fn harmony_specials() -> Vec<(String, Rank)> {
    let named: [(&str, Rank); 16] = [
        (ENDOFPROMPT, 200018),
        ("<|startoftext|>", 199998),
        (ENDOFTEXT, 199999),
        ("<|reserved_200000|>", 200000),
        ("<|reserved_200001|>", 200001),
        ("<|return|>", 200002),
        ("<|constrain|>", 200003),
        ("<|reserved_200004|>", 200004),
        ("<|channel|>", 200005),
        ("<|start|>", 200006),
        ("<|end|>", 200007),
        ("<|message|>", 200008),
        ("<|reserved_200009|>", 200009),
        ("<|reserved_200010|>", 200010),
        ("<|reserved_200011|>", 200011),
        ("<|call|>", 200012),
    ];
    let mut all: Vec<(String, Rank)> = named.iter().map(|(t, r)| (t.to_string(), *r)).collect();
    // o200k_base's <|endofprompt|> keeps id 200018, which the reserved range gives
    // <|reserved_200018|> too: two texts, one id, as in tiktoken.
    all.extend((200013..201088).map(|i| (format!("<|reserved_{i}|>"), i)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn embedded_vocabularies_have_their_sizes() {
        assert_eq!(Spec::builtin("r50k_base").unwrap().vocab.len(), 50256);
        assert_eq!(Spec::builtin("p50k_base").unwrap().vocab.len(), 50280);
        assert_eq!(Spec::builtin("cl100k_base").unwrap().vocab.len(), 100256);
        assert_eq!(Spec::builtin("o200k_base").unwrap().vocab.len(), 199998);
    }

    #[test]
    fn zeroed_slices_hold_zeros_of_every_size() {
        use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
        for n in [0, 1, 7, 1 << 18] {
            let t = zeroed_slice::<AtomicU64>(n);
            assert_eq!(t.len(), n);
            assert!(t.iter().all(|v| v.load(Relaxed) == 0));
            if let Some(last) = t.last() {
                last.store(7, Relaxed);
                assert_eq!(t[n - 1].load(Relaxed), 7);
            }
        }
        // Values of no size: nothing is allocated, the length is kept.
        struct Nothing;
        // SAFETY: a type of no bytes has one value, all of its (no) bytes zero.
        unsafe impl Zeroable for Nothing {}
        assert_eq!(zeroed_slice::<Nothing>(5).len(), 5);
    }

    #[test]
    fn the_filter_passes_every_short_token_and_stops_most_other_keys() {
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15);
        for name in ["cl100k_base", "o200k_base"] {
            let v = &*Spec::builtin(name).unwrap().vocab;
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
