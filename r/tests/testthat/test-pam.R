# The same answer as cluster::pam where PAM's answer is unique, with pam's fields.

expect_same_as_pam <- function(x, k, ..., diss = inherits(x, "dist")) {
  ours <- kmedoids(x, k, ...)
  theirs <- cluster::pam(x, k, diss = diss)
  expect_equal(ours$id.med, theirs$id.med)
  expect_equal(ours$clustering, theirs$clustering)
  expect_equal(ours$objective[["swap"]], theirs$objective[["swap"]], tolerance = 1e-12)
  expect_equal(unname(ours$clusinfo), unname(theirs$clusinfo), tolerance = 1e-12)
  expect_equal(as.character(ours$isolation), as.character(theirs$isolation))
  expect_equal(unname(ours$silinfo$widths), unname(theirs$silinfo$widths), tolerance = 1e-12)
  expect_equal(rownames(ours$silinfo$widths), rownames(theirs$silinfo$widths))
  expect_equal(ours$silinfo$avg.width, theirs$silinfo$avg.width, tolerance = 1e-12)
  invisible(ours)
}

test_that("iris and USArrests give pam's medoids, clusters, statistics and silhouettes", {
  for (method in c("pam", "auto")) {
    expect_same_as_pam(iris[, 1:4], 3, method = method)
    expect_same_as_pam(USArrests, 4, method = method)
    expect_same_as_pam(scale(USArrests), 3, method = method)
  }
})

test_that("a dist object is read as precomputed dissimilarities", {
  d <- dist(USArrests, method = "manhattan")
  fit <- expect_same_as_pam(d, 4)
  expect_s3_class(fit, c("kmedoids", "pam", "partition"), exact = TRUE)
  expect_identical(fit$diss, d)
  expect_null(fit$data)
  # The same as the matrix under the same metric.
  expect_equal(kmedoids(USArrests, 4, metric = "manhattan")$id.med, fit$id.med)
})

test_that("random sets give pam's answer with every exact method and the default", {
  set.seed(11)
  for (trial in 1:6) {
    n <- sample(40:160, 1)
    x <- matrix(rnorm(n * 3), n, 3) + rep(sample(0:3, n, replace = TRUE) * 3, 3)
    k <- sample(2:6, 1)
    theirs <- cluster::pam(x, k)
    for (method in c("auto", "pam", "fastpam1", "banditpam++")) {
      ours <- kmedoids(x, k, method = method, seed = trial)
      expect_equal(ours$id.med, theirs$id.med, info = sprintf("trial %d, %s", trial, method))
    }
  }
})

test_that("the objective is the average dissimilarity, as pam reports it", {
  fit <- kmedoids(iris[, 1:4], 3, method = "pam")
  d <- as.matrix(dist(iris[, 1:4]))
  expect_equal(fit$loss, total_loss(d, fit$id.med), tolerance = 1e-12)
  expect_equal(fit$objective[["swap"]], fit$loss / 150, tolerance = 1e-12)
})
