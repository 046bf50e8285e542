//! The merges of a very long piece in linear time, as a search over the tokens that start at
//! each position.
//!
//! A sequence of tokens is the encoding of its bytes exactly when every adjacent pair of it is
//! (the merges of the two tokens' bytes end as those two tokens): the merges inside one token
//! never depend on bytes outside it, and a pair that stays apart on its own stays apart in any
//! text. The same fact lets a stream extend the encoding of its open piece. So the encoding
//! of a piece is the one path of tokens whose every pair stays apart, and a search finds it
//! from left to right: at each position take the longest token that starts there, and when the
//! pair it forms with the token before does not stay apart, the next shorter token that starts
//! there; when none does, the position is no boundary of the encoding (the tokens before it are
//! the encoding of its prefix, the only one) and the search steps back one token. A position
//! found to be no boundary is never tried again, so the work is linear in the piece's length
//! times the longest token's. Pairs repeat in the pieces that get this long (runs of one
//! pattern), so their checks go through the encoding's pair memo ([`PairMemo`]), which streams
//! share.
//!
//! The search pays for every token it tries and takes back, and for every pair check the memo
//! does not have; text whose tokens are short and varied (random letters) makes it try and check
//! several per byte, where merging small windows costs less. So it gives up when a stretch of
//! its tokens cost more than a quarter as many such steps, and leaves the rest to the caller.
//! It also stops where the caller asks, and goes on later from tokens that the caller found
//! (windows whose merges it kept, see [`long`](super::long)): any sequence of tokens
//! whose pairs all stay apart is the encoding of its bytes, whoever found it.

use super::join::{Join, PairMemo};
use super::token_starts::{below, TokenStarts, MAX_LEN};
use crate::vocab::{Rank, Ranks};

/// Tokens per stretch after which the search judges its cost.
const STRETCH: usize = 128;

/// Why [`Search::run`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The whole piece is in `ends`.
    Done,
    /// Its tokens cost too much (see the module doc); `ends` ends where it stopped.
    GaveUp,
    /// It reached the limit it was given.
    Limit,
}

/// The search over one piece, which can stop part way and go on later, also after someone
/// else (a window merge) extended or changed the tokens it found.
pub struct Search {
    /// Bit p: a token of the encoding may still end at p.
    open: Vec<u64>,
    /// The tokens found, as `(rank, length)`, in step with the caller's `ends`; a rank of
    /// [`UNKNOWN`] is looked up when the search needs it.
    tokens: Vec<(Rank, u32)>,
    /// Tokens taken back and pairs checked in this stretch.
    steps: usize,
}

/// The rank of a token the search did not find itself.
const UNKNOWN: Rank = Rank::MAX;

impl Search {
    /// A search over a piece of `n` bytes, from its start.
    pub fn new(n: usize) -> Search {
        Search { open: vec![u64::MAX; n / 64 + 1], tokens: Vec::with_capacity(n / 3), steps: 0 }
    }

    /// Takes `ends` as its tokens, of which the first `same` are the ones it had.
    pub fn resume(&mut self, ends: &[u32], same: usize) {
        self.tokens.truncate(same);
        let mut start = self.tokens.len().checked_sub(1).map_or(0, |i| ends[i]);
        for &end in &ends[self.tokens.len()..] {
            self.tokens.push((UNKNOWN, end - start));
            start = end;
        }
    }

    /// Goes on from the end of `ends` (the tokens so far, in step with its own), appending the
    /// end of each token it finds, until the piece is done, the search gives up (see the module
    /// doc; at the start if some byte of the piece is no token), or a token ends at or past
    /// `limit`. Needs `vocab`, its `starts`, the memo of pair checks if any, and
    /// `join(vocab, start, mid, end)`: what the merges of `piece[start..end]`, two tokens split
    /// at `mid`, end as (under the rule of `vocab`).
    #[allow(clippy::too_many_arguments)]
    pub fn run<R: Ranks>(
        &mut self,
        vocab: &mut R,
        starts: &TokenStarts,
        pairs: Option<&PairMemo>,
        piece: &[u8],
        mut join: impl FnMut(&mut R, usize, usize, usize) -> Join,
        ends: &mut Vec<u32>,
        limit: usize,
    ) -> Stop {
        let n = piece.len();
        let (open, tokens) = (&mut self.open, &mut self.tokens);
        let mut pos = ends.last().map_or(0, |&e| e as usize);
        // Lengths below this one are left to try at `pos`.
        let mut shorter_than = MAX_LEN + 1;
        'search: while pos < n {
            if pos >= limit {
                return Stop::Limit;
            }
            let last = tokens.last_mut().map(|(rank, len)| {
                if *rank == UNKNOWN {
                    *rank = vocab.vocab().rank_at(piece, pos - *len as usize, pos).unwrap_or(UNKNOWN);
                }
                (*rank, *len)
            });
            let mut lengths = below(starts.lengths(&piece[pos..]), shorter_than);
            while lengths != 0 {
                let len = (u128::BITS - lengths.leading_zeros()) as usize;
                lengths &= !(1 << (len - 1));
                let end = pos + len;
                if open[end / 64] >> (end % 64) & 1 == 0 {
                    continue;
                }
                let Some(token) = vocab.vocab().rank_at(piece, pos, end) else { continue };
                let fits = last.is_none_or(|(last, last_len)| {
                    let mut check = || {
                        self.steps += 1;
                        join(vocab, pos - last_len as usize, pos, end)
                    };
                    match pairs {
                        Some(memo) => memo.apart(last, token, check),
                        None => check() == Join::Apart,
                    }
                });
                if fits {
                    tokens.push((token, len as u32));
                    ends.push(end as u32);
                    pos = end;
                    shorter_than = MAX_LEN + 1;
                    if tokens.len() % STRETCH == 0 {
                        if 4 * self.steps > STRETCH {
                            self.steps = 0;
                            return Stop::GaveUp;
                        }
                        self.steps = 0;
                    }
                    continue 'search;
                }
            }
            // No token goes on from `pos` after `last`: no token of the encoding ends at `pos`.
            open[pos / 64] &= !(1 << (pos % 64));
            let Some((_, last_len)) = tokens.pop() else {
                ends.clear();
                return Stop::GaveUp;
            };
            self.steps += 1;
            ends.pop();
            pos -= last_len as usize;
            shorter_than = last_len as usize;
        }
        Stop::Done
    }
}
