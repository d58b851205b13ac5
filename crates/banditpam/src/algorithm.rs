//! The names of the algorithms, and what each needs from the fit driver. Every list of method
//! names (error messages, the CLI's help, the Python package's `METHODS`) is built from
//! [`Algorithm::ALL`].

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::params::Init;

/// Which k-medoids algorithm to run.
///
/// ```
/// use banditpam::Algorithm;
/// assert_eq!("FasterPAM".parse::<Algorithm>().unwrap(), Algorithm::FasterPam);
/// assert_eq!(Algorithm::OneBatchSwap.to_string(), "onebatch+swap");
/// assert!(Algorithm::name_list().contains("onebatch+swap"));
/// assert_eq!(Algorithm::default(), Algorithm::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// The default: the method that reaches PAM-level loss fastest for the data's size, k and
    /// the memory budget, chosen when the fit starts by [`Algorithm::choose`]; the fit's result
    /// names the method that ran.
    #[default]
    Auto,
    /// BanditPAM++: BanditPAM with virtual arms and the permutation-invariant distance cache.
    BanditPamPlusPlus,
    /// BanditPAM (original): a new random reference order every step, no cache.
    BanditPam,
    /// PAM: BUILD, then the best swap per step, each evaluated on its own (O(k n^2) per step).
    Pam,
    /// FastPAM1: PAM's answer with O(n^2) per swap step.
    FastPam1,
    /// FasterPAM: eager swaps; a local optimum of the loss, not always PAM's.
    FasterPam,
    /// OneBatchPAM: eager swaps judged on one random batch of about `100 ln(n k)` objects;
    /// O(n m) distances, an approximate answer whose loss is close to PAM's.
    OneBatchPam,
    /// OneBatchPAM, then BanditPAM++ SWAP steps, each verified exactly, until no swap lowers
    /// the true loss: a local optimum of the true objective, from a cheap start.
    OneBatchSwap,
}

impl Algorithm {
    /// Every algorithm, in the order names are listed to users.
    pub const ALL: [Algorithm; 8] = [
        Algorithm::Auto,
        Algorithm::BanditPamPlusPlus,
        Algorithm::BanditPam,
        Algorithm::Pam,
        Algorithm::FastPam1,
        Algorithm::FasterPam,
        Algorithm::OneBatchPam,
        Algorithm::OneBatchSwap,
    ];

    /// The canonical name, as accepted by [`FromStr`] and printed by [`fmt::Display`].
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Auto => "auto",
            Algorithm::BanditPamPlusPlus => "banditpam++",
            Algorithm::BanditPam => "banditpam",
            Algorithm::Pam => "pam",
            Algorithm::FastPam1 => "fastpam1",
            Algorithm::FasterPam => "fasterpam",
            Algorithm::OneBatchPam => "onebatch",
            Algorithm::OneBatchSwap => "onebatch+swap",
        }
    }

    /// Other accepted spellings (upstream BanditPAM's among them).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Algorithm::BanditPamPlusPlus => &["banditpam_pp", "banditpampp"],
            Algorithm::BanditPam => &["banditpam_orig"],
            Algorithm::OneBatchPam => &["onebatchpam"],
            Algorithm::OneBatchSwap => &["onebatch_swap"],
            Algorithm::Auto | Algorithm::Pam | Algorithm::FastPam1 | Algorithm::FasterPam => &[],
        }
    }

    /// The canonical names, comma-separated: for messages and help texts.
    pub fn name_list() -> String {
        Algorithm::ALL.map(Algorithm::name).join(", ")
    }

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

    /// How the search starts when the caller does not say: PAM's BUILD, or random medoids for
    /// the eager algorithms (whose swaps make up for a cheap start).
    pub(crate) fn default_init(self) -> InitKind {
        match self {
            Algorithm::FasterPam | Algorithm::OneBatchPam | Algorithm::OneBatchSwap => InitKind::Random,
            _ => InitKind::Build,
        }
    }

    /// BUILD, when asked for, runs as a best-arm search (BanditPAM's) rather than exactly.
    pub(crate) fn bandit_build(self) -> bool {
        matches!(self, Algorithm::BanditPam | Algorithm::BanditPamPlusPlus)
    }

    /// The search samples reference objects through the bandit engine (BanditPAM's BUILD or
    /// SWAP), so it needs a reference order and, optionally, the cache.
    pub(crate) fn samples_references(self) -> bool {
        matches!(self, Algorithm::BanditPam | Algorithm::BanditPamPlusPlus | Algorithm::OneBatchSwap)
    }

    /// Reads every pair many times (O(n^2) per pass or step), so an n x n matrix built once
    /// pays for itself when it fits the memory budget.
    pub(crate) fn rereads_all_pairs(self) -> bool {
        matches!(self, Algorithm::Pam | Algorithm::FastPam1 | Algorithm::FasterPam)
    }

    /// The reference order is fixed for the whole fit by default (BanditPAM++ and what builds
    /// on it); BanditPAM draws a new one every step.
    pub(crate) fn default_fixed_order(self) -> bool {
        self != Algorithm::BanditPam
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

/// The two default starts (see [`crate::Init`] for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InitKind {
    Build,
    Random,
}

impl FromStr for Algorithm {
    type Err = Error;

    /// A canonical name or an alias, case-insensitive.
    fn from_str(name: &str) -> Result<Self> {
        let wanted = name.trim().to_ascii_lowercase();
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name() == wanted || a.aliases().contains(&wanted.as_str()))
            .ok_or_else(|| Error::UnknownAlgorithm(name.to_string()))
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_and_alias_parses_back() {
        for algorithm in Algorithm::ALL {
            assert_eq!(algorithm.name().parse::<Algorithm>().unwrap(), algorithm);
            assert_eq!(algorithm.name().to_ascii_uppercase().parse::<Algorithm>().unwrap(), algorithm);
            for alias in algorithm.aliases() {
                assert_eq!(alias.parse::<Algorithm>().unwrap(), algorithm);
            }
        }
        assert_eq!("kmeans".parse::<Algorithm>().unwrap_err(), Error::UnknownAlgorithm("kmeans".into()));
    }

    #[test]
    fn the_error_lists_every_method() {
        let message = Error::UnknownAlgorithm("kmeans".into()).to_string();
        for algorithm in Algorithm::ALL {
            assert!(message.contains(algorithm.name()), "{message}");
        }
    }
}
