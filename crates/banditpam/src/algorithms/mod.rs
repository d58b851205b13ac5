//! The k-medoids methods: the [`Algorithm`] names users choose from, and one declaration per
//! method ([`Method`]) of what it needs from the fit driver and how its search runs.
//!
//! - [`build`]: PAM's greedy BUILD and k-medoids++, starts shared by the methods;
//! - [`pam`]: PAM's SWAP, the naive O(k n^2) reference;
//! - [`fastpam1`]: the same swaps in O(n^2) per step;
//! - [`fasterpam`]: eager swaps, cycling through the candidates;
//! - [`banditpam`]: BanditPAM and BanditPAM++, BUILD and SWAP as best-arm identification;
//! - [`onebatch`]: OneBatchPAM, eager swaps judged on one random batch of references;
//! - [`onebatch_swap`]: OneBatchPAM, then exactly verified BanditPAM++ swaps;
//! - [`nearswap`]: OneBatchPAM, then eager swaps screened near each candidate and verified
//!   exactly, without the n x n matrix.
//!
//! Adding a method: a file here with its search and its `METHOD` declaration, a variant of
//! [`Algorithm`], and its line in [`Algorithm::method`]. docs/ALGORITHMS.md describes the
//! methods and the contract they keep; docs/ARCHITECTURE.md the path of a fit through them.

pub(crate) mod banditpam;
pub(crate) mod build;
pub(crate) mod fasterpam;
pub(crate) mod fastpam1;
pub(crate) mod nearswap;
pub(crate) mod onebatch;
pub(crate) mod onebatch_swap;
pub(crate) mod pam;

use std::fmt;
use std::str::FromStr;

use crate::bandit::{BanditSettings, References};
use crate::context::{Context, Phase};
use crate::error::{Error, Result};
use crate::memory::Budget;
use crate::observer::Event;
use crate::state::{Assignment, Unit, Weight};

/// Which k-medoids method to run.
///
/// ```
/// use banditpam::Algorithm;
/// assert_eq!("FasterPAM".parse::<Algorithm>().unwrap(), Algorithm::FasterPam);
/// assert_eq!(Algorithm::OneBatchSwap.to_string(), "onebatch+swap");
/// assert!(Algorithm::name_list().contains("nearswap"));
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
    /// OneBatchPAM, then eager swaps screened on each candidate's neighbourhood and verified
    /// exactly: FasterPAM's kind of local optimum without the n x n matrix, in O(n (k + m))
    /// memory.
    NearSwap,
}

/// What a method needs from the fit driver, and how its search runs: every fact about a
/// method that the driver, the sharded driver or a surface asks lives in its declaration.
pub(crate) struct Method {
    /// The canonical name, as users write it.
    pub name: &'static str,
    /// Other accepted spellings (upstream BanditPAM's among them).
    pub aliases: &'static [&'static str],
    /// How the search starts when the caller names no start.
    pub start: Start,
    /// BUILD, when it is the start, runs as a best-arm search (BanditPAM's) rather than exactly.
    pub bandit_build: bool,
    /// The search samples references through the bandit engine: it needs the reference order
    /// and, optionally, the distance cache.
    pub samples_references: bool,
    /// Reads every pair many times (O(n^2) per pass or step): an n x n matrix built once pays
    /// for itself when it fits the memory budget.
    pub wants_matrix: bool,
    /// Reads references in one order for the whole fit by default (BanditPAM draws one per step).
    pub fixed_order: bool,
    /// Also runs on rows split in chunks held elsewhere (`sharded`, the Dask estimator).
    pub sharded: bool,
    /// The search, from the start to the end of its swaps.
    pub swap: SwapPhase,
}

/// The starts a method can default to (every start a caller can choose is a `crate::Init`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// PAM's BUILD (a best-arm search for the bandit methods).
    Build,
    /// k distinct objects drawn with the seed.
    Random,
    /// nearswap's answer on a sample of the data, on large data; else OneBatchPAM's answer.
    Sample,
}

/// A method's search: improves `search.state` in place.
pub(crate) type SwapPhase = fn(&mut Search<'_, '_>) -> Result<Swaps>;

/// What a search did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Swaps {
    /// Swaps applied.
    pub applied: usize,
    /// The search stopped because no swap improved the loss (not at its iteration limit).
    pub converged: bool,
}

impl From<(usize, bool)> for Swaps {
    fn from((applied, converged): (usize, bool)) -> Self {
        Swaps { applied, converged }
    }
}

/// The numbers a fit resolved from n, k and the memory budget, which the searches read.
#[derive(Debug, Clone)]
pub(crate) struct Tuning {
    pub budget: Budget,
    /// BanditPAM's BUILD and SWAP steps.
    pub build: BanditSettings,
    pub swap: BanditSettings,
    /// Cached references per object (0: no cache).
    pub cache_width: usize,
    /// OneBatchPAM's batch.
    pub onebatch_size: usize,
    /// OneBatchPAM's batch size as a start.
    pub start_batch_size: usize,
    /// The caller's `onebatch_size`, if any: a start on a sample of the data sizes its batch
    /// for the sample with it.
    pub chosen_onebatch_size: Option<usize>,
    /// nearswap's screening.
    pub screening: nearswap::Screening,
}

/// What a search works with.
pub(crate) struct Search<'s, 'c> {
    pub ctx: &'s Context<'c>,
    /// The medoids and every object's assignment, from the start on.
    pub state: Assignment,
    /// The reference order (and cache) of the methods that sample references.
    pub refs: References,
    /// The seed of this search's random choices.
    pub seed: u64,
    /// At most this many swap steps (for the eager methods: passes over the candidates).
    pub max_iter: usize,
    pub tuning: &'s Tuning,
}

impl Algorithm {
    /// Every algorithm, in the order names are listed to users.
    pub const ALL: [Algorithm; 9] = [
        Algorithm::Auto,
        Algorithm::BanditPamPlusPlus,
        Algorithm::BanditPam,
        Algorithm::Pam,
        Algorithm::FastPam1,
        Algorithm::FasterPam,
        Algorithm::OneBatchPam,
        Algorithm::OneBatchSwap,
        Algorithm::NearSwap,
    ];

    /// The declaration of a method (`None` for `auto`, which only chooses one).
    pub(crate) fn method(self) -> Option<&'static Method> {
        Some(match self {
            Algorithm::Auto => return None,
            Algorithm::BanditPamPlusPlus => &banditpam::METHOD_PLUS_PLUS,
            Algorithm::BanditPam => &banditpam::METHOD,
            Algorithm::Pam => &pam::METHOD,
            Algorithm::FastPam1 => &fastpam1::METHOD,
            Algorithm::FasterPam => &fasterpam::METHOD,
            Algorithm::OneBatchPam => &onebatch::METHOD,
            Algorithm::OneBatchSwap => &onebatch_swap::METHOD,
            Algorithm::NearSwap => &nearswap::METHOD,
        })
    }

    /// The declaration of a method that is not `auto`.
    pub(crate) fn declared(self) -> &'static Method {
        self.method().expect("auto is replaced by the method it chooses before anything asks")
    }

    /// The canonical name, as accepted by [`FromStr`] and printed by [`fmt::Display`].
    pub fn name(self) -> &'static str {
        self.method().map_or("auto", |m| m.name)
    }

    /// The canonical names, comma-separated: for messages and help texts.
    pub fn name_list() -> String {
        Algorithm::ALL.map(Algorithm::name).join(", ")
    }

    /// Whether the method also runs on rows split in chunks (see the `sharded` module).
    ///
    /// ```
    /// use banditpam::Algorithm;
    /// assert!(Algorithm::NearSwap.is_sharded() && !Algorithm::Pam.is_sharded());
    /// ```
    pub fn is_sharded(self) -> bool {
        self.method().map_or(true, |m| m.sharded)
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    /// A canonical name or an alias, case-insensitive.
    fn from_str(name: &str) -> Result<Self> {
        let wanted = name.trim().to_ascii_lowercase();
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name() == wanted || a.method().is_some_and(|m| m.aliases.contains(&wanted.as_str())))
            .ok_or_else(|| Error::UnknownAlgorithm(name.to_string()))
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The change of loss for replacing each medoid position `i` by candidate `c`, given `c`'s
/// distance row: `deltas[i] = sum_j min(d(c, j), r_ij) - best_j`, computed in one pass over j
/// (FastPAM1's decomposition: a shared part for objects `c` would take over from any medoid,
/// and a per-position part for the others).
pub(crate) fn candidate_deltas(state: &Assignment, row: &[f64], deltas: &mut [f64]) {
    match state.weights.as_deref() {
        None => weighted_deltas(state, row, deltas, Unit),
        Some(w) => weighted_deltas(state, row, deltas, w),
    }
}

/// [`candidate_deltas`], each object's terms times its weight.
fn weighted_deltas<W: Weight>(state: &Assignment, row: &[f64], deltas: &mut [f64], weight: W) {
    deltas.fill(0.0);
    let mut shared = 0.0;
    // Branch-free (see the SWAP arms of BanditPAM): when d < best_j the own term is 0.
    for (j, &d) in row.iter().enumerate() {
        let (best, w) = (state.best[j], weight.at(j));
        shared += w * (d - best).min(0.0);
        deltas[state.nearest[j]] += w * (d.min(state.second[j]) - best).max(0.0);
    }
    for delta in deltas.iter_mut() {
        *delta += shared;
    }
}

/// The most negative `(delta, position)` of a candidate; ties go to the lower position.
pub(crate) fn best_position(deltas: &[f64]) -> (f64, usize) {
    deltas.iter().enumerate().fold((f64::INFINITY, 0), |acc, (i, &d)| if d < acc.0 { (d, i) } else { acc })
}

/// The best `(delta, position, candidate)` of a sweep whose results are in candidate order;
/// ties go to the earlier candidate.
pub(crate) fn best_swap(cands: &[usize], scored: &[(f64, usize)]) -> Option<(f64, usize, usize)> {
    cands.iter().zip(scored).fold(None, |acc: Option<(f64, usize, usize)>, (&c, &(delta, pos))| match acc {
        Some(best) if best.0 <= delta => Some(best),
        _ => Some((delta, pos, c)),
    })
}

/// Steepest descent, shared by PAM and FastPAM1: score every non-medoid with
/// `score(state, row) -> (best delta, position)`, apply the best swap if it lowers the loss,
/// repeat until none does or `max_iter` swaps were made. Returns `(swaps, converged)`.
pub(crate) fn steepest_descent(
    ctx: &Context<'_>,
    state: &mut Assignment,
    max_iter: usize,
    score: impl Fn(&Assignment, &[f64]) -> (f64, usize) + Sync,
) -> Result<(usize, bool)> {
    for iteration in 0..max_iter {
        let cands = state.non_medoids();
        let current: &Assignment = state;
        let scored = ctx.sweep(Phase::Swap, &cands, |_, row| score(current, row))?;
        match best_swap(&cands, &scored) {
            Some((delta, pos, c)) if delta < 0.0 => {
                let mut row = vec![0.0; ctx.n()];
                ctx.full_rows(Phase::Swap, &[c], &mut row)?;
                apply_swap(ctx, state, pos, c, &row, iteration + 1);
            }
            _ => return Ok((iteration, true)),
        }
    }
    Ok((max_iter, false))
}

/// Puts `candidate` (whose exact row is `row`) at medoid position `pos`, and reports the
/// `iteration`-th swap of a best-swap search.
pub(crate) fn apply_swap(
    ctx: &Context<'_>,
    state: &mut Assignment,
    pos: usize,
    candidate: usize,
    row: &[f64],
    iteration: usize,
) {
    state.replace(pos, candidate, row);
    ctx.report(Event::SwapStep {
        iteration,
        swaps: iteration,
        loss: state.loss(),
        distance_evaluations: ctx.counts().total(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_and_alias_parses_back() {
        for algorithm in Algorithm::ALL {
            assert_eq!(algorithm.name().parse::<Algorithm>().unwrap(), algorithm);
            assert_eq!(algorithm.name().to_ascii_uppercase().parse::<Algorithm>().unwrap(), algorithm);
            for alias in algorithm.method().map_or(&[][..], |m| m.aliases) {
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

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = Algorithm::ALL.iter().map(|a| a.name()).collect();
        names.extend(Algorithm::ALL.iter().filter_map(|a| a.method()).flat_map(|m| m.aliases.iter().copied()));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
