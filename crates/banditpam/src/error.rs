//! The typed error every fallible call of the crate returns.

use thiserror::Error;

/// Why a clustering could not be computed.
///
/// Each kind of bad input has its own variant, so callers (the CLI, the
/// Python binding) can map it to the right message or exception class.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The data set holds no objects.
    #[error("the data set is empty: at least one object is needed")]
    EmptyData,
    /// Dense rows have no columns.
    #[error("the data has zero features per row: at least one column is needed")]
    NoFeatures,
    /// A flat buffer whose length does not match the announced shape.
    #[error("the buffer holds {len} values, but {rows} rows x {cols} columns need {expected}")]
    ShapeMismatch {
        /// Number of values in the buffer.
        len: usize,
        /// Announced number of rows.
        rows: usize,
        /// Announced number of columns.
        cols: usize,
        /// `rows * cols`.
        expected: usize,
    },
    /// Rows of different lengths.
    #[error("row {row} has {found} values, but the first row has {expected}")]
    RaggedRows {
        /// 0-based index of the offending row.
        row: usize,
        /// Its length.
        found: usize,
        /// The length of the first row.
        expected: usize,
    },
    /// A NaN or infinite value in the data.
    #[error("the value at row {row}, column {col} is not finite ({value})")]
    NonFiniteValue {
        /// 0-based row.
        row: usize,
        /// 0-based column.
        col: usize,
        /// The value found.
        value: f64,
    },
    /// A precomputed matrix that is not n x n.
    #[error("a precomputed dissimilarity matrix must be square, got {rows} x {cols}")]
    NotSquare {
        /// Rows of the matrix.
        rows: usize,
        /// Columns of the matrix.
        cols: usize,
    },
    /// A dissimilarity below zero (in a matrix, or returned by a user function).
    #[error("the dissimilarity d({from}, {to}) = {value} is negative; dissimilarities must be >= 0")]
    NegativeDissimilarity {
        /// Index of the first object (the medoid side).
        from: usize,
        /// Index of the second object.
        to: usize,
        /// The value found.
        value: f64,
    },
    /// A user dissimilarity function returned NaN or infinity.
    #[error("the dissimilarity d({from}, {to}) = {value} is not finite")]
    NonFiniteDissimilarity {
        /// Index of the first object (the medoid side).
        from: usize,
        /// Index of the second object.
        to: usize,
        /// The value returned.
        value: f64,
    },
    /// A user dissimilarity function failed.
    #[error("the dissimilarity function failed on d({from}, {to}): {message}")]
    DissimilarityFailed {
        /// Index of the first object.
        from: usize,
        /// Index of the second object.
        to: usize,
        /// What the function reported.
        message: String,
    },
    /// k = 0.
    #[error("the number of clusters k must be at least 1, got 0")]
    ZeroClusters,
    /// More clusters than objects.
    #[error("the number of clusters k = {k} exceeds the number of objects n = {n}")]
    TooManyClusters {
        /// Requested k.
        k: usize,
        /// Number of objects.
        n: usize,
    },
    /// A metric name that is not known.
    #[error("unknown metric {0:?}; expected one of l2, sqeuclidean, l1, lp:<p>, linf, cosine, correlation")]
    UnknownMetric(String),
    /// An algorithm name that is not known.
    #[error("unknown algorithm {0:?}; expected one of banditpam++, banditpam, pam, fastpam1, fasterpam")]
    UnknownAlgorithm(String),
    /// The exponent of a Minkowski (Lp) distance is below 1 or not finite.
    #[error("the Minkowski exponent p must be a finite number >= 1, got {0}")]
    InvalidMinkowskiP(f64),
    /// A bandit confidence that is negative or not finite.
    #[error("{name} must be a finite number >= 0, got {value}")]
    InvalidConfidence {
        /// `build_confidence` or `swap_confidence`.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A batch size of zero.
    #[error("the batch size must be at least 1, got 0")]
    ZeroBatchSize,
    /// A sigma sample size of zero.
    #[error("the sigma sample size must be at least 1, got 0")]
    ZeroSigmaSample,
    /// A OneBatchPAM batch of zero references.
    #[error("onebatch_size must be at least 1")]
    ZeroOneBatchSize,
    /// The distance cache was asked for without the fixed reference permutation it is indexed by.
    #[error("use_cache needs use_perm: the cache is indexed by position in the fixed reference permutation")]
    CacheNeedsPermutation,
    /// A thread count of zero.
    #[error("the number of threads must be at least 1, got 0")]
    ZeroThreads,
    /// The thread pool could not be created.
    #[error("could not start the thread pool: {0}")]
    ThreadPool(String),
    /// Initial medoids given by the caller are not usable.
    #[error("invalid initial medoids: {0}")]
    InvalidInitialMedoids(String),
    /// An observer asked the fit to stop.
    #[error("the fit was interrupted")]
    Interrupted,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
