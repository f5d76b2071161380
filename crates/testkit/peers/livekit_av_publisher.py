"""A real LiveKit participant publishing a camera and a microphone (the `livekit` realtime SDK),
for crates/core/tests/livekit_egress.rs.

Usage: python livekit_av_publisher.py URL TOKEN MAX_SECONDS [--silent]

Connects to URL (ws://127.0.0.1:PORT) with TOKEN and publishes, in real time:
  - "camera": 320x240 RGBA frames at 15 fps of a moving colour pattern (numpy), so that the
    picture changes from frame to frame;
  - "mic": a 48 kHz mono tone whose pitch steps every half second (10 ms frames).
It publishes until a line "stop" or end of file arrives on stdin, or MAX_SECONDS pass, then
unpublishes both tracks and disconnects. It prints JSON lines on stdout:

  {"event": "published", "participant_sid", "identity", "room", "audio_track_sid", "video_track_sid"}
  {"event": "progress", "seconds": S, "video_frames": N, "audio_frames": M}   (about every 0.5 s)
  {"event": "finished", "seconds", "video_frames", "audio_frames", "stopped_by"}
"seconds" is the wall-clock time since publishing began (the audio source queues up to a second
ahead, so frame counts run early).

With --silent it joins and publishes nothing (a participant whose recorder has nothing to
record), prints {"event": "joined", "identity", "room"} and stays until told to stop or
MAX_SECONDS pass.

Any failure (no connection, a timeout, a publish error) exits non-zero with the reason on stderr.
Needs nothing beyond loopback.
"""

import asyncio
import json
import sys
import threading

import numpy as np
from livekit import rtc

WIDTH, HEIGHT, FPS = 320, 240, 15
SAMPLE_RATE = 48_000
FRAME_MS = 10
SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
TONES_HZ = (220.0, 330.0, 440.0, 550.0)
CONNECT_TIMEOUT_S = 20.0
STEP_TIMEOUT_S = 15.0
PROGRESS_EVERY_S = 0.5


def say(**fields):
    print(json.dumps(fields), flush=True)


def pattern_frames():
    """RGBA frames: diagonal colour bands that move, with a bright square crossing the picture."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    n = 0
    while True:
        frame = np.empty((HEIGHT, WIDTH, 4), dtype=np.uint8)
        frame[..., 0] = (x * 2 + n * 4) % 256
        frame[..., 1] = (y * 2 + n * 3) % 256
        frame[..., 2] = ((x + y) + n * 5) % 256
        frame[..., 3] = 255
        left = (n * 4) % (WIDTH - 40)
        frame[100:140, left : left + 40, :3] = 255
        n += 1
        yield rtc.VideoFrame(WIDTH, HEIGHT, rtc.VideoBufferType.RGBA, frame.tobytes())


def tone_frames():
    """10 ms int16 frames of a tone whose pitch steps every 0.5 s, continuous in phase."""
    phase = 0.0
    n = 0
    while True:
        hz = TONES_HZ[(n * FRAME_MS // 500) % len(TONES_HZ)]
        steps = phase + 2 * np.pi * hz * np.arange(SAMPLES) / SAMPLE_RATE
        phase = float(steps[-1] + 2 * np.pi * hz / SAMPLE_RATE) % (2 * np.pi)
        samples = (0.3 * 32767 * np.sin(steps)).astype("<i2")
        n += 1
        yield rtc.AudioFrame(samples.tobytes(), SAMPLE_RATE, 1, SAMPLES)


def stdin_says_stop(loop):
    """An event set when stdin brings a "stop" line or ends; read on a daemon thread, so a
    participant stopped by MAX_SECONDS does not wait for stdin to exit."""
    said = asyncio.Event()

    def read():
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        loop.call_soon_threadsafe(said.set)

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return said


async def publish(room, max_seconds):
    me = room.local_participant
    video_source = rtc.VideoSource(WIDTH, HEIGHT)
    video_track = rtc.LocalVideoTrack.create_video_track("camera", video_source)
    audio_source = rtc.AudioSource(SAMPLE_RATE, 1)
    audio_track = rtc.LocalAudioTrack.create_audio_track("mic", audio_source)
    video_pub = await asyncio.wait_for(
        me.publish_track(
            video_track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_CAMERA, simulcast=False)
        ),
        STEP_TIMEOUT_S,
    )
    audio_pub = await asyncio.wait_for(
        me.publish_track(audio_track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE, red=False)),
        STEP_TIMEOUT_S,
    )
    say(
        event="published",
        participant_sid=me.sid,
        identity=me.identity,
        room=room.name,
        audio_track_sid=audio_pub.sid,
        video_track_sid=video_pub.sid,
    )
    loop = asyncio.get_running_loop()
    counts = {"video": 0, "audio": 0}
    began = loop.time()
    stopping = asyncio.Event()

    def status(event, **extra):
        say(event=event, seconds=round(loop.time() - began, 3), video_frames=counts["video"],
            audio_frames=counts["audio"], **extra)

    # The feeders stop at `stopping` rather than by cancellation, and are awaited before the
    # sources close: capturing into a closed source aborts the SDK's native side.
    async def feed_video():
        frames = pattern_frames()
        while not stopping.is_set():
            video_source.capture_frame(next(frames))
            counts["video"] += 1
            # Real-time pacing of a camera: the next frame is due at began + n / FPS.
            await asyncio.sleep(max(0.0, began + counts["video"] / FPS - loop.time()))

    async def feed_audio():
        frames = tone_frames()
        while not stopping.is_set():
            # capture_frame paces itself: it waits while the source's queue is full.
            await audio_source.capture_frame(next(frames))
            counts["audio"] += 1

    async def report_progress():
        while not stopping.is_set():
            await asyncio.sleep(PROGRESS_EVERY_S)
            status("progress")

    feeders = [asyncio.create_task(f()) for f in (feed_video, feed_audio, report_progress)]
    told = asyncio.create_task(stdin_says_stop(loop).wait())
    done, _ = await asyncio.wait([told, *feeders], timeout=max_seconds, return_when=asyncio.FIRST_COMPLETED)
    stopping.set()
    told.cancel()
    # Raises a feeder's error, if one ended early.
    await asyncio.wait_for(asyncio.gather(*feeders), STEP_TIMEOUT_S)
    stopped_by = "stdin" if told in done else "max_seconds"
    status("finished", stopped_by=stopped_by)
    await asyncio.wait_for(me.unpublish_track(video_pub.sid), STEP_TIMEOUT_S)
    await asyncio.wait_for(me.unpublish_track(audio_pub.sid), STEP_TIMEOUT_S)
    await audio_source.aclose()
    await video_source.aclose()


async def stay_silent(room, max_seconds):
    say(event="joined", identity=room.local_participant.identity, room=room.name)
    told = stdin_says_stop(asyncio.get_running_loop())
    try:
        await asyncio.wait_for(told.wait(), max_seconds)
    except asyncio.TimeoutError:
        pass


async def run(url, token, max_seconds, silent):
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
    try:
        await (stay_silent(room, max_seconds) if silent else publish(room, max_seconds))
    finally:
        await asyncio.wait_for(room.disconnect(), STEP_TIMEOUT_S)


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[4:] not in ([], ["--silent"]):
        sys.exit("usage: livekit_av_publisher.py URL TOKEN MAX_SECONDS [--silent]")
    url, token, max_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    try:
        asyncio.run(run(url, token, max_seconds, sys.argv[4:] == ["--silent"]))
    except Exception as e:  # noqa: BLE001 - any failure is reported and fails the run
        sys.exit(f"livekit_av_publisher.py: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
