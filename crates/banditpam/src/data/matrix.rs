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
    /// Evaluate every pair of `data` in parallel on `threads` threads (all cores when `None`);
    /// half of them when the data's dissimilarity is symmetric.
    ///
    /// Errors: [`crate::Error::OutOfMemory`], [`crate::Error::MatrixOverflow`] (a value too
    /// large for `S`), and the data's own.
    pub fn build<D: Dissimilarity + ?Sized>(data: &D, threads: Option<usize>) -> Result<Self> {
        let unlimited = Budget { bytes: usize::MAX };
        let symmetric = data.is_symmetric();
        with_pool(threads, || Self::build_with(data.len(), &unlimited, symmetric, |c, r, out| data.block(c, r, out)))?
    }

    /// Build inside the current rayon pool from a block function, within `budget`. With
    /// `symmetric`, each row is computed from its diagonal on and the rest copied from the
    /// rows above (half the evaluations).
    pub(crate) fn build_with(
        n: usize,
        budget: &Budget,
        symmetric: bool,
        block: impl Fn(&[usize], &[usize], &mut [f64]) -> Result<()> + Sync,
    ) -> Result<Self> {
        let square = n.checked_mul(n).ok_or(Error::OutOfMemory { what: "the n x n matrix", bytes: usize::MAX })?;
        let mut values = budget.vec("the n x n matrix", square, S::ZERO)?;
        let references: Vec<usize> = (0..n).collect();
        values.par_chunks_mut(ROWS_PER_TASK * n.max(1)).enumerate().try_for_each(|(task, rows)| -> Result<()> {
            let first = task * ROWS_PER_TASK;
            let candidates: Vec<usize> = (first..first + rows.len() / n).collect();
            let from = if symmetric { first } else { 0 };
            let width = n - from;
            let mut scratch = vec![0.0f64; candidates.len() * width];
            block(&candidates, &references[from..], &mut scratch)?;
            for (row, computed) in rows.chunks_exact_mut(n).zip(scratch.chunks_exact(width)) {
                for (dst, &src) in row[from..].iter_mut().zip(computed) {
                    *dst = S::from_f64(src);
                    if !dst.to_f64().is_finite() {
                        return Err(Error::MatrixOverflow { value: src });
                    }
                }
            }
            Ok(())
        })?;
        if symmetric {
            mirror_lower_triangle(&mut values, n);
        }
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

/// `values[i * n + j] = values[j * n + i]` for `j < i`, in square tiles so both the rows read
/// and the rows written stay in cache.
fn mirror_lower_triangle<S: Copy>(values: &mut [S], n: usize) {
    const TILE: usize = 64;
    for top in (0..n).step_by(TILE) {
        for left in (0..=top).step_by(TILE) {
            for i in top..(top + TILE).min(n) {
                let (above, below) = values.split_at_mut(i * n);
                for j in left..(left + TILE).min(i) {
                    below[j] = above[j * n + i];
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DenseData;
    use crate::metric::Metric;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn a_symmetric_build_computes_half_and_equals_the_full_one() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        // 300 rows: tiles and tasks of 64 with a ragged last one.
        let (n, d) = (300, 7);
        let values: Vec<f64> = (0..n * d).map(|_| rng.random::<f64>()).collect();
        let data = DenseData::new(&values, n, d, Metric::L1).unwrap();
        let unlimited = Budget { bytes: usize::MAX };
        let evaluated = std::sync::atomic::AtomicUsize::new(0);
        let counted = |c: &[usize], r: &[usize], out: &mut [f64]| {
            evaluated.fetch_add(c.len() * r.len(), std::sync::atomic::Ordering::Relaxed);
            data.block(c, r, out)
        };
        let half = DistanceMatrix::<f64>::build_with(n, &unlimited, true, counted).unwrap();
        // Whole tasks of 64 rows from their first diagonal entry on: 60% of n^2 at this n.
        assert!(evaluated.into_inner() < n * n * 13 / 20);
        let full = DistanceMatrix::<f64>::build_with(n, &unlimited, false, |c, r, out| data.block(c, r, out)).unwrap();
        for i in 0..n {
            for j in 0..n {
                assert_eq!(half.row(i)[j], half.row(j)[i]);
                assert!((half.row(i)[j] - full.row(i)[j]).abs() <= 1e-12 * full.row(i)[j].max(1.0), "{i} {j}");
            }
        }
    }
}
