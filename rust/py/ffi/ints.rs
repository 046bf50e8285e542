//! Python ints made once per value and kept: the counts that `StreamCounter.push` returns and the
//! token ids in the lists that `encode` returns.
//!
//! CPython keeps the ints up to 256 and makes any other one anew: a stream past a paragraph
//! would make an int on every push only for the caller's loop to drop it, and a list of ids an
//! int per id (an allocation, then a free). So values below [`KEPT`] get one int each, made the
//! first time and kept for the life of the process; a caller gets a new reference to it. Ids keep
//! theirs at any value below [`KEPT`] (every built-in vocabulary's ids are), counts only below
//! [`KEPT_COUNTS`] (a long stream would otherwise keep an int for every count it passes). The
//! tables are static, zeroed, and paged in as values reach them. Ints are immutable, so sharing
//! them changes nothing a caller can see but `is`.
//!
//! Counts are made a block of [`COUNT_BLOCK`] at a time, in one loop, apart from the ids: a
//! stream's counts go up one by one and each push touches its count's reference count, so ints
//! that lie in order on a few pages keep those touches cheap.

use pyo3::ffi;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Values below this one may be kept.
const KEPT: usize = 1 << 18;
/// Counts below this one are kept (at most 16,384 ints, about 512 KiB).
const KEPT_COUNTS: usize = 1 << 14;
/// Counts whose ints are made together (8 KiB of ints).
const COUNT_BLOCK: usize = 256;

/// The kept ints of ids; null where none was made yet. An entry, once set, holds a reference of
/// its own and never changes, so a load sees a valid int or null on every thread.
static IDS: [AtomicPtr<ffi::PyObject>; KEPT] = [const { AtomicPtr::new(null_mut()) }; KEPT];
/// The kept ints of counts, as [`IDS`] keeps those of ids.
static COUNTS: [AtomicPtr<ffi::PyObject>; KEPT_COUNTS] = [const { AtomicPtr::new(null_mut()) }; KEPT_COUNTS];

/// A new reference to the int that `slot` keeps, or null when it keeps none yet.
///
/// # Safety
/// The thread is attached to the interpreter.
#[inline]
unsafe fn kept(slot: &AtomicPtr<ffi::PyObject>) -> *mut ffi::PyObject {
    let kept = slot.load(Ordering::Acquire);
    if !kept.is_null() {
        // SAFETY: a kept int lives forever; attached.
        unsafe { ffi::Py_INCREF(kept) };
    }
    kept
}

/// A new reference to a new int `n`, which `slot` keeps as well unless another thread kept one
/// first (null with an exception set when CPython could not make one).
///
/// # Safety
/// The thread is attached to the interpreter; `slot` is empty or keeps an int equal to `n`.
unsafe fn make(slot: &AtomicPtr<ffi::PyObject>, n: usize) -> *mut ffi::PyObject {
    // SAFETY: attached.
    let made = unsafe { ffi::PyLong_FromSize_t(n) };
    if !made.is_null() && slot.compare_exchange(null_mut(), made, Ordering::AcqRel, Ordering::Acquire).is_ok() {
        // The table's own reference.
        // SAFETY: attached; `made` is a valid int.
        unsafe { ffi::Py_INCREF(made) };
    }
    made
}

/// A new reference to a Python int equal to the count `n` (null with an exception set when
/// CPython could not make one).
///
/// # Safety
/// The thread is attached to the interpreter.
pub(super) unsafe fn count_to_int(n: usize) -> *mut ffi::PyObject {
    let Some(slot) = COUNTS.get(n).filter(|_| crate::cache::on(crate::cache::Cache::Ints)) else {
        // SAFETY: attached (the caller's contract).
        return unsafe { ffi::PyLong_FromSize_t(n) };
    };
    // SAFETY: attached (the caller's contract).
    unsafe {
        let int = kept(slot);
        if int.is_null() {
            make_block(n)
        } else {
            int
        }
    }
}

/// Makes the ints of the block of counts that holds `n` (below [`KEPT_COUNTS`]) that are not
/// kept yet, in one loop, and returns a new reference to `n`'s (null with an exception set when
/// CPython could not make one).
///
/// # Safety
/// The thread is attached to the interpreter.
#[cold]
#[inline(never)]
unsafe fn make_block(n: usize) -> *mut ffi::PyObject {
    let block = n - n % COUNT_BLOCK;
    for (m, slot) in COUNTS[block..block + COUNT_BLOCK].iter().enumerate() {
        if slot.load(Ordering::Acquire).is_null() {
            // SAFETY: attached (the caller's contract), here and below.
            let made = unsafe { make(slot, block + m) };
            if made.is_null() {
                return made;
            }
            unsafe { ffi::Py_DECREF(made) };
        }
    }
    // Every slot of the block keeps its int now.
    unsafe { kept(&COUNTS[n]) }
}

/// A new reference to a Python int equal to the token id `id`, kept when `keep` (the cache of
/// ints is on, see [`crate::cache::on`]); null with an exception set when CPython could not
/// make one.
///
/// # Safety
/// The thread is attached to the interpreter.
#[inline]
pub(super) unsafe fn id_to_int(id: u32, keep: bool) -> *mut ffi::PyObject {
    let Some(slot) = IDS.get(id as usize).filter(|_| keep) else {
        // SAFETY: attached (the caller's contract).
        return unsafe { ffi::PyLong_FromSize_t(id as usize) };
    };
    // SAFETY: attached (the caller's contract).
    unsafe {
        let int = kept(slot);
        if int.is_null() {
            make(slot, id as usize)
        } else {
            int
        }
    }
}
