#!/usr/bin/env bash
# The project's one test command: formatting, lints, and every test, Rust and Python.
# Installs what it needs: a venv in .venv with the Python package built from ./python.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (release: the exact algorithms are O(n^2) and slow unoptimised)"
cargo test --workspace --release --locked

echo "== Python venv and package"
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q numpy scikit-learn pandas pytest ruff
# The upstream package, for the compat tests (they skip, saying so, if it cannot be installed).
.venv/bin/pip install -q "banditpam==6.0.2" || echo "warning: banditpam==6.0.2 not installable; compat tests skip"
.venv/bin/pip install -q ./python
echo "== ruff"
.venv/bin/ruff check python bench
.venv/bin/ruff format --check python bench
echo "== pytest"
.venv/bin/pytest -q python/tests
