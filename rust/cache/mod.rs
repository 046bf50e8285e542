//! Everything calls and streams remember for the next ones. Each cache is keyed by everything its
//! answer depends on, so a hit is the answer a miss would compute; ARCHITECTURE.md has the table
//! of them (key, scope, size, eviction, why a hit is exact, what it pays).
//!
//! `STREAMTOK_CACHES=off` in the environment, read once when the first cache is made, turns every
//! one of them off: lookups miss and nothing is kept (`off:pair,ints` turns off the ones named,
//! to measure what each pays). The test suite runs a second time with all of them off, to show
//! that no cache changes a result.

pub mod atomic_table;
pub mod delta_memo;
pub mod follow_memo;
pub mod long_pieces;
pub mod pair_memo;
pub mod pieces;
pub mod scratch;

use std::sync::atomic::{AtomicU16, Ordering::Relaxed};

/// The caches, by the names `STREAMTOK_CACHES` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
    /// The piece tiers of one-shot calls ([`pieces`]).
    Pieces,
    /// Pieces too long for the tiers ([`long_pieces`]).
    Long,
    /// Pair checks ([`pair_memo`]).
    Pair,
    /// What short deltas add after a token ([`follow_memo`]).
    Follow,
    /// Short deltas on their own ([`delta_memo`]).
    Delta,
    /// The windows of one long piece's merge (`bpe::windows`).
    Windows,
    /// Python ints kept for counts and ids (`py::ffi::ints`).
    Ints,
}

/// Every cache with its name.
pub const CACHES: [(Cache, &str); 7] = [
    (Cache::Pieces, "pieces"),
    (Cache::Long, "long"),
    (Cache::Pair, "pair"),
    (Cache::Follow, "follow"),
    (Cache::Delta, "delta"),
    (Cache::Windows, "windows"),
    (Cache::Ints, "ints"),
];

/// Whether `cache` is on in this process: `STREAMTOK_CACHES=off` turns every cache off, and
/// `STREAMTOK_CACHES=off:pair,ints` the ones named (to measure what each one pays).
#[inline(always)]
pub fn on(cache: Cache) -> bool {
    off_mask() & 1 << cache as u16 == 0
}

/// The caches turned off, one bit each, and bit 15 once the variable was read.
static OFF: AtomicU16 = AtomicU16::new(0);

/// The caches turned off, one bit each; read once.
#[inline(always)]
fn off_mask() -> u16 {
    match OFF.load(Relaxed) {
        0 => read_off_mask(),
        off => off & 0x7fff,
    }
}

/// Reads the variable (every thread reads the same environment, so a race only reads it
/// twice).
#[cold]
#[inline(never)]
fn read_off_mask() -> u16 {
    let off = parse(std::env::var("STREAMTOK_CACHES").ok().as_deref());
    OFF.store(off | 0x8000, Relaxed);
    off
}

/// The mask of caches that a value of `STREAMTOK_CACHES` turns off (none for a value it does
/// not know).
fn parse(value: Option<&str>) -> u16 {
    let all = (1 << CACHES.len()) - 1;
    match value.map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("off") => all,
        Some(v) => match v.strip_prefix("off:") {
            Some(names) => names
                .split(',')
                .filter_map(|n| CACHES.iter().find(|(_, name)| name.eq_ignore_ascii_case(n.trim())))
                .fold(0, |mask, (cache, _)| mask | 1 << *cache as u16),
            None => 0,
        },
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_turns_off_all_caches_or_the_ones_it_names() {
        assert_eq!(parse(None), 0);
        assert_eq!(parse(Some("on")), 0);
        assert_eq!(parse(Some("OFF")), 0x7f);
        assert_eq!(parse(Some("off:pair, ints")), 1 << Cache::Pair as u16 | 1 << Cache::Ints as u16);
        assert_eq!(parse(Some("off:nothing")), 0);
    }
}
