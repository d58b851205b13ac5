//! Why a call failed, as the R side raises it: a condition class and a message that names
//! parameters by their R names. The R functions turn it into a classed R error
//! (`R/conditions.R`), so no error jumps out over Rust frames.

use banditpam::{Error, Parameter, PARAMETERS};
use extendr_api::prelude::*;

/// A failed call: `class` is the most specific R condition class.
#[derive(Debug)]
pub(crate) struct Failure {
    class: &'static str,
    message: String,
}

impl Failure {
    /// Bad input: a value out of range, data the metric cannot read.
    pub(crate) fn value(message: impl Into<String>) -> Self {
        Failure { class: "kmedoids_value_error", message: message.into() }
    }

    /// Input of the wrong type.
    pub(crate) fn wrong_type(message: impl Into<String>) -> Self {
        Failure { class: "kmedoids_type_error", message: message.into() }
    }

    pub(crate) fn interrupted() -> Self {
        Failure { class: "kmedoids_interrupt", message: "interrupted by the user".into() }
    }

    pub(crate) fn internal() -> Self {
        Failure { class: "kmedoids_error", message: "internal error in banditpamrs: please report it".into() }
    }

    /// `list(ok = FALSE, class = , message = )`, what the R side raises.
    pub(crate) fn into_list(self) -> List {
        list!(ok = false, class = self.class, message = self.message)
    }
}

/// The R argument of the core's parameter `name`.
pub(crate) fn r_name(name: &str) -> String {
    PARAMETERS.iter().find(|p| p.name == name).map_or_else(|| name.to_string(), Parameter::r_name)
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        match error {
            Error::Interrupted => Failure::interrupted(),
            Error::OverMemoryBudget { .. } | Error::OutOfMemory { .. } => {
                Failure { class: "kmedoids_memory_error", message: error.to_string() }
            }
            Error::InvalidParameter { name, expected, value } => {
                Failure::value(format!("`{}` must be {expected}, got {value}", r_name(name)))
            }
            Error::TooManyClusters { k, n } => {
                Failure::value(format!("k = {k} must be at most the number of objects, n = {n}"))
            }
            Error::ThreadPool(_) => Failure { class: "kmedoids_error", message: error.to_string() },
            other => Failure::value(other.to_string()),
        }
    }
}

/// A successful call's result, or its failure, as one R list.
pub(crate) fn reply(result: Result<List, Failure>) -> List {
    result.unwrap_or_else(Failure::into_list)
}
