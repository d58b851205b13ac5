//! Distances from a matrix product: L2, squared L2, cosine, correlation.

use super::{OutTile, Prepared};
use crate::metric::{cosine_from_parts, Metric};
use crate::scalar::Scalar;

/// Below this share of the norms a product-form result is recomputed directly: there the
/// subtraction `|x|^2 + |y|^2 - 2 x.y` (or `1 - cos`) cancels the leading digits.
/// In `f32` the dot product of 784 values carries a relative error near 1e-6, so a pair kept
/// on the product path has a relative error of about 1e-6 / ratio.
fn guard_ratio<C: Scalar>() -> f64 {
    if C::EPSILON > 1e-10 {
        0.25
    } else {
        1e-6
    }
}

pub(super) fn prepare<T: Scalar>(values: &[T], n: usize, d: usize, metric: Metric, mean_rows: usize) -> Prepared<T> {
    let rows = || values.chunks_exact(d).take(n);
    let sq_norm = |row: &mut dyn Iterator<Item = T>| row.map(|v| v.to_f64() * v.to_f64()).sum::<f64>();
    match metric {
        Metric::L2 | Metric::SquaredL2 => {
            let mut sums = vec![0.0f64; d];
            for row in rows().take(mean_rows) {
                for (s, v) in sums.iter_mut().zip(row) {
                    *s += v.to_f64();
                }
            }
            let col_mean: Vec<T> = sums.iter().map(|s| T::from_f64(s / mean_rows.max(1) as f64)).collect();
            let row_stat = rows().map(|row| sq_norm(&mut row.iter().zip(&col_mean).map(|(&v, &m)| v - m))).collect();
            Prepared { row_stat, row_mean: Vec::new(), col_mean }
        }
        Metric::Cosine => {
            let row_stat = rows().map(|row| sq_norm(&mut row.iter().copied()).sqrt()).collect();
            Prepared { row_stat, row_mean: Vec::new(), col_mean: Vec::new() }
        }
        Metric::Correlation => {
            let row_mean: Vec<T> =
                rows().map(|row| T::from_f64(row.iter().map(|v| v.to_f64()).sum::<f64>() / d as f64)).collect();
            // In f64, as the product path of correlation sees the centred rows.
            let row_stat = rows()
                .zip(&row_mean)
                .map(|(row, &m)| row.iter().map(|&v| (v.to_f64() - m.to_f64()).powi(2)).sum::<f64>().sqrt())
                .collect();
            Prepared { row_stat, row_mean, col_mean: Vec::new() }
        }
        Metric::L1 | Metric::Lp(_) | Metric::LInf => {
            Prepared { row_stat: Vec::new(), row_mean: Vec::new(), col_mean: Vec::new() }
        }
    }
}

/// Copy the rows `ids` into `dst` as the compute type `C`, transformed as the metric's
/// product form needs.
fn gather<T: Scalar, C: Scalar>(
    values: &[T],
    d: usize,
    metric: Metric,
    prepared: &Prepared<T>,
    ids: &[usize],
    dst: &mut Vec<C>,
) {
    dst.clear();
    dst.reserve(ids.len() * d);
    for &i in ids {
        let row = &values[i * d..(i + 1) * d];
        match metric {
            Metric::L2 | Metric::SquaredL2 => {
                dst.extend(row.iter().zip(&prepared.col_mean).map(|(&v, &m)| C::from_f64((v - m).to_f64())))
            }
            Metric::Correlation => {
                let m = prepared.row_mean[i].to_f64();
                dst.extend(row.iter().map(|&v| C::from_f64(v.to_f64() - m)));
            }
            _ => dst.extend(row.iter().map(|&v| C::from_f64(v.to_f64()))),
        }
    }
}

pub(super) fn block<T: Scalar>(
    values: &[T],
    d: usize,
    metric: Metric,
    prepared: &Prepared<T>,
    cands: &[usize],
    refs: &[usize],
    out: OutTile<'_>,
) {
    // Centred rows have mixed signs, so their dot products cancel far more than those of
    // L2 or cosine: correlation multiplies in f64 whatever the input type.
    match metric {
        Metric::Correlation => block_in::<T, f64>(values, d, metric, prepared, cands, refs, out),
        _ => block_in::<T, T>(values, d, metric, prepared, cands, refs, out),
    }
}

/// The product path with the matrix product computed in `C`.
fn block_in<T: Scalar, C: Scalar>(
    values: &[T],
    d: usize,
    metric: Metric,
    prepared: &Prepared<T>,
    cands: &[usize],
    refs: &[usize],
    mut out: OutTile<'_>,
) {
    let (a_len, b_len) = (cands.len(), refs.len());
    if a_len == 0 || b_len == 0 {
        return;
    }
    let mut a: Vec<C> = Vec::new();
    let mut b: Vec<C> = Vec::new();
    gather(values, d, metric, prepared, cands, &mut a);
    gather(values, d, metric, prepared, refs, &mut b);
    let mut dots = vec![C::ZERO; a_len * b_len];
    C::gemm_abt(a_len, b_len, d, &a, &b, &mut dots);

    let ratio = guard_ratio::<C>();
    let row = |i: usize| &values[i * d..(i + 1) * d];
    let stat = &prepared.row_stat;
    for (ai, &c) in cands.iter().enumerate() {
        let dst = out.row(ai, b_len);
        let dot_row = &dots[ai * b_len..(ai + 1) * b_len];
        for ((slot, &r), dot) in dst.iter_mut().zip(refs).zip(dot_row) {
            let dot = dot.to_f64();
            *slot = match metric {
                Metric::L2 | Metric::SquaredL2 => {
                    let scale = stat[c] + stat[r];
                    let sq = scale - 2.0 * dot;
                    let sq = if sq < ratio * scale { squared_l2_f64(row(c), row(r)) } else { sq };
                    if metric == Metric::L2 {
                        sq.sqrt()
                    } else {
                        sq
                    }
                }
                _ => {
                    let dist = cosine_from_parts(dot, stat[c], stat[r]);
                    if dist < ratio {
                        let (mc, mr) = match metric {
                            Metric::Correlation => (prepared.row_mean[c].to_f64(), prepared.row_mean[r].to_f64()),
                            _ => (0.0, 0.0),
                        };
                        shifted_cosine_f64(row(c), row(r), mc, mr)
                    } else {
                        dist
                    }
                }
            };
        }
    }
}

/// Squared L2 distance accumulated in `f64`, vectorisable.
#[inline]
fn squared_l2_f64<T: Scalar>(x: &[T], y: &[T]) -> f64 {
    const LANES: usize = 8;
    let mut acc = [0.0f64; LANES];
    let mut xc = x.chunks_exact(LANES);
    let mut yc = y.chunks_exact(LANES);
    for (cx, cy) in (&mut xc).zip(&mut yc) {
        for l in 0..LANES {
            let diff = cx[l].to_f64() - cy[l].to_f64();
            acc[l] += diff * diff;
        }
    }
    for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
        let diff = a.to_f64() - b.to_f64();
        acc[0] += diff * diff;
    }
    acc.iter().sum()
}

/// `1 - cos(x - mx, y - my)` accumulated in `f64`, vectorisable.
#[inline]
fn shifted_cosine_f64<T: Scalar>(x: &[T], y: &[T], mx: f64, my: f64) -> f64 {
    const LANES: usize = 8;
    let (mut dot, mut xx, mut yy) = ([0.0f64; LANES], [0.0f64; LANES], [0.0f64; LANES]);
    let mut xc = x.chunks_exact(LANES);
    let mut yc = y.chunks_exact(LANES);
    for (cx, cy) in (&mut xc).zip(&mut yc) {
        for l in 0..LANES {
            let (a, b) = (cx[l].to_f64() - mx, cy[l].to_f64() - my);
            dot[l] += a * b;
            xx[l] += a * a;
            yy[l] += b * b;
        }
    }
    for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
        let (a, b) = (a.to_f64() - mx, b.to_f64() - my);
        dot[0] += a * b;
        xx[0] += a * a;
        yy[0] += b * b;
    }
    let sum = |v: [f64; LANES]| v.iter().sum::<f64>();
    cosine_from_parts(sum(dot), sum(xx).sqrt(), sum(yy).sqrt())
}
