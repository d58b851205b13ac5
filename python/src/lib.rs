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
    levenshtein, Algorithm, Clustering, DenseData, Error, Event, KMedoids, MatrixPrecision, Metric, Objects, Observer,
    PhaseCounts, Precomputed, Scalar,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods, ToPyArray};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// How often the waiting thread wakes to print progress and check for Ctrl-C.
const POLL: Duration = Duration::from_millis(50);

/// Maps a core error to the Python exception class a caller expects.
fn to_py_err(error: Error) -> PyErr {
    match error {
        Error::Interrupted => PyKeyboardInterrupt::new_err("the fit was interrupted"),
        Error::ThreadPool(_) => PyRuntimeError::new_err(error.to_string()),
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
}

impl Observer for Watch {
    fn on_event(&self, event: &Event) {
        if !self.verbose {
            return;
        }
        let text = match event {
            Event::MatrixStarted { n } => format!("[banditpam_rs] building the {n} x {n} dissimilarity matrix\n"),
            Event::BuildStep { step, k, distance_evaluations } => {
                format!("[banditpam_rs] BUILD {step}/{k}, {distance_evaluations} distances\n")
            }
            Event::SwapStep { iteration, loss, distance_evaluations, .. } => {
                format!("[banditpam_rs] SWAP {iteration}: loss {loss:.6}, {distance_evaluations} distances\n")
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
fn run_released<F>(py: Python<'_>, verbose: bool, job: F) -> PyResult<Clustering>
where
    F: FnOnce(&Watch) -> banditpam::Result<Clustering> + Send,
{
    let (sender, receiver) = channel();
    // Only this thread reads it, but `detach` needs what it borrows to be `Sync`.
    let receiver = Mutex::new(receiver);
    let watch =
        Watch { cancel: AtomicBool::new(false), verbose, messages: sender.clone(), callback_error: Mutex::new(None) };
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

/// The fit parameters, from the dict the Python estimator builds (every key present).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct FitParams {
    k: usize,
    method: String,
    max_iter: usize,
    build_confidence: f64,
    swap_confidence: f64,
    batch_size: usize,
    sigma_sample: Option<usize>,
    use_cache: Option<bool>,
    use_perm: Option<bool>,
    cache_width: Option<usize>,
    seed: u64,
    threads: Option<usize>,
    /// None, "float32" or "float64": build the n x n matrix first.
    precompute: Option<String>,
}

impl FitParams {
    /// The checked core parameters.
    fn core(&self) -> PyResult<KMedoids> {
        let algorithm: Algorithm = self.method.parse().map_err(to_py_err)?;
        let precompute = match self.precompute.as_deref() {
            None => None,
            Some("float32") => Some(MatrixPrecision::Single),
            Some("float64") => Some(MatrixPrecision::Double),
            Some(other) => {
                return Err(PyValueError::new_err(format!(
                    "precompute must be None, 'float32' or 'float64', got {other:?}"
                )))
            }
        };
        Ok(KMedoids::new(self.k)
            .algorithm(algorithm)
            .max_iter(self.max_iter)
            .build_confidence(self.build_confidence)
            .swap_confidence(self.swap_confidence)
            .batch_size(self.batch_size)
            .sigma_sample(self.sigma_sample)
            .use_cache(self.use_cache)
            .use_perm(self.use_perm)
            .cache_width(self.cache_width)
            .seed(self.seed)
            .threads(self.threads)
            .precompute(precompute))
    }
}

fn counts(py: Python<'_>, c: PhaseCounts) -> PyResult<Py<PyDict>> {
    let d = PyDict::new(py);
    d.set_item("build", c.build)?;
    d.set_item("swap", c.swap)?;
    d.set_item("other", c.other)?;
    d.set_item("total", c.total())?;
    Ok(d.unbind())
}

fn result_dict(py: Python<'_>, fit: Clustering) -> PyResult<Py<PyDict>> {
    let to_i64 = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<_>>();
    let d = PyDict::new(py);
    d.set_item("medoids", PyArray1::from_vec(py, to_i64(&fit.medoids)))?;
    d.set_item("build_medoids", PyArray1::from_vec(py, to_i64(&fit.build_medoids)))?;
    d.set_item("labels", PyArray1::from_vec(py, to_i64(&fit.labels)))?;
    d.set_item("loss", fit.loss)?;
    d.set_item("average_loss", fit.average_loss)?;
    d.set_item("build_loss", fit.build_loss)?;
    d.set_item("swaps", fit.swaps)?;
    d.set_item("converged", fit.converged)?;
    d.set_item("distance_evaluations", counts(py, fit.distance_evaluations)?)?;
    d.set_item("cache_hits", counts(py, fit.cache_hits)?)?;
    let seconds = PyDict::new(py);
    seconds.set_item("build", fit.seconds.build)?;
    seconds.set_item("swap", fit.seconds.swap)?;
    seconds.set_item("other", fit.seconds.other)?;
    seconds.set_item("total", fit.seconds.total())?;
    d.set_item("seconds", seconds)?;
    Ok(d.unbind())
}

/// Fits `params` on a borrowed C-contiguous 2-D float array, as dense rows or a matrix.
fn fit_array<T: Scalar + numpy::Element>(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, T>,
    metric: &str,
    params: &KMedoids,
    verbose: bool,
) -> PyResult<Clustering> {
    let [rows, cols] = [x.shape()[0], x.shape()[1]];
    let values = x.as_slice().map_err(|_| PyValueError::new_err("X must be C-contiguous"))?;
    if metric == "precomputed" {
        let data = Precomputed::new(values, rows, cols).map_err(to_py_err)?;
        run_released(py, verbose, |watch| params.fit_with_observer(&data, watch))
    } else {
        let metric: Metric = metric.parse().map_err(to_py_err)?;
        let data = DenseData::new(values, rows, cols, metric).map_err(to_py_err)?;
        run_released(py, verbose, |watch| params.fit_with_observer(&data, watch))
    }
}

/// Fit k-medoids; see `banditpam_rs.KMedoids` for the meaning of every parameter.
///
/// `x` is a C-contiguous float32/float64 2-D array (rows, or an n x n matrix when `metric` is
/// "precomputed"), a list of strings when `metric` is "levenshtein", or a list of objects when
/// `dissimilarity` is a callable. Returns a dict of the result.
#[pyfunction]
#[pyo3(signature = (x, params, *, metric="euclidean", dissimilarity=None, verbose=false))]
fn fit(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    params: FitParams,
    metric: &str,
    dissimilarity: Option<Py<PyAny>>,
    verbose: bool,
) -> PyResult<Py<PyDict>> {
    let params = params.core()?;
    let fit = if let Some(function) = dissimilarity {
        let items: Vec<Py<PyAny>> = x.try_iter()?.map(|item| item.map(Bound::unbind)).collect::<PyResult<_>>()?;
        fit_callable(py, &items, function, &params, verbose)?
    } else if metric == "levenshtein" {
        let words: Vec<String> = x.extract().map_err(|_| PyTypeError::new_err("levenshtein needs a list of str"))?;
        let data = Objects::new(&words, |a: &String, b: &String| levenshtein(a, b)).map_err(to_py_err)?;
        run_released(py, verbose, |watch| params.fit_with_observer(&data, watch))?
    } else if let Ok(array) = x.cast::<PyArray2<f32>>() {
        fit_array(py, array.readonly(), metric, &params, verbose)?
    } else if let Ok(array) = x.cast::<PyArray2<f64>>() {
        fit_array(py, array.readonly(), metric, &params, verbose)?
    } else {
        return Err(PyTypeError::new_err("X must be a 2-D float32 or float64 numpy array"));
    };
    result_dict(py, fit)
}

/// Fits on Python objects with a Python dissimilarity, taking the GIL for each call.
fn fit_callable(
    py: Python<'_>,
    items: &[Py<PyAny>],
    function: Py<PyAny>,
    params: &KMedoids,
    verbose: bool,
) -> PyResult<Clustering> {
    run_released(py, verbose, |watch| {
        let measure = |a: &Py<PyAny>, b: &Py<PyAny>| -> f64 {
            if !watch.keep_going() {
                return f64::NAN;
            }
            Python::attach(|py| match function.call1(py, (a, b)).and_then(|v| v.extract::<f64>(py)) {
                Ok(value) => value,
                Err(error) => {
                    watch.record_callback_error(error);
                    f64::NAN
                }
            })
        };
        let data = Objects::new(items, measure)?;
        params.fit_with_observer(&data, watch)
    })
}

/// Distances from each row of `x` to each row of `centers` (m x k, float64), by the core kernels.
#[pyfunction]
#[pyo3(signature = (x, centers, metric, threads=None))]
fn cross_distances<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centers: &Bound<'py, PyAny>,
    metric: &str,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let metric: Metric = metric.parse().map_err(to_py_err)?;
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

/// The Levenshtein (edit) distance between two strings, in Unicode scalar values.
#[pyfunction(name = "levenshtein")]
fn levenshtein_py(a: &str, b: &str) -> f64 {
    levenshtein(a, b)
}

/// The compiled part of banditpam_rs.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(cross_distances, m)?)?;
    m.add_function(wrap_pyfunction!(levenshtein_py, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
