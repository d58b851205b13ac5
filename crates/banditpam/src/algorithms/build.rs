//! PAM's BUILD: k greedy steps, each adding the object that lowers the loss most.

use crate::context::{Context, Phase};
use crate::data::Dissimilarity;
use crate::error::Result;
use crate::observer::Event;
use crate::state::Assignment;

/// Choose `k` medoids greedily (exact, O(k n^2) evaluations); ties go to the lower index.
pub(crate) fn build<D: Dissimilarity + ?Sized>(ctx: &Context<'_, D>, k: usize) -> Result<Assignment> {
    let n = ctx.n();
    let mut state = Assignment::empty(n);
    for step in 0..k {
        let cands = state.non_medoids();
        // With no medoid yet every best_j is infinite: the first step minimises the plain sum.
        let gains = ctx.sweep(Phase::Build, &cands, |_, row| {
            if step == 0 {
                row.iter().sum::<f64>()
            } else {
                row.iter().zip(&state.best).map(|(&d, &best)| d.min(best) - best).sum()
            }
        })?;
        let (pos, _) =
            gains.iter().enumerate().fold((0, f64::INFINITY), |acc, (p, &g)| if g < acc.1 { (p, g) } else { acc });
        let chosen = cands[pos];
        let mut row = vec![0.0; n];
        ctx.full_rows(Phase::Build, &[chosen], &mut row)?;
        state.push(chosen, &row)?;
        ctx.report(Event::BuildStep { step: step + 1, k, distance_evaluations: ctx.counts().total() });
    }
    Ok(state)
}
