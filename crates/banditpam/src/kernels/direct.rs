//! Direct per-pair loops for the metrics without a product form (L1, Lp, L-infinity).

use multiversion::multiversion;

use super::{Global, RowSet};
use crate::scalar::Scalar;

/// Independent accumulators: enough lanes for the compiler to fill a 512-bit register of `f32`.
const LANES: usize = 16;

/// A metric computed pair by pair.
pub(super) trait Pairwise {
    /// The distance between `x` and `y` (`exponent`: Lp's p).
    fn pair<T: Scalar>(x: &[T], y: &[T], exponent: f64) -> f64;
}

pub(super) struct L1;
pub(super) struct LInf;
pub(super) struct Lp;

/// `out[i * refs.len() + j]` is the distance of `cands[i]` and `refs[j]`, a candidate row
/// against all references at a time.
pub(super) fn block<T: Scalar, F: Pairwise>(
    global: &Global<T>,
    a: RowSet<'_, T>,
    cands: &[usize],
    b: RowSet<'_, T>,
    refs: &[usize],
    out: &mut [f64],
) {
    let width = refs.len();
    if width == 0 {
        return;
    }
    for (&c, dst) in cands.iter().zip(out.chunks_exact_mut(width)) {
        row_against::<T, F>(a.rows.row(c), refs, b, global.exponent, dst);
    }
}

#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "aarch64+neon"))]
fn row_against<T: Scalar, F: Pairwise>(x: &[T], refs: &[usize], b: RowSet<'_, T>, exponent: f64, dst: &mut [f64]) {
    for (slot, &r) in dst.iter_mut().zip(refs) {
        *slot = F::pair(x, b.rows.row(r), exponent);
    }
}

impl Pairwise for L1 {
    /// Sum of |x - y|. Lanes accumulate in `T` over at most `FLUSH` elements each before the
    /// partial sums move to `f64`, which bounds the rounding error of `f32` on long rows.
    #[inline(always)]
    fn pair<T: Scalar>(x: &[T], y: &[T], _: f64) -> f64 {
        const FLUSH: usize = LANES * 64;
        let mut total = 0.0f64;
        for (xs, ys) in x.chunks(FLUSH).zip(y.chunks(FLUSH)) {
            let mut acc = [T::ZERO; LANES];
            let mut xc = xs.chunks_exact(LANES);
            let mut yc = ys.chunks_exact(LANES);
            for (cx, cy) in (&mut xc).zip(&mut yc) {
                for l in 0..LANES {
                    acc[l] = acc[l] + (cx[l] - cy[l]).abs();
                }
            }
            for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
                acc[0] = acc[0] + (*a - *b).abs();
            }
            total += acc.iter().map(|v| v.to_f64()).sum::<f64>();
        }
        if total.is_finite() {
            total
        } else {
            // A difference overflowed `T` (f32 values near its limit): once more in f64.
            x.iter().zip(y).map(|(a, b)| (a.to_f64() - b.to_f64()).abs()).sum()
        }
    }
}

impl Pairwise for LInf {
    #[inline(always)]
    fn pair<T: Scalar>(x: &[T], y: &[T], _: f64) -> f64 {
        let mut acc = [T::ZERO; LANES];
        let mut xc = x.chunks_exact(LANES);
        let mut yc = y.chunks_exact(LANES);
        for (cx, cy) in (&mut xc).zip(&mut yc) {
            for l in 0..LANES {
                acc[l] = acc[l].max((cx[l] - cy[l]).abs());
            }
        }
        for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
            acc[0] = acc[0].max((*a - *b).abs());
        }
        let largest = acc.iter().fold(0.0f64, |m, v| m.max(v.to_f64()));
        if largest.is_finite() {
            largest
        } else {
            // A difference overflowed `T` (f32 values near its limit): once more in f64.
            x.iter().zip(y).fold(0.0, |m, (a, b)| m.max((a.to_f64() - b.to_f64()).abs()))
        }
    }
}

impl Pairwise for Lp {
    /// `(sum |x - y|^p)^(1/p)` computed as `m (sum (|x - y| / m)^p)^(1/p)` with `m` the largest
    /// difference, so that large p or large values neither overflow nor underflow to 0.
    #[inline]
    fn pair<T: Scalar>(x: &[T], y: &[T], p: f64) -> f64 {
        let largest = LInf::pair(x, y, p);
        if largest == 0.0 {
            return 0.0;
        }
        let sum: f64 = x.iter().zip(y).map(|(a, b)| ((a.to_f64() - b.to_f64()).abs() / largest).powf(p)).sum();
        largest * sum.powf(1.0 / p)
    }
}
