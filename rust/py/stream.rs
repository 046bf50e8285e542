//! `StreamCounter` and `StreamEncoder`: the streaming API over [`crate::Stream`].

use super::encoding::PyEncoding;
use super::text::{delta_of, type_error, Delta, DETACH_BYTES};
use crate::error::Error;
use crate::stream::{Snapshot, Stream};
use crate::vocab::Rank;
use pyo3::exceptions::{PyUnicodeDecodeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyFrozenSet, PyMemoryView, PyString};
use std::borrow::Cow;

/// A stream over `encoding` (an `Encoding`, an encoding name or a model name).
fn open_stream(
    py: Python<'_>,
    encoding: &Bound<'_, PyAny>,
    allowed_special: Option<&Bound<'_, PyAny>>,
    max_open_bytes: Option<usize>,
) -> PyResult<(Stream, Py<PyEncoding>)> {
    let enc: Bound<'_, PyEncoding> = match encoding.cast::<PyEncoding>() {
        Ok(e) => e.clone(),
        Err(_) => {
            let resolve = py.import("streamtok._encoding")?.getattr("_resolve")?;
            resolve.call1((encoding,))?.cast_into::<PyEncoding>()?
        }
    };
    let py_enc = enc.get();
    let specials = match allowed_special {
        Some(a) if a.len().map_or(true, |n| n > 0) => Some(py_enc.matcher(Some(a))?),
        _ => None,
    };
    let specials = py_enc.inner.stream_specials(specials)?;
    let mut stream = Stream::new(py_enc.inner.clone(), specials);
    if let Some(max) = max_open_bytes {
        if max == 0 {
            return Err(PyValueError::new_err("max_open_bytes must be a positive number of bytes"));
        }
        stream.set_max_open_bytes(max);
    }
    Ok((stream, enc.unbind()))
}

/// What a stream keeps of `allowed_special`, to pickle and copy: `"all"` (or another `str`, which
/// the matcher refuses), else the texts as a `frozenset`; never the caller's object, which may be
/// an iterator that opening the stream used up, or a set the caller changes later.
fn resolved_allowed<'py>(allowed: Option<&Bound<'py, PyAny>>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match allowed {
        None => Ok(None),
        Some(a) if a.is_instance_of::<PyString>() => Ok(Some(a.clone())),
        Some(a) => {
            let texts: Vec<String> = a.try_iter()?.map(|t| t?.extract::<String>()).collect::<PyResult<_>>()?;
            Ok(Some(PyFrozenSet::new(a.py(), &texts)?.into_any()))
        }
    }
}

/// The arguments `_restore` takes to rebuild a stream: encoding, allowed specials, state, limit.
type Saved = (Py<PyEncoding>, Option<Py<PyAny>>, Vec<u8>, Option<u16>, String, usize, bool, usize, usize);

fn save(py: Python<'_>, stream: &Stream, encoding: &Py<PyEncoding>, allowed: &Option<Py<PyAny>>) -> Saved {
    let s = stream.snapshot();
    let allowed = allowed.as_ref().map(|a| a.clone_ref(py));
    (
        encoding.clone_ref(py),
        allowed,
        s.carry,
        s.held,
        s.tail,
        s.committed,
        s.finished,
        stream.max_open_bytes(),
        s.first_from,
    )
}

/// Rebuilds a stream from what [`save`] gave.
#[allow(clippy::too_many_arguments)]
fn restore(
    py: Python<'_>,
    encoding: &Bound<'_, PyAny>,
    allowed: Option<&Bound<'_, PyAny>>,
    carry: Vec<u8>,
    held: Option<u16>,
    tail: String,
    committed: usize,
    finished: bool,
    max_open_bytes: Option<usize>,
    first_from: usize,
) -> PyResult<(Stream, Py<PyEncoding>)> {
    let (fresh, encoding) = open_stream(py, encoding, allowed, max_open_bytes)?;
    let snapshot = Snapshot { carry, held, tail, committed, finished, first_from };
    let mut stream = Stream::restore(fresh.encoding().clone(), fresh.specials().cloned(), snapshot)
        .map_err(|e| PyValueError::new_err(format!("cannot restore the stream: {e}")))?;
    stream.set_max_open_bytes(fresh.max_open_bytes());
    Ok((stream, encoding))
}

/// Pushes a `str` delta (`None` changes nothing) into `stream`, ids to `out` when given.
fn push_delta(
    py: Python<'_>,
    stream: &mut Stream,
    delta: Option<&Bound<'_, PyAny>>,
    out: Option<&mut Vec<Rank>>,
) -> PyResult<usize> {
    let Some(delta) = delta else { return Ok(stream.count()) };
    let delta = delta_of(delta)?;
    Ok(with_stream(py, delta.len(), stream, |s| match &delta {
        Delta::Utf8(text) => s.push_str(text, out),
        Delta::Utf16(units) => s.push_utf16(units, out),
    })?)
}

/// Runs `f` on the stream, with the GIL released when the delta is large.
fn with_stream<T: Send>(
    py: Python<'_>,
    size: usize,
    stream: &mut Stream,
    f: impl FnOnce(&mut Stream) -> T + Send,
) -> T {
    if size >= DETACH_BYTES {
        py.detach(|| f(stream))
    } else {
        f(stream)
    }
}

/// The bytes of a `bytes`, `bytearray` or `memoryview`, copied only when not `bytes`.
fn bytes_of<'a>(data: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(b) = data.cast::<PyByteArray>() {
        return Ok(Cow::Owned(b.to_vec()));
    }
    if data.is_instance_of::<PyMemoryView>() {
        return Ok(Cow::Owned(data.call_method0("tobytes")?.cast::<PyBytes>()?.as_bytes().to_vec()));
    }
    Err(type_error("bytes", data))
}

/// `errors` of push_bytes: "replace" or "strict".
fn strict_of(errors: &str) -> PyResult<bool> {
    match errors {
        "replace" => Ok(false),
        "strict" => Ok(true),
        other => Err(PyValueError::new_err(format!("errors must be \"replace\" or \"strict\", got {other:?}"))),
    }
}

/// The UnicodeDecodeError for strict bytes, or the error as it maps otherwise.
fn decode_error(py: Python<'_>, data: &[u8], e: Error) -> PyErr {
    if let Error::InvalidUtf8 { offset, .. } = e {
        let end = (offset + 1).min(data.len());
        return match PyUnicodeDecodeError::new(py, c"utf-8", data, offset.min(end)..end, c"invalid utf-8") {
            Ok(err) => PyErr::from_value(err.into_any()),
            Err(err) => err,
        };
    }
    e.into()
}

/// Declares a stream class: the fields, constructor, pickling, accessors and copying that
/// `StreamCounter` and `StreamEncoder` share, around the methods given in braces.
macro_rules! stream_class {
    ($(#[$doc:meta])* $rust:ident, $python:literal, { $($methods:tt)* }) => {
        $(#[$doc])*
        #[pyclass(name = $python, module = "streamtok")]
        pub struct $rust {
            inner: Stream,
            encoding: Py<PyEncoding>,
            allowed: Option<Py<PyAny>>,
        }

        #[pymethods]
        impl $rust {
            #[new]
            #[pyo3(signature = (encoding, *, allowed_special=None, max_open_bytes=None))]
            fn new(
                py: Python<'_>,
                encoding: &Bound<'_, PyAny>,
                allowed_special: Option<&Bound<'_, PyAny>>,
                max_open_bytes: Option<usize>,
            ) -> PyResult<Self> {
                let allowed = resolved_allowed(allowed_special)?;
                let (inner, encoding) = open_stream(py, encoding, allowed.as_ref(), max_open_bytes)?;
                Ok($rust { inner, encoding, allowed: allowed.map(Bound::unbind) })
            }

            #[staticmethod]
            #[allow(clippy::too_many_arguments)]
            #[pyo3(signature = (encoding, allowed, carry, held, tail, committed, finished, max_open_bytes=None, first_from=0))]
            fn _restore(
                py: Python<'_>,
                encoding: &Bound<'_, PyAny>,
                allowed: Option<&Bound<'_, PyAny>>,
                carry: Vec<u8>,
                held: Option<u16>,
                tail: String,
                committed: usize,
                finished: bool,
                max_open_bytes: Option<usize>,
                first_from: usize,
            ) -> PyResult<Self> {
                let allowed = resolved_allowed(allowed)?;
                let (inner, encoding) = restore(
                    py,
                    encoding,
                    allowed.as_ref(),
                    carry,
                    held,
                    tail,
                    committed,
                    finished,
                    max_open_bytes,
                    first_from,
                )?;
                Ok($rust { inner, encoding, allowed: allowed.map(Bound::unbind) })
            }

            /// Pickles the stream mid-way: its encoding (by name), allowed specials and open tail.
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Saved)> {
                let this = slf.borrow();
                Ok((slf.get_type().getattr("_restore")?, save(slf.py(), &this.inner, &this.encoding, &this.allowed)))
            }

            /// Tokens of all text so far, as if the stream ended now.
            #[getter]
            fn count(&self) -> usize {
                self.inner.count()
            }

            /// Tokens that no continuation can change; never decreases.
            #[getter]
            fn stable_count(&self) -> usize {
                self.inner.stable_count()
            }

            /// The stream's `Encoding`.
            #[getter]
            fn encoding(&self, py: Python<'_>) -> Py<PyEncoding> {
                self.encoding.clone_ref(py)
            }

            /// Most bytes of open text (text after the last final piece boundary) the stream may
            /// hold; a push past it raises `ValueError` and changes nothing.
            #[getter]
            fn max_open_bytes(&self) -> usize {
                self.inner.max_open_bytes()
            }

            /// Starts over with no text.
            fn reset(&mut self) {
                self.inner.reset()
            }

            /// An independent copy, state included.
            fn copy(&self, py: Python<'_>) -> Self {
                $rust {
                    inner: self.inner.clone(),
                    encoding: self.encoding.clone_ref(py),
                    allowed: self.allowed.as_ref().map(|a| a.clone_ref(py)),
                }
            }

            fn __copy__(&self, py: Python<'_>) -> Self {
                self.copy(py)
            }

            /// Memory this object owns (the encoding is shared), for `sys.getsizeof`.
            fn __sizeof__(&self) -> usize {
                std::mem::size_of::<Self>() + self.inner.memory_bytes()
            }

            fn __repr__(&self) -> String {
                let s = &self.inner;
                format!("<{} {:?} count={} stable={}>", $python, s.encoding().name(), s.count(), s.stable_count())
            }

            $($methods)*
        }
    };
}

stream_class!(
    /// Exact running token count of text that arrives in deltas.
    ///
    /// After every `push`, `count` equals the number of tokens tiktoken gives the whole text so
    /// far; the cost of a push is proportional to the delta, not to the text before it.
    PyStreamCounter, "StreamCounter", {
    /// Appends a text delta (`None` and `""` change nothing) and returns the count.
    ///
    /// Replaced when the module loads by the same call without pyo3's wrapper (see
    /// `ffi::fast_push`); kept so that the class is whole without it.
    #[pyo3(signature = (delta, /))]
    fn push(&mut self, py: Python<'_>, delta: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
        self.push_delta(py, delta)
    }

    /// Appends UTF-8 bytes that may split characters and returns the count.
    #[pyo3(signature = (data, /, errors="replace"))]
    fn push_bytes(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>, errors: &str) -> PyResult<usize> {
        let strict = strict_of(errors)?;
        let data = bytes_of(data)?;
        with_stream(py, data.len(), &mut self.inner, |s| s.push_bytes(&data, strict, None))
            .map_err(|e| decode_error(py, &data, e))
    }

    /// Ends the stream and returns the final count (then `count == stable_count`).
    fn finish(&mut self) -> usize {
        self.inner.finish(None)
    }
});

impl PyStreamCounter {
    /// Pushes a `str` delta (`None` changes nothing) and returns the count.
    pub(super) fn push_delta(&mut self, py: Python<'_>, delta: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
        push_delta(py, &mut self.inner, delta, None)
    }

    /// Pushes a short text delta, with the GIL held.
    #[cfg(feature = "fast-ffi")]
    #[inline(always)]
    pub(super) fn push_str(&mut self, text: &str) -> Result<usize, Error> {
        self.inner.push_str(text, None)
    }
}

stream_class!(
    /// Token ids of text that arrives in deltas, handed out as they become final.
    ///
    /// The lists returned by `push`, `push_bytes` and `finish`, concatenated, equal tiktoken's
    /// `encode_ordinary` of the whole text (or `encode` with the stream's allowed special tokens).
    PyStreamEncoder, "StreamEncoder", {
    /// Appends a text delta; returns the ids that became final with it.
    #[pyo3(signature = (delta, /))]
    fn push(&mut self, py: Python<'_>, delta: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Rank>> {
        let mut out = Vec::new();
        push_delta(py, &mut self.inner, delta, Some(&mut out))?;
        Ok(out)
    }

    /// Appends UTF-8 bytes that may split characters; returns the ids that became final.
    #[pyo3(signature = (data, /, errors="replace"))]
    fn push_bytes(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>, errors: &str) -> PyResult<Vec<Rank>> {
        let strict = strict_of(errors)?;
        let data = bytes_of(data)?;
        let mut out = Vec::new();
        with_stream(py, data.len(), &mut self.inner, |s| s.push_bytes(&data, strict, Some(&mut out)))
            .map_err(|e| decode_error(py, &data, e))?;
        Ok(out)
    }

    /// Ids of the open tail, as if the stream ended now.
    fn pending(&self) -> Vec<Rank> {
        self.inner.pending()
    }

    /// Ends the stream; returns the remaining ids.
    fn finish(&mut self) -> Vec<Rank> {
        let mut out = Vec::new();
        self.inner.finish(Some(&mut out));
        out
    }
});
