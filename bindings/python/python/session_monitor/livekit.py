"""LiveKit webhooks: verify a delivery and learn what it asks of the pipeline.

>>> from session_monitor.livekit import WebhookReceiver, WebhookError
>>> receiver = WebhookReceiver("APIkey", "secret", recordings="s3://recordings")  # doctest: +SKIP
>>> delivery = receiver.receive(body, request.headers.get("authorization"),
...                             request.headers.get("content-type"))  # doctest: +SKIP
>>> if delivery.recording:  # an egress_ended with a file to process  # doctest: +SKIP
...     processor.process(*delivery.recording)

Everything is done by the Rust library (``session_processing::livekit``): ``WebhookReceiver``
wraps ``WebhookVerifier::receive`` and ``RecordingStore::parse``, and ``WebhookDelivery`` is the
JSON it serialises. LiveKit retries a delivery with the same ``id`` until it gets a 2xx, so handle
deliveries idempotently; ``egress_ended`` may arrive after ``room_finished``.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Literal, NamedTuple, Optional, Union, cast

from . import _types
from ._native import ConfigError, NativeWebhookReceiver, WebhookError
from ._native import sign_webhook as _sign_webhook
from ._types import LiveKitEgress, LiveKitParticipant, LiveKitRoom, LiveKitTrack, RecordingInput, WebhookEventKind

__all__ = [
    "ConfigError",
    "EgressOutcome",
    "OutcomeKind",
    "Recording",
    "WebhookDelivery",
    "WebhookError",
    "WebhookReceiver",
    "sign_webhook",
]

OutcomeKind = Literal["recorded", "failed", "unprocessable"]
Body = Union[bytes, bytearray, str]


class Recording(NamedTuple):
    """What to hand to ``SessionProcessor.process``: ``process(*recording)``."""

    session_id: str
    input: str


@dataclass(frozen=True)
class EgressOutcome:
    """What an ``egress_ended`` gives the pipeline (``outcome``):

    - ``"recorded"``: a recording to process: ``session_id``, ``input`` (``s3://bucket/key`` or a
      local path, ready for ``SessionProcessor.process``; ``recording_input`` is the same as the
      Rust JSON has it, ``{"kind": "s3", "bucket", "key"}`` or ``{"kind": "local", "path"}``),
      ``egress_id``, ``duration_ns`` (0 when unknown) and ``limit_reached`` (egress stopped at a
      LiveKit time or size limit: the file is complete up to there).
    - ``"failed"``: nothing to process: ``egress_id``, ``status`` (``EGRESS_FAILED``, ...) and
      LiveKit's ``reason``.
    - ``"unprocessable"``: the delivery was genuine but gives nothing to process: the error's
      ``code`` (``livekit.no_recording_file``, ...) and ``reason``. Answer 2xx anyway, or LiveKit
      retries it.

    Fields that do not belong to the outcome are ``None``.
    """

    outcome: OutcomeKind
    session_id: Optional[str] = None
    input: Optional[str] = None
    recording_input: Optional[RecordingInput] = None
    egress_id: Optional[str] = None
    duration_ns: Optional[int] = None
    limit_reached: Optional[bool] = None
    status: Optional[str] = None
    reason: Optional[str] = None
    code: Optional[str] = None
    _raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> EgressOutcome:
        """Builds the outcome from the Rust JSON."""
        return cls(
            outcome=cast(OutcomeKind, data["outcome"]),
            session_id=data.get("session_id"),
            input=data.get("input_uri"),
            recording_input=data.get("input"),
            egress_id=data.get("egress_id"),
            duration_ns=data.get("duration_ns"),
            limit_reached=data.get("limit_reached"),
            status=data.get("status"),
            reason=data.get("reason"),
            code=data.get("code"),
            _raw=data,
        )

    @property
    def is_recorded(self) -> bool:
        """Whether there is a recording to process (``outcome == "recorded"``)."""
        return self.outcome == "recorded"

    @property
    def recording(self) -> Optional[Recording]:
        """``(session_id, input)`` for a recorded outcome, else ``None``."""
        if self.outcome == "recorded" and self.session_id is not None and self.input is not None:
            return Recording(self.session_id, self.input)
        return None

    def to_dict(self) -> _types.EgressOutcome:
        """The outcome as the Rust library serialised it (a deep copy)."""
        return cast(_types.EgressOutcome, copy.deepcopy(self._raw))


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified LiveKit webhook.

    ``id`` (``EV_...``, the same on every retry), ``kind`` (the event name: ``egress_ended``,
    ``room_started``, ...), ``created_at_s`` (Unix seconds); ``room``, ``participant``, ``track``
    and ``egress`` are the objects the event carries as the Rust library reads them (snake_case
    names, units in the names, enums as their proto names) or ``None``; ``raw`` is the whole body
    as received, minus the room's ``turnPassword``. ``egress_outcome`` is set for ``egress_ended`` only.
    """

    id: str
    kind: WebhookEventKind
    created_at_s: int
    room: Optional[LiveKitRoom]
    participant: Optional[LiveKitParticipant]
    track: Optional[LiveKitTrack]
    egress: Optional[LiveKitEgress]
    raw: Dict[str, Any]
    egress_outcome: Optional[EgressOutcome]
    _raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, text: str) -> WebhookDelivery:
        """Builds the delivery from the JSON text the native module returns."""
        data: Dict[str, Any] = json.loads(text)
        outcome = data.get("egress_outcome")
        return cls(
            id=data["id"],
            kind=data["kind"],
            created_at_s=data["created_at_s"],
            room=data.get("room"),
            participant=data.get("participant"),
            track=data.get("track"),
            egress=data.get("egress"),
            raw=data["raw"],
            egress_outcome=EgressOutcome.from_dict(outcome) if outcome is not None else None,
            _raw=data,
        )

    @property
    def recording(self) -> Optional[Recording]:
        """``(session_id, input)`` when this delivery gives a recording to process."""
        return self.egress_outcome.recording if self.egress_outcome is not None else None

    def to_dict(self) -> _types.WebhookDelivery:
        """The delivery as the Rust library serialised it (a deep copy)."""
        return cast(_types.WebhookDelivery, copy.deepcopy(self._raw))


class WebhookReceiver:
    """Checks LiveKit webhook deliveries, the way livekit-server signs them.

    ``api_key`` / ``api_secret`` are the pair in livekit-server's ``webhook.api_key``.
    ``recordings`` is where egress writes: ``s3://bucket``, a bucket ARN
    (``arn:aws:s3:::bucket``) or a local folder; an ``egress_ended``'s file becomes the input to
    process there. ``leeway_s`` is the clock skew tolerated on the token's ``exp``/``nbf``, and
    ``max_body_bytes`` the largest body accepted. Bad settings raise ``ConfigError``.
    """

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        recordings: Union[str, "os.PathLike[str]"],
        leeway_s: float = 60.0,
        max_body_bytes: int = 1048576,
    ) -> None:
        self._api_key = api_key
        self._recordings = os.fspath(recordings)
        self._native = NativeWebhookReceiver(
            api_key,
            api_secret,
            recordings=self._recordings,
            leeway_s=leeway_s,
            max_body_bytes=max_body_bytes,
        )

    def receive(
        self, body: Body, authorization: Optional[str], content_type: Optional[str]
    ) -> WebhookDelivery:
        """Verifies one delivery (with the GIL released) and returns what it says.

        ``body`` is the raw request body (never JSON a framework parsed and re-encoded),
        ``authorization`` and ``content_type`` the headers as received (``None`` when absent).
        A delivery that fails verification raises ``WebhookError``, whose ``http_status`` is
        what to answer (401, 400, 413, 415); its message never holds the secret or the token.
        """
        return WebhookDelivery.from_json(self._native.receive(body, authorization, content_type))

    def __repr__(self) -> str:
        return f"WebhookReceiver(api_key={self._api_key!r}, recordings={self._recordings!r})"


def sign_webhook(api_key: str, api_secret: str, body: Body) -> str:
    """The ``Authorization`` value livekit-server would send with ``body`` (valid 5 minutes),
    to test a webhook endpoint; send it with ``Content-Type: application/webhook+json``."""
    return _sign_webhook(api_key, api_secret, body)
