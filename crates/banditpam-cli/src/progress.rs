//! Progress on stderr, drawn from the core's events.

use std::io::IsTerminal;
use std::time::Duration;

use banditpam::{Event, Observer};
use indicatif::{ProgressBar, ProgressStyle};

/// An observer that shows BUILD steps, SWAP iterations, distance evaluations and elapsed time.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A spinner on stderr; hidden when `quiet` or when stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: ProgressBar::hidden() };
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}") {
            bar.set_style(style);
        }
        bar.set_message("starting");
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar }
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn on_event(&self, event: &Event) {
        let message = match event {
            Event::MatrixStarted { n } => format!("building the {n} x {n} dissimilarity matrix"),
            Event::BuildStep { step, k, distance_evaluations } => {
                format!("BUILD medoid {step} of {k} · {} distances", thousands(*distance_evaluations))
            }
            Event::SwapStep { iteration, swaps, loss, distance_evaluations } => format!(
                "SWAP iteration {iteration} · {swaps} swaps · loss {loss:.6} · {} distances",
                thousands(*distance_evaluations)
            ),
            Event::ScanProgress { done, total, distance_evaluations } => {
                format!("swap gap · {done} of {total} candidates · {} distances", thousands(*distance_evaluations))
            }
            _ => return,
        };
        self.bar.set_message(message);
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
