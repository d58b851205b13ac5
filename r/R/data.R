# The one place R data becomes what the Rust side reads: list(kind, values, n, d, metric, p,
# window). A numeric matrix or data frame (rows are objects) for the vector metrics, a `dist`
# (precomputed), a character vector for the string metrics and the tree edit distance, a list
# of numeric vectors for dtw.

data_spec <- function(x, metric = "euclidean", p = NULL, window = NULL) {
  if (!is.character(metric) || length(metric) != 1L || is.na(metric)) {
    type_error("`metric` must be one string, such as \"euclidean\", \"manhattan\" or \"levenshtein\"")
  }
  spec <- list(metric = metric, p = p, window = window)
  if (inherits(x, "dist")) {
    if (!metric %in% c("euclidean", "precomputed")) {
      value_error(sprintf("a `dist` object holds its own dissimilarities: leave `metric` unset, not \"%s\"", metric))
    }
    if (anyNA(x)) value_error("the `dist` object has NA dissimilarities")
    n <- attr(x, "Size")
    return(c(spec[-1], list(metric = "precomputed", kind = "precomputed", values = as.double(as.matrix(x)), n = n, d = n)))
  }
  if (is.character(x)) {
    if (metric == "euclidean") spec$metric <- "levenshtein"
    if (anyNA(x)) value_error("`x` has NA strings")
    return(c(spec, list(kind = "strings", values = x, n = length(x), d = 1)))
  }
  if (is.list(x) && !is.data.frame(x)) {
    if (metric == "euclidean") spec$metric <- "dtw"
    numeric <- vapply(x, function(s) is.numeric(s) && is.null(dim(s)), TRUE)
    if (!all(numeric)) type_error("a list `x` must hold numeric vectors (series for the dtw metric)")
    if (any(vapply(x, anyNA, TRUE))) value_error("a series of `x` has NA values")
    return(c(spec, list(kind = "series", values = lapply(x, as.double), n = length(x), d = 1)))
  }
  if (is.data.frame(x)) {
    numeric <- vapply(x, is.numeric, TRUE)
    if (!all(numeric)) {
      type_error(sprintf("every column of the data frame must be numeric; not: %s", paste(names(x)[!numeric], collapse = ", ")))
    }
    x <- as.matrix(x)
  }
  if (is.numeric(x) && is.null(dim(x))) x <- matrix(x, ncol = 1L)
  if (!is.matrix(x) || !is.numeric(x)) {
    type_error(sprintf("`x` must be a numeric matrix, a data frame, a `dist`, a character vector or a list of numeric vectors, not %s", class(x)[1]))
  }
  if (anyNA(x)) value_error("`x` has NA values: remove or impute them first")
  if (metric == "precomputed" && nrow(x) != ncol(x)) value_error("a precomputed `x` must be a square matrix")
  c(spec, list(kind = "dense", values = as.double(t(x)), n = nrow(x), d = ncol(x)))
}

# The objects `rows` of `x` (as data_spec reads it), for medoids and new data.
objects_of <- function(x, rows) {
  if (inherits(x, "dist")) return(rows)
  if (is.character(x) || (is.list(x) && !is.data.frame(x))) return(x[rows])
  if (is.null(dim(x))) x <- matrix(x, ncol = 1L)
  as.matrix(x)[rows, , drop = FALSE]
}

# `a` followed by `b`, both read as one kind of data.
joined <- function(a, b) {
  if (is.character(a) || (is.list(a) && !is.data.frame(a))) return(c(a, b))
  rbind(as.matrix(a), as.matrix(b))
}
