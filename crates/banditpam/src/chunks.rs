//! Rows in chunks, the tasks a chunk runs, and the executors that run them.
//!
//! The methods with a sharded form (OneBatchPAM, nearswap) are written once, as a driver that
//! sends [`ChunkTask`]s to the chunks of the data through an [`Executor`] and combines their
//! replies. A chunk is a range of rows ([`ChunkRows`]): in this process, a range of a
//! [`crate::Dissimilarity`] ([`LocalExecutor`], which the in-memory fits use); elsewhere, rows
//! held by another process, which receive the rows they are compared with as [`Targets`] (the
//! Dask estimator, through `crate::sharded`). A chunk keeps what it computed between tasks in
//! the task type's `State`.
//!
//! The replies do not depend on how the rows are cut: distances depend on their two rows only
//! (see the product kernels), every sum over rows that a decision reads is an
//! [`crate::ExactSum`], and every choice among rows is made in row order.

use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::context::{Context, Phase};
use crate::error::Result;

/// Rows compared with a chunk's rows: their numbers in the whole data set, and, for a chunk
/// held elsewhere, their values (row-major, `f64`; exact for `f32` data).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Targets {
    /// Row numbers in the whole data set.
    pub ids: Vec<usize>,
    /// The rows' values, `ids.len()` rows; empty where the chunks read the data themselves.
    pub values: Vec<f64>,
}

impl Targets {
    /// Targets known by number only.
    pub(crate) fn ids(ids: Vec<usize>) -> Self {
        Targets { ids, values: Vec::new() }
    }

    /// Number of targets.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no targets.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The targets at `picks` (positions in this list).
    pub(crate) fn select(&self, picks: &[usize]) -> Targets {
        let d = if self.ids.is_empty() { 0 } else { self.values.len() / self.ids.len() };
        Targets {
            ids: picks.iter().map(|&p| self.ids[p]).collect(),
            values: picks.iter().flat_map(|&p| self.values[p * d..(p + 1) * d].iter().copied()).collect(),
        }
    }

    /// The targets of the objects `ids`, in that order (these targets hold each at most once).
    ///
    /// Errors: [`crate::Error::Sharded`] naming an object none of them is.
    pub(crate) fn in_order(&self, ids: &[usize]) -> Result<Targets> {
        let at: std::collections::HashMap<usize, usize> = self.ids.iter().enumerate().map(|(p, &id)| (id, p)).collect();
        let picks: Vec<usize> = ids
            .iter()
            .map(|id| {
                at.get(id).copied().ok_or_else(|| crate::error::Error::Sharded(format!("no chunk holds row {id}")))
            })
            .collect::<Result<_>>()?;
        Ok(self.select(&picks))
    }

    /// These targets followed by `more`.
    pub(crate) fn extend(&mut self, more: Targets) {
        self.ids.extend(more.ids);
        self.values.extend(more.values);
    }
}

/// A chunk of rows: rows `offset..offset + len` of the whole data set.
pub(crate) trait ChunkRows: Sync {
    /// The number of the chunk's first row in the whole data set.
    fn offset(&self) -> usize;

    /// Rows in the chunk.
    fn len(&self) -> usize;

    /// The weight of local row `i` (1 without sample weights).
    fn weight(&self, i: usize) -> f64;

    /// `out[t * local.len() + r] = d(targets[t], row local[r])`: target first, as a medoid is.
    fn distances_from_targets(&self, targets: &Targets, local: &[usize], out: &mut [f64]) -> Result<()>;

    /// `out[r * targets.len() + t] = d(row local[r], targets[t])`: the chunk's row first, as a
    /// candidate is.
    fn distances_to_targets(&self, local: &[usize], targets: &Targets, out: &mut [f64]) -> Result<()>;

    /// Local rows `local` as targets for other chunks.
    fn targets(&self, local: &[usize]) -> Result<Targets>;

    /// A distance of this chunk's in the data's units: chunks of data of extreme magnitude
    /// hand the search rescaled distances (as `data::Rescaled` does in memory), and losses
    /// reported to the caller go back.
    fn in_data_units(&self, distance: f64) -> f64 {
        distance
    }

    /// Whether `interrupt` was asked for: a chunk task stops between blocks.
    fn check_interrupted(&self) -> Result<()> {
        Ok(())
    }
}

/// A unit of work on one chunk, with the state a chunk keeps between the tasks of a search.
pub(crate) trait ChunkTask: Sync {
    /// What a chunk keeps between tasks.
    type State: Default + Send;
    /// What it answers.
    type Reply: Send;

    /// Run on `chunk`, reading and updating `state`.
    fn run(&self, chunk: &dyn ChunkRows, state: &mut Self::State) -> Result<Self::Reply>;
}

/// Runs tasks on the chunks of a data set.
pub(crate) trait Executor<T: ChunkTask> {
    /// Rows in each chunk, in row order.
    fn chunk_lens(&self) -> Vec<usize>;

    /// Run `task` on the chunks `which` (in that order); their replies in the same order.
    fn run(&mut self, task: &T, which: &[usize]) -> Result<Vec<T::Reply>>;

    /// Run `task` on every chunk.
    fn run_all(&mut self, task: &T) -> Result<Vec<T::Reply>> {
        let all: Vec<usize> = (0..self.chunk_lens().len()).collect();
        self.run(task, &all)
    }
}

/// The chunks holding rows `rows` of a data set cut into chunks of `lens` rows.
pub(crate) fn chunks_holding(lens: &[usize], rows: Range<usize>) -> Vec<usize> {
    let mut start = 0;
    let mut found = Vec::new();
    for (i, &len) in lens.iter().enumerate() {
        if start < rows.end && rows.start < start + len {
            found.push(i);
        }
        start += len;
    }
    found
}

/// A range of rows of a data set in this process, read through the fit's [`Context`]
/// (which counts the distances and stops on a cancellation).
pub(crate) struct InMemoryChunk<'c, 'a> {
    pub ctx: &'c Context<'a>,
    pub rows: Range<usize>,
}

impl ChunkRows for InMemoryChunk<'_, '_> {
    fn offset(&self) -> usize {
        self.rows.start
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn weight(&self, i: usize) -> f64 {
        self.ctx.weights.as_deref().map_or(1.0, |w| w[self.rows.start + i])
    }

    fn distances_from_targets(&self, targets: &Targets, local: &[usize], out: &mut [f64]) -> Result<()> {
        let global: Vec<usize> = local.iter().map(|&r| self.rows.start + r).collect();
        parallel_block(self.ctx, &targets.ids, &global, out)
    }

    fn distances_to_targets(&self, local: &[usize], targets: &Targets, out: &mut [f64]) -> Result<()> {
        let global: Vec<usize> = local.iter().map(|&r| self.rows.start + r).collect();
        parallel_block(self.ctx, &global, &targets.ids, out)
    }

    fn targets(&self, local: &[usize]) -> Result<Targets> {
        Ok(Targets::ids(local.iter().map(|&r| self.rows.start + r).collect()))
    }

    fn check_interrupted(&self) -> Result<()> {
        self.ctx.check_interrupted()
    }
}

/// Some rows of a chunk as a chunk of a sample of the data set: local row `r` is the chunk's
/// row `rows[r]`, and the sample numbers its rows from `offset` on (the sample's rows held by
/// the chunks before). Targets are named by their numbers in the sample.
pub(crate) struct SampledRows<'c> {
    pub chunk: &'c dyn ChunkRows,
    pub rows: &'c [usize],
    pub offset: usize,
}

impl SampledRows<'_> {
    fn in_chunk(&self, local: &[usize]) -> Vec<usize> {
        local.iter().map(|&r| self.rows[r]).collect()
    }
}

impl ChunkRows for SampledRows<'_> {
    fn offset(&self) -> usize {
        self.offset
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn weight(&self, i: usize) -> f64 {
        self.chunk.weight(self.rows[i])
    }

    fn distances_from_targets(&self, targets: &Targets, local: &[usize], out: &mut [f64]) -> Result<()> {
        self.chunk.distances_from_targets(targets, &self.in_chunk(local), out)
    }

    fn distances_to_targets(&self, local: &[usize], targets: &Targets, out: &mut [f64]) -> Result<()> {
        self.chunk.distances_to_targets(&self.in_chunk(local), targets, out)
    }

    fn targets(&self, local: &[usize]) -> Result<Targets> {
        let mut found = self.chunk.targets(&self.in_chunk(local))?;
        found.ids = local.iter().map(|&r| self.offset + r).collect();
        Ok(found)
    }

    fn in_data_units(&self, distance: f64) -> f64 {
        self.chunk.in_data_units(distance)
    }

    fn check_interrupted(&self) -> Result<()> {
        self.chunk.check_interrupted()
    }
}

/// `out[a * refs.len() + b] = d(cands[a], refs[b])` in parallel tasks: over tiles of the
/// references when the candidates are few, so that each reference row is prepared once per
/// block, and over candidates otherwise.
pub(crate) fn parallel_block(ctx: &Context<'_>, cands: &[usize], refs: &[usize], out: &mut [f64]) -> Result<()> {
    const PER_TASK: usize = 512;
    let width = refs.len();
    if width == 0 || cands.is_empty() {
        return Ok(());
    }
    if cands.len() >= refs.len() {
        return out[..cands.len() * width]
            .par_chunks_mut(PER_TASK.div_ceil(8) * width)
            .zip(cands.par_chunks(PER_TASK.div_ceil(8)))
            .try_for_each(|(dst, chunk)| ctx.block(Phase::Swap, chunk, refs, dst));
    }
    let tiles: Vec<Result<Vec<f64>>> = refs
        .par_chunks(PER_TASK)
        .map(|tile| {
            let mut block = crate::memory::filled("a block of distances", cands.len() * tile.len(), 0.0)?;
            ctx.block(Phase::Swap, cands, tile, &mut block)?;
            Ok(block)
        })
        .collect();
    for (t, tile) in tiles.into_iter().enumerate() {
        let tile = tile?;
        let (start, len) = (t * PER_TASK, tile.len() / cands.len());
        for (row, values) in out.chunks_exact_mut(width).zip(tile.chunks_exact(len)) {
            row[start..start + len].copy_from_slice(values);
        }
    }
    Ok(())
}

/// The executor of the in-memory fits: chunks of a data set in this process, their states
/// kept here, each task run in turn (a task parallelises its own work).
pub(crate) struct LocalExecutor<'c, 'a, S> {
    chunks: Vec<InMemoryChunk<'c, 'a>>,
    states: Vec<S>,
}

impl<'c, 'a, S: Default> LocalExecutor<'c, 'a, S> {
    /// The rows of `ctx`'s data cut into chunks of `lens` rows (in row order, summing to n).
    pub fn new(ctx: &'c Context<'a>, lens: &[usize]) -> Self {
        let mut start = 0;
        let chunks = lens
            .iter()
            .map(|&len| {
                let rows = start..start + len;
                start += len;
                InMemoryChunk { ctx, rows }
            })
            .collect();
        LocalExecutor { chunks, states: lens.iter().map(|_| S::default()).collect() }
    }

    /// All of `ctx`'s data as one chunk.
    pub fn whole(ctx: &'c Context<'a>) -> Self {
        Self::new(ctx, &[ctx.n()])
    }

    /// What the chunks kept, in row order.
    pub fn into_states(self) -> Vec<S> {
        self.states
    }
}

impl<T: ChunkTask> Executor<T> for LocalExecutor<'_, '_, T::State> {
    fn chunk_lens(&self) -> Vec<usize> {
        self.chunks.iter().map(|c| c.rows.len()).collect()
    }

    fn run(&mut self, task: &T, which: &[usize]) -> Result<Vec<T::Reply>> {
        which.iter().map(|&i| task.run(&self.chunks[i], &mut self.states[i])).collect()
    }
}
