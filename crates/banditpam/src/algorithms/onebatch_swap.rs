//! `onebatch+swap`: OneBatchPAM for a cheap start, then BanditPAM++ SWAP steps, each verified
//! exactly, until no swap lowers the true loss.

use super::{banditpam, onebatch};
use super::{Method, Search, Start, Swaps};
use crate::bandit::{BanditSettings, References};
use crate::context::Context;
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
pub(crate) fn swap(
    ctx: &Context<'_>,
    refs: &mut References,
    state: &mut Assignment,
    batch: Batch<'_>,
    max_iter: usize,
    settings: BanditSettings,
) -> Result<(usize, bool)> {
    let (cheap, _) =
        onebatch::swap(ctx, state, batch.size, batch.seed, max_iter, batch.budget, onebatch::Block::KeepIfItFits)?;
    let (verified, converged) = banditpam::swap(ctx, refs, state, max_iter, settings)?;
    Ok((cheap + verified, converged))
}

/// OneBatchPAM, then BanditPAM++ swaps verified exactly.
pub(crate) const METHOD: Method = Method {
    name: "onebatch+swap",
    aliases: &["onebatch_swap"],
    start: Start::Random,
    bandit_build: false,
    samples_references: true,
    wants_matrix: false,
    fixed_order: true,
    sharded: false,
    swap: run,
};

fn run(search: &mut Search<'_, '_>) -> Result<Swaps> {
    let tuning = search.tuning;
    let batch = Batch { size: tuning.onebatch_size, seed: search.seed, budget: &tuning.budget };
    swap(search.ctx, &mut search.refs, &mut search.state, batch, search.max_iter, tuning.swap).map(Swaps::from)
}
