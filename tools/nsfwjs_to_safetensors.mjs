#!/usr/bin/env node
// Convert nsfwjs's bundled MobileNetV2 (a TF.js Keras layers model whose topology and
// uint8-quantized weights are embedded in JavaScript modules) into a folder that
// session_safety's `NudityClassifier` loads:
//
//   model.safetensors  every weight, dequantized exactly like TF.js does, float32,
//                      named `<layer>/<weight>` as in the TF.js weights manifest
//   config.json        the layer graph (inputs, op, the parameters the op needs),
//                      class labels, input size and preprocessing
//
// Usage:
//   node tools/nsfwjs_to_safetensors.mjs convert NSFWJS_PACKAGE_DIR OUT_DIR
//   node tools/nsfwjs_to_safetensors.mjs verify OUT_DIR      (exit 1 when invalid)
// Progress goes to stderr. Node's standard library only.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const MODEL_ID = "nsfwjs-mobilenet-v2";
const SUPPORTED = new Set([
  "InputLayer",
  "ZeroPadding2D",
  "Conv2D",
  "DepthwiseConv2D",
  "BatchNormalization",
  "ReLU",
  "Add",
  "AveragePooling2D",
  "Flatten",
  "Dense",
  "Dropout",
]);

function fail(message) {
  console.error(`nsfwjs_to_safetensors: ${message}`);
  process.exit(1);
}

function say(message) {
  console.error(`nsfwjs_to_safetensors: ${message}`);
}

/** Loads a UMD bundle from nsfwjs's dist/models (CommonJS) and returns its export. */
function loadBundle(file) {
  if (!fs.existsSync(file)) fail(`missing ${file}: is nsfwjs installed there?`);
  const require = createRequire(import.meta.url);
  const exported = require(file);
  return exported.default ?? exported;
}

/** TF.js's dequantization: value = q * scale + min, stored as float32. */
function dequantize(bytes, spec) {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization;
  if (!q) {
    if (spec.dtype !== "float32") fail(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
    return { values: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 4)), size: count * 4 };
  }
  let raw;
  if (q.dtype === "uint8") raw = new Uint8Array(bytes.buffer, bytes.byteOffset, count);
  else if (q.dtype === "uint16") raw = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 2));
  else fail(`weight ${spec.name}: unsupported quantization ${q.dtype}`);
  if (q.min === undefined || q.scale === undefined) fail(`weight ${spec.name}: quantization without min/scale`);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = raw[i] * q.scale + q.min;
  return { values, size: count * raw.BYTES_PER_ELEMENT };
}

/** The parameters each op needs, from a Keras layer config. */
function layerSpec(layer) {
  const c = layer.config;
  const inbound = layer.inbound_nodes.length === 0 ? [] : layer.inbound_nodes[0].map((node) => node[0]);
  if (layer.inbound_nodes.length > 1) fail(`layer ${layer.name} is shared (${layer.inbound_nodes.length} calls)`);
  if (!SUPPORTED.has(layer.class_name)) fail(`layer ${layer.name}: unsupported type ${layer.class_name}`);
  if (c.data_format && c.data_format !== "channels_last") fail(`layer ${layer.name}: data_format ${c.data_format}`);
  if (c.dilation_rate && c.dilation_rate.some((d) => d !== 1)) fail(`layer ${layer.name}: dilation ${c.dilation_rate}`);
  const spec = { name: layer.name, op: layer.class_name, inputs: inbound };
  switch (layer.class_name) {
    case "InputLayer":
      spec.shape = c.batch_input_shape.slice(1);
      break;
    case "ZeroPadding2D":
      spec.padding = c.padding;
      break;
    case "Conv2D":
      Object.assign(spec, {
        filters: c.filters,
        kernel_size: c.kernel_size,
        strides: c.strides,
        padding: c.padding,
        use_bias: c.use_bias,
        activation: c.activation,
      });
      break;
    case "DepthwiseConv2D":
      if (c.depth_multiplier !== 1) fail(`layer ${layer.name}: depth_multiplier ${c.depth_multiplier}`);
      Object.assign(spec, {
        kernel_size: c.kernel_size,
        strides: c.strides,
        padding: c.padding,
        use_bias: c.use_bias,
        activation: c.activation,
      });
      break;
    case "BatchNormalization":
      if (c.axis !== -1 && c.axis !== 3) fail(`layer ${layer.name}: batch-norm axis ${c.axis}`);
      Object.assign(spec, { epsilon: c.epsilon, center: c.center, scale: c.scale });
      break;
    case "ReLU":
      Object.assign(spec, { max_value: c.max_value, negative_slope: c.negative_slope, threshold: c.threshold });
      break;
    case "AveragePooling2D":
      Object.assign(spec, { pool_size: c.pool_size, strides: c.strides, padding: c.padding });
      break;
    case "Dense":
      Object.assign(spec, { units: c.units, use_bias: c.use_bias, activation: c.activation });
      break;
    default:
      break;
  }
  return spec;
}

function writeSafetensors(file, tensors) {
  const header = {};
  let offset = 0;
  for (const { name, shape, values } of tensors) {
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + values.byteLength] };
    offset += values.byteLength;
  }
  header.__metadata__ = { source: "nsfwjs@4.4.0 dist/models/mobilenet_v2", format: "pt" };
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const padded = Math.ceil(json.length / 8) * 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, length);
  fs.writeSync(fd, json);
  for (const { values } of tensors) fs.writeSync(fd, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  fs.closeSync(fd);
}

function convert(packageDir, outDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8"));
  if (pkg.name !== "nsfwjs") fail(`${packageDir} holds ${pkg.name}, not nsfwjs`);
  const modelDir = path.join(packageDir, "dist", "models", "mobilenet_v2");
  const model = loadBundle(path.join(modelDir, "model.min.js"));
  const topology = model.modelTopology?.model_config;
  if (!topology || topology.class_name !== "Model") fail("model.min.js: no Keras functional model topology");
  const manifest = model.weightsManifest;
  if (!Array.isArray(manifest)) fail("model.min.js: no weightsManifest");

  const tensors = [];
  for (const group of manifest) {
    const shards = group.paths.map((p) => {
      const bundle = loadBundle(path.join(modelDir, `${p}.min.js`));
      if (typeof bundle !== "string") fail(`${p}.min.js does not export base64 weight data`);
      return Buffer.from(bundle, "base64");
    });
    const data = Buffer.concat(shards);
    let offset = 0;
    for (const spec of group.weights) {
      const { values, size } = dequantize(data.subarray(offset), spec);
      offset += size;
      tensors.push({ name: spec.name, shape: spec.shape, values });
    }
    if (offset !== data.length) fail(`weights group: manifest covers ${offset} of ${data.length} bytes`);
  }

  const layers = topology.config.layers.map(layerSpec);
  const names = new Set(tensors.map((t) => t.name));
  for (const layer of layers) {
    for (const input of layer.inputs) {
      if (!layers.some((l) => l.name === input)) fail(`layer ${layer.name}: unknown input ${input}`);
    }
  }
  const config = {
    model_id: MODEL_ID,
    source: { package: "nsfwjs", version: pkg.version, license: pkg.license, files: "dist/models/mobilenet_v2" },
    keras_version: model.modelTopology.keras_version,
    classes: ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"],
    input_size: [224, 224],
    preprocessing: {
      channels: "rgb",
      divide_by: 255,
      resize: "bilinear",
      align_corners: true,
      half_pixel_centers: false,
      note: "nsfwjs: tf.browser.fromPixels(img).toFloat().div(255), then tf.image.resizeBilinear(x, [224, 224], true) unless already 224x224",
    },
    input_layers: topology.config.input_layers.map((l) => l[0]),
    output_layers: topology.config.output_layers.map((l) => l[0]),
    layers,
  };
  fs.mkdirSync(outDir, { recursive: true });
  writeSafetensors(path.join(outDir, "model.safetensors"), tensors);
  fs.writeFileSync(path.join(outDir, "config.json"), JSON.stringify(config, null, 1) + "\n");
  say(`wrote ${tensors.length} tensors and ${layers.length} layers to ${outDir}`);
  if (names.size !== tensors.length) fail("duplicate weight names");
}

function verify(outDir) {
  const config = JSON.parse(fs.readFileSync(path.join(outDir, "config.json"), "utf8"));
  if (config.model_id !== MODEL_ID || config.layers?.length === undefined) fail("config.json: not an nsfwjs MobileNetV2");
  const file = fs.readFileSync(path.join(outDir, "model.safetensors"));
  const length = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + length).toString("utf8"));
  let end = 0;
  for (const [name, t] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    end = Math.max(end, t.data_offsets[1]);
  }
  if (8 + length + end !== file.length) fail("model.safetensors: size does not match its header");
  const weights = Object.keys(header).length - 1;
  if (weights !== 266) fail(`model.safetensors: ${weights} tensors, expected 266`);
}

const [command, ...args] = process.argv.slice(2);
if (command === "convert" && args.length === 2) convert(args[0], args[1]);
else if (command === "verify" && args.length === 1) verify(args[0]);
else fail("usage: convert NSFWJS_PACKAGE_DIR OUT_DIR | verify OUT_DIR");
