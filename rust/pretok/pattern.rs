//! The pre-tokenizer of an encoding, whichever kind it is: a hand-written scanner of one of
//! tiktoken's pattern families, or a scanner compiled from any other pattern. Both keep the same
//! contract (see [`Family::next_piece`]); the compiled one may also report gaps, text that no
//! match of the pattern covers, which tiktoken drops.

use super::compiled::{self, patterns, Compiled, Kind, Piece};
use super::{Family, Resume};
use crate::error::Result;
use std::sync::Arc;

/// The pre-tokenizer of an encoding.
#[derive(Clone, Debug)]
pub enum Pretok {
    /// A hand-written scanner (tiktoken's patterns, and the fast paths of streams).
    Family(Family),
    /// A scanner compiled from the pattern.
    Compiled(Arc<Compiled>),
    /// Hugging Face's `Split` pre-tokenizers (`Isolated`), one or a `Sequence`: each splits the
    /// pieces of the one before, and text that no match covers is a piece too (tiktoken drops
    /// it). A piece of the last level is a piece of the encoding.
    Sequence(Arc<[Compiled]>),
}

/// Where the scan of a growing piece stopped, for whichever kind of pre-tokenizer made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scan {
    /// A hand-written scanner's.
    Family(Resume),
    /// A compiled scanner's (boxed: it is several times the size, and a stream carries one).
    Compiled(Box<compiled::Resume>),
}

impl Default for Scan {
    fn default() -> Self {
        Scan::Family(Resume::default())
    }
}

impl Scan {
    /// Starts afresh (as `Scan::default()`, without dropping a family's state).
    #[inline(always)]
    pub fn reset(&mut self) {
        match self {
            Scan::Family(resume) => *resume = Resume::default(),
            _ => *self = Scan::default(),
        }
    }

    /// The hand-written scanner's state, starting afresh when it holds another kind's.
    #[inline(always)]
    fn family(&mut self) -> &mut Resume {
        if !matches!(self, Scan::Family(_)) {
            *self = Scan::Family(Resume::default());
        }
        match self {
            Scan::Family(resume) => resume,
            Scan::Compiled(_) => unreachable!("made a family's state just above"),
        }
    }

    /// The compiled scanner's state, starting afresh when it holds another kind's.
    #[inline]
    fn compiled(&mut self) -> &mut compiled::Resume {
        if !matches!(self, Scan::Compiled(_)) {
            *self = Scan::Compiled(Box::default());
        }
        match self {
            Scan::Compiled(resume) => resume,
            Scan::Family(_) => unreachable!("made a compiled state just above"),
        }
    }

    /// The hand-written scanner's state, if it holds one.
    pub fn as_family(&self) -> Option<Resume> {
        match self {
            Scan::Family(resume) => Some(*resume),
            Scan::Compiled(_) => None,
        }
    }
}

impl Pretok {
    /// The pre-tokenizer of `pattern`: the hand-written scanner of the family whose tiktoken
    /// pattern it is, spelled as tiktoken 0.14 spells it, else one compiled from it.
    pub fn from_pattern(pattern: &str) -> Result<Pretok> {
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            if pattern == family.pattern() {
                return Ok(Pretok::Family(family));
            }
        }
        Ok(Pretok::Compiled(Arc::new(Compiled::new(pattern)?)))
    }

    /// The pattern, as tiktoken's `pat_str` (a sequence's last).
    pub fn pattern(&self) -> &str {
        match self {
            Pretok::Family(f) => f.pattern(),
            Pretok::Compiled(c) => c.pattern(),
            Pretok::Sequence(levels) => levels.last().map_or("", |c| c.pattern()),
        }
    }

    /// The hand-written family, if it is one.
    #[inline(always)]
    pub fn family(&self) -> Option<Family> {
        match self {
            Pretok::Family(f) => Some(*f),
            Pretok::Compiled(_) | Pretok::Sequence(_) => None,
        }
    }

    /// Whether a stream can scan it: a sequence of more than one split cannot yet (each level
    /// would need a state of its own).
    pub fn streams(&self) -> bool {
        !matches!(self, Pretok::Sequence(levels) if levels.len() > 1)
    }

    /// The piece that starts at `bytes[0]`, or `None` when more input could change it (see
    /// [`Family::next_piece_resuming`]); `scan` is what an earlier scan of the same piece saved.
    #[inline]
    pub fn next_piece_resuming(&self, bytes: &[u8], eof: bool, scan: &mut Scan) -> Option<Piece> {
        match self {
            Pretok::Family(f) => {
                f.next_piece_resuming(bytes, eof, scan.family()).map(|len| Piece { len, kind: Kind::Match })
            }
            Pretok::Compiled(c) => c.next_piece_resuming(bytes, eof, scan.compiled()),
            Pretok::Sequence(levels) => match &levels[..] {
                [one] => one.next_piece_resuming(bytes, eof, scan.compiled()).map(kept),
                _ if eof => Some(self.first_piece(bytes)),
                // Streams refuse these (see `streams`): no answer is safe.
                _ => None,
            },
        }
    }

    /// The pieces of a complete text, in order, each with its kind (tiktoken drops gaps).
    pub fn pieces<'p, 't>(&'p self, text: &'t str) -> Pieces<'p, 't> {
        match self {
            Pretok::Family(f) => Pieces::Family(f.pieces(text)),
            Pretok::Compiled(c) => Pieces::Compiled(c.pieces(text)),
            Pretok::Sequence(levels) => Pieces::Sequence(Levels::new(levels, text.as_bytes())),
        }
    }

    /// The first piece of a complete non-empty text split by a sequence.
    fn first_piece(&self, bytes: &[u8]) -> Piece {
        let Pretok::Sequence(levels) = self else { return self.next_piece(bytes) };
        let len = Levels::new(levels, bytes).next().map_or(bytes.len(), |(p, _)| p.len());
        Piece { len, kind: Kind::Match }
    }

    /// The piece at the start of a complete text.
    #[inline]
    pub fn next_piece(&self, bytes: &[u8]) -> Piece {
        let piece = self.next_piece_resuming(bytes, true, &mut Scan::default());
        piece.unwrap_or(Piece { len: bytes.len(), kind: Kind::Match })
    }

    /// One scan of the piece at the start of non-empty `bytes` for text that may go on: the
    /// piece as if the input ended here, and whether it is final (see [`Family::scan_open`]).
    #[inline]
    pub fn scan_open(&self, bytes: &[u8], scan: &mut Scan) -> (Piece, bool) {
        match self {
            Pretok::Family(f) => {
                let (len, is_final) = f.scan_open(bytes, scan.family());
                (Piece { len, kind: Kind::Match }, is_final)
            }
            Pretok::Compiled(c) => c.scan_open(bytes, scan.compiled()),
            Pretok::Sequence(levels) => match &levels[..] {
                [one] => {
                    let (piece, is_final) = one.scan_open(bytes, scan.compiled());
                    (kept(piece), is_final)
                }
                // Streams refuse these (see `streams`): the whole text, never final.
                _ => (Piece { len: bytes.len(), kind: Kind::Match }, false),
            },
        }
    }
}

/// A piece of a `Split`: gaps are pieces too.
#[inline]
fn kept(piece: Piece) -> Piece {
    Piece { kind: Kind::Match, ..piece }
}

/// Iterator over the pieces of a complete text (see [`Pretok::pieces`]).
pub enum Pieces<'p, 't> {
    /// A hand-written scanner's.
    Family(super::Pieces<'t>),
    /// A compiled scanner's.
    Compiled(compiled::Pieces<'p, 't>),
    /// A sequence of splits'.
    Sequence(Levels<'p, 't>),
}

impl<'t> Iterator for Pieces<'_, 't> {
    type Item = (&'t [u8], Kind);

    #[inline]
    fn next(&mut self) -> Option<(&'t [u8], Kind)> {
        match self {
            Pieces::Family(p) => p.next().map(|piece| (piece, Kind::Match)),
            Pieces::Compiled(p) => p.next(),
            Pieces::Sequence(p) => p.next(),
        }
    }
}

/// The pieces of a sequence of splits: a stack of one iterator a level, each over a piece of
/// the level above.
pub struct Levels<'p, 't> {
    levels: &'p [Compiled],
    stack: Vec<compiled::Pieces<'p, 't>>,
}

impl<'p, 't> Levels<'p, 't> {
    fn new(levels: &'p [Compiled], text: &'t [u8]) -> Self {
        let mut stack = Vec::with_capacity(levels.len());
        if let Some(first) = levels.first() {
            stack.push(first.pieces_of(text));
        }
        Levels { levels, stack }
    }
}

impl<'t> Iterator for Levels<'_, 't> {
    type Item = (&'t [u8], Kind);

    fn next(&mut self) -> Option<(&'t [u8], Kind)> {
        loop {
            let depth = self.stack.len();
            let (piece, _) = match self.stack.last_mut()?.next() {
                Some(found) => found,
                None => {
                    self.stack.pop();
                    continue;
                }
            };
            if depth == self.levels.len() {
                return Some((piece, Kind::Match));
            }
            self.stack.push(self.levels[depth].pieces_of(piece));
        }
    }
}

impl Family {
    /// The family's pattern, spelled as tiktoken 0.14 spells it.
    pub fn pattern(self) -> &'static str {
        match self {
            Family::Gpt2 => patterns::R50K,
            Family::Cl100k => patterns::CL100K,
            Family::O200k => patterns::O200K,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_pattern_takes_its_scanner_and_any_other_is_compiled() {
        for family in [Family::Gpt2, Family::Cl100k, Family::O200k] {
            let p = Pretok::from_pattern(family.pattern()).unwrap();
            assert_eq!(p.family(), Some(family));
            assert_eq!(p.pattern(), family.pattern());
        }
        let qwen = Pretok::from_pattern(patterns::QWEN).unwrap();
        assert!(qwen.family().is_none() && qwen.pattern() == patterns::QWEN);
        assert!(Pretok::from_pattern(r"(?=a)a").is_err());
        // Either kind answers through one state, which changes kind when the pretok does.
        let mut scan = Scan::default();
        assert_eq!(qwen.scan_open(b"hello", &mut scan), (Piece { len: 5, kind: Kind::Match }, false));
        let o200k = Pretok::Family(Family::O200k);
        assert_eq!(o200k.scan_open(b"hello", &mut scan), (Piece { len: 5, kind: Kind::Match }, false));
        assert_eq!(o200k.next_piece(b"hello world").len, 5);
    }
}
