//! OneBatchPAM (de Mathelin et al., AAAI 2025): estimate the loss of every swap on one random
//! batch of m reference objects, drawn once, and swap eagerly on that estimate.
//!
//! The n x m block of distances is computed once with the block kernels. Each batch column is
//! weighted by the number of objects whose nearest batch member it is (divided by the mean), so
//! the batch loss estimates the full loss even when the batch over- or under-samples a region.
//! Weights scale whole columns, so they never change which medoid is nearest. The swaps then
//! follow FasterPAM on the weighted block: candidates in a cycle, the first improving swap
//! applied at once.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::{best_position, candidate_deltas};
use super::{Method, Search, Start, Swaps};
use crate::context::{Context, Phase};
use crate::error::Result;
use crate::memory::Budget;
use crate::observer::Event;
use crate::state::Assignment;

/// Candidates scored together against the current medoids before the first improving one
/// (in candidate order) is applied; the rest are scored again after a swap, so the swaps
/// applied are those of a sequential pass, whatever the thread count.
const SPECULATION: usize = 256;
/// Smallest gain, relative to the batch loss, that a swap must bring.
const TOLERANCE: f64 = 1e-6;
/// Candidates per parallel task.
pub(crate) const CANDIDATES_PER_TASK: usize = 16;
/// Rows of the block computed per parallel task.
pub(crate) const ROWS_PER_TASK: usize = 64;

/// The default batch size: `100 ln(n k)`, within `[k, n]`.
pub(crate) fn default_batch_size(n: usize, k: usize) -> usize {
    let estimate = (100.0 * ((n * k).max(2) as f64).ln()) as usize;
    estimate.max(k).min(n)
}

/// The `size` batch members drawn for `seed` (distinct objects of `0..n`, in draw order).
pub(crate) fn draw_batch(n: usize, size: usize, seed: u64) -> Vec<usize> {
    // A stream of its own, so the batch does not depend on how the initial medoids were drawn.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6f6e_6562_6174_6368);
    rand::seq::index::sample(&mut rng, n, size.clamp(1, n)).into_vec()
}

/// The factor the block is computed again with when some distances do not fit `f32` (beyond
/// 3.4e38, or below its normal range): the power of two that brings the largest into range.
/// `None` when every distance fits as it is.
pub(crate) fn rescale(largest: f64, smallest: f64) -> Option<f64> {
    let fits = (largest as f32).is_finite() && (smallest <= 0.0 || (smallest as f32).is_normal());
    (!fits).then(|| 2f64.powi(-(largest.log2().floor() as i32)))
}

/// Adds each row's vote for its nearest batch member (the first on ties), with the row's
/// weight, to `votes` (one per batch member); `values` holds rows of `votes.len()` values.
pub(crate) fn add_votes(values: &[f32], weights: Option<&[f64]>, votes: &mut [f64]) {
    let m = votes.len();
    for (i, row) in values.chunks_exact(m).enumerate() {
        let nearest = row.iter().enumerate().fold((0, f32::INFINITY), |b, (j, &v)| if v < b.1 { (j, v) } else { b });
        votes[nearest.0] += weights.map_or(1.0, |w| w[i]);
    }
}

/// The column weights from the votes: each divided by their mean.
pub(crate) fn column_weights(votes: &[f64]) -> Vec<f32> {
    let mean = votes.iter().sum::<f64>() / votes.len() as f64;
    votes.iter().map(|w| (w / mean) as f32).collect()
}

/// The weighted n x m block of distances from every object to the batch, in `f32`.
struct Batch {
    m: usize,
    values: Vec<f32>,
}

impl Batch {
    fn new(ctx: &Context<'_>, batch: &[usize], budget: &Budget) -> Result<Self> {
        let (n, m) = (ctx.n(), batch.len());
        let mut values = budget.vec("the OneBatchPAM block (n x batch size f32)", n.saturating_mul(m), 0.0f32)?;
        // Distances go into f32 as they are; only if some do not fit is the block computed
        // again, scaled. The swaps compare differences of sums, which scaling keeps.
        let (largest, smallest) = Self::fill(ctx, batch, &mut values, 1.0)?;
        if let Some(scale) = rescale(largest, smallest) {
            Self::fill(ctx, batch, &mut values, scale)?;
        }
        let mut votes = vec![0.0f64; m];
        add_votes(&values, ctx.weights.as_deref(), &mut votes);
        let weights = column_weights(&votes);
        values.par_chunks_mut(m).for_each(|row| row.iter_mut().zip(&weights).for_each(|(v, w)| *v *= w));
        Ok(Batch { m, values })
    }

    /// The block of `batch` for every object into `values`, times `scale`, in parallel; returns
    /// the largest and the smallest positive distance seen.
    fn fill(ctx: &Context<'_>, batch: &[usize], values: &mut [f32], scale: f64) -> Result<(f64, f64)> {
        let (n, m) = (ctx.n(), batch.len());
        let cands: Vec<usize> = (0..n).collect();
        let ranges = values.par_chunks_mut(ROWS_PER_TASK * m).zip(cands.par_chunks(ROWS_PER_TASK)).map(
            |(out, chunk)| -> Result<(f64, f64)> {
                let mut block = vec![0.0; chunk.len() * m];
                ctx.block(Phase::Swap, chunk, batch, &mut block)?;
                Ok(to_f32(&block, scale, out))
            },
        );
        ranges.try_reduce(|| (0.0, f64::INFINITY), |a, b| Ok((a.0.max(b.0), a.1.min(b.1))))
    }

    fn row(&self, c: usize, out: &mut [f64]) {
        for (o, &v) in out.iter_mut().zip(&self.values[c * self.m..(c + 1) * self.m]) {
            *o = f64::from(v);
        }
    }
}

/// `out = block * scale` in `f32`; returns the largest and the smallest positive distance
/// of `block`.
pub(crate) fn to_f32(block: &[f64], scale: f64, out: &mut [f32]) -> (f64, f64) {
    let (mut largest, mut smallest) = (0.0f64, f64::INFINITY);
    for (slot, &v) in out.iter_mut().zip(block) {
        *slot = (v * scale) as f32;
        largest = largest.max(v);
        if v > 0.0 {
            smallest = smallest.min(v);
        }
    }
    (largest, smallest)
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
) -> Result<(usize, bool)> {
    let (medoids, swaps, converged) = search(ctx, &state.medoids, batch_size, seed, max_passes, budget)?;
    *state = Assignment::from_medoids(ctx, Phase::Other, &medoids)?;
    let distance_evaluations = ctx.counts().total();
    ctx.report(Event::SwapStep { iteration: 1, swaps, loss: state.loss(), distance_evaluations });
    Ok((swaps, converged))
}

/// The search on the batch: returns the medoids, the swaps applied, and convergence.
fn search(
    ctx: &Context<'_>,
    initial: &[usize],
    batch_size: usize,
    seed: u64,
    max_passes: usize,
    budget: &Budget,
) -> Result<(Vec<usize>, usize, bool)> {
    let n = ctx.n();
    let batch = draw_batch(n, batch_size, seed);
    let block = Batch::new(ctx, &batch, budget)?;
    let mut row = vec![0.0; block.m];
    let mut search = BatchSearch::new(n, block.m, max_passes);
    for &medoid in initial {
        block.row(medoid, &mut row);
        search.add_medoid(medoid, &row)?;
    }
    while let Some(window) = search.window(SPECULATION) {
        let probe = search.probe();
        let found = probe.first_event(window.clone(), n, |c, row| block.row(c, row));
        let swap_row = found.and_then(|f| f.swap.map(|_| f.candidate)).map(|c| {
            block.row(c, &mut row);
            &row[..]
        });
        search.advance(window, found, swap_row);
        ctx.check_interrupted()?;
    }
    Ok(search.finish())
}

/// The first event of a window of candidates, in candidate order: the candidate swapped in
/// last came round again (a local optimum), or a swap lowers the batch loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Position in the cycle over the candidates (candidate `position % n`).
    pub position: usize,
    /// The candidate, an object index.
    pub candidate: usize,
    /// The medoid position to swap the candidate into; `None`: back at the last swap.
    pub swap: Option<usize>,
}

/// What scoring a candidate needs of the search's state: the assignment of the batch to the
/// medoids, the candidate swapped in last, and the gain a swap must bring.
pub(crate) struct Probe<'s> {
    pub state: &'s Assignment,
    pub last_swap: Option<usize>,
    pub threshold: f64,
}

impl Probe<'_> {
    /// The first event among the candidates of `positions` (each `position % n`), scored in
    /// parallel tasks against the same medoids; `row(c, out)` gives candidate `c`'s batch row.
    pub(crate) fn first_event(
        &self,
        positions: std::ops::Range<usize>,
        n: usize,
        row: impl Fn(usize, &mut [f64]) + Sync,
    ) -> Option<Found> {
        let (state, m, k) = (self.state, self.state.best.len(), self.state.medoids.len());
        let positions: Vec<usize> = positions.collect();
        positions
            .par_chunks(CANDIDATES_PER_TASK)
            .map(|chunk| {
                let mut values = vec![0.0; m];
                let mut deltas = vec![0.0; k];
                for &position in chunk {
                    let candidate = position % n;
                    if self.last_swap == Some(candidate) {
                        return Some(Found { position, candidate, swap: None });
                    }
                    if state.is_medoid(candidate) {
                        continue;
                    }
                    row(candidate, &mut values);
                    candidate_deltas(state, &values, &mut deltas);
                    let (delta, pos) = best_position(&deltas);
                    if delta < self.threshold {
                        return Some(Found { position, candidate, swap: Some(pos) });
                    }
                }
                None
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .next()
    }
}

/// OneBatchPAM's swap search as a state machine: it hands out windows of candidate positions,
/// is told the first event of each, and applies it. The candidates are visited in a cycle
/// (FasterPAM's order), the first improving swap applied at once; the search ends back at the
/// last candidate swapped in with no swap since (a local optimum), after a pass without any
/// swap, or after `max_passes` passes. The events do not depend on the window sizes, so a
/// driver that scores windows elsewhere (on chunks of rows) applies the same swaps.
pub(crate) struct BatchSearch {
    state: Assignment,
    n: usize,
    next: usize,
    pass_end: usize,
    passes_left: usize,
    swaps: usize,
    last_swap: Option<usize>,
    /// Set when the search has ended: whether it converged.
    outcome: Option<bool>,
}

impl BatchSearch {
    /// A search over `n` candidates with a batch of `m`, before any medoid is added.
    pub(crate) fn new(n: usize, m: usize, max_passes: usize) -> Self {
        BatchSearch {
            state: Assignment::empty(m),
            n,
            next: 0,
            pass_end: n,
            passes_left: max_passes.saturating_sub(1),
            swaps: 0,
            last_swap: None,
            outcome: (max_passes == 0).then_some(false),
        }
    }

    /// Add an initial medoid, given its (weighted) batch row.
    pub(crate) fn add_medoid(&mut self, medoid: usize, row: &[f64]) -> Result<()> {
        self.state.push(medoid, row)?;
        if self.state.medoids.len() == self.n {
            self.outcome = Some(true);
        }
        Ok(())
    }

    /// The next window of at most `len` candidate positions, or `None` once the search ended.
    pub(crate) fn window(&self, len: usize) -> Option<std::ops::Range<usize>> {
        self.outcome.is_none().then(|| self.next..(self.next + len.max(1)).min(self.pass_end))
    }

    /// What scoring a candidate needs now.
    pub(crate) fn probe(&self) -> Probe<'_> {
        // Relative tolerance (as the authors'): gains below it are rounding of the f32 block.
        Probe { state: &self.state, last_swap: self.last_swap, threshold: -TOLERANCE * self.state.loss() }
    }

    /// Apply the first event of `window` (`None`: no event in it); `row` is the batch row of
    /// the candidate swapped in.
    pub(crate) fn advance(&mut self, window: std::ops::Range<usize>, found: Option<Found>, row: Option<&[f64]>) {
        match (found, row) {
            (Some(Found { swap: None, .. }), _) => {
                self.outcome = Some(true);
                return;
            }
            (Some(Found { position, candidate, swap: Some(pos) }), Some(row)) => {
                self.state.replace(pos, candidate, row);
                self.swaps += 1;
                self.last_swap = Some(candidate);
                self.next = position + 1;
            }
            _ => self.next = window.end,
        }
        if self.next >= self.pass_end {
            if self.last_swap.is_none() {
                self.outcome = Some(true);
            } else if self.passes_left == 0 {
                self.outcome = Some(false);
            } else {
                self.passes_left -= 1;
                self.pass_end = self.next + self.n;
            }
        }
    }

    /// Swap `candidate` into medoid position `pos` outside the search's order, given its
    /// (weighted) batch row.
    pub(crate) fn replace(&mut self, pos: usize, candidate: usize, row: &[f64]) -> Result<()> {
        if pos >= self.state.medoids.len() {
            let k = self.state.medoids.len();
            return Err(crate::error::Error::InvalidInitialMedoids(format!(
                "position {pos} is out of range for k = {k}"
            )));
        }
        self.state.replace(pos, candidate, row);
        Ok(())
    }

    /// The medoids on the batch so far.
    pub(crate) fn state(&self) -> &Assignment {
        &self.state
    }

    /// `(medoids, swaps, converged)`.
    pub(crate) fn finish(self) -> (Vec<usize>, usize, bool) {
        (self.state.medoids, self.swaps, self.outcome.unwrap_or(false))
    }
}

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
    swap(search.ctx, &mut search.state, tuning.onebatch_size, search.seed, search.max_iter, &tuning.budget)
        .map(Swaps::from)
}
