//! Scanner of r50k_base / p50k_base / p50k_edit:
//! `'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s`

use super::{whitespace, NeedMore, Text, FAST_END, SITE_RUN};
use crate::text::unicode::{LETTER, NUMBER, SPACE};

/// Letter, number, whitespace or (0) anything else: the classes whose runs form pieces.
#[inline]
fn kind(flags: u8) -> u8 {
    flags & (LETTER | NUMBER | SPACE)
}

/// The most common piece in one pass over bytes: an optional space, `[A-Za-z]+`, then an
/// ASCII byte. Anything else is left to the full scanner, and so is a word that reaches the end
/// of a long buffer (where a stream resumes the full scanner's loop instead of reading it again).
#[inline]
fn ascii_word(b: &[u8]) -> Option<usize> {
    // Only the first FAST_END bytes: a long run is the resumable loops' work.
    let whole = b.len();
    let b = &b[..whole.min(FAST_END)];
    let start = usize::from(*b.first()? == b' ');
    let mut i = start;
    while b.get(i).is_some_and(u8::is_ascii_alphabetic) {
        i += 1;
    }
    match b.get(i) {
        Some(&c) if i > start && c < 0x80 => Some(i),
        None if i > start && whole <= FAST_END => Some(i),
        _ => None,
    }
}

/// End of the piece that starts at offset 0.
pub(super) fn piece(t: &Text) -> Result<usize, NeedMore> {
    if let Some(n) = ascii_word(t.bytes) {
        // A word that reaches the end of the buffer goes on if more input may come.
        return t.found(n);
    }
    let Some(c0) = t.peek(0)? else { return Ok(0) };
    if c0.cp == u32::from(b'\'') {
        if let Some(n) = contraction(t)? {
            return Ok(n);
        }
    }
    // ` ?\p{L}++`, ` ?\p{N}++`, ` ?[^\s\p{L}\p{N}]++`: a space joins a following run.
    let (start, first) = match (c0.cp, kind(c0.flags)) {
        (0x20, _) => match t.peek(1)? {
            Some(c1) if kind(c1.flags) != SPACE => (1, c1),
            _ => return whitespace(t, false, true),
        },
        (_, SPACE) => return whitespace(t, false, true),
        _ => (0, c0),
    };
    let k = kind(first.flags);
    t.run(SITE_RUN, start, |f| kind(f) == k)
}

/// `'(?:[sdmt]|ll|ve|re)`, case-sensitive; `None` when it does not match.
fn contraction(t: &Text) -> Result<Option<usize>, NeedMore> {
    let Some(c1) = t.peek(1)? else { return Ok(None) };
    let second = match char::from_u32(c1.cp) {
        Some('s' | 'd' | 'm' | 't') => return Ok(Some(2)),
        Some('l') => 'l',
        Some('v' | 'r') => 'e',
        _ => return Ok(None),
    };
    Ok(match t.peek(2)? {
        Some(c2) if c2.cp == second as u32 => Some(3),
        _ => None,
    })
}
