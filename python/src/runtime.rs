//! Running core work from Python: on a worker thread with the GIL released, printing progress,
//! turning Ctrl-C into a cancellation, and never letting a panic cross into Python.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

use banditpam::{Event, Observer, ProgressText};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::errors::to_py_err;

/// How often the waiting thread wakes to print progress and check for Ctrl-C.
const POLL: Duration = Duration::from_millis(50);
/// What the worker thread tells the waiting thread.
enum Message {
    Progress(String),
    Done,
}

/// The core's observer for a Python fit: forwards events when verbose, stops on request.
pub(crate) struct Watch {
    cancel: AtomicBool,
    verbose: bool,
    messages: Sender<Message>,
    /// The first exception a Python dissimilarity raised: re-raised instead of the core error.
    callback_error: Mutex<Option<PyErr>>,
    /// The core's wording of each event.
    text: ProgressText,
}

impl Observer for Watch {
    fn on_event(&self, event: &Event) {
        if self.verbose {
            let line = self.text.describe(event);
            let _ = self.messages.send(Message::Progress(format!("[banditpam_rs] {line}\n")));
        }
    }

    fn keep_going(&self) -> bool {
        !self.cancel.load(Ordering::Relaxed)
    }
}

impl Watch {
    pub(crate) fn record_callback_error(&self, error: PyErr) {
        if let Ok(mut slot) = self.callback_error.lock() {
            slot.get_or_insert(error);
        }
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Runs `job` on a worker thread while this thread, without the GIL, waits: printing progress,
/// and turning Ctrl-C into a cancellation the core notices within one block of work.
pub(crate) fn run_released<T: Send, F>(py: Python<'_>, verbose: bool, job: F) -> PyResult<T>
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
        text: ProgressText::default(),
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
