//! What a fit returns.

use crate::algorithms::Algorithm;
use crate::params::MatrixPrecision;

/// A count per phase of a fit.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PhaseCounts {
    /// During BUILD (or the initialisation).
    pub build: u64,
    /// During SWAP.
    pub swap: u64,
    /// Elsewhere: building a matrix, the final exact assignment.
    pub other: u64,
}

impl PhaseCounts {
    /// The sum over phases.
    pub fn total(&self) -> u64 {
        self.build + self.swap + self.other
    }
}

/// Wall time per phase of a fit, in seconds.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PhaseSeconds {
    /// BUILD (or the initialisation).
    pub build: f64,
    /// SWAP.
    pub swap: f64,
    /// Everything else: validation, building a matrix, the final assignment.
    pub other: f64,
}

impl PhaseSeconds {
    /// The sum over phases.
    pub fn total(&self) -> f64 {
        self.build + self.swap + self.other
    }
}

/// The result of a k-medoids fit.
///
/// Losses are exact: summed in `f64` over every object, from the data's own dissimilarity.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Clustering {
    /// The algorithm that ran.
    #[cfg_attr(feature = "serde", serde(rename = "method", serialize_with = "as_name"))]
    pub algorithm: Algorithm,
    /// The precision of the n x n matrix the search ran on, if one was built.
    #[cfg_attr(feature = "serde", serde(serialize_with = "as_dtype"))]
    pub matrix: Option<MatrixPrecision>,
    /// The final medoids (object indices), in medoid-position order.
    pub medoids: Vec<usize>,
    /// The medoids at the end of BUILD (or the initial medoids), in the order they were chosen.
    pub build_medoids: Vec<usize>,
    /// For each object, the position (0..k) in `medoids` of its nearest medoid; ties go to the
    /// lower position.
    pub labels: Vec<usize>,
    /// Total loss `sum_j w_j min_m d(m, x_j)` of the final medoids (`w_j` = 1 without weights).
    pub loss: f64,
    /// `loss / n` (`loss / sum_j w_j` with weights).
    pub average_loss: f64,
    /// Total loss of `build_medoids`.
    pub build_loss: f64,
    /// Swaps applied.
    pub swaps: usize,
    /// True when the algorithm stopped because no swap improved the loss (rather than at
    /// `max_iter`).
    pub converged: bool,
    /// Dissimilarities computed (reads of a stored matrix are not counted).
    pub distance_evaluations: PhaseCounts,
    /// Distances read from BanditPAM++'s cache instead of computed.
    pub cache_hits: PhaseCounts,
    /// Distances written into BanditPAM++'s cache (each is written once, then read as hits).
    pub cache_writes: PhaseCounts,
    /// Wall time per phase.
    pub seconds: PhaseSeconds,
}

impl Clustering {
    /// The medoids sorted ascending (handy to compare medoid sets).
    pub fn sorted_medoids(&self) -> Vec<usize> {
        let mut m = self.medoids.clone();
        m.sort_unstable();
        m
    }
}

#[cfg(feature = "serde")]
fn as_name<S: serde::Serializer>(algorithm: &Algorithm, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(algorithm.name())
}

/// `"float32"`, `"float64"` or `null`.
#[cfg(feature = "serde")]
fn as_dtype<S: serde::Serializer>(matrix: &Option<MatrixPrecision>, serializer: S) -> Result<S::Ok, S::Error> {
    match matrix {
        Some(MatrixPrecision::Single) => serializer.serialize_str("float32"),
        Some(MatrixPrecision::Double) => serializer.serialize_str("float64"),
        None => serializer.serialize_none(),
    }
}
