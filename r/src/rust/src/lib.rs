//! The R package banditpamrs's binding: the `banditpam` core crate's fit, distances and
//! scores as R functions. Its rooms: `failure` (core errors as R condition classes),
//! `runtime` (a worker thread, the trace and Ctrl-C), `params` (R arguments through the
//! core's parameter table) and `data` (R data as the core's data). No clustering logic lives
//! here; the R functions in `R/` shape the results as `cluster::pam` does.
//!
//! Every function returns a list: `list(ok = TRUE, ...)` or, on failure,
//! `list(ok = FALSE, class, message)`, which the R side raises as a classed error.

mod data;
mod failure;
mod params;
mod runtime;

use banditpam::{Clustering, KScore};
use extendr_api::prelude::*;

use data::{whole, with_data};
use failure::{reply, Failure};

/// Whole numbers >= 1 from an R numeric vector, or the failure `refuse` words.
fn from_one_up(value: &Robj, what: &str, refuse: &str) -> Result<Vec<usize>, Failure> {
    let numbers = value
        .as_real_vector()
        .or_else(|| value.as_integer_slice().map(|s| s.iter().map(|&v| f64::from(v)).collect()))
        .ok_or_else(|| Failure::wrong_type(format!("`{what}` must be numeric")))?;
    numbers
        .iter()
        .map(|&i| (i.is_finite() && i >= 1.0 && i.fract() == 0.0 && i < 2f64.powi(53)).then_some(i as usize))
        .collect::<Option<_>>()
        .ok_or_else(|| Failure::value(format!("`{what}` must be {refuse}")))
}

/// Object numbers from R (from 1) as the core's positions (from 0).
fn positions(value: &Robj, what: &str) -> Result<Vec<usize>, Failure> {
    Ok(from_one_up(value, what, "object numbers from 1 to n")?.into_iter().map(|i| i - 1).collect())
}

fn threads(value: &Robj) -> Result<Option<usize>, Failure> {
    if value.is_null() {
        Ok(None)
    } else {
        whole(value, "threads").map(Some)
    }
}

/// Positions from 0 as R's object numbers from 1 (doubles: n may pass 2^31).
fn from_one(positions: &[usize]) -> Vec<f64> {
    positions.iter().map(|&i| i as f64 + 1.0).collect()
}

/// A fit as an R list, object numbers from 1.
fn fit_list(fit: &Clustering) -> List {
    let per_object = if fit.loss > 0.0 { fit.average_loss / fit.loss } else { 0.0 };
    list!(
        ok = true,
        medoids = from_one(&fit.medoids),
        build_medoids = from_one(&fit.build_medoids),
        labels = fit.labels.iter().map(|&l| l as i32 + 1).collect::<Vec<i32>>(),
        loss = fit.loss,
        build_loss = fit.build_loss,
        average_loss = fit.average_loss,
        average_build_loss = fit.build_loss * per_object,
        method = fit.algorithm.name(),
        swaps = fit.swaps as f64,
        converged = fit.converged,
        seconds = fit.seconds.total(),
        distance_evaluations = fit.distance_evaluations.total() as f64
    )
}

/// Fit k-medoids: `spec` the data (see `data`), `k` the number of clusters, `args` the other
/// parameters by their R names, `trace` whether to print progress.
/// @noRd
#[extendr]
fn rs_fit(spec: List, k: Robj, args: List, trace: bool) -> List {
    reply((|| {
        let model = params::builder(&k, &args)?.check()?;
        let fit = with_data(&spec, trace, &|data, watch| model.fit_with_observer(data, watch))?;
        Ok(fit_list(&fit))
    })())
}

/// The distances from each of `targets` to each of `medoids` (object numbers from 1), targets
/// x medoids, row after row.
/// @noRd
#[extendr]
fn rs_distances_to_medoids(spec: List, medoids: Robj, targets: Robj, threads: Robj) -> List {
    reply((|| {
        let (medoids, targets) = (positions(&medoids, "medoids")?, positions(&targets, "targets")?);
        let threads = self::threads(&threads)?;
        let values = with_data(&spec, false, &|data, watch| {
            banditpam::distances_to_medoids(data, &medoids, &targets, threads, watch)
        })?;
        Ok(list!(ok = true, values = values))
    })())
}

/// Each object's distance to the medoid of its cluster: `labels` cluster numbers from 1,
/// `medoids` (object numbers from 1) one per cluster. n distances, cluster by cluster.
/// @noRd
#[extendr]
fn rs_distances_to_own_medoid(spec: List, medoids: Robj, labels: Robj, threads: Robj) -> List {
    reply((|| {
        let medoids = positions(&medoids, "medoids")?;
        let labels: Vec<usize> =
            from_one_up(&labels, "labels", "cluster numbers from 1")?.into_iter().map(|c| c - 1).collect();
        let threads = self::threads(&threads)?;
        let mut members = vec![Vec::new(); medoids.len()];
        for (j, &cluster) in labels.iter().enumerate() {
            let slot = members.get_mut(cluster).ok_or_else(|| {
                Failure::value(format!("`labels` must be cluster numbers from 1 to {}", medoids.len()))
            })?;
            slot.push(j);
        }
        let values = with_data(&spec, false, &|data, watch| {
            let mut own = vec![0.0; labels.len()];
            for (&medoid, rows) in medoids.iter().zip(&members) {
                let distances = banditpam::distances_to_medoids(data, &[medoid], rows, threads, watch)?;
                for (&j, distance) in rows.iter().zip(distances) {
                    own[j] = distance;
                }
            }
            Ok(own)
        })?;
        Ok(list!(ok = true, values = values))
    })())
}

/// Each object's silhouette, neighbouring cluster, farthest distance within its cluster and
/// nearest distance outside it, under `labels` (cluster numbers from 1).
/// @noRd
#[extendr]
fn rs_profile(spec: List, labels: Robj, threads: Robj, trace: bool) -> List {
    reply((|| {
        let labels = positions(&labels, "labels")?;
        let threads = self::threads(&threads)?;
        let profile =
            with_data(&spec, trace, &|data, watch| banditpam::partition_profile(data, &labels, threads, watch))?;
        Ok(list!(
            ok = true,
            silhouette = profile.iter().map(|p| p.silhouette).collect::<Vec<f64>>(),
            neighbour = profile.iter().map(|p| p.neighbour as i32 + 1).collect::<Vec<i32>>(),
            farthest_within = profile.iter().map(|p| p.farthest_within).collect::<Vec<f64>>(),
            nearest_outside = profile.iter().map(|p| p.nearest_outside).collect::<Vec<f64>>()
        ))
    })())
}

/// The Medoid Silhouette of each object for `medoids` (object numbers from 1).
/// @noRd
#[extendr]
fn rs_medoid_silhouette(spec: List, medoids: Robj, threads: Robj) -> List {
    reply((|| {
        let medoids = positions(&medoids, "medoids")?;
        let threads = self::threads(&threads)?;
        let values = with_data(&spec, false, &|data, _| banditpam::medoid_silhouette_samples(data, &medoids, threads))?;
        Ok(list!(ok = true, values = values))
    })())
}

/// Fit every k of `ks` and score each by `score`.
/// @noRd
#[extendr]
fn rs_select_k(spec: List, ks: Robj, args: List, score: &str, trace: bool) -> List {
    reply((|| {
        let ks = from_one_up(&ks, "k", "numbers of clusters, each at least 1")?;
        let score: KScore = score.parse()?;
        let model = params::builder(&Robj::from(ks.iter().copied().max().unwrap_or(1) as f64), &args)?;
        let found =
            with_data(&spec, trace, &|data, watch| banditpam::select_k_with_observer(&model, data, &ks, score, watch))?;
        let fits: Vec<List> = found.fits.iter().map(fit_list).collect();
        Ok(list!(
            ok = true,
            best_k = found.best_k as f64,
            k = found.scores.iter().map(|s| s.0 as f64).collect::<Vec<f64>>(),
            score = found.scores.iter().map(|s| s.1).collect::<Vec<f64>>(),
            fits = List::from_values(fits)
        ))
    })())
}

/// The metric names the core reads.
/// @noRd
#[extendr]
fn rs_metric_names() -> Vec<String> {
    banditpam::MetricName::names().into_iter().map(String::from).collect()
}

extendr_module! {
    mod banditpamrs;
    fn rs_fit;
    fn rs_distances_to_medoids;
    fn rs_distances_to_own_medoid;
    fn rs_profile;
    fn rs_medoid_silhouette;
    fn rs_select_k;
    fn rs_metric_names;
}
