"""Session Monitor's hidden room participant: the LiveKit side of the server-side realtime safety
check (docs/decisions/020-server-side-realtime-safety.md).

`session-monitor-server` runs one of these per live session, with LiveKit's Python `livekit`
SDK. It joins the room with a hidden, subscribe-only token, subscribes to every video track,
and about MONITOR_FRAMES_PER_S times a second per track hands the newest frame to the server,
which scores it (SafetyChecker) and stores the events. It judges nothing itself.

Settings come from the environment, never the command line (the token is a secret):
  MONITOR_LIVEKIT_URL, MONITOR_TOKEN, MONITOR_FRAMES_PER_S (default 1), MONITOR_MAX_SECONDS.

It writes messages on stdout, each a JSON line, followed by "bytes" raw bytes when that is
not 0:
  {"event": "joined", "room": ..., "bytes": 0}
  {"event": "frame", "participant", "track", "width", "height", "format": "rgba",
   "time_s" (seconds since this track's first checked frame), "received_unix_ms", "bytes": N}
  {"event": "left", "reason": ..., "bytes": 0}
It leaves when the room closes, stdin ends or says "stop", or MONITOR_MAX_SECONDS pass. A
failure exits non-zero with the reason on stderr.
"""

import asyncio
import json
import os
import sys
import threading
import time

from livekit import rtc

CONNECT_TIMEOUT_S = 20.0
_out = sys.stdout.buffer
_out_lock = threading.Lock()


def send(header, payload=b""):
    line = json.dumps(dict(header, bytes=len(payload))).encode() + b"\n"
    with _out_lock:
        _out.write(line)
        if payload:
            _out.write(payload)
        _out.flush()


async def watch(track, identity, every_s):
    """Hands the newest frame of `track` to the server about every `every_s` seconds."""
    loop = asyncio.get_running_loop()
    stream = rtc.VideoStream(track, format=rtc.VideoBufferType.RGBA, capacity=1)
    first = last = None
    try:
        async for event in stream:
            now = time.monotonic()
            if last is not None and now - last < every_s:
                continue
            received_unix_ms = time.time() * 1000.0
            last = now
            first = now if first is None else first
            frame = event.frame
            if frame.type != rtc.VideoBufferType.RGBA:
                frame = frame.convert(rtc.VideoBufferType.RGBA)
            header = {
                "event": "frame",
                "participant": identity,
                "track": track.sid,
                "width": frame.width,
                "height": frame.height,
                "format": "rgba",
                "time_s": round(now - first, 3),
                "received_unix_ms": round(received_unix_ms, 1),
            }
            await loop.run_in_executor(None, send, header, bytes(frame.data))
    finally:
        await stream.aclose()


def stdin_says_stop(loop, stop):
    def read():
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=read, name="stdin", daemon=True).start()


async def main():
    url = os.environ["MONITOR_LIVEKIT_URL"]
    token = os.environ["MONITOR_TOKEN"]
    every_s = 1.0 / float(os.environ.get("MONITOR_FRAMES_PER_S", "1"))
    max_s = float(os.environ.get("MONITOR_MAX_SECONDS", "7200"))
    loop = asyncio.get_running_loop()
    room = rtc.Room()
    watching = {}
    stop = asyncio.Event()
    why = {"reason": "max_seconds"}

    @room.on("track_subscribed")
    def _subscribed(track, publication, participant):
        if track.kind == rtc.TrackKind.KIND_VIDEO and track.sid not in watching:
            watching[track.sid] = asyncio.ensure_future(watch(track, participant.identity, every_s))

    @room.on("track_unsubscribed")
    def _unsubscribed(track, publication, participant):
        task = watching.pop(track.sid, None)
        if task:
            task.cancel()

    @room.on("disconnected")
    def _disconnected(reason):
        why["reason"] = f"disconnected: {reason}"
        stop.set()

    await asyncio.wait_for(room.connect(url, token, rtc.RoomOptions(auto_subscribe=True)), CONNECT_TIMEOUT_S)
    send({"event": "joined", "room": room.name})
    stdin_says_stop(loop, stop)
    try:
        await asyncio.wait_for(stop.wait(), max_s)
        if why["reason"] == "max_seconds":
            why["reason"] = "stopped"
    except asyncio.TimeoutError:
        pass
    for task in watching.values():
        task.cancel()
    await asyncio.gather(*watching.values(), return_exceptions=True)
    await room.disconnect()
    send({"event": "left", "reason": why["reason"]})


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyError, ValueError) as error:
        print(f"room_monitor: bad setting: {error}", file=sys.stderr)
        sys.exit(2)
    except Exception as error:  # noqa: BLE001 - the server shows the reason
        print(f"room_monitor: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
