#!/usr/bin/env bash
# Builds the documentation site into docs/_build/html, every warning an error:
#   - the CLI reference, generated from the tool's own --help (clap);
#   - the parameter table, generated from the core's parameter table;
#   - the Rust reference (`cargo doc`, warnings as errors), copied under rust/;
#   - the Sphinx site: guide, API reference from the docstrings (numpydoc), and the examples
#     gallery, whose scripts all run during the build (sphinx-gallery);
#   - the doctests of the pages and of the package's docstrings;
#   - a check that the index names every public class and function.
# Needs .venv with the package installed (scripts/python-env.sh makes it if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! .venv/bin/python -c "import banditpam_rs, sphinx_gallery" 2>/dev/null; then
    bash scripts/python-env.sh
fi

echo "== CLI reference (from clap)"
cargo build --release --locked -p banditpam-cli
mkdir -p docs/_generated
{
    for command in "" fit select-k swap-gap demo; do
        title="banditpam${command:+ $command}"
        echo "$title"
        printf '%*s\n' "${#title}" '' | tr ' ' '-'
        echo
        echo ".. code-block:: text"
        echo
        # shellcheck disable=SC2086 # an empty $command must vanish
        target/release/banditpam $command --help | sed -e 's/^/   /' -e 's/[[:space:]]*$//'
        echo
    done
} > docs/_generated/cli.rst

echo "== parameter table (from the core's table, through the package)"
.venv/bin/python scripts/parameter_table.py > docs/_generated/parameters.rst

echo "== Rust reference (cargo doc)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked -p banditpam

echo "== Sphinx site and gallery"
rm -rf docs/_build docs/auto_examples
export MPLBACKEND=Agg
.venv/bin/python -m sphinx -W --keep-going -q -b html docs docs/_build/html
rm -rf docs/_build/html/rust
cp -r target/doc docs/_build/html/rust

echo "== doctests (pages and docstrings)"
.venv/bin/python -m sphinx -W --keep-going -q -b doctest -D plot_gallery=0 docs docs/_build/doctest
.venv/bin/python -m pytest -q --doctest-modules --pyargs banditpam_rs -p no:cacheprovider

echo "== every public name in the index"
.venv/bin/python scripts/check_docs_index.py docs/_build/html/genindex.html
echo "docs: docs/_build/html/index.html"
