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
from session_monitor import InputError, SafetyChecker, SessionProcessor, WebhookError
from session_monitor.livekit import WebhookReceiver, sign_webhook


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
    body = '{"event":"egress_ended","id":"EV_1","egressInfo":{"egressId":"EG_1","status":"EGRESS_COMPLETE",'
    body += '"fileResults":[{"filename":"sessions/s-1/recording.mp4"}]}}'
    receiver = WebhookReceiver("APIkey", "a-long-api-secret", recordings="s3://recordings")
    delivery = receiver.receive(body, sign_webhook("APIkey", "a-long-api-secret", body), "application/webhook+json")
    assert delivery.recording == ("s-1", "s3://recordings/sessions/s-1/recording.mp4"), delivery
    try:
        receiver.receive(body, None, "application/webhook+json")
    except WebhookError as e:
        assert e.http_status == 401, e.http_status
    else:
        raise AssertionError("a delivery without Authorization was accepted")
    print(f"installed wheel OK: {session_monitor.__file__}", file=sys.stderr)


if __name__ == "__main__":
    main()
