"""Safety through the Python API: realtime events, the SafetyChecker with the real nsfwjs model,
and the post-session scan in a processed session. Needs the model ($NSFW_MODEL_DIR, or made by
scripts/prepare-nsfw-model); fails when it cannot be had."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest

from ticking import thread_ticks_during
from session_monitor import (
    ConfigError,
    InputError,
    SafetyChecker,
    SessionProcessingError,
    SessionProcessor,
)


CLIENT_EVENT: Dict[str, Any] = {
    "category": "nudity",
    "score": 0.93,
    "threshold": 0.8,
    "source": "realtime_client",
    "participant": "alice",
    "media_time_s": 12.5,
    "detected_at": "2026-11-24T10:00:00.250Z",
    "detector": {"id": "nsfwjs-mobilenet-v2", "version": "4.2.0"},
    "evidence": {"frame_time_s": 12.5, "details": {"porn": 0.9, "sexy": 0.06}},
}


def safety_files(out: Path, session_id: str) -> List[str]:
    folder = out / "sessions" / session_id / "safety"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def moving_scene(width: int, height: int, step: int) -> "np.ndarray[Any, np.dtype[np.uint8]]":
    """An RGBA frame: a colour gradient and a bright box, both shifted by `step`."""
    x = np.arange(width)[None, :]
    y = np.arange(height)[:, None]
    frame = np.zeros((height, width, 4), dtype=np.uint8)
    frame[..., 0] = (x * 255 // width + step * 7) % 256
    frame[..., 1] = (y * 255 // height + step * 3) % 256
    frame[..., 2] = ((x + y + step * 11) % 256).astype(np.uint8)
    frame[..., 3] = 255
    left = (step * 13) % (width - 60)
    frame[40:100, left : left + 60, :3] = (30, 200, 90)
    return frame


# --- record_safety_event ---------------------------------------------------------------------


def test_record_a_client_event(tmp_path: Path) -> None:
    processor = SessionProcessor(tmp_path, transcribe=False)
    stored = processor.record_safety_event("RM_events", CLIENT_EVENT)

    event, artifact = stored["event"], stored["artifact"]
    assert event["decision"] == "flagged"  # derived: 0.93 >= 0.8
    assert event["category"] == "nudity" and event["participant"] == "alice"
    assert event["detector"] == CLIENT_EVENT["detector"]
    assert artifact["name"].startswith("safety/20261124T100000.250Z-nudity-")
    assert artifact["name"].endswith(".json")
    path = tmp_path / "sessions" / "RM_events" / artifact["name"]
    assert Path(artifact["location"]) == path
    assert artifact["bytes"] == path.stat().st_size > 0
    assert json.loads(path.read_text()) == event

    # Resent as JSON text, the same event lands on the same file.
    again = processor.record_safety_event("RM_events", json.dumps(CLIENT_EVENT))
    assert again == stored
    assert safety_files(tmp_path, "RM_events") == [artifact["name"].removeprefix("safety/")]


def test_an_invalid_event_is_refused(tmp_path: Path) -> None:
    processor = SessionProcessor(tmp_path, transcribe=False)
    with pytest.raises(InputError) as caught:
        processor.record_safety_event("RM_invalid", {**CLIENT_EVENT, "score": 1.5})
    assert caught.value.code == "safety.invalid_event" and caught.value.kind == "input"
    assert "score" in str(caught.value) and "1.5" in str(caught.value)
    assert safety_files(tmp_path, "RM_invalid") == []

    with pytest.raises(InputError) as caught:
        processor.record_safety_event("RM_invalid", "{not json")
    assert caught.value.code == "safety.invalid_event"
    with pytest.raises(InputError) as caught:
        processor.record_safety_event("../escape", CLIENT_EVENT)
    assert caught.value.code == "input"
    with pytest.raises(TypeError):
        processor.record_safety_event("RM_invalid", 42)  # type: ignore[arg-type]


def test_record_a_client_event_async(tmp_path: Path) -> None:
    processor = SessionProcessor(tmp_path, transcribe=False)

    async def main() -> None:
        stored = await processor.record_safety_event_async("RM_async_event", CLIENT_EVENT)
        assert (tmp_path / "sessions" / "RM_async_event" / stored["artifact"]["name"]).is_file()
        assert stored == processor.record_safety_event("RM_async_event", CLIENT_EVENT)
        with pytest.raises(InputError) as caught:
            await processor.record_safety_event_async(
                "RM_async_event", {**CLIENT_EVENT, "category": "spam"}
            )
        assert caught.value.code == "safety.invalid_event" and "category" in str(caught.value)

    asyncio.run(main())


# --- SafetyChecker ---------------------------------------------------------------------------


def test_a_moving_scene_raises_no_events(nsfw_model: Path) -> None:
    checker = SafetyChecker(participant="alice", nudity_model=nsfw_model)
    assert checker.has_nudity_model
    for i in range(12):
        check = checker.check_frame(moving_scene(320, 240, i), 320, 240, time_s=i * 0.5)
        assert check["time_s"] == i * 0.5
        assert check["events"] == [], check
        assert not check["covered"] and not check["frozen"], check
        score = check["nudity_score"]
        assert score is not None and 0.0 <= score < 0.2, check
        nudity = check["nudity"]
        assert nudity is not None, check
        total = sum(nudity[k] for k in ("drawing", "hentai", "neutral", "porn", "sexy"))
        assert abs(total - 1.0) < 1e-3, nudity


def test_every_bytes_like_gives_the_same_answer(nsfw_model: Path) -> None:
    frame = moving_scene(160, 120, 3)
    rgb = np.ascontiguousarray(frame[..., :3])
    buffers: List[object] = [frame, frame.tobytes(), bytearray(frame.tobytes()), frame.data]
    scores = []
    for buffer in buffers:
        check = SafetyChecker(nudity_model=nsfw_model).check_frame(buffer, 160, 120, 0.0)
        scores.append(check["nudity"])
    assert all(s == scores[0] for s in scores), scores
    # RGB without alpha is the same picture; a non-contiguous view is read in C order.
    for pixels in (rgb, frame[..., :3]):
        check = SafetyChecker(nudity_model=nsfw_model).check_frame(pixels, 160, 120, 0.0, "rgb")
        assert check["nudity"] == scores[0]
    with pytest.raises(TypeError):
        SafetyChecker().check_frame(frame.astype(np.float32), 160, 120, 0.0)
    with pytest.raises(TypeError):
        SafetyChecker().check_frame(12345, 160, 120, 0.0)


def test_black_frames_flag_suspicious_behavior_once(nsfw_model: Path) -> None:
    checker = SafetyChecker(participant="bob", nudity_model=nsfw_model)
    black = bytes(320 * 240 * 4)
    events: List[Dict[str, Any]] = []
    for second in range(40):
        check = checker.check_frame(black, 320, 240, float(second))
        assert check["covered"], check
        assert check["nudity_score"] is not None
        events += check["events"]
    assert len(events) == 1, events
    event = events[0]
    assert event["category"] == "suspicious_behavior" and event["decision"] == "flagged"
    assert event["source"] == "realtime_server" and event["participant"] == "bob"
    assert event["evidence"]["details"]["signal"] == "video_covered"
    assert event["media_time_s"] == 0.0


def test_checker_events_can_be_recorded(tmp_path: Path) -> None:
    checker = SafetyChecker(participant="bob")
    assert not checker.has_nudity_model
    black = bytes(64 * 48 * 3)
    events = [e for s in range(30) for e in checker.check_frame(black, 64, 48, float(s), "rgb")["events"]]
    assert len(events) == 1
    stored = SessionProcessor(tmp_path).record_safety_event("RM_server", events[0])
    assert stored["event"] == events[0]
    assert "-suspicious_behavior-" in stored["artifact"]["name"]


def test_i420_frames(nsfw_model: Path) -> None:
    checker = SafetyChecker(nudity_model=nsfw_model)
    width, height = 64, 48
    i420 = bytes([16] * (width * height) + [128] * (2 * (width // 2) * (height // 2)))
    check = checker.check_frame(i420, width, height, 0.0, format="i420")
    assert check["covered"] and check["nudity_score"] is not None


def test_a_wrong_buffer_is_an_invalid_frame(nsfw_model: Path) -> None:
    checker = SafetyChecker(nudity_model=nsfw_model)
    with pytest.raises(InputError) as caught:
        checker.check_frame(bytes(100), 320, 240, 0.0)
    assert caught.value.code == "safety.invalid_frame"
    assert "307200" in str(caught.value) and "100" in str(caught.value)
    with pytest.raises(InputError) as caught:
        checker.check_frame(bytes(12), 2, 2, 0.0, format="bgra")  # type: ignore[arg-type]
    assert caught.value.code == "safety.invalid_frame" and "bgra" in str(caught.value)
    with pytest.raises(InputError) as caught:
        checker.check_frame(bytes(16), 2, 2, -1.0)
    assert caught.value.code == "safety.invalid_frame"
    # The checker is still usable after an error.
    assert checker.check_frame(bytes(16), 2, 2, 0.0)["covered"]


def test_a_missing_model_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        SafetyChecker(nudity_model=tmp_path / "no-model-here")
    assert caught.value.kind == "config" and "no-model-here" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        SessionProcessor(tmp_path, nudity_model=tmp_path / "no-model-either")
    assert caught.value.kind == "config" and "no-model-either" in str(caught.value)


def test_a_bad_gemini_key_is_a_config_error_without_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        SessionProcessor(tmp_path, gemini_api_key="bad key-s3cr3t-value")
    assert "s3cr3t" not in str(caught.value) and "s3cr3t" not in repr(caught.value)
    assert isinstance(caught.value, SessionProcessingError)


# --- the post-session scan -------------------------------------------------------------------


def test_a_frozen_recording_is_flagged(
    tmp_path: Path, fixtures_dir: Path, nsfw_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    processor = SessionProcessor(
        tmp_path, transcribe=False, nudity_model=nsfw_model, session_context="a tutoring session"
    )
    result = processor.process("RM_frozen", fixtures_dir / "frozen.mp4")

    assert result.status == "complete"
    assert result.safety is not None
    scan = json.loads((tmp_path / "sessions" / "RM_frozen" / "safety-scan.json").read_text())
    assert result.safety == scan == result.to_dict()["safety"]
    verdicts = {c["category"]: c for c in result.safety["categories"]}
    assert verdicts["suspicious_behavior"]["decision"] == "flagged", verdicts
    assert verdicts["nudity"]["score"] is not None and verdicts["nudity"]["decision"] == "clear"
    files = safety_files(tmp_path, "RM_frozen")
    assert any(n.endswith("-suspicious_behavior.json") for n in files), files

    assert result.analysis is None
    analysis = result.stage("analysis")
    assert analysis is not None and analysis.status == "skipped", analysis
    assert analysis.reason is not None and "GEMINI_API_KEY" in analysis.reason
    assert not (tmp_path / "sessions" / "RM_frozen" / "analysis.json").exists()


def test_an_empty_gemini_key_turns_the_llm_off(
    tmp_path: Path, clean_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key in the environment (never used: the explicit empty key wins).
    monkeypatch.setenv("GEMINI_API_KEY", "env-key-never-sent")
    result = SessionProcessor(tmp_path, transcribe=False, gemini_api_key="").process(
        "RM_no_llm", clean_mp4
    )
    analysis = result.stage("analysis")
    assert analysis is not None and analysis.status == "skipped" and result.analysis is None
    assert analysis.reason is not None and "GEMINI_API_KEY" in analysis.reason


def test_without_a_key_the_environment_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "env-key-s3cr3t")
    monkeypatch.setenv("GEMINI_BASE_URL", "ftp://not-http.example")
    with pytest.raises(ConfigError) as caught:
        SessionProcessor(tmp_path)
    assert "base_url" in str(caught.value) and "s3cr3t" not in str(caught.value)


def test_the_gil_is_released_during_inference(nsfw_model: Path) -> None:
    checker = SafetyChecker(nudity_model=nsfw_model)
    frame = moving_scene(640, 480, 1)

    def score_frames() -> None:
        for i in range(30):
            checker.check_frame(frame, 640, 480, float(i))

    _, ticks, elapsed = thread_ticks_during(score_frames, 0.002)
    # A thread that gets the GIL while frames are scored ticks ~400 times a second; one that
    # only gets it between frames, about once a frame.
    assert ticks > elapsed * 150, (ticks, elapsed)
