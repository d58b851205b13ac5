//! BanditPAM (Tiwari et al. 2020) and BanditPAM++ (2023): PAM's BUILD and SWAP steps, each
//! solved as a best-arm identification over sampled references (see [`crate::bandit`]).
//!
//! Both variants run the same code; they differ in how references are read (a new random order
//! each step, or one order for the whole fit with the distance cache) and in their defaults.

use super::{apply_swap, best_position, candidate_deltas};
use crate::bandit::{best_arm, Arms, BanditSettings, References};
use crate::context::{Context, Phase};
use crate::data::Dissimilarity;
use crate::error::Result;
use crate::observer::Event;
use crate::state::{Assignment, Unit, Weight};

/// BUILD's arm of candidate `c`: `min(d(c, j), best_j) - best_j` (just `d(c, j)` at the first
/// step, when no medoid exists yet).
struct BuildArms<'s> {
    state: &'s Assignment,
    first: bool,
}

impl Arms for BuildArms<'_> {
    fn width(&self) -> usize {
        1
    }

    fn accumulate(&self, refs: &[usize], dists: &[f64], sum: &mut [f64], sum_sq: &mut [f64]) {
        match self.state.weights.as_deref() {
            None => self.weighted(refs, dists, sum, sum_sq, Unit),
            Some(w) => self.weighted(refs, dists, sum, sum_sq, w),
        }
    }
}

impl BuildArms<'_> {
    /// The terms of `refs`, each times its reference's weight.
    fn weighted<W: Weight>(&self, refs: &[usize], dists: &[f64], sum: &mut [f64], sum_sq: &mut [f64], weight: W) {
        let (mut s, mut q) = (0.0, 0.0);
        for (&j, &d) in refs.iter().zip(dists) {
            let term = weight.at(j) * if self.first { d } else { d.min(self.state.best[j]) - self.state.best[j] };
            s += term;
            q += term * term;
        }
        sum[0] += s;
        sum_sq[0] += q;
    }
}

/// SWAP's k virtual arms of candidate `c`: the change of loss on reference j if c replaced the
/// medoid at each position, split as FastPAM1 does into a part shared by every position and a
/// part for j's nearest medoid only.
struct SwapArms<'s> {
    state: &'s Assignment,
}

impl Arms for SwapArms<'_> {
    fn width(&self) -> usize {
        self.state.medoids.len()
    }

    fn accumulate(&self, refs: &[usize], dists: &[f64], sum: &mut [f64], sum_sq: &mut [f64]) {
        match self.state.weights.as_deref() {
            None => self.weighted(refs, dists, sum, sum_sq, Unit),
            Some(w) => self.weighted(refs, dists, sum, sum_sq, w),
        }
    }
}

impl SwapArms<'_> {
    /// The terms of `refs`, each times its reference's weight.
    fn weighted<W: Weight>(&self, refs: &[usize], dists: &[f64], sum: &mut [f64], sum_sq: &mut [f64], weight: W) {
        let st = self.state;
        let (mut shared, mut shared_sq) = (0.0, 0.0);
        // Branch-free: whether c takes j over is a coin flip the branch predictor loses.
        for (&j, &d) in refs.iter().zip(dists) {
            let (best, w) = (st.best[j], weight.at(j));
            let taken = w * (d - best).min(0.0);
            let own = w * (d.min(st.second[j]) - best).max(0.0);
            shared += taken;
            shared_sq += taken * taken;
            sum[st.nearest[j]] += own;
            sum_sq[st.nearest[j]] += own * own;
        }
        for (s, q) in sum.iter_mut().zip(sum_sq.iter_mut()) {
            *s += shared;
            *q += shared_sq;
        }
    }
}

/// BanditPAM's BUILD: `k` greedy steps, each a best-arm search over the non-medoids.
pub(crate) fn build<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
    refs: &mut References,
    k: usize,
    settings: BanditSettings,
) -> Result<Assignment> {
    let n = ctx.n();
    let mut state = Assignment::for_data(ctx);
    for step in 0..k {
        refs.start_step();
        let cands = state.non_medoids();
        let arms = BuildArms { state: &state, first: step == 0 };
        let chosen = cands[best_arm(ctx, refs, Phase::Build, &cands, &arms, settings)?];
        let mut row = vec![0.0; n];
        ctx.full_rows(Phase::Build, &[chosen], &mut row)?;
        state.push(chosen, &row)?;
        ctx.report(Event::BuildStep { step: step + 1, k, distance_evaluations: ctx.counts().total() });
    }
    Ok(state)
}

/// BanditPAM's SWAP: find the best swap by best-arm search, verify it exactly on all n objects,
/// apply it only if it lowers the loss, else stop. Returns `(swaps, converged)`.
pub(crate) fn swap<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
    refs: &mut References,
    state: &mut Assignment,
    max_iter: usize,
    settings: BanditSettings,
) -> Result<(usize, bool)> {
    let n = ctx.n();
    let mut deltas = vec![0.0; state.medoids.len()];
    for iteration in 0..max_iter {
        let cands = state.non_medoids();
        if cands.is_empty() {
            return Ok((iteration, true));
        }
        refs.start_step();
        let chosen = cands[best_arm(ctx, refs, Phase::Swap, &cands, &SwapArms { state }, settings)?];
        // The estimate may come from cached (f32) distances: decide on fresh exact ones.
        let mut row = vec![0.0; n];
        ctx.full_rows(Phase::Swap, &[chosen], &mut row)?;
        candidate_deltas(state, &row, &mut deltas);
        let (delta, pos) = best_position(&deltas);
        if delta >= 0.0 {
            return Ok((iteration, true));
        }
        apply_swap(ctx, state, pos, chosen, &row, iteration + 1);
    }
    Ok((max_iter, false))
}
