//! The merges of a very long piece (over 256 bytes) in time linear in its length: a search over
//! its tokens ([`backtrack`](super::backtrack)), or a window at a time where that costs less.

use super::backtrack::{Search, Stop};
use super::join::{join, Join, PairMemo};
use super::merge::{merge_large, merge_small};
use super::windows::WindowMemo;
use super::{Help, Span, SMALL};
use crate::vocab::{Rank, Ranks};

/// Most bytes added per window when [`merge_long`] goes on a window at a time.
const WINDOW: usize = 48;
/// Bytes added per window where the memo is not asked.
const WINDOW_PLAIN: usize = 40;
/// Fewest bytes added per window (but at the end of the piece).
const WINDOW_MIN: usize = 32;
/// Bytes the search of [`merge_long`] goes before the first trial of windows.
pub(super) const FIRST_SPAN: usize = 4096;
/// Bytes a token that the search found in a stretch, on average, from which on it goes on without
/// a trial of windows.
const LONG_TOKENS: usize = 8;
/// Windows in a row not in the memo after which it is asked for one window in eight only.
const UNKEPT: u32 = 64;
/// Windows in a trial, of which at most a quarter may be ones the memo did not have.
const TRIAL: usize = 16;

/// The merges of a long piece in time linear in its length: by the search of
/// [`backtrack`](super::backtrack) (a heap over a megabyte-long piece would cost a cache miss per step), or
/// a window at a time where that costs less.
///
/// By locality (see ARCHITECTURE.md), tokens up to a boundary of the encoding of a prefix stay
/// tokens of the whole when the pair across the boundary encodes as itself; so each window is
/// merged together with the last token before it, and the boundary moves back only when that
/// pair check fails. Windows are small, so that most fit the rescanning merge, and the merges of
/// windows that come again are kept ([`WindowMemo`]): a run of a pattern costs a lookup a
/// window. The search goes first. The windows take over when it gives up, and for a trial after
/// each stretch of it whose tokens were short (`span` bytes, twice as many after each stretch):
/// they go on while at least three in four of them were kept, and give the piece back to the
/// search at the first that was not kept and costs more than a merge of one window to take (a
/// long token before it, or a boundary that moves back).
pub(super) fn merge_long<R: Ranks>(
    vocab: &mut R,
    help: Help,
    piece: Span,
    n: usize,
    emit: impl FnMut(&mut R, usize, usize),
) -> usize {
    merge_long_trying(vocab, help, piece, n, FIRST_SPAN, emit)
}

/// [`merge_long`], the search going `span` bytes before the first trial of windows (out of
/// line: rare, and large).
#[inline(never)]
pub(super) fn merge_long_trying<R: Ranks>(
    vocab: &mut R,
    help: Help,
    piece: Span,
    n: usize,
    mut span: usize,
    mut emit: impl FnMut(&mut R, usize, usize),
) -> usize {
    let bytes = &piece.text[piece.base..piece.base + n];
    let at = |ends: &[u32]| ends.last().map_or(0, |&e| e as usize);
    let mut ends: Vec<u32> = Vec::new();
    let mut windows = Windows { memo: WindowMemo::new(n), scratch: Vec::new(), missed: 0, skipped: 0 };
    let pairs = help.pairs.map(|p| p.get_or_init(PairMemo::default));
    if let Some(starts) = help.starts.and_then(|s| s.get(vocab.vocab())) {
        let mut search = Search::new(n);
        loop {
            // The pair checks merge under the rule of `vocab` (tiktoken's, or a merges list's).
            let pair = |vocab: &mut R, s: usize, mid: usize, e: usize| join(vocab, piece.skip(s), mid - s, e - s);
            let (tokens, from) = (ends.len(), at(&ends));
            if search.run(vocab, starts, pairs, bytes, pair, &mut ends, from + span) != Stop::Limit {
                break;
            }
            // Long tokens (a run of spaces, an alphabet) cost the search little, less than windows.
            if at(&ends) - from >= LONG_TOKENS * ends.len().saturating_sub(tokens) {
                span *= 2;
                continue;
            }
            let (mut tried, mut missed, mut same) = (0, 0, ends.len());
            while at(&ends) < n && missed <= TRIAL / 4 {
                let Some((kept, hit)) = windows.next(vocab, pairs, piece, n, &mut ends, true) else { break };
                same = same.min(kept);
                missed += usize::from(!hit);
                tried += 1;
                if tried % TRIAL == 0 && missed <= TRIAL / 4 {
                    missed = 0;
                }
            }
            if at(&ends) == n {
                break;
            }
            search.resume(&ends, same);
            span *= 2;
        }
    }
    while at(&ends) < n {
        windows.next(vocab, pairs, piece, n, &mut ends, false);
    }
    let mut start = 0;
    for &end in &ends {
        emit(vocab, start, end as usize);
        start = end as usize;
    }
    ends.len()
}

/// Where the window after `have` ends: where the three bytes before have a hash in 1 of 16 (a
/// cut that depends on the bytes alone, so that a run of a pattern cuts its windows in the same
/// places every time the pattern comes back), between [`WINDOW_MIN`] and [`WINDOW`] bytes on.
#[inline]
fn window_end(bytes: &[u8], have: usize) -> usize {
    let (lo, hi) = (have + WINDOW_MIN, (have + WINDOW).min(bytes.len()));
    (lo..hi)
        .find(|&e| {
            let tail = u32::from_le_bytes([bytes[e - 3], bytes[e - 2], bytes[e - 1], 0]);
            tail.wrapping_mul(0x9e37_79b1) >> 28 == 0
        })
        .unwrap_or(hi)
}

/// Whether the token that ends at `ends[keep - 1]` and the one after it, up to `end`, stay apart
/// (asked of the pair memo when both are tokens: a run of a pattern asks about the same pairs
/// again and again).
fn stays_apart<R: Ranks>(
    vocab: &mut R,
    pairs: Option<&PairMemo>,
    piece: Span,
    ends: &[u32],
    keep: usize,
    end: u32,
) -> bool {
    let (start, mid, end) =
        (if keep >= 2 { ends[keep - 2] as usize } else { 0 }, ends[keep - 1] as usize, end as usize);
    let (a, b) = (piece.rank(vocab, start, mid), piece.rank(vocab, mid, end));
    let memo = pairs.filter(|_| a != Rank::MAX && b != Rank::MAX);
    if let Some(memo) = memo {
        if let Some(known) = memo.get(a, b) {
            return known == Join::Apart;
        }
    }
    let found = join(vocab, piece.skip(start), mid - start, end - start);
    if let Some(memo) = memo {
        memo.put(a, b, found);
    }
    found == Join::Apart
}

/// The windows of one long piece (see [`merge_long`]).
struct Windows {
    memo: WindowMemo,
    scratch: Vec<u32>,
    /// Windows in a row that the memo did not have: after [`UNKEPT`] of them the text repeats no
    /// window (random letters), and only one window in eight goes through the memo; the others
    /// end where the merge costs least.
    missed: u32,
    /// Windows taken without the memo since it was last asked.
    skipped: u32,
}

impl Windows {
    /// Merges the window after the tokens whose `ends` are given, and puts the window's tokens
    /// in place of the ones it took back; returns how many tokens stayed, and whether the memo
    /// had the window. When `cheap`, leaves `ends` as they were and returns `None` instead of
    /// taking a window that costs more than one small merge (too long for the rescanning merge
    /// with the token before it, or a boundary that moves back).
    #[allow(clippy::too_many_arguments)]
    fn next<R: Ranks>(
        &mut self,
        vocab: &mut R,
        pairs: Option<&PairMemo>,
        piece: Span,
        n: usize,
        ends: &mut Vec<u32>,
        cheap: bool,
    ) -> Option<(usize, bool)> {
        let bytes = &piece.text[piece.base..piece.base + n];
        let have = ends.last().map_or(0, |&e| e as usize);
        let memo = cheap || self.missed < UNKEPT || self.skipped == 7;
        self.skipped = if memo { 0 } else { self.skipped + 1 };
        let end = if memo { window_end(bytes, have) } else { have + WINDOW_PLAIN };
        let end = end.min(n);
        let k = ends.len();
        let mut back = 1;
        loop {
            let keep = k.saturating_sub(back);
            let from = if keep == 0 { 0 } else { ends[keep - 1] as usize };
            if cheap && end - from > SMALL {
                return None;
            }
            let scratch = &mut self.scratch;
            scratch.clear();
            let mut merged = |out: &mut Vec<u32>| {
                let push = |_: &mut R, _, e| out.push((from + e) as u32);
                if end - from <= SMALL {
                    merge_small(vocab, piece.skip(from), end - from, push);
                } else {
                    merge_large(vocab, piece.skip(from), end - from, push);
                }
            };
            let hit = if memo {
                self.memo.ends(bytes, from, end, scratch, merged)
            } else {
                merged(scratch);
                false
            };
            if keep == 0 || ends[keep] == scratch[0] || stays_apart(vocab, pairs, piece, ends, keep, scratch[0]) {
                ends.truncate(keep);
                ends.extend_from_slice(scratch);
                if memo {
                    self.missed = if hit { 0 } else { self.missed.saturating_add(1) };
                }
                return Some((keep, hit && back == 1));
            }
            if cheap {
                return None;
            }
            back *= 4;
        }
    }
}
