//! `nearswap`: eager swaps screened near each candidate, each verified exactly, without the
//! n x n matrix.
//!
//! The change of loss of swapping candidate c in for medoid i splits (FasterPAM's removal
//! loss) as
//!
//! ```text
//! delta(i, c) = R_i + sum_j min(d(c, j) - best_j, 0)
//!                   - sum_{nearest_j = i} (second_j - clamp(d(c, j), best_j, second_j))
//! ```
//!
//! with `R_i` the exact removal loss of medoid i. Only objects near c have non-zero terms in
//! the two sums. A pass visits the clusters in turn. A cluster's objects are its candidates,
//! screened on references in three strata, each sampled object weighted by the share it
//! stands for: the objects of the clusters of the medoids nearest to the cluster's medoid (all
//! of them, or a sample by priority of a large one), thinner samples of the next clusters out,
//! and one fixed batch for the rest of the data (which estimates only the objects the candidate
//! takes over: a sampled far object standing for many would make the least of the k estimates
//! a lottery). The screening runs in two stages: every candidate is first estimated on a
//! thinning of the references (one in `thinning`, by priority), and only a candidate whose
//! estimate is improving or within `margin` standard errors of it is estimated on all of them
//! (at a local optimum most candidates are far from improving, and the first stage costs an
//! eighth). A candidate whose estimate is improving is refined: its change of loss is summed
//! exactly over the clusters of the nearest medoids and estimated on a fresh sample of a few
//! thousand rows elsewhere, and only a candidate still improving within `refine_margin`
//! standard errors is verified. Where the own cluster alone holds many times such a sample
//! (small k, large n), refinements on ever larger samples of every cluster go first, and only
//! the candidates they keep are refined exactly. Those wait, over the screenings and the turns,
//! until they fill a window (or the pass ends): their exact rows are then computed together, in
//! one pass over the data, and each in turn is swapped in if its exact change of loss is
//! negative. The loss falls at every swap. After the first pass, a cluster's turn is skipped
//! when none of the medoids nearest to it has changed since its last turn, until such a pass
//! applies no swap; then a pass visits every cluster. The search ends after a pass over every
//! cluster whose swaps are all negligible (each lowers the loss by at most `negligible` of
//! it). Passes first screen a sample of the members of each large cluster (`candidates` of
//! them), then all. Up to `far_margin_max_n` objects, one last pass over every cluster then
//! lets on to the refinement the candidates whose estimate misses by less than `far_margin`
//! standard errors of its far part: a candidate gaining in a few clusters beyond the turn's
//! nearest is seen there by one or two far references, and is otherwise passed over at every
//! pass.
//!
//! The search runs as a driver that sends tasks to chunks of rows (`protocol`): the in-memory
//! fit uses one chunk in this process, the Dask estimator the chunks on its workers, and both
//! find the same medoids (docs/ALGORITHMS.md, "nearswap").

pub(crate) mod protocol;
pub(crate) mod sample;

use super::{Method, Search, Start, Swaps};
use crate::chunks::LocalExecutor;
use crate::error::Result;
use crate::observer::Event;

/// nearswap: its own answer on a sample (OneBatchPAM's answer on small data), then eager swaps
/// screened near each candidate, verified exactly.
pub(crate) const METHOD: Method = Method {
    name: "nearswap",
    aliases: &[],
    start: Start::Sample,
    bandit_build: false,
    samples_references: false,
    wants_matrix: false,
    fixed_order: true,
    sharded: true,
    swap: run,
};

/// How the screening samples.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Screening {
    /// Clusters whose objects screen a candidate: those of the medoids nearest to the
    /// candidate's own medoid (its own included).
    pub neighbours: usize,
    /// At most this many objects of each such cluster (a sample by priority beyond it).
    pub per_cluster: usize,
    /// The next clusters out, sampled more thinly: a candidate takes over some of their
    /// objects too, and the far batch alone sees them too rarely.
    pub ring: usize,
    /// At most this many objects of each ring cluster.
    pub per_ring_cluster: usize,
    /// Objects of the fixed batch that screens the rest of the data.
    pub far: usize,
    /// One reference in this many (by priority) screens every candidate first; only those
    /// that may be improving are screened on all references (1: a single stage).
    pub thinning: u64,
    /// Standard errors by which a first-stage estimate may miss and the candidate still go on.
    pub margin: f64,
    /// Standard errors of the part estimated on the far batch by which a candidate's estimate
    /// on all references may miss and the candidate still be refined, in one last pass over
    /// every cluster after the search would otherwise end (0: no such pass).
    pub far_margin: f64,
    /// Objects up to which that last pass runs.
    pub far_margin_max_n: usize,
    /// Standard errors (of the part estimated on the refinement's sample, outside the
    /// neighbours' clusters) by which a refined estimate may miss and the candidate still be
    /// verified.
    pub refine_margin: f64,
    /// Candidates of a cluster screened in a turn until a pass over every cluster finds no
    /// swap that is not negligible: a larger cluster offers one member in `weight / candidates`
    /// (rounded down), by priority. After that, every member is a candidate.
    pub candidates: usize,
    /// Rows a refinement samples from each of its two strata (the ring's clusters, the rest),
    /// about, at least; and the first of the sampled refinements (of a cluster holding more
    /// than eight times as many) from each of its own (the nearest clusters, the rest), the
    /// next ones 4, 16, ... times as many.
    pub refine_sample: usize,
    /// Each stratum of a refinement samples one object in this many of all, when that is more
    /// than `refine_sample` (a refinement then costs about a sixteenth of a verification).
    pub refine_thinning: f64,
    /// A swap that lowers the loss by at most this share of it is negligible: a pass over
    /// every cluster whose swaps are all negligible ends the search (the swaps it found are
    /// kept).
    pub negligible: f64,
    /// Candidates verified together (their exact rows computed in one pass over the data): the
    /// refined candidates wait, over screenings and turns, until this many do.
    pub window: usize,
    /// Candidates whose screening distances are computed together.
    pub block: usize,
    /// Objects from which the search starts from its own answer on a sample of a tenth of
    /// them (`init = "sample"`, the default), rather than from OneBatchPAM's answer.
    pub sample_from: usize,
}

impl Default for Screening {
    /// The defaults, measured on shifted MNIST at n = 100,000, k = 100 (docs/ALGORITHMS.md).
    fn default() -> Self {
        Screening {
            neighbours: 4,
            per_cluster: 300,
            ring: 16,
            per_ring_cluster: 100,
            far: 2000,
            thinning: 4,
            margin: 4.0,
            far_margin: 2.0,
            far_margin_max_n: 50_000,
            refine_margin: 2.0,
            candidates: 2500,
            refine_sample: 4096,
            refine_thinning: 32.0,
            negligible: 1e-4,
            window: 64,
            block: 4096,
            sample_from: 300_000,
        }
    }
}

/// A swap must lower the loss by more than this share of it (rounding of a loss summed over
/// many objects is far below it).
pub(crate) const TOLERANCE: f64 = 1e-9;

/// The priority of object `j` for samples: a hash of it and the seed (SplitMix64's mixer), so
/// that which objects a sample takes depends on the seed and the objects only, not on how the
/// rows are split.
pub(crate) fn priority(seed: u64, j: usize) -> u64 {
    let mut z = seed ^ (j as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The in-memory search: the driver on this process's data as one chunk.
fn run(search: &mut Search<'_, '_>) -> Result<Swaps> {
    let ctx = search.ctx;
    let mut executor = LocalExecutor::whole(ctx);
    let settings = protocol::Settings {
        screening: search.tuning.screening,
        seed: search.seed,
        max_passes: search.max_iter,
        budget_bytes: search.tuning.budget.bytes,
    };
    let mut report = |pass: usize, swaps: usize, loss: f64| {
        let distance_evaluations = ctx.counts().total();
        ctx.report(Event::SwapStep { iteration: pass, swaps, loss, distance_evaluations });
        ctx.check_interrupted()
    };
    let (found, _) = protocol::search(&mut executor, &search.state.medoids, settings, &mut report)?;
    // The chunk's assignment is the search's: take it over (same rows, same order).
    search.state =
        executor.into_states().pop().and_then(|s| s.into_assignment()).unwrap_or_else(|| search.state.clone());
    search.state.weights = ctx.weights.clone();
    Ok(found)
}
