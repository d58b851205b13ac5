#' banditpamrs: k-medoids clustering in Rust
#'
#' [kmedoids()] clusters a matrix, data frame, `dist`, strings or series around medoids with
#' PAM's answer on small data and PAM-level loss at any size; the result is shaped like
#' [cluster::pam()]'s. See also [select_k()], [medoid_silhouette()] and [predict.kmedoids()].
#'
#' @useDynLib banditpamrs, .registration = TRUE
#' @keywords internal
"_PACKAGE"
