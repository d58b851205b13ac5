//! Best-arm identification shared by the BUILD and SWAP steps of BanditPAM and BanditPAM++.
//!
//! Each arm is a candidate object carrying `width` estimates (1 in BUILD; k in SWAP, one per
//! medoid position: BanditPAM++'s virtual arms). All estimates of a candidate come from the same
//! distances, so a candidate's distance to a reference is computed once for all its arms.
//! References are read in batches in the order [`References`] gives; the first batch (the sigma
//! sample) also fixes each arm's spread, and its samples count in the means.

mod references;

pub(crate) use references::References;

use std::ops::Range;

use rayon::prelude::*;

use crate::context::{Context, Phase};
use crate::error::{Error, Result};
use crate::memory;

/// Candidates whose estimates one parallel task updates.
const CANDIDATES_PER_TASK: usize = 256;

/// How one step samples and eliminates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BanditSettings {
    /// The `confidence` of the radius `sigma * sqrt((confidence + ln n) / T)`.
    pub confidence: f64,
    /// References per batch.
    pub batch_size: usize,
    /// References of the first batch, from which sigma is estimated (a multiple of the batch).
    pub sigma_sample: usize,
    /// Every sigma is raised to at least this share of the median sigma.
    pub sigma_floor: f64,
}

/// The per-reference terms of a candidate's arms.
pub(crate) trait Arms: Sync {
    /// Estimates per candidate.
    fn width(&self) -> usize;

    /// Add the terms of one candidate on `refs` (with `dists[b]` its distance to `refs[b]`) to
    /// `sum` and `sum_sq` (each `width` long, zero on entry), in reference order.
    fn accumulate(&self, refs: &[usize], dists: &[f64], sum: &mut [f64], sum_sq: &mut [f64]);

    /// The part of the mean of arm `w` (of every candidate) that is known without sampling:
    /// an arm's mean is this plus the mean of its sampled terms. A control variate: what is
    /// known exactly need not be estimated from the few references that carry it.
    fn known_mean(&self, w: usize) -> f64 {
        let _ = w;
        0.0
    }
}

/// What the searches of a fit know of each object's arms: the sums of its terms over the prefix
/// `0..taken[c]` of the reference order.
///
/// With a fixed order (BanditPAM++) this survives from one step to the next: a step changes the
/// terms of only the references whose nearest or second-nearest medoid it changed (a few per
/// cent of them at large k), so [`ArmMemory::refresh`] swaps those terms out and in, and the
/// next step starts from every estimate the last one paid for. Arms that were computed exactly
/// stay exact for the price of the changed references; without this, every step at large k read
/// about n^2 distances again, because many arms sit close to the best and survive to the end.
/// With a new order every step (BanditPAM) each step starts from nothing.
pub(crate) struct ArmMemory {
    width: usize,
    keep: bool,
    taken: Vec<usize>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl ArmMemory {
    /// No estimates yet, for `n` objects of `width` arms each; `keep`: carried across steps.
    ///
    /// Errors: [`crate::Error::OutOfMemory`] when the n x width sums cannot be had.
    pub fn new(n: usize, width: usize, keep: bool) -> Result<Self> {
        const WHAT: &str = "the bandit's arm estimates (objects x k)";
        Ok(ArmMemory {
            width,
            keep,
            taken: memory::filled(WHAT, n, 0)?,
            sum: memory::filled(WHAT, n.saturating_mul(width), 0.0)?,
            sum_sq: memory::filled(WHAT, n.saturating_mul(width), 0.0)?,
        })
    }

    /// Drop what is known of object `c` (it became a medoid, or its sums are to be redone).
    pub fn forget(&mut self, c: usize) {
        self.taken[c] = 0;
        self.sum[c * self.width..(c + 1) * self.width].fill(0.0);
        self.sum_sq[c * self.width..(c + 1) * self.width].fill(0.0);
    }

    /// Drop everything: the terms of every reference changed.
    pub fn forget_all(&mut self) {
        for c in 0..self.taken.len() {
            if self.taken[c] > 0 {
                self.forget(c);
            }
        }
    }

    /// Bring the kept sums up to date after the assignment changed on the references `changed`:
    /// for every object, the terms of the changed references inside its prefix are taken out
    /// as `old` computes them and put back as `new` does. Each object is updated on its own,
    /// so the result does not depend on the number of threads.
    pub fn refresh(
        &mut self,
        ctx: &Context<'_>,
        refs: &References,
        phase: Phase,
        changed: &[usize],
        old: &impl Arms,
        new: &impl Arms,
    ) -> Result<()> {
        if !self.keep {
            return Ok(());
        }
        let mut by_position: Vec<(usize, usize)> = changed.iter().map(|&j| (refs.position(j), j)).collect();
        by_position.sort_unstable();
        let (positions, objects): (Vec<usize>, Vec<usize>) = by_position.into_iter().unzip();
        let width = self.width;
        let chunk = CANDIDATES_PER_TASK;
        let outcomes: Vec<Result<()>> = self
            .taken
            .par_chunks(chunk)
            .zip(self.sum.par_chunks_mut(chunk * width))
            .zip(self.sum_sq.par_chunks_mut(chunk * width))
            .enumerate()
            .map(|(task, ((taken, sum), sum_sq))| {
                let mut dists = Vec::new();
                let mut terms = vec![0.0; 4 * width];
                for (o, &t) in taken.iter().enumerate() {
                    let inside = positions.partition_point(|&p| p < t);
                    if inside == 0 {
                        continue;
                    }
                    dists.resize(inside, 0.0);
                    let c = task * chunk + o;
                    refs.read_positions(ctx, phase, c, &positions[..inside], &objects[..inside], &mut dists)?;
                    terms.fill(0.0);
                    let (old_terms, new_terms) = terms.split_at_mut(2 * width);
                    let (old_sum, old_sq) = old_terms.split_at_mut(width);
                    let (new_sum, new_sq) = new_terms.split_at_mut(width);
                    old.accumulate(&objects[..inside], &dists, old_sum, old_sq);
                    new.accumulate(&objects[..inside], &dists, new_sum, new_sq);
                    for w in 0..width {
                        sum[o * width + w] += new_sum[w] - old_sum[w];
                        sum_sq[o * width + w] += new_sq[w] - old_sq[w];
                    }
                }
                Ok(())
            })
            .collect();
        outcomes.into_iter().collect()
    }
}

/// One step's search: where its distances come from, and what its arms are.
struct Step<'s, 'c, A> {
    ctx: &'s Context<'c>,
    phase: Phase,
    cands: &'s [usize],
    arms: &'s A,
}

/// The position in `cands` of the candidate owning the arm with the smallest mean term (ties:
/// lower candidate position, then lower arm), computing exactly the survivors of the
/// elimination. Starts from what `memory` knows and leaves there what it learnt.
pub(crate) fn best_arm(
    ctx: &Context<'_>,
    refs: &mut References,
    phase: Phase,
    cands: &[usize],
    arms: &impl Arms,
    settings: BanditSettings,
    memory: &mut ArmMemory,
) -> Result<usize> {
    if !memory.keep {
        memory.forget_all();
    }
    let step = Step { ctx, phase, cands, arms };
    let n = ctx.n();
    let width = arms.width();
    debug_assert_eq!(width, memory.width);
    let total = cands.len() * width;

    // First batch: the sigma sample, whose terms also count in the means.
    let mut first = settings.sigma_sample.clamp(1, n);
    if first + settings.batch_size >= n {
        first = n;
    }
    let all: Vec<usize> = (0..cands.len()).collect();
    step.pull_to(refs, &all, first, memory)?;
    // Each arm's spread is estimated again every round from every term read so far: at large
    // k an arm's terms are mostly zero with rare large ones, so a spread from the first sample
    // alone comes out far too small (often 0) and the arm's mean looks exact long before it is
    // (docs/ALGORITHMS.md, "Running sigma"). The floor comes from the first sample's median.
    let floor = if first < n { settings.sigma_floor * median_sigma(memory, cands)? } else { 0.0 };

    // Arm `i` is arm `i % width` of candidate `cands[i / width]`.
    let mut live = memory::filled("the bandit's live arms (candidates x k)", total, 0usize)?;
    live.iter_mut().enumerate().for_each(|(i, slot)| *slot = i);
    // The radius counts every arm of the step: n candidates carry k virtual arms each in SWAP.
    let log_arms = (n as f64 * width as f64).ln();
    let known: Vec<f64> = (0..width).map(|w| arms.known_mean(w)).collect();
    let bound = |memory: &ArmMemory, i: usize, side: f64| {
        let c = cands[i / width];
        let t = memory.taken[c];
        let sampled = memory.sum[c * width + i % width] / t as f64;
        let mean = known[i % width] + sampled;
        if t >= n {
            mean
        } else {
            let spread = (memory.sum_sq[c * width + i % width] / t as f64 - sampled * sampled).max(0.0).sqrt();
            mean + side * spread.max(floor) * ((settings.confidence + log_arms) / t as f64).sqrt()
        }
    };
    loop {
        let upper = live.iter().map(|&i| bound(memory, i, 1.0)).fold(f64::INFINITY, f64::min);
        live.retain(|&i| bound(memory, i, -1.0) <= upper);
        if live.len() <= 1 {
            break;
        }
        // The least-read live candidates get the next batch.
        let Some(lowest) = live.iter().map(|&i| memory.taken[cands[i / width]]).filter(|&t| t < n).min() else {
            break;
        };
        let next = if lowest + 2 * settings.batch_size > n { n } else { lowest + settings.batch_size };
        step.pull_to(refs, &owners(&live, width), next, memory)?;
    }

    // The survivors, exactly: the rest of the references for every live candidate.
    let survivors = owners(&live, width);
    step.pull_to(refs, &survivors, n, memory)?;
    let mean =
        |memory: &ArmMemory, i: usize| known[i % width] + memory.sum[cands[i / width] * width + i % width] / n as f64;
    let best = |memory: &ArmMemory, arms: &[usize]| {
        arms.iter().fold(
            (usize::MAX, f64::INFINITY),
            |acc, &i| if mean(memory, i) < acc.1 { (i, mean(memory, i)) } else { acc },
        )
    };
    let (winner, winning_mean) = best(memory, &live);
    if winner == usize::MAX {
        // Every estimate is infinite or NaN: sums of distances near 1e308 overflow f64.
        let weighted = ctx.weights.is_some();
        return Err(Error::LossOverflow { what: "the bandit's estimates of its sums of distances".into(), weighted });
    }
    if !memory.keep || survivors.len() <= 1 {
        return Ok(winner / width);
    }
    // Kept sums carry rounding from their updates, so arms within rounding of the best (equal
    // objects, above all) are summed afresh, the same way, and the tie goes to the lower
    // position as it would without memory.
    let scale = (memory.sum_sq[cands[winner / width] * width + winner % width] / n as f64).sqrt();
    let near = winning_mean + 1e-9 * scale.max(winning_mean.abs());
    let tied: Vec<usize> = live.iter().copied().filter(|&i| mean(memory, i) <= near).collect();
    let tied_owners = owners(&tied, width);
    if tied_owners.len() <= 1 {
        return Ok(winner / width);
    }
    for &a in &tied_owners {
        memory.forget(cands[a]);
    }
    step.pull_to(refs, &tied_owners, n, memory)?;
    Ok(best(memory, &tied).0 / width)
}

/// The candidates (positions, ascending, once each) owning the arms `arms` (ascending).
fn owners(arms: &[usize], width: usize) -> Vec<usize> {
    let mut out: Vec<usize> = arms.iter().map(|&i| i / width).collect();
    out.dedup();
    out
}

/// The median spread of every arm's terms read so far.
fn median_sigma(memory: &ArmMemory, cands: &[usize]) -> Result<f64> {
    let width = memory.width;
    let mut sigma = memory::filled("the bandit's arm spreads (candidates x k)", cands.len() * width, 0.0)?;
    for (a, &c) in cands.iter().enumerate() {
        let t = memory.taken[c] as f64;
        for w in 0..width {
            let mean = memory.sum[c * width + w] / t;
            sigma[a * width + w] = (memory.sum_sq[c * width + w] / t - mean * mean).max(0.0).sqrt();
        }
    }
    if sigma.is_empty() {
        return Ok(0.0);
    }
    let middle = sigma.len() / 2;
    Ok(*sigma.select_nth_unstable_by(middle, f64::total_cmp).1)
}

impl<A: Arms> Step<'_, '_, A> {
    /// Read every candidate at positions `listed` up to reference `target`: each one's terms
    /// of the references from where its sums stop to `target`.
    fn pull_to(&self, refs: &mut References, listed: &[usize], target: usize, memory: &mut ArmMemory) -> Result<()> {
        let mut behind: Vec<(usize, usize)> =
            listed.iter().map(|&a| (memory.taken[self.cands[a]], a)).filter(|&(taken, _)| taken < target).collect();
        behind.sort_unstable();
        for group in behind.chunk_by(|x, y| x.0 == y.0) {
            let live: Vec<usize> = group.iter().map(|&(_, a)| a).collect();
            self.pull(refs, &live, group[0].0..target, memory)?;
        }
        Ok(())
    }

    /// Add the terms of the references at `range` for the candidates at positions `live`, whose
    /// sums all stop at `range.start`.
    fn pull(&self, refs: &mut References, live: &[usize], range: Range<usize>, memory: &mut ArmMemory) -> Result<()> {
        let width = memory.width;
        let reader: &References = refs;
        let objects = reader.objects(range.clone());
        // Per task: each candidate's new sums, then its new sums of squares, `width` each.
        let updates: Vec<Result<(Vec<f64>, Vec<references::Fresh>)>> = live
            .par_chunks(CANDIDATES_PER_TASK)
            .map(|chunk| {
                let ids: Vec<usize> = chunk.iter().map(|&a| self.cands[a]).collect();
                let mut dists = vec![0.0; ids.len() * objects.len()];
                let fresh = reader.read(self.ctx, self.phase, &ids, range.clone(), &mut dists)?;
                let mut sums = vec![0.0; 2 * width * ids.len()];
                for (row, out) in dists.chunks_exact(objects.len().max(1)).zip(sums.chunks_exact_mut(2 * width)) {
                    let (sum, sum_sq) = out.split_at_mut(width);
                    self.arms.accumulate(objects, row, sum, sum_sq);
                }
                Ok((sums, fresh))
            })
            .collect();
        let mut positions = live.iter();
        for part in updates {
            let (sums, fresh) = part?;
            refs.store(fresh);
            for out in sums.chunks_exact(2 * width) {
                let c = self.cands[*positions.next().expect("one update per live candidate")];
                for w in 0..width {
                    memory.sum[c * width + w] += out[w];
                    memory.sum_sq[c * width + w] += out[width + w];
                }
                memory.taken[c] = range.end;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{DenseData, Dissimilarity};
    use crate::metric::Metric;
    use crate::observer::Silent;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Two arms per candidate: its mean distance, and its mean distance beyond 0.5.
    struct TwoArms;

    impl Arms for TwoArms {
        fn width(&self) -> usize {
            2
        }

        fn accumulate(&self, _: &[usize], dists: &[f64], sum: &mut [f64], sum_sq: &mut [f64]) {
            for &d in dists {
                let terms = [d, (d - 0.5).max(0.0) - 0.3];
                for w in 0..2 {
                    sum[w] += terms[w];
                    sum_sq[w] += terms[w] * terms[w];
                }
            }
        }
    }

    /// The exact answer: the candidate whose smaller arm mean is lowest.
    fn brute_force(data: &DenseData<'_, f64>, cands: &[usize]) -> usize {
        let n = data.n();
        let all: Vec<usize> = (0..n).collect();
        let mut row = vec![0.0; n];
        let mut best = (f64::INFINITY, 0);
        for (pos, &c) in cands.iter().enumerate() {
            data.block(&[c], &all, &mut row).unwrap();
            let (mut sum, mut sq) = ([0.0; 2], [0.0; 2]);
            TwoArms.accumulate(&all, &row, &mut sum, &mut sq);
            let mean = sum[0].min(sum[1]) / n as f64;
            if mean < best.0 {
                best = (mean, pos);
            }
        }
        best.1
    }

    #[test]
    fn finds_the_exact_best_arm_while_eliminating() {
        for seed in 0..5 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let n = 600;
            let values: Vec<f64> = (0..n * 3).map(|_| rng.random::<f64>()).collect();
            let data = DenseData::new(&values, n, 3, Metric::L2).unwrap();
            let ctx = Context::new(&data, &Silent);
            let cands: Vec<usize> = (0..n).step_by(3).collect();
            let settings = BanditSettings { confidence: 5.0, batch_size: 20, sigma_sample: 40, sigma_floor: 0.0 };
            let mut refs = References::new(n, true, 0, 20, ChaCha8Rng::seed_from_u64(seed)).unwrap();
            let mut memory = ArmMemory::new(n, 2, true).unwrap();
            let found = best_arm(&ctx, &mut refs, Phase::Swap, &cands, &TwoArms, settings, &mut memory).unwrap();
            assert_eq!(found, brute_force(&data, &cands), "seed {seed}");
            // Elimination did its job: far fewer distances than every candidate on every reference.
            assert!(ctx.counts().swap < (cands.len() * n / 2) as u64, "seed {seed}: {:?}", ctx.counts());
        }
    }

    /// Arms whose terms depend on a per-reference value, as SWAP's depend on the assignment.
    struct Shifted<'a>(&'a [f64]);

    impl Arms for Shifted<'_> {
        fn width(&self) -> usize {
            2
        }

        fn accumulate(&self, refs: &[usize], dists: &[f64], sum: &mut [f64], sum_sq: &mut [f64]) {
            for (&j, &d) in refs.iter().zip(dists) {
                let terms = [d - self.0[j], (d * self.0[j]).min(0.3)];
                for w in 0..2 {
                    sum[w] += terms[w];
                    sum_sq[w] += terms[w] * terms[w];
                }
            }
        }
    }

    #[test]
    fn refreshed_sums_equal_sums_read_afresh() {
        let n = 500;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let values: Vec<f64> = (0..n * 2).map(|_| rng.random::<f64>()).collect();
        let data = DenseData::new(&values, n, 2, Metric::L2).unwrap();
        let ctx = Context::new(&data, &Silent);
        let cands: Vec<usize> = (0..n).filter(|c| c % 7 != 0).collect();
        let settings = BanditSettings { confidence: 1.0, batch_size: 25, sigma_sample: 50, sigma_floor: 0.0 };
        // A cache narrower than n, so the refresh mixes cached and computed distances.
        let mut refs = References::new(n, true, 200, 25, ChaCha8Rng::seed_from_u64(1)).unwrap();
        let before: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        let mut kept = ArmMemory::new(n, 2, true).unwrap();
        best_arm(&ctx, &mut refs, Phase::Swap, &cands, &Shifted(&before), settings, &mut kept).unwrap();
        let taken = kept.taken.clone();
        assert!(taken.contains(&n) && taken.iter().any(|&t| t > 0 && t < n));
        // A quarter of the references change.
        let after: Vec<f64> = before.iter().enumerate().map(|(j, &v)| if j % 4 == 1 { v + 0.5 } else { v }).collect();
        let changed: Vec<usize> = (0..n).filter(|j| j % 4 == 1).collect();
        kept.refresh(&ctx, &refs, Phase::Swap, &changed, &Shifted(&before), &Shifted(&after)).unwrap();
        // The same prefixes, read from nothing under the new terms.
        let mut fresh = ArmMemory::new(n, 2, true).unwrap();
        let step = Step { ctx: &ctx, phase: Phase::Swap, cands: &cands, arms: &Shifted(&after) };
        for (a, &c) in cands.iter().enumerate() {
            step.pull_to(&mut refs, &[a], taken[c], &mut fresh).unwrap();
        }
        assert_eq!(fresh.taken, kept.taken);
        for i in 0..n * 2 {
            assert!((fresh.sum[i] - kept.sum[i]).abs() <= 1e-9 * (1.0 + fresh.sum[i].abs()), "{i}");
            assert!((fresh.sum_sq[i] - kept.sum_sq[i]).abs() <= 1e-9 * (1.0 + fresh.sum_sq[i].abs()), "{i}");
        }
        // Forgetting an object clears it.
        kept.forget(cands[0]);
        assert_eq!((kept.taken[cands[0]], kept.sum[cands[0] * 2]), (0, 0.0));
    }

    #[test]
    fn small_data_is_exact_at_once() {
        let values: Vec<f64> = (0..30).map(|v| ((v * 7) % 30) as f64 / 30.0).collect();
        let data = DenseData::new(&values, 30, 1, Metric::L1).unwrap();
        let ctx = Context::new(&data, &Silent);
        let cands: Vec<usize> = (0..30).collect();
        let settings = BanditSettings { confidence: 0.0, batch_size: 100, sigma_sample: 100, sigma_floor: 0.0 };
        let mut refs = References::new(30, true, 0, 100, ChaCha8Rng::seed_from_u64(0)).unwrap();
        let mut memory = ArmMemory::new(30, 2, false).unwrap();
        let found = best_arm(&ctx, &mut refs, Phase::Build, &cands, &TwoArms, settings, &mut memory).unwrap();
        assert_eq!(found, brute_force(&data, &cands));
        assert_eq!(ctx.counts().build, 30 * 30);
    }
}
