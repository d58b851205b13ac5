//! Running core work from R: on a worker thread while R's thread waits, printing the trace,
//! turning Ctrl-C into a cancellation, and never letting a panic reach R.
//!
//! R's API may be called from R's thread only, so the worker never touches R: it reports
//! through a channel, and R's thread polls for an interrupt with `R_CheckUserInterrupt` inside
//! `R_ToplevelExec`, which returns instead of jumping out over Rust frames.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

use banditpam::{Event, Observer, ProgressText};
use extendr_api::prelude::*;

use crate::failure::Failure;

/// How often R's thread wakes to print the trace and check for an interrupt.
const POLL: Duration = Duration::from_millis(50);

extern "C" {
    fn R_ToplevelExec(fun: extern "C" fn(*mut c_void), data: *mut c_void) -> i32;
    fn R_CheckUserInterrupt();
}

extern "C" fn check_interrupt(_: *mut c_void) {
    // SAFETY: called by R_ToplevelExec on R's thread; an interrupt unwinds to it, not further.
    unsafe { R_CheckUserInterrupt() }
}

/// Whether the user pressed Ctrl-C (R's thread only).
fn interrupted() -> bool {
    // SAFETY: R's thread; R_ToplevelExec returns FALSE (0) when the call jumped out.
    unsafe { R_ToplevelExec(check_interrupt, std::ptr::null_mut()) == 0 }
}

enum Message {
    Trace(String),
    Done,
}

/// The core's observer for an R call: forwards events when tracing, stops on request.
pub(crate) struct Watch {
    cancel: AtomicBool,
    trace: bool,
    messages: Mutex<Sender<Message>>,
    text: ProgressText,
}

impl Observer for Watch {
    fn on_event(&self, event: &Event) {
        if self.trace {
            let line = format!("[banditpamrs] {}", self.text.describe(event));
            if let Ok(sender) = self.messages.lock() {
                let _ = sender.send(Message::Trace(line));
            }
        }
    }

    fn keep_going(&self) -> bool {
        !self.cancel.load(Ordering::Relaxed)
    }
}

/// Runs `job` on a worker thread while R's thread prints its trace (`trace`) and polls for an
/// interrupt, which cancels the job; the core stops within a block of work.
pub(crate) fn run<T: Send, F>(trace: bool, job: F) -> Result<T, Failure>
where
    F: FnOnce(&Watch) -> banditpam::Result<T> + Send,
{
    let (sender, receiver) = channel();
    let watch = Watch {
        cancel: AtomicBool::new(false),
        trace,
        messages: Mutex::new(sender.clone()),
        text: ProgressText::default(),
    };
    let mut stopped = false;
    let outcome = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let result = catch_unwind(AssertUnwindSafe(|| job(&watch)));
            let _ = sender.send(Message::Done);
            result
        });
        loop {
            match receiver.recv_timeout(POLL) {
                Ok(Message::Trace(line)) => {
                    reprintln!("{line}");
                }
                Ok(Message::Done) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if !stopped && interrupted() {
                watch.cancel.store(true, Ordering::Relaxed);
                stopped = true;
            }
        }
        worker.join()
    });
    if stopped {
        return Err(Failure::interrupted());
    }
    match outcome {
        Ok(Ok(result)) => result.map_err(Failure::from),
        _ => Err(Failure::internal()),
    }
}
