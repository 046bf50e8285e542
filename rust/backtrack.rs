//! The merges of a very long piece in linear time, as a search over the tokens that start at
//! each position.
//!
//! A sequence of tokens is the encoding of its bytes exactly when every adjacent pair of it is
//! (the merges of the two tokens' bytes end as those two tokens): the merges inside one token
//! never depend on bytes outside it, and a pair that stays apart on its own stays apart in any
//! text. The same fact lets [`crate::open_piece`] extend a stream's encoding. So the encoding
//! of a piece is the one path of tokens whose every pair stays apart, and a search finds it
//! from left to right: at each position take the longest token that starts there, and when the
//! pair it forms with the token before does not stay apart, the next shorter token that starts
//! there; when none does, the position is no boundary of the encoding (the tokens before it are
//! the encoding of its prefix, the only one) and the search steps back one token. A position
//! found to be no boundary is never tried again, so the work is linear in the piece's length
//! times the longest token's. Pairs repeat in the pieces that get this long (runs of one
//! pattern), so their checks go through the vocabulary's pair memo ([`crate::pair_cache`]),
//! which streams share.
//!
//! The search pays for every token it tries and takes back, and for every pair check the memo
//! does not have; text whose tokens are short and varied (random letters) makes it try and check
//! several per byte, where merging small windows costs less. So it gives up when a stretch of
//! its tokens cost more than a quarter as many such steps, and leaves the rest to the caller.

use crate::pair_cache::Join;
use crate::token_starts::{below, TokenStarts, MAX_LEN};
use crate::vocab::{Rank, Vocab};

/// Tokens per stretch after which the search judges its cost.
const STRETCH: usize = 128;

/// Appends to `ends` the end of each token of `piece[..done]`, in order, and returns `done`:
/// the whole piece's length, or where the search gave up (see the module doc; 0 if some byte
/// of the piece is no token). Needs `vocab`, its `starts` and `join(start, mid, end)`: what the
/// merges of `piece[start..end]`, two tokens split at `mid`, end as.
pub fn ends(
    vocab: &Vocab,
    starts: &TokenStarts,
    piece: &[u8],
    mut join: impl FnMut(usize, usize, usize) -> Join,
    ends: &mut Vec<u32>,
) -> usize {
    let n = piece.len();
    let first = ends.len();
    let pairs = vocab.pairs();
    // Bit p: a token of the encoding may still end at p.
    let mut open = vec![u64::MAX; n / 64 + 1];
    let mut tokens: Vec<(Rank, u32)> = Vec::with_capacity(n / 3);
    let mut pos = 0;
    // Lengths below this one are left to try at `pos`.
    let mut shorter_than = MAX_LEN + 1;
    // Tokens taken back and pairs checked in this stretch.
    let mut steps = 0;
    'search: while pos < n {
        let last = tokens.last().copied();
        let mut lengths = below(starts.lengths(&piece[pos..]), shorter_than);
        while lengths != 0 {
            let len = (u128::BITS - lengths.leading_zeros()) as usize;
            lengths &= !(1 << (len - 1));
            let end = pos + len;
            if open[end / 64] >> (end % 64) & 1 == 0 {
                continue;
            }
            let Some(token) = vocab.rank_at(piece, pos, end) else { continue };
            let fits = last.is_none_or(|(last, last_len)| {
                pairs.apart(last, token, || {
                    steps += 1;
                    join(pos - last_len as usize, pos, end)
                })
            });
            if fits {
                tokens.push((token, len as u32));
                ends.push(end as u32);
                pos = end;
                shorter_than = MAX_LEN + 1;
                if tokens.len() % STRETCH == 0 {
                    if 4 * steps > STRETCH {
                        return pos;
                    }
                    steps = 0;
                }
                continue 'search;
            }
        }
        // No token goes on from `pos` after `last`: no token of the encoding ends at `pos`.
        open[pos / 64] &= !(1 << (pos % 64));
        let Some((_, last_len)) = tokens.pop() else {
            ends.truncate(first);
            return 0;
        };
        steps += 1;
        ends.pop();
        pos -= last_len as usize;
        shorter_than = last_len as usize;
    }
    n
}
