//! What `banditpam_rs.dask` calls: the sharded driver of `banditpam::sharded`, run here with a
//! Python executor that sends its serialized tasks to the workers, and the chunk side that runs
//! them next to each chunk. A chunk's state between tasks stays in the worker process that
//! holds the chunk, in a table keyed by the fit and the chunk.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{LazyLock, Mutex, MutexGuard};

use banditpam::sharded::{self, ChunkExecutor, ChunkState, DataStats, DenseChunk, Options, Targets};
use banditpam::{Error, Metric, MetricName, Scalar};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::errors::to_py_err;
use crate::parameters::builder;

/// The whole data set's statistics as they travel: `(rows, column_sums, largest_abs)`.
type StatsTuple<'py> = (usize, PyReadonlyArray1<'py, f64>, f64);

/// A vector metric from its name and Minkowski `p`.
pub(crate) fn dense_metric(metric: &str, p: Option<f64>) -> PyResult<Metric> {
    match MetricName::parse(metric, p).map_err(to_py_err)? {
        MetricName::Dense(metric) => Ok(metric),
        _ => Err(PyValueError::new_err(format!("{metric:?} is not a metric on vectors"))),
    }
}

fn stats_of(stats: &StatsTuple<'_>) -> PyResult<DataStats> {
    Ok(DataStats { rows: stats.0, column_sums: stats.1.as_slice()?.to_vec(), largest_abs: stats.2 })
}

fn contiguous<T>(slice: Result<&[T], numpy::NotContiguousError>) -> PyResult<&[T]> {
    slice.map_err(|_| PyValueError::new_err("arrays must be C-contiguous"))
}

/// Runs `$body` with `$x` read as a 2-D float32 or float64 array, `$T` bound to its dtype.
macro_rules! with_rows {
    ($x:expr, |$rows:ident, $T:ident| $body:expr) => {{
        if let Ok(a) = $x.cast::<numpy::PyArray2<f32>>() {
            type $T = f32;
            let $rows: PyReadonlyArray2<'_, f32> = a.readonly();
            $body
        } else if let Ok(a) = $x.cast::<numpy::PyArray2<f64>>() {
            type $T = f64;
            let $rows: PyReadonlyArray2<'_, f64> = a.readonly();
            $body
        } else {
            Err(PyTypeError::new_err("a chunk must be a 2-D float32 or float64 array"))
        }
    }};
}

/// Fold a chunk into the running statistics; chunks must come in row order. Raises ValueError
/// naming the row (in the whole data set) of a NaN or infinite value.
#[pyfunction]
fn chunk_stats<'py>(
    py: Python<'py>,
    chunk: &Bound<'py, PyAny>,
    stats: StatsTuple<'py>,
) -> PyResult<(usize, Bound<'py, PyArray1<f64>>, f64)> {
    let mut folded = stats_of(&stats)?;
    with_rows!(chunk, |rows, T| {
        let values: &[T] = contiguous(rows.as_slice())?;
        py.detach(|| folded.fold(values)).map_err(to_py_err)
    })?;
    Ok((folded.rows, PyArray1::from_vec(py, folded.column_sums), folded.largest_abs))
}

/// The states of the chunks this process holds, by `"<fit>/<chunk>"`.
static STATES: LazyLock<Mutex<HashMap<String, ChunkState>>> = LazyLock::new(Default::default);

fn states() -> MutexGuard<'static, HashMap<String, ChunkState>> {
    // A panic while the table was held cannot leave a state half-written: states are moved
    // out of the table while a task runs.
    STATES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where a chunk sits in a fit: the key of its state (`"<fit>/<chunk>"`), its first row in the
/// whole data set, the whole data's statistics and the metric. Made once per chunk and sent
/// with each of its tasks, so it pickles.
#[pyclass(frozen, module = "banditpam_rs._core")]
struct ChunkSite {
    /// The key of the chunk's state in its worker.
    #[pyo3(get)]
    key: String,
    /// The chunk's first row in the whole data set.
    #[pyo3(get)]
    offset: usize,
    stats: DataStats,
    /// The metric's name, and its Minkowski exponent.
    #[pyo3(get)]
    metric: String,
    #[pyo3(get)]
    p: Option<f64>,
    kernel_metric: Metric,
}

#[pymethods]
impl ChunkSite {
    #[new]
    #[pyo3(signature = (key, offset, stats, metric, p=None))]
    fn new(key: String, offset: usize, stats: StatsTuple<'_>, metric: String, p: Option<f64>) -> PyResult<Self> {
        let kernel_metric = dense_metric(&metric, p)?;
        Ok(ChunkSite { key, offset, stats: stats_of(&stats)?, metric, p, kernel_metric })
    }

    /// The whole data's statistics, as `chunk_stats` returns them.
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> (usize, Bound<'py, PyArray1<f64>>, f64) {
        let stats = &self.stats;
        (stats.rows, PyArray1::from_slice(py, &stats.column_sums), stats.largest_abs)
    }

    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (String, usize, (usize, Bound<'py, PyArray1<f64>>, f64), String, Option<f64>))>
    {
        let site = slf.get();
        let args = (site.key.clone(), site.offset, site.stats(slf.py()), site.metric.clone(), site.p);
        Ok((slf.get_type().into_any(), args))
    }
}

impl ChunkSite {
    fn chunk<'a, T: Scalar + numpy::Element>(&self, rows: &'a PyReadonlyArray2<'_, T>) -> PyResult<DenseChunk<'a, T>> {
        let d = rows.shape()[1];
        DenseChunk::new(contiguous(rows.as_slice())?, self.offset, d, self.kernel_metric, &self.stats)
            .map_err(to_py_err)
    }
}

/// Run a serialized task of the sharded driver on a chunk at `site`; returns the serialized
/// reply. `create` starts a new state (the chunk's first task in a fit); otherwise a missing
/// state is a RuntimeError: the worker restarted or the task ran elsewhere, and the fit must
/// start again.
#[pyfunction]
#[pyo3(signature = (chunk, site, task, *, create=false))]
fn run_chunk_task<'py>(
    chunk: &Bound<'py, PyAny>,
    site: &ChunkSite,
    task: &[u8],
    create: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let py = chunk.py();
    let key = &site.key;
    let mut state = if create {
        ChunkState::default()
    } else {
        states().remove(key).ok_or_else(|| {
            PyRuntimeError::new_err(format!(
                "the state of chunk {key} is gone from this worker (it restarted, or the task ran on \
                 another worker): fit again"
            ))
        })?
    };
    let reply = with_rows!(chunk, |rows, T| {
        let chunk: DenseChunk<'_, T> = site.chunk(&rows)?;
        let ran = py.detach(|| catch_unwind(AssertUnwindSafe(|| sharded::run_task(&chunk, &mut state, task))));
        ran.map_err(|_| PyRuntimeError::new_err("internal error in banditpam_rs: please report it"))?.map_err(to_py_err)
    });
    states().insert(key.to_string(), state);
    Ok(PyBytes::new(py, &reply?))
}

/// Drop this process's chunk states of the fit `fit` (keys `"<fit>/..."`); returns how many.
#[pyfunction]
fn drop_chunk_states(fit: &str) -> usize {
    let prefix = format!("{fit}/");
    let mut table = states();
    let before = table.len();
    table.retain(|key, _| !key.starts_with(&prefix));
    before - table.len()
}

/// `(labels, distances)`: each row of the chunk at `site`, its nearest of `centers` (its
/// position, the lower on ties) and the distance to it, by the kernel of the fit.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn chunk_nearest<'py>(
    chunk: &Bound<'py, PyAny>,
    site: &ChunkSite,
    centers: PyReadonlyArray2<'py, f64>,
) -> PyResult<(Bound<'py, PyArray1<usize>>, Bound<'py, PyArray1<f64>>)> {
    let py = chunk.py();
    let targets = Targets { ids: (0..centers.shape()[0]).collect(), values: contiguous(centers.as_slice())?.to_vec() };
    let (labels, distances) = with_rows!(chunk, |rows, T| {
        let chunk: DenseChunk<'_, T> = site.chunk(&rows)?;
        py.detach(|| chunk.nearest(&targets)).map_err(to_py_err)
    })?;
    Ok((PyArray1::from_vec(py, labels), PyArray1::from_vec(py, distances)))
}

/// The bytes the chunks' kept OneBatchPAM blocks take together for `n` rows and the fit
/// parameters (the keyword arguments of `fit`).
#[pyfunction]
#[pyo3(signature = (n, **params))]
fn kept_block_bytes(n: usize, params: Option<&Bound<'_, PyDict>>) -> PyResult<usize> {
    let params = builder(params)?.check().map_err(to_py_err)?;
    Ok(sharded::kept_block_bytes(&params, n))
}

/// The chunks as a Python executor sees them: `executor.run(task: bytes, which: list[int])`
/// returns the chunks' replies (bytes) in order.
struct PythonChunks<'py> {
    executor: Bound<'py, PyAny>,
    lens: Vec<usize>,
    /// The first exception the executor raised: re-raised instead of the core error.
    raised: Option<PyErr>,
}

impl PythonChunks<'_> {
    fn call(&self, task: &[u8], which: &[usize]) -> PyResult<Vec<Vec<u8>>> {
        let py = self.executor.py();
        py.check_signals()?;
        let replies = self.executor.call_method1("run", (PyBytes::new(py, task), PyList::new(py, which)?))?;
        let mut out = Vec::with_capacity(which.len());
        for reply in replies.try_iter()? {
            let reply = reply?;
            let bytes =
                reply.cast::<PyBytes>().map_err(|_| PyTypeError::new_err("an executor's reply must be bytes"))?;
            out.push(bytes.as_bytes().to_vec());
        }
        Ok(out)
    }
}

impl ChunkExecutor for PythonChunks<'_> {
    fn chunk_lens(&self) -> Vec<usize> {
        self.lens.clone()
    }

    fn run(&mut self, task: &[u8], which: &[usize]) -> banditpam::Result<Vec<Vec<u8>>> {
        self.call(task, which).map_err(|error| {
            let message = error.to_string();
            self.raised.get_or_insert(error);
            Error::Sharded(message)
        })
    }
}

/// Fit on chunks of `chunk_lens` rows that `executor` runs tasks on (see `PythonChunks`), with
/// the keyword arguments of `fit`; `keep_block` keeps OneBatchPAM's block next to each chunk.
/// Returns a dict: "method", "medoids", "loss", "build_medoids", "build_loss", "swaps",
/// "converged", "seconds" (a dict "build", "swap", "other").
#[pyfunction]
#[pyo3(signature = (executor, chunk_lens, *, keep_block=true, **params))]
fn fit_sharded<'py>(
    py: Python<'py>,
    executor: Bound<'py, PyAny>,
    chunk_lens: Vec<usize>,
    keep_block: bool,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let params = builder(params)?.check().map_err(to_py_err)?;
    let mut chunks = PythonChunks { executor, lens: chunk_lens, raised: None };
    let found = catch_unwind(AssertUnwindSafe(|| {
        sharded::fit(&params, &mut chunks, Options { keep_block, ..Options::default() })
    }))
    .map_err(|_| PyRuntimeError::new_err("internal error in banditpam_rs: please report it"))?;
    let found = match (found, chunks.raised.take()) {
        (Ok(found), _) => found,
        (Err(_), Some(raised)) => return Err(raised),
        (Err(error), None) => return Err(to_py_err(error)),
    };
    let out = PyDict::new(py);
    out.set_item("method", found.algorithm.name())?;
    out.set_item("medoids", found.medoids)?;
    out.set_item("loss", found.loss)?;
    out.set_item("build_medoids", found.build_medoids)?;
    out.set_item("build_loss", found.build_loss)?;
    out.set_item("swaps", found.swaps)?;
    out.set_item("converged", found.converged)?;
    let seconds = PyDict::new(py);
    seconds.set_item("build", found.seconds.build)?;
    seconds.set_item("swap", found.seconds.swap)?;
    seconds.set_item("other", found.seconds.other)?;
    out.set_item("seconds", seconds)?;
    Ok(out)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ChunkSite>()?;
    m.add_function(wrap_pyfunction!(chunk_stats, m)?)?;
    m.add_function(wrap_pyfunction!(run_chunk_task, m)?)?;
    m.add_function(wrap_pyfunction!(drop_chunk_states, m)?)?;
    m.add_function(wrap_pyfunction!(chunk_nearest, m)?)?;
    m.add_function(wrap_pyfunction!(kept_block_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(fit_sharded, m)?)?;
    Ok(())
}
