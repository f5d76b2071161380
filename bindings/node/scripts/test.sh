#!/usr/bin/env bash
# Builds the Node addon (release, with @napi-rs/cli), runs its tests with Node's built-in runner,
# then packs the release tarballs from that build (scripts/package.sh) and tests them installed
# in an empty folder without cargo (scripts/test-package.sh).
# Usage: bindings/node/scripts/test.sh [NODE_TEST_ARGS...]
# Environment:
#   CARGO_TARGET_DIR  cargo's build folder (default: <repo>/target/node, kept between runs)
#   FIXTURES_DIR      the generated media (default: made by scripts/make-fixtures)
#   NSFW_MODEL_DIR    the nsfwjs model folder (default: made by scripts/prepare-nsfw-model)
#   SILERO_VAD_DIR    the Silero VAD folder (default: made by scripts/prepare-silero-vad)
#   WHISPER_MODEL_DIR the Whisper tiny.en folder (default: made by scripts/prepare-whisper-tiny)
#   RELEASE_DIR       where the release packages go (default: <repo>/target/release-packages)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
say() { echo "bindings/node: $*" >&2; }
cd "$here"

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/node}
if [ ! -x node_modules/.bin/napi ] || [ ! -x node_modules/.bin/tsc ]; then
  say "installing the dev dependencies (@napi-rs/cli, typescript, livekit-server-sdk)"
  # --ignore-scripts: the addon is built by `npm run build` below; the install hook is tested after.
  npm install --no-audit --no-fund --ignore-scripts >&2
fi

say "building the addon (cargo target: $CARGO_TARGET_DIR)"
started=$SECONDS
npm run --silent build >&2
say "built in $((SECONDS - started)) s"

# A standalone crate, so the workspace's fmt and clippy run in scripts/test does not cover it.
say "cargo fmt --check, cargo clippy -D warnings"
cargo fmt --check --manifest-path "$here/Cargo.toml"
cargo clippy --quiet --release --locked --all-targets --manifest-path "$here/Cargo.toml" -- -D warnings

node --test "$@" __test__/
say "tsc --strict over __test__/typing-sample.ts (the public types in index.d.ts)"
node_modules/.bin/tsc --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 __test__/typing-sample.ts

# `npm install ./bindings/node` in a fresh project, with no addon built: the install hook
# (scripts/install-addon.mjs) builds it with cargo, from the build folder the tests used.
say "npm install of the source folder into a fresh project (the install hook builds the addon)"
started=$SECONDS
app=$(mktemp -d)
rm -f session-monitor.*.node
(cd "$app" && echo '{"name": "app", "version": "1.0.0", "private": true}' >package.json &&
  npm install --no-audit --no-fund --offline "$here" >&2 &&
  node -e 'const m = require("@session-monitor/node"); if (typeof m.SessionProcessor !== "function") process.exit(1)')
rm -rf "$app"
[ -f session-monitor.linux-x64-gnu.node ] || { say "the install hook left no session-monitor.linux-x64-gnu.node"; exit 1; }
say "installed from source in $((SECONDS - started)) s"

# The release packages from the same build, installed where no cargo can build anything.
dist=${RELEASE_DIR:-$root/target/release-packages}/node
rm -rf "$dist"
scripts/package.sh "$dist" >&2
scripts/test-package.sh "$dist"
