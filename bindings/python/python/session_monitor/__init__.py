"""Session Monitor: turn a recorded LiveKit session into quality and engagement artifacts.

>>> from session_monitor import SessionProcessor
>>> result = SessionProcessor("out").process("RM_abc123", "recording.mp4")  # doctest: +SKIP
>>> result.quality["score"]  # doctest: +SKIP

Artifacts land in ``<output>/sessions/<session_id>/`` (a local folder or ``s3://bucket/prefix``).
Errors are ``SessionProcessingError`` subclasses with a stable ``.code`` and ``.kind``.
"""

from ._native import (
    LIBRARY_VERSION,
    CancelledError,
    CancelToken,
    ConfigError,
    InputError,
    MediaError,
    S3Settings,
    SessionProcessingError,
    StorageError,
    TranscriptionError,
)
from ._processor import SessionProcessor
from ._result import Artifact, ErrorReport, SessionResult, StageReport

__version__ = LIBRARY_VERSION

__all__ = [
    "Artifact",
    "CancelToken",
    "CancelledError",
    "ConfigError",
    "ErrorReport",
    "InputError",
    "LIBRARY_VERSION",
    "MediaError",
    "S3Settings",
    "SessionProcessingError",
    "SessionProcessor",
    "SessionResult",
    "StageReport",
    "StorageError",
    "TranscriptionError",
    "__version__",
]
