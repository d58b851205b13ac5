//! Python data as the core's data: arrays, sparse matrices, strings and objects compared by
//! Python functions, each turned into a `banditpam::Dissimilarity` in one place.

use banditpam::{
    DenseData, Dissimilarity, Error, MetricName, MetricParams, Precomputed, Scalar, Series, SparseData, Strings, Trees,
};
use numpy::{PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::callable::{PyDissimilarity, Shape, Source};
use crate::errors::{to_py_err, type_name};
use crate::parameters::{count, number, optional, positions};
use crate::runtime::{run_released, Watch};

/// The `metric` argument: a name the core knows, a Python callable `f(a, b) -> float`, or a
/// block function `f(A, B) -> array` (marked by `banditpam_rs.block_metric`).
pub(crate) enum MetricArg {
    Named(MetricName),
    Callable(Py<PyAny>),
    Block(Py<PyAny>),
}

impl MetricArg {
    /// The metric from its Python value and its parameters (`metric_params`: None or a dict
    /// with "p" for minkowski, "window" for dtw).
    pub(crate) fn new(metric: &Bound<'_, PyAny>, params: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let params = metric_params(params)?;
        if let Ok(name) = metric.extract::<String>() {
            return MetricName::parse_with(&name, params).map(MetricArg::Named).map_err(to_py_err);
        }
        if params != MetricParams::default() {
            return Err(PyValueError::new_err("metric_params apply to the built-in metrics, not to a callable"));
        }
        if metric.is_callable() {
            let block = metric.getattr("__banditpam_block__").and_then(|v| v.is_truthy()).unwrap_or(false);
            let function = metric.clone().unbind();
            return Ok(if block { MetricArg::Block(function) } else { MetricArg::Callable(function) });
        }
        Err(PyTypeError::new_err(format!("metric must be a str or a callable, got {}", type_name(metric))))
    }

    /// What kind of X the metric reads: "dense" (rows; sparse too), "precomputed", "strings"
    /// (a sequence of str), "series" (a sequence of 1-D arrays), "trees" (a sequence of str in
    /// bracket notation), "callable" or "block".
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            MetricArg::Named(MetricName::Dense(_)) => "dense",
            MetricArg::Named(MetricName::Precomputed) => "precomputed",
            MetricArg::Named(MetricName::Strings(_)) => "strings",
            MetricArg::Named(MetricName::Dtw { .. }) => "series",
            MetricArg::Named(MetricName::TreeEdit) => "trees",
            MetricArg::Callable(_) => "callable",
            MetricArg::Block(_) => "block",
        }
    }
}

/// `metric_params`: None, or a dict of "p" (a number) and "window" (an int or None).
fn metric_params(params: Option<&Bound<'_, PyAny>>) -> PyResult<MetricParams> {
    let mut typed = MetricParams::default();
    let Some(params) = params.filter(|p| !p.is_none()) else { return Ok(typed) };
    let dict = params.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!("metric_params must be a dict or None, got {}", type_name(params)))
    })?;
    for (key, value) in dict.iter() {
        let key: String = key.extract()?;
        match key.as_str() {
            "p" => typed.p = optional("p", &value, number)?,
            "window" => typed.window = optional("window", &value, count)?,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "unknown metric parameter {key:?}; expected one of {:?}",
                    MetricParams::NAMES
                )))
            }
        }
    }
    Ok(typed)
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
        MetricArg::Named(MetricName::Strings(metric)) => {
            let words: Vec<String> = x
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("the {} metric needs a sequence of str", metric.name())))?;
            let data = Strings::new(&words, *metric).map_err(to_py_err)?;
            run_released(py, verbose, |watch| job(&data, watch))
        }
        MetricArg::Named(MetricName::TreeEdit) => {
            let texts: Vec<String> = x.extract().map_err(|_| {
                PyTypeError::new_err(
                    "the tree-edit metric needs a sequence of str, trees in bracket notation {a{b}{c}}",
                )
            })?;
            let data = Trees::parse(&texts).map_err(to_py_err)?;
            run_released(py, verbose, |watch| job(&data, watch))
        }
        MetricArg::Named(MetricName::Dtw { window }) => {
            let series: Vec<Vec<f64>> = x
                .try_iter()
                .map_err(|_| PyTypeError::new_err("the dtw metric needs a sequence of 1-D arrays of numbers"))?
                .map(|item| {
                    item?
                        .extract::<Vec<f64>>()
                        .map_err(|_| PyTypeError::new_err("the dtw metric needs a sequence of 1-D arrays of numbers"))
                })
                .collect::<PyResult<_>>()?;
            let data = Series::new(&series, *window).map_err(to_py_err)?;
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
        other => Err(PyTypeError::new_err(format!("the {other} metric does not read a 2-D array"))),
    }
}
