//! The typed error every fallible call of the crate returns.

use thiserror::Error;

/// Why a clustering could not be computed.
///
/// Each kind of bad input has its own variant, so callers (the CLI, the
/// Python binding) can map it to the right message or exception class.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A method or setting that has no sharded form was asked of a sharded fit.
    #[error("{0} does not run on chunks of rows: use onebatch, nearswap or auto, without sample weights")]
    NotSharded(&'static str),
    /// A message between a sharded driver and its chunks could not be encoded or decoded.
    #[error("sharded fit: {0}")]
    Sharded(String),
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
    /// A dissimilarity came out NaN or infinite: returned by a user function, or a metric
    /// whose value overflows `f64` (squared L2 of values near 1e160, say).
    #[error(
        "the dissimilarity d({from}, {to}) = {value} is not finite (a user function returned it, or the \
         metric overflows float64 on values this large: rescale the data)"
    )]
    NonFiniteDissimilarity {
        /// Index of the first object (the medoid side).
        from: usize,
        /// Index of the second object.
        to: usize,
        /// The value returned.
        value: f64,
    },
    /// Squared L2 on values so small that every squared distance falls below `f64`'s normal
    /// range, where it keeps too few digits to compare (L2 itself takes such data).
    #[error(
        "squared euclidean distances of data whose largest absolute value is {largest:e} fall below \
         float64's normal range and lose their digits: rescale the data, or use euclidean"
    )]
    SquaresUnderflow {
        /// The largest absolute value of the data.
        largest: f64,
    },
    /// A sum of dissimilarities (the loss, or an estimate of a change of it) beyond `f64`'s
    /// range: values near 1e308, or weights that large.
    #[error(
        "the loss ({what}) overflows float64: rescale the data{}",
        if *weighted { " or the weights" } else { "" }
    )]
    LossOverflow {
        /// What was summed, e.g. "a weighted loss of 1.2e300 x 2^1000".
        what: String,
        /// Whether sample weights were in the sum.
        weighted: bool,
    },
    /// A parameter outside its range, named as the builder method that sets it.
    #[error("{name} must be {expected}, got {value}")]
    InvalidParameter {
        /// The parameter: `k`, `batch_size`, `build_confidence`, `threads`, ...
        name: &'static str,
        /// What it must be, e.g. `">= 1"`.
        expected: &'static str,
        /// The value given.
        value: String,
    },
    /// More clusters than objects.
    #[error("the number of clusters k = {k} exceeds the number of objects n = {n}")]
    TooManyClusters {
        /// Requested k.
        k: usize,
        /// Number of objects.
        n: usize,
    },
    /// A metric name that is not known.
    #[error("unknown metric '{0}'; expected one of {names}", names = crate::MetricName::name_list())]
    UnknownMetric(String),
    /// An algorithm name that is not known.
    #[error("unknown method '{0}'; expected one of {names}", names = crate::Algorithm::name_list())]
    UnknownAlgorithm(String),
    /// A parameter name that is not in [`crate::PARAMETERS`].
    #[error("unknown parameter '{name}'; expected one of {expected}")]
    UnknownParameter {
        /// The name given.
        name: String,
        /// The known names, comma-separated.
        expected: String,
    },
    /// The exponent of a Minkowski (Lp) distance is below 1 or not finite.
    #[error("the Minkowski exponent p must be a finite number >= 1, got {0}")]
    InvalidMinkowskiP(f64),
    /// The distance cache was asked for without the fixed reference permutation it is indexed by.
    #[error("use_cache needs use_perm: the cache is indexed by position in the fixed reference permutation")]
    CacheNeedsPermutation,
    /// More threads than the cap ([`crate::max_threads`]).
    #[error("{threads} threads requested, but at most {max} are allowed (4 per available core)")]
    TooManyThreads {
        /// The count asked for.
        threads: usize,
        /// The cap.
        max: usize,
    },
    /// The thread pool could not be created.
    #[error("could not start the thread pool: {0}")]
    ThreadPool(String),
    /// A dissimilarity too large for the `f32` matrix asked for.
    #[error("the dissimilarity {value} does not fit a float32 matrix: ask for a float64 matrix or none")]
    MatrixOverflow {
        /// The value.
        value: f64,
    },
    /// Initial medoids given by the caller are not usable.
    #[error("invalid initial medoids: {0}")]
    InvalidInitialMedoids(String),
    /// A buffer the fit needs is larger than its memory budget.
    #[error(
        "{what} needs {}, more than the memory budget of {}: raise the budget (Rust \
         memory_budget, Python memory_budget=, CLI --memory) or choose a method that needs less",
        human(*bytes), human(*budget)
    )]
    OverMemoryBudget {
        /// The buffer, e.g. `"the OneBatchPAM block"`.
        what: &'static str,
        /// Its size in bytes.
        bytes: usize,
        /// The budget in bytes.
        budget: usize,
    },
    /// The allocator refused a buffer the fit needs.
    #[error(
        "out of memory: could not allocate {} for {what}; lower the memory budget (Rust \
         memory_budget, Python memory_budget=, CLI --memory), use fewer points, or choose a method that needs less",
        human(*bytes)
    )]
    OutOfMemory {
        /// The buffer.
        what: &'static str,
        /// Its size in bytes.
        bytes: usize,
    },
    /// An observer asked the fit to stop.
    #[error("the fit was interrupted")]
    Interrupted,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `bytes` for people: `1.5 GiB`, `300 MiB`, `12 KiB`.
/// (Here rather than in `memory`, so that errors depend on no other module.)
pub(crate) fn human(bytes: usize) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
