//! The chunk tasks of `banditpam_rs.dask`: thin wrappers of `banditpam::sharded`, one per step
//! of a distributed OneBatchPAM, on numpy arrays (so Dask can ship their arguments and
//! results between processes). The search itself is a class held by the driver.

use banditpam::sharded::{self, DataStats, Found, OneBatchPlan, Search, Shard, ShardRows, Snapshot};
use banditpam::{Metric, MetricName, Scalar};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::to_py_err;

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

/// Runs `$body` with `$x` (and every array of `$other`) read as 2-D float32 or float64
/// arrays of one dtype, `$T` bound to that dtype.
macro_rules! with_rows {
    ($x:expr, [$($other:ident),*], |$rows:ident, $T:ident| $body:expr) => {{
        if let Ok(a) = $x.cast::<numpy::PyArray2<f32>>() {
            type $T = f32;
            let $rows: PyReadonlyArray2<'_, f32> = a.readonly();
            $(let $other: PyReadonlyArray2<'_, f32> = $other
                .cast::<numpy::PyArray2<f32>>()
                .map_err(|_| PyTypeError::new_err("every array must have X's dtype"))?
                .readonly();)*
            $body
        } else if let Ok(a) = $x.cast::<numpy::PyArray2<f64>>() {
            type $T = f64;
            let $rows: PyReadonlyArray2<'_, f64> = a.readonly();
            $(let $other: PyReadonlyArray2<'_, f64> = $other
                .cast::<numpy::PyArray2<f64>>()
                .map_err(|_| PyTypeError::new_err("every array must have X's dtype"))?
                .readonly();)*
            $body
        } else {
            Err(PyTypeError::new_err("X must be a 2-D float32 or float64 array"))
        }
    }};
}

/// Fold a chunk into the running statistics; chunks must come in row order. Raises ValueError
/// naming the row (in the whole data set) of a NaN or infinite value.
#[pyfunction]
fn shard_stats<'py>(
    py: Python<'py>,
    chunk: &Bound<'py, PyAny>,
    stats: StatsTuple<'py>,
) -> PyResult<(usize, Bound<'py, PyArray1<f64>>, f64)> {
    let mut folded = stats_of(&stats)?;
    with_rows!(chunk, [], |rows, T| {
        let values: &[T] = contiguous(rows.as_slice())?;
        py.detach(|| folded.fold(values)).map_err(to_py_err)?;
        Ok::<(), PyErr>(())
    })?;
    Ok((folded.rows, PyArray1::from_vec(py, folded.column_sums), folded.largest_abs))
}

/// `(batch, initial)`: the batch members and the initial medoids for `n`, `k` and `seed`
/// (`initial`: the caller's medoids, checked against `n`), for search `restart` of `n_init`.
#[pyfunction]
#[pyo3(signature = (n, k, seed, batch_size=None, initial=None, restart=0))]
fn onebatch_plan(
    n: usize,
    k: usize,
    seed: u64,
    batch_size: Option<usize>,
    initial: Option<Vec<usize>>,
    restart: usize,
) -> PyResult<(Vec<usize>, Vec<usize>)> {
    let seed = sharded::restart_seed(seed, restart);
    let mut plan = OneBatchPlan::new(n, k, batch_size, seed).map_err(to_py_err)?;
    if let Some(medoids) = initial {
        plan = plan.with_initial(medoids).map_err(to_py_err)?;
    }
    Ok((plan.batch, plan.initial))
}

fn shard<'py, T: Scalar + numpy::Element>(
    rows: &PyReadonlyArray2<'py, T>,
    offset: usize,
    targets: &PyReadonlyArray2<'py, T>,
    metric: Metric,
    stats: &StatsTuple<'py>,
) -> PyResult<Shard<T>> {
    let d = rows.shape()[1];
    if targets.shape()[1] != d {
        return Err(PyValueError::new_err(format!("X has {d} features, the targets {}", targets.shape()[1])));
    }
    let (values, target_values) = (contiguous(rows.as_slice())?, contiguous(targets.as_slice())?);
    Shard::new(values, offset, target_values, d, metric, &stats_of(stats)?).map_err(to_py_err)
}

/// Where a chunk task reads block rows: the kept `block`, else `computed`, the chunk's shard
/// (built by the caller only when there is no block), computing rows again times `scale`.
fn source<'a, T: Scalar>(
    block: &'a Option<PyReadonlyArray2<'_, f32>>,
    computed: Option<&'a Shard<T>>,
    offset: usize,
    scale: f64,
) -> PyResult<ShardRows<'a, T>> {
    match (block, computed) {
        (Some(block), _) => Ok(ShardRows::Stored { block: contiguous(block.as_slice())?, offset }),
        (None, Some(shard)) => Ok(ShardRows::Computed(shard, scale)),
        (None, None) => Err(PyValueError::new_err("a chunk task needs its kept block or its rows")),
    }
}

/// A chunk's block against the batch rows: `(block or None, votes, largest, smallest)`;
/// `keep` False gives the votes and the range without the block.
#[pyfunction]
#[pyo3(signature = (chunk, offset, batch, stats, *, metric, p=None, scale=1.0, keep=true))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn shard_batch<'py>(
    py: Python<'py>,
    chunk: &Bound<'py, PyAny>,
    offset: usize,
    batch: &Bound<'py, PyAny>,
    stats: StatsTuple<'py>,
    metric: &str,
    p: Option<f64>,
    scale: f64,
    keep: bool,
) -> PyResult<(Option<Bound<'py, PyAny>>, Bound<'py, PyArray1<f64>>, f64, f64)> {
    let metric = dense_metric(metric, p)?;
    with_rows!(chunk, [batch], |rows, T| {
        let shard: Shard<T> = shard(&rows, offset, &batch, metric, &stats)?;
        let m = batch.shape()[0];
        if keep {
            let (block, largest, smallest) = py.detach(|| shard.batch_block(scale)).map_err(to_py_err)?;
            let mut votes = vec![0.0; m];
            sharded::add_votes(&block, &mut votes);
            let block = PyArray1::from_vec(py, block).reshape([shard.len(), m])?.into_any();
            Ok((Some(block), PyArray1::from_vec(py, votes), largest, smallest))
        } else {
            let (votes, largest, smallest) = py.detach(|| shard.batch_votes(scale)).map_err(to_py_err)?;
            Ok((None, PyArray1::from_vec(py, votes), largest, smallest))
        }
    })
}

/// The first event of the window `[start, end)` among a chunk's candidates:
/// `(position, candidate, medoid position or None, block row)`, or None. `block` is the
/// chunk's kept block, or None to compute the rows again from `chunk` and `batch`.
#[pyfunction]
#[pyo3(signature = (chunk, offset, batch, stats, block, n, snapshot, weights, start, end, *, metric, p=None, scale=1.0))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn shard_scan<'py>(
    py: Python<'py>,
    chunk: &Bound<'py, PyAny>,
    offset: usize,
    batch: &Bound<'py, PyAny>,
    stats: StatsTuple<'py>,
    block: Option<PyReadonlyArray2<'py, f32>>,
    n: usize,
    snapshot: SnapshotTuple<'py>,
    weights: PyReadonlyArray1<'py, f32>,
    start: usize,
    end: usize,
    metric: &str,
    p: Option<f64>,
    scale: f64,
) -> PyResult<Option<(usize, usize, Option<usize>, Bound<'py, PyArray1<f32>>)>> {
    let metric = dense_metric(metric, p)?;
    let snapshot = snapshot_of(snapshot)?;
    let weights = contiguous(weights.as_slice())?;
    if end < start || end - start > n {
        return Err(PyValueError::new_err(format!("a window of at most n = {n} positions, got [{start}, {end})")));
    }
    let found = with_rows!(chunk, [batch], |rows, T| {
        let computed: Option<Shard<T>> =
            if block.is_none() { Some(shard(&rows, offset, &batch, metric, &stats)?) } else { None };
        let rows = source(&block, computed.as_ref(), offset, scale)?;
        py.detach(|| sharded::scan(rows, n, &snapshot, weights, start..end)).map_err(to_py_err)
    })?;
    Ok(found.map(|(f, row)| (f.position, f.candidate, f.swap, PyArray1::from_vec(py, row))))
}

/// The `count` swaps of a chunk's candidates that lower the batch loss most:
/// `[(change, candidate, medoid position)]`, ascending.
#[pyfunction]
#[pyo3(signature = (chunk, offset, batch, stats, block, snapshot, weights, count, *, metric, p=None, scale=1.0))]
#[allow(clippy::too_many_arguments)]
fn shard_best_swaps<'py>(
    py: Python<'py>,
    chunk: &Bound<'py, PyAny>,
    offset: usize,
    batch: &Bound<'py, PyAny>,
    stats: StatsTuple<'py>,
    block: Option<PyReadonlyArray2<'py, f32>>,
    snapshot: SnapshotTuple<'py>,
    weights: PyReadonlyArray1<'py, f32>,
    count: usize,
    metric: &str,
    p: Option<f64>,
    scale: f64,
) -> PyResult<Vec<(f64, usize, usize)>> {
    let metric = dense_metric(metric, p)?;
    let snapshot = snapshot_of(snapshot)?;
    let weights = contiguous(weights.as_slice())?;
    with_rows!(chunk, [batch], |rows, T| {
        let computed: Option<Shard<T>> =
            if block.is_none() { Some(shard(&rows, offset, &batch, metric, &stats)?) } else { None };
        let rows = source(&block, computed.as_ref(), offset, scale)?;
        py.detach(|| sharded::best_swaps(rows, &snapshot, weights, count)).map_err(to_py_err)
    })
}

/// The block rows of a chunk's rows `rows` (local numbers), as `shard_batch` computes them.
#[pyfunction]
#[pyo3(signature = (chunk, offset, batch, stats, rows, *, metric, p=None, scale=1.0))]
#[allow(clippy::too_many_arguments)]
fn shard_rows<'py>(
    py: Python<'py>,
    chunk: &Bound<'py, PyAny>,
    offset: usize,
    batch: &Bound<'py, PyAny>,
    stats: StatsTuple<'py>,
    rows: Vec<usize>,
    metric: &str,
    p: Option<f64>,
    scale: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let metric = dense_metric(metric, p)?;
    let m = batch.cast::<numpy::PyUntypedArray>().map(|b| b.shape()[0]).unwrap_or(0);
    let values = with_rows!(chunk, [batch], |x, T| {
        let shard: Shard<T> = shard(&x, offset, &batch, metric, &stats)?;
        py.detach(|| shard.batch_rows(&rows, scale)).map_err(to_py_err)
    })?;
    Ok(PyArray1::from_vec(py, values).reshape([rows.len(), m])?.into_any())
}

/// For each row of a chunk, the position of its nearest center and the distance:
/// `(labels, distances)`.
#[pyfunction]
#[pyo3(signature = (chunk, offset, centers, stats, *, metric, p=None))]
fn shard_nearest<'py>(
    py: Python<'py>,
    chunk: &Bound<'py, PyAny>,
    offset: usize,
    centers: &Bound<'py, PyAny>,
    stats: StatsTuple<'py>,
    metric: &str,
    p: Option<f64>,
) -> PyResult<LabelsAndDistances<'py>> {
    let metric = dense_metric(metric, p)?;
    let (labels, distances) = with_rows!(chunk, [centers], |rows, T| {
        let shard: Shard<T> = shard(&rows, offset, &centers, metric, &stats)?;
        py.detach(|| shard.nearest()).map_err(to_py_err)
    })?;
    let labels: Vec<i64> = labels.into_iter().map(|l| l as i64).collect();
    Ok((PyArray1::from_vec(py, labels), PyArray1::from_vec(py, distances)))
}

/// Per row, the nearest center's position and the distance.
type LabelsAndDistances<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>);

/// The scale to compute every block again with, or None when the distances fit float32.
#[pyfunction]
fn onebatch_rescale(largest: f64, smallest: f64) -> Option<f64> {
    sharded::rescale(largest, smallest)
}

/// A snapshot as it travels: `(medoids, nearest, best, second, last_swap, threshold)`.
type SnapshotTuple<'py> = (
    Vec<usize>,
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, f64>,
    PyReadonlyArray1<'py, f64>,
    Option<usize>,
    f64,
);

fn snapshot_of(s: SnapshotTuple<'_>) -> PyResult<Snapshot> {
    let nearest = contiguous(s.1.as_slice())?.iter().map(|&p| usize::try_from(p).unwrap_or(usize::MAX)).collect();
    let (best, second) = (contiguous(s.2.as_slice())?.to_vec(), contiguous(s.3.as_slice())?.to_vec());
    Snapshot::from_parts(s.0, nearest, best, second, s.4, s.5).map_err(to_py_err)
}

/// OneBatchPAM's swap search, held by the driver; the chunks score its windows.
#[pyclass(module = "banditpam_rs._core")]
pub(crate) struct OneBatchSearch {
    search: Option<Search>,
}

impl OneBatchSearch {
    fn search(&mut self) -> PyResult<&mut Search> {
        self.search.as_mut().ok_or_else(|| PyValueError::new_err("the search has finished"))
    }
}

#[pymethods]
impl OneBatchSearch {
    /// The search over `n` candidates with the batch `batch`, the batch columns' weights from
    /// the chunks' summed `votes`, and at most `max_passes` passes.
    #[new]
    fn new(n: usize, batch: Vec<usize>, votes: PyReadonlyArray1<'_, f64>, max_passes: usize) -> PyResult<Self> {
        if votes.len() != batch.len() {
            return Err(PyValueError::new_err("one vote per batch member is needed"));
        }
        let weights = sharded::column_weights(contiguous(votes.as_slice())?);
        let plan = OneBatchPlan { n, batch, initial: Vec::new() };
        Ok(OneBatchSearch { search: Some(Search::new(&plan, weights, max_passes)) })
    }

    /// Add an initial medoid with its block row.
    fn add_medoid(&mut self, medoid: usize, row: PyReadonlyArray1<'_, f32>) -> PyResult<()> {
        let row = contiguous(row.as_slice())?.to_vec();
        self.search()?.add_medoid(medoid, &row).map_err(to_py_err)
    }

    /// The batch columns' weights (float32).
    fn weights<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        Ok(PyArray1::from_vec(py, self.search()?.weights().to_vec()))
    }

    /// The next window `(start, end)` of at most `length` positions, or None once ended.
    fn window(&mut self, length: usize) -> PyResult<Option<(usize, usize)>> {
        Ok(self.search()?.window(length).map(|w| (w.start, w.end)))
    }

    /// `(medoids, nearest, best, second, last_swap, threshold)` for the chunks.
    #[allow(clippy::type_complexity)]
    fn snapshot<'py>(
        &mut self,
        py: Python<'py>,
    ) -> PyResult<(
        Vec<usize>,
        Bound<'py, PyArray1<i64>>,
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
        Option<usize>,
        f64,
    )> {
        let snapshot = self.search()?.snapshot();
        let (medoids, nearest, best, second) = snapshot.parts();
        let nearest: Vec<i64> = nearest.iter().map(|&p| p as i64).collect();
        Ok((
            medoids.to_vec(),
            PyArray1::from_vec(py, nearest),
            PyArray1::from_slice(py, best),
            PyArray1::from_slice(py, second),
            snapshot.last_swap,
            snapshot.threshold,
        ))
    }

    /// Apply the window's first event over all chunks, as `shard_scan` returned it (or None).
    #[pyo3(signature = (start, end, found=None))]
    fn advance(
        &mut self,
        start: usize,
        end: usize,
        found: Option<(usize, usize, Option<usize>, PyReadonlyArray1<'_, f32>)>,
    ) -> PyResult<()> {
        let found = match found {
            Some((position, candidate, swap, row)) => {
                Some((Found { position, candidate, swap }, contiguous(row.as_slice())?.to_vec()))
            }
            None => None,
        };
        self.search()?.advance(start..end, found).map_err(to_py_err)
    }

    /// Swap `candidate` into medoid position `position` (a swap verified on all rows), with
    /// its block row.
    fn apply_swap(&mut self, position: usize, candidate: usize, row: PyReadonlyArray1<'_, f32>) -> PyResult<()> {
        let row = contiguous(row.as_slice())?.to_vec();
        self.search()?.apply_swap(position, candidate, &row).map_err(to_py_err)
    }

    /// The medoids so far.
    fn medoids(&mut self) -> PyResult<Vec<usize>> {
        Ok(self.search()?.medoids().to_vec())
    }

    /// `(medoids, swaps, converged)`; the search cannot be used after.
    fn finish(&mut self) -> PyResult<(Vec<usize>, usize, bool)> {
        let search = self.search.take().ok_or_else(|| PyValueError::new_err("the search has finished"))?;
        Ok(search.finish())
    }
}

/// Adds the chunk tasks and the search class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(shard_stats, m)?)?;
    m.add_function(wrap_pyfunction!(onebatch_plan, m)?)?;
    m.add_function(wrap_pyfunction!(shard_batch, m)?)?;
    m.add_function(wrap_pyfunction!(shard_scan, m)?)?;
    m.add_function(wrap_pyfunction!(shard_nearest, m)?)?;
    m.add_function(wrap_pyfunction!(shard_rows, m)?)?;
    m.add_function(wrap_pyfunction!(shard_best_swaps, m)?)?;
    m.add_function(wrap_pyfunction!(onebatch_rescale, m)?)?;
    m.add_class::<OneBatchSearch>()?;
    m.add("ROW_ALIGNMENT", sharded::ROW_ALIGNMENT)?;
    Ok(())
}
