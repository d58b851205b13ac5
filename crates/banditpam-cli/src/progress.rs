//! Progress on stderr, drawn from the core's events.

use std::io::IsTerminal;
use std::time::Duration;

use banditpam::{Event, Observer};
use indicatif::{ProgressBar, ProgressStyle};

/// An observer that shows BUILD steps, SWAP iterations, distance evaluations and elapsed time.
pub struct Progress {
    bar: ProgressBar,
    /// The phase running (named by the core), and whether the search reads an n x n matrix.
    phase: std::sync::Mutex<(&'static str, bool)>,
}

impl Progress {
    /// A spinner on stderr; hidden when `quiet` or when stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: ProgressBar::hidden(), phase: Default::default() };
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}") {
            bar.set_style(style);
        }
        bar.set_message("starting");
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar, phase: Default::default() }
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn on_event(&self, event: &Event) {
        let Ok(mut phase) = self.phase.lock() else { return };
        // On a matrix the search reads distances rather than computing them.
        let work =
            |count: u64| if phase.1 { "on the matrix".to_string() } else { format!("{} distances", thousands(count)) };
        let message = match event {
            Event::PhaseStarted { phase: name } => {
                phase.0 = name;
                name.to_string()
            }
            Event::MatrixStarted { n } => {
                phase.1 = true;
                format!("building the {n} x {n} dissimilarity matrix")
            }
            Event::BuildStep { step, k, distance_evaluations } => {
                format!("{} · medoid {step} of {k} · {}", phase.0, work(*distance_evaluations))
            }
            Event::SwapStep { iteration, swaps, loss, distance_evaluations } => format!(
                "{} · iteration {iteration} · {swaps} swaps · loss {loss:.6} · {}",
                phase.0,
                work(*distance_evaluations)
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
