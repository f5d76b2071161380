"""The real pipeline on generated media, through the Python API."""

from __future__ import annotations

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Tuple

import pytest

from ticking import thread_ticks_during
from session_monitor import (
    CancelledError,
    CancelToken,
    InputError,
    SessionProcessingError,
    SessionProcessor,
    SessionResult,
)

EXPECTED_FILES = [
    "manifest.json",
    "recording.mp4",
    "audio.wav",
    "quality.json",
    "engagement.json",
    "combined-score.json",
]


def test_process_writes_the_session_folder(tmp_path: Path, clean_mp4: Path) -> None:
    result = SessionProcessor(tmp_path, transcribe=False).process("RM_py1", clean_mp4)

    assert isinstance(result, SessionResult)
    assert result.session_id == "RM_py1"
    assert result.status == "complete"
    folder = tmp_path / "sessions" / "RM_py1"
    assert Path(result.output) == folder
    for name in EXPECTED_FILES:
        assert (folder / name).is_file(), name
    assert {a.name for a in result.artifacts} >= set(EXPECTED_FILES) - {"manifest.json"}
    for artifact in result.artifacts:
        assert Path(artifact.location).is_file(), artifact
        # The core reports manifest.json (written last) with bytes 0; every other size is real.
        if artifact.name != "manifest.json":
            assert artifact.bytes == Path(artifact.location).stat().st_size > 0, artifact

    assert result.quality is not None
    score = result.quality["score"]
    assert isinstance(score, float) and 0.0 <= score <= 100.0
    assert result.engagement is not None and result.combined is not None
    assert result.media["duration_s"] > 10.0
    for name in ["probe", "audio", "video", "quality", "engagement", "combined"]:
        stage = result.stage(name)
        assert stage is not None and stage.status == "ok" and stage.error is None, stage
    transcribe = result.stage("transcribe")
    assert transcribe is not None and transcribe.status == "skipped" and transcribe.reason

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert [s["name"] for s in manifest["stages"]] == [s.name for s in result.stages]
    raw = result.to_dict()
    assert raw["quality"] == result.quality and raw["session_id"] == "RM_py1"
    assert "reason" not in raw["stages"][0] or raw["stages"][0]["reason"]  # Rust omits None


@pytest.mark.parametrize("session_id", ["", "../escape", "has space", "x" * 129])
def test_invalid_session_id_is_an_input_error(
    tmp_path: Path, clean_mp4: Path, session_id: str
) -> None:
    with pytest.raises(InputError) as caught:
        SessionProcessor(tmp_path).process(session_id, clean_mp4)
    assert caught.value.code == "input" and caught.value.kind == "input"
    assert isinstance(caught.value, SessionProcessingError)
    assert str(caught.value).startswith("invalid input: session id")


def test_truncated_recording(tmp_path: Path, fixtures_dir: Path) -> None:
    with pytest.raises(InputError) as caught:
        SessionProcessor(tmp_path).process("RM_trunc", fixtures_dir / "truncated.mp4")
    assert caught.value.code == "media.input_truncated"
    assert "truncated" in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        SessionProcessor(tmp_path).process("RM_missing", tmp_path / "nope.mp4")
    assert caught.value.code == "media.input_not_found"
    assert "nope.mp4" in str(caught.value)


def test_bad_output_uri_is_raised_at_construction() -> None:
    with pytest.raises(InputError) as caught:
        SessionProcessor("s3://Not_A_Bucket")
    assert caught.value.code == "input"


def test_progress_fractions_grow_to_one(tmp_path: Path, clean_mp4: Path) -> None:
    events: List[Tuple[str, float]] = []
    threads = set()

    def on_progress(stage: str, fraction: float) -> None:
        events.append((stage, fraction))
        threads.add(threading.get_ident())

    SessionProcessor(tmp_path, transcribe=False, on_progress=on_progress).process(
        "RM_progress", clean_mp4
    )
    fractions = [f for _, f in events]
    assert len(fractions) > 5
    assert all(b >= a for a, b in zip(fractions, fractions[1:])), fractions
    assert fractions[-1] == 1.0
    assert "media" in {s for s, _ in events}


def test_progress_callback_errors_do_not_stop_the_run(
    tmp_path: Path, clean_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported: List[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))

    def on_progress(stage: str, fraction: float) -> None:
        raise RuntimeError("callback bug")

    result = SessionProcessor(tmp_path, transcribe=False, on_progress=on_progress).process(
        "RM_cb_error", clean_mp4
    )
    assert result.status == "complete"
    assert reported and all(str(e) == "callback bug" for e in reported)


def test_cancel_from_the_progress_callback(tmp_path: Path, clean_mp4: Path) -> None:
    token = CancelToken()

    def on_progress(stage: str, fraction: float) -> None:
        if stage == "media":
            token.cancel()

    processor = SessionProcessor(tmp_path, transcribe=False, on_progress=on_progress)
    with pytest.raises(CancelledError) as caught:
        processor.process("RM_cancel", clean_mp4, cancel=token)
    assert caught.value.code == "cancelled" and caught.value.kind == "cancelled"
    assert token.cancelled
    manifest = json.loads((tmp_path / "sessions" / "RM_cancel" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"]["code"] == "cancelled"


def test_two_sessions_at_once_from_threads(tmp_path: Path, clean_mp4: Path) -> None:
    processor = SessionProcessor(tmp_path, transcribe=False)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(processor.process, f"RM_thread{i}", clean_mp4) for i in range(2)]
        results = [run.result(timeout=600) for run in runs]
    assert [r.status for r in results] == ["complete", "complete"]
    assert {r.session_id for r in results} == {"RM_thread0", "RM_thread1"}
    for r in results:
        assert (Path(r.output) / "manifest.json").is_file()


def test_the_gil_is_released_while_processing(tmp_path: Path, clean_mp4: Path) -> None:
    processor = SessionProcessor(tmp_path, transcribe=False)
    _, ticks, elapsed = thread_ticks_during(lambda: processor.process("RM_gil", clean_mp4), 0.005)
    # Sleeping 5 ms a tick, a thread that gets the GIL ticks ~100 times a second; allow slack.
    assert ticks > elapsed * 20, (ticks, elapsed)


def test_one_recording_per_participant(tmp_path: Path, fixtures_dir: Path) -> None:
    processor = SessionProcessor(tmp_path, transcribe=False)
    result = processor.process_participants(
        "RM_pair",
        [("alice", fixtures_dir / "alice.mp4", 0.0), ("bob", str(fixtures_dir / "bob.mp4"), 0.0)],
    )
    session = tmp_path / "sessions" / "RM_pair"
    for who in ("alice", "bob"):
        assert (session / "participants" / who / "quality.json").is_file(), who
    assert result.engagement is not None
    conversation = result.engagement["conversation"]
    shares = [p["talk_share"] for p in conversation["participants"]]
    assert len(shares) == 2 and all(0.2 < s < 0.8 for s in shares), conversation
    assert conversation["turn_count"] >= 3, conversation
    scan = result.safety
    assert scan is not None and set(scan["participants"]) == {"alice", "bob"}


def test_a_participant_twice_is_an_input_error(tmp_path: Path, clean_mp4: Path) -> None:
    processor = SessionProcessor(tmp_path, transcribe=False)
    with pytest.raises(InputError, match="appears twice") as raised:
        processor.process_participants("RM_twice", [("a", clean_mp4, 0.0), ("a", clean_mp4, 0.0)])
    assert raised.value.code == "input"
