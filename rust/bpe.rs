//! Byte-pair encoding of one piece, exact to tiktoken's merge order.
//!
//! tiktoken merges, again and again, the adjacent pair whose concatenation has the lowest rank,
//! the leftmost on a tie. Short pieces repeat that literally on a small array (cheapest for the
//! few bytes most pieces have); long pieces keep the candidate pairs in a heap ordered by
//! (rank, start), which picks the same pair at every step in O(log n) instead of O(n).

use crate::vocab::{Rank, Vocab};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Longest piece merged by rescanning; longer ones use the heap.
const SMALL: usize = 128;

/// Appends the tokens of `piece` to `out`.
#[inline]
pub fn encode_piece(vocab: &Vocab, piece: &[u8], out: &mut Vec<Rank>) {
    if let Some(r) = vocab.rank(piece) {
        out.push(r);
        return;
    }
    merge(vocab, piece, |start, end| {
        // Every single byte is a token (checked when a vocabulary is loaded), so every part is.
        out.push(vocab.rank(&piece[start..end]).unwrap_or(Rank::MAX));
    });
}

/// Number of tokens of `piece`.
#[inline]
pub fn count_piece(vocab: &Vocab, piece: &[u8]) -> usize {
    if piece.len() <= 1 || vocab.rank(piece).is_some() {
        return usize::from(!piece.is_empty());
    }
    let mut n = 0;
    merge(vocab, piece, |_, _| n += 1);
    n
}

/// Runs the merges on `piece` (two bytes or more) and reports each final part's byte range.
fn merge(vocab: &Vocab, piece: &[u8], emit: impl FnMut(usize, usize)) {
    if piece.len() <= SMALL {
        merge_small(vocab, piece, emit)
    } else {
        merge_large(vocab, piece, emit)
    }
}

/// Rank of the pair `piece[start..end]`, `Rank::MAX` when it is no token.
#[inline]
fn pair_rank(vocab: &Vocab, piece: &[u8], start: usize, end: usize) -> Rank {
    vocab.rank(&piece[start..end]).unwrap_or(Rank::MAX)
}

fn merge_small(vocab: &Vocab, piece: &[u8], mut emit: impl FnMut(usize, usize)) {
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
        let rank_at = |parts: &[(u32, Rank)], len: usize, i: usize| {
            if i + 3 < len {
                pair_rank(vocab, piece, parts[i].0 as usize, parts[i + 3].0 as usize)
            } else {
                Rank::MAX
            }
        };
        if i > 0 {
            parts[i - 1].1 = rank_at(&parts, len, i - 1);
        }
        parts[i].1 = rank_at(&parts, len, i);
        parts.copy_within(i + 2..len, i + 1);
        len -= 1;
    }
    for w in parts[..len].windows(2) {
        emit(w[0].0 as usize, w[1].0 as usize);
    }
}

fn merge_large(vocab: &Vocab, piece: &[u8], mut emit: impl FnMut(usize, usize)) {
    let n = piece.len();
    // Parts form a linked list over their start offsets; `rank[i]` is the rank of the pair that
    // part i forms with its successor, which the heap entry for i must still match to be live.
    let mut next: Vec<usize> = (1..=n).collect();
    let mut prev: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
    let mut rank: Vec<Rank> =
        (0..n).map(|i| if i + 2 <= n { pair_rank(vocab, piece, i, i + 2) } else { Rank::MAX }).collect();
    let mut heap: BinaryHeap<_> =
        rank.iter().enumerate().filter(|(_, &r)| r != Rank::MAX).map(|(i, &r)| Reverse((r, i))).collect();
    while let Some(Reverse((r, i))) = heap.pop() {
        if rank[i] != r {
            continue; // stale: the pair starting at i changed (or i was absorbed: rank MAX)
        }
        let j = next[i];
        let k = next[j];
        next[i] = k;
        if k < n {
            prev[k] = i;
        }
        rank[j] = Rank::MAX;
        rank[i] = if k < n { pair_rank(vocab, piece, i, next[k]) } else { Rank::MAX };
        if rank[i] != Rank::MAX {
            heap.push(Reverse((rank[i], i)));
        }
        let p = prev[i];
        if i > 0 {
            rank[p] = pair_rank(vocab, piece, p, k);
            if rank[p] != Rank::MAX {
                heap.push(Reverse((rank[p], p)));
            }
        }
    }
    let mut i = 0;
    while i < n {
        emit(i, next[i]);
        i = next[i];
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
    fn long_pieces_merge_like_short_ones() {
        let v = vocab(&["aa", "aaaa", "ab", "ba", "aab", "bb", "abab"]);
        for len in [SMALL + 1, 3 * SMALL + 7, 1000] {
            let s: String = (0..len).map(|i| if (i * 7) % 5 < 2 { 'b' } else { 'a' }).collect();
            let (mut small, mut large) = (Vec::new(), Vec::new());
            merge_small_any(&v, s.as_bytes(), |a, b| small.push((a, b)));
            merge_large(&v, s.as_bytes(), |a, b| large.push((a, b)));
            assert_eq!(small, large, "length {len}");
        }
    }

    /// The rescanning merge without the length limit, as a reference for the heap.
    fn merge_small_any(v: &Vocab, piece: &[u8], mut emit: impl FnMut(usize, usize)) {
        let mut starts: Vec<usize> = (0..=piece.len()).collect();
        loop {
            let best =
                (0..starts.len().saturating_sub(2)).map(|i| (pair_rank(v, piece, starts[i], starts[i + 2]), i)).min();
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
