//! The fit parameters as command-line options, made from the core's parameter table
//! (`banditpam::PARAMETERS`): one option per parameter with a flag, its help, default and
//! parser from the table, so the tool lists no parameter of its own.

use std::marker::PhantomData;

use banditpam::{KMedoids, Parameter, Value, PARAMETERS};
use clap::{Arg, ArgMatches, Command, FromArgMatches};

/// Which of the table's parameters a command takes.
pub trait Selection {
    /// Whether the command has an option for `parameter` (only parameters with a flag).
    fn includes(parameter: &Parameter) -> bool;
}

/// Every parameter with a flag: the options of `fit`, `select-k` and `demo`.
pub struct FitParameters;

impl Selection for FitParameters {
    fn includes(parameter: &Parameter) -> bool {
        parameter.flag.is_some()
    }
}

/// Threads and memory only: the options of `swap-gap`, which runs no search.
pub struct ResourceParameters;

impl Selection for ResourceParameters {
    fn includes(parameter: &Parameter) -> bool {
        parameter.flag.is_some() && matches!(parameter.name, "threads" | "memory_budget")
    }
}

/// The values given for the selected parameters (and the defaults of those with one).
pub struct SchemaOptions<S> {
    values: Vec<(&'static Parameter, Value)>,
    selection: PhantomData<S>,
}

impl<S> Default for SchemaOptions<S> {
    /// No option given: every parameter at its default.
    fn default() -> Self {
        SchemaOptions { values: Vec::new(), selection: PhantomData }
    }
}

impl<S: Selection> SchemaOptions<S> {
    fn selected() -> impl Iterator<Item = &'static Parameter> {
        PARAMETERS.iter().filter(|p| S::includes(p))
    }

    /// `model` with every given value set.
    pub fn apply(&self, model: KMedoids) -> Result<KMedoids, banditpam::Error> {
        self.values.iter().try_fold(model, |model, (parameter, value)| model.set(parameter.name, value.clone()))
    }

    /// The value given for the parameter the builder calls `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(p, _)| p.name == name).map(|(_, v)| v)
    }

    /// The value of a count parameter such as `threads`, if given.
    pub fn count(&self, name: &str) -> Option<usize> {
        match self.get(name) {
            Some(Value::Count(c)) => usize::try_from(*c).ok(),
            _ => None,
        }
    }
}

impl<S: Selection> FromArgMatches for SchemaOptions<S> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut options = SchemaOptions::default();
        options.update_from_arg_matches(matches)?;
        Ok(options)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for parameter in Self::selected() {
            if let Some(value) = matches.get_one::<Value>(parameter.name) {
                self.values.retain(|(p, _)| p.name != parameter.name);
                self.values.push((parameter, value.clone()));
            }
        }
        Ok(())
    }
}

impl<S: Selection> clap::Args for SchemaOptions<S> {
    fn augment_args(command: Command) -> Command {
        Self::selected().fold(command, |command, parameter| {
            let kind = parameter.kind;
            let flag = parameter.flag.unwrap_or(parameter.name);
            let mut arg = Arg::new(parameter.name)
                .long(flag)
                .value_name(flag.to_uppercase().replace('-', "_"))
                .help(parameter.full_help())
                .value_parser(move |text: &str| kind.parse(text));
            if !kind.optional() {
                arg = arg.default_value(parameter.default);
            }
            command.arg(arg)
        })
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Args;

    fn parse(args: &[&str]) -> Result<SchemaOptions<FitParameters>, clap::Error> {
        let command = SchemaOptions::<FitParameters>::augment_args(Command::new("t"));
        SchemaOptions::from_arg_matches(
            &command.try_get_matches_from(std::iter::once("t").chain(args.iter().copied()))?,
        )
    }

    #[test]
    fn every_flagged_parameter_is_an_option_with_the_tables_help() {
        let command = SchemaOptions::<FitParameters>::augment_args(Command::new("t"));
        for parameter in PARAMETERS.iter().filter(|p| p.flag.is_some()) {
            let arg = command.get_arguments().find(|a| a.get_id() == parameter.name).expect(parameter.name);
            assert_eq!(arg.get_long(), parameter.flag);
            assert_eq!(arg.get_help().map(|h| h.to_string()), Some(parameter.full_help()));
        }
    }

    #[test]
    fn no_option_gives_the_builders_defaults() {
        let options = parse(&[]).unwrap();
        assert_eq!(options.apply(KMedoids::new(3)).unwrap(), KMedoids::new(3));
    }

    #[test]
    fn options_set_the_builder() {
        let options = parse(&["--method", "pam", "--memory", "1G", "--init", "0,2", "--use-cache", "false"]).unwrap();
        let expected = KMedoids::new(2)
            .algorithm(banditpam::Algorithm::Pam)
            .memory_budget(Some(1 << 30))
            .init(banditpam::Init::Medoids(vec![0, 2]))
            .use_cache(Some(false));
        assert_eq!(options.apply(KMedoids::new(2)).unwrap(), expected);
        assert_eq!(options.count("memory_budget"), Some(1 << 30));
        assert!(parse(&["--max-iter", "-3"]).is_err());
        assert!(parse(&["--memory", "4Q"]).is_err());
    }
}
