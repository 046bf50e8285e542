//! How token bytes become table keys: short keys packed into a word, hashes, and the filter of
//! a vocabulary's short tokens.

/// Longest token kept packed in the short table.
pub(crate) const SHORT: usize = 12;

/// The key and length bits of a short slot; the rank sits above them.
pub(crate) const KEY_BITS: u128 = (1 << 104) - 1;

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
pub(crate) fn present_bits(hash: u64) -> (usize, u64) {
    let word = (hash >> PRESENT_SHIFT) as usize & ((1 << PRESENT_WORDS) - 1);
    (word, 1 << (hash >> 19 & 63) | 1 << (hash >> 58))
}
