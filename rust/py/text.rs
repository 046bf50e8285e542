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

/// Most UTF-8 bytes that [`short_utf8`] writes.
#[cfg(not(feature = "abi3"))]
pub(crate) const SHORT_UTF8: usize = 256;

/// The UTF-8 text of `s`, written into `buf`, when `s` is short, not ASCII and free of
/// surrogates; otherwise None, and [`PyString::to_str`] gives it (or fails on surrogates).
///
/// CPython answers `to_str` of a non-ASCII `str` with a UTF-8 copy that it allocates and keeps
/// with the object; a streamed delta is a fresh `str` every time, so each push of one paid for
/// that allocation, and for its release when the delta went away (about 30 ns). Here the
/// characters are read from the `str`'s own storage (one, two or four bytes each).
#[cfg(not(feature = "abi3"))]
pub(crate) fn short_utf8<'b>(s: &Bound<'_, PyString>, buf: &'b mut [u8; SHORT_UTF8]) -> Option<&'b str> {
    use pyo3::ffi;
    let ptr = s.as_ptr();
    // SAFETY: `ptr` is a live `str` (a borrowed reference held by `s`); every `str` of CPython
    // >= 3.12 is ready, and 3.10-3.11 make a `str` ready when they make it from Python code or
    // from any API but the deprecated `Py_UNICODE` ones (`PyUnicode_READY` is checked anyway).
    unsafe {
        if ffi::PyUnicode_READY(ptr) != 0 {
            ffi::PyErr_Clear();
            return None;
        }
        if ffi::PyUnicode_IS_ASCII(ptr) != 0 {
            return None;
        }
        let (kind, data, len) = (ffi::PyUnicode_KIND(ptr), ffi::PyUnicode_DATA(ptr), ffi::PyUnicode_GET_LENGTH(ptr));
        let len = usize::try_from(len).ok()?;
        // Four bytes a character at most: anything longer takes CPython's way.
        if len > SHORT_UTF8 / 4 {
            return None;
        }
        let mut at = 0;
        for i in 0..len {
            // SAFETY: `i` is below the length, in the storage of `kind`-byte units.
            let unit = match kind {
                ffi::PyUnicode_1BYTE_KIND => u32::from(*data.cast::<u8>().add(i)),
                ffi::PyUnicode_2BYTE_KIND => u32::from(*data.cast::<u16>().add(i)),
                _ => *data.cast::<u32>().add(i),
            };
            // Surrogates are no `char`: they take the way that pairs them.
            at += char::from_u32(unit)?.encode_utf8(&mut buf[at..]).len();
        }
        // SAFETY: `buf[..at]` holds the UTF-8 of whole `char`s, nothing else.
        Some(std::str::from_utf8_unchecked(&buf[..at]))
    }
}
