#' @export
print.kmedoids <- function(x, ...) {
  cat(sprintf("k-medoids (%s%s), %d clusters of %d objects\n", x$method,
              if (x$converged) "" else ", stopped before a local optimum",
              length(x$id.med), length(x$clustering)))
  cat("Medoids:\n")
  medoids <- if (is.matrix(x$medoids)) cbind(ID = x$id.med, x$medoids) else data.frame(ID = x$id.med, medoid = I(x$medoids))
  print(medoids, ...)
  cat("Clustering vector:\n")
  print(x$clustering, ...)
  cat("Objective function:\n")
  print(x$objective, ...)
  cat("\nAvailable components:\n")
  print(names(x), ...)
  invisible(x)
}

#' @export
summary.kmedoids <- function(object, ...) {
  object$summary <- TRUE
  class(object) <- c("summary.kmedoids", class(object))
  object
}

#' @export
print.summary.kmedoids <- function(x, ...) {
  cat(sprintf("k-medoids (%s, metric %s): %d swaps in %.3g s\n", x$method, x$metric, x$n_swaps, x$seconds))
  cat("Medoids:\n")
  print(x$id.med, ...)
  cat("Objective function:\n")
  print(x$objective, ...)
  cat("Numerical information per cluster:\n")
  print(x$clusinfo, ...)
  cat("Isolated clusters:\n L-clusters: ")
  print(names(x$isolation[!is.na(x$isolation) & x$isolation == "L"]), quote = FALSE)
  cat(" L*-clusters: ")
  print(names(x$isolation[!is.na(x$isolation) & x$isolation == "L*"]), quote = FALSE)
  if (!is.null(x$silinfo)) {
    cat("\nSilhouette plot information:\n")
    print(x$silinfo$widths[, , drop = FALSE], ...)
    cat("Average silhouette width per cluster:\n")
    print(x$silinfo$clus.avg.widths, ...)
    cat("Average silhouette width of total data set:\n")
    print(x$silinfo$avg.width, ...)
  }
  invisible(x)
}

#' Assign new objects to the nearest medoid
#'
#' @param object A [kmedoids()] fit made with `keep.data = TRUE`.
#' @param newdata New objects of the kind the fit read: rows of a matrix or data frame, strings,
#'   or series. For a fit on a `dist`, a matrix of the dissimilarities from each new object
#'   (rows) to each fitted object (columns).
#' @param threads Worker threads, or `NULL` for all cores.
#' @param ... Unused.
#' @return The cluster number of each new object.
#' @examples
#' fit <- kmedoids(iris[, 1:4], 3)
#' predict(fit, iris[c(1, 51, 101), 1:4])
#' @export
predict.kmedoids <- function(object, newdata, threads = NULL, ...) {
  k <- length(object$id.med)
  if (!is.null(object$diss)) {
    newdata <- as.matrix(newdata)
    if (ncol(newdata) != length(object$clustering)) {
      value_error("for a fit on a `dist`, `newdata` must hold the dissimilarities to every fitted object (one column each)")
    }
    return(max.col(-newdata[, object$id.med, drop = FALSE], ties.method = "first"))
  }
  if (is.null(object$data)) value_error("the fit kept no data (keep.data = FALSE): refit with keep.data = TRUE")
  if (is.data.frame(newdata)) newdata <- as.matrix(newdata)
  m <- if (is.matrix(newdata)) nrow(newdata) else length(newdata)
  if (m == 0) return(integer(0))
  both <- joined(object$medoids, newdata)
  spec <- data_spec(both, object$metric, object$metric_params$p, object$metric_params$window)
  d <- checked(rs_distances_to_medoids(spec, seq_len(k), k + seq_len(m), threads))$values
  max.col(-matrix(d, nrow = m, byrow = TRUE), ties.method = "first")
}

#' The medoid of each object, or its cluster
#'
#' @param object A [kmedoids()] fit.
#' @param method `"centers"`: the medoid of each object (rows of the medoids for vector data,
#'   object numbers otherwise); `"classes"`: the cluster numbers.
#' @param ... Unused.
#' @examples
#' fit <- kmedoids(USArrests, 3)
#' head(fitted(fit))
#' table(fitted(fit, "classes"))
#' @export
fitted.kmedoids <- function(object, method = c("centers", "classes"), ...) {
  method <- match.arg(method)
  if (method == "classes") return(object$clustering)
  if (is.matrix(object$medoids)) object$medoids[object$clustering, , drop = FALSE] else object$id.med[object$clustering]
}

#' Choose k by the silhouette
#'
#' Fits every k of `k` and scores each by the mean Medoid Silhouette (k n dissimilarities) or
#' the mean Silhouette (n^2).
#'
#' @inheritParams kmedoids
#' @param k The numbers of clusters to try.
#' @param score `"medoid_silhouette"` or `"silhouette"`.
#' @param ... Further parameters of [kmedoids()].
#' @return A list: `best_k`, `scores` (a data frame of `k` and `score`) and `fit`, the
#'   [kmedoids()] fit for `best_k`.
#' @examples
#' select_k(iris[, 1:4], 2:6)$best_k
#' @export
select_k <- function(x, k = 2:10, metric = "euclidean", ..., score = "medoid_silhouette", trace = FALSE,
                     p = NULL, window = NULL) {
  call <- match.call()
  spec <- data_spec(x, metric, p, window)
  args <- list(...)
  if (length(args) && any(names(args) == "")) type_error("every argument in `...` must be named")
  args <- args[!vapply(args, is.null, TRUE)]
  found <- checked(rs_select_k(spec, k, args, score, trace))
  best <- found$fits[[match(found$best_k, found$k)]]
  list(
    best_k = as.integer(found$best_k),
    scores = data.frame(k = as.integer(found$k), score = found$score),
    fit = as_kmedoids(best, x, spec, call, threads = args$threads)
  )
}

#' The Medoid Silhouette
#'
#' `1 - a / b` for each object, with `a` and `b` its dissimilarities to the nearest and the
#' second-nearest medoid: k n dissimilarities, not n^2.
#'
#' @param x A [kmedoids()] fit that kept its data, or data as [kmedoids()] reads it.
#' @param medoids With data: the medoids' object numbers.
#' @inheritParams kmedoids
#' @return The Medoid Silhouette of each object.
#' @examples
#' fit <- kmedoids(iris[, 1:4], 3)
#' mean(medoid_silhouette(fit))
#' @export
medoid_silhouette <- function(x, medoids = NULL, metric = "euclidean", threads = NULL, p = NULL, window = NULL) {
  if (inherits(x, "kmedoids")) {
    medoids <- x$id.med
    data <- if (!is.null(x$diss)) x$diss else x$data
    if (is.null(data)) value_error("the fit kept no data (keep.data = FALSE)")
    spec <- data_spec(data, if (!is.null(x$diss)) "precomputed" else x$metric, x$metric_params$p, x$metric_params$window)
  } else {
    if (is.null(medoids)) value_error("`medoids` is needed with data")
    spec <- data_spec(x, metric, p, window)
  }
  checked(rs_medoid_silhouette(spec, medoids, threads))$values
}
