"""Not a test: checked by test_typing.py with `mypy --strict` against the package's stubs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Optional

from session_monitor import (
    CancelToken,
    S3Settings,
    SessionProcessingError,
    SessionProcessor,
    SessionResult,
    StageReport,
)


def on_progress(stage: str, fraction: float) -> None:
    print(f"{stage} {fraction:.0%}")


def run(path: Path) -> Optional[float]:
    settings = S3Settings(endpoint="http://127.0.0.1:9000", force_path_style=True)
    processor = SessionProcessor("out", s3=settings, transcribe=False, on_progress=on_progress)
    token = CancelToken()
    try:
        result: SessionResult = processor.process("RM_typed", path, cancel=token)
    except SessionProcessingError as e:
        code: str = e.code
        print(code, e.kind)
        return None
    stages: list[StageReport] = result.stages
    print([s.name for s in stages], [a.location for a in result.artifacts], token.cancelled)
    score = result.quality["score"] if result.quality else None
    return float(score) if score is not None else None


async def run_async(path: str) -> str:
    result = await SessionProcessor("out").process_async("RM_typed", path)
    return result.status


if __name__ == "__main__":
    run(Path("recording.mp4"))
    asyncio.run(run_async("recording.mp4"))
