//! One-shot encode, count and decode, built on the same scanners as the streams.

mod caches;
mod tokenizer_json;
// The batches on threads serve the Python bindings.
#[cfg_attr(not(feature = "python"), allow(dead_code))]
pub(crate) mod parallel;
mod spec;
pub mod split;

pub use caches::EncodingCaches;
pub use spec::{Spec, BUILTIN_NAMES};
use tokenizer_json::{Part, Pipeline};

use crate::bpe::{self, Help, LazyStarts, PairMemo};
use crate::cache::pieces::{Key, PieceCaches};
use crate::cache::scratch::Scratch;
use crate::error::{Error, Result};
use crate::pretok::special::SpecialMatcher;
use crate::pretok::{Family, Kind, Pretok};
use crate::vocab::{ByPairs, Filtered, Merges, Rank, Ranks, Vocab};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// A tokenizer: pre-tokenizer, mergeable ranks and special tokens.
pub struct Encoding {
    name: String,
    pretok: Pretok,
    vocab: Arc<Vocab>,
    /// Sorted by id.
    specials: Vec<(String, Rank)>,
    /// The special tokens in tiktoken's order of precedence (see [`crate::pretok::special`]).
    by_precedence: Vec<(String, Rank)>,
    special_bytes: HashMap<Rank, Box<[u8]>>,
    all_specials: Arc<SpecialMatcher>,
    /// Which lengths of token start where, for the merge of very long pieces (made on first use).
    starts: LazyStarts,
    /// What calls and streams keep for the next ones.
    caches: EncodingCaches,
    /// The tokens the merges cannot reach, sorted (see [`bpe::unreachable_tokens`]).
    unreachable: Box<[Rank]>,
    /// The merges list of a pair-priority BPE (Hugging Face's); none: tiktoken's rule.
    merges: Option<Arc<Merges>>,
    /// What a tokenizer.json puts around the pre-tokenizer, when it puts anything.
    pipeline: Option<Arc<Pipeline>>,
    /// Bytes of the ids that are neither mergeable nor special (a tokenizer.json's added tokens
    /// that are no special token, and its tokens that stand for no bytes).
    other_bytes: HashMap<Rank, Box<[u8]>>,
}

/// Where `piece`, a slice of `bytes`, starts in it.
#[inline(always)]
fn offset(bytes: &[u8], piece: &[u8]) -> usize {
    piece.as_ptr() as usize - bytes.as_ptr() as usize
}

/// What a one-shot call does with each piece (`start`, `len` and its key in the piece caches): a
/// method rather than a closure, so that it can be made to inline into the loop over pieces
/// (its path for a piece the caches have is short; the rest is a call).
trait OnPiece {
    fn piece(&mut self, caches: &mut PieceCaches, start: usize, len: usize, key: Key);
}

/// How many pieces ahead of the one handled [`each_piece`] scans, and prefetches the cache
/// entries of: a text's pieces look up entries all over the piece caches, which in a process that
/// counts many texts are mostly out of the CPU's caches, and each lookup would wait for memory
/// alone.
const AHEAD: usize = 16;

/// Calls `on.piece` for every piece of `text`, in order. Pieces are scanned, and their cache
/// entries prefetched, [`AHEAD`] pieces before `on` sees them, so that the waits for memory of
/// that many lookups overlap.
#[inline(always)]
fn each_piece<'t>(
    mut pieces: impl Iterator<Item = &'t [u8]>,
    text: &'t str,
    caches: &mut PieceCaches,
    on: &mut impl OnPiece,
) {
    let bytes = text.as_bytes();
    #[inline(always)]
    fn look(caches: &PieceCaches, bytes: &[u8], piece: &[u8]) -> (usize, usize, Key) {
        let (start, len) = (offset(bytes, piece), piece.len());
        let key = caches.key(bytes, start, len);
        caches.prefetch(bytes, key);
        (start, len, key)
    }
    let mut ring = [(0, 0, Key::None); AHEAD];
    let mut held = 0;
    // A loop of its own rather than a zip of the ring with the pieces, which does not inline.
    while held < AHEAD {
        let Some(piece) = pieces.next() else { break };
        ring[held] = look(caches, bytes, piece);
        held += 1;
    }
    let mut head = 0;
    // One call of `on`, so that it inlines here.
    while held > 0 {
        let (start, len, key) = ring[head];
        match pieces.next() {
            Some(piece) => ring[head] = look(caches, bytes, piece),
            None => held -= 1,
        }
        head = (head + 1) % AHEAD;
        on.piece(caches, start, len, key);
    }
}

/// [`OnPiece`] of [`Encoding::count`]: adds up the pieces' counts.
struct Counting<'a, 'e, R> {
    ranks: R,
    help: Help<'e>,
    ids: &'a mut Vec<Rank>,
    bytes: &'a [u8],
    total: usize,
}

impl<R: Ranks> OnPiece for Counting<'_, '_, R> {
    #[inline(always)]
    fn piece(&mut self, caches: &mut PieceCaches, start: usize, len: usize, key: Key) {
        self.total += match caches.get(self.bytes, key) {
            Some(c) => c.count(),
            None => count_missed(&mut self.ranks, self.help, caches, self.ids, self.bytes, start, len, key),
        };
    }
}

/// [`OnPiece`] of [`Encoding::encode_ordinary_into`]: appends the pieces' ids.
struct Listing<'a, 'e, R> {
    ranks: R,
    help: Help<'e>,
    out: &'a mut Vec<Rank>,
    bytes: &'a [u8],
}

impl<R: Ranks> OnPiece for Listing<'_, '_, R> {
    #[inline(always)]
    fn piece(&mut self, caches: &mut PieceCaches, start: usize, len: usize, key: Key) {
        let (bytes, out) = (self.bytes, &mut *self.out);
        let counted = match caches.get(bytes, key) {
            Some(c) if c.extend(out) => return,
            Some(_) => true,
            None => false,
        };
        if !(counted && caches.extend_spilled(bytes, key, start, len, out)) {
            encode_missed(&mut self.ranks, self.help, caches, out, bytes, start, len, key, counted);
        }
    }
}

/// Appends the ids of the piece `bytes[start..start + len]` (key `key`), whose ids the piece
/// caches do not have (`counted`: they have its count), and keeps them.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn encode_missed(
    ranks: &mut impl Ranks,
    help: Help,
    pieces: &mut PieceCaches,
    out: &mut Vec<Rank>,
    bytes: &[u8],
    start: usize,
    len: usize,
    key: Key,
    counted: bool,
) {
    let at = out.len();
    bpe::encode_by(&mut *ranks, help, bytes, start, start + len, out);
    if counted {
        // The count is kept, the ids did not fit: they go a tier up.
        pieces.insert_spilled(bytes, key, start, len, &out[at..]);
    } else {
        pieces.insert(bytes, key, start, len, &out[at..]);
    }
}

/// Number of tokens of the piece `bytes[start..start + len]` (key `key`), which the piece
/// caches do not have: merged, and kept where it fits.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn count_missed(
    ranks: &mut impl Ranks,
    help: Help,
    pieces: &mut PieceCaches,
    ids: &mut Vec<Rank>,
    bytes: &[u8],
    start: usize,
    len: usize,
    key: Key,
) -> usize {
    match key {
        // The tiers keep ids, which the next encode of the piece finds too.
        Key::Short(..) | Key::Longer(..) | Key::Long(..) => {
            ids.clear();
            bpe::encode_by(&mut *ranks, help, bytes, start, start + len, ids);
            pieces.insert(bytes, key, start, len, ids);
            ids.len()
        }
        Key::Huge(..) => {
            let n = bpe::count_by(&mut *ranks, help, bytes, start, start + len);
            pieces.insert_count(bytes, key, start, len, n);
            n
        }
        Key::None => bpe::count_by(&mut *ranks, help, bytes, start, start + len),
    }
}

/// Pieces of this many bytes or more that a stream encodes again go through the long pieces
/// ([`Encoding::encode_spans_kept`]): a lookup there costs a lock, a hash and a compare of the
/// bytes, less than a merge of this many bytes.
const KEPT_SPAN: usize = 64;

impl Encoding {
    /// Makes an encoding from its parts; every single byte must be a token.
    pub fn new(spec: Spec) -> Result<Encoding> {
        let unreachable = bpe::unreachable_tokens(&spec.vocab, None);
        Self::build(spec, unreachable)
    }

    /// An encoding whose merges go in the order of `merges` (Hugging Face's BPE), not by the
    /// rank of the token a pair makes; every single byte must be a token.
    pub fn with_merges(spec: Spec, merges: Merges) -> Result<Encoding> {
        let unreachable = bpe::unreachable_tokens(&spec.vocab, Some(&merges));
        let mut encoding = Self::build(spec, unreachable)?;
        encoding.merges = Some(Arc::new(merges));
        Ok(encoding)
    }

    /// [`Encoding::new`] with the unreachable tokens known.
    fn build(spec: Spec, unreachable: Vec<Rank>) -> Result<Encoding> {
        if let Some(b) = (0..=255u8).find(|&b| spec.vocab.rank(&[b]).is_none()) {
            return Err(Error::MalformedVocab { line: 0, reason: format!("byte {b:#04x} has no token") });
        }
        let by_precedence: Vec<(String, Rank)> = crate::pretok::special::tiktoken_precedence(&spec.specials)
            .into_iter()
            .map(|i| spec.specials[i].clone())
            .collect();
        let mut specials = spec.specials;
        specials.sort_by_key(|s| s.1);
        let mut special_bytes = HashMap::new();
        for (text, rank) in &specials {
            special_bytes.entry(*rank).or_insert_with(|| text.as_bytes().into());
        }
        let all_specials = Arc::new(SpecialMatcher::new(by_precedence.iter().map(|(t, r)| (t.as_str(), *r))));
        Ok(Encoding {
            name: spec.name,
            pretok: spec.pretok,
            vocab: spec.vocab,
            specials,
            by_precedence,
            special_bytes,
            all_specials,
            starts: LazyStarts::default(),
            caches: EncodingCaches::default(),
            unreachable: unreachable.into(),
            merges: None,
            pipeline: None,
            other_bytes: HashMap::new(),
        })
    }

    /// The built-in encoding `name`, made once per process and shared.
    pub fn builtin(name: &str) -> Result<Arc<Encoding>> {
        static CELLS: [OnceLock<Arc<Encoding>>; BUILTIN_NAMES.len()] = [const { OnceLock::new() }; BUILTIN_NAMES.len()];
        let index =
            BUILTIN_NAMES.iter().position(|n| *n == name).ok_or_else(|| Error::UnknownEncoding(name.to_string()))?;
        if let Some(e) = CELLS[index].get() {
            return Ok(e.clone());
        }
        // The built-in vocabularies have no unreachable token (a test checks it): their first
        // use skips the search.
        let made = Arc::new(Encoding::build(Spec::builtin(name)?, Vec::new())?);
        Ok(CELLS[index].get_or_init(|| made).clone())
    }

    /// The encoding's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// [`each_piece`] over the pieces of `text` that tiktoken encodes (not the gaps a compiled
    /// pattern may leave).
    #[inline(always)]
    fn each_piece(&self, text: &str, caches: &mut PieceCaches, on: &mut impl OnPiece) {
        match &self.pretok {
            Pretok::Family(family) => each_piece(family.pieces(text), text, caches, on),
            Pretok::Compiled(c) => {
                each_piece(c.pieces(text).filter_map(|(p, kind)| (kind == Kind::Match).then_some(p)), text, caches, on)
            }
            Pretok::Sequence(_) => each_piece(self.pretok.pieces(text).map(|(p, _)| p), text, caches, on),
        }
    }

    /// The pre-tokenizer.
    #[inline]
    pub fn pretok(&self) -> &Pretok {
        &self.pretok
    }

    /// The hand-written pattern family of the pre-tokenizer, if it is one.
    #[inline]
    pub fn family(&self) -> Option<Family> {
        self.pretok.family()
    }

    /// The mergeable tokens.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Special tokens and their ids.
    pub fn specials(&self) -> &[(String, Rank)] {
        &self.specials
    }

    /// A matcher for every special token.
    pub fn all_specials(&self) -> &Arc<SpecialMatcher> {
        &self.all_specials
    }

    /// A matcher for the special tokens named in `allowed` (unknown names are ignored), with
    /// the tokens that are not allowed but can take an allowed one's place (one is a prefix of
    /// the other), as tiktoken lets them.
    pub fn special_matcher<'a>(&self, allowed: impl IntoIterator<Item = &'a str>) -> SpecialMatcher {
        let wanted: std::collections::HashSet<&str> = allowed.into_iter().collect();
        let nested = self.all_specials.is_nested();
        let competes = |t: &str| wanted.iter().any(|w| w.starts_with(t) || t.starts_with(w));
        SpecialMatcher::ranked(self.by_precedence.iter().filter_map(|(t, r)| {
            let allowed = wanted.contains(t.as_str());
            (allowed || (nested && competes(t))).then_some((t.as_str(), *r, allowed))
        }))
    }

    /// Highest token id, special tokens included.
    pub fn max_token_value(&self) -> Rank {
        let specials = self.specials.iter().map(|s| s.1).max().unwrap_or(0);
        let others = self.other_bytes.keys().copied().max().unwrap_or(0);
        specials.max(others).max(self.vocab.rank_end().saturating_sub(1))
    }

    /// Tokens of `text`, all of it ordinary text (a tokenizer.json's added tokens that are no
    /// special token are split out of it all the same).
    pub fn encode_ordinary(&self, text: &str) -> Vec<Rank> {
        let mut out = Vec::with_capacity(text.len() / 4 + 1);
        match &self.pipeline {
            None => self.encode_ordinary_into(text, &mut out),
            Some(p) => self.encode_through(p, None, text, &mut out),
        }
        out
    }

    /// Appends the tokens of `text` split by `pipeline`, the special tokens `allowed` allows
    /// (none when `None`) encoded as themselves, to `out` (out of line: the built-in encodings
    /// never come here).
    #[inline(never)]
    fn encode_through(&self, pipeline: &Pipeline, allowed: Option<&SpecialMatcher>, text: &str, out: &mut Vec<Rank>) {
        pipeline.split(self, allowed, text, &mut |part| match part {
            Part::Token(id) => out.push(id),
            Part::Text(t) => self.encode_ordinary_into(t, out),
        });
    }

    /// [`Encoding::encode_through`], counted.
    #[inline(never)]
    fn count_through(&self, pipeline: &Pipeline, allowed: Option<&SpecialMatcher>, text: &str) -> usize {
        let mut n = 0;
        pipeline.split(self, allowed, text, &mut |part| match part {
            Part::Token(_) => n += 1,
            Part::Text(t) => n += self.count_text(t),
        });
        n
    }

    /// Appends the tokens of `text`, all of it ordinary text, to `out`, without what an
    /// encoding's tokenizer.json pipeline puts before its pre-tokenizer.
    pub fn encode_ordinary_into(&self, text: &str, out: &mut Vec<Rank>) {
        // The rule is chosen once a call, not once a piece.
        match self.merges.as_deref() {
            None => self.encode_ordinary_by(Filtered(&self.vocab), text, out),
            Some(merges) => self.encode_ordinary_by(ByPairs { ranks: Filtered(&self.vocab), merges }, text, out),
        }
    }

    /// [`Encoding::encode_ordinary_into`] under the rule of `ranks`.
    #[inline(always)]
    fn encode_ordinary_by(&self, ranks: impl Ranks, text: &str, out: &mut Vec<Rank>) {
        self.caches.scratch.with(|scratch| {
            let mut on = Listing { ranks, help: self.help(), out, bytes: text.as_bytes() };
            self.each_piece(text, &mut scratch.pieces, &mut on);
        })
    }

    /// Empties the caches that calls keep for the next ones (see [`EncodingCaches`]), to
    /// measure a cold call.
    pub fn clear_caches(&self) {
        self.caches.clear();
    }

    /// The tokens that the merges of their own bytes do not end as (see
    /// [`bpe::unreachable_tokens`]); none in the built-in encodings.
    #[inline]
    pub fn unreachable(&self) -> &[Rank] {
        &self.unreachable
    }

    /// The unreachable token whose bytes are `piece`, if there is one.
    #[inline]
    pub(crate) fn unreachable_whole(&self, piece: &[u8]) -> Option<Rank> {
        if self.unreachable.is_empty() {
            return None;
        }
        let r = self.vocab.rank(piece)?;
        self.unreachable.binary_search(&r).is_ok().then_some(r)
    }

    /// The caches of this encoding.
    pub fn caches(&self) -> &EncodingCaches {
        &self.caches
    }

    /// What adjacent token pairs merge into, as streams and long pieces found it.
    pub fn pairs(&self) -> &PairMemo {
        self.caches.pairs()
    }

    /// What the merge of very long pieces uses beyond ranks (see [`Help`]).
    #[inline]
    pub fn help(&self) -> Help<'_> {
        Help { starts: Some(&self.starts), pairs: Some(self.caches.pairs_cell()), merges: self.merges.as_deref() }
    }

    /// Appends `(end, rank)` of each token of the piece `piece[from..to]` to `out`, as
    /// [`bpe::encode`] does; a piece of [`KEPT_SPAN`] bytes or more is looked up in, and
    /// after a merge kept in, the long pieces that one-shot calls keep. A stream encodes the end
    /// of a growing piece again after a delta that changes its last tokens: a run of spaces
    /// pushed a byte at a time asks for the same ends of up to 256 bytes over and over.
    pub(crate) fn encode_spans_kept(&self, piece: &[u8], from: usize, to: usize, out: &mut Vec<(u32, Rank)>) {
        if to - from < KEPT_SPAN {
            return bpe::encode(&*self.vocab, self.help(), piece, from, to, out);
        }
        self.caches.scratch.with(|scratch| {
            let Scratch { ids, pieces, .. } = scratch;
            ids.clear();
            pieces.long_ids(&piece[from..to], ids, |ids| bpe::encode(&*self.vocab, self.help(), piece, from, to, ids));
            let mut end = from;
            for &r in ids.iter() {
                end += self.vocab.bytes_of(r).map_or(0, <[u8]>::len);
                out.push((end as u32, r));
            }
        })
    }

    /// Number of tokens of `text`, all of it ordinary text (see [`Encoding::encode_ordinary`]).
    pub fn count(&self, text: &str) -> usize {
        match &self.pipeline {
            None => self.count_text(text),
            Some(p) => self.count_through(p, None, text),
        }
    }

    /// [`Encoding::count`] without what an encoding's tokenizer.json pipeline puts before its
    /// pre-tokenizer.
    #[inline]
    pub fn count_text(&self, text: &str) -> usize {
        match self.merges.as_deref() {
            None => self.count_by(Filtered(&self.vocab), text),
            Some(merges) => self.count_by(ByPairs { ranks: Filtered(&self.vocab), merges }, text),
        }
    }

    /// [`Encoding::count`] under the rule of `ranks`.
    #[inline(always)]
    fn count_by(&self, ranks: impl Ranks, text: &str) -> usize {
        self.caches.scratch.with(|scratch| {
            let Scratch { pieces, ids } = scratch;
            let mut on = Counting { ranks, help: self.help(), ids, bytes: text.as_bytes(), total: 0 };
            self.each_piece(text, pieces, &mut on);
            on.total
        })
    }

    /// Tokens of `text`, the special tokens that `allowed` recognises encoded as themselves.
    pub fn encode(&self, text: &str, allowed: &SpecialMatcher) -> Vec<Rank> {
        let mut out = Vec::with_capacity(text.len() / 4 + 1);
        if let Some(p) = &self.pipeline {
            self.encode_through(p, Some(allowed), text, &mut out);
            return out;
        }
        let mut start = 0;
        while let Some((s, e, rank)) = allowed.find(text.as_bytes(), start) {
            // Special tokens are ASCII-delimited in every built-in encoding; a custom one that is
            // not still splits on character boundaries because it is a whole `str`.
            self.encode_ordinary_into(&text[start..s], &mut out);
            out.push(rank);
            start = e;
        }
        self.encode_ordinary_into(&text[start..], &mut out);
        out
    }

    /// `f` over the parts that [`split::parts`] cuts `text` into, on up to `threads` threads;
    /// `None` when the text stays whole: it is short, its pattern is compiled (a tokenizer.json's
    /// splits and added tokens too), a special token `allowed` recognises could hold a cut, it
    /// has no place to cut, or the OS starts no thread.
    fn on_parts<T: Send>(
        &self,
        text: &str,
        allowed: &SpecialMatcher,
        threads: usize,
        f: impl Fn(&str) -> T + Sync,
    ) -> Option<Vec<T>> {
        let cuts_hold = self.family().is_some() && self.pipeline.is_none();
        if threads < 2 || text.len() < split::SPLIT_BYTES || !cuts_hold || allowed.holds_whitespace() {
            return None;
        }
        let parts = split::parts(text, split::PART_BYTES);
        (parts.len() > 1).then(|| parallel::parallel_map(&parts, threads, &|p: &&str| f(p)).ok()).flatten()
    }

    /// [`Encoding::count`] of `text`, a long one cut into parts counted on up to `threads`
    /// threads.
    pub fn count_on(&self, text: &str, threads: usize) -> usize {
        match self.on_parts(text, &SpecialMatcher::default(), threads, |p| self.count(p)) {
            Some(counts) => counts.into_iter().sum(),
            None => self.count(text),
        }
    }

    /// [`Encoding::encode`] of `text`, a long one cut into parts encoded on up to `threads`
    /// threads.
    pub fn encode_on(&self, text: &str, allowed: &SpecialMatcher, threads: usize) -> Vec<Rank> {
        match self.on_parts(text, allowed, threads, |p| self.encode(p, allowed)) {
            Some(parts) => parts.concat(),
            None => self.encode(text, allowed),
        }
    }

    /// Number of tokens of `text`, the special tokens that `allowed` recognises counted as one.
    pub fn count_with(&self, text: &str, allowed: &SpecialMatcher) -> usize {
        if let Some(p) = &self.pipeline {
            return self.count_through(p, Some(allowed), text);
        }
        let mut n = 0;
        let mut start = 0;
        while let Some((s, e, _)) = allowed.find(text.as_bytes(), start) {
            n += self.count(&text[start..s]) + 1;
            start = e;
        }
        n + self.count(&text[start..])
    }

    /// Bytes of one token, special tokens included.
    pub fn decode_single(&self, token: u64) -> Result<&[u8]> {
        let rank = Rank::try_from(token).map_err(|_| Error::UnknownToken(token))?;
        self.vocab
            .bytes_of(rank)
            .or_else(|| self.special_bytes.get(&rank).map(|b| &b[..]))
            .or_else(|| self.other_bytes.get(&rank).map(|b| &b[..]))
            .ok_or(Error::UnknownToken(token))
    }

    /// Concatenated bytes of `tokens`.
    pub fn decode_bytes(&self, tokens: &[u64]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(tokens.len() * 4);
        for &t in tokens {
            out.extend_from_slice(self.decode_single(t)?);
        }
        Ok(out)
    }

    /// The id of the token whose bytes are `bytes`, special tokens included.
    pub fn encode_single_token(&self, bytes: &[u8]) -> Result<Rank> {
        if let Some(r) = self.vocab.rank(bytes) {
            return Ok(r);
        }
        self.specials
            .iter()
            .find(|(t, _)| t.as_bytes() == bytes)
            .map(|s| s.1)
            .or_else(|| self.other_bytes.iter().find(|(_, b)| &b[..] == bytes).map(|(r, _)| *r))
            .ok_or_else(|| Error::NotAToken(String::from_utf8_lossy(bytes).into_owned()))
    }

    /// Whether `token` is the id of a special token.
    pub fn is_special_token(&self, token: u64) -> bool {
        Rank::try_from(token).is_ok_and(|r| self.special_bytes.contains_key(&r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_shared() {
        let a = Encoding::builtin("cl100k_base").unwrap();
        let b = Encoding::builtin("cl100k_base").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(matches!(Encoding::builtin("nope"), Err(Error::UnknownEncoding(_))));
    }

    #[test]
    fn hello_world_has_tiktokens_ids() {
        // Ids as tiktoken's own docstrings give them.
        assert_eq!(Encoding::builtin("r50k_base").unwrap().encode_ordinary("hello world"), [31373, 995]);
        assert_eq!(Encoding::builtin("o200k_base").unwrap().encode_ordinary("hello world"), [24912, 2375]);
    }

    #[test]
    fn specials_encode_only_when_allowed() {
        let e = Encoding::builtin("cl100k_base").unwrap();
        let all = e.all_specials().as_ref().clone();
        assert_eq!(e.encode("a<|endoftext|>b", &all)[1], 100257);
        assert!(!e.encode("a<|endoftext|>b", &SpecialMatcher::default()).contains(&100257));
    }

    #[test]
    fn decode_rejects_unknown_ids() {
        let e = Encoding::builtin("o200k_base").unwrap();
        assert_eq!(e.decode_single(199999).unwrap(), b"<|endoftext|>");
        assert_eq!(e.decode_single(199998), Err(Error::UnknownToken(199998)));
        assert_eq!(e.decode_bytes(&[1 << 40]), Err(Error::UnknownToken(1 << 40)));
    }

    #[test]
    fn a_long_text_cut_into_parts_encodes_as_a_whole() {
        let line = "Ünïcode prose, it's   spaced\tand\r\nbroken\n/path 中文。\n<|endoftext|> x\u{3000}y\n\n";
        let text = line.repeat(split::SPLIT_BYTES / line.len() + 100);
        for name in ["r50k_base", "cl100k_base", "o200k_base"] {
            let e = Encoding::builtin(name).unwrap();
            let all = e.all_specials().as_ref().clone();
            assert!(e.on_parts(&text, &all, 2, |p| p.len()).is_some_and(|lens| lens.len() > 2));
            for threads in [2, 3] {
                assert_eq!(e.count_on(&text, threads), e.count(&text), "{name}");
                assert_eq!(e.encode_on(&text, &all, threads), e.encode(&text, &all), "{name}");
            }
        }
        // Short texts stay whole.
        let e = Encoding::builtin("o200k_base").unwrap();
        assert!(e.on_parts(line, &SpecialMatcher::default(), 2, |p| p.len()).is_none());
    }
}
