//! PAM's SWAP, written as the definition reads: every (position, candidate) pair summed on its
//! own, O(k n^2) per step. The reference the faster algorithms are tested against.

use super::steepest_descent;
use super::{Method, Search, Start, Swaps};
use crate::context::Context;
use crate::error::Result;
use crate::state::{Assignment, Unit, Weight};

/// Apply the best swap until none lowers the loss or `max_iter` swaps were made.
/// Returns `(swaps, converged)`.
pub(crate) fn swap(ctx: &Context<'_>, state: &mut Assignment, max_iter: usize) -> Result<(usize, bool)> {
    steepest_descent(ctx, state, max_iter, best_pair)
}

/// The best `(delta, position)` for a candidate with distance row `row`, one position at a time:
/// `delta(i) = sum_j min(d(c, j), r_ij) - best_j`, `r_ij` the second-nearest distance if `i` is
/// j's nearest medoid and the nearest otherwise.
fn best_pair(state: &Assignment, row: &[f64]) -> (f64, usize) {
    match state.weights.as_deref() {
        None => weighted_best_pair(state, row, Unit),
        Some(w) => weighted_best_pair(state, row, w),
    }
}

/// [`best_pair`], each object's term times its weight.
fn weighted_best_pair<W: Weight>(state: &Assignment, row: &[f64], weight: W) -> (f64, usize) {
    (0..state.medoids.len()).fold((f64::INFINITY, 0), |acc, i| {
        let delta: f64 = row
            .iter()
            .enumerate()
            .map(|(j, &d)| {
                let r = if state.nearest[j] == i { state.second[j] } else { state.best[j] };
                weight.at(j) * (d.min(r) - state.best[j])
            })
            .sum();
        if delta < acc.0 {
            (delta, i)
        } else {
            acc
        }
    })
}

/// PAM: BUILD, then the best swap per step, each pair evaluated on its own.
pub(crate) const METHOD: Method = Method {
    name: "pam",
    aliases: &[],
    start: Start::Build,
    bandit_build: false,
    samples_references: false,
    wants_matrix: true,
    fixed_order: true,
    sharded: false,
    swap: run,
};

fn run(search: &mut Search<'_, '_>) -> Result<Swaps> {
    swap(search.ctx, &mut search.state, search.max_iter).map(Swaps::from)
}
