//! The checked entry point: [`KMedoids`] parameters and `fit`.

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use rand::SeedableRng;

use crate::algorithms::{banditpam, build, fasterpam, fastpam1, onebatch, pam};
use crate::bandit::{BanditSettings, References};
use crate::context::{Context, Phase};
use crate::data::{Dissimilarity, DistanceMatrix};
use crate::error::{Error, Result};
use crate::observer::{Event, Observer, Silent};
use crate::parallel::with_pool;
use crate::result::{Clustering, PhaseSeconds};
use crate::scalar::Scalar;
use crate::state::Assignment;

/// Which k-medoids algorithm to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// BanditPAM++: BanditPAM with virtual arms and the permutation-invariant distance cache.
    #[default]
    BanditPamPlusPlus,
    /// BanditPAM (original): a new random reference order every step, no cache.
    BanditPam,
    /// PAM: BUILD, then the best swap per step, each evaluated on its own (O(k n^2) per step).
    Pam,
    /// FastPAM1: PAM's answer with O(n^2) per swap step.
    FastPam1,
    /// FasterPAM: eager swaps; a local optimum of the loss, not always PAM's.
    FasterPam,
    /// OneBatchPAM: eager swaps judged on one random batch of about `100 ln(n k)` objects;
    /// O(n m) distances, an approximate answer whose loss is close to PAM's.
    OneBatchPam,
    /// OneBatchPAM, then BanditPAM++ SWAP steps, each verified exactly, until no swap lowers
    /// the true loss: a local optimum of the true objective, from a cheap start.
    OneBatchSwap,
}

impl FromStr for Algorithm {
    type Err = Error;

    /// `banditpam++` (or `banditpam_pp`), `banditpam` (or `banditpam_orig`), `pam`, `fastpam1`,
    /// `fasterpam`, `onebatch`, `onebatch+swap` (case-insensitive).
    fn from_str(name: &str) -> Result<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "banditpam++" | "banditpam_pp" | "banditpampp" => Ok(Algorithm::BanditPamPlusPlus),
            "banditpam" | "banditpam_orig" => Ok(Algorithm::BanditPam),
            "pam" => Ok(Algorithm::Pam),
            "fastpam1" => Ok(Algorithm::FastPam1),
            "fasterpam" => Ok(Algorithm::FasterPam),
            "onebatch" | "onebatchpam" => Ok(Algorithm::OneBatchPam),
            "onebatch+swap" | "onebatch_swap" => Ok(Algorithm::OneBatchSwap),
            _ => Err(Error::UnknownAlgorithm(name.to_string())),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::BanditPamPlusPlus => "banditpam++",
            Algorithm::BanditPam => "banditpam",
            Algorithm::Pam => "pam",
            Algorithm::FastPam1 => "fastpam1",
            Algorithm::FasterPam => "fasterpam",
            Algorithm::OneBatchPam => "onebatch",
            Algorithm::OneBatchSwap => "onebatch+swap",
        })
    }
}

/// How the search starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Init {
    /// PAM's greedy BUILD (the default for PAM and FastPAM1).
    Build,
    /// k distinct objects drawn with the seed (the default for FasterPAM).
    Random,
    /// These medoids.
    Medoids(Vec<usize>),
}

/// Precision of the n x n matrix built when [`KMedoids::precompute`] asks for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixPrecision {
    /// `f32`: half the memory; the search sees rounded values, reported losses stay exact.
    Single,
    /// `f64`.
    Double,
}

/// k-medoids parameters; `fit` checks them against the data.
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
    seed: u64,
    threads: Option<usize>,
    precompute: Option<MatrixPrecision>,
    build_confidence: f64,
    swap_confidence: f64,
    batch_size: usize,
    sigma_sample: Option<usize>,
    use_cache: Option<bool>,
    use_perm: Option<bool>,
    cache_width: Option<usize>,
    onebatch_size: Option<usize>,
}

/// The smallest default sigma sample (see [`KMedoids::sigma_sample`]).
const MIN_SIGMA_SAMPLE: usize = 100;

/// Floors of the bandit sigmas, as shares of the step's median sigma. BUILD's late steps have
/// mostly-zero terms, whose sample spread can be far too small (SPEC 9); SWAP's terms are
/// rarely zero, and a floor there only keeps near-tied arms alive (measured: 1.6x slower at
/// MNIST n = 10,000 with the same answers).
const BUILD_SIGMA_FLOOR: f64 = 1.0;
const SWAP_SIGMA_FLOOR: f64 = 0.0;

/// Memory the default BanditPAM++ cache may take: n x width `f32` values.
const CACHE_BUDGET_BYTES: usize = 1 << 30;

impl KMedoids {
    /// `k` medoids with BanditPAM++, `max_iter = 100`, seed 0, all cores, no matrix; bandit
    /// confidences 3 (BUILD) and 5 (SWAP), batches of 100 references, the default cache.
    pub fn new(k: usize) -> Self {
        KMedoids {
            k,
            algorithm: Algorithm::default(),
            max_iter: 100,
            init: None,
            seed: 0,
            threads: None,
            precompute: None,
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

    /// At most this many swap steps (for FasterPAM: passes over the candidates).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// How to start (default: BUILD, or random for FasterPAM).
    pub fn init(mut self, init: Init) -> Self {
        self.init = Some(init);
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

    /// Build the n x n matrix once with the fast kernels and run on it (O(n^2) memory).
    pub fn precompute(mut self, precision: Option<MatrixPrecision>) -> Self {
        self.precompute = precision;
        self
    }

    /// The number of medoids.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Cluster `data`.
    pub fn fit<D: Dissimilarity + ?Sized>(&self, data: &D) -> Result<Clustering> {
        self.fit_with_observer(data, &Silent)
    }

    /// Cluster `data`, reporting progress to `observer`, which may stop the fit.
    pub fn fit_with_observer<D: Dissimilarity + ?Sized>(
        &self,
        data: &D,
        observer: &dyn Observer,
    ) -> Result<Clustering> {
        let n = data.len();
        if n == 0 {
            return Err(Error::EmptyData);
        }
        if self.k == 0 {
            return Err(Error::ZeroClusters);
        }
        if self.k > n {
            return Err(Error::TooManyClusters { k: self.k, n });
        }
        if let Some(Init::Medoids(m)) = &self.init {
            check_initial_medoids(m, self.k, n)?;
        }
        for (name, value) in [("build_confidence", self.build_confidence), ("swap_confidence", self.swap_confidence)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::InvalidConfidence { name, value });
            }
        }
        if self.batch_size == 0 {
            return Err(Error::ZeroBatchSize);
        }
        if self.sigma_sample == Some(0) {
            return Err(Error::ZeroSigmaSample);
        }
        if self.onebatch_size == Some(0) {
            return Err(Error::ZeroOneBatchSize);
        }
        if self.use_cache == Some(true) && !self.fixed_order() {
            return Err(Error::CacheNeedsPermutation);
        }
        with_pool(self.threads, || self.fit_in_pool(data, observer))?
    }

    fn fit_in_pool<D: Dissimilarity + ?Sized>(&self, data: &D, observer: &dyn Observer) -> Result<Clustering> {
        let started = Instant::now();
        let ctx = Context::new(data, observer);
        let (mut seconds, state, build_medoids, build_loss, swaps, converged) = match self.precompute {
            None => self.search(&ctx)?,
            Some(precision) => {
                ctx.report(Event::MatrixStarted { n: data.len() });
                match precision {
                    MatrixPrecision::Single => self.search_on_matrix::<f32, D>(&ctx)?,
                    MatrixPrecision::Double => self.search_on_matrix::<f64, D>(&ctx)?,
                }
            }
        };
        let loss = state.loss();
        seconds.other = (started.elapsed().as_secs_f64() - seconds.build - seconds.swap).max(0.0);
        Ok(Clustering {
            labels: state.nearest.clone(),
            average_loss: loss / data.len() as f64,
            medoids: state.medoids,
            build_medoids,
            loss,
            build_loss,
            swaps,
            converged,
            distance_evaluations: ctx.counts(),
            cache_hits: ctx.cache_hits(),
            seconds,
        })
    }

    /// Build the matrix, search on it, and recompute the losses exactly from the data.
    fn search_on_matrix<S: Scalar, D: Dissimilarity + ?Sized>(&self, ctx: &Context<'_, D>) -> Result<Found> {
        let matrix = DistanceMatrix::<S>::build_with(ctx.n(), |c, r, out| ctx.block(Phase::Other, c, r, out))?;
        let (seconds, state, build_medoids, _, swaps, converged) = self.search(&Context::new(&matrix, ctx.observer))?;
        let build_loss = Assignment::from_medoids(ctx, Phase::Other, &build_medoids)?.loss();
        let state = Assignment::from_medoids(ctx, Phase::Other, &state.medoids)?;
        Ok((seconds, state, build_medoids, build_loss, swaps, converged))
    }

    /// Initialise and swap on `ctx`'s data.
    fn search<D: Dissimilarity + ?Sized>(&self, ctx: &Context<'_, D>) -> Result<Found> {
        let mut seconds = PhaseSeconds::default();
        let clock = Instant::now();
        let default_init = match self.algorithm {
            Algorithm::FasterPam | Algorithm::OneBatchPam | Algorithm::OneBatchSwap => Init::Random,
            _ => Init::Build,
        };
        let bandit = matches!(self.algorithm, Algorithm::BanditPam | Algorithm::BanditPamPlusPlus);
        let mut refs = self.references(ctx.n());
        let mut state = match self.init.as_ref().unwrap_or(&default_init) {
            Init::Build if bandit => banditpam::build(ctx, &mut refs, self.k, self.settings(ctx.n(), true))?,
            Init::Build => build::build(ctx, self.k)?,
            Init::Random => {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(self.seed);
                let medoids = rand::seq::index::sample(&mut rng, ctx.n(), self.k).into_vec();
                Assignment::from_medoids(ctx, Phase::Build, &medoids)?
            }
            Init::Medoids(m) => Assignment::from_medoids(ctx, Phase::Build, m)?,
        };
        let build_medoids = state.medoids.clone();
        let build_loss = state.loss();
        seconds.build = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        let (swaps, converged) = match self.algorithm {
            Algorithm::Pam => pam::swap(ctx, &mut state, self.max_iter)?,
            Algorithm::FastPam1 => fastpam1::swap(ctx, &mut state, self.max_iter)?,
            Algorithm::FasterPam => fasterpam::swap(ctx, &mut state, self.max_iter)?,
            Algorithm::OneBatchPam | Algorithm::OneBatchSwap => {
                let m = self.onebatch_size.unwrap_or_else(|| onebatch::default_batch_size(ctx.n(), self.k));
                let (medoids, swaps, converged) = onebatch::search(ctx, &state.medoids, m, self.seed, self.max_iter)?;
                state = Assignment::from_medoids(ctx, Phase::Other, &medoids)?;
                let (iteration, loss) = (1, state.loss());
                let distance_evaluations = ctx.counts().total();
                ctx.report(Event::SwapStep { iteration, swaps, loss, distance_evaluations });
                if self.algorithm == Algorithm::OneBatchPam {
                    (swaps, converged)
                } else {
                    let settings = self.settings(ctx.n(), false);
                    let (more, converged) = banditpam::swap(ctx, &mut refs, &mut state, self.max_iter, settings)?;
                    (swaps + more, converged)
                }
            }
            Algorithm::BanditPam | Algorithm::BanditPamPlusPlus => {
                banditpam::swap(ctx, &mut refs, &mut state, self.max_iter, self.settings(ctx.n(), false))?
            }
        };
        seconds.swap = clock.elapsed().as_secs_f64();
        Ok((seconds, state, build_medoids, build_loss, swaps, converged))
    }
}

impl KMedoids {
    fn fixed_order(&self) -> bool {
        self.use_perm.unwrap_or(self.algorithm != Algorithm::BanditPam)
    }

    /// The reference order and cache of a bandit fit (unused by the exact algorithms).
    fn references(&self, n: usize) -> References {
        let bandit =
            matches!(self.algorithm, Algorithm::BanditPam | Algorithm::BanditPamPlusPlus | Algorithm::OneBatchSwap);
        let cached = bandit && self.use_cache.unwrap_or(self.algorithm != Algorithm::BanditPam);
        let width = if cached {
            let budget = CACHE_BUDGET_BYTES / (n.max(1) * std::mem::size_of::<f32>());
            let width = self.cache_width.unwrap_or(budget).min(n);
            // Whole batches, so a cached prefix covers a batch fully or not at all.
            if width == n {
                n
            } else {
                width / self.batch_size * self.batch_size
            }
        } else {
            0
        };
        let rng = rand_chacha::ChaCha8Rng::seed_from_u64(self.seed);
        References::new(if bandit { n } else { 0 }, self.fixed_order(), width, rng)
    }

    fn settings(&self, n: usize, build: bool) -> BanditSettings {
        let sample = self.sigma_sample.unwrap_or((n / 4).clamp(n.min(MIN_SIGMA_SAMPLE), 1000));
        BanditSettings {
            confidence: if build { self.build_confidence } else { self.swap_confidence },
            batch_size: self.batch_size,
            sigma_sample: sample.div_ceil(self.batch_size).max(1) * self.batch_size,
            sigma_floor: if build { BUILD_SIGMA_FLOOR } else { SWAP_SIGMA_FLOOR },
        }
    }
}

/// What one search found: times, final state, BUILD medoids and loss, swaps, convergence.
type Found = (PhaseSeconds, Assignment, Vec<usize>, f64, usize, bool);

fn check_initial_medoids(medoids: &[usize], k: usize, n: usize) -> Result<()> {
    if medoids.len() != k {
        return Err(Error::InvalidInitialMedoids(format!("{} medoids given for k = {k}", medoids.len())));
    }
    let mut seen = vec![false; n];
    for &m in medoids {
        if m >= n {
            return Err(Error::InvalidInitialMedoids(format!("index {m} is out of range for n = {n}")));
        }
        if std::mem::replace(&mut seen[m], true) {
            return Err(Error::InvalidInitialMedoids(format!("index {m} appears twice")));
        }
    }
    Ok(())
}
