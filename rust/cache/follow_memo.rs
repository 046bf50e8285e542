//! What a short delta adds after a token, remembered for every stream of an encoding.
//!
//! A stream of Chinese or Japanese mostly pushes one or two characters that go on with the word
//! the tail ends in. Its open piece (`stream::open_piece`) would look the delta up in the
//! vocabulary and the pair of the last token and the delta's in the pair memo: two loads, the
//! second waiting for the first, each from a table of megabytes. When the delta is one token `b`
//! and the last token `a` stays apart from it, the piece's encoding is the old one and `b` (the
//! pair rule, see ARCHITECTURE.md); both facts depend on `a` and the delta alone. Here they are
//! one load, keyed by `a` and the delta's characters.
//!
//! The key holds the last token (below 2^18) and up to two characters of the Basic Multilingual
//! Plane (16 bits each, none of them NUL): 50 bits. A bijective mix of the key picks the entry
//! with its low bits and is kept whole above them (the entry's tag), so an entry names its key
//! exactly ([`AtomicTable`]).

use super::atomic_table::AtomicTable;
use crate::vocab::Rank;

/// log2 of the number of entries (8 bytes each: 256 KiB).
const BITS: u32 = 15;
/// Bits of a key.
const KEY_BITS: u32 = 50;
const KEY_MASK: u64 = (1 << KEY_BITS) - 1;
/// Tokens kept, and last tokens keyed: below 2^18 (every built-in vocabulary's).
const RANK_BITS: u32 = 18;
const RANK_LIMIT: Rank = 1 << RANK_BITS;
/// An entry: the mixed key above its index's bits (with a bit that makes the tag non-zero),
/// then the delta's token.
type Table = AtomicTable<BITS, RANK_BITS>;

/// The key of a delta after a token (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowKey(u64);

impl FollowKey {
    /// The key of `delta` (UTF-8) after the token `last`, if they fit one: a delta of one or
    /// two characters of the Basic Multilingual Plane, none of them NUL.
    #[inline(always)]
    pub fn of(last: Rank, delta: &[u8]) -> Option<FollowKey> {
        if last >= RANK_LIMIT {
            return None;
        }
        let (first, n) = bmp_char(delta)?;
        let second = match delta.len() - n {
            0 => 0,
            _ => match bmp_char(&delta[n..])? {
                (c, m) if n + m == delta.len() => c,
                _ => return None,
            },
        };
        Some(FollowKey(u64::from(last) | u64::from(first) << RANK_BITS | u64::from(second) << (RANK_BITS + 16)))
    }

    /// The key mixed by a bijection of 50-bit words (an odd multiplier, then the high half
    /// folded onto the low): its low bits spread keys over the entries, and it gives the key back.
    #[inline(always)]
    fn mixed(self) -> u64 {
        let m = self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15 | 1) & KEY_MASK;
        m ^ m >> (KEY_BITS / 2)
    }
}

/// The first character of `bytes` (valid UTF-8 or not) when it is in the Basic Multilingual
/// Plane and not NUL, with its length in bytes.
#[inline(always)]
fn bmp_char(bytes: &[u8]) -> Option<(u16, usize)> {
    let &lead = bytes.first()?;
    let cont = |i: usize| bytes.get(i).filter(|&&b| b & 0xc0 == 0x80).map(|&b| u16::from(b & 0x3f));
    match lead {
        0 => None,
        1..=0x7f => Some((u16::from(lead), 1)),
        0xc2..=0xdf => Some((u16::from(lead & 0x1f) << 6 | cont(1)?, 2)),
        0xe0..=0xef => {
            let c = u16::from(lead & 0x0f) << 12 | cont(1)? << 6 | cont(2)?;
            // Overlong forms and surrogates are no characters of a `str`.
            (c >= 0x800 && !(0xd800..0xe000).contains(&c)).then_some((c, 3))
        }
        _ => None,
    }
}

/// The shared memo of the tokens that short deltas add after a token.
pub struct FollowMemo {
    /// Entries by the low bits of the mixed key.
    table: Table,
    on: bool,
}

impl Default for FollowMemo {
    fn default() -> Self {
        Self::new(super::on(super::Cache::Follow))
    }
}

impl FollowMemo {
    /// An empty memo; one made off keeps nothing.
    pub fn new(on: bool) -> Self {
        FollowMemo { table: Table::default(), on }
    }

    /// The entry index and tag of `key`: the mixed key's low bits, and the bits above them.
    #[inline(always)]
    fn place(key: FollowKey) -> (u64, u64) {
        let mixed = key.mixed();
        (mixed, mixed >> BITS | 1 << (KEY_BITS - BITS))
    }

    /// The token that the delta of `key` adds after its last token, if kept.
    #[inline]
    pub fn get(&self, key: FollowKey) -> Option<Rank> {
        let (index, tag) = Self::place(key);
        self.table.get(index, tag).filter(|_| self.on).map(|token| token as Rank)
    }

    /// Keeps `token` as what the delta of `key` adds after its last token: the delta is that one
    /// token, and it stays apart from the last token.
    #[inline]
    pub fn put(&self, key: FollowKey, token: Rank) {
        if token < RANK_LIMIT && self.on {
            let (index, tag) = Self::place(key);
            self.table.put(index, tag, u64::from(token));
        }
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.table.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_take_one_or_two_bmp_characters() {
        let key = |last, s: &str| FollowKey::of(last, s.as_bytes());
        assert!(key(5, "的").is_some() && key(5, "中文").is_some() && key(5, "ab").is_some());
        assert!(key(5, "ыя").is_some() && key(RANK_LIMIT - 1, "é").is_some());
        // Three characters, none, NUL, a character outside the BMP, a rank too large.
        for s in ["中文字", "", "\0", "a\0", "😀", "a😀"] {
            assert_eq!(key(5, s), None, "{s:?}");
        }
        assert_eq!(key(RANK_LIMIT, "a"), None);
        // Bytes that are no whole characters.
        for b in [&b"\xe4\xb8"[..], b"\x80", b"\xed\xa0\x80", b"\xe0\x80\x80", b"\xff"] {
            assert_eq!(FollowKey::of(5, b), None, "{b:?}");
        }
        // Distinct deltas and last tokens make distinct keys.
        let keys = [key(5, "a"), key(5, "ab"), key(5, "ba"), key(6, "a"), key(5, "é"), key(5, "中")];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn the_mix_is_a_bijection_so_an_entry_names_its_key() {
        // Keys that share an entry differ above its bits, where the entry keeps them.
        let mut seen = std::collections::HashMap::new();
        for last in (0..RANK_LIMIT).step_by(977) {
            for c in (1..=0xffffu32).step_by(251) {
                let k = FollowKey(u64::from(last) | u64::from(c) << RANK_BITS | u64::from(c ^ 0x5a5a) << 34);
                assert!(seen.insert(k.mixed(), k).is_none(), "{k:?}");
            }
        }
    }

    #[test]
    fn a_token_comes_back_for_its_key_only() {
        let memo = FollowMemo::new(true);
        let key = FollowKey::of(1_000, "中文".as_bytes()).unwrap();
        assert_eq!(memo.get(key), None);
        memo.put(key, 12_345);
        assert_eq!(memo.get(key), Some(12_345));
        // Keys in the same entry: the last one kept wins, the other is a miss, never its token.
        let home = key.mixed() & ((1 << BITS) - 1);
        let other = (0..RANK_LIMIT)
            .filter_map(|last| FollowKey::of(last, "中文".as_bytes()))
            .find(|k| *k != key && k.mixed() & ((1 << BITS) - 1) == home)
            .unwrap();
        assert_eq!(memo.get(other), None);
        memo.put(other, 7);
        assert_eq!((memo.get(key), memo.get(other)), (None, Some(7)));
        memo.put(key, RANK_LIMIT);
        assert_eq!(memo.get(key), None);
        memo.clear();
        assert_eq!(memo.get(other), None);
    }
}
