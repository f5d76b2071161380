#!/usr/bin/env node
// Run the original nsfwjs MobileNetV2 (TF.js, pure-JS CPU backend) on raw RGB8 images
// and print its class probabilities as JSON: the reference for session_safety's
// parity test.
//
// Usage: node tools/nsfwjs_predict.mjs NPM_DIR WIDTHxHEIGHT:FILE.rgb ...
//   NPM_DIR  the folder scripts/prepare-nsfw-model installs into
//            (<cache>/npm/nsfwjs-4.4.0, holding node_modules/nsfwjs and @tensorflow/tfjs)
// Prints one JSON array: [{"file", "width", "height", "probabilities": [Drawing, Hentai,
// Neutral, Porn, Sexy]}]. Images go through nsfwjs's own `infer` (its /255 and
// resizeBilinear with alignCorners), as a tensor instead of a browser image.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [npmDir, ...images] = process.argv.slice(2);
if (!npmDir || images.length === 0) {
  console.error("usage: nsfwjs_predict.mjs NPM_DIR WIDTHxHEIGHT:FILE.rgb ...");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(npmDir), "package.json"));
const tf = require("@tensorflow/tfjs");
const nsfwjs = require("nsfwjs");

// TF.js logs a hint about tfjs-node on stdout; keep stdout for the JSON.
const log = console.log;
console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);
await tf.setBackend("cpu");
const model = await nsfwjs.load("MobileNetV2");

const results = [];
for (const spec of images) {
  const match = /^(\d+)x(\d+):(.+)$/.exec(spec);
  if (!match) throw new Error(`bad image spec ${spec}: expected WIDTHxHEIGHT:FILE`);
  const [width, height, file] = [Number(match[1]), Number(match[2]), match[3]];
  const bytes = fs.readFileSync(file);
  if (bytes.length !== width * height * 3) throw new Error(`${file}: ${bytes.length} bytes, not ${width}x${height}x3`);
  const image = tf.tensor3d(Int32Array.from(bytes), [height, width, 3], "int32");
  const output = model.infer(image);
  results.push({ file, width, height, probabilities: Array.from(await output.data()) });
  output.dispose();
  image.dispose();
}
log(JSON.stringify(results));
