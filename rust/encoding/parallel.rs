//! Work over a batch of items on scoped threads.
//!
//! Threads take small chunks of items from a shared counter until none are left, so a batch
//! whose costly items sit together (a corpus sorted by language) still keeps every thread busy.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver};

/// Items per chunk: small enough to even out the threads' loads, large enough to make the shared
/// counter cheap (16 chunks per thread, at most 64 items).
fn chunk_len(items: usize, threads: usize) -> usize {
    items.div_ceil(threads * 16).clamp(1, 64)
}

/// `f` over every item, on up to `threads` scoped threads; results keep the items' order.
pub fn parallel_map<I: Sync, T: Send>(items: &[I], threads: usize, f: &(impl Fn(&I) -> T + Sync)) -> Vec<T> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = chunk_len(items.len(), threads);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, Vec<T>)> = Vec::new();
        while let Some(part) = take(items, chunk, &next, f) {
            done.push(part);
        }
        done
    };
    let mut parts: Vec<(usize, Vec<T>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut parts = work();
        for h in handles {
            // A panicking worker re-raises its panic here, where the bindings turn it into an error.
            parts.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        parts
    });
    parts.sort_unstable_by_key(|p| p.0);
    parts.into_iter().flat_map(|p| p.1).collect()
}

/// Chunks of results of [`parallel_chunks`], as `(index of the chunk's first item, results)`.
pub struct Chunks<'a, I, F, T> {
    items: &'a [I],
    f: &'a F,
    chunk: usize,
    next: &'a AtomicUsize,
    done: Receiver<(usize, Vec<T>)>,
}

impl<I: Sync, T: Send, F: Fn(&I) -> T + Sync> Chunks<'_, I, F, T> {
    /// A chunk that another thread has finished, if one is waiting.
    pub fn ready(&self) -> Option<(usize, Vec<T>)> {
        self.done.try_recv().ok()
    }

    /// The next chunk: one computed on this thread while any is left, then those the other
    /// threads finish, waiting for them; `None` when every chunk has been handed over.
    pub fn next(&self) -> Option<(usize, Vec<T>)> {
        take(self.items, self.chunk, self.next, self.f).or_else(|| self.done.recv().ok())
    }
}

/// The next chunk no thread has taken, computed.
fn take<I, T>(items: &[I], chunk: usize, next: &AtomicUsize, f: &impl Fn(&I) -> T) -> Option<(usize, Vec<T>)> {
    let start = next.fetch_add(chunk, Ordering::Relaxed);
    (start < items.len()).then(|| (start, items[start..(start + chunk).min(items.len())].iter().map(f).collect()))
}

/// `f` over every item, on the calling thread and `threads - 1` scoped threads; `consume` runs
/// on the calling thread and gets the results a chunk at a time, in no set order, through
/// [`Chunks`]: it can turn results into what only it may make (Python objects) while the other
/// threads compute the rest, and compute chunks itself when none is ready. When `consume`
/// returns early, the other threads stop after their current chunk.
pub fn parallel_chunks<I: Sync, T: Send, F: Fn(&I) -> T + Sync, R>(
    items: &[I],
    threads: usize,
    f: &F,
    consume: impl FnOnce(Chunks<'_, I, F, T>) -> R,
) -> R {
    let threads = threads.clamp(1, items.len().max(1));
    let chunk = chunk_len(items.len(), threads);
    let next = AtomicUsize::new(0);
    let (sender, done) = channel();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .map(|_| {
                let sender = sender.clone();
                let next = &next;
                scope.spawn(move || {
                    while let Some(part) = take(items, chunk, next, f) {
                        if sender.send(part).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        // The workers hold the only senders: `done` ends when the last one has finished.
        drop(sender);
        let out = consume(Chunks { items, f, chunk, next: &next, done });
        for h in handles {
            // A panicking worker re-raises its panic here, where the bindings turn it into an error.
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<usize> = (0..1000).collect();
        for threads in [1, 2, 3, 7] {
            assert_eq!(parallel_map(&items, threads, &|x| x * 2), items.iter().map(|x| x * 2).collect::<Vec<_>>());
        }
        assert!(parallel_map(&[] as &[usize], 2, &|x| *x).is_empty());
    }

    #[test]
    fn parallel_chunks_hands_over_every_result_once() {
        let items: Vec<usize> = (0..1000).collect();
        for threads in [1, 2, 3, 7] {
            let mut seen = vec![None; items.len()];
            parallel_chunks(&items, threads, &|x: &usize| x * 2, |chunks| {
                while let Some((start, results)) = chunks.ready().or_else(|| chunks.next()) {
                    for (i, r) in results.into_iter().enumerate() {
                        assert!(seen[start + i].replace(r).is_none());
                    }
                }
            });
            assert_eq!(seen, items.iter().map(|x| Some(x * 2)).collect::<Vec<_>>());
        }
        // Nothing to do, and a consumer that stops at once: both return.
        assert!(parallel_chunks(&[] as &[usize], 2, &|x: &usize| *x, |chunks| chunks.next().is_none()));
        assert_eq!(parallel_chunks(&items, 2, &|x: &usize| *x, |_| 7), 7);
    }
}
