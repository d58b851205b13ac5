#!/usr/bin/env bash
# Installs the abi3 wheel on a second CPython (Debian stable's python3, 3.13 today, in a
# chroot made with mmdebstrap under target/) in a fresh venv and runs the README's Python
# example there: the check that one wheel serves every CPython >= 3.9.
# Usage: bash scripts/check-second-python.sh target/wheels/banditpam_rs-*-cp39-abi3-*.whl
# Needs root (chroot) and Debian's package registry; the chroot is kept for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
wheel=$1
root=target/second-python

if [ "$(id -u)" != 0 ]; then
    echo "check-second-python: needs root for the chroot; run as root or set SKIP_SECOND_PYTHON=1" >&2
    exit 1
fi
if [ ! -x "$root/usr/bin/python3" ]; then
    command -v mmdebstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq mmdebstrap >/dev/null; }
    rm -rf "$root"
    mmdebstrap --quiet --variant=apt --include=python3,python3-venv,ca-certificates \
        stable "$root" http://deb.debian.org/debian
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The host's certificate authorities (a registry behind a proxy may need one of its own).
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
mkdir -p "$root/work"
rm -f "$root"/work/*.whl
cp "$wheel" "$root/work/"
# The README's first Python block, as a newcomer would paste it.
awk '/^## Use from Python/{section=1} section && /^```python/{inside=1; next} inside && /^```/{exit} inside' \
    README.md > "$root/work/readme_example.py"
test -s "$root/work/readme_example.py" || { echo "no Python example found in the README" >&2; exit 1; }

# A mount namespace of its own, so /proc is unmounted however the check ends.
unshare --mount --propagation private sh -euc '
    root=$1
    mount -t proc proc "$root/proc"
    chroot "$root" sh -euc "
        cd /work
        unset PIP_FIND_LINKS  # a local wheel folder of the host, absent here
        python3 --version
        rm -rf venv && python3 -m venv venv
        venv/bin/pip install -q --disable-pip-version-check numpy scikit-learn
        venv/bin/pip install -q --disable-pip-version-check --no-deps ./*.whl
        venv/bin/python readme_example.py
    "
' check "$root"
echo "the abi3 wheel installs and runs the README example on a second Python"
