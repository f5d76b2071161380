#!/usr/bin/env bash
# Installs the release tarballs (scripts/package.sh) into an empty folder with no Rust toolchain
# on PATH, offline with an empty npm cache — so nothing can be built or downloaded — and runs
# examples/process-file.mjs and scripts/installed-smoke.mjs from there against the installed package.
# Usage: bindings/node/scripts/test-package.sh DIST_DIR   (the folder package.sh wrote)
# Environment: FIXTURES_DIR (default: made by scripts/make-fixtures), NSFW_MODEL_DIR (default:
# made by scripts/prepare-nsfw-model).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
dist=$(cd "${1:?usage: test-package.sh DIST_DIR}" && pwd)
say() { echo "bindings/node: $*" >&2; }
fixtures=${FIXTURES_DIR:-$("$root/scripts/make-fixtures" | tail -n 1)}
nsfw=${NSFW_MODEL_DIR:-$("$root/scripts/prepare-nsfw-model" | tail -n 1)}
main=$dist/session-monitor-node-0.1.0.tgz
platform=$dist/session-monitor-node-linux-x64-gnu-0.1.0.tgz
for f in "$main" "$platform" "$fixtures/clean.mp4" "$nsfw/model.safetensors"; do
  [ -s "$f" ] || { say "missing $f"; exit 1; }
done

app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
cp "$here/examples/process-file.mjs" "$here/scripts/installed-smoke.mjs" "$app/"
# Only node's own folder and the base system on PATH: no cargo, no rustc.
clean_path=$(dirname "$(command -v node)"):/usr/bin:/bin
in_app() { (cd "$app" && env PATH="$clean_path" "$@"); }
if in_app sh -c 'command -v cargo || command -v rustc' >/dev/null; then
  say "cargo or rustc is on $clean_path: the test cannot prove that nothing is built"; exit 1
fi
started=$SECONDS
echo '{ "name": "installed-app", "private": true }' >"$app/package.json"
# An empty npm cache as well: everything must come from the two tarballs.
in_app env npm_config_cache="$app/.npm-cache" \
  npm install --offline --no-audit --no-fund --loglevel=error "$main" "$platform" >&2
say "installed the tarballs in $((SECONDS - started)) s"
if compgen -G "$app/node_modules/@session-monitor/node/*.node" >/dev/null; then
  say "the main package carries an addon of its own"; exit 1
fi
[ -f "$app/node_modules/@session-monitor/node-linux-x64-gnu/session-monitor.linux-x64-gnu.node" ] ||
  { say "the platform package was not installed"; exit 1; }

in_app env NSFW_MODEL_DIR="$nsfw" node process-file.mjs "$fixtures/clean.mp4" "$app/out" installed-1 \
  >"$app/result.json" 2>"$app/progress.txt" || { cat "$app/progress.txt" >&2; exit 1; }
in_app env NSFW_MODEL_DIR="$nsfw" FIXTURES_DIR="$fixtures" RESULT_JSON="$app/result.json" \
  node --test installed-smoke.mjs >&2
say "installed package passed in $((SECONDS - started)) s"
