//! The dissimilarities offered for dense vectors.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A dissimilarity between two dense vectors `x` and `y` of the same length.
///
/// ```
/// use banditpam::Metric;
/// let m: Metric = "manhattan".parse().unwrap();
/// assert_eq!(m, Metric::L1);
/// assert_eq!(Metric::L2.distance(&[0.0, 0.0], &[3.0, 4.0]), 5.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// Euclidean distance, `sqrt(sum (x_i - y_i)^2)`.
    L2,
    /// Squared Euclidean distance, `sum (x_i - y_i)^2`.
    SquaredL2,
    /// Manhattan distance, `sum |x_i - y_i|`.
    L1,
    /// Minkowski distance `(sum |x_i - y_i|^p)^(1/p)` for a finite `p >= 1`.
    Lp(f64),
    /// Chebyshev distance, `max |x_i - y_i|`.
    LInf,
    /// Cosine distance, `1 - x.y / (|x| |y|)`; 1 when exactly one vector is zero, 0 when both are.
    Cosine,
    /// Correlation distance, `1 - Pearson r`: the cosine distance of the mean-centred vectors.
    Correlation,
}

impl Metric {
    /// The exponent of a power of two near the metric's values on data whose largest absolute
    /// value is `largest` (0 for cosine and correlation, which do not depend on the scale).
    pub(crate) fn scale_exponent(self, largest: f64) -> i32 {
        let Some(exponent) = crate::scalar::binary_exponent(largest) else { return 0 };
        match self {
            Metric::SquaredL2 => 2 * exponent,
            Metric::Cosine | Metric::Correlation => 0,
            Metric::L1 | Metric::L2 | Metric::LInf | Metric::Lp(_) => exponent,
        }
    }

    /// Check the metric's parameter (the Minkowski exponent).
    pub fn validate(self) -> Result<Self> {
        match self {
            Metric::Lp(p) if !(p.is_finite() && p >= 1.0) => Err(Error::InvalidMinkowskiP(p)),
            _ => Ok(self),
        }
    }

    /// The metric on two slices, computed directly in `f64` (the reference the fast kernels are
    /// tested against; use the [`crate::DenseData`] block kernels for speed).
    pub fn distance<T: crate::Scalar>(self, x: &[T], y: &[T]) -> f64 {
        debug_assert_eq!(x.len(), y.len());
        let pairs = x.iter().zip(y).map(|(a, b)| (a.to_f64(), b.to_f64()));
        let largest = pairs.clone().map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        // Norms as `m (sum (|x - y| / m)^p)^(1/p)`, m the largest difference: no overflow or
        // underflow for very large or small values, or large p.
        let scaled_norm = |p: f64| {
            if largest == 0.0 {
                return 0.0;
            }
            largest * pairs.clone().map(|(a, b)| ((a - b).abs() / largest).powf(p)).sum::<f64>().powf(1.0 / p)
        };
        match self {
            Metric::L2 => scaled_norm(2.0),
            Metric::SquaredL2 => pairs.map(|(a, b)| (a - b) * (a - b)).sum(),
            Metric::L1 => pairs.map(|(a, b)| (a - b).abs()).sum(),
            Metric::Lp(p) => scaled_norm(p),
            Metric::LInf => largest,
            Metric::Cosine => {
                // Cosine does not change when either vector is scaled.
                let mx = x.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs())).max(f64::MIN_POSITIVE);
                let my = y.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs())).max(f64::MIN_POSITIVE);
                cosine_of(pairs.map(|(a, b)| (a / mx, b / my)))
            }
            Metric::Correlation => {
                let len = x.len().max(1) as f64;
                let mx = x.iter().map(|v| v.to_f64()).sum::<f64>() / len;
                let my = y.iter().map(|v| v.to_f64()).sum::<f64>() / len;
                cosine_of(x.iter().zip(y).map(|(a, b)| (a.to_f64() - mx, b.to_f64() - my)))
            }
        }
    }
}

/// `1 - cos` from the pairs, with the zero-vector conventions of [`Metric::Cosine`].
fn cosine_of(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let (mut dot, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for (a, b) in pairs {
        dot += a * b;
        xx += a * a;
        yy += b * b;
    }
    cosine_from_parts(dot, xx.sqrt(), yy.sqrt())
}

/// `1 - dot / (nx ny)` clamped to `[0, 2]`, with the zero-vector conventions.
#[inline]
pub(crate) fn cosine_from_parts(dot: f64, norm_x: f64, norm_y: f64) -> f64 {
    match (norm_x == 0.0, norm_y == 0.0) {
        (true, true) => 0.0,
        (true, false) | (false, true) => 1.0,
        _ => (1.0 - dot / (norm_x * norm_y)).clamp(0.0, 2.0),
    }
}

/// What a dissimilarity name given by a user (a CLI option, a Python argument) denotes: a
/// metric on dense vectors, a precomputed matrix, or the edit distance between strings. The
/// command-line tool and the Python binding both parse names here, so they accept the same ones.
///
/// ```
/// use banditpam::{Metric, MetricName, MetricParams, StringMetric};
/// assert_eq!(MetricName::parse("cityblock", None).unwrap(), MetricName::Dense(Metric::L1));
/// assert_eq!(MetricName::parse("minkowski", Some(3.0)).unwrap(), MetricName::Dense(Metric::Lp(3.0)));
/// assert_eq!(MetricName::parse("lp:3", None).unwrap(), MetricName::Dense(Metric::Lp(3.0)));
/// assert_eq!(MetricName::parse("precomputed", None).unwrap(), MetricName::Precomputed);
/// assert_eq!(MetricName::parse("jaro-winkler", None).unwrap(), MetricName::Strings(StringMetric::JaroWinkler));
/// let dtw = MetricParams { window: Some(20), ..MetricParams::default() };
/// assert_eq!(MetricName::parse_with("dtw", dtw).unwrap(), MetricName::Dtw { window: Some(20) });
/// assert!(MetricName::parse("hammming", None).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricName {
    /// A metric on dense vectors.
    Dense(Metric),
    /// The data is an n x n dissimilarity matrix, `D[m][x] = d(m, x)`.
    Precomputed,
    /// The data is a list of strings, compared by a [`StringMetric`].
    Strings(StringMetric),
    /// The data is a list of series of numbers, compared by dynamic time warping ([`crate::dtw`])
    /// within `window` steps of the diagonal (`None`: no band).
    Dtw {
        /// The Sakoe-Chiba band's half-width.
        window: Option<usize>,
    },
    /// The data is a list of trees in bracket notation, compared by
    /// [`crate::tree_edit_distance`].
    TreeEdit,
}

/// A dissimilarity between strings, counted in Unicode scalar values (`char`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringMetric {
    /// Insertions, deletions and substitutions.
    Levenshtein,
    /// Insertions, deletions, substitutions and transpositions of adjacent characters, with no
    /// restriction on editing a substring more than once (the unrestricted distance).
    DamerauLevenshtein,
    /// Optimal string alignment: Damerau-Levenshtein where no substring is edited twice.
    Osa,
    /// Insertions and deletions only.
    Indel,
    /// Substitutions only, between strings of equal length.
    Hamming,
    /// `1 - ` the Jaro-Winkler similarity (prefix weight 0.1), in `[0, 1]`.
    JaroWinkler,
}

impl StringMetric {
    /// Every string metric, in the order they are listed to users.
    pub const ALL: [StringMetric; 6] = [
        StringMetric::Levenshtein,
        StringMetric::DamerauLevenshtein,
        StringMetric::Osa,
        StringMetric::Indel,
        StringMetric::Hamming,
        StringMetric::JaroWinkler,
    ];

    /// The metric's name, as `MetricName::parse` reads it.
    pub fn name(self) -> &'static str {
        match self {
            StringMetric::Levenshtein => "levenshtein",
            StringMetric::DamerauLevenshtein => "damerau-levenshtein",
            StringMetric::Osa => "osa",
            StringMetric::Indel => "indel",
            StringMetric::Hamming => "hamming",
            StringMetric::JaroWinkler => "jaro-winkler",
        }
    }
}

/// The parameters a metric takes, as the surfaces pass them (`metric_params` in Python,
/// `--metric-param` on the command line): typed here, so that no surface parses them itself.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MetricParams {
    /// The Minkowski exponent (`minkowski`), default 2.
    pub p: Option<f64>,
    /// The DTW window (`dtw`), default none.
    pub window: Option<usize>,
}

impl MetricParams {
    /// The parameter names, for messages and the surfaces' parsers.
    pub const NAMES: [&'static str; 2] = ["p", "window"];

    /// Sets the parameter `name` from its text (`window=20` on the command line).
    ///
    /// Errors: [`Error::InvalidParameter`] for an unknown name or a value that does not read.
    pub fn set_text(&mut self, name: &str, text: &str) -> Result<()> {
        let bad = |expected: &'static str| Error::InvalidParameter {
            name: "metric parameter",
            expected,
            value: format!("{name}={text}"),
        };
        match name.trim() {
            "p" => self.p = Some(text.trim().parse().map_err(|_| bad("p=<a number >= 1>"))?),
            "window" => self.window = Some(text.trim().parse().map_err(|_| bad("window=<an integer >= 1>"))?),
            _ => return Err(bad("one of p (minkowski), window (dtw)")),
        }
        Ok(())
    }
}

/// What each name (lower case) means; `None` marks "minkowski", whose exponent comes apart.
const NAMES: &[(&str, Option<MetricName>)] = &[
    ("euclidean", Some(MetricName::Dense(Metric::L2))),
    ("l2", Some(MetricName::Dense(Metric::L2))),
    ("sqeuclidean", Some(MetricName::Dense(Metric::SquaredL2))),
    ("sql2", Some(MetricName::Dense(Metric::SquaredL2))),
    ("squared_l2", Some(MetricName::Dense(Metric::SquaredL2))),
    ("manhattan", Some(MetricName::Dense(Metric::L1))),
    ("cityblock", Some(MetricName::Dense(Metric::L1))),
    ("l1", Some(MetricName::Dense(Metric::L1))),
    ("chebyshev", Some(MetricName::Dense(Metric::LInf))),
    ("linf", Some(MetricName::Dense(Metric::LInf))),
    ("inf", Some(MetricName::Dense(Metric::LInf))),
    ("minkowski", None),
    ("cosine", Some(MetricName::Dense(Metric::Cosine))),
    ("cos", Some(MetricName::Dense(Metric::Cosine))),
    ("correlation", Some(MetricName::Dense(Metric::Correlation))),
    ("precomputed", Some(MetricName::Precomputed)),
    ("levenshtein", Some(MetricName::Strings(StringMetric::Levenshtein))),
    ("damerau-levenshtein", Some(MetricName::Strings(StringMetric::DamerauLevenshtein))),
    ("damerau_levenshtein", Some(MetricName::Strings(StringMetric::DamerauLevenshtein))),
    ("osa", Some(MetricName::Strings(StringMetric::Osa))),
    ("indel", Some(MetricName::Strings(StringMetric::Indel))),
    ("hamming", Some(MetricName::Strings(StringMetric::Hamming))),
    ("jaro-winkler", Some(MetricName::Strings(StringMetric::JaroWinkler))),
    ("jaro_winkler", Some(MetricName::Strings(StringMetric::JaroWinkler))),
    ("dtw", Some(MetricName::Dtw { window: None })),
    ("tree-edit", Some(MetricName::TreeEdit)),
    ("tree_edit", Some(MetricName::TreeEdit)),
];

impl MetricName {
    /// Parse `name` (case-insensitive): any of [`MetricName::names`], or `lp:<p>` /
    /// `minkowski:<p>`. `p` is the Minkowski exponent for a bare `"minkowski"` (default 2);
    /// other metrics ignore it, as scikit-learn does.
    ///
    /// Errors: [`Error::UnknownMetric`], [`Error::InvalidMinkowskiP`].
    pub fn parse(name: &str, p: Option<f64>) -> Result<Self> {
        MetricName::parse_with(name, MetricParams { p, window: None })
    }

    /// [`MetricName::parse`] with every metric parameter: `window` goes to `dtw` (at least 1);
    /// a window given to another metric is an error, not ignored.
    ///
    /// Errors: those of [`MetricName::parse`]; [`Error::InvalidParameter`] naming `window`.
    pub fn parse_with(name: &str, params: MetricParams) -> Result<Self> {
        let p = params.p;
        let lower = name.trim().to_ascii_lowercase();
        let unknown = || Error::UnknownMetric(name.to_string());
        let parsed = match NAMES.iter().find(|(n, _)| *n == lower) {
            Some((_, Some(named))) => *named,
            Some((_, None)) => MetricName::Dense(Metric::Lp(p.unwrap_or(2.0))),
            None => {
                let exponent =
                    lower.strip_prefix("lp:").or_else(|| lower.strip_prefix("minkowski:")).ok_or_else(unknown)?;
                MetricName::Dense(Metric::Lp(exponent.parse().map_err(|_| unknown())?))
            }
        };
        if let MetricName::Dense(metric) = parsed {
            metric.validate()?;
        }
        match (parsed, params.window) {
            (MetricName::Dtw { .. }, Some(0)) => {
                Err(Error::InvalidParameter { name: "window", expected: ">= 1", value: "0".into() })
            }
            (MetricName::Dtw { .. }, window) => Ok(MetricName::Dtw { window }),
            (_, Some(window)) => Err(Error::InvalidParameter {
                name: "window",
                expected: "given only with metric dtw",
                value: format!("window={window} with metric {lower}"),
            }),
            (parsed, None) => Ok(parsed),
        }
    }

    /// Every accepted name (besides `lp:<p>`), in the order they are listed to users.
    pub fn names() -> Vec<&'static str> {
        NAMES.iter().map(|(n, _)| *n).collect()
    }

    /// [`MetricName::names`] comma-separated, with the `lp:<p>` form: for messages.
    pub fn name_list() -> String {
        let mut names = MetricName::names();
        names.push("lp:<p>");
        names.join(", ")
    }
}

impl fmt::Display for MetricName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricName::Dense(metric) => metric.fmt(f),
            MetricName::Precomputed => f.write_str("precomputed"),
            MetricName::Strings(metric) => f.write_str(metric.name()),
            MetricName::Dtw { .. } => f.write_str("dtw"),
            MetricName::TreeEdit => f.write_str("tree-edit"),
        }
    }
}

impl FromStr for Metric {
    type Err = Error;

    /// A metric on dense vectors by name (see [`MetricName::parse`]; "minkowski" means p = 2).
    fn from_str(name: &str) -> Result<Self> {
        match MetricName::parse(name, None)? {
            MetricName::Dense(metric) => Ok(metric),
            _ => Err(Error::UnknownMetric(name.to_string())),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::L2 => f.write_str("l2"),
            Metric::SquaredL2 => f.write_str("sqeuclidean"),
            Metric::L1 => f.write_str("l1"),
            Metric::Lp(p) => write!(f, "lp:{p}"),
            Metric::LInf => f.write_str("linf"),
            Metric::Cosine => f.write_str("cosine"),
            Metric::Correlation => f.write_str("correlation"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_name_and_rejects_bad_ones() {
        assert_eq!("Euclidean".parse::<Metric>().unwrap(), Metric::L2);
        assert_eq!("cityblock".parse::<Metric>().unwrap(), Metric::L1);
        assert_eq!("lp:3".parse::<Metric>().unwrap(), Metric::Lp(3.0));
        assert_eq!("chebyshev".parse::<Metric>().unwrap(), Metric::LInf);
        assert_eq!("cos".parse::<Metric>().unwrap(), Metric::Cosine);
        assert!(matches!("hamming".parse::<Metric>(), Err(Error::UnknownMetric(_))));
        assert!(matches!("lp:0.5".parse::<Metric>(), Err(Error::InvalidMinkowskiP(_))));
        assert!(matches!("lp:x".parse::<Metric>(), Err(Error::UnknownMetric(_))));
        assert!(matches!("levenshtein".parse::<Metric>(), Err(Error::UnknownMetric(_))));
        assert_eq!(MetricName::parse("Levenshtein", None).unwrap(), MetricName::Strings(StringMetric::Levenshtein));
        let window = MetricParams { window: Some(3), ..MetricParams::default() };
        assert!(matches!(MetricName::parse_with("l2", window), Err(Error::InvalidParameter { name: "window", .. })));
        let zero = MetricParams { window: Some(0), ..MetricParams::default() };
        assert!(matches!(MetricName::parse_with("dtw", zero), Err(Error::InvalidParameter { name: "window", .. })));
        assert!(matches!(MetricName::parse("minkowski", Some(0.5)), Err(Error::InvalidMinkowskiP(_))));
        for name in MetricName::names() {
            let parsed = MetricName::parse(name, None).unwrap();
            assert_eq!(MetricName::parse(&parsed.to_string(), None).unwrap(), parsed, "{name}");
        }
        for m in [
            Metric::L2,
            Metric::SquaredL2,
            Metric::L1,
            Metric::Lp(2.5),
            Metric::LInf,
            Metric::Cosine,
            Metric::Correlation,
        ] {
            assert_eq!(m.to_string().parse::<Metric>().unwrap(), m);
        }
    }

    #[test]
    fn direct_formulas_on_small_vectors() {
        let x = [1.0f64, 2.0, 3.0];
        let y = [4.0f64, 0.0, 3.0];
        assert!((Metric::L2.distance(&x, &y) - 13f64.sqrt()).abs() < 1e-15);
        assert_eq!(Metric::SquaredL2.distance(&x, &y), 13.0);
        assert_eq!(Metric::L1.distance(&x, &y), 5.0);
        assert_eq!(Metric::LInf.distance(&x, &y), 3.0);
        assert!((Metric::Lp(3.0).distance(&x, &y) - 35f64.cbrt()).abs() < 1e-12);
        let cos = 1.0 - 13.0 / (14f64.sqrt() * 5.0);
        assert!((Metric::Cosine.distance(&x, &y) - cos).abs() < 1e-15);
        assert_eq!(Metric::Cosine.distance(&[0.0f64, 0.0], &[1.0, 0.0]), 1.0);
        assert!(Metric::Correlation.distance(&[1.0f64, 2.0, 3.0], &[2.0, 4.0, 6.0]) < 1e-15);
        assert!((Metric::Correlation.distance(&[1.0f64, 2.0, 3.0], &[3.0, 2.0, 1.0]) - 2.0).abs() < 1e-15);
    }
}
