"""The stubs are complete enough for `mypy --strict` users; the example runs as a program."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "process_file.py"


def test_mypy_strict_accepts_typed_usage() -> None:
    checked = [HERE / "typing_sample.py", EXAMPLE, HERE.parent / "python" / "session_monitor"]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir=/dev/null", *map(str, checked)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_example_prints_the_result_as_json(tmp_path: Path, clean_mp4: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(clean_mp4), str(tmp_path), "RM_example"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "complete" and result["session_id"] == "RM_example"


def test_example_reports_errors_with_their_code(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path / "nope.mp4"), str(tmp_path), "RM_x"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: media.input_not_found: ")
