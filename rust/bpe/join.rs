//! The pair rule, on which streams and the merge of very long pieces rest, and the memo of its
//! answers.
//!
//! Two adjacent tokens `a`, `b` stay apart when the merges of their bytes alone end as `[a, b]`.
//! A sequence of tokens whose every adjacent pair stays apart is the merge result of its bytes
//! (ARCHITECTURE.md gives the argument); so is any run of a merge result's tokens. The check
//! costs a merge of the pair's bytes; its answer depends on the two tokens only, so an encoding
//! keeps it in a [`PairMemo`] shared by every stream and call.

use super::merge::{merge_large, merge_small};
use super::{Help, Span, SMALL};
use crate::cache::pair_memo::{self, Packed};
use crate::vocab::{ByPairs, Rank, Ranks};

/// What the merges of two adjacent tokens' bytes end as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// The two tokens themselves.
    Apart,
    /// One token.
    One(Rank),
    /// Anything else.
    Other,
}

/// The shared memo of pair checks of one encoding.
pub type PairMemo = pair_memo::PairMemo<Join>;

/// Bits of a packed answer: the kind in the top two, a joined token below.
const APART: u64 = 1 << (pair_memo::VALUE_BITS - 1);
const JOINED: u64 = 1 << (pair_memo::VALUE_BITS - 2);

impl Packed for Join {
    #[inline(always)]
    fn pack(self) -> Option<u64> {
        match self {
            Join::Apart => Some(APART),
            Join::One(x) if u64::from(x) < JOINED => Some(JOINED | u64::from(x)),
            Join::One(_) => None,
            Join::Other => Some(0),
        }
    }

    #[inline(always)]
    fn unpack(bits: u64) -> Self {
        if bits & APART != 0 {
            Join::Apart
        } else if bits & JOINED != 0 {
            Join::One((bits & (JOINED - 1)) as Rank)
        } else {
            Join::Other
        }
    }
}

impl PairMemo {
    /// What the tokens `a` then `b` merge into; `check` answers when the memo does not.
    #[inline]
    pub fn join(&self, a: Rank, b: Rank, check: impl FnOnce() -> Join) -> Join {
        self.get_or(a, b, check)
    }

    /// Whether the tokens `a` then `b` stay apart; `check` answers as for [`PairMemo::join`].
    #[inline]
    pub fn apart(&self, a: Rank, b: Rank, check: impl FnOnce() -> Join) -> bool {
        self.join(a, b, check) == Join::Apart
    }
}

/// What the merges of the `n` bytes of `piece` end as: two tokens split at `mid`, one token,
/// or something else.
///
/// Never by the merge of very long pieces, whose own checks come here: the pairs it checks are two tokens long.
pub(super) fn join<R: Ranks>(vocab: &mut R, piece: Span, mid: usize, n: usize) -> Join {
    let mut first_end = 0;
    let first = |_: &mut R, s, e| {
        if s == 0 {
            first_end = e;
        }
    };
    let parts = if n <= SMALL { merge_small(vocab, piece, n, first) } else { merge_large(vocab, piece, n, first) };
    match parts {
        1 => Join::One(piece.rank(vocab, 0, n)),
        2 if first_end == mid => Join::Apart,
        _ => Join::Other,
    }
}

/// What the merges of `text[start..end]` (in the order `help` names) end as: the two tokens
/// `start..mid` and `mid..end` (a sequence of tokens whose every adjacent pair does so is the
/// encoding of its bytes), one token, or something else.
pub fn join_at(vocab: impl Ranks, help: Help, text: &[u8], start: usize, mid: usize, end: usize) -> Join {
    let piece = Span { text, base: start };
    match help.merges {
        None => join(&mut { vocab }, piece, mid - start, end - start),
        Some(merges) => join(&mut ByPairs { ranks: vocab, merges }, piece, mid - start, end - start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_packs_and_comes_back() {
        let memo = PairMemo::new(true);
        for (a, join) in [Join::Apart, Join::Other, Join::One(0), Join::One((1 << 20) - 1)].into_iter().enumerate() {
            assert_eq!(memo.join(a as Rank, 9, || join), join);
            assert_eq!(memo.get(a as Rank, 9), Some(join));
        }
        // A joined token too large to pack is checked again every time.
        assert_eq!(memo.join(7, 7, || Join::One(1 << 20)), Join::One(1 << 20));
        assert_eq!(memo.get(7, 7), None);
    }
}
