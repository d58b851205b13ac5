# Every help page's examples run.

test_that("the examples of every help page run", {
  for (topic in c("kmedoids", "predict.kmedoids", "fitted.kmedoids", "select_k", "medoid_silhouette")) {
    expect_no_error(utils::example(topic, package = "banditpamrs", character.only = TRUE, echo = FALSE, ask = FALSE))
  }
})
