//! The names of the algorithms, and what each needs from the fit driver. Every list of method
//! names (error messages, the CLI's help, the Python package's `METHODS`) is built from
//! [`Algorithm::ALL`].

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Which k-medoids algorithm to run.
///
/// ```
/// use banditpam::Algorithm;
/// assert_eq!("FasterPAM".parse::<Algorithm>().unwrap(), Algorithm::FasterPam);
/// assert_eq!(Algorithm::OneBatchSwap.to_string(), "onebatch+swap");
/// assert!(Algorithm::name_list().contains("onebatch+swap"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// BanditPAM++: BanditPAM with virtual arms and the permutation-invariant distance cache.
    #[default]
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
    pub const ALL: [Algorithm; 7] = [
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
            Algorithm::Pam | Algorithm::FastPam1 | Algorithm::FasterPam => &[],
        }
    }

    /// The canonical names, comma-separated: for messages and help texts.
    pub fn name_list() -> String {
        Algorithm::ALL.map(Algorithm::name).join(", ")
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
