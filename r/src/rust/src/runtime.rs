//! Running core work from R: supervised on a worker thread (`banditpam::supervise`) while R's
//! thread waits, printing the trace and turning Ctrl-C into a cancellation; no panic reaches R.
//!
//! R's thread polls for an interrupt with `R_CheckUserInterrupt` inside `R_ToplevelExec`, which
//! returns instead of jumping out over Rust frames.

use std::ffi::c_void;

use banditpam::supervise::{supervise, Host, Supervised};
use extendr_api::prelude::*;

use crate::failure::Failure;

/// The observer an R job runs with.
pub(crate) use banditpam::supervise::Watch;

extern "C" {
    fn R_ToplevelExec(fun: extern "C" fn(*mut c_void), data: *mut c_void) -> i32;
    fn R_CheckUserInterrupt();
}

extern "C" fn check_interrupt(_: *mut c_void) {
    // SAFETY: called by R_ToplevelExec on R's thread; an interrupt unwinds to it, not further.
    unsafe { R_CheckUserInterrupt() }
}

/// R's thread while a job runs: prints the trace to R's console, asks R about interrupts.
struct RHost;

impl Host for RHost {
    fn show(&mut self, line: &str) {
        reprintln!("[banditpamrs] {line}");
    }

    fn interrupted(&mut self) -> bool {
        // SAFETY: R's thread; R_ToplevelExec returns FALSE (0) when the call jumped out.
        unsafe { R_ToplevelExec(check_interrupt, std::ptr::null_mut()) == 0 }
    }
}

/// Runs `job` on a worker thread while R's thread prints its trace (`trace`) and polls for an
/// interrupt, which cancels the job; the core stops within a block of work.
pub(crate) fn run<T: Send, F>(trace: bool, job: F) -> Result<T, Failure>
where
    F: FnOnce(&Watch) -> banditpam::Result<T> + Send,
{
    match supervise(&mut RHost, trace, job) {
        Supervised::Finished(result) => result.map_err(Failure::from),
        Supervised::Interrupted => Err(Failure::interrupted()),
        Supervised::Panicked => Err(Failure::internal()),
    }
}
