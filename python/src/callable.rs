//! Dissimilarities written in Python: a function of two objects, or a block function of two
//! collections. Either way the GIL is taken once per block of work (in short stretches for
//! pair functions, so that Ctrl-C and other Python threads get their turn), not once per pair.

use banditpam::{Dissimilarity, Observer};
use numpy::{PyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::runtime::Watch;

/// Pairs computed per stretch with the GIL held by a pair function.
const PAIRS_PER_STRETCH: usize = 256;

/// How the Python function is called.
pub enum Shape {
    /// `f(a, b) -> float` for each pair.
    Pairs,
    /// `f(A, B) -> array of shape (len(A), len(B))` once per block.
    Blocks,
}

/// What the function receives its objects from.
pub enum Source {
    /// The items of a sequence (rows of an array included, for pair functions).
    Items(Vec<Py<PyAny>>),
    /// A 2-D array, passed to block functions as row subsets (`X.take(indices, 0)`).
    Array(Py<PyAny>),
}

/// A Python dissimilarity over `source`, reporting its exceptions to `watch` (which stops the
/// fit; the exception is raised when the fit returns).
pub struct PyDissimilarity<'w> {
    pub source: &'w Source,
    pub len: usize,
    pub function: &'w Py<PyAny>,
    pub shape: Shape,
    pub watch: &'w Watch<'w>,
}

impl PyDissimilarity<'_> {
    /// The objects at `indices`, as the block function receives them.
    fn subset<'py>(&self, py: Python<'py>, indices: &[usize]) -> PyResult<Bound<'py, PyAny>> {
        match self.source {
            Source::Array(array) => {
                let positions = PyArray1::from_vec(py, indices.iter().map(|&i| i as i64).collect());
                array.bind(py).call_method1("take", (positions, 0))
            }
            Source::Items(items) => Ok(PyList::new(py, indices.iter().map(|&i| items[i].bind(py)))?.into_any()),
        }
    }

    fn call_block(&self, py: Python<'_>, candidates: &[usize], references: &[usize], out: &mut [f64]) -> PyResult<()> {
        let (a, b) = (self.subset(py, candidates)?, self.subset(py, references)?);
        let value = self.function.call1(py, (a, b))?;
        let numpy = py.import("numpy")?;
        let array = numpy.call_method1("asarray", (value, "float64"))?;
        let array: PyReadonlyArray2<f64> = array
            .extract()
            .map_err(|_| PyValueError::new_err("a block metric must return a 2-D array of shape (len(A), len(B))"))?;
        let shape = [array.shape()[0], array.shape()[1]];
        if shape != [candidates.len(), references.len()] {
            return Err(PyValueError::new_err(format!(
                "a block metric must return shape (len(A), len(B)) = ({}, {}), got ({}, {})",
                candidates.len(),
                references.len(),
                shape[0],
                shape[1]
            )));
        }
        let array = array.as_array();
        for (row, values) in out.chunks_exact_mut(references.len()).zip(array.rows()) {
            for (slot, &value) in row.iter_mut().zip(values.iter()) {
                *slot = value;
            }
        }
        Ok(())
    }

    fn item(&self, i: usize) -> &Py<PyAny> {
        match self.source {
            Source::Items(items) => &items[i],
            // Pair functions always get items (the binding builds them).
            Source::Array(array) => array,
        }
    }
}

impl Dissimilarity for PyDissimilarity<'_> {
    fn len(&self) -> usize {
        self.len
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> banditpam::Result<()> {
        self.block_interruptible(candidates, references, out, &|| true)
    }

    fn block_interruptible(
        &self,
        candidates: &[usize],
        references: &[usize],
        out: &mut [f64],
        keep_going: &dyn Fn() -> bool,
    ) -> banditpam::Result<()> {
        let out = &mut out[..candidates.len() * references.len()];
        let stopped = || !keep_going() || !self.watch.keep_going();
        if stopped() {
            return Err(banditpam::Error::Interrupted);
        }
        match self.shape {
            Shape::Blocks => {
                if let Err(error) = Python::attach(|py| self.call_block(py, candidates, references, out)) {
                    self.watch.record_callback_error(error);
                    out.fill(f64::NAN);
                }
            }
            Shape::Pairs => {
                let width = references.len();
                let pairs = candidates.len() * width;
                // One thread state for the whole block: between stretches the GIL is handed over
                // with it (`detach`), which lets a thread waiting for it (the one that turns
                // Ctrl-C into a cancellation, a timer) in. Taking and dropping the GIL without a
                // thread state, per stretch, starved such threads for up to a second.
                Python::attach(|py| {
                    for start in (0..pairs).step_by(PAIRS_PER_STRETCH) {
                        for p in start..(start + PAIRS_PER_STRETCH).min(pairs) {
                            // Checked at every pair (two atomic loads): a slow function (20 ms
                            // a pair) would otherwise run a whole stretch after Ctrl-C.
                            if stopped() {
                                return Err(banditpam::Error::Interrupted);
                            }
                            let (a, b) = (self.item(candidates[p / width]), self.item(references[p % width]));
                            out[p] = match self.function.call1(py, (a, b)).and_then(|v| v.extract::<f64>(py)) {
                                Ok(value) => value,
                                Err(error) => {
                                    self.watch.record_callback_error(error);
                                    f64::NAN
                                }
                            };
                        }
                        py.detach(std::thread::yield_now);
                    }
                    Ok(())
                })?;
            }
        }
        if self.watch.keep_going() {
            // As for the core's own objects: a value that is not a dissimilarity fails the fit
            // (unless the function raised, which stopped it already and is reported instead).
            let width = references.len();
            for (p, &value) in out.iter().enumerate() {
                let (from, to) = (candidates[p / width], references[p % width]);
                if !value.is_finite() {
                    return Err(banditpam::Error::NonFiniteDissimilarity { from, to, value });
                }
                if value < 0.0 {
                    return Err(banditpam::Error::NegativeDissimilarity { from, to, value });
                }
            }
        }
        Ok(())
    }
}
