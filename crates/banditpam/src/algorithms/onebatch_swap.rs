//! `onebatch+swap`: OneBatchPAM for a cheap start, then BanditPAM++ SWAP steps, each verified
//! exactly, until no swap lowers the true loss.

use super::{banditpam, onebatch};
use crate::bandit::{BanditSettings, References};
use crate::context::Context;
use crate::data::Dissimilarity;
use crate::error::Result;
use crate::memory::Budget;
use crate::state::Assignment;

/// OneBatchPAM's batch: its size, seed and memory budget.
pub(crate) struct Batch<'b> {
    pub size: usize,
    pub seed: u64,
    pub budget: &'b Budget,
}

/// OneBatchPAM from `state`, then BanditPAM++ swaps with `settings` on `refs`; at most
/// `max_iter` passes for the first and `max_iter` swaps for the second. Returns the swaps of
/// both, and whether the bandit found no improving swap.
pub(crate) fn swap<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
    refs: &mut References,
    state: &mut Assignment,
    batch: Batch<'_>,
    max_iter: usize,
    settings: BanditSettings,
) -> Result<(usize, bool)> {
    let (cheap, _) = onebatch::swap(ctx, state, batch.size, batch.seed, max_iter, batch.budget)?;
    let (verified, converged) = banditpam::swap(ctx, refs, state, max_iter, settings)?;
    Ok((cheap + verified, converged))
}
