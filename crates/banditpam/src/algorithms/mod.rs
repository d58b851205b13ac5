//! The k-medoids algorithms, one file each.
//!
//! - [`build`]: PAM's greedy BUILD, the start of PAM, FastPAM1 and (optionally) FasterPAM;
//! - [`pam`]: PAM's SWAP, the naive O(k n^2) reference;
//! - [`fastpam1`]: the same swaps in O(n^2) per step;
//! - [`fasterpam`]: eager swaps, cycling through the candidates;
//! - [`banditpam`]: BanditPAM and BanditPAM++, BUILD and SWAP as best-arm identification;
//! - [`onebatch`]: OneBatchPAM, eager swaps judged on one random batch of references;
//! - [`onebatch_swap`]: OneBatchPAM, then exactly verified BanditPAM++ swaps.
//!
//! Each takes the shared [`Assignment`] and a [`Context`]; the fit driver (`fit.rs`) chooses
//! which to run. docs/ALGORITHMS.md describes them and the contract they keep.

pub(crate) mod banditpam;
pub(crate) mod build;
pub(crate) mod fasterpam;
pub(crate) mod fastpam1;
pub(crate) mod onebatch;
pub(crate) mod onebatch_swap;
pub(crate) mod pam;

use crate::context::{Context, Phase};
use crate::data::Dissimilarity;
use crate::error::Result;
use crate::observer::Event;
use crate::state::{Assignment, Unit, Weight};

/// The change of loss for replacing each medoid position `i` by candidate `c`, given `c`'s
/// distance row: `deltas[i] = sum_j min(d(c, j), r_ij) - best_j`, computed in one pass over j
/// (FastPAM1's decomposition: a shared part for objects `c` would take over from any medoid,
/// and a per-position part for the others).
pub(crate) fn candidate_deltas(state: &Assignment, row: &[f64], deltas: &mut [f64]) {
    match state.weights.as_deref() {
        None => weighted_deltas(state, row, deltas, Unit),
        Some(w) => weighted_deltas(state, row, deltas, w),
    }
}

/// [`candidate_deltas`], each object's terms times its weight.
fn weighted_deltas<W: Weight>(state: &Assignment, row: &[f64], deltas: &mut [f64], weight: W) {
    deltas.fill(0.0);
    let mut shared = 0.0;
    // Branch-free (see the SWAP arms of BanditPAM): when d < best_j the own term is 0.
    for (j, &d) in row.iter().enumerate() {
        let (best, w) = (state.best[j], weight.at(j));
        shared += w * (d - best).min(0.0);
        deltas[state.nearest[j]] += w * (d.min(state.second[j]) - best).max(0.0);
    }
    for delta in deltas.iter_mut() {
        *delta += shared;
    }
}

/// The most negative `(delta, position)` of a candidate; ties go to the lower position.
pub(crate) fn best_position(deltas: &[f64]) -> (f64, usize) {
    deltas.iter().enumerate().fold((f64::INFINITY, 0), |acc, (i, &d)| if d < acc.0 { (d, i) } else { acc })
}

/// The best `(delta, position, candidate)` of a sweep whose results are in candidate order;
/// ties go to the earlier candidate.
pub(crate) fn best_swap(cands: &[usize], scored: &[(f64, usize)]) -> Option<(f64, usize, usize)> {
    cands.iter().zip(scored).fold(None, |acc: Option<(f64, usize, usize)>, (&c, &(delta, pos))| match acc {
        Some(best) if best.0 <= delta => Some(best),
        _ => Some((delta, pos, c)),
    })
}

/// Steepest descent, shared by PAM and FastPAM1: score every non-medoid with
/// `score(state, row) -> (best delta, position)`, apply the best swap if it lowers the loss,
/// repeat until none does or `max_iter` swaps were made. Returns `(swaps, converged)`.
pub(crate) fn steepest_descent<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
    state: &mut Assignment,
    max_iter: usize,
    score: impl Fn(&Assignment, &[f64]) -> (f64, usize) + Sync,
) -> Result<(usize, bool)> {
    for iteration in 0..max_iter {
        let cands = state.non_medoids();
        let current: &Assignment = state;
        let scored = ctx.sweep(Phase::Swap, &cands, |_, row| score(current, row))?;
        match best_swap(&cands, &scored) {
            Some((delta, pos, c)) if delta < 0.0 => {
                let mut row = vec![0.0; ctx.n()];
                ctx.full_rows(Phase::Swap, &[c], &mut row)?;
                apply_swap(ctx, state, pos, c, &row, iteration + 1);
            }
            _ => return Ok((iteration, true)),
        }
    }
    Ok((max_iter, false))
}

/// Puts `candidate` (whose exact row is `row`) at medoid position `pos`, and reports the
/// `iteration`-th swap of a best-swap search.
pub(crate) fn apply_swap<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
    state: &mut Assignment,
    pos: usize,
    candidate: usize,
    row: &[f64],
    iteration: usize,
) {
    state.replace(pos, candidate, row);
    ctx.report(Event::SwapStep {
        iteration,
        swaps: iteration,
        loss: state.loss(),
        distance_evaluations: ctx.counts().total(),
    });
}
