//! Reading a `str` out of CPython's own storage, without CPython's UTF-8 API: an ASCII `str` is
//! its own UTF-8, and a short other one is decoded without the copy CPython would make.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Most UTF-8 bytes that [`short_utf8`] writes.
pub(super) const SHORT_UTF8: usize = 256;

/// The UTF-8 text of `s`: its own storage when it is ASCII (any length; the call into CPython
/// that `to_str` makes for it was a tenth of a push); written into `buf` (left uninitialised by
/// the caller) when it is short and free of surrogates; otherwise None, and
/// [`PyString::to_str`] gives it (or fails on surrogates).
///
/// CPython answers `to_str` of a non-ASCII `str` with a UTF-8 copy that it allocates and keeps
/// with the object; a streamed delta is a fresh `str` every time, so each push of one paid for
/// that allocation, and for its release when the delta went away (about 30 ns). Here the
/// characters are read from the `str`'s own storage (one, two or four bytes each).
pub(super) fn short_utf8<'b>(
    s: &'b Bound<'_, PyString>,
    buf: &'b mut std::mem::MaybeUninit<[u8; SHORT_UTF8]>,
) -> Option<&'b str> {
    use pyo3::ffi;
    let ptr = s.as_ptr();
    let out = buf.as_mut_ptr().cast::<u8>();
    // SAFETY: `ptr` is a live `str` (a borrowed reference held by `s`); every `str` of CPython
    // >= 3.12 is ready, and 3.10-3.11 make a `str` ready when they make it from Python code or
    // from any API but the deprecated `Py_UNICODE` ones (`PyUnicode_READY` is checked anyway).
    unsafe {
        if ffi::PyUnicode_READY(ptr) != 0 {
            ffi::PyErr_Clear();
            return None;
        }
        let (data, len) = (ffi::PyUnicode_DATA(ptr), usize::try_from(ffi::PyUnicode_GET_LENGTH(ptr)).ok()?);
        if ffi::PyUnicode_IS_ASCII(ptr) != 0 {
            // SAFETY: an ASCII `str` keeps its `len` characters as `len` bytes below 0x80 (UTF-8)
            // at `data`, unchanged while it lives, and `s` keeps it alive for `'b`.
            return Some(std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), len)));
        }
        let kind = ffi::PyUnicode_KIND(ptr);
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
            let mut utf8 = [0u8; 4];
            let n = char::from_u32(unit)?.encode_utf8(&mut utf8).len();
            // SAFETY: the `i`-th character starts at `at <= 4 * i`, so all four bytes land
            // below `4 * len <= SHORT_UTF8`: within `buf` (one store, where a copy of `n` bytes
            // would call memcpy); the bytes past `n` are overwritten or never read.
            out.add(at).cast::<[u8; 4]>().write_unaligned(utf8);
            at += n;
        }
        // SAFETY: the first `at` bytes of `buf` were written just above, with the UTF-8 of whole
        // `char`s and nothing else.
        Some(std::str::from_utf8_unchecked(std::slice::from_raw_parts(out, at)))
    }
}
