"""create_async: the models load off the event loop (in a thread, with the GIL released)."""

from __future__ import annotations

import asyncio
from pathlib import Path
import pytest

from ticking import loop_ticks_during
from session_monitor import ConfigError, SafetyChecker, SessionProcessor

def test_session_processor_create_async_leaves_the_loop_running(
    tmp_path: Path, clean_mp4: Path, whisper_model: Path, nsfw_model: Path
) -> None:
    processor, ticks, elapsed = loop_ticks_during(
        lambda: SessionProcessor.create_async(tmp_path, model=whisper_model, nudity_model=nsfw_model, transcribe=False)
    )
    assert isinstance(processor, SessionProcessor)
    # Loading takes tens to hundreds of ms; a loop blocked by it would tick once or twice.
    assert ticks > elapsed * 100, (ticks, elapsed)
    result = processor.process("RM_created", clean_mp4)
    assert result.status == "complete"
    assert result.safety is not None
    nudity = next(c for c in result.safety["categories"] if c["category"] == "nudity")
    assert nudity["signals"]["frames_scored"] > 0


def test_safety_checker_create_async_leaves_the_loop_running(nsfw_model: Path) -> None:
    checker, ticks, elapsed = loop_ticks_during(lambda: SafetyChecker.create_async(participant="alice", nudity_model=nsfw_model))
    assert checker.has_nudity_model
    assert ticks > elapsed * 100, (ticks, elapsed)


def test_create_async_raises_the_constructors_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        asyncio.run(SessionProcessor.create_async(tmp_path, nudity_model=tmp_path / "no-model"))
    assert caught.value.code == "safety.model"
    with pytest.raises(ConfigError):
        asyncio.run(SafetyChecker.create_async(nudity_model=tmp_path / "no-model"))
