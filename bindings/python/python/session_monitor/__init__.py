"""Session Monitor: turn a recorded LiveKit session into quality and engagement artifacts.

>>> from session_monitor import SessionProcessor
>>> result = SessionProcessor("out").process("RM_abc123", "recording.mp4")  # doctest: +SKIP
>>> result.quality["score"]  # doctest: +SKIP

Artifacts land in ``<output>/sessions/<session_id>/`` (a local folder or ``s3://bucket/prefix``).
Realtime safety: ``SafetyChecker`` scores video frames as they arrive, and
``SessionProcessor.record_safety_event`` stores events (from a checker or a browser) under
``safety/``. ``render_report`` renders a stored session's ``report.html`` again.
``session_monitor.livekit`` verifies LiveKit webhooks (``WebhookReceiver``) and says
which recording to process. Errors are ``SessionProcessingError`` subclasses with a stable
``.code`` and ``.kind`` (and ``.http_status`` for a ``WebhookError``).
"""

from ._native import (
    LIBRARY_VERSION,
    CancelledError,
    CancelToken,
    ConfigError,
    InputError,
    MediaError,
    ReasoningError,
    S3Settings,
    SessionProcessingError,
    StorageError,
    TranscriptionError,
    WebhookError,
    render_report,
)
from ._options import ProcessorOptions, SafetyCheckerOptions
from ._processor import SessionProcessor
from ._result import Artifact, ErrorReport, SessionResult, StageReport
from ._safety import SafetyChecker
from ._types import ArtifactRecord, FrameCheck, NudityScores, StoredSafetyEvent
from . import livekit

__version__ = LIBRARY_VERSION

__all__ = [
    "Artifact",
    "ArtifactRecord",
    "CancelToken",
    "CancelledError",
    "ConfigError",
    "ErrorReport",
    "FrameCheck",
    "InputError",
    "LIBRARY_VERSION",
    "MediaError",
    "NudityScores",
    "ProcessorOptions",
    "SafetyCheckerOptions",
    "ReasoningError",
    "S3Settings",
    "SafetyChecker",
    "SessionProcessingError",
    "SessionProcessor",
    "SessionResult",
    "StageReport",
    "StoredSafetyEvent",
    "StorageError",
    "TranscriptionError",
    "WebhookError",
    "__version__",
    "livekit",
    "render_report",
]
