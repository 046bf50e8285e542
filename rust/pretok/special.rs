//! Finding allowed special tokens in text, one-shot and across stream deltas.

use crate::vocab::Rank;
use std::collections::HashMap;

/// A set of special tokens to recognise in text.
#[derive(Clone, Debug, Default)]
pub struct SpecialMatcher {
    by_text: HashMap<Box<[u8]>, Rank>,
    /// Distinct token lengths, longest first: at a candidate position the longest match wins.
    lengths: Vec<usize>,
    /// Whether a token starts with this byte.
    first: Vec<bool>,
    /// Every proper prefix of every token, to know what a stream must hold back.
    prefixes: std::collections::HashSet<Box<[u8]>>,
    longest: usize,
}

impl SpecialMatcher {
    /// A matcher for `tokens` (text, id).
    pub fn new<'a>(tokens: impl IntoIterator<Item = (&'a str, Rank)>) -> SpecialMatcher {
        let mut m = SpecialMatcher { first: vec![false; 256], ..SpecialMatcher::default() };
        for (text, rank) in tokens {
            let bytes = text.as_bytes();
            if bytes.is_empty() {
                continue;
            }
            m.first[bytes[0] as usize] = true;
            m.by_text.entry(bytes.into()).or_insert(rank);
            for k in 1..bytes.len() {
                m.prefixes.insert(bytes[..k].into());
            }
            if !m.lengths.contains(&bytes.len()) {
                m.lengths.push(bytes.len());
            }
            m.longest = m.longest.max(bytes.len());
        }
        m.lengths.sort_unstable_by(|a, b| b.cmp(a));
        m
    }

    /// Whether the matcher recognises nothing.
    pub fn is_empty(&self) -> bool {
        self.by_text.is_empty()
    }

    /// The first special token in `text` at or after `from`: `(start, end, id)`.
    pub fn find(&self, text: &[u8], from: usize) -> Option<(usize, usize, Rank)> {
        if self.is_empty() {
            return None;
        }
        let mut i = from;
        while i < text.len() {
            if self.first[text[i] as usize] {
                if let Some((len, rank)) = self.match_at(text, i) {
                    return Some((i, i + len, rank));
                }
            }
            i += 1;
        }
        None
    }

    /// The longest special token that starts at `text[i]`.
    fn match_at(&self, text: &[u8], i: usize) -> Option<(usize, Rank)> {
        self.lengths.iter().find_map(|&len| {
            let candidate = text.get(i..i + len)?;
            self.by_text.get(candidate).map(|&r| (len, r))
        })
    }

    /// Length of the longest suffix of `text` that is a proper prefix of a special token: the
    /// bytes a stream must hold back because the next delta may complete a token.
    pub fn pending_prefix(&self, text: &[u8]) -> usize {
        let max = self.longest.saturating_sub(1).min(text.len());
        // A prefix of a special token starts with a first byte of one: most suffixes need no lookup.
        (1..=max)
            .rev()
            .find(|&k| self.first[text[text.len() - k] as usize] && self.prefixes.contains(&text[text.len() - k..]))
            .unwrap_or(0)
    }

    /// Byte length of the longest special token.
    pub fn longest(&self) -> usize {
        self.longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_leftmost_then_longest() {
        let m = SpecialMatcher::new([("<|a|>", 1), ("<|ab|>", 2), ("<|a", 3)]);
        assert_eq!(m.find(b"xx<|ab|>", 0), Some((2, 8, 2)));
        assert_eq!(m.find(b"<|a|>", 0), Some((0, 5, 1)));
        assert_eq!(m.find(b"x<|b", 0), None);
    }

    #[test]
    fn holds_back_a_split_token() {
        let m = SpecialMatcher::new([("<|endoftext|>", 1)]);
        assert_eq!(m.pending_prefix(b"hello <|endo"), 6);
        assert_eq!(m.pending_prefix(b"hello <"), 1);
        assert_eq!(m.pending_prefix(b"hello"), 0);
    }
}
