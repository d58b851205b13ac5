//! FastPAM1 (Schubert & Rousseeuw 2019): PAM's swaps, all k positions of a candidate in one
//! pass over the objects, O(n^2) per step.

use super::{best_position, best_swap, candidate_deltas};
use crate::context::{Context, Phase};
use crate::data::Dissimilarity;
use crate::error::Result;
use crate::observer::Event;
use crate::state::Assignment;

/// Apply the best swap until none lowers the loss or `max_iter` swaps were made.
/// Returns `(swaps, converged)`.
pub(crate) fn swap<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
    state: &mut Assignment,
    max_iter: usize,
) -> Result<(usize, bool)> {
    let k = state.medoids.len();
    for iteration in 0..max_iter {
        let cands = state.non_medoids();
        let scored = ctx.sweep(Phase::Swap, &cands, |_, row| {
            let mut deltas = vec![0.0; k];
            candidate_deltas(state, row, &mut deltas);
            best_position(&deltas)
        })?;
        match best_swap(&cands, &scored) {
            Some((delta, pos, c)) if delta < 0.0 => {
                let mut row = vec![0.0; ctx.n()];
                ctx.full_rows(Phase::Swap, &[c], &mut row)?;
                state.replace(pos, c, &row);
                ctx.report(Event::SwapStep {
                    iteration: iteration + 1,
                    swaps: iteration + 1,
                    loss: state.loss(),
                    distance_evaluations: ctx.counts().total(),
                });
            }
            _ => return Ok((iteration, true)),
        }
    }
    Ok((max_iter, false))
}
