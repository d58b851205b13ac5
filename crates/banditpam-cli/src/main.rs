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
mod output;
mod progress;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use banditpam::{levenshtein, Algorithm, Clustering, DenseData, KMedoids, MetricName, Objects, Observer, Precomputed};
use clap::{Parser, Subcommand};

use input::{Format, Table};
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
    /// l2 (euclidean), sqeuclidean, l1 (manhattan, cityblock), lp:<p> (minkowski:<p>), linf
    /// (chebyshev), cosine, correlation, levenshtein (strings, one per line) or precomputed (a
    /// square matrix, row = medoid).
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
    /// The algorithm.
    #[arg(long, default_value = "banditpam++", help = method_help())]
    pub method: String,
    /// Seed of the randomized methods.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: all cores); the result does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Memory the fit's large buffers may take (an n x n matrix, the cache, OneBatchPAM's
    /// block), e.g. 4G, 512M or a number of bytes; default: half the available memory.
    #[arg(long, value_parser = parse_bytes)]
    pub memory: Option<usize>,
    /// No progress (and for `fit`, no summary) on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The help of `--method`, listing every method from the core's one list.
fn method_help() -> String {
    format!("The algorithm: {}", Algorithm::name_list())
}

/// `4G`, `512M`, `64K` (powers of 1024) or a plain number of bytes.
fn parse_bytes(text: &str) -> Result<usize, String> {
    let trimmed = text.trim().trim_end_matches(['b', 'B']);
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
    Ok(bytes as usize)
}

impl Default for CommonArgs {
    fn default() -> Self {
        CommonArgs { method: "banditpam++".into(), seed: 0, threads: None, memory: None, quiet: false }
    }
}

impl CommonArgs {
    /// The parameters for `k` clusters (checked when the fit starts).
    pub fn params(&self, k: usize, max_iter: usize) -> Result<KMedoids, CliError> {
        let algorithm: Algorithm = self.method.parse()?;
        Ok(KMedoids::new(k)
            .algorithm(algorithm)
            .seed(self.seed)
            .max_iter(max_iter)
            .threads(self.threads)
            .memory_budget(self.memory))
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
        Ok(()) | Err(CliError::ClosedOutput) => ExitCode::SUCCESS,
        Err(error) => {
            output::note(&format!("error: {error}"));
            ExitCode::from(2)
        }
    }
}

fn fit(args: &FitArgs) -> Result<(), CliError> {
    // Everything that can be checked before reading a possibly large file and fitting it.
    let params = args.common.params(args.k, args.max_iter)?;
    params.check()?;
    let metric = MetricName::parse(&args.metric, None)?;
    let strings = metric == MetricName::Levenshtein;
    let format = input::resolve(args.format, &args.input, strings);
    if strings != (format == Format::Lines) {
        return Err(CliError::Usage(if strings {
            "--metric levenshtein reads one string per line: use --format lines (or auto)".into()
        } else {
            "--format lines holds strings: use --metric levenshtein".into()
        }));
    }
    let output = args.output.as_deref().map(StagedFile::new).transpose()?;
    let labels = args.labels.as_deref().map(StagedFile::new).transpose()?;

    let table = input::read(&args.input, format, args.header)?;
    let progress = Progress::new(args.common.quiet);
    let (fit, n, d) = match (&table, metric) {
        (Table::Lines(words), _) => {
            let data = Objects::new(words, |a: &String, b: &String| levenshtein(a, b))?;
            (run(&params, &data, &progress)?, words.len(), None)
        }
        (Table::F32 { values, n, d }, MetricName::Dense(metric)) => {
            (run(&params, &DenseData::new(values, *n, *d, metric)?, &progress)?, *n, Some(*d))
        }
        (Table::F64 { values, n, d }, MetricName::Dense(metric)) => {
            (run(&params, &DenseData::new(values, *n, *d, metric)?, &progress)?, *n, Some(*d))
        }
        (Table::F32 { values, n, d }, _) => (run(&params, &Precomputed::new(values, *n, *d)?, &progress)?, *n, None),
        (Table::F64 { values, n, d }, _) => (run(&params, &Precomputed::new(values, *n, *d)?, &progress)?, *n, None),
    };
    progress.finish();
    let run = Run {
        n,
        d,
        k: args.k,
        metric: metric.to_string(),
        seed: args.common.seed,
        threads: args.common.thread_count(),
    };
    let report = Report::new(run, fit);
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

fn run<D: banditpam::Dissimilarity + ?Sized>(
    params: &KMedoids,
    data: &D,
    observer: &dyn Observer,
) -> Result<Clustering, CliError> {
    Ok(params.fit_with_observer(data, observer)?)
}
