//! nearswap's start on large data: its own answer on a sample of the objects.
//!
//! From OneBatchPAM's answer on all n objects, nearswap makes hundreds of swaps, each verified
//! on every row. On a sample of a tenth of them the same search costs a tenth per swap, and its
//! answer is a start most of whose swaps are already made: on shifted MNIST 10^6, k = 100, the
//! search on all rows then made 112-123 swaps instead of several hundred, and ended lower
//! (docs/ALGORITHMS.md, "nearswap").
//!
//! The sample is chosen by a hash of each object's number and the seed, so every chunk finds
//! its own members without being told, and the in-memory fit (a [`Subset`] of its data) and the
//! sharded one ([`crate::chunks::SampledRows`]) search the same objects, numbered alike.

use super::priority;
use super::protocol::{self, Settings};
use crate::algorithms::onebatch::plan::{draw_batch, random_medoids, start_batch_size};
use crate::algorithms::onebatch::protocol as batch;
use crate::chunks::{Executor, LocalExecutor};
use crate::context::{Context, Phase};
use crate::data::Subset;
use crate::error::Result;
use crate::init::ONEBATCH_START_PASSES;

/// One object in this many is in the sample.
const SHARE: u64 = 10;

/// The sample's members per cluster at least: below it the sample is too small to say where
/// the medoids of all the objects lie, and the start is OneBatchPAM's answer on all of them.
const PER_CLUSTER: usize = 100;

/// Keeps the sample's hash apart from the screening's priorities.
const SALT: u64 = 0x7361_6d70_6c65_2121;

/// Whether object `j` is in the sample of `seed`.
pub(crate) fn in_sample(seed: u64, j: usize) -> bool {
    priority(seed ^ SALT, j) % SHARE == 0
}

/// The members of the sample of `seed` among `n` objects, in order, when the search on all of
/// them starts from its answer: from `sample_from` objects on, and when the sample holds at
/// least [`PER_CLUSTER`] per cluster. `None` otherwise.
pub(crate) fn members(n: usize, k: usize, seed: u64, sample_from: usize) -> Option<Vec<usize>> {
    if n < sample_from.max(1) {
        return None;
    }
    let members: Vec<usize> = (0..n).filter(|&j| in_sample(seed, j)).collect();
    (members.len() >= k.saturating_mul(PER_CLUSTER).max(k + 1)).then_some(members)
}

/// The sample's rows in each chunk of `lens` rows.
pub(crate) fn sampled_lens(lens: &[usize], members: &[usize]) -> Vec<usize> {
    let mut start = 0;
    lens.iter()
        .map(|&len| {
            let (from, to) = (members.partition_point(|&j| j < start), members.partition_point(|&j| j < start + len));
            start += len;
            to - from
        })
        .collect()
}

/// OneBatchPAM's answer on the sample that `exec`'s chunks hold, the start of nearswap on
/// it (numbered in the sample). `keep_block`: the chunks keep their block.
pub(crate) fn onebatch_start<E: Executor<batch::Task>>(
    exec: &mut E,
    k: usize,
    onebatch_size: Option<usize>,
    keep_block: bool,
    settings: Settings,
) -> Result<Vec<usize>> {
    let m: usize = exec.chunk_lens().iter().sum();
    let seed = settings.seed;
    let size = start_batch_size(onebatch_size, m, k);
    let passes = batch::Settings { keep_block, max_passes: ONEBATCH_START_PASSES, budget_bytes: settings.budget_bytes };
    Ok(batch::search(exec, &draw_batch(m, size, seed), &random_medoids(m, k, seed), passes)?.0)
}

/// nearswap on the sample, from [`onebatch_start`], in this process, on the objects `members` of `ctx`'s data: the medoids, numbered
/// in the data set. The distances it computes are counted in `ctx`, as the start's.
pub(crate) fn search_in_memory(
    ctx: &Context<'_>,
    members: &[usize],
    k: usize,
    onebatch_size: Option<usize>,
    settings: Settings,
) -> Result<Vec<usize>> {
    let subset = Subset::new(ctx.data, members);
    let weights = ctx.weights.as_ref().map(|w| members.iter().map(|&j| w[j]).collect());
    let sample = Context::new(&subset, ctx.observer).with_weights(weights);
    let found =
        onebatch_start(&mut LocalExecutor::whole(&sample), k, onebatch_size, true, settings).and_then(|start| {
            protocol::search(&mut LocalExecutor::whole(&sample), &start, settings, &mut |_, _, _| Ok(()))
        });
    ctx.add_counts(Phase::Build, sample.counts().total());
    Ok(found?.1.into_iter().map(|s| members[s]).collect())
}
