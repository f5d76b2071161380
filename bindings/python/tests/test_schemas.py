"""Every stored JSON artifact of real runs validates against its generated JSON Schema
(docs/schema/, `cargo run -p session_schema_gen`), checked with the `jsonschema` package: the
schemas are what the files hold, not only what the Rust types say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import jsonschema
import pytest

from session_monitor import SessionProcessor
from session_monitor.livekit import WebhookReceiver, sign_webhook

REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO / "docs" / "schema"

# The artifact each schema describes, by file name (the participant folders hold the same ones).
SCHEMA_OF = {
    "manifest.json": "manifest.schema.json",
    "quality.json": "quality.schema.json",
    "engagement.json": "engagement.schema.json",
    "combined-score.json": "combined-score.schema.json",
    "safety-scan.json": "safety-scan.schema.json",
    "analysis.json": "analysis.schema.json",
    "transcript.json": "transcript.schema.json",
    "timeline.json": "timeline.schema.json",
}


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _check_folder(session: Path) -> List[str]:
    """Validates every artifact under `session`; returns the files checked."""
    validators: Dict[str, jsonschema.protocols.Validator] = {}
    checked = []
    for path in sorted(session.rglob("*.json")):
        relative = path.relative_to(session)
        if relative.parts[0] == "safety":
            schema = "safety-event.schema.json"
        elif path.name in SCHEMA_OF:
            schema = SCHEMA_OF[path.name]
        else:
            continue
        validator = validators.setdefault(schema, _validator(schema))
        errors = sorted(validator.iter_errors(json.loads(path.read_text())), key=str)
        assert not errors, f"{relative} against {schema}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
        )
        checked.append(str(relative))
    return checked


def test_one_recording_with_a_transcript_matches_the_schemas(
    tmp_path: Path, clean_mp4: Path, whisper_model: Path, nsfw_model: Path
) -> None:
    processor = SessionProcessor(tmp_path, model=whisper_model, language="en", nudity_model=nsfw_model)
    processor.process("schema-one", clean_mp4)
    checked = _check_folder(tmp_path / "sessions" / "schema-one")
    for name in ("manifest.json", "quality.json", "engagement.json", "transcript.json", "timeline.json",
                 "safety-scan.json", "combined-score.json"):
        assert name in checked, (name, checked)


def test_a_session_per_participant_matches_the_schemas(tmp_path: Path, fixtures_dir: Path) -> None:
    processor = SessionProcessor(tmp_path, transcribe=False)
    processor.process_participants(
        "schema-pair", [("alice", fixtures_dir / "alice.mp4", 0.0), ("bob", fixtures_dir / "bob.mp4", 1.5)]
    )
    checked = _check_folder(tmp_path / "sessions" / "schema-pair")
    assert "participants/alice/quality.json" in checked, checked
    assert "timeline.json" in checked, checked


def test_a_wrong_artifact_is_refused(tmp_path: Path, clean_mp4: Path) -> None:
    """The check can fail: a timeline whose track lost its loudness type is caught."""
    SessionProcessor(tmp_path, transcribe=False).process("schema-bad", clean_mp4)
    timeline = tmp_path / "sessions" / "schema-bad" / "timeline.json"
    document = json.loads(timeline.read_text())
    document["tracks"][0]["loudness_lufs"] = "loud"
    timeline.write_text(json.dumps(document))
    with pytest.raises(AssertionError, match="timeline.json against timeline.schema.json"):
        _check_folder(tmp_path / "sessions" / "schema-bad")


def _livekit_bodies() -> List[Dict[str, object]]:
    """The webhook bodies a real livekit-server and Egress sent (crates/livekit/tests/fixtures)."""
    folder = REPO / "crates" / "livekit" / "tests" / "fixtures"
    bodies: List[Dict[str, object]] = []
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text())
        if isinstance(document, dict) and "event" in document:
            bodies.append(document)
        elif isinstance(document, dict):
            runs = [value for key, value in document.items() if not key.startswith("_")]
            bodies.extend(body for run in runs for body in run)
    # A complete egress that names no file: a genuine delivery with nothing to process.
    bodies.append({"event": "egress_ended", "id": "EV_nofile", "createdAt": "1700000000",
                   "egressInfo": {"egressId": "EG_1", "roomName": "r", "status": "EGRESS_COMPLETE"}})
    return bodies


def test_webhook_deliveries_match_the_schema(tmp_path: Path) -> None:
    key, secret = "APIschemaKey", "schema-secret-that-is-long-enough-32"
    validator = _validator("webhook-delivery.schema.json")
    outcomes = set()
    for recordings in ("s3://recordings", str(tmp_path)):
        receiver = WebhookReceiver(key, secret, recordings=recordings)
        for body in _livekit_bodies():
            text = json.dumps(body)
            delivery = receiver.receive(text, sign_webhook(key, secret, text), "application/webhook+json")
            document = delivery.to_dict()
            errors = sorted(validator.iter_errors(document), key=str)
            assert not errors, f"{body.get('event')}: " + "; ".join(e.message for e in errors[:5])
            if delivery.egress_outcome is not None:
                outcomes.add(delivery.egress_outcome.outcome)
    assert outcomes == {"recorded", "failed", "unprocessable"}, outcomes
