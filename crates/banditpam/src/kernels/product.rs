//! Distances from a matrix product: L2, squared L2, cosine, correlation.

use super::{OutTile, Prepared};
use crate::metric::{cosine_from_parts, Metric};
use crate::scalar::Scalar;

/// Below this share of the norms a product-form result is recomputed directly: there the
/// subtraction `|x|^2 + |y|^2 - 2 x.y` (or `1 - cos`) cancels the leading digits.
/// For `f32` the dot product of 784 values carries a relative error near 1e-6, so a pair kept
/// on the product path has a relative error of about 1e-6 / ratio.
fn guard_ratio<T: Scalar>() -> f64 {
    if T::EPSILON > 1e-10 {
        0.25
    } else {
        1e-6
    }
}

pub(super) fn prepare<T: Scalar>(values: &[T], n: usize, d: usize, metric: Metric) -> Prepared<T> {
    let rows = || values.chunks_exact(d).take(n);
    let sq_norm = |row: &mut dyn Iterator<Item = T>| row.map(|v| v.to_f64() * v.to_f64()).sum::<f64>();
    match metric {
        Metric::L2 | Metric::SquaredL2 => {
            let mut sums = vec![0.0f64; d];
            for row in rows() {
                for (s, v) in sums.iter_mut().zip(row) {
                    *s += v.to_f64();
                }
            }
            let col_mean: Vec<T> = sums.iter().map(|s| T::from_f64(s / n as f64)).collect();
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
            let row_stat =
                rows().zip(&row_mean).map(|(row, &m)| sq_norm(&mut row.iter().map(|&v| v - m)).sqrt()).collect();
            Prepared { row_stat, row_mean, col_mean: Vec::new() }
        }
        Metric::L1 | Metric::Lp(_) | Metric::LInf => {
            Prepared { row_stat: Vec::new(), row_mean: Vec::new(), col_mean: Vec::new() }
        }
    }
}

/// Copy the rows `ids` into `dst`, transformed as the metric's product form needs.
fn gather<T: Scalar>(values: &[T], d: usize, metric: Metric, prepared: &Prepared<T>, ids: &[usize], dst: &mut Vec<T>) {
    dst.clear();
    dst.reserve(ids.len() * d);
    for &i in ids {
        let row = &values[i * d..(i + 1) * d];
        match metric {
            Metric::L2 | Metric::SquaredL2 => dst.extend(row.iter().zip(&prepared.col_mean).map(|(&v, &m)| v - m)),
            Metric::Correlation => {
                let m = prepared.row_mean[i];
                dst.extend(row.iter().map(|&v| v - m));
            }
            _ => dst.extend_from_slice(row),
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
    mut out: OutTile<'_>,
) {
    let (a_len, b_len) = (cands.len(), refs.len());
    if a_len == 0 || b_len == 0 {
        return;
    }
    let mut a = Vec::new();
    let mut b = Vec::new();
    gather(values, d, metric, prepared, cands, &mut a);
    gather(values, d, metric, prepared, refs, &mut b);
    let mut dots = vec![T::ZERO; a_len * b_len];
    T::gemm_abt(a_len, b_len, d, &a, &b, &mut dots);

    let ratio = guard_ratio::<T>();
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
                        metric.distance(row(c), row(r))
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
