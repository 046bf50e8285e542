//! Resumable pre-tokenizers: one hand-written scanner per tiktoken pattern family.
//!
//! Each scanner answers one question: given the text from a piece boundary, where does the
//! piece end? Without end of input it answers only when no continuation of the text can change
//! the answer, and otherwise asks for more. The scanners read characters only through
//! [`Text::peek`], which asks for more input whenever a read goes past the buffered text; so the
//! streaming answer is right by construction whenever the one-shot answer is.

mod ascii;
mod bulk;
mod cl100k;
pub mod compiled;
mod gpt2;
mod o200k;
mod pattern;
pub mod special;

pub use compiled::{Kind, Piece};
pub use pattern::{Pretok, Scan};

use crate::error::{Error, Result};
use crate::text::unicode::{
    decode_at, decode_at_wide, Ch, ASCII, CR_LF, LETTER, LOWERISH, MARK, NUMBER, SPACE, UPPERISH,
};
use std::cell::Cell;

/// The pattern families of tiktoken's encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// r50k_base, p50k_base, p50k_edit (and gpt2).
    Gpt2,
    /// cl100k_base.
    Cl100k,
    /// o200k_base, o200k_harmony.
    O200k,
}

/// A read went past the buffered text before the input ended: the answer needs more input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeedMore;

/// Outcome of a scanner read: a character, `None` at end of input, or `Err(NeedMore)`.
pub(crate) type Peek = std::result::Result<Option<Ch>, NeedMore>;

/// Where a scan of a growing piece stopped for more input, so that the next scan of the same
/// piece resumes there instead of reading it all again.
///
/// A scanner reads the text from its start in order, and the text only grows, so when a scan
/// reaches the same loop at the same start again it has taken the same path: the loop may jump
/// to where it stopped, with the state it had there. This keeps rescans of a long open piece
/// (a sentence of Chinese, a megabyte of spaces) in time proportional to what was added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resume {
    /// The loop (a `SITE_` constant); 0: none.
    site: u8,
    /// Offset at which the loop started.
    start: u32,
    /// Offset the loop had reached.
    reached: u32,
    /// The rest of the loop's state.
    state: [u32; 2],
}

impl Resume {
    /// Where the loop the scan stopped in started, if it stopped in one.
    pub fn loop_start(&self) -> Option<usize> {
        (self.site != 0).then_some(self.start as usize)
    }

    /// The state of the same scan after the bytes `a..b` of its text are taken out, when taking
    /// them out changes nothing the scan will find but their length: they lie inside the run of
    /// characters of one class that the loop it stopped in was reading (after its first
    /// character, before where it stopped), and the loop keeps nothing of them but offsets
    /// after them. The loops that run over one class with no state qualify, the one over `U`
    /// letters of an o200k word when its last `L` letter is not among the bytes, and the one over
    /// whitespace when its last character and last line break are not. `None` otherwise. A resumed scan never reads those bytes again, and one that starts over reads
    /// a shorter run of the same class, which ends where the longer one did.
    pub fn without(self, a: usize, b: usize) -> Option<Resume> {
        let (start, reached) = (self.start as usize, self.reached as usize);
        if !(start < a && a <= b && b <= reached) {
            return None;
        }
        let cut = u32::try_from(b - a).ok()?;
        let mut state = self.state;
        match self.site {
            SITE_LETTERS | SITE_SPACE_LETTERS | SITE_OTHER | SITE_OTHER_NEWLINES | SITE_RUN | SITE_LOWER_RUN
            | SITE_UPPER_LOWER_RUN => {}
            // Offsets after the bytes shift with them; one among them cannot be kept.
            SITE_LOWER_WORD | SITE_WHITESPACE => {
                let offsets = if self.site == SITE_LOWER_WORD { &mut state[..1] } else { &mut state[..] };
                for offset in offsets {
                    let at = *offset as usize;
                    if at > a && at < b {
                        return None;
                    }
                    if at >= b {
                        *offset -= cut;
                    }
                }
            }
            _ => return None,
        }
        Some(Resume { site: self.site, start: self.start, reached: self.reached - cut, state })
    }
}

/// Longest buffer in which the scanners' ASCII fast path answers for a word that reaches the
/// buffer's end; longer ones go to the loops that can resume.
pub(crate) const FAST_END: usize = 64;

// The loops that can resume; each call of `Text::run` names its own.
pub(crate) const SITE_WHITESPACE: u8 = 1;
pub(crate) const SITE_LOWER_WORD: u8 = 2;
pub(crate) const SITE_LETTERS: u8 = 3;
pub(crate) const SITE_SPACE_LETTERS: u8 = 4;
pub(crate) const SITE_OTHER: u8 = 5;
pub(crate) const SITE_OTHER_NEWLINES: u8 = 6;
pub(crate) const SITE_RUN: u8 = 7;
pub(crate) const SITE_LOWER_RUN: u8 = 8;
pub(crate) const SITE_UPPER_LOWER_RUN: u8 = 9;

/// Buffered text from a piece boundary, and whether the input ends with it.
pub(crate) struct Text<'a> {
    bytes: &'a [u8],
    eof: bool,
    /// An open scan (see [`Family::scan_open`]): the input may go on, but reads past the end
    /// answer as if it ended, and are counted in `touched`.
    open: bool,
    touched: Cell<u32>,
    resume: Cell<Resume>,
}

impl Text<'_> {
    /// The state saved by the loop `site` started at `start`, if it stopped for more input.
    #[inline]
    pub(crate) fn resumed(&self, site: u8, start: usize) -> Option<(usize, [u32; 2])> {
        let r = self.resume.get();
        (r.site == site && r.start as usize == start && r.reached as usize <= self.bytes.len())
            .then_some((r.reached as usize, r.state))
    }

    /// Saves the state of the loop `site` started at `start` as it stops for more input.
    #[inline]
    pub(crate) fn stopped(&self, site: u8, start: usize, reached: usize, state: [u32; 2]) -> NeedMore {
        if let (Ok(start), Ok(reached)) = (u32::try_from(start), u32::try_from(reached)) {
            self.resume.set(Resume { site, start, reached, state });
        }
        NeedMore
    }

    /// A loop of an open scan read past the end at `reached`: when this was the scan's first
    /// read past the end (where a scan without end of input would have stopped), its state is
    /// saved as [`Text::stopped`] saves it.
    #[inline]
    pub(crate) fn ended(&self, site: u8, start: usize, reached: usize, state: [u32; 2]) {
        if self.open && reached >= self.bytes.len() && self.touched.get() == 1 {
            self.stopped(site, start, reached, state);
        }
    }

    /// A read past the end of the buffer: `None` with end of input (or in an open scan, which
    /// counts it), else the scan needs more input.
    #[inline]
    fn past_end(&self) -> Peek {
        if self.eof {
            Ok(None)
        } else if self.open {
            self.touched.set(self.touched.get().saturating_add(1));
            Ok(None)
        } else {
            Err(NeedMore)
        }
    }

    /// A piece found by a fast path over bytes, `n` bytes long: when it reaches the end of the
    /// buffer it is a read past the end.
    #[inline]
    pub(crate) fn found(&self, n: usize) -> std::result::Result<usize, NeedMore> {
        if n < self.bytes.len() {
            return Ok(n);
        }
        self.past_end().map(|_| n)
    }

    /// The character at byte offset `i`.
    #[inline]
    pub(crate) fn peek(&self, i: usize) -> Peek {
        if i < self.bytes.len() {
            Ok(Some(decode_at(self.bytes, i)))
        } else {
            self.past_end()
        }
    }

    /// [`Text::peek`] with two-byte characters decoded inline too (see [`decode_at_wide`]), for
    /// the loop over a word's letters.
    #[inline(always)]
    pub(crate) fn peek_wide(&self, i: usize) -> Peek {
        if i < self.bytes.len() {
            Ok(Some(decode_at_wide(self.bytes, i)))
        } else {
            self.past_end()
        }
    }

    /// End of the run of characters whose class bits satisfy `pred`, from offset `start`;
    /// `site` names the call (see [`Resume`]).
    #[inline]
    pub(crate) fn run(
        &self,
        site: u8,
        start: usize,
        pred: impl Fn(u8) -> bool,
    ) -> std::result::Result<usize, NeedMore> {
        let bytes = self.bytes;
        let mut i = self.resumed(site, start).map_or(start, |r| r.0);
        loop {
            // ASCII needs no decoding: a tight loop over bytes covers most text.
            while let Some(&b) = bytes.get(i) {
                if b >= 0x80 {
                    break;
                }
                if !pred(ASCII[b as usize]) {
                    return Ok(i);
                }
                i += 1;
            }
            // A run of other characters, most often of a script of two-byte characters
            // (Cyrillic, Greek, Hebrew, Arabic), decodes them in place.
            if i < bytes.len() {
                let c = decode_at_wide(bytes, i);
                if !pred(c.flags) {
                    return Ok(i);
                }
                i += c.len;
                continue;
            }
            match self.past_end() {
                Ok(_) => {
                    self.ended(site, start, i, [0; 2]);
                    return Ok(i);
                }
                Err(NeedMore) => return Err(self.stopped(site, start, i, [0; 2])),
            }
        }
    }
}

impl Family {
    /// The family of a name: `"gpt2"`, `"cl100k"` or `"o200k"`.
    pub fn from_name(name: &str) -> Result<Family> {
        match name {
            "gpt2" | "r50k" | "p50k" => Ok(Family::Gpt2),
            "cl100k" => Ok(Family::Cl100k),
            "o200k" => Ok(Family::O200k),
            other => Err(Error::UnknownFamily(other.to_string())),
        }
    }

    /// The family's name, as [`Family::from_name`] takes it.
    pub fn name(self) -> &'static str {
        match self {
            Family::Gpt2 => "gpt2",
            Family::Cl100k => "cl100k",
            Family::O200k => "o200k",
        }
    }

    /// Byte length of the piece that starts at `bytes[0]`, or `None` when more input could
    /// change it. `bytes` must be valid UTF-8; with `eof` and non-empty `bytes` there is always
    /// an answer.
    #[inline]
    pub fn next_piece(self, bytes: &[u8], eof: bool) -> Option<usize> {
        self.next_piece_resuming(bytes, eof, &mut Resume::default())
    }

    /// [`Family::next_piece`] for a piece scanned before with less text: `resume` is what that
    /// scan saved (or the default), and is updated. The caller keeps it only while the piece's
    /// start and the text before the saved offset stay the same.
    #[inline]
    pub fn next_piece_resuming(self, bytes: &[u8], eof: bool, resume: &mut Resume) -> Option<usize> {
        if bytes.is_empty() {
            return if eof { Some(0) } else { None };
        }
        let text = Text { bytes, eof, open: false, touched: Cell::new(0), resume: Cell::new(*resume) };
        let found = self.scan(&text);
        *resume = text.resume.get();
        found.ok()
    }

    /// One scan of the piece at the start of non-empty `bytes` for text that may go on: its
    /// length as if the input ended here, and whether it is final (no continuation can change
    /// it). A piece that is not final is exactly one for which [`Family::next_piece_resuming`]
    /// would need more input: the scan reads the same characters in the same order and only
    /// goes on where that one stopped; `resume` is updated as that one updates it.
    #[inline]
    pub fn scan_open(self, bytes: &[u8], resume: &mut Resume) -> (usize, bool) {
        let text = Text { bytes, eof: false, open: true, touched: Cell::new(0), resume: Cell::new(*resume) };
        // Reads past the end answer end of input, so the scan always ends with an answer.
        let n = self.scan(&text).unwrap_or(bytes.len()).clamp(1, bytes.len().max(1));
        *resume = text.resume.get();
        (n, text.touched.get() == 0)
    }

    /// The class of the characters that go on an open word whose last character is of it:
    /// o200k's trailing letter class `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`, otherwise `\p{L}`.
    #[inline]
    pub fn word_run(self) -> u8 {
        match self {
            Family::O200k => LOWERISH,
            Family::Gpt2 | Family::Cl100k => LETTER,
        }
    }

    /// Whether `c` may stand in front of a word's letters: `[^\r\n\p{L}\p{N}]` (gpt2: a space).
    /// Not `'` in cl100k and gpt2, whose contractions come before words.
    #[inline]
    pub fn is_word_prefix(self, c: Ch) -> bool {
        match self {
            Family::Gpt2 => c.cp == 0x20,
            Family::Cl100k => !c.is(LETTER | NUMBER) && !is_cr_lf(c) && c.cp != u32::from(b'\''),
            Family::O200k => !c.is(LETTER | NUMBER) && !is_cr_lf(c),
        }
    }

    /// Whether `c`, after an open word (see [`Family::is_open_word`]), ends it: the word is a
    /// final piece whatever follows. Not a letter (o200k: nor a mark), and in o200k not `'`,
    /// which may start a contraction; an o200k upper-case letter may join a word of `U` letters,
    /// so it is not counted either.
    #[inline]
    pub fn ends_word(self, c: Ch) -> bool {
        match self {
            Family::O200k => !c.is(UPPERISH | LOWERISH) && c.cp != u32::from(b'\''),
            Family::Gpt2 | Family::Cl100k => !c.is(LETTER),
        }
    }

    /// Whether `bytes` is, as if the input ended with them, one piece: a word that any text of
    /// [`Family::word_run`] characters continues into one piece. That is an optional prefix
    /// character, then letters (o200k: and marks) that end with one of the run's class, and in
    /// o200k, whose word is `P?U*L+` with classes `U` and `L` that overlap, are all in `L` from
    /// the first one outside `U` on.
    ///
    /// Why that is one piece in o200k: with the prefix taken, `U*` runs to the first character
    /// outside `U` (or to the end, and gives back the last character, which is in `L`), and `L+`
    /// runs from there to the end. More `L` characters keep all of that true.
    pub fn is_open_word(self, bytes: &[u8]) -> bool {
        self.open_ascii_word(bytes).unwrap_or_else(|| self.is_open_word_by_char(bytes))
    }

    /// [`Family::is_open_word`] a character at a time, for any text.
    fn is_open_word_by_char(self, bytes: &[u8]) -> bool {
        let letters = match self {
            Family::O200k => UPPERISH | LOWERISH,
            Family::Gpt2 | Family::Cl100k => LETTER,
        };
        let run = self.word_run();
        let Some(first) = bytes.first().map(|_| decode_at_wide(bytes, 0)) else { return false };
        let mut i = 0;
        if !first.is(letters) {
            if !self.is_word_prefix(first) {
                return false;
            }
            i = first.len;
        }
        let (mut last, mut upper) = (0, true);
        while i < bytes.len() {
            let c = decode_at_wide(bytes, i);
            if !c.is(letters) || !upper && !c.is(run) {
                return false;
            }
            upper &= c.is(UPPERISH);
            last = c.flags;
            i += c.len;
        }
        last & run != 0
    }

    /// [`Family::is_open_word`] a byte at a time, where ASCII decides it (upper-case ASCII
    /// letters are `U` only and lower-case ones `L` only); None when a byte outside ASCII must.
    fn open_ascii_word(self, bytes: &[u8]) -> Option<bool> {
        let Some(&first) = bytes.first() else { return Some(false) };
        if first >= 0x80 {
            return None;
        }
        let mut i = 0;
        if !first.is_ascii_alphabetic() {
            let prefix = match self {
                Family::Gpt2 => first == b' ',
                Family::Cl100k => !first.is_ascii_digit() && !matches!(first, b'\r' | b'\n' | b'\''),
                Family::O200k => !first.is_ascii_digit() && !matches!(first, b'\r' | b'\n'),
            };
            if !prefix {
                return Some(false);
            }
            i = 1;
        }
        let letters = i;
        if self == Family::O200k {
            while i < bytes.len() && bytes[i].is_ascii_uppercase() {
                i += 1;
            }
        }
        let run = i;
        let in_run = |c: u8| if self == Family::O200k { c.is_ascii_lowercase() } else { c.is_ascii_alphabetic() };
        while i < bytes.len() && in_run(bytes[i]) {
            i += 1;
        }
        match bytes.get(i) {
            Some(&c) if c >= 0x80 => None,
            Some(_) => Some(false),
            // o200k: U* then L+; the others: letters.
            None => Some(if self == Family::O200k { i > run } else { i > letters }),
        }
    }

    /// Whether `bytes` is, as if the input ended with them, one o200k word of upper-case letters
    /// (` ВЫРАЖ`, `GNU`): an optional prefix character, then letters of `U` that are not in `L`
    /// (classes that overlap). Having no `L`, that is one piece of `P?U+L*`; letters that are all
    /// in `L` from the first one in `L` on continue it into one piece (of `P?U*L+` once one in
    /// `L` comes: `U*` gives back to `L+` from there). A letter outside `L` after one in `L`
    /// would end the piece of `P?U*L+` before it. Never in the other families, whose words have
    /// no case ([`Family::is_open_word`] covers them).
    #[inline]
    pub fn is_open_upper(self, bytes: &[u8]) -> bool {
        self == Family::O200k && !bytes.is_empty() && self.is_open_upper_o200k(bytes)
    }

    fn is_open_upper_o200k(self, bytes: &[u8]) -> bool {
        let first = decode_at_wide(bytes, 0);
        let mut i = 0;
        if !first.is(UPPERISH) {
            if !self.is_word_prefix(first) {
                return false;
            }
            i = first.len;
        }
        if i == bytes.len() {
            return false;
        }
        while i < bytes.len() {
            let c = decode_at_wide(bytes, i);
            if !c.is(UPPERISH) || c.is(LOWERISH) {
                return false;
            }
            i += c.len;
        }
        true
    }

    /// Whether `bytes` is, as if the input ended with them, one piece of punctuation: an optional
    /// space, then characters of `[^\s\p{L}\p{N}]` (ASCII: printable ones; marks left out, which
    /// o200k's words take after one such character), then in cl100k and o200k line breaks. In
    /// every family that is one piece of the punctuation alternative, ` ?[^\s\p{L}\p{N}]+` and in
    /// cl100k and o200k `[\r\n]*` (o200k: `[\r\n/]*`, whose slashes this leaves to the scanner):
    /// the word alternatives before it need a letter (or a mark) after at most one character.
    pub fn is_open_punct(self, bytes: &[u8]) -> bool {
        let run = bytes.strip_prefix(b" ").unwrap_or(bytes);
        let mut marks = 0;
        while let Some(&b) = run.get(marks) {
            if b < 0x80 {
                if !b.is_ascii_punctuation() {
                    break;
                }
                marks += 1;
            } else {
                let c = decode_at_wide(run, marks);
                if c.is(SPACE | LETTER | NUMBER | MARK) {
                    break;
                }
                marks += c.len;
            }
        }
        let breaks = &run[marks..];
        marks > 0 && (breaks.is_empty() || self != Family::Gpt2 && breaks.iter().all(|&b| b == b'\r' || b == b'\n'))
    }

    /// Whether `c`, after an open run of punctuation `tail` (see [`Family::is_open_punct`]),
    /// ends it: the run is a final piece whatever follows.
    ///
    /// A space or a tab is no punctuation and no line break, and a number starts no other piece
    /// that could take the run in (numbers take no prefix). A letter ends a run of two or more
    /// characters: a word takes at most one character before its letters (cl100k, o200k:
    /// `[^\r\n\p{L}\p{N}]?`; gpt2: a space), and a contraction (`'s` ...) starts at the run's
    /// start or not at all. A line break joins the run in cl100k and o200k (`[\r\n]*` after
    /// it), and after line breaks anything else ends it (o200k: but `/`). Anything else, more
    /// punctuation and marks included, is left to the scanner.
    #[inline(always)]
    pub fn ends_punct(self, tail: &[u8], c: Ch) -> bool {
        if matches!(tail.last(), Some(b'\r' | b'\n')) {
            return !(matches!(c.cp, 0x0a | 0x0d) || self == Family::O200k && c.cp == 0x2f);
        }
        match c.cp {
            0x20 | 0x09 => true,
            0x0a | 0x0d => self == Family::Gpt2,
            _ if c.is(NUMBER) => true,
            // Two characters or more: more bytes than the first character has.
            _ if c.is(LETTER) => !tail.is_empty() && decode_at_wide(tail, 0).len < tail.len(),
            _ => false,
        }
    }

    /// Whether `bytes` is one piece of ASCII digits: `\p{N}{1,3}` (gpt2: ` ?\p{N}+`, here without
    /// the space).
    #[inline]
    pub fn is_open_digits(self, bytes: &[u8]) -> bool {
        !bytes.is_empty() && (bytes.len() <= 3 || self == Family::Gpt2) && bytes.iter().all(u8::is_ascii_digit)
    }

    /// Whether `c`, after a tail of [`Family::is_open_digits`], ends it: any character outside
    /// `\p{N}` (no other alternative starts with a digit and goes on past the run), and, after
    /// three digits in cl100k and o200k, anything.
    #[inline]
    pub fn ends_digits(self, tail: &[u8], c: Ch) -> bool {
        !c.is(NUMBER) || self != Family::Gpt2 && tail.len() >= 3
    }

    /// Whether `bytes` is a run of spaces or a run of line feeds (`\n`) alone. As if the input
    /// ended, such a tail is one piece in every family (`\s+(?!\S)`, `\s*[\r\n]+`, `\s+`).
    #[inline]
    pub fn is_open_blank(self, bytes: &[u8]) -> bool {
        match bytes.first() {
            Some(&c @ (b' ' | b'\n')) => bytes.iter().all(|&b| b == c),
            _ => false,
        }
    }

    /// Whether `delta`, after a tail of [`Family::is_open_blank`], makes the tail a final piece
    /// as it is: a space and then a character outside `\s` (the run before the space is `\s+`
    /// followed by whitespace, and a run of line feeds cannot take a space that no line break
    /// follows), or, after line feeds in cl100k and o200k, a first character outside `\s`
    /// (`\s*[\r\n]+` ends there), or, after one space in cl100k and o200k, a number. Anything
    /// else (more of the run, a line break, a space then more whitespace, other text right after
    /// spaces, which takes the last space) is left to the scanner.
    #[inline(always)]
    pub fn ends_blank(self, tail: &[u8], delta: &[u8]) -> bool {
        match delta {
            [b' ', _, ..] => !decode_at_wide(delta, 1).is(SPACE),
            // gpt2 has no `\s*[\r\n]+`: its line feeds give the last one up as spaces do.
            [first, ..] if tail.first() == Some(&b'\n') && self != Family::Gpt2 => {
                !decode_at_wide(delta, 0).is(SPACE) && *first != b' '
            }
            // One space before a number is a piece of its own (`\s+`): numbers take no prefix.
            [_, ..] if tail == b" " && self != Family::Gpt2 => decode_at_wide(delta, 0).is(NUMBER),
            _ => false,
        }
    }

    /// Where the spaces start when `bytes` is line feeds then spaces (`"\n    "`) in o200k: as if
    /// the input ended, two pieces, the line feeds (`\s*[\r\n]+` gives back the spaces, which no
    /// line break follows) and the spaces (`\s+(?!\S)` at the end). Not in cl100k, whose `\s++$`
    /// makes whitespace at the end one piece, nor in gpt2 (`\s+(?!\S)`).
    #[inline]
    pub fn open_indent(self, bytes: &[u8]) -> Option<usize> {
        let feeds = bytes.iter().take_while(|&&b| b == b'\n').count();
        let indented = feeds > 0 && feeds < bytes.len() && bytes[feeds..].iter().all(|&b| b == b' ');
        (indented && self == Family::O200k).then_some(feeds)
    }

    /// Whether `delta`, after a tail of [`Family::open_indent`], makes both its pieces final as
    /// they are: a space then a character outside `\s`, which takes the space (the spaces before
    /// it are `\s+` followed by whitespace, and the line feeds cannot take spaces that no line
    /// break follows). Spaces alone go on with the tail's spaces.
    #[inline]
    pub fn ends_indent(self, delta: &[u8]) -> bool {
        matches!(delta, [b' ', _, ..]) && !decode_at_wide(delta, 1).is(SPACE)
    }

    #[inline]
    fn scan(self, text: &Text) -> std::result::Result<usize, NeedMore> {
        match self {
            Family::Gpt2 => gpt2::piece(text),
            Family::Cl100k => cl100k::piece(text),
            Family::O200k => o200k::piece(text),
        }
    }

    /// The pieces of a complete text, in order.
    pub fn pieces(self, text: &str) -> Pieces<'_> {
        let bytes = text.as_bytes();
        // gpt2's pattern has no rules over masks (see `bulk.rs`).
        let window = (self != Family::Gpt2).then(|| bulk::Window::new(bytes, 0, self));
        Pieces { family: self, bytes, at: 0, window, ascii_before: true }
    }
}

/// Iterator over the pieces of a complete text.
pub struct Pieces<'a> {
    family: Family,
    bytes: &'a [u8],
    /// Where the next piece starts.
    at: usize,
    /// The classes of the bytes ahead, for the pieces that ASCII decides.
    window: Option<bulk::Window>,
    /// Whether the piece before started as ASCII (see [`bulk::starts_ascii`]).
    ascii_before: bool,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a [u8];

    #[inline(always)]
    fn next(&mut self) -> Option<&'a [u8]> {
        let (bytes, at) = (self.bytes, self.at);
        if at >= bytes.len() {
            return None;
        }
        let rest = &bytes[at..];
        let n = match &mut self.window {
            Some(window) if bulk::starts_ascii(rest) => {
                // One ASCII piece among others (a space or a full stop in Thai or Russian) far
                // from the masks at hand is not worth classifying 128 bytes for: the scanner's
                // own passes over ASCII take it.
                let near = self.ascii_before || window.holds(at);
                self.ascii_before = true;
                match near.then(|| window.piece(bytes, at)) {
                    Some(Some(n)) => n,
                    // What the masks leave the scanner's passes over ASCII leave too.
                    Some(None) => scan_whole_past_ascii(self.family, rest),
                    None => scan_whole(self.family, rest),
                }
            }
            Some(_) => {
                self.ascii_before = false;
                scan_whole_past_ascii(self.family, rest)
            }
            None => scan_whole(self.family, rest),
        };
        self.at = at + n;
        Some(&rest[..n])
    }
}

/// Length of the piece at the start of `rest`, the end of a complete text, as the scanner finds it.
#[inline(never)]
fn scan_whole(family: Family, rest: &[u8]) -> usize {
    // With end of input a scanner always answers, with at least one character.
    family.next_piece(rest, true).unwrap_or(rest.len()).clamp(1, rest.len())
}

/// [`scan_whole`] of a piece whose first or second byte is not ASCII (see
/// [`bulk::starts_ascii`]), or that the masks left, in the cl100k or o200k family: their
/// passes over ASCII bytes would leave it to the full scanner (nearly always), which it goes to
/// at once.
#[inline(never)]
fn scan_whole_past_ascii(family: Family, rest: &[u8]) -> usize {
    let text =
        Text { bytes: rest, eof: true, open: false, touched: Cell::new(0), resume: Cell::new(Resume::default()) };
    let found = match family {
        Family::Cl100k => cl100k::full(&text),
        Family::O200k => o200k::full(&text),
        Family::Gpt2 => family.scan(&text),
    };
    found.unwrap_or(rest.len()).clamp(1, rest.len())
}

/// Whether `c` is `\r` or `\n`.
#[inline]
pub(crate) fn is_cr_lf(c: Ch) -> bool {
    c.is(CR_LF)
}

/// A run predicate: any of `bits` is set.
#[inline]
pub(crate) fn any(bits: u8) -> impl Fn(u8) -> bool {
    move |f| f & bits != 0
}

/// The whitespace alternatives, from a whitespace character at offset 0.
///
/// All families have `\s+$` (the run up to end of input), `\s+(?!\S)` (the run but its last
/// character, when something follows) and a single-character fallback. cl100k and o200k add
/// `\s*[\r\n]` (up to the run's last newline): cl100k tries it after `\s++$`
/// (`end_first`), o200k before.
#[inline]
pub(crate) fn whitespace(t: &Text, newline_ends: bool, end_first: bool) -> std::result::Result<usize, NeedMore> {
    let (mut i, [mut last, mut after_newline]) = t.resumed(SITE_WHITESPACE, 0).unwrap_or((0, [0, 0]));
    let at_end = loop {
        match t.peek(i) {
            Ok(Some(c)) if c.is(crate::text::unicode::SPACE) => {
                last = i as u32;
                i += c.len;
                if is_cr_lf(c) {
                    after_newline = i as u32;
                }
            }
            Ok(Some(_)) => break false,
            Ok(None) => {
                t.ended(SITE_WHITESPACE, 0, i, [last, after_newline]);
                break true;
            }
            Err(NeedMore) => return Err(t.stopped(SITE_WHITESPACE, 0, i, [last, after_newline])),
        }
    };
    let (last, after_newline) = (last as usize, after_newline as usize);
    if end_first && at_end {
        return Ok(i);
    }
    if newline_ends && after_newline > 0 {
        return Ok(after_newline);
    }
    if at_end {
        return Ok(i);
    }
    // `\s+(?!\S)` gives back the last character so that the next piece can start with it.
    Ok(if last > 0 { last } else { i })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// tiktoken 0.14's patterns, run by fancy-regex (the engine tiktoken uses) as the oracle.
    const GPT2: &str = r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";
    const CL100K: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";
    const O200K: &str = concat!(
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
    );

    /// Characters that decide how the patterns split: every class, both cases, every space.
    const ATOMS: &[&str] = &[
        "a",
        "z",
        "A",
        "Z",
        "é",
        "É",
        "ǅ",
        "ʰ",
        "ー",
        "中",
        "\u{301}",
        "\u{20dd}",
        "1",
        "٣",
        "½",
        "Ⅻ",
        " ",
        "  ",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "\u{a0}",
        "\u{3000}",
        "\u{85}",
        "\u{2028}",
        "\u{200b}",
        "'",
        "'s",
        "'S",
        "'ſ",
        "'ll",
        "'LL",
        "'re",
        "'Ve",
        "'d",
        "'M",
        "'t",
        "!",
        "/",
        "//",
        ".",
        "😀",
        "\u{200d}",
        "<|endoftext|>",
    ];

    /// The pieces of `text` as the family's scanner alone finds them.
    pub(crate) fn family_pieces(family: Family, text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let n = family.next_piece(rest.as_bytes(), true).unwrap_or(rest.len());
            out.push(&rest[..n]);
            rest = &rest[n..];
        }
        out
    }

    /// A deterministic xorshift stream, so failures reproduce.
    fn texts(count: usize) -> Vec<String> {
        let mut next = crate::xorshift(0x2545_f491_4f6c_dd1d);
        (0..count)
            .map(|_| {
                let len = (next() % 12) as usize;
                (0..len).map(|_| ATOMS[(next() % ATOMS.len() as u64) as usize]).collect()
            })
            .collect()
    }

    #[test]
    fn scanners_split_like_tiktokens_regex() {
        for (family, pattern) in [(Family::Gpt2, GPT2), (Family::Cl100k, CL100K), (Family::O200k, O200K)] {
            let regex = fancy_regex::Regex::new(pattern).unwrap();
            for text in texts(20_000) {
                let expected: Vec<&str> = regex.find_iter(&text).map(|m| m.unwrap().as_str()).collect();
                assert_eq!(family_pieces(family, &text), expected, "{family:?} on {text:?}");
            }
        }
    }

    #[test]
    fn an_open_scan_answers_both_questions_and_resumes() {
        // Its length is the one-shot answer; it is final exactly when a scan without end of
        // input answers; carried from cut to cut, its resume state changes neither.
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            for text in texts(3_000).into_iter().chain([" ".repeat(90), "ab".repeat(50), "\u{4e2d}".repeat(40)]) {
                let mut resume = Resume::default();
                for cut in (1..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                    let bytes = &text.as_bytes()[..cut];
                    let (n, is_final) = family.scan_open(bytes, &mut resume);
                    let at = format!("{family:?} {text:?} cut {cut}");
                    assert_eq!(Some(n), family.next_piece(bytes, true), "{at}");
                    assert_eq!(is_final, family.next_piece(bytes, false).is_some(), "{at}");
                    if is_final {
                        break;
                    }
                }
            }
        }
    }

    #[test]
    fn open_words_go_on_and_end_as_the_scanner_says() {
        // Characters of every class the rules name, after words of many scripts and shapes: a
        // run character keeps one open piece, an ending one makes the word final, and a prefix
        // with run characters is one open piece of its own.
        let words = [
            "a",
            " word",
            "Word",
            " WORDs",
            "(x",
            "'s",
            "HTTP",
            "中文",
            " 中",
            " слово",
            "Ж",
            " Straße",
            "ǅungla",
            "\u{301}",
            "a\u{301}",
            " ʰa",
            "Ωμέγα",
            "\u{a0}ab",
            "x1",
            " don't",
            "'l",
            "'x",
        ];
        let chars = "azlseAZ'1 \t\n\r.,-/\"()éßΩωЖж中ǅʰ\u{301}١\u{a0}—😀\u{2028}_";
        let mut ones = 0;
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            let run = family.word_run();
            // An open word is one open piece by itself: every text of up to three characters.
            let set: Vec<char> = "aA' .1中ǅʰ\u{301}ßЖ".chars().collect();
            let mut shaped = 0;
            for a in &set {
                for b in &set {
                    for c in &set {
                        for text in [format!("{a}"), format!("{a}{b}"), format!("{a}{b}{c}")] {
                            if family.is_open_word(text.as_bytes()) {
                                shaped += 1;
                                let scan = family.scan_open(text.as_bytes(), &mut Resume::default());
                                assert_eq!(scan, (text.len(), false), "{family:?} {text:?}");
                            }
                        }
                    }
                }
            }
            assert!(shaped > 300, "{family:?} {shaped}");
            for word in words {
                let open = family.scan_open(word.as_bytes(), &mut Resume::default()) == (word.len(), false);
                if !family.is_open_word(word.as_bytes()) || !open {
                    continue;
                }
                for c in chars.chars() {
                    let text = format!("{word}{c}");
                    let ch = decode_at(text.as_bytes(), word.len());
                    if ch.is(run) {
                        // Two run characters: "'l" + "l" may be a contraction, and + "x" ends it.
                        for c2 in chars.chars().filter(|&c2| decode_at(c2.to_string().as_bytes(), 0).is(run)) {
                            ones += 1;
                            for text in [text.clone(), format!("{text}{c2}")] {
                                let scan = family.scan_open(text.as_bytes(), &mut Resume::default());
                                assert_eq!(scan, (text.len(), false), "{family:?} {text:?}");
                                assert!(family.is_open_word(text.as_bytes()), "{family:?} {text:?}");
                            }
                        }
                    }
                    if family.ends_word(ch) {
                        assert_eq!(family.next_piece(text.as_bytes(), false), Some(word.len()), "{family:?} {text:?}");
                    }
                }
            }
            for p in chars.chars().filter(|&p| family.is_word_prefix(decode_at(p.to_string().as_bytes(), 0))) {
                for r in chars.chars().filter(|&r| decode_at(r.to_string().as_bytes(), 0).is(run)) {
                    let text = format!("{p}{r}{r}");
                    let scan = family.scan_open(text.as_bytes(), &mut Resume::default());
                    assert_eq!(scan, (text.len(), false), "{family:?} {text:?}");
                    assert!(family.is_open_word(text.as_bytes()), "{family:?} {text:?}");
                }
            }
        }
        assert!(ones > 3000, "{ones}");
    }

    #[test]
    fn ascii_words_are_judged_as_a_character_at_a_time() {
        // The byte loop against the character loop, on random ASCII of every length to 20
        // over letters of both cases, prefix characters and others.
        let alphabet = b"aAzZmM' .,1\n\r-_`{@[\t/";
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15);
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            let mut open = 0;
            for round in 0..200_000 {
                let seed = next();
                let n = round % 21;
                // Mostly letters, so that words of every length occur.
                let text: Vec<u8> = (0..n)
                    .map(|i| {
                        let r = (seed >> (i % 9 * 7)) as usize;
                        if r % 5 == 0 {
                            alphabet[r / 5 % alphabet.len()]
                        } else {
                            alphabet[r / 5 % 6]
                        }
                    })
                    .collect();
                let fast = family.open_ascii_word(&text).unwrap();
                assert_eq!(fast, family.is_open_word_by_char(&text), "{family:?} {:?}", String::from_utf8_lossy(&text));
                open += usize::from(fast);
            }
            assert!(open > 5_000, "{family:?} {open}");
        }
    }

    /// One character of each class the scanners tell apart, and a few of the edges between them.
    const CLASSES: &str = "azlseAZ'1 \t\n\r.,-/\"()éßΩωЖж中ǅʰ\u{301}١\u{a0}—😀\u{2028}_\u{3000}½Ⅻ0";

    /// Checks that after `tail`, every two characters of [`CLASSES`] whose first `ends` says
    /// ends the tail leave the tail as the text's first piece; returns how many texts it checked.
    fn check_ends(family: Family, tail: &str, ends: impl Fn(Ch) -> bool) -> usize {
        let mut checked = 0;
        for c in CLASSES.chars() {
            if !ends(decode_at(c.to_string().as_bytes(), 0)) {
                continue;
            }
            for c2 in CLASSES.chars() {
                checked += 1;
                let text = format!("{tail}{c}{c2}");
                assert_eq!(family.next_piece(text.as_bytes(), true), Some(tail.len()), "{family:?} {text:?}");
            }
        }
        checked
    }

    #[test]
    fn open_punctuation_ends_as_the_scanner_says() {
        // Runs of punctuation with and without a space in front, then a character of every
        // class and a second one: where the rule says the run ends, the whole text's first piece
        // is the run, whatever the two characters are.
        // ASCII, and beyond it: quotes, a dash, CJK punctuation, an emoji, a format character.
        let marks = ["'", ".", ",", "(", "/", "-", "\"", "!", "«", "—", "。", "😀", "\u{200b}"];
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            let mut tails: Vec<String> = Vec::new();
            for a in marks {
                tails.push(a.to_string());
                tails.push(format!(" {a}"));
                for b in ["'", ".", "(", "-", "»", "。"] {
                    tails.push(format!("{a}{b}"));
                    tails.push(format!(" {a}{b}"));
                }
                // Line breaks join a run (not in gpt2).
                if family != Family::Gpt2 {
                    for breaks in ["\n", "\r", "\r\n", "\n\n", "\n\r"] {
                        tails.push(format!("{a}{breaks}"));
                        tails.push(format!(" {a}.{breaks}"));
                    }
                }
            }
            let mut ended = 0;
            for tail in &tails {
                assert!(family.is_open_punct(tail.as_bytes()), "{tail:?}");
                let scan = family.scan_open(tail.as_bytes(), &mut Resume::default());
                assert_eq!(scan, (tail.len(), false), "{family:?} {tail:?}");
                ended += check_ends(family, tail, |c| family.ends_punct(tail.as_bytes(), c));
            }
            assert!(ended > 10_000, "{family:?} {ended}");
            for other in [
                "",
                " ",
                "a",
                ",a",
                " ,1",
                "中,",
                "\n",
                " \n",
                ",\n,",
                ",\n ",
                ",\n/",
                "«a",
                "«1",
                "«\u{301}",
                "。\u{3000}",
            ] {
                assert!(!family.is_open_punct(other.as_bytes()), "{other:?}");
            }
            assert_eq!(family.is_open_punct(b",\n"), family != Family::Gpt2);
            assert!(!family.ends_punct(b"", decode_at(b"a", 0)), "no run, nothing to end");
        }
    }

    #[test]
    fn open_upper_case_words_go_on_and_end_as_the_scanner_says() {
        // o200k words of `U` letters (with and without a prefix), then one or two characters of
        // every class: when the stream's rule ends the word, the text's first piece is the word;
        // when the rule lets the characters go on with it, the whole is one open piece of the
        // shape the rule gives.
        let upper = ["A", "Z", "Ж", "Ω", "ǅ", "中", "\u{301}"];
        let family = Family::O200k;
        let mut tails: Vec<String> = Vec::new();
        for prefix in ["", " ", "(", "'", "\u{a0}", "😀"] {
            for a in upper {
                for b in ["", "A", "Ω"] {
                    tails.push(format!("{prefix}{a}{b}"));
                }
            }
        }
        let (mut open, mut ended, mut went_on) = (0, 0, 0);
        for tail in &tails {
            let t = tail.as_bytes();
            // Letters in `L` too (中, a mark) make it no upper-case word (see is_open_upper).
            let both = tail.chars().any(|c| c == '中' || c == '\u{301}');
            assert_eq!(family.is_open_upper(t), !both, "{tail:?}");
            if !family.is_open_upper(t) {
                continue;
            }
            open += 1;
            assert_eq!(family.scan_open(t, &mut Resume::default()), (t.len(), false), "{tail:?}");
            assert!(!family.is_open_word(t), "{tail:?}");
            ended += check_ends(family, tail, |c| family.ends_word(c));
            for c in CLASSES.chars() {
                for c2 in CLASSES.chars() {
                    let text = format!("{tail}{c}{c2}");
                    if family.ends_word(decode_at(c.to_string().as_bytes(), 0)) {
                        continue;
                    }
                    // The rule of `Stream::push_upper`, for the delta `c` and for `c c2`.
                    let mut up = true;
                    for (k, d) in [c, c2].iter().enumerate() {
                        let dc = decode_at(d.to_string().as_bytes(), 0);
                        if !dc.is(if up { UPPERISH | LOWERISH } else { LOWERISH }) {
                            break;
                        }
                        up &= !dc.is(LOWERISH);
                        let so_far =
                            format!("{tail}{}", &text[t.len()..][..[c, c2][..=k].iter().map(|x| x.len_utf8()).sum()]);
                        let b = so_far.as_bytes();
                        went_on += 1;
                        assert_eq!(family.scan_open(b, &mut Resume::default()), (b.len(), false), "{so_far:?}");
                        if up {
                            assert!(family.is_open_upper(b), "{so_far:?}");
                        } else {
                            assert!(family.is_open_word(b), "{so_far:?}");
                        }
                    }
                }
            }
        }
        assert!(open > 60 && ended > 10_000 && went_on > 1_000, "{open} {ended} {went_on}");
        for other in ["", " ", "a", "Ab", "AЖa", "1A", "\nA", "A1", "A ", "  A", "中", "A中", "A中A", "AΩ\u{301}"]
        {
            assert!(!family.is_open_upper(other.as_bytes()), "{other:?}");
        }
        for family in [Family::Gpt2, Family::Cl100k] {
            assert!(!family.is_open_upper(b"GNU") && !family.is_open_upper(" ВЫ".as_bytes()));
        }
    }

    #[test]
    fn digits_end_as_the_scanner_says() {
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            let mut ended = 0;
            for tail in ["1", "12", "123", "9876", "00000"] {
                let t = tail.as_bytes();
                if !family.is_open_digits(t) {
                    assert!(family != Family::Gpt2 && t.len() > 3, "{tail:?}");
                    continue;
                }
                assert_eq!(family.next_piece(t, true), Some(t.len()), "{family:?} {tail:?}");
                ended += check_ends(family, tail, |c| family.ends_digits(t, c));
            }
            assert!(ended > 3_000, "{family:?} {ended}");
            for other in ["", " 1", "1a", "١", "1 "] {
                assert!(!family.is_open_digits(other.as_bytes()), "{other:?}");
            }
        }
    }

    #[test]
    fn runs_of_spaces_and_line_feeds_end_as_the_scanner_says() {
        // Every two characters of 33 classes after runs of spaces or line feeds: where the rule
        // says the run is final as it is, the text's first piece is the run.
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            let mut ended = 0;
            for tail in [" ", "  ", "     ", "\n", "\n\n", "\n\n\n"] {
                let t = tail.as_bytes();
                assert!(family.is_open_blank(t), "{tail:?}");
                assert_eq!(family.scan_open(t, &mut Resume::default()), (t.len(), false), "{family:?} {tail:?}");
                for c in CLASSES.chars() {
                    for c2 in CLASSES.chars() {
                        let delta = format!("{c}{c2}");
                        let text = format!("{tail}{delta}");
                        if family.ends_blank(t, delta.as_bytes()) {
                            ended += 1;
                            assert_eq!(family.next_piece(text.as_bytes(), true), Some(t.len()), "{family:?} {text:?}");
                        }
                    }
                }
                // One character alone says nothing after spaces.
                assert!(!family.ends_blank(t, b" ") && !family.ends_blank(t, b"x") || tail.starts_with('\n'));
            }
            assert!(ended > 150, "{family:?} {ended}");
            for other in ["", " \n", "\n ", "\t", "\r\n", " x", "\u{a0}"] {
                assert!(!family.is_open_blank(other.as_bytes()), "{other:?}");
            }
        }
    }

    #[test]
    fn indentation_after_line_feeds_ends_as_the_scanner_says() {
        // In o200k, line feeds then spaces are two open pieces, and more spaces go on with the
        // second; after them, every two characters of 40 classes: where the rule says both pieces
        // are final, the text's first two pieces are the line feeds and the spaces.
        let family = Family::O200k;
        let mut ended = 0;
        for tail in ["\n ", "\n    ", "\n\n  ", "\n\n\n "] {
            let feeds = family.open_indent(tail.as_bytes()).unwrap();
            assert_eq!(feeds, tail.trim_end_matches(' ').len());
            let (lines, spaces) = tail.split_at(feeds);
            assert_eq!(family_pieces(family, tail), [lines, spaces], "{tail:?}");
            for more in [" ", "   "] {
                let longer = format!("{tail}{more}");
                assert_eq!(family.open_indent(longer.as_bytes()), Some(feeds));
                assert_eq!(family_pieces(family, &longer).len(), 2, "{longer:?}");
            }
            for c in CLASSES.chars() {
                for c2 in CLASSES.chars() {
                    let delta = format!("{c}{c2}");
                    if family.ends_indent(delta.as_bytes()) {
                        ended += 1;
                        let text = format!("{tail}{delta}");
                        assert_eq!(family_pieces(family, &text)[..2], [lines, spaces], "{text:?}");
                    }
                }
            }
            assert!(!family.ends_indent(b" ") && !family.ends_indent(b"x") && !family.ends_indent(b"  x"));
        }
        assert!(ended > 100, "{ended}");
        for other in ["", " ", "\n", " \n ", "\n \n", "\n\t", "\r\n ", "\n x"] {
            assert_eq!(family.open_indent(other.as_bytes()), None, "{other:?}");
        }
        // Whitespace at the end is one piece in the others.
        for family in [Family::Gpt2, Family::Cl100k] {
            assert_eq!(family.open_indent(b"\n  "), None);
            assert_eq!(family_pieces(family, "\n  "), ["\n  "]);
        }
    }

    #[test]
    fn a_decided_piece_survives_every_continuation() {
        // Whatever follows, a piece reported without end of input is the piece the whole text has.
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            for text in texts(3_000) {
                for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                    if let Some(n) = family.next_piece(&text.as_bytes()[..cut], false) {
                        assert_eq!(Some(n), family.next_piece(text.as_bytes(), true), "{family:?} {text:?} cut {cut}");
                    }
                }
            }
        }
    }
    /// Every rule the streams' fast paths rest on ([`Family::is_open_word`] and the other
    /// `is_open_*`, `ends_*` and `open_indent` rules), checked against the scanner on every tail
    /// of one to three characters over an alphabet of every class the patterns tell apart (both
    /// cases, contraction letters and the characters that fold to them, digits of two scripts,
    /// every kind of space and line break, marks, symbols): where a rule says a tail is one open
    /// piece, the scanner finds one; where a rule says one or two characters end the tail, the
    /// first piece of the tail, the characters and any character after them is the tail.
    #[test]
    fn every_rule_of_the_fast_paths_agrees_with_the_scanner_on_every_short_tail() {
        let alphabet: Vec<String> =
            "aAsStTlL'1 \t\n\r.,-/\"éÉǅʰ中\u{301}١½\u{a0}😀ſ\u{212a}\u{2028}".chars().map(String::from).collect();
        let after: Vec<&str> = ["a", "A", " ", "\n", "1", "'", ".", "\u{301}", "中"].to_vec();
        let ch = |s: &str| decode_at(s.as_bytes(), 0);
        let first_piece = |f: Family, s: &str| f.next_piece(s.as_bytes(), true);
        let one_open_piece = |f: Family, s: &str| f.scan_open(s.as_bytes(), &mut Resume::default()) == (s.len(), false);
        let mut tails: Vec<String> = alphabet.clone();
        for a in &alphabet {
            for b in &alphabet {
                tails.push(format!("{a}{b}"));
                for c in &alphabet {
                    tails.push(format!("{a}{b}{c}"));
                }
            }
        }
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            let mut held = [0usize; 6];
            // The tail is final before `c`, whatever follows it.
            let final_before = |tail: &str, c: &str| {
                for c2 in &after {
                    let text = format!("{tail}{c}{c2}");
                    assert_eq!(first_piece(family, &text), Some(tail.len()), "{family:?} {text:?}");
                }
            };
            for tail in &tails {
                let t = tail.as_bytes();
                if family.is_open_word(t) {
                    held[0] += 1;
                    assert!(one_open_piece(family, tail), "{family:?} word {tail:?}");
                    for c in &alphabet {
                        if ch(c).is(family.word_run()) {
                            let longer = format!("{tail}{c}");
                            assert!(family.is_open_word(longer.as_bytes()), "{family:?} {longer:?}");
                            assert!(one_open_piece(family, &longer), "{family:?} word {longer:?}");
                        } else if family.ends_word(ch(c)) {
                            final_before(tail, c);
                        }
                    }
                }
                if family.is_open_upper(t) {
                    held[1] += 1;
                    assert!(one_open_piece(family, tail), "{family:?} upper {tail:?}");
                    for c in alphabet.iter().filter(|c| family.ends_word(ch(c))) {
                        final_before(tail, c);
                    }
                }
                if family.is_open_punct(t) {
                    held[2] += 1;
                    assert!(one_open_piece(family, tail), "{family:?} punct {tail:?}");
                    for c in alphabet.iter().filter(|c| family.ends_punct(t, ch(c))) {
                        final_before(tail, c);
                    }
                }
                if family.is_open_digits(t) {
                    held[3] += 1;
                    assert_eq!(first_piece(family, tail), Some(t.len()), "{family:?} digits {tail:?}");
                    for c in alphabet.iter().filter(|c| family.ends_digits(t, ch(c))) {
                        final_before(tail, c);
                    }
                }
                if family.is_open_blank(t) {
                    held[4] += 1;
                    assert!(one_open_piece(family, tail), "{family:?} blank {tail:?}");
                    for c in &alphabet {
                        for c2 in &alphabet {
                            let delta = format!("{c}{c2}");
                            if family.ends_blank(t, delta.as_bytes()) {
                                final_before(tail, &delta);
                            }
                        }
                    }
                }
                if let Some(feeds) = family.open_indent(t) {
                    held[5] += 1;
                    let (lines, spaces) = tail.split_at(feeds);
                    assert_eq!(family_pieces(family, tail), [lines, spaces], "{tail:?}");
                    for c in &alphabet {
                        for c2 in &alphabet {
                            let delta = format!("{c}{c2}");
                            if family.ends_indent(delta.as_bytes()) {
                                let text = format!("{tail}{delta}");
                                assert_eq!(family_pieces(family, &text)[..2], [lines, spaces], "{text:?}");
                            }
                        }
                    }
                }
            }
            // Each rule holds for many tails (o200k alone has upper-case words and indents).
            let o200k = family == Family::O200k;
            assert!(held[0] > 1_000 && held[2] > 300 && held[3] >= 3 && held[4] >= 6, "{family:?} {held:?}");
            assert_eq!((held[1] > 100, held[5] > 0), (o200k, o200k), "{family:?} {held:?}");
        }
    }
}
