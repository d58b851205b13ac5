//! `auto`: the rule that picks a method from the size of the problem and the memory budget.

use crate::algorithms::Algorithm;
use crate::init::Init;

impl Algorithm {
    /// The method `auto` runs for `workload`, and the start it gives it when the caller names
    /// none. The rule, from the benchmarks (MNIST, 2 threads; BENCHMARKS.md has the rows):
    ///
    /// | n | k | an n x n matrix fits the budget | method |
    /// |---|---|---|---|
    /// | <= 2,000, or <= 5,000 with k <= 10 | any | yes | `fastpam1` from BUILD: PAM's medoids |
    /// | <= 30,000 (and not above) | <= 10 | either | `onebatch+swap` |
    /// | <= 20,000 | > 10 | yes | `fasterpam`, starting from OneBatchPAM's medoids |
    /// | any other | any other | either | `nearswap` |
    ///
    /// Where PAM itself (BUILD, then FastPAM1's exact best swaps on the matrix) costs at most
    /// about twice the fastest route, a user gets PAM's medoids, whatever the seed. At small k
    /// the bandit's verified swaps from OneBatchPAM's start cost a fraction of the matrix
    /// FasterPAM needs, and reach FasterPAM's loss or better. From k = 20 on, FasterPAM on the
    /// matrix (half of it computed: the metrics are symmetric) is the faster way to that loss,
    /// and OneBatchPAM's start saves it half its swaps, up to tens of thousands of objects:
    /// at n = 10,000, k = 100 it took 5.8 s against nearswap's 9.7 s, but at n = 40,000 it
    /// took 72 s against nearswap's 51 s (at a loss 0.025% lower, with 6.7 GB against 0.6 GB),
    /// so beyond 20,000 objects nearswap runs even where the matrix fits. So it does at k <= 10
    /// beyond 30,000: at n = 40,000, k = 10 FasterPAM took 58 s and 6.3 GB for its matrix,
    /// nearswap 5.5 s at a loss 0.016% above it (0.06% at n = 30,000, the mean over three
    /// seeds). Without a matrix, nearswap reaches a loss close to FasterPAM's in O(n (k + m))
    /// memory. The rule does not depend on the metric or the dimension, whose cost scales
    /// every method alike.
    ///
    /// ```
    /// use banditpam::{Algorithm, Init, Workload};
    /// let tiny = Workload { n: 150, k: 3, matrix_fits: true };
    /// assert_eq!(Algorithm::choose(tiny), (Algorithm::FastPam1, Some(Init::Build)));
    /// let small = Workload { n: 10_000, k: 5, matrix_fits: true };
    /// assert_eq!(Algorithm::choose(small), (Algorithm::OneBatchSwap, None));
    /// let many = Workload { n: 10_000, k: 100, matrix_fits: true };
    /// assert_eq!(Algorithm::choose(many), (Algorithm::FasterPam, Some(Init::OneBatch)));
    /// let large = Workload { n: 100_000, k: 100, matrix_fits: false };
    /// assert_eq!(Algorithm::choose(large), (Algorithm::NearSwap, None));
    /// let large_few = Workload { n: 40_000, k: 10, matrix_fits: true };
    /// assert_eq!(Algorithm::choose(large_few), (Algorithm::NearSwap, None));
    /// ```
    pub fn choose(workload: Workload) -> (Algorithm, Option<Init>) {
        let Workload { n, k, matrix_fits } = workload;
        let small_k = k <= AUTO_SMALL_K;
        let pam_is_cheap = matrix_fits && (n <= AUTO_PAM_N || (small_k && n <= AUTO_PAM_SMALL_K_N));
        if pam_is_cheap {
            (Algorithm::FastPam1, Some(Init::Build))
        } else if small_k && n <= AUTO_MAX_BANDIT_N {
            (Algorithm::OneBatchSwap, None)
        } else if matrix_fits && n <= AUTO_MATRIX_MAX_N {
            (Algorithm::FasterPam, Some(Init::OneBatch))
        } else {
            (Algorithm::NearSwap, None)
        }
    }
}

/// Up to this n, where the matrix fits, `auto` runs PAM (FastPAM1 from BUILD) at any k.
const AUTO_PAM_N: usize = 2_000;
/// Up to this n, where the matrix fits, `auto` runs PAM at small k.
const AUTO_PAM_SMALL_K_N: usize = 5_000;
/// Up to this k, `auto` prefers the bandit's verified swaps (see [`Algorithm::choose`]).
const AUTO_SMALL_K: usize = 10;
/// Beyond this n `auto` runs nearswap even where the matrix fits.
const AUTO_MATRIX_MAX_N: usize = 20_000;
/// Beyond this n, `auto` does not run the bandit's verified swaps.
const AUTO_MAX_BANDIT_N: usize = 30_000;

/// What [`Algorithm::choose`] looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// Objects.
    pub n: usize,
    /// Medoids.
    pub k: usize,
    /// Whether the n x n matrix is there to search on: the data is one, or one fits the memory
    /// budget (in `f32` at least) and precomputing is allowed.
    pub matrix_fits: bool,
}
