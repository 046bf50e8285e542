//! Pieces too long for the piece caches (over 111 bytes), with their tokens, kept from call to
//! call.
//!
//! Scripts without spaces between words (Thai, Khmer, Japanese kana runs in some texts) and long
//! runs of punctuation or spaces in code make pieces of hundreds of bytes, and a corpus repeats
//! them (the same message in a translation file, the same rule line in a source file). Merging
//! such a piece costs far more than finding it again, so each is kept under its own copied bytes
//! (a hit compares them all: it is exact), in a direct-mapped table whose held bytes stay under
//! a budget. Pieces longer than [`LongPieces::PIECE_MAX`] are merged every time: copying them would cost
//! memory out of proportion, and they are rarely repeated.

use crate::vocab::{hash, Rank};

/// Entries in the table.
const SLOTS: usize = 2048;
/// Most bytes of pieces and ids held; past it the table starts over.
const BUDGET: usize = 2 << 20;
/// Longest piece kept (see [`LongPieces::PIECE_MAX`]).
const PIECE_MAX_BYTES: usize = 16 << 10;

/// One kept piece.
struct Entry {
    hash: u64,
    piece: Box<[u8]>,
    count: usize,
    /// Its ids, when a call that made them kept it (a count keeps only the number).
    ids: Option<Box<[Rank]>>,
}

impl Entry {
    fn size(&self) -> usize {
        self.piece.len() + self.ids.as_ref().map_or(0, |ids| 4 * ids.len())
    }
}

/// The table of long pieces of one call context (see [`super::scratch`]).
pub struct LongPieces {
    /// Empty until the first piece is kept.
    slots: Vec<Option<Entry>>,
    held: usize,
    /// Off ([`crate::cache::on`]), nothing is kept.
    on: bool,
}

impl Default for LongPieces {
    fn default() -> Self {
        LongPieces { slots: Vec::new(), held: 0, on: super::on(super::Cache::Long) }
    }
}

/// What the table knows of one piece.
#[derive(Clone, Copy)]
pub struct Found<'a> {
    /// Number of tokens.
    pub count: usize,
    /// The ids, if kept.
    pub ids: Option<&'a [Rank]>,
}

impl LongPieces {
    /// Longest piece kept.
    pub const PIECE_MAX: usize = PIECE_MAX_BYTES;

    /// The key of `piece` (computed once for a lookup and the insert after a miss).
    #[inline]
    pub fn hash_of(piece: &[u8]) -> u64 {
        hash(piece)
    }

    #[inline]
    fn slot_of(hash: u64) -> usize {
        (hash >> 40) as usize & (SLOTS - 1)
    }

    /// What is kept of `piece`, whose key is `hash`.
    #[inline]
    pub fn get(&self, hash: u64, piece: &[u8]) -> Option<Found<'_>> {
        let e = self.slots.get(Self::slot_of(hash))?.as_ref()?;
        (e.hash == hash && *e.piece == *piece).then_some(Found { count: e.count, ids: e.ids.as_deref() })
    }

    /// Keeps `piece` (key `hash`) with its `count` tokens, and their `ids` when given, in
    /// place of the piece its slot held.
    pub fn insert(&mut self, hash: u64, piece: &[u8], count: usize, ids: Option<&[Rank]>) {
        if piece.len() > Self::PIECE_MAX || !self.on {
            return;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, || None);
        }
        let slot = Self::slot_of(hash);
        let entry = Entry { hash, piece: piece.into(), count, ids: ids.map(Into::into) };
        if let Some(old) = &self.slots[slot] {
            self.held -= old.size();
        }
        if self.held + entry.size() > BUDGET {
            self.clear();
            self.slots.resize_with(SLOTS, || None);
        }
        self.held += entry.size();
        self.slots[slot] = Some(entry);
    }

    /// Appends the ids of `piece` to `out`: the ones kept, or else the ones `merge` appends,
    /// which are then kept.
    pub fn extend_ids(&mut self, piece: &[u8], out: &mut Vec<Rank>, merge: impl FnOnce(&mut Vec<Rank>)) {
        let hash = Self::hash_of(piece);
        if let Some(ids) = self.get(hash, piece).and_then(|found| found.ids) {
            out.extend_from_slice(ids);
            return;
        }
        let at = out.len();
        merge(out);
        self.insert(hash, piece, out.len() - at, Some(&out[at..]));
    }

    /// Forgets every piece and gives their memory back.
    pub fn clear(&mut self) {
        self.slots = Vec::new();
        self.held = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(piece: &[u8]) -> u64 {
        LongPieces::hash_of(piece)
    }

    #[test]
    fn a_hit_needs_equal_bytes_and_keeps_ids_when_given() {
        let mut t = LongPieces::default();
        let (a, b) = (vec![b'x'; 200], vec![b'y'; 200]);
        assert!(t.get(key(&a), &a).is_none());
        t.insert(key(&a), &a, 3, None);
        let found = t.get(key(&a), &a).unwrap();
        assert_eq!((found.count, found.ids), (3, None));
        // Same key, other bytes (a forged collision): no hit.
        assert!(t.get(key(&a), &b).is_none());
        t.insert(key(&a), &a, 2, Some(&[5, 6]));
        let found = t.get(key(&a), &a).unwrap();
        assert_eq!((found.count, found.ids), (2, Some(&[5, 6][..])));
    }

    #[test]
    fn held_bytes_stay_under_the_budget() {
        let mut t = LongPieces::default();
        for i in 0..5000u32 {
            let piece: Vec<u8> = i.to_le_bytes().iter().cycle().take(1000).copied().collect();
            t.insert(key(&piece), &piece, 1, Some(&[i]));
            assert!(t.held <= BUDGET);
            assert_eq!(t.held, t.slots.iter().flatten().map(Entry::size).sum::<usize>());
        }
        let huge = vec![b'z'; LongPieces::PIECE_MAX + 1];
        t.insert(key(&huge), &huge, 1, None);
        assert!(t.get(key(&huge), &huge).is_none());
    }
}
