//! Where the merges look ranks up: the vocabulary, straight or through its filter of short keys,
//! and which pair they merge next (tiktoken's rule here, Hugging Face's in [`super::merges`]).

use super::keys::{hash_packed, may_hold, pack_at, SHORT};
use super::{Rank, Vocab};

/// Where the merges look up ranks.
pub trait Ranks {
    /// Rank of the token `key`, if it is one.
    fn rank(&mut self, key: &[u8]) -> Option<Rank>;

    /// Rank of the token `bytes[start..end]`, if it is one. Where `bytes` goes on for 16 bytes
    /// from `start`, a key of up to [`SHORT`](super::SHORT) bytes loads in one read.
    #[inline(always)]
    fn rank_at(&mut self, bytes: &[u8], start: usize, end: usize) -> Option<Rank> {
        self.rank(&bytes[start..end])
    }

    /// Priority of merging the adjacent parts `bytes[start..mid]` and `bytes[mid..end]` (lower
    /// merges first), `None` when they do not merge. tiktoken's rule, the default: the rank of
    /// the token they make, whatever the split.
    #[inline(always)]
    fn pair_rank(&mut self, bytes: &[u8], start: usize, mid: usize, end: usize) -> Option<Rank> {
        let _ = mid;
        self.rank_at(bytes, start, end)
    }

    /// [`Ranks::pair_rank`] of the single bytes `a` then `b`.
    #[inline(always)]
    fn byte_pair_rank(&mut self, a: u8, b: u8) -> Option<Rank> {
        self.vocab().rank_pair(a, b)
    }

    /// Whether a piece that is one token whole is that token before any merge (tiktoken's
    /// whole-piece lookup); otherwise every piece is merged.
    #[inline(always)]
    fn whole_first(&self) -> bool {
        true
    }

    /// The vocabulary behind the lookups.
    fn vocab(&self) -> &Vocab;
}

impl Ranks for &Vocab {
    #[inline]
    fn rank(&mut self, key: &[u8]) -> Option<Rank> {
        Vocab::rank(self, key)
    }

    #[inline(always)]
    fn rank_at(&mut self, bytes: &[u8], start: usize, end: usize) -> Option<Rank> {
        Vocab::rank_at(self, bytes, start, end)
    }

    #[inline]
    fn vocab(&self) -> &Vocab {
        self
    }
}

/// The vocabulary, a short key's lookup going through its filter of short tokens first: most
/// keys that the merges of a piece ask about are no token, and the filter (256 KiB) answers most
/// of those in one load where the table (megabytes) would cost a trip to memory.
#[derive(Clone, Copy)]
pub struct Filtered<'a>(pub &'a Vocab);

impl Ranks for Filtered<'_> {
    #[inline]
    fn rank(&mut self, key: &[u8]) -> Option<Rank> {
        self.rank_at(key, 0, key.len())
    }

    #[inline(always)]
    fn rank_at(&mut self, bytes: &[u8], start: usize, end: usize) -> Option<Rank> {
        let len = end - start;
        // Two-byte keys have a direct table, longer keys are rare.
        if len == 2 || len == 0 || len > SHORT {
            return self.0.rank_at(bytes, start, end);
        }
        let packed = pack_at(bytes, start, len);
        let hash = hash_packed(packed);
        if !may_hold(self.0.filter(), hash) {
            return None;
        }
        self.0.rank_packed(packed, hash)
    }

    #[inline]
    fn vocab(&self) -> &Vocab {
        self.0
    }
}

impl<R: Ranks> Ranks for &mut R {
    #[inline]
    fn rank(&mut self, key: &[u8]) -> Option<Rank> {
        (**self).rank(key)
    }

    #[inline(always)]
    fn rank_at(&mut self, bytes: &[u8], start: usize, end: usize) -> Option<Rank> {
        (**self).rank_at(bytes, start, end)
    }

    #[inline(always)]
    fn pair_rank(&mut self, bytes: &[u8], start: usize, mid: usize, end: usize) -> Option<Rank> {
        (**self).pair_rank(bytes, start, mid, end)
    }

    #[inline(always)]
    fn byte_pair_rank(&mut self, a: u8, b: u8) -> Option<Rank> {
        (**self).byte_pair_rank(a, b)
    }

    #[inline(always)]
    fn whole_first(&self) -> bool {
        (**self).whole_first()
    }

    #[inline]
    fn vocab(&self) -> &Vocab {
        (**self).vocab()
    }
}
