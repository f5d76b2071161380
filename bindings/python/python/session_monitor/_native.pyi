"""Type stubs for the native module ``session_monitor._native`` (built from ``src/*.rs``)."""

import os
from typing import Callable, List, Optional, Tuple, Union

from typing_extensions import Unpack

from ._options import ProcessorOptions, SafetyCheckerOptions

LIBRARY_VERSION: str

class SessionProcessingError(Exception):
    """A session could not be processed; ``code`` is stable and machine-readable."""

    code: str
    kind: str
    http_status: Optional[int]

class InputError(SessionProcessingError):
    """A bad session id or URI, or a missing, empty, truncated or non-media recording."""

class MediaError(SessionProcessingError):
    """The recording could not be decoded."""

class StorageError(SessionProcessingError):
    """Reading from or writing to storage failed."""

class TranscriptionError(SessionProcessingError):
    """The transcriber failed."""

class ConfigError(SessionProcessingError):
    """The processor was configured inconsistently."""

class ReasoningError(SessionProcessingError):
    """The LLM provider failed or answered something unusable."""

class WebhookError(SessionProcessingError):
    """A LiveKit webhook failed verification or could not be read; answer ``http_status``."""

    http_status: int

class CancelledError(SessionProcessingError):
    """The run was cancelled through its ``CancelToken``."""

class CancelToken:
    """Stops a run: call ``cancel()`` from any thread or from the progress callback."""

    def __init__(self) -> None: ...
    def cancel(self) -> None: ...
    @property
    def cancelled(self) -> bool: ...

class S3Settings:
    """How to reach S3 or an S3-compatible server; ``None`` fields use the AWS chain."""

    def __init__(
        self,
        *,
        endpoint: Optional[str] = None,
        region: Optional[str] = None,
        access_key_id: Optional[str] = None,
        secret_access_key: Optional[str] = None,
        session_token: Optional[str] = None,
        force_path_style: bool = False,
    ) -> None: ...
    @property
    def endpoint(self) -> Optional[str]: ...
    @property
    def region(self) -> Optional[str]: ...
    @property
    def force_path_style(self) -> bool: ...

class NativeProcessor:
    """The Rust processor; use ``session_monitor.SessionProcessor``."""

    def __init__(self, output: str, **options: Unpack[ProcessorOptions]) -> None: ...
    def process(
        self, session_id: str, input: str, cancel: Optional[CancelToken] = None
    ) -> str: ...
    def process_participants(
        self,
        session_id: str,
        participants: List[Tuple[str, str, float]],
        cancel: Optional[CancelToken] = None,
    ) -> str: ...
    def submit(
        self,
        session_id: str,
        input: str,
        cancel: CancelToken,
        on_done: Callable[[Optional[str], Optional[BaseException]], object],
    ) -> None: ...
    def record_safety_event(self, session_id: str, event: str) -> str: ...
    def submit_safety_event(
        self,
        session_id: str,
        event: str,
        on_done: Callable[[Optional[str], Optional[BaseException]], object],
    ) -> None: ...

class NativeSafetyChecker:
    """The Rust realtime checker; use ``session_monitor.SafetyChecker``."""

    def __init__(
        self,
        **options: Unpack[SafetyCheckerOptions],
    ) -> None: ...
    @property
    def has_nudity_model(self) -> bool: ...
    def check_frame(
        self, pixels: object, width: int, height: int, time_s: float, format: str = "rgba"
    ) -> str: ...

class NativeWebhookReceiver:
    """The Rust webhook verifier; use ``session_monitor.livekit.WebhookReceiver``."""

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        recordings: str,
        leeway_s: float = 60.0,
        max_body_bytes: int = 1048576,
    ) -> None: ...
    def receive(
        self,
        body: Union[bytes, bytearray, str],
        authorization: Optional[str],
        content_type: Optional[str],
    ) -> str: ...

def sign_webhook(api_key: str, api_secret: str, body: Union[bytes, bytearray, str]) -> str: ...
def render_report(
    session: Union[str, "os.PathLike[str]"],
    *,
    out: Optional[Union[str, "os.PathLike[str]"]] = None,
    s3: Optional[S3Settings] = None,
) -> str:
    """Render ``report.html`` again from ``<output>/sessions/<id>`` (a folder or ``s3://…``) and
    write it to ``out``, or into the session folder; returns where it was written."""
    ...
