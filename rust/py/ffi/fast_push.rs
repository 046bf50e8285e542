//! `StreamCounter.push` as a plain CPython method: the one call a stream makes per delta.
//!
//! A method that pyo3 generates pays, on every call, for its general argument parser (which
//! handles any signature and keywords), for counting the thread's attachment to the interpreter
//! and for flushing deferred reference drops: a sizeable part of a token-sized push. This method
//! takes its one positional argument from the vector CPython hands it, borrows the counter
//! through pyo3 as every method does (so a push that released the GIL still excludes any other
//! use of the counter), hands a short `str` straight to the stream, and catches panics as pyo3
//! does. It replaces pyo3's `push` on the class when the module loads; anything but a short `str`
//! takes the same path as that method (`PyStreamCounter::push_delta`). The count it returns is a
//! kept int ([`super::ints`]).

use super::ints::count_to_int;
#[cfg(not(feature = "abi3"))]
use super::str_storage::{short_utf8, SHORT_UTF8};
use crate::py::stream::PyStreamCounter;
use crate::py::text::DETACH_BYTES;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The body of the method: `slf` is a `StreamCounter` (the method descriptor checks it) and
/// `args` holds `nargs` positional arguments.
///
/// # Safety
/// The thread is attached to the interpreter; `slf` and the `nargs` pointers at `args` are
/// valid borrowed references.
unsafe fn push(
    py: Python<'_>,
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: isize,
) -> PyResult<usize> {
    if nargs != 1 {
        return Err(PyTypeError::new_err(format!("push() takes exactly one argument ({nargs} given)")));
    }
    // SAFETY: borrowed references, valid for the call (the caller's contract); used as such,
    // without reference counting of their own.
    let (slf, delta) = unsafe { (Borrowed::from_ptr(py, slf), Borrowed::from_ptr(py, *args)) };
    let counter = slf.cast::<PyStreamCounter>()?;
    let mut counter = counter.try_borrow_mut()?;
    if delta.is_none() {
        return counter.push_delta(py, None);
    }
    // The usual delta, a short `str` without lone surrogates, goes straight in.
    if let Ok(string) = delta.cast::<PyString>() {
        #[cfg(not(feature = "abi3"))]
        {
            let mut buf = std::mem::MaybeUninit::<[u8; SHORT_UTF8]>::uninit();
            match short_utf8(&string, &mut buf) {
                Some(text) if text.len() < DETACH_BYTES => return Ok(counter.push_str(text)?),
                // A long ASCII text: pushed without the GIL below.
                Some(_) => return counter.push_delta(py, Some(&delta)),
                None => {}
            }
        }
        match string.to_str() {
            Ok(text) if text.len() < DETACH_BYTES => return Ok(counter.push_str(text)?),
            _ => {}
        }
    }
    counter.push_delta(py, Some(&delta))
}

/// The C entry point (`METH_FASTCALL`; CPython itself refuses keyword arguments).
unsafe extern "C" fn push_entry(
    slf: *mut ffi::PyObject,
    args: *mut *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls a method with the thread attached.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: CPython passes a valid `self` and `nargs` valid arguments.
    let result = catch_unwind(AssertUnwindSafe(|| unsafe { push(py, slf, args, nargs) }));
    let err = match result {
        // SAFETY: attached.
        Ok(Ok(count)) => return unsafe { count_to_int(count) },
        Ok(Err(err)) => err,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("panic in StreamCounter.push");
            PanicException::new_err(message.to_owned())
        }
    };
    err.restore(py);
    std::ptr::null_mut()
}

/// Replaces `push` on the `StreamCounter` class with [`push_entry`].
pub(super) fn install(py: Python<'_>) -> PyResult<()> {
    let class = py.get_type::<PyStreamCounter>();
    // The class keeps the method for the life of the process; a definition leaked once per
    // module initialisation.
    let def = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: c"push".as_ptr(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunctionFast: push_entry },
        ml_flags: ffi::METH_FASTCALL,
        ml_doc: c"push($self, delta, /)\n--\n\nAppends a text delta (`None` and `\"\"` change nothing) and returns the count."
            .as_ptr(),
    }));
    // SAFETY: `class` is a type object and `def` lives forever.
    let descriptor = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(class.as_ptr().cast::<ffi::PyTypeObject>(), def))?
    };
    class.setattr("push", descriptor)
}
