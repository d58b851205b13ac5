//! FasterPAM (Schubert & Rousseeuw 2021): visit the candidates in a cycle and apply the first
//! improving swap at once (eagerly) instead of searching for the best one.

use rayon::prelude::*;

use super::{best_position, candidate_deltas};
use super::{Method, Search, Start, Swaps};
use crate::context::{Context, Phase};
use crate::error::Result;
use crate::memory;
use crate::observer::Event;
use crate::state::Assignment;

/// Candidate rows computed ahead, in parallel; rows do not depend on the medoids, so they stay
/// valid across the swaps applied while they are consumed.
const LOOKAHEAD: usize = 64;
const ROWS_PER_TASK: usize = 8;

/// Run eager swaps until a full pass over the candidates finds no improving swap, or for at
/// most `max_passes` passes. Returns `(swaps, converged)`.
pub(crate) fn swap(ctx: &Context<'_>, state: &mut Assignment, max_passes: usize) -> Result<(usize, bool)> {
    let n = ctx.n();
    let k = state.medoids.len();
    if k == n {
        return Ok((0, true));
    }
    let mut deltas = vec![0.0; k];
    let mut rows = memory::filled("FasterPAM's candidate rows (64 x n)", LOOKAHEAD.saturating_mul(n), 0.0)?;
    let mut swaps = 0;
    // The last candidate whose swap was applied: a full cycle back to it without a swap ends.
    let mut last_swap: Option<usize> = None;
    for pass in 0..max_passes {
        for start in (0..n).step_by(LOOKAHEAD) {
            let cands: Vec<usize> = (start..(start + LOOKAHEAD).min(n)).collect();
            rows[..cands.len() * n]
                .par_chunks_mut(ROWS_PER_TASK * n)
                .zip(cands.par_chunks(ROWS_PER_TASK))
                .try_for_each(|(out, chunk)| ctx.full_rows(Phase::Swap, chunk, out))?;
            for (&c, row) in cands.iter().zip(rows.chunks_exact(n)) {
                if last_swap == Some(c) {
                    return Ok((swaps, true));
                }
                if state.is_medoid(c) {
                    continue;
                }
                candidate_deltas(state, row, &mut deltas);
                let (delta, pos) = best_position(&deltas);
                if delta < 0.0 {
                    state.replace(pos, c, row);
                    swaps += 1;
                    last_swap = Some(c);
                }
            }
        }
        ctx.report(Event::SwapStep {
            iteration: pass + 1,
            swaps,
            loss: state.loss(),
            distance_evaluations: ctx.counts().total(),
        });
        if last_swap.is_none() {
            return Ok((swaps, true));
        }
    }
    Ok((swaps, false))
}

/// FasterPAM: eager swaps from random medoids, on the matrix when it fits.
pub(crate) const METHOD: Method = Method {
    name: "fasterpam",
    aliases: &[],
    start: Start::Random,
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
