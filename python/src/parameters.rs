//! Python keyword arguments as core parameters, read through the core's one parameter table
//! (`banditpam::PARAMETERS`): each value is converted by its parameter's kind and applied by
//! name, so this file lists no parameter of its own.

use banditpam::{KMedoids, Kind, Parameter, Value, PARAMETERS};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};

use crate::errors::{to_py_err, type_name};

/// The Python keyword of a core parameter (the core's errors name its builder's names).
pub(crate) fn python_name(core: &str) -> &str {
    Parameter::named(core).map_or(core, |p| p.keyword)
}

/// The core builder with the keyword arguments applied; an unknown keyword is a TypeError.
pub(crate) fn builder(params: Option<&Bound<'_, PyDict>>) -> PyResult<KMedoids> {
    let mut model = KMedoids::new(1);
    for (key, value) in params.into_iter().flat_map(|d| d.iter()) {
        let key: String = key.extract()?;
        let Some(parameter) = Parameter::by_keyword(&key) else {
            let known: Vec<&str> = PARAMETERS.iter().map(|p| p.keyword).collect();
            return Err(PyTypeError::new_err(format!("unknown parameter {key:?}; expected one of {known:?}")));
        };
        model = model.set(parameter.name, value_of(parameter, &value)?).map_err(to_py_err)?;
    }
    Ok(model)
}

/// `value` as the core reads `parameter`: a TypeError or ValueError naming the keyword when it
/// is not of the parameter's kind.
fn value_of(parameter: &Parameter, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    let name = parameter.keyword;
    if value.is_none() && parameter.kind.optional() {
        return Ok(Value::Unset);
    }
    Ok(match parameter.kind {
        Kind::Count | Kind::OptionalCount | Kind::Bytes | Kind::Seed => {
            Value::Count(count_from(name, value, parameter.minimum)?)
        }
        Kind::Number => Value::Number(number(name, value)?),
        Kind::OptionalFlag => Value::Flag(flag(name, value)?),
        Kind::Method => Value::Text(
            value
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("{name} must be a str, got {}", type_name(value))))?,
        ),
        Kind::Init => match value.extract::<String>() {
            Ok(text) => Value::Text(text),
            Err(_) => {
                let indices: Vec<i64> = value.extract().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "{name} must be one of {:?} or a sequence of medoid indices, got {}",
                        banditpam::Init::NAMES,
                        type_name(value)
                    ))
                })?;
                Value::Indices(positions(name, &indices)?)
            }
        },
        Kind::Weights => Value::Numbers(value.extract().map_err(|_| {
            PyTypeError::new_err(format!("{name} must be a 1-D sequence of numbers, got {}", type_name(value)))
        })?),
    })
}

/// The table for Python: `(keyword, core name, flag, kind, default, help, R name)` per
/// parameter, the default as a Python value (None: unset).
pub(crate) fn table(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyAny>>> {
    PARAMETERS
        .iter()
        .map(|p| {
            let default = match p.kind.parse(p.default).map_err(PyValueError::new_err)? {
                Value::Count(c) => c.into_pyobject(py)?.into_any(),
                Value::Number(x) => x.into_pyobject(py)?.into_any(),
                Value::Text(t) => t.into_pyobject(py)?.into_any(),
                _ => py.None().into_bound(py),
            };
            let kind = format!("{:?}", p.kind);
            (p.keyword, p.name, p.flag, kind, default, p.full_help(), p.r_name()).into_pyobject(py).map(Bound::into_any)
        })
        .collect()
}

/// An int in `[minimum, 2^64 - 1]` (numpy integers too, bools not); a ValueError states the range.
fn count_from(name: &str, value: &Bound<'_, PyAny>, minimum: u64) -> PyResult<u64> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be an int, got bool")));
    }
    let wide: i128 = value
        .extract()
        .or_else(|_| value.extract::<u128>().map(|v| i128::try_from(v).unwrap_or(i128::MAX)))
        .map_err(|_| {
            // An int too large even for 128 bits is still an int: say the range, not the type.
            if value.is_instance_of::<pyo3::types::PyInt>() {
                PyValueError::new_err(format!("{name} must be an integer from {minimum} to {}, got {value}", u64::MAX))
            } else {
                PyTypeError::new_err(format!("{name} must be an int, got {}", type_name(value)))
            }
        })?;
    u64::try_from(wide).ok().filter(|&v| v >= minimum && usize::try_from(v).is_ok()).ok_or_else(|| {
        PyValueError::new_err(format!("{name} must be an integer from {minimum} to {}, got {wide}", usize::MAX))
    })
}

/// A non-negative int (numpy integers too, bools not), as a size.
pub(crate) fn count(name: &str, value: &Bound<'_, PyAny>) -> PyResult<usize> {
    // `count_from` admits only values that fit `usize`.
    count_from(name, value, 0).map(|v| v as usize)
}

/// A real number (ints too, bools not).
pub(crate) fn number(name: &str, value: &Bound<'_, PyAny>) -> PyResult<f64> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be a number, got bool")));
    }
    value.extract().map_err(|_| PyTypeError::new_err(format!("{name} must be a number, got {}", type_name(value))))
}

fn flag(name: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    value.extract().map_err(|_| PyTypeError::new_err(format!("{name} must be a bool, got {}", type_name(value))))
}

/// `None`, or a value read by `read`.
pub(crate) fn optional<T>(
    name: &str,
    value: &Bound<'_, PyAny>,
    read: fn(&str, &Bound<'_, PyAny>) -> PyResult<T>,
) -> PyResult<Option<T>> {
    if value.is_none() {
        Ok(None)
    } else {
        read(name, value).map(Some)
    }
}

/// Object indices from Python ints: a negative one is a ValueError naming `name`.
pub(crate) fn positions(name: &str, indices: &[i64]) -> PyResult<Vec<usize>> {
    indices
        .iter()
        .map(|&i| usize::try_from(i).map_err(|_| PyValueError::new_err(format!("{name} holds the negative index {i}"))))
        .collect()
}
