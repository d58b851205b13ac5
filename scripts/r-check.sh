#!/usr/bin/env bash
# The R package (r/): installs R and the packages its tests use from Debian's registry if they
# are missing (root), checks the binding crate's formatting and lints, installs the package
# into target/r-library (cargo builds the binding, sharing target/ with the workspace), and
# runs its testthat tests, comparing with cluster::pam and with the Python package in .venv.
# Used by scripts/test.sh; SKIP_R=1 there skips it.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=""
for package in r-base-core r-base-dev r-cran-cluster r-cran-testthat r-cran-factoextra; do
    dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "r-check: needs root to install$missing from Debian; install them or set SKIP_R=1" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
R --version | head -1

(cd r/src/rust && cargo fmt -- --check && cargo clippy --locked --all-targets -- -D warnings)

library="$PWD/target/r-library"
mkdir -p "$library"
BANDITPAMRS_TARGET_DIR="$PWD/target" R CMD INSTALL --no-multiarch -l "$library" r
BANDITPAMRS_PYTHON="$PWD/.venv/bin/python" R_LIBS="$library" Rscript -e \
    'testthat::test_dir("r/tests/testthat", package = "banditpamrs", load_package = "installed", stop_on_failure = TRUE, reporter = "summary")'
