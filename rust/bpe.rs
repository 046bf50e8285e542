//! Byte-pair encoding of one piece, exact to tiktoken's merge order.
//!
//! tiktoken merges, again and again, the adjacent pair whose concatenation has the lowest rank,
//! the leftmost on a tie. Short pieces repeat that literally on a small array (cheapest for the
//! few bytes most pieces have); long pieces keep the candidate pairs in a heap ordered by
//! (rank, start), which picks the same pair at every step in O(log n) instead of O(n).

use crate::vocab::{Rank, Vocab};

/// Where the merges look up ranks: the vocabulary, or a per-call cache in front of it.
pub trait Ranks {
    /// Rank of the token `key`, if it is one.
    fn rank(&mut self, key: &[u8]) -> Option<Rank>;
}

impl Ranks for &Vocab {
    #[inline]
    fn rank(&mut self, key: &[u8]) -> Option<Rank> {
        Vocab::rank(self, key)
    }
}

impl<R: Ranks> Ranks for &mut R {
    #[inline]
    fn rank(&mut self, key: &[u8]) -> Option<Rank> {
        (**self).rank(key)
    }
}
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Longest piece merged by rescanning; longer ones use the heap.
const SMALL: usize = 64;

/// Appends the tokens of `piece` to `out`.
#[inline]
pub fn encode_piece(mut vocab: impl Ranks, piece: &[u8], out: &mut Vec<Rank>) {
    if let Some(r) = vocab.rank(piece) {
        out.push(r);
        return;
    }
    encode_merged(vocab, piece, out)
}

/// Appends the tokens of `piece`, which is not a single token, to `out`.
pub fn encode_merged(mut vocab: impl Ranks, piece: &[u8], out: &mut Vec<Rank>) {
    let first = out.len();
    // The parts' start offsets go to `out` first, then each becomes its part's rank.
    merge(&mut vocab, piece, |start, _| out.push(start as Rank));
    for i in first..out.len() {
        let start = out[i] as usize;
        let end = if i + 1 < out.len() { out[i + 1] as usize } else { piece.len() };
        // Every single byte is a token (checked when a vocabulary is loaded), so every part is.
        out[i] = vocab.rank(&piece[start..end]).unwrap_or(Rank::MAX);
    }
}

/// Number of tokens of `piece`.
#[inline]
pub fn count_piece(mut vocab: impl Ranks, piece: &[u8]) -> usize {
    if piece.len() <= 1 || vocab.rank(piece).is_some() {
        return usize::from(!piece.is_empty());
    }
    count_merged(vocab, piece)
}

/// Number of tokens of `piece`, which is not a single token.
pub fn count_merged(mut vocab: impl Ranks, piece: &[u8]) -> usize {
    merge(&mut vocab, piece, |_, _| {})
}

/// Runs the merges on `piece` (two bytes or more); reports each final part's index and start,
/// and returns the number of parts.
fn merge<R: Ranks>(vocab: &mut R, piece: &[u8], emit: impl FnMut(usize, usize)) -> usize {
    if piece.len() <= SMALL {
        merge_small(vocab, piece, emit)
    } else {
        merge_large(vocab, piece, emit)
    }
}

/// Rank of the pair `piece[start..end]`, `Rank::MAX` when it is no token.
#[inline]
fn pair_rank<R: Ranks>(vocab: &mut R, piece: &[u8], start: usize, end: usize) -> Rank {
    vocab.rank(&piece[start..end]).unwrap_or(Rank::MAX)
}

fn merge_small<R: Ranks>(vocab: &mut R, piece: &[u8], mut emit: impl FnMut(usize, usize)) -> usize {
    // parts[i] = (start of part i, rank of part i merged with part i + 1); two sentinels.
    let mut parts = [(0u32, Rank::MAX); SMALL + 1];
    let n = piece.len();
    let mut len = n + 1;
    for (i, part) in parts.iter_mut().enumerate().take(len) {
        let rank = if i + 2 <= n { pair_rank(vocab, piece, i, i + 2) } else { Rank::MAX };
        *part = (i as u32, rank);
    }
    loop {
        let mut best = (Rank::MAX, 0);
        for (i, part) in parts[..len - 1].iter().enumerate() {
            if part.1 < best.0 {
                best = (part.1, i);
            }
        }
        if best.0 == Rank::MAX {
            break;
        }
        let i = best.1;
        // Part i absorbs part i + 1; the pairs that involve it get new ranks.
        if i > 0 {
            parts[i - 1].1 = pair_rank(vocab, piece, parts[i - 1].0 as usize, parts[i + 2].0 as usize);
        }
        parts[i].1 =
            if i + 3 < len { pair_rank(vocab, piece, parts[i].0 as usize, parts[i + 3].0 as usize) } else { Rank::MAX };
        parts.copy_within(i + 2..len, i + 1);
        len -= 1;
    }
    for w in parts[..len].windows(2) {
        emit(w[0].0 as usize, w[1].0 as usize);
    }
    len - 1
}

fn merge_large<R: Ranks>(vocab: &mut R, piece: &[u8], mut emit: impl FnMut(usize, usize)) -> usize {
    let n = piece.len();
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
    }
    let mut i = 0;
    let mut parts = 0;
    while i < n {
        emit(i, next[i] as usize);
        i = next[i] as usize;
        parts += 1;
    }
    parts
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
    fn long_pieces_merge_like_short_ones() {
        let v = vocab(&["aa", "aaaa", "ab", "ba", "aab", "bb", "abab"]);
        for len in [SMALL + 1, 3 * SMALL + 7, 1000] {
            let s: String = (0..len).map(|i| if (i * 7) % 5 < 2 { 'b' } else { 'a' }).collect();
            let (mut small, mut large) = (Vec::new(), Vec::new());
            merge_small_any(&v, s.as_bytes(), |a, b| small.push((a, b)));
            merge_large(&mut &v, s.as_bytes(), |a, b| large.push((a, b)));
            assert_eq!(small, large, "length {len}");
        }
    }

    /// The rescanning merge without the length limit, as a reference for the heap.
    fn merge_small_any(v: &Vocab, piece: &[u8], mut emit: impl FnMut(usize, usize)) {
        let mut starts: Vec<usize> = (0..=piece.len()).collect();
        loop {
            let best = (0..starts.len().saturating_sub(2))
                .map(|i| (pair_rank(&mut &*v, piece, starts[i], starts[i + 2]), i))
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
