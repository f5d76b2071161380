"""``SafetyChecker``: realtime safety checks on video frames, in the calling process."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal, Union, cast

from ._native import NativeSafetyChecker
from ._options import SafetyCheckerOptions
from ._types import FrameCheck

if TYPE_CHECKING:
    from typing_extensions import Unpack

PixelFormat = Literal["rgb", "rgba", "i420"]
# Anything with the buffer protocol works (bytes, bytearray, memoryview, numpy uint8 arrays).
Pixels = Union[bytes, bytearray, memoryview, object]


class SafetyChecker:
    """Scores the frames of one video track as they arrive (a LiveKit subscriber, uploads).

    Keep one checker per track: it remembers how long the picture has been covered or frozen and
    flags ``suspicious_behavior`` once such a stretch is long enough (about 21 s at the default
    threshold). With ``nudity_model`` (the nsfwjs folder ``scripts/prepare-nsfw-model`` makes)
    each frame is also scored for nudity; ``nudity_threshold`` (0-1, default 0.7) is the flag
    threshold. ``participant`` (the LiveKit identity) is written into the events. The keyword
    options are described in ``SafetyCheckerOptions``. A missing or broken model folder raises
    ``ConfigError``.

    A checker is safe to share between threads; frames are scored one at a time.
    """

    def __init__(self, **options: Unpack[SafetyCheckerOptions]) -> None:
        self._native = NativeSafetyChecker(**options)

    @classmethod
    async def create_async(cls, **options: Unpack[SafetyCheckerOptions]) -> "SafetyChecker":
        """The constructor as a coroutine: the model loads in a worker thread with the GIL
        released, so the event loop keeps running. Raises the constructor's errors."""
        import asyncio

        return await asyncio.to_thread(lambda: cls(**options))

    @property
    def has_nudity_model(self) -> bool:
        """Whether frames are scored for nudity."""
        return self._native.has_nudity_model

    def check_frame(
        self,
        pixels: Pixels,
        width: int,
        height: int,
        time_s: float,
        format: PixelFormat = "rgba",
    ) -> FrameCheck:
        """Scores one frame shown at ``time_s`` seconds of the track.

        ``pixels`` are tightly packed rows in ``format``: ``"rgba"`` (a browser's
        ``ImageData``), ``"rgb"`` or ``"i420"`` (WebRTC's planar YUV 4:2:0), as ``bytes`` or any
        bytes-like object (``bytearray``, ``memoryview``, a ``numpy.uint8`` array of shape
        ``(height, width, 4)``). Runs with the GIL released. Returns the ``FrameCheck`` JSON as
        a dict, whose ``events`` are new safety events (store them with
        ``SessionProcessor.record_safety_event``). A buffer of the wrong length, an unknown
        format or a negative time raises ``InputError`` with code ``safety.invalid_frame``.
        """
        text = self._native.check_frame(pixels, width, height, time_s, format)
        return cast(FrameCheck, json.loads(text))
