//! Cutting one long text into parts that are encoded apart, on several threads.
//!
//! A part's pieces must be the pieces the whole text has there, so a cut goes only where every
//! hand-written pattern (r50k/p50k, cl100k, o200k) ends one piece and starts the next whatever
//! lies beyond the cut. Two kinds of place qualify:
//!
//! - after an ASCII letter and before ASCII whitespace: no alternative of the three patterns
//!   matches a letter followed by whitespace (letter runs stop at whitespace, whitespace runs
//!   hold only whitespace, punctuation runs take no letter), the letter's piece ends without
//!   looking ahead, and the whitespace run after the cut ends inside the part;
//! - after a `\n` that follows a character other than whitespace and comes before one that is
//!   neither whitespace nor `/`: the `\n` is then a piece of its own or the end of a
//!   punctuation run (whose `[\r\n/]*` stops at the next character), and as a run of one
//!   whitespace character `\s+(?!\S)` takes it alone whether the text goes on or ends there.
//!
//! Specials do not change this: a special token that holds no ASCII whitespace cannot hold a
//! cut, so its matches fall inside one part. A compiled pattern may do anything, so its texts
//! are not cut.

/// Texts shorter than this are encoded on one thread: below it, starting threads costs more
/// than it saves.
pub const SPLIT_BYTES: usize = 256 * 1024;

/// Bytes per part: enough that a part's work dwarfs handing it to a thread, few enough that the
/// threads finish together.
pub const PART_BYTES: usize = 64 * 1024;

/// Whether the pieces of every hand-written pattern break at `at` of `text`, whatever the text
/// holds after the character at `at` (see the module).
pub fn is_cut(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    if at < 2 || at >= bytes.len() {
        return false;
    }
    let (before, here) = (bytes[at - 1], bytes[at]);
    if before.is_ascii_alphabetic() && here.is_ascii_whitespace() {
        return true;
    }
    if before != b'\n' || !text.is_char_boundary(at) {
        return false;
    }
    let prev = text[..at - 1].chars().next_back();
    let next = text[at..].chars().next();
    matches!((prev, next), (Some(p), Some(n)) if !p.is_whitespace() && !n.is_whitespace() && n != '/')
}

/// The first cut at or after `from` and before `to`.
fn next_cut(text: &str, from: usize, to: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // Both kinds of cut sit next to an ASCII whitespace byte: at it, or just after a `\n`.
    (from.max(1)..to.min(bytes.len()))
        .find(|&i| {
            let b = bytes[i];
            b.is_ascii_whitespace() && (is_cut(text, i) || (b == b'\n' && is_cut(text, i + 1)))
        })
        .map(|i| if is_cut(text, i) { i } else { i + 1 })
}

/// `text` cut into parts of about `part` bytes at [`is_cut`] places; a part runs on to the next
/// place, so a text with none stays whole.
pub fn parts(text: &str, part: usize) -> Vec<&str> {
    let mut out = Vec::with_capacity(text.len() / part.max(1) + 1);
    let mut start = 0;
    while text.len() - start > part {
        // A part ends at the first cut after its first `part` bytes, looked for over at most
        // `part` bytes more, so text without cuts costs one pass over it.
        let Some(cut) = next_cut(text, start + part, start + 2 * part) else {
            let Some(cut) = next_cut(text, start + 2 * part, text.len()) else { break };
            out.push(&text[start..cut]);
            start = cut;
            continue;
        };
        out.push(&text[start..cut]);
        start = cut;
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretok::Family;

    const FAMILIES: [Family; 3] = [Family::Gpt2, Family::Cl100k, Family::O200k];

    fn pieces(family: Family, text: &str) -> Vec<&[u8]> {
        family.pieces(text).collect()
    }

    /// Every cut of `text` is a piece boundary of every family, and the pieces of the two sides
    /// scanned apart are the pieces of the whole.
    fn check_every_cut(text: &str) {
        for at in (0..=text.len()).filter(|&at| is_cut(text, at)) {
            for family in FAMILIES {
                let mut apart = pieces(family, &text[..at]);
                apart.extend(pieces(family, &text[at..]));
                assert_eq!(apart, pieces(family, text), "{family:?} cut at {at} of {text:?}");
            }
        }
    }

    #[test]
    fn every_cut_of_every_short_text_keeps_the_pieces() {
        // Letters, digits, punctuation and `/`, each kind of whitespace (Unicode's too), a
        // contraction's apostrophe and a non-ASCII letter: every text of up to five of them.
        let alphabet = ["a", "Z", "1", ".", "/", "'", "s", " ", "\t", "\n", "\r", "\u{a0}", "\u{3000}", "é", "中"];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            texts = texts.iter().flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}"))).collect();
            for t in &texts {
                check_every_cut(t);
            }
        }
    }

    #[test]
    fn cuts_of_prose_and_code_keep_the_pieces() {
        let text =
            "Hello world, it's   late.\nNext line\n\n  indented\r\nfoo/bar\n/path x.\n/y 中文。\n日本 \u{3000}x\n";
        check_every_cut(text);
        assert!((0..text.len()).filter(|&at| is_cut(text, at)).count() > 8);
    }

    #[test]
    fn parts_cover_the_text_and_end_at_cuts() {
        let text = "word ".repeat(1000) + &"中".repeat(3000) + "\nend";
        for part in [1, 7, 100, 4096, 1 << 20] {
            let parts = parts(&text, part);
            assert_eq!(parts.concat(), text);
            let mut at = 0;
            for p in &parts[..parts.len() - 1] {
                at += p.len();
                assert!(is_cut(&text, at), "part {part} ends at {at}");
                assert!(p.len() >= part);
            }
        }
        // Without a cut the text stays whole.
        assert_eq!(parts(&"中".repeat(5000), 100).len(), 1);
        assert_eq!(parts("", 100), vec![""]);
    }
}
