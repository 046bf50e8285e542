//! The merges of the windows of one long piece, kept for the windows that come again.
//!
//! A long piece that the search of [`super::backtrack`] finds costly goes a window at a time
//! (see [`super::long`]): the last token before the window and the next few
//! bytes, merged together. Long pieces are mostly runs of a pattern (a rule line, an
//! indentation, a repeated syllable), whose windows come back as often as the pattern's phase
//! does; their merges are a function of their bytes alone, so a window seen before costs a
//! hash and a compare instead of a merge. The memo lives as long as one piece's merge and holds
//! no bytes of its own: a window is kept as where it lies in the piece.

use crate::vocab::hash;

/// Longest window kept (the rescanning merge's limit: its part ends fit a byte).
pub const WINDOW_MAX: usize = 64;

/// One kept window.
#[derive(Clone, Copy)]
struct Entry {
    hash: u64,
    /// Where its bytes lie in the piece, and how many (0: an empty entry).
    at: u32,
    len: u8,
    /// Number of its parts.
    parts: u8,
    /// The end of each part, from the window's start.
    ends: [u8; WINDOW_MAX],
}

const EMPTY: Entry = Entry { hash: 0, at: 0, len: 0, parts: 0, ends: [0; WINDOW_MAX] };

/// The kept windows of one piece, direct-mapped.
pub struct WindowMemo {
    /// Empty until the first window comes.
    slots: Vec<Entry>,
    size: usize,
    /// Off ([`crate::cache::on`]), every window is merged.
    on: bool,
}

impl WindowMemo {
    /// A memo for a piece of `n` bytes (more slots for longer pieces, up to 1024: about 80 KiB).
    pub fn new(n: usize) -> WindowMemo {
        WindowMemo {
            slots: Vec::new(),
            size: (n / 256).clamp(16, 1024).next_power_of_two(),
            on: crate::cache::on(crate::cache::Cache::Windows),
        }
    }

    /// The part ends (from `start`) of the window `piece[start..end]`, made by `merge` when the
    /// memo does not have them, appended to `out`; whether the memo had them.
    pub fn ends(
        &mut self,
        piece: &[u8],
        start: usize,
        end: usize,
        out: &mut Vec<u32>,
        merge: impl FnOnce(&mut Vec<u32>),
    ) -> bool {
        let window = &piece[start..end];
        let len = window.len();
        if len > WINDOW_MAX || len == 0 || !self.on {
            merge(out);
            return false;
        }
        if self.slots.is_empty() {
            self.slots = vec![EMPTY; self.size];
        }
        let h = hash(window);
        let mask = self.slots.len() - 1;
        let slot = &mut self.slots[(h >> 32) as usize & mask];
        let at = slot.at as usize;
        if slot.hash == h && usize::from(slot.len) == len && piece[at..at + len] == *window {
            out.extend(slot.ends[..usize::from(slot.parts)].iter().map(|&e| (start + usize::from(e)) as u32));
            return true;
        }
        let first = out.len();
        merge(out);
        let parts = &out[first..];
        // A window has at most as many parts as bytes, each ending inside it.
        slot.hash = h;
        slot.at = start as u32;
        slot.len = len as u8;
        slot.parts = parts.len() as u8;
        for (kept, &e) in slot.ends.iter_mut().zip(parts) {
            *kept = (e as usize - start) as u8;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ends of the parts of `piece[start..end]` in a made-up merge: pairs of bytes.
    fn pairs(start: usize, end: usize, out: &mut Vec<u32>) {
        out.extend((start..end).skip(2).step_by(2).map(|e| e as u32));
        out.push(end as u32);
    }

    #[test]
    fn a_window_seen_before_gives_its_ends_again_at_its_new_place() {
        let piece = b"abcdefabcdefabcdxf";
        let mut memo = WindowMemo::new(piece.len());
        let (mut first, mut again, mut other) = (Vec::new(), Vec::new(), Vec::new());
        assert!(!memo.ends(piece, 0, 5, &mut first, |out| pairs(0, 5, out)));
        assert!(memo.ends(piece, 6, 11, &mut again, |_| unreachable!()));
        assert_eq!(first, [2, 4, 5]);
        assert_eq!(again, [8, 10, 11]);
        // Other bytes (same length): merged, not taken from the memo.
        assert!(!memo.ends(piece, 12, 17, &mut other, |out| pairs(12, 17, out)));
        assert_eq!(other, [14, 16, 17]);
        // Windows past the longest kept are merged every time.
        let long = [b'a'; 2 * WINDOW_MAX];
        let mut memo = WindowMemo::new(long.len());
        for _ in 0..2 {
            let mut out = Vec::new();
            assert!(!memo.ends(&long, 0, WINDOW_MAX + 1, &mut out, |out| pairs(0, WINDOW_MAX + 1, out)));
        }
    }
}
