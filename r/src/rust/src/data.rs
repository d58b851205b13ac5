//! R data as the core's data, in one place. The R side (`R/data.R`) hands over a list
//! `list(kind, values, n, d, metric, p, window)`: `kind` "dense" (`values` the rows, row after
//! row), "precomputed" (an n x n matrix), "strings" or "trees" (a character vector) or
//! "series" (a list of numeric vectors).

use banditpam::{DenseData, Dissimilarity, MetricName, MetricParams, Precomputed, Series, Strings, Trees};
use extendr_api::prelude::*;

use crate::failure::Failure;
use crate::runtime::{run, Watch};

/// A computation on a data set of any kind.
pub(crate) type Job<'a, T> = &'a (dyn Fn(&dyn Dissimilarity, &Watch) -> banditpam::Result<T> + Sync);

fn field(spec: &List, name: &str) -> Result<Robj, Failure> {
    spec.dollar(name).map_err(|_| Failure::internal())
}

/// A whole number >= 0 from an R number (`what` names it in the message).
pub(crate) fn whole(value: &Robj, what: &str) -> Result<usize, Failure> {
    let number = value.as_real().or_else(|| value.as_integer().map(f64::from));
    match number {
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(53) => Ok(x as usize),
        _ => Err(Failure::value(format!("`{what}` must be a whole number >= 0, got {value:?}"))),
    }
}

fn metric(spec: &List) -> Result<MetricName, Failure> {
    let name = field(spec, "metric")?;
    let name = name.as_str().ok_or_else(|| Failure::wrong_type("`metric` must be a string"))?;
    let p = field(spec, "p")?;
    let window = field(spec, "window")?;
    let params = MetricParams {
        p: if p.is_null() {
            None
        } else {
            Some(p.as_real().ok_or_else(|| Failure::wrong_type("`p` must be a number"))?)
        },
        window: if window.is_null() { None } else { Some(whole(&window, "window")?) },
    };
    MetricName::parse_with(name, params).map_err(Failure::from)
}

/// Runs `job` on the data `spec` describes, on a worker thread watched from R's thread.
pub(crate) fn with_data<T: Send>(spec: &List, trace: bool, job: Job<'_, T>) -> Result<T, Failure> {
    let metric = metric(spec)?;
    let values = field(spec, "values")?;
    match metric {
        MetricName::Dense(dense) => {
            let (n, d) = (whole(&field(spec, "n")?, "n")?, whole(&field(spec, "d")?, "d")?);
            let values = values.as_real_slice().ok_or_else(|| Failure::wrong_type("`x` must be numeric"))?;
            let data = DenseData::new(values, n, d, dense)?;
            run(trace, |watch| job(&data, watch))
        }
        MetricName::Precomputed => {
            let n = whole(&field(spec, "n")?, "n")?;
            let values = values.as_real_slice().ok_or_else(|| Failure::wrong_type("a `dist` must be numeric"))?;
            let data = Precomputed::new(values, n, n)?;
            run(trace, |watch| job(&data, watch))
        }
        MetricName::Strings(string_metric) => {
            let words: Vec<String> =
                texts(&values, || format!("the {} metric needs a character vector", string_metric.name()))?;
            let data = Strings::new(&words, string_metric)?;
            run(trace, |watch| job(&data, watch))
        }
        MetricName::TreeEdit => {
            let texts =
                texts(&values, || "the tree-edit metric needs a character vector of trees such as {a{b}{c}}".into())?;
            let data = Trees::parse(&texts)?;
            run(trace, |watch| job(&data, watch))
        }
        MetricName::Dtw { window } => {
            let refuse = || Failure::wrong_type("the dtw metric needs a list of numeric vectors");
            let list = values.as_list().ok_or_else(refuse)?;
            let series: Vec<Vec<f64>> = list
                .values()
                .map(|item| {
                    item.as_real_vector()
                        .or_else(|| item.as_integer_slice().map(|s| s.iter().map(|&v| f64::from(v)).collect()))
                })
                .collect::<Option<_>>()
                .ok_or_else(refuse)?;
            let data = Series::new(&series, window)?;
            run(trace, |watch| job(&data, watch))
        }
    }
}

/// The strings of a character vector, refusing NA.
fn texts(values: &Robj, refuse: impl Fn() -> String) -> Result<Vec<String>, Failure> {
    let strings = values.as_str_iter().ok_or_else(|| Failure::wrong_type(refuse()))?;
    strings.map(|s| if s.is_na() { Err(Failure::value("`x` has NA strings")) } else { Ok(s.to_string()) }).collect()
}
