//! Everything calls and streams remember for the next ones. Each cache is keyed by everything its
//! answer depends on, so a hit is the answer a miss would compute; ARCHITECTURE.md has the table
//! of them (key, scope, size, eviction, why a hit is exact, what it pays).
//!
//! `STREAMTOK_CACHES=off` in the environment, read once when the first cache is made, turns every
//! one of them off: lookups miss and nothing is kept. The test suite runs a second time that way
//! to show that no cache changes a result.

pub mod atomic_table;
pub mod delta_memo;
pub mod follow_memo;
pub mod long_pieces;
pub mod pair_memo;
pub mod pieces;
pub mod rank_cache;
pub mod scratch;

use std::sync::atomic::{AtomicU8, Ordering::Relaxed};

/// Whether caches are on in this process (see the module doc).
#[inline]
pub fn enabled() -> bool {
    // 0: not read yet, 1: on, 2: off. Every thread reads the same environment, so a race
    // only reads it twice.
    static STATE: AtomicU8 = AtomicU8::new(0);
    match STATE.load(Relaxed) {
        0 => {
            let off = std::env::var("STREAMTOK_CACHES").is_ok_and(|v| v.eq_ignore_ascii_case("off"));
            STATE.store(if off { 2 } else { 1 }, Relaxed);
            !off
        }
        state => state == 1,
    }
}
