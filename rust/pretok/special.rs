//! Finding allowed special tokens in text, one-shot and across stream deltas.
//!
//! Where one special token is a prefix of another, both can match at one position. tiktoken
//! then takes the one that its special-token regex lists first, and it lists them in the
//! iteration order of the `FxHashMap` its bindings fill from the Python dict
//! ([`tiktoken_precedence`]). The winner may be a token that is not allowed: then no special
//! token starts at that position, and the search goes on from the next byte.

use crate::vocab::Rank;
use std::collections::HashMap;

/// A special token of a matcher.
#[derive(Clone, Copy, Debug)]
struct Entry {
    rank: Rank,
    /// Lower wins where two tokens match at one position.
    precedence: u32,
    /// Whether a match becomes the token; one that is not allowed only blocks the others.
    allowed: bool,
}

/// What starts at one position of the text.
enum At {
    /// The allowed token of this byte length and id.
    Token(usize, Rank),
    /// No allowed token.
    Nothing,
    /// Text that may follow could still make a token that takes precedence start here.
    Undecided,
}

/// A set of special tokens to recognise in text.
#[derive(Clone, Debug, Default)]
pub struct SpecialMatcher {
    by_text: HashMap<Box<[u8]>, Entry>,
    /// Distinct token lengths, longest first.
    lengths: Vec<usize>,
    /// Whether a token starts with this byte.
    first: Vec<bool>,
    /// Every proper prefix of every token, with the best precedence of the tokens it begins: to
    /// know what a stream must hold back.
    prefixes: HashMap<Box<[u8]>, u32>,
    longest: usize,
    /// Whether a token is a proper prefix of another: only then can two match at one position.
    nested: bool,
    /// Whether a token lies inside a proper prefix of a token: only then can the text that a
    /// stream holds back hold a whole token.
    enclosed: bool,
    allowed: usize,
}

impl SpecialMatcher {
    /// A matcher for `tokens` (text, id), all allowed; where two match at one position, the one
    /// listed first wins.
    pub fn new<'a>(tokens: impl IntoIterator<Item = (&'a str, Rank)>) -> SpecialMatcher {
        SpecialMatcher::ranked(tokens.into_iter().map(|(text, rank)| (text, rank, true)))
    }

    /// A matcher for `tokens` (text, id, allowed) in order of precedence.
    pub fn ranked<'a>(tokens: impl IntoIterator<Item = (&'a str, Rank, bool)>) -> SpecialMatcher {
        let mut m = SpecialMatcher { first: vec![false; 256], ..SpecialMatcher::default() };
        for (precedence, (text, rank, allowed)) in (0u32..).zip(tokens) {
            let bytes = text.as_bytes();
            if bytes.is_empty() || m.by_text.contains_key(bytes) {
                continue;
            }
            m.first[bytes[0] as usize] = true;
            m.by_text.insert(bytes.into(), Entry { rank, precedence, allowed });
            m.allowed += usize::from(allowed);
            for k in 1..bytes.len() {
                let best = m.prefixes.entry(bytes[..k].into()).or_insert(precedence);
                *best = (*best).min(precedence);
            }
            if !m.lengths.contains(&bytes.len()) {
                m.lengths.push(bytes.len());
            }
            m.longest = m.longest.max(bytes.len());
        }
        m.lengths.sort_unstable_by(|a, b| b.cmp(a));
        m.nested = m.by_text.keys().any(|t| m.prefixes.contains_key(t));
        m.enclosed = m.by_text.keys().any(|u| {
            (0..u.len()).any(|j| {
                m.first[u[j] as usize]
                    && m.lengths.iter().any(|&len| j + len < u.len() && m.by_text.contains_key(&u[j..j + len]))
            })
        });
        m
    }

    /// Whether the matcher recognises nothing.
    pub fn is_empty(&self) -> bool {
        self.allowed == 0
    }

    /// The texts of the tokens it recognises (the allowed ones), in no order.
    pub fn allowed_texts(&self) -> impl Iterator<Item = &[u8]> {
        self.by_text.iter().filter(|(_, e)| e.allowed).map(|(text, _)| &text[..])
    }

    /// Whether a token holds ASCII whitespace.
    pub fn holds_whitespace(&self) -> bool {
        self.by_text.keys().any(|t| t.iter().any(u8::is_ascii_whitespace))
    }

    /// Whether a token is a proper prefix of another.
    pub fn is_nested(&self) -> bool {
        self.nested
    }

    /// Whether a token lies inside a proper prefix of a token (a token that is a proper prefix
    /// of another does): text held back by [`SpecialMatcher::pending_prefix`] may then hold a
    /// whole token.
    pub fn has_enclosed(&self) -> bool {
        self.enclosed
    }

    /// The first allowed special token in `text` at or after `from`: `(start, end, id)`.
    pub fn find(&self, text: &[u8], from: usize) -> Option<(usize, usize, Rank)> {
        self.search(text, from, false)
    }

    /// As [`SpecialMatcher::find`], for text that more text may follow: finds nothing from the
    /// first position where what follows could still make a token start that takes precedence
    /// (a stream holds that text back, see [`SpecialMatcher::pending_prefix`]).
    pub fn find_open(&self, text: &[u8], from: usize) -> Option<(usize, usize, Rank)> {
        self.search(text, from, true)
    }

    fn search(&self, text: &[u8], from: usize, open: bool) -> Option<(usize, usize, Rank)> {
        if self.is_empty() {
            return None;
        }
        for i in from..text.len() {
            if self.first[text[i] as usize] {
                match self.match_at(text, i, open) {
                    At::Token(len, rank) => return Some((i, i + len, rank)),
                    At::Undecided => return None,
                    At::Nothing => {}
                }
            }
        }
        None
    }

    /// The token that starts at `text[i]`, the text ending there or (`open`) going on.
    fn match_at(&self, text: &[u8], i: usize, open: bool) -> At {
        let candidates = self.lengths.iter().filter_map(|&len| {
            let candidate = text.get(i..i + len)?;
            self.by_text.get(candidate).map(|e| (len, *e))
        });
        let best = if self.nested {
            candidates.min_by_key(|(_, e)| e.precedence)
        } else {
            // At most one token can match here.
            candidates.into_iter().next()
        };
        if open && text.len() - i < self.longest {
            if let Some(&p) = self.prefixes.get(&text[i..]) {
                if best.is_none_or(|(_, e)| p < e.precedence) {
                    return At::Undecided;
                }
            }
        }
        match best {
            Some((len, e)) if e.allowed => At::Token(len, e.rank),
            _ => At::Nothing,
        }
    }

    /// Length of the longest suffix of `text` that is a proper prefix of a special token: the
    /// bytes a stream must hold back because the next delta may complete a token.
    pub fn pending_prefix(&self, text: &[u8]) -> usize {
        let max = self.longest.saturating_sub(1).min(text.len());
        // A prefix of a special token starts with a first byte of one: most suffixes need no lookup.
        (1..=max)
            .rev()
            .find(|&k| self.first[text[text.len() - k] as usize] && self.prefixes.contains_key(&text[text.len() - k..]))
            .unwrap_or(0)
    }

    /// Byte length of the longest special token.
    pub fn longest(&self) -> usize {
        self.longest
    }
}

/// The indexes of `specials` (in the order of the caller's dict) in the order tiktoken 0.14's
/// special-token regex tries them: pyo3 fills an `FxHashMap` sized for the dict, in the dict's
/// order, and tiktoken joins its keys in iteration order into one alternation, where the first
/// alternative that matches at a position wins.
pub fn tiktoken_precedence(specials: &[(String, Rank)]) -> Vec<usize> {
    let mut map: std::collections::HashMap<&str, usize, rustc_hash::FxBuildHasher> =
        std::collections::HashMap::with_capacity_and_hasher(specials.len(), Default::default());
    for (i, (text, _)) in specials.iter().enumerate() {
        map.insert(text.as_str(), i);
    }
    map.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_leftmost_then_first_listed() {
        let m = SpecialMatcher::new([("<|a|>", 1), ("<|ab|>", 2), ("<|a", 3)]);
        assert_eq!(m.find(b"xx<|ab|>", 0), Some((2, 8, 2)));
        assert_eq!(m.find(b"<|a|>", 0), Some((0, 5, 1)));
        assert_eq!(m.find(b"x<|b", 0), None);
        let m = SpecialMatcher::new([("<|a", 3), ("<|a|>", 1)]);
        assert_eq!(m.find(b"<|a|>", 0), Some((0, 3, 3)));
    }

    #[test]
    fn a_token_not_allowed_that_takes_precedence_blocks_its_position() {
        let m = SpecialMatcher::ranked([("<|a|>", 1, false), ("<|a|>b", 2, true), ("b", 3, true)]);
        // "<|a|>" wins at 0 but is not allowed; the search goes on and finds "b".
        assert_eq!(m.find(b"<|a|>b", 0), Some((5, 6, 3)));
    }

    #[test]
    fn an_open_text_waits_for_a_longer_token_that_takes_precedence() {
        let m = SpecialMatcher::ranked([("<|a|>b", 1, true), ("<|a|>", 2, true), ("|", 3, true)]);
        assert_eq!(m.find_open(b"x<|a|>", 0), None);
        assert_eq!(m.find(b"x<|a|>", 0), Some((1, 6, 2)));
        assert_eq!(m.find_open(b"x<|a|>c", 0), Some((1, 6, 2)));
        // The "|" inside a token that may still come is not taken either.
        assert_eq!(m.find_open(b"<|", 0), None);
        assert_eq!(m.pending_prefix(b"x<|a|>"), 5);
    }

    #[test]
    fn knows_when_a_token_lies_inside_the_start_of_another() {
        assert!(!SpecialMatcher::new([("<|endoftext|>", 1), ("<|fim_prefix|>", 2)]).has_enclosed());
        assert!(SpecialMatcher::new([("<|<|", 1), ("|", 2)]).has_enclosed());
        assert!(SpecialMatcher::new([("ab", 1), ("abc", 2)]).has_enclosed());
        // Inside a token, but at its end: never in text held back for that token.
        assert!(!SpecialMatcher::new([("<|x", 1), ("x", 2)]).has_enclosed());
    }

    #[test]
    fn holds_back_a_split_token() {
        let m = SpecialMatcher::new([("<|endoftext|>", 1)]);
        assert_eq!(m.pending_prefix(b"hello <|endo"), 6);
        assert_eq!(m.pending_prefix(b"hello <"), 1);
        assert_eq!(m.pending_prefix(b"hello"), 0);
    }

    #[test]
    fn precedence_is_a_permutation() {
        let specials: Vec<(String, Rank)> = (0..50).map(|i| (format!("<|{i}|>"), i)).collect();
        let mut order = tiktoken_precedence(&specials);
        order.sort_unstable();
        assert_eq!(order, (0..50).collect::<Vec<_>>());
    }
}
