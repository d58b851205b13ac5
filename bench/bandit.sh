#!/usr/bin/env bash
# BanditPAM++ against upstream BanditPAM and kmedoids.fasterpam, in one run. Sets up bench/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv bench/.venv
bench/.venv/bin/pip install -q --upgrade pip
bench/.venv/bin/pip install -q numpy scikit-learn kmedoids threadpoolctl banditpam==6.0.2
cargo build --release --locked -p banditpam --example bench_core
bench/.venv/bin/python bench/bandit.py "$@"
