//! # banditpam
//!
//! k-medoids clustering over any dissimilarity: BanditPAM++ and BanditPAM (PAM's answers in
//! almost linear time per step), the exact PAM, FastPAM1 and FasterPAM, OneBatchPAM (one
//! sampled batch), and nearswap (PAM-level loss without the n x n matrix), with
//! [`Algorithm::Auto`] choosing among them by n, k and the memory budget; on dense vectors,
//! sparse rows, precomputed matrices or arbitrary objects, in memory or on rows split in
//! chunks (the [`sharded`] driver, which the Python package's Dask estimator runs).
//!
//! ```
//! use banditpam::{Algorithm, DenseData, KMedoids, Metric};
//! // Three points near 0 and three near 10, in one dimension.
//! let points = [0.0f32, 0.5, 1.0, 10.0, 10.5, 11.0];
//! let data = DenseData::new(&points, 6, 1, Metric::L2).unwrap();
//! let fit = KMedoids::new(2).algorithm(Algorithm::FastPam1).seed(7).fit(&data).unwrap();
//! assert_eq!(fit.sorted_medoids(), vec![1, 4]);
//! assert_eq!(fit.loss, 2.0);
//! ```
//!
//! The crate is organised by concern: [`PARAMETERS`] (every fit parameter declared once, for
//! every surface), [`data`] (data sets and the [`Dissimilarity`] trait),
//! `kernels` (the blocked SIMD/GEMM distance blocks), `algorithms` (one file per algorithm),
//! `bandit` (the best-arm engine, the reference order and the distance cache),
//! [`KMedoids`] and [`CheckedKMedoids`] (parameters, checked once), the fit driver (`fit.rs`:
//! the data-dependent checks and the memory budget), [`Clustering`] (results), [`Error`]
//! (typed errors), [`Observer`] (progress and cancellation), [`supervise`] (a job on a worker
//! thread for a host language's thread to wait on). The algorithms and the
//! contract they keep are described in `docs/ALGORITHMS.md`.

#![warn(missing_docs)]

mod algorithms;
mod auto;
mod bandit;
mod chunks;
mod context;
pub mod data;
mod error;
mod exact;
mod fit;
mod gap;
mod init;
mod kernels;
mod memory;
mod metric;
mod observer;
mod parallel;
mod params;
mod result;
mod scalar;
mod schema;
mod select_k;
pub mod sharded;
mod silhouette;
mod state;
pub mod supervise;

pub use algorithms::Algorithm;
pub use auto::Workload;
pub use data::{
    distances_to_medoids, dtw, levenshtein, tree_edit_distance, DenseData, Dissimilarity, DistanceMatrix, Objects,
    Precomputed, Series, SparseData, Strings, Tree, TreeParser, Trees,
};
pub use error::{Error, Result};
pub use exact::ExactSum;
pub use gap::{swap_gap, SwapGap};
pub use init::Init;
pub use memory::{available_memory, default_budget};
pub use metric::{Metric, MetricName, MetricParams, StringMetric};
pub use observer::{thousands, Event, Observer, ProgressText, Silent};
pub use parallel::{max_threads, MAX_THREADS_PER_CORE};
pub use params::{CheckedKMedoids, KMedoids, MatrixPrecision, Precompute};
pub use result::{Clustering, PhaseCounts, PhaseSeconds};
pub use scalar::Scalar;
pub use schema::{Kind, Parameter, Value, PARAMETERS};
pub use select_k::{select_k, select_k_with_observer, KScore, KSelection};
pub use silhouette::{
    medoid_silhouette_samples, partition_profile, silhouette_samples, silhouette_samples_with_observer, ObjectProfile,
};
