//! Property tests over bytes for every parser of user input: CSV/TSV, `.npy`, `--columns`,
//! `--k-range`, `--init` and `--weights`. Each parser either returns a value that is what it
//! claims (a table of n x d finite values, positions within the table, ks within the data) or an
//! error; it never panics, and never allocates for a size it has not checked against the input
//! (a header claiming 2^60 values would abort the test run). A bounded number of cases runs in
//! every `cargo test`; `PROPTEST_CASES=100000 cargo test -p banditpam-cli fuzz` runs longer.

use std::path::{Path, PathBuf};

use clap::{Args, Command, FromArgMatches};
use proptest::prelude::*;

use crate::input::{
    column_positions, parse_columns, parse_weights, read_delimited, read_npy, Column, ReadOptions, Table,
};
use crate::options::{FitParameters, SchemaOptions};
use crate::{parse_k_range, CliError};

fn config() -> ProptestConfig {
    ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() }
}

/// Text made of what tables and option values are made of, so that cases reach deep into the
/// parsers (random bytes mostly stop at the first one).
fn table_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[0-9eE+\\-., \t\n\r#\"a-cx]{0,200}").unwrap()
}

fn option_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex("[0-9,\\- ]{0,40}").unwrap(),
        proptest::string::string_regex("[0-9]{1,25}(-[0-9]{1,25})?(,[0-9]{1,25}(-[0-9]{1,25})?){0,3}").unwrap(),
        any::<String>(),
    ]
}

/// A `.npy` file: the magic string, a version, a header length (true or not), a header of
/// fuzzed text or of a plausible dict with any shape, and some data bytes.
fn npy_bytes() -> impl Strategy<Value = Vec<u8>> {
    let dict = (
        prop_oneof![Just("<f8"), Just("<f4"), Just("<i4"), Just("|u1"), Just("<c16"), Just("|O")],
        any::<bool>(),
        proptest::collection::vec(prop_oneof![0u64..5, Just(1u64 << 40), Just(u64::MAX / 3), any::<u64>()], 0..4),
    )
        .prop_map(|(descr, fortran, shape)| {
            let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
            let comma = if dims.len() == 1 { "," } else { "" };
            format!(
                "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({}{comma}), }}",
                if fortran { "True" } else { "False" },
                dims.join(", ")
            )
        });
    let header = prop_oneof![dict, proptest::string::string_regex("[{}(), '0-9a-z:<]{0,80}").unwrap()];
    (1u8..4, header, any::<bool>(), any::<u32>(), proptest::collection::vec(any::<u8>(), 0..96)).prop_map(
        |(version, header, honest, claimed, data)| {
            let mut bytes = b"\x93NUMPY".to_vec();
            bytes.extend([version, 0]);
            let len = if honest { header.len() as u32 } else { claimed };
            if version == 1 {
                bytes.extend((len as u16).to_le_bytes());
            } else {
                bytes.extend(len.to_le_bytes());
            }
            bytes.extend(header.as_bytes());
            bytes.extend(data);
            bytes
        },
    )
}

fn path() -> PathBuf {
    PathBuf::from("fuzzed")
}

/// A table's claims hold: n x d values, all finite where the parser checks (`.npy` tables keep
/// non-finite values for the fit's own check, which names their row).
fn check_table(table: &Table, finite: bool) {
    match table {
        Table::F64 { values, n, d } => {
            assert_eq!(values.len(), n * d);
            assert!(!finite || values.iter().all(|v| v.is_finite()));
        }
        Table::F32 { values, n, d } => assert_eq!(values.len(), n * d),
        Table::Lines(_) => {}
    }
}

/// Every error is one line, as a message to a user.
fn check_message(error: &CliError) {
    let text = error.to_string();
    assert!(!text.is_empty() && !text.contains('\n'), "{text:?}");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn delimited_tables_parse_or_fail_cleanly(
        text in prop_oneof![table_text(), any::<String>()],
        tab in any::<bool>(),
        header in any::<bool>(),
        columns in proptest::option::of(option_text()),
        weight_column in proptest::option::of(1usize..6),
    ) {
        let columns = columns.and_then(|c| parse_columns(&c).ok()).map(|c| c.0);
        let options = ReadOptions { header, columns, weight_column: weight_column.map(Column::Number), delimiter: None };
        match read_delimited(text.as_bytes(), if tab { b'\t' } else { b',' }, &options, path()) {
            Ok((table, weights)) => {
                check_table(&table, true);
                if let (Table::F64 { n, .. }, Some(weights)) = (&table, &weights) {
                    assert_eq!(weights.len(), *n);
                }
            }
            Err(error) => check_message(&error),
        }
    }

    #[test]
    fn random_bytes_as_a_table_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Err(error) = read_delimited(&bytes, b',', &ReadOptions::default(), path()) {
            check_message(&error);
        }
    }

    #[test]
    fn npy_files_parse_or_fail_before_allocating(bytes in prop_oneof![npy_bytes(), proptest::collection::vec(any::<u8>(), 0..200)]) {
        match read_npy(&bytes, path()) {
            Ok(table) => {
                check_table(&table, false);
                // What was read came from the file: never more values than its bytes hold.
                let count = match &table { Table::F64 { values, .. } => values.len(), Table::F32 { values, .. } => values.len(), Table::Lines(l) => l.len() };
                assert!(count <= bytes.len());
            }
            Err(error) => check_message(&error),
        }
    }

    #[test]
    fn columns_parse_into_positions_within_the_table(text in option_text(), width in 0usize..40) {
        if let Ok(columns) = parse_columns(&text) {
            if let Ok(positions) = column_positions(&columns.0, None, width) {
                assert!(positions.iter().all(|&j| j < width));
                // At most one table width per column asked for: nothing sized by the numbers.
                assert!(positions.len() <= columns.0.len() * width.max(1));
            }
        }
    }

    #[test]
    fn k_ranges_give_ks_the_data_allows(text in option_text(), n in 1usize..2000) {
        if let Ok(range) = parse_k_range(&text) {
            match range.ks(n) {
                Ok(ks) => {
                    assert!(ks.len() <= n);
                    assert!(ks.iter().all(|&k| (2..=n).contains(&k)));
                }
                Err(error) => check_message(&error),
            }
        }
    }

    #[test]
    fn init_values_parse_or_fail_cleanly(text in prop_oneof![option_text(), Just("build".to_string()), Just("k-medoids++".to_string())]) {
        let command = SchemaOptions::<FitParameters>::augment_args(Command::new("t"));
        if let Ok(matches) = command.try_get_matches_from(["t", "--init", text.as_str()]) {
            if let Ok(options) = SchemaOptions::<FitParameters>::from_arg_matches(&matches) {
                // A parsed start sets the builder, or is refused by it with an error.
                let _ = options.apply(banditpam::KMedoids::new(3));
            }
        }
    }

    #[test]
    fn weight_files_parse_or_fail_cleanly(bytes in prop_oneof![table_text().prop_map(String::into_bytes), proptest::collection::vec(any::<u8>(), 0..200)]) {
        match parse_weights(&bytes, Path::new("weights")) {
            Ok(weights) => assert!(weights.len() <= bytes.len()),
            Err(error) => check_message(&error),
        }
    }
}
