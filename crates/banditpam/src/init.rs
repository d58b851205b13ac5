//! How a search starts: the [`Init`] a caller chooses, and the start each one makes.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::algorithms::nearswap::{protocol, sample};
use crate::algorithms::{banditpam, build, onebatch, Search};
use crate::context::Phase;
use crate::error::{Error, Result};
use crate::observer::Event;
use crate::state::Assignment;

/// Passes OneBatchPAM may make when it is the start of another method.
pub(crate) const ONEBATCH_START_PASSES: usize = 100;

/// How the search starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Init {
    /// PAM's greedy BUILD (the default for PAM, FastPAM1 and the bandit methods; the bandit
    /// methods run it as a best-arm search).
    Build,
    /// k distinct objects drawn with the seed (the default for FasterPAM and OneBatchPAM).
    Random,
    /// k-medoids++: the first medoid drawn uniformly, each next one with probability
    /// proportional to its dissimilarity to the nearest medoid so far (k n distances).
    KMedoidsPlusPlus,
    /// OneBatchPAM's answer from a random start (O(n m) distances): a start close to a local
    /// optimum, so that an exact method has few swaps left to make. `auto` starts FasterPAM so.
    OneBatch,
    /// nearswap's answer on a sample of a tenth of the objects (itself started from
    /// OneBatchPAM's answer on the sample), from 300,000 objects on and when the sample holds
    /// 100 objects per cluster; OneBatchPAM's answer below that. nearswap's default: on all the
    /// objects it then has few swaps left to make.
    Sample,
    /// These medoids.
    Medoids(Vec<usize>),
}

impl Init {
    /// The named initialisations, as `str::parse::<Init>` reads them.
    pub const NAMES: [&'static str; 5] = ["build", "random", "k-medoids++", "onebatch", "sample"];

    /// What the start is called in progress reports ([`crate::Event::PhaseStarted`]).
    pub(crate) fn phase_name(&self) -> &'static str {
        match self {
            Init::Build => "BUILD",
            Init::Random => "random start",
            Init::KMedoidsPlusPlus => "k-medoids++ start",
            Init::OneBatch => "OneBatchPAM start",
            Init::Sample => "nearswap on a sample",
            Init::Medoids(_) => "given medoids",
        }
    }
}

impl std::str::FromStr for Init {
    type Err = Error;

    /// `build`, `random`, `k-medoids++` (or `kmedoids++`), `onebatch`, `sample`, or k comma-separated
    /// indices.
    ///
    /// ```
    /// use banditpam::Init;
    /// assert_eq!("k-medoids++".parse::<Init>().unwrap(), Init::KMedoidsPlusPlus);
    /// assert_eq!("3, 0,7".parse::<Init>().unwrap(), Init::Medoids(vec![3, 0, 7]));
    /// assert!("heuristic".parse::<Init>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Self> {
        let wanted = text.trim().to_ascii_lowercase();
        match wanted.as_str() {
            "build" => Ok(Init::Build),
            "random" => Ok(Init::Random),
            "k-medoids++" | "kmedoids++" => Ok(Init::KMedoidsPlusPlus),
            "onebatch" => Ok(Init::OneBatch),
            "sample" => Ok(Init::Sample),
            _ => wanted
                .split(',')
                .map(|part| part.trim().parse::<usize>())
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(Init::Medoids)
                .map_err(|_| Error::InvalidParameter {
                    name: "init",
                    expected: "build, random, k-medoids++, onebatch, sample or k comma-separated medoid indices",
                    value: text.to_string(),
                }),
        }
    }
}

/// The start `init` makes for `search` (whose state is still empty): the medoids and every
/// object's assignment to them, after reporting which start runs (a start on a sample that the
/// data is too small for is OneBatchPAM's). `bandit_build`: BUILD runs as a best-arm search.
pub(crate) fn start(search: &mut Search<'_, '_>, init: &Init, k: usize, bandit_build: bool) -> Result<Assignment> {
    let (ctx, n, seed) = (search.ctx, search.ctx.n(), search.seed);
    let random = || rand::seq::index::sample(&mut ChaCha8Rng::seed_from_u64(seed), n, k).into_vec();
    let members = match init {
        Init::Sample => sample::members(n, k, seed, search.tuning.screening.sample_from),
        _ => None,
    };
    let runs = if *init == Init::Sample && members.is_none() { &Init::OneBatch } else { init };
    ctx.report(Event::PhaseStarted { phase: runs.phase_name() });
    match init {
        Init::Build if bandit_build => banditpam::build(ctx, &mut search.refs, k, search.tuning.build),
        Init::Build => build::build(ctx, k),
        Init::Random => Assignment::from_medoids(ctx, Phase::Build, &random()),
        Init::KMedoidsPlusPlus => build::kmedoids_plus_plus(ctx, k, &mut ChaCha8Rng::seed_from_u64(seed)),
        Init::OneBatch => onebatch_start(search, &random()),
        Init::Sample => {
            let tuning = search.tuning;
            match members {
                Some(members) => {
                    let settings = protocol::Settings {
                        screening: tuning.screening,
                        seed,
                        max_passes: search.max_iter,
                        budget_bytes: tuning.budget.bytes,
                    };
                    let medoids = sample::search_in_memory(ctx, &members, k, tuning.chosen_onebatch_size, settings)?;
                    Assignment::from_medoids(ctx, Phase::Build, &medoids)
                }
                None => onebatch_start(search, &random()),
            }
        }
        Init::Medoids(medoids) => Assignment::from_medoids(ctx, Phase::Build, medoids),
    }
}

/// OneBatchPAM's answer from `initial`, with the batch of a start.
fn onebatch_start(search: &mut Search<'_, '_>, initial: &[usize]) -> Result<Assignment> {
    let (ctx, tuning) = (search.ctx, search.tuning);
    let mut state = Assignment::from_medoids(ctx, Phase::Build, initial)?;
    onebatch::swap(
        ctx,
        &mut state,
        tuning.start_batch_size,
        search.seed,
        ONEBATCH_START_PASSES,
        &tuning.budget,
        onebatch::Block::KeepIfItFits,
    )?;
    Ok(state)
}
