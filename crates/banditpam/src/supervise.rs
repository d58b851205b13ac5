//! Running a job for a host language (Python, R): on a worker thread while the host's thread
//! waits, shows progress and polls for an interrupt, with no panic crossing into the host.
//!
//! A host's API may be called from its own thread only, so the worker never touches it: the
//! job reports through a channel, and the host's thread wakes every [`POLL`] to show what came
//! and to ask the host whether the user pressed Ctrl-C, which cancels the job (the core stops
//! within a block of work).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

use crate::observer::{Event, Observer, ProgressText};

/// How often the host's thread wakes to show progress and check for an interrupt.
pub const POLL: Duration = Duration::from_millis(50);

/// The host's side of a supervised job: what its thread does while the worker runs.
pub trait Host {
    /// Runs `wait` (a wait of at most [`POLL`], or the join of the worker) with whatever the
    /// host must release while its thread blocks (Python's GIL). By default, just runs it.
    fn wait<R: Send>(&mut self, wait: impl FnOnce() -> R + Send) -> R {
        wait()
    }

    /// Shows one line of progress (the core's wording of an event, without a newline).
    fn show(&mut self, line: &str);

    /// Whether the user asked to stop (Ctrl-C). Asked after every wait until it says yes.
    fn interrupted(&mut self) -> bool;
}

/// What the worker tells the host's thread.
enum Message {
    Progress(String),
    Done,
}

/// The observer a supervised job runs with: forwards each event's wording to the host's thread
/// when verbose, and stops the job when cancelled.
pub struct Watch {
    cancel: AtomicBool,
    verbose: bool,
    messages: Sender<Message>,
    text: ProgressText,
}

impl Watch {
    /// Stops the job at its next check (as an interrupt does).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Observer for Watch {
    fn on_event(&self, event: &Event) {
        if self.verbose {
            let _ = self.messages.send(Message::Progress(self.text.describe(event)));
        }
    }

    fn keep_going(&self) -> bool {
        !self.cancel.load(Ordering::Relaxed)
    }
}

/// How a supervised job ended.
#[derive(Debug)]
pub enum Supervised<R> {
    /// It returned this.
    Finished(R),
    /// The host reported an interrupt; the job was cancelled and has stopped.
    Interrupted,
    /// It panicked (a bug): the panic was caught on the worker.
    Panicked,
}

/// Runs `job` on a worker thread while the calling (host's) thread waits on it, showing its
/// progress (when `verbose`) and cancelling it when the host reports an interrupt.
///
/// ```
/// use banditpam::supervise::{supervise, Host, Supervised};
/// use banditpam::Observer;
///
/// struct Quiet;
/// impl Host for Quiet {
///     fn show(&mut self, _line: &str) {}
///     fn interrupted(&mut self) -> bool {
///         false
///     }
/// }
/// let ended = supervise(&mut Quiet, false, |watch| watch.keep_going());
/// assert!(matches!(ended, Supervised::Finished(true)));
/// ```
pub fn supervise<R, H, F>(host: &mut H, verbose: bool, job: F) -> Supervised<R>
where
    R: Send,
    H: Host,
    F: FnOnce(&Watch) -> R + Send,
{
    let (sender, receiver) = channel();
    // Only this thread reads it, but a host's wait may need what it borrows to be `Sync`.
    let receiver = Mutex::new(receiver);
    let watch =
        Watch { cancel: AtomicBool::new(false), verbose, messages: sender.clone(), text: ProgressText::default() };
    let mut stopped = false;
    let outcome = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let result = catch_unwind(AssertUnwindSafe(|| job(&watch)));
            let _ = sender.send(Message::Done);
            result
        });
        loop {
            let next = host.wait(|| match receiver.lock() {
                Ok(receiver) => receiver.recv_timeout(POLL),
                Err(_) => Err(RecvTimeoutError::Disconnected),
            });
            match next {
                Ok(Message::Progress(line)) => host.show(&line),
                Ok(Message::Done) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if !stopped && host.interrupted() {
                watch.cancel();
                stopped = true;
            }
        }
        host.wait(|| worker.join())
    });
    match outcome {
        _ if stopped => Supervised::Interrupted,
        Ok(Ok(result)) => Supervised::Finished(result),
        _ => Supervised::Panicked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host that records what it was shown and reports an interrupt after `patience` polls.
    struct Recorder {
        shown: Vec<String>,
        polls: usize,
        patience: usize,
    }

    impl Host for Recorder {
        fn show(&mut self, line: &str) {
            self.shown.push(line.to_string());
        }

        fn interrupted(&mut self) -> bool {
            self.polls += 1;
            self.polls > self.patience
        }
    }

    #[test]
    fn progress_reaches_the_host_when_verbose_only() {
        let event = Event::BuildStep { step: 1, k: 2, distance_evaluations: 4 };
        for verbose in [false, true] {
            let mut host = Recorder { shown: Vec::new(), polls: 0, patience: usize::MAX };
            let ended = supervise(&mut host, verbose, |watch| {
                watch.on_event(&event);
                7
            });
            assert!(matches!(ended, Supervised::Finished(7)));
            let expected = if verbose { vec![ProgressText::default().describe(&event)] } else { Vec::new() };
            assert_eq!(host.shown, expected);
        }
    }

    #[test]
    fn an_interrupt_cancels_the_job_and_is_reported() {
        let mut host = Recorder { shown: Vec::new(), polls: 0, patience: 2 };
        let ended = supervise(&mut host, false, |watch| {
            // Runs until cancelled (a job that checks its observer, as the core's do).
            while watch.keep_going() {
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        assert!(matches!(ended, Supervised::Interrupted));
        assert_eq!(host.polls, 3);
    }

    #[test]
    fn a_panic_stays_on_the_worker() {
        let mut host = Recorder { shown: Vec::new(), polls: 0, patience: usize::MAX };
        let ended: Supervised<()> = supervise(&mut host, false, |_| panic!("a bug"));
        assert!(matches!(ended, Supervised::Panicked));
    }
}
