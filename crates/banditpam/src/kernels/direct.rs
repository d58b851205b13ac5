//! Direct per-pair loops for the metrics without a product form (L1, Lp, L-infinity).

use multiversion::multiversion;

use super::OutTile;
use crate::metric::Metric;
use crate::scalar::Scalar;

/// Independent accumulators: enough lanes for the compiler to fill a 512-bit register of `f32`.
const LANES: usize = 16;

pub(super) fn block<T: Scalar>(
    values: &[T],
    d: usize,
    metric: Metric,
    cands: &[usize],
    refs: &[usize],
    mut out: OutTile<'_>,
) {
    let row = |i: usize| &values[i * d..(i + 1) * d];
    for (a, &c) in cands.iter().enumerate() {
        let x = row(c);
        let dst = out.row(a, refs.len());
        match metric {
            Metric::L1 => l1_row(x, refs, values, d, dst),
            Metric::LInf => linf_row(x, refs, values, d, dst),
            Metric::Lp(p) => {
                for (slot, &r) in dst.iter_mut().zip(refs) {
                    *slot = lp_pair(x, row(r), p);
                }
            }
            _ => unreachable!("product metrics are handled by the product kernel"),
        }
    }
}

#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "aarch64+neon"))]
fn l1_row<T: Scalar>(x: &[T], refs: &[usize], values: &[T], d: usize, dst: &mut [f64]) {
    for (slot, &r) in dst.iter_mut().zip(refs) {
        *slot = l1_pair(x, &values[r * d..(r + 1) * d]);
    }
}

#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "aarch64+neon"))]
fn linf_row<T: Scalar>(x: &[T], refs: &[usize], values: &[T], d: usize, dst: &mut [f64]) {
    for (slot, &r) in dst.iter_mut().zip(refs) {
        *slot = linf_pair(x, &values[r * d..(r + 1) * d]);
    }
}

/// Sum of |x - y|. Lanes accumulate in `T` over at most `FLUSH` elements each before the
/// partial sums move to `f64`, which bounds the rounding error of `f32` on long rows.
#[inline(always)]
fn l1_pair<T: Scalar>(x: &[T], y: &[T]) -> f64 {
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
    total
}

#[inline(always)]
fn linf_pair<T: Scalar>(x: &[T], y: &[T]) -> f64 {
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
    acc.iter().fold(0.0f64, |m, v| m.max(v.to_f64()))
}

#[inline]
fn lp_pair<T: Scalar>(x: &[T], y: &[T], p: f64) -> f64 {
    x.iter().zip(y).map(|(a, b)| (a.to_f64() - b.to_f64()).abs().powf(p)).sum::<f64>().powf(1.0 / p)
}
