//! The incremental counter / encoder: exact running token counts over text deltas.
//!
//! State: the tokens of final pieces (only their number for a counter), and the open tail, the
//! text from the last final piece boundary on. A push appends to the tail, moves the pieces that
//! the scanner now reports final (no continuation can change them) out of it, and counts the
//! rest as if the input ended there. Work per push is proportional to the delta plus the open
//! tail, which for ordinary text is a word or two; the committed text is never kept.

mod bounded;
mod open_piece;

use crate::bpe;
use crate::encoding::Encoding;
use crate::error::{Error, Result};
use crate::pretok::special::SpecialMatcher;
use crate::pretok::{Family, Kind, Piece, Scan, FAST_END};
use crate::text::unicode::{decode_at_wide, LOWERISH, UPPERISH};
use crate::text::utf8::Utf8Carry;
use crate::vocab::Rank;
use open_piece::OpenPiece;
use std::sync::Arc;

/// The state of a [`Stream`] apart from its encoding, as [`Stream::snapshot`] takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Bytes of a partial UTF-8 character.
    pub carry: Vec<u8>,
    /// A high surrogate waiting for its low half.
    pub held: Option<u16>,
    /// The open tail.
    pub tail: String,
    /// Tokens of final pieces, and of the beginning of the first open piece that the stream
    /// let go of.
    pub committed: usize,
    /// Whether the input has ended.
    pub finished: bool,
    /// Bytes at the start of the tail kept only for the scanner (see `bounded`); usually 0.
    pub first_from: usize,
}

/// The shapes of tail that let a push skip the scanner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Shape {
    /// Anything else: the general path.
    Other,
    /// An open word ([`crate::pretok::Family::is_open_word`]).
    Word,
    /// An open o200k word of upper-case letters ([`crate::pretok::Family::is_open_upper`]).
    Upper,
    /// A run of punctuation ([`crate::pretok::Family::is_open_punct`]).
    Punct,
    /// A run of spaces or of line feeds ([`crate::pretok::Family::is_open_blank`]).
    Blank,
    /// A number ([`crate::pretok::Family::is_open_digits`]).
    Digits,
    /// Line feeds then spaces, two open pieces in o200k ([`crate::pretok::Family::open_indent`]).
    Indent,
}

impl Shape {
    /// The shapes in the order of their codes (`shape as u8`).
    const ALL: [Shape; 7] =
        [Shape::Other, Shape::Word, Shape::Upper, Shape::Punct, Shape::Blank, Shape::Digits, Shape::Indent];

    /// The shape of `tail`, text that the scanner finds to be one open piece, or that is one
    /// piece as if the input ended by the rule of a shape (a delta that becomes the tail).
    fn of(family: Family, tail: &[u8]) -> Shape {
        match tail.last() {
            Some(&c) if (c >= 0x80 || c.is_ascii_alphabetic()) && family.is_open_word(tail) => Shape::Word,
            Some(&c) if (c >= 0x80 || c.is_ascii_uppercase()) && family.is_open_upper(tail) => Shape::Upper,
            Some(&c)
                if (c >= 0x80 || c.is_ascii_punctuation() || c == b'\n' || c == b'\r')
                    && family.is_open_punct(tail) =>
            {
                Shape::Punct
            }
            Some(b' ' | b'\n') if family.is_open_blank(tail) => Shape::Blank,
            Some(b'0'..=b'9') if family.is_open_digits(tail) => Shape::Digits,
            _ => Shape::Other,
        }
    }
}

/// A running count (and optionally the ids) of text that arrives in deltas.
#[derive(Clone)]
pub struct Stream {
    enc: Arc<Encoding>,
    /// Special tokens recognised in the stream; `None`: all text is ordinary.
    specials: Option<Arc<SpecialMatcher>>,
    carry: Utf8Carry,
    /// A high surrogate that ended the last UTF-16 delta: as if the input ended it is U+FFFD,
    /// and a low surrogate opening the next delta completes it into one character.
    held: Option<u16>,
    tail: String,
    committed: usize,
    tail_count: usize,
    /// Where the scan of the tail's first piece stopped for more input.
    resume: Scan,
    /// Offset in the tail before which no special token can start (searched already, and no
    /// byte after has changed), so that a push searches only near its delta.
    special_from: usize,
    /// The encodings of the tail's first and last pieces as if the input ended, kept as they
    /// grow (either may be the long one); when a piece becomes final unchanged, as it usually
    /// does, its tokens are known already.
    open: [OpenPiece; 2],
    /// What the tail is when a push may skip the scanner ([`Stream::push_known`]): one open
    /// piece, encoded in one of `open`, of a shape whose end one character decides, or (indent)
    /// two, one in each; never with special tokens.
    shape: Shape,
    finished: bool,
    /// Most bytes of open text the stream may hold (see [`Stream::set_max_open_bytes`]).
    max_open: usize,
    /// Where the bytes of the tail's first piece that are not counted yet start: 0, or after
    /// the bytes kept only for the scanner when the stream let go of the piece's beginning
    /// (see `bounded`).
    first_from: usize,
    /// Tail length at which the stream next looks for a place to let go of a long piece.
    next_bound: usize,
    /// The lower of `next_bound` and `max_open`: a push that leaves the tail shorter needs
    /// neither (one compare on the usual push).
    slow_at: usize,
}

/// The default of [`Stream::set_max_open_bytes`]: 8 MiB of text with no piece boundary.
pub const DEFAULT_MAX_OPEN_BYTES: usize = 8 << 20;

impl Stream {
    /// A new stream over `enc`, recognising the special tokens of `specials` when given.
    pub fn new(enc: Arc<Encoding>, specials: Option<Arc<SpecialMatcher>>) -> Stream {
        let specials = specials.filter(|m| !m.is_empty());
        Stream {
            enc,
            specials,
            carry: Utf8Carry::default(),
            held: None,
            tail: String::new(),
            committed: 0,
            tail_count: 0,
            resume: Scan::default(),
            special_from: 0,
            open: Default::default(),
            shape: Shape::Other,
            finished: false,
            max_open: DEFAULT_MAX_OPEN_BYTES,
            first_from: 0,
            next_bound: bounded::FIRST_BOUND,
            slow_at: bounded::FIRST_BOUND,
        }
    }

    /// Sets the most bytes of open text (text after the last final piece, as a rule the piece
    /// that has not ended yet) the stream may hold; a push that would leave it holding more is
    /// refused with [`Error::OpenTooLong`] and changes nothing.
    pub fn set_max_open_bytes(&mut self, max: usize) {
        self.max_open = max;
        self.set_slow_at();
    }

    /// See [`Stream::set_max_open_bytes`].
    pub fn max_open_bytes(&self) -> usize {
        self.max_open
    }

    /// Runs `push` on a copy and keeps the copy unless it holds more open text than allowed: the
    /// path of a push that may cross the limit (a cold one: open text that long is rare).
    #[cold]
    #[inline(never)]
    fn push_guarded(
        &mut self,
        out: Option<&mut Vec<Rank>>,
        push: impl FnOnce(&mut Stream, Option<&mut Vec<Rank>>) -> Result<usize>,
    ) -> Result<usize> {
        let mut trial = self.clone();
        let mut ids = Vec::new();
        let n = push(&mut trial, out.is_some().then_some(&mut ids))?;
        if trial.tail.len() > self.max_open {
            return Err(Error::OpenTooLong(self.max_open));
        }
        *self = trial;
        if let Some(out) = out {
            out.extend(ids);
        }
        Ok(n)
    }

    /// The encoding.
    pub fn encoding(&self) -> &Arc<Encoding> {
        &self.enc
    }

    /// The special tokens the stream recognises, if any.
    pub fn specials(&self) -> Option<&Arc<SpecialMatcher>> {
        self.specials.as_ref()
    }

    /// Tokens of everything pushed so far, as if the input ended now.
    pub fn count(&self) -> usize {
        self.committed + self.tail_count
    }

    /// Tokens that no continuation of the input can change; never decreases.
    pub fn stable_count(&self) -> usize {
        self.committed
    }

    /// Whether `finish` was called (and `reset` not since).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Bytes held for the open tail and a partial character: what the stream keeps of its text.
    pub fn buffered_bytes(&self) -> usize {
        self.tail.len() + self.carry.bytes().len()
    }

    /// Memory the stream owns: its own fields and the tail's allocation (the encoding is shared).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Stream>()
            + self.tail.capacity()
            + self.open.iter().map(OpenPiece::heap_bytes).sum::<usize>()
    }

    /// Appends `delta`; ids that became final go to `out` when given. Returns the count.
    #[inline(always)]
    pub fn push_str(&mut self, delta: &str, out: Option<&mut Vec<Rank>>) -> Result<usize> {
        // A held surrogate or a partial character may settle into a U+FFFD of three bytes.
        let grows = delta.len() + 3;
        if self.tail.len() + grows < self.slow_at {
            return self.push_str_core(delta, out);
        }
        self.push_near_limits(grows, out, |s, out| s.push_str_core(delta, out))
    }

    /// A push that may take the open text past the limit, or past where the stream looks for
    /// a place to let go of a long piece (`bounded`), growing the tail by `grows` bytes at most.
    #[cold]
    #[inline(never)]
    fn push_near_limits(
        &mut self,
        grows: usize,
        mut out: Option<&mut Vec<Rank>>,
        push: impl FnOnce(&mut Stream, Option<&mut Vec<Rank>>) -> Result<usize>,
    ) -> Result<usize> {
        let n = if self.tail.len() + grows <= self.max_open {
            push(self, out.as_deref_mut())?
        } else {
            self.push_guarded(out.as_deref_mut(), push)?
        };
        if self.tail.len() >= self.next_bound {
            return Ok(self.bound(out));
        }
        Ok(n)
    }

    /// Tail length from which a push takes [`Stream::push_near_limits`].
    fn set_slow_at(&mut self) {
        self.slow_at = self.next_bound.min(self.max_open);
    }

    /// [`Stream::push_str`] itself.
    #[inline]
    fn push_str_core(&mut self, delta: &str, mut out: Option<&mut Vec<Rank>>) -> Result<usize> {
        if delta.is_empty() {
            return Ok(self.count());
        }
        if self.finished {
            return Err(Error::Finished);
        }
        // A tail with a counted start (`first_from`) has no shape (`bounded`).
        debug_assert!(self.first_from == 0 || self.shape == Shape::Other);
        if self.shape != Shape::Other
            && self.carry.is_empty()
            && self.held.is_none()
            && self.push_known(delta, out.as_deref_mut())
        {
            return Ok(self.count());
        }
        self.settle_partial();
        self.tail.push_str(delta);
        self.advance(out);
        Ok(self.count())
    }

    /// The common pushes, when the tail has a known shape ([`Stream::shape`]): a delta of an
    /// open word's run characters goes on with it, read and encoded alone (after an o200k
    /// upper-case word, letters as [`Stream::push_upper`] takes them); a delta whose first
    /// characters end the tail (see the `ends_` rules of [`Family`]) makes it final with the
    /// tokens at hand, and the delta becomes the tail on its own (encoded alone when it has a
    /// shape itself, else by the general path, which need not read the tail again); a delta
    /// that makes one piece of a shape with a short tail joins it ([`Stream::push_joined`]);
    /// after line feeds and indentation, [`Stream::push_indent`]. Anything else is left to the
    /// general path: nothing changes and the answer is false.
    fn push_known(&mut self, delta: &str, out: Option<&mut Vec<Rank>>) -> bool {
        if self.shape == Shape::Indent {
            return self.push_indent(delta, out);
        }
        // A shape needs the rules of a hand-written family.
        let Some(family) = self.enc.family() else { return false };
        let d = delta.as_bytes();
        let w = self.tail.len();
        let slot = usize::from(self.open[0].is_empty() || self.open[0].start() != 0);
        if self.open[slot].start() != 0 || self.open[slot].len() != w {
            return false;
        }
        let first = decode_at_wide(d, 0);
        if self.shape == Shape::Word && first.is(family.word_run()) {
            let mut i = first.len;
            while i < d.len() {
                let c = decode_at_wide(d, i);
                if !c.is(family.word_run()) {
                    return false;
                }
                i += c.len;
            }
            self.tail.push_str(delta);
            self.tail_count = self.open[slot].update(&self.enc, self.tail.as_bytes(), 0, w + d.len());
            return true;
        }
        if self.shape == Shape::Upper && first.is(UPPERISH | LOWERISH) {
            return self.push_upper(delta, slot);
        }
        let ends = match self.shape {
            Shape::Word | Shape::Upper => family.ends_word(first),
            Shape::Punct => family.ends_punct(self.tail.as_bytes(), first),
            Shape::Blank => family.ends_blank(self.tail.as_bytes(), d),
            Shape::Digits => family.ends_digits(self.tail.as_bytes(), first),
            Shape::Indent | Shape::Other => false,
        };
        if !ends {
            return self.push_joined(delta, slot);
        }
        let mut out = out;
        if let Some(out) = out.as_deref_mut() {
            self.open[slot].extend_ranks(self.enc.vocab(), self.tail.as_bytes(), out);
        }
        self.committed += self.open[slot].count();
        self.restart(delta, slot, out);
        true
    }

    /// After the tail went final with the tokens at hand: `delta` becomes the tail on its own,
    /// encoded alone in `open[slot]` when it has a shape, else by the general path (which then
    /// reads only the delta). A call of its own: inlined into its two callers, the compiler left
    /// the tail's copy and `set_one` out of line instead, which cost more.
    #[inline(never)]
    fn restart(&mut self, delta: &str, slot: usize, out: Option<&mut Vec<Rank>>) {
        let d = delta.as_bytes();
        self.open[0].clear();
        self.open[1].clear();
        self.tail.clear();
        self.tail.push_str(delta);
        self.resume.reset();
        // A short delta seen before: its shape and its token from the memo.
        let memo = self.enc.caches().deltas();
        if let Some((code, rank)) = memo.get(d) {
            self.shape = Shape::ALL[usize::from(code).min(Shape::ALL.len() - 1)];
            if self.shape == Shape::Other {
                self.advance(out);
            } else {
                self.open[slot].set_one(d.len(), rank);
                self.tail_count = 1;
            }
            return;
        }
        self.shape = self.enc.family().map_or(Shape::Other, |family| Shape::of(family, d));
        if self.shape == Shape::Other {
            memo.put(d, Shape::Other as u8, 0);
            self.advance(out);
        } else {
            self.tail_count = self.open[slot].update(&self.enc, d, 0, d.len());
            // Only a delta that is one token is kept: its shape and that token.
            if let (1, Some(rank)) = (self.tail_count, self.open[slot].only_rank()) {
                memo.put(d, self.shape as u8, rank);
            }
        }
    }

    /// Which of `open` holds the line feeds of an indent tail (see [`Shape::Indent`]), when
    /// they and the spaces after them are encoded in place, one in each.
    fn indent_slot(&self) -> Option<usize> {
        let feeds = usize::from(self.open[0].start() != 0);
        let (b, w) = (self.open[feeds].len(), self.tail.len());
        let spaces = &self.open[1 - feeds];
        (self.open[feeds].start() == 0 && b > 0 && spaces.start() == b && b + spaces.len() == w).then_some(feeds)
    }

    /// [`Stream::push_known`] after line feeds and the spaces after them (o200k: two open
    /// pieces, see [`crate::pretok::Family::open_indent`]): more spaces go on with the second; a
    /// space and then anything but whitespace makes both final, and the delta becomes the tail.
    /// Anything else is left to the general path: nothing changes and the answer is false.
    #[inline(never)]
    fn push_indent(&mut self, delta: &str, out: Option<&mut Vec<Rank>>) -> bool {
        let Some(feeds) = self.indent_slot() else { return false };
        let d = delta.as_bytes();
        let (b, w) = (self.open[feeds].len(), self.tail.len());
        if d.iter().all(|&c| c == b' ') {
            self.tail.push_str(delta);
            let spaces = self.open[1 - feeds].update(&self.enc, self.tail.as_bytes(), b, w + d.len());
            self.tail_count = self.open[feeds].count() + spaces;
            return true;
        }
        if !self.enc.family().is_some_and(|family| family.ends_indent(d)) {
            return false;
        }
        let mut out = out;
        if let Some(out) = out.as_deref_mut() {
            let (vocab, tail) = (self.enc.vocab(), self.tail.as_bytes());
            self.open[feeds].extend_ranks(vocab, tail, out);
            self.open[1 - feeds].extend_ranks(vocab, tail, out);
        }
        self.committed += self.open[0].count() + self.open[1].count();
        self.restart(delta, feeds, out);
        true
    }

    /// [`Stream::push_known`] of a delta that neither continues nor ends a short tail of a shape
    /// other than a word (a space or a bracket before letters, more punctuation, a digit after
    /// digits): when the tail and the delta together are one piece of a shape, the delta goes on
    /// with the tail, encoded alone and joined to the tail's tokens; else nothing changes and the
    /// answer is false. A short tail only: the shape is read again from its start.
    #[inline(never)]
    fn push_joined(&mut self, delta: &str, slot: usize) -> bool {
        let w = self.tail.len();
        if matches!(self.shape, Shape::Word | Shape::Upper) || w + delta.len() > FAST_END {
            return false;
        }
        let Some(family) = self.enc.family() else { return false };
        self.tail.push_str(delta);
        let shape = Shape::of(family, self.tail.as_bytes());
        if shape == Shape::Other {
            // Spaces after line feeds: a second open piece.
            if self.shape == Shape::Blank && family.open_indent(self.tail.as_bytes()) == Some(w) {
                self.open[1 - slot].clear();
                let spaces = self.open[1 - slot].update(&self.enc, self.tail.as_bytes(), w, self.tail.len());
                self.tail_count = self.open[slot].count() + spaces;
                self.shape = Shape::Indent;
                return true;
            }
            self.tail.truncate(w);
            return false;
        }
        self.tail_count = self.open[slot].update(&self.enc, self.tail.as_bytes(), 0, self.tail.len());
        self.shape = shape;
        true
    }

    /// [`Stream::push_known`] of a delta that starts with a letter after an upper-case word: it
    /// goes on with the word when its letters are all in `L` from the first one in `L` on (the
    /// word stays upper-case while none is); else nothing changes and the answer is false.
    #[inline(never)]
    fn push_upper(&mut self, delta: &str, slot: usize) -> bool {
        let d = delta.as_bytes();
        // Still upper-case while no letter is in `L`.
        let (mut upper, mut i) = (true, 0);
        while i < d.len() {
            let c = decode_at_wide(d, i);
            if !c.is(if upper { UPPERISH | LOWERISH } else { LOWERISH }) {
                return false;
            }
            upper &= !c.is(LOWERISH);
            i += c.len;
        }
        let w = self.tail.len();
        self.tail.push_str(delta);
        self.tail_count = self.open[slot].update(&self.enc, self.tail.as_bytes(), 0, w + d.len());
        self.shape = if upper { Shape::Upper } else { Shape::Word };
        true
    }

    /// Appends UTF-16 code units, as a Python `str` holding surrogates gives them: a pair becomes
    /// its character even when deltas split it, a lone surrogate U+FFFD (as tiktoken does).
    pub fn push_utf16(&mut self, units: &[u16], out: Option<&mut Vec<Rank>>) -> Result<usize> {
        // Three bytes of UTF-8 at most a unit, and a held surrogate's U+FFFD.
        let grows = 3 * units.len() + 3;
        if self.tail.len() + grows < self.slow_at {
            return self.push_utf16_core(units, out);
        }
        self.push_near_limits(grows, out, |s, out| s.push_utf16_core(units, out))
    }

    /// [`Stream::push_utf16`] itself.
    fn push_utf16_core(&mut self, units: &[u16], out: Option<&mut Vec<Rank>>) -> Result<usize> {
        if units.is_empty() {
            return Ok(self.count());
        }
        if self.finished {
            return Err(Error::Finished);
        }
        if !self.carry.is_empty() {
            self.carry.finish(&mut self.tail);
        }
        let mut units = units;
        let mut joined: Vec<u16> = Vec::new();
        if let Some(high) = self.held.take() {
            joined.push(high);
            joined.extend_from_slice(units);
            units = &joined;
        }
        if let Some((&last, rest)) = units.split_last() {
            if (0xd800..0xdc00).contains(&last) {
                self.held = Some(last);
                units = rest;
            }
        }
        self.tail.push_str(&String::from_utf16_lossy(units));
        self.advance(out);
        Ok(self.count())
    }

    /// A partial character or a held surrogate that the next delta cannot complete: U+FFFD.
    fn settle_partial(&mut self) {
        if !self.carry.is_empty() {
            self.carry.finish(&mut self.tail);
        }
        if self.held.take().is_some() {
            self.tail.push('\u{fffd}');
        }
    }

    /// Appends UTF-8 `data` that may split characters; invalid bytes become U+FFFD, or with
    /// `strict` are an error that leaves the stream as it was.
    pub fn push_bytes(&mut self, data: &[u8], strict: bool, out: Option<&mut Vec<Rank>>) -> Result<usize> {
        // A byte may become a U+FFFD of three; a partial character or a held surrogate settles
        // into one more.
        let grows = 3 * data.len() + 6;
        if self.tail.len() + grows < self.slow_at {
            return self.push_bytes_core(data, strict, out);
        }
        self.push_near_limits(grows, out, |s, out| s.push_bytes_core(data, strict, out))
    }

    /// [`Stream::push_bytes`] itself.
    #[inline]
    fn push_bytes_core(&mut self, data: &[u8], strict: bool, mut out: Option<&mut Vec<Rank>>) -> Result<usize> {
        if data.is_empty() {
            return Ok(self.count());
        }
        if self.finished {
            return Err(Error::Finished);
        }
        if self.shape != Shape::Other && self.carry.is_empty() && self.held.is_none() {
            if let Ok(text) = std::str::from_utf8(data) {
                if self.push_known(text, out.as_deref_mut()) {
                    return Ok(self.count());
                }
            }
        }
        // Measured before a held surrogate settles: its U+FFFD changes the tail too, and every
        // change is followed by `advance`, so that the tail never holds a final piece (what a
        // snapshot saves and a restore relies on).
        let before = self.tail.len();
        if self.held.is_some() {
            // Check first: a strict error must leave the stream as it was.
            let mut probe = self.carry;
            probe.decode(data, strict, &mut String::new())?;
            self.settle_partial();
        }
        self.carry.decode(data, strict, &mut self.tail)?;
        if self.tail.len() != before {
            self.advance(out);
        }
        Ok(self.count())
    }

    /// Ends the input: everything becomes final. Returns the final count.
    pub fn finish(&mut self, out: Option<&mut Vec<Rank>>) -> usize {
        if self.finished {
            return self.count();
        }
        self.settle_partial();
        let tail = std::mem::take(&mut self.tail);
        self.open.iter_mut().for_each(OpenPiece::clear);
        self.resume = Scan::default();
        match out {
            Some(out) => {
                let before = out.len();
                self.encode_tail_into(&tail, out);
                self.committed += out.len() - before;
            }
            None => self.committed += self.count_tail(&tail),
        }
        self.first_from = 0;
        self.tail_count = 0;
        self.shape = Shape::Other;
        self.finished = true;
        self.committed
    }

    /// Ids of the open tail as if the input ended now; like `count`, they leave out a partial
    /// UTF-8 character (not arrived yet) and count a held surrogate as U+FFFD.
    pub fn pending(&self) -> Vec<Rank> {
        let mut out = Vec::new();
        if self.held.is_none() {
            self.encode_tail_into(&self.tail, &mut out);
        } else {
            self.encode_tail_into(&(self.tail.clone() + "\u{fffd}"), &mut out);
        }
        out
    }

    /// Everything a stream knows besides its encoding: what pickling saves.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            carry: self.carry.bytes().to_vec(),
            held: self.held,
            tail: self.tail.clone(),
            committed: self.committed,
            finished: self.finished,
            first_from: self.first_from,
        }
    }

    /// A stream over `enc` in the state `snapshot` describes; a snapshot that no stream could
    /// have produced (a carry that is not the start of a character) is an error.
    pub fn restore(enc: Arc<Encoding>, specials: Option<Arc<SpecialMatcher>>, snapshot: Snapshot) -> Result<Stream> {
        let mut stream = Stream::new(enc, specials);
        let mut probe = Utf8Carry::default();
        let mut decoded = String::new();
        probe.decode(&snapshot.carry, true, &mut decoded)?;
        if !decoded.is_empty() || probe.bytes() != snapshot.carry.as_slice() {
            return Err(Error::InvalidUtf8 { offset: 0, reason: "saved partial character is not one" });
        }
        if snapshot.held.is_some_and(|h| !(0xd800..0xdc00).contains(&h)) {
            return Err(Error::InvalidUtf8 { offset: 0, reason: "saved surrogate is not a high surrogate" });
        }
        if !snapshot.carry.is_empty() && snapshot.held.is_some() {
            return Err(Error::InvalidSnapshot("a partial character and a held surrogate at once"));
        }
        // No stream counts more tokens than it could have been given bytes; the bound keeps
        // `committed + tail_count` and later additions far from overflow.
        if snapshot.committed > isize::MAX as usize {
            return Err(Error::InvalidSnapshot("token count out of range"));
        }
        if snapshot.finished && (!snapshot.tail.is_empty() || !snapshot.carry.is_empty() || snapshot.held.is_some()) {
            return Err(Error::InvalidSnapshot("a finished stream has no open text"));
        }
        if snapshot.first_from > 0
            && (snapshot.first_from >= snapshot.tail.len() || !snapshot.tail.is_char_boundary(snapshot.first_from))
        {
            return Err(Error::InvalidSnapshot("the counted start of the open text is not inside it"));
        }
        stream.carry = probe;
        stream.held = snapshot.held;
        stream.tail = snapshot.tail;
        stream.committed = snapshot.committed;
        stream.first_from = snapshot.first_from;
        stream.advance(None);
        // A stream's tail never holds a final piece (see `push_bytes`): one that does was not
        // saved by a stream, and the ids of its final pieces would be lost to an encoder.
        if stream.committed != snapshot.committed {
            return Err(Error::InvalidSnapshot("the saved tail holds text that is final already"));
        }
        stream.finished = snapshot.finished;
        Ok(stream)
    }

    /// Starts over with no text, keeping the encoding and special tokens.
    pub fn reset(&mut self) {
        self.carry = Utf8Carry::default();
        self.held = None;
        self.tail.clear();
        self.committed = 0;
        self.tail_count = 0;
        self.resume = Scan::default();
        self.special_from = 0;
        self.open.iter_mut().for_each(OpenPiece::clear);
        self.shape = Shape::Other;
        self.finished = false;
        self.first_from = 0;
        self.next_bound = bounded::FIRST_BOUND;
        self.set_slow_at();
    }

    /// Moves every piece that is now final out of the tail, then recounts the tail.
    fn advance(&mut self, mut out: Option<&mut Vec<Rank>>) {
        let enc = &*self.enc;
        let (pretok, family) = (enc.pretok(), enc.family());
        let vocab = enc.vocab();
        let bytes = self.tail.as_bytes();
        let mut pos = 0;
        // Valid for the piece at `pos` only.
        let mut resume = std::mem::take(&mut self.resume);
        let search_from = self.special_from;
        // The open piece at `pos` as if the input ended, when its scan ran to the tail's end
        // (the scan that finds a piece open answers that too).
        let mut open_piece = None;
        loop {
            // The ordinary text runs to the next special token, or to a suffix that the next
            // delta may complete into one; only a special token ends it for sure.
            let (end, special) = match self.specials.as_deref() {
                None => (bytes.len(), None),
                Some(m) => match m.find_open(bytes, pos.max(search_from)) {
                    Some((s, e, rank)) => (s, Some((e, rank))),
                    None => (bytes.len() - m.pending_prefix(&bytes[pos..]), None),
                },
            };
            while pos < end {
                let piece = if special.is_some() {
                    // A special token ends the text: every piece before it is final.
                    let whole = Piece { len: end - pos, kind: Kind::Match };
                    pretok.next_piece_resuming(&bytes[pos..end], true, &mut resume).unwrap_or(whole)
                } else {
                    let (piece, is_final) = pretok.scan_open(&bytes[pos..end], &mut resume);
                    if !is_final {
                        open_piece = (end == bytes.len()).then_some(piece);
                        break;
                    }
                    piece
                };
                let n = piece.len.max(1);
                if piece.kind == Kind::Gap {
                    // Text that no match of the pattern covers: tiktoken drops it.
                    pos += n;
                    resume = Scan::default();
                    continue;
                }
                // The first piece's bytes before `first_from` are counted already.
                let from = if pos == 0 { self.first_from } else { pos };
                let known = self.open.iter().find(|o| !o.is_empty() && o.start() == from && from + o.len() == pos + n);
                match (out.as_deref_mut(), known) {
                    (Some(out), Some(known)) => known.extend_ranks(vocab, bytes, out),
                    (Some(out), None) => bpe::encode(vocab, enc.help(), bytes, from, pos + n, out),
                    (None, _) => {}
                }
                self.committed += match known {
                    Some(known) => known.count(),
                    None => bpe::count(vocab, enc.help(), bytes, from, pos + n),
                };
                pos += n;
                // Afresh, but for a sequence of splits' outer pieces that go on past this one.
                resume = resume.after(n);
            }
            match special {
                Some((e, rank)) if pos == end => {
                    if let Some(out) = out.as_deref_mut() {
                        out.push(rank);
                    }
                    self.committed += 1;
                    pos = e;
                    resume = Scan::default();
                }
                _ => break,
            }
        }
        self.tail.drain(..pos);
        self.open.iter_mut().for_each(|o| o.shift(pos));
        if pos > 0 {
            self.first_from = 0;
        }
        self.resume = resume;
        // A special token that starts further back would have been found (or ends past the tail).
        self.special_from = self.specials.as_ref().map_or(0, |m| self.tail.len().saturating_sub(m.longest() - 1));
        if self.tail.capacity() > 512 && self.tail.capacity() > 4 * self.tail.len() {
            // After a large delta, give the memory back: a stream keeps only its open tail.
            self.tail.shrink_to(2 * self.tail.len());
        }
        self.tail_count = match (&self.specials, self.held) {
            (_, Some(_)) => self.count_tail(&(self.tail.clone() + "\u{fffd}")),
            // Held back as the start of a longer special token, a whole one may wait in the tail.
            (Some(m), None) if m.has_enclosed() && m.find(self.tail.as_bytes(), 0).is_some() => {
                self.count_tail(&self.tail)
            }
            // The tail holds no whole special token (each one found went out with the text
            // before it), so as if the input ended it is all ordinary text.
            (_, None) => self.count_open_tail(open_piece),
        };
        // Only short tails are checked here; a long word stays one through `push_known`. Only
        // the hand-written families have the rules of shapes.
        let tail = self.tail.as_bytes();
        let plain = self.specials.is_none() && self.held.is_none() && tail.len() <= FAST_END;
        self.shape = match family {
            Some(family) if plain && open_piece.map(|p| p.len) == Some(tail.len()) => Shape::of(family, tail),
            Some(family)
                if plain
                    && family
                        .open_indent(tail)
                        .is_some_and(|b| self.indent_slot().is_some_and(|f| self.open[f].len() == b)) =>
            {
                Shape::Indent
            }
            _ => Shape::Other,
        };
    }

    /// Tokens of the tail as if the input ended, all of it ordinary text: the first piece is
    /// `first` when known, else its scan resumes; the last piece's encoding grows.
    fn count_open_tail(&mut self, first: Option<Piece>) -> usize {
        let pretok = self.enc.pretok();
        let vocab = self.enc.vocab();
        let bytes = self.tail.as_bytes();
        let mut resume = self.resume.clone();
        let (mut pos, mut total) = (0, 0);
        while pos < bytes.len() {
            let piece = match first {
                // A sequence of splits scans the first piece again, to know its outer pieces.
                Some(piece) if pos == 0 && !pretok.nested() => piece,
                _ => pretok
                    .next_piece_resuming(&bytes[pos..], true, &mut resume)
                    .unwrap_or(Piece { len: bytes.len() - pos, kind: Kind::Match }),
            };
            let end = (pos + piece.len.max(1)).min(bytes.len());
            total += if piece.kind == Kind::Gap {
                0
            } else if pos == 0 || end == bytes.len() {
                // The first piece's bytes before `first_from` are counted already.
                let from = if pos == 0 { self.first_from } else { pos };
                // The first piece's slot is the one the last piece does not hold, and the other way.
                let mine = |o: &OpenPiece| !o.is_empty() && o.start() == from;
                let first = self.first_from;
                let slot = match (mine(&self.open[0]), mine(&self.open[1])) {
                    (true, _) => 0,
                    (_, true) => 1,
                    _ if pos == 0 => usize::from(self.open[0].start() != first && !self.open[0].is_empty()),
                    _ => usize::from(self.open[0].start() == first && !self.open[0].is_empty()),
                };
                self.open[slot].update(&self.enc, bytes, from, end)
            } else {
                bpe::count(vocab, self.enc.help(), bytes, pos, end)
            };
            resume = resume.after(end - pos);
            pos = end;
        }
        if bytes.is_empty() {
            self.open.iter_mut().for_each(OpenPiece::clear);
        }
        total
    }

    /// Tokens of `tail` (the tail, or the tail and a U+FFFD) as complete text, less those of
    /// the bytes before `first_from`, which are counted already.
    fn count_tail(&self, tail: &str) -> usize {
        let (first, rest) = self.counted_split(tail);
        let first =
            first.map_or(0, |(from, end)| bpe::count(self.enc.vocab(), self.enc.help(), tail.as_bytes(), from, end));
        first
            + match self.specials.as_deref() {
                None => self.enc.count(rest),
                Some(m) => self.enc.count_with(rest, m),
            }
    }

    /// The ids that [`Stream::count_tail`] counts, appended to `out`.
    fn encode_tail_into(&self, tail: &str, out: &mut Vec<Rank>) {
        let (first, rest) = self.counted_split(tail);
        if let Some((from, end)) = first {
            bpe::encode(self.enc.vocab(), self.enc.help(), tail.as_bytes(), from, end, out);
        }
        match self.specials.as_deref() {
            None => self.enc.encode_ordinary_into(rest, out),
            Some(m) => out.extend(self.enc.encode(rest, m)),
        }
    }

    /// With a counted start of the first piece (`first_from` > 0), the uncounted bytes of that
    /// piece as complete text, and the text after it; otherwise none, and all of `tail`.
    fn counted_split<'t>(&self, tail: &'t str) -> (Option<(usize, usize)>, &'t str) {
        if self.first_from == 0 {
            return (None, tail);
        }
        // The first piece is ordinary text before any special token.
        let text = match self.specials.as_deref().and_then(|m| m.find(tail.as_bytes(), 0)) {
            Some((s, _, _)) => &tail[..s],
            None => tail,
        };
        let end = self.enc.pretok().next_piece(text.as_bytes()).len.max(self.first_from);
        (Some((self.first_from, end)), &tail[end..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::follow_memo::FollowKey;

    fn enc(name: &str) -> Arc<Encoding> {
        Encoding::builtin(name).unwrap()
    }

    /// The encoding `name`, made for the caller alone: its memos are its own, so that no other
    /// test, emptying the shared encoding's caches at the same time, takes away what a test
    /// asserts is kept.
    fn own_enc(name: &str) -> Arc<Encoding> {
        Arc::new(Encoding::new(crate::encoding::Spec::builtin(name).unwrap()).unwrap())
    }

    /// Pushes `parts`, checking the stream invariants after each push against one-shot encoding.
    fn check(name: &str, parts: &[&str]) {
        check_with(&enc(name), parts);
    }

    /// [`check`] with the encoding `e`.
    fn check_with(e: &Arc<Encoding>, parts: &[&str]) {
        let name = e.name();
        let mut s = Stream::new(e.clone(), None);
        let mut text = String::new();
        let mut ids = Vec::new();
        let mut stable = 0;
        for part in parts {
            text.push_str(part);
            let n = s.push_str(part, Some(&mut ids)).unwrap();
            let whole = e.encode_ordinary(&text);
            assert_eq!(n, whole.len(), "{name}: count after {text:?}");
            assert!(s.stable_count() >= stable && s.stable_count() <= n);
            assert_eq!(ids[..], whole[..ids.len()], "{name}: stable ids after {text:?}");
            stable = s.stable_count();
        }
        s.finish(Some(&mut ids));
        assert_eq!(ids, e.encode_ordinary(&text));
    }

    #[test]
    fn naive_commit_cases_from_the_design() {
        check("cl100k_base", &["I'", "ll go"]);
        check("o200k_base", &["we'l", "l"]);
        check("o200k_base", &["don'", "t"]);
        check("o200k_base", &["x \n ", " \nx"]);
        for name in ["cl100k_base", "o200k_base"] {
            check(name, &["hello  ", "world"]);
            check(name, &["12", "345"]);
            check(name, &["abc", "DEF"]);
            check(name, &["a\r", "\n"]);
        }
    }

    /// Short deltas that end the tail, pushed again in a second stream, take their shape and
    /// token from the encoding's memo of deltas, and count as the first stream did.
    #[test]
    fn short_deltas_seen_before_come_from_the_memo() {
        let parts = [
            "def", " f", "(self", ",", " x", "):\n", "   ", " return", " self", ".", "x", " +", " 1", "\n", "\n",
            "def", " g", "(self", "):", " «", "ok", "»", " 12", "3", " ВЫ", "РАЖ", "\n",
        ];
        for name in ["cl100k_base", "o200k_base", "r50k_base"] {
            let e = own_enc(name);
            check_with(&e, &parts);
            let rank = e.vocab().rank(b" self").unwrap();
            assert_eq!(e.caches().deltas().get(b" self"), Some((Shape::Word as u8, rank)), "{name}");
            assert_eq!(
                e.caches().deltas().get(b"."),
                Some((Shape::Punct as u8, e.vocab().rank(b".").unwrap())),
                "{name}"
            );
            check_with(&e, &parts);
            // A delta that was kept as no shape takes the general path again.
            let mixed: Vec<&str> = parts.iter().rev().copied().collect();
            check_with(&e, &mixed);
            check_with(&e, &mixed);
        }
    }

    /// Words of Chinese, Japanese, Russian and Greek pushed a character or two at a time, again
    /// in a second stream: the tokens the deltas add after a token come from the vocabulary's
    /// follow memo, and count as the first stream did.
    #[test]
    fn deltas_that_go_on_with_a_word_come_from_the_memo() {
        let text = "这是一个用于测试的中文句子它没有空格所以整句是一个片段，再来一句中文句子。\
                    日本語のテキストはスペースがありません。Съешь же ещё этих мягких французских булок \
                    Ξεσκεπάζω την ψυχοφθόρα βδελυγμία";
        let chars: Vec<char> = text.chars().collect();
        for name in ["cl100k_base", "o200k_base"] {
            let e = own_enc(name);
            for width in [1, 2, 3] {
                let parts: Vec<String> = chars.chunks(width).map(|c| c.iter().collect()).collect();
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                check_with(&e, &parts);
                check_with(&e, &parts);
            }
            // `一个` after `这是`, pushed as such by the width of two: one token added, kept.
            let (before, ids) = (e.encode_ordinary("这是"), e.encode_ordinary("这是一个"));
            assert_eq!((ids.len(), &ids[..before.len()]), (before.len() + 1, &before[..]), "{name}");
            let key = FollowKey::of(before[before.len() - 1], "一个".as_bytes()).unwrap();
            assert_eq!(e.caches().follows().get(key), ids.last().copied(), "{name}");
        }
    }

    #[test]
    fn one_character_at_a_time() {
        let text = "Hello, world! It's 2024: don't   stop\r\n\n  12345 ÀÉÎ ǅungla 日本語 😀👍🏽";
        let parts: Vec<String> = text.chars().map(String::from).collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        for name in ["r50k_base", "cl100k_base", "o200k_base"] {
            check(name, &parts);
        }
    }

    /// Long single pieces of every kind, a byte at a time: the scans that resume and the
    /// encodings that grow (first piece and last) give the one-shot answer after every push.
    #[test]
    fn words_in_deltas_of_every_size() {
        // The known-shape pushes' edges: case changes, apostrophes, digits, spaces and
        // punctuation after a word, words of other scripts and of upper-case letters, words
        // around 64 bytes, runs of punctuation (of any script) before spaces, digits, letters and
        // line breaks, indentation after line feeds; deltas of one to nine characters (and of
        // bytes, through push_bytes).
        let long = "z".repeat(70);
        let text = format!(
            "Hello World don't I'll HTTPServer's abcDEF x1 y2z {long} {} {} it's\nok (paren) a/b \
             слово Слово СЛОВО, 中文字符测试。 Ωμέγα ǅungla e\u{301}t\u{301}e GNU's ab'cd \
             a, b. c.. d;e ,f !'s (\"x\"). -1 --2 ,\n\t?!\r\n .'x' ...word ,ж ;中 '/'/\n    x\n\n  (y)\n \n  «z» \
             —and “The ，请 。\u{301}",
            &long[..63],
            &long[..64]
        );
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        for name in ["r50k_base", "cl100k_base", "o200k_base"] {
            for step in 1..=9 {
                let parts: Vec<&str> = chars
                    .chunks(step)
                    .map(|c| &text[c[0].0..c.last().map_or(text.len(), |&(i, ch)| i + ch.len_utf8())])
                    .collect();
                check(name, &parts);
                let e = enc(name);
                let mut s = Stream::new(e.clone(), None);
                for part in &parts {
                    s.push_bytes(part.as_bytes(), true, None).unwrap();
                }
                assert_eq!(s.finish(None), e.count(&text), "{name} bytes by {step}");
            }
        }
    }

    #[test]
    fn long_pieces_byte_by_byte() {
        let shapes = [
            " ".repeat(700),
            " \n".repeat(300),
            "\n\n  ".repeat(150),
            "ABCDEFGHIJ".repeat(60),
            "abcdefghij".repeat(60),
            "a".repeat(700),
            "1234567890".repeat(60),
            "!?.,;:-=+*".repeat(60),
            "/\n".repeat(200),
            "中文字符测试".repeat(30),
            "ÀÉÎǅǅǆ".repeat(50),
            "x \n ".repeat(100),
            "<|endoftext".repeat(40),
        ];
        for name in ["r50k_base", "cl100k_base", "o200k_base"] {
            let e = enc(name);
            for text in &shapes {
                let mut s = Stream::new(e.clone(), None);
                let mut ids = Vec::new();
                for (i, b) in text.bytes().enumerate() {
                    let n = s.push_bytes(&[b], true, Some(&mut ids)).unwrap();
                    if text.is_char_boundary(i + 1) {
                        assert_eq!(n, e.count(&text[..i + 1]), "{name}: {:?}", &text[..i + 1]);
                    }
                }
                s.finish(Some(&mut ids));
                assert_eq!(ids, e.encode_ordinary(text), "{name}: {text:?}");
            }
        }
    }

    #[test]
    fn bytes_split_inside_characters_count_like_text() {
        let e = enc("o200k_base");
        let text = "naïve 日本 😀";
        for at in 0..=text.len() {
            let mut s = Stream::new(e.clone(), None);
            s.push_bytes(&text.as_bytes()[..at], false, None).unwrap();
            s.push_bytes(&text.as_bytes()[at..], false, None).unwrap();
            assert_eq!(s.finish(None), e.count(text));
        }
    }

    #[test]
    fn split_special_token_counts_once() {
        let e = enc("cl100k_base");
        let m = e.all_specials().clone();
        let mut s = Stream::new(e.clone(), Some(m.clone()));
        s.push_str("a <|endo", None).unwrap();
        let n = s.push_str("ftext|> b", None).unwrap();
        assert_eq!(n, e.encode("a <|endoftext|> b", &m).len());
        assert_eq!(s.finish(None), n);
    }

    #[test]
    fn surrogate_pair_split_across_deltas_is_one_character() {
        let e = enc("r50k_base");
        let mut s = Stream::new(e.clone(), None);
        let (high, low) = (0xd83d_u16, 0xde00_u16);
        assert_eq!(s.push_utf16(&[u16::from(b'a'), high], None).unwrap(), e.count("a\u{fffd}"));
        assert_eq!(s.push_utf16(&[low, u16::from(b'b')], None).unwrap(), e.count("a\u{1f600}b"));
        assert_eq!(s.finish(None), e.count("a\u{1f600}b"));
        let mut lone = Stream::new(e.clone(), None);
        lone.push_utf16(&[high], None).unwrap();
        assert_eq!(lone.push_str("x", None).unwrap(), e.count("\u{fffd}x"));
    }

    #[test]
    fn pending_leaves_out_a_partial_character() {
        let e = enc("o200k_base");
        let mut s = Stream::new(e.clone(), None);
        s.push_bytes(b"ab\xe4", false, None).unwrap();
        assert_eq!(s.pending(), e.encode_ordinary("ab"));
        assert_eq!(s.count(), e.count("ab"));
    }

    #[test]
    fn memory_stays_small_after_a_large_delta() {
        let mut s = Stream::new(enc("o200k_base"), None);
        s.push_str(&"The quick brown fox jumps over the lazy dog. ".repeat(20_000), None).unwrap();
        assert!(s.buffered_bytes() < 16, "{}", s.buffered_bytes());
        assert!(s.memory_bytes() < 1024, "{}", s.memory_bytes());
    }

    #[test]
    fn a_restored_snapshot_continues_like_the_original() {
        let e = enc("cl100k_base");
        let mut a = Stream::new(e.clone(), None);
        a.push_str("Hello wor", None).unwrap();
        a.push_bytes(b"ld \xe4\xb8", false, None).unwrap();
        let mut b = Stream::restore(e.clone(), None, a.snapshot()).unwrap();
        assert_eq!((b.count(), b.stable_count()), (a.count(), a.stable_count()));
        a.push_bytes(b"\xad!", false, None).unwrap();
        b.push_bytes(b"\xad!", false, None).unwrap();
        assert_eq!(a.finish(None), b.finish(None));
        let bad = Snapshot {
            carry: b"\xff".to_vec(),
            held: None,
            tail: String::new(),
            committed: 0,
            finished: false,
            first_from: 0,
        };
        assert!(Stream::restore(e, None, bad).is_err());
    }

    #[test]
    fn a_snapshot_no_stream_could_take_is_refused() {
        // Found by the panic audit: a huge saved count overflowed `count()` (a panic in debug
        // builds, a wrong count in release), and a finished stream with open text had
        // stable_count != count.
        let e = enc("o200k_base");
        let ok = Snapshot {
            carry: vec![],
            held: None,
            tail: "ab".to_string(),
            committed: 3,
            finished: false,
            first_from: 0,
        };
        let cases = [
            Snapshot { committed: usize::MAX, ..ok.clone() },
            Snapshot { committed: isize::MAX as usize + 1, ..ok.clone() },
            Snapshot { finished: true, ..ok.clone() },
            Snapshot { carry: b"\xe4".to_vec(), held: Some(0xd83d), ..ok.clone() },
        ];
        for bad in cases {
            assert!(matches!(Stream::restore(e.clone(), None, bad), Err(Error::InvalidSnapshot(_))));
        }
        let mut s = Stream::restore(e.clone(), None, ok).unwrap();
        assert_eq!(s.push_str("c", None).unwrap(), 3 + e.count("abc"));
    }

    /// Tokens that the merges of their own bytes do not make ("hello" with no merge to build it,
    /// "abc" with neither "ab" nor "bc") come only from a piece that is exactly their bytes: a
    /// stream that grows such a piece a byte at a time, or goes past it, counts as one-shot.
    #[test]
    fn tokens_the_merges_cannot_reach_count_as_one_shot() {
        for family in [crate::Family::Gpt2, crate::Family::Cl100k, crate::Family::O200k] {
            let mut pairs: Vec<(Vec<u8>, Rank)> = (0..=255u8).map(|b| (vec![b], Rank::from(b))).collect();
            for (i, t) in ["hello", "abc", " world", "wor", "ld", "lo", "hel", "  ", "\n\n"].iter().enumerate() {
                pairs.push((t.as_bytes().to_vec(), 256 + i as Rank));
            }
            let vocab = std::sync::Arc::new(crate::Vocab::from_pairs(pairs));
            let spec = crate::Spec {
                name: "made-up".into(),
                pretok: crate::pretok::Pretok::Family(family),
                vocab,
                specials: vec![],
            };
            let e = Arc::new(Encoding::new(spec).unwrap());
            assert!(!e.unreachable().is_empty());
            for text in ["hello", "hello world", "abc abcd xabc", "hello  hello\n\nhello", "helloabc"] {
                let bytes: Vec<String> = text.chars().map(String::from).collect();
                let parts: Vec<&str> = bytes.iter().map(String::as_str).collect();
                check_with(&e, &parts);
                check_with(&e, &["hel", "lo"]);
                check_with(&e, &[text]);
            }
        }
    }

    /// A byte push after a held surrogate settles it and advances: the snapshot then holds no
    /// final piece, and the restored encoder hands out every id the original does.
    #[test]
    fn a_snapshot_after_a_settled_surrogate_restores_every_id() {
        let e = enc("o200k_base");
        let mut a = Stream::new(e.clone(), None);
        let mut ids = Vec::new();
        a.push_str("hello  ", Some(&mut ids)).unwrap();
        a.push_utf16(&[0xd83d], Some(&mut ids)).unwrap();
        a.push_bytes(b"\xc3", false, Some(&mut ids)).unwrap();
        let mut b = Stream::restore(e.clone(), None, a.snapshot()).unwrap();
        let mut b_ids = ids.clone();
        a.finish(Some(&mut ids));
        b.finish(Some(&mut b_ids));
        let whole = e.encode_ordinary("hello  \u{fffd}\u{fffd}");
        assert_eq!((ids, b_ids), (whole.clone(), whole));
        // A tail with a final piece in it is no stream's: refused.
        let saved = Snapshot {
            carry: vec![],
            held: None,
            tail: "hello big world".into(),
            committed: 0,
            finished: false,
            first_from: 0,
        };
        assert_eq!(
            Stream::restore(e, None, saved).err(),
            Some(Error::InvalidSnapshot("the saved tail holds text that is final already"))
        );
    }

    #[test]
    fn push_after_finish_is_an_error_and_changes_nothing() {
        let mut s = Stream::new(enc("o200k_base"), None);
        s.push_str("hi", None).unwrap();
        let n = s.finish(None);
        assert_eq!(s.push_str("x", None), Err(Error::Finished));
        assert_eq!(s.count(), n);
    }
    /// The fast paths of a push against one-shot encoding, over every tail and delta of one or
    /// two characters of an alphabet of the classes the rules tell apart, then one more push:
    /// each shape a tail can take, and each way a delta can go on with it, end it or join it.
    #[test]
    fn every_short_tail_and_delta_counts_as_one_shot() {
        let alphabet: Vec<String> = "aA'1 \n.,-é中\u{301}\u{a0}😀".chars().map(String::from).collect();
        let mut parts: Vec<String> = alphabet.clone();
        for a in &alphabet {
            for b in &alphabet {
                parts.push(format!("{a}{b}"));
            }
        }
        for name in ["r50k_base", "cl100k_base", "o200k_base"] {
            let e = own_enc(name);
            for tail in &parts {
                for delta in &parts {
                    for last in ["x", " ", "\n"] {
                        check_with(&e, &[tail, delta, last]);
                    }
                }
            }
        }
    }
}
