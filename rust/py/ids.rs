//! Lists of token ids for Python, made from shared `int` objects.
//!
//! A list of ids needs one `int` object per id; making each anew (an allocation, then a free when
//! the list goes) costs as much as the encoding itself on text that the piece caches serve. Ids
//! below [`SHARED`] are made once per process and then only shared, like CPython's own small
//! ints, so a list costs a reference count per id.

use crate::vocab::Rank;
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::IntoPyObjectExt;
use std::sync::Mutex;

/// Ids below this share their `int` objects (every built-in vocabulary's ids are below it); the
/// table of them grows to the largest id seen, 8 bytes per id.
const SHARED: usize = 1 << 18;

/// The shared `int` of each id seen, by id.
static INTS: Mutex<Vec<Option<Py<PyAny>>>> = Mutex::new(Vec::new());

/// A Python list of `ids`.
pub(crate) fn list_of<'py>(py: Python<'py>, ids: &[Rank]) -> PyResult<Bound<'py, PyList>> {
    // Nothing in here runs Python code or lets the GIL go, so the lock is never held across a
    // switch to another thread that wants it.
    let mut ints = INTS.lock().unwrap_or_else(|e| e.into_inner());
    let top = ids.iter().copied().filter(|&r| (r as usize) < SHARED).max().map_or(0, |r| r as usize + 1);
    if ints.len() < top {
        ints.resize_with(top, || None);
    }
    let mut failed = None;
    let items = ids.iter().map(|&r| {
        let made = match ints.get_mut(r as usize) {
            Some(Some(int)) => return int.clone_ref(py),
            Some(slot) => r.into_py_any(py).inspect(|int| *slot = Some(int.clone_ref(py))),
            None => r.into_py_any(py),
        };
        made.unwrap_or_else(|e| {
            failed = Some(e);
            py.None()
        })
    });
    let list = PyList::new(py, items)?;
    match failed {
        Some(e) => Err(e),
        None => Ok(list),
    }
}
