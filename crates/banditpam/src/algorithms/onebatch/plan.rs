//! What OneBatchPAM draws from its seed: the batch, and a random start.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The default batch size: `100 ln(n k)`, within `[k, n]`.
pub(crate) fn default_batch_size(n: usize, k: usize) -> usize {
    let estimate = (100.0 * ((n * k).max(2) as f64).ln()) as usize;
    estimate.max(k).min(n)
}

/// The `size` batch members drawn for `seed` (distinct objects of `0..n`, in draw order).
pub(crate) fn draw_batch(n: usize, size: usize, seed: u64) -> Vec<usize> {
    // A stream of its own, so the batch does not depend on how the initial medoids were drawn.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6f6e_6562_6174_6368);
    rand::seq::index::sample(&mut rng, n, size.clamp(1, n)).into_vec()
}

/// k distinct objects of `0..n` drawn for `seed`: the random start every method shares.
pub(crate) fn random_medoids(n: usize, k: usize, seed: u64) -> Vec<usize> {
    rand::seq::index::sample(&mut ChaCha8Rng::seed_from_u64(seed), n, k).into_vec()
}
