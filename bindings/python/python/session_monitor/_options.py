"""The options of ``SessionProcessor`` and ``SafetyChecker``, each declared once: the class's
constructor, its ``create_async`` and the native constructor's stub all take them as ``**options``
typed by ``ProcessorOptions`` / ``SafetyCheckerOptions``, and ``tests/test_options.py`` checks them
against the native constructors' keywords."""

from __future__ import annotations

import os
from typing import Callable, Optional, TypedDict, Union

from ._native import S3Settings

PathLike = Union[str, "os.PathLike[str]"]
ProgressCallback = Callable[[str, float], object]


class ProcessorOptions(TypedDict, total=False):
    """Keyword options of ``SessionProcessor`` (all optional)."""

    #: How to reach S3, for S3 inputs and outputs; fields left ``None`` use the AWS chain.
    s3: Optional[S3Settings]
    #: ``False`` skips the transcription stage (default ``True``).
    transcribe: bool
    #: A local Whisper model folder (``model.safetensors``, ``config.json``, ``tokenizer.json``;
    #: ``scripts/prepare-whisper-tiny`` makes one); without one transcription is skipped with a
    #: reason. A broken folder raises ``TranscriptionError``.
    model: Optional[PathLike]
    #: The spoken language, an ISO 639-1 code; detected when ``None``.
    language: Optional[str]
    #: ``on_progress(stage, fraction)``, called from worker threads as the run advances
    #: (``fraction`` is the whole run's, 0.0-1.0); exceptions it raises are reported through
    #: ``sys.unraisablehook`` and ignored.
    on_progress: Optional[ProgressCallback]
    #: The nsfwjs model folder (``scripts/prepare-nsfw-model``) for the nudity category of the
    #: post-session safety scan; a missing or broken folder raises ``ConfigError``.
    nudity_model: Optional[PathLike]
    #: Turns on the LLM analysis (``analysis.json``) and the LLM transcript safety classifier;
    #: ``None`` uses ``GEMINI_API_KEY`` (with ``GEMINI_MODEL`` / ``GEMINI_BASE_URL``) when set, and
    #: an empty string turns the LLM off.
    gemini_api_key: Optional[str]
    #: What kind of session this is ("a tutoring session"), for the LLM.
    session_context: Optional[str]
    #: The Silero VAD folder (``scripts/prepare-silero-vad``): each track's speech map is computed
    #: once and used by the transcriber (stretches without speech, steady noise included, are not
    #: decoded) and by engagement; without it both use energy-based detection.
    vad_model: Optional[PathLike]


class SafetyCheckerOptions(TypedDict, total=False):
    """Keyword options of ``SafetyChecker`` (all optional)."""

    #: The participant (LiveKit identity) the frames come from, written into the events.
    participant: Optional[str]
    #: The nsfwjs model folder (``scripts/prepare-nsfw-model``); without it frames are not scored
    #: for nudity. A missing or broken folder raises ``ConfigError``.
    nudity_model: Optional[PathLike]
    #: The nudity flag threshold, 0-1 (default 0.7).
    nudity_threshold: Optional[float]
