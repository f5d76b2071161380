// Bundles src/main.ts with livekit-client into dist/app.js and copies static/ beside it: the folder
// session-monitor-server serves (WEB_DIR). Run by scripts/build-web; no CDN is involved.
// Usage: node build.mjs [OUT_DIR]   (default: dist/ here)
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const WASM_FILES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];
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
  // The model's weights (nsfwjs's MobileNetV2, about 3.5 MB) load as chunks on first use only.
  splitting: true,
  outdir: out,
  entryNames: "app",
  chunkNames: "chunk-[hash]",
  logLevel: "warning",
});
cpSync(join(here, "static"), out, { recursive: true });
// TensorFlow.js's WebAssembly backend loads these from the page's root (setWasmPaths("/")).
for (const wasm of WASM_FILES) {
  cpSync(join(here, "node_modules/@tensorflow/tfjs-backend-wasm/dist", wasm), join(out, wasm));
}
console.log(out);
