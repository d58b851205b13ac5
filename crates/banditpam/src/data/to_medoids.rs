//! Distances from objects to medoids for data of any kind: what `predict` and `transform`
//! compute on new objects.

use rayon::prelude::*;

use crate::context::{Context, Phase};
use crate::data::Dissimilarity;
use crate::error::{Error, Result};
use crate::observer::Observer;
use crate::parallel::with_pool;

/// Targets per task: one kernel call of k x this many distances.
const TARGETS_PER_TASK: usize = 256;

/// `out[t * k + j] = d(medoids[j], targets[t])`: the distances from each of `targets` to each
/// of the k `medoids`, targets x medoids, row-major. The medoid is the first argument, as in a
/// fit. Computed in tasks of a few hundred targets, in parallel on `threads` (the values do not
/// depend on it), checking `observer` for cancellation between blocks. To compare new objects
/// with the medoids of a fit, put the medoids and the new objects in one data set.
///
/// Errors: [`Error::InvalidParameter`] naming `medoids` or `targets` for an index out of range
/// or no medoid; [`Error::OutOfMemory`] when the output cannot be allocated; a
/// non-finite distance; [`Error::Interrupted`].
///
/// ```
/// use banditpam::{distances_to_medoids, levenshtein, Objects, Silent};
/// // Two medoids first, then the new words.
/// let words = ["cat", "horse", "hat", "house", "cart"].map(String::from);
/// let data = Objects::new(&words, |a: &String, b: &String| levenshtein(a, b)).unwrap();
/// let d = distances_to_medoids(&data, &[0, 1], &[2, 3, 4], None, &Silent).unwrap();
/// assert_eq!(d, vec![1.0, 4.0, 5.0, 1.0, 1.0, 4.0]);
/// ```
pub fn distances_to_medoids<D: Dissimilarity + ?Sized>(
    data: &D,
    medoids: &[usize],
    targets: &[usize],
    threads: Option<usize>,
    observer: &dyn Observer,
) -> Result<Vec<f64>> {
    let n = data.len();
    for (name, indices) in [("medoids", medoids), ("targets", targets)] {
        if let Some(i) = indices.iter().find(|&&i| i >= n) {
            return Err(Error::InvalidParameter {
                name,
                expected: "indices of objects",
                value: format!("{i} >= n = {n}"),
            });
        }
    }
    if medoids.is_empty() {
        return Err(Error::InvalidParameter { name: "medoids", expected: "at least one", value: "none".into() });
    }
    let k = medoids.len();
    let mut out = crate::memory::filled("the distances to the medoids", targets.len().saturating_mul(k), 0.0)?;
    with_pool(threads, || {
        let ctx = Context::new(&data, observer);
        out.par_chunks_mut(TARGETS_PER_TASK * k).zip(targets.par_chunks(TARGETS_PER_TASK)).try_for_each(
            |(rows, chunk)| {
                // The kernel's block is medoid-major (k x chunk); the output is target-major.
                let mut block = vec![0.0; k * chunk.len()];
                ctx.block(Phase::Other, medoids, chunk, &mut block)?;
                for (t, row) in rows.chunks_exact_mut(k).enumerate() {
                    for (j, value) in row.iter_mut().enumerate() {
                        *value = block[j * chunk.len() + t];
                    }
                }
                Ok(())
            },
        )
    })??;
    Ok(out)
}
