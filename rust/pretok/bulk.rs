//! The pieces of a complete text, found over masks of byte classes (the cl100k and o200k
//! families).
//!
//! A scanner finds where a piece ends by reading the piece from its start: each run of a class
//! is a load, a compare, a mask and a count of zeros, and the next piece cannot start before
//! the last of them is done. Over a complete text, which class each byte is of does not depend
//! on where pieces start, so it is worked out 64 bytes at a time, one bit a byte per class,
//! ahead of the pieces; a piece of ASCII text is then a shift and a count of zeros of those
//! masks for each run, and the pieces of prose follow each other several times faster.
//!
//! Only what ASCII decides is decided here: anything else (a byte that is not ASCII where it
//! could change the piece, a contraction, whitespace that reaches the end of the text, a piece
//! that reaches past the 64 bytes at hand) goes to the family's scanner, which has the whole
//! pattern. The rules are those of `ascii.rs` and the scanners' word paths, restated over
//! masks; `every_text_of_short_pieces_splits_as_the_scanner_splits_it` and the scanners' tests
//! check them against the scanner and against the patterns run by tiktoken's regex engine.

use super::Family;
use crate::text::unicode::{decode_at_wide, LETTER, MARK, NUMBER, SPACE};

/// One bit a byte, bit `i` for byte `i` of a block.
#[derive(Clone, Copy, Default)]
struct Masks<T> {
    /// `[A-Za-z]`.
    alpha: T,
    /// Where a word that starts before it ends: not a letter, and in o200k an upper-case letter
    /// after a lower-case one (`[A-Z]*[a-z]*` is o200k's word on ASCII).
    word_stop: T,
    /// What may stand before a word's letters, `[^\r\n\p{L}\p{N}]` (cl100k: not `'`, whose
    /// contractions the scanner takes).
    prefix: T,
    /// `[0-9]`.
    digit: T,
    /// Neither letter, digit nor whitespace: `[^\s\p{L}\p{N}]` on ASCII.
    other: T,
    /// `[\r\n]`, in o200k `[\r\n/]`: what follows a run of `other` in its piece.
    trail: T,
    /// ASCII whitespace, `[\t\n\x0b\x0c\r ]`.
    space: T,
    /// `[\r\n]`.
    newline: T,
    /// `' '`.
    blank: T,
    /// A byte after a word that the word's fast path leaves to the scanner: not ASCII (a letter
    /// or mark may go on), and in o200k `'` (a contraction may follow).
    word_bad: T,
    /// Not ASCII (and not past the end): a letter, digit, space or punctuation of another script
    /// may go on a run.
    high: T,
    /// Past the end of the text.
    end: T,
}

/// The masks of 64 bytes.
type Block = Masks<u64>;

/// Bytes whose classes a [`Block`] holds.
const BLOCK: usize = 64;

/// One bit a byte of 64 bytes for each class the masks are made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Raw {
    /// 0x80 and up.
    high: u64,
    /// `[\r\n]`.
    newline: u64,
    /// `' '`.
    blank: u64,
    /// `'`.
    apostrophe: u64,
    /// `/`.
    slash: u64,
    /// `[A-Z]`.
    upper: u64,
    /// `[a-z]`.
    lower: u64,
    /// `[0-9]`.
    digit: u64,
    /// `[\t\n\x0b\x0c\r ]`.
    space: u64,
}

/// [`Raw`] of `chunk`, a byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_bytes(chunk: &[u8; BLOCK]) -> Raw {
    let mut raw = Raw::default();
    for (i, &b) in chunk.iter().enumerate() {
        let set = |mask: &mut u64, yes: bool| *mask |= u64::from(yes) << i;
        set(&mut raw.high, b >= 0x80);
        set(&mut raw.newline, b == b'\n' || b == b'\r');
        set(&mut raw.blank, b == b' ');
        set(&mut raw.apostrophe, b == b'\'');
        set(&mut raw.slash, b == b'/');
        set(&mut raw.upper, b.is_ascii_uppercase());
        set(&mut raw.lower, b.is_ascii_lowercase());
        set(&mut raw.digit, b.is_ascii_digit());
        set(&mut raw.space, matches!(b, b'\t'..=b'\r' | b' '));
    }
    raw
}

/// [`Raw`] of `chunk` in vectors of `$width` bytes, with the intrinsics of one instruction set.
/// A byte `x` is in `lo..=hi` when `x + (128 - lo)`, as a signed byte, is below
/// `-128 + (hi - lo + 1)`: the addition maps the range onto the lowest signed values and every
/// other byte elsewhere.
#[cfg(target_arch = "x86_64")]
macro_rules! classify_vectors {
    ($chunk:expr, $width:expr, $bits:ty, $load:ident, $set1:ident, $cmpeq:ident, $cmpgt:ident, $add:ident, $or:ident, $movemask:ident) => {{
        let mut raw = Raw::default();
        for part in 0..BLOCK / $width {
            let v = $load($chunk.as_ptr().add($width * part).cast());
            let shift = $width * part;
            macro_rules! bits {
                ($x:expr) => {
                    u64::from($movemask($x) as $bits) << shift
                };
            }
            macro_rules! eq {
                ($b:expr) => {
                    $cmpeq(v, $set1($b as i8))
                };
            }
            macro_rules! range {
                ($lo:expr, $hi:expr) => {
                    $cmpgt(
                        $set1((-128 + i16::from($hi - $lo) + 1) as i8),
                        $add(v, $set1(128u8.wrapping_sub($lo) as i8)),
                    )
                };
            }
            let blank = eq!(b' ');
            raw.high |= bits!(v);
            raw.newline |= bits!($or(eq!(b'\n'), eq!(b'\r')));
            raw.blank |= bits!(blank);
            raw.apostrophe |= bits!(eq!(b'\''));
            raw.slash |= bits!(eq!(b'/'));
            raw.upper |= bits!(range!(b'A', b'Z'));
            raw.lower |= bits!(range!(b'a', b'z'));
            raw.digit |= bits!(range!(b'0', b'9'));
            raw.space |= bits!($or(range!(b'\t', b'\r'), blank));
        }
        raw
    }};
}

/// [`Raw`] of `chunk`, 16 bytes at a time (SSE2, part of x86-64).
#[cfg(target_arch = "x86_64")]
fn classify_sse2(chunk: &[u8; BLOCK]) -> Raw {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86-64; the loads read chunk[16 i..16 i + 16] for i < 4.
    unsafe {
        classify_vectors!(
            chunk,
            16,
            u16,
            _mm_loadu_si128,
            _mm_set1_epi8,
            _mm_cmpeq_epi8,
            _mm_cmpgt_epi8,
            _mm_add_epi8,
            _mm_or_si128,
            _mm_movemask_epi8
        )
    }
}

/// [`Raw`] of `chunk`, 32 bytes at a time.
///
/// # Safety
/// The CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn classify_avx2(chunk: &[u8; BLOCK]) -> Raw {
    use std::arch::x86_64::*;
    // SAFETY: AVX2 (the caller's contract); the loads read chunk[32 i..32 i + 32] for i < 2.
    unsafe {
        classify_vectors!(
            chunk,
            32,
            u32,
            _mm256_loadu_si256,
            _mm256_set1_epi8,
            _mm256_cmpeq_epi8,
            _mm256_cmpgt_epi8,
            _mm256_add_epi8,
            _mm256_or_si256,
            _mm256_movemask_epi8
        )
    }
}

/// Whether the CPU has AVX2 (looked up once per text: the answer is kept by the standard library).
#[inline]
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

/// [`Raw`] of `chunk`, with AVX2 when `avx2` (which only [`has_avx2`] may make true).
#[inline]
fn classify(chunk: &[u8; BLOCK], avx2: bool) -> Raw {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2 {
            // SAFETY: the CPU has AVX2 (`has_avx2`).
            return unsafe { classify_avx2(chunk) };
        }
        classify_sse2(chunk)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = avx2;
        classify_bytes(chunk)
    }
}

/// The masks of `bytes[at..at + 64]` (past the end: bytes of class `end` only), for `family`.
#[inline]
fn block(bytes: &[u8], at: usize, family: Family, avx2: bool) -> Block {
    let (raw, end) = match bytes.get(at..at + BLOCK) {
        Some(chunk) => (classify(chunk.try_into().unwrap_or(&[0; BLOCK]), avx2), 0),
        None => {
            // The last bytes, then bytes that are no class but not ASCII, marked as the end.
            let mut chunk = [0x80u8; BLOCK];
            let rest = bytes.get(at..).unwrap_or_default();
            chunk[..rest.len()].copy_from_slice(rest);
            (classify(&chunk, avx2), u64::MAX << rest.len())
        }
    };
    let Raw { high, newline, blank, apostrophe, slash, upper, lower, digit, space } = raw;
    let o200k = family == Family::O200k;
    let alpha = upper | lower;
    let ascii = !high;
    // An upper-case letter after a lower-case one: at the block's first byte, the one before is
    // not known, but a word never asks there (its first letter is never a stop).
    let word_stop = if o200k { !alpha | (upper & lower << 1) } else { !alpha };
    let prefix = ascii & !alpha & !digit & !newline & if o200k { u64::MAX } else { !apostrophe };
    let bad = high & !end;
    Block {
        alpha,
        word_stop,
        prefix,
        digit,
        other: ascii & !alpha & !digit & !space,
        trail: newline | if o200k { slash } else { 0 },
        space,
        newline,
        blank,
        word_bad: bad | if o200k { apostrophe } else { 0 },
        high: bad,
        end,
    }
}

/// How far into its masks a piece may start: one that starts further on gets masks made from its
/// own start, so that every piece is seen with at least 16 bytes of masks ahead of it.
const REACH: usize = 48;

/// The masks of the 64 bytes of a text from `base`, the start of a piece: the pieces after it
/// that start less than [`REACH`] bytes from it are decided from them, and the next one gets
/// new masks from its own start. Every piece sees a 64-bit mask shifted down to its start.
pub(super) struct Window {
    masks: Block,
    /// Offset in the text of the first byte the masks hold.
    base: usize,
    family: Family,
    /// Whether the CPU has AVX2.
    avx2: bool,
}

/// What the masks say of a piece.
enum Decided {
    /// The piece is this many bytes long.
    Length(usize),
    /// It reaches past the bytes whose masks are at hand.
    Beyond,
    /// The scanner must decide.
    Scanner,
}

impl Window {
    /// The masks of `bytes` from `base`.
    #[inline]
    pub(super) fn new(bytes: &[u8], base: usize, family: Family) -> Window {
        let mut window = Window { masks: Block::default(), base, family, avx2: has_avx2() };
        window.remake(bytes, base);
        window
    }

    /// Makes the masks of `bytes` from `base`, in place (the window is moved about with the
    /// iterator of pieces; a new one returned would be copied over it).
    #[inline(never)]
    fn remake(&mut self, bytes: &[u8], base: usize) {
        self.masks = block(bytes, base, self.family, self.avx2);
        self.base = base;
    }

    /// Whether a piece at `at` is seen with the masks at hand, without making new ones.
    #[inline(always)]
    pub(super) fn holds(&self, at: usize) -> bool {
        at.wrapping_sub(self.base) < REACH
    }

    /// Length of the piece of `bytes` (all of the text) at `at`, which is under its end, when
    /// ASCII decides it; `None` leaves it to the scanner.
    ///
    /// A piece that starts with a byte that is not ASCII, or whose second is not (as most do in a
    /// script other than Latin), is the scanner's before its masks are looked at: the caller
    /// checks [`starts_ascii`] first.
    #[inline(always)]
    pub(super) fn piece(&mut self, bytes: &[u8], at: usize) -> Option<usize> {
        debug_assert!(starts_ascii(&bytes[at..]));
        if !self.holds(at) {
            self.remake(bytes, at);
        }
        match self.decide(bytes, at) {
            Decided::Length(n) => Some(n),
            Decided::Beyond if self.base != at => self.decide_from_start(bytes, at),
            Decided::Beyond | Decided::Scanner => None,
        }
    }

    /// [`Window::piece`] of a piece that reaches past the masks at hand: with new masks from its
    /// start (out of line: about once a block).
    #[inline(never)]
    fn decide_from_start(&mut self, bytes: &[u8], at: usize) -> Option<usize> {
        self.remake(bytes, at);
        match self.decide(bytes, at) {
            Decided::Length(n) => Some(n),
            Decided::Beyond | Decided::Scanner => None,
        }
    }

    /// What the masks say of the piece at `at`, `REACH` bytes or less from `base`.
    #[inline(always)]
    fn decide(&self, bytes: &[u8], at: usize) -> Decided {
        let shift = at - self.base;
        let m = &self.masks;
        piece(
            |mask: fn(&Block) -> u64| mask(m) >> shift,
            BLOCK - shift,
            self.family == Family::Cl100k && bytes[at] == b'\'',
            |i| decode_at_wide(bytes, at + i).flags,
        )
    }
}

/// Whether the first two bytes of `rest` (one, if it has one) are ASCII. A piece that starts
/// otherwise is decided by no pass over ASCII, the scanners' own included.
#[inline(always)]
pub(super) fn starts_ascii(rest: &[u8]) -> bool {
    let second = rest.get(1).copied().unwrap_or(0);
    (rest[0] | second) < 0x80
}

/// What the masks say of the piece that starts at bit 0 of the masks that `bits` gives (each
/// shifted down to the piece's start), of which the first `limit` bits (17 or more) hold bytes
/// of the text (or its end). `apostrophe`: a cl100k piece that starts with `'`, whose
/// contractions are the scanner's. `class_at(i)`: the class bits of the character at byte `i` of
/// the piece, asked only of one that is not ASCII where a run of ASCII meets it (whether it
/// goes on with the run decides the piece).
#[inline(always)]
fn piece(
    bits: impl Fn(fn(&Block) -> u64) -> u64,
    limit: usize,
    apostrophe: bool,
    class_at: impl Fn(usize) -> u8,
) -> Decided {
    use Decided::{Beyond, Length, Scanner};
    let at = |mask: u64, i: usize| mask >> i & 1 != 0;
    // Whether byte `i`, not ASCII, is of a character that has none of the class bits `goes_on`
    // (out of line: most text meets few).
    let ends_run = |i: usize, goes_on: u8| at(bits(|m| m.high), i) && class_at(i) & goes_on == 0;
    if apostrophe {
        return Scanner;
    }
    let alpha = bits(|m| m.alpha);
    let prefix = bits(|m| m.prefix);
    if (alpha | prefix & alpha >> 1) & 1 != 0 {
        // A word, after a prefix character or not: to the first stop after its first letter;
        // not before `'` in o200k (a contraction may follow), nor a letter or mark of any script.
        let start = (prefix & 1) as usize;
        let end = start + ((bits(|m| m.word_stop) >> start) & !1).trailing_zeros() as usize;
        if end >= limit {
            return Beyond;
        }
        let ends = !at(bits(|m| m.word_bad), end) || ends_run(end, LETTER | MARK);
        return if ends { Length(end) } else { Scanner };
    }
    let digit = bits(|m| m.digit);
    if digit & 1 != 0 {
        // `\p{N}{1,3}`: a fourth byte cannot change it (and `limit` is more than 3).
        let end = (!digit).trailing_zeros().min(3) as usize;
        let ends = end == 3 || !at(bits(|m| m.high), end) || ends_run(end, NUMBER);
        return if ends { Length(end) } else { Scanner };
    }
    let other = bits(|m| m.other);
    let start = (bits(|m| m.blank) & other >> 1 & 1) as usize;
    if (other >> start) & 1 != 0 {
        // ` ?[^\s\p{L}\p{N}]+`, then what may trail it (ASCII only).
        let run_end = start + (!(other >> start)).trailing_zeros() as usize;
        if run_end >= limit {
            return Beyond;
        }
        // A character of another script that is no letter, digit or space goes on with the run.
        if at(bits(|m| m.high), run_end) && class_at(run_end) & (LETTER | NUMBER | SPACE) == 0 {
            return Scanner;
        }
        let end = run_end + (!(bits(|m| m.trail) >> run_end)).trailing_zeros() as usize;
        return if end < limit { Length(end) } else { Beyond };
    }
    let space = bits(|m| m.space);
    if space & 1 == 0 {
        return Scanner;
    }
    // Whitespace: up to its last line break, else all but its last character when something
    // follows (which takes it), else the one character. A run to the end of the text is the
    // scanner's (`\s++$` in cl100k).
    let run = (!space).trailing_zeros() as usize;
    if run >= limit {
        return Beyond;
    }
    if at(bits(|m| m.end), run) || at(bits(|m| m.high), run) && !ends_run(run, SPACE) {
        return Scanner;
    }
    let breaks = bits(|m| m.newline) & ((1u64 << run) - 1);
    Length(if breaks != 0 { 64 - breaks.leading_zeros() as usize } else { (run - 1).max(1) })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::pretok::tests::family_pieces as scanned;

    /// The pieces of `text` as [`Family::pieces`] finds them.
    fn pieces(family: Family, text: &str) -> Vec<&str> {
        family.pieces(text).map(|p| std::str::from_utf8(p).unwrap()).collect()
    }

    /// Characters of every class the rules tell apart, and of the classes next to them that
    /// the rules must leave to the scanner.
    const ALPHABET: &[&str] = &[
        "a", "s", "Z", "L", "'", "1", " ", "\t", "\n", "\r", "\u{b}", ".", "/", "\u{1c}", "é", "É", "\u{301}", "١",
        "\u{a0}", "—", "中",
    ];

    /// Every text of up to four characters of the alphabet, alone and after 61 letters; those of
    /// up to three after other texts of 45 to 66 bytes too (so that their pieces start near the
    /// end of the masks at hand, or reach past them).
    #[test]
    fn every_text_of_short_pieces_splits_as_the_scanner_splits_it() {
        let mut texts: Vec<String> = vec![String::new()];
        let mut last = texts.clone();
        for _ in 0..4 {
            last = last.iter().flat_map(|t| ALPHABET.iter().map(move |c| format!("{t}{c}"))).collect();
            texts.extend(last.iter().cloned());
        }
        let leads = [
            String::new(),
            "x".repeat(61),
            "ab ".repeat(15),
            "ab ".repeat(16),
            "ab ".repeat(20),
            format!("{} ", "y".repeat(46)),
            format!("{} ", "y".repeat(62)),
            "\n".repeat(63),
            "a.b, ".repeat(10),
        ];
        let mut fast = [0usize; 2];
        for (k, family) in [Family::Cl100k, Family::O200k].into_iter().enumerate() {
            for text in &texts {
                let short = text.chars().count() < 4;
                for lead in leads.iter().take(if short { leads.len() } else { 2 }) {
                    let text = format!("{lead}{text}");
                    assert_eq!(pieces(family, &text), scanned(family, &text), "{family:?} {text:?}");
                }
                let mut window = Window::new(text.as_bytes(), 0, family);
                let bytes = text.as_bytes();
                fast[k] += usize::from(!text.is_empty() && starts_ascii(bytes) && window.piece(bytes, 0).is_some());
            }
        }
        // The fast path decides most of them (it cannot fail by leaving all to the scanner).
        assert!(fast.iter().all(|&n| n > texts.len() / 3), "{fast:?} of {}", texts.len());
    }

    /// Every instruction set's classes of every byte, at every place of a block, are those of
    /// the loop over bytes.
    #[test]
    fn classes_are_those_of_the_bytes() {
        let mut next = crate::xorshift(0x2545_f491_4f6c_dd1d);
        for round in 0..4096 {
            let mut chunk = [0u8; BLOCK];
            for (i, b) in chunk.iter_mut().enumerate() {
                // Every byte value at every place, then random bytes.
                *b = if round < 256 { (round + i) as u8 } else { next() as u8 };
            }
            let want = classify_bytes(&chunk);
            assert_ne!(want, Raw::default());
            assert_eq!(classify(&chunk, false), want, "{chunk:?}");
            assert_eq!(classify(&chunk, has_avx2()), want, "{chunk:?}");
        }
    }

    /// Long texts of the alphabet's characters and of long runs of each class, read through
    /// many windows.
    #[test]
    fn long_texts_split_as_the_scanner_splits_them() {
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15);
        let runs = ["abc", "ABC", "aB", "     ", "\n\n", "...", "12345", "x", " \n ", "é"];
        for _ in 0..400 {
            let len = (next() % 400) as usize;
            let text: String = (0..len)
                .map(|_| {
                    let pick = next() as usize;
                    if pick % 3 == 0 {
                        runs[pick / 3 % runs.len()].repeat(1 + pick / 64 % 40)
                    } else {
                        ALPHABET[pick / 3 % ALPHABET.len()].to_string()
                    }
                })
                .collect();
            for family in [Family::Cl100k, Family::O200k] {
                assert_eq!(pieces(family, &text), scanned(family, &text), "{family:?}");
            }
        }
    }
}
