#!/usr/bin/env bash
# Vendors the binding's crates for an offline build, as CRAN asks: writes
# src/rust/vendor.tar.xz and src/rust/vendor-config.toml, which src/Makevars unpacks and uses
# with `cargo build --offline`. Neither file is committed. The core crate is not vendored: the
# binding reads it by path from the repository (crates/banditpam).
set -euo pipefail
cd "$(dirname "$0")/../src/rust"
rm -rf vendor vendor.tar.xz
cargo vendor --locked --versioned-dirs vendor > vendor-config.toml
tar -cJf vendor.tar.xz vendor
rm -rf vendor
echo "wrote $(pwd)/vendor.tar.xz ($(du -h vendor.tar.xz | cut -f1)) and vendor-config.toml"
