# Every bad input is an R error of a kmedoids class with a message that names the problem.

expect_kmedoids_error <- function(expr, class, pattern) {
  expect_error(expr, class = class, regexp = pattern)
}

test_that("bad data is refused", {
  x <- as.matrix(iris[, 1:4])
  x[5, 2] <- NA
  expect_kmedoids_error(kmedoids(x, 3), "kmedoids_value_error", "NA")
  expect_kmedoids_error(kmedoids(iris, 3), "kmedoids_type_error", "Species")
  expect_kmedoids_error(kmedoids(c("a", NA, "b"), 2), "kmedoids_value_error", "NA strings")
  expect_kmedoids_error(kmedoids(list(1:3, "a"), 2), "kmedoids_type_error", "numeric vectors")
  expect_kmedoids_error(kmedoids(list(c(1, NA)), 1), "kmedoids_value_error", "NA")
  expect_kmedoids_error(kmedoids(factor(c("a", "b")), 1), "kmedoids_type_error", "numeric matrix")
  expect_kmedoids_error(kmedoids(matrix(numeric(0), 0, 2), 1), "kmedoids_value_error", "empty|no objects")
  d <- dist(USArrests)
  d[3] <- NA
  expect_kmedoids_error(kmedoids(d, 2), "kmedoids_value_error", "NA")
  expect_kmedoids_error(kmedoids(dist(USArrests), 2, metric = "cosine"), "kmedoids_value_error", "dist")
  x <- as.matrix(iris[, 1:4])
  x[1, 1] <- Inf
  expect_kmedoids_error(kmedoids(x, 2), "kmedoids_value_error", "finite|Inf")
})

test_that("bad parameters are refused, by their R names", {
  x <- iris[, 1:4]
  expect_kmedoids_error(kmedoids(x, 151), "kmedoids_value_error", "k = 151 must be at most the number of objects, n = 150")
  expect_kmedoids_error(kmedoids(x, 0), "kmedoids_value_error", "`k`")
  expect_kmedoids_error(kmedoids(x, 2.5), "kmedoids_value_error", "`k` must be a whole number")
  expect_kmedoids_error(kmedoids(x), "kmedoids_value_error", "`k`")
  expect_kmedoids_error(kmedoids(x, 3, metric = "nope"), "kmedoids_value_error", "unknown metric 'nope'")
  expect_kmedoids_error(kmedoids(x, 3, method = "fastest"), "kmedoids_value_error", "fastest")
  expect_kmedoids_error(kmedoids(x, 3, init = c(1, 2, 151)), "kmedoids_value_error", "151")
  expect_kmedoids_error(kmedoids(x, 3, init = c(1, 2)), "kmedoids_value_error", "init|medoids")
  expect_kmedoids_error(kmedoids(x, 3, init = c(1, 1, 2)), "kmedoids_value_error", "init|medoids|twice")
  expect_kmedoids_error(kmedoids(x, 3, init = c(0, 1, 2)), "kmedoids_value_error", "from 1 to n")
  expect_kmedoids_error(kmedoids(x, 3, init = "sometimes"), "kmedoids_value_error", "sometimes")
  expect_kmedoids_error(kmedoids(x, 3, weights = rep(1, 3)), "kmedoids_value_error", "weight")
  expect_kmedoids_error(kmedoids(x, 3, weights = c(-1, rep(1, 149))), "kmedoids_value_error", "weight")
  expect_kmedoids_error(kmedoids(x, 3, seed = -1), "kmedoids_value_error", "`seed`")
  expect_kmedoids_error(kmedoids(x, 3, threads = "many"), "kmedoids_value_error", "`threads`")
  expect_kmedoids_error(kmedoids(x, 3, bogus = 1), "kmedoids_value_error", "unknown argument `bogus`")
  expect_kmedoids_error(kmedoids(x, 3, 5), "kmedoids_type_error", "metric")
  expect_kmedoids_error(kmedoids(x, 3, trace = NA), "kmedoids_type_error", "trace")
  expect_kmedoids_error(kmedoids(x, 3, memory = "lots"), "kmedoids_value_error", "memory")
  expect_kmedoids_error(select_k(x, 0:3), "kmedoids_value_error", "`k` must be numbers of clusters, each at least 1")
})

test_that("a memory budget too small for the fit is a memory error, not an abort", {
  set.seed(1)
  x <- matrix(rnorm(20000 * 5), 20000, 5)
  expect_kmedoids_error(kmedoids(x, 50, memory = "64K"), "kmedoids_memory_error", "memory|budget")
  expect_kmedoids_error(kmedoids(x, 5, method = "pam", memory = "100M"), "kmedoids_memory_error", "nearswap|matrix")
})

test_that("an interrupt stops a long fit within a second, as a kmedoids_interrupt", {
  set.seed(2)
  x <- matrix(rnorm(30000 * 20), 30000, 20)
  # An elapsed-time limit is raised where R checks for Ctrl-C: the same path as a user interrupt.
  started <- proc.time()[["elapsed"]]
  expect_error({
    setTimeLimit(elapsed = 1, transient = TRUE)
    on.exit(setTimeLimit(elapsed = Inf))
    kmedoids(x, 100, method = "banditpam", silhouette = FALSE)
  }, class = "kmedoids_interrupt")
  setTimeLimit(elapsed = Inf)
  expect_lt(proc.time()[["elapsed"]] - started, 5)
})
