//! Lists of token ids for Python, made from kept `int` objects (see [`super::ints`]): a list
//! costs a reference count per id.

use super::ints::id_to_int;
use crate::vocab::Rank;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// A Python list of `ids`.
pub(super) fn list_of<'py>(py: Python<'py>, ids: &[Rank]) -> PyResult<Bound<'py, PyList>> {
    let len = ffi::Py_ssize_t::try_from(ids.len())?;
    // SAFETY: attached (`py`); `PyList_New` gives a new reference or null with an exception set.
    let list = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyList_New(len))? };
    let keep = crate::cache::on(crate::cache::Cache::Ints);
    for (i, &id) in ids.iter().enumerate() {
        // SAFETY: attached.
        let int = unsafe { id_to_int(id, keep) };
        if int.is_null() {
            // The list's items past `i` are null, which its deallocation skips.
            return Err(PyErr::fetch(py));
        }
        // SAFETY: `list` is a new list of `len` items, `i` is below `len`, and the item slot is
        // empty; it takes over the new reference to `int` (the stable ABI has the function only,
        // which cannot fail here).
        #[cfg(not(feature = "abi3"))]
        unsafe {
            ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, int)
        };
        #[cfg(feature = "abi3")]
        unsafe {
            ffi::PyList_SetItem(list.as_ptr(), i as ffi::Py_ssize_t, int)
        };
    }
    // SAFETY: made by `PyList_New` just now.
    Ok(unsafe { list.cast_into_unchecked::<PyList>() })
}
