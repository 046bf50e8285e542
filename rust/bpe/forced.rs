//! Positions that no token spans: a boundary of the encoding of any text that holds the bytes
//! around them, whatever comes after.
//!
//! A token of an encoding is a substring of its text; when no substring that starts before a
//! position and ends after it is a token, every encoding has a boundary there, and by locality
//! (see [`join`](super::join)) the tokens before it are the merges of the bytes before it alone.
//! A stream whose piece never ends (a megabyte of letters, of CJK, of punctuation) finds such
//! positions in most text and lets go of what lies before them.

use super::TokenStarts;
use crate::vocab::Vocab;

/// Whether no token of `vocab` spans position `q` of `bytes`: no token starts in `bytes` before
/// `q` and ends after it. `bytes` must begin at a position no token spans either (a piece's
/// start, or an earlier such position) and go on for at least as many bytes after `q` as the
/// longest token has, so that every token that could span `q` lies in it.
pub fn no_token_spans(vocab: &Vocab, starts: &TokenStarts, bytes: &[u8], q: usize) -> bool {
    debug_assert!(q > 0 && q + vocab.max_token_len() <= bytes.len() + 1);
    let from = q.saturating_sub(vocab.max_token_len().saturating_sub(1));
    (from..q).all(|i| {
        // Candidate lengths from `i` that reach past `q`, longest first.
        let mut lengths = starts.lengths(&bytes[i..]) & !((1u128 << (q - i)) - 1);
        while lengths != 0 {
            let len = (u128::BITS - lengths.leading_zeros()) as usize;
            lengths &= !(1 << (len - 1));
            if vocab.rank(&bytes[i..i + len]).is_some() {
                return false;
            }
        }
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the definition, every substring checked: on runs of the shapes a stream meets
    /// (letters, CJK, punctuation, NUL bytes, spaces) in both built-in vocabularies.
    #[test]
    fn a_position_is_spanned_exactly_when_some_substring_across_it_is_a_token() {
        let mut next = crate::xorshift(0x51ed_270b_1f6a_9c33);
        let pick = |alphabet: &[&str], next: &mut dyn FnMut() -> u64| {
            alphabet[(next() % alphabet.len() as u64) as usize].to_string()
        };
        for file in ["cl100k_base", "o200k_base"] {
            let v = crate::vocab::builtin(file).unwrap();
            let starts = TokenStarts::new(&v).unwrap();
            let max = v.max_token_len();
            let shapes: [&[&str]; 5] = [
                &["a", "b", "q", "z", "e", "t", "x"],
                &["中", "文", "字", "龘", "の"],
                &["!", "#", "%", "&", "*", "+", "~", "|"],
                &["\0"],
                &[" "],
            ];
            let (mut spanned, mut free) = (0, 0);
            for alphabet in shapes {
                let text: String = (0..400).map(|_| pick(alphabet, &mut next)).collect();
                let bytes = text.as_bytes();
                for q in (1..bytes.len() + 1 - max).step_by(7) {
                    let lo = q.saturating_sub(max - 1);
                    let truth =
                        !(lo..q).any(|i| (q + 1..=(i + max).min(bytes.len())).any(|j| v.rank(&bytes[i..j]).is_some()));
                    assert_eq!(no_token_spans(&v, &starts, bytes, q), truth, "{file} {alphabet:?} at {q}");
                    if truth {
                        free += 1
                    } else {
                        spanned += 1
                    }
                }
            }
            assert!(free > 50 && spanned > 50, "{file}: {free} free, {spanned} spanned");
        }
    }
}
