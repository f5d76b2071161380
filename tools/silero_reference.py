#!/usr/bin/env python3
"""Reference Silero VAD outputs for parity tests, with onnxruntime (no torch).

* ``probabilities MODEL.onnx AUDIO.f32``: the speech probability of every 512-sample chunk of
  16 kHz mono float32 little-endian samples, as ``silero_vad.utils_vad.OnnxWrapper`` computes
  them in ``get_speech_timestamps`` (64 samples of context from the previous chunk, the LSTM
  state carried over, the last chunk zero-padded). Prints a JSON list.
* ``segments UTILS_VAD.py PROBABILITIES.json N_SAMPLES OPTIONS.json``: Silero's own
  ``get_speech_timestamps_from_probs`` (its source is read from the wheel's ``utils_vad.py``;
  the module itself imports torch, the function does not need it) over the probabilities, with
  keyword arguments from OPTIONS.json, as ``[[start, end], ...]`` in samples.
"""

from __future__ import annotations

import json
import sys

import numpy as np

CHUNK = 512
CONTEXT = 64


def probabilities(model_path: str, audio: np.ndarray) -> list[float]:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"], sess_options=options)
    state = np.zeros((2, 1, 128), dtype=np.float32)
    context = np.zeros((1, CONTEXT), dtype=np.float32)
    sr = np.array(16000, dtype=np.int64)
    result = []
    for start in range(0, len(audio), CHUNK):
        chunk = audio[start : start + CHUNK]
        if len(chunk) < CHUNK:
            chunk = np.pad(chunk, (0, CHUNK - len(chunk)))
        x = np.concatenate([context, chunk[None, :]], axis=1).astype(np.float32)
        out, state = session.run(None, {"input": x, "state": state, "sr": sr})
        context = x[:, -CONTEXT:]
        result.append(float(out.reshape(-1)[0]))
    return result


def silero_segments(utils_vad: str, probs: list[float], n_samples: int, options: dict) -> list[list[int]]:
    import ast

    tree = ast.parse(open(utils_vad, encoding="utf-8").read())
    function = next(
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "get_speech_timestamps_from_probs"
    )
    namespace: dict = {"List": list, "Callable": object, "torch": None}
    exec(compile(ast.Module(body=[function], type_ignores=[]), utils_vad, "exec"), namespace)
    speeches = namespace["get_speech_timestamps_from_probs"](
        probs, sampling_rate=16000, audio_length_samples=n_samples, **options
    )
    return [[s["start"], s["end"]] for s in speeches]


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "probabilities" and len(argv) == 3:
        audio = np.fromfile(argv[2], dtype="<f4")
        print(json.dumps(probabilities(argv[1], audio)))
        return 0
    if len(argv) == 5 and argv[0] == "segments":
        probs = json.load(open(argv[2]))
        options = json.load(open(argv[4]))
        print(json.dumps(silero_segments(argv[1], probs, int(argv[3]), options)))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
