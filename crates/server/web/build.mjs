// Bundles src/main.ts with livekit-client into dist/app.js and copies static/ beside it: the folder
// session-monitor-server serves (WEB_DIR). Run by scripts/build-web; no CDN is involved.
// Usage: node build.mjs [OUT_DIR]   (default: dist/ here)
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, "dist"));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  outfile: join(out, "app.js"),
  logLevel: "warning",
});
cpSync(join(here, "static"), out, { recursive: true });
console.log(out);
