"""The 1:1 matching example: its feedback rules on made-up reports, and the script end to end on
the generated two-person call (alice.mp4 + bob.mp4) with real Whisper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "matching_1on1"
sys.path.insert(0, str(EXAMPLE))
from feedback import match_feedback  # noqa: E402


def conversation(**overrides: Any) -> Dict[str, Any]:
    talk = [
        {"participant": "ana", "talk_share": 0.5, "talk_time_s": 100.0, "turns": 10, "longest_turn_s": 20.0, "interruptions": 0},
        {"participant": "ben", "talk_share": 0.5, "talk_time_s": 100.0, "turns": 10, "longest_turn_s": 20.0, "interruptions": 0},
    ]
    base = {
        "duration_s": 240.0,
        "participants": talk,
        "turn_count": 20,
        "turns_per_minute": 5.0,
        "overlap_s": 2.0,
        "mutual_silence_s": 40.0,
        "interruption_count": 0,
        "response_latency": {"count": 19, "mean_s": 0.8, "median_s": 0.7},
        "balance": 1.0,
    }
    return {"session_id": "s", "conversation": {**base, **overrides}}


def reports(questions: int = 3) -> Dict[str, Dict[str, Any]]:
    person = {"score": 80.0, "transcript": {"questions": questions}, "speech_rate": {"words_per_minute": 150.0}}
    return {"ana": person, "ben": {**person, "score": 70.0}}


def test_a_balanced_call_has_no_notes_and_the_pair_is_as_engaged_as_its_less_engaged_member() -> None:
    feedback = match_feedback(conversation(), reports())
    assert feedback["notes"] == []
    assert feedback["pair"]["mutual_engagement"] == 70.0
    assert [p["questions"] for p in feedback["participants"]] == [3, 3]


def test_each_rule_names_what_it_saw() -> None:
    talk = conversation()["conversation"]["participants"]
    talk[0]["talk_share"], talk[1]["talk_share"] = 0.85, 0.15
    feedback = match_feedback(
        conversation(
            participants=talk,
            balance=0.3,
            interruption_count=12,
            response_latency={"count": 5, "mean_s": 3.5, "median_s": 3.2},
            mutual_silence_s=100.0,
        ),
        reports(questions=0),
    )
    notes = feedback["notes"]
    assert "one-sided: ana did 85% of the talking" in notes
    assert "frequent interruptions: 3.0 per minute" in notes
    assert any(n.startswith("slow replies: 3.2 s") for n in notes)
    assert any(n.startswith("long silences: nobody spoke for 100 s") for n in notes)
    assert "ana asked no questions" in notes and "ben asked no questions" in notes


def test_a_single_recording_session_is_refused() -> None:
    with pytest.raises(ValueError, match="one recording per participant"):
        match_feedback({"session_id": "s"}, {})


def fixture(name: str) -> Path:
    folder = Path(os.environ.get("FIXTURES_DIR", HERE.parents[1] / ".fixtures"))
    path = folder / name
    assert path.exists(), f"{path} is missing: run scripts/make-fixtures"
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    assert os.environ.get("WHISPER_MODEL_DIR"), "WHISPER_MODEL_DIR is not set: run scripts/prepare-whisper-tiny"
    command = [sys.executable, str(EXAMPLE / "match_feedback.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def test_the_script_processes_a_two_person_call_and_prints_feedback(tmp_path: Path) -> None:
    done = run("--session-id", "call-1", "--out", str(tmp_path), f"alice={fixture('alice.mp4')}", f"bob={fixture('bob.mp4')}")
    assert done.returncode == 0, done.stderr
    feedback = json.loads(done.stdout)
    assert [p["participant"] for p in feedback["participants"]] == ["alice", "bob"]
    assert feedback["pair"]["balance"] > 0.8, feedback  # they take turns with sentences of similar length
    assert feedback["pair"]["turns_per_minute"] > 5
    assert all(p["words_per_minute"] and p["words_per_minute"] > 60 for p in feedback["participants"]), feedback
    assert not any(n.startswith("one-sided") for n in feedback["notes"]), feedback["notes"]
    assert (tmp_path / "sessions" / "call-1" / "participants" / "bob" / "transcript.json").exists()


def test_a_missing_recording_is_one_error_line(tmp_path: Path) -> None:
    done = run("--session-id", "call-2", "--out", str(tmp_path), "alice=/nonexistent.mp4", f"bob={fixture('bob.mp4')}")
    assert done.returncode == 1
    assert done.stderr.startswith("error: media.input_not_found:") and "/nonexistent.mp4" in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1
