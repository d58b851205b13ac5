//! The result of a fit as a Python object.

use banditpam::{Clustering, MatrixPrecision, PhaseCounts};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A phase count as a dict `{"build", "swap", "other", "total"}`.
fn counts(py: Python<'_>, c: PhaseCounts) -> PyResult<Py<PyDict>> {
    let d = PyDict::new(py);
    d.set_item("build", c.build)?;
    d.set_item("swap", c.swap)?;
    d.set_item("other", c.other)?;
    d.set_item("total", c.total())?;
    Ok(d.unbind())
}

/// The result of a fit (see `banditpam_rs.KMedoids` for what each field means).
#[pyclass(frozen, module = "banditpam_rs._core")]
pub(crate) struct FitResult {
    /// The method that ran.
    #[pyo3(get)]
    method: String,
    /// "float32" or "float64" when the search ran on an n x n matrix, else None.
    #[pyo3(get)]
    matrix: Option<&'static str>,
    /// Final medoid indices, in medoid-position order.
    #[pyo3(get)]
    medoids: Py<PyArray1<i64>>,
    /// Medoids after the initialisation, in the order chosen.
    #[pyo3(get)]
    build_medoids: Py<PyArray1<i64>>,
    /// Position of each object's nearest medoid.
    #[pyo3(get)]
    labels: Py<PyArray1<i64>>,
    /// Total loss (exact, float64).
    #[pyo3(get)]
    loss: f64,
    /// Loss per object.
    #[pyo3(get)]
    average_loss: f64,
    /// Total loss after the initialisation.
    #[pyo3(get)]
    build_loss: f64,
    /// Swaps applied.
    #[pyo3(get)]
    swaps: usize,
    /// Whether the search stopped because no swap improved the loss.
    #[pyo3(get)]
    converged: bool,
    /// Distances computed, by phase.
    #[pyo3(get)]
    distance_evaluations: Py<PyDict>,
    /// Distances read from the BanditPAM++ cache, by phase.
    #[pyo3(get)]
    cache_hits: Py<PyDict>,
    /// Distances written into the BanditPAM++ cache, by phase.
    #[pyo3(get)]
    cache_writes: Py<PyDict>,
    /// Wall time by phase, in seconds.
    #[pyo3(get)]
    seconds: Py<PyDict>,
}

impl FitResult {
    pub(crate) fn new(py: Python<'_>, fit: Clustering) -> PyResult<Self> {
        let array = |v: &[usize]| PyArray1::from_vec(py, v.iter().map(|&x| x as i64).collect()).unbind();
        let seconds = PyDict::new(py);
        seconds.set_item("build", fit.seconds.build)?;
        seconds.set_item("swap", fit.seconds.swap)?;
        seconds.set_item("other", fit.seconds.other)?;
        seconds.set_item("total", fit.seconds.total())?;
        Ok(FitResult {
            method: fit.algorithm.to_string(),
            matrix: fit.matrix.map(|m| match m {
                MatrixPrecision::Single => "float32",
                MatrixPrecision::Double => "float64",
            }),
            medoids: array(&fit.medoids),
            build_medoids: array(&fit.build_medoids),
            labels: array(&fit.labels),
            loss: fit.loss,
            average_loss: fit.average_loss,
            build_loss: fit.build_loss,
            swaps: fit.swaps,
            converged: fit.converged,
            distance_evaluations: counts(py, fit.distance_evaluations)?,
            cache_hits: counts(py, fit.cache_hits)?,
            cache_writes: counts(py, fit.cache_writes)?,
            seconds: seconds.unbind(),
        })
    }
}
