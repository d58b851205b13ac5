//! OneBatchPAM over chunks of rows held elsewhere: the pieces a driver runs next to each chunk
//! (on a Dask worker, say), and the small state it keeps itself. Only the batch, per-batch
//! state and reductions travel; the rows stay where they are.
//!
//! A driver that follows these steps gets the medoids [`crate::KMedoids`] finds with
//! [`crate::Algorithm::OneBatchPam`] and the same seed on all the rows at once:
//!
//! 1. [`DataStats::fold`] every chunk, in row order (the distance kernels centre L2 on the
//!    column means, summed in that order, and scale by the largest absolute value).
//! 2. [`OneBatchPlan::new`] draws the batch and the initial medoids from `n`, `k` and the
//!    seed; the driver fetches the batch rows and sends them to every chunk.
//! 3. Each chunk makes a [`Shard`] and computes its block against the batch
//!    ([`Shard::batch_block`], kept next to the chunk, or [`Shard::batch_votes`] when the
//!    block is to be computed again on demand). The driver adds the votes and the ranges,
//!    and calls [`rescale`] and [`column_weights`].
//! 4. A [`Search`] hands out windows of candidate positions; each chunk [`scan`]s the
//!    candidates of the window it holds against the search's [`Snapshot`]; the driver passes
//!    the first event (smallest position) to [`Search::advance`], until the search ends.
//! 5. [`Shard::nearest`] against the medoid rows gives labels and the exact loss.
//!
//! Distances come out bit for bit as in the in-memory fit when chunks start at multiples of
//! [`ROW_ALIGNMENT`] rows: the product kernels' rounding depends on the shape of the block
//! they compute, and the in-memory fit computes rows in groups aligned on that multiple.
//!
//! ```
//! use banditpam::sharded::{column_weights, scan, DataStats, OneBatchPlan, Search, Shard, ShardRows};
//! use banditpam::{Algorithm, DenseData, KMedoids, Metric};
//!
//! let rows: Vec<f64> = (0..300).map(|i| ((i * 37) % 101) as f64).collect(); // 150 x 2
//! let (d, n, k, seed) = (2, 150, 3, 7);
//! let chunks: Vec<&[f64]> = rows.chunks(64 * d).collect(); // 64 + 64 + 22 rows
//! let mut stats = DataStats::new(d);
//! for chunk in &chunks {
//!     stats.fold(chunk).unwrap();
//! }
//! let plan = OneBatchPlan::new(n, k, None, seed).unwrap();
//! let batch: Vec<f64> = plan.batch.iter().flat_map(|&i| rows[i * d..(i + 1) * d].to_vec()).collect();
//! let shards: Vec<Shard<f64>> = chunks
//!     .iter()
//!     .enumerate()
//!     .map(|(i, c)| Shard::new(c, i * 64, &batch, d, Metric::L2, &stats).unwrap())
//!     .collect();
//! let blocks: Vec<Vec<f32>> = shards.iter().map(|s| s.batch_block(1.0).unwrap().0).collect();
//! let mut votes = vec![0.0; plan.batch.len()];
//! for block in &blocks {
//!     banditpam::sharded::add_votes(block, &mut votes);
//! }
//! let mut search = Search::new(&plan, column_weights(&votes), 100);
//! for &medoid in &plan.initial {
//!     let (i, local) = (medoid / 64, medoid % 64);
//!     search.add_medoid(medoid, &blocks[i][local * plan.batch.len()..(local + 1) * plan.batch.len()]).unwrap();
//! }
//! while let Some(window) = search.window(1000) {
//!     let snapshot = search.snapshot();
//!     let found = shards
//!         .iter()
//!         .zip(&blocks)
//!         .filter_map(|(s, b)| {
//!             let rows: ShardRows<f64> = ShardRows::Stored { block: b, offset: s.offset() };
//!             scan(rows, n, &snapshot, search.weights(), window.clone()).unwrap()
//!         })
//!         .min_by_key(|(found, _)| found.position);
//!     search.advance(window, found);
//! }
//! let (medoids, _, _) = search.finish();
//!
//! let data = DenseData::new(&rows, n, d, Metric::L2).unwrap();
//! let fit = KMedoids::new(k).algorithm(Algorithm::OneBatchPam).seed(seed).fit(&data).unwrap();
//! assert_eq!(medoids, fit.medoids);
//! ```

use std::borrow::Cow;
use std::ops::Range;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::algorithms::onebatch::{self, BatchSearch, Probe, CANDIDATES_PER_TASK, ROWS_PER_TASK};
use crate::algorithms::{best_position, candidate_deltas};
use crate::data::check_dense;
use crate::error::{Error, Result};
use crate::kernels::{add_to_sums, largest_abs, means_of_sums, Kernel, Rows};
use crate::metric::Metric;
use crate::scalar::Scalar;
use crate::state::Assignment;

pub use crate::algorithms::onebatch::Found;

/// Chunks that start at a multiple of this many rows compute every distance with the bits of
/// the in-memory fit.
pub const ROW_ALIGNMENT: usize = ROWS_PER_TASK;

/// Candidates a [`scan`] scores together before looking for the first event among them.
const SCAN_WINDOW: usize = 256;

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
#[derive(Debug, Clone, PartialEq)]
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

/// The random choices of a fit: the batch and the initial medoids, drawn from the seed as the
/// in-memory fit draws them.
///
/// ```
/// use banditpam::sharded::OneBatchPlan;
/// let plan = OneBatchPlan::new(1000, 5, Some(50), 3).unwrap();
/// assert_eq!((plan.batch.len(), plan.initial.len()), (50, 5));
/// assert!(OneBatchPlan::new(4, 5, None, 3).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneBatchPlan {
    /// Number of objects.
    pub n: usize,
    /// The batch members, object indices in draw order.
    pub batch: Vec<usize>,
    /// The initial medoids, in position order.
    pub initial: Vec<usize>,
}

impl OneBatchPlan {
    /// The plan for `k` medoids of `n` objects; `batch_size` `None` is the default `100 ln(n k)`
    /// (within `[k, n]`).
    ///
    /// Errors: [`Error::EmptyData`], [`Error::InvalidParameter`] (k or batch size 0),
    /// [`Error::TooManyClusters`].
    pub fn new(n: usize, k: usize, batch_size: Option<usize>, seed: u64) -> Result<Self> {
        if n == 0 {
            return Err(Error::EmptyData);
        }
        if k == 0 {
            return Err(Error::InvalidParameter { name: "k", expected: ">= 1", value: "0".into() });
        }
        if k > n {
            return Err(Error::TooManyClusters { k, n });
        }
        if batch_size == Some(0) {
            return Err(Error::InvalidParameter { name: "onebatch_size", expected: ">= 1", value: "0".into() });
        }
        let size = batch_size.unwrap_or_else(|| onebatch::default_batch_size(n, k)).clamp(1, n);
        let batch = onebatch::draw_batch(n, size, seed);
        let initial = rand::seq::index::sample(&mut ChaCha8Rng::seed_from_u64(seed), n, k).into_vec();
        Ok(OneBatchPlan { n, batch, initial })
    }

    /// The plan starting from the caller's medoids instead of random ones (checked distinct
    /// and k long by [`crate::KMedoids::check`], as `Init::Medoids`).
    ///
    /// ```
    /// use banditpam::sharded::OneBatchPlan;
    /// let plan = OneBatchPlan::new(100, 2, None, 0).unwrap().with_initial(vec![5, 9]).unwrap();
    /// assert_eq!(plan.initial, vec![5, 9]);
    /// assert!(OneBatchPlan::new(100, 2, None, 0).unwrap().with_initial(vec![5, 100]).is_err());
    /// ```
    ///
    /// Errors: [`Error::InvalidInitialMedoids`] for an index out of range.
    pub fn with_initial(mut self, medoids: Vec<usize>) -> Result<Self> {
        if let Some(m) = medoids.iter().find(|&&m| m >= self.n) {
            return Err(Error::InvalidInitialMedoids(format!("index {m} is out of range for n = {}", self.n)));
        }
        self.initial = medoids;
        Ok(self)
    }
}

/// The seed of search `restart` of a fit with `n_init` searches (0: the fit's own seed), as
/// the in-memory fit derives it; the fit keeps the search with the lowest loss, the first on
/// ties.
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

/// One chunk of rows, with the target rows (the batch, or the medoids) whose distances it
/// computes, and the kernel of the whole data set.
///
/// ```
/// use banditpam::sharded::{DataStats, Shard};
/// use banditpam::Metric;
/// let rows = [0.0f64, 0.0, 3.0, 4.0, 6.0, 8.0]; // rows 10, 11, 12 of a larger set, 2 columns
/// let targets = [0.0f64, 0.0, 6.0, 8.0];
/// let mut stats = DataStats::new(2);
/// stats.fold(&rows).unwrap(); // (and every other chunk, in row order)
/// let shard = Shard::new(&rows, 10, &targets, 2, Metric::L1, &stats).unwrap();
/// let (block, largest, smallest) = shard.batch_block(1.0).unwrap();
/// assert_eq!(block, vec![0.0, 14.0, 7.0, 7.0, 14.0, 0.0]);
/// assert_eq!((largest, smallest), (14.0, 7.0));
/// assert_eq!(shard.batch_rows(&[1], 1.0).unwrap(), vec![7.0, 7.0]);
/// assert_eq!(shard.nearest().unwrap(), (vec![0, 0, 1], vec![0.0, 7.0, 0.0]));
/// assert_eq!(shard.batch_votes(1.0).unwrap().0, vec![2.0, 1.0]);
/// ```
#[derive(Debug, Clone)]
pub struct Shard<T: Scalar> {
    /// The chunk's rows, then the targets'.
    stacked: Vec<T>,
    d: usize,
    len: usize,
    targets: usize,
    offset: usize,
    kernel: Kernel<T>,
}

impl<T: Scalar> Shard<T> {
    /// The chunk `rows` (row-major, `d` columns), whose first row is row `offset` of the whole
    /// data set, against `targets` (row-major, `d` columns), under `metric`, with the
    /// statistics of the whole data set.
    ///
    /// Errors: those of [`crate::DenseData::new`] for either, and [`Error::ShapeMismatch`]
    /// when the statistics are of another width.
    pub fn new(rows: &[T], offset: usize, targets: &[T], d: usize, metric: Metric, stats: &DataStats) -> Result<Self> {
        if stats.column_sums.len() != d {
            return Err(Error::ShapeMismatch { len: stats.column_sums.len(), rows: 1, cols: d, expected: d });
        }
        let metric = check_dense(targets, targets.len().div_ceil(d.max(1)), d, metric)?;
        if !rows.is_empty() {
            check_dense(rows, rows.len().div_ceil(d), d, metric)?;
        }
        let stacked: Vec<T> = rows.iter().chain(targets).copied().collect();
        let kernel = Kernel::with_statistics(
            Rows { values: &stacked, d },
            metric,
            || means_of_sums(&stats.column_sums, stats.rows),
            stats.largest_abs,
        );
        Ok(Shard { len: rows.len() / d, targets: targets.len() / d, d, offset, stacked, kernel })
    }

    /// Rows in the chunk.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the chunk has no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The chunk's first row's number in the whole data set.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The end of the aligned group that local row `start` is in: the next multiple of
    /// [`ROW_ALIGNMENT`] in the whole data set, or the chunk's end.
    fn group_end(&self, start: usize) -> usize {
        (((self.offset + start) / ROW_ALIGNMENT + 1) * ROW_ALIGNMENT - self.offset).min(self.len)
    }

    /// The local rows `rows` widened to whole aligned groups.
    fn aligned(&self, rows: Range<usize>) -> Range<usize> {
        let start = rows.start.saturating_sub((self.offset + rows.start) % ROW_ALIGNMENT);
        let end = if rows.end > rows.start { self.group_end(rows.end - 1) } else { rows.end };
        start..end
    }

    /// The aligned groups covering local rows `rows` (cut at `rows`' ends), each a block the
    /// in-memory fit computes whole.
    fn groups(&self, rows: Range<usize>) -> Vec<Range<usize>> {
        let mut groups = Vec::new();
        let mut start = rows.start;
        while start < rows.end {
            let end = self.group_end(start).min(rows.end);
            groups.push(start..end);
            start = end;
        }
        groups
    }

    /// Distances from the chunk's rows of one group to the targets into `out` (`group.len()`
    /// x targets, row-major, `f64`).
    fn distances(&self, group: Range<usize>, out: &mut [f64]) -> Result<()> {
        let m = self.targets;
        let refs: Vec<usize> = (self.len..self.len + m).collect();
        let cands: Vec<usize> = group.clone().collect();
        self.kernel.block(Rows { values: &self.stacked, d: self.d }, &cands, &refs, out);
        if let Some(pos) = out[..cands.len() * m].iter().position(|v| !v.is_finite()) {
            let (from, to) = (self.offset + group.start + pos / m, pos % m);
            return Err(Error::NonFiniteDissimilarity { from, to, value: out[pos] });
        }
        Ok(())
    }

    /// The `f32` distances of rows `rows` to the targets times `scale`, row-major; and the
    /// largest and smallest positive distance.
    fn block_f32(&self, rows: Range<usize>, scale: f64) -> Result<(Vec<f32>, f64, f64)> {
        let m = self.targets;
        let mut out = crate::memory::filled("a chunk's batch block (rows x batch f32)", rows.len() * m, 0.0f32)?;
        let groups = self.groups(rows.clone());
        let mut slices = Vec::with_capacity(groups.len());
        let mut rest = &mut out[..];
        for g in &groups {
            let (head, tail) = rest.split_at_mut(g.len() * m);
            slices.push(head);
            rest = tail;
        }
        let ranges = groups.into_par_iter().zip(slices).map(|(g, dst)| -> Result<(f64, f64)> {
            let mut block = vec![0.0; g.len() * m];
            self.distances(g, &mut block)?;
            Ok(onebatch::to_f32(&block, scale, dst))
        });
        let (largest, smallest) =
            ranges.try_reduce(|| (0.0, f64::INFINITY), |a, b| Ok((a.0.max(b.0), a.1.min(b.1))))?;
        Ok((out, largest, smallest))
    }

    /// The chunk's block against the batch (rows x batch size, `f32`, times `scale`), to keep
    /// next to the chunk; and the largest and smallest positive distance in it.
    ///
    /// Errors: [`Error::OutOfMemory`], [`Error::NonFiniteDissimilarity`].
    pub fn batch_block(&self, scale: f64) -> Result<(Vec<f32>, f64, f64)> {
        self.block_f32(0..self.len, scale)
    }

    /// The block rows (times `scale`, `f32`) of the chunk's rows `rows` (local numbers), each
    /// computed in its aligned group, so with the bits of [`Shard::batch_block`]'s.
    ///
    /// Errors: [`Error::InvalidInitialMedoids`] for a row out of range,
    /// [`Error::NonFiniteDissimilarity`], [`Error::OutOfMemory`].
    pub fn batch_rows(&self, rows: &[usize], scale: f64) -> Result<Vec<f32>> {
        let m = self.targets;
        let mut out = Vec::with_capacity(rows.len() * m);
        for &r in rows {
            if r >= self.len {
                return Err(Error::InvalidInitialMedoids(format!(
                    "row {r} is out of range for a chunk of {}",
                    self.len
                )));
            }
            let group = self.aligned(r..r + 1);
            let start = group.start;
            let (block, _, _) = self.block_f32(group, scale)?;
            out.extend_from_slice(&block[(r - start) * m..(r - start + 1) * m]);
        }
        Ok(out)
    }

    /// The chunk's votes for its nearest batch members (see [`add_votes`]) and the largest and
    /// smallest positive distance, without keeping the block.
    ///
    /// Errors: [`Error::OutOfMemory`], [`Error::NonFiniteDissimilarity`].
    pub fn batch_votes(&self, scale: f64) -> Result<(Vec<f64>, f64, f64)> {
        let mut votes = vec![0.0; self.targets];
        let (mut largest, mut smallest) = (0.0f64, f64::INFINITY);
        for start in (0..self.len).step_by(ROW_ALIGNMENT * 16) {
            let (block, l, s) = self.block_f32(start..(start + ROW_ALIGNMENT * 16).min(self.len), scale)?;
            add_votes(&block, &mut votes);
            (largest, smallest) = (largest.max(l), smallest.min(s));
        }
        Ok((votes, largest, smallest))
    }

    /// For each row, the position of its nearest target (the lower on ties) and the distance.
    ///
    /// Errors: [`Error::OutOfMemory`], [`Error::NonFiniteDissimilarity`].
    pub fn nearest(&self) -> Result<(Vec<usize>, Vec<f64>)> {
        let m = self.targets.max(1);
        let found: Vec<(usize, f64)> = self
            .groups(0..self.len)
            .into_par_iter()
            .map(|g| -> Result<Vec<(usize, f64)>> {
                let mut block = vec![0.0; g.len() * m];
                self.distances(g, &mut block)?;
                Ok(block
                    .chunks_exact(m)
                    .map(|row| {
                        row.iter().enumerate().fold((0, f64::INFINITY), |b, (j, &v)| if v < b.1 { (j, v) } else { b })
                    })
                    .collect())
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        Ok(found.into_iter().unzip())
    }
}

/// Adds each row's vote for its nearest batch member (the first on ties) to `votes` (one per
/// batch member); `block` holds rows of `votes.len()` values.
///
/// ```
/// let mut votes = vec![0.0; 2];
/// banditpam::sharded::add_votes(&[1.0, 2.0, 5.0, 3.0, 4.0, 4.0], &mut votes);
/// assert_eq!(votes, vec![2.0, 1.0]);
/// ```
pub fn add_votes(block: &[f32], votes: &mut [f64]) {
    onebatch::add_votes(block, None, votes);
}

/// The factor every chunk's block must be computed again with, from the largest and the
/// smallest positive distance of all chunks; `None` when every distance fits `f32` as it is.
///
/// ```
/// assert_eq!(banditpam::sharded::rescale(10.0, 0.5), None);
/// assert_eq!(banditpam::sharded::rescale(1e300, 1.0), Some(2f64.powi(-996)));
/// ```
pub fn rescale(largest: f64, smallest: f64) -> Option<f64> {
    onebatch::rescale(largest, smallest)
}

/// The batch columns' weights from the votes of all chunks: each divided by their mean.
///
/// ```
/// assert_eq!(banditpam::sharded::column_weights(&[3.0, 1.0]), vec![1.5, 0.5]);
/// ```
pub fn column_weights(votes: &[f64]) -> Vec<f32> {
    onebatch::column_weights(votes)
}

/// What a chunk needs to score its candidates: the assignment of the batch to the medoids,
/// the candidate swapped in last and the gain a swap must bring. Small (three values per
/// batch member), so a driver sends it with every window.
#[derive(Debug, Clone)]
pub struct Snapshot {
    state: Assignment,
    /// The candidate swapped in last.
    pub last_swap: Option<usize>,
    /// A swap must change the batch loss by less than this (negative).
    pub threshold: f64,
}

impl Snapshot {
    /// A snapshot from its parts, as [`Snapshot::parts`] gave them.
    ///
    /// Errors: [`Error::ShapeMismatch`] when the per-member parts differ in length, or a
    /// nearest position is not one of the medoids'.
    pub fn from_parts(
        medoids: Vec<usize>,
        nearest: Vec<usize>,
        best: Vec<f64>,
        second: Vec<f64>,
        last_swap: Option<usize>,
        threshold: f64,
    ) -> Result<Self> {
        let m = best.len();
        if nearest.len() != m || second.len() != m || nearest.iter().any(|&p| p >= medoids.len()) {
            return Err(Error::ShapeMismatch { len: nearest.len(), rows: m, cols: 1, expected: m });
        }
        Ok(Snapshot { state: Assignment::from_parts(medoids, best, second, nearest), last_swap, threshold })
    }

    /// `(medoids, nearest, best, second)`: per batch member its nearest medoid's position, and
    /// its distances to the nearest and second-nearest medoid.
    pub fn parts(&self) -> (&[usize], &[usize], &[f64], &[f64]) {
        (&self.state.medoids, &self.state.nearest, &self.state.best, &self.state.second)
    }
}

/// OneBatchPAM's swap search, driven from outside: see the module's steps (and their example).
pub struct Search {
    inner: BatchSearch,
    weights: Vec<f32>,
}

impl Search {
    /// The search of `plan` with the batch columns' `weights` ([`column_weights`]), for at
    /// most `max_passes` passes over the candidates; add the initial medoids next.
    pub fn new(plan: &OneBatchPlan, weights: Vec<f32>, max_passes: usize) -> Self {
        Search { inner: BatchSearch::new(plan.n, weights.len(), max_passes), weights }
    }

    /// The batch columns' weights.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// Add an initial medoid, given its row of the block (unweighted, as a chunk computed it).
    ///
    /// Errors: [`Error::ShapeMismatch`] for a row of the wrong length, [`Error::OutOfMemory`].
    pub fn add_medoid(&mut self, medoid: usize, block_row: &[f32]) -> Result<()> {
        let row = self.weighted(block_row)?;
        self.inner.add_medoid(medoid, &row)
    }

    fn weighted(&self, block_row: &[f32]) -> Result<Vec<f64>> {
        let m = self.weights.len();
        if block_row.len() != m {
            return Err(Error::ShapeMismatch { len: block_row.len(), rows: 1, cols: m, expected: m });
        }
        Ok(block_row.iter().zip(&self.weights).map(|(&v, &w)| f64::from(v * w)).collect())
    }

    /// The next window of at most `len` candidate positions (candidate `position % n`), or
    /// `None` once the search has ended.
    pub fn window(&self, len: usize) -> Option<Range<usize>> {
        self.inner.window(len)
    }

    /// The state the chunks score the window's candidates against.
    pub fn snapshot(&self) -> Snapshot {
        let probe = self.inner.probe();
        Snapshot { state: self.inner.state().clone(), last_swap: probe.last_swap, threshold: probe.threshold }
    }

    /// The batch loss of the current medoids (an estimate of the true loss, in batch units).
    pub fn batch_loss(&self) -> f64 {
        self.inner.state().loss()
    }

    /// The medoids so far.
    pub fn medoids(&self) -> &[usize] {
        &self.inner.state().medoids
    }

    /// Apply the first event of `window` over all chunks (the one with the smallest
    /// position), with the swapped-in candidate's block row as [`scan`] returned it.
    ///
    /// Errors: [`Error::ShapeMismatch`] for a row of the wrong length.
    pub fn advance(&mut self, window: Range<usize>, found: Option<(Found, Vec<f32>)>) -> Result<()> {
        let k = self.inner.state().medoids.len();
        if let Some((Found { swap: Some(pos), .. }, _)) = &found {
            if *pos >= k {
                return Err(Error::InvalidInitialMedoids(format!("position {pos} is out of range for k = {k}")));
            }
        }
        match found {
            Some((found, row)) => {
                let row = self.weighted(&row)?;
                self.inner.advance(window, Some(found), Some(&row));
            }
            None => self.inner.advance(window, None, None),
        }
        Ok(())
    }

    /// Swap `candidate` into medoid position `position` outside the search's own order (a
    /// swap verified on all the rows), given its block row; the batch assignment follows.
    ///
    /// Errors: [`Error::ShapeMismatch`] for a row of the wrong length,
    /// [`Error::InvalidInitialMedoids`] for a position out of range.
    pub fn apply_swap(&mut self, position: usize, candidate: usize, block_row: &[f32]) -> Result<()> {
        let row = self.weighted(block_row)?;
        self.inner.replace(position, candidate, &row)
    }

    /// `(medoids, swaps, converged)`.
    pub fn finish(self) -> (Vec<usize>, usize, bool) {
        self.inner.finish()
    }
}

/// Where a chunk's block rows come from.
pub enum ShardRows<'a, T: Scalar> {
    /// The block kept next to the chunk ([`Shard::batch_block`]), whose first row is row
    /// `offset` of the whole data set.
    Stored {
        /// The block, rows x batch size.
        block: &'a [f32],
        /// The chunk's first row's number in the whole data set.
        offset: usize,
    },
    /// Computed again from the chunk's rows, times `scale`.
    Computed(&'a Shard<T>, f64),
}

/// The first event among the candidates of `window` (positions, candidate `position % n`)
/// that the chunk of `shard` holds, with the candidate's block row; `None` if there is none.
///
/// Errors: [`Error::ShapeMismatch`] when the stored block or the weights do not fit the
/// shard, [`Error::NonFiniteDissimilarity`], [`Error::OutOfMemory`].
pub fn scan<T: Scalar>(
    rows: ShardRows<'_, T>,
    n: usize,
    snapshot: &Snapshot,
    weights: &[f32],
    window: Range<usize>,
) -> Result<Option<(Found, Vec<f32>)>> {
    let (m, offset, len) = checked(&rows, snapshot, weights)?;
    if n == 0 || len == 0 {
        return Ok(None);
    }
    if offset + len > n || window.end.saturating_sub(window.start) > n {
        let value = format!("rows {offset}..{} and positions {window:?} for n = {n}", offset + len);
        return Err(Error::InvalidParameter { name: "window", expected: "within the n objects", value });
    }
    let probe = Probe { state: &snapshot.state, last_swap: snapshot.last_swap, threshold: snapshot.threshold };
    for held in held_positions(window, offset, len, n) {
        let mut start = held.start;
        while start < held.end {
            let end = (start + SCAN_WINDOW).min(held.end);
            let local = (start % n - offset)..(start % n - offset + (end - start));
            let (values, first) = window_rows(&rows, m, local)?;
            let row = |c: usize, out: &mut [f64]| weighted_row(&values, c - offset - first, weights, out);
            if let Some(found) = probe.first_event(start..end, n, row) {
                let i = found.candidate - offset - first;
                return Ok(Some((found, values[i * m..(i + 1) * m].to_vec())));
            }
            start = end;
        }
    }
    Ok(None)
}

/// The `count` swaps of the chunk's candidates that lower the batch loss most, as
/// `(change, candidate, medoid position)` in ascending change (ties: lower candidate): the
/// most promising swaps to verify exactly once the search has ended.
///
/// Errors: those of [`scan`].
pub fn best_swaps<T: Scalar>(
    rows: ShardRows<'_, T>,
    snapshot: &Snapshot,
    weights: &[f32],
    count: usize,
) -> Result<Vec<(f64, usize, usize)>> {
    let (m, offset, len) = checked(&rows, snapshot, weights)?;
    let state = &snapshot.state;
    let k = state.medoids.len();
    let mut best: Vec<(f64, usize, usize)> = Vec::new();
    for start in (0..len).step_by(SCAN_WINDOW * 4) {
        let (values, first) = window_rows(&rows, m, start..(start + SCAN_WINDOW * 4).min(len))?;
        let scored: Vec<(f64, usize, usize)> = (start..(start + SCAN_WINDOW * 4).min(len))
            .into_par_iter()
            .with_min_len(CANDIDATES_PER_TASK)
            .map_init(
                || (vec![0.0; m], vec![0.0; k]),
                |(row, deltas), i| {
                    let c = offset + i;
                    if state.is_medoid(c) {
                        return None;
                    }
                    weighted_row(&values, i - first, weights, row);
                    candidate_deltas(state, row, deltas);
                    let (delta, pos) = best_position(deltas);
                    Some((delta, c, pos))
                },
            )
            .flatten()
            .collect();
        best.extend(scored);
        best.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        best.truncate(count);
    }
    Ok(best)
}

/// `(batch size, offset, rows)` of a chunk's rows after checking they fit the snapshot.
fn checked<T: Scalar>(rows: &ShardRows<'_, T>, snapshot: &Snapshot, weights: &[f32]) -> Result<(usize, usize, usize)> {
    let m = snapshot.state.best.len();
    let (offset, len, targets) = match rows {
        ShardRows::Stored { block, offset } => (*offset, block.len() / m.max(1), m),
        ShardRows::Computed(shard, _) => (shard.offset, shard.len, shard.targets),
    };
    if weights.len() != m || targets != m {
        return Err(Error::ShapeMismatch { len: weights.len(), rows: 1, cols: m, expected: targets });
    }
    if let ShardRows::Stored { block, .. } = rows {
        if block.len() != len * m {
            return Err(Error::ShapeMismatch { len: block.len(), rows: len, cols: m, expected: len * m });
        }
    }
    Ok((m, offset, len))
}

/// The block rows covering the chunk's rows `local` (`m` values each), and the local number
/// of the first row returned.
fn window_rows<'r, T: Scalar>(
    rows: &'r ShardRows<'_, T>,
    m: usize,
    local: Range<usize>,
) -> Result<(Cow<'r, [f32]>, usize)> {
    Ok(match rows {
        ShardRows::Stored { block, .. } => (Cow::Borrowed(&block[local.start * m..local.end * m]), local.start),
        ShardRows::Computed(shard, scale) => {
            // Whole aligned groups, so each distance has the bits of a stored block's.
            let covering = shard.aligned(local);
            let (block, _, _) = shard.block_f32(covering.clone(), *scale)?;
            (Cow::Owned(block), covering.start)
        }
    })
}

/// Row `i` of `values` times the column weights, into `out`, as the in-memory block holds it.
fn weighted_row(values: &[f32], i: usize, weights: &[f32], out: &mut [f64]) {
    let m = weights.len();
    for ((o, &v), &w) in out.iter_mut().zip(&values[i * m..(i + 1) * m]).zip(weights) {
        *o = f64::from(v * w);
    }
}

/// The positions of `window` (at most `n` long) whose candidates lie in rows
/// `offset..offset + len`, as at most two ranges in order.
fn held_positions(window: Range<usize>, offset: usize, len: usize, n: usize) -> Vec<Range<usize>> {
    let base = window.start - window.start % n;
    [base, base + n]
        .into_iter()
        .map(|b| (b + offset).max(window.start)..(b + offset + len).min(window.end))
        .filter(|r| r.start < r.end)
        .collect()
}
