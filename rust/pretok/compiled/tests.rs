//! The compiled scanner against fancy-regex (tiktoken's engine), against the hand-written
//! scanners, and against itself streamed.

use super::*;
use crate::pretok::Family;
use std::cell::Cell;
use std::sync::OnceLock;

thread_local! {
    static READS: Cell<usize> = const { Cell::new(0) };
}

/// Counts bytes read by the parts, so that a test can bound the work of a stream.
pub(super) fn count_read(n: usize) {
    READS.with(|r| r.set(r.get() + n));
}

fn reads() -> usize {
    READS.with(Cell::get)
}

use patterns::*;

const PATTERNS: [(&str, &str); 11] = [
    ("r50k", R50K),
    ("cl100k", CL100K),
    ("o200k", O200K),
    ("llama3", LLAMA3),
    ("qwen", QWEN),
    ("qwen3.5", QWEN3_5),
    ("deepseek digits", DEEPSEEK_DIGITS),
    ("deepseek cjk", DEEPSEEK_CJK),
    ("deepseek", DEEPSEEK),
    ("tekken", TEKKEN),
    // Possessive quantifiers that are made greedy, and a lazy one, apart from the releases'.
    ("possessive", r"'s|x++y|[ab]*+c|\d{1,2}+\D|\s++$|[^\s]+?;|\s+(?!\S)|\s|(?s:.)"),
];

/// Each pattern compiled once, with fancy-regex's regex, for all the tests.
fn compiled() -> &'static [(&'static str, Compiled, fancy_regex::Regex)] {
    static ALL: OnceLock<Vec<(&'static str, Compiled, fancy_regex::Regex)>> = OnceLock::new();
    ALL.get_or_init(|| {
        PATTERNS
            .iter()
            .map(|&(name, p)| {
                let c = Compiled::new(p).unwrap_or_else(|e| panic!("{name}: {e}"));
                (name, c, fancy_regex::Regex::new(p).unwrap())
            })
            .collect()
    })
}

fn compiled_for(pattern: &str) -> &'static Compiled {
    &compiled().iter().find(|(_, c, _)| c.pattern() == pattern).unwrap().1
}

/// The oracle: fancy-regex's matches, with the text between them as gaps.
fn oracle<'a>(regex: &fancy_regex::Regex, text: &'a str) -> Vec<(&'a [u8], Kind)> {
    let mut out = Vec::new();
    let mut at = 0;
    for m in regex.find_iter(text) {
        let m = m.unwrap();
        if m.start() > at {
            out.push((&text.as_bytes()[at..m.start()], Kind::Gap));
        }
        out.push((m.as_str().as_bytes(), Kind::Match));
        at = m.end();
    }
    if at < text.len() {
        out.push((&text.as_bytes()[at..], Kind::Gap));
    }
    out
}

/// Characters and short strings that decide how the patterns split: every kind of
/// whitespace, apostrophes and case-folded contractions, digits of many scripts, letters of
/// every category, marks, emoji, CJK, punctuation and symbols.
const ATOMS: &[&str] = &[
    "a",
    "z",
    "x",
    "y",
    "c",
    "b",
    "A",
    "Z",
    "é",
    "É",
    "ß",
    "Ж",
    "ж",
    "Ω",
    "ω",
    "ǅ",
    "ʰ",
    "ー",
    "中",
    "文",
    "龥",
    "あ",
    "ア",
    "ゟ",
    "゠",
    "한",
    "א",
    "ب",
    "\u{301}",
    "\u{20dd}",
    "\u{903}",
    "1",
    "7",
    "٣",
    "३",
    "๓",
    "１",
    "½",
    "Ⅻ",
    "²",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\u{b}",
    "\u{c}",
    "\u{a0}",
    "\u{3000}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{200b}",
    "\u{ad}",
    "'",
    "’",
    "'s",
    "'S",
    "'ſ",
    "'\u{212a}",
    "'ll",
    "'LL",
    "'lL",
    "'re",
    "'Ve",
    "'d",
    "'M",
    "'t",
    "'T",
    "!",
    "/",
    "//",
    ".",
    ",",
    ";",
    "-",
    "_",
    "«",
    "—",
    "。",
    "、",
    "$",
    "€",
    "+",
    "<",
    "`",
    "^",
    "©",
    "😀",
    "👍🏽",
    "\u{200d}",
    "<|endoftext|>",
    "x+",
    "ab",
    "aab",
    "12",
    "123",
    "9876",
];

/// A deterministic stream of texts of up to `max` atoms.
fn texts(seed: u64, count: usize, max: u64) -> Vec<String> {
    let mut next = crate::xorshift(seed);
    (0..count)
        .map(|_| {
            let len = next() % (max + 1);
            (0..len).map(|_| ATOMS[(next() % ATOMS.len() as u64) as usize]).collect()
        })
        .collect()
}

/// Runs of one atom: long pieces of every kind, and whitespace before every kind.
fn runs() -> Vec<String> {
    let mut out = Vec::new();
    for a in ATOMS {
        for b in ["", "a", " ", "\n", "1", "中", "!", " a", "  a"] {
            out.push(format!("{}{b}", a.repeat(9)));
        }
    }
    out
}

fn pieces<'a>(c: &Compiled, text: &'a str) -> Vec<(&'a [u8], Kind)> {
    c.pieces(text).collect()
}

fn show(pieces: &[(&[u8], Kind)]) -> Vec<(String, Kind)> {
    pieces.iter().map(|(b, k)| (String::from_utf8_lossy(b).into_owned(), *k)).collect()
}

#[test]
fn splits_like_fancy_regex_on_generated_text() {
    let texts: Vec<String> = texts(0x2545_f491_4f6c_dd1d, 6_000, 14).into_iter().chain(runs()).collect();
    for (name, c, regex) in compiled() {
        let mut gaps = 0;
        for text in &texts {
            let expected = oracle(regex, text);
            let got = pieces(c, text);
            assert_eq!(show(&got), show(&expected), "{name} on {text:?}");
            gaps += got.iter().filter(|p| p.1 == Kind::Gap).count();
        }
        // DeepSeek's patterns leave gaps (each for the next Split to take); the others none.
        assert_eq!(gaps > 0, name.starts_with("deepseek"), "{name} {gaps}");
    }
}

#[test]
fn splits_like_fancy_regex_on_the_corpus() {
    let corpus = crate::corpus();
    for (name, c, regex) in compiled() {
        for (path, bytes) in &corpus {
            let Ok(text) = std::str::from_utf8(bytes) else { continue };
            let expected = oracle(regex, text);
            let got = pieces(c, text);
            if got != expected {
                let at = got.iter().zip(&expected).position(|(a, b)| a != b).unwrap_or(got.len().min(expected.len()));
                let (lo, hi) = (at.saturating_sub(2), at + 3);
                panic!(
                    "{name} on {}: piece {at}: {:?} != {:?}",
                    path.display(),
                    show(&got[lo..hi.min(got.len())]),
                    show(&expected[lo..hi.min(expected.len())])
                );
            }
        }
    }
}

#[test]
fn equals_the_hand_written_scanners() {
    // Piece for piece on the corpus and generated text; without end of input, final wherever
    // the hand-written scanner is (and sometimes sooner: after three digits in cl100k).
    let corpus = crate::corpus();
    let texts: Vec<String> = texts(0x9e37_79b9_7f4a_7c15, 3_000, 10).into_iter().chain(runs()).collect();
    for (family, pattern) in [(Family::Gpt2, R50K), (Family::Cl100k, CL100K), (Family::O200k, O200K)] {
        let c = compiled_for(pattern);
        let corpus_texts = corpus.iter().filter_map(|(_, b)| std::str::from_utf8(b).ok());
        for text in corpus_texts.chain(texts.iter().map(String::as_str)) {
            let hand: Vec<&[u8]> = family.pieces(text).collect();
            let ours: Vec<&[u8]> = c
                .pieces(text)
                .map(|(p, k)| {
                    assert_eq!(k, Kind::Match);
                    p
                })
                .collect();
            assert_eq!(ours, hand, "{family:?}");
        }
        let (mut both, mut sooner) = (0, 0);
        for text in &texts {
            for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                let prefix = &text.as_bytes()[..cut];
                let ours = c.next_piece(prefix, false).map(|p| p.len);
                match family.next_piece(prefix, false) {
                    Some(n) => {
                        assert_eq!(ours, Some(n), "{family:?} {text:?} cut {cut}");
                        both += 1;
                    }
                    None => sooner += usize::from(ours.is_some()),
                }
            }
        }
        assert!(both > 5_000, "{family:?} {both}");
        assert!(sooner * 100 < both, "{family:?} {sooner} of {both}");
    }
}

#[test]
fn a_piece_reported_without_end_of_input_survives_every_continuation() {
    // Cut anywhere, even inside a character: what the scanner reports without end of input is
    // the piece the whole text has there; the open scan's answer is the one at end of input,
    // and it is final exactly when the scan without end of input answers.
    let texts: Vec<String> = texts(0x1234_5678_9abc_def1, 1_500, 10).into_iter().chain(runs()).collect();
    for (name, c, _) in compiled() {
        let mut decided = 0;
        for text in &texts {
            let whole = c.next_piece(text.as_bytes(), true).unwrap();
            for cut in 1..=text.len() {
                let prefix = &text.as_bytes()[..cut];
                let at = || format!("{name} {text:?} cut {cut}");
                let now = c.next_piece(prefix, false);
                if let Some(piece) = now {
                    assert_eq!(piece, whole, "{}", at());
                    decided += 1;
                }
                let (open, is_final) = c.scan_open(prefix, &mut Resume::default());
                assert_eq!(is_final, now.is_some(), "{}", at());
                if text.is_char_boundary(cut) {
                    assert_eq!(Some(open), c.next_piece(prefix, true), "{}", at());
                }
            }
        }
        assert!(decided > 3_000, "{name} {decided}");
    }
}

/// The pieces of `text` pushed `step` bytes at a time through the resumable scans, each
/// piece carried with its resume state from push to push, and the bytes the parts read.
fn streamed(c: &Compiled, text: &str, step: usize, open: bool) -> (Vec<(Vec<u8>, Kind)>, usize) {
    let bytes = text.as_bytes();
    let before = reads();
    let (mut out, mut start, mut resume) = (Vec::new(), 0, Resume::default());
    let mut cut = 0;
    while cut < bytes.len() {
        cut = (cut + step).min(bytes.len());
        loop {
            let buffered = &bytes[start..cut];
            if buffered.is_empty() {
                break;
            }
            let piece = if open {
                let (piece, is_final) = c.scan_open(buffered, &mut resume);
                is_final.then_some(piece)
            } else {
                c.next_piece_resuming(buffered, false, &mut resume)
            };
            let Some(piece) = piece else { break };
            out.push((buffered[..piece.len].to_vec(), piece.kind));
            start += piece.len;
            resume = Resume::default();
        }
    }
    while start < bytes.len() {
        let piece = c.next_piece_resuming(&bytes[start..], true, &mut resume).unwrap();
        out.push((bytes[start..start + piece.len].to_vec(), piece.kind));
        start += piece.len;
        resume = Resume::default();
    }
    (out, reads() - before)
}

#[test]
fn pushing_a_byte_at_a_time_gives_the_same_pieces() {
    let texts: Vec<String> = texts(0x0bad_cafe_dead_beef, 1_000, 12).into_iter().chain(runs()).collect();
    for (name, c, _) in compiled() {
        for text in &texts {
            let whole: Vec<(Vec<u8>, Kind)> = c.pieces(text).map(|(p, k)| (p.to_vec(), k)).collect();
            for (step, open) in [(1, false), (1, true), (3, true), (7, false)] {
                assert_eq!(streamed(c, text, step, open).0, whole, "{name} {text:?} step {step} open {open}");
            }
        }
    }
}

#[test]
fn a_long_run_pushed_a_byte_at_a_time_is_read_in_linear_time() {
    // 16 KiB of one class, then what ends it, a byte at a time: the parts read each byte a
    // bounded number of times in all (a rescan from the piece start on every push would read
    // it thousands of times).
    let n = 1 << 14;
    // Not the made-up pattern, whose `[ab]*+c` reads a run of `a` to its end from every
    // position in it, one-shot as in fancy-regex.
    for (name, c, _) in compiled().iter().filter(|(name, ..)| *name != "possessive") {
        for unit in [" ", "a", "中", "1", "!", "\n", "\u{3000}", "x"] {
            let text = format!("{}.a", unit.repeat(n / unit.len()));
            let (got, read) = streamed(c, &text, 1, true);
            let whole: Vec<(Vec<u8>, Kind)> = c.pieces(&text).map(|(p, k)| (p.to_vec(), k)).collect();
            assert_eq!(got, whole, "{name} {unit:?}");
            assert!(read < 8 * text.len(), "{name} {unit:?}: {read} bytes read for {}", text.len());
        }
    }
}

#[test]
fn a_resume_state_of_another_piece_or_pattern_is_not_trusted() {
    let (a, b) = (compiled_for(CL100K), compiled_for(O200K));
    let mut resume = Resume::default();
    assert!(a.scan_open(b"hello wor", &mut resume).1);
    let mut other = resume;
    assert_eq!(b.next_piece_resuming(b" world", false, &mut other), b.next_piece(b" world", false));
    // A longer saved offset than the text is dropped too.
    let mut long = Resume::default();
    a.scan_open("       ".as_bytes(), &mut long);
    assert_eq!(a.next_piece_resuming(b"  x", true, &mut long), a.next_piece(b"  x", true));
}

#[test]
fn what_cannot_run_exactly_is_refused_by_name() {
    let cases = [
        (r"a(?=b)", "look-ahead `(?=...)`"),
        (r"(?<=a)b", "look-behind `(?<=...)`"),
        (r"(?<!a)b", "negative look-behind"),
        (r"a+(?!b)", "negative look-ahead"),
        (r"\s+(?!\S)x", "negative look-ahead"),
        (r"[a-z]+(?![^a-z]|x)", "negative look-ahead"),
        (r"(a)\1", "backreference"),
        (r"\bword", "word boundary"),
        (r"\Bx", "word boundary"),
        (r"^a", "start-of-text anchor"),
        (r"\Aa", "start-of-text anchor"),
        (r"(?m)a$", "end-of-line anchor"),
        (r"a\Z", "`\\Z`"),
        (r"a\Kb", "`\\K`"),
        (r"(?>a|ab)c", "atomic group on `(?:a|ab)`: only a greedy repeat"),
        (r"\p{L}++\p{Ll}", "what follows it can start with a character it repeats"),
        (r"[a-c]?+ab", "what follows it can start"),
        (r"x(a++)b", "inside a group"),
        (r"\s+(?!\S)|a|\s+(?!\S)", "more than one look-ahead alternative"),
        (r"a|b*", "can match the empty string"),
        (r"$", "can match the empty string"),
    ];
    for (pattern, what) in cases {
        match Compiled::new(pattern) {
            Err(Error::UnsupportedPattern(message)) => {
                assert!(message.contains(what), "{pattern}: {message:?} does not name {what:?}");
                let shown = Error::UnsupportedPattern(message).to_string();
                assert!(shown.starts_with("unsupported pattern: "), "{shown}");
            }
            other => panic!("{pattern}: {other:?}"),
        }
    }
    for pattern in ["(", "[a-", r"\p{Nope}", "a{3,1}"] {
        match Compiled::new(pattern) {
            Err(Error::InvalidPattern(message)) => assert!(!message.is_empty()),
            other => panic!("{pattern}: {other:?}"),
        }
    }
}

#[test]
fn refused_possessive_quantifiers_would_have_split_otherwise() {
    // The rule is needed: where what follows overlaps the repeated class, the possessive
    // pattern and its greedy reading split differently.
    for (possessive, greedy, text) in
        [(r"\p{L}++\p{Ll}|.", r"\p{L}+\p{Ll}|.", "ab"), (r"[a-c]?+ab|.", r"[a-c]?ab|.", "ab")]
    {
        let split = |p: &str| -> Vec<String> {
            let r = fancy_regex::Regex::new(p).unwrap();
            r.find_iter(text).map(|m| m.unwrap().as_str().to_string()).collect()
        };
        assert_ne!(split(possessive), split(greedy), "{possessive}");
    }
}

#[test]
fn the_released_patterns_compile_to_a_few_megabytes() {
    for (name, c, _) in compiled() {
        let bytes = c.memory_usage();
        assert!((500..8 << 20).contains(&bytes), "{name}: {bytes} bytes");
    }
}

#[test]
fn a_gap_never_resumes_inside_a_character() {
    // The first byte of 中 already rules out a digit; the gap steps over the whole character and
    // resumes after it once the character is complete.
    let c = compiled_for(DEEPSEEK_DIGITS);
    let text = "中中1".as_bytes();
    let mut resume = Resume::default();
    for cut in 1..text.len() {
        assert_eq!(c.scan_open(&text[..cut], &mut resume), (Piece { len: cut, kind: Kind::Gap }, false), "cut {cut}");
    }
    let piece = Piece { len: "中中".len(), kind: Kind::Gap };
    assert_eq!(c.scan_open(text, &mut resume), (piece, true));
}
