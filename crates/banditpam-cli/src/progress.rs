//! Progress on stderr, drawn from the core's events.

use std::io::IsTerminal;
use std::time::Duration;

use banditpam::{Event, Observer, ProgressText};
use indicatif::{ProgressBar, ProgressStyle};

/// An observer that shows BUILD steps, SWAP iterations, distance evaluations and elapsed time.
pub struct Progress {
    bar: ProgressBar,
    /// The core's wording of each event.
    text: ProgressText,
}

impl Progress {
    /// A spinner on stderr; hidden when `quiet` or when stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: ProgressBar::hidden(), text: ProgressText::default() };
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}") {
            bar.set_style(style);
        }
        bar.set_message("starting");
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar, text: ProgressText::default() }
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn on_event(&self, event: &Event) {
        self.bar.set_message(self.text.describe(event));
    }
}
