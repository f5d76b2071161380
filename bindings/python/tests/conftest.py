"""Shared fixtures: the generated media (scripts/make-fixtures), the prepared models (Whisper tiny,
nsfwjs) and a moto S3 server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The folder of generated recordings: $FIXTURES_DIR, or made by scripts/make-fixtures."""
    given = os.environ.get("FIXTURES_DIR")
    if given and (Path(given) / "clean.mp4").is_file():
        return Path(given)
    script = REPO / "scripts" / "make-fixtures"
    done = subprocess.run([str(script)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"{script} failed ({done.returncode}):\n{done.stderr}")
    folder = Path(done.stdout.strip().splitlines()[-1])
    if not (folder / "clean.mp4").is_file():
        pytest.fail(f"{script} printed {folder}, which has no clean.mp4")
    return folder


@pytest.fixture(scope="session")
def clean_mp4(fixtures_dir: Path) -> Path:
    return fixtures_dir / "clean.mp4"


def _moto_server() -> str:
    named = os.environ.get("MOTO_SERVER")
    candidates = [named] if named else []
    candidates += [
        str(Path(sys.executable).parent / "moto_server"),
        str(REPO / ".venv" / "bin" / "moto_server"),
        shutil.which("moto_server") or "",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("moto_server not found: run scripts/setup, or set MOTO_SERVER")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free port; yields its http:// endpoint."""
    port = _free_port()
    server = subprocess.Popen(
        [_moto_server(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint + "/", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start on {endpoint}")
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def whisper_model() -> Path:
    """$WHISPER_MODEL_DIR, or the folder scripts/prepare-whisper-tiny prints (fails if it can't)."""
    given = os.environ.get("WHISPER_MODEL_DIR")
    if given:
        return Path(given)
    done = subprocess.run([str(REPO / "scripts" / "prepare-whisper-tiny")], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"prepare-whisper-tiny failed:\n{done.stderr}")
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def nsfw_model() -> Path:
    """$NSFW_MODEL_DIR, or the folder scripts/prepare-nsfw-model prints (fails if it can't)."""
    given = os.environ.get("NSFW_MODEL_DIR")
    if given:
        folder = Path(given)
    else:
        done = subprocess.run(
            [str(REPO / "scripts" / "prepare-nsfw-model")], capture_output=True, text=True
        )
        if done.returncode != 0:
            pytest.fail(f"prepare-nsfw-model failed:\n{done.stderr}")
        folder = Path(done.stdout.strip().splitlines()[-1])
    if not (folder / "model.safetensors").is_file():
        pytest.fail(f"{folder} holds no model.safetensors: set NSFW_MODEL_DIR")
    return folder
