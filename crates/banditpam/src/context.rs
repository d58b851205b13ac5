//! The running state every algorithm shares: data access that counts what it computes, the
//! observer, and the candidate sweep.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::data::Dissimilarity;
use crate::error::{Error, Result};
use crate::memory;
use crate::observer::{Event, Observer};
use crate::result::PhaseCounts;

/// Candidates whose full distance rows one parallel task computes.
const CANDIDATES_PER_TASK: usize = 16;
/// References evaluated per kernel call while computing full rows.
const REFERENCES_PER_CALL: usize = 2048;

/// Which phase distance evaluations are booked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Build,
    Swap,
    Other,
}

/// Data access plus counters and the observer, for one fit.
pub(crate) struct Context<'a> {
    pub data: &'a dyn Dissimilarity,
    pub observer: &'a dyn Observer,
    counts: [AtomicU64; 3],
    hits: [AtomicU64; 3],
    writes: [AtomicU64; 3],
    /// Sample weights (one per object), or `None` for all 1.
    pub weights: Option<Arc<[f64]>>,
}

impl<'a> Context<'a> {
    pub fn new(data: &'a dyn Dissimilarity, observer: &'a dyn Observer) -> Self {
        Context {
            data,
            observer,
            counts: Default::default(),
            hits: Default::default(),
            writes: Default::default(),
            weights: None,
        }
    }

    /// The same context with sample weights.
    pub fn with_weights(mut self, weights: Option<Arc<[f64]>>) -> Self {
        self.weights = weights;
        self
    }

    pub fn n(&self) -> usize {
        self.data.len()
    }

    /// [`Error::Interrupted`] if the observer asks the fit to stop.
    pub fn check_interrupted(&self) -> Result<()> {
        if self.observer.keep_going() {
            Ok(())
        } else {
            Err(Error::Interrupted)
        }
    }

    /// One block of dissimilarities, counted, after checking for cancellation. A value that is
    /// not finite (a metric overflowing `f64` on huge values) fails the fit: a search on it
    /// would give arbitrary medoids and an infinite loss.
    pub fn block(&self, phase: Phase, cands: &[usize], refs: &[usize], out: &mut [f64]) -> Result<()> {
        self.check_interrupted()?;
        self.data.block_interruptible(cands, refs, out, &|| self.observer.keep_going())?;
        if !self.data.is_stored() {
            let width = refs.len();
            self.counts[phase as usize].fetch_add((cands.len() * width) as u64, Ordering::Relaxed);
            if let Some(pos) = out[..cands.len() * width].iter().position(|v| !v.is_finite()) {
                let (from, to) = (cands[pos / width], refs[pos % width]);
                return Err(Error::NonFiniteDissimilarity { from, to, value: out[pos] });
            }
        }
        Ok(())
    }

    /// Distances from each of `cands` to every object `0..n`, into `out` (`cands.len() * n`).
    pub fn full_rows(&self, phase: Phase, cands: &[usize], out: &mut [f64]) -> Result<()> {
        let n = self.n();
        let mut refs: Vec<usize> = Vec::with_capacity(REFERENCES_PER_CALL.min(n));
        let mut tile = vec![0.0; cands.len() * REFERENCES_PER_CALL.min(n)];
        for start in (0..n).step_by(REFERENCES_PER_CALL) {
            let end = (start + REFERENCES_PER_CALL).min(n);
            refs.clear();
            refs.extend(start..end);
            let width = end - start;
            self.block(phase, cands, &refs, &mut tile[..cands.len() * width])?;
            for (a, src) in tile.chunks_exact(width).take(cands.len()).enumerate() {
                out[a * n + start..a * n + end].copy_from_slice(src);
            }
        }
        Ok(())
    }

    /// For every candidate, its full distance row scored by `score(candidate, row)`; results in
    /// candidate order. The partition into tasks is fixed, so results do not depend on the
    /// number of threads.
    pub fn sweep<R: Send>(
        &self,
        phase: Phase,
        cands: &[usize],
        score: impl Fn(usize, &[f64]) -> R + Sync,
    ) -> Result<Vec<R>> {
        self.sweep_in_tasks(phase, cands, CANDIDATES_PER_TASK, score)
    }

    /// [`Context::sweep`] with `per_task` candidates' rows per task (more rows make larger
    /// kernel calls; a task holds `per_task x n` distances).
    pub fn sweep_in_tasks<R: Send>(
        &self,
        phase: Phase,
        cands: &[usize],
        per_task: usize,
        score: impl Fn(usize, &[f64]) -> R + Sync,
    ) -> Result<Vec<R>> {
        let n = self.n();
        let per_task: Vec<Result<Vec<R>>> = cands
            .par_chunks(per_task.max(1))
            .map(|chunk| {
                let mut rows = memory::filled("a task's candidate rows", chunk.len().saturating_mul(n), 0.0)?;
                self.full_rows(phase, chunk, &mut rows)?;
                Ok(chunk.iter().zip(rows.chunks_exact(n)).map(|(&c, row)| score(c, row)).collect())
            })
            .collect();
        let mut scores = Vec::with_capacity(cands.len());
        for part in per_task {
            scores.extend(part?);
        }
        Ok(scores)
    }

    /// Distances computed so far, by phase.
    pub fn counts(&self) -> PhaseCounts {
        per_phase(&self.counts)
    }

    /// Book `count` distances computed in another context (a search on a sample of the data).
    pub fn add_counts(&self, phase: Phase, count: u64) {
        self.counts[phase as usize].fetch_add(count, Ordering::Relaxed);
    }

    /// Distances read from a cache so far, by phase.
    pub fn cache_hits(&self) -> PhaseCounts {
        per_phase(&self.hits)
    }

    /// Book `count` distances read from a cache.
    pub fn add_cache_hits(&self, phase: Phase, count: u64) {
        self.hits[phase as usize].fetch_add(count, Ordering::Relaxed);
    }

    /// Distances written into a cache so far, by phase.
    pub fn cache_writes(&self) -> PhaseCounts {
        per_phase(&self.writes)
    }

    /// Book `count` distances written into a cache.
    pub fn add_cache_writes(&self, phase: Phase, count: u64) {
        self.writes[phase as usize].fetch_add(count, Ordering::Relaxed);
    }

    pub fn report(&self, event: Event) {
        self.observer.on_event(&event);
    }
}

fn per_phase(counters: &[AtomicU64; 3]) -> PhaseCounts {
    let get = |p: Phase| counters[p as usize].load(Ordering::Relaxed);
    PhaseCounts { build: get(Phase::Build), swap: get(Phase::Swap), other: get(Phase::Other) }
}
