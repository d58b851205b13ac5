//! `banditpam_rs._core`: the thin PyO3 layer between the `banditpam` crate and the Python
//! package. Its rooms: `errors` (core errors as Python exceptions), `runtime` (the GIL, worker
//! threads, Ctrl-C and progress), `parameters` (keyword arguments through the core's parameter
//! table), `data` (Python data as the core's data), `results` (the fit as a Python object),
//! `callable` (Python functions as dissimilarities) and `sharded` (the Dask estimator's driver
//! and chunk side). This file declares the module's functions. No clustering logic lives here.

use banditpam::{levenshtein, Algorithm, KScore, Metric, MetricName, Scalar};
mod callable;
mod data;
mod errors;
mod parameters;
mod results;
mod runtime;
mod sharded;

use data::{with_data, MetricArg};
use errors::to_py_err;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods, ToPyArray};
use parameters::{builder, count, optional, positions};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use results::FitResult;

/// The `n_threads` argument: None or a non-negative int (the core checks the range).
fn thread_count(n_threads: Option<&Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
    Ok(n_threads.map(|t| optional("n_threads", t, count)).transpose()?.flatten())
}

/// Fit k-medoids; see `banditpam_rs.KMedoids` for the meaning of every parameter.
///
/// `x` is a C-contiguous float32/float64 2-D array (rows, or an n x n matrix when `metric` is
/// "precomputed"), a list of strings when `metric` is "levenshtein", or a list of objects when
/// `metric` is a callable. `p` is the Minkowski exponent; the other keyword arguments are the
/// names of `FIT_PARAMETERS`, each mapped onto the core's builder.
#[pyfunction]
#[pyo3(signature = (x, *, metric, metric_params=None, verbose=false, **params))]
fn fit(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    metric: &Bound<'_, PyAny>,
    metric_params: Option<&Bound<'_, PyAny>>,
    verbose: bool,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<FitResult> {
    let metric = MetricArg::new(metric, metric_params)?;
    let params = builder(params)?.check().map_err(to_py_err)?;
    let fit = with_data(py, x, &metric, verbose, &|data, watch| params.fit_with_observer(data, watch))?;
    FitResult::new(py, fit)
}

/// The Silhouette of each sample under `labels` (see `banditpam_rs.metrics.silhouette_samples`).
#[pyfunction]
#[pyo3(signature = (x, labels, *, metric, metric_params=None, n_threads=None))]
fn silhouette_samples<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    labels: Vec<i64>,
    metric: &Bound<'py, PyAny>,
    metric_params: Option<&Bound<'py, PyAny>>,
    n_threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let metric = MetricArg::new(metric, metric_params)?;
    let threads = thread_count(n_threads)?;
    // Labels are any integers: shift them to non-negative ones, keeping which are equal.
    let least = labels.iter().copied().min().unwrap_or(0);
    let labels: Vec<usize> = labels.iter().map(|&l| (l as i128 - least as i128) as usize).collect();
    let samples = with_data(py, x, &metric, false, &|data, watch| {
        banditpam::silhouette_samples_with_observer(data, &labels, threads, watch)
    })?;
    Ok(PyArray1::from_vec(py, samples))
}

/// The Medoid Silhouette of each sample for `medoids` (see
/// `banditpam_rs.metrics.medoid_silhouette_samples`).
#[pyfunction]
#[pyo3(signature = (x, medoids, *, metric, metric_params=None, n_threads=None))]
fn medoid_silhouette_samples<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    medoids: Vec<i64>,
    metric: &Bound<'py, PyAny>,
    metric_params: Option<&Bound<'py, PyAny>>,
    n_threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let metric = MetricArg::new(metric, metric_params)?;
    let threads = thread_count(n_threads)?;
    let medoids = positions("medoid_indices", &medoids)?;
    let samples =
        with_data(py, x, &metric, false, &|data, _| banditpam::medoid_silhouette_samples(data, &medoids, threads))?;
    Ok(PyArray1::from_vec(py, samples))
}

/// The best single swap for `medoids`, scored exactly (see `banditpam_rs.swap_gap`). Returns
/// `(gap, loss, delta, swap, distance_evaluations)`, `swap` None or `(position, object)`.
#[pyfunction]
#[pyo3(signature = (x, medoids, *, metric, metric_params=None, n_threads=None, memory_budget=None, verbose=false))]
#[allow(clippy::type_complexity)]
fn swap_gap(
    x: &Bound<'_, PyAny>,
    medoids: Vec<i64>,
    metric: &Bound<'_, PyAny>,
    metric_params: Option<&Bound<'_, PyAny>>,
    n_threads: Option<&Bound<'_, PyAny>>,
    memory_budget: Option<&Bound<'_, PyAny>>,
    verbose: bool,
) -> PyResult<(f64, f64, f64, Option<(usize, usize)>, u64)> {
    let metric = MetricArg::new(metric, metric_params)?;
    let threads = thread_count(n_threads)?;
    let budget = memory_budget.map(|b| optional("memory_budget", b, count)).transpose()?.flatten();
    let medoids = positions("medoid_indices", &medoids)?;
    let found = with_data(x.py(), x, &metric, verbose, &|data, watch| {
        banditpam::swap_gap(data, &medoids, threads, budget, watch)
    })?;
    Ok((found.gap, found.loss, found.delta, found.swap, found.distance_evaluations))
}

/// Fit every k of `ks` and score each (see `banditpam_rs.select_k`). Returns `(best_k,
/// scores, fits)`, `scores` a list of `(k, score)` and `fits` the FitResults, in `ks` order.
#[pyfunction]
#[pyo3(signature = (x, ks, *, metric, metric_params=None, score="medoid_silhouette", verbose=false, **params))]
#[allow(clippy::type_complexity)]
fn select_k(
    x: &Bound<'_, PyAny>,
    ks: Vec<usize>,
    metric: &Bound<'_, PyAny>,
    metric_params: Option<&Bound<'_, PyAny>>,
    score: &str,
    verbose: bool,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<(usize, Vec<(usize, f64)>, Vec<FitResult>)> {
    let metric = MetricArg::new(metric, metric_params)?;
    let score: KScore = score.parse().map_err(to_py_err)?;
    let params = builder(params)?;
    let py = x.py();
    let found = with_data(py, x, &metric, verbose, &|data, watch| {
        banditpam::select_k_with_observer(&params, data, &ks, score, watch)
    })?;
    let fits = found.fits.into_iter().map(|fit| FitResult::new(py, fit)).collect::<PyResult<Vec<_>>>()?;
    Ok((found.best_k, found.scores, fits))
}

/// Check fit parameters (the keyword arguments of `fit`) without data: raises what `fit`
/// would raise for them.
#[pyfunction]
#[pyo3(signature = (**params))]
fn check_parameters(params: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    builder(params)?.check().map_err(to_py_err)?;
    Ok(())
}

/// What kind of data `metric` reads: "dense", "precomputed", "levenshtein" or "callable".
/// Raises ValueError for an unknown name or a bad Minkowski `p`, TypeError for a metric that
/// is neither a str nor a callable.
#[pyfunction]
#[pyo3(signature = (metric, metric_params=None))]
fn metric_kind(metric: &Bound<'_, PyAny>, metric_params: Option<&Bound<'_, PyAny>>) -> PyResult<&'static str> {
    Ok(MetricArg::new(metric, metric_params)?.kind())
}

/// Distances from each object of `x` after its first `k` to each of those k (the medoids), as an
/// (len(x) - k) x k float64 array: new objects against a fit's medoids, for data of any kind
/// (sparse rows, strings, objects under a Python function), through the core's data dispatch.
#[pyfunction]
#[pyo3(signature = (x, k, *, metric, metric_params=None, n_threads=None))]
fn medoid_distances<'py>(
    x: &Bound<'py, PyAny>,
    k: usize,
    metric: &Bound<'py, PyAny>,
    metric_params: Option<&Bound<'py, PyAny>>,
    n_threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let py = x.py();
    let metric = MetricArg::new(metric, metric_params)?;
    let threads = thread_count(n_threads)?;
    let (out, m) = with_data(py, x, &metric, false, &|data, watch| {
        let n = data.len();
        // A k beyond n names medoids that do not exist: the core refuses them.
        let medoids: Vec<usize> = (0..k).collect();
        let targets: Vec<usize> = (k..n).collect();
        Ok((banditpam::distances_to_medoids(data, &medoids, &targets, threads, watch)?, targets.len()))
    })?;
    let array = numpy::ndarray::Array2::from_shape_vec((m, k), out)
        .map_err(|e| PyRuntimeError::new_err(format!("internal shape error: {e}")))?;
    Ok(array.to_pyarray(py))
}

/// Distances from each row of `x` to each row of `centers` (m x k, float64), by the core kernels.
#[pyfunction]
#[pyo3(signature = (x, centers, metric, p=None, threads=None))]
fn cross_distances<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centers: &Bound<'py, PyAny>,
    metric: &str,
    p: Option<f64>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let metric = sharded::dense_metric(metric, p)?;
    fn run<'py, T: Scalar + numpy::Element>(
        py: Python<'py>,
        x: PyReadonlyArray2<'py, T>,
        centers: PyReadonlyArray2<'py, T>,
        metric: Metric,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (m, d) = (x.shape()[0], x.shape()[1]);
        let k = centers.shape()[0];
        if centers.shape()[1] != d {
            return Err(PyValueError::new_err(format!(
                "X has {d} features, but the medoids have {}",
                centers.shape()[1]
            )));
        }
        let contiguous = || PyValueError::new_err("arrays must be C-contiguous");
        let (xs, cs) = (x.as_slice().map_err(|_| contiguous())?, centers.as_slice().map_err(|_| contiguous())?);
        let out = py.detach(|| banditpam::data::cross_distances(xs, cs, d, metric, threads)).map_err(to_py_err)?;
        let array = numpy::ndarray::Array2::from_shape_vec((m, k), out)
            .map_err(|e| PyRuntimeError::new_err(format!("internal shape error: {e}")))?;
        Ok(array.to_pyarray(py))
    }
    if let (Ok(a), Ok(b)) = (x.cast::<PyArray2<f32>>(), centers.cast::<PyArray2<f32>>()) {
        run(py, a.readonly(), b.readonly(), metric, threads)
    } else if let (Ok(a), Ok(b)) = (x.cast::<PyArray2<f64>>(), centers.cast::<PyArray2<f64>>()) {
        run(py, a.readonly(), b.readonly(), metric, threads)
    } else {
        Err(PyTypeError::new_err("X and the medoids must be 2-D arrays of one float dtype"))
    }
}

/// The Levenshtein (edit) distance between two strings.
///
/// The same distance as ``metric="levenshtein"``, for one pair.
///
/// Parameters
/// ----------
/// a, b : str
///     The strings to compare.
///
/// Returns
/// -------
/// float
///     The least number of single-character insertions, deletions and substitutions (of
///     Unicode scalar values) that turn `a` into `b`.
///
/// Examples
/// --------
/// >>> from banditpam_rs import levenshtein
/// >>> levenshtein("kitten", "sitting")
/// 3.0
#[pyfunction(name = "levenshtein")]
fn levenshtein_py(py: Python<'_>, a: &str, b: &str) -> f64 {
    // Long strings take a while: other Python threads run meanwhile.
    py.detach(|| levenshtein(a, b))
}

/// The compiled part of banditpam_rs.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(metric_kind, m)?)?;
    m.add_function(wrap_pyfunction!(check_parameters, m)?)?;
    m.add_function(wrap_pyfunction!(silhouette_samples, m)?)?;
    m.add_function(wrap_pyfunction!(medoid_silhouette_samples, m)?)?;
    m.add_function(wrap_pyfunction!(select_k, m)?)?;
    m.add_function(wrap_pyfunction!(swap_gap, m)?)?;
    m.add_class::<FitResult>()?;
    m.add("FIT_PARAMETERS", banditpam::PARAMETERS.iter().map(|p| p.keyword).collect::<Vec<_>>())?;
    m.add("PARAMETERS", parameters::table(m.py())?)?;
    m.add("METHODS", Algorithm::ALL.map(Algorithm::name).to_vec())?;
    m.add("METRICS", MetricName::names())?;
    m.add_function(wrap_pyfunction!(cross_distances, m)?)?;
    m.add_function(wrap_pyfunction!(medoid_distances, m)?)?;
    m.add_function(wrap_pyfunction!(levenshtein_py, m)?)?;
    sharded::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
