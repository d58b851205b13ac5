//! `banditpam`: k-medoids clustering from the command line.
//!
//! - `banditpam fit INPUT --k K ...` clusters a CSV/TSV/`.npy` file or a list of strings and
//!   writes a JSON result;
//! - `banditpam demo` (or a bare `banditpam`) clusters the bundled MNIST digits and draws the
//!   medoids.
//!
//! Bad input ends with a one-line message on stderr and exit code 2.

mod demo;
mod input;
mod progress;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use banditpam::{levenshtein, Algorithm, Clustering, DenseData, KMedoids, Metric, Objects, Observer, Precomputed};
use clap::{Parser, Subcommand};

use input::{Format, Table};
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
}

#[derive(Parser)]
#[command(
    name = "banditpam",
    version,
    about = "k-medoids clustering: BanditPAM++, PAM, FastPAM1, FasterPAM, OneBatchPAM"
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
}

#[derive(clap::Args)]
struct FitArgs {
    /// CSV/TSV of numbers, a .npy array, or one object per line (with --metric levenshtein);
    /// `-` reads standard input.
    input: PathBuf,
    /// Number of clusters.
    #[arg(short, long)]
    k: usize,
    /// l2, sqeuclidean, l1, lp:<p>, linf, cosine, correlation, levenshtein (strings, one per
    /// line) or precomputed (a square matrix, row = medoid).
    #[arg(long, default_value = "l2")]
    metric: String,
    #[command(flatten)]
    common: CommonArgs,
    /// Maximum number of swap iterations.
    #[arg(long, default_value_t = 100)]
    max_iter: usize,
    /// Input format.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
    /// The first line holds column names.
    #[arg(long)]
    header: bool,
    /// Write the JSON result here instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Also write the labels, one per line, to this file.
    #[arg(long)]
    labels: Option<PathBuf>,
}

/// Options shared by `fit` and `demo`.
#[derive(clap::Args)]
pub struct CommonArgs {
    /// banditpam++, banditpam, pam, fastpam1, fasterpam, onebatch or onebatch+swap.
    #[arg(long, default_value = "banditpam++")]
    pub method: String,
    /// Seed of the randomized methods.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: all cores); the result does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress (and for `fit`, no summary) on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

impl Default for CommonArgs {
    fn default() -> Self {
        CommonArgs { method: "banditpam++".into(), seed: 0, threads: None, quiet: false }
    }
}

impl CommonArgs {
    /// Checked parameters for `k` clusters.
    pub fn params(&self, k: usize, max_iter: usize) -> Result<KMedoids, CliError> {
        let algorithm: Algorithm = self.method.parse()?;
        Ok(KMedoids::new(k).algorithm(algorithm).seed(self.seed).max_iter(max_iter).threads(self.threads))
    }

    /// The method's canonical name.
    pub fn method_name(&self) -> Result<String, CliError> {
        Ok(self.method.parse::<Algorithm>()?.to_string())
    }

    /// The number of threads a fit will use.
    pub fn thread_count(&self) -> usize {
        self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |t| t.get()))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Fit(args)) => fit(&args),
        Some(Command::Demo(args)) => demo::run(&args),
        None => demo::run(&demo::DemoArgs::default()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

fn fit(args: &FitArgs) -> Result<(), CliError> {
    let params = args.common.params(args.k, args.max_iter)?;
    let metric_name = args.metric.trim().to_ascii_lowercase();
    let strings = metric_name == "levenshtein";
    let format = input::resolve(args.format, &args.input, strings);
    if strings != (format == Format::Lines) {
        return Err(CliError::Usage(if strings {
            "--metric levenshtein reads one string per line: use --format lines (or auto)".into()
        } else {
            "--format lines holds strings: use --metric levenshtein".into()
        }));
    }
    // Parse the metric before reading a possibly large file.
    let metric = match metric_name.as_str() {
        "levenshtein" | "precomputed" => None,
        name => Some(name.parse::<Metric>()?),
    };
    let table = input::read(&args.input, format, args.header)?;
    let progress = Progress::new(args.common.quiet);
    let (fit, n, d) = match (&table, metric) {
        (Table::Lines(words), _) => {
            let data = Objects::new(words, |a: &String, b: &String| levenshtein(a, b))?;
            (run(&params, &data, &progress)?, words.len(), None)
        }
        (Table::F32 { values, n, d }, Some(metric)) => {
            (run(&params, &DenseData::new(values, *n, *d, metric)?, &progress)?, *n, Some(*d))
        }
        (Table::F64 { values, n, d }, Some(metric)) => {
            (run(&params, &DenseData::new(values, *n, *d, metric)?, &progress)?, *n, Some(*d))
        }
        (Table::F32 { values, n, d }, None) => (run(&params, &Precomputed::new(values, *n, *d)?, &progress)?, *n, None),
        (Table::F64 { values, n, d }, None) => (run(&params, &Precomputed::new(values, *n, *d)?, &progress)?, *n, None),
    };
    progress.finish();
    let run = Run {
        n,
        d,
        k: args.k,
        metric: metric.map_or(metric_name, |m| m.to_string()),
        method: args.common.method_name()?,
        seed: args.common.seed,
        threads: args.common.thread_count(),
    };
    let report = Report::new(run, fit);
    let json = serde_json::to_string(&report).map_err(|e| CliError::Usage(e.to_string()))?;
    match &args.output {
        Some(path) => write_file(path, &(json + "\n"))?,
        None => println!("{json}"),
    }
    if let Some(path) = &args.labels {
        let lines: String = report.fit.labels.iter().map(|l| format!("{l}\n")).collect();
        write_file(path, &lines)?;
    }
    if !args.common.quiet {
        eprintln!("{}", report.summary());
    }
    Ok(())
}

fn run<D: banditpam::Dissimilarity + ?Sized>(
    params: &KMedoids,
    data: &D,
    observer: &dyn Observer,
) -> Result<Clustering, CliError> {
    Ok(params.fit_with_observer(data, observer)?)
}

/// Writes `text` to `path`, naming the path on failure.
pub fn write_file(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|e| CliError::Io { path: path.to_path_buf(), message: e.to_string() })
}
