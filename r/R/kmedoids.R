#' k-medoids clustering: PAM's answer, fast, for any dissimilarity
#'
#' Partitions `x` into `k` clusters around medoids (cluster centres that are objects of `x`),
#' minimising the sum of dissimilarities from each object to its medoid. The default method,
#' `"auto"`, gives PAM's answer on small data and picks the fastest method that reaches
#' PAM-level loss on large data (BanditPAM++, FasterPAM on the matrix when it fits, nearswap
#' without it); the result names the method that ran. The object returned is shaped like
#' [cluster::pam()]'s, so `silhouette()`, `plot()` and `factoextra::fviz_cluster()` take it.
#'
#' @param x A numeric matrix or data frame (rows are objects), a `dist` object
#'   (precomputed dissimilarities), a character vector (string metrics such as
#'   `"levenshtein"`, or `"tree_edit"` for trees in bracket notation) or a list of numeric
#'   vectors (`"dtw"`).
#' @param k The number of clusters, from 1 to the number of objects.
#' @param metric The dissimilarity: `"euclidean"`, `"manhattan"`, `"sqeuclidean"`,
#'   `"minkowski"` (with `p`), `"chebyshev"`, `"cosine"`, `"correlation"` for vectors;
#'   `"levenshtein"` and the other string metrics for strings (the default for a character
#'   vector); `"dtw"` for series (the default for a list). Ignored for a `dist`.
#' @param method The algorithm: `"auto"`, `"pam"`, `"fastpam1"`, `"fasterpam"`,
#'   `"banditpam++"`, `"banditpam"`, `"onebatch"`, `"onebatch+swap"` or `"nearswap"`.
#' @param ... Further parameters by name: `max_iter`, `build_confidence`,
#'   `swap_confidence`, `batch_size`, `onebatch_size`, ...
#' @param weights A weight per object (the loss sums weighted dissimilarities), or `NULL`.
#' @param init The start: a name (`"build"`, `"random"`, ...) or `k` object numbers; `NULL`
#'   for the method's own.
#' @param n_init Runs from different seeds; the lowest loss is kept.
#' @param seed The random seed (a whole number), or `NULL` for the default seed: the same
#'   seed gives the same medoids whatever the number of threads.
#' @param threads Worker threads, or `NULL` for all cores.
#' @param memory The memory budget: bytes, or text such as `"4G"`; `NULL` for the default
#'   (most of the free memory).
#' @param trace Whether to print progress.
#' @param silhouette Whether to compute the silhouette (`silinfo`) and each cluster's
#'   diameter, separation and isolation: n^2 dissimilarities. `NULL`: when n <= 5,000.
#' @param keep.data Whether to keep `x` in the result (as `data` or `diss`), which
#'   `plot()`, `predict()` and `factoextra::fviz_cluster()` need.
#' @param p The Minkowski exponent.
#' @param window The DTW window (`NULL`: none).
#' @return An object of class `c("kmedoids", "pam", "partition")`: `medoids`, `id.med`
#'   (object numbers), `clustering`, `objective` (average dissimilarity after build and after
#'   swap), `isolation`, `clusinfo`, `silinfo`, `diss` or `data`, `call`, and `method` (what
#'   ran), `n_swaps`, `converged`, `seconds`, `loss` (the total).
#' @examples
#' fit <- kmedoids(iris[, 1:4], 3)
#' fit
#' table(fit$clustering, iris$Species)
#' kmedoids(c("kitten", "sitting", "mitten", "fitting", "bitten"), 2)$medoids
#' @export
kmedoids <- function(x, k, metric = "euclidean", method = "auto", ..., weights = NULL, init = NULL,
                     n_init = 1, seed = NULL, threads = NULL, memory = NULL, trace = FALSE,
                     silhouette = NULL, keep.data = TRUE, p = NULL, window = NULL) {
  call <- match.call()
  if (!is.logical(trace) || length(trace) != 1L || is.na(trace)) type_error("`trace` must be TRUE or FALSE")
  if (missing(k)) value_error("`k`, the number of clusters, is missing")
  spec <- data_spec(x, metric, p, window)
  if (!is.numeric(k) || length(k) != 1L || is.na(k)) type_error("`k` must be one whole number")
  args <- c(list(method = method, weights = weights, init = init, n_init = n_init, seed = seed,
                 threads = threads, memory = memory), list(...))
  if (any(names(args) == "")) type_error("every argument in `...` must be named")
  args <- args[!vapply(args, is.null, TRUE)]
  if (is.numeric(init)) check_start(init, k, spec$n)
  fit <- checked(rs_fit(spec, k, args, trace))
  as_kmedoids(fit, x, spec, call, silhouette, keep.data, threads, trace)
}

`%||%` <- function(a, b) if (is.null(a)) b else a

# Medoids to start from, as object numbers from 1 (checked here to name them as R counts).
check_start <- function(init, k, n, call = sys.call(-1)) {
  problem <- if (anyNA(init) || any(init != round(init)) || any(init < 1 | init > n)) {
    sprintf("object numbers from 1 to n = %d", n)
  } else if (length(init) != k) {
    sprintf("k = %s object numbers, one per cluster", format(k))
  } else if (anyDuplicated(init)) {
    "object numbers, none twice"
  }
  if (!is.null(problem)) {
    value_error(sprintf("`init` must be %s; got %s", problem, paste(utils::head(init, 10), collapse = ", ")), call)
  }
}

# The pam-shaped result of a fit.
as_kmedoids <- function(fit, x, spec, call, silhouette = NULL, keep.data = TRUE, threads = NULL, trace = FALSE) {
  n <- spec$n
  # Clusters numbered as cluster::pam numbers them: in the order their first object comes.
  first <- unique(fit$labels)
  first <- c(first, setdiff(seq_along(fit$medoids), first))
  id.med <- as.integer(fit$medoids[first])
  k <- length(id.med)
  clustering <- match(fit$labels, first)
  names(clustering) <- object_names(x)
  # Each object's distance to its own medoid: n distances, not k n.
  own <- checked(rs_distances_to_own_medoid(spec, id.med, clustering, threads))$values
  members <- split(own, factor(clustering, levels = seq_len(k)))
  clusinfo <- cbind(
    size = tabulate(clustering, k),
    max_diss = vapply(members, max, 0, USE.NAMES = FALSE),
    av_diss = vapply(members, mean, 0, USE.NAMES = FALSE),
    diameter = NA_real_,
    separation = NA_real_
  )
  isolation <- factor(rep(NA, k), levels = c("no", "L", "L*"))
  silinfo <- NULL
  if (is.null(silhouette)) silhouette <- n <= 5000
  if (isTRUE(silhouette) && k > 1 && k < n) {
    profile <- checked(rs_profile(spec, clustering, threads, trace))
    clusinfo[, "diameter"] <- vapply(seq_len(k), function(i) max(profile$farthest_within[clustering == i]), 0)
    clusinfo[, "separation"] <- vapply(seq_len(k), function(i) min(profile$nearest_outside[clustering == i]), 0)
    isolation[] <- vapply(seq_len(k), function(i) {
      members <- clustering == i
      if (clusinfo[i, "diameter"] < clusinfo[i, "separation"]) "L*"
      else if (all(profile$farthest_within[members] < profile$nearest_outside[members])) "L"
      else "no"
    }, "")
    silinfo <- silhouette_info(clustering, profile$neighbour, profile$silhouette, names(clustering) %||% seq_len(n))
  }
  names(isolation) <- seq_len(k)
  medoids <- objects_of(x, id.med)
  if (is.matrix(medoids)) rownames(medoids) <- object_names(x)[id.med]
  result <- list(
    medoids = medoids,
    id.med = id.med,
    clustering = clustering,
    objective = c(build = fit$average_build_loss, swap = fit$average_loss),
    isolation = isolation,
    clusinfo = clusinfo,
    silinfo = silinfo,
    diss = if (keep.data && spec$kind == "precomputed") x else NULL,
    call = call,
    data = if (keep.data && spec$kind == "dense") as.matrix(x) else if (keep.data && spec$kind != "precomputed") x else NULL,
    method = fit$method,
    n_swaps = as.integer(fit$swaps),
    converged = fit$converged,
    seconds = fit$seconds,
    loss = fit$loss,
    metric = spec$metric,
    metric_params = list(p = spec$p, window = spec$window)
  )
  class(result) <- c("kmedoids", "pam", "partition")
  result
}

# The objects' names as cluster::pam takes them (NULL for a data frame's automatic row names).
object_names <- function(x) {
  if (inherits(x, "dist")) attr(x, "Labels")
  else if (is.matrix(x) || is.data.frame(x)) dimnames(as.matrix(x))[[1]]
  else names(x)
}

# `cluster::pam`'s silinfo: widths sorted by cluster and decreasing width, cluster means, the
# overall mean.
silhouette_info <- function(clustering, neighbour, width, names) {
  widths <- cbind(cluster = clustering, neighbor = neighbour, sil_width = width)
  rownames(widths) <- names
  order <- order(clustering, -width)
  widths <- widths[order, , drop = FALSE]
  list(
    widths = widths,
    clus.avg.widths = as.vector(tapply(width, factor(clustering, levels = sort(unique(clustering))), mean)),
    avg.width = mean(width)
  )
}
