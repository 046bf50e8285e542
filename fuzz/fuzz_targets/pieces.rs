//! The hand-written scanners split arbitrary text exactly as tiktoken's regex does (fancy-regex,
//! tiktoken's engine, running tiktoken 0.14's patterns), a piece reported before the input ends
//! is the piece the whole text has, and the encodings give tiktoken's ids: the regex's pieces
//! merged by tiktoken's algorithm on the real vocabularies.

#![no_main]

use fancy_regex::Regex;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use streamtok::{Encoding, Family, Rank};

#[path = "reference.rs"]
mod reference;

const GPT2: &str = r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";
const CL100K: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";
const O200K: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
);

fn regexes() -> &'static [(Family, Regex); 3] {
    static CELL: OnceLock<[(Family, Regex); 3]> = OnceLock::new();
    CELL.get_or_init(|| {
        [(Family::Gpt2, GPT2), (Family::Cl100k, CL100K), (Family::O200k, O200K)]
            .map(|(family, pattern)| (family, Regex::new(pattern).expect("tiktoken's pattern compiles")))
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for (family, regex) in regexes() {
        let mut expected = Vec::new();
        for m in regex.find_iter(&text) {
            match m {
                Ok(m) => expected.push(m.as_str()),
                // The backtracking limit: the reference gives no answer, so there is nothing to compare.
                Err(_) => return,
            }
        }
        let got: Vec<&str> = {
            let mut out = Vec::new();
            let mut rest: &str = &text;
            while !rest.is_empty() {
                let n = family.next_piece(rest.as_bytes(), true).expect("an answer at end of input");
                assert!(n > 0 && rest.is_char_boundary(n), "{family:?}: bad piece length {n} in {rest:?}");
                // Before the end of the input (cut at the piece's end, a character or two later, or
                // the end of the text), the scanner either waits or already knows the piece.
                let mut cuts = rest[n..].char_indices().map(|(i, _)| n + i).take(3).collect::<Vec<_>>();
                cuts.push(rest.len());
                for cut in cuts {
                    if let Some(early) = family.next_piece(&rest.as_bytes()[..cut], false) {
                        assert_eq!(early, n, "{family:?}: piece decided early at {cut} differs in {rest:?}");
                    }
                }
                out.push(&rest[..n]);
                rest = &rest[n..];
            }
            out
        };
        assert_eq!(got, expected, "{family:?} on {text:?}");
        let name = match family {
            Family::Gpt2 => "r50k_base",
            Family::Cl100k => "cl100k_base",
            Family::O200k => "o200k_base",
        };
        let enc = Encoding::builtin(name).expect("built-in encoding");
        let ids: Vec<Rank> = expected.iter().flat_map(|p| reference::reference(enc.vocab(), p.as_bytes())).collect();
        assert_eq!(enc.encode_ordinary(&text), ids, "{name} ids of {text:?}");
        assert_eq!(enc.count(&text), ids.len(), "{name} count of {text:?}");
        // The pieces of a whole text (over masks of byte classes where ASCII decides them).
        let whole: Vec<&[u8]> = family.pieces(&text).collect();
        let expected_bytes: Vec<&[u8]> = expected.iter().map(|p| p.as_bytes()).collect();
        assert_eq!(whole, expected_bytes, "{family:?} pieces of {text:?}");
    }
});
