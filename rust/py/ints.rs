//! Python ints made once per value and kept: the counts that `StreamCounter.push` returns and the
//! token ids in the lists that `encode` returns.
//!
//! CPython keeps the ints up to 256 and makes any other one anew. A stream's count passes 256
//! after a paragraph, and from then on every push made an int that the caller's loop dropped
//! again: about 110 of the 1,000 machine instructions a token-sized push costs (callgrind, a
//! Russian stream, o200k_base). A list of ids needs an int per id, and making each anew (an
//! allocation, then a free when the list goes) cost as much as the encoding itself on text that
//! the piece caches serve. So values below [`KEPT`] get one int each, made the first time and
//! kept for the life of the process; a caller gets a new reference to it. Ids keep theirs at any
//! value below [`KEPT`] (every built-in vocabulary's ids are below it), counts only below
//! [`KEPT_COUNTS`] (a long stream would otherwise keep an int for every count it passes). The
//! table is 2 MiB of zeroed static memory, paged in as values reach it. Ints are immutable, so
//! sharing them changes nothing a caller can see but `is`.

use pyo3::ffi;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Values below this one may be kept.
const KEPT: usize = 1 << 18;
/// Counts below this one are kept (at most 16,384 ints, about 512 KiB).
const KEPT_COUNTS: usize = 1 << 14;

/// The kept ints; null where none was made yet. An entry, once set, holds a reference of its
/// own and never changes, so a load sees a valid int or null on every thread.
static INTS: [AtomicPtr<ffi::PyObject>; KEPT] = [const { AtomicPtr::new(null_mut()) }; KEPT];

/// A new reference to the Python int `n`, kept when `n` is below `keep` (null with an exception
/// set when CPython could not make one).
///
/// # Safety
/// The thread is attached to the interpreter.
#[inline]
unsafe fn int_of(n: usize, keep: usize) -> *mut ffi::PyObject {
    let Some(slot) = INTS[..keep.min(KEPT)].get(n) else {
        // SAFETY: attached (the caller's contract).
        return unsafe { ffi::PyLong_FromSize_t(n) };
    };
    let kept = slot.load(Ordering::Acquire);
    if !kept.is_null() {
        // SAFETY: a kept int lives forever; attached.
        unsafe { ffi::Py_INCREF(kept) };
        return kept;
    }
    // SAFETY: attached.
    let made = unsafe { ffi::PyLong_FromSize_t(n) };
    if !made.is_null() && slot.compare_exchange(null_mut(), made, Ordering::AcqRel, Ordering::Acquire).is_ok() {
        // The table's own reference (another thread may have kept its int first: then this one
        // is simply returned).
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
pub unsafe fn count_to_int(n: usize) -> *mut ffi::PyObject {
    // SAFETY: attached (the caller's contract).
    unsafe { int_of(n, KEPT_COUNTS) }
}

/// A new reference to a Python int equal to the token id `id` (null with an exception set when
/// CPython could not make one).
///
/// # Safety
/// The thread is attached to the interpreter.
#[inline]
pub unsafe fn id_to_int(id: u32) -> *mut ffi::PyObject {
    // SAFETY: attached (the caller's contract).
    unsafe { int_of(id as usize, KEPT) }
}
