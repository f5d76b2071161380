"""Local Whisper through the Python API: real weights from scripts/prepare-whisper-tiny."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_monitor import SessionProcessor, TranscriptionError


def test_a_model_transcribes_the_session(tmp_path: Path, clean_mp4: Path, whisper_model: Path) -> None:
    result = SessionProcessor(tmp_path, model=whisper_model, language="en").process("spoken", clean_mp4)
    stage = result.stage("transcribe")
    assert stage is not None and stage.status == "ok"
    transcript = json.loads((tmp_path / "sessions" / "spoken" / "transcript.json").read_text())
    words = transcript["text"].lower()
    # One word per sentence; Whisper's greedy output may differ by a word between CPUs (the WER
    # bounds live in the Rust tests), so three of the four must be heard.
    heard = [w for w in ("interview", "project", "hardest", "traffic") if w in words]
    assert len(heard) >= 3, transcript["text"]
    assert result.engagement is not None
    assert result.engagement["speech_rate"]["method"] == "transcript"


def test_silero_vad_feeds_the_transcriber_and_engagement(
    tmp_path: Path, clean_mp4: Path, whisper_model: Path, vad_model: Path
) -> None:
    processor = SessionProcessor(tmp_path, model=whisper_model, language="en", vad_model=vad_model)
    result = processor.process("spoken", clean_mp4)
    transcript = json.loads((tmp_path / "sessions" / "spoken" / "transcript.json").read_text())
    assert transcript["decoding"]["voice_activity"]["method"] == "silero"
    assert "interview" in transcript["text"].lower(), transcript["text"]
    assert result.engagement is not None
    assert result.engagement["voice"]["vad"].startswith("silero-vad")
    assert result.engagement["voice"]["talk_time_s"] > 5


def test_a_missing_vad_folder_is_a_transcription_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptionError) as caught:
        SessionProcessor(tmp_path, vad_model=tmp_path / "no-vad-here")
    assert "no-vad-here" in str(caught.value)


def test_a_missing_model_folder_is_a_transcription_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptionError) as caught:
        SessionProcessor(tmp_path, model=tmp_path / "no-model-here")
    assert caught.value.kind == "transcription"
    assert "no-model-here" in str(caught.value)
