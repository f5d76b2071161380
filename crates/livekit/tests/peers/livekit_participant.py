"""A real LiveKit participant (the `livekit` realtime SDK) for
crates/livekit/tests/livekit_participants.rs.

Usage: python livekit_participant.py URL TOKEN SECONDS

Connects to URL (ws://127.0.0.1:PORT) with TOKEN, publishes one microphone audio track fed by
an AudioSource with a 440 Hz sine (48 kHz mono, 10 ms frames) for SECONDS, then unpublishes it
and disconnects. On success prints one JSON line:

  {"participant_sid", "identity", "name", "room", "track_sid", "track_name", "source",
   "frames", "seconds"}

Any failure (no connection, a timeout, a publish error) exits non-zero with the reason on
stderr. Needs nothing beyond loopback.
"""

import asyncio
import json
import math
import struct
import sys

from livekit import rtc

SAMPLE_RATE = 48_000
FRAME_MS = 10
SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
TONE_HZ = 440.0
TRACK_NAME = "mic"
CONNECT_TIMEOUT_S = 20.0
STEP_TIMEOUT_S = 15.0


def sine_frames():
    """10 ms int16 frames of a continuous sine, forever."""
    n = 0
    while True:
        samples = [
            int(0.3 * 32767 * math.sin(2 * math.pi * TONE_HZ * (n + i) / SAMPLE_RATE))
            for i in range(SAMPLES)
        ]
        n += SAMPLES
        yield rtc.AudioFrame(struct.pack(f"<{SAMPLES}h", *samples), SAMPLE_RATE, 1, SAMPLES)


async def run(url, token, seconds):
    room = rtc.Room()
    try:
        await asyncio.wait_for(
            room.connect(url, token, rtc.RoomOptions(auto_subscribe=False, connect_timeout=10.0)),
            CONNECT_TIMEOUT_S,
        )
    except asyncio.TimeoutError:
        raise RuntimeError(f"no connection to {url} within {CONNECT_TIMEOUT_S} s") from None
    if not room.isconnected():
        raise RuntimeError(f"connect() returned but the room is not connected ({room.connection_state})")
    me = room.local_participant
    try:
        source = rtc.AudioSource(SAMPLE_RATE, 1)
        track = rtc.LocalAudioTrack.create_audio_track(TRACK_NAME, source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        publication = await asyncio.wait_for(me.publish_track(track, options), STEP_TIMEOUT_S)
        track_sid = publication.sid
        frames = 0
        # capture_frame paces itself (it waits while the source's queue is full), so this
        # plays in real time; the deadline bounds it all the same.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds + STEP_TIMEOUT_S
        for frame in sine_frames():
            if frames * FRAME_MS >= seconds * 1000:
                break
            await asyncio.wait_for(source.capture_frame(frame), max(0.1, deadline - loop.time()))
            frames += 1
        await asyncio.wait_for(source.wait_for_playout(), STEP_TIMEOUT_S)
        await asyncio.wait_for(me.unpublish_track(track_sid), STEP_TIMEOUT_S)
        await source.aclose()
        result = {
            "participant_sid": me.sid,
            "identity": me.identity,
            "name": me.name,
            "room": room.name,
            "track_sid": track_sid,
            "track_name": TRACK_NAME,
            "source": "MICROPHONE",
            "frames": frames,
            "seconds": frames * FRAME_MS / 1000,
        }
    finally:
        await asyncio.wait_for(room.disconnect(), STEP_TIMEOUT_S)
    return result


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: livekit_participant.py URL TOKEN SECONDS")
    url, token, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    try:
        result = asyncio.run(run(url, token, seconds))
    except Exception as e:  # noqa: BLE001 - any failure is reported and fails the run
        sys.exit(f"livekit_participant.py: {type(e).__name__}: {e}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
