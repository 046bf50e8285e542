//! The BPE of a piece that grows at its end, kept up to date in time proportional to the growth.
//!
//! A stream's last piece keeps growing while text arrives (a sentence of Chinese is one piece);
//! encoding it again after every delta would cost its whole length each time. Two properties of
//! tiktoken's merges let the encoding be extended instead:
//!
//! - Locality: where the encoding of a text has a token boundary, the encoding is the encoding of
//!   the text before the boundary followed by that of the text after it (no merge crossed it, and
//!   each side's merges were, step by step, the lowest ranked on that side).
//! - Pairs: tokens whose every adjacent pair `(a, b)` encodes as itself (`encode(a ++ b) == [a, b]`)
//!   are the encoding of their bytes; so two encodings joined at a boundary are the encoding of the
//!   whole when the one pair across the boundary is such a pair. (Conversely, by locality, the
//!   adjacent tokens of any encoding are such pairs.)
//!
//! So after a delta the added bytes are first encoded on their own and joined to the tokens
//! before them, which holds when the pair across is such a pair: the usual case, as deltas from an
//! API end where tokens end. Otherwise the tokens up to a boundary a few tokens back are kept, the
//! rest is encoded again, and the pair across the boundary is checked; if the check fails, the
//! boundary moves further back (in the end to the start of the piece, which needs no check). The
//! pair checks of an encoding are remembered ([`PairMemo`](crate::bpe::PairMemo)): a
//! stream asks the same ones again and again. So are the tokens of long ends encoded again
//! ([`Encoding::encode_spans_kept`]): a run of spaces that grows a byte at a time encodes the
//! same ends of up to 256 bytes over and over. And so is the usual case itself for deltas of a
//! character or two (a word of Chinese going on): the token such a delta adds after a token
//! ([`FollowMemo`](crate::cache::follow_memo::FollowMemo)).

use crate::bpe::{self, Join};
use crate::cache::follow_memo::FollowKey;
use crate::encoding::Encoding;
use crate::vocab::{Rank, Vocab};

/// The encoding of one growing piece of a stream's tail.
///
/// A piece may grow to megabytes (a run that no token boundary bounds, see `bounded`); past
/// [`COMPACT_AT`] tokens, the older ones are kept as one bit a byte, set where a token ends,
/// and their ranks are read again from the tail's bytes when they are needed (to hand out
/// their ids, or in the rare update that reaches back that far). The piece then holds about
/// an eighth of a byte a byte besides the text.
#[derive(Clone)]
pub struct OpenPiece {
    /// Where the piece starts in the tail.
    start: usize,
    /// The older tokens, compact (boxed: most pieces never have any).
    old: Option<Box<Old>>,
    /// How many tokens `old` holds, and where the last of them ends (plain fields, read on
    /// every update, so the common piece without compact tokens never looks into the box).
    old_count: usize,
    old_len: u32,
    /// `(end, rank)` of each token after those, ends counted from `start`.
    tokens: Vec<(u32, Rank)>,
    /// Tokens of the re-encoded end (kept to reuse its allocation).
    scratch: Vec<(u32, Rank)>,
    /// Tokens held in full before the older ones are made compact.
    compact_at: u32,
}

impl Default for OpenPiece {
    fn default() -> Self {
        OpenPiece {
            start: 0,
            old: None,
            old_count: 0,
            old_len: 0,
            tokens: Vec::new(),
            scratch: Vec::new(),
            compact_at: COMPACT_AT,
        }
    }
}

/// The compact tokens of a piece: bit `p` of `ends` is set when one ends `p + 1` bytes into it.
#[derive(Clone, Default)]
struct Old {
    ends: Vec<u64>,
}

impl Old {
    /// The ends of its tokens, in order.
    fn ends(&self) -> impl Iterator<Item = usize> + '_ {
        self.ends.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let b = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    64 * w + b + 1
                })
            })
        })
    }
}

/// Tokens held in full, at most, by default (8 bytes each: 512 KiB).
const COMPACT_AT: u32 = 1 << 16;

impl OpenPiece {
    /// How many tokens are held compact.
    #[inline(always)]
    fn old_count(&self) -> usize {
        self.old_count
    }

    /// Where the last compact token ends (0 when there is none).
    #[inline(always)]
    fn old_len(&self) -> u32 {
        self.old_len
    }

    /// Bytes of the piece encoded so far.
    pub fn len(&self) -> usize {
        self.tokens.last().map_or_else(|| self.old_len(), |t| t.0) as usize
    }

    /// Whether nothing is encoded.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty() && self.old.is_none()
    }

    /// Where the piece starts in the tail.
    pub fn start(&self) -> usize {
        self.start
    }

    /// Number of tokens.
    pub fn count(&self) -> usize {
        self.old_count() + self.tokens.len()
    }

    /// The id of a piece of one token.
    pub fn only_rank(&self) -> Option<Rank> {
        match (self.old_count(), &self.tokens[..]) {
            (0, [(_, rank)]) => Some(*rank),
            _ => None,
        }
    }

    /// Appends the tokens' ids to `out`; `tail` is the tail the piece lies in.
    pub fn extend_ranks(&self, vocab: &Vocab, tail: &[u8], out: &mut Vec<Rank>) {
        if let Some(old) = &self.old {
            let piece = &tail[self.start..];
            let mut from = 0;
            for end in old.ends() {
                out.push(vocab.rank(&piece[from..end]).unwrap_or(Rank::MAX));
                from = end;
            }
        }
        out.extend(self.tokens.iter().map(|t| t.1));
    }

    /// Makes the compact tokens full again, in front of the others; returns how many.
    #[cold]
    #[inline(never)]
    fn restore_all(&mut self, vocab: &Vocab, tail: &[u8]) -> usize {
        let Some(old) = self.old.take() else { return 0 };
        let count = std::mem::take(&mut self.old_count);
        self.old_len = 0;
        let mut full = Vec::with_capacity(count + self.tokens.len());
        let piece = &tail[self.start..];
        let mut from = 0;
        for end in old.ends() {
            full.push((end as u32, vocab.rank(&piece[from..end]).unwrap_or(Rank::MAX)));
            from = end;
        }
        full.extend_from_slice(&self.tokens);
        self.tokens = full;
        count
    }

    /// Forgets the compact tokens.
    #[cold]
    fn forget_old(&mut self) {
        self.old = None;
        self.old_count = 0;
        self.old_len = 0;
    }

    /// Past the limit of tokens held in full, makes all but the last half of them compact.
    #[inline(always)]
    fn compact(&mut self) {
        if self.tokens.len() > self.compact_at as usize {
            self.compact_some(self.compact_at as usize);
        }
    }

    /// [`OpenPiece::compact`] past the limit `at`.
    #[cold]
    #[inline(never)]
    fn compact_some(&mut self, at: usize) {
        let moved = self.tokens.len() - at / 2;
        let last_end = self.tokens[moved - 1].0;
        let old = self.old.get_or_insert_with(Box::default);
        old.ends.resize((last_end as usize).div_ceil(64), 0);
        for &(end, _) in &self.tokens[..moved] {
            let p = end as usize - 1;
            old.ends[p / 64] |= 1 << (p % 64);
        }
        self.old_count += moved;
        self.old_len = last_end;
        self.tokens.drain(..moved);
    }

    /// Forgets the piece.
    #[inline(always)]
    pub fn clear(&mut self) {
        self.tokens.clear();
        self.start = 0;
        if self.old.is_some() {
            self.forget_old();
        }
        if self.tokens.capacity() > 256 {
            self.tokens = Vec::new();
            self.scratch = Vec::new();
        }
    }

    /// Makes the piece one token, `rank`, of the first `len` bytes of the tail: what
    /// [`OpenPiece::update`] makes of a new piece that is one token.
    #[inline]
    pub fn set_one(&mut self, len: usize, rank: Rank) {
        self.clear();
        self.tokens.push((len as u32, rank));
    }

    /// The tail lost its first `n` bytes.
    pub fn shift(&mut self, n: usize) {
        if self.start >= n {
            self.start -= n;
        } else {
            self.clear();
        }
    }

    /// Lets go of the tokens that end within the first `cut` bytes of the piece, where a token
    /// ends; the rest of the piece now starts at `start` in the tail. Appends the ids let go of
    /// to `out` when given and returns their number, or `None` (and changes nothing) when no
    /// token ends at `cut`.
    pub fn cut_front(
        &mut self,
        vocab: &Vocab,
        tail: &[u8],
        cut: usize,
        start: usize,
        out: Option<&mut Vec<Rank>>,
    ) -> Option<usize> {
        self.restore_all(vocab, tail);
        let k = self.tokens.partition_point(|t| t.0 as usize <= cut);
        if k == 0 || self.tokens[k - 1].0 as usize != cut {
            return None;
        }
        if let Some(out) = out {
            out.extend(self.tokens[..k].iter().map(|t| t.1));
        }
        self.tokens.drain(..k);
        self.tokens.iter_mut().for_each(|t| t.0 -= cut as u32);
        self.start = start;
        Some(k)
    }

    /// Memory held beyond the struct itself.
    pub fn heap_bytes(&self) -> usize {
        (self.tokens.capacity() + self.scratch.capacity()) * std::mem::size_of::<(u32, Rank)>()
            + self.old.as_ref().map_or(0, |old| std::mem::size_of::<Old>() + old.ends.capacity() * 8)
    }

    /// Brings the encoding up to the piece `tail[start..end]` and returns its number of tokens.
    /// The tail's bytes before `start + len()` must not have changed since the last call (only
    /// appends, and [`OpenPiece::shift`] for a drained front).
    /// The encoding's pair memo remembers which pairs of tokens stay apart, its follow memo
    /// the token a short delta adds after a token, and its long pieces the tokens of long ends
    /// encoded again ([`Encoding::encode_spans_kept`]).
    #[inline]
    pub fn update(&mut self, enc: &Encoding, tail: &[u8], start: usize, end: usize) -> usize {
        let n = self.update_merged(enc, tail, start, end);
        // A piece that is a token the merges cannot reach is that token (tiktoken's whole-piece
        // lookup); the merges of a longer piece never make it, so the next update, whose pair
        // check across it fails, encodes again from before it.
        if !enc.unreachable().is_empty() {
            if let Some(token) = enc.unreachable_whole(&tail[start..end]) {
                self.tokens.clear();
                if self.old.is_some() {
                    self.forget_old();
                }
                self.tokens.push(((end - start) as u32, token));
                return 1;
            }
        }
        self.compact();
        n
    }

    /// [`OpenPiece::update`] by the merges alone.
    #[inline(always)]
    fn update_merged(&mut self, enc: &Encoding, tail: &[u8], start: usize, end: usize) -> usize {
        let (vocab, pairs) = (enc.vocab(), enc.pairs());
        let n = end - start;
        if self.start != start || self.len() > n {
            self.clear();
            self.start = start;
        }
        let old = self.len();
        if old == n {
            return self.count();
        }
        // Compact tokens come back in full when the update reaches them (never, but for a
        // delta that changes the piece's last tens of thousands of tokens): here when no token
        // is held in full, below when the checks go back past the first one held.
        if self.old.is_some() && self.tokens.is_empty() {
            self.restore_all(vocab, tail);
        }
        let piece = &tail[start..];
        let k = self.tokens.len();
        // A delta of a character or two after a token, which a stream pushed before: the token
        // it adds, from the memo (its facts are the two below).
        let follow = self.tokens.last().and_then(|&(_, last)| FollowKey::of(last, &piece[old..n]));
        if let Some(token) = follow.and_then(|key| enc.caches().follows().get(key)) {
            self.tokens.push((n as u32, token));
            return self.count();
        }
        // Deltas most often end where tokens end: then the added bytes encode on their own and
        // their first token stays apart from the last one before them (Pairs, above).
        bpe::encode(vocab, enc.help(), piece, old, n, &mut self.tokens);
        if k == 0 {
            return self.count();
        }
        // When the delta is one token, a pair that joins into one token is replaced by it, and
        // that token is checked against the one before it, and so on back (Pairs again: every
        // pair of the result stays apart, and a token alone is what its own bytes merge into).
        // Byte by byte, a run of spaces or punctuation mostly grows its last token this way.
        let (mut last, mut k) = (k, k);
        let k = loop {
            // Where the token before `last - 1` ends: the last compact one's end before index 0.
            let before = if last >= 2 { self.tokens[last - 2].0 } else { self.old_len() } as usize;
            let (mid, end_of) = (self.tokens[last - 1].0 as usize, self.tokens[last].0 as usize);
            let join = pairs.join(self.tokens[last - 1].1, self.tokens[last].1, || {
                bpe::join::join_at(vocab, enc.help(), tail, start + before, start + mid, start + end_of)
            });
            match join {
                Join::Apart => {
                    // The delta is one token, apart from the last one: what the memo keeps.
                    if let (Some(key), true) = (follow, last == k && self.tokens.len() == k + 1) {
                        enc.caches().follows().put(key, self.tokens[k].1);
                    }
                    return self.count();
                }
                Join::One(x) if last + 1 == self.tokens.len() => {
                    self.tokens.truncate(last - 1);
                    self.tokens.push((end_of as u32, x));
                    last -= 1;
                    if last == 0 {
                        if self.old.is_none() {
                            return 1;
                        }
                        let restored = self.restore_all(vocab, tail);
                        (last, k) = (last + restored, k + restored);
                    }
                }
                // The tokens before `last` are the old ones, untouched.
                _ => break last,
            }
        };
        self.tokens.truncate(k);
        let (mut k, mut back) = (k, 1);
        loop {
            let keep = k.saturating_sub(back);
            if keep == 0 && self.old.is_some() {
                k += self.restore_all(vocab, tail);
                continue;
            }
            let from = if keep == 0 { 0 } else { self.tokens[keep - 1].0 as usize };
            self.scratch.clear();
            enc.encode_spans_kept(piece, from, n, &mut self.scratch);
            // Adjacent tokens of an encoding are a pair (by locality, twice): when the token
            // after the boundary is the one that followed it before, the check is done.
            // The pair across the boundary lies in the tail already: tokens[keep - 1] then scratch[0].
            let before = if keep >= 2 { self.tokens[keep - 2].0 } else { self.old_len() } as usize;
            let first_end = self.scratch[0].0 as usize;
            if keep == 0
                || self.tokens[keep] == self.scratch[0]
                || pairs.apart(self.tokens[keep - 1].1, self.scratch[0].1, || {
                    bpe::join::join_at(vocab, enc.help(), tail, start + before, start + from, start + first_end)
                })
            {
                self.tokens.truncate(keep);
                self.tokens.extend_from_slice(&self.scratch);
                return self.count();
            }
            back *= 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Growing a piece a few bytes at a time gives the one-shot encoding at every step.
    #[test]
    fn growing_pieces_encode_as_one_shot() {
        let enc = Encoding::builtin("o200k_base").unwrap();
        let vocab = enc.vocab();
        let texts = [
            "这是一个用于测试的中文句子它没有空格所以整句是一个片段",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "                                                                       ",
            "Supercalifragilisticexpialidociousantidisestablishmentarianism",
            "ааааббббввввггггддддеееежжжжззззииииййййккккллллммммнннн",
            "=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-",
        ];
        // Long runs, whose last tokens join as they grow (spaces up to 128 to a token); the long
        // run of spaces encodes the same ends of over 64 bytes again, from the long pieces.
        let runs = [
            " ".repeat(300),
            " ".repeat(700),
            "!?.,;:-".repeat(40),
            "  \n ".repeat(70),
            "é".repeat(150),
            "ab".repeat(150),
        ];
        for text in texts.iter().copied().chain(runs.iter().map(String::as_str)) {
            let bytes = text.as_bytes();
            // Steps of 1 to 8 bytes; with most tokens held compact too (all but two to four).
            for (step, compact_at) in [1, 2, 3, 5, 8].into_iter().flat_map(|s| [(s, COMPACT_AT), (s, 4)]) {
                // Every step checks its pairs and merges its ends afresh.
                enc.clear_caches();
                let mut open = OpenPiece { compact_at, ..OpenPiece::default() };
                let (mut end, mut compacted) = (0, 0);
                while end < bytes.len() {
                    end = (end + step).min(bytes.len());
                    let n = open.update(&enc, bytes, 0, end);
                    let mut expected = Vec::new();
                    bpe::encode_piece(vocab, &bytes[..end], &mut expected);
                    let mut ranks = Vec::new();
                    open.extend_ranks(vocab, bytes, &mut ranks);
                    assert_eq!(ranks, expected, "{text:?} to {end} by {step}");
                    assert_eq!(n, expected.len());
                    assert!(compact_at == COMPACT_AT || open.tokens.len() <= 4 || open.old.is_none());
                    compacted += usize::from(open.old.is_some());
                }
                // Held compact at some steps, where the piece has many tokens.
                assert!(compact_at == COMPACT_AT || open.count() < 16 || compacted > 0, "{text:?} {step}");
            }
        }
    }
}
