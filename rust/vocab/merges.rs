//! Pair-priority merges (Hugging Face's BPE): which adjacent pair of parts merges next is decided
//! by where the pair (left token, right token) comes in a merges list, not by the rank of the
//! token they make.
//!
//! The merges look a pair up as the bytes it spans and the point that splits them
//! ([`Ranks::pair_rank`]): the bytes name the token the pair would make, and the split names the
//! two parts (a token's bytes and a length of its left part give both parts' bytes, and bytes
//! name at most one token). So the table is kept by merged token: the left-part lengths of its
//! merges and their priorities, most tokens having one.

use super::{Rank, Ranks, Vocab, MAX_RANK};

/// The merges list of a pair-priority BPE, by the token each merge makes.
pub struct Merges {
    /// `splits[at[t] as usize..at[t + 1] as usize]`: the merges that make token `t`.
    at: Vec<u32>,
    /// `(left part's byte length, priority)`, one per length.
    splits: Vec<(u32, Rank)>,
    /// Whether a piece that is one token whole is that token before any merge (`ignore_merges`).
    whole_first: bool,
}

impl Merges {
    /// The table of `merges`, each `(priority, left, right)`: a pair of token ids of `vocab`
    /// and its place in the list (the lowest merges first); the token each makes is the one
    /// whose bytes are the two parts' bytes. `whole_first`: a piece that is one token whole is
    /// that token (tiktoken's rule, and Hugging Face's `ignore_merges`).
    ///
    /// Errors name the merge (by its place) whose part or result is no token.
    pub fn new(vocab: &Vocab, merges: &[(Rank, Rank, Rank)], whole_first: bool) -> Result<Merges, String> {
        let mut made: Vec<(Rank, u32, Rank)> = Vec::with_capacity(merges.len());
        let mut joined = Vec::new();
        for &(priority, left, right) in merges {
            if priority > MAX_RANK {
                return Err(format!("merge {priority} is past the {MAX_RANK} merges a table holds"));
            }
            let (Some(a), Some(b)) = (vocab.bytes_of(left), vocab.bytes_of(right)) else {
                return Err(format!("merge {priority} has a part that is no token"));
            };
            joined.clear();
            joined.extend_from_slice(a);
            joined.extend_from_slice(b);
            let Some(token) = vocab.rank(&joined) else {
                return Err(format!(
                    "merge {priority} makes {:?}, which is no token",
                    String::from_utf8_lossy(&joined)
                ));
            };
            made.push((token, a.len() as u32, priority));
        }
        // A pair listed twice merges at its last place, as in `tokenizers` (whose map of merges
        // is collected from the list in order, a later entry replacing an earlier one).
        made.sort_unstable_by_key(|m| (m.0, m.1, std::cmp::Reverse(m.2)));
        made.dedup_by_key(|m| (m.0, m.1));
        let mut at = Vec::with_capacity(vocab.rank_end() as usize + 1);
        let mut splits = Vec::with_capacity(made.len());
        let mut next = made.iter().peekable();
        for t in 0..vocab.rank_end() {
            at.push(splits.len() as u32);
            while let Some(&(_, left, priority)) = next.next_if(|m| m.0 == t) {
                splits.push((left, priority));
            }
        }
        at.push(splits.len() as u32);
        Ok(Merges { at, splits, whole_first })
    }

    /// Priority of the merge that makes token `token` of a left part of `left` bytes.
    #[inline(always)]
    pub fn priority(&self, token: Rank, left: usize) -> Option<Rank> {
        let t = token as usize;
        let (from, to) = (self.at[t] as usize, self.at[t + 1] as usize);
        self.splits[from..to].iter().find(|s| s.0 as usize == left).map(|s| s.1)
    }

    /// Whether a piece that is one token whole is that token.
    #[inline]
    pub fn whole_first(&self) -> bool {
        self.whole_first
    }

    /// Number of merges kept (a pair listed twice counts once).
    pub fn len(&self) -> usize {
        self.splits.len()
    }

    /// Whether there is no merge.
    pub fn is_empty(&self) -> bool {
        self.splits.is_empty()
    }
}

/// Lookups of `ranks`, with the pairs' priorities of a merges list: the merges of a piece
/// under Hugging Face's rule.
#[derive(Clone, Copy)]
pub struct ByPairs<'a, R> {
    /// Where token ids are looked up.
    pub ranks: R,
    /// The merges list.
    pub merges: &'a Merges,
}

impl<R: Ranks> Ranks for ByPairs<'_, R> {
    #[inline]
    fn rank(&mut self, key: &[u8]) -> Option<Rank> {
        self.ranks.rank(key)
    }

    #[inline(always)]
    fn rank_at(&mut self, bytes: &[u8], start: usize, end: usize) -> Option<Rank> {
        self.ranks.rank_at(bytes, start, end)
    }

    #[inline(always)]
    fn pair_rank(&mut self, bytes: &[u8], start: usize, mid: usize, end: usize) -> Option<Rank> {
        let token = self.ranks.rank_at(bytes, start, end)?;
        self.merges.priority(token, mid - start)
    }

    #[inline(always)]
    fn byte_pair_rank(&mut self, a: u8, b: u8) -> Option<Rank> {
        self.merges.priority(self.ranks.vocab().rank_pair(a, b)?, 1)
    }

    #[inline]
    fn whole_first(&self) -> bool {
        self.merges.whole_first
    }

    #[inline]
    fn vocab(&self) -> &Vocab {
        self.ranks.vocab()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(tokens: &[&str]) -> Vocab {
        let mut pairs: Vec<(Vec<u8>, Rank)> = (0..=255u8).map(|b| (vec![b], Rank::from(b))).collect();
        pairs.extend(tokens.iter().enumerate().map(|(i, t)| (t.as_bytes().to_vec(), 256 + i as Rank)));
        Vocab::from_pairs(pairs)
    }

    #[test]
    fn a_pair_is_found_by_the_token_it_makes_and_its_split() {
        let v = vocab(&["ab", "bc", "abc"]);
        let id = |s: &str| v.rank(s.as_bytes()).unwrap();
        let merges = [(0, id("b"), id("c")), (1, id("a"), id("bc")), (2, id("a"), id("b")), (3, id("ab"), id("c"))];
        let m = Merges::new(&v, &merges, false).unwrap();
        assert_eq!(m.priority(id("bc"), 1), Some(0));
        assert_eq!(m.priority(id("abc"), 1), Some(1));
        assert_eq!(m.priority(id("abc"), 2), Some(3));
        assert_eq!(m.priority(id("ab"), 1), Some(2));
        assert_eq!(m.priority(id("a"), 1), None);
        let mut r = ByPairs { ranks: &v, merges: &m };
        assert_eq!(r.pair_rank(b"xabc", 1, 3, 4), Some(3));
        assert_eq!(r.pair_rank(b"xabc", 1, 2, 4), Some(1));
        assert_eq!(r.byte_pair_rank(b'a', b'b'), Some(2));
        assert_eq!(r.byte_pair_rank(b'a', b'c'), None);
    }

    #[test]
    fn a_merge_of_no_token_is_refused_by_its_index() {
        let v = vocab(&["ab"]);
        let id = |s: &str| v.rank(s.as_bytes()).unwrap();
        let err = Merges::new(&v, &[(0, id("a"), id("b")), (1, id("b"), id("a"))], false).err().unwrap();
        assert!(err.starts_with("merge 1 makes \"ba\""), "{err}");
        assert!(Merges::new(&v, &[(0, 9999, id("b"))], false).is_err());
    }
}
