# The methods of a fit and the functions around it.

fit <- kmedoids(iris[, 1:4], 3)

test_that("print and summary show the medoids, the objective and the clusters", {
  expect_output(print(fit), "Medoids:")
  expect_output(print(fit), "Objective function:")
  expect_output(print(summary(fit)), "Numerical information per cluster:")
  expect_output(print(summary(fit)), "Average silhouette width of total data set:")
})

test_that("predict assigns new objects to the nearest medoid", {
  d <- as.matrix(dist(rbind(fit$medoids, as.matrix(iris[, 1:4]))))[-(1:3), 1:3]
  expect_equal(predict(fit, iris[, 1:4]), unname(max.col(-d, ties.method = "first")))
  expect_equal(predict(fit, iris[, 1:4]), unname(fit$clustering))
  words <- c("kitten", "sitting", "mitten", "fitting", "bitten", "written")
  strings <- kmedoids(words, 2)
  expect_equal(predict(strings, c("kitten", "knitting")), unname(strings$clustering[c(1, 4)]))
  d <- dist(USArrests)
  on_dist <- kmedoids(d, 3)
  expect_equal(predict(on_dist, as.matrix(d)[1:5, ]), unname(on_dist$clustering[1:5]))
  expect_error(predict(kmedoids(iris[, 1:4], 3, keep.data = FALSE), iris[1:2, 1:4]), class = "kmedoids_value_error")
})

test_that("fitted gives each object's medoid or cluster", {
  expect_equal(fitted(fit, "classes"), fit$clustering)
  centres <- fitted(fit)
  expect_equal(dim(centres), c(150, 4))
  expect_equal(unname(centres[1, ]), unname(fit$medoids[fit$clustering[1], ]))
})

test_that("cluster's silhouette and plot take the fit", {
  s <- cluster::silhouette(fit)
  reference <- cluster::silhouette(fit$clustering, dist(iris[, 1:4]))
  expect_equal(summary(s)$avg.width, summary(reference)$avg.width, tolerance = 1e-12)
  expect_equal(unname(s[, "sil_width"]), unname(fit$silinfo$widths[, "sil_width"]))
  pdf(NULL)
  on.exit(dev.off())
  expect_no_error(plot(fit))
})

test_that("factoextra draws the fit", {
  skip_if_not_installed("factoextra")
  expect_s3_class(factoextra::fviz_cluster(fit), "ggplot")
})

test_that("select_k picks the k of the best Medoid Silhouette", {
  found <- select_k(iris[, 1:4], 2:5)
  expect_equal(found$scores$k, 2:5)
  expect_equal(found$best_k, found$scores$k[which.max(found$scores$score)])
  expect_s3_class(found$fit, "kmedoids")
  expect_equal(length(found$fit$id.med), found$best_k)
  for (k in 2:5) {
    refit <- kmedoids(iris[, 1:4], k)
    expect_equal(found$scores$score[found$scores$k == k], mean(medoid_silhouette(refit)), tolerance = 1e-9)
  }
})

test_that("medoid_silhouette is 1 - a / b from the two nearest medoids", {
  d <- as.matrix(dist(iris[, 1:4]))[fit$id.med, ]
  two <- apply(d, 2, sort)[1:2, ]
  expected <- ifelse(two[1, ] == 0, 1, 1 - two[1, ] / two[2, ])
  expect_equal(medoid_silhouette(fit), unname(expected), tolerance = 1e-12)
  expect_equal(medoid_silhouette(iris[, 1:4], fit$id.med), unname(expected), tolerance = 1e-12)
})
