"""LiveKit webhooks through the Python API: verification, egress outcomes, errors with their HTTP
status, interoperability with LiveKit's own Python SDK (`livekit-api`), and a webhook driving a
real run of the pipeline."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from session_monitor import ConfigError, SessionProcessingError, SessionProcessor, WebhookError
from session_monitor.livekit import EgressOutcome, WebhookDelivery, WebhookReceiver, sign_webhook

API_KEY = "APIwebhookKey"
API_SECRET = "a-long-api-secret-that-must-never-leak-0123456789"
CONTENT_TYPE = "application/webhook+json"


def livekit_api() -> Any:
    """LiveKit's server SDK; the interoperability tests fail (never skip) without it."""
    try:
        from livekit import api
    except ImportError as e:
        pytest.fail(f"livekit-api is not installed ({e}): run scripts/setup (scripts/test-requirements.txt)")
    return api


def egress_ended(
    filename: Optional[str] = "sessions/s-42/recording.mp4",
    status: str = "EGRESS_COMPLETE",
    error: str = "",
) -> str:
    info: Dict[str, Any] = {"egressId": "EG_1", "roomId": "RM_1", "roomName": "demo", "status": status}
    if error:
        info["error"] = error
    if filename is not None:
        info["fileResults"] = [{"filename": filename, "duration": "61000000000", "size": "1024"}]
    return json.dumps({"event": "egress_ended", "id": "EV_1", "createdAt": "1700000000", "egressInfo": info})


ROOM_STARTED = json.dumps(
    {"event": "room_started", "id": "EV_2", "createdAt": "1700000000", "room": {"sid": "RM_1", "name": "demo"}}
)


def receive(body: str, recordings: str = "s3://recordings") -> WebhookDelivery:
    receiver = WebhookReceiver(API_KEY, API_SECRET, recordings=recordings)
    return receiver.receive(body.encode(), sign_webhook(API_KEY, API_SECRET, body), CONTENT_TYPE)


def test_a_complete_egress_to_s3_is_a_recording_to_process() -> None:
    delivery = receive(egress_ended())

    assert (delivery.id, delivery.kind, delivery.created_at_s) == ("EV_1", "egress_ended", 1700000000)
    assert delivery.egress is not None and delivery.egress["status"] == "EGRESS_COMPLETE"
    assert delivery.raw["egressInfo"]["egressId"] == "EG_1"
    outcome = delivery.egress_outcome
    assert isinstance(outcome, EgressOutcome)
    assert outcome.outcome == "recorded" and outcome.is_recorded
    assert outcome.session_id == "s-42"
    assert outcome.input == "s3://recordings/sessions/s-42/recording.mp4"
    assert outcome.recording_input == {"kind": "s3", "bucket": "recordings", "key": "sessions/s-42/recording.mp4"}
    assert (outcome.egress_id, outcome.duration_ns, outcome.limit_reached) == ("EG_1", 61_000_000_000, False)
    assert (outcome.status, outcome.reason, outcome.code) == (None, None, None)
    assert delivery.recording == ("s-42", "s3://recordings/sessions/s-42/recording.mp4")
    assert delivery.to_dict()["egress_outcome"] == outcome.to_dict()
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.session_id = "other"  # type: ignore[misc]


def test_a_complete_egress_to_a_local_folder_is_a_path_under_it(tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    outcome = receive(egress_ended(), recordings=str(recordings)).egress_outcome

    assert outcome is not None and outcome.is_recorded
    expected = recordings / "sessions" / "s-42" / "recording.mp4"
    assert outcome.input == str(expected)
    assert outcome.recording_input == {"kind": "local", "path": str(expected)}


def test_a_failed_egress_carries_livekit_s_reason() -> None:
    outcome = receive(egress_ended(status="EGRESS_FAILED", error="Start signal not received")).egress_outcome

    assert outcome is not None and outcome.outcome == "failed" and not outcome.is_recorded
    assert (outcome.status, outcome.reason, outcome.egress_id) == ("EGRESS_FAILED", "Start signal not received", "EG_1")
    assert outcome.session_id is None and outcome.input is None and outcome.recording is None


def test_a_complete_egress_without_a_file_is_unprocessable() -> None:
    delivery = receive(egress_ended(filename=None))

    outcome = delivery.egress_outcome
    assert outcome is not None and outcome.outcome == "unprocessable"
    assert outcome.code == "livekit.no_recording_file"
    assert outcome.reason and "EG_1" in outcome.reason
    assert delivery.recording is None


def test_other_events_have_no_outcome() -> None:
    delivery = receive(ROOM_STARTED)

    assert delivery.kind == "room_started" and delivery.egress_outcome is None
    assert delivery.room is not None and delivery.room["name"] == "demo"
    assert delivery.participant is None and delivery.track is None and delivery.egress is None


def test_the_body_may_be_str_or_bytes() -> None:
    receiver = WebhookReceiver(API_KEY, API_SECRET, recordings="arn:aws:s3:::recordings")
    authorization = sign_webhook(API_KEY, API_SECRET, ROOM_STARTED.encode())
    assert receiver.receive(ROOM_STARTED, authorization, CONTENT_TYPE).id == "EV_2"
    assert receiver.receive(bytearray(ROOM_STARTED.encode()), "Bearer " + authorization, "application/json").id == "EV_2"
    with pytest.raises(TypeError):
        receiver.receive(123, authorization, CONTENT_TYPE)  # type: ignore[arg-type]


def forged(body: str) -> str:
    return sign_webhook(API_KEY, "another-secret-of-the-same-length-0123456789abcd", body)


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("forged signature", 401, "livekit.bad_signature"),
        ("tampered body", 401, "livekit.body_hash_mismatch"),
        ("wrong key", 401, "livekit.wrong_issuer"),
        ("missing header", 401, "livekit.missing_authorization"),
        ("wrong content type", 415, "livekit.wrong_content_type"),
        ("oversized body", 413, "livekit.body_too_large"),
    ],
)
def test_bad_deliveries_raise_webhook_error_with_the_status_to_answer(case: str, status: int, code: str) -> None:
    body = egress_ended()
    signed = sign_webhook(API_KEY, API_SECRET, body)
    receiver = WebhookReceiver(API_KEY, API_SECRET, recordings="s3://recordings", max_body_bytes=4096)
    authorization: Optional[str] = signed
    content_type: Optional[str] = CONTENT_TYPE
    if case == "forged signature":
        authorization = forged(body)
    elif case == "tampered body":
        body = body.replace("s-42", "s-43")
    elif case == "wrong key":
        authorization = sign_webhook("APIotherKey", API_SECRET, body)
    elif case == "missing header":
        authorization = None
    elif case == "wrong content type":
        content_type = "text/plain"
    elif case == "oversized body":
        body = body[:-1] + ', "pad": "' + "x" * 5000 + '"}'

    with pytest.raises(WebhookError) as caught:
        receiver.receive(body.encode(), authorization, content_type)

    error = caught.value
    assert isinstance(error, SessionProcessingError)
    assert (error.http_status, error.code, error.kind) == (status, code, "webhook"), str(error)
    for shown in (str(error), repr(error)):
        assert API_SECRET not in shown
        assert signed not in shown and (authorization is None or authorization not in shown)


def test_a_malformed_event_is_400() -> None:
    body = '{"id": "EV_3"}'
    receiver = WebhookReceiver(API_KEY, API_SECRET, recordings="s3://recordings")
    with pytest.raises(WebhookError) as caught:
        receiver.receive(body, sign_webhook(API_KEY, API_SECRET, body), CONTENT_TYPE)
    assert (caught.value.http_status, caught.value.code) == (400, "livekit.malformed_event")


@pytest.mark.parametrize(
    "settings",
    [
        {"api_key": "", "api_secret": API_SECRET, "recordings": "s3://recordings"},
        {"api_key": API_KEY, "api_secret": "", "recordings": "s3://recordings"},
        {"api_key": API_KEY, "api_secret": API_SECRET, "recordings": " "},
        {"api_key": API_KEY, "api_secret": API_SECRET, "recordings": "s3://Not_A_Bucket"},
        {"api_key": API_KEY, "api_secret": API_SECRET, "recordings": "s3://recordings", "leeway_s": -1.0},
    ],
)
def test_bad_settings_raise_config_error(settings: Dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as caught:
        WebhookReceiver(**settings)
    assert caught.value.kind == "config" and caught.value.code.startswith("livekit.")
    assert API_SECRET not in str(caught.value)


def test_webhook_error_is_registered_like_the_other_classes() -> None:
    import session_monitor
    import session_monitor.livekit

    assert session_monitor.livekit.WebhookError is session_monitor.WebhookError
    assert issubclass(WebhookError, SessionProcessingError)
    assert (WebhookError.kind, WebhookError.code, WebhookError.http_status) == ("webhook", "webhook", 400)
    assert SessionProcessingError.http_status is None and ConfigError.http_status is None
    raised = WebhookError("from Python code")
    assert raised.http_status == 400 and raised.kind == "webhook"


def test_a_garbage_token_is_401_and_not_echoed() -> None:
    body = egress_ended()
    garbage = "eyJhbGciOiJIUzI1NiJ9.not-a-token-secret-looking-part.sig"
    receiver = WebhookReceiver(API_KEY, API_SECRET, recordings="s3://recordings")
    with pytest.raises(WebhookError) as caught:
        receiver.receive(body, garbage, CONTENT_TYPE)
    assert caught.value.http_status == 401 and caught.value.code == "livekit.malformed_token"
    assert "not-a-token-secret-looking-part" not in str(caught.value)


def test_the_receiver_s_repr_hides_the_secret() -> None:
    receiver = WebhookReceiver(API_KEY, API_SECRET, recordings="s3://recordings")
    assert API_KEY in repr(receiver) and API_SECRET not in repr(receiver)


def test_a_webhook_signed_by_livekit_s_sdk_is_accepted() -> None:
    api = livekit_api()
    body = egress_ended()
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    token = (
        api.AccessToken(API_KEY, API_SECRET)
        .with_ttl(datetime.timedelta(minutes=5))
        .with_sha256(digest)
        .to_jwt()
    )

    delivery = WebhookReceiver(API_KEY, API_SECRET, recordings="s3://recordings").receive(
        body.encode(), token, CONTENT_TYPE
    )

    assert delivery.recording == ("s-42", "s3://recordings/sessions/s-42/recording.mp4")


def test_a_webhook_signed_by_sign_webhook_is_accepted_by_livekit_s_sdk() -> None:
    api = livekit_api()
    body = egress_ended()

    event = api.WebhookReceiver(api.TokenVerifier(API_KEY, API_SECRET)).receive(
        body, sign_webhook(API_KEY, API_SECRET, body)
    )

    assert event.event == "egress_ended" and event.egress_info.egress_id == "EG_1"
    with pytest.raises(Exception):
        api.WebhookReceiver(api.TokenVerifier(API_KEY, API_SECRET)).receive(body, forged(body))


def test_a_webhook_drives_a_run_of_the_pipeline(tmp_path: Path, clean_mp4: Path) -> None:
    recordings, output = tmp_path / "recordings", tmp_path / "out"
    (recordings / "sessions" / "s-e2e").mkdir(parents=True)
    shutil.copyfile(clean_mp4, recordings / "sessions" / "s-e2e" / "recording.mp4")
    body = egress_ended(filename="sessions/s-e2e/recording.mp4")

    delivery = receive(body, recordings=str(recordings))
    outcome = delivery.egress_outcome
    assert outcome is not None and outcome.is_recorded
    assert outcome.session_id is not None and outcome.input is not None
    result = SessionProcessor(output, transcribe=False).process(outcome.session_id, outcome.input)

    assert result.status == "complete" and result.session_id == "s-e2e"
    manifest = json.loads((output / "sessions" / "s-e2e" / "manifest.json").read_text())
    assert manifest["status"] == "complete"
