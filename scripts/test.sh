#!/usr/bin/env bash
# The project's one test command: formatting, lints, and every test. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (release: the exact algorithms are O(n^2) and slow unoptimised)"
cargo test --workspace --release --locked
