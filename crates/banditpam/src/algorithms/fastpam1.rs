//! FastPAM1 (Schubert & Rousseeuw 2019): PAM's swaps, all k positions of a candidate in one
//! pass over the objects, O(n^2) per step.

use super::{best_position, candidate_deltas, steepest_descent};
use super::{Method, Search, Start, Swaps};
use crate::context::Context;
use crate::error::Result;
use crate::state::Assignment;

/// Apply the best swap until none lowers the loss or `max_iter` swaps were made.
/// Returns `(swaps, converged)`.
pub(crate) fn swap(ctx: &Context<'_>, state: &mut Assignment, max_iter: usize) -> Result<(usize, bool)> {
    let k = state.medoids.len();
    steepest_descent(ctx, state, max_iter, |current, row| {
        let mut deltas = vec![0.0; k];
        candidate_deltas(current, row, &mut deltas);
        best_position(&deltas)
    })
}

/// FastPAM1: PAM's swaps, O(n^2) per step.
pub(crate) const METHOD: Method = Method {
    name: "fastpam1",
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
