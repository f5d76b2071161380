"""``SessionProcessor``: the Python face of the Rust ``SessionProcessor``."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence, Tuple, Union, cast

from ._native import CancelToken, NativeProcessor
from ._options import PathLike, ProcessorOptions
from ._result import SessionResult
from ._types import StoredSafetyEvent

if TYPE_CHECKING:
    import asyncio

    from typing_extensions import Unpack
# asyncio is imported by the coroutines that use it (a running loop has imported it already):
# importing it with the package cost about 40 ms of every `import session_monitor`.

SafetyEventInput = Union[Mapping[str, Any], str]
NativeCallback = Callable[[Optional[str], Optional[BaseException]], None]


class SessionProcessor:
    """Processes recorded sessions into ``<output>/sessions/<session_id>/``.

    ``output`` is a local folder or ``s3://bucket[/prefix]``. The keyword options (``s3``,
    ``transcribe``, ``model``, ``language``, ``on_progress``, ``nudity_model``,
    ``gemini_api_key``, ``session_context``, ``vad_model``) are described in
    ``ProcessorOptions``; path options take a ``str`` or an ``os.PathLike``.

    One processor can run several sessions at once, from threads or tasks.
    """

    def __init__(self, output: PathLike = "session-output", **options: Unpack[ProcessorOptions]) -> None:
        self._native = NativeProcessor(os.fspath(output), **options)

    @classmethod
    async def create_async(
        cls, output: PathLike = "session-output", **options: Unpack[ProcessorOptions]
    ) -> "SessionProcessor":
        """The constructor as a coroutine: the models load in a worker thread with the GIL
        released, so the event loop keeps running (the constructor itself releases the GIL too,
        but blocks its caller, here the loop, for the few hundred ms the models take). Raises the
        constructor's errors."""
        import asyncio

        return await asyncio.to_thread(lambda: cls(output, **options))

    def process(
        self, session_id: str, input: PathLike, *, cancel: Optional[CancelToken] = None
    ) -> SessionResult:
        """Processes ``input`` (a local path or ``s3://bucket/key``) as session ``session_id``.

        Blocks the calling thread with the GIL released. Raises a ``SessionProcessingError``
        subclass (``InputError``, ``MediaError``, ``StorageError``, ``CancelledError``, ...).
        """
        return SessionResult.from_json(self._native.process(session_id, os.fspath(input), cancel))

    def process_participants(
        self,
        session_id: str,
        participants: Sequence[Tuple[str, PathLike, float]],
        *,
        cancel: Optional[CancelToken] = None,
    ) -> SessionResult:
        """Processes a session recorded one file per participant (the 1:1 matching flow).

        ``participants`` is a sequence of ``(participant, input, offset_s)``: the LiveKit identity
        (its artifacts go to ``participants/<participant>/``), its recording (a path or
        ``s3://bucket/key``) and where that recording starts on the session's timeline in seconds.
        The session's ``quality.json`` and ``engagement.json`` summarise the participants and add
        the conversation (talk shares, turns, overlaps, interruptions, response latency). Blocks
        with the GIL released.
        """
        native = [(who, os.fspath(path), float(offset)) for who, path, offset in participants]
        return SessionResult.from_json(self._native.process_participants(session_id, native, cancel))

    async def process_async(
        self, session_id: str, input: PathLike, *, cancel: Optional[CancelToken] = None
    ) -> SessionResult:
        """``process`` as a coroutine: runs on the library's runtime, never blocks the event loop.

        Cancelling the awaiting task raises the run's ``CancelToken``, waits for the run to stop
        (so its manifest says ``failed``/``cancelled``) and re-raises ``asyncio.CancelledError``.
        """
        import asyncio

        token = cancel if cancel is not None else CancelToken()
        done, on_done = _native_future()
        self._native.submit(session_id, os.fspath(input), token, on_done)
        try:
            text = await asyncio.shield(done)
        except asyncio.CancelledError:
            token.cancel()
            await asyncio.wait([done])
            if not done.cancelled():
                done.exception()  # retrieved, so asyncio does not log it as never retrieved
            raise
        return SessionResult.from_json(text)

    def record_safety_event(self, session_id: str, event: SafetyEventInput) -> StoredSafetyEvent:
        """Validates a realtime safety event and stores it as ``sessions/<id>/safety/<name>.json``.

        ``event`` is a dict in the ``safety/<name>.json`` schema (``docs/outputs.md``), or that
        JSON as text, e.g. what nsfwjs flagged in a browser; a missing ``decision`` or
        ``detected_at`` is filled in. Sending the same event twice stores it once. Returns
        ``{"event": ..., "artifact": {"name", "location", "bytes"}}``. An invalid event raises
        ``InputError`` with code ``safety.invalid_event`` naming the field, and nothing is
        written. Blocks with the GIL released.
        """
        return cast(
            StoredSafetyEvent,
            json.loads(self._native.record_safety_event(session_id, _event_json(event))),
        )

    async def record_safety_event_async(
        self, session_id: str, event: SafetyEventInput
    ) -> StoredSafetyEvent:
        """``record_safety_event`` as a coroutine, on the library's runtime."""
        done, on_done = _native_future()
        self._native.submit_safety_event(session_id, _event_json(event), on_done)
        return cast(StoredSafetyEvent, json.loads(await done))


def _native_future() -> Tuple["asyncio.Future[str]", NativeCallback]:
    """A future of the running loop, and the callback the native side settles it with from a
    runtime thread: ``on_done(json, None)`` or ``on_done(None, exception)``."""
    import asyncio

    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()

    def settle(text: Optional[str], error: Optional[BaseException]) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(text or "")

    def on_done(text: Optional[str], error: Optional[BaseException]) -> None:
        try:
            loop.call_soon_threadsafe(settle, text, error)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    return done, on_done


def _event_json(event: SafetyEventInput) -> str:
    """The event as JSON text: a string is passed on as it is, a mapping is serialised."""
    if isinstance(event, str):
        return event
    if isinstance(event, Mapping):
        return json.dumps(dict(event))
    raise TypeError(f"event must be a dict or a JSON string, not {type(event).__name__}")
