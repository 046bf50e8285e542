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
    /// A sequence of splits' (boxed as the compiled one is: it holds one a level).
    Sequence(Box<Nested>),
}

/// Most `Split`s in a sequence that a stream scans.
const MAX_LEVELS: usize = 4;

/// What a scan of a sequence of splits knows of the piece at each level around the text's
/// start: its end when it is final (0: not known), else the level's compiled scan of it so far.
///
/// A piece of the last level inside a final outer piece starts at no boundary of the outer
/// level (`\p{N}{1,3}` splits `12345` as `123`, `45`; from `2` it would split `234`, `5`), so
/// the scan of the next piece must know where the outer piece ends ([`Scan::after`]). An outer
/// piece that is not final is a gap (nothing inside an open match is final, see
/// [`scan_nested`]), and a gap scanned from a position inside it is the rest of the same gap:
/// whether a match starts somewhere does not depend on where the scan began (patterns with
/// look-behinds or anchors at the start are not compiled). So a stream, whose tail starts after
/// its last final piece, may also scan it afresh: the state only saves work.
///
/// The levels inside an open match are not scanned for final pieces, but the piece as if the
/// input ended needs them: `as_if` keeps each level's open scan of the text it would split
/// then, so that a long open piece (a run of CJK in DeepSeek's second Split) is read once, not
/// once a push.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nested {
    ends: [usize; MAX_LEVELS],
    levels: [compiled::Resume; MAX_LEVELS],
    as_if: [AsIf; MAX_LEVELS],
}

/// An open scan of a level's piece as if the input ended: the state, and the length of the
/// text it read (a scan goes on from it only over the same text grown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct AsIf {
    resume: compiled::Resume,
    len: usize,
}

impl Nested {
    /// The state for the text `len` bytes further on, after a piece of the last level.
    fn skip(&mut self, len: usize) {
        for ((end, resume), as_if) in self.ends.iter_mut().zip(&mut self.levels).zip(&mut self.as_if) {
            if *end > len {
                *end -= len;
                *resume = compiled::Resume::default();
            } else {
                *end = 0;
                // The rest of an open gap is still one, as far as it was scanned.
                *resume = resume.in_gap_after(len);
            }
            *as_if = AsIf::default();
        }
    }

    /// Level `k`'s piece of `bytes[..text]` as if the input ended there, going on from the
    /// last such scan when the text only grew.
    fn as_if_ended(&mut self, level: &Compiled, k: usize, bytes: &[u8], text: usize) -> usize {
        let as_if = &mut self.as_if[k];
        if text < as_if.len {
            *as_if = AsIf::default();
        }
        as_if.len = text;
        // An open scan answers as if the input ended.
        level.scan_open(&bytes[..text], &mut as_if.resume).0.len.clamp(1, text)
    }

    /// The state to scan level `k`'s piece of `text` bytes with, complete: its open scan as
    /// if the input ended, when one read this text or less, else its open scan.
    fn complete(&self, k: usize, text: usize) -> compiled::Resume {
        let as_if = &self.as_if[k];
        match as_if.len > 0 && as_if.len <= text {
            true => as_if.resume,
            false => self.levels[k],
        }
    }
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
            _ => unreachable!("made a family's state just above"),
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
            _ => unreachable!("made a compiled state just above"),
        }
    }

    /// A sequence's state, starting afresh when it holds another kind's.
    fn nested(&mut self) -> &mut Nested {
        if !matches!(self, Scan::Sequence(_)) {
            *self = Scan::Sequence(Box::default());
        }
        match self {
            Scan::Sequence(nested) => nested,
            _ => unreachable!("made a sequence's state just above"),
        }
    }

    /// The hand-written scanner's state, if it holds one.
    pub fn as_family(&self) -> Option<Resume> {
        match self {
            Scan::Family(resume) => Some(*resume),
            Scan::Compiled(_) | Scan::Sequence(_) => None,
        }
    }

    /// The state for the piece after a piece of `len` bytes that a scan with this state found
    /// (and the caller took): afresh, but for a sequence's outer pieces that go on past it.
    #[inline(always)]
    pub fn after(self, len: usize) -> Scan {
        match self {
            Scan::Sequence(mut nested) => {
                nested.skip(len);
                Scan::Sequence(nested)
            }
            _ => Scan::default(),
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

    /// Whether a stream can scan it (a sequence of up to four splits).
    pub fn streams(&self) -> bool {
        !matches!(self, Pretok::Sequence(levels) if levels.len() > MAX_LEVELS)
    }

    /// Whether it is a sequence of several splits, whose scans carry the outer pieces from one
    /// piece to the next ([`Scan::after`]).
    pub fn nested(&self) -> bool {
        matches!(self, Pretok::Sequence(levels) if levels.len() > 1)
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
                _ => {
                    let (piece, is_final) = scan_nested(levels, bytes, eof, scan.nested());
                    is_final.then_some(piece)
                }
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
                _ => scan_nested(levels, bytes, false, scan.nested()),
            },
        }
    }
}

/// The piece of a sequence of splits at the start of non-empty `bytes`, and whether it is
/// final; not final, the piece as if the input ended (with `eof` it is final).
///
/// A piece of the last level is final when each level's piece around it is: one final at its
/// level (its text is then complete for the levels below), or an open gap, of which the part
/// where no match can start whatever follows is certain text for the levels below (the gap goes
/// on at least that far). An open match of an outer level can still end elsewhere, so nothing
/// inside it is final. `nested` keeps what each level found (see [`Nested`]).
fn scan_nested(levels: &[Compiled], bytes: &[u8], eof: bool, nested: &mut Nested) -> (Piece, bool) {
    // The text the level splits, and whether it is all of the piece around it.
    let (mut text, mut complete) = (bytes.len(), eof);
    for (k, level) in levels.iter().enumerate() {
        let known = nested.ends[k];
        if known > 0 {
            (text, complete) = (known.min(text), true);
            continue;
        }
        let piece = if complete {
            let mut resume = nested.complete(k, text);
            level.next_piece_resuming(&bytes[..text], true, &mut resume).map_or(text, |p| p.len)
        } else {
            let resume = &mut nested.levels[k];
            let (piece, is_final) = level.scan_open(&bytes[..text], resume);
            if !is_final {
                let certain = resume.certain_gap().min(text);
                if piece.kind == Kind::Gap && k + 1 < levels.len() && certain > 0 {
                    text = certain;
                    continue;
                }
                return (as_if_ended(levels, bytes, nested), false);
            }
            piece.len
        };
        let piece = piece.clamp(1, text);
        nested.ends[k] = piece;
        (text, complete) = (piece, true);
    }
    (Piece { len: text, kind: Kind::Match }, complete)
}

/// The first piece of `bytes` split by a sequence as if the input ended there, going on from
/// what `nested` knows.
fn as_if_ended(levels: &[Compiled], bytes: &[u8], nested: &mut Nested) -> Piece {
    let mut text = bytes.len();
    for (k, level) in levels.iter().enumerate() {
        let known = nested.ends[k];
        text = if known > 0 { known.min(text) } else { nested.as_if_ended(level, k, bytes, text) };
    }
    Piece { len: text, kind: Kind::Match }
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

    /// DeepSeek V3's three Splits, three where a piece inside an outer one starts at no
    /// boundary of the outer level (digits by three then two, CJK runs by three then two), and
    /// two where an open outer piece ends earlier once text follows.
    fn sequences() -> Vec<Pretok> {
        let deepseek = [
            r"\p{N}{1,3}",
            r"[一-龥぀-ゟ゠-ヿ]+",
            r"[!-/:-@\[-`{-~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
        ];
        let nested = [r"\p{N}{1,3}", r"[一-龥]{1,3}", r"\p{N}{1,2}|[一-龥]{1,2}|\s+(?!\S)|\s+|[a-z]+"];
        // Outer pieces whose end as if the input ended moves back when text follows.
        let shrinking = [r" ?[a-z1-9]+|\s+(?!\S)|\s+", r"[a-z]{1,2}|\s|\p{N}"];
        [&deepseek[..], &nested[..], &shrinking[..]]
            .iter()
            .map(|ps| Pretok::Sequence(ps.iter().map(|p| Compiled::new(p).unwrap()).collect::<Vec<_>>().into()))
            .collect()
    }

    /// The pieces of a sequence of splits that a stream finds when `text` arrives cut at
    /// `cuts`: after each cut, the pieces it took as final and the rest split as if the input
    /// ended there are the pieces of the text so far. With `fresh`, each push scans afresh from
    /// the first piece not taken (as a stream restored from a snapshot does).
    fn check_streamed(pretok: &Pretok, text: &str, cuts: &[usize], fresh: bool) {
        let bytes = text.as_bytes();
        let (mut taken, mut pos, mut scan): (Vec<&[u8]>, usize, Scan) = (vec![], 0, Scan::default());
        for &cut in cuts.iter().chain([&text.len()]) {
            if fresh {
                scan = Scan::default();
            }
            while pos < cut {
                let (piece, is_final) = pretok.scan_open(&bytes[pos..cut], &mut scan);
                if !is_final {
                    assert_eq!(piece.len, as_if(pretok, &bytes[pos..cut], &scan)[0].len(), "{text:?} at {cut}");
                    break;
                }
                taken.push(&bytes[pos..pos + piece.len]);
                pos += piece.len;
                scan = scan.after(piece.len);
            }
            let mut so_far = taken.clone();
            so_far.extend(as_if(pretok, &bytes[pos..cut], &scan));
            let whole: Vec<&[u8]> = pretok.pieces(&text[..cut]).map(|(p, _)| p).collect();
            assert_eq!(so_far, whole, "{text:?} cut at {cuts:?}, so far {cut}");
        }
    }

    /// The pieces of `bytes` as if the input ended there, going on from `scan`.
    fn as_if<'t>(pretok: &Pretok, bytes: &'t [u8], scan: &Scan) -> Vec<&'t [u8]> {
        let (mut pos, mut scan, mut out) = (0, scan.clone(), vec![]);
        while pos < bytes.len() {
            let len = pretok.next_piece_resuming(&bytes[pos..], true, &mut scan).unwrap().len;
            out.push(&bytes[pos..pos + len]);
            pos += len;
            scan = scan.after(len);
        }
        out
    }

    #[test]
    fn a_sequence_of_splits_streams_its_pieces() {
        let alphabet = ["1", "2", "中", "文", "ー", " ", "a", "\n", ".", "、"];
        let mut texts = vec![String::new()];
        let sequences = sequences();
        for _ in 0..4 {
            texts = texts.iter().flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}"))).collect();
            for t in &texts {
                let bounds: Vec<usize> = (1..t.len()).filter(|&i| t.is_char_boundary(i)).collect();
                for pretok in &sequences {
                    for fresh in [false, true] {
                        check_streamed(pretok, t, &bounds, fresh);
                        check_streamed(pretok, t, &[], fresh);
                    }
                }
            }
        }
        // Longer runs of each kind, a character at a time and in larger cuts.
        let text = "x 1234567 中文字符串中文字 a.b  \n\n 12 中文ーカナ、ひら 99999 end. ".repeat(3);
        let bounds: Vec<usize> = (1..text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        for pretok in &sequences {
            for fresh in [false, true] {
                check_streamed(pretok, &text, &bounds, fresh);
                check_streamed(pretok, &text, &bounds.iter().copied().step_by(7).collect::<Vec<_>>(), fresh);
            }
        }
    }
}
