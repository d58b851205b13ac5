//! Core errors as Python exceptions: each error kind maps to the class a caller expects, and
//! parameters are named by their Python keywords.

use banditpam::Error;
use pyo3::exceptions::{PyKeyboardInterrupt, PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::parameters::python_name;

/// Maps a core error to the Python exception class a caller expects, naming parameters by
/// their Python names.
pub(crate) fn to_py_err(error: Error) -> PyErr {
    match error {
        Error::Interrupted => PyKeyboardInterrupt::new_err("the fit was interrupted"),
        Error::ThreadPool(_) => PyRuntimeError::new_err(error.to_string()),
        Error::OverMemoryBudget { .. } | Error::OutOfMemory { .. } => PyMemoryError::new_err(error.to_string()),
        Error::InvalidParameter { name, expected, value } => {
            PyValueError::new_err(format!("{} must be {expected}, got {value}", python_name(name)))
        }
        Error::TooManyClusters { k, n } => {
            PyValueError::new_err(format!("n_clusters={k} must be at most the number of samples, n_samples={n}"))
        }
        _ => PyValueError::new_err(error.to_string()),
    }
}

/// The name of a value's Python type, for messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map_or_else(|_| "?".into(), |n| n.to_string())
}
