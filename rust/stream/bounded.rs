//! Bounded memory for a piece that never ends: letting go of the part of the tail's first piece
//! before a position that no token spans.
//!
//! A piece grows for as long as no character ends it (a megabyte of letters, of CJK, of
//! punctuation), and the stream holds its bytes and tokens. Where no token of the vocabulary
//! spans a position of the piece, every encoding has a boundary there, and the tokens before it
//! are final whatever follows ([`no_token_spans`]). The stream then counts them (and hands their
//! ids out), and keeps of the bytes before that position only the few the scanner reads again:
//! the scanner resumes a long piece from the loop it stopped in (`Resume::without`), which
//! runs over one class of characters, so the bytes inside that run that it will never read
//! again go. What stays: the piece's start up to the loop's first character, then the text from
//! the boundary on, whose bytes before `first_from` are counted already.
//!
//! Runs where every position is spanned by some token (spaces, where tokens of many spaces
//! exist; o200k_base's NUL bytes; gpt2's digits) keep every byte; the stream's limit of open
//! text ([`Stream::set_max_open_bytes`]) bounds those.

use super::{Shape, Stream};
use crate::bpe::forced::no_token_spans;
use crate::pretok::Scan;
use crate::vocab::Rank;

/// Open text from which on a stream looks for a place to let go of (64 KiB).
pub(super) const FIRST_BOUND: usize = 64 << 10;
/// Positions tried, back from the end of the piece, at each look (a position spanned by a
/// token is most often found so at the first start tried).
const TRIES: usize = 64;

impl Stream {
    /// After a push that left the tail at least `next_bound` long: lets go of the beginning of a
    /// long open first piece if it can, and sets when to look again. Returns the count.
    #[cold]
    #[inline(never)]
    pub(super) fn bound(&mut self, out: Option<&mut Vec<Rank>>) -> usize {
        // Look again once the tail has grown by half the first bound: the work of a look is
        // bounded, so it costs a few instructions a byte.
        let look_again = |len: usize| len.max(FIRST_BOUND) + FIRST_BOUND / 2;
        self.let_go(out);
        self.next_bound = look_again(self.tail.len());
        self.set_slow_at();
        self.count()
    }

    /// Lets go of the tail's first piece up to a position no token spans, if the piece is open
    /// and long, such a position lies near its end, and the scanner allows; whether it did.
    fn let_go(&mut self, out: Option<&mut Vec<Rank>>) -> bool {
        let enc = self.enc.clone();
        // Only the hand-written scanners say which loop a scan stopped in.
        let (Some(family), Some(mut resume)) = (enc.family(), self.resume.as_family()) else { return false };
        let vocab = enc.vocab();
        // Custom vocabularies with tokens the merges cannot reach are left whole: a part of a
        // piece could be such a token's bytes.
        if self.shape == Shape::Indent || self.held.is_some() || !enc.unreachable().is_empty() {
            return false;
        }
        let Some(starts) = enc.help().starts.and_then(|s| s.get(vocab)) else { return false };
        let max = vocab.max_token_len();
        let bytes = self.tail.as_bytes();
        // The first piece runs to the end of the ordinary text, and is open.
        let end = match self.specials.as_deref() {
            None => bytes.len(),
            Some(m) => match m.find_open(bytes, self.special_from) {
                Some(_) => return false,
                None => bytes.len() - m.pending_prefix(bytes),
            },
        };
        if family.scan_open(&bytes[..end], &mut resume) != (end, false) {
            return false;
        }
        // The scan of the same piece over more text: the next scan resumes from here.
        self.resume = Scan::Family(resume);
        let first = self.first_from;
        let slot = match self.open.iter().position(|o| !o.is_empty() && o.start() == first && first + o.len() == end) {
            Some(slot) => slot,
            None => return false,
        };
        let Some(loop_start) = resume.loop_start() else { return false };
        // Keep the piece up to its loop's first character for the scanner.
        let keep = (loop_start + 1..=bytes.len()).find(|&i| self.tail.is_char_boundary(i)).unwrap_or(bytes.len());
        let keep = keep.max(first);
        // Positions whose spanning tokens all lie in the tail, from the latest back.
        let Some(last) = end.checked_sub(max) else { return false };
        let found = (keep + 1..=last)
            .rev()
            .filter(|&q| self.tail.is_char_boundary(q))
            .take(TRIES)
            .find(|&q| no_token_spans(vocab, starts, &bytes[first..], q - first));
        let Some(q) = found else { return false };
        let Some(resume) = resume.without(keep, q) else { return false };
        let Some(counted) = self.open[slot].cut_front(vocab, bytes, q - first, keep, out) else { return false };
        self.committed += counted;
        self.tail_count -= counted;
        self.open[1 - slot].clear();
        self.tail.replace_range(keep..q, "");
        self.resume = Scan::Family(resume);
        self.first_from = keep;
        self.special_from = self.special_from.saturating_sub(q - keep).max(keep);
        // The piece goes on through the general path, which knows `first_from`.
        self.shape = Shape::Other;
        if self.tail.capacity() > 2 * self.tail.len() + 4096 {
            self.tail.shrink_to(self.tail.len() + self.tail.len() / 4);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::Encoding;

    /// Long pieces of several shapes, pushed in deltas of several sizes with the stream looking
    /// for a place to let go every few hundred bytes: the count (after sampled pushes, and after
    /// every push that let go), the ids, a snapshot restored part way, and what the tail holds,
    /// against one-shot encoding.
    #[test]
    fn a_long_piece_is_let_go_of_where_no_token_spans_and_counts_as_one_shot() {
        let mut next = crate::xorshift(0x1f2e_3d4c_5b6a_7988);
        let mut run = |alphabet: &[&str], n: usize| -> String {
            (0..n).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect()
        };
        // Shapes that some position of which no token spans (the first four), and two that may
        // have none (NUL bytes: o200k_base has tokens of several; a run of two letters).
        let texts = [
            (true, run(&["a", "b", "c", "q", "x", "z", "e", "t"], 6000)),
            (true, format!("({}", run(&["中", "文", "字", "龘", "の", "テ"], 2000))),
            (true, run(&["!", "#", "%", "&", "*", "+", "~", "|", "—"], 5000)),
            (true, format!(" {}", run(&["ж", "щ", "ω", "é"], 3000))),
            (false, run(&["\0"], 5000)),
            (false, format!("Ab{}", run(&["a", "b"], 5000))),
            (false, run(&[" ", " ", "\t", "\n", "\u{3000}"], 5000)),
            (false, " ".repeat(5000)),
        ];
        for name in ["r50k_base", "cl100k_base", "o200k_base"] {
            let e = Encoding::builtin(name).unwrap();
            for (bounded, text) in &texts {
                let whole = e.encode_ordinary(text);
                for step in [1, 7, 100] {
                    let mut s = Stream::new(e.clone(), None);
                    s.next_bound = 600;
                    s.set_slow_at();
                    let (mut ids, mut at, mut pushes, mut restored) = (Vec::new(), 0, 0, false);
                    let mut longest = 0;
                    while at < text.len() {
                        let mut to = (at + step).min(text.len());
                        while !text.is_char_boundary(to) {
                            to += 1;
                        }
                        let before = s.first_from;
                        let n = s.push_str(&text[at..to], Some(&mut ids)).unwrap();
                        pushes += 1;
                        if pushes % 61 == 0 || s.first_from != before {
                            assert_eq!(n, e.count(&text[..to]), "{name} step {step} at {to}");
                        }
                        assert_eq!(ids[..], whole[..ids.len()], "{name} step {step} at {to}");
                        // Look again soon, to let go many times over the text.
                        s.next_bound = s.next_bound.min(s.tail.len() + 300);
                        s.set_slow_at();
                        if s.first_from > 0 && !restored {
                            restored = true;
                            s = Stream::restore(e.clone(), None, s.snapshot()).unwrap();
                            s.next_bound = s.tail.len() + 300;
                            s.set_slow_at();
                        }
                        longest = longest.max(s.tail.len());
                        at = to;
                    }
                    assert_eq!(s.pending(), whole[ids.len()..], "{name} step {step}");
                    s.finish(Some(&mut ids));
                    assert_eq!(ids, whole, "{name} step {step}");
                    // r50k_base has no token of two spaces: a run of spaces is let go of too.
                    if *bounded || name == "r50k_base" && text.starts_with("  ") {
                        assert!(restored && longest < 2000, "{name} step {step}: held {longest} of {}", text.len());
                    }
                }
            }
        }
    }
}
