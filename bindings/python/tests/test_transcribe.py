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
    for expected in ("interview", "project", "hardest", "traffic"):
        assert expected in words, transcript["text"]
    assert result.engagement is not None
    assert result.engagement["speech_rate"]["method"] == "transcript"


def test_a_missing_model_folder_is_a_transcription_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptionError) as caught:
        SessionProcessor(tmp_path, model=tmp_path / "no-model-here")
    assert caught.value.kind == "transcription"
    assert "no-model-here" in str(caught.value)
