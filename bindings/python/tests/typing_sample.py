"""Not a test: checked by test_typing.py with `mypy --strict` against the package's stubs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Mapping, Optional

from session_monitor import (
    CancelToken,
    ConfigError,
    FrameCheck,
    InputError,
    NudityScores,
    ReasoningError,
    S3Settings,
    SafetyChecker,
    SessionProcessingError,
    SessionProcessor,
    SessionResult,
    StageReport,
    StoredSafetyEvent,
    WebhookError,
)
from session_monitor.livekit import EgressOutcome, Recording, WebhookDelivery, WebhookReceiver, sign_webhook


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


def run_pair(alice: Path, bob: str) -> Optional[Mapping[str, object]]:
    result = SessionProcessor("out").process_participants("RM_pair", [("alice", alice, 0.0), ("bob", bob, 1.5)])
    return result.engagement


async def run_async(path: str) -> str:
    result = await SessionProcessor("out").process_async("RM_typed", path)
    return result.status


async def create_async(path: str, model: Path) -> bool:
    processor: SessionProcessor = await SessionProcessor.create_async("out", model=model, transcribe=False)
    checker: SafetyChecker = await SafetyChecker.create_async(participant="alice", nudity_model=model)
    result = await processor.process_async("RM_typed", path)
    return result.status == "complete" and checker.has_nudity_model


def safety(path: Path, model: Path, frame: bytes) -> Optional[float]:
    processor = SessionProcessor(
        "out", nudity_model=model, gemini_api_key="", session_context="a tutoring session"
    )
    result = processor.process("RM_typed", path)
    # The reports are typed dicts generated from the Rust types: a loose annotation still fits.
    scan: Optional[Mapping[str, object]] = result.safety
    analysis: Optional[Mapping[str, object]] = result.analysis
    print(scan, analysis)
    if result.safety is not None:
        print([(c["category"], c["score"], c["decision"]) for c in result.safety["categories"]])

    checker = SafetyChecker(participant="alice", nudity_model=model, nudity_threshold=0.8)
    try:
        check: FrameCheck = checker.check_frame(frame, 2, 2, 0.5)
        checker.check_frame(bytearray(frame), 2, 2, 1.0, format="rgba")
        checker.check_frame(memoryview(frame), 2, 2, 1.5, "i420")
    except InputError as e:
        print(e.code)
        return None
    except (ConfigError, ReasoningError) as e:
        print(e.kind)
        return None
    nudity: Optional[NudityScores] = check["nudity"]
    print(nudity["porn"] if nudity else None, check["covered"], check["frozen"], checker.has_nudity_model)
    for event in check["events"]:
        stored: StoredSafetyEvent = processor.record_safety_event("RM_typed", event)
        print(stored["artifact"]["location"], stored["artifact"]["bytes"], stored["event"]["category"])
    return check["nudity_score"]


async def record_async(processor: SessionProcessor, event_json: str) -> int:
    stored = await processor.record_safety_event_async("RM_typed", event_json)
    return stored["artifact"]["bytes"]


def webhook(body: bytes, authorization: Optional[str], content_type: Optional[str]) -> int:
    receiver = WebhookReceiver("APIkey", "secret", recordings="s3://recordings", leeway_s=30.0, max_body_bytes=65536)
    try:
        delivery: WebhookDelivery = receiver.receive(body, authorization, content_type)
    except WebhookError as e:
        status: int = e.http_status
        print(e.code, e.kind)
        return status
    except ConfigError as e:
        print(e.http_status)
        return 500
    print(delivery.id, delivery.kind, delivery.created_at_s, delivery.raw.get("event"), delivery.room)
    outcome: Optional[EgressOutcome] = delivery.egress_outcome
    if outcome is not None and outcome.is_recorded and outcome.session_id and outcome.input:
        SessionProcessor("out").process(outcome.session_id, outcome.input)
    elif outcome is not None and outcome.outcome == "failed":
        print(outcome.status, outcome.reason, outcome.to_dict())
    recording: Optional[Recording] = delivery.recording
    if recording is not None:
        SessionProcessor("out").process(*recording)
        print(recording.session_id, recording.input)
    signed: str = sign_webhook("APIkey", "secret", "{}")
    receiver.receive("{}", signed, "application/webhook+json")
    return 200


if __name__ == "__main__":
    run(Path("recording.mp4"))
    asyncio.run(run_async("recording.mp4"))
