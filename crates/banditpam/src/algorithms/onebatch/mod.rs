//! OneBatchPAM (de Mathelin et al., AAAI 2025): estimate the loss of every swap on one random
//! batch of m reference objects, drawn once, and swap eagerly on that estimate.
//!
//! The n x m block of distances is computed once with the block kernels. Each batch column is
//! weighted by the number of objects whose nearest batch member it is (divided by the mean), so
//! the batch loss estimates the full loss even when the batch over- or under-samples a region.
//! Weights scale whole columns, so they never change which medoid is nearest. The swaps then
//! follow FasterPAM on the weighted block: candidates in a cycle, the first improving swap
//! applied at once.
//!
//! - [`plan`]: the batch and the start drawn from the seed, the batch size;
//! - [`block`]: a chunk's rows against the batch, in `f32`, and the column weights;
//! - [`search`]: the swap search as a state machine over windows of candidates;
//! - [`protocol`]: the search as a driver and chunk tasks, which the in-memory fit runs on one
//!   chunk in this process and the Dask estimator on the chunks of its workers.

pub(crate) mod block;
pub(crate) mod plan;
pub(crate) mod protocol;
pub(crate) mod search;

pub(crate) use plan::{search_batch_size, start_batch_size};

use super::{Method, Search, Start, Swaps};
use crate::chunks::LocalExecutor;
use crate::context::{Context, Phase};
use crate::error::Result;
use crate::memory::Budget;
use crate::observer::Event;
use crate::state::Assignment;

/// OneBatchPAM: eager swaps judged on one batch, from random medoids.
pub(crate) const METHOD: Method = Method {
    name: "onebatch",
    aliases: &["onebatchpam"],
    start: Start::Random,
    bandit_build: false,
    samples_references: false,
    wants_matrix: false,
    fixed_order: true,
    sharded: true,
    swap: run,
};

fn run(search: &mut Search<'_, '_>) -> Result<Swaps> {
    let tuning = search.tuning;
    swap(search.ctx, &mut search.state, tuning.onebatch_size, search.seed, search.max_iter, &tuning.budget, Block::Keep)
        .map(Swaps::from)
}

/// Where OneBatchPAM's block of distances to its batch lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Block {
    /// Kept in memory: a [`crate::Error::OverMemoryBudget`] if it does not fit the budget.
    Keep,
    /// Kept if it fits the budget, else rows computed again when they are scored (about as much
    /// work again per pass): for a start, which must not fail where the method it starts can run.
    KeepIfItFits,
}

/// OneBatchPAM from the medoids of `state` with a batch of `batch_size` objects drawn with
/// `seed`; at most `max_passes` passes over the candidates. Leaves the exact assignment of the
/// medoids found in `state` and reports it as one SWAP event (the search's own losses are
/// estimates, and events carry exact losses). Returns the swaps applied, and whether the last
/// pass found no improving swap.
pub(crate) fn swap(
    ctx: &Context<'_>,
    state: &mut Assignment,
    batch_size: usize,
    seed: u64,
    max_passes: usize,
    budget: &Budget,
    block: Block,
) -> Result<(usize, bool)> {
    let batch = plan::draw_batch(ctx.n(), batch_size, seed);
    let mut executor = LocalExecutor::whole(ctx);
    let keep_block = block == Block::Keep || budget.fits::<f32>(ctx.n().saturating_mul(batch.len()));
    let settings = protocol::Settings { keep_block, max_passes, budget_bytes: budget.bytes };
    let (medoids, swaps, converged) = protocol::search(&mut executor, &batch, &state.medoids, settings)?;
    *state = Assignment::from_medoids(ctx, Phase::Other, &medoids)?;
    let distance_evaluations = ctx.counts().total();
    ctx.report(Event::SwapStep { iteration: 1, swaps, loss: state.loss(), distance_evaluations });
    Ok((swaps, converged))
}
