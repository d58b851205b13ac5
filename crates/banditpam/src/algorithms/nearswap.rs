//! `nearswap`: eager swaps screened on each candidate's neighbourhood, each verified exactly.
//!
//! The change of loss of swapping candidate c in for medoid i splits (FasterPAM's removal
//! loss) as
//!
//! ```text
//! delta(i, c) = R_i + sum_j min(d(c, j) - best_j, 0) - sum_{nearest_j = i} (second_j - clamp(d(c, j), best_j, second_j))
//! ```
//!
//! with `R_i` the exact removal loss of medoid i. Only the objects near c have non-zero terms
//! in the two sums. A pass visits the clusters in turn; each cluster's objects are the
//! candidates, screened on the objects of the clusters of the nearest medoids (every one, or a
//! sample of each such cluster when it is large) and on one fixed random batch for the rest of
//! the data, each sampled object standing for its share. Candidates whose estimate is
//! improving are verified in windows: their exact distance rows are computed together, and each
//! in turn is swapped in if its exact change of loss is negative. The loss therefore falls at
//! every swap, and the search ends after a pass without a swap.

use rayon::prelude::*;

use super::candidate_deltas;
use super::{Method, Search, Start, Swaps};
use crate::context::{Context, Phase};
use crate::error::Result;
use crate::memory::{self, Budget};
use crate::observer::Event;
use crate::state::Assignment;

/// How the screening samples.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Screening {
    /// Clusters whose objects screen a candidate: those of the medoids nearest to the
    /// candidate's own medoid (its own included).
    pub neighbours: usize,
    /// At most this many objects of each such cluster (a sample by priority beyond it).
    pub per_cluster: usize,
    /// The next clusters out, sampled more thinly: the candidate takes over some of their
    /// objects too, and one batch for the whole rest of the data would see them too rarely.
    pub ring: usize,
    /// At most this many objects of each ring cluster.
    pub per_ring_cluster: usize,
    /// Objects of the fixed batch that screens the rest of the data.
    pub far: usize,
    /// Candidates verified together (their exact rows computed in one pass).
    pub window: usize,
    /// Seed of the priorities that choose samples.
    pub seed: u64,
}

impl Screening {
    /// The defaults (measured on MNIST at n = 100,000, k = 100: see docs/ALGORITHMS.md).
    pub fn for_size(n: usize, k: usize) -> Self {
        let _ = (n, k);
        Screening { neighbours: 4, per_cluster: 2000, ring: 12, per_ring_cluster: 200, far: 2000, window: 16, seed: 0 }
    }
}

/// A swap must lower the loss by more than this share of it.
const TOLERANCE: f64 = 1e-9;
/// Candidates screened per block of distances.
const CANDIDATES_PER_BLOCK: usize = 256;

/// The priority of object `j` for samples: a hash of it and the seed (SplitMix64), so that
/// which objects a sample takes depends on nothing but the seed.
pub(crate) fn priority(seed: u64, j: usize) -> u64 {
    let mut z = seed ^ (j as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A reference object of a screening, with the weight it carries (its own weight times the
/// share of objects it stands for).
#[derive(Debug, Clone, Copy)]
struct Reference {
    object: usize,
    weight: f64,
    /// In one of the nearby clusters (not the far batch).
    near: bool,
}

/// Eager swaps from `state` until a pass applies none or `max_passes` passes ran. Returns
/// `(swaps, converged)`.
pub(crate) fn swap(
    ctx: &Context<'_>,
    state: &mut Assignment,
    screening: Screening,
    max_passes: usize,
    budget: &Budget,
) -> Result<(usize, bool)> {
    let (n, k) = (ctx.n(), state.medoids.len());
    if k == n {
        return Ok((0, true));
    }
    let weight = |j: usize| ctx.weights.as_deref().map_or(1.0, |w| w[j]);
    let window = screening.window.max(1);
    let mut rows = budget.vec("nearswap's verified rows (window x n)", window.saturating_mul(n), 0.0f64)?;
    let mut order: Vec<(u64, usize)> = (0..n).map(|j| (priority(screening.seed, j), j)).collect();
    order.sort_unstable();
    let far_batch: Vec<usize> = {
        let mut far: Vec<usize> = order.iter().take(screening.far.min(n)).map(|&(_, j)| j).collect();
        far.sort_unstable();
        far
    };
    let total_weight: f64 = (0..n).map(weight).sum();
    let everyone: Vec<usize> = (0..n).collect();
    let mut swaps = 0;
    for pass in 0..max_passes {
        let mut applied = 0;
        for cluster in 0..k {
            // The cluster's objects and the neighbourhood, as they are when its turn comes.
            let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
            for j in 0..n {
                members[state.nearest[j]].push(j);
            }
            let near = nearest_medoids(state, cluster, screening.neighbours + screening.ring);
            let refs = references(state, &members, &near, &far_batch, &order, screening, &weight, total_weight);
            let cands: Vec<usize> = members[cluster].iter().copied().filter(|&c| !state.is_medoid(c)).collect();
            for block in cands.chunks(CANDIDATES_PER_BLOCK) {
                let objects: Vec<usize> = refs.iter().map(|r| r.object).collect();
                let mut dists = memory::filled("nearswap's screening block", block.len() * objects.len(), 0.0)?;
                rows_against(ctx, block, &objects, &mut dists)?;
                let mut next = 0;
                while next < block.len() {
                    let promising = first_promising(state, &refs, &dists, block, next, window);
                    let Some(&last) = promising.last() else { break };
                    let found: Vec<usize> = promising.iter().map(|&p| block[p]).collect();
                    rows_against(ctx, &found, &everyone, &mut rows[..found.len() * n])?;
                    let mut deltas = vec![0.0; k];
                    for (t, &c) in found.iter().enumerate() {
                        if state.is_medoid(c) {
                            continue;
                        }
                        let row = &rows[t * n..(t + 1) * n];
                        candidate_deltas(state, row, &mut deltas);
                        let (delta, pos) = super::best_position(&deltas);
                        if delta < -TOLERANCE * state.loss() {
                            state.replace(pos, c, row);
                            swaps += 1;
                            applied += 1;
                        }
                    }
                    next = last + 1;
                    ctx.check_interrupted()?;
                }
            }
        }
        ctx.report(Event::SwapStep {
            iteration: pass + 1,
            swaps,
            loss: state.loss(),
            distance_evaluations: ctx.counts().total(),
        });
        if applied == 0 {
            return Ok((swaps, true));
        }
    }
    Ok((swaps, false))
}

/// The positions of the `count` medoids nearest to the medoid at `cluster` (itself first).
fn nearest_medoids(state: &Assignment, cluster: usize, count: usize) -> Vec<usize> {
    let m = state.medoids[cluster];
    let mut by_distance: Vec<(f64, usize)> =
        (0..state.medoids.len()).map(|i| (if i == cluster { -1.0 } else { state.row(i)[m] }, i)).collect();
    by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    by_distance.into_iter().take(count.max(1)).map(|(_, i)| i).collect()
}

/// The screening references of a cluster: the objects of the `near` clusters (a sample by
/// priority of each one larger than `per_cluster`), then the far batch's objects outside them,
/// each weighted by the share it stands for. In object order.
#[allow(clippy::too_many_arguments)]
fn references(
    state: &Assignment,
    members: &[Vec<usize>],
    near: &[usize],
    far_batch: &[usize],
    order: &[(u64, usize)],
    screening: Screening,
    weight: &impl Fn(usize) -> f64,
    total_weight: f64,
) -> Vec<Reference> {
    let _ = order;
    let mut refs = Vec::new();
    let mut near_weight = 0.0;
    for (rank, &b) in near.iter().enumerate() {
        let cap = if rank < screening.neighbours { screening.per_cluster } else { screening.per_ring_cluster };
        let cluster = &members[b];
        let all: f64 = cluster.iter().map(|&j| weight(j)).sum();
        near_weight += all;
        if cluster.len() <= cap {
            refs.extend(cluster.iter().map(|&j| Reference { object: j, weight: weight(j), near: true }));
        } else {
            let mut sampled: Vec<(u64, usize)> = cluster.iter().map(|&j| (priority(screening.seed, j), j)).collect();
            sampled.select_nth_unstable(cap - 1);
            sampled.truncate(cap);
            let taken: f64 = sampled.iter().map(|&(_, j)| weight(j)).sum();
            let share = if taken > 0.0 { all / taken } else { 0.0 };
            refs.extend(sampled.iter().map(|&(_, j)| Reference { object: j, weight: weight(j) * share, near: true }));
        }
    }
    let far: Vec<usize> = far_batch.iter().copied().filter(|&j| !near.contains(&state.nearest[j])).collect();
    let far_weight: f64 = far.iter().map(|&j| weight(j)).sum();
    if far_weight > 0.0 {
        let share = ((total_weight - near_weight) / far_weight).max(0.0);
        refs.extend(far.iter().map(|&j| Reference { object: j, weight: weight(j) * share, near: false }));
    }
    refs.sort_by_key(|r| r.object);
    refs
}

/// Distances from `cands` to `objects` into `dists` (row-major, `cands.len()` rows), in
/// parallel tasks over tiles of the objects: every task computes all candidates against its
/// tile, so each object's row is prepared once per block rather than once per task of
/// candidates.
pub(crate) fn rows_against(ctx: &Context<'_>, cands: &[usize], objects: &[usize], dists: &mut [f64]) -> Result<()> {
    const OBJECTS_PER_TASK: usize = 512;
    let width = objects.len();
    if width == 0 || cands.is_empty() {
        return Ok(());
    }
    let tiles: Vec<Result<Vec<f64>>> = objects
        .par_chunks(OBJECTS_PER_TASK)
        .map(|tile| {
            let mut out = memory::filled("a block of candidate rows", cands.len() * tile.len(), 0.0)?;
            ctx.block(Phase::Swap, cands, tile, &mut out)?;
            Ok(out)
        })
        .collect();
    for (t, tile) in tiles.into_iter().enumerate() {
        let tile = tile?;
        let start = t * OBJECTS_PER_TASK;
        let len = tile.len() / cands.len();
        for (row, values) in dists.chunks_exact_mut(width).zip(tile.chunks_exact(len)) {
            row[start..start + len].copy_from_slice(values);
        }
    }
    Ok(())
}

/// Positions (from `from` on, at most `window`) of the block's candidates whose estimated
/// change of loss is below the tolerance.
fn first_promising(
    state: &Assignment,
    refs: &[Reference],
    dists: &[f64],
    block: &[usize],
    from: usize,
    window: usize,
) -> Vec<usize> {
    let k = state.medoids.len();
    let mut removal = vec![0.0; k];
    for j in 0..state.best.len() {
        let w = state.weights.as_deref().map_or(1.0, |w| w[j]);
        removal[state.nearest[j]] += w * (state.second[j] - state.best[j]);
    }
    let threshold = -TOLERANCE * state.loss();
    let width = refs.len();
    let estimates: Vec<bool> = (from..block.len())
        .into_par_iter()
        .map(|p| {
            let row = &dists[p * width..(p + 1) * width];
            let mut shared = 0.0;
            let mut saved = vec![0.0; k];
            for (r, &d) in refs.iter().zip(row) {
                let j = r.object;
                let (best, second) = (state.best[j], state.second[j]);
                shared += r.weight * (d - best).min(0.0);
                if !r.near && k > 1 {
                    // A far cluster's objects rarely move to c; one sampled object standing for
                    // many would make the least of the k estimates a lottery winner.
                    continue;
                }
                saved[state.nearest[j]] +=
                    if k == 1 { r.weight * (d - best).max(0.0) } else { r.weight * (second - d.max(best).min(second)) };
            }
            if k == 1 {
                // No second medoid: the one medoid's own part is the whole change.
                return shared + saved[0] < threshold;
            }
            (0..k).any(|i| shared + removal[i] - saved[i] < threshold)
        })
        .collect();
    estimates.iter().enumerate().filter(|(_, &ok)| ok).map(|(p, _)| from + p).take(window).collect()
}

/// nearswap: OneBatchPAM's start, then eager swaps screened near each candidate, verified exactly.
pub(crate) const METHOD: Method = Method {
    name: "nearswap",
    aliases: &[],
    start: Start::OneBatch,
    bandit_build: false,
    samples_references: false,
    wants_matrix: false,
    fixed_order: true,
    sharded: true,
    swap: run,
};

fn run(search: &mut Search<'_, '_>) -> Result<Swaps> {
    let tuning = search.tuning;
    let screening = Screening { seed: search.seed, ..tuning.screening };
    swap(search.ctx, &mut search.state, screening, search.max_iter, &tuning.budget).map(Swaps::from)
}
