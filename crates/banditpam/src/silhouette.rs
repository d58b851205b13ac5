//! Cluster quality: the Silhouette (exact, blockwise, O(n) memory per task, parallel) and the
//! Medoid Silhouette (from the distances to the medoids only), for any [`Dissimilarity`].

use crate::context::{Context, Phase};
use crate::data::Dissimilarity;
use crate::error::{Error, Result};
use crate::observer::{Observer, Silent};
use crate::parallel::with_pool;
use crate::state::Assignment;

/// The Silhouette of each object under `labels` (any integers; one per object).
///
/// With `a` the mean dissimilarity to the other members of its cluster and `b` the least mean
/// dissimilarity to the members of another cluster, the value is `(b - a) / max(a, b)` (0
/// when both are 0, and 0 for a cluster of one). Every pair is computed once per row, in
/// tasks of a few full rows, so memory stays O(n) per thread; `threads` as for a fit (the
/// values do not depend on it).
///
/// Errors: [`Error::InvalidParameter`] naming `labels` unless there is one label per object
/// and between 2 and n - 1 clusters.
///
/// ```
/// use banditpam::{silhouette_samples, Precomputed};
/// // Two tight pairs far apart.
/// let d = [0.0, 1.0, 9.0, 9.0, 1.0, 0.0, 9.0, 9.0, 9.0, 9.0, 0.0, 1.0, 9.0, 9.0, 1.0, 0.0];
/// let data = Precomputed::new(&d, 4, 4).unwrap();
/// let s = silhouette_samples(&data, &[0, 0, 1, 1], None).unwrap();
/// assert!(s.iter().all(|&v| (v - (9.0 - 1.0) / 9.0).abs() < 1e-12));
/// ```
pub fn silhouette_samples<D: Dissimilarity + ?Sized>(
    data: &D,
    labels: &[usize],
    threads: Option<usize>,
) -> Result<Vec<f64>> {
    silhouette_samples_with_observer(data, labels, threads, &Silent)
}

/// [`silhouette_samples`], polling `observer` so that the computation can be stopped.
pub fn silhouette_samples_with_observer<D: Dissimilarity + ?Sized>(
    data: &D,
    labels: &[usize],
    threads: Option<usize>,
    observer: &dyn Observer,
) -> Result<Vec<f64>> {
    Ok(partition_profile(data, labels, threads, observer)?.into_iter().map(|p| p.silhouette).collect())
}

/// One object's place in a partition, from its dissimilarities to every object: what
/// `cluster::pam` in R reports per object and, summed per cluster, as each cluster's
/// diameter, separation and isolation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectProfile {
    /// The Silhouette ([`silhouette_samples`]).
    pub silhouette: f64,
    /// The label of the other cluster of least mean dissimilarity (the Silhouette's `b`).
    pub neighbour: usize,
    /// The largest dissimilarity to another member of its cluster (0 for a cluster of one).
    pub farthest_within: f64,
    /// The least dissimilarity to an object of another cluster.
    pub nearest_outside: f64,
}

/// The [`ObjectProfile`] of each object under `labels`, in one pass over all n^2 pairs (as
/// [`silhouette_samples`], whose errors it shares), polling `observer`.
///
/// ```
/// use banditpam::{partition_profile, Precomputed, Silent};
/// // Two tight pairs far apart.
/// let d = [0.0, 1.0, 9.0, 9.0, 1.0, 0.0, 9.0, 8.0, 9.0, 9.0, 0.0, 1.0, 9.0, 8.0, 1.0, 0.0];
/// let data = Precomputed::new(&d, 4, 4).unwrap();
/// let p = partition_profile(&data, &[5, 5, 7, 7], None, &Silent).unwrap();
/// assert_eq!((p[0].neighbour, p[2].neighbour), (7, 5));
/// assert_eq!((p[1].farthest_within, p[1].nearest_outside), (1.0, 8.0));
/// ```
pub fn partition_profile<D: Dissimilarity + ?Sized>(
    data: &D,
    labels: &[usize],
    threads: Option<usize>,
    observer: &dyn Observer,
) -> Result<Vec<ObjectProfile>> {
    let n = data.len();
    if labels.len() != n {
        return Err(Error::InvalidParameter {
            name: "labels",
            expected: "one label per object",
            value: format!("{} labels for n = {n}", labels.len()),
        });
    }
    // Clusters numbered 0..c in the order of their labels.
    let mut ids: Vec<usize> = labels.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let clusters = ids.len();
    if clusters < 2 || clusters >= n {
        return Err(Error::InvalidParameter {
            name: "labels",
            expected: "labels of 2 to n - 1 distinct clusters",
            value: format!("{clusters} clusters for n = {n}"),
        });
    }
    let cluster: Vec<usize> = labels.iter().map(|l| ids.binary_search(l).unwrap_or(0)).collect();
    let mut sizes = vec![0usize; clusters];
    for &c in &cluster {
        sizes[c] += 1;
    }
    let objects: Vec<usize> = (0..n).collect();
    with_pool(threads, || {
        let ctx = Context::new(&data, observer);
        // Every row is needed once: tasks of up to 256 rows (at most 2^22 distances, 32 MiB)
        // make larger kernel calls than the search's 16.
        let per_task = ((1usize << 22) / n).clamp(16, 256);
        ctx.sweep_in_tasks(Phase::Other, &objects, per_task, |i, row| {
            let own = cluster[i];
            let mut sums = vec![0.0f64; clusters];
            let (mut farthest_within, mut nearest_outside) = (0.0f64, f64::INFINITY);
            for (j, (&d, &c)) in row.iter().zip(&cluster).enumerate() {
                sums[c] += d;
                if c != own {
                    nearest_outside = nearest_outside.min(d);
                } else if j != i {
                    farthest_within = farthest_within.max(d);
                }
            }
            // Without d(i, i), which a matrix or a function need not make 0.
            let a = if sizes[own] > 1 { (sums[own] - row[i]) / (sizes[own] - 1) as f64 } else { 0.0 };
            let (b, neighbour) = (0..clusters)
                .filter(|&c| c != own)
                .map(|c| (sums[c] / sizes[c] as f64, c))
                .fold((f64::INFINITY, own), |m, e| if e.0 < m.0 { e } else { m });
            let scale = a.max(b);
            let silhouette = if sizes[own] > 1 && scale > 0.0 { (b - a) / scale } else { 0.0 };
            ObjectProfile { silhouette, neighbour: ids[neighbour], farthest_within, nearest_outside }
        })
    })?
}

/// Medoids for `n` objects: at least one, none twice, each in range.
///
/// Errors: [`Error::EmptyData`], [`Error::InvalidInitialMedoids`] naming the problem.
pub(crate) fn check_medoids(medoids: &[usize], n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::EmptyData);
    }
    if medoids.is_empty() {
        return Err(Error::InvalidInitialMedoids("no medoids given".into()));
    }
    if let Some(m) = medoids.iter().find(|&&m| m >= n) {
        return Err(Error::InvalidInitialMedoids(format!("index {m} is out of range for n = {n}")));
    }
    let mut sorted = medoids.to_vec();
    sorted.sort_unstable();
    match sorted.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(Error::InvalidInitialMedoids(format!("index {} appears twice", w[0]))),
        None => Ok(()),
    }
}

/// The Medoid Silhouette of each object for `medoids`: `1 - a / b`, with `a` and `b` the
/// dissimilarities to the nearest and second-nearest medoid (1 when `a` is 0; 1 for k = 1).
/// Needs only the k n distances to the medoids.
///
/// Errors: [`Error::InvalidInitialMedoids`] for a repeated or out-of-range medoid,
/// [`Error::EmptyData`].
///
/// ```
/// use banditpam::{medoid_silhouette_samples, Precomputed};
/// let d = [0.0, 1.0, 9.0, 9.0, 1.0, 0.0, 9.0, 9.0, 9.0, 9.0, 0.0, 1.0, 9.0, 9.0, 1.0, 0.0];
/// let data = Precomputed::new(&d, 4, 4).unwrap();
/// let s = medoid_silhouette_samples(&data, &[0, 2], None).unwrap();
/// assert_eq!(s, vec![1.0, 1.0 - 1.0 / 9.0, 1.0, 1.0 - 1.0 / 9.0]);
/// ```
pub fn medoid_silhouette_samples<D: Dissimilarity + ?Sized>(
    data: &D,
    medoids: &[usize],
    threads: Option<usize>,
) -> Result<Vec<f64>> {
    check_medoids(medoids, data.len())?;
    with_pool(threads, || {
        let ctx = Context::new(&data, &Silent);
        let state = Assignment::from_medoids(&ctx, Phase::Other, medoids)?;
        Ok(state.best.iter().zip(&state.second).map(|(&a, &b)| if a == 0.0 { 1.0 } else { 1.0 - a / b }).collect())
    })?
}
