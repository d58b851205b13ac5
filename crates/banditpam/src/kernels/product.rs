//! Distances from a matrix product: L2, squared L2, cosine, correlation. Each is a [`Form`]:
//! how its rows enter the product, and how a dot product becomes a distance.

use super::{Global, RowSet, RowStats, Rows};
use crate::metric::cosine_from_parts;
use crate::scalar::{PowerOfTwo, Scalar};

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

/// A metric computed from dot products.
pub(super) trait Form {
    /// Append row `i` of `set` (`row`), shifted as the product needs, to `dst`.
    fn gather<T: Scalar, C: Scalar>(row: &[T], i: usize, set: &RowStats, global: &Global<T>, dst: &mut Vec<C>);

    /// The distance of row `c` of `a` and row `r` of `b` from their product `dot`; `ratio` is
    /// the share of the norms below which the result is recomputed directly.
    fn finish<T: Scalar>(
        global: &Global<T>,
        a: RowSet<'_, T>,
        c: usize,
        b: RowSet<'_, T>,
        r: usize,
        dot: f64,
        ratio: f64,
    ) -> f64;
}

/// L2 (`SQUARED = false`) or squared L2, on column-centred rows.
pub(super) struct Euclidean<const SQUARED: bool>;
/// Cosine distance, on the rows as they are.
pub(super) struct Cosine;
/// Correlation distance: cosine on row-centred rows.
pub(super) struct Correlation;

impl<const SQUARED: bool> Form for Euclidean<SQUARED> {
    #[inline]
    fn gather<T: Scalar, C: Scalar>(row: &[T], _: usize, _: &RowStats, global: &Global<T>, dst: &mut Vec<C>) {
        let scale = global.scale;
        dst.extend(row.iter().zip(&global.col_mean).map(|(&v, &m)| C::from_f64(scale.times(v.to_f64() - m.to_f64()))));
    }

    #[inline(always)]
    fn finish<T: Scalar>(
        global: &Global<T>,
        a: RowSet<'_, T>,
        c: usize,
        b: RowSet<'_, T>,
        r: usize,
        dot: f64,
        ratio: f64,
    ) -> f64 {
        let norms = a.stats.row_stat[c] + b.stats.row_stat[r];
        let sq = norms - 2.0 * dot;
        let scale = global.scale;
        let sq = if sq < ratio * norms { squared_l2_f64(a.rows.row(c), b.rows.row(r), scale) } else { sq };
        // Back to the data's units (overflowing to infinity only where the distance itself does).
        if SQUARED {
            scale.divide(scale.divide(sq))
        } else {
            scale.divide(sq.sqrt())
        }
    }
}

impl Form for Cosine {
    #[inline]
    fn gather<T: Scalar, C: Scalar>(row: &[T], i: usize, set: &RowStats, _: &Global<T>, dst: &mut Vec<C>) {
        let scale = set.row_scale[i];
        dst.extend(row.iter().map(|&v| C::from_f64(scale.times(v.to_f64()))));
    }

    #[inline(always)]
    fn finish<T: Scalar>(
        _: &Global<T>,
        a: RowSet<'_, T>,
        c: usize,
        b: RowSet<'_, T>,
        r: usize,
        dot: f64,
        ratio: f64,
    ) -> f64 {
        let dist = cosine_from_parts(dot, a.stats.row_stat[c], b.stats.row_stat[r]);
        if dist < ratio {
            let scales = (a.stats.row_scale[c], b.stats.row_scale[r]);
            shifted_cosine_f64(a.rows.row(c), b.rows.row(r), (0.0, 0.0), scales)
        } else {
            dist
        }
    }
}

impl Form for Correlation {
    #[inline]
    fn gather<T: Scalar, C: Scalar>(row: &[T], i: usize, set: &RowStats, _: &Global<T>, dst: &mut Vec<C>) {
        let (m, scale) = (set.row_mean[i], set.row_scale[i]);
        dst.extend(row.iter().map(|&v| C::from_f64(scale.times(v.to_f64()) - m)));
    }

    #[inline(always)]
    fn finish<T: Scalar>(
        _: &Global<T>,
        a: RowSet<'_, T>,
        c: usize,
        b: RowSet<'_, T>,
        r: usize,
        dot: f64,
        ratio: f64,
    ) -> f64 {
        let dist = cosine_from_parts(dot, a.stats.row_stat[c], b.stats.row_stat[r]);
        if dist < ratio {
            let (mc, mr) = (a.stats.row_mean[c], b.stats.row_mean[r]);
            let scales = (a.stats.row_scale[c], b.stats.row_scale[r]);
            shifted_cosine_f64(a.rows.row(c), b.rows.row(r), (mc, mr), scales)
        } else {
            dist
        }
    }
}

/// The column means of `count` rows of `d` values: sums in `f64`, in row order.
pub(super) fn column_means<'r, T: Scalar + 'r>(rows: impl Iterator<Item = &'r [T]>, d: usize, count: usize) -> Vec<T> {
    let mut sums = vec![0.0f64; d];
    for row in rows {
        add_to_sums(&mut sums, row);
    }
    means_of_sums(&sums, count)
}

/// Add one row to running column sums (the order [`column_means`] adds them in).
pub(crate) fn add_to_sums<T: Scalar>(sums: &mut [f64], row: &[T]) {
    for (s, v) in sums.iter_mut().zip(row) {
        *s += v.to_f64();
    }
}

/// Column means from column sums over `count` rows.
pub(crate) fn means_of_sums<T: Scalar>(sums: &[f64], count: usize) -> Vec<T> {
    // A sum of values near 1e308 overflows: that column is not centred (L2 does not depend on
    // the centre; centring only keeps the product form's cancellation small).
    sums.iter().map(|&s| T::from_f64(if s.is_finite() { s / count.max(1) as f64 } else { 0.0 })).collect()
}

/// L2's statistics: each row's squared norm after centring on the column means and scaling
/// by `scale`.
pub(super) fn column_centred<T: Scalar>(rows: Rows<'_, T>, col_mean: &[T], scale: PowerOfTwo) -> RowStats {
    let centred_sq = |row: &[T]| -> f64 {
        row.iter().zip(col_mean).map(|(&v, &m)| scale.times(v.to_f64() - m.to_f64()).powi(2)).sum()
    };
    RowStats { row_stat: rows.iter().map(centred_sq).collect(), row_mean: Vec::new(), row_scale: Vec::new() }
}

/// Cosine's statistics: each row's power of two and the norm of the row scaled by it.
/// Cosine does not change when one row is scaled, so each row takes its own power: a row of
/// 1e-300 beside one of 1e300 keeps its digits.
pub(super) fn norms<T: Scalar>(rows: Rows<'_, T>) -> RowStats {
    let row_scale: Vec<PowerOfTwo> = rows.iter().map(|row| PowerOfTwo::unit(super::largest_abs(row))).collect();
    let row_stat = rows
        .iter()
        .zip(&row_scale)
        .map(|(row, s)| row.iter().map(|v| s.times(v.to_f64()).powi(2)).sum::<f64>().sqrt())
        .collect();
    RowStats { row_stat, row_mean: Vec::new(), row_scale }
}

/// Correlation's statistics: each row's power of two (as for cosine), the mean of the scaled
/// row, and the norm of the scaled row centred on that mean (in `f64`, as the product path of
/// correlation sees the centred rows). Scaling before summing keeps a row of values near
/// 1e308 from overflowing its sum, and one of values near 1e-310 from losing digits.
pub(super) fn row_centred<T: Scalar>(rows: Rows<'_, T>) -> RowStats {
    let d = rows.d as f64;
    let row_scale: Vec<PowerOfTwo> = rows.iter().map(|row| PowerOfTwo::unit(super::largest_abs(row))).collect();
    let row_mean: Vec<f64> =
        rows.iter().zip(&row_scale).map(|(row, s)| row.iter().map(|v| s.times(v.to_f64())).sum::<f64>() / d).collect();
    let row_stat = rows
        .iter()
        .zip(&row_mean)
        .zip(&row_scale)
        .map(|((row, &m), s)| row.iter().map(|&v| (s.times(v.to_f64()) - m).powi(2)).sum::<f64>().sqrt())
        .collect();
    RowStats { row_stat, row_mean, row_scale }
}

/// The rows `ids`, each as the form `F` enters it into the product, one after the other,
/// into `dst` (cleared first). Compiled for the machine's vector extensions: an elementwise
/// loop over every value.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "aarch64+neon"))]
fn gather<T: Scalar, C: Scalar, F: Form>(global: &Global<T>, set: RowSet<'_, T>, ids: &[usize], dst: &mut Vec<C>) {
    dst.clear();
    dst.reserve(ids.len() * set.rows.d);
    for &i in ids {
        F::gather(set.rows.row(i), i, set.stats, global, dst);
    }
}

/// A block through the product, computed in `C`, finished by the form `F`:
/// `out[i * refs.len() + j]` is the distance of `cands[i]` and `refs[j]`. The candidates are
/// prepared once; the references a tile at a time, so that a tile stays in cache.
pub(super) fn block<T: Scalar, C: Scalar, F: Form>(
    global: &Global<T>,
    a: RowSet<'_, T>,
    cands: &[usize],
    b: RowSet<'_, T>,
    refs: &[usize],
    out: &mut [f64],
) {
    let (a_len, width, d) = (cands.len(), refs.len(), a.rows.d);
    if a_len == 0 || width == 0 {
        return;
    }
    let (mut x, mut y) = (Vec::new(), Vec::new());
    gather::<T, C, F>(global, a, cands, &mut x);
    let mut dots = vec![C::ZERO; a_len * REFERENCE_TILE.min(width)];
    let ratio = guard_ratio::<C>();
    for (tile_start, tile) in (0..).step_by(REFERENCE_TILE).zip(refs.chunks(REFERENCE_TILE)) {
        let b_len = tile.len();
        gather::<T, C, F>(global, b, tile, &mut y);
        C::dots(a_len, b_len, d, &x, &y, &mut dots[..a_len * b_len]);
        for (ai, &c) in cands.iter().enumerate() {
            let dst = &mut out[ai * width + tile_start..ai * width + tile_start + b_len];
            for ((slot, &r), dot) in dst.iter_mut().zip(tile).zip(&dots[ai * b_len..(ai + 1) * b_len]) {
                *slot = F::finish(global, a, c, b, r, dot.to_f64(), ratio);
            }
        }
    }
}

/// References prepared together, so that a tile of them stays in cache.
const REFERENCE_TILE: usize = 256;

/// Squared L2 distance of `scale x` and `scale y`, accumulated in `f64`, vectorisable.
#[inline]
fn squared_l2_f64<T: Scalar>(x: &[T], y: &[T], scale: PowerOfTwo) -> f64 {
    const LANES: usize = 8;
    let mut acc = [0.0f64; LANES];
    let mut xc = x.chunks_exact(LANES);
    let mut yc = y.chunks_exact(LANES);
    for (cx, cy) in (&mut xc).zip(&mut yc) {
        for l in 0..LANES {
            let diff = scale.times(cx[l].to_f64() - cy[l].to_f64());
            acc[l] += diff * diff;
        }
    }
    for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
        let diff = scale.times(a.to_f64() - b.to_f64());
        acc[0] += diff * diff;
    }
    acc.iter().sum()
}

/// `1 - cos(sx x - mx, sy y - my)` accumulated in `f64` (the powers of two `sx` and `sy` leave
/// the cosine as it is, but keep the squares finite; `mx` and `my` are means of the scaled
/// rows), vectorisable.
#[inline]
fn shifted_cosine_f64<T: Scalar>(x: &[T], y: &[T], (mx, my): (f64, f64), (sx, sy): (PowerOfTwo, PowerOfTwo)) -> f64 {
    const LANES: usize = 8;
    let (mut dot, mut xx, mut yy) = ([0.0f64; LANES], [0.0f64; LANES], [0.0f64; LANES]);
    let mut xc = x.chunks_exact(LANES);
    let mut yc = y.chunks_exact(LANES);
    for (cx, cy) in (&mut xc).zip(&mut yc) {
        for l in 0..LANES {
            let (a, b) = (sx.times(cx[l].to_f64()) - mx, sy.times(cy[l].to_f64()) - my);
            dot[l] += a * b;
            xx[l] += a * a;
            yy[l] += b * b;
        }
    }
    for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
        let (a, b) = (sx.times(a.to_f64()) - mx, sy.times(b.to_f64()) - my);
        dot[0] += a * b;
        xx[0] += a * a;
        yy[0] += b * b;
    }
    let sum = |v: [f64; LANES]| v.iter().sum::<f64>();
    cosine_from_parts(sum(dot), sum(xx).sqrt(), sum(yy).sqrt())
}
