//! What OneBatchPAM draws from its seed: the batch, and a random start.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The default batch size: `100 ln(n k)`, within `[k, n]`.
fn default_batch_size(n: usize, k: usize) -> usize {
    let estimate = (100.0 * ((n * k).max(2) as f64).ln()) as usize;
    estimate.max(k).min(n)
}

/// The batch size of a OneBatchPAM search on n objects: `chosen` (the `onebatch_size`
/// parameter) or the default, within `[1, n]`.
pub(crate) fn search_batch_size(chosen: Option<usize>, n: usize, k: usize) -> usize {
    chosen.unwrap_or_else(|| default_batch_size(n, k)).clamp(1, n.max(1))
}

/// The batch size of OneBatchPAM as a start for another search: `chosen`, or the default with
/// the block (n x batch) kept within `START_BLOCK_ENTRIES`, since the search it starts corrects
/// what a smaller batch misses; within `[1, n]`.
pub(crate) fn start_batch_size(chosen: Option<usize>, n: usize, k: usize) -> usize {
    let capped = || default_batch_size(n, k).min((START_BLOCK_ENTRIES / n.max(1)).max(k));
    chosen.unwrap_or_else(capped).clamp(1, n.max(1))
}

/// Entries of the start's block at most (2 GiB of `f32`).
const START_BLOCK_ENTRIES: usize = 1 << 29;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_s_batch_keeps_its_block_within_the_cap() {
        // Where the default block is small, the start draws the default batch.
        assert_eq!(start_batch_size(None, 100_000, 100), search_batch_size(None, 100_000, 100));
        let n = 1_000_000;
        let m = start_batch_size(None, n, 100);
        assert!(m < search_batch_size(None, n, 100) && n * m <= START_BLOCK_ENTRIES && m >= 100, "{m}");
        // Never fewer than k members, nor more than n.
        assert_eq!(start_batch_size(None, 10_000_000, 600), 600);
        assert_eq!(start_batch_size(None, 50, 3), 50);
        // A batch size the caller chose is kept, within [1, n].
        assert_eq!(start_batch_size(Some(700), n, 100), 700);
        assert_eq!(search_batch_size(Some(700), 50, 3), 50);
    }
}
