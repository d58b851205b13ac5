#!/usr/bin/env bash
# The project's one test command: formatting, lints, and every test, Rust and Python.
# Installs what it needs: a venv in .venv, and the Python package as the one abi3 wheel that
# `maturin build --release` makes (the tests run on the wheel users install, not on a dev build).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (release: the exact algorithms are O(n^2) and slow unoptimised)"
cargo test --workspace --release --locked

echo "== Python venv, wheel and package"
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q numpy scikit-learn pandas pytest ruff "maturin>=1.5,<2"
# The upstream package, for the compat tests (they skip, saying so, if it cannot be installed).
.venv/bin/pip install -q "banditpam==6.0.2" || echo "warning: banditpam==6.0.2 not installable; compat tests skip"
rm -rf target/wheels
.venv/bin/maturin build --release --manifest-path python/Cargo.toml --out target/wheels
wheel=$(ls target/wheels/banditpam_rs-*-cp39-abi3-*.whl)  # one abi3 wheel, or the step fails
.venv/bin/pip install -q --force-reinstall --no-deps "$wheel"  # its dependencies are installed above
echo "== ruff"
.venv/bin/ruff check python bench
.venv/bin/ruff format --check python bench
echo "== pytest"
.venv/bin/pytest -q python/tests
