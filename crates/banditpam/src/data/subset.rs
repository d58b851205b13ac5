//! Some objects of a data set, numbered anew, with the data set's dissimilarities.

use super::Dissimilarity;
use crate::error::Result;

/// The objects `ids` of `data` as a data set of their own: object `s` is `data`'s object
/// `ids[s]`, and every dissimilarity is the one `data` gives, bit for bit (a search on a sample
/// of the data reads it so, without copying rows).
pub(crate) struct Subset<'a> {
    data: &'a dyn Dissimilarity,
    ids: &'a [usize],
}

impl<'a> Subset<'a> {
    /// `ids` must be below `data.len()`.
    pub(crate) fn new(data: &'a dyn Dissimilarity, ids: &'a [usize]) -> Self {
        debug_assert!(ids.iter().all(|&j| j < data.len()));
        Subset { data, ids }
    }

    fn whole(&self, local: &[usize]) -> Vec<usize> {
        local.iter().map(|&s| self.ids[s]).collect()
    }
}

impl Dissimilarity for Subset<'_> {
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        self.data.block(&self.whole(candidates), &self.whole(references), out)
    }

    fn block_interruptible(
        &self,
        candidates: &[usize],
        references: &[usize],
        out: &mut [f64],
        keep_going: &dyn Fn() -> bool,
    ) -> Result<()> {
        self.data.block_interruptible(&self.whole(candidates), &self.whole(references), out, keep_going)
    }

    fn is_stored(&self) -> bool {
        self.data.is_stored()
    }

    fn is_symmetric(&self) -> bool {
        self.data.is_symmetric()
    }

    fn scale_exponent(&self) -> i32 {
        self.data.scale_exponent()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DenseData, Metric};

    #[test]
    fn a_subset_gives_the_data_sets_dissimilarities_under_new_numbers() {
        let rows: Vec<f64> = (0..40).map(|i| ((i * 37) % 11) as f64).collect();
        let data = DenseData::new(&rows, 10, 4, Metric::L2).unwrap();
        let ids = [1, 4, 7, 9];
        let subset = Subset::new(&data, &ids);
        assert_eq!(subset.len(), 4);
        let (mut got, mut want) = (vec![0.0; 8], vec![0.0; 8]);
        subset.block(&[0, 3], &[1, 2, 3, 0], &mut got).unwrap();
        data.block(&[1, 9], &[4, 7, 9, 1], &mut want).unwrap();
        assert_eq!(got, want);
        assert!(got.iter().any(|&v| v > 0.0));
    }
}
