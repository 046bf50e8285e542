//! Where the merges look ranks up: the vocabulary, or a cache in front of it.

use super::{Rank, Vocab};

/// Where the merges look up ranks: the vocabulary, or a per-call cache in front of it.
pub trait Ranks {
    /// Rank of the token `key`, if it is one.
    fn rank(&mut self, key: &[u8]) -> Option<Rank>;

    /// Rank of the token `bytes[start..end]`, if it is one. Where `bytes` goes on for 16 bytes
    /// from `start`, a key of up to [`SHORT`](super::SHORT) bytes loads in one read.
    #[inline(always)]
    fn rank_at(&mut self, bytes: &[u8], start: usize, end: usize) -> Option<Rank> {
        self.rank(&bytes[start..end])
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

impl<R: Ranks> Ranks for &mut R {
    #[inline]
    fn rank(&mut self, key: &[u8]) -> Option<Rank> {
        (**self).rank(key)
    }

    #[inline(always)]
    fn rank_at(&mut self, bytes: &[u8], start: usize, end: usize) -> Option<Rank> {
        (**self).rank_at(bytes, start, end)
    }

    #[inline]
    fn vocab(&self) -> &Vocab {
        (**self).vocab()
    }
}
