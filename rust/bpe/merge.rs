//! The merges of one piece in tiktoken's order (or, through [`Ranks::pair_rank`], a merges
//! list's), short pieces by rescanning their pairs for the lowest after every merge, longer ones
//! with a heap.
//!
//! Each part's pair is one `i32` key `rank << 7 | start` (the pair's priority, whichever rule
//! gives it), so ordering keys orders pairs by rank, then leftmost first. For a piece of up to
//! [`SMALL`] bytes the keys sit in a fixed array and the next merge is its minimum, a scan the
//! compiler vectorises (cheapest for the few bytes most pieces have); a longer piece keeps the
//! same keys in a heap, which picks the same pair at every step in O(log n) instead of O(n).

use super::{Span, SMALL};
use crate::vocab::{Rank, Ranks};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A pair that cannot merge (its key sorts after every real one). Keys are `i32`, as SSE2, the
/// baseline every x86-64 wheel may assume, compares signed 32-bit lanes but not unsigned ones.
const NO_PAIR: i32 = i32::MAX;

/// Priority of merging the parts `piece[start..mid]` and `piece[mid..end]` (see
/// [`Ranks::pair_rank`]), `Rank::MAX` when they do not merge.
#[inline(always)]
pub(super) fn pair_rank<R: Ranks>(vocab: &mut R, piece: Span, start: usize, mid: usize, end: usize) -> Rank {
    vocab.pair_rank(piece.text, piece.base + start, piece.base + mid, piece.base + end).unwrap_or(Rank::MAX)
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
pub(super) fn merge_small<R: Ranks>(
    vocab: &mut R,
    piece: Span,
    n: usize,
    emit: impl FnMut(&mut R, usize, usize),
) -> usize {
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
pub(super) fn merge_small_body<R: Ranks>(
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
    // Two-byte keys come straight from the vocabulary's direct table (under a merges list's
    // rule, then from the list), read from one slice.
    let bytes = &piece.text[piece.base..piece.base + n];
    for (i, (k, w)) in key[..n - 1].iter_mut().zip(bytes.windows(2)).enumerate() {
        *k = small_key(vocab.byte_pair_rank(w[0], w[1]).unwrap_or(Rank::MAX), i);
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
        key[i] =
            if after < n { small_key(pair_rank(vocab, piece, i, after, next[after] as usize), i) } else { NO_PAIR };
        if i > 0 {
            let p = prev[i] as usize;
            key[p] = small_key(pair_rank(vocab, piece, p, i, after), p);
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

pub(super) fn merge_large<R: Ranks>(
    vocab: &mut R,
    piece: Span,
    n: usize,
    mut emit: impl FnMut(&mut R, usize, usize),
) -> usize {
    // Parts form a linked list over their start offsets; `rank[i]` is the rank of the pair that
    // part i forms with its successor, which the heap entry for i must still match to be live.
    // Heap entries pack (rank, start) into one u64, so the order is rank first, then leftmost.
    let entry = |rank: Rank, i: usize| Reverse(u64::from(rank) << 32 | i as u64);
    let mut next: Vec<u32> = (1..=n as u32).collect();
    let mut prev: Vec<u32> = (0..n as u32).map(|i| i.wrapping_sub(1)).collect();
    let mut rank: Vec<Rank> =
        (0..n).map(|i| if i + 2 <= n { pair_rank(vocab, piece, i, i + 1, i + 2) } else { Rank::MAX }).collect();
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
        rank[i] = if k < n { pair_rank(vocab, piece, i, k, next[k] as usize) } else { Rank::MAX };
        if rank[i] != Rank::MAX {
            heap.push(entry(rank[i], i));
        }
        if i > 0 {
            let p = prev[i] as usize;
            rank[p] = pair_rank(vocab, piece, p, i, k);
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
