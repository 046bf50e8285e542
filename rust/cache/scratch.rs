//! Working memory of one-shot calls, kept between calls and never shared by two at once.
//!
//! A call checks out a [`Scratch`] (its caches warm from earlier calls), uses it without any
//! locking, and hands it back. Calls on other threads at the same time get their own, so a
//! batch on two threads uses two; at most [`POOLED`] wait in the pool between calls.

use super::pieces::PieceCaches;
use crate::vocab::Rank;
use std::sync::Mutex;

/// The caches and buffers of one call. Only calls of one vocabulary may share it.
pub struct Scratch {
    /// Tokens of pieces seen before.
    pub pieces: PieceCaches,
    /// Tokens of the piece being merged.
    pub ids: Vec<Rank>,
}

/// Most scratches kept between calls.
const POOLED: usize = 4;

/// Scratches waiting for the next call.
#[derive(Default)]
pub struct ScratchPool {
    idle: Mutex<Vec<Scratch>>,
}

impl ScratchPool {
    /// Runs `f` with a scratch of this pool's own, then keeps it for the next call.
    pub fn with<T>(&self, f: impl FnOnce(&mut Scratch) -> T) -> T {
        // Nothing panics while the lock is held, so a poisoned lock still guards a sound vector.
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut scratch =
            taken.unwrap_or_else(|| Scratch { pieces: PieceCaches::default(), ids: Vec::with_capacity(64) });
        let out = f(&mut scratch);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < POOLED {
            idle.push(scratch);
        }
        out
    }

    /// Drops the scratches waiting between calls, so the next call starts with empty caches.
    pub fn clear(&self) {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_comes_back_to_the_next_call() {
        let pool = ScratchPool::default();
        let first = pool.with(|s| {
            s.ids.push(7);
            s.ids.as_ptr() as usize
        });
        let again = pool.with(|s| (s.ids.as_ptr() as usize, s.ids.clone()));
        assert_eq!(again, (first, vec![7]));
        // A call made while another holds the scratch gets its own.
        pool.with(|outer| pool.with(|inner| assert_ne!(outer.ids.as_ptr(), inner.ids.as_ptr())));
    }
}
