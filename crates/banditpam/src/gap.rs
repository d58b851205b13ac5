//! The swap gap: how far medoids are from a swap-local optimum, measured exactly.
//!
//! Medoids are a swap-local optimum when no single swap (one medoid out, one other object in)
//! lowers the loss. The gap scores every one of the (n - k) k swaps with FastPAM1's
//! decomposition (all k positions of a candidate in one pass over the objects), streaming the
//! candidates' distance rows in tasks: n^2 distances, O(n k) memory, no matrix. It is a
//! certificate a user can ask of any answer, including ones no exact method could reach.

use crate::algorithms::{best_position, best_swap, candidate_deltas};
use crate::context::{Context, Phase};
use crate::data::Dissimilarity;
use crate::error::Result;
use crate::memory::Budget;
use crate::observer::{Event, Observer};
use crate::parallel::with_pool;
use crate::silhouette::check_medoids;
use crate::state::Assignment;

/// What [`swap_gap`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct SwapGap {
    /// The loss of the medoids given.
    pub loss: f64,
    /// The relative decrease of the loss the best swap brings, `-delta / loss`; 0 when no swap
    /// lowers the loss (or the loss is 0).
    pub gap: f64,
    /// The best swap, `(position, object)`: the medoid at `position` replaced by `object`;
    /// `None` when no swap lowers the loss.
    pub swap: Option<(usize, usize)>,
    /// The change of loss the best swap brings (negative), or 0.
    pub delta: f64,
    /// Distances computed.
    pub distance_evaluations: u64,
}

/// Candidates scored between two progress events (and two checks for a stop).
const CANDIDATES_PER_REPORT: usize = 512;

/// The best single swap for `medoids` on `data`, scored exactly, and the relative improvement
/// it would bring: 0 means the medoids are a swap-local optimum. Ties go to the earlier
/// candidate and then the lower position, so the answer does not depend on `threads`.
/// `memory_budget` bounds what it holds (the k x n medoid rows and the tasks' candidate rows);
/// `None`: the default budget. `observer` receives [`Event::ScanProgress`] and may stop it.
///
/// Errors: [`crate::Error::EmptyData`], [`crate::Error::InvalidInitialMedoids`] for no, repeated or
/// out-of-range medoids, [`crate::Error::OverMemoryBudget`], [`crate::Error::Interrupted`], and
/// [`crate::Error::NonFiniteDissimilarity`].
///
/// ```
/// use banditpam::{swap_gap, Algorithm, DenseData, KMedoids, Metric, Silent};
/// let values: Vec<f64> = (0..60).map(|i| ((i * 7919) % 97) as f64).collect(); // 30 x 2
/// let data = DenseData::new(&values, 30, 2, Metric::L1).unwrap();
/// let pam = KMedoids::new(3).algorithm(Algorithm::Pam).fit(&data).unwrap();
/// // PAM stops where no swap helps: a gap of 0.
/// let found = swap_gap(&data, &pam.medoids, None, None, &Silent).unwrap();
/// assert_eq!((found.gap, found.swap), (0.0, None));
/// // Three arbitrary medoids leave room.
/// let found = swap_gap(&data, &[0, 1, 2], None, None, &Silent).unwrap();
/// assert!(found.gap > 0.0 && found.swap.is_some());
/// ```
pub fn swap_gap<D: Dissimilarity + ?Sized>(
    data: &D,
    medoids: &[usize],
    threads: Option<usize>,
    memory_budget: Option<usize>,
    observer: &dyn Observer,
) -> Result<SwapGap> {
    let n = data.len();
    check_medoids(medoids, n)?;
    let budget = Budget::new(memory_budget);
    let k = medoids.len();
    // The medoids' rows and the assignment, then the tasks' candidate rows.
    budget.check::<f64>("the medoids' distance rows (k x n)", k.saturating_mul(n).saturating_add(3 * n))?;
    with_pool(threads, || {
        let ctx = Context::new(&data, observer);
        let state = Assignment::from_medoids(&ctx, Phase::Other, medoids)?;
        let loss = state.loss();
        let cands = state.non_medoids();
        let threads = rayon::current_num_threads().max(1);
        // Rows of 16 candidates per task unless the budget is tighter (each task holds its rows).
        let room = budget.bytes.saturating_sub(k.saturating_add(3).saturating_mul(n).saturating_mul(8));
        let per_task = (room / threads.saturating_mul(n).saturating_mul(8).max(1)).clamp(1, 16);
        budget.check::<f64>(
            "the tasks' candidate rows (threads x n)",
            per_task.saturating_mul(n).saturating_mul(threads),
        )?;
        let mut best: Option<(f64, usize, usize)> = None;
        for (done, slice) in cands.chunks(CANDIDATES_PER_REPORT).enumerate() {
            ctx.check_interrupted()?;
            let scored = ctx.sweep_in_tasks(Phase::Other, slice, per_task, |_, row| {
                let mut deltas = vec![0.0; k];
                candidate_deltas(&state, row, &mut deltas);
                best_position(&deltas)
            })?;
            // Earlier slices win ties, as within a slice.
            best = match (best, best_swap(slice, &scored)) {
                (Some(kept), Some(found)) if found.0 < kept.0 => Some(found),
                (None, found) => found,
                (kept, _) => kept,
            };
            let scored_so_far = (done * CANDIDATES_PER_REPORT + slice.len()).min(cands.len());
            let evaluations = ctx.counts().total();
            ctx.report(Event::ScanProgress {
                done: scored_so_far,
                total: cands.len(),
                distance_evaluations: evaluations,
            });
        }
        let improving = best.filter(|&(delta, _, _)| delta < 0.0 && loss > 0.0);
        Ok(SwapGap {
            loss,
            gap: improving.map_or(0.0, |(delta, _, _)| -delta / loss),
            swap: improving.map(|(_, position, object)| (position, object)),
            delta: improving.map_or(0.0, |(delta, _, _)| delta),
            distance_evaluations: ctx.counts().total(),
        })
    })?
}
