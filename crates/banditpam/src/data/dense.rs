//! Dense vectors borrowed from the caller's buffer.

use crate::error::{Error, Result};
use crate::kernels::{column_means, largest_abs, Kernel, RowSet, RowStats, Rows};
use crate::metric::Metric;
use crate::scalar::Scalar;

use super::Dissimilarity;

/// n vectors of d elements, borrowed row-major from the caller (no copy), with a metric.
///
/// Construction checks the shape and that every value is finite, and precomputes what the
/// kernels need (norms, means): O(n + d) extra memory.
///
/// ```
/// use banditpam::{DenseData, Metric};
/// let rows = [1.0f32, 2.0, 3.0, 4.0];
/// let data = DenseData::new(&rows, 2, 2, Metric::L1).unwrap();
/// assert_eq!((data.n(), data.dim()), (2, 2));
/// assert!(DenseData::new(&rows, 3, 2, Metric::L1).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct DenseData<'a, T: Scalar> {
    values: &'a [T],
    n: usize,
    d: usize,
    metric: Metric,
    kernel: Kernel<T>,
    stats: RowStats,
    /// See [`Dissimilarity::scale_exponent`].
    scale_exponent: i32,
}

impl<'a, T: Scalar> DenseData<'a, T> {
    /// Borrow `values` as `n` rows of `d` columns, row-major.
    ///
    /// Errors: [`Error::EmptyData`], [`Error::NoFeatures`], [`Error::ShapeMismatch`],
    /// [`Error::NonFiniteValue`], [`Error::InvalidMinkowskiP`].
    pub fn new(values: &'a [T], n: usize, d: usize, metric: Metric) -> Result<Self> {
        let metric = check(values, n, d, metric)?;
        let largest = largest_abs(values);
        check_squares(metric, largest)?;
        let rows = Rows { values, d };
        let kernel = Kernel::with_statistics(metric, || column_means(values, d), largest);
        let stats = kernel.stats(rows);
        Ok(DenseData { values, n, d, metric, kernel, stats, scale_exponent: metric.scale_exponent(largest) })
    }

    /// Number of rows.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of columns.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// Row `i` as a slice.
    pub fn row(&self, i: usize) -> &'a [T] {
        &self.values[i * self.d..(i + 1) * self.d]
    }

    /// The whole row-major buffer.
    pub fn values(&self) -> &'a [T] {
        self.values
    }
}

impl<T: Scalar> Dissimilarity for DenseData<'_, T> {
    fn len(&self) -> usize {
        self.n
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        let set = RowSet { rows: Rows { values: self.values, d: self.d }, stats: &self.stats };
        self.kernel.block(set, candidates, set, references, out);
        Ok(())
    }

    /// Every metric of [`crate::Metric`] is symmetric.
    fn is_symmetric(&self) -> bool {
        true
    }

    fn scale_exponent(&self) -> i32 {
        self.scale_exponent
    }

    fn block_interruptible(
        &self,
        candidates: &[usize],
        references: &[usize],
        out: &mut [f64],
        keep_going: &dyn Fn() -> bool,
    ) -> Result<()> {
        // Candidates per slice, so that a slice is about 2^28 multiply-adds: whole blocks for
        // ordinary sizes, one row at a time for very long vectors.
        let work_per_row = (references.len() * self.d).max(1);
        let per_slice = ((1usize << 28) / work_per_row).max(1);
        let width = references.len();
        for (slice, dst) in candidates.chunks(per_slice).zip(out.chunks_mut(per_slice * width.max(1))) {
            if !keep_going() {
                return Err(Error::Interrupted);
            }
            self.block(slice, references, dst)?;
        }
        Ok(())
    }
}

/// The checks of [`DenseData::new`]: the metric's parameters, the shape, finite values.
/// Returns the validated metric.
pub(crate) fn check<T: Scalar>(values: &[T], n: usize, d: usize, metric: Metric) -> Result<Metric> {
    let metric = metric.validate()?;
    if n == 0 {
        return Err(Error::EmptyData);
    }
    if d == 0 {
        return Err(Error::NoFeatures);
    }
    let expected =
        n.checked_mul(d).ok_or(Error::ShapeMismatch { len: values.len(), rows: n, cols: d, expected: usize::MAX })?;
    if values.len() != expected {
        return Err(Error::ShapeMismatch { len: values.len(), rows: n, cols: d, expected });
    }
    if let Some(pos) = values.iter().position(|v| !v.to_f64().is_finite()) {
        return Err(Error::NonFiniteValue { row: pos / d, col: pos % d, value: values[pos].to_f64() });
    }
    Ok(metric)
}

/// Squared L2 of data whose largest absolute value is `largest`: refused where the square
/// of the largest value is below `f64`'s normal range, so that every squared distance is
/// subnormal or zero. (Large values need no check: a squared distance that overflows is
/// reported where it is computed.) The kernels scale rows by a power of two, so every other
/// metric takes such data.
pub(crate) fn check_squares(metric: Metric, largest: f64) -> Result<()> {
    if metric == Metric::SquaredL2 && largest > 0.0 && largest * largest < f64::MIN_POSITIVE {
        return Err(Error::SquaresUnderflow { largest });
    }
    Ok(())
}

/// Distances from each of `m` rows of `points` to each of `k` rows of `centers` (both row-major,
/// `d` columns), as an `m x k` row-major matrix: `out[i * k + j] = metric(centers[j], points[i])`.
/// This is what `predict` and `transform` need for rows that were not in the fitted data. Runs
/// in a pool of `threads` workers (all cores for `None`), through the same kernels as a fit.
///
/// Errors: those of [`DenseData::new`] for either input, [`Error::InvalidParameter`] (threads),
/// [`Error::TooManyThreads`], [`Error::OutOfMemory`].
///
/// ```
/// use banditpam::{data::cross_distances, Metric};
/// let centers = [0.0f64, 0.0, 10.0, 0.0];
/// let points = [1.0f64, 0.0, 9.0, 0.0, 5.0, 0.0];
/// let d = cross_distances(&points, &centers, 2, Metric::L1, Some(1)).unwrap();
/// assert_eq!(d, vec![1.0, 9.0, 9.0, 1.0, 5.0, 5.0]);
/// ```
pub fn cross_distances<T: Scalar>(
    points: &[T],
    centers: &[T],
    d: usize,
    metric: Metric,
    threads: Option<usize>,
) -> Result<Vec<f64>> {
    use rayon::prelude::*;
    /// Points per task: enough to amortise copying the centers next to them.
    const CHUNK: usize = 1024;
    if d == 0 {
        return Err(Error::NoFeatures);
    }
    for values in [points, centers] {
        // Rounded up, so that a partial row is a shape mismatch rather than a missing row.
        check(values, values.len().div_ceil(d), d, metric)?;
    }
    let k = centers.len() / d;
    let mut out = crate::memory::filled("the distances to the medoids (m x k)", points.len() / d * k, 0.0)?;
    // Centred on the centers, scaled for the largest value of either: every point's distances
    // depend on the point and the centers only, not on the points computed with it.
    let centres = Rows { values: centers, d };
    let largest = largest_abs(centers).max(largest_abs(points));
    check_squares(metric, largest)?;
    let kernel = Kernel::with_statistics(metric, || column_means(centres.values, d), largest);
    let centre_stats = kernel.stats(centres);
    crate::parallel::with_pool(threads, || {
        out.par_chunks_mut(CHUNK * k).zip(points.par_chunks(CHUNK * d)).for_each(|(dst, chunk)| {
            let rows = chunk.len() / d;
            let chunk_rows: Vec<usize> = (0..rows).collect();
            let all_centers: Vec<usize> = (0..k).collect();
            let (points, centres) = (Rows { values: chunk, d }, Rows { values: centers, d });
            let (points, centres) =
                (RowSet { rows: points, stats: &kernel.stats(points) }, RowSet { rows: centres, stats: &centre_stats });
            kernel.block(points, &chunk_rows, centres, &all_centers, dst);
        });
    })?;
    Ok(out)
}

/// Flatten equally long rows into one row-major buffer, returning `(values, n, d)`.
///
/// Errors: [`Error::EmptyData`], [`Error::NoFeatures`], [`Error::RaggedRows`].
///
/// ```
/// let rows = vec![vec![1.0f32, 2.0], vec![3.0, 4.0]];
/// let (values, n, d) = banditpam::data::flatten_rows(&rows).unwrap();
/// assert_eq!((values, n, d), (vec![1.0, 2.0, 3.0, 4.0], 2, 2));
/// assert!(banditpam::data::flatten_rows(&[vec![1.0f32], vec![]]).is_err());
/// ```
pub fn flatten_rows<T: Copy, R: AsRef<[T]>>(rows: &[R]) -> Result<(Vec<T>, usize, usize)> {
    let first = rows.first().ok_or(Error::EmptyData)?.as_ref().len();
    if first == 0 {
        return Err(Error::NoFeatures);
    }
    let mut values = Vec::with_capacity(rows.len() * first);
    for (row, r) in rows.iter().enumerate() {
        let r = r.as_ref();
        if r.len() != first {
            return Err(Error::RaggedRows { row, found: r.len(), expected: first });
        }
        values.extend_from_slice(r);
    }
    Ok((values, rows.len(), first))
}
