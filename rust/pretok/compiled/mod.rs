//! A resumable pre-tokenizer compiled from a pattern: any tiktoken `pat_str` or Hugging Face
//! `Split` regex that it can run exactly, with the streaming contract of the hand-written
//! scanners.
//!
//! The pieces are those of fancy-regex's `find_iter` (tiktoken's engine): at each boundary the
//! first top-level alternative that matches there, with its backtracking-preferred match, and
//! where none matches, a gap up to the next position where one does (tiktoken drops gaps;
//! `Split` with `Isolated` keeps them). Runs of ordinary alternatives are dense DFAs with
//! leftmost-first semantics run anchored at the boundary; the look-ahead alternative that these
//! patterns share, `\s+(?!\S)`, is evaluated by hand (lower.rs says what is accepted, and why).

mod lower;
pub mod patterns;
#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use crate::text::unicode::decode_at_wide;
use lower::Part;
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};
use regex_syntax::hir::ClassUnicode;
use std::sync::atomic::{AtomicU32, Ordering};

/// Largest DFA built for one run of alternatives, in bytes.
const DFA_LIMIT: usize = 64 << 20;

/// Most parts a pattern has: ordinary alternatives, one look-ahead alternative, ordinary ones.
const MAX_PARTS: usize = 3;

/// Ids of compiled patterns, so that a [`Resume`] of another one is never trusted.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// A pre-tokenizer compiled from a pattern.
#[derive(Debug)]
pub struct Compiled {
    id: u32,
    pattern: String,
    parts: Vec<Engine>,
}

/// What a piece is: a match of the pattern, or text between matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A match of the pattern.
    Match,
    /// Text that no match covers (tiktoken drops it; `Split` with `Isolated` keeps it).
    Gap,
}

/// A piece at the start of the text: its byte length and its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Piece {
    /// Byte length.
    pub len: usize,
    /// Match or gap.
    pub kind: Kind,
}

/// Where a scan of a growing piece stopped for more input, so that the next scan of the same
/// piece goes on from there (as [`super::Resume`] does for the hand-written scanners).
///
/// It holds each part's progress: its DFA state, how far it read, and the longest match it
/// saw. The text only grows and every part reads it forwards, so going on from the saved state
/// takes the path a scan from the start would take; a piece pushed a byte at a time is read
/// once per part in all. The default value is valid and means "from the start".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resume {
    /// The [`Compiled::id`] it belongs to; 0: none.
    owner: u32,
    /// Where the candidate match after a gap starts; 0: no gap is being scanned.
    gap_at: usize,
    parts: [PartState; MAX_PARTS],
}

impl Resume {
    /// How far the gap that a scan found at the start of the text is certain to go: no match
    /// starts before it, whatever follows (0 when no gap is).
    pub fn certain_gap(&self) -> usize {
        self.gap_at
    }

    /// The state of a scan from `len` bytes further on: the rest of the gap this one found
    /// certain, when it reaches past there (no match starts inside it wherever a scan begins),
    /// else from the start.
    pub fn in_gap_after(&self, len: usize) -> Resume {
        match self.gap_at > len {
            true => Resume { owner: self.owner, gap_at: self.gap_at - len, ..Resume::default() },
            false => Resume::default(),
        }
    }
}

/// The progress of one part anchored at one position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct PartState {
    status: u8,
    /// Offset read up to.
    pos: usize,
    /// DFA: the state there; look-ahead part: where the run's last character starts.
    state: usize,
    /// End of the longest match known to exist; 0: none (no match is empty).
    last: usize,
}

const FRESH: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;

/// One part, ready to run.
#[derive(Debug)]
enum Engine {
    Dfa(Box<Dfa>),
    Trailing(CharSet),
}

/// A dense DFA of ordinary alternatives.
#[derive(Debug)]
struct Dfa {
    dfa: dense::DFA<Vec<u32>>,
    start: StateID,
    /// By state index: what every continuation has in common at the end of the text so far.
    settled: Vec<Settled>,
}

/// What every continuation has in common from a DFA state at the end of the text so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Settled {
    /// Nothing.
    #[default]
    No,
    /// A match ends here (reported by any next byte or the end), and a longer one may follow.
    Matched,
    /// The answer is the longest match seen so far (or none): the DFA dies on any next byte.
    Keep,
    /// The answer is a match that ends here: any next byte (or the end) reports it, nothing longer.
    AtEnd,
}

/// The outcome of running one part over the text so far: final, or open with the answer it
/// would give if the input ended here. Offsets are from the start of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Final(Option<usize>),
    Open(Option<usize>),
}

/// The outcome of a scan of the piece at the start of the text.
enum Scan {
    Final(Piece),
    /// Not final; the piece as if the input ended here.
    Open(Piece),
    More,
}

impl Compiled {
    /// Compiles `pattern`; refuses, naming the construct, what it cannot run exactly.
    pub fn new(pattern: &str) -> Result<Compiled> {
        let parts = lower::lower(pattern)?;
        if parts.len() > MAX_PARTS {
            return Err(Error::UnsupportedPattern(format!("more than {MAX_PARTS} runs of alternatives")));
        }
        let parts = parts
            .into_iter()
            .map(|part| match part {
                Part::Dfa(hir) => Dfa::new(&hir).map(|d| Engine::Dfa(Box::new(d))),
                Part::Trailing(class) => Ok(Engine::Trailing(CharSet::new(&class))),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Compiled { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), pattern: pattern.to_string(), parts })
    }

    /// The pattern it was compiled from.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The piece that starts at `bytes[0]`, or `None` when more input could change it.
    /// `bytes` must be valid UTF-8; with `eof` there is always an answer (of length 0 for no
    /// bytes).
    pub fn next_piece(&self, bytes: &[u8], eof: bool) -> Option<Piece> {
        self.next_piece_resuming(bytes, eof, &mut Resume::default())
    }

    /// [`Compiled::next_piece`] for a piece scanned before with less text: `resume` is what
    /// that scan saved (or the default), and is updated. The caller keeps it only while the
    /// piece's start and the text before stay the same.
    pub fn next_piece_resuming(&self, bytes: &[u8], eof: bool, resume: &mut Resume) -> Option<Piece> {
        if bytes.is_empty() {
            return eof.then_some(Piece { len: 0, kind: Kind::Match });
        }
        if eof && *resume == Resume::default() {
            return Some(self.whole_piece(bytes));
        }
        match self.scan(bytes, eof, false, resume) {
            Scan::Final(piece) => Some(piece),
            Scan::Open(_) | Scan::More => None,
        }
    }

    /// One scan of the piece at the start of non-empty `bytes` for text that may go on: the
    /// piece as if the input ended here, and whether it is final (no continuation can change
    /// it, exactly when [`Compiled::next_piece_resuming`] answers). `resume` is updated as that
    /// one updates it.
    pub fn scan_open(&self, bytes: &[u8], resume: &mut Resume) -> (Piece, bool) {
        match self.scan(bytes, false, true, resume) {
            Scan::Final(piece) => (piece, true),
            Scan::Open(piece) => (piece, false),
            // An open scan always answers; an empty text is an empty gap.
            Scan::More => (Piece { len: bytes.len(), kind: Kind::Gap }, false),
        }
    }

    /// Heap bytes its DFAs and tables take.
    pub fn memory_usage(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Engine::Dfa(d) => d.dfa.memory_usage() + d.settled.capacity(),
                Engine::Trailing(set) => set.ranges.capacity() * std::mem::size_of::<(u32, u32)>(),
            })
            .sum()
    }

    /// The pieces of a complete text, in order, gaps included.
    pub fn pieces<'t>(&self, text: &'t str) -> Pieces<'_, 't> {
        Pieces { compiled: self, rest: text.as_bytes() }
    }

    /// [`Compiled::pieces`] of the UTF-8 text `bytes` (a piece of a text, cut where a piece of
    /// another pre-tokenizer ends: on a character boundary).
    pub(crate) fn pieces_of<'t>(&self, bytes: &'t [u8]) -> Pieces<'_, 't> {
        Pieces { compiled: self, rest: bytes }
    }

    /// The piece at the start of a complete non-empty text: [`Compiled::scan`] with nothing to
    /// resume or save.
    #[inline]
    fn whole_piece(&self, bytes: &[u8]) -> Piece {
        for part in &self.parts {
            if let Outcome::Final(Some(n)) = part.advance(bytes, 0, true, &mut PartState::default()) {
                return matched(n);
            }
        }
        gap(self.gap_end_at_eof(bytes, char_len(bytes, 0)))
    }

    fn scan(&self, bytes: &[u8], eof: bool, open: bool, resume: &mut Resume) -> Scan {
        let len = bytes.len();
        // A gap may have stepped over a character cut at the end (at most 4 bytes long).
        let stale = resume.owner != self.id || resume.gap_at > len + 3 || resume.parts.iter().any(|p| p.pos > len);
        if stale {
            *resume = Resume { owner: self.id, ..Resume::default() };
        }
        if resume.gap_at == 0 {
            // The first part that matches here wins; one still open decides nothing yet.
            let mut undecided = false;
            for (part, state) in self.parts.iter().zip(resume.parts.iter_mut()) {
                match part.advance(bytes, 0, eof, state) {
                    Outcome::Final(Some(n)) if !undecided => return Scan::Final(matched(n)),
                    Outcome::Final(Some(n)) | Outcome::Open(Some(n)) if open => return Scan::Open(matched(n)),
                    Outcome::Final(None) => {}
                    Outcome::Open(None) if open => undecided = true,
                    Outcome::Final(Some(_)) | Outcome::Open(_) => return Scan::More,
                }
            }
            if undecided {
                return Scan::Open(gap(self.gap_end_at_eof(bytes, char_len(bytes, 0))));
            }
            // Nothing matches here, whatever follows: a gap up to where something does.
            *resume = Resume { owner: self.id, gap_at: char_len(bytes, 0), ..Resume::default() };
        }
        self.scan_gap(bytes, eof, open, resume)
    }

    /// A gap that starts at 0 and goes at least to `resume.gap_at`: it ends where a match
    /// starts, which is certain once any part has seen one (the winner's extent does not matter).
    fn scan_gap(&self, bytes: &[u8], eof: bool, open: bool, resume: &mut Resume) -> Scan {
        let len = bytes.len();
        loop {
            let at = resume.gap_at;
            if at >= len {
                // The gap reaches the end of the text so far (or a character cut there).
                return match (eof, open) {
                    (true, _) => Scan::Final(gap(len)),
                    (false, true) => Scan::Open(gap(len)),
                    (false, false) => Scan::More,
                };
            }
            let (mut undecided, mut at_eof) = (false, false);
            for (part, state) in self.parts.iter().zip(resume.parts.iter_mut()) {
                let outcome = part.advance(bytes, at, eof, state);
                if state.last > 0 {
                    return Scan::Final(gap(at));
                }
                if let Outcome::Open(as_if) = outcome {
                    undecided = true;
                    at_eof |= as_if.is_some();
                }
            }
            if !undecided {
                let next = at + char_len(bytes, at);
                *resume = Resume { owner: self.id, gap_at: next, ..Resume::default() };
                continue;
            }
            if !open {
                return Scan::More;
            }
            return Scan::Open(gap(if at_eof { at } else { self.gap_end_at_eof(bytes, at + char_len(bytes, at)) }));
        }
    }

    /// Where a gap would end if the input ended here: the first position from `from` on
    /// where a part matches. Read again on every call; only patterns with gaps get here.
    fn gap_end_at_eof(&self, bytes: &[u8], from: usize) -> usize {
        let mut at = from;
        while at < bytes.len() {
            for part in &self.parts {
                if let Outcome::Final(Some(_)) = part.advance(bytes, at, true, &mut PartState::default()) {
                    return at;
                }
            }
            at += char_len(bytes, at);
        }
        bytes.len()
    }
}

fn matched(len: usize) -> Piece {
    Piece { len, kind: Kind::Match }
}

fn gap(len: usize) -> Piece {
    Piece { len, kind: Kind::Gap }
}

/// Byte length of the character that starts at `bytes[at]`, from its first byte. It may reach
/// past the text so far: a gap then resumes after the whole character, never inside it.
fn char_len(bytes: &[u8], at: usize) -> usize {
    match bytes[at] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xff => 4,
        // A continuation byte where a character should start: not UTF-8; step over it.
        _ => 1,
    }
}

impl Engine {
    /// Runs the part anchored at `at` over the text so far, from where `state` stopped.
    #[inline]
    fn advance(&self, bytes: &[u8], at: usize, eof: bool, state: &mut PartState) -> Outcome {
        if state.status == DONE {
            return Outcome::Final(end(state.last));
        }
        match self {
            Engine::Dfa(dfa) => dfa.advance(bytes, at, eof, state),
            Engine::Trailing(set) => set.advance(bytes, at, eof, state),
        }
    }
}

fn end(last: usize) -> Option<usize> {
    (last > 0).then_some(last)
}

fn done(state: &mut PartState, last: usize) -> Outcome {
    state.status = DONE;
    state.last = last;
    Outcome::Final(end(last))
}

impl Dfa {
    fn new(hir: &regex_syntax::hir::Hir) -> Result<Dfa> {
        let too_big = |e: &dyn std::fmt::Display| Error::UnsupportedPattern(format!("no DFA for it: {e}"));
        let nfa = thompson::Compiler::new()
            .configure(thompson::Config::new().which_captures(thompson::WhichCaptures::None))
            .build_from_hir(hir)
            .map_err(|e| too_big(&e))?;
        let config = dense::Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .start_kind(StartKind::Anchored)
            // The scan loop treats every special state as match, dead or quit.
            .accelerate(false)
            .dfa_size_limit(Some(DFA_LIMIT))
            .determinize_size_limit(Some(DFA_LIMIT));
        let dfa = dense::Builder::new().configure(config).build_from_nfa(&nfa).map_err(|e| too_big(&e))?;
        // Without look-behind assertions (refused) the start state depends on nothing.
        let start = dfa.start_state(&start::Config::new().anchored(Anchored::Yes)).map_err(|e| too_big(&e))?;
        let settled = settled_states(&dfa, start);
        Ok(Dfa { dfa, start, settled })
    }

    #[inline]
    fn advance(&self, bytes: &[u8], at: usize, eof: bool, state: &mut PartState) -> Outcome {
        let dfa = &self.dfa;
        let (mut sid, mut i) =
            if state.status == FRESH { (self.start, at) } else { (StateID::new_unchecked(state.state), state.pos) };
        let mut last = state.last;
        while let Some(&b) = bytes.get(i) {
            sid = dfa.next_state(sid, b);
            i += 1;
            #[cfg(test)]
            tests::count_read(1);
            // Match states are reported one byte late: this one says a match ends before `b`.
            if dfa.is_special_state(sid) {
                if dfa.is_match_state(sid) {
                    last = i - 1;
                } else {
                    // Dead (no quit bytes are configured, nor acceleration).
                    return done(state, last);
                }
            }
        }
        if eof {
            if dfa.is_match_state(dfa.next_eoi_state(sid)) {
                last = i;
            }
            return done(state, last);
        }
        match self.settled.get(sid.as_usize() >> dfa.stride2()).copied().unwrap_or_default() {
            Settled::Keep => return done(state, last),
            Settled::AtEnd => return done(state, i),
            // Known to exist now, which is what ends a gap.
            Settled::Matched => last = i,
            Settled::No => {}
        }
        *state = PartState { status: RUNNING, pos: i, state: sid.as_usize(), last };
        Outcome::Open(if dfa.is_match_state(dfa.next_eoi_state(sid)) { Some(i) } else { end(last) })
    }
}

/// What is settled in the states of a DFA reachable from `start`.
///
/// At the end of the text so far a DFA that is not dead may still be decided: when every next
/// byte kills it (the match seen so far stands), or when every next byte, and the end of the
/// input, reports a match that ends here and then kills it. Knowing that, a piece is final as
/// soon as the hand-written scanners would call it final, not a byte or two later. And where
/// every next byte reports a match that ends here, one exists whatever follows.
fn settled_states(dfa: &dense::DFA<Vec<u32>>, start: StateID) -> Vec<Settled> {
    let bytes: Vec<u8> = dfa.byte_classes().representatives(..).filter_map(|unit| unit.as_u8()).collect();
    // State ids are indices times the stride; the table takes at least 4 bytes per transition.
    let index = |s: StateID| s.as_usize() >> dfa.stride2();
    let count = ((dfa.memory_usage() / 4) >> dfa.stride2()) + 1;
    let mut seen = vec![false; count];
    seen[index(start)] = true;
    let mut stack = vec![start];
    let mut states = Vec::new();
    while let Some(s) = stack.pop() {
        states.push(s);
        for &b in &bytes {
            let t = dfa.next_state(s, b);
            if !seen[index(t)] {
                seen[index(t)] = true;
                stack.push(t);
            }
        }
    }
    let eoi_match = |s: StateID| dfa.is_match_state(dfa.next_eoi_state(s));
    let mut dies: Vec<Option<bool>> = vec![None; count];
    let mut settled = vec![Settled::No; states.iter().map(|&s| index(s) + 1).max().unwrap_or(0)];
    for s in states.into_iter().filter(|&s| !dfa.is_dead_state(s)) {
        let mut answer = Some(if eoi_match(s) { Settled::AtEnd } else { Settled::Keep });
        for &b in &bytes {
            let t = dfa.next_state(s, b);
            let this = if dfa.is_dead_state(t) {
                Some(Settled::Keep)
            } else if dfa.is_match_state(t)
                && *dies[index(t)].get_or_insert_with(|| {
                    !eoi_match(t) && bytes.iter().all(|&c| dfa.is_dead_state(dfa.next_state(t, c)))
                })
            {
                Some(Settled::AtEnd)
            } else {
                None
            };
            if this != answer {
                answer = None;
                break;
            }
        }
        let matched = eoi_match(s) && bytes.iter().all(|&b| dfa.is_match_state(dfa.next_state(s, b)));
        settled[index(s)] = answer.unwrap_or(if matched { Settled::Matched } else { Settled::No });
    }
    settled
}

/// A set of characters, for the run of a look-ahead alternative.
#[derive(Debug)]
struct CharSet {
    ascii: u128,
    /// Inclusive ranges of code points above ASCII, sorted.
    ranges: Vec<(u32, u32)>,
}

impl CharSet {
    fn new(class: &ClassUnicode) -> CharSet {
        let mut ascii = 0u128;
        let mut ranges = Vec::new();
        for range in class.iter() {
            let (lo, hi) = (u32::from(range.start()), u32::from(range.end()));
            for c in lo..=hi.min(127) {
                ascii |= 1 << c;
            }
            if hi >= 128 {
                ranges.push((lo.max(128), hi));
            }
        }
        CharSet { ascii, ranges }
    }

    #[inline]
    fn contains(&self, cp: u32) -> bool {
        if cp < 128 {
            return self.ascii >> cp & 1 != 0;
        }
        let i = self.ranges.partition_point(|&(_, hi)| hi < cp);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= cp)
    }

    /// `C+(?!D)` anchored at `at`: the run of the set, less its last character where a
    /// character outside the set follows (none then for a run of one), all of it at the end of
    /// the input. Its state is the offset where the run's last character starts.
    fn advance(&self, bytes: &[u8], at: usize, eof: bool, state: &mut PartState) -> Outcome {
        let (mut i, mut last_start) = if state.status == FRESH { (at, at) } else { (state.pos, state.state) };
        while i < bytes.len() {
            let c = decode_at_wide(bytes, i);
            // A character cut at the end of the text so far is read when it is whole.
            if i + c.len > bytes.len() && !eof {
                break;
            }
            if !self.contains(c.cp) {
                return done(state, if last_start > at { last_start } else { 0 });
            }
            last_start = i;
            i += c.len;
            #[cfg(test)]
            tests::count_read(c.len);
        }
        if eof {
            return done(state, if i > at { i.min(bytes.len()) } else { 0 });
        }
        // A run of two or more has a match whatever follows (the run less one character, or
        // more); a longer run or the end of the input may still lengthen it.
        let known = if last_start > at { last_start } else { 0 };
        *state = PartState { status: RUNNING, pos: i, state: last_start, last: known };
        Outcome::Open((i > at).then_some(i))
    }
}

/// Iterator over the pieces of a complete text, gaps included.
pub struct Pieces<'c, 't> {
    compiled: &'c Compiled,
    rest: &'t [u8],
}

impl<'t> Iterator for Pieces<'_, 't> {
    type Item = (&'t [u8], Kind);

    fn next(&mut self) -> Option<(&'t [u8], Kind)> {
        if self.rest.is_empty() {
            return None;
        }
        let piece = self.compiled.next_piece(self.rest, true)?;
        let (text, rest) = self.rest.split_at(piece.len.clamp(1, self.rest.len()));
        self.rest = rest;
        Some((text, piece.kind))
    }
}
