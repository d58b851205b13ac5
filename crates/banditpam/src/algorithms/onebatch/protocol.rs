//! OneBatchPAM as a driver and chunk tasks. The driver fetches the batch's rows, has every
//! chunk compute its rows against them ([`Task::Block`], kept next to the chunk or computed
//! again on demand) and adds their votes; then its [`BatchSearch`] hands out windows of
//! candidate positions, the chunks holding them find the first event ([`Task::Scan`]), and the
//! driver applies the first over all chunks. Only the batch, the batch's assignment to the
//! medoids (three values per batch member) and single block rows travel.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::block::{self, column_weights, rescale};
use super::search::{BatchSearch, Found, Probe};
use crate::chunks::{chunks_holding, ChunkRows, ChunkTask, Executor, Targets};
use crate::error::{Error, Result};
use crate::exact::ExactSum;
use crate::state::Assignment;

/// Candidates a chunk scores together before looking for the first event among them.
const SCAN_WINDOW: usize = 256;
/// The first window of candidate positions, and the least after a swap.
const FIRST_WINDOW: usize = 256;

/// What the search is told.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// Keep each chunk's block (rows x batch `f32`) rather than compute rows again.
    pub keep_block: bool,
    pub max_passes: usize,
    /// Bytes a chunk's kept block may take.
    pub budget_bytes: usize,
}

/// A chunk task of OneBatchPAM.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Task {
    /// The rows `ids` held here, as targets.
    Take { ids: Vec<usize> },
    /// The chunk's rows against `batch`, times `2^scale`: votes and range, the block kept if
    /// `keep` (within `budget` bytes).
    Block { batch: Targets, scale: i32, keep: bool, budget: usize },
    /// The block rows of the objects `ids` held here.
    BlockRows { ids: Vec<usize> },
    /// The first event among the candidates of `window` held here.
    Scan { snapshot: Snapshot, weights: Vec<f32>, window: Range<usize>, n: usize },
    /// The loss of the rows to their nearest of `medoids`.
    Loss { medoids: Targets },
}

/// The search's state as the chunks need it: the batch's assignment to the medoids, the
/// candidate swapped in last, and the gain a swap must bring.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub medoids: Vec<usize>,
    pub best: Vec<f64>,
    pub second: Vec<f64>,
    pub nearest: Vec<usize>,
    pub last_swap: Option<usize>,
    pub threshold: f64,
}

/// A chunk's reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
// Built once per task and serialized at once: boxing the large variants would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
pub enum Reply {
    Taken(Targets),
    Block { votes: Vec<ExactSum>, largest: f64, smallest: f64 },
    BlockRows(Vec<(usize, Vec<f32>)>),
    Scan(Option<(Found, Vec<f32>)>),
    Loss(ExactSum),
}

/// What a chunk keeps: the batch, the scale, and (when kept) its block.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    batch: Targets,
    scale: i32,
    block: Option<Vec<f32>>,
}

fn protocol(what: &str) -> Error {
    Error::InvalidParameter { name: "task", expected: "OneBatchPAM's tasks in their order", value: what.to_string() }
}

impl ChunkTask for Task {
    type State = State;
    type Reply = Reply;

    fn run(&self, chunk: &dyn ChunkRows, state: &mut State) -> Result<Reply> {
        chunk.check_interrupted()?;
        let offset = chunk.offset();
        let held = |ids: &[usize]| -> Vec<usize> {
            ids.iter().filter(|&&j| (offset..offset + chunk.len()).contains(&j)).map(|&j| j - offset).collect()
        };
        match self {
            Task::Take { ids } => Ok(Reply::Taken(chunk.targets(&held(ids))?)),
            Task::Block { batch, scale, keep, budget } => {
                let all: Vec<usize> = (0..chunk.len()).collect();
                let bytes = all.len().saturating_mul(batch.len()).saturating_mul(4);
                if *keep && bytes > *budget {
                    return Err(Error::OverMemoryBudget {
                        what: "OneBatchPAM's block (n x batch size f32)",
                        bytes,
                        budget: *budget,
                    });
                }
                let block = block::fill(chunk, &all, batch, *scale)?;
                state.batch = batch.clone();
                state.scale = *scale;
                state.block = keep.then_some(block.values);
                Ok(Reply::Block { votes: block.votes, largest: block.largest, smallest: block.smallest })
            }
            Task::BlockRows { ids } => {
                let rows = held(ids);
                let m = state.batch.len();
                let values = block_rows(chunk, state, &rows)?;
                Ok(Reply::BlockRows(
                    rows.iter().zip(values.chunks_exact(m.max(1))).map(|(&r, v)| (offset + r, v.to_vec())).collect(),
                ))
            }
            Task::Scan { snapshot, weights, window, n } => {
                scan(chunk, state, snapshot, weights, window.clone(), *n).map(Reply::Scan)
            }
            Task::Loss { medoids } => {
                let all: Vec<usize> = (0..chunk.len()).collect();
                let mut dists =
                    crate::memory::filled("the medoids' distances (k x rows)", medoids.len() * all.len(), 0.0)?;
                chunk.distances_from_targets(medoids, &all, &mut dists)?;
                let mut loss = ExactSum::new();
                for r in all {
                    let best = (0..medoids.len()).map(|i| dists[i * chunk.len() + r]).fold(f64::INFINITY, f64::min);
                    loss.add(chunk.weight(r) * chunk.in_data_units(best));
                }
                Ok(Reply::Loss(loss))
            }
        }
    }
}

/// The block rows of local rows `rows`: from the kept block, or computed again.
fn block_rows(chunk: &dyn ChunkRows, state: &State, rows: &[usize]) -> Result<Vec<f32>> {
    let m = state.batch.len();
    match &state.block {
        Some(block) => Ok(rows.iter().flat_map(|&r| block[r * m..(r + 1) * m].iter().copied()).collect()),
        None => Ok(block::fill(chunk, rows, &state.batch, state.scale)?.values),
    }
}

/// The first event among the candidates of `window` (positions, candidate `position % n`) held
/// by `chunk`, with the candidate's block row.
fn scan(
    chunk: &dyn ChunkRows,
    state: &State,
    snapshot: &Snapshot,
    weights: &[f32],
    window: Range<usize>,
    n: usize,
) -> Result<Option<(Found, Vec<f32>)>> {
    let (offset, len, m) = (chunk.offset(), chunk.len(), state.batch.len());
    if weights.len() != m || snapshot.best.len() != m {
        return Err(protocol("a scan with the batch's weights and assignment"));
    }
    if n == 0 || len == 0 || window.end.saturating_sub(window.start) > n || offset + len > n {
        return Ok(None);
    }
    let assignment = Assignment::from_parts(
        snapshot.medoids.clone(),
        snapshot.best.clone(),
        snapshot.second.clone(),
        snapshot.nearest.clone(),
    );
    let probe = Probe { state: &assignment, last_swap: snapshot.last_swap, threshold: snapshot.threshold };
    for held in held_positions(window, offset, len, n) {
        let mut start = held.start;
        while start < held.end {
            let end = (start + SCAN_WINDOW).min(held.end);
            let local: Vec<usize> = (start..end).map(|p| p % n - offset).collect();
            let values = block_rows(chunk, state, &local)?;
            let first = local[0];
            let row = |c: usize, out: &mut [f64]| weighted_row(&values, c - offset - first, weights, out);
            if let Some(found) = probe.first_event(start..end, n, row) {
                let i = found.candidate - offset - first;
                return Ok(Some((found, values[i * m..(i + 1) * m].to_vec())));
            }
            start = end;
        }
    }
    Ok(None)
}

/// Row `i` of `values` times the column weights, as the search scores it.
fn weighted_row(values: &[f32], i: usize, weights: &[f32], out: &mut [f64]) {
    let m = weights.len();
    for ((o, &v), &w) in out.iter_mut().zip(&values[i * m..(i + 1) * m]).zip(weights) {
        *o = f64::from(v * w);
    }
}

/// The positions of `window` (at most `n` long) whose candidates lie in rows
/// `offset..offset + len`, as at most two ranges in order.
fn held_positions(window: Range<usize>, offset: usize, len: usize, n: usize) -> Vec<Range<usize>> {
    let base = window.start - window.start % n;
    [base, base + n]
        .into_iter()
        .map(|b| (b + offset).max(window.start)..(b + offset + len).min(window.end))
        .filter(|r| r.start < r.end)
        .collect()
}

/// OneBatchPAM with the batch `batch` from the medoids `initial`: returns `(medoids, swaps,
/// converged)`.
pub(crate) fn search<E: Executor<Task>>(
    exec: &mut E,
    batch: &[usize],
    initial: &[usize],
    settings: Settings,
) -> Result<(Vec<usize>, usize, bool)> {
    let lens = exec.chunk_lens();
    let n: usize = lens.iter().sum();
    let batch_rows = take(exec, &lens, batch)?;
    let block = |exec: &mut E, scale: i32| -> Result<(Vec<f64>, f64, f64)> {
        let task =
            Task::Block { batch: batch_rows.clone(), scale, keep: settings.keep_block, budget: settings.budget_bytes };
        let mut votes = vec![ExactSum::new(); batch.len()];
        let (mut largest, mut smallest) = (0.0f64, f64::INFINITY);
        for reply in exec.run_all(&task)? {
            let Reply::Block { votes: v, largest: l, smallest: s } = reply else { return Err(protocol("a block")) };
            votes.iter_mut().zip(&v).for_each(|(a, b)| a.merge(b));
            largest = largest.max(l);
            smallest = smallest.min(s);
        }
        Ok((votes.iter().map(ExactSum::value).collect(), largest, smallest))
    };
    // Distances go into f32 as they are; only if some do not fit is every block computed
    // again, scaled. The swaps compare differences of sums, which scaling keeps.
    let (mut votes, largest, smallest) = block(exec, 0)?;
    if let Some(scale) = rescale(largest, smallest) {
        votes = block(exec, scale)?.0;
    }
    let weights = column_weights(&votes);
    let mut search = BatchSearch::new(n, batch.len(), settings.max_passes);
    for (medoid, row) in block_rows_of(exec, &lens, initial)? {
        search.add_medoid(medoid, &weighted(&row, &weights))?;
    }
    let mut length = FIRST_WINDOW;
    while let Some(window) = search.window(length) {
        let first = {
            let snapshot = snapshot(&search);
            let task = Task::Scan { snapshot, weights: weights.clone(), window: window.clone(), n };
            let which = chunks_holding_positions(&lens, window.clone(), n);
            let mut events = Vec::new();
            for reply in exec.run(&task, &which)? {
                let Reply::Scan(found) = reply else { return Err(protocol("a scan")) };
                events.extend(found);
            }
            events.into_iter().min_by_key(|(found, _)| found.position)
        };
        // Windows follow the spacing of the swaps: wide when they are rare, narrow when not.
        length = match &first {
            Some((found, _)) => FIRST_WINDOW.max(2 * (found.position - window.start + 1)),
            None => n.min(4 * length),
        };
        match first {
            Some((found, row)) => search.advance(window, Some(found), Some(&weighted(&row, &weights))),
            None => search.advance(window, None, None),
        }
    }
    Ok(search.finish())
}

/// The chunks holding the candidates of the positions `window` (candidate `position % n`).
fn chunks_holding_positions(lens: &[usize], window: Range<usize>, n: usize) -> Vec<usize> {
    let (first, count) = (window.start % n, window.end - window.start);
    let mut which = if first + count <= n {
        chunks_holding(lens, first..first + count)
    } else {
        let mut both = chunks_holding(lens, first..n);
        both.extend(chunks_holding(lens, 0..first + count - n));
        both
    };
    which.sort_unstable();
    which.dedup();
    which
}

/// The search's state for the chunks.
fn snapshot(search: &BatchSearch) -> Snapshot {
    let probe = search.probe();
    let state = search.state();
    Snapshot {
        medoids: state.medoids.clone(),
        best: state.best.clone(),
        second: state.second.clone(),
        nearest: state.nearest.clone(),
        last_swap: probe.last_swap,
        threshold: probe.threshold,
    }
}

/// A block row times the column weights.
fn weighted(row: &[f32], weights: &[f32]) -> Vec<f64> {
    row.iter().zip(weights).map(|(&v, &w)| f64::from(v * w)).collect()
}

/// The rows of the objects `ids`, in that order, as targets.
fn take<E: Executor<Task>>(exec: &mut E, lens: &[usize], ids: &[usize]) -> Result<Targets> {
    let mut got = Targets::default();
    for reply in exec.run(&Task::Take { ids: ids.to_vec() }, &holders(lens, ids))? {
        let Reply::Taken(t) = reply else { return Err(protocol("rows")) };
        got.extend(t);
    }
    got.in_order(ids)
}

/// The block rows of the objects `ids`, in that order.
fn block_rows_of<E: Executor<Task>>(exec: &mut E, lens: &[usize], ids: &[usize]) -> Result<Vec<(usize, Vec<f32>)>> {
    let mut got: Vec<(usize, Vec<f32>)> = Vec::new();
    for reply in exec.run(&Task::BlockRows { ids: ids.to_vec() }, &holders(lens, ids))? {
        let Reply::BlockRows(rows) = reply else { return Err(protocol("block rows")) };
        got.extend(rows);
    }
    ids.iter()
        .map(|id| got.iter().find(|(j, _)| j == id).cloned().ok_or_else(|| protocol("a block row no chunk holds")))
        .collect()
}

/// The chunks holding any of the objects `ids`.
fn holders(lens: &[usize], ids: &[usize]) -> Vec<usize> {
    let mut which: Vec<usize> = ids.iter().flat_map(|&j| chunks_holding(lens, j..j + 1)).collect();
    which.sort_unstable();
    which.dedup();
    which
}

/// The loss of `medoids` over all chunks (each chunk's rows to their nearest medoid).
pub(crate) fn loss<E: Executor<Task>>(exec: &mut E, medoids: &[usize]) -> Result<f64> {
    let lens = exec.chunk_lens();
    let targets = take(exec, &lens, medoids)?;
    let mut total = ExactSum::new();
    for reply in exec.run_all(&Task::Loss { medoids: targets })? {
        let Reply::Loss(part) = reply else { return Err(protocol("a loss")) };
        total.merge(&part);
    }
    Ok(total.value())
}
