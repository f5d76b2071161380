#!/usr/bin/env bash
# Installs the release wheel (scripts/package.sh) into a fresh virtualenv, offline and without its
# dependencies' sources (it has none), and runs examples/process_file.py and
# scripts/installed_smoke.py from an empty folder, so no source tree is on sys.path.
# Usage: bindings/python/scripts/test-package.sh WHEEL
# Environment: FIXTURES_DIR (default: made by scripts/make-fixtures), NSFW_MODEL_DIR (default:
# made by scripts/prepare-nsfw-model), PYTHON (the interpreter for the virtualenv, default python3).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
wheel=${1:?usage: test-package.sh WHEEL}
say() { echo "bindings/python: $*" >&2; }
fixtures=${FIXTURES_DIR:-$("$root/scripts/make-fixtures" | tail -n 1)}
nsfw=${NSFW_MODEL_DIR:-$("$root/scripts/prepare-nsfw-model" | tail -n 1)}
for f in "$wheel" "$fixtures/clean.mp4" "$nsfw/model.safetensors"; do
  [ -s "$f" ] || { say "missing $f"; exit 1; }
done

app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
started=$SECONDS
"${PYTHON:-python3}" -m venv "$app/venv"
"$app/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps "$wheel" >&2
say "installed $(basename "$wheel") into a fresh virtualenv in $((SECONDS - started)) s"
cp "$here/examples/process_file.py" "$here/scripts/installed_smoke.py" "$app/"
in_app() { (cd "$app" && env -u PYTHONPATH "$@"); }
in_app env NSFW_MODEL_DIR="$nsfw" venv/bin/python process_file.py "$fixtures/clean.mp4" "$app/out" installed-1 \
  >"$app/result.json"
in_app env NSFW_MODEL_DIR="$nsfw" RESULT_JSON="$app/result.json" venv/bin/python installed_smoke.py
say "installed wheel passed in $((SECONDS - started)) s"
