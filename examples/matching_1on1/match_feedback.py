"""1:1 matching: process a call recorded one file per participant, then print match feedback.

Usage:
  python examples/matching_1on1/match_feedback.py --session-id ID --out OUT_DIR \\
      ID=RECORDING[@OFFSET_S] ID=RECORDING[@OFFSET_S]

Each RECORDING is a local file or s3://bucket/key (LiveKit track or participant egress, one per
person); OFFSET_S is where it starts on the call's timeline. The library writes
OUT_DIR/sessions/<ID>/ (per-participant reports under participants/<identity>/, and the
conversation in engagement.json); this script reads them back from OUT_DIR (a local folder
here; with S3 output read them with your S3 client) and prints feedback built from them
(feedback.py) as JSON. Models come from the environment as in bindings/python/examples:
WHISPER_MODEL_DIR (transcripts: questions, words per minute), SILERO_VAD_DIR (speech detection).
On failure it prints `error: <code>: <message>` and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from session_monitor import SessionProcessingError, SessionProcessor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feedback import match_feedback  # noqa: E402


def participant(spec: str) -> Tuple[str, str, float]:
    who, sep, rest = spec.partition("=")
    if not sep or not who or not rest:
        raise argparse.ArgumentTypeError(f"{spec!r} must look like ID=RECORDING[@OFFSET_S]")
    recording, at, offset = rest.rpartition("@") if "@" in rest else (rest, "", "0")
    try:
        return who, recording, float(offset)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{spec!r}: offset {offset!r} is not a number of seconds") from None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session-id", required=True)
    parser.add_argument("--out", required=True, help="a local folder")
    parser.add_argument("participants", nargs=2, type=participant, metavar="ID=RECORDING[@OFFSET_S]")
    args = parser.parse_args(argv)
    try:
        processor = SessionProcessor(
            args.out,
            model=os.environ.get("WHISPER_MODEL_DIR") or None,
            vad_model=os.environ.get("SILERO_VAD_DIR") or None,
        )
        result = processor.process_participants(args.session_id, args.participants)
    except SessionProcessingError as e:
        print(f"error: {e.code}: {e}", file=sys.stderr)
        return 1
    if result.engagement is None:
        print("error: engagement: the engagement stage did not run; see the manifest", file=sys.stderr)
        return 1
    folder = Path(args.out) / "sessions" / args.session_id / "participants"
    reports = {}
    for who, _, _ in args.participants:
        path = folder / who / "engagement.json"
        reports[who] = json.loads(path.read_text()) if path.exists() else {}
    print(json.dumps(match_feedback(result.engagement, reports), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
