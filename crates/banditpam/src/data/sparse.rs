//! Sparse rows (CSR) under L2, squared L2, L1 or cosine, compared pair by pair by merging the
//! two rows' nonzeros: O(nnz(a) + nnz(b)) per pair, nothing densified.

use super::Dissimilarity;
use crate::error::{Error, Result};
use crate::kernels::largest_abs;
use crate::metric::Metric;
use crate::scalar::PowerOfTwo;

/// Borrowed compressed sparse rows: row `i` holds `values[indptr[i]..indptr[i + 1]]` at columns
/// `indices[..]` (strictly increasing within a row, as scipy's canonical format).
///
/// ```
/// use banditpam::{Dissimilarity, Metric, SparseData};
/// // Rows (0, 2), (0, 0), (3, 0) of a 2-column matrix.
/// let (indptr, indices, values) = ([0, 1, 1, 2], [1, 0], [2.0, 3.0]);
/// let data = SparseData::new(&indptr, &indices, &values, 2, Metric::L1).unwrap();
/// let mut out = [0.0; 3];
/// data.block(&[0], &[0, 1, 2], &mut out).unwrap();
/// assert_eq!(out, [0.0, 2.0, 5.0]);
/// ```
#[derive(Debug, Clone)]
pub struct SparseData<'a> {
    indptr: &'a [usize],
    indices: &'a [usize],
    values: &'a [f64],
    metric: Metric,
    /// Euclidean norm of each row scaled by its `row_scale` (cosine only).
    norms: Vec<f64>,
    /// Cosine: each row's own power of two, as the dense kernels use (cosine does not change
    /// when a row is scaled, and a row of 1e-300 beside one of 1e300 keeps its digits).
    row_scale: Vec<PowerOfTwo>,
    /// L2: values are multiplied by this power of two before they are squared, as the dense
    /// kernels do: squares of values near 1e200 or 1e-200 would overflow or vanish.
    scale: PowerOfTwo,
    /// See [`Dissimilarity::scale_exponent`].
    scale_exponent: i32,
}

impl<'a> SparseData<'a> {
    /// Checks the structure (row pointers, column indices below `d` and strictly increasing in
    /// each row, finite values) and the metric: L2, squared L2, L1 or cosine.
    pub fn new(indptr: &'a [usize], indices: &'a [usize], values: &'a [f64], d: usize, metric: Metric) -> Result<Self> {
        if !matches!(metric, Metric::L2 | Metric::SquaredL2 | Metric::L1 | Metric::Cosine) {
            return Err(Error::InvalidParameter {
                name: "metric",
                expected: "euclidean, sqeuclidean, manhattan or cosine for sparse input",
                value: format!("{metric:?}"),
            });
        }
        let n = indptr.len().checked_sub(1).ok_or(Error::EmptyData)?;
        if n == 0 {
            return Err(Error::EmptyData);
        }
        let structure = |message: String| Error::InvalidParameter {
            name: "sparse matrix",
            expected: "compressed sparse rows in canonical form",
            value: message,
        };
        if indptr[0] != 0 || indptr.windows(2).any(|w| w[0] > w[1]) || indptr[n] != indices.len() {
            return Err(structure("row pointers that do not run from 0 to nnz".into()));
        }
        if indices.len() != values.len() {
            return Err(structure(format!("{} column indices for {} values", indices.len(), values.len())));
        }
        for i in 0..n {
            let row = &indices[indptr[i]..indptr[i + 1]];
            if row.windows(2).any(|w| w[0] >= w[1]) {
                return Err(structure(format!(
                    "row {i} has unsorted or repeated columns (sum_duplicates/sort_indices)"
                )));
            }
            if let Some(&j) = row.last().filter(|&&j| j >= d) {
                return Err(structure(format!("row {i} has column {j} for {d} columns")));
            }
        }
        if let Some(p) = values.iter().position(|v| !v.is_finite()) {
            let row = indptr.partition_point(|&start| start <= p) - 1;
            return Err(Error::NonFiniteValue { row, col: indices[p], value: values[p] });
        }
        let largest = largest_abs(values);
        super::dense::check_squares(metric, largest)?;
        let scale = if metric == Metric::L1 { PowerOfTwo::new(0) } else { PowerOfTwo::unit(largest) };
        let (mut norms, mut row_scale) = (Vec::new(), Vec::new());
        if metric == Metric::Cosine {
            for row in indptr.windows(2).map(|w| &values[w[0]..w[1]]) {
                let s = PowerOfTwo::unit(largest_abs(row));
                norms.push(row.iter().map(|&v| s.times(v).powi(2)).sum::<f64>().sqrt());
                row_scale.push(s);
            }
        }
        let scale_exponent = metric.scale_exponent(largest);
        Ok(SparseData { indptr, indices, values, metric, norms, row_scale, scale, scale_exponent })
    }

    fn row(&self, i: usize) -> (&[usize], &[f64]) {
        let range = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[range.clone()], &self.values[range])
    }

    /// `sum f(a_j, b_j)` over the union of the two rows' columns (absent entries are 0).
    fn merge(&self, a: usize, b: usize, f: impl Fn(f64, f64) -> f64) -> f64 {
        let ((ai, av), (bi, bv)) = (self.row(a), self.row(b));
        let (mut p, mut q, mut total) = (0, 0, 0.0);
        while p < ai.len() && q < bi.len() {
            if ai[p] == bi[q] {
                total += f(av[p], bv[q]);
                p += 1;
                q += 1;
            } else if ai[p] < bi[q] {
                total += f(av[p], 0.0);
                p += 1;
            } else {
                total += f(0.0, bv[q]);
                q += 1;
            }
        }
        total + av[p..].iter().map(|&x| f(x, 0.0)).sum::<f64>() + bv[q..].iter().map(|&y| f(0.0, y)).sum::<f64>()
    }

    fn distance(&self, a: usize, b: usize) -> f64 {
        let s = self.scale;
        let squared = |x: f64, y: f64| s.times(x - y).powi(2);
        match self.metric {
            Metric::L1 => self.merge(a, b, |x, y| (x - y).abs()),
            Metric::SquaredL2 => s.divide(s.divide(self.merge(a, b, squared))),
            Metric::Cosine => {
                let (na, nb) = (self.norms[a], self.norms[b]);
                match (na > 0.0, nb > 0.0) {
                    (true, true) => {
                        let (sa, sb) = (self.row_scale[a], self.row_scale[b]);
                        (1.0 - self.merge(a, b, |x, y| sa.times(x) * sb.times(y)) / (na * nb)).max(0.0)
                    }
                    (false, false) => 0.0,
                    _ => 1.0,
                }
            }
            _ => s.divide(self.merge(a, b, squared).sqrt()),
        }
    }
}

impl Dissimilarity for SparseData<'_> {
    fn len(&self) -> usize {
        self.indptr.len() - 1
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        for (row, &c) in out.chunks_exact_mut(references.len().max(1)).zip(candidates) {
            for (slot, &r) in row.iter_mut().zip(references) {
                *slot = self.distance(c, r);
            }
        }
        Ok(())
    }

    fn is_symmetric(&self) -> bool {
        true
    }

    fn scale_exponent(&self) -> i32 {
        self.scale_exponent
    }
}
