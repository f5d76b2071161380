#!/usr/bin/env python3
"""Convert a CTranslate2 Whisper model into a Hugging Face-format folder.

The output folder holds what candle-transformers' Whisper model loads:

* ``model.safetensors`` with the tensor names of Hugging Face transformers'
  ``WhisperForConditionalGeneration`` (``model.encoder.conv1.weight``, ...).
  ``proj_out.weight`` is tied to ``model.decoder.embed_tokens.weight`` and, as
  in Hugging Face's own checkpoints, not stored.
* ``config.json`` (a ``WhisperConfig``) and ``generation_config.json``.
* ``tokenizer.json``, copied from the CTranslate2 folder.
* ``conversion.json``, recording the source and the converter version.

Usage:
  ct2_to_safetensors.py convert CT2_DIR OUT_DIR [--dtype f16|f32]
  ct2_to_safetensors.py verify OUT_DIR

Only numpy is needed. The CTranslate2 layout was learnt from the
``ctranslate2`` package (``specs/model_spec.py``, ``specs/whisper_spec.py``,
``converters/transformers.py``); see ``tools/README.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Bump when the output changes, so that cached conversions are redone.
CONVERTER_VERSION = 1

# CTranslate2's DataType enum (include/ctranslate2/types.h).
_CT2_DTYPES = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
    5: "bfloat16",
}
_CT2_GELU = 3

_SAFETENSORS_DTYPES = {np.dtype("<f2"): "F16", np.dtype("<f4"): "F32"}
_OUTPUT_DTYPES = {"f16": np.dtype("<f2"), "f32": np.dtype("<f4")}

# Hugging Face's rule: multilingual Whisper vocabularies have 51865 or more
# entries; English-only ones (tiny.en, ...) have 51864.
_MULTILINGUAL_MIN_VOCAB = 51865

_NON_LANGUAGE_SPECIALS = {
    "<|endoftext|>",
    "<|startoftranscript|>",
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    "<|nospeech|>",
    "<|notimestamps|>",
}


class ConversionError(Exception):
    """The input is not a CTranslate2 Whisper model this converter handles."""


# --------------------------------------------------------------------------
# Reading model.bin
# --------------------------------------------------------------------------


@dataclass
class Ct2Model:
    spec_name: str
    revision: int
    binary_version: int
    variables: dict[str, np.ndarray] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray:
        seen = set()
        while name in self.aliases:
            if name in seen:
                raise ConversionError(f"alias cycle at {name}")
            seen.add(name)
            name = self.aliases[name]
        try:
            return self.variables[name]
        except KeyError:
            raise ConversionError(f"model.bin has no variable {name!r}") from None

    def has(self, name: str) -> bool:
        return name in self.variables or name in self.aliases

    def scalar(self, name: str) -> int:
        return int(self.get(name).reshape(()))


class _Reader:
    def __init__(self, data: memoryview):
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def string(self) -> str:
        # uint16 length that counts a trailing NUL byte.
        length = self.unpack("H")
        raw = bytes(self.data[self.pos : self.pos + length])
        self.pos += length
        return raw.rstrip(b"\0").decode("utf-8")

    def take(self, count: int) -> memoryview:
        if self.pos + count > len(self.data):
            raise ConversionError("model.bin is truncated")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk


def _bfloat16_to_float32(raw: memoryview, shape) -> np.ndarray:
    halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
    return halves.view(np.float32).reshape(shape)


def _read_variable(reader: _Reader) -> tuple[str, np.ndarray]:
    name = reader.string()
    rank = reader.unpack("B")
    shape = tuple(reader.unpack("I") for _ in range(rank))
    type_id = reader.unpack("B")
    num_bytes = reader.unpack("I")
    raw = reader.take(num_bytes)
    dtype = _CT2_DTYPES.get(type_id)
    if dtype is None:
        raise ConversionError(f"{name}: unknown CTranslate2 dtype id {type_id}")
    if dtype == "bfloat16":
        return name, _bfloat16_to_float32(raw, shape)
    return name, np.frombuffer(raw, dtype=dtype).reshape(shape)


def read_ct2_model(path: Path) -> Ct2Model:
    """Parse a CTranslate2 ``model.bin`` (binary version 6 and earlier ones with
    the same variable layout). Arrays are read-only views of the file bytes."""
    reader = _Reader(memoryview(Path(path).read_bytes()))
    binary_version = reader.unpack("I")
    if binary_version < 5 or binary_version > 6:
        raise ConversionError(f"unsupported model.bin binary version {binary_version}")
    model = Ct2Model(
        spec_name=reader.string(), revision=reader.unpack("I"), binary_version=binary_version
    )
    for _ in range(reader.unpack("I")):
        name, value = _read_variable(reader)
        model.variables[name] = value
    if reader.pos < len(reader.data):
        for _ in range(reader.unpack("I")):
            alias = reader.string()
            model.aliases[alias] = reader.string()
    return model


# --------------------------------------------------------------------------
# Mapping CTranslate2 names to Hugging Face names
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class WhisperDims:
    num_mel_bins: int
    d_model: int
    encoder_layers: int
    decoder_layers: int
    encoder_attention_heads: int
    decoder_attention_heads: int
    encoder_ffn_dim: int
    decoder_ffn_dim: int
    vocab_size: int
    max_source_positions: int
    max_target_positions: int


def _count_layers(model: Ct2Model, stack: str) -> int:
    pattern = re.compile(rf"^{stack}/layer_(\d+)/")
    indices = {int(m.group(1)) for name in model.variables if (m := pattern.match(name))}
    if not indices or indices != set(range(len(indices))):
        raise ConversionError(f"{stack}: layers are missing or not numbered 0..n-1")
    return len(indices)


def read_dims(model: Ct2Model) -> WhisperDims:
    if model.spec_name != "WhisperSpec":
        raise ConversionError(f"spec is {model.spec_name!r}, not WhisperSpec")
    conv1 = model.get("encoder/conv1/weight")
    embeddings = model.get("decoder/embeddings/weight")
    return WhisperDims(
        num_mel_bins=conv1.shape[1],
        d_model=conv1.shape[0],
        encoder_layers=_count_layers(model, "encoder"),
        decoder_layers=_count_layers(model, "decoder"),
        encoder_attention_heads=model.scalar("encoder/num_heads"),
        decoder_attention_heads=model.scalar("decoder/num_heads"),
        encoder_ffn_dim=model.get("encoder/layer_0/ffn/linear_0/weight").shape[0],
        decoder_ffn_dim=model.get("decoder/layer_0/ffn/linear_0/weight").shape[0],
        vocab_size=embeddings.shape[0],
        max_source_positions=model.get("encoder/position_encodings/encodings").shape[0],
        max_target_positions=model.get("decoder/position_encodings/encodings").shape[0],
    )


def check_architecture(model: Ct2Model) -> None:
    """Refuse decoder options that Whisper (and candle's model) do not use."""
    expected = {
        "decoder/pre_norm": 1,
        "decoder/activation": _CT2_GELU,
        "decoder/scale_embeddings": 0,
    }
    optional_off = ("decoder/alibi", "decoder/start_from_zero_embedding")
    for name, value in expected.items():
        if model.has(name) and model.scalar(name) != value:
            raise ConversionError(f"{name} is {model.scalar(name)}, expected {value}")
    for name in optional_off:
        if model.has(name) and model.scalar(name) != 0:
            raise ConversionError(f"{name} is set; Whisper does not use it")
    if model.has("decoder/projection/bias"):
        raise ConversionError("decoder/projection has a bias; Whisper's proj_out has none")


def _weight(model: Ct2Model, prefix: str) -> np.ndarray:
    """A linear/conv weight, dequantized when CTranslate2 stored it as int8/int16."""
    weight = model.get(f"{prefix}/weight")
    if not model.has(f"{prefix}/weight_scale"):
        return weight
    scale = model.get(f"{prefix}/weight_scale").astype(np.float32)
    scale = scale.reshape(scale.shape + (1,) * (weight.ndim - scale.ndim))
    return weight.astype(np.float32) / scale


def _linear(model: Ct2Model, ct2: str, hf: str) -> dict[str, np.ndarray]:
    out = {f"{hf}.weight": _weight(model, ct2)}
    if model.has(f"{ct2}/bias"):
        out[f"{hf}.bias"] = model.get(f"{ct2}/bias")
    return out


def _layer_norm(model: Ct2Model, ct2: str, hf: str) -> dict[str, np.ndarray]:
    return {f"{hf}.weight": model.get(f"{ct2}/gamma"), f"{hf}.bias": model.get(f"{ct2}/beta")}


def _split_fused(
    model: Ct2Model, ct2: str, hf_prefix: str, parts: tuple[str, ...], d_model: int
) -> dict[str, np.ndarray]:
    """Undo CTranslate2's row-wise fusion of q/k/v (or k/v). ``k_proj`` has no
    bias in Whisper: CTranslate2 filled that slice with zeros, which is checked."""
    weight = _weight(model, ct2)
    bias = model.get(f"{ct2}/bias")
    if weight.shape != (len(parts) * d_model, d_model) or bias.shape != (len(parts) * d_model,):
        raise ConversionError(f"{ct2}: unexpected fused shapes {weight.shape}, {bias.shape}")
    out = {}
    for i, part in enumerate(parts):
        rows = slice(i * d_model, (i + 1) * d_model)
        out[f"{hf_prefix}.{part}.weight"] = weight[rows]
        if part == "k_proj":
            if np.any(bias[rows] != 0):
                raise ConversionError(f"{ct2}: k_proj bias slice is not zero")
        else:
            out[f"{hf_prefix}.{part}.bias"] = bias[rows]
    return out


def _self_attention(model: Ct2Model, ct2: str, hf: str, d: int) -> dict[str, np.ndarray]:
    out = _split_fused(model, f"{ct2}/linear_0", hf, ("q_proj", "k_proj", "v_proj"), d)
    out |= _linear(model, f"{ct2}/linear_1", f"{hf}.out_proj")
    return out


def _cross_attention(model: Ct2Model, ct2: str, hf: str, d: int) -> dict[str, np.ndarray]:
    out = _linear(model, f"{ct2}/linear_0", f"{hf}.q_proj")
    out |= _split_fused(model, f"{ct2}/linear_1", hf, ("k_proj", "v_proj"), d)
    out |= _linear(model, f"{ct2}/linear_2", f"{hf}.out_proj")
    return out


def _feed_forward(model: Ct2Model, ct2: str, hf: str) -> dict[str, np.ndarray]:
    out = _linear(model, f"{ct2}/linear_0", f"{hf}.fc1")
    out |= _linear(model, f"{ct2}/linear_1", f"{hf}.fc2")
    out |= _layer_norm(model, f"{ct2}/layer_norm", f"{hf}.final_layer_norm")
    return out


def _encoder(model: Ct2Model, dims: WhisperDims) -> dict[str, np.ndarray]:
    out = _linear(model, "encoder/conv1", "model.encoder.conv1")
    out |= _linear(model, "encoder/conv2", "model.encoder.conv2")
    out["model.encoder.embed_positions.weight"] = model.get("encoder/position_encodings/encodings")
    for i in range(dims.encoder_layers):
        ct2, hf = f"encoder/layer_{i}", f"model.encoder.layers.{i}"
        out |= _self_attention(model, f"{ct2}/self_attention", f"{hf}.self_attn", dims.d_model)
        out |= _layer_norm(model, f"{ct2}/self_attention/layer_norm", f"{hf}.self_attn_layer_norm")
        out |= _feed_forward(model, f"{ct2}/ffn", hf)
    out |= _layer_norm(model, "encoder/layer_norm", "model.encoder.layer_norm")
    return out


def _decoder(model: Ct2Model, dims: WhisperDims) -> dict[str, np.ndarray]:
    out = {
        "model.decoder.embed_tokens.weight": model.get("decoder/embeddings/weight"),
        "model.decoder.embed_positions.weight": model.get("decoder/position_encodings/encodings"),
    }
    for i in range(dims.decoder_layers):
        ct2, hf = f"decoder/layer_{i}", f"model.decoder.layers.{i}"
        out |= _self_attention(model, f"{ct2}/self_attention", f"{hf}.self_attn", dims.d_model)
        out |= _layer_norm(model, f"{ct2}/self_attention/layer_norm", f"{hf}.self_attn_layer_norm")
        out |= _cross_attention(model, f"{ct2}/attention", f"{hf}.encoder_attn", dims.d_model)
        out |= _layer_norm(model, f"{ct2}/attention/layer_norm", f"{hf}.encoder_attn_layer_norm")
        out |= _feed_forward(model, f"{ct2}/ffn", hf)
    out |= _layer_norm(model, "decoder/layer_norm", "model.decoder.layer_norm")
    return out


def _projection_is_tied(model: Ct2Model) -> bool:
    projection = "decoder/projection/weight"
    if model.aliases.get(projection) == "decoder/embeddings/weight":
        return True
    return np.array_equal(model.get(projection), model.get("decoder/embeddings/weight"))


def map_whisper_tensors(model: Ct2Model, dims: WhisperDims) -> dict[str, np.ndarray]:
    """All Hugging Face tensors, by name, in the source precision (or float32
    where the source was quantized or bfloat16)."""
    check_architecture(model)
    tensors = _encoder(model, dims) | _decoder(model, dims)
    if not _projection_is_tied(model):
        tensors["proj_out.weight"] = _weight(model, "decoder/projection")
    return tensors


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------


def _special_token_ids(tokenizer: dict) -> dict[str, int]:
    return {t["content"]: t["id"] for t in tokenizer.get("added_tokens", [])}


def _language_ids(specials: dict[str, int]) -> dict[str, int]:
    return {
        token: token_id
        for token, token_id in specials.items()
        if re.fullmatch(r"<\|[a-z]{2,3}(-[A-Za-z]+)?\|>", token)
        and token not in _NON_LANGUAGE_SPECIALS
    }


def _require(specials: dict[str, int], token: str) -> int:
    if token not in specials:
        raise ConversionError(f"tokenizer.json lacks the special token {token}")
    return specials[token]


def build_configs(
    dims: WhisperDims, ct2_config: dict, tokenizer: dict, dtype: np.dtype
) -> tuple[dict, dict]:
    """``config.json`` (the fields of transformers' WhisperConfig; candle reads
    num_mel_bins, max_source_positions, d_model, *_attention_heads, *_layers,
    vocab_size, max_target_positions, suppress_tokens) and
    ``generation_config.json``."""
    specials = _special_token_ids(tokenizer)
    eot = _require(specials, "<|endoftext|>")
    sot = _require(specials, "<|startoftranscript|>")
    no_timestamps = _require(specials, "<|notimestamps|>")
    multilingual = dims.vocab_size >= _MULTILINGUAL_MIN_VOCAB
    suppress = list(ct2_config.get("suppress_ids", []))
    begin_suppress = list(ct2_config.get("suppress_ids_begin", [eot]))
    alignment_heads = [list(h) for h in ct2_config.get("alignment_heads", [])]
    config = {
        "architectures": ["WhisperForConditionalGeneration"],
        "model_type": "whisper",
        "activation_function": "gelu",
        "activation_dropout": 0.0,
        "attention_dropout": 0.0,
        "dropout": 0.0,
        "encoder_layerdrop": 0.0,
        "decoder_layerdrop": 0.0,
        "init_std": 0.02,
        "is_encoder_decoder": True,
        "scale_embedding": False,
        "tie_word_embeddings": True,
        "use_cache": True,
        "torch_dtype": "float16" if dtype == np.dtype("<f2") else "float32",
        "num_mel_bins": dims.num_mel_bins,
        "d_model": dims.d_model,
        "encoder_layers": dims.encoder_layers,
        "decoder_layers": dims.decoder_layers,
        "num_hidden_layers": dims.encoder_layers,
        "encoder_attention_heads": dims.encoder_attention_heads,
        "decoder_attention_heads": dims.decoder_attention_heads,
        "encoder_ffn_dim": dims.encoder_ffn_dim,
        "decoder_ffn_dim": dims.decoder_ffn_dim,
        "vocab_size": dims.vocab_size,
        "max_source_positions": dims.max_source_positions,
        "max_target_positions": dims.max_target_positions,
        "max_length": dims.max_target_positions,
        "bos_token_id": eot,
        "eos_token_id": eot,
        "pad_token_id": eot,
        "decoder_start_token_id": sot,
        "suppress_tokens": suppress,
        "begin_suppress_tokens": begin_suppress,
        # Not a WhisperConfig field (transformers keeps it in the generation
        # config); candle ignores unknown fields, and word timestamps need it.
        "alignment_heads": alignment_heads,
    }
    generation = {
        "is_multilingual": multilingual,
        "alignment_heads": alignment_heads,
        "begin_suppress_tokens": begin_suppress,
        "suppress_tokens": suppress,
        "bos_token_id": eot,
        "eos_token_id": eot,
        "pad_token_id": eot,
        "decoder_start_token_id": sot,
        "no_timestamps_token_id": no_timestamps,
        "max_length": dims.max_target_positions,
        "task_to_id": {
            "transcribe": _require(specials, "<|transcribe|>"),
            "translate": _require(specials, "<|translate|>"),
        },
    }
    if multilingual:
        generation["lang_to_id"] = _language_ids(specials)
    return config, generation


# --------------------------------------------------------------------------
# safetensors
# --------------------------------------------------------------------------


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Write the safetensors format: u64 little-endian header size, a JSON
    header (dtype, shape, data_offsets per tensor), then the raw bytes."""
    header: dict[str, object] = {"__metadata__": metadata}
    offset = 0
    ordered = sorted(tensors.items())
    for name, array in ordered:
        dtype = _SAFETENSORS_DTYPES[array.dtype]
        header[name] = {
            "dtype": dtype,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(header_bytes)))
        out.write(header_bytes)
        for _, array in ordered:
            out.write(np.ascontiguousarray(array).tobytes())


def read_safetensors_header(path: Path) -> tuple[int, dict]:
    """The header's byte size and its parsed JSON."""
    with open(path, "rb") as src:
        prefix = src.read(8)
        size = struct.unpack("<Q", prefix)[0] if len(prefix) == 8 else -1
        if not 0 < size <= 100_000_000:
            raise ConversionError(f"{path}: implausible header size {size}")
        raw = src.read(size)
        if len(raw) != size:
            raise ConversionError(f"{path}: header is truncated")
        try:
            return size, json.loads(raw)
        except ValueError as err:
            raise ConversionError(f"{path}: header is not JSON ({err})") from None


# --------------------------------------------------------------------------
# Expected layout and verification
# --------------------------------------------------------------------------


def expected_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """Every tensor of a Hugging Face Whisper checkpoint (proj_out is tied)."""
    d, mels = config["d_model"], config["num_mel_bins"]
    shapes: dict[str, tuple[int, ...]] = {
        "model.encoder.conv1.weight": (d, mels, 3),
        "model.encoder.conv1.bias": (d,),
        "model.encoder.conv2.weight": (d, d, 3),
        "model.encoder.conv2.bias": (d,),
        "model.encoder.embed_positions.weight": (config["max_source_positions"], d),
        "model.encoder.layer_norm.weight": (d,),
        "model.encoder.layer_norm.bias": (d,),
        "model.decoder.embed_tokens.weight": (config["vocab_size"], d),
        "model.decoder.embed_positions.weight": (config["max_target_positions"], d),
        "model.decoder.layer_norm.weight": (d,),
        "model.decoder.layer_norm.bias": (d,),
    }

    def attention(prefix: str) -> None:
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            shapes[f"{prefix}.{proj}.weight"] = (d, d)
            if proj != "k_proj":
                shapes[f"{prefix}.{proj}.bias"] = (d,)

    def block(prefix: str, ffn: int, cross: bool) -> None:
        norms = ["self_attn_layer_norm", "final_layer_norm"]
        attention(f"{prefix}.self_attn")
        if cross:
            attention(f"{prefix}.encoder_attn")
            norms.append("encoder_attn_layer_norm")
        for norm in norms:
            shapes[f"{prefix}.{norm}.weight"] = (d,)
            shapes[f"{prefix}.{norm}.bias"] = (d,)
        shapes[f"{prefix}.fc1.weight"] = (ffn, d)
        shapes[f"{prefix}.fc1.bias"] = (ffn,)
        shapes[f"{prefix}.fc2.weight"] = (d, ffn)
        shapes[f"{prefix}.fc2.bias"] = (d,)

    for i in range(config["encoder_layers"]):
        block(f"model.encoder.layers.{i}", config["encoder_ffn_dim"], cross=False)
    for i in range(config["decoder_layers"]):
        block(f"model.decoder.layers.{i}", config["decoder_ffn_dim"], cross=True)
    return shapes


OUTPUT_FILES = ("model.safetensors", "config.json", "generation_config.json", "tokenizer.json")


def verify_output(out_dir: Path) -> list[str]:
    """Problems with a converted folder (empty when it is complete and
    consistent). Reads only headers and JSON, so it is cheap."""
    out_dir = Path(out_dir)
    missing = [name for name in OUTPUT_FILES + ("conversion.json",) if not (out_dir / name).is_file()]
    if missing:
        return [f"missing {name}" for name in missing]
    problems = []
    record = json.loads((out_dir / "conversion.json").read_text())
    if record.get("converter_version") != CONVERTER_VERSION:
        problems.append(f"converter version {record.get('converter_version')} != {CONVERTER_VERSION}")
    config = json.loads((out_dir / "config.json").read_text())
    weights = out_dir / "model.safetensors"
    try:
        header_size, header = read_safetensors_header(weights)
    except ConversionError as err:
        return problems + [str(err)]
    header.pop("__metadata__", None)
    expected = expected_shapes(config)
    for name in sorted(set(expected) - set(header)):
        problems.append(f"tensor {name} missing")
    for name in sorted(set(header) - set(expected) - {"proj_out.weight"}):
        problems.append(f"unexpected tensor {name}")
    for name in sorted(set(expected) & set(header)):
        if tuple(header[name]["shape"]) != expected[name]:
            problems.append(f"{name}: shape {header[name]['shape']} != {list(expected[name])}")
    data_end = max((t["data_offsets"][1] for t in header.values()), default=0)
    if weights.stat().st_size != 8 + header_size + data_end:
        problems.append("model.safetensors size does not match its header")
    return problems


# --------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, value: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def convert(ct2_dir: Path, out_dir: Path, dtype_name: str = "f16", source_package: str = "") -> dict:
    """Convert ``ct2_dir`` (model.bin, config.json, tokenizer.json) into
    ``out_dir``. Returns the conversion record written to conversion.json."""
    started = time.monotonic()
    ct2_dir, out_dir = Path(ct2_dir), Path(out_dir)
    dtype = _OUTPUT_DTYPES[dtype_name]
    model = read_ct2_model(ct2_dir / "model.bin")
    ct2_config = json.loads((ct2_dir / "config.json").read_text())
    tokenizer = json.loads((ct2_dir / "tokenizer.json").read_text(encoding="utf-8"))
    dims = read_dims(model)
    tensors = {
        name: array.astype(dtype, copy=False)
        for name, array in map_whisper_tensors(model, dims).items()
    }
    config, generation = build_configs(dims, ct2_config, tokenizer, dtype)

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "conversion.json").unlink(missing_ok=True)  # written last: marks completion
    tmp = out_dir / "model.safetensors.tmp"
    write_safetensors(tmp, tensors, {"format": "pt"})
    os.replace(tmp, out_dir / "model.safetensors")
    _write_json(out_dir / "config.json", config)
    _write_json(out_dir / "generation_config.json", generation)
    shutil.copyfile(ct2_dir / "tokenizer.json", out_dir / "tokenizer.json")
    record = {
        "converter_version": CONVERTER_VERSION,
        "source_dir": str(ct2_dir.resolve()),
        "source_package": source_package,
        "source_model_bin_sha256": _sha256(ct2_dir / "model.bin"),
        "source_spec": f"{model.spec_name} revision {model.revision}",
        "dtype": dtype_name,
        "multilingual": generation["is_multilingual"],
        "tensors": len(tensors),
        "seconds": round(time.monotonic() - started, 2),
    }
    _write_json(out_dir / "conversion.json", record)
    return record


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    conv = commands.add_parser("convert", help="convert a CTranslate2 Whisper folder")
    conv.add_argument("ct2_dir", type=Path)
    conv.add_argument("out_dir", type=Path)
    conv.add_argument("--dtype", choices=sorted(_OUTPUT_DTYPES), default="f16")
    conv.add_argument("--source-package", default="", help="provenance kept in conversion.json")
    check = commands.add_parser("verify", help="check a converted folder (headers only)")
    check.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)

    try:
        if args.command == "convert":
            record = convert(args.ct2_dir, args.out_dir, args.dtype, args.source_package)
            print(f"converted {record['tensors']} tensors in {record['seconds']} s", file=sys.stderr)
        problems = verify_output(args.out_dir)
    except (ConversionError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"invalid: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
