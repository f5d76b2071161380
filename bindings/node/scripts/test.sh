#!/usr/bin/env bash
# Builds the Node addon (release, with @napi-rs/cli), runs its tests with Node's built-in runner,
# then packs the release tarballs from that build (scripts/package.sh) and tests them installed
# in an empty folder without cargo (scripts/test-package.sh).
# Usage: bindings/node/scripts/test.sh [NODE_TEST_ARGS...]
# Environment:
#   CARGO_TARGET_DIR  cargo's build folder (default: <repo>/target/node, kept between runs)
#   FIXTURES_DIR      the generated media (default: made by scripts/make-fixtures)
#   NSFW_MODEL_DIR    the nsfwjs model folder (default: made by scripts/prepare-nsfw-model)
#   RELEASE_DIR       where the release packages go (default: <repo>/target/release-packages)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
say() { echo "bindings/node: $*" >&2; }
cd "$here"

if [ ! -x node_modules/.bin/napi ]; then
  say "installing the dev dependencies (@napi-rs/cli)"
  npm install --no-audit --no-fund >&2
fi

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/node}
say "building the addon (cargo target: $CARGO_TARGET_DIR)"
started=$SECONDS
npm run --silent build >&2
say "built in $((SECONDS - started)) s"

# A standalone crate, so the workspace's fmt and clippy run in scripts/test does not cover it.
say "cargo fmt --check, cargo clippy -D warnings"
cargo fmt --check --manifest-path "$here/Cargo.toml"
cargo clippy --quiet --release --locked --all-targets --manifest-path "$here/Cargo.toml" -- -D warnings

node --test "$@" __test__/

# The release packages from the same build, installed where no cargo can build anything.
dist=${RELEASE_DIR:-$root/target/release-packages}/node
rm -rf "$dist"
scripts/package.sh "$dist" >&2
scripts/test-package.sh "$dist"
