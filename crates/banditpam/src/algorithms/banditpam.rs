//! BanditPAM (Tiwari et al. 2020) and BanditPAM++ (2023): PAM's BUILD and SWAP steps, each
//! solved as a best-arm identification over sampled references (see [`crate::bandit`]).
//!
//! Both variants run the same code; they differ in how references are read (a new random order
//! each step, or one order for the whole fit with the distance cache) and in their defaults.

use super::{apply_swap, best_position, candidate_deltas};
use super::{Method, Search, Start, Swaps};
use crate::bandit::{best_arm, ArmMemory, Arms, BanditSettings, References};
use crate::context::{Context, Phase};
use crate::error::Result;
use crate::observer::Event;
use crate::state::{Assignment, Unit, Weight};

/// What the arms read of an assignment: of the current one, or of the one before a change
/// (to take the old terms out of the kept sums).
#[derive(Clone, Copy)]
struct View<'s> {
    best: &'s [f64],
    second: &'s [f64],
    nearest: &'s [usize],
    weights: Option<&'s [f64]>,
}

impl<'s> View<'s> {
    fn of(state: &'s Assignment) -> Self {
        View { best: &state.best, second: &state.second, nearest: &state.nearest, weights: state.weights.as_deref() }
    }
}

/// A copy of the per-object part of an assignment, taken before a change.
struct Snapshot {
    best: Vec<f64>,
    second: Vec<f64>,
    nearest: Vec<usize>,
}

impl Snapshot {
    fn of(state: &Assignment) -> Self {
        Snapshot { best: state.best.clone(), second: state.second.clone(), nearest: state.nearest.clone() }
    }

    fn view<'s>(&'s self, now: &'s Assignment) -> View<'s> {
        View { best: &self.best, second: &self.second, nearest: &self.nearest, weights: now.weights.as_deref() }
    }

    /// The objects whose best distance changed (all BUILD's terms depend on), or, with
    /// `every_part`, whose best, second-best distance or nearest position changed (SWAP's).
    fn changed(&self, now: &Assignment, every_part: bool) -> Vec<usize> {
        (0..self.best.len())
            .filter(|&j| {
                self.best[j].to_bits() != now.best[j].to_bits()
                    || (every_part
                        && (self.second[j].to_bits() != now.second[j].to_bits() || self.nearest[j] != now.nearest[j]))
            })
            .collect()
    }
}

/// BUILD's arm of candidate `c`: `min(d(c, j), best_j) - best_j` (just `d(c, j)` at the first
/// step, when no medoid exists yet).
struct BuildArms<'s> {
    state: View<'s>,
    first: bool,
}

impl Arms for BuildArms<'_> {
    fn width(&self) -> usize {
        1
    }

    fn accumulate(&self, refs: &[usize], dists: &[f64], sum: &mut [f64], sum_sq: &mut [f64]) {
        match self.state.weights {
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
///
/// The per-position part is sampled minus its known total (docs/ALGORITHMS.md, "Removal
/// loss as a control variate"): replacing medoid i costs at most its removal loss
/// `R_i = sum_{nearest_j = i} (second_j - best_j)`, known exactly from the assignment, and the
/// sampled term of j is `-(second_j - clamp(d, best_j, second_j))`, the part of that cost the
/// candidate saves. Only candidates near medoid i's objects have such terms, so the n/k
/// references that carry `R_i` no longer have to be found by sampling: at large k a batch
/// holds a handful of them, and their spread misled the elimination.
struct SwapArms<'s> {
    state: View<'s>,
    width: usize,
    /// `R_i / n` per position, or `None` when k = 1 (no second medoid: nothing is known).
    known: Option<Vec<f64>>,
}

impl<'s> SwapArms<'s> {
    fn new(state: View<'s>, width: usize) -> Self {
        let known = (width > 1).then(|| {
            let mut removal = vec![0.0; width];
            let n = state.best.len();
            for j in 0..n {
                let w = state.weights.map_or(1.0, |w| w[j]);
                removal[state.nearest[j]] += w * (state.second[j] - state.best[j]);
            }
            removal.iter().map(|r| r / n as f64).collect()
        });
        SwapArms { state, width, known }
    }
}

impl Arms for SwapArms<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn accumulate(&self, refs: &[usize], dists: &[f64], sum: &mut [f64], sum_sq: &mut [f64]) {
        match (self.state.weights, self.known.is_some()) {
            (None, true) => self.weighted::<_, true>(refs, dists, sum, sum_sq, Unit),
            (Some(w), true) => self.weighted::<_, true>(refs, dists, sum, sum_sq, w),
            (None, false) => self.weighted::<_, false>(refs, dists, sum, sum_sq, Unit),
            (Some(w), false) => self.weighted::<_, false>(refs, dists, sum, sum_sq, w),
        }
    }

    fn known_mean(&self, w: usize) -> f64 {
        self.known.as_ref().map_or(0.0, |known| known[w])
    }
}

impl SwapArms<'_> {
    /// The terms of `refs`, each times its reference's weight; `CONTROL`: the per-position
    /// part less its known total.
    fn weighted<W: Weight, const CONTROL: bool>(
        &self,
        refs: &[usize],
        dists: &[f64],
        sum: &mut [f64],
        sum_sq: &mut [f64],
        weight: W,
    ) {
        let st = &self.state;
        let (mut shared, mut shared_sq) = (0.0, 0.0);
        // Branch-free: whether c takes j over is a coin flip the branch predictor loses.
        for (&j, &d) in refs.iter().zip(dists) {
            let (best, second, w) = (st.best[j], st.second[j], weight.at(j));
            let taken = w * (d - best).min(0.0);
            let own =
                if CONTROL { -w * (second - d.max(best).min(second)) } else { w * (d.min(second) - best).max(0.0) };
            shared += taken;
            shared_sq += taken * taken;
            sum[st.nearest[j]] += own;
            // The shared part adds taken^2 to every arm; j's own arm has (taken + own)^2.
            sum_sq[st.nearest[j]] += own * (own + 2.0 * taken);
        }
        for (s, q) in sum.iter_mut().zip(sum_sq.iter_mut()) {
            *s += shared;
            *q += shared_sq;
        }
    }
}

/// BanditPAM's BUILD: `k` greedy steps, each a best-arm search over the non-medoids.
pub(crate) fn build(
    ctx: &Context<'_>,
    refs: &mut References,
    k: usize,
    settings: BanditSettings,
) -> Result<Assignment> {
    let n = ctx.n();
    let mut state = Assignment::for_data(ctx);
    let mut memory = ArmMemory::new(n, 1, refs.fixed())?;
    let mut row = vec![0.0; n];
    for step in 0..k {
        refs.start_step();
        let cands = state.non_medoids();
        let arms = BuildArms { state: View::of(&state), first: step == 0 };
        let chosen = cands[best_arm(ctx, refs, Phase::Build, &cands, &arms, settings, &mut memory)?];
        ctx.full_rows(Phase::Build, &[chosen], &mut row)?;
        let before = Snapshot::of(&state);
        state.push(chosen, &row)?;
        memory.forget(chosen);
        if step == 0 {
            // The first step's terms are plain distances; from the second on they are gains.
            memory.forget_all();
        } else {
            let old = BuildArms { state: before.view(&state), first: false };
            let new = BuildArms { state: View::of(&state), first: false };
            memory.refresh(ctx, refs, Phase::Build, &before.changed(&state, false), &old, &new)?;
        }
        ctx.report(Event::BuildStep { step: step + 1, k, distance_evaluations: ctx.counts().total() });
    }
    Ok(state)
}

/// BanditPAM's SWAP: find the best swap by best-arm search, verify it exactly on all n objects,
/// apply it only if it lowers the loss, else stop. Returns `(swaps, converged)`.
pub(crate) fn swap(
    ctx: &Context<'_>,
    refs: &mut References,
    state: &mut Assignment,
    max_iter: usize,
    settings: BanditSettings,
) -> Result<(usize, bool)> {
    let (n, k) = (ctx.n(), state.medoids.len());
    let mut memory = ArmMemory::new(n, k, refs.fixed())?;
    let mut deltas = vec![0.0; k];
    let mut row = vec![0.0; n];
    for iteration in 0..max_iter {
        let cands = state.non_medoids();
        if cands.is_empty() {
            return Ok((iteration, true));
        }
        refs.start_step();
        let arms = SwapArms::new(View::of(state), k);
        let chosen = cands[best_arm(ctx, refs, Phase::Swap, &cands, &arms, settings, &mut memory)?];
        // The estimate may come from cached (f32) distances: decide on fresh exact ones.
        ctx.full_rows(Phase::Swap, &[chosen], &mut row)?;
        candidate_deltas(state, &row, &mut deltas);
        let (delta, pos) = best_position(&deltas);
        if delta >= 0.0 {
            return Ok((iteration, true));
        }
        let before = Snapshot::of(state);
        apply_swap(ctx, state, pos, chosen, &row, iteration + 1);
        memory.forget(chosen);
        let old = SwapArms::new(before.view(state), k);
        let new = SwapArms::new(View::of(state), k);
        memory.refresh(ctx, refs, Phase::Swap, &before.changed(state, true), &old, &new)?;
    }
    Ok((max_iter, false))
}

/// BanditPAM++: one reference order for the fit, the distance cache, kept arm estimates.
pub(crate) const METHOD_PLUS_PLUS: Method = Method {
    name: "banditpam++",
    aliases: &["banditpam_pp", "banditpampp"],
    start: Start::Build,
    bandit_build: true,
    samples_references: true,
    wants_matrix: false,
    fixed_order: true,
    sharded: false,
    swap: run,
};

/// BanditPAM: a new reference order every step, no cache.
pub(crate) const METHOD: Method =
    Method { name: "banditpam", aliases: &["banditpam_orig"], fixed_order: false, ..METHOD_PLUS_PLUS };

fn run(search: &mut Search<'_, '_>) -> Result<Swaps> {
    swap(search.ctx, &mut search.refs, &mut search.state, search.max_iter, search.tuning.swap).map(Swaps::from)
}
