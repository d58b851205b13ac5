//! Python data as the core's data: arrays, sparse matrices, strings and objects compared by
//! Python functions, each turned into a `banditpam::Dissimilarity` in one place.

use banditpam::{levenshtein, DenseData, Dissimilarity, Error, MetricName, Objects, Precomputed, Scalar, SparseData};
use numpy::{PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::callable::{PyDissimilarity, Shape, Source};
use crate::errors::{to_py_err, type_name};
use crate::parameters::{number, optional, positions};
use crate::runtime::{run_released, Watch};

/// The `metric` argument: a name the core knows, a Python callable `f(a, b) -> float`, or a
/// block function `f(A, B) -> array` (marked by `banditpam_rs.block_metric`).
pub(crate) enum MetricArg {
    Named(MetricName),
    Callable(Py<PyAny>),
    Block(Py<PyAny>),
}

impl MetricArg {
    /// The metric from its Python value and the Minkowski exponent `p` (None or a number).
    pub(crate) fn new(metric: &Bound<'_, PyAny>, p: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let p = p.map(|p| optional("p", p, number)).transpose()?.flatten();
        if let Ok(name) = metric.extract::<String>() {
            return MetricName::parse(&name, p).map(MetricArg::Named).map_err(to_py_err);
        }
        if metric.is_callable() {
            let block = metric.getattr("__banditpam_block__").and_then(|v| v.is_truthy()).unwrap_or(false);
            let function = metric.clone().unbind();
            return Ok(if block { MetricArg::Block(function) } else { MetricArg::Callable(function) });
        }
        Err(PyTypeError::new_err(format!("metric must be a str or a callable, got {}", type_name(metric))))
    }

    /// "dense", "precomputed", "levenshtein" or "callable": what kind of X the metric reads.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            MetricArg::Named(MetricName::Dense(_)) => "dense",
            MetricArg::Named(MetricName::Precomputed) => "precomputed",
            MetricArg::Named(MetricName::Levenshtein) => "levenshtein",
            MetricArg::Callable(_) => "callable",
            MetricArg::Block(_) => "block",
        }
    }
}

/// A computation on a data set of any kind (run with the GIL released, watched by `Watch`).
pub(crate) type Job<'a, T> = &'a (dyn Fn(&dyn Dissimilarity, &Watch) -> banditpam::Result<T> + Sync);

/// Runs `job` on `x` read as `metric` says: a C-contiguous float32/float64 2-D array (rows,
/// or an n x n matrix for "precomputed"), a sequence of str ("levenshtein"), or a sequence of
/// objects compared by a Python callable. The one place the binding turns Python data into
/// the core's data.
pub(crate) fn with_data<T: Send>(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    metric: &MetricArg,
    verbose: bool,
    job: Job<'_, T>,
) -> PyResult<T> {
    match metric {
        MetricArg::Callable(function) | MetricArg::Block(function) => {
            let blocks = matches!(metric, MetricArg::Block(_));
            // A block function gets row subsets of an array; everything else, items.
            let array =
                blocks && x.hasattr("take")? && x.getattr("ndim").and_then(|d| d.extract::<usize>()).ok() == Some(2);
            let (source, len) = if array {
                (Source::Array(x.clone().unbind()), x.len()?)
            } else {
                let items: Vec<Py<PyAny>> =
                    x.try_iter()?.map(|item| item.map(Bound::unbind)).collect::<PyResult<_>>()?;
                let len = items.len();
                (Source::Items(items), len)
            };
            if len == 0 {
                return Err(to_py_err(Error::EmptyData));
            }
            let shape = if blocks { Shape::Blocks } else { Shape::Pairs };
            run_released(py, verbose, |watch| {
                job(&PyDissimilarity { source: &source, len, function, shape, watch }, watch)
            })
        }
        MetricArg::Named(MetricName::Levenshtein) => {
            let words: Vec<String> =
                x.extract().map_err(|_| PyTypeError::new_err("the levenshtein metric needs a sequence of str"))?;
            let data = Objects::new(&words, |a: &String, b: &String| levenshtein(a, b)).map_err(to_py_err)?;
            run_released(py, verbose, |watch| job(&data, watch))
        }
        MetricArg::Named(MetricName::Dense(metric)) if x.hasattr("indptr")? => {
            // A scipy.sparse CSR matrix (the Python layer hands over canonical float64 CSR).
            let array = |name: &str, dtype: &str| x.getattr(name)?.call_method1("astype", (dtype,));
            let index_array = |name: &str| -> PyResult<Vec<usize>> {
                let values = array(name, "int64")?;
                positions(name, values.cast::<numpy::PyArray1<i64>>()?.readonly().as_slice()?)
            };
            let (indptr, indices) = (index_array("indptr")?, index_array("indices")?);
            let values = array("data", "float64")?;
            let values = values.cast::<numpy::PyArray1<f64>>()?.readonly();
            let values = values.as_slice()?;
            let d: usize = x.getattr("shape")?.get_item(1)?.extract()?;
            let data = SparseData::new(&indptr, &indices, values, d, *metric).map_err(to_py_err)?;
            run_released(py, verbose, |watch| job(&data, watch))
        }
        MetricArg::Named(name) => {
            if let Ok(array) = x.cast::<PyArray2<f32>>() {
                on_array(py, array.readonly(), *name, verbose, job)
            } else if let Ok(array) = x.cast::<PyArray2<f64>>() {
                on_array(py, array.readonly(), *name, verbose, job)
            } else {
                Err(PyTypeError::new_err("X must be a 2-D float32 or float64 numpy array"))
            }
        }
    }
}

/// [`with_data`] for a borrowed C-contiguous 2-D float array, as dense rows or a matrix.
fn on_array<T: Scalar + numpy::Element, R: Send>(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, T>,
    metric: MetricName,
    verbose: bool,
    job: Job<'_, R>,
) -> PyResult<R> {
    let [rows, cols] = [x.shape()[0], x.shape()[1]];
    let values = x.as_slice().map_err(|_| PyValueError::new_err("X must be C-contiguous"))?;
    match metric {
        MetricName::Dense(metric) => {
            let data = DenseData::new(values, rows, cols, metric).map_err(to_py_err)?;
            run_released(py, verbose, |watch| job(&data, watch))
        }
        MetricName::Precomputed => {
            let data = Precomputed::new(values, rows, cols).map_err(to_py_err)?;
            run_released(py, verbose, |watch| job(&data, watch))
        }
        MetricName::Levenshtein => Err(PyTypeError::new_err("the levenshtein metric needs a sequence of str")),
    }
}
