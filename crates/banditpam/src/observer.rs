//! Progress reports and cancellation: how a caller watches a fit and stops it.

/// Something that happened during a fit.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A square matrix of all dissimilarities is being built (`n` x `n`).
    MatrixStarted {
        /// Number of objects.
        n: usize,
    },
    /// BUILD chose medoid `step` (1-based) of `k`.
    BuildStep {
        /// Medoids chosen so far.
        step: usize,
        /// Medoids to choose.
        k: usize,
        /// Total distance evaluations so far.
        distance_evaluations: u64,
    },
    /// SWAP finished iteration `iteration` (1-based).
    SwapStep {
        /// Swap iterations done (for FasterPAM: candidates passes done).
        iteration: usize,
        /// Swaps applied so far.
        swaps: usize,
        /// The exact loss after this iteration.
        loss: f64,
        /// Total distance evaluations so far.
        distance_evaluations: u64,
    },
    /// A phase of the fit starts: the start (`"BUILD"`, `"OneBatchPAM start"`, ...) or a
    /// method's swaps (its name); the steps that follow belong to it.
    PhaseStarted {
        /// What the phase is, for a person.
        phase: &'static str,
    },
    /// A scan of every candidate swap ([`crate::swap_gap`]) has scored `done` of `total`
    /// candidates.
    ScanProgress {
        /// Candidates scored.
        done: usize,
        /// Candidates to score.
        total: usize,
        /// Total distance evaluations so far.
        distance_evaluations: u64,
    },
}

/// Watches a fit: receives [`Event`]s between steps and may ask the fit to stop.
///
/// Both methods may be called from worker threads.
///
/// ```
/// use banditpam::{Algorithm, Event, KMedoids, Observer, Precomputed};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// struct CountSteps(AtomicUsize);
/// impl Observer for CountSteps {
///     fn on_event(&self, event: &Event) {
///         if let Event::BuildStep { .. } = event {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
/// let d = [0.0f64, 1.0, 5.0, 1.0, 0.0, 4.0, 5.0, 4.0, 0.0];
/// let matrix = Precomputed::new(&d, 3, 3).unwrap();
/// let steps = CountSteps(AtomicUsize::new(0));
/// KMedoids::new(2).algorithm(Algorithm::Pam).fit_with_observer(&matrix, &steps).unwrap();
/// assert_eq!(steps.0.load(Ordering::Relaxed), 2);
/// ```
pub trait Observer: Sync {
    /// Called between steps with what just happened.
    fn on_event(&self, _event: &Event) {}

    /// Polled often (at least once per block of work); return `false` to stop the fit, which
    /// then fails with [`crate::Error::Interrupted`].
    fn keep_going(&self) -> bool {
        true
    }
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {}

/// Progress as one line of text per [`Event`], the same on every surface (the CLI's spinner,
/// Python's `verbose`): it remembers the phase running and whether the search reads an n x n
/// matrix (then it reads distances rather than computing them, and says "on the matrix").
///
/// ```
/// use banditpam::{Event, ProgressText};
/// let text = ProgressText::default();
/// assert_eq!(text.describe(&Event::PhaseStarted { phase: "BUILD" }), "BUILD");
/// let step = Event::BuildStep { step: 1, k: 3, distance_evaluations: 12_000 };
/// assert_eq!(text.describe(&step), "BUILD: medoid 1/3, 12,000 distances");
/// ```
#[derive(Debug, Default)]
pub struct ProgressText {
    /// The phase running, and whether the search reads a matrix.
    state: std::sync::Mutex<(&'static str, bool)>,
}

impl ProgressText {
    /// The line for `event`.
    pub fn describe(&self, event: &Event) -> String {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let on_matrix = state.1;
        let work = |count: u64| {
            if on_matrix {
                "on the matrix".to_string()
            } else {
                format!("{} distances", thousands(count))
            }
        };
        match event {
            Event::PhaseStarted { phase } => {
                state.0 = phase;
                phase.to_string()
            }
            Event::MatrixStarted { n } => {
                state.1 = true;
                format!("building the {n} x {n} dissimilarity matrix")
            }
            Event::BuildStep { step, k, distance_evaluations } => {
                format!("{}: medoid {step}/{k}, {}", state.0, work(*distance_evaluations))
            }
            Event::SwapStep { iteration, swaps, loss, distance_evaluations } => format!(
                "{}: iteration {iteration}, {swaps} swaps, loss {loss:.6}, {}",
                state.0,
                work(*distance_evaluations)
            ),
            Event::ScanProgress { done, total, distance_evaluations } => {
                format!("swap gap: {done}/{total} candidates, {} distances", thousands(*distance_evaluations))
            }
        }
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
