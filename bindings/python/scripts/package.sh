#!/usr/bin/env bash
# Builds the release wheel (abi3, CPython >= 3.9) with the same command pip runs for
# `pip install ./bindings/python`, so the build that the tests use is the release build. The wheel
# is tagged linux_x86_64 (see README.md, "Release wheels"). Prints the wheel's path.
# Usage: bindings/python/scripts/package.sh OUT_DIR   (PYTHON: a Python with maturin, default python3)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: package.sh OUT_DIR}
py=${PYTHON:-python3}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# The maturin build backend runs `maturin` from PATH: the one next to $py.
PATH=$(dirname "$(command -v "$py")"):$PATH \
  "$py" -m pip wheel --quiet --disable-pip-version-check --no-build-isolation --no-deps -w "$out" "$here" >&2
wheels=("$out"/session_monitor-*-cp39-abi3-linux_x86_64.whl)
[ ${#wheels[@]} -eq 1 ] && [ -f "${wheels[0]}" ] || { echo "expected one abi3 wheel in $out" >&2; exit 1; }
echo "${wheels[0]}"
