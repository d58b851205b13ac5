//! Block kernels for dense data: candidates x references distances at SIMD / GEMM speed.
//!
//! The metric is resolved once per data set into a [`Kernel`]: what it precomputes, and one
//! function pointer, monomorphised for the metric, that fills a tile of the block. No code
//! below that pointer looks at the metric again.
//!
//! - L2, squared L2, cosine and correlation go through a matrix product: the distances follow
//!   from the dot products and precomputed norms. To keep cancellation small, L2 works on
//!   column-centred rows (distances do not change, norms shrink) and correlation on
//!   row-centred rows; a pair whose result is small next to the norms (where the product
//!   formula loses digits) is recomputed directly in `f64`.
//! - L1, Lp and L-infinity run a direct loop, multiversioned for AVX-512 / AVX2 / NEON.

mod direct;
mod dot;
mod product;

pub(crate) use dot::Dots;

pub(crate) use product::{add_to_sums, means_of_sums};

/// The column means of the row-major `values` (`d` columns), summed in `f64` in row order.
pub(crate) fn column_means<T: Scalar>(values: &[T], d: usize) -> Vec<T> {
    let count = values.len() / d.max(1);
    product::column_means(values.chunks_exact(d.max(1)), d, count)
}

use crate::metric::Metric;
use crate::scalar::{PowerOfTwo, Scalar};

/// Dense rows as the kernels read them: `n` rows of `d` values, row-major.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a, T> {
    pub values: &'a [T],
    pub d: usize,
}

impl<'a, T> Rows<'a, T> {
    #[inline(always)]
    fn row(&self, i: usize) -> &'a [T] {
        &self.values[i * self.d..(i + 1) * self.d]
    }

    fn iter(&self) -> std::slice::ChunksExact<'a, T> {
        self.values.chunks_exact(self.d)
    }
}

/// What a metric's kernel needs of the whole data set, the same for every row.
#[derive(Debug, Clone)]
pub(crate) struct Global<T: Scalar> {
    /// Per-column mean (L2 family).
    col_mean: Vec<T>,
    /// The Minkowski exponent (Lp).
    exponent: f64,
    /// L2 and squared L2 work on rows multiplied by this power of two, which brings the
    /// largest absolute value into [1, 2): squares of values near 1e200 (or 1e-200) would
    /// overflow (or vanish) in `f64`, and far sooner in `f32`. A power of two scales exactly,
    /// so ordinary data gets the same bits as unscaled. (Cosine and correlation scale each
    /// row by its own power: `RowStats::row_scale`.)
    scale: PowerOfTwo,
}

/// What a metric's kernel precomputes for each row of a row set.
#[derive(Debug, Clone, Default)]
pub(crate) struct RowStats {
    /// Per-row statistic, of the scaled rows: squared norm of the centred row (L2), norm
    /// (cosine, correlation).
    row_stat: Vec<f64>,
    /// Per-row mean of the row multiplied by its `row_scale` (correlation).
    row_mean: Vec<f64>,
    /// The power of two that brings the row's largest absolute value into [1, 2) (cosine,
    /// correlation).
    row_scale: Vec<PowerOfTwo>,
}

/// Rows with their statistics under a kernel: one side of a block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowSet<'a, T: Scalar> {
    pub rows: Rows<'a, T>,
    pub stats: &'a RowStats,
}

/// The largest absolute value of `values`.
pub(crate) fn largest_abs<T: Scalar>(values: &[T]) -> f64 {
    values.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs()))
}

/// Fills a block: `out[i * refs.len() + j] = metric(a.rows[cands[i]], b.rows[refs[j]])`.
type BlockFn<T> = fn(&Global<T>, RowSet<'_, T>, &[usize], RowSet<'_, T>, &[usize], &mut [f64]);

/// A metric resolved for one data set: what it needs of the whole set, and its tile function.
/// The distance of two rows depends on the two rows and on this only, never on the block
/// they are computed in.
#[derive(Debug, Clone)]
pub(crate) struct Kernel<T: Scalar> {
    global: Global<T>,
    metric: Metric,
    fill: BlockFn<T>,
}

impl<T: Scalar> Kernel<T> {
    /// The kernel of `metric` for a data set with these statistics: its `column_means`
    /// (called for L2 and squared L2 only) and its largest absolute value. Distances then have
    /// the bits they have in the kernel of the whole set.
    pub(crate) fn with_statistics(metric: Metric, column_means: impl FnOnce() -> Vec<T>, largest_abs: f64) -> Self {
        use product::{Correlation, Cosine, Euclidean};
        let scale = if matches!(metric, Metric::L2 | Metric::SquaredL2) {
            PowerOfTwo::unit(largest_abs)
        } else {
            PowerOfTwo::new(0)
        };
        let exponent = if let Metric::Lp(p) = metric { p } else { 0.0 };
        let col_mean = if matches!(metric, Metric::L2 | Metric::SquaredL2) { column_means() } else { Vec::new() };
        let fill: BlockFn<T> = match metric {
            Metric::L2 => product::block::<T, T, Euclidean<false>>,
            Metric::SquaredL2 => product::block::<T, T, Euclidean<true>>,
            Metric::Cosine => product::block::<T, T, Cosine>,
            // Centred rows have mixed signs, so their dot products cancel far more than those
            // of L2 or cosine: correlation multiplies in f64 whatever the input type.
            Metric::Correlation => product::block::<T, f64, Correlation>,
            Metric::L1 => direct::block::<T, direct::L1>,
            Metric::LInf => direct::block::<T, direct::LInf>,
            Metric::Lp(_) => direct::block::<T, direct::Lp>,
        };
        Kernel { global: Global { col_mean, exponent, scale }, metric, fill }
    }

    /// The statistics the kernel needs of each row of `rows` (computed row by row, so a row's
    /// statistics do not depend on the rows around it).
    pub(crate) fn stats(&self, rows: Rows<'_, T>) -> RowStats {
        let scale = self.global.scale;
        match self.metric {
            Metric::L2 | Metric::SquaredL2 => product::column_centred(rows, &self.global.col_mean, scale),
            Metric::Cosine => product::norms(rows),
            Metric::Correlation => product::row_centred(rows),
            Metric::L1 | Metric::LInf | Metric::Lp(_) => RowStats::default(),
        }
    }

    /// `out[i * refs.len() + j] = metric(a.rows[cands[i]], b.rows[refs[j]])`.
    pub(crate) fn block(&self, a: RowSet<'_, T>, cands: &[usize], b: RowSet<'_, T>, refs: &[usize], out: &mut [f64]) {
        assert!(out.len() >= cands.len() * refs.len(), "output buffer too small for the block");
        (self.fill)(&self.global, a, cands, b, refs, out);
    }
}
