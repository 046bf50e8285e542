//! Byte-pair encoding of one piece, exact to tiktoken's merge order.
//!
//! tiktoken merges, again and again, the adjacent pair whose concatenation has the lowest rank,
//! the leftmost on a tie (a piece that is one token whole is that token, looked up first). Short
//! pieces repeat that literally, long ones keep the same order in a heap ([`merge`]), and very
//! long ones take a search over the tokens that start at each position, or windows, in linear
//! time ([`long`], [`backtrack`]). Both rest on the pair rule of [`join`]: a sequence of tokens
//! is the merge result of its bytes when every adjacent pair of it stays apart on its own.
//!
//! Hugging Face's BPE merges the adjacent pair whose (left, right) comes first in a merges list
//! instead ([`Help::merges`], [`Ranks::pair_rank`]): the same loops with another priority, and
//! the pair rule holds for it too (ARCHITECTURE.md gives the argument for any priority that
//! depends on the two parts alone).
//!
//! The merges read keys out of the text the piece lies in, not a copy: the bytes after a piece
//! let every short key load in one read (see [`Ranks::rank_at`]).

pub mod backtrack;
pub mod forced;
pub mod join;
mod long;
mod merge;
pub mod token_starts;
mod windows;

pub use join::{Join, PairMemo};
use merge::{merge_large, merge_small};
pub use token_starts::{LazyStarts, TokenStarts};

use crate::vocab::{ByPairs, Merges, Rank, Ranks, Vocab};
use std::sync::OnceLock;

/// Longest piece merged by rescanning; longer ones use the heap. Starts must fit in 7 bits.
const SMALL: usize = 64;
/// Pieces longer than this are merged by a search over their tokens (see [`long`]).
const LONG: usize = 256;

/// What the merges use beyond ranks: the merges list of a pair-priority BPE, if the encoding is
/// one; for pieces over 256 bytes, the encoding's index of token starts and its memo of pair
/// checks (without the index such a piece goes a window at a time).
#[derive(Clone, Copy, Default)]
pub struct Help<'a> {
    /// Which lengths of token start where.
    pub starts: Option<&'a LazyStarts>,
    /// What adjacent token pairs merge into (made on first use: only very long pieces ask).
    pub pairs: Option<&'a OnceLock<PairMemo>>,
    /// The merges list whose order decides which pair merges next (Hugging Face's BPE); none:
    /// tiktoken's rule, the rank of the token a pair makes.
    pub merges: Option<&'a Merges>,
}

impl Help<'_> {
    /// tiktoken's rule, no index and no memo.
    pub const NONE: Help<'static> = Help { starts: None, pairs: None, merges: None };
}

/// Where the tokens of a piece go: their number ([`Count`]), their ids (`Vec<Rank>`), or their
/// ids with where each ends (`Vec<(u32, Rank)>`, ends counted from the start of the text).
pub trait Sink {
    /// Whether the sink takes ids (a count needs only how many parts the merges leave).
    const IDS: bool;
    /// Takes one token, which ends at `end` of the text.
    fn token(&mut self, end: usize, rank: Rank);
    /// Takes `n` tokens whose ids it does not need (only when not [`Sink::IDS`]).
    fn tokens(&mut self, n: usize);
}

/// A number of tokens, as a [`Sink`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count(pub usize);

impl Sink for Count {
    const IDS: bool = false;
    #[inline(always)]
    fn token(&mut self, _: usize, _: Rank) {
        self.0 += 1;
    }
    #[inline(always)]
    fn tokens(&mut self, n: usize) {
        self.0 += n;
    }
}

impl Sink for Vec<Rank> {
    const IDS: bool = true;
    #[inline(always)]
    fn token(&mut self, _: usize, rank: Rank) {
        self.push(rank);
    }
    fn tokens(&mut self, _: usize) {}
}

impl Sink for Vec<(u32, Rank)> {
    const IDS: bool = true;
    #[inline(always)]
    fn token(&mut self, end: usize, rank: Rank) {
        self.push((end as u32, rank));
    }
    fn tokens(&mut self, _: usize) {}
}

/// The tokens of the piece `text[start..end]`, into `sink`: the one BPE entry point of one-shot
/// calls and streams alike. A piece that is one token whole is that token (tiktoken's lookup of
/// the whole piece; a pair-priority BPE's only with `ignore_merges`); any other is what its
/// merges leave ([`encode_merged`]), in the order `help` names.
#[inline(always)]
pub fn encode<S: Sink>(vocab: impl Ranks, help: Help, text: &[u8], start: usize, end: usize, sink: &mut S) {
    match help.merges {
        None => encode_by(vocab, help, text, start, end, sink),
        Some(merges) => encode_by_pairs(vocab, merges, help, text, start, end, sink),
    }
}

/// [`encode`] under the rule that `vocab` gives (tiktoken's, or a merges list's through
/// `vocab::ByPairs`), whatever `help.merges` says: for loops over many pieces that choose the rule
/// once.
#[inline(always)]
pub fn encode_by<S: Sink>(mut vocab: impl Ranks, help: Help, text: &[u8], start: usize, end: usize, sink: &mut S) {
    if end - start <= 1 && !S::IDS {
        return sink.tokens(end - start);
    }
    if vocab.whole_first() {
        if let Some(r) = vocab.rank_at(text, start, end) {
            return sink.token(end, r);
        }
    }
    merged_by(vocab, help, text, start, end, sink)
}

/// [`encode`] under a merges list's rule (out of line: the built-in encodings never come here).
#[inline(never)]
fn encode_by_pairs<S: Sink>(
    vocab: impl Ranks,
    merges: &Merges,
    help: Help,
    text: &[u8],
    start: usize,
    end: usize,
    sink: &mut S,
) {
    encode_by(ByPairs { ranks: vocab, merges }, help, text, start, end, sink)
}

/// The tokens the merges of `text[start..end]` leave, into `sink`, without the whole-piece
/// lookup: for a piece known not to be one token, or a part of one (the pair checks).
pub fn encode_merged<S: Sink>(vocab: impl Ranks, help: Help, text: &[u8], start: usize, end: usize, sink: &mut S) {
    match help.merges {
        None => merged_by(vocab, help, text, start, end, sink),
        Some(merges) => merged_by(ByPairs { ranks: vocab, merges }, help, text, start, end, sink),
    }
}

/// [`encode_merged`] under the rule `vocab` gives.
fn merged_by<S: Sink>(mut vocab: impl Ranks, help: Help, text: &[u8], start: usize, end: usize, sink: &mut S) {
    let piece = Span { text, base: start };
    if S::IDS {
        // Every single byte is a token (checked when a vocabulary is loaded), so every part is.
        merge(&mut vocab, help, piece, end - start, |vocab, s, e| sink.token(start + e, piece.rank(vocab, s, e)));
    } else {
        let parts = merge(&mut vocab, help, piece, end - start, |_, _, _| {});
        sink.tokens(parts);
    }
}

/// [`encode`] into a [`Count`]: the number of tokens of the piece `text[start..end]`.
#[inline]
pub fn count(vocab: impl Ranks, help: Help, text: &[u8], start: usize, end: usize) -> usize {
    let mut n = Count(0);
    encode(vocab, help, text, start, end, &mut n);
    n.0
}

/// [`encode_by`] into a [`Count`].
#[inline]
pub fn count_by(vocab: impl Ranks, help: Help, text: &[u8], start: usize, end: usize) -> usize {
    let mut n = Count(0);
    encode_by(vocab, help, text, start, end, &mut n);
    n.0
}

/// The ids of `piece` as a whole text's piece under tiktoken's rule, appended to `out` (tests and
/// fuzzing).
pub fn encode_piece(vocab: impl Ranks, piece: &[u8], out: &mut Vec<Rank>) {
    encode(vocab, Help::NONE, piece, 0, piece.len(), out)
}

/// The number of tokens of `piece` as a whole text's piece under tiktoken's rule (tests and
/// fuzzing).
pub fn count_piece(vocab: impl Ranks, piece: &[u8]) -> usize {
    count(vocab, Help::NONE, piece, 0, piece.len())
}

/// A piece: the `n` bytes of `text` from `base` (the text around it makes keys one load).
#[derive(Clone, Copy)]
pub(crate) struct Span<'a> {
    pub(crate) text: &'a [u8],
    pub(crate) base: usize,
}

impl Span<'_> {
    /// The piece from its byte `from` on.
    #[inline]
    pub(crate) fn skip(self, from: usize) -> Self {
        Span { text: self.text, base: self.base + from }
    }

    /// Rank of the piece's bytes `start..end`, `Rank::MAX` when they are no token.
    #[inline(always)]
    pub(crate) fn rank<R: Ranks>(self, vocab: &mut R, start: usize, end: usize) -> Rank {
        vocab.rank_at(self.text, self.base + start, self.base + end).unwrap_or(Rank::MAX)
    }
}

/// Runs the merges on the `n` bytes of `piece`; reports each final part's start and end
/// (offsets in the piece), in order, and returns the number of parts.
// Out of line: inlined into its callers, it made LLVM compile the rescanning merge worse.
#[inline(never)]
fn merge<R: Ranks>(vocab: &mut R, help: Help, piece: Span, n: usize, emit: impl FnMut(&mut R, usize, usize)) -> usize {
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
        long::merge_long(vocab, help, piece, n, emit)
    }
}

/// The tokens of `vocab` that the merges of their own bytes (in the order of `merges`, or
/// tiktoken's) do not end as: tiktoken makes such a token only of a piece that is exactly its
/// bytes (its whole-piece lookup), never inside a longer piece (by locality, see [`join`]).
/// Streams that extend an encoding by merges check for them (ARCHITECTURE.md, "Tokens the
/// merges cannot reach"). Sorted; none for a merges list without the whole-piece lookup, where
/// such a token is never made.
pub fn unreachable_tokens(vocab: &Vocab, merges: Option<&Merges>) -> Vec<Rank> {
    let mut out = Vec::new();
    if merges.is_some_and(|m| !m.whole_first()) {
        return out;
    }
    let help = Help { merges, ..Help::NONE };
    let mut parts: Vec<Rank> = Vec::new();
    for r in 0..vocab.rank_end() {
        let Some(token) = vocab.bytes_of(r).filter(|t| t.len() > 1) else { continue };
        parts.clear();
        encode_merged(vocab, help, token, 0, token.len(), &mut parts);
        if parts[..] != [r] {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::long::{merge_long, merge_long_trying, FIRST_SPAN};
    use super::merge::{merge_small_body, pair_rank};
    use super::*;
    use crate::vocab::{Filtered, Vocab};

    /// An index and a memo of `v`'s own, as an encoding gives them to the merges.
    fn with_help<T>(v: &Vocab, f: impl FnOnce(Help) -> T) -> T {
        let (starts, pairs) = (LazyStarts::default(), OnceLock::from(PairMemo::new(true)));
        let _ = starts.get(v);
        f(Help { starts: Some(&starts), pairs: Some(&pairs), merges: None })
    }

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
                .map(|i| {
                    (pair_rank(&mut &*v, Span { text: piece, base: 0 }, starts[i], starts[i + 1], starts[i + 2]), i)
                })
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
            let spec = crate::vocab::builtin(name).unwrap();
            let v = &*spec;
            for text in texts {
                let piece = Span { text, base: 0 };
                let mut heap = Vec::new();
                merge_large(&mut &*v, piece, text.len(), |_, a, b| heap.push((a, b)));
                for &span in spans {
                    let mut long = Vec::new();
                    with_help(v, |help| {
                        merge_long_trying(&mut &*v, help, piece, text.len(), span, |_, a, b| long.push((a, b)))
                    });
                    assert!(heap == long, "{name}, {span}: {:?}", String::from_utf8_lossy(&text[..40]));
                }
            }
        }
    }

    /// The rescanning merge compiled for SSE4.1 and for the baseline CPU merge slices of every
    /// corpus file (up to 200 a file, every 97th offset, 2 to [`SMALL`] bytes) as the heap does.
    #[test]
    fn both_builds_of_the_rescanning_merge_agree_on_real_text() {
        let spec = crate::vocab::builtin("o200k_base").unwrap();
        let v = &*spec;
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
            with_help(&v, |help| merge_long(&mut &v, help, piece, n, |_, a, b| long.push((a, b))));
            assert!(heap == long, "{:?}", String::from_utf8_lossy(&text));
            let mut trying = Vec::new();
            with_help(&v, |help| merge_long_trying(&mut &v, help, piece, n, 32, |_, a, b| trying.push((a, b))));
            assert!(heap == trying, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    /// A made-up pair-priority BPE over `alphabet`, as a trainer makes one: each merge joins two
    /// tokens into a new one, and now and then (`again` in 256) a merge joins two tokens into
    /// one that exists already (a token with several merges, as files converted from tiktoken
    /// ranks have). The vocabulary, and the merges as pairs of ids in priority order.
    fn made_up_merges(
        next: &mut impl FnMut() -> u64,
        alphabet: &[u8],
        n: usize,
        again: u64,
    ) -> (Vocab, Vec<(Rank, Rank)>) {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let mut merges: Vec<(Rank, Rank)> = Vec::new();
        let mut ours: Vec<Rank> = alphabet.iter().map(|&b| Rank::from(b)).collect();
        while merges.len() < n {
            let a = ours[(next() % ours.len() as u64) as usize];
            let b = ours[(next() % ours.len() as u64) as usize];
            let joined = [&tokens[a as usize][..], &tokens[b as usize][..]].concat();
            if joined.len() > 12 || merges.contains(&(a, b)) {
                continue;
            }
            match tokens.iter().position(|t| *t == joined) {
                Some(_) if next() % 256 >= again => continue,
                Some(_) => {}
                None => {
                    ours.push(tokens.len() as Rank);
                    tokens.push(joined);
                }
            }
            merges.push((a, b));
        }
        let v = Vocab::from_pairs(tokens.into_iter().zip(0..).collect());
        (v, merges)
    }

    /// Hugging Face's merges, transcribed plainly: again and again the adjacent pair of parts
    /// that comes first in `merges` (leftmost on a tie) becomes the token of their bytes.
    fn merge_by_list(v: &Vocab, merges: &[(Rank, Rank)], piece: &[u8]) -> Vec<Rank> {
        let mut parts: Vec<Rank> = piece.iter().map(|&b| v.rank(&[b]).unwrap()).collect();
        loop {
            let best = (0..parts.len().saturating_sub(1))
                .filter_map(|i| merges.iter().rposition(|&m| m == (parts[i], parts[i + 1])).map(|p| (p, i)))
                .min();
            let Some((_, i)) = best else { return parts };
            let joined = [v.bytes_of(parts[i]).unwrap(), v.bytes_of(parts[i + 1]).unwrap()].concat();
            parts[i] = v.rank(&joined).unwrap();
            parts.remove(i + 1);
        }
    }

    /// Every merge of a pair-priority BPE (rescanning, heap, the search over long pieces and its
    /// windows, the pair checks) against the plain transcription, over made-up lists where a
    /// token has several merges and ranks do not follow the list, with and without the
    /// whole-piece lookup.
    #[test]
    fn merges_in_the_order_of_a_merges_list_follow_the_reference() {
        let mut next = crate::xorshift(0x1f83_d9ab_fb41_bd6b);
        let alphabet = b"abc d";
        for round in 0..60 {
            let n = 10 + (next() % 80) as usize;
            let (v, list) = made_up_merges(&mut next, alphabet, n, 64);
            let whole = round % 3 == 0;
            let indexed: Vec<(Rank, Rank, Rank)> = (0..).zip(&list).map(|(i, &(a, b))| (i, a, b)).collect();
            let merges = Merges::new(&v, &indexed, whole).unwrap();
            let unreachable = unreachable_tokens(&v, Some(&merges));
            with_help(&v, |help| {
                let help = Help { merges: Some(&merges), ..help };
                for len in [1, 2, 3, 5, 9, 20, 64, 65, 200, 257, 700, 1500] {
                    let text: Vec<u8> = (0..len).map(|_| alphabet[(next() % 5) as usize]).collect();
                    let mut expected = merge_by_list(&v, &list, &text);
                    if whole {
                        if let Some(r) = v.rank(&text) {
                            expected = vec![r];
                        }
                    }
                    let mut got = Vec::new();
                    encode(&v, help, &text, 0, len, &mut got);
                    assert_eq!(got, expected, "round {round}: {:?}", String::from_utf8_lossy(&text));
                    assert_eq!(count(Filtered(&v), help, &text, 0, len), got.len());
                    // Tokens no merge makes are made only of a piece that is their bytes.
                    assert!(got.len() == 1 || got.iter().all(|t| unreachable.binary_search(t).is_err()));
                    // Every adjacent pair of the result stays apart, under the list's rule.
                    let mut at = 0;
                    for w in got.windows(2) {
                        let (a, b) = (v.bytes_of(w[0]).unwrap().len(), v.bytes_of(w[1]).unwrap().len());
                        assert_eq!(join::join_at(&v, help, &text, at, at + a, at + a + b), Join::Apart);
                        at += a;
                    }
                }
            });
            if !whole {
                assert!(unreachable.is_empty());
            }
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

    /// The built-in vocabularies have none (so their encodings skip the check at load), a made-up
    /// one has the tokens its merges cannot build.
    #[test]
    fn unreachable_tokens_are_found_and_the_built_in_vocabularies_have_none() {
        for file in ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"] {
            assert!(unreachable_tokens(&crate::vocab::builtin(file).unwrap(), None).is_empty(), "{file}");
        }
        // "hello" with no merge to build it; "ab" from "a", "b"; "abc" from "ab", "c" even
        // ranked below "ab"; "xyz" with neither "xy" nor "yz".
        let v = vocab(&["hello", "abc", "ab", "xyz"]);
        assert_eq!(unreachable_tokens(&v, None), [256, 259]);
    }
}
