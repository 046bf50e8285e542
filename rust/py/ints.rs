//! The Python ints that `StreamCounter.push` returns, made once per value and kept.
//!
//! CPython keeps the ints up to 256 and makes any other one anew; a stream's count passes 256
//! after a paragraph, and from then on every push made an int that the caller's loop dropped
//! again: about 110 of the 1,000 machine instructions a token-sized push costs (callgrind, a
//! Russian stream, o200k_base). Counts below [`KEPT`] are made once and kept for the life of
//! the process (at most 16,384 ints, about 512 KiB, and a 128 KiB table paged in as counts
//! reach it); a push hands out a new reference to the kept one. Ints are immutable, so sharing
//! them changes nothing a caller can see but `is`.

use pyo3::ffi;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Counts below this one are kept.
const KEPT: usize = 1 << 14;

/// The kept ints; null where none was made yet. An entry, once set, holds a reference of its
/// own and never changes, so a load sees a valid int or null on every thread.
static INTS: [AtomicPtr<ffi::PyObject>; KEPT] = [const { AtomicPtr::new(null_mut()) }; KEPT];

/// A new reference to a Python int equal to `n` (null with an exception set when CPython
/// could not make one).
///
/// # Safety
/// The thread is attached to the interpreter.
pub unsafe fn count_to_int(n: usize) -> *mut ffi::PyObject {
    let Some(slot) = INTS.get(n) else {
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
