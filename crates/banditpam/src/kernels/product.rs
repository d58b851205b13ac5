//! Distances from a matrix product: L2, squared L2, cosine, correlation. Each is a [`Form`]:
//! how its rows enter the product, and how a dot product becomes a distance.

use super::{Global, RowSet, RowStats, Rows};
use crate::metric::cosine_from_parts;
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

/// A metric computed from dot products.
pub(super) trait Form {
    /// Append row `i` of `set` (`row`), shifted as the product needs, to `dst`.
    fn gather<T: Scalar, C: Scalar>(row: &[T], i: usize, set: &RowStats<T>, global: &Global<T>, dst: &mut Vec<C>);

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
    fn gather<T: Scalar, C: Scalar>(row: &[T], _: usize, _: &RowStats<T>, global: &Global<T>, dst: &mut Vec<C>) {
        let scale = global.scale;
        dst.extend(row.iter().zip(&global.col_mean).map(|(&v, &m)| C::from_f64((v.to_f64() - m.to_f64()) * scale)));
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
            sq / scale / scale
        } else {
            sq.sqrt() / scale
        }
    }
}

impl Form for Cosine {
    #[inline]
    fn gather<T: Scalar, C: Scalar>(row: &[T], _: usize, _: &RowStats<T>, global: &Global<T>, dst: &mut Vec<C>) {
        let scale = global.scale;
        dst.extend(row.iter().map(|&v| C::from_f64(v.to_f64() * scale)));
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
        let dist = cosine_from_parts(dot, a.stats.row_stat[c], b.stats.row_stat[r]);
        if dist < ratio {
            shifted_cosine_f64(a.rows.row(c), b.rows.row(r), 0.0, 0.0, global.scale)
        } else {
            dist
        }
    }
}

impl Form for Correlation {
    #[inline]
    fn gather<T: Scalar, C: Scalar>(row: &[T], i: usize, set: &RowStats<T>, global: &Global<T>, dst: &mut Vec<C>) {
        let (m, scale) = (set.row_mean[i].to_f64(), global.scale);
        dst.extend(row.iter().map(|&v| C::from_f64((v.to_f64() - m) * scale)));
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
        let dist = cosine_from_parts(dot, a.stats.row_stat[c], b.stats.row_stat[r]);
        if dist < ratio {
            let (mc, mr) = (a.stats.row_mean[c].to_f64(), b.stats.row_mean[r].to_f64());
            shifted_cosine_f64(a.rows.row(c), b.rows.row(r), mc, mr, global.scale)
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
    sums.iter().map(|s| T::from_f64(s / count.max(1) as f64)).collect()
}

/// L2's statistics: each row's squared norm after centring on the column means and scaling
/// by `scale`.
pub(super) fn column_centred<T: Scalar>(rows: Rows<'_, T>, col_mean: &[T], scale: f64) -> RowStats<T> {
    let centred_sq = |row: &[T]| -> f64 {
        row.iter().zip(col_mean).map(|(&v, &m)| ((v.to_f64() - m.to_f64()) * scale).powi(2)).sum()
    };
    RowStats { row_stat: rows.iter().map(centred_sq).collect(), row_mean: Vec::new() }
}

/// Cosine's statistics: each scaled row's norm.
pub(super) fn norms<T: Scalar>(rows: Rows<'_, T>, scale: f64) -> RowStats<T> {
    let row_stat =
        rows.iter().map(|row| row.iter().map(|v| (v.to_f64() * scale).powi(2)).sum::<f64>().sqrt()).collect();
    RowStats { row_stat, row_mean: Vec::new() }
}

/// Correlation's statistics: each row's mean, and the norm of the row centred on it (in `f64`,
/// as the product path of correlation sees the centred rows).
pub(super) fn row_centred<T: Scalar>(rows: Rows<'_, T>, scale: f64) -> RowStats<T> {
    let d = rows.d as f64;
    let row_mean: Vec<T> =
        rows.iter().map(|row| T::from_f64(row.iter().map(|v| v.to_f64()).sum::<f64>() / d)).collect();
    let row_stat = rows
        .iter()
        .zip(&row_mean)
        .map(|(row, &m)| row.iter().map(|&v| ((v.to_f64() - m.to_f64()) * scale).powi(2)).sum::<f64>().sqrt())
        .collect();
    RowStats { row_stat, row_mean }
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
fn squared_l2_f64<T: Scalar>(x: &[T], y: &[T], scale: f64) -> f64 {
    const LANES: usize = 8;
    let mut acc = [0.0f64; LANES];
    let mut xc = x.chunks_exact(LANES);
    let mut yc = y.chunks_exact(LANES);
    for (cx, cy) in (&mut xc).zip(&mut yc) {
        for l in 0..LANES {
            let diff = (cx[l].to_f64() - cy[l].to_f64()) * scale;
            acc[l] += diff * diff;
        }
    }
    for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
        let diff = (a.to_f64() - b.to_f64()) * scale;
        acc[0] += diff * diff;
    }
    acc.iter().sum()
}

/// `1 - cos(x - mx, y - my)` accumulated in `f64` on values multiplied by `scale` (which
/// leaves the cosine as it is, but keeps the squares finite), vectorisable.
#[inline]
fn shifted_cosine_f64<T: Scalar>(x: &[T], y: &[T], mx: f64, my: f64, scale: f64) -> f64 {
    const LANES: usize = 8;
    let (mut dot, mut xx, mut yy) = ([0.0f64; LANES], [0.0f64; LANES], [0.0f64; LANES]);
    let mut xc = x.chunks_exact(LANES);
    let mut yc = y.chunks_exact(LANES);
    for (cx, cy) in (&mut xc).zip(&mut yc) {
        for l in 0..LANES {
            let (a, b) = ((cx[l].to_f64() - mx) * scale, (cy[l].to_f64() - my) * scale);
            dot[l] += a * b;
            xx[l] += a * a;
            yy[l] += b * b;
        }
    }
    for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
        let (a, b) = ((a.to_f64() - mx) * scale, (b.to_f64() - my) * scale);
        dot[0] += a * b;
        xx[0] += a * a;
        yy[0] += b * b;
    }
    let sum = |v: [f64; LANES]| v.iter().sum::<f64>();
    cosine_from_parts(sum(dot), sum(xx).sqrt(), sum(yy).sqrt())
}
