# Every documented input kind, each against an independent reference.

storage.mode_double <- function(x) {
  storage.mode(x) <- "double"
  x
}

test_that("a data frame, a matrix, an integer matrix and a vector are the same data", {
  m <- as.matrix(USArrests)
  expect_equal(kmedoids(USArrests, 3)$id.med, kmedoids(m, 3)$id.med)
  expect_equal(kmedoids(round(m), 3)$id.med, kmedoids(storage.mode_double(round(m)), 3)$id.med)
  v <- c(1, 2, 3, 10, 11, 12, 30)
  expect_equal(kmedoids(v, 2)$id.med, kmedoids(matrix(v), 2)$id.med)
})

test_that("strings by edit distance reach the brute-force optimum of utils::adist", {
  words <- c("kitten", "sitting", "mitten", "fitting", "bitten", "written", "smitten", "knitting", "sit")
  d <- utils::adist(words)
  best <- brute_force_medoids(d, 3)
  fit <- kmedoids(words, 3, method = "pam")
  expect_equal(fit$loss, best$total)
  expect_equal(total_loss(d, fit$id.med), best$total)
  expect_equal(fit$medoids, words[fit$id.med])
  expect_equal(fit$metric, "levenshtein")
})

test_that("series by dtw reach the brute-force optimum of a plain DTW", {
  set.seed(3)
  series <- lapply(1:9, function(i) cumsum(rnorm(sample(5:9, 1))) + (i %% 3) * 4)
  d <- outer(seq_along(series), seq_along(series), Vectorize(function(i, j) plain_dtw(series[[i]], series[[j]])))
  best <- brute_force_medoids(d, 3)
  fit <- kmedoids(series, 3, method = "pam")
  expect_equal(fit$metric, "dtw")
  expect_equal(fit$loss, best$total, tolerance = 1e-12)
  expect_equal(sort(fit$id.med), sort(best$medoids))
})

test_that("trees in bracket notation are read with the tree edit distance", {
  trees <- c("{a{b}{c}}", "{a{b}{d}}", "{a{b}{c}{d}}", "{x{y}}", "{x{y}{z}}", "{x{z}}")
  fit <- kmedoids(trees, 2, metric = "tree_edit", method = "pam")
  expect_equal(sort(unname(fit$clustering[c(1, 4)])), 1:2)
  expect_equal(length(unique(fit$clustering[1:3])), 1)
  expect_equal(length(unique(fit$clustering[4:6])), 1)
})

test_that("weights count an object as often as its weight", {
  set.seed(5)
  x <- matrix(rnorm(60), 30, 2)
  w <- sample(1:3, 30, replace = TRUE)
  weighted <- kmedoids(x, 3, weights = w, method = "pam")
  repeated <- kmedoids(x[rep(1:30, w), ], 3, method = "pam")
  expect_equal(weighted$loss, repeated$loss, tolerance = 1e-12)
  expect_equal(sort(weighted$id.med), sort(rep(1:30, w)[repeated$id.med]))
})

test_that("init takes object numbers from 1, or a start's name", {
  start <- c(3, 60, 120)
  fit <- kmedoids(iris[, 1:4], 3, init = start, max_iter = 0)
  expect_equal(sort(fit$id.med), start)
  expect_equal(kmedoids(iris[, 1:4], 3, init = "build", method = "pam")$id.med, cluster::pam(iris[, 1:4], 3)$id.med)
})

test_that("the same seed gives the same medoids whatever the thread count", {
  x <- as.matrix(iris[, 1:4])
  one <- kmedoids(x, 5, method = "onebatch", seed = 9, threads = 1)
  two <- kmedoids(x, 5, method = "onebatch", seed = 9, threads = 2)
  expect_equal(one$id.med, two$id.med)
  expect_equal(one$method, "onebatch")
})

test_that("a data set pam cannot take is clustered without its matrix", {
  set.seed(8)
  n <- 70000
  x <- matrix(rnorm(n * 2), n, 2) + rep(sample(0:4, n, replace = TRUE) * 5, 2)
  expect_error(cluster::pam(x, 5), "65536|too large|size")
  fit <- kmedoids(x, 5, silhouette = FALSE)
  expect_equal(length(fit$clustering), n)
  expect_true(all(fit$clusinfo[, "size"] > 10000))
  expect_null(fit$silinfo)
})
