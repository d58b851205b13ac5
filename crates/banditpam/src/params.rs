//! Parameters: the [`KMedoids`] builder, and [`CheckedKMedoids`], the value `check` returns
//! with every rule verified and every default resolved. Only the checked value fits (see
//! `fit.rs`); [`KMedoids::fit`] checks first.

use std::sync::Arc;

use crate::algorithms::{Algorithm, Start};
use crate::error::{Error, Result};
use crate::init::Init;

/// Precision of an n x n matrix of all dissimilarities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixPrecision {
    /// `f32`: half the memory; the search sees rounded values, reported losses stay exact.
    Single,
    /// `f64`.
    Double,
}

/// Whether to build the n x n matrix of all dissimilarities before the search.
///
/// `Option<MatrixPrecision>` converts: `None` is [`Precompute::Never`], `Some(p)` is
/// [`Precompute::Always`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precompute {
    /// The default: for the algorithms that read every pair many times (PAM, FastPAM1,
    /// FasterPAM), an `f64` matrix when it fits the memory budget, else an `f32` one when that
    /// fits (and no distance overflows `f32`); no matrix otherwise, nor when the data is a
    /// stored matrix already.
    #[default]
    Auto,
    /// Never: distances are computed as the search asks for them.
    Never,
    /// Always, in this precision, whatever the algorithm.
    Always(MatrixPrecision),
}

impl From<Option<MatrixPrecision>> for Precompute {
    fn from(precision: Option<MatrixPrecision>) -> Self {
        precision.map_or(Precompute::Never, Precompute::Always)
    }
}

/// k-medoids parameters, set with builder methods and checked by [`KMedoids::check`] (or by
/// [`KMedoids::fit`], which checks first).
///
/// ```
/// use banditpam::{Algorithm, DenseData, KMedoids, Metric};
/// let points = [0.0f64, 0.1, 0.2, 10.0, 10.1, 10.2];
/// let data = DenseData::new(&points, 6, 1, Metric::L1).unwrap();
/// let fit = KMedoids::new(2).algorithm(Algorithm::Pam).fit(&data).unwrap();
/// assert_eq!(fit.sorted_medoids(), vec![1, 4]);
/// assert_eq!(fit.labels[0], fit.labels[2]);
/// assert!((fit.loss - 0.4).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KMedoids {
    k: usize,
    algorithm: Algorithm,
    max_iter: usize,
    init: Option<Init>,
    n_init: usize,
    weights: Option<Arc<[f64]>>,
    seed: u64,
    threads: Option<usize>,
    precompute: Precompute,
    memory_budget: Option<usize>,
    build_confidence: f64,
    swap_confidence: f64,
    batch_size: usize,
    sigma_sample: Option<usize>,
    use_cache: Option<bool>,
    use_perm: Option<bool>,
    cache_width: Option<usize>,
    onebatch_size: Option<usize>,
}

impl KMedoids {
    /// `k` medoids with [`Algorithm::Auto`], `max_iter = 100`, seed 0, all cores, the automatic
    /// matrix choice and memory budget; bandit confidences 3 (BUILD) and 5 (SWAP), batches of 100
    /// references, the default cache: the defaults of [`crate::PARAMETERS`].
    pub fn new(k: usize) -> Self {
        KMedoids {
            k,
            algorithm: Algorithm::default(),
            max_iter: 100,
            init: None,
            n_init: 1,
            weights: None,
            seed: 0,
            threads: None,
            precompute: Precompute::Auto,
            memory_budget: None,
            build_confidence: 3.0,
            swap_confidence: 5.0,
            batch_size: 100,
            sigma_sample: None,
            use_cache: None,
            use_perm: None,
            cache_width: None,
            onebatch_size: None,
        }
    }

    /// The number of medoids.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// BanditPAM: the `confidence` of BUILD's radius `sigma * sqrt((confidence + ln n) / T)`.
    /// Larger is safer and slower.
    pub fn build_confidence(mut self, confidence: f64) -> Self {
        self.build_confidence = confidence;
        self
    }

    /// BanditPAM: the `confidence` of SWAP's radius.
    pub fn swap_confidence(mut self, confidence: f64) -> Self {
        self.swap_confidence = confidence;
        self
    }

    /// BanditPAM: references sampled per batch (default 100).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// BanditPAM: references of the first batch of every step, from which each arm's spread is
    /// estimated (default `n / 4`, but at least `min(n, 100)` and at most 1000, rounded up to
    /// whole batches: a spread from fewer than 100 samples is too noisy to eliminate on).
    pub fn sigma_sample(mut self, size: Option<usize>) -> Self {
        self.sigma_sample = size;
        self
    }

    /// BanditPAM: cache the distances to the first `cache_width` references of the fixed
    /// permutation (default: on for BanditPAM++, off for BanditPAM). Needs `use_perm`.
    pub fn use_cache(mut self, use_cache: Option<bool>) -> Self {
        self.use_cache = use_cache;
        self
    }

    /// BanditPAM: read references in one random order for the whole fit instead of a new one
    /// every step (default: on for BanditPAM++, off for BanditPAM).
    pub fn use_perm(mut self, use_perm: Option<bool>) -> Self {
        self.use_perm = use_perm;
        self
    }

    /// BanditPAM: cached references per object (default: as many as 1 GiB of `f32` holds, up
    /// to n, so the whole matrix is cached lazily up to n of about 16,000).
    pub fn cache_width(mut self, width: Option<usize>) -> Self {
        self.cache_width = width;
        self
    }

    /// OneBatchPAM: the size m of its one batch of references (default `100 ln(n k)`, within
    /// `[k, n]`); the search computes n x m distances and holds them as `f32`.
    pub fn onebatch_size(mut self, size: Option<usize>) -> Self {
        self.onebatch_size = size;
        self
    }

    /// The algorithm.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// At most this many swap steps (for FasterPAM and OneBatchPAM: passes over the candidates).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// How to start (default: BUILD, or random medoids for FasterPAM and OneBatchPAM).
    pub fn init(mut self, init: Init) -> Self {
        self.init = Some(init);
        self
    }

    /// Run the search `n_init` times from different seeds and keep the lowest loss (default
    /// 1). Restart `r` uses seed `seed + r` mixed, so the first run is the single run's. The
    /// counters and times of the result add up all runs.
    ///
    /// ```
    /// use banditpam::{Algorithm, Init, KMedoids, Precomputed};
    /// let d: Vec<f64> = (0..36).map(|p| ((p / 6) as f64 - (p % 6) as f64).abs()).collect();
    /// let data = Precomputed::new(&d, 6, 6).unwrap();
    /// let once = KMedoids::new(2).init(Init::Random).algorithm(Algorithm::FasterPam).fit(&data).unwrap();
    /// let best = KMedoids::new(2).init(Init::Random).algorithm(Algorithm::FasterPam).n_init(4).fit(&data).unwrap();
    /// assert!(best.loss <= once.loss);
    /// ```
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Sample weights, one per object (checked against the data when fitting): the loss
    /// becomes `sum_j w_j min_i d(i, j)`. Every method uses them (the bandit methods weight
    /// their sampled terms and still verify each swap exactly). Weights must be finite and
    /// non-negative with a positive sum; an object of weight 0 adds nothing to the loss but
    /// may still be chosen as a medoid. Integer weights give the answer of repeating each
    /// object that many times.
    ///
    /// ```
    /// use banditpam::{Algorithm, KMedoids, Precomputed};
    /// // Three objects on a line at 0, 1 and 2; the heavy one at 2 pulls the medoid there.
    /// let d = [0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0];
    /// let data = Precomputed::new(&d, 3, 3).unwrap();
    /// let fit = KMedoids::new(1).algorithm(Algorithm::Pam).weights(vec![1.0, 1.0, 5.0]).fit(&data).unwrap();
    /// assert_eq!((fit.medoids, fit.loss), (vec![2], 3.0));
    /// ```
    pub fn weights(mut self, weights: impl Into<Vec<f64>>) -> Self {
        self.weights = Some(weights.into().into());
        self
    }

    /// Seed of every random choice.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads (`None`: all cores). The result does not depend on it.
    pub fn threads(mut self, threads: Option<usize>) -> Self {
        self.threads = threads;
        self
    }

    /// Whether to build the n x n matrix first (default [`Precompute::Auto`]); also takes
    /// `Option<MatrixPrecision>`.
    pub fn precompute(mut self, precompute: impl Into<Precompute>) -> Self {
        self.precompute = precompute.into();
        self
    }

    /// Bytes the large buffers of a fit may take (a matrix, the cache, OneBatchPAM's block);
    /// `None`: the default memory budget of the machine.
    pub fn memory_budget(mut self, bytes: Option<usize>) -> Self {
        self.memory_budget = bytes;
        self
    }

    /// Check every rule that does not depend on the data and resolve the defaults.
    ///
    /// Errors: [`Error::InvalidParameter`] naming the parameter, [`Error::TooManyThreads`],
    /// [`Error::CacheNeedsPermutation`],
    /// [`Error::InvalidInitialMedoids`] (a repeated index or a count other than k).
    ///
    /// ```
    /// use banditpam::{Error, KMedoids};
    /// let checked = KMedoids::new(3).check().unwrap();
    /// assert_eq!(checked.k(), 3);
    /// let e = KMedoids::new(3).batch_size(0).check().unwrap_err();
    /// assert!(matches!(e, Error::InvalidParameter { name: "batch_size", .. }));
    /// ```
    pub fn check(&self) -> Result<CheckedKMedoids> {
        let at_least_one = |name: &'static str, value: usize| {
            if value == 0 {
                Err(Error::InvalidParameter { name, expected: ">= 1", value: "0".into() })
            } else {
                Ok(value)
            }
        };
        let k = at_least_one("k", self.k)?;
        let n_init = at_least_one("n_init", self.n_init)?;
        if let Some(weights) = &self.weights {
            if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
                return Err(Error::InvalidParameter {
                    name: "weights",
                    expected: "finite and non-negative",
                    value: w.to_string(),
                });
            }
            let total: f64 = weights.iter().sum();
            if total == 0.0 {
                return Err(Error::InvalidParameter {
                    name: "weights",
                    expected: "not all zero",
                    value: "all zero".into(),
                });
            }
            if !total.is_finite() {
                return Err(Error::InvalidParameter {
                    name: "weights",
                    expected: "of finite sum",
                    value: format!("a sum of {total}"),
                });
            }
        }
        for (name, value) in [("build_confidence", self.build_confidence), ("swap_confidence", self.swap_confidence)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::InvalidParameter {
                    name,
                    expected: "a finite number >= 0",
                    value: value.to_string(),
                });
            }
        }
        let batch_size = at_least_one("batch_size", self.batch_size)?;
        let sigma_sample = self.sigma_sample.map(|s| at_least_one("sigma_sample", s)).transpose()?;
        let onebatch_size = self.onebatch_size.map(|s| at_least_one("onebatch_size", s)).transpose()?;
        let threads = self.threads.map(crate::parallel::check_threads).transpose()?;
        let memory_budget = self.memory_budget.map(|b| at_least_one("memory_budget", b)).transpose()?;
        let method = self.algorithm.method();
        let fixed_order = self.use_perm.unwrap_or(method.map_or(true, |m| m.fixed_order));
        let samples = method.is_some_and(|m| m.samples_references);
        // The cache is indexed by permutation position, so it is on by default only with a fixed order.
        let cached = samples && self.use_cache.unwrap_or(fixed_order && self.algorithm != Algorithm::BanditPam);
        if self.use_cache == Some(true) && !fixed_order {
            return Err(Error::CacheNeedsPermutation);
        }
        let init = match &self.init {
            Some(Init::Medoids(medoids)) => {
                check_distinct(medoids, k)?;
                Init::Medoids(medoids.clone())
            }
            Some(init) => init.clone(),
            None => match self.algorithm.method().map_or(Start::Random, |m| m.start) {
                Start::Build => Init::Build,
                Start::Random => Init::Random,
                Start::Sample => Init::Sample,
            },
        };
        Ok(CheckedKMedoids {
            source: Box::new(self.clone()),
            k,
            algorithm: self.algorithm,
            max_iter: self.max_iter,
            init,
            n_init,
            weights: self.weights.clone(),
            seed: self.seed,
            threads,
            precompute: self.precompute,
            memory_budget,
            bandit: BanditParams {
                build_confidence: self.build_confidence,
                swap_confidence: self.swap_confidence,
                batch_size,
                sigma_sample,
                fixed_order,
                cache_width: if cached { self.cache_width } else { Some(0) },
            },
            onebatch_size,
        })
    }
}

/// Parameters that passed [`KMedoids::check`]: every rule that does not depend on the data
/// holds and every default is resolved. The rules that do (k <= n, initial medoids in range,
/// what fits in memory) are checked once per fit, in the fit driver.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedKMedoids {
    /// The parameters as given, for `auto` to check again once it has chosen a method.
    source: Box<KMedoids>,
    pub(crate) k: usize,
    pub(crate) algorithm: Algorithm,
    pub(crate) max_iter: usize,
    pub(crate) init: Init,
    pub(crate) n_init: usize,
    pub(crate) weights: Option<Arc<[f64]>>,
    pub(crate) seed: u64,
    pub(crate) threads: Option<usize>,
    pub(crate) precompute: Precompute,
    pub(crate) memory_budget: Option<usize>,
    pub(crate) bandit: BanditParams,
    pub(crate) onebatch_size: Option<usize>,
}

/// The bandit engine's parameters, defaults resolved except those that depend on n.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BanditParams {
    pub build_confidence: f64,
    pub swap_confidence: f64,
    pub batch_size: usize,
    /// `None`: from n (see [`KMedoids::sigma_sample`]).
    pub sigma_sample: Option<usize>,
    /// One reference order for the whole fit.
    pub fixed_order: bool,
    /// Cached references per object: `Some(0)` for no cache, `None` for the budget's default.
    pub cache_width: Option<usize>,
}

impl CheckedKMedoids {
    /// The parameters with the method `auto` chose for this data: checked again, so the
    /// chosen method's defaults apply; `start` is the initialisation `auto` gives it unless the
    /// caller chose one.
    pub(crate) fn with_method(&self, algorithm: Algorithm, start: Option<Init>) -> Result<CheckedKMedoids> {
        let mut builder = (*self.source).clone().algorithm(algorithm);
        if let (None, Some(init)) = (&self.source.init, start) {
            builder = builder.init(init);
        }
        builder.check()
    }

    /// The number of medoids.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// How the search starts, the default resolved for the algorithm.
    pub fn init(&self) -> &Init {
        &self.init
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// Initial medoids: k of them, none twice (their range is checked against n when fitting).
fn check_distinct(medoids: &[usize], k: usize) -> Result<()> {
    if medoids.len() != k {
        return Err(Error::InvalidInitialMedoids(format!("{} medoids given for k = {k}", medoids.len())));
    }
    let mut sorted = medoids.to_vec();
    sorted.sort_unstable();
    match sorted.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(Error::InvalidInitialMedoids(format!("index {} appears twice", w[0]))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_resolved_once_per_algorithm() {
        let checked = |a: Algorithm| KMedoids::new(2).algorithm(a).check().unwrap();
        let plus = checked(Algorithm::BanditPamPlusPlus);
        assert!(plus.bandit.fixed_order && plus.bandit.cache_width.is_none() && plus.init == Init::Build);
        let orig = checked(Algorithm::BanditPam);
        assert!(!orig.bandit.fixed_order && orig.bandit.cache_width == Some(0));
        assert_eq!(checked(Algorithm::FasterPam).init, Init::Random);
        assert_eq!(checked(Algorithm::OneBatchSwap).init, Init::Random);
        assert_eq!(checked(Algorithm::OneBatchSwap).bandit.cache_width, None);
        assert_eq!(checked(Algorithm::Pam).bandit.cache_width, Some(0));
        let unordered = KMedoids::new(2).use_perm(Some(false)).check().unwrap();
        assert!(!unordered.bandit.fixed_order && unordered.bandit.cache_width == Some(0));
    }

    #[test]
    fn every_rule_names_its_parameter() {
        let name = |model: KMedoids| match model.check().unwrap_err() {
            Error::InvalidParameter { name, .. } => name,
            other => panic!("{other:?}"),
        };
        assert_eq!(name(KMedoids::new(0)), "k");
        assert_eq!(name(KMedoids::new(2).batch_size(0)), "batch_size");
        assert_eq!(name(KMedoids::new(2).sigma_sample(Some(0))), "sigma_sample");
        assert_eq!(name(KMedoids::new(2).onebatch_size(Some(0))), "onebatch_size");
        assert_eq!(name(KMedoids::new(2).threads(Some(0))), "threads");
        assert_eq!(name(KMedoids::new(2).memory_budget(Some(0))), "memory_budget");
        assert_eq!(name(KMedoids::new(2).build_confidence(-1.0)), "build_confidence");
        assert_eq!(name(KMedoids::new(2).swap_confidence(f64::NAN)), "swap_confidence");
        let e = KMedoids::new(2).use_perm(Some(false)).use_cache(Some(true)).check().unwrap_err();
        assert_eq!(e, Error::CacheNeedsPermutation);
        let e = KMedoids::new(2).init(Init::Medoids(vec![3, 3])).check().unwrap_err();
        assert!(matches!(e, Error::InvalidInitialMedoids(m) if m.contains("twice")));
    }
}
