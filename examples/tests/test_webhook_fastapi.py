"""The FastAPI webhook example as LiveKit would use it: uvicorn on a loopback port, deliveries
signed as livekit-server signs them, a real recording processed in the background."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest

from session_monitor.livekit import sign_webhook

HERE = Path(__file__).resolve().parent
APP_DIR = HERE.parent / "webhook_fastapi"
KEY, SECRET = "APIwebhookExample", "a-secret-for-the-webhook-example-that-is-long-enough"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fixture(name: str) -> Path:
    path = Path(os.environ.get("FIXTURES_DIR", HERE.parents[1] / ".fixtures")) / name
    assert path.exists(), f"{path} is missing: run scripts/make-fixtures"
    return path


@pytest.fixture()
def service(tmp_path: Path) -> Iterator[Tuple[str, Path]]:
    recordings, output = tmp_path / "recordings", tmp_path / "output"
    (recordings / "sessions" / "lk-call-1").mkdir(parents=True)
    shutil.copy(fixture("clean.mp4"), recordings / "sessions" / "lk-call-1" / "recording.mp4")
    port = free_port()
    env = {
        **os.environ,
        "LIVEKIT_API_KEY": KEY,
        "LIVEKIT_API_SECRET": SECRET,
        "RECORDINGS": str(recordings),
        "OUTPUT_DIR": str(output),
        "GEMINI_API_KEY": "",
    }
    command = [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(APP_DIR), "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"uvicorn exited: {server.stdout.read() if server.stdout else ''}"
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the service did not start within 60 s"
            time.sleep(0.2)
        yield base, output
    finally:
        server.terminate()
        server.wait(timeout=30)


def get(url: str) -> Tuple[int, Dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def deliver(base: str, body: str, authorization: str | None = None) -> Tuple[int, Dict[str, Any]]:
    headers = {"Content-Type": "application/webhook+json"}
    headers["Authorization"] = authorization if authorization is not None else sign_webhook(KEY, SECRET, body)
    request = urllib.request.Request(f"{base}/api/livekit/webhook", data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def egress_ended(event_id: str, egress_id: str, status: str = "EGRESS_COMPLETE", error: str = "") -> str:
    files = [{"filename": "sessions/lk-call-1/recording.mp4", "duration": "9000000000"}] if status != "EGRESS_FAILED" else []
    info = {"egressId": egress_id, "roomName": "call-room", "status": status, "fileResults": files}
    if error:
        info["error"] = error
    return json.dumps({"event": "egress_ended", "id": event_id, "createdAt": str(int(time.time())), "egressInfo": info})


def wait_for(base: str, session_id: str, seconds: float = 300) -> Dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        status, body = get(f"{base}/api/sessions/{session_id}")
        if status == 200 and body.get("status") != "processing":
            return body
        assert time.monotonic() < deadline, f"{session_id} still {body} after {seconds} s"
        time.sleep(0.5)


def test_an_egress_ended_is_answered_at_once_and_processed_in_the_background(service: Tuple[str, Path]) -> None:
    base, output = service
    started = time.monotonic()
    status, answer = deliver(base, egress_ended("EV_1", "EG_1"))
    assert (status, answer) == (200, {"event": "egress_ended", "accepted": True})
    assert time.monotonic() - started < 5, "the webhook is answered before processing ends"
    done = wait_for(base, "lk-call-1")
    assert done["status"] == "complete", done
    assert 0 <= done["scores"]["quality"] <= 100, done
    manifest = json.loads((output / "sessions" / "lk-call-1" / "manifest.json").read_text())
    assert manifest["status"] == "complete"

    # LiveKit retries with the same id; a second delivery of the same egress is not processed again.
    for event_id in ("EV_1", "EV_2"):
        status, answer = deliver(base, egress_ended(event_id, "EG_1"))
        assert (status, answer.get("duplicate")) == (200, True), answer
    assert manifest == json.loads((output / "sessions" / "lk-call-1" / "manifest.json").read_text())


def test_forged_and_failed_deliveries(service: Tuple[str, Path]) -> None:
    base, _ = service
    body = egress_ended("EV_9", "EG_9")
    forged = sign_webhook(KEY, "not-the-secret-but-just-as-long-as-the-real-one-0000", body)
    assert deliver(base, body, authorization=forged) == (401, {"error": "livekit.bad_signature"})
    assert deliver(base, body, authorization="")[0] == 401
    assert get(f"{base}/api/sessions/lk-call-1")[0] == 404, "nothing was processed"

    status, _ = deliver(base, egress_ended("EV_10", "EG_10", status="EGRESS_FAILED", error="the recorder crashed"))
    assert status == 200, "a genuine delivery of a failed egress is acknowledged"
    failed = get(f"{base}/api/sessions/call-room")[1]
    assert failed == {"status": "failed", "error": {"code": "EGRESS_FAILED", "message": "the recorder crashed"}}
