//! `banditpam`: k-medoids clustering from the command line.
//!
//! - `banditpam fit INPUT --k K ...` clusters a CSV/TSV/`.npy` file or a list of strings and
//!   writes a JSON result;
//! - `banditpam swap-gap INPUT --medoids 3,17,42` certifies how close medoids are to a
//!   swap-local optimum (the best single swap, scored exactly, as JSON);
//! - `banditpam demo` (or a bare `banditpam`) clusters the bundled MNIST digits and draws the
//!   medoids.
//!
//! Bad input ends with a one-line message on stderr and exit code 2.

mod demo;
#[cfg(test)]
mod fuzz;
mod input;
mod options;
mod output;
mod progress;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use banditpam::{
    Algorithm, Clustering, DenseData, Dissimilarity, KMedoids, KScore, MetricName, MetricParams, Observer, Precomputed,
    Series, Strings, Trees, Value,
};
use clap::{Parser, Subcommand};

use input::{Format, Table};
use options::{FitParameters, ResourceParameters, SchemaOptions};
use output::StagedFile;
use progress::Progress;
use report::{Report, Run};

/// Why the tool stopped without a result.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be opened, read or written.
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    /// A file's content is not what the format needs.
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    /// The clustering itself refused the input or parameters.
    #[error("{0}")]
    Core(#[from] banditpam::Error),
    /// Options that do not go together.
    #[error("{0}")]
    Usage(String),
    /// Standard output was closed by its reader (`| head`): stop quietly.
    #[error("standard output was closed")]
    ClosedOutput,
}

#[derive(Parser)]
#[command(
    name = "banditpam",
    version,
    about = "k-medoids clustering: BanditPAM++, PAM, FastPAM1, FasterPAM, OneBatchPAM, nearswap",
    // Help fits a page and the documentation site, however wide the terminal.
    max_term_width = 88
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Cluster a file and write the result as JSON.
    Fit(FitArgs),
    /// Cluster the bundled MNIST test digits and draw the medoids (the default command).
    Demo(demo::DemoArgs),
    /// Fit every k of a range, score each by its silhouette, and report the best k as JSON.
    SelectK(SelectKArgs),
    /// Score every single swap of the given medoids exactly (about n^2 distances, no matrix)
    /// and report the best as JSON: a gap of 0 means no swap lowers the loss.
    SwapGap(SwapGapArgs),
}

#[derive(clap::Args)]
struct SwapGapArgs {
    #[command(flatten)]
    data: InputArgs,
    /// The medoids: 0-based row numbers, comma-separated (e.g. the `medoids` of a fit's JSON).
    #[arg(long, value_delimiter = ',', required = true)]
    medoids: Vec<usize>,
    #[command(flatten)]
    resources: SchemaOptions<ResourceParameters>,
    /// No progress on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Write the JSON result here instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Where the data comes from and how to compare it (shared by `fit` and `select-k`).
#[derive(clap::Args)]
struct InputArgs {
    /// CSV/TSV of numbers, a .npy array, or one object per line (with an object metric);
    /// `-` reads standard input.
    input: PathBuf,
    /// On rows of numbers: l2 (euclidean), sqeuclidean, l1 (manhattan, cityblock), lp:<p>
    /// (minkowski:<p>), linf (chebyshev), cosine, correlation, or precomputed (a square matrix,
    /// row = medoid). On one object per line: levenshtein, damerau-levenshtein, osa, indel,
    /// hamming or jaro-winkler (strings); dtw (series: comma-separated numbers, lengths may
    /// differ); tree-edit (trees in bracket notation, {a{b}{c}}).
    #[arg(long, default_value = "l2")]
    metric: String,
    /// A parameter of the metric, NAME=VALUE, repeatable: window=20 (dtw's Sakoe-Chiba band),
    /// p=3 (minkowski).
    #[arg(long = "metric-param", value_name = "NAME=VALUE")]
    metric_params: Vec<String>,
    /// Input format.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
    /// The field delimiter of a CSV/TSV table (one character, or \t), instead of the
    /// format's: e.g. ';' for semicolon-separated files.
    #[arg(long, value_parser = input::parse_delimiter)]
    delimiter: Option<u8>,
    /// The first line holds column names.
    #[arg(long)]
    header: bool,
    /// Keep only these columns of a table: 1-based numbers, ranges or header names, e.g.
    /// `2-5,9` or `height,weight` (names need --header).
    #[arg(long, value_parser = input::parse_columns)]
    columns: Option<input::Columns>,
    /// Sample weights, one number per line (the loss becomes sum_j w_j min_i d(i, j)).
    #[arg(long, conflicts_with = "weight_column")]
    weights: Option<PathBuf>,
    /// Read the sample weights from this CSV/TSV column (a 1-based number or a header name);
    /// the column is then not a feature.
    #[arg(long, value_parser = input::parse_columns)]
    weight_column: Option<input::Columns>,
}

#[derive(clap::Args)]
struct FitArgs {
    #[command(flatten)]
    data: InputArgs,
    /// Number of clusters.
    #[arg(short, long)]
    k: usize,
    #[command(flatten)]
    common: CommonArgs,
    /// Write the JSON result here instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Also write the labels, one per line, to this file.
    #[arg(long)]
    labels: Option<PathBuf>,
}

#[derive(clap::Args)]
struct SelectKArgs {
    #[command(flatten)]
    data: InputArgs,
    /// The numbers of clusters to try, each at least 2: a range `2-10` or a list `2,4,8`.
    #[arg(long, value_parser = parse_k_range)]
    k_range: KRange,
    /// The criterion: medoid_silhouette (k n distances per k) or silhouette (exact, n^2).
    #[arg(long, default_value = "medoid_silhouette", value_parser = parse_score)]
    score: KScore,
    #[command(flatten)]
    common: CommonArgs,
    /// Write the JSON result here instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// The value of `--k-range`: ranges `(a, b)`, both ends included, kept unexpanded until the data's
/// size bounds them (so `2-1000000000000` allocates nothing).
#[derive(Debug, Clone)]
struct KRange(Vec<(usize, usize)>);

impl KRange {
    /// The smallest k asked for.
    fn smallest(&self) -> usize {
        self.0.iter().map(|&(a, _)| a).min().unwrap_or(2)
    }

    /// Every k, in the order given, once each range is known to fit `n` objects (and all of
    /// them together: repeated ranges could otherwise ask for more values than memory holds).
    fn ks(&self, n: usize) -> Result<Vec<usize>, CliError> {
        let count = self.0.iter().fold(0usize, |total, &(a, b)| total.saturating_add(b - a + 1));
        match self.0.iter().map(|&(_, b)| b).max() {
            Some(largest) if largest > n => Err(CliError::Usage(format!(
                "--k-range reaches k = {largest}, but the data has {n} objects: each k must be at most {n}"
            ))),
            _ if count > n => Err(CliError::Usage(format!(
                "--k-range asks for {count} values of k; the data's {n} objects allow at most {n}"
            ))),
            _ => Ok(self.0.iter().flat_map(|&(a, b)| a..=b).collect()),
        }
    }
}

/// `2-10` or `2,4,8` (ranges and lists may mix); each k at least 2.
fn parse_k_range(text: &str) -> Result<KRange, String> {
    let mut ranges = Vec::new();
    for part in text.split(',').map(str::trim) {
        let number = |t: &str| match t.trim().parse::<usize>() {
            Ok(k) if k >= 2 => Ok(k),
            Ok(k) => Err(format!("k = {k} in {text:?}: each number of clusters must be at least 2")),
            Err(_) => Err(format!("cannot read {t:?} as a number of clusters")),
        };
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(part)?, number(part)?),
        };
        if a > b {
            return Err(format!("the range {a}-{b} runs backwards"));
        }
        ranges.push((a, b));
    }
    Ok(KRange(ranges))
}

fn parse_score(text: &str) -> Result<KScore, String> {
    text.parse().map_err(|e: banditpam::Error| e.to_string())
}

/// Options shared by `fit`, `select-k` and `demo`: the core's fit parameters, and quiet.
#[derive(clap::Args, Default)]
pub struct CommonArgs {
    #[command(flatten)]
    pub parameters: SchemaOptions<FitParameters>,
    /// No progress (and for `fit`, no summary) on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

impl CommonArgs {
    /// The parameters for `k` clusters (checked when the fit starts).
    pub fn params(&self, k: usize) -> Result<KMedoids, CliError> {
        Ok(self.parameters.apply(KMedoids::new(k))?)
    }

    /// The seed (the table's default unless given).
    pub fn seed(&self) -> u64 {
        match self.parameters.get("seed") {
            Some(Value::Count(seed)) => *seed,
            _ => 0,
        }
    }

    /// The method asked for, as given (`auto` unless given).
    pub fn method(&self) -> String {
        match self.parameters.get("algorithm") {
            Some(Value::Text(name)) => name.clone(),
            _ => Algorithm::default().to_string(),
        }
    }

    /// The number of threads a fit will use.
    pub fn thread_count(&self) -> usize {
        thread_count(self.parameters.count("threads"))
    }
}

/// The number of threads a job given `threads` will use.
fn thread_count(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |t| t.get()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Fit(args)) => fit(&args),
        Some(Command::Demo(args)) => demo::run(&args),
        Some(Command::SelectK(args)) => select_k(&args),
        Some(Command::SwapGap(args)) => swap_gap(&args),
        None => demo::run(&demo::DemoArgs::default()),
    };
    match outcome {
        Ok(()) | Err(CliError::ClosedOutput) => ExitCode::SUCCESS,
        Err(error) => {
            output::note(&format!("error: {error}"));
            ExitCode::from(2)
        }
    }
}

/// The metric and format of `args`, checked against each other before anything is read.
fn resolve_input(args: &InputArgs) -> Result<(MetricName, Format), CliError> {
    let mut params = MetricParams::default();
    for given in &args.metric_params {
        let (name, value) = given.split_once('=').ok_or_else(|| {
            CliError::Usage(format!("--metric-param takes NAME=VALUE (e.g. window=20), got {given:?}"))
        })?;
        params.set_text(name, value)?;
    }
    let metric = MetricName::parse_with(&args.metric, params)?;
    let objects = matches!(metric, MetricName::Strings(_) | MetricName::TreeEdit | MetricName::Dtw { .. });
    let format = input::resolve(args.format, &args.input, objects);
    if objects != (format == Format::Lines) {
        return Err(CliError::Usage(if objects {
            format!("--metric {metric} reads one object per line: use --format lines (or auto)")
        } else {
            "--format lines holds one object per line: use an object metric such as levenshtein, dtw or tree-edit"
                .into()
        }));
    }
    Ok((metric, format))
}

/// Reads the table `args` names, and its sample weights if given.
fn read_input(args: &InputArgs, format: Format) -> Result<(Table, Option<Vec<f64>>), CliError> {
    let weight_column = match args.weight_column.as_ref().map(|c| c.0.as_slice()) {
        None => None,
        Some([input::Column::Range(a, b)]) if a != b => {
            return Err(CliError::Usage("--weight-column takes one column".into()))
        }
        Some([column]) => Some(column.clone()),
        Some(_) => return Err(CliError::Usage("--weight-column takes one column".into())),
    };
    let options = input::ReadOptions {
        header: args.header,
        columns: args.columns.clone().map(|c| c.0),
        weight_column,
        delimiter: args.delimiter,
    };
    let (table, from_column) = input::read(&args.input, format, &options)?;
    let weights = match &args.weights {
        Some(path) => Some(input::read_weights(path)?),
        None => from_column,
    };
    Ok((table, weights))
}

/// `params` with the sample weights, if any.
fn weighted(params: KMedoids, weights: Option<Vec<f64>>) -> KMedoids {
    match weights {
        Some(weights) => params.weights(weights),
        None => params,
    }
}

/// Runs `job` on `table` compared as `metric` says; the one place the tool turns what it read
/// into the core's data. Returns the job's result, n and the number of columns (dense data).
fn on_table<T>(
    table: &Table,
    metric: MetricName,
    job: &dyn Fn(&dyn Dissimilarity) -> Result<T, CliError>,
) -> Result<(T, usize, Option<usize>), CliError> {
    Ok(match (table, metric) {
        (Table::Lines(lines), MetricName::Dtw { window }) => {
            let series = input::series(lines)?;
            (job(&Series::new(&series, window)?)?, lines.len(), None)
        }
        (Table::Lines(lines), MetricName::TreeEdit) => (job(&Trees::parse(lines)?)?, lines.len(), None),
        (Table::Lines(lines), MetricName::Strings(metric)) => (job(&Strings::new(lines, metric)?)?, lines.len(), None),
        (Table::Lines(_), _) => return Err(CliError::Usage("one object per line needs an object metric".into())),
        (Table::F32 { values, n, d }, MetricName::Dense(metric)) => {
            (job(&DenseData::new(values, *n, *d, metric)?)?, *n, Some(*d))
        }
        (Table::F64 { values, n, d }, MetricName::Dense(metric)) => {
            (job(&DenseData::new(values, *n, *d, metric)?)?, *n, Some(*d))
        }
        (Table::F32 { values, n, d }, _) => (job(&Precomputed::new(values, *n, *d)?)?, *n, None),
        (Table::F64 { values, n, d }, _) => (job(&Precomputed::new(values, *n, *d)?)?, *n, None),
    })
}

fn fit(args: &FitArgs) -> Result<(), CliError> {
    // Everything that can be checked before reading a possibly large file and fitting it.
    let params = args.common.params(args.k)?;
    params.check()?;
    let (metric, format) = resolve_input(&args.data)?;
    let output = args.output.as_deref().map(StagedFile::new).transpose()?;
    let labels = args.labels.as_deref().map(StagedFile::new).transpose()?;
    output::check_distinct(&[output.as_ref(), labels.as_ref()])?;

    let (table, weights) = read_input(&args.data, format)?;
    let params = weighted(params, weights);
    let progress = Progress::new(args.common.quiet);
    let (fit, n, d) = on_table(&table, metric, &|data| run(&params, data, &progress))?;
    progress.finish();
    let run = Run {
        n,
        d,
        k: args.k,
        metric: metric.to_string(),
        seed: args.common.seed(),
        threads: args.common.thread_count(),
    };
    let medoid_objects = medoid_objects(&table, &fit.medoids, metric);
    let report = Report::new(run, fit, medoid_objects);
    let json = serde_json::to_string(&report).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut files = Vec::new();
    if let Some(labels) = labels {
        files.push((labels, report.fit.labels.iter().map(|l| format!("{l}\n")).collect()));
    }
    match output {
        Some(file) => files.push((file, json + "\n")),
        None => output::print(&json)?,
    }
    output::write_all(files)?;
    if !args.common.quiet {
        output::note(&report.summary());
    }
    Ok(())
}

fn select_k(args: &SelectKArgs) -> Result<(), CliError> {
    let smallest = args.k_range.smallest();
    let params = args.common.params(smallest)?;
    params.check()?;
    let (metric, format) = resolve_input(&args.data)?;
    let output = args.output.as_deref().map(StagedFile::new).transpose()?;
    let (table, weights) = read_input(&args.data, format)?;
    let params = weighted(params, weights);
    let progress = Progress::new(args.common.quiet);
    let (found, n, _) = on_table(&table, metric, &|data| {
        let ks = args.k_range.ks(data.len())?;
        Ok(banditpam::select_k_with_observer(&params, data, &ks, args.score, &progress)?)
    })?;
    progress.finish();
    let report = report::SelectionReport::new(n, metric.to_string(), args.common.method(), args.score, &found);
    let json = serde_json::to_string(&report).map_err(|e| CliError::Usage(e.to_string()))?;
    match output {
        Some(file) => output::write_all(vec![(file, json + "\n")])?,
        None => output::print(&json)?,
    }
    if !args.common.quiet {
        output::note(&report.summary());
    }
    Ok(())
}

fn swap_gap(args: &SwapGapArgs) -> Result<(), CliError> {
    if args.data.weights.is_some() || args.data.weight_column.is_some() {
        return Err(CliError::Usage("swap-gap scores the unweighted loss: drop --weights / --weight-column".into()));
    }
    let (metric, format) = resolve_input(&args.data)?;
    let output = args.output.as_deref().map(StagedFile::new).transpose()?;
    let (table, _) = read_input(&args.data, format)?;
    let progress = Progress::new(args.quiet);
    let (found, n, _) = on_table(&table, metric, &|data| {
        Ok(banditpam::swap_gap(
            data,
            &args.medoids,
            args.resources.count("threads"),
            args.resources.count("memory_budget"),
            &progress,
        )?)
    })?;
    progress.finish();
    let report = serde_json::json!({
        "n": n,
        "k": args.medoids.len(),
        "metric": metric.to_string(),
        "medoids": args.medoids,
        "loss": found.loss,
        "gap": found.gap,
        "delta": found.delta,
        "swap": found.swap.map(|(position, object)| serde_json::json!({
            "position": position, "removed": args.medoids[position], "added": object
        })),
        "distance_evaluations": found.distance_evaluations,
    });
    let json = serde_json::to_string(&report).map_err(|e| CliError::Usage(e.to_string()))?;
    match output {
        Some(file) => output::write_all(vec![(file, json + "\n")])?,
        None => output::print(&json)?,
    }
    if !args.quiet {
        output::note(&format!("swap gap {:.3e} of the loss {:.6}", found.gap, found.loss));
    }
    Ok(())
}

/// The medoids themselves, for the JSON: each row of dense data, each string of text; none for
/// a precomputed matrix (its rows are distances, not objects).
fn medoid_objects(table: &Table, medoids: &[usize], metric: MetricName) -> Option<serde_json::Value> {
    use serde_json::Value;
    let rows = |d: usize, value: &dyn Fn(usize) -> f64| -> Value {
        medoids.iter().map(|&m| Value::from((0..d).map(|j| value(m * d + j)).collect::<Vec<f64>>())).collect()
    };
    match (table, metric) {
        (Table::Lines(words), _) => Some(medoids.iter().map(|&m| Value::from(words[m].as_str())).collect()),
        (_, MetricName::Precomputed) => None,
        (Table::F32 { values, d, .. }, _) => Some(rows(*d, &|i| f64::from(values[i]))),
        (Table::F64 { values, d, .. }, _) => Some(rows(*d, &|i| values[i])),
    }
}

fn run(params: &KMedoids, data: &dyn Dissimilarity, observer: &dyn Observer) -> Result<Clustering, CliError> {
    Ok(params.fit_with_observer(data, observer)?)
}
