//! The pieces of ASCII text other than words, decided in one pass over bytes, for the cl100k and
//! o200k families.
//!
//! On ASCII the two patterns agree outside words (and cl100k's contractions) but for one class:
//! `\p{N}{1,3}`, then ` ?[^\s\p{L}\p{N}]+` with trailing `[\r\n]*` (o200k: `[\r\n/]*`), then
//! whitespace: up to the last `\r`/`\n` of a run, else the run but its last
//! character when something follows, else one character. Each rule is decided by the first byte
//! after the piece; when that byte is not ASCII (it may be a digit, a letter or a space of
//! another script) or not there (the buffer ends; at the end of a stream, `$` rules apply), the
//! caller's full scanner decides instead. A word, or a prefix character before a letter, is
//! the word scanner's.

use super::FAST_END;
use crate::text::unicode::{ASCII, CR_LF, LETTER, NUMBER, SPACE};

/// End of the piece at the start of `b` when it is made of ASCII and is no word; None when the
/// full scanner must decide. `slash`: whether `/` may follow a run of punctuation (o200k).
///
/// Digits and punctuation may reach the end of `b` (the answer is then `b.len()`, which the
/// caller treats as a read past the end: the piece is what it is if the input ends there).
#[inline]
pub(super) fn piece(b: &[u8], slash: bool) -> Option<usize> {
    let whole = b.len();
    let b = &b[..whole.min(FAST_END)];
    // Class bits of the byte at `i`, if it is there and ASCII.
    let class = |i: usize| b.get(i).filter(|&&c| c < 0x80).map(|&c| ASCII[c as usize]);
    // Whether `i` is the end of the whole buffer (not of its first FAST_END bytes).
    let at_end = |i: usize| i == whole;
    let is_other = |f: u8| f & (LETTER | NUMBER | SPACE) == 0;
    let c0 = class(0)?;
    if c0 & LETTER != 0 {
        return None;
    }
    if c0 & NUMBER != 0 {
        let mut i = 1;
        while i < 3 {
            match class(i) {
                Some(c) if c & NUMBER != 0 => i += 1,
                Some(_) => break,
                None if at_end(i) => break,
                None => return None,
            }
        }
        return Some(i);
    }
    if at_end(1) && is_other(c0) {
        // One punctuation character: as if the input ended, no word follows it.
        return Some(1);
    }
    let c1 = class(1)?;
    if c0 & CR_LF == 0 && c1 & LETTER != 0 {
        // A prefix character and a word.
        return None;
    }
    let run_start = if is_other(c0) {
        0
    } else if b[0] == b' ' && is_other(c1) {
        1
    } else {
        // Whitespace.
        let (mut j, mut after_newline) = (0, 0);
        loop {
            let c = class(j)?;
            if c & SPACE == 0 {
                break;
            }
            j += 1;
            if c & CR_LF != 0 {
                after_newline = j;
            }
        }
        return Some(if after_newline > 0 { after_newline } else { (j - 1).max(1) });
    };
    let mut i = run_start;
    loop {
        match class(i) {
            Some(c) if is_other(c) => i += 1,
            Some(_) => break,
            None if at_end(i) => return Some(i),
            None => return None,
        }
    }
    while b.get(i).is_some_and(|&c| c == b'\r' || c == b'\n' || (slash && c == b'/')) {
        i += 1;
    }
    // Newlines up to the end of the buffer may go on, and so may those up to FAST_END.
    (i < b.len() || at_end(i)).then_some(i)
}

/// End of the run of bytes from `i` that `fold` maps into `lo..=hi`: `fold` is the identity or
/// `| 0x20` (which folds ASCII upper case to lower case). Sixteen bytes are checked at a time.
#[inline(always)]
fn run_end(b: &[u8], mut i: usize, lo: u8, hi: u8, fold: u8) -> usize {
    #[cfg(target_arch = "x86_64")]
    while i + 16 <= b.len() {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; the load reads b[i..i + 16], inside `b`.
        let mask = unsafe {
            let v = _mm_or_si128(_mm_loadu_si128(b.as_ptr().add(i).cast()), _mm_set1_epi8(fold as i8));
            // In range: v - lo, as unsigned, is at most hi - lo.
            let off = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
            let inside = _mm_cmpeq_epi8(_mm_min_epu8(off, _mm_set1_epi8((hi - lo) as i8)), off);
            _mm_movemask_epi8(inside) as u32
        };
        let run = (!mask).trailing_zeros() as usize;
        i += run;
        if run < 16 {
            return i;
        }
    }
    while b.get(i).is_some_and(|&c| (lo..=hi).contains(&(c | fold))) {
        i += 1;
    }
    i
}

/// End of the run of `[a-z]` from `i`.
#[inline(always)]
pub(super) fn lower_end(b: &[u8], i: usize) -> usize {
    run_end(b, i, b'a', b'z', 0)
}

/// End of the run of `[A-Z]` from `i`.
#[inline(always)]
pub(super) fn upper_end(b: &[u8], i: usize) -> usize {
    run_end(b, i, b'A', b'Z', 0)
}

/// End of the run of `[A-Za-z]` from `i`.
#[inline(always)]
pub(super) fn alpha_end(b: &[u8], i: usize) -> usize {
    run_end(b, i, b'a', b'z', 0x20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_end_where_the_class_ends() {
        let text = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@[`{abcdefghijklmnopqrstuvwxyz";
        for i in 0..text.len() {
            for end in i..=text.len() {
                let b = &text[..end];
                let scalar = |pred: fn(&u8) -> bool| i + b[i..].iter().take_while(|c| pred(c)).count();
                assert_eq!(lower_end(b, i), scalar(u8::is_ascii_lowercase), "{i} {end}");
                assert_eq!(upper_end(b, i), scalar(u8::is_ascii_uppercase), "{i} {end}");
                assert_eq!(alpha_end(b, i), scalar(u8::is_ascii_alphabetic), "{i} {end}");
            }
        }
        // Bytes that `| 0x20` would fold into the range without being letters, and non-ASCII.
        for c in 0u8..=255 {
            let b = [c; 20];
            assert_eq!(alpha_end(&b, 0) > 0, c.is_ascii_alphabetic(), "{c}");
            assert_eq!(lower_end(&b, 0) > 0, c.is_ascii_lowercase(), "{c}");
            assert_eq!(upper_end(&b, 0) > 0, c.is_ascii_uppercase(), "{c}");
        }
    }

    #[test]
    fn rules_on_hand_made_cases() {
        let cases: &[(&str, Option<usize>)] = &[
            ("12345", Some(3)),
            ("12a", Some(2)),
            ("12", Some(2)),
            ("123", Some(3)),
            (",", Some(1)),
            ("!!", Some(2)),
            (" ,", Some(2)),
            ("!\u{e9}", None),
            ("1\u{663}", None),
            (", x", Some(1)),
            (" , x", Some(2)),
            ("...\n\nx", Some(5)),
            ("...\n\n", Some(5)),
            ("(word", None),
            ("\t.x", Some(1)),
            ("  \n  x", Some(3)),
            ("   x", Some(2)),
            (" 1", Some(1)),
            ("\nword", Some(1)),
            ("\r\n\r\nx", Some(4)),
            (" \u{a0}x", None),
            ("-\u{2014}", None),
            ("\u{1c}\u{1d} x", Some(2)),
        ];
        for &(text, want) in cases {
            assert_eq!(piece(text.as_bytes(), false), want, "{text:?}");
            assert_eq!(piece(text.as_bytes(), true), want, "{text:?}");
        }
        for (text, cl100k, o200k) in [("!\r//x", 2, 4), ("?\n/\nx", 2, 4)] {
            assert_eq!(piece(text.as_bytes(), false), Some(cl100k), "{text:?}");
            assert_eq!(piece(text.as_bytes(), true), Some(o200k), "{text:?}");
        }
    }
}
