#!/usr/bin/env bash
# Packs the release npm packages from the addon that `npm run build` made: the platform package
# @session-monitor/node-linux-x64-gnu (the .node, stripped of debug info and symbols) and the main
# @session-monitor/node, whose optionalDependencies name it. Prints the two tarballs' paths.
# Usage: bindings/node/scripts/package.sh OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: package.sh OUT_DIR}
say() { echo "bindings/node: $*" >&2; }
platform=linux-x64-gnu
addon=$here/session-monitor.$platform.node
[ -f "$addon" ] || { say "no $addon: build it first (npm run build)"; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The platform package: its package.json, README and the stripped addon.
mkdir -p "$stage/$platform" "$stage/main"
cp "$here/npm/$platform/package.json" "$here/npm/$platform/README.md" "$stage/$platform/"
strip -o "$stage/$platform/session-monitor.$platform.node" "$addon"

# The main package: the JavaScript, the types and a package.json that names the platform package.
cp "$here/index.js" "$here/index.d.ts" "$here/result.d.ts" "$here/binding.js" "$here/binding.d.ts" "$here/README.md" "$stage/main/"
node -e '
  const fs = require("fs")
  const [source, platformJson, target] = process.argv.slice(1)
  const pkg = JSON.parse(fs.readFileSync(source, "utf8"))
  const platform = JSON.parse(fs.readFileSync(platformJson, "utf8"))
  if (platform.version !== pkg.version) throw new Error(`${platform.name} is ${platform.version}, the main package ${pkg.version}`)
  pkg.optionalDependencies = { [platform.name]: platform.version }
  delete pkg.devDependencies
  delete pkg.scripts
  fs.writeFileSync(target, JSON.stringify(pkg, null, 2) + "\n")
' "$here/package.json" "$here/npm/$platform/package.json" "$stage/main/package.json"

for dir in "$stage/$platform" "$stage/main"; do
  (cd "$dir" && npm pack --silent --pack-destination "$out" | tail -n 1 | sed "s|^|$out/|")
done
