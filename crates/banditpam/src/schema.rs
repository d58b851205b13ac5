//! The fit parameters, declared once: [`PARAMETERS`] holds each one's names on every surface,
//! its kind, its default and its help, and how it sets the [`KMedoids`] builder.
//!
//! The surfaces read this table instead of listing parameters themselves: the Python binding
//! converts keyword arguments by each parameter's [`Kind`] and applies them with
//! [`KMedoids::set`], and the R package does the same with its arguments' R names
//! ([`Parameter::r_name`]); the command-line tool makes one option per parameter that has a flag,
//! with this help and default, and parses its text with [`Kind::parse`]; the documentation's
//! parameter table and the Python stubs are generated from it. Adding a parameter is adding a
//! builder method and one row here.
//!
//! ```
//! use banditpam::{Algorithm, KMedoids, Value};
//! let by_name = KMedoids::new(3)
//!     .set("algorithm", Value::Text("fasterpam".into()))
//!     .and_then(|m| m.set("max_iter", Value::Count(20)))
//!     .unwrap();
//! assert_eq!(by_name, KMedoids::new(3).algorithm(Algorithm::FasterPam).max_iter(20));
//! assert!(KMedoids::new(3).set("max_iter", Value::Text("many".into())).is_err());
//! ```

use crate::error::{Error, Result};
use crate::init::Init;
use crate::params::KMedoids;

/// What values a parameter takes, and so how each surface reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A non-negative integer.
    Count,
    /// A non-negative integer, or unset (the default).
    OptionalCount,
    /// A number of bytes, or unset; as text, `4G`, `512M`, `64K` or a plain number.
    Bytes,
    /// A real number.
    Number,
    /// A boolean, or unset.
    OptionalFlag,
    /// A 64-bit seed.
    Seed,
    /// A method name ([`crate::Algorithm`]).
    Method,
    /// A start: a name ([`Init::NAMES`]) or k medoid indices; or unset.
    Init,
    /// One non-negative number per object; or unset.
    Weights,
}

impl Kind {
    /// What a value of this kind must be, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Kind::Count => "an integer >= 0",
            Kind::OptionalCount => "an integer >= 0 or unset",
            Kind::Bytes => "a number of bytes (e.g. 4G, 512M) or unset",
            Kind::Number => "a number",
            Kind::OptionalFlag => "true, false or unset",
            Kind::Seed => "an integer in [0, 2^64)",
            Kind::Method => "a method name",
            Kind::Init => "a start name, k medoid indices or unset",
            Kind::Weights => "a sequence of numbers or unset",
        }
    }

    /// Whether the parameter may be left unset (`None` in Python): its default then applies.
    pub fn optional(self) -> bool {
        matches!(self, Kind::OptionalCount | Kind::Bytes | Kind::OptionalFlag | Kind::Init | Kind::Weights)
    }

    /// The value of `text`, as the command line and the documentation's defaults spell it
    /// (`none` is unset for an optional kind).
    ///
    /// ```
    /// use banditpam::{Kind, Value};
    /// assert_eq!(Kind::Bytes.parse("4G").unwrap(), Value::Count(4 << 30));
    /// assert_eq!(Kind::OptionalFlag.parse("none").unwrap(), Value::Unset);
    /// assert!(Kind::Count.parse("-1").is_err());
    /// ```
    pub fn parse(self, text: &str) -> std::result::Result<Value, String> {
        let trimmed = text.trim();
        if self.optional() && trimmed.eq_ignore_ascii_case("none") {
            return Ok(Value::Unset);
        }
        let refuse = || format!("cannot read {text:?} as {}", self.expected());
        match self {
            Kind::Count | Kind::OptionalCount | Kind::Seed => trimmed.parse().map(Value::Count).map_err(|_| refuse()),
            Kind::Bytes => parse_bytes(trimmed).map(Value::Count),
            Kind::Number => trimmed.parse().map(Value::Number).map_err(|_| refuse()),
            Kind::OptionalFlag => match trimmed.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(Value::Flag(true)),
                "false" | "no" | "0" => Ok(Value::Flag(false)),
                _ => Err(refuse()),
            },
            Kind::Method | Kind::Init => Ok(Value::Text(trimmed.to_string())),
            Kind::Weights => trimmed
                .split(',')
                .map(|w| w.trim().parse::<f64>())
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(Value::Numbers)
                .map_err(|_| refuse()),
        }
    }
}

/// `4G`, `512M`, `64K` (powers of 1024) or a plain number of bytes, at least 1.
fn parse_bytes(text: &str) -> std::result::Result<u64, String> {
    let trimmed = text.trim_end_matches(['b', 'B']);
    let (number, unit) = match trimmed.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&trimmed[..i], c.to_ascii_uppercase()),
        _ => (trimmed, ' '),
    };
    let shift = match unit {
        ' ' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        'T' => 40,
        _ => return Err(format!("unknown unit in {text:?}: use K, M, G or T")),
    };
    let value: f64 = number.trim().parse().map_err(|_| format!("cannot read {text:?} as a size such as 4G"))?;
    let bytes = value * (1u64 << shift) as f64;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < usize::MAX as f64) {
        return Err(format!("{text:?} is not a usable size"));
    }
    Ok(bytes as u64)
}

/// A parameter's value as a surface hands it over, before the builder types it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Unset: the default (only for [`Kind::optional`] kinds).
    Unset,
    /// A non-negative integer.
    Count(u64),
    /// A real number.
    Number(f64),
    /// A boolean.
    Flag(bool),
    /// A name (a method, a start) or a start's indices as text (`3,17,42`).
    Text(String),
    /// Medoid indices.
    Indices(Vec<usize>),
    /// Numbers (sample weights).
    Numbers(Vec<f64>),
}

/// Why a row's setter did not take a value.
enum Refusal {
    /// A value of another kind than the parameter's.
    WrongKind,
    /// The value's text was read and refused (an unknown method name, ...).
    Refused(Error),
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Self {
        Refusal::Refused(error)
    }
}

type Setter = fn(KMedoids, Value) -> std::result::Result<KMedoids, Refusal>;

/// One fit parameter.
pub struct Parameter {
    /// The builder's name, used in the core's errors (`k`, `algorithm`, `threads`, ...).
    pub name: &'static str,
    /// The keyword in Python (`n_clusters`, `method`, `n_threads`, ...).
    pub keyword: &'static str,
    /// The command-line option without its dashes, if the tool has one (`method`, `memory`).
    pub flag: Option<&'static str>,
    /// What values it takes.
    pub kind: Kind,
    /// The least value of a count (0 for other kinds): the binding and the CLI state the range
    /// `[minimum, 2^64 - 1]` in their messages; [`KMedoids::check`] enforces it.
    pub minimum: u64,
    /// The default, as [`Kind::parse`] reads it (`none`: unset, the method's own choice).
    pub default: &'static str,
    /// What it does, in one paragraph.
    pub help: &'static str,
    set: Setter,
}

impl std::fmt::Debug for Parameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parameter").field("name", &self.name).field("kind", &self.kind).finish()
    }
}

impl Parameter {
    /// The parameter the builder calls `name`.
    pub fn named(name: &str) -> Result<&'static Parameter> {
        PARAMETERS.iter().find(|p| p.name == name).ok_or_else(|| Error::UnknownParameter {
            name: name.to_string(),
            expected: PARAMETERS.iter().map(|p| p.name).collect::<Vec<_>>().join(", "),
        })
    }

    /// The parameter Python calls `keyword`.
    pub fn by_keyword(keyword: &str) -> Option<&'static Parameter> {
        PARAMETERS.iter().find(|p| p.keyword == keyword)
    }

    /// The argument in R: the command-line option with `_` for `-` where there is one (R
    /// users write `cluster::pam`'s short names, as on the command line), else the builder's
    /// name.
    ///
    /// ```
    /// use banditpam::Parameter;
    /// let names = ["k", "algorithm", "memory_budget", "weights"].map(|n| Parameter::named(n).unwrap().r_name());
    /// assert_eq!(names, ["k", "method", "memory", "weights"]);
    /// ```
    pub fn r_name(&self) -> String {
        self.flag.map_or_else(|| self.name.to_string(), |flag| flag.replace('-', "_"))
    }

    /// The parameter R calls `name` ([`Parameter::r_name`]).
    pub fn by_r_name(name: &str) -> Option<&'static Parameter> {
        PARAMETERS.iter().find(|p| p.r_name() == name)
    }

    /// The help, followed by the accepted names where the kind has a fixed list.
    pub fn full_help(&self) -> String {
        match self.kind {
            Kind::Method => format!("{} One of: {}.", self.help, crate::Algorithm::name_list()),
            Kind::Init => format!("{} Names: {}.", self.help, Init::NAMES.join(", ")),
            _ => self.help.to_string(),
        }
    }
}

impl Value {
    fn count(self) -> std::result::Result<usize, Refusal> {
        match self {
            Value::Count(c) => usize::try_from(c).map_err(|_| Refusal::WrongKind),
            _ => Err(Refusal::WrongKind),
        }
    }

    fn optional_count(self) -> std::result::Result<Option<usize>, Refusal> {
        match self {
            Value::Unset => Ok(None),
            other => other.count().map(Some),
        }
    }

    fn number(self) -> std::result::Result<f64, Refusal> {
        match self {
            Value::Number(x) => Ok(x),
            Value::Count(c) => Ok(c as f64),
            _ => Err(Refusal::WrongKind),
        }
    }

    fn optional_flag(self) -> std::result::Result<Option<bool>, Refusal> {
        match self {
            Value::Unset => Ok(None),
            Value::Flag(b) => Ok(Some(b)),
            _ => Err(Refusal::WrongKind),
        }
    }

    fn text(self) -> std::result::Result<String, Refusal> {
        match self {
            Value::Text(t) => Ok(t),
            _ => Err(Refusal::WrongKind),
        }
    }
}

/// Every fit parameter, in the order the surfaces list them.
pub const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "k",
        keyword: "n_clusters",
        flag: None,
        kind: Kind::Count,
        minimum: 1,
        default: "8",
        help: "Number of clusters (medoids), between 1 and the number of objects.",
        set: |m, v| Ok(m.k(v.count()?)),
    },
    Parameter {
        name: "algorithm",
        keyword: "method",
        flag: Some("method"),
        kind: Kind::Method,
        minimum: 0,
        default: "auto",
        help: "The algorithm; auto picks by n, k and the memory budget (PAM's answer on small data, \
               onebatch+swap at k <= 10 up to 30,000 objects, fasterpam on the n x n matrix when it \
               fits up to 20,000, nearswap beyond) and the result names the method that ran.",
        set: |m, v| Ok(m.algorithm(v.text()?.parse()?)),
    },
    Parameter {
        name: "max_iter",
        keyword: "max_iter",
        flag: Some("max-iter"),
        kind: Kind::Count,
        minimum: 0,
        default: "100",
        help: "Maximum number of swap steps (passes over the candidates for the eager methods); 0 \
               returns the initial medoids.",
        set: |m, v| Ok(m.max_iter(v.count()?)),
    },
    Parameter {
        name: "init",
        keyword: "init",
        flag: Some("init"),
        kind: Kind::Init,
        minimum: 0,
        default: "none",
        help: "How the search starts: a named start or k medoid indices (0-based; comma-separated on \
               the command line); unset: the method's own (build, or random for fasterpam and \
               onebatch, sample for nearswap; auto's choice for auto).",
        set: |m, v| {
            Ok(match v {
                Value::Unset => m,
                Value::Text(text) => m.init(text.parse()?),
                Value::Indices(indices) => m.init(Init::Medoids(indices)),
                _ => return Err(Refusal::WrongKind),
            })
        },
    },
    Parameter {
        name: "n_init",
        keyword: "n_init",
        flag: Some("n-init"),
        kind: Kind::Count,
        minimum: 1,
        default: "1",
        help: "Run the search this many times from different seeds and keep the lowest loss; the \
               first run is the single run's.",
        set: |m, v| Ok(m.n_init(v.count()?)),
    },
    Parameter {
        name: "weights",
        keyword: "sample_weight",
        flag: None,
        kind: Kind::Weights,
        minimum: 0,
        default: "none",
        help: "The weight of each object in the loss, sum_j w_j min_i d(i, j): finite, non-negative, \
               with a positive sum.",
        set: |m, v| {
            Ok(match v {
                Value::Unset => m,
                Value::Numbers(weights) => m.weights(weights),
                _ => return Err(Refusal::WrongKind),
            })
        },
    },
    Parameter {
        name: "seed",
        keyword: "seed",
        flag: Some("seed"),
        kind: Kind::Seed,
        minimum: 0,
        default: "0",
        help: "Seed of every random choice (references, batches, random starts).",
        set: |m, v| match v {
            Value::Count(seed) => Ok(m.seed(seed)),
            _ => Err(Refusal::WrongKind),
        },
    },
    Parameter {
        name: "threads",
        keyword: "n_threads",
        flag: Some("threads"),
        kind: Kind::OptionalCount,
        minimum: 1,
        default: "none",
        help: "Worker threads (unset: all cores); the result does not depend on it.",
        set: |m, v| Ok(m.threads(v.optional_count()?)),
    },
    Parameter {
        name: "memory_budget",
        keyword: "memory_budget",
        flag: Some("memory"),
        kind: Kind::Bytes,
        minimum: 1,
        default: "none",
        help: "Bytes the fit's large buffers may take (an n x n matrix, the cache, OneBatchPAM's \
               block); unset: half the memory available.",
        set: |m, v| Ok(m.memory_budget(v.optional_count()?)),
    },
    Parameter {
        name: "build_confidence",
        keyword: "build_confidence",
        flag: Some("build-confidence"),
        kind: Kind::Number,
        minimum: 0,
        default: "3.0",
        help: "BanditPAM: the confidence c of BUILD's radius sigma * sqrt((c + ln n) / T); larger is \
               safer and slower.",
        set: |m, v| Ok(m.build_confidence(v.number()?)),
    },
    Parameter {
        name: "swap_confidence",
        keyword: "swap_confidence",
        flag: Some("swap-confidence"),
        kind: Kind::Number,
        minimum: 0,
        default: "5.0",
        help: "BanditPAM: the same confidence in SWAP.",
        set: |m, v| Ok(m.swap_confidence(v.number()?)),
    },
    Parameter {
        name: "batch_size",
        keyword: "batch_size",
        flag: Some("batch-size"),
        kind: Kind::Count,
        minimum: 1,
        default: "100",
        help: "BanditPAM: references sampled per round.",
        set: |m, v| Ok(m.batch_size(v.count()?)),
    },
    Parameter {
        name: "sigma_sample",
        keyword: "sigma_sample",
        flag: Some("sigma-sample"),
        kind: Kind::OptionalCount,
        minimum: 1,
        default: "none",
        help: "BanditPAM: references of each step's first batch, from which the spreads are \
               estimated (unset: n / 4 within [min(n, 100), 1000]).",
        set: |m, v| Ok(m.sigma_sample(v.optional_count()?)),
    },
    Parameter {
        name: "use_cache",
        keyword: "use_cache",
        flag: Some("use-cache"),
        kind: Kind::OptionalFlag,
        minimum: 0,
        default: "none",
        help: "BanditPAM: cache the distances to the first references of the fixed order (unset: on \
               for banditpam++, off for banditpam).",
        set: |m, v| Ok(m.use_cache(v.optional_flag()?)),
    },
    Parameter {
        name: "use_perm",
        keyword: "use_perm",
        flag: Some("use-perm"),
        kind: Kind::OptionalFlag,
        minimum: 0,
        default: "none",
        help: "BanditPAM: read references in one order for the whole fit (unset: on for banditpam++, \
               off for banditpam).",
        set: |m, v| Ok(m.use_perm(v.optional_flag()?)),
    },
    Parameter {
        name: "cache_width",
        keyword: "cache_width",
        flag: Some("cache-width"),
        kind: Kind::OptionalCount,
        minimum: 0,
        default: "none",
        help: "BanditPAM++: cached references per object (unset: as many as 1 GiB holds, up to n).",
        set: |m, v| Ok(m.cache_width(v.optional_count()?)),
    },
    Parameter {
        name: "onebatch_size",
        keyword: "onebatch_size",
        flag: Some("onebatch-size"),
        kind: Kind::OptionalCount,
        minimum: 1,
        default: "none",
        help: "OneBatchPAM: the size m of its batch of references (unset: 100 ln(n k) within [k, n]).",
        set: |m, v| Ok(m.onebatch_size(v.optional_count()?)),
    },
];

impl KMedoids {
    /// Sets the parameter the builder calls `name` (a [`Parameter::name`]) from a surface's
    /// value: the one way every surface applies parameters by name.
    ///
    /// Errors: [`Error::UnknownParameter`]; [`Error::InvalidParameter`] naming the parameter
    /// for a value of another kind; the parser's error for an unknown method or start name.
    /// The values' ranges are checked later, by [`KMedoids::check`].
    pub fn set(self, name: &str, value: Value) -> Result<KMedoids> {
        let parameter = Parameter::named(name)?;
        let shown = format!("{value:?}");
        (parameter.set)(self, value).map_err(|refusal| match refusal {
            Refusal::WrongKind => {
                Error::InvalidParameter { name: parameter.name, expected: parameter.kind.expected(), value: shown }
            }
            Refusal::Refused(error) => error,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_the_builders_default() {
        let fresh = KMedoids::new(8);
        for parameter in PARAMETERS {
            let value = parameter.kind.parse(parameter.default).unwrap();
            assert_eq!(fresh.clone().set(parameter.name, value).unwrap(), fresh, "{}", parameter.name);
        }
    }

    #[test]
    fn names_keywords_and_flags_are_unique() {
        for (i, a) in PARAMETERS.iter().enumerate() {
            for b in &PARAMETERS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.keyword, b.keyword);
                assert!(a.flag.is_none() || a.flag != b.flag, "{}", a.name);
            }
        }
    }

    #[test]
    fn every_parameter_refuses_a_value_of_another_kind() {
        for parameter in PARAMETERS {
            let other = match parameter.kind {
                Kind::Method | Kind::Init => Value::Number(1.5),
                _ => Value::Text("x".into()),
            };
            let error = KMedoids::new(2).set(parameter.name, other).unwrap_err();
            assert!(matches!(error, Error::InvalidParameter { name, .. } if name == parameter.name), "{error}");
        }
        assert!(matches!(KMedoids::new(2).set("nope", Value::Unset), Err(Error::UnknownParameter { .. })));
        assert!(matches!(KMedoids::new(2).set("k", Value::Unset), Err(Error::InvalidParameter { name: "k", .. })));
    }

    #[test]
    fn text_values_set_what_the_builder_methods_set() {
        let parsed = |name: &str, text: &str| {
            let kind = Parameter::named(name).unwrap().kind;
            KMedoids::new(2).set(name, kind.parse(text).unwrap()).unwrap()
        };
        assert_eq!(parsed("init", "3,1"), KMedoids::new(2).init(Init::Medoids(vec![3, 1])));
        assert_eq!(parsed("memory_budget", "2K"), KMedoids::new(2).memory_budget(Some(2048)));
        assert_eq!(parsed("use_cache", "false"), KMedoids::new(2).use_cache(Some(false)));
        assert_eq!(parsed("build_confidence", "7"), KMedoids::new(2).build_confidence(7.0));
        assert!(Kind::Bytes.parse("4Q").is_err() && Kind::Bytes.parse("0").is_err());
    }
}
