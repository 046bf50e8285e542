//! Work over a batch of items on scoped threads.
//!
//! Threads take small chunks of items from a shared counter until none are left, so a batch
//! whose costly items sit together (a corpus sorted by language) still keeps every thread busy.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::thread::{Scope, ScopedJoinHandle};

/// The threads the machine runs at once (1 when it cannot tell), asked once.
pub fn cpus() -> usize {
    static CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Items per chunk: small enough to even out the threads' loads, large enough to make the shared
/// counter cheap (16 chunks per thread, at most 64 items).
fn chunk_len(items: usize, threads: usize) -> usize {
    items.div_ceil(threads * 16).clamp(1, 64)
}

/// `f` over every item, on up to `threads` scoped threads; results keep the items' order.
///
/// Fails when the OS refuses to start a thread; the threads already started stop after their
/// current chunk.
pub fn parallel_map<I: Sync, T: Send>(
    items: &[I],
    threads: usize,
    f: &(impl Fn(&I) -> T + Sync),
) -> io::Result<Vec<T>> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return Ok(items.iter().map(f).collect());
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
        let (handles, refused) = spawn_workers(scope, threads - 1, work);
        if let Some(e) = refused {
            stop(items, &next, handles);
            return Err(e);
        }
        let mut parts = work();
        for h in handles {
            // A panicking worker re-raises its panic here, where the bindings turn it into an error.
            parts.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        Ok(parts)
    })?;
    parts.sort_unstable_by_key(|p| p.0);
    Ok(parts.into_iter().flat_map(|p| p.1).collect())
}

/// Starts up to `n` threads running `work`: the handles of those started, and the error of the
/// first the OS refused (no more are tried after it).
fn spawn_workers<'scope, R: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    n: usize,
    work: impl FnOnce() -> R + Send + Clone + 'scope,
) -> (Vec<ScopedJoinHandle<'scope, R>>, Option<io::Error>) {
    let mut handles = Vec::with_capacity(n);
    for _ in 0..n {
        match std::thread::Builder::new().spawn_scoped(scope, work.clone()) {
            Ok(h) => handles.push(h),
            Err(e) => return (handles, Some(e)),
        }
    }
    (handles, None)
}

/// Makes the started workers find no chunk left, and waits for them.
fn stop<I, R>(items: &[I], next: &AtomicUsize, handles: Vec<ScopedJoinHandle<'_, R>>) {
    next.store(items.len(), Ordering::Relaxed);
    for h in handles {
        h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
    }
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
/// returns early, the other threads stop after their current chunk. Fails, without calling
/// `consume`, when the OS refuses to start a thread.
pub fn parallel_chunks<I: Sync, T: Send, F: Fn(&I) -> T + Sync, R>(
    items: &[I],
    threads: usize,
    f: &F,
    consume: impl FnOnce(Chunks<'_, I, F, T>) -> R,
) -> io::Result<R> {
    let threads = threads.clamp(1, items.len().max(1));
    let chunk = chunk_len(items.len(), threads);
    let next = AtomicUsize::new(0);
    let (sender, done) = channel();
    std::thread::scope(|scope| {
        let next_ref = &next;
        // The workers hold the only senders: `done` ends when the last one has finished.
        let (handles, refused) = spawn_workers(scope, threads - 1, move || {
            while let Some(part) = take(items, chunk, next_ref, f) {
                if sender.send(part).is_err() {
                    return;
                }
            }
        });
        if let Some(e) = refused {
            stop(items, &next, handles);
            return Err(e);
        }
        let out = consume(Chunks { items, f, chunk, next: &next, done });
        for h in handles {
            // A panicking worker re-raises its panic here, where the bindings turn it into an error.
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<usize> = (0..1000).collect();
        for threads in [1, 2, 3, 7] {
            assert_eq!(
                parallel_map(&items, threads, &|x| x * 2).unwrap(),
                items.iter().map(|x| x * 2).collect::<Vec<_>>()
            );
        }
        assert!(parallel_map(&[] as &[usize], 2, &|x| *x).unwrap().is_empty());
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
            })
            .unwrap();
            assert_eq!(seen, items.iter().map(|x| Some(x * 2)).collect::<Vec<_>>());
        }
        // Nothing to do, and a consumer that stops at once: both return.
        assert!(parallel_chunks(&[] as &[usize], 2, &|x: &usize| *x, |chunks| chunks.next().is_none()).unwrap());
        assert_eq!(parallel_chunks(&items, 2, &|x: &usize| *x, |_| 7).unwrap(), 7);
    }
}
