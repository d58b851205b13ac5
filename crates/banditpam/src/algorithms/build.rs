//! PAM's BUILD: k greedy steps, each adding the object that lowers the loss most.

use rand::Rng;

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

/// k-medoids++ seeding: the first medoid uniformly at random, each next one drawn with
/// probability proportional to its dissimilarity to the nearest medoid so far (the objective's
/// own weight; points already at distance 0 are never drawn while others remain). k n
/// distances.
pub(crate) fn kmedoids_plus_plus<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
    k: usize,
    rng: &mut impl Rng,
) -> Result<Assignment> {
    let n = ctx.n();
    let mut state = Assignment::empty(n);
    let mut row = vec![0.0; n];
    for step in 0..k {
        let total: f64 = if step == 0 { 0.0 } else { state.best.iter().sum() };
        let chosen = if total > 0.0 && total.is_finite() {
            // The first point whose cumulative weight passes a uniform draw in [0, total).
            let target = rng.random::<f64>() * total;
            let mut cumulative = 0.0;
            let mut pick = None;
            for (j, &weight) in state.best.iter().enumerate() {
                cumulative += weight;
                if weight > 0.0 && cumulative > target {
                    pick = Some(j);
                    break;
                }
            }
            // Rounding can leave the draw past the last cumulative sum: the last positive weight.
            pick.unwrap_or_else(|| state.best.iter().rposition(|&w| w > 0.0).unwrap_or(0))
        } else {
            // The first step, or every point sits on a medoid: uniform over the non-medoids.
            let free = state.non_medoids();
            free[rng.random_range(0..free.len())]
        };
        ctx.full_rows(Phase::Build, &[chosen], &mut row)?;
        state.push(chosen, &row)?;
        ctx.report(Event::BuildStep { step: step + 1, k, distance_evaluations: ctx.counts().total() });
    }
    Ok(state)
}
