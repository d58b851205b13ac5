//! The k-medoids algorithms, one file each.
//!
//! - [`build`]: PAM's greedy BUILD, the start of PAM, FastPAM1 and (optionally) FasterPAM;
//! - [`pam`]: PAM's SWAP, the naive O(k n^2) reference;
//! - [`fastpam1`]: the same swaps in O(n^2) per step;
//! - [`fasterpam`]: eager swaps, cycling through the candidates.

pub(crate) mod build;
pub(crate) mod fasterpam;
pub(crate) mod fastpam1;
pub(crate) mod pam;

use crate::state::Assignment;

/// The change of loss for replacing each medoid position `i` by candidate `c`, given `c`'s
/// distance row: `deltas[i] = sum_j min(d(c, j), r_ij) - best_j`, computed in one pass over j
/// (FastPAM1's decomposition: a shared part for objects `c` would take over from any medoid,
/// and a per-position part for the others).
pub(crate) fn candidate_deltas(state: &Assignment, row: &[f64], deltas: &mut [f64]) {
    deltas.fill(0.0);
    let mut shared = 0.0;
    for (j, &d) in row.iter().enumerate() {
        let best = state.best[j];
        if d < best {
            shared += d - best;
        } else {
            deltas[state.nearest[j]] += d.min(state.second[j]) - best;
        }
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
