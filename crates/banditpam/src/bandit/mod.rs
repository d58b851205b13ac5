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
use crate::data::Dissimilarity;
use crate::error::Result;
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
}

/// Running estimates of every candidate's arms.
struct Estimates {
    width: usize,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
    sigma: Vec<f64>,
    alive: Vec<bool>,
}

impl Estimates {
    fn candidate_alive(&self, a: usize) -> bool {
        self.alive[a * self.width..(a + 1) * self.width].iter().any(|&x| x)
    }
}

/// One step's search: where its distances come from, and what its arms are.
struct Step<'s, 'c, D: ?Sized, A> {
    ctx: &'s Context<'c, D>,
    phase: Phase,
    cands: &'s [usize],
    arms: &'s A,
}

/// The position in `cands` of the candidate owning the arm with the smallest mean term (ties:
/// lower candidate position, then lower arm), computing exactly the survivors of the
/// elimination.
pub(crate) fn best_arm<D: Dissimilarity + ?Sized>(
    ctx: &Context<'_, D>,
    refs: &mut References,
    phase: Phase,
    cands: &[usize],
    arms: &impl Arms,
    settings: BanditSettings,
) -> Result<usize> {
    let step = Step { ctx, phase, cands, arms };
    let n = ctx.n();
    let width = arms.width();
    let total = cands.len() * width;
    const WHAT: &str = "the bandit's arm estimates (candidates x k)";
    let mut est = Estimates {
        width,
        sum: memory::filled(WHAT, total, 0.0)?,
        sum_sq: memory::filled(WHAT, total, 0.0)?,
        sigma: memory::filled(WHAT, total, 0.0)?,
        alive: memory::filled(WHAT, total, true)?,
    };

    // First batch: the sigma sample, whose terms also count in the means.
    let mut t = settings.sigma_sample.clamp(1, n);
    if t + settings.batch_size >= n {
        t = n;
    }
    let all: Vec<usize> = (0..cands.len()).collect();
    step.pull(refs, &all, 0..t, &mut est)?;
    if t < n {
        estimate_sigma(&mut est, t, settings.sigma_floor);
    }

    let log_n = (n as f64).ln();
    while t < n {
        let radius = |sigma: f64| sigma * ((settings.confidence + log_n) / t as f64).sqrt();
        let upper = (0..total)
            .filter(|&i| est.alive[i])
            .map(|i| est.sum[i] / t as f64 + radius(est.sigma[i]))
            .fold(f64::INFINITY, f64::min);
        let mut survivors = 0;
        for i in 0..total {
            if est.alive[i] {
                est.alive[i] = est.sum[i] / t as f64 - radius(est.sigma[i]) <= upper;
                survivors += usize::from(est.alive[i]);
            }
        }
        if survivors <= 1 {
            break;
        }
        let next = if t + 2 * settings.batch_size > n { n } else { t + settings.batch_size };
        let live: Vec<usize> = (0..cands.len()).filter(|&a| est.candidate_alive(a)).collect();
        step.pull(refs, &live, t..next, &mut est)?;
        t = next;
    }

    // The survivors, exactly: the rest of the references for every live candidate.
    if t < n {
        let live: Vec<usize> = (0..cands.len()).filter(|&a| est.candidate_alive(a)).collect();
        step.pull(refs, &live, t..n, &mut est)?;
    }
    let (mut best, mut best_mean) = (0, f64::INFINITY);
    for i in (0..total).filter(|&i| est.alive[i]) {
        let mean = est.sum[i] / n as f64;
        if mean < best_mean {
            (best, best_mean) = (i, mean);
        }
    }
    Ok(best / width)
}

/// Sigma of every arm from its first `t` terms, raised to `floor` x the median sigma: with few
/// non-zero terms (late BUILD steps) the best arm's spread can come out far too small and the
/// arm would be dropped.
fn estimate_sigma(est: &mut Estimates, t: usize, floor: f64) {
    let t = t as f64;
    for i in 0..est.sum.len() {
        let mean = est.sum[i] / t;
        est.sigma[i] = (est.sum_sq[i] / t - mean * mean).max(0.0).sqrt();
    }
    let mut sorted = est.sigma.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    for s in &mut est.sigma {
        *s = s.max(median * floor);
    }
}

impl<D: Dissimilarity + ?Sized, A: Arms> Step<'_, '_, D, A> {
    /// Add the terms of the references at `range` for the candidates at positions `live`.
    fn pull(&self, refs: &mut References, live: &[usize], range: Range<usize>, est: &mut Estimates) -> Result<()> {
        let width = est.width;
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
                let a = *positions.next().expect("one update per live candidate");
                for w in 0..width {
                    est.sum[a * width + w] += out[w];
                    est.sum_sq[a * width + w] += out[width + w];
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DenseData;
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
            let found = best_arm(&ctx, &mut refs, Phase::Swap, &cands, &TwoArms, settings).unwrap();
            assert_eq!(found, brute_force(&data, &cands), "seed {seed}");
            // Elimination did its job: far fewer distances than every candidate on every reference.
            assert!(ctx.counts().swap < (cands.len() * n / 2) as u64, "seed {seed}: {:?}", ctx.counts());
        }
    }

    #[test]
    fn small_data_is_exact_at_once() {
        let values: Vec<f64> = (0..30).map(|v| ((v * 7) % 30) as f64 / 30.0).collect();
        let data = DenseData::new(&values, 30, 1, Metric::L1).unwrap();
        let ctx = Context::new(&data, &Silent);
        let cands: Vec<usize> = (0..30).collect();
        let settings = BanditSettings { confidence: 0.0, batch_size: 100, sigma_sample: 100, sigma_floor: 0.0 };
        let mut refs = References::new(30, true, 0, 100, ChaCha8Rng::seed_from_u64(0)).unwrap();
        let found = best_arm(&ctx, &mut refs, Phase::Build, &cands, &TwoArms, settings).unwrap();
        assert_eq!(found, brute_force(&data, &cands));
        assert_eq!(ctx.counts().build, 30 * 30);
    }
}
