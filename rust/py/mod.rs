//! Python bindings (the `streamtok._native` module); everything pyo3 lives here.

mod encoding;
mod fast_push;
mod ids;
mod ints;
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
            | Error::InvalidUtf8 { .. }
            | Error::InvalidPattern(_)
            | Error::UnsupportedPattern(_) => PyValueError::new_err(message),
        }
    }
}

/// The native core of streamtok; import `streamtok`, not this module.
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<encoding::PyEncoding>()?;
    m.add_class::<stream::PyStreamCounter>()?;
    m.add_class::<stream::PyStreamEncoder>()?;
    fast_push::install(m.py())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ENCODING_NAMES", crate::vocab::BUILTIN_NAMES.to_vec())?;
    Ok(())
}
