//! A dissimilarity matrix the caller computed, borrowed without a copy.

use crate::error::{Error, Result};
use crate::scalar::Scalar;

use super::Dissimilarity;

/// A borrowed row-major n x n matrix `D` with `d(m, x) = D[m][x]`; it may be asymmetric.
///
/// ```
/// use banditpam::{Dissimilarity, Precomputed};
/// let d = [0.0f64, 1.0, 2.0, 0.0];
/// let m = Precomputed::new(&d, 2, 2).unwrap();
/// let mut out = [0.0; 1];
/// m.block(&[0], &[1], &mut out).unwrap();
/// assert_eq!(out[0], 1.0);
/// assert!(Precomputed::new(&d, 1, 4).is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Precomputed<'a, T: Scalar> {
    values: &'a [T],
    n: usize,
}

impl<'a, T: Scalar> Precomputed<'a, T> {
    /// Borrow a `rows` x `cols` row-major matrix.
    ///
    /// Errors: [`Error::EmptyData`], [`Error::NotSquare`], [`Error::ShapeMismatch`],
    /// [`Error::NonFiniteValue`], [`Error::NegativeDissimilarity`].
    pub fn new(values: &'a [T], rows: usize, cols: usize) -> Result<Self> {
        if rows != cols {
            return Err(Error::NotSquare { rows, cols });
        }
        if rows == 0 {
            return Err(Error::EmptyData);
        }
        let expected = rows.saturating_mul(cols);
        if values.len() != expected {
            return Err(Error::ShapeMismatch { len: values.len(), rows, cols, expected });
        }
        for (pos, v) in values.iter().enumerate() {
            let value = v.to_f64();
            if !value.is_finite() {
                return Err(Error::NonFiniteValue { row: pos / cols, col: pos % cols, value });
            }
            if value < 0.0 {
                return Err(Error::NegativeDissimilarity { from: pos / cols, to: pos % cols, value });
            }
        }
        Ok(Precomputed { values, n: rows })
    }

    /// A matrix known to be square and valid (the library's own).
    pub(super) fn trusted(values: &'a [T], n: usize) -> Self {
        Precomputed { values, n }
    }

    /// Row `m` of the matrix: the dissimilarities from object `m` to every object.
    pub fn row(&self, m: usize) -> &'a [T] {
        &self.values[m * self.n..(m + 1) * self.n]
    }
}

impl<T: Scalar> Dissimilarity for Precomputed<'_, T> {
    fn len(&self) -> usize {
        self.n
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        let width = references.len();
        for (dst, &c) in out.chunks_exact_mut(width.max(1)).zip(candidates) {
            let src = self.row(c);
            for (slot, &r) in dst.iter_mut().zip(references) {
                *slot = src[r].to_f64();
            }
        }
        Ok(())
    }

    fn is_stored(&self) -> bool {
        true
    }
}
