#!/usr/bin/env bash
# The benchmark suite: banditpam-rs against upstream BanditPAM, kmedoids (FasterPAM) and
# onebatch (OneBatchPAM), on the same data in the same run. Sets up bench/.venv with the peers
# from PyPI and this project's Python package, then runs bench/suite.py (--quick: a few minutes;
# --setup-only: only the setup, for bench/scale.py and the others).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv bench/.venv
bench/.venv/bin/pip install -q --upgrade pip
bench/.venv/bin/pip install -q numpy scikit-learn kmedoids onebatch "banditpam==6.0.2" threadpoolctl matplotlib
bench/.venv/bin/pip install -q "./python[dask]"
if [ "${1:-}" = "--setup-only" ]; then
    exit 0
fi
bench/.venv/bin/python bench/suite.py "$@"
