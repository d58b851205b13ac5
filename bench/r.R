# The R package against cluster::pam, in one run on this machine (issue: an R package).
#
#   bash scripts/r-check.sh            # installs R, the package into target/r-library, tests
#   R_LIBS=target/r-library Rscript bench/r.R [repeats]
#
# Cases: the bundled MNIST test digits (n = 10,000, 784-d), k = 10: kmedoids() (defaults)
# against cluster::pam(x, 10, pamonce = 6) with its dist included; and 100,000 digits (the
# bundled ones and copies shifted by up to 2 pixels, as bench/suite.py makes them, with R's own
# random shifts), k = 10, which pam refuses. Medians of `repeats` runs of kmedoids() (default
# 3); pam runs once (minutes). Writes bench/results/r.md.

suppressPackageStartupMessages({
  library(banditpamrs)
  library(cluster)
})
args <- commandArgs(trailingOnly = TRUE)
repeats <- if (length(args)) as.integer(args[1]) else 3L
threads <- 2L

root <- normalizePath(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(), value = TRUE))), ".."))
digits <- function() {
  con <- gzfile(file.path(root, "data", "mnist-t10k-images-idx3-ubyte.gz"), "rb")
  on.exit(close(con))
  readBin(con, "raw", 16)
  pixels <- readBin(con, "integer", n = 10000 * 784, size = 1, signed = FALSE)
  matrix(pixels / 255, ncol = 784, byrow = TRUE)
}
shifted <- function(images, n, seed = 0) {
  set.seed(seed)
  out <- matrix(0, n, 784)
  out[1:10000, ] <- images
  roll <- function(v, s) if (s == 0) v else c(tail(v, s), head(v, -s))
  for (i in 10001:n) {
    shift <- sample(-2:2, 2, replace = TRUE)
    if (all(shift == 0)) shift <- c(1, 0)
    image <- matrix(images[(i - 1) %% 10000 + 1, ], 28, 28, byrow = TRUE)
    image <- apply(image, 2, roll, s = shift[1] %% 28)
    image <- t(apply(image, 1, roll, s = shift[2] %% 28))
    out[i, ] <- as.vector(t(image))
  }
  out
}
seconds <- function(expr) system.time(expr)[["elapsed"]]
total_loss <- function(x, medoids) {
  # Exact, in blocks: the sum over objects of the distance to the nearest medoid.
  m <- x[medoids, , drop = FALSE]
  sum(vapply(split(seq_len(nrow(x)), ceiling(seq_len(nrow(x)) / 5000)), function(rows) {
    d <- sqrt(pmax(outer(rowSums(x[rows, , drop = FALSE]^2), rowSums(m^2), "+") - 2 * x[rows, , drop = FALSE] %*% t(m), 0))
    sum(apply(d, 1, min))
  }, 0))
}

x <- digits()
cat("MNIST 10,000, k = 10\n")
ours <- replicate(repeats, {
  time <- seconds(fit <- kmedoids(x, 10, threads = threads))
  c(time, total_loss(x, fit$id.med))
})
fit <- kmedoids(x, 10, threads = threads)
pam_seconds <- seconds({
  d <- dist(x)
  reference <- pam(d, 10, diss = TRUE, pamonce = 6)
})
rm(d)
pam_loss <- total_loss(x, reference$id.med)
ours_seconds <- median(ours[1, ])
ours_loss <- median(ours[2, ])
cat(sprintf("  kmedoids(): %.2f s (median of %d, method %s), loss %.1f\n", ours_seconds, repeats, fit$method, ours_loss))
cat(sprintf("  pam(pamonce = 6), dist included: %.1f s, loss %.1f\n", pam_seconds, pam_loss))
cat(sprintf("  speed-up %.1fx, loss ratio %.5f\n", pam_seconds / ours_seconds, ours_loss / pam_loss))

cat("100,000 shifted digits, k = 10\n")
big <- shifted(x, 100000)
refusal <- tryCatch({ pam(big, 10); "accepted" }, error = function(e) conditionMessage(e))
big_runs <- replicate(repeats, seconds(big_fit <- kmedoids(big, 10, threads = threads)))
big_fit <- kmedoids(big, 10, threads = threads)
cat(sprintf("  kmedoids(): %.1f s (median of %d, method %s); pam: %s\n", median(big_runs), repeats, big_fit$method, refusal))

report <- c(
  "# The R package against cluster::pam",
  "",
  sprintf("Measured %s on %d threads (`R_LIBS=target/r-library Rscript bench/r.R`), R %s, cluster %s.",
          format(Sys.Date()), threads, getRversion(), packageVersion("cluster")),
  "",
  "| case | kmedoids() | cluster::pam (pamonce = 6) | ratio |",
  "|---|---|---|---|",
  sprintf("| MNIST 10,000, k = 10 | %.2f s (median of %d; %s), loss %.1f | %.1f s with its dist, loss %.1f | %.1fx faster, loss x %.5f |",
          ours_seconds, repeats, fit$method, ours_loss, pam_seconds, pam_loss, pam_seconds / ours_seconds, ours_loss / pam_loss),
  sprintf("| 100,000 shifted digits, k = 10 | %.1f s (median of %d; %s) | refused: %s | |",
          median(big_runs), repeats, big_fit$method, gsub("\n", " ", refusal))
)
writeLines(report, file.path(root, "bench", "results", "r.md"))
cat(report, sep = "\n")
