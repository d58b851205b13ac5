//! A chunk's rows against OneBatchPAM's batch: distances rounded to `f32` (rescaled by a power
//! of two when some do not fit it), each row's vote for its nearest batch member, and the
//! column weights the votes give.

use crate::chunks::{ChunkRows, Targets};
use crate::error::Result;
use crate::exact::ExactSum;
use crate::scalar::{binary_exponent, PowerOfTwo};

/// The power of two (its exponent) the block is computed again with when some distances do
/// not fit `f32` (beyond 3.4e38, or below its normal range): the one that brings the largest
/// into [1, 2). `None` when every distance fits as it is (or every distance is 0).
pub(crate) fn rescale(largest: f64, smallest: f64) -> Option<i32> {
    let fits =
        (largest as f32).is_finite() && (smallest <= 0.0 || !smallest.is_finite() || (smallest as f32).is_normal());
    if fits || largest <= 0.0 {
        return None;
    }
    binary_exponent(largest).map(|e| -e)
}

/// The column weights from the votes: each divided by their mean.
pub(crate) fn column_weights(votes: &[f64]) -> Vec<f32> {
    let mean = votes.iter().sum::<f64>() / votes.len() as f64;
    votes.iter().map(|w| (w / mean) as f32).collect()
}

/// A block of rows against the batch: `values` holds `rows x batch` distances times `scale`.
pub(crate) struct Block {
    pub values: Vec<f32>,
    /// Per batch member, the weight of the rows whose nearest member it is.
    pub votes: Vec<ExactSum>,
    /// The largest and the smallest positive distance (before scaling).
    pub largest: f64,
    pub smallest: f64,
}

/// Rows per task of the block's parallel fill.
const ROWS_PER_TASK: usize = 64;

/// The chunk's rows `rows` (local numbers) against `batch`, times `2^scale`.
pub(crate) fn fill(chunk: &dyn ChunkRows, rows: &[usize], batch: &Targets, scale: i32) -> Result<Block> {
    use rayon::prelude::*;
    let m = batch.len();
    let mut values = crate::memory::filled("OneBatchPAM's block (rows x batch f32)", rows.len() * m, 0.0f32)?;
    type Totals = (f64, f64, Vec<ExactSum>);
    let (largest, smallest, votes) = values
        .par_chunks_mut((ROWS_PER_TASK * m).max(1))
        .zip(rows.par_chunks(ROWS_PER_TASK))
        .try_fold(
            || (0.0f64, f64::INFINITY, vec![ExactSum::new(); m]),
            |(largest, smallest, mut votes): Totals, (out, part)| -> Result<Totals> {
                let mut block = vec![0.0; part.len() * m];
                chunk.distances_to_targets(part, batch, &mut block)?;
                let (l, s) = to_f32(&block, scale, out);
                for (&r, row) in part.iter().zip(out.chunks_exact(m.max(1))) {
                    votes[nearest(row)].add(chunk.weight(r));
                }
                Ok((largest.max(l), smallest.min(s), votes))
            },
        )
        .try_reduce(
            || (0.0f64, f64::INFINITY, vec![ExactSum::new(); m]),
            |a, b| {
                let mut votes = a.2;
                votes.iter_mut().zip(&b.2).for_each(|(x, y)| x.merge(y));
                Ok((a.0.max(b.0), a.1.min(b.1), votes))
            },
        )?;
    Ok(Block { values, votes, largest, smallest })
}

/// The position of the least value (the first on ties).
fn nearest(row: &[f32]) -> usize {
    row.iter().enumerate().fold((0, f32::INFINITY), |b, (j, &v)| if v < b.1 { (j, v) } else { b }).0
}

/// `out = block * 2^scale` in `f32`; returns the largest and the smallest positive distance
/// of `block`.
fn to_f32(block: &[f64], scale: i32, out: &mut [f32]) -> (f64, f64) {
    let (mut largest, mut smallest) = (0.0f64, f64::INFINITY);
    let factor = PowerOfTwo::new(scale);
    for (slot, &v) in out.iter_mut().zip(block) {
        *slot = factor.times(v) as f32;
        largest = largest.max(v);
        if v > 0.0 {
            smallest = smallest.min(v);
        }
    }
    (largest, smallest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_brings_the_largest_into_f32s_range() {
        assert_eq!(rescale(10.0, 0.5), None);
        assert_eq!(rescale(1e300, 1.0), Some(-996));
        // Every distance 0: nothing to rescale (and no overflow computing it).
        assert_eq!(rescale(0.0, f64::INFINITY), None);
        // Subnormal distances: the factor is beyond f64's range, applied in two steps.
        let tiny = rescale(1e-310, 1e-315).unwrap();
        let factor = PowerOfTwo::new(tiny);
        assert!((factor.times(1e-310) as f32).is_normal() && (factor.times(1e-315) as f32).is_normal());
        assert!((1.0..2.0).contains(&factor.times(1e-310)));
    }

    #[test]
    fn column_weights_are_votes_over_their_mean() {
        assert_eq!(column_weights(&[3.0, 1.0]), vec![1.5, 0.5]);
    }
}
