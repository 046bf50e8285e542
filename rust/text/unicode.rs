//! Character classes of the pre-tokenizer patterns, looked up per code point.
//!
//! The tables come from `regex-syntax` at build time (see `build.rs`), the crate family behind
//! tiktoken's regex engine, so `\p{L}`, `\p{N}`, `\s`, ... mean exactly what they mean there.

mod tables {
    include!(concat!(env!("OUT_DIR"), "/unicode_tables.rs"));
}

pub(crate) use tables::folded_letter;

/// `\p{L}`.
pub const LETTER: u8 = 1;
/// `\p{N}`.
pub const NUMBER: u8 = 2;
/// `\s` (the White_Space property).
pub const SPACE: u8 = 4;
/// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`, o200k's leading letter class.
pub const UPPERISH: u8 = 8;
/// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`, o200k's trailing letter class.
pub const LOWERISH: u8 = 16;
/// `\p{M}`.
pub const MARK: u8 = 32;
/// `\r` or `\n` (ASCII only; the tables never set it).
pub const CR_LF: u8 = 64;
/// `/` (ASCII only; the tables never set it).
pub const SLASH: u8 = 128;

/// Class bits of every ASCII code point, to skip the table walk on the common path.
pub(crate) static ASCII: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = if b.is_ascii_uppercase() {
            LETTER | UPPERISH
        } else if b.is_ascii_lowercase() {
            LETTER | LOWERISH
        } else if b.is_ascii_digit() {
            NUMBER
        } else if matches!(b, b'\n' | b'\r') {
            SPACE | CR_LF
        } else if matches!(b, b' ' | b'\t' | 0x0b | 0x0c) {
            SPACE
        } else if b == b'/' {
            SLASH
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Class bits of code point `cp`.
#[inline]
pub fn flags(cp: u32) -> u8 {
    if cp < 128 {
        return ASCII[cp as usize];
    }
    let block = tables::BLOCK_INDEX[(cp >> 8) as usize] as usize;
    tables::BLOCKS[(block << 8) | (cp & 0xff) as usize]
}

/// One decoded character: its code point, its UTF-8 length and its class bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ch {
    /// The code point.
    pub cp: u32,
    /// Its length in UTF-8 bytes.
    pub len: usize,
    /// Its class bits.
    pub flags: u8,
}

impl Ch {
    /// Whether the character is in any of the classes of `bits`.
    #[inline]
    pub fn is(self, bits: u8) -> bool {
        self.flags & bits != 0
    }
}

/// Decodes the character that starts at `s[i]`; `s` must be valid UTF-8 and `i` a boundary.
#[inline(always)]
pub fn decode_at(s: &[u8], i: usize) -> Ch {
    let b0 = s[i];
    if b0 < 0x80 {
        return Ch { cp: b0 as u32, len: 1, flags: ASCII[b0 as usize] };
    }
    // Three bytes (most of CJK, Thai, Indic scripts) inline as well.
    if let (0xe0..=0xef, Some(&[b1, b2])) = (b0, s.get(i + 1..i + 3)) {
        let cp = ((b0 & 0x0f) as u32) << 12 | ((b1 & 0x3f) as u32) << 6 | (b2 & 0x3f) as u32;
        let block = tables::BLOCK_INDEX[(cp >> 8) as usize] as usize;
        return Ch { cp, len: 3, flags: tables::BLOCKS[(block << 8) | (cp & 0xff) as usize] };
    }
    decode_multi(s, i, b0)
}

/// [`decode_at`] with two-byte characters (Cyrillic, Greek, Hebrew, Arabic, accented Latin)
/// inline too, for the loops over the letters of a word and over runs of a class; the
/// scanners' other reads keep the smaller one.
#[inline(always)]
pub fn decode_at_wide(s: &[u8], i: usize) -> Ch {
    let b0 = s[i];
    if b0 < 0x80 {
        return Ch { cp: b0 as u32, len: 1, flags: ASCII[b0 as usize] };
    }
    if b0 < 0xe0 {
        if let Some(&b1) = s.get(i + 1) {
            let cp = ((b0 & 0x1f) as u32) << 6 | (b1 & 0x3f) as u32;
            let block = tables::BLOCK_INDEX[(cp >> 8) as usize] as usize;
            return Ch { cp, len: 2, flags: tables::BLOCKS[(block << 8) | (cp & 0xff) as usize] };
        }
    } else if let (0xe0..=0xef, Some(&[b1, b2])) = (b0, s.get(i + 1..i + 3)) {
        let cp = ((b0 & 0x0f) as u32) << 12 | ((b1 & 0x3f) as u32) << 6 | (b2 & 0x3f) as u32;
        let block = tables::BLOCK_INDEX[(cp >> 8) as usize] as usize;
        return Ch { cp, len: 3, flags: tables::BLOCKS[(block << 8) | (cp & 0xff) as usize] };
    }
    decode_multi(s, i, b0)
}

/// [`decode_at`] of a character of two to four bytes, whose first is `b0`.
#[inline(never)]
fn decode_multi(s: &[u8], i: usize, b0: u8) -> Ch {
    let cont = |k: usize| (s.get(i + k).copied().unwrap_or(0x80) & 0x3f) as u32;
    let (cp, len) = if b0 < 0xe0 {
        (((b0 & 0x1f) as u32) << 6 | cont(1), 2)
    } else if b0 < 0xf0 {
        (((b0 & 0x0f) as u32) << 12 | cont(1) << 6 | cont(2), 3)
    } else {
        ((((b0 & 0x07) as u32) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3)).min(0x10ffff), 4)
    };
    Ch { cp, len, flags: flags(cp) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_hard_characters() {
        assert_eq!(flags('a' as u32), LETTER | LOWERISH);
        assert_eq!(flags('\u{01c5}' as u32), LETTER | UPPERISH); // Lt: ǅ
        assert_eq!(flags('\u{02b0}' as u32), LETTER | UPPERISH | LOWERISH); // Lm: ʰ
        assert_eq!(flags('\u{0301}' as u32), MARK | UPPERISH | LOWERISH);
        assert_eq!(flags('\u{00bd}' as u32), NUMBER); // No: ½
        assert_eq!(flags('\u{3000}' as u32), SPACE);
        assert_eq!(flags('\u{0085}' as u32), SPACE);
        assert_eq!(flags('\u{200b}' as u32), 0); // zero width space is not \s
    }

    #[test]
    fn apostrophe_s_folds_long_s_too() {
        assert_eq!(folded_letter('S' as u32), b's');
        assert_eq!(folded_letter('\u{017f}' as u32), b's');
        assert_eq!(folded_letter('K' as u32), 0);
    }

    #[test]
    fn wide_decoding_agrees_on_every_character_and_cut() {
        for cp in (0..=0x10ffff).filter_map(char::from_u32) {
            let mut buf = [0u8; 6];
            let n = cp.encode_utf8(&mut buf[1..]).len();
            buf[0] = b'x';
            // Whole, followed by more text, and cut short as at the end of a buffer.
            for s in [&buf[..], &buf[..1 + n], &buf[..n]] {
                assert_eq!(decode_at_wide(s, 1.min(s.len() - 1)), decode_at(s, 1.min(s.len() - 1)), "{cp:?}");
            }
            assert_eq!(decode_at_wide(&buf, 1), Ch { cp: cp as u32, len: n, flags: flags(cp as u32) });
        }
    }

    #[test]
    fn decodes_every_width() {
        let s = "a\u{e9}\u{4e2d}\u{1f600}".as_bytes();
        let mut i = 0;
        let mut cps = Vec::new();
        while i < s.len() {
            let c = decode_at(s, i);
            cps.push(c.cp);
            i += c.len;
        }
        assert_eq!(cps, vec![0x61, 0xe9, 0x4e2d, 0x1f600]);
    }
}
