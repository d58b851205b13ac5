#!/usr/bin/env bash
# The project's one test command: formatting, lints, every test (Rust and Python), the
# documentation site with its examples and doctests, the R package, and the wheel on a second
# Python.
# Installs what it needs: a venv in .venv (scripts/python-env.sh), with the package installed
# as the one abi3 wheel that `maturin build --release` makes (the tests run on the wheel users
# install, not on a development build), and a Debian chroot for the second Python.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (release: the exact algorithms are O(n^2) and slow unoptimised)"
cargo test --workspace --release --locked
echo "== cargo test, checked lane (the core's tests with overflow checks and debug assertions)"
cargo test -p banditpam --profile checked --locked --lib --tests

echo "== Python venv, wheel and package"
bash scripts/python-env.sh
echo "== ruff"
.venv/bin/ruff check python bench examples scripts docs/conf.py
.venv/bin/ruff format --check python bench examples scripts docs/conf.py
echo "== pytest"
.venv/bin/pytest -q python/tests
echo "== stubs: the generated part current, the whole checked against the module (stubtest)"
.venv/bin/python scripts/stubs.py --check
.venv/bin/python -m mypy.stubtest banditpam_rs._core

echo "== the R package (scripts/r-check.sh)"
if [ "${SKIP_R:-0}" = 1 ]; then
    echo "skipped (SKIP_R=1)"
else
    bash scripts/r-check.sh
fi

echo "== documentation site (scripts/docs.sh)"
bash scripts/docs.sh

echo "== the wheel on a second Python"
if [ "${SKIP_SECOND_PYTHON:-0}" = 1 ]; then
    echo "skipped (SKIP_SECOND_PYTHON=1)"
else
    bash scripts/check-second-python.sh "$(ls target/wheels/banditpam_rs-*-cp39-abi3-*.whl)"
fi
