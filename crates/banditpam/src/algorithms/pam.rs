//! PAM's SWAP, written as the definition reads: every (position, candidate) pair summed on its
//! own, O(k n^2) per step. The reference the faster algorithms are tested against.

use super::best_swap;
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
            (0..k).fold((f64::INFINITY, 0), |acc, i| {
                let delta: f64 = row
                    .iter()
                    .enumerate()
                    .map(|(j, &d)| {
                        let r = if state.nearest[j] == i { state.second[j] } else { state.best[j] };
                        d.min(r) - state.best[j]
                    })
                    .sum();
                if delta < acc.0 {
                    (delta, i)
                } else {
                    acc
                }
            })
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
