//! A cache from pieces to their tokens that outlives one call, for pieces of every length a
//! cache keeps: four tiers of set-associative tables up to 111 bytes, and the long pieces
//! (`long_pieces.rs`) up to 16 KiB, behind one [`Key`].
//!
//! Text repeats its pieces (a page of German or Chinese has a few thousand distinct ones, and a
//! process that counts many texts sees the same words again and again), so once a piece has been
//! merged its tokens sit in a slot keyed by the piece's own bytes: the next time it costs a hash
//! and a compare instead of a merge. Keys hold the whole piece, so a hit is exact; a full set
//! drops one entry, which costs a merge later and never a wrong answer.
//!
//! Sets have four entries (two in the table of wide ids, which few pieces need). A new piece
//! takes an empty entry if there is one, else the entry that its own hash names: texts that come
//! in turn, each many times (a server's requests, a batch counted again), would lose every piece
//! of a full set on every turn if the oldest went, as each evicts the one asked for next.
//!
//! A table starts at a sixteenth of its sets and doubles whenever a quarter of its entries are in
//! use, and it is allocated zeroed (an all-zero entry is empty): a first count in a process
//! writes into few pages, each of which costs a fault of the kernel, and pages that no piece
//! touches never become resident.

use super::long_pieces::{Found, LongPieces};
use crate::vocab::{hash_packed, Rank};
use crate::zeroed::{zeroed_slice, Zeroable};

/// Bits per kept id: every built-in vocabulary's ranks fit.
const ID_BITS: u32 = 24;
const ID_MASK: u128 = (1 << ID_BITS) - 1;

/// Longest piece a key of `W` words holds: its bytes and a length byte fill the key.
pub const fn key_max(words: usize) -> usize {
    16 * words - 1
}

/// Sixteen 0xff bytes, then sixteen zeros: any sixteen in a row keep a prefix of a word.
static KEEP_MASKS: [u8; 32] = {
    let mut m = [0u8; 32];
    let mut i = 0;
    while i < 16 {
        m[i] = 0xff;
        i += 1;
    }
    m
};

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
        let keep = len.saturating_sub(16 * i);
        if keep < 16 {
            // Sixteen bytes of which the first `keep` are 0xff: one load, not a 128-bit shift.
            *word &= u128::from_le_bytes(KEEP_MASKS[16 - keep..32 - keep].try_into().unwrap_or([0; 16]));
        }
    }
    key[W - 1] |= (len as u128) << 120;
    key
}

/// The tokens of one cached piece: the count in the low byte of the first word, then five ids
/// of [`ID_BITS`] per word, when they all fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cached<'a>(&'a [u128]);

/// The count byte's flag for a piece whose ids were not kept.
const COUNT_ONLY: u128 = 0x80;
/// Ids per value word.
const IDS_PER_WORD: usize = 5;

impl Cached<'_> {
    /// Number of tokens.
    #[inline(always)]
    pub fn count(self) -> usize {
        (self.0[0] & 0x7f) as usize
    }

    /// Appends the ids to `out`, or returns false when they were not kept.
    #[inline(always)]
    pub fn extend(self, out: &mut Vec<Rank>) -> bool {
        let first = self.0[0];
        if first & COUNT_ONLY != 0 {
            return false;
        }
        let n = self.count();
        if n == 1 {
            out.push((first >> 8 & ID_MASK) as Rank);
            return true;
        }
        out.reserve(n);
        let mut v = first >> 8;
        for i in 0..n {
            if i % IDS_PER_WORD == 0 && i > 0 {
                v = self.0[i / IDS_PER_WORD];
            }
            out.push((v & ID_MASK) as Rank);
            v >>= ID_BITS;
        }
        true
    }
}

/// The value words for a piece whose tokens are `ids` (at least one), or None when even the
/// count does not fit.
fn value_of<const V: usize>(ids: &[Rank]) -> Option<[u128; V]> {
    let mut value = [0u128; V];
    if ids.is_empty() || ids.len() > 0x7f {
        return None;
    }
    if ids.len() > IDS_PER_WORD * V || ids.iter().any(|&r| u128::from(r) > ID_MASK) {
        value[0] = ids.len() as u128 | COUNT_ONLY;
        return Some(value);
    }
    for (word, chunk) in value.iter_mut().zip(ids.chunks(IDS_PER_WORD)) {
        *word = chunk.iter().rev().fold(0u128, |v, &r| v << ID_BITS | u128::from(r));
    }
    value[0] = value[0] << 8 | ids.len() as u128;
    Some(value)
}

#[derive(Clone, Copy)]
#[repr(C)]
struct Entry<const W: usize, const V: usize> {
    key: [u128; W],
    value: [u128; V],
}

/// The entries of one set, aligned to 128 bytes: no entry straddles two cache lines, and a set
/// of 128 bytes is one aligned pair of lines (which a core's L2 prefetcher fetches together).
/// Every set is a multiple of 128 bytes long, so the alignment adds nothing.
#[derive(Clone, Copy)]
#[repr(C, align(128))]
struct Set<const W: usize, const V: usize, const WAYS: usize>([Entry<W, V>; WAYS]);

// SAFETY: a set is plain `u128`s; all zeros is a set of empty entries.
unsafe impl<const W: usize, const V: usize, const WAYS: usize> Zeroable for Set<W, V, WAYS> {}

/// `WAYS`-way set-associative table from keys of `W` words (pieces of up to [`key_max`]`(W)`
/// bytes) to values of `V` words (up to `5 V` ids), with up to `2^BITS` sets: it starts with a
/// sixteenth of them and doubles whenever a quarter of its entries are in use.
pub struct PieceCache<const W: usize, const V: usize, const BITS: u32, const WAYS: usize = 2> {
    sets: Box<[Set<W, V, WAYS>]>,
    /// log2 of the sets now.
    bits: u32,
    /// Entries in use.
    used: usize,
}

/// The cache of pieces of up to 15 bytes (most pieces of most text): up to 2^15 sets of four
/// 32-byte entries (two cache lines), 4 MiB.
pub type Pieces15 = PieceCache<1, 1, 15, 4>;
/// The ids of short pieces with more than five tokens (a word of a script that a vocabulary
/// splits into bytes): up to 2^13 sets of two 64-byte entries, 1 MiB.
pub type Ids15 = PieceCache<1, 3, 13>;
/// The cache of pieces of 16 to 47 bytes (long words, runs of CJK or Thai), with up to 25 ids:
/// up to 2^13 sets of four 128-byte entries, 4 MiB.
pub type Pieces47 = PieceCache<3, 5, 13, 4>;
/// The cache of pieces of 48 to 111 bytes (long runs of Thai, Japanese or Han), with up to 45
/// ids: up to 2^9 sets of four 256-byte entries, 512 KiB.
pub type Pieces111 = PieceCache<7, 9, 9, 4>;

impl<const W: usize, const V: usize, const BITS: u32, const WAYS: usize> Default for PieceCache<W, V, BITS, WAYS> {
    fn default() -> Self {
        let bits = BITS.saturating_sub(GROWTHS).max(1);
        // Zeroed memory: only the sets that pieces fill become resident.
        PieceCache { sets: zeroed_slice(1 << bits), bits, used: 0 }
    }
}

/// Times a piece cache doubles from its first size to its last.
const GROWTHS: u32 = 4;

impl<const W: usize, const V: usize, const BITS: u32, const WAYS: usize> PieceCache<W, V, BITS, WAYS> {
    /// Longest piece this cache keeps.
    pub const KEY_MAX: usize = key_max(W);
    /// Most ids an entry keeps (a piece with more keeps its count only).
    pub const IDS_MAX: usize = IDS_PER_WORD * V;

    /// The hash of `key`: its top bits pick the set (as many as the table has sets now, which
    /// keeps the two halves of a set together when the table doubles), its low bits the entry
    /// a new key takes in a full set.
    #[inline(always)]
    fn hash_of(key: [u128; W]) -> u64 {
        let mut folded = key[0];
        for &w in &key[1..] {
            folded = folded.rotate_left(41) ^ w;
        }
        hash_packed(folded)
    }

    /// The set of a key whose [`hash_of`](Self::hash_of) is `hash`.
    #[inline(always)]
    fn set_of(&self, hash: u64) -> usize {
        (hash >> (64 - self.bits)) as usize
    }

    /// The tokens kept for `key`, if any.
    #[inline(always)]
    pub fn get(&self, key: [u128; W]) -> Option<Cached<'_>> {
        self.get_hashed(Self::hash_of(key), key)
    }

    /// [`get`](Self::get) of a key whose hash is computed already.
    #[inline(always)]
    fn get_hashed(&self, hash: u64, key: [u128; W]) -> Option<Cached<'_>> {
        self.get_in(self.set_of(hash), key)
    }

    /// [`get`](Self::get) in the set `set` (any set: a stale one misses).
    #[inline(always)]
    fn get_in(&self, set: usize, key: [u128; W]) -> Option<Cached<'_>> {
        let entries = &self.sets.get(set)?.0;
        // Every way compared, then one branch: which way holds a piece is anyone's guess, and a
        // branch a way would often guess wrong. Empty entries have key 0, which no real key
        // (length at least 1) equals.
        entries.iter().find(|e| e.key == key).map(|e| Cached(&e.value))
    }

    /// Starts loading the set of `key`, so that a [`get`](Self::get) a little later finds it
    /// in the cache; lookups of consecutive pieces then wait for memory side by side.
    #[inline(always)]
    pub fn prefetch(&self, key: [u128; W]) {
        self.prefetch_hashed(Self::hash_of(key));
    }

    /// [`prefetch`](Self::prefetch) of a key whose hash is `hash`.
    #[inline(always)]
    fn prefetch_hashed(&self, hash: u64) {
        self.prefetch_set(self.set_of(hash));
    }

    /// [`prefetch`](Self::prefetch) of the set `set`.
    #[inline(always)]
    fn prefetch_set(&self, set: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let Some(Set(set)) = self.sets.get(set) else { return };
            // The first line of the first two entries; entries of 32 bytes share lines, so
            // there the line of the third (the second line of a four-way set).
            let second = if std::mem::size_of::<Entry<W, V>>() > 32 { 1 } else { 2 };
            // SAFETY: prefetching reads nothing and cannot fault; both point into `sets`.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>((&set[0] as *const Entry<W, V>).cast());
                if let Some(next) = set.get(second) {
                    _mm_prefetch::<_MM_HINT_T0>((next as *const Entry<W, V>).cast());
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = set;
    }

    /// Keeps `ids` as the tokens of `key`: in place of what it kept for `key` before, else in an
    /// empty entry of its set, else in place of the entry that its hash names (see the module
    /// doc).
    #[inline]
    pub fn insert(&mut self, key: [u128; W], ids: &[Rank]) {
        let Some(value) = value_of(ids) else { return };
        let hash = Self::hash_of(key);
        let at = self.set_of(hash);
        let set = &mut self.sets[at].0;
        let way = match set.iter().position(|e| e.key == key) {
            Some(way) => way,
            None => match set.iter().position(|e| e.key == [0; W]) {
                Some(way) => {
                    self.used += 1;
                    way
                }
                None => hash as usize % WAYS,
            },
        };
        set[way] = Entry { key, value };
        if self.used * 4 > WAYS << self.bits && self.bits < BITS {
            self.grow();
        }
    }

    /// Doubles the sets, each entry moving to its set in the larger table: the keys of one set
    /// go to the two that its index becomes (one more bit of their hashes), so all have room.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let bits = self.bits + 1;
        let mut sets: Box<[Set<W, V, WAYS>]> = zeroed_slice(1 << bits);
        for e in self.sets.iter().flat_map(|s| &s.0).filter(|e| e.key != [0; W]) {
            let at = (Self::hash_of(e.key) >> (64 - bits)) as usize;
            if let Some(free) = sets[at].0.iter_mut().find(|x| x.key == [0; W]) {
                *free = *e;
            }
        }
        self.sets = sets;
        self.bits = bits;
    }
}

/// Where a piece goes in the caches: a short piece's key with its set, already computed (most
/// pieces are short), a longer piece's place in the text to compute its key from.
#[derive(Clone, Copy)]
pub enum Key {
    /// A piece of up to 15 bytes: its key and its set (which a growth of the table, after the
    /// key was made, leaves stale: a lookup there misses, and the insert after it finds the set
    /// again).
    Short(u128, usize),
    /// A piece of 16 to 47 bytes at `start` of `len` bytes.
    Longer(usize, usize),
    /// A piece of 48 to 111 bytes at `start` of `len` bytes.
    Long(usize, usize),
    /// A piece of 112 bytes to [`LongPieces::PIECE_MAX`] at `start` of `len` bytes.
    Huge(usize, usize),
    /// A longer piece, which no cache keeps.
    None,
}

/// What the caches keep of one piece: its count, and its ids when they were kept.
#[derive(Clone, Copy)]
pub enum Kept<'a> {
    /// From a tier.
    Tier(Cached<'a>),
    /// From the long pieces.
    Long(Found<'a>),
}

impl Kept<'_> {
    /// Number of tokens.
    #[inline(always)]
    pub fn count(self) -> usize {
        match self {
            Kept::Tier(c) => c.count(),
            Kept::Long(f) => f.count,
        }
    }

    /// Appends the ids to `out`, or returns false when they were not kept.
    #[inline(always)]
    pub fn extend(self, out: &mut Vec<Rank>) -> bool {
        match self {
            Kept::Tier(c) => c.extend(out),
            Kept::Long(Found { ids: Some(ids), .. }) => {
                out.extend_from_slice(ids);
                true
            }
            Kept::Long(_) => false,
        }
    }
}

/// The caches of pieces of every length a cache keeps, behind one key ([`Key`]): four tiers of
/// set-associative tables up to 111 bytes, the long pieces up to 16 KiB.
pub struct PieceCaches {
    short: Pieces15,
    short_wide: Ids15,
    longer: Pieces47,
    long: Pieces111,
    huge: LongPieces,
    /// Off ([`crate::cache::on`]), every piece's key is [`Key::None`].
    on: bool,
}

impl Default for PieceCaches {
    fn default() -> Self {
        PieceCaches {
            short: Pieces15::default(),
            short_wide: Ids15::default(),
            longer: Pieces47::default(),
            long: Pieces111::default(),
            huge: LongPieces::default(),
            on: super::on(super::Cache::Pieces),
        }
    }
}

impl PieceCaches {
    /// The key of the piece `bytes[start..start + len]`.
    #[inline(always)]
    pub fn key(&self, bytes: &[u8], start: usize, len: usize) -> Key {
        if !self.on {
            Key::None
        } else if len <= Pieces15::KEY_MAX {
            let key = key_at::<1>(bytes, start, len);
            Key::Short(key[0], self.short.set_of(Pieces15::hash_of(key)))
        } else if len <= Pieces47::KEY_MAX {
            Key::Longer(start, len)
        } else if len <= Pieces111::KEY_MAX {
            Key::Long(start, len)
        } else if len <= LongPieces::PIECE_MAX {
            Key::Huge(start, len)
        } else {
            Key::None
        }
    }

    /// See [`PieceCache::prefetch`]; `bytes` is the text the key was made from.
    #[inline(always)]
    pub fn prefetch(&self, bytes: &[u8], key: Key) {
        match key {
            Key::Short(_, set) => self.short.prefetch_set(set),
            Key::Longer(start, len) => self.longer.prefetch(key_at(bytes, start, len)),
            Key::Long(start, len) => self.long.prefetch(key_at(bytes, start, len)),
            Key::Huge(..) | Key::None => {}
        }
    }

    /// The tokens kept for `key`, if any.
    #[inline(always)]
    pub fn get(&self, bytes: &[u8], key: Key) -> Option<Kept<'_>> {
        match key {
            Key::Short(k, set) => self.short.get_in(set, [k]).map(Kept::Tier),
            Key::Longer(start, len) => self.longer.get(key_at(bytes, start, len)).map(Kept::Tier),
            Key::Long(start, len) => self.long.get(key_at(bytes, start, len)).map(Kept::Tier),
            Key::Huge(start, len) => self.get_huge(&bytes[start..start + len]),
            Key::None => None,
        }
    }

    /// [`PieceCaches::get`] of a piece too long for the tiers (out of line: rare).
    #[inline(never)]
    fn get_huge(&self, piece: &[u8]) -> Option<Kept<'_>> {
        self.huge.get(LongPieces::hash_of(piece), piece).map(Kept::Long)
    }

    /// Keeps the number of tokens of `key`'s piece, `bytes[start..start + len]`, when its ids
    /// are not at hand: a piece too long for the tiers (the tiers keep ids; see
    /// [`PieceCaches::insert`]).
    pub fn insert_count(&mut self, bytes: &[u8], key: Key, start: usize, len: usize, count: usize) {
        if let Key::Huge(..) = key {
            let piece = &bytes[start..start + len];
            self.huge.insert(LongPieces::hash_of(piece), piece, count, None);
        }
    }

    /// The ids of a piece (of any length), as kept in the long pieces, else as `merge` appends
    /// them, which are then kept: a stream's long ends encoded again.
    pub fn long_ids(&mut self, piece: &[u8], out: &mut Vec<Rank>, merge: impl FnOnce(&mut Vec<Rank>)) {
        self.huge.extend_ids(piece, out, merge)
    }

    /// Keeps `ids` as the tokens of `key`'s piece, `bytes[start..start + len]`; when there are
    /// more than its tier holds, the tier keeps their count and a wider tier the ids.
    #[inline]
    pub fn insert(&mut self, bytes: &[u8], key: Key, start: usize, len: usize, ids: &[Rank]) {
        let holds = match key {
            Key::Short(k, _) => {
                self.short.insert([k], ids);
                Pieces15::IDS_MAX
            }
            Key::Longer(start, len) => {
                self.longer.insert(key_at(bytes, start, len), ids);
                Pieces47::IDS_MAX
            }
            Key::Long(start, len) => {
                self.long.insert(key_at(bytes, start, len), ids);
                Pieces111::IDS_MAX
            }
            Key::Huge(start, len) => {
                let piece = &bytes[start..start + len];
                self.huge.insert(LongPieces::hash_of(piece), piece, ids.len(), Some(ids));
                return;
            }
            Key::None => return,
        };
        if ids.len() > holds {
            self.insert_spilled(bytes, key, start, len, ids);
        }
    }

    /// Keeps `ids`, too many for `key`'s tier, in the wider tier: short pieces in their own
    /// (whose entries hold any short piece's ids), longer ones in the long pieces' tier.
    pub fn insert_spilled(&mut self, bytes: &[u8], key: Key, start: usize, len: usize, ids: &[Rank]) {
        match key {
            Key::Short(k, _) => self.short_wide.insert([k], ids),
            Key::Longer(..) => self.long.insert(key_at(bytes, start, len), ids),
            // Kept with its count only: kept again with its ids.
            Key::Huge(..) => self.insert(bytes, key, start, len, ids),
            Key::Long(..) | Key::None => {}
        }
    }

    /// Appends to `out` the ids of a piece whose own tier kept only their count, from the wider
    /// tier; false when it does not have them.
    pub fn extend_spilled(&self, bytes: &[u8], key: Key, start: usize, len: usize, out: &mut Vec<Rank>) -> bool {
        let wide = match key {
            Key::Short(k, _) => self.short_wide.get([k]),
            Key::Longer(..) => self.long.get(key_at(bytes, start, len)),
            Key::Long(..) | Key::Huge(..) | Key::None => None,
        };
        wide.is_some_and(|c| c.extend(out))
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
        let mut c = Pieces15::default();
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
    fn longer_pieces_keep_up_to_25_ids() {
        let mut c = Pieces47::default();
        let text = [b'x'; 64];
        for n in [1, 5, 6, 10, 11, 24, 25, 26] {
            let key = key_at(&text, 0, 16 + n);
            let ids: Vec<Rank> = (0..n as Rank).map(|i| i * 40_503 % 0xff_ffff).collect();
            c.insert(key, &ids);
            let got = c.get(key).unwrap();
            assert_eq!(got.count(), n);
            let mut out = vec![9];
            assert_eq!(got.extend(&mut out), n <= 25, "{n}");
            if n <= 25 {
                assert_eq!(out[1..], ids[..]);
            }
        }
    }

    /// `n` keys of 20 bytes that fall in one set of `c`, as big as it is now.
    fn keys_of_one_set<const W: usize, const V: usize, const BITS: u32, const WAYS: usize>(
        c: &PieceCache<W, V, BITS, WAYS>,
        n: usize,
    ) -> Vec<[u128; W]> {
        let text: Vec<u8> = (0..40u8).collect();
        let key = |i: u32| {
            let mut bytes = text.clone();
            bytes[..4].copy_from_slice(&i.to_le_bytes());
            key_at::<W>(&bytes, 0, key_max(W).min(20))
        };
        let set = |k| c.set_of(PieceCache::<W, V, BITS, WAYS>::hash_of(k));
        let home = set(key(0));
        (0u32..).map(key).filter(|&k| set(k) == home).take(n).collect()
    }

    /// Keys of one set fill its empty entries first; in a full set a new key takes the entry its
    /// hash names, and only that entry's key is lost; a key kept again keeps its entry.
    #[test]
    fn a_new_key_fills_an_empty_entry_else_takes_the_one_its_hash_names_and_an_old_key_keeps_its_own() {
        fn check<const W: usize, const V: usize, const BITS: u32, const WAYS: usize>() {
            let mut c = PieceCache::<W, V, BITS, WAYS>::default();
            let keys = keys_of_one_set(&c, WAYS + 3);
            for (i, &k) in keys[..WAYS].iter().enumerate() {
                c.insert(k, &[i as Rank]);
            }
            assert!(keys[..WAYS].iter().all(|&k| c.get(k).is_some()));
            // A key kept already is kept again in its own entry.
            c.insert(keys[0], &[1, 2]);
            assert_eq!(c.get(keys[0]).unwrap().count(), 2);
            assert!(keys[..WAYS].iter().all(|&k| c.get(k).is_some()));
            for (i, &k) in keys.iter().enumerate().skip(WAYS) {
                let hash = PieceCache::<W, V, BITS, WAYS>::hash_of(k);
                let (set, way) = (c.set_of(hash), hash as usize % WAYS);
                let before: Vec<[u128; W]> = c.sets[set].0.iter().map(|e| e.key).collect();
                c.insert(k, &[i as Rank]);
                for (w, old) in before.iter().enumerate() {
                    assert_eq!(c.get(*old).is_some(), w != way, "way {w} of {WAYS}");
                }
                assert_eq!(c.get(k).unwrap().count(), 1);
            }
        }
        check::<1, 3, 13, 2>();
        check::<1, 1, 15, 4>();
        check::<3, 5, 13, 4>();
    }

    /// More keys of one set than it has entries, asked for in turn again and again (a batch of
    /// texts in a loop): a set that let its oldest entry go lost every one of them on every
    /// turn; now the entries that no new key names stay.
    #[test]
    fn keys_asked_in_turn_keep_some_of_a_full_set() {
        fn misses_on_the_last_turn<const W: usize, const V: usize, const BITS: u32, const WAYS: usize>() -> usize {
            let mut c = PieceCache::<W, V, BITS, WAYS>::default();
            let keys = keys_of_one_set(&c, WAYS + 1);
            let mut missed = 0;
            for _ in 0..10 {
                missed = 0;
                for &k in &keys {
                    if c.get(k).is_none() {
                        missed += 1;
                        c.insert(k, &[1]);
                    }
                }
            }
            missed
        }
        assert!(misses_on_the_last_turn::<1, 3, 13, 2>() < 3);
        assert!(misses_on_the_last_turn::<1, 1, 15, 4>() < 5);
        assert!(misses_on_the_last_turn::<3, 5, 13, 4>() < 5);
    }

    /// A table doubles when a quarter of its entries are in use, up to its last size, and keeps
    /// every key it held (keys of one set go to two sets of the larger table).
    #[test]
    fn a_table_grows_to_its_last_size_keeping_its_keys() {
        let mut c = PieceCache::<1, 1, 8, 4>::default();
        let entries = |c: &PieceCache<1, 1, 8, 4>| c.sets.len() * 4;
        assert_eq!(entries(&c), 4 << 4);
        let key = |i: u32| key_at::<1>(&i.to_le_bytes(), 0, 4);
        let mut sizes = vec![entries(&c)];
        for i in 0..300u32 {
            let held: Vec<u32> = (0..i).filter(|&j| c.get(key(j)).is_some()).collect();
            c.insert(key(i), &[i]);
            if *sizes.last().unwrap() != entries(&c) {
                sizes.push(entries(&c));
                // Growing loses no key (the insert that makes it filled an empty entry).
                assert!(held.iter().all(|&j| c.get(key(j)).is_some()), "at {i}");
                assert_eq!(c.used, held.len() + 1);
            }
        }
        assert_eq!(sizes, [64, 128, 256, 512, 1024]);
        assert_eq!(c.used, c.sets.iter().flat_map(|s| &s.0).filter(|e| e.key != [0; 1]).count());
        // The last size holds 300 keys at under a third of its entries: nearly all stay.
        let kept = (0..300u32).filter(|&i| c.get(key(i)).is_some_and(|v| v.count() == 1)).count();
        assert!(kept >= 295, "{kept}");
        // A key is found where it was put, also after every growth: insert, grow, look up.
        let mut d = PieceCache::<1, 1, 8, 4>::default();
        for i in 0..200u32 {
            d.insert(key(i), &[i]);
            let mut out = Vec::new();
            assert!(d.get(key(i)).unwrap().extend(&mut out));
            assert_eq!(out, [i]);
        }
    }

    #[test]
    fn ids_that_do_not_fit_a_tier_go_up_a_tier() {
        let mut caches = PieceCaches::default();
        let text = b"a short piece, then a longer one with many tokens in it";
        let mut out = Vec::new();
        for (len, n) in [(10, 8), (12, 15), (15, 2), (30, 30), (30, 3)] {
            let ids: Vec<Rank> = (0..n).map(|i| 1000 + i as Rank).collect();
            let key = caches.key(text, 0, len);
            caches.insert(text, key, 0, len, &ids);
            let cached = caches.get(text, key).unwrap();
            assert_eq!(cached.count(), n as usize);
            out.clear();
            if n <= 5 || (16..=47).contains(&len) && n <= 25 {
                assert!(cached.extend(&mut out));
            } else {
                assert!(!cached.extend(&mut out));
                assert!(caches.extend_spilled(text, key, 0, len, &mut out));
            }
            assert_eq!(out, ids, "{len} bytes, {n} ids");
        }
        // More ids than the wider tier holds: only the count is kept.
        for (len, n) in [(5, 16), (40, 46)] {
            let key = caches.key(text, 0, len);
            let ids: Vec<Rank> = (0..n).collect();
            caches.insert(text, key, 0, len, &ids);
            assert_eq!(caches.get(text, key).unwrap().count(), n as usize);
            out.clear();
            assert!(!caches.extend_spilled(text, key, 0, len, &mut out));
            assert!(out.is_empty());
        }
    }
}
