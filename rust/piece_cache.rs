//! A cache from short pieces to their tokens that outlives one call.
//!
//! Text repeats its pieces: a page of German or Chinese has a few thousand distinct ones, and a
//! process that counts many texts sees the same words again and again. Once a piece of up to
//! 111 bytes has been merged, its tokens sit in a slot keyed by the piece's own bytes, so
//! the next time it costs one hash and one 32-byte compare instead of a merge with its rank
//! lookups. Keys hold the whole piece, so a hit is exact; a full set simply drops its older
//! entry, which costs a merge later and never a wrong answer.
//!
//! The table is allocated zeroed (an all-zero entry is empty), so pages that no piece touches
//! are never made resident.

use crate::vocab::{hash_packed, Rank};

/// Most tokens kept per piece; a piece with more keeps its count only.
const IDS_MAX: usize = 5;
/// Bits per kept id: every built-in vocabulary's ranks fit.
const ID_BITS: u32 = 24;
const ID_MASK: u128 = (1 << ID_BITS) - 1;

/// Longest piece a key of `W` words holds: its bytes and a length byte fill the key.
pub const fn key_max(words: usize) -> usize {
    16 * words - 1
}

/// `bytes[start..start + len]` (1 to [`key_max`]`(W)` bytes) as a key of `W` words: the bytes
/// little-endian, the rest zero, the length in the last byte.
#[inline(always)]
pub fn key_at<const W: usize>(bytes: &[u8], start: usize, len: usize) -> [u128; W] {
    debug_assert!((1..=key_max(W)).contains(&len));
    let mut key = [0u128; W];
    let mut fill = |from: &[u8]| {
        for (i, word) in key.iter_mut().enumerate() {
            *word = u128::from_le_bytes(from[16 * i..16 * i + 16].try_into().unwrap_or([0; 16]));
        }
    };
    if start + 16 * W <= bytes.len() {
        fill(&bytes[start..]);
    } else if W == 1 && bytes.len() >= 16 {
        // Load the text's last 16 bytes and shift the piece down to the start.
        let at = bytes.len() - 16;
        fill(&bytes[at..]);
        key[0] >>= 8 * (start - at);
    } else {
        let mut buf = [0u8; 128];
        buf[..len].copy_from_slice(&bytes[start..start + len]);
        fill(&buf);
    }
    for (i, word) in key.iter_mut().enumerate() {
        let keep = len.saturating_sub(16 * i).min(16);
        *word &= if keep == 16 { !0 } else { (1u128 << (8 * keep)) - 1 };
    }
    key[W - 1] |= (len as u128) << 120;
    key
}

/// The tokens of one cached piece: the count in the low byte, then up to [`IDS_MAX`] ids of
/// [`ID_BITS`] each when they all fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cached(u128);

/// The count byte's flag for a piece whose ids were not kept.
const COUNT_ONLY: u128 = 0x80;

impl Cached {
    /// Number of tokens.
    #[inline(always)]
    pub fn count(self) -> usize {
        (self.0 & 0x7f) as usize
    }

    /// Appends the ids to `out`, or returns false when they were not kept.
    #[inline(always)]
    pub fn extend(self, out: &mut Vec<Rank>) -> bool {
        if self.0 & COUNT_ONLY != 0 {
            return false;
        }
        let mut v = self.0 >> 8;
        for _ in 0..self.count() {
            out.push((v & ID_MASK) as Rank);
            v >>= ID_BITS;
        }
        true
    }

    /// The entry for a piece whose tokens are `ids` (at least one), or None when even the count
    /// does not fit.
    fn of(ids: &[Rank]) -> Option<Cached> {
        if ids.is_empty() || ids.len() > 0x7f {
            return None;
        }
        if ids.len() > IDS_MAX || ids.iter().any(|&r| u128::from(r) > ID_MASK) {
            return Some(Cached(ids.len() as u128 | COUNT_ONLY));
        }
        let packed = ids.iter().rev().fold(0u128, |v, &r| v << ID_BITS | u128::from(r));
        Some(Cached(packed << 8 | ids.len() as u128))
    }
}

#[derive(Clone, Copy)]
struct Entry<const W: usize> {
    key: [u128; W],
    value: u128,
}

/// Two-way set-associative table from keys of `W` words (pieces of up to [`key_max`]`(W)` bytes)
/// to their tokens, with `2^BITS` sets.
pub struct PieceCache<const W: usize, const BITS: u32> {
    entries: Box<[Entry<W>]>,
}

/// The cache of pieces of up to 15 bytes (most pieces of most text): 2^15 sets of two 32-byte
/// entries, 2 MiB.
pub type ShortPieces = PieceCache<1, 15>;
/// The cache of pieces of 16 to 47 bytes (long words, runs of CJK or Thai): 2^13 sets of two
/// 64-byte entries, 1 MiB.
pub type LongerPieces = PieceCache<3, 13>;
/// The cache of pieces of 48 to 111 bytes (long runs of Thai, Japanese or Han): 2^11 sets of two
/// 128-byte entries, 512 KiB.
pub type LongPieces = PieceCache<7, 11>;

impl<const W: usize, const BITS: u32> Default for PieceCache<W, BITS> {
    fn default() -> Self {
        // `vec![zero; n]` of a type that is all zero bytes allocates zeroed memory lazily.
        let entries = vec![Entry { key: [0; W], value: 0 }; 2 << BITS].into_boxed_slice();
        PieceCache { entries }
    }
}

impl<const W: usize, const BITS: u32> PieceCache<W, BITS> {
    /// Longest piece this cache keeps.
    pub const KEY_MAX: usize = key_max(W);

    #[inline(always)]
    fn set_of(key: [u128; W]) -> usize {
        let mut folded = key[0];
        for &w in &key[1..] {
            folded = folded.rotate_left(41) ^ w;
        }
        ((hash_packed(folded) >> (64 - BITS)) as usize) << 1
    }

    /// The tokens kept for `key`, if any.
    #[inline(always)]
    pub fn get(&self, key: [u128; W]) -> Option<Cached> {
        let set = &self.entries[Self::set_of(key)..][..2];
        // Empty entries have key 0, which no real key (length at least 1) equals.
        if set[0].key == key {
            return Some(Cached(set[0].value));
        }
        if set[1].key == key {
            return Some(Cached(set[1].value));
        }
        None
    }

    /// Starts loading the set of `key`, so that a [`get`](Self::get) a little later finds it
    /// in the cache; lookups of consecutive pieces then wait for memory side by side.
    #[inline(always)]
    pub fn prefetch(&self, key: [u128; W]) {
        #[cfg(target_arch = "x86_64")]
        {
            let at = self.entries[Self::set_of(key)..].as_ptr();
            // SAFETY: prefetching reads nothing and cannot fault; `at` points into `entries`.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    /// Keeps `ids` as the tokens of `key`; the set's older entry makes way.
    #[inline]
    pub fn insert(&mut self, key: [u128; W], ids: &[Rank]) {
        let Some(value) = Cached::of(ids) else { return };
        let at = Self::set_of(key);
        let set = &mut self.entries[at..][..2];
        set[1] = set[0];
        set[0] = Entry { key, value: value.0 };
    }
}

/// A piece's key in the cache its length picks.
#[derive(Clone, Copy)]
pub enum Key {
    /// Of a piece of up to 15 bytes.
    Short([u128; 1]),
    /// Of a piece of 16 to 47 bytes.
    Longer([u128; 3]),
    /// Of a piece of 48 to 111 bytes.
    Long([u128; 7]),
    /// Of a longer piece, which no cache keeps.
    None,
}

/// The caches of all lengths: every piece of up to 111 bytes has a place.
#[derive(Default)]
pub struct PieceCaches {
    short: ShortPieces,
    longer: LongerPieces,
    long: LongPieces,
}

impl PieceCaches {
    /// The key of the piece `bytes[start..start + len]`.
    #[inline(always)]
    pub fn key(bytes: &[u8], start: usize, len: usize) -> Key {
        if len <= ShortPieces::KEY_MAX {
            Key::Short(key_at(bytes, start, len.max(1)))
        } else if len <= LongerPieces::KEY_MAX {
            Key::Longer(key_at(bytes, start, len))
        } else if len <= LongPieces::KEY_MAX {
            Key::Long(key_at(bytes, start, len))
        } else {
            Key::None
        }
    }

    /// See [`PieceCache::prefetch`].
    #[inline(always)]
    pub fn prefetch(&self, key: Key) {
        match key {
            Key::Short(k) => self.short.prefetch(k),
            Key::Longer(k) => self.longer.prefetch(k),
            Key::Long(k) => self.long.prefetch(k),
            Key::None => {}
        }
    }

    /// The tokens kept for `key`, if any.
    #[inline(always)]
    pub fn get(&self, key: Key) -> Option<Cached> {
        match key {
            Key::Short(k) => self.short.get(k),
            Key::Longer(k) => self.longer.get(k),
            Key::Long(k) => self.long.get(k),
            Key::None => None,
        }
    }

    /// Keeps `ids` as the tokens of `key`'s piece.
    #[inline]
    pub fn insert(&mut self, key: Key, ids: &[Rank]) {
        match key {
            Key::Short(k) => self.short.insert(k, ids),
            Key::Longer(k) => self.longer.insert(k, ids),
            Key::Long(k) => self.long.insert(k, ids),
            Key::None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_length_and_bytes() {
        let text = b"abcabcdabc\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
        assert_eq!(key_at::<1>(text, 0, 3), key_at(text, 7, 3));
        assert_ne!(key_at::<1>(text, 0, 3), key_at(text, 0, 4));
        assert_ne!(key_at::<1>(b"a\0", 0, 1), key_at(b"a\0", 0, 2));
        // Near the end of a long text and inside a short one, keys read the same bytes.
        let long = b"0123456789abcdefXYZ";
        assert_eq!(key_at::<1>(long, 16, 3), key_at(b"XYZ", 0, 3));
        assert_eq!(key_at::<1>(long, 4, 15), key_at(&long[4..], 0, 15));
        let text: Vec<u8> = (0..100u8).collect();
        for len in [16, 31, 32, 33, 47] {
            for start in [0, 1, 100 - len - 1, 100 - len] {
                let k = key_at::<3>(&text, start, len);
                let k7 = key_at::<7>(&text, start, len);
                assert_eq!(k7, key_at(&text[start..start + len], 0, len), "{start} {len}");
                assert_eq!(&k7[..2], &k[..2]);
                assert_eq!(k, key_at(&text[start..start + len], 0, len), "{start} {len}");
                let mut bytes = k.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>();
                assert_eq!(bytes.pop(), Some(len as u8));
                assert_eq!(&bytes[..len], &text[start..start + len]);
                assert!(bytes[len..].iter().all(|&b| b == 0));
            }
        }
    }

    #[test]
    fn kept_tokens_come_back() {
        let mut c = ShortPieces::default();
        let k = key_at(b"hello", 0, 5);
        assert_eq!(c.get(k), None);
        c.insert(k, &[7, 0xff_fffe, 3]);
        let got = c.get(k).unwrap();
        assert_eq!(got.count(), 3);
        let mut out = vec![];
        assert!(got.extend(&mut out));
        assert_eq!(out, [7, 0xff_fffe, 3]);
        // Too many ids for the entry: the count stays, the ids do not.
        let k2 = key_at(b"world", 0, 5);
        c.insert(k2, &[1, 2, 3, 4, 5, 6]);
        assert_eq!(c.get(k2).unwrap().count(), 6);
        assert!(!c.get(k2).unwrap().extend(&mut out));
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn a_full_set_drops_its_oldest_entry() {
        let mut c = ShortPieces::default();
        // Find three keys of one set.
        let mut same = vec![];
        for i in 0u32.. {
            let bytes = i.to_le_bytes();
            let k = key_at(&bytes, 0, 4);
            if ShortPieces::set_of(k) == ShortPieces::set_of(key_at(b"\0\0\0\0", 0, 4)) {
                same.push(k);
                if same.len() == 3 {
                    break;
                }
            }
        }
        for (i, &k) in same.iter().enumerate() {
            c.insert(k, &[i as Rank]);
        }
        assert_eq!(c.get(same[0]), None);
        assert_eq!(c.get(same[1]).unwrap().count(), 1);
        assert_eq!(c.get(same[2]).unwrap().count(), 1);
    }
}
