//! The raw CPython calls of the bindings, behind one door and the `fast-ffi` cargo feature (on
//! by default). Each unsafe block states why it is sound where it stands. Without the feature the
//! same functions take pyo3's safe paths: every result is the same, a push costs more.
//!
//! - [`ints`]: ints made once per value and kept for the life of the process (counts and ids),
//!   so that a push or a list does not allocate an int per value.
//! - [`lists`]: lists of ids filled in place from the kept ints.
//! - [`str_storage`]: a `str` read from CPython's own storage: ASCII as it lies, a short other
//!   one without the UTF-8 copy CPython would allocate and keep with it.
//! - [`fast_push`]: `StreamCounter.push` as a plain `METH_FASTCALL` method, without pyo3's general
//!   argument parser.
//!
//! None of this has run on a free-threaded CPython (the module declares that it uses the GIL);
//! ARCHITECTURE.md lists what each would need there.

use crate::vocab::Rank;
use pyo3::prelude::*;
use pyo3::types::PyList;

#[cfg(feature = "fast-ffi")]
mod fast_push;
#[cfg(feature = "fast-ffi")]
mod ints;
#[cfg(feature = "fast-ffi")]
mod lists;
#[cfg(all(feature = "fast-ffi", not(feature = "abi3")))]
mod str_storage;

/// A Python list of `ids`.
pub(crate) fn list_of<'py>(py: Python<'py>, ids: &[Rank]) -> PyResult<Bound<'py, PyList>> {
    #[cfg(feature = "fast-ffi")]
    return lists::list_of(py, ids);
    #[cfg(not(feature = "fast-ffi"))]
    return PyList::new(py, ids);
}

/// Replaces pyo3's `StreamCounter.push` with the plain CPython method (nothing without the
/// feature).
pub(crate) fn install_push(py: Python<'_>) -> PyResult<()> {
    #[cfg(feature = "fast-ffi")]
    return fast_push::install(py);
    #[cfg(not(feature = "fast-ffi"))]
    {
        let _ = py;
        Ok(())
    }
}
