# Independent references: brute force over every set of k medoids, and a plain DTW.

# The k medoids of least total dissimilarity under the n x n matrix `d`, by trying every set.
brute_force_medoids <- function(d, k) {
  sets <- utils::combn(nrow(d), k)
  totals <- apply(sets, 2, function(m) sum(apply(d[m, , drop = FALSE], 2, min)))
  list(medoids = sets[, which.min(totals)], total = min(totals))
}

# Dynamic time warping with no window, as dtaidistance defines it: the square root of the
# least sum of squared differences along a warping path.
plain_dtw <- function(a, b) {
  cost <- matrix(Inf, length(a) + 1, length(b) + 1)
  cost[1, 1] <- 0
  for (i in seq_along(a)) for (j in seq_along(b)) {
    cost[i + 1, j + 1] <- (a[i] - b[j])^2 + min(cost[i, j + 1], cost[i + 1, j], cost[i, j])
  }
  sqrt(cost[length(a) + 1, length(b) + 1])
}

total_loss <- function(d, medoids) sum(apply(d[medoids, , drop = FALSE], 2, min))
