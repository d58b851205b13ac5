# The same medoids as the Python package for a seed (the core is one; the surfaces must not
# change what it is asked). Runs where BANDITPAMRS_PYTHON names a Python with banditpam_rs.

test_that("the same seed gives the Python package's medoids", {
  python <- Sys.getenv("BANDITPAMRS_PYTHON")
  skip_if(python == "" || !file.exists(python), "BANDITPAMRS_PYTHON names no Python")
  x <- as.matrix(iris[, 1:4])
  file <- tempfile(fileext = ".csv")
  write.table(x, file, sep = ",", row.names = FALSE, col.names = FALSE)
  for (case in list(list("onebatch", 4, 3), list("banditpam++", 6, 11), list("nearswap", 5, 2), list("auto", 3, 0))) {
    script <- sprintf(paste(
      "import numpy as np, banditpam_rs",
      "x = np.loadtxt(%s, delimiter=',')",
      "m = banditpam_rs.KMedoids(n_clusters=%d, method=%s, random_state=%d).fit(x)",
      "print(' '.join(str(i + 1) for i in sorted(m.medoid_indices_)))", sep = "\n"),
      shQuote(file, "sh"), case[[2]], shQuote(case[[1]], "sh"), case[[3]])
    script <- gsub("'", "\"", script)
    out <- system2(python, c("-c", shQuote(script)), stdout = TRUE)
    theirs <- as.integer(strsplit(out[length(out)], " ")[[1]])
    ours <- kmedoids(x, case[[2]], method = case[[1]], seed = case[[3]])
    expect_equal(sort(ours$id.med), theirs, info = case[[1]])
  }
})
