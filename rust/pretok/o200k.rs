//! Scanner of o200k_base and o200k_harmony; the pattern's alternatives, in order:
//!
//! 1. `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
//! 2. `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
//! 3. `\p{N}{1,3}`
//! 4. ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
//! 5. `\s*[\r\n]+`
//! 6. `\s+(?!\S)`
//! 7. `\s+`
//!
//! The optional prefix of 1 and 2 is not possessive: the regex engine backtracks from taking it
//! to leaving it, and inside 1 from a long upper run to a shorter one; the scanner follows the
//! same order of attempts, so a mark or title-case letter splits exactly where tiktoken splits.

use super::{
    any, ascii, is_cr_lf, whitespace, NeedMore, Text, FAST_END, SITE_LOWER_RUN, SITE_LOWER_WORD, SITE_OTHER,
    SITE_OTHER_NEWLINES, SITE_UPPER_LOWER_RUN,
};
use crate::text::unicode::{folded_letter, Ch, CR_LF, LETTER, LOWERISH, NUMBER, SLASH, SPACE, UPPERISH};

/// `[^\r\n\p{L}\p{N}]`, the optional character in front of a word.
#[inline]
fn is_prefix(c: Ch) -> bool {
    !c.is(LETTER | NUMBER) && !is_cr_lf(c)
}

/// The most common piece in one pass over bytes: an optional ASCII prefix character,
/// `[A-Z]*[a-z]+`, then an ASCII byte other than `'` (which may start a contraction). Anything
/// else is left to the full scanner, and so is a word that reaches the end of a long buffer
/// (where a stream resumes the full scanner's loop instead of reading the word again).
#[inline]
fn ascii_word(b: &[u8]) -> Option<usize> {
    // Only the first FAST_END bytes: a long run is the resumable loops' work.
    let whole = b.len();
    let b = &b[..whole.min(FAST_END)];
    let c0 = *b.first()?;
    let i = usize::from(c0 < 0x80 && !c0.is_ascii_alphanumeric() && c0 != b'\r' && c0 != b'\n');
    let lower = ascii::upper_end(b, i);
    let i = ascii::lower_end(b, lower);
    match b.get(i) {
        Some(&c) if i > lower && c < 0x80 && c != b'\'' => Some(i),
        None if i > lower && whole <= FAST_END => Some(i),
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
    if let Some(n) = ascii::piece(t.bytes, true) {
        // A piece that reaches the end of the buffer goes on if more input may come.
        return t.found(n);
    }
    full(t)
}

/// The pattern's alternatives in order, over characters.
#[inline(never)]
pub(super) fn full(t: &Text) -> Result<usize, NeedMore> {
    let Some(c0) = t.peek(0)? else { return Ok(0) };
    let word_can_start = c0.is(LETTER | UPPERISH | LOWERISH) || is_prefix(c0);
    if word_can_start {
        let starts = [if is_prefix(c0) { Some(c0.len) } else { None }, Some(0)];
        // Where each start's upper run ends, as the failed `lower_word` found it.
        let mut upper_ends = [None, None];
        for (k, start) in starts.into_iter().enumerate() {
            let Some(start) = start else { continue };
            match lower_word(t, start)? {
                Ok(end) => return contraction(t, end),
                Err(upper_end) => upper_ends[k] = Some((start, upper_end)),
            }
        }
        for (start, upper_end) in upper_ends.into_iter().flatten() {
            if let Some(end) = upper_word(t, start, upper_end)? {
                return contraction(t, end);
            }
        }
    }
    if c0.is(NUMBER) {
        let mut end = c0.len;
        for _ in 0..2 {
            match t.peek(end)? {
                Some(c) if c.is(NUMBER) => end += c.len,
                _ => break,
            }
        }
        return Ok(end);
    }
    // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
    let is_other = |f: u8| f & (LETTER | NUMBER | SPACE) == 0;
    let start = if is_other(c0.flags) {
        Some(0)
    } else if c0.cp == 0x20 {
        match t.peek(1)? {
            Some(c1) if is_other(c1.flags) => Some(1),
            _ => None,
        }
    } else {
        None
    };
    if let Some(start) = start {
        let end = t.run(SITE_OTHER, start, is_other)?;
        return t.run(SITE_OTHER_NEWLINES, end, any(CR_LF | SLASH));
    }
    whitespace(t, true, false)
}

/// `[upper]*[lower]+` from `start`: the upper run, backtracked to its last character that is
/// also lower when what follows it is not lower. Without a match, the end of the upper run.
fn lower_word(t: &Text, start: usize) -> Result<Result<usize, usize>, NeedMore> {
    // `after_last_lower` is 0 for none (a word cannot end at offset 0).
    let (mut i, [mut after_last_lower, _]) = t.resumed(SITE_LOWER_WORD, start).unwrap_or((start, [0, 0]));
    loop {
        match t.peek_wide(i) {
            Ok(Some(c)) if c.is(UPPERISH) => {
                i += c.len;
                if c.is(LOWERISH) {
                    after_last_lower = i as u32;
                }
            }
            Ok(Some(c)) if c.is(LOWERISH) => return t.run(SITE_LOWER_RUN, i, any(LOWERISH)).map(Ok),
            Ok(found) => {
                if found.is_none() {
                    t.ended(SITE_LOWER_WORD, start, i, [after_last_lower, 0]);
                }
                return Ok(if after_last_lower > 0 { Ok(after_last_lower as usize) } else { Err(i) });
            }
            Err(NeedMore) => return Err(t.stopped(SITE_LOWER_WORD, start, i, [after_last_lower, 0])),
        }
    }
}

/// `[upper]+[lower]*` from `start`, whose upper run ends at `upper_end`.
fn upper_word(t: &Text, start: usize, upper_end: usize) -> Result<Option<usize>, NeedMore> {
    if upper_end == start {
        return Ok(None);
    }
    t.run(SITE_UPPER_LOWER_RUN, upper_end, any(LOWERISH)).map(Some)
}

/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)?` after a word that ends at `end`.
fn contraction(t: &Text, end: usize) -> Result<usize, NeedMore> {
    match t.peek(end)? {
        Some(c) if c.cp == u32::from(b'\'') => {}
        _ => return Ok(end),
    }
    let Some(c1) = t.peek(end + 1)? else { return Ok(end) };
    let second = match folded_letter(c1.cp) {
        b's' | b't' | b'm' | b'd' => return Ok(end + 1 + c1.len),
        b'l' => b'l',
        b'r' | b'v' => b'e',
        _ => return Ok(end),
    };
    Ok(match t.peek(end + 1 + c1.len)? {
        Some(c2) if folded_letter(c2.cp) == second => end + 1 + c1.len + c2.len,
        _ => end,
    })
}
