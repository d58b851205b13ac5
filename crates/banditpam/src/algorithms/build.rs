//! PAM's BUILD: k greedy steps, each adding the object that lowers the loss most.

use rand::Rng;

use crate::context::{Context, Phase};
use crate::error::Result;
use crate::observer::Event;
use crate::state::{Assignment, Unit, Weight};

/// Choose `k` medoids greedily (exact, O(k n^2) evaluations); ties go to the lower index.
pub(crate) fn build(ctx: &Context<'_>, k: usize) -> Result<Assignment> {
    let n = ctx.n();
    let mut state = Assignment::for_data(ctx);
    for step in 0..k {
        let cands = state.non_medoids();
        // With no medoid yet every best_j is infinite: the first step minimises the plain sum.
        let gains = ctx.sweep(Phase::Build, &cands, |_, row| match state.weights.as_deref() {
            None => build_gain(&state, row, step == 0, Unit),
            Some(w) => build_gain(&state, row, step == 0, w),
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

/// The change of loss if the candidate with distance row `row` became a medoid (the weighted
/// sum of its row at the first step, when no medoid exists yet).
fn build_gain<W: Weight>(state: &Assignment, row: &[f64], first: bool, weight: W) -> f64 {
    if first {
        row.iter().enumerate().map(|(j, &d)| weight.at(j) * d).sum()
    } else {
        row.iter().zip(&state.best).enumerate().map(|(j, (&d, &best))| weight.at(j) * (d.min(best) - best)).sum()
    }
}

/// k-medoids++ seeding: the first medoid uniformly at random, each next one drawn with
/// probability proportional to its dissimilarity to the nearest medoid so far (the objective's
/// own weight; points already at distance 0 are never drawn while others remain). k n
/// distances.
pub(crate) fn kmedoids_plus_plus(ctx: &Context<'_>, k: usize, rng: &mut impl Rng) -> Result<Assignment> {
    let n = ctx.n();
    let mut state = Assignment::for_data(ctx);
    let mut row = vec![0.0; n];
    for step in 0..k {
        // Each object's share: its weight times its distance to the nearest medoid so far.
        let share = |j: usize| state.weights.as_deref().map_or(1.0, |w| w[j]) * state.best[j];
        let total: f64 = if step == 0 { 0.0 } else { (0..n).map(share).sum() };
        let chosen = if total > 0.0 && total.is_finite() {
            // The first point whose cumulative weight passes a uniform draw in [0, total).
            let target = rng.random::<f64>() * total;
            let mut cumulative = 0.0;
            let mut pick = None;
            for j in 0..n {
                let weight = share(j);
                cumulative += weight;
                if weight > 0.0 && cumulative > target {
                    pick = Some(j);
                    break;
                }
            }
            // Rounding can leave the draw past the last cumulative sum: the last positive share.
            pick.unwrap_or_else(|| (0..n).rposition(|j| share(j) > 0.0).unwrap_or(0))
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
