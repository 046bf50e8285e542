//! Byte-pair encoding of one piece, exact to tiktoken's merge order.
//!
//! tiktoken merges, again and again, the adjacent pair whose concatenation has the lowest rank,
//! the leftmost on a tie. Short pieces repeat that literally: each part's pair is one `u32` key
//! `rank << 7 | start` in a fixed array, so the next merge is the array's minimum, a scan the
//! compiler vectorises (cheapest for the few bytes most pieces have). Long pieces keep the same
//! keys in a heap, which picks the same pair at every step in O(log n) instead of O(n).
//!
//! The merges read keys out of the text the piece lies in, not a copy: the bytes after a piece
//! let every short key load in one read (see [`Ranks::rank_at`]).

use crate::backtrack::{Search, Stop};
use crate::pair_cache::Join;
use crate::vocab::{Rank, Vocab};
use crate::window_memo::WindowMemo;

/// Where the merges look up ranks: the vocabulary, or a per-call cache in front of it.
pub trait Ranks {
    /// Rank of the token `key`, if it is one.
    fn rank(&mut self, key: &[u8]) -> Option<Rank>;

    /// Rank of the token `bytes[start..end]`, if it is one. Where `bytes` goes on for 16 bytes
    /// from `start`, a key of up to [`SHORT`](crate::vocab::SHORT) bytes loads in one read.
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
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Longest piece merged by rescanning; longer ones use the heap. Starts must fit in 7 bits.
const SMALL: usize = 64;
/// Pieces longer than this are merged by a search over their tokens (see [`merge_long`]).
const LONG: usize = 256;
/// Most bytes added per window when [`merge_long`] goes on a window at a time.
const WINDOW: usize = 48;
/// Bytes added per window where the memo is not asked.
const WINDOW_PLAIN: usize = 40;
/// Fewest bytes added per window (but at the end of the piece).
const WINDOW_MIN: usize = 32;
/// Bytes the search of [`merge_long`] goes before the first trial of windows.
const FIRST_SPAN: usize = 4096;
/// Bytes a token that the search found in a stretch, on average, from which on it goes on without
/// a trial of windows.
const LONG_TOKENS: usize = 8;
/// Windows in a row not in the memo after which it is asked for one window in eight only.
const UNKEPT: u32 = 64;
/// Windows in a trial, of which at most a quarter may be ones the memo did not have.
const TRIAL: usize = 16;
/// A pair that cannot merge (its key sorts after every real one). Keys are `i32`, as SSE2, the
/// baseline every x86-64 wheel may assume, compares signed 32-bit lanes but not unsigned ones.
const NO_PAIR: i32 = i32::MAX;

/// Appends the tokens of `piece` to `out`.
#[inline]
pub fn encode_piece(vocab: impl Ranks, piece: &[u8], out: &mut Vec<Rank>) {
    encode_piece_at(vocab, piece, 0, piece.len(), out)
}

/// Appends the tokens of the piece `text[start..end]` to `out`.
#[inline]
pub fn encode_piece_at(mut vocab: impl Ranks, text: &[u8], start: usize, end: usize, out: &mut Vec<Rank>) {
    if let Some(r) = vocab.rank_at(text, start, end) {
        out.push(r);
        return;
    }
    encode_merged(vocab, text, start, end, out)
}

/// Appends the tokens of `text[start..end]`, a piece that is not a single token, to `out`.
pub fn encode_merged(mut vocab: impl Ranks, text: &[u8], start: usize, end: usize, out: &mut Vec<Rank>) {
    let piece = Span { text, base: start };
    // Every single byte is a token (checked when a vocabulary is loaded), so every part is.
    merge(&mut vocab, piece, end - start, |vocab, s, e| out.push(piece.rank(vocab, s, e)));
}

/// Number of tokens of `piece`.
#[inline]
pub fn count_piece(vocab: impl Ranks, piece: &[u8]) -> usize {
    count_piece_at(vocab, piece, 0, piece.len())
}

/// Number of tokens of the piece `text[start..end]`.
#[inline]
pub fn count_piece_at(mut vocab: impl Ranks, text: &[u8], start: usize, end: usize) -> usize {
    if end - start <= 1 || vocab.rank_at(text, start, end).is_some() {
        return usize::from(end > start);
    }
    count_merged(vocab, text, start, end)
}

/// Number of tokens of `text[start..end]`, a piece that is not a single token.
pub fn count_merged(mut vocab: impl Ranks, text: &[u8], start: usize, end: usize) -> usize {
    merge(&mut vocab, Span { text, base: start }, end - start, |_, _, _| {})
}

/// Appends `(end, rank)` of each token of the piece `text[start..end]` to `out`, ends counted
/// from the start of `text`.
pub fn encode_spans(mut vocab: impl Ranks, text: &[u8], start: usize, end: usize, out: &mut Vec<(u32, Rank)>) {
    if let Some(r) = vocab.rank_at(text, start, end) {
        out.push((end as u32, r));
        return;
    }
    let piece = Span { text, base: start };
    merge(&mut vocab, piece, end - start, |vocab, s, e| out.push(((start + e) as u32, piece.rank(vocab, s, e))));
}

/// What the merges of `text[start..end]` end as: the two tokens `start..mid` and `mid..end`
/// (a sequence of tokens whose every adjacent pair does so is the encoding of its bytes), one
/// token, or something else.
pub fn join_at(mut vocab: impl Ranks, text: &[u8], start: usize, mid: usize, end: usize) -> Join {
    join(&mut vocab, Span { text, base: start }, mid - start, end - start)
}

/// A piece: the `n` bytes of `text` from `base` (the text around it makes keys one load).
#[derive(Clone, Copy)]
struct Span<'a> {
    text: &'a [u8],
    base: usize,
}

impl Span<'_> {
    /// The piece from its byte `from` on.
    #[inline]
    fn skip(self, from: usize) -> Self {
        Span { text: self.text, base: self.base + from }
    }

    /// Rank of the piece's bytes `start..end`, `Rank::MAX` when they are no token.
    #[inline(always)]
    fn rank<R: Ranks>(self, vocab: &mut R, start: usize, end: usize) -> Rank {
        vocab.rank_at(self.text, self.base + start, self.base + end).unwrap_or(Rank::MAX)
    }
}

/// Runs the merges on the `n` bytes of `piece`; reports each final part's start and end
/// (offsets in the piece), in order, and returns the number of parts.
// Out of line: inlined into `encode_merged`, it made LLVM compile the rescanning merge there with
// 8% more instructions a call (callgrind, o200k_base corpus, session 9).
#[inline(never)]
fn merge<R: Ranks>(vocab: &mut R, piece: Span, n: usize, emit: impl FnMut(&mut R, usize, usize)) -> usize {
    if n < 2 {
        let mut emit = emit;
        if n == 1 {
            emit(vocab, 0, 1);
        }
        n
    } else if n <= SMALL {
        merge_small(vocab, piece, n, emit)
    } else if n <= LONG {
        merge_large(vocab, piece, n, emit)
    } else {
        merge_long(vocab, piece, n, emit)
    }
}

/// Rank of the pair `piece[start..end]`, `Rank::MAX` when it is no token.
#[inline(always)]
fn pair_rank<R: Ranks>(vocab: &mut R, piece: Span, start: usize, end: usize) -> Rank {
    piece.rank(vocab, start, end)
}

/// The key of the pair that starts at `start` (below 128) with rank `rank`: ordering keys orders
/// pairs by rank, then leftmost first. Ranks are below 2^24 - 1, so a key is below `NO_PAIR`.
#[inline(always)]
fn small_key(rank: Rank, start: usize) -> i32 {
    if rank == Rank::MAX {
        NO_PAIR
    } else {
        (rank << 7 | start as u32) as i32
    }
}

/// [`merge_small_body`], compiled for SSE4.1 when the CPU has it: its signed 32-bit minimum
/// (`pminsd`) is one instruction where SSE2, the baseline of every x86-64 wheel, needs four, and
/// the scan for the lowest pair runs after every merge.
#[inline]
fn merge_small<R: Ranks>(vocab: &mut R, piece: Span, n: usize, emit: impl FnMut(&mut R, usize, usize)) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("sse4.1") {
        // SAFETY: the CPU has SSE4.1, checked just now.
        return unsafe { merge_small_sse41(vocab, piece, n, emit) };
    }
    merge_small_body(vocab, piece, n, emit)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.1")]
unsafe fn merge_small_sse41<R: Ranks>(
    vocab: &mut R,
    piece: Span,
    n: usize,
    emit: impl FnMut(&mut R, usize, usize),
) -> usize {
    merge_small_body(vocab, piece, n, emit)
}

/// Merges a piece of at most [`SMALL`] bytes by scanning all its pairs for the lowest after
/// every merge (a few vector instructions over keys that fit two cache lines).
#[inline(always)]
fn merge_small_body<R: Ranks>(
    vocab: &mut R,
    piece: Span,
    n: usize,
    mut emit: impl FnMut(&mut R, usize, usize),
) -> usize {
    // Parts are a linked list over their start offsets; `key[i]` is the key of the pair that the
    // part starting at i forms with its successor (`NO_PAIR` for the last part and for offsets
    // that no longer start a part).
    let mut key = [NO_PAIR; SMALL];
    let mut next = [0u8; SMALL + 1];
    let mut prev = [0u8; SMALL + 1];
    for i in 0..n {
        next[i] = (i + 1) as u8;
        prev[i + 1] = i as u8;
    }
    // Two-byte keys come straight from the vocabulary's direct table, read from one slice.
    let pairs = vocab.vocab();
    let bytes = &piece.text[piece.base..piece.base + n];
    for (i, (k, w)) in key[..n - 1].iter_mut().zip(bytes.windows(2)).enumerate() {
        *k = small_key(pairs.rank_pair(w[0], w[1]).unwrap_or(Rank::MAX), i);
    }
    let mut parts = n;
    loop {
        // Lane-wise minimum over whole chunks of 8 (the array past n - 1 holds NO_PAIR).
        let mut lanes = [NO_PAIR; 8];
        for chunk in key[..(n + 6) & !7].chunks_exact(8) {
            for (lane, &k) in lanes.iter_mut().zip(chunk) {
                *lane = (*lane).min(k);
            }
        }
        let best = lanes.iter().fold(NO_PAIR, |a, &b| a.min(b));
        if best == NO_PAIR {
            break;
        }
        // The part at i absorbs its successor.
        let i = (best & 0x7f) as usize;
        let j = next[i] as usize;
        let after = next[j] as usize;
        key[j] = NO_PAIR;
        next[i] = after as u8;
        prev[after] = i as u8;
        key[i] = if after < n { small_key(pair_rank(vocab, piece, i, next[after] as usize), i) } else { NO_PAIR };
        if i > 0 {
            let p = prev[i] as usize;
            key[p] = small_key(pair_rank(vocab, piece, p, after), p);
        }
        parts -= 1;
    }
    let mut i = 0;
    while i < n {
        emit(vocab, i, next[i] as usize);
        i = next[i] as usize;
    }
    parts
}

fn merge_large<R: Ranks>(vocab: &mut R, piece: Span, n: usize, mut emit: impl FnMut(&mut R, usize, usize)) -> usize {
    // Parts form a linked list over their start offsets; `rank[i]` is the rank of the pair that
    // part i forms with its successor, which the heap entry for i must still match to be live.
    // Heap entries pack (rank, start) into one u64, so the order is rank first, then leftmost.
    let entry = |rank: Rank, i: usize| Reverse(u64::from(rank) << 32 | i as u64);
    let mut next: Vec<u32> = (1..=n as u32).collect();
    let mut prev: Vec<u32> = (0..n as u32).map(|i| i.wrapping_sub(1)).collect();
    let mut rank: Vec<Rank> =
        (0..n).map(|i| if i + 2 <= n { pair_rank(vocab, piece, i, i + 2) } else { Rank::MAX }).collect();
    let mut heap: BinaryHeap<Reverse<u64>> =
        rank.iter().enumerate().filter(|(_, &r)| r != Rank::MAX).map(|(i, &r)| entry(r, i)).collect();
    let mut parts = n;
    while let Some(Reverse(top)) = heap.pop() {
        let (r, i) = ((top >> 32) as Rank, (top & 0xffff_ffff) as usize);
        if rank[i] != r {
            continue; // stale: the pair starting at i changed (or i was absorbed: rank MAX)
        }
        let j = next[i] as usize;
        let k = next[j] as usize;
        next[i] = k as u32;
        if k < n {
            prev[k] = i as u32;
        }
        rank[j] = Rank::MAX;
        rank[i] = if k < n { pair_rank(vocab, piece, i, next[k] as usize) } else { Rank::MAX };
        if rank[i] != Rank::MAX {
            heap.push(entry(rank[i], i));
        }
        if i > 0 {
            let p = prev[i] as usize;
            rank[p] = pair_rank(vocab, piece, p, k);
            if rank[p] != Rank::MAX {
                heap.push(entry(rank[p], p));
            }
        }
        parts -= 1;
    }
    let mut i = 0;
    while i < n {
        emit(vocab, i, next[i] as usize);
        i = next[i] as usize;
    }
    parts
}

/// The merges of a long piece in time linear in its length: by the search of
/// [`crate::backtrack`] (a heap over a megabyte-long piece would cost a cache miss per step), or
/// a window at a time where that costs less.
///
/// By locality (see `open_piece`), tokens up to a boundary of the encoding of a prefix stay
/// tokens of the whole when the pair across the boundary encodes as itself; so each window is
/// merged together with the last token before it, and the boundary moves back only when that
/// pair check fails. Windows are small, so that most fit the rescanning merge, and the merges of
/// windows that come again are kept ([`WindowMemo`]): a run of a pattern costs a lookup a
/// window. The search goes first. The windows take over when it gives up, and for a trial after
/// each stretch of it whose tokens were short (`span` bytes, twice as many after each stretch):
/// they go on while at least three in four of them were kept, and give the piece back to the
/// search at the first that was not kept and costs more than a merge of one window to take (a
/// long token before it, or a boundary that moves back).
fn merge_long<R: Ranks>(vocab: &mut R, piece: Span, n: usize, emit: impl FnMut(&mut R, usize, usize)) -> usize {
    merge_long_trying(vocab, piece, n, FIRST_SPAN, emit)
}

/// [`merge_long`], the search going `span` bytes before the first trial of windows (out of
/// line: rare, and large).
#[inline(never)]
fn merge_long_trying<R: Ranks>(
    vocab: &mut R,
    piece: Span,
    n: usize,
    mut span: usize,
    mut emit: impl FnMut(&mut R, usize, usize),
) -> usize {
    let bytes = &piece.text[piece.base..piece.base + n];
    let at = |ends: &[u32]| ends.last().map_or(0, |&e| e as usize);
    let mut ends: Vec<u32> = Vec::new();
    let mut windows = Windows { memo: WindowMemo::new(n), scratch: Vec::new(), missed: 0, skipped: 0 };
    let v = vocab.vocab();
    if let Some(starts) = v.token_starts() {
        let mut search = Search::new(n);
        loop {
            let pair = |s: usize, mid: usize, e: usize| join(&mut &*v, piece.skip(s), mid - s, e - s);
            let (tokens, from) = (ends.len(), at(&ends));
            if search.run(v, starts, bytes, pair, &mut ends, from + span) != Stop::Limit {
                break;
            }
            // Long tokens (a run of spaces, an alphabet) cost the search little, less than windows.
            if at(&ends) - from >= LONG_TOKENS * ends.len().saturating_sub(tokens) {
                span *= 2;
                continue;
            }
            let (mut tried, mut missed, mut same) = (0, 0, ends.len());
            while at(&ends) < n && missed <= TRIAL / 4 {
                let Some((kept, hit)) = windows.next(&mut &*v, piece, n, &mut ends, true) else { break };
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
        windows.next(vocab, piece, n, &mut ends, false);
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
fn stays_apart<R: Ranks>(vocab: &mut R, piece: Span, ends: &[u32], keep: usize, end: u32) -> bool {
    let (start, mid, end) =
        (if keep >= 2 { ends[keep - 2] as usize } else { 0 }, ends[keep - 1] as usize, end as usize);
    let (a, b) = (piece.rank(vocab, start, mid), piece.rank(vocab, mid, end));
    let both = a != Rank::MAX && b != Rank::MAX;
    if both {
        if let Some(known) = vocab.vocab().pairs().get(a, b) {
            return known == Join::Apart;
        }
    }
    let found = join(vocab, piece.skip(start), mid - start, end - start);
    if both {
        vocab.vocab().pairs().put(a, b, found);
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
    fn next<R: Ranks>(
        &mut self,
        vocab: &mut R,
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
            if keep == 0 || ends[keep] == scratch[0] || stays_apart(vocab, piece, ends, keep, scratch[0]) {
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

/// What the merges of the `n` bytes of `piece` end as: two tokens split at `mid`, one token,
/// or something else.
///
/// Never by [`merge_long`], whose own checks come here: the pairs it checks are two tokens long.
fn join<R: Ranks>(vocab: &mut R, piece: Span, mid: usize, n: usize) -> Join {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny vocabulary: all bytes, then merges in rank order.
    fn vocab(merges: &[&str]) -> Vocab {
        let mut pairs: Vec<(Vec<u8>, Rank)> = (0..=255u8).map(|b| (vec![b], b as Rank)).collect();
        for (i, m) in merges.iter().enumerate() {
            pairs.push((m.as_bytes().to_vec(), 256 + i as Rank));
        }
        Vocab::from_pairs(pairs)
    }

    fn tokens(v: &Vocab, s: &str) -> Vec<String> {
        let mut out = Vec::new();
        encode_piece(v, s.as_bytes(), &mut out);
        out.iter().map(|&r| String::from_utf8_lossy(v.bytes_of(r).unwrap()).into_owned()).collect()
    }

    #[test]
    fn lowest_rank_merges_first_and_leftmost_wins_ties() {
        let v = vocab(&["bc", "ab", "aa"]);
        assert_eq!(tokens(&v, "abc"), ["a", "bc"]);
        assert_eq!(tokens(&v, "aaa"), ["aa", "a"]);
        assert_eq!(tokens(&v, "aaaa"), ["aa", "aa"]);
    }

    #[test]
    fn both_merges_follow_the_reference() {
        let v = vocab(&["aa", "aaaa", "ab", "ba", "aab", "bb", "abab"]);
        for len in (2..=SMALL).chain([SMALL + 1, 3 * SMALL + 7, 1000]) {
            for shape in [5, 3, 7] {
                let s: String = (0..len).map(|i| if (i * 7) % shape < 2 { 'b' } else { 'a' }).collect();
                let (mut reference, mut small, mut large) = (Vec::new(), Vec::new(), Vec::new());
                merge_small_any(&v, s.as_bytes(), |a, b| reference.push((a, b)));
                if len <= SMALL {
                    let parts =
                        merge_small(&mut &v, Span { text: s.as_bytes(), base: 0 }, len, |_, a, b| small.push((a, b)));
                    assert_eq!((parts, &small), (reference.len(), &reference), "length {len}");
                    // The same code compiled for the baseline CPU, whatever this one has.
                    small.clear();
                    let span = Span { text: s.as_bytes(), base: 0 };
                    let parts = merge_small_body(&mut &v, span, len, |_, a, b| small.push((a, b)));
                    assert_eq!((parts, &small), (reference.len(), &reference), "length {len}");
                }
                let parts =
                    merge_large(&mut &v, Span { text: s.as_bytes(), base: 0 }, len, |_, a, b| large.push((a, b)));
                assert_eq!((parts, &large), (reference.len(), &reference), "length {len}");
            }
        }
    }

    /// The rescanning merge without the length limit, as a reference for the heap.
    fn merge_small_any(v: &Vocab, piece: &[u8], mut emit: impl FnMut(usize, usize)) {
        let mut starts: Vec<usize> = (0..=piece.len()).collect();
        loop {
            let best = (0..starts.len().saturating_sub(2))
                .map(|i| (pair_rank(&mut &*v, Span { text: piece, base: 0 }, starts[i], starts[i + 2]), i))
                .min();
            match best {
                Some((r, i)) if r != Rank::MAX => {
                    starts.remove(i + 1);
                }
                _ => break,
            }
        }
        for w in starts.windows(2) {
            emit(w[0], w[1]);
        }
    }

    /// Long pieces of the real vocabularies, searched against the heap alone: runs of one
    /// pattern, whole files of the corpus taken as one piece (every script at once), and random
    /// strings over a few bytes (ties everywhere).
    #[test]
    fn long_pieces_merge_like_the_heap() {
        let mut texts: Vec<Vec<u8>> = ["abcdefghij", "a", " ", "中文字符测试", "1234567890", "=-", " \n", "aB", "x"]
            .iter()
            .map(|pat| pat.repeat(6000 / pat.len()).into_bytes())
            .collect();
        texts.extend(crate::corpus().into_iter().map(|(_, t)| t).filter(|t| t.len() > LONG));
        let mut next = crate::xorshift(0x2545_f491_4f6c_dd1d);
        // Random letters make the search give up part way (short, varied tokens): the rest goes
        // a window at a time.
        let letters = b"abcdefghijklmnopqrstuvwxyz";
        for (alphabet, len) in [
            (&b" \n"[..], 5000),
            (b"ab", 5000),
            (b"a b", 5000),
            (b"ab\xc3\xa9", 5000),
            (b"0=-", 5000),
            (b"\xe4\xb8\xad .", 5000),
            (letters, 20000),
        ] {
            let text = (0..len).map(|_| alphabet[(next() >> 33) as usize % alphabet.len()]).collect();
            texts.push(text);
        }
        assert_long_merges_like_the_heap(&texts, &[FIRST_SPAN]);
    }

    /// Each of `texts` merged as one piece in both built-in vocabularies by [`merge_long`], the
    /// search going each of `spans` bytes before the first trial of windows, as the heap merges it.
    fn assert_long_merges_like_the_heap(texts: &[Vec<u8>], spans: &[usize]) {
        for name in ["o200k_base", "cl100k_base"] {
            let spec = crate::vocab::Spec::builtin(name).unwrap();
            let v = &*spec.vocab;
            for text in texts {
                let piece = Span { text, base: 0 };
                let mut heap = Vec::new();
                merge_large(&mut &*v, piece, text.len(), |_, a, b| heap.push((a, b)));
                for &span in spans {
                    let mut long = Vec::new();
                    merge_long_trying(&mut &*v, piece, text.len(), span, |_, a, b| long.push((a, b)));
                    assert!(heap == long, "{name}, {span}: {:?}", String::from_utf8_lossy(&text[..40]));
                }
            }
        }
    }

    /// The rescanning merge compiled for SSE4.1 and for the baseline CPU merge slices of every
    /// corpus file (up to 200 a file, every 97th offset, 2 to [`SMALL`] bytes) as the heap does.
    #[test]
    fn both_builds_of_the_rescanning_merge_agree_on_real_text() {
        let spec = crate::vocab::Spec::builtin("o200k_base").unwrap();
        let v = &*spec.vocab;
        let mut slices = 0;
        for (f, text) in crate::corpus() {
            for start in (0..text.len().saturating_sub(SMALL)).step_by(97).take(200) {
                let len = 2 + start % (SMALL - 1);
                let piece = Span { text: &text, base: start };
                let (mut fast, mut base, mut heap) = (Vec::new(), Vec::new(), Vec::new());
                merge_small(&mut &*v, piece, len, |_, a, b| fast.push((a, b)));
                merge_small_body(&mut &*v, piece, len, |_, a, b| base.push((a, b)));
                merge_large(&mut &*v, piece, len, |_, a, b| heap.push((a, b)));
                assert!(fast == heap && base == heap, "{f:?} at {start}, {len} bytes");
                slices += 1;
            }
        }
        assert!(slices > 1000, "{slices}");
    }

    /// Runs of patterns, alone and one after another, merged with a trial of windows after every
    /// short stretch of the search (so that the memo, the trials and the hand-backs to the
    /// search all run many times), as the heap merges them.
    #[test]
    fn windows_taking_turns_with_the_search_merge_like_the_heap() {
        let units = ["!?.,;:-", "abcdefghij", "ab", " \n", "  \n ", "-", " ", "=-", "中文", "aB1", "'s'", "é"];
        let mut texts: Vec<Vec<u8>> = units.iter().map(|u| u.repeat(3000 / u.len()).into_bytes()).collect();
        texts.push((0..3000).map(|i| b'a' + ((i * 7 + i / 13) % 26) as u8).collect());
        let mut next = crate::xorshift(0x7f4a_7c15_9e37_79b9);
        for _ in 0..24 {
            let mut text = Vec::new();
            while text.len() < 4000 {
                let len = 1 + (next() >> 33) as usize % 700;
                if next() % 4 == 0 {
                    // A stretch of random letters: the memo has none of its windows.
                    text.extend((0..len).map(|_| b'a' + (next() >> 33) as u8 % 26));
                } else {
                    let unit = units[(next() >> 33) as usize % units.len()].as_bytes();
                    text.extend(unit.iter().cycle().take(len));
                }
            }
            texts.push(text);
        }
        assert_long_merges_like_the_heap(&texts, &[16, 100, 700]);
    }

    /// Long pieces over made-up vocabularies whose ranks need not follow the merge order (a
    /// token may rank below its parts), searched against the heap.
    #[test]
    fn long_pieces_of_made_up_vocabularies_merge_like_the_heap() {
        let mut next = crate::xorshift(0x0123_4567_89ab_cdef);
        let alphabet = b"abc d";
        for _ in 0..300 {
            let mut tokens: Vec<Vec<u8>> = Vec::new();
            for _ in 0..(next() % 60) {
                let len = 2 + (next() % 5) as usize;
                let t: Vec<u8> = (0..len).map(|_| alphabet[(next() % 5) as usize]).collect();
                if !tokens.contains(&t) {
                    tokens.push(t);
                }
            }
            let mut pairs: Vec<(Vec<u8>, Rank)> = (0..=255u8).map(|b| (vec![b], Rank::from(b))).collect();
            pairs.extend(tokens.into_iter().enumerate().map(|(i, t)| (t, 256 + i as Rank)));
            let v = Vocab::from_pairs(pairs);
            let n = 300 + (next() % 900) as usize;
            let text: Vec<u8> = (0..n).map(|_| alphabet[(next() % 5) as usize]).collect();
            let piece = Span { text: &text, base: 0 };
            let (mut heap, mut long) = (Vec::new(), Vec::new());
            merge_large(&mut &v, piece, n, |_, a, b| heap.push((a, b)));
            merge_long(&mut &v, piece, n, |_, a, b| long.push((a, b)));
            assert!(heap == long, "{:?}", String::from_utf8_lossy(&text));
            let mut trying = Vec::new();
            merge_long_trying(&mut &v, piece, n, 32, |_, a, b| trying.push((a, b)));
            assert!(heap == trying, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn count_agrees_with_encode() {
        let v = vocab(&["ab", "abc", "cd"]);
        for s in ["", "a", "abcd", "abcabcd", "zzzz"] {
            let mut out = Vec::new();
            encode_piece(&v, s.as_bytes(), &mut out);
            assert_eq!(count_piece(&v, s.as_bytes()), if s.is_empty() { 0 } else { out.len() });
        }
    }
}
