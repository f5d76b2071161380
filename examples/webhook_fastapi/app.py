"""A LiveKit webhook service in FastAPI, with Session Monitor behind it.

LiveKit Egress records a session (``sessions/<sessionId>/recording.mp4``) and sends a signed
``egress_ended``; this service verifies it, answers at once, and processes the recording in the
background on the library's runtime (``process_async``), writing ``sessions/<sessionId>/…`` to
``OUTPUT_DIR``. ``GET /api/sessions/<id>`` says how far it got.

Run:  LIVEKIT_API_KEY=... LIVEKIT_API_SECRET=... RECORDINGS=s3://bucket-or-folder \\
      OUTPUT_DIR=session-output .venv/bin/uvicorn app:app --app-dir examples/webhook_fastapi

Settings (environment): ``LIVEKIT_API_KEY``, ``LIVEKIT_API_SECRET`` (the key pair in
livekit-server's ``webhook.api_key``), ``RECORDINGS`` (where egress writes: ``s3://bucket``, a
bucket ARN, or a folder; ``RECORDINGS_S3_BUCKET`` is read too, as the seed names it),
``OUTPUT_DIR`` (a folder or ``s3://bucket[/prefix]``), and the model folders
``WHISPER_MODEL_DIR``, ``SILERO_VAD_DIR``, ``NSFW_MODEL_DIR`` (optional). A missing or malformed
value stops start-up with a message naming it.

Deliveries are idempotent on the event ``id`` (LiveKit retries with the same id) and one egress
is processed once. This example keeps that state in memory; a real service keeps it in its
database, next to its sessions table, so that a restarted process resumes unfinished work.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, Mapping, Optional, Set

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from session_monitor import SessionProcessingError, SessionProcessor
from session_monitor.livekit import WebhookError, WebhookReceiver


class Settings:
    """The service's settings, from the environment; a missing value is named."""

    def __init__(self, env: Mapping[str, str]) -> None:
        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise SystemExit(f"{name} is not set: the webhook service needs it")
            return value

        self.api_key = required("LIVEKIT_API_KEY")
        self.api_secret = required("LIVEKIT_API_SECRET")
        bucket = env.get("RECORDINGS_S3_BUCKET", "").strip()
        self.recordings = env.get("RECORDINGS", "").strip() or (f"s3://{bucket}" if bucket and not bucket.startswith("arn:") else bucket)
        if not self.recordings:
            raise SystemExit("set RECORDINGS (s3://bucket, a bucket ARN or a folder) or RECORDINGS_S3_BUCKET")
        self.output = env.get("OUTPUT_DIR", "").strip() or "session-output"
        self.models = {
            "model": env.get("WHISPER_MODEL_DIR") or None,
            "vad_model": env.get("SILERO_VAD_DIR") or None,
            "nudity_model": env.get("NSFW_MODEL_DIR") or None,
        }


def create_app(env: Optional[Mapping[str, str]] = None) -> FastAPI:
    settings = Settings(os.environ if env is None else env)
    receiver = WebhookReceiver(settings.api_key, settings.api_secret, recordings=settings.recordings)
    processor = SessionProcessor(settings.output, **settings.models)
    seen_events: Set[str] = set()
    seen_egresses: Set[str] = set()
    sessions: Dict[str, Dict[str, Any]] = {}
    running: Set["asyncio.Task[None]"] = set()

    async def process(session_id: str, recording: str) -> None:
        try:
            result = await processor.process_async(session_id, recording)
            sessions[session_id] = {"status": result.status, "scores": _scores(result.to_dict())}
        except SessionProcessingError as e:
            sessions[session_id] = {"status": "failed", "error": {"code": e.code, "message": str(e)}}

    app = FastAPI(title="Session Monitor webhook service")

    @app.post("/api/livekit/webhook")
    async def livekit_webhook(request: Request) -> Response:
        try:
            delivery = receiver.receive(
                await request.body(), request.headers.get("authorization"), request.headers.get("content-type")
            )
        except WebhookError as e:
            return JSONResponse({"error": e.code}, status_code=e.http_status or 400)
        if delivery.id in seen_events:
            return JSONResponse({"event": delivery.kind, "duplicate": True})
        seen_events.add(delivery.id)
        outcome = delivery.egress_outcome
        if outcome is not None and outcome.egress_id:
            if outcome.egress_id in seen_egresses:
                return JSONResponse({"event": delivery.kind, "duplicate": True})
            seen_egresses.add(outcome.egress_id)
        if delivery.recording is not None:
            session_id, recording = delivery.recording
            sessions[session_id] = {"status": "processing"}
            task = asyncio.create_task(process(session_id, recording))
            running.add(task)
            task.add_done_callback(running.discard)
        elif outcome is not None and outcome.session_id is None:
            # A failed egress or one with nothing to process: recorded against its room.
            room = (delivery.egress or {}).get("room_name") or "unknown-room"
            sessions[room] = {"status": "failed", "error": {"code": outcome.code or outcome.status, "message": outcome.reason}}
        return JSONResponse({"event": delivery.kind, "accepted": True})

    @app.get("/api/sessions/{session_id}")
    async def session_status(session_id: str) -> Response:
        if session_id not in sessions:
            return JSONResponse({"error": "unknown session"}, status_code=404)
        return JSONResponse(sessions[session_id])

    @app.get("/healthz")
    async def healthz() -> Dict[str, Any]:
        return {"ok": True, "processing": len(running)}

    return app


def _scores(result: Dict[str, Any]) -> Dict[str, Any]:
    """The headline scores of a result (the artifacts hold the rest)."""
    pick = {name: (result.get(name) or {}).get("score") for name in ("quality", "engagement", "combined", "analysis")}
    return {name: score for name, score in pick.items() if score is not None}


def __getattr__(name: str) -> Any:
    # `uvicorn app:app` builds the app from the environment on first use, not at import, so that
    # tests can import create_app without settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
