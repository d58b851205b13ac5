#!/usr/bin/env bash
# Makes .venv with the Python test and docs tools and installs the package into it as the one
# abi3 wheel that `maturin build --release` makes (tests and docs run on the wheel users
# install, not on a development build). Prints nothing but pip's and maturin's own output.
# Used by scripts/test.sh and scripts/docs.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q numpy scikit-learn scipy pandas pytest ruff "maturin>=1.5,<2" kmedoids \
    sphinx numpydoc sphinx-gallery furo myst-parser matplotlib "dask[array]" distributed mypy typing_extensions \
    rapidfuzz dtaidistance apted
# The upstream package, for the compat tests (they skip, saying so, if it cannot be installed).
.venv/bin/pip install -q "banditpam==6.0.2" || echo "warning: banditpam==6.0.2 not installable; compat tests skip"
rm -rf target/wheels
.venv/bin/maturin build --release --manifest-path python/Cargo.toml --out target/wheels
wheel=$(ls target/wheels/banditpam_rs-*-cp39-abi3-*.whl)  # one abi3 wheel, or the step fails
.venv/bin/pip install -q --force-reinstall --no-deps "$wheel"  # its dependencies are installed above
