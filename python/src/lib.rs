//! `banditpam_rs._core`: the thin PyO3 layer between the `banditpam` crate and the Python
//! package. It converts arrays and parameters, runs the fit on a worker thread with the GIL
//! released, polls for Ctrl-C, forwards progress to `sys.stderr`, and maps errors to Python
//! exception classes. No clustering logic lives here.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

use banditpam::{
    levenshtein, Algorithm, Clustering, DenseData, Dissimilarity, Error, Event, Init, KMedoids, KScore,
    MatrixPrecision, Metric, MetricName, Objects, Observer, PhaseCounts, Precomputed, Scalar, SparseData,
};
mod callable;
mod sharded;

use callable::{PyDissimilarity, Shape, Source};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods, ToPyArray};
use pyo3::exceptions::{PyKeyboardInterrupt, PyMemoryError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};

/// How often the waiting thread wakes to print progress and check for Ctrl-C.
const POLL: Duration = Duration::from_millis(50);

/// Maps a core error to the Python exception class a caller expects, naming parameters by
/// their Python names.
fn to_py_err(error: Error) -> PyErr {
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

/// What the worker thread tells the waiting thread.
enum Message {
    Progress(String),
    Done,
}

/// The core's observer for a Python fit: forwards events when verbose, stops on request.
struct Watch {
    cancel: AtomicBool,
    verbose: bool,
    messages: Sender<Message>,
    /// The first exception a Python dissimilarity raised: re-raised instead of the core error.
    callback_error: Mutex<Option<PyErr>>,
    /// The phase running (named by the core), and whether the search reads an n x n matrix.
    phase: Mutex<(&'static str, bool)>,
}

impl Observer for Watch {
    fn on_event(&self, event: &Event) {
        if !self.verbose {
            return;
        }
        let Ok(mut phase) = self.phase.lock() else { return };
        // On a matrix the search reads distances rather than computing them.
        let work = |count: u64| if phase.1 { "on the matrix".to_string() } else { format!("{count} distances") };
        let text = match event {
            Event::PhaseStarted { phase: name } => {
                phase.0 = name;
                format!("[banditpam_rs] {name}\n")
            }
            Event::MatrixStarted { n } => {
                phase.1 = true;
                format!("[banditpam_rs] building the {n} x {n} dissimilarity matrix\n")
            }
            Event::BuildStep { step, k, distance_evaluations } => {
                format!("[banditpam_rs] {}: medoid {step}/{k}, {}\n", phase.0, work(*distance_evaluations))
            }
            Event::SwapStep { iteration, swaps, loss, distance_evaluations } => format!(
                "[banditpam_rs] {}: iteration {iteration}, {swaps} swaps, loss {loss:.6}, {}\n",
                phase.0,
                work(*distance_evaluations)
            ),
            Event::ScanProgress { done, total, distance_evaluations } => {
                format!("[banditpam_rs] swap gap: {done}/{total} candidates, {distance_evaluations} distances\n")
            }
            _ => return,
        };
        let _ = self.messages.send(Message::Progress(text));
    }

    fn keep_going(&self) -> bool {
        !self.cancel.load(Ordering::Relaxed)
    }
}

impl Watch {
    fn record_callback_error(&self, error: PyErr) {
        if let Ok(mut slot) = self.callback_error.lock() {
            slot.get_or_insert(error);
        }
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Runs `job` on a worker thread while this thread, without the GIL, waits: printing progress,
/// and turning Ctrl-C into a cancellation the core notices within one block of work.
fn run_released<T: Send, F>(py: Python<'_>, verbose: bool, job: F) -> PyResult<T>
where
    F: FnOnce(&Watch) -> banditpam::Result<T> + Send,
{
    let (sender, receiver) = channel();
    // Only this thread reads it, but `detach` needs what it borrows to be `Sync`.
    let receiver = Mutex::new(receiver);
    let watch = Watch {
        cancel: AtomicBool::new(false),
        verbose,
        messages: sender.clone(),
        callback_error: Mutex::new(None),
        phase: Mutex::default(),
    };
    let mut interrupt = None;
    let outcome = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let result = catch_unwind(AssertUnwindSafe(|| job(&watch)));
            let _ = sender.send(Message::Done);
            result
        });
        loop {
            let next = py.detach(|| match receiver.lock() {
                Ok(receiver) => receiver.recv_timeout(POLL),
                Err(_) => Err(RecvTimeoutError::Disconnected),
            });
            match next {
                Ok(Message::Progress(text)) => {
                    let _ = py.import("sys").and_then(|sys| sys.getattr("stderr")?.call_method1("write", (text,)));
                }
                Ok(Message::Done) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if interrupt.is_none() {
                if let Err(error) = py.check_signals() {
                    watch.cancel.store(true, Ordering::Relaxed);
                    interrupt = Some(error);
                }
            }
        }
        py.detach(|| worker.join())
    });
    if let Some(error) = interrupt {
        return Err(error);
    }
    if let Some(error) = watch.callback_error.lock().ok().and_then(|mut slot| slot.take()) {
        return Err(error);
    }
    match outcome {
        Ok(Ok(result)) => result.map_err(to_py_err),
        _ => Err(PyRuntimeError::new_err("internal error in banditpam_rs: please report it")),
    }
}

/// Sets one parameter on the core builder from a Python value; the `&str` is its Python name.
type Setter = fn(KMedoids, &str, &Bound<'_, PyAny>) -> PyResult<KMedoids>;

/// The fit parameters Python passes by keyword: the one schema across the boundary. Each row is
/// the Python name, the core builder's name (used in the core's errors), and the setter.
const PARAMETERS: &[(&str, &str, Setter)] = &[
    ("n_clusters", "k", |m, name, v| Ok(m.k(count(name, v)?))),
    ("method", "algorithm", |m, _, v| Ok(m.algorithm(method(v)?))),
    ("max_iter", "max_iter", |m, name, v| Ok(m.max_iter(count(name, v)?))),
    ("init", "init", |m, name, v| {
        Ok(match optional(name, v, init)? {
            Some(init) => m.init(init),
            None => m,
        })
    }),
    ("n_init", "n_init", |m, name, v| Ok(m.n_init(count(name, v)?))),
    ("sample_weight", "weights", |m, name, v| {
        Ok(match optional(name, v, weights)? {
            Some(weights) => m.weights(weights),
            None => m,
        })
    }),
    ("build_confidence", "build_confidence", |m, name, v| Ok(m.build_confidence(number(name, v)?))),
    ("swap_confidence", "swap_confidence", |m, name, v| Ok(m.swap_confidence(number(name, v)?))),
    ("batch_size", "batch_size", |m, name, v| Ok(m.batch_size(count(name, v)?))),
    ("sigma_sample", "sigma_sample", |m, name, v| Ok(m.sigma_sample(optional(name, v, count)?))),
    ("use_cache", "use_cache", |m, name, v| Ok(m.use_cache(optional(name, v, flag)?))),
    ("use_perm", "use_perm", |m, name, v| Ok(m.use_perm(optional(name, v, flag)?))),
    ("cache_width", "cache_width", |m, name, v| Ok(m.cache_width(optional(name, v, count)?))),
    ("onebatch_size", "onebatch_size", |m, name, v| Ok(m.onebatch_size(optional(name, v, count)?))),
    ("seed", "seed", |m, name, v| Ok(m.seed(count(name, v)? as u64))),
    ("n_threads", "threads", |m, name, v| Ok(m.threads(optional(name, v, count)?))),
    ("memory_budget", "memory_budget", |m, name, v| Ok(m.memory_budget(optional(name, v, count)?))),
];

/// The Python name of a core parameter.
fn python_name(core: &str) -> &str {
    PARAMETERS.iter().find(|(_, c, _)| *c == core).map_or(core, |(python, _, _)| python)
}

/// The core builder with the keyword arguments applied; an unknown keyword is a TypeError.
fn builder(params: Option<&Bound<'_, PyDict>>) -> PyResult<KMedoids> {
    let mut model = KMedoids::new(1);
    for (key, value) in params.into_iter().flat_map(|d| d.iter()) {
        let key: String = key.extract()?;
        let Some((name, _, set)) = PARAMETERS.iter().find(|(python, _, _)| *python == key) else {
            let known: Vec<&str> = PARAMETERS.iter().map(|(python, _, _)| *python).collect();
            return Err(PyTypeError::new_err(format!("unknown parameter {key:?}; expected one of {known:?}")));
        };
        model = set(model, name, &value)?;
    }
    Ok(model)
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map_or_else(|_| "?".into(), |n| n.to_string())
}

/// A non-negative int (numpy integers too, bools not).
fn count(name: &str, value: &Bound<'_, PyAny>) -> PyResult<usize> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be an int, got bool")));
    }
    let wide: i128 = value
        .extract()
        .map_err(|_| PyTypeError::new_err(format!("{name} must be an int, got {}", type_name(value))))?;
    usize::try_from(wide).map_err(|_| PyValueError::new_err(format!("{name} must be >= 0, got {wide}")))
}

/// A real number (ints too, bools not).
fn number(name: &str, value: &Bound<'_, PyAny>) -> PyResult<f64> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be a number, got bool")));
    }
    value.extract().map_err(|_| PyTypeError::new_err(format!("{name} must be a number, got {}", type_name(value))))
}

fn flag(name: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    value.extract().map_err(|_| PyTypeError::new_err(format!("{name} must be a bool, got {}", type_name(value))))
}

/// `None`, or a value read by `read`.
fn optional<T>(
    name: &str,
    value: &Bound<'_, PyAny>,
    read: fn(&str, &Bound<'_, PyAny>) -> PyResult<T>,
) -> PyResult<Option<T>> {
    if value.is_none() {
        Ok(None)
    } else {
        read(name, value).map(Some)
    }
}

/// `sample_weight`: a sequence of numbers (the core checks their values and count).
fn weights(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    value.extract().map_err(|_| {
        PyTypeError::new_err(format!("{name} must be a 1-D sequence of numbers, got {}", type_name(value)))
    })
}

/// `init`: a name ("build", "random", "k-medoids++") or a sequence of k medoid indices.
fn init(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Init> {
    if let Ok(text) = value.extract::<String>() {
        return text.parse().map_err(to_py_err);
    }
    let indices: Vec<i64> = value.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name} must be one of {:?} or a sequence of medoid indices, got {}",
            Init::NAMES,
            type_name(value)
        ))
    })?;
    Ok(Init::Medoids(positions(name, &indices)?))
}

/// The `n_threads` argument: None or a non-negative int (the core checks the range).
fn thread_count(n_threads: Option<&Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
    Ok(n_threads.map(|t| optional("n_threads", t, count)).transpose()?.flatten())
}

/// Object indices from Python ints: a negative one is a ValueError naming `name`.
fn positions(name: &str, indices: &[i64]) -> PyResult<Vec<usize>> {
    indices
        .iter()
        .map(|&i| usize::try_from(i).map_err(|_| PyValueError::new_err(format!("{name} holds the negative index {i}"))))
        .collect()
}

fn method(value: &Bound<'_, PyAny>) -> PyResult<Algorithm> {
    let name: String =
        value.extract().map_err(|_| PyTypeError::new_err(format!("method must be a str, got {}", type_name(value))))?;
    name.parse().map_err(to_py_err)
}

/// The `metric` argument: a name the core knows, a Python callable `f(a, b) -> float`, or a
/// block function `f(A, B) -> array` (marked by `banditpam_rs.block_metric`).
enum MetricArg {
    Named(MetricName),
    Callable(Py<PyAny>),
    Block(Py<PyAny>),
}

impl MetricArg {
    /// The metric from its Python value and the Minkowski exponent `p` (None or a number).
    fn new(metric: &Bound<'_, PyAny>, p: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
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
    fn kind(&self) -> &'static str {
        match self {
            MetricArg::Named(MetricName::Dense(_)) => "dense",
            MetricArg::Named(MetricName::Precomputed) => "precomputed",
            MetricArg::Named(MetricName::Levenshtein) => "levenshtein",
            MetricArg::Callable(_) => "callable",
            MetricArg::Block(_) => "block",
        }
    }
}

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
struct FitResult {
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
    fn new(py: Python<'_>, fit: Clustering) -> PyResult<Self> {
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

/// A computation on a data set of any kind (run with the GIL released, watched by `Watch`).
type Job<'a, T> = &'a (dyn Fn(&dyn Dissimilarity, &Watch) -> banditpam::Result<T> + Sync);

/// Runs `job` on `x` read as `metric` says: a C-contiguous float32/float64 2-D array (rows,
/// or an n x n matrix for "precomputed"), a sequence of str ("levenshtein"), or a sequence of
/// objects compared by a Python callable. The one place the binding turns Python data into
/// the core's data.
fn with_data<T: Send>(
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

/// Fit k-medoids; see `banditpam_rs.KMedoids` for the meaning of every parameter.
///
/// `x` is a C-contiguous float32/float64 2-D array (rows, or an n x n matrix when `metric` is
/// "precomputed"), a list of strings when `metric` is "levenshtein", or a list of objects when
/// `metric` is a callable. `p` is the Minkowski exponent; the other keyword arguments are the
/// names of `FIT_PARAMETERS`, each mapped onto the core's builder.
#[pyfunction]
#[pyo3(signature = (x, *, metric, p=None, verbose=false, **params))]
fn fit(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    metric: &Bound<'_, PyAny>,
    p: Option<&Bound<'_, PyAny>>,
    verbose: bool,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<FitResult> {
    let metric = MetricArg::new(metric, p)?;
    let params = builder(params)?.check().map_err(to_py_err)?;
    let fit = with_data(py, x, &metric, verbose, &|data, watch| params.fit_with_observer(data, watch))?;
    FitResult::new(py, fit)
}

/// The Silhouette of each sample under `labels` (see `banditpam_rs.metrics.silhouette_samples`).
#[pyfunction]
#[pyo3(signature = (x, labels, *, metric, p=None, n_threads=None))]
fn silhouette_samples<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    labels: Vec<i64>,
    metric: &Bound<'py, PyAny>,
    p: Option<&Bound<'py, PyAny>>,
    n_threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let metric = MetricArg::new(metric, p)?;
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
#[pyo3(signature = (x, medoids, *, metric, p=None, n_threads=None))]
fn medoid_silhouette_samples<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    medoids: Vec<i64>,
    metric: &Bound<'py, PyAny>,
    p: Option<&Bound<'py, PyAny>>,
    n_threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let metric = MetricArg::new(metric, p)?;
    let threads = thread_count(n_threads)?;
    let medoids = positions("medoid_indices", &medoids)?;
    let samples =
        with_data(py, x, &metric, false, &|data, _| banditpam::medoid_silhouette_samples(data, &medoids, threads))?;
    Ok(PyArray1::from_vec(py, samples))
}

/// The best single swap for `medoids`, scored exactly (see `banditpam_rs.swap_gap`). Returns
/// `(gap, loss, delta, swap, distance_evaluations)`, `swap` None or `(position, object)`.
#[pyfunction]
#[pyo3(signature = (x, medoids, *, metric, p=None, n_threads=None, memory_budget=None, verbose=false))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn swap_gap(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    medoids: Vec<i64>,
    metric: &Bound<'_, PyAny>,
    p: Option<&Bound<'_, PyAny>>,
    n_threads: Option<&Bound<'_, PyAny>>,
    memory_budget: Option<&Bound<'_, PyAny>>,
    verbose: bool,
) -> PyResult<(f64, f64, f64, Option<(usize, usize)>, u64)> {
    let metric = MetricArg::new(metric, p)?;
    let threads = thread_count(n_threads)?;
    let budget = memory_budget.map(|b| optional("memory_budget", b, count)).transpose()?.flatten();
    let medoids = positions("medoid_indices", &medoids)?;
    let found =
        with_data(py, x, &metric, verbose, &|data, watch| banditpam::swap_gap(data, &medoids, threads, budget, watch))?;
    Ok((found.gap, found.loss, found.delta, found.swap, found.distance_evaluations))
}

/// Fit every k of `ks` and score each (see `banditpam_rs.select_k`). Returns `(best_k,
/// scores, fits)`, `scores` a list of `(k, score)` and `fits` the FitResults, in `ks` order.
#[pyfunction]
#[pyo3(signature = (x, ks, *, metric, p=None, score="medoid_silhouette", verbose=false, **params))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn select_k(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    ks: Vec<usize>,
    metric: &Bound<'_, PyAny>,
    p: Option<&Bound<'_, PyAny>>,
    score: &str,
    verbose: bool,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<(usize, Vec<(usize, f64)>, Vec<FitResult>)> {
    let metric = MetricArg::new(metric, p)?;
    let score: KScore = score.parse().map_err(to_py_err)?;
    let params = builder(params)?;
    let found = with_data(py, x, &metric, verbose, &|data, _| banditpam::select_k(&params, data, &ks, score))?;
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
#[pyo3(signature = (metric, p=None))]
fn metric_kind(metric: &Bound<'_, PyAny>, p: Option<&Bound<'_, PyAny>>) -> PyResult<&'static str> {
    Ok(MetricArg::new(metric, p)?.kind())
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
fn levenshtein_py(a: &str, b: &str) -> f64 {
    levenshtein(a, b)
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
    m.add("FIT_PARAMETERS", PARAMETERS.iter().map(|(python, _, _)| *python).collect::<Vec<_>>())?;
    m.add("METHODS", Algorithm::ALL.map(Algorithm::name).to_vec())?;
    m.add("METRICS", MetricName::names())?;
    m.add_function(wrap_pyfunction!(cross_distances, m)?)?;
    m.add_function(wrap_pyfunction!(levenshtein_py, m)?)?;
    sharded::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
