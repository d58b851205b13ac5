//! R arguments as the core's parameters: each named argument is looked up in the core's
//! parameter table by its R name and converted by the parameter's kind, so the R surface
//! lists no parameter of its own.

use banditpam::{KMedoids, Kind, Parameter, Value};
use extendr_api::prelude::*;

use crate::data::whole;
use crate::failure::Failure;

/// The builder for `k` and the named arguments `args` (NULL values leave the default).
pub(crate) fn builder(k: &Robj, args: &List) -> Result<KMedoids, Failure> {
    let mut model = KMedoids::new(whole(k, "k")?);
    for (name, value) in args.iter() {
        let parameter = Parameter::by_r_name(name).ok_or_else(|| {
            let known: Vec<String> = banditpam::PARAMETERS.iter().map(Parameter::r_name).collect();
            Failure::value(format!("unknown argument `{name}`; the arguments are {}", known.join(", ")))
        })?;
        model = model.set(parameter.name, value_of(parameter, &value)?)?;
    }
    Ok(model)
}

/// An R value as a value of `parameter`'s kind.
fn value_of(parameter: &Parameter, value: &Robj) -> Result<Value, Failure> {
    let name = parameter.r_name();
    let refuse = || Failure::value(format!("`{name}` must be {}, got {value:?}", parameter.kind.expected()));
    if value.is_null() {
        return if parameter.kind.optional() { Ok(Value::Unset) } else { Err(refuse()) };
    }
    let numbers = || {
        value.as_real_vector().or_else(|| value.as_integer_slice().map(|s| s.iter().map(|&v| f64::from(v)).collect()))
    };
    let scalar = || numbers().filter(|v| v.len() == 1).map(|v| v[0]);
    Ok(match parameter.kind {
        Kind::Count | Kind::OptionalCount | Kind::Seed => {
            if value.len() != 1 {
                return Err(refuse());
            }
            Value::Count(whole(value, &name)? as u64)
        }
        Kind::Bytes => match value.as_str() {
            Some(text) => parameter.kind.parse(text).map_err(|e| Failure::value(format!("`{name}`: {e}")))?,
            None => Value::Count(whole(value, &name)? as u64),
        },
        Kind::Number => Value::Number(scalar().filter(|x| x.is_finite()).ok_or_else(refuse)?),
        Kind::OptionalFlag => Value::Flag(value.as_bool().ok_or_else(refuse)?),
        Kind::Method => Value::Text(value.as_str().ok_or_else(refuse)?.to_string()),
        Kind::Init => match value.as_str() {
            Some(text) => Value::Text(text.to_string()),
            // R counts from 1.
            None => {
                let indices = numbers().ok_or_else(refuse)?;
                let positions = indices
                    .iter()
                    .map(|&i| if i.is_finite() && i >= 1.0 && i.fract() == 0.0 { Some(i as usize - 1) } else { None })
                    .collect::<Option<Vec<usize>>>()
                    .ok_or_else(|| {
                        Failure::value(format!("`init` must be object numbers from 1 to n, got {value:?}"))
                    })?;
                Value::Indices(positions)
            }
        },
        Kind::Weights => Value::Numbers(numbers().ok_or_else(refuse)?),
    })
}
