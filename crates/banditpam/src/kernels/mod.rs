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

use crate::metric::Metric;
use crate::scalar::Scalar;

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

/// What a metric's kernel precomputes once per data set.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<T: Scalar> {
    /// Per-row statistic, of the scaled rows: squared norm of the centred row (L2), norm
    /// (cosine, correlation).
    row_stat: Vec<f64>,
    /// Per-row mean (correlation).
    row_mean: Vec<T>,
    /// Per-column mean (L2 family).
    col_mean: Vec<T>,
    /// The Minkowski exponent (Lp).
    exponent: f64,
    /// The product forms work on rows multiplied by this power of two, which brings the
    /// largest absolute value into [1, 2): squares of values near 1e200 (or 1e-200) would
    /// overflow (or vanish) in `f64`, and far sooner in `f32`. A power of two scales exactly,
    /// so ordinary data gets the same bits as unscaled.
    scale: f64,
}

impl<T: Scalar> Default for Prepared<T> {
    fn default() -> Self {
        Prepared { row_stat: Vec::new(), row_mean: Vec::new(), col_mean: Vec::new(), exponent: 0.0, scale: 1.0 }
    }
}

/// The largest absolute value of `values`.
pub(crate) fn largest_abs<T: Scalar>(values: &[T]) -> f64 {
    values.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs()))
}

/// The power of two that brings `largest` (the largest absolute value of the rows) into [1, 2).
fn unit_scale(largest: f64) -> f64 {
    if largest == 0.0 || !largest.is_finite() {
        return 1.0;
    }
    // 2^-e as two factors, so that neither overflows for e near the ends of f64's range.
    let e = largest.log2().floor() as i32;
    let half = e / 2;
    2f64.powi(-half) * 2f64.powi(half - e)
}

/// Fills one tile of a block: `out.row(a)[b] = metric(rows[cands[a]], rows[refs[b]])`.
type TileFn<T> = fn(Rows<'_, T>, &Prepared<T>, &[usize], &[usize], OutTile<'_>);

/// A metric resolved for one data set: its precomputed statistics and its tile function.
#[derive(Debug, Clone)]
pub(crate) struct Kernel<T: Scalar> {
    prepared: Prepared<T>,
    tile: TileFn<T>,
}

impl<T: Scalar> Kernel<T> {
    /// The kernel of `metric` on `rows`.
    pub(crate) fn new(rows: Rows<'_, T>, metric: Metric) -> Self {
        Self::centred_on(rows, metric, rows.values.len() / rows.d.max(1))
    }

    /// As [`Kernel::new`], but L2 centres columns on the mean of the first `mean_rows` rows
    /// only, so the distances involving those rows do not depend on the others.
    pub(crate) fn centred_on(rows: Rows<'_, T>, metric: Metric, mean_rows: usize) -> Self {
        let means = || product::column_means(rows.iter().take(mean_rows), rows.d, mean_rows);
        Self::with_statistics(rows, metric, means, largest_abs(rows.values))
    }

    /// The kernel of `metric` on `rows` with statistics taken from a larger data set that
    /// `rows` are part of: `column_means` (called for L2 and squared L2 only) and the largest
    /// absolute value. Distances then have the bits they have in a kernel on the whole set.
    pub(crate) fn with_statistics(
        rows: Rows<'_, T>,
        metric: Metric,
        column_means: impl FnOnce() -> Vec<T>,
        largest_abs: f64,
    ) -> Self {
        use product::{Correlation, Cosine, Euclidean};
        let scale = if metric.has_product_form() { unit_scale(largest_abs) } else { 1.0 };
        let (prepared, tile): (Prepared<T>, TileFn<T>) = match metric {
            Metric::L2 => {
                (product::column_centred(rows, column_means(), scale), product::tile::<T, T, Euclidean<false>>)
            }
            Metric::SquaredL2 => {
                (product::column_centred(rows, column_means(), scale), product::tile::<T, T, Euclidean<true>>)
            }
            Metric::Cosine => (product::norms(rows, scale), product::tile::<T, T, Cosine>),
            // Centred rows have mixed signs, so their dot products cancel far more than those
            // of L2 or cosine: correlation multiplies in f64 whatever the input type.
            Metric::Correlation => (product::row_centred(rows, scale), product::tile::<T, f64, Correlation>),
            Metric::L1 => (Prepared::default(), direct::tile::<T, direct::L1>),
            Metric::LInf => (Prepared::default(), direct::tile::<T, direct::LInf>),
            Metric::Lp(p) => (Prepared { exponent: p, ..Prepared::default() }, direct::tile::<T, direct::Lp>),
        };
        Kernel { prepared, tile }
    }

    /// `out[a * refs.len() + b] = metric(rows[cands[a]], rows[refs[b]])`, a tile of references
    /// at a time so the tile stays in cache.
    pub(crate) fn block(&self, rows: Rows<'_, T>, cands: &[usize], refs: &[usize], out: &mut [f64]) {
        let width = refs.len();
        assert!(out.len() >= cands.len() * width, "output buffer too small for the block");
        for (tile_start, tile) in (0..).step_by(REFERENCE_TILE).zip(refs.chunks(REFERENCE_TILE)) {
            let sub = OutTile { out: &mut *out, stride: width, offset: tile_start };
            (self.tile)(rows, &self.prepared, cands, tile, sub);
        }
    }
}

/// Rows of references processed together, so a tile of them stays in cache.
const REFERENCE_TILE: usize = 256;

/// A window of columns `offset..offset + tile width` of the output block.
pub(crate) struct OutTile<'o> {
    out: &'o mut [f64],
    stride: usize,
    offset: usize,
}

impl OutTile<'_> {
    #[inline(always)]
    fn row(&mut self, a: usize, width: usize) -> &mut [f64] {
        let start = a * self.stride + self.offset;
        &mut self.out[start..start + width]
    }
}
