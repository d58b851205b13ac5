//! Running core work from Python: supervised on a worker thread (`banditpam::supervise`) while
//! Python's thread, with the GIL released, waits, printing progress and turning Ctrl-C into a
//! cancellation; no panic crosses into Python.

use std::sync::Mutex;

use banditpam::supervise::{supervise, Host, Supervised};
use banditpam::{Event, Observer};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::errors::to_py_err;

/// The observer a Python job runs with: the core's watch, and the first exception a Python
/// dissimilarity raised (re-raised instead of the core's error).
pub(crate) struct Watch<'w> {
    core: &'w banditpam::supervise::Watch,
    callback_error: Mutex<Option<PyErr>>,
}

impl Observer for Watch<'_> {
    fn on_event(&self, event: &Event) {
        self.core.on_event(event);
    }

    fn keep_going(&self) -> bool {
        self.core.keep_going()
    }
}

impl Watch<'_> {
    /// Keeps the first exception of a Python dissimilarity and stops the job.
    pub(crate) fn record_callback_error(&self, error: PyErr) {
        if let Ok(mut slot) = self.callback_error.lock() {
            slot.get_or_insert(error);
        }
        self.core.cancel();
    }
}

/// Python's thread while a job runs: waits without the GIL, writes progress to `sys.stderr`,
/// and keeps the `KeyboardInterrupt` that `check_signals` raised.
struct PythonHost<'py> {
    py: Python<'py>,
    interrupt: Option<PyErr>,
}

impl Host for PythonHost<'_> {
    fn wait<R: Send>(&mut self, wait: impl FnOnce() -> R + Send) -> R {
        self.py.detach(wait)
    }

    fn show(&mut self, line: &str) {
        let text = format!("[banditpam_rs] {line}\n");
        let _ = self.py.import("sys").and_then(|sys| sys.getattr("stderr")?.call_method1("write", (text,)));
    }

    fn interrupted(&mut self) -> bool {
        match self.py.check_signals() {
            Ok(()) => false,
            Err(error) => {
                self.interrupt = Some(error);
                true
            }
        }
    }
}

/// Runs `job` on a worker thread while this thread, without the GIL, waits: printing progress
/// when `verbose`, and turning Ctrl-C into a cancellation the core notices within one block of
/// work.
pub(crate) fn run_released<T: Send, F>(py: Python<'_>, verbose: bool, job: F) -> PyResult<T>
where
    F: FnOnce(&Watch) -> banditpam::Result<T> + Send,
{
    let mut host = PythonHost { py, interrupt: None };
    let ended = supervise(&mut host, verbose, |core| {
        let watch = Watch { core, callback_error: Mutex::new(None) };
        let result = job(&watch);
        (result, watch.callback_error.into_inner().ok().flatten())
    });
    match ended {
        Supervised::Interrupted => Err(host.interrupt.unwrap_or_else(|| PyRuntimeError::new_err("interrupted"))),
        Supervised::Finished((_, Some(error))) => Err(error),
        Supervised::Finished((result, None)) => result.map_err(to_py_err),
        Supervised::Panicked => Err(PyRuntimeError::new_err("internal error in banditpam_rs: please report it")),
    }
}
