//! `auto`: the rule that picks a method from the size of the problem and the memory budget.

use crate::algorithms::Algorithm;
use crate::init::Init;

impl Algorithm {
    /// The method `auto` runs for `workload`, and the start it gives it when the caller names
    /// none. The rule, from the benchmarks (MNIST, 2 threads; BENCHMARKS.md has the rows):
    ///
    /// | k | n | an n x n matrix fits the budget | method |
    /// |---|---|---|---|
    /// | <= 10 | <= 30,000 | either | `onebatch+swap` |
    /// | > 10, or n > 30,000 | any | yes | `fasterpam`, starting from OneBatchPAM's medoids |
    /// | > 10 | <= 30,000 | no | `onebatch+swap` |
    /// | > 10, or n > 30,000 | > 30,000 | no | `onebatch` |
    ///
    /// At small k the bandit's verified swaps from OneBatchPAM's start cost a fraction of the
    /// matrix FasterPAM needs, and reach FasterPAM's loss or better. From k = 20 on, FasterPAM on
    /// the matrix (half of it computed: the metrics are symmetric) is the faster way to that
    /// loss, and OneBatchPAM's start saves it half its swaps. Without a matrix, beyond 30,000
    /// objects the verified swaps take minutes, so OneBatchPAM alone (O(n m) distances, about
    /// 1-2% above FasterPAM's loss) is the answer; the rule does not depend on the metric or the
    /// dimension, whose cost scales every method alike.
    ///
    /// ```
    /// use banditpam::{Algorithm, Init, Workload};
    /// let small = Workload { n: 10_000, k: 5, matrix_fits: true };
    /// assert_eq!(Algorithm::choose(small), (Algorithm::OneBatchSwap, None));
    /// let many = Workload { n: 10_000, k: 100, matrix_fits: true };
    /// assert_eq!(Algorithm::choose(many), (Algorithm::FasterPam, Some(Init::OneBatch)));
    /// let large = Workload { n: 100_000, k: 100, matrix_fits: false };
    /// assert_eq!(Algorithm::choose(large), (Algorithm::OneBatchPam, None));
    /// ```
    pub fn choose(workload: Workload) -> (Algorithm, Option<Init>) {
        let Workload { n, k, matrix_fits } = workload;
        let verified_swaps_pay = n <= AUTO_MAX_BANDIT_N;
        if k <= AUTO_SMALL_K && verified_swaps_pay {
            (Algorithm::OneBatchSwap, None)
        } else if matrix_fits {
            (Algorithm::FasterPam, Some(Init::OneBatch))
        } else if verified_swaps_pay {
            (Algorithm::OneBatchSwap, None)
        } else {
            (Algorithm::OneBatchPam, None)
        }
    }
}

/// Up to this k, `auto` runs the bandit's verified swaps (see [`Algorithm::choose`]).
const AUTO_SMALL_K: usize = 10;
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
