//! The JSON result document and the short human summary.

use banditpam::{Clustering, KScore, KSelection};
use serde::Serialize;

use banditpam::thousands;

/// The facts about a run that are not in the [`Clustering`].
#[derive(Serialize)]
pub struct Run {
    pub n: usize,
    /// Columns of dense data; `null` for strings and precomputed matrices.
    pub d: Option<usize>,
    pub k: usize,
    pub metric: String,
    pub seed: u64,
    pub threads: usize,
}

/// What `banditpam fit` writes: the tool's version, the run, and the result's fields (the
/// method that ran among them, as `method`).
#[derive(Serialize)]
pub struct Report {
    pub version: &'static str,
    #[serde(flatten)]
    pub run: Run,
    #[serde(flatten)]
    pub fit: Clustering,
    /// The medoids themselves, in the order of `medoids`: rows of numbers, or strings; absent
    /// for a precomputed matrix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medoid_objects: Option<serde_json::Value>,
}

impl Report {
    pub fn new(run: Run, fit: Clustering, medoid_objects: Option<serde_json::Value>) -> Self {
        Report { version: env!("CARGO_PKG_VERSION"), run, fit, medoid_objects }
    }

    /// A few lines for a person: what ran, the loss, the work done.
    pub fn summary(&self) -> String {
        let (run, fit) = (&self.run, &self.fit);
        let n2 = (run.n as f64) * (run.n as f64);
        let evaluations = fit.distance_evaluations.total();
        let matrix = match fit.matrix {
            Some(banditpam::MatrixPrecision::Single) => ", on a float32 matrix",
            Some(banditpam::MatrixPrecision::Double) => ", on a float64 matrix",
            None => "",
        };
        let plural =
            |count: u64, word: &str| format!("{} {word}{}", thousands(count), if count == 1 { "" } else { "s" });
        format!(
            "clustered {} objects into {} clusters with {} ({}{matrix}) in {:.3} s on {}\n\
             loss {:.6} (average {:.6}; after BUILD {:.6}), {}{}\n\
             {} distances computed ({:.2} n^2), {} cache hits",
            run.n,
            run.k,
            fit.algorithm,
            run.metric,
            fit.seconds.total(),
            plural(run.threads as u64, "thread"),
            fit.loss,
            fit.average_loss,
            fit.build_loss,
            plural(fit.swaps as u64, "swap"),
            if fit.converged { ", converged" } else { ", stopped at max-iter" },
            thousands(evaluations),
            evaluations as f64 / n2,
            thousands(fit.cache_hits.total()),
        )
    }
}

/// One k of a `select-k` run.
#[derive(Serialize)]
pub struct KEntry {
    pub k: usize,
    pub score: f64,
    pub loss: f64,
    pub medoids: Vec<usize>,
}

/// What `banditpam select-k` writes.
#[derive(Serialize)]
pub struct SelectionReport {
    pub version: &'static str,
    pub n: usize,
    pub metric: String,
    pub method: String,
    /// "medoid_silhouette" or "silhouette".
    pub score: &'static str,
    pub best_k: usize,
    pub scores: Vec<KEntry>,
}

impl SelectionReport {
    pub fn new(n: usize, metric: String, method: String, score: KScore, found: &KSelection) -> Self {
        let scores = found
            .scores
            .iter()
            .zip(&found.fits)
            .map(|(&(k, score), fit)| KEntry { k, score, loss: fit.loss, medoids: fit.medoids.clone() })
            .collect();
        let score = score.name();
        SelectionReport { version: env!("CARGO_PKG_VERSION"), n, metric, method, score, best_k: found.best_k, scores }
    }

    /// One line per k, the best marked.
    pub fn summary(&self) -> String {
        let mut lines = vec![format!("best k = {} by {} ({} objects)", self.best_k, self.score, self.n)];
        for entry in &self.scores {
            let mark = if entry.k == self.best_k { "  <- best" } else { "" };
            lines
                .push(format!("  k = {:>3}: {} {:.4}, loss {:.6}{mark}", entry.k, self.score, entry.score, entry.loss));
        }
        lines.join("\n")
    }
}
