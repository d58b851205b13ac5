//! Block kernels for dense data: candidates x references distances at SIMD / GEMM speed.
//!
//! - L2, squared L2, cosine and correlation go through a matrix product: the distances follow
//!   from the dot products and precomputed norms. To keep cancellation small, L2 works on
//!   column-centred rows (distances do not change, norms shrink) and correlation on
//!   row-centred rows; a pair whose result is small next to the norms (where the product
//!   formula loses digits) is recomputed directly in `f64`.
//! - L1, Lp and L-infinity run a direct loop, multiversioned for AVX-512 / AVX2 / NEON.

mod direct;
mod product;

use crate::metric::Metric;
use crate::scalar::Scalar;

/// What a metric's kernel precomputes once per data set.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<T: Scalar> {
    /// Per-row statistic: squared norm of the centred row (L2), norm (cosine, correlation).
    row_stat: Vec<f64>,
    /// Per-row mean (correlation).
    row_mean: Vec<T>,
    /// Per-column mean (L2 family).
    col_mean: Vec<T>,
}

impl<T: Scalar> Prepared<T> {
    pub(crate) fn new(values: &[T], n: usize, d: usize, metric: Metric) -> Self {
        product::prepare(values, n, d, metric, n)
    }

    /// As [`Prepared::new`], but L2 centres columns on the mean of the first `mean_rows` rows
    /// only, so the distances involving those rows do not depend on the others.
    pub(crate) fn centred_on(values: &[T], n: usize, d: usize, metric: Metric, mean_rows: usize) -> Self {
        product::prepare(values, n, d, metric, mean_rows)
    }
}

/// Rows of references processed together, so a tile of them stays in cache.
const REFERENCE_TILE: usize = 256;

/// `out[a * refs.len() + b] = metric(row(cands[a]), row(refs[b]))`.
pub(crate) fn dense_block<T: Scalar>(
    values: &[T],
    d: usize,
    metric: Metric,
    prepared: &Prepared<T>,
    cands: &[usize],
    refs: &[usize],
    out: &mut [f64],
) {
    let width = refs.len();
    assert!(out.len() >= cands.len() * width, "output buffer too small for the block");
    for (tile_start, tile) in (0..).step_by(REFERENCE_TILE).zip(refs.chunks(REFERENCE_TILE)) {
        let sub = OutTile { out, stride: width, offset: tile_start };
        match metric {
            Metric::L2 | Metric::SquaredL2 | Metric::Cosine | Metric::Correlation => {
                product::block(values, d, metric, prepared, cands, tile, sub)
            }
            Metric::L1 | Metric::Lp(_) | Metric::LInf => direct::block(values, d, metric, cands, tile, sub),
        }
    }
}

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
