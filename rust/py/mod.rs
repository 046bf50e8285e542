//! Python bindings (the `streamtok._native` module); everything pyo3 lives here.

mod encoding;
mod ffi;
mod stream;
mod text;

use crate::error::Error;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        let message = e.to_string();
        match e {
            Error::UnknownToken(_) | Error::NotAToken(_) => PyKeyError::new_err(message),
            Error::UnknownEncoding(_)
            | Error::UnknownFamily(_)
            | Error::MalformedVocab { .. }
            | Error::InvalidSpecial(..)
            | Error::Finished
            | Error::InvalidSnapshot(_)
            | Error::OpenTooLong(_)
            | Error::InvalidUtf8 { .. }
            | Error::InvalidPattern(_)
            | Error::UnsupportedPattern(_)
            | Error::MalformedTokenizer(_)
            | Error::UnsupportedTokenizer(_)
            | Error::NoStreams(..) => PyValueError::new_err(message),
        }
    }
}

/// The native core of streamtok; import `streamtok`, not this module.
// Not declared free of the GIL: no free-threaded CPython has run the suite (see `ffi`).
#[pymodule(gil_used = true)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<encoding::PyEncoding>()?;
    m.add_class::<stream::PyStreamCounter>()?;
    m.add_class::<stream::PyStreamEncoder>()?;
    ffi::install_push(m.py())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ENCODING_NAMES", crate::encoding::BUILTIN_NAMES.to_vec())?;
    Ok(())
}
