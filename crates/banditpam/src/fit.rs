//! The fit driver: from checked parameters and a data set to a [`Clustering`]. The checks and
//! choices that depend on the data (k against n, initial medoids in range, the matrix, the
//! cache and batch sizes against the memory budget) are made once, in [`CheckedKMedoids::plan`];
//! then the search of the method's declaration runs in a thread pool of the fit's own.

use std::borrow::Cow;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::algorithms::{nearswap, onebatch, Algorithm, Search, Tuning};
use crate::auto::Workload;
use crate::bandit::{BanditSettings, References};
use crate::context::{Context, Phase};
use crate::data::{Dissimilarity, DistanceMatrix, Rescaled};
use crate::error::{Error, Result};
use crate::init::{self, Init};
use crate::memory::Budget;
use crate::observer::{Event, Observer, Silent};
use crate::parallel::with_pool;
use crate::params::{CheckedKMedoids, KMedoids, MatrixPrecision, Precompute};
use crate::result::{Clustering, PhaseSeconds};
use crate::scalar::{binary_exponent, PowerOfTwo, Scalar};
use crate::state::Assignment;

/// The smallest default sigma sample (see [`KMedoids::sigma_sample`]).
const MIN_SIGMA_SAMPLE: usize = 100;
/// The largest default sigma sample.
const MAX_SIGMA_SAMPLE: usize = 1000;

/// Floors of the bandit sigmas, as shares of the first sample's median sigma. BUILD's late
/// steps have mostly-zero terms, whose sample spread can be far too small (docs/ALGORITHMS.md,
/// "Sigma floors"); in SWAP the spread is estimated again every round from every term read.
const BUILD_SIGMA_FLOOR: f64 = 1.0;
const SWAP_SIGMA_FLOOR: f64 = 0.0;

/// The most memory the default BanditPAM++ cache takes (n x width `f32`), within the budget.
const DEFAULT_CACHE_BYTES: usize = 1 << 30;

impl KMedoids {
    /// Check the parameters ([`KMedoids::check`]) and cluster `data`.
    pub fn fit<D: Dissimilarity + ?Sized>(&self, data: &D) -> Result<Clustering> {
        self.check()?.fit(data)
    }

    /// Check the parameters and cluster `data`, reporting progress to `observer`, which may
    /// stop the fit.
    pub fn fit_with_observer<D: Dissimilarity + ?Sized>(
        &self,
        data: &D,
        observer: &dyn Observer,
    ) -> Result<Clustering> {
        self.check()?.fit_with_observer(data, observer)
    }
}

impl CheckedKMedoids {
    /// Cluster `data`.
    ///
    /// Errors: [`Error::EmptyData`], [`Error::TooManyClusters`], [`Error::InvalidInitialMedoids`]
    /// (an index out of range), [`Error::OverMemoryBudget`] and [`Error::OutOfMemory`], and
    /// whatever the data's dissimilarity reports.
    ///
    /// ```
    /// use banditpam::{KMedoids, Precomputed};
    /// let d = [0.0f64, 1.0, 5.0, 1.0, 0.0, 4.0, 5.0, 4.0, 0.0];
    /// let matrix = Precomputed::new(&d, 3, 3).unwrap();
    /// let checked = KMedoids::new(2).check().unwrap();
    /// assert_eq!(checked.fit(&matrix).unwrap().loss, 1.0);
    /// assert!(KMedoids::new(4).check().unwrap().fit(&matrix).is_err());
    /// ```
    pub fn fit<D: Dissimilarity + ?Sized>(&self, data: &D) -> Result<Clustering> {
        self.fit_with_observer(data, &Silent)
    }

    /// Cluster `data`, reporting progress to `observer`, which may stop the fit.
    pub fn fit_with_observer<D: Dissimilarity + ?Sized>(
        &self,
        data: &D,
        observer: &dyn Observer,
    ) -> Result<Clustering> {
        let data: &dyn Dissimilarity = &data;
        let plan = self.plan(data)?;
        with_pool(self.threads, || plan.run(data, observer))?
    }

    /// Every check and choice that depends on the data.
    fn plan(&self, data: &dyn Dissimilarity) -> Result<Plan<'_>> {
        let n = data.len();
        if n == 0 {
            return Err(Error::EmptyData);
        }
        if self.k > n {
            return Err(Error::TooManyClusters { k: self.k, n });
        }
        if let Some(weights) = &self.weights {
            if weights.len() != n {
                return Err(Error::InvalidParameter {
                    name: "weights",
                    expected: "one weight per object",
                    value: format!("{} weights for n = {n}", weights.len()),
                });
            }
        }
        if let Init::Medoids(medoids) = &self.init {
            if let Some(m) = medoids.iter().find(|&&m| m >= n) {
                return Err(Error::InvalidInitialMedoids(format!("index {m} is out of range for n = {n}")));
            }
        }
        let budget = Budget::new(self.memory_budget);
        let square = n.saturating_mul(n);
        let Some(method) = self.algorithm.method() else {
            let matrix_fits = match self.precompute {
                Precompute::Never => data.is_stored(),
                Precompute::Always(_) => true,
                Precompute::Auto => data.is_stored() || budget.fits::<f32>(square),
            };
            let (algorithm, start) = Algorithm::choose(Workload { n, k: self.k, matrix_fits });
            let chosen = self.with_method(algorithm, start)?;
            let plan = chosen.plan(data)?;
            return Ok(Plan { params: Cow::Owned(plan.params.into_owned()), ..plan });
        };
        let matrix = match self.precompute {
            Precompute::Never => None,
            Precompute::Always(precision) => Some(precision),
            // f64 keeps the search on the same values as the exact losses; f32 halves the
            // memory when only it fits.
            Precompute::Auto if method.wants_matrix && !data.is_stored() => {
                if budget.fits::<f64>(square) {
                    Some(MatrixPrecision::Double)
                } else if budget.fits::<f32>(square) {
                    Some(MatrixPrecision::Single)
                } else if n > LARGEST_SILENTLY_MATRIX_FREE {
                    // Without the matrix each swap step computes k n^2 distances: hours at
                    // n = 300,000. Say so rather than start.
                    return Err(Error::OverMemoryBudget {
                        what: "the n x n matrix that pam, fastpam1 and fasterpam search on (without it \
                               each swap step would compute k n^2 distances; nearswap and auto need no \
                               matrix, and Rust's Precompute::Never runs without it)",
                        bytes: square.saturating_mul(std::mem::size_of::<f32>()),
                        budget: budget.bytes,
                    });
                } else {
                    None
                }
            }
            Precompute::Auto => None,
        };
        let bandit = &self.bandit;
        let settings = |confidence: f64, sigma_floor: f64| {
            let sample = bandit.sigma_sample.unwrap_or((n / 4).clamp(n.min(MIN_SIGMA_SAMPLE), MAX_SIGMA_SAMPLE));
            BanditSettings {
                confidence,
                batch_size: bandit.batch_size,
                sigma_sample: sample.div_ceil(bandit.batch_size).max(1) * bandit.batch_size,
                sigma_floor,
            }
        };
        let cache_width = if method.samples_references {
            let column = n * std::mem::size_of::<f32>();
            // An explicit width shrinks to the budget too: the cache only saves work.
            let width = match bandit.cache_width {
                None => budget.bytes.min(DEFAULT_CACHE_BYTES) / column,
                Some(explicit) => explicit.min(budget.bytes / column),
            }
            .min(n);
            // Whole batches, so a cached prefix covers a batch fully or not at all.
            if width == n {
                n
            } else {
                width / bandit.batch_size * bandit.batch_size
            }
        } else {
            0
        };
        let onebatch_size = onebatch::search_batch_size(self.onebatch_size, n, self.k);
        let start_batch_size = onebatch::start_batch_size(self.onebatch_size, n, self.k);
        Ok(Plan {
            params: Cow::Borrowed(self),
            matrix,
            tuning: Tuning {
                budget,
                build: settings(bandit.build_confidence, BUILD_SIGMA_FLOOR),
                swap: settings(bandit.swap_confidence, SWAP_SIGMA_FLOOR),
                cache_width,
                onebatch_size,
                start_batch_size,
                chosen_onebatch_size: self.onebatch_size,
                screening: nearswap::Screening::default(),
            },
        })
    }
}

/// A fit's parameters with everything that depends on the data resolved.
struct Plan<'p> {
    /// The caller's parameters, or those of the method `auto` chose.
    params: Cow<'p, CheckedKMedoids>,
    /// Build the n x n matrix first, in this precision.
    matrix: Option<MatrixPrecision>,
    tuning: Tuning,
}

/// What one search found.
struct Found {
    seconds: PhaseSeconds,
    state: Assignment,
    /// The medoids after the initialisation, in the order chosen.
    build_medoids: Vec<usize>,
    build_loss: f64,
    swaps: usize,
    converged: bool,
}

/// The largest n at which a method that wants the n x n matrix runs without it, when the
/// matrix does not fit the budget and the caller left `precompute` to the fit: there a swap
/// step's k n^2 distances take seconds.
const LARGEST_SILENTLY_MATRIX_FREE: usize = 10_000;

impl Plan<'_> {
    fn run(&self, data: &dyn Dissimilarity, observer: &dyn Observer) -> Result<Clustering> {
        let started = Instant::now();
        let rescaled = Rescaled::when_extreme(data);
        let distance_exponent = rescaled.as_ref().map_or(0, Rescaled::exponent);
        let data: &dyn Dissimilarity = match &rescaled {
            Some(rescaled) => rescaled,
            None => data,
        };
        let (weights, weight_exponent) = power_of_two_weights(self.params.weights.as_deref());
        let exponent = weight_exponent + distance_exponent;
        let weight_total = weights.as_deref().map_or(data.len() as f64, |w| w.iter().sum());
        let ctx = Context::new(data, observer).with_weights(weights);
        let (found, matrix) = match self.matrix {
            None => (self.best_search(&ctx)?, None),
            Some(precision) => {
                ctx.report(Event::MatrixStarted { n: data.len() });
                self.search_on_matrix(&ctx, precision)?
            }
        };
        let Found { mut seconds, state, build_medoids, build_loss, swaps, converged } = found;
        let average_loss = PowerOfTwo::new(distance_exponent).times(state.loss() / weight_total);
        let weighted = self.params.weights.is_some();
        let (loss, build_loss) =
            (unscaled_loss(state.loss(), exponent, weighted)?, unscaled_loss(build_loss, exponent, weighted)?);
        seconds.other = (started.elapsed().as_secs_f64() - seconds.build - seconds.swap).max(0.0);
        Ok(Clustering {
            algorithm: self.params.algorithm,
            matrix,
            labels: state.nearest.clone(),
            average_loss,
            medoids: state.medoids,
            build_medoids,
            loss,
            build_loss,
            swaps,
            converged,
            distance_evaluations: ctx.counts(),
            cache_hits: ctx.cache_hits(),
            cache_writes: ctx.cache_writes(),
            seconds,
        })
    }

    /// Build the matrix, search on it, and recompute the losses exactly from the data. When the
    /// automatic choice made it `f32` (only that fitted the budget) and a value overflows `f32`,
    /// the search runs without a matrix instead. Returns the precision of the matrix used.
    fn search_on_matrix(
        &self,
        ctx: &Context<'_>,
        precision: MatrixPrecision,
    ) -> Result<(Found, Option<MatrixPrecision>)> {
        let automatic = self.params.precompute == Precompute::Auto;
        let found = match precision {
            MatrixPrecision::Single => match self.search_on::<f32>(ctx) {
                Err(Error::MatrixOverflow { .. }) if automatic => return Ok((self.best_search(ctx)?, None)),
                other => other?,
            },
            MatrixPrecision::Double => self.search_on::<f64>(ctx)?,
        };
        Ok((found, Some(precision)))
    }

    fn search_on<S: Scalar>(&self, ctx: &Context<'_>) -> Result<Found> {
        let budget = &self.tuning.budget;
        let matrix = DistanceMatrix::<S>::build_with(ctx.n(), budget, ctx.data.is_symmetric(), |c, r, out| {
            ctx.block(Phase::Other, c, r, out)
        })?;
        let mut found = self.best_search(&Context::new(&matrix, ctx.observer).with_weights(ctx.weights.clone()))?;
        found.build_loss = Assignment::from_medoids(ctx, Phase::Other, &found.build_medoids)?.loss();
        found.state = Assignment::from_medoids(ctx, Phase::Other, &found.state.medoids)?;
        Ok(found)
    }

    /// The best of `n_init` searches by loss (the first on ties), with their times added up.
    fn best_search(&self, ctx: &Context<'_>) -> Result<Found> {
        let mut best = self.search(ctx, self.params.seed)?;
        for restart in 1..self.params.n_init {
            let found = self.search(ctx, restart_seed(self.params.seed, restart))?;
            let seconds = PhaseSeconds {
                build: best.seconds.build + found.seconds.build,
                swap: best.seconds.swap + found.seconds.swap,
                other: 0.0,
            };
            if found.state.exact_loss() < best.state.exact_loss() {
                best = found;
            }
            best.seconds = seconds;
        }
        Ok(best)
    }

    /// Start and swap on `ctx`'s data as the method's declaration says, every random choice
    /// drawn from `seed`.
    fn search(&self, ctx: &Context<'_>, seed: u64) -> Result<Found> {
        let p = &*self.params;
        let method = p.algorithm.declared();
        let n = ctx.n();
        let mut seconds = PhaseSeconds::default();
        let clock = Instant::now();
        let refs = if method.samples_references {
            let rng = ChaCha8Rng::seed_from_u64(seed);
            References::new(n, p.bandit.fixed_order, self.tuning.cache_width, p.bandit.batch_size, rng)?
        } else {
            References::none()
        };
        let mut search =
            Search { ctx, state: Assignment::empty(0), refs, seed, max_iter: p.max_iter, tuning: &self.tuning };
        search.state = init::start(&mut search, &p.init, p.k, method.bandit_build)?;
        let build_medoids = search.state.medoids.clone();
        let build_loss = search.state.loss();
        seconds.build = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        ctx.report(Event::PhaseStarted { phase: method.name });
        let swaps = (method.swap)(&mut search)?;
        seconds.swap = clock.elapsed().as_secs_f64();
        Ok(Found {
            seconds,
            state: search.state,
            build_medoids,
            build_loss,
            swaps: swaps.applied,
            converged: swaps.converged,
        })
    }
}

/// The seed of restart `restart` (>= 1): `seed + restart` through SplitMix64's mixer, so
/// nearby seeds give unrelated streams.
/// The weights divided by the power of two that brings the largest into [0.5, 1), and that
/// power's exponent. Exact (only the exponents change), so a search on them makes the same
/// choices; but its sums of weighted distances overflow (or underflow) no sooner than
/// unweighted ones, whatever the weights' scale (1e300 or 1e-300).
fn power_of_two_weights(weights: Option<&[f64]>) -> (Option<std::sync::Arc<[f64]>>, i32) {
    let Some(weights) = weights else { return (None, 0) };
    let largest = weights.iter().copied().fold(0.0, f64::max);
    let Some(exponent) = binary_exponent(largest).map(|e| e + 1) else { return (Some(weights.into()), 0) };
    let factor = PowerOfTwo::new(-exponent);
    (Some(weights.iter().map(|&w| factor.times(w)).collect()), exponent)
}

/// A loss of the scaled weights in the weights' own scale; an error when that overflows
/// `f64` (weights of 1e300 on distances of 1e10, or distances near 1e308), rather than an
/// infinite loss.
fn unscaled_loss(loss: f64, exponent: i32, weighted: bool) -> Result<f64> {
    let value = PowerOfTwo::new(exponent).times(loss);
    if value.is_finite() {
        Ok(value)
    } else if !weighted {
        Err(Error::LossOverflow { what: "the sum of the distances to the medoids".into(), weighted })
    } else {
        Err(Error::InvalidParameter {
            name: "weights",
            expected: "small enough for the weighted loss to fit float64 (scale them down)",
            value: format!("a weighted loss of {loss:e} x 2^{exponent}"),
        })
    }
}

pub(crate) fn restart_seed(seed: u64, restart: usize) -> u64 {
    let mut z = seed.wrapping_add((restart as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Precomputed;

    fn line(n: usize) -> Vec<f64> {
        (0..n * n).map(|p| (p / n).abs_diff(p % n) as f64).collect()
    }

    #[test]
    fn data_dependent_checks() {
        let d = line(4);
        let data = Precomputed::new(&d, 4, 4).unwrap();
        let e = KMedoids::new(5).check().unwrap().fit(&data).unwrap_err();
        assert_eq!(e, Error::TooManyClusters { k: 5, n: 4 });
        let e = KMedoids::new(2).init(Init::Medoids(vec![0, 9])).fit(&data).unwrap_err();
        assert!(matches!(e, Error::InvalidInitialMedoids(m) if m.contains("out of range")));
    }

    #[test]
    fn the_matrix_is_built_only_when_it_pays_and_fits() {
        let values: Vec<f64> = (0..40).map(|v| v as f64).collect();
        let data = crate::DenseData::new(&values, 40, 1, crate::Metric::L1).unwrap();
        let plan = |model: KMedoids| model.check().unwrap().plan(&data).unwrap().matrix;
        let pam = || KMedoids::new(2).algorithm(Algorithm::Pam);
        assert_eq!(plan(KMedoids::new(2).algorithm(Algorithm::FastPam1)), Some(MatrixPrecision::Double));
        let bandit = || KMedoids::new(2).algorithm(Algorithm::BanditPamPlusPlus);
        assert_eq!(plan(bandit()), None, "BanditPAM++ keeps O(n) memory");
        assert_eq!(plan(KMedoids::new(2)), Some(MatrixPrecision::Double), "auto runs PAM on small data");
        assert_eq!(plan(pam().memory_budget(Some(40 * 40 * 8 - 1))), Some(MatrixPrecision::Single));
        assert_eq!(plan(pam().memory_budget(Some(40 * 40 * 4 - 1))), None);
        assert_eq!(plan(KMedoids::new(2).algorithm(Algorithm::Pam).precompute(None)), None);
        let stored = line(40);
        let matrix = Precomputed::new(&stored, 40, 40).unwrap();
        let plan = KMedoids::new(2).algorithm(Algorithm::Pam).check().unwrap();
        assert_eq!(plan.plan(&matrix).unwrap().matrix, None, "a stored matrix is not copied");
    }

    #[test]
    fn the_cache_shrinks_to_the_budget() {
        let values: Vec<f64> = (0..1000).map(|v| v as f64).collect();
        let data = crate::DenseData::new(&values, 1000, 1, crate::Metric::L1).unwrap();
        let width = |model: KMedoids| model.check().unwrap().plan(&data).unwrap().tuning.cache_width;
        let bandit = || KMedoids::new(2).algorithm(Algorithm::BanditPamPlusPlus);
        assert_eq!(width(bandit()), 1000);
        assert_eq!(width(bandit().memory_budget(Some(1000 * 4 * 250))), 200, "whole batches");
        assert_eq!(width(bandit().cache_width(Some(900)).memory_budget(Some(1000 * 4 * 300))), 300);
        assert_eq!(width(bandit().cache_width(Some(0))), 0);
        assert_eq!(width(KMedoids::new(2).algorithm(Algorithm::FastPam1)), 0);
    }

    #[test]
    fn distances_that_overflow_f32_never_reach_an_f32_matrix() {
        // Distances up to 4.2e38 would be infinite in an f32 matrix (values this large are not
        // rescaled: their exponent is within 128 of 0).
        let values = [1e38, 1.1e38, 1.2e38, 5e38, 5.1e38, 5.2e38];
        let data = crate::DenseData::new(&values, 6, 1, crate::Metric::L1).unwrap();
        let pam = || KMedoids::new(2).algorithm(Algorithm::Pam);
        let fit = pam().fit(&data).unwrap();
        assert_eq!((fit.sorted_medoids(), fit.matrix), (vec![1, 4], Some(MatrixPrecision::Double)));
        // Only an f32 matrix fits this budget: the automatic choice falls back to no matrix.
        let fit = pam().memory_budget(Some(6 * 6 * 4)).fit(&data).unwrap();
        assert_eq!((fit.sorted_medoids(), fit.matrix), (vec![1, 4], None));
        assert!((fit.loss - 0.4e38).abs() < 1e24);
        // Asked for explicitly, it is an error rather than a wrong answer.
        let e = pam().precompute(Some(MatrixPrecision::Single)).fit(&data).unwrap_err();
        assert!(matches!(e, Error::MatrixOverflow { .. }), "{e:?}");
        // Values near 1e200 are rescaled first: their distances fit an f32 matrix.
        let huge: Vec<f64> = values.iter().map(|v| v * 1e162).collect();
        let data = crate::DenseData::new(&huge, 6, 1, crate::Metric::L1).unwrap();
        let fit = pam().memory_budget(Some(6 * 6 * 4)).fit(&data).unwrap();
        assert_eq!((fit.sorted_medoids(), fit.matrix), (vec![1, 4], Some(MatrixPrecision::Single)));
        assert!((fit.loss - 0.4e200).abs() < 1e188, "{}", fit.loss);
    }
}
