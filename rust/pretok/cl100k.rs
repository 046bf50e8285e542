//! Scanner of cl100k_base:
//! `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`

use super::{
    any, ascii, is_cr_lf, whitespace, NeedMore, Text, FAST_END, SITE_LETTERS, SITE_OTHER, SITE_OTHER_NEWLINES,
    SITE_SPACE_LETTERS,
};
use crate::text::unicode::{folded_letter, CR_LF, LETTER, NUMBER, SPACE};

/// Neither letter, number nor whitespace, from class bits.
#[inline]
fn is_other(f: u8) -> bool {
    f & (LETTER | NUMBER | SPACE) == 0
}

/// The most common piece in one pass over bytes: an optional ASCII prefix character other
/// than `'` (which may start a contraction), `[A-Za-z]+`, then an ASCII byte. Anything else is
/// left to the full scanner, and so is a word that reaches the end of a long buffer (where a
/// stream resumes the full scanner's loop instead of reading the word again).
#[inline]
fn ascii_word(b: &[u8]) -> Option<usize> {
    // Only the first FAST_END bytes: a long run is the resumable loops' work.
    let whole = b.len();
    let b = &b[..whole.min(FAST_END)];
    let c0 = *b.first()?;
    if c0 >= 0x80 || c0 == b'\'' {
        return None;
    }
    let start = usize::from(!c0.is_ascii_alphanumeric() && c0 != b'\r' && c0 != b'\n');
    let i = ascii::alpha_end(b, start);
    match b.get(i) {
        Some(&c) if i > start && c < 0x80 => Some(i),
        None if i > start && whole <= FAST_END => Some(i),
        _ => None,
    }
}

/// End of the piece that starts at offset 0: the passes over ASCII bytes, then the full
/// scanner (kept out of line, so that what callers inline is the short common path).
pub(super) fn piece(t: &Text) -> Result<usize, NeedMore> {
    if let Some(n) = ascii_word(t.bytes) {
        // A word that reaches the end of the buffer goes on if more input may come.
        return t.found(n);
    }
    if let Some(n) = ascii::piece(t.bytes, false) {
        // A piece that reaches the end of the buffer goes on if more input may come.
        return t.found(n);
    }
    full(t)
}

/// The pattern's alternatives in order, over characters.
#[inline(never)]
pub(super) fn full(t: &Text) -> Result<usize, NeedMore> {
    let Some(c0) = t.peek(0)? else { return Ok(0) };
    if c0.cp == u32::from(b'\'') {
        if let Some(n) = contraction(t)? {
            return Ok(n);
        }
    }
    if c0.is(LETTER) {
        return t.run(SITE_LETTERS, 0, any(LETTER));
    }
    if c0.is(NUMBER) {
        // `\p{N}{1,3}+`
        let mut end = c0.len;
        for _ in 0..2 {
            match t.peek(end)? {
                Some(c) if c.is(NUMBER) => end += c.len,
                _ => break,
            }
        }
        return Ok(end);
    }
    // `[^\r\n\p{L}\p{N}]?+\p{L}++`: one leading non-letter, non-newline joins a word.
    let c1 = if is_cr_lf(c0) { None } else { t.peek(c0.len)? };
    if let Some(c1) = c1 {
        if c1.is(LETTER) {
            return t.run(SITE_SPACE_LETTERS, c0.len, any(LETTER));
        }
    }
    // ` ?[^\s\p{L}\p{N}]++[\r\n]*+`
    let start = match (c0.cp, c1) {
        (_, _) if is_other(c0.flags) => Some(0),
        (0x20, Some(c1)) if is_other(c1.flags) => Some(1),
        _ => None,
    };
    if let Some(start) = start {
        let end = t.run(SITE_OTHER, start, is_other)?;
        return t.run(SITE_OTHER_NEWLINES, end, any(CR_LF));
    }
    whitespace(t, true, true)
}

/// `'(?i:[sdmt]|ll|ve|re)`; `None` when it does not match.
fn contraction(t: &Text) -> Result<Option<usize>, NeedMore> {
    let Some(c1) = t.peek(1)? else { return Ok(None) };
    let second = match folded_letter(c1.cp) {
        b's' | b'd' | b'm' | b't' => return Ok(Some(1 + c1.len)),
        b'l' => b'l',
        b'v' | b'r' => b'e',
        _ => return Ok(None),
    };
    Ok(match t.peek(1 + c1.len)? {
        Some(c2) if folded_letter(c2.cp) == second => Some(1 + c1.len + c2.len),
        _ => None,
    })
}
