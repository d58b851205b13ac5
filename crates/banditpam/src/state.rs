//! Medoids and, for every object, its nearest and second-nearest medoid.

use std::sync::Arc;

use crate::context::{Context, Phase};
use crate::error::{Error, Result};
use crate::memory;

/// The weight of object `j` in a sum over objects. Hot loops are generic over it and called
/// with [`Unit`] when there are no sample weights, so the unweighted code has no multiply.
pub(crate) trait Weight: Copy {
    fn at(self, j: usize) -> f64;
}

/// Every object weighs 1.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit;

impl Weight for Unit {
    #[inline(always)]
    fn at(self, _: usize) -> f64 {
        1.0
    }
}

impl Weight for &[f64] {
    #[inline(always)]
    fn at(self, j: usize) -> f64 {
        self[j]
    }
}

/// The bookkeeping every algorithm shares: `best[j]`, `second[j]` and `nearest[j]` (a medoid
/// position), plus the distance row of every medoid so swaps update in O(k n) without new
/// evaluations.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Assignment {
    n: usize,
    pub medoids: Vec<usize>,
    /// `rows[i * n + j] = d(medoids[i], j)`.
    rows: Vec<f64>,
    pub best: Vec<f64>,
    pub second: Vec<f64>,
    pub nearest: Vec<usize>,
    /// Sample weights of the objects (`None`: all 1), for the loss and every sum over objects.
    pub weights: Option<Arc<[f64]>>,
}

impl Assignment {
    /// No medoids yet: every object infinitely far.
    pub fn empty(n: usize) -> Self {
        Assignment {
            n,
            medoids: Vec::new(),
            rows: Vec::new(),
            best: vec![f64::INFINITY; n],
            second: vec![f64::INFINITY; n],
            nearest: vec![0; n],
            weights: None,
        }
    }

    /// An assignment given by its parts, without the medoids' rows: enough to score swaps
    /// ([`crate::algorithms::candidate_deltas`]), not to apply them.
    pub fn from_parts(medoids: Vec<usize>, best: Vec<f64>, second: Vec<f64>, nearest: Vec<usize>) -> Self {
        Assignment { n: best.len(), medoids, rows: Vec::new(), best, second, nearest, weights: None }
    }

    /// No medoids yet, for the objects of `ctx` (with their weights).
    pub fn for_data(ctx: &Context<'_>) -> Self {
        Assignment { weights: ctx.weights.clone(), ..Assignment::empty(ctx.n()) }
    }

    /// Evaluate the rows of `medoids` and assign every object.
    pub fn from_medoids(ctx: &Context<'_>, phase: Phase, medoids: &[usize]) -> Result<Self> {
        let n = ctx.n();
        let mut rows = memory::filled("the medoids' distance rows (k x n)", medoids.len().saturating_mul(n), 0.0)?;
        ctx.full_rows(phase, medoids, &mut rows)?;
        let mut state = Assignment::for_data(ctx);
        for (m, row) in medoids.iter().zip(rows.chunks_exact(n)) {
            state.push(*m, row)?;
        }
        Ok(state)
    }

    /// Add medoid `m` at the next position, given its row. Errors: [`crate::Error::OutOfMemory`]
    /// when the rows (k x n in all) cannot grow.
    pub fn push(&mut self, m: usize, row: &[f64]) -> Result<()> {
        let pos = self.medoids.len();
        let bytes = (self.rows.len() + row.len()).saturating_mul(std::mem::size_of::<f64>());
        self.rows
            .try_reserve(row.len())
            .map_err(|_| Error::OutOfMemory { what: "the medoids' distance rows (k x n)", bytes })?;
        self.medoids.push(m);
        self.rows.extend_from_slice(row);
        for (j, &d) in row.iter().enumerate() {
            if d < self.best[j] {
                self.second[j] = self.best[j];
                self.best[j] = d;
                self.nearest[j] = pos;
            } else if d < self.second[j] {
                self.second[j] = d;
            }
        }
        Ok(())
    }

    /// Replace the medoid at position `pos` by `m`, given its row; reassign every object.
    ///
    /// Only the objects whose nearest or second-nearest medoid was at `pos` are assigned
    /// again from all k rows (about 2n/k of them); the others compare the new distance with
    /// what they have. Either way the result is that of assigning from scratch, ties to the
    /// lower position included.
    pub fn replace(&mut self, pos: usize, m: usize, row: &[f64]) {
        let (n, k) = (self.n, self.medoids.len());
        self.medoids[pos] = m;
        for (j, &d) in row.iter().enumerate().take(n) {
            let old = self.rows[pos * n + j];
            self.rows[pos * n + j] = d;
            if self.nearest[j] == pos || old <= self.second[j] {
                // `pos` gave j its nearest or second-nearest distance: assign j from scratch.
                let (mut best, mut second, mut nearest) = (f64::INFINITY, f64::INFINITY, 0);
                for i in 0..k {
                    let d = self.rows[i * n + j];
                    if d < best {
                        second = best;
                        best = d;
                        nearest = i;
                    } else if d < second {
                        second = d;
                    }
                }
                self.best[j] = best;
                self.second[j] = second;
                self.nearest[j] = nearest;
            } else if d < self.best[j] || (d == self.best[j] && pos < self.nearest[j]) {
                self.second[j] = self.best[j];
                self.best[j] = d;
                self.nearest[j] = pos;
            } else if d < self.second[j] {
                self.second[j] = d;
            }
        }
    }

    /// The medoid at position `i`'s distance to every object.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.rows[i * self.n..(i + 1) * self.n]
    }

    /// Whether object `c` is a medoid.
    pub fn is_medoid(&self, c: usize) -> bool {
        self.medoids.contains(&c)
    }

    /// Objects that are not medoids, ascending.
    pub fn non_medoids(&self) -> Vec<usize> {
        let mut is_medoid = vec![false; self.n];
        for &m in &self.medoids {
            is_medoid[m] = true;
        }
        (0..self.n).filter(|&c| !is_medoid[c]).collect()
    }

    /// The total loss (weighted), summed exactly: the same whatever the order of the objects.
    pub fn exact_loss(&self) -> f64 {
        let mut sum = crate::exact::ExactSum::new();
        match &self.weights {
            None => self.best.iter().for_each(|&b| sum.add(b)),
            Some(w) => self.best.iter().zip(w.iter()).for_each(|(b, w)| sum.add(b * w)),
        }
        sum.value()
    }

    /// The total loss (weighted), summed in index order.
    pub fn loss(&self) -> f64 {
        match &self.weights {
            None => self.best.iter().sum(),
            Some(w) => self.best.iter().zip(w.iter()).map(|(b, w)| b * w).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Nearest and second-nearest by brute force over the rows of `medoids` (ties: lower position).
    fn brute(rows: &[Vec<f64>], medoids: &[usize], n: usize) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
        let per_object = (0..n).map(|j| {
            let mut dists: Vec<(f64, usize)> = medoids.iter().enumerate().map(|(i, &m)| (rows[m][j], i)).collect();
            dists.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            (dists[0].0, dists.get(1).map_or(f64::INFINITY, |d| d.0), dists[0].1)
        });
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        for (best, second, nearest) in per_object {
            out.0.push(best);
            out.1.push(second);
            out.2.push(nearest);
        }
        out
    }

    #[test]
    fn push_and_replace_match_brute_force() {
        let n = 25;
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        // Small integers, so ties are common.
        let rows: Vec<Vec<f64>> = (0..n).map(|_| (0..n).map(|_| rng.random_range(0..6) as f64).collect()).collect();
        let mut state = Assignment::empty(n);
        let mut medoids = Vec::new();
        for m in [3, 17, 8] {
            state.push(m, &rows[m]).unwrap();
            medoids.push(m);
            let (best, second, nearest) = brute(&rows, &medoids, n);
            assert_eq!((&state.best, &state.second, &state.nearest), (&best, &second, &nearest));
        }
        for (pos, m) in [(1, 20), (0, 4), (2, 3)] {
            state.replace(pos, m, &rows[m]);
            medoids[pos] = m;
            let (best, second, nearest) = brute(&rows, &medoids, n);
            assert_eq!((&state.best, &state.second, &state.nearest), (&best, &second, &nearest), "{medoids:?}");
            assert_eq!(state.loss(), best.iter().sum::<f64>());
        }
        assert_eq!(state.medoids, medoids);
        assert!(state.is_medoid(20) && !state.is_medoid(17));
        let non: Vec<usize> = (0..n).filter(|j| !medoids.contains(j)).collect();
        assert_eq!(state.non_medoids(), non);
    }

    #[test]
    fn one_medoid_has_no_second() {
        let mut state = Assignment::empty(3);
        state.push(1, &[2.0, 0.0, 5.0]).unwrap();
        assert_eq!(state.second, vec![f64::INFINITY; 3]);
        assert_eq!((state.loss(), state.nearest.clone()), (7.0, vec![0, 0, 0]));
    }
}
