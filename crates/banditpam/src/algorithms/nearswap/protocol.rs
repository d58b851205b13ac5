//! nearswap as a driver and chunk tasks: the driver ([`search`]) holds the medoids and the
//! sums over all rows; each chunk holds the assignment of its own rows to the medoids.
//!
//! A pass, for each cluster in turn:
//! 1. [`Task::Sample`]: each chunk offers its lowest-priority members of the clusters to be
//!    sampled; the driver keeps the lowest over all chunks, plus the far batch's objects
//!    outside those clusters, and fetches the references' rows ([`Task::Rows`]);
//! 2. [`Task::Turn`]: the chunks list the cluster's candidates (all its members, or a sample
//!    by priority in the first passes), which the driver cuts into blocks in object order;
//! 3. [`Task::Screen`]: each chunk estimates the change of loss of its candidates of a block
//!    (after the last one screened) and offers the first improving ones; the driver keeps
//!    the first `window` of them;
//! 4. [`Task::Refine`]: each chunk sums its share of those candidates' change of loss over the
//!    rows of the nearest clusters, and estimates it on a sample of its other rows; the driver
//!    keeps those still improving within the sample's error, until `window` of them (from
//!    this turn and the ones before) wait;
//! 5. [`Task::Verify`] and [`Task::Step`]: each chunk computes its rows' distances to the
//!    waiting candidates and its share of a candidate's exact change of loss; the driver adds
//!    the shares and tells the chunks to apply the swap or not, then asks for the next
//!    candidate's shares; after swaps, the references' state is read again
//!    ([`Task::States`]). The candidates still waiting at the end of a pass are verified then.
//!
//! Every sum a decision reads is exact ([`ExactSum`]), every choice is made in object order,
//! and distances depend on their two rows only: the medoids do not depend on the chunks.

use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{priority, Screening, TOLERANCE};
use crate::algorithms::{best_position, Swaps};
use crate::chunks::{ChunkRows, ChunkTask, Executor, Targets};
use crate::error::{Error, Result};
use crate::exact::ExactSum;
use crate::memory::Budget;
use crate::state::Assignment;

/// What the search is told.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub screening: Screening,
    pub seed: u64,
    pub max_passes: usize,
    /// Bytes the chunks' kept blocks may take (checked per chunk).
    pub budget_bytes: usize,
}

/// A chunk task of nearswap.
// Built once and serialized at once: boxing the large variants would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Task {
    /// Compute the rows' distances to the medoids (within `budget` bytes) and assign the rows.
    Assign { medoids: Targets, budget: usize },
    /// Offer the lowest-priority members (at most `cap`) of each `(cluster, cap)`, the
    /// lowest-priority `far` rows of all, and the state of the rows `ids` held here.
    Sample { clusters: Vec<(usize, usize)>, far: usize, seed: u64, ids: Vec<usize> },
    /// The rows `ids` held here, as targets.
    Rows { ids: Vec<usize> },
    /// The state (best, second, nearest) of the rows `ids` held here.
    States { ids: Vec<usize> },
    /// Start the turn of `cluster`: list its candidates (its members that are not medoids,
    /// one in `rate` by priority for `seed`).
    Turn { cluster: usize, rate: u64, seed: u64 },
    /// Estimate the change of loss of the turn's candidates with numbers in `block` and from
    /// `from` on, against `refs`; offer the first `limit` whose estimate is below `threshold`.
    Screen {
        refs: References,
        removal: Vec<f64>,
        threshold: f64,
        block: Range<usize>,
        from: usize,
        limit: usize,
        budget: usize,
    },
    /// The share of each of `cands`' change of loss over the rows `plan` takes (their
    /// distances computed within `budget` bytes).
    Refine { cands: Targets, plan: Refinement, budget: usize },
    /// Compute (and keep, within `budget` bytes) the rows' distances to `cands`, and the
    /// share of the first one's exact change of loss.
    Verify { cands: Targets, budget: usize },
    /// Swap window candidate `t` in at position `pos` (if `apply`), then give the share of
    /// window candidate `next`'s exact change of loss (if any).
    Step { apply: Option<(usize, usize)>, next: Option<usize> },
}

/// What the screening's distances are called in a budget error.
const SCREENING_BLOCK: &str = "nearswap's screening block (candidates x references)";

/// References at least this many are screened in two stages.
const FIRST_STAGE_MIN: usize = 1000;
/// Makes the first stage's priorities independent of the samples'.
const FIRST_STAGE_SALT: u64 = 0x5EED_F157;
/// Makes the candidates' sample independent of the others.
const CANDIDATE_SALT: u64 = 0xCA4D_1DA7;
/// Makes the refinement's sample independent of the others.
const REFINE_SALT: u64 = 0x2EF1_7E5A;

impl References {
    fn in_first(&self, t: usize) -> bool {
        self.first.is_empty() || self.first[t]
    }
}

/// The references of a screening: their rows, the weight each carries, and their state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct References {
    pub targets: Targets,
    pub weight: Vec<f64>,
    /// Whether a reference is in a sampled cluster (not the far batch).
    pub near: Vec<bool>,
    /// Whether a reference is in the first stage: a thinning of the references (by priority)
    /// on which every candidate is screened first. Empty: one stage.
    pub first: Vec<bool>,
    /// Standard errors of margin by which a candidate's first-stage estimate may miss the
    /// threshold and still go on to all references.
    pub margin: f64,
    /// Standard errors of its far part by which a candidate's estimate on all references may
    /// miss the threshold and the candidate still be refined.
    pub far_margin: f64,
    pub best: Vec<f64>,
    pub second: Vec<f64>,
    pub nearest: Vec<usize>,
}

/// A member offered to a sample: `(priority, object, weight)`.
type Offered = (u64, usize, f64);

/// A chunk's reply.
// Built once per task and serialized at once: boxing the large variants would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The sums over the chunk's rows after an assignment or a swap.
    Sums(Sums),
    /// Per sampled cluster, the members offered; the far rows offered; the states asked for.
    Sample {
        clusters: Vec<Vec<Offered>>,
        far: Vec<Offered>,
        states: Vec<RowState>,
    },
    Rows(Targets),
    States(Vec<RowState>),
    /// The candidates of the turn held here.
    Turn(Vec<usize>),
    /// The first improving candidates held here.
    Screen(Vec<usize>),
    /// Per candidate of a refinement, its share over the rows taken.
    Refine(Vec<Refined>),
    /// A share of a candidate's change of loss, and, after a swap, the sums.
    Step {
        sums: Option<Sums>,
        deltas: Option<Deltas>,
    },
}

/// `(object, best, second, nearest)`.
pub type RowState = (usize, f64, f64, usize);

/// Sums over a chunk's rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sums {
    pub loss: ExactSum,
    /// Per medoid position: the removal loss and the weight of its cluster.
    pub removal: Vec<ExactSum>,
    pub weight: Vec<ExactSum>,
    /// For each medoid held here, `(position, distances from every medoid to it)`.
    pub medoid_columns: Vec<(usize, Vec<f64>)>,
}

/// A share of a candidate's change of loss: the part shared by every position, and each
/// position's own part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deltas {
    pub shared: ExactSum,
    pub own: Vec<ExactSum>,
}

/// The screening distances of a block of candidates: its range of candidate numbers, the
/// number of references, and per candidate its local row, its distances to the first-stage
/// references, and (once it has passed the first stage) to all references.
type ScreenBlock = (Range<usize>, usize, Vec<ScreenRow>);

#[derive(Debug, Default, Serialize, Deserialize)]
struct ScreenRow {
    local: usize,
    first: Vec<f64>,
    all: Option<Vec<f64>>,
}

/// The rows a refinement sums: every row of the clusters of `neighbours`, and elsewhere a
/// sample by priority, one row in `ring_rate` of the ring's clusters and one in `far_rate` of
/// the rest, each sampled row standing for as many.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refinement {
    pub neighbours: Vec<usize>,
    pub ring: Vec<usize>,
    pub ring_rate: u64,
    pub far_rate: u64,
    pub seed: u64,
}

impl Refinement {
    /// The rows of the cluster at position `i` stand for this many each (1: all are taken).
    fn rate(&self, i: usize) -> u64 {
        if self.neighbours.contains(&i) {
            1
        } else if self.ring.contains(&i) {
            self.ring_rate
        } else {
            self.far_rate
        }
    }
}

/// A candidate's share of a refinement: exact over the neighbours' clusters (`own` in their
/// order), and elsewhere the sample's estimate of the shared part, of what the candidate saves
/// each other position (sparse: positions with a term), and of the variance of both.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refined {
    pub inside: Deltas,
    pub shared_outside: ExactSum,
    pub saved_outside: Vec<(usize, ExactSum)>,
    pub variance: ExactSum,
}

/// What a chunk keeps.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    assignment: Option<Assignment>,
    /// The turn's cluster and candidates (local rows).
    turn: Option<(usize, Vec<usize>)>,
    /// The screening distances of the block in progress: its range, the references' number, and
    /// `(candidate's local row, distances)`.
    block: Option<ScreenBlock>,
    /// The window's candidates and every row's distance to each (candidates x rows).
    window: Option<(Targets, Vec<f64>)>,
}

impl State {
    /// The assignment of the chunk's rows, once there is one.
    pub(crate) fn into_assignment(self) -> Option<Assignment> {
        self.assignment
    }
}

impl ChunkTask for Task {
    type State = State;
    type Reply = Reply;

    fn run(&self, chunk: &dyn ChunkRows, state: &mut State) -> Result<Reply> {
        chunk.check_interrupted()?;
        match self {
            Task::Assign { medoids, budget } => assign(chunk, state, medoids, *budget),
            Task::Sample { clusters, far, seed, ids } => sample(chunk, state, clusters, *far, *seed, ids),
            Task::Rows { ids } => Ok(Reply::Rows(chunk.targets(&local_rows(chunk, ids))?)),
            Task::States { ids } => Ok(Reply::States(states(chunk, assignment(state)?, ids))),
            Task::Turn { cluster, rate, seed } => {
                let a = assignment(state)?;
                let offset = chunk.offset();
                let rate = (*rate).max(1);
                let cands: Vec<usize> = (0..chunk.len())
                    .filter(|&r| a.nearest[r] == *cluster && !a.is_medoid(offset + r))
                    .filter(|&r| rate == 1 || priority(seed ^ CANDIDATE_SALT, offset + r) % rate == 0)
                    .collect();
                let ids = cands.iter().map(|&r| offset + r).collect();
                state.turn = Some((*cluster, cands));
                state.block = None;
                Ok(Reply::Turn(ids))
            }
            Task::Screen { refs, removal, threshold, block, from, limit, budget } => {
                let window = (block.clone(), *from, *limit);
                screen(chunk, state, refs, removal, *threshold, window, &Budget { bytes: *budget }).map(Reply::Screen)
            }
            Task::Refine { cands, plan, budget } => refine(chunk, state, cands, plan, *budget),
            Task::Verify { cands, budget } => {
                let all: Vec<usize> = (0..chunk.len()).collect();
                let what = "nearswap's verified rows (window x rows)";
                let mut dists = Budget { bytes: *budget }.vec(what, cands.len() * all.len(), 0.0)?;
                chunk.distances_from_targets(cands, &all, &mut dists)?;
                state.window = Some((cands.clone(), dists));
                let deltas = shares(state, 0)?;
                Ok(Reply::Step { sums: None, deltas: Some(deltas) })
            }
            Task::Step { apply, next } => {
                let sums = match apply {
                    Some((t, pos)) => {
                        let (cands, dists) =
                            state.window.as_ref().ok_or_else(|| protocol("a swap before its window"))?;
                        let len = chunk.len();
                        let row = dists
                            .get(t * len..(t + 1) * len)
                            .ok_or_else(|| protocol("a window candidate out of range"))?;
                        let candidate = cands.ids[*t];
                        let a = state.assignment.as_mut().ok_or_else(|| protocol("a swap before the assignment"))?;
                        if *pos >= a.medoids.len() {
                            return Err(protocol("a medoid position out of range"));
                        }
                        a.replace(*pos, candidate, row);
                        Some(sums(chunk, a))
                    }
                    None => None,
                };
                let deltas = next.map(|t| shares(state, t)).transpose()?;
                Ok(Reply::Step { sums, deltas })
            }
        }
    }
}

fn protocol(what: &str) -> Error {
    Error::InvalidParameter { name: "task", expected: "nearswap's tasks in their order", value: what.to_string() }
}

fn assignment(state: &State) -> Result<&Assignment> {
    state.assignment.as_ref().ok_or_else(|| protocol("a task before the assignment"))
}

/// The local rows of the objects `ids` that this chunk holds, in the order given.
fn local_rows(chunk: &dyn ChunkRows, ids: &[usize]) -> Vec<usize> {
    let rows = chunk.offset()..chunk.offset() + chunk.len();
    ids.iter().filter(|j| rows.contains(j)).map(|j| j - chunk.offset()).collect()
}

fn states(chunk: &dyn ChunkRows, a: &Assignment, ids: &[usize]) -> Vec<RowState> {
    local_rows(chunk, ids).into_iter().map(|r| (chunk.offset() + r, a.best[r], a.second[r], a.nearest[r])).collect()
}

fn assign(chunk: &dyn ChunkRows, state: &mut State, medoids: &Targets, budget: usize) -> Result<Reply> {
    let len = chunk.len();
    let all: Vec<usize> = (0..len).collect();
    let mut rows = Budget { bytes: budget }.vec("the medoids' distance rows (k x n)", medoids.len() * len, 0.0)?;
    chunk.distances_from_targets(medoids, &all, &mut rows)?;
    let weights: Option<std::sync::Arc<[f64]>> =
        (0..len).any(|r| chunk.weight(r) != 1.0).then(|| (0..len).map(|r| chunk.weight(r)).collect());
    let mut a = Assignment::empty(len);
    a.weights = weights;
    for (&m, row) in medoids.ids.iter().zip(rows.chunks_exact(len.max(1))) {
        a.push(m, row)?;
    }
    if len == 0 {
        a.medoids = medoids.ids.clone();
    }
    let sums = sums(chunk, &a);
    state.assignment = Some(a);
    state.turn = None;
    state.block = None;
    state.window = None;
    Ok(Reply::Sums(sums))
}

/// The sums over the chunk's rows of its assignment.
fn sums(chunk: &dyn ChunkRows, a: &Assignment) -> Sums {
    let k = a.medoids.len();
    let (mut loss, mut removal, mut weight) = (ExactSum::new(), vec![ExactSum::new(); k], vec![ExactSum::new(); k]);
    for r in 0..chunk.len() {
        let w = chunk.weight(r);
        let i = a.nearest[r];
        loss.add(w * a.best[r]);
        if k > 1 {
            removal[i].add(w * (a.second[r] - a.best[r]));
        }
        weight[i].add(w);
    }
    let offset = chunk.offset();
    let medoid_columns = a
        .medoids
        .iter()
        .enumerate()
        .filter(|(_, &m)| (offset..offset + chunk.len()).contains(&m))
        .map(|(pos, &m)| (pos, (0..k).map(|i| a.row(i)[m - offset]).collect()))
        .collect();
    Sums { loss, removal, weight, medoid_columns }
}

fn sample(
    chunk: &dyn ChunkRows,
    state: &State,
    clusters: &[(usize, usize)],
    far: usize,
    seed: u64,
    ids: &[usize],
) -> Result<Reply> {
    let a = assignment(state)?;
    let offset = chunk.offset();
    let k = a.medoids.len();
    let mut slot = vec![usize::MAX; k];
    for (s, &(cluster, _)) in clusters.iter().enumerate() {
        if cluster < k {
            slot[cluster] = s;
        }
    }
    let mut offered: Vec<Vec<Offered>> = vec![Vec::new(); clusters.len()];
    let mut far_rows: Vec<Offered> = Vec::new();
    for r in 0..chunk.len() {
        let j = offset + r;
        let p = priority(seed, j);
        let s = slot[a.nearest[r]];
        if s != usize::MAX {
            offered[s].push((p, j, chunk.weight(r)));
        }
        if far > 0 {
            far_rows.push((p, j, chunk.weight(r)));
        }
    }
    let lowest = |mut list: Vec<Offered>, cap: usize| {
        if list.len() > cap {
            list.select_nth_unstable_by_key(cap, |o| (o.0, o.1));
            list.truncate(cap);
        }
        list.sort_unstable_by_key(|o| (o.0, o.1));
        list
    };
    let clusters = offered.into_iter().zip(clusters).map(|(list, &(_, cap))| lowest(list, cap)).collect();
    Ok(Reply::Sample { clusters, far: lowest(far_rows, far), states: states(chunk, a, ids) })
}

/// The block's candidates from `from` on, at most `limit`.
type Window = (Range<usize>, usize, usize);

fn screen(
    chunk: &dyn ChunkRows,
    state: &mut State,
    refs: &References,
    removal: &[f64],
    threshold: f64,
    (block, from, limit): Window,
    budget: &Budget,
) -> Result<Vec<usize>> {
    let offset = chunk.offset();
    let (home, cands) = state.turn.as_ref().ok_or_else(|| protocol("a screening before its turn"))?;
    let home = *home;
    let fresh = !matches!(&state.block, Some((range, count, _)) if *range == block && *count == refs.targets.len());
    let first_ids: Vec<usize> = (0..refs.targets.len()).filter(|&t| refs.in_first(t)).collect();
    if fresh {
        let mine: Vec<usize> = cands.iter().copied().filter(|&r| block.contains(&(offset + r))).collect();
        let targets = refs.targets.select(&first_ids);
        let width = first_ids.len();
        let mut dists = budget.vec(SCREENING_BLOCK, mine.len() * width, 0.0)?;
        chunk.distances_to_targets(&mine, &targets, &mut dists)?;
        let rows = mine
            .into_iter()
            .zip(dists.chunks_exact(width.max(1)).map(<[f64]>::to_vec))
            .map(|(local, first)| ScreenRow { local, first, all: None })
            .collect();
        state.block = Some((block, refs.targets.len(), rows));
    }
    let a = assignment(state)?;
    let Some((_, _, rows)) = &state.block else { return Ok(Vec::new()) };
    // First stage: candidates whose estimate on the thinned references is improving, or
    // within its sampling error of it, go on.
    let live = |row: &ScreenRow| {
        let j = offset + row.local;
        j >= from && !a.is_medoid(j)
    };
    let passed: Vec<bool> = rows
        .par_iter()
        .map(|row| {
            live(row)
                && (row.all.is_some() || first_stage_passes(refs, &first_ids, removal, home, &row.first, threshold))
        })
        .collect();
    // Second stage: the distances to the other references, once per candidate and block.
    let missing: Vec<usize> = (0..rows.len()).filter(|&i| passed[i] && rows[i].all.is_none()).collect();
    let rest: Vec<usize> = (0..refs.targets.len()).filter(|&t| !refs.in_first(t)).collect();
    // The block's rows on all references (kept) and the new distances, within the budget.
    let kept = rows.iter().filter(|r| r.all.is_some()).count() + missing.len();
    budget.check::<f64>(SCREENING_BLOCK, (kept * refs.targets.len()).saturating_add(missing.len() * rest.len()))?;
    let mut dists = crate::memory::filled(SCREENING_BLOCK, missing.len() * rest.len(), 0.0)?;
    if !rest.is_empty() {
        let locals: Vec<usize> = missing.iter().map(|&i| rows[i].local).collect();
        chunk.distances_to_targets(&locals, &refs.targets.select(&rest), &mut dists)?;
    }
    let Some((_, _, rows)) = &mut state.block else { return Ok(Vec::new()) };
    for (n, &i) in missing.iter().enumerate() {
        let mut all = vec![0.0; refs.targets.len()];
        for (&t, &d) in first_ids.iter().zip(&rows[i].first) {
            all[t] = d;
        }
        for (&t, &d) in rest.iter().zip(&dists[n * rest.len()..(n + 1) * rest.len()]) {
            all[t] = d;
        }
        rows[i].all = Some(all);
    }
    let improving: Vec<Option<usize>> = rows
        .par_iter()
        .zip(&passed)
        .map(|(row, &passed)| {
            let all = row.all.as_deref().filter(|_| passed)?;
            (estimate_less_margin(refs, removal, home, all) < threshold).then_some(offset + row.local)
        })
        .collect();
    Ok(improving.into_iter().flatten().take(limit).collect())
}

/// Whether a candidate whose distances to the first-stage references `first_ids` are `row`
/// may be improving: its estimate from them, less `refs.margin` standard errors of that
/// estimate as an estimate of the one on all references, is below `threshold`. `home` is the
/// position of the turn's cluster.
fn first_stage_passes(
    refs: &References,
    first_ids: &[usize],
    removal: &[f64],
    home: usize,
    row: &[f64],
    threshold: f64,
) -> bool {
    if first_ids.len() == refs.targets.len() {
        return true;
    }
    // The thinning keeps each reference with probability about `keep`; each kept term stands
    // for 1 / keep terms.
    let keep = first_ids.len() as f64 / refs.targets.len() as f64;
    let parts =
        estimated_parts(refs, first_ids.iter().copied().zip(row.iter().copied()), 1.0 / keep, removal.len(), home);
    let (pos, estimate) = parts.least(removal, home);
    // Horvitz-Thompson variance of the estimate at the best position.
    let mut variance = 0.0;
    for (&t, &d) in first_ids.iter().zip(row) {
        let w = refs.weight[t] / keep;
        variance += (w * term_at(refs, t, d, pos, home, removal.len())).powi(2);
    }
    variance *= 1.0 - keep;
    estimate - refs.margin * variance.sqrt() < threshold
}

/// Reference `t`'s term, at distance `d` from a candidate, in the candidate's estimated change
/// of loss at position `pos` (see [`Parts`]).
fn term_at(refs: &References, t: usize, d: f64, pos: usize, home: usize, k: usize) -> f64 {
    let (shared, own) = reference_terms(refs, t, d, home, k);
    shared + own.filter(|&(at, _)| at == pos).map_or(0.0, |(_, term)| term)
}

/// Reference `t`'s terms, at distance `d` from a candidate: the one every position shares, and
/// the one it adds at its own cluster's position, with that position (see [`Parts`]). A far
/// reference adds only the shared term.
fn reference_terms(refs: &References, t: usize, d: f64, home: usize, k: usize) -> (f64, Option<(usize, f64)>) {
    let (best, second) = (refs.best[t], refs.second[t]);
    let shared = (d - best).min(0.0);
    let own = if k == 1 {
        // No second medoid: the one medoid's own part is the whole change.
        Some((0, (d - best).max(0.0)))
    } else if !refs.near[t] {
        None
    } else if refs.nearest[t] == home {
        Some((home, (d.min(second) - best).max(0.0)))
    } else {
        Some((refs.nearest[t], -(second - d.max(best).min(second))))
    };
    (shared, own)
}

/// A candidate's change of loss estimated on references: the part shared by every position,
/// what it saves each position's cluster, and, for the turn's own cluster (`home`), its
/// own part directly.
///
/// A position's own part, `sum over its cluster of clamp(d(c, j), best_j, second_j) - best_j`,
/// equals its removal loss less the saving `sum (second_j - clamp(..))`. A sample estimates
/// the two forms with different errors: for a candidate near the home medoid each term of the
/// direct form is at most their distance apart, while the saving's terms spread as widely as
/// `second_j - best_j`. Elsewhere the candidate takes over few of a cluster's objects, so the
/// saving's terms are mostly 0 and it is the better form.
struct Parts {
    shared: f64,
    /// Per position: the home's own part, elsewhere minus the saving (with one medoid, the
    /// whole own part).
    own: Vec<f64>,
}

impl Parts {
    /// The best position and the estimate there.
    fn least(&self, removal: &[f64], home: usize) -> (usize, f64) {
        let k = removal.len();
        if k == 1 {
            return (0, self.shared + self.own[0]);
        }
        (0..k)
            .map(|i| (i, self.shared + if i == home { self.own[i] } else { removal[i] + self.own[i] }))
            .fold((0, f64::INFINITY), |m, e| if e.1 < m.1 { e } else { m })
    }
}

/// The parts of a candidate's estimated change of loss from its distances `d` to references
/// `t` (`(t, d)` pairs), each reference's weight times `factor`.
fn estimated_parts(
    refs: &References,
    pairs: impl Iterator<Item = (usize, f64)>,
    factor: f64,
    k: usize,
    home: usize,
) -> Parts {
    let mut parts = Parts { shared: 0.0, own: vec![0.0; k] };
    for (t, d) in pairs {
        let w = refs.weight[t] * factor;
        let (shared, own) = reference_terms(refs, t, d, home, k);
        parts.shared += w * shared;
        if let Some((at, term)) = own {
            parts.own[at] += w * term;
        }
    }
    parts
}

/// The estimated change of loss of a candidate whose distances to the references are `row`
/// (the least over the positions), less `refs.far_margin` standard errors of its far part.
///
/// The far batch samples the clusters beyond the turn's nearest, one object in many: a
/// candidate close to a few of their members gains there what one or two far references
/// see, and without the margin an improving candidate is passed over at every pass.
fn estimate_less_margin(refs: &References, removal: &[f64], home: usize, row: &[f64]) -> f64 {
    let estimate =
        estimated_parts(refs, row.iter().copied().enumerate(), 1.0, removal.len(), home).least(removal, home).1;
    let far_variance: f64 = (row.iter().enumerate())
        .filter(|&(t, _)| !refs.near[t])
        .map(|(t, &d)| (refs.weight[t] * reference_terms(refs, t, d, home, removal.len()).0).powi(2))
        .sum();
    estimate - refs.far_margin * far_variance.sqrt()
}

/// The chunk's share of each candidate's change of loss over the rows `plan` takes: exact
/// where a candidate's gains and losses concentrate, sampled elsewhere.
fn refine(chunk: &dyn ChunkRows, state: &State, cands: &Targets, plan: &Refinement, budget: usize) -> Result<Reply> {
    let a = assignment(state)?;
    let k = a.medoids.len();
    let offset = chunk.offset();
    // Per position: its slot among the neighbours, and how many rows each of its rows taken
    // stands for.
    let slots: Vec<Option<usize>> = (0..k).map(|i| plan.neighbours.iter().position(|&c| c == i)).collect();
    let rates: Vec<u64> = (0..k).map(|i| plan.rate(i).max(1)).collect();
    let rows: Vec<usize> = (0..chunk.len())
        .filter(|&r| {
            let q = rates[a.nearest[r]];
            q == 1 || priority(plan.seed ^ REFINE_SALT, offset + r) % q == 0
        })
        .collect();
    let what = "nearswap's refined rows (candidates x rows of the neighbours)";
    let mut dists = Budget { bytes: budget }.vec(what, cands.len() * rows.len(), 0.0)?;
    chunk.distances_from_targets(cands, &rows, &mut dists)?;
    let width = rows.len();
    let shares = (0..cands.len())
        .into_par_iter()
        .map(|t| {
            let row = &dists[t * width..(t + 1) * width];
            let (mut shared, mut own) = (ExactSum::new(), vec![ExactSum::new(); plan.neighbours.len()]);
            let (mut shared_outside, mut variance) = (ExactSum::new(), ExactSum::new());
            let mut saved: Vec<Option<ExactSum>> = vec![None; k];
            for (&r, &d) in rows.iter().zip(row) {
                let w = a.weights.as_deref().map_or(1.0, |w| w[r]);
                let (best, second, i) = (a.best[r], a.second[r], a.nearest[r]);
                if let Some(s) = slots[i] {
                    shared.add(w * (d - best).min(0.0));
                    own[s].add(w * (d.min(second) - best).max(0.0));
                    continue;
                }
                // A sampled row standing for q rows (drawn with probability 1 / q): its
                // terms times q, and their Horvitz-Thompson share of the variance.
                let q = rates[i] as f64;
                let gain = q * w * (d - best).min(0.0);
                let save = q * w * (second - d.max(best).min(second));
                if gain != 0.0 {
                    shared_outside.add(gain);
                    variance.add((1.0 - 1.0 / q) * gain * gain);
                }
                if save != 0.0 && k > 1 {
                    saved[i].get_or_insert_with(ExactSum::new).add(save);
                    variance.add((1.0 - 1.0 / q) * save * save);
                }
            }
            let saved_outside = saved.into_iter().enumerate().filter_map(|(i, s)| s.map(|s| (i, s))).collect();
            Refined { inside: Deltas { shared, own }, shared_outside, saved_outside, variance }
        })
        .collect();
    Ok(Reply::Refine(shares))
}

/// The chunk's share of window candidate `t`'s exact change of loss under its assignment now.
fn shares(state: &State, t: usize) -> Result<Deltas> {
    let a = assignment(state)?;
    let (_, dists) = state.window.as_ref().ok_or_else(|| protocol("a verification before its window"))?;
    let len = a.best.len();
    let row = dists.get(t * len..(t + 1) * len).ok_or_else(|| protocol("a window candidate out of range"))?;
    let k = a.medoids.len();
    let (mut shared, mut own) = (ExactSum::new(), vec![ExactSum::new(); k]);
    for (j, &d) in row.iter().enumerate() {
        let w = a.weights.as_deref().map_or(1.0, |w| w[j]);
        let best = a.best[j];
        shared.add(w * (d - best).min(0.0));
        own[a.nearest[j]].add(w * (d.min(a.second[j]) - best).max(0.0));
    }
    Ok(Deltas { shared, own })
}

/// The driver's view of the search.
struct Driver {
    k: usize,
    medoids: Vec<usize>,
    /// `between[i][a] = d(medoid i, medoid a)`.
    between: Vec<Vec<f64>>,
    loss: f64,
    removal: Vec<f64>,
    weight: Vec<f64>,
    total_weight: f64,
    /// Standard errors by which a refined estimate may miss and the candidate still be verified.
    refine_margin: f64,
    /// Swaps applied so far, and per position the count at its last swap.
    clock: usize,
    swapped_at: Vec<usize>,
    /// The largest fall of the loss at one swap in this pass.
    largest_gain: f64,
    /// Whether turns screen a sample of a large cluster's members (the first passes).
    coarse: bool,
    /// The screening's margin on the far part: 0 but in the pass over every cluster that
    /// follows the one that would otherwise end the search.
    far_margin: f64,
    /// Whether that pass has begun.
    margin_passed: bool,
    /// Whether a turn of this pass screened a sample of its cluster's members.
    sampled: bool,
    /// Candidates kept by the refinements and not yet verified (in the order kept): they are
    /// verified together once they fill a window, and at the end of a pass.
    pending: Vec<usize>,
}

impl Driver {
    fn absorb(&mut self, parts: Vec<Sums>) {
        let k = self.k;
        let (mut loss, mut removal, mut weight) = (ExactSum::new(), vec![ExactSum::new(); k], vec![ExactSum::new(); k]);
        for part in parts {
            loss.merge(&part.loss);
            for i in 0..k {
                removal[i].merge(&part.removal[i]);
                weight[i].merge(&part.weight[i]);
            }
            for (pos, column) in part.medoid_columns {
                for (i, v) in column.into_iter().enumerate() {
                    self.between[i][pos] = v;
                }
            }
        }
        self.loss = loss.value();
        self.removal = removal.iter().map(ExactSum::value).collect();
        self.weight = weight.iter().map(ExactSum::value).collect();
        self.total_weight = {
            let mut all = ExactSum::new();
            weight.iter().for_each(|w| all.merge(w));
            all.value()
        };
    }

    /// The positions of the medoids nearest to the medoid at `cluster` (itself first).
    fn nearest_medoids(&self, cluster: usize, count: usize) -> Vec<usize> {
        let mut by_distance: Vec<(f64, usize)> =
            (0..self.k).map(|i| (if i == cluster { f64::NEG_INFINITY } else { self.between[i][cluster] }, i)).collect();
        by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        by_distance.into_iter().take(count.max(1)).map(|(_, i)| i).collect()
    }
}

fn expect_sums(replies: Vec<Reply>) -> Result<Vec<Sums>> {
    replies.into_iter().map(|r| if let Reply::Sums(s) = r { Ok(s) } else { Err(protocol("sums")) }).collect()
}

/// The search from `initial` medoids. `report(pass, swaps, loss)` is called after each pass
/// and may stop the search with an error. Returns what the search did and the medoids; the
/// chunks hold the final assignment.
pub(crate) fn search<E: Executor<Task>>(
    exec: &mut E,
    initial: &[usize],
    settings: Settings,
    report: &mut dyn FnMut(usize, usize, f64) -> Result<()>,
) -> Result<(Swaps, Vec<usize>)> {
    let k = initial.len();
    let n: usize = exec.chunk_lens().iter().sum();
    let lens = exec.chunk_lens();
    let medoid_rows = fetch_rows(exec, &lens, initial)?;
    let parts = expect_sums(exec.run_all(&Task::Assign { medoids: medoid_rows, budget: settings.budget_bytes })?)?;
    let mut driver = Driver {
        k,
        medoids: initial.to_vec(),
        between: vec![vec![0.0; k]; k],
        loss: 0.0,
        removal: vec![0.0; k],
        weight: vec![0.0; k],
        total_weight: 0.0,
        refine_margin: settings.screening.refine_margin,
        clock: 0,
        swapped_at: vec![0; k],
        largest_gain: 0.0,
        coarse: true,
        far_margin: 0.0,
        margin_passed: false,
        sampled: false,
        pending: Vec::new(),
    };
    driver.absorb(parts);
    if k == n {
        return Ok((Swaps { applied: 0, converged: true }, driver.medoids));
    }
    let screening = settings.screening;
    let seed = settings.seed;
    // The far batch: the lowest priorities over all objects.
    let far = merge_lowest(
        exec.run_all(&Task::Sample { clusters: Vec::new(), far: screening.far, seed, ids: Vec::new() })?,
        None,
        screening.far,
    )?;
    let far_ids: Vec<usize> = far.iter().map(|o| o.1).collect();
    let far_weight: Vec<f64> = far.iter().map(|o| o.2).collect();
    let mut swaps = 0;
    // A pass visits every cluster or only the changed ones: a cluster none of whose nearest
    // medoids has changed since its last turn is screened against the same neighbours, and
    // only the far references' state could differ. The first pass visits all; after it, passes
    // visit the changed clusters until one applies no swap, and then a pass visits all again:
    // the search ends when a pass over every cluster applies none.
    let mut screened_at: Vec<Option<usize>> = vec![None; k];
    let mut every_cluster = true;
    for pass in 0..settings.max_passes {
        let mut applied = 0;
        driver.largest_gain = 0.0;
        driver.sampled = false;
        for (cluster, screened) in screened_at.iter_mut().enumerate() {
            let near = driver.nearest_medoids(cluster, screening.neighbours);
            if let (false, Some(at)) = (every_cluster, *screened) {
                if near.iter().all(|&b| driver.swapped_at[b] <= at) {
                    continue;
                }
            }
            applied += turn(exec, &lens, &mut driver, cluster, &far_ids, &far_weight, settings)?;
            *screened = Some(driver.clock);
        }
        applied += verify_pending(exec, &lens, &mut driver, settings.budget_bytes)?;
        swaps += applied;
        report(pass + 1, swaps, driver.loss)?;
        // The first pass's swaps start from a rough start: the search goes on after them
        // unless it found none.
        let negligible = applied == 0 || (pass > 0 && driver.largest_gain <= screening.negligible * driver.loss);
        if every_cluster && negligible {
            if driver.coarse && driver.sampled {
                // Passes first screen a sample of each large cluster's members; now all of them.
                driver.coarse = false;
                continue;
            }
            if !driver.margin_passed && screening.far_margin > 0.0 && n <= screening.far_margin_max_n {
                // One last pass over every cluster also refines the candidates whose far part
                // may hide a gain.
                driver.far_margin = screening.far_margin;
                driver.margin_passed = true;
                continue;
            }
            return Ok((Swaps { applied: swaps, converged: true }, driver.medoids));
        }
        driver.far_margin = 0.0;
        every_cluster = applied == 0;
    }
    Ok((Swaps { applied: swaps, converged: settings.max_passes == 0 }, driver.medoids))
}

/// The rows of the objects `ids` (in that order) as targets.
fn fetch_rows<E: Executor<Task>>(exec: &mut E, lens: &[usize], ids: &[usize]) -> Result<Targets> {
    let which = holders(lens, ids);
    let replies = exec.run(&Task::Rows { ids: ids.to_vec() }, &which)?;
    let mut got = Targets::default();
    for reply in replies {
        let Reply::Rows(t) = reply else { return Err(protocol("rows")) };
        got.extend(t);
    }
    got.in_order(ids)
}

/// The chunks holding any of the objects `ids`.
fn holders(lens: &[usize], ids: &[usize]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(lens.len());
    let mut start = 0;
    for &len in lens {
        starts.push(start);
        start += len;
    }
    let mut which: Vec<usize> = ids.iter().map(|&j| starts.partition_point(|&s| s <= j) - 1).collect();
    which.sort_unstable();
    which.dedup();
    which.retain(|&c| lens[c] > 0);
    which
}

/// The lowest `cap` offers of slot `slot` (or of the far lists) over all chunks' sample replies.
fn merge_lowest(replies: Vec<Reply>, slot: Option<usize>, cap: usize) -> Result<Vec<Offered>> {
    let mut all = Vec::new();
    for reply in replies {
        let Reply::Sample { clusters, far, .. } = reply else { return Err(protocol("a sample")) };
        all.extend(match slot {
            Some(s) => clusters.into_iter().nth(s).unwrap_or_default(),
            None => far,
        });
    }
    all.sort_unstable_by_key(|o| (o.0, o.1));
    all.truncate(cap);
    Ok(all)
}

/// One cluster's turn: returns the swaps applied.
fn turn<E: Executor<Task>>(
    exec: &mut E,
    lens: &[usize],
    driver: &mut Driver,
    cluster: usize,
    far_ids: &[usize],
    far_weight: &[f64],
    settings: Settings,
) -> Result<usize> {
    let screening = settings.screening;
    let near = driver.nearest_medoids(cluster, screening.neighbours + screening.ring);
    let caps: Vec<(usize, usize)> = near
        .iter()
        .enumerate()
        .map(|(rank, &b)| {
            (b, if rank < screening.neighbours { screening.per_cluster } else { screening.per_ring_cluster })
        })
        .collect();
    let replies =
        exec.run_all(&Task::Sample { clusters: caps.clone(), far: 0, seed: settings.seed, ids: far_ids.to_vec() })?;
    let mut offers: Vec<Vec<Offered>> = vec![Vec::new(); caps.len()];
    let mut far_states: Vec<RowState> = Vec::new();
    for reply in replies {
        let Reply::Sample { clusters, states, .. } = reply else { return Err(protocol("a sample")) };
        for (slot, list) in clusters.into_iter().enumerate() {
            offers[slot].extend(list);
        }
        far_states.extend(states);
    }
    // References: each sampled cluster's lowest priorities, weighted by the share they stand
    // for; then the far batch outside the sampled clusters, for the rest of the weight.
    let mut chosen: Vec<(usize, f64, bool)> = Vec::new();
    let mut sampled_weight = 0.0;
    for (slot, &(b, cap)) in caps.iter().enumerate() {
        let list = &mut offers[slot];
        list.sort_unstable_by_key(|o| (o.0, o.1));
        list.truncate(cap);
        let taken: f64 = list.iter().map(|o| o.2).sum();
        let share = if taken > 0.0 { driver.weight[b] / taken } else { 0.0 };
        sampled_weight += driver.weight[b];
        chosen.extend(list.iter().map(|o| (o.1, o.2 * share, true)));
    }
    far_states.sort_unstable_by_key(|s| s.0);
    let outside: Vec<(usize, f64)> = far_ids
        .iter()
        .zip(far_weight)
        .filter(|(&j, _)| far_states.binary_search_by_key(&j, |s| s.0).is_ok_and(|p| !near.contains(&far_states[p].3)))
        .map(|(&j, &w)| (j, w))
        .collect();
    let far_total: f64 = outside.iter().map(|o| o.1).sum();
    if far_total > 0.0 {
        let share = ((driver.total_weight - sampled_weight) / far_total).max(0.0);
        chosen.extend(outside.iter().map(|&(j, w)| (j, w * share, false)));
    }
    chosen.sort_unstable_by_key(|c| c.0);
    let ids: Vec<usize> = chosen.iter().map(|c| c.0).collect();
    let first = if ids.len() >= FIRST_STAGE_MIN {
        ids.iter().map(|&j| priority(settings.seed ^ FIRST_STAGE_SALT, j) % screening.thinning.max(1) == 0).collect()
    } else {
        Vec::new()
    };
    let plans = refinements(driver, &near, &screening, settings.seed);
    let mut refs = References {
        first,
        margin: screening.margin,
        far_margin: driver.far_margin,
        targets: fetch_rows(exec, lens, &ids)?,
        weight: chosen.iter().map(|c| c.1).collect(),
        near: chosen.iter().map(|c| c.2).collect(),
        ..References::default()
    };
    refresh_states(exec, lens, &mut refs)?;

    let mut cands: Vec<usize> = Vec::new();
    let rate =
        if driver.coarse { ((driver.weight[cluster] / screening.candidates as f64).floor() as u64).max(1) } else { 1 };
    driver.sampled |= rate > 1;
    for reply in exec.run_all(&Task::Turn { cluster, rate, seed: settings.seed })? {
        let Reply::Turn(list) = reply else { return Err(protocol("a turn")) };
        cands.extend(list);
    }
    cands.sort_unstable();
    let mut applied = 0;
    let window = screening.window.max(1);
    for block in cands.chunks(screening.block.max(1)) {
        let range = block[0]..block[block.len() - 1] + 1;
        let which = holders(lens, block);
        let mut from = range.start;
        loop {
            let task = Task::Screen {
                refs: refs.clone(),
                removal: driver.removal.clone(),
                threshold: -TOLERANCE * driver.loss,
                block: range.clone(),
                from,
                limit: window,
                budget: settings.budget_bytes,
            };
            let mut found: Vec<usize> = Vec::new();
            for reply in exec.run(&task, &which)? {
                let Reply::Screen(list) = reply else { return Err(protocol("a screening")) };
                found.extend(list);
            }
            found.sort_unstable();
            found.truncate(window);
            let Some(&last) = found.last() else { break };
            for kept in refined(exec, lens, driver, plans.as_ref(), &found, settings.budget_bytes)? {
                driver.pending.push(kept);
                if driver.pending.len() >= window {
                    let swapped = verify_pending(exec, lens, driver, settings.budget_bytes)?;
                    if swapped > 0 {
                        refresh_states(exec, lens, &mut refs)?;
                    }
                    applied += swapped;
                }
            }
            from = last + 1;
        }
    }
    Ok(applied)
}

/// The candidates of `found` that survive the turn's refinements (all of them without any):
/// the sampled one first where there is one, then the exact one.
fn refined<E: Executor<Task>>(
    exec: &mut E,
    lens: &[usize],
    driver: &Driver,
    plans: Option<&Refinements>,
    found: &[usize],
    budget: usize,
) -> Result<Vec<usize>> {
    let Some(plans) = plans else { return Ok(found.to_vec()) };
    let mut kept = found.to_vec();
    for plan in plans.sampled.iter().chain([&plans.exact]) {
        if kept.is_empty() {
            break;
        }
        kept = still_improving(exec, lens, driver, plan, &kept, budget)?;
    }
    Ok(kept)
}

/// The candidates of `found` whose change of loss, summed exactly over the clusters of the
/// plan's neighbours and estimated from its sample elsewhere, less `driver.refine_margin`
/// standard errors, is still improving.
fn still_improving<E: Executor<Task>>(
    exec: &mut E,
    lens: &[usize],
    driver: &Driver,
    plan: &Refinement,
    found: &[usize],
    budget: usize,
) -> Result<Vec<usize>> {
    let k = driver.k;
    let cands = fetch_rows(exec, lens, found)?;
    let all: Vec<usize> = (0..lens.len()).filter(|&c| lens[c] > 0).collect();
    let task = Task::Refine { cands, plan: plan.clone(), budget };
    let mut totals: Vec<RefinedTotal> = found.iter().map(|_| RefinedTotal::new(plan.neighbours.len(), k)).collect();
    for reply in exec.run(&task, &all)? {
        let Reply::Refine(shares) = reply else { return Err(protocol("a refinement")) };
        if shares.len() != found.len() {
            return Err(protocol("a share of every refined candidate"));
        }
        for (total, part) in totals.iter_mut().zip(&shares) {
            total.merge(part)?;
        }
    }
    let threshold = -TOLERANCE * driver.loss;
    Ok(found
        .iter()
        .zip(&totals)
        .filter(|(_, total)| {
            let (estimate, error) = total.estimate(plan, &driver.removal);
            estimate - driver.refine_margin * error < threshold
        })
        .map(|(&j, _)| j)
        .collect())
}

/// A candidate's refinement summed over the chunks: [`Refined`] with every position's saving.
struct RefinedTotal {
    inside: Deltas,
    shared_outside: ExactSum,
    saved: Vec<ExactSum>,
    variance: ExactSum,
}

impl RefinedTotal {
    fn new(neighbours: usize, k: usize) -> Self {
        RefinedTotal {
            inside: Deltas { shared: ExactSum::new(), own: vec![ExactSum::new(); neighbours] },
            shared_outside: ExactSum::new(),
            saved: vec![ExactSum::new(); k],
            variance: ExactSum::new(),
        }
    }

    /// Add one chunk's share.
    fn merge(&mut self, part: &Refined) -> Result<()> {
        self.inside.shared.merge(&part.inside.shared);
        for (o, p) in self.inside.own.iter_mut().zip(&part.inside.own) {
            o.merge(p);
        }
        self.shared_outside.merge(&part.shared_outside);
        for (i, s) in &part.saved_outside {
            self.saved.get_mut(*i).ok_or_else(|| protocol("a medoid position out of range"))?.merge(s);
        }
        self.variance.merge(&part.variance);
        Ok(())
    }

    /// The estimated change of loss at the best position (exact inside the plan's neighbours'
    /// clusters, the removal loss less the sampled savings elsewhere), and its standard error.
    fn estimate(&self, plan: &Refinement, removal: &[f64]) -> (f64, f64) {
        let least_inside = self.inside.own.iter().map(ExactSum::value).fold(f64::INFINITY, f64::min);
        let least_outside = (0..self.saved.len())
            .filter(|i| !plan.neighbours.contains(i))
            .map(|i| removal[i] - self.saved[i].value())
            .fold(f64::INFINITY, f64::min);
        let estimate = self.inside.shared.value() + self.shared_outside.value() + least_inside.min(least_outside);
        (estimate, self.variance.value().max(0.0).sqrt())
    }
}

/// A turn's refinements: the exact one, and before it, where it takes many rows, refinements
/// that sample every cluster, each on a larger sample (only the survivors of each go on).
struct Refinements {
    sampled: Vec<Refinement>,
    exact: Refinement,
}

/// The refinements of a turn whose nearest medoids are `near` (the turn's own first).
///
/// The exact one sums every row of the clusters of as many of the first `neighbours` of them
/// as hold at most [`EXACT_SHARE`] of the weight together (the own cluster always), and a
/// sample of the rows of the other clusters of `near` (the ring) and of the rest. None when the
/// own cluster holds more than half the weight: the verification itself then costs about as
/// much.
///
/// Where the own cluster holds more than [`SAMPLED_FIRST`] samples, the exact refinement costs
/// at least that many, and refinements on samples of every cluster go first: `refine_sample`
/// rows of the clusters of `near` and as many of the rest, then [`SAMPLED_GROWTH`] times as
/// many, and so on, each taking less than 1 / [`SAMPLED_SHARE`] of the rows the exact one
/// takes.
fn refinements(driver: &Driver, near: &[usize], screening: &Screening, seed: u64) -> Option<Refinements> {
    let weight = |ids: &[usize]| ids.iter().map(|&i| driver.weight[i]).sum::<f64>();
    let home = *near.first()?;
    if driver.k == 1 || driver.weight[home] > 0.5 * driver.total_weight {
        return None;
    }
    let limit = (EXACT_SHARE * driver.total_weight).max(driver.weight[home]);
    let mut exact = 1;
    while exact < screening.neighbours.min(near.len()) && weight(&near[..=exact]) <= limit {
        exact += 1;
    }
    let (inside, ring) = near.split_at(exact);
    let (inside_weight, ring_weight) = (weight(inside), weight(ring));
    let far_weight = (driver.total_weight - inside_weight - ring_weight).max(0.0);
    let least = screening.refine_sample.max(1) as f64;
    let rate = |w: f64, sample: f64| ((w / sample).floor() as u64).max(1);
    let sample = least.max(driver.total_weight / screening.refine_thinning.max(1.0));
    let exact = Refinement {
        neighbours: inside.to_vec(),
        ring: ring.to_vec(),
        ring_rate: rate(ring_weight, sample),
        far_rate: rate(far_weight, sample),
        seed,
    };
    // The rows a refinement takes, about.
    let taken = |plan: &Refinement| {
        let sampled_near = weight(&plan.ring) / plan.ring_rate as f64;
        weight(&plan.neighbours) + sampled_near + far_weight / plan.far_rate as f64
    };
    let exact_rows = taken(&exact);
    let sizes = std::iter::successors(Some(least), |size| Some(size * SAMPLED_GROWTH));
    let stage = |(stage, size): (u64, f64)| Refinement {
        neighbours: Vec::new(),
        ring: near.to_vec(),
        ring_rate: rate(inside_weight + ring_weight, size),
        far_rate: rate(far_weight, size),
        // Each stage its own sample: one whose error favours a candidate does not let it
        // through the next.
        seed: seed ^ SAMPLED_SALT.wrapping_mul(stage),
    };
    let sampled = if driver.weight[home] > SAMPLED_FIRST * least {
        (1..).zip(sizes).map(stage).take_while(|plan| SAMPLED_SHARE * taken(plan) < exact_rows).collect()
    } else {
        Vec::new()
    };
    Some(Refinements { sampled, exact })
}

/// At most this share of the weight is summed exactly in a refinement (beyond the turn's own
/// cluster). At small k four neighbouring clusters hold half the data: a refinement summed
/// over them cost half a verification, and beyond half none was made, so every screened
/// candidate was verified on all n (on 200,000 points of 64-d Gaussian clusters at k = 10,
/// 14,459 verifications in a pass over all members, against 1,255 with this share).
const EXACT_SHARE: f64 = 0.125;

/// A turn whose own cluster holds more than this many times `refine_sample` refines on
/// samples first. At k = 10 and n = 10^6 a pass over every member sent a seventh of the
/// candidates to the exact refinement, 10^5 rows or more each.
const SAMPLED_FIRST: f64 = 8.0;

/// A sampled refinement goes before the exact one where the exact one takes more than this
/// many times its rows.
const SAMPLED_SHARE: f64 = 2.0;

/// Each sampled refinement takes this many times the rows of the one before. A candidate near
/// a medoid at a local optimum is worse by about 10^-3 of the loss, and in high dimensions it
/// is a little nearer than their medoid to many of the other clusters' objects: a sample of
/// 4,096 rows estimates it to about that, and let 73% of them through (400,000 points of 64-d
/// Gaussian clusters, k = 10).
const SAMPLED_GROWTH: f64 = 4.0;

/// Salt of the sampled refinements' samples (times the stage, apart from the exact one's).
const SAMPLED_SALT: u64 = 0x5A3F_1257;

/// Read the references' state (best, second, nearest) from the chunks holding them.
fn refresh_states<E: Executor<Task>>(exec: &mut E, lens: &[usize], refs: &mut References) -> Result<()> {
    let ids = refs.targets.ids.clone();
    let mut got: Vec<RowState> = Vec::new();
    for reply in exec.run(&Task::States { ids: ids.clone() }, &holders(lens, &ids))? {
        let Reply::States(list) = reply else { return Err(protocol("states")) };
        got.extend(list);
    }
    got.sort_unstable_by_key(|s| s.0);
    refs.best = got.iter().map(|s| s.1).collect();
    refs.second = got.iter().map(|s| s.2).collect();
    refs.nearest = got.iter().map(|s| s.3).collect();
    if got.len() != ids.len() {
        return Err(protocol("states of every reference"));
    }
    Ok(())
}

/// Verify the candidates kept so far (`driver.pending`, taken): each in turn swapped in if its
/// exact change of loss is negative. Returns the swaps applied.
fn verify_pending<E: Executor<Task>>(
    exec: &mut E,
    lens: &[usize],
    driver: &mut Driver,
    budget: usize,
) -> Result<usize> {
    let found = std::mem::take(&mut driver.pending);
    if found.is_empty() {
        return Ok(0);
    }
    let cands = fetch_rows(exec, lens, &found)?;
    let all: Vec<usize> = (0..lens.len()).filter(|&c| lens[c] > 0).collect();
    let mut replies = exec.run(&Task::Verify { cands, budget }, &all)?;
    let mut applied = 0;
    for t in 0..found.len() {
        let deltas = total_deltas(driver.k, &replies)?;
        let apply = if driver.medoids.contains(&found[t]) {
            None
        } else {
            let (delta, pos) = best_position(&deltas);
            (delta < -TOLERANCE * driver.loss).then_some((t, pos))
        };
        let next = (t + 1 < found.len()).then_some(t + 1);
        if apply.is_none() && next.is_none() {
            break;
        }
        replies = exec.run(&Task::Step { apply, next }, &all)?;
        if let Some((_, pos)) = apply {
            driver.medoids[pos] = found[t];
            driver.clock += 1;
            driver.swapped_at[pos] = driver.clock;
            let parts: Vec<Sums> = replies
                .iter()
                .map(|r| match r {
                    Reply::Step { sums: Some(s), .. } => Ok(s.clone()),
                    _ => Err(protocol("sums after a swap")),
                })
                .collect::<Result<_>>()?;
            let before = driver.loss;
            driver.absorb(parts);
            driver.largest_gain = driver.largest_gain.max(before - driver.loss);
            applied += 1;
        }
    }
    Ok(applied)
}

/// The exact change of loss of a candidate at each position, from the chunks' shares.
fn total_deltas(k: usize, replies: &[Reply]) -> Result<Vec<f64>> {
    let (mut shared, mut own) = (ExactSum::new(), vec![ExactSum::new(); k]);
    for reply in replies {
        let Reply::Step { deltas: Some(d), .. } = reply else { return Err(protocol("a candidate's shares")) };
        shared.merge(&d.shared);
        for (o, part) in own.iter_mut().zip(&d.own) {
            o.merge(part);
        }
    }
    Ok(own
        .iter()
        .map(|o| {
            let mut total = shared.clone();
            total.merge(o);
            total.value()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunks::LocalExecutor;
    use crate::context::Context;
    use crate::{Algorithm, DenseData, KMedoids, Metric, Silent};
    use rand::{Rng, SeedableRng};

    /// `n` rows of `d` values in `groups` loose groups.
    fn grouped(n: usize, d: usize, groups: usize, seed: u64) -> Vec<f64> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n * d).map(|i| rng.random::<f64>() + ((i / d) % groups) as f64 * 0.6).collect()
    }

    /// Settings small enough that data of a thousand rows screens a sample of each cluster's
    /// members and refines on a sample of the far rows.
    fn sampling(seed: u64) -> Settings {
        let screening = Screening {
            neighbours: 2,
            per_cluster: 30,
            ring: 4,
            per_ring_cluster: 10,
            far: 100,
            candidates: 25,
            refine_sample: 40,
            ..Screening::default()
        };
        Settings { screening, seed, max_passes: 100, budget_bytes: usize::MAX }
    }

    /// The search from a random start on `groups` loose groups, for three chunkings: the same
    /// medoids each time, far below the start and near FasterPAM's loss.
    fn same_medoids_for_every_chunking(n: usize, k: usize, groups: usize, settings: Settings) {
        let d = 6;
        let rows = grouped(n, d, groups, 3);
        let data = DenseData::new(&rows, n, d, Metric::L2).unwrap();
        let ctx = Context::new(&data, &Silent);
        let start = crate::algorithms::onebatch::plan::random_medoids(n, k, 7);
        let start_loss =
            crate::state::Assignment::from_medoids(&ctx, crate::context::Phase::Other, &start).unwrap().loss();
        let mut answers = Vec::new();
        for lens in [vec![n], vec![300, 0, 517, n - 817], vec![64; n / 64].into_iter().chain([n % 64]).collect()] {
            let mut exec = LocalExecutor::<State>::new(&ctx, &lens);
            let (swaps, medoids) = search(&mut exec, &start, settings, &mut |_, _, _| Ok(())).unwrap();
            assert!(swaps.converged && swaps.applied > 0, "{swaps:?}");
            answers.push(medoids);
        }
        assert!(answers.iter().all(|m| *m == answers[0]), "{answers:?}");
        let loss =
            crate::state::Assignment::from_medoids(&ctx, crate::context::Phase::Other, &answers[0]).unwrap().loss();
        let faster = KMedoids::new(k).algorithm(Algorithm::FasterPam).seed(1).fit(&data).unwrap();
        assert!(loss < 0.9 * start_loss);
        // Samples of a few dozen rows screen less sharply than the defaults' thousands.
        assert!(loss <= 1.02 * faster.loss, "{loss} vs FasterPAM {}", faster.loss);
    }

    #[test]
    fn sampled_candidates_and_refinements_give_the_same_medoids_for_every_chunking() {
        same_medoids_for_every_chunking(1200, 12, 5, sampling(11));
    }

    #[test]
    fn refined_candidates_wait_for_a_full_window_or_the_end_of_the_pass() {
        // A window of one verifies each kept candidate at once; one larger than all of them
        // verifies them only at the end of each pass.
        for window in [1, 1_000_000] {
            let mut settings = sampling(11);
            settings.screening.window = window;
            same_medoids_for_every_chunking(1200, 12, 5, settings);
        }
    }

    #[test]
    fn a_sampled_first_refinement_gives_the_same_medoids_for_every_chunking() {
        // Clusters of about 300 rows, more than SAMPLED_FIRST samples of 10: every turn
        // refines on a sample first.
        let mut settings = sampling(11);
        settings.screening.refine_sample = 10;
        same_medoids_for_every_chunking(1200, 4, 4, settings);
    }

    #[test]
    fn the_last_pass_refines_candidates_whose_far_part_may_hide_a_gain() {
        // Many small clusters in 30 dimensions: a candidate's gains beyond the turn's nearest
        // clusters come from the far batch alone, a few rows standing for many.
        let (n, d, k) = (2000, 30, 80);
        let rows = grouped(n, d, 10, 7);
        let data = DenseData::new(&rows, n, d, Metric::L2).unwrap();
        let ctx = Context::new(&data, &Silent);
        let start = crate::algorithms::onebatch::plan::random_medoids(n, k, 1);
        let run = |screening: Screening| {
            let settings = Settings { screening, ..sampling(11) };
            let mut exec = LocalExecutor::<State>::new(&ctx, &[n]);
            let (swaps, medoids) = search(&mut exec, &start, settings, &mut |_, _, _| Ok(())).unwrap();
            assert!(swaps.converged);
            let loss =
                crate::state::Assignment::from_medoids(&ctx, crate::context::Phase::Other, &medoids).unwrap().loss();
            (medoids, loss)
        };
        let with = run(sampling(11).screening);
        let without = run(Screening { far_margin: 0.0, ..sampling(11).screening });
        // Beyond `far_margin_max_n` objects there is no last pass.
        assert_eq!(run(Screening { far_margin_max_n: n - 1, ..sampling(11).screening }).0, without.0);
        // The last pass found a swap the others had passed over.
        assert!(with.1 < without.1, "{} vs {}", with.1, without.1);
    }

    #[test]
    fn the_far_margin_is_counted_in_standard_errors_of_the_far_references_alone() {
        // Three references: one of the home cluster (0), one of cluster 1, one far (standing
        // for 10 objects) that the candidate is 2 closer to than to its medoid.
        let refs = |far_margin| References {
            weight: vec![1.0, 1.0, 10.0],
            near: vec![true, true, false],
            best: vec![1.0, 1.0, 5.0],
            second: vec![3.0, 3.0, 6.0],
            nearest: vec![0, 1, 2],
            far_margin,
            ..References::default()
        };
        let (removal, row) = ([4.0, 4.0, 4.0], [2.0, 0.5, 3.0]);
        // At the home position: min(2, 3) - 1 = 1 from its member, 0.5 - 1 and 10 x (3 - 5)
        // shared.
        assert_eq!(estimate_less_margin(&refs(0.0), &removal, 0, &row), 1.0 - 0.5 - 20.0);
        // Less 2 standard errors of the far part, |10 x (3 - 5)|.
        assert_eq!(estimate_less_margin(&refs(2.0), &removal, 0, &row), 1.0 - 0.5 - 20.0 - 40.0);
    }

    /// A driver whose clusters weigh `weight`, medoid i at distance |i - a| from medoid a.
    fn driver(weight: &[f64]) -> Driver {
        let k = weight.len();
        Driver {
            k,
            medoids: (0..k).collect(),
            between: (0..k).map(|i| (0..k).map(|a| i.abs_diff(a) as f64).collect()).collect(),
            loss: 1.0,
            removal: vec![0.0; k],
            weight: weight.to_vec(),
            total_weight: weight.iter().sum(),
            refine_margin: 2.0,
            clock: 0,
            swapped_at: vec![0; k],
            largest_gain: 0.0,
            coarse: false,
            far_margin: 0.0,
            margin_passed: false,
            sampled: false,
            pending: Vec::new(),
        }
    }

    #[test]
    fn sampled_refinements_go_first_while_they_take_few_rows() {
        let screening = Screening { refine_sample: 100, ..Screening::default() };
        // An own cluster of 500 rows: not more than 8 samples of 100.
        let small = driver(&[500.0; 20]);
        let plans = refinements(&small, &small.nearest_medoids(3, 20), &screening, 1).unwrap();
        assert!(plans.sampled.is_empty());
        let large = driver(&[1000.0; 20]);
        let near = large.nearest_medoids(3, 20);
        let plans = refinements(&large, &near, &screening, 1).unwrap();
        // The exact refinement: the own cluster and its nearest up to 1/8 of the weight, and
        // the ring's 18,000 rows sampled one in 28 (a sample of 20,000 / 32 = 625): 2,642 rows.
        assert_eq!(plans.exact.neighbours, vec![3, 2]);
        assert_eq!(plans.exact.ring_rate, 28);
        // Before it, every cluster sampled on 100 and 400 rows (one in 200 and 50): 1,600
        // would take more than half of the exact one's rows.
        let rates: Vec<u64> = plans.sampled.iter().map(|p| p.ring_rate).collect();
        assert_eq!(rates, vec![200, 50]);
        for (stage, plan) in plans.sampled.iter().enumerate() {
            assert!(plan.neighbours.is_empty());
            assert_eq!(plan.ring, near);
            assert_ne!(plan.seed, plans.exact.seed);
            assert!(plans.sampled[..stage].iter().all(|p| p.seed != plan.seed));
        }
    }

    #[test]
    fn a_refinement_that_samples_nothing_is_the_exact_change_of_loss() {
        let (n, d, k) = (600, 4, 8);
        let rows = grouped(n, d, 4, 5);
        let data = DenseData::new(&rows, n, d, Metric::L1).unwrap();
        let ctx = Context::new(&data, &Silent);
        let lens = [250, 350];
        let mut exec = LocalExecutor::<State>::new(&ctx, &lens);
        let medoids: Vec<usize> = (0..k).map(|i| i * 70 + 3).collect();
        let targets = fetch_rows(&mut exec, &lens, &medoids).unwrap();
        let parts = expect_sums(exec.run_all(&Task::Assign { medoids: targets, budget: usize::MAX }).unwrap()).unwrap();
        let mut removal = vec![ExactSum::new(); k];
        for part in &parts {
            removal.iter_mut().zip(&part.removal).for_each(|(r, p)| r.merge(p));
        }
        let cands = [10, 333, 598];
        let plan = Refinement { neighbours: vec![2, 5], ring: vec![0, 7], ring_rate: 1, far_rate: 1, seed: 9 };
        let task = Task::Refine { cands: fetch_rows(&mut exec, &lens, &cands).unwrap(), plan, budget: usize::MAX };
        let refined: Vec<Vec<Refined>> = exec
            .run_all(&task)
            .unwrap()
            .into_iter()
            .map(|r| if let Reply::Refine(list) = r { list } else { panic!("{r:?}") })
            .collect();
        let verify = Task::Verify { cands: fetch_rows(&mut exec, &lens, &cands).unwrap(), budget: usize::MAX };
        let mut replies = exec.run_all(&verify).unwrap();
        for (t, _) in cands.iter().enumerate() {
            if t > 0 {
                replies = exec.run_all(&Task::Step { apply: None, next: Some(t) }).unwrap();
            }
            let exact = total_deltas(k, &replies).unwrap();
            let mut shared = ExactSum::new();
            let mut saved = vec![ExactSum::new(); k];
            let mut own_inside = vec![ExactSum::new(); 2];
            for chunk in &refined {
                let part = &chunk[t];
                shared.merge(&part.inside.shared);
                shared.merge(&part.shared_outside);
                own_inside.iter_mut().zip(&part.inside.own).for_each(|(o, p)| o.merge(p));
                for (i, s) in &part.saved_outside {
                    saved[*i].merge(s);
                }
                // Nothing sampled: no sampling error.
                assert_eq!(part.variance.value(), 0.0);
            }
            for i in 0..k {
                let own = match [2, 5].iter().position(|&c| c == i) {
                    Some(s) => own_inside[s].value(),
                    None => removal[i].value() - saved[i].value(),
                };
                let estimate = shared.value() + own;
                assert!(
                    (estimate - exact[i]).abs() <= 1e-9 * exact[i].abs().max(1.0),
                    "{t} {i}: {estimate} vs {}",
                    exact[i]
                );
            }
        }
    }
}
