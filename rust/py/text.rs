//! Getting `&str` out of Python objects without copying, and tiktoken's surrogate fallback.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::borrow::Cow;

/// Texts at least this long are processed with the GIL released.
pub(crate) const DETACH_BYTES: usize = 8 * 1024;

/// The UTF-8 text of `obj`, which must be a `str`.
///
/// A `str` with surrogates cannot be UTF-8; like tiktoken, such text goes through UTF-16 with
/// surrogates passed, then back with replacement: paired surrogates become their character and
/// lone ones U+FFFD.
pub(crate) fn text_of<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, str>> {
    match delta_of(obj)? {
        Delta::Utf8(t) => Ok(Cow::Borrowed(t)),
        Delta::Utf16(units) => Ok(Cow::Owned(String::from_utf16_lossy(&units))),
    }
}

/// A stream delta: UTF-8 text, or the UTF-16 code units of a `str` that holds surrogates.
pub(crate) enum Delta<'a> {
    Utf8(&'a str),
    Utf16(Vec<u16>),
}

impl Delta<'_> {
    /// Size of the delta in code units, to decide whether to release the GIL.
    pub(crate) fn len(&self) -> usize {
        match self {
            Delta::Utf8(s) => s.len(),
            Delta::Utf16(u) => u.len(),
        }
    }
}

/// The delta that `obj` (a `str`) holds; surrogates are kept so that a stream can pair them.
pub(crate) fn delta_of<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Delta<'a>> {
    let s = obj.cast::<PyString>().map_err(|_| type_error("str", obj))?;
    match s.to_str() {
        Ok(t) => Ok(Delta::Utf8(t)),
        Err(_) => {
            let encoded = s.call_method1("encode", ("utf-16-le", "surrogatepass"))?;
            let bytes = encoded.cast::<PyBytes>()?.as_bytes();
            Ok(Delta::Utf16(bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()))
        }
    }
}

/// The TypeError for an argument of the wrong type, in tiktoken's words.
pub(crate) fn type_error(expected: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    let got = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".to_string());
    PyTypeError::new_err(format!("'{got}' object is not an instance of '{expected}'"))
}
