//! Dissimilarities divided by a power of two, for data of extreme magnitude.

use super::Dissimilarity;
use crate::error::Result;
use crate::scalar::PowerOfTwo;

/// How far from 0 a data set's [`Dissimilarity::scale_exponent`] may be before a fit rescales
/// its dissimilarities. Within it, squares and sums over 2^64 objects stay normal `f64`
/// numbers, and ordinary data is left exactly as it is.
const LARGEST_UNSCALED_EXPONENT: i32 = 128;

/// The power of two a fit divides dissimilarities by, for data of this scale exponent: the
/// exponent itself beyond [`LARGEST_UNSCALED_EXPONENT`], else 0 (nothing rescaled).
pub(crate) fn rescaled_exponent(scale_exponent: i32) -> i32 {
    if scale_exponent.abs() > LARGEST_UNSCALED_EXPONENT {
        scale_exponent
    } else {
        0
    }
}

/// `data`'s dissimilarities divided by 2^`exponent`: exact (only the exponents of the values
/// change), so a search makes the same choices on them as on the data scaled to [0, 1].
pub(crate) struct Rescaled<'a> {
    data: &'a dyn Dissimilarity,
    factor: PowerOfTwo,
    exponent: i32,
}

impl<'a> Rescaled<'a> {
    /// `data` rescaled when its scale exponent is beyond [`LARGEST_UNSCALED_EXPONENT`]; `None`
    /// for data of ordinary magnitude.
    pub(crate) fn when_extreme(data: &'a dyn Dissimilarity) -> Option<Self> {
        let exponent = rescaled_exponent(data.scale_exponent());
        (exponent != 0).then(|| Rescaled { data, factor: PowerOfTwo::new(-exponent), exponent })
    }

    /// The power of two the dissimilarities were divided by: a loss on them times 2^exponent
    /// is the loss on the data.
    pub(crate) fn exponent(&self) -> i32 {
        self.exponent
    }

    fn rescale(&self, out: &mut [f64]) {
        out.iter_mut().for_each(|v| *v = self.factor.times(*v));
    }
}

impl Dissimilarity for Rescaled<'_> {
    fn len(&self) -> usize {
        self.data.len()
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        self.data.block(candidates, references, out)?;
        self.rescale(&mut out[..candidates.len() * references.len()]);
        Ok(())
    }

    fn block_interruptible(
        &self,
        candidates: &[usize],
        references: &[usize],
        out: &mut [f64],
        keep_going: &dyn Fn() -> bool,
    ) -> Result<()> {
        self.data.block_interruptible(candidates, references, out, keep_going)?;
        self.rescale(&mut out[..candidates.len() * references.len()]);
        Ok(())
    }

    fn is_stored(&self) -> bool {
        self.data.is_stored()
    }

    fn is_symmetric(&self) -> bool {
        self.data.is_symmetric()
    }
}
