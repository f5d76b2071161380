#!/usr/bin/env python3
"""Extract the 16 kHz branch of Silero VAD (v5/v6 ONNX, PyPI ``silero-vad``) into a folder
that ``session_transcribe::SileroVad`` loads:

* ``model.safetensors``: the branch's weights, float32, under their PyTorch names
  (``stft.forward_basis_buffer``, ``encoder.{0..3}.reparam_conv.{weight,bias}``,
  ``decoder.rnn.{weight_ih,weight_hh,bias_ih,bias_hh}``, ``decoder.decoder.2.{weight,bias}``);
* ``config.json``: the shapes the Rust model assumes (sample rate, context and chunk sizes,
  STFT hop, encoder strides, LSTM size), checked here against the graph;
* ``conversion.json``: where the weights came from (package, version, wheel sha256).

The ONNX model picks its branch with ``If(sr == 16000)``; the then-branch holds the 16 kHz
weights as Constant nodes. The architecture is checked node by node (reflect padding of 64
samples, STFT as a strided Conv with a fixed basis, magnitude, four Conv+ReLU blocks, an LSTM
cell, ReLU, a 1×1 Conv and a sigmoid), so a model with another shape is refused.

Usage:
  silero_onnx_to_safetensors.py convert MODEL.onnx OUT_DIR --source-package silero-vad==6.2.3 \
      --source-sha256 HEX
  silero_onnx_to_safetensors.py verify OUT_DIR
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

FORMAT = "silero-vad-16k/1"
PREFIX = "If_0_then_branch__Inline_0__"
# Expected weight shapes of the 16 kHz branch.
SHAPES = {
    "stft.forward_basis_buffer": (258, 1, 256),
    "encoder.0.reparam_conv.weight": (128, 129, 3),
    "encoder.0.reparam_conv.bias": (128,),
    "encoder.1.reparam_conv.weight": (64, 128, 3),
    "encoder.1.reparam_conv.bias": (64,),
    "encoder.2.reparam_conv.weight": (64, 64, 3),
    "encoder.2.reparam_conv.bias": (64,),
    "encoder.3.reparam_conv.weight": (128, 64, 3),
    "encoder.3.reparam_conv.bias": (128,),
    "decoder.rnn.weight_ih": (512, 128),
    "decoder.rnn.weight_hh": (512, 128),
    "decoder.rnn.bias_ih": (512,),
    "decoder.rnn.bias_hh": (512,),
    "decoder.decoder.2.weight": (1, 128, 1),
    "decoder.decoder.2.bias": (1,),
}
CONFIG = {
    "format": FORMAT,
    "sample_rate": 16000,
    "context_samples": 64,
    "chunk_samples": 512,
    "reflect_pad_samples": 64,
    "stft_filter_length": 256,
    "stft_hop": 128,
    "stft_bins": 129,
    "encoder_strides": [1, 2, 2, 1],
    "lstm_hidden": 128,
}


class ConversionError(Exception):
    pass


def then_branch(model):
    """The subgraph run when ``sr == 16000``."""
    ifs = [n for n in model.graph.node if n.op_type == "If"]
    if len(ifs) != 1:
        raise ConversionError(f"expected one top-level If node (sr == 16000), found {len(ifs)}")
    for attr in ifs[0].attribute:
        if attr.name == "then_branch":
            return attr.g
    raise ConversionError("the If node has no then_branch")


def constants(graph) -> dict[str, np.ndarray]:
    from onnx import numpy_helper

    found = {}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute:
            found[node.output[0].removeprefix(PREFIX)] = numpy_helper.to_array(node.attribute[0].t)
    return found


def attribute(node, name):
    import onnx

    for attr in node.attribute:
        if attr.name == name:
            return onnx.helper.get_attribute_value(attr)
    return None


def check_architecture(graph) -> None:
    """Refuses a graph whose operators are not the ones the Rust model implements."""
    nodes = [n for n in graph.node if n.op_type != "Constant"]
    convs = [n for n in nodes if n.op_type == "Conv"]
    if len(convs) != 6:
        raise ConversionError(f"expected 6 Conv nodes (STFT, 4 encoder blocks, output), found {len(convs)}")
    stft = convs[0]
    if attribute(stft, "strides") != [128] or attribute(stft, "kernel_shape") != [256]:
        raise ConversionError("the STFT Conv is not kernel 256, stride 128")
    strides = [attribute(c, "strides")[0] for c in convs[1:5]]
    if strides != CONFIG["encoder_strides"]:
        raise ConversionError(f"encoder strides {strides} != {CONFIG['encoder_strides']}")
    if any(attribute(c, "pads") != [1, 1] for c in convs[1:5]):
        raise ConversionError("encoder Conv padding is not [1, 1]")
    pads = [n for n in nodes if n.op_type == "Pad"]
    if len(pads) != 1 or attribute(pads[0], "mode") != b"reflect":
        raise ConversionError("expected one reflect Pad before the STFT")
    ops = {n.op_type for n in nodes}
    for needed in ("Sqrt", "Relu", "If", "Sigmoid", "ReduceMean"):
        if needed not in ops:
            raise ConversionError(f"no {needed} node in the 16 kHz branch")
    lstm = [n for n in walk(graph) if n.op_type == "LSTM"]
    if not lstm or any(attribute(n, "hidden_size") != 128 for n in lstm):
        raise ConversionError("expected LSTM nodes with hidden_size 128")


def walk(graph):
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.g is not None and attr.g.node:
                yield from walk(attr.g)


def extract(onnx_path: Path) -> dict[str, np.ndarray]:
    import onnx

    model = onnx.load(str(onnx_path))
    branch = then_branch(model)
    check_architecture(branch)
    found = constants(branch)
    # The output Conv's bias is a one-element constant named by its node input.
    output_conv = [n for n in branch.node if n.op_type == "Conv"][-1]
    if len(output_conv.input) == 3:
        found["decoder.decoder.2.bias"] = found.get(output_conv.input[2].removeprefix(PREFIX))
    tensors = {}
    for name, shape in SHAPES.items():
        value = found.get(name)
        if value is None:
            raise ConversionError(f"{onnx_path}: no constant {name} in the 16 kHz branch")
        value = np.asarray(value, dtype=np.float32).reshape(value.shape)
        if tuple(value.shape) != shape:
            raise ConversionError(f"{onnx_path}: {name} has shape {list(value.shape)}, expected {list(shape)}")
        tensors[name] = np.ascontiguousarray(value)
    return tensors


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """u64 little-endian header size, a JSON header (dtype, shape, data_offsets), raw bytes."""
    header: dict[str, object] = {"__metadata__": metadata}
    offset = 0
    for name, array in tensors.items():
        size = array.nbytes
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + size]}
        offset += size
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(header_bytes)))
        out.write(header_bytes)
        for array in tensors.values():
            out.write(array.astype("<f4").tobytes())


def convert(args) -> None:
    tensors = extract(Path(args.onnx))
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_safetensors(out / "model.safetensors", tensors, {"format": FORMAT})
    (out / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    package, _, version = args.source_package.partition("==")
    conversion = {
        "source_package": package,
        "source_version": version,
        "source_sha256": args.source_sha256,
        "source_file": args.source_file,
        "converter": "tools/silero_onnx_to_safetensors.py",
        "license": "MIT",
    }
    (out / "conversion.json").write_text(json.dumps(conversion, indent=2) + "\n")
    print(f"wrote {len(tensors)} tensors to {out}", file=sys.stderr)


def verify(args) -> None:
    """Checks the folder is complete and the shapes are right (headers and JSON only)."""
    out = Path(args.out_dir)
    for name in ("model.safetensors", "config.json", "conversion.json"):
        if not (out / name).is_file():
            raise ConversionError(f"{out / name} is missing")
    config = json.loads((out / "config.json").read_text())
    if config.get("format") != FORMAT:
        raise ConversionError(f"{out / 'config.json'}: format {config.get('format')!r} != {FORMAT!r}")
    weights = out / "model.safetensors"
    with weights.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
    header.pop("__metadata__", None)
    for name, shape in SHAPES.items():
        if name not in header or tuple(header[name]["shape"]) != shape:
            raise ConversionError(f"{weights}: {name} missing or not {list(shape)}")
    data_end = max(t["data_offsets"][1] for t in header.values())
    if weights.stat().st_size != 8 + size + data_end:
        raise ConversionError(f"{weights}: size does not match its header")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert")
    c.add_argument("onnx")
    c.add_argument("out_dir")
    c.add_argument("--source-package", required=True, help="e.g. silero-vad==6.2.3")
    c.add_argument("--source-sha256", required=True, help="sha256 of the wheel the model came from")
    c.add_argument("--source-file", default="silero_vad/data/silero_vad.onnx")
    v = sub.add_parser("verify")
    v.add_argument("out_dir")
    args = parser.parse_args(argv)
    try:
        convert(args) if args.command == "convert" else verify(args)
    except ConversionError as err:
        print(f"silero_onnx_to_safetensors: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
