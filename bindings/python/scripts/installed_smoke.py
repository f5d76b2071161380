"""Run by scripts/test-package.sh in a fresh virtualenv where only the release wheel is installed:
checks that the package comes from that virtualenv (not a source tree), that the example's result
is the real pipeline's, and that errors and the realtime checker work. Exits non-zero on failure."""

from __future__ import annotations

import json
import os
import sys
import sysconfig
import tempfile

import session_monitor
from session_monitor import InputError, SafetyChecker, SessionProcessor


def main() -> None:
    site = sysconfig.get_paths()["purelib"]
    assert session_monitor.__file__.startswith(site), f"imported from {session_monitor.__file__}, not {site}"

    with open(os.environ["RESULT_JSON"], encoding="utf-8") as f:
        result = json.load(f)
    assert result["session_id"] == "installed-1", result["session_id"]
    assert result["status"] == "complete", result["status"]
    assert isinstance(result["quality"]["score"], (int, float))
    nudity = next(c for c in result["safety"]["categories"] if c["category"] == "nudity")
    assert nudity["signals"]["frames_scored"] > 0, nudity

    with tempfile.TemporaryDirectory() as out:
        try:
            SessionProcessor(out).process("installed-2", "/nonexistent/recording.mp4")
        except InputError as e:
            assert e.code and e.kind == "input", (e.code, e.kind)
        else:
            raise AssertionError("a missing recording did not raise InputError")

    checker = SafetyChecker(nudity_model=os.environ["NSFW_MODEL_DIR"])
    check = checker.check_frame(bytes(32 * 32 * 4), 32, 32, 0.0)
    assert isinstance(check["nudity_score"], float), check
    print(f"installed wheel OK: {session_monitor.__file__}", file=sys.stderr)


if __name__ == "__main__":
    main()
