//! An owned n x n matrix built once from any data set with the block kernels.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::memory::Budget;
use crate::parallel::with_pool;
use crate::scalar::Scalar;

use super::{Dissimilarity, Precomputed};

/// Rows computed per parallel task while building the matrix.
const ROWS_PER_TASK: usize = 64;

/// A dense n x n dissimilarity matrix owned by the library, stored as `S` (`f32` halves the
/// memory of `f64`).
///
/// ```
/// use banditpam::{DenseData, Dissimilarity, DistanceMatrix, Metric};
/// let points = [0.0f32, 0.0, 3.0, 4.0];
/// let data = DenseData::new(&points, 2, 2, Metric::L2).unwrap();
/// let matrix = DistanceMatrix::<f32>::build(&data, Some(1)).unwrap();
/// assert_eq!(matrix.row(0), &[0.0, 5.0]);
/// ```
#[derive(Debug, Clone)]
pub struct DistanceMatrix<S: Scalar> {
    values: Vec<S>,
    n: usize,
}

impl<S: Scalar> DistanceMatrix<S> {
    /// Evaluate every pair of `data` in parallel on `threads` threads (all cores when `None`).
    ///
    /// Errors: [`crate::Error::OutOfMemory`], [`crate::Error::MatrixOverflow`] (a value too
    /// large for `S`), and the data's own.
    pub fn build<D: Dissimilarity + ?Sized>(data: &D, threads: Option<usize>) -> Result<Self> {
        let unlimited = Budget { bytes: usize::MAX };
        with_pool(threads, || Self::build_with(data.len(), &unlimited, |c, r, out| data.block(c, r, out)))?
    }

    /// Build inside the current rayon pool from a block function, within `budget`.
    pub(crate) fn build_with(
        n: usize,
        budget: &Budget,
        block: impl Fn(&[usize], &[usize], &mut [f64]) -> Result<()> + Sync,
    ) -> Result<Self> {
        let square = n.checked_mul(n).ok_or(Error::OutOfMemory { what: "the n x n matrix", bytes: usize::MAX })?;
        let mut values = budget.vec("the n x n matrix", square, S::ZERO)?;
        let references: Vec<usize> = (0..n).collect();
        values.par_chunks_mut(ROWS_PER_TASK * n.max(1)).enumerate().try_for_each(|(task, rows)| -> Result<()> {
            let first = task * ROWS_PER_TASK;
            let candidates: Vec<usize> = (first..first + rows.len() / n).collect();
            let mut scratch = vec![0.0f64; candidates.len() * n];
            block(&candidates, &references, &mut scratch)?;
            for (dst, &src) in rows.iter_mut().zip(&scratch) {
                *dst = S::from_f64(src);
                if !dst.to_f64().is_finite() {
                    return Err(Error::MatrixOverflow { value: src });
                }
            }
            Ok(())
        })?;
        Ok(DistanceMatrix { values, n })
    }

    /// Row `m`: the dissimilarities from object `m` to every object.
    pub fn row(&self, m: usize) -> &[S] {
        &self.values[m * self.n..(m + 1) * self.n]
    }

    /// The row-major values.
    pub fn values(&self) -> &[S] {
        &self.values
    }

    /// Number of objects.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The matrix as a borrowed [`Precomputed`] (no copy, no re-validation).
    pub fn view(&self) -> Precomputed<'_, S> {
        Precomputed::trusted(&self.values, self.n)
    }
}

impl<S: Scalar> Dissimilarity for DistanceMatrix<S> {
    fn len(&self) -> usize {
        self.n
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        self.view().block(candidates, references, out)
    }

    fn is_stored(&self) -> bool {
        true
    }
}
