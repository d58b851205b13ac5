library(testthat)
library(banditpamrs)

test_check("banditpamrs")
