//! The incremental counter / encoder: exact running token counts over text deltas.
//!
//! State: the tokens of final pieces (only their number for a counter), and the open tail, the
//! text from the last final piece boundary on. A push appends to the tail, moves the pieces that
//! the scanner now reports final (no continuation can change them) out of it, and counts the
//! rest as if the input ended there. Work per push is proportional to the delta plus the open
//! tail, which for ordinary text is a word or two; the committed text is never kept.

use crate::bpe;
use crate::encoding::Encoding;
use crate::error::{Error, Result};
use crate::special::SpecialMatcher;
use crate::utf8::Utf8Carry;
use crate::vocab::Rank;
use std::sync::Arc;

/// A running count (and optionally the ids) of text that arrives in deltas.
#[derive(Clone)]
pub struct Stream {
    enc: Arc<Encoding>,
    /// Special tokens recognised in the stream; `None`: all text is ordinary.
    specials: Option<Arc<SpecialMatcher>>,
    carry: Utf8Carry,
    tail: String,
    committed: usize,
    tail_count: usize,
    /// Byte length and token count of the tail's first piece as if the input ended: when that
    /// piece becomes final unchanged, as it usually does, its count is known already.
    head: (usize, usize),
    finished: bool,
}

impl Stream {
    /// A new stream over `enc`, recognising the special tokens of `specials` when given.
    pub fn new(enc: Arc<Encoding>, specials: Option<Arc<SpecialMatcher>>) -> Stream {
        let specials = specials.filter(|m| !m.is_empty());
        Stream {
            enc,
            specials,
            carry: Utf8Carry::default(),
            tail: String::new(),
            committed: 0,
            tail_count: 0,
            head: (0, 0),
            finished: false,
        }
    }

    /// The encoding.
    pub fn encoding(&self) -> &Arc<Encoding> {
        &self.enc
    }

    /// Tokens of everything pushed so far, as if the input ended now.
    pub fn count(&self) -> usize {
        self.committed + self.tail_count
    }

    /// Tokens that no continuation of the input can change; never decreases.
    pub fn stable_count(&self) -> usize {
        self.committed
    }

    /// Whether `finish` was called (and `reset` not since).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Bytes held for the open tail and a partial character: what the stream keeps of its text.
    pub fn buffered_bytes(&self) -> usize {
        self.tail.len() + self.carry.bytes().len()
    }

    /// Appends `delta`; ids that became final go to `out` when given. Returns the count.
    pub fn push_str(&mut self, delta: &str, out: Option<&mut Vec<Rank>>) -> Result<usize> {
        if delta.is_empty() {
            return Ok(self.count());
        }
        if self.finished {
            return Err(Error::Finished);
        }
        if !self.carry.is_empty() {
            // A partial character from push_bytes can never complete now: it is U+FFFD.
            self.carry.finish(&mut self.tail);
        }
        self.tail.push_str(delta);
        self.advance(out);
        Ok(self.count())
    }

    /// Appends UTF-8 `data` that may split characters; invalid bytes become U+FFFD, or with
    /// `strict` are an error that leaves the stream as it was.
    pub fn push_bytes(&mut self, data: &[u8], strict: bool, out: Option<&mut Vec<Rank>>) -> Result<usize> {
        if data.is_empty() {
            return Ok(self.count());
        }
        if self.finished {
            return Err(Error::Finished);
        }
        let before = self.tail.len();
        self.carry.decode(data, strict, &mut self.tail)?;
        if self.tail.len() != before {
            self.advance(out);
        }
        Ok(self.count())
    }

    /// Ends the input: everything becomes final. Returns the final count.
    pub fn finish(&mut self, out: Option<&mut Vec<Rank>>) -> usize {
        if self.finished {
            return self.count();
        }
        let mut tail = std::mem::take(&mut self.tail);
        self.carry.finish(&mut tail);
        match out {
            Some(out) => {
                let before = out.len();
                self.encode_tail_into(&tail, out);
                self.committed += out.len() - before;
            }
            None => self.committed += self.count_tail(&tail),
        }
        self.tail_count = 0;
        self.finished = true;
        self.committed
    }

    /// Ids of the open tail as if the input ended now (a partial character counts as U+FFFD).
    pub fn pending(&self) -> Vec<Rank> {
        let mut out = Vec::new();
        if self.carry.is_empty() {
            self.encode_tail_into(&self.tail, &mut out);
        } else {
            let mut tail = self.tail.clone();
            self.carry.clone().finish(&mut tail);
            self.encode_tail_into(&tail, &mut out);
        }
        out
    }

    /// Starts over with no text, keeping the encoding and special tokens.
    pub fn reset(&mut self) {
        self.carry = Utf8Carry::default();
        self.tail.clear();
        self.committed = 0;
        self.tail_count = 0;
        self.head = (0, 0);
        self.finished = false;
    }

    /// Moves every piece that is now final out of the tail, then recounts the tail.
    fn advance(&mut self, mut out: Option<&mut Vec<Rank>>) {
        let enc = &*self.enc;
        let family = enc.family();
        let vocab = enc.vocab();
        let bytes = self.tail.as_bytes();
        let mut pos = 0;
        loop {
            // The ordinary text runs to the next special token, or to a suffix that the next
            // delta may complete into one; only a special token ends it for sure.
            let (end, special) = match self.specials.as_deref() {
                None => (bytes.len(), None),
                Some(m) => match m.find(bytes, pos) {
                    Some((s, e, rank)) => (s, Some((e, rank))),
                    None => (bytes.len() - m.pending_prefix(&bytes[pos..]), None),
                },
            };
            while pos < end {
                let Some(n) = family.next_piece(&bytes[pos..end], special.is_some()) else { break };
                let piece = &bytes[pos..pos + n];
                match out.as_deref_mut() {
                    Some(out) => {
                        let before = out.len();
                        bpe::encode_piece(vocab, piece, out);
                        self.committed += out.len() - before;
                    }
                    None if pos == 0 && n == self.head.0 => self.committed += self.head.1,
                    None => self.committed += bpe::count_piece(vocab, piece),
                }
                pos += n;
            }
            match special {
                Some((e, rank)) if pos == end => {
                    if let Some(out) = out.as_deref_mut() {
                        out.push(rank);
                    }
                    self.committed += 1;
                    pos = e;
                }
                _ => break,
            }
        }
        self.tail.drain(..pos);
        self.head = (0, 0);
        self.tail_count = match self.specials {
            Some(_) => self.count_tail(&self.tail),
            None => {
                let vocab = self.enc.vocab();
                let mut pieces = self.enc.family().pieces(&self.tail);
                let first = pieces.next().map_or((0, 0), |p| (p.len(), bpe::count_piece(vocab, p)));
                self.head = first;
                first.1 + pieces.map(|p| bpe::count_piece(vocab, p)).sum::<usize>()
            }
        };
    }

    fn count_tail(&self, tail: &str) -> usize {
        match self.specials.as_deref() {
            None => self.enc.count(tail),
            Some(m) => self.enc.count_with(tail, m),
        }
    }

    fn encode_tail_into(&self, tail: &str, out: &mut Vec<Rank>) {
        match self.specials.as_deref() {
            None => self.enc.encode_ordinary_into(tail, out),
            Some(m) => out.extend(self.enc.encode(tail, m)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(name: &str) -> Arc<Encoding> {
        Encoding::builtin(name).unwrap()
    }

    /// Pushes `parts`, checking the stream invariants after each push against one-shot encoding.
    fn check(name: &str, parts: &[&str]) {
        let e = enc(name);
        let mut s = Stream::new(e.clone(), None);
        let mut text = String::new();
        let mut ids = Vec::new();
        let mut stable = 0;
        for part in parts {
            text.push_str(part);
            let n = s.push_str(part, Some(&mut ids)).unwrap();
            let whole = e.encode_ordinary(&text);
            assert_eq!(n, whole.len(), "{name}: count after {text:?}");
            assert!(s.stable_count() >= stable && s.stable_count() <= n);
            assert_eq!(ids[..], whole[..ids.len()], "{name}: stable ids after {text:?}");
            stable = s.stable_count();
        }
        s.finish(Some(&mut ids));
        assert_eq!(ids, e.encode_ordinary(&text));
    }

    #[test]
    fn naive_commit_cases_from_the_design() {
        check("cl100k_base", &["I'", "ll go"]);
        check("o200k_base", &["we'l", "l"]);
        check("o200k_base", &["don'", "t"]);
        check("o200k_base", &["x \n ", " \nx"]);
        for name in ["cl100k_base", "o200k_base"] {
            check(name, &["hello  ", "world"]);
            check(name, &["12", "345"]);
            check(name, &["abc", "DEF"]);
            check(name, &["a\r", "\n"]);
        }
    }

    #[test]
    fn one_character_at_a_time() {
        let text = "Hello, world! It's 2024: don't   stop\r\n\n  12345 ÀÉÎ ǅungla 日本語 😀👍🏽";
        let parts: Vec<String> = text.chars().map(String::from).collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        for name in ["r50k_base", "cl100k_base", "o200k_base"] {
            check(name, &parts);
        }
    }

    #[test]
    fn bytes_split_inside_characters_count_like_text() {
        let e = enc("o200k_base");
        let text = "naïve 日本 😀";
        for at in 0..=text.len() {
            let mut s = Stream::new(e.clone(), None);
            s.push_bytes(&text.as_bytes()[..at], false, None).unwrap();
            s.push_bytes(&text.as_bytes()[at..], false, None).unwrap();
            assert_eq!(s.finish(None), e.count(text));
        }
    }

    #[test]
    fn split_special_token_counts_once() {
        let e = enc("cl100k_base");
        let m = e.all_specials().clone();
        let mut s = Stream::new(e.clone(), Some(m.clone()));
        s.push_str("a <|endo", None).unwrap();
        let n = s.push_str("ftext|> b", None).unwrap();
        assert_eq!(n, e.encode("a <|endoftext|> b", &m).len());
        assert_eq!(s.finish(None), n);
    }

    #[test]
    fn push_after_finish_is_an_error_and_changes_nothing() {
        let mut s = Stream::new(enc("o200k_base"), None);
        s.push_str("hi", None).unwrap();
        let n = s.finish(None);
        assert_eq!(s.push_str("x", None), Err(Error::Finished));
        assert_eq!(s.count(), n);
    }
}
