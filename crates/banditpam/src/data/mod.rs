//! Data sets and their dissimilarities, behind the one trait every algorithm reads through.
//!
//! - [`DenseData`]: borrowed n x d row-major `f32`/`f64` vectors with a [`crate::Metric`];
//! - [`Precomputed`]: a borrowed n x n matrix, possibly asymmetric, `d(m, x) = D[m][x]`;
//! - [`Strings`]: strings under a [`crate::StringMetric`] (Levenshtein, Damerau-Levenshtein, OSA,
//!   Indel, Hamming, Jaro-Winkler);
//! - [`Series`]: series of numbers under dynamic time warping ([`dtw`]);
//! - [`Trees`]: ordered labelled trees under the [`tree_edit_distance`];
//! - [`Objects`]: any objects with a user dissimilarity function (e.g. [`levenshtein`]);
//! - [`SparseData`]: borrowed compressed sparse rows under L2, squared L2, L1 or cosine;
//! - [`DistanceMatrix`]: an owned n x n matrix built once from any of the above;
//! - [`distances_to_medoids`]: objects of any of these against medoids (prediction).

mod dense;
mod matrix;
mod objects;
mod precomputed;
mod rescaled;
mod series;
mod sparse;
mod strings;
mod subset;
mod to_medoids;
mod trees;

pub(crate) use dense::{check as check_dense, check_squares};
pub use dense::{cross_distances, flatten_rows, DenseData};
pub use matrix::DistanceMatrix;
pub use objects::{levenshtein, Objects};
pub use precomputed::Precomputed;
pub(crate) use rescaled::{rescaled_exponent, Rescaled};
pub use series::{dtw, Series};
pub use sparse::SparseData;
pub use strings::Strings;
pub(crate) use subset::Subset;
pub use to_medoids::distances_to_medoids;
pub use trees::{tree_edit_distance, Tree, TreeParser, Trees};

use crate::error::{Error, Result};

/// Fills a block pair by pair, for the data sets whose distances come one pair at a time
/// (strings, series, trees, objects under a function): `row(candidate)` prepares what the
/// candidate's pairs share and returns the function of a reference; `keep_going` is asked
/// before every pair.
pub(crate) fn fill_by_pairs<P: FnMut(usize) -> Result<f64>>(
    candidates: &[usize],
    references: &[usize],
    out: &mut [f64],
    keep_going: &dyn Fn() -> bool,
    mut row: impl FnMut(usize) -> P,
) -> Result<()> {
    let width = references.len();
    for (dst, &c) in out.chunks_exact_mut(width.max(1)).zip(candidates) {
        let mut pair = row(c);
        for (slot, &r) in dst.iter_mut().zip(references) {
            if !keep_going() {
                return Err(Error::Interrupted);
            }
            *slot = pair(r)?;
        }
    }
    Ok(())
}

/// A set of `n` objects and a dissimilarity between them, evaluated a block at a time.
///
/// Algorithms never ask for one distance: they ask for a block (a list of candidates against a
/// list of references), so an implementation can use SIMD, a matrix product or a cache, and
/// pays any dispatch cost once per block.
///
/// ```
/// use banditpam::{DenseData, Dissimilarity, Metric};
/// let points = [0.0f64, 0.0, 3.0, 4.0, 6.0, 8.0];
/// let data = DenseData::new(&points, 3, 2, Metric::L2).unwrap();
/// let mut out = [0.0; 2];
/// data.block(&[0], &[1, 2], &mut out).unwrap();
/// assert_eq!(out, [5.0, 10.0]);
/// ```
pub trait Dissimilarity: Sync {
    /// The number of objects.
    fn len(&self) -> usize;

    /// Whether the data set is empty (never true for a validated data set).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fill `out[a * references.len() + b] = d(candidates[a], references[b])`.
    ///
    /// `out` has at least `candidates.len() * references.len()` elements and every index is
    /// below [`Dissimilarity::len`]. Implementations are single-threaded; callers parallelise
    /// over blocks.
    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()>;

    /// [`Dissimilarity::block`], stopping with [`crate::Error::Interrupted`] as soon as
    /// `keep_going` returns false, for implementations whose blocks can take long. The fit
    /// calls this; the default checks nothing inside the block (the fit checks between blocks).
    /// [`DenseData`] checks between slices of about 2^28 multiply-adds (a fraction of a second);
    /// [`Objects`] between pairs, so a cancellation waits for at most one pair.
    fn block_interruptible(
        &self,
        candidates: &[usize],
        references: &[usize],
        out: &mut [f64],
        keep_going: &dyn Fn() -> bool,
    ) -> Result<()> {
        let _ = keep_going;
        self.block(candidates, references, out)
    }

    /// True when [`Dissimilarity::block`] reads stored values instead of computing them, so
    /// that callers do not count its values as distance evaluations.
    fn is_stored(&self) -> bool {
        false
    }

    /// True when `d(a, b) = d(b, a)` for every pair, so that an n x n matrix needs only one
    /// half computed. False unless the implementation knows (a user's function may not be).
    fn is_symmetric(&self) -> bool {
        false
    }

    /// The exponent of a power of two near the data's dissimilarities, where the data knows
    /// it without computing any (rows of numbers: from their largest value), else 0. A fit on
    /// data whose exponent is far from 0 (values near 1e-310 or 1e300) divides every
    /// dissimilarity by that power, so that its sums, squares and thresholds stay within
    /// `f64`'s normal range, and multiplies the losses back: the same choices as on the data
    /// scaled to [0, 1].
    ///
    /// ```
    /// use banditpam::{DenseData, Dissimilarity, Metric};
    /// let tiny = [0.0f64, 3e-300, 1e-300, 0.0];
    /// assert_eq!(DenseData::new(&tiny, 2, 2, Metric::L1).unwrap().scale_exponent(), -995);
    /// assert_eq!(DenseData::new(&tiny, 2, 2, Metric::Cosine).unwrap().scale_exponent(), 0);
    /// ```
    fn scale_exponent(&self) -> i32 {
        0
    }
}

impl<D: Dissimilarity + ?Sized> Dissimilarity for &D {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        (**self).block(candidates, references, out)
    }
    fn block_interruptible(
        &self,
        candidates: &[usize],
        references: &[usize],
        out: &mut [f64],
        keep_going: &dyn Fn() -> bool,
    ) -> Result<()> {
        (**self).block_interruptible(candidates, references, out, keep_going)
    }
    fn is_stored(&self) -> bool {
        (**self).is_stored()
    }
    fn scale_exponent(&self) -> i32 {
        (**self).scale_exponent()
    }
    fn is_symmetric(&self) -> bool {
        (**self).is_symmetric()
    }
}
