//! OneBatchPAM's swap search as a state machine: it hands out windows of candidate positions,
//! is told the first event of each (found by whoever holds the candidates' batch rows), and
//! applies it.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::algorithms::{best_position, candidate_deltas};
use crate::error::Result;
use crate::state::Assignment;

/// Smallest gain, relative to the batch loss, that a swap must bring.
const TOLERANCE: f64 = 1e-6;
/// Candidates per parallel task.
const CANDIDATES_PER_TASK: usize = 16;

/// The first event of a window of candidates, in candidate order: the candidate swapped in
/// last came round again (a local optimum), or a swap lowers the batch loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    /// Position in the cycle over the candidates (candidate `position % n`).
    pub position: usize,
    /// The candidate, an object index.
    pub candidate: usize,
    /// The medoid position to swap the candidate into; `None`: back at the last swap.
    pub swap: Option<usize>,
}

/// What scoring a candidate needs of the search's state: the assignment of the batch to the
/// medoids, the candidate swapped in last, and the gain a swap must bring.
pub(crate) struct Probe<'s> {
    pub state: &'s Assignment,
    pub last_swap: Option<usize>,
    pub threshold: f64,
}

impl Probe<'_> {
    /// The first event among the candidates of `positions` (each `position % n`), scored in
    /// parallel tasks against the same medoids; `row(c, out)` gives candidate `c`'s batch row.
    pub(crate) fn first_event(
        &self,
        positions: std::ops::Range<usize>,
        n: usize,
        row: impl Fn(usize, &mut [f64]) + Sync,
    ) -> Option<Found> {
        let (state, m, k) = (self.state, self.state.best.len(), self.state.medoids.len());
        let positions: Vec<usize> = positions.collect();
        positions
            .par_chunks(CANDIDATES_PER_TASK)
            .map(|chunk| {
                let mut values = vec![0.0; m];
                let mut deltas = vec![0.0; k];
                for &position in chunk {
                    let candidate = position % n;
                    if self.last_swap == Some(candidate) {
                        return Some(Found { position, candidate, swap: None });
                    }
                    if state.is_medoid(candidate) {
                        continue;
                    }
                    row(candidate, &mut values);
                    candidate_deltas(state, &values, &mut deltas);
                    let (delta, pos) = best_position(&deltas);
                    if delta < self.threshold {
                        return Some(Found { position, candidate, swap: Some(pos) });
                    }
                }
                None
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .next()
    }
}

/// OneBatchPAM's swap search as a state machine: it hands out windows of candidate positions,
/// is told the first event of each, and applies it. The candidates are visited in a cycle
/// (FasterPAM's order), the first improving swap applied at once; the search ends back at the
/// last candidate swapped in with no swap since (a local optimum), after a pass without any
/// swap, or after `max_passes` passes. The events do not depend on the window sizes, so a
/// driver that scores windows elsewhere (on chunks of rows) applies the same swaps.
pub(crate) struct BatchSearch {
    state: Assignment,
    n: usize,
    next: usize,
    pass_end: usize,
    passes_left: usize,
    swaps: usize,
    last_swap: Option<usize>,
    /// Set when the search has ended: whether it converged.
    outcome: Option<bool>,
}

impl BatchSearch {
    /// A search over `n` candidates with a batch of `m`, before any medoid is added.
    pub(crate) fn new(n: usize, m: usize, max_passes: usize) -> Self {
        BatchSearch {
            state: Assignment::empty(m),
            n,
            next: 0,
            pass_end: n,
            passes_left: max_passes.saturating_sub(1),
            swaps: 0,
            last_swap: None,
            outcome: (max_passes == 0).then_some(false),
        }
    }

    /// Add an initial medoid, given its (weighted) batch row.
    pub(crate) fn add_medoid(&mut self, medoid: usize, row: &[f64]) -> Result<()> {
        self.state.push(medoid, row)?;
        if self.state.medoids.len() == self.n {
            self.outcome = Some(true);
        }
        Ok(())
    }

    /// The next window of at most `len` candidate positions, or `None` once the search ended.
    pub(crate) fn window(&self, len: usize) -> Option<std::ops::Range<usize>> {
        self.outcome.is_none().then(|| self.next..(self.next + len.max(1)).min(self.pass_end))
    }

    /// What scoring a candidate needs now.
    pub(crate) fn probe(&self) -> Probe<'_> {
        // Relative tolerance (as the authors'): gains below it are rounding of the f32 block.
        Probe { state: &self.state, last_swap: self.last_swap, threshold: -TOLERANCE * self.state.loss() }
    }

    /// Apply the first event of `window` (`None`: no event in it); `row` is the batch row of
    /// the candidate swapped in.
    pub(crate) fn advance(&mut self, window: std::ops::Range<usize>, found: Option<Found>, row: Option<&[f64]>) {
        match (found, row) {
            (Some(Found { swap: None, .. }), _) => {
                self.outcome = Some(true);
                return;
            }
            (Some(Found { position, candidate, swap: Some(pos) }), Some(row)) => {
                self.state.replace(pos, candidate, row);
                self.swaps += 1;
                self.last_swap = Some(candidate);
                self.next = position + 1;
            }
            _ => self.next = window.end,
        }
        if self.next >= self.pass_end {
            if self.last_swap.is_none() {
                self.outcome = Some(true);
            } else if self.passes_left == 0 {
                self.outcome = Some(false);
            } else {
                self.passes_left -= 1;
                self.pass_end = self.next + self.n;
            }
        }
    }

    /// The medoids on the batch so far.
    pub(crate) fn state(&self) -> &Assignment {
        &self.state
    }

    /// `(medoids, swaps, converged)`.
    pub(crate) fn finish(self) -> (Vec<usize>, usize, bool) {
        (self.state.medoids, self.swaps, self.outcome.unwrap_or(false))
    }
}
