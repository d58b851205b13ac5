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
use crate::context::{Context, Phase};
use crate::data::Dissimilarity;
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
const CANDIDATES_PER_TASK: usize = 16;
/// Rows of the block computed per parallel task.
const ROWS_PER_TASK: usize = 64;

/// The default batch size: `100 ln(n k)`, within `[k, n]`.
pub(crate) fn default_batch_size(n: usize, k: usize) -> usize {
    let estimate = (100.0 * ((n * k).max(2) as f64).ln()) as usize;
    estimate.max(k).min(n)
}

/// The weighted n x m block of distances from every object to the batch, in `f32`.
struct Batch {
    m: usize,
    values: Vec<f32>,
}

impl Batch {
    fn new<D: Dissimilarity + ?Sized>(ctx: &Context<'_, D>, batch: &[usize], budget: &Budget) -> Result<Self> {
        let (n, m) = (ctx.n(), batch.len());
        let mut values = budget.vec("the OneBatchPAM block (n x batch size f32)", n.saturating_mul(m), 0.0f32)?;
        // Distances go into f32 as they are; only if some do not fit (beyond 3.4e38, or below
        // f32's normal range) is the block computed again, scaled by a power of two that brings
        // the largest into range. The swaps compare differences of sums, which scaling keeps.
        let (largest, smallest) = Self::fill(ctx, batch, &mut values, 1.0)?;
        if !(largest as f32).is_finite() || (smallest > 0.0 && !(smallest as f32).is_normal()) {
            let scale = 2f64.powi(-(largest.log2().floor() as i32));
            Self::fill(ctx, batch, &mut values, scale)?;
        }
        // Each object votes for its nearest batch member (the first on ties), with its weight.
        let mut weights = vec![0.0f64; m];
        for (i, row) in values.chunks_exact(m).enumerate() {
            let nearest =
                row.iter().enumerate().fold((0, f32::INFINITY), |b, (j, &v)| if v < b.1 { (j, v) } else { b });
            weights[nearest.0] += ctx.weights.as_deref().map_or(1.0, |w| w[i]);
        }
        let mean = weights.iter().sum::<f64>() / m as f64;
        let weights: Vec<f32> = weights.iter().map(|w| (w / mean) as f32).collect();
        values.par_chunks_mut(m).for_each(|row| row.iter_mut().zip(&weights).for_each(|(v, w)| *v *= w));
        Ok(Batch { m, values })
    }

    /// The block of `batch` for every object into `values`, times `scale`, in parallel; returns
    /// the largest and the smallest positive distance seen.
    fn fill<D: Dissimilarity + ?Sized>(
        ctx: &Context<'_, D>,
        batch: &[usize],
        values: &mut [f32],
        scale: f64,
    ) -> Result<(f64, f64)> {
        let (n, m) = (ctx.n(), batch.len());
        let cands: Vec<usize> = (0..n).collect();
        let ranges = values.par_chunks_mut(ROWS_PER_TASK * m).zip(cands.par_chunks(ROWS_PER_TASK)).map(
            |(out, chunk)| -> Result<(f64, f64)> {
                let mut block = vec![0.0; chunk.len() * m];
                ctx.block(Phase::Swap, chunk, batch, &mut block)?;
                let (mut largest, mut smallest) = (0.0f64, f64::INFINITY);
                for (slot, &v) in out.iter_mut().zip(&block) {
                    *slot = (v * scale) as f32;
                    largest = largest.max(v);
                    if v > 0.0 {
                        smallest = smallest.min(v);
                    }
                }
                Ok((largest, smallest))
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

/// OneBatchPAM from the medoids of `state` with a batch of `batch_size` objects drawn with
/// `seed`; at most `max_passes` passes over the candidates. Leaves the exact assignment of the
/// medoids found in `state` and reports it as one SWAP event (the search's own losses are
/// estimates, and events carry exact losses). Returns the swaps applied, and whether the last
/// pass found no improving swap.
pub(crate) fn swap<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
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
fn search<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
    initial: &[usize],
    batch_size: usize,
    seed: u64,
    max_passes: usize,
    budget: &Budget,
) -> Result<(Vec<usize>, usize, bool)> {
    let n = ctx.n();
    let k = initial.len();
    // A stream of its own, so the batch does not depend on how the initial medoids were drawn.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6f6e_6562_6174_6368);
    let batch = rand::seq::index::sample(&mut rng, n, batch_size.clamp(1, n)).into_vec();
    let block = Batch::new(ctx, &batch, budget)?;
    let m = block.m;
    let mut state = Assignment::empty(m);
    let mut row = vec![0.0; m];
    for &medoid in initial {
        block.row(medoid, &mut row);
        state.push(medoid, &row)?;
    }
    if k == n {
        return Ok((state.medoids, 0, true));
    }
    let mut swaps = 0;
    let mut last_swap: Option<usize> = None;
    let mut next = 0;
    for _ in 0..max_passes {
        let pass_end = next + n;
        while next < pass_end {
            let cands: Vec<usize> = (next..(next + SPECULATION).min(pass_end)).map(|c| c % n).collect();
            let current = &state;
            // Relative tolerance (as the authors'): gains below it are rounding of the f32 block.
            let threshold = -TOLERANCE * current.loss();
            // The first improving swap among these candidates, scored against the same medoids.
            let found = cands
                .par_chunks(CANDIDATES_PER_TASK)
                .map(|chunk| {
                    let mut row = vec![0.0; m];
                    let mut deltas = vec![0.0; k];
                    for (offset, &c) in chunk.iter().enumerate() {
                        if last_swap == Some(c) {
                            return Some((offset, None));
                        }
                        if current.is_medoid(c) {
                            continue;
                        }
                        block.row(c, &mut row);
                        candidate_deltas(current, &row, &mut deltas);
                        let (delta, pos) = best_position(&deltas);
                        if delta < threshold {
                            return Some((offset, Some(pos)));
                        }
                    }
                    None
                })
                .collect::<Vec<_>>()
                .into_iter()
                .enumerate()
                .find_map(|(task, hit)| hit.map(|(offset, pos)| (task * CANDIDATES_PER_TASK + offset, pos)));
            match found {
                // Back at the last candidate swapped in, with no swap since: a local optimum.
                Some((_, None)) => return Ok((state.medoids, swaps, true)),
                Some((index, Some(pos))) => {
                    let c = cands[index];
                    block.row(c, &mut row);
                    state.replace(pos, c, &row);
                    swaps += 1;
                    last_swap = Some(c);
                    next += index + 1;
                }
                None => next += cands.len(),
            }
            ctx.check_interrupted()?;
        }
        if last_swap.is_none() {
            return Ok((state.medoids, swaps, true));
        }
    }
    Ok((state.medoids, swaps, false))
}
