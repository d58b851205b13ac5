# The Rust functions (rust/src/lib.rs), called by the R functions of this package only.

rs_fit <- function(spec, k, args, trace) .Call(wrap__rs_fit, spec, k, args, trace)

rs_distances_to_medoids <- function(spec, medoids, targets, threads) .Call(wrap__rs_distances_to_medoids, spec, medoids, targets, threads)

rs_distances_to_own_medoid <- function(spec, medoids, labels, threads) .Call(wrap__rs_distances_to_own_medoid, spec, medoids, labels, threads)

rs_profile <- function(spec, labels, threads, trace) .Call(wrap__rs_profile, spec, labels, threads, trace)

rs_medoid_silhouette <- function(spec, medoids, threads) .Call(wrap__rs_medoid_silhouette, spec, medoids, threads)

rs_select_k <- function(spec, ks, args, score, trace) .Call(wrap__rs_select_k, spec, ks, args, score, trace)

rs_metric_names <- function() .Call(wrap__rs_metric_names)
