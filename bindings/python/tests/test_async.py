"""process_async: runs on the library's runtime, leaves the event loop free, cancels cleanly."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest

from ticking import loop_ticks_during
from session_monitor import CancelToken, InputError, SessionProcessor


def test_process_async_leaves_the_loop_running(tmp_path: Path, clean_mp4: Path) -> None:
    processor = SessionProcessor(tmp_path, transcribe=False)
    result, ticks, elapsed = loop_ticks_during(lambda: processor.process_async("RM_async", clean_mp4))
    assert result.status == "complete"
    # A loop that is never blocked ticks hundreds of times a second; a blocked one ticks once.
    assert ticks > elapsed * 20, (ticks, elapsed)


def test_process_async_raises_typed_errors(tmp_path: Path, fixtures_dir: Path) -> None:
    async def main() -> None:
        await SessionProcessor(tmp_path).process_async("RM_async_t", fixtures_dir / "truncated.mp4")

    with pytest.raises(InputError) as caught:
        asyncio.run(main())
    assert caught.value.code == "media.input_truncated"


def test_cancelling_the_task_cancels_the_run(tmp_path: Path, clean_mp4: Path) -> None:
    token = CancelToken()
    in_media = threading.Event()

    def on_progress(stage: str, fraction: float) -> None:
        # Hold the run inside the media stage until the task's cancellation reaches the token.
        if stage == "media" and not in_media.is_set():
            in_media.set()
            deadline = time.monotonic() + 30
            while not token.cancelled and time.monotonic() < deadline:
                time.sleep(0.001)

    async def main() -> None:
        processor = SessionProcessor(tmp_path, transcribe=False, on_progress=on_progress)
        task = asyncio.create_task(processor.process_async("RM_async_c", clean_mp4, cancel=token))
        while not in_media.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert token.cancelled
    manifest = json.loads((tmp_path / "sessions" / "RM_async_c" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"]["code"] == "cancelled"
