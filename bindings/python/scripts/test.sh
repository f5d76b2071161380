#!/usr/bin/env bash
# Builds the release wheel (abi3, scripts/package.sh), installs it into a virtualenv and runs the
# pytest suite, then installs the same wheel into a fresh virtualenv and runs the example from
# outside the source tree (scripts/test-package.sh).
# Usage: bindings/python/scripts/test.sh [PYTEST_ARGS...]
# Environment:
#   PYTHON_VENV       the virtualenv to use (default: <repo>/.venv when present, else bindings/python/.venv)
#   CARGO_TARGET_DIR  cargo's build folder (default: <repo>/target/python, kept between runs)
#   FIXTURES_DIR, MOTO_SERVER, WHISPER_MODEL_DIR, NSFW_MODEL_DIR, SILERO_VAD_DIR  passed on to the tests
#                     (see tests/conftest.py, test_transcribe.py, test_safety.py)
#   RELEASE_DIR       where the release wheel goes (default: <repo>/target/release-packages)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
say() { echo "bindings/python: $*" >&2; }

venv=${PYTHON_VENV:-}
if [ -z "$venv" ]; then
  if [ -x "$root/.venv/bin/python" ]; then venv=$root/.venv; else venv=$here/.venv; fi
fi
if [ ! -x "$venv/bin/python" ]; then
  say "creating the virtualenv $venv"
  python3 -m venv "$venv"
fi
py=$venv/bin/python
export PATH=$venv/bin:$PATH   # the maturin build backend runs `maturin` from PATH
if ! "$py" -c 'import pytest, moto, jsonschema, mypy, maturin, numpy, livekit.api' 2>/dev/null; then
  say "installing the test requirements into $venv"
  "$py" -m pip install --quiet --disable-pip-version-check -r "$here/tests/requirements.txt" >&2
fi

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/python}
say "building the release wheel (cargo target: $CARGO_TARGET_DIR)"
started=$SECONDS
# The release wheel (scripts/package.sh builds it as `pip install ./bindings/python` does, with the
# venv's maturin so that nothing is downloaded per build and cargo's target folder is reused),
# installed into the test venv.
dist=${RELEASE_DIR:-$root/target/release-packages}/python
rm -rf "$dist"
wheel=$(PYTHON=$py "$here/scripts/package.sh" "$dist")
"$py" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel" >&2
say "built and installed $(basename "$wheel") in $((SECONDS - started)) s"

# A standalone crate, so the workspace's fmt and clippy run in scripts/test does not cover it.
say "cargo fmt --check, cargo clippy -D warnings"
cargo fmt --check --manifest-path "$here/Cargo.toml"
cargo clippy --quiet --release --locked --all-targets --manifest-path "$here/Cargo.toml" -- -D warnings

(cd "$here" && "$py" -m pytest "$@")

# The same wheel in a fresh virtualenv, run from outside the source tree.
"$here/scripts/test-package.sh" "$wheel"
