//! Choosing k: fit every k of a range, score each clustering, keep the best. The fits share
//! their start: one initialisation for the largest k gives every smaller k its first medoids
//! (BUILD is greedy, so its first k medoids are BUILD's answer for k), then each k runs its
//! own swaps from there (with `auto`, each k runs the method chosen for it from its own start).

use crate::algorithms::Algorithm;
use crate::data::Dissimilarity;
use crate::error::{Error, Result};
use crate::init::Init;
use crate::observer::{Observer, Silent};
use crate::params::KMedoids;
use crate::result::Clustering;
use crate::silhouette::{medoid_silhouette_samples, silhouette_samples_with_observer};

/// How [`select_k`] scores a clustering (higher is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KScore {
    /// The mean Medoid Silhouette: k n distances per k.
    #[default]
    MedoidSilhouette,
    /// The mean Silhouette: exact, n^2 distances per k.
    Silhouette,
}

impl KScore {
    /// The name `str::parse::<KScore>` reads: `medoid_silhouette` or `silhouette`.
    pub fn name(self) -> &'static str {
        match self {
            KScore::MedoidSilhouette => "medoid_silhouette",
            KScore::Silhouette => "silhouette",
        }
    }
}

impl std::str::FromStr for KScore {
    type Err = Error;

    /// `medoid_silhouette` or `silhouette`.
    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "medoid_silhouette" => Ok(KScore::MedoidSilhouette),
            "silhouette" => Ok(KScore::Silhouette),
            _ => Err(Error::InvalidParameter {
                name: "score",
                expected: "medoid_silhouette or silhouette",
                value: text.to_string(),
            }),
        }
    }
}

/// What [`select_k`] found: one entry per k, in the order given.
#[derive(Debug, Clone)]
pub struct KSelection {
    /// The k with the highest score (the smallest such k on ties).
    pub best_k: usize,
    /// `(k, score)` for every k.
    pub scores: Vec<(usize, f64)>,
    /// The clustering for every k.
    pub fits: Vec<Clustering>,
}

/// Fit `params` (its k ignored) for each k in `ks` and score each with `score`.
///
/// Unless `params` sets its own initial medoids or its method is `auto`, one initialisation for the largest k (with
/// `params`' method and seed) gives every k its first medoids; the swaps of each k then run as
/// `params` says. Errors: [`Error::InvalidParameter`] for an empty `ks` or a k below 2 (a
/// silhouette needs two clusters), and whatever a fit reports (k > n among them).
///
/// ```
/// use banditpam::{select_k, DenseData, KMedoids, KScore, Metric};
/// // Three groups on a line.
/// let x = [0.0, 0.1, 0.2, 5.0, 5.1, 5.2, 10.0, 10.1, 10.2];
/// let data = DenseData::new(&x, 9, 1, Metric::L2).unwrap();
/// let found = select_k(&KMedoids::new(2), &data, &[2, 3, 4], KScore::Silhouette).unwrap();
/// assert_eq!(found.best_k, 3);
/// ```
pub fn select_k<D: Dissimilarity + ?Sized>(
    params: &KMedoids,
    data: &D,
    ks: &[usize],
    score: KScore,
) -> Result<KSelection> {
    select_k_with_observer(params, data, ks, score, &Silent)
}

/// [`select_k`] watched by `observer`: every fit reports to it and stops when it asks
/// ([`Error::Interrupted`]), and so does the exact silhouette between blocks.
pub fn select_k_with_observer<D: Dissimilarity + ?Sized>(
    params: &KMedoids,
    data: &D,
    ks: &[usize],
    score: KScore,
    observer: &dyn Observer,
) -> Result<KSelection> {
    let Some(&largest) = ks.iter().max() else {
        return Err(Error::InvalidParameter { name: "k_range", expected: "at least one k", value: "[]".into() });
    };
    if let Some(&k) = ks.iter().find(|&&k| k < 2) {
        return Err(Error::InvalidParameter {
            name: "k_range",
            expected: "values >= 2 (a silhouette needs two clusters)",
            value: k.to_string(),
        });
    }
    let checked = params.clone().k(largest).check()?;
    let threads = checked.threads;
    // `auto` may choose another method for each k: each runs its own start.
    let shared_start = match checked.init() {
        _ if checked.algorithm() == Algorithm::Auto => None,
        Init::Medoids(_) => None,
        _ => Some(params.clone().k(largest).max_iter(0).fit_with_observer(data, observer)?.build_medoids),
    };
    let mut scores = Vec::with_capacity(ks.len());
    let mut fits = Vec::with_capacity(ks.len());
    for &k in ks {
        let mut model = params.clone().k(k);
        if let Some(start) = &shared_start {
            model = model.init(Init::Medoids(start[..k].to_vec()));
        }
        let fit = model.fit_with_observer(data, observer)?;
        if !observer.keep_going() {
            return Err(Error::Interrupted);
        }
        let samples = match score {
            KScore::MedoidSilhouette => medoid_silhouette_samples(data, &fit.medoids, threads)?,
            KScore::Silhouette => silhouette_samples_with_observer(data, &fit.labels, threads, observer)?,
        };
        scores.push((k, samples.iter().sum::<f64>() / samples.len() as f64));
        fits.push(fit);
    }
    let best_k = scores.iter().fold((0, f64::NEG_INFINITY), |best, &(k, s)| if s > best.1 { (k, s) } else { best }).0;
    Ok(KSelection { best_k, scores, fits })
}
