//! k-medoids on rows held in chunks, possibly by other processes: the Dask estimator's engine.
//!
//! The methods with a sharded form (OneBatchPAM and nearswap, see
//! [`crate::Algorithm::is_sharded`]) run as one driver, [`fit`], which sends tasks to the
//! chunks through a [`ChunkExecutor`] and combines their replies. An executor only moves bytes:
//! it runs a serialized task on the chunks it is told, each with its [`ChunkState`], through
//! [`run_task`], and hands the serialized replies back. [`LocalChunks`] does that in this
//! process (for tests and single machines); the Python package's Dask executor does it on the
//! workers that hold the chunks.
//!
//! A sharded fit finds the medoids the in-memory fit finds with the same parameters, whatever
//! the chunks: distances depend on their two rows only, every sum a decision reads is exact
//! ([`crate::ExactSum`]), and every choice among rows is made in row order. The distance kernels
//! need a few statistics of the whole data set first ([`DataStats`], folded chunk by chunk).
//!
//! ```
//! use banditpam::sharded::{fit, DataStats, LocalChunks, Options};
//! use banditpam::{Algorithm, DenseData, KMedoids, Metric};
//!
//! let rows: Vec<f64> = (0..600).map(|i| ((i * 37) % 101) as f64).collect(); // 300 x 2
//! let params = KMedoids::new(4).algorithm(Algorithm::NearSwap).seed(7).check().unwrap();
//! let in_memory = params.fit(&DenseData::new(&rows, 300, 2, Metric::L2).unwrap()).unwrap();
//! // The same rows in chunks of 128, 100 and 72 rows.
//! let chunks: Vec<&[f64]> = vec![&rows[..256], &rows[256..456], &rows[456..]];
//! let mut stats = DataStats::new(2);
//! for chunk in &chunks {
//!     stats.fold(chunk).unwrap();
//! }
//! let mut executor = LocalChunks::new(&chunks, 2, Metric::L2, &stats).unwrap();
//! let sharded = fit(&params, &mut executor, Options::default()).unwrap();
//! assert_eq!(sharded.medoids, in_memory.medoids);
//! assert!((sharded.loss - in_memory.loss).abs() <= 1e-12 * in_memory.loss);
//! ```

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::algorithms::onebatch::plan::{draw_batch, random_medoids};
use crate::algorithms::onebatch::{self, protocol as batch};
use crate::algorithms::{nearswap, Algorithm};
use crate::chunks::{ChunkRows, ChunkTask, Executor, SampledRows};
use crate::data::{check_dense, rescaled_exponent};
use crate::error::{Error, Result};
use crate::init::{Init, ONEBATCH_START_PASSES};
use crate::kernels::{add_to_sums, largest_abs, means_of_sums, Kernel, RowSet, Rows};
use crate::metric::Metric;
use crate::params::CheckedKMedoids;
use crate::result::PhaseSeconds;
use crate::scalar::{PowerOfTwo, Scalar};

pub use crate::algorithms::nearswap::Screening;
pub use crate::chunks::Targets;

/// What the distance kernels need of the whole data set: the column sums (in row order), the
/// number of rows, and the largest absolute value.
///
/// ```
/// use banditpam::sharded::DataStats;
/// let mut stats = DataStats::new(2);
/// stats.fold(&[1.0f32, -5.0, 3.0, 2.0]).unwrap();
/// stats.fold(&[2.0f32, 0.0]).unwrap();
/// assert_eq!((stats.rows, stats.column_sums.clone(), stats.largest_abs), (3, vec![6.0, -3.0], 5.0));
/// assert!(stats.fold(&[f32::NAN, 0.0]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataStats {
    /// Rows folded so far.
    pub rows: usize,
    /// Per column, the sum of the values folded so far, added in row order in `f64`.
    pub column_sums: Vec<f64>,
    /// The largest absolute value folded so far.
    pub largest_abs: f64,
}

impl DataStats {
    /// Nothing folded yet, for rows of `d` values.
    pub fn new(d: usize) -> Self {
        DataStats { rows: 0, column_sums: vec![0.0; d], largest_abs: 0.0 }
    }

    /// Fold the next chunk of rows (row-major, `d` columns): chunks must come in row order.
    ///
    /// Errors: [`Error::NoFeatures`], [`Error::ShapeMismatch`], and [`Error::NonFiniteValue`]
    /// naming the row by its number in the whole data set.
    pub fn fold<T: Scalar>(&mut self, chunk: &[T]) -> Result<()> {
        let d = self.column_sums.len();
        if d == 0 {
            return Err(Error::NoFeatures);
        }
        if chunk.is_empty() {
            return Ok(());
        }
        let rows = chunk.len().div_ceil(d);
        if let Err(error) = check_dense(chunk, rows, d, Metric::L1) {
            return Err(match error {
                Error::NonFiniteValue { row, col, value } => Error::NonFiniteValue { row: self.rows + row, col, value },
                other => other,
            });
        }
        for row in chunk.chunks_exact(d) {
            add_to_sums(&mut self.column_sums, row);
        }
        self.largest_abs = self.largest_abs.max(largest_abs(chunk));
        self.rows += rows;
        Ok(())
    }
}

/// Runs serialized tasks on the chunks of a data set: the one interface between the sharded
/// driver and wherever the chunks are.
pub trait ChunkExecutor {
    /// Rows in each chunk, in row order.
    fn chunk_lens(&self) -> Vec<usize>;

    /// Run the serialized `task` on the chunks `which` (each through [`run_task`] with its
    /// state); return their serialized replies in the same order.
    fn run(&mut self, task: &[u8], which: &[usize]) -> Result<Vec<Vec<u8>>>;
}

/// One chunk of dense rows: rows `offset..offset + len` of the whole data set, with the
/// kernel of the whole data set.
pub struct DenseChunk<'a, T: Scalar> {
    values: &'a [T],
    offset: usize,
    d: usize,
    kernel: Kernel<T>,
    /// Distances are multiplied by this before the search sees them: 1, or for data of
    /// extreme magnitude the power of two the in-memory fit divides them by.
    distance_scale: PowerOfTwo,
}

impl<'a, T: Scalar> DenseChunk<'a, T> {
    /// The chunk `values` (row-major, `d` columns), whose first row is row `offset` of the
    /// whole data set, under `metric`, with the statistics of the whole data set.
    ///
    /// Errors: those of [`crate::DenseData::new`], and [`Error::ShapeMismatch`] when the
    /// statistics are of another width.
    pub fn new(values: &'a [T], offset: usize, d: usize, metric: Metric, stats: &DataStats) -> Result<Self> {
        if stats.column_sums.len() != d {
            return Err(Error::ShapeMismatch { len: stats.column_sums.len(), rows: 1, cols: d, expected: d });
        }
        let metric = if values.is_empty() {
            metric.validate()?
        } else {
            check_dense(values, values.len().div_ceil(d), d, metric)?
        };
        crate::data::check_squares(metric, stats.largest_abs)?;
        let kernel =
            Kernel::with_statistics(metric, || means_of_sums(&stats.column_sums, stats.rows), stats.largest_abs);
        let distance_scale = PowerOfTwo::new(-rescaled_exponent(metric.scale_exponent(stats.largest_abs)));
        Ok(DenseChunk { values, offset, d, kernel, distance_scale })
    }

    /// Rows of the chunk at `local`, copied next to each other (or all of them as they are).
    fn rows_at(&self, local: &[usize]) -> std::borrow::Cow<'a, [T]> {
        let len = self.values.len() / self.d;
        if local.len() == len && local.iter().enumerate().all(|(i, &r)| i == r) {
            return std::borrow::Cow::Borrowed(self.values);
        }
        std::borrow::Cow::Owned(
            local.iter().flat_map(|&r| self.values[r * self.d..(r + 1) * self.d].iter().copied()).collect(),
        )
    }

    /// `out[a * b.len() + j] = d(a's row i, b's row j)` for two row-major sets of rows.
    fn between(&self, a: &[T], b: &[T], out: &mut [f64], names: (&[usize], &[usize])) -> Result<()> {
        let d = self.d;
        let (rows_a, rows_b) = (Rows { values: a, d }, Rows { values: b, d });
        let (stats_a, stats_b) = (self.kernel.stats(rows_a), self.kernel.stats(rows_b));
        let (ia, ib): (Vec<usize>, Vec<usize>) = ((0..a.len() / d).collect(), (0..b.len() / d).collect());
        let width = ib.len();
        use rayon::prelude::*;
        out[..ia.len() * width].par_chunks_mut((64 * width).max(1)).zip(ia.par_chunks(64)).for_each(|(dst, part)| {
            self.kernel.block(
                RowSet { rows: rows_a, stats: &stats_a },
                part,
                RowSet { rows: rows_b, stats: &stats_b },
                &ib,
                dst,
            );
        });
        out[..ia.len() * width].iter_mut().for_each(|v| *v = self.distance_scale.times(*v));
        if let Some(pos) = out[..ia.len() * width].iter().position(|v| !v.is_finite()) {
            let (from, to) = (names.0[pos / width.max(1)], names.1[pos % width.max(1)]);
            return Err(Error::NonFiniteDissimilarity { from, to, value: out[pos] });
        }
        Ok(())
    }

    /// Each row's nearest row of `centers` (its position, the lower on ties) and the distance
    /// to it: the labels and the loss of a chunk, by the kernel the fit used.
    ///
    /// Errors: [`Error::ShapeMismatch`] for centers of another width, and
    /// [`Error::NonFiniteDissimilarity`].
    pub fn nearest(&self, centers: &Targets) -> Result<(Vec<usize>, Vec<f64>)> {
        let (len, k) = (ChunkRows::len(self), centers.len());
        if k == 0 {
            return Err(Error::EmptyData);
        }
        let (mut labels, mut distances) = (Vec::with_capacity(len), Vec::with_capacity(len));
        // A block of rows at a time keeps the scratch at a few MiB whatever the chunk's size.
        let mut scratch = vec![0.0; NEAREST_BLOCK * k];
        for start in (0..len).step_by(NEAREST_BLOCK) {
            let local: Vec<usize> = (start..(start + NEAREST_BLOCK).min(len)).collect();
            let out = &mut scratch[..local.len() * k];
            self.distances_to_targets(&local, centers, out)?;
            for row in out.chunks_exact(k) {
                let (best, value) =
                    row.iter().enumerate().fold((0, f64::INFINITY), |b, (j, &v)| if v < b.1 { (j, v) } else { b });
                labels.push(best);
                distances.push(self.in_data_units(value));
            }
        }
        Ok((labels, distances))
    }

    fn target_values(&self, targets: &Targets) -> Result<Vec<T>> {
        if targets.values.len() != targets.len() * self.d {
            return Err(Error::ShapeMismatch {
                len: targets.values.len(),
                rows: targets.len(),
                cols: self.d,
                expected: targets.len() * self.d,
            });
        }
        Ok(targets.values.iter().map(|&v| T::from_f64(v)).collect())
    }
}

impl<T: Scalar> ChunkRows for DenseChunk<'_, T> {
    fn offset(&self) -> usize {
        self.offset
    }

    fn len(&self) -> usize {
        self.values.len() / self.d
    }

    fn weight(&self, _: usize) -> f64 {
        1.0
    }

    fn distances_from_targets(&self, targets: &Targets, local: &[usize], out: &mut [f64]) -> Result<()> {
        let names: Vec<usize> = local.iter().map(|&r| self.offset + r).collect();
        self.between(&self.target_values(targets)?, &self.rows_at(local), out, (&targets.ids, &names))
    }

    fn distances_to_targets(&self, local: &[usize], targets: &Targets, out: &mut [f64]) -> Result<()> {
        let names: Vec<usize> = local.iter().map(|&r| self.offset + r).collect();
        self.between(&self.rows_at(local), &self.target_values(targets)?, out, (&names, &targets.ids))
    }

    fn in_data_units(&self, distance: f64) -> f64 {
        self.distance_scale.divide(distance)
    }

    fn targets(&self, local: &[usize]) -> Result<Targets> {
        Ok(Targets {
            ids: local.iter().map(|&r| self.offset + r).collect(),
            values: self.rows_at(local).iter().map(|v| v.to_f64()).collect(),
        })
    }
}

/// Rows per block of [`DenseChunk::nearest`].
const NEAREST_BLOCK: usize = 1024;

/// A task of any sharded method, as it travels.
#[derive(Debug, Serialize, Deserialize)]
enum AnyTask {
    OneBatch(batch::Task),
    NearSwap(nearswap::protocol::Task),
    /// `task` on the chunk's rows in the sample of `seed` (`nearswap::sample`), with the state
    /// the chunk keeps for the sample; `offsets` maps each chunk's first row to the number of
    /// its first row in the sample.
    Sampled {
        seed: u64,
        offsets: Vec<(usize, usize)>,
        task: Box<AnyTask>,
    },
    /// The search on the sample is over: drop its state.
    EndSample,
}

/// A reply of any sharded method, as it travels.
// Decoded once per reply and unpacked at once: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Serialize, Deserialize)]
enum AnyReply {
    OneBatch(batch::Reply),
    NearSwap(nearswap::protocol::Reply),
    Ended,
}

/// What a chunk keeps between the tasks of a fit.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ChunkState {
    onebatch: batch::State,
    nearswap: nearswap::protocol::State,
    /// The search on a sample of the data, while it runs.
    sampled: Option<Box<SampleState>>,
}

/// What a chunk keeps while a search runs on a sample: the sample's seed, the chunk's rows in
/// it (found once, not at every task) and the search's state.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SampleState {
    seed: u64,
    rows: Vec<usize>,
    state: ChunkState,
}

fn wire<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| Error::Sharded(format!("could not encode a message: {e}")))
}

fn unwire<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| Error::Sharded(format!("could not decode a message: {e}")))
}

impl ChunkState {
    /// The state as bytes, to move it between processes (a Dask worker spilling or handing it
    /// over).
    ///
    /// Errors: [`Error::Sharded`] if it cannot be encoded.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        wire(self)
    }

    /// A state from [`ChunkState::to_bytes`]'s bytes.
    ///
    /// Errors: [`Error::Sharded`] for bytes that are no state.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        unwire(bytes)
    }
}

/// Run the serialized `task` on `chunk` with its `state`; returns the serialized reply. What a
/// [`ChunkExecutor`] calls next to each chunk.
///
/// Errors: [`Error::Sharded`] for bytes that are no task, and whatever the task meets
/// (non-finite distances, memory).
pub fn run_task<T: Scalar>(chunk: &DenseChunk<'_, T>, state: &mut ChunkState, task: &[u8]) -> Result<Vec<u8>> {
    wire(&run_any(chunk, state, unwire::<AnyTask>(task)?)?)
}

fn run_any(chunk: &dyn ChunkRows, state: &mut ChunkState, task: AnyTask) -> Result<AnyReply> {
    Ok(match task {
        AnyTask::OneBatch(task) => AnyReply::OneBatch(task.run(chunk, &mut state.onebatch)?),
        AnyTask::NearSwap(task) => AnyReply::NearSwap(task.run(chunk, &mut state.nearswap)?),
        AnyTask::Sampled { seed, offsets, task } => {
            let first = chunk.offset();
            let offset = offsets
                .iter()
                .find(|o| o.0 == first)
                .ok_or_else(|| Error::Sharded(format!("no sample offset for the chunk at row {first}")))?
                .1;
            if !state.sampled.as_ref().is_some_and(|s| s.seed == seed) {
                let rows = (0..chunk.len()).filter(|&r| nearswap::sample::in_sample(seed, first + r)).collect();
                state.sampled = Some(Box::new(SampleState { seed, rows, state: ChunkState::default() }));
            }
            let SampleState { rows, state, .. } = &mut **state.sampled.get_or_insert_with(Default::default);
            run_any(&SampledRows { chunk, rows, offset }, state, *task)?
        }
        AnyTask::EndSample => {
            state.sampled = None;
            AnyReply::Ended
        }
    })
}

/// The typed executors the drivers use, over a [`ChunkExecutor`]: on all the rows, or on the
/// rows of a sample.
struct Remote<'e> {
    inner: &'e mut dyn ChunkExecutor,
    sample: Option<SampleOfChunks>,
}

/// A sample of the rows (`nearswap::sample`) as the chunks hold it.
#[derive(Clone)]
struct SampleOfChunks {
    seed: u64,
    /// Each chunk's first row, and the number of its first sampled row in the sample.
    offsets: Vec<(usize, usize)>,
    /// Sampled rows in each chunk.
    lens: Vec<usize>,
}

impl SampleOfChunks {
    fn new(seed: u64, lens: &[usize], members: &[usize]) -> Self {
        let sampled = nearswap::sample::sampled_lens(lens, members);
        let (mut first, mut offset, mut offsets) = (0, 0, Vec::with_capacity(lens.len()));
        for (len, taken) in lens.iter().zip(&sampled) {
            offsets.push((first, offset));
            first += len;
            offset += taken;
        }
        SampleOfChunks { seed, offsets, lens: sampled }
    }
}

impl Remote<'_> {
    fn lens(&self) -> Vec<usize> {
        match &self.sample {
            Some(sample) => sample.lens.clone(),
            None => self.inner.chunk_lens(),
        }
    }

    fn wire_task(&self, task: AnyTask) -> Result<Vec<u8>> {
        match &self.sample {
            Some(s) => wire(&AnyTask::Sampled { seed: s.seed, offsets: s.offsets.clone(), task: Box::new(task) }),
            None => wire(&task),
        }
    }
}

macro_rules! remote_executor {
    ($task:ty, $variant:ident) => {
        impl Executor<$task> for Remote<'_> {
            fn chunk_lens(&self) -> Vec<usize> {
                self.lens()
            }

            fn run(&mut self, task: &$task, which: &[usize]) -> Result<Vec<<$task as ChunkTask>::Reply>> {
                let bytes = self.wire_task(AnyTask::$variant(task.clone()))?;
                let replies = self.inner.run(&bytes, which)?;
                if replies.len() != which.len() {
                    return Err(Error::Sharded(format!("{} replies for {} chunks", replies.len(), which.len())));
                }
                replies
                    .iter()
                    .map(|r| match unwire::<AnyReply>(r)? {
                        AnyReply::$variant(reply) => Ok(reply),
                        _ => Err(Error::Sharded("a reply of another method".into())),
                    })
                    .collect()
            }
        }
    };
}

remote_executor!(batch::Task, OneBatch);
remote_executor!(nearswap::protocol::Task, NearSwap);

/// Chunks of dense rows in this process, run through the same serialized tasks as chunks held
/// elsewhere: the executor of tests and single machines.
pub struct LocalChunks<'a, T: Scalar> {
    chunks: Vec<DenseChunk<'a, T>>,
    states: Vec<ChunkState>,
}

impl<'a, T: Scalar> LocalChunks<'a, T> {
    /// The chunks `chunks` (row-major, `d` columns each, in row order) under `metric`, with the
    /// statistics of all of them.
    ///
    /// Errors: those of [`DenseChunk::new`].
    pub fn new(chunks: &[&'a [T]], d: usize, metric: Metric, stats: &DataStats) -> Result<Self> {
        let mut offset = 0;
        let mut made = Vec::with_capacity(chunks.len());
        for values in chunks {
            made.push(DenseChunk::new(values, offset, d, metric, stats)?);
            offset += values.len() / d.max(1);
        }
        Ok(LocalChunks { states: made.iter().map(|_| ChunkState::default()).collect(), chunks: made })
    }
}

impl<T: Scalar> ChunkExecutor for LocalChunks<'_, T> {
    fn chunk_lens(&self) -> Vec<usize> {
        self.chunks.iter().map(ChunkRows::len).collect()
    }

    fn run(&mut self, task: &[u8], which: &[usize]) -> Result<Vec<Vec<u8>>> {
        which.iter().map(|&i| run_task(&self.chunks[i], &mut self.states[i], task)).collect()
    }
}

/// What a sharded fit found.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardedFit {
    /// The method that ran.
    pub algorithm: Algorithm,
    /// The medoids (row numbers in the whole data set), in position order.
    pub medoids: Vec<usize>,
    /// The total loss, exact.
    pub loss: f64,
    /// The medoids after the start.
    pub build_medoids: Vec<usize>,
    /// Their loss.
    pub build_loss: f64,
    /// Swaps applied.
    pub swaps: usize,
    /// Whether the search stopped because no swap improved the loss.
    pub converged: bool,
    /// Wall time by phase.
    pub seconds: PhaseSeconds,
}

/// How a sharded fit uses the chunks' memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Keep each chunk's block of distances to OneBatchPAM's batch (rows x batch `f32`) next
    /// to it for the search, rather than compute rows again when they are scored (about as
    /// much work again per pass, no memory).
    pub keep_block: bool,
    /// nearswap's screening (its defaults unless a test changes them).
    pub screening: Screening,
}

impl Default for Options {
    fn default() -> Self {
        Options { keep_block: true, screening: Screening::default() }
    }
}

/// The parameters a sharded fit runs: `auto` runs nearswap, with nearswap's defaults where
/// the caller chose none.
fn resolved(params: &CheckedKMedoids) -> Result<CheckedKMedoids> {
    match params.algorithm {
        Algorithm::Auto => params.with_method(Algorithm::NearSwap, None),
        _ => Ok(params.clone()),
    }
}

/// The bytes every chunk's kept OneBatchPAM block takes together, for `n` rows: what
/// [`Options::keep_block`] costs (0 for a fit that draws no batch).
///
/// ```
/// use banditpam::sharded::kept_block_bytes;
/// use banditpam::{Algorithm, KMedoids};
/// let params = KMedoids::new(10).algorithm(Algorithm::OneBatchPam).onebatch_size(Some(500)).check().unwrap();
/// assert_eq!(kept_block_bytes(&params, 100_000), 100_000 * 500 * 4);
/// ```
pub fn kept_block_bytes(params: &CheckedKMedoids, n: usize) -> usize {
    let Ok(params) = resolved(params) else { return 0 };
    let draws_batch = match (&params.init, params.algorithm) {
        (_, Algorithm::OneBatchPam) => true,
        (Init::Medoids(_) | Init::Random, _) => false,
        _ => true,
    };
    if !draws_batch || n == 0 {
        return 0;
    }
    let size = if params.algorithm == Algorithm::OneBatchPam {
        onebatch::search_batch_size
    } else {
        onebatch::start_batch_size
    };
    let batch = size(params.onebatch_size, n, params.k);
    n.saturating_mul(batch).saturating_mul(std::mem::size_of::<f32>())
}

/// The one sharded driver: fit the checked parameters on the chunks `exec` runs. `auto` runs
/// nearswap, the sharded method of PAM-level loss. The medoids are those of the in-memory fit.
///
/// Errors: [`Error::NotSharded`] for a method without a sharded form or sample weights,
/// [`Error::EmptyData`], [`Error::TooManyClusters`], [`Error::InvalidInitialMedoids`], and
/// what the chunks report.
pub fn fit(params: &CheckedKMedoids, exec: &mut dyn ChunkExecutor, options: Options) -> Result<ShardedFit> {
    let started = Instant::now();
    let params = &resolved(params)?;
    let algorithm = params.algorithm;
    if !algorithm.is_sharded() || params.weights.is_some() {
        return Err(Error::NotSharded(algorithm.name()));
    }
    let n: usize = exec.chunk_lens().iter().sum();
    let k = params.k;
    if n == 0 {
        return Err(Error::EmptyData);
    }
    if k > n {
        return Err(Error::TooManyClusters { k, n });
    }
    let mut best: Option<ShardedFit> = None;
    for restart in 0..params.n_init {
        let seed = restart_seed(params.seed, restart);
        let mut remote = Remote { inner: &mut *exec, sample: None };
        let clock = Instant::now();
        let random = random_medoids(n, k, seed);
        let budget_bytes = params.memory_budget.unwrap_or(usize::MAX);
        let settings = batch::Settings { keep_block: options.keep_block, max_passes: params.max_iter, budget_bytes };
        let swap_settings = nearswap::protocol::Settings {
            screening: options.screening,
            seed,
            max_passes: params.max_iter,
            budget_bytes,
        };
        let sample = match params.init {
            Init::Sample => nearswap::sample::members(n, k, seed, options.screening.sample_from),
            _ => None,
        };
        let start = match (&params.init, algorithm) {
            (Init::Medoids(m), _) => {
                if let Some(&bad) = m.iter().find(|&&j| j >= n) {
                    return Err(Error::InvalidInitialMedoids(format!("index {bad} is out of range for n = {n}")));
                }
                m.clone()
            }
            (Init::Random, _) | (_, Algorithm::OneBatchPam) => random.clone(),
            (Init::Sample, _) if sample.is_some() => {
                let members = sample.as_deref().unwrap_or_default();
                let lens = remote.inner.chunk_lens();
                let mut on_sample =
                    Remote { inner: &mut *remote.inner, sample: Some(SampleOfChunks::new(seed, &lens, members)) };
                let start = nearswap::sample::onebatch_start(
                    &mut on_sample,
                    k,
                    params.onebatch_size,
                    options.keep_block,
                    swap_settings,
                )?;
                let (_, found) =
                    nearswap::protocol::search(&mut on_sample, &start, swap_settings, &mut |_, _, _| Ok(()))?;
                let every: Vec<usize> = (0..lens.len()).collect();
                remote.inner.run(&wire(&AnyTask::EndSample)?, &every)?;
                found.into_iter().map(|s| members[s]).collect()
            }
            (Init::OneBatch | Init::Sample, _) => {
                let passes = batch::Settings { max_passes: ONEBATCH_START_PASSES, ..settings };
                let size = onebatch::start_batch_size(params.onebatch_size, n, k);
                batch::search(&mut remote, &draw_batch(n, size, seed), &random, passes)?.0
            }
            (other, _) => return Err(Error::NotSharded(init_name(other))),
        };
        let build_loss = batch::loss(&mut remote, &start)?;
        let build_seconds = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        let (medoids, swaps, converged) = match algorithm {
            Algorithm::OneBatchPam => {
                let size = onebatch::search_batch_size(params.onebatch_size, n, k);
                batch::search(&mut remote, &draw_batch(n, size, seed), &start, settings)?
            }
            _ => {
                let (found, medoids) =
                    nearswap::protocol::search(&mut remote, &start, swap_settings, &mut |_, _, _| Ok(()))?;
                (medoids, found.applied, found.converged)
            }
        };
        let loss = batch::loss(&mut remote, &medoids)?;
        let seconds = PhaseSeconds { build: build_seconds, swap: clock.elapsed().as_secs_f64(), other: 0.0 };
        let found =
            ShardedFit { algorithm, medoids, loss, build_medoids: start, build_loss, swaps, converged, seconds };
        // The lowest loss, the first on ties, as the in-memory fit keeps.
        best = match best {
            Some(b) if b.loss <= found.loss => Some(ShardedFit { seconds: add(b.seconds, found.seconds), ..b }),
            Some(b) => Some(ShardedFit { seconds: add(b.seconds, found.seconds), ..found }),
            None => Some(found),
        };
    }
    let mut best = best.ok_or(Error::EmptyData)?;
    best.seconds.other = (started.elapsed().as_secs_f64() - best.seconds.build - best.seconds.swap).max(0.0);
    Ok(best)
}

fn add(a: PhaseSeconds, b: PhaseSeconds) -> PhaseSeconds {
    PhaseSeconds { build: a.build + b.build, swap: a.swap + b.swap, other: 0.0 }
}

fn init_name(init: &Init) -> &'static str {
    match init {
        Init::Build => "init build",
        Init::KMedoidsPlusPlus => "init k-medoids++",
        _ => "this init",
    }
}

/// The seed of search `restart` of a fit with `n_init` searches (0: the fit's own seed), as
/// the in-memory fit derives it.
///
/// ```
/// use banditpam::sharded::restart_seed;
/// assert_eq!(restart_seed(7, 0), 7);
/// assert_ne!(restart_seed(7, 1), restart_seed(8, 1));
/// ```
pub fn restart_seed(seed: u64, restart: usize) -> u64 {
    if restart == 0 {
        seed
    } else {
        crate::fit::restart_seed(seed, restart)
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::algorithms::nearswap::{protocol, sample};
    use crate::chunks::LocalExecutor;
    use crate::context::{Context, Phase};
    use crate::state::Assignment;
    use crate::{DenseData, KMedoids, Silent};

    /// The start on a sample, made where the test lowers the size it starts from: the same
    /// medoids in memory (a subset of the data) and on every chunking (the chunks' sampled
    /// rows), and so the same answer of the search that follows.
    #[test]
    fn the_start_on_a_sample_is_the_same_in_memory_and_on_every_chunking() {
        let (n, d, k, seed) = (4500, 3, 4, 3);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let rows: Vec<f64> = (0..n * d).map(|i| rng.random::<f64>() + ((i / d) % 6) as f64 * 0.8).collect();
        let screening = Screening { sample_from: 1, ..Screening::default() };
        let settings = protocol::Settings { screening, seed, max_passes: 100, budget_bytes: usize::MAX };

        let data = DenseData::new(&rows, n, d, Metric::L2).unwrap();
        let ctx = Context::new(&data, &Silent);
        let members = sample::members(n, k, seed, screening.sample_from).expect("a sample of 100 per cluster");
        assert!(members.len() > n / 20 && members.len() < n / 5, "{} members", members.len());
        let start = sample::search_in_memory(&ctx, &members, k, None, settings).unwrap();
        let (_, answer) =
            protocol::search(&mut LocalExecutor::whole(&ctx), &start, settings, &mut |_, _, _| Ok(())).unwrap();
        let loss = |m: &[usize]| Assignment::from_medoids(&ctx, Phase::Other, m).unwrap().loss();
        let random = loss(&random_medoids(n, k, seed));
        assert!(loss(&start) < 0.8 * random, "start {} against random {random}", loss(&start));
        assert!(loss(&answer) <= loss(&start));

        let params = KMedoids::new(k).algorithm(Algorithm::NearSwap).init(Init::Sample).seed(seed).check().unwrap();
        let mut stats = DataStats::new(d);
        stats.fold(&rows).unwrap();
        for sizes in [vec![n], vec![1000, 0, 1500, 2000], vec![700; 7]] {
            let mut at = 0;
            let chunks: Vec<&[f64]> = sizes
                .iter()
                .map(|&len| {
                    at += len;
                    &rows[(at - len) * d..at.min(n) * d]
                })
                .collect();
            let mut exec = LocalChunks::new(&chunks, d, Metric::L2, &stats).unwrap();
            let found = fit(&params, &mut exec, Options { keep_block: true, screening }).unwrap();
            assert_eq!(found.build_medoids, start, "chunks of {sizes:?}");
            assert_eq!(found.medoids, answer, "chunks of {sizes:?}");
            // The chunks dropped the sample's state.
            assert!(exec.states.iter().all(|s| s.sampled.is_none()));
        }
    }
}
